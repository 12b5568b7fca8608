//! Charm tracing end to end: the traced charm (`src/bin/traced-charm.rs`)
//! runs as Juju runs it, related over `charm-tracing` to an OTLP/HTTP
//! collector the test runs on 127.0.0.1, and the test decodes what arrives.
//! Then the collector is down (a closed port; one that accepts and never
//! answers): the hook still ends within the documented bound, the spans wait
//! in the buffer, and the next hook with a collector up sends them first.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use ops_runtime::telemetry::{EXPORT_BUDGET, TRACING_DIR, read_buffer};
use prost::Message;

use crate::killed_hooks::Unit;

/// The traced charm.
const TRACED: &str = env!("CARGO_BIN_EXE_traced-charm");

/// A value in the provider's databag that must never reach a span.
const DATABAG_SECRET: &str = "hunter2-in-the-databag";

/// How a collector answers.
#[derive(Clone, Copy, PartialEq)]
enum Answer {
    /// `200 OK`, after reading the request.
    Ok,
    /// Accepts the connection and never answers.
    Never,
}

/// What the collector received: the request line, the content type, and
/// the decoded body.
struct Received {
    request_line: String,
    content_type: String,
    body: ExportTraceServiceRequest,
}

/// An OTLP/HTTP collector on 127.0.0.1, on a thread of its own; it stops
/// when dropped (or after a minute).
struct Collector {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Collector {
    fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (received, stop) = (Arc::clone(&received), Arc::clone(&stop));
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut held = Vec::new();
                while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(60) {
                    match listener.accept() {
                        Ok((stream, _)) if answer == Answer::Never => held.push(stream),
                        Ok((stream, _)) => {
                            if let Some(request) = serve(stream) {
                                received.lock().unwrap().push(request);
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        Self {
            port,
            received,
            stop,
            thread: Some(thread),
        }
    }

    /// The receiver's base URL, as the `tracing` relation gives it.
    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one HTTP/1.1 request (at most 16 MiB, 5 s), answers 200 and
/// returns it decoded.
fn serve(mut stream: TcpStream) -> Option<Received> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut data = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 || data.len() > 64 * 1024 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().ok()?;
    if length > 16 << 20 {
        return None;
    }
    while data.len() < head_end + length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    }
    let body = ExportTraceServiceRequest::decode(&data[head_end..head_end + length]).ok()?;
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    Some(Received {
        request_line: head.lines().next().unwrap_or_default().to_owned(),
        content_type: header("content-type"),
        body,
    })
}

/// The provider's application bag publishing an `otlp_http` receiver at
/// `url` (and a value that must stay out of the trace).
fn provider_bag(url: &str) -> String {
    let receivers =
        format!(r#"[{{"protocol": {{"name": "otlp_http", "type": "http"}}, "url": "{url}"}}]"#);
    serde_json::json!({"receivers": receivers, "note": DATABAG_SECRET}).to_string()
}

/// A unit of the traced charm related to a collector at `url`.
fn unit(name: &str) -> Unit {
    let unit = Unit::new(name);
    unit.respond("relation-ids", r#"["charm-tracing:3"]"#);
    unit.respond("relation-list", r#"["tempo/0"]"#);
    unit
}

/// Points the relation at `url`.
fn relate(unit: &Unit, url: &str) {
    unit.respond("relation-get", &provider_bag(url));
}

/// Runs `charm-tracing-relation-changed`; returns how long it took.
fn relation_changed(unit: &Unit) -> Duration {
    let started = Instant::now();
    let output = unit
        .command(TRACED, "charm-tracing-relation-changed")
        .env("JUJU_RELATION", "charm-tracing")
        .env("JUJU_RELATION_ID", "charm-tracing:3")
        .env("JUJU_REMOTE_APP", "tempo")
        .env("JUJU_REMOTE_UNIT", "tempo/0")
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    took
}

/// Every span of every request, with its resource's attributes.
fn all_spans(received: &[Received]) -> Vec<(Vec<KeyValue>, Span)> {
    received
        .iter()
        .flat_map(|r| &r.body.resource_spans)
        .flat_map(|rs| {
            let resource = rs
                .resource
                .clone()
                .map(|r| r.attributes)
                .unwrap_or_default();
            rs.scope_spans
                .iter()
                .flat_map(|ss| ss.spans.clone())
                .map(move |span| (resource.clone(), span))
        })
        .collect()
}

fn text(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes.iter().find(|kv| kv.key == key).and_then(|kv| {
        match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            other => Some(format!("{other:?}")),
        }
    })
}

#[test]
fn a_related_charm_exports_its_hook_handler_and_hook_tool_spans() {
    let collector = Collector::start(Answer::Ok);
    let unit = unit("tracing-export");
    relate(&unit, &collector.base_url());
    relation_changed(&unit);

    let received = collector.take();
    assert_eq!(received.len(), 1, "one request per hook");
    assert_eq!(received[0].request_line, "POST /v1/traces HTTP/1.1");
    assert_eq!(received[0].content_type, "application/x-protobuf");
    let spans = all_spans(&received);
    let (resource, hook) = spans
        .iter()
        .find(|(_, s)| s.parent_span_id.is_empty())
        .expect("a root span");
    // The resource says whose trace it is, as ops's does.
    assert_eq!(text(resource, "service.name").as_deref(), Some("probe"));
    assert_eq!(text(resource, "juju_unit").as_deref(), Some("probe/0"));
    assert_eq!(text(resource, "charm").as_deref(), Some("traced"));
    // The hook's span: the event's Juju name, the unit, app, model, version.
    assert_eq!(hook.name, "charm-tracing-relation-changed");
    for (key, value) in [
        ("juju.hook", "charm-tracing-relation-changed"),
        ("juju.unit", "probe/0"),
        ("juju.application", "probe"),
        ("juju.model", "test"),
        ("juju.model_uuid", "6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10"),
        ("juju.version", "3.6.4"),
        ("ops.outcome", "success"),
    ] {
        assert_eq!(text(&hook.attributes, key).as_deref(), Some(value), "{key}");
    }
    assert!(spans.iter().all(|(_, s)| s.trace_id == hook.trace_id));
    // The handler's span, under the hook's, and the charm's own span under it.
    let handler = spans
        .iter()
        .map(|(_, s)| s)
        .find(|s| s.name == "traced")
        .expect("the handler's span");
    assert_eq!(handler.parent_span_id, hook.span_id);
    assert_eq!(
        text(&handler.attributes, "handler").as_deref(),
        Some("traced")
    );
    assert_eq!(
        text(&handler.attributes, "juju.event").as_deref(),
        Some("charm-tracing-relation-changed")
    );
    let report = spans.iter().map(|(_, s)| s).find(|s| s.name == "report");
    assert_eq!(report.map(|s| &s.parent_span_id), Some(&handler.span_id));
    // Each hook-tool call has a span named after the tool, with nothing of
    // its arguments; juju-log has none.
    let tools: BTreeSet<&str> = spans
        .iter()
        .filter_map(|(_, s)| text(&s.attributes, "hook_tool").map(|_| s.name.as_str()))
        .collect();
    for tool in ["is-leader", "relation-get", "relation-ids", "status-set"] {
        assert!(tools.contains(tool), "no `{tool}` span in {tools:?}");
    }
    assert!(!tools.contains("juju-log"), "{tools:?}");
    let status_set = spans
        .iter()
        .map(|(_, s)| s)
        .find(|s| s.name == "status-set")
        .unwrap();
    assert_eq!(status_set.parent_span_id, report.unwrap().span_id);
    assert_eq!(
        text(&status_set.attributes, "hook_tool").as_deref(),
        Some("status-set")
    );
    // No databag value reaches the trace.
    let everything = format!("{:?}", received.iter().map(|r| &r.body).collect::<Vec<_>>());
    assert!(!everything.contains(DATABAG_SECRET));
    // The destination is kept: the next hook, not a relation hook, sends too.
    let charm_dir = unit.charm_dir();
    assert!(
        charm_dir
            .join(TRACING_DIR)
            .join("destination.json")
            .is_file()
    );
    let output = unit.command(TRACED, "update-status").status().unwrap();
    assert!(output.success());
    let received = collector.take();
    let names: BTreeSet<String> = all_spans(&received)
        .into_iter()
        .map(|(_, s)| s.name)
        .collect();
    assert!(
        names.contains("update-status") && names.contains("tick"),
        "{names:?}"
    );
    // Nothing was left to buffer.
    assert!(!charm_dir.join(TRACING_DIR).join("buffer").exists());
}

/// The records buffered in the unit's charm directory.
fn buffered(unit: &Unit) -> usize {
    let path = unit.charm_dir().join(TRACING_DIR).join("buffer");
    let bytes = std::fs::read(path).unwrap_or_default();
    read_buffer(&bytes).map_or(0, |read| read.records.len())
}

#[test]
fn a_down_collector_adds_at_most_the_budget_and_its_spans_go_with_the_next_hook() {
    // The documented bound, generously: the budget and another second for a
    // loaded machine; the hooks' own time is measured without a collector.
    let bound = EXPORT_BUDGET + Duration::from_secs(1);
    let unit = unit("tracing-down");
    // Without a receiver for otlp_http, there is no destination: the baseline.
    unit.respond(
        "relation-get",
        &serde_json::json!({"receivers": "[]"}).to_string(),
    );
    let baseline = (0..3).map(|_| relation_changed(&unit)).min().unwrap();
    assert_eq!(buffered(&unit), 0, "no destination, nothing buffered");

    // A closed port: refused at once.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port())
    };
    relate(&unit, &closed);
    let took = relation_changed(&unit);
    assert!(
        took.saturating_sub(baseline) <= bound,
        "a refused connection added {took:?} - {baseline:?}"
    );
    assert_eq!(buffered(&unit), 1, "the hook's spans wait in the buffer");

    // A collector that accepts and never answers: the budget, no more.
    let silent = Collector::start(Answer::Never);
    relate(&unit, &silent.base_url());
    let took = relation_changed(&unit);
    assert!(
        took.saturating_sub(baseline) <= bound,
        "a silent collector added {took:?} - {baseline:?}"
    );
    assert_eq!(buffered(&unit), 2);
    drop(silent);

    // Up again: the next hook sends the buffered spans first, then its own.
    let collector = Collector::start(Answer::Ok);
    relate(&unit, &collector.base_url());
    relation_changed(&unit);
    let received = collector.take();
    let roots: Vec<Span> = all_spans(&received)
        .into_iter()
        .map(|(_, s)| s)
        .filter(|s| s.parent_span_id.is_empty())
        .collect();
    assert_eq!(roots.len(), 3, "two buffered hooks and this one");
    assert!(
        roots
            .iter()
            .all(|s| s.name == "charm-tracing-relation-changed")
    );
    let traces: BTreeSet<&Vec<u8>> = roots.iter().map(|s| &s.trace_id).collect();
    assert_eq!(traces.len(), 3, "one trace per hook");
    // Oldest first: the buffered hooks started before this one.
    assert!(
        roots
            .windows(2)
            .all(|w| w[0].start_time_unix_nano <= w[1].start_time_unix_nano),
        "buffered spans go first"
    );
    assert_eq!(buffered(&unit), 0, "the buffer is emptied");
}
