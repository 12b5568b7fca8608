#![deny(deprecated)]

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
    required: [target]
"#)]
struct BackupParams {
    target: Option<String>,
    level: Option<i64>,
}

fn main() {}
