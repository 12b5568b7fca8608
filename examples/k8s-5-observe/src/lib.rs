//! The fifth stage of ops's Kubernetes tutorial charm, in Rust: the FastAPI
//! demo server with its names in a PostgreSQL database and the `get-db-info`
//! action, as in stage 4, now observed by the Canonical Observability Stack:
//!
//! - **metrics**: on `metrics-endpoint`, Prometheus is told to scrape every
//!   unit on the configured `server-port` ([`MetricsEndpointProvider`], the
//!   counterpart of the Python charm's `prometheus_scrape` library). The job
//!   is worked out from the config in every hook ([`scrape_jobs`]), as the
//!   Python charm builds it in `__init__`, and published again on
//!   config-changed; with an invalid port the charm logs a warning and leaves
//!   the published job as it was.
//! - **logs**: on `logging`, each Loki unit's push endpoint becomes a Pebble
//!   log target in the `demo-server` container ([`LogForwarder`], the Python
//!   charm's `LogForwarder`), so that Pebble sends the server's output to
//!   Loki; the targets go when the relation does.
//! - **a dashboard**: on `grafana-dashboard`, the leader publishes
//!   `src/grafana_dashboards/FastAPI-Monitoring.json.tmpl`
//!   ([`GrafanaDashboardProvider`], the Python charm's
//!   `GrafanaDashboardProvider`). The file is compiled into the binary
//!   ([`DASHBOARD`]) rather than read from the charm's directory at run
//!   time, so the packed charm needs nothing but its binary; its template id
//!   and uid are those the Python library gives the same file in that
//!   directory.
//!
//! The rest is stage 4's: the charm asks for a database named `names_db`
//! ([`DatabaseRequirer`]); when the database is created or its endpoints
//! change, and on pebble-ready and config-changed, it merges its layer, with
//! the server's port and the database's address and credentials in its
//! environment, and replans. Collect-status reports, by priority: an invalid
//! port, a missing relation (blocked) or one still without credentials
//! (waiting), Pebble or the service not up yet, and otherwise active.
//! `get-db-info` fails with "No database connected" until the database has
//! answered. The observability relations are optional and add no status.
//! The handlers of that part call what stages 3 and 4 share through
//! `fastapi_demo` ([`fastapi_demo::replan_with`],
//! [`fastapi_demo::collect_status`], [`fastapi_demo::DatabaseAnswer`]).

use std::collections::BTreeMap;

use fastapi_demo::{DatabaseAnswer, DbInfo, VersionSource};
use ops_interfaces::database::DatabaseRequirer;
use ops_interfaces::grafana_dashboard::GrafanaDashboardProvider;
use ops_interfaces::loki_push_api::LogForwarder;
use ops_interfaces::prometheus_scrape::{MetricsEndpointProvider, ScrapeJob, StaticConfig};
use ops_runtime::{
    CharmAction, CharmConfig, CharmError, CollectStatus, Config, ConfigError, HookContext, Params,
    Status, charm,
};

/// The dashboard's file name in `src/grafana_dashboards`: its template id is
/// `file:FastAPI-Monitoring.json`.
pub const DASHBOARD_FILE: &str = "FastAPI-Monitoring.json.tmpl";

/// The dashboard: request durations and failures from the server's metrics,
/// and its logs.
pub const DASHBOARD: &str = include_str!("grafana_dashboards/FastAPI-Monitoring.json.tmpl");

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

/// The scrape job for a server on `port`: every unit, at `*:<port>`, on
/// Prometheus's default path (`/metrics`), as the Python charm writes it.
///
/// ```
/// assert_eq!(
///     k8s_5_observe::scrape_job(8000).to_json(),
///     r#"{"static_configs": [{"targets": ["*:8000"]}]}"#
/// );
/// ```
pub fn scrape_job(port: u16) -> ScrapeJob {
    ScrapeJob {
        static_configs: vec![StaticConfig {
            targets: vec![format!("*:{port}")],
            labels: BTreeMap::new(),
        }],
        ..ScrapeJob::default()
    }
}

/// The scrape jobs in this hook: [`scrape_job`] for the configured port; none
/// (the published job stays) when the config is invalid.
pub fn scrape_jobs(cx: &mut HookContext) -> Option<Vec<ScrapeJob>> {
    match cx.load_config::<FastApiConfig>() {
        Ok(config) => Some(vec![scrape_job(config.server_port)]),
        Err(invalid) => {
            log::warn!("Unable to add metrics: invalid configuration: {invalid}");
            None
        }
    }
}

/// The charm.
#[derive(Debug)]
pub struct FastApiDemoCharm {
    version: VersionSource,
    database: DatabaseRequirer,
    logging: LogForwarder,
    metrics: MetricsEndpointProvider,
    dashboards: GrafanaDashboardProvider,
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
            // The charm has no alert rules of its own: no rule directories.
            logging: LogForwarder::default().with_alert_rules_dir(None),
            metrics: MetricsEndpointProvider::default()
                .with_alert_rules_dir(None)
                .with_jobs_from(scrape_jobs),
            dashboards: GrafanaDashboardProvider::default()
                .with_dashboards_dir(None)
                .with_dashboard_file(DASHBOARD_FILE, DASHBOARD),
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

#[charm(components(
    database: DatabaseRequirer = "database",
    logging: LogForwarder = "logging",
    metrics: MetricsEndpointProvider = "metrics-endpoint",
    dashboards: GrafanaDashboardProvider = "grafana-dashboard",
))]
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

    /// Reports where the database is, and with `show-password` the user.
    #[on(get_db_info_action)]
    fn get_db_info(
        &mut self,
        cx: &mut HookContext,
        params: Params<GetDbInfoParams>,
    ) -> Result<DbInfo, CharmError> {
        let database = DatabaseAnswer::read(cx, &self.database)?;
        database
            .and_then(|database| database.info(params.show_password))
            .ok_or_else(|| CharmError::msg("No database connected"))
    }

    /// What the unit is waiting for, if anything: besides the port and the
    /// workload, the database (the observability relations are optional and
    /// add no status).
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
