//! The first stage of ops's Kubernetes tutorial charm, in Rust: the FastAPI
//! demo server in the `demo-server` container, started by the Pebble layer its
//! rock brings.
//!
//! When Pebble comes up the charm replans (starting the rock's `fastapi`
//! service), reads the server's version for `juju status` and sets the unit
//! active.
//!
//! One difference from the Python charm: when the server does not answer its
//! version yet (it has only just been started), the Python charm fails the hook
//! and Juju retries it; this one logs a warning and leaves the version for the
//! next event, since the unit is working either way.

use fastapi_demo::{DEFAULT_PORT, VersionSource};
use ops_runtime::{CharmError, HookContext, PebbleReadyEvent, Status, charm};

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
    /// function that returns a fixed version, as ops's tests patch
    /// `fastapi_demo.get_version`).
    pub fn with_version_source(version: VersionSource) -> Self {
        Self { version }
    }
}

#[charm]
impl FastApiDemoCharm {
    /// Pebble is up: start the workload the rock's layer defines.
    #[on(demo_server_pebble_ready)]
    fn pebble_ready(
        &mut self,
        cx: &mut HookContext,
        event: PebbleReadyEvent,
    ) -> Result<(), CharmError> {
        cx.container_for(&event).replan()?;
        match (self.version)(DEFAULT_PORT) {
            Ok(version) => cx.set_workload_version(&version)?,
            Err(e) => log::warn!("not setting the workload version yet: {e}"),
        }
        cx.set_unit_status(Status::active(""))?;
        Ok(())
    }
}
