//! The `juju-info` interface: every charm provides it implicitly (an endpoint
//! named `juju-info` that is never declared), and a charm that requires it
//! learns the addresses of the other side's units. A subordinate charm
//! requires it with `scope: container` to be placed next to each unit of a
//! principal; any charm can require it with the global scope.
//!
//! Nothing travels but what Juju itself writes into every unit bag:
//! `private-address`, `ingress-address` and `egress-subnets`. There is no
//! application data and no charm-written unit data, so there is nothing to
//! publish and nothing a charm can get wrong on the wire: [`JujuInfoRequirer`]
//! only reads, and emits [`UnitAvailable`], [`UnitDeparted`] and
//! [`RelationGone`] as units come and go. The provider side is Juju's own.
//!
//! ```
//! use ops_interfaces::juju_info::UnitAddresses;
//! use ops_runtime::Databag;
//!
//! let bag = Databag::from([
//!     ("private-address".to_owned(), "10.0.0.5".to_owned()),
//!     ("ingress-address".to_owned(), "10.0.0.5".to_owned()),
//!     ("egress-subnets".to_owned(), "10.0.0.5/32,10.0.1.0/24".to_owned()),
//! ]);
//! let addresses = UnitAddresses::from_databag(&bag);
//! assert_eq!(addresses.address(), Some("10.0.0.5"));
//! assert_eq!(addresses.egress_subnets, ["10.0.0.5/32", "10.0.1.0/24"]);
//! ```

use std::collections::BTreeMap;

use ops_runtime::event::RelationRef;
use ops_runtime::{
    CharmError, Component, CustomEvent, Databag, Emitter, Endpoint, Event, HookContext, Interface,
    Member, ModelError,
};
use serde::{Deserialize, Serialize};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "juju-info";

/// The addresses Juju publishes for a unit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnitAddresses {
    /// `private-address`, the unit's address on its default space.
    pub private_address: Option<String>,
    /// `ingress-address`, the address other units reach it on over this
    /// relation.
    pub ingress_address: Option<String>,
    /// `egress-subnets`: where its traffic comes from.
    pub egress_subnets: Vec<String>,
}

impl UnitAddresses {
    /// Reads a unit bag; other keys are ignored, and an empty value counts as
    /// absent. (Juju writes these keys itself: there is nothing malformed to
    /// report.)
    ///
    /// ```
    /// use ops_interfaces::juju_info::UnitAddresses;
    ///
    /// let addresses = UnitAddresses::from_databag(&Default::default());
    /// assert_eq!(addresses.address(), None);
    /// ```
    pub fn from_databag(bag: &Databag) -> Self {
        let text = |key: &str| {
            bag.get(key)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            private_address: text("private-address"),
            ingress_address: text("ingress-address"),
            egress_subnets: text("egress-subnets")
                .map(|subnets| {
                    subnets
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The bag Juju writes for a unit at `address`, for tests: both addresses
    /// `address`, egress from `address/32` (or `/128` for IPv6).
    ///
    /// ```
    /// let bag = ops_interfaces::juju_info::UnitAddresses::databag_for("10.0.0.5");
    /// assert_eq!(bag["egress-subnets"], "10.0.0.5/32");
    /// ```
    pub fn databag_for(address: &str) -> Databag {
        let prefix = if address.contains(':') { 128 } else { 32 };
        Databag::from([
            ("private-address".to_owned(), address.to_owned()),
            ("ingress-address".to_owned(), address.to_owned()),
            ("egress-subnets".to_owned(), format!("{address}/{prefix}")),
        ])
    }

    /// The address to reach the unit at: its `ingress-address`, else its
    /// `private-address`.
    ///
    /// ```
    /// let addresses = ops_interfaces::juju_info::UnitAddresses::from_databag(
    ///     &[("private-address".to_owned(), "10.0.0.9".to_owned())].into(),
    /// );
    /// assert_eq!(addresses.address(), Some("10.0.0.9"));
    /// ```
    pub fn address(&self) -> Option<&str> {
        self.ingress_address
            .as_deref()
            .or(self.private_address.as_deref())
    }
}

/// `unit_available`: a remote unit joined, or Juju changed its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitAvailable {
    /// The relation.
    pub relation: RelationRef,
    /// The unit (for a subordinate, its principal).
    pub unit: String,
    /// Its addresses.
    pub addresses: UnitAddresses,
}

impl CustomEvent for UnitAvailable {
    const NAME: &'static str = "unit_available";
}

/// `unit_departed`: a remote unit left the relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitDeparted {
    /// The relation.
    pub relation: RelationRef,
    /// The unit.
    pub unit: String,
}

impl CustomEvent for UnitDeparted {
    const NAME: &'static str = "unit_departed";
}

/// `relation_gone`: the relation is broken (for a subordinate, the unit is
/// about to be removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationGone {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for RelationGone {
    const NAME: &'static str = "relation_gone";
}

/// The requiring side of `juju-info`: reads the remote units' addresses.
///
/// ```
/// use ops_interfaces::juju_info::{JujuInfoRequirer, UnitAddresses, UnitAvailable};
/// use ops_runtime::testing::{Context, Relation, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Agent {
///     host: JujuInfoRequirer,
/// }
///
/// #[charm(
///     components(host: JujuInfoRequirer = "juju-info"),
///     metadata_source = "name: agent\nsubordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    scope: container\n"
/// )]
/// impl Agent {
///     #[on(host::unit_available)]
///     fn watch(&mut self, cx: &mut HookContext, event: Custom<UnitAvailable>) -> Result<(), ModelError> {
///         let at = event.addresses.address().unwrap_or("nowhere");
///         cx.set_unit_status(Status::active(format!("watching {} at {at}", event.unit)))
///     }
/// }
///
/// let principal = Relation::subordinate("juju-info", 1, "mysql/0")
///     .with_remote_unit("mysql/0", UnitAddresses::databag_for("10.0.0.5"));
/// let out = Context::<Agent>::new()
///     .run(principal.joined_event("mysql/0"), State::new().with_relation(principal))
///     .unwrap();
/// assert_eq!(out.unit_status, Status::active("watching mysql/0 at 10.0.0.5"));
/// ```
#[derive(Debug, Clone)]
pub struct JujuInfoRequirer {
    endpoint: Endpoint,
}

impl Default for JujuInfoRequirer {
    /// A requirer on the conventional endpoint, `juju-info`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked("juju-info"))
    }
}

impl JujuInfoRequirer {
    /// A requirer on `endpoint`.
    ///
    /// A component declared in `#[charm(components(...))]` is bound to the
    /// endpoint of its declaration at the start of every hook, whatever it was
    /// built with: this is for one used on its own.
    ///
    /// ```
    /// use ops_runtime::Endpoint;
    /// let host = ops_interfaces::juju_info::JujuInfoRequirer::new(Endpoint::new_unchecked("host-system"));
    /// assert_eq!(host.endpoint().name(), "host-system");
    /// ```
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The remote units of every relation of the endpoint, with their
    /// addresses, by unit name; in `relation-departed`, without the departing
    /// unit.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn units(
        &self,
        cx: &mut HookContext,
    ) -> Result<BTreeMap<String, UnitAddresses>, ModelError> {
        let departing = match cx.event() {
            Event::RelationDeparted(e) => Some(e.unit.clone()),
            _ => None,
        };
        let mut out = BTreeMap::new();
        for relation in cx.relations(self.endpoint)? {
            for unit in cx.relation_units(&relation)? {
                if Some(&unit) == departing.as_ref() {
                    continue;
                }
                let bag = cx.relation_data(&relation, &Member::Unit(unit.clone()))?;
                out.insert(unit, UnitAddresses::from_databag(&bag));
            }
        }
        Ok(out)
    }

    /// For a subordinate: the principal unit and its addresses (the one
    /// remote unit of the one relation), `None` before it joined.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn principal(
        &self,
        cx: &mut HookContext,
    ) -> Result<Option<(String, UnitAddresses)>, ModelError> {
        Ok(self.units(cx)?.into_iter().next())
    }
}

impl Component for JujuInfoRequirer {
    const EVENTS: &'static [&'static str] =
        &[UnitAvailable::NAME, UnitDeparted::NAME, RelationGone::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let name = self.endpoint.name();
        match event {
            Event::RelationJoined(e) if e.relation.endpoint == name => {
                self.available(cx, &e.relation, &e.unit, emit)?;
            }
            Event::RelationChanged(e) if e.relation.endpoint == name => {
                if let Some(unit) = &e.unit {
                    self.available(cx, &e.relation, unit, emit)?;
                }
            }
            Event::RelationDeparted(e) if e.relation.endpoint == name => {
                emit.emit(&UnitDeparted {
                    relation: e.relation.clone(),
                    unit: e.unit.clone(),
                })?;
            }
            Event::RelationBroken(e) if e.relation.endpoint == name => {
                emit.emit(&RelationGone {
                    relation: e.relation.clone(),
                })?;
            }
            _ => {}
        }
        Ok(())
    }
}

impl JujuInfoRequirer {
    fn available(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        unit: &str,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let bag = cx.relation_data(relation, &Member::Unit(unit.to_owned()))?;
        emit.emit(&UnitAvailable {
            relation: relation.clone(),
            unit: unit.to_owned(),
            addresses: UnitAddresses::from_databag(&bag),
        })
    }
}
