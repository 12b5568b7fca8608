//! The `http` interface, from the reactive era: a web server tells proxies and
//! load balancers (haproxy, apache, nginx) where each of its units listens.
//!
//! - [`HttpProvider`], for the web server (conventionally on a `website`
//!   endpoint under `provides`): every unit writes its `hostname`, `port` and
//!   `private-address` into its own bag when a proxy joins, or when the charm
//!   calls [`HttpProvider::publish`]. There is no application data.
//! - [`HttpRequirer`], for the proxy (conventionally `reverseproxy` under
//!   `requires`): writes nothing; reads every remote unit's address and emits
//!   [`Available`] with the whole set on each change a unit makes or each
//!   unit that departs, [`Unavailable`]
//!   when no unit is left.
//!
//! The provider writes raw strings (`10.1.2.3`, `80`), as the reference
//! provider and the ops-based ones do. The reactive provider of the last years
//! JSON-encodes its values (`"10.1.2.3"` with the quotes), so the requirer
//! takes off one level of JSON string quoting wherever it finds one. Units may
//! also publish more addresses in `extended_data`, a JSON list of
//! `{hostname, private-address, port}` objects; the requirer reads those too.
//!
//! ```
//! use ops_interfaces::http::{HttpHost, ProviderUnitData};
//!
//! let bag = ProviderUnitData::new("10.1.2.3", 80).to_databag();
//! assert_eq!(bag["hostname"], "10.1.2.3");
//! assert_eq!(bag["private-address"], "10.1.2.3");
//! assert_eq!(bag["port"], "80");
//!
//! // A reactive provider's JSON-quoted values read the same.
//! let mut quoted = bag.clone();
//! quoted.insert("hostname".into(), r#""10.1.2.3""#.into());
//! let hosts = HttpHost::from_databag(&quoted).unwrap();
//! assert_eq!(hosts, [HttpHost::new("10.1.2.3", "10.1.2.3", 80)]);
//! ```

use std::collections::{BTreeMap, BTreeSet};

use ops_runtime::event::RelationRef;
use ops_runtime::{
    Bag, Binding, CharmError, Component, CustomEvent, Databag, Emitter, Endpoint, Event,
    HookContext, Interface, LogLevel, Member, ModelError,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "http";

/// A key of a unit's databag that does not follow the protocol, and what is
/// wrong with it (never the value).
///
/// ```
/// use ops_interfaces::http::HttpHost;
/// use ops_runtime::Databag;
///
/// let bag = Databag::from([("port".to_owned(), "eighty".to_owned())]);
/// let err = HttpHost::from_databag(&bag).unwrap_err();
/// assert_eq!(err.to_string(), "key `port`: expected a port number from 1 to 65535");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {problem}")]
pub struct DataError {
    /// The key (`extended_data[1].port` for a field of `extended_data`).
    pub key: String,
    /// What is wrong with its value.
    pub problem: String,
}

impl DataError {
    fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            problem: problem.into(),
        }
    }
}

/// An error of the `http` components.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// A remote unit's databag does not follow the protocol.
    #[error("relation `{relation}`, data of {member}, key `{key}`: {problem}")]
    InvalidData {
        /// The relation (`endpoint:id`).
        relation: String,
        /// Whose databag: `` unit `app/0` ``.
        member: String,
        /// The key.
        key: String,
        /// What is wrong with its value (never the value).
        problem: String,
    },
    /// A hook tool or an access rule failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// `value` without one level of JSON string quoting, if it has one.
fn unquote(value: &str) -> String {
    if value.starts_with('"')
        && let Ok(inner) = serde_json::from_str::<String>(value)
    {
        return inner;
    }
    value.to_owned()
}

fn parse_port(key: &str, raw: &str) -> Result<u16, DataError> {
    unquote(raw)
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| DataError::new(key, "expected a port number from 1 to 65535"))
}

/// What a web server unit writes into its databag.
///
/// ```
/// use ops_interfaces::http::ProviderUnitData;
///
/// let data = ProviderUnitData::new("10.0.0.7", 8080).with_hostname("web.example");
/// let bag = data.to_databag();
/// assert_eq!(bag["hostname"], "web.example");
/// assert_eq!(bag["private-address"], "10.0.0.7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProviderUnitData {
    /// The address proxies should use (`hostname`).
    pub hostname: String,
    /// The unit's address (`private-address`, Juju's own key, overwritten
    /// with the same address).
    pub private_address: String,
    /// The port the web server listens on (`port`).
    pub port: u16,
}

impl ProviderUnitData {
    /// A unit at `address` (both `hostname` and `private-address`) listening on
    /// `port`.
    ///
    /// ```
    /// let data = ops_interfaces::http::ProviderUnitData::new("10.0.0.7", 80);
    /// assert_eq!(data.hostname, data.private_address);
    /// ```
    pub fn new(address: impl Into<String>, port: u16) -> Self {
        let address = address.into();
        Self {
            hostname: address.clone(),
            private_address: address,
            port,
        }
    }

    /// With a host name other than the address.
    ///
    /// ```
    /// let data = ops_interfaces::http::ProviderUnitData::new("10.0.0.7", 80).with_hostname("h");
    /// assert_eq!(data.hostname, "h");
    /// ```
    #[must_use]
    pub fn with_hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = hostname.into();
        self
    }

    /// The databag: `hostname`, `private-address` and `port`, raw strings.
    ///
    /// ```
    /// let bag = ops_interfaces::http::ProviderUnitData::new("10.0.0.7", 80).to_databag();
    /// assert_eq!(bag.len(), 3);
    /// ```
    pub fn to_databag(&self) -> Databag {
        Databag::from([
            ("hostname".to_owned(), self.hostname.clone()),
            ("private-address".to_owned(), self.private_address.clone()),
            ("port".to_owned(), self.port.to_string()),
        ])
    }
}

/// One address of a web server, as the requirer reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HttpHost {
    /// Where to send requests: the unit's `hostname`, or its
    /// `private-address` when it wrote none.
    pub hostname: String,
    /// The unit's `private-address`.
    pub private_address: String,
    /// The port.
    pub port: u16,
}

impl HttpHost {
    /// An address.
    ///
    /// ```
    /// let host = ops_interfaces::http::HttpHost::new("web.example", "10.0.0.7", 80);
    /// assert_eq!(host.port, 80);
    /// ```
    pub fn new(hostname: impl Into<String>, private_address: impl Into<String>, port: u16) -> Self {
        Self {
            hostname: hostname.into(),
            private_address: private_address.into(),
            port,
        }
    }

    /// The addresses in one remote unit's databag: its own, when it wrote a
    /// port and has an address, and those of `extended_data`. Other keys are
    /// ignored.
    ///
    /// # Errors
    ///
    /// `port` is not a port number, or `extended_data` is not a JSON list of
    /// objects whose fields are strings (or a number, for `port`).
    ///
    /// ```
    /// use ops_interfaces::http::HttpHost;
    /// use ops_runtime::Databag;
    ///
    /// // No port yet: no address.
    /// let bag = Databag::from([("private-address".to_owned(), "10.0.0.7".to_owned())]);
    /// assert!(HttpHost::from_databag(&bag).unwrap().is_empty());
    /// ```
    pub fn from_databag(bag: &Databag) -> Result<Vec<Self>, DataError> {
        let mut hosts = Vec::new();
        let text = |key: &str| bag.get(key).map(|v| unquote(v)).unwrap_or_default();
        if let Some(host) = Self::build(
            text("hostname"),
            text("private-address"),
            bag.get("port").map(String::as_str),
            "port",
        )? {
            hosts.push(host);
        }
        if let Some(raw) = bag.get("extended_data").filter(|v| !v.trim().is_empty()) {
            let Ok(Value::Array(items)) = serde_json::from_str::<Value>(raw) else {
                return Err(DataError::new("extended_data", "not a JSON list"));
            };
            for (i, item) in items.iter().enumerate() {
                let key = |field: &str| format!("extended_data[{i}].{field}");
                let Value::Object(map) = item else {
                    return Err(DataError::new(
                        format!("extended_data[{i}]"),
                        "not a JSON object",
                    ));
                };
                let field = |name: &str| -> Result<String, DataError> {
                    match map.get(name) {
                        None | Some(Value::Null) => Ok(String::new()),
                        Some(Value::String(s)) => Ok(s.clone()),
                        Some(Value::Number(n)) if name == "port" => Ok(n.to_string()),
                        Some(_) => Err(DataError::new(key(name), "expected a string")),
                    }
                };
                let port = field("port")?;
                if let Some(host) = Self::build(
                    field("hostname")?,
                    field("private-address")?,
                    Some(&port),
                    &key("port"),
                )? {
                    hosts.push(host);
                }
            }
        }
        Ok(hosts)
    }

    /// An address from its parts, `None` when it has no port or no address.
    fn build(
        hostname: String,
        private_address: String,
        port: Option<&str>,
        port_key: &str,
    ) -> Result<Option<Self>, DataError> {
        let Some(port) = port.filter(|p| !unquote(p).trim().is_empty()) else {
            return Ok(None);
        };
        let port = parse_port(port_key, port)?;
        let hostname = if hostname.is_empty() {
            private_address.clone()
        } else {
            hostname
        };
        if hostname.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            hostname,
            private_address,
            port,
        }))
    }

    /// The addresses of a relation's remote units (their bags by unit name),
    /// without duplicates, sorted.
    ///
    /// # Errors
    ///
    /// A unit's databag does not follow the protocol; the error names the
    /// relation, the unit and the key.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use ops_interfaces::http::{HttpHost, ProviderUnitData};
    /// use ops_runtime::event::RelationRef;
    ///
    /// let units = BTreeMap::from([
    ///     ("web/0".to_owned(), ProviderUnitData::new("10.0.0.7", 80).to_databag()),
    ///     ("web/1".to_owned(), ProviderUnitData::new("10.0.0.8", 80).to_databag()),
    /// ]);
    /// let hosts = HttpHost::from_units(&RelationRef::new("reverseproxy", 3), &units).unwrap();
    /// assert_eq!(hosts.len(), 2);
    /// ```
    pub fn from_units(
        relation: &RelationRef,
        units: &BTreeMap<String, Databag>,
    ) -> Result<Vec<Self>, HttpError> {
        let mut all = BTreeSet::new();
        for (unit, bag) in units {
            let hosts = Self::from_databag(bag).map_err(|e| HttpError::InvalidData {
                relation: relation.to_string(),
                member: Member::Unit(unit.clone()).to_string(),
                key: e.key,
                problem: e.problem,
            })?;
            all.extend(hosts);
        }
        Ok(all.into_iter().collect())
    }
}

/// The web servers of one related application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Service {
    /// The relation.
    pub relation: RelationRef,
    /// The remote application.
    pub app: String,
    /// Its addresses.
    pub hosts: Vec<HttpHost>,
}

/// `available`: the web servers of a relation, as they stand after a unit
/// changed its data or departed (emitted only when there is at least one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Available {
    /// The relation, the application and its addresses.
    pub service: Service,
}

impl CustomEvent for Available {
    const NAME: &'static str = "available";
}

/// `unavailable`: a relation has no web server left (its last unit departed, or
/// the relation is broken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unavailable {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for Unavailable {
    const NAME: &'static str = "unavailable";
}

/// The requirer side of `http` (a proxy): reads where the web servers listen.
///
/// On `relation-changed` and `relation-departed` it rebuilds the relation's
/// set of addresses from the remaining units and emits [`Available`], or
/// [`Unavailable`] when none is left; on `relation-broken`, [`Unavailable`].
/// A unit whose data does not follow the protocol gets no event and a warning
/// in the Juju log that names the relation, the unit and the key.
///
/// ```
/// use ops_interfaces::http::{Available, HttpRequirer};
/// use ops_runtime::testing::{Context, Relation, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Proxy {
///     backends: HttpRequirer,
/// }
///
/// #[charm(
///     components(backends: HttpRequirer = "reverseproxy"),
///     metadata_source = "name: proxy\nrequires:\n  reverseproxy:\n    interface: http\n"
/// )]
/// impl Proxy {
///     #[on(backends::available)]
///     fn route(&mut self, cx: &mut HookContext, event: Custom<Available>) -> Result<(), ModelError> {
///         let first = &event.service.hosts[0];
///         cx.set_unit_status(Status::active(format!("{}:{}", first.hostname, first.port)))
///     }
/// }
///
/// let web = Relation::new("reverseproxy", 2)
///     .with_remote_app("web")
///     .with_remote_unit("web/0", [("hostname", "10.0.0.7"), ("private-address", "10.0.0.7"), ("port", "80")]);
/// let out = Context::<Proxy>::new()
///     .run(web.changed_event(Some("web/0")), State::new().with_relation(web))
///     .unwrap();
/// assert_eq!(out.unit_status, Status::active("10.0.0.7:80"));
/// ```
///
/// Bound to an endpoint of another interface, the charm does not compile:
///
/// ```compile_fail
/// use ops_interfaces::http::HttpRequirer;
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Proxy {
///     backends: HttpRequirer,
/// }
///
/// // error: component `backends` (`HttpRequirer`) is bound to endpoint `ingress`,
/// // whose interface is `ingress`, but `HttpRequirer` speaks `http`
/// #[charm(
///     components(backends: HttpRequirer = "ingress"),
///     metadata_source = "name: proxy\nrequires:\n  ingress:\n    interface: ingress\n"
/// )]
/// impl Proxy {}
/// ```
#[derive(Debug, Clone)]
pub struct HttpRequirer {
    endpoint: Endpoint,
}

impl Default for HttpRequirer {
    /// A requirer on the conventional endpoint, `reverseproxy`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked("reverseproxy"))
    }
}

impl HttpRequirer {
    /// A requirer on `endpoint`.
    ///
    /// A component declared in `#[charm(components(...))]` is bound to the
    /// endpoint of its declaration at the start of every hook, whatever it was
    /// built with: this is for one used on its own.
    ///
    /// ```
    /// use ops_runtime::Endpoint;
    /// let backends = ops_interfaces::http::HttpRequirer::new(Endpoint::new_unchecked("website"));
    /// assert_eq!(backends.endpoint().name(), "website");
    /// ```
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The web servers of `relation`; in its `relation-departed`, without the
    /// departing unit.
    ///
    /// # Errors
    ///
    /// A unit's data does not follow the protocol, or a hook tool failed.
    pub fn service(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Service, HttpError> {
        let departing = match cx.event() {
            Event::RelationDeparted(e) if e.relation == *relation => Some(e.unit.clone()),
            _ => None,
        };
        let mut units = BTreeMap::new();
        for unit in cx.relation_units(relation)? {
            if Some(&unit) == departing.as_ref() {
                continue;
            }
            let bag = cx.relation_data(relation, &Member::Unit(unit.clone()))?;
            units.insert(unit, bag);
        }
        Ok(Service {
            relation: relation.clone(),
            app: cx.relation_app(relation)?.unwrap_or_default(),
            hosts: HttpHost::from_units(relation, &units)?,
        })
    }

    /// The web servers of every relation of the endpoint that has any.
    ///
    /// # Errors
    ///
    /// A unit's data does not follow the protocol, or a hook tool failed.
    pub fn services(&self, cx: &mut HookContext) -> Result<Vec<Service>, HttpError> {
        let mut out = Vec::new();
        for relation in cx.relations(self.endpoint)? {
            let service = self.service(cx, &relation)?;
            if !service.hosts.is_empty() {
                out.push(service);
            }
        }
        Ok(out)
    }
}

impl Component for HttpRequirer {
    const EVENTS: &'static [&'static str] = &[Available::NAME, Unavailable::NAME];
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
        let (relation, departed) = match event {
            Event::RelationChanged(e) => (&e.relation, false),
            Event::RelationDeparted(e) => (&e.relation, true),
            Event::RelationBroken(e) if e.relation.endpoint == self.endpoint.name() => {
                return emit.emit(&Unavailable {
                    relation: e.relation.clone(),
                });
            }
            _ => return Ok(()),
        };
        if relation.endpoint != self.endpoint.name() {
            return Ok(());
        }
        match self.service(cx, relation) {
            Ok(service) if !service.hosts.is_empty() => emit.emit(&Available { service })?,
            Ok(_) if departed => emit.emit(&Unavailable {
                relation: relation.clone(),
            })?,
            Ok(_) => {}
            Err(error @ HttpError::InvalidData { .. }) => {
                cx.juju_log(LogLevel::Warning, &format!("http: {error}"))?;
            }
            Err(other) => return Err(other.into()),
        }
        Ok(())
    }
}

/// The provider side of `http` (a web server): every unit tells the proxies
/// where it listens.
///
/// It publishes on `relation-joined`, once it knows the port, and whenever the
/// charm calls [`publish`](Self::publish). The address defaults to the unit's
/// ingress address on the relation.
///
/// ```
/// use ops_interfaces::http::HttpProvider;
/// use ops_runtime::testing::{Context, Relation, State};
/// use ops_runtime::*;
///
/// struct Web {
///     website: HttpProvider,
/// }
///
/// impl Default for Web {
///     fn default() -> Self {
///         Self { website: HttpProvider::default().with_port(8080) }
///     }
/// }
///
/// #[charm(
///     components(website: HttpProvider = "website"),
///     metadata_source = "name: web\nprovides:\n  website:\n    interface: http\n"
/// )]
/// impl Web {}
///
/// let website = Relation::new("website", 1).with_remote_app("haproxy");
/// let out = Context::<Web>::new()
///     .run(website.joined_event("haproxy/0"), State::new().with_relation(website))
///     .unwrap();
/// let bag = &out.relation(1).unwrap().local_unit_data;
/// assert_eq!(bag["port"], "8080");
/// assert_eq!(bag["hostname"], "192.0.2.0"); // the harness's default address
/// ```
#[derive(Debug, Clone)]
pub struct HttpProvider {
    endpoint: Endpoint,
    port: Option<u16>,
    hostname: Option<String>,
}

impl Default for HttpProvider {
    /// A provider on the conventional endpoint, `website`, with no port yet.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked("website"))
    }
}

impl HttpProvider {
    /// A provider on `endpoint` that publishes nothing until it knows the port.
    ///
    /// A component declared in `#[charm(components(...))]` is bound to the
    /// endpoint of its declaration at the start of every hook, whatever it was
    /// built with: this is for one used on its own.
    ///
    /// ```
    /// use ops_runtime::Endpoint;
    /// let website = ops_interfaces::http::HttpProvider::new(Endpoint::new_unchecked("website"));
    /// assert_eq!(website.endpoint().name(), "website");
    /// ```
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            port: None,
            hostname: None,
        }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// Publishes `port`.
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the port, for a charm that learns it in a handler; publish it with
    /// [`publish`](Self::publish).
    pub fn set_port(&mut self, port: u16) {
        self.port = Some(port);
    }

    /// Publishes `hostname` instead of the unit's address.
    #[must_use]
    pub fn with_hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// Writes this unit's bag on every relation of the endpoint; nothing until
    /// the port is known.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn publish(&self, cx: &mut HookContext) -> Result<(), HttpError> {
        for relation in cx.relations(self.endpoint)? {
            self.publish_to(cx, &relation)?;
        }
        Ok(())
    }

    fn publish_to(&self, cx: &mut HookContext, relation: &RelationRef) -> Result<(), HttpError> {
        let Some(port) = self.port else {
            return Ok(());
        };
        let network = cx.network(Binding::new_unchecked(self.endpoint.name()), Some(relation))?;
        let address = network
            .ingress_address()
            .or_else(|| network.bind_address())
            .unwrap_or_default()
            .to_owned();
        let mut data = ProviderUnitData::new(address, port);
        if let Some(hostname) = &self.hostname {
            data.hostname.clone_from(hostname);
        }
        cx.update_relation_data(relation, Bag::Unit, data.to_databag())?;
        Ok(())
    }
}

impl Component for HttpProvider {
    const EVENTS: &'static [&'static str] = &[];
    const INTERFACE: Option<Interface> = Some(Interface::provides(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        _emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        if let Event::RelationJoined(e) = event
            && e.relation.endpoint == self.endpoint.name()
        {
            self.publish_to(cx, &e.relation)?;
        }
        Ok(())
    }
}
