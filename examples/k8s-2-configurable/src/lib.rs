//! The second stage of ops's Kubernetes tutorial charm, in Rust: the FastAPI
//! demo server on the port the `server-port` option sets.
//!
//! On pebble-ready and config-changed the charm merges its layer (the rock's
//! `fastapi` service, with the configured port in its command) into the plan
//! and replans, so Pebble restarts the server when the command changed. Port 22
//! is refused: the unit is blocked with the reason. A Pebble that cannot be
//! reached yet leaves the unit in maintenance until pebble-ready.
//!
//! As in the first stage, a server that does not answer its version yet is
//! logged and left for the next event instead of failing the hook.

use fastapi_demo::{LAYER, SERVICE, VersionSource};
use ops_runtime::pebble::Layer;
use ops_runtime::{
    CharmConfig, CharmError, Config, ConfigError, HookContext, ModelError, Status, charm,
};

/// The charm's configuration, checked against `config.options` at compile time.
#[derive(Debug, Clone, CharmConfig)]
pub struct FastApiConfig {
    /// The port the server listens on (`server-port`); not 22.
    #[config(validate = fastapi_demo::check_port)]
    pub server_port: u16,
}

/// The charm's layer: the rock's `fastapi` service, listening on `port`.
pub fn layer(port: u16) -> Layer {
    fastapi_demo::charm_layer(port, Default::default())
}

/// The charm.
#[derive(Debug)]
pub struct FastApiDemoCharm {
    version: VersionSource,
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
        Self { version }
    }
}

#[charm]
impl FastApiDemoCharm {
    /// Pebble is up, or the configuration changed: (re)start the server with
    /// the configured port.
    #[on(demo_server_pebble_ready, config_changed)]
    fn replan_workload(
        &mut self,
        cx: &mut HookContext,
        config: Result<Config<FastApiConfig>, ConfigError>,
    ) -> Result<(), CharmError> {
        cx.set_unit_status(Status::maintenance("Assembling Pebble layers"))?;
        let config = match config {
            Ok(config) => config,
            Err(invalid) => {
                let reason = invalid
                    .option("server-port")
                    .map_or_else(|| invalid.to_string(), |o| o.reason.clone());
                log::error!("Configuration error: {reason}");
                cx.set_unit_status(Status::blocked(reason))?;
                return Ok(());
            }
        };
        let container = cx.container(Self::CONTAINER_DEMO_SERVER);
        let planned = container
            .add_layer(LAYER, &layer(config.server_port), true)
            .and_then(|()| container.replan());
        match planned {
            Ok(()) => log::info!("Replanned with '{SERVICE}' service"),
            Err(ModelError::Pebble { source, .. }) if source.is_connection() => {
                log::info!("Unable to connect to Pebble: {source}");
                cx.set_unit_status(Status::maintenance(
                    "Waiting for Pebble in workload container",
                ))?;
                return Ok(());
            }
            Err(other) => return Err(other.into()),
        }
        match (self.version)(config.server_port) {
            Ok(version) => cx.set_workload_version(&version)?,
            Err(e) => log::warn!("not setting the workload version yet: {e}"),
        }
        cx.set_unit_status(Status::active(""))?;
        Ok(())
    }
}
