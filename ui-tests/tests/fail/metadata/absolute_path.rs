use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata = "/etc/charmcraft.yaml")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
