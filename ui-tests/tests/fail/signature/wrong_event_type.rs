use ops_runtime::*;

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: demo
requires:
  db:
    interface: pgsql
peers:
  cluster:
    interface: cluster
storage:
  data:
    type: filesystem
containers:
  web:
    resource: web-image
resources:
  web-image:
    type: oci-image
actions:
  do-backup: {}
"#)]
impl Charm {
    #[on(config_changed)]
    fn configure(&mut self, _event: RelationChangedEvent) {}

    #[on(db_relation_joined, db_relation_changed)]
    fn db_joined_or_changed(&mut self, _event: RelationChangedEvent) {}
}

fn main() {}
