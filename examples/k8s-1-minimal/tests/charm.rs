//! ops's unit test of k8s-1-minimal, in this project's harness.

use fastapi_demo::{CONTAINER, SERVICE, rock_layer};
use k8s_1_minimal::FastApiDemoCharm;
use ops_runtime::Status;
use ops_runtime::pebble::{Plan, ServiceStatus};
use ops_runtime::testing::{Container, Context, State};

fn context() -> Context<FastApiDemoCharm> {
    Context::with_charm(|| FastApiDemoCharm::with_version_source(|_| Ok("0.0.1".to_owned())))
}

#[test]
fn pebble_ready_starts_the_rock_service_and_sets_the_version() {
    let container = Container::new(CONTAINER).with_layer("rock", rock_layer());
    let state = State::new()
        .with_leader(true)
        .with_container(container.clone());
    let out = context()
        .run(container.pebble_ready_event(), state)
        .unwrap();

    let container = out.container(CONTAINER).unwrap();
    // The charm adds no layer: the plan is the rock's.
    let expected = Plan {
        services: rock_layer().services,
        ..Plan::default()
    };
    assert_eq!(container.plan().unwrap(), expected);
    assert_eq!(out.unit_status, Status::active(""));
    assert_eq!(container.service_status(SERVICE), ServiceStatus::Active);
    assert_eq!(out.workload_version.as_deref(), Some("0.0.1"));
}

#[test]
fn a_server_without_a_version_yet_leaves_the_unit_active() {
    let mut ctx = Context::with_charm(|| {
        FastApiDemoCharm::with_version_source(|port| {
            Err(fastapi_demo::VersionError::BadAnswer {
                port,
                reason: "the answer's status is not 200",
            })
        })
    });
    let container = Container::new(CONTAINER).with_layer("rock", rock_layer());
    let state = State::new().with_container(container.clone());
    let out = ctx.run(container.pebble_ready_event(), state).unwrap();
    assert_eq!(out.unit_status, Status::active(""));
    assert_eq!(out.workload_version, None);
}
