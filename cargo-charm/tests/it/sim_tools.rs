//! `cargo-charm` run as a hook tool (argv\[0\] names the tool), the way `cargo charm
//! sim` links it: the wire format of argv, stdout, stderr and exit codes, on a model
//! file named by `OPS_SIM_STATE`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const TOOLS: &[&str] = &["secret-add", "secret-get", "network-get"];

/// A scratch directory holding the tool links and a model where `demo/0` leads and
/// has a `db` relation with `pg`.
fn setup(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-sim-tools")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("tools")).expect("create a scratch directory");
    for tool in TOOLS {
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_cargo-charm"),
            dir.join("tools").join(tool),
        )
        .expect("link a tool");
    }
    let address = "10.0.0.10";
    let model = serde_json::json!({
        "model_name": "sim",
        "model_uuid": "5a1b2c3d-0000-4000-8000-000000000517",
        "unit": "demo/0",
        "app": "demo",
        "leader": true,
        "config": {},
        "unit_status": {"status": "active", "message": ""},
        "app_status": {"status": "unknown", "message": ""},
        "workload_version": "",
        "relations": [{
            "id": 0,
            "endpoint": "db",
            "remote_app": "pg",
            "remote_units": {"pg/0": {}},
            "remote_app_data": {},
            "local_unit_data": {"ingress-address": address},
            "local_app_data": {},
        }],
        "next_relation_id": 1,
        "opened_ports": [],
        "controller_state": {},
        "actions": [],
        "log": [],
        "hook_tool_calls": 0,
        "history": [],
        "bindings": ["db", "metrics"],
    });
    fs::write(dir.join("state.json"), model.to_string()).expect("write the model");
    dir
}

/// Runs `tool args...` as the charm would, with only the model's path in the
/// environment.
fn tool(dir: &Path, tool: &str, args: &[&str]) -> Output {
    Command::new(dir.join("tools").join(tool))
        .args(args)
        .env_clear()
        .env("OPS_SIM_STATE", dir.join("state.json"))
        .output()
        .expect("run the tool")
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8 output")
}

#[test]
fn secret_add_then_get_as_the_runtime_calls_them() {
    let dir = setup("secrets");
    // The runtime passes values in private files, never on argv.
    let value = dir.join("value-0");
    fs::write(&value, "hunter2").expect("write the value file");
    let content = format!("password#file={}", value.display());
    let added = tool(
        &dir,
        "secret-add",
        &["--label", "db-password", "--owner", "application", &content],
    );
    assert_eq!(added.status.code(), Some(0), "{}", text(&added.stderr));
    let uri = text(&added.stdout);
    let id = uri
        .strip_prefix("secret:")
        .and_then(|rest| rest.strip_suffix('\n'))
        .expect("`secret:ID` and a newline");
    assert_eq!(id.len(), 20, "{uri:?}");
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)),
        "{uri:?}"
    );
    let uri = uri.trim_end();

    for args in [
        ["--format=json", uri, ""],
        ["--format=json", "--label", "db-password"],
        ["--format=json", uri, "--peek"],
    ] {
        let args: Vec<&str> = args.into_iter().filter(|arg| !arg.is_empty()).collect();
        let got = tool(&dir, "secret-get", &args);
        assert_eq!(
            got.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&got.stderr)
        );
        assert_eq!(
            text(&got.stdout),
            "{\"password\":\"hunter2\"}\n",
            "{args:?}"
        );
    }

    let missing = tool(
        &dir,
        "secret-get",
        &["--format=json", "secret:cs0k7p7mp25c7f0rcvog"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        text(&missing.stderr),
        "ERROR secret \"cs0k7p7mp25c7f0rcvog\" not found\n"
    );
    assert!(missing.stdout.is_empty());
    let bad = tool(&dir, "secret-get", &["--format=json", "not-a-secret"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        text(&bad.stderr),
        "ERROR secret URI \"not-a-secret\" not valid\n"
    );

    let model: Value =
        serde_json::from_str(&fs::read_to_string(dir.join("state.json")).expect("read the model"))
            .expect("the model is JSON");
    assert_eq!(model["hook_tool_calls"], 6);
    assert_eq!(model["secrets"][0]["id"], id);
    assert_eq!(model["secrets"][0]["owner"], "demo");
    assert_eq!(model["secrets"][0]["label"], "db-password");
}

#[test]
fn network_get_as_the_runtime_calls_it() {
    let dir = setup("network");
    let got = tool(&dir, "network-get", &["--format=json", "-r", "0", "db"]);
    assert_eq!(got.status.code(), Some(0), "{}", text(&got.stderr));
    let network: ops_runtime::Network =
        serde_json::from_str(text(&got.stdout)).expect("the runtime parses it");
    assert_eq!(network.bind_address(), Some("10.0.0.10"));
    assert_eq!(network.ingress_address(), Some("10.0.0.10"));
    assert_eq!(network.egress_subnets, ["10.0.0.10/32"]);
    assert_eq!(network.bind_addresses[0].interface_name, "eth0");
    assert_eq!(network.bind_addresses[0].addresses[0].cidr, "10.0.0.0/24");

    let extra = tool(&dir, "network-get", &["metrics", "--ingress-address"]);
    assert_eq!(text(&extra.stdout), "10.0.0.10\n");

    let unknown = tool(&dir, "network-get", &["--format=json", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        text(&unknown.stderr),
        "ERROR no network config found for binding \"nope\"\n"
    );
    let no_relation = tool(&dir, "network-get", &["--format=json", "-r", "db:7", "db"]);
    assert_eq!(no_relation.status.code(), Some(2));
    assert!(
        text(&no_relation.stderr).contains("relation not found"),
        "{}",
        text(&no_relation.stderr)
    );
}

/// A charm that is a shell script: it logs what the tools tell it in each event.
const SCRIPT_CHARM: &str = r#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    secret-add --label mine --owner unit token=first > "$JUJU_CHARM_DIR/mine" ;;
  hooks/secret-changed)
    juju-log -- "changed $JUJU_SECRET_ID $JUJU_SECRET_LABEL $(secret-get --format=json --label "$JUJU_SECRET_LABEL") $(secret-get --format=json --refresh "$JUJU_SECRET_ID")" ;;
  hooks/secret-rotate)
    secret-set "$JUJU_SECRET_ID" token=second ;;
  hooks/secret-remove)
    juju-log -- "remove $JUJU_SECRET_LABEL $JUJU_SECRET_REVISION"
    secret-remove "$JUJU_SECRET_ID" --revision "$JUJU_SECRET_REVISION" ;;
  hooks/secret-expired)
    juju-log -- "expired $JUJU_SECRET_REVISION" ;;
  hooks/data-storage-attached|hooks/data-storage-detaching)
    juju-log -- "${JUJU_DISPATCH_PATH#hooks/} $JUJU_STORAGE_ID $JUJU_STORAGE_KIND $(storage-get location)" ;;
esac
"#;

#[test]
fn scenario_secret_and_storage_steps_dispatch_their_events() {
    let dir = setup("scenario");
    let charm = dir.join("charm");
    fs::create_dir_all(&charm).expect("create the charm directory");
    fs::write(
        charm.join("charmcraft.yaml"),
        "name: demo\nsummary: s\ndescription: d\nrequires:\n  db: {interface: pg}\n\
         storage:\n  data: {type: filesystem}\n",
    )
    .expect("write charmcraft.yaml");
    let dispatch = dir.join("dispatch");
    fs::write(&dispatch, SCRIPT_CHARM).expect("write the script charm");
    let scenario = dir.join("scenario.yaml");
    fs::write(
        &scenario,
        "- event: install\n\
         - secret: {owner: vault, label: token, id: secret:cs0k7p7mp25c7f0rcvog, \
           content: {token: t0-hunter2}}\n\
         - secret-changed: token\n  content: {token: t1-hunter2}\n\
         - secret-rotate: mine\n\
         - secret-remove: mine\n\
         - secret-expired: mine\n\
         - storage-attached: data\n\
         - storage-detaching: data/0\n",
    )
    .expect("write the scenario");
    let output = crate::cargo_charm_command()
        .arg("sim")
        .arg(&charm)
        .arg("--prebuilt")
        .arg(&dispatch)
        .arg("--scenario")
        .arg(&scenario)
        .arg("--json")
        .output()
        .expect("run cargo charm sim");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("hunter2"),
        "the per-event lines show no secret: {stderr}"
    );
    let model: Value = serde_json::from_slice(&output.stdout).expect("--json prints the model");
    let events: Vec<(&str, i64)> = model["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|record| {
            (
                record["event"].as_str().unwrap_or_default(),
                record["exit_code"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("install", 0),
            ("secret-changed", 0),
            ("secret-rotate", 0),
            ("secret-remove", 0),
            ("secret-expired", 0),
            ("data-storage-attached", 0),
            ("data-storage-detaching", 0),
        ]
    );
    let log: Vec<&str> = model["log"]
        .as_array()
        .expect("log")
        .iter()
        .map(|line| line["message"].as_str().unwrap_or_default())
        .collect();
    // The charm tracked revision 1 of the observed secret until it refreshed.
    assert_eq!(
        log[0],
        "changed secret:cs0k7p7mp25c7f0rcvog token {\"token\":\"t0-hunter2\"} \
         {\"token\":\"t1-hunter2\"}"
    );
    // Rotating made revision 2, so revision 1 was the one to remove.
    assert_eq!(log[1], "remove mine 1");
    assert_eq!(log[2], "expired 2");
    assert!(
        log[3].starts_with("data-storage-attached data/0 filesystem /")
            && log[3].ends_with("/storage/data/0"),
        "{}",
        log[3]
    );
    assert!(
        log[4].starts_with("data-storage-detaching data/0 filesystem"),
        "{}",
        log[4]
    );
    let mine = model["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .find(|secret| secret["label"] == "mine")
        .expect("the charm's secret");
    assert_eq!(mine["owner"], "demo/0");
    assert_eq!(
        mine["revisions"],
        serde_json::json!({"2": {"token": "second"}})
    );
    assert!(model.get("storage").is_none(), "data/0 detached");
}

/// A charm that reports its resource's content and its cloud credential's type.
const RESOURCE_CHARM: &str = r#"#!/bin/sh
case "$JUJU_DISPATCH_PATH" in
  hooks/install)
    file=$(resource-get model-file) || exit 1
    application-version-set "$(cat "$file")"
    if credential-get --format=json > /dev/null 2>&1; then trusted=yes; else trusted=no; fi
    juju-log "trusted $trusted"
    ;;
esac
"#;

#[test]
fn resources_and_trust_come_from_the_command_line() {
    let dir = setup("resources");
    let charm = dir.join("charm");
    fs::create_dir_all(&charm).expect("create the charm directory");
    fs::write(
        charm.join("charmcraft.yaml"),
        "name: demo\nsummary: s\ndescription: d\nresources:\n  model-file: {type: file, filename: m.bin}\n",
    )
    .expect("write charmcraft.yaml");
    let dispatch = dir.join("dispatch");
    fs::write(&dispatch, RESOURCE_CHARM).expect("write the script charm");
    let resource = dir.join("weights.bin");
    fs::write(&resource, "v42").expect("write the resource");
    let scenario = dir.join("scenario.yaml");
    fs::write(&scenario, "- event: install\n").expect("write the scenario");
    let run = |extra: &[&std::ffi::OsStr]| {
        let output = crate::cargo_charm_command()
            .arg("sim")
            .arg(&charm)
            .arg("--prebuilt")
            .arg(&dispatch)
            .arg("--scenario")
            .arg(&scenario)
            .arg("--json")
            .args(extra)
            .output()
            .expect("run cargo charm sim");
        (
            output.status.code(),
            text(&output.stdout).to_owned(),
            text(&output.stderr).to_owned(),
        )
    };
    let mut with_resource = std::ffi::OsString::from("--resource=model-file=");
    with_resource.push(&resource);

    let (code, stdout, stderr) = run(&[with_resource.as_os_str(), "--trust".as_ref()]);
    assert_eq!(code, Some(0), "{stderr}");
    let model: Value = serde_json::from_str(&stdout).expect("--json prints the model");
    assert_eq!(model["workload_version"], "v42");
    assert_eq!(model["log"][0]["message"], "trusted yes");

    // Without --resource, resource-get fails as Juju's does; without --trust,
    // credential-get refuses.
    let (code, _, stderr) = run(&[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("model-file"), "{stderr}");

    let (code, _, stderr) = run(&["--resource".as_ref(), "nope=/dev/null".as_ref()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("the charm has no resource `nope`; its resources: model-file"),
        "{stderr}"
    );
}
