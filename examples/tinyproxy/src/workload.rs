//! Tinyproxy itself: installing, configuring, starting and stopping it.
//!
//! The charm talks to tinyproxy only through the [`Workload`] trait, so its
//! tests replace the machine with a fake.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The package and version installed (tinyproxy-bin from Ubuntu 22.04).
const PACKAGE: &str = "tinyproxy-bin=1.11.0-1";

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
    /// Whether the `tinyproxy` executable is available.
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

/// Tinyproxy on this machine, managed with APT, its PID file and signals.
#[derive(Debug, Clone)]
pub struct SystemTinyproxy {
    config_file: PathBuf,
    pid_file: PathBuf,
}

impl Default for SystemTinyproxy {
    fn default() -> Self {
        Self::with_paths("/etc/tinyproxy/tinyproxy.conf", "/var/run/tinyproxy.pid")
    }
}

impl SystemTinyproxy {
    /// Tinyproxy with its configuration and PID files at the given paths.
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

    fn pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(&self.pid_file).ok()?;
        let pid: u32 = text.trim().parse().ok()?;
        Path::new("/proc")
            .join(pid.to_string())
            .exists()
            .then_some(pid)
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

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

impl Workload for SystemTinyproxy {
    fn is_installed(&self) -> bool {
        on_path("tinyproxy")
    }

    fn install(&mut self) -> Result<(), WorkloadError> {
        run("apt-get", &["update"])?;
        run("apt-get", &["install", "-y", PACKAGE])?;
        Ok(())
    }

    fn uninstall(&mut self) -> Result<(), WorkloadError> {
        run("apt-get", &["remove", "-y", "tinyproxy-bin"])?;
        for file in [&self.pid_file, &self.config_file] {
            match std::fs::remove_file(file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(WorkloadError::File {
                        path: file.clone(),
                        source: e,
                    });
                }
                _ => {}
            }
        }
        if let Some(dir) = self.config_file.parent() {
            // Left in place when something else lives there.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(())
    }

    fn version(&self) -> Result<String, WorkloadError> {
        let out = run("tinyproxy", &["-v"])?;
        Ok(out.trim().trim_start_matches("tinyproxy").trim().to_owned())
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
        self.pid().is_some()
    }

    fn start(&mut self) -> Result<(), WorkloadError> {
        run("tinyproxy", &[])?;
        wait_for(|| self.is_running(), "was not running")
    }

    fn stop(&mut self) -> Result<(), WorkloadError> {
        if let Some(pid) = self.pid() {
            run("kill", &["-TERM", &pid.to_string()])?;
        }
        wait_for(|| !self.is_running(), "was still running")
    }

    fn reload_config(&mut self) -> Result<(), WorkloadError> {
        let pid = self.pid().ok_or(WorkloadError::NotRunning)?;
        // SIGUSR1 asks tinyproxy to re-read its configuration (tinyproxy(8)).
        run("kill", &["-USR1", &pid.to_string()])?;
        Ok(())
    }
}

/// Polls `done` for up to three seconds.
fn wait_for(done: impl Fn() -> bool, failure: &'static str) -> Result<(), WorkloadError> {
    for _ in 0..3 {
        if done() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    if done() {
        Ok(())
    } else {
        Err(WorkloadError::Timeout(failure))
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
        assert!(!proxy.is_running());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
