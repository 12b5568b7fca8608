use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo\nrequires:\n  db:\n    limit: 1\n")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
