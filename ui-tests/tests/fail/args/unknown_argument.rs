use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metdata = "charmcraft.yaml")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
