//! What the tutorial charms' handlers do alike (stages 2 to 5): merge the
//! charm's layer into the plan and replan, read the database's answer, and
//! report what the unit waits for. Each stage's handlers call these and say
//! themselves what the stage adds.

use std::collections::BTreeMap;

use ops_interfaces::database::{Credentials, DatabaseRequirer};
use ops_runtime::{CharmError, CollectStatus, ConfigError, HookContext, ModelError, Status};
use serde::Serialize;

use crate::{CONTAINER, LAYER, SERVICE, VersionSource, charm_layer, first_host_port};

/// The database the charms ask for (stages 3 to 5).
pub const DATABASE: &str = "names_db";

/// Why the configuration is invalid, as the unit's status says it: the reason
/// `server-port` was refused, or the whole error when another option is at
/// fault.
pub fn invalid_config_reason(invalid: &ConfigError) -> String {
    invalid
        .option("server-port")
        .map_or_else(|| invalid.to_string(), |o| o.reason.clone())
}

/// What [`replan_with`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replan {
    /// The layer is in the plan, the plan is replanned, and the workload
    /// version is set if the server answered it.
    Done,
    /// Pebble cannot be reached yet: nothing changed, pebble-ready will come.
    WaitingForPebble,
}

/// Merges the charm's layer ([`charm_layer`]: the server on `port`, with
/// `environment`) into the `demo-server` container's plan and replans, so
/// that Pebble restarts the server when its command or environment changed;
/// then sets the workload version from `version`. A server that does not
/// answer its version yet is logged and left for the next event.
///
/// # Errors
///
/// The charm's metadata declares no `demo-server` container, Pebble refused
/// the layer or the replan, or a hook tool failed.
pub fn replan_with(
    cx: &mut HookContext,
    port: u16,
    environment: BTreeMap<String, String>,
    version: VersionSource,
) -> Result<Replan, CharmError> {
    let container = cx.container_by_name(CONTAINER)?;
    let planned = container
        .add_layer(LAYER, &charm_layer(port, environment), true)
        .and_then(|()| container.replan());
    match planned {
        Ok(()) => log::info!("Replanned with '{SERVICE}' service"),
        Err(ModelError::Pebble { source, .. }) if source.is_connection() => {
            log::info!("Unable to connect to Pebble: {source}");
            return Ok(Replan::WaitingForPebble);
        }
        Err(other) => return Err(other.into()),
    }
    match version(port) {
        Ok(version) => cx.set_workload_version(&version)?,
        Err(e) => log::warn!("not setting the workload version yet: {e}"),
    }
    Ok(Replan::Done)
}

/// The database's answer (stages 3 to 5): where it is and who to be.
#[derive(Debug, Clone)]
pub struct DatabaseAnswer {
    /// The database's endpoints, `host:port` each.
    pub endpoints: Vec<String>,
    /// The user the database created for the charm.
    pub credentials: Credentials,
}

impl DatabaseAnswer {
    /// The answer on the first relation of `database` that has credentials;
    /// `None` until the database has answered.
    ///
    /// # Errors
    ///
    /// The database's bag does not follow the protocol, a secret it names
    /// cannot be read, or a hook tool failed.
    pub fn read(
        cx: &mut HookContext,
        database: &DatabaseRequirer,
    ) -> Result<Option<Self>, CharmError> {
        let Some((relation, credentials)) = database.ready(cx)? else {
            return Ok(None);
        };
        let endpoints = database.provider_data(cx, &relation)?.endpoints();
        Ok(Some(Self {
            endpoints,
            credentials,
        }))
    }

    /// The server's database settings ([`database_environment`](crate::database_environment)).
    pub fn environment(&self) -> BTreeMap<String, String> {
        crate::database_environment(&self.endpoints, &self.credentials)
    }

    /// What `get-db-info` returns (stages 4 and 5): the first endpoint's host
    /// and port, and with `show_password` the user; `None` when the database
    /// gave no endpoint with a port.
    ///
    /// ```
    /// use fastapi_demo::DatabaseAnswer;
    /// use ops_interfaces::database::Credentials;
    ///
    /// let answer = DatabaseAnswer {
    ///     endpoints: vec!["db-0.svc:5432".to_owned(), "db-1.svc:5432".to_owned()],
    ///     credentials: Credentials::new("names", "s3cret"),
    /// };
    /// let info = answer.info(false).unwrap();
    /// assert_eq!((info.host.as_str(), info.port.as_str()), ("db-0.svc", "5432"));
    /// assert_eq!((info.username, info.password), (None, None));
    /// let info = answer.info(true).unwrap();
    /// assert_eq!(info.username.as_deref(), Some("names"));
    /// assert_eq!(info.password.as_deref(), Some("s3cret"));
    ///
    /// let no_port = DatabaseAnswer { endpoints: vec!["db-0.svc".to_owned()], ..answer };
    /// assert_eq!(no_port.info(true), None);
    /// ```
    pub fn info(&self, show_password: bool) -> Option<DbInfo> {
        let (host, port) = first_host_port(&self.endpoints)?;
        let (username, password) = if show_password {
            (
                Some(self.credentials.username.clone()),
                Some(self.credentials.password.expose().to_owned()),
            )
        } else {
            (None, None)
        };
        Some(DbInfo {
            host: host.to_owned(),
            port: port.to_owned(),
            username,
            password,
        })
    }
}

/// The server's database settings once the database has answered, and none
/// before (stages 3 to 5): what the charm's layer puts in the environment.
///
/// # Errors
///
/// As [`DatabaseAnswer::read`].
pub fn app_environment(
    cx: &mut HookContext,
    database: &DatabaseRequirer,
) -> Result<BTreeMap<String, String>, CharmError> {
    let Some(answer) = DatabaseAnswer::read(cx, database)? else {
        return Ok(BTreeMap::new());
    };
    log::info!("New database endpoint is {}", answer.endpoints.join(","));
    Ok(answer.environment())
}

/// What `get-db-info` returns (stages 4 and 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    /// The database's host.
    #[serde(rename = "db-host")]
    pub host: String,
    /// The database's port.
    #[serde(rename = "db-port")]
    pub port: String,
    /// The user, with `show-password`.
    #[serde(rename = "db-username", skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The password, with `show-password`.
    #[serde(rename = "db-password", skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// What the unit waits for on the database (stages 3 to 5): blocked without
/// a relation, waiting while the database has not answered; `None` once it
/// has.
///
/// # Errors
///
/// More than one database is related, the database's bag does not follow the
/// protocol, or a hook tool failed.
pub fn database_status(
    cx: &mut HookContext,
    database: &DatabaseRequirer,
) -> Result<Option<Status>, CharmError> {
    if cx.relation(database.endpoint())?.is_none() {
        return Ok(Some(Status::blocked("Waiting for database relation")));
    }
    if database.ready(cx)?.is_none() {
        return Ok(Some(Status::waiting("Waiting for database relation")));
    }
    Ok(None)
}

/// Collect-status for the tutorial charms (stages 3 to 5). Adds, in this
/// order (the first of the highest priority is the unit's status): an
/// invalid configuration (blocked, with [`invalid_config_reason`]); then
/// `stage`, the statuses of what the stage adds (the database's,
/// [`database_status`]); then the workload's: Pebble not up, or the service
/// not running (maintenance); and active, for when nothing else holds.
///
/// # Errors
///
/// The charm's metadata declares no `demo-server` container.
pub fn collect_status(
    cx: &mut HookContext,
    status: &CollectStatus,
    config: Option<&ConfigError>,
    stage: impl IntoIterator<Item = Status>,
) -> Result<(), CharmError> {
    if let Some(invalid) = config {
        status.add(Status::blocked(invalid_config_reason(invalid)));
    }
    for condition in stage {
        status.add(condition);
    }
    match cx.container_by_name(CONTAINER)?.service(SERVICE) {
        Ok(Some(service)) if !service.is_running() => {
            status.add(Status::maintenance("Waiting for the service to start up"));
        }
        Ok(Some(_)) => {}
        Ok(None) | Err(_) => {
            status.add(Status::maintenance(
                "Waiting for Pebble in workload container",
            ));
        }
    }
    status.add(Status::active(""));
    Ok(())
}
