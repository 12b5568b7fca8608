//! A Kubernetes charm for [httpbin](https://httpbin.org): a Rust port of ops's
//! `httpbin-demo` example.
//!
//! httpbin runs with gunicorn in the `httpbin` workload container, as the
//! Pebble service `httpbin`. When Pebble comes up (`httpbin-pebble-ready`) or
//! the configuration changes, the charm adds its layer and replans; the
//! `log-level` option goes to gunicorn through `GUNICORN_CMD_ARGS`.
//! Collect-status reports an invalid log level, a Pebble that cannot be
//! reached yet, and a service that is not running.
//!
//! Beyond the Python demo: the `website` endpoint (interface `http`) gives each
//! client this unit's address and port, and the `restart` action restarts the
//! service.

use std::fmt;
use std::str::FromStr;

use ops_runtime::pebble::{Layer, Override, Service, ServiceStartup};
use ops_runtime::{
    Bag, CharmConfig, CharmError, CollectStatus, Config, ConfigError, HookContext, ModelError,
    PebbleReadyEvent, RelationJoinedEvent, Status, charm,
};
use serde::Serialize;

/// The Pebble service (and layer label) that runs httpbin.
pub const SERVICE: &str = "httpbin";

/// The command that runs httpbin.
pub const COMMAND: &str = "gunicorn -b 0.0.0.0:80 httpbin:app -k gevent";

/// The port gunicorn listens on.
pub const PORT: u16 = 80;

/// What the `restart` action returns.
#[derive(Debug, Clone, Serialize)]
pub struct Restarted {
    /// The service that was restarted.
    pub service: &'static str,
    /// Whether it runs now.
    pub running: bool,
}

/// gunicorn's log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `debug`
    Debug,
    /// `info`
    Info,
    /// `warning`
    Warning,
    /// `error`
    Error,
    /// `critical`
    Critical,
}

/// A `log-level` value gunicorn does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid log level: '{0}'")]
pub struct InvalidLogLevel(pub String);

impl FromStr for LogLevel {
    type Err = InvalidLogLevel;

    /// Parses a level, ignoring case, as the Python charm does.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "debug" => Ok(Self::Debug),
            "info" => Ok(Self::Info),
            "warning" => Ok(Self::Warning),
            "error" => Ok(Self::Error),
            "critical" => Ok(Self::Critical),
            _ => Err(InvalidLogLevel(s.to_owned())),
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
            Self::Critical => "critical",
        })
    }
}

/// The charm's configuration, checked against `config.options` at compile time.
#[derive(Debug, Clone, CharmConfig)]
pub struct HttpbinConfig {
    /// gunicorn's log level (`log-level`).
    pub log_level: LogLevel,
}

/// The Pebble layer that runs httpbin at `log_level`.
pub fn layer(log_level: LogLevel) -> Layer {
    let service = Service {
        override_: Some(Override::Replace),
        summary: Some("httpbin".to_owned()),
        command: Some(COMMAND.to_owned()),
        startup: Some(ServiceStartup::Enabled),
        environment: [("GUNICORN_CMD_ARGS", format!("--log-level {log_level}"))]
            .into_iter()
            .collect(),
        ..Service::default()
    };
    Layer {
        summary: Some("httpbin layer".to_owned()),
        description: Some("pebble config layer for httpbin".to_owned()),
        services: [(SERVICE.to_owned(), service)].into_iter().collect(),
        ..Layer::default()
    }
}

/// The httpbin charm.
#[derive(Debug, Default)]
pub struct HttpbinCharm;

#[charm]
impl HttpbinCharm {
    /// Pebble is up: configure and start httpbin.
    #[on(httpbin_pebble_ready)]
    fn pebble_ready(
        &mut self,
        cx: &mut HookContext,
        event: PebbleReadyEvent,
        config: Config<HttpbinConfig>,
    ) -> Result<(), CharmError> {
        let container = cx.container_for(&event);
        container.apply_layer(SERVICE, &layer(config.log_level))?;
        log::debug!("Added updated layer '{SERVICE}' to Pebble plan");
        Ok(())
    }

    /// The configuration changed: update the layer and replan, if Pebble is
    /// up; otherwise pebble-ready will do it. With an invalid log level this
    /// handler is skipped and collect-status reports it.
    #[on(config_changed)]
    fn configure(
        &mut self,
        cx: &mut HookContext,
        config: Config<HttpbinConfig>,
    ) -> Result<(), CharmError> {
        let container = cx.container(Self::CONTAINER_HTTPBIN);
        match container.apply_layer(SERVICE, &layer(config.log_level)) {
            Ok(()) => {
                log::debug!("Added updated layer '{SERVICE}' to Pebble plan");
                Ok(())
            }
            Err(ModelError::Pebble { source, .. }) if source.is_connection() => {
                log::info!("Unable to connect to Pebble, will retry on pebble-ready: {source}");
                Ok(())
            }
            Err(other) => Err(other.into()),
        }
    }

    /// A client joined `website`: tell it where httpbin listens, in this
    /// unit's databag (`hostname`, `port`), as the `http` interface has it.
    #[on(website_relation_joined)]
    fn website_joined(
        &mut self,
        cx: &mut HookContext,
        event: RelationJoinedEvent,
    ) -> Result<(), CharmError> {
        let network = cx.network(Self::BINDING_WEBSITE, Some(&event.relation))?;
        let Some(address) = network.ingress_address().map(str::to_owned) else {
            return Err(CharmError::msg(
                "Juju gave no ingress address for the website binding",
            ));
        };
        cx.update_relation_data(
            &event.relation,
            Bag::Unit,
            [("hostname", address), ("port", PORT.to_string())],
        )?;
        Ok(())
    }

    /// Restarts httpbin; fails when Pebble cannot be reached or the service is
    /// not in the plan yet.
    #[on(restart_action)]
    fn restart(&mut self, cx: &mut HookContext) -> Result<Restarted, CharmError> {
        let container = cx.container(Self::CONTAINER_HTTPBIN);
        match container.service(SERVICE) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(CharmError::msg(
                    "httpbin is not set up yet: wait for the workload container to be ready",
                ));
            }
            Err(ModelError::Pebble { source, .. }) if source.is_connection() => {
                return Err(CharmError::msg(
                    "the workload container is not up yet: try again once it is ready",
                ));
            }
            Err(other) => return Err(other.into()),
        }
        cx.action_log(&format!("restarting {SERVICE}"))?;
        container.restart(&[SERVICE])?;
        let running = container
            .service(SERVICE)?
            .is_some_and(|service| service.is_running());
        Ok(Restarted {
            service: SERVICE,
            running,
        })
    }

    /// Reports the configuration, Pebble and the service after every hook.
    #[on(collect_unit_status)]
    fn collect_status(
        &mut self,
        cx: &mut HookContext,
        config: Result<Config<HttpbinConfig>, ConfigError>,
        status: CollectStatus,
    ) {
        if let Err(invalid) = config {
            let reason = invalid
                .option("log-level")
                .map_or_else(|| invalid.to_string(), |o| o.reason.clone());
            status.add(Status::blocked(reason));
        }
        match cx.container(Self::CONTAINER_HTTPBIN).service(SERVICE) {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels() {
        assert_eq!("DEBUG".parse(), Ok(LogLevel::Debug));
        assert_eq!(LogLevel::Warning.to_string(), "warning");
        assert_eq!(
            "foobar".parse::<LogLevel>(),
            Err(InvalidLogLevel("foobar".to_owned()))
        );
    }
}
