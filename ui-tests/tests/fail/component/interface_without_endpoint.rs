use ops_runtime::*;

#[derive(Default)]
struct DatabaseRequirer;

impl Component for DatabaseRequirer {
    const EVENTS: &'static [&'static str] = &[];
    const INTERFACE: Option<Interface> =
        Some(Interface::requires(&["postgresql_client", "mysql_client"]));

    fn observe(&mut self, _cx: &mut HookContext, _event: &Event, _emit: &mut Emitter) -> Result<(), CharmError> {
        Ok(())
    }
}

#[derive(Default)]
struct Charm {
    db: DatabaseRequirer,
}

#[charm(
    components(db: DatabaseRequirer),
    metadata_source = "name: demo\nrequires:\n  database:\n    interface: postgresql_client\n"
)]
impl Charm {}

fn main() {}
