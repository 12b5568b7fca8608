use ops_runtime::*;

#[derive(CharmAction)]
#[action(metadata_source = r#"
name: demo
actions:
  backup:
    params:
      target:
        type: string
      dry-run:
        type: boolean
      level:
        type: integer
    required: [target, dry-run]
    additionalProperties: false
"#)]
struct BackupParams {
    level: Option<i64>,
}

fn main() {}
