// A misspelt event is the only error: the constants generated from the
// metadata, and the other handlers, are still there.
use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: demo
requires:
  database:
    interface: postgresql_client
containers:
  workload:
    resource: workload-image
resources:
  workload-image:
    type: oci-image
"#)]
impl Charm {
    #[on(workload_pebble_redy)]
    fn ready(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let _workload = Self::CONTAINER_WORKLOAD;
        let _db = cx.relation(Self::RELATION_DATABASE)?;
        Ok(())
    }

    #[on(database_relation_changed)]
    fn db_changed(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let _db = cx.relation(Self::RELATION_DATABASE)?;
        Ok(())
    }
}

fn main() {
    let _ = Charm::RELATION_DATABASE;
    let _ = Charm::CONTAINER_WORKLOAD;
}
