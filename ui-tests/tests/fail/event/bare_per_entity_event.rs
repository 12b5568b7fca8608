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
"#)]
impl Charm {
    // A relation event names its endpoint.
    #[on(relation_changed)]
    fn changed(&mut self) {}

    // And a Pebble event its container, which this charm has none of.
    #[on(pebble_ready)]
    fn ready(&mut self) {}
}

fn main() {}
