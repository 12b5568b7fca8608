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
