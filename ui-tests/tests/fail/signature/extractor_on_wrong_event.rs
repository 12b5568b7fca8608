// Every extractor that fits some events only, on an event it does not fit.
use ops_runtime::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Created {}

impl CustomEvent for Created {
    const NAME: &'static str = "created";
}

#[derive(CharmAction)]
#[action(metadata_source = "name: demo\nactions:\n  backup: {}\n")]
struct BackupParams {}

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: demo
requires:
  db:
    interface: pgsql
storage:
  data:
    type: filesystem
actions:
  backup: {}
"#)]
impl Charm {
    #[on(config_changed)]
    fn configure(&mut self, _params: Params<BackupParams>) {}

    #[on(data_storage_attached)]
    fn attached(&mut self, _event: RelationEvent) {}

    #[on(install)]
    fn install(&mut self, _status: CollectStatus) {}

    #[on(backup_action)]
    fn backup(&mut self, _status: CollectStatus) {}

    #[on(db_relation_changed)]
    fn db_changed(&mut self, _event: Custom<Created>) {}
}

fn main() {}
