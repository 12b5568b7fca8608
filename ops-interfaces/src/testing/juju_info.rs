//! The other side of `juju-info` in the harness: the principal of a
//! subordinate charm, or the units of any application, each with the address
//! keys Juju writes.
//!
//! ```
//! use ops_interfaces::juju_info::{JujuInfoRequirer, UnitAvailable};
//! use ops_interfaces::testing::juju_info;
//! use ops_runtime::testing::{Context, State};
//! use ops_runtime::*;
//!
//! #[derive(Default)]
//! struct Agent {
//!     host: JujuInfoRequirer,
//! }
//!
//! #[charm(
//!     components(host: JujuInfoRequirer = "juju-info"),
//!     metadata_source = "name: agent\nsubordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    scope: container\n"
//! )]
//! impl Agent {
//!     #[on(host::unit_available)]
//!     fn watch(&mut self, cx: &mut HookContext, event: Custom<UnitAvailable>) -> Result<(), ModelError> {
//!         cx.set_workload_version(event.addresses.address().unwrap_or("?"))
//!     }
//! }
//!
//! let mysql = juju_info::principal("juju-info", 1, "mysql/0", "10.0.0.5");
//! let out = Context::<Agent>::new()
//!     .run(mysql.joined_event("mysql/0"), State::new().with_relation(mysql))
//!     .unwrap();
//! assert_eq!(out.workload_version.as_deref(), Some("10.0.0.5"));
//! ```

use ops_runtime::testing::Relation;

use crate::juju_info::UnitAddresses;

/// A subordinate relation on `endpoint` (`scope: container`) with the
/// principal unit `unit` (such as `mysql/0`) at `address`.
///
/// ```
/// let mysql = ops_interfaces::testing::juju_info::principal("juju-info", 1, "mysql/0", "10.0.0.5");
/// assert!(mysql.subordinate);
/// assert_eq!(mysql.remote_units["mysql/0"]["ingress-address"], "10.0.0.5");
/// ```
pub fn principal(endpoint: &str, id: u64, unit: &str, address: &str) -> Relation {
    Relation::subordinate(endpoint, id, unit)
        .with_remote_unit(unit, UnitAddresses::databag_for(address))
}

/// A relation on `endpoint` to application `app` whose units `<app>/0`,
/// `<app>/1`, ... are at `addresses`.
///
/// ```
/// let web = ops_interfaces::testing::juju_info::units("targets", 2, "web", &["10.0.0.1", "10.0.0.2"]);
/// assert_eq!(web.remote_units["web/1"]["private-address"], "10.0.0.2");
/// ```
pub fn units(endpoint: &str, id: u64, app: &str, addresses: &[&str]) -> Relation {
    let mut relation = Relation::new(endpoint, id)
        .with_remote_app(app)
        .without_remote_units();
    for (n, address) in addresses.iter().enumerate() {
        relation =
            relation.with_remote_unit(format!("{app}/{n}"), UnitAddresses::databag_for(address));
    }
    relation
}
