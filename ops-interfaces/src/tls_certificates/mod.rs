//! The `tls-certificates` interface, version 1, as the Python library
//! `charms.tls_certificates_interface.v4.tls_certificates` and its successor
//! (`charmlibs-interfaces-tls-certificates`) speak it: a charm (the
//! **requirer**) asks a certificate authority charm (the **provider**:
//! self-signed-certificates, Vault, Lego...) to sign its certificate signing
//! requests, and receives the certificates.
//!
//! - [`TlsCertificatesRequirer`] generates a private key, which stays in a Juju
//!   secret owned by the unit (or, in [`Mode::App`], the application) and never
//!   enters a databag, a log line or a `Debug` output; publishes a CSR per
//!   [`CertificateRequest`] the charm declares; emits [`CertificateAvailable`]
//!   when the provider answers; renews each certificate before it expires (a
//!   secret whose expiry is the renewal time, and a check on every hook) and
//!   asks anew for a revoked one.
//! - [`TlsCertificatesProvider`] reads every requirer's CSRs, tells the charm
//!   which are outstanding, publishes the certificates it signs (with
//!   [`CertificateAuthority`], a CA the charm holds) and revokes them.
//!
//! On the wire, the requirer's unit bag (application bag in [`Mode::App`])
//! holds `certificate_signing_requests`, a JSON list of
//! `{"certificate_signing_request": PEM, "ca": bool}`; the provider's
//! application bag holds `certificates`, a JSON list of `{"ca",
//! "certificate_signing_request", "certificate", "chain", "revoked"}`. PEM
//! values carry no trailing newline; the CSR text pairs a certificate with its
//! request. Both writers clear their bag (except the address keys Juju puts
//! in unit bags) and leave an empty list out. Keys are ECDSA P-256.
//!
//! ```
//! use std::time::Duration;
//! use ops_interfaces::tls_certificates::{
//!     CertificateAuthority, CertificateRequest, PrivateKey, ProviderAppData,
//!     ProviderCertificate, RequestedCertificate, RequirerData,
//! };
//!
//! // The requirer's CSR, in its unit bag.
//! let key = PrivateKey::generate().unwrap();
//! let request = CertificateRequest::new("zinc.example.com").with_sans_dns(["zinc.example.com"]);
//! let csr = request.generate_csr(&key).unwrap();
//! let asked = RequirerData {
//!     certificate_signing_requests: vec![RequestedCertificate::new(csr.pem(), false)],
//! };
//! let bag = asked.to_databag();
//! assert!(bag["certificate_signing_requests"]
//!     .starts_with(r#"[{"certificate_signing_request": "-----BEGIN CERTIFICATE REQUEST-----\n"#));
//! assert!(bag["certificate_signing_requests"].ends_with(r#"-----END CERTIFICATE REQUEST-----", "ca": false}]"#));
//!
//! // The provider signs it with its CA and answers in its application bag.
//! let ca = CertificateAuthority::self_signed(
//!     &CertificateRequest::new("Zinc CA").ca(),
//!     Duration::from_secs(365 * 86_400),
//! )
//! .unwrap();
//! let leaf = ca.sign(&csr, false, Duration::from_secs(90 * 86_400)).unwrap();
//! let answer = ProviderAppData {
//!     certificates: vec![ProviderCertificate::new(&leaf, &csr, ca.certificate())],
//!     request_errors: Vec::new(),
//! };
//! let read = ProviderAppData::from_databag(&answer.to_databag()).unwrap();
//! assert_eq!(read.certificates[0].certificate_signing_request, csr.pem());
//! assert_eq!(read.certificates[0].chain, [leaf.pem(), ca.certificate().pem()]);
//! assert!(leaf.is_issued_by(ca.certificate()).unwrap());
//! assert_eq!(leaf.sans_dns().iter().next().map(String::as_str), Some("zinc.example.com"));
//! ```

mod crypto;
mod provider;
mod requirer;

use serde_json::{Map, Value};

use ops_runtime::{Databag, ModelError};

pub use self::crypto::{
    Certificate, CertificateAuthority, CertificateRequest, CertificateSigningRequest, CryptoError,
    MAX_PEM_BYTES, PrivateKey,
};
pub use self::provider::{
    CertificatesRequested, IssuedCertificate, RequirerCertificateRequest, TlsCertificatesProvider,
};
pub use self::requirer::{
    AssignedCertificate, CertificateAvailable, Mode, RequestsFn, TlsCertificatesRequirer,
};

/// The interface name in charmcraft.yaml.
pub const INTERFACE: &str = "tls-certificates";

/// The conventional endpoint name (both sides).
pub const DEFAULT_ENDPOINT: &str = "certificates";

/// The Python library's id, the prefix of its secrets' labels (kept, so a
/// charm moving between the two finds its key).
pub const LIBID: &str = "afd8c2bccf834997afce12c2706d2ede";

/// The most bytes a reader accepts in one databag value.
pub const MAX_VALUE_BYTES: usize = 4 << 20;

/// The most entries a reader accepts in one list.
pub const MAX_ENTRIES: usize = 1000;

/// The keys Juju writes into every unit bag: the writers keep them.
const JUJU_KEYS: &[&str] = &["private-address", "ingress-address", "egress-subnets"];

const CSRS_KEY: &str = "certificate_signing_requests";
const CERTIFICATES_KEY: &str = "certificates";
const ERRORS_KEY: &str = "request_errors";

// ---------------------------------------------------------------------------
// Errors

/// A key of a databag that does not follow the interface, and what is wrong
/// with its value (never the value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key `{key}`: {problem}")]
pub struct DataError {
    /// The key.
    pub key: String,
    /// What is wrong with its value.
    pub problem: String,
}

impl DataError {
    fn new(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            problem: problem.into(),
        }
    }
}

/// An error of the `tls-certificates` components.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The other side's databag does not follow the interface.
    #[error("relation `{relation}`, data of {member}, key `{key}`: {problem}")]
    InvalidData {
        /// The relation (`endpoint:id`).
        relation: String,
        /// Whose databag.
        member: String,
        /// The key.
        key: String,
        /// What is wrong with its value (never the value).
        problem: String,
    },
    /// A key, CSR or certificate could not be made or read.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The relation given is not one of the component's endpoint.
    #[error("relation `{0}` is not on the component's endpoint")]
    UnknownRelation(String),
    /// A hook tool or an access rule failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl TlsError {
    fn invalid(
        relation: &impl std::fmt::Display,
        member: &impl std::fmt::Display,
        e: DataError,
    ) -> Self {
        TlsError::InvalidData {
            relation: relation.to_string(),
            member: member.to_string(),
            key: e.key,
            problem: e.problem,
        }
    }
}

// ---------------------------------------------------------------------------
// JSON as Python writes it

/// `value` as Python's `json.dumps` writes it: `", "` and `": "` between
/// items, keys in order, everything outside printable ASCII escaped.
fn py_json(value: &Value) -> String {
    fn string(out: &mut String, s: &str) {
        out.push('"');
        for c in s.chars() {
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
    fn write(out: &mut String, value: &Value) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => string(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(out, item);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    string(out, k);
                    out.push_str(": ");
                    write(out, v);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// The JSON list under `key`, bounded; `None` when the key is absent.
fn read_list(bag: &Databag, key: &str) -> Result<Option<Vec<Value>>, DataError> {
    let Some(text) = bag.get(key) else {
        return Ok(None);
    };
    if text.len() > MAX_VALUE_BYTES {
        return Err(DataError::new(
            key,
            format!(
                "{} bytes, more than the {MAX_VALUE_BYTES} accepted",
                text.len()
            ),
        ));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        DataError::new(
            key,
            format!("not JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    match value {
        Value::Array(items) if items.len() > MAX_ENTRIES => Err(DataError::new(
            key,
            format!(
                "{} entries, more than the {MAX_ENTRIES} accepted",
                items.len()
            ),
        )),
        Value::Array(items) => Ok(Some(items)),
        // Python's model takes `null` as the default, an empty list.
        Value::Null => Ok(Some(Vec::new())),
        _ => Err(DataError::new(key, "not a JSON list")),
    }
}

/// A string field of entry `i` of `key`.
fn field_str(
    key: &str,
    i: usize,
    entry: &Map<String, Value>,
    name: &str,
) -> Result<String, DataError> {
    match entry.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(DataError::new(
            key,
            format!("entry {i}: `{name}` is not a string"),
        )),
        None => Err(DataError::new(
            key,
            format!("entry {i}: `{name}` is missing"),
        )),
    }
}

/// An optional boolean field (absent and `null` are `false`).
fn field_bool(
    key: &str,
    i: usize,
    entry: &Map<String, Value>,
    name: &str,
) -> Result<bool, DataError> {
    match entry.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(DataError::new(
            key,
            format!("entry {i}: `{name}` is not a boolean"),
        )),
    }
}

fn entry_object<'a>(
    key: &str,
    i: usize,
    value: &'a Value,
) -> Result<&'a Map<String, Value>, DataError> {
    value
        .as_object()
        .ok_or_else(|| DataError::new(key, format!("entry {i} is not an object")))
}

/// Writes `key` = `items` into a bag that is otherwise cleared, as the
/// Python writers do (but Juju's address keys stay): the changes to apply to
/// `current`. An empty list leaves the key out.
fn replace_bag(current: &Databag, key: &str, items: Vec<Value>) -> Vec<(String, String)> {
    let mut changes: Vec<(String, String)> = current
        .keys()
        .filter(|k| k.as_str() != key && !JUJU_KEYS.contains(&k.as_str()))
        .map(|k| (k.clone(), String::new()))
        .collect();
    let value = if items.is_empty() {
        String::new()
    } else {
        py_json(&Value::Array(items))
    };
    changes.push((key.to_owned(), value));
    changes
}

// ---------------------------------------------------------------------------
// The requirer's bag

/// One CSR in the requirer's bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedCertificate {
    /// The CSR, PEM without a trailing newline.
    pub certificate_signing_request: String,
    /// Whether a CA certificate is requested.
    pub ca: bool,
}

impl RequestedCertificate {
    /// An entry for the CSR `pem` (trimmed).
    pub fn new(pem: &str, ca: bool) -> Self {
        Self {
            certificate_signing_request: pem.trim().to_owned(),
            ca,
        }
    }

    fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "certificate_signing_request".into(),
            Value::String(self.certificate_signing_request.clone()),
        );
        map.insert("ca".into(), Value::Bool(self.ca));
        Value::Object(map)
    }
}

/// The requirer's unit bag (or application bag in [`Mode::App`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirerData {
    /// The CSRs, in order.
    pub certificate_signing_requests: Vec<RequestedCertificate>,
}

impl RequirerData {
    /// The bag: `certificate_signing_requests` alone, absent when the list is
    /// empty (the writer clears the bag first).
    pub fn to_databag(&self) -> Databag {
        if self.certificate_signing_requests.is_empty() {
            return Databag::new();
        }
        let items = self
            .certificate_signing_requests
            .iter()
            .map(RequestedCertificate::to_value)
            .collect();
        [(CSRS_KEY.to_owned(), py_json(&Value::Array(items)))].into()
    }

    /// Reads the bag as the provider does: no key is no request; `ca` absent
    /// or `null` is `false`; other keys and fields are ignored.
    ///
    /// # Errors
    ///
    /// The value is too large, not JSON, not a list, or an entry lacks a
    /// string `certificate_signing_request` or has a `ca` that is not a
    /// boolean.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let items = read_list(bag, CSRS_KEY)?.unwrap_or_default();
        let mut certificate_signing_requests = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let entry = entry_object(CSRS_KEY, i, item)?;
            certificate_signing_requests.push(RequestedCertificate {
                certificate_signing_request: field_str(
                    CSRS_KEY,
                    i,
                    entry,
                    "certificate_signing_request",
                )?
                .trim()
                .to_owned(),
                ca: field_bool(CSRS_KEY, i, entry, "ca")?,
            });
        }
        Ok(Self {
            certificate_signing_requests,
        })
    }

    fn changes(&self, current: &Databag) -> Vec<(String, String)> {
        replace_bag(
            current,
            CSRS_KEY,
            self.certificate_signing_requests
                .iter()
                .map(RequestedCertificate::to_value)
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------
// The provider's bag

/// One certificate in the provider's application bag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCertificate {
    /// The certificate, PEM.
    pub certificate: String,
    /// The CSR it answers, PEM (the text pairs them).
    pub certificate_signing_request: String,
    /// The issuing CA's certificate, PEM.
    pub ca: String,
    /// The chain, leaf first (empty when the provider gave none).
    pub chain: Vec<String>,
    /// Whether the provider revoked it.
    pub revoked: bool,
}

impl ProviderCertificate {
    /// `certificate`, answering `csr`, issued by `ca`, with the chain
    /// `[certificate, ca]`.
    pub fn new(
        certificate: &Certificate,
        csr: &CertificateSigningRequest,
        ca: &Certificate,
    ) -> Self {
        Self {
            certificate: certificate.pem().to_owned(),
            certificate_signing_request: csr.pem().to_owned(),
            ca: ca.pem().to_owned(),
            chain: vec![certificate.pem().to_owned(), ca.pem().to_owned()],
            revoked: false,
        }
    }

    fn to_value(&self) -> Value {
        // The Python model's field order; `revoked` only when set.
        let mut map = Map::new();
        map.insert("ca".into(), Value::String(self.ca.clone()));
        map.insert(
            "certificate_signing_request".into(),
            Value::String(self.certificate_signing_request.clone()),
        );
        map.insert(
            "certificate".into(),
            Value::String(self.certificate.clone()),
        );
        map.insert(
            "chain".into(),
            Value::Array(self.chain.iter().cloned().map(Value::String).collect()),
        );
        if self.revoked {
            map.insert("revoked".into(), Value::Bool(true));
        }
        Value::Object(map)
    }
}

/// A CSR the provider could not serve (charmlibs ≥ 1.3), as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    /// The CSR, PEM (written under `csr` by the library, under
    /// `certificate_signing_request` by the spec; both are read).
    pub certificate_signing_request: String,
    /// The error code (1xx: the CSR; 2xx: the server; 9xx: other).
    pub code: i64,
    /// Its name (`ip_not_allowed`...).
    pub name: String,
    /// A message for humans.
    pub message: String,
}

/// The provider's application bag.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderAppData {
    /// The certificates, in order.
    pub certificates: Vec<ProviderCertificate>,
    /// The CSRs that could not be served (read only; malformed entries are
    /// skipped).
    pub request_errors: Vec<RequestError>,
}

impl ProviderAppData {
    /// The bag: `certificates` (absent when empty).
    pub fn to_databag(&self) -> Databag {
        if self.certificates.is_empty() {
            return Databag::new();
        }
        let items = self
            .certificates
            .iter()
            .map(ProviderCertificate::to_value)
            .collect();
        [(CERTIFICATES_KEY.to_owned(), py_json(&Value::Array(items)))].into()
    }

    /// Reads the bag as the requirer does: no key is no certificate; `chain`
    /// and `revoked` may be absent or `null`; other keys and fields
    /// (`recommended_expiry_notification_time`, `capabilities`) are ignored.
    ///
    /// # Errors
    ///
    /// `certificates` is too large, not JSON, not a list, or an entry lacks
    /// one of the string fields `certificate`, `certificate_signing_request`
    /// and `ca`, or has a `chain` that is not a list of strings or a
    /// `revoked` that is not a boolean.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let key = CERTIFICATES_KEY;
        let items = read_list(bag, key)?.unwrap_or_default();
        let mut certificates = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let entry = entry_object(key, i, item)?;
            let chain = match entry.get("chain") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(chain)) if chain.len() <= MAX_ENTRIES => chain
                    .iter()
                    .map(|c| c.as_str().map(|s| s.trim().to_owned()))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        DataError::new(key, format!("entry {i}: `chain` is not a list of strings"))
                    })?,
                Some(_) => {
                    return Err(DataError::new(
                        key,
                        format!("entry {i}: `chain` is not a list of strings"),
                    ));
                }
            };
            certificates.push(ProviderCertificate {
                certificate: field_str(key, i, entry, "certificate")?.trim().to_owned(),
                certificate_signing_request: field_str(
                    key,
                    i,
                    entry,
                    "certificate_signing_request",
                )?
                .trim()
                .to_owned(),
                ca: field_str(key, i, entry, "ca")?.trim().to_owned(),
                chain,
                revoked: field_bool(key, i, entry, "revoked")?,
            });
        }
        // Additive and newer: read what follows the spec, skip the rest.
        let request_errors = read_list(bag, ERRORS_KEY)
            .ok()
            .flatten()
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                let entry = item.as_object()?;
                let csr = entry
                    .get("csr")
                    .or_else(|| entry.get("certificate_signing_request"))?
                    .as_str()?;
                let error = entry.get("error")?.as_object()?;
                Some(RequestError {
                    certificate_signing_request: csr.trim().to_owned(),
                    code: error.get("code")?.as_i64()?,
                    name: error.get("name")?.as_str()?.to_owned(),
                    message: error.get("message")?.as_str()?.to_owned(),
                })
            })
            .collect();
        Ok(Self {
            certificates,
            request_errors,
        })
    }

    fn changes(&self, current: &Databag) -> Vec<(String, String)> {
        replace_bag(
            current,
            CERTIFICATES_KEY,
            self.certificates
                .iter()
                .map(ProviderCertificate::to_value)
                .collect(),
        )
    }
}
