//! The `loki_push_api` interface (library v1): Loki (the **provider**) tells
//! log senders (the **requirers**, endpoint `logging` by convention) where to
//! push logs, and senders give Loki their topology and LogQL alert rules.
//!
//! Every Loki unit writes `endpoint`, JSON `{"url": "<base>/loki/api/v1/push"}`,
//! into its unit bag (and its FQDN as `public_address`, raw); Loki's leader
//! may write `event`, `{"errors": "..."}`, when a sender's rules do not
//! validate. The sender's leader writes `metadata` (its [`JujuTopology`] as
//! JSON) and `alert_rules` (a rule file as JSON with sorted keys, topology
//! injected, see [`AlertRules`]).
//!
//! A sender reads every Loki unit's URL; [`log_targets`]
//! turns them into Pebble log targets.
//!
//! ```
//! use ops_interfaces::loki_push_api::ProviderUnitData;
//!
//! let unit = ProviderUnitData::new("http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push");
//! let bag = unit.to_databag();
//! assert_eq!(
//!     bag["endpoint"],
//!     r#"{"url": "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push"}"#
//! );
//! assert_eq!(ProviderUnitData::from_databag(&bag).unwrap(), unit);
//! ```
//!
//! [`AlertRules`]: crate::cos::AlertRules

use std::collections::BTreeMap;
use std::path::PathBuf;

use ops_runtime::event::RelationRef;
use ops_runtime::pebble::{Layer, LogTarget, LogTargetType, Override, Plan};
use ops_runtime::{
    Bag, CharmError, Component, CustomEvent, Databag, Emitter, Endpoint, Event, HookContext,
    Interface, LogLevel, Member, ModelError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cos::{
    AlertRules, DataError, JujuTopology, QueryLanguage, departing_unit, kind, parse_json, py_json,
    py_json_of, typed,
};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "loki_push_api";

/// The conventional endpoint, on both sides.
pub const DEFAULT_ENDPOINT: &str = "logging";

/// Where a sender's alert rules are read from by default, relative to the
/// charm's directory.
pub const DEFAULT_ALERT_RULES_DIR: &str = "src/loki_alert_rules";

/// The longest push URL accepted.
const MAX_URL_BYTES: usize = 2048;

// ---------------------------------------------------------------------------
// Loki's bags

/// A Loki unit's bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUnitData {
    /// The push URL (`endpoint`'s `url`).
    pub url: String,
    /// The unit's FQDN (`public_address`, legacy); empty for none.
    pub public_address: String,
}

#[derive(Serialize, Deserialize)]
struct EndpointJson {
    url: String,
}

impl ProviderUnitData {
    /// A unit that takes logs at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            public_address: String::new(),
        }
    }

    /// The bag: `endpoint` JSON, `public_address` raw (omitted when empty).
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert(
            "endpoint".into(),
            py_json_of(
                &EndpointJson {
                    url: self.url.clone(),
                },
                false,
            ),
        );
        if !self.public_address.is_empty() {
            bag.insert("public_address".into(), self.public_address.clone());
        }
        bag
    }

    /// Reads a Loki unit's bag.
    ///
    /// # Errors
    ///
    /// `endpoint` is missing, not a JSON object with a string `url`, or its
    /// URL is not `http(s)://...`.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let text = bag
            .get("endpoint")
            .ok_or_else(|| DataError::new("endpoint", "missing"))?;
        let endpoint: EndpointJson = typed("endpoint", parse_json("endpoint", text)?)?;
        if endpoint.url.len() > MAX_URL_BYTES {
            return Err(DataError::new("endpoint", "a URL longer than 2048 bytes"));
        }
        if !(endpoint.url.starts_with("http://") || endpoint.url.starts_with("https://")) {
            return Err(DataError::new(
                "endpoint",
                "a URL that is not http:// or https://",
            ));
        }
        Ok(Self {
            url: endpoint.url,
            public_address: bag.get("public_address").cloned().unwrap_or_default(),
        })
    }
}

/// Loki's application bag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProviderAppData {
    /// Where promtail can be downloaded (`promtail_binary_zip_url`), kept as
    /// JSON: only promtail-based senders use it.
    pub promtail_binary_zip_url: Option<Value>,
    /// The validation of this sender's rules (`event`'s `errors`); `None`
    /// when Loki reported none.
    pub errors: Option<String>,
}

impl ProviderAppData {
    /// The bag.
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        if let Some(url) = &self.promtail_binary_zip_url {
            bag.insert("promtail_binary_zip_url".into(), py_json(url, false));
        }
        let mut event = Map::new();
        if let Some(errors) = &self.errors {
            event.insert("errors".into(), errors.clone().into());
        }
        bag.insert("event".into(), py_json(&Value::Object(event), false));
        bag
    }

    /// Reads Loki's application bag.
    ///
    /// # Errors
    ///
    /// A key is not the JSON the interface says.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let promtail_binary_zip_url = bag
            .get("promtail_binary_zip_url")
            .map(|t| parse_json("promtail_binary_zip_url", t))
            .transpose()?;
        let errors = match bag.get("event") {
            None => None,
            Some(text) => match parse_json("event", text)? {
                Value::Object(map) => match map.get("errors") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(e)) if e.is_empty() => None,
                    Some(Value::String(e)) => Some(e.clone()),
                    Some(other) => {
                        return Err(DataError::new(
                            "event",
                            format!("`errors` is {}, not a string", kind(other)),
                        ));
                    }
                },
                other => {
                    return Err(DataError::new(
                        "event",
                        format!("{}, not an object", kind(&other)),
                    ));
                }
            },
        };
        Ok(Self {
            promtail_binary_zip_url,
            errors,
        })
    }
}

// ---------------------------------------------------------------------------
// The sender's bag

/// A log sender's application bag (its leader writes it).
#[derive(Debug, Clone, PartialEq)]
pub struct RequirerAppData {
    /// The sender's topology (`metadata`).
    pub metadata: JujuTopology,
    /// Its LogQL alert rules (`alert_rules`): `{"groups": [...]}` or `{}`.
    pub alert_rules: Value,
}

impl RequirerAppData {
    /// The bag: `metadata` and `alert_rules` (keys sorted, as the Python
    /// library writes it).
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("metadata".into(), self.metadata.to_json());
        bag.insert("alert_rules".into(), py_json(&self.alert_rules, true));
        bag
    }

    /// Reads a sender's bag as Loki does.
    ///
    /// # Errors
    ///
    /// `metadata` is missing or not a topology, or `alert_rules` is not a
    /// JSON object.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let metadata = bag
            .get("metadata")
            .ok_or_else(|| DataError::new("metadata", "missing"))?;
        let metadata = JujuTopology::from_json("metadata", metadata)?;
        let alert_rules = match bag.get("alert_rules") {
            None => Value::Object(Map::new()),
            Some(text) => match parse_json("alert_rules", text)? {
                value @ Value::Object(_) => value,
                other => {
                    return Err(DataError::new(
                        "alert_rules",
                        format!("{}, not an object", kind(&other)),
                    ));
                }
            },
        };
        Ok(Self {
            metadata,
            alert_rules,
        })
    }
}

// ---------------------------------------------------------------------------
// Pebble log forwarding

/// The label of the Pebble layer that holds the log targets of `container`:
/// `<container>-log-forwarding`, as the Python library names it.
pub fn log_forwarding_layer_label(container: &str) -> String {
    format!("{container}-log-forwarding")
}

/// The Pebble layer that forwards every service's logs to each of `endpoints`
/// (Loki unit name → push URL) and stops forwarding to each target of `plan`
/// (the container's current plan) that is a Loki target no longer among them.
///
/// Each target is named after the Loki unit, replaces any earlier one of that
/// name (`override: replace`), and labels every record with the topology
/// (`product: Juju`, `charm`, `juju_model`, `juju_model_uuid`,
/// `juju_application`, `juju_unit`); a stopped target keeps its name with
/// `services: [-all]`, as the Python library leaves it.
///
/// ```
/// use std::collections::BTreeMap;
/// use ops_interfaces::cos::JujuTopology;
/// use ops_interfaces::loki_push_api::log_targets;
/// use ops_runtime::pebble::Plan;
///
/// let topology = JujuTopology::new("cos", "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", "zinc", "zinc/0", "zinc-k8s");
/// let endpoints = BTreeMap::from([("loki/0".to_owned(), "http://loki-0:3100/loki/api/v1/push".to_owned())]);
/// let layer = log_targets(&endpoints, &topology, &Plan::default());
/// let target = &layer.log_targets["loki/0"];
/// assert_eq!(target.location.as_deref(), Some("http://loki-0:3100/loki/api/v1/push"));
/// assert_eq!(target.services, ["all"]);
/// assert_eq!(target.labels["juju_unit"], "zinc/0");
/// ```
pub fn log_targets(
    endpoints: &BTreeMap<String, String>,
    topology: &JujuTopology,
    plan: &Plan,
) -> Layer {
    let mut layer = Layer::default();
    for (name, target) in &plan.log_targets {
        let forwarding = !target.services.iter().any(|s| s == "-all");
        if target.target_type == Some(LogTargetType::Loki)
            && forwarding
            && !endpoints.contains_key(name)
        {
            layer.log_targets.insert(
                name.clone(),
                LogTarget {
                    override_: Some(Override::Replace),
                    target_type: Some(LogTargetType::Loki),
                    location: Some("(removed)".into()),
                    services: vec!["-all".into()],
                    labels: BTreeMap::new(),
                },
            );
        }
    }
    let labels: BTreeMap<String, String> = [
        ("product", "Juju"),
        ("charm", topology.charm_name.as_str()),
        ("juju_model", topology.model.as_str()),
        ("juju_model_uuid", topology.model_uuid.as_str()),
        ("juju_application", topology.application.as_str()),
        ("juju_unit", topology.unit.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (name, url) in endpoints {
        layer.log_targets.insert(
            name.clone(),
            LogTarget {
                override_: Some(Override::Replace),
                target_type: Some(LogTargetType::Loki),
                location: Some(url.clone()),
                services: vec!["all".into()],
                labels: labels.clone(),
            },
        );
    }
    layer
}

// ---------------------------------------------------------------------------
// The sender components

/// A Loki unit joined or changed its endpoint: the payload of
/// `<component>::endpoint_joined`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointJoined {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for EndpointJoined {
    const NAME: &'static str = "endpoint_joined";
}

/// A Loki unit left, or the relation is broken: the payload of
/// `<component>::endpoint_departed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointDeparted {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for EndpointDeparted {
    const NAME: &'static str = "endpoint_departed";
}

/// Loki reported on this charm's alert rules: the payload of
/// `<component>::alert_rule_status_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleStatusChanged {
    /// The relation.
    pub relation: RelationRef,
    /// Whether the rules validated.
    pub valid: bool,
    /// Loki's errors, empty when valid.
    pub errors: String,
}

impl CustomEvent for AlertRuleStatusChanged {
    const NAME: &'static str = "alert_rule_status_changed";
}

/// What both sender components share: the endpoint and the alert rules.
#[derive(Debug, Clone)]
struct Sender {
    endpoint: Endpoint,
    rules_dir: Option<PathBuf>,
    rule_sources: Vec<(String, String)>,
    /// The Loki unit departing in this hook, for the handlers of the custom
    /// events emitted in it.
    departing: Option<String>,
}

impl Sender {
    fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            rules_dir: Some(PathBuf::from(DEFAULT_ALERT_RULES_DIR)),
            rule_sources: Vec::new(),
            departing: None,
        }
    }

    /// Remembers the departing unit of a Juju event (not of a custom one).
    fn note(&mut self, event: &Event) {
        if !matches!(event, Event::Custom(_)) {
            self.departing = departing_unit(event);
        }
    }

    fn alert_rules(&self, cx: &mut HookContext) -> Result<AlertRules, ModelError> {
        let mut rules = AlertRules::new(QueryLanguage::LogQl, Some(JujuTopology::from_context(cx)));
        if let Some(dir) = &self.rules_dir {
            let dir = cx.juju().charm_dir.join(dir);
            if let Err(e) = rules.add_dir(&dir, true) {
                cx.juju_log(LogLevel::Warning, &format!("loki_push_api: {e}"))?;
            }
        }
        for (name, text) in &self.rule_sources {
            if let Err(e) = rules.add_source(name, "", text) {
                cx.juju_log(LogLevel::Warning, &format!("loki_push_api: {e}"))?;
            }
        }
        Ok(rules)
    }

    /// Writes `metadata` and `alert_rules` into `relations` (leader only).
    fn publish(&self, cx: &mut HookContext, relations: &[RelationRef]) -> Result<(), ModelError> {
        if relations.is_empty() || !cx.is_leader()? {
            return Ok(());
        }
        let data = RequirerAppData {
            metadata: JujuTopology::from_context(cx),
            alert_rules: self.alert_rules(cx)?.to_value(),
        };
        let bag = data.to_databag();
        for relation in relations {
            cx.update_relation_data(relation, Bag::App, bag.clone())?;
        }
        Ok(())
    }

    /// The push URL of every unit of every relation whose units all published
    /// a valid endpoint, by Loki unit name; a relation with a malformed
    /// endpoint is logged and left out.
    fn endpoints(&self, cx: &mut HookContext) -> Result<BTreeMap<String, String>, ModelError> {
        let departing = departing_unit(cx.event()).or_else(|| self.departing.clone());
        let mut out = BTreeMap::new();
        for relation in cx.relations(self.endpoint)? {
            let mut urls = BTreeMap::new();
            let mut ready = true;
            for unit in cx.relation_units(&relation)? {
                if departing.as_ref() == Some(&unit) {
                    continue;
                }
                let member = Member::Unit(unit.clone());
                let bag = cx.relation_data(&relation, &member)?;
                match ProviderUnitData::from_databag(&bag) {
                    Ok(data) => {
                        urls.insert(unit, data.url);
                    }
                    Err(e) => {
                        if bag.contains_key("endpoint") {
                            let e = e.at(&relation, &member);
                            cx.juju_log(LogLevel::Warning, &format!("loki_push_api: {e}"))?;
                        }
                        ready = false;
                    }
                }
            }
            if ready {
                out.extend(urls);
            }
        }
        Ok(out)
    }

    /// Handles the sender's share of `event`: publishing, and the events.
    fn observe(
        &self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let name = self.endpoint.name();
        match event {
            Event::RelationJoined(e) if e.relation.endpoint == name => {
                self.publish(cx, std::slice::from_ref(&e.relation))?;
                emit.emit(&EndpointJoined {
                    relation: e.relation.clone(),
                })?;
            }
            Event::RelationChanged(e) if e.relation.endpoint == name => {
                self.publish(cx, std::slice::from_ref(&e.relation))?;
                if e.unit.is_some() {
                    emit.emit(&EndpointJoined {
                        relation: e.relation.clone(),
                    })?;
                } else {
                    Self::report(cx, &e.relation, emit)?;
                }
            }
            Event::RelationDeparted(e) if e.relation.endpoint == name => {
                emit.emit(&EndpointDeparted {
                    relation: e.relation.clone(),
                })?;
            }
            Event::RelationBroken(e) if e.relation.endpoint == name => {
                emit.emit(&EndpointDeparted {
                    relation: e.relation.clone(),
                })?;
            }
            Event::UpgradeCharm | Event::ConfigChanged | Event::LeaderElected => {
                let relations = cx.relations(self.endpoint)?;
                self.publish(cx, &relations)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn report(
        cx: &mut HookContext,
        relation: &RelationRef,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        if !bag.contains_key("event") {
            return Ok(());
        }
        match ProviderAppData::from_databag(&bag) {
            Ok(data) => emit.emit(&AlertRuleStatusChanged {
                relation: relation.clone(),
                valid: data.errors.is_none(),
                errors: data.errors.unwrap_or_default(),
            }),
            Err(e) => {
                let e = e.at(relation, &Member::RemoteApp);
                cx.juju_log(LogLevel::Warning, &format!("loki_push_api: {e}"))?;
                Ok(())
            }
        }
    }
}

macro_rules! sender_builders {
    () => {
        /// The endpoint it speaks on.
        pub fn endpoint(&self) -> Endpoint {
            self.sender.endpoint
        }

        /// Reads LogQL rule files from `dir`, relative to the charm's
        /// directory (sub-directories too); `None` reads no directory.
        #[must_use]
        pub fn with_alert_rules_dir(mut self, dir: Option<PathBuf>) -> Self {
            self.sender.rules_dir = dir;
            self
        }

        /// Adds a LogQL rule file's text (from `include_str!`, say) named
        /// `file_name`.
        #[must_use]
        pub fn with_alert_rule(
            mut self,
            file_name: impl Into<String>,
            text: impl Into<String>,
        ) -> Self {
            self.sender
                .rule_sources
                .push((file_name.into(), text.into()));
            self
        }

        /// The alert rules this sender publishes, topology injected; files
        /// that could not be read are logged and left out.
        ///
        /// # Errors
        ///
        /// A hook tool failed (logging).
        pub fn alert_rules(&self, cx: &mut HookContext) -> Result<AlertRules, ModelError> {
            self.sender.alert_rules(cx)
        }

        /// The push URLs of the related Loki units, by unit name, from the
        /// relations whose units all published a valid endpoint.
        ///
        /// # Errors
        ///
        /// A hook tool failed.
        pub fn endpoints(
            &self,
            cx: &mut HookContext,
        ) -> Result<BTreeMap<String, String>, ModelError> {
            self.sender.endpoints(cx)
        }
    };
}

/// The log-sender side of `loki_push_api`, as a component: its leader
/// publishes the charm's topology and LogQL alert rules (on relation-joined
/// and -changed, upgrade-charm, config-changed and leader-elected), and it
/// emits [`EndpointJoined`], [`EndpointDeparted`] and
/// [`AlertRuleStatusChanged`]. The charm reads the push URLs with
/// [`endpoints`](Self::endpoints) and pushes logs itself; to have Pebble
/// forward the workloads' logs, use [`LogForwarder`].
///
/// ```
/// use ops_interfaces::loki_push_api::{EndpointJoined, LokiPushApiConsumer};
/// use ops_interfaces::testing::loki_push_api as remote;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Zinc {
///     logging: LokiPushApiConsumer,
/// }
///
/// #[charm(
///     components(logging: LokiPushApiConsumer = "logging"),
///     metadata_source = "name: zinc\nrequires:\n  logging:\n    interface: loki_push_api\n"
/// )]
/// impl Zinc {
///     #[on(logging::endpoint_joined)]
///     fn push_there(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
///         let urls: Vec<String> = self.logging.endpoints(cx)?.into_values().collect();
///         cx.set_unit_status(Status::active(urls.join(", ")))?;
///         Ok(())
///     }
/// }
///
/// let loki = remote::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"]);
/// let state = State::new().with_leader(true).with_relation(loki.clone());
/// let out = Context::<Zinc>::new().run(loki.joined_event("loki/0"), state).unwrap();
/// assert_eq!(out.unit_status, Status::active("http://loki-0:3100/loki/api/v1/push"));
/// assert_eq!(remote::sender(out.relation(1).unwrap()).unwrap().metadata.application, "zinc");
/// ```
#[derive(Debug, Clone)]
pub struct LokiPushApiConsumer {
    sender: Sender,
}

impl Default for LokiPushApiConsumer {
    /// A sender on the conventional endpoint, `logging`, with rules from
    /// `src/loki_alert_rules`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT))
    }
}

impl LokiPushApiConsumer {
    /// A sender on `endpoint`, with rules from `src/loki_alert_rules`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            sender: Sender::new(endpoint),
        }
    }

    sender_builders!();
}

impl Component for LokiPushApiConsumer {
    const EVENTS: &'static [&'static str] = &[
        EndpointJoined::NAME,
        EndpointDeparted::NAME,
        AlertRuleStatusChanged::NAME,
    ];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.sender.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        self.sender.note(event);
        self.sender.observe(cx, event, emit)
    }
}

/// Pebble log forwarding to Loki, as a component: everything
/// [`LokiPushApiConsumer`] does, and in every workload container Pebble can
/// be reached in, a layer `<container>-log-forwarding` with one Loki log
/// target per related Loki unit ([`log_targets`]), refreshed on the relation's
/// joined, changed, departed and broken events and on pebble-ready. Targets
/// of units that left, and all of them once the relation is gone, are
/// disabled (`services: [-all]`). Needs Juju 3.4 or later: on an older Juju
/// it logs a warning and leaves the containers alone.
///
/// A relation counts only once every Loki unit has published a valid
/// endpoint, as in the reference library.
///
/// ```
/// use ops_interfaces::loki_push_api::LogForwarder;
/// use ops_interfaces::testing::loki_push_api as remote;
/// use ops_runtime::testing::{Container, Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Zinc {
///     logging: LogForwarder,
/// }
///
/// #[charm(
///     components(logging: LogForwarder = "logging"),
///     metadata_source = "name: zinc\ncontainers:\n  zinc:\n    resource: zinc-image\nresources:\n  zinc-image:\n    type: oci-image\nrequires:\n  logging:\n    interface: loki_push_api\n"
/// )]
/// impl Zinc {}
///
/// let loki = remote::provider("logging", 1, &["http://loki-0:3100/loki/api/v1/push"]);
/// let state = State::new().with_relation(loki.clone()).with_container(Container::new("zinc"));
/// let out = Context::<Zinc>::new().run(loki.changed_event(Some("loki/0")), state).unwrap();
/// let plan = out.container("zinc").unwrap().plan().unwrap();
/// assert_eq!(plan.log_targets["loki/0"].services, ["all"]);
/// ```
#[derive(Debug, Clone)]
pub struct LogForwarder {
    sender: Sender,
}

impl Default for LogForwarder {
    /// A forwarder on the conventional endpoint, `logging`, with rules from
    /// `src/loki_alert_rules`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT))
    }
}

impl LogForwarder {
    /// A forwarder on `endpoint`, with rules from `src/loki_alert_rules`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            sender: Sender::new(endpoint),
        }
    }

    sender_builders!();

    /// Brings every reachable container's log targets in line with the
    /// related Loki units.
    ///
    /// # Errors
    ///
    /// A hook tool or a Pebble call failed.
    pub fn update(&self, cx: &mut HookContext) -> Result<(), ModelError> {
        if !cx.juju().version.supports_pebble_log_forwarding() {
            let version = cx.juju().version.to_string();
            return cx.juju_log(
                LogLevel::Warning,
                &format!("loki_push_api: Juju {version} has no Pebble log forwarding (3.4 or later needed); logs are not forwarded"),
            );
        }
        let endpoints = self.sender.endpoints(cx)?;
        let topology = JujuTopology::from_context(cx);
        for name in cx.meta().containers {
            let container = cx.container_by_name(name)?;
            if !container.can_connect() {
                continue;
            }
            let plan = container.plan()?;
            let layer = log_targets(&endpoints, &topology, &plan);
            if layer.log_targets.is_empty() {
                continue;
            }
            container.add_layer(&log_forwarding_layer_label(name), &layer, true)?;
        }
        Ok(())
    }
}

impl Component for LogForwarder {
    const EVENTS: &'static [&'static str] = &[
        EndpointJoined::NAME,
        EndpointDeparted::NAME,
        AlertRuleStatusChanged::NAME,
    ];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.sender.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        self.sender.note(event);
        let name = self.sender.endpoint.name();
        let relation_event = match event {
            Event::RelationJoined(e) => e.relation.endpoint == name,
            Event::RelationChanged(e) => e.relation.endpoint == name,
            Event::RelationDeparted(e) => e.relation.endpoint == name,
            Event::RelationBroken(e) => e.relation.endpoint == name,
            _ => false,
        };
        if relation_event || matches!(event, Event::PebbleReady(_)) {
            self.update(cx)?;
        }
        self.sender.observe(cx, event, emit)
    }
}
