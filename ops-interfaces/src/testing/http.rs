//! The other side of `http` in the harness: web servers for a proxy charm's
//! tests, a proxy for a web server charm's tests, and a reader of what the
//! web server wrote.
//!
//! ```
//! use ops_interfaces::http::{Available, HttpRequirer};
//! use ops_interfaces::testing::http;
//! use ops_runtime::testing::{Context, State};
//! use ops_runtime::*;
//!
//! #[derive(Default)]
//! struct Balancer {
//!     backends: HttpRequirer,
//! }
//!
//! #[charm(
//!     components(backends: HttpRequirer = "reverseproxy"),
//!     metadata_source = "name: balancer\nrequires:\n  reverseproxy:\n    interface: http\n"
//! )]
//! impl Balancer {
//!     #[on(backends::available)]
//!     fn route(&mut self, cx: &mut HookContext, event: Custom<Available>) -> Result<(), ModelError> {
//!         cx.set_workload_version(&event.service.hosts.len().to_string())
//!     }
//! }
//!
//! let web = http::web_servers("reverseproxy", 2, "web", &[("10.0.0.7", 80), ("10.0.0.8", 80)]);
//! let out = Context::<Balancer>::new()
//!     .run(web.changed_event(Some("web/1")), State::new().with_relation(web))
//!     .unwrap();
//! assert_eq!(out.workload_version.as_deref(), Some("2"));
//! ```

use ops_runtime::Databag;
use ops_runtime::testing::Relation;

use crate::http::{DataError, HttpHost, ProviderUnitData};

/// The bag Juju writes for a unit at `address`.
fn juju_keys(address: &str) -> Databag {
    Databag::from([
        ("private-address".to_owned(), address.to_owned()),
        ("ingress-address".to_owned(), address.to_owned()),
        ("egress-subnets".to_owned(), format!("{address}/32")),
    ])
}

/// A relation on `endpoint` to web server application `app` whose units
/// `<app>/0`, `<app>/1`, ... each published one `(address, port)`, raw, as
/// the reference provider writes them.
///
/// ```
/// let web = ops_interfaces::testing::http::web_servers("reverseproxy", 1, "web", &[("10.0.0.7", 80)]);
/// assert_eq!(web.remote_units["web/0"]["port"], "80");
/// ```
pub fn web_servers(endpoint: &str, id: u64, app: &str, units: &[(&str, u16)]) -> Relation {
    let mut relation = Relation::new(endpoint, id)
        .with_remote_app(app)
        .without_remote_units();
    for (n, (address, port)) in units.iter().enumerate() {
        let mut bag = juju_keys(address);
        bag.extend(ProviderUnitData::new(*address, *port).to_databag());
        relation = relation.with_remote_unit(format!("{app}/{n}"), bag);
    }
    relation
}

/// [`web_servers`], written as the reactive provider of the last years writes
/// them: `hostname` JSON-quoted.
///
/// ```
/// let web = ops_interfaces::testing::http::web_servers_json_quoted("website", 1, "web", &[("10.0.0.7", 80)]);
/// assert_eq!(web.remote_units["web/0"]["hostname"], r#""10.0.0.7""#);
/// ```
pub fn web_servers_json_quoted(
    endpoint: &str,
    id: u64,
    app: &str,
    units: &[(&str, u16)],
) -> Relation {
    let mut relation = web_servers(endpoint, id, app, units);
    for bag in relation.remote_units.values_mut() {
        if let Some(hostname) = bag.get_mut("hostname") {
            *hostname = format!("\"{hostname}\"");
        }
    }
    relation
}

/// A relation on `endpoint` to a proxy application `app` with one unit: it
/// writes nothing (only Juju's address keys are in its bag).
///
/// ```
/// let haproxy = ops_interfaces::testing::http::proxy("website", 1, "haproxy");
/// assert!(haproxy.remote_app_data.is_empty());
/// ```
pub fn proxy(endpoint: &str, id: u64, app: &str) -> Relation {
    Relation::new(endpoint, id)
        .with_remote_app(app)
        .without_remote_units()
        .with_remote_unit(format!("{app}/0"), juju_keys("10.2.0.1"))
}

/// What a web server charm's unit published on `relation` (in the output
/// state): its address, or `None` before it wrote its port.
///
/// # Errors
///
/// The bag does not follow the protocol.
///
/// ```
/// use ops_interfaces::testing::http::{proxy, published};
///
/// assert_eq!(published(&proxy("website", 1, "haproxy")).unwrap(), None);
/// ```
pub fn published(relation: &Relation) -> Result<Option<HttpHost>, DataError> {
    Ok(HttpHost::from_databag(&relation.local_unit_data)?
        .into_iter()
        .next())
}
