//! Pebble listens on a Unix socket, which Juju mounts in the charm container
//! at `/charm/containers/<container>/pebble.socket`, and speaks JSON over
//! HTTP/1.1 (commands run over websockets). [`Client`] covers the whole API
//! that Python ops's `pebble.Client` covers, and what it lacks: health,
//! logs, check refresh, notices long-polling, identities add/update.
//!
//! | area | calls |
//! |---|---|
//! | system | [`system_info`](crate::pebble::Client::system_info), [`health`](crate::pebble::Client::health) |
//! | changes | [`changes`](crate::pebble::Client::changes), [`change`](crate::pebble::Client::change), [`abort_change`](crate::pebble::Client::abort_change), [`wait_change`](crate::pebble::Client::wait_change) |
//! | services | [`services`](crate::pebble::Client::services), [`start_services`](crate::pebble::Client::start_services), [`stop_services`](crate::pebble::Client::stop_services), [`restart_services`](crate::pebble::Client::restart_services), [`replan_services`](crate::pebble::Client::replan_services), [`autostart_services`](crate::pebble::Client::autostart_services), [`service_operation`](crate::pebble::Client::service_operation), [`send_signal`](crate::pebble::Client::send_signal) |
//! | configuration | [`add_layer`](crate::pebble::Client::add_layer), [`plan`](crate::pebble::Client::plan), with the typed [`Layer`] and [`Plan`] |
//! | files | [`push`](crate::pebble::Client::push), [`pull`](crate::pebble::Client::pull), [`pull_to`](crate::pebble::Client::pull_to), [`list_files`](crate::pebble::Client::list_files), [`make_dir`](crate::pebble::Client::make_dir), [`remove_path`](crate::pebble::Client::remove_path) |
//! | commands | [`exec`](crate::pebble::Client::exec), then [`ExecProcess`] |
//! | checks | [`checks`](crate::pebble::Client::checks), [`start_checks`](crate::pebble::Client::start_checks), [`stop_checks`](crate::pebble::Client::stop_checks), [`refresh_check`](crate::pebble::Client::refresh_check) |
//! | notices | [`notices`](crate::pebble::Client::notices), [`notice`](crate::pebble::Client::notice), [`notify`](crate::pebble::Client::notify) |
//! | identities | [`identities`](crate::pebble::Client::identities), [`add_identities`](crate::pebble::Client::add_identities), [`update_identities`](crate::pebble::Client::update_identities), [`replace_identities`](crate::pebble::Client::replace_identities), [`remove_identities`](crate::pebble::Client::remove_identities) |
//! | logs | [`logs`](crate::pebble::Client::logs), [`follow_logs`](crate::pebble::Client::follow_logs) |
//!
//! The client is async (tokio); [`blocking::Client`] runs the same calls for a
//! synchronous handler, on its own runtime or the hook context's.
//!
//! # No call hangs a hook
//!
//! Every request is bounded ([`ClientBuilder::timeout`], 5 s by default, as in
//! ops); a transfer of any size is bounded by that much time *without
//! progress*; waiting for a change is bounded by the timeout it is given or
//! [`ClientBuilder::wait_timeout`]; a command is bounded by its own timeout,
//! which is always sent to Pebble ([`ClientBuilder::exec_timeout`] when the
//! [`Exec`] sets none). A call that runs out of time fails with
//! [`Error::Timeout`], and an exec's websockets are closed on every path.
//!
//! # No answer fills memory
//!
//! A broken or hostile daemon on the socket cannot make the client hold more
//! than a bounded amount of what it sends. The limits, each set on the
//! [`ClientBuilder`]:
//!
//! | limit | default | bounds |
//! |---|---|---|
//! | [`body_limit`](crate::pebble::ClientBuilder::body_limit) | [`DEFAULT_BODY_LIMIT`], 4 MiB | one JSON answer (error answers too), one log line, one websocket message of a command's output, the multipart framing and JSON part of a file pull |
//! | [`capture_limit`](crate::pebble::ClientBuilder::capture_limit) | [`DEFAULT_CAPTURE_LIMIT`], 64 MiB | what one call gathers in memory: the file [`pull`](crate::pebble::Client::pull) returns, each stream [`wait_output`](crate::pebble::ExecProcess::wait_output) captures, the lines [`logs`](crate::pebble::Client::logs) returns |
//!
//! Past a limit, the call stops reading at once (before reading anything when
//! the `Content-Length` already says too much), drops the connection and fails
//! with [`Error::TooLarge`](crate::pebble::Error::TooLarge), which names the
//! request, what passed the limit and the limit. What streams to a
//! destination the caller gives, [`pull_to`](crate::pebble::Client::pull_to),
//! [`wait_with`](crate::pebble::ExecProcess::wait_with) and
//! [`follow_logs`](crate::pebble::Client::follow_logs), is never held whole and
//! has no size limit, only the bound on time without progress. A plan's YAML
//! (and any layer's) is refused unparsed when its size times its number of
//! `[` and `{` passes [`MAX_YAML_WORK`], as the YAML parser slows down with
//! the square of their nesting ([`LayerError::TooComplex`]).
//!
//! # Errors
//!
//! Every failure is an [`Error`]: [`Connection`](crate::pebble::Error::Connection) when the
//! socket is absent or the daemon went away, [`Api`](crate::pebble::Error::Api) for an error
//! answer (with its status, [`ErrorKind`] and message), [`Change`](crate::pebble::Error::Change)
//! when services fail to start (with the change's task logs),
//! [`Path`](crate::pebble::Error::Path) for a file error, [`Exec`](crate::pebble::Error::Exec) for a non-zero
//! exit code, [`Timeout`](crate::pebble::Error::Timeout), [`TooLarge`](crate::pebble::Error::TooLarge)
//! past a limit, and [`Protocol`](crate::pebble::Error::Protocol) when an answer
//! does not follow the API.
//!
//! # Example
//!
//! ```no_run
//! use ops_runtime::pebble::{AddLayerOptions, Client, Exec, Layer, PushOptions};
//!
//! # async fn configure() -> Result<(), ops_runtime::pebble::Error> {
//! let pebble = Client::for_container("web")?;
//!
//! pebble
//!     .push("/etc/web/web.conf", "listen 8080\n", &PushOptions::new().make_dirs(true))
//!     .await?;
//!
//! let layer = Layer::from_yaml(
//!     r#"
//! services:
//!   web:
//!     override: replace
//!     command: /usr/bin/web --config /etc/web/web.conf
//!     startup: enabled
//! "#,
//! )?;
//! pebble
//!     .add_layer("web", &layer, &AddLayerOptions::new().combine(true))
//!     .await?;
//! pebble.replan_services().await?;
//!
//! let version = pebble
//!     .exec(&Exec::new(["/usr/bin/web", "--version"]))
//!     .await?
//!     .wait_output()
//!     .await?;
//! println!("running {}", version.stdout_lossy().trim());
//! # Ok(())
//! # }
//! ```
//!
//! [`Client`]: crate::pebble::Client
//! [`ClientBuilder`]: crate::pebble::ClientBuilder
//! [`DEFAULT_BODY_LIMIT`]: crate::pebble::DEFAULT_BODY_LIMIT
//! [`DEFAULT_CAPTURE_LIMIT`]: crate::pebble::DEFAULT_CAPTURE_LIMIT
//! [`MAX_YAML_WORK`]: crate::pebble::MAX_YAML_WORK
//! [`LayerError::TooComplex`]: crate::pebble::LayerError::TooComplex
//! [`Layer`]: crate::pebble::Layer
//! [`Plan`]: crate::pebble::Plan
//! [`Exec`]: crate::pebble::Exec
//! [`ExecProcess`]: crate::pebble::ExecProcess
//! [`Error`]: crate::pebble::Error
//! [`ErrorKind`]: crate::pebble::ErrorKind
//! [`Error::Timeout`]: crate::pebble::Error::Timeout
//! [`blocking::Client`]: crate::pebble::blocking::Client
//! [`ClientBuilder::timeout`]: crate::pebble::ClientBuilder::timeout
//! [`ClientBuilder::wait_timeout`]: crate::pebble::ClientBuilder::wait_timeout
//! [`ClientBuilder::exec_timeout`]: crate::pebble::ClientBuilder::exec_timeout

mod api;
pub mod blocking;
mod client;
pub mod duration;
mod error;
mod exec;
mod files;
mod layer;
mod limits;
mod options;
mod timestamp;
mod types;

pub(crate) use api::Unreachable;
pub use api::{ExecResult, PebbleApi};
pub(crate) use client::container_socket_in;
pub use client::{Client, ClientBuilder, LogStream, ServiceOperation, container_socket};
pub use error::{ApiError, BoxError, ChangeError, Error, ErrorKind, ExecError, PathError};
pub use exec::{Exec, ExecOutput, ExecProcess};
pub use files::PushSource;
pub use layer::{
    Check, Environment, ExecCheck, HttpCheck, Layer, LayerError, LogTarget, LogTargetType,
    MAX_YAML_WORK, Override, Plan, Service, ServiceAction, TcpCheck,
};
pub use limits::{DEFAULT_BODY_LIMIT, DEFAULT_CAPTURE_LIMIT, Limit};
pub use options::{
    AddLayerOptions, ListFilesOptions, LogCount, LogsQuery, MakeDirOptions, NoticesQuery,
    NotifyOptions, Ownership, PushOptions,
};
pub use timestamp::{Timestamp, TimestampError};
pub use types::{
    BasicIdentity, CertIdentity, Change, ChangeId, ChangeKind, ChangeSelect, ChangeStatus,
    CheckInfo, CheckLevel, CheckRefresh, CheckStartup, CheckStatus, FileInfo, FileType, Identity,
    IdentityAccess, LocalIdentity, LogEntry, Notice, NoticeId, NoticeType, NoticesUsers,
    ServiceInfo, ServiceStartup, ServiceStatus, SystemInfo, Task, TaskProgress,
};
