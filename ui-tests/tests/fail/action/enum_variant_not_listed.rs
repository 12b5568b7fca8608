use ops_runtime::*;

#[derive(CharmEnum)]
enum PoolType {
    Replicated,
    Erasure,
    Tiered,
}

#[derive(CharmEnum)]
enum Plugin {
    Jerasure,
    Isa,
}

#[derive(CharmAction)]
#[action(metadata_source = r#"
name: demo
actions:
  create-pool:
    params:
      pool-type:
        type: string
        enum: [replicated, erasure]
      plugin:
        type: string
        enum: [jerasure, isa, lrc, shec]
"#)]
struct CreatePoolParams {
    pool_type: Option<PoolType>,
    plugin: Option<Plugin>,
}

fn main() {}
