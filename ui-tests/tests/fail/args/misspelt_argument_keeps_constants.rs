// A misspelt `#[charm]` argument is the only error: the metadata was named, so
// the constants generated from it are still there.
use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = "name: demo\nrequires:\n  database:\n    interface: pgsql\n", stat = "controller")]
impl Charm {
    #[on(database_relation_changed)]
    fn db_changed(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let _db = cx.relation(Self::RELATION_DATABASE)?;
        Ok(())
    }
}

fn main() {
    let _ = Charm::RELATION_DATABASE;
}
