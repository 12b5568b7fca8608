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
    #[on(instal)]
    fn install(&mut self) {}

    #[on(config_changed)]
    fn configure(self) {}

    #[on(web_pebble_redy, dbb_relation_joined)]
    fn web(&mut self) {}
}

fn main() {}
