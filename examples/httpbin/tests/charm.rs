//! State-transition tests of the httpbin charm, ported from ops's
//! httpbin-demo unit tests.

use httpbin::{COMMAND, HttpbinCharm, SERVICE};
use ops_runtime::pebble::{ServiceStartup, ServiceStatus};
use ops_runtime::testing::{Action, Container, Context, Relation, RunError, State};
use ops_runtime::{Event, Status};

fn httpbin() -> Container {
    Container::new("httpbin")
}

/// The plan's `httpbin` service must run `COMMAND` at `level`.
fn assert_service(container: &Container, level: &str) {
    let plan = container.plan().unwrap();
    let service = &plan.services[SERVICE];
    assert_eq!(service.command.as_deref(), Some(COMMAND));
    assert_eq!(service.startup, Some(ServiceStartup::Enabled));
    assert_eq!(
        service.environment["GUNICORN_CMD_ARGS"],
        format!("--log-level {level}")
    );
    assert_eq!(service.summary.as_deref(), Some("httpbin"));
}

#[test]
fn pebble_ready_sets_up_the_plan_and_starts_the_service() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let container = httpbin();
    let out = ctx
        .run(
            container.pebble_ready_event(),
            State::new().with_container(container),
        )
        .unwrap();
    let container = out.container("httpbin").unwrap();
    assert_service(container, "info");
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
    assert_eq!(out.unit_status, Status::active("").info());
}

#[test]
fn config_changed_with_a_valid_level_updates_the_plan() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("log-level", "debug")
                .with_container(httpbin()),
        )
        .unwrap();
    let container = out.container("httpbin").unwrap();
    assert_service(container, "debug");
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
    assert_eq!(out.unit_status, Status::active("").info());
}

#[test]
fn config_changed_replaces_the_level_of_a_running_service() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let container = httpbin()
        .with_layer(SERVICE, httpbin::layer(httpbin::LogLevel::Info))
        .with_service_status(SERVICE, ServiceStatus::Active);
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("log-level", "ERROR")
                .with_container(container),
        )
        .unwrap();
    let container = out.container("httpbin").unwrap();
    assert_eq!(container.layers.len(), 1);
    assert_service(container, "error");
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
}

#[test]
fn config_changed_that_cannot_connect_waits_for_pebble() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("log-level", "debug")
                .with_container(httpbin().with_can_connect(false)),
        )
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for Pebble in workload container").info()
    );
    assert!(out.container("httpbin").unwrap().layers.is_empty());
    assert!(
        ctx.juju_log()
            .iter()
            .any(|l| l.message.starts_with("Unable to connect to Pebble")),
        "{:?}",
        ctx.juju_log()
    );
}

#[test]
fn config_changed_with_an_invalid_level_blocks() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("log-level", "foobar")
                .with_container(httpbin()),
        )
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked("Invalid log level: 'foobar'").info()
    );
    assert!(out.container("httpbin").unwrap().layers.is_empty());
}

#[test]
fn a_stopped_service_waits_for_it_to_start() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let container = httpbin()
        .with_layer(SERVICE, httpbin::layer(httpbin::LogLevel::Info))
        .with_service_status(SERVICE, ServiceStatus::Inactive);
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_container(container))
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for the service to start up").info()
    );
}

#[test]
fn no_layer_yet_waits_for_pebble() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_container(httpbin()))
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for Pebble in workload container").info()
    );
}

#[test]
fn a_website_client_gets_the_address_and_port() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let website = Relation::new("website", 3).with_remote_app("proxy");
    let out = ctx
        .run(
            website.joined_event("proxy/0"),
            State::new()
                .with_container(httpbin())
                .with_relation(website),
        )
        .unwrap();
    let bag = &out.relation(3).unwrap().local_unit_data;
    // The harness's default network gives every binding 192.0.2.0.
    assert_eq!(bag["hostname"], "192.0.2.0");
    assert_eq!(bag["port"], "80");
}

#[test]
fn restart_restarts_the_service() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let container = httpbin()
        .with_layer(SERVICE, httpbin::layer(httpbin::LogLevel::Info))
        .with_service_status(SERVICE, ServiceStatus::Inactive);
    let out = ctx
        .run_action(
            Action::new("restart"),
            State::new().with_container(container),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        serde_json::json!({"service": "httpbin", "running": "true"})
    );
    assert_eq!(out.logs, ["restarting httpbin"]);
    assert_eq!(
        out.state
            .container("httpbin")
            .unwrap()
            .service_status(SERVICE),
        ServiceStatus::Active
    );
}

#[test]
fn restart_before_the_layer_fails_the_action() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let err = ctx
        .run_action(
            Action::new("restart"),
            State::new().with_container(httpbin()),
        )
        .unwrap_err();
    assert!(
        matches!(&err, RunError::ActionFailed { message, .. } if message.starts_with("httpbin is not set up yet")),
        "{err}"
    );
}

#[test]
fn restart_before_pebble_is_up_fails_the_action() {
    let mut ctx = Context::<HttpbinCharm>::new();
    let err = ctx
        .run_action(
            Action::new("restart"),
            State::new().with_container(httpbin().with_can_connect(false)),
        )
        .unwrap_err();
    assert!(
        matches!(&err, RunError::ActionFailed { message, .. } if message == "the workload container is not up yet: try again once it is ready"),
        "{err}"
    );
}
