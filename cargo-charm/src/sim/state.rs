//! The simulated model: what Juju knows about the unit, kept in one JSON file that
//! `sim` and the hook tools it runs read and write in turn.
//!
//! The file, and so the final `--json` output, holds secret contents in clear: they are
//! the user's own test data. Nothing else `sim` prints shows them.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::commands::Machine;

/// A relation databag.
pub(crate) type Databag = BTreeMap<String, String>;

/// The unit's address on the simulated network (`unit-get`, `network-get`, and the
/// addresses in its relation databags).
pub(crate) const UNIT_ADDRESS: &str = "10.0.0.10";

/// The simulated network's subnet.
pub(crate) const SUBNET: &str = "10.0.0.0/24";

/// A workload status, as `status-get` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Status {
    /// `maintenance`, `blocked`, `waiting`, `active`, `unknown`, ...
    pub(crate) status: String,
    /// The message, possibly empty.
    pub(crate) message: String,
}

impl Status {
    pub(crate) fn new(status: &str, message: &str) -> Self {
        Self {
            status: status.to_owned(),
            message: message.to_owned(),
        }
    }

    /// `active`, or `blocked: message`.
    pub(crate) fn describe(&self) -> String {
        if self.message.is_empty() {
            self.status.clone()
        } else {
            format!("{}: {}", self.status, self.message)
        }
    }
}

/// A relation of the unit's application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Relation {
    /// The relation id (`endpoint:id` is the reference).
    pub(crate) id: u64,
    /// The local endpoint.
    pub(crate) endpoint: String,
    /// The remote application (the unit's own for a peer relation).
    pub(crate) remote_app: String,
    /// The remote units and their databags.
    pub(crate) remote_units: BTreeMap<String, Databag>,
    /// The remote application's databag.
    pub(crate) remote_app_data: Databag,
    /// This unit's databag.
    pub(crate) local_unit_data: Databag,
    /// This application's databag.
    pub(crate) local_app_data: Databag,
}

impl Relation {
    /// `endpoint:id`.
    pub(crate) fn reference(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }
}

/// One run of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ActionRun {
    /// The action's name.
    pub(crate) name: String,
    /// Its id (`JUJU_ACTION_UUID`).
    pub(crate) id: String,
    /// The parameters, defaults filled in.
    pub(crate) params: Value,
    /// What `action-set` set, nested at the dots of the keys.
    pub(crate) results: Map<String, Value>,
    /// What `action-log` logged.
    pub(crate) log: Vec<String>,
    /// `running`, `completed` or `failed`.
    pub(crate) status: String,
    /// The `action-fail` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
}

/// A `juju-log` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LogLine {
    /// The event being handled (`install`, `describe-action`, ...).
    pub(crate) event: String,
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, ...
    pub(crate) level: String,
    /// The message.
    pub(crate) message: String,
}

/// What kind of program a recorded call ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum CallKind {
    /// A hook tool (`config-get`, `status-set`, ...).
    HookTool,
    /// A workload command (`apt-get`, `systemctl`, ...).
    Command,
}

/// Who answered a workload command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Via {
    /// `sim`'s built-in fake.
    Fake,
    /// The scenario's scripted answer.
    Script,
    /// The machine's own command.
    Host,
}

/// One hook-tool or workload-command call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Call {
    /// The event it ran in (`install`, `describe-action`, ...).
    pub(crate) event: String,
    /// A hook tool or a workload command.
    pub(crate) kind: CallKind,
    /// The program's name and arguments, secret values redacted (see `sim::redact`).
    pub(crate) argv: Vec<String>,
    /// Its exit code.
    pub(crate) exit_code: i32,
    /// For a workload command, who answered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) via: Option<Via>,
}

/// What happened in one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventRecord {
    /// The event (`install`, `db-relation-joined`, `describe-action`).
    pub(crate) event: String,
    /// The charm's exit code (-1 when killed by a signal).
    pub(crate) exit_code: i32,
    /// Wall time, in milliseconds.
    pub(crate) duration_ms: f64,
    /// The unit's status afterwards.
    pub(crate) unit_status: Status,
    /// The application's status afterwards.
    pub(crate) app_status: Status,
    /// How many hook tools the charm ran.
    pub(crate) hook_tool_calls: u64,
}

/// The whole simulated model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Model {
    /// `JUJU_MODEL_NAME`.
    pub(crate) model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub(crate) model_uuid: String,
    /// The unit, `app/0`.
    pub(crate) unit: String,
    /// The application.
    pub(crate) app: String,
    /// Whether the unit is the leader.
    pub(crate) leader: bool,
    /// The config: every option that is set or has a default.
    pub(crate) config: Map<String, Value>,
    /// The unit's status.
    pub(crate) unit_status: Status,
    /// The application's status.
    pub(crate) app_status: Status,
    /// What `application-version-set` set.
    pub(crate) workload_version: String,
    /// The relations.
    pub(crate) relations: Vec<Relation>,
    /// The id the next relation gets.
    pub(crate) next_relation_id: u64,
    /// The unit's open ports: `80/tcp`, `8000-8999/udp`, `icmp`.
    pub(crate) opened_ports: Vec<String>,
    /// What `state-set` stored.
    pub(crate) controller_state: BTreeMap<String, String>,
    /// The action running now, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) running_action: Option<ActionRun>,
    /// Finished actions, in order.
    pub(crate) actions: Vec<ActionRun>,
    /// Every `juju-log` line.
    pub(crate) log: Vec<LogLine>,
    /// Hook-tool calls so far, over all events.
    pub(crate) hook_tool_calls: u64,
    /// The events run so far.
    pub(crate) history: Vec<EventRecord>,
    /// Every hook-tool and workload-command call so far, in order, with secret values
    /// redacted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) calls: Vec<Call>,
    /// The machine the workload commands' fakes act on: packages, services, snaps,
    /// users and groups.
    #[serde(default, skip_serializing_if = "Machine::is_empty")]
    pub(crate) machine: Machine,
    /// The secrets this unit owns (or its application owns) and the ones it observes.
    /// Their content is in clear: see the module docs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) secrets: Vec<Secret>,
    /// How many secret ids were made (ids derive from it, so runs are repeatable).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) secrets_made: u64,
    /// The network bindings: the relation endpoints and `extra-bindings`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) bindings: Vec<String>,
    /// The storage the charm declares, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) charm_storage: BTreeMap<String, StorageSpec>,
    /// The storage instances attached to the unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) storage: Vec<StorageInstance>,
    /// Instances `storage-add` asked for and Juju has not attached yet, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) storage_requested: BTreeMap<String, u32>,
    /// Whether the application is trusted (`juju trust`), which `credential-get` needs.
    #[serde(default, skip_serializing_if = "is_false")]
    pub(crate) trusted: bool,
    /// What `juju-reboot` asked for: `after-hook` or `now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reboot: Option<String>,
    /// The deprecated leader settings (`leader-set`, `leader-get`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) leader_settings: Databag,
    /// What `add-metric` recorded in `collect-metrics`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) metrics: Vec<Metric>,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// A secret: owned by this unit, by its application, or by another application
/// that granted it to this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Secret {
    /// The unique id: 20 lowercase base32hex characters; the URI is `secret:<id>`.
    pub(crate) id: String,
    /// The owner: this unit (`app/0`), this application (`app`), or another application.
    pub(crate) owner: String,
    /// The owner's label when this charm owns it, else this unit's label for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) label: Option<String>,
    /// The description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// When the latest revision expires (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expire: Option<String>,
    /// The rotation policy (`never`, `hourly`, ... `yearly`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rotate: Option<String>,
    /// When it next rotates (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rotates: Option<String>,
    /// The revisions not removed yet, and their content (in clear).
    pub(crate) revisions: BTreeMap<u64, Databag>,
    /// The highest revision number given so far (numbers are never reused).
    pub(crate) last_revision: u64,
    /// The revision this unit tracks as an observer, once it read the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) tracked: Option<u64>,
    /// Who it is granted to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) grants: Vec<SecretGrant>,
}

impl Secret {
    /// A secret `id` of `owner` with no revision, label or grant yet.
    pub(crate) fn new(id: String, owner: String) -> Self {
        Self {
            id,
            owner,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            rotates: None,
            revisions: std::collections::BTreeMap::new(),
            last_revision: 0,
            tracked: None,
            grants: Vec::new(),
        }
    }

    /// `secret:<id>`.
    pub(crate) fn uri(&self) -> String {
        format!("secret:{}", self.id)
    }

    /// The latest revision that still exists.
    pub(crate) fn latest(&self) -> u64 {
        self.revisions.keys().next_back().copied().unwrap_or(0)
    }

    /// Adds `content` as a new revision and returns its number.
    pub(crate) fn add_revision(&mut self, content: Databag) -> u64 {
        self.last_revision += 1;
        self.revisions.insert(self.last_revision, content);
        self.last_revision
    }
}

/// Access to a secret, given with `secret-grant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SecretGrant {
    /// The relation it goes with (`endpoint:id`).
    pub(crate) relation: String,
    /// The application on the other side.
    pub(crate) app: String,
    /// One unit of it, or all of its units when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) unit: Option<String>,
}

/// A storage the charm declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StorageSpec {
    /// `filesystem` or `block`.
    pub(crate) kind: String,
    /// How many instances the unit may have, when limited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max: Option<u32>,
    /// The index the next instance gets (indexes are never reused).
    pub(crate) next_index: u32,
}

/// A storage instance attached to the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StorageInstance {
    /// `name/N`.
    pub(crate) id: String,
    /// `filesystem` or `block`.
    pub(crate) kind: String,
    /// Where it is (a directory under the simulation's root).
    pub(crate) location: PathBuf,
    /// Whether its `storage-attached` event ran.
    #[serde(default)]
    pub(crate) attached_event_run: bool,
}

impl StorageInstance {
    /// The storage name: `data` for `data/0`.
    pub(crate) fn name(&self) -> &str {
        self.id
            .split_once('/')
            .map_or(self.id.as_str(), |(name, _)| name)
    }
}

/// A metric `add-metric` recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Metric {
    /// The metric's key.
    pub(crate) key: String,
    /// Its value, as given.
    pub(crate) value: String,
    /// Its labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) labels: BTreeMap<String, String>,
}

impl Model {
    /// A new unit `app/0` of `app`.
    pub(crate) fn new(app: &str, leader: bool) -> Self {
        Self {
            model_name: "sim".into(),
            model_uuid: "5a1b2c3d-0000-4000-8000-000000000517".into(),
            unit: format!("{app}/0"),
            app: app.to_owned(),
            leader,
            config: Map::new(),
            unit_status: Status::new("maintenance", "installing charm software"),
            app_status: Status::new("unknown", ""),
            workload_version: String::new(),
            relations: Vec::new(),
            next_relation_id: 0,
            opened_ports: Vec::new(),
            controller_state: BTreeMap::new(),
            running_action: None,
            actions: Vec::new(),
            log: Vec::new(),
            hook_tool_calls: 0,
            history: Vec::new(),
            calls: Vec::new(),
            machine: Machine::default(),
            secrets: Vec::new(),
            secrets_made: 0,
            bindings: Vec::new(),
            charm_storage: BTreeMap::new(),
            storage: Vec::new(),
            storage_requested: BTreeMap::new(),
            trusted: false,
            reboot: None,
            leader_settings: Databag::new(),
            metrics: Vec::new(),
        }
    }

    /// A new secret id, like Juju's (an `xid`: 12 bytes in lowercase base32hex, 20
    /// characters), derived from a counter so that every run makes the same ids.
    pub(crate) fn new_secret_id(&mut self) -> String {
        self.secrets_made += 1;
        let count = self.secrets_made.to_be_bytes();
        // A fixed "time, machine, process" prefix, then a 3-byte counter, as in an xid.
        let mut bytes = [0x66, 0x50, 0x53, 0x1c, b's', b'i', b'm', 0, 0, 0, 0, 0];
        bytes[9..].copy_from_slice(&count[5..]);
        base32hex(&bytes)
    }

    /// The id the next instance of storage `name` gets: `name/N`.
    pub(crate) fn next_storage_id(&self, name: &str) -> String {
        let index = self
            .charm_storage
            .get(name)
            .map_or(0, |spec| spec.next_index);
        format!("{name}/{index}")
    }

    /// Attaches the next instance of storage `name` (see [`Self::next_storage_id`]),
    /// found at `location`, and returns its id. The `storage-attached` event is the
    /// caller's to run. A storage the charm does not declare is taken as a filesystem.
    pub(crate) fn attach_storage(&mut self, name: &str, location: PathBuf) -> String {
        let id = self.next_storage_id(name);
        let spec = self
            .charm_storage
            .entry(name.to_owned())
            .or_insert_with(|| StorageSpec {
                kind: "filesystem".into(),
                max: None,
                next_index: 0,
            });
        spec.next_index += 1;
        let kind = spec.kind.clone();
        if let Some(requested) = self.storage_requested.get_mut(name) {
            *requested = requested.saturating_sub(1);
            if *requested == 0 {
                self.storage_requested.remove(name);
            }
        }
        self.storage.push(StorageInstance {
            id: id.clone(),
            kind,
            location,
            attached_event_run: false,
        });
        id
    }

    /// Adds a relation on `endpoint` with `remote_app` and returns its index.
    pub(crate) fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> usize {
        let id = self.next_relation_id;
        self.next_relation_id += 1;
        let address = UNIT_ADDRESS;
        let local_unit_data = Databag::from([
            ("egress-subnets".to_owned(), format!("{address}/32")),
            ("ingress-address".to_owned(), address.to_owned()),
            ("private-address".to_owned(), address.to_owned()),
        ]);
        self.relations.push(Relation {
            id,
            endpoint: endpoint.to_owned(),
            remote_app: remote_app.to_owned(),
            remote_units: BTreeMap::new(),
            remote_app_data: Databag::new(),
            local_unit_data,
            local_app_data: Databag::new(),
        });
        self.relations.len() - 1
    }

    /// The secret `reference` names: an id (`secret:ID`, `secret://MODEL/ID` or `ID`)
    /// or, failing that, a label.
    pub(crate) fn find_secret(&self, reference: &str) -> Option<usize> {
        let id = secret_id(reference);
        id.and_then(|id| self.secrets.iter().position(|secret| secret.id == id))
            .or_else(|| {
                self.secrets
                    .iter()
                    .position(|secret| secret.label.as_deref() == Some(reference))
            })
    }

    /// Reads the model from `path`.
    pub(crate) fn load(path: &Path) -> io::Result<Self> {
        let text = fs::read_to_string(path)?;
        serde_json::from_str(&text)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Writes the model to `path`, atomically.
    pub(crate) fn save(&self, path: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".new");
        fs::write(&temporary, text)?;
        fs::rename(&temporary, path)
    }
}

/// The unique id in a secret URI: `secret:ID`, `secret://MODEL-UUID/ID` or a bare `ID`,
/// where `ID` is 20 lowercase base32hex characters.
pub(crate) fn secret_id(uri: &str) -> Option<&str> {
    let id = match uri.strip_prefix("secret:") {
        Some(rest) => match rest.strip_prefix("//") {
            Some(path) => path.split_once('/').map(|(_, id)| id)?,
            None => rest,
        },
        None => uri,
    };
    let valid = id.len() == 20
        && id
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'v').contains(&byte));
    valid.then_some(id)
}

/// `bytes` in lowercase base32hex without padding.
fn base32hex(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut text = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            text.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        text.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_look_like_jujus_and_repeat() {
        let mut model = Model::new("demo", true);
        let first = model.new_secret_id();
        let second = model.new_secret_id();
        assert_ne!(first, second);
        assert_eq!(first.len(), 20);
        assert_eq!(secret_id(&format!("secret:{first}")), Some(first.as_str()));
        assert_eq!(
            secret_id(&format!("secret://5a1b2c3d-0000/{first}")),
            Some(first.as_str())
        );
        assert_eq!(secret_id(&first), Some(first.as_str()));
        assert_eq!(secret_id("secret:nope"), None);
        assert_eq!(Model::new("demo", true).new_secret_id(), first);
        assert_eq!(base32hex(&[0; 12]), "00000000000000000000");
        assert_eq!(base32hex(&[0xff; 12]), "vvvvvvvvvvvvvvvvvvvg");
    }

    #[test]
    fn storage_indexes_are_not_reused() {
        let mut model = Model::new("demo", true);
        assert_eq!(model.attach_storage("data", PathBuf::from("/a")), "data/0");
        model.storage.clear();
        assert_eq!(model.next_storage_id("data"), "data/1");
        assert_eq!(model.attach_storage("data", PathBuf::from("/b")), "data/1");
        assert_eq!(model.storage[0].name(), "data");
    }
}
