use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: a", metadata_source = "name: b")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
