use ops_runtime::*;

#[derive(CharmAction)]
#[action(metadata_source = r#"
name: demo
actions:
  backup:
    params:
      target:
        type: string
      level:
        type: integer
      dry-run:
        type: boolean
        default: false
      note:
        type: string
    required: [target]
  restore: {}
"#)]
struct BackupParams {
    target: String,
}

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: demo
actions:
  backup:
    params:
      target:
        type: string
      level:
        type: integer
      dry-run:
        type: boolean
        default: false
      note:
        type: string
    required: [target]
  restore: {}
"#)]
impl Charm {
    #[on(restore_action)]
    fn restore(&mut self, _params: Params<BackupParams>) {}
}

fn main() {}
