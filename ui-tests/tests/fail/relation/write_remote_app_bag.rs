// The other side's databags are read-only: there is no `Bag` for them.
use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo\nrequires:\n  db:\n    interface: pgsql\n")]
impl Charm {
    #[on(db_relation_changed)]
    fn db_changed(&mut self, cx: &mut HookContext, event: RelationChangedEvent) -> Result<(), CharmError> {
        cx.update_relation_data(&event.relation, Bag::RemoteApp, [("ack", "yes")])?;
        Ok(())
    }
}

fn main() {}
