//! The harness reaches the charm after a run, runs custom events directly and
//! records every event a run handled.

use ops_runtime::testing::{Context, Emitted, RunError, State};
use ops_runtime::*;
use serde::{Deserialize, Serialize};

/// The charm's own event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reload {
    reason: String,
}

impl CustomEvent for Reload {
    const NAME: &'static str = "reload";
}

/// The component's event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ticked {
    n: u32,
}

impl CustomEvent for Ticked {
    const NAME: &'static str = "ticked";
}

/// Emits `ticked` on update-status; counts the events it observes.
#[derive(Default)]
struct Ticker {
    observed: Vec<String>,
}

impl Component for Ticker {
    const EVENTS: &'static [&'static str] = &[Ticked::NAME];

    fn observe(
        &mut self,
        _cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        self.observed.push(event.hook_name());
        if matches!(event, Event::UpdateStatus) {
            emit.emit(&Ticked { n: 1 })?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Server {
    ticker: Ticker,
    reloads: Vec<String>,
    ticks: u32,
    started: bool,
}

impl Server {
    /// A method a test calls after the run, with the live context.
    fn publish(&self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_unit_status(Status::active(format!("{} reloads", self.reloads.len())))
    }
}

#[charm(
    components(ticker: Ticker),
    events(Reload),
    metadata_source = "name: server"
)]
impl Server {
    #[on(start)]
    fn start(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        self.started = true;
        cx.emit(&Reload {
            reason: "started".into(),
        })
    }

    #[on(self::reload)]
    fn reload(&mut self, event: Custom<Reload>) {
        self.reloads.push(event.into_inner().reason);
    }

    #[on(ticker::ticked)]
    fn tick(&mut self, event: Custom<Ticked>) -> Flow {
        self.ticks += event.n;
        if self.ticks > 1 {
            Flow::Done
        } else {
            Flow::Defer
        }
    }

    #[on(config_changed)]
    fn configure(&mut self) -> Flow {
        Flow::Defer
    }

    #[on(collect_unit_status)]
    fn status(&mut self, status: CollectStatus) {
        status.add(Status::waiting("ticking"));
    }
}

#[test]
fn the_charm_is_reachable_after_a_run() {
    let mut ctx = Context::<Server>::new();
    assert!(ctx.charm().is_none());
    ctx.run(Event::Start, State::new()).unwrap();
    let charm = ctx.charm().unwrap();
    assert!(charm.started);
    assert_eq!(charm.reloads, ["started"]);
    assert_eq!(charm.ticker.observed, ["start", "self::reload"]);
}

#[test]
fn run_with_calls_the_charm_with_a_live_context_before_the_commit() {
    let mut ctx = Context::<Server>::new();
    let (out, reloads) = ctx
        .run_with(Event::Start, State::new(), |charm, cx| {
            charm.publish(cx).unwrap();
            charm.reloads.clone()
        })
        .unwrap();
    assert_eq!(reloads, ["started"]);
    // What the closure set replaced what collect-status set, and is in the output.
    assert_eq!(out.unit_status, Status::active("1 reloads"));
    assert_eq!(
        ctx.unit_status_history().last(),
        Some(&Status::waiting("ticking").info())
    );
}

#[test]
fn run_with_does_not_call_the_closure_when_the_hook_fails() {
    #[derive(Default)]
    struct Failing;

    #[charm(metadata_source = "name: failing")]
    impl Failing {
        #[on(install)]
        fn install(&mut self) -> Result<(), CharmError> {
            Err(CharmError::msg("no"))
        }
    }

    let mut ctx = Context::<Failing>::new();
    let mut called = false;
    let result = ctx.run_with(Event::Install, State::new(), |_, _| called = true);
    assert!(matches!(result, Err(RunError::Failed { .. })));
    assert!(!called);
}

#[test]
fn the_charms_own_custom_event_runs_directly() {
    let mut ctx = Context::<Server>::new();
    let out = ctx
        .run_custom(
            "self",
            &Reload {
                reason: "cert".into(),
            },
            State::new(),
        )
        .unwrap();
    let charm = ctx.charm().unwrap();
    assert_eq!(charm.reloads, ["cert"]);
    assert!(!charm.started);
    // Components observe it, and collect-status runs after it.
    assert_eq!(charm.ticker.observed, ["self::reload"]);
    assert_eq!(out.unit_status, Status::waiting("ticking"));
}

#[test]
fn a_components_custom_event_runs_directly_and_can_be_deferred() {
    let mut ctx = Context::<Server>::new();
    let out = ctx
        .run_custom("ticker", &Ticked { n: 1 }, State::new())
        .unwrap();
    assert_eq!(ctx.charm().unwrap().ticks, 1);
    assert_eq!(out.deferred.len(), 1);
    assert_eq!(out.deferred[0].handler, "tick");
    assert_eq!(out.deferred[0].event.hook_name(), "ticker::ticked");
}

#[test]
fn a_custom_event_the_charm_cannot_emit_is_refused() {
    let mut ctx = Context::<Server>::new();
    let err = ctx
        .run_custom("database", &Ticked { n: 1 }, State::new())
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("no component `database`"), "{message}");
    assert!(message.contains("components: ticker"), "{message}");
    let err = ctx
        .run_custom("self", &Ticked { n: 1 }, State::new())
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("declares no event `ticked`"), "{message}");
    assert!(message.contains("(declared: reload)"), "{message}");
}

#[test]
fn emitted_records_custom_events_only_by_default() {
    let mut ctx = Context::<Server>::new();
    let state = State::new().with_deferred("configure", Event::ConfigChanged);
    ctx.run(Event::UpdateStatus, state).unwrap();
    assert_eq!(
        ctx.emitted(),
        [Emitted::Custom(ctx.emitted_events()[0].clone())]
    );
    assert_eq!(ctx.emitted_events()[0].hook_name(), "ticker::ticked");
}

#[test]
fn emitted_captures_deferred_re_emits_and_framework_events_in_order() {
    let mut ctx = Context::<Server>::new()
        .capture_deferred_events(true)
        .capture_framework_events(true);
    let state = State::new()
        .with_leader(true)
        .with_deferred("configure", Event::ConfigChanged);
    let out = ctx.run(Event::UpdateStatus, state).unwrap();
    let names: Vec<String> = ctx
        .emitted()
        .iter()
        .map(|e| match e {
            Emitted::Deferred { handler, event } => {
                format!("deferred {} to {handler}", event.hook_name())
            }
            Emitted::Custom(event) => event.hook_name(),
            Emitted::CollectAppStatus => "collect-app-status".to_owned(),
            Emitted::CollectUnitStatus => "collect-unit-status".to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    // The app's collect-status runs on the leader as the charm has components.
    assert_eq!(
        names,
        [
            "deferred config-changed to configure",
            "ticker::ticked",
            "collect-app-status",
            "collect-unit-status",
        ]
    );
    // The deferred `ticked` of this run is re-emitted by the next one.
    let mut ctx = Context::<Server>::new().capture_deferred_events(true);
    ctx.run(Event::Install, out).unwrap();
    let reemitted: Vec<String> = ctx
        .emitted()
        .iter()
        .filter_map(|e| match e {
            Emitted::Deferred { event, .. } => Some(event.hook_name()),
            _ => None,
        })
        .collect();
    assert_eq!(reemitted, ["config-changed", "ticker::ticked"]);
    assert_eq!(ctx.charm().unwrap().ticks, 1);
}
