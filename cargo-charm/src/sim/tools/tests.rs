//! The tools' unit tests: argv, output formats and refusals, on a model built in
//! each test.

use std::path::{Path, PathBuf};

use ops_runtime::{SecretContent, SecretOwner};
use serde_json::{Map, Value};

use super::*;
use crate::sim::state::{Databag, Status, sim_cloud};

fn call(model: &mut Model, context: &Context, argv: &[&str]) -> Result<String, ToolError> {
    call_with_stdin(model, context, argv, "")
}

fn call_with_stdin(
    model: &mut Model,
    context: &Context,
    argv: &[&str],
    input: &str,
) -> Result<String, ToolError> {
    let (tool, args) = argv.split_first().unwrap();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    run(tool, &args, model, context, &mut || Ok(input.to_owned()))
}

#[test]
fn status_leader_config_and_version() {
    let mut model = Model::new("demo", true);
    model
        .juju
        .config
        .insert("slug".into(), Value::String("x".into()));
    let cx = Context::default();
    assert_eq!(
        call(&mut model, &cx, &["is-leader", "--format=json"]),
        Ok("true\n".into())
    );
    assert_eq!(
        call(&mut model, &cx, &["config-get", "--format=json"]),
        Ok("{\"slug\":\"x\"}\n".into())
    );
    assert_eq!(
        call(&mut model, &cx, &["config-get", "slug"]),
        Ok("x\n".into())
    );
    call(
        &mut model,
        &cx,
        &[
            "status-set",
            "--application=True",
            "waiting",
            "--",
            "for",
            "peers",
        ],
    )
    .unwrap();
    call(
        &mut model,
        &cx,
        &["status-set", "--application=false", "active", "--", ""],
    )
    .unwrap();
    assert_eq!(
        Status::of(&model.juju.app_status),
        Status::new("waiting", "for peers")
    );
    assert_eq!(
        Status::of(&model.juju.unit_status),
        Status::new("active", "")
    );
    let app: Value = serde_json::from_str(
        &call(
            &mut model,
            &cx,
            &[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=true",
            ],
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(app["application-status"]["status"], "waiting");
    assert_eq!(
        app["application-status"]["units"]["demo/0"]["status"],
        "active"
    );
    assert!(call(&mut model, &cx, &["status-set", "unknown"]).is_err());
    call(&mut model, &cx, &["application-version-set", "--", "1.2"]).unwrap();
    assert_eq!(model.juju.workload_version.as_deref(), Some("1.2"));
    call(
        &mut model,
        &cx,
        &["juju-log", "--log-level", "WARNING", "--", "hi there"],
    )
    .unwrap();
    assert_eq!(model.log[0].level, "WARNING");
    model.juju.leader = false;
    let error = call(
        &mut model,
        &cx,
        &["status-set", "--application=true", "active"],
    );
    assert_eq!(error.map_err(|error| error.code), Err(1));
}

#[test]
fn relations() {
    let mut model = Model::new("demo", true);
    let index = model.add_relation("db", "pg");
    model.juju.relations[index]
        .remote_units
        .insert("pg/0".into(), Databag::from([("host".into(), "h".into())]));
    let cx = Context {
        relation_id: Some("db:0".into()),
        remote_unit: Some("pg/0".into()),
        ..Context::default()
    };
    assert_eq!(
        call(&mut model, &cx, &["relation-ids", "db", "--format=json"]),
        Ok("[\"db:0\"]\n".into())
    );
    assert_eq!(
        call(
            &mut model,
            &cx,
            &["relation-list", "--format=json", "-r", "db:0"]
        ),
        Ok("[\"pg/0\"]\n".into())
    );
    assert_eq!(
        call(
            &mut model,
            &cx,
            &["relation-list", "--format=json", "--app", "-r", "db:0"]
        ),
        Ok("\"pg\"\n".into())
    );
    assert_eq!(
        call(
            &mut model,
            &cx,
            &["relation-get", "--format=json", "-r", "db:0", "-", "pg/0"]
        ),
        Ok("{\"host\":\"h\"}\n".into())
    );
    call_with_stdin(
        &mut model,
        &cx,
        &["relation-set", "-r", "db:0", "--app", "--file", "-"],
        r#"{"a":"1","b":""}"#,
    )
    .unwrap();
    assert_eq!(
        model.juju.relations[0].local_app_data,
        Databag::from([("a".into(), "1".into())])
    );
    let error = call(
        &mut model,
        &cx,
        &["relation-get", "--format=json", "-r", "db:9", "-", "demo/0"],
    )
    .unwrap_err();
    assert_eq!(error.code, 2);
    assert_eq!(
        error.message,
        "invalid value \"db:9\" for option -r: relation not found"
    );
}

#[test]
fn actions_ports_and_state() {
    let mut model = Model::new("demo", true);
    let cx = Context::default();
    assert!(call(&mut model, &cx, &["action-get", "--format=json"]).is_err());
    model.juju.action_params = serde_json::json!({"include-config": false})
        .as_object()
        .cloned();
    assert_eq!(
        call(&mut model, &cx, &["action-get", "--format=json"]),
        Ok("{\"include-config\":false}\n".into())
    );
    call(
        &mut model,
        &cx,
        &["action-set", "proxy.slug=x", "proxy.port=80", "ok=yes"],
    )
    .unwrap();
    call(&mut model, &cx, &["action-log", "--", "working"]).unwrap();
    assert_eq!(
        Value::Object(model.juju.action_results_tree()),
        serde_json::json!({"proxy": {"slug": "x", "port": "80"}, "ok": "yes"})
    );
    assert_eq!(model.juju.action_logs, ["working"]);
    call(&mut model, &cx, &["open-port", "8000"]).unwrap();
    call(&mut model, &cx, &["open-port", "9000-9010/UDP"]).unwrap();
    call(&mut model, &cx, &["close-port", "8000/tcp"]).unwrap();
    assert_eq!(
        call(&mut model, &cx, &["opened-ports", "--format=json"]),
        Ok("[\"9000-9010/udp\"]\n".into())
    );
    call_with_stdin(
        &mut model,
        &cx,
        &["state-set", "--file", "-"],
        r#"{"k":"{\"n\": 1}"}"#,
    )
    .unwrap();
    assert_eq!(
        call(&mut model, &cx, &["state-get", "--format=json", "k"]),
        Ok("\"{\\\"n\\\": 1}\"\n".into())
    );
    call(&mut model, &cx, &["state-delete", "k"]).unwrap();
    assert_eq!(
        call(&mut model, &cx, &["state-get", "--format=json", "k"]),
        Ok("\"\"\n".into())
    );
    let error = call(&mut model, &cx, &["pod-spec-set", "--file", "/y"]).unwrap_err();
    assert!(error.message.contains("not simulated"), "{}", error.message);
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cargo-charm-tools-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn error_of(result: Result<String, ToolError>) -> (u8, String) {
    let error = result.unwrap_err();
    (error.code, error.message)
}

#[test]
fn secrets_the_charm_owns() {
    let dir = scratch("owned");
    let value = dir.join("value-0");
    std::fs::write(&value, "hunter2").unwrap();
    let content = format!("password#file={}", value.display());
    let mut model = Model::new("demo", true);
    model.add_relation("db", "pg");
    let cx = Context::default();
    let uri = call(
        &mut model,
        &cx,
        &[
            "secret-add",
            "--label",
            "db",
            "--owner",
            "application",
            &content,
        ],
    )
    .unwrap();
    let uri = uri.trim_end().to_owned();
    let id = uri.strip_prefix("secret:").unwrap().to_owned();
    assert_eq!(id.len(), 20, "{uri}");
    assert_eq!(model.juju.secrets[0].owner, Some(SecretOwner::App));
    assert_eq!(model.secret_owner(0), Some("demo"));
    for lookup in [
        vec!["secret-get", "--format=json", uri.as_str()],
        vec!["secret-get", "--format=json", "--label", "db"],
        vec!["secret-get", "--format=json", id.as_str()],
    ] {
        assert_eq!(
            call(&mut model, &cx, &lookup),
            Ok("{\"password\":\"hunter2\"}\n".into()),
            "{lookup:?}"
        );
    }
    assert_eq!(
        call(&mut model, &cx, &["secret-get", &uri, "password"]),
        Ok("hunter2\n".into())
    );
    // A new revision, which the owner reads once it refreshes: owners track a
    // revision too (Juju 3.1.7 and later). Equal content makes none.
    std::fs::write(&value, "s3cret").unwrap();
    call(
        &mut model,
        &cx,
        &[
            "secret-set",
            &uri,
            "--owner",
            "application",
            "--rotate",
            "daily",
            &content,
        ],
    )
    .unwrap();
    call(&mut model, &cx, &["secret-set", &uri, &content]).unwrap();
    assert_eq!(model.juju.secrets[0].latest_revision(), 2);
    assert_eq!(model.juju.secrets[0].revisions.len(), 2);
    assert_eq!(
        call(&mut model, &cx, &["secret-get", "--format=json", &uri]),
        Ok("{\"password\":\"hunter2\"}\n".into())
    );
    for argv in [
        ["secret-get", "--format=json", &uri, "--refresh"].as_slice(),
        ["secret-get", "--format=json", &uri].as_slice(),
    ] {
        assert_eq!(
            call(&mut model, &cx, argv),
            Ok("{\"password\":\"s3cret\"}\n".into()),
            "{argv:?}"
        );
    }
    let info: Value = serde_json::from_str(
        &call(&mut model, &cx, &["secret-info-get", "--format=json", &uri]).unwrap(),
    )
    .unwrap();
    assert_eq!(info[&id]["revision"], 2);
    assert_eq!(info[&id]["label"], "db");
    assert_eq!(info[&id]["owner"], "application");
    assert_eq!(info[&id]["rotation"], "daily");
    assert!(info[&id]["rotates"].is_string());
    assert_eq!(
        call(&mut model, &cx, &["secret-ids", "--format=json"]),
        Ok(format!("[\"{id}\"]\n"))
    );
    call(&mut model, &cx, &["secret-grant", "--relation", "0", &uri]).unwrap();
    call(
        &mut model,
        &cx,
        &["secret-grant", "-r", "db:0", "--unit", "pg/0", &uri],
    )
    .unwrap();
    assert_eq!(
        model.juju.secrets[0]
            .grants
            .values()
            .map(|g| g.len())
            .sum::<usize>(),
        1,
        "the app grant covers pg/0"
    );
    assert_eq!(
        error_of(call(
            &mut model,
            &cx,
            &["secret-grant", "-r", "0", "--unit", "mysql/0", &uri]
        ))
        .0,
        2
    );
    call(&mut model, &cx, &["secret-revoke", "--relation", "0", &uri]).unwrap();
    assert!(model.juju.secrets[0].grants.is_empty());
    call(&mut model, &cx, &["secret-remove", &uri, "--revision", "1"]).unwrap();
    assert_eq!(
        model.juju.secrets[0].revisions.keys().collect::<Vec<_>>(),
        [&2]
    );
    // Errors, with Juju's messages; none shows the content.
    let (code, message) = error_of(call(
        &mut model,
        &cx,
        &["secret-info-get", "--label", "nope"],
    ));
    assert_eq!((code, message.as_str()), (1, "secret \"nope\" not found"));
    assert_eq!(
        error_of(call(&mut model, &cx, &["secret-get", "secret:nope"])),
        (2, "secret URI \"secret:nope\" not valid".into())
    );
    let (code, message) = error_of(call(&mut model, &cx, &["secret-add", "Bad=hunter2"]));
    assert_eq!(code, 2);
    assert!(!message.contains("hunter2"), "{message}");
    model.juju.leader = false;
    for argv in [
        vec!["secret-add", "token=x"],
        vec!["secret-set", uri.as_str(), "token=x"],
        vec!["secret-remove", uri.as_str()],
    ] {
        assert_eq!(
            error_of(call(&mut model, &cx, &argv)),
            (1, "this unit is not the leader".into()),
            "{argv:?}"
        );
    }
    // A non-leader still reads its application's secrets, but does not list them.
    assert!(call(&mut model, &cx, &["secret-get", &uri]).is_ok());
    assert_eq!(
        call(&mut model, &cx, &["secret-ids", "--format=json"]),
        Ok("null\n".into())
    );
    call(
        &mut model,
        &cx,
        &["secret-add", "--owner", "unit", "token=x"],
    )
    .unwrap();
    model.juju.leader = true;
    call(&mut model, &cx, &["secret-remove", &uri]).unwrap();
    assert_eq!(model.juju.secrets.len(), 1);
    assert_eq!(model.juju.secrets[0].owner, Some(SecretOwner::Unit));
    assert_eq!(model.secret_owner(0), Some("demo/0"));
    let missing = format!("secret \"{id}\" not found");
    assert_eq!(
        error_of(call(&mut model, &cx, &["secret-get", &uri])),
        (1, missing)
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn secrets_the_charm_observes() {
    let mut model = Model::new("demo", true);
    let uri = model.juju.new_secret_id();
    let id = uri.strip_prefix("secret:").unwrap().to_owned();
    let secret = ops_runtime::testing::Secret::new(SecretContent::new().with("token", "t1"))
        .with_id(uri.clone())
        .with_label("token")
        .with_new_revision(SecretContent::new().with("token", "t2"));
    model.secret_owners.insert(uri.clone(), "vault".into());
    model.juju.secrets.push(secret);
    let cx = Context::default();
    let get = |model: &mut Model, flags: &[&str]| {
        let mut argv = vec!["secret-get", "--format=json", "--label", "token"];
        argv.extend(flags);
        call(model, &cx, &argv)
    };
    assert_eq!(get(&mut model, &[]), Ok("{\"token\":\"t1\"}\n".into()));
    assert_eq!(
        get(&mut model, &["--peek"]),
        Ok("{\"token\":\"t2\"}\n".into())
    );
    assert_eq!(get(&mut model, &[]), Ok("{\"token\":\"t1\"}\n".into()));
    assert_eq!(
        get(&mut model, &["--refresh"]),
        Ok("{\"token\":\"t2\"}\n".into())
    );
    assert_eq!(get(&mut model, &[]), Ok("{\"token\":\"t2\"}\n".into()));
    assert_eq!(error_of(get(&mut model, &["--peek", "--refresh"])).0, 2);
    // Relabelled by reading with id and label.
    call(
        &mut model,
        &cx,
        &["secret-get", &uri, "--label", "vault-token"],
    )
    .unwrap();
    assert_eq!(model.juju.secrets[0].label.as_deref(), Some("vault-token"));
    assert_eq!(
        error_of(call(&mut model, &cx, &["secret-get", "--label", "token"])),
        (1, "consumer label \"token\" not found".into())
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["secret-set", &uri, "token=mine"])),
        (1, "permission denied".into())
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["secret-info-get", &uri])).0,
        1,
        "only owners get the info"
    );
    model.add_relation("db", "pg");
    assert_eq!(
        error_of(call(&mut model, &cx, &["secret-grant", "-r", "0", &uri])),
        (1, format!("secret \"{id}\" not found"))
    );
}

#[test]
fn storage() {
    let mut model = Model::new("demo", true);
    model.juju.declared_storage = Some([("data".to_owned(), "filesystem".to_owned())].into());
    model.juju.storage_max.insert("data".into(), 2);
    model.attach_storage("data", PathBuf::from("/sim/storage/data/0"));
    let cx = Context {
        storage_id: Some("data/0".into()),
        ..Context::default()
    };
    assert_eq!(
        call(&mut model, &cx, &["storage-list", "--format=json"]),
        Ok("[\"data/0\"]\n".into())
    );
    assert_eq!(
        call(&mut model, &cx, &["storage-list", "--format=json", "logs"]),
        Ok("[]\n".into())
    );
    let info: ops_runtime::StorageInfo = serde_json::from_str(
        &call(
            &mut model,
            &cx,
            &["storage-get", "--format=json", "-s", "data/0"],
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(info.kind, "filesystem");
    assert_eq!(info.location, Path::new("/sim/storage/data/0"));
    assert_eq!(
        call(&mut model, &cx, &["storage-get", "location"]),
        Ok("/sim/storage/data/0\n".into())
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["storage-get", "-s", "data/7"])).0,
        2
    );
    assert_eq!(
        error_of(call(&mut model, &Context::default(), &["storage-get"])),
        (2, "no storage instance specified".into())
    );
    call(&mut model, &cx, &["storage-add", "data=1"]).unwrap();
    assert_eq!(model.juju.requested_storages["data"], 1);
    assert_eq!(
        error_of(call(&mut model, &cx, &["storage-add", "data"])).0,
        1
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["storage-add", "logs=1"])),
        (1, "charm storage \"logs\" not found".into())
    );
    model.attach_storage("data", PathBuf::from("/sim/storage/data/1"));
    assert!(model.juju.requested_storages.is_empty());
}

#[test]
fn network_unit_and_goal_state() {
    let mut model = Model::new("demo", true);
    model.juju.bindings = Some(["db".to_owned(), "metrics".to_owned()].into());
    model.add_relation("db", "pg");
    model.juju.relations[0]
        .remote_units
        .insert("pg/0".into(), Databag::new());
    let cx = Context::default();
    let text = call(
        &mut model,
        &cx,
        &["network-get", "--format=json", "-r", "0", "db"],
    )
    .unwrap();
    assert_eq!(
        text,
        "{\"bind-addresses\":[{\"mac-address\":\"00:16:3e:00:00:0a\",\"interface-name\":\
         \"eth0\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.0.0.10\",\"cidr\":\
         \"10.0.0.0/24\"}]}],\"egress-subnets\":[\"10.0.0.10/32\"],\
         \"ingress-addresses\":[\"10.0.0.10\"]}\n"
    );
    let network: ops_runtime::Network = serde_json::from_str(&text).unwrap();
    assert_eq!(network.bind_address(), Some("10.0.0.10"));
    assert_eq!(
        call(
            &mut model,
            &cx,
            &["network-get", "metrics", "--bind-address"]
        ),
        Ok("10.0.0.10\n".into())
    );
    assert_eq!(
        call(
            &mut model,
            &cx,
            &[
                "network-get",
                "db",
                "--format=json",
                "--ingress-address",
                "--egress-subnets"
            ]
        ),
        Ok("{\"egress-subnets\":[\"10.0.0.10/32\"],\"ingress-address\":\"10.0.0.10\"}\n".into())
    );
    assert_eq!(
        error_of(call(
            &mut model,
            &cx,
            &["network-get", "--format=json", "nope"]
        )),
        (1, "no network config found for binding \"nope\"".into())
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["network-get", "-r", "db:9", "db"])).0,
        2
    );
    assert_eq!(
        call(
            &mut model,
            &cx,
            &["unit-get", "--format=json", "private-address"]
        ),
        Ok("\"10.0.0.10\"\n".into())
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["unit-get", "address"])).0,
        2
    );
    let goal: ops_runtime::GoalState =
        serde_json::from_str(&call(&mut model, &cx, &["goal-state", "--format=json"]).unwrap())
            .unwrap();
    assert_eq!(goal.units["demo/0"].status, "active");
    assert_eq!(goal.relations["db"]["pg"].status, "joined");
    assert_eq!(goal.relations["db"]["pg/0"].status, "active");
}

#[test]
fn resources_credentials_reboot_metrics_and_leader_settings() {
    let dir = scratch("other");
    let mut model = Model::new("demo", true);
    let cx = Context::default();
    let (code, message) = error_of(call(&mut model, &cx, &["resource-get", "image"]));
    assert_eq!(code, 1);
    assert!(
        message.contains("resource#demo/image not found"),
        "{message}"
    );
    // `--resource image=PATH` copies the file under the root and tells the model.
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    std::fs::write(dir.join("resources/image"), "x").unwrap();
    model
        .juju
        .resources
        .insert("image".into(), dir.join("resources/image"));
    assert_eq!(
        call(&mut model, &cx, &["resource-get", "image"]),
        Ok(dir.join("resources/image").display().to_string())
    );
    assert_eq!(
        error_of(call(&mut model, &cx, &["credential-get", "--format=json"])),
        (
            1,
            "cannot access cloud credentials: permission denied".into()
        )
    );
    model.juju.cloud_spec = Some(sim_cloud());
    let spec: ops_runtime::CloudSpec =
        serde_json::from_str(&call(&mut model, &cx, &["credential-get", "--format=json"]).unwrap())
            .unwrap();
    assert_eq!(spec.kind, "lxd");
    call(&mut model, &cx, &["juju-reboot", "--now"]).unwrap();
    assert_eq!(model.juju.reboots, [true]);
    assert_eq!(
        error_of(call(&mut model, &cx, &["add-metric", "users=3"])),
        (
            1,
            "cannot record metric: metrics not allowed in this context".into()
        )
    );
    let metrics = Context {
        event: "collect-metrics".into(),
        ..Context::default()
    };
    call(
        &mut model,
        &metrics,
        &["add-metric", "--labels", "a=b", "users=3"],
    )
    .unwrap();
    assert_eq!(model.juju.metrics, [("users".to_owned(), "3".to_owned())]);
    assert_eq!(
        model.juju.metric_labels[0],
        [("a".to_owned(), "b".to_owned())]
    );
    call(&mut model, &cx, &["leader-set", "a=1", "b=2"]).unwrap();
    call(&mut model, &cx, &["leader-set", "b="]).unwrap();
    assert_eq!(
        call(&mut model, &cx, &["leader-get", "--format=json"]),
        Ok("{\"a\":\"1\"}\n".into())
    );
    assert_eq!(
        call(&mut model, &cx, &["leader-get", "a"]),
        Ok("1\n".into())
    );
    assert_eq!(
        call(&mut model, &cx, &["leader-get", "--format=json", "b"]),
        Ok("null\n".into())
    );
    model.juju.leader = false;
    assert_eq!(
        error_of(call(&mut model, &cx, &["leader-set", "a=2"])),
        (
            1,
            "cannot write leadership settings: cannot write settings: not the leader".into()
        )
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Where `sim` differs in shape from `juju`, what Juju prints: a key Juju does
/// not print, a value of another JSON type, or a key of `required` missing.
/// Maps at the paths of `keyed_by_data` (their keys are names, not fields) have
/// each value compared with Juju's first; list items with Juju's first item.
fn shape_difference(
    sim: &Value,
    juju: &Value,
    path: &str,
    keyed_by_data: &[&str],
    required: &[&str],
) -> Option<String> {
    let kind = |value: &Value| match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    };
    match (sim, juju) {
        (Value::Object(sim), Value::Object(juju)) if keyed_by_data.contains(&path) => {
            let model = juju.values().next()?;
            sim.values().find_map(|value| {
                shape_difference(value, model, &format!("{path}/*"), keyed_by_data, required)
            })
        }
        (Value::Object(sim), Value::Object(juju)) => {
            for key in required {
                let (parent, field) = key.rsplit_once('/').unwrap_or(("", key));
                if parent == path && !sim.contains_key(field) {
                    return Some(format!("{path}: no `{field}`"));
                }
            }
            sim.iter().find_map(|(key, value)| match juju.get(key) {
                None => Some(format!("{path}: `{key}`, which Juju does not print")),
                Some(juju) => shape_difference(
                    value,
                    juju,
                    &format!("{path}/{key}"),
                    keyed_by_data,
                    required,
                ),
            })
        }
        (Value::Array(sim), Value::Array(juju)) => {
            let model = juju.first()?;
            sim.iter().find_map(|item| {
                shape_difference(item, model, &format!("{path}/*"), keyed_by_data, required)
            })
        }
        (sim, juju) if kind(sim) == kind(juju) => None,
        (sim, juju) => Some(format!(
            "{path}: {} where Juju prints {}",
            kind(sim),
            kind(juju)
        )),
    }
}

/// A fuller model than `Model::new` gives: a relation, a secret, storage.
fn busy_model(dir: &Path) -> (Model, Context) {
    let mut model = Model::new("demo", true);
    model.juju.bindings = Some(["db".to_owned()].into());
    let index = model.add_relation("db", "pg");
    model.juju.relations[index].remote_units.insert(
        "pg/0".into(),
        Databag::from([("ingress-address".into(), "10.0.0.9".into())]),
    );
    model.juju.config.insert("port".into(), Value::from(8080));
    model.attach_storage("data", dir.join("storage/data/0"));
    model.juju.opened_ports.insert("80/tcp".parse().unwrap());
    model.juju.controller_state.insert("k".into(), "v".into());
    model.juju.cloud_spec = Some(sim_cloud());
    (model, Context::default())
}

#[test]
fn tools_print_what_juju_prints() {
    use juju_output as juju;
    let dir = scratch("shapes");
    let value = dir.join("value");
    std::fs::write(&value, "hunter2").unwrap();
    let (mut model, cx) = busy_model(&dir);
    call(&mut model, &cx, &["status-set", "active", "--", "ready"]).unwrap();
    let uri = call(
        &mut model,
        &cx,
        &[
            "secret-add",
            "--rotate",
            "hourly",
            &format!("password#file={}", value.display()),
        ],
    )
    .unwrap();
    let uri = uri.trim_end();
    // (argv, Juju's output, maps keyed by names, keys Juju always prints)
    type Case<'a> = (&'a [&'a str], &'a str, &'a [&'a str], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (
            &["network-get", "--format=json", "db"],
            juju::NETWORK_GET,
            &[],
            &[
                "/bind-addresses",
                "/bind-addresses/*/mac-address",
                "/bind-addresses/*/interface-name",
                "/bind-addresses/*/addresses",
                "/bind-addresses/*/addresses/*/value",
                "/bind-addresses/*/addresses/*/hostname",
                "/bind-addresses/*/addresses/*/cidr",
            ],
        ),
        (
            &[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=false",
            ],
            juju::STATUS_GET_UNIT,
            &[],
            &["/status", "/message", "/status-data"],
        ),
        (
            &[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=true",
            ],
            juju::STATUS_GET_APP,
            &["/application-status/units"],
            &["/application-status", "/application-status/units"],
        ),
        (&["is-leader", "--format=json"], juju::IS_LEADER, &[], &[]),
        (
            &["relation-ids", "db", "--format=json"],
            juju::RELATION_IDS,
            &[],
            &[],
        ),
        (
            &["relation-list", "--format=json", "-r", "db:0"],
            juju::RELATION_LIST,
            &[],
            &[],
        ),
        (
            &["relation-list", "--format=json", "--app", "-r", "db:0"],
            juju::RELATION_LIST_APP,
            &[],
            &[],
        ),
        (
            &["relation-get", "--format=json", "-r", "db:0", "-", "pg/0"],
            juju::RELATION_GET_UNIT,
            &[""],
            &[],
        ),
        (
            &["relation-model-get", "--format=json", "-r", "db:0"],
            juju::RELATION_MODEL_GET,
            &[],
            &["/uuid"],
        ),
        (
            &["secret-get", "--format=json", uri],
            juju::SECRET_GET,
            &[""],
            &[],
        ),
        (
            &["secret-info-get", "--format=json", uri],
            juju::SECRET_INFO_GET_FULL,
            &[""],
            &["/*/revision", "/*/label", "/*/owner"],
        ),
        (&["secret-ids", "--format=json"], juju::SECRET_IDS, &[], &[]),
        (
            &["storage-list", "--format=json"],
            juju::STORAGE_LIST,
            &[],
            &[],
        ),
        (
            &["storage-get", "--format=json", "-s", "data/0"],
            juju::STORAGE_GET,
            &[],
            &["/kind", "/location"],
        ),
        (
            &["opened-ports", "--format=json"],
            juju::OPENED_PORTS,
            &[],
            &[],
        ),
        (
            &["goal-state", "--format=json"],
            juju::GOAL_STATE,
            &["/units", "/relations", "/relations/*"],
            &["/units", "/relations"],
        ),
        (
            &["credential-get", "--format=json"],
            juju::CREDENTIAL_GET_LXD,
            &[],
            &["/type", "/name", "/credential/auth-type"],
        ),
        (
            &["unit-get", "--format=json", "public-address"],
            juju::UNIT_GET,
            &[],
            &[],
        ),
        (
            &["state-get", "--format=json", "k"],
            juju::STATE_GET,
            &[],
            &[],
        ),
        (
            &["state-get", "--format=json", "unset"],
            juju::STATE_GET_MISSING,
            &[],
            &[],
        ),
    ];
    for (argv, juju_output, keyed_by_data, required) in cases {
        let printed = call(&mut model, &cx, argv).unwrap();
        assert!(printed.ends_with('\n'), "{argv:?}: {printed:?}");
        let sim: Value = serde_json::from_str(&printed).unwrap();
        let juju: Value = serde_json::from_str(juju_output).unwrap();
        assert_eq!(
            shape_difference(&sim, &juju, "", keyed_by_data, required),
            None,
            "{argv:?}\nsim:  {printed}juju: {juju_output}"
        );
    }
    // Config values are of the options' types: a map is all Juju promises.
    let config = call(&mut model, &cx, &["config-get", "--format=json"]).unwrap();
    assert!(
        serde_json::from_str::<Map<String, Value>>(&config).is_ok(),
        "{config}"
    );
    // goal-state's times are `common.FormatTime(t, true)`: a space, not a `T`.
    let goal: Value =
        serde_json::from_str(&call(&mut model, &cx, &["goal-state", "--format=json"]).unwrap())
            .unwrap();
    let since = goal["units"]["demo/0"]["since"].as_str().unwrap();
    assert_eq!(
        (since.len(), &since[10..11], &since[19..]),
        (20, " ", "Z"),
        "{since}"
    );
    // resource-get prints the path alone, as Juju does.
    std::fs::create_dir_all(dir.join("resources")).unwrap();
    std::fs::write(dir.join("resources/image"), "x").unwrap();
    model
        .juju
        .resources
        .insert("image".into(), dir.join("resources/image"));
    let path = call(&mut model, &cx, &["resource-get", "image"]).unwrap();
    assert!(
        !path.ends_with('\n') && path.ends_with("resources/image"),
        "{path:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn network_get_smart_output_is_juju_yaml_with_both_spellings() {
    let mut model = Model::new("demo", true);
    model.juju.bindings = Some(["db".to_owned()].into());
    let printed = call(&mut model, &Context::default(), &["network-get", "db"]).unwrap();
    let sim: Value = yaml_serde::from_str(&printed).unwrap();
    let juju: Value = yaml_serde::from_str(juju_output::NETWORK_GET_YAML).unwrap();
    let required = [
        "/bind-addresses/*/mac-address",
        "/bind-addresses/*/macaddress",
        "/bind-addresses/*/interface-name",
        "/bind-addresses/*/interfacename",
        "/bind-addresses/*/addresses/*/value",
        "/bind-addresses/*/addresses/*/address",
    ];
    assert_eq!(
        shape_difference(&sim, &juju, "", &[], &required),
        None,
        "sim:\n{printed}"
    );
    // The runtime reads it, both spellings at once.
    let network: ops_runtime::Network = yaml_serde::from_str(&printed).unwrap();
    assert_eq!(network.bind_address(), Some("10.0.0.10"));
    assert_eq!(network.bind_addresses[0].interface_name, "eth0");
}

#[test]
fn the_smart_format_is_juju_s() {
    let dir = scratch("smart");
    let (mut model, cx) = busy_model(&dir);
    assert_eq!(call(&mut model, &cx, &["is-leader"]), Ok("True\n".into()));
    assert_eq!(
        call(&mut model, &cx, &["relation-ids", "db"]),
        Ok("db:0\n".into())
    );
    call(&mut model, &cx, &["status-set", "active", "--", "ready"]).unwrap();
    assert_eq!(
        call(&mut model, &cx, &["status-get"]),
        Ok("active\n".into())
    );
    let status: Value =
        yaml_serde::from_str(&call(&mut model, &cx, &["status-get", "--include-data"]).unwrap())
            .unwrap();
    assert_eq!(status["status"], "active");
    assert_eq!(status["message"], "ready");
    assert_eq!(
        call(&mut model, &cx, &["status-get", "--format=json"]),
        Ok("{\"status\":\"active\"}\n".into())
    );
    let config: Value =
        yaml_serde::from_str(&call(&mut model, &cx, &["config-get"]).unwrap()).unwrap();
    assert_eq!(config["port"], 8080);
    assert_eq!(
        call(&mut model, &cx, &["config-get", "nope"]),
        Ok(String::new())
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The argv table has a row for every tool the runtime calls, in the trait's
/// order, then the deprecated leader settings.
#[test]
fn the_table_has_a_row_for_every_tool_the_runtime_calls() {
    let runtime = ops_runtime::hook_tools::TOOL_NAMES;
    assert_eq!(&TOOLS[..runtime.len()], runtime);
    assert_eq!(&TOOLS[runtime.len()..], ["leader-get", "leader-set"]);
}
