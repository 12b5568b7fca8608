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
    #[on(install, install)]
    fn install(&mut self) {}
}

fn main() {}
