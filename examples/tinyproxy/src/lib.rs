//! A machine charm for [tinyproxy](https://tinyproxy.github.io/), run as a
//! reverse proxy whose path is set by the `slug` option: a Rust port of ops's
//! `machine-tinyproxy` example, plus a `describe` action and a `website`
//! endpoint (interface `http`) that tells clients where the proxy listens.
//!
//! The charm logic is in [`TinyproxyCharm`]; everything that touches the machine
//! is behind [`workload::Workload`], which the tests replace with a fake.

pub mod workload;

use std::fmt;
use std::str::FromStr;

use ops_runtime::{
    Bag, CharmAction, CharmConfig, CharmError, CollectStatus, Config, ConfigError, HookContext,
    Params, RelationJoinedEvent, Status, charm,
};
use serde::Serialize;

use crate::workload::{SystemTinyproxy, Workload};

/// The port tinyproxy listens on.
pub const PORT: u16 = 8000;

/// The path tinyproxy serves under: lowercase letters, digits and `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

/// A `slug` value that does not match `^[a-z0-9-]+$`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid slug: '{0}'. Slug must match the regex [a-z0-9-]+")]
pub struct InvalidSlug(pub String);

impl FromStr for Slug {
    type Err = InvalidSlug;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            Ok(Slug(s.to_owned()))
        } else {
            Err(InvalidSlug(s.to_owned()))
        }
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The charm's configuration, checked against `config.options` at compile time.
#[derive(Debug, Clone, CharmConfig)]
pub struct TinyproxyConfig {
    /// The path tinyproxy serves under.
    pub slug: Slug,
}

/// The parameters of the `describe` action.
#[derive(Debug, Clone, CharmAction)]
pub struct DescribeParams {
    /// Also return the contents of tinyproxy.conf.
    pub include_config: bool,
}

/// What `describe` returns (nested keys become `proxy.slug`, `workload.running`, ...).
#[derive(Debug, Clone, Serialize)]
pub struct Description {
    /// How the proxy is configured.
    pub proxy: ProxyDescription,
    /// The state of tinyproxy on this machine.
    pub workload: WorkloadDescription,
    /// tinyproxy.conf, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

/// The proxy's settings.
#[derive(Debug, Clone, Serialize)]
pub struct ProxyDescription {
    /// The path it serves under.
    pub slug: String,
    /// The port it listens on.
    pub port: u16,
}

/// The workload's state.
#[derive(Debug, Clone, Serialize)]
pub struct WorkloadDescription {
    /// Whether tinyproxy runs.
    pub running: bool,
    /// Its version.
    pub version: String,
}

/// The tinyproxy charm.
pub struct TinyproxyCharm {
    workload: Box<dyn Workload>,
}

impl Default for TinyproxyCharm {
    fn default() -> Self {
        Self::new(SystemTinyproxy::default())
    }
}

impl TinyproxyCharm {
    /// The charm acting on `workload`.
    pub fn new(workload: impl Workload + 'static) -> Self {
        Self {
            workload: Box::new(workload),
        }
    }
}

#[charm]
impl TinyproxyCharm {
    /// Installs tinyproxy and reports its version.
    #[on(install)]
    fn install(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        if !self.workload.is_installed() {
            self.workload.install()?;
            let version = self.workload.version()?;
            cx.set_workload_version(&version)?;
        }
        Ok(())
    }

    /// Makes sure tinyproxy runs with the configured slug. With an invalid slug
    /// this handler is skipped and collect-status reports it.
    #[on(start, config_changed)]
    fn configure(&mut self, config: Config<TinyproxyConfig>) -> Result<(), CharmError> {
        if !self.workload.is_installed() {
            return Ok(());
        }
        let changed = self
            .workload
            .ensure_config(PORT, &config.slug.to_string())?;
        if !self.workload.is_running() {
            self.workload.start()?;
        } else if changed {
            log::info!("Config changed while tinyproxy is running. Updating tinyproxy config");
            self.workload.reload_config()?;
        }
        Ok(())
    }

    /// Stops tinyproxy.
    #[on(stop)]
    fn stop(&mut self) -> Result<(), CharmError> {
        Ok(self.workload.stop()?)
    }

    /// Removes tinyproxy from the machine.
    #[on(remove)]
    fn remove(&mut self) -> Result<(), CharmError> {
        Ok(self.workload.uninstall()?)
    }

    /// A client joined `website`: give it this unit's address and the proxy's
    /// port (`hostname`, `port` in the unit databag, as the `http` interface has it).
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

    /// Reports how tinyproxy is set up; fails when it is not installed.
    #[on(describe_action)]
    fn describe(
        &mut self,
        cx: &mut HookContext,
        params: Params<DescribeParams>,
        config: Config<TinyproxyConfig>,
    ) -> Result<Description, CharmError> {
        if !self.workload.is_installed() {
            return Err(CharmError::msg("tinyproxy is not installed"));
        }
        cx.action_log("collecting tinyproxy's state")?;
        Ok(Description {
            proxy: ProxyDescription {
                slug: config.slug.to_string(),
                port: PORT,
            },
            workload: WorkloadDescription {
                running: self.workload.is_running(),
                version: self.workload.version()?,
            },
            config: params
                .include_config
                .then(|| self.workload.current_config())
                .flatten(),
        })
    }

    /// Reports tinyproxy's state after every hook.
    #[on(collect_unit_status)]
    fn collect_status(
        &mut self,
        config: Result<Config<TinyproxyConfig>, ConfigError>,
        status: CollectStatus,
    ) {
        if let Err(invalid) = config {
            let reason = invalid
                .option("slug")
                .map_or_else(|| invalid.to_string(), |o| o.reason.clone());
            status.add(Status::blocked(reason));
        }
        if !self.workload.is_installed() {
            status.add(Status::maintenance("Waiting for tinyproxy to be installed"));
        }
        if !self.workload.is_running() {
            status.add(Status::maintenance("Waiting for tinyproxy to start"));
        }
        status.add(Status::active(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!("foo-1".parse::<Slug>().is_ok());
        for bad in ["", "foo_bar", "foo/bar", "Foo"] {
            assert_eq!(bad.parse::<Slug>(), Err(InvalidSlug(bad.to_owned())));
        }
    }
}
