//! Tinyproxy itself: installing, configuring, starting and stopping it.
//!
//! The charm talks to tinyproxy only through the [`Workload`] trait, so its
//! tests replace the machine with a fake.

use std::path::PathBuf;
use std::process::Command;

/// The package installed (tinyproxy from Ubuntu 22.04, with its systemd unit).
const PACKAGE: &str = "tinyproxy";

/// The version installed.
const VERSION: &str = "1.11.0-1";

/// The systemd unit the package installs.
const SERVICE: &str = "tinyproxy";

/// Set by `cargo charm sim` to a scratch directory standing for the machine's
/// `/`, so that a simulated run writes tinyproxy.conf there and leaves this
/// machine's `/etc` alone. Juju never sets it.
const MACHINE_ROOT_VAR: &str = "OPS_SIM_MACHINE_ROOT";

/// A failure to act on tinyproxy.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// A command could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command.
        command: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A command failed.
    #[error("`{command}` failed: {stderr}")]
    Command {
        /// The command.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A file could not be read or written.
    #[error("cannot access `{}`: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Tinyproxy did not reach the expected state in time.
    #[error("tinyproxy {0} within the expected time")]
    Timeout(&'static str),
    /// Asked to reload while tinyproxy is not running.
    #[error("tinyproxy is not running")]
    NotRunning,
}

/// What the charm needs from tinyproxy.
pub trait Workload {
    /// Whether the tinyproxy package is installed.
    fn is_installed(&self) -> bool;
    /// Installs tinyproxy with APT.
    fn install(&mut self) -> Result<(), WorkloadError>;
    /// Removes tinyproxy and its files.
    fn uninstall(&mut self) -> Result<(), WorkloadError>;
    /// The installed version, e.g. `1.11.0`.
    fn version(&self) -> Result<String, WorkloadError>;
    /// The configuration file's contents, if it was written.
    fn current_config(&self) -> Option<String>;
    /// Writes the configuration for `port` and `slug`; whether it changed.
    fn ensure_config(&mut self, port: u16, slug: &str) -> Result<bool, WorkloadError>;
    /// Whether tinyproxy is running.
    fn is_running(&self) -> bool;
    /// Starts tinyproxy.
    fn start(&mut self) -> Result<(), WorkloadError>;
    /// Stops tinyproxy, if it runs.
    fn stop(&mut self) -> Result<(), WorkloadError>;
    /// Asks the running tinyproxy to re-read its configuration.
    fn reload_config(&mut self) -> Result<(), WorkloadError>;
}

/// Tinyproxy on this machine: the Ubuntu package, installed with APT, asked
/// about with `dpkg-query` and run as a systemd service, as machine charms
/// usually manage their workload.
#[derive(Debug, Clone)]
pub struct SystemTinyproxy {
    config_file: PathBuf,
    pid_file: PathBuf,
}

impl Default for SystemTinyproxy {
    fn default() -> Self {
        let root = std::env::var_os(MACHINE_ROOT_VAR)
            .filter(|root| !root.is_empty())
            .map_or_else(|| PathBuf::from("/"), PathBuf::from);
        Self::with_paths(
            root.join("etc/tinyproxy/tinyproxy.conf"),
            "/run/tinyproxy/tinyproxy.pid",
        )
    }
}

impl SystemTinyproxy {
    /// Tinyproxy with its configuration file at `config_file`, told to write its
    /// PID to `pid_file` (which the package's systemd unit expects at
    /// `/run/tinyproxy/tinyproxy.pid`).
    pub fn with_paths(config_file: impl Into<PathBuf>, pid_file: impl Into<PathBuf>) -> Self {
        Self {
            config_file: config_file.into(),
            pid_file: pid_file.into(),
        }
    }

    /// The configuration file's contents for `port` and `slug`
    /// (format: tinyproxy.conf(5)).
    pub fn render_config(&self, port: u16, slug: &str) -> String {
        format!(
            "PidFile \"{}\"\nPort {port}\nTimeout 600\nReverseOnly Yes\nReversePath \"/{slug}/\" \"http://www.example.com/\"\n",
            self.pid_file.display()
        )
    }
}

fn run(program: &str, args: &[&str]) -> Result<String, WorkloadError> {
    let command = std::iter::once(program)
        .chain(args.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    let output = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .map_err(|source| WorkloadError::Spawn {
            command: command.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(WorkloadError::Command {
            command,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// A field of the installed package, from `dpkg-query --show`.
fn package_field(field: &str) -> Result<String, WorkloadError> {
    run(
        "dpkg-query",
        &["--show", &format!("--showformat=${{{field}}}"), PACKAGE],
    )
}

/// `1.11.0` for the Debian version `1.11.0-1` (or `2:1.11.0-1ubuntu1`).
fn upstream_version(debian: &str) -> &str {
    let debian = debian.trim();
    let without_epoch = debian.split_once(':').map_or(debian, |(_, rest)| rest);
    without_epoch
        .rsplit_once('-')
        .map_or(without_epoch, |(upstream, _)| upstream)
}

impl Workload for SystemTinyproxy {
    fn is_installed(&self) -> bool {
        package_field("Status").is_ok_and(|status| status.trim_end().ends_with(" installed"))
    }

    fn install(&mut self) -> Result<(), WorkloadError> {
        run("apt-get", &["update"])?;
        run(
            "apt-get",
            &["install", "-y", &format!("{PACKAGE}={VERSION}")],
        )?;
        Ok(())
    }

    fn uninstall(&mut self) -> Result<(), WorkloadError> {
        run("apt-get", &["remove", "-y", PACKAGE])?;
        match std::fs::remove_file(&self.config_file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(WorkloadError::File {
                    path: self.config_file.clone(),
                    source: e,
                });
            }
            _ => {}
        }
        if let Some(dir) = self.config_file.parent() {
            // Left in place when something else lives there.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }

    fn version(&self) -> Result<String, WorkloadError> {
        Ok(upstream_version(&package_field("Version")?).to_owned())
    }

    fn current_config(&self) -> Option<String> {
        std::fs::read_to_string(&self.config_file).ok()
    }

    fn ensure_config(&mut self, port: u16, slug: &str) -> Result<bool, WorkloadError> {
        let wanted = self.render_config(port, slug);
        if std::fs::read_to_string(&self.config_file).is_ok_and(|current| current == wanted) {
            return Ok(false);
        }
        let file_error = |source| WorkloadError::File {
            path: self.config_file.clone(),
            source,
        };
        if let Some(dir) = self.config_file.parent() {
            std::fs::create_dir_all(dir).map_err(file_error)?;
        }
        std::fs::write(&self.config_file, wanted).map_err(file_error)?;
        Ok(true)
    }

    fn is_running(&self) -> bool {
        run("systemctl", &["is-active", "--quiet", SERVICE]).is_ok()
    }

    fn start(&mut self) -> Result<(), WorkloadError> {
        run("systemctl", &["start", SERVICE]).map(drop)
    }

    fn stop(&mut self) -> Result<(), WorkloadError> {
        run("systemctl", &["stop", SERVICE]).map(drop)
    }

    fn reload_config(&mut self) -> Result<(), WorkloadError> {
        if !self.is_running() {
            return Err(WorkloadError::NotRunning);
        }
        run("systemctl", &["reload-or-restart", SERVICE]).map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_written_once() {
        let dir = std::env::temp_dir().join(format!("tinyproxy-test-{}", std::process::id()));
        let mut proxy =
            SystemTinyproxy::with_paths(dir.join("conf/tinyproxy.conf"), dir.join("pid"));
        assert!(proxy.ensure_config(8000, "foo").unwrap());
        assert!(!proxy.ensure_config(8000, "foo").unwrap());
        assert!(proxy.ensure_config(8000, "bar").unwrap());
        let text = std::fs::read_to_string(dir.join("conf/tinyproxy.conf")).unwrap();
        assert!(
            text.contains("ReversePath \"/bar/\" \"http://www.example.com/\""),
            "{text}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn upstream_versions() {
        assert_eq!(upstream_version("1.11.0-1\n"), "1.11.0");
        assert_eq!(upstream_version("2:1.11.0-1ubuntu1"), "1.11.0");
        assert_eq!(upstream_version("1.11.0"), "1.11.0");
    }
}
