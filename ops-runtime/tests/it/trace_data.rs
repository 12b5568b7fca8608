//! `Context::trace_data`: the spans of a run, as charm tracing exports them.
//! The harness's own Pebble is in memory, so the Pebble spans come from a
//! charm that talks to the Pebble emulator through the real client.

use std::path::PathBuf;
use std::rc::Rc;

use ops_runtime::pebble::blocking;
use ops_runtime::testing::{Context, State};
use ops_runtime::{CharmError, Container, Event, HookContext, charm};

use crate::pebble_support::emulator;

/// What must never reach a span: a file's path and content.
const FILE_PATH: &str = "/etc/app/credentials";
const FILE_CONTENT: &str = "password=hunter2";

struct Workload {
    socket: PathBuf,
}

#[charm(metadata_source = "name: workload")]
impl Workload {
    #[on(start)]
    fn start(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let client = blocking::Client::new(&self.socket)?;
        let web = Container::with_api("web", Rc::new(client));
        web.write_file(FILE_PATH, FILE_CONTENT)?;
        assert_eq!(web.pull(FILE_PATH)?, FILE_CONTENT.as_bytes());
        web.services(&[])?;
        tracing::info!(container = "web", "configured");
        cx.set_workload_version("1.0")?;
        Ok(())
    }
}

#[test]
fn a_run_records_the_hook_its_handlers_and_pebble_calls() {
    let server = emulator();
    let socket = server.socket().to_owned();
    let mut ctx = Context::with_charm(move || Workload {
        socket: socket.clone(),
    });
    ctx.run(Event::Start, State::new()).unwrap();
    let spans = ctx.trace_data();
    let hook = spans
        .iter()
        .find(|s| s.parent_span_id.is_none())
        .expect("the hook's span");
    assert_eq!(hook.name, "start");
    assert_eq!(hook.attribute_str("juju.unit"), Some("workload/0"));
    assert_eq!(hook.attribute_str("juju.application"), Some("workload"));
    assert_eq!(hook.attribute_str("juju.model"), Some("test-model"));
    assert_eq!(hook.attribute_str("juju.version"), Some("3.6.4"));
    assert_eq!(hook.attribute_str("ops.outcome"), Some("success"));
    // The hook's span ends last.
    assert_eq!(spans.last(), Some(hook));
    let handler = spans
        .iter()
        .find(|s| s.name == "start" && s != &hook)
        .unwrap();
    assert_eq!(handler.parent(spans), Some(hook));
    let pebble: Vec<(&str, Option<&str>, Option<&str>)> = spans
        .iter()
        .filter(|s| s.target == "ops_runtime::pebble")
        .map(|s| {
            assert_eq!(s.parent(spans), Some(handler), "{}", s.name);
            (
                s.name.as_str(),
                s.attribute_str("pebble.method"),
                s.attribute_str("pebble.path"),
            )
        })
        .collect();
    assert_eq!(
        pebble,
        [
            ("pebble POST /v1/files", Some("POST"), Some("/v1/files")),
            ("pebble GET /v1/files", Some("GET"), Some("/v1/files")),
            ("pebble GET /v1/services", Some("GET"), Some("/v1/services")),
        ]
    );
    let everything = format!("{spans:?}");
    assert!(!everything.contains(FILE_PATH) && !everything.contains("hunter2"));
    // Events go to juju-log, not into the trace.
    assert!(
        ctx.juju_log()
            .iter()
            .any(|l| l.message == "configured container=web")
    );
}

#[test]
fn a_failed_hook_marks_its_span_without_the_error_text() {
    #[derive(Default)]
    struct Failing;

    #[charm(metadata_source = "name: failing")]
    impl Failing {
        #[on(install)]
        fn install(&mut self) -> Result<(), CharmError> {
            Err(CharmError::msg("the token was s3cr3t"))
        }
    }

    let mut ctx = Context::<Failing>::new();
    ctx.run(Event::Install, State::new()).unwrap_err();
    let hook = ctx.trace_data().last().unwrap();
    assert_eq!(hook.attribute_str("ops.outcome"), Some("failed"));
    assert_eq!(
        hook.status,
        ops_runtime::telemetry::SpanStatus::Error {
            description: "handler `install` failed".into()
        }
    );
    assert!(!format!("{:?}", ctx.trace_data()).contains("s3cr3t"));
}
