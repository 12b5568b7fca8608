//! ops's unit tests of k8s-3-postgresql, in this project's harness, and the
//! database answering through a secret, as current PostgreSQL charms do; the
//! fixtures and assertions are `fastapi_demo::testing`'s.

use fastapi_demo::testing;
use k8s_3_postgresql::FastApiDemoCharm;
use ops_runtime::testing::{Context, State};
use ops_runtime::{Event, Status, StatusKind};

fn context() -> Context<FastApiDemoCharm> {
    Context::with_charm(|| FastApiDemoCharm::with_version_source(testing::fixed_version))
}

#[test]
fn pebble_ready_merges_the_layer_and_waits_for_the_database() {
    let out = context()
        .run(testing::pebble_ready(), testing::leader())
        .unwrap();
    testing::assert_started(&out, &Status::blocked("Waiting for database relation"));
}

// --- What stage 2 did, which this stage keeps ----------------------------------------

#[test]
fn config_changed_puts_the_port_in_the_command() {
    let state = testing::leader().with_config("server-port", 8080);
    let out = context().run(Event::ConfigChanged, state).unwrap();
    testing::assert_port(&out, 8080);
}

#[test]
fn port_22_blocks_the_unit() {
    let state = testing::leader().with_config("server-port", 22);
    let out = context().run(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Invalid port number, 22 is reserved for SSH")
    );
}

// --- The database ---------------------------------------------------------------------

#[test]
fn the_database_credentials_reach_the_server_environment() {
    let relation = testing::postgresql();
    let state = testing::leader().with_relation(relation.clone());
    let out = context().run(relation.changed_event(None), state).unwrap();
    testing::assert_postgresql_environment(&out);
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn credentials_in_a_secret_reach_the_server_too() {
    let (relation, secret) = testing::postgresql_with_secret();
    let state = testing::leader()
        .with_relation(relation.clone())
        .with_secret(secret);
    let out = context().run(relation.changed_event(None), state).unwrap();
    let environment = testing::planned_service(&out).environment;
    assert_eq!(environment["DEMO_SERVER_DB_HOST"], "10.1.2.3");
    assert_eq!(environment["DEMO_SERVER_DB_USER"], "names");
    assert_eq!(environment["DEMO_SERVER_DB_PASSWORD"], "s3cret");
}

#[test]
fn the_leader_asks_for_names_db() {
    let relation = testing::postgresql_unanswered();
    let state = testing::leader().with_relation(relation.clone());
    let out = context().run(relation.created_event(), state).unwrap();
    let bag = &out.relation(1).unwrap().local_app_data;
    assert_eq!(bag["database"], "names_db");
}

#[test]
fn without_a_relation_the_unit_is_blocked() {
    let out = context()
        .run(Event::UpdateStatus, testing::leader())
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Waiting for database relation")
    );
}

#[test]
fn a_relation_without_credentials_waits() {
    let state = State::new()
        .with_leader(true)
        .with_container(testing::running_demo_server())
        .with_relation(testing::postgresql_unanswered());
    let out = context().run(Event::UpdateStatus, state).unwrap();
    assert_eq!(out.unit_status.kind, StatusKind::Waiting);
}
