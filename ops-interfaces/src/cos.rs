//! What the observability interfaces share (`prometheus_scrape`,
//! `loki_push_api`, `grafana_dashboard`, `tracing`): the Juju topology that
//! labels a charm's metrics, logs, rules and dashboards, alert-rule files with
//! that topology injected, JSON written as the Python libraries write it, and
//! the error of a databag that does not follow its interface.
//!
//! ```
//! use ops_interfaces::cos::JujuTopology;
//!
//! let topology = JujuTopology::new("cos", "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", "zinc", "zinc/0", "zinc-k8s");
//! assert_eq!(topology.identifier(), "cos_2f7dd1c5_zinc");
//! assert_eq!(
//!     topology.to_json(),
//!     r#"{"model": "cos", "model_uuid": "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", "application": "zinc", "unit": "zinc/0", "charm_name": "zinc-k8s"}"#
//! );
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use ops_runtime::HookContext;

/// The most bytes a reader accepts in one databag value of these interfaces
/// (a dashboards bag holds compressed dashboards, so this is generous).
pub const MAX_VALUE_BYTES: usize = 16 << 20;

// ---------------------------------------------------------------------------
// Errors

/// A key of a databag that does not follow the interface, and what is wrong
/// with its value (never the value itself, which the other side wrote).
///
/// ```
/// use ops_interfaces::tracing::ProviderAppData;
/// use ops_runtime::Databag;
///
/// let bag: Databag = [("receivers".to_owned(), "[{".to_owned())].into();
/// let err = ProviderAppData::from_databag(&bag).unwrap_err();
/// assert_eq!(err.key, "receivers");
/// assert!(err.to_string().starts_with("key `receivers`: not JSON"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {problem}")]
pub struct DataError {
    /// The key.
    pub key: String,
    /// What is wrong with its value.
    pub problem: String,
}

impl DataError {
    pub(crate) fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            problem: problem.into(),
        }
    }

    /// This error in the databag of `member` on `relation`.
    pub(crate) fn at(
        self,
        relation: &impl std::fmt::Display,
        member: &impl std::fmt::Display,
    ) -> RelationDataError {
        RelationDataError {
            relation: relation.to_string(),
            member: member.to_string(),
            key: self.key,
            problem: self.problem,
        }
    }
}

/// A databag of the other side that does not follow the interface, with the
/// relation and whose bag it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("relation `{relation}`, data of {member}, key `{key}`: {problem}")]
pub struct RelationDataError {
    /// The relation (`endpoint:id`).
    pub relation: String,
    /// Whose databag: `the remote application` or `` unit `app/0` ``.
    pub member: String,
    /// The key.
    pub key: String,
    /// What is wrong with its value (never the value).
    pub problem: String,
}

/// The kind of a JSON value, to describe a value without quoting it.
#[cfg(any(
    feature = "prometheus-scrape",
    feature = "loki-push-api",
    feature = "tracing"
))]
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Parses the JSON value of `key`, bounded in size (serde_json bounds the
/// nesting at 128).
pub(crate) fn parse_json(key: &str, text: &str) -> Result<Value, DataError> {
    if text.len() > MAX_VALUE_BYTES {
        return Err(DataError::new(
            key,
            format!(
                "{} bytes, more than the {MAX_VALUE_BYTES} accepted",
                text.len()
            ),
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        DataError::new(
            key,
            format!("not JSON (line {}, column {})", e.line(), e.column()),
        )
    })
}

/// Deserializes `value` (already parsed from `key`) into `T`, naming the key.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    key: &str,
    value: Value,
) -> Result<T, DataError> {
    serde_json::from_value(value).map_err(|e| DataError::new(key, shape(&e)))
}

/// What serde says is wrong, without the value it may quote.
fn shape(error: &serde_json::Error) -> String {
    let text = error.to_string();
    // serde's messages quote values after `invalid value: string "..."` or
    // `invalid type: string "..."`; keep only the part before the quote.
    let cut = text.find('"').map_or(text.as_str(), |at| &text[..at]);
    format!("unexpected shape ({})", cut.trim_end())
}

/// The remote unit leaving in `event`, a relation-departed. Components keep
/// it for the handlers of the custom events they emit in that hook, which see
/// the custom event rather than relation-departed.
#[cfg(any(feature = "prometheus-scrape", feature = "loki-push-api"))]
pub(crate) fn departing_unit(event: &ops_runtime::Event) -> Option<String> {
    match event {
        ops_runtime::Event::RelationDeparted(e) => Some(e.unit.clone()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// JSON as Python's json.dumps writes it

/// `value` as Python's `json.dumps` writes it (separators `", "` and `": "`,
/// ASCII only, keys in their order or sorted), which is what the Python
/// libraries put in the databags.
pub(crate) fn py_json(value: &Value, sort_keys: bool) -> String {
    let mut out = String::new();
    write_py(&mut out, value, sort_keys);
    out
}

fn write_py(out: &mut String, value: &Value, sort_keys: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => py_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_py(out, item, sort_keys);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if sort_keys {
                entries.sort_by(|a, b| a.0.cmp(b.0));
            }
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_string(out, k);
                out.push_str(": ");
                write_py(out, v, sort_keys);
            }
            out.push('}');
        }
    }
}

/// A JSON string as Python writes it with `ensure_ascii`: everything outside
/// printable ASCII escaped, `\uXXXX` (surrogate pairs above U+FFFF).
fn py_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// `value` serialized, then written as Python writes JSON.
pub(crate) fn py_json_of<T: Serialize>(value: &T, sort_keys: bool) -> String {
    // Serializing the plain data types of this crate into a Value cannot fail
    // (string keys, no non-finite floats); fall back to `null` if it ever did.
    let value = serde_json::to_value(value).unwrap_or(Value::Null);
    py_json(&value, sort_keys)
}

// ---------------------------------------------------------------------------
// Juju topology

/// Where a charm runs, as the observability stack labels it: the model (name
/// and UUID), the application, the unit and the charm's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JujuTopology {
    /// The model's name.
    pub model: String,
    /// The model's UUID.
    pub model_uuid: String,
    /// The application's name.
    pub application: String,
    /// The unit's name (`app/0`); empty when not known.
    #[serde(default)]
    pub unit: String,
    /// The charm's name (from its metadata); empty when not known.
    #[serde(default)]
    pub charm_name: String,
}

impl JujuTopology {
    /// A topology from its parts.
    pub fn new(
        model: impl Into<String>,
        model_uuid: impl Into<String>,
        application: impl Into<String>,
        unit: impl Into<String>,
        charm_name: impl Into<String>,
    ) -> Self {
        Self {
            model: model.into(),
            model_uuid: model_uuid.into(),
            application: application.into(),
            unit: unit.into(),
            charm_name: charm_name.into(),
        }
    }

    /// This unit's topology, in a hook.
    ///
    /// ```
    /// use ops_interfaces::cos::JujuTopology;
    /// use ops_runtime::HookContext;
    ///
    /// fn topology(cx: &HookContext) -> String {
    ///     JujuTopology::from_context(cx).identifier()
    /// }
    /// ```
    pub fn from_context(cx: &HookContext) -> Self {
        Self::new(
            cx.model_name(),
            cx.model_uuid(),
            cx.app_name(),
            cx.unit_name(),
            cx.meta().name,
        )
    }

    /// `<model>_<first 8 characters of the UUID>_<application>`, with `/`
    /// made `_`: the prefix of rule-group names and rule-file names.
    pub fn identifier(&self) -> String {
        let short: String = self.model_uuid.chars().take(8).collect();
        format!("{}_{}_{}", self.model, short, self.application).replace('/', "_")
    }

    /// The labels the stack adds to rules: `juju_model`, `juju_model_uuid`,
    /// `juju_application` and `juju_charm`, leaving out empty ones (never the
    /// unit, which would match the leader's data only).
    pub fn labels(&self) -> Vec<(&'static str, &str)> {
        [
            ("juju_model", self.model.as_str()),
            ("juju_model_uuid", self.model_uuid.as_str()),
            ("juju_application", self.application.as_str()),
            ("juju_charm", self.charm_name.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }

    /// The topology as the `scrape_metadata` and `metadata` keys carry it:
    /// `{"model": ..., "model_uuid": ..., "application": ..., "unit": ...,
    /// "charm_name": ...}`.
    pub fn to_json(&self) -> String {
        py_json_of(self, false)
    }

    /// Reads a topology from the JSON of `key`.
    ///
    /// # Errors
    ///
    /// Not JSON, or not an object with string `model`, `model_uuid` and
    /// `application`.
    pub fn from_json(key: &str, text: &str) -> Result<Self, DataError> {
        typed(key, parse_json(key, text)?)
    }
}

/// `matchers` as a PromQL/LogQL label-matcher list: `a="x", b="y"`.
#[cfg(any(feature = "prometheus-scrape", feature = "loki-push-api"))]
fn matcher_list<'a>(matchers: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    matchers
        .into_iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Alert rules

#[cfg(any(feature = "prometheus-scrape", feature = "loki-push-api"))]
pub use rules::{
    AlertRules, MAX_RULE_FILE_BYTES, MAX_RULE_FILES, QueryLanguage, RuleFileError, RulesError,
};

#[cfg(any(feature = "prometheus-scrape", feature = "loki-push-api"))]
mod rules {
    use std::path::{Path, PathBuf};

    use serde_json::Map;

    use super::{JujuTopology, Value, kind, matcher_list, py_json};

    /// The most bytes of one rule file.
    pub const MAX_RULE_FILE_BYTES: u64 = 1 << 20;

    /// The most rule files read from one directory tree.
    pub const MAX_RULE_FILES: usize = 1000;

    /// The deepest directory nesting read.
    const MAX_DIR_DEPTH: usize = 16;

    /// The deepest nesting of a rule file's values.
    const MAX_VALUE_DEPTH: usize = 32;

    /// The file suffixes read as rule files.
    const SUFFIXES: &[&str] = &["rule", "rules", "yml", "yaml"];

    /// The placeholder a rule's expression may hold, replaced by the topology's
    /// label matchers.
    const PLACEHOLDER: &str = "%%juju_topology%%";

    /// The query language of the rules' expressions.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum QueryLanguage {
        /// PromQL (Prometheus).
        PromQl,
        /// LogQL (Loki).
        LogQl,
    }

    /// One rule file that could not be read, and why (never its contents).
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("rule file `{path}`: {problem}")]
    pub struct RuleFileError {
        /// The file.
        pub path: PathBuf,
        /// What is wrong.
        pub problem: String,
    }

    /// Rule files that could not be read; the others were added.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("{} rule file(s) skipped: {}", files.len(), files.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    pub struct RulesError {
        /// Every file skipped.
        pub files: Vec<RuleFileError>,
    }

    /// Alert rules with the charm's Juju topology injected, gathered from
    /// rule files in Prometheus's format (a `groups:` list) or single-rule
    /// files (one `alert:` with its `expr:`), as the observability charms
    /// expect them over `prometheus_scrape` and `loki_push_api`.
    ///
    /// Each group is renamed `<topology identifier>_<sub-directory>_<name>_alerts`
    /// (a single-rule file's group is named after the file), reduced to
    /// `[a-zA-Z0-9_:]`; each rule gets the labels `juju_model`,
    /// `juju_model_uuid`, `juju_application` and `juju_charm` unless it sets
    /// them; and `%%juju_topology%%` in an expression becomes the matchers of
    /// its model, model UUID and application. The receiving side injects the
    /// same matchers into every expression from the labels.
    ///
    /// ```
    /// use ops_interfaces::cos::{AlertRules, JujuTopology, QueryLanguage};
    ///
    /// let topology = JujuTopology::new("cos", "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", "zinc", "zinc/0", "zinc-k8s");
    /// let mut rules = AlertRules::new(QueryLanguage::PromQl, Some(topology));
    /// rules
    ///     .add_source("down.rule", "", "alert: ZincDown\nexpr: up{%%juju_topology%%} < 1\nfor: 5m\n")
    ///     .unwrap();
    /// let value = rules.to_value();
    /// let group = &value["groups"][0];
    /// assert_eq!(group["name"], "cos_2f7dd1c5_zinc_down_alerts");
    /// let rule = &group["rules"][0];
    /// assert_eq!(rule["labels"]["juju_charm"], "zinc-k8s");
    /// assert_eq!(
    ///     rule["expr"],
    ///     r#"up{juju_model="cos", juju_model_uuid="2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f", juju_application="zinc"} < 1"#
    /// );
    /// ```
    #[derive(Debug, Clone)]
    pub struct AlertRules {
        language: QueryLanguage,
        topology: Option<JujuTopology>,
        groups: Vec<Value>,
    }

    impl AlertRules {
        /// No rules yet, for expressions in `language`, labelled with
        /// `topology` (`None` leaves rules unlabelled).
        pub fn new(language: QueryLanguage, topology: Option<JujuTopology>) -> Self {
            Self {
                language,
                topology,
                groups: Vec::new(),
            }
        }

        /// The groups gathered so far, topology injected.
        pub fn groups(&self) -> &[Value] {
            &self.groups
        }

        /// Whether no group was gathered.
        pub fn is_empty(&self) -> bool {
            self.groups.is_empty()
        }

        /// The rule file: `{"groups": [...]}`, or `{}` without groups.
        pub fn to_value(&self) -> Value {
            if self.groups.is_empty() {
                Value::Object(Map::new())
            } else {
                let mut map = Map::new();
                map.insert("groups".into(), Value::Array(self.groups.clone()));
                map.into()
            }
        }

        /// The rule file as JSON, as the `alert_rules` keys carry it
        /// (`sort_keys` as Loki's library writes it).
        pub fn to_json(&self, sort_keys: bool) -> String {
            py_json(&self.to_value(), sort_keys)
        }

        /// Adds the generic `HostHealth` group the newer reference libraries
        /// add for every application: `HostDown` (`up < 1` for 5 minutes,
        /// critical) and `HostMetricsMissing` (`absent(up)` for 5 minutes,
        /// warning), named and labelled with the topology like any other.
        pub fn add_host_health(&mut self) {
            let group = serde_json::json!({"groups": [{
                "name": "HostHealth",
                "rules": [
                    {
                        "alert": "HostDown",
                        "expr": "up < 1",
                        "for": "5m",
                        "labels": {"severity": "critical"},
                        "annotations": {
                            "summary": "Target {{ $labels.instance }} is down",
                            "description": "Prometheus could not scrape {{ $labels.instance }} of application {{ $labels.juju_application }} (model {{ $labels.juju_model }}) for five minutes.",
                        },
                    },
                    {
                        "alert": "HostMetricsMissing",
                        "expr": "absent(up)",
                        "for": "5m",
                        "labels": {"severity": "warning"},
                        "annotations": {
                            "summary": "No metrics from unit {{ $labels.juju_unit }} of {{ $labels.juju_application }}",
                            "description": "No `up` series for unit {{ $labels.juju_unit }} of application {{ $labels.juju_application }} (model {{ $labels.juju_model }}): the unit, or whatever scrapes it, is down or cannot reach the metrics backend.",
                        },
                    },
                ],
            }]});
            let prefix = self
                .topology
                .as_ref()
                .map(JujuTopology::identifier)
                .unwrap_or_default();
            // A fixed, valid rule file: adding it cannot fail.
            let _ = self.add_value(group, None, &prefix);
        }

        /// Adds the rule files under `dir` (`*.rule`, `*.rules`, `*.yml`,
        /// `*.yaml`, in path order; sub-directories too if `recursive`, their
        /// relative path joining the group names). A directory that does not
        /// exist adds nothing.
        ///
        /// # Errors
        ///
        /// Files that could not be read or are not rule files, each named;
        /// every other file was added.
        pub fn add_dir(&mut self, dir: &Path, recursive: bool) -> Result<(), RulesError> {
            let mut files = Vec::new();
            let mut errors = Vec::new();
            if dir.is_dir() {
                collect(dir, recursive, 0, &mut files, &mut errors);
            }
            files.sort();
            if files.len() > MAX_RULE_FILES {
                errors.push(RuleFileError {
                    path: dir.to_owned(),
                    problem: format!(
                        "{} rule files, more than the {MAX_RULE_FILES} read; the first {MAX_RULE_FILES} were",
                        files.len()
                    ),
                });
                files.truncate(MAX_RULE_FILES);
            }
            for path in files {
                if let Err(e) = self.add_file(dir, &path) {
                    errors.push(e);
                }
            }
            if errors.is_empty() {
                Ok(())
            } else {
                Err(RulesError { files: errors })
            }
        }

        /// Adds one rule file, `path`, found under `root` (whose relative
        /// directory joins the group names).
        ///
        /// # Errors
        ///
        /// The file cannot be read, is larger than [`MAX_RULE_FILE_BYTES`], is
        /// not YAML, or holds no rule.
        pub fn add_file(&mut self, root: &Path, path: &Path) -> Result<(), RuleFileError> {
            let fail = |problem: String| RuleFileError {
                path: path.to_owned(),
                problem,
            };
            let size = std::fs::metadata(path)
                .map_err(|e| fail(e.to_string()))?
                .len();
            if size > MAX_RULE_FILE_BYTES {
                return Err(fail(format!(
                    "{size} bytes, more than the {MAX_RULE_FILE_BYTES} read"
                )));
            }
            let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rel_dir = path
                .parent()
                .and_then(|parent| parent.strip_prefix(root).ok())
                .map(|rel| rel.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.add_text(&stem, &rel_dir, &text).map_err(fail)
        }

        /// Adds the rules of a file's text (from `include_str!`, say): `name`
        /// is its file name (its stem names a single rule's group), `rel_dir`
        /// its directory relative to the rules' root (empty at the root).
        ///
        /// # Errors
        ///
        /// The text is larger than [`MAX_RULE_FILE_BYTES`], not YAML, or holds
        /// no rule; the error names `name`.
        pub fn add_source(
            &mut self,
            name: &str,
            rel_dir: &str,
            text: &str,
        ) -> Result<(), RuleFileError> {
            let stem = Path::new(name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.add_text(&stem, rel_dir, text)
                .map_err(|problem| RuleFileError {
                    path: PathBuf::from(rel_dir).join(name),
                    problem,
                })
        }

        fn add_text(&mut self, stem: &str, rel_dir: &str, text: &str) -> Result<(), String> {
            if text.len() as u64 > MAX_RULE_FILE_BYTES {
                return Err(format!(
                    "{} bytes, more than the {MAX_RULE_FILE_BYTES} read",
                    text.len()
                ));
            }
            let value = parse_yaml(text)?;
            let mut prefix_parts = Vec::new();
            if let Some(topology) = &self.topology {
                prefix_parts.push(topology.identifier());
            }
            if !rel_dir.is_empty() {
                prefix_parts.push(rel_dir.to_owned());
            }
            let prefix = prefix_parts.join("_");
            self.add_value(value, Some(stem), &prefix)
        }

        /// Adds rules given as a value: a rule file (`{"groups": [...]}`) or a
        /// single rule (`{"alert": ..., "expr": ...}`, grouped under
        /// `group_name`), prefixing group names with `prefix` (the topology
        /// identifier, say; may be empty).
        ///
        /// # Errors
        ///
        /// The value is neither form, or a group or rule is malformed; nothing
        /// is added then.
        pub fn add_value(
            &mut self,
            value: Value,
            group_name: Option<&str>,
            prefix: &str,
        ) -> Result<(), String> {
            let Value::Object(mut object) = value else {
                return Err(format!("{}, not a rule file or a rule", kind(&value)));
            };
            if object.is_empty() {
                return Err("empty".into());
            }
            let groups = if let Some(groups) = object.remove("groups") {
                let Value::Array(groups) = groups else {
                    return Err(format!("`groups` is {}, not a list", kind(&groups)));
                };
                groups
            } else if object.contains_key("alert") && object.contains_key("expr") {
                let mut group = Map::new();
                group.insert("name".into(), group_name.unwrap_or("rules").into());
                group.insert("rules".into(), Value::Array(vec![Value::Object(object)]));
                vec![Value::Object(group)]
            } else {
                return Err(
                    "neither a rule file (`groups:`) nor a single rule (`alert:` and `expr:`)"
                        .into(),
                );
            };
            let mut done = Vec::with_capacity(groups.len());
            for (i, group) in groups.into_iter().enumerate() {
                done.push(
                    self.group(group, prefix)
                        .map_err(|e| format!("group {i}: {e}"))?,
                );
            }
            self.groups.extend(done);
            Ok(())
        }

        fn group(&self, group: Value, prefix: &str) -> Result<Value, String> {
            let Value::Object(mut group) = group else {
                return Err(format!("{}, not an object", kind(&group)));
            };
            let name = match group.get("name") {
                Some(Value::String(name)) => name.clone(),
                Some(other) => return Err(format!("`name` is {}, not a string", kind(other))),
                None => return Err("no `name`".into()),
            };
            let name = if already_named(&name) {
                name
            } else {
                [prefix, name.as_str(), "alerts"]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join("_")
            };
            group.insert("name".into(), sanitize(&name).into());
            let Some(Value::Array(rules)) = group.get_mut("rules") else {
                return Err("no `rules` list".into());
            };
            for (i, rule) in rules.iter_mut().enumerate() {
                self.rule(rule).map_err(|e| format!("rule {i}: {e}"))?;
            }
            Ok(Value::Object(group))
        }

        fn rule(&self, rule: &mut Value) -> Result<(), String> {
            let Value::Object(rule) = rule else {
                return Err(format!("{}, not an object", kind(rule)));
            };
            let labels = rule
                .entry("labels")
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(labels) = labels else {
                return Err(format!("`labels` is {}, not an object", kind(labels)));
            };
            let Some(topology) = &self.topology else {
                return Ok(());
            };
            for (label, value) in topology.labels() {
                labels.entry(label).or_insert_with(|| value.into());
            }
            let matchers: Vec<(&str, String)> =
                ["juju_model", "juju_model_uuid", "juju_application"]
                    .into_iter()
                    .filter_map(|k| match labels.get(k) {
                        Some(Value::String(v)) if !v.is_empty() => Some((k, v.clone())),
                        _ => None,
                    })
                    .collect();
            let matchers = matcher_list(matchers.iter().map(|(k, v)| (*k, v.as_str())));
            match rule.get_mut("expr") {
                Some(Value::String(expr)) => {
                    *expr = inject(expr, &matchers, self.language);
                    Ok(())
                }
                Some(other) => Err(format!("`expr` is {}, not a string", kind(other))),
                None => Err("no `expr`".into()),
            }
        }
    }

    /// Replaces each placeholder with `matchers` (and its trailing comma when
    /// there are none).
    fn inject(expr: &str, matchers: &str, language: QueryLanguage) -> String {
        let replacement = if matchers.is_empty() && language == QueryLanguage::LogQl {
            // A LogQL stream selector needs one matcher.
            "job=~\".+\""
        } else {
            matchers
        };
        let mut out = String::with_capacity(expr.len() + replacement.len());
        let mut rest = expr;
        while let Some(at) = rest.find(PLACEHOLDER) {
            out.push_str(&rest[..at]);
            rest = &rest[at + PLACEHOLDER.len()..];
            if replacement.is_empty() {
                rest = rest.strip_prefix(',').unwrap_or(rest);
            } else {
                out.push_str(replacement);
            }
        }
        out.push_str(rest);
        out
    }

    /// Whether a group's name already carries a topology identifier and the
    /// `alerts` suffix (`.*_<8 hex>_.*alerts`), so it is not renamed again.
    fn already_named(name: &str) -> bool {
        let bytes = name.as_bytes();
        if !name.ends_with("alerts") {
            return false;
        }
        (0..bytes.len()).any(|i| {
            bytes.len() >= i + 10 + 6
                && bytes[i] == b'_'
                && bytes[i + 1..i + 9]
                    .iter()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
                && bytes[i + 9] == b'_'
        })
    }

    /// `name` with every character outside `[a-zA-Z0-9_:]` made `_`.
    fn sanitize(name: &str) -> String {
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// Collects rule files under `dir`.
    fn collect(
        dir: &Path,
        recursive: bool,
        depth: usize,
        files: &mut Vec<PathBuf>,
        errors: &mut Vec<RuleFileError>,
    ) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                errors.push(RuleFileError {
                    path: dir.to_owned(),
                    problem: e.to_string(),
                });
                return;
            }
        };
        for entry in entries.flatten() {
            if files.len() > MAX_RULE_FILES {
                return;
            }
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            // Symbolic links are followed as files, not as directories
            // (no cycles).
            if file_type.is_dir() {
                if recursive && depth < MAX_DIR_DEPTH {
                    collect(&path, recursive, depth + 1, files, errors);
                }
            } else if path.is_file()
                && path
                    .extension()
                    .is_some_and(|ext| SUFFIXES.iter().any(|s| ext == *s))
            {
                files.push(path);
            }
        }
    }

    /// Parses a rule file's YAML, bounded in work and nesting.
    fn parse_yaml(text: &str) -> Result<Value, String> {
        // The YAML parser's work grows with the size times the nesting of
        // flow collections; bound the product as ops-runtime does for layers.
        let brackets = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
        if (text.len() as u64).saturating_mul(brackets as u64) > 1 << 27 {
            return Err("too complex to parse (size times brackets)".into());
        }
        let value: Value = yaml_serde::from_str(text).map_err(|e| match e.location() {
            Some(at) => format!(
                "not YAML of plain values (line {}, column {})",
                at.line(),
                at.column()
            ),
            None => "not YAML of plain values".to_owned(),
        })?;
        if depth(&value) > MAX_VALUE_DEPTH {
            return Err(format!("nested deeper than {MAX_VALUE_DEPTH} levels"));
        }
        Ok(value)
    }

    fn depth(value: &Value) -> usize {
        match value {
            Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn already_named_matches_the_reference_pattern() {
            assert!(already_named("cos_2f7dd1c5_zinc_alerts"));
            assert!(already_named("a_0123abcd_alerts"));
            assert!(!already_named("cos_2f7dd1c5_zinc_rules"));
            assert!(!already_named("cos_2F7DD1C5_zinc_alerts"));
            assert!(!already_named("alerts"));
        }

        #[test]
        fn placeholder_with_no_topology_goes_with_its_comma() {
            assert_eq!(
                inject("up{%%juju_topology%%,job=\"x\"}", "", QueryLanguage::PromQl),
                "up{job=\"x\"}"
            );
            assert_eq!(
                inject("{%%juju_topology%%}", "", QueryLanguage::LogQl),
                "{job=~\".+\"}"
            );
            assert_eq!(
                inject(
                    "{%%juju_topology%%, a=\"b\"}",
                    "m=\"1\"",
                    QueryLanguage::LogQl
                ),
                "{m=\"1\", a=\"b\"}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_json_escapes_as_python_does() {
        let value = serde_json::json!({"b": ["é", 1, true, null], "a": "\u{1F600}\"\u{7f}"});
        assert_eq!(
            py_json(&value, false),
            r#"{"b": ["\u00e9", 1, true, null], "a": "\ud83d\ude00\"\u007f"}"#
        );
        assert_eq!(
            py_json(&value, true),
            r#"{"a": "\ud83d\ude00\"\u007f", "b": ["\u00e9", 1, true, null]}"#
        );
    }

    #[test]
    fn serde_messages_lose_the_values_they_quote() {
        let err = serde_json::from_str::<u8>(r#""secret""#).unwrap_err();
        assert!(!shape(&err).contains("secret"));
    }
}
