//! The input and output of a run: [`State`] and its builders, [`Storage`],
//! [`Action`] and [`ActionOutput`].

use std::collections::BTreeMap;

use super::{Container, Relation, Secret};
use crate::config::ConfigValue;
use crate::event::Event;
use crate::status::{Status, StatusInfo};

/// The Juju state a charm sees during one run: the input of [`Context::run`](super::Context::run) and,
/// with the charm's changes applied, its output.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct State {
    /// Whether this unit is the leader.
    pub leader: bool,
    /// Configuration values set by the user; options left out take their
    /// metadata default.
    pub config: BTreeMap<String, ConfigValue>,
    /// This unit's status.
    pub unit_status: StatusInfo,
    /// The application's status.
    pub app_status: StatusInfo,
    /// The workload version, once set.
    pub workload_version: Option<String>,
    /// The relations, peer relations included.
    pub relations: Vec<Relation>,
    /// The secrets this unit owns or observes.
    pub secrets: Vec<Secret>,
    /// The storage instances attached to this unit.
    pub storages: Vec<Storage>,
    /// The workload containers, with their in-memory Pebbles.
    pub containers: Vec<Container>,
    /// Resources Juju can supply, by name, as local paths.
    pub resources: BTreeMap<String, std::path::PathBuf>,
    /// Networks by binding name; other bindings get a default network.
    pub networks: BTreeMap<String, crate::model::Network>,
    /// The ports this unit has open.
    pub opened_ports: std::collections::BTreeSet<crate::model::Port>,
    /// How many units the application is meant to have (`None`: 1).
    pub planned_units: Option<u32>,
    /// The cloud the model runs on: `credential-get` reports it when
    /// [`State::app_trusted`].
    pub cloud_spec: Option<crate::model::CloudSpec>,
    /// Whether the application is trusted (`juju trust`), which
    /// `credential-get` needs.
    pub app_trusted: bool,
    /// The kind of model: Kubernetes (the default, as in ops.testing) or
    /// machines.
    pub model_type: ModelType,
    /// Stored state by key, as JSON (see [`State::with_stored`]).
    pub stored: BTreeMap<String, serde_json::Value>,
    /// Deferred events, oldest first.
    pub deferred: Vec<crate::state::DeferredEvent>,
}

/// The kind of model a unit runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ModelType {
    /// A Kubernetes model: workload containers with Pebble.
    #[default]
    Kubernetes,
    /// A machine model (LXD, MAAS, a public cloud's VMs): no containers.
    Machine,
}

/// A storage instance attached to the unit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Storage {
    /// The storage name from the metadata.
    pub name: String,
    /// The instance index.
    pub index: u32,
    /// Where it is mounted.
    pub location: std::path::PathBuf,
}

impl Storage {
    /// Instance `index` of `name`, mounted under `/var/lib/juju/storage/<name>/<index>`.
    pub fn new(name: impl Into<String>, index: u32) -> Self {
        let name = name.into();
        let location = format!("/var/lib/juju/storage/{name}/{index}").into();
        Self {
            name,
            index,
            location,
        }
    }

    /// `<storage>-storage-attached` for this instance.
    pub fn attached_event(&self) -> Event {
        Event::StorageAttached(self.event())
    }

    /// `<storage>-storage-detaching` for this instance.
    pub fn detaching_event(&self) -> Event {
        Event::StorageDetaching(self.event())
    }

    fn event(&self) -> crate::event::StorageEvent {
        crate::event::StorageEvent {
            storage: crate::event::StorageRef {
                name: self.name.clone(),
                index: self.index,
            },
        }
    }
}

/// The network Juju reports for a binding the state does not describe.
pub(crate) fn default_network() -> crate::model::Network {
    let address = crate::model::Address {
        hostname: String::new(),
        value: "192.0.2.0".to_owned(),
        cidr: "192.0.2.0/24".to_owned(),
    };
    crate::model::Network {
        bind_addresses: vec![crate::model::BindAddress {
            mac_address: String::new(),
            interface_name: String::new(),
            addresses: vec![address],
        }],
        ingress_addresses: vec!["192.0.2.0".to_owned()],
        egress_subnets: vec!["192.0.2.0/24".to_owned()],
    }
}
impl State {
    /// A state with nothing set: not leader, default config, unknown statuses.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets leadership.
    #[must_use]
    pub fn with_leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }

    /// Sets one config option.
    #[must_use]
    pub fn with_config(mut self, option: impl Into<String>, value: impl Into<ConfigValue>) -> Self {
        self.config.insert(option.into(), value.into());
        self
    }

    /// Sets the unit status the run starts from.
    #[must_use]
    pub fn with_unit_status(mut self, status: Status) -> Self {
        self.unit_status = status.info();
        self
    }

    /// Sets the application status the run starts from.
    #[must_use]
    pub fn with_app_status(mut self, status: Status) -> Self {
        self.app_status = status.info();
        self
    }

    /// Adds a relation.
    #[must_use]
    pub fn with_relation(mut self, relation: Relation) -> Self {
        self.relations.push(relation);
        self
    }

    /// Adds a secret.
    #[must_use]
    pub fn with_secret(mut self, secret: Secret) -> Self {
        self.secrets.push(secret);
        self
    }

    /// The secret with this id (in any of Juju's spellings).
    pub fn secret(&self, id: &str) -> Option<&Secret> {
        self.secrets.iter().find(|s| s.has_id(id))
    }

    /// The secret with this label.
    pub fn secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.label.as_deref() == Some(label))
    }

    /// Sets a stored-state value.
    ///
    /// # Panics
    ///
    /// If `value` does not serialize to JSON (a bug in the test).
    #[must_use]
    pub fn with_stored<T: crate::StoredState>(mut self, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(json) => {
                self.stored.insert(T::KEY.to_owned(), json);
            }
            Err(e) => panic!("stored state `{}` does not serialize: {e}", T::KEY),
        }
        self
    }

    /// A stored-state value, `None` when absent or of another shape.
    pub fn stored<T: crate::StoredState>(&self) -> Option<T> {
        serde_json::from_value(self.stored.get(T::KEY)?.clone()).ok()
    }

    /// Queues a deferred event for `handler`, as an earlier hook would have.
    #[must_use]
    pub fn with_deferred(mut self, handler: impl Into<String>, event: Event) -> Self {
        self.deferred.push(crate::state::DeferredEvent {
            handler: handler.into(),
            event,
        });
        self
    }

    /// Attaches a storage instance.
    #[must_use]
    pub fn with_storage(mut self, storage: Storage) -> Self {
        self.storages.push(storage);
        self
    }

    /// Adds a workload container.
    #[must_use]
    pub fn with_container(mut self, container: Container) -> Self {
        self.containers.push(container);
        self
    }

    /// The container named `name`.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// Makes a resource available at `path`.
    #[must_use]
    pub fn with_resource(
        mut self,
        name: impl Into<String>,
        path: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.resources.insert(name.into(), path.into());
        self
    }

    /// Sets the network of a binding.
    #[must_use]
    pub fn with_network(
        mut self,
        binding: impl Into<String>,
        network: crate::model::Network,
    ) -> Self {
        self.networks.insert(binding.into(), network);
        self
    }

    /// Opens a port.
    #[must_use]
    pub fn with_opened_port(mut self, port: crate::model::Port) -> Self {
        self.opened_ports.insert(port);
        self
    }

    /// Sets how many units the application is meant to have.
    #[must_use]
    pub fn with_planned_units(mut self, units: u32) -> Self {
        self.planned_units = Some(units);
        self
    }

    /// Sets the cloud the model runs on; `credential-get` reports it only
    /// when the application is also trusted ([`State::with_app_trusted`]).
    #[must_use]
    pub fn with_cloud_spec(mut self, spec: crate::model::CloudSpec) -> Self {
        self.cloud_spec = Some(spec);
        self
    }

    /// Sets whether the application is trusted (`juju trust`).
    ///
    /// ```
    /// use ops_runtime::CloudSpec;
    /// use ops_runtime::testing::{ModelType, State};
    ///
    /// let state = State::new()
    ///     .with_model_type(ModelType::Machine)
    ///     .with_cloud_spec(CloudSpec { kind: "lxd".into(), ..CloudSpec::default() })
    ///     .with_app_trusted(true);
    /// assert!(state.app_trusted);
    /// ```
    #[must_use]
    pub fn with_app_trusted(mut self, trusted: bool) -> Self {
        self.app_trusted = trusted;
        self
    }

    /// Sets the kind of model (default Kubernetes).
    #[must_use]
    pub fn with_model_type(mut self, model_type: ModelType) -> Self {
        self.model_type = model_type;
        self
    }

    /// The relation with this id.
    pub fn relation(&self, id: u64) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The first relation on `endpoint`, for an endpoint with one relation
    /// (see [`State::relations_on`] for all of them).
    ///
    /// ```
    /// use ops_runtime::testing::{Relation, State};
    ///
    /// let state = State::new().with_relation(Relation::new("db", 7));
    /// assert_eq!(state.relation_on("db").map(|r| r.id), Some(7));
    /// assert!(state.relation_on("website").is_none());
    /// ```
    pub fn relation_on(&self, endpoint: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.endpoint == endpoint)
    }

    /// The relations on `endpoint`, in the state's order (ops.testing's
    /// `State.get_relations`).
    ///
    /// ```
    /// use ops_runtime::testing::{Relation, State};
    ///
    /// let state = State::new()
    ///     .with_relation(Relation::new("db", 1))
    ///     .with_relation(Relation::new("website", 2))
    ///     .with_relation(Relation::new("db", 3));
    /// let ids: Vec<u64> = state.relations_on("db").map(|r| r.id).collect();
    /// assert_eq!(ids, [1, 3]);
    /// assert_eq!(state.relations_on("metrics").count(), 0);
    /// ```
    pub fn relations_on<'a>(&'a self, endpoint: &'a str) -> impl Iterator<Item = &'a Relation> {
        self.relations
            .iter()
            .filter(move |r| r.endpoint == endpoint)
    }

    /// Sets the workload version the run starts from.
    #[must_use]
    pub fn with_workload_version(mut self, version: impl Into<String>) -> Self {
        self.workload_version = Some(version.into());
        self
    }
}

/// An action to run with [`Context::run_action`](super::Context::run_action).
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// The action's name, as in the metadata.
    pub name: String,
    /// Its parameters, as `action-get` reports them.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The action's id.
    pub id: String,
}

impl Action {
    /// The action `name` with no parameters.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            params: serde_json::Map::new(),
            id: "1".to_owned(),
        }
    }

    /// Sets one parameter.
    #[must_use]
    pub fn with_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.params.insert(name.into(), value.into());
        self
    }
}

/// What an action run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionOutput {
    /// The state after the action.
    pub state: State,
    /// The results, nested again from the dotted keys sent to `action-set`.
    pub results: serde_json::Map<String, serde_json::Value>,
    /// The messages sent with `action-log`.
    pub logs: Vec<String>,
}
