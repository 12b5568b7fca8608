//! ops's unit tests of k8s-4-action, in this project's harness, and the
//! database answering through a secret, as current PostgreSQL charms do.

use fastapi_demo::{CONTAINER, SERVICE, rock_layer};
use k8s_4_action::FastApiDemoCharm;
use ops_interfaces::testing::database::ProviderSide;
use ops_runtime::pebble::{Override, Plan, ServiceStatus};
use ops_runtime::testing::{Action, Container, Context, Relation, RunError, State};
use ops_runtime::{Event, Status};

fn context() -> Context<FastApiDemoCharm> {
    Context::with_charm(|| FastApiDemoCharm::with_version_source(|_| Ok("0.0.1".to_owned())))
}

fn demo_server() -> Container {
    Container::new(CONTAINER).with_layer("rock", rock_layer())
}

/// The relation of ops's tests: PostgreSQL answered in plain fields.
fn postgresql() -> Relation {
    Relation::new("database", 1)
        .with_remote_app("postgresql-k8s")
        .with_remote_app_data([
            ("endpoints", "example.com:5432"),
            ("username", "foo"),
            ("password", "bar"),
        ])
}

fn database_environment() -> [(&'static str, &'static str); 4] {
    [
        ("DEMO_SERVER_DB_HOST", "example.com"),
        ("DEMO_SERVER_DB_PORT", "5432"),
        ("DEMO_SERVER_DB_USER", "foo"),
        ("DEMO_SERVER_DB_PASSWORD", "bar"),
    ]
}

#[test]
fn pebble_ready_merges_the_layer_and_waits_for_the_database() {
    let container = demo_server();
    let state = State::new()
        .with_leader(true)
        .with_container(container.clone());
    let out = context()
        .run(container.pebble_ready_event(), state)
        .unwrap();

    let container = out.container(CONTAINER).unwrap();
    let mut expected = Plan {
        services: rock_layer().services,
        ..Plan::default()
    };
    if let Some(service) = expected.services.get_mut(SERVICE) {
        service.override_ = Some(Override::Merge);
    }
    assert_eq!(container.plan().unwrap(), expected);
    assert_eq!(
        out.unit_status,
        Status::blocked("Waiting for database relation")
    );
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
    assert_eq!(out.workload_version.as_deref(), Some("0.0.1"));
}

#[test]
fn config_changed_puts_the_port_in_the_command() {
    let state = State::new()
        .with_leader(true)
        .with_config("server-port", 8080)
        .with_container(demo_server());
    let out = context().run(Event::ConfigChanged, state).unwrap();
    let plan = out.container(CONTAINER).unwrap().plan().unwrap();
    let command = plan.services[SERVICE].command.as_deref().unwrap();
    assert!(command.contains("--port 8080"), "{command}");
}

#[test]
fn port_22_blocks_the_unit() {
    let state = State::new()
        .with_leader(true)
        .with_config("server-port", 22)
        .with_container(demo_server());
    let out = context().run(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Invalid port number, 22 is reserved for SSH")
    );
}

#[test]
fn the_database_credentials_reach_the_server_environment() {
    let relation = postgresql();
    let state = State::new()
        .with_leader(true)
        .with_container(demo_server())
        .with_relation(relation.clone());
    let out = context().run(relation.changed_event(None), state).unwrap();

    let plan = out.container(CONTAINER).unwrap().plan().unwrap();
    let mut expected = rock_layer().services[SERVICE].environment.clone();
    expected.extend(
        database_environment()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    assert_eq!(plan.services[SERVICE].environment, expected);
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn credentials_in_a_secret_reach_the_server_too() {
    let (relation, secret) = ProviderSide::new("database", 1)
        .with_endpoints("10.1.2.3:5432")
        .with_credentials("names", "s3cret")
        .answered();
    let state = State::new()
        .with_leader(true)
        .with_container(demo_server())
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = context().run(relation.changed_event(None), state).unwrap();
    let plan = out.container(CONTAINER).unwrap().plan().unwrap();
    let environment = &plan.services[SERVICE].environment;
    assert_eq!(environment["DEMO_SERVER_DB_HOST"], "10.1.2.3");
    assert_eq!(environment["DEMO_SERVER_DB_USER"], "names");
    assert_eq!(environment["DEMO_SERVER_DB_PASSWORD"], "s3cret");
}

#[test]
fn the_leader_asks_for_names_db() {
    let relation = Relation::new("database", 1).with_remote_app("postgresql-k8s");
    let state = State::new()
        .with_leader(true)
        .with_container(demo_server())
        .with_relation(relation.clone());
    let out = context().run(relation.created_event(), state).unwrap();
    let bag = &out.relation(1).unwrap().local_app_data;
    assert_eq!(bag["database"], "names_db");
}

#[test]
fn without_a_relation_the_unit_is_blocked() {
    let state = State::new().with_leader(true).with_container(demo_server());
    let out = context().run(Event::UpdateStatus, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Waiting for database relation")
    );
}

#[test]
fn a_relation_without_credentials_waits() {
    let relation = Relation::new("database", 1).with_remote_app("postgresql-k8s");
    let running = demo_server().with_service_status(SERVICE, ServiceStatus::Active);
    let state = State::new()
        .with_leader(true)
        .with_container(running)
        .with_relation(relation);
    let out = context().run(Event::UpdateStatus, state).unwrap();
    assert_eq!(out.unit_status.kind, ops_runtime::StatusKind::Waiting);
}

fn with_postgresql() -> State {
    State::new()
        .with_leader(true)
        .with_container(demo_server())
        .with_relation(postgresql())
}

#[test]
fn get_db_info_reports_where_the_database_is() {
    let out = context()
        .run_action(
            Action::new("get-db-info").with_param("show-password", false),
            with_postgresql(),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        serde_json::json!({"db-host": "example.com", "db-port": "5432"})
    );
}

#[test]
fn get_db_info_shows_the_password_when_asked() {
    let out = context()
        .run_action(
            Action::new("get-db-info").with_param("show-password", true),
            with_postgresql(),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        serde_json::json!({
            "db-host": "example.com",
            "db-port": "5432",
            "db-username": "foo",
            "db-password": "bar",
        })
    );
}

#[test]
fn get_db_info_without_a_database_fails() {
    let state = State::new().with_leader(true).with_container(demo_server());
    let err = context()
        .run_action(Action::new("get-db-info"), state)
        .unwrap_err();
    assert!(
        matches!(&err, RunError::ActionFailed { message, .. } if message == "No database connected"),
        "{err:?}"
    );
}
