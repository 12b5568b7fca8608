use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata = "no/such/charmcraft.yaml")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
