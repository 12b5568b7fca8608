use ops_runtime::*;

#[derive(CharmConfig)]
#[config(metadata_source = "name: demo")]
struct Settings {
    port: u16,
}

fn main() {}
