//! The third stage of ops's Kubernetes tutorial charm, in Rust: the FastAPI
//! demo server with its names in a PostgreSQL database.
//!
//! The charm asks the database charm on its `database` endpoint for a
//! database named `names_db` ([`DatabaseRequirer`], from ops-interfaces: the
//! counterpart of the Python charm's `data_platform_libs` library). When the
//! database is created or its endpoints change, and on pebble-ready and
//! config-changed, the charm merges its layer, with the server's port and the
//! database's address and credentials in its environment
//! ([`fastapi_demo::app_environment`]), and replans
//! ([`fastapi_demo::replan_with`], as stage 2 does). Collect-status reports,
//! by priority: an invalid port, a missing relation (blocked) or one still
//! without credentials (waiting), Pebble or the service not up yet, and
//! otherwise active ([`fastapi_demo::collect_status`], given the database's
//! [`fastapi_demo::database_status`]).
//!
//! As in the earlier stages, a server that does not answer its version yet is
//! logged and left for the next event instead of failing the hook.

use fastapi_demo::VersionSource;
use ops_interfaces::database::DatabaseRequirer;
use ops_runtime::{
    CharmConfig, CharmError, CollectStatus, Config, ConfigError, HookContext, Status, charm,
};

/// The charm's configuration, checked against `config.options` at compile time.
#[derive(Debug, Clone, CharmConfig)]
pub struct FastApiConfig {
    /// The port the server listens on (`server-port`); not 22.
    #[config(validate = fastapi_demo::check_port)]
    pub server_port: u16,
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
            database: DatabaseRequirer::new(fastapi_demo::DATABASE),
        }
    }

    /// Merges the layer for `port` and the database into the plan and
    /// replans; a Pebble not up yet is left to pebble-ready.
    fn replan(&self, cx: &mut HookContext, port: u16) -> Result<(), CharmError> {
        let environment = fastapi_demo::app_environment(cx, &self.database)?;
        fastapi_demo::replan_with(cx, port, environment, self.version)?;
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

    /// The database was created, or moved: restart the server with its
    /// credentials and address.
    #[on(database::database_created, database::endpoints_changed)]
    fn database_changed(
        &mut self,
        cx: &mut HookContext,
        config: Config<FastApiConfig>,
    ) -> Result<(), CharmError> {
        self.replan(cx, config.server_port)
    }

    /// What the unit is waiting for, if anything: besides the port and the
    /// workload, the database.
    #[on(collect_unit_status)]
    fn collect_status(
        &mut self,
        cx: &mut HookContext,
        config: Result<Config<FastApiConfig>, ConfigError>,
        status: CollectStatus,
    ) -> Result<(), CharmError> {
        let database = fastapi_demo::database_status(cx, &self.database)?;
        fastapi_demo::collect_status(cx, &status, config.err().as_ref(), database)
    }
}
