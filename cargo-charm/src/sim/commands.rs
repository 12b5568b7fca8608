//! Fakes of the workload commands a machine charm runs: `apt-get`, `dpkg`, `snap`,
//! `systemctl`, `useradd` and the rest of [`COMMANDS`], so that `sim` never installs,
//! starts or adds anything on the machine it runs on.
//!
//! Each fake is this program under the command's name (as the hook tools are), in a
//! directory `sim` puts on the hooks' `PATH` before `--extra-path` and the system's
//! directories. A call loads the simulated model, records itself (argv, redacted as
//! [`super::redact`] says, the event it ran in, its exit code) in
//! [`Model::calls`](super::state::Model::calls), acts on the simulated machine
//! ([`Machine`]: packages, services, snaps, users and groups) and answers in the format
//! its callers parse. What each fake answers is in [`COMMANDS`]; a sub-command a fake
//! does not know succeeds with no output.
//!
//! A scenario's `commands:` step scripts answers ([`Answer`]): a key is a command name
//! or an argv prefix (`systemctl is-active`, `tinyproxy -v`), matched word by word,
//! options included, the longest key winning. A scripted answer replaces the fake's and
//! leaves the simulated machine as it was. Naming a command `sim` does not fake
//! (`tinyproxy`, `curl`) puts it on the `PATH` too; its calls that no key matches run
//! the machine's own command, as they would without the script. With `--on-host` the
//! built-in fakes are off: only scripted calls are answered, all others run on the
//! machine. The script lives in [`SCRIPT_FILE`] beside the model.
//!
//! Kept apart from the hook tools ([`super::tools`]) on purpose: these fakes are the
//! machine's side, not Juju's.

mod apt;
mod snap;
mod systemd;
mod users;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::{Deserialize, Serialize};

use super::state::{Call, CallKind, Model, Via};
use super::{redact, tools};

/// The workload commands `sim` fakes, and what each fake answers.
pub(crate) const COMMANDS: &[(&str, &str)] = &[
    (
        "apt-get",
        "update, upgrade, clean: nothing; install PKG[=VERSION] (or a .deb): records it \
         installed, at VERSION or 1.0-1sim; remove, purge: forgets it",
    ),
    ("apt", "as apt-get"),
    (
        "apt-cache",
        "policy PKG: installed and candidate versions; show PKG: a stanza with Package, \
         Architecture and Version",
    ),
    (
        "dpkg",
        "-l [PKG...]: the listing of installed packages (exit 1 for a name not installed); \
         -s PKG: its status stanza; --print-architecture; -i FILE.deb; -r, -P PKG",
    ),
    (
        "dpkg-query",
        "-W [-f FORMAT] PKG...: ${Package}, ${Version}, ${Status}, ${Architecture}, \
         ${db:Status-Abbrev}, ${db:Status-Status}; -s PKG; -l [PKG...]",
    ),
    (
        "snap",
        "install, refresh (--channel), remove; list [NAME...]; start, stop, restart; \
         services; set, get, unset",
    ),
    (
        "systemctl",
        "start, stop, restart, try-restart, reload, reload-or-restart, enable, disable \
         (--now), mask, unmask: change the unit's recorded state; is-active, is-enabled, \
         is-failed, status, show: answer from it (a unit never seen is inactive and \
         disabled); daemon-reload: nothing",
    ),
    (
        "service",
        "NAME start|stop|restart|reload|status, as systemctl",
    ),
    (
        "useradd",
        "records the user (and its own group, unless -N or -g); exit 9 if it exists",
    ),
    (
        "usermod",
        "-G/-aG GROUPS, -g, -s, -d: change a recorded user; exit 6 if unknown",
    ),
    ("userdel", "forgets a recorded user; exit 6 if unknown"),
    (
        "groupadd",
        "records the group; exit 9 if it exists (0 with -f)",
    ),
    ("groupdel", "forgets a recorded group; exit 6 if unknown"),
    (
        "getent",
        "passwd, group [NAME...]: the recorded users and groups, then this machine's \
         /etc/passwd and /etc/group (read, never written)",
    ),
    ("chown", "records the call and changes nothing"),
];

/// The file beside the model holding the scenario's scripted answers.
pub(crate) const SCRIPT_FILE: &str = "commands.json";

/// Whether `name` is a command `sim` fakes.
pub(crate) fn is_faked(name: &str) -> bool {
    COMMANDS.iter().any(|(command, _)| *command == name)
}

/// A scripted answer to a workload command: what it prints and its exit code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Answer {
    /// What it prints on stdout.
    #[serde(default)]
    pub(crate) stdout: String,
    /// What it prints on stderr.
    #[serde(default)]
    pub(crate) stderr: String,
    /// Its exit code.
    #[serde(default)]
    pub(crate) exit: u8,
}

/// The scenario's scripted answers and whether the built-in fakes are off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Script {
    /// `--on-host`: the built-in fakes are off.
    #[serde(default)]
    pub(crate) on_host: bool,
    /// Answers by argv prefix (words joined by single spaces).
    #[serde(default)]
    pub(crate) answers: BTreeMap<String, Answer>,
}

impl Script {
    /// The answer of the longest key that is a prefix of `argv`.
    fn answer(&self, argv: &[String]) -> Option<&Answer> {
        self.answers
            .iter()
            .filter(|(key, _)| {
                let words: Vec<&str> = key.split_whitespace().collect();
                words.len() <= argv.len()
                    && words
                        .iter()
                        .zip(argv)
                        .all(|(word, arg)| *word == arg.as_str())
            })
            .max_by_key(|(key, _)| key.split_whitespace().count())
            .map(|(_, answer)| answer)
    }

    /// The command names the script answers for.
    pub(crate) fn names(&self) -> BTreeSet<&str> {
        self.answers
            .keys()
            .filter_map(|key| key.split_whitespace().next())
            .collect()
    }

    /// Reads the script beside the model at `state`; none when there is no file.
    pub(crate) fn load(state: &Path) -> io::Result<Self> {
        let path = script_path(state);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(error) => Err(error),
        }
    }

    /// Writes the script beside the model at `state`.
    pub(crate) fn save(&self, state: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        fs::write(script_path(state), text)
    }
}

fn script_path(state: &Path) -> PathBuf {
    state.with_file_name(SCRIPT_FILE)
}

/// The simulated machine the fakes act on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Machine {
    /// Installed Debian packages and their versions.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) packages: BTreeMap<String, String>,
    /// systemd units (`tinyproxy`, `foo.timer`) a command touched.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) services: BTreeMap<String, Service>,
    /// Installed snaps.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) snaps: BTreeMap<String, Snap>,
    /// Users added with `useradd`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) users: BTreeMap<String, User>,
    /// Groups added with `groupadd` or `useradd`, and their ids.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) groups: BTreeMap<String, u32>,
}

impl Machine {
    /// Whether no command changed anything.
    pub(crate) fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// A systemd unit's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Service {
    /// Running.
    pub(crate) active: bool,
    /// Started at boot.
    pub(crate) enabled: bool,
    /// Masked: it cannot start.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) masked: bool,
}

/// An installed snap.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Snap {
    /// The channel it tracks.
    pub(crate) channel: String,
    /// Whether it was installed with `--classic`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) classic: bool,
    /// Its configuration (`snap set`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) config: BTreeMap<String, String>,
    /// Whether its services run.
    pub(crate) active: bool,
}

/// A user added with `useradd`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct User {
    /// The user id.
    pub(crate) uid: u32,
    /// The primary group's name.
    pub(crate) group: String,
    /// The home directory (never created).
    pub(crate) home: String,
    /// The login shell.
    pub(crate) shell: String,
    /// Supplementary groups.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub(crate) groups: BTreeSet<String>,
    /// Added with `--system`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) system: bool,
}

/// What a call prints and its exit code.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Reply {
    /// What it prints on stdout.
    pub(crate) stdout: String,
    /// What it prints on stderr.
    pub(crate) stderr: String,
    /// Its exit code.
    pub(crate) code: u8,
}

impl Reply {
    /// Success, printing `stdout`.
    pub(crate) fn ok(stdout: impl Into<String>) -> Self {
        Self {
            stdout: stdout.into(),
            ..Self::default()
        }
    }

    /// Failure with `code`, printing `stderr` (a newline is added).
    pub(crate) fn fail(code: u8, stderr: impl Into<String>) -> Self {
        Self {
            stdout: String::new(),
            stderr: stderr.into() + "\n",
            code,
        }
    }
}

/// Runs the fake of `name` (or its scripted answer, or the machine's own command)
/// with `args`, recording the call in the model named by `$OPS_SIM_STATE`.
pub(crate) fn main(name: &str, args: impl Iterator<Item = std::ffi::OsString>) -> ExitCode {
    let args: Vec<String> = args.map(|arg| arg.to_string_lossy().into_owned()).collect();
    let Some(path) = std::env::var_os(tools::STATE_VAR) else {
        eprintln!(
            "{name}: this is `cargo charm sim`'s fake `{name}` and runs only under it \
             ({} is not set)",
            tools::STATE_VAR
        );
        return ExitCode::FAILURE;
    };
    let path = PathBuf::from(path);
    let loaded = Model::load(&path).and_then(|model| Ok((model, Script::load(&path)?)));
    let (mut model, script) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!(
                "{name}: cannot read the simulated model {}: {error}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    };
    let mut argv = vec![name.to_owned()];
    argv.extend(args.iter().cloned());
    let (reply, via) = match script.answer(&argv) {
        Some(answer) => (
            Reply {
                stdout: answer.stdout.clone(),
                stderr: answer.stderr.clone(),
                code: answer.exit,
            },
            Via::Script,
        ),
        None if is_faked(name) && !script.on_host => {
            (fake(name, &args, &mut model.machine), Via::Fake)
        }
        None => (on_host(name, &args, &path), Via::Host),
    };
    model.calls.push(Call {
        event: tools::event_from_env(),
        kind: CallKind::Command,
        argv: redact::argv(&argv),
        exit_code: i32::from(reply.code),
        via: Some(via),
    });
    if let Err(error) = model.save(&path) {
        eprintln!(
            "{name}: cannot write the simulated model {}: {error}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    // A closed pipe is the caller's business, as for the real commands.
    let _ = io::stdout().write_all(reply.stdout.as_bytes());
    let _ = io::stdout().flush();
    let _ = io::stderr().write_all(reply.stderr.as_bytes());
    ExitCode::from(reply.code)
}

/// The built-in fake of `name`.
pub(crate) fn fake(name: &str, args: &[String], machine: &mut Machine) -> Reply {
    match name {
        "apt-get" | "apt" => apt::apt_get(args, machine),
        "apt-cache" => apt::apt_cache(args, machine),
        "dpkg" => apt::dpkg(args, machine),
        "dpkg-query" => apt::dpkg_query(args, machine),
        "snap" => snap::snap(args, machine),
        "systemctl" => systemd::systemctl(args, machine),
        "service" => systemd::service(args, machine),
        "useradd" | "usermod" | "userdel" | "groupadd" | "groupdel" | "getent" => {
            users::run(name, args, machine)
        }
        _ => Reply::ok(""),
    }
}

/// Runs the machine's own `name`: the first one on `PATH` that is not one of `sim`'s
/// links to this program. Its output goes straight to the caller.
fn on_host(name: &str, args: &[String], state: &Path) -> Reply {
    let me = std::env::current_exe().and_then(fs::canonicalize).ok();
    let root = state.parent();
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter(|dir| root.is_none_or(|root| !dir.starts_with(root)))
            .map(|dir| dir.join(name))
            .find(|candidate| {
                candidate.is_file() && fs::canonicalize(candidate).ok().as_ref() != me.as_ref()
            })
    });
    let Some(program) = found else {
        return Reply::fail(127, format!("{name}: command not found"));
    };
    match std::process::Command::new(&program).args(args).status() {
        Ok(status) => Reply {
            code: status
                .code()
                .and_then(|code| u8::try_from(code).ok())
                .unwrap_or(1),
            ..Reply::default()
        },
        Err(error) => Reply::fail(126, format!("{name}: {}: {error}", program.display())),
    }
}

/// The Debian architecture of this machine (`amd64`, `arm64`, ...).
pub(crate) fn architecture() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "i386",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "arm" => "armhf",
        other => other,
    }
}

/// Splits `args` into options and words: `valued` options take the next argument
/// unless given as `--opt=value` or `-oVALUE`.
pub(crate) fn words<'a>(
    args: &'a [String],
    valued: &[&str],
) -> (Vec<&'a str>, Vec<(&'a str, Option<&'a str>)>) {
    let mut words = Vec::new();
    let mut options = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--" {
            words.extend(iter.by_ref().map(String::as_str));
            break;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            if let Some((name, value)) = arg.split_once('=').filter(|_| arg.starts_with("--")) {
                options.push((name, Some(value)));
            } else if valued.contains(&arg.as_str()) {
                options.push((arg.as_str(), iter.next().map(String::as_str)));
            } else {
                options.push((arg.as_str(), None));
            }
        } else {
            words.push(arg.as_str());
        }
    }
    (words, options)
}

/// Whether `options` holds any of `names`.
pub(crate) fn has(options: &[(&str, Option<&str>)], names: &[&str]) -> bool {
    options.iter().any(|(name, _)| names.contains(name))
}

/// The last value of any of `names` in `options`.
pub(crate) fn value<'a>(options: &[(&'a str, Option<&'a str>)], names: &[&str]) -> Option<&'a str> {
    options
        .iter()
        .rev()
        .find(|(name, _)| names.contains(name))
        .and_then(|(_, value)| *value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    #[test]
    fn the_longest_matching_key_answers() {
        let mut script = Script::default();
        for (key, exit) in [
            ("systemctl", 1),
            ("systemctl is-active", 3),
            ("tinyproxy -v", 0),
        ] {
            script.answers.insert(
                key.to_owned(),
                Answer {
                    exit,
                    ..Answer::default()
                },
            );
        }
        let exit = |argv: &[&str]| script.answer(&strings(argv)).map(|answer| answer.exit);
        assert_eq!(exit(&["systemctl", "is-active", "--quiet", "x"]), Some(3));
        assert_eq!(exit(&["systemctl", "start", "x"]), Some(1));
        assert_eq!(exit(&["tinyproxy"]), None);
        assert_eq!(exit(&["tinyproxy", "-v"]), Some(0));
        assert_eq!(script.names(), BTreeSet::from(["systemctl", "tinyproxy"]));
    }

    #[test]
    fn every_command_has_a_fake() {
        let mut machine = Machine::default();
        for (name, _) in COMMANDS {
            // No arguments: a usage error or a harmless answer, never a panic.
            let _ = fake(name, &[], &mut machine);
        }
        assert!(machine.is_empty());
    }
}
