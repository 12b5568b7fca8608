//! The harness and `sim` answer alike: one scripted sequence of hook-tool
//! calls, refusals included, run through the runtime's model as the harness
//! calls it ([`MemoryHookTools`], typed) and through `sim`'s tool layer (argv
//! as [`ops_runtime::hook_tools::ProcessHookTools`] sends it), comparing
//! stdout (as JSON where it is), exit codes and stderr call by call, then the
//! models they leave.
//!
//! The two sides start from models built separately, each with its own
//! builders (the harness's by hand, `sim`'s with [`Model`]'s), so the test does
//! not lean on the layer it checks.

use ops_runtime::HookToolError;
use ops_runtime::event::RelationRef;
use ops_runtime::hook_tools::{HookTools, LogLevel, StatusTarget};
use ops_runtime::testing::{JujuModel, MemoryHookTools, Relation, Secret, Storage};
use ops_runtime::{
    Address, AddressKind, BindAddress, Network, Port, Revision, SecretContent, SecretLookup,
    SecretOptions, SecretOwner, Status, StatusInfo,
};
use serde::Serialize;
use serde_json::{Value, json};

use super::{Context, ToolError, run};
use crate::sim::state::{self, Databag, Model};

/// What a harness call gives: what Juju prints for it, or nothing.
type Answer = Result<Option<String>, HookToolError>;

/// `value` as Juju prints it with `--format=json`.
fn json(value: impl Serialize) -> Option<String> {
    Some(format!("{}\n", serde_json::to_value(value).unwrap()))
}

/// `text` as Juju prints it, as it is.
fn text(text: impl Into<String>) -> Option<String> {
    Some(text.into())
}

/// One call: the argv and stdin `ProcessHookTools` sends, and the same call
/// made on the harness's model.
struct Step {
    argv: &'static [&'static str],
    stdin: &'static str,
    harness: fn(&MemoryHookTools) -> Answer,
}

/// A secret id no one made.
const MISSING_SECRET: &str = "secret:cs0k7p7mp25c7f0rcvog";

/// The ids the model makes for the first two secrets a charm adds
/// (`JujuModel::new_secret_id`).
const MINE: &str = "secret:cp85673jd5mg0000000g";
const ADDED: &str = "secret:cp85673jd5mg00000010";

/// A secret another application granted this one, labelled `vault-token`.
const OBSERVED: &str = "secret:d0ul4e7mp25c7v000101";

/// A secret of this application, labelled `seeded`.
const SEEDED: &str = "secret:d0ul4e7mp25c7v000102";

/// The event the script runs in.
const EVENT: &str = "update-status";

/// `secret-get --format=json`'s answer.
fn content_json(content: &SecretContent) -> Option<String> {
    json(content.iter().collect::<std::collections::BTreeMap<_, _>>())
}

fn token(value: &str) -> SecretContent {
    SecretContent::new().with("token", value)
}

fn db() -> RelationRef {
    RelationRef::new("db", 0)
}

/// `status-get --include-data --format=json`'s answer, as Juju's `toDetails`.
fn details(info: &StatusInfo) -> Value {
    json!({"message": info.message, "status": info.kind.as_str(), "status-data": {}})
}

/// `network-get --format=json`'s answer, in Juju's field order.
fn network_json(network: &Network) -> Value {
    json!({
        "bind-addresses": network.bind_addresses,
        "egress-subnets": network.egress_subnets,
        "ingress-addresses": network.ingress_addresses,
    })
}

/// `storage-get --format=json`'s answer.
fn storage_json(info: &ops_runtime::StorageInfo) -> Value {
    json!({"kind": info.kind, "location": info.location})
}

fn none(result: Result<(), HookToolError>) -> Answer {
    result.map(|()| None)
}

fn script() -> Vec<Step> {
    vec![
        Step {
            argv: &["is-leader", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(Value::Bool(t.is_leader()?))),
        },
        Step {
            argv: &["config-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(serde_json::to_value(t.config_get()?).unwrap())),
        },
        Step {
            argv: &[
                "status-set",
                "--application=false",
                "maintenance",
                "--",
                "installing",
            ],
            stdin: "",
            harness: |t| none(t.status_set(StatusTarget::Unit, &Status::maintenance("installing"))),
        },
        Step {
            argv: &[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=false",
            ],
            stdin: "",
            harness: |t| Ok(json(details(&t.status_get(StatusTarget::Unit)?))),
        },
        // Refused to a non-leader: the application's status.
        Step {
            argv: &["status-set", "--application=true", "active", "--", "ready"],
            stdin: "",
            harness: |t| none(t.status_set(StatusTarget::App, &Status::active("ready"))),
        },
        Step {
            argv: &[
                "status-get",
                "--include-data",
                "--format=json",
                "--application=true",
            ],
            stdin: "",
            harness: |t| {
                let app = t.status_get(StatusTarget::App)?;
                let unit = t.status_get(StatusTarget::Unit)?;
                let mut app = details(&app);
                app["units"] = json!({"demo/0": details(&unit)});
                Ok(json(json!({"application-status": app})))
            },
        },
        Step {
            argv: &["application-version-set", "--", "1.2.3"],
            stdin: "",
            harness: |t| none(t.application_version_set("1.2.3")),
        },
        Step {
            argv: &["relation-ids", "db", "--format=json"],
            stdin: "",
            harness: |t| {
                let ids: Vec<String> = t
                    .relation_ids("db")?
                    .into_iter()
                    .map(|id| format!("db:{id}"))
                    .collect();
                Ok(json(json!(ids)))
            },
        },
        Step {
            argv: &["relation-list", "--format=json", "-r", "db:0"],
            stdin: "",
            harness: |t| Ok(json(json!(t.relation_list(&db())?))),
        },
        Step {
            argv: &["relation-list", "--format=json", "--app", "-r", "db:0"],
            stdin: "",
            harness: |t| Ok(json(json!(t.relation_remote_app(&db())?))),
        },
        Step {
            argv: &["relation-get", "--format=json", "-r", "db:0", "-", "pg/0"],
            stdin: "",
            harness: |t| Ok(json(json!(t.relation_get(&db(), "pg/0", false)?))),
        },
        Step {
            argv: &["relation-get", "--format=json", "-r", "db:0", "-", "pg/7"],
            stdin: "",
            harness: |t| Ok(json(json!(t.relation_get(&db(), "pg/7", false)?))),
        },
        Step {
            argv: &["relation-set", "-r", "db:0", "--file", "-"],
            stdin: r#"{"port":"5432","host":""}"#,
            harness: |t| {
                let changes = Databag::from([
                    ("port".to_owned(), "5432".to_owned()),
                    ("host".to_owned(), String::new()),
                ]);
                none(t.relation_set(&db(), false, &changes))
            },
        },
        // Refused to a non-leader: the application's databag, both ways.
        Step {
            argv: &["relation-set", "-r", "db:0", "--app", "--file", "-"],
            stdin: r#"{"endpoints":"db:5432"}"#,
            harness: |t| {
                let changes = Databag::from([("endpoints".to_owned(), "db:5432".to_owned())]);
                none(t.relation_set(&db(), true, &changes))
            },
        },
        Step {
            argv: &[
                "relation-get",
                "--format=json",
                "-r",
                "db:0",
                "--app",
                "-",
                "demo",
            ],
            stdin: "",
            harness: |t| Ok(json(json!(t.relation_get(&db(), "demo", true)?))),
        },
        // An unknown relation.
        Step {
            argv: &["relation-get", "--format=json", "-r", "db:9", "-", "demo/0"],
            stdin: "",
            harness: |t| {
                let relation = RelationRef::new("db", 9);
                Ok(json(json!(t.relation_get(&relation, "demo/0", false)?)))
            },
        },
        Step {
            argv: &["relation-set", "-r", "db:9", "--file", "-"],
            stdin: r#"{"a":"1"}"#,
            harness: |t| {
                let changes = Databag::from([("a".to_owned(), "1".to_owned())]);
                none(t.relation_set(&RelationRef::new("db", 9), false, &changes))
            },
        },
        Step {
            argv: &["relation-model-get", "--format=json", "-r", "db:0"],
            stdin: "",
            harness: |t| Ok(json(json!({"uuid": t.relation_model_get(&db())?}))),
        },
        Step {
            argv: &["open-port", "8080/tcp"],
            stdin: "",
            harness: |t| none(t.open_port(&"8080/tcp".parse::<Port>().unwrap())),
        },
        Step {
            argv: &["open-port", "icmp"],
            stdin: "",
            harness: |t| none(t.open_port(&Port::icmp())),
        },
        Step {
            argv: &["close-port", "8080/tcp"],
            stdin: "",
            harness: |t| none(t.close_port(&"8080/tcp".parse::<Port>().unwrap())),
        },
        Step {
            argv: &["opened-ports", "--format=json"],
            stdin: "",
            harness: |t| {
                let ports: Vec<String> = t.opened_ports()?.iter().map(Port::to_string).collect();
                Ok(json(json!(ports)))
            },
        },
        Step {
            argv: &["state-set", "--file", "-"],
            stdin: r#"{"counter":"3"}"#,
            harness: |t| none(t.state_set("counter", "3")),
        },
        Step {
            argv: &["state-get", "--format=json", "counter"],
            stdin: "",
            harness: |t| Ok(json(json!(t.state_get("counter")?.unwrap_or_default()))),
        },
        Step {
            argv: &["state-delete", "counter"],
            stdin: "",
            harness: |t| none(t.state_delete("counter")),
        },
        Step {
            argv: &["state-get", "--format=json", "counter"],
            stdin: "",
            harness: |t| Ok(json(json!(t.state_get("counter")?.unwrap_or_default()))),
        },
        Step {
            argv: &["juju-log", "--log-level", "WARNING", "--", "low on disk"],
            stdin: "",
            harness: |t| none(t.juju_log(LogLevel::Warning, "low on disk")),
        },
        Step {
            argv: &["juju-reboot"],
            stdin: "",
            harness: |t| none(t.juju_reboot(false)),
        },
        // Not running an action.
        Step {
            argv: &["action-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(Value::Object(t.action_get()?))),
        },
        Step {
            argv: &["action-set", "ok=yes"],
            stdin: "",
            harness: |t| {
                let results = Databag::from([("ok".to_owned(), "yes".to_owned())]);
                none(t.action_set(&results))
            },
        },
        Step {
            argv: &["action-log", "--", "working"],
            stdin: "",
            harness: |t| none(t.action_log("working")),
        },
        Step {
            argv: &["action-fail", "--", "no"],
            stdin: "",
            harness: |t| none(t.action_fail("no")),
        },
        // A missing secret.
        Step {
            argv: &["secret-get", "--format=json", MISSING_SECRET],
            stdin: "",
            harness: |t| {
                let lookup = SecretLookup::by_id(MISSING_SECRET);
                Ok(content_json(&t.secret_get(&lookup, Revision::Tracked)?))
            },
        },
        Step {
            argv: &["storage-list", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(json!(t.storage_list(None)?))),
        },
        Step {
            argv: &["storage-list", "--format=json", "logs"],
            stdin: "",
            harness: |t| Ok(json(json!(t.storage_list(Some("logs"))?))),
        },
        Step {
            argv: &["storage-get", "--format=json", "-s", "data/0"],
            stdin: "",
            harness: |t| Ok(json(storage_json(&t.storage_get("data/0")?))),
        },
        // Refused: an instance the unit does not have.
        Step {
            argv: &["storage-get", "--format=json", "-s", "data/7"],
            stdin: "",
            harness: |t| Ok(json(storage_json(&t.storage_get("data/7")?))),
        },
        Step {
            argv: &["storage-add", "data=1"],
            stdin: "",
            harness: |t| none(t.storage_add("data", 1)),
        },
        // Refused: one more than the charm allows, and a storage it does not declare.
        Step {
            argv: &["storage-add", "data=1"],
            stdin: "",
            harness: |t| none(t.storage_add("data", 1)),
        },
        Step {
            argv: &["storage-add", "logs=1"],
            stdin: "",
            harness: |t| none(t.storage_add("logs", 1)),
        },
        Step {
            argv: &["network-get", "--format=json", "db"],
            stdin: "",
            harness: |t| Ok(json(network_json(&t.network_get("db", None)?))),
        },
        Step {
            argv: &["network-get", "--format=json", "-r", "0", "metrics"],
            stdin: "",
            harness: |t| Ok(json(network_json(&t.network_get("metrics", Some(0))?))),
        },
        // Refused: a relation that does not exist, a binding the charm lacks.
        Step {
            argv: &["network-get", "--format=json", "-r", "9", "db"],
            stdin: "",
            harness: |t| Ok(json(network_json(&t.network_get("db", Some(9))?))),
        },
        Step {
            argv: &["network-get", "--format=json", "nope"],
            stdin: "",
            harness: |t| Ok(json(network_json(&t.network_get("nope", None)?))),
        },
        // Refused: a resource the controller lacks, and credentials to an
        // untrusted application.
        Step {
            argv: &["resource-get", "model-file"],
            stdin: "",
            harness: |t| Ok(json(json!(t.resource_get("model-file")?))),
        },
        Step {
            argv: &["credential-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(json!(t.credential_get()?.kind))),
        },
        Step {
            argv: &["unit-get", "--format=json", "private-address"],
            stdin: "",
            harness: |t| Ok(json(json!(t.unit_get(AddressKind::Private)?))),
        },
        // Refused: a relation that does not exist.
        Step {
            argv: &["relation-list", "--format=json", "-r", "db:9"],
            stdin: "",
            harness: |t| Ok(json(t.relation_list(&RelationRef::new("db", 9))?)),
        },
    ]
}

/// The secret tools' script: a unit's own secret through its revisions,
/// grants and removal, and the refusals (an application's secret to a
/// non-leader, another application's, a missing one, an unknown relation).
fn secret_script() -> Vec<Step> {
    vec![
        Step {
            argv: &[
                "secret-add",
                "--owner",
                "unit",
                "--label",
                "mine",
                "token=t1",
            ],
            stdin: "",
            harness: |t| {
                let options = SecretOptions {
                    label: Some("mine".into()),
                    ..SecretOptions::default()
                };
                let id = t.secret_add(&token("t1"), &options, SecretOwner::Unit)?;
                Ok(text(format!("{id}\n")))
            },
        },
        // Refused to a non-leader: an application's secret.
        Step {
            argv: &["secret-add", "--owner", "application", "token=a1"],
            stdin: "",
            harness: |t| {
                let options = SecretOptions::default();
                let id = t.secret_add(&token("a1"), &options, SecretOwner::App)?;
                Ok(text(format!("{id}\n")))
            },
        },
        Step {
            argv: &["secret-get", "--format=json", "--label", "mine"],
            stdin: "",
            harness: |t| {
                let lookup = SecretLookup::new(None, Some("mine"));
                Ok(content_json(&t.secret_get(&lookup, Revision::Tracked)?))
            },
        },
        Step {
            argv: &["secret-set", MINE, "token=t2"],
            stdin: "",
            harness: |t| none(t.secret_set(MINE, Some(&token("t2")), &SecretOptions::default())),
        },
        // The owner tracks revision 1 until it refreshes.
        Step {
            argv: &["secret-get", "--format=json", MINE],
            stdin: "",
            harness: |t| {
                let lookup = SecretLookup::by_id(MINE);
                Ok(content_json(&t.secret_get(&lookup, Revision::Tracked)?))
            },
        },
        Step {
            argv: &["secret-get", "--format=json", MINE, "--peek"],
            stdin: "",
            harness: |t| {
                let lookup = SecretLookup::by_id(MINE);
                Ok(content_json(&t.secret_get(&lookup, Revision::Peek)?))
            },
        },
        Step {
            argv: &["secret-get", "--format=json", "--refresh", MINE],
            stdin: "",
            harness: |t| {
                let lookup = SecretLookup::by_id(MINE);
                Ok(content_json(&t.secret_get(&lookup, Revision::Refresh)?))
            },
        },
        Step {
            argv: &["secret-info-get", "--format=json", MINE],
            stdin: "",
            harness: |t| {
                let info = t.secret_info_get(&SecretLookup::by_id(MINE))?;
                let id = info.id.strip_prefix("secret:").unwrap();
                Ok(json(json!({id: {
                    "revision": info.revision,
                    "label": info.label,
                    "owner": "unit",
                }})))
            },
        },
        // A non-leader lists its own secrets only.
        Step {
            argv: &["secret-ids", "--format=json"],
            stdin: "",
            harness: |t| {
                let mut ids: Vec<String> = t
                    .secret_ids()?
                    .iter()
                    .map(|id| id.strip_prefix("secret:").unwrap().to_owned())
                    .collect();
                ids.sort();
                Ok(json(ids))
            },
        },
        // Refused: a missing secret; another application's; to a non-leader,
        // its application's.
        Step {
            argv: &["secret-set", MISSING_SECRET, "token=x"],
            stdin: "",
            harness: |t| {
                none(t.secret_set(MISSING_SECRET, Some(&token("x")), &SecretOptions::default()))
            },
        },
        Step {
            argv: &["secret-set", OBSERVED, "token=x"],
            stdin: "",
            harness: |t| none(t.secret_set(OBSERVED, Some(&token("x")), &SecretOptions::default())),
        },
        Step {
            argv: &["secret-set", SEEDED, "--description", "rotated", "token=s2"],
            stdin: "",
            harness: |t| {
                let options = SecretOptions {
                    description: Some("rotated".into()),
                    ..SecretOptions::default()
                };
                none(t.secret_set(SEEDED, Some(&token("s2")), &options))
            },
        },
        Step {
            argv: &["secret-remove", SEEDED, "--revision", "1"],
            stdin: "",
            harness: |t| none(t.secret_remove(SEEDED, Some(1))),
        },
        Step {
            argv: &["secret-get", "--format=json", "--label", "vault-token"],
            stdin: "",
            harness: |t| {
                let lookup = SecretLookup::new(None, Some("vault-token"));
                Ok(content_json(&t.secret_get(&lookup, Revision::Tracked)?))
            },
        },
        Step {
            argv: &["secret-grant", "--relation", "0", MINE],
            stdin: "",
            harness: |t| none(t.secret_grant(MINE, 0, None)),
        },
        Step {
            argv: &["secret-grant", "--relation", "0", "--unit", "pg/0", MINE],
            stdin: "",
            harness: |t| none(t.secret_grant(MINE, 0, Some("pg/0"))),
        },
        // Refused: an unknown relation, another application's unit, and a
        // secret this unit does not manage.
        Step {
            argv: &["secret-grant", "--relation", "9", MINE],
            stdin: "",
            harness: |t| none(t.secret_grant(MINE, 9, None)),
        },
        Step {
            argv: &["secret-grant", "--relation", "0", "--unit", "mysql/0", MINE],
            stdin: "",
            harness: |t| none(t.secret_grant(MINE, 0, Some("mysql/0"))),
        },
        Step {
            argv: &["secret-grant", "--relation", "0", OBSERVED],
            stdin: "",
            harness: |t| none(t.secret_grant(OBSERVED, 0, None)),
        },
        Step {
            argv: &["secret-revoke", "--relation", "0", MINE],
            stdin: "",
            harness: |t| none(t.secret_revoke(MINE, 0, None)),
        },
        Step {
            argv: &["secret-remove", MINE, "--revision", "1"],
            stdin: "",
            harness: |t| none(t.secret_remove(MINE, Some(1))),
        },
        Step {
            argv: &["secret-remove", MISSING_SECRET],
            stdin: "",
            harness: |t| none(t.secret_remove(MISSING_SECRET, None)),
        },
        Step {
            argv: &["secret-remove", ADDED],
            stdin: "",
            harness: |t| none(t.secret_remove(ADDED, None)),
        },
        // Refused to a non-leader: the leader settings and an application's status.
        Step {
            argv: &["leader-set", "greeting=hi"],
            stdin: "",
            harness: |t| none(t.leader_set(&[("greeting".into(), "hi".into())])),
        },
        Step {
            argv: &["leader-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(t.leader_get())),
        },
        Step {
            argv: &["status-set", "--application=True", "blocked", "--", "no db"],
            stdin: "",
            harness: |t| none(t.status_set(StatusTarget::App, &Status::blocked("no db"))),
        },
        // Refused: metrics outside `collect-metrics`.
        Step {
            argv: &["add-metric", "users=3"],
            stdin: "",
            harness: |t| none(t.add_metric(&[("users".into(), "3".into())], &[])),
        },
    ]
}

/// The secrets both models start with: one another application granted this
/// one, and one of this application.
fn seeded_secrets() -> [Secret; 2] {
    [
        Secret::new(token("v1"))
            .with_id(OBSERVED)
            .with_label("vault-token"),
        Secret::new(token("s1"))
            .with_id(SEEDED)
            .with_label("seeded")
            .owned_by(SecretOwner::App),
    ]
}

/// The harness's model of unit `demo/0`, related to `pg` on `db:0`, during
/// [`EVENT`].
fn harness_model(leader: bool) -> JujuModel {
    let address = state::UNIT_ADDRESS;
    let mut model = JujuModel::default();
    model.unit_name = "demo/0".into();
    model.app_name = "demo".into();
    model.model_uuid = "5a1b2c3d-0000-4000-8000-000000000517".into();
    model.leader = leader;
    model.hook = Some(EVENT.into());
    model.config = [("port".to_owned(), json!(8080))].into_iter().collect();
    model.unit_status = Status::maintenance("installing charm software").info();
    model.storages = vec![Storage::new("data", 0)];
    model.declared_storage = Some([("data".to_owned(), "filesystem".to_owned())].into());
    model.storage_max = [("data".to_owned(), 2)].into();
    model.bindings = Some(["db".to_owned(), "metrics".to_owned()].into());
    model.planned_units = 1;
    // A Juju 3.6, as `sim` runs.
    model.same_content_keeps_revision = true;
    model.default_network = Some(Network {
        bind_addresses: vec![BindAddress {
            mac_address: "00:16:3e:00:00:0a".into(),
            interface_name: "eth0".into(),
            addresses: vec![Address {
                hostname: String::new(),
                value: address.to_owned(),
                cidr: state::SUBNET.to_owned(),
            }],
        }],
        ingress_addresses: vec![address.to_owned()],
        egress_subnets: vec![format!("{address}/32")],
    });
    model.relations = vec![
        Relation::new("db", 0)
            .with_remote_app("pg")
            .with_remote_unit("pg/0", [("host", "10.0.0.20")])
            .with_local_unit_data([
                ("egress-subnets", format!("{address}/32")),
                ("ingress-address", address.to_owned()),
                ("private-address", address.to_owned()),
            ]),
    ];
    model.secrets = seeded_secrets().into();
    model
}

/// `sim`'s model of the same unit.
fn sim_model(leader: bool) -> Model {
    let mut model = Model::new("demo", leader);
    model.juju.config.insert("port".into(), json!(8080));
    model.juju.declared_storage = Some([("data".to_owned(), "filesystem".to_owned())].into());
    model.juju.storage_max.insert("data".into(), 2);
    model.attach_storage("data", "/var/lib/juju/storage/data/0".into());
    model.juju.bindings = Some(["db".to_owned(), "metrics".to_owned()].into());
    let index = model.add_relation("db", "pg");
    model.juju.relations[index].remote_units.insert(
        "pg/0".into(),
        Databag::from([("host".into(), "10.0.0.20".into())]),
    );
    let [observed, seeded] = seeded_secrets();
    model
        .secret_owners
        .insert(observed.id.clone(), "vault".into());
    model.juju.secrets.extend([observed, seeded]);
    model
}

/// What a call printed and how it ended: stdout (as JSON where it is JSON), exit
/// code, stderr.
type Outcome = (Value, i32, String);

/// `stdout` as JSON where it is, else as text.
fn stdout(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

fn harness_outcome(answer: Answer) -> Outcome {
    match answer {
        Ok(printed) => (stdout(&printed.unwrap_or_default()), 0, String::new()),
        Err(HookToolError::Failed {
            exit_code, stderr, ..
        }) => (stdout(""), exit_code.unwrap_or(-1), stderr),
        Err(other) => panic!("the harness's model failed unlike a tool: {other}"),
    }
}

fn sim_outcome(result: Result<String, ToolError>) -> Outcome {
    match result {
        Ok(printed) => (stdout(&printed), 0, String::new()),
        // As `tools::main` prints it.
        Err(error) => (
            stdout(""),
            i32::from(error.code),
            format!("ERROR {}\n", error.message),
        ),
    }
}

/// Runs `step` through `sim`'s tool layer, in [`EVENT`].
fn call_sim(step: &Step, sim: &mut Model) -> Result<String, ToolError> {
    let (tool, args) = step.argv.split_first().unwrap();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let input = step.stdin.to_owned();
    let context = Context {
        event: EVENT.into(),
        ..Context::default()
    };
    run(tool, &args, sim, &context, &mut || Ok(input.clone()))
}

/// Runs `steps` on both sides; returns the outcomes.
fn run_steps(
    steps: Vec<Step>,
    harness: &MemoryHookTools,
    sim: &mut Model,
) -> Vec<(String, Outcome, Outcome)> {
    steps
        .into_iter()
        .map(|step| {
            let expected = harness_outcome((step.harness)(harness));
            let got = sim_outcome(call_sim(&step, sim));
            (step.argv.join(" "), expected, got)
        })
        .collect()
}

/// Runs both scripts on both sides, checks that every call and the models they
/// leave agree, and returns the outcomes.
fn assert_same(leader: bool) -> Vec<(String, Outcome, Outcome)> {
    let harness = MemoryHookTools::new(harness_model(leader));
    let mut sim = sim_model(leader);
    let mut outcomes = run_steps(script(), &harness, &mut sim);
    outcomes.extend(run_steps(secret_script(), &harness, &mut sim));
    for (call, expected, got) in &outcomes {
        assert_eq!(got, expected, "`{call}` (leader: {leader})");
    }
    // The models they leave agree too: `sim` keeps the `juju-log` lines with
    // their event, and runs each call in its hook.
    let mut harness = harness.into_model();
    let logged: Vec<(String, String)> = harness
        .juju_log
        .drain(..)
        .map(|line| (line.level.as_str().to_owned(), line.message))
        .collect();
    let sim_logged: Vec<(String, String)> = sim
        .log
        .iter()
        .map(|line| (line.level.clone(), line.message.clone()))
        .collect();
    assert_eq!(logged, sim_logged);
    assert_eq!(
        sim_logged,
        [("WARNING".to_owned(), "low on disk".to_owned())]
    );
    harness.hook = None;
    // `sim`'s record of the calls is its own (`storage-add` tries its
    // directives on a copy first).
    harness.calls.clear();
    let mut sim_juju = sim.juju.clone();
    sim_juju.calls.clear();
    assert_eq!(harness, sim_juju, "(leader: {leader})");
    assert_eq!(sim.juju.requested_storages, [("data".to_owned(), 1)].into());
    assert_eq!(sim.juju.reboots, [false]);
    outcomes
}

/// The outcome of the first call whose argv starts with `prefix`.
fn outcome<'a>(outcomes: &'a [(String, Outcome, Outcome)], prefix: &str) -> &'a Outcome {
    &outcomes
        .iter()
        .find(|(call, _, _)| call.starts_with(prefix))
        .unwrap_or_else(|| panic!("no call `{prefix}`"))
        .1
}

/// The exit code and stderr of the first call whose argv starts with `prefix`.
fn refusal(outcomes: &[(String, Outcome, Outcome)], prefix: &str) -> (i32, String) {
    let (_, code, stderr) = outcome(outcomes, prefix);
    (*code, stderr.clone())
}

#[test]
fn a_non_leader_gets_the_same_answers_and_refusals() {
    let outcomes = assert_same(false);
    // The refusals are Juju's, and the same on both sides (checked above).
    let refused = |prefix: &str| refusal(&outcomes, prefix);
    let not_leader = (1, "ERROR this unit is not the leader\n".to_owned());
    assert_eq!(refused("status-set --application=true"), not_leader);
    assert_eq!(refused("status-set --application=True"), not_leader);
    assert_eq!(
        refused("status-get --include-data --format=json --application=true"),
        (
            1,
            "ERROR finding application status: this unit is not the leader\n".to_owned()
        )
    );
    assert_eq!(
        refused("relation-set -r db:0 --app"),
        (
            1,
            "ERROR cannot write relation settings: permission denied\n".to_owned()
        )
    );
    assert_eq!(
        refused("relation-get --format=json -r db:0 --app"),
        (1, "ERROR permission denied\n".to_owned())
    );
    let no_relation = (
        2,
        "ERROR invalid value \"db:9\" for option -r: relation not found\n".to_owned(),
    );
    for call in [
        "relation-get --format=json -r db:9",
        "relation-set -r db:9",
        "relation-list --format=json -r db:9",
    ] {
        assert_eq!(refused(call), no_relation, "{call}");
    }
    assert_eq!(
        refused("relation-get --format=json -r db:0 - pg/7"),
        (
            1,
            "ERROR cannot read settings for unit \"pg/7\" in relation \"db:0\": unit \
             \"pg/7\": settings not found\n"
                .to_owned()
        )
    );
    for tool in ["action-get", "action-set", "action-log", "action-fail"] {
        assert_eq!(
            refused(tool),
            (1, "ERROR not running an action\n".to_owned()),
            "{tool}"
        );
    }
    assert_eq!(
        refused("storage-get --format=json -s data/7"),
        (
            2,
            "ERROR invalid value \"data/7\" for option -s: storage \"data/7\" not found\n"
                .to_owned()
        )
    );
    assert_eq!(
        refused("network-get --format=json -r 9"),
        (
            2,
            "ERROR invalid value \"9\" for option -r: relation not found\n".to_owned()
        )
    );
    assert_eq!(
        refused("network-get --format=json nope"),
        (
            1,
            "ERROR no network config found for binding \"nope\"\n".to_owned()
        )
    );
    assert_eq!(outcome(&outcomes, "unit-get").0, json!(state::UNIT_ADDRESS));
    assert_eq!(
        refused("resource-get"),
        (
            1,
            "ERROR could not download resource: resource#demo/model-file not found\n".to_owned()
        )
    );
    // Juju's credential-get annotates the controller's ErrPerm.
    assert_eq!(
        refused("credential-get"),
        (
            1,
            "ERROR cannot access cloud credentials: permission denied\n".to_owned()
        )
    );
    assert_eq!(
        refused("storage-add logs=1"),
        (1, "ERROR charm storage \"logs\" not found\n".to_owned())
    );
    let missing = (
        1,
        "ERROR secret \"cs0k7p7mp25c7f0rcvog\" not found\n".to_owned(),
    );
    for call in [
        "secret-get",
        "secret-set secret:cs0k",
        "secret-remove secret:cs0k",
    ] {
        assert_eq!(refused(call), missing, "{call}");
    }
    // The secret tools' refusals.
    for call in [
        "secret-add --owner application",
        "secret-set secret:d0ul4e7mp25c7v000102",
        "secret-remove secret:d0ul4e7mp25c7v000102",
        "leader-set",
    ] {
        let expected = if call == "leader-set" {
            (
                1,
                "ERROR cannot write leadership settings: cannot write settings: not the \
                 leader\n"
                    .to_owned(),
            )
        } else {
            not_leader.clone()
        };
        assert_eq!(refused(call), expected, "{call}");
    }
    assert_eq!(
        refused("secret-set secret:d0ul4e7mp25c7v000101"),
        (1, "ERROR permission denied\n".to_owned())
    );
    assert_eq!(
        refused("secret-grant --relation 9"),
        (
            2,
            "ERROR invalid value \"9\" for option --relation: relation not found\n".to_owned()
        )
    );
    assert_eq!(
        refused("secret-grant --relation 0 --unit mysql/0"),
        (
            2,
            "ERROR cannot specify unit \"mysql/0\" in relation to application \"pg\"\n".to_owned()
        )
    );
    assert_eq!(
        refused("secret-grant --relation 0 secret:d0ul4e7mp25c7v000101"),
        (
            1,
            "ERROR secret \"d0ul4e7mp25c7v000101\" not found\n".to_owned()
        )
    );
    assert_eq!(
        refused("add-metric"),
        (
            1,
            "ERROR cannot record metric: metrics not allowed in this context\n".to_owned()
        )
    );
    // What a non-leader reads: its own secret, tracked until refreshed; what it
    // observes; only its own secrets listed.
    let printed = |prefix: &str| outcome(&outcomes, prefix).0.clone();
    assert_eq!(
        printed("secret-add --owner unit"),
        Value::String(format!("{MINE}\n"))
    );
    assert_eq!(
        printed("secret-get --format=json secret:cp85673jd5mg0000000g"),
        json!({"token": "t1"})
    );
    assert_eq!(
        printed("secret-get --format=json --refresh"),
        json!({"token": "t2"})
    );
    assert_eq!(
        printed("secret-get --format=json --label vault-token"),
        json!({"token": "v1"})
    );
    assert_eq!(
        printed("secret-info-get"),
        json!({"cp85673jd5mg0000000g": {"revision": 2, "label": "mine", "owner": "unit"}})
    );
    assert_eq!(printed("secret-ids"), json!(["cp85673jd5mg0000000g"]));
    assert_eq!(printed("leader-get"), json!({}));
}

#[test]
fn a_leader_gets_the_same_answers_and_writes() {
    let outcomes = assert_same(true);
    // The second instance fills the charm's maximum of two; the third is refused.
    let adds: Vec<&Outcome> = outcomes
        .iter()
        .filter(|(call, _, _)| call == "storage-add data=1")
        .map(|(_, expected, _)| expected)
        .collect();
    assert_eq!(
        adds,
        [
            &(stdout(""), 0, String::new()),
            &(
                stdout(""),
                1,
                "ERROR cannot add storage \"data\": the charm allows at most 2 instances, \
                 this would make 3\n"
                    .to_owned()
            )
        ]
    );
    let done = (stdout(""), 0, String::new());
    for call in [
        "relation-set -r db:0 --app",
        "secret-set secret:d0ul4e7mp25c7v000102",
        "secret-remove secret:d0ul4e7mp25c7v000102",
        "secret-remove secret:cp85673jd5mg00000010",
        "leader-set",
        "status-set --application=True",
    ] {
        assert_eq!(outcome(&outcomes, call), &done, "{call}");
    }
    assert_eq!(
        outcome(&outcomes, "relation-get --format=json -r db:0 --app").0,
        json!({"endpoints": "db:5432"})
    );
    assert_eq!(
        outcome(
            &outcomes,
            "status-get --include-data --format=json --application=true"
        )
        .0,
        json!({"application-status": {"message": "ready", "status": "active",
            "status-data": {}, "units": {"demo/0": {"message": "installing",
            "status": "maintenance", "status-data": {}}}}})
    );
    assert_eq!(
        outcome(&outcomes, "secret-add --owner application").0,
        Value::String(format!("{ADDED}\n"))
    );
    // The leader lists its application's secrets too.
    assert_eq!(
        outcome(&outcomes, "secret-ids").0,
        json!([
            "cp85673jd5mg0000000g",
            "cp85673jd5mg00000010",
            "d0ul4e7mp25c7v000102"
        ])
    );
    assert_eq!(
        outcome(&outcomes, "leader-get").0,
        json!({"greeting": "hi"})
    );
}

#[test]
fn an_action_runs_alike() {
    let params = json!({"include-config": false, "proxy": {"port": 80}});
    let harness = {
        let mut model = harness_model(true);
        model.action_params = params.as_object().cloned();
        MemoryHookTools::new(model)
    };
    let mut sim = sim_model(true);
    sim.juju.action_params = params.as_object().cloned();
    let steps = vec![
        Step {
            argv: &["action-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(json(Value::Object(t.action_get()?))),
        },
        Step {
            argv: &["action-set", "proxy.slug=x", "ok=yes"],
            stdin: "",
            harness: |t| {
                let results = Databag::from([
                    ("proxy.slug".to_owned(), "x".to_owned()),
                    ("ok".to_owned(), "yes".to_owned()),
                ]);
                none(t.action_set(&results))
            },
        },
        Step {
            argv: &["action-log", "--", "working"],
            stdin: "",
            harness: |t| none(t.action_log("working")),
        },
        Step {
            argv: &["juju-reboot", "--now"],
            stdin: "",
            harness: |t| none(t.juju_reboot(true)),
        },
        Step {
            argv: &["action-fail", "--", "out of disk"],
            stdin: "",
            harness: |t| none(t.action_fail("out of disk")),
        },
    ];
    for (call, expected, got) in run_steps(steps, &harness, &mut sim) {
        assert_eq!(got, expected, "{call}");
    }
    let harness = harness.into_model();
    assert_eq!(
        Value::Object(sim.juju.action_results_tree()),
        json!({"proxy": {"slug": "x"}, "ok": "yes"})
    );
    assert_eq!(
        harness.action_results,
        std::collections::BTreeMap::from([
            ("ok".to_owned(), "yes".to_owned()),
            ("proxy.slug".to_owned(), "x".to_owned()),
        ])
    );
    assert_eq!(sim.juju.action_results, harness.action_results);
    assert_eq!(sim.juju.action_logs, harness.action_logs);
    assert_eq!(sim.juju.action_failure, harness.action_failure);
    assert_eq!(sim.juju.action_failure.as_deref(), Some("out of disk"));
    // Juju refuses a reboot during an action; both said so alike above.
    assert!(harness.reboots.is_empty());
    assert!(sim.juju.reboots.is_empty());
}

/// The ids the script names are the ones the model makes.
#[test]
fn the_script_names_the_ids_the_model_makes() {
    let mut model = JujuModel::default();
    assert_eq!(model.new_secret_id(), MINE);
    assert_eq!(model.new_secret_id(), ADDED);
}
