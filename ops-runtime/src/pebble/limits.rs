//! The bounds on what the client reads from Pebble, and the readers and
//! writers that hold to them.
//!
//! Two limits, both set on [`ClientBuilder`](super::ClientBuilder):
//!
//! - the **body limit** ([`DEFAULT_BODY_LIMIT`], 4 MiB) bounds each JSON
//!   document the client reads whole: a response body (an error answer's
//!   too), one log line, one websocket message of a command's output, the
//!   JSON part of a file pull, and the multipart framing around a pulled
//!   file;
//! - the **capture limit** ([`DEFAULT_CAPTURE_LIMIT`], 64 MiB) bounds what
//!   one call gathers in memory for its caller: the file that
//!   [`Client::pull`](super::Client::pull) returns, each output stream that
//!   [`ExecProcess::wait_output`](super::ExecProcess::wait_output) captures,
//!   the lines [`Client::logs`](super::Client::logs) returns.
//!
//! Past either, the call stops reading, drops the connection and fails with
//! [`Error::TooLarge`], which names the request and the limit. What streams to
//! a destination the caller gives ([`Client::pull_to`](super::Client::pull_to),
//! [`ExecProcess::wait_with`](super::ExecProcess::wait_with),
//! [`Client::follow_logs`](super::Client::follow_logs)) is never held whole
//! and has no size limit, only the bound on time without progress.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio::io::AsyncWrite;

use super::error::Error;

/// The default body limit: 4 MiB, the most the client reads of one JSON
/// answer, log line, websocket message or multipart framing.
///
/// Pebble's largest answers (a busy daemon's change list, a plan of many
/// services) are a few hundred KiB; a daemon that sends more is broken or
/// hostile. Change it with
/// [`ClientBuilder::body_limit`](super::ClientBuilder::body_limit).
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The default capture limit: 64 MiB, the most one call gathers in memory (a
/// file [`pull`](super::Client::pull)ed whole, the output
/// [`wait_output`](super::ExecProcess::wait_output) captures, the lines
/// [`logs`](super::Client::logs) returns).
///
/// Stream anything larger to its destination instead; or change the limit
/// with [`ClientBuilder::capture_limit`](super::ClientBuilder::capture_limit).
pub const DEFAULT_CAPTURE_LIMIT: u64 = 64 * 1024 * 1024;

/// Which of the client's limits an answer passed, in [`Error::TooLarge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`ClientBuilder::body_limit`](super::ClientBuilder::body_limit): one
    /// JSON document, log line, websocket message or multipart framing.
    Body,
    /// [`ClientBuilder::capture_limit`](super::ClientBuilder::capture_limit):
    /// what one call gathers in memory.
    Capture,
}

impl Limit {
    /// The [`ClientBuilder`](super::ClientBuilder) setting that sets it.
    pub fn setting(self) -> &'static str {
        match self {
            Limit::Body => "body_limit",
            Limit::Capture => "capture_limit",
        }
    }

    /// What to do about it, for the error's message.
    pub(crate) fn advice(self) -> &'static str {
        match self {
            Limit::Body => {
                "Pebble never sends that much, so check what serves the socket; \
                 raise `ClientBuilder::body_limit` only if it is meant to"
            }
            Limit::Capture => {
                "stream it to its destination instead (`pull_to`, `wait_with`, \
                 `follow_logs`), or raise `ClientBuilder::capture_limit`"
            }
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.setting())
    }
}

/// A size for people: `4 MiB`, `512 KiB`, or `1000 bytes`.
pub(crate) fn human(bytes: &u64) -> String {
    let bytes = *bytes;
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    const GIB: u64 = 1024 * MIB;
    match bytes {
        0 => "0 bytes".to_owned(),
        b if b % GIB == 0 => format!("{} GiB", b / GIB),
        b if b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// A writer into a `Vec` that refuses to grow it past `limit` bytes: it fails
/// with an [`io::Error`] carrying [`CaptureFull`], which [`write_error`]
/// turns into [`Error::TooLarge`].
pub(crate) struct Capture<'a> {
    buffer: &'a mut Vec<u8>,
    limit: u64,
}

impl<'a> Capture<'a> {
    pub(crate) fn new(buffer: &'a mut Vec<u8>, limit: u64) -> Self {
        Self { buffer, limit }
    }
}

impl AsyncWrite for Capture<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let total = (this.buffer.len() as u64).saturating_add(data.len() as u64);
        if total > this.limit {
            return Poll::Ready(Err(io::Error::other(CaptureFull { limit: this.limit })));
        }
        this.buffer.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A [`Capture`] is full.
#[derive(Debug, thiserror::Error)]
#[error("the capture limit of {} is reached", human(.limit))]
pub(crate) struct CaptureFull {
    limit: u64,
}

/// A failure to write what was received: [`Error::TooLarge`] when a
/// [`Capture`] is full, [`Error::Io`] with `context` otherwise.
pub(crate) fn write_error(
    operation: &str,
    what: &'static str,
    context: impl FnOnce() -> String,
    source: io::Error,
) -> Error {
    match source
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<CaptureFull>())
    {
        Some(full) => Error::too_large(operation, what, full.limit, Limit::Capture),
        None => Error::Io {
            context: context(),
            source,
        },
    }
}

/// How many bytes past the body limit a [`Metered`] stream may hold before it
/// fails: one read of the HTTP connection (hyper's buffer grows to about 400
/// KiB) plus one [`YIELD_EVERY`].
const READ_AHEAD: u64 = 1024 * 1024;

/// A [`Metered`] stream hands control back to its reader after this many
/// bytes, so that a reader that buffers until the stream is pending (multer
/// does) passes the data on in pieces this size rather than all that a fast
/// socket holds.
const YIELD_EVERY: usize = 256 * 1024;

/// Counts the bytes a [`Metered`] stream read and the bytes its reader passed
/// on: what lies between is held in the reader's buffer.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    read: AtomicU64,
    passed_on: AtomicU64,
}

impl Meter {
    /// `bytes` more were passed on (written out, or read as a bounded part).
    pub(crate) fn passed_on(&self, bytes: usize) {
        self.passed_on.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn held_after_reading(&self, bytes: usize) -> u64 {
        let read = self.read.fetch_add(bytes as u64, Ordering::Relaxed) + bytes as u64;
        read.saturating_sub(self.passed_on.load(Ordering::Relaxed))
    }
}

/// A response body as a stream that fails with [`MeteredError::Held`] once
/// its reader holds more than `limit` bytes it has not passed on (see
/// [`Meter`]), and that yields every [`YIELD_EVERY`] bytes.
pub(crate) struct Metered {
    inner: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    meter: Arc<Meter>,
    limit: u64,
    since_yield: usize,
}

impl Metered {
    pub(crate) fn new(
        inner: impl Stream<Item = reqwest::Result<Bytes>> + Send + 'static,
        meter: Arc<Meter>,
        limit: usize,
    ) -> Self {
        Self {
            inner: Box::pin(inner),
            meter,
            limit: (limit as u64).saturating_add(READ_AHEAD),
            since_yield: 0,
        }
    }
}

/// Why a [`Metered`] stream failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum MeteredError {
    /// Reading the body failed.
    #[error(transparent)]
    Read(reqwest::Error),
    /// The reader holds more than the limit.
    #[error("the reader holds more than the limit")]
    Held,
}

impl Stream for Metered {
    type Item = Result<Bytes, MeteredError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.since_yield >= YIELD_EVERY {
            this.since_yield = 0;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        match this.inner.as_mut().poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.since_yield += chunk.len();
                if this.meter.held_after_reading(chunk.len()) > this.limit {
                    return Poll::Ready(Some(Err(MeteredError::Held)));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(MeteredError::Read(error)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                this.since_yield = 0;
                Poll::Pending
            }
        }
    }
}
