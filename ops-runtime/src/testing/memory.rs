//! The in-memory hook tools behind the testing harness and `cargo charm sim`:
//! [`JujuModel`], Juju's side of one unit, and [`MemoryHookTools`], the hook
//! tools acting on it. The secret tools are in [`secrets`]; how a saved model
//! spells what its types do not, in [`saved`].

mod saved;
mod secrets;

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::relation::Relation;
use super::secret::Secret;
use crate::event::RelationRef;
use crate::hook_tools::{ConfigMap, Databag, HookToolError, HookTools, LogLevel, StatusTarget};
use crate::model::{AddressKind, CloudSpec, GoalState, GoalStatus, Network, Port, StorageInfo};
use crate::secret::{
    Revision, SecretContent, SecretInfo, SecretLookup, SecretOptions, SecretOwner,
};
use crate::status::{Status, StatusInfo};

/// One line the charm sent to `juju-log`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JujuLogLine {
    /// The level.
    pub level: LogLevel,
    /// The message.
    pub message: String,
}

/// Juju's side of one unit, as its hook tools see it: the one model of
/// hook-tool semantics, which [`MemoryHookTools`] reads and writes.
///
/// The harness builds one per run from the input [`State`](super::State);
/// `cargo charm sim` keeps one as its saved model (serialised between tool
/// calls, with its own records beside it), so both answer (and fail) alike.
/// The saved form names the unit and application `unit` and `app`, writes a
/// status as `status-get` does (`{status, message}`) and the attached storage
/// as `storage`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct JujuModel {
    /// This unit's name, `app/0`.
    #[serde(rename = "unit", alias = "unit_name")]
    pub unit_name: String,
    /// This unit's application.
    #[serde(rename = "app", alias = "app_name")]
    pub app_name: String,
    /// The model's UUID.
    pub model_uuid: String,
    /// The relations (a peer relation's `remote_app` is this application).
    #[serde(deserialize_with = "saved::relations")]
    pub relations: Vec<Relation>,
    /// During `relation-departed`: the relation's id and the remote unit that
    /// departed, which that relation's `relation-list` no longer names (its
    /// databag is still readable), as in Juju.
    pub departed: Option<(u64, String)>,
    /// The secrets this unit or its application owns, and those it observes.
    pub secrets: Vec<Secret>,
    /// How many secret ids [`Self::new_secret_id`] made: ids derive from it,
    /// so runs repeat.
    pub secrets_made: u64,
    /// Secret revisions removed so far, as `(id, revision)`.
    pub removed_secret_revisions: Vec<(String, u64)>,
    /// The storage attached to the unit.
    #[serde(
        rename = "storage",
        alias = "storages",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub storages: Vec<super::Storage>,
    /// Storage `storage-add` asked for, by name.
    pub requested_storages: BTreeMap<String, u32>,
    /// The storage the charm declares, by name, with its kind (`filesystem`
    /// or `block`); `None` when not known, and then `storage-add` takes any
    /// name and `storage-get` reports a filesystem.
    pub declared_storage: Option<BTreeMap<String, String>>,
    /// The most instances of a declared storage the unit may have, by name
    /// (absent: no limit).
    pub storage_max: BTreeMap<String, u32>,
    /// Resources by name, as local paths.
    pub resources: BTreeMap<String, std::path::PathBuf>,
    /// Networks by binding; other bindings get [`Self::default_network`].
    pub networks: BTreeMap<String, Network>,
    /// The network of a binding [`Self::networks`] does not describe, and the
    /// address `unit-get` falls back to (`None`: `192.0.2.0` in `192.0.2.0/24`).
    pub default_network: Option<Network>,
    /// The charm's bindings: its relation endpoints and `extra-bindings`
    /// (`None`: not known, and `network-get` answers for any binding).
    pub bindings: Option<std::collections::BTreeSet<String>>,
    /// The ports this unit has open.
    #[serde(with = "port_set")]
    pub opened_ports: std::collections::BTreeSet<Port>,
    /// How many units the application is meant to have.
    pub planned_units: u32,
    /// The cloud spec `credential-get` gives (`None`: not trusted).
    pub cloud_spec: Option<CloudSpec>,
    /// The reboots asked for: `true` for `--now`.
    pub reboots: Vec<bool>,
    /// What `state-set` stored.
    pub controller_state: BTreeMap<String, String>,
    /// The metrics `add-metric` added.
    pub metrics: Vec<(String, String)>,
    /// The labels of each of [`Self::metrics`], at the same index.
    pub metric_labels: Vec<Vec<(String, String)>>,
    /// The deprecated leader settings (`leader-get`, `leader-set`).
    pub leader_settings: Databag,
    /// Whether `secret-set` with the latest revision's content makes no new
    /// revision, as Juju 3.6 does (`cargo charm sim`'s model); the harness
    /// makes one per call.
    pub same_content_keeps_revision: bool,
    /// The pod spec `pod-spec-set` set.
    pub pod_spec: Option<serde_json::Value>,
    /// Whether this unit is the leader.
    pub leader: bool,
    /// What `config-get` reports.
    pub config: ConfigMap,
    /// This unit's status.
    #[serde(with = "saved::status")]
    pub unit_status: StatusInfo,
    /// The application's status.
    #[serde(with = "saved::status")]
    pub app_status: StatusInfo,
    /// The workload version, once set.
    pub workload_version: Option<String>,
    /// `Some` while running an action: its parameters.
    pub action_params: Option<serde_json::Map<String, serde_json::Value>>,
    /// What `action-set` set, by dotted key.
    pub action_results: BTreeMap<String, String>,
    /// What `action-log` logged.
    pub action_logs: Vec<String>,
    /// The `action-fail` message.
    pub action_failure: Option<String>,
    /// The `juju-log` lines.
    pub juju_log: Vec<JujuLogLine>,
    /// The unit statuses replaced, oldest first.
    pub unit_status_history: Vec<StatusInfo>,
    /// The application statuses replaced, oldest first.
    pub app_status_history: Vec<StatusInfo>,
    /// The workload versions replaced, oldest first.
    pub workload_version_history: Vec<String>,
    /// The hook running (`collect-metrics`, `db-relation-changed`), when
    /// known: `add-metric` works in `collect-metrics` only (not saved).
    #[serde(skip)]
    pub hook: Option<String>,
    /// The hook tools called, in order (not saved: a record of one run).
    #[serde(skip)]
    pub calls: Vec<&'static str>,
    /// The keys of this unit's own databags that `relation-set` wrote, by
    /// relation id (not saved: a record of one run). The harness reads it to
    /// tell Juju's address keys from the same keys the charm wrote.
    #[serde(skip)]
    pub unit_keys_written: BTreeMap<u64, std::collections::BTreeSet<String>>,
}

impl JujuModel {
    /// Takes from the charm's metadata what Juju knows of it: the bindings
    /// (relation endpoints and `extra-bindings`), which `network-get` answers
    /// for, and the declared storage with each one's kind, which `storage-get`
    /// reports and `storage-add` requires. (The most instances of each,
    /// [`Self::storage_max`], are the caller's to set: the harness leaves them
    /// unlimited.)
    pub fn declare_charm(&mut self, metadata: &ops_metadata::CharmMetadata) {
        self.bindings = Some(
            metadata
                .relations()
                .map(|relation| relation.name.clone())
                .chain(metadata.extra_bindings.keys().cloned())
                .collect(),
        );
        self.declared_storage = Some(
            metadata
                .storage
                .iter()
                .map(|(name, storage)| (name.clone(), storage.kind.as_str().to_owned()))
                .collect(),
        );
    }

    /// What `action-set` set, nested at the dots of its keys (`a.b=1` is
    /// `{"a": {"b": "1"}}`); a later key replaces a value with a map, as Juju does.
    pub fn action_results_tree(&self) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::{Map, Value};
        fn insert(node: &mut Map<String, Value>, path: &[&str], value: &str) {
            match path {
                [] => {}
                [last] => {
                    node.insert((*last).to_owned(), Value::String(value.to_owned()));
                }
                [first, rest @ ..] => {
                    let child = node
                        .entry((*first).to_owned())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !child.is_object() {
                        *child = Value::Object(Map::new());
                    }
                    if let Value::Object(child) = child {
                        insert(child, rest, value);
                    }
                }
            }
        }
        let mut root = Map::new();
        for (key, value) in &self.action_results {
            let path: Vec<&str> = key.split('.').collect();
            insert(&mut root, &path, value);
        }
        root
    }
}

/// Ports as Juju writes them (`80/tcp`, `8000-8999/udp`, `icmp`), in a
/// saved [`JujuModel`].
mod port_set {
    use std::collections::BTreeSet;

    use serde::{Deserialize, Deserializer, Serializer};

    use crate::model::Port;

    pub(super) fn serialize<S: Serializer>(
        ports: &BTreeSet<Port>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(ports.iter().map(ToString::to_string))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeSet<Port>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|port| port.parse().map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Hook tools that act on an in-memory model, refusing what Juju refuses.
///
/// The harness builds one per run from the input [`State`](super::State); it is
/// public for tests that drive [`crate::run`] directly.
#[derive(Debug, Default)]
pub struct MemoryHookTools {
    pub(crate) model: RefCell<JujuModel>,
    /// The containers' in-memory Pebbles.
    pub(crate) pebbles: std::rc::Rc<RefCell<super::pebble::Pebbles>>,
}

impl MemoryHookTools {
    /// Hook tools acting on `model`, with no containers.
    pub fn new(model: JujuModel) -> Self {
        Self {
            model: RefCell::new(model),
            pebbles: std::rc::Rc::default(),
        }
    }

    /// The model as the calls so far left it.
    pub fn model(&self) -> JujuModel {
        self.model.borrow().clone()
    }

    /// The model as the calls left it, without a copy.
    pub fn into_model(self) -> JujuModel {
        self.model.into_inner()
    }

    /// What `read` finds in the model as the calls so far left it.
    pub fn inspect<T>(&self, read: impl FnOnce(&JujuModel) -> T) -> T {
        read(&self.model.borrow())
    }

    /// `leader-get`: the deprecated leader settings, which any unit reads.
    pub fn leader_get(&self) -> Databag {
        self.call("leader-get").leader_settings.clone()
    }

    /// `leader-set KEY=VALUE ...`: the leader only; an empty value deletes the key.
    ///
    /// # Errors
    ///
    /// Juju's refusal when this unit is not the leader.
    pub fn leader_set(&self, settings: &[(String, String)]) -> Result<(), HookToolError> {
        let mut model = self.call("leader-set");
        if !model.leader {
            return Err(Self::juju_error(
                "leader-set",
                1,
                "cannot write leadership settings: cannot write settings: not the leader",
            ));
        }
        for (key, value) in settings {
            if value.is_empty() {
                model.leader_settings.remove(key);
            } else {
                model.leader_settings.insert(key.clone(), value.clone());
            }
        }
        Ok(())
    }

    /// A failure as Juju's tool reports it: `ERROR <message>` on stderr and
    /// its exit code (1 when the call was refused, 2 when its arguments were).
    pub(crate) fn juju_error(tool: &'static str, exit_code: i32, message: &str) -> HookToolError {
        HookToolError::Failed {
            tool,
            exit_code: Some(exit_code),
            stderr: format!("ERROR {message}\n"),
        }
    }

    fn call(&self, tool: &'static str) -> std::cell::RefMut<'_, JujuModel> {
        let mut model = self.model.borrow_mut();
        model.calls.push(tool);
        model
    }

    fn action(
        &self,
        tool: &'static str,
    ) -> Result<std::cell::RefMut<'_, JujuModel>, HookToolError> {
        let model = self.call(tool);
        if model.action_params.is_none() {
            return Err(Self::juju_error(tool, 1, "not running an action"));
        }
        Ok(model)
    }

    /// Juju's answer to a relation id that does not exist (exit code 2).
    fn relation_not_found(tool: &'static str, relation: &RelationRef) -> HookToolError {
        HookToolError::Failed {
            tool,
            exit_code: Some(2),
            stderr: format!(
                "ERROR invalid value \"{relation}\" for option -r: relation not found\n"
            ),
        }
    }

    fn with_relation<T>(
        &self,
        tool: &'static str,
        relation: &RelationRef,
        f: impl FnOnce(&mut JujuModel, usize) -> Result<T, HookToolError>,
    ) -> Result<T, HookToolError> {
        let mut model = self.call(tool);
        let index = model
            .relations
            .iter()
            .position(|r| r.id == relation.id && r.endpoint == relation.endpoint)
            .ok_or_else(|| Self::relation_not_found(tool, relation))?;
        f(&mut model, index)
    }

    /// The names of the hook tools called so far, in order.
    pub fn calls(&self) -> Vec<&'static str> {
        self.model.borrow().calls.clone()
    }

    /// The `juju-log` lines so far.
    pub fn juju_log_lines(&self) -> Vec<JujuLogLine> {
        self.model.borrow().juju_log.clone()
    }
}

impl HookTools for MemoryHookTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), HookToolError> {
        self.call("juju-log").juju_log.push(JujuLogLine {
            level,
            message: message.to_owned(),
        });
        Ok(())
    }

    fn status_set(&self, target: StatusTarget, status: &Status) -> Result<(), HookToolError> {
        let mut model = self.call("status-set");
        match target {
            StatusTarget::Unit => {
                let previous = std::mem::replace(&mut model.unit_status, status.info());
                model.unit_status_history.push(previous);
            }
            StatusTarget::App => {
                if !model.leader {
                    return Err(Self::juju_error(
                        "status-set",
                        1,
                        "this unit is not the leader",
                    ));
                }
                let previous = std::mem::replace(&mut model.app_status, status.info());
                model.app_status_history.push(previous);
            }
        }
        Ok(())
    }

    fn status_get(&self, target: StatusTarget) -> Result<StatusInfo, HookToolError> {
        let model = self.call("status-get");
        match target {
            StatusTarget::Unit => Ok(model.unit_status.clone()),
            StatusTarget::App if model.leader => Ok(model.app_status.clone()),
            StatusTarget::App => Err(Self::juju_error(
                "status-get",
                1,
                "finding application status: this unit is not the leader",
            )),
        }
    }

    fn is_leader(&self) -> Result<bool, HookToolError> {
        Ok(self.call("is-leader").leader)
    }

    fn config_get(&self) -> Result<ConfigMap, HookToolError> {
        Ok(self.call("config-get").config.clone())
    }

    fn application_version_set(&self, version: &str) -> Result<(), HookToolError> {
        let mut model = self.call("application-version-set");
        if let Some(previous) = model.workload_version.replace(version.to_owned()) {
            model.workload_version_history.push(previous);
        }
        Ok(())
    }

    fn action_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, HookToolError> {
        let model = self.action("action-get")?;
        Ok(model.action_params.clone().unwrap_or_default())
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), HookToolError> {
        let mut model = self.action("action-set")?;
        model
            .action_results
            .extend(results.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    fn action_log(&self, message: &str) -> Result<(), HookToolError> {
        self.action("action-log")?
            .action_logs
            .push(message.to_owned());
        Ok(())
    }

    fn action_fail(&self, message: &str) -> Result<(), HookToolError> {
        self.action("action-fail")?.action_failure = Some(message.to_owned());
        Ok(())
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, HookToolError> {
        let model = self.call("relation-ids");
        Ok(model
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .map(|r| r.id)
            .collect())
    }

    fn relation_list(&self, relation: &RelationRef) -> Result<Vec<String>, HookToolError> {
        self.with_relation("relation-list", relation, |model, i| {
            let departed = match &model.departed {
                Some((id, unit)) if *id == relation.id => Some(unit.as_str()),
                _ => None,
            };
            Ok(model.relations[i]
                .remote_units
                .keys()
                .filter(|unit| Some(unit.as_str()) != departed)
                .cloned()
                .collect())
        })
    }

    fn relation_remote_app(&self, relation: &RelationRef) -> Result<Option<String>, HookToolError> {
        self.with_relation("relation-list", relation, |model, i| {
            let r = &model.relations[i];
            Ok(Some(if r.peer {
                model.app_name.clone()
            } else {
                r.remote_app.clone()
            }))
        })
    }

    fn relation_get(
        &self,
        relation: &RelationRef,
        member: &str,
        app: bool,
    ) -> Result<Databag, HookToolError> {
        const TOOL: &str = "relation-get";
        self.with_relation(TOOL, relation, |model, i| {
            let r = &model.relations[i];
            let bag = if app {
                let app_name = member.split('/').next().unwrap_or_default();
                if app_name == model.app_name {
                    // Any unit reads a peer relation's application databag;
                    // otherwise only the leader reads its own.
                    if !model.leader && !r.peer {
                        return Err(Self::juju_error(TOOL, 1, "permission denied"));
                    }
                    Some(&r.local_app_data)
                } else if app_name == r.remote_app && !r.peer {
                    Some(&r.remote_app_data)
                } else {
                    return Err(Self::juju_error(
                        TOOL,
                        1,
                        &format!(
                            "cannot read settings for application {app_name:?} in relation \
                             {:?}: application not found",
                            relation.to_string()
                        ),
                    ));
                }
            } else if member == model.unit_name {
                Some(&r.local_unit_data)
            } else {
                r.remote_units.get(member)
            };
            bag.cloned().ok_or_else(|| {
                Self::juju_error(
                    TOOL,
                    1,
                    &format!(
                        "cannot read settings for unit {member:?} in relation {:?}: unit \
                         {member:?}: settings not found",
                        relation.to_string()
                    ),
                )
            })
        })
    }

    fn relation_set(
        &self,
        relation: &RelationRef,
        app: bool,
        changes: &Databag,
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "relation-set";
        self.with_relation(TOOL, relation, |model, i| {
            if app && !model.leader {
                return Err(HookToolError::Failed {
                    tool: TOOL,
                    exit_code: Some(1),
                    stderr: "ERROR cannot write relation settings: permission denied\n".to_owned(),
                });
            }
            if !app {
                let id = model.relations[i].id;
                let written = model.unit_keys_written.entry(id).or_default();
                written.extend(changes.keys().cloned());
            }
            let r = &mut model.relations[i];
            let bag = if app {
                &mut r.local_app_data
            } else {
                &mut r.local_unit_data
            };
            for (key, value) in changes {
                if value.is_empty() {
                    bag.remove(key);
                } else {
                    bag.insert(key.clone(), value.clone());
                }
            }
            Ok(())
        })
    }

    fn secret_add(
        &self,
        content: &SecretContent,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, HookToolError> {
        self.call("secret-add").secret_add(content, options, owner)
    }

    fn secret_get(
        &self,
        lookup: &SecretLookup<'_>,
        revision: Revision,
    ) -> Result<SecretContent, HookToolError> {
        self.call("secret-get").secret_get(lookup, revision)
    }

    fn secret_info_get(&self, lookup: &SecretLookup<'_>) -> Result<SecretInfo, HookToolError> {
        self.call("secret-info-get").secret_info_get(lookup)
    }

    fn secret_set(
        &self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), HookToolError> {
        self.call("secret-set").secret_set(id, content, options)
    }

    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError> {
        self.call("secret-grant")
            .secret_access("secret-grant", id, relation_id, unit)
    }

    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError> {
        self.call("secret-revoke")
            .secret_access("secret-revoke", id, relation_id, unit)
    }

    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), HookToolError> {
        self.call("secret-remove").secret_remove(id, revision)
    }

    fn secret_ids(&self) -> Result<Vec<String>, HookToolError> {
        Ok(self.call("secret-ids").secret_ids())
    }

    fn storage_list(&self, name: Option<&str>) -> Result<Vec<String>, HookToolError> {
        let model = self.call("storage-list");
        Ok(model
            .storages
            .iter()
            .filter(|s| name.is_none_or(|n| s.name == n))
            .map(|s| format!("{}/{}", s.name, s.index))
            .collect())
    }

    fn storage_get(&self, id: &str) -> Result<StorageInfo, HookToolError> {
        const TOOL: &str = "storage-get";
        let model = self.call(TOOL);
        // Juju checks `-s` as the flag is parsed: a bad command line (exit 2).
        let refuse = |why: String| HookToolError::Failed {
            tool: TOOL,
            exit_code: Some(2),
            stderr: format!("ERROR invalid value {id:?} for option -s: {why}\n"),
        };
        if !valid_storage_id(id) {
            return Err(refuse(format!("invalid storage ID {id:?}")));
        }
        let storage = model
            .storages
            .iter()
            .find(|s| format!("{}/{}", s.name, s.index) == id)
            .ok_or_else(|| refuse(format!("storage {id:?} not found")))?;
        let kind = model
            .declared_storage
            .as_ref()
            .and_then(|declared| declared.get(&storage.name))
            .map_or("filesystem", String::as_str);
        Ok(StorageInfo {
            kind: kind.to_owned(),
            location: storage.location.clone(),
        })
    }

    fn storage_add(&self, name: &str, count: u32) -> Result<(), HookToolError> {
        const TOOL: &str = "storage-add";
        let mut model = self.call(TOOL);
        if let Some(declared) = &model.declared_storage
            && !declared.contains_key(name)
        {
            return Err(Self::juju_error(
                TOOL,
                1,
                &format!("charm storage {name:?} not found"),
            ));
        }
        if let Some(&max) = model.storage_max.get(name) {
            let attached = model.storages.iter().filter(|s| s.name == name).count();
            let requested = model.requested_storages.get(name).copied().unwrap_or(0);
            let total = u64::try_from(attached)
                .unwrap_or(u64::MAX)
                .saturating_add(u64::from(requested))
                .saturating_add(u64::from(count));
            if total > u64::from(max) {
                return Err(Self::juju_error(
                    TOOL,
                    1,
                    &format!(
                        "cannot add storage {name:?}: the charm allows at most {max} instances, \
                         this would make {total}"
                    ),
                ));
            }
        }
        let requested = model.requested_storages.entry(name.to_owned()).or_default();
        *requested = requested.saturating_add(count);
        Ok(())
    }

    fn resource_get(&self, name: &str) -> Result<std::path::PathBuf, HookToolError> {
        let model = self.call("resource-get");
        model
            .resources
            .get(name)
            .cloned()
            .ok_or_else(|| HookToolError::Failed {
                tool: "resource-get",
                exit_code: Some(1),
                stderr: format!(
                    "ERROR could not download resource: resource#{}/{name} not found\n",
                    model.app_name
                ),
            })
    }

    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<Network, HookToolError> {
        let model = self.call("network-get");
        if let Some(id) = relation_id
            && !model.relations.iter().any(|r| r.id == id)
        {
            return Err(HookToolError::Failed {
                tool: "network-get",
                exit_code: Some(2),
                stderr: format!("ERROR invalid value \"{id}\" for option -r: relation not found\n"),
            });
        }
        let known = model.bindings.as_ref().is_none_or(|bindings| {
            bindings.contains(binding) || model.relations.iter().any(|r| r.endpoint == binding)
        });
        if !known {
            return Err(Self::juju_error(
                "network-get",
                1,
                &format!("no network config found for binding {binding:?}"),
            ));
        }
        Ok(model
            .networks
            .get(binding)
            .or(model.default_network.as_ref())
            .cloned()
            .unwrap_or_else(super::default_network))
    }

    fn open_port(&self, port: &Port) -> Result<(), HookToolError> {
        self.call("open-port").opened_ports.insert(*port);
        Ok(())
    }

    fn close_port(&self, port: &Port) -> Result<(), HookToolError> {
        self.call("close-port").opened_ports.remove(port);
        Ok(())
    }

    fn opened_ports(&self) -> Result<Vec<Port>, HookToolError> {
        Ok(self
            .call("opened-ports")
            .opened_ports
            .iter()
            .copied()
            .collect())
    }

    fn goal_state(&self) -> Result<GoalState, HookToolError> {
        let model = self.call("goal-state");
        let status = |status: &str| GoalStatus {
            status: status.to_owned(),
            since: None,
        };
        // The planned units, this one among them.
        let mut units: BTreeMap<String, GoalStatus> = (0..model.planned_units)
            .map(|n| (format!("{}/{n}", model.app_name), status("active")))
            .collect();
        if !model.unit_name.is_empty() {
            units
                .entry(model.unit_name.clone())
                .or_insert_with(|| status("active"));
        }
        // Per endpoint, the related applications (`joined`) and their units.
        let mut relations: BTreeMap<String, BTreeMap<String, GoalStatus>> = BTreeMap::new();
        for relation in &model.relations {
            let related = relations.entry(relation.endpoint.clone()).or_default();
            related.insert(relation.remote_app.clone(), status("joined"));
            for unit in relation.remote_units.keys() {
                related.insert(unit.clone(), status("active"));
            }
        }
        Ok(GoalState { units, relations })
    }

    fn credential_get(&self) -> Result<CloudSpec, HookToolError> {
        let model = self.call("credential-get");
        model
            .cloud_spec
            .clone()
            .ok_or_else(|| HookToolError::Failed {
                tool: "credential-get",
                exit_code: Some(1),
                // Juju's credential-get: `errors.Annotatef(err, "cannot access cloud
                // credentials")` over the controller's ErrPerm for an untrusted application.
                stderr: "ERROR cannot access cloud credentials: permission denied\n".to_owned(),
            })
    }

    fn juju_reboot(&self, now: bool) -> Result<(), HookToolError> {
        let mut model = self.call("juju-reboot");
        if model.action_params.is_some() {
            return Err(HookToolError::Failed {
                tool: "juju-reboot",
                exit_code: Some(1),
                stderr: "ERROR juju-reboot is not supported when running an action\n".to_owned(),
            });
        }
        model.reboots.push(now);
        Ok(())
    }

    fn unit_get(&self, kind: AddressKind) -> Result<String, HookToolError> {
        let model = self.call("unit-get");
        let _ = kind;
        let fallback = model
            .default_network
            .clone()
            .unwrap_or_else(super::default_network);
        Ok(model
            .networks
            .values()
            .chain([&fallback])
            .find_map(|n| n.bind_address().map(str::to_owned))
            .unwrap_or_default())
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, HookToolError> {
        Ok(self.call("state-get").controller_state.get(key).cloned())
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), HookToolError> {
        self.call("state-set")
            .controller_state
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn state_delete(&self, key: &str) -> Result<(), HookToolError> {
        self.call("state-delete").controller_state.remove(key);
        Ok(())
    }

    fn add_metric(
        &self,
        metrics: &[(String, String)],
        labels: &[(String, String)],
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "add-metric";
        let mut model = self.call(TOOL);
        if model
            .hook
            .as_deref()
            .is_some_and(|hook| hook != "collect-metrics")
        {
            return Err(Self::juju_error(
                TOOL,
                1,
                "cannot record metric: metrics not allowed in this context",
            ));
        }
        if let Some((key, _)) = metrics.iter().find(|(key, _)| key.starts_with("juju")) {
            return Err(Self::juju_error(
                TOOL,
                1,
                &format!("{key} uses a reserved prefix"),
            ));
        }
        for metric in metrics {
            model.metrics.push(metric.clone());
            model.metric_labels.push(labels.to_vec());
        }
        Ok(())
    }

    fn pod_spec_set(
        &self,
        spec: &serde_json::Value,
        _k8s_resources: Option<&serde_json::Value>,
    ) -> Result<(), HookToolError> {
        self.call("pod-spec-set").pod_spec = Some(spec.clone());
        Ok(())
    }

    fn pebble(&self, container: &str) -> crate::hook_tools::PebbleConnection {
        crate::hook_tools::PebbleConnection::Api(std::rc::Rc::new(super::pebble::MemoryPebble {
            container: container.to_owned(),
            pebbles: std::rc::Rc::clone(&self.pebbles),
        }))
    }

    fn relation_model_get(&self, relation: &RelationRef) -> Result<String, HookToolError> {
        self.with_relation("relation-model-get", relation, |model, i| {
            Ok(model.relations[i]
                .remote_model_uuid
                .clone()
                .unwrap_or_else(|| model.model_uuid.clone()))
        })
    }
}

/// Whether `id` is a storage instance id as Juju accepts one: `name/N`, the
/// name lowercase letters, digits and dashes.
fn valid_storage_id(id: &str) -> bool {
    id.split_once('/').is_some_and(|(name, index)| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Protocol;

    /// A model saved between tool calls (as `cargo charm sim` saves its own)
    /// comes back as it was, but for the record of calls.
    #[test]
    fn a_saved_model_reads_back_the_same() {
        let tools = MemoryHookTools::new(JujuModel {
            unit_name: "demo/0".into(),
            app_name: "demo".into(),
            leader: true,
            relations: vec![Relation::new("db", 3).with_remote_unit("remote/1", [("k", "v")])],
            config: [("port".to_owned(), serde_json::json!(8080))]
                .into_iter()
                .collect(),
            ..JujuModel::default()
        });
        tools
            .status_set(StatusTarget::App, &Status::blocked("needs a db"))
            .unwrap();
        tools
            .open_port(&Port {
                protocol: Protocol::Udp,
                from: 8000,
                to: 8010,
            })
            .unwrap();
        tools.open_port(&Port::icmp()).unwrap();
        tools.juju_log(LogLevel::Warning, "careful").unwrap();
        tools
            .secret_add(
                &SecretContent::new().with("password", "hunter2"),
                &SecretOptions::default(),
                SecretOwner::App,
            )
            .unwrap();
        tools.state_set("counter", "3").unwrap();
        let model = tools.model();
        let text = serde_json::to_string(&model).unwrap();
        let ports =
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["opened_ports"].clone();
        assert_eq!(ports, serde_json::json!(["8000-8010/udp", "icmp"]));
        let back: JujuModel = serde_json::from_str(&text).unwrap();
        assert!(back.calls.is_empty());
        assert_eq!(
            back,
            JujuModel {
                calls: Vec::new(),
                ..model
            }
        );
        // Missing fields take their defaults; a bad port is an error, not a panic.
        assert_eq!(
            serde_json::from_str::<JujuModel>("{}").unwrap(),
            JujuModel::default()
        );
        assert!(serde_json::from_str::<JujuModel>(r#"{"opened_ports": ["80/sctp"]}"#).is_err());
    }

    /// A refusal's exit code and stderr.
    pub(super) fn failure(error: HookToolError) -> (Option<i32>, String) {
        match error {
            HookToolError::Failed {
                exit_code, stderr, ..
            } => (exit_code, stderr),
            other => (None, other.to_string()),
        }
    }

    /// `storage-get` answers with the declared kind and refuses a bad or
    /// unknown id as a bad `-s`; `storage-add` refuses an undeclared storage
    /// and counts attached and requested instances against the maximum.
    #[test]
    fn storage_kinds_and_limits() {
        let tools = MemoryHookTools::new(JujuModel {
            storages: vec![super::super::Storage::new("disks", 0)],
            declared_storage: Some(
                [("disks", "block"), ("data", "filesystem")]
                    .map(|(name, kind)| (name.to_owned(), kind.to_owned()))
                    .into(),
            ),
            storage_max: [("disks".to_owned(), 3)].into(),
            ..JujuModel::default()
        });
        assert_eq!(tools.storage_list(None).unwrap(), ["disks/0"]);
        let info = tools.storage_get("disks/0").unwrap();
        assert_eq!(info.kind, "block");
        assert_eq!(
            info.location,
            std::path::Path::new("/var/lib/juju/storage/disks/0")
        );
        assert_eq!(
            failure(tools.storage_get("disks/7").unwrap_err()),
            (
                Some(2),
                "ERROR invalid value \"disks/7\" for option -s: storage \"disks/7\" not found\n"
                    .to_owned()
            )
        );
        assert_eq!(
            failure(tools.storage_get("Disks").unwrap_err()),
            (
                Some(2),
                "ERROR invalid value \"Disks\" for option -s: invalid storage ID \"Disks\"\n"
                    .to_owned()
            )
        );
        tools.storage_add("disks", 1).unwrap();
        tools.storage_add("data", 5).unwrap();
        assert_eq!(
            failure(tools.storage_add("disks", 2).unwrap_err()),
            (
                Some(1),
                "ERROR cannot add storage \"disks\": the charm allows at most 3 instances, \
                 this would make 4\n"
                    .to_owned()
            )
        );
        assert_eq!(
            failure(tools.storage_add("logs", 1).unwrap_err()),
            (
                Some(1),
                "ERROR charm storage \"logs\" not found\n".to_owned()
            )
        );
        assert_eq!(
            tools.model().requested_storages,
            [("data".to_owned(), 5), ("disks".to_owned(), 1)].into()
        );
        // Without the charm's declarations, any storage may be asked for.
        let tools = MemoryHookTools::new(JujuModel::default());
        tools.storage_add("anything", 2).unwrap();
        assert_eq!(
            tools
                .storage_get("anything/0")
                .map_err(failure)
                .unwrap_err()
                .0,
            Some(2)
        );
    }

    /// During `relation-departed`, the departed unit is gone from that
    /// relation's `relation-list` (and only that one's), but its databag can
    /// still be read.
    #[test]
    fn relation_list_leaves_out_the_departed_unit() {
        let tools = MemoryHookTools::new(JujuModel {
            relations: vec![
                Relation::new("db", 3)
                    .with_remote_app("pg")
                    .with_remote_unit("pg/0", [("k", "0")])
                    .with_remote_unit("pg/1", [("k", "1")]),
                Relation::new("replica", 4)
                    .with_remote_app("pg")
                    .with_remote_unit("pg/1", [("k", "1")]),
            ],
            departed: Some((3, "pg/1".to_owned())),
            ..JujuModel::default()
        });
        assert_eq!(
            tools.relation_list(&RelationRef::new("db", 3)).unwrap(),
            ["pg/0"]
        );
        assert_eq!(
            tools
                .relation_list(&RelationRef::new("replica", 4))
                .unwrap(),
            ["pg/0", "pg/1"]
        );
        let bag = tools
            .relation_get(&RelationRef::new("db", 3), "pg/1", false)
            .unwrap();
        assert_eq!(bag.get("k").map(String::as_str), Some("1"));
    }

    /// With the charm's bindings known, `network-get` refuses another one;
    /// unknown, it answers for any. `unit-get` falls back to the default
    /// network, and `goal-state` lists the related applications and units.
    #[test]
    fn networks_bindings_and_goal_state() {
        let mut network = super::super::state::default_network();
        network.ingress_addresses = vec!["10.1.2.3".to_owned()];
        let tools = MemoryHookTools::new(JujuModel {
            unit_name: "demo/1".into(),
            app_name: "demo".into(),
            planned_units: 1,
            relations: vec![Relation::new("db", 3).with_remote_app("pg")],
            bindings: Some(["metrics".to_owned()].into()),
            default_network: Some(network.clone()),
            ..JujuModel::default()
        });
        assert_eq!(tools.network_get("metrics", None).unwrap(), network);
        assert_eq!(tools.network_get("db", Some(3)).unwrap(), network);
        assert_eq!(
            failure(tools.network_get("nope", None).unwrap_err()),
            (
                Some(1),
                "ERROR no network config found for binding \"nope\"\n".to_owned()
            )
        );
        assert_eq!(tools.unit_get(AddressKind::Public).unwrap(), "192.0.2.0");
        let goal = tools.goal_state().unwrap();
        assert_eq!(goal.units.keys().collect::<Vec<_>>(), ["demo/0", "demo/1"]);
        let related: Vec<(&String, &str)> = goal.relations["db"]
            .iter()
            .map(|(name, status)| (name, status.status.as_str()))
            .collect();
        assert_eq!(
            related,
            [(&"pg".to_owned(), "joined"), (&"pg/0".to_owned(), "active")]
        );
        // Without them, any binding gets the default network.
        let tools = MemoryHookTools::new(JujuModel::default());
        assert_eq!(
            tools.network_get("anything", None).unwrap(),
            super::super::state::default_network()
        );
    }
}
