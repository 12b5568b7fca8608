//! The simulated model: what Juju knows about the unit, kept in one JSON file that
//! `sim` and the hook tools it runs read and write in turn.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A relation databag.
pub(crate) type Databag = BTreeMap<String, String>;

/// A workload status, as `status-get` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Status {
    /// `maintenance`, `blocked`, `waiting`, `active`, `unknown`, ...
    pub(crate) status: String,
    /// The message, possibly empty.
    pub(crate) message: String,
}

impl Status {
    pub(crate) fn new(status: &str, message: &str) -> Self {
        Self {
            status: status.to_owned(),
            message: message.to_owned(),
        }
    }

    /// `active`, or `blocked: message`.
    pub(crate) fn describe(&self) -> String {
        if self.message.is_empty() {
            self.status.clone()
        } else {
            format!("{}: {}", self.status, self.message)
        }
    }
}

/// A relation of the unit's application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Relation {
    /// The relation id (`endpoint:id` is the reference).
    pub(crate) id: u64,
    /// The local endpoint.
    pub(crate) endpoint: String,
    /// The remote application (the unit's own for a peer relation).
    pub(crate) remote_app: String,
    /// The remote units and their databags.
    pub(crate) remote_units: BTreeMap<String, Databag>,
    /// The remote application's databag.
    pub(crate) remote_app_data: Databag,
    /// This unit's databag.
    pub(crate) local_unit_data: Databag,
    /// This application's databag.
    pub(crate) local_app_data: Databag,
}

impl Relation {
    /// `endpoint:id`.
    pub(crate) fn reference(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }
}

/// One run of an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ActionRun {
    /// The action's name.
    pub(crate) name: String,
    /// Its id (`JUJU_ACTION_UUID`).
    pub(crate) id: String,
    /// The parameters, defaults filled in.
    pub(crate) params: Value,
    /// What `action-set` set, nested at the dots of the keys.
    pub(crate) results: Map<String, Value>,
    /// What `action-log` logged.
    pub(crate) log: Vec<String>,
    /// `running`, `completed` or `failed`.
    pub(crate) status: String,
    /// The `action-fail` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
}

/// A `juju-log` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LogLine {
    /// The event being handled (`install`, `describe-action`, ...).
    pub(crate) event: String,
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, ...
    pub(crate) level: String,
    /// The message.
    pub(crate) message: String,
}

/// What happened in one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct EventRecord {
    /// The event (`install`, `db-relation-joined`, `describe-action`).
    pub(crate) event: String,
    /// The charm's exit code (-1 when killed by a signal).
    pub(crate) exit_code: i32,
    /// Wall time, in milliseconds.
    pub(crate) duration_ms: f64,
    /// The unit's status afterwards.
    pub(crate) unit_status: Status,
    /// The application's status afterwards.
    pub(crate) app_status: Status,
    /// How many hook tools the charm ran.
    pub(crate) hook_tool_calls: u64,
}

/// The whole simulated model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Model {
    /// `JUJU_MODEL_NAME`.
    pub(crate) model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub(crate) model_uuid: String,
    /// The unit, `app/0`.
    pub(crate) unit: String,
    /// The application.
    pub(crate) app: String,
    /// Whether the unit is the leader.
    pub(crate) leader: bool,
    /// The config: every option that is set or has a default.
    pub(crate) config: Map<String, Value>,
    /// The unit's status.
    pub(crate) unit_status: Status,
    /// The application's status.
    pub(crate) app_status: Status,
    /// What `application-version-set` set.
    pub(crate) workload_version: String,
    /// The relations.
    pub(crate) relations: Vec<Relation>,
    /// The id the next relation gets.
    pub(crate) next_relation_id: u64,
    /// The unit's open ports: `80/tcp`, `8000-8999/udp`, `icmp`.
    pub(crate) opened_ports: Vec<String>,
    /// What `state-set` stored.
    pub(crate) controller_state: BTreeMap<String, String>,
    /// The action running now, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) running_action: Option<ActionRun>,
    /// Finished actions, in order.
    pub(crate) actions: Vec<ActionRun>,
    /// Every `juju-log` line.
    pub(crate) log: Vec<LogLine>,
    /// Hook-tool calls so far, over all events.
    pub(crate) hook_tool_calls: u64,
    /// The events run so far.
    pub(crate) history: Vec<EventRecord>,
}

impl Model {
    /// A new unit `app/0` of `app`.
    pub(crate) fn new(app: &str, leader: bool) -> Self {
        Self {
            model_name: "sim".into(),
            model_uuid: "5a1b2c3d-0000-4000-8000-000000000517".into(),
            unit: format!("{app}/0"),
            app: app.to_owned(),
            leader,
            config: Map::new(),
            unit_status: Status::new("maintenance", "installing charm software"),
            app_status: Status::new("unknown", ""),
            workload_version: String::new(),
            relations: Vec::new(),
            next_relation_id: 0,
            opened_ports: Vec::new(),
            controller_state: BTreeMap::new(),
            running_action: None,
            actions: Vec::new(),
            log: Vec::new(),
            hook_tool_calls: 0,
            history: Vec::new(),
        }
    }

    /// Adds a relation on `endpoint` with `remote_app` and returns its index.
    pub(crate) fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> usize {
        let id = self.next_relation_id;
        self.next_relation_id += 1;
        let address = "10.0.0.10";
        let local_unit_data = Databag::from([
            ("egress-subnets".to_owned(), format!("{address}/32")),
            ("ingress-address".to_owned(), address.to_owned()),
            ("private-address".to_owned(), address.to_owned()),
        ]);
        self.relations.push(Relation {
            id,
            endpoint: endpoint.to_owned(),
            remote_app: remote_app.to_owned(),
            remote_units: BTreeMap::new(),
            remote_app_data: Databag::new(),
            local_unit_data,
            local_app_data: Databag::new(),
        });
        self.relations.len() - 1
    }

    /// Reads the model from `path`.
    pub(crate) fn load(path: &Path) -> io::Result<Self> {
        let text = fs::read_to_string(path)?;
        serde_json::from_str(&text)
            .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
    }

    /// Writes the model to `path`, atomically.
    pub(crate) fn save(&self, path: &Path) -> io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".new");
        fs::write(&temporary, text)?;
        fs::rename(&temporary, path)
    }
}
