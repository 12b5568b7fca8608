//! ops's unit tests of k8s-2-configurable, in this project's harness.

use fastapi_demo::{CONTAINER, SERVICE, rock_layer};
use k8s_2_configurable::FastApiDemoCharm;
use ops_runtime::pebble::{Override, Plan, ServiceStatus};
use ops_runtime::testing::{Container, Context, State};
use ops_runtime::{Event, Status};

fn context() -> Context<FastApiDemoCharm> {
    Context::with_charm(|| FastApiDemoCharm::with_version_source(|_| Ok("0.0.1".to_owned())))
}

fn demo_server() -> Container {
    Container::new(CONTAINER).with_layer("rock", rock_layer())
}

#[test]
fn pebble_ready_merges_the_layer_with_the_default_port() {
    let container = demo_server();
    let state = State::new()
        .with_leader(true)
        .with_container(container.clone());
    let out = context()
        .run(container.pebble_ready_event(), state)
        .unwrap();

    let container = out.container(CONTAINER).unwrap();
    // The rock's plan, the service now merged from the charm's layer.
    let mut expected = Plan {
        services: rock_layer().services,
        ..Plan::default()
    };
    if let Some(service) = expected.services.get_mut(SERVICE) {
        service.override_ = Some(Override::Merge);
    }
    assert_eq!(container.plan().unwrap(), expected);
    assert_eq!(out.unit_status, Status::active(""));
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
fn a_pebble_not_up_yet_is_waited_for() {
    let container = demo_server().with_can_connect(false);
    let state = State::new().with_container(container);
    let out = context().run(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for Pebble in workload container")
    );
}
