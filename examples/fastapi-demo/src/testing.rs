//! What the stages' tests share (feature `testing`, for their
//! dev-dependencies): the `demo-server` container as the rock brings it, the
//! states the tests start from, the PostgreSQL relations of ops's tests, and
//! what the tests check of the server the charm planned. Each stage's tests
//! stay in its own crate; these only spare them restating the fixtures.
//!
//! ```
//! use fastapi_demo::testing;
//!
//! let state = testing::leader().with_config("server-port", 8080);
//! assert!(state.container(fastapi_demo::CONTAINER).is_some());
//! assert_eq!(testing::fixed_version(8080).unwrap(), testing::VERSION);
//! ```
//!
//! A helper named `assert_*` panics, with the test's line, when the charm did
//! not do what it checks.

use ops_interfaces::testing::database::ProviderSide;
use ops_runtime::Event;
use ops_runtime::pebble::{Override, Plan, Service, ServiceStatus};
use ops_runtime::testing::{Container, Relation, RunError, Secret, State};

use crate::{CONTAINER, SERVICE, VersionError, rock_layer};

/// The version the server answers in tests ([`fixed_version`]).
pub const VERSION: &str = "0.0.1";

/// A [`VersionSource`](crate::VersionSource) for tests, which have no server:
/// always [`VERSION`].
///
/// # Errors
///
/// Never; the signature is a version source's.
pub fn fixed_version(_port: u16) -> Result<String, VersionError> {
    Ok(VERSION.to_owned())
}

/// The `demo-server` container with the rock's layer, as the image brings it.
pub fn demo_server() -> Container {
    Container::new(CONTAINER).with_layer("rock", rock_layer())
}

/// [`demo_server`] with the `fastapi` service running.
pub fn running_demo_server() -> Container {
    demo_server().with_service_status(SERVICE, ServiceStatus::Active)
}

/// The pebble-ready event of [`demo_server`].
pub fn pebble_ready() -> Event {
    demo_server().pebble_ready_event()
}

/// The state most tests start from: the leader, with [`demo_server`].
pub fn leader() -> State {
    State::new().with_leader(true).with_container(demo_server())
}

/// The relation of ops's tests (id 1): PostgreSQL answered in plain fields,
/// at `example.com:5432`, as `foo` with password `bar`.
pub fn postgresql() -> Relation {
    postgresql_unanswered().with_remote_app_data([
        ("endpoints", "example.com:5432"),
        ("username", "foo"),
        ("password", "bar"),
    ])
}

/// [`leader`] related to PostgreSQL as in ops's tests ([`postgresql`]).
pub fn with_postgresql() -> State {
    leader().with_relation(postgresql())
}

/// A relation to PostgreSQL (id 1) that has not answered yet.
pub fn postgresql_unanswered() -> Relation {
    Relation::new("database", 1).with_remote_app("postgresql-k8s")
}

/// PostgreSQL as current charms answer (relation id 1), the credentials in a
/// secret: at `10.1.2.3:5432`, as `names` with password `s3cret`.
pub fn postgresql_with_secret() -> (Relation, Secret) {
    ProviderSide::new("database", 1)
        .with_endpoints("10.1.2.3:5432")
        .with_credentials("names", "s3cret")
        .answered()
}

/// The database settings [`postgresql`] gives the server.
pub const POSTGRESQL_ENVIRONMENT: [(&str, &str); 4] = [
    ("DEMO_SERVER_DB_HOST", "example.com"),
    ("DEMO_SERVER_DB_PORT", "5432"),
    ("DEMO_SERVER_DB_USER", "foo"),
    ("DEMO_SERVER_DB_PASSWORD", "bar"),
];

/// What `get-db-info` returns with [`postgresql`] (stages 4 and 5): where the
/// database is, and with `show_password` the user.
pub fn postgresql_db_info(show_password: bool) -> serde_json::Value {
    if show_password {
        serde_json::json!({
            "db-host": "example.com",
            "db-port": "5432",
            "db-username": "foo",
            "db-password": "bar",
        })
    } else {
        serde_json::json!({"db-host": "example.com", "db-port": "5432"})
    }
}

/// The plan after the charm merged its layer over the rock's with the default
/// port and no database: the rock's services, the `fastapi` one now merged.
pub fn merged_plan() -> Plan {
    let mut expected = Plan {
        services: rock_layer().services,
        ..Plan::default()
    };
    if let Some(service) = expected.services.get_mut(SERVICE) {
        service.override_ = Some(Override::Merge);
    }
    expected
}

/// The `fastapi` service in the plan of `out`'s `demo-server` container.
///
/// # Panics
///
/// `out` has no `demo-server` container, its layers do not combine, or the
/// plan has no `fastapi` service.
#[track_caller]
pub fn planned_service(out: &State) -> Service {
    let plan = out.container(CONTAINER).unwrap().plan().unwrap();
    plan.services[SERVICE].clone()
}

/// Asserts that the charm started the server from its layer: the plan is
/// [`merged_plan`] (no other layer either), the service is active, the
/// workload version is [`VERSION`]; and that the unit's status is `status`.
#[track_caller]
pub fn assert_started(out: &State, status: &ops_runtime::Status) {
    let container = out.container(CONTAINER).unwrap();
    assert_eq!(container.plan().unwrap(), merged_plan());
    assert_eq!(&out.unit_status, status);
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
    assert_eq!(out.workload_version.as_deref(), Some(VERSION));
}

/// Asserts that the planned command runs the server on `port`.
#[track_caller]
pub fn assert_port(out: &State, port: u16) {
    let command = planned_service(out).command.unwrap();
    assert!(command.contains(&format!("--port {port}")), "{command}");
}

/// Asserts that the planned environment is the rock's with
/// [`POSTGRESQL_ENVIRONMENT`] added.
#[track_caller]
pub fn assert_postgresql_environment(out: &State) {
    let mut expected = rock_layer().services[SERVICE].environment.clone();
    expected.extend(
        POSTGRESQL_ENVIRONMENT
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    assert_eq!(planned_service(out).environment, expected);
}

/// Asserts that `err` is the action's failure with `message`.
#[track_caller]
pub fn assert_action_failed(err: &RunError, message: &str) {
    assert!(
        matches!(err, RunError::ActionFailed { message: m, .. } if m == message),
        "{err:?}"
    );
}
