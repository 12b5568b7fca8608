//! Everything a Pebble call can fail with.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::layer::LayerError;
use super::limits::{Limit, human};
use super::types::{Change, string_enum};

/// A boxed error from below this crate (reqwest, hyper, tungstenite, the OS).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A failed Pebble call.
///
/// Match on the variant to act on a particular failure: a missing file is
/// [`Error::Path`] with [`ErrorKind::NotFound`], a service that would not start
/// is [`Error::Change`], a container whose Pebble is not up yet is
/// [`Error::Connection`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Pebble cannot be reached: the socket is absent (the container is not up,
    /// or restarted), nothing listens on it, or the daemon went away mid-call.
    #[error("cannot talk to Pebble at {}: {reason}", socket.display())]
    Connection {
        /// The socket's path.
        socket: PathBuf,
        /// What went wrong, for people.
        reason: String,
        /// The underlying error.
        #[source]
        source: BoxError,
    },
    /// Pebble answered with an error (HTTP 4xx or 5xx).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A change (starting services, running a command) finished with an error.
    #[error(transparent)]
    Change(Box<ChangeError>),
    /// A file operation failed for one path.
    #[error(transparent)]
    Path(Box<PathError>),
    /// A command exited with a non-zero code.
    #[error(transparent)]
    Exec(Box<ExecError>),
    /// A call or a wait did not finish within its bound.
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What was being done, such as `GET /v1/plan` or `waiting for change 7`.
        operation: String,
        /// The bound that passed.
        after: Duration,
    },
    /// Pebble's answer does not follow the API: an unexpected content type, a
    /// malformed envelope or multipart body, a missing field.
    #[error("unexpected answer from Pebble to {operation}: {message}")]
    Protocol {
        /// The request, such as `GET /v1/files`.
        operation: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// Reading what to send or writing what was received failed on this side
    /// (the reader given to a push or an exec, the writer given to a pull).
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Pebble sent more than the client reads: past the
    /// [`body_limit`](super::ClientBuilder::body_limit) for one JSON answer,
    /// log line, websocket message or multipart framing, or past the
    /// [`capture_limit`](super::ClientBuilder::capture_limit) for what one
    /// call gathers in memory. The client stopped reading there and dropped
    /// the connection.
    #[error(
        "{operation}: {what} is larger than {size}, the client's `{kind}`; {advice}",
        size = human(.limit),
        advice = .kind.advice()
    )]
    TooLarge {
        /// The request or what was being done, such as `GET /v1/changes` or
        /// ``running `cat` ``.
        operation: String,
        /// What passed the limit, such as `the response body` or `the file`.
        what: &'static str,
        /// Which limit it passed.
        kind: Limit,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A layer cannot be written as YAML.
    #[error(transparent)]
    Layer(#[from] LayerError),
    /// The blocking client was used where it cannot block: inside an async
    /// runtime, or on a runtime it cannot drive.
    #[error("the blocking Pebble client {0}")]
    Blocking(&'static str),
}

impl Error {
    /// The kind of an API or path error, such as [`ErrorKind::NotFound`].
    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            Error::Api(api) => api.kind.as_ref(),
            Error::Path(path) => Some(&path.kind),
            _ => None,
        }
    }

    /// Whether Pebble said that what was asked for does not exist: an unknown
    /// change or notice, a missing file.
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some(&ErrorKind::NotFound)
            || matches!(self, Error::Api(api) if api.status == 404)
    }

    /// Whether Pebble could not be reached at all.
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connection { .. })
    }

    /// Whether the call timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether Pebble sent more than the client reads ([`Error::TooLarge`]).
    pub fn is_too_large(&self) -> bool {
        matches!(self, Error::TooLarge { .. })
    }

    pub(crate) fn too_large(
        operation: impl Into<String>,
        what: &'static str,
        limit: u64,
        kind: Limit,
    ) -> Self {
        Error::TooLarge {
            operation: operation.into(),
            what,
            kind,
            limit,
        }
    }

    pub(crate) fn protocol(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Protocol {
            operation: operation.into(),
            message: message.into(),
        }
    }

    pub(crate) fn timeout(operation: impl Into<String>, after: Duration) -> Self {
        Error::Timeout {
            operation: operation.into(),
            after,
        }
    }
}

string_enum! {
    /// The `kind` Pebble gives an error.
    pub enum ErrorKind {
        /// `login-required`: the caller lacks access.
        LoginRequired = "login-required",
        /// `no-default-services`: `autostart` found no `startup: enabled` service.
        NoDefaultServices = "no-default-services",
        /// `not-found`: no such change, notice, file or directory.
        NotFound = "not-found",
        /// `permission-denied`: the file system refused.
        PermissionDenied = "permission-denied",
        /// `generic-file-error`: another file system failure.
        GenericFileError = "generic-file-error",
        /// `system-restart`: the system is restarting.
        SystemRestart = "system-restart",
        /// `daemon-restart`: the daemon is restarting.
        DaemonRestart = "daemon-restart",
    }
}

/// An error answer from Pebble: an error envelope, or any HTTP 4xx or 5xx.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The request, such as `POST /v1/services`.
    pub operation: String,
    /// The HTTP status code.
    pub status: u16,
    /// The error's kind, if Pebble gave one.
    pub kind: Option<ErrorKind>,
    /// Pebble's message.
    pub message: String,
    /// Extra data Pebble attached, if any.
    pub value: Option<serde_json::Value>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pebble refused {} ({}", self.operation, self.status)?;
        if let Some(kind) = &self.kind {
            write!(f, " {kind}")?;
        }
        write!(f, "): {}", self.message)
    }
}

impl std::error::Error for ApiError {}

/// A change that finished with an error, with its tasks' logs.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeError {
    /// The failed change; [`Change::err`] says why, and its tasks' logs say more.
    pub change: Change,
}

impl ChangeError {
    pub(crate) fn new(change: Change) -> Self {
        Self { change }
    }

    /// Why the change failed: `cannot perform the following tasks: ...`.
    pub fn err(&self) -> &str {
        self.change.err.as_deref().unwrap_or("change failed")
    }
}

impl fmt::Display for ChangeError {
    /// The change's error, then each task's log, as ops prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.err())?;
        let mut any = false;
        for (index, task) in self.change.tasks.iter().enumerate() {
            if task.log.is_empty() {
                continue;
            }
            any = true;
            write!(
                f,
                "\n----- Logs from task {index} -----\n{}",
                task.log.join("\n")
            )?;
        }
        if any {
            f.write_str("\n-----")?;
        }
        Ok(())
    }
}

impl std::error::Error for ChangeError {}

/// A file operation that failed for one path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message} ({kind})")]
pub struct PathError {
    /// The path.
    pub path: String,
    /// What kind of failure.
    pub kind: ErrorKind,
    /// Pebble's message.
    pub message: String,
}

/// A command that exited with a non-zero code.
#[derive(Clone, PartialEq, Eq)]
pub struct ExecError {
    /// The command line.
    pub command: Vec<String>,
    /// The exit code: the process's own, or 128 plus the signal that killed it.
    pub exit_code: i32,
    /// The standard output, when it was captured.
    pub stdout: Option<Vec<u8>>,
    /// The standard error, when it was captured.
    pub stderr: Option<Vec<u8>>,
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exited with code {}",
            self.command.join(" "),
            self.exit_code
        )?;
        let stderr = self.stderr.as_deref().map(String::from_utf8_lossy);
        if let Some(stderr) = stderr.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            const LIMIT: usize = 500;
            write!(f, ": {}", crate::redact::excerpt(stderr, LIMIT))?;
        }
        Ok(())
    }
}

impl fmt::Debug for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn text(bytes: &Option<Vec<u8>>) -> Option<std::borrow::Cow<'_, str>> {
            bytes.as_deref().map(String::from_utf8_lossy)
        }
        f.debug_struct("ExecError")
            .field("command", &self.command)
            .field("exit_code", &self.exit_code)
            .field("stdout", &text(&self.stdout))
            .field("stderr", &text(&self.stderr))
            .finish()
    }
}

impl std::error::Error for ExecError {}
