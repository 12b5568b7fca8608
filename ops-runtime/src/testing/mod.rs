//! A state-transition testing harness, in the spirit of `ops.testing`.
//!
//! Build a [`State`], run one event through the charm with a [`Context`], and
//! assert on the [`State`] that comes out. The run goes through the same dispatch
//! code as a real hook ([`crate::run`]), with the hook tools replaced by an
//! in-memory model ([`MemoryHookTools`]) and the `JUJU_*` environment built from
//! the event.
//!
//! Before running, the harness checks the state and the event against the
//! charm's metadata (the same files the macros read, parsed by the same
//! `ops-metadata` code) and refuses inconsistent ones with a clear error.
//!
//! ```
//! use ops_runtime::testing::{Context, State};
//! use ops_runtime::{charm, CollectStatus, Event, HookContext, Status};
//!
//! #[derive(Default)]
//! struct Demo;
//!
//! #[charm(metadata_source = "name: demo\nconfig:\n  options:\n    port:\n      type: int\n      default: 8080\n")]
//! impl Demo {
//!     #[on(config_changed)]
//!     fn configure(&mut self, cx: &mut HookContext) -> Result<(), ops_runtime::ModelError> {
//!         let port = cx.config()?.get_int("port").unwrap_or_default();
//!         log::info!("listening on {port}");
//!         Ok(())
//!     }
//!
//!     #[on(collect_unit_status)]
//!     fn status(&mut self, _cx: &mut HookContext, status: CollectStatus) {
//!         status.add(Status::active(""));
//!     }
//! }
//!
//! let mut ctx = Context::<Demo>::new();
//! let out = ctx.run(Event::ConfigChanged, State::new().with_config("port", 9000)).unwrap();
//! assert_eq!(out.unit_status, Status::active(""));
//! assert_eq!(ctx.juju_log()[0].message, "listening on 9000");
//! ```

mod memory;
mod pebble;
mod relation;
mod secret;

use std::collections::BTreeMap;
use std::rc::Rc;

use ops_metadata::{CharmMetadata, ConfigType, ParamType, SourceKind};

use self::memory::Model;
pub use self::memory::{JujuLogLine, MemoryHookTools};
pub use self::pebble::{Container, ExecMock, FsEntry, check_info};
pub use self::relation::Relation;
pub use self::secret::Secret;
use crate::config::ConfigValue;
use crate::dispatch::{Charm, DispatchError, Outcome};
use crate::env::{JujuContext, JujuVersion};
use crate::event::Event;
use crate::hook_tools::{ConfigMap, HookTools};
use crate::status::{Status, StatusInfo};

/// The Juju state a charm sees during one run: the input of [`Context::run`] and,
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
    /// The cloud spec `credential-get` reports (`None`: the application is not trusted).
    pub cloud_spec: Option<crate::model::CloudSpec>,
    /// Stored state by key, as JSON (see [`State::with_stored`]).
    pub stored: BTreeMap<String, serde_json::Value>,
    /// Deferred events, oldest first.
    pub deferred: Vec<crate::state::DeferredEvent>,
}

/// A storage instance attached to the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// The harness's state store: the snapshot built from the input state.
struct MemoryStore(std::cell::RefCell<crate::state::Snapshot>);

impl crate::state::StateStore for MemoryStore {
    fn load(&self) -> Result<crate::state::Snapshot, crate::state::StateError> {
        Ok(self.0.borrow().clone())
    }

    fn save(&self, snapshot: &crate::state::Snapshot) -> Result<(), crate::state::StateError> {
        *self.0.borrow_mut() = snapshot.clone();
        Ok(())
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

    /// Trusts the application with this cloud spec.
    #[must_use]
    pub fn with_cloud_spec(mut self, spec: crate::model::CloudSpec) -> Self {
        self.cloud_spec = Some(spec);
        self
    }

    /// The relation with this id.
    pub fn relation(&self, id: u64) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
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

/// An action to run with [`Context::run_action`].
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

/// Why a run did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The state or event contradicts the charm's metadata or itself.
    #[error("inconsistent test setup:\n  - {}", .0.join("\n  - "))]
    Inconsistent(Vec<String>),
    /// The charm's metadata sources could not be parsed.
    #[error("cannot read the charm's metadata: {0}")]
    Metadata(#[from] ops_metadata::MetadataError),
    /// The hook failed: a handler returned an error or panicked (Juju would put
    /// the unit in error).
    #[error("the hook failed: {error}")]
    Failed {
        /// Why.
        error: DispatchError,
        /// The state when it failed. Statuses set before the failure stay, as in Juju.
        state: Box<State>,
    },
    /// The action failed (`action-fail`, or an error returned by its handler).
    #[error("the action failed: {message}")]
    ActionFailed {
        /// The failure message.
        message: String,
        /// What the action produced before failing.
        output: Box<ActionOutput>,
    },
}

/// Runs a charm's events against in-memory states and records what it did.
///
/// The records (`juju_log`, status histories, hook-tool calls) describe the most
/// recent run.
pub struct Context<C: Charm> {
    meta: CharmMetadata,
    make: Box<dyn Fn() -> C>,
    app_name: String,
    unit_id: u32,
    model_name: String,
    model_uuid: String,
    juju_version: JujuVersion,
    /// `JUJU_CHARM_DIR`, when a test gives the charm's files.
    charm_root: Option<std::path::PathBuf>,
    /// `JUJU_MACHINE_ID` and `JUJU_AVAILABILITY_ZONE`.
    machine_id: Option<String>,
    availability_zone: Option<String>,
    last: Model,
    emitted: Vec<Event>,
    exec_history: BTreeMap<String, Vec<crate::pebble::Exec>>,
    warnings: Vec<String>,
}

impl<C: Charm> std::fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("charm", &self.meta.name)
            .field("unit", &format_args!("{}/{}", self.app_name, self.unit_id))
            .finish_non_exhaustive()
    }
}

impl<C: Charm + Default> Context<C> {
    /// A context that builds the charm with [`Default`].
    ///
    /// # Panics
    ///
    /// If the metadata the charm was compiled against no longer parses (the macro
    /// checked it at compile time, so this means the build is stale); use
    /// [`Context::try_with_charm`] to get the error instead.
    pub fn new() -> Self {
        Self::with_charm(C::default)
    }
}

impl<C: Charm + Default> Default for Context<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm> Context<C> {
    /// A context that builds the charm with `make` before each run, e.g. to give
    /// it a fake workload.
    ///
    /// # Panics
    ///
    /// As [`Context::new`].
    pub fn with_charm(make: impl Fn() -> C + 'static) -> Self {
        match Self::try_with_charm(make) {
            Ok(ctx) => ctx,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Context::with_charm`], returning metadata errors.
    pub fn try_with_charm(make: impl Fn() -> C + 'static) -> Result<Self, RunError> {
        let sources: Vec<(SourceKind, &str, &str)> = C::metadata_sources()
            .iter()
            .map(|s| {
                let kind = match s.kind {
                    "metadata" => SourceKind::Metadata,
                    "config" => SourceKind::Config,
                    "actions" => SourceKind::Actions,
                    _ => SourceKind::Charmcraft,
                };
                (kind, s.name, s.text)
            })
            .collect();
        // As Juju reads metadata: a key written twice keeps its last value. (The
        // macros refuse such files in a charm's own metadata, so only a harness given
        // metadata some other way meets them.)
        let meta = ops_metadata::LoadOptions::new()
            .duplicate_keys(ops_metadata::DuplicateKeys::LastWins)
            .load_sources(&sources)?;
        Ok(Self {
            app_name: meta.name.clone(),
            meta,
            make: Box::new(make),
            unit_id: 0,
            model_name: "test-model".to_owned(),
            model_uuid: "7c2f6b0e-5d4a-4c1e-9f3a-2b8d1e6a0c44".to_owned(),
            juju_version: JujuVersion::new(3, 6, 4),
            charm_root: None,
            machine_id: None,
            availability_zone: None,
            last: Model::default(),
            emitted: Vec::new(),
            exec_history: BTreeMap::new(),
            warnings: Vec::new(),
        })
    }

    /// Sets the unit's number (`<app>/<id>`, default 0).
    #[must_use]
    pub fn with_unit_id(mut self, id: u32) -> Self {
        self.unit_id = id;
        self
    }

    /// Sets the application's name (default: the charm's name).
    #[must_use]
    pub fn with_app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = name.into();
        self
    }

    /// Sets the Juju version the charm sees (default 3.6.4).
    #[must_use]
    pub fn with_juju_version(mut self, version: JujuVersion) -> Self {
        self.juju_version = version;
        self
    }

    /// Sets the model's name and UUID (default `test-model` and a fixed UUID).
    #[must_use]
    pub fn with_model(mut self, name: impl Into<String>, uuid: impl Into<String>) -> Self {
        self.model_name = name.into();
        self.model_uuid = uuid.into();
        self
    }

    /// Sets the charm directory (`JUJU_CHARM_DIR`), for a charm that reads
    /// files shipped with it (templates, a bundled workload). Unset by
    /// default; the harness never writes there (its state stays in memory).
    #[must_use]
    pub fn with_charm_root(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.charm_root = Some(dir.into());
        self
    }

    /// Places the unit on a machine (`JUJU_MACHINE_ID`) in an availability
    /// zone (`JUJU_AVAILABILITY_ZONE`), as Juju does for machine charms.
    #[must_use]
    pub fn with_machine(mut self, id: impl Into<String>, zone: Option<&str>) -> Self {
        self.machine_id = Some(id.into());
        self.availability_zone = zone.map(str::to_owned);
        self
    }

    /// The charm's metadata.
    pub fn metadata(&self) -> &CharmMetadata {
        &self.meta
    }

    /// Runs one event and returns the state after it.
    pub fn run(&mut self, event: Event, state: State) -> Result<State, RunError> {
        if let Event::Action(action) = &event {
            return Err(RunError::Inconsistent(vec![format!(
                "run the action `{}` with `Context::run_action`, which also returns its results",
                action.name
            )]));
        }
        self.warnings = self.warnings_for(&event, &state);
        let mut problems = self.check_state(&state);
        problems.extend(self.check_event(&event, &state));
        if !problems.is_empty() {
            return Err(RunError::Inconsistent(problems));
        }
        self.emitted.clear();
        let (outcome, state) = self.execute(&event, state, None);
        match outcome {
            Outcome::Failed(error) => Err(RunError::Failed {
                error,
                state: Box::new(state),
            }),
            _ => Ok(state),
        }
    }

    /// Runs an action and returns its results, logs and the state after it.
    pub fn run_action(&mut self, action: Action, state: State) -> Result<ActionOutput, RunError> {
        self.warnings.clear();
        let mut problems = self.check_state(&state);
        problems.extend(self.check_action(&action));
        if !problems.is_empty() {
            return Err(RunError::Inconsistent(problems));
        }
        let event = Event::Action(crate::event::ActionEvent {
            name: action.name.clone(),
            id: action.id.clone(),
        });
        // Juju hands the charm the declared defaults of parameters not given.
        let mut params = action.params;
        if let Some(meta) = self.meta.actions.get(&action.name) {
            for (name, param) in &meta.params {
                if let Some(default) = &param.default {
                    params
                        .entry(name.clone())
                        .or_insert_with(|| default.clone());
                }
            }
        }
        let (outcome, state) = self.execute(&event, state, Some(params));
        let output = ActionOutput {
            state,
            results: unflatten(&self.last.action_results),
            logs: self.last.action_logs.clone(),
        };
        match (outcome, self.last.action_failure.clone()) {
            (Outcome::Failed(error), _) => Err(RunError::Failed {
                error,
                state: Box::new(output.state),
            }),
            (Outcome::ActionFailed { message }, _) | (_, Some(message)) => {
                Err(RunError::ActionFailed {
                    message,
                    output: Box::new(output),
                })
            }
            _ => Ok(output),
        }
    }

    fn execute(
        &mut self,
        event: &Event,
        state: State,
        action_params: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> (Outcome, State) {
        let tools = Rc::new(MemoryHookTools {
            model: std::cell::RefCell::new(Model {
                unit_name: format!("{}/{}", self.app_name, self.unit_id),
                app_name: self.app_name.clone(),
                model_uuid: self.model_uuid.clone(),
                relations: state
                    .relations
                    .iter()
                    .map(|r| {
                        let mut r = r.clone();
                        if r.peer {
                            r.remote_app.clone_from(&self.app_name);
                        }
                        r
                    })
                    .collect(),
                secrets: state.secrets.clone(),
                storages: state.storages.clone(),
                resources: state.resources.clone(),
                networks: state.networks.clone(),
                opened_ports: state.opened_ports.clone(),
                planned_units: state.planned_units.unwrap_or(1),
                cloud_spec: state.cloud_spec.clone(),
                leader: state.leader,
                config: self.config_map(&state),
                unit_status: state.unit_status.clone(),
                app_status: state.app_status.clone(),
                workload_version: state.workload_version.clone(),
                action_params,
                ..Model::default()
            }),
            pebbles: Rc::new(std::cell::RefCell::new(self::pebble::Pebbles {
                containers: state
                    .containers
                    .iter()
                    .map(|c| {
                        let mut c = c.clone();
                        c.prepare();
                        (c.name.clone(), c)
                    })
                    .collect(),
                exec_history: BTreeMap::new(),
            })),
        });
        let mut vars = self.env_for(event);
        if self.meta.subordinate
            && let Some(principal) = state
                .relations
                .iter()
                .filter(|relation| relation.subordinate)
                .find_map(|relation| relation.remote_units.keys().next())
        {
            vars.insert("JUJU_PRINCIPAL_UNIT".to_owned(), principal.clone());
        }
        let status = |info: &StatusInfo| {
            info.to_status()
                .map(|s| (s.kind().as_str().to_owned(), s.message().to_owned()))
        };
        let store = MemoryStore(std::cell::RefCell::new(crate::state::Snapshot {
            stored: state.stored.clone(),
            deferred: state.deferred.clone(),
            unit_status: status(&state.unit_status),
            app_status: status(&state.app_status),
        }));
        let outcome = match JujuContext::from_vars(&vars) {
            Ok(juju) => {
                let mut charm = (self.make)();
                let dyn_tools: Rc<dyn HookTools> = tools.clone();
                let (outcome, emitted) =
                    crate::dispatch::run_inner(&mut charm, juju, dyn_tools, &store);
                self.emitted = emitted;
                outcome
            }
            Err(e) => Outcome::Failed(DispatchError::Env(e)),
        };
        let committed = store.0.into_inner();
        self.last = tools.model.borrow().clone();
        let pebbles = std::mem::take(&mut *tools.pebbles.borrow_mut());
        self.exec_history = pebbles.exec_history;
        let containers = state
            .containers
            .iter()
            .map(|before| {
                pebbles
                    .containers
                    .get(&before.name)
                    .cloned()
                    .unwrap_or_else(|| before.clone())
            })
            .collect();
        let relations = state
            .relations
            .iter()
            .map(|before| {
                let after = self.last.relations.iter().find(|r| r.id == before.id);
                after.map_or_else(
                    || before.clone(),
                    |after| Relation {
                        local_unit_data: after.local_unit_data.clone(),
                        local_app_data: after.local_app_data.clone(),
                        ..before.clone()
                    },
                )
            })
            .collect();
        let out = State {
            stored: committed.stored,
            deferred: committed.deferred,
            relations,
            secrets: self.last.secrets.clone(),
            opened_ports: self.last.opened_ports.clone(),
            unit_status: self.last.unit_status.clone(),
            app_status: self.last.app_status.clone(),
            workload_version: self.last.workload_version.clone(),
            containers,
            ..state
        };
        (outcome, out)
    }

    /// `config-get`'s view: metadata defaults under the state's values.
    fn config_map(&self, state: &State) -> ConfigMap {
        let mut map: ConfigMap = self
            .meta
            .config
            .values()
            .filter_map(|o| Some((o.name.clone(), meta_value_json(o.default.as_ref()?))))
            .collect();
        map.extend(state.config.iter().map(|(k, v)| (k.clone(), v.to_json())));
        map
    }

    /// The `JUJU_*` variables Juju would set for `event`.
    fn env_for(&self, event: &Event) -> BTreeMap<String, String> {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            vars.insert(k.to_owned(), v.to_owned());
        };
        let hook_name = match event {
            Event::Action(_) => String::new(),
            _ => event.hook_name(),
        };
        set("JUJU_DISPATCH_PATH", &event.dispatch_path());
        set("JUJU_HOOK_NAME", &hook_name);
        set(
            "JUJU_UNIT_NAME",
            &format!("{}/{}", self.app_name, self.unit_id),
        );
        set("JUJU_MODEL_NAME", &self.model_name);
        set("JUJU_MODEL_UUID", &self.model_uuid);
        set("JUJU_VERSION", &self.juju_version.to_string());
        if let Some(root) = &self.charm_root {
            set("JUJU_CHARM_DIR", &root.display().to_string());
        }
        if let Some(machine) = &self.machine_id {
            set("JUJU_MACHINE_ID", machine);
        }
        if let Some(zone) = &self.availability_zone {
            set("JUJU_AVAILABILITY_ZONE", zone);
        }
        let relation = |set: &mut dyn FnMut(&str, &str),
                        r: &crate::event::RelationRef,
                        app: Option<&str>,
                        unit: Option<&str>| {
            set("JUJU_RELATION", &r.endpoint);
            set("JUJU_RELATION_ID", &r.to_string());
            set("JUJU_REMOTE_APP", app.unwrap_or_default());
            set("JUJU_REMOTE_UNIT", unit.unwrap_or_default());
        };
        match event {
            Event::RelationCreated(e) => relation(&mut set, &e.relation, Some(&e.app), None),
            Event::RelationJoined(e) => {
                relation(&mut set, &e.relation, Some(&e.app), Some(&e.unit))
            }
            Event::RelationChanged(e) => {
                relation(&mut set, &e.relation, Some(&e.app), e.unit.as_deref())
            }
            Event::RelationDeparted(e) => {
                relation(&mut set, &e.relation, Some(&e.app), Some(&e.unit));
                set(
                    "JUJU_DEPARTING_UNIT",
                    e.departing_unit.as_deref().unwrap_or_default(),
                );
            }
            Event::RelationBroken(e) => relation(&mut set, &e.relation, e.app.as_deref(), None),
            Event::StorageAttached(e) | Event::StorageDetaching(e) => {
                set("JUJU_STORAGE_ID", &e.storage.to_string());
            }
            Event::PebbleReady(e) => set("JUJU_WORKLOAD_NAME", &e.container),
            Event::PebbleCustomNotice(e) => {
                set("JUJU_WORKLOAD_NAME", &e.container);
                set("JUJU_NOTICE_ID", &e.notice.id);
                set("JUJU_NOTICE_TYPE", &e.notice.kind);
                set("JUJU_NOTICE_KEY", &e.notice.key);
            }
            Event::PebbleCheckFailed(e) => {
                set("JUJU_WORKLOAD_NAME", &e.container);
                set("JUJU_PEBBLE_CHECK_NAME", &e.check);
            }
            Event::PebbleCheckRecovered(e) => {
                set("JUJU_WORKLOAD_NAME", &e.container);
                set("JUJU_PEBBLE_CHECK_NAME", &e.check);
            }
            Event::SecretChanged(e) => secret(&mut set, &e.secret, None),
            Event::SecretRotate(e) => secret(&mut set, &e.secret, None),
            Event::SecretRemove(e) => secret(&mut set, &e.secret, Some(e.revision)),
            Event::SecretExpired(e) => secret(&mut set, &e.secret, Some(e.revision)),
            Event::Action(e) => {
                set("JUJU_ACTION_NAME", &e.name);
                set("JUJU_ACTION_UUID", &e.id);
            }
            _ => {}
        }
        vars
    }

    fn check_state(&self, state: &State) -> Vec<String> {
        let mut problems = self.check_relations(state);
        for (i, storage) in state.storages.iter().enumerate() {
            if !self.meta.storage.contains_key(&storage.name) {
                problems.push(format!(
                    "storage `{}` is not declared in the charm's metadata",
                    storage.name
                ));
            }
            if state.storages[..i]
                .iter()
                .any(|s| s.name == storage.name && s.index == storage.index)
            {
                problems.push(format!(
                    "storage `{}/{}` is attached twice",
                    storage.name, storage.index
                ));
            }
        }
        for (i, container) in state.containers.iter().enumerate() {
            if !self.meta.containers.contains_key(&container.name) {
                problems.push(format!(
                    "container `{}` is not declared in the charm's metadata",
                    container.name
                ));
            }
            if state.containers[..i]
                .iter()
                .any(|c| c.name == container.name)
            {
                problems.push(format!(
                    "container `{}` is in the state twice",
                    container.name
                ));
            }
            problems.extend(container.problems());
        }
        for name in state.resources.keys() {
            if !self.meta.resources.contains_key(name) {
                problems.push(format!(
                    "resource `{name}` is not declared in the charm's metadata"
                ));
            }
        }
        for binding in state.networks.keys() {
            if self.meta.relation(binding).is_none()
                && !self.meta.extra_bindings.contains_key(binding)
                && binding != "juju-info"
            {
                problems.push(format!(
                    "network binding `{binding}` is neither an endpoint nor an extra binding of the charm"
                ));
            }
        }
        for (name, value) in &state.config {
            let Some(option) = self.meta.config.get(name) else {
                let known: Vec<&str> = self.meta.config.keys().map(String::as_str).collect();
                problems.push(format!(
                    "config option `{name}` is not declared in the charm's metadata (declared: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
                continue;
            };
            let fits = matches!(
                (option.kind, value),
                (
                    ConfigType::String | ConfigType::Secret,
                    ConfigValue::String(_)
                ) | (ConfigType::Int, ConfigValue::Int(_))
                    | (
                        ConfigType::Float,
                        ConfigValue::Float(_) | ConfigValue::Int(_)
                    )
                    | (ConfigType::Boolean, ConfigValue::Bool(_))
            );
            if !fits {
                problems.push(format!(
                    "config option `{name}` is of type `{}`, but the state gives it the {} `{value}`",
                    option.kind.as_str(),
                    value.type_name()
                ));
            }
            if option.kind == ConfigType::Secret {
                if self.juju_version < JujuVersion::new(3, 4, 0) {
                    problems.push(format!(
                        "config option `{name}` is of type `secret`, which needs Juju 3.4 or \
                         later, and the context runs Juju {}",
                        self.juju_version
                    ));
                }
                if let ConfigValue::String(text) = value
                    && !is_secret_uri(text)
                {
                    problems.push(format!(
                        "config option `{name}` is of type `secret`, so its value is a secret \
                         id such as `secret:cs0k7p7mp25c7f0rcvog` (`secret:` and 20 lowercase \
                         letters and digits), not `{text}`"
                    ));
                }
            }
        }
        problems
    }

    fn check_relations(&self, state: &State) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, relation) in state.relations.iter().enumerate() {
            let endpoint = &relation.endpoint;
            match self.meta.relation(endpoint) {
                None => problems.push(format!(
                    "relation {} uses endpoint `{endpoint}`, which the charm's metadata does not declare",
                    relation.id
                )),
                Some(meta) => {
                    let is_peer = meta.role == ops_metadata::RelationRole::Peer;
                    let is_container = meta.scope == ops_metadata::RelationScope::Container;
                    if is_peer && !relation.peer {
                        problems.push(format!(
                            "`{endpoint}` is a peer endpoint: build its relation with `Relation::peer`"
                        ));
                    } else if !is_peer && relation.peer {
                        problems.push(format!(
                            "`{endpoint}` is not a peer endpoint: build its relation with `Relation::new`"
                        ));
                    } else if is_container && !relation.subordinate {
                        problems.push(format!(
                            "`{endpoint}` has `scope: container`: build its relation with \
                             `Relation::subordinate`"
                        ));
                    } else if !is_container && relation.subordinate {
                        problems.push(format!(
                            "`{endpoint}` is not a `scope: container` endpoint: build its \
                             relation with `Relation::new`"
                        ));
                    }
                    if relation.subordinate && relation.remote_units.len() != 1 {
                        problems.push(format!(
                            "subordinate relation {} has {} remote units; a container-scoped \
                             relation joins exactly one unit on each side",
                            relation.id,
                            relation.remote_units.len()
                        ));
                    }
                }
            }
            if state.relations[..i].iter().any(|r| r.id == relation.id) {
                problems.push(format!("relation id {} is used twice", relation.id));
            }
            let unit = format!("{}/{}", self.app_name, self.unit_id);
            if relation.remote_units.contains_key(&unit) {
                problems.push(format!(
                    "relation {} lists this unit (`{unit}`) among its remote units",
                    relation.id
                ));
            }
        }
        problems
    }

    fn check_event(&self, event: &Event, state: &State) -> Vec<String> {
        let mut problems = Vec::new();
        let relation = match event {
            Event::RelationCreated(e) => Some((&e.relation, None)),
            Event::RelationJoined(e) => Some((&e.relation, Some(&e.unit))),
            Event::RelationChanged(e) => Some((&e.relation, e.unit.as_ref())),
            Event::RelationDeparted(e) => Some((&e.relation, None)),
            Event::RelationBroken(e) => Some((&e.relation, None)),
            _ => None,
        };
        if let Some((relation, unit)) = relation {
            match state.relations.iter().find(|r| r.id == relation.id) {
                None => problems.push(format!(
                    "the event is about relation {relation}, which is not in the state; add it with `State::with_relation`"
                )),
                Some(r) if r.endpoint != relation.endpoint => problems.push(format!(
                    "the event names relation {relation}, but relation {} in the state is on endpoint `{}`",
                    r.id, r.endpoint
                )),
                Some(r) => {
                    if let Some(unit) = unit
                        && !r.remote_units.contains_key(unit)
                    {
                        problems.push(format!(
                            "the event names remote unit `{unit}`, which relation {relation} in the state does not have"
                        ));
                    }
                }
            }
        }
        let secret = match event {
            Event::SecretChanged(e) => Some((&e.secret, false)),
            Event::SecretRotate(e) => Some((&e.secret, true)),
            Event::SecretRemove(e) => Some((&e.secret, true)),
            Event::SecretExpired(e) => Some((&e.secret, true)),
            _ => None,
        };
        if secret.is_some() && !self.juju_version.has_secrets() {
            problems.push(format!(
                "`{}` needs Juju 3.0.3 or later (secrets), and the context runs Juju {}; \
                 set a newer one with `Context::with_juju_version`",
                event.hook_name(),
                self.juju_version
            ));
        }
        if let Some((secret, must_own)) = secret {
            match state.secret(&secret.id) {
                None => problems.push(format!(
                    "the event is about secret `{}`, which is not in the state; add it with `State::with_secret`",
                    secret.id
                )),
                Some(s) if must_own && s.owner.is_none() => problems.push(format!(
                    "`{}` goes to the secret's owner, but the state has this unit only observe `{}`",
                    event.hook_name(),
                    s.id
                )),
                Some(s) if !must_own && s.owner.is_some() => problems.push(format!(
                    "`secret-changed` goes to observers, but this unit owns `{}`",
                    s.id
                )),
                Some(_) => {}
            }
        }
        if let Event::StorageAttached(e) | Event::StorageDetaching(e) = event
            && !state
                .storages
                .iter()
                .any(|s| s.name == e.storage.name && s.index == e.storage.index)
        {
            problems.push(format!(
                "the event is about storage `{}`, which is not in the state; add it with `State::with_storage`",
                e.storage
            ));
        }
        problems.extend(check_workload_event(event, state));
        problems.extend(self.check_entity(event));
        problems
    }

    /// What is suspicious but allowed about `event` in `state`.
    fn warnings_for(&self, event: &Event, state: &State) -> Vec<String> {
        let mut warnings = Vec::new();
        if let Some(name) = workload_container(event)
            && state.container(name).is_some_and(|c| !c.can_connect)
        {
            warnings.push(format!(
                "`{}` is about container `{name}`, whose Pebble the state says cannot be reached (`can_connect: false`)",
                event.hook_name()
            ));
        }
        warnings
    }

    fn check_entity(&self, event: &Event) -> Vec<String> {
        let (Some(kind), Some(entity)) = (event.kind(), event.entity()) else {
            return Vec::new();
        };
        let declared = match kind.entity() {
            Some(crate::event::EntityKind::Relation) => self.meta.relation(entity).is_some(),
            Some(crate::event::EntityKind::Storage) => self.meta.storage.contains_key(entity),
            Some(crate::event::EntityKind::Container) => self.meta.containers.contains_key(entity),
            Some(crate::event::EntityKind::Action) => self.meta.actions.contains_key(entity),
            None => true,
        };
        if declared {
            Vec::new()
        } else {
            vec![format!(
                "the event `{}` names `{entity}`, which the charm's metadata does not declare",
                event.hook_name()
            )]
        }
    }

    fn check_action(&self, action: &Action) -> Vec<String> {
        let Some(meta) = self.meta.actions.get(&action.name) else {
            let known: Vec<&str> = self.meta.actions.keys().map(String::as_str).collect();
            return vec![format!(
                "the charm declares no action `{}` (declared: {})",
                action.name,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )];
        };
        let mut problems = Vec::new();
        for (name, value) in &action.params {
            match meta.params.get(name) {
                None if meta.additional_properties != Some(true) => problems.push(format!(
                    "action `{}` declares no parameter `{name}`",
                    action.name
                )),
                None => {}
                Some(param) => {
                    if let Some(kind) = param.kind
                        && !json_fits(kind, value)
                    {
                        problems.push(format!(
                            "action parameter `{}.{name}` is of type `{kind}`, but is given `{value}`",
                            action.name
                        ));
                    }
                }
            }
        }
        for required in &meta.required {
            if !action.params.contains_key(required) {
                problems.push(format!(
                    "action `{}` requires the parameter `{required}`",
                    action.name
                ));
            }
        }
        problems
    }

    /// The `juju-log` lines of the last run.
    pub fn juju_log(&self) -> &[JujuLogLine] {
        &self.last.juju_log
    }

    /// The unit statuses the last run replaced, oldest first (not the final one).
    pub fn unit_status_history(&self) -> &[StatusInfo] {
        &self.last.unit_status_history
    }

    /// The application statuses the last run replaced, oldest first.
    pub fn app_status_history(&self) -> &[StatusInfo] {
        &self.last.app_status_history
    }

    /// The workload versions the last run replaced, oldest first.
    pub fn workload_version_history(&self) -> &[String] {
        &self.last.workload_version_history
    }

    /// The secret revisions the last run removed, as `(id, revision)`.
    pub fn removed_secret_revisions(&self) -> &[(String, u64)] {
        &self.last.removed_secret_revisions
    }

    /// Storage the last run asked for with `storage-add`, by name.
    pub fn requested_storages(&self) -> &BTreeMap<String, u32> {
        &self.last.requested_storages
    }

    /// The metrics the last run added (`collect-metrics`).
    pub fn metrics(&self) -> &[(String, String)] {
        &self.last.metrics
    }

    /// The pod spec the last run set, if any.
    pub fn pod_spec(&self) -> Option<&serde_json::Value> {
        self.last.pod_spec.as_ref()
    }

    /// The reboots the last run asked for: `true` for `--now`.
    pub fn reboots(&self) -> &[bool] {
        &self.last.reboots
    }

    /// The custom events the charm's components emitted in the last run.
    pub fn emitted_events(&self) -> &[Event] {
        &self.emitted
    }

    /// The commands the charm ran in each container in the last run, in order,
    /// as it asked for them (command, environment, working directory, stdin,
    /// timeout).
    pub fn exec_history(&self) -> &BTreeMap<String, Vec<crate::pebble::Exec>> {
        &self.exec_history
    }

    /// What looked wrong, but not wrong enough to refuse, about the last run's
    /// input (as ops.testing's consistency checker warns).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The hook tools the last run called, in order.
    pub fn hook_tool_calls(&self) -> &[&'static str] {
        &self.last.calls
    }
}

/// The container a workload event is about.
fn workload_container(event: &Event) -> Option<&str> {
    match event {
        Event::PebbleReady(e) => Some(&e.container),
        Event::PebbleCustomNotice(e) => Some(&e.container),
        Event::PebbleCheckFailed(e) => Some(&e.container),
        Event::PebbleCheckRecovered(e) => Some(&e.container),
        _ => None,
    }
}

/// A workload event must be about a container in the state, and a notice or
/// check event about a notice or check that container has.
fn check_workload_event(event: &Event, state: &State) -> Vec<String> {
    let Some(name) = workload_container(event) else {
        return Vec::new();
    };
    let Some(container) = state.container(name) else {
        return vec![format!(
            "the event is about container `{name}`, which is not in the state; add it with `State::with_container`"
        )];
    };
    match event {
        Event::PebbleCustomNotice(e)
            if !container
                .notices
                .iter()
                .any(|n| n.id.as_str() == e.notice.id) =>
        {
            vec![format!(
                "the event is about notice {} of container `{name}`, which the state does not have; add it with `Container::with_notice`",
                e.notice.id
            )]
        }
        Event::PebbleCheckFailed(crate::event::PebbleCheckFailedEvent { check, .. })
        | Event::PebbleCheckRecovered(crate::event::PebbleCheckRecoveredEvent { check, .. })
            if !container.check_infos.iter().any(|c| &c.name == check) =>
        {
            vec![format!(
                "the event is about check `{check}` of container `{name}`, which the state does not have; add it with `Container::with_check_info`"
            )]
        }
        _ => Vec::new(),
    }
}

fn secret(
    set: &mut dyn FnMut(&str, &str),
    secret: &crate::event::SecretRef,
    revision: Option<u64>,
) {
    set("JUJU_SECRET_ID", &secret.id);
    set(
        "JUJU_SECRET_LABEL",
        secret.label.as_deref().unwrap_or_default(),
    );
    if let Some(revision) = revision {
        set("JUJU_SECRET_REVISION", &revision.to_string());
    }
}

fn meta_value_json(value: &ops_metadata::ConfigValue) -> serde_json::Value {
    match value {
        ops_metadata::ConfigValue::String(s) => serde_json::Value::String(s.clone()),
        ops_metadata::ConfigValue::Int(i) => serde_json::Value::from(*i),
        ops_metadata::ConfigValue::Float(f) => serde_json::Value::from(*f),
        ops_metadata::ConfigValue::Boolean(b) => serde_json::Value::Bool(*b),
    }
}

fn json_fits(kind: ParamType, value: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match kind {
        ParamType::String => matches!(value, V::String(_)),
        ParamType::Integer => value.as_i64().is_some() || value.as_u64().is_some(),
        ParamType::Number => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        ParamType::Array => value.is_array(),
        ParamType::Object => value.is_object(),
        ParamType::Null => value.is_null(),
    }
}

/// Nests dotted `action-set` keys back into objects: `a.b=1` becomes `{"a": {"b": "1"}}`.
fn unflatten(flat: &BTreeMap<String, String>) -> serde_json::Map<String, serde_json::Value> {
    fn insert(node: &mut serde_json::Map<String, serde_json::Value>, path: &[&str], value: &str) {
        match path {
            [] => {}
            [last] => {
                node.insert(
                    (*last).to_owned(),
                    serde_json::Value::String(value.to_owned()),
                );
            }
            [first, rest @ ..] => {
                let child = node
                    .entry((*first).to_owned())
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                if !child.is_object() {
                    *child = serde_json::Value::Object(serde_json::Map::new());
                }
                if let serde_json::Value::Object(child) = child {
                    insert(child, rest, value);
                }
            }
        }
    }
    let mut root = serde_json::Map::new();
    for (key, value) in flat {
        let path: Vec<&str> = key.split('.').collect();
        insert(&mut root, &path, value);
    }
    root
}

/// Whether `text` is a secret id as Juju writes them in config:
/// `secret:` and 20 lowercase letters and digits.
fn is_secret_uri(text: &str) -> bool {
    text.strip_prefix("secret:").is_some_and(|id| {
        id.len() == 20
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}
