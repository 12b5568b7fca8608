use ops_runtime::charm;

#[charm(metadata_source = "name: demo")]
struct Charm;

fn main() {}
