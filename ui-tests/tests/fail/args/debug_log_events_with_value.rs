use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo", debug_log_events = true)]
impl Charm {
    #[on(install)]
    fn install(&mut self) {}
}

fn main() {}
