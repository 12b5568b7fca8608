//! The other side of the database interfaces in the harness: a database that
//! answered (in a secret, or in plain fields as before secrets) for a
//! requirer charm's tests, a requirer application for a database charm's
//! tests, and readers of what the charm wrote.
//!
//! ```
//! use ops_interfaces::database::{DatabaseCreated, DatabaseRequirer};
//! use ops_interfaces::testing::database::{self, ProviderSide};
//! use ops_runtime::testing::{Context, State};
//! use ops_runtime::*;
//!
//! #[derive(Default)]
//! struct App {
//!     db: DatabaseRequirer,
//! }
//!
//! #[charm(
//!     components(db: DatabaseRequirer = "database"),
//!     metadata_source = "name: app\nrequires:\n  database:\n    interface: postgresql_client\n"
//! )]
//! impl App {
//!     #[on(db::database_created)]
//!     fn ready(&mut self, cx: &mut HookContext, event: Custom<DatabaseCreated>) -> Result<(), ModelError> {
//!         cx.set_unit_status(Status::active(format!("db at {}", event.endpoints.join(","))))
//!     }
//! }
//!
//! // The database has answered, with the user in a secret.
//! let (relation, secret) = ProviderSide::new("database", 1).answered();
//! let state = State::new().with_leader(true).with_relation(relation.clone()).with_secret(secret);
//! let out = Context::<App>::new().run(relation.changed_event(None), state).unwrap();
//! assert_eq!(out.unit_status, Status::active("db at 10.0.0.5:5432"));
//! ```

use ops_runtime::testing::{Relation, Secret, State};
use ops_runtime::{Databag, SecretContent};

use crate::database::{Credentials, DataError, DatabaseRequest, ProviderData, Sensitive};

/// The application the provider helpers play.
pub const DATABASE_APP: &str = "postgresql";

/// The application the requirer helpers play.
pub const CLIENT_APP: &str = "client";

/// The password the provider helpers publish unless told otherwise.
pub const PASSWORD: &str = "test-password-0123456789abcdef";

/// A database charm on the other side of a requirer's relation: what it
/// publishes, built up, then [`answered`](Self::answered) in a secret,
/// [`answered_plain`](Self::answered_plain) in plain fields, or
/// [`pending`](Self::pending).
#[derive(Debug, Clone)]
pub struct ProviderSide {
    endpoint: String,
    id: u64,
    app: String,
    database: String,
    endpoints: String,
    read_only_endpoints: Option<String>,
    version: Option<String>,
    username: String,
    password: String,
    uris: Option<String>,
    subordinated: bool,
}

impl ProviderSide {
    /// A PostgreSQL-like provider (`postgresql`, one unit) on relation `id`
    /// of `endpoint`, that created `myapp` at `10.0.0.5:5432`, version
    /// `16.8`, for user `relation-<id>` with [`PASSWORD`].
    pub fn new(endpoint: impl Into<String>, id: u64) -> Self {
        Self {
            endpoint: endpoint.into(),
            id,
            app: DATABASE_APP.to_owned(),
            database: "myapp".to_owned(),
            endpoints: "10.0.0.5:5432".to_owned(),
            read_only_endpoints: None,
            version: Some("16.8".to_owned()),
            username: format!("relation-{id}"),
            password: PASSWORD.to_owned(),
            uris: None,
            subordinated: false,
        }
    }

    /// The same provider named `app`.
    #[must_use]
    pub fn with_app(mut self, app: impl Into<String>) -> Self {
        self.app = app.into();
        self
    }

    /// The same provider, having created `database`.
    #[must_use]
    pub fn with_database(mut self, database: impl Into<String>) -> Self {
        self.database = database.into();
        self
    }

    /// The same provider at `endpoints` (comma-separated `host:port`).
    #[must_use]
    pub fn with_endpoints(mut self, endpoints: impl Into<String>) -> Self {
        self.endpoints = endpoints.into();
        self
    }

    /// The same provider with `read-only-endpoints`.
    #[must_use]
    pub fn with_read_only_endpoints(mut self, endpoints: impl Into<String>) -> Self {
        self.read_only_endpoints = Some(endpoints.into());
        self
    }

    /// The same provider with another user.
    #[must_use]
    pub fn with_credentials(
        mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.username = username.into();
        self.password = password.into();
        self
    }

    /// The same provider, also publishing `uris`.
    #[must_use]
    pub fn with_uris(mut self, uris: impl Into<String>) -> Self {
        self.uris = Some(uris.into());
        self
    }

    /// The same provider as a subordinate (`subordinated: "true"`), its unit
    /// ready (`state: ready`).
    #[must_use]
    pub fn subordinated(mut self) -> Self {
        self.subordinated = true;
        self
    }

    /// The bag of a provider that answered, without the credentials.
    fn bag(&self) -> Databag {
        let mut bag = Databag::new();
        bag.insert("database".into(), self.database.clone());
        bag.insert("endpoints".into(), self.endpoints.clone());
        if let Some(ro) = &self.read_only_endpoints {
            bag.insert("read-only-endpoints".into(), ro.clone());
        }
        if let Some(version) = &self.version {
            bag.insert("version".into(), version.clone());
        }
        if self.subordinated {
            bag.insert("subordinated".into(), "true".into());
        }
        bag
    }

    fn user(&self) -> Vec<(&'static str, String)> {
        let mut user = vec![
            ("username", self.username.clone()),
            ("password", self.password.clone()),
        ];
        if let Some(uris) = &self.uris {
            user.push(("uris", uris.clone()));
        }
        user
    }

    fn relation(&self, bag: Databag) -> Relation {
        let mut relation = Relation::new(self.endpoint.clone(), self.id).with_remote_app(&self.app);
        if self.subordinated {
            relation = relation.with_remote_unit(format!("{}/0", self.app), [("state", "ready")]);
        }
        relation.with_remote_app_data(bag)
    }

    /// The relation, and the secret holding the user (`username`,
    /// `password`, `uris`) whose URI is `secret-user`, visible to the charm
    /// (put both in the `State`).
    pub fn answered(&self) -> (Relation, Secret) {
        let content: SecretContent = self.user().into_iter().collect();
        let secret = Secret::new(content);
        let mut bag = self.bag();
        bag.insert("secret-user".into(), secret.id.clone());
        (self.relation(bag), secret)
    }

    /// The relation with the user in plain fields, as a provider answers a
    /// requirer that sent no `requested-secrets`.
    pub fn answered_plain(&self) -> Relation {
        let mut bag = self.bag();
        for (key, value) in self.user() {
            bag.insert(key.into(), value);
        }
        self.relation(bag)
    }

    /// The relation before the provider answered: its bag is empty.
    pub fn pending(&self) -> Relation {
        self.relation(Databag::new())
    }
}

/// A client application on the other side of a database charm's relation,
/// asking for a database.
#[derive(Debug, Clone)]
pub struct RequirerSide {
    endpoint: String,
    id: u64,
    app: String,
    request: DatabaseRequest,
}

impl RequirerSide {
    /// A client (`client`, one unit) on relation `id` of `endpoint`, asking
    /// for `database` with every credential in secrets.
    pub fn new(endpoint: impl Into<String>, id: u64, database: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            id,
            app: CLIENT_APP.to_owned(),
            request: DatabaseRequest::new(database),
        }
    }

    /// The same client sending `request`.
    #[must_use]
    pub fn with_request(mut self, request: DatabaseRequest) -> Self {
        self.request = request;
        self
    }

    /// The same client, on a Juju without secrets: no `requested-secrets`.
    #[must_use]
    pub fn without_secrets(mut self) -> Self {
        self.request = self.request.without_secrets();
        self
    }

    /// The relation with the request in the client's application bag.
    pub fn requested(&self) -> Relation {
        Relation::new(self.endpoint.clone(), self.id)
            .with_remote_app(&self.app)
            .with_remote_app_data(self.request.to_databag())
    }

    /// The relation before the client asked.
    pub fn pending(&self) -> Relation {
        Relation::new(self.endpoint.clone(), self.id).with_remote_app(&self.app)
    }
}

/// The request a requirer charm wrote on `relation` (its local application
/// bag).
///
/// # Errors
///
/// The bag is not a request.
pub fn requested(relation: &Relation) -> Result<DatabaseRequest, DataError> {
    DatabaseRequest::from_databag(&relation.local_app_data)
}

/// The credentials a provider charm published on `relation`, read from the
/// secret its `secret-user` names in `state` (the latest revision), or from
/// its plain fields; `None` when there are none.
pub fn published(state: &State, relation: &Relation) -> Option<Credentials> {
    let bag = &relation.local_app_data;
    let data = ProviderData::from_databag(bag).ok()?;
    let field = |name: &str| -> Option<String> {
        match data.secrets.get("user") {
            Some(uri) => state
                .secret(uri)?
                .latest_content()?
                .get(name)
                .map(str::to_owned),
            None => bag.get(name).cloned(),
        }
    };
    let mut credentials = Credentials::new(field("username")?, field("password")?);
    credentials.uris = field("uris").map(Sensitive::new);
    credentials.read_only_uris = field("read-only-uris").map(Sensitive::new);
    Some(credentials)
}
