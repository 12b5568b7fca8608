//! The harness's histories: the unit and application statuses and the workload
//! versions a run replaced, oldest first, as ops.testing's `unit_status_history`,
//! `app_status_history` and `workload_version_history` record them.

use ops_runtime::testing::{Context, State};
use ops_runtime::*;

#[derive(Default)]
struct Installer;

#[charm(metadata_source = "name: installer\n")]
impl Installer {
    #[on(install)]
    fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_unit_status(Status::maintenance("fetching"))?;
        cx.set_workload_version("1.0")?;
        cx.set_unit_status(Status::maintenance("installing"))?;
        cx.set_workload_version("1.1")?;
        if cx.is_leader()? {
            cx.set_app_status(Status::waiting("for peers"))?;
            cx.set_app_status(Status::active(""))?;
        }
        cx.set_unit_status(Status::active("ready"))
    }

    #[on(start)]
    fn start(&mut self) {}
}

fn info(status: Status) -> StatusInfo {
    status.info()
}

#[test]
fn each_status_the_run_replaced_is_recorded_oldest_first() {
    let mut ctx = Context::<Installer>::new();
    let state = State::new()
        .with_leader(true)
        .with_unit_status(Status::waiting("for install"))
        .with_workload_version("0.9");
    let out = ctx.run(Event::Install, state).unwrap();

    assert_eq!(out.unit_status, info(Status::active("ready")));
    assert_eq!(
        ctx.unit_status_history(),
        [
            info(Status::waiting("for install")),
            info(Status::maintenance("fetching")),
            info(Status::maintenance("installing")),
        ]
    );
    assert_eq!(out.workload_version.as_deref(), Some("1.1"));
    assert_eq!(ctx.workload_version_history(), ["0.9", "1.0"]);
    assert_eq!(
        ctx.app_status_history().len(),
        2,
        "{:?}",
        ctx.app_status_history()
    );
    assert_eq!(
        ctx.app_status_history()[1],
        info(Status::waiting("for peers"))
    );
}

#[test]
fn no_version_before_means_none_recorded_and_each_run_starts_afresh() {
    let mut ctx = Context::<Installer>::new();
    let out = ctx.run(Event::Install, State::new()).unwrap();
    assert_eq!(ctx.workload_version_history(), ["1.0"]);
    assert!(ctx.app_status_history().is_empty(), "not the leader");

    // A run that changes nothing leaves empty histories.
    ctx.run(Event::Start, out).unwrap();
    assert!(ctx.unit_status_history().is_empty());
    assert!(ctx.workload_version_history().is_empty());
}
