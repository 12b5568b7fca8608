//! The database interfaces, `postgresql_client`, `mysql_client` and
//! `mongodb_client` (version 0 of the data contract): a charm asks a database
//! charm for a database and a user, and the database answers with where to
//! connect and the credentials.
//!
//! Two components, one per side, each bound to one endpoint:
//!
//! - [`DatabaseRequirer`], for the charm that uses the database: its leader
//!   publishes the [`DatabaseRequest`] when the relation is created (or joined,
//!   if it was not leader then), and every unit emits [`DatabaseCreated`],
//!   [`EndpointsChanged`] or [`ReadOnlyEndpointsChanged`] (and, for requests
//!   that need them, [`DatabaseEntityCreated`] and [`PrefixDatabasesChanged`])
//!   as the provider's answer grows. [`DatabaseRequirer::credentials`] reads the credentials
//!   wherever the provider put them: in a Juju secret (`secret-user`,
//!   `secret-tls`, `secret-entity`) or, with a provider that predates secrets,
//!   as plain databag fields.
//! - [`DatabaseProvider`], for the database: emits [`DatabaseRequested`] when a
//!   requirer asks, and its leader answers with
//!   [`set_credentials`](DatabaseProvider::set_credentials) (a secret granted
//!   to the relation when the requirer asked for secrets, plain fields when it
//!   did not), [`set_endpoints`](DatabaseProvider::set_endpoints) and the rest.
//!
//! The databags are typed ([`DatabaseRequest`], [`ProviderData`]) with the
//! encodings the Python library (`charms.data_platform_libs.v0.data_interfaces`)
//! uses on the wire: raw strings, lists as JSON written as Python's
//! `json.dumps` writes them (`["username", "password"]`). Reading is tolerant:
//! unknown keys are ignored, and so are the address keys Juju puts in unit
//! bags. A remote bag that does not follow the protocol is a [`DatabaseError`]
//! naming the relation and the key, never the value.
//!
//! Neither side clears anything on relation-departed or relation-broken, as
//! the Python library does not: the charm stops using the credentials (or, on
//! the provider, drops the user) in its own `<endpoint>_relation_broken`
//! handler.
//!
//! ```
//! use ops_interfaces::database::{DatabaseRequest, ProviderData};
//!
//! let request = DatabaseRequest::new("myapp").with_extra_user_roles("CREATEDB,CREATEROLE");
//! let bag = request.to_databag();
//! assert_eq!(bag["database"], "myapp");
//! assert_eq!(
//!     bag["requested-secrets"],
//!     r#"["username", "password", "tls", "tls-ca", "uris", "read-only-uris", "entity-name", "entity-password"]"#
//! );
//! assert_eq!(bag["extra-user-roles"], "CREATEDB,CREATEROLE");
//! assert_eq!(DatabaseRequest::from_databag(&bag).unwrap(), request);
//!
//! let answer = ProviderData::from_databag(&bag_of(&[
//!     ("database", "myapp"),
//!     ("endpoints", "10.0.0.5:5432,10.0.0.6:5432"),
//!     ("secret-user", "secret://model/cjqub6vubg2s77p3nio0"),
//! ]))
//! .unwrap();
//! assert_eq!(answer.endpoints(), ["10.0.0.5:5432", "10.0.0.6:5432"]);
//! # fn bag_of(pairs: &[(&str, &str)]) -> ops_runtime::Databag {
//! #     pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use ops_runtime::event::{RelationRef, SecretRef};
use ops_runtime::{
    Bag, CharmError, CollectStatus, Component, CustomEvent, Databag, Emitter, Endpoint, Event,
    HookContext, Interface, LogLevel, Member, ModelError, Revision, Secret, SecretContent,
    SecretOptions, SecretOwner, Status,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The interface names a database endpoint may declare in charmcraft.yaml.
pub const INTERFACES: &[&str] = &["postgresql_client", "mysql_client", "mongodb_client"];

/// The fields the requirer asks the provider to put into secrets, as the
/// Python library always sends them.
pub const REQUESTED_SECRETS: &[&str] = &[
    "username",
    "password",
    "tls",
    "tls-ca",
    "uris",
    "read-only-uris",
    "entity-name",
    "entity-password",
];

/// The keys Juju itself writes into every unit databag; readers skip them.
const JUJU_KEYS: &[&str] = &["private-address", "ingress-address", "egress-subnets"];

/// The secret groups, the fields each holds and the bag key of its URI.
const GROUPS: &[(&str, &[&str])] = &[
    ("user", &["username", "password", "uris", "read-only-uris"]),
    ("tls", &["tls", "tls-ca"]),
    ("entity", &["entity-name", "entity-password"]),
];

/// Fields whose values are credentials: never in the requirer's `data`
/// snapshot, never in an error.
const SENSITIVE: &[&str] = &[
    "username",
    "password",
    "uris",
    "read-only-uris",
    "tls-ca",
    "entity-password",
];

// ---------------------------------------------------------------------------
// Errors.

/// A key of a databag that does not follow the protocol, and what is wrong
/// with it (never the value itself, which may be a credential).
///
/// ```
/// use ops_interfaces::database::DatabaseRequest;
///
/// let bag = [("database", "app"), ("requested-secrets", "username")]
///     .into_iter()
///     .map(|(k, v)| (k.to_owned(), v.to_owned()))
///     .collect();
/// let err = DatabaseRequest::from_databag(&bag).unwrap_err();
/// assert_eq!(err.key, "requested-secrets");
/// assert_eq!(err.to_string(), "key `requested-secrets`: not a JSON list of strings");
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
    fn new(key: &str, problem: impl Into<String>) -> Self {
        Self {
            key: key.to_owned(),
            problem: problem.into(),
        }
    }
}

/// An error of the database components.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatabaseError {
    /// The other side's databag does not follow the protocol.
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
    /// A secret the provider named lacks a field it must hold.
    #[error("relation `{relation}`: the secret in `{key}` has no `{field}`")]
    IncompleteSecret {
        /// The relation (`endpoint:id`).
        relation: String,
        /// The bag key that names the secret (`secret-user`).
        key: String,
        /// The missing field.
        field: String,
    },
    /// The provider answered before the requirer asked for a database.
    #[error(
        "relation `{relation}`: the requirer has not asked for a database yet (no `database` in its application data); answer once `database_requested` is emitted"
    )]
    NoRequest {
        /// The relation (`endpoint:id`).
        relation: String,
    },
    /// A hook tool or an access rule failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl DatabaseError {
    fn invalid(relation: &RelationRef, member: &Member, error: DataError) -> Self {
        DatabaseError::InvalidData {
            relation: relation.to_string(),
            member: member.to_string(),
            key: error.key,
            problem: error.problem,
        }
    }
}

// ---------------------------------------------------------------------------
// Encodings.

/// JSON as Python's `json.dumps` writes it by default: `", "` and `": "`
/// between items, non-ASCII characters escaped.
fn py_json(value: &Value) -> String {
    match value {
        Value::String(s) => py_str(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(py_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_json(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A JSON string as Python writes it (`ensure_ascii`).
fn py_str(s: &str) -> String {
    let json = Value::String(s.to_owned()).to_string();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// A list of strings, as Python writes it.
fn py_list(items: &[String]) -> String {
    py_json(&Value::Array(
        items.iter().cloned().map(Value::String).collect(),
    ))
}

/// Reads a JSON list of strings.
fn list_of_strings(bag: &Databag, key: &str) -> Result<Option<Vec<String>>, DataError> {
    let Some(text) = bag.get(key) else {
        return Ok(None);
    };
    serde_json::from_str::<Vec<String>>(text)
        .map(Some)
        .map_err(|_| DataError::new(key, "not a JSON list of strings"))
}

/// A raw string field, `None` when absent or empty.
fn raw(bag: &Databag, key: &str) -> Option<String> {
    bag.get(key).filter(|v| !v.is_empty()).cloned()
}

/// A comma-separated list.
fn comma_list(text: Option<&str>) -> Vec<String> {
    text.map(|t| {
        t.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The requirer's application bag.

/// `entity-type`: a custom entity instead of the relation's user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntityType {
    /// `USER`.
    #[serde(rename = "USER")]
    User,
    /// `GROUP`.
    #[serde(rename = "GROUP")]
    Group,
}

impl EntityType {
    /// Its spelling on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::User => "USER",
            EntityType::Group => "GROUP",
        }
    }
}

/// One element of `entity-permissions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityPermission {
    /// The resource (a database, a table).
    pub resource_name: String,
    /// Its kind.
    pub resource_type: String,
    /// The privileges granted on it.
    pub privileges: Vec<String>,
}

/// What the requirer asks for: the requirer's application bag (leader writes).
///
/// ```
/// use ops_interfaces::database::DatabaseRequest;
///
/// // A requirer of a provider that predates secrets: no `requested-secrets`.
/// let bag = DatabaseRequest::new("myapp").without_secrets().to_databag();
/// assert_eq!(bag.keys().collect::<Vec<_>>(), ["database"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DatabaseRequest {
    /// `database`: the database name wanted (with `prefix-matching`, a prefix
    /// ending in `*`).
    pub database: String,
    /// `requested-secrets`: the fields the provider must put into secrets;
    /// `None` asks for plain fields (the provider's fallback).
    pub requested_secrets: Option<Vec<String>>,
    /// `provided-secrets`: fields the requirer shares through secrets itself.
    /// Written on same-model relations only, as the Python library does.
    pub provided_secrets: Option<Vec<String>>,
    /// `extra-user-roles`: comma-separated extra roles for the user.
    pub extra_user_roles: Option<String>,
    /// `extra-group-roles`: extra roles for a requested group.
    pub extra_group_roles: Option<String>,
    /// `entity-type`: a custom entity instead of the relation's user.
    pub entity_type: Option<EntityType>,
    /// `entity-permissions`: permissions for the custom entity.
    pub entity_permissions: Option<Vec<EntityPermission>>,
    /// `prefix-matching`: the prefix-matching strategy.
    pub prefix_matching: Option<String>,
    /// `external-node-connectivity`: ask a subordinate provider to expose the
    /// service outside the host (written as `"true"` when set).
    pub external_node_connectivity: bool,
}

impl DatabaseRequest {
    /// A request for `database`, asking for every credential in secrets (as
    /// the Python library does) and offering `mtls-cert` as its own.
    pub fn new(database: impl Into<String>) -> Self {
        Self {
            database: database.into(),
            requested_secrets: Some(REQUESTED_SECRETS.iter().map(|s| (*s).to_owned()).collect()),
            provided_secrets: Some(vec!["mtls-cert".to_owned()]),
            extra_user_roles: None,
            extra_group_roles: None,
            entity_type: None,
            entity_permissions: None,
            prefix_matching: None,
            external_node_connectivity: false,
        }
    }

    /// The same request with `extra-user-roles` (comma-separated, e.g.
    /// `CREATEDB,CREATEROLE`).
    #[must_use]
    pub fn with_extra_user_roles(mut self, roles: impl Into<String>) -> Self {
        self.extra_user_roles = Some(roles.into());
        self
    }

    /// The same request asking for plain databag fields, with no
    /// `requested-secrets` (nor `provided-secrets`): the form of a requirer on
    /// Juju 2.9.
    #[must_use]
    pub fn without_secrets(mut self) -> Self {
        self.requested_secrets = None;
        self.provided_secrets = None;
        self
    }

    /// The same request, also asking for `field` in a secret (the provider
    /// puts such extra fields in the `extra` group).
    #[must_use]
    pub fn with_requested_secret(mut self, field: impl Into<String>) -> Self {
        let field = field.into();
        let list = self.requested_secrets.get_or_insert_with(Vec::new);
        if !list.contains(&field) {
            list.push(field);
        }
        self
    }

    /// The same request with `external-node-connectivity: "true"`.
    #[must_use]
    pub fn with_external_node_connectivity(mut self) -> Self {
        self.external_node_connectivity = true;
        self
    }

    /// The same request for a custom entity of `entity_type`.
    #[must_use]
    pub fn with_entity(
        mut self,
        entity_type: EntityType,
        permissions: Option<Vec<EntityPermission>>,
    ) -> Self {
        self.entity_type = Some(entity_type);
        self.entity_permissions = permissions;
        self
    }

    /// Whether the provider is asked for secrets.
    pub fn wants_secrets(&self) -> bool {
        self.requested_secrets.is_some()
    }

    /// The bag, as the Python library writes it.
    pub fn to_databag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("database".into(), self.database.clone());
        if let Some(list) = &self.requested_secrets {
            bag.insert("requested-secrets".into(), py_list(list));
        }
        if let Some(list) = &self.provided_secrets {
            bag.insert("provided-secrets".into(), py_list(list));
        }
        let optional = [
            ("extra-user-roles", &self.extra_user_roles),
            ("extra-group-roles", &self.extra_group_roles),
            ("prefix-matching", &self.prefix_matching),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                bag.insert(key.into(), value.clone());
            }
        }
        if let Some(entity_type) = self.entity_type {
            bag.insert("entity-type".into(), entity_type.as_str().into());
        }
        if let Some(permissions) = &self.entity_permissions {
            let items: Vec<String> = permissions
                .iter()
                .map(|p| {
                    format!(
                        "{{\"resource_name\": {}, \"resource_type\": {}, \"privileges\": {}}}",
                        py_str(&p.resource_name),
                        py_str(&p.resource_type),
                        py_list(&p.privileges)
                    )
                })
                .collect();
            bag.insert(
                "entity-permissions".into(),
                format!("[{}]", items.join(", ")),
            );
        }
        if self.external_node_connectivity {
            bag.insert("external-node-connectivity".into(), "true".into());
        }
        bag
    }

    /// Reads a requirer's application bag.
    ///
    /// # Errors
    ///
    /// `database` is missing, or a key does not follow the protocol.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let database = raw(bag, "database")
            .ok_or_else(|| DataError::new("database", "missing: the database name is required"))?;
        let entity_type = match bag.get("entity-type").map(String::as_str) {
            None | Some("") => None,
            Some("USER") => Some(EntityType::User),
            Some("GROUP") => Some(EntityType::Group),
            Some(_) => return Err(DataError::new("entity-type", "neither `USER` nor `GROUP`")),
        };
        let entity_permissions = match bag.get("entity-permissions") {
            None => None,
            Some(text) => Some(serde_json::from_str(text).map_err(|_| {
                DataError::new(
                    "entity-permissions",
                    "not a JSON list of {resource_name, resource_type, privileges} objects",
                )
            })?),
        };
        Ok(Self {
            database,
            requested_secrets: list_of_strings(bag, "requested-secrets")?,
            provided_secrets: list_of_strings(bag, "provided-secrets")?,
            extra_user_roles: raw(bag, "extra-user-roles"),
            extra_group_roles: raw(bag, "extra-group-roles"),
            entity_type,
            entity_permissions,
            prefix_matching: raw(bag, "prefix-matching"),
            external_node_connectivity: bag
                .get("external-node-connectivity")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }
}

// ---------------------------------------------------------------------------
// The provider's application bag.

/// The provider's application bag as it is on the wire (leader writes): where
/// to connect, and where the credentials are. Credential fields in the bag
/// itself (plain mode) are kept out of this type's `Debug`; read them resolved
/// with [`DatabaseRequirer::credentials`].
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderData {
    /// `database`: the name actually created.
    pub database: Option<String>,
    /// `endpoints`: comma-separated `host:port` list.
    pub endpoints: Option<String>,
    /// `read-only-endpoints`: comma-separated `host:port` list.
    pub read_only_endpoints: Option<String>,
    /// `replset` (MongoDB).
    pub replset: Option<String>,
    /// `version`: the engine's version.
    pub version: Option<String>,
    /// `secret-user`, `secret-tls`, `secret-entity`, `secret-extra`: the
    /// secret URI of each group, by group name.
    pub secrets: BTreeMap<String, String>,
    /// `prefix-databases`: comma-separated existing databases matching a prefix.
    pub prefix_databases: Option<String>,
    /// `subordinated`: the provider is a subordinate that reports readiness
    /// per unit (`state: ready` in its unit bag).
    pub subordinated: bool,
    /// The plain credential fields, in plain mode.
    plain: BTreeMap<String, String>,
}

impl fmt::Debug for ProviderData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderData")
            .field("database", &self.database)
            .field("endpoints", &self.endpoints)
            .field("read_only_endpoints", &self.read_only_endpoints)
            .field("replset", &self.replset)
            .field("version", &self.version)
            .field("secrets", &self.secrets)
            .field("prefix_databases", &self.prefix_databases)
            .field("subordinated", &self.subordinated)
            .field("plain", &self.plain.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ProviderData {
    /// Reads a provider's application bag; keys the protocol does not define
    /// are ignored.
    ///
    /// # Errors
    ///
    /// `subordinated` is neither `true` nor `false`.
    pub fn from_databag(bag: &Databag) -> Result<Self, DataError> {
        let subordinated = match bag.get("subordinated").map(String::as_str) {
            None | Some("") => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(_) => {
                return Err(DataError::new("subordinated", "neither `true` nor `false`"));
            }
        };
        let secrets = GROUPS
            .iter()
            .map(|(group, _)| *group)
            .chain(["extra"])
            .filter_map(|group| {
                raw(bag, &format!("secret-{group}")).map(|uri| (group.to_owned(), uri))
            })
            .collect();
        let plain = GROUPS
            .iter()
            .flat_map(|(_, fields)| fields.iter())
            .filter_map(|field| raw(bag, field).map(|v| ((*field).to_owned(), v)))
            .collect();
        Ok(Self {
            database: raw(bag, "database"),
            endpoints: raw(bag, "endpoints"),
            read_only_endpoints: raw(bag, "read-only-endpoints"),
            replset: raw(bag, "replset"),
            version: raw(bag, "version"),
            secrets,
            prefix_databases: raw(bag, "prefix-databases"),
            subordinated,
            plain,
        })
    }

    /// The read/write endpoints, `host:port` each.
    pub fn endpoints(&self) -> Vec<String> {
        comma_list(self.endpoints.as_deref())
    }

    /// The read-only endpoints, `host:port` each.
    pub fn read_only_endpoints(&self) -> Vec<String> {
        comma_list(self.read_only_endpoints.as_deref())
    }
}

// ---------------------------------------------------------------------------
// Credentials.

/// A credential: a password, or a connection string that holds one. Its
/// `Debug` and `Display` never show it; [`expose`](Self::expose) does.
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive(String);

impl Sensitive {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The credential itself, to hand to a database client.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sensitive(<redacted>)")
    }
}

impl fmt::Display for Sensitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The database user the provider created for the relation, from its secret
/// or, in plain mode, from its bag.
///
/// ```
/// use ops_interfaces::database::{Credentials, Sensitive};
///
/// let credentials = Credentials::new("relation-14", "8rV-long-password");
/// assert_eq!(credentials.password.expose(), "8rV-long-password");
/// assert!(!format!("{credentials:?}").contains("8rV"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// `username`.
    pub username: String,
    /// `password`.
    pub password: Sensitive,
    /// `uris`: the connection string (it holds the password).
    pub uris: Option<Sensitive>,
    /// `read-only-uris`.
    pub read_only_uris: Option<Sensitive>,
    /// `tls`: whether the provider requires TLS.
    pub tls: bool,
    /// `tls-ca`: the CA chain to trust, PEM.
    pub tls_ca: Option<String>,
}

impl Credentials {
    /// A user and its password, without URIs or TLS.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: Sensitive::new(password),
            uris: None,
            read_only_uris: None,
            tls: false,
            tls_ca: None,
        }
    }

    /// The same credentials with the connection string(s).
    #[must_use]
    pub fn with_uris(mut self, uris: impl Into<String>, read_only: Option<String>) -> Self {
        self.uris = Some(Sensitive::new(uris));
        self.read_only_uris = read_only.map(Sensitive::new);
        self
    }
}

// ---------------------------------------------------------------------------
// Shared.

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

/// The label of a secret group for a relation: `<relation-name>.<relation-id>.<group>.secret`,
/// the same shape on both sides.
pub fn secret_label(relation: &RelationRef, group: &str) -> String {
    format!("{}.{}.{group}.secret", relation.endpoint, relation.id)
}

// ---------------------------------------------------------------------------
// The requirer.

/// `database_created`: the provider created the database and the user (its
/// `secret-user`, or `username` and `password`, are new). The payload holds
/// where to connect; the credentials come from
/// [`DatabaseRequirer::credentials`], so that they never travel in an event
/// (which the state store keeps when it is deferred).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseCreated {
    /// The relation.
    pub relation: RelationRef,
    /// The database's name, as the provider created it.
    pub database: Option<String>,
    /// The read/write endpoints.
    pub endpoints: Vec<String>,
    /// The read-only endpoints.
    pub read_only_endpoints: Vec<String>,
    /// The engine's version.
    pub version: Option<String>,
}

impl CustomEvent for DatabaseCreated {
    const NAME: &'static str = "database_created";
}

/// `endpoints_changed`: the provider's read/write endpoints were added or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointsChanged {
    /// The relation.
    pub relation: RelationRef,
    /// The endpoints.
    pub endpoints: Vec<String>,
}

impl CustomEvent for EndpointsChanged {
    const NAME: &'static str = "endpoints_changed";
}

/// `read_only_endpoints_changed`: the provider's read-only endpoints were
/// added or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadOnlyEndpointsChanged {
    /// The relation.
    pub relation: RelationRef,
    /// The read-only endpoints.
    pub read_only_endpoints: Vec<String>,
}

impl CustomEvent for ReadOnlyEndpointsChanged {
    const NAME: &'static str = "read_only_endpoints_changed";
}

/// `database_entity_created`: the provider created the custom entity the
/// requirer asked for (its `secret-entity`, or `entity-name`, is new). Read it
/// with [`DatabaseRequirer::entity_credentials`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseEntityCreated {
    /// The relation.
    pub relation: RelationRef,
}

impl CustomEvent for DatabaseEntityCreated {
    const NAME: &'static str = "database_entity_created";
}

/// `prefix_databases_changed`: the databases matching a requested prefix
/// (`prefix-databases`) were added or changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixDatabasesChanged {
    /// The relation.
    pub relation: RelationRef,
    /// The databases, sorted as the provider sorts them.
    pub databases: Vec<String>,
}

impl CustomEvent for PrefixDatabasesChanged {
    const NAME: &'static str = "prefix_databases_changed";
}

/// The requirer side of the database interfaces: asks for a database on one
/// endpoint and reports the provider's answer.
///
/// The leader writes the request on relation-created, and on relation-joined
/// when the bag lacks it (a unit that became leader since). On
/// relation-changed every unit compares the provider's application bag with
/// the snapshot it keeps in the `data` key of its own unit bag (as the Python
/// library does, though with the credential values left out), and emits at
/// most one of, in this order: [`DatabaseCreated`] (unless a custom entity was
/// requested), [`DatabaseEntityCreated`] (when one was), [`EndpointsChanged`],
/// [`ReadOnlyEndpointsChanged`], [`PrefixDatabasesChanged`]. With a subordinate provider
/// (`subordinated: "true"`) it waits for `state: ready` in the provider's
/// unit bag first. In collect-status it reports `waiting` while related
/// without credentials, `blocked` when the provider's data does not follow the
/// protocol.
///
/// ```
/// use ops_interfaces::database::{DatabaseCreated, DatabaseRequirer};
/// use ops_interfaces::testing::database::ProviderSide;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// struct App {
///     db: DatabaseRequirer,
/// }
///
/// impl Default for App {
///     fn default() -> Self {
///         Self { db: DatabaseRequirer::new("myapp") }
///     }
/// }
///
/// #[charm(
///     components(db: DatabaseRequirer = "database"),
///     metadata_source = "name: app\nrequires:\n  database:\n    interface: postgresql_client\n"
/// )]
/// impl App {
///     #[on(db::database_created)]
///     fn connect(&mut self, cx: &mut HookContext, event: Custom<DatabaseCreated>) -> Result<(), CharmError> {
///         let Some(credentials) = self.db.credentials(cx, &event.relation)? else {
///             return Ok(());
///         };
///         cx.set_workload_version(&format!("{}@{}", credentials.username, event.endpoints[0]))?;
///         Ok(())
///     }
/// }
///
/// let (relation, secret) = ProviderSide::new("database", 1).answered();
/// let state = State::new().with_relation(relation.clone()).with_secret(secret);
/// let out = Context::<App>::new().run(relation.changed_event(None), state).unwrap();
/// assert_eq!(out.workload_version.as_deref(), Some("relation-1@10.0.0.5:5432"));
/// ```
#[derive(Debug, Clone)]
pub struct DatabaseRequirer {
    endpoint: Endpoint,
    request: DatabaseRequest,
}

impl Default for DatabaseRequirer {
    /// A requirer on the conventional endpoint, `database`, asking for a
    /// database named after the application.
    fn default() -> Self {
        Self::new("")
    }
}

impl DatabaseRequirer {
    /// A requirer asking for `database` (an empty name asks for one named
    /// after the application), every credential in secrets. `#[charm]` binds
    /// it to its endpoint; until then it is `database`.
    pub fn new(database: impl Into<String>) -> Self {
        Self::with_request(DatabaseRequest::new(database))
    }

    /// A requirer that sends `request`.
    pub fn with_request(request: DatabaseRequest) -> Self {
        Self {
            endpoint: Endpoint::new_unchecked("database"),
            request,
        }
    }

    /// The same requirer with `extra-user-roles`.
    #[must_use]
    pub fn with_extra_user_roles(mut self, roles: impl Into<String>) -> Self {
        self.request = self.request.with_extra_user_roles(roles);
        self
    }

    /// The endpoint it is bound to.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The request it sends.
    pub fn request(&self) -> &DatabaseRequest {
        &self.request
    }

    /// The provider's application bag on `relation`, typed.
    ///
    /// # Errors
    ///
    /// The bag does not follow the protocol, or a hook tool failed.
    pub fn provider_data(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<ProviderData, DatabaseError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        ProviderData::from_databag(&bag)
            .map_err(|e| DatabaseError::invalid(relation, &Member::RemoteApp, e))
    }

    /// The credentials the provider published on `relation`: from its
    /// `secret-user` (and `secret-tls`) secrets, labelled
    /// `<endpoint>.<id>.<group>.secret` on first read and read at their latest
    /// revision, or from plain fields; `None` until both a username and a
    /// password are there.
    ///
    /// # Errors
    ///
    /// The provider's bag does not follow the protocol, a secret it names
    /// cannot be read, or a hook tool failed.
    pub fn credentials(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<Credentials>, DatabaseError> {
        let data = self.provider_data(cx, relation)?;
        let user = group_fields(cx, relation, &data, "user")?;
        let tls = group_fields(cx, relation, &data, "tls")?;
        let (Some(username), Some(password)) = (user.get("username"), user.get("password")) else {
            return Ok(None);
        };
        if username.is_empty() || password.is_empty() {
            return Ok(None);
        }
        Ok(Some(Credentials {
            username: username.clone(),
            password: Sensitive::new(password.clone()),
            uris: user.get("uris").cloned().map(Sensitive),
            read_only_uris: user.get("read-only-uris").cloned().map(Sensitive),
            tls: tls
                .get("tls")
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
            tls_ca: tls.get("tls-ca").cloned(),
        }))
    }

    /// The custom entity the provider created on `relation` (`entity-name`
    /// and `entity-password`, from `secret-entity` or plain fields); `None`
    /// until the name is there.
    ///
    /// # Errors
    ///
    /// As [`credentials`](Self::credentials).
    pub fn entity_credentials(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<(String, Option<Sensitive>)>, DatabaseError> {
        let data = self.provider_data(cx, relation)?;
        let entity = group_fields(cx, relation, &data, "entity")?;
        Ok(entity
            .get("entity-name")
            .filter(|name| !name.is_empty())
            .map(|name| {
                (
                    name.clone(),
                    entity.get("entity-password").cloned().map(Sensitive),
                )
            }))
    }

    /// Whether the provider published credentials on `relation` (`username`
    /// and `password`, as the Python library checks).
    ///
    /// # Errors
    ///
    /// As [`credentials`](Self::credentials).
    pub fn is_ready(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<bool, DatabaseError> {
        Ok(self.credentials(cx, relation)?.is_some())
    }

    /// The relation a secret belongs to, by the label this requirer gave it
    /// (`<endpoint>.<id>.<group>.secret`), for a `secret_changed` handler:
    /// Juju tells the requirer so when the provider rotates a password (a new
    /// revision, so no relation-changed), and [`credentials`](Self::credentials)
    /// then reads the new one. `None` for a secret of another endpoint or none.
    ///
    /// ```
    /// use ops_interfaces::database::DatabaseRequirer;
    /// use ops_runtime::event::{RelationRef, SecretRef};
    ///
    /// let db = DatabaseRequirer::new("myapp");
    /// let secret = SecretRef { id: "secret:abc".into(), label: Some("database.7.user.secret".into()) };
    /// assert_eq!(db.relation_of_secret(&secret), Some(RelationRef::new("database", 7)));
    /// let other = SecretRef { id: "secret:abc".into(), label: Some("cache.7.user.secret".into()) };
    /// assert_eq!(db.relation_of_secret(&other), None);
    /// ```
    pub fn relation_of_secret(&self, secret: &SecretRef) -> Option<RelationRef> {
        let label = secret.label.as_deref()?;
        let rest = label
            .strip_prefix(self.endpoint.name())?
            .strip_prefix('.')?
            .strip_suffix(".secret")?;
        let (id, group) = rest.split_once('.')?;
        if !GROUPS.iter().any(|(g, _)| *g == group) && group != "extra" {
            return None;
        }
        Some(RelationRef::new(self.endpoint.name(), id.parse().ok()?))
    }

    /// The first relation on the endpoint with credentials, and them.
    ///
    /// # Errors
    ///
    /// As [`credentials`](Self::credentials).
    pub fn ready(
        &self,
        cx: &mut HookContext,
    ) -> Result<Option<(RelationRef, Credentials)>, DatabaseError> {
        for relation in cx.relations(self.endpoint)? {
            if let Some(credentials) = self.credentials(cx, &relation)? {
                return Ok(Some((relation, credentials)));
            }
        }
        Ok(None)
    }

    /// Writes the request on `relation`, as leader, when its bag lacks it.
    fn publish(&self, cx: &mut HookContext, relation: &RelationRef) -> Result<(), DatabaseError> {
        if !cx.is_leader()? {
            return Ok(());
        }
        let mut request = self.request.clone();
        if request.database.is_empty() {
            request.database = cx.app_name().to_owned();
        }
        // `provided-secrets` (Kafka's mTLS) only on same-model relations.
        if request.provided_secrets.is_some()
            && cx.relation_model_uuid(relation)? != cx.model_uuid()
        {
            request.provided_secrets = None;
        }
        let bag = request.to_databag();
        let current = cx.relation_data(relation, &Member::LocalApp)?;
        if bag.iter().all(|(k, v)| current.get(k) == Some(v)) {
            return Ok(());
        }
        // The legacy copy the Python library keeps in the leader's unit bag.
        let legacy: Databag = ["requested-secrets", "provided-secrets"]
            .into_iter()
            .filter_map(|k| bag.get(k).map(|v| (k.to_owned(), v.clone())))
            .collect();
        cx.update_relation_data(relation, Bag::App, bag)?;
        if !legacy.is_empty() {
            cx.update_relation_data(relation, Bag::Unit, legacy)?;
        }
        Ok(())
    }

    /// Compares the provider's bag with this unit's snapshot, moves the
    /// snapshot on, and returns the event to emit.
    fn report(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<RequirerEvent>, DatabaseError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        let data = ProviderData::from_databag(&bag)
            .map_err(|e| DatabaseError::invalid(relation, &Member::RemoteApp, e))?;
        if data.subordinated && !subordinate_ready(cx, relation)? {
            return Ok(None);
        }
        let local = cx.relation_data(relation, &Member::LocalUnit)?;
        let before: BTreeMap<String, String> = local
            .get("data")
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        let after: BTreeMap<String, String> = bag
            .iter()
            .filter(|(k, _)| !JUJU_KEYS.contains(&k.as_str()) && k.as_str() != "data")
            .map(|(k, v)| {
                let v = if SENSITIVE.contains(&k.as_str()) {
                    "<redacted>".to_owned()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect();
        let added = |key: &str| after.contains_key(key) && !before.contains_key(key);
        let changed = |key: &str| after.contains_key(key) && after.get(key) != before.get(key);
        let created = added("secret-user") || (added("username") && added("password"));
        let event = if created && self.request.entity_type.is_none() {
            Some(RequirerEvent::Created(DatabaseCreated {
                relation: relation.clone(),
                database: data.database.clone(),
                endpoints: data.endpoints(),
                read_only_endpoints: data.read_only_endpoints(),
                version: data.version.clone(),
            }))
        } else if (added("secret-entity") || added("entity-name"))
            && self.request.entity_type.is_some()
        {
            Some(RequirerEvent::EntityCreated(DatabaseEntityCreated {
                relation: relation.clone(),
            }))
        } else if changed("endpoints") {
            Some(RequirerEvent::Endpoints(EndpointsChanged {
                relation: relation.clone(),
                endpoints: data.endpoints(),
            }))
        } else if changed("read-only-endpoints") {
            Some(RequirerEvent::ReadOnlyEndpoints(ReadOnlyEndpointsChanged {
                relation: relation.clone(),
                read_only_endpoints: data.read_only_endpoints(),
            }))
        } else if changed("prefix-databases") {
            Some(RequirerEvent::PrefixDatabases(PrefixDatabasesChanged {
                relation: relation.clone(),
                databases: comma_list(data.prefix_databases.as_deref()),
            }))
        } else {
            None
        };
        if after != before {
            let snapshot = py_json(&Value::Object(
                after
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            ));
            cx.update_relation_data(relation, Bag::Unit, [("data", snapshot)])?;
        }
        Ok(event)
    }
}

/// The event a requirer's comparison found.
enum RequirerEvent {
    Created(DatabaseCreated),
    EntityCreated(DatabaseEntityCreated),
    PrefixDatabases(PrefixDatabasesChanged),
    Endpoints(EndpointsChanged),
    ReadOnlyEndpoints(ReadOnlyEndpointsChanged),
}

/// Whether a subordinate provider's unit says `state: ready`.
fn subordinate_ready(cx: &mut HookContext, relation: &RelationRef) -> Result<bool, ModelError> {
    for unit in cx.relation_units(relation)? {
        let bag = cx.relation_data(relation, &Member::Unit(unit))?;
        if bag.get("state").map(String::as_str) == Some("ready") {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The fields of one secret group: the secret's content when the provider
/// names one (read with the requirer's label, at its latest revision), else
/// the plain fields of the bag.
fn group_fields(
    cx: &mut HookContext,
    relation: &RelationRef,
    data: &ProviderData,
    group: &str,
) -> Result<BTreeMap<String, String>, DatabaseError> {
    let fields = GROUPS
        .iter()
        .find(|(g, _)| *g == group)
        .map_or(&[][..], |(_, f)| *f);
    let mut out: BTreeMap<String, String> = fields
        .iter()
        .filter_map(|f| data.plain.get(*f).map(|v| ((*f).to_owned(), v.clone())))
        .collect();
    if let Some(uri) = data.secrets.get(group) {
        let secret = Secret::from(&SecretRef {
            id: uri.clone(),
            label: Some(secret_label(relation, group)),
        });
        let content = cx.secret_content(&secret, Revision::Refresh)?;
        for field in fields {
            if let Some(value) = content.get(field) {
                out.insert((*field).to_owned(), value.to_owned());
            }
        }
        if group == "user" {
            for field in ["username", "password"] {
                if !out.contains_key(field) {
                    return Err(DatabaseError::IncompleteSecret {
                        relation: relation.to_string(),
                        key: format!("secret-{group}"),
                        field: field.to_owned(),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Writes a warning about `error` to the Juju log.
fn warn(cx: &mut HookContext, error: &DatabaseError) -> Result<(), ModelError> {
    cx.juju_log(LogLevel::Warning, &format!("database: {error}"))
}

impl Component for DatabaseRequirer {
    const EVENTS: &'static [&'static str] = &[
        DatabaseCreated::NAME,
        DatabaseEntityCreated::NAME,
        EndpointsChanged::NAME,
        ReadOnlyEndpointsChanged::NAME,
        PrefixDatabasesChanged::NAME,
    ];
    const INTERFACE: Option<Interface> = Some(Interface::requires(INTERFACES));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let Some(relation) = relation_of(event, self.endpoint) else {
            return Ok(());
        };
        match event {
            Event::RelationCreated(_) | Event::RelationJoined(_) => {
                self.publish(cx, relation)?;
            }
            Event::RelationChanged(_) => match self.report(cx, relation) {
                Ok(None) => {}
                Ok(Some(RequirerEvent::Created(e))) => emit.emit(&e)?,
                Ok(Some(RequirerEvent::EntityCreated(e))) => emit.emit(&e)?,
                Ok(Some(RequirerEvent::PrefixDatabases(e))) => emit.emit(&e)?,
                Ok(Some(RequirerEvent::Endpoints(e))) => emit.emit(&e)?,
                Ok(Some(RequirerEvent::ReadOnlyEndpoints(e))) => emit.emit(&e)?,
                // Not ready: no event; collect-status shows it blocked.
                Err(error @ DatabaseError::InvalidData { .. }) => warn(cx, &error)?,
                Err(error) => return Err(error.into()),
            },
            _ => {}
        }
        Ok(())
    }

    /// `waiting` while related without credentials, `blocked` while the
    /// provider's data does not follow the protocol (naming the relation and
    /// the key).
    fn collect_unit_status(
        &mut self,
        cx: &mut HookContext,
        status: &CollectStatus,
    ) -> Result<(), CharmError> {
        let relations = cx.relations(self.endpoint)?;
        if relations.is_empty() {
            return Ok(());
        }
        let mut waiting = false;
        for relation in &relations {
            match self.credentials(cx, relation) {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => waiting = true,
                Err(error @ DatabaseError::InvalidData { .. }) => {
                    status.add(Status::blocked(format!("database: {error}")));
                }
                Err(error) => return Err(error.into()),
            }
        }
        if waiting {
            status.add(Status::waiting(format!(
                "waiting for database credentials on `{}`",
                self.endpoint
            )));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The provider.

/// `database_requested`: a requirer asked for a database (its `database` is
/// new and it asked for no custom entity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseRequested {
    /// The relation.
    pub relation: RelationRef,
    /// The request.
    pub request: DatabaseRequest,
}

impl CustomEvent for DatabaseRequested {
    const NAME: &'static str = "database_requested";
}

/// `database_entity_requested`: a requirer asked for a database and a custom
/// entity (`database` and `entity-type` are both new).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseEntityRequested {
    /// The relation.
    pub relation: RelationRef,
    /// The request.
    pub request: DatabaseRequest,
}

impl CustomEvent for DatabaseEntityRequested {
    const NAME: &'static str = "database_entity_requested";
}

/// The provider side of the database interfaces (the database charm): reads
/// each requirer's request and publishes the answer.
///
/// On relation-changed the leader compares the requirer's application bag
/// with the snapshot it keeps in the `data` key of its own application bag,
/// rewrites the snapshot, and emits [`DatabaseRequested`] (or
/// [`DatabaseEntityRequested`]) when `database` is new. A request that does not
/// follow the protocol gets no event and a warning in the Juju log naming the
/// relation and the key.
///
/// ```
/// use ops_interfaces::database::{Credentials, DatabaseProvider, DatabaseRequested};
/// use ops_interfaces::testing::database::RequirerSide;
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::*;
///
/// #[derive(Default)]
/// struct Postgres {
///     db: DatabaseProvider,
/// }
///
/// #[charm(
///     components(db: DatabaseProvider = "database"),
///     metadata_source = "name: postgresql\nprovides:\n  database:\n    interface: postgresql_client\n"
/// )]
/// impl Postgres {
///     #[on(db::database_requested)]
///     fn create(&mut self, cx: &mut HookContext, event: Custom<DatabaseRequested>) -> Result<(), CharmError> {
///         let relation = &event.relation;
///         let user = format!("relation-{}", relation.id);
///         self.db.set_database(cx, relation, &event.request.database)?;
///         self.db.set_endpoints(cx, relation, &["10.0.0.5:5432"])?;
///         self.db.set_credentials(cx, relation, &Credentials::new(user, "generated-password"))?;
///         Ok(())
///     }
/// }
///
/// let relation = RequirerSide::new("database", 1, "myapp").requested();
/// let state = State::new().with_leader(true).with_relation(relation.clone());
/// let out = Context::<Postgres>::new().run(relation.changed_event(None), state).unwrap();
/// let bag = &out.relation(1).unwrap().local_app_data;
/// assert_eq!(bag["database"], "myapp");
/// let secret = out.secret_by_label("database.1.user.secret").unwrap();
/// assert_eq!(bag["secret-user"], secret.id);
/// ```
#[derive(Debug, Clone)]
pub struct DatabaseProvider {
    endpoint: Endpoint,
}

impl Default for DatabaseProvider {
    /// A provider on the conventional endpoint, `database`.
    fn default() -> Self {
        Self {
            endpoint: Endpoint::new_unchecked("database"),
        }
    }
}

impl DatabaseProvider {
    /// The endpoint it is bound to.
    pub fn endpoint(&self) -> Endpoint {
        self.endpoint
    }

    /// The requirer's request on `relation`; `None` before it asked.
    ///
    /// # Errors
    ///
    /// The requirer's bag does not follow the protocol, or a hook tool failed.
    pub fn request(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<DatabaseRequest>, DatabaseError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        if raw(&bag, "database").is_none() {
            return Ok(None);
        }
        DatabaseRequest::from_databag(&bag)
            .map(Some)
            .map_err(|e| DatabaseError::invalid(relation, &Member::RemoteApp, e))
    }

    /// Publishes `database`, the name actually created.
    ///
    /// # Errors
    ///
    /// The requirer has not asked yet ([`DatabaseError::NoRequest`]), not the
    /// leader, or a hook tool failed.
    pub fn set_database(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        database: &str,
    ) -> Result<(), DatabaseError> {
        self.set(cx, relation, [("database", database.to_owned())])
    }

    /// Publishes the read/write `endpoints` (`host:port` each).
    ///
    /// # Errors
    ///
    /// Not the leader, or a hook tool failed.
    pub fn set_endpoints(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        endpoints: &[&str],
    ) -> Result<(), DatabaseError> {
        self.set(cx, relation, [("endpoints", endpoints.join(","))])
    }

    /// Publishes the `read-only-endpoints`.
    ///
    /// # Errors
    ///
    /// Not the leader, or a hook tool failed.
    pub fn set_read_only_endpoints(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        endpoints: &[&str],
    ) -> Result<(), DatabaseError> {
        self.set(cx, relation, [("read-only-endpoints", endpoints.join(","))])
    }

    /// Publishes the engine's `version`.
    ///
    /// # Errors
    ///
    /// The requirer has not asked yet ([`DatabaseError::NoRequest`]), not the
    /// leader, or a hook tool failed.
    pub fn set_version(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        version: &str,
    ) -> Result<(), DatabaseError> {
        self.set(cx, relation, [("version", version.to_owned())])
    }

    /// Publishes the user: `username`, `password`, and `uris` and
    /// `read-only-uris` when set, in one hook (so the requirer emits
    /// `database_created` once). When the requirer asked for them in
    /// `requested-secrets`, they go into one application-owned secret,
    /// labelled `<endpoint>.<id>.user.secret` and granted to the relation,
    /// whose URI is `secret-user` (a new revision of the same secret when it
    /// exists); otherwise, or when the bag already holds a plain `username`
    /// (a relation older than secrets), into plain fields. TLS goes the same
    /// way through `secret-tls` or `tls` and `tls-ca`.
    ///
    /// # Errors
    ///
    /// The requirer has not asked yet ([`DatabaseError::NoRequest`]), not the
    /// leader, or a hook tool failed.
    pub fn set_credentials(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        credentials: &Credentials,
    ) -> Result<(), DatabaseError> {
        let mut user: Vec<(&str, String)> = vec![
            ("username", credentials.username.clone()),
            ("password", credentials.password.expose().to_owned()),
        ];
        if let Some(uris) = &credentials.uris {
            user.push(("uris", uris.expose().to_owned()));
        }
        if let Some(uris) = &credentials.read_only_uris {
            user.push(("read-only-uris", uris.expose().to_owned()));
        }
        self.set_group(cx, relation, "user", &user)?;
        if credentials.tls || credentials.tls_ca.is_some() {
            let mut tls = vec![("tls", credentials.tls.to_string())];
            if let Some(ca) = &credentials.tls_ca {
                tls.push(("tls-ca", ca.clone()));
            }
            self.set_group(cx, relation, "tls", &tls)?;
        }
        Ok(())
    }

    /// Publishes a requested custom entity: `entity-name` and
    /// `entity-password`, through `secret-entity` or plain fields as
    /// [`set_credentials`](Self::set_credentials) does.
    ///
    /// # Errors
    ///
    /// As [`set_credentials`](Self::set_credentials).
    pub fn set_entity_credentials(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        name: &str,
        password: &Sensitive,
    ) -> Result<(), DatabaseError> {
        let fields = [
            ("entity-name", name.to_owned()),
            ("entity-password", password.expose().to_owned()),
        ];
        self.set_group(cx, relation, "entity", &fields)
    }

    /// Writes keys to the provider's application bag: before the requirer
    /// asked, only where to connect (`endpoints`, `read-only-endpoints`,
    /// `replset`), as the Python library allows.
    fn set<const N: usize>(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        fields: [(&str, String); N],
    ) -> Result<(), DatabaseError> {
        const BEFORE_REQUEST: &[&str] = &["endpoints", "read-only-endpoints", "replset"];
        if fields.iter().any(|(k, _)| !BEFORE_REQUEST.contains(k))
            && self.request(cx, relation)?.is_none()
        {
            return Err(DatabaseError::NoRequest {
                relation: relation.to_string(),
            });
        }
        cx.update_relation_data(relation, Bag::App, fields)?;
        Ok(())
    }

    /// Publishes one secret group, as a secret or as plain fields.
    fn set_group(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
        group: &str,
        fields: &[(&str, String)],
    ) -> Result<(), DatabaseError> {
        let Some(request) = self.request(cx, relation)? else {
            return Err(DatabaseError::NoRequest {
                relation: relation.to_string(),
            });
        };
        let local = cx.relation_data(relation, &Member::LocalApp)?;
        let requested = request.requested_secrets.as_deref().unwrap_or_default();
        let already_plain = fields.iter().any(|(k, _)| local.contains_key(*k));
        let in_secret = !already_plain
            && fields
                .iter()
                .any(|(k, _)| requested.iter().any(|r| r.as_str() == *k));
        if !in_secret {
            let fields: Databag = fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            cx.update_relation_data(relation, Bag::App, fields)?;
            return Ok(());
        }
        let content: SecretContent = fields.iter().map(|(k, v)| (*k, v.clone())).collect();
        let label = secret_label(relation, group);
        let key = format!("secret-{group}");
        let existing = local.get(&key).map(|uri| {
            Secret::from(&SecretRef {
                id: uri.clone(),
                label: Some(label.clone()),
            })
        });
        let secret = match existing {
            Some(secret) => {
                cx.set_secret_content(&secret, &content)?;
                secret
            }
            None => {
                let options = SecretOptions {
                    label: Some(label),
                    ..SecretOptions::default()
                };
                let secret = cx.add_secret(SecretOwner::App, &content, &options)?;
                cx.grant_secret(&secret, relation, None)?;
                secret
            }
        };
        if let Some(id) = secret.id() {
            cx.update_relation_data(relation, Bag::App, [(key.as_str(), id)])?;
        }
        Ok(())
    }

    /// Compares the requirer's bag with the snapshot, moves the snapshot on,
    /// and returns the new request: `(request, with an entity)`.
    fn report(
        &self,
        cx: &mut HookContext,
        relation: &RelationRef,
    ) -> Result<Option<(DatabaseRequest, bool)>, DatabaseError> {
        let bag = cx.relation_data(relation, &Member::RemoteApp)?;
        let local = cx.relation_data(relation, &Member::LocalApp)?;
        let before: BTreeMap<String, String> = local
            .get("data")
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        let after: BTreeMap<String, String> = bag
            .iter()
            .filter(|(k, _)| !JUJU_KEYS.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let added = |key: &str| after.contains_key(key) && !before.contains_key(key);
        // The request is read before the snapshot moves on: one that does not
        // follow the protocol is reported again once it is fixed.
        let request = if added("database") {
            Some(
                DatabaseRequest::from_databag(&bag)
                    .map_err(|e| DatabaseError::invalid(relation, &Member::RemoteApp, e))?,
            )
        } else {
            None
        };
        if after != before {
            let snapshot = py_json(&Value::Object(
                after
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ));
            cx.update_relation_data(relation, Bag::App, [("data", snapshot)])?;
        }
        Ok(request.map(|r| (r, added("entity-type"))))
    }
}

impl Component for DatabaseProvider {
    const EVENTS: &'static [&'static str] =
        &[DatabaseRequested::NAME, DatabaseEntityRequested::NAME];
    const INTERFACE: Option<Interface> = Some(Interface::provides(INTERFACES));

    fn bind(&mut self, endpoint: Endpoint) {
        self.endpoint = endpoint;
    }

    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError> {
        let Some(relation) = relation_of(event, self.endpoint) else {
            return Ok(());
        };
        if !matches!(event, Event::RelationChanged(_)) || !cx.is_leader()? {
            return Ok(());
        }
        match self.report(cx, relation) {
            Ok(None) => Ok(()),
            Ok(Some((request, true))) => emit.emit(&DatabaseEntityRequested {
                relation: relation.clone(),
                request,
            }),
            Ok(Some((request, false))) => emit.emit(&DatabaseRequested {
                relation: relation.clone(),
                request,
            }),
            Err(error @ DatabaseError::InvalidData { .. }) => Ok(warn(cx, &error)?),
            Err(error) => Err(error.into()),
        }
    }
}
