use ops_runtime::*;

#[derive(Default)]
struct Charm;

struct Report;

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
    fn restore(&mut self) -> Result<Report, CharmError> {
        Ok(Report)
    }
}

fn main() {}
