//! Events: what Juju asks the charm to react to.
//!
//! [`Event`] is the one event of a dispatch, worked out from the
//! [`JujuContext`]. Handlers receive it, or one of the typed
//! views below, as an argument: `fn on_db_changed(&mut self, cx: &mut HookContext,
//! event: RelationChangedEvent)`. A typed view only fits the hooks it describes,
//! which `#[charm]` checks at compile time.

use std::fmt;

use crate::env::{EnvError, JujuContext, vars};

pub use ops_events::{EntityKind, EventKind};

/// Defines a marker type per [`EventKind`], from the one table in `ops-events`.
macro_rules! markers {
    ($($(#[$doc:meta])* $kind:ident => $row:expr,)*) => {
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

ops_events::event_kinds!(markers);

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
        match self {
            Event::Unknown(name) => name.clone(),
            Event::Custom(e) => e.qualified.clone(),
            _ => self
                .kind()
                .and_then(|kind| kind.hook_name(self.entity()))
                .unwrap_or_default(),
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
        match EventKind::from_hook_name(name) {
            Some((kind, entity)) => hook_event(kind, entity.unwrap_or_default(), name, ctx),
            None => Ok(Event::Unknown(name.to_owned())),
        }
    }
}

fn require<T: Clone>(
    value: &Option<T>,
    var: &'static str,
    hint: &'static str,
) -> Result<T, EnvError> {
    value.clone().ok_or(EnvError::Missing { var, hint })
}

/// The event of a Juju hook of `kind`, named `name` (`prefix` is the entity's
/// name in it, for a per-entity kind), with what the context tells about it.
/// Every kind is matched here, so that a new one must say how it is built.
fn hook_event(
    kind: EventKind,
    prefix: &str,
    name: &str,
    ctx: &JujuContext,
) -> Result<Event, EnvError> {
    use EventKind as K;
    const RELATION_HINT: &str = "Juju sets it for every relation hook";
    const UNIT_HINT: &str = "Juju sets it for relation-joined, -changed and -departed";
    const CHECK_HINT: &str = "Juju sets it for pebble-check-failed and -recovered";
    let relation = || -> Result<RelationRef, EnvError> {
        Ok(RelationRef {
            endpoint: ctx
                .relation_name
                .clone()
                .unwrap_or_else(|| prefix.to_owned()),
            id: require(&ctx.relation_id, vars::RELATION_ID, RELATION_HINT)?,
        })
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
    let remote_unit = || require(&ctx.remote_unit, vars::REMOTE_UNIT, UNIT_HINT);
    // Very old Juju did not set JUJU_STORAGE_ID: fall back to the hook's prefix.
    let storage = || {
        let (name, index) = ctx
            .storage_id
            .clone()
            .unwrap_or_else(|| (prefix.to_owned(), 0));
        StorageEvent {
            storage: StorageRef { name, index },
        }
    };
    // Only pebble-ready is older than JUJU_WORKLOAD_NAME.
    let container = || {
        require(
            &ctx.workload_name,
            vars::WORKLOAD_NAME,
            "Juju sets it for every Pebble hook",
        )
    };
    let check = || require(&ctx.pebble_check_name, vars::PEBBLE_CHECK_NAME, CHECK_HINT);
    let secret = || -> Result<SecretRef, EnvError> {
        let id = require(
            &ctx.secret_id,
            vars::SECRET_ID,
            "Juju sets it for every secret hook",
        )?;
        Ok(SecretRef::new(
            &id,
            ctx.secret_label.clone(),
            &ctx.model_uuid,
        ))
    };
    let revision = || {
        require(
            &ctx.secret_revision,
            vars::SECRET_REVISION,
            "Juju sets it for secret-remove and secret-expired",
        )
    };
    Ok(match kind {
        K::Install => Event::Install,
        K::Start => Event::Start,
        K::Stop => Event::Stop,
        K::Remove => Event::Remove,
        K::ConfigChanged => Event::ConfigChanged,
        K::UpdateStatus => Event::UpdateStatus,
        K::UpgradeCharm => Event::UpgradeCharm,
        K::PreSeriesUpgrade => Event::PreSeriesUpgrade,
        K::PostSeriesUpgrade => Event::PostSeriesUpgrade,
        K::LeaderElected => Event::LeaderElected,
        K::LeaderSettingsChanged => Event::LeaderSettingsChanged,
        K::CollectMetrics => Event::CollectMetrics,
        K::RelationCreated => Event::RelationCreated(RelationCreatedEvent {
            relation: relation()?,
            app: required_app()?,
        }),
        K::RelationJoined => Event::RelationJoined(RelationJoinedEvent {
            relation: relation()?,
            app: required_app()?,
            unit: remote_unit()?,
        }),
        K::RelationChanged => Event::RelationChanged(RelationChangedEvent {
            relation: relation()?,
            app: required_app()?,
            unit: ctx.remote_unit.clone(),
        }),
        K::RelationDeparted => Event::RelationDeparted(RelationDepartedEvent {
            relation: relation()?,
            app: required_app()?,
            unit: remote_unit()?,
            departing_unit: ctx.departing_unit.clone(),
        }),
        K::RelationBroken => Event::RelationBroken(RelationBrokenEvent {
            relation: relation()?,
            app: app(),
        }),
        K::StorageAttached => Event::StorageAttached(storage()),
        K::StorageDetaching => Event::StorageDetaching(storage()),
        K::PebbleReady => Event::PebbleReady(PebbleReadyEvent {
            container: ctx
                .workload_name
                .clone()
                .unwrap_or_else(|| prefix.to_owned()),
        }),
        K::PebbleCustomNotice => {
            const HINT: &str = "Juju sets it for pebble-custom-notice";
            Event::PebbleCustomNotice(PebbleCustomNoticeEvent {
                container: container()?,
                notice: NoticeRef {
                    id: require(&ctx.notice_id, vars::NOTICE_ID, HINT)?,
                    kind: require(&ctx.notice_type, vars::NOTICE_TYPE, HINT)?,
                    key: require(&ctx.notice_key, vars::NOTICE_KEY, HINT)?,
                },
            })
        }
        K::PebbleCheckFailed => Event::PebbleCheckFailed(PebbleCheckFailedEvent {
            container: container()?,
            check: check()?,
        }),
        K::PebbleCheckRecovered => Event::PebbleCheckRecovered(PebbleCheckRecoveredEvent {
            container: container()?,
            check: check()?,
        }),
        K::SecretChanged => Event::SecretChanged(SecretChangedEvent { secret: secret()? }),
        K::SecretRotate => Event::SecretRotate(SecretRotateEvent { secret: secret()? }),
        K::SecretRemove => Event::SecretRemove(SecretRemoveEvent {
            secret: secret()?,
            revision: revision()?,
        }),
        K::SecretExpired => Event::SecretExpired(SecretExpiredEvent {
            secret: secret()?,
            revision: revision()?,
        }),
        // Not hooks: an action comes from `actions/`, the others from the charm.
        K::Action | K::CollectAppStatus | K::CollectUnitStatus | K::Reconcile | K::Custom => {
            Event::Unknown(name.to_owned())
        }
    })
}
