use ops_runtime::*;

#[derive(CharmConfig)]
#[config(metadata_source = "name: demo")]
struct Settings(u16);

fn main() {}
