//! A machine charm for [tinyproxy](https://tinyproxy.github.io/), run as a
//! reverse proxy whose path is set by the `slug` option: a Rust port of ops's
//! `machine-tinyproxy` example.
//!
//! The charm logic is in [`TinyproxyCharm`]; everything that touches the machine
//! is behind [`workload::Workload`], which the tests replace with a fake.

pub mod workload;

use std::fmt;
use std::str::FromStr;

use ops_runtime::{CharmError, CollectStatus, HookContext, Status, charm};

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

    /// The configured slug; an invalid one is reported by collect-status.
    fn slug(cx: &mut HookContext) -> Result<Result<Slug, InvalidSlug>, CharmError> {
        let config = cx.config()?;
        Ok(config.get_str("slug").unwrap_or_default().parse())
    }

    /// Makes sure tinyproxy runs with the configured slug.
    fn configure_and_run(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        // An invalid slug: collect-status runs next and reports it.
        let Ok(slug) = Self::slug(cx)? else {
            return Ok(());
        };
        if !self.workload.is_installed() {
            return Ok(());
        }
        let changed = self.workload.ensure_config(PORT, &slug.to_string())?;
        if !self.workload.is_running() {
            self.workload.start()?;
        } else if changed {
            log::info!("Config changed while tinyproxy is running. Updating tinyproxy config");
            self.workload.reload_config()?;
        }
        Ok(())
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

    /// Starts tinyproxy (start) or applies new configuration (config-changed).
    #[on(start, config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        self.configure_and_run(cx)
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

    /// Reports tinyproxy's state after every hook.
    #[on(collect_unit_status)]
    fn collect_status(
        &mut self,
        cx: &mut HookContext,
        status: CollectStatus,
    ) -> Result<(), CharmError> {
        if let Err(invalid) = Self::slug(cx)? {
            status.add(Status::blocked(invalid.to_string()));
        }
        if !self.workload.is_installed() {
            status.add(Status::maintenance("Waiting for tinyproxy to be installed"));
        }
        if !self.workload.is_running() {
            status.add(Status::maintenance("Waiting for tinyproxy to start"));
        }
        status.add(Status::active(""));
        Ok(())
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
