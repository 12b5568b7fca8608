//! The `prometheus_scrape` interface, version 0: a charm that exposes metrics
//! (the **provider**, endpoint `metrics-endpoint` by convention) tells
//! Prometheus, or an agent that scrapes for it (the **requirer**), what to
//! scrape and which alert rules to evaluate.
//!
//! The provider's leader writes three keys into its application bag, each JSON
//! as Python's `json.dumps` writes it: `scrape_metadata` (the charm's
//! [`JujuTopology`]), `scrape_jobs` (Prometheus `scrape_config` objects, a
//! target host `*` standing for each unit) and `alert_rules` (a rule file with
//! the topology injected, see [`AlertRules`]). Every unit writes its address,
//! name and path prefix into its unit bag, as raw strings. The requirer writes
//! nothing but, when the rules or jobs do not validate, an `event` key that
//! the provider reads back.
//!
//! ```
//! use ops_interfaces::cos::JujuTopology;
//! use ops_interfaces::prometheus_scrape::{ProviderAppData, ProviderUnitData, ScrapeJob};
//!
//! let topology = JujuTopology::new("cos", "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", "zinc", "zinc/0", "zinc-k8s");
//! let app = ProviderAppData::new(topology, vec![ScrapeJob::wildcard("/metrics", 4000)]);
//! let bag = app.to_databag();
//! assert_eq!(bag["scrape_jobs"], r#"[{"metrics_path": "/metrics", "static_configs": [{"targets": ["*:4000"]}]}]"#);
//! assert_eq!(bag["alert_rules"], "{}");
//! assert_eq!(ProviderAppData::from_databag(&bag).unwrap(), app);
//!
//! let unit = ProviderUnitData::new("10.1.2.3", "zinc/0");
//! assert_eq!(unit.to_databag()["prometheus_scrape_unit_address"], "10.1.2.3");
//! ```
//!
//! [`AlertRules`]: crate::cos::AlertRules

use std::collections::BTreeMap;
use std::path::PathBuf;

use ops_runtime::event::RelationRef;
use ops_runtime::{
    Bag, CharmError, Component, CustomEvent, Databag, Emitter, Endpoint, Event, HookContext,
    Interface, LogLevel, Member, ModelError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cos::{
    AlertRules, DataError, JujuTopology, QueryLanguage, RelationDataError, departing_unit, kind,
    parse_json, py_json, py_json_of, typed,
};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "prometheus_scrape";

/// The conventional provider endpoint.
pub const DEFAULT_ENDPOINT: &str = "metrics-endpoint";

/// Where the provider's alert rules are read from by default, relative to the
/// charm's directory.
pub const DEFAULT_ALERT_RULES_DIR: &str = "src/prometheus_alert_rules";

/// The keys of a scrape job the requirer keeps; it drops any other.
pub const ALLOWED_JOB_KEYS: &[&str] = &[
    "job_name",
    "metrics_path",
    "static_configs",
    "scrape_interval",
    "scrape_timeout",
    "proxy_url",
    "relabel_configs",
    "metric_relabel_configs",
    "sample_limit",
    "label_limit",
    "label_name_length_limit",
    "label_value_length_limit",
    "scheme",
    "basic_auth",
    "tls_config",
    "authorization",
    "params",
];

// ---------------------------------------------------------------------------
// Scrape jobs

/// A group of targets in a scrape job: `host:port` strings (`*:port` for each
/// unit of the provider) and labels added to their metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticConfig {
    /// `host:port` targets; the host `*` means every unit of the provider.
    pub targets: Vec<String>,
    /// Labels added to every metric scraped from these targets.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// One Prometheus `scrape_config`: the common fields typed, any other kept
/// in [`extra`](Self::extra) (the requirer keeps only [`ALLOWED_JOB_KEYS`]).
///
/// ```
/// use ops_interfaces::prometheus_scrape::ScrapeJob;
///
/// let mut job = ScrapeJob::wildcard("/metrics", 9100);
/// job.job_name = Some("node".into());
/// job.extra.insert("scrape_interval".into(), "30s".into());
/// assert_eq!(
///     job.to_json(),
///     r#"{"job_name": "node", "metrics_path": "/metrics", "static_configs": [{"targets": ["*:9100"]}], "scrape_interval": "30s"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScrapeJob {
    /// The job's name (the requirer prefixes it with the topology).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_name: Option<String>,
    /// The HTTP path of the metrics (`/metrics` when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_path: Option<String>,
    /// The targets.
    #[serde(default)]
    pub static_configs: Vec<StaticConfig>,
    /// Other `scrape_config` keys, as JSON values, in their order.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ScrapeJob {
    /// A job scraping `path` on `port` of every unit: `*:<port>`.
    pub fn wildcard(path: impl Into<String>, port: u16) -> Self {
        Self {
            job_name: None,
            metrics_path: Some(path.into()),
            static_configs: vec![StaticConfig {
                targets: vec![format!("*:{port}")],
                labels: BTreeMap::new(),
            }],
            extra: Map::new(),
        }
    }

    /// The job the reference library sends when the charm gives none:
    /// `/metrics` on port 80 of every unit.
    pub fn default_job() -> Self {
        Self::wildcard("/metrics", 80)
    }

    /// The job as JSON, as Python writes it.
    pub fn to_json(&self) -> String {
        py_json_of(self, false)
    }
}

// ---------------------------------------------------------------------------
// The provider's bags

/// The provider's application bag (written by its leader).
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderAppData {
    /// The provider's topology (`scrape_metadata`; the unit is the leader's).
    pub scrape_metadata: JujuTopology,
    /// The scrape jobs (`scrape_jobs`).
    pub scrape_jobs: Vec<ScrapeJob>,
    /// The alert rules (`alert_rules`): `{"groups": [...]}`, or `{}`.
    pub alert_rules: Value,
}

impl ProviderAppData {
    /// The bag for `jobs` and no alert rules; no jobs means [`ScrapeJob::default_job`].
    pub fn new(scrape_metadata: JujuTopology, jobs: Vec<ScrapeJob>) -> Self {
        let scrape_jobs = if jobs.is_empty() {
            vec![ScrapeJob::default_job()]
        } else {
            jobs
        };
        Self {
            scrape_metadata,
            scrape_jobs,
            alert_rules: Value::Object(Map::new()),
        }
    }

    /// The three keys, each JSON as the Python library writes it.
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("scrape_metadata".into(), self.scrape_metadata.to_json());
        bag.insert("scrape_jobs".into(), py_json_of(&self.scrape_jobs, false));
        bag.insert("alert_rules".into(), py_json(&self.alert_rules, false));
        bag
    }

    /// Reads the bag; `alert_rules` may be missing (no rules).
    ///
    /// # Errors
    ///
    /// A key is missing or does not hold what the interface says.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let metadata = bag
            .get("scrape_metadata")
            .ok_or_else(|| DataError::new("scrape_metadata", "missing"))?;
        let scrape_metadata = JujuTopology::from_json("scrape_metadata", metadata)?;
        let jobs = bag
            .get("scrape_jobs")
            .ok_or_else(|| DataError::new("scrape_jobs", "missing"))?;
        let scrape_jobs = typed("scrape_jobs", parse_json("scrape_jobs", jobs)?)?;
        let alert_rules = match bag.get("alert_rules") {
            None => Value::Object(Map::new()),
            Some(text) => {
                let value = parse_json("alert_rules", text)?;
                match &value {
                    Value::Object(map) => match map.get("groups") {
                        None | Some(Value::Array(_)) => value,
                        Some(other) => {
                            return Err(DataError::new(
                                "alert_rules",
                                format!("`groups` is {}, not a list", kind(other)),
                            ));
                        }
                    },
                    other => {
                        return Err(DataError::new(
                            "alert_rules",
                            format!("{}, not an object", kind(other)),
                        ));
                    }
                }
            }
        };
        Ok(Self {
            scrape_metadata,
            scrape_jobs,
            alert_rules,
        })
    }

    /// The jobs with only the keys the requirer keeps ([`ALLOWED_JOB_KEYS`]).
    pub fn sanitized_jobs(&self) -> Vec<ScrapeJob> {
        self.scrape_jobs
            .iter()
            .map(|job| {
                let mut job = job.clone();
                job.extra
                    .retain(|k, _| ALLOWED_JOB_KEYS.contains(&k.as_str()));
                job
            })
            .collect()
    }
}

/// A provider unit's bag (every unit writes its own), raw strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderUnitData {
    /// Where the unit is scraped: an IP, an FQDN or an external host
    /// (`prometheus_scrape_unit_address`).
    pub address: String,
    /// The unit's name (`prometheus_scrape_unit_name`).
    pub name: String,
    /// A path prefix from an external URL, prepended to `metrics_path`
    /// (`prometheus_scrape_unit_path`); empty for none.
    pub path: String,
    /// The unit's FQDN when the address is an IP
    /// (`prometheus_scrape_unit_fqdn`); empty for none.
    pub fqdn: String,
}

impl ProviderUnitData {
    /// A unit at `address`, no path prefix or FQDN.
    pub fn new(address: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            name: name.into(),
            path: String::new(),
            fqdn: String::new(),
        }
    }

    /// The keys; empty ones are written empty, which deletes them.
    pub fn to_databag(&self) -> Databag {
        [
            ("prometheus_scrape_unit_address", &self.address),
            ("prometheus_scrape_unit_name", &self.name),
            ("prometheus_scrape_unit_path", &self.path),
            ("prometheus_scrape_unit_fqdn", &self.fqdn),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.clone()))
        .collect()
    }

    /// Reads unit `unit`'s bag as the requirer does: the address falls back
    /// to the legacy `prometheus_scrape_host`, the name to `unit`.
    ///
    /// # Errors
    ///
    /// Neither address key is set.
    pub fn from_databag(bag: &Databag, unit: &str) -> Result<Self, DataError> {
        let address = bag
            .get("prometheus_scrape_unit_address")
            .or_else(|| bag.get("prometheus_scrape_host"))
            .filter(|a| !a.is_empty())
            .ok_or_else(|| DataError::new("prometheus_scrape_unit_address", "missing"))?;
        let get = |key: &str| bag.get(key).cloned().unwrap_or_default();
        let name = bag
            .get("prometheus_scrape_unit_name")
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| unit.to_owned());
        Ok(Self {
            address: address.clone(),
            name,
            path: get("prometheus_scrape_unit_path"),
            fqdn: get("prometheus_scrape_unit_fqdn"),
        })
    }
}

// ---------------------------------------------------------------------------
// The requirer's `event` key

/// What the requirer reports about the provider's rules and jobs, in the
/// `event` key of its own application bag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Whether the alert rules validated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    /// The rules' errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<String>,
    /// The jobs' errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape_job_errors: Option<String>,
}

impl ValidationReport {
    /// The `event` key's value.
    pub fn to_json(&self) -> String {
        py_json_of(self, false)
    }

    /// Reads the requirer's application bag; `None` without an `event` key.
    ///
    /// # Errors
    ///
    /// `event` is not a JSON object of the fields above.
    pub fn from_databag(bag: &Databag) -> Result<Option<Self>, DataError> {
        match bag.get("event") {
            None => Ok(None),
            Some(text) => {
                let value = parse_json("event", text)?;
                typed("event", value).map(Some)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The provider component

/// How [`MetricsEndpointProvider::with_jobs_from`] works the scrape jobs out
/// in a hook: `None` when they cannot be (the charm's config is invalid, say).
pub type JobsFrom = fn(&mut HookContext) -> Option<Vec<ScrapeJob>>;

/// The requirer reported on the provider's alert rules: the payload of
/// `<component>::alert_rule_status_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRuleStatusChanged {
    /// The relation.
    pub relation: RelationRef,
    /// Whether the rules validated.
    pub valid: bool,
    /// The errors, empty when valid.
    pub errors: String,
}

impl CustomEvent for AlertRuleStatusChanged {
    const NAME: &'static str = "alert_rule_status_changed";
}

/// The requirer rejected scrape jobs: the payload of
/// `<component>::invalid_scrape_job`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvalidScrapeJob {
    /// The relation.
    pub relation: RelationRef,
    /// The requirer's errors.
    pub errors: String,
}

impl CustomEvent for InvalidScrapeJob {
    const NAME: &'static str = "invalid_scrape_job";
}

/// An error of the `prometheus_scrape` components.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrometheusScrapeError {
    /// The other side's databag does not follow the interface.
    #[error(transparent)]
    InvalidData(#[from] RelationDataError),
    /// A hook tool or an access rule failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// The provider side of `prometheus_scrape`, as a component: every unit
/// publishes where it is scraped, and the leader publishes the scrape jobs,
/// the charm's topology and its alert rules, on relation-joined and -changed,
/// and again on pebble-ready, update-status, config-changed, upgrade-charm
/// and leader-elected. It emits [`AlertRuleStatusChanged`] and
/// [`InvalidScrapeJob`] when Prometheus reports on them.
///
/// Alert rules come from `src/prometheus_alert_rules` under the charm's
/// directory (see [`with_alert_rules_dir`](Self::with_alert_rules_dir)) and
/// from texts the charm adds ([`with_alert_rule`](Self::with_alert_rule)),
/// with the topology injected ([`AlertRules`]), followed by the generic
/// `HostHealth` group
/// ([`with_host_health_rules`](Self::with_host_health_rules)). A rule file
/// that cannot be read is logged and left out.
///
/// ```
/// use ops_interfaces::prometheus_scrape::{MetricsEndpointProvider, ScrapeJob};
/// use ops_interfaces::testing::prometheus_scrape as remote;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// struct Zinc {
///     metrics: MetricsEndpointProvider,
/// }
///
/// impl Default for Zinc {
///     fn default() -> Self {
///         let metrics = MetricsEndpointProvider::default()
///             .with_jobs(vec![ScrapeJob::wildcard("/metrics", 4000)])
///             .with_alert_rule("down.rule", "alert: ZincDown\nexpr: up < 1\n");
///         Self { metrics }
///     }
/// }
///
/// #[charm(
///     components(metrics: MetricsEndpointProvider = "metrics-endpoint"),
///     metadata_source = "name: zinc\nprovides:\n  metrics-endpoint:\n    interface: prometheus_scrape\n"
/// )]
/// impl Zinc {}
///
/// let prometheus = remote::requirer("metrics-endpoint", 1);
/// let state = State::new().with_leader(true).with_relation(prometheus.clone());
/// let out = Context::<Zinc>::new().run(prometheus.joined_event("prometheus/0"), state).unwrap();
/// let published = remote::published(out.relation(1).unwrap()).unwrap();
/// assert_eq!(published.scrape_jobs[0].static_configs[0].targets, ["*:4000"]);
/// assert_eq!(published.alert_rules["groups"][0]["rules"][0]["labels"]["juju_charm"], "zinc");
/// ```
#[derive(Debug, Clone)]
pub struct MetricsEndpointProvider {
    endpoint: Endpoint,
    jobs: Vec<ScrapeJob>,
    jobs_from: Option<JobsFrom>,
    rules_dir: Option<PathBuf>,
    rule_sources: Vec<(String, String)>,
    external_url: Option<String>,
    host_health: bool,
}

impl Default for MetricsEndpointProvider {
    /// A provider on the conventional endpoint, `metrics-endpoint`, with the
    /// default job and the default rules directory.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT))
    }
}

impl MetricsEndpointProvider {
    /// A provider on `endpoint`, with the default job (`/metrics` on port 80
    /// of every unit) and rules from `src/prometheus_alert_rules`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            jobs: Vec::new(),
            jobs_from: None,
            rules_dir: Some(PathBuf::from(DEFAULT_ALERT_RULES_DIR)),
            rule_sources: Vec::new(),
            external_url: None,
            host_health: true,
        }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// Publishes `jobs` (none means the default job).
    #[must_use]
    pub fn with_jobs(mut self, jobs: Vec<ScrapeJob>) -> Self {
        self.jobs = jobs;
        self
    }

    /// Reads rule files from `dir`, relative to the charm's directory
    /// (sub-directories too); `None` reads no directory.
    #[must_use]
    pub fn with_alert_rules_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.rules_dir = dir;
        self
    }

    /// Adds a rule file's text (from `include_str!`, say) named `file_name`.
    #[must_use]
    pub fn with_alert_rule(
        mut self,
        file_name: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        self.rule_sources.push((file_name.into(), text.into()));
        self
    }

    /// Whether to add the generic `HostHealth` group
    /// ([`AlertRules::add_host_health`]), as the newer reference libraries do
    /// (default: yes).
    #[must_use]
    pub fn with_host_health_rules(mut self, add: bool) -> Self {
        self.host_health = add;
        self
    }

    /// Units are scraped through `url` (an ingress or proxy), whose host
    /// becomes each unit's address and whose path its path prefix.
    #[must_use]
    pub fn with_external_url(mut self, url: impl Into<String>) -> Self {
        self.external_url = Some(url.into());
        self
    }

    /// Works the jobs out in each hook, from the hook's context (the charm's
    /// config, say), instead of [`with_jobs`](Self::with_jobs), as a Python
    /// charm builds them in `__init__` from `load_config`. `jobs` returning
    /// `None` (an invalid config) leaves the application bag as it was in
    /// that hook; no jobs means the default job.
    ///
    /// ```
    /// use ops_interfaces::prometheus_scrape::{MetricsEndpointProvider, ScrapeJob};
    /// use ops_runtime::HookContext;
    ///
    /// fn jobs(cx: &mut HookContext) -> Option<Vec<ScrapeJob>> {
    ///     let port = cx.config().ok()?.get_int("port")?;
    ///     Some(vec![ScrapeJob::wildcard("/metrics", u16::try_from(port).ok()?)])
    /// }
    ///
    /// let metrics = MetricsEndpointProvider::default().with_jobs_from(jobs);
    /// ```
    #[must_use]
    pub fn with_jobs_from(mut self, jobs: JobsFrom) -> Self {
        self.jobs_from = Some(jobs);
        self
    }

    /// Replaces the jobs, for the next [`update`](Self::update).
    pub fn set_jobs(&mut self, jobs: Vec<ScrapeJob>) {
        self.jobs = jobs;
    }

    /// The alert rules this provider publishes, topology injected; files that
    /// could not be read are logged and left out.
    ///
    /// # Errors
    ///
    /// A hook tool failed (logging).
    pub fn alert_rules(&self, cx: &mut HookContext) -> Result<AlertRules, ModelError> {
        let mut rules =
            AlertRules::new(QueryLanguage::PromQl, Some(JujuTopology::from_context(cx)));
        if let Some(dir) = &self.rules_dir {
            let dir = cx.juju().charm_dir.join(dir);
            if let Err(e) = rules.add_dir(&dir, true) {
                cx.juju_log(LogLevel::Warning, &format!("prometheus_scrape: {e}"))?;
            }
        }
        for (name, text) in &self.rule_sources {
            if let Err(e) = rules.add_source(name, "", text) {
                cx.juju_log(LogLevel::Warning, &format!("prometheus_scrape: {e}"))?;
            }
        }
        if self.host_health {
            rules.add_host_health();
        }
        Ok(rules)
    }

    /// Publishes this unit's address on every relation and, on the leader,
    /// the jobs, topology and rules.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn update(&self, cx: &mut HookContext) -> Result<(), ModelError> {
        let relations = cx.relations(self.endpoint)?;
        if relations.is_empty() {
            return Ok(());
        }
        let app = if cx.is_leader()? {
            self.app_data(cx)?.map(|data| data.to_databag())
        } else {
            None
        };
        for relation in &relations {
            self.publish_unit(cx, relation)?;
            if let Some(bag) = &app {
                cx.update_relation_data(relation, Bag::App, bag.clone())?;
            }
        }
        Ok(())
    }

    /// The leader's bag; `None` when [`with_jobs_from`](Self::with_jobs_from)'s
    /// function has no jobs for this hook.
    fn app_data(&self, cx: &mut HookContext) -> Result<Option<ProviderAppData>, ModelError> {
        let jobs = match self.jobs_from {
            None => self.jobs.clone(),
            Some(jobs) => match jobs(cx) {
                Some(jobs) => jobs,
                None => return Ok(None),
            },
        };
        let mut data = ProviderAppData::new(JujuTopology::from_context(cx), jobs);
        data.alert_rules = self.alert_rules(cx)?.to_value();
        Ok(Some(data))
    }

    /// On the leader, publishes the application bag on `relation`.
    fn publish_app(&self, cx: &mut HookContext, relation: &RelationRef) -> Result<(), ModelError> {
        if cx.is_leader()?
            && let Some(data) = self.app_data(cx)?
        {
            cx.update_relation_data(relation, Bag::App, data.to_databag())?;
        }
        Ok(())
    }

    fn publish_unit(&self, cx: &mut HookContext, relation: &RelationRef) -> Result<(), ModelError> {
        let mut unit = ProviderUnitData::new(String::new(), cx.unit_name());
        if let Some(url) = &self.external_url {
            let (host, path) = split_url(url);
            unit.address = host.to_owned();
            unit.path = path.to_owned();
        } else {
            let binding = ops_runtime::Binding::new_unchecked(self.endpoint.name());
            let network = cx.network(binding, Some(relation))?;
            unit.address = network
                .bind_address()
                .or_else(|| network.ingress_address())
                .unwrap_or_default()
                .to_owned();
        }
        if unit.address.is_empty() {
            return Ok(());
        }
        cx.update_relation_data(relation, Bag::Unit, unit.to_databag())
    }

    fn reports(
        cx: &mut HookContext,
        relation: &RelationRef,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        match ValidationReport::from_databag(&bag) {
            Ok(None) => {}
            Ok(Some(report)) => {
                if report.valid.is_some() || report.errors.is_some() {
                    let errors = report.errors.unwrap_or_default();
                    emit.emit(&AlertRuleStatusChanged {
                        relation: relation.clone(),
                        valid: report.valid.unwrap_or(errors.is_empty()),
                        errors,
                    })?;
                }
                if let Some(errors) = report.scrape_job_errors.filter(|e| !e.is_empty()) {
                    emit.emit(&InvalidScrapeJob {
                        relation: relation.clone(),
                        errors,
                    })?;
                }
            }
            Err(e) => {
                let e = e.at(relation, &Member::RemoteApp);
                cx.juju_log(LogLevel::Warning, &format!("prometheus_scrape: {e}"))?;
            }
        }
        Ok(())
    }
}

/// The host (without port) and path of `url`.
fn split_url(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = if let Some(inner) = authority.strip_prefix('[') {
        inner.split_once(']').map_or(inner, |(h, _)| h)
    } else {
        authority.split_once(':').map_or(authority, |(h, _)| h)
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    (host, path.trim_end_matches('/'))
}

impl Component for MetricsEndpointProvider {
    const EVENTS: &'static [&'static str] = &[AlertRuleStatusChanged::NAME, InvalidScrapeJob::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::provides(&[INTERFACE]));

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
                self.publish_unit(cx, &e.relation)?;
                self.publish_app(cx, &e.relation)?;
            }
            Event::RelationChanged(e) if e.relation.endpoint == name => {
                self.publish_unit(cx, &e.relation)?;
                self.publish_app(cx, &e.relation)?;
                if e.unit.is_none() {
                    Self::reports(cx, &e.relation, emit)?;
                }
            }
            Event::PebbleReady(_)
            | Event::UpdateStatus
            | Event::ConfigChanged
            | Event::UpgradeCharm
            | Event::LeaderElected => self.update(cx)?,
            _ => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The requirer component

/// What a provider's relation offers: the payload of
/// `<component>::targets_changed`, and what [`MetricsEndpointConsumer::targets`]
/// returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetsChanged {
    /// The relation whose targets changed.
    pub relation: RelationRef,
}

impl CustomEvent for TargetsChanged {
    const NAME: &'static str = "targets_changed";
}

/// One related provider: its bags, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ScrapeTargets {
    /// The relation.
    pub relation: RelationRef,
    /// The provider's application bag.
    pub app: ProviderAppData,
    /// Each remote unit's bag, by unit name (units that published no
    /// address are left out).
    pub units: BTreeMap<String, ProviderUnitData>,
}

impl ScrapeTargets {
    /// The jobs' targets resolved: each `*:<port>` target becomes one
    /// `<unit address>:<port>` per unit, with the unit's path prefix
    /// prepended to `metrics_path`; other targets are kept. One job per unit
    /// for wildcard targets (with a `juju_unit` label), as the reference
    /// requirer builds them; job names are left to the aggregator.
    pub fn resolved_jobs(&self) -> Vec<ScrapeJob> {
        let mut out = Vec::new();
        for job in self.app.sanitized_jobs() {
            let mut fixed = job.clone();
            fixed.static_configs = Vec::new();
            let mut per_unit: BTreeMap<&str, ScrapeJob> = BTreeMap::new();
            for config in &job.static_configs {
                let (wild, plain): (Vec<&String>, Vec<&String>) = config
                    .targets
                    .iter()
                    .partition(|t| t.starts_with("*:") || *t == "*");
                if !plain.is_empty() {
                    fixed.static_configs.push(StaticConfig {
                        targets: plain.into_iter().cloned().collect(),
                        labels: config.labels.clone(),
                    });
                }
                for (name, unit) in &self.units {
                    let entry = per_unit.entry(name.as_str()).or_insert_with(|| {
                        let mut j = job.clone();
                        j.static_configs = Vec::new();
                        let path = j.metrics_path.clone().unwrap_or_else(|| "/metrics".into());
                        j.metrics_path = Some(format!("{}{path}", unit.path));
                        j
                    });
                    let targets: Vec<String> = wild
                        .iter()
                        .map(|t| format!("{}{}", unit.address, &t[1..]))
                        .collect();
                    if !targets.is_empty() {
                        let mut labels = config.labels.clone();
                        labels.insert("juju_unit".into(), name.clone());
                        entry.static_configs.push(StaticConfig { targets, labels });
                    }
                }
            }
            if !fixed.static_configs.is_empty() {
                out.push(fixed);
            }
            out.extend(
                per_unit
                    .into_values()
                    .filter(|j| !j.static_configs.is_empty()),
            );
        }
        out
    }
}

/// The requirer side of `prometheus_scrape`, for charms that aggregate
/// metrics (an agent, a collector): reads every provider's jobs, units and
/// rules, and emits [`TargetsChanged`] on relation-changed, -departed and
/// -broken. It writes nothing.
///
/// ```
/// use ops_interfaces::prometheus_scrape::MetricsEndpointConsumer;
/// use ops_interfaces::testing::prometheus_scrape as remote;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Agent {
///     scrape: MetricsEndpointConsumer,
/// }
///
/// #[charm(
///     components(scrape: MetricsEndpointConsumer = "metrics-endpoint"),
///     metadata_source = "name: agent\nrequires:\n  metrics-endpoint:\n    interface: prometheus_scrape\n"
/// )]
/// impl Agent {
///     #[on(scrape::targets_changed)]
///     fn reconfigure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
///         let jobs: Vec<_> = self.scrape.targets(cx)?.iter().flat_map(|t| t.resolved_jobs()).collect();
///         cx.set_unit_status(Status::active(format!("{}", jobs[0].static_configs[0].targets[0])))?;
///         Ok(())
///     }
/// }
///
/// let zinc = remote::provider("metrics-endpoint", 1, "zinc", &[("10.1.0.7", "/metrics", 4000)]);
/// let out = Context::<Agent>::new()
///     .run(zinc.changed_event(Some("zinc/0")), State::new().with_relation(zinc))
///     .unwrap();
/// assert_eq!(out.unit_status, Status::active("10.1.0.7:4000"));
/// ```
#[derive(Debug, Clone)]
pub struct MetricsEndpointConsumer {
    endpoint: Endpoint,
    /// The unit departing in this hook, remembered for the handlers of the
    /// custom events it emits.
    departing: Option<String>,
}

impl Default for MetricsEndpointConsumer {
    /// A requirer on the conventional endpoint, `metrics-endpoint`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT))
    }
}

impl MetricsEndpointConsumer {
    /// A requirer on `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            departing: None,
        }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// Every related provider that has published its jobs and has at least
    /// one unit; in relation-departed, without the departing unit.
    ///
    /// # Errors
    ///
    /// A provider's bag does not follow the interface (naming the relation,
    /// the bag and the key), or a hook tool failed.
    pub fn targets(
        &self,
        cx: &mut HookContext,
    ) -> Result<Vec<ScrapeTargets>, PrometheusScrapeError> {
        let departing = departing_unit(cx.event()).or_else(|| self.departing.clone());
        let mut out = Vec::new();
        for relation in cx.relations(self.endpoint)? {
            let app_bag = cx.relation_data(&relation, &Member::RemoteApp)?;
            if !app_bag.contains_key("scrape_jobs") {
                continue;
            }
            let app = ProviderAppData::from_databag(&app_bag)
                .map_err(|e| e.at(&relation, &Member::RemoteApp))?;
            let mut units = BTreeMap::new();
            for unit in cx.relation_units(&relation)? {
                if departing.as_ref() == Some(&unit) {
                    continue;
                }
                let member = Member::Unit(unit.clone());
                let bag = cx.relation_data(&relation, &member)?;
                if let Ok(data) = ProviderUnitData::from_databag(&bag, &unit) {
                    units.insert(unit, data);
                }
            }
            if !units.is_empty() {
                out.push(ScrapeTargets {
                    relation,
                    app,
                    units,
                });
            }
        }
        Ok(out)
    }

    /// Reports on a provider's rules and jobs in the `event` key of this
    /// application's bag (leader only), as Prometheus does.
    ///
    /// # Errors
    ///
    /// This unit is not the leader, or a hook tool failed.
    pub fn report(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        report: &ValidationReport,
    ) -> Result<(), ModelError> {
        cx.update_relation_data(relation, Bag::App, [("event", report.to_json())])
    }
}

impl Component for MetricsEndpointConsumer {
    const EVENTS: &'static [&'static str] = &[TargetsChanged::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        _cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        if !matches!(event, Event::Custom(_)) {
            self.departing = departing_unit(event);
        }
        let name = self.endpoint.name();
        let relation = match event {
            Event::RelationChanged(e) if e.relation.endpoint == name => &e.relation,
            Event::RelationDeparted(e) if e.relation.endpoint == name => &e.relation,
            Event::RelationBroken(e) if e.relation.endpoint == name => &e.relation,
            _ => return Ok(()),
        };
        emit.emit(&TargetsChanged {
            relation: relation.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::split_url;

    #[test]
    fn external_urls_split_into_host_and_path() {
        assert_eq!(
            split_url("http://zinc.example:8080/cos-zinc/"),
            ("zinc.example", "/cos-zinc")
        );
        assert_eq!(split_url("https://u:p@[::1]:443/a?b"), ("::1", "/a"));
        assert_eq!(split_url("zinc.example"), ("zinc.example", ""));
    }
}
