//! The `tracing` interface, version 2: a charm (the **requirer**, endpoint
//! `tracing` or `charm-tracing` by convention) asks a trace collector (Tempo,
//! or an OpenTelemetry collector relaying to it: the **provider**) for the
//! receivers it will push spans with, and reads their URLs.
//!
//! The requirer's leader writes `receivers`, a JSON list of protocol names,
//! into its application bag; the provider's leader answers with `receivers`, a
//! JSON list of `{"protocol": {"name", "type"}, "url"}`, every receiver it
//! runs. Both writers clear their bag first. Only the five protocol names of
//! [`Protocol`] may be requested: a Python provider that meets any other
//! rejects the whole request and does not answer.
//!
//! ```
//! use ops_interfaces::tracing::{Protocol, ProviderAppData, Receiver, RequirerAppData};
//!
//! let request = RequirerAppData::new([Protocol::OtlpHttp, Protocol::OtlpGrpc]);
//! assert_eq!(request.to_databag()["receivers"], r#"["otlp_http", "otlp_grpc"]"#);
//!
//! let answer = ProviderAppData {
//!     receivers: vec![
//!         Receiver::new(Protocol::OtlpHttp, "http://tempo-0.tempo-endpoints:4318"),
//!         Receiver::new(Protocol::OtlpGrpc, "tempo-0.tempo-endpoints:4317"),
//!     ],
//! };
//! let bag = answer.to_databag();
//! assert_eq!(
//!     bag["receivers"],
//!     r#"[{"protocol": {"name": "otlp_http", "type": "http"}, "url": "http://tempo-0.tempo-endpoints:4318"}, {"protocol": {"name": "otlp_grpc", "type": "grpc"}, "url": "tempo-0.tempo-endpoints:4317"}]"#
//! );
//! let read = ProviderAppData::from_databag(&bag).unwrap();
//! assert_eq!(read.url(Protocol::OtlpGrpc), Some("tempo-0.tempo-endpoints:4317"));
//! ```

use std::fmt;

use ops_runtime::event::RelationRef;
use ops_runtime::{
    Bag, CharmError, Component, CustomEvent, Databag, Emitter, Endpoint, Event, HookContext,
    Interface, LogLevel, Member, ModelError,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cos::{DataError, RelationDataError, kind, parse_json, py_json_of};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "tracing";

/// The conventional requirer endpoint.
pub const DEFAULT_ENDPOINT: &str = "tracing";

/// A receiver protocol a requirer may ask for: exactly the names the Python
/// provider accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// `zipkin`, over HTTP.
    Zipkin,
    /// `otlp_grpc`, OTLP over gRPC.
    OtlpGrpc,
    /// `otlp_http`, OTLP over HTTP (what charm tracing uses).
    OtlpHttp,
    /// `jaeger_grpc`, over gRPC.
    JaegerGrpc,
    /// `jaeger_thrift_http`, over HTTP.
    JaegerThriftHttp,
}

impl Protocol {
    /// Every protocol.
    pub const ALL: [Protocol; 5] = [
        Protocol::Zipkin,
        Protocol::OtlpGrpc,
        Protocol::OtlpHttp,
        Protocol::JaegerGrpc,
        Protocol::JaegerThriftHttp,
    ];

    /// Its name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Zipkin => "zipkin",
            Protocol::OtlpGrpc => "otlp_grpc",
            Protocol::OtlpHttp => "otlp_http",
            Protocol::JaegerGrpc => "jaeger_grpc",
            Protocol::JaegerThriftHttp => "jaeger_thrift_http",
        }
    }

    /// The protocol named `name`, if it is one of the five.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Its transport: gRPC for `otlp_grpc` and `jaeger_grpc`, HTTP otherwise.
    pub const fn transport(self) -> Transport {
        match self {
            Protocol::OtlpGrpc | Protocol::JaegerGrpc => Transport::Grpc,
            _ => Transport::Http,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a receiver is reached: a gRPC URL has no scheme (`host:port`), an
/// HTTP one does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// `http`.
    Http,
    /// `grpc`.
    Grpc,
}

/// The requirer's application bag: the protocols it will push with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirerAppData {
    /// The protocols requested, in order, without repeats.
    pub receivers: Vec<Protocol>,
}

impl RequirerAppData {
    /// A request for `protocols` (repeats dropped, first occurrence kept).
    pub fn new(protocols: impl IntoIterator<Item = Protocol>) -> Self {
        let mut receivers = Vec::new();
        for p in protocols {
            if !receivers.contains(&p) {
                receivers.push(p);
            }
        }
        Self { receivers }
    }

    /// The bag: `receivers` alone (the writer clears the bag first).
    pub fn to_databag(&self) -> Databag {
        [("receivers".to_owned(), py_json_of(&self.receivers, false))].into()
    }

    /// Reads the bag as the provider does.
    ///
    /// # Errors
    ///
    /// `receivers` is missing, not a JSON list of strings, empty, or names a
    /// protocol outside [`Protocol::ALL`].
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let text = bag
            .get("receivers")
            .ok_or_else(|| DataError::new("receivers", "missing"))?;
        let Value::Array(items) = parse_json("receivers", text)? else {
            return Err(DataError::new("receivers", "not a JSON list"));
        };
        if items.is_empty() {
            return Err(DataError::new("receivers", "an empty list"));
        }
        let mut receivers = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let Value::String(name) = item else {
                return Err(DataError::new(
                    "receivers",
                    format!("item {i} is {}, not a string", kind(item)),
                ));
            };
            let protocol = Protocol::from_name(name).ok_or_else(|| {
                DataError::new("receivers", format!("item {i} is not a known protocol"))
            })?;
            receivers.push(protocol);
        }
        Ok(Self::new(receivers))
    }
}

/// One receiver the provider runs: its protocol and URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receiver {
    /// The protocol (its name may be one this crate does not know).
    pub protocol: ReceiverProtocol,
    /// `http(s)://host:port` for HTTP, `host:port` for gRPC.
    pub url: String,
}

/// A receiver's protocol as the provider describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverProtocol {
    /// The name (`otlp_http`...).
    pub name: String,
    /// The transport.
    #[serde(rename = "type")]
    pub transport: Transport,
}

impl Receiver {
    /// A receiver of `protocol` at `url`.
    pub fn new(protocol: Protocol, url: impl Into<String>) -> Self {
        Self {
            protocol: ReceiverProtocol {
                name: protocol.as_str().to_owned(),
                transport: protocol.transport(),
            },
            url: url.into(),
        }
    }
}

/// The provider's application bag: every receiver it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAppData {
    /// The receivers.
    pub receivers: Vec<Receiver>,
}

impl ProviderAppData {
    /// The bag: `receivers` alone.
    pub fn to_databag(&self) -> Databag {
        [("receivers".to_owned(), py_json_of(&self.receivers, false))].into()
    }

    /// Reads the bag as the requirer does.
    ///
    /// # Errors
    ///
    /// `receivers` is missing, or not a JSON list of
    /// `{"protocol": {"name": str, "type": "http"|"grpc"}, "url": str}`.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let text = bag
            .get("receivers")
            .ok_or_else(|| DataError::new("receivers", "missing"))?;
        let Value::Array(items) = parse_json("receivers", text)? else {
            return Err(DataError::new("receivers", "not a JSON list"));
        };
        let mut receivers = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let receiver: Receiver = serde_json::from_value(item).map_err(|_| {
                DataError::new(
                    "receivers",
                    format!("item {i} is not {{\"protocol\": {{\"name\", \"type\"}}, \"url\"}}"),
                )
            })?;
            receivers.push(receiver);
        }
        Ok(Self { receivers })
    }

    /// The URL of the receiver for `protocol`, if the provider runs one.
    pub fn url(&self, protocol: Protocol) -> Option<&str> {
        self.receivers
            .iter()
            .find(|r| r.protocol.name == protocol.as_str())
            .map(|r| r.url.as_str())
    }
}

// ---------------------------------------------------------------------------
// The requirer component

/// The provider published receivers (or changed them): the payload of
/// `<component>::endpoint_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointChanged {
    /// The relation.
    pub relation: RelationRef,
    /// Every receiver the provider runs.
    pub receivers: Vec<Receiver>,
}

impl CustomEvent for EndpointChanged {
    const NAME: &'static str = "endpoint_changed";
}

/// The provider's receivers are gone (relation broken) or no longer valid:
/// the payload of `<component>::endpoint_removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointRemoved {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for EndpointRemoved {
    const NAME: &'static str = "endpoint_removed";
}

/// An error of [`TracingEndpointRequirer`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TracingError {
    /// The provider's databag does not follow the interface.
    #[error(transparent)]
    InvalidData(#[from] RelationDataError),
    /// The charm asked for the URL of a protocol it did not request.
    #[error("protocol `{0}` was not requested; add it to the requirer's protocols")]
    NotRequested(Protocol),
    /// A hook tool or an access rule failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The requirer side of `tracing` v2, as a component: its leader requests the
/// protocols it was given (from relation-created on, and on leader-elected,
/// upgrade-charm and config-changed), and it emits [`EndpointChanged`] when
/// the provider publishes valid receivers and [`EndpointRemoved`] when they
/// become invalid or the relation is broken. Read a URL with
/// [`url`](Self::url).
///
/// ```
/// use ops_interfaces::tracing::{EndpointChanged, Protocol, TracingEndpointRequirer};
/// use ops_interfaces::testing::tracing as remote;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Zinc {
///     tracing: TracingEndpointRequirer,
/// }
///
/// #[charm(
///     components(tracing: TracingEndpointRequirer = "tracing"),
///     metadata_source = "name: zinc\nrequires:\n  tracing:\n    interface: tracing\n    limit: 1\n"
/// )]
/// impl Zinc {
///     #[on(tracing::endpoint_changed)]
///     fn traced(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
///         let url = self.tracing.url(cx, Protocol::OtlpHttp)?.unwrap_or_default();
///         cx.set_unit_status(Status::active(format!("tracing to {url}")))?;
///         Ok(())
///     }
/// }
///
/// let tempo = remote::provider("tracing", 1, &[(Protocol::OtlpHttp, "http://tempo:4318")]);
/// let state = State::new().with_leader(true).with_relation(tempo.clone());
/// let out = Context::<Zinc>::new().run(tempo.changed_event(None), state).unwrap();
/// assert_eq!(out.unit_status, Status::active("tracing to http://tempo:4318"));
/// assert_eq!(remote::requested(out.relation(1).unwrap()).unwrap(), [Protocol::OtlpHttp]);
/// ```
///
/// Bound to an endpoint of another interface, it does not compile:
///
/// ```compile_fail
/// use ops_interfaces::tracing::TracingEndpointRequirer;
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Zinc {
///     tracing: TracingEndpointRequirer,
/// }
///
/// // error: component `tracing` (`TracingEndpointRequirer`) is bound to endpoint
/// // `logging`, whose interface is `loki_push_api`, but `TracingEndpointRequirer`
/// // speaks `tracing`
/// #[charm(
///     components(tracing: TracingEndpointRequirer = "logging"),
///     metadata_source = "name: zinc\nrequires:\n  logging:\n    interface: loki_push_api\n"
/// )]
/// impl Zinc {}
/// ```
#[derive(Debug, Clone)]
pub struct TracingEndpointRequirer {
    endpoint: Endpoint,
    protocols: Vec<Protocol>,
}

impl Default for TracingEndpointRequirer {
    /// A requirer on the conventional endpoint, `tracing`, asking for
    /// `otlp_http` (what charm tracing sends).
    fn default() -> Self {
        Self::new(
            Endpoint::new_unchecked(DEFAULT_ENDPOINT),
            [Protocol::OtlpHttp],
        )
    }
}

impl TracingEndpointRequirer {
    /// A requirer on `endpoint` asking for `protocols` (at least one; none
    /// means `otlp_http`).
    pub fn new(endpoint: Endpoint, protocols: impl IntoIterator<Item = Protocol>) -> Self {
        let mut request = RequirerAppData::new(protocols);
        if request.receivers.is_empty() {
            request.receivers.push(Protocol::OtlpHttp);
        }
        Self {
            endpoint,
            protocols: request.receivers,
        }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The protocols it requests.
    pub fn protocols(&self) -> &[Protocol] {
        &self.protocols
    }

    /// Writes the request into every relation's application bag, clearing
    /// any other key (leader only; a no-op on other units).
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn request(&self, cx: &mut HookContext) -> Result<(), ModelError> {
        if !cx.is_leader()? {
            return Ok(());
        }
        for relation in cx.relations(self.endpoint)? {
            self.request_on(cx, &relation)?;
        }
        Ok(())
    }

    fn request_as_leader(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<(), ModelError> {
        if cx.is_leader()? {
            self.request_on(cx, relation)?;
        }
        Ok(())
    }

    fn request_on(&self, cx: &mut HookContext, relation: &RelationRef) -> Result<(), ModelError> {
        let wanted = RequirerAppData::new(self.protocols.iter().copied()).to_databag();
        let current = cx.relation_data(relation, &Member::LocalApp)?;
        let mut changes: Vec<(String, String)> = current
            .keys()
            .filter(|k| !wanted.contains_key(*k))
            .map(|k| (k.clone(), String::new()))
            .collect();
        changes.extend(wanted);
        cx.update_relation_data(relation, Bag::App, changes)
    }

    /// The provider's receivers on the endpoint's relation (the first, if
    /// several); `None` before it published any.
    ///
    /// # Errors
    ///
    /// The provider's bag does not follow the interface, or a hook tool failed.
    pub fn receivers(&self, cx: &mut HookContext) -> Result<Option<ProviderAppData>, TracingError> {
        let Some(relation) = cx.relations(self.endpoint)?.into_iter().next() else {
            return Ok(None);
        };
        read_provider(cx, &relation)
    }

    /// The URL of the provider's receiver for `protocol`; `None` when there
    /// is no relation yet or the provider does not run that receiver (a relay
    /// may not be connected upstream yet).
    ///
    /// # Errors
    ///
    /// `protocol` is not among the requested ones, the provider's bag does not
    /// follow the interface, or a hook tool failed.
    pub fn url(
        &self,
        cx: &mut HookContext,
        protocol: Protocol,
    ) -> Result<Option<String>, TracingError> {
        if !self.protocols.contains(&protocol) {
            return Err(TracingError::NotRequested(protocol));
        }
        Ok(self
            .receivers(cx)?
            .and_then(|data| data.url(protocol).map(str::to_owned)))
    }

    /// Whether the provider published valid receivers.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn is_ready(&self, cx: &mut HookContext) -> Result<bool, ModelError> {
        match self.receivers(cx) {
            Ok(data) => Ok(data.is_some()),
            Err(TracingError::Model(e)) => Err(e),
            Err(_) => Ok(false),
        }
    }
}

/// The provider's bag of `relation`, `None` when it is empty.
fn read_provider(
    cx: &mut HookContext,
    relation: &RelationRef,
) -> Result<Option<ProviderAppData>, TracingError> {
    let bag = cx.relation_data(relation, &Member::RemoteApp)?;
    if !bag.contains_key("receivers") {
        return Ok(None);
    }
    ProviderAppData::from_databag(&bag)
        .map(Some)
        .map_err(|e| e.at(relation, &Member::RemoteApp).into())
}

impl Component for TracingEndpointRequirer {
    const EVENTS: &'static [&'static str] = &[EndpointChanged::NAME, EndpointRemoved::NAME];
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
            Event::RelationCreated(e) if e.relation.endpoint == name => {
                self.request_as_leader(cx, &e.relation)?;
            }
            Event::RelationJoined(e) if e.relation.endpoint == name => {
                self.request_as_leader(cx, &e.relation)?;
            }
            Event::RelationChanged(e) if e.relation.endpoint == name => {
                self.request_as_leader(cx, &e.relation)?;
                match read_provider(cx, &e.relation) {
                    Ok(Some(data)) => emit.emit(&EndpointChanged {
                        relation: e.relation.clone(),
                        receivers: data.receivers,
                    })?,
                    Ok(None) => emit.emit(&EndpointRemoved {
                        relation: e.relation.clone(),
                    })?,
                    Err(TracingError::Model(error)) => return Err(error.into()),
                    Err(error) => {
                        cx.juju_log(LogLevel::Warning, &format!("tracing: {error}"))?;
                        emit.emit(&EndpointRemoved {
                            relation: e.relation.clone(),
                        })?;
                    }
                }
            }
            Event::RelationBroken(e) if e.relation.endpoint == name => {
                emit.emit(&EndpointRemoved {
                    relation: e.relation.clone(),
                })?;
            }
            Event::LeaderElected | Event::UpgradeCharm | Event::ConfigChanged => {
                self.request(cx)?;
            }
            _ => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Charm tracing

/// Charm tracing in one line: a [`TracingEndpointRequirer`] that also keeps
/// the runtime's tracing destination
/// ([`HookContext::set_tracing_destination`]) in step with the relation, as
/// ops's `ops.tracing.Tracing` does. It requests `otlp_http`; when the
/// provider publishes that receiver, the destination becomes
/// `<url>/v1/traces` (on relation-changed, and again on start and
/// upgrade-charm); when the receivers go (relation-broken, an emptied or
/// invalid bag) it is cleared. From then on `ops-runtime` sends each hook's
/// spans there (see `ops_runtime::telemetry` for what is sent and the bounds
/// in time and disk). It emits the requirer's events too.
///
/// Behind the `charm-tracing` feature, which turns on `ops-runtime`'s
/// `tracing` feature (the exporter). The endpoint is conventionally
/// `charm-tracing` (`interface: tracing`, `limit: 1`, `optional: true`).
///
/// ```
/// use ops_interfaces::testing::tracing as remote;
/// use ops_interfaces::tracing::{CharmTracing, Protocol};
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Zinc {
///     charm_tracing: CharmTracing,
/// }
///
/// #[charm(
///     components(charm_tracing: CharmTracing = "charm-tracing"),
///     metadata_source = "name: zinc\nrequires:\n  charm-tracing:\n    interface: tracing\n    limit: 1\n"
/// )]
/// impl Zinc {}
///
/// let tempo = remote::provider("charm-tracing", 1, &[(Protocol::OtlpHttp, "http://tempo:4318")]);
/// let state = State::new().with_leader(true).with_relation(tempo.clone());
/// let mut ctx = Context::<Zinc>::new();
/// let out = ctx.run(tempo.changed_event(None), state).unwrap();
/// let destination = ctx.tracing_destination().unwrap();
/// assert_eq!(destination.url(), "http://tempo:4318/v1/traces");
/// // It asked for the receiver it sends to.
/// assert_eq!(remote::requested(out.relation(1).unwrap()).unwrap(), [Protocol::OtlpHttp]);
///
/// ctx.run(tempo.broken_event(), out).unwrap();
/// assert_eq!(ctx.tracing_destination(), None);
/// ```
#[cfg(feature = "charm-tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "charm-tracing")))]
#[derive(Debug, Clone)]
pub struct CharmTracing {
    requirer: TracingEndpointRequirer,
    ca: Option<String>,
}

#[cfg(feature = "charm-tracing")]
impl Default for CharmTracing {
    /// Charm tracing on the conventional endpoint, `charm-tracing`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(CHARM_TRACING_ENDPOINT))
    }
}

/// The conventional endpoint of charm tracing.
#[cfg(feature = "charm-tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "charm-tracing")))]
pub const CHARM_TRACING_ENDPOINT: &str = "charm-tracing";

#[cfg(feature = "charm-tracing")]
impl CharmTracing {
    /// Charm tracing on `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            requirer: TracingEndpointRequirer::new(endpoint, [Protocol::OtlpHttp]),
            ca: None,
        }
    }

    /// Trusts the certificates of `pem` (a PEM bundle) for an `https://`
    /// receiver, as ops's `ca_data`.
    #[must_use]
    pub fn with_ca(mut self, pem: impl Into<String>) -> Self {
        self.ca = Some(pem.into());
        self
    }

    /// The requirer underneath (its endpoint, its receivers).
    pub fn requirer(&self) -> &TracingEndpointRequirer {
        &self.requirer
    }

    /// The destination the relation gives now: the provider's `otlp_http`
    /// receiver with `/v1/traces`; `None` without a relation, a published
    /// receiver, or a usable URL (logged).
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn destination(
        &self,
        cx: &mut HookContext,
    ) -> Result<Option<ops_runtime::TracingDestination>, ModelError> {
        let url = match self.requirer.url(cx, Protocol::OtlpHttp) {
            Ok(url) => url,
            Err(TracingError::Model(error)) => return Err(error),
            Err(error) => {
                cx.juju_log(LogLevel::Warning, &format!("charm tracing: {error}"))?;
                None
            }
        };
        let Some(url) = url else { return Ok(None) };
        let destination = ops_runtime::TracingDestination::otlp_http(&url).and_then(|d| {
            match (&self.ca, d.is_https()) {
                (Some(ca), true) => d.with_ca(ca.clone()),
                _ => Ok(d),
            }
        });
        match destination {
            Ok(destination) => Ok(Some(destination)),
            Err(error) => {
                cx.juju_log(LogLevel::Warning, &format!("charm tracing: {error}"))?;
                Ok(None)
            }
        }
    }

    /// Sets the runtime's destination to what the relation gives now.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn reconcile(&self, cx: &mut HookContext) -> Result<(), ModelError> {
        let destination = self.destination(cx)?;
        cx.set_tracing_destination(destination);
        Ok(())
    }
}

#[cfg(feature = "charm-tracing")]
impl Component for CharmTracing {
    const EVENTS: &'static [&'static str] = TracingEndpointRequirer::EVENTS;
    const INTERFACE: Option<Interface> = TracingEndpointRequirer::INTERFACE;

    fn bind(&mut self, endpoint: Endpoint) {
        self.requirer.bind(endpoint);
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        self.requirer.observe(cx, event, emit)?;
        let name = self.requirer.endpoint().name();
        match event {
            Event::RelationChanged(e) if e.relation.endpoint == name => self.reconcile(cx)?,
            Event::RelationBroken(e) if e.relation.endpoint == name => {
                cx.set_tracing_destination(None);
            }
            Event::Start | Event::UpgradeCharm => self.reconcile(cx)?,
            _ => {}
        }
        Ok(())
    }
}
