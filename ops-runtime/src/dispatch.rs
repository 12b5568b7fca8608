//! Dispatch: from Juju's environment to the charm's handlers and an exit code.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::rc::Rc;

use crate::config::ConfigError;
use crate::context::{HookContext, ModelError};
use crate::env::{EnvError, JujuContext};
use crate::event::{Event, EventKind};
use crate::handler::{CharmError, Flow, Rejection};
use crate::hook_tools::{HookTools, LogLevel, ProcessHookTools, StatusTarget};
use crate::logging;
use crate::state::{
    ControllerStore, DeferredEvent, LocalStore, Snapshot, StateError, StateStore, StoreKind,
};
use crate::status::Status;

/// A charm: a type whose `impl` block carries `#[charm]`.
///
/// The macro implements this trait; its items describe the charm to the runtime
/// and are not meant to be written by hand.
pub trait Charm: Sized + 'static {
    /// The metadata the runtime needs, compiled in from charmcraft.yaml.
    const META: CharmMeta;
    /// The handlers, in declaration order.
    const HANDLERS: &'static [Handler<Self>];
    /// The metadata files the charm was compiled against, for the testing
    /// harness's consistency checks.
    fn metadata_sources() -> &'static [MetadataSource];

    /// Whether each dispatch writes the `DEBUG` lines ops writes to `juju-log`,
    /// in ops's exact wording: `Emitting Juju event install.`, `Re-emitting
    /// deferred event <InstallEvent via MyCharm/on/install[42]> (1 of 1 in
    /// queue).`, `Deferring
    /// <...>.` and `Emitting custom event <...>.`. Tools in the Juju ecosystem
    /// (jhack's `tail`, for one) parse them to show what a unit is doing.
    ///
    /// Off by default, because each line is one more `juju-log` call, a hook
    /// tool run as its own process and a round trip to the Juju agent: at least
    /// one per hook, and one more for each deferred event re-run or deferred.
    /// Turn it on with `#[charm(debug_log_events)]`. With it on, the ops lines
    /// take the place of this crate's own lines about deferral, so a deferred
    /// event costs no more than it does with it off.
    ///
    /// The number in brackets is not ops's event counter (nothing here keeps
    /// one): it is a hash of the event and its payload, the same in the hook
    /// that defers an event and in the one that re-runs it, as the tools expect.
    const DEBUG_LOG_EVENTS: bool = false;

    /// Lets the charm's components observe `event`; returns the custom events
    /// they emitted. (Generated for `#[charm(components(...))]`.)
    fn observe_components(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
    ) -> Result<Vec<crate::event::CustomEventData>, CharmError> {
        let _ = (cx, event);
        Ok(Vec::new())
    }

    /// The charm's component fields, in declaration order. (Generated for
    /// `#[charm(components(...))]`.)
    const COMPONENTS: &'static [&'static str] = &[];

    /// Hands each interface component the endpoint it is bound to, at the
    /// start of every hook. (Generated for `#[charm(components(...))]`.)
    fn bind_components(&mut self) {}

    /// Lets the components add their statuses: the application's when `app`,
    /// else the unit's. (Generated for `#[charm(components(...))]`.)
    fn collect_components_status(
        &mut self,
        cx: &mut HookContext,
        app: bool,
        status: &crate::handler::CollectStatus,
    ) -> Result<(), CharmError> {
        let _ = (cx, app, status);
        Ok(())
    }
}

/// The metadata compiled into a charm: the names events are checked against.
#[derive(Debug, Clone, Copy)]
pub struct CharmMeta {
    /// The charm's name.
    pub name: &'static str,
    /// Relation endpoints (requires, provides and peers).
    pub relations: &'static [&'static str],
    /// The peer endpoints among them.
    pub peers: &'static [&'static str],
    /// Storage names.
    pub storages: &'static [&'static str],
    /// Container names.
    pub containers: &'static [&'static str],
    /// Action names.
    pub actions: &'static [&'static str],
    /// Where stored state and deferred events are kept.
    pub store: StoreKind,
    /// The names of the charm's own custom events (`#[charm(events(...))]`),
    /// which [`HookContext::emit`] accepts.
    pub events: &'static [&'static str],
    /// The whole typed metadata, as [`HookContext::metadata`] gives it.
    pub metadata: &'static crate::metadata::Metadata,
}

impl CharmMeta {
    /// No metadata: a context not built for a charm.
    pub const EMPTY: CharmMeta = CharmMeta {
        name: "",
        relations: &[],
        peers: &[],
        storages: &[],
        containers: &[],
        actions: &[],
        store: StoreKind::Local,
        events: &[],
        metadata: &crate::metadata::Metadata::EMPTY,
    };
}

/// One metadata file a charm was compiled against.
#[derive(Debug, Clone, Copy)]
pub struct MetadataSource {
    /// Which file it is: `charmcraft`, `metadata`, `config` or `actions`.
    pub kind: &'static str,
    /// The file's name (or `<inline>` for `metadata_source`).
    pub name: &'static str,
    /// The file's text.
    pub text: &'static str,
}

/// The function a handler entry calls.
pub type HandlerFn<C> = fn(&mut C, &mut HookContext) -> Result<Flow, CharmError>;

/// One entry of a charm's dispatch table.
pub struct Handler<C> {
    /// The event kind it handles.
    pub kind: EventKind,
    /// The relation, storage, container or action it is for, as named in the metadata.
    pub entity: Option<&'static str>,
    /// The handler method's name.
    pub name: &'static str,
    /// For a reconcile handler, the events it does not run for.
    pub except: &'static [(EventKind, Option<&'static str>)],
    /// Builds the arguments and calls the method.
    pub call: HandlerFn<C>,
}

impl<C> std::fmt::Debug for Handler<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("kind", &self.kind)
            .field("entity", &self.entity)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Why a dispatch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The environment does not describe a dispatch.
    #[error("cannot read the Juju context: {0}")]
    Env(#[from] EnvError),
    /// A handler returned an error.
    #[error("handler `{handler}` failed on `{event}`: {error:#}")]
    Handler {
        /// The handler method.
        handler: &'static str,
        /// The event's hook name.
        event: String,
        /// What it returned.
        error: CharmError,
    },
    /// A handler panicked.
    #[error("handler `{handler}` panicked on `{event}`: {message}")]
    Panic {
        /// The handler method.
        handler: &'static str,
        /// The event's hook name.
        event: String,
        /// The panic's message.
        message: String,
    },
    /// The stored state could not be loaded or committed.
    #[error(transparent)]
    State(#[from] StateError),
    /// A handler deferred an event that cannot be deferred.
    #[error(
        "handler `{handler}` deferred `{event}`, which cannot be deferred (actions, stop, remove, secret-rotate, secret-expired and collect-status run once)"
    )]
    NotDeferrable {
        /// The handler.
        handler: &'static str,
        /// The event's hook name.
        event: String,
    },
    /// Setting the collected status failed.
    #[error("cannot set the status collected after `{event}`: {source}")]
    CollectStatus {
        /// The event's hook name.
        event: String,
        /// What failed.
        #[source]
        source: ModelError,
    },
}

/// How a dispatch ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// Every handler succeeded.
    Success,
    /// An action handler returned an error: the action was marked failed with
    /// `action-fail` and the process exits 0, as Juju expects.
    ActionFailed {
        /// The message given to `action-fail`.
        message: String,
    },
    /// The hook failed: Juju marks the unit in error and retries it.
    Failed(DispatchError),
}

impl Outcome {
    /// The process exit code Juju expects.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Success | Outcome::ActionFailed { .. } => ExitCode::SUCCESS,
            Outcome::Failed(_) => ExitCode::FAILURE,
        }
    }
}

/// Runs a charm for the event Juju describes in the environment, with the real
/// hook tools, and returns the exit code for Juju. The whole `main` of a charm:
///
/// ```no_run
/// # #[derive(Default)] struct MyCharm;
/// # impl ops_runtime::Charm for MyCharm {
/// #     const META: ops_runtime::CharmMeta = ops_runtime::CharmMeta::EMPTY;
/// #     const HANDLERS: &'static [ops_runtime::Handler<Self>] = &[];
/// #     fn metadata_sources() -> &'static [ops_runtime::MetadataSource] { &[] }
/// # }
/// fn main() -> std::process::ExitCode {
///     ops_runtime::main::<MyCharm>()
/// }
/// ```
pub fn main<C: Charm + Default>() -> ExitCode {
    main_with(C::default)
}

/// [`main`] for a charm built by a function rather than [`Default`].
pub fn main_with<C: Charm>(make: impl FnOnce() -> C) -> ExitCode {
    let mut process_tools = ProcessHookTools::new();
    if let Some(dir) = crate::env::containers_dir_from_env() {
        process_tools = process_tools.with_containers_dir(dir);
    }
    let juju = match JujuContext::from_env() {
        Ok(juju) => juju,
        Err(error) => {
            let error = DispatchError::Env(error);
            eprintln!("error: {error}");
            // The hook tools may still be reachable: leave the reason in the unit log.
            let _ = process_tools.juju_log(LogLevel::Error, &error.to_string());
            return ExitCode::FAILURE;
        }
    };
    // Secret values wait for the hook tools in files in the charm directory,
    // where each hook's start removes what a killed hook left.
    let process_tools = process_tools
        .with_secret_files_dir(juju.charm_dir.join(ProcessHookTools::SECRET_FILES_DIR));
    process_tools.remove_stale_secret_files();
    let tools: Rc<dyn HookTools> = Rc::new(process_tools);
    let mut charm = make();
    let outcome = run(&mut charm, juju, tools);
    if let Outcome::Failed(error) = &outcome {
        eprintln!("error: {error}");
    }
    outcome.exit_code()
}

/// Runs `charm` for the dispatch `juju` describes, against `tools`, with its
/// state in the charm directory's [`LocalStore`] (or Juju's controller, as the
/// charm declares): deferred events first, then the handlers registered for the
/// event in declaration order, reconcile handlers, then collect-status; the state
/// is committed only if all of it succeeds. The store is locked
/// ([`StateStore::lock`]) from before the state is loaded until after it is
/// committed, and a store that cannot be read fails the hook, left as it is (see
/// [`state`](crate::state) for the limits).
///
/// This is what [`main`] does after reading the environment.
pub fn run<C: Charm>(charm: &mut C, juju: JujuContext, tools: Rc<dyn HookTools>) -> Outcome {
    let store: Box<dyn StateStore> = match C::META.store {
        StoreKind::Local => Box::new(LocalStore::in_charm_dir(&juju.charm_dir)),
        // The lock a local store would take: it keeps the runs in this unit's
        // container apart.
        StoreKind::Controller => Box::new(
            ControllerStore::new(Rc::clone(&tools))
                .with_lock_file(LocalStore::in_charm_dir(&juju.charm_dir).lock_path()),
        ),
    };
    let tracing = crate::telemetry::HookTracing::start(&juju, C::META.name);
    let outcome = run_with_store(charm, juju, Rc::clone(&tools), &*store);
    tracing.finish(&*tools);
    outcome
}

/// [`run`] with an explicit state store, as the testing harness uses.
pub fn run_with_store<C: Charm>(
    charm: &mut C,
    juju: JujuContext,
    tools: Rc<dyn HookTools>,
    store: &dyn StateStore,
) -> Outcome {
    run_inner(charm, juju, tools, store, &mut Probe::default()).0
}

/// What the testing harness asks of a dispatch beyond what a hook needs: an
/// event given rather than read from the environment (a custom event has no
/// hook of its own), a record of the deferred events re-run and of the
/// collect-status steps run, and a call on the charm and its live context
/// once every handler succeeded, before the state is committed.
pub(crate) struct Probe<'a, C> {
    /// The event to dispatch instead of the environment's.
    pub(crate) event: Option<Event>,
    /// The deferred events re-run, in order.
    pub(crate) reemitted: Vec<DeferredEvent>,
    /// The collect-status steps run (`CollectAppStatus`, `CollectUnitStatus`).
    pub(crate) collected: Vec<EventKind>,
    /// Called after a successful dispatch, before the commit.
    pub(crate) before_commit: Option<BeforeCommit<'a, C>>,
}

/// A call on the charm and its live context before the commit.
pub(crate) type BeforeCommit<'a, C> = &'a mut dyn FnMut(&mut C, &mut HookContext);

impl<C> Default for Probe<'_, C> {
    fn default() -> Self {
        Self {
            event: None,
            reemitted: Vec::new(),
            collected: Vec::new(),
            before_commit: None,
        }
    }
}

/// [`run_with_store`], also returning the custom events emitted during the hook.
pub(crate) fn run_inner<C: Charm>(
    charm: &mut C,
    juju: JujuContext,
    tools: Rc<dyn HookTools>,
    store: &dyn StateStore,
    probe: &mut Probe<'_, C>,
) -> (Outcome, Vec<Event>) {
    let appid = format!("{}-{}", juju.model_uuid, juju.unit_name);
    let _route = logging::route_to(Rc::clone(&tools), juju.debug, appid);
    let event = match probe
        .event
        .take()
        .map_or_else(|| Event::from_context(&juju), Ok)
    {
        Ok(event) => event,
        Err(error) => return (fail(DispatchError::Env(error)), Vec::new()),
    };
    let hook_span = crate::telemetry::hook_span(&juju, &event);
    let _in_hook = hook_span.enter();
    if event.is_restricted() && C::META.store == StoreKind::Controller {
        // Juju offers no state-get in collect-metrics and meter-status-changed:
        // as ops does, run nothing rather than fail on loading the state.
        log::debug!(
            "`{}` runs without controller state storage: nothing to do.",
            event.hook_name()
        );
        return (Outcome::Success, Vec::new());
    }
    // Held until this function returns: no other run of the charm loads or
    // commits the state in between.
    let _lock = match store.lock() {
        Ok(lock) => lock,
        Err(error) => return (fail(DispatchError::State(error)), Vec::new()),
    };
    let snapshot = match store.load() {
        Ok(snapshot) => snapshot,
        Err(error) => return (fail(DispatchError::State(error)), Vec::new()),
    };
    let loaded = snapshot.clone();
    let mut cx = HookContext::new(juju, event, tools)
        .with_meta(C::META)
        .with_snapshot(snapshot);
    let outcome = dispatch(charm, &mut cx, probe);
    if let (Outcome::Success, Some(before_commit)) = (&outcome, probe.before_commit.as_mut()) {
        before_commit(charm, &mut cx);
    }
    let outcome = match outcome {
        Outcome::Success => match commit(&cx, store, &loaded) {
            Ok(()) => Outcome::Success,
            Err(error) => Outcome::Failed(DispatchError::State(error)),
        },
        Outcome::Failed(error) => {
            forget_statuses(store, &loaded);
            Outcome::Failed(error)
        }
        other => other,
    };
    if let Outcome::Failed(error) = &outcome {
        log::error!("{error}");
        // What ops reports as an uncaught exception: a handler's error or panic.
        let reason = match error {
            DispatchError::Handler { .. } => Some("handler_error"),
            DispatchError::Panic { .. } => Some("panic"),
            _ => None,
        };
        if let Some(reason) = reason {
            logging::security_event(
                logging::SecurityLevel::Warn,
                &format!("sys_crash:{reason}"),
                &format!("Uncaught error in charm code: {error}."),
            );
        }
    }
    crate::telemetry::record_outcome(&hook_span, &outcome);
    let emitted = cx.dispatch_state_mut().take_emitted();
    (outcome, emitted)
}

/// After a failed hook, forgets which statuses this charm set last, keeping
/// the rest of the state as it was: Juju keeps a status set before the failure
/// (and shows the unit in error meanwhile), so collect-status must not skip the
/// next `status-set` as unchanged.
fn forget_statuses(store: &dyn StateStore, loaded: &Snapshot) {
    if loaded.unit_status.is_none() && loaded.app_status.is_none() {
        return;
    }
    let mut snapshot = loaded.clone();
    snapshot.unit_status = None;
    snapshot.app_status = None;
    if let Err(error) = store.save(&snapshot) {
        log::warn!("cannot forget the statuses set before this failed hook: {error}");
    }
}

/// Writes the state back if the hook changed it.
fn commit(cx: &HookContext, store: &dyn StateStore, loaded: &Snapshot) -> Result<(), StateError> {
    let snapshot = cx.dispatch_state().commit_snapshot()?;
    if &snapshot != loaded {
        store.save(&snapshot)?;
    }
    Ok(())
}

fn fail(error: DispatchError) -> Outcome {
    log::error!("{error}");
    Outcome::Failed(error)
}

/// Runs deferred events, the handlers for the context's event, reconcile
/// handlers, then collect-status. The custom events the charm's handlers emit
/// are handled after each of these steps.
fn dispatch<C: Charm>(charm: &mut C, cx: &mut HookContext, probe: &mut Probe<'_, C>) -> Outcome {
    charm.bind_components();
    let event = cx.event().clone();
    if !event.is_restricted()
        && let Err(error) = reemit(charm, cx, &mut probe.reemitted)
    {
        return Outcome::Failed(error);
    }
    if let Some(outcome) = handle_emitted(charm, cx) {
        return outcome;
    }
    if C::DEBUG_LOG_EVENTS && event.kind().is_some() {
        log::debug!("Emitting Juju event {}.", logging::ops_event_kind(&event));
    }
    if let Some(outcome) = observe(charm, cx, &event) {
        return outcome;
    }
    if let Some(kind) = event.kind() {
        let entity = event.entity();
        let handlers = C::HANDLERS
            .iter()
            .filter(|h| h.kind == kind && h.entity == entity);
        if let Some(outcome) = run_handlers(charm, cx, handlers, &event) {
            return outcome;
        }
        if let Some(outcome) = handle_emitted(charm, cx) {
            return outcome;
        }
    }
    if event.is_restricted() {
        return Outcome::Success;
    }
    if !matches!(event, Event::Action(_)) {
        let reconcilers = C::HANDLERS.iter().filter(|h| {
            h.kind == EventKind::Reconcile
                && !h.except.iter().any(|(kind, entity)| {
                    Some(*kind) == event.kind() && (entity.is_none() || *entity == event.entity())
                })
        });
        if let Some(outcome) = run_handlers(charm, cx, reconcilers, &event) {
            return outcome;
        }
        if let Some(outcome) = handle_emitted(charm, cx) {
            return outcome;
        }
    }
    let outcome = match collect_status(charm, cx, &mut probe.collected) {
        Ok(()) => Outcome::Success,
        Err(error) => Outcome::Failed(error),
    };
    let dropped = cx.dispatch_state_mut().drop_pending();
    if dropped > 0 {
        log::warn!(
            "Dropping {dropped} custom event(s) emitted during collect-status: events are handled before it."
        );
    }
    outcome
}

/// The most custom events one hook handles: past it, events emitting each
/// other in a loop fail the hook instead of running forever.
const MAX_CUSTOM_EVENTS: usize = 1000;

/// Lets the components observe `event`, then handles the custom events they
/// emitted.
fn observe<C: Charm>(charm: &mut C, cx: &mut HookContext, event: &Event) -> Option<Outcome> {
    if let Err(outcome) = observe_only(charm, cx, event) {
        return Some(outcome);
    }
    handle_emitted(charm, cx)
}

/// Lets the components observe `event`; what they emit joins the queue.
fn observe_only<C: Charm>(
    charm: &mut C,
    cx: &mut HookContext,
    event: &Event,
) -> Result<(), Outcome> {
    let emitted = match catch_unwind(AssertUnwindSafe(|| charm.observe_components(cx, event))) {
        Ok(Ok(emitted)) => emitted,
        Ok(Err(error)) => {
            return Err(Outcome::Failed(DispatchError::Handler {
                handler: "components",
                event: event.hook_name(),
                error,
            }));
        }
        Err(_) => {
            return Err(Outcome::Failed(DispatchError::Panic {
                handler: "components",
                event: event.hook_name(),
                message: "a component panicked".into(),
            }));
        }
    };
    for event in emitted {
        cx.dispatch_state_mut().queue_custom(event);
    }
    Ok(())
}

/// Handles the queued custom events in the order they were emitted: the
/// components observe each (and may emit more), then its handlers run, each
/// with the custom event as the context's event.
fn handle_emitted<C: Charm>(charm: &mut C, cx: &mut HookContext) -> Option<Outcome> {
    while let Some(data) = cx.dispatch_state_mut().next_custom() {
        if cx.dispatch_state().emitted().len() >= MAX_CUSTOM_EVENTS {
            return Some(Outcome::Failed(DispatchError::Handler {
                handler: "components",
                event: cx.event().hook_name(),
                error: CharmError::msg(format!(
                    "more than {MAX_CUSTOM_EVENTS} custom events in one hook: events emit each other in a loop"
                )),
            }));
        }
        let custom = Event::Custom(data);
        if C::DEBUG_LOG_EVENTS {
            log::debug!(
                "Emitting custom event {}.",
                logging::ops_event_repr::<C>(&custom)
            );
        }
        cx.dispatch_state_mut().record_emitted(custom.clone());
        let current = cx.replace_event(custom.clone());
        if !C::COMPONENTS.is_empty()
            && let Err(outcome) = observe_only(charm, cx, &custom)
        {
            cx.replace_event(current);
            return Some(outcome);
        }
        let handlers = C::HANDLERS
            .iter()
            .filter(|h| h.kind == EventKind::Custom && h.entity == custom.entity());
        let outcome = run_handlers(charm, cx, handlers, &custom);
        cx.replace_event(current);
        if outcome.is_some() {
            return outcome;
        }
    }
    None
}

/// Runs `handlers` for `event` in order; `Some` ends the dispatch early.
fn run_handlers<'h, C: Charm>(
    charm: &mut C,
    cx: &mut HookContext,
    handlers: impl Iterator<Item = &'h Handler<C>>,
    event: &Event,
) -> Option<Outcome> {
    for handler in handlers {
        // As ops does: a handler whose notice for this same event is still
        // queued (re-emitted this dispatch and deferred again) is not run a
        // second time.
        if cx.dispatch_state().is_deferred(handler.name, event) {
            log::debug!(
                "Skipping `{}` for `{}`: the same event is already in the deferred queue.",
                event.hook_name(),
                handler.name
            );
            continue;
        }
        match (call(charm, cx, handler), event) {
            (Ok(Flow::Done), _) => {}
            (Ok(Flow::Defer), _) => {
                if let Err(error) = defer::<C>(cx, handler, event) {
                    return Some(Outcome::Failed(error));
                }
            }
            (Err(Failure::InvalidConfig(invalid)), Event::Action(_)) => {
                return Some(action_failed(cx, handler.name, &invalid.to_string()));
            }
            (Err(Failure::InvalidConfig(invalid)), _) => skip(cx, handler, invalid),
            (Err(Failure::Handler(error)), Event::Action(_)) => {
                return Some(action_failed(cx, handler.name, &format!("{error:#}")));
            }
            (Err(Failure::InvalidParams(message)), _) => {
                return Some(action_failed(cx, handler.name, &message));
            }
            (Err(failure), _) => return Some(Outcome::Failed(failure.into_error(handler, cx))),
        }
    }
    None
}

/// Queues `event` for `handler`, unless the same notice is queued already.
fn defer<C: Charm>(
    cx: &mut HookContext,
    handler: &Handler<C>,
    event: &Event,
) -> Result<(), DispatchError> {
    // Whether ops lets this event be deferred, as the event table says
    // (an event of no known kind can be); a reconcile handler cannot defer.
    let deferrable = handler.kind.deferrable() && event.kind().is_none_or(EventKind::deferrable);
    if !deferrable {
        return Err(DispatchError::NotDeferrable {
            handler: handler.name,
            event: event.hook_name(),
        });
    }
    let notice = DeferredEvent {
        handler: handler.name.to_owned(),
        event: event.clone(),
    };
    if C::DEBUG_LOG_EVENTS {
        // ops logs each call of `defer()`, queued already or not.
        log::debug!("Deferring {}.", logging::ops_event_repr::<C>(event));
    }
    let queued = cx.dispatch_state_mut().defer(notice);
    if C::DEBUG_LOG_EVENTS {
        return Ok(());
    }
    if queued {
        log::debug!("Deferring `{}` for `{}`.", event.hook_name(), handler.name);
    } else {
        log::debug!(
            "Not deferring `{}` for `{}` again: already queued.",
            event.hook_name(),
            handler.name
        );
    }
    Ok(())
}

/// Re-runs the deferred events, oldest first, each with the handler that
/// deferred it; one deferred again keeps its place in the queue.
fn reemit<C: Charm>(
    charm: &mut C,
    cx: &mut HookContext,
    reemitted: &mut Vec<DeferredEvent>,
) -> Result<(), DispatchError> {
    let queue = cx.dispatch_state_mut().take_deferred();
    let total = queue.len();
    for (n, notice) in queue.into_iter().enumerate() {
        let handler = C::HANDLERS.iter().find(|h| {
            h.name == notice.handler
                && Some(h.kind) == notice.event.kind()
                && h.entity == notice.event.entity()
        });
        let Some(handler) = handler else {
            log::warn!(
                "Dropping deferred `{}`: the charm has no handler `{}` for it any more.",
                notice.event.hook_name(),
                notice.handler
            );
            continue;
        };
        if C::DEBUG_LOG_EVENTS {
            log::debug!(
                "Re-emitting deferred event {} ({} of {total} in queue).",
                logging::ops_event_repr::<C>(&notice.event),
                n + 1
            );
        } else {
            log::debug!(
                "Re-emitting deferred `{}` to `{}` ({} of {total} in queue).",
                notice.event.hook_name(),
                handler.name,
                n + 1
            );
        }
        reemitted.push(notice.clone());
        let current = cx.replace_event(notice.event.clone());
        let result = call(charm, cx, handler);
        cx.replace_event(current);
        match result {
            Ok(Flow::Done) => {}
            Ok(Flow::Defer) => {
                if C::DEBUG_LOG_EVENTS {
                    log::debug!("Deferring {}.", logging::ops_event_repr::<C>(&notice.event));
                }
                cx.dispatch_state_mut().keep_deferred(notice);
            }
            Err(Failure::InvalidConfig(invalid)) => {
                skip(cx, handler, invalid);
                cx.dispatch_state_mut().keep_deferred(notice);
            }
            Err(failure) => return Err(failure.into_error(handler, cx)),
        }
    }
    Ok(())
}

/// An action handler failed: fail the action with `message`.
fn action_failed(cx: &mut HookContext, handler: &'static str, message: &str) -> Outcome {
    log::error!("action handler `{handler}` failed: {message}");
    if let Err(e) = cx.hook_tools().action_fail(message) {
        return Outcome::Failed(DispatchError::Handler {
            handler,
            event: cx.event().hook_name(),
            error: e.into(),
        });
    }
    Outcome::ActionFailed {
        message: message.to_owned(),
    }
}

/// How one handler call failed.
enum Failure {
    /// It returned an error.
    Handler(CharmError),
    /// It panicked, with this message.
    Panic(String),
    /// Its `Params<T>` did not convert; the message for `action-fail`.
    InvalidParams(String),
    /// Its `Config<T>` did not convert.
    InvalidConfig(ConfigError),
}

/// A handler whose `Config<T>` did not convert is skipped, not failed: the
/// error is logged and remembered for the `Blocked` status.
fn skip<C>(cx: &mut HookContext, handler: &Handler<C>, invalid: ConfigError) {
    log::warn!("skipping handler `{}`: {invalid}", handler.name);
    cx.dispatch_state_mut().record_config_error(invalid);
}

impl Failure {
    fn into_error<C>(self, handler: &Handler<C>, cx: &HookContext) -> DispatchError {
        let event = cx.event().hook_name();
        match self {
            Failure::Handler(error) => DispatchError::Handler {
                handler: handler.name,
                event,
                error,
            },
            Failure::InvalidParams(message) => DispatchError::Handler {
                handler: handler.name,
                event,
                error: CharmError::msg(message),
            },
            Failure::InvalidConfig(invalid) => DispatchError::Handler {
                handler: handler.name,
                event,
                error: invalid.into(),
            },
            Failure::Panic(message) => DispatchError::Panic {
                handler: handler.name,
                event,
                message,
            },
        }
    }
}

/// Calls one handler, telling apart the ways it can fail.
fn call<C: Charm>(
    charm: &mut C,
    cx: &mut HookContext,
    handler: &Handler<C>,
) -> Result<Flow, Failure> {
    if debug_stop_wanted(&cx.juju().debug_at, handler, cx.event()) {
        crate::debug::wait_for_debugger(&crate::debug::Stop::Handler {
            handler: handler.name,
            event: &cx.event().hook_name(),
        });
    }
    let _span = crate::telemetry::handler_span(handler.name, cx.event()).entered();
    let result = catch_unwind(AssertUnwindSafe(|| (handler.call)(charm, cx)));
    match result {
        Ok(Ok(flow)) => Ok(flow),
        Ok(Err(error)) => match error.get_ref().downcast_ref::<Rejection>() {
            Some(Rejection::InvalidConfig(invalid)) => Err(Failure::InvalidConfig(invalid.clone())),
            Some(rejection @ Rejection::InvalidParams(_)) => {
                Err(Failure::InvalidParams(rejection.to_string()))
            }
            _ => Err(Failure::Handler(error)),
        },
        Err(payload) => Err(Failure::Panic(
            payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a non-string panic payload".to_owned()),
        )),
    }
}

/// Runs the collect-status handlers: the application's on the leader, then the
/// unit's; each sets the highest-priority status added, if any was.
fn collect_status<C: Charm>(
    charm: &mut C,
    cx: &mut HookContext,
    collected: &mut Vec<EventKind>,
) -> Result<(), DispatchError> {
    let has = |kind| C::HANDLERS.iter().any(|h| h.kind == kind);
    let collect_error = |cx: &HookContext, source| DispatchError::CollectStatus {
        event: cx.event().hook_name(),
        source,
    };
    for (kind, target) in [
        (EventKind::CollectAppStatus, StatusTarget::App),
        (EventKind::CollectUnitStatus, StatusTarget::Unit),
    ] {
        let blocked_by_config =
            target == StatusTarget::Unit && !cx.dispatch_state().config_errors().is_empty();
        if !has(kind) && !blocked_by_config && C::COMPONENTS.is_empty() {
            continue;
        }
        if target == StatusTarget::App && !cx.is_leader().map_err(|e| collect_error(cx, e))? {
            continue;
        }
        collected.push(kind);
        cx.dispatch_state_mut().start_collecting();
        if !C::COMPONENTS.is_empty() {
            let status = crate::handler::CollectStatus::of(cx);
            let app = target == StatusTarget::App;
            if let Err(error) = charm.collect_components_status(cx, app, &status) {
                return Err(DispatchError::Handler {
                    handler: "components",
                    event: "collect-status".to_owned(),
                    error,
                });
            }
        }
        for handler in C::HANDLERS.iter().filter(|h| h.kind == kind) {
            match call(charm, cx, handler) {
                Ok(Flow::Done) => {}
                Ok(Flow::Defer) => {
                    return Err(DispatchError::NotDeferrable {
                        handler: handler.name,
                        event: "collect-status".to_owned(),
                    });
                }
                Err(Failure::InvalidConfig(invalid)) => skip(cx, handler, invalid),
                Err(failure) => return Err(failure.into_error(handler, cx)),
            }
        }
        // Handlers skipped for invalid config leave the unit blocked, unless the
        // charm reported a status of the same or higher priority first.
        if target == StatusTarget::Unit {
            let state = cx.dispatch_state();
            let blocked = state
                .config_errors()
                .iter()
                .map(|e| Status::blocked(blocked_message(e)));
            state.add_collected(blocked);
        }
        let chosen = cx.dispatch_state().collected_status();
        if let Some(status) = chosen {
            // Not set again when it is what this charm set last (a saving ops does
            // not make: one hook-tool call per hook).
            if cx.dispatch_state_mut().record_status(target, &status) {
                cx.hook_tools()
                    .status_set(target, &status)
                    .map_err(|e| collect_error(cx, e.into()))?;
            }
        }
    }
    Ok(())
}

/// The `Blocked` message for configuration that does not convert.
fn blocked_message(error: &ConfigError) -> String {
    let problems: Vec<String> = error.0.iter().map(ToString::to_string).collect();
    format!("Invalid config: {}", problems.join("; "))
}

/// Whether `JUJU_DEBUG_AT` (set by `juju debug-code --at=...`) asks to stop
/// before `handler` runs for `event`: `all` and `hook` stop before every
/// handler of a Juju event or action (as ops runs each of them under pdb),
/// not before collect-status or a custom event's; a handler's method name
/// stops before that handler, whatever its event.
fn debug_stop_wanted<C>(debug_at: &[String], handler: &Handler<C>, event: &Event) -> bool {
    let juju_event = !matches!(event, Event::Custom(_))
        && !matches!(
            handler.kind,
            EventKind::CollectAppStatus | EventKind::CollectUnitStatus | EventKind::Custom
        );
    debug_at
        .iter()
        .any(|name| name == handler.name || (juju_event && matches!(name.as_str(), "all" | "hook")))
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};
    use std::collections::BTreeMap;

    use super::*;
    use crate::testing::MemoryHookTools;

    /// A store that keeps the snapshot in memory.
    #[derive(Default)]
    struct Memory(RefCell<Snapshot>);

    impl StateStore for Memory {
        fn load(&self) -> Result<Snapshot, StateError> {
            Ok(self.0.borrow().clone())
        }

        fn save(&self, snapshot: &Snapshot) -> Result<(), StateError> {
            *self.0.borrow_mut() = snapshot.clone();
            Ok(())
        }
    }

    thread_local! {
        static RAN: Cell<u32> = const { Cell::new(0) };
    }

    #[derive(Default)]
    struct Debugged;

    impl Charm for Debugged {
        const META: CharmMeta = CharmMeta::EMPTY;
        const HANDLERS: &'static [Handler<Self>] = &[
            Handler {
                kind: EventKind::Install,
                entity: None,
                name: "first",
                except: &[],
                call: |_, _| {
                    RAN.with(|ran| ran.set(ran.get() + 1));
                    Ok(Flow::Done)
                },
            },
            Handler {
                kind: EventKind::Install,
                entity: None,
                name: "second",
                except: &[],
                call: |_, _| {
                    RAN.with(|ran| ran.set(ran.get() + 1));
                    Ok(Flow::Done)
                },
            },
        ];
        fn metadata_sources() -> &'static [MetadataSource] {
            &[]
        }
    }

    /// Runs `install` with `JUJU_DEBUG_AT=debug_at` and a fake debugger that
    /// attaches after being asked `polls` times; returns how often it was
    /// asked and the `juju-log` lines.
    fn run_debugged(debug_at: &str, polls: u32) -> (u32, Vec<String>) {
        let dir = std::env::temp_dir();
        let vars: BTreeMap<String, String> = [
            ("JUJU_DISPATCH_PATH", "hooks/install"),
            ("JUJU_HOOK_NAME", "install"),
            ("JUJU_UNIT_NAME", "app/0"),
            ("JUJU_MODEL_NAME", "m"),
            ("JUJU_MODEL_UUID", "uuid"),
            ("JUJU_VERSION", "3.6.0"),
            ("JUJU_CHARM_DIR", dir.to_str().unwrap()),
            ("JUJU_DEBUG_AT", debug_at),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let juju = JujuContext::from_vars(&vars).unwrap();
        let asked = Rc::new(Cell::new(0));
        let counter = Rc::clone(&asked);
        crate::debug::FAKE_DEBUGGER.with(|fake| {
            *fake.borrow_mut() = Some(Box::new(move || {
                counter.set(counter.get() + 1);
                counter.get() > polls
            }));
        });
        RAN.with(|ran| ran.set(0));
        let tools = Rc::new(MemoryHookTools::default());
        let outcome = run_with_store(&mut Debugged, juju, tools.clone(), &Memory::default());
        crate::debug::FAKE_DEBUGGER.with(|fake| fake.borrow_mut().take());
        assert!(matches!(outcome, Outcome::Success), "{outcome:?}");
        assert_eq!(RAN.with(Cell::get), 2, "both handlers run in the end");
        let lines = tools
            .juju_log_lines()
            .into_iter()
            .map(|l| l.message)
            .collect();
        (asked.get(), lines)
    }

    #[test]
    fn a_named_handler_waits_for_a_debugger_then_runs() {
        let (asked, lines) = run_debugged("second", 3);
        // Asked once before saying how to attach, then until it attaches.
        assert_eq!(asked, 4);
        let pid = std::process::id();
        let waiting: Vec<&String> = lines
            .iter()
            .filter(|l| l.starts_with("JUJU_DEBUG_AT: waiting"))
            .collect();
        assert_eq!(waiting.len(), 1, "{lines:?}");
        assert!(
            waiting[0].contains("before handler `second` of `install`")
                && waiting[0].contains(&format!("`gdb -p {pid}`"))
                && waiting[0].contains(&format!("`lldb -p {pid}`")),
            "{}",
            waiting[0]
        );
    }

    #[test]
    fn hook_stops_before_every_handler_of_a_juju_event_until_one_attaches() {
        // Not attached for the first handler's first look; attached from then on.
        let (asked, lines) = run_debugged("hook", 1);
        assert_eq!(asked, 3, "first: asked twice; second: attached already");
        let waiting = lines
            .iter()
            .filter(|l| l.contains("waiting for a debugger"));
        assert_eq!(waiting.count(), 1, "{lines:?}");
    }

    #[test]
    fn other_names_do_not_stop() {
        let (asked, lines) = run_debugged("third,breakpoint", 0);
        assert_eq!(asked, 0);
        assert!(
            lines.iter().all(|l| !l.contains("JUJU_DEBUG_AT")),
            "{lines:?}"
        );
    }
}
