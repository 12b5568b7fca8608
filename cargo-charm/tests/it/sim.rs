//! `cargo charm sim` on the examples: each charm's debug build runs as
//! `dispatch`, one process per event, with `cargo-charm` itself as the hook
//! tools and, for httpbin, an emulated Pebble behind its container's socket.
//!
//! The debug build goes to `target/sim-tests` under the workspace, so that it is
//! compiled once and reused. tinyproxy's workload runs `apt-get` and `tinyproxy`
//! from PATH: a fake `apt-get` in an `--extra-path` directory "installs" a fake
//! `tinyproxy` that prints its version. The slug stays invalid whenever `start` or
//! `config-changed` run, so that the charm never writes `/etc/tinyproxy` on the
//! machine running the tests.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const TINYPROXY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/tinyproxy");
const HTTPBIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/httpbin");
const SLUG_MESSAGE: &str = "Invalid slug: 'Not_Valid'. Slug must match the regex [a-z0-9-]+";

const FAKE_APT_GET: &str = r#"#!/bin/sh
dir=$(dirname "$0")
case "$1" in
  install) printf '#!/bin/sh\necho "tinyproxy 1.11.0"\n' > "$dir/tinyproxy"; chmod +x "$dir/tinyproxy" ;;
  remove) rm -f "$dir/tinyproxy" ;;
esac
"#;

/// A scratch directory with the fake `apt-get` in `fakes/`.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-sim")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("fakes")).expect("create a scratch directory");
    let apt_get = dir.join("fakes/apt-get");
    fs::write(&apt_get, FAKE_APT_GET).expect("write the fake apt-get");
    fs::set_permissions(&apt_get, fs::Permissions::from_mode(0o755)).expect("chmod apt-get");
    dir
}

fn sim(dir: &Path, args: &[&str]) -> Output {
    sim_charm(
        TINYPROXY,
        &["--extra-path", &dir.join("fakes").to_string_lossy()],
        args,
    )
}

fn sim_charm(charm: &str, setup: &[&str], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .arg("sim")
        .arg(charm)
        .args(setup)
        .args(args)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(WORKSPACE).join("target/sim-tests"),
        )
        .output()
        .expect("run cargo-charm")
}

fn final_state(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "sim failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints the model as JSON")
}

/// `names`, each with exit code 0: what `events` gives for a run where every
/// hook succeeded.
fn succeeded(names: &[&str]) -> Vec<(String, i64)> {
    names.iter().map(|name| ((*name).to_owned(), 0)).collect()
}

/// Writes `steps` as `scenario.yaml` in `dir` and returns its path, for `--scenario`.
fn scenario_file(dir: &Path, steps: &str) -> String {
    let path = dir.join("scenario.yaml");
    fs::write(&path, steps).expect("write the scenario");
    path.to_string_lossy().into_owned()
}

fn events(state: &Value) -> Vec<(String, i64)> {
    state["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|record| {
            (
                record["event"].as_str().unwrap_or_default().to_owned(),
                record["exit_code"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[test]
fn lifecycle_with_an_invalid_slug() {
    let dir = scratch("lifecycle");
    let output = sim(&dir, &["--config", "slug=Not_Valid", "--json"]);
    let state = final_state(&output);
    assert_eq!(
        events(&state),
        succeeded(&[
            "install",
            "leader-elected",
            "config-changed",
            "start",
            "update-status",
        ])
    );
    assert_eq!(state["unit"], "tinyproxy/0");
    assert_eq!(state["leader"], true);
    assert_eq!(state["config"]["slug"], "Not_Valid");
    assert_eq!(state["workload_version"], "1.11.0");
    assert_eq!(state["unit_status"]["status"], "blocked");
    assert_eq!(state["unit_status"]["message"], SLUG_MESSAGE);
    // Every event ran hook tools (at least collect-status's config-get and status-set).
    for record in state["history"].as_array().into_iter().flatten() {
        assert!(record["hook_tool_calls"].as_u64() >= Some(1), "{record}");
    }
    // The per-event lines went to stderr, since stdout holds the JSON.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("install")
            && stderr.contains("exit 0")
            && stderr.contains("hook-tool calls"),
        "{stderr}"
    );
    assert!(
        dir.join("fakes/tinyproxy").is_file(),
        "the fake apt-get installed tinyproxy"
    );
}

#[test]
fn scenario_with_an_action_and_a_config_change() {
    let dir = scratch("scenario");
    let scenario_arg = scenario_file(
        &dir,
        "- event: install\n\
         - event: leader-elected\n\
         - relation-joined: {endpoint: website, remote_app: frontend, remote_unit: frontend/0}\n\
         - action: {name: describe, params: {include-config: false}}\n\
         - event: config-changed\n  config: {slug: Not_Valid}\n\
         - event: update-status\n\
         - event: stop\n",
    );
    let state = final_state(&sim(&dir, &["--scenario", &scenario_arg, "--json"]));
    assert_eq!(
        events(&state),
        succeeded(&[
            "install",
            "leader-elected",
            "website-relation-created",
            "website-relation-joined",
            "website-relation-changed",
            "describe-action",
            "config-changed",
            "update-status",
            "stop",
        ])
    );
    assert_eq!(state["workload_version"], "1.11.0");
    assert_eq!(state["unit_status"]["status"], "blocked");
    assert_eq!(state["unit_status"]["message"], SLUG_MESSAGE);
    let website = &state["relations"][0];
    assert_eq!(website["endpoint"], "website");
    assert_eq!(
        website["remote_units"],
        serde_json::json!({"frontend/0": {}})
    );
    assert_eq!(website["local_unit_data"]["hostname"], "10.0.0.10");
    assert_eq!(website["local_unit_data"]["port"], "8000");
    let actions = state["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 1);
    let describe = &actions[0];
    assert_eq!(describe["name"], "describe");
    assert_eq!(describe["status"], "completed");
    assert_eq!(
        describe["params"],
        serde_json::json!({"include-config": false})
    );
    assert_eq!(
        describe["results"],
        serde_json::json!({
            "proxy": {"slug": "example", "port": "8000"},
            "workload": {"running": "false", "version": "1.11.0"},
        })
    );
    assert_eq!(
        describe["log"],
        serde_json::json!(["collecting tinyproxy's state"])
    );
}

#[test]
fn a_failing_hook_stops_the_run_and_shows_the_charms_log() {
    // Without the fake apt-get, install fails: the real one is missing or refuses.
    let dir = scratch("failing");
    fs::remove_file(dir.join("fakes/apt-get")).expect("remove the fake apt-get");
    fs::write(
        dir.join("fakes/apt-get"),
        "#!/bin/sh\necho 'E: Could not open lock file' >&2\nexit 100\n",
    )
    .expect("write a failing apt-get");
    fs::set_permissions(dir.join("fakes/apt-get"), fs::Permissions::from_mode(0o755))
        .expect("chmod apt-get");
    let output = sim(&dir, &["--config", "slug=Not_Valid"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.starts_with("install"), "{stdout}");
    assert!(stdout.contains("exit 1"), "{stdout}");
    assert!(!stdout.contains("leader-elected"), "{stdout}");
    assert!(stderr.contains("juju-log ERROR"), "{stderr}");
    assert!(stderr.contains("Could not open lock file"), "{stderr}");
    assert!(stderr.contains("the `install` hook failed"), "{stderr}");
}

#[test]
fn hook_tools_outside_sim_say_so() {
    let dir = scratch("tool");
    let link = dir.join("config-get");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cargo-charm"), &link).expect("symlink");
    let output = Command::new(&link)
        .arg("--format=json")
        .env_remove("OPS_SIM_STATE")
        .output()
        .expect("run config-get");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cargo charm sim"));
}

/// The service httpbin's layer runs, as the final JSON shows it.
fn httpbin_service(state: &Value) -> &Value {
    &state["containers"]["httpbin"]["plan"]["services"]["httpbin"]
}

#[test]
fn httpbin_lifecycle_starts_the_service_at_pebble_ready() {
    let output = sim_charm(HTTPBIN, &[], &["--json"]);
    let state = final_state(&output);
    assert_eq!(
        events(&state),
        succeeded(&[
            "install",
            "leader-elected",
            "config-changed",
            "start",
            "httpbin-pebble-ready",
            "update-status",
        ])
    );
    // Before pebble-ready the socket is not there: config-changed waits.
    let history = state["history"].as_array().expect("history");
    assert_eq!(
        history[2]["unit_status"],
        serde_json::json!({"status": "maintenance", "message": "Waiting for Pebble in workload container"})
    );
    assert!(
        state["log"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|line| line["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Unable to connect to Pebble"))),
        "{}",
        state["log"]
    );
    // Only the charm's own records reach juju-log, not its HTTP stack's.
    let messages: Vec<&str> = state["log"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|line| line["message"].as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1], "Added updated layer 'httpbin' to Pebble plan");
    assert_eq!(
        state["unit_status"],
        serde_json::json!({"status": "active", "message": ""})
    );
    let container = &state["containers"]["httpbin"];
    assert_eq!(container["ready"], true);
    assert_eq!(container["services"]["httpbin"], "active");
    let service = httpbin_service(&state);
    assert_eq!(
        service["command"],
        "gunicorn -b 0.0.0.0:80 httpbin:app -k gevent"
    );
    assert_eq!(
        service["environment"]["GUNICORN_CMD_ARGS"],
        "--log-level info"
    );
}

#[test]
fn httpbin_scenario_with_a_relation_an_action_and_a_config_change() {
    let dir = scratch("httpbin-scenario");
    let scenario_arg = scenario_file(
        &dir,
        "- event: install\n\
         - action: restart\n\
         - pebble-ready: httpbin\n\
         - relation-joined: {endpoint: website, remote_app: proxy, remote_unit: proxy/0}\n\
         - action: restart\n\
         - event: config-changed\n  config: {log-level: DEBUG}\n\
         - relation-broken: {endpoint: website}\n",
    );
    let output = sim_charm(HTTPBIN, &[], &["--scenario", &scenario_arg, "--json"]);
    let state = final_state(&output);
    assert_eq!(
        events(&state),
        // An action that fails still exits 0: Juju marks the action failed.
        succeeded(&[
            "install",
            "restart-action",
            "httpbin-pebble-ready",
            "website-relation-created",
            "website-relation-joined",
            "website-relation-changed",
            "restart-action",
            "config-changed",
            "website-relation-broken",
        ])
    );
    let actions = state["actions"].as_array().expect("actions");
    assert_eq!(actions[0]["status"], "failed");
    assert_eq!(
        actions[0]["message"],
        "the workload container is not up yet: try again once it is ready"
    );
    assert_eq!(actions[1]["status"], "completed");
    assert_eq!(
        actions[1]["results"],
        serde_json::json!({"service": "httpbin", "running": "true"})
    );
    assert_eq!(actions[1]["log"], serde_json::json!(["restarting httpbin"]));
    // The relation is gone after relation-broken; what the charm published
    // shows in the history of the run before it.
    assert_eq!(state["relations"], serde_json::json!([]));
    assert_eq!(
        httpbin_service(&state)["environment"]["GUNICORN_CMD_ARGS"],
        "--log-level debug"
    );
    assert_eq!(
        state["containers"]["httpbin"]["services"]["httpbin"],
        "active"
    );
    assert_eq!(state["unit_status"]["status"], "active");
}

#[test]
fn httpbin_publishes_its_address_to_website_clients() {
    let dir = scratch("httpbin-website");
    let scenario_arg = scenario_file(
        &dir,
        "- pebble-ready: httpbin\n\
         - relation-joined: {endpoint: website, remote_app: proxy, remote_unit: proxy/0}\n",
    );
    let state = final_state(&sim_charm(
        HTTPBIN,
        &[],
        &["--scenario", &scenario_arg, "--json"],
    ));
    let relation = &state["relations"][0];
    assert_eq!(relation["endpoint"], "website");
    assert_eq!(relation["remote_app"], "proxy");
    assert_eq!(relation["local_unit_data"]["hostname"], "10.0.0.10");
    assert_eq!(relation["local_unit_data"]["port"], "80");
}
