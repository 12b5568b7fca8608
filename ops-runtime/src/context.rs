//! The hook context: what a handler uses to read and change the model.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::action::{CharmAction, ParamsError};
use crate::config::{CharmConfig, ConfigData, ConfigError};
use crate::dispatch::CharmMeta;
use crate::env::JujuContext;
use crate::event::Event;
use crate::hook_tools::{HookToolError, HookTools, LogLevel, StatusTarget};
use crate::status::{Status, StatusInfo};

mod dispatch_state;
pub(crate) use dispatch_state::DispatchState;

/// Juju's leadership lease: a leader stays leader at least this long after
/// `is-leader` said so, so the answer is cached for this long.
const LEADERSHIP_LEASE: Duration = Duration::from_secs(30);

/// An error from a model operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A hook tool failed.
    #[error(transparent)]
    HookTool(HookToolError),
    /// Only the leader unit may do this.
    #[error("only the leader may {action}; check `cx.is_leader()` first")]
    NotLeader {
        /// What was attempted.
        action: &'static str,
    },
    /// An action-only call outside an action.
    #[error("`{call}` is only available while running an action, and this is `{event}`")]
    NotInAction {
        /// The call made.
        call: &'static str,
        /// The event being handled.
        event: String,
    },
    /// The relation does not exist (any more): Juju said `relation not found`.
    #[error("relation not found: {stderr}")]
    RelationNotFound {
        /// What the hook tool said.
        stderr: String,
    },
    /// Several relations exist where one was expected.
    #[error(
        "endpoint `{endpoint}` has {count} relations; look them up with `relations()` and pick one"
    )]
    TooManyRelatedApps {
        /// The endpoint.
        endpoint: &'static str,
        /// How many relations it has.
        count: usize,
    },
    /// Juju's access rules forbid this read or write of a databag.
    #[error("cannot access the databag of relation `{relation}`: {reason}")]
    RelationDataAccess {
        /// The relation (`endpoint:id`).
        relation: String,
        /// Which rule forbids it.
        reason: String,
    },
    /// A databag does not convert to or from the typed struct.
    #[error("relation `{relation}`, data of {member}: {message}")]
    RelationData {
        /// The relation (`endpoint:id`).
        relation: String,
        /// Whose data.
        member: String,
        /// What does not convert.
        message: String,
    },
    /// The secret does not exist, or this unit cannot see it.
    #[error("secret not found: {stderr}")]
    SecretNotFound {
        /// What the hook tool said.
        stderr: String,
    },
    /// Metrics Juju would refuse.
    #[error("cannot add metrics: {reason}")]
    InvalidMetric {
        /// Why.
        reason: String,
    },
    /// Secret content or options Juju would refuse.
    #[error("invalid secret request: {reason}")]
    InvalidSecret {
        /// What is wrong.
        reason: String,
    },
    /// A Pebble call to a workload container failed.
    #[cfg(feature = "pebble")]
    #[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
    #[error("container `{container}`: {source}")]
    Pebble {
        /// The container.
        container: String,
        /// What Pebble (or the connection to it) said (boxed: it is large).
        #[source]
        source: Box<crate::pebble::Error>,
    },
    /// The charm's metadata declares no container of this name. The message
    /// suggests the nearest declared one.
    #[error(
        "the charm's metadata declares no container `{name}`{}",
        crate::suggest::hint(name, declared, "container", "cx.container(Self::CONTAINER_{})")
    )]
    UnknownContainer {
        /// The name asked for.
        name: String,
        /// The containers the metadata declares.
        declared: &'static [&'static str],
    },
    /// Action results that Juju would refuse.
    #[error("invalid action result key `{key}`: {reason}")]
    InvalidActionResult {
        /// The offending (flattened) key.
        key: String,
        /// Why Juju refuses it.
        reason: String,
    },
}

/// Classifies hook-tool failures the way ops does: a `relation-*` or
/// `network-*` tool saying "relation not found" is [`ModelError::RelationNotFound`],
/// a `secret-*` tool saying "not found" is [`ModelError::SecretNotFound`].
/// What Juju's refusals for lack of rights say, as ops looks for them.
const AUTHZ_FAILURES: &[&str] = &[
    "access denied",
    "permission denied",
    "not the leader",
    "cannot write relation settings",
];

impl From<HookToolError> for ModelError {
    fn from(error: HookToolError) -> Self {
        if let HookToolError::Failed { tool, stderr, .. } = &error {
            let lower = stderr.to_lowercase();
            if AUTHZ_FAILURES.iter().any(|text| lower.contains(text)) {
                crate::logging::security_event(
                    crate::logging::SecurityLevel::Critical,
                    &format!("authz_fail:{tool}"),
                    &format!("Juju refused `{tool}`: {}", stderr.trim()),
                );
            }
            let relation_tool = tool.starts_with("relation-") || tool.starts_with("network-");
            if relation_tool && lower.contains("relation not found") {
                return ModelError::RelationNotFound {
                    stderr: stderr.trim().to_owned(),
                };
            }
            if tool.starts_with("secret-") && lower.contains("not found") {
                return ModelError::SecretNotFound {
                    stderr: stderr.trim().to_owned(),
                };
            }
        }
        ModelError::HookTool(error)
    }
}

/// Why [`HookContext::load_config`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadConfigError {
    /// `config-get` failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The values do not convert into the typed struct.
    #[error(transparent)]
    Invalid(#[from] ConfigError),
}

/// Why [`HookContext::load_params`] failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadParamsError {
    /// `action-get` failed, or this is not an action.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The parameters do not convert into the typed struct.
    #[error(transparent)]
    Invalid(#[from] ParamsError),
}

/// What a handler uses to talk to Juju during one dispatch.
///
/// One `HookContext` lives for the whole dispatch; values Juju cannot change
/// within a hook (configuration, and leadership for Juju's 30-second lease) are
/// fetched once and cached.
///
/// Its public methods (here and, by topic, in `model.rs`, `relation.rs`,
/// `secret.rs`, `container.rs`, `component.rs`, `debug.rs`) are everything a
/// handler may touch. What dispatch works with between handlers (stored state,
/// the deferral queue, custom events, collect-status) is the `DispatchState`
/// it wraps (`context/dispatch_state.rs`), which only dispatch reaches.
pub struct HookContext {
    juju: JujuContext,
    /// The event being handled: the hook's, or a deferred or custom event's
    /// while dispatch runs one (`replace_event`).
    event: Event,
    tools: Rc<dyn HookTools>,
    meta: CharmMeta,
    // The API's per-hook caches, read only by its own methods.
    config: Option<ConfigData>,
    leader: Option<(bool, Instant)>,
    runtime: Option<Rc<tokio::runtime::Runtime>>,
    /// Relation ids, units, remote apps and databags (`relation.rs`).
    pub(crate) relation_cache: crate::relation::RelationCache,
    /// Tracked secret content read in this hook, by id (or `label:<label>`)
    /// (`secret.rs`).
    pub(crate) secret_cache: std::collections::HashMap<String, crate::secret::SecretContent>,
    /// The Pebble connection of each container asked for so far (`container.rs`).
    #[cfg(feature = "pebble")]
    pub(crate) pebbles: BTreeMap<String, Rc<dyn crate::pebble::PebbleApi>>,
    /// Dispatch's working state.
    dispatch: DispatchState,
}

impl std::fmt::Debug for HookContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HookContext")
            .field("unit", &self.juju.unit_name)
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}

impl HookContext {
    /// A context for `event`, talking to Juju through `tools`.
    pub fn new(juju: JujuContext, event: Event, tools: Rc<dyn HookTools>) -> Self {
        Self {
            juju,
            event,
            tools,
            meta: CharmMeta::EMPTY,
            config: None,
            leader: None,
            runtime: None,
            relation_cache: crate::relation::RelationCache::default(),
            secret_cache: std::collections::HashMap::new(),
            #[cfg(feature = "pebble")]
            pebbles: BTreeMap::new(),
            dispatch: DispatchState::default(),
        }
    }

    /// The same context, for a charm with this compiled-in metadata (dispatch
    /// does this; the metadata decides, for example, which endpoints are peers).
    #[must_use]
    pub fn with_meta(mut self, meta: CharmMeta) -> Self {
        self.meta = meta;
        self
    }

    /// The same context, starting from this stored state.
    #[must_use]
    pub fn with_snapshot(mut self, snapshot: crate::state::Snapshot) -> Self {
        self.dispatch.set_snapshot(snapshot);
        self
    }

    /// Dispatch's working state for this hook.
    pub(crate) fn dispatch_state(&self) -> &DispatchState {
        &self.dispatch
    }

    /// Dispatch's working state for this hook, to change.
    pub(crate) fn dispatch_state_mut(&mut self) -> &mut DispatchState {
        &mut self.dispatch
    }

    /// Makes `event` the one being handled, returning the one it replaces
    /// (dispatch runs a deferred or custom event this way, then puts the
    /// hook's back).
    pub(crate) fn replace_event(&mut self, event: Event) -> Event {
        std::mem::replace(&mut self.event, event)
    }

    /// The charm's stored state of type `T`, loaded on first use (from
    /// `Default` the first time) and committed when the hook succeeds.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{CharmError, Event, HookContext, StoredState, charm};
    /// #[derive(Default, serde::Serialize, serde::Deserialize)]
    /// struct Counters {
    ///     starts: u32,
    /// }
    ///
    /// impl StoredState for Counters {
    ///     const KEY: &'static str = "counters";
    /// }
    ///
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(start)]
    ///     fn start(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         cx.stored::<Counters>()?.starts += 1;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// // The state one hook commits is what the next one loads.
    /// let mut ctx = Context::<Demo>::new();
    /// let once = ctx.run(Event::Start, State::new()).unwrap();
    /// let twice = ctx.run(Event::Start, once).unwrap();
    /// assert_eq!(twice.stored::<Counters>().unwrap().starts, 2);
    /// ```
    pub fn stored<T: crate::state::StoredState>(
        &mut self,
    ) -> Result<&mut T, crate::state::StateError> {
        self.dispatch.stored::<T>()
    }

    /// The custom events emitted so far in this hook.
    pub fn emitted_events(&self) -> &[Event] {
        self.dispatch.emitted()
    }

    /// The charm's compiled-in metadata.
    pub fn meta(&self) -> &CharmMeta {
        &self.meta
    }

    /// The charm's whole typed metadata, compiled in by `#[charm]`: each
    /// endpoint's interface and limit, each container's mounts, each
    /// resource's type, and so on (see [`Metadata`](crate::Metadata)). Empty
    /// for a context not built for a charm.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Status, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo\nrequires:\n  db: {interface: pgsql, limit: 1}\n")]
    /// impl Demo {
    ///     #[on(install)]
    ///     fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let db = cx.metadata().relation("db").expect("declared");
    ///         cx.set_unit_status(Status::active(format!("{} x{:?}", db.interface, db.limit)))
    ///     }
    /// }
    ///
    /// let out = Context::<Demo>::new().run(Event::Install, State::new()).unwrap();
    /// assert_eq!(out.unit_status, Status::active("pgsql xSome(1)"));
    /// ```
    pub fn metadata(&self) -> &'static crate::metadata::Metadata {
        self.meta.metadata
    }

    /// The dispatch's Juju context (unit, model, version, raw event variables).
    pub fn juju(&self) -> &JujuContext {
        &self.juju
    }

    /// The event being handled.
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The hook-tool backend, for calls this context does not wrap.
    pub fn hook_tools(&self) -> &dyn HookTools {
        &*self.tools
    }

    /// This unit's name, e.g. `tinyproxy/0`.
    pub fn unit_name(&self) -> &str {
        &self.juju.unit_name
    }

    /// This application's name, e.g. `tinyproxy`.
    pub fn app_name(&self) -> &str {
        &self.juju.app_name
    }

    /// The model's name.
    pub fn model_name(&self) -> &str {
        &self.juju.model_name
    }

    /// The model's UUID.
    pub fn model_uuid(&self) -> &str {
        &self.juju.model_uuid
    }

    /// Whether this unit is the leader. Asked with `is-leader` and cached for
    /// Juju's 30-second leadership lease, timed from before the call.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Status, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         if cx.is_leader()? {
    ///             cx.set_app_status(Status::active("serving"))?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new();
    /// let leader = ctx.run(Event::ConfigChanged, State::new().with_leader(true)).unwrap();
    /// assert_eq!(leader.app_status, Status::active("serving"));
    /// let follower = ctx.run(Event::ConfigChanged, State::new().with_leader(false)).unwrap();
    /// assert_ne!(follower.app_status, Status::active("serving"));
    /// ```
    pub fn is_leader(&mut self) -> Result<bool, ModelError> {
        if let Some((leader, asked)) = self.leader
            && asked.elapsed() < LEADERSHIP_LEASE
        {
            return Ok(leader);
        }
        let asked = Instant::now();
        let leader = self.tools.is_leader()?;
        self.leader = Some((leader, asked));
        Ok(leader)
    }

    /// The charm's configuration, read with one `config-get` per hook.
    ///
    /// Options come as the type charmcraft.yaml gives them (`get_str`,
    /// `get_int`, `get_float`, `get_bool`), with the metadata's defaults filled
    /// in. For a typed struct checked at compile time, see
    /// [`HookContext::load_config`] and [`Config<T>`](crate::Config).
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Status, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// config:
    ///   options:
    ///     log-level:
    ///       type: string
    ///       default: info
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let level = cx.config()?.get_str("log-level").unwrap_or("info").to_owned();
    ///         if !["debug", "info", "warning", "error"].contains(&level.as_str()) {
    ///             cx.set_unit_status(Status::blocked(format!("unknown log-level `{level}`")))?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new().with_config("log-level", "verbose");
    /// let out = Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// assert_eq!(out.unit_status, Status::blocked("unknown log-level `verbose`"));
    /// ```
    pub fn config(&mut self) -> Result<&ConfigData, ModelError> {
        if self.config.is_none() {
            let map = self.tools.config_get()?;
            self.config = Some(ConfigData::from_json(&map));
        }
        Ok(self.config.get_or_insert_with(ConfigData::default))
    }

    /// The configuration as the typed struct `T` (see `#[derive(CharmConfig)]`),
    /// from the same single `config-get` as [`HookContext::config`].
    ///
    /// Handlers usually take [`Config<T>`](crate::Config) instead, which also
    /// reports invalid configuration as the unit's `Blocked` status.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{CharmConfig, CharmError, Event, HookContext, Port, charm};
    /// #[derive(CharmConfig)]
    /// #[config(metadata_source = r#"
    /// name: demo
    /// config:
    ///   options:
    ///     port:
    ///       type: int
    ///       default: 8080
    /// "#)]
    /// struct DemoConfig {
    ///     port: u16,
    /// }
    ///
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// config:
    ///   options:
    ///     port:
    ///       type: int
    ///       default: 8080
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         let config: DemoConfig = cx.load_config()?;
    ///         cx.open_port(Port::tcp(config.port))?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new();
    /// let out = ctx.run(Event::ConfigChanged, State::new()).unwrap();
    /// assert!(out.opened_ports.contains(&Port::tcp(8080)));
    /// // 70000 is not a `u16`: the handler fails, naming the option.
    /// let err = ctx.run(Event::ConfigChanged, State::new().with_config("port", 70000));
    /// assert!(err.unwrap_err().to_string().contains("`port`"));
    /// ```
    pub fn load_config<T: CharmConfig>(&mut self) -> Result<T, LoadConfigError> {
        Ok(T::from_config(self.config()?)?)
    }

    /// The running action's parameters as the typed struct `T` (see
    /// `#[derive(CharmAction)]`).
    pub fn load_params<T: CharmAction>(&mut self) -> Result<T, LoadParamsError> {
        self.require_action("load_params")?;
        if let crate::Event::Action(action) = &self.event
            && action.name != T::NAME
        {
            return Err(LoadParamsError::Invalid(ParamsError::WrongAction {
                expected: T::NAME,
                running: action.name.clone(),
            }));
        }
        let params = self.tools.action_get().map_err(ModelError::from)?;
        Ok(T::from_params(&params)?)
    }

    /// Sets this unit's status. Juju applies it at once, even if the hook fails later.
    ///
    /// A charm with a `collect_unit_status` handler usually lets it decide the
    /// status at the end of every hook, and sets one here only to show progress
    /// during long work.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Status, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(install)]
    ///     fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         cx.set_unit_status(Status::maintenance("installing the workload"))?;
    ///         // ... install it ...
    ///         cx.set_unit_status(Status::active(""))
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new();
    /// let out = ctx.run(Event::Install, State::new()).unwrap();
    /// assert_eq!(out.unit_status, Status::active(""));
    /// // The statuses the unit went through before its last one.
    /// let before = ctx.unit_status_history().last().unwrap();
    /// assert_eq!(before, &Status::maintenance("installing the workload"));
    /// ```
    pub fn set_unit_status(&mut self, status: Status) -> Result<(), ModelError> {
        self.tools.status_set(StatusTarget::Unit, &status)?;
        self.dispatch.record_status(StatusTarget::Unit, &status);
        Ok(())
    }

    /// The refusal of `action` to a unit that does not lead, reported as a
    /// security event as ops does.
    fn not_leader(&self, action: &'static str) -> ModelError {
        crate::logging::security_event(
            crate::logging::SecurityLevel::Critical,
            &format!("authz_fail:{},application-status", self.juju.unit_name),
            &format!("A unit that is not the leader tried to {action}."),
        );
        ModelError::NotLeader { action }
    }

    /// Sets the application's status; only the leader may.
    pub fn set_app_status(&mut self, status: Status) -> Result<(), ModelError> {
        if !self.is_leader()? {
            return Err(self.not_leader("set the application status"));
        }
        self.tools.status_set(StatusTarget::App, &status)?;
        self.dispatch.record_status(StatusTarget::App, &status);
        Ok(())
    }

    /// This unit's current status, from `status-get`.
    pub fn unit_status(&mut self) -> Result<StatusInfo, ModelError> {
        Ok(self.tools.status_get(StatusTarget::Unit)?)
    }

    /// The application's current status; only the leader may read it.
    pub fn app_status(&mut self) -> Result<StatusInfo, ModelError> {
        if !self.is_leader()? {
            return Err(self.not_leader("read the application status"));
        }
        Ok(self.tools.status_get(StatusTarget::App)?)
    }

    /// Sets the workload version shown by `juju status`.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(install)]
    ///     fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         cx.set_workload_version("2.4.1")
    ///     }
    /// }
    ///
    /// let out = Context::<Demo>::new().run(Event::Install, State::new()).unwrap();
    /// assert_eq!(out.workload_version.as_deref(), Some("2.4.1"));
    /// ```
    pub fn set_workload_version(&mut self, version: &str) -> Result<(), ModelError> {
        self.tools.application_version_set(version)?;
        Ok(())
    }

    /// Sends a message to the unit's log through `juju-log`. Records of the `log`
    /// crate go the same way.
    pub fn juju_log(&mut self, level: LogLevel, message: &str) -> Result<(), ModelError> {
        self.tools.juju_log(level, message)?;
        Ok(())
    }

    fn require_action(&self, call: &'static str) -> Result<(), ModelError> {
        if matches!(self.event, Event::Action(_)) {
            Ok(())
        } else {
            Err(ModelError::NotInAction {
                call,
                event: self.event.hook_name(),
            })
        }
    }

    /// The running action's parameters as `action-get` reports them.
    pub fn action_params(
        &mut self,
    ) -> Result<serde_json::Map<String, serde_json::Value>, ModelError> {
        self.require_action("action_params")?;
        Ok(self.tools.action_get()?)
    }

    /// Adds results to the running action. Nested objects are flattened to dotted
    /// keys (`{"a": {"b": 1}}` becomes `a.b=1`), as Juju expects; keys must be
    /// lowercase letters, digits, `-` and `.` and not one of Juju's reserved names.
    ///
    /// An action handler that returns a `Serialize` value (in `Ok`) has it set
    /// this way after the handler returns; call this to add results as you go.
    ///
    /// ```
    /// # use ops_runtime::testing::{Action, Context, State};
    /// # use ops_runtime::{HookContext, ModelError, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo\nactions:\n  describe: {}\n")]
    /// impl Demo {
    ///     #[on(describe_action)]
    ///     fn describe(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         cx.action_set(&serde_json::json!({"version": "2.4", "tls": {"enabled": true}}))
    ///     }
    /// }
    ///
    /// let out = Context::<Demo>::new()
    ///     .run_action(Action::new("describe"), State::new())
    ///     .unwrap();
    /// // Juju keeps every value as a string.
    /// assert_eq!(out.results["version"], "2.4");
    /// assert_eq!(out.results["tls"]["enabled"], "true");
    /// ```
    pub fn action_set(&mut self, results: &serde_json::Value) -> Result<(), ModelError> {
        self.require_action("action_set")?;
        let flat = flatten_results(results)?;
        self.tools.action_set(&flat)?;
        Ok(())
    }

    /// Logs progress of the running action (`action-log`), shown to the user of
    /// `juju run`.
    pub fn action_log(&mut self, message: &str) -> Result<(), ModelError> {
        self.require_action("action_log")?;
        self.tools.action_log(message)?;
        Ok(())
    }

    /// Marks the running action failed with `message` (`action-fail`). The handler
    /// goes on; returning an error from an action handler does the same.
    ///
    /// ```
    /// # use ops_runtime::testing::{Action, Context, RunError, State};
    /// # use ops_runtime::{HookContext, ModelError, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo\nactions:\n  backup: {}\n")]
    /// impl Demo {
    ///     #[on(backup_action)]
    ///     fn backup(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         if !cx.is_leader()? {
    ///             return cx.action_fail("run the backup on the leader unit");
    ///         }
    ///         cx.action_set(&serde_json::json!({"file": "/var/backups/latest.tar"}))
    ///     }
    /// }
    ///
    /// let err = Context::<Demo>::new()
    ///     .run_action(Action::new("backup"), State::new().with_leader(false))
    ///     .unwrap_err();
    /// let RunError::ActionFailed { message, .. } = err else { panic!("{err}") };
    /// assert_eq!(message, "run the backup on the leader unit");
    /// ```
    pub fn action_fail(&mut self, message: &str) -> Result<(), ModelError> {
        self.require_action("action_fail")?;
        self.tools.action_fail(message)?;
        Ok(())
    }

    /// The current-thread tokio runtime that runs `async fn` handlers, created the
    /// first time one is needed, so a charm without async code never pays for it.
    pub fn runtime(&mut self) -> std::io::Result<Rc<tokio::runtime::Runtime>> {
        if let Some(rt) = &self.runtime {
            return Ok(Rc::clone(rt));
        }
        let rt = Rc::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?,
        );
        self.runtime = Some(Rc::clone(&rt));
        Ok(rt)
    }
}

/// Juju's reserved action result keys.
const RESERVED_RESULT_KEYS: &[&str] = &["stdout", "stderr", "stdout-encoding", "stderr-encoding"];

/// Flattens action results to the dotted keys `action-set` takes, checking each
/// key against Juju's rules.
pub(crate) fn flatten_results(
    results: &serde_json::Value,
) -> Result<BTreeMap<String, String>, ModelError> {
    fn walk(
        prefix: &str,
        value: &serde_json::Value,
        out: &mut BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    check_key_part(k)?;
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out)?;
                }
                Ok(())
            }
            leaf => {
                let text = match leaf {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if out.insert(prefix.to_owned(), text).is_some() {
                    return Err(ModelError::InvalidActionResult {
                        key: prefix.to_owned(),
                        reason: "the key is given twice (once dotted, once nested)".into(),
                    });
                }
                Ok(())
            }
        }
    }
    fn check_key_part(key: &str) -> Result<(), ModelError> {
        let valid = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && key.starts_with(|c: char| c.is_ascii_alphanumeric())
            && key.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid {
            return Err(ModelError::InvalidActionResult {
                key: key.to_owned(),
                reason: "keys are lowercase letters and digits, with `-` or `.` inside".into(),
            });
        }
        if RESERVED_RESULT_KEYS.contains(&key) {
            return Err(ModelError::InvalidActionResult {
                key: key.to_owned(),
                reason: "Juju reserves it for command output".into(),
            });
        }
        Ok(())
    }
    if !results.is_object() {
        return Err(ModelError::InvalidActionResult {
            key: String::new(),
            reason: format!("results must be a map of keys to values, not `{results}`"),
        });
    }
    let mut out = BTreeMap::new();
    walk("", results, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn results_flatten_to_dotted_keys() {
        let flat =
            flatten_results(&json!({"a": {"b": 1, "c": "x"}, "d": true, "e": [1, 2]})).unwrap();
        let expected: BTreeMap<String, String> =
            [("a.b", "1"), ("a.c", "x"), ("d", "true"), ("e", "[1,2]")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        assert_eq!(flat, expected);
    }

    #[test]
    fn result_key_rules() {
        for bad in [
            json!({"Upper": 1}),
            json!({"-a": 1}),
            json!({"stdout": "x"}),
            json!({"a_b": 1}),
            json!(3),
        ] {
            assert!(
                matches!(
                    flatten_results(&bad),
                    Err(ModelError::InvalidActionResult { .. })
                ),
                "{bad}"
            );
        }
        let twice = flatten_results(&json!({"a.b": 1, "a": {"b": 2}})).unwrap_err();
        assert!(twice.to_string().contains("given twice"), "{twice}");
    }
}
