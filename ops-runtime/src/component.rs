//! Components and custom events: the Rust form of an ops charm library.
//!
//! A [`Component`] is a field of the charm that observes every Juju event on the
//! charm's behalf (the requirer side of an interface, say), keeps its own stored
//! state with [`HookContext::stored`], adds statuses in collect-status, and
//! emits typed [`CustomEvent`]s. The charm declares it in `#[charm]` and
//! handles its events like any other: `#[on(db::database_created)]`, taking the
//! payload as a [`Custom<T>`] argument. A name the component does not emit is a
//! compile error. Emitted events are handled in the same hook, right after the
//! component observed the event that caused them, and can be deferred.
//!
//! # Interface components
//!
//! A component that speaks one side of a relation interface says so in
//! [`Component::INTERFACE`] and is bound to one endpoint where the charm
//! declares it: `#[charm(components(db: DatabaseRequirer = "database"))]`.
//! `#[charm]` checks the binding against charmcraft.yaml at compile time: the
//! endpoint exists, its interface is one the component speaks, and its role
//! (`requires`, `provides` or `peers`) is the component's side. At run time the
//! generated code hands the endpoint to [`Component::bind`] at the start of
//! every hook, so the author names it once. One component type can be declared
//! several times, on several endpoints.
//!
//! ```
//! use ops_runtime::*;
//!
//! /// The requirer side of a `greeting` interface.
//! #[derive(Default)]
//! struct GreetingRequirer {
//!     endpoint: Option<Endpoint>,
//! }
//!
//! impl Component for GreetingRequirer {
//!     const EVENTS: &'static [&'static str] = &[];
//!     const INTERFACE: Option<Interface> = Some(Interface::requires(&["greeting"]));
//!
//!     fn bind(&mut self, endpoint: Endpoint) {
//!         self.endpoint = Some(endpoint);
//!     }
//!
//!     fn observe(&mut self, _: &mut HookContext, _: &Event, _: &mut Emitter) -> Result<(), CharmError> {
//!         Ok(())
//!     }
//!
//!     fn collect_unit_status(&mut self, cx: &mut HookContext, status: &CollectStatus) -> Result<(), CharmError> {
//!         if let Some(endpoint) = self.endpoint && cx.relations(endpoint)?.is_empty() {
//!             status.add(Status::blocked(format!("missing relation `{endpoint}`")));
//!         }
//!         Ok(())
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Greeter {
//!     greeting: GreetingRequirer,
//! }
//!
//! #[charm(
//!     components(greeting: GreetingRequirer = "hello"),
//!     metadata_source = "name: greeter\nrequires:\n  hello:\n    interface: greeting\n"
//! )]
//! impl Greeter {}
//! ```
//!
//! # Custom events of the charm's own
//!
//! A charm declares the custom events its handlers emit with
//! `#[charm(events(RestartNeeded))]`, emits one with [`HookContext::emit`] and
//! handles it with `#[on(self::restart_needed)]`, in the same hook, once the
//! emitting handler returned. Components observe every custom event too
//! (their own, each other's and the charm's), which is how one component
//! reacts to another: see [`Custom::from_event`].

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::HookContext;
use crate::enums::ConstMessage;
use crate::event::{CustomEventData, Event};
use crate::handler::{CharmError, CollectStatus};
use crate::relation::Endpoint;

/// A typed custom event.
pub trait CustomEvent: Serialize + DeserializeOwned + 'static {
    /// Its name, as charms write it after the component's: `db::<NAME>`.
    const NAME: &'static str;
}

/// A reusable part of a charm that observes Juju events and emits custom ones.
pub trait Component {
    /// The names of the custom events it emits; `#[charm]` checks handlers
    /// against them at compile time.
    const EVENTS: &'static [&'static str];

    /// The relation interface it speaks and its side, for an interface
    /// component; `None` (the default) for any other. `#[charm]` requires an
    /// interface component to be bound to an endpoint of the metadata with one
    /// of these interfaces, declared under the matching role, and refuses an
    /// endpoint for any other component.
    const INTERFACE: Option<Interface> = None;

    /// Receives the endpoint the charm bound it to
    /// (`components(db: DatabaseRequirer = "database")`), at the start of
    /// every hook, before any event is observed or handled. Interface
    /// components keep it; the default ignores it.
    fn bind(&mut self, endpoint: Endpoint) {
        let _ = endpoint;
    }

    /// Observes one event of the hook (Juju's event, a deferred one being
    /// re-run, or a custom event emitted in this hook), before the charm's own
    /// handlers; emits custom events with `emit`.
    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError>;

    /// Adds the unit statuses it knows of (such as "waiting for database
    /// credentials") in collect-status, before the charm's
    /// `collect_unit_status` handlers. The highest-priority status of all
    /// becomes the unit's. The default adds none.
    fn collect_unit_status(
        &mut self,
        cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        let _ = (cx, status);
        Ok(())
    }

    /// Adds application statuses in collect-status, on the leader only, before
    /// the charm's `collect_app_status` handlers. The default adds none.
    fn collect_app_status(
        &mut self,
        cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        let _ = (cx, status);
        Ok(())
    }
}

/// The side of a relation an endpoint is on: the charmcraft.yaml section it is
/// declared under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationRole {
    /// `requires`.
    Requires,
    /// `provides`.
    Provides,
    /// `peers`.
    Peer,
}

impl RelationRole {
    /// The charmcraft.yaml section: `requires`, `provides` or `peers`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationRole::Requires => "requires",
            RelationRole::Provides => "provides",
            RelationRole::Peer => "peers",
        }
    }
}

/// What an interface component speaks: the interface names an endpoint may
/// declare and the side it implements ([`Component::INTERFACE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interface {
    /// The interface names (`interface:` in charmcraft.yaml) it speaks.
    pub names: &'static [&'static str],
    /// The side it implements.
    pub role: RelationRole,
}

impl Interface {
    /// The requirer side of `names`.
    pub const fn requires(names: &'static [&'static str]) -> Self {
        Self {
            names,
            role: RelationRole::Requires,
        }
    }

    /// The provider side of `names`.
    pub const fn provides(names: &'static [&'static str]) -> Self {
        Self {
            names,
            role: RelationRole::Provides,
        }
    }

    /// A peer relation of `names`.
    pub const fn peer(names: &'static [&'static str]) -> Self {
        Self {
            names,
            role: RelationRole::Peer,
        }
    }
}

/// Where a component emits its custom events.
#[derive(Debug)]
pub struct Emitter {
    component: &'static str,
    allowed: &'static [&'static str],
    events: Vec<CustomEventData>,
}

/// A component emitted an event it does not declare in [`Component::EVENTS`].
#[derive(Debug, thiserror::Error)]
#[error("component `{component}` emitted `{event}`, which is not among its declared events ({})", declared.join(", "))]
pub struct UndeclaredEvent {
    component: &'static str,
    event: &'static str,
    declared: &'static [&'static str],
}

impl Emitter {
    /// An emitter for the component field `component`.
    pub fn new(component: &'static str, allowed: &'static [&'static str]) -> Self {
        Self {
            component,
            allowed,
            events: Vec::new(),
        }
    }

    /// Emits `event`; the charm's handlers for it run once the component's
    /// `observe` returns.
    pub fn emit<E: CustomEvent>(&mut self, event: &E) -> Result<(), CharmError> {
        if !self.allowed.contains(&E::NAME) {
            return Err(UndeclaredEvent {
                component: self.component,
                event: E::NAME,
                declared: self.allowed,
            }
            .into());
        }
        let payload = serde_json::to_value(event)?;
        self.events.push(CustomEventData {
            qualified: format!("{}::{}", self.component, E::NAME),
            name: E::NAME.to_owned(),
            payload,
        });
        Ok(())
    }

    /// The events emitted, in order.
    pub fn into_events(self) -> Vec<CustomEventData> {
        self.events
    }
}

/// A custom event's payload as a handler argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Custom<T>(pub T);

impl<T> std::ops::Deref for Custom<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Custom<T> {
    /// The payload.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: CustomEvent> Custom<T> {
    /// The payload of `event` when it is a custom event named [`T::NAME`]
    /// (emitted by any component, or by the charm); `None` for any other
    /// event. A component observes another's events this way; the
    /// `<component>::` part of the event's name says which emitted it.
    ///
    /// [`T::NAME`]: CustomEvent::NAME
    ///
    /// # Errors
    ///
    /// The payload does not deserialize as `T` (another type with the same
    /// event name emitted it).
    pub fn from_event(event: &Event) -> Result<Option<Self>, serde_json::Error> {
        match event {
            Event::Custom(data) if data.name == T::NAME => {
                serde_json::from_value(data.payload.clone()).map(|p| Some(Custom(p)))
            }
            _ => Ok(None),
        }
    }
}

/// The name under which the charm's own custom events are emitted and
/// handled: `#[on(self::restart_needed)]`.
pub(crate) const CHARM_EVENTS: &str = "self";

/// The charm emitted an event it does not declare in `#[charm(events(...))]`.
#[derive(Debug, thiserror::Error)]
#[error(
    "the charm emitted `{event}`, which is not among the events it declares{}; add its type to `#[charm(events(...))]`",
    declared_list(declared)
)]
pub struct UndeclaredCharmEvent {
    event: &'static str,
    declared: &'static [&'static str],
}

fn declared_list(declared: &[&str]) -> String {
    if declared.is_empty() {
        String::new()
    } else {
        format!(" ({})", declared.join(", "))
    }
}

impl HookContext {
    /// Emits one of the charm's own custom events (declared with
    /// `#[charm(events(...))]`). The charm's components observe it and its
    /// `#[on(self::<name>)]` handlers run in this same hook, once the handler
    /// that emitted it returns; they can defer it like any event. An event
    /// emitted during collect-status is not handled.
    ///
    /// ```
    /// use ops_runtime::*;
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct RestartNeeded {
    ///     reason: String,
    /// }
    ///
    /// impl CustomEvent for RestartNeeded {
    ///     const NAME: &'static str = "restart_needed";
    /// }
    ///
    /// #[derive(Default)]
    /// struct Server;
    ///
    /// #[charm(events(RestartNeeded), metadata_source = "name: server")]
    /// impl Server {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
    ///         cx.emit(&RestartNeeded { reason: "config".into() })
    ///     }
    ///
    ///     #[on(self::restart_needed)]
    ///     fn restart(&mut self, event: Custom<RestartNeeded>) {
    ///         let _ = &event.reason;
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// The event is not declared in `#[charm(events(...))]`, or its payload
    /// does not serialize.
    pub fn emit<E: CustomEvent>(&mut self, event: &E) -> Result<(), CharmError> {
        let declared = self.meta().events;
        if !declared.contains(&E::NAME) {
            return Err(UndeclaredCharmEvent {
                event: E::NAME,
                declared,
            }
            .into());
        }
        let payload = serde_json::to_value(event)?;
        self.dispatch_state_mut().queue_custom(CustomEventData {
            qualified: format!("{CHARM_EVENTS}::{}", E::NAME),
            name: E::NAME.to_owned(),
            payload,
        });
        Ok(())
    }
}

/// The compile-time checks `#[charm]` emits for a component's binding.
pub(crate) mod checks {
    use super::{ConstMessage, Interface, RelationRole};

    /// A relation endpoint of the metadata, as the checks see it: its name,
    /// its interface and its role.
    pub type EndpointDecl = (&'static str, &'static str, RelationRole);

    /// The problem with binding component `field` (of type `ty`, which
    /// speaks `spec`) to `endpoint`, whose interface and role are `interface`
    /// and `role`; empty when the binding is right. `endpoints` are all the
    /// metadata's, for suggestions.
    #[allow(clippy::too_many_arguments)]
    pub const fn bound(
        spec: Option<Interface>,
        field: &str,
        ty: &str,
        endpoint: &str,
        interface: &str,
        role: RelationRole,
        endpoints: &[EndpointDecl],
    ) -> ConstMessage {
        let m = ConstMessage::new();
        let Some(spec) = spec else {
            return m
                .push("component `")
                .push(field)
                .push("` is bound to endpoint `")
                .push(endpoint)
                .push("`, but `")
                .push(ty)
                .push("` is no interface component (its `Component::INTERFACE` is `None`); remove `= \"")
                .push(endpoint)
                .push("\"`");
        };
        let speaks = crate::__private::contains(spec.names, interface);
        let same_side = role_eq(spec.role, role);
        if speaks && same_side {
            return m;
        }
        let m = m
            .push("component `")
            .push(field)
            .push("` (`")
            .push(ty)
            .push("`) is bound to endpoint `")
            .push(endpoint)
            .push("`, ");
        let m = if speaks {
            m.push("which is under `")
                .push(role.as_str())
                .push("` in charmcraft.yaml, but `")
                .push(ty)
                .push("` is the `")
                .push(spec.role.as_str())
                .push("` side of ")
        } else {
            m.push("whose interface is `")
                .push(interface)
                .push("`, but `")
                .push(ty)
                .push("` speaks ")
        };
        let m = names(m, spec.names, " or ");
        fix(m.push("; "), spec, field, ty, endpoints)
    }

    /// The problem with component `field` (of type `ty`, which speaks
    /// `spec`) declared without an endpoint; empty when it needs none.
    pub const fn unbound(
        spec: Option<Interface>,
        field: &str,
        ty: &str,
        endpoints: &[EndpointDecl],
    ) -> ConstMessage {
        let m = ConstMessage::new();
        let Some(spec) = spec else { return m };
        let m = m
            .push("component `")
            .push(field)
            .push("` (`")
            .push(ty)
            .push("`) is the `")
            .push(spec.role.as_str())
            .push("` side of ");
        let m = names(m, spec.names, " or ");
        fix(
            m.push(" and needs an endpoint; "),
            spec,
            field,
            ty,
            endpoints,
        )
    }

    /// "bind it to `a`: `field: Ty = "a"`", or how to declare an endpoint.
    const fn fix(
        m: ConstMessage,
        spec: Interface,
        field: &str,
        ty: &str,
        endpoints: &[EndpointDecl],
    ) -> ConstMessage {
        let mut first = None;
        let mut i = 0;
        while i < endpoints.len() {
            let (name, interface, role) = endpoints[i];
            if role_eq(role, spec.role) && crate::__private::contains(spec.names, interface) {
                first = Some(name);
                break;
            }
            i += 1;
        }
        match first {
            Some(name) => m
                .push("bind it to `")
                .push(name)
                .push("`: `")
                .push(field)
                .push(": ")
                .push(ty)
                .push(" = \"")
                .push(name)
                .push("\"`"),
            None => m
                .push("declare an endpoint under `")
                .push(spec.role.as_str())
                .push("` in charmcraft.yaml with `interface: ")
                .push(match spec.names.first() {
                    Some(name) => name,
                    None => "...",
                })
                .push("` and bind it: `")
                .push(field)
                .push(": ")
                .push(ty)
                .push(" = \"<endpoint>\"`"),
        }
    }

    /// `` `a`, `b`<last>`c` ``.
    const fn names(mut m: ConstMessage, names: &[&str], last: &str) -> ConstMessage {
        let mut i = 0;
        while i < names.len() {
            if i > 0 {
                m = m.push(if i + 1 == names.len() { last } else { ", " });
            }
            m = m.push("`").push(names[i]).push("`");
            i += 1;
        }
        m
    }

    const fn role_eq(a: RelationRole, b: RelationRole) -> bool {
        a as u8 == b as u8
    }
}

#[cfg(test)]
mod tests {
    use super::checks::{EndpointDecl, bound, unbound};
    use super::{Interface, RelationRole};

    const ENDPOINTS: &[EndpointDecl] = &[
        ("cache", "redis", RelationRole::Requires),
        ("database", "mysql_client", RelationRole::Requires),
        ("api", "postgresql_client", RelationRole::Provides),
    ];
    const DB: Option<Interface> = Some(Interface::requires(&["postgresql_client", "mysql_client"]));

    #[test]
    fn a_matching_binding_has_no_message() {
        let m = bound(
            DB,
            "db",
            "Db",
            "database",
            "mysql_client",
            RelationRole::Requires,
            ENDPOINTS,
        );
        assert!(m.is_empty());
        assert!(unbound(None, "counter", "Counter", ENDPOINTS).is_empty());
    }

    #[test]
    fn each_mismatch_names_the_endpoint_what_the_type_speaks_and_the_fix() {
        let m = bound(
            DB,
            "db",
            "Db",
            "cache",
            "redis",
            RelationRole::Requires,
            ENDPOINTS,
        );
        assert_eq!(
            m.as_str(),
            "component `db` (`Db`) is bound to endpoint `cache`, whose interface is `redis`, but \
             `Db` speaks `postgresql_client` or `mysql_client`; bind it to `database`: \
             `db: Db = \"database\"`"
        );
        let m = bound(
            DB,
            "db",
            "Db",
            "api",
            "postgresql_client",
            RelationRole::Provides,
            ENDPOINTS,
        );
        assert_eq!(
            m.as_str(),
            "component `db` (`Db`) is bound to endpoint `api`, which is under `provides` in \
             charmcraft.yaml, but `Db` is the `requires` side of `postgresql_client` or \
             `mysql_client`; bind it to `database`: `db: Db = \"database\"`"
        );
        let m = bound(
            None,
            "c",
            "Counter",
            "cache",
            "redis",
            RelationRole::Requires,
            ENDPOINTS,
        );
        assert_eq!(
            m.as_str(),
            "component `c` is bound to endpoint `cache`, but `Counter` is no interface component \
             (its `Component::INTERFACE` is `None`); remove `= \"cache\"`"
        );
        let m = unbound(
            Some(Interface::peer(&["cluster"])),
            "peers",
            "Peers",
            ENDPOINTS,
        );
        assert_eq!(
            m.as_str(),
            "component `peers` (`Peers`) is the `peers` side of `cluster` and needs an endpoint; \
             declare an endpoint under `peers` in charmcraft.yaml with `interface: cluster` and \
             bind it: `peers: Peers = \"<endpoint>\"`"
        );
    }
}
