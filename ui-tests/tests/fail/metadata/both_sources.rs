use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata = "charmcraft.yaml", metadata_source = "name: demo")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
