//! Runs the real charm binary the way Juju does: `JUJU_*` variables in the
//! environment and hook-tool executables on `PATH`. The hook tools here are
//! small scripts that record their arguments and print canned JSON, so the test
//! sees exactly what the charm sends.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch directory with recording hook tools in `bin/`.
struct Juju {
    dir: PathBuf,
}

/// Prints canned output per tool and records `tool<TAB>arg<TAB>arg...` per call.
const HOOK_TOOL: &str = r#"#!/bin/sh
tool=$(basename "$0")
{ printf '%s' "$tool"; for a in "$@"; do printf '\t%s' "$a"; done; printf '\n'; } >> "$FAKE_JUJU/calls"
case "$tool" in
  is-leader) echo true ;;
  config-get) printf '%s\n' "$FAKE_CONFIG" ;;
  action-get) printf '%s\n' "${FAKE_ACTION_PARAMS:-{\}}" ;;
  status-set) if [ -n "$FAKE_STATUS_SET_FAILS" ]; then echo "ERROR connection refused" >&2; exit 1; fi ;;
esac
"#;

/// Records a workload command's call, as `HOOK_TOOL` does.
const RECORD: &str = r#"{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\t%s' "$a"; done; printf '\n'; } >> "$FAKE_JUJU/calls""#;

/// `apt-get install` "installs" tinyproxy by leaving a mark.
const APT_GET: &str = r#"case "$1" in
  install) touch "$FAKE_JUJU/installed" ;;
  remove) rm -f "$FAKE_JUJU/installed" ;;
esac
"#;

/// `dpkg-query --show --showformat=${Status}|${Version} tinyproxy`.
const DPKG_QUERY: &str = r#"[ -f "$FAKE_JUJU/installed" ] || { echo "dpkg-query: no packages found matching $3" >&2; exit 1; }
case "$2" in
  *Status*) printf 'install ok installed' ;;
  *Version*) printf '1.11.0-1' ;;
esac
"#;

/// `systemctl is-active|start|stop|reload-or-restart tinyproxy`.
const SYSTEMCTL: &str = r#"case "$1" in
  is-active) [ -f "$FAKE_JUJU/running" ] || exit 3 ;;
  start|reload-or-restart) touch "$FAKE_JUJU/running" ;;
  stop) rm -f "$FAKE_JUJU/running" ;;
esac
"#;

impl Juju {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("tinyproxy-process-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        for tool in ops_runtime::hook_tools::TOOL_NAMES {
            write_executable(&dir.join("bin").join(tool), HOOK_TOOL);
        }
        for (command, body) in [
            ("apt-get", APT_GET),
            ("dpkg-query", DPKG_QUERY),
            ("systemctl", SYSTEMCTL),
        ] {
            write_executable(
                &dir.join("bin").join(command),
                &format!("#!/bin/sh\n{RECORD}\n{body}"),
            );
        }
        Self { dir }
    }

    /// Runs the charm for `hook`, returning its exit code.
    fn run(&self, dispatch_path: &str, extra_env: &[(&str, &str)]) -> i32 {
        let path = format!("{}:/usr/bin:/bin", self.dir.join("bin").display());
        let mut command = Command::new(env!("CARGO_BIN_EXE_tinyproxy"));
        command
            .env_clear()
            .env("PATH", path)
            .env("FAKE_JUJU", &self.dir)
            .env("FAKE_CONFIG", r#"{"slug": "example"}"#)
            .env("JUJU_DISPATCH_PATH", dispatch_path)
            .env("JUJU_HOOK_NAME", dispatch_path.trim_start_matches("hooks/"))
            .env("JUJU_UNIT_NAME", "tinyproxy/0")
            .env("JUJU_MODEL_NAME", "test")
            .env("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000")
            .env("JUJU_VERSION", "3.6.4")
            .env("JUJU_CHARM_DIR", &self.dir);
        for (k, v) in extra_env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        output.status.code().unwrap_or(-1)
    }

    /// The calls recorded since the last `take_calls`, one `Vec` of argv each.
    fn take_calls(&self) -> Vec<Vec<String>> {
        let file = self.dir.join("calls");
        let text = fs::read_to_string(&file).unwrap_or_default();
        let _ = fs::remove_file(&file);
        text.lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect()
    }
}

impl Drop for Juju {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn write_executable(path: &Path, body: &str) {
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn install_then_invalid_config() {
    let juju = Juju::new("lifecycle");

    assert_eq!(juju.run("hooks/install", &[]), 0);
    assert_eq!(
        juju.take_calls(),
        vec![
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Status}",
                "tinyproxy"
            ]),
            argv(&["apt-get", "update"]),
            argv(&["apt-get", "install", "-y", "tinyproxy=1.11.0-1"]),
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Version}",
                "tinyproxy"
            ]),
            argv(&["application-version-set", "--", "1.11.0"]),
            argv(&["config-get", "--format=json"]),
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Status}",
                "tinyproxy"
            ]),
            argv(&["systemctl", "is-active", "--quiet", "tinyproxy"]),
            argv(&[
                "status-set",
                "--application=false",
                "maintenance",
                "--",
                "Waiting for tinyproxy to start"
            ]),
        ]
    );

    // Two handlers read the typed config (configure, skipped as the slug is
    // invalid, and collect-status): one config-get.
    assert_eq!(
        juju.run(
            "hooks/config-changed",
            &[("FAKE_CONFIG", r#"{"slug": "foo_bar"}"#)]
        ),
        0
    );
    assert_eq!(
        juju.take_calls(),
        vec![
            argv(&["config-get", "--format=json"]),
            argv(&[
                "juju-log",
                "--log-level",
                "WARNING",
                "--",
                "skipping handler `configure`: invalid config: option `slug` has an invalid value `foo_bar`: Invalid slug: 'foo_bar'. Slug must match the regex [a-z0-9-]+",
            ]),
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Status}",
                "tinyproxy"
            ]),
            argv(&["systemctl", "is-active", "--quiet", "tinyproxy"]),
            argv(&[
                "status-set",
                "--application=false",
                "blocked",
                "--",
                "Invalid slug: 'foo_bar'. Slug must match the regex [a-z0-9-]+",
            ]),
        ]
    );
}

#[test]
fn an_unhandled_hook_only_collects_status() {
    let juju = Juju::new("unhandled");
    assert_eq!(juju.run("hooks/leader-elected", &[]), 0);
    let calls = juju.take_calls();
    assert_eq!(calls[0], argv(&["config-get", "--format=json"]));
    // Then the workload's state (dpkg-query, systemctl) and status-set.
    assert_eq!(calls.len(), 4, "{calls:?}");
}

#[test]
fn a_malformed_environment_fails_with_a_logged_error() {
    let juju = Juju::new("malformed");
    let code = juju.run(
        "hooks/db-relation-changed",
        &[
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:x"),
            ("JUJU_REMOTE_APP", "pg"),
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        juju.take_calls(),
        vec![argv(&[
            "juju-log",
            "--log-level",
            "ERROR",
            "--",
            "cannot read the Juju context: `JUJU_RELATION_ID` has an invalid value `db:x`: expected `<endpoint>:<number>` or a number",
        ])]
    );
}

#[test]
fn a_failing_hook_tool_fails_the_hook() {
    let juju = Juju::new("failing-tool");
    assert_eq!(
        juju.run("hooks/update-status", &[("FAKE_STATUS_SET_FAILS", "1")]),
        1
    );
    let calls = juju.take_calls();
    let log = calls.last().unwrap();
    assert_eq!(log[..4], argv(&["juju-log", "--log-level", "ERROR", "--"]));
    assert_eq!(
        log[4],
        "cannot set the status collected after `update-status`: hook tool `status-set` failed (exit code 1): ERROR connection refused"
    );
}

#[test]
fn the_describe_action_sends_its_results_with_action_set() {
    let juju = Juju::new("action");
    fs::write(juju.dir.join("installed"), "").unwrap();
    let code = juju.run(
        "actions/describe",
        &[
            ("JUJU_HOOK_NAME", ""),
            ("JUJU_ACTION_NAME", "describe"),
            ("JUJU_ACTION_UUID", "42"),
            ("FAKE_ACTION_PARAMS", r#"{"include-config": false}"#),
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(
        juju.take_calls(),
        vec![
            argv(&["action-get", "--format=json"]),
            argv(&["config-get", "--format=json"]),
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Status}",
                "tinyproxy"
            ]),
            argv(&["action-log", "--", "collecting tinyproxy's state"]),
            argv(&["systemctl", "is-active", "--quiet", "tinyproxy"]),
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Version}",
                "tinyproxy"
            ]),
            argv(&[
                "action-set",
                "proxy.port=8000",
                "proxy.slug=example",
                "workload.running=false",
                "workload.version=1.11.0"
            ]),
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Status}",
                "tinyproxy"
            ]),
            argv(&["systemctl", "is-active", "--quiet", "tinyproxy"]),
            argv(&[
                "status-set",
                "--application=false",
                "maintenance",
                "--",
                "Waiting for tinyproxy to start"
            ]),
        ]
    );
}

#[test]
fn a_failing_action_calls_action_fail_and_exits_0() {
    let juju = Juju::new("action-fail");
    let code = juju.run(
        "actions/describe",
        &[
            ("JUJU_HOOK_NAME", ""),
            ("JUJU_ACTION_NAME", "describe"),
            ("JUJU_ACTION_UUID", "43"),
        ],
    );
    assert_eq!(code, 0);
    let calls = juju.take_calls();
    assert!(
        calls.contains(&argv(&["action-fail", "--", "tinyproxy is not installed"])),
        "{calls:?}"
    );
}
