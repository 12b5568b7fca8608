//! [`PebbleApi`]: the blocking subset of the Pebble API that charms use every
//! day, implemented by the real [`blocking::Client`](super::blocking::Client)
//! and by the testing harness's in-memory Pebble.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::blocking;
use super::error::{Error, ExecError};
use super::exec::{Exec, ExecOutput};
use super::layer::{Layer, Plan};
use super::options::{
    AddLayerOptions, ListFilesOptions, MakeDirOptions, NoticesQuery, NotifyOptions, PushOptions,
};
use super::types::{
    Change, ChangeId, ChangeSelect, CheckInfo, CheckLevel, FileInfo, Identity, Notice, NoticeId,
    ServiceInfo, SystemInfo,
};

/// What a finished command wrote and how it exited; unlike
/// [`ExecProcess::wait_output`](super::blocking::ExecProcess::wait_output), a
/// non-zero exit code is a result here, not an error.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExecResult {
    /// The exit code: the process's own, or 128 plus the signal that killed it.
    pub exit_code: i32,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error (empty when combined into stdout).
    pub stderr: Vec<u8>,
}

impl ExecResult {
    /// Whether the command exited with code 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// The output of a command that exited with code 0, or
    /// [`Error::Exec`] naming `command` for any other code.
    pub fn into_output(self, command: &[String]) -> Result<ExecOutput, Error> {
        if self.success() {
            Ok(ExecOutput {
                stdout: self.stdout,
                stderr: self.stderr,
            })
        } else {
            Err(Error::Exec(Box::new(ExecError {
                command: command.to_vec(),
                exit_code: self.exit_code,
                stdout: Some(self.stdout),
                stderr: Some(self.stderr),
            })))
        }
    }
}

impl fmt::Debug for ExecResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecResult")
            .field("exit_code", &self.exit_code)
            .field("stdout", &String::from_utf8_lossy(&self.stdout))
            .field("stderr", &String::from_utf8_lossy(&self.stderr))
            .finish()
    }
}

/// The blocking Pebble calls a charm makes every day.
///
/// [`Container`](crate::Container) talks to its workload through this trait:
/// in a real hook the implementation is [`blocking::Client`] on the container's
/// socket; under the testing harness (feature `testing`) it is an in-memory
/// Pebble that follows the same rules (layer merging, replan, file errors).
#[cfg_attr(
    feature = "testing",
    doc = "See [`testing::Container`](crate::testing::Container)."
)]
/// Calls that start, stop or replan services wait for Pebble to finish them.
pub trait PebbleApi {
    /// `GET /v1/system-info`; any answer means Pebble is reachable.
    fn system_info(&self) -> Result<SystemInfo, Error>;
    /// `POST /v1/layers`: adds `layer` under `label`, or combines it into the
    /// layer with that label when `combine` is set.
    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), Error>;
    /// `GET /v1/plan`: all layers combined.
    fn plan(&self) -> Result<Plan, Error>;
    /// `GET /v1/services`: the named services (all when `names` is empty).
    fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, Error>;
    /// Starts `names` and waits for them.
    fn start_services(&self, names: &[&str]) -> Result<(), Error>;
    /// Stops `names` and waits for them.
    fn stop_services(&self, names: &[&str]) -> Result<(), Error>;
    /// Restarts `names` and waits for them.
    fn restart_services(&self, names: &[&str]) -> Result<(), Error>;
    /// Restarts the services whose configuration changed and starts every
    /// `startup: enabled` one, and waits.
    fn replan_services(&self) -> Result<(), Error>;
    /// Writes `data` to the file at `path`.
    fn push(&self, path: &str, data: &[u8], options: &PushOptions) -> Result<(), Error>;
    /// Reads the file at `path` into memory. A real client fails with
    /// [`Error::TooLarge`] past its
    /// [`capture_limit`](super::ClientBuilder::capture_limit) (64 MiB by
    /// default); [`pull_to`](Self::pull_to) has no such limit.
    fn pull(&self, path: &str) -> Result<Vec<u8>, Error>;
    /// Streams the file at `path` into `writer`, never whole in memory, and
    /// returns how many bytes it wrote.
    ///
    /// The default reads the file with [`pull`](Self::pull), then writes it:
    /// right for an in-memory Pebble, which holds the file anyway.
    fn pull_to(&self, path: &str, writer: &mut dyn std::io::Write) -> Result<u64, Error> {
        let data = self.pull(path)?;
        writer.write_all(&data).map_err(|source| Error::Io {
            context: format!("cannot write the data pulled from {path}"),
            source,
        })?;
        Ok(data.len() as u64)
    }
    /// Lists a directory's entries, or describes one file.
    fn list_files(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>, Error>;
    /// Creates a directory.
    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), Error>;
    /// Removes a file or directory (with its contents when `recursive`).
    fn remove_path(&self, path: &str, recursive: bool) -> Result<(), Error>;
    /// Runs a command to completion (with its stdin, environment, working
    /// directory and timeout) and captures what it wrote.
    fn exec(&self, exec: &Exec) -> Result<ExecResult, Error>;
    /// `GET /v1/checks`: the named checks (all when `names` is empty).
    fn checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, Error>;
    /// Starts the checks `names`; returns those that were not running.
    fn start_checks(&self, names: &[&str]) -> Result<Vec<String>, Error>;
    /// Stops the checks `names`; returns those that were running.
    fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>, Error>;
    /// Sends `signal` (such as `SIGHUP`) to the services `names`.
    fn send_signal(&self, signal: &str, names: &[&str]) -> Result<(), Error>;
    /// `GET /v1/notices`.
    fn notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>, Error>;
    /// `GET /v1/notices/{id}`.
    fn notice(&self, id: &NoticeId) -> Result<Notice, Error>;
    /// `POST /v1/notices`: records an occurrence of the custom notice `key`
    /// and returns its ID (the same ID for every occurrence of one key).
    fn notify(&self, key: &str, options: &NotifyOptions) -> Result<NoticeId, Error>;
    /// `GET /v1/changes`: the changes `select` picks, only those that
    /// affected `service` if given.
    fn changes(&self, select: ChangeSelect, service: Option<&str>) -> Result<Vec<Change>, Error>;
    /// `GET /v1/changes/{id}`.
    fn change(&self, id: &ChangeId) -> Result<Change, Error>;
    /// Waits up to `timeout` for the change `id` to finish and returns it,
    /// failed or not ([`Change::into_result`] makes a failure an error).
    fn wait_change(&self, id: &ChangeId, timeout: Duration) -> Result<Change, Error>;
    /// `GET /v1/identities`: the identities Pebble knows (Pebble 1.15+), their
    /// passwords masked as `*****`.
    fn identities(&self) -> Result<BTreeMap<String, Identity>, Error>;
    /// Adds or replaces identities; `None` removes that identity.
    fn replace_identities(
        &self,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<(), Error>;
    /// Removes identities; fails if one does not exist.
    fn remove_identities(&self, names: &[&str]) -> Result<(), Error>;
}

impl PebbleApi for blocking::Client {
    fn system_info(&self) -> Result<SystemInfo, Error> {
        blocking::Client::system_info(self)
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<(), Error> {
        blocking::Client::add_layer(self, label, layer, &AddLayerOptions::new().combine(combine))
    }

    fn plan(&self) -> Result<Plan, Error> {
        blocking::Client::plan(self)
    }

    fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, Error> {
        blocking::Client::services(self, names)
    }

    fn start_services(&self, names: &[&str]) -> Result<(), Error> {
        blocking::Client::start_services(self, names).map(drop)
    }

    fn stop_services(&self, names: &[&str]) -> Result<(), Error> {
        blocking::Client::stop_services(self, names).map(drop)
    }

    fn restart_services(&self, names: &[&str]) -> Result<(), Error> {
        blocking::Client::restart_services(self, names).map(drop)
    }

    fn replan_services(&self) -> Result<(), Error> {
        blocking::Client::replan_services(self).map(drop)
    }

    fn push(&self, path: &str, data: &[u8], options: &PushOptions) -> Result<(), Error> {
        blocking::Client::push(self, path, data.to_vec(), options)
    }

    fn pull(&self, path: &str) -> Result<Vec<u8>, Error> {
        blocking::Client::pull(self, path)
    }

    fn pull_to(&self, path: &str, mut writer: &mut dyn std::io::Write) -> Result<u64, Error> {
        blocking::Client::pull_to(self, path, &mut writer)
    }

    fn list_files(&self, path: &str, options: &ListFilesOptions) -> Result<Vec<FileInfo>, Error> {
        blocking::Client::list_files(self, path, options)
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<(), Error> {
        blocking::Client::make_dir(self, path, options)
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<(), Error> {
        blocking::Client::remove_path(self, path, recursive)
    }

    fn exec(&self, exec: &Exec) -> Result<ExecResult, Error> {
        match blocking::Client::exec(self, exec)?.wait_output() {
            Ok(output) => Ok(ExecResult {
                exit_code: 0,
                stdout: output.stdout,
                stderr: output.stderr,
            }),
            Err(Error::Exec(error)) => {
                let ExecError {
                    exit_code,
                    stdout,
                    stderr,
                    ..
                } = *error;
                Ok(ExecResult {
                    exit_code,
                    stdout: stdout.unwrap_or_default(),
                    stderr: stderr.unwrap_or_default(),
                })
            }
            Err(other) => Err(other),
        }
    }

    fn checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>, Error> {
        blocking::Client::checks(self, level, names)
    }

    fn start_checks(&self, names: &[&str]) -> Result<Vec<String>, Error> {
        blocking::Client::start_checks(self, names)
    }

    fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>, Error> {
        blocking::Client::stop_checks(self, names)
    }

    fn send_signal(&self, signal: &str, names: &[&str]) -> Result<(), Error> {
        blocking::Client::send_signal(self, signal, names)
    }

    fn notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>, Error> {
        blocking::Client::notices(self, query)
    }

    fn notice(&self, id: &NoticeId) -> Result<Notice, Error> {
        blocking::Client::notice(self, id)
    }

    fn notify(&self, key: &str, options: &NotifyOptions) -> Result<NoticeId, Error> {
        blocking::Client::notify(self, key, options)
    }

    fn changes(&self, select: ChangeSelect, service: Option<&str>) -> Result<Vec<Change>, Error> {
        blocking::Client::changes(self, select, service)
    }

    fn change(&self, id: &ChangeId) -> Result<Change, Error> {
        blocking::Client::change(self, id)
    }

    fn wait_change(&self, id: &ChangeId, timeout: Duration) -> Result<Change, Error> {
        blocking::Client::wait_change(self, id, timeout)
    }

    fn identities(&self) -> Result<BTreeMap<String, Identity>, Error> {
        blocking::Client::identities(self)
    }

    fn replace_identities(
        &self,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<(), Error> {
        blocking::Client::replace_identities(self, identities)
    }

    fn remove_identities(&self, names: &[&str]) -> Result<(), Error> {
        blocking::Client::remove_identities(self, names)
    }
}

/// A Pebble that cannot be reached: every call fails with
/// [`Error::Connection`], as with an absent socket.
#[derive(Debug, Clone)]
pub(crate) struct Unreachable {
    pub(crate) socket: PathBuf,
    pub(crate) reason: String,
}

impl Unreachable {
    /// The error every call returns.
    pub(crate) fn error(&self) -> Error {
        Error::Connection {
            socket: self.socket.clone(),
            reason: self.reason.clone(),
            source: Box::new(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                self.reason.clone(),
            )),
        }
    }
}

impl PebbleApi for Unreachable {
    fn system_info(&self) -> Result<SystemInfo, Error> {
        Err(self.error())
    }
    fn add_layer(&self, _: &str, _: &Layer, _: bool) -> Result<(), Error> {
        Err(self.error())
    }
    fn plan(&self) -> Result<Plan, Error> {
        Err(self.error())
    }
    fn services(&self, _: &[&str]) -> Result<Vec<ServiceInfo>, Error> {
        Err(self.error())
    }
    fn start_services(&self, _: &[&str]) -> Result<(), Error> {
        Err(self.error())
    }
    fn stop_services(&self, _: &[&str]) -> Result<(), Error> {
        Err(self.error())
    }
    fn restart_services(&self, _: &[&str]) -> Result<(), Error> {
        Err(self.error())
    }
    fn replan_services(&self) -> Result<(), Error> {
        Err(self.error())
    }
    fn push(&self, _: &str, _: &[u8], _: &PushOptions) -> Result<(), Error> {
        Err(self.error())
    }
    fn pull(&self, _: &str) -> Result<Vec<u8>, Error> {
        Err(self.error())
    }
    fn list_files(&self, _: &str, _: &ListFilesOptions) -> Result<Vec<FileInfo>, Error> {
        Err(self.error())
    }
    fn make_dir(&self, _: &str, _: &MakeDirOptions) -> Result<(), Error> {
        Err(self.error())
    }
    fn remove_path(&self, _: &str, _: bool) -> Result<(), Error> {
        Err(self.error())
    }
    fn exec(&self, _: &Exec) -> Result<ExecResult, Error> {
        Err(self.error())
    }
    fn checks(&self, _: Option<CheckLevel>, _: &[&str]) -> Result<Vec<CheckInfo>, Error> {
        Err(self.error())
    }
    fn start_checks(&self, _: &[&str]) -> Result<Vec<String>, Error> {
        Err(self.error())
    }
    fn stop_checks(&self, _: &[&str]) -> Result<Vec<String>, Error> {
        Err(self.error())
    }
    fn send_signal(&self, _: &str, _: &[&str]) -> Result<(), Error> {
        Err(self.error())
    }
    fn notices(&self, _: &NoticesQuery) -> Result<Vec<Notice>, Error> {
        Err(self.error())
    }
    fn notice(&self, _: &NoticeId) -> Result<Notice, Error> {
        Err(self.error())
    }
    fn notify(&self, _: &str, _: &NotifyOptions) -> Result<NoticeId, Error> {
        Err(self.error())
    }
    fn changes(&self, _: ChangeSelect, _: Option<&str>) -> Result<Vec<Change>, Error> {
        Err(self.error())
    }
    fn change(&self, _: &ChangeId) -> Result<Change, Error> {
        Err(self.error())
    }
    fn wait_change(&self, _: &ChangeId, _: Duration) -> Result<Change, Error> {
        Err(self.error())
    }
    fn identities(&self) -> Result<BTreeMap<String, Identity>, Error> {
        Err(self.error())
    }
    fn replace_identities(&self, _: &BTreeMap<String, Option<Identity>>) -> Result<(), Error> {
        Err(self.error())
    }
    fn remove_identities(&self, _: &[&str]) -> Result<(), Error> {
        Err(self.error())
    }
}
