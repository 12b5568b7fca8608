//! The `ingress` interface, version 2, per application: a charm asks a proxy
//! (Traefik, say) to route one URL to all its units, and the proxy answers with
//! that URL.
//!
//! Two components, one per side, each bound to one endpoint:
//!
//! - [`IngressRequirer`], for the charm behind the proxy: every unit publishes
//!   where it can be reached, the leader publishes the application's request
//!   (model, name, port, scheme, prefix stripping, HTTPS redirection), and the
//!   component emits [`Ready`] when the proxy's URL is new and [`Revoked`]
//!   when the relation goes or the proxy withdraws the URL.
//! - [`IngressProvider`], for the proxy: emits [`DataProvided`] with the whole
//!   request once the application and every unit have published theirs, and
//!   [`DataRemoved`] when the relation is broken; the leader answers with
//!   [`IngressProvider::publish_url`].
//!
//! The databags are typed here too ([`RequirerAppData`], [`RequirerUnitData`],
//! [`ProviderAppData`]), with the exact encodings of the Python library that
//! Traefik ships (`charms.traefik_k8s.v2.ingress`): every value is JSON, a
//! string `cos` is stored as `"cos"` with its quotes, JSON objects are written
//! as Python's `json.dumps` writes them (`{"url": "http://..."}`), each writer
//! clears the bag before writing, and fields equal to their default are left
//! out. Reading is tolerant: keys the protocol does not define are ignored,
//! and so are the address keys Juju puts in every unit bag.
//!
//! Version 1 is recognised on read: a requirer that still writes raw strings
//! and its `host` in the application bag is served (and answered in its own
//! format, a YAML `url: ...`), and a requirer reads a YAML answer as well as a
//! JSON one.
//!
//! ```
//! use ops_interfaces::ingress::{ProviderAppData, RequirerAppData, Scheme};
//!
//! let mut request = RequirerAppData::new("cos", "alertmanager", 9093);
//! request.scheme = Scheme::Https;
//! request.strip_prefix = true;
//! let bag = request.to_databag();
//! assert_eq!(bag["model"], r#""cos""#);
//! assert_eq!(bag["port"], "9093");
//! assert_eq!(bag["strip-prefix"], "true");
//! assert!(!bag.contains_key("redirect-https")); // false is the default: left out
//! assert_eq!(RequirerAppData::from_databag(&bag).unwrap(), request);
//!
//! let answer = ProviderAppData::new("http://10.0.0.1/cos-alertmanager");
//! assert_eq!(answer.to_databag()["ingress"], r#"{"url": "http://10.0.0.1/cos-alertmanager"}"#);
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use ops_runtime::{
    Bag, Binding, CharmError, CollectStatus, Component, CustomEvent, Databag, Emitter, Endpoint,
    Event, HookContext, Interface, LogLevel, Member, ModelError, Protocol, Status, StoredState,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use ops_runtime::event::RelationRef;

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "ingress";

/// The keys Juju itself writes into every unit databag; readers skip them, and
/// writers that clear a bag leave them alone.
const JUJU_KEYS: &[&str] = &["private-address", "ingress-address", "egress-subnets"];

/// A key of a databag that does not follow the protocol, and what is wrong with
/// it (never the value itself, which may be anything the other side wrote).
///
/// ```
/// use ops_interfaces::ingress::RequirerAppData;
/// use ops_runtime::Databag;
///
/// let bag: Databag = [("model", "cos"), ("name", r#""am""#), ("port", "9093")]
///     .into_iter()
///     .map(|(k, v)| (k.to_owned(), v.to_owned()))
///     .collect();
/// let err = RequirerAppData::from_databag(&bag).unwrap_err();
/// assert_eq!(err.key, "model");
/// assert_eq!(err.to_string(), "key `model`: not JSON (ingress v2 stores every value as JSON)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {problem}")]
pub struct DataError {
    /// The key (`healthcheck_params.port` for a field inside a JSON object).
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

/// An error of the ingress components.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngressError {
    /// The other side's databag does not follow the protocol.
    #[error("relation `{relation}`, data of {member}, key `{key}`: {problem}")]
    InvalidData {
        /// The relation (`endpoint:id`).
        relation: String,
        /// Whose databag: `the remote application` or `` unit `app/0` ``.
        member: String,
        /// The key.
        key: String,
        /// What is wrong with its value (never the value).
        problem: String,
    },
    /// This charm asked for something the protocol cannot carry.
    #[error("relation `{relation}`: {problem}")]
    InvalidRequest {
        /// The relation (`endpoint:id`).
        relation: String,
        /// What is wrong.
        problem: String,
    },
    /// A hook tool or an access rule failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl IngressError {
    fn invalid(relation: &RelationRef, member: &Member, error: DataError) -> Self {
        IngressError::InvalidData {
            relation: relation.to_string(),
            member: member.to_string(),
            key: error.key,
            problem: error.problem,
        }
    }
}

// ---------------------------------------------------------------------------
// Encoding: JSON as Python's `json.dumps` writes it, and the YAML of version 1.

/// `value` as Python's `json.dumps` writes a string: ASCII only, everything
/// outside printable ASCII escaped as `\uXXXX` (surrogate pairs above U+FFFF).
fn json_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
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
    out
}

/// A JSON object as Python's `json.dumps` writes it: `{"a": 1, "b": "x"}`.
fn json_object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}: {v}", json_string(k)))
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// The text of a JSON value, described without quoting it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads the known keys of one version-2 databag.
struct V2<'a> {
    bag: &'a Databag,
}

impl V2<'_> {
    fn json(&self, key: &str) -> Result<Option<Value>, DataError> {
        match self.bag.get(key) {
            None => Ok(None),
            Some(raw) => serde_json::from_str(raw).map(Some).map_err(|_| {
                DataError::new(key, "not JSON (ingress v2 stores every value as JSON)")
            }),
        }
    }

    fn string(&self, key: &str) -> Result<Option<String>, DataError> {
        match self.json(key)? {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(DataError::new(
                key,
                format!("expected a JSON string, found {}", kind(&other)),
            )),
        }
    }

    fn required_string(&self, key: &str) -> Result<String, DataError> {
        self.string(key)?
            .ok_or_else(|| DataError::new(key, "missing"))
    }

    fn flag(&self, key: &str) -> Result<bool, DataError> {
        match self.json(key)? {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(other) => Err(DataError::new(
                key,
                format!("expected true or false, found {}", kind(&other)),
            )),
        }
    }
}

/// A port as version 2 allows it: a JSON integer from 1 to 65534.
fn port(key: &str, value: &Value) -> Result<u16, DataError> {
    let Value::Number(n) = value else {
        return Err(DataError::new(
            key,
            format!("expected a JSON integer, found {}", kind(value)),
        ));
    };
    match n.as_u64() {
        Some(p @ 1..=65534) => u16::try_from(p).map_err(|_| DataError::new(key, PORT_RANGE)),
        Some(_) => Err(DataError::new(key, PORT_RANGE)),
        None => Err(DataError::new(
            key,
            "expected a JSON integer, found a number that is not one",
        )),
    }
}

const PORT_RANGE: &str = "out of range: a port is from 1 to 65534";

/// Whether `url` is an absolute `http` or `https` URL with a host.
fn check_url(url: &str) -> Result<(), &'static str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Err("not an absolute `http://` or `https://` URL");
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a URL has no whitespace or control characters");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() || host.starts_with(':') {
        return Err("the URL has no host");
    }
    Ok(())
}

/// `url: <url>` as PyYAML's `safe_dump({"url": url})` writes it: plain when
/// it can be, single-quoted otherwise.
fn yaml_url(url: &str) -> String {
    let plain = url
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && url.chars().all(|c| c.is_ascii_graphic());
    if plain {
        format!("url: {url}\n")
    } else {
        format!("url: '{}'\n", url.replace('\'', "''"))
    }
}

/// The `url` of a version-1 answer, a YAML mapping such as `url: http://x/y`.
fn parse_yaml_url(text: &str) -> Result<String, &'static str> {
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("url:") else {
            continue;
        };
        let value = rest.trim();
        return if let Some(inner) = value.strip_prefix('\'') {
            inner
                .strip_suffix('\'')
                .map(|s| s.replace("''", "'"))
                .ok_or("an unterminated quoted string")
        } else if value.starts_with('"') {
            serde_json::from_str::<String>(value).map_err(|_| "an invalid quoted string")
        } else {
            // A plain scalar ends at a comment.
            Ok(value
                .split_once(" #")
                .map_or(value, |(v, _)| v)
                .trim_end()
                .to_owned())
        };
    }
    Err("no `url` in the YAML mapping")
}

// ---------------------------------------------------------------------------
// The databags.

/// The scheme the proxy uses to reach the units (not the scheme of the URL it
/// publishes, which depends on the proxy's own TLS setup).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// `http`, the default.
    #[default]
    Http,
    /// `https`.
    Https,
    /// `h2c`: HTTP/2 without TLS (gRPC, say).
    H2c,
}

impl Scheme {
    /// Its name on the wire: `http`, `https` or `h2c`.
    ///
    /// ```
    /// assert_eq!(ops_interfaces::ingress::Scheme::H2c.as_str(), "h2c");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::H2c => "h2c",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The health check the requirer asks the proxy to run against its units
/// (`healthcheck_params`, an addition of the Traefik library).
///
/// ```
/// use ops_interfaces::ingress::HealthCheck;
///
/// let check = HealthCheck { interval: "10s".into(), ..HealthCheck::new("/health") };
/// assert_eq!(check.to_json(), r#"{"path": "/health", "interval": "10s"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// The path to check.
    pub path: String,
    /// A scheme to check with instead of the units' own.
    pub scheme: Option<String>,
    /// The `Host` header to send.
    pub hostname: Option<String>,
    /// A port to check instead of the requested one.
    pub port: Option<u16>,
    /// How often to check (default `30s`).
    pub interval: String,
    /// How long a check may take (default `5s`).
    pub timeout: String,
}

impl HealthCheck {
    /// A check of `path`, every 30 seconds, with a 5 seconds timeout.
    ///
    /// ```
    /// let check = ops_interfaces::ingress::HealthCheck::new("/ready");
    /// assert_eq!((check.interval.as_str(), check.timeout.as_str()), ("30s", "5s"));
    /// ```
    pub fn new(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            scheme: None,
            hostname: None,
            port: None,
            interval: "30s".to_owned(),
            timeout: "5s".to_owned(),
        }
    }

    /// The JSON object stored under `healthcheck_params`: fields in the
    /// library's order, unset ones and defaults left out.
    ///
    /// ```
    /// let check = ops_interfaces::ingress::HealthCheck::new("/");
    /// assert_eq!(check.to_json(), r#"{"path": "/"}"#);
    /// ```
    pub fn to_json(&self) -> String {
        let mut fields = vec![("path", json_string(&self.path))];
        if let Some(scheme) = &self.scheme {
            fields.push(("scheme", json_string(scheme)));
        }
        if let Some(hostname) = &self.hostname {
            fields.push(("hostname", json_string(hostname)));
        }
        if let Some(port) = self.port {
            fields.push(("port", port.to_string()));
        }
        if self.interval != "30s" {
            fields.push(("interval", json_string(&self.interval)));
        }
        if self.timeout != "5s" {
            fields.push(("timeout", json_string(&self.timeout)));
        }
        json_object(&fields)
    }

    fn from_value(key: &str, value: Value) -> Result<Self, DataError> {
        let Value::Object(map) = value else {
            return Err(DataError::new(
                key,
                format!("expected a JSON object, found {}", kind(&value)),
            ));
        };
        let field = |name: &str| format!("{key}.{name}");
        let string = |name: &str| -> Result<Option<String>, DataError> {
            match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(DataError::new(
                    field(name),
                    format!("expected a string, found {}", kind(other)),
                )),
            }
        };
        let mut check = HealthCheck::new(
            string("path")?.ok_or_else(|| DataError::new(field("path"), "missing"))?,
        );
        check.scheme = string("scheme")?;
        check.hostname = string("hostname")?;
        check.port = match map.get("port") {
            None | Some(Value::Null) => None,
            Some(p) => Some(port(&field("port"), p)?),
        };
        if let Some(interval) = string("interval")? {
            check.interval = interval;
        }
        if let Some(timeout) = string("timeout")? {
            check.timeout = timeout;
        }
        Ok(check)
    }
}

/// The requirer's application databag, written by its leader: what to route,
/// and how.
///
/// ```
/// use ops_interfaces::ingress::RequirerAppData;
///
/// let bag = RequirerAppData::new("cos", "alertmanager", 9093).to_databag();
/// let keys: Vec<&str> = bag.keys().map(String::as_str).collect();
/// assert_eq!(keys, ["model", "name", "port"]); // defaults are left out
/// assert_eq!(bag["name"], r#""alertmanager""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequirerAppData {
    /// The requirer's model name (`model`).
    pub model: String,
    /// The requirer's application name (`name`).
    pub name: String,
    /// The port to route to, 1 to 65534 (`port`).
    pub port: u16,
    /// How the proxy reaches the units (`scheme`, default `http`).
    pub scheme: Scheme,
    /// Whether the proxy strips the `/<model>-<name>` prefix (`strip-prefix`).
    pub strip_prefix: bool,
    /// Whether the proxy redirects HTTP to HTTPS (`redirect-https`).
    pub redirect_https: bool,
    /// Whether the requirer unit opened the port (`is_port_open`).
    pub is_port_open: bool,
    /// The health check to configure (`healthcheck_params`).
    pub healthcheck: Option<HealthCheck>,
}

impl RequirerAppData {
    /// A request for `port` of application `name` in `model`, everything else
    /// at its default.
    ///
    /// ```
    /// let data = ops_interfaces::ingress::RequirerAppData::new("m", "app", 80);
    /// assert!(!data.strip_prefix);
    /// ```
    pub fn new(model: impl Into<String>, name: impl Into<String>, port: u16) -> Self {
        Self {
            model: model.into(),
            name: name.into(),
            port,
            scheme: Scheme::Http,
            strip_prefix: false,
            redirect_https: false,
            is_port_open: false,
            healthcheck: None,
        }
    }

    /// The databag: every value JSON, defaults left out.
    ///
    /// ```
    /// let mut data = ops_interfaces::ingress::RequirerAppData::new("m", "app", 80);
    /// data.redirect_https = true;
    /// assert_eq!(data.to_databag()["redirect-https"], "true");
    /// ```
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("model".into(), json_string(&self.model));
        bag.insert("name".into(), json_string(&self.name));
        bag.insert("port".into(), self.port.to_string());
        if self.scheme != Scheme::Http {
            bag.insert("scheme".into(), json_string(self.scheme.as_str()));
        }
        for (key, on) in [
            ("strip-prefix", self.strip_prefix),
            ("redirect-https", self.redirect_https),
            ("is_port_open", self.is_port_open),
        ] {
            if on {
                bag.insert(key.into(), "true".into());
            }
        }
        if let Some(check) = &self.healthcheck {
            bag.insert("healthcheck_params".into(), check.to_json());
        }
        bag
    }

    /// Reads a version-2 application databag; other keys are ignored.
    ///
    /// # Errors
    ///
    /// A key the protocol defines is missing (`model`, `name`, `port`) or its
    /// value is not what the protocol says.
    ///
    /// ```
    /// use ops_interfaces::ingress::RequirerAppData;
    ///
    /// let data = RequirerAppData::new("m", "app", 80);
    /// let mut bag = data.to_databag();
    /// bag.insert("extra".into(), "ignored".into());
    /// assert_eq!(RequirerAppData::from_databag(&bag).unwrap(), data);
    /// bag.insert("port".into(), "65535".into());
    /// assert_eq!(RequirerAppData::from_databag(&bag).unwrap_err().key, "port");
    /// ```
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let r = V2 { bag };
        let model = r.required_string("model")?;
        let name = r.required_string("name")?;
        let port = match r.json("port")? {
            None => return Err(DataError::new("port", "missing")),
            Some(value) => port("port", &value)?,
        };
        let scheme = match r.json("scheme")? {
            None => Scheme::Http,
            Some(Value::String(s)) => match s.as_str() {
                "http" => Scheme::Http,
                "https" => Scheme::Https,
                "h2c" => Scheme::H2c,
                _ => {
                    return Err(DataError::new(
                        "scheme",
                        "expected one of `http`, `https`, `h2c`",
                    ));
                }
            },
            Some(other) => {
                return Err(DataError::new(
                    "scheme",
                    format!("expected a JSON string, found {}", kind(&other)),
                ));
            }
        };
        let healthcheck = match r.json("healthcheck_params")? {
            None | Some(Value::Null) => None,
            Some(value) => Some(HealthCheck::from_value("healthcheck_params", value)?),
        };
        Ok(Self {
            model,
            name,
            port,
            scheme,
            strip_prefix: r.flag("strip-prefix")?,
            redirect_https: r.flag("redirect-https")?,
            is_port_open: r.flag("is_port_open")?,
            healthcheck,
        })
    }

    /// Reads a version-1 application databag: raw strings, the host among
    /// them. Returns the request and the host.
    fn from_v1_databag(bag: &Databag) -> Result<(Self, String), DataError> {
        let raw = |key: &str| {
            bag.get(key)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or_else(|| DataError::new(key, "missing"))
        };
        let model = raw("model")?;
        let name = raw("name")?;
        let host = raw("host")?;
        let port = raw("port")?
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| DataError::new("port", "expected a port number from 1 to 65535"))?;
        let mut data = Self::new(model, name, port);
        data.strip_prefix = bag.get("strip-prefix").is_some_and(|v| v == "true");
        data.redirect_https = bag.get("redirect-https").is_some_and(|v| v == "true");
        Ok((data, host))
    }
}

/// A requirer unit's databag, written by every unit: where the proxy reaches it.
///
/// ```
/// use ops_interfaces::ingress::RequirerUnitData;
///
/// let unit = RequirerUnitData::new("am-0.am-endpoints.cos.svc.cluster.local")
///     .with_ip("10.1.58.12".parse().unwrap());
/// let bag = unit.to_databag();
/// assert_eq!(bag["host"], r#""am-0.am-endpoints.cos.svc.cluster.local""#);
/// assert_eq!(bag["ip"], r#""10.1.58.12""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequirerUnitData {
    /// The host name the unit is reachable at (`host`); the proxy routes to it.
    pub host: String,
    /// The unit's IP address, when known (`ip`).
    pub ip: Option<IpAddr>,
}

impl RequirerUnitData {
    /// A unit reachable at `host`, with no IP address.
    ///
    /// ```
    /// assert_eq!(ops_interfaces::ingress::RequirerUnitData::new("h").ip, None);
    /// ```
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            ip: None,
        }
    }

    /// With its IP address.
    ///
    /// ```
    /// let unit = ops_interfaces::ingress::RequirerUnitData::new("h").with_ip("::1".parse().unwrap());
    /// assert_eq!(unit.to_databag()["ip"], r#""::1""#);
    /// ```
    #[must_use]
    pub fn with_ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// The databag: `host` and, when known, `ip`, both JSON strings.
    ///
    /// ```
    /// let bag = ops_interfaces::ingress::RequirerUnitData::new("h").to_databag();
    /// assert_eq!(bag.len(), 1);
    /// ```
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("host".into(), json_string(&self.host));
        if let Some(ip) = self.ip {
            bag.insert("ip".into(), json_string(&ip.to_string()));
        }
        bag
    }

    /// Reads a unit databag; Juju's address keys and other keys are ignored.
    ///
    /// # Errors
    ///
    /// `host` is missing or not a JSON string, or `ip` is not a JSON string
    /// holding an IP address.
    ///
    /// ```
    /// use ops_interfaces::ingress::RequirerUnitData;
    /// use ops_runtime::Databag;
    ///
    /// let bag = Databag::from([
    ///     ("host".to_owned(), r#""h""#.to_owned()),
    ///     ("private-address".to_owned(), "10.0.0.1".to_owned()),
    /// ]);
    /// assert_eq!(RequirerUnitData::from_databag(&bag).unwrap(), RequirerUnitData::new("h"));
    /// ```
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let r = V2 { bag };
        let host = r.required_string("host")?;
        let ip = match r.string("ip")? {
            None => None,
            Some(ip) => Some(
                ip.parse()
                    .map_err(|_| DataError::new("ip", "not an IPv4 or IPv6 address"))?,
            ),
        };
        Ok(Self { host, ip })
    }
}

/// The provider's application databag, written by its leader: the URL of the
/// whole requirer application, or nothing when it has none.
///
/// ```
/// use ops_interfaces::ingress::ProviderAppData;
///
/// let bag = ProviderAppData::new("https://foo.example/model-app").to_databag();
/// assert_eq!(bag["ingress"], r#"{"url": "https://foo.example/model-app"}"#);
/// assert!(ProviderAppData::none().to_databag().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderAppData {
    /// The URL (`ingress.url`), `None` when the provider published none.
    pub url: Option<String>,
}

impl ProviderAppData {
    /// An answer with `url`.
    ///
    /// ```
    /// let answer = ops_interfaces::ingress::ProviderAppData::new("http://x/y");
    /// assert_eq!(answer.url.as_deref(), Some("http://x/y"));
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
        }
    }

    /// No URL: the empty databag.
    ///
    /// ```
    /// assert_eq!(ops_interfaces::ingress::ProviderAppData::none().url, None);
    /// ```
    pub const fn none() -> Self {
        Self { url: None }
    }

    /// The version-2 databag: `ingress` holding the JSON object
    /// `{"url": "<url>"}`, or nothing.
    ///
    /// ```
    /// let bag = ops_interfaces::ingress::ProviderAppData::new("http://x/y").to_databag();
    /// assert_eq!(bag.len(), 1);
    /// ```
    pub fn to_databag(&self) -> Databag {
        self.url
            .iter()
            .map(|url| {
                (
                    "ingress".to_owned(),
                    json_object(&[("url", json_string(url))]),
                )
            })
            .collect()
    }

    /// The version-1 databag: `ingress` holding the YAML mapping `url: <url>`.
    ///
    /// ```
    /// let bag = ops_interfaces::ingress::ProviderAppData::new("http://x/y").to_databag_v1();
    /// assert_eq!(bag["ingress"], "url: http://x/y\n");
    /// ```
    pub fn to_databag_v1(&self) -> Databag {
        self.url
            .iter()
            .map(|url| ("ingress".to_owned(), yaml_url(url)))
            .collect()
    }

    /// Reads the provider's databag, in either version: no `ingress` key (or
    /// an empty one) means no URL.
    ///
    /// # Errors
    ///
    /// `ingress` holds neither a JSON object with a string `url` nor a YAML
    /// `url: ...`, or the URL is not an absolute `http` or `https` URL.
    ///
    /// ```
    /// use ops_interfaces::ingress::ProviderAppData;
    ///
    /// let v1 = ProviderAppData::new("http://x/y").to_databag_v1();
    /// assert_eq!(ProviderAppData::from_databag(&v1).unwrap(), ProviderAppData::new("http://x/y"));
    /// ```
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let Some(raw) = bag.get("ingress").filter(|raw| !raw.trim().is_empty()) else {
            return Ok(Self::none());
        };
        let url = if raw.trim_start().starts_with('{') {
            match serde_json::from_str::<Value>(raw) {
                Ok(Value::Object(map)) => match map.get("url") {
                    Some(Value::String(url)) => url.clone(),
                    None => return Err(DataError::new("ingress.url", "missing")),
                    Some(other) => {
                        return Err(DataError::new(
                            "ingress.url",
                            format!("expected a string, found {}", kind(other)),
                        ));
                    }
                },
                _ => {
                    return Err(DataError::new(
                        "ingress",
                        "not a JSON object (nor a version-1 YAML mapping)",
                    ));
                }
            }
        } else {
            parse_yaml_url(raw).map_err(|problem| DataError::new("ingress", problem))?
        };
        check_url(&url).map_err(|problem| DataError::new("ingress.url", problem))?;
        Ok(Self::new(url))
    }
}

/// Which version of the protocol a requirer speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Version {
    /// Version 1 (retired, still served): raw strings, the host in the
    /// application bag, a YAML answer.
    V1,
    /// Version 2: JSON values, a host per unit, a JSON answer.
    #[default]
    V2,
}

/// A requirer's whole request, as the provider reads it: the application's
/// data and where each unit is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IngressRequest {
    /// The version the requirer speaks (answer it in the same).
    pub version: Version,
    /// The application's request.
    pub app: RequirerAppData,
    /// Each remote unit's address, by unit name; for version 1, the one host
    /// of the application bag under the application's name.
    pub units: BTreeMap<String, RequirerUnitData>,
}

impl IngressRequest {
    /// Reads the requirer's application bag and its units' bags.
    ///
    /// Returns `None` while the request is incomplete: the application bag
    /// holds none of the request's keys yet, or a unit has not published its
    /// `host` (one such unit holds the whole relation back, as in the Python
    /// library). A requirer whose application bag is not version 2 but
    /// carries a `host` is read as version 1.
    ///
    /// # Errors
    ///
    /// A bag holds a key of the protocol whose value is not what the protocol
    /// says; the error names the relation, the bag and the key.
    ///
    /// ```
    /// use ops_interfaces::ingress::{IngressRequest, RequirerAppData, RequirerUnitData, Version};
    /// use ops_runtime::event::RelationRef;
    ///
    /// let app = RequirerAppData::new("m", "web", 8080).to_databag();
    /// let units = [("web/0".to_owned(), RequirerUnitData::new("web-0").to_databag())].into();
    /// let request = IngressRequest::from_databags(&RelationRef::new("ingress", 1), &app, &units)
    ///     .unwrap()
    ///     .unwrap();
    /// assert_eq!(request.version, Version::V2);
    /// assert_eq!(request.units["web/0"].host, "web-0");
    /// ```
    pub fn from_databags(
        relation: &RelationRef,
        app: &Databag,
        units: &BTreeMap<String, Databag>,
    ) -> Result<Option<Self>, IngressError> {
        if !["model", "name", "port"]
            .iter()
            .any(|key| app.contains_key(*key))
        {
            return Ok(None);
        }
        let v2 = match RequirerAppData::from_databag(app) {
            Ok(data) => data,
            // Version 2 never puts `host` in the application bag: with one
            // there, the requirer speaks version 1, and its errors are the ones
            // to report.
            Err(_) if app.contains_key("host") => {
                let (data, host) = RequirerAppData::from_v1_databag(app)
                    .map_err(|e| IngressError::invalid(relation, &Member::RemoteApp, e))?;
                let units = [(data.name.clone(), RequirerUnitData::new(host))].into();
                return Ok(Some(Self {
                    version: Version::V1,
                    app: data,
                    units,
                }));
            }
            Err(error) => return Err(IngressError::invalid(relation, &Member::RemoteApp, error)),
        };
        let mut hosts = BTreeMap::new();
        for (unit, bag) in units {
            if !bag.contains_key("host") {
                return Ok(None);
            }
            let data = RequirerUnitData::from_databag(bag)
                .map_err(|e| IngressError::invalid(relation, &Member::Unit(unit.clone()), e))?;
            hosts.insert(unit.clone(), data);
        }
        Ok(Some(Self {
            version: Version::V2,
            app: v2,
            units: hosts,
        }))
    }
}

// ---------------------------------------------------------------------------
// Shared by both components.

/// Replaces a local databag with `data`, as the Python library's writers do:
/// every other key is deleted, except the address keys Juju maintains.
fn replace_bag(
    cx: &mut HookContext,
    relation: &RelationRef,
    bag: Bag,
    data: Databag,
) -> Result<(), ModelError> {
    let member = match bag {
        Bag::App => Member::LocalApp,
        Bag::Unit => Member::LocalUnit,
    };
    let current = cx.relation_data(relation, &member)?;
    let mut changes = data;
    for key in current.keys() {
        if !changes.contains_key(key) && !JUJU_KEYS.contains(&key.as_str()) {
            changes.insert(key.clone(), String::new());
        }
    }
    cx.update_relation_data(relation, bag, changes)
}

/// Writes a warning about `error` to the Juju log.
fn warn(cx: &mut HookContext, error: &IngressError) -> Result<(), ModelError> {
    cx.juju_log(LogLevel::Warning, &format!("ingress: {error}"))
}

/// The relation an event is about, when it is one of `endpoint`'s.
fn relation_of(event: &Event, endpoint: Endpoint) -> Option<&RelationRef> {
    let relation = match event {
        Event::RelationCreated(e) => &e.relation,
        Event::RelationJoined(e) => &e.relation,
        Event::RelationChanged(e) => &e.relation,
        Event::RelationDeparted(e) => &e.relation,
        Event::RelationBroken(e) => &e.relation,
        _ => return None,
    };
    (relation.endpoint == endpoint.name()).then_some(relation)
}

// ---------------------------------------------------------------------------
// The requirer.

/// `ready`: the proxy published a URL for this application, different from
/// the last one this unit saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ready {
    /// The relation.
    pub relation: RelationRef,
    /// The URL.
    pub url: String,
}

impl CustomEvent for Ready {
    const NAME: &'static str = "ready";
}

/// `revoked`: the application has no URL any more (the relation is broken, or
/// the proxy withdrew the URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for Revoked {
    const NAME: &'static str = "revoked";
}

/// The URL each requirer endpoint last reported, per unit.
#[derive(Debug, Default, Serialize, Deserialize)]
struct RequirerState {
    urls: BTreeMap<String, String>,
}

impl StoredState for RequirerState {
    const KEY: &'static str = "ops-interfaces.ingress.requirer";
}

/// The requirer side of `ingress`: asks the proxy on one endpoint for a URL
/// for the whole application, and reports it.
///
/// It publishes on `relation-changed`, `relation-departed`, `leader-elected`
/// and `upgrade-charm` (as the Python library does; Juju always follows
/// `relation-joined` with `relation-changed`), once it knows the port:
/// the leader writes the application bag, every unit its own. The unit's
/// `host` defaults to its Kubernetes FQDN
/// (`<app>-<n>.<app>-endpoints.<model>.svc.cluster.local`) for a charm with
/// workload containers, and to its ingress address on the relation for a
/// machine charm; its `ip` defaults to the endpoint's bind address.
///
/// In collect-status it adds a unit status while related: `waiting` until
/// the proxy published a URL, `blocked` while the proxy's data does not
/// follow the protocol (naming the relation and the key).
///
/// ```
/// use ops_interfaces::ingress::{IngressRequirer, Ready};
/// use ops_runtime::testing::{Context, Relation, State};
/// use ops_runtime::*;
///
/// struct Web {
///     ingress: IngressRequirer,
/// }
///
/// impl Default for Web {
///     fn default() -> Self {
///         Self { ingress: IngressRequirer::default().with_port(8080) }
///     }
/// }
///
/// #[charm(
///     components(ingress: IngressRequirer = "ingress"),
///     metadata_source = "name: web\nrequires:\n  ingress:\n    interface: ingress\n    limit: 1\n"
/// )]
/// impl Web {
///     #[on(ingress::ready)]
///     fn ready(&mut self, cx: &mut HookContext, event: Custom<Ready>) -> Result<(), ModelError> {
///         cx.set_unit_status(Status::active(format!("at {}", event.url)))
///     }
/// }
///
/// let ingress = Relation::new("ingress", 1).with_remote_app("traefik").with_remote_app_data([(
///     "ingress",
///     r#"{"url": "http://proxy/test-model-web"}"#,
/// )]);
/// let state = State::new().with_leader(true).with_relation(ingress.clone());
/// let out = Context::<Web>::new().run(ingress.changed_event(None), state).unwrap();
/// assert_eq!(out.unit_status, Status::active("at http://proxy/test-model-web"));
/// assert_eq!(out.relation(1).unwrap().local_app_data["port"], "8080");
/// ```
///
/// It is the `requires` side: bound to an endpoint of another interface, or
/// one under `provides`, the charm does not compile.
///
/// ```compile_fail
/// use ops_interfaces::ingress::IngressRequirer;
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Proxy {
///     ingress: IngressRequirer,
/// }
///
/// // error: component `ingress` (`IngressRequirer`) is bound to endpoint `ingress`,
/// // which is under `provides` in charmcraft.yaml, but `IngressRequirer` is the
/// // `requires` side of `ingress`
/// #[charm(
///     components(ingress: IngressRequirer = "ingress"),
///     metadata_source = "name: proxy\nprovides:\n  ingress:\n    interface: ingress\n"
/// )]
/// impl Proxy {}
/// ```
#[derive(Debug, Clone)]
pub struct IngressRequirer {
    endpoint: Endpoint,
    port: Option<u16>,
    scheme: Scheme,
    strip_prefix: bool,
    redirect_https: bool,
    host: Option<String>,
    ip: Option<IpAddr>,
    healthcheck: Option<HealthCheck>,
}

impl Default for IngressRequirer {
    /// A requirer on the conventional endpoint, `ingress`, with no port yet.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked("ingress"))
    }
}

impl IngressRequirer {
    /// A requirer on `endpoint` that publishes nothing until it knows the port
    /// ([`with_port`](Self::with_port) or [`set_port`](Self::set_port)).
    ///
    /// A component declared in `#[charm(components(...))]` is bound to the
    /// endpoint of its declaration at the start of every hook, whatever it was
    /// built with: this is for one used on its own.
    ///
    /// ```
    /// use ops_interfaces::ingress::IngressRequirer;
    /// use ops_runtime::Endpoint;
    ///
    /// let ingress = IngressRequirer::new(Endpoint::new_unchecked("ingress"));
    /// assert_eq!(ingress.endpoint().name(), "ingress");
    /// ```
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            port: None,
            scheme: Scheme::Http,
            strip_prefix: false,
            redirect_https: false,
            host: None,
            ip: None,
            healthcheck: None,
        }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// Requests `port` (1 to 65534).
    ///
    /// ```
    /// let ingress = ops_interfaces::ingress::IngressRequirer::default().with_port(80);
    /// ```
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the port to request, for a charm that learns it in a handler
    /// (from its config, say); publish it with [`publish`](Self::publish).
    pub fn set_port(&mut self, port: u16) {
        self.port = Some(port);
    }

    /// The scheme the proxy uses to reach the units (default `http`).
    #[must_use]
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Asks the proxy to strip the `/<model>-<app>` prefix.
    #[must_use]
    pub fn with_strip_prefix(mut self, strip: bool) -> Self {
        self.strip_prefix = strip;
        self
    }

    /// Asks the proxy to redirect HTTP to HTTPS.
    #[must_use]
    pub fn with_redirect_https(mut self, redirect: bool) -> Self {
        self.redirect_https = redirect;
        self
    }

    /// The host name this unit publishes, instead of its Kubernetes FQDN (or,
    /// for a machine charm, its ingress address).
    #[must_use]
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// The IP address this unit publishes, instead of the endpoint's bind
    /// address.
    #[must_use]
    pub fn with_ip(mut self, ip: IpAddr) -> Self {
        self.ip = Some(ip);
        self
    }

    /// A health check for the proxy to run.
    #[must_use]
    pub fn with_healthcheck(mut self, check: HealthCheck) -> Self {
        self.healthcheck = Some(check);
        self
    }

    /// Publishes the request on every relation of the endpoint: the
    /// application bag when this unit leads, this unit's bag always. Does
    /// nothing until the port is known. The component calls it itself on the
    /// events the protocol publishes on; call it after
    /// [`set_port`](Self::set_port).
    ///
    /// # Errors
    ///
    /// The port is 0 or 65535, or a hook tool failed.
    pub fn publish(&self, cx: &mut HookContext) -> Result<(), IngressError> {
        let Some(port) = self.port else {
            return Ok(());
        };
        for relation in cx.relations(self.endpoint)? {
            if !(1..=65534).contains(&port) {
                return Err(IngressError::InvalidRequest {
                    relation: relation.to_string(),
                    problem: format!("cannot request port {port}: a port is from 1 to 65534"),
                });
            }
            if cx.is_leader()? {
                let is_port_open = cx
                    .opened_ports()?
                    .iter()
                    .any(|p| p.protocol == Protocol::Tcp && (p.from..=p.to).contains(&port));
                let data = RequirerAppData {
                    model: cx.model_name().to_owned(),
                    name: cx.app_name().to_owned(),
                    port,
                    scheme: self.scheme,
                    strip_prefix: self.strip_prefix,
                    redirect_https: self.redirect_https,
                    is_port_open,
                    healthcheck: self.healthcheck.clone(),
                };
                replace_bag(cx, &relation, Bag::App, data.to_databag())?;
            }
            let network = cx.network(
                Binding::new_unchecked(self.endpoint.name()),
                Some(&relation),
            )?;
            let host = match &self.host {
                Some(host) => host.clone(),
                None if cx.meta().containers.is_empty() => network
                    .ingress_address()
                    .or_else(|| network.bind_address())
                    .unwrap_or_default()
                    .to_owned(),
                None => kubernetes_fqdn(cx),
            };
            let ip = match self.ip {
                Some(ip) => Some(ip),
                None => network.bind_address().and_then(|a| a.parse().ok()),
            };
            let unit = RequirerUnitData { host, ip };
            replace_bag(cx, &relation, Bag::Unit, unit.to_databag())?;
        }
        Ok(())
    }

    /// The URL the proxy published for this application, if any (read from
    /// the proxy's bag: every unit can).
    ///
    /// # Errors
    ///
    /// The proxy's bag does not follow the protocol, or a hook tool failed.
    pub fn url(&self, cx: &mut HookContext) -> Result<Option<String>, IngressError> {
        match cx.relation(self.endpoint)? {
            Some(relation) => self.url_of(cx, &relation),
            None => Ok(None),
        }
    }

    fn url_of(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<String>, IngressError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        ProviderAppData::from_databag(&bag)
            .map(|data| data.url)
            .map_err(|e| IngressError::invalid(relation, &Member::RemoteApp, e))
    }

    /// Emits `ready` when the URL differs from the last one, `revoked` when a
    /// URL went away.
    fn report(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let url = match self.url_of(cx, relation) {
            Ok(url) => url,
            Err(error @ IngressError::InvalidData { .. }) => {
                warn(cx, &error)?;
                return Ok(());
            }
            Err(other) => return Err(other.into()),
        };
        let key = self.endpoint.name();
        let state = cx.stored::<RequirerState>()?;
        let last = state.urls.get(key).cloned();
        match url {
            Some(url) if last.as_deref() != Some(url.as_str()) => {
                state.urls.insert(key.to_owned(), url.clone());
                emit.emit(&Ready {
                    relation: relation.clone(),
                    url,
                })?;
            }
            None if last.is_some() => {
                state.urls.remove(key);
                emit.emit(&Revoked {
                    relation: relation.clone(),
                })?;
            }
            _ => {}
        }
        Ok(())
    }
}

/// `<app>-<n>.<app>-endpoints.<model>.svc.cluster.local`: the unit's FQDN on
/// Kubernetes, what the Python library publishes there.
fn kubernetes_fqdn(cx: &HookContext) -> String {
    let app = cx.app_name();
    let number = cx.unit_name().rsplit_once('/').map_or("0", |(_, n)| n);
    format!(
        "{app}-{number}.{app}-endpoints.{}.svc.cluster.local",
        cx.model_name()
    )
}

impl Component for IngressRequirer {
    const EVENTS: &'static [&'static str] = &[Ready::NAME, Revoked::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::requires(&[INTERFACE]));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    /// Waiting while related without a URL; blocked while the proxy's data
    /// does not follow the protocol (naming the relation and the key).
    fn collect_unit_status(
        &mut self,
        cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        let Some(relation) = cx.relation(self.endpoint)? else {
            return Ok(());
        };
        match self.url_of(cx, &relation) {
            Ok(Some(_)) => {}
            Ok(None) => status.add(Status::waiting(format!(
                "waiting for the ingress URL on `{}`",
                self.endpoint
            ))),
            Err(error @ IngressError::InvalidData { .. }) => {
                status.add(Status::blocked(format!("ingress: {error}")));
            }
            Err(other) => return Err(other.into()),
        }
        Ok(())
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        match event {
            Event::LeaderElected | Event::UpgradeCharm => self.publish(cx)?,
            Event::RelationChanged(_) | Event::RelationDeparted(_) => {
                let Some(relation) = relation_of(event, self.endpoint) else {
                    return Ok(());
                };
                self.publish(cx)?;
                self.report(cx, relation, emit)?;
            }
            Event::RelationBroken(e) if e.relation.endpoint == self.endpoint.name() => {
                cx.stored::<RequirerState>()?
                    .urls
                    .remove(self.endpoint.name());
                emit.emit(&Revoked {
                    relation: e.relation.clone(),
                })?;
            }
            _ => {}
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The provider.

/// `data_provided`: a requirer's request is complete (or changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataProvided {
    /// The relation.
    pub relation: RelationRef,
    /// The request.
    pub request: IngressRequest,
}

impl CustomEvent for DataProvided {
    const NAME: &'static str = "data_provided";
}

/// `data_removed`: a requirer's relation is broken; drop its route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRemoved {
    /// The relation.
    pub relation: RelationRef,
    /// The requirer application, when Juju still names it.
    pub app: Option<String>,
}

impl CustomEvent for DataRemoved {
    const NAME: &'static str = "data_removed";
}

/// The provider side of `ingress` (the proxy): reads each requirer's request
/// and publishes its URL.
///
/// On `relation-changed` and `relation-departed` it emits [`DataProvided`]
/// when the request is complete; on `relation-broken`, [`DataRemoved`]. A
/// requirer whose data does not follow the protocol gets no event and a
/// warning in the Juju log that names the relation and the key.
///
/// ```
/// use ops_interfaces::ingress::{DataProvided, IngressProvider};
/// use ops_runtime::testing::{Context, Relation, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Proxy {
///     ingress: IngressProvider,
/// }
///
/// #[charm(
///     components(ingress: IngressProvider = "ingress"),
///     metadata_source = "name: proxy\nprovides:\n  ingress:\n    interface: ingress\n"
/// )]
/// impl Proxy {
///     #[on(ingress::data_provided)]
///     fn route(&mut self, cx: &mut HookContext, event: Custom<DataProvided>) -> Result<(), CharmError> {
///         let app = &event.request.app;
///         let url = format!("http://proxy.example/{}-{}", app.model, app.name);
///         self.ingress.publish_url(cx, &event.relation, &url)?;
///         Ok(())
///     }
/// }
///
/// let web = Relation::new("ingress", 4)
///     .with_remote_app("web")
///     .with_remote_app_data([("model", r#""prod""#), ("name", r#""web""#), ("port", "8080")])
///     .with_remote_unit("web/0", [("host", r#""web-0.web-endpoints.prod.svc.cluster.local""#)]);
/// let state = State::new().with_leader(true).with_relation(web.clone());
/// let out = Context::<Proxy>::new().run(web.changed_event(Some("web/0")), state).unwrap();
/// assert_eq!(
///     out.relation(4).unwrap().local_app_data["ingress"],
///     r#"{"url": "http://proxy.example/prod-web"}"#
/// );
/// ```
#[derive(Debug, Clone)]
pub struct IngressProvider {
    endpoint: Endpoint,
}

impl Default for IngressProvider {
    /// A provider on the conventional endpoint, `ingress`.
    fn default() -> Self {
        Self::new(Endpoint::new_unchecked("ingress"))
    }
}

impl IngressProvider {
    /// A provider on `endpoint`.
    ///
    /// A component declared in `#[charm(components(...))]` is bound to the
    /// endpoint of its declaration at the start of every hook, whatever it was
    /// built with: this is for one used on its own.
    ///
    /// ```
    /// use ops_interfaces::ingress::IngressProvider;
    /// use ops_runtime::Endpoint;
    ///
    /// let provider = IngressProvider::new(Endpoint::new_unchecked("ingress"));
    /// assert_eq!(provider.endpoint().name(), "ingress");
    /// ```
    pub fn new(endpoint: Endpoint) -> Self {
        Self { endpoint }
    }

    /// The endpoint it speaks on.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The request on `relation`, `None` while it is incomplete (see
    /// [`IngressRequest::from_databags`]). In `relation-departed`, the
    /// departing unit is left out.
    ///
    /// # Errors
    ///
    /// The requirer's data does not follow the protocol, or a hook tool failed.
    pub fn request(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<IngressRequest>, IngressError> {
        let departing = match cx.event() {
            Event::RelationDeparted(e) if e.relation == *relation => Some(e.unit.clone()),
            _ => None,
        };
        let app = cx.relation_data(relation, &Member::RemoteApp)?;
        let mut units = BTreeMap::new();
        for unit in cx.relation_units(relation)? {
            if Some(&unit) == departing.as_ref() {
                continue;
            }
            let bag = cx.relation_data(relation, &Member::Unit(unit.clone()))?;
            units.insert(unit, bag);
        }
        IngressRequest::from_databags(relation, &app, &units)
    }

    /// Publishes `url` for the requirer on `relation` (leader only), replacing
    /// the bag; in version 1's YAML when the requirer speaks version 1.
    ///
    /// # Errors
    ///
    /// This unit does not lead, a hook tool failed, or `url` is not an
    /// absolute `http` or `https` URL: then, as the Python library does, the
    /// bag is emptied and the error returned.
    pub fn publish_url(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        url: &str,
    ) -> Result<(), IngressError> {
        if !cx.is_leader()? {
            return Err(ModelError::NotLeader {
                action: "publish an ingress URL",
            }
            .into());
        }
        if let Err(problem) = check_url(url) {
            replace_bag(cx, relation, Bag::App, Databag::new())?;
            return Err(IngressError::InvalidRequest {
                relation: relation.to_string(),
                problem: format!("cannot publish the URL: {problem}"),
            });
        }
        let v1 = matches!(
            self.request(cx, relation),
            Ok(Some(IngressRequest {
                version: Version::V1,
                ..
            }))
        );
        let data = ProviderAppData::new(url);
        let bag = if v1 {
            data.to_databag_v1()
        } else {
            data.to_databag()
        };
        replace_bag(cx, relation, Bag::App, bag)?;
        Ok(())
    }

    /// Withdraws the URL on `relation` without breaking it (leader only): the
    /// `ingress` key is deleted.
    ///
    /// # Errors
    ///
    /// This unit does not lead, or a hook tool failed.
    pub fn wipe_url(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<(), IngressError> {
        if !cx.is_leader()? {
            return Err(ModelError::NotLeader {
                action: "withdraw an ingress URL",
            }
            .into());
        }
        cx.update_relation_data(relation, Bag::App, [("ingress", "")])?;
        Ok(())
    }

    /// The URL published to each related application, by application name
    /// (leader only: others cannot read this application's bags and get an
    /// empty map).
    ///
    /// # Errors
    ///
    /// A hook tool failed.
    pub fn proxied_endpoints(
        &self,
        cx: &mut HookContext,
    ) -> Result<BTreeMap<String, String>, IngressError> {
        let mut out = BTreeMap::new();
        if !cx.is_leader()? {
            return Ok(out);
        }
        for relation in cx.relations(self.endpoint)? {
            let Some(app) = cx.relation_app(&relation)? else {
                continue;
            };
            let bag = cx.relation_data(&relation, &Member::LocalApp)?;
            if let Ok(ProviderAppData { url: Some(url) }) = ProviderAppData::from_databag(&bag) {
                out.insert(app, url);
            }
        }
        Ok(out)
    }
}

impl Component for IngressProvider {
    const EVENTS: &'static [&'static str] = &[DataProvided::NAME, DataRemoved::NAME];
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
        match event {
            Event::RelationChanged(_) | Event::RelationDeparted(_) => {
                let Some(relation) = relation_of(event, self.endpoint) else {
                    return Ok(());
                };
                match self.request(cx, relation) {
                    Ok(Some(request)) => emit.emit(&DataProvided {
                        relation: relation.clone(),
                        request,
                    })?,
                    Ok(None) => {}
                    Err(error @ IngressError::InvalidData { .. }) => warn(cx, &error)?,
                    Err(other) => return Err(other.into()),
                }
            }
            Event::RelationBroken(e) if e.relation.endpoint == self.endpoint.name() => {
                emit.emit(&DataRemoved {
                    relation: e.relation.clone(),
                    app: e.app.clone(),
                })?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_written_as_python_writes_them() {
        assert_eq!(json_string("cos"), r#""cos""#);
        assert_eq!(json_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(json_string("é"), r#""\u00e9""#);
        assert_eq!(json_string("𝄞"), r#""\ud834\udd1e""#);
        assert_eq!(json_string("\u{7f}\u{1}"), r#""\u007f\u0001""#);
    }

    #[test]
    fn urls_are_checked() {
        for good in [
            "http://a",
            "https://a.b/c-d",
            "HTTP://x:80/y?z#w",
            "http://u@h/",
        ] {
            assert_eq!(check_url(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a/b",
            "ftp://x",
            "http://",
            "http:///x",
            "http://a b",
            "http://:80",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn yaml_answers_read_back() {
        for url in ["http://foo/model-app", "https://x.example:8443/a?b=c#d"] {
            assert_eq!(yaml_url(url), format!("url: {url}\n"));
            assert_eq!(parse_yaml_url(&yaml_url(url)).as_deref(), Ok(url));
        }
        assert_eq!(parse_yaml_url("url: 'it''s'\n").as_deref(), Ok("it's"));
        assert_eq!(
            parse_yaml_url("url: \"http://q\"\n").as_deref(),
            Ok("http://q")
        );
        assert_eq!(
            parse_yaml_url("url: http://x # c\n").as_deref(),
            Ok("http://x")
        );
        assert!(parse_yaml_url("host: x\n").is_err());
        assert!(parse_yaml_url("url: 'open\n").is_err());
    }
}
