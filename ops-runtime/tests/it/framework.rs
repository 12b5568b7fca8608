//! Framework semantics: stored state, deferral, reconcile, collect-status's
//! saving, and what a failed hook leaves behind.

use ops_runtime::testing::{Context, RunError, State};
use ops_runtime::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Counters {
    starts: u32,
    reconciles: u32,
}

impl StoredState for Counters {
    const KEY: &'static str = "counters";
}

#[derive(Default)]
struct Charm;

#[charm(metadata_source = r#"
name: framework
requires:
  db:
    interface: pgsql
config:
  options:
    ready:
      type: boolean
      default: false
    fail:
      type: boolean
      default: false
"#)]
impl Charm {
    #[on(start)]
    fn start(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        cx.stored::<Counters>()?.starts += 1;
        if cx.config()?.get_bool("fail") == Some(true) {
            return Err(CharmError::msg("start failed"));
        }
        Ok(())
    }

    /// Waits for `ready` before handling relation changes.
    #[on(db_relation_changed)]
    fn db_changed(
        &mut self,
        cx: &mut HookContext,
        event: RelationChangedEvent,
    ) -> Result<Flow, CharmError> {
        if cx.config()?.get_bool("ready") != Some(true) {
            return Ok(Flow::Defer);
        }
        log::info!("handled change of {} from {:?}", event.relation, event.unit);
        Ok(Flow::Done)
    }

    #[on(update_status)]
    fn update(&mut self) -> Flow {
        log::info!("update ran");
        Flow::Defer
    }

    #[on(stop)]
    fn stop(&mut self) -> Flow {
        Flow::Defer
    }

    #[on(reconcile(except(update_status)))]
    fn reconcile(&mut self, cx: &mut HookContext, event: Event) -> Result<(), CharmError> {
        cx.stored::<Counters>()?.reconciles += 1;
        log::info!("reconciling after {}", event.hook_name());
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(&mut self, cx: &mut HookContext, status: CollectStatus) -> Result<(), CharmError> {
        let starts = cx.stored::<Counters>()?.starts;
        status.add(Status::active(format!("started {starts} times")));
        Ok(())
    }
}

fn changed(unit: &str) -> Event {
    Event::RelationChanged(RelationChangedEvent {
        relation: event::RelationRef::new("db", 1),
        app: "pg".into(),
        unit: Some(unit.into()),
    })
}

fn with_db(state: State) -> State {
    state.with_relation(
        testing::Relation::new("db", 1)
            .with_remote_app("pg")
            .with_remote_unit("pg/1", [("a", "b")]),
    )
}

#[test]
fn stored_state_survives_from_hook_to_hook() {
    let mut ctx = Context::<Charm>::new();
    let out = ctx.run(Event::Start, State::new()).unwrap();
    assert_eq!(
        out.stored::<Counters>(),
        Some(Counters {
            starts: 1,
            reconciles: 1
        })
    );
    let out = ctx.run(Event::Start, out).unwrap();
    assert_eq!(
        out.stored::<Counters>(),
        Some(Counters {
            starts: 2,
            reconciles: 2
        })
    );
    assert_eq!(out.unit_status, Status::active("started 2 times"));
}

#[test]
fn a_failed_hook_commits_nothing() {
    let mut ctx = Context::<Charm>::new();
    let before = State::new()
        .with_config("fail", true)
        .with_stored(&Counters {
            starts: 5,
            reconciles: 0,
        })
        .with_deferred("update", Event::UpdateStatus);
    let err = ctx.run(Event::Start, before.clone()).unwrap_err();
    let RunError::Failed { state, .. } = err else {
        panic!("expected a failure")
    };
    assert_eq!(state.stored, before.stored);
    assert_eq!(state.deferred, before.deferred);
}

#[test]
fn deferred_events_come_back_in_order_exactly_once_to_their_handler() {
    let mut ctx = Context::<Charm>::new();
    // Two changes deferred while not ready; the same change again is not queued twice.
    let out = ctx.run(changed("pg/0"), with_db(State::new())).unwrap();
    let out = ctx.run(changed("pg/1"), out).unwrap();
    let out = ctx.run(changed("pg/0"), out).unwrap();
    assert_eq!(out.deferred.len(), 2);
    assert_eq!(out.deferred[0].handler, "db_changed");
    assert_eq!(out.deferred[0].event, changed("pg/0"));
    assert_eq!(out.deferred[1].event, changed("pg/1"));
    // Once ready, the next hook re-runs both, oldest first, before its own event.
    let out = ctx
        .run(Event::ConfigChanged, out.with_config("ready", true))
        .unwrap();
    assert!(out.deferred.is_empty());
    let lines: Vec<&str> = ctx
        .juju_log()
        .iter()
        .map(|l| l.message.as_str())
        .filter(|m| !m.starts_with("Re-emitting"))
        .collect();
    assert_eq!(
        lines,
        [
            "handled change of db:1 from Some(\"pg/0\")",
            "handled change of db:1 from Some(\"pg/1\")",
            "reconciling after config-changed",
        ]
    );
    let reemits = ctx
        .juju_log()
        .iter()
        .filter(|l| l.level == LogLevel::Debug && l.message.starts_with("Re-emitting deferred"))
        .count();
    assert_eq!(reemits, 2);
}

#[test]
fn an_event_deferred_again_keeps_its_place() {
    let mut ctx = Context::<Charm>::new();
    let state = with_db(State::new())
        .with_deferred("update", Event::UpdateStatus)
        .with_deferred("db_changed", changed("pg/1"));
    let out = ctx.run(Event::UpdateStatus, state).unwrap();
    // update deferred again (kept first, not duplicated by the new update-status);
    // db_changed deferred again (not ready).
    let handlers: Vec<&str> = out.deferred.iter().map(|d| d.handler.as_str()).collect();
    assert_eq!(handlers, ["update", "db_changed"]);
    // As in ops, the handler ran once: re-emitted and deferred again, it is
    // not called a second time for the new update-status.
    let runs = ctx
        .juju_log()
        .iter()
        .filter(|l| l.message == "update ran")
        .count();
    assert_eq!(runs, 1, "{:?}", ctx.juju_log());
}

#[test]
fn a_deferred_event_handled_on_reemission_runs_again_for_the_new_event() {
    // Only a notice still queued suppresses the new run: db_changed succeeds
    // on re-emission (now ready), so the new change runs it again.
    let mut ctx = Context::<Charm>::new();
    let state = with_db(State::new())
        .with_config("ready", true)
        .with_deferred("db_changed", changed("pg/1"));
    let out = ctx.run(changed("pg/1"), state).unwrap();
    assert!(out.deferred.is_empty());
    let handled = ctx
        .juju_log()
        .iter()
        .filter(|l| l.message.starts_with("handled change"))
        .count();
    assert_eq!(handled, 2);
}

#[test]
fn reconcile_runs_once_per_hook_except_where_opted_out() {
    let mut ctx = Context::<Charm>::new();
    ctx.run(Event::ConfigChanged, State::new()).unwrap();
    let reconciles = ctx
        .juju_log()
        .iter()
        .filter(|l| l.message.starts_with("reconciling"))
        .count();
    assert_eq!(reconciles, 1);
    ctx.run(Event::UpdateStatus, State::new()).unwrap();
    assert!(
        ctx.juju_log()
            .iter()
            .all(|l| !l.message.starts_with("reconciling"))
    );
}

#[test]
fn stop_cannot_be_deferred() {
    let mut ctx = Context::<Charm>::new();
    let err = ctx.run(Event::Stop, State::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("handler `stop` deferred `stop`, which cannot be deferred"),
        "{err}"
    );
}

#[test]
fn an_unchanged_status_is_not_set_again() {
    let mut ctx = Context::<Charm>::new();
    let out = ctx.run(Event::ConfigChanged, State::new()).unwrap();
    assert!(ctx.hook_tool_calls().contains(&"status-set"));
    ctx.run(Event::ConfigChanged, out).unwrap();
    assert!(
        !ctx.hook_tool_calls().contains(&"status-set"),
        "{:?}",
        ctx.hook_tool_calls()
    );
}

#[test]
fn a_deferred_event_for_a_handler_that_is_gone_is_dropped_with_a_warning() {
    let mut ctx = Context::<Charm>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_deferred("renamed", Event::UpdateStatus),
        )
        .unwrap();
    assert!(out.deferred.is_empty());
    let warning = ctx
        .juju_log()
        .iter()
        .find(|l| l.level == LogLevel::Warning)
        .unwrap();
    assert_eq!(
        warning.message,
        "Dropping deferred `update-status`: the charm has no handler `renamed` for it any more."
    );
}

#[derive(Default)]
struct Kubernetes;

#[charm(state = "controller", metadata_source = "name: k8s")]
impl Kubernetes {
    #[on(start)]
    fn start(&mut self, cx: &mut HookContext) -> Result<(), state::StateError> {
        cx.stored::<Counters>()?.starts += 1;
        Ok(())
    }

    #[on(collect_metrics)]
    fn metrics(&mut self) {
        log::info!("collecting metrics");
    }
}

#[test]
fn the_controller_store_keeps_the_snapshot_in_juju() {
    use ops_runtime::state::{ControllerStore, Snapshot, StateStore, StoreKind};
    use ops_runtime::testing::MemoryHookTools;
    use std::rc::Rc;

    assert_eq!(
        <Kubernetes as ops_runtime::Charm>::META.store,
        StoreKind::Controller
    );
    let tools = Rc::new(MemoryHookTools::default());
    let store = ControllerStore::new(tools.clone());
    assert_eq!(store.load().unwrap(), Snapshot::default());
    let mut snapshot = Snapshot::default();
    snapshot.stored.insert(
        "counters".into(),
        serde_json::json!({"starts": 3, "reconciles": 0}),
    );
    store.save(&snapshot).unwrap();
    assert_eq!(store.load().unwrap(), snapshot);
    assert_eq!(tools.calls(), ["state-get", "state-set", "state-get"]);
    tools.state_set(ControllerStore::KEY, "{broken").unwrap();
    let err = store.load().unwrap_err();
    assert!(
        err.to_string()
            .contains("Juju's controller (key `ops-rs-state`) is corrupt"),
        "{err}"
    );
}

#[test]
fn a_controller_backed_charm_runs_in_the_harness_like_any_other() {
    let mut ctx = Context::<Kubernetes>::new();
    let out = ctx.run(Event::Start, State::new()).unwrap();
    assert_eq!(out.stored::<Counters>().map(|c| c.starts), Some(1));
}

#[test]
fn restricted_hooks_of_a_controller_backed_charm_run_nothing() {
    // Juju offers no state-get in collect-metrics: as ops does, the charm
    // exits 0 without loading its state or running handlers.
    let mut ctx = Context::<Kubernetes>::new();
    ctx.run(Event::CollectMetrics, State::new()).unwrap();
    assert!(
        !ctx.hook_tool_calls().contains(&"state-get"),
        "{:?}",
        ctx.hook_tool_calls()
    );
    assert!(
        ctx.juju_log()
            .iter()
            .all(|line| line.message != "collecting metrics"),
        "{:?}",
        ctx.juju_log()
    );
}
