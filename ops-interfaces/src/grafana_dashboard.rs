//! The `grafana_dashboard` interface (library v0): a charm (the **provider**,
//! endpoint `grafana-dashboard` by convention) ships Grafana dashboards to
//! Grafana (the **requirer**).
//!
//! The provider's leader writes one key, `dashboards`, into its application
//! bag: a JSON object of `templates`, keyed `file:<stem>` for dashboards read
//! from files and `prog:<8 chars>` for those added in code, and a random
//! `uuid` that changes on every write so Grafana always sees a change. Each
//! template carries the dashboard's JSON compressed with xz (the format of
//! Python's `lzma.compress`: preset 6, CRC64 check) and base64-encoded, the
//! charm's name, its topology, and an alternative uid.
//!
//! Before compressing, a dashboard gets a 40-hex-character `uid` derived from
//! the charm's name and its file's path (unless it has one of that shape), and
//! a `charm: <name>` tag. Grafana adds the topology dropdowns and datasource
//! variables (`${prometheusds}`, `${lokids}`) itself when `inject_dropdowns`.
//!
//! ```
//! use ops_interfaces::grafana_dashboard::{decode_content, encode_content};
//!
//! let encoded = encode_content(r#"{"title": "Zinc"}"#);
//! assert!(encoded.starts_with("/Td6WFoAAA")); // the xz magic, in base64
//! assert_eq!(decode_content(&encoded).unwrap(), r#"{"title": "Zinc"}"#);
//! ```

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ops_runtime::event::RelationRef;
use ops_runtime::{
    Bag, CharmError, Component, CustomEvent, Databag, Emitter, Endpoint, Event, HookContext,
    Interface, LogLevel, Member, ModelError,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shake::{ExtendableOutput, Update};

use crate::cos::{DataError, JujuTopology, parse_json, py_json, py_json_of, typed};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "grafana_dashboard";

/// The conventional provider endpoint.
pub const DEFAULT_ENDPOINT: &str = "grafana-dashboard";

/// Where dashboards are read from by default, relative to the charm's directory.
pub const DEFAULT_DASHBOARDS_DIR: &str = "src/grafana_dashboards";

/// The most bytes of one dashboard file, and of one decompressed dashboard.
pub const MAX_DASHBOARD_BYTES: u64 = 8 << 20;

/// The most dashboard files read from one directory.
pub const MAX_DASHBOARD_FILES: usize = 500;

/// The memory the xz decoder may use, in KiB (preset 9 needs 64 MiB).
const XZ_MEMORY_KIB: u32 = 96 * 1024;

// ---------------------------------------------------------------------------
// Content encoding

/// `json` compressed as Python's `lzma.compress` does (xz container, preset
/// 6, CRC64 check), then standard base64 with padding.
pub fn encode_content(json: &str) -> String {
    let mut writer =
        match lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)) {
            Ok(writer) => writer,
            // Creating an encoder with a built-in preset does not fail; an empty
            // string would be rejected by Grafana's side, not mistaken for data.
            Err(_) => return String::new(),
        };
    let compressed = writer
        .write_all(json.as_bytes())
        .and_then(|()| writer.finish());
    match compressed {
        Ok(bytes) => STANDARD.encode(bytes),
        Err(_) => String::new(),
    }
}

/// Why [`decode_content`] failed (never the content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    /// Not standard base64.
    #[error("not base64")]
    Base64,
    /// Not an xz stream, or a corrupt one.
    #[error("not xz-compressed data ({0})")]
    Xz(String),
    /// Decompressed, larger than [`MAX_DASHBOARD_BYTES`].
    #[error("larger than {MAX_DASHBOARD_BYTES} bytes once decompressed")]
    TooLarge,
    /// Decompressed, not UTF-8 text.
    #[error("not UTF-8 once decompressed")]
    NotText,
}

/// Reverses [`encode_content`], as Grafana's side does: base64, then xz
/// (several concatenated streams allowed), bounded to [`MAX_DASHBOARD_BYTES`].
///
/// # Errors
///
/// See [`ContentError`].
pub fn decode_content(encoded: &str) -> Result<String, ContentError> {
    let compressed = STANDARD
        .decode(encoded.trim())
        .map_err(|_| ContentError::Base64)?;
    let reader = lzma_rust2::XzReader::new_mem_limit(compressed.as_slice(), true, XZ_MEMORY_KIB);
    let mut out = Vec::new();
    reader
        .take(MAX_DASHBOARD_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| ContentError::Xz(e.kind().to_string()))?;
    if out.len() as u64 > MAX_DASHBOARD_BYTES {
        return Err(ContentError::TooLarge);
    }
    String::from_utf8(out).map_err(|_| ContentError::NotText)
}

// ---------------------------------------------------------------------------
// Dashboard preparation

/// `len` bytes of SHAKE-256 of `input`, in lower-case hex.
fn shake_hex(input: &str, len: usize) -> String {
    let mut hasher = shake::Shake256::default();
    hasher.update(input.as_bytes());
    let mut out = vec![0u8; len];
    hasher.finalize_xof_into(&mut out);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

/// The uid of a dashboard file: SHAKE-256 of `<charm name>-<path relative to
/// the charm's directory>`, 20 bytes in hex (40 characters, Grafana's longest).
///
/// ```
/// use ops_interfaces::grafana_dashboard::dashboard_uid;
///
/// let uid = dashboard_uid("zinc-k8s", "src/grafana_dashboards/zinc.json");
/// assert_eq!(uid.len(), 40);
/// ```
pub fn dashboard_uid(charm_name: &str, rel_path: &str) -> String {
    shake_hex(&format!("{charm_name}-{rel_path}"), 20)
}

/// A template's alternative uid: SHAKE-256 of `<charm name>-<template id>`,
/// 8 bytes in hex.
pub fn alt_uid(charm_name: &str, template_id: &str) -> String {
    shake_hex(&format!("{charm_name}-{template_id}"), 8)
}

fn is_path40_uid(uid: &str) -> bool {
    uid.len() == 40 && uid.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Prepares a dashboard file's JSON as the provider library does: sets its
/// `uid` to [`dashboard_uid`] unless it already has a 40-hex-character one,
/// and adds the tag `charm: <charm name>` unless a `charm: ` tag is there.
///
/// # Errors
///
/// The dashboard is not a JSON object, or its `tags` is not a list.
pub fn prepare_dashboard(
    dashboard: &mut Value,
    charm_name: &str,
    rel_path: &str,
) -> Result<(), String> {
    let Value::Object(map) = dashboard else {
        return Err("not a JSON object".into());
    };
    let keep = matches!(map.get("uid"), Some(Value::String(uid)) if is_path40_uid(uid));
    if !keep {
        map.insert("uid".into(), dashboard_uid(charm_name, rel_path).into());
    }
    let tags = map
        .entry("tags")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Value::Array(tags) = tags else {
        return Err("`tags` is not a list".into());
    };
    let tagged = tags
        .iter()
        .any(|t| t.as_str().is_some_and(|t| t.starts_with("charm: ")));
    if !tagged {
        tags.push(format!("charm: {charm_name}").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The bag

/// The topology a template carries (no charm name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateTopology {
    /// The model's name.
    pub model: String,
    /// The model's UUID.
    pub model_uuid: String,
    /// The application's name.
    pub application: String,
    /// The unit's name.
    pub unit: String,
}

impl From<&JujuTopology> for TemplateTopology {
    fn from(t: &JujuTopology) -> Self {
        Self {
            model: t.model.clone(),
            model_uuid: t.model_uuid.clone(),
            application: t.application.clone(),
            unit: t.unit.clone(),
        }
    }
}

/// One dashboard of the `dashboards` key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardTemplate {
    /// The providing charm's name.
    pub charm: String,
    /// The dashboard's JSON, xz-compressed and base64-encoded ([`encode_content`]).
    pub content: String,
    /// The provider's topology, `{}` when `inject_dropdowns` is false.
    #[serde(with = "optional_topology")]
    pub juju_topology: Option<TemplateTopology>,
    /// Whether Grafana adds the topology dropdowns.
    #[serde(default = "yes")]
    pub inject_dropdowns: bool,
    /// The uid Grafana uses if the dashboard has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboard_alt_uid: Option<String>,
}

fn yes() -> bool {
    true
}

mod optional_topology {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::{Map, Value};

    use super::TemplateTopology;

    #[allow(clippy::ref_option)]
    pub(super) fn serialize<S: Serializer>(
        value: &Option<TemplateTopology>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(t) => t.serialize(serializer),
            None => Map::new().serialize(serializer),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<TemplateTopology>, D::Error> {
        let value = Value::deserialize(deserializer)?;
        match value {
            Value::Object(ref map) if map.is_empty() => Ok(None),
            Value::Null => Ok(None),
            other => serde_json::from_value(other)
                .map(Some)
                .map_err(serde::de::Error::custom),
        }
    }
}

impl DashboardTemplate {
    /// A template of `dashboard_json` (already prepared), for charm
    /// `charm_name` at `topology`, with id `template_id`.
    pub fn new(
        template_id: &str,
        dashboard_json: &str,
        charm_name: &str,
        topology: &JujuTopology,
        inject_dropdowns: bool,
    ) -> Self {
        Self {
            charm: charm_name.to_owned(),
            content: encode_content(dashboard_json),
            juju_topology: inject_dropdowns.then(|| topology.into()),
            inject_dropdowns,
            dashboard_alt_uid: Some(alt_uid(charm_name, template_id)),
        }
    }

    /// The dashboard's JSON text.
    ///
    /// # Errors
    ///
    /// The content does not decode; see [`decode_content`].
    pub fn dashboard(&self) -> Result<String, ContentError> {
        decode_content(&self.content)
    }
}

/// The `prog:` id of a dashboard added in code: characters −24 to −16 of its
/// encoded content, stable across units.
pub fn programmatic_id(encoded: &str) -> String {
    let chars: Vec<char> = encoded.chars().collect();
    let n = chars.len();
    let start = n.saturating_sub(24);
    let end = n.saturating_sub(16);
    format!("prog:{}", chars[start..end].iter().collect::<String>())
}

/// The provider's application bag: the `dashboards` key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderAppData {
    /// The templates by id (`file:<stem>`, `prog:<chars>`).
    pub templates: BTreeMap<String, DashboardTemplate>,
    /// A fresh uuid4 on every write.
    pub uuid: String,
}

#[derive(Serialize, Deserialize)]
struct DashboardsJson {
    templates: BTreeMap<String, DashboardTemplate>,
    #[serde(default)]
    uuid: String,
}

impl ProviderAppData {
    /// The bag for `templates`, with a new random uuid.
    pub fn new(templates: BTreeMap<String, DashboardTemplate>) -> Self {
        Self {
            templates,
            uuid: uuid4(),
        }
    }

    /// The bag: `dashboards`, JSON as Python writes it.
    pub fn to_databag(&self) -> Databag {
        let json = DashboardsJson {
            templates: self.templates.clone(),
            uuid: self.uuid.clone(),
        };
        [("dashboards".to_owned(), py_json_of(&json, false))].into()
    }

    /// Reads the bag as Grafana does (the templates' contents are not
    /// decoded; see [`DashboardTemplate::dashboard`]).
    ///
    /// # Errors
    ///
    /// `dashboards` is missing or not the JSON object described above.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let text = bag
            .get("dashboards")
            .ok_or_else(|| DataError::new("dashboards", "missing"))?;
        let json: DashboardsJson = typed("dashboards", parse_json("dashboards", text)?)?;
        Ok(Self {
            templates: json.templates,
            uuid: json.uuid,
        })
    }
}

/// A random version-4 UUID, as Python's `uuid.uuid4()` formats it.
pub fn uuid4() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No entropy source: any value that differs between writes will do,
        // since the uuid only forces relation-changed.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes = (nanos ^ u128::from(std::process::id())).to_le_bytes();
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Grafana's report of dashboards it could not decode: the `event` key of
/// its application bag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardErrors {
    /// Whether the dashboards are valid (absent means valid unless errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
    /// One entry per dashboard that failed.
    #[serde(default)]
    pub errors: Vec<DashboardError>,
}

/// One dashboard Grafana could not use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardError {
    /// The template id.
    pub dashboard_id: String,
    /// What went wrong.
    pub error: String,
}

impl DashboardErrors {
    /// Whether Grafana reports the dashboards valid.
    pub fn is_valid(&self) -> bool {
        self.valid.unwrap_or(true) && self.errors.is_empty()
    }

    /// The `event` value.
    pub fn to_json(&self) -> String {
        py_json_of(self, false)
    }

    /// Reads Grafana's application bag; `None` without an `event` key or with
    /// an empty one.
    ///
    /// # Errors
    ///
    /// `event` is not the JSON object described above.
    pub fn from_databag(bag: &Databag) -> Result<Option<Self>, DataError> {
        let Some(text) = bag.get("event") else {
            return Ok(None);
        };
        let value = parse_json("event", text)?;
        if value.as_object().is_some_and(Map::is_empty) {
            return Ok(None);
        }
        typed("event", value).map(Some)
    }
}

// ---------------------------------------------------------------------------
// Reading dashboard files

/// A dashboard file that could not be read, and why (never its contents).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dashboard file `{path}`: {problem}")]
pub struct DashboardFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub problem: String,
}

/// Reads the dashboards of `dir` (`*.json`, `*.json.tmpl`, `*.tmpl`; not its
/// sub-directories) into templates keyed `file:<stem>`, each prepared with
/// [`prepare_dashboard`] (the path relative to `charm_dir` naming its uid) and
/// encoded. A directory that does not exist gives no template.
///
/// Returns the templates of the files that could be read, and an error for
/// each file that could not (too large, not a JSON object); the reference
/// library skips those too.
pub fn load_dir(
    dir: &Path,
    charm_dir: &Path,
    topology: &JujuTopology,
    inject_dropdowns: bool,
) -> (BTreeMap<String, DashboardTemplate>, Vec<DashboardFileError>) {
    let mut templates = BTreeMap::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (templates, errors);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.ends_with(".json") || n.ends_with(".tmpl")
                })
        })
        .collect();
    paths.sort();
    if paths.len() > MAX_DASHBOARD_FILES {
        errors.push(DashboardFileError {
            path: dir.to_owned(),
            problem: format!(
                "{} dashboard files, more than the {MAX_DASHBOARD_FILES} read",
                paths.len()
            ),
        });
        paths.truncate(MAX_DASHBOARD_FILES);
    }
    for path in paths {
        match load_file(&path, charm_dir, topology, inject_dropdowns) {
            Ok((id, template)) => {
                templates.insert(id, template);
            }
            Err(problem) => errors.push(DashboardFileError { path, problem }),
        }
    }
    (templates, errors)
}

fn load_file(
    path: &Path,
    charm_dir: &Path,
    topology: &JujuTopology,
    inject_dropdowns: bool,
) -> Result<(String, DashboardTemplate), String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_DASHBOARD_BYTES {
        return Err(format!(
            "{size} bytes, more than the {MAX_DASHBOARD_BYTES} read"
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let rel = path.strip_prefix(charm_dir).unwrap_or(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dashboard_template(
        &name,
        &rel.to_string_lossy(),
        &text,
        topology,
        inject_dropdowns,
    )
}

/// The template of one dashboard file's text (from `include_str!`, say):
/// `file_name` gives its id (`file:<stem>`), `rel_path` (its path relative to
/// the charm's directory, `src/grafana_dashboards/<file name>`) its uid.
///
/// # Errors
///
/// The text is larger than [`MAX_DASHBOARD_BYTES`] or not a JSON object.
pub fn dashboard_template(
    file_name: &str,
    rel_path: &str,
    text: &str,
    topology: &JujuTopology,
    inject_dropdowns: bool,
) -> Result<(String, DashboardTemplate), String> {
    if text.len() as u64 > MAX_DASHBOARD_BYTES {
        return Err(format!(
            "{} bytes, more than the {MAX_DASHBOARD_BYTES} read",
            text.len()
        ));
    }
    let mut dashboard: Value = serde_json::from_str(text)
        .map_err(|e| format!("not JSON (line {}, column {})", e.line(), e.column()))?;
    prepare_dashboard(&mut dashboard, &topology.charm_name, rel_path)?;
    let stem = Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id = format!("file:{stem}");
    let template = DashboardTemplate::new(
        &id,
        &py_json(&dashboard, false),
        &topology.charm_name,
        topology,
        inject_dropdowns,
    );
    Ok((id, template))
}

// ---------------------------------------------------------------------------
// The provider component

/// Grafana reported on the dashboards: the payload of
/// `<component>::dashboard_status_changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardStatusChanged {
    /// The relation.
    pub relation: RelationRef,
    /// Whether every dashboard could be used.
    pub valid: bool,
    /// The dashboards that could not.
    pub errors: Vec<DashboardError>,
}

impl CustomEvent for DashboardStatusChanged {
    const NAME: &'static str = "dashboard_status_changed";
}

/// The provider side of `grafana_dashboard`, as a component: its leader
/// publishes the charm's dashboards on relation-created and on
/// leader-elected, upgrade-charm and config-changed, and it emits
/// [`DashboardStatusChanged`] when Grafana reports on them.
///
/// Dashboards come from `src/grafana_dashboards` under the charm's directory
/// ([`with_dashboards_dir`](Self::with_dashboards_dir)) and from texts the
/// charm adds: [`with_dashboard_file`](Self::with_dashboard_file) for a file
/// embedded with `include_str!` (same id and uid as if read from the
/// directory), [`with_dashboard`](Self::with_dashboard) for one made in code
/// (a `prog:` id). A file that cannot be read is logged and left out.
///
/// ```
/// use ops_interfaces::grafana_dashboard::GrafanaDashboardProvider;
/// use ops_interfaces::testing::grafana_dashboard as remote;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// struct Zinc {
///     dashboards: GrafanaDashboardProvider,
/// }
///
/// impl Default for Zinc {
///     fn default() -> Self {
///         let dashboards = GrafanaDashboardProvider::default()
///             .with_dashboard_file("zinc.json", r#"{"title": "Zinc"}"#);
///         Self { dashboards }
///     }
/// }
///
/// #[charm(
///     components(dashboards: GrafanaDashboardProvider = "grafana-dashboard"),
///     metadata_source = "name: zinc\nprovides:\n  grafana-dashboard:\n    interface: grafana_dashboard\n"
/// )]
/// impl Zinc {}
///
/// let grafana = remote::requirer("grafana-dashboard", 1);
/// let state = State::new().with_leader(true).with_relation(grafana.clone());
/// let out = Context::<Zinc>::new().run(grafana.created_event(), state).unwrap();
/// let dashboards = remote::dashboards(out.relation(1).unwrap()).unwrap();
/// assert!(dashboards["file:zinc"].contains(r#""title": "Zinc""#));
/// ```
///
/// Bound to a `requires` endpoint (Grafana's side), it does not compile:
///
/// ```compile_fail
/// use ops_interfaces::grafana_dashboard::GrafanaDashboardProvider;
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Grafana {
///     dashboards: GrafanaDashboardProvider,
/// }
///
/// // error: component `dashboards` (`GrafanaDashboardProvider`) is bound to
/// // endpoint `grafana-dashboard`, which is under `requires` in charmcraft.yaml,
/// // but `GrafanaDashboardProvider` is the `provides` side of `grafana_dashboard`
/// #[charm(
///     components(dashboards: GrafanaDashboardProvider = "grafana-dashboard"),
///     metadata_source = "name: grafana\nrequires:\n  grafana-dashboard:\n    interface: grafana_dashboard\n"
/// )]
/// impl Grafana {}
/// ```
#[derive(Debug, Clone)]
pub struct GrafanaDashboardProvider {
    endpoint: Endpoint,
    dir: Option<PathBuf>,
    files: Vec<(String, String)>,
    programmatic: Vec<(String, bool)>,
    inject_dropdowns: bool,
}

impl Default for GrafanaDashboardProvider {
    /// A provider on the conventional endpoint, `grafana-dashboard`, with the
    /// dashboards of `src/grafana_dashboards`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked(DEFAULT_ENDPOINT))
    }
}

impl GrafanaDashboardProvider {
    /// A provider on `endpoint`, with the dashboards of
    /// `src/grafana_dashboards` and topology dropdowns.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            dir: Some(PathBuf::from(DEFAULT_DASHBOARDS_DIR)),
            files: Vec::new(),
            programmatic: Vec::new(),
            inject_dropdowns: true,
        }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// Reads dashboards from `dir`, relative to the charm's directory; `None`
    /// reads no directory.
    #[must_use]
    pub fn with_dashboards_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.dir = dir;
        self
    }

    /// Adds the text of a dashboard file named `file_name` (as if it were in
    /// the dashboards directory).
    #[must_use]
    pub fn with_dashboard_file(
        mut self,
        file_name: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        self.files.push((file_name.into(), text.into()));
        self
    }

    /// Adds a dashboard made in code, sent as it is (no uid or tag added),
    /// with topology dropdowns if `inject_dropdowns`.
    #[must_use]
    pub fn with_dashboard(mut self, json: impl Into<String>, inject_dropdowns: bool) -> Self {
        self.programmatic.push((json.into(), inject_dropdowns));
        self
    }

    /// Whether Grafana adds the topology dropdowns to the file dashboards
    /// (default: yes).
    #[must_use]
    pub fn with_inject_dropdowns(mut self, inject: bool) -> Self {
        self.inject_dropdowns = inject;
        self
    }

    /// The templates this provider publishes; files that could not be read
    /// are logged and left out.
    ///
    /// # Errors
    ///
    /// A hook tool failed (logging).
    pub fn templates(
        &self,
        cx: &mut HookContext,
    ) -> Result<BTreeMap<String, DashboardTemplate>, ModelError> {
        let topology = JujuTopology::from_context(cx);
        let mut templates = BTreeMap::new();
        let dir = self
            .dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DASHBOARDS_DIR));
        if self.dir.is_some() {
            let charm_dir = cx.juju().charm_dir.clone();
            let (found, errors) = load_dir(
                &charm_dir.join(&dir),
                &charm_dir,
                &topology,
                self.inject_dropdowns,
            );
            templates.extend(found);
            for e in errors {
                cx.juju_log(LogLevel::Warning, &format!("grafana_dashboard: {e}"))?;
            }
        }
        for (name, text) in &self.files {
            let rel = dir.join(name);
            match dashboard_template(
                name,
                &rel.to_string_lossy(),
                text,
                &topology,
                self.inject_dropdowns,
            ) {
                Ok((id, template)) => {
                    templates.insert(id, template);
                }
                Err(problem) => {
                    let e = DashboardFileError { path: rel, problem };
                    cx.juju_log(LogLevel::Warning, &format!("grafana_dashboard: {e}"))?;
                }
            }
        }
        for (json, inject) in &self.programmatic {
            let content = encode_content(json);
            let id = programmatic_id(&content);
            let template = DashboardTemplate {
                charm: topology.charm_name.clone(),
                content,
                juju_topology: inject.then(|| (&topology).into()),
                inject_dropdowns: *inject,
                dashboard_alt_uid: Some(alt_uid(&topology.charm_name, &id)),
            };
            templates.insert(id, template);
        }
        Ok(templates)
    }

    /// Publishes the dashboards on every relation (leader only; a no-op on
    /// other units), with a new uuid so that Grafana re-reads them.
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn update(&self, cx: &mut HookContext) -> Result<(), ModelError> {
        let relations = cx.relations(self.endpoint)?;
        self.publish(cx, &relations)
    }

    fn publish(&self, cx: &mut HookContext, relations: &[RelationRef]) -> Result<(), ModelError> {
        if relations.is_empty() || !cx.is_leader()? {
            return Ok(());
        }
        let templates = self.templates(cx)?;
        for relation in relations {
            let bag = ProviderAppData::new(templates.clone()).to_databag();
            cx.update_relation_data(relation, Bag::App, bag)?;
        }
        Ok(())
    }
}

impl Component for GrafanaDashboardProvider {
    const EVENTS: &'static [&'static str] = &[DashboardStatusChanged::NAME];
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
            Event::RelationCreated(e) if e.relation.endpoint == name => {
                self.publish(cx, std::slice::from_ref(&e.relation))?;
            }
            Event::RelationChanged(e) if e.relation.endpoint == name && e.unit.is_none() => {
                if !cx.is_leader()? {
                    return Ok(());
                }
                let bag = cx.relation_data(&e.relation, &Member::RemoteApp)?;
                match DashboardErrors::from_databag(&bag) {
                    Ok(Some(report)) => emit.emit(&DashboardStatusChanged {
                        relation: e.relation.clone(),
                        valid: report.is_valid(),
                        errors: report.errors,
                    })?,
                    Ok(None) => {}
                    Err(error) => {
                        let error = error.at(&e.relation, &Member::RemoteApp);
                        cx.juju_log(LogLevel::Warning, &format!("grafana_dashboard: {error}"))?;
                    }
                }
            }
            Event::LeaderElected | Event::UpgradeCharm | Event::ConfigChanged => self.update(cx)?,
            _ => {}
        }
        Ok(())
    }
}
