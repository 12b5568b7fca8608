//! `cargo charm sim` on the examples: each charm's debug build runs as
//! `dispatch`, one process per event, with `cargo-charm` itself as the hook
//! tools and, for httpbin, an emulated Pebble behind its container's socket.
//!
//! The debug build goes to `target/sim-tests` under the workspace, so that it is
//! compiled once and reused. tinyproxy's workload commands (`apt-get`,
//! `dpkg-query`, `systemctl`) are `sim`'s built-in fakes, and it writes
//! tinyproxy.conf under `OPS_SIM_MACHINE_ROOT`: nothing here installs, starts or
//! writes anything on the machine running the tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const TINYPROXY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/tinyproxy");
const HTTPBIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/httpbin");

/// An empty scratch directory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-sim")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn sim(args: &[&str]) -> Output {
    sim_charm(TINYPROXY, &[], args)
}

fn sim_charm(charm: &str, setup: &[&str], args: &[&str]) -> Output {
    crate::cargo_charm_command()
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

/// The workload commands recorded in `event`, each as its argv.
fn commands_in(state: &Value, event: &str) -> Vec<Vec<String>> {
    state["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter(|call| call["kind"] == "command" && call["event"] == event)
        .map(|call| {
            call["argv"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|arg| arg.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .collect()
}

fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| (*word).to_owned()).collect()
}

#[test]
fn tinyproxy_lifecycle_runs_on_the_fakes_without_touching_the_machine() {
    let etc_before = Path::new("/etc/tinyproxy").exists();
    let output = sim(&["--json", "-v"]);
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
    assert_eq!(state["workload_version"], "1.11.0");
    assert_eq!(
        state["unit_status"],
        serde_json::json!({"status": "active", "message": ""})
    );
    assert_eq!(state["machine"]["packages"]["tinyproxy"], "1.11.0-1");
    assert_eq!(state["machine"]["services"]["tinyproxy"]["active"], true);
    assert_eq!(
        commands_in(&state, "install"),
        [
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
            argv(&[
                "dpkg-query",
                "--show",
                "--showformat=${Status}",
                "tinyproxy"
            ]),
            argv(&["systemctl", "is-active", "--quiet", "tinyproxy"]),
        ]
    );
    assert!(
        commands_in(&state, "config-changed").contains(&argv(&["systemctl", "start", "tinyproxy"])),
        "{}",
        state["calls"]
    );
    // -v lists each event's calls under its line (on stderr, as stdout holds the JSON).
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "  command   apt-get install -y tinyproxy=1.11.0-1\n",
        "  command   systemctl is-active --quiet tinyproxy  -> exit 3\n",
        "  hook-tool application-version-set -- 1.11.0\n",
        "  command   systemctl start tinyproxy\n",
        "  hook-tool config-get --format=json\n",
    ] {
        assert!(stderr.contains(expected), "{expected:?} in:\n{stderr}");
    }
    if !etc_before {
        assert!(
            !Path::new("/etc/tinyproxy").exists(),
            "tinyproxy.conf went under OPS_SIM_MACHINE_ROOT, not /etc"
        );
    }
}

#[test]
fn tinyproxy_scenario_with_a_relation_an_action_a_config_change_and_removal() {
    let dir = scratch("scenario");
    let scenario_arg = scenario_file(
        &dir,
        "- event: install\n\
         - event: leader-elected\n\
         - event: start\n\
         - relation-joined: {endpoint: website, remote_app: frontend, remote_unit: frontend/0}\n\
         - action: {name: describe, params: {include-config: true}}\n\
         - event: config-changed\n  config: {slug: foo}\n\
         - event: config-changed\n  config: {slug: Not_Valid}\n\
         - event: update-status\n\
         - event: stop\n\
         - event: remove\n",
    );
    let state = final_state(&sim(&["--scenario", &scenario_arg, "--json"]));
    assert_eq!(
        events(&state),
        succeeded(&[
            "install",
            "leader-elected",
            "start",
            "website-relation-created",
            "website-relation-joined",
            "website-relation-changed",
            "describe-action",
            "config-changed",
            "config-changed",
            "update-status",
            "stop",
            "remove",
        ])
    );
    assert_eq!(state["workload_version"], "1.11.0");
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
    assert_eq!(describe["status"], "completed");
    assert_eq!(
        describe["results"]["workload"],
        serde_json::json!({"running": "true", "version": "1.11.0"})
    );
    let config = describe["results"]["config"].as_str().unwrap_or_default();
    assert!(
        config.contains("ReversePath \"/example/\" \"http://www.example.com/\""),
        "{config}"
    );
    // A new slug while tinyproxy runs reloads it; an invalid one blocks and
    // changes nothing.
    let history = state["history"].as_array().expect("history");
    assert_eq!(
        history[8]["unit_status"],
        serde_json::json!({"status": "blocked", "message": "Invalid slug: 'Not_Valid'. Slug must match the regex [a-z0-9-]+"})
    );
    let calls = state["calls"].to_string();
    assert!(
        calls.contains(r#"["systemctl","reload-or-restart","tinyproxy"]"#),
        "{calls}"
    );
    assert!(
        calls.contains(r#"["systemctl","stop","tinyproxy"]"#),
        "{calls}"
    );
    assert!(
        calls.contains(r#"["apt-get","remove","-y","tinyproxy"]"#),
        "{calls}"
    );
    // Removal left neither the package nor a running service.
    assert_eq!(state["machine"]["packages"], Value::Null);
    assert_eq!(state["machine"]["services"]["tinyproxy"]["active"], false);
}

#[test]
fn a_failing_hook_stops_the_run_and_shows_the_charms_log() {
    // A scripted apt-get fails install, as a held dpkg lock would.
    let dir = scratch("failing");
    let scenario_arg = scenario_file(
        &dir,
        "- commands:\n    apt-get install: {stderr: \"E: Could not open lock file\\n\", exit: 100}\n\
         - event: install\n\
         - event: leader-elected\n",
    );
    let output = sim(&["--scenario", &scenario_arg]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.starts_with("install"), "{stdout}");
    assert!(stdout.contains("exit 1"), "{stdout}");
    assert!(!stdout.contains("leader-elected"), "{stdout}");
    // Without -v, the failing hook's log still shows.
    assert!(stderr.contains("juju-log ERROR"), "{stderr}");
    assert!(stderr.contains("Could not open lock file"), "{stderr}");
    assert!(stderr.contains("the `install` hook failed"), "{stderr}");
}

#[test]
fn hook_tools_and_fakes_outside_sim_say_so() {
    let dir = scratch("tool");
    for name in ["config-get", "apt-get"] {
        let link = dir.join(name);
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cargo-charm"), &link).expect("symlink");
        let output = Command::new(&link)
            .arg("--format=json")
            .env_remove("OPS_SIM_STATE")
            .output()
            .expect("run the link");
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("cargo charm sim"),
            "{name}"
        );
    }
}

/// A charm that adds a secret, runs workload commands and reads an action's
/// parameter: every value starting `CANARY` is secret.
const VERBOSE_CHARM: &str = r#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    secret-add --label admin password=CANARY-content > "$JUJU_CHARM_DIR/admin" || exit 1
    apt-get install -y nginx
    systemctl is-active --quiet nginx || systemctl enable --now nginx
    useradd --system --password CANARY-hash web
    juju-log "nginx is $(systemctl is-active nginx)"
    ;;
  actions/rotate)
    new=$(action-get password)
    secret-set "$(cat "$JUJU_CHARM_DIR/admin")" "password=$new" || exit 1
    action-set done=true
    ;;
esac
"#;

/// Runs `cargo charm sim` on a script charm (`dispatch` in `dir`) with `args`.
fn sim_script(dir: &Path, charmcraft: &str, dispatch: &str, args: &[&str]) -> Output {
    let charm = dir.join("charm");
    fs::create_dir_all(&charm).expect("create the charm directory");
    fs::write(charm.join("charmcraft.yaml"), charmcraft).expect("write charmcraft.yaml");
    let script = dir.join("dispatch");
    fs::write(&script, dispatch).expect("write the script charm");
    crate::cargo_charm_command()
        .arg("sim")
        .arg(&charm)
        .arg("--prebuilt")
        .arg(&script)
        .args(args)
        .output()
        .expect("run cargo charm sim")
}

#[test]
fn verbose_shows_each_events_calls_and_hides_secrets() {
    let dir = scratch("verbose");
    let scenario = dir.join("scenario.yaml");
    fs::write(
        &scenario,
        "- event: install\n- action: {name: rotate, params: {password: CANARY-param}}\n",
    )
    .expect("write the scenario");
    let scenario = scenario.to_string_lossy().into_owned();
    let charmcraft = "name: demo\nsummary: s\ndescription: d\n\
                      actions:\n  rotate:\n    params:\n      password: {type: string}\n";
    let output = sim_script(
        &dir,
        charmcraft,
        VERBOSE_CHARM,
        &["-v", "--scenario", &scenario],
    );
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for expected in [
        "  hook-tool secret-add --label admin password=<redacted>\n",
        "  command   apt-get install -y nginx\n",
        "  command   systemctl is-active --quiet nginx  -> exit 3\n",
        "  command   systemctl enable --now nginx\n",
        "  command   useradd --system --password <redacted> web\n",
        "  command   systemctl is-active nginx\n",
        "  juju-log  INFO nginx is active\n",
        "  hook-tool action-get password\n",
        "  hook-tool action-set done=true\n",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in:\n{stdout}");
    }
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with("  hook-tool secret-set secret:")
                && line.ends_with(" password=<redacted>")),
        "{stdout}"
    );
    assert!(stdout.contains(", 5 workload commands"), "{stdout}");
    assert!(!stdout.contains("CANARY"), "{stdout}");
    assert!(!stderr.contains("CANARY"), "{stderr}");

    // --json records the calls, redacted the same way, and the simulated machine.
    let output = sim_script(
        &dir,
        charmcraft,
        VERBOSE_CHARM,
        &["--json", "--scenario", &scenario],
    );
    let model: Value = serde_json::from_slice(&output.stdout).expect("--json prints the model");
    let calls = model["calls"].to_string();
    assert!(
        calls.contains(r#"["useradd","--system","--password","<redacted>","web"]"#),
        "{calls}"
    );
    assert!(!calls.contains("CANARY"), "{calls}");
    assert_eq!(model["machine"]["packages"]["nginx"], "1.0-1sim");
    assert_eq!(
        model["machine"]["services"]["nginx"],
        serde_json::json!({"active": true, "enabled": true})
    );
    assert_eq!(model["machine"]["users"]["web"]["system"], true);
}

/// A charm that asks its workload's own program and the machine's services.
const SCRIPTED_CHARM: &str = r#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    juju-log "version: $(tinyproxy -v)"
    if systemctl is-active --quiet tinyproxy; then juju-log running; else juju-log stopped; fi
    apt-get update || juju-log "apt-get update failed: $?"
    ;;
esac
"#;

#[test]
fn a_scenario_scripts_workload_commands_and_on_host_runs_the_machines() {
    let dir = scratch("scripted");
    let scenario = dir.join("scenario.yaml");
    fs::write(
        &scenario,
        "- commands:\n    \
             tinyproxy -v: {stdout: \"tinyproxy 1.11.0\\n\"}\n    \
             systemctl is-active: {stdout: \"active\\n\"}\n    \
             apt-get update: {stderr: \"E: offline\\n\", exit: 100}\n\
         - event: install\n\
         - commands: {\"systemctl is-active\": null}\n\
         - event: install\n",
    )
    .expect("write the scenario");
    let scenario = scenario.to_string_lossy().into_owned();
    let charmcraft = "name: demo\nsummary: s\ndescription: d\n";
    let output = sim_script(
        &dir,
        charmcraft,
        SCRIPTED_CHARM,
        &["--json", "--scenario", &scenario],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let model: Value = serde_json::from_slice(&output.stdout).expect("--json prints the model");
    let log: Vec<&str> = model["log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|line| line["message"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        log,
        [
            "version: tinyproxy 1.11.0",
            "running",
            "apt-get update failed: 100",
            "version: tinyproxy 1.11.0",
            "stopped",
            "apt-get update failed: 100",
        ]
    );
    let via: Vec<&str> = model["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter_map(|call| call["via"].as_str())
        .collect();
    assert_eq!(
        via,
        ["script", "script", "script", "script", "fake", "script"]
    );

    // --on-host turns the fakes off and says so: `apt-get` is the one on PATH
    // (here a stand-in in an --extra-path directory); scripted answers still hold.
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).expect("create bin");
    let marker = dir.join("host-apt-get-ran");
    fs::write(
        bin.join("apt-get"),
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .expect("write the stand-in apt-get");
    fs::set_permissions(
        bin.join("apt-get"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod apt-get");
    fs::write(
        dir.join("scenario.yaml"),
        "- commands: {tinyproxy -v: {stdout: \"tinyproxy 1.11.0\\n\"}, systemctl: {exit: 3}}\n\
         - event: install\n",
    )
    .expect("write the scenario");
    let output = sim_script(
        &dir,
        charmcraft,
        SCRIPTED_CHARM,
        &[
            "--on-host",
            "--extra-path",
            &bin.to_string_lossy(),
            "--json",
            "--scenario",
            &scenario,
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("workload commands") && stderr.contains("run on this machine"),
        "{stderr}"
    );
    assert!(marker.is_file(), "the machine's apt-get ran");
    let model: Value = serde_json::from_slice(&output.stdout).expect("--json prints the model");
    assert_eq!(model["log"][0]["message"], "version: tinyproxy 1.11.0");
    assert_eq!(model["log"][1]["message"], "stopped");
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

#[test]
fn the_tutorial_charm_relates_to_a_database_the_sim_plays() {
    let charm = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/k8s-4-action");
    let scenario = format!("{charm}/scenario.yaml");
    let state = final_state(&sim_charm(charm, &[], &["--scenario", &scenario, "--json"]));
    let names: Vec<String> = events(&state).into_iter().map(|(name, _)| name).collect();
    assert!(
        events(&state).iter().all(|(_, code)| *code == 0),
        "{:?}",
        events(&state)
    );
    for event in [
        "database-relation-created",
        "database-relation-joined",
        "database-relation-changed",
        "get-db-info-action",
    ] {
        assert!(names.iter().any(|name| name == event), "{event}: {names:?}");
    }
    // The charm asked for its database, as the leader, in its application bag.
    let database = &state["relations"][0];
    assert_eq!(database["endpoint"], "database");
    assert_eq!(database["local_app_data"]["database"], "names_db");
    // It read the user from the secret the simulated PostgreSQL shared, and the
    // action reports where the database is.
    let actions = state["actions"].as_array().expect("actions");
    assert_eq!(actions[0]["status"], "completed");
    assert_eq!(
        actions[0]["results"],
        serde_json::json!({
            "db-host": "postgresql-k8s-primary.model.svc.cluster.local",
            "db-port": "5432",
        })
    );
}

#[test]
fn the_observed_tutorial_charm_relates_to_the_stack_the_sim_plays() {
    let charm = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/k8s-5-observe");
    let scenario = format!("{charm}/scenario.yaml");
    let state = final_state(&sim_charm(charm, &[], &["--scenario", &scenario, "--json"]));
    let names: Vec<String> = events(&state).into_iter().map(|(name, _)| name).collect();
    assert!(
        events(&state).iter().all(|(_, code)| *code == 0),
        "{:?}",
        events(&state)
    );
    for event in [
        "database-relation-changed",
        "metrics-endpoint-relation-created",
        "metrics-endpoint-relation-joined",
        "logging-relation-joined",
        "logging-relation-changed",
        "grafana-dashboard-relation-created",
        "get-db-info-action",
    ] {
        assert!(names.iter().any(|name| name == event), "{event}: {names:?}");
    }
    let relation = |endpoint: &str| {
        state["relations"]
            .as_array()
            .expect("relations")
            .iter()
            .find(|relation| relation["endpoint"] == endpoint)
            .unwrap_or_else(|| panic!("no `{endpoint}` relation: {}", state["relations"]))
    };
    let bag = |endpoint: &str, which: &str| -> ops_runtime::Databag {
        serde_json::from_value(relation(endpoint)[which].clone()).expect("a databag")
    };

    // Prometheus found the scrape job, on the port the config moved it to,
    // and the unit's address.
    let metrics = ops_interfaces::prometheus_scrape::ProviderAppData::from_databag(&bag(
        "metrics-endpoint",
        "local_app_data",
    ))
    .expect("the scrape bag");
    assert_eq!(metrics.scrape_jobs, [k8s_5_observe_job(8080)]);
    assert_eq!(metrics.scrape_metadata.application, "fastapi-demo");
    assert_eq!(relation("metrics-endpoint")["remote_app"], "prometheus-k8s");
    assert_eq!(
        bag("metrics-endpoint", "local_unit_data")["prometheus_scrape_unit_address"],
        "10.0.0.10"
    );

    // Loki's push endpoint became a log target in the workload's plan.
    let url = "http://loki-k8s-0.loki-k8s-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push";
    let target = &state["containers"]["demo-server"]["plan"]["log-targets"]["loki-k8s/0"];
    assert_eq!(target["type"], "loki", "{target}");
    assert_eq!(target["location"], url);
    assert_eq!(target["services"], serde_json::json!(["all"]));
    assert_eq!(target["labels"]["juju_unit"], "fastapi-demo/0");
    let sender = ops_interfaces::loki_push_api::RequirerAppData::from_databag(&bag(
        "logging",
        "local_app_data",
    ))
    .expect("the sender's bag");
    assert_eq!(sender.metadata.charm_name, "fastapi-demo");

    // Grafana got the dashboard, which decodes.
    let dashboards = ops_interfaces::grafana_dashboard::ProviderAppData::from_databag(&bag(
        "grafana-dashboard",
        "local_app_data",
    ))
    .expect("the dashboards bag");
    let template = &dashboards.templates["file:FastAPI-Monitoring.json"];
    let dashboard: Value =
        serde_json::from_str(&template.dashboard().expect("xz and base64")).expect("JSON");
    assert_eq!(dashboard["panels"].as_array().map(Vec::len), Some(3));

    // The server moved with the job, and still has its database.
    let service = &state["containers"]["demo-server"]["plan"]["services"]["fastapi"];
    assert!(
        service["command"]
            .as_str()
            .is_some_and(|command| command.ends_with("--port 8080")),
        "{service}"
    );
    assert_eq!(
        service["environment"]["DEMO_SERVER_DB_HOST"],
        "postgresql-k8s-primary.model.svc.cluster.local"
    );
    assert_eq!(state["actions"][0]["status"], "completed");
}

/// The tutorial's scrape job on `port`, as ops-interfaces types it.
fn k8s_5_observe_job(port: u16) -> ops_interfaces::prometheus_scrape::ScrapeJob {
    serde_json::from_value(
        serde_json::json!({"static_configs": [{"targets": [format!("*:{port}")]}]}),
    )
    .expect("a scrape job")
}
