//! The export at the end of a production hook (feature `tracing`): the
//! hook's spans as an OTLP request, the buffer of earlier hooks' spans, and
//! one bounded round of sending. See the [module docs](super) for the bounds.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    ResourceSpans, ScopeSpans, Span, Status, span, status,
};
use prost::Message;

use super::buffer::{self, MAX_FILE_BYTES};
use super::record::{Finished, Session};
use super::{AttributeValue, SpanData, SpanStatus, TracingDestination};
use crate::env::JujuContext;
use crate::hook_tools::{HookTools, LogLevel};

/// The most time one hook spends sending spans: 1 s, every request,
/// connection and answer included. A collector that is down, slow or never
/// answers adds at most this to the hook (and the local write of the buffer).
pub const EXPORT_BUDGET: Duration = Duration::from_secs(1);

/// The directory in the charm directory that holds the destination
/// (`destination.json`), the buffer (`buffer`) and their lock (`lock`).
pub const TRACING_DIR: &str = ".ops-tracing";

const BUFFER_FILE: &str = "buffer";
const DESTINATION_FILE: &str = "destination.json";
const LOCK_FILE: &str = "lock";

/// The most bytes of buffered records sent in one request (a larger record
/// goes alone).
const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// The most bytes of the destination file read.
const MAX_DESTINATION_BYTES: u64 = (super::MAX_CA_BYTES + super::MAX_URL_BYTES + 1024) as u64;

/// One production hook's charm tracing.
pub(crate) struct Hook {
    session: Session,
    resource: Vec<KeyValue>,
    dir: PathBuf,
}

impl Hook {
    pub(crate) fn start(juju: &JujuContext, charm: &'static str) -> Self {
        let unit_number = juju
            .unit_name
            .rsplit_once('/')
            .map_or("", |(_, n)| n)
            .to_owned();
        let text = |key: &str, value: &str| key_value(key, AttributeValue::String(value.into()));
        let resource = vec![
            text("service.name", &juju.app_name),
            text("service.namespace", &juju.model_uuid),
            text("service.namespace.name", &juju.model_name),
            text("service.instance.id", &unit_number),
            text("charm", charm),
            text("juju_model", &juju.model_name),
            text("juju_model_uuid", &juju.model_uuid),
            text("juju_application", &juju.app_name),
            text("juju_unit", &juju.unit_name),
            text("telemetry.sdk.language", "rust"),
            text("telemetry.sdk.name", "ops-runtime"),
            text("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        ];
        Self {
            session: Session::start(),
            resource,
            dir: juju.charm_dir.join(TRACING_DIR),
        }
    }

    pub(crate) fn finish(self, tools: &dyn HookTools) {
        let started = Instant::now();
        let finished = self.session.finish();
        let destination = match &finished.destination {
            Some(set) => {
                if let Err(error) = save_destination(&self.dir, set.as_ref()) {
                    warn(
                        tools,
                        &format!("cannot keep the tracing destination: {error}"),
                    );
                }
                set.clone()
            }
            None => load_destination(&self.dir),
        };
        // No destination: nothing is kept (see the module docs).
        let Some(destination) = destination else {
            return;
        };
        let record = encode(&finished, self.resource);
        let deadline = started + EXPORT_BUDGET;
        let Some(_lock) = lock(&self.dir, deadline) else {
            log_debug(
                tools,
                "tracing: the buffer is locked by another run; this hook's spans are dropped",
            );
            return;
        };
        let mut queue = load_buffer(&self.dir, tools);
        queue.extend(record);
        if queue.is_empty() {
            return;
        }
        let (remaining, problem) = if destination.is_https() {
            (
                queue,
                Some(
                    "https:// tracing destinations are not supported by this release (built without TLS); the spans are kept in the buffer".to_owned(),
                ),
            )
        } else {
            send(&destination, queue, deadline)
        };
        if let Some(problem) = problem {
            warn(tools, &format!("tracing: {problem}"));
        }
        if let Err(error) = save_buffer(&self.dir, &remaining) {
            warn(tools, &format!("tracing: cannot write the buffer: {error}"));
        }
    }
}

fn warn(tools: &dyn HookTools, message: &str) {
    let _ = tools.juju_log(LogLevel::Warning, message);
}

fn log_debug(tools: &dyn HookTools, message: &str) {
    let _ = tools.juju_log(LogLevel::Debug, message);
}

fn key_value(key: &str, value: AttributeValue) -> KeyValue {
    let value = match value {
        AttributeValue::String(s) => any_value::Value::StringValue(s),
        AttributeValue::Int(i) => any_value::Value::IntValue(i),
        AttributeValue::Float(f) => any_value::Value::DoubleValue(f),
        AttributeValue::Bool(b) => any_value::Value::BoolValue(b),
    };
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn span_of(data: &SpanData, dropped: u64) -> Span {
    let mut attributes: Vec<KeyValue> = data
        .attributes
        .iter()
        .map(|(k, v)| key_value(k, v.clone()))
        .collect();
    if data.parent_span_id.is_none() && dropped > 0 {
        attributes.push(key_value(
            "ops.dropped_spans",
            AttributeValue::Int(i64::try_from(dropped).unwrap_or(i64::MAX)),
        ));
    }
    let kind = match data.target.as_str() {
        "ops_runtime::hook_tool" | "ops_runtime::pebble" => span::SpanKind::Client,
        _ => span::SpanKind::Internal,
    };
    let status = match &data.status {
        SpanStatus::Unset => None,
        SpanStatus::Ok => Some(Status {
            message: String::new(),
            code: status::StatusCode::Ok as i32,
        }),
        SpanStatus::Error { description } => Some(Status {
            message: description.clone(),
            code: status::StatusCode::Error as i32,
        }),
    };
    Span {
        trace_id: data.trace_id.to_be_bytes().to_vec(),
        span_id: data.span_id.to_be_bytes().to_vec(),
        parent_span_id: data
            .parent_span_id
            .map(|p| p.to_be_bytes().to_vec())
            .unwrap_or_default(),
        name: data.name.clone(),
        kind: kind as i32,
        start_time_unix_nano: unix_nanos(data.start),
        end_time_unix_nano: unix_nanos(data.end),
        attributes,
        status,
        ..Span::default()
    }
}

/// The hook's spans as one request body; `None` when it recorded none.
fn encode(finished: &Finished, resource: Vec<KeyValue>) -> Option<Vec<u8>> {
    if finished.spans.is_empty() {
        return None;
    }
    let spans = finished
        .spans
        .iter()
        .map(|s| span_of(s, finished.dropped))
        .collect();
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: resource,
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "ops-runtime".to_owned(),
                    version: env!("CARGO_PKG_VERSION").to_owned(),
                    ..InstrumentationScope::default()
                }),
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    };
    Some(request.encode_to_vec())
}

/// How one request went.
enum Sent {
    /// 2xx: the records are delivered.
    Delivered,
    /// Another 4xx: the collector will never take these; drop them.
    Refused(u16),
    /// The collector is down, slow, overloaded: keep them and stop.
    Later,
}

/// Sends `queue` (oldest first), batched, until it is empty, the collector
/// fails, or `deadline` passes; returns the records still to send and what
/// to warn about, if anything.
fn send(
    destination: &TracingDestination,
    queue: Vec<Vec<u8>>,
    deadline: Instant,
) -> (Vec<Vec<u8>>, Option<String>) {
    let run = || -> (Vec<Vec<u8>>, Option<String>) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => return (queue, Some(format!("cannot start the exporter: {error}"))),
        };
        runtime.block_on(send_async(destination, queue, deadline))
    };
    // Within a runtime (a caller's async main), blocking on another one would
    // panic: run it on a thread of its own.
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|scope| {
            scope
                .spawn(run)
                .join()
                .unwrap_or_else(|_| (Vec::new(), Some("the exporter panicked".to_owned())))
        })
    } else {
        run()
    }
}

async fn send_async(
    destination: &TracingDestination,
    mut queue: Vec<Vec<u8>>,
    deadline: Instant,
) -> (Vec<Vec<u8>>, Option<String>) {
    let client = match reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(EXPORT_BUDGET)
        .build()
    {
        Ok(client) => client,
        Err(error) => return (queue, Some(format!("cannot start the exporter: {error}"))),
    };
    let mut refused = 0usize;
    let mut last_refusal = 0;
    while !queue.is_empty() {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        // The oldest records that fit one request (at least one).
        let mut count = 0;
        let mut size = 0;
        for record in &queue {
            if count > 0 && size + record.len() > MAX_REQUEST_BYTES {
                break;
            }
            size += record.len();
            count += 1;
        }
        let body = queue[..count].concat();
        let request = client
            .post(destination.url())
            .header("content-type", "application/x-protobuf")
            .body(body);
        let answer = async {
            let response = request.send().await?;
            let status = response.status();
            // The answer's body (an ExportTraceServiceResponse) is not needed.
            drop(response);
            Ok::<_, reqwest::Error>(status)
        };
        let outcome = match tokio::time::timeout(deadline - now, answer).await {
            Err(_) | Ok(Err(_)) => Sent::Later,
            Ok(Ok(status)) if status.is_success() => Sent::Delivered,
            Ok(Ok(status))
                if status.is_client_error()
                    && status != reqwest::StatusCode::REQUEST_TIMEOUT
                    && status != reqwest::StatusCode::TOO_MANY_REQUESTS =>
            {
                Sent::Refused(status.as_u16())
            }
            Ok(Ok(_)) => Sent::Later,
        };
        match outcome {
            Sent::Delivered => {
                queue.drain(..count);
            }
            Sent::Refused(code) => {
                refused += count;
                last_refusal = code;
                queue.drain(..count);
            }
            // Down or slow: a second request would fare no better. Silent,
            // as in ops: a collector that is away would otherwise fill the log.
            Sent::Later => break,
        }
    }
    let problem = (refused > 0).then(|| {
        format!(
            "the collector at {} refused the spans of {refused} hook(s) (HTTP {last_refusal}); they were dropped",
            destination.url()
        )
    });
    (queue, problem)
}

/// Creates the tracing directory (0700) if missing.
fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` (0600) through a temporary file and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let temp = path.with_extension(format!("{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    };
    write().inspect_err(|_| {
        let _ = std::fs::remove_file(&temp);
    })
}

/// Reads at most `limit` bytes of the regular file `path`; `None` if it is
/// missing, not a regular file, or larger.
fn read_bounded(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > limit {
        return None;
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(limit + 1).read_to_end(&mut bytes))
        .ok()?;
    (bytes.len() as u64 <= limit).then_some(bytes)
}

/// The destination kept in `dir`; `None` when there is none or it does not read.
pub(crate) fn load_destination(dir: &Path) -> Option<TracingDestination> {
    let bytes = read_bounded(&dir.join(DESTINATION_FILE), MAX_DESTINATION_BYTES)?;
    let read: TracingDestination = serde_json::from_slice(&bytes).ok()?;
    // Checked as a new one is.
    let checked = TracingDestination::new(read.url()).ok()?;
    match read.ca() {
        Some(ca) => checked.with_ca(ca).ok(),
        None => Some(checked),
    }
}

/// Keeps `destination` in `dir` (removes it for `None`), unless it is kept already.
fn save_destination(dir: &Path, destination: Option<&TracingDestination>) -> std::io::Result<()> {
    if destination.is_some() && load_destination(dir).as_ref() == destination {
        return Ok(());
    }
    let path = dir.join(DESTINATION_FILE);
    match destination {
        None => match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Some(destination) => {
            ensure_dir(dir)?;
            let json = serde_json::to_vec(destination).map_err(std::io::Error::other)?;
            write_atomically(&path, &json)
        }
    }
}

/// The buffered records, oldest first (none if the file is missing or not ours).
fn load_buffer(dir: &Path, tools: &dyn HookTools) -> Vec<Vec<u8>> {
    let path = dir.join(BUFFER_FILE);
    if !path.exists() {
        return Vec::new();
    }
    let Some(bytes) = read_bounded(&path, MAX_FILE_BYTES as u64) else {
        log_debug(
            tools,
            "tracing: the buffer file does not read; it is dropped",
        );
        return Vec::new();
    };
    match buffer::read_buffer(&bytes) {
        Ok(read) => {
            if read.damaged {
                log_debug(
                    tools,
                    "tracing: part of the buffer file was damaged and dropped",
                );
            }
            read.records
        }
        Err(error) => {
            log_debug(
                tools,
                &format!("tracing: the buffer file is dropped: {error}"),
            );
            Vec::new()
        }
    }
}

/// Writes the records still to send (removes the file when there are none).
fn save_buffer(dir: &Path, records: &[Vec<u8>]) -> std::io::Result<()> {
    let path = dir.join(BUFFER_FILE);
    if records.is_empty() {
        return match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    ensure_dir(dir)?;
    let (bytes, _dropped) = buffer::write_buffer(records);
    write_atomically(&path, &bytes)
}

/// Takes the buffer's lock (another run of the charm, started by hand, may
/// be exporting), waiting until `deadline` at most.
fn lock(dir: &Path, deadline: Instant) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    ensure_dir(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(dir.join(LOCK_FILE))
        .ok()?;
    loop {
        match file.try_lock() {
            Ok(()) => return Some(file),
            Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_kept_and_checked_on_read() {
        let dir = std::env::temp_dir().join(format!("ops-tracing-dest-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(load_destination(&dir), None);
        let destination = TracingDestination::new("http://tempo:4318/v1/traces").unwrap();
        save_destination(&dir, Some(&destination)).unwrap();
        assert_eq!(load_destination(&dir), Some(destination));
        // A hand-edited file that would not pass the checks is no destination.
        std::fs::write(
            dir.join(DESTINATION_FILE),
            r#"{"url": "file:///etc/passwd"}"#,
        )
        .unwrap();
        assert_eq!(load_destination(&dir), None);
        save_destination(&dir, None).unwrap();
        assert!(!dir.join(DESTINATION_FILE).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
