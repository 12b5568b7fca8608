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

use ops_runtime::Databag;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cos::{DataError, JujuTopology, kind, parse_json, py_json, py_json_of, typed};

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
