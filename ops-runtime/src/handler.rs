//! What handlers take and return.
//!
//! A handler's arguments after `&mut self` are the [`HookContext`] (as `&mut
//! HookContext`) and any number of extractors: types implementing
//! [`FromHookContext`] for the handler's event kind, such as the typed event. Its
//! return value is anything implementing [`IntoOutcome`]: `()`, or a `Result` whose
//! error converts into [`CharmError`].

use std::cell::RefCell;
use std::error::Error as StdError;
use std::fmt;
use std::rc::Rc;

use crate::action::{CharmAction, Params, ParamsError};
use crate::config::{CharmConfig, Config, ConfigError};
use crate::context::{HookContext, LoadConfigError, LoadParamsError, ModelError};
use crate::event::{self, Event, kinds};
use crate::status::Status;

/// The error a handler returns: any error type, or a message.
///
/// Like `anyhow::Error`, anything implementing [`std::error::Error`] converts into
/// it with `?`, and its whole `source()` chain is logged when the hook fails.
pub struct CharmError {
    inner: Box<dyn StdError + Send + Sync + 'static>,
}

impl CharmError {
    /// An error with just a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self {
            inner: message.to_string().into(),
        }
    }

    /// The underlying error.
    pub fn get_ref(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.inner
    }

    /// The error and its causes, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        let mut next: Option<&(dyn StdError + 'static)> = Some(&*self.inner);
        std::iter::from_fn(move || {
            let current = next?;
            next = current.source();
            Some(current)
        })
    }
}

impl<E: StdError + Send + Sync + 'static> From<E> for CharmError {
    fn from(error: E) -> Self {
        Self {
            inner: Box::new(error),
        }
    }
}

impl fmt::Debug for CharmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

/// Shows the error and, with `{:#}`, its causes joined by `: `. A cause whose
/// text is already part of what was written (an error that puts its source in
/// its own message, as many do) is not repeated.
impl fmt::Display for CharmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            let mut written = String::new();
            for e in self.chain() {
                let text = e.to_string();
                if written.contains(&text) {
                    continue;
                }
                if !written.is_empty() {
                    written.push_str(": ");
                }
                written.push_str(&text);
            }
            f.write_str(&written)
        } else {
            fmt::Display::fmt(&self.inner, f)
        }
    }
}

/// A handler argument could not be supplied.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The argument's type does not describe the event being handled.
    #[error("this handler takes `{expected}`, but the event is `{event}`")]
    WrongEvent {
        /// The argument type.
        expected: &'static str,
        /// The event's hook name.
        event: String,
    },
    /// The configuration does not convert into the handler's `Config<T>`: the
    /// handler is skipped and the unit ends the hook `Blocked`.
    #[error(transparent)]
    InvalidConfig(ConfigError),
    /// The action's parameters do not convert into the handler's `Params<T>`: the
    /// action fails.
    #[error("Error in action parameters: {0}")]
    InvalidParams(ParamsError),
    /// A custom event's payload does not convert into the handler's type.
    #[error("the payload of `{event}` does not convert: {reason}")]
    Payload {
        /// The event.
        event: String,
        /// Why.
        reason: String,
    },
    /// A hook tool failed while the argument was built.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// What a handler's return value means for the hook.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a handler",
    label = "handlers return `()` or a `Result<(), E>` whose error converts into `CharmError`",
    note = "any `std::error::Error + Send + Sync + 'static` converts into `CharmError`, so `Result<(), MyError>` works"
)]
pub trait IntoOutcome {
    /// Whether the event was handled or deferred, or the error that fails the
    /// hook (or the action).
    fn into_outcome(self, cx: &mut HookContext) -> Result<Flow, CharmError>;
}

/// What a handler did with its event: handled it, or deferred it to be re-run
/// at the start of the next hook (before that hook's own event).
///
/// Deferral is explicit and rare by design: return `Ok(Flow::Defer)` when the
/// event cannot be handled yet (a workload not up, a peer missing). Actions,
/// `stop`, `remove`, `secret-rotate`, `secret-expired` and collect-status cannot
/// be deferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// The event was handled.
    #[default]
    Done,
    /// Re-run this handler with this event at the start of the next hook.
    Defer,
}

impl IntoOutcome for () {
    fn into_outcome(self, _cx: &mut HookContext) -> Result<Flow, CharmError> {
        Ok(Flow::Done)
    }
}

impl IntoOutcome for Flow {
    fn into_outcome(self, _cx: &mut HookContext) -> Result<Flow, CharmError> {
        Ok(self)
    }
}

impl<T: IntoOutcome, E: Into<CharmError>> IntoOutcome for Result<T, E> {
    fn into_outcome(self, cx: &mut HookContext) -> Result<Flow, CharmError> {
        self.map_err(Into::into)?.into_outcome(cx)
    }
}

/// A handler argument built from the hook context for events of kind `K` (one
/// of the markers in [`kinds`]).
///
/// `#[charm]` calls it for every argument but the context, with `K` the kind of
/// the handler's event, so an argument that does not fit the event (a
/// `RelationChangedEvent` in a `config_changed` handler) is a compile error on
/// that argument.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be an argument of this handler",
    label = "not available for this event",
    note = "handler arguments are `&mut HookContext`, the event's own type (e.g. `RelationChangedEvent` for `*_relation_changed`), a shared view such as `RelationEvent`, or `Event`"
)]
pub trait FromHookContext<K>: Sized {
    /// Builds the argument.
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection>;
}

/// One trait per event kind, named after it, that `#[charm]` builds each
/// handler argument through: it is [`FromHookContext`] for that kind, with an
/// error that names the event and the arguments that fit it.
#[doc(hidden)]
pub mod args {
    use super::{FromHookContext, HookContext, Rejection, kinds};

    macro_rules! arg_traits {
        ($($kind:ident: $trait:ident => $message:literal, $fits:literal;)*) => {
        $(
            #[doc = concat!("A handler argument for `kinds::", stringify!($kind), "`.")]
            #[diagnostic::on_unimplemented(
                message = $message,
                label = "the runtime cannot supply this for this event",
                note = $fits,
                note = "configuration is `Config<T>` for a `#[derive(CharmConfig)]` struct `T` (untyped values: `cx.config()`); action params are `Params<T>` for a `#[derive(CharmAction)]` struct `T`, in that action's handler"
            )]
            pub trait $trait: Sized {
                /// Builds the argument.
                fn extract(cx: &mut HookContext) -> Result<Self, Rejection>;
            }

            #[diagnostic::do_not_recommend]
            impl<T: FromHookContext<kinds::$kind>> $trait for T {
                fn extract(cx: &mut HookContext) -> Result<Self, Rejection> {
                    T::from_context(cx)
                }
            }
        )*

        /// The name of the trait above that `#[charm]` builds the arguments of a
        /// handler of `kind` through (`InstallArg` for `Install`). A `match` over
        /// every kind: a new kind does not compile until it has its trait here.
        pub fn trait_name(kind: crate::EventKind) -> &'static str {
            match kind {
                $(crate::EventKind::$kind => stringify!($trait),)*
            }
        }

        /// The note of `kind`'s trait listing the arguments that fit, for the
        /// test that holds it to the event table.
        #[cfg(test)]
        pub(crate) fn fits_note(kind: crate::EventKind) -> &'static str {
            match kind {
                $(crate::EventKind::$kind => $fits,)*
            }
        }
        };
    }

    arg_traits! {
    Install: InstallArg => "`{Self}` cannot be an argument of an `install` handler",
        "an `install` handler takes `&mut HookContext`, `Config<T>` and `Event`; `install` has no typed event of its own, `Event` is the event";
    Start: StartArg => "`{Self}` cannot be an argument of a `start` handler",
        "a `start` handler takes `&mut HookContext`, `Config<T>` and `Event`; `start` has no typed event of its own, `Event` is the event";
    Stop: StopArg => "`{Self}` cannot be an argument of a `stop` handler",
        "a `stop` handler takes `&mut HookContext`, `Config<T>` and `Event`; `stop` has no typed event of its own, `Event` is the event";
    Remove: RemoveArg => "`{Self}` cannot be an argument of a `remove` handler",
        "a `remove` handler takes `&mut HookContext`, `Config<T>` and `Event`; `remove` has no typed event of its own, `Event` is the event";
    ConfigChanged: ConfigChangedArg => "`{Self}` cannot be an argument of a `config_changed` handler",
        "a `config_changed` handler takes `&mut HookContext`, `Config<T>` and `Event`; `config_changed` has no typed event of its own, `Event` is the event";
    UpdateStatus: UpdateStatusArg => "`{Self}` cannot be an argument of an `update_status` handler",
        "an `update_status` handler takes `&mut HookContext`, `Config<T>` and `Event`; `update_status` has no typed event of its own, `Event` is the event";
    UpgradeCharm: UpgradeCharmArg => "`{Self}` cannot be an argument of an `upgrade_charm` handler",
        "an `upgrade_charm` handler takes `&mut HookContext`, `Config<T>` and `Event`; `upgrade_charm` has no typed event of its own, `Event` is the event";
    PreSeriesUpgrade: PreSeriesUpgradeArg => "`{Self}` cannot be an argument of a `pre_series_upgrade` handler",
        "a `pre_series_upgrade` handler takes `&mut HookContext`, `Config<T>` and `Event`; `pre_series_upgrade` has no typed event of its own, `Event` is the event";
    PostSeriesUpgrade: PostSeriesUpgradeArg => "`{Self}` cannot be an argument of a `post_series_upgrade` handler",
        "a `post_series_upgrade` handler takes `&mut HookContext`, `Config<T>` and `Event`; `post_series_upgrade` has no typed event of its own, `Event` is the event";
    LeaderElected: LeaderElectedArg => "`{Self}` cannot be an argument of a `leader_elected` handler",
        "a `leader_elected` handler takes `&mut HookContext`, `Config<T>` and `Event`; `leader_elected` has no typed event of its own, `Event` is the event";
    LeaderSettingsChanged: LeaderSettingsChangedArg => "`{Self}` cannot be an argument of a `leader_settings_changed` handler",
        "a `leader_settings_changed` handler takes `&mut HookContext`, `Config<T>` and `Event`; `leader_settings_changed` has no typed event of its own, `Event` is the event";
    CollectMetrics: CollectMetricsArg => "`{Self}` cannot be an argument of a `collect_metrics` handler",
        "a `collect_metrics` handler takes `&mut HookContext`, `Config<T>` and `Event`; `collect_metrics` has no typed event of its own, `Event` is the event";
    RelationCreated: RelationCreatedArg => "`{Self}` cannot be an argument of a `<endpoint>_relation_created` handler",
        "a `<endpoint>_relation_created` handler takes `&mut HookContext`, `RelationCreatedEvent` (the event), `RelationEvent` (a view shared by every relation event), `Config<T>` and `Event`";
    RelationJoined: RelationJoinedArg => "`{Self}` cannot be an argument of a `<endpoint>_relation_joined` handler",
        "a `<endpoint>_relation_joined` handler takes `&mut HookContext`, `RelationJoinedEvent` (the event), `RelationEvent` (a view shared by every relation event), `Config<T>` and `Event`";
    RelationChanged: RelationChangedArg => "`{Self}` cannot be an argument of a `<endpoint>_relation_changed` handler",
        "a `<endpoint>_relation_changed` handler takes `&mut HookContext`, `RelationChangedEvent` (the event), `RelationEvent` (a view shared by every relation event), `Config<T>` and `Event`";
    RelationDeparted: RelationDepartedArg => "`{Self}` cannot be an argument of a `<endpoint>_relation_departed` handler",
        "a `<endpoint>_relation_departed` handler takes `&mut HookContext`, `RelationDepartedEvent` (the event), `RelationEvent` (a view shared by every relation event), `Config<T>` and `Event`";
    RelationBroken: RelationBrokenArg => "`{Self}` cannot be an argument of a `<endpoint>_relation_broken` handler",
        "a `<endpoint>_relation_broken` handler takes `&mut HookContext`, `RelationBrokenEvent` (the event), `RelationEvent` (a view shared by every relation event), `Config<T>` and `Event`";
    StorageAttached: StorageAttachedArg => "`{Self}` cannot be an argument of a `<storage>_storage_attached` handler",
        "a `<storage>_storage_attached` handler takes `&mut HookContext`, `StorageEvent` (the event), `Config<T>` and `Event`";
    StorageDetaching: StorageDetachingArg => "`{Self}` cannot be an argument of a `<storage>_storage_detaching` handler",
        "a `<storage>_storage_detaching` handler takes `&mut HookContext`, `StorageEvent` (the event), `Config<T>` and `Event`";
    PebbleReady: PebbleReadyArg => "`{Self}` cannot be an argument of a `<container>_pebble_ready` handler",
        "a `<container>_pebble_ready` handler takes `&mut HookContext`, `PebbleReadyEvent` (the event), `Config<T>` and `Event`";
    PebbleCustomNotice: PebbleCustomNoticeArg => "`{Self}` cannot be an argument of a `<container>_pebble_custom_notice` handler",
        "a `<container>_pebble_custom_notice` handler takes `&mut HookContext`, `PebbleCustomNoticeEvent` (the event), `Config<T>` and `Event`";
    PebbleCheckFailed: PebbleCheckFailedArg => "`{Self}` cannot be an argument of a `<container>_pebble_check_failed` handler",
        "a `<container>_pebble_check_failed` handler takes `&mut HookContext`, `PebbleCheckFailedEvent` (the event), `Config<T>` and `Event`";
    PebbleCheckRecovered: PebbleCheckRecoveredArg => "`{Self}` cannot be an argument of a `<container>_pebble_check_recovered` handler",
        "a `<container>_pebble_check_recovered` handler takes `&mut HookContext`, `PebbleCheckRecoveredEvent` (the event), `Config<T>` and `Event`";
    SecretChanged: SecretChangedArg => "`{Self}` cannot be an argument of a `secret_changed` handler",
        "a `secret_changed` handler takes `&mut HookContext`, `SecretChangedEvent` (the event), `Config<T>` and `Event`";
    SecretRotate: SecretRotateArg => "`{Self}` cannot be an argument of a `secret_rotate` handler",
        "a `secret_rotate` handler takes `&mut HookContext`, `SecretRotateEvent` (the event), `Config<T>` and `Event`";
    SecretRemove: SecretRemoveArg => "`{Self}` cannot be an argument of a `secret_remove` handler",
        "a `secret_remove` handler takes `&mut HookContext`, `SecretRemoveEvent` (the event), `Config<T>` and `Event`";
    SecretExpired: SecretExpiredArg => "`{Self}` cannot be an argument of a `secret_expired` handler",
        "a `secret_expired` handler takes `&mut HookContext`, `SecretExpiredEvent` (the event), `Config<T>` and `Event`";
    Action: ActionArg => "`{Self}` cannot be an argument of a `<action>_action` handler",
        "a `<action>_action` handler takes `&mut HookContext`, `Params<T>` (the action's params, `T` derived with `#[derive(CharmAction)]` for this action), `ActionEvent` (the event), `Config<T>` and `Event`";
    CollectAppStatus: CollectAppStatusArg => "`{Self}` cannot be an argument of a `collect_app_status` handler",
        "a `collect_app_status` handler takes `&mut HookContext`, `CollectStatus` (to add statuses), `Config<T>` and `Event`";
    CollectUnitStatus: CollectUnitStatusArg => "`{Self}` cannot be an argument of a `collect_unit_status` handler",
        "a `collect_unit_status` handler takes `&mut HookContext`, `CollectStatus` (to add statuses), `Config<T>` and `Event`";
    Reconcile: ReconcileArg => "`{Self}` cannot be an argument of a `reconcile` handler",
        "a `reconcile` handler takes `&mut HookContext`, `Config<T>` and `Event` (whichever event ran)";
    Custom: CustomArg => "`{Self}` cannot be an argument of a `<component>::<event>` handler",
        "a `<component>::<event>` handler takes `&mut HookContext`, `Custom<T>` (the event's payload), `Config<T>` and `Event`";
    }
}

/// Typed configuration fits every handler.
impl<K, T: CharmConfig> FromHookContext<K> for Config<T> {
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        match cx.load_config::<T>() {
            Ok(config) => Ok(Config(config)),
            Err(LoadConfigError::Invalid(e)) => Err(Rejection::InvalidConfig(e)),
            Err(LoadConfigError::Model(e)) => Err(Rejection::Model(e)),
        }
    }
}

/// Typed configuration, or why it does not convert, for handlers that deal with
/// invalid configuration themselves (they are not skipped).
impl<K, T: CharmConfig> FromHookContext<K> for Result<Config<T>, ConfigError> {
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        match cx.load_config::<T>() {
            Ok(config) => Ok(Ok(Config(config))),
            Err(LoadConfigError::Invalid(e)) => Ok(Err(e)),
            Err(LoadConfigError::Model(e)) => Err(Rejection::Model(e)),
        }
    }
}

/// Typed parameters fit action handlers only.
impl<T: CharmAction> FromHookContext<kinds::Action> for Params<T> {
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        match cx.load_params::<T>() {
            Ok(params) => Ok(Params(params)),
            Err(LoadParamsError::Invalid(e)) => Err(Rejection::InvalidParams(e)),
            Err(LoadParamsError::Model(e)) => Err(Rejection::Model(e)),
        }
    }
}

/// A custom event's payload fits the handlers of that custom event.
impl<T: crate::component::CustomEvent> FromHookContext<kinds::Custom>
    for crate::component::Custom<T>
{
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        match cx.event() {
            Event::Custom(e) if e.name == T::NAME => serde_json::from_value(e.payload.clone())
                .map(crate::component::Custom)
                .map_err(|err| Rejection::Payload {
                    event: e.qualified.clone(),
                    reason: err.to_string(),
                }),
            _ => wrong(cx),
        }
    }
}

/// `Event` fits every handler.
impl<K> FromHookContext<K> for Event {
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        Ok(cx.event().clone())
    }
}

fn wrong<T>(cx: &HookContext) -> Result<T, Rejection> {
    Err(Rejection::WrongEvent {
        expected: std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or_default(),
        event: cx.event().hook_name(),
    })
}

/// Implements `FromHookContext<kinds::K>` for an event type that is the payload of
/// `Event::Variant`.
macro_rules! typed_event {
    ($ty:ty: $($kind:ident => $variant:ident),+) => {$(
        impl FromHookContext<kinds::$kind> for $ty {
            fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
                match cx.event() {
                    Event::$variant(e) => Ok(e.clone()),
                    _ => wrong(cx),
                }
            }
        }
    )+};
}

typed_event!(event::RelationCreatedEvent: RelationCreated => RelationCreated);
typed_event!(event::RelationJoinedEvent: RelationJoined => RelationJoined);
typed_event!(event::RelationChangedEvent: RelationChanged => RelationChanged);
typed_event!(event::RelationDepartedEvent: RelationDeparted => RelationDeparted);
typed_event!(event::RelationBrokenEvent: RelationBroken => RelationBroken);
typed_event!(event::StorageEvent: StorageAttached => StorageAttached, StorageDetaching => StorageDetaching);
typed_event!(event::PebbleReadyEvent: PebbleReady => PebbleReady);
typed_event!(event::PebbleCustomNoticeEvent: PebbleCustomNotice => PebbleCustomNotice);
typed_event!(event::PebbleCheckFailedEvent: PebbleCheckFailed => PebbleCheckFailed);
typed_event!(event::PebbleCheckRecoveredEvent: PebbleCheckRecovered => PebbleCheckRecovered);
typed_event!(event::SecretChangedEvent: SecretChanged => SecretChanged);
typed_event!(event::SecretRotateEvent: SecretRotate => SecretRotate);
typed_event!(event::SecretRemoveEvent: SecretRemove => SecretRemove);
typed_event!(event::SecretExpiredEvent: SecretExpired => SecretExpired);
typed_event!(event::ActionEvent: Action => Action);

impl event::RelationEvent {
    fn from_event(event: &Event) -> Option<Self> {
        let kind = event.kind()?;
        Some(match event {
            Event::RelationCreated(e) => Self {
                kind,
                relation: e.relation.clone(),
                app: Some(e.app.clone()),
                unit: None,
                departing_unit: None,
            },
            Event::RelationJoined(e) => Self {
                kind,
                relation: e.relation.clone(),
                app: Some(e.app.clone()),
                unit: Some(e.unit.clone()),
                departing_unit: None,
            },
            Event::RelationChanged(e) => Self {
                kind,
                relation: e.relation.clone(),
                app: Some(e.app.clone()),
                unit: e.unit.clone(),
                departing_unit: None,
            },
            Event::RelationDeparted(e) => Self {
                kind,
                relation: e.relation.clone(),
                app: Some(e.app.clone()),
                unit: Some(e.unit.clone()),
                departing_unit: e.departing_unit.clone(),
            },
            Event::RelationBroken(e) => Self {
                kind,
                relation: e.relation.clone(),
                app: e.app.clone(),
                unit: None,
                departing_unit: None,
            },
            _ => return None,
        })
    }
}

macro_rules! relation_view {
    ($($kind:ident),+) => {$(
        impl FromHookContext<kinds::$kind> for event::RelationEvent {
            fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
                match Self::from_event(cx.event()) {
                    Some(e) => Ok(e),
                    None => wrong(cx),
                }
            }
        }
    )+};
}

relation_view!(
    RelationCreated,
    RelationJoined,
    RelationChanged,
    RelationDeparted,
    RelationBroken
);

/// The argument of a collect-status handler: add the statuses the charm is in;
/// the highest priority wins (error > blocked > maintenance > waiting > active),
/// the first added among equals.
///
/// ```
/// # use ops_runtime::{HookContext, CollectStatus, Status};
/// # struct Charm { ready: bool }
/// # impl Charm {
/// fn collect_unit_status(&mut self, _cx: &mut HookContext, status: CollectStatus) {
///     if !self.ready {
///         status.add(Status::waiting("workload starting"));
///     }
///     status.add(Status::active(""));
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CollectStatus {
    statuses: Rc<RefCell<Vec<Status>>>,
}

impl CollectStatus {
    /// The collector of `cx`'s statuses, as dispatch hands it to components.
    pub(crate) fn of(cx: &HookContext) -> Self {
        Self {
            statuses: cx.dispatch_state().status_collector(),
        }
    }

    /// Adds a status the charm is in.
    pub fn add(&self, status: Status) {
        self.statuses.borrow_mut().push(status);
    }

    /// The statuses added so far, in order.
    pub fn statuses(&self) -> Vec<Status> {
        self.statuses.borrow().clone()
    }
}

impl FromHookContext<kinds::CollectUnitStatus> for CollectStatus {
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        Ok(Self {
            statuses: cx.dispatch_state().status_collector(),
        })
    }
}

impl FromHookContext<kinds::CollectAppStatus> for CollectStatus {
    fn from_context(cx: &mut HookContext) -> Result<Self, Rejection> {
        Ok(Self {
            statuses: cx.dispatch_state().status_collector(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_kind_has_the_argument_trait_charm_names() {
        for kind in crate::EventKind::ALL {
            assert_eq!(args::trait_name(*kind), format!("{}Arg", kind.name()));
        }
    }

    /// The types of the event table's `event_type` and `extra_args` of `kind`.
    fn supplied(kind: crate::EventKind) -> Vec<&'static str> {
        kind.event_type()
            .into_iter()
            .chain(kind.extra_args().iter().copied())
            .collect()
    }

    #[test]
    fn every_argument_note_lists_what_the_event_table_says_the_kind_supplies() {
        use ops_events::Naming;
        let all: Vec<&str> = crate::EventKind::ALL
            .iter()
            .flat_map(|kind| supplied(*kind))
            .collect();
        for &kind in crate::EventKind::ALL {
            let note = args::fits_note(kind);
            let pattern = match kind.naming() {
                Naming::Hook(name) | Naming::Framework(name) => name.replace('-', "_"),
                Naming::PerEntity(entity, suffix) => {
                    format!("<{}>_{}", entity.placeholder(), suffix.replace('-', "_"))
                }
                Naming::Custom => "<component>::<event>".to_owned(),
            };
            assert!(
                note.contains(&format!("`{pattern}` handler takes")),
                "{kind:?}: {note}"
            );
            let own = supplied(kind);
            for ty in &all {
                assert_eq!(
                    note.contains(&format!("`{ty}`")),
                    own.contains(ty),
                    "{kind:?} and `{ty}`: {note}"
                );
            }
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("reading the config")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("container `web`: {0}")]
    struct Wordy(#[source] std::io::Error);

    fn io() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")
    }

    #[test]
    fn the_alternate_form_joins_causes_once() {
        assert_eq!(
            format!("{:#}", CharmError::from(Outer(io()))),
            "reading the config: no such file"
        );
        // The source is in the message already: not repeated.
        assert_eq!(
            format!("{:#}", CharmError::from(Wordy(io()))),
            "container `web`: no such file"
        );
        assert_eq!(
            CharmError::from(Outer(io())).to_string(),
            "reading the config"
        );
    }
}
