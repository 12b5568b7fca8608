//! Components: a reusable requirer observes Juju events on the charm's behalf,
//! keeps its own state and emits typed custom events the charm handles.

use ops_runtime::testing::{Context, Relation, State};
use ops_runtime::*;
use serde::{Deserialize, Serialize};

/// The payload of `database_created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DatabaseCreated {
    host: String,
    port: u16,
}

impl CustomEvent for DatabaseCreated {
    const NAME: &'static str = "database_created";
}

/// The payload of `database_gone`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DatabaseGone {}

impl CustomEvent for DatabaseGone {
    const NAME: &'static str = "database_gone";
}

/// How many times the requirer saw its database appear.
#[derive(Debug, Default, Serialize, Deserialize)]
struct RequirerState {
    created: u32,
}

impl StoredState for RequirerState {
    const KEY: &'static str = "database-requirer";
}

/// The requirer side of a database interface, reusable by any charm.
struct DatabaseRequirer {
    endpoint: &'static str,
}

impl Default for DatabaseRequirer {
    fn default() -> Self {
        Self { endpoint: "db" }
    }
}

impl Component for DatabaseRequirer {
    const EVENTS: &'static [&'static str] = &[DatabaseCreated::NAME, DatabaseGone::NAME];

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        match event {
            Event::RelationChanged(e) if e.relation.endpoint == self.endpoint => {
                let data = cx.relation_data(&e.relation, &Member::RemoteApp)?;
                if let (Some(host), Some(port)) = (data.get("host"), data.get("port")) {
                    cx.stored::<RequirerState>()?.created += 1;
                    emit.emit(&DatabaseCreated {
                        host: host.clone(),
                        port: port.parse()?,
                    })?;
                }
            }
            Event::RelationBroken(e) if e.relation.endpoint == self.endpoint => {
                emit.emit(&DatabaseGone {})?
            }
            _ => {}
        }
        Ok(())
    }
}

#[derive(Default)]
struct App {
    db: DatabaseRequirer,
}

#[charm(
    components(db: DatabaseRequirer),
    metadata_source = "name: app\nrequires:\n  db:\n    interface: pgsql\nconfig:\n  options:\n    ready:\n      type: boolean\n      default: true\n"
)]
impl App {
    #[on(db::database_created)]
    fn connect(
        &mut self,
        cx: &mut HookContext,
        event: Custom<DatabaseCreated>,
    ) -> Result<Flow, CharmError> {
        if cx.config()?.get_bool("ready") != Some(true) {
            return Ok(Flow::Defer);
        }
        cx.set_workload_version(&format!("{}:{}", event.host, event.port))?;
        Ok(Flow::Done)
    }

    #[on(db::database_gone)]
    fn disconnect(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_workload_version("none")
    }
}

fn db() -> Relation {
    Relation::new("db", 1)
        .with_remote_app("pg")
        .with_remote_app_data([("host", "10.0.0.7"), ("port", "5432")])
}

#[test]
fn a_component_event_reaches_the_charm_in_the_same_hook() {
    let mut ctx = Context::<App>::new();
    let rel = db();
    let out = ctx
        .run(rel.changed_event(None), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("10.0.0.7:5432"));
    assert_eq!(ctx.emitted_events().len(), 1);
    assert_eq!(ctx.emitted_events()[0].hook_name(), "db::database_created");
    // The component kept its own state.
    assert_eq!(out.stored::<RequirerState>().map(|s| s.created), Some(1));
}

#[test]
fn custom_events_can_be_deferred_and_come_back() {
    let mut ctx = Context::<App>::new();
    let rel = db();
    let state = State::new()
        .with_relation(rel.clone())
        .with_config("ready", false);
    let out = ctx.run(rel.changed_event(None), state).unwrap();
    assert_eq!(out.workload_version, None);
    assert_eq!(out.deferred.len(), 1);
    assert_eq!(out.deferred[0].handler, "connect");
    let out = ctx
        .run(Event::UpdateStatus, out.with_config("ready", true))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("10.0.0.7:5432"));
    assert!(out.deferred.is_empty());
}

#[test]
fn other_events_emit_nothing() {
    let mut ctx = Context::<App>::new();
    let rel = db();
    let out = ctx
        .run(rel.broken_event(), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("none"));
    ctx.run(Event::Install, State::new()).unwrap();
    assert!(ctx.emitted_events().is_empty());
}

#[test]
fn an_undeclared_event_is_an_error() {
    let mut emitter = Emitter::new("db", &["database_created"]);
    let err = emitter.emit(&DatabaseGone {}).unwrap_err();
    assert_eq!(
        err.to_string(),
        "component `db` emitted `database_gone`, which is not among its declared events (database_created)"
    );
}

/// An interface component: the requirer side of `counter`, bound to an
/// endpoint by the charm. It counts the relation-changed events of its own
/// endpoint and waits for a relation.
#[derive(Default)]
struct CounterRequirer {
    endpoint: Option<Endpoint>,
    seen: u32,
}

/// The payload of `counted`: the endpoint the component is bound to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counted {
    endpoint: String,
}

impl CustomEvent for Counted {
    const NAME: &'static str = "counted";
}

impl Component for CounterRequirer {
    const EVENTS: &'static [&'static str] = &[Counted::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&["counter", "counter_v2"]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = Some(endpoint);
    }

    fn observe(
        &mut self,
        _cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        if let (Event::RelationChanged(e), Some(endpoint)) = (event, self.endpoint)
            && e.relation.endpoint == endpoint.name()
        {
            self.seen += 1;
            emit.emit(&Counted {
                endpoint: endpoint.name().to_owned(),
            })?;
        }
        Ok(())
    }

    fn collect_unit_status(
        &mut self,
        cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        if let Some(endpoint) = self.endpoint
            && cx.relations(endpoint)?.is_empty()
        {
            status.add(Status::waiting(format!("waiting for `{endpoint}`")));
        }
        Ok(())
    }

    fn collect_app_status(
        &mut self,
        _cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        status.add(Status::active("app counted"));
        Ok(())
    }
}

/// The charm's own event: a restart it asks of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct RestartNeeded {
    why: String,
}

impl CustomEvent for RestartNeeded {
    const NAME: &'static str = "restart_needed";
}

/// Two instances of one interface component, on two endpoints.
#[derive(Default)]
struct Twins {
    left: CounterRequirer,
    right: CounterRequirer,
    last: String,
}

#[charm(
    components(left: CounterRequirer = "left-db", right: CounterRequirer = "right-db"),
    events(RestartNeeded),
    metadata_source = "name: twins\nrequires:\n  left-db:\n    interface: counter\n  right-db:\n    interface: counter_v2\n"
)]
impl Twins {
    #[on(left::counted, right::counted)]
    fn counted(&mut self, cx: &mut HookContext, event: Custom<Counted>) -> Result<(), CharmError> {
        self.last = format!("{}:{}/{}", event.endpoint, self.left.seen, self.right.seen);
        cx.emit(&RestartNeeded {
            why: event.endpoint.clone(),
        })
    }

    #[on(self::restart_needed)]
    fn restart(
        &mut self,
        cx: &mut HookContext,
        event: Custom<RestartNeeded>,
    ) -> Result<(), CharmError> {
        cx.set_workload_version(&format!("{} restarted for {}", self.last, event.why))?;
        Ok(())
    }

    #[on(collect_unit_status)]
    fn unit_status(&mut self, status: CollectStatus) {
        status.add(Status::active(""));
    }
}

#[test]
fn two_instances_of_one_component_each_see_their_own_endpoint() {
    let mut ctx = Context::<Twins>::new();
    let left = Relation::new("left-db", 1).with_remote_app("pg");
    let right = Relation::new("right-db", 2).with_remote_app("pg");
    let state = State::new()
        .with_relation(left.clone())
        .with_relation(right.clone());
    let out = ctx.run(right.changed_event(None), state).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("right-db:0/1 restarted for right-db")
    );
    let names: Vec<String> = ctx.emitted_events().iter().map(Event::hook_name).collect();
    assert_eq!(names, ["right::counted", "self::restart_needed"]);
    let out = ctx.run(left.changed_event(None), out).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("left-db:1/0 restarted for left-db")
    );
}

#[test]
fn components_add_statuses_in_collect_status() {
    let mut ctx = Context::<Twins>::new();
    // No relation: each instance waits for its own endpoint, and a waiting
    // status outranks the charm's active one; the first added wins a tie.
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_leader(true))
        .unwrap();
    assert_eq!(out.unit_status, Status::waiting("waiting for `left-db`"));
    assert_eq!(out.app_status, Status::active("app counted"));
    let state = State::new()
        .with_relation(Relation::new("left-db", 1))
        .with_relation(Relation::new("right-db", 2));
    let out = ctx.run(Event::UpdateStatus, state).unwrap();
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn an_event_the_charm_does_not_declare_is_an_error() {
    use ops_runtime::testing::Context as Ctx;

    #[derive(Default)]
    struct Quiet;

    #[charm(metadata_source = "name: quiet")]
    impl Quiet {
        #[on(install)]
        fn install(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
            cx.emit(&RestartNeeded { why: "x".into() })
        }
    }

    let err = Ctx::<Quiet>::new()
        .run(Event::Install, State::new())
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "the charm emitted `restart_needed`, which is not among the events it declares; add its type to `#[charm(events(...))]`"
        ),
        "{err}"
    );
}

/// A component that reacts to another's event: it counts the `counted`
/// events of any component and re-emits them as its own.
#[derive(Default)]
struct Watcher {
    seen: Vec<String>,
}

/// The payload of `noticed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Noticed {
    endpoint: String,
}

impl CustomEvent for Noticed {
    const NAME: &'static str = "noticed";
}

impl Component for Watcher {
    const EVENTS: &'static [&'static str] = &[Noticed::NAME];

    fn observe(
        &mut self,
        _cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        if let Some(counted) = Custom::<Counted>::from_event(event)? {
            self.seen.push(event.hook_name());
            emit.emit(&Noticed {
                endpoint: counted.into_inner().endpoint,
            })?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Observed {
    db: CounterRequirer,
    watcher: Watcher,
}

#[charm(
    components(db: CounterRequirer = "db", watcher: Watcher),
    metadata_source = "name: observed\nrequires:\n  db:\n    interface: counter\n"
)]
impl Observed {
    #[on(watcher::noticed)]
    fn noticed(&mut self, cx: &mut HookContext, event: Custom<Noticed>) -> Result<(), ModelError> {
        cx.set_workload_version(&format!(
            "{} via {}",
            event.endpoint,
            self.watcher.seen.join(",")
        ))
    }
}

#[test]
fn a_component_observes_another_components_event() {
    let mut ctx = Context::<Observed>::new();
    let rel = Relation::new("db", 1).with_remote_app("pg");
    let out = ctx
        .run(rel.changed_event(None), State::new().with_relation(rel))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("db via db::counted"));
    let names: Vec<String> = ctx.emitted_events().iter().map(Event::hook_name).collect();
    assert_eq!(names, ["db::counted", "watcher::noticed"]);
}

/// A charm whose event handler emits the same event again, forever.
#[derive(Default)]
struct Echo;

#[charm(events(RestartNeeded), metadata_source = "name: echo")]
impl Echo {
    #[on(install)]
    fn install(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        cx.emit(&RestartNeeded {
            why: "install".into(),
        })
    }

    #[on(self::restart_needed)]
    fn again(
        &mut self,
        cx: &mut HookContext,
        event: Custom<RestartNeeded>,
    ) -> Result<(), CharmError> {
        cx.emit(&event.into_inner())
    }
}

#[test]
fn events_emitting_each_other_in_a_loop_fail_the_hook() {
    let err = Context::<Echo>::new()
        .run(Event::Install, State::new())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("more than 1000 custom events in one hook: events emit each other in a loop"),
        "{err}"
    );
}

#[test]
fn a_charm_event_can_be_deferred_and_comes_back() {
    #[derive(Default)]
    struct Later;

    #[charm(
        events(RestartNeeded),
        metadata_source = "name: later\nconfig:\n  options:\n    ready:\n      type: boolean\n      default: false\n"
    )]
    impl Later {
        #[on(install)]
        fn install(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
            cx.emit(&RestartNeeded {
                why: "install".into(),
            })
        }

        #[on(self::restart_needed)]
        fn restart(
            &mut self,
            cx: &mut HookContext,
            event: Custom<RestartNeeded>,
        ) -> Result<Flow, CharmError> {
            if cx.config()?.get_bool("ready") != Some(true) {
                return Ok(Flow::Defer);
            }
            cx.set_workload_version(&format!("restarted for {}", event.why))?;
            Ok(Flow::Done)
        }
    }

    let mut ctx = Context::<Later>::new();
    let out = ctx.run(Event::Install, State::new()).unwrap();
    assert_eq!(out.deferred.len(), 1);
    assert_eq!(out.deferred[0].handler, "restart");
    let out = ctx
        .run(Event::UpdateStatus, out.with_config("ready", true))
        .unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some("restarted for install")
    );
    assert!(out.deferred.is_empty());
}
