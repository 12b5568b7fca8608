//! The harness and `sim` answer alike: one scripted sequence of hook-tool
//! calls, refusals included, run through the runtime's model as the harness
//! calls it ([`MemoryHookTools`], typed) and through `sim`'s tool layer (argv
//! as [`ops_runtime::hook_tools::ProcessHookTools`] sends it), comparing
//! stdout, exit codes and stderr call by call, then the states they leave.
//!
//! The two sides start from states built separately, each with its own
//! builders, so the test does not lean on the bridge it checks.

use ops_runtime::HookToolError;
use ops_runtime::event::RelationRef;
use ops_runtime::hook_tools::{HookTools, LogLevel, StatusTarget};
use ops_runtime::testing::{JujuModel, MemoryHookTools, Relation, Storage};
use ops_runtime::{
    Address, AddressKind, BindAddress, Network, Port, Revision, SecretLookup, Status, StatusInfo,
};
use serde_json::{Value, json};

use super::{Context, ToolError, run};
use crate::sim::state::{self, Databag, Model};

/// What a harness call gives: the JSON Juju prints for it, or nothing.
type Answer = Result<Option<Value>, HookToolError>;

/// One call: the argv and stdin `ProcessHookTools` sends, and the same call
/// made on the harness's model.
struct Step {
    argv: &'static [&'static str],
    stdin: &'static str,
    harness: fn(&MemoryHookTools) -> Answer,
}

/// A secret id no one made.
const MISSING_SECRET: &str = "secret:cs0k7p7mp25c7f0rcvog";

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
            harness: |t| Ok(Some(Value::Bool(t.is_leader()?))),
        },
        Step {
            argv: &["config-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(Some(serde_json::to_value(t.config_get()?).unwrap())),
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
            harness: |t| Ok(Some(details(&t.status_get(StatusTarget::Unit)?))),
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
                Ok(Some(json!({"application-status": app})))
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
                Ok(Some(json!(ids)))
            },
        },
        Step {
            argv: &["relation-list", "--format=json", "-r", "db:0"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.relation_list(&db())?))),
        },
        Step {
            argv: &["relation-list", "--format=json", "--app", "-r", "db:0"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.relation_remote_app(&db())?))),
        },
        Step {
            argv: &["relation-get", "--format=json", "-r", "db:0", "-", "pg/0"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.relation_get(&db(), "pg/0", false)?))),
        },
        Step {
            argv: &["relation-get", "--format=json", "-r", "db:0", "-", "pg/7"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.relation_get(&db(), "pg/7", false)?))),
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
            harness: |t| Ok(Some(json!(t.relation_get(&db(), "demo", true)?))),
        },
        // An unknown relation.
        Step {
            argv: &["relation-get", "--format=json", "-r", "db:9", "-", "demo/0"],
            stdin: "",
            harness: |t| {
                let relation = RelationRef::new("db", 9);
                Ok(Some(json!(t.relation_get(&relation, "demo/0", false)?)))
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
            harness: |t| Ok(Some(json!({"uuid": t.relation_model_get(&db())?}))),
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
                Ok(Some(json!(ports)))
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
            harness: |t| Ok(Some(json!(t.state_get("counter")?.unwrap_or_default()))),
        },
        Step {
            argv: &["state-delete", "counter"],
            stdin: "",
            harness: |t| none(t.state_delete("counter")),
        },
        Step {
            argv: &["state-get", "--format=json", "counter"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.state_get("counter")?.unwrap_or_default()))),
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
            harness: |t| Ok(Some(Value::Object(t.action_get()?))),
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
                let content = t.secret_get(&lookup, Revision::Tracked)?;
                Ok(Some(json!(
                    content.iter().collect::<std::collections::BTreeMap<_, _>>()
                )))
            },
        },
        Step {
            argv: &["storage-list", "--format=json"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.storage_list(None)?))),
        },
        Step {
            argv: &["storage-list", "--format=json", "logs"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.storage_list(Some("logs"))?))),
        },
        Step {
            argv: &["storage-get", "--format=json", "-s", "data/0"],
            stdin: "",
            harness: |t| Ok(Some(storage_json(&t.storage_get("data/0")?))),
        },
        // Refused: an instance the unit does not have.
        Step {
            argv: &["storage-get", "--format=json", "-s", "data/7"],
            stdin: "",
            harness: |t| Ok(Some(storage_json(&t.storage_get("data/7")?))),
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
            harness: |t| Ok(Some(network_json(&t.network_get("db", None)?))),
        },
        Step {
            argv: &["network-get", "--format=json", "-r", "0", "metrics"],
            stdin: "",
            harness: |t| Ok(Some(network_json(&t.network_get("metrics", Some(0))?))),
        },
        // Refused: a relation that does not exist, a binding the charm lacks.
        Step {
            argv: &["network-get", "--format=json", "-r", "9", "db"],
            stdin: "",
            harness: |t| Ok(Some(network_json(&t.network_get("db", Some(9))?))),
        },
        Step {
            argv: &["network-get", "--format=json", "nope"],
            stdin: "",
            harness: |t| Ok(Some(network_json(&t.network_get("nope", None)?))),
        },
        // Refused: a resource the controller lacks, and credentials to an
        // untrusted application.
        Step {
            argv: &["resource-get", "model-file"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.resource_get("model-file")?))),
        },
        Step {
            argv: &["credential-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.credential_get()?.kind))),
        },
        Step {
            argv: &["unit-get", "--format=json", "private-address"],
            stdin: "",
            harness: |t| Ok(Some(json!(t.unit_get(AddressKind::Private)?))),
        },
    ]
}

/// The harness's model of unit `demo/0`, related to `pg` on `db:0`.
fn harness_model(leader: bool) -> JujuModel {
    let address = state::UNIT_ADDRESS;
    let mut model = JujuModel::default();
    model.unit_name = "demo/0".into();
    model.app_name = "demo".into();
    model.model_uuid = "5a1b2c3d-0000-4000-8000-000000000517".into();
    model.leader = leader;
    model.config = [("port".to_owned(), json!(8080))].into_iter().collect();
    model.unit_status = Status::maintenance("installing charm software").info();
    model.storages = vec![Storage::new("data", 0)];
    model.declared_storage = Some([("data".to_owned(), "filesystem".to_owned())].into());
    model.storage_max = [("data".to_owned(), 2)].into();
    model.bindings = Some(["db".to_owned(), "metrics".to_owned()].into());
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
    model
}

/// `sim`'s model of the same unit.
fn sim_model(leader: bool) -> Model {
    let mut model = Model::new("demo", leader);
    model.config.insert("port".into(), json!(8080));
    model.charm_storage.insert(
        "data".into(),
        state::StorageSpec {
            kind: "filesystem".into(),
            max: Some(2),
            next_index: 0,
        },
    );
    model.attach_storage("data", "/var/lib/juju/storage/data/0".into());
    model.bindings = vec!["db".into(), "metrics".into()];
    let index = model.add_relation("db", "pg");
    model.relations[index].remote_units.insert(
        "pg/0".into(),
        Databag::from([("host".into(), "10.0.0.20".into())]),
    );
    model
}

/// What a call printed and how it ended: stdout, exit code, stderr.
type Outcome = (String, i32, String);

fn harness_outcome(answer: Answer) -> Outcome {
    match answer {
        Ok(None) => (String::new(), 0, String::new()),
        Ok(Some(value)) => (format!("{value}\n"), 0, String::new()),
        Err(HookToolError::Failed {
            exit_code, stderr, ..
        }) => (String::new(), exit_code.unwrap_or(-1), stderr),
        Err(other) => panic!("the harness's model failed unlike a tool: {other}"),
    }
}

fn sim_outcome(result: Result<String, ToolError>) -> Outcome {
    match result {
        Ok(stdout) => (stdout, 0, String::new()),
        // As `tools::main` prints it.
        Err(error) => (
            String::new(),
            i32::from(error.code),
            format!("ERROR {}\n", error.message),
        ),
    }
}

/// Runs `step` through `sim`'s tool layer, in no hook's context.
fn call_sim(step: &Step, sim: &mut Model) -> Result<String, ToolError> {
    let (tool, args) = step.argv.split_first().unwrap();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let input = step.stdin.to_owned();
    run(tool, &args, sim, &Context::default(), &mut || {
        Ok(input.clone())
    })
}

/// Runs the script on both sides; returns the outcomes and both final models.
fn run_both(leader: bool) -> (Vec<(String, Outcome, Outcome)>, JujuModel, Model) {
    let harness = MemoryHookTools::new(harness_model(leader));
    let mut sim = sim_model(leader);
    let mut outcomes = Vec::new();
    for step in script() {
        let expected = harness_outcome((step.harness)(&harness));
        let got = sim_outcome(call_sim(&step, &mut sim));
        outcomes.push((step.argv.join(" "), expected, got));
    }
    (outcomes, harness.model(), sim)
}

fn assert_same(leader: bool) -> Vec<(String, Outcome, Outcome)> {
    let (outcomes, harness, sim) = run_both(leader);
    for (call, expected, got) in &outcomes {
        assert_eq!(got, expected, "`{call}` (leader: {leader})");
    }
    // The states they leave agree too.
    assert_eq!(super::juju::status(&harness.unit_status), sim.unit_status);
    assert_eq!(super::juju::status(&harness.app_status), sim.app_status);
    assert_eq!(
        harness.workload_version.as_deref().unwrap_or_default(),
        sim.workload_version
    );
    assert_eq!(
        harness.relations[0].local_unit_data,
        sim.relations[0].local_unit_data
    );
    assert_eq!(
        harness.relations[0].local_app_data,
        sim.relations[0].local_app_data
    );
    let ports: Vec<String> = harness.opened_ports.iter().map(Port::to_string).collect();
    assert_eq!(ports, sim.opened_ports);
    assert_eq!(harness.controller_state, sim.controller_state);
    assert_eq!(harness.requested_storages, sim.storage_requested);
    assert_eq!(sim.storage_requested, [("data".to_owned(), 1)].into());
    assert_eq!(harness.reboots, [false]);
    assert_eq!(sim.reboot.as_deref(), Some("after-hook"));
    let logged: Vec<(String, String)> = harness
        .juju_log
        .iter()
        .map(|line| (line.level.as_str().to_owned(), line.message.clone()))
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
    outcomes
}

/// The outcome of the first call whose argv starts with `prefix`.
fn outcome<'a>(outcomes: &'a [(String, Outcome, Outcome)], prefix: &str) -> &'a Outcome {
    &outcomes
        .iter()
        .find(|(call, _, _)| call.starts_with(prefix))
        .unwrap()
        .1
}

#[test]
fn a_non_leader_gets_the_same_answers_and_refusals() {
    let outcomes = assert_same(false);
    // The refusals are Juju's, and the same on both sides (checked above).
    let refused = |prefix: &str| {
        let (_, code, stderr) = outcome(&outcomes, prefix);
        (*code, stderr.clone())
    };
    assert_eq!(
        refused("status-set --application=true"),
        (1, "ERROR this unit is not the leader\n".to_owned())
    );
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
    assert_eq!(
        refused("relation-get --format=json -r db:9"),
        (
            2,
            "ERROR invalid value \"db:9\" for option -r: relation not found\n".to_owned()
        )
    );
    assert_eq!(
        refused("relation-set -r db:9"),
        (
            2,
            "ERROR invalid value \"db:9\" for option -r: relation not found\n".to_owned()
        )
    );
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
    assert_eq!(
        outcome(&outcomes, "unit-get").0,
        format!("\"{}\"\n", state::UNIT_ADDRESS)
    );
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
    assert_eq!(
        refused("secret-get"),
        (
            1,
            "ERROR secret \"cs0k7p7mp25c7f0rcvog\" not found\n".to_owned()
        )
    );
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
            &(String::new(), 0, String::new()),
            &(
                String::new(),
                1,
                "ERROR cannot add storage \"data\": the charm allows at most 2 instances, \
                 this would make 3\n"
                    .to_owned()
            )
        ]
    );
    assert_eq!(
        outcome(&outcomes, "relation-set -r db:0 --app"),
        &(String::new(), 0, String::new())
    );
    assert_eq!(
        outcome(&outcomes, "relation-get --format=json -r db:0 --app").0,
        "{\"endpoints\":\"db:5432\"}\n"
    );
    assert_eq!(
        outcome(
            &outcomes,
            "status-get --include-data --format=json --application=true"
        )
        .0,
        "{\"application-status\":{\"message\":\"ready\",\"status\":\"active\",\
         \"status-data\":{},\"units\":{\"demo/0\":{\"message\":\"installing\",\
         \"status\":\"maintenance\",\"status-data\":{}}}}}\n"
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
    sim.running_action = Some(crate::sim::state::ActionRun {
        name: "describe".into(),
        id: "1".into(),
        params: params.clone(),
        results: serde_json::Map::new(),
        log: Vec::new(),
        status: "running".into(),
        message: None,
    });
    let steps = [
        Step {
            argv: &["action-get", "--format=json"],
            stdin: "",
            harness: |t| Ok(Some(Value::Object(t.action_get()?))),
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
    for step in steps {
        let expected = harness_outcome((step.harness)(&harness));
        let got = sim_outcome(call_sim(&step, &mut sim));
        assert_eq!(got, expected, "{:?}", step.argv);
    }
    let harness = harness.model();
    let action = sim.running_action.unwrap();
    assert_eq!(
        Value::Object(action.results),
        json!({"proxy": {"slug": "x"}, "ok": "yes"})
    );
    assert_eq!(
        harness.action_results,
        std::collections::BTreeMap::from([
            ("ok".to_owned(), "yes".to_owned()),
            ("proxy.slug".to_owned(), "x".to_owned()),
        ])
    );
    assert_eq!(action.log, harness.action_logs);
    assert_eq!(action.status, "failed");
    assert_eq!(action.message, harness.action_failure);
    assert_eq!(action.message.as_deref(), Some("out of disk"));
    // Juju refuses a reboot during an action; both said so alike above.
    assert!(harness.reboots.is_empty());
    assert_eq!(sim.reboot, None);
}
