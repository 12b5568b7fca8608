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

use ops_runtime::Databag;
use ops_runtime::pebble::{Layer, LogTarget, LogTargetType, Override, Plan};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::cos::{DataError, JujuTopology, kind, parse_json, py_json, py_json_of, typed};

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
