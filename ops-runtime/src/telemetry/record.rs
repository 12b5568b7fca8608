//! The runtime's `tracing` subscriber: it records the spans of the dispatch
//! running on the current thread (when a recording [`Session`] is open there)
//! and passes events on to `juju-log`.
//!
//! The subscriber itself holds nothing: what it records lives in a
//! thread-local recorder, so the testing harness's parallel test threads each
//! record their own charm's spans, as [`crate::logging`] keeps their log lines
//! apart. A span made on another thread (a charm's own worker thread) is not
//! recorded.

// Recording sessions are opened by the harness and the export only.
#![cfg_attr(not(any(feature = "testing", feature = "tracing")), allow(dead_code))]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};
use tracing_core::span::Current;

use super::{AttributeValue, SpanData, SpanStatus, TracingDestination};
use crate::hook_tools::LogLevel;

/// The most spans one dispatch records; past it, spans are counted and
/// dropped (a charm that opens a span per item of a large loop).
pub const MAX_SPANS: usize = 4096;

/// The most attributes one span keeps; past it, new keys are dropped.
pub const MAX_ATTRIBUTES: usize = 64;

/// The most bytes of one attribute's text (or a span's name) kept: longer
/// text is cut at a character boundary.
pub const MAX_ATTRIBUTE_BYTES: usize = 1024;

thread_local! {
    static RECORDER: RefCell<Option<Recorder>> = const { RefCell::new(None) };
    /// Whether [`RECORDER`] is `Some`: read on every span's creation, without
    /// borrowing the recorder.
    static RECORDING: Cell<bool> = const { Cell::new(false) };
}

/// What one dispatch recorded.
#[derive(Debug, Default)]
pub(crate) struct Finished {
    /// The spans, in the order they ended.
    pub(crate) spans: Vec<SpanData>,
    /// Spans not kept, past [`MAX_SPANS`].
    pub(crate) dropped: u64,
    /// The destination the charm set during the dispatch: `None` if it set
    /// none, `Some(None)` if it cleared it.
    pub(crate) destination: Option<Option<TracingDestination>>,
}

/// The recorder of the dispatch on this thread.
struct Recorder {
    trace_id: u128,
    ids: IdSource,
    /// The last `tracing` span id handed out.
    last_id: u64,
    open: HashMap<u64, OpenSpan>,
    /// OpenTelemetry span ids by `tracing` span id, for the spans of this
    /// session, open or ended (an explicit parent may have ended).
    span_ids: HashMap<u64, u64>,
    /// The entered spans, innermost last.
    stack: Vec<u64>,
    finished: Finished,
}

struct OpenSpan {
    refs: usize,
    metadata: &'static Metadata<'static>,
    data: SpanData,
}

/// A recording session on this thread, from [`Session::start`] to
/// [`Session::finish`] (or the drop, which throws the spans away). Sessions
/// nest: the previous one, if any, comes back when this one ends.
pub(crate) struct Session {
    previous: Option<Option<Recorder>>,
}

impl Session {
    /// Starts recording this thread's spans.
    pub(crate) fn start() -> Self {
        let recorder = Recorder::new();
        let previous = RECORDER.with(|cell| cell.borrow_mut().replace(recorder));
        RECORDING.with(|on| on.set(true));
        Self {
            previous: Some(previous),
        }
    }

    /// Stops recording and returns what was recorded.
    pub(crate) fn finish(mut self) -> Finished {
        self.end().map(|r| r.finished).unwrap_or_default()
    }

    fn end(&mut self) -> Option<Recorder> {
        let previous = self.previous.take()?;
        let on = previous.is_some();
        let ended = RECORDER.with(|cell| std::mem::replace(&mut *cell.borrow_mut(), previous));
        RECORDING.with(|recording| recording.set(on));
        ended
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.end();
    }
}

/// Records the destination the charm set, if a session is open.
pub(crate) fn set_destination(destination: Option<TracingDestination>) {
    with_recorder(|r| r.finished.destination = Some(destination));
}

fn with_recorder<T>(f: impl FnOnce(&mut Recorder) -> T) -> Option<T> {
    if !RECORDING.with(Cell::get) {
        return None;
    }
    RECORDER.with(|cell| {
        let mut borrowed = cell.try_borrow_mut().ok()?;
        borrowed.as_mut().map(f)
    })
}

/// Makes the runtime's subscriber the process's default, the first time; if
/// the process has another (a charm's test that set its own), makes it this
/// thread's default until the returned guard drops.
///
/// The global default is what `tracing` expects of a process's only
/// subscriber: it works out each callsite's interest from the default of the
/// thread that first reaches it, so a subscriber that is only ever a
/// thread's default would leave a callsite first reached outside a dispatch
/// (a test thread using the Pebble client alone) disabled for good. The
/// subscriber itself does nothing on a thread where no dispatch runs.
pub(crate) fn install() -> Option<tracing::dispatcher::DefaultGuard> {
    static GLOBAL: OnceLock<bool> = OnceLock::new();
    static SCOPED: OnceLock<Dispatch> = OnceLock::new();
    let global = *GLOBAL
        .get_or_init(|| tracing::dispatcher::set_global_default(Dispatch::new(Runtime)).is_ok());
    if global {
        return None;
    }
    let dispatch = SCOPED.get_or_init(|| Dispatch::new(Runtime));
    Some(tracing::dispatcher::set_default(dispatch))
}

/// A source of random-looking OpenTelemetry ids (SplitMix64 over a seed from
/// the standard library's per-process random keys, the time and the process
/// id). Not for secrets: ids only need to be unique.
struct IdSource(u64);

impl IdSource {
    fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hasher.write_u128(now);
        hasher.write_u32(std::process::id());
        Self(hasher.finish())
    }

    /// The next id, never zero (OpenTelemetry's "no id").
    fn next(&mut self) -> u64 {
        loop {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            if z != 0 {
                return z;
            }
        }
    }
}

impl Recorder {
    fn new() -> Self {
        let mut ids = IdSource::new();
        let trace_id = (u128::from(ids.next()) << 64) | u128::from(ids.next());
        Self {
            trace_id,
            ids,
            last_id: 0,
            open: HashMap::new(),
            span_ids: HashMap::new(),
            stack: Vec::new(),
            finished: Finished::default(),
        }
    }

    fn new_span(&mut self, attrs: &Attributes<'_>) -> Id {
        self.last_id += 1;
        let id = self.last_id;
        let parent = if let Some(parent) = attrs.parent() {
            Some(parent.into_u64())
        } else if attrs.is_contextual() {
            self.stack.last().copied()
        } else {
            None
        };
        let span_id = self.ids.next();
        let start = SystemTime::now();
        let mut data = SpanData {
            name: cut(attrs.metadata().name()).to_owned(),
            target: attrs.metadata().target().to_owned(),
            trace_id: self.trace_id,
            span_id,
            parent_span_id: parent.and_then(|p| self.span_ids.get(&p).copied()),
            attributes: Vec::new(),
            start,
            end: start,
            status: SpanStatus::Unset,
        };
        attrs.record(&mut SpanFields(&mut data));
        self.span_ids.insert(id, span_id);
        self.open.insert(
            id,
            OpenSpan {
                refs: 1,
                metadata: attrs.metadata(),
                data,
            },
        );
        Id::from_u64(id)
    }

    fn close(&mut self, id: u64) -> bool {
        let Some(span) = self.open.get_mut(&id) else {
            return false;
        };
        span.refs = span.refs.saturating_sub(1);
        if span.refs > 0 {
            return false;
        }
        let Some(mut span) = self.open.remove(&id) else {
            return false;
        };
        span.data.end = SystemTime::now();
        if self.finished.spans.len() < MAX_SPANS {
            self.finished.spans.push(span.data);
        } else {
            self.finished.dropped += 1;
        }
        true
    }
}

/// `text`, cut to [`MAX_ATTRIBUTE_BYTES`] at a character boundary.
fn cut(text: &str) -> &str {
    if text.len() <= MAX_ATTRIBUTE_BYTES {
        return text;
    }
    let mut end = MAX_ATTRIBUTE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Writes a span's fields into its data: `otel.name` renames the span,
/// `otel.status_code` (`ERROR` or `OK`) and `otel.status_description` set
/// its status, as `tracing-opentelemetry` reads them; every other field is
/// an attribute.
struct SpanFields<'a>(&'a mut SpanData);

impl SpanFields<'_> {
    fn set(&mut self, field: &Field, value: AttributeValue) {
        let data = &mut *self.0;
        match (field.name(), value) {
            ("otel.name", AttributeValue::String(name)) => data.name = name,
            ("otel.status_code", AttributeValue::String(code)) => {
                data.status = match code.to_ascii_uppercase().as_str() {
                    "ERROR" => SpanStatus::Error {
                        description: match &data.status {
                            SpanStatus::Error { description } => description.clone(),
                            _ => String::new(),
                        },
                    },
                    "OK" => SpanStatus::Ok,
                    _ => SpanStatus::Unset,
                }
            }
            ("otel.status_description" | "otel.status_message", AttributeValue::String(text)) => {
                data.status = SpanStatus::Error { description: text };
            }
            ("otel.kind", _) => {}
            (key, value) => {
                if let Some(slot) = data.attributes.iter_mut().find(|(k, _)| k == key) {
                    slot.1 = value;
                } else if data.attributes.len() < MAX_ATTRIBUTES {
                    data.attributes.push((key.to_owned(), value));
                }
            }
        }
    }
}

impl Visit for SpanFields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.set(field, AttributeValue::String(cut(&text).to_owned()));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, AttributeValue::String(cut(value).to_owned()));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.set(field, AttributeValue::Int(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(value) => self.set(field, AttributeValue::Int(value)),
            Err(_) => self.set(field, AttributeValue::String(value.to_string())),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.set(field, AttributeValue::Float(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.set(field, AttributeValue::Bool(value));
    }
}

/// An event as one `juju-log` line: its message, then its other fields as
/// `key=value`.
#[derive(Default)]
struct EventLine {
    message: String,
    fields: String,
}

impl Visit for EventLine {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }
}

impl EventLine {
    fn into_line(self) -> String {
        let mut line = self.message;
        if line.is_empty() {
            line.push_str(self.fields.trim_start());
        } else {
            line.push_str(&self.fields);
        }
        line
    }
}

fn log_level(level: Level) -> LogLevel {
    match level {
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warning,
        Level::INFO => LogLevel::Info,
        Level::DEBUG => LogLevel::Debug,
        Level::TRACE => LogLevel::Trace,
    }
}

/// The subscriber. Every callsite is of interest "sometimes": whether a span
/// is recorded depends on the thread's session, whether an event is written
/// on the thread's dispatch, so [`Subscriber::enabled`] decides each time. A
/// span on a thread that records nothing costs one thread-local read.
struct Runtime;

impl Subscriber for Runtime {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let wanted =
            || crate::logging::wanted_target(metadata.target(), *metadata.level() <= Level::WARN);
        if metadata.is_span() {
            RECORDING.with(Cell::get) && wanted()
        } else {
            wanted() && crate::logging::sink_ready()
        }
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        // A span the recorder cannot take (its session ended meanwhile) gets
        // an id nothing knows, and is ignored from then on.
        with_recorder(|r| r.new_span(attrs)).unwrap_or_else(|| Id::from_u64(u64::MAX))
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        with_recorder(|r| {
            if let Some(open) = r.open.get_mut(&span.into_u64()) {
                values.record(&mut SpanFields(&mut open.data));
            }
        });
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = EventLine::default();
        event.record(&mut line);
        crate::logging::write(log_level(*event.metadata().level()), &line.into_line());
    }

    fn enter(&self, span: &Id) {
        with_recorder(|r| r.stack.push(span.into_u64()));
    }

    fn exit(&self, span: &Id) {
        let id = span.into_u64();
        with_recorder(|r| {
            if let Some(at) = r.stack.iter().rposition(|s| *s == id) {
                r.stack.remove(at);
            }
        });
    }

    fn clone_span(&self, span: &Id) -> Id {
        with_recorder(|r| {
            if let Some(open) = r.open.get_mut(&span.into_u64()) {
                open.refs += 1;
            }
        });
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        with_recorder(|r| r.close(span.into_u64())).unwrap_or(false)
    }

    fn current_span(&self) -> Current {
        with_recorder(|r| {
            let id = *r.stack.last()?;
            let open = r.open.get(&id)?;
            Some(Current::new(Id::from_u64(id), open.metadata))
        })
        .flatten()
        .unwrap_or_else(Current::none)
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::testing::MemoryHookTools;

    #[test]
    fn events_reach_juju_log_with_their_fields() {
        let tools = Rc::new(MemoryHookTools::default());
        let _route = crate::logging::route_to(tools.clone(), false, "uuid-app/0".into());
        tracing::warn!(port = 8080, path = "/v1", "cannot bind");
        tracing::debug!(attempts = 3);
        // A transport crate's chatter below WARN stays out.
        tracing::debug!(target: "hyper_util::client", "connecting");
        let lines: Vec<(LogLevel, String)> = tools
            .juju_log_lines()
            .into_iter()
            .map(|l| (l.level, l.message))
            .collect();
        assert_eq!(
            lines,
            [
                (
                    LogLevel::Warning,
                    "cannot bind port=8080 path=/v1".to_owned()
                ),
                (LogLevel::Debug, "attempts=3".to_owned()),
            ]
        );
    }

    #[test]
    fn without_a_session_nothing_is_recorded() {
        let tools = Rc::new(MemoryHookTools::default());
        let _route = crate::logging::route_to(tools, false, "uuid-app/0".into());
        let span = tracing::info_span!("unrecorded");
        assert!(span.is_disabled());
        let session = Session::start();
        let span = tracing::info_span!("recorded");
        assert!(!span.is_disabled());
        drop(span);
        assert_eq!(session.finish().spans.len(), 1);
    }

    #[test]
    fn spans_keep_parents_names_statuses_and_bounds() {
        let tools = Rc::new(MemoryHookTools::default());
        let _route = crate::logging::route_to(tools, false, "uuid-app/0".into());
        let session = Session::start();
        {
            let outer = tracing::info_span!(
                "outer",
                otel.name = "renamed",
                otel.status_code = tracing::field::Empty,
                count = 2_u64,
                big = u64::MAX,
                ratio = 0.5,
                flag = true,
            );
            let _in = outer.enter();
            let inner = tracing::info_span!("inner", text = %"x".repeat(5000));
            inner.in_scope(|| {
                assert_eq!(
                    tracing::Span::current().metadata().map(|m| m.name()),
                    Some("inner")
                );
            });
            outer.record("otel.status_code", "ERROR");
            outer.record("count", 3_u64);
            // An explicit root has no parent, whatever is current.
            let _root = tracing::info_span!(parent: None, "root");
        }
        let spans = session.finish().spans;
        let [root, inner, outer] = &spans[..] else {
            panic!("{spans:?}")
        };
        assert_eq!(root.parent_span_id, None);
        assert_eq!(outer.name, "renamed");
        assert_eq!(outer.parent_span_id, None);
        assert_eq!(inner.parent(&spans), Some(outer));
        assert_eq!(inner.trace_id, outer.trace_id);
        assert_ne!(inner.span_id, outer.span_id);
        assert_eq!(
            outer.status,
            SpanStatus::Error {
                description: String::new()
            }
        );
        assert_eq!(outer.attribute("count"), Some(&AttributeValue::Int(3)));
        assert_eq!(
            outer.attribute("big"),
            Some(&AttributeValue::String(u64::MAX.to_string()))
        );
        assert_eq!(outer.attribute("ratio"), Some(&AttributeValue::Float(0.5)));
        assert_eq!(outer.attribute("flag"), Some(&AttributeValue::Bool(true)));
        assert_eq!(
            inner.attribute_str("text").map(str::len),
            Some(MAX_ATTRIBUTE_BYTES)
        );
        assert!(outer.end >= inner.end && inner.end >= inner.start);
    }

    #[test]
    fn past_the_span_limit_spans_are_counted_and_dropped() {
        let tools = Rc::new(MemoryHookTools::default());
        let _route = crate::logging::route_to(tools, false, "uuid-app/0".into());
        let session = Session::start();
        for _ in 0..MAX_SPANS + 5 {
            let _span = tracing::info_span!("item").entered();
        }
        let finished = session.finish();
        assert_eq!(finished.spans.len(), MAX_SPANS);
        assert_eq!(finished.dropped, 5);
    }
}
