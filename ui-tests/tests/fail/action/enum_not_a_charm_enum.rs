use ops_runtime::*;

#[derive(serde::Deserialize)]
enum PoolType {
    Replicated,
    Erasure,
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
"#)]
struct CreatePoolParams {
    pool_type: Option<PoolType>,
}

fn main() {}
