//! Events: what Juju asks the charm to react to.
//!
//! [`Event`] is the one event of a dispatch, worked out from the
//! [`JujuContext`]. Handlers receive it, or one of the typed
//! views below, as an argument: `fn on_db_changed(&mut self, cx: &mut HookContext,
//! event: RelationChangedEvent)`. A typed view only fits the hooks it describes,
//! which `#[charm]` checks at compile time.

use std::fmt;

use crate::env::{EnvError, JujuContext, vars};

/// Defines [`EventKind`], its hook names and the marker types in
/// [`kinds`](crate::kinds) from one list, so they cannot drift apart.
macro_rules! event_kinds {
    ($($(#[$doc:meta])* $kind:ident => $suffix:expr,)*) => {
        /// Every kind of event a handler can be registered for.
        ///
        /// Per-entity kinds (relations, storage, containers, actions) are paired with the
        /// entity's name in the dispatch table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub enum EventKind {
            $($(#[$doc])* $kind,)*
        }

        impl EventKind {
            /// The hook name for a fixed-name kind, or the suffix after the entity's name
            /// (`relation-changed`) for a per-entity kind; `None` for the collect-status kinds.
            pub fn hook_suffix(self) -> Option<&'static str> {
                match self {
                    $(EventKind::$kind => $suffix,)*
                }
            }
        }

        /// Marker types naming each [`EventKind`](crate::EventKind), for
        /// [`FromHookContext`](crate::FromHookContext).
        pub mod kinds {
            $(
                #[doc = concat!("Marks `EventKind::", stringify!($kind), "`.")]
                #[derive(Debug, Clone, Copy)]
                pub struct $kind;
            )*
        }
    };
}

event_kinds! {
    /// `install`
    Install => Some("install"),
    /// `start`
    Start => Some("start"),
    /// `stop`
    Stop => Some("stop"),
    /// `remove`
    Remove => Some("remove"),
    /// `config-changed`
    ConfigChanged => Some("config-changed"),
    /// `update-status`
    UpdateStatus => Some("update-status"),
    /// `upgrade-charm`
    UpgradeCharm => Some("upgrade-charm"),
    /// `pre-series-upgrade` (deprecated by Juju, gone in Juju 4)
    PreSeriesUpgrade => Some("pre-series-upgrade"),
    /// `post-series-upgrade` (deprecated by Juju, gone in Juju 4)
    PostSeriesUpgrade => Some("post-series-upgrade"),
    /// `leader-elected`
    LeaderElected => Some("leader-elected"),
    /// `leader-settings-changed` (deprecated by Juju)
    LeaderSettingsChanged => Some("leader-settings-changed"),
    /// `collect-metrics` (restricted context; removed in Juju 3.6.11)
    CollectMetrics => Some("collect-metrics"),
    /// `<endpoint>-relation-created`
    RelationCreated => Some("relation-created"),
    /// `<endpoint>-relation-joined`
    RelationJoined => Some("relation-joined"),
    /// `<endpoint>-relation-changed`
    RelationChanged => Some("relation-changed"),
    /// `<endpoint>-relation-departed`
    RelationDeparted => Some("relation-departed"),
    /// `<endpoint>-relation-broken`
    RelationBroken => Some("relation-broken"),
    /// `<storage>-storage-attached`
    StorageAttached => Some("storage-attached"),
    /// `<storage>-storage-detaching`
    StorageDetaching => Some("storage-detaching"),
    /// `<container>-pebble-ready`
    PebbleReady => Some("pebble-ready"),
    /// `<container>-pebble-custom-notice`
    PebbleCustomNotice => Some("pebble-custom-notice"),
    /// `<container>-pebble-check-failed`
    PebbleCheckFailed => Some("pebble-check-failed"),
    /// `<container>-pebble-check-recovered`
    PebbleCheckRecovered => Some("pebble-check-recovered"),
    /// `secret-changed`
    SecretChanged => Some("secret-changed"),
    /// `secret-rotate`
    SecretRotate => Some("secret-rotate"),
    /// `secret-remove`
    SecretRemove => Some("secret-remove"),
    /// `secret-expired`
    SecretExpired => Some("secret-expired"),
    /// `actions/<action>`
    Action => Some("action"),
    /// Run after every hook on the leader, to set the application status.
    CollectAppStatus => None,
    /// Run after every hook, to set the unit status.
    CollectUnitStatus => None,
    /// Run once per hook whatever the event (a reconcile handler), after the
    /// event's own handlers and before collect-status.
    Reconcile => None,
    /// A custom event a component emitted (`<component>::<event>`).
    Custom => None,
}

impl EventKind {
    /// What kind of metadata entity prefixes this event's name, if any.
    pub fn entity(self) -> Option<EntityKind> {
        use EventKind::*;
        match self {
            RelationCreated | RelationJoined | RelationChanged | RelationDeparted
            | RelationBroken => Some(EntityKind::Relation),
            StorageAttached | StorageDetaching => Some(EntityKind::Storage),
            PebbleReady | PebbleCustomNotice | PebbleCheckFailed | PebbleCheckRecovered => {
                Some(EntityKind::Container)
            }
            Action => Some(EntityKind::Action),
            _ => None,
        }
    }
}

/// The metadata entities whose names prefix per-entity events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A relation endpoint (`requires`, `provides` or `peers`).
    Relation,
    /// A storage (`storage`).
    Storage,
    /// A workload container (`containers`).
    Container,
    /// An action (`actions`).
    Action,
}

/// A relation, as Juju names it: endpoint and id (`db:7`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RelationRef {
    /// The endpoint name from the metadata.
    pub endpoint: String,
    /// The relation id Juju assigned.
    pub id: u64,
}

impl RelationRef {
    /// A relation reference.
    pub fn new(endpoint: impl Into<String>, id: u64) -> Self {
        Self {
            endpoint: endpoint.into(),
            id,
        }
    }
}

impl fmt::Display for RelationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.endpoint, self.id)
    }
}

/// `<endpoint>-relation-created`: a relation was established, before any unit joined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelationCreatedEvent {
    /// The relation.
    pub relation: RelationRef,
    /// The remote application.
    pub app: String,
}

/// `<endpoint>-relation-joined`: a remote unit joined the relation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelationJoinedEvent {
    /// The relation.
    pub relation: RelationRef,
    /// The remote application.
    pub app: String,
    /// The unit that joined.
    pub unit: String,
}

/// `<endpoint>-relation-changed`: a remote unit's (or the remote app's) data changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelationChangedEvent {
    /// The relation.
    pub relation: RelationRef,
    /// The remote application.
    pub app: String,
    /// The remote unit whose data changed; `None` when the application data changed.
    pub unit: Option<String>,
}

/// `<endpoint>-relation-departed`: a remote unit left the relation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelationDepartedEvent {
    /// The relation.
    pub relation: RelationRef,
    /// The remote application.
    pub app: String,
    /// The remote unit that departed.
    pub unit: String,
    /// The unit going away: the remote unit, or this unit when it is the one leaving.
    pub departing_unit: Option<String>,
}

/// `<endpoint>-relation-broken`: the relation is being removed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelationBrokenEvent {
    /// The relation (no longer active; its data can still be read in this hook).
    pub relation: RelationRef,
    /// The remote application, when Juju still knows it.
    pub app: Option<String>,
}

/// Any of the five relation events, for a handler registered on several of them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelationEvent {
    /// Which of the five relation events this is.
    pub kind: EventKind,
    /// The relation.
    pub relation: RelationRef,
    /// The remote application, when known.
    pub app: Option<String>,
    /// The remote unit, for joined, changed and departed.
    pub unit: Option<String>,
    /// The departing unit, for departed.
    pub departing_unit: Option<String>,
}

/// A storage instance, as Juju names it: storage name and index (`data/0`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct StorageRef {
    /// The storage name from the metadata.
    pub name: String,
    /// The instance index.
    pub index: u32,
}

impl fmt::Display for StorageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.name, self.index)
    }
}

/// `<storage>-storage-attached` or `<storage>-storage-detaching`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StorageEvent {
    /// The storage instance.
    pub storage: StorageRef,
}

/// `<container>-pebble-ready`: the container's Pebble is up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PebbleReadyEvent {
    /// The container name.
    pub container: String,
}

/// A Pebble notice, as the event names it (the rest is fetched from Pebble).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoticeRef {
    /// The notice id.
    pub id: String,
    /// The notice type, e.g. `custom`.
    pub kind: String,
    /// The notice key, e.g. `example.com/reload`.
    pub key: String,
}

/// `<container>-pebble-custom-notice`: the workload recorded a custom notice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PebbleCustomNoticeEvent {
    /// The container name.
    pub container: String,
    /// The notice.
    pub notice: NoticeRef,
}

/// `<container>-pebble-check-failed`: a check reached its failure threshold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PebbleCheckFailedEvent {
    /// The container name.
    pub container: String,
    /// The check's name.
    pub check: String,
}

/// `<container>-pebble-check-recovered`: a failed check passed again.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PebbleCheckRecoveredEvent {
    /// The container name.
    pub container: String,
    /// The check's name.
    pub check: String,
}

/// A secret, as an event names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretRef {
    /// The canonical secret URI (`secret://<model-uuid>/<id>`).
    pub id: String,
    /// The label this charm gave the secret, if any.
    pub label: Option<String>,
}

impl SecretRef {
    /// A reference with a canonical id: a bare id becomes
    /// `secret://<model-uuid>/<id>` (or `secret:<id>` without a model uuid).
    pub fn new(id: &str, label: Option<String>, model_uuid: &str) -> Self {
        let id = id.trim();
        let id = if id.contains(':') {
            id.to_owned()
        } else if model_uuid.is_empty() {
            format!("secret:{id}")
        } else {
            format!("secret://{model_uuid}/{id}")
        };
        Self { id, label }
    }

    /// The part of the id after the model: the secret's own identifier.
    pub fn unique_identifier(&self) -> &str {
        self.id
            .rsplit_once('/')
            .map(|(_, id)| id)
            .or_else(|| self.id.strip_prefix("secret:"))
            .unwrap_or(&self.id)
    }
}

/// `secret-changed`: a secret this unit observes has a new revision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretChangedEvent {
    /// The secret.
    pub secret: SecretRef,
}

/// `secret-rotate`: a secret this charm owns is due for rotation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretRotateEvent {
    /// The secret.
    pub secret: SecretRef,
}

/// `secret-remove`: a revision of an owned secret is no longer tracked by anyone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretRemoveEvent {
    /// The secret.
    pub secret: SecretRef,
    /// The revision that can be removed.
    pub revision: u64,
}

/// `secret-expired`: a revision of an owned secret expired.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SecretExpiredEvent {
    /// The secret.
    pub secret: SecretRef,
    /// The expired revision.
    pub revision: u64,
}

/// `actions/<action>`: a user ran an action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ActionEvent {
    /// The action's name from the metadata.
    pub name: String,
    /// The action's id (`JUJU_ACTION_UUID`).
    pub id: String,
}

/// A custom event as dispatch carries it: which component emitted it, its name,
/// and its payload as JSON (so it can be deferred like any event).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CustomEventData {
    /// `<component>::<event>`, the name handlers are registered under.
    pub qualified: String,
    /// The event's name ([`crate::CustomEvent::NAME`]).
    pub name: String,
    /// The payload.
    pub payload: serde_json::Value,
}

/// The one event of a dispatch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)] // each variant is documented on its kind
pub enum Event {
    Install,
    Start,
    Stop,
    Remove,
    ConfigChanged,
    UpdateStatus,
    UpgradeCharm,
    PreSeriesUpgrade,
    PostSeriesUpgrade,
    LeaderElected,
    LeaderSettingsChanged,
    CollectMetrics,
    RelationCreated(RelationCreatedEvent),
    RelationJoined(RelationJoinedEvent),
    RelationChanged(RelationChangedEvent),
    RelationDeparted(RelationDepartedEvent),
    RelationBroken(RelationBrokenEvent),
    StorageAttached(StorageEvent),
    StorageDetaching(StorageEvent),
    PebbleReady(PebbleReadyEvent),
    PebbleCustomNotice(PebbleCustomNoticeEvent),
    PebbleCheckFailed(PebbleCheckFailedEvent),
    PebbleCheckRecovered(PebbleCheckRecoveredEvent),
    SecretChanged(SecretChangedEvent),
    SecretRotate(SecretRotateEvent),
    SecretRemove(SecretRemoveEvent),
    SecretExpired(SecretExpiredEvent),
    Action(ActionEvent),
    /// A custom event emitted by a component during this hook (or deferred from
    /// an earlier one).
    Custom(CustomEventData),
    /// A hook this crate does not model (such as `meter-status-changed`): no handler
    /// runs, collect-status still does, as in ops.
    Unknown(String),
}

impl Event {
    /// The event's kind, `None` for [`Event::Unknown`].
    pub fn kind(&self) -> Option<EventKind> {
        use EventKind as K;
        Some(match self {
            Event::Install => K::Install,
            Event::Start => K::Start,
            Event::Stop => K::Stop,
            Event::Remove => K::Remove,
            Event::ConfigChanged => K::ConfigChanged,
            Event::UpdateStatus => K::UpdateStatus,
            Event::UpgradeCharm => K::UpgradeCharm,
            Event::PreSeriesUpgrade => K::PreSeriesUpgrade,
            Event::PostSeriesUpgrade => K::PostSeriesUpgrade,
            Event::LeaderElected => K::LeaderElected,
            Event::LeaderSettingsChanged => K::LeaderSettingsChanged,
            Event::CollectMetrics => K::CollectMetrics,
            Event::RelationCreated(_) => K::RelationCreated,
            Event::RelationJoined(_) => K::RelationJoined,
            Event::RelationChanged(_) => K::RelationChanged,
            Event::RelationDeparted(_) => K::RelationDeparted,
            Event::RelationBroken(_) => K::RelationBroken,
            Event::StorageAttached(_) => K::StorageAttached,
            Event::StorageDetaching(_) => K::StorageDetaching,
            Event::PebbleReady(_) => K::PebbleReady,
            Event::PebbleCustomNotice(_) => K::PebbleCustomNotice,
            Event::PebbleCheckFailed(_) => K::PebbleCheckFailed,
            Event::PebbleCheckRecovered(_) => K::PebbleCheckRecovered,
            Event::SecretChanged(_) => K::SecretChanged,
            Event::SecretRotate(_) => K::SecretRotate,
            Event::SecretRemove(_) => K::SecretRemove,
            Event::SecretExpired(_) => K::SecretExpired,
            Event::Action(_) => K::Action,
            Event::Custom(_) => K::Custom,
            Event::Unknown(_) => return None,
        })
    }

    /// The metadata name prefixing a per-entity event: the relation endpoint,
    /// storage, container or action.
    pub fn entity(&self) -> Option<&str> {
        Some(match self {
            Event::RelationCreated(e) => &e.relation.endpoint,
            Event::RelationJoined(e) => &e.relation.endpoint,
            Event::RelationChanged(e) => &e.relation.endpoint,
            Event::RelationDeparted(e) => &e.relation.endpoint,
            Event::RelationBroken(e) => &e.relation.endpoint,
            Event::StorageAttached(e) | Event::StorageDetaching(e) => &e.storage.name,
            Event::PebbleReady(e) => &e.container,
            Event::PebbleCustomNotice(e) => &e.container,
            Event::PebbleCheckFailed(e) => &e.container,
            Event::PebbleCheckRecovered(e) => &e.container,
            Event::Action(e) => &e.name,
            Event::Custom(e) => &e.qualified,
            _ => return None,
        })
    }

    /// The name Juju uses for this event: `config-changed`, `db-relation-changed`,
    /// `backup` (for an action).
    pub fn hook_name(&self) -> String {
        match (self.kind(), self.entity(), self) {
            (_, _, Event::Unknown(name)) => name.clone(),
            (_, _, Event::Custom(e)) => e.qualified.clone(),
            (Some(EventKind::Action), Some(name), _) => name.to_owned(),
            (Some(kind), Some(entity), _) => {
                format!("{entity}-{}", kind.hook_suffix().unwrap_or_default())
            }
            (Some(kind), None, _) => kind.hook_suffix().unwrap_or_default().to_owned(),
            (None, _, _) => String::new(),
        }
    }

    /// The dispatch path Juju would set for this event: `hooks/<hook>` or
    /// `actions/<action>`.
    pub fn dispatch_path(&self) -> String {
        match self {
            Event::Action(a) => format!("actions/{}", a.name),
            _ => format!("hooks/{}", self.hook_name()),
        }
    }

    /// Whether Juju runs this hook in a restricted context, where ops skips
    /// collect-status (and deferred events).
    pub fn is_restricted(&self) -> bool {
        matches!(self, Event::CollectMetrics)
            || matches!(self, Event::Unknown(name) if name == "meter-status-changed")
    }

    /// Works out the event from the dispatch context, checking that the variables
    /// the event needs are present.
    pub fn from_context(ctx: &JujuContext) -> Result<Self, EnvError> {
        let path = ctx.dispatch_path.as_str();
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let dir = dir.rsplit('/').next().unwrap_or(dir);
        if dir == "actions" {
            return Ok(Event::Action(ActionEvent {
                name: ctx.action_name.clone().unwrap_or_else(|| name.to_owned()),
                id: require(
                    &ctx.action_uuid,
                    vars::ACTION_UUID,
                    "Juju sets it for every action",
                )?,
            }));
        }
        if name.is_empty() {
            return Err(EnvError::Invalid {
                var: vars::DISPATCH_PATH,
                value: path.to_owned(),
                reason: "expected `hooks/<hook>` or `actions/<action>`".into(),
            });
        }
        let fixed = match name {
            "install" => Some(Event::Install),
            "start" => Some(Event::Start),
            "stop" => Some(Event::Stop),
            "remove" => Some(Event::Remove),
            "config-changed" => Some(Event::ConfigChanged),
            "update-status" => Some(Event::UpdateStatus),
            "upgrade-charm" => Some(Event::UpgradeCharm),
            "pre-series-upgrade" => Some(Event::PreSeriesUpgrade),
            "post-series-upgrade" => Some(Event::PostSeriesUpgrade),
            "leader-elected" => Some(Event::LeaderElected),
            "leader-settings-changed" => Some(Event::LeaderSettingsChanged),
            "collect-metrics" => Some(Event::CollectMetrics),
            _ => None,
        };
        if let Some(event) = fixed {
            return Ok(event);
        }
        if let Some(kind) = secret_kind(name) {
            return secret_event(kind, ctx);
        }
        for kind in PREFIXED {
            let Some(prefix) = kind
                .hook_suffix()
                .and_then(|suffix| name.strip_suffix(suffix))
                .and_then(|p| p.strip_suffix('-'))
                .filter(|p| !p.is_empty())
            else {
                continue;
            };
            return prefixed_event(*kind, prefix, ctx);
        }
        Ok(Event::Unknown(name.to_owned()))
    }
}

const PREFIXED: &[EventKind] = &[
    EventKind::RelationCreated,
    EventKind::RelationJoined,
    EventKind::RelationChanged,
    EventKind::RelationDeparted,
    EventKind::RelationBroken,
    EventKind::StorageAttached,
    EventKind::StorageDetaching,
    EventKind::PebbleReady,
    EventKind::PebbleCustomNotice,
    EventKind::PebbleCheckFailed,
    EventKind::PebbleCheckRecovered,
];

fn secret_kind(name: &str) -> Option<EventKind> {
    Some(match name {
        "secret-changed" => EventKind::SecretChanged,
        "secret-rotate" => EventKind::SecretRotate,
        "secret-remove" => EventKind::SecretRemove,
        "secret-expired" => EventKind::SecretExpired,
        _ => return None,
    })
}

fn require<T: Clone>(
    value: &Option<T>,
    var: &'static str,
    hint: &'static str,
) -> Result<T, EnvError> {
    value.clone().ok_or(EnvError::Missing { var, hint })
}

fn secret_event(kind: EventKind, ctx: &JujuContext) -> Result<Event, EnvError> {
    let id = require(
        &ctx.secret_id,
        vars::SECRET_ID,
        "Juju sets it for every secret hook",
    )?;
    let secret = SecretRef::new(&id, ctx.secret_label.clone(), &ctx.model_uuid);
    let revision = || {
        require(
            &ctx.secret_revision,
            vars::SECRET_REVISION,
            "Juju sets it for secret-remove and secret-expired",
        )
    };
    Ok(match kind {
        EventKind::SecretChanged => Event::SecretChanged(SecretChangedEvent { secret }),
        EventKind::SecretRotate => Event::SecretRotate(SecretRotateEvent { secret }),
        EventKind::SecretRemove => Event::SecretRemove(SecretRemoveEvent {
            secret,
            revision: revision()?,
        }),
        _ => Event::SecretExpired(SecretExpiredEvent {
            secret,
            revision: revision()?,
        }),
    })
}

fn prefixed_event(kind: EventKind, prefix: &str, ctx: &JujuContext) -> Result<Event, EnvError> {
    use EventKind as K;
    const RELATION_HINT: &str = "Juju sets it for every relation hook";
    const UNIT_HINT: &str = "Juju sets it for relation-joined, -changed and -departed";
    const WORKLOAD_HINT: &str = "Juju sets it for every Pebble hook";
    match kind {
        K::RelationCreated
        | K::RelationJoined
        | K::RelationChanged
        | K::RelationDeparted
        | K::RelationBroken => {
            let relation = RelationRef {
                endpoint: ctx
                    .relation_name
                    .clone()
                    .unwrap_or_else(|| prefix.to_owned()),
                id: require(&ctx.relation_id, vars::RELATION_ID, RELATION_HINT)?,
            };
            let app = || {
                ctx.remote_app.clone().or_else(|| {
                    let unit = ctx.remote_unit.as_deref()?;
                    unit.split_once('/').map(|(app, _)| app.to_owned())
                })
            };
            let required_app = || {
                app().ok_or(EnvError::Missing {
                    var: vars::REMOTE_APP,
                    hint: RELATION_HINT,
                })
            };
            Ok(match kind {
                K::RelationCreated => Event::RelationCreated(RelationCreatedEvent {
                    relation,
                    app: required_app()?,
                }),
                K::RelationJoined => Event::RelationJoined(RelationJoinedEvent {
                    relation,
                    app: required_app()?,
                    unit: require(&ctx.remote_unit, vars::REMOTE_UNIT, UNIT_HINT)?,
                }),
                K::RelationChanged => Event::RelationChanged(RelationChangedEvent {
                    relation,
                    app: required_app()?,
                    unit: ctx.remote_unit.clone(),
                }),
                K::RelationDeparted => Event::RelationDeparted(RelationDepartedEvent {
                    relation,
                    app: required_app()?,
                    unit: require(&ctx.remote_unit, vars::REMOTE_UNIT, UNIT_HINT)?,
                    departing_unit: ctx.departing_unit.clone(),
                }),
                _ => Event::RelationBroken(RelationBrokenEvent {
                    relation,
                    app: app(),
                }),
            })
        }
        K::StorageAttached | K::StorageDetaching => {
            // Very old Juju did not set JUJU_STORAGE_ID: fall back to the hook's prefix.
            let (name, index) = ctx
                .storage_id
                .clone()
                .unwrap_or_else(|| (prefix.to_owned(), 0));
            let event = StorageEvent {
                storage: StorageRef { name, index },
            };
            Ok(if kind == K::StorageAttached {
                Event::StorageAttached(event)
            } else {
                Event::StorageDetaching(event)
            })
        }
        _ => {
            let container = ctx
                .workload_name
                .clone()
                .unwrap_or_else(|| prefix.to_owned());
            if ctx.workload_name.is_none() && kind != K::PebbleReady {
                return Err(EnvError::Missing {
                    var: vars::WORKLOAD_NAME,
                    hint: WORKLOAD_HINT,
                });
            }
            Ok(match kind {
                K::PebbleReady => Event::PebbleReady(PebbleReadyEvent { container }),
                K::PebbleCustomNotice => {
                    const HINT: &str = "Juju sets it for pebble-custom-notice";
                    Event::PebbleCustomNotice(PebbleCustomNoticeEvent {
                        container,
                        notice: NoticeRef {
                            id: require(&ctx.notice_id, vars::NOTICE_ID, HINT)?,
                            kind: require(&ctx.notice_type, vars::NOTICE_TYPE, HINT)?,
                            key: require(&ctx.notice_key, vars::NOTICE_KEY, HINT)?,
                        },
                    })
                }
                _ => {
                    let check = require(
                        &ctx.pebble_check_name,
                        vars::PEBBLE_CHECK_NAME,
                        "Juju sets it for pebble-check-failed and -recovered",
                    )?;
                    if kind == K::PebbleCheckFailed {
                        Event::PebbleCheckFailed(PebbleCheckFailedEvent { container, check })
                    } else {
                        Event::PebbleCheckRecovered(PebbleCheckRecoveredEvent { container, check })
                    }
                }
            })
        }
    }
}
