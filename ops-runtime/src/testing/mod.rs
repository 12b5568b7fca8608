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
#![doc = include_str!("parity.md")]

mod consistency;
mod env;
mod memory;
mod mount;
mod pebble;
mod relation;
mod rockcraft;
mod run;
mod secret;
mod state;

use std::collections::BTreeMap;

use ops_metadata::{CharmMetadata, SourceKind};

pub use self::memory::{JujuLogLine, JujuModel, MemoryHookTools};
pub use self::mount::Mount;
pub use self::pebble::{Container, ExecMock, FsEntry, check_info};
pub use self::relation::Relation;
pub use self::rockcraft::{MAX_ROCKCRAFT_BYTES, RockcraftError, layer_from_rockcraft};
pub use self::secret::Secret;
pub(crate) use self::state::default_network;
pub use self::state::{Action, ActionOutput, ModelType, State, Storage};
use crate::dispatch::{Charm, DispatchError};
use crate::env::JujuVersion;
use crate::event::Event;
use crate::status::StatusInfo;
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

/// An event a run handled besides the one it was given, as
/// [`Context::emitted`] records it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Emitted {
    /// A deferred event re-run at the start of the hook, with the handler
    /// that deferred it.
    Deferred {
        /// The handler method's name.
        handler: String,
        /// The event.
        event: Event,
    },
    /// A custom event the charm or one of its components emitted.
    Custom(Event),
    /// The application's collect-status (on the leader).
    CollectAppStatus,
    /// The unit's collect-status.
    CollectUnitStatus,
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
    last: JujuModel,
    emitted: Vec<Event>,
    emitted_all: Vec<Emitted>,
    capture_deferred: bool,
    capture_framework: bool,
    /// The charm as the last run left it.
    charm: Option<C>,
    exec_history: BTreeMap<String, Vec<crate::pebble::Exec>>,
    warnings: Vec<String>,
    /// The spans of the last run.
    trace_data: Vec<crate::telemetry::SpanData>,
    /// The tracing destination the charm set last, in any run.
    tracing_destination: Option<crate::telemetry::TracingDestination>,
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
            last: JujuModel::default(),
            emitted: Vec::new(),
            emitted_all: Vec::new(),
            capture_deferred: false,
            capture_framework: false,
            charm: None,
            exec_history: BTreeMap::new(),
            warnings: Vec::new(),
            trace_data: Vec::new(),
            tracing_destination: None,
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

    /// Records the deferred events each run re-runs in [`Context::emitted`]
    /// (ops.testing's `capture_deferred_events`). Off by default.
    #[must_use]
    pub fn capture_deferred_events(mut self, capture: bool) -> Self {
        self.capture_deferred = capture;
        self
    }

    /// Records the collect-status steps each run takes in
    /// [`Context::emitted`] (ops.testing's `capture_framework_events`): the
    /// application's on the leader, then the unit's, when the charm or its
    /// components collect statuses. Off by default.
    #[must_use]
    pub fn capture_framework_events(mut self, capture: bool) -> Self {
        self.capture_framework = capture;
        self
    }

    /// The charm as the last run left it, its handlers run (`None` before
    /// the first run, or when the run could not start). To call its methods
    /// with a live context before the state is committed, use
    /// [`Context::run_with`].
    pub fn charm(&self) -> Option<&C> {
        self.charm.as_ref()
    }

    /// The charm's metadata.
    pub fn metadata(&self) -> &CharmMetadata {
        &self.meta
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

    /// The custom events the charm and its components emitted in the last
    /// run, in order. [`Context::emitted`] has these and, when captured, the
    /// deferred events re-run and the collect-status steps.
    pub fn emitted_events(&self) -> &[Event] {
        &self.emitted
    }

    /// Every event the last run handled besides the one it was given, in the
    /// order they ran: the deferred events re-run (with
    /// [`Context::capture_deferred_events`]), the custom events emitted, and
    /// collect-status (with [`Context::capture_framework_events`]).
    ///
    /// ```
    /// use ops_runtime::testing::{Context, Emitted, State};
    /// use ops_runtime::{charm, CollectStatus, Event, Flow, Status};
    ///
    /// #[derive(Default)]
    /// struct Demo;
    ///
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(start)]
    ///     fn start(&mut self) -> Flow {
    ///         Flow::Done
    ///     }
    ///
    ///     #[on(collect_unit_status)]
    ///     fn status(&mut self, status: CollectStatus) {
    ///         status.add(Status::active(""));
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new()
    ///     .capture_deferred_events(true)
    ///     .capture_framework_events(true);
    /// let state = State::new().with_deferred("start", Event::Start);
    /// ctx.run(Event::UpdateStatus, state).unwrap();
    /// assert_eq!(
    ///     ctx.emitted(),
    ///     [
    ///         Emitted::Deferred { handler: "start".into(), event: Event::Start },
    ///         Emitted::CollectUnitStatus,
    ///     ]
    /// );
    /// ```
    pub fn emitted(&self) -> &[Emitted] {
        &self.emitted_all
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

    /// The spans the last run finished, in the order they ended (ops.testing's
    /// `ctx.trace_data`): the hook's (the root, named after the event), each
    /// handler's, and the charm's own `tracing` spans, with their attributes
    /// and parents, as charm tracing would export them (see
    /// [`telemetry`](crate::telemetry)). The harness's hook tools and
    /// containers are in memory, so it has no hook-tool or Pebble spans
    /// ([`Context::hook_tool_calls`] lists the calls); a charm that talks to
    /// a real Pebble through `pebble::blocking::Client` gets its Pebble spans.
    ///
    /// ```
    /// use ops_runtime::testing::{Context, State};
    /// use ops_runtime::{Event, charm};
    ///
    /// #[derive(Default)]
    /// struct Demo;
    ///
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(start)]
    ///     fn start(&mut self) {
    ///         let _span = tracing::info_span!("warm-up", rounds = 3).entered();
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Demo>::new();
    /// ctx.run(Event::Start, State::new()).unwrap();
    /// let spans = ctx.trace_data();
    /// let warm_up = spans.iter().find(|s| s.name == "warm-up").unwrap();
    /// let handler = warm_up.parent(spans).unwrap();
    /// assert_eq!(handler.name, "start");
    /// assert_eq!(handler.parent(spans).unwrap().attribute_str("juju.hook"), Some("start"));
    /// ```
    pub fn trace_data(&self) -> &[crate::telemetry::SpanData] {
        &self.trace_data
    }

    /// The tracing destination the charm set last
    /// ([`HookContext::set_tracing_destination`](crate::HookContext::set_tracing_destination)),
    /// in any run of this context, as production keeps it between hooks;
    /// `None` before it set one, or after it cleared it.
    pub fn tracing_destination(&self) -> Option<&crate::telemetry::TracingDestination> {
        self.tracing_destination.as_ref()
    }

    /// Keeps what a run's recording session recorded.
    fn record_trace(&mut self, finished: crate::telemetry::Finished) {
        self.trace_data = finished.spans;
        if let Some(destination) = finished.destination {
            self.tracing_destination = destination;
        }
    }
}
