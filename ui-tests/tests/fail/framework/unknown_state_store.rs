use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo", state = "etcd")]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
