//! The second stage of ops's Kubernetes tutorial charm, in Rust: the FastAPI
//! demo server on the port the `server-port` option sets.
//!
//! On pebble-ready and config-changed the charm merges its layer (the rock's
//! `fastapi` service, with the configured port in its command) into the plan
//! and replans ([`fastapi_demo::replan_with`], which the later stages call
//! too), so Pebble restarts the server when the command changed. Port 22
//! is refused: the unit is blocked with the reason. A Pebble that cannot be
//! reached yet leaves the unit in maintenance until pebble-ready.
//!
//! As in the first stage, a server that does not answer its version yet is
//! logged and left for the next event instead of failing the hook.

use std::collections::BTreeMap;

use fastapi_demo::{Replan, VersionSource};
use ops_runtime::{CharmConfig, CharmError, Config, ConfigError, HookContext, Status, charm};

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
                let reason = fastapi_demo::invalid_config_reason(&invalid);
                log::error!("Configuration error: {reason}");
                cx.set_unit_status(Status::blocked(reason))?;
                return Ok(());
            }
        };
        let port = config.server_port;
        let status = match fastapi_demo::replan_with(cx, port, BTreeMap::new(), self.version)? {
            Replan::Done => Status::active(""),
            Replan::WaitingForPebble => {
                Status::maintenance("Waiting for Pebble in workload container")
            }
        };
        cx.set_unit_status(status)?;
        Ok(())
    }
}
