//! A charm with charm tracing turned on (`ops-interfaces`' `CharmTracing` on
//! its `charm-tracing` endpoint, `ops-runtime`'s `tracing` feature), for the
//! tests that export its spans to a collector the test runs:
//! `tests/it/charm_tracing.rs`.

use ops_interfaces::tracing::CharmTracing;
use ops_runtime::*;

/// The charm.
#[derive(Default)]
struct Traced {
    /// Keeps the tracing destination in step with the relation.
    charm_tracing: CharmTracing,
}

#[charm(
    components(charm_tracing: CharmTracing = "charm-tracing"),
    metadata_source = r#"
name: traced
requires:
  charm-tracing:
    interface: tracing
    limit: 1
"#
)]
impl Traced {
    #[on(charm_tracing_relation_changed)]
    fn traced(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        tracing::info!(relation = "charm-tracing", "tracing relation changed");
        let _span = tracing::info_span!("report", detail = "status").entered();
        cx.set_unit_status(Status::active("traced"))?;
        Ok(())
    }

    #[on(update_status)]
    fn tick(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        cx.is_leader()?;
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    ops_runtime::main::<Traced>()
}
