//! The one table of the event kinds a Rust charm handles.
//!
//! Each kind is one row of [`event_kinds!`]: how Juju names it and how a handler
//! names it, the metadata entity it is for, the handler arguments it supplies and
//! whether it can be deferred. The macros (`ops-derive-core`), the runtime
//! (`ops-runtime`, which re-exports [`EventKind`] and [`EntityKind`]) and
//! `cargo charm sim` all read this table, and each of them handles the kinds in
//! `match`es without a wildcard arm. Adding a kind is one row here, plus what the
//! compiler then asks for in those `match`es.
//!
//! ```
//! use ops_events::{EntityKind, EventKind};
//!
//! let (kind, entity) = EventKind::from_hook_name("db-relation-changed").unwrap();
//! assert_eq!((kind, entity), (EventKind::RelationChanged, Some("db")));
//! assert_eq!(kind.entity(), Some(EntityKind::Relation));
//! assert_eq!(kind.handler_name(Some("db")).as_deref(), Some("db_relation_changed"));
//! assert_eq!(kind.event_type(), Some("RelationChangedEvent"));
//! ```
//!
//! The crate has no dependencies (`serde`, for [`EventKind`]'s serialization, is
//! an optional feature), so the proc macros pay nothing for it.

#![forbid(unsafe_code)]

/// The table: calls `$callback! { ... }` with one row per event kind, each
/// `/// doc` then `Kind => description,`. The description is built with the
/// helpers in this crate's private `row` module (`hook`, `per_entity`,
/// `framework`, `custom`, then `.event(..)`, `.args(..)`, `.not_deferrable()`);
/// a callback that only needs the kinds' names ignores it.
///
/// The crate defines [`EventKind`] with it; `ops-runtime` its marker types, one
/// per kind:
///
/// ```
/// macro_rules! count {
///     ($($(#[$doc:meta])* $kind:ident => $row:expr,)*) => {
///         [$(stringify!($kind)),*].len()
///     };
/// }
/// assert_eq!(ops_events::event_kinds!(count), ops_events::EventKind::ALL.len());
/// ```
#[macro_export]
macro_rules! event_kinds {
    ($callback:ident) => {
        $callback! {
            /// `install`
            Install => hook("install"),
            /// `start`
            Start => hook("start"),
            /// `stop` (not deferrable: the unit is going away)
            Stop => hook("stop").not_deferrable(),
            /// `remove` (not deferrable: the unit is going away)
            Remove => hook("remove").not_deferrable(),
            /// `config-changed`
            ConfigChanged => hook("config-changed"),
            /// `update-status`
            UpdateStatus => hook("update-status"),
            /// `upgrade-charm`
            UpgradeCharm => hook("upgrade-charm"),
            /// `pre-series-upgrade` (deprecated by Juju, gone in Juju 4)
            PreSeriesUpgrade => hook("pre-series-upgrade"),
            /// `post-series-upgrade` (deprecated by Juju, gone in Juju 4)
            PostSeriesUpgrade => hook("post-series-upgrade"),
            /// `leader-elected`
            LeaderElected => hook("leader-elected"),
            /// `leader-settings-changed` (deprecated by Juju)
            LeaderSettingsChanged => hook("leader-settings-changed"),
            /// `collect-metrics` (restricted context; removed in Juju 3.6.11)
            CollectMetrics => hook("collect-metrics"),
            /// `<endpoint>-relation-created`
            RelationCreated => per_entity(Relation, "relation-created")
                .event("RelationCreatedEvent")
                .args(&["RelationEvent"]),
            /// `<endpoint>-relation-joined`
            RelationJoined => per_entity(Relation, "relation-joined")
                .event("RelationJoinedEvent")
                .args(&["RelationEvent"]),
            /// `<endpoint>-relation-changed`
            RelationChanged => per_entity(Relation, "relation-changed")
                .event("RelationChangedEvent")
                .args(&["RelationEvent"]),
            /// `<endpoint>-relation-departed`
            RelationDeparted => per_entity(Relation, "relation-departed")
                .event("RelationDepartedEvent")
                .args(&["RelationEvent"]),
            /// `<endpoint>-relation-broken`
            RelationBroken => per_entity(Relation, "relation-broken")
                .event("RelationBrokenEvent")
                .args(&["RelationEvent"]),
            /// `<storage>-storage-attached`
            StorageAttached => per_entity(Storage, "storage-attached").event("StorageEvent"),
            /// `<storage>-storage-detaching`
            StorageDetaching => per_entity(Storage, "storage-detaching").event("StorageEvent"),
            /// `<container>-pebble-ready`
            PebbleReady => per_entity(Container, "pebble-ready").event("PebbleReadyEvent"),
            /// `<container>-pebble-custom-notice`
            PebbleCustomNotice => per_entity(Container, "pebble-custom-notice")
                .event("PebbleCustomNoticeEvent"),
            /// `<container>-pebble-check-failed`
            PebbleCheckFailed => per_entity(Container, "pebble-check-failed")
                .event("PebbleCheckFailedEvent"),
            /// `<container>-pebble-check-recovered`
            PebbleCheckRecovered => per_entity(Container, "pebble-check-recovered")
                .event("PebbleCheckRecoveredEvent"),
            /// `secret-changed`
            SecretChanged => hook("secret-changed").event("SecretChangedEvent"),
            /// `secret-rotate` (not deferrable: Juju expects the rotation now)
            SecretRotate => hook("secret-rotate").event("SecretRotateEvent").not_deferrable(),
            /// `secret-remove`
            SecretRemove => hook("secret-remove").event("SecretRemoveEvent"),
            /// `secret-expired` (not deferrable: the revision is gone once the hook ends)
            SecretExpired => hook("secret-expired").event("SecretExpiredEvent").not_deferrable(),
            /// `actions/<action>` (not deferrable: it runs once, when the user runs it)
            Action => per_entity(Action, "action")
                .event("ActionEvent")
                .args(&["Params<T>"])
                .not_deferrable(),
            /// Run after every hook on the leader, to set the application status.
            CollectAppStatus => framework("collect_app_status").event("CollectStatus"),
            /// Run after every hook, to set the unit status.
            CollectUnitStatus => framework("collect_unit_status").event("CollectStatus"),
            /// Run once per hook whatever the event (a reconcile handler), after the
            /// event's own handlers and before collect-status.
            Reconcile => framework("reconcile"),
            /// A custom event a component emitted (`<component>::<event>`).
            Custom => custom().event("Custom<T>"),
        }
    };
}

/// The helpers the table's rows are written with.
mod row {
    pub(crate) use crate::EntityKind::{Action, Container, Relation, Storage};
    use crate::Naming;

    /// One row's description of its kind.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Row {
        pub(crate) naming: Naming,
        pub(crate) event_type: Option<&'static str>,
        pub(crate) args: &'static [&'static str],
        pub(crate) deferrable: bool,
    }

    const fn row(naming: Naming) -> Row {
        Row {
            naming,
            event_type: None,
            args: &[],
            deferrable: true,
        }
    }

    /// A Juju hook with a fixed name, in kebab-case.
    pub(crate) const fn hook(name: &'static str) -> Row {
        row(Naming::Hook(name))
    }

    /// A Juju event of one metadata entity, `<entity>-<suffix>`.
    pub(crate) const fn per_entity(entity: crate::EntityKind, suffix: &'static str) -> Row {
        row(Naming::PerEntity(entity, suffix))
    }

    /// An event the framework runs, with its handler name.
    pub(crate) const fn framework(name: &'static str) -> Row {
        Row {
            deferrable: false,
            ..row(Naming::Framework(name))
        }
    }

    /// A component's custom event.
    pub(crate) const fn custom() -> Row {
        row(Naming::Custom)
    }

    impl Row {
        /// The handler argument that is the event itself.
        pub(crate) const fn event(self, ty: &'static str) -> Row {
            Row {
                event_type: Some(ty),
                ..self
            }
        }

        /// Other handler arguments only this kind (and others listing them) supplies.
        pub(crate) const fn args(self, args: &'static [&'static str]) -> Row {
            Row { args, ..self }
        }

        /// A handler of this kind cannot return `Flow::Defer`.
        pub(crate) const fn not_deferrable(self) -> Row {
            Row {
                deferrable: false,
                ..self
            }
        }
    }
}

macro_rules! define_event_kind {
    ($($(#[$doc:meta])* $kind:ident => $row:expr,)*) => {
        /// Every kind of event a handler can be registered for.
        ///
        /// Per-entity kinds (relations, storage, containers, actions) are paired with the
        /// entity's name in the dispatch table.
        ///
        /// Not `#[non_exhaustive]`: the crates that handle every kind match on it
        /// without a wildcard arm, so that adding a kind makes the compiler point at
        /// each of those `match`es.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub enum EventKind {
            $($(#[$doc])* $kind,)*
        }

        impl EventKind {
            /// Every kind, in the table's order.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$kind),*];

            /// The variant's name, `RelationChanged`: the name generated code uses.
            pub const fn name(self) -> &'static str {
                match self {
                    $(EventKind::$kind => stringify!($kind),)*
                }
            }

            const fn row(self) -> &'static row::Row {
                #[allow(unused_imports)]
                use row::*;
                match self {
                    $(EventKind::$kind => {
                        const ROW: row::Row = $row;
                        &ROW
                    })*
                }
            }
        }
    };
}

event_kinds!(define_event_kind);

/// How a kind is named, by Juju and by a handler's `#[on(...)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Naming {
    /// A Juju hook with a fixed name (`config-changed`), handled under that name in
    /// snake_case (`config_changed`).
    Hook(&'static str),
    /// A Juju event of one metadata entity: the hook `<entity>-<suffix>`
    /// (`db-relation-changed`), or for an action the action's name under
    /// `actions/`; handled as `<entity>_<suffix>` in snake_case
    /// (`db_relation_changed`, `backup_action`).
    PerEntity(EntityKind, &'static str),
    /// Not a Juju hook: an event the framework runs, handled under this name
    /// (`collect_unit_status`).
    Framework(&'static str),
    /// A component's custom event, handled as `<component>::<event>`.
    Custom,
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

impl EntityKind {
    /// What the entity is, in messages: `relation endpoint`.
    pub const fn noun(self) -> &'static str {
        match self {
            EntityKind::Relation => "relation endpoint",
            EntityKind::Storage => "storage",
            EntityKind::Container => "container",
            EntityKind::Action => "action",
        }
    }

    /// Its placeholder in a name pattern: `endpoint`, as in
    /// `<endpoint>_relation_changed`.
    pub const fn placeholder(self) -> &'static str {
        match self {
            EntityKind::Relation => "endpoint",
            EntityKind::Storage => "storage",
            EntityKind::Container => "container",
            EntityKind::Action => "action",
        }
    }
}

impl EventKind {
    /// How the kind is named.
    pub const fn naming(self) -> Naming {
        self.row().naming
    }

    /// What kind of metadata entity prefixes this event's name, if any.
    pub const fn entity(self) -> Option<EntityKind> {
        match self.naming() {
            Naming::PerEntity(entity, _) => Some(entity),
            Naming::Hook(_) | Naming::Framework(_) | Naming::Custom => None,
        }
    }

    /// The hook name for a fixed-name kind, or the suffix after the entity's name
    /// (`relation-changed`, `action`) for a per-entity kind; `None` for the kinds
    /// that are no Juju hook (collect-status, reconcile, custom).
    pub const fn hook_suffix(self) -> Option<&'static str> {
        match self.naming() {
            Naming::Hook(name) | Naming::PerEntity(_, name) => Some(name),
            Naming::Framework(_) | Naming::Custom => None,
        }
    }

    /// The name Juju gives this event: `config-changed`, `db-relation-changed`, or
    /// for an action its name (`backup`). `None` for a kind that is no Juju hook,
    /// or when `entity` is missing for a per-entity kind or given for another.
    pub fn hook_name(self, entity: Option<&str>) -> Option<String> {
        match (self.naming(), entity) {
            (Naming::Hook(name), None) => Some(name.to_owned()),
            (Naming::PerEntity(EntityKind::Action, _), Some(action)) => Some(action.to_owned()),
            (Naming::PerEntity(_, suffix), Some(entity)) => Some(format!("{entity}-{suffix}")),
            _ => None,
        }
    }

    /// The dispatch path Juju sets for this event: `hooks/<hook>`, or
    /// `actions/<action>` for an action. `None` as for [`hook_name`](Self::hook_name).
    pub fn dispatch_path(self, entity: Option<&str>) -> Option<String> {
        let name = self.hook_name(entity)?;
        Some(match self.entity() {
            Some(EntityKind::Action) => format!("actions/{name}"),
            _ => format!("hooks/{name}"),
        })
    }

    /// The kind and entity of a Juju hook name (the last part of a `hooks/...`
    /// dispatch path): a fixed name first, then the first per-entity suffix the
    /// name ends with after a non-empty prefix. Actions are dispatched as
    /// `actions/<action>`, not by hook name, so they are not found here.
    pub fn from_hook_name(name: &str) -> Option<(EventKind, Option<&str>)> {
        let fixed = Self::ALL
            .iter()
            .find(|kind| matches!(kind.naming(), Naming::Hook(hook) if hook == name));
        if let Some(kind) = fixed {
            return Some((*kind, None));
        }
        Self::ALL.iter().find_map(|kind| match kind.naming() {
            Naming::PerEntity(EntityKind::Action, _) => None,
            Naming::PerEntity(_, suffix) => Some((*kind, Some(entity_prefix(name, suffix, '-')?))),
            Naming::Hook(_) | Naming::Framework(_) | Naming::Custom => None,
        })
    }

    /// The name a handler registers this event under: `config_changed`,
    /// `db_relation_changed` (for entity `db`), `backup_action`,
    /// `collect_unit_status`. `None` for a custom event (`<component>::<event>`),
    /// or when `entity` is missing for a per-entity kind or given for another.
    pub fn handler_name(self, entity: Option<&str>) -> Option<String> {
        match (self.naming(), entity) {
            (Naming::Hook(name) | Naming::Framework(name), None) => Some(name.replace('-', "_")),
            (Naming::PerEntity(_, suffix), Some(entity)) => Some(format!(
                "{}_{}",
                entity.replace('-', "_"),
                suffix.replace('-', "_")
            )),
            _ => None,
        }
    }

    /// Every reading of a handler's event name, in the table's order: the kind
    /// whose fixed name it is, then each per-entity kind whose suffix it ends
    /// with, with the entity's name as written (snake_case, `my_db`), which the
    /// caller resolves against the metadata.
    pub fn from_handler_name(name: &str) -> impl Iterator<Item = (EventKind, Option<&str>)> {
        let fixed = Self::ALL
            .iter()
            .filter_map(move |kind| match kind.naming() {
                Naming::Hook(hook) | Naming::Framework(hook) if snake_eq(name, hook) => {
                    Some((*kind, None))
                }
                Naming::Hook(_) | Naming::Framework(_) | Naming::PerEntity(..) | Naming::Custom => {
                    None
                }
            });
        let per_entity = Self::ALL
            .iter()
            .filter_map(move |kind| match kind.naming() {
                Naming::PerEntity(_, suffix) => {
                    Some((*kind, Some(entity_prefix(name, suffix, '_')?)))
                }
                Naming::Hook(_) | Naming::Framework(_) | Naming::Custom => None,
            });
        fixed.chain(per_entity)
    }

    /// The handler argument that is the event itself, as the user writes it
    /// (`RelationChangedEvent`, `Custom<T>`); `None` for a kind whose event is
    /// only `Event`.
    pub const fn event_type(self) -> Option<&'static str> {
        self.row().event_type
    }

    /// Other handler arguments that only handlers of this kind (and of the other
    /// kinds listing them) get: `RelationEvent`, the view every relation event
    /// gives, or an action's `Params<T>`.
    pub const fn extra_args(self) -> &'static [&'static str] {
        self.row().args
    }

    /// Whether handlers of this kind get the argument type named `name` (the last
    /// segment of its path, without generics: `Params` for `Params<T>`), as its
    /// [`event_type`](Self::event_type) or one of its
    /// [`extra_args`](Self::extra_args). Arguments every handler gets (the
    /// context, `Config<T>`, `Event`) are not listed.
    pub fn supplies(self, name: &str) -> bool {
        self.event_type()
            .into_iter()
            .chain(self.extra_args().iter().copied())
            .any(|ty| ty.split('<').next() == Some(name))
    }

    /// Whether a handler of this kind may defer the event (`Flow::Defer`).
    pub const fn deferrable(self) -> bool {
        self.row().deferrable
    }
}

/// Whether the snake_case `name` is the kebab-case `kebab`.
fn snake_eq(name: &str, kebab: &str) -> bool {
    name.len() == kebab.len()
        && name
            .bytes()
            .zip(kebab.bytes())
            .all(|(n, k)| if k == b'-' { n == b'_' } else { n == k })
}

/// The non-empty entity before `<sep><suffix>` in `name`, where `suffix` is in
/// kebab-case and `name` uses `sep` between words.
fn entity_prefix<'a>(name: &'a str, suffix: &str, sep: char) -> Option<&'a str> {
    let split = name.len().checked_sub(suffix.len() + 1)?;
    let (prefix, rest) = (name.get(..split)?, name.get(split..)?);
    let rest = rest.strip_prefix(sep)?;
    let matches = if sep == '-' {
        rest == suffix
    } else {
        snake_eq(rest, suffix)
    };
    (matches && !prefix.is_empty()).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_names() {
        for &kind in EventKind::ALL {
            match kind.naming() {
                Naming::Hook(name) => {
                    assert_eq!(kind.hook_name(None).as_deref(), Some(name));
                    assert_eq!(EventKind::from_hook_name(name), Some((kind, None)));
                    let handler = kind.handler_name(None).unwrap();
                    assert!(!handler.contains('-'), "{handler}");
                    assert_eq!(
                        EventKind::from_handler_name(&handler).next(),
                        Some((kind, None))
                    );
                    assert_eq!(kind.dispatch_path(None), Some(format!("hooks/{name}")));
                }
                Naming::PerEntity(EntityKind::Action, _) => {
                    assert_eq!(
                        kind.hook_name(Some("do-backup")).as_deref(),
                        Some("do-backup")
                    );
                    assert_eq!(
                        kind.dispatch_path(Some("do-backup")).as_deref(),
                        Some("actions/do-backup")
                    );
                    // An action is not a hook: `do-backup-action` is no action's name.
                    assert_eq!(EventKind::from_hook_name("do-backup-action"), None);
                    let handler = kind.handler_name(Some("do-backup")).unwrap();
                    assert_eq!(handler, "do_backup_action");
                    assert!(
                        EventKind::from_handler_name(&handler)
                            .any(|reading| reading == (kind, Some("do_backup")))
                    );
                }
                Naming::PerEntity(entity, suffix) => {
                    assert_eq!(kind.entity(), Some(entity));
                    let hook = kind.hook_name(Some("my-db")).unwrap();
                    assert_eq!(hook, format!("my-db-{suffix}"));
                    assert_eq!(
                        EventKind::from_hook_name(&hook),
                        Some((kind, Some("my-db")))
                    );
                    assert_eq!(
                        kind.dispatch_path(Some("my-db")),
                        Some(format!("hooks/{hook}"))
                    );
                    let handler = kind.handler_name(Some("my-db")).unwrap();
                    assert_eq!(handler, format!("my_db_{}", suffix.replace('-', "_")));
                    assert_eq!(
                        EventKind::from_handler_name(&handler).next(),
                        Some((kind, Some("my_db")))
                    );
                    // The bare suffix names no entity.
                    assert_eq!(EventKind::from_hook_name(suffix), None);
                }
                Naming::Framework(name) => {
                    assert_eq!(kind.hook_name(None), None);
                    assert_eq!(EventKind::from_hook_name(&name.replace('_', "-")), None);
                    assert_eq!(kind.handler_name(None).as_deref(), Some(name));
                    assert_eq!(
                        EventKind::from_handler_name(name).next(),
                        Some((kind, None))
                    );
                }
                Naming::Custom => {
                    assert_eq!(kind.hook_name(None), None);
                    assert_eq!(kind.handler_name(None), None);
                }
            }
            // A name is given exactly when the kind has an entity.
            assert_eq!(kind.hook_name(Some("x")).is_some(), kind.entity().is_some());
            assert_eq!(
                kind.handler_name(Some("x")).is_some(),
                kind.entity().is_some()
            );
        }
    }

    #[test]
    fn kinds_have_distinct_names() {
        let mut names: Vec<&str> = EventKind::ALL
            .iter()
            .filter_map(|k| k.hook_suffix())
            .chain(EventKind::ALL.iter().map(|k| k.name()))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total);
    }

    #[test]
    fn unknown_names_are_not_events() {
        assert_eq!(EventKind::from_hook_name("meter-status-changed"), None);
        assert_eq!(EventKind::from_hook_name("-relation-changed"), None);
        assert_eq!(EventKind::from_hook_name("dbrelation-changed"), None);
        assert_eq!(EventKind::from_handler_name("config-changed").next(), None);
        assert_eq!(
            EventKind::from_handler_name("relation_changed").next(),
            None
        );
    }

    #[test]
    fn an_endpoint_named_like_a_suffix_still_resolves() {
        // `x-relation-changed` is an endpoint: its events end with the kind's suffix.
        assert_eq!(
            EventKind::from_hook_name("x-relation-changed-relation-broken"),
            Some((EventKind::RelationBroken, Some("x-relation-changed")))
        );
    }

    #[test]
    fn argument_types_by_kind() {
        let takers = |name: &str| -> Vec<EventKind> {
            EventKind::ALL
                .iter()
                .copied()
                .filter(|k| k.supplies(name))
                .collect()
        };
        assert_eq!(
            takers("StorageEvent"),
            [EventKind::StorageAttached, EventKind::StorageDetaching]
        );
        assert_eq!(takers("Params"), [EventKind::Action]);
        assert_eq!(takers("Custom"), [EventKind::Custom]);
        assert_eq!(takers("RelationEvent").len(), 5);
        assert!(takers("Config").is_empty());
        assert_eq!(EventKind::Reconcile.event_type(), None);
        assert!(!EventKind::Action.deferrable());
        assert!(EventKind::ConfigChanged.deferrable());
    }
}
