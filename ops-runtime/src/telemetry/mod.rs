//! Charm tracing: the runtime's spans, and their export over OTLP/HTTP.
//!
//! # The spans
//!
//! The runtime instruments itself with the [`tracing`](https://docs.rs/tracing)
//! facade. Each dispatch makes one trace:
//!
//! | span | name | attributes |
//! |---|---|---|
//! | the hook (the root) | the event's Juju name (`db-relation-changed`, `backup-action`, a custom event's `component::name`) | `juju.hook`, `juju.unit`, `juju.application`, `juju.model`, `juju.model_uuid`, `juju.version`, and at its end `ops.outcome` (`success`, `action-failed` or `failed`); a failed hook's status is `ERROR` with the kind of failure (`handler `install` failed`), never the error's text |
//! | each handler | the handler method's name | `handler`, `juju.event` (the event it runs for: a deferred one, a custom one) |
//! | each hook-tool call | the tool (`relation-get`) | `hook_tool` |
//! | each Pebble call | `pebble <METHOD> <path>` (`pebble POST /v1/layers`) | `pebble.method`, `pebble.path`, `pebble.socket` |
//!
//! A hook-tool span never carries the tool's arguments, input or output (they
//! hold databag values, secret content, action parameters), a Pebble span
//! never a query string or a body (file paths, file content), and `juju-log`
//! calls have no span (the log lines are not part of the trace). The charm's
//! own spans (`tracing::info_span!(...)`, from the charm or the libraries it
//! uses) are recorded too, under the span that was current; a field named
//! `otel.name` renames a span, and `otel.status_code` / `otel.status_description`
//! set its status, as `tracing-opentelemetry` reads them. Spans made on
//! threads other than the dispatch's are not recorded. At most [`MAX_SPANS`]
//! spans are kept per hook, [`MAX_ATTRIBUTES`] attributes per span, and
//! [`MAX_ATTRIBUTE_BYTES`] of each attribute's text.
//!
//! `tracing` events (`tracing::info!(...)`) go to `juju-log` at their level,
//! as `log` records do, whether or not anything is traced.
//!
//! # Where they go
//!
//! - In the testing harness, every run records its spans:
//!   [`Context::trace_data`](crate::testing::Context::trace_data) gives them.
//! - In production, with the `tracing` feature of `ops-runtime` and a
//!   destination the charm set ([`HookContext::set_tracing_destination`],
//!   which `ops-interfaces`' `CharmTracing` component keeps in step with the
//!   `tracing` relation), the hook's spans are sent at the end of the hook
//!   as one OTLP/HTTP request (protobuf, `POST <url>` where the URL ends in
//!   `/v1/traces`). Spans earlier hooks could not send go first.
//! - Without the feature, or without a destination, nothing is recorded or
//!   written: a span costs one thread-local read.
//!
//! # The bounds of the export (feature `tracing`)
//!
//! - **Time.** Sending takes at most [`EXPORT_BUDGET`] (1 s) per hook, all
//!   requests, connection and answer included: a collector that is down,
//!   refuses, or accepts and never answers adds at most that (plus the local
//!   write of the buffer file) to the hook. A refused connection costs
//!   almost nothing; a collector that never answers costs the whole second.
//! - **Disk.** What could not be sent (the collector is down, slow, or
//!   answered 5xx, 408 or 429) waits in `.ops-tracing/buffer` in the charm
//!   directory (the charm's state directory, beside `.unit-state.json`), at
//!   most [`MAX_BUFFER_BYTES`] (4 MiB, a thousand hooks or so): past that the
//!   oldest hooks' spans are dropped. A later hook with a destination sends
//!   them first, oldest first, within the same second. Spans the collector
//!   refuses as bad (another 4xx) are dropped, not retried. The destination
//!   itself is kept in `.ops-tracing/destination.json`.
//! - **Hooks without a destination** record in memory and drop the spans at
//!   the end: nothing is buffered before the charm knows where to send
//!   (ops buffers then too; here the unrelated charm pays nothing on disk).
//!   The hook that sets the destination sends its own spans.
//! - **`https://` destinations** are not sent in this release (the client is
//!   built without TLS): their spans are buffered, as for a collector that is
//!   down, and a warning goes to `juju-log` once per hook.

mod record;

#[cfg(feature = "tracing")]
mod buffer;
#[cfg(feature = "tracing")]
mod export;

use std::time::SystemTime;

pub(crate) use record::install;
#[cfg(feature = "testing")]
pub(crate) use record::{Finished, Session};
pub use record::{MAX_ATTRIBUTE_BYTES, MAX_ATTRIBUTES, MAX_SPANS};

#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use buffer::{BufferError, Buffered, MAX_BUFFER_BYTES, read_buffer, write_buffer};
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use export::{EXPORT_BUDGET, TRACING_DIR};

use crate::context::HookContext;
use crate::env::JujuContext;
use crate::event::Event;

/// One finished span, as the runtime recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanData {
    /// Its name: the `tracing` span's name, or its `otel.name` field.
    pub name: String,
    /// The `tracing` target: the module path of the code that opened it.
    pub target: String,
    /// The trace (one per hook).
    pub trace_id: u128,
    /// Its OpenTelemetry id.
    pub span_id: u64,
    /// Its parent's id; `None` for the hook's span.
    pub parent_span_id: Option<u64>,
    /// Its fields, in the order they were first recorded.
    pub attributes: Vec<(String, AttributeValue)>,
    /// When it was opened.
    pub start: SystemTime,
    /// When it closed.
    pub end: SystemTime,
    /// Its OpenTelemetry status.
    pub status: SpanStatus,
}

impl SpanData {
    /// The attribute `key`, if it has one.
    pub fn attribute(&self, key: &str) -> Option<&AttributeValue> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The attribute `key` if it is text.
    pub fn attribute_str(&self, key: &str) -> Option<&str> {
        match self.attribute(key)? {
            AttributeValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// Its parent among `spans`.
    pub fn parent<'a>(&self, spans: &'a [SpanData]) -> Option<&'a SpanData> {
        let parent = self.parent_span_id?;
        spans.iter().find(|s| s.span_id == parent)
    }
}

/// The value of a span attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// Text (and anything recorded with `?` or `%`).
    String(String),
    /// An integer (a `u64` past `i64::MAX` is text).
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

/// A span's OpenTelemetry status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SpanStatus {
    /// Not set.
    #[default]
    Unset,
    /// Explicitly fine.
    Ok,
    /// Failed.
    Error {
        /// What failed (no error text from the charm: see the module docs).
        description: String,
    },
}

/// Where the charm's spans go: a collector's OTLP/HTTP traces URL (ending in
/// `/v1/traces`), and for an `https://` one, the CA bundle (PEM) to trust.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TracingDestination {
    url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca: Option<String>,
}

/// The most bytes of a destination's URL.
pub const MAX_URL_BYTES: usize = 2048;

/// The most bytes of a destination's CA bundle.
pub const MAX_CA_BYTES: usize = 256 * 1024;

/// Why a [`TracingDestination`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DestinationError {
    /// The URL is not an `http://` or `https://` URL with a host.
    #[error("a tracing destination must be an http:// or https:// URL with a host, not `{0}`")]
    Url(String),
    /// The URL or the CA bundle is too long.
    #[error("a tracing destination's {what} is {size} bytes, over the limit of {limit}")]
    TooLong {
        /// `URL` or `CA bundle`.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The CA bundle holds no PEM certificate.
    #[error(
        "a tracing destination's CA bundle must hold PEM certificates (`-----BEGIN CERTIFICATE-----`)"
    )]
    Ca,
}

impl TracingDestination {
    /// A destination at `url`, the full OTLP/HTTP traces URL
    /// (`http://tempo:4318/v1/traces`).
    ///
    /// # Errors
    ///
    /// `url` is not `http://` or `https://` followed by a host, holds
    /// whitespace or control characters, or is over [`MAX_URL_BYTES`].
    pub fn new(url: impl Into<String>) -> Result<Self, DestinationError> {
        let url = url.into();
        if url.len() > MAX_URL_BYTES {
            return Err(DestinationError::TooLong {
                what: "URL",
                size: url.len(),
                limit: MAX_URL_BYTES,
            });
        }
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"));
        let host = rest.map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(""));
        let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
        match host {
            Some(host) if clean && !host.is_empty() && !host.starts_with(':') => {
                Ok(Self { url, ca: None })
            }
            _ => Err(DestinationError::Url(
                crate::redact::excerpt(&url, 80).into_owned(),
            )),
        }
    }

    /// The destination for an OTLP/HTTP receiver at `base` (as the `tracing`
    /// relation gives it: `http://tempo:4318`): `base` with `/v1/traces`.
    ///
    /// # Errors
    ///
    /// As [`TracingDestination::new`].
    pub fn otlp_http(base: &str) -> Result<Self, DestinationError> {
        Self::new(format!("{}/v1/traces", base.trim_end_matches('/')))
    }

    /// The same destination, trusting the certificates of `pem` (a PEM bundle)
    /// for an `https://` URL.
    ///
    /// # Errors
    ///
    /// The bundle holds no PEM certificate or is over [`MAX_CA_BYTES`].
    pub fn with_ca(mut self, pem: impl Into<String>) -> Result<Self, DestinationError> {
        let pem = pem.into();
        if pem.len() > MAX_CA_BYTES {
            return Err(DestinationError::TooLong {
                what: "CA bundle",
                size: pem.len(),
                limit: MAX_CA_BYTES,
            });
        }
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err(DestinationError::Ca);
        }
        self.ca = Some(pem);
        Ok(self)
    }

    /// The traces URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA bundle, if one was given.
    pub fn ca(&self) -> Option<&str> {
        self.ca.as_deref()
    }

    /// Whether the URL is `https://`.
    pub fn is_https(&self) -> bool {
        self.url.starts_with("https://")
    }
}

impl HookContext {
    /// Sets where the charm's spans go from the end of this hook on (`None`:
    /// nowhere), as ops's `ops.tracing.set_destination` does. The
    /// destination is kept between hooks; setting the same one again costs
    /// nothing. See [the module docs](crate::telemetry) for what is sent, and
    /// the bounds in time and space.
    ///
    /// Most charms do not call this themselves: `ops-interfaces`'
    /// `CharmTracing` component keeps the destination in step with the
    /// `tracing` relation. Without `ops-runtime`'s `tracing` feature nothing
    /// is sent or kept, and this does nothing outside the testing harness,
    /// where [`Context::tracing_destination`](crate::testing::Context::tracing_destination)
    /// reports it.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, TracingDestination, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(install)]
    ///     fn install(&mut self, cx: &mut HookContext) -> Result<(), ops_runtime::CharmError> {
    ///         let destination = TracingDestination::new("http://collector:4318/v1/traces")?;
    ///         cx.set_tracing_destination(Some(destination));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new();
    /// ctx.run(Event::Install, State::new()).unwrap();
    /// let destination = ctx.tracing_destination().unwrap();
    /// assert_eq!(destination.url(), "http://collector:4318/v1/traces");
    /// // The hook's span and the handler's, as the export would send them.
    /// let spans = ctx.trace_data();
    /// let hook = spans.iter().find(|s| s.name == "install" && s.parent_span_id.is_none());
    /// let handler = spans.iter().find(|s| s.attribute_str("handler") == Some("install"));
    /// assert_eq!(handler.unwrap().parent(spans), hook);
    /// ```
    pub fn set_tracing_destination(&mut self, destination: Option<TracingDestination>) {
        // Without a recording session (production without the feature) there
        // is nowhere to keep it: said in the docs, not logged, as each line
        // would be a `juju-log` call on every hook that sets it.
        record::set_destination(destination);
    }
}

/// The hook's span: open from the event's resolution to the end of the
/// dispatch.
pub(crate) fn hook_span(juju: &JujuContext, event: &Event) -> tracing::Span {
    tracing::info_span!(
        target: "ops_runtime::hook",
        "hook",
        otel.name = %event.hook_name(),
        juju.hook = %event.hook_name(),
        juju.unit = %juju.unit_name,
        juju.application = %juju.app_name,
        juju.model = %juju.model_name,
        juju.model_uuid = %juju.model_uuid,
        juju.version = %juju.version,
        ops.outcome = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        otel.status_description = tracing::field::Empty,
    )
}

/// Records how the hook ended on its span: the kind of failure, never the
/// error's text (a charm's error may quote what it read).
pub(crate) fn record_outcome(span: &tracing::Span, outcome: &crate::dispatch::Outcome) {
    use crate::dispatch::{DispatchError, Outcome};
    if span.is_disabled() {
        return;
    }
    let (kind, failure) = match outcome {
        Outcome::Success => ("success", None),
        Outcome::ActionFailed { .. } => ("action-failed", None),
        Outcome::Failed(error) => (
            "failed",
            Some(match error {
                DispatchError::Handler { handler, .. } => format!("handler `{handler}` failed"),
                DispatchError::Panic { handler, .. } => format!("handler `{handler}` panicked"),
                DispatchError::Env(_) => "the Juju context cannot be read".to_owned(),
                DispatchError::State(_) => "the stored state cannot be loaded or committed".into(),
                DispatchError::NotDeferrable { handler, .. } => {
                    format!("handler `{handler}` deferred an event that cannot be deferred")
                }
                DispatchError::CollectStatus { .. } => "the collected status cannot be set".into(),
            }),
        ),
    };
    span.record("ops.outcome", kind);
    if let Some(failure) = failure {
        span.record("otel.status_code", "ERROR");
        span.record("otel.status_description", failure.as_str());
    }
}

/// A handler's span.
pub(crate) fn handler_span(handler: &'static str, event: &Event) -> tracing::Span {
    tracing::info_span!(
        target: "ops_runtime::handler",
        "handler",
        otel.name = handler,
        handler = handler,
        juju.event = %event.hook_name(),
    )
}

/// A hook-tool call's span: the tool's name only, never its arguments.
pub(crate) fn hook_tool_span(tool: &'static str) -> tracing::Span {
    if tool == "juju-log" {
        return tracing::Span::none();
    }
    tracing::info_span!(
        target: "ops_runtime::hook_tool",
        "hook-tool",
        otel.name = tool,
        hook_tool = tool,
    )
}

/// A Pebble call's span: the method and the path, never the query or body.
#[cfg(feature = "pebble")]
pub(crate) fn pebble_span(method: &str, path: &str, socket: &std::path::Path) -> tracing::Span {
    tracing::info_span!(
        target: "ops_runtime::pebble",
        "pebble",
        otel.name = %format_args!("pebble {method} {path}"),
        pebble.method = method,
        pebble.path = path,
        pebble.socket = %socket.display(),
    )
}

/// Charm tracing for one production hook: records from [`HookTracing::start`]
/// and exports at [`HookTracing::finish`] (feature `tracing`); nothing
/// without the feature.
pub(crate) struct HookTracing {
    #[cfg(feature = "tracing")]
    hook: export::Hook,
}

impl HookTracing {
    /// Starts recording the hook `juju` describes, of the charm `charm`.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn start(juju: &JujuContext, charm: &'static str) -> Self {
        Self {
            #[cfg(feature = "tracing")]
            hook: export::Hook::start(juju, charm),
        }
    }

    /// Stops recording; sends the spans (and those buffered) to the charm's
    /// destination, if it has one, within [`EXPORT_BUDGET`], buffering what
    /// could not be sent. Problems go to `juju-log` through `tools`.
    #[cfg_attr(not(feature = "tracing"), allow(unused_variables))]
    pub(crate) fn finish(self, tools: &dyn crate::hook_tools::HookTools) {
        #[cfg(feature = "tracing")]
        self.hook.finish(tools);
    }
}
