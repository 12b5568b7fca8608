//! The simulated model, kept in one JSON file that `sim` and the hook tools it runs
//! read and write in turn: the runtime's model of Juju's side
//! ([`JujuModel`], which the testing harness runs on too) and beside it what only
//! `sim` keeps (its event history, the calls, the workload machine, the running
//! action).
//!
//! The file, and so the final `--json` output, holds secret contents in clear: they are
//! the user's own test data. Nothing else `sim` prints shows them.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use ops_runtime::testing::{JujuModel, Relation, Storage};
use ops_runtime::{
    Address, BindAddress, CloudCredential, CloudSpec, Network, SecretOwner, StatusInfo, StatusKind,
};
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

/// The unit's interface on the simulated network.
const INTERFACE: &str = "eth0";

/// The interface's MAC address (an LXD-style one).
const MAC_ADDRESS: &str = "00:16:3e:00:00:0a";

/// The simulated unit's network, the same for every binding: [`UNIT_ADDRESS`] on
/// `eth0`, in [`SUBNET`].
pub(crate) fn sim_network() -> Network {
    Network {
        bind_addresses: vec![BindAddress {
            mac_address: MAC_ADDRESS.to_owned(),
            interface_name: INTERFACE.to_owned(),
            addresses: vec![Address {
                hostname: String::new(),
                value: UNIT_ADDRESS.to_owned(),
                cidr: SUBNET.to_owned(),
            }],
        }],
        ingress_addresses: vec![UNIT_ADDRESS.to_owned()],
        egress_subnets: vec![format!("{UNIT_ADDRESS}/32")],
    }
}

/// The cloud a trusted application's `credential-get` reports: a fake LXD cloud.
pub(crate) fn sim_cloud() -> CloudSpec {
    CloudSpec {
        kind: "lxd".into(),
        name: "localhost".into(),
        region: Some("default".into()),
        endpoint: Some("https://10.0.0.1:8443".into()),
        identity_endpoint: None,
        storage_endpoint: None,
        credential: Some(CloudCredential {
            auth_type: "certificate".into(),
            attrs: BTreeMap::new(),
            redacted: Vec::new(),
        }),
        ca_certificates: Vec::new(),
        skip_tls_verify: false,
        is_controller_cloud: true,
    }
}

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

    /// A status of the runtime's model.
    pub(crate) fn of(info: &StatusInfo) -> Self {
        Self::new(info.kind.as_str(), &info.message)
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

/// `endpoint:id`, as `JUJU_RELATION_ID` and `-r` name a relation.
pub(crate) fn reference(relation: &Relation) -> String {
    format!("{}:{}", relation.endpoint, relation.id)
}

/// One run of an action. While it runs, what its hook tools set is in the runtime's
/// model; it is copied here when it ends.
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
    /// Juju's side of the unit, which the hook tools act on: the unit and its
    /// application, leadership, config, statuses, relations, secrets, storage, ports,
    /// controller state, the network, and what the tools recorded. Its fields sit
    /// beside `sim`'s in the file ([`Self::to_json`]).
    #[serde(skip)]
    pub(crate) juju: JujuModel,
    /// `JUJU_MODEL_NAME`.
    pub(crate) model_name: String,
    /// The id the next relation gets.
    pub(crate) next_relation_id: u64,
    /// The action running now, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) running_action: Option<ActionRun>,
    /// Finished actions, in order.
    pub(crate) actions: Vec<ActionRun>,
    /// Every `juju-log` line, with its event.
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
    /// The index the next instance of each storage gets (indexes are never reused).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) storage_next_index: BTreeMap<String, u32>,
    /// The storage instances (`data/0`) whose `storage-attached` event ran.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(crate) storage_attached: BTreeSet<String>,
    /// The application owning each secret this unit observes, by id, when a scenario
    /// said (the file writes it as the secret's `owner`).
    #[serde(skip)]
    pub(crate) secret_owners: BTreeMap<String, String>,
}

impl Model {
    /// A new unit `app/0` of `app`, on the simulated network, declaring no
    /// binding or storage yet.
    pub(crate) fn new(app: &str, leader: bool) -> Self {
        let mut juju = JujuModel::default();
        juju.unit_name = format!("{app}/0");
        juju.app_name = app.to_owned();
        juju.model_uuid = "5a1b2c3d-0000-4000-8000-000000000517".into();
        juju.leader = leader;
        juju.unit_status = StatusInfo {
            kind: StatusKind::Maintenance,
            message: "installing charm software".into(),
        };
        juju.bindings = Some(BTreeSet::new());
        juju.declared_storage = Some(BTreeMap::new());
        juju.default_network = Some(sim_network());
        juju.planned_units = 1;
        // As Juju 3.6, which `sim` runs as.
        juju.same_content_keeps_revision = true;
        Self {
            juju,
            model_name: "sim".into(),
            next_relation_id: 0,
            running_action: None,
            actions: Vec::new(),
            log: Vec::new(),
            hook_tool_calls: 0,
            history: Vec::new(),
            calls: Vec::new(),
            machine: Machine::default(),
            storage_next_index: BTreeMap::new(),
            storage_attached: BTreeSet::new(),
            secret_owners: BTreeMap::new(),
        }
    }

    /// The id the next instance of storage `name` gets: `name/N`.
    pub(crate) fn next_storage_id(&self, name: &str) -> String {
        let index = self.storage_next_index.get(name).copied().unwrap_or(0);
        format!("{name}/{index}")
    }

    /// Attaches the next instance of storage `name` (see [`Self::next_storage_id`]),
    /// found at `location`, and returns its id. The `storage-attached` event is the
    /// caller's to run. A storage the charm does not declare is taken as a filesystem.
    pub(crate) fn attach_storage(&mut self, name: &str, location: PathBuf) -> String {
        let next = self.storage_next_index.entry(name.to_owned()).or_default();
        let index = *next;
        *next += 1;
        if let Some(declared) = &mut self.juju.declared_storage {
            declared
                .entry(name.to_owned())
                .or_insert_with(|| "filesystem".into());
        }
        let requested = &mut self.juju.requested_storages;
        if let Some(count) = requested.get_mut(name) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                requested.remove(name);
            }
        }
        let mut storage = Storage::new(name, index);
        storage.location = location;
        self.juju.storages.push(storage);
        format!("{name}/{index}")
    }

    /// The kind of storage `name`: `filesystem` or `block`.
    pub(crate) fn storage_kind(&self, name: &str) -> &str {
        self.juju
            .declared_storage
            .as_ref()
            .and_then(|declared| declared.get(name))
            .map_or("filesystem", String::as_str)
    }

    /// Adds a relation on `endpoint` with `remote_app` (the unit's own application
    /// for a peer relation) and returns its index. This unit's databag starts with
    /// Juju's address keys.
    pub(crate) fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> usize {
        let id = self.next_relation_id;
        self.next_relation_id += 1;
        let relation = if remote_app == self.juju.app_name {
            Relation::peer(endpoint, id)
        } else {
            Relation::new(endpoint, id).without_remote_units()
        };
        let address = UNIT_ADDRESS;
        let relation = relation.with_remote_app(remote_app).with_local_unit_data([
            ("egress-subnets", format!("{address}/32")),
            ("ingress-address", address.to_owned()),
            ("private-address", address.to_owned()),
        ]);
        self.juju.relations.push(relation);
        self.juju.relations.len() - 1
    }

    /// The secret `reference` names: an id (`secret:ID`, `secret://MODEL/ID` or `ID`)
    /// or, failing that, a label.
    pub(crate) fn find_secret(&self, reference: &str) -> Option<usize> {
        let secrets = &self.juju.secrets;
        secret_id(reference)
            .and_then(|id| {
                secrets
                    .iter()
                    .position(|secret| secret_id(&secret.id) == Some(id))
            })
            .or_else(|| {
                secrets
                    .iter()
                    .position(|secret| secret.label.as_deref() == Some(reference))
            })
    }

    /// Who owns the secret at `index`: this unit, its application, or (for one it
    /// observes) the application that granted it, as the file names them.
    pub(crate) fn secret_owner(&self, index: usize) -> Option<&str> {
        let secret = &self.juju.secrets[index];
        match secret.owner {
            Some(SecretOwner::Unit) => Some(&self.juju.unit_name),
            Some(SecretOwner::App) => Some(&self.juju.app_name),
            None => self.secret_owners.get(&secret.id).map(String::as_str),
        }
    }

    /// The model as its file and the `--json` output hold it: the runtime's model's
    /// fields and `sim`'s, each secret named by its bare id and its owner by name
    /// (`demo`, `demo/0`, or the application it came from).
    pub(crate) fn to_json(&self) -> serde_json::Result<Value> {
        let mut value = serde_json::to_value(&self.juju)?;
        if let (Value::Object(fields), Value::Object(own)) =
            (&mut value, serde_json::to_value(self)?)
        {
            fields.extend(own);
        }
        if let Some(Value::Array(secrets)) = value.get_mut("secrets") {
            for (index, secret) in secrets.iter_mut().enumerate() {
                let owner = self.secret_owner(index).map(str::to_owned);
                if let Value::Object(fields) = secret {
                    if let Some(Value::String(id)) = fields.get_mut("id") {
                        *id = secret_id(id).map_or_else(|| id.clone(), str::to_owned);
                    }
                    fields.insert("owner".into(), owner.map_or(Value::Null, Value::String));
                }
            }
        }
        Ok(value)
    }

    /// The model `value` holds (as [`Self::to_json`] writes it); on the simulated
    /// network unless it names a default one.
    pub(crate) fn from_json(mut value: Value) -> serde_json::Result<Self> {
        let name = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let (unit, app) = (name("unit"), name("app"));
        let mut observed = BTreeMap::new();
        if let Some(Value::Array(secrets)) = value.get_mut("secrets") {
            for secret in secrets {
                let Value::Object(fields) = secret else {
                    continue;
                };
                if let Some(Value::String(id)) = fields.get_mut("id")
                    && !id.starts_with("secret:")
                {
                    *id = format!("secret:{id}");
                }
                let id = fields.get("id").and_then(Value::as_str).map(str::to_owned);
                let owner = match fields.get("owner").and_then(Value::as_str) {
                    Some(owner) if Some(owner) == unit.as_deref() => Value::from("unit"),
                    Some(owner) if Some(owner) == app.as_deref() => Value::from("app"),
                    Some(owner) => {
                        observed.extend(id.map(|id| (id, owner.to_owned())));
                        Value::Null
                    }
                    None => Value::Null,
                };
                fields.insert("owner".into(), owner);
            }
        }
        let mut model: Self = serde_json::from_value(value.clone())?;
        model.juju = serde_json::from_value(value)?;
        model.secret_owners = observed;
        if model.juju.default_network.is_none() {
            model.juju.default_network = Some(sim_network());
        }
        Ok(model)
    }

    /// Reads the model from `path`.
    pub(crate) fn load(path: &Path) -> io::Result<Self> {
        let text = fs::read_to_string(path)?;
        serde_json::from_str(&text)
            .and_then(Self::from_json)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Writes the model to `path`, atomically.
    pub(crate) fn save(&self, path: &Path) -> io::Result<()> {
        let text = self
            .to_json()
            .and_then(|value| serde_json::to_string_pretty(&value))
            .map_err(io::Error::other)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_ids_parse_in_jujus_spellings() {
        let first = "cs0k7p7mp25c7f0rcvog";
        assert_eq!(secret_id(&format!("secret:{first}")), Some(first));
        assert_eq!(
            secret_id(&format!("secret://5a1b2c3d-0000/{first}")),
            Some(first)
        );
        assert_eq!(secret_id(first), Some(first));
        assert_eq!(secret_id("secret:nope"), None);
    }

    #[test]
    fn storage_indexes_are_not_reused() {
        let mut model = Model::new("demo", true);
        assert_eq!(model.attach_storage("data", PathBuf::from("/a")), "data/0");
        model.juju.storages.clear();
        assert_eq!(model.next_storage_id("data"), "data/1");
        assert_eq!(model.attach_storage("data", PathBuf::from("/b")), "data/1");
        assert_eq!(model.juju.storages[0].name, "data");
    }

    /// The file names secrets as `sim` always has: bare ids, owners by name.
    #[test]
    fn the_file_names_secrets_and_owners() {
        let mut model = Model::new("demo", true);
        let id = model.juju.new_secret_id();
        let content = ops_runtime::SecretContent::new().with("token", "t");
        model.juju.secrets.push(
            ops_runtime::testing::Secret::new(content.clone())
                .with_id(id.clone())
                .owned_by(SecretOwner::App),
        );
        let observed = ops_runtime::testing::Secret::new(content).with_label("token");
        model
            .secret_owners
            .insert(observed.id.clone(), "vault".into());
        model.juju.secrets.push(observed);
        let json = model.to_json().unwrap();
        assert_eq!(json["secrets"][0]["id"], secret_id(&id).unwrap());
        assert_eq!(json["secrets"][0]["owner"], "demo");
        assert_eq!(json["secrets"][1]["owner"], "vault");
        assert_eq!(json["unit_status"]["status"], "maintenance");
        assert_eq!(Model::from_json(json).unwrap(), model);
    }
}
