use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo\nrequires: [unclosed\n")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
