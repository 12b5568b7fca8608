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

use std::collections::BTreeMap;

use fastapi_demo::{LAYER, SERVICE, VersionSource};
use ops_interfaces::database::{DatabaseCreated, DatabaseRequirer, EndpointsChanged};
use ops_interfaces::grafana_dashboard::GrafanaDashboardProvider;
use ops_interfaces::loki_push_api::LogForwarder;
use ops_interfaces::prometheus_scrape::{MetricsEndpointProvider, ScrapeJob, StaticConfig};
use ops_runtime::{
    CharmAction, CharmConfig, CharmError, CollectStatus, Config, ConfigError, Custom, HookContext,
    ModelError, Params, Status, charm,
};
use serde::Serialize;

/// The database the charm asks for.
pub const DATABASE: &str = "names_db";

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
            database: DatabaseRequirer::new(DATABASE),
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
