use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo\nactions:\n  backup: {}\n  restore: {}\n")]
impl Charm {
    #[on(backup_action)]
    fn backup(&mut self) -> Result<Flow, CharmError> {
        Ok(Flow::Defer)
    }

    #[on(restore_action)]
    fn restore(&mut self) -> Flow {
        Flow::Defer
    }
}

fn main() {}
