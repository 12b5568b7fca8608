// Arguments the runtime cannot supply: each error names the event and the
// arguments that fit it.
use ops_runtime::*;

#[derive(CharmConfig)]
#[config(metadata_source = "name: demo\nconfig:\n  options:\n    port:\n      type: int\n      default: 80\n")]
struct Settings {
    port: i64,
}

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: demo
requires:
  db:
    interface: pgsql
config:
  options:
    port:
      type: int
      default: 80
actions:
  backup: {}
"#)]
impl Charm {
    #[on(config_changed)]
    fn configure(&mut self, _config: ConfigData) {}

    #[on(install)]
    fn install(&mut self, _config: Settings) {}

    #[on(db_relation_changed)]
    fn db_changed(&mut self, _name: String) {}

    #[on(backup_action)]
    fn backup(&mut self, _params: serde_json::Map<String, serde_json::Value>) {}
}

fn main() {}
