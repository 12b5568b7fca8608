use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo")]
impl Charm {
    #[on(self::restart_needed)]
    fn restart(&mut self) {}
}

fn main() {}
