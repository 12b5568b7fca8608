//! A charm with a typical hook's hook-tool calls (`is-leader`, `config-get`,
//! `status-set`), whose `collector` option, when set, is its tracing
//! destination: `bench/charm_tracing.py` runs it built with and without
//! ops-runtime's `tracing` feature, related (a collector set) and not.

use ops_runtime::*;

#[derive(Default)]
struct Bench;

#[charm(metadata_source = r#"
name: bench
config:
  options:
    collector:
      type: string
      default: ""
"#)]
impl Bench {
    #[on(update_status)]
    fn update(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let collector = cx
            .config()?
            .get_str("collector")
            .unwrap_or_default()
            .to_owned();
        let destination = if collector.is_empty() {
            None
        } else {
            Some(TracingDestination::new(collector)?)
        };
        cx.set_tracing_destination(destination);
        if cx.is_leader()? {
            cx.set_unit_status(Status::active("ready"))?;
        }
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    ops_runtime::main::<Bench>()
}
