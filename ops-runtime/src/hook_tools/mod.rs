//! The hook tools: how a charm talks to Juju.
//!
//! [`HookTools`] has one method per hook tool with typed inputs and outputs. The
//! charm runs against [`ProcessHookTools`], which executes the real tools found on
//! `PATH`; the testing harness runs the same code against an in-memory
//! implementation. Everything above this trait (the [`HookContext`](crate::HookContext),
//! dispatch, logging) is shared by both.

use std::collections::BTreeMap;
use std::fmt;

use crate::event::RelationRef;
use crate::model::{AddressKind, CloudSpec, GoalState, Network, Port, StorageInfo};
use crate::secret::{
    Revision, SecretContent, SecretInfo, SecretLookup, SecretOptions, SecretOwner,
};
use crate::status::{Status, StatusInfo};

mod process;
pub mod time;

pub use process::{MAX_TOOL_OUTPUT, ProcessHookTools};

/// The name of every hook tool [`HookTools`] wraps, in the trait's order: the
/// executables [`ProcessHookTools`] runs, which a fake Juju (the process tests,
/// `cargo charm sim`) must put on `PATH`.
pub const TOOL_NAMES: &[&str] = &[
    "juju-log",
    "status-set",
    "status-get",
    "is-leader",
    "config-get",
    "application-version-set",
    "action-get",
    "action-set",
    "action-log",
    "action-fail",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "relation-model-get",
    "secret-add",
    "secret-get",
    "secret-info-get",
    "secret-set",
    "secret-grant",
    "secret-revoke",
    "secret-remove",
    "secret-ids",
    "storage-list",
    "storage-get",
    "storage-add",
    "resource-get",
    "network-get",
    "open-port",
    "close-port",
    "opened-ports",
    "goal-state",
    "credential-get",
    "juju-reboot",
    "unit-get",
    "state-get",
    "state-set",
    "state-delete",
    "add-metric",
    "pod-spec-set",
];

/// Juju's log levels, as `juju-log --log-level` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "testing", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "testing", serde(rename_all = "UPPERCASE"))]
pub enum LogLevel {
    /// `TRACE`
    Trace,
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARNING`
    Warning,
    /// `ERROR`
    Error,
    /// `CRITICAL`
    Critical,
}

impl LogLevel {
    /// The level's name for `juju-log`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }
}

impl From<log::Level> for LogLevel {
    fn from(level: log::Level) -> Self {
        match level {
            log::Level::Error => LogLevel::Error,
            log::Level::Warn => LogLevel::Warning,
            log::Level::Info => LogLevel::Info,
            log::Level::Debug => LogLevel::Debug,
            log::Level::Trace => LogLevel::Trace,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose status a status call reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusTarget {
    /// This unit.
    Unit,
    /// This application (leader only).
    App,
}

/// The values `config-get` reports: every option that is set or has a default.
pub type ConfigMap = BTreeMap<String, serde_json::Value>;

/// One relation databag: string keys to string values.
pub type Databag = BTreeMap<String, String>;

/// A failed hook-tool call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HookToolError {
    /// The tool could not be started, usually because it is not on `PATH` (the
    /// charm is not running under Juju).
    #[error(
        "cannot run hook tool `{tool}`: {source}; is the charm running under Juju, with the hook tools on `PATH`?"
    )]
    Spawn {
        /// The tool.
        tool: &'static str,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The tool ran and failed.
    #[error("hook tool `{tool}` failed ({}): {}", exit_code.map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit code {c}")), stderr.trim())]
    Failed {
        /// The tool.
        tool: &'static str,
        /// Its exit code, `None` when a signal ended it.
        exit_code: Option<i32>,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The tool succeeded but its output is not what Juju documents.
    #[error("hook tool `{tool}` printed output that cannot be read: {reason}; {output}")]
    BadOutput {
        /// The tool.
        tool: &'static str,
        /// What was wrong with it.
        reason: String,
        /// What it printed, cut to a readable length; for a tool whose output may
        /// hold secrets (`secret-get`, `action-get`, `relation-get`, `config-get`,
        /// `credential-get`, `state-get`), only its size.
        output: String,
    },
    /// The tool printed more than [`MAX_TOOL_OUTPUT`] bytes; it was killed
    /// and nothing it printed was read further.
    #[error(
        "hook tool `{tool}` printed more than {} MiB; it was stopped, and nothing of its output was used",
        limit >> 20
    )]
    OutputTooLarge {
        /// The tool.
        tool: &'static str,
        /// The limit, in bytes.
        limit: usize,
    },
}

impl HookToolError {
    /// The hook tool that failed.
    pub fn tool(&self) -> &'static str {
        match self {
            HookToolError::Spawn { tool, .. }
            | HookToolError::Failed { tool, .. }
            | HookToolError::BadOutput { tool, .. }
            | HookToolError::OutputTooLarge { tool, .. } => tool,
        }
    }
}

/// One method per hook tool, with typed inputs and outputs.
///
/// Methods take `&self`: the backend is shared between the hook context and the
/// `juju-log` logger. Implementations keep any mutable state behind interior
/// mutability.
pub trait HookTools {
    /// `juju-log --log-level LEVEL -- MESSAGE`
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), HookToolError>;
    /// `status-set [--application] STATUS -- MESSAGE`
    fn status_set(&self, target: StatusTarget, status: &Status) -> Result<(), HookToolError>;
    /// `status-get --include-data --format=json --application=BOOL`
    fn status_get(&self, target: StatusTarget) -> Result<StatusInfo, HookToolError>;
    /// `is-leader --format=json`
    fn is_leader(&self) -> Result<bool, HookToolError>;
    /// `config-get --format=json`
    fn config_get(&self) -> Result<ConfigMap, HookToolError>;
    /// `application-version-set -- VERSION`
    fn application_version_set(&self, version: &str) -> Result<(), HookToolError>;
    /// `action-get --format=json`: the action's parameters (nested objects for
    /// dotted names).
    fn action_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, HookToolError>;
    /// `action-set KEY=VALUE ...` with already flattened, validated keys.
    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), HookToolError>;
    /// `action-log -- MESSAGE`
    fn action_log(&self, message: &str) -> Result<(), HookToolError>;
    /// `action-fail -- MESSAGE`
    fn action_fail(&self, message: &str) -> Result<(), HookToolError>;

    /// `relation-ids ENDPOINT --format=json`: the ids of the endpoint's relations.
    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, HookToolError>;
    /// `relation-list --format=json -r ENDPOINT:ID`: the remote units.
    fn relation_list(&self, relation: &RelationRef) -> Result<Vec<String>, HookToolError>;
    /// `relation-list --format=json --app -r ENDPOINT:ID`: the remote application.
    fn relation_remote_app(&self, relation: &RelationRef) -> Result<Option<String>, HookToolError>;
    /// `relation-get --format=json -r ENDPOINT:ID [--app] - MEMBER`: a unit's or an
    /// application's databag.
    fn relation_get(
        &self,
        relation: &RelationRef,
        member: &str,
        app: bool,
    ) -> Result<Databag, HookToolError>;
    /// `relation-set -r ENDPOINT:ID [--app] --file -` with the changed keys as JSON
    /// on stdin (an empty value deletes the key).
    fn relation_set(
        &self,
        relation: &RelationRef,
        app: bool,
        changes: &Databag,
    ) -> Result<(), HookToolError>;
    /// `relation-model-get --format=json -r ENDPOINT:ID`: the remote model's UUID.
    fn relation_model_get(&self, relation: &RelationRef) -> Result<String, HookToolError>;

    /// `secret-add [--label L] [--description D] [--expire T] [--rotate P] --owner O
    /// KEY#file=PATH ...`: the new secret's id. Values go through files, never argv.
    fn secret_add(
        &self,
        content: &SecretContent,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, HookToolError>;
    /// `secret-get --format=json [ID] [--label L] [--refresh|--peek]`.
    fn secret_get(
        &self,
        secret: &SecretLookup<'_>,
        revision: Revision,
    ) -> Result<SecretContent, HookToolError>;
    /// `secret-info-get --format=json (ID | --label L)`.
    fn secret_info_get(&self, secret: &SecretLookup<'_>) -> Result<SecretInfo, HookToolError>;
    /// `secret-set ID [options] [KEY#file=PATH ...]`: new content and/or metadata.
    fn secret_set(
        &self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), HookToolError>;
    /// `secret-grant --relation ID [--unit UNIT] SECRET`.
    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError>;
    /// `secret-revoke --relation ID [--unit UNIT] SECRET`.
    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError>;
    /// `secret-remove SECRET [--revision N]`.
    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), HookToolError>;
    /// `secret-ids --format=json`: the secrets this unit or application owns.
    fn secret_ids(&self) -> Result<Vec<String>, HookToolError>;

    /// `storage-list --format=json [NAME]`: storage ids such as `data/0`.
    fn storage_list(&self, name: Option<&str>) -> Result<Vec<String>, HookToolError>;
    /// `storage-get --format=json -s NAME/N`.
    fn storage_get(&self, id: &str) -> Result<StorageInfo, HookToolError>;
    /// `storage-add NAME=COUNT`.
    fn storage_add(&self, name: &str, count: u32) -> Result<(), HookToolError>;
    /// `resource-get NAME`: the resource's local path.
    fn resource_get(&self, name: &str) -> Result<std::path::PathBuf, HookToolError>;
    /// `network-get --format=json [-r ID] BINDING`.
    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<Network, HookToolError>;
    /// `open-port PORT[-TO]/PROTO` or `open-port icmp`.
    fn open_port(&self, port: &Port) -> Result<(), HookToolError>;
    /// `close-port PORT[-TO]/PROTO` or `close-port icmp`.
    fn close_port(&self, port: &Port) -> Result<(), HookToolError>;
    /// `opened-ports --format=json`.
    fn opened_ports(&self) -> Result<Vec<Port>, HookToolError>;
    /// `goal-state --format=json`.
    fn goal_state(&self) -> Result<GoalState, HookToolError>;
    /// `credential-get --format=json`.
    fn credential_get(&self) -> Result<CloudSpec, HookToolError>;
    /// `juju-reboot [--now]`.
    fn juju_reboot(&self, now: bool) -> Result<(), HookToolError>;
    /// `unit-get --format=json private-address|public-address`.
    fn unit_get(&self, kind: AddressKind) -> Result<String, HookToolError>;

    /// `state-get --format=json KEY`: a value in Juju's controller storage, `None`
    /// when unset.
    fn state_get(&self, key: &str) -> Result<Option<String>, HookToolError>;
    /// `state-set --file -` with `{KEY: VALUE}` as JSON on stdin.
    fn state_set(&self, key: &str, value: &str) -> Result<(), HookToolError>;
    /// `state-delete KEY`.
    fn state_delete(&self, key: &str) -> Result<(), HookToolError>;

    /// `add-metric [--labels K=V,...] KEY=VALUE ...` (only in `collect-metrics`).
    fn add_metric(
        &self,
        metrics: &[(String, String)],
        labels: &[(String, String)],
    ) -> Result<(), HookToolError>;
    /// `pod-spec-set --file SPEC [--k8s-resources RESOURCES]` (podspec charms,
    /// deprecated by Juju); the documents are written to temporary files.
    fn pod_spec_set(
        &self,
        spec: &serde_json::Value,
        k8s_resources: Option<&serde_json::Value>,
    ) -> Result<(), HookToolError>;

    /// How to reach the Pebble of workload container `container`. Not a hook
    /// tool, but part of the same environment: Juju mounts the socket at
    /// `/charm/containers/<container>/pebble.socket`, which is the default; a
    /// test backend may point elsewhere, or hand over an in-memory Pebble.
    #[cfg(feature = "pebble")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
    fn pebble(&self, container: &str) -> PebbleConnection {
        PebbleConnection::Socket(crate::pebble::container_socket(container))
    }
}

/// How [`HookTools::pebble`] says to reach a container's Pebble.
#[cfg(feature = "pebble")]
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
#[derive(Clone)]
#[non_exhaustive]
pub enum PebbleConnection {
    /// Connect to the daemon listening on this Unix socket, on the hook
    /// context's runtime.
    Socket(std::path::PathBuf),
    /// Use this implementation of the API.
    Api(std::rc::Rc<dyn crate::pebble::PebbleApi>),
}

#[cfg(feature = "pebble")]
impl fmt::Debug for PebbleConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PebbleConnection::Socket(path) => f.debug_tuple("Socket").field(path).finish(),
            PebbleConnection::Api(_) => f.write_str("Api(..)"),
        }
    }
}
