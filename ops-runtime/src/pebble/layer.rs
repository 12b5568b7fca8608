//! Layers and the plan: Pebble's configuration, typed, with its merge rules.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::duration;
use super::types::{CheckLevel, CheckStartup, ServiceStartup, string_enum};

/// A layer or plan that cannot be parsed, written or combined.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// The YAML does not parse, or does not have a layer's shape.
    #[error("cannot parse layer YAML: {0}")]
    Yaml(#[source] yaml_serde::Error),
    /// The layer cannot be written as YAML.
    #[error("cannot write layer YAML: {0}")]
    Write(#[source] yaml_serde::Error),
    /// An entry has no `override`, so it cannot be combined.
    #[error(r#"layer must define "override" for {section} "{name}""#)]
    MissingOverride {
        /// `service`, `check` or `log target`.
        section: &'static str,
        /// The entry's name.
        name: String,
    },
    /// An entry's `override` is neither `merge` nor `replace`.
    #[error(r#"layer has invalid "override" value `{value}` for {section} "{name}""#)]
    InvalidOverride {
        /// `service`, `check` or `log target`.
        section: &'static str,
        /// The entry's name.
        name: String,
        /// The value found.
        value: String,
    },
    /// The YAML would take too long to parse: its size times its number of
    /// flow-collection brackets passes [`MAX_YAML_WORK`]. The YAML parser
    /// slows down with the nesting of flow collections (`[` and `{`), and a
    /// plan comes from the workload container, which a charm does not control.
    #[error(
        "cannot parse layer YAML: {bytes} bytes with {brackets} flow brackets (`[` or `{{`) \
         would take too long to parse; a plan or layer needs far fewer, so check where this \
         YAML came from"
    )]
    TooComplex {
        /// The YAML's size.
        bytes: usize,
        /// How many `[` and `{` it holds, in strings or not.
        brackets: usize,
    },
    /// The combined plan breaks one of Pebble's rules ([`Plan::validate`]).
    #[error("invalid plan: {0}")]
    Invalid(String),
}

string_enum! {
    /// How a layer's entry combines with the same entry of the layers below it.
    pub enum Override {
        /// `merge`: keep the old entry and change what the new one sets.
        Merge = "merge",
        /// `replace`: the new entry replaces the old one.
        Replace = "replace",
    }
}

string_enum! {
    /// What Pebble does when a service exits or one of its checks fails
    /// (`on-success`, `on-failure`, `on-check-failure`).
    pub enum ServiceAction {
        /// `restart`: restart the service, with backoff (the default).
        Restart = "restart",
        /// `shutdown`: shut Pebble down.
        Shutdown = "shutdown",
        /// `failure-shutdown`: shut Pebble down with a failure exit code
        /// (`on-success` only).
        FailureShutdown = "failure-shutdown",
        /// `success-shutdown`: shut Pebble down with a success exit code
        /// (`on-failure` only).
        SuccessShutdown = "success-shutdown",
        /// `ignore`: leave the service stopped.
        Ignore = "ignore",
    }
}

string_enum! {
    /// Where a log target sends logs (`type`).
    pub enum LogTargetType {
        /// Grafana Loki.
        Loki = "loki",
        /// An OpenTelemetry collector (Pebble 1.24+).
        Opentelemetry = "opentelemetry",
        /// A syslog server.
        Syslog = "syslog",
    }
}

/// Environment variables: a sorted map whose values `Debug` output hides,
/// because environments often carry credentials.
///
/// ```
/// use ops_runtime::pebble::Environment;
///
/// let env: Environment = [("DB_PASSWORD", "hunter2")].into_iter().collect();
/// assert_eq!(env["DB_PASSWORD"], "hunter2");
/// assert_eq!(format!("{env:?}"), r#"{"DB_PASSWORD": <redacted>}"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Environment(BTreeMap<String, String>);

impl Environment {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether there are no variables.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The variables as a map.
    pub fn into_inner(self) -> BTreeMap<String, String> {
        self.0
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        super::types::RedactedMap(&self.0).fmt(f)
    }
}

impl Deref for Environment {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Environment {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<BTreeMap<String, String>> for Environment {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Environment {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for Environment {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.0
            .extend(iter.into_iter().map(|(k, v)| (k.into(), v.into())));
    }
}

impl IntoIterator for Environment {
    type Item = (String, String);
    type IntoIter = std::collections::btree_map::IntoIter<String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Environment {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One layer: services, checks and log targets, each with an `override`.
///
/// Sections this type does not model (`workloads` from Pebble 1.20, `pairing`
/// from 1.26) are kept verbatim in [`sections`](Self::sections); when layers
/// combine, a later layer's section replaces an earlier one whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Layer {
    /// A line for humans; the plan's summary is the last layer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log forwarding targets by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
    /// Other top-level sections, as YAML.
    #[serde(flatten)]
    pub sections: BTreeMap<String, yaml_serde::Value>,
}

/// The most work [`Layer::from_yaml`] and [`Plan::from_yaml`] take on: the
/// YAML's size in bytes times its number of `[` and `{` characters.
///
/// The YAML parser's time grows with the number of tokens times the nesting
/// of flow collections around them, and this product bounds both, whatever
/// the text (a bracket inside a string counts too). 2^27 allows a 1 MiB plan
/// with 128 brackets, or a 64 KiB one with 2048; real plans have a handful.
/// Past it, parsing fails with [`LayerError::TooComplex`] at once.
pub const MAX_YAML_WORK: u64 = 1 << 27;

/// Parses YAML, treating an empty document as the default value.
fn from_yaml<T: Default + serde::de::DeserializeOwned>(yaml: &str) -> Result<T, LayerError> {
    if yaml.trim().is_empty() {
        return Ok(T::default());
    }
    let brackets = yaml.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if (yaml.len() as u64).saturating_mul(brackets as u64) > MAX_YAML_WORK {
        return Err(LayerError::TooComplex {
            bytes: yaml.len(),
            brackets,
        });
    }
    match yaml_serde::from_str::<Option<T>>(yaml) {
        Ok(value) => Ok(value.unwrap_or_default()),
        Err(error) => Err(LayerError::Yaml(error)),
    }
}

impl Layer {
    /// Parses a layer from YAML.
    pub fn from_yaml(yaml: &str) -> Result<Self, LayerError> {
        from_yaml(yaml)
    }

    /// Writes the layer as YAML, in the form `POST /v1/layers` takes.
    pub fn to_yaml(&self) -> Result<String, LayerError> {
        yaml_serde::to_string(self).map_err(LayerError::Write)
    }

    /// Combines `other` into this layer, as `POST /v1/layers` with
    /// `combine: true` does when a layer with the same label exists: each entry
    /// of `other` merges into or replaces the entry of the same name, as its
    /// `override` says.
    pub fn combine(&mut self, other: &Layer) -> Result<(), LayerError> {
        combine_text(&mut self.summary, &other.summary);
        combine_text(&mut self.description, &other.description);
        combine_entries(&mut self.services, &other.services)?;
        combine_entries(&mut self.checks, &other.checks)?;
        combine_entries(&mut self.log_targets, &other.log_targets)?;
        for (name, section) in &other.sections {
            self.sections.insert(name.clone(), section.clone());
        }
        Ok(())
    }
}

/// The combination of all layers: what Pebble runs (`GET /v1/plan`).
///
/// A [`Layer`] is one YAML document of services, health checks and log targets.
/// Pebble stacks layers in order and combines them into the [`Plan`] it runs,
/// entry by entry, following each entry's `override`:
///
/// - `replace`: the entry becomes a copy of the new one;
/// - `merge`: the entry keeps what it had and takes what the new one sets:
///   scalars when set, maps key by key, lists appended, `http`/`tcp`/`exec`
///   probes field by field.
///
/// [`Plan::apply`] and [`Layer::combine`] implement those rules as
/// `internals/plan` of Pebble 1.32 does, so an in-memory Pebble behaves like the
/// real one.
///
/// ```
/// use ops_runtime::pebble::{Layer, Override, Plan, Service, ServiceStartup};
///
/// let base = Layer::from_yaml(r#"
/// services:
///   web:
///     override: replace
///     command: /bin/web --port 80
///     startup: enabled
///     environment: {MODE: prod}
/// "#)?;
/// let mut tweak = Layer::default();
/// tweak.services.insert("web".into(), Service {
///     override_: Some(Override::Merge),
///     environment: [("DEBUG", "1")].into_iter().collect(),
///     after: vec!["db".into()],
///     ..Service::default()
/// });
///
/// let plan = Plan::from_layers([&base, &tweak])?;
/// let web = &plan.services["web"];
/// assert_eq!(web.command.as_deref(), Some("/bin/web --port 80"));
/// assert_eq!(web.startup, Some(ServiceStartup::Enabled));
/// assert_eq!(web.environment.len(), 2);
/// assert_eq!(web.after, ["db"]);
/// # Ok::<(), ops_runtime::pebble::LayerError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Plan {
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log forwarding targets by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, LogTarget>,
    /// Other top-level sections, as YAML.
    #[serde(flatten)]
    pub sections: BTreeMap<String, yaml_serde::Value>,
}

impl Plan {
    /// Parses a plan from YAML, as `GET /v1/plan?format=yaml` returns it.
    pub fn from_yaml(yaml: &str) -> Result<Self, LayerError> {
        from_yaml(yaml)
    }

    /// Writes the plan as YAML.
    pub fn to_yaml(&self) -> Result<String, LayerError> {
        yaml_serde::to_string(self).map_err(LayerError::Write)
    }

    /// Combines `layers` in order, bottom first.
    pub fn from_layers<'a>(
        layers: impl IntoIterator<Item = &'a Layer>,
    ) -> Result<Self, LayerError> {
        let mut plan = Plan::default();
        for layer in layers {
            plan.apply(layer)?;
        }
        Ok(plan)
    }

    /// Puts `layer` on top of the plan: each of its entries merges into or
    /// replaces the entry of the same name, as its `override` says.
    pub fn apply(&mut self, layer: &Layer) -> Result<(), LayerError> {
        combine_entries(&mut self.services, &layer.services)?;
        combine_entries(&mut self.checks, &layer.checks)?;
        combine_entries(&mut self.log_targets, &layer.log_targets)?;
        for (name, section) in &layer.sections {
            self.sections.insert(name.clone(), section.clone());
        }
        Ok(())
    }

    /// Checks the rules Pebble enforces on a combined plan: every service has
    /// a command and a valid name and refers only to services that exist, every
    /// check has exactly one probe and a non-zero period, every log target has
    /// a type and a location. Pebble reports more problems than this (it parses
    /// commands, for one); this catches the common ones without a daemon.
    pub fn validate(&self) -> Result<(), LayerError> {
        let invalid = |message: String| Err(LayerError::Invalid(message));
        for (name, service) in &self.services {
            if name == "pebble" || name.starts_with('-') || name.is_empty() {
                return invalid(format!(r#"cannot use reserved service name "{name}""#));
            }
            if service.command.as_deref().is_none_or(str::is_empty) {
                return invalid(format!(
                    r#"plan must define "command" for service "{name}""#
                ));
            }
            if service.backoff_factor.is_some_and(|factor| factor < 1.0) {
                return invalid(format!(
                    r#"plan "backoff-factor" must be 1.0 or greater for service "{name}""#
                ));
            }
            let references = service
                .after
                .iter()
                .chain(&service.before)
                .chain(&service.requires);
            if let Some(missing) = references
                .into_iter()
                .find(|other| !self.services.contains_key(*other))
            {
                return invalid(format!(
                    r#"service "{name}" refers to undefined service "{missing}""#
                ));
            }
            if let Some(check) = service
                .on_check_failure
                .keys()
                .find(|check| !self.checks.contains_key(*check))
            {
                return invalid(format!(
                    r#"plan check "{check}" cannot be found for service "{name}""#
                ));
            }
        }
        for (name, check) in &self.checks {
            let probes = [
                check.http.is_some(),
                check.tcp.is_some(),
                check.exec.is_some(),
            ];
            if probes.iter().filter(|probe| **probe).count() != 1 {
                return invalid(format!(
                    r#"plan must specify one of "http", "tcp" or "exec" for check "{name}""#
                ));
            }
            if check.period == Some(Duration::ZERO) {
                return invalid(format!(r#"plan check "{name}" period must not be zero"#));
            }
        }
        for (name, target) in &self.log_targets {
            if target.target_type.is_none() {
                return invalid(format!(
                    r#"plan must define "type" for log target "{name}""#
                ));
            }
            if target.location.as_deref().is_none_or(str::is_empty) {
                return invalid(format!(
                    r#"plan must define "location" for log target "{name}""#
                ));
            }
        }
        Ok(())
    }
}

/// An entry of a layer's `services`, `checks` or `log-targets`.
trait Entry: Clone {
    /// The section's name in messages.
    const SECTION: &'static str;
    fn override_mode(&self) -> Option<&Override>;
    fn merge(&mut self, other: &Self);
}

fn combine_entries<T: Entry>(
    into: &mut BTreeMap<String, T>,
    from: &BTreeMap<String, T>,
) -> Result<(), LayerError> {
    for (name, entry) in from {
        match entry.override_mode() {
            Some(Override::Merge) => match into.get_mut(name) {
                Some(existing) => existing.merge(entry),
                None => {
                    into.insert(name.clone(), entry.clone());
                }
            },
            Some(Override::Replace) => {
                into.insert(name.clone(), entry.clone());
            }
            None => {
                return Err(LayerError::MissingOverride {
                    section: T::SECTION,
                    name: name.clone(),
                });
            }
            Some(Override::Unknown(value)) => {
                return Err(LayerError::InvalidOverride {
                    section: T::SECTION,
                    name: name.clone(),
                    value: value.clone(),
                });
            }
        }
    }
    Ok(())
}

/// A scalar merge: the new value wins when set.
fn combine<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
    if let Some(value) = from {
        *into = Some(value.clone());
    }
}

/// A text merge: the new value wins when set and not empty, as Pebble treats
/// an empty string as unset.
fn combine_text(into: &mut Option<String>, from: &Option<String>) {
    if let Some(value) = from.as_ref().filter(|value| !value.is_empty()) {
        *into = Some(value.clone());
    }
}

fn combine_map<V: Clone>(into: &mut BTreeMap<String, V>, from: &BTreeMap<String, V>) {
    into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
}

/// A service: a long-running process Pebble starts, stops and restarts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Service {
    /// A line for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether `autostart` and `replan` start it.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub startup: Option<ServiceStartup>,
    /// How this entry combines with the layers below (required in a layer).
    #[serde(
        rename = "override",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub override_: Option<Override>,
    /// The command line, split like a shell would; it may end with one
    /// `[ default arguments ]` group that `exec`-time arguments replace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Services this one starts after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Services this one starts before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Services started along with this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Environment::is_empty")]
    pub environment: Environment,
    /// The user to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user ID to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// The group to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The group ID to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// The working directory (the user's home by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// A named bundle of environment, user and group from the `workloads`
    /// section (Pebble 1.20+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// What to do when the service exits with code 0.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub on_success: Option<ServiceAction>,
    /// What to do when the service exits with another code.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub on_failure: Option<ServiceAction>,
    /// What to do when a check fails, by check name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_check_failure: BTreeMap<String, ServiceAction>,
    /// The first delay before a restart (500ms by default).
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub backoff_delay: Option<Duration>,
    /// The factor each further restart delay grows by (2.0 by default, at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// The longest restart delay (30s by default).
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub backoff_limit: Option<Duration>,
    /// How long to wait after SIGTERM before SIGKILL (5s by default).
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub kill_delay: Option<Duration>,
}

impl Service {
    /// Merges `other` into this service as `override: merge` does: scalars
    /// that `other` sets win, maps merge key by key, lists are appended.
    pub fn merge(&mut self, other: &Service) {
        combine_text(&mut self.summary, &other.summary);
        combine_text(&mut self.description, &other.description);
        combine(&mut self.startup, &other.startup);
        combine(&mut self.override_, &other.override_);
        combine_text(&mut self.command, &other.command);
        combine(&mut self.kill_delay, &other.kill_delay);
        combine(&mut self.user_id, &other.user_id);
        combine_text(&mut self.user, &other.user);
        combine(&mut self.group_id, &other.group_id);
        combine_text(&mut self.group, &other.group);
        combine_text(&mut self.working_dir, &other.working_dir);
        combine_text(&mut self.workload, &other.workload);
        self.after.extend(other.after.iter().cloned());
        self.before.extend(other.before.iter().cloned());
        self.requires.extend(other.requires.iter().cloned());
        combine_map(&mut self.environment, &other.environment);
        combine(&mut self.on_success, &other.on_success);
        combine(&mut self.on_failure, &other.on_failure);
        combine_map(&mut self.on_check_failure, &other.on_check_failure);
        combine(&mut self.backoff_delay, &other.backoff_delay);
        combine(&mut self.backoff_factor, &other.backoff_factor);
        combine(&mut self.backoff_limit, &other.backoff_limit);
    }
}

impl Entry for Service {
    const SECTION: &'static str = "service";

    fn override_mode(&self) -> Option<&Override> {
        self.override_.as_ref()
    }

    fn merge(&mut self, other: &Self) {
        Service::merge(self, other);
    }
}

/// A health check: an HTTP request, a TCP connection or a command, run every
/// `period`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Check {
    /// How this entry combines with the layers below (required in a layer).
    #[serde(
        rename = "override",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub override_: Option<Override>,
    /// The health level it counts towards.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub level: Option<CheckLevel>,
    /// Whether it runs by default (Pebble 1.19+).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub startup: Option<CheckStartup>,
    /// How often it runs (10s by default).
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub period: Option<Duration>,
    /// How long one run may take (3s by default, at most the period).
    #[serde(
        default,
        with = "duration::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    /// Failures in a row after which the check is down (3 by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// An HTTP probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpCheck>,
    /// A TCP probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpCheck>,
    /// A command probe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecCheck>,
}

impl Check {
    /// Merges `other` into this check as `override: merge` does: scalars that
    /// `other` sets win, and probes merge field by field.
    pub fn merge(&mut self, other: &Check) {
        combine(&mut self.override_, &other.override_);
        combine(&mut self.level, &other.level);
        combine(&mut self.startup, &other.startup);
        combine(&mut self.period, &other.period);
        combine(&mut self.timeout, &other.timeout);
        combine(&mut self.threshold, &other.threshold);
        if let Some(http) = &other.http {
            let into = self.http.get_or_insert_with(HttpCheck::default);
            combine_text(&mut into.url, &http.url);
            combine_map(&mut into.headers, &http.headers);
        }
        if let Some(tcp) = &other.tcp {
            let into = self.tcp.get_or_insert_with(TcpCheck::default);
            combine(&mut into.port, &tcp.port);
            combine_text(&mut into.host, &tcp.host);
        }
        if let Some(exec) = &other.exec {
            let into = self.exec.get_or_insert_with(ExecCheck::default);
            combine_text(&mut into.command, &exec.command);
            combine_text(&mut into.service_context, &exec.service_context);
            combine_map(&mut into.environment, &exec.environment);
            combine(&mut into.user_id, &exec.user_id);
            combine_text(&mut into.user, &exec.user);
            combine(&mut into.group_id, &exec.group_id);
            combine_text(&mut into.group, &exec.group);
            combine_text(&mut into.working_dir, &exec.working_dir);
        }
    }
}

impl Entry for Check {
    const SECTION: &'static str = "check";

    fn override_mode(&self) -> Option<&Override> {
        self.override_.as_ref()
    }

    fn merge(&mut self, other: &Self) {
        Check::merge(self, other);
    }
}

/// An HTTP probe: the check passes on a 2xx answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpCheck {
    /// The URL to fetch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Request headers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// A TCP probe: the check passes when a connection opens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TcpCheck {
    /// The port to connect to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The host to connect to (`localhost` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

/// A command probe: the check passes when the command exits with code 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ExecCheck {
    /// The command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// A service whose environment, user, group and working directory the
    /// command takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_context: Option<String>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "Environment::is_empty")]
    pub environment: Environment,
    /// The user to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The user ID to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u32>,
    /// The group to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The group ID to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u32>,
    /// The working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
}

/// A log target: where Pebble forwards services' logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct LogTarget {
    /// How this entry combines with the layers below (required in a layer).
    #[serde(
        rename = "override",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub override_: Option<Override>,
    /// The kind of receiver.
    #[serde(
        rename = "type",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::types::non_empty"
    )]
    pub target_type: Option<LogTargetType>,
    /// The receiver's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The services whose logs go there: names, `all`, and `-name` or `-all`
    /// to take some away, evaluated last match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Labels added to every record (the `pebble_` prefix is reserved).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl LogTarget {
    /// Merges `other` into this target as `override: merge` does: scalars that
    /// `other` sets win, labels merge key by key, services are appended.
    pub fn merge(&mut self, other: &LogTarget) {
        combine(&mut self.override_, &other.override_);
        combine(&mut self.target_type, &other.target_type);
        combine_text(&mut self.location, &other.location);
        self.services.extend(other.services.iter().cloned());
        combine_map(&mut self.labels, &other.labels);
    }
}

impl Entry for LogTarget {
    const SECTION: &'static str = "log target";

    fn override_mode(&self) -> Option<&Override> {
        self.override_.as_ref()
    }

    fn merge(&mut self, other: &Self) {
        LogTarget::merge(self, other);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"summary: everything
description: every field Pebble 1.32 knows
services:
  web:
    summary: the web server
    description: serves
    startup: enabled
    override: replace
    command: /bin/web --port 80 [ --verbose ]
    after:
    - db
    before:
    - proxy
    requires:
    - db
    environment:
      MODE: prod
    user: web
    user-id: 1000
    group: web
    group-id: 1000
    working-dir: /srv
    on-success: ignore
    on-failure: shutdown
    on-check-failure:
      alive: restart
    backoff-delay: 1s
    backoff-factor: 1.5
    backoff-limit: 1m0s
    kill-delay: 10s
checks:
  alive:
    override: replace
    level: alive
    startup: enabled
    period: 5s
    timeout: 1s
    threshold: 2
    http:
      url: http://localhost/health
      headers:
        X-Probe: pebble
  port:
    override: replace
    tcp:
      port: 8080
      host: localhost
  script:
    override: replace
    exec:
      command: /bin/check
      service-context: web
      environment:
        A: b
      user: web
      user-id: 1000
      group: web
      group-id: 1000
      working-dir: /srv
log-targets:
  loki:
    override: replace
    type: loki
    location: http://loki:3100/loki/api/v1/push
    services:
    - all
    - -db
    labels:
      env: prod
workloads:
  default:
    override: replace
    user: web
"#;

    #[test]
    fn round_trips_every_field() {
        let layer = Layer::from_yaml(FULL).unwrap();
        let web = &layer.services["web"];
        assert_eq!(web.backoff_limit, Some(Duration::from_secs(60)));
        assert_eq!(web.on_check_failure["alive"], ServiceAction::Restart);
        assert_eq!(layer.checks["port"].tcp.as_ref().unwrap().port, Some(8080));
        assert_eq!(
            layer.log_targets["loki"].target_type,
            Some(LogTargetType::Loki)
        );
        assert!(layer.sections.contains_key("workloads"));
        assert_eq!(layer.to_yaml().unwrap(), FULL);
    }

    #[test]
    fn empty_yaml_is_an_empty_plan() {
        assert_eq!(Plan::from_yaml("").unwrap(), Plan::default());
        assert_eq!(Plan::from_yaml("{}\n").unwrap(), Plan::default());
        assert_eq!(Plan::from_yaml("~").unwrap(), Plan::default());
    }

    #[test]
    fn merge_follows_pebble_rules() {
        let base = Layer::from_yaml(FULL).unwrap();
        let top = Layer::from_yaml(
            r#"
summary: top
services:
  web:
    override: merge
    command: /bin/web2
    after: [cache]
    environment: {DEBUG: "1"}
    backoff-delay: 2s
  new:
    override: merge
    command: /bin/new
checks:
  alive:
    override: merge
    http:
      headers: {X-Other: yes}
  port:
    override: replace
    exec:
      command: /bin/true
log-targets:
  loki:
    override: merge
    services: [-web]
    labels: {team: a}
"#,
        )
        .unwrap();
        let plan = Plan::from_layers([&base, &top]).unwrap();
        let web = &plan.services["web"];
        assert_eq!(web.command.as_deref(), Some("/bin/web2"));
        assert_eq!(web.after, ["db", "cache"]);
        assert_eq!(web.environment.len(), 2);
        assert_eq!(web.backoff_delay, Some(Duration::from_secs(2)));
        assert_eq!(web.kill_delay, Some(Duration::from_secs(10)));
        assert_eq!(web.override_, Some(Override::Merge));
        assert_eq!(plan.services["new"].command.as_deref(), Some("/bin/new"));
        let alive = plan.checks["alive"].http.as_ref().unwrap();
        assert_eq!(alive.url.as_deref(), Some("http://localhost/health"));
        assert_eq!(alive.headers.len(), 2);
        let port = &plan.checks["port"];
        assert!(port.tcp.is_none() && port.exec.is_some());
        assert_eq!(plan.log_targets["loki"].services, ["all", "-db", "-web"]);
        assert_eq!(plan.log_targets["loki"].labels.len(), 2);

        let mut combined = base.clone();
        combined.combine(&top).unwrap();
        assert_eq!(combined.summary.as_deref(), Some("top"));
        assert_eq!(combined.services["web"], plan.services["web"]);
    }

    #[test]
    fn override_is_required() {
        let layer = Layer::from_yaml("services: {x: {command: /bin/x}}").unwrap();
        let err = Plan::from_layers([&layer]).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"layer must define "override" for service "x""#
        );
        let layer = Layer::from_yaml("checks: {c: {override: blend}}").unwrap();
        let err = Plan::from_layers([&layer]).unwrap_err();
        assert!(matches!(err, LayerError::InvalidOverride { .. }), "{err}");
    }

    #[test]
    fn validate_reports_pebble_rules() {
        let plan = Plan::from_layers([&Layer::from_yaml(FULL).unwrap()]).unwrap();
        // `web` refers to `db` and `proxy`, which this plan lacks.
        assert!(
            plan.validate()
                .unwrap_err()
                .to_string()
                .contains(r#"undefined service "db""#)
        );
        let ok = Layer::from_yaml("services: {a: {override: replace, command: x, after: [b]}, b: {override: replace, command: y}}").unwrap();
        Plan::from_layers([&ok]).unwrap().validate().unwrap();
        let no_command = Layer::from_yaml("services: {a: {override: replace}}").unwrap();
        assert!(
            Plan::from_layers([&no_command])
                .unwrap()
                .validate()
                .is_err()
        );
        let two_probes = Layer::from_yaml(
            "checks: {c: {override: replace, tcp: {port: 1}, exec: {command: x}}}",
        )
        .unwrap();
        assert!(
            Plan::from_layers([&two_probes])
                .unwrap()
                .validate()
                .is_err()
        );
    }
}
