//! Every hook tool, run the way Juju runs a charm: the probe charm's binary with
//! `JUJU_*` variables and recording hook-tool executables on `PATH`. Each test
//! asserts the exact argv (and stdin) the charm sends and, through what the
//! charm logs, that it parsed the tool's real output format, error exits
//! included. The tools print what Juju prints: the fixtures of
//! `ops-runtime/src/hook_tools/process/juju_output.rs`, each taken from Juju's source.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;

#[path = "../../../ops-runtime/src/hook_tools/process/juju_output.rs"]
mod juju_output;

use juju_output as juju;

/// Records `tool<TAB>arg...` per call (a `key#file=PATH` argument is recorded as
/// `key#file=<content>`, and stdin, if any, as a trailing `<TAB>stdin=...`), then
/// prints `responses/<tool>`, or fails with `responses/<tool>.stderr` and the
/// exit code in `responses/<tool>.exit`. A tool with `.fail-with-r` fails only
/// when called with `-r`.
const FAKE_TOOL: &str = r#"#!/bin/sh
tool=$(basename "$0")
dir="$FAKE_JUJU"
line="$tool"
has_r=""
for a in "$@"; do
  case "$a" in
    *'#file='*) line="$line	${a%%#file=*}#file=<$(cat "${a#*#file=}")>" ;;
    /*/spec|/*/k8s-resources|*value-[0-9]) line="$line	<$(cat "$a")>" ;;
    *) line="$line	$a" ;;
  esac
  [ "$a" = "-r" ] && has_r=1
done
if [ "$tool" = relation-set ] || [ "$tool" = state-set ]; then
  line="$line	stdin=$(cat)"
fi
printf '%s\n' "$line" >> "$dir/calls"
# Tools whose answer depends on the arguments.
key="$tool"
case "$tool" in
  relation-list) case " $* " in *" --app "*) key="relation-list-app" ;; esac ;;
  relation-get) case " $* " in *" --app "*) key="relation-get-app" ;; esac ;;
  secret-get) case " $* " in *" --peek "*|*" --refresh "*) key="secret-get-latest" ;; esac ;;
  status-get) case " $* " in *" --application=true "*) key="status-get-app" ;; esac ;;
esac
if [ -f "$dir/responses/$key.exit" ] && { [ ! -f "$dir/responses/$key.fail-with-r" ] || [ -n "$has_r" ]; }; then
  cat "$dir/responses/$key.stderr" >&2
  exit "$(cat "$dir/responses/$key.exit")"
fi
[ -f "$dir/responses/$key" ] && cat "$dir/responses/$key"
exit 0
"#;

/// A fake Juju: recording hook tools on `PATH` and their canned answers.
pub(crate) struct Juju {
    dir: PathBuf,
}

impl Juju {
    pub(crate) fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ops-process-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("bin")).unwrap();
        fs::create_dir_all(dir.join("responses")).unwrap();
        let script = dir.join("fake-tool");
        fs::write(&script, FAKE_TOOL).unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        for tool in ops_runtime::hook_tools::TOOL_NAMES {
            std::os::unix::fs::symlink(&script, dir.join("bin").join(tool)).unwrap();
        }
        let juju = Self { dir };
        juju.respond("is-leader", juju::IS_LEADER);
        juju
    }

    /// What `tool` prints.
    pub(crate) fn respond(&self, tool: &str, output: &str) -> &Self {
        fs::write(self.dir.join("responses").join(tool), output).unwrap();
        self
    }

    /// Makes `tool` fail with `code` and `stderr`.
    fn fail(&self, tool: &str, code: i32, stderr: &str) -> &Self {
        fs::write(
            self.dir.join("responses").join(format!("{tool}.exit")),
            code.to_string(),
        )
        .unwrap();
        fs::write(
            self.dir.join("responses").join(format!("{tool}.stderr")),
            stderr,
        )
        .unwrap();
        self
    }

    /// Runs `hook` with `scenario` as the charm's config; returns the exit code
    /// and every call recorded.
    fn dispatch(&self, hook: &str, scenario: &str) -> (i32, Vec<Vec<String>>) {
        self.respond("config-get", &format!(r#"{{"scenario": "{scenario}"}}"#));
        let (code, calls, _) = self.exec(&format!("hooks/{hook}"), &[("JUJU_HOOK_NAME", hook)]);
        (code, calls)
    }

    /// Runs the charm as Juju would for `dispatch_path` (`hooks/install`,
    /// `actions/login`), with `env` beside the common `JUJU_*` variables; returns the
    /// exit code, every call recorded, and what the charm printed (stdout, then
    /// stderr), which is also passed on to the test's stderr.
    pub(crate) fn exec(
        &self,
        dispatch_path: &str,
        env: &[(&str, &str)],
    ) -> (i32, Vec<Vec<String>>, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_process-tests"))
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.dir.join("bin").display()),
            )
            .env("FAKE_JUJU", &self.dir)
            .env("JUJU_DISPATCH_PATH", dispatch_path)
            .env("JUJU_UNIT_NAME", "probe/0")
            .env("JUJU_MODEL_NAME", "test")
            .env("JUJU_MODEL_UUID", "6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10")
            .env("JUJU_VERSION", "3.6.4")
            .env("JUJU_CHARM_DIR", &self.dir)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        eprint!("{printed}");
        let text = fs::read_to_string(self.dir.join("calls")).unwrap_or_default();
        let _ = fs::remove_file(self.dir.join("calls"));
        let calls = text
            .lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect();
        (output.status.code().unwrap_or(-1), calls, printed)
    }

    /// Runs `hook` (with scenario `none`); returns the exit code and every call.
    fn run_hook(&self, hook: &str) -> (i32, Vec<Vec<String>>) {
        self.dispatch(hook, "none")
    }

    /// Runs config-changed with `scenario`; returns the exit code and the calls
    /// other than config-get, collect-status's and the final log line, plus that
    /// log line.
    fn run(&self, scenario: &str) -> (i32, Vec<Vec<String>>, String) {
        let (code, mut calls) = self.dispatch("config-changed", scenario);
        assert_eq!(calls.first().map(|c| c[0].as_str()), Some("config-get"));
        calls.remove(0);
        let log = match calls.last() {
            Some(last) if last[0] == "juju-log" => {
                calls.pop().map(|l| l[4].clone()).unwrap_or_default()
            }
            _ => String::new(),
        };
        (code, calls, log)
    }
}

impl Drop for Juju {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn argv(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn relation_tools() {
    let juju = Juju::new("relations");
    juju.respond("relation-ids", juju::RELATION_IDS)
        .respond("relation-list", juju::RELATION_LIST)
        .respond("relation-list-app", juju::RELATION_LIST_APP)
        .respond("relation-get", juju::RELATION_GET_UNIT)
        .respond("relation-get-app", juju::RELATION_GET_APP)
        .respond("relation-model-get", juju::RELATION_MODEL_GET);
    let (code, calls, log) = juju.run("relations");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&["relation-ids", "db", "--format=json"]),
            argv(&["relation-list", "--format=json", "-r", "db:1"]),
            argv(&["relation-list", "--format=json", "--app", "-r", "db:1"]),
            argv(&["relation-get", "--format=json", "-r", "db:1", "-", "pg/0"]),
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "relation-get",
                "--format=json",
                "-r",
                "db:1",
                "--app",
                "-",
                "probe"
            ]),
            argv(&["relation-model-get", "--format=json", "-r", "db:1"]),
        ]
    );
    assert_eq!(
        log,
        r#"[RelationRef { endpoint: "db", id: 1 }, RelationRef { endpoint: "db", id: 4 }] ["pg/0", "pg/1"] Some("pg") {"egress-subnets": "10.0.0.9/32", "ingress-address": "10.0.0.9", "private-address": "10.0.0.9"} {"database": "app", "port": "5432"} 0b7e2c4d-aaaa-4bbb-8ccc-123456789abc"#
    );
}

#[test]
fn relation_set_sends_the_keys_asked_for_as_json_on_stdin_when_one_changes() {
    let juju = Juju::new("relation-set");
    juju.respond("relation-get", r#"{"port": "5432", "old": "x"}"#)
        .respond("relation-get-app", "{}");
    let (code, calls, _) = juju.run("relation-set");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&[
                "relation-get",
                "--format=json",
                "-r",
                "db:1",
                "-",
                "probe/0"
            ]),
            argv(&[
                "relation-set",
                "-r",
                "db:1",
                "--file",
                "-",
                // `port` holds its value already: sent with the rest, as ops
                // does. The next update changes nothing and sends nothing.
                r#"stdin={"host":"10.0.0.1","old":"","port":"5432"}"#
            ]),
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "relation-get",
                "--format=json",
                "-r",
                "db:1",
                "--app",
                "-",
                "probe"
            ]),
            argv(&[
                "relation-set",
                "-r",
                "db:1",
                "--app",
                "--file",
                "-",
                r#"stdin={"ready":"true"}"#
            ]),
        ]
    );
}

#[test]
fn an_unknown_relation_id_is_relation_not_found() {
    let juju = Juju::new("relation-not-found");
    juju.fail(
        "relation-get",
        2,
        "ERROR invalid value \"db:9\" for option -r: relation not found\n",
    );
    let (code, calls, log) = juju.run("relation-not-found");
    assert_eq!(code, 0);
    assert_eq!(
        calls,
        vec![argv(&[
            "relation-get",
            "--format=json",
            "-r",
            "db:9",
            "-",
            "probe/0"
        ])]
    );
    assert_eq!(
        log,
        "not found: ERROR invalid value \"db:9\" for option -r: relation not found"
    );
}

#[test]
fn secret_add_passes_values_through_files() {
    let juju = Juju::new("secret-add");
    juju.respond("secret-add", juju::SECRET_ADD);
    let (code, calls, log) = juju.run("secret-add");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "secret-add",
                "--label",
                "db-admin",
                "--description",
                "database admin",
                "--expire",
                "2026-11-18T11:06:40Z",
                "--rotate",
                "weekly",
                "--owner",
                "application",
                "password#file=<hunter2>",
                "username#file=<admin>",
            ]),
        ]
    );
    // `secret:<id>` is canonical already; only bare ids gain the model's UUID.
    assert_eq!(log, r#"Some("secret:9m4e2mr0ui3e8a215n4g")"#);
}

#[test]
fn secret_reads() {
    let juju = Juju::new("secret-read");
    juju.respond("secret-get", juju::SECRET_GET)
        .respond("secret-get-latest", juju::SECRET_GET_LATEST)
        .respond("secret-info-get", juju::SECRET_INFO_GET);
    let (code, calls, log) = juju.run("secret-read");
    assert_eq!(code, 0, "{calls:?}");
    let id = "secret://6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10/cs0001";
    assert_eq!(
        calls,
        vec![
            argv(&["secret-get", "--format=json", id, "--label", "db-admin"]),
            argv(&[
                "secret-get",
                "--format=json",
                id,
                "--label",
                "db-admin",
                "--peek"
            ]),
            argv(&[
                "secret-get",
                "--format=json",
                id,
                "--label",
                "db-admin",
                "--refresh"
            ]),
            argv(&["secret-info-get", "--format=json", "secret:cs0001"]),
        ]
    );
    assert_eq!(
        log,
        r#"Some("old") Some("new") Some("new") 666 Some("label") Some(Hourly)"#
    );
    // A secret without a label: Juju writes `"label": ""`, which is no label.
    juju.respond("secret-info-get", juju::SECRET_INFO_GET_FULL);
    let (code, calls, log) = juju.run("secret-read");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        log,
        r#"Some("old") Some("new") Some("new") 2 None Some(Weekly)"#
    );
}

#[test]
fn secret_management() {
    let juju = Juju::new("secret-manage");
    juju.respond("secret-get", juju::SECRET_GET)
        .respond("secret-ids", juju::SECRET_IDS);
    let (code, calls, log) = juju.run("secret-manage");
    assert_eq!(code, 0, "{calls:?}");
    let id = "secret:cs0001";
    assert_eq!(
        calls,
        vec![
            argv(&["secret-get", "--format=json", id]),
            argv(&["secret-set", id, "password#file=<n3w>"]),
            argv(&["secret-set", id, "--description", "rotated"]),
            argv(&["secret-grant", "--relation", "1", id]),
            argv(&["secret-grant", "--relation", "1", "--unit", "pg/0", id]),
            argv(&["secret-revoke", "--relation", "1", "--unit", "pg/0", id]),
            argv(&["secret-remove", id, "--revision", "3"]),
            argv(&["secret-remove", id]),
            argv(&["secret-ids", "--format=json"]),
        ]
    );
    // Juju prints bare ids; the charm sees them with the model's UUID.
    assert_eq!(
        log,
        r#"["secret://6f1a3e2c-0c1d-4f3b-9a57-1b9e6c2d7e10/9m4e2mr0ui3e8a215n4g"]"#
    );
}

#[test]
fn a_missing_secret_is_secret_not_found() {
    let juju = Juju::new("secret-not-found");
    juju.fail("secret-get", 1, "ERROR secret \"missing\" not found\n");
    let (code, calls, log) = juju.run("secret-not-found");
    assert_eq!(code, 0);
    assert_eq!(
        calls,
        vec![argv(&["secret-get", "--format=json", "--label", "missing"])]
    );
    assert_eq!(log, "not found: ERROR secret \"missing\" not found");
}

#[test]
fn storage_tools() {
    let juju = Juju::new("storage");
    juju.respond("storage-list", juju::STORAGE_LIST)
        .respond("storage-get", juju::STORAGE_GET);
    let (code, calls, log) = juju.run("storage");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&["storage-list", "--format=json", "data"]),
            argv(&["storage-get", "--format=json", "-s", "data/0"]),
            argv(&["storage-add", "data=2"]),
        ]
    );
    assert_eq!(
        log,
        r#"[StorageRef { name: "data", index: 0 }, StorageRef { name: "data", index: 3 }] filesystem /srv/data/0"#
    );
}

#[test]
fn resources_networks_goal_state_credentials_addresses_and_reboot() {
    let juju = misc_juju("misc", juju::NETWORK_GET);
    let (code, mut calls, log) = juju.run("misc");
    assert_eq!(code, 0, "{calls:?}");
    // Before juju-reboot, the restart is logged as a security event, at TRACE.
    let security = calls.remove(calls.len() - 2);
    assert_eq!(
        security[..4],
        argv(&["juju-log", "--log-level", "TRACE", "--"])
    );
    let event: serde_json::Value =
        serde_json::from_str(&security[4]).expect("the security event is JSON");
    assert_eq!(event["event"], "sys_restart:probe/0");
    assert_eq!(event["type"], "security");
    assert_eq!(
        calls,
        vec![
            argv(&["resource-get", "model-file"]),
            argv(&["network-get", "--format=json", "metrics"]),
            argv(&["network-get", "--format=json", "-r", "1", "db"]),
            argv(&["network-get", "--format=json", "db"]),
            argv(&["goal-state", "--format=json"]),
            argv(&["credential-get", "--format=json"]),
            argv(&["unit-get", "--format=json", "public-address"]),
            argv(&["juju-reboot"]),
        ]
    );
    assert_eq!(
        log,
        r#"/var/lib/juju/agents/unit-probe-0/resources/model-file/model.bin Some("10.33.1.8") Some("100.1.2.3") 2 openstack Some("userpass") 203.0.113.7"#
    );
}

/// A fake Juju for the probe's `misc` scenario, `network-get` printing `network`.
fn misc_juju(name: &str, network: &str) -> Juju {
    let juju = Juju::new(name);
    juju.respond("resource-get", juju::RESOURCE_GET)
        .respond("network-get", network)
        .respond("goal-state", juju::GOAL_STATE_SCALING)
        .respond("credential-get", juju::CREDENTIAL_GET)
        .respond("unit-get", juju::UNIT_GET);
    // network-get with -r fails as for a relation Juju no longer knows: retried without.
    juju.fail(
        "network-get",
        2,
        "ERROR invalid value \"1\" for option -r: relation not found\n",
    );
    fs::write(juju.dir.join("responses/network-get.fail-with-r"), "").unwrap();
    juju
}

#[test]
fn network_get_is_read_in_every_spelling_juju_prints() {
    for (name, network, addresses) in [
        (
            "network-json",
            juju::NETWORK_GET,
            r#"Some("10.33.1.8") Some("100.1.2.3")"#,
        ),
        (
            "network-both",
            juju::NETWORK_GET_BOTH_SPELLINGS,
            r#"Some("10.33.1.8") Some("100.1.2.3")"#,
        ),
        (
            "network-legacy",
            juju::NETWORK_GET_LEGACY,
            r#"Some("10.10.0.23") None"#,
        ),
        (
            "network-no-addresses",
            juju::NETWORK_GET_NO_ADDRESSES,
            r#"None Some("10.152.183.7")"#,
        ),
    ] {
        let juju = misc_juju(name, network);
        let (code, calls, log) = juju.run("misc");
        assert_eq!(code, 0, "{name}: {calls:?}");
        assert!(log.contains(addresses), "{name}: {log}");
    }
}

#[test]
fn reboot_now_ends_the_hook_once_juju_has_the_request() {
    let juju = Juju::new("reboot-now");
    let (code, calls, _) = juju.run("reboot-now");
    assert_eq!(code, 0, "{calls:?}");
    let last = calls.last().expect("calls");
    assert_eq!(last, &argv(&["juju-reboot", "--now"]));
    assert!(
        !calls
            .iter()
            .any(|call| call[0] == "application-version-set"),
        "{calls:?}"
    );
}

#[test]
fn port_tools() {
    let juju = Juju::new("ports");
    juju.respond("opened-ports", juju::OPENED_PORTS);
    let (code, calls, _) = juju.run("ports");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&["opened-ports", "--format=json"]),
            argv(&["close-port", "22/tcp"]),
            argv(&["open-port", "9000-9010/udp"]),
        ]
    );
}

#[test]
fn status_tools() {
    let juju = Juju::new("status");
    juju.respond("status-get", juju::STATUS_GET_UNIT)
        .respond("status-get-app", juju::STATUS_GET_APP);
    let (code, calls, log) = juju.run("status");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=false"
            ]),
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=true"
            ]),
            argv(&[
                "status-set",
                "--application=true",
                "waiting",
                "--",
                "for peers"
            ]),
        ]
    );
    assert_eq!(log, "active: ready | waiting: 2 units");
    // Where the context has no status, Juju prints the bare name `unknown`.
    juju.respond("status-get", juju::STATUS_GET_NOT_IMPLEMENTED)
        .respond("status-get-app", juju::STATUS_GET_NOT_IMPLEMENTED);
    let (code, calls, log) = juju.run("status");
    assert_eq!(code, 0, "{calls:?}");
    assert!(log.starts_with("unknown"), "{log}");
}

#[test]
fn malformed_tool_output_fails_the_hook_with_a_clear_error() {
    let juju = Juju::new("bad-output");
    juju.respond("relation-ids", "not json");
    let (code, _, log) = juju.run("relations");
    assert_eq!(code, 1);
    assert!(
        log.contains("hook tool `relation-ids` printed output that cannot be read"),
        "{log}"
    );
}

#[test]
fn a_tool_that_prints_without_end_is_cut_off() {
    let juju = Juju::new("huge-output");
    // One byte past the limit: the tool is stopped and nothing is parsed.
    let huge = format!(
        "[{}]",
        "\"db:1\",".repeat(ops_runtime::hook_tools::MAX_TOOL_OUTPUT / 7)
    );
    juju.respond("relation-ids", &huge);
    let (code, _, log) = juju.run("relations");
    assert_eq!(code, 1);
    assert!(
        log.contains("hook tool `relation-ids` printed more than 16 MiB"),
        "{log}"
    );
}

#[test]
fn controller_state_tools() {
    let juju = Juju::new("controller-state");
    juju.respond("state-get", juju::STATE_GET);
    let (code, calls, log) = juju.run("controller-state");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&[
                "state-set",
                "--file",
                "-",
                r#"stdin={"counter":"{\"n\": 1}"}"#
            ]),
            argv(&["state-get", "--format=json", "counter"]),
            argv(&["state-delete", "counter"]),
        ]
    );
    assert_eq!(log, r#"Some("{\"n\": 1}")"#);
    // A key never set: Juju 3 prints the empty string, Juju 4 `null`.
    for missing in [juju::STATE_GET_MISSING, juju::STATE_GET_NULL] {
        juju.respond("state-get", missing);
        let (code, calls, log) = juju.run("controller-state");
        assert_eq!(code, 0, "{calls:?}");
        assert_eq!(log, "None", "{missing}");
    }
}

#[test]
fn pod_spec_set_passes_the_spec_in_a_file() {
    let juju = Juju::new("pod-spec");
    let (code, calls, _) = juju.run("pod-spec");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "pod-spec-set",
                "--file",
                r#"<{"version":3,"containers":[{"name":"app"}]}>"#
            ]),
        ]
    );
}

#[test]
fn add_metric_in_collect_metrics_and_no_collect_status_there() {
    let juju = Juju::new("metrics");
    let (code, calls) = juju.run_hook("collect-metrics");
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(
        calls,
        vec![argv(&[
            "add-metric",
            "--labels",
            "region=eu",
            "requests=42",
            "latency-ms=1.5"
        ])]
    );
}
