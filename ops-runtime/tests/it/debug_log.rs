//! `#[charm(debug_log_events)]`: ops's debug lines about events, in ops's
//! wording, written to `juju-log` only when the charm asks for them.

use ops_runtime::testing::{Context, State};
use ops_runtime::*;

/// Asks for the lines.
#[derive(Default)]
struct Logged;

#[charm(
    metadata_source = r#"
name: debug-log
requires:
  db:
    interface: pgsql
config:
  options:
    ready:
      type: boolean
      default: false
actions:
  back-up: {}
"#,
    debug_log_events
)]
impl Logged {
    #[on(install, db_relation_changed, back_up_action)]
    fn install(&mut self) {}

    /// Waits for `ready`.
    #[on(update_status)]
    fn update(&mut self, cx: &mut HookContext) -> Result<Flow, CharmError> {
        Ok(if cx.config()?.get_bool("ready") == Some(true) {
            Flow::Done
        } else {
            Flow::Defer
        })
    }
}

/// The same charm without the argument.
#[derive(Default)]
struct Quiet;

#[charm(metadata_source = r#"
name: debug-log
requires:
  db:
    interface: pgsql
config:
  options:
    ready:
      type: boolean
      default: false
actions:
  back-up: {}
"#)]
impl Quiet {
    #[on(install, db_relation_changed, back_up_action)]
    fn install(&mut self) {}

    /// Waits for `ready`.
    #[on(update_status)]
    fn update(&mut self, cx: &mut HookContext) -> Result<Flow, CharmError> {
        Ok(if cx.config()?.get_bool("ready") == Some(true) {
            Flow::Done
        } else {
            Flow::Defer
        })
    }
}

/// `UpdateStatusEvent`'s key in the lines: a hash of the event, the same in
/// every process (and so pinned here: a change would break the tools that
/// match a deferral with its re-run).
const UPDATE_STATUS_KEY: u32 = 2082772116;

fn debug_lines(ctx: &[testing::JujuLogLine]) -> Vec<&str> {
    ctx.iter()
        .filter(|line| line.level == LogLevel::Debug)
        .map(|line| line.message.as_str())
        .collect()
}

fn changed() -> Event {
    Event::RelationChanged(RelationChangedEvent {
        relation: event::RelationRef::new("db", 1),
        app: "pg".into(),
        unit: Some("pg/0".into()),
    })
}

fn with_db(state: State) -> State {
    state.with_relation(testing::Relation::new("db", 1).with_remote_app("pg"))
}

#[test]
fn the_lines_are_off_unless_the_charm_asks() {
    const { assert!(!<Quiet as Charm>::DEBUG_LOG_EVENTS) };
    const { assert!(<Logged as Charm>::DEBUG_LOG_EVENTS) };
}

#[test]
fn a_juju_event_is_announced_by_its_ops_name() {
    let mut ctx = Context::<Logged>::new();
    ctx.run(Event::Install, State::new()).unwrap();
    assert_eq!(
        debug_lines(ctx.juju_log()),
        ["Emitting Juju event install."]
    );
    ctx.run(changed(), with_db(State::new())).unwrap();
    assert_eq!(
        debug_lines(ctx.juju_log()),
        ["Emitting Juju event db_relation_changed."]
    );
    ctx.run_action(testing::Action::new("back-up"), State::new())
        .unwrap();
    assert_eq!(
        debug_lines(ctx.juju_log()),
        ["Emitting Juju event back_up_action."]
    );
}

#[test]
fn a_deferral_and_its_re_run_name_the_same_event() {
    let mut ctx = Context::<Logged>::new();
    let out = ctx.run(Event::UpdateStatus, State::new()).unwrap();
    let repr = format!("<UpdateStatusEvent via Logged/on/update_status[{UPDATE_STATUS_KEY}]>");
    assert_eq!(
        debug_lines(ctx.juju_log()),
        [
            "Emitting Juju event update_status.".to_owned(),
            format!("Deferring {repr}."),
        ]
    );
    // Deferred again: ops logs each `defer()`, and re-runs before the new event.
    let out = ctx.run(Event::Install, out).unwrap();
    assert_eq!(
        debug_lines(ctx.juju_log()),
        [
            format!("Re-emitting deferred event {repr} (1 of 1 in queue)."),
            format!("Deferring {repr}."),
            "Emitting Juju event install.".to_owned(),
        ]
    );
    let out = ctx
        .run(Event::Start, out.with_config("ready", true))
        .unwrap();
    assert!(out.deferred.is_empty());
    assert_eq!(
        debug_lines(ctx.juju_log()),
        [
            format!("Re-emitting deferred event {repr} (1 of 1 in queue)."),
            "Emitting Juju event start.".to_owned(),
        ]
    );
}

#[test]
fn without_the_argument_none_of_the_ops_lines_are_written() {
    let mut ctx = Context::<Quiet>::new();
    let out = ctx.run(Event::UpdateStatus, State::new()).unwrap();
    let out = ctx.run(Event::Install, out).unwrap();
    let lines = debug_lines(ctx.juju_log());
    assert!(
        lines.iter().all(|line| !line.starts_with("Emitting")
            && !line.starts_with("Re-emitting deferred event")
            && !line.starts_with("Deferring <")),
        "{lines:?}"
    );
    // The crate's own, shorter line about the re-run stays.
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("Re-emitting deferred `update-status`")),
        "{lines:?}"
    );
    ctx.run(Event::Start, out.with_config("ready", true))
        .unwrap();
    ctx.run(changed(), with_db(State::new())).unwrap();
    assert_eq!(debug_lines(ctx.juju_log()), Vec::<&str>::new());
}

/// `ready`, emitted by [`Probe`] on install.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Ready {}

impl CustomEvent for Ready {
    const NAME: &'static str = "workload_ready";
}

/// A component that emits `workload_ready` on install.
#[derive(Default)]
struct Probe;

impl Component for Probe {
    const EVENTS: &'static [&'static str] = &[Ready::NAME];

    fn observe(
        &mut self,
        _cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        if matches!(event, Event::Install) {
            emit.emit(&Ready {})?;
        }
        Ok(())
    }
}

/// Asks for the lines, and has a component.
#[derive(Default)]
struct WithProbe {
    probe: Probe,
}

#[charm(
    components(probe: Probe),
    metadata_source = "name: with-probe",
    debug_log_events
)]
impl WithProbe {
    #[on(probe::workload_ready)]
    fn ready(&mut self) {}
}

#[test]
fn a_custom_event_is_announced_under_its_component() {
    let mut ctx = Context::<WithProbe>::new();
    ctx.run(Event::Install, State::new()).unwrap();
    let lines = debug_lines(ctx.juju_log());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0], "Emitting Juju event install.");
    let key = lines[1]
        .strip_prefix(
            "Emitting custom event <WorkloadReadyEvent via WithProbe/probe/on/workload_ready[",
        )
        .and_then(|rest| rest.strip_suffix("]>."));
    assert!(
        key.is_some_and(|key| key.parse::<u32>().is_ok()),
        "{:?}",
        lines[1]
    );
}
