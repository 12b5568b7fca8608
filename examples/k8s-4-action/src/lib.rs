//! The fourth stage of ops's Kubernetes tutorial charm, in Rust: the FastAPI
//! demo server with its names in a PostgreSQL database, and the `get-db-info`
//! action, which reports where the database is (and, with `show-password`,
//! the credentials).
//!
//! The charm asks the database charm on its `database` endpoint for a
//! database named `names_db` ([`DatabaseRequirer`], from ops-interfaces: the
//! counterpart of the Python charm's `data_platform_libs` library). When the
//! database is created or its endpoints change, and on pebble-ready and
//! config-changed, the charm merges its layer, with the server's port and the
//! database's address and credentials in its environment, and replans.
//! Collect-status reports, by priority: an invalid port, a missing relation
//! (blocked) or one still without credentials (waiting), Pebble or the
//! service not up yet, and otherwise active. `get-db-info` fails with "No
//! database connected" until the database has answered.
//!
//! As in the earlier stages, a server that does not answer its version yet is
//! logged and left for the next event instead of failing the hook.

use std::collections::BTreeMap;

use fastapi_demo::{LAYER, SERVICE, VersionSource};
use ops_interfaces::database::{DatabaseCreated, DatabaseRequirer, EndpointsChanged};
use ops_runtime::{
    CharmAction, CharmConfig, CharmError, CollectStatus, Config, ConfigError, Custom, HookContext,
    ModelError, Params, Status, charm,
};
use serde::Serialize;

/// The database the charm asks for.
pub const DATABASE: &str = "names_db";

/// The charm's configuration, checked against `config.options` at compile time.
#[derive(Debug, Clone, CharmConfig)]
pub struct FastApiConfig {
    /// The port the server listens on (`server-port`); not 22.
    #[config(validate = fastapi_demo::check_port)]
    pub server_port: u16,
}

/// The `get-db-info` action's parameters, checked against `actions` at
/// compile time.
#[derive(Debug, Clone, CharmAction)]
pub struct GetDbInfoParams {
    /// Whether to include the username and password (`show-password`).
    pub show_password: bool,
}

/// What `get-db-info` returns.
#[derive(Debug, Clone, Serialize)]
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

/// The charm.
#[derive(Debug)]
pub struct FastApiDemoCharm {
    version: VersionSource,
    database: DatabaseRequirer,
}

impl Default for FastApiDemoCharm {
    /// The charm as Juju runs it: the version comes from the running server.
    fn default() -> Self {
        Self::with_version_source(fastapi_demo::get_version)
    }
}

impl FastApiDemoCharm {
    /// The charm reading the server's version with `version` (tests give a
    /// function that returns a fixed version).
    pub fn with_version_source(version: VersionSource) -> Self {
        Self {
            version,
            database: DatabaseRequirer::new(DATABASE),
        }
    }

    /// The server's database settings, when the database has answered.
    fn app_environment(
        &self,
        cx: &mut HookContext,
    ) -> Result<BTreeMap<String, String>, CharmError> {
        let Some((relation, credentials)) = self.database.ready(cx)? else {
            return Ok(BTreeMap::new());
        };
        let endpoints = self.database.provider_data(cx, &relation)?.endpoints();
        log::info!("New database endpoint is {}", endpoints.join(","));
        Ok(fastapi_demo::database_environment(&endpoints, &credentials))
    }

    /// Merges the layer for `port` and the database into the plan and
    /// replans; a Pebble not up yet is left to pebble-ready.
    fn replan(&self, cx: &mut HookContext, port: u16) -> Result<(), CharmError> {
        let environment = self.app_environment(cx)?;
        let container = cx.container(Self::CONTAINER_DEMO_SERVER);
        let planned = container
            .add_layer(LAYER, &fastapi_demo::charm_layer(port, environment), true)
            .and_then(|()| container.replan());
        match planned {
            Ok(()) => log::info!("Replanned with '{SERVICE}' service"),
            Err(ModelError::Pebble { source, .. }) if source.is_connection() => {
                log::info!("Unable to connect to Pebble: {source}");
                return Ok(());
            }
            Err(other) => return Err(other.into()),
        }
        match (self.version)(port) {
            Ok(version) => cx.set_workload_version(&version)?,
            Err(e) => log::warn!("not setting the workload version yet: {e}"),
        }
        Ok(())
    }
}

#[charm(components(database: DatabaseRequirer = "database"))]
impl FastApiDemoCharm {
    /// Pebble is up, or the configuration changed: (re)start the server.
    #[on(demo_server_pebble_ready, config_changed)]
    fn replan_workload(
        &mut self,
        cx: &mut HookContext,
        config: Result<Config<FastApiConfig>, ConfigError>,
    ) -> Result<(), CharmError> {
        cx.set_unit_status(Status::maintenance("Assembling Pebble layers"))?;
        match config {
            Ok(config) => self.replan(cx, config.server_port),
            Err(invalid) => {
                log::error!("Configuration error: {invalid}");
                Ok(())
            }
        }
    }

    /// The database was created: restart the server with its credentials.
    #[on(database::database_created)]
    fn database_created(
        &mut self,
        cx: &mut HookContext,
        _event: Custom<DatabaseCreated>,
        config: Config<FastApiConfig>,
    ) -> Result<(), CharmError> {
        self.replan(cx, config.server_port)
    }

    /// The database moved: restart the server with the new address.
    #[on(database::endpoints_changed)]
    fn endpoints_changed(
        &mut self,
        cx: &mut HookContext,
        _event: Custom<EndpointsChanged>,
        config: Config<FastApiConfig>,
    ) -> Result<(), CharmError> {
        self.replan(cx, config.server_port)
    }

    /// Reports where the database is, and with `show-password` the user.
    #[on(get_db_info_action)]
    fn get_db_info(
        &mut self,
        cx: &mut HookContext,
        params: Params<GetDbInfoParams>,
    ) -> Result<DbInfo, CharmError> {
        let Some((relation, credentials)) = self.database.ready(cx)? else {
            return Err(CharmError::msg("No database connected"));
        };
        let endpoints = self.database.provider_data(cx, &relation)?.endpoints();
        let Some((host, port)) = fastapi_demo::first_host_port(&endpoints) else {
            return Err(CharmError::msg("No database connected"));
        };
        let (username, password) = if params.show_password {
            (
                Some(credentials.username.clone()),
                Some(credentials.password.expose().to_owned()),
            )
        } else {
            (None, None)
        };
        Ok(DbInfo {
            host: host.to_owned(),
            port: port.to_owned(),
            username,
            password,
        })
    }

    /// What the unit is waiting for, if anything.
    #[on(collect_unit_status)]
    fn collect_status(
        &mut self,
        cx: &mut HookContext,
        config: Result<Config<FastApiConfig>, ConfigError>,
        status: CollectStatus,
    ) -> Result<(), CharmError> {
        if let Err(invalid) = config {
            let reason = invalid
                .option("server-port")
                .map_or_else(|| invalid.to_string(), |o| o.reason.clone());
            status.add(Status::blocked(reason));
        }
        if cx.relation(Self::RELATION_DATABASE)?.is_none() {
            status.add(Status::blocked("Waiting for database relation"));
        } else if self.database.ready(cx)?.is_none() {
            status.add(Status::waiting("Waiting for database relation"));
        }
        match cx.container(Self::CONTAINER_DEMO_SERVER).service(SERVICE) {
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
}
