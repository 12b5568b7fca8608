//! Dispatch: from Juju's environment to the charm's handlers and an exit code.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::rc::Rc;

use crate::config::ConfigError;
use crate::context::{HookContext, ModelError};
use crate::env::{EnvError, JujuContext};
use crate::event::{Event, EventKind};
use crate::handler::{CharmError, Rejection};
use crate::hook_tools::{HookTools, LogLevel, ProcessHookTools, StatusTarget};
use crate::logging;
use crate::status;
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
pub type HandlerFn<C> = fn(&mut C, &mut HookContext) -> Result<(), CharmError>;

/// One entry of a charm's dispatch table.
pub struct Handler<C> {
    /// The event kind it handles.
    pub kind: EventKind,
    /// The relation, storage, container or action it is for, as named in the metadata.
    pub entity: Option<&'static str>,
    /// The handler method's name.
    pub name: &'static str,
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
    let tools: Rc<dyn HookTools> = Rc::new(ProcessHookTools::new());
    let juju = match JujuContext::from_env() {
        Ok(juju) => juju,
        Err(error) => {
            let error = DispatchError::Env(error);
            eprintln!("error: {error}");
            // The hook tools may still be reachable: leave the reason in the unit log.
            let _ = tools.juju_log(LogLevel::Error, &error.to_string());
            return ExitCode::FAILURE;
        }
    };
    let mut charm = make();
    let outcome = run(&mut charm, juju, tools);
    if let Outcome::Failed(error) = &outcome {
        eprintln!("error: {error}");
    }
    outcome.exit_code()
}

/// Runs `charm` for the dispatch `juju` describes, against `tools`: the handlers
/// registered for the event in declaration order, then collect-status.
///
/// This is what [`main`] does after reading the environment, and what the testing
/// harness runs against its in-memory hook tools.
pub fn run<C: Charm>(charm: &mut C, juju: JujuContext, tools: Rc<dyn HookTools>) -> Outcome {
    let _route = logging::route_to(Rc::clone(&tools), juju.debug);
    let event = match Event::from_context(&juju) {
        Ok(event) => event,
        Err(error) => return fail(DispatchError::Env(error)),
    };
    let mut cx = HookContext::new(juju, event, tools).with_meta(C::META);
    let outcome = dispatch(charm, &mut cx);
    if let Outcome::Failed(error) = &outcome {
        log::error!("{error}");
    }
    outcome
}

fn fail(error: DispatchError) -> Outcome {
    log::error!("{error}");
    Outcome::Failed(error)
}

/// Runs the handlers for the context's event, then collect-status.
fn dispatch<C: Charm>(charm: &mut C, cx: &mut HookContext) -> Outcome {
    let event = cx.event().clone();
    if let Some(kind) = event.kind() {
        let entity = event.entity();
        for handler in C::HANDLERS
            .iter()
            .filter(|h| h.kind == kind && h.entity == entity)
        {
            match (call(charm, cx, handler), &event) {
                (Ok(()), _) => {}
                (Err(Failure::InvalidConfig(invalid)), Event::Action(_)) => {
                    return action_failed(cx, handler.name, &invalid.to_string());
                }
                (Err(Failure::InvalidConfig(invalid)), _) => skip(cx, handler, invalid),
                (Err(Failure::Handler(error)), Event::Action(_)) => {
                    return action_failed(cx, handler.name, &format!("{error:#}"));
                }
                (Err(Failure::InvalidParams(message)), _) => {
                    return action_failed(cx, handler.name, &message);
                }
                (Err(failure), _) => return Outcome::Failed(failure.into_error(handler, cx)),
            }
        }
    }
    if event.is_restricted() {
        return Outcome::Success;
    }
    match collect_status(charm, cx) {
        Ok(()) => Outcome::Success,
        Err(error) => Outcome::Failed(error),
    }
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
    if !cx.config_errors.contains(&invalid) {
        cx.config_errors.push(invalid);
    }
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
) -> Result<(), Failure> {
    let result = catch_unwind(AssertUnwindSafe(|| (handler.call)(charm, cx)));
    match result {
        Ok(Ok(())) => Ok(()),
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
fn collect_status<C: Charm>(charm: &mut C, cx: &mut HookContext) -> Result<(), DispatchError> {
    let has = |kind| C::HANDLERS.iter().any(|h| h.kind == kind);
    let collect_error = |cx: &HookContext, source| DispatchError::CollectStatus {
        event: cx.event().hook_name(),
        source,
    };
    for (kind, target) in [
        (EventKind::CollectAppStatus, StatusTarget::App),
        (EventKind::CollectUnitStatus, StatusTarget::Unit),
    ] {
        let blocked_by_config = target == StatusTarget::Unit && !cx.config_errors.is_empty();
        if !has(kind) && !blocked_by_config {
            continue;
        }
        if target == StatusTarget::App && !cx.is_leader().map_err(|e| collect_error(cx, e))? {
            continue;
        }
        cx.statuses.borrow_mut().clear();
        for handler in C::HANDLERS.iter().filter(|h| h.kind == kind) {
            match call(charm, cx, handler) {
                Ok(()) => {}
                Err(Failure::InvalidConfig(invalid)) => skip(cx, handler, invalid),
                Err(failure) => return Err(failure.into_error(handler, cx)),
            }
        }
        // Handlers skipped for invalid config leave the unit blocked, unless the
        // charm reported a status of the same or higher priority first.
        if target == StatusTarget::Unit {
            let blocked = cx
                .config_errors
                .iter()
                .map(|e| Status::blocked(blocked_message(e)));
            cx.statuses.borrow_mut().extend(blocked);
        }
        let chosen = status::highest(&cx.statuses.borrow()).cloned();
        if let Some(status) = chosen {
            cx.hook_tools()
                .status_set(target, &status)
                .map_err(|e| collect_error(cx, e.into()))?;
        }
    }
    Ok(())
}

/// The `Blocked` message for configuration that does not convert.
fn blocked_message(error: &ConfigError) -> String {
    let problems: Vec<String> = error.0.iter().map(ToString::to_string).collect();
    format!("Invalid config: {}", problems.join("; "))
}
