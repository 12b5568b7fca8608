//! ops's unit tests of k8s-2-configurable, in this project's harness; the
//! fixtures and assertions are `fastapi_demo::testing`'s, which the later
//! stages share.

use fastapi_demo::testing;
use k8s_2_configurable::FastApiDemoCharm;
use ops_runtime::testing::{Context, State};
use ops_runtime::{Event, Status};

fn context() -> Context<FastApiDemoCharm> {
    Context::with_charm(|| FastApiDemoCharm::with_version_source(testing::fixed_version))
}

#[test]
fn pebble_ready_merges_the_layer_with_the_default_port() {
    let out = context()
        .run(testing::pebble_ready(), testing::leader())
        .unwrap();
    // The rock's plan, the service now merged from the charm's layer.
    testing::assert_started(&out, &Status::active(""));
}

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

#[test]
fn a_pebble_not_up_yet_is_waited_for() {
    let container = testing::demo_server().with_can_connect(false);
    let state = State::new().with_container(container);
    let out = context().run(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for Pebble in workload container")
    );
}
