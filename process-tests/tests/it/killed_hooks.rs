//! Runs of a charm that die or overlap: the charm runs as a process the test can
//! SIGKILL or start many times side by side, against hook tools that answer from
//! files. (`hook_tools.rs`'s `Juju` runs one hook to its end; these tests need
//! the process itself.)

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The probe charm (`src/main.rs`).
const PROBE: &str = env!("CARGO_BIN_EXE_process-tests");

/// Records the tool's name, prints `responses/<tool>` if there is one.
const TOOL: &str = r#"#!/bin/sh
tool=$(basename "$0")
printf '%s\n' "$tool" >> "$FAKE_JUJU/calls"
if [ -f "$FAKE_JUJU/responses/$tool" ]; then cat "$FAKE_JUJU/responses/$tool"; fi
exit 0
"#;

/// A `secret-add` that records the files holding the values, says it started,
/// then waits (30 s at most) until the test creates `release`.
const BLOCKING_SECRET_ADD: &str = r#"#!/bin/sh
for a in "$@"; do
  case "$a" in *'#file='*) printf '%s\n' "${a#*#file=}" >> "$FAKE_JUJU/secret-files" ;; esac
done
: > "$FAKE_JUJU/secret-add-started"
i=0
while [ ! -f "$FAKE_JUJU/release" ] && [ "$i" -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
echo secret:cs0001
"#;

/// One unit's charm directory, with fake hook tools on `PATH`.
pub(crate) struct Unit {
    dir: PathBuf,
}

impl Unit {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ops-unit-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for sub in ["bin", "responses", "charm"] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let unit = Self { dir };
        for tool in ops_runtime::hook_tools::TOOL_NAMES {
            unit.install(tool, TOOL);
        }
        unit.respond("is-leader", "true");
        unit
    }

    /// The charm directory (`JUJU_CHARM_DIR`).
    pub(crate) fn charm_dir(&self) -> PathBuf {
        self.dir.join("charm")
    }

    /// A file of the fake's own.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// What `tool` prints.
    pub(crate) fn respond(&self, tool: &str, output: &str) {
        fs::write(self.dir.join("responses").join(tool), output).unwrap();
    }

    /// Makes `tool` the shell script `script`.
    pub(crate) fn install(&self, tool: &str, script: &str) {
        let path = self.dir.join("bin").join(tool);
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The command that runs `charm` for `hook` as Juju would, its output discarded.
    pub(crate) fn command(&self, charm: &str, hook: &str) -> Command {
        let mut command = Command::new(charm);
        command
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.join("bin").display()),
            )
            .env("FAKE_JUJU", &self.dir)
            .env("JUJU_DISPATCH_PATH", format!("hooks/{hook}"))
            .env("JUJU_HOOK_NAME", hook)
            .env("JUJU_UNIT_NAME", "probe/0")
            .env("JUJU_MODEL_NAME", "test")
            .env("JUJU_MODEL_UUID", "6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10")
            .env("JUJU_VERSION", "3.6.4")
            .env("JUJU_CHARM_DIR", self.charm_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        command
    }

    /// Runs `charm` for `hook` to its end: the exit code and what it printed.
    pub(crate) fn run(&self, charm: &str, hook: &str) -> (i32, String) {
        let output = self
            .command(charm, hook)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code().unwrap_or(-1), printed)
    }

    /// Waits (20 s at most) until the fake's file `name` exists.
    pub(crate) fn wait_for(&self, name: &str) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if self.path(name).exists() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for Unit {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Every file under `dir` whose content holds `needle`.
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if fs::read(&path).is_ok_and(|bytes| {
            bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
        }) {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_hook_killed_mid_secret_add_leaves_no_secret_after_the_next_hook() {
    let unit = Unit::new("secret-kill");
    unit.respond("config-get", r#"{"scenario": "secret-add"}"#);
    unit.install("secret-add", BLOCKING_SECRET_ADD);
    let mut hook = unit.command(PROBE, "config-changed").spawn().unwrap();
    assert!(
        unit.wait_for("secret-add-started"),
        "the probe never called secret-add"
    );
    let files: Vec<PathBuf> = fs::read_to_string(unit.path("secret-files"))
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    let values: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(values, ["hunter2", "admin"], "the values wait in files");

    // SIGKILL: no destructor runs, the files stay behind.
    hook.kill().unwrap();
    hook.wait().unwrap();
    fs::write(unit.path("release"), "").unwrap();
    assert!(
        files.iter().all(|f| f.exists()),
        "killed before its cleanup"
    );

    unit.respond("config-get", r#"{"scenario": "none"}"#);
    let (code, printed) = unit.run(PROBE, "config-changed");
    assert_eq!(code, 0, "{printed}");
    for file in &files {
        assert!(!file.exists(), "{} outlived the next hook", file.display());
        let dir = file.parent().unwrap();
        assert!(!dir.exists(), "{} outlived the next hook", dir.display());
    }
    assert_eq!(
        files_holding(&unit.charm_dir(), "hunter2"),
        Vec::<PathBuf>::new()
    );
}
