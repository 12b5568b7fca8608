use ops_runtime::*;

#[derive(Default)]
struct Counter;

impl Component for Counter {
    const EVENTS: &'static [&'static str] = &[];

    fn observe(&mut self, _cx: &mut HookContext, _event: &Event, _emit: &mut Emitter) -> Result<(), CharmError> {
        Ok(())
    }
}

#[derive(Default)]
struct Charm {
    counter: Counter,
}

#[charm(
    components(counter: Counter = "database"),
    metadata_source = "name: demo\nrequires:\n  database:\n    interface: postgresql_client\n"
)]
impl Charm {}

fn main() {}
