//! What Pebble reports: changes, services, checks, notices, files, identities
//! and logs, typed as Pebble's JSON has them.
//!
//! The same types serve the client, which reads them, and in-memory fakes,
//! which write them: each is `Serialize` and `Deserialize` with Pebble's field
//! names.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::duration;
use super::timestamp::Timestamp;

/// Declares a string-valued enum with a catch-all `Unknown` variant, so a value
/// added by a newer Pebble is kept rather than failing the whole response.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )*
            /// A value this version of the client does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// The value as Pebble spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )*
                    Self::Unknown(text) => text,
                }
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $( $text => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::pebble::types::from_str_with(deserializer, |text| Ok(Self::from(text)))
            }
        }
    };
}
pub(crate) use string_enum;

/// Deserializes a string and gives it to `parse`, without copying it where
/// the input allows (serde's `Cow<str>` always copies); an error from `parse`
/// becomes a custom error.
pub(crate) fn from_str_with<'de, D, T>(
    deserializer: D,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct StrVisitor<F>(F);

    impl<T, F: FnOnce(&str) -> Result<T, String>> serde::de::Visitor<'_> for StrVisitor<F> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            (self.0)(text).map_err(E::custom)
        }
    }

    deserializer.deserialize_str(StrVisitor(parse))
}

/// `None` for a missing, null or empty string, which is how Pebble writes
/// "unset" for its enum fields.
pub(crate) fn non_empty<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    let text = Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    Ok(text.filter(|t| !t.is_empty()).map(|t| T::from(&*t)))
}

/// Declares a newtype for one of Pebble's decimal-string identifiers.
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier as Pebble wrote it.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as Pebble wrote it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }
    };
}

id_type! {
    /// The ID of a change (a decimal string such as `"42"`).
    ChangeId
}

id_type! {
    /// The ID of a notice (a decimal string; notices and changes are numbered
    /// separately).
    NoticeId
}

/// `GET /v1/system-info`: what the daemon says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SystemInfo {
    /// A random ID that changes each time the machine boots.
    pub boot_id: String,
    /// Pebble's version, such as `v1.32.1`.
    pub version: String,
    /// The address of the plain HTTP listener, if the daemon runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_address: Option<String>,
    /// The address of the HTTPS listener, if the daemon runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_address: Option<String>,
}

string_enum! {
    /// Where a change or task is in its life (`status` in Pebble's JSON).
    pub enum ChangeStatus {
        /// `Default`: no status yet.
        Default = "Default",
        /// `Do`: waiting to run.
        Do = "Do",
        /// `Doing`: running.
        Doing = "Doing",
        /// `Done`: finished successfully.
        Done = "Done",
        /// `Wait`: waiting for something outside Pebble.
        Wait = "Wait",
        /// `Abort`: aborted, not yet undone.
        Abort = "Abort",
        /// `Undo`: waiting to be undone.
        Undo = "Undo",
        /// `Undoing`: being undone.
        Undoing = "Undoing",
        /// `Undone`: undone after a failure or abort.
        Undone = "Undone",
        /// `Hold`: will not run because another task failed.
        Hold = "Hold",
        /// `Error`: failed.
        Error = "Error",
    }
}

impl ChangeStatus {
    /// Whether a change in this status is finished: Done, Error, Hold or Undone.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Done | Self::Error | Self::Hold | Self::Undone)
    }
}

string_enum! {
    /// What a change does (`kind`).
    pub enum ChangeKind {
        /// Starting services.
        Start = "start",
        /// Stopping services.
        Stop = "stop",
        /// Restarting services.
        Restart = "restart",
        /// Bringing services in line with the plan.
        Replan = "replan",
        /// Starting the services marked `startup: enabled`.
        Autostart = "autostart",
        /// Running a command.
        Exec = "exec",
        /// Running a health check while it passes.
        PerformCheck = "perform-check",
        /// Running a health check that failed until it recovers.
        RecoverCheck = "recover-check",
    }
}

/// A change: one operation Pebble performs asynchronously, made of tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Change {
    /// The change's ID.
    pub id: ChangeId,
    /// What the change does.
    pub kind: ChangeKind,
    /// A line for humans, such as `Start service "web"`.
    pub summary: String,
    /// Where the change is.
    pub status: ChangeStatus,
    /// The tasks the change is made of.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Whether the change is finished.
    pub ready: bool,
    /// Why the change failed; it starts with "cannot perform the following tasks:".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<String>,
    /// When the change was created.
    pub spawn_time: Timestamp,
    /// When the change finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_time: Option<Timestamp>,
    /// Data attached to the change.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub data: Map<String, Value>,
}

impl Change {
    /// The change, or [`Error::Change`](super::Error::Change) if it failed.
    pub fn into_result(self) -> Result<Self, super::Error> {
        match &self.err {
            Some(_) => Err(super::Error::Change(Box::new(super::ChangeError::new(
                self,
            )))),
            None => Ok(self),
        }
    }

    /// The log lines of all the change's tasks, in task order.
    pub fn task_logs(&self) -> impl Iterator<Item = &str> {
        self.tasks
            .iter()
            .flat_map(|task| task.log.iter().map(String::as_str))
    }
}

/// One step of a [`Change`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Task {
    /// The task's ID.
    pub id: String,
    /// What the task does, such as `start`, `stop` or `exec`.
    pub kind: String,
    /// A line for humans.
    pub summary: String,
    /// Where the task is.
    pub status: ChangeStatus,
    /// What the task logged, one entry per line, each starting with a timestamp
    /// and a level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log: Vec<String>,
    /// How far the task has got.
    #[serde(default)]
    pub progress: TaskProgress,
    /// When the task was created.
    pub spawn_time: Timestamp,
    /// When the task finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_time: Option<Timestamp>,
    /// Data attached to the task; an exec task keeps its `exit-code` here.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub data: Map<String, Value>,
}

/// How far a [`Task`] has got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskProgress {
    /// What is being counted.
    #[serde(default)]
    pub label: String,
    /// Units done.
    #[serde(default)]
    pub done: u64,
    /// Units in all.
    #[serde(default)]
    pub total: u64,
}

/// Which changes [`Client::changes`](super::Client::changes) lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ChangeSelect {
    /// Changes not yet finished (Pebble's default).
    #[default]
    InProgress,
    /// Finished changes.
    Ready,
    /// All changes.
    All,
}

impl ChangeSelect {
    /// The value of the `select` query parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in-progress",
            Self::Ready => "ready",
            Self::All => "all",
        }
    }
}

string_enum! {
    /// Whether a service starts on `autostart` and `replan` (`startup`).
    pub enum ServiceStartup {
        /// `enabled`: started by `autostart` and `replan`.
        Enabled = "enabled",
        /// `disabled`: started only when asked by name (Pebble reports an unset
        /// startup as disabled).
        Disabled = "disabled",
    }
}

string_enum! {
    /// What a service is doing now (`current`).
    pub enum ServiceStatus {
        /// `active`: running.
        Active = "active",
        /// `inactive`: stopped, or never started.
        Inactive = "inactive",
        /// `backoff`: exited and waiting to be restarted.
        Backoff = "backoff",
        /// `error`: exited and will not be restarted.
        Error = "error",
    }
}

/// `GET /v1/services`: one service and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ServiceInfo {
    /// The service's name.
    pub name: String,
    /// Whether it starts on `autostart` and `replan`.
    pub startup: ServiceStartup,
    /// What it is doing now.
    pub current: ServiceStatus,
    /// Since when it has been doing that.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_since: Option<Timestamp>,
}

impl ServiceInfo {
    /// Whether the service is running.
    pub fn is_running(&self) -> bool {
        self.current == ServiceStatus::Active
    }
}

string_enum! {
    /// Which health endpoint level a check counts towards (`level`).
    pub enum CheckLevel {
        /// `alive`: failing means the workload should be restarted.
        Alive = "alive",
        /// `ready`: failing means the workload cannot take traffic.
        Ready = "ready",
    }
}

string_enum! {
    /// Whether a check runs when the plan starts (`startup`, Pebble 1.19+).
    pub enum CheckStartup {
        /// `enabled`: runs by default.
        Enabled = "enabled",
        /// `disabled`: runs only when started.
        Disabled = "disabled",
    }
}

string_enum! {
    /// A check's health (`status`).
    pub enum CheckStatus {
        /// `up`: passing, or failing fewer times in a row than its threshold.
        Up = "up",
        /// `down`: failed at least its threshold times in a row.
        Down = "down",
        /// `inactive`: not running.
        Inactive = "inactive",
    }
}

fn check_startup_default() -> CheckStartup {
    CheckStartup::Enabled
}

/// `GET /v1/checks`: one health check and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckInfo {
    /// The check's name.
    pub name: String,
    /// Its level, if it has one.
    #[serde(
        default,
        deserialize_with = "non_empty",
        skip_serializing_if = "Option::is_none"
    )]
    pub level: Option<CheckLevel>,
    /// Whether it runs by default (Pebble before 1.19 reports none: enabled).
    #[serde(default = "check_startup_default")]
    pub startup: CheckStartup,
    /// Its health.
    pub status: CheckStatus,
    /// Successes in a row (Pebble 1.23+).
    #[serde(default)]
    pub successes: u64,
    /// Failures in a row.
    #[serde(default)]
    pub failures: u64,
    /// Failures in a row after which the check is down.
    #[serde(default)]
    pub threshold: u32,
    /// The check's current `perform-check` or `recover-check` change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<ChangeId>,
    /// The check's previous change (Pebble 1.29+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_change_id: Option<ChangeId>,
}

/// `POST /v1/checks/refresh`: a check run on demand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRefresh {
    /// The check's state after the run.
    pub info: CheckInfo,
    /// Why the run failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

string_enum! {
    /// What a notice is about (`type`).
    pub enum NoticeType {
        /// `custom`: recorded by a client with [`Client::notify`](super::Client::notify).
        Custom = "custom",
        /// `change-update`: a change was created or changed status; the key is
        /// the change ID.
        ChangeUpdate = "change-update",
        /// `warning`: a warning from the daemon; the key is the message.
        Warning = "warning",
    }
}

/// Whose notices [`Client::notices`](super::Client::notices) lists (admin only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticesUsers {
    /// Every user's notices (`users=all`).
    All,
}

/// A notice: something that happened, recorded once per (user, type, key) and
/// counted each time it recurs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Notice {
    /// The notice's ID.
    pub id: NoticeId,
    /// The user the notice belongs to; `None` for a public notice.
    #[serde(default)]
    pub user_id: Option<u32>,
    /// What the notice is about.
    #[serde(rename = "type")]
    pub notice_type: NoticeType,
    /// What it is about, within its type (`example.com/path` for custom notices).
    pub key: String,
    /// When it first happened.
    pub first_occurred: Timestamp,
    /// When it last happened.
    pub last_occurred: Timestamp,
    /// When it last happened outside its `repeat-after` window.
    pub last_repeated: Timestamp,
    /// How many times it happened.
    pub occurrences: u64,
    /// The data of its last occurrence.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub last_data: BTreeMap<String, String>,
    /// How long a recurrence within this window does not count as repeated.
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub repeat_after: Option<Duration>,
    /// How long after its last occurrence the notice is dropped.
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_after: Option<Duration>,
}

string_enum! {
    /// The kind of a file system entry (`type`).
    pub enum FileType {
        /// A regular file.
        File = "file",
        /// A directory.
        Directory = "directory",
        /// A symbolic link.
        Symlink = "symlink",
        /// A Unix socket.
        Socket = "socket",
        /// A named pipe.
        NamedPipe = "named-pipe",
        /// A device.
        Device = "device",
    }
}

/// `GET /v1/files?action=list`: one file system entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FileInfo {
    /// Its absolute path.
    pub path: String,
    /// Its base name.
    pub name: String,
    /// What kind of entry it is.
    #[serde(rename = "type")]
    pub file_type: FileType,
    /// Its size in bytes (regular files only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Its permission bits, such as `0o644`.
    #[serde(with = "octal")]
    pub permissions: u32,
    /// When it was last modified.
    pub last_modified: Timestamp,
    /// The owner's user ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// The owner's user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The owning group's ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// The owning group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl FileInfo {
    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Directory
    }
}

/// Permission bits as Pebble writes them: an octal string such as `"644"`.
pub(crate) mod octal {
    use serde::{Deserializer, Serializer};

    /// The permission bits as Pebble's three-digit octal string.
    pub(crate) fn to_string(mode: u32) -> String {
        format!("{mode:03o}")
    }

    pub(crate) fn serialize<S: Serializer>(mode: &u32, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&to_string(*mode))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
        super::from_str_with(deserializer, |text| {
            u32::from_str_radix(text, 8).map_err(|_| format!("invalid octal permissions `{text}`"))
        })
    }
}

string_enum! {
    /// What an identity may do (`access`).
    pub enum IdentityAccess {
        /// `admin`: everything.
        Admin = "admin",
        /// `read`: read-only endpoints.
        Read = "read",
        /// `metrics`: the metrics endpoint only.
        Metrics = "metrics",
        /// `untrusted`: the open endpoints only.
        Untrusted = "untrusted",
    }
}

/// A named identity that Pebble grants access to (Pebble 1.15+).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// What the identity may do.
    pub access: IdentityAccess,
    /// Recognised by the Unix user ID of the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalIdentity>,
    /// Recognised by HTTP basic authentication (Pebble 1.19+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basic: Option<BasicIdentity>,
    /// Recognised by a TLS client certificate (Pebble 1.25+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<CertIdentity>,
}

impl Identity {
    /// An identity for the local Unix user `user_id`.
    pub fn local(access: IdentityAccess, user_id: u32) -> Self {
        Self {
            access,
            local: Some(LocalIdentity { user_id }),
            basic: None,
            cert: None,
        }
    }

    /// An identity that authenticates with HTTP basic authentication; `password`
    /// is a sha512-crypt hash (`openssl passwd -6`).
    pub fn basic(access: IdentityAccess, password: impl Into<String>) -> Self {
        Self {
            access,
            local: None,
            basic: Some(BasicIdentity {
                password: password.into(),
            }),
            cert: None,
        }
    }
}

/// An identity recognised by its Unix user ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LocalIdentity {
    /// The caller's user ID.
    pub user_id: u32,
}

/// An identity recognised by HTTP basic authentication. Its `Debug` output
/// hides the password hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicIdentity {
    /// The password's sha512-crypt hash; Pebble reports it as `*****`.
    pub password: String,
}

impl fmt::Debug for BasicIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicIdentity")
            .field("password", &"<redacted>")
            .finish()
    }
}

/// An identity recognised by a TLS client certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertIdentity {
    /// The certificate, PEM-encoded; Pebble reports it as `*****`.
    pub pem: String,
}

/// `GET /v1/logs`: one line a service wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When the line was written.
    pub time: Timestamp,
    /// The service that wrote it.
    pub service: String,
    /// The line, without its trailing newline.
    pub message: String,
}

/// Writes a map with its values hidden, for `Debug` output of environments.
pub(crate) struct RedactedMap<'a>(pub(crate) &'a BTreeMap<String, String>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|key| (key, Redacted)))
            .finish()
    }
}

/// `<redacted>` in `Debug` output.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_enum_values_are_kept() {
        let status: ServiceStatus = serde_json::from_str(r#""paused""#).unwrap();
        assert_eq!(status, ServiceStatus::Unknown("paused".into()));
        assert_eq!(serde_json::to_string(&status).unwrap(), r#""paused""#);
        assert_eq!(ServiceStatus::from("backoff"), ServiceStatus::Backoff);
    }

    #[test]
    fn basic_identity_debug_hides_the_password() {
        let identity = Identity::basic(IdentityAccess::Read, "$6$salt$hash");
        let debug = format!("{identity:?}");
        assert!(!debug.contains("hash"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }

    #[test]
    fn check_info_tolerates_old_and_new_fields() {
        let old: CheckInfo =
            serde_json::from_str(r#"{"name":"c","level":"","status":"up","threshold":3}"#).unwrap();
        assert_eq!(old.level, None);
        assert_eq!(old.startup, CheckStartup::Enabled);
        assert_eq!(old.failures, 0);
    }

    #[test]
    fn file_permissions_are_octal_strings() {
        let info: FileInfo = serde_json::from_str(
            r#"{"path":"/a","name":"a","type":"file","size":3,"permissions":"644",
                "last-modified":"2026-01-01T00:00:00Z","user-id":0,"user":"root","group-id":0,"group":"root"}"#,
        )
        .unwrap();
        assert_eq!(info.permissions, 0o644);
        assert!(
            serde_json::to_string(&info)
                .unwrap()
                .contains(r#""permissions":"644""#)
        );
    }
}
