//! What the daemon knows: the plan and its layers, services, changes, checks,
//! notices, identities, the in-memory file system, logs and the requests it
//! received.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use ops_runtime::pebble::{Layer, Plan, Timestamp};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use crate::exec::ExecSockets;

/// How the server treats new connections: serving the API, or one of the
/// ways a daemon fails.
///
/// The mode is read when a connection is accepted ([`NeverAnswer`] and
/// [`Close`]) or when a request arrives ([`Garbage`] and [`BadEnvelope`]);
/// change it with [`Server::set_mode`](crate::Server::set_mode).
///
/// [`NeverAnswer`]: Mode::NeverAnswer
/// [`Close`]: Mode::Close
/// [`Garbage`]: Mode::Garbage
/// [`BadEnvelope`]: Mode::BadEnvelope
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Serve the API.
    #[default]
    Normal,
    /// Accept connections and read them, never answer: a hung daemon.
    NeverAnswer,
    /// Drop each connection once accepted, as a dying daemon does.
    Close,
    /// Answer every request `200 OK` with a plain-text body.
    Garbage,
    /// Answer every request `200 OK` with JSON that is not Pebble's envelope.
    BadEnvelope,
}

/// A request the server received, kept in [`State::requests`] for assertions.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The HTTP method, such as `GET`.
    pub method: String,
    /// The path, such as `/v1/services`, without the query.
    pub path: String,
    /// The query parameters in order, percent-decoded; a repeated name appears
    /// once per occurrence.
    pub query: Vec<(String, String)>,
    /// The JSON body, or the `request` part of a multipart push; `None` when
    /// there was no body or it was not JSON.
    pub body: Option<Value>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
}

impl Recorded {
    /// The first value of the query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A task of a [`ChangeState`], as `GET /v1/changes/{id}` reports it.
#[derive(Debug, Clone)]
pub struct TaskState {
    /// The task's ID: a decimal string, numbered separately from changes.
    pub id: String,
    /// The kind, such as `start`, `stop` or `exec`.
    pub kind: String,
    /// A one-line summary, such as `Start service "web"`.
    pub summary: String,
    /// The status: `Do`, `Doing`, `Done`, `Abort`, `Undone`, `Hold` or `Error`.
    pub status: String,
    /// Log lines, each `TIMESTAMP LEVEL message`.
    pub log: Vec<String>,
    /// Extra data, such as `exit-code` for exec tasks.
    pub data: Map<String, Value>,
    /// When the task was made.
    pub spawn_time: SystemTime,
    /// When the task became ready, if it is.
    pub ready_time: Option<SystemTime>,
}

/// A change: what a service operation or an exec started, with its tasks.
#[derive(Debug, Clone)]
pub struct ChangeState {
    /// The change's ID: a decimal string.
    pub id: String,
    /// The kind, such as `replan`, `start` or `exec`.
    pub kind: String,
    /// A one-line summary, such as `Start service "web"`.
    pub summary: String,
    /// The status, worked out from the tasks' (see [`TaskState::status`]).
    pub status: String,
    /// The tasks, in order.
    pub tasks: Vec<TaskState>,
    /// Why the change failed, once ready with a failed task.
    pub err: Option<String>,
    /// When the change was made.
    pub spawn_time: SystemTime,
    /// When the change became ready, if it is.
    pub ready_time: Option<SystemTime>,
    /// The services the change affects, for `GET /v1/changes?for=`.
    pub services: Vec<String>,
}

/// Whether a change or task with `status` is finished.
pub(crate) fn is_ready(status: &str) -> bool {
    matches!(status, "Done" | "Error" | "Hold" | "Undone")
}

impl ChangeState {
    /// Whether the change is finished: `Done`, `Error`, `Hold` or `Undone`.
    pub fn ready(&self) -> bool {
        is_ready(&self.status)
    }

    /// The change as the API returns it.
    pub(crate) fn json(&self) -> Value {
        let tasks: Vec<Value> = self
            .tasks
            .iter()
            .map(|t| {
                let mut task = json!({
                    "id": t.id, "kind": t.kind, "summary": t.summary, "status": t.status,
                    "progress": {"label": "", "done": u64::from(is_ready(&t.status)), "total": 1},
                    "spawn-time": ts(t.spawn_time),
                });
                if !t.log.is_empty() {
                    task["log"] = json!(t.log);
                }
                if let Some(ready) = t.ready_time {
                    task["ready-time"] = json!(ts(ready));
                }
                if !t.data.is_empty() {
                    task["data"] = Value::Object(t.data.clone());
                }
                task
            })
            .collect();
        let mut change = json!({
            "id": self.id, "kind": self.kind, "summary": self.summary, "status": self.status,
            "tasks": tasks, "ready": self.ready(), "spawn-time": ts(self.spawn_time),
        });
        if let Some(err) = &self.err {
            change["err"] = json!(err);
        }
        if let Some(ready) = self.ready_time {
            change["ready-time"] = json!(ts(ready));
        }
        change
    }
}

/// A service's run state. A service of the plan with no entry in
/// [`State::services`] has never been started: it is `inactive`.
#[derive(Debug, Clone)]
pub struct ServiceState {
    /// The status `GET /v1/services` reports as `current`: `active`,
    /// `inactive` or `backoff` here (Pebble also has `error`).
    pub current: String,
    /// When the status last changed.
    pub since: Option<SystemTime>,
}

/// A health check's state. The emulator runs no probes: a check stays `up`
/// until a test sets it otherwise with [`State::set_check`].
#[derive(Debug, Clone)]
pub struct CheckState {
    /// The level from the plan: `alive`, `ready`, or `None` when unset.
    pub level: Option<String>,
    /// The startup from the plan: `enabled` or `disabled`.
    pub startup: String,
    /// The status: `up`, `down` or `inactive`.
    pub status: String,
    /// How many times the check succeeded.
    pub successes: u64,
    /// How many times in a row the check failed.
    pub failures: u64,
    /// The failures after which the check is down (default 3).
    pub threshold: u64,
}

/// A notice, as `GET /v1/notices` reports it.
#[derive(Debug, Clone)]
pub struct NoticeState {
    /// The notice's ID: a decimal string.
    pub id: String,
    /// The user the notice is for; `None` for a public notice, such as
    /// `change-update`.
    pub user_id: Option<u32>,
    /// The type, such as `custom` or `change-update`.
    pub notice_type: String,
    /// The key, such as `example.com/thing` or a change ID.
    pub key: String,
    /// When the notice first occurred.
    pub first_occurred: SystemTime,
    /// When the notice last occurred.
    pub last_occurred: SystemTime,
    /// When the notice last repeated: last occurred outside its
    /// `repeat-after` window. Notices sort and filter (`after=`) on this.
    pub last_repeated: SystemTime,
    /// How many times the notice occurred.
    pub occurrences: u64,
    /// The data of the last occurrence.
    pub last_data: BTreeMap<String, String>,
    /// The `repeat-after` of the last occurrence.
    pub repeat_after: Option<Duration>,
}

impl NoticeState {
    /// The notice as the API returns it.
    pub(crate) fn json(&self) -> Value {
        let mut notice = json!({
            "id": self.id, "user-id": self.user_id, "type": self.notice_type, "key": self.key,
            "first-occurred": ts(self.first_occurred), "last-occurred": ts(self.last_occurred),
            "last-repeated": ts(self.last_repeated), "occurrences": self.occurrences,
            "expire-after": "168h0m0s",
        });
        if !self.last_data.is_empty() {
            notice["last-data"] = json!(self.last_data);
        }
        if let Some(repeat_after) = self.repeat_after {
            notice["repeat-after"] = json!(format!("{}ms", repeat_after.as_millis()));
        }
        notice
    }
}

/// An entry of the in-memory file system ([`State::files`]).
#[derive(Debug, Clone)]
pub enum Node {
    /// A regular file.
    File {
        /// The content.
        data: Vec<u8>,
        /// The permission bits, such as `0o644`.
        permissions: u32,
        /// The owner's user name.
        user: String,
        /// The owner's group name.
        group: String,
        /// When the file was last written.
        modified: SystemTime,
    },
    /// A directory. Its entries are the paths directly under it.
    Dir {
        /// The permission bits, such as `0o755`.
        permissions: u32,
        /// The owner's user name.
        user: String,
        /// The owner's group name.
        group: String,
        /// When the directory was made.
        modified: SystemTime,
    },
}

/// A line of a service's log, as `GET /v1/logs` returns it.
#[derive(Debug, Clone)]
pub struct LogLine {
    /// When the line was written.
    pub time: SystemTime,
    /// The service that wrote it.
    pub service: String,
    /// The text, without a trailing newline.
    pub message: String,
}

/// Everything the daemon knows, behind the [`Server`](crate::Server)'s
/// mutex: read it with [`Server::state`](crate::Server::state) and script it
/// with [`Server::update`](crate::Server::update).
///
/// A fresh daemon has an empty plan, no services or changes, and a file
/// system holding only the directories `/`, `/root` and `/tmp`.
pub struct State {
    /// How the server treats new connections.
    pub mode: Mode,
    /// The version `GET /v1/system-info` reports: `v1.32.1`.
    pub version: String,
    /// The layers by label, bottom first, as clients added them.
    pub layers: Vec<(String, Layer)>,
    /// The plan: the layers combined.
    pub plan: Plan,
    /// The run state of the services that were ever started or stopped, by
    /// name.
    pub services: BTreeMap<String, ServiceState>,
    /// The changes by numeric ID.
    pub changes: BTreeMap<u64, ChangeState>,
    /// The checks of the plan, by name.
    pub checks: BTreeMap<String, CheckState>,
    /// The notices, in the order they first occurred.
    pub notices: Vec<NoticeState>,
    /// The identities by name, as clients sent them (with secrets; the API
    /// masks them when listing).
    pub identities: BTreeMap<String, Value>,
    /// The file system: every file and directory by absolute path.
    pub files: BTreeMap<String, Node>,
    /// The services' log lines, oldest first.
    pub logs: Vec<LogLine>,
    /// The signals sent with `POST /v1/signals`: the signal's name and the
    /// services it went to.
    pub signals: Vec<(String, Vec<String>)>,
    /// The requests received, oldest first: the last 10 000.
    pub requests: Vec<Recorded>,
    /// `(task ID, websocket ID)` of the exec websockets the client closed.
    pub closed_sockets: Vec<(String, String)>,
    next_change: u64,
    next_task: u64,
    next_notice: u64,
    /// The websockets of the exec tasks, by task ID.
    pub(crate) exec_sockets: HashMap<String, ExecSockets>,
}

impl State {
    pub(crate) fn new(mode: Mode) -> Self {
        let mut files = BTreeMap::new();
        for dir in ["/", "/root", "/tmp"] {
            files.insert(dir.to_owned(), dir_node(0o755, "root", "root"));
        }
        State {
            mode,
            version: "v1.32.1".to_owned(),
            layers: Vec::new(),
            plan: Plan::default(),
            services: BTreeMap::new(),
            changes: BTreeMap::new(),
            checks: BTreeMap::new(),
            notices: Vec::new(),
            identities: BTreeMap::new(),
            files,
            logs: Vec::new(),
            signals: Vec::new(),
            requests: Vec::new(),
            closed_sockets: Vec::new(),
            next_change: 1,
            next_task: 1,
            next_notice: 1,
            exec_sockets: HashMap::new(),
        }
    }

    /// The last request to `path`.
    pub fn last_request(&self, path: &str) -> Option<&Recorded> {
        self.requests.iter().rev().find(|r| r.path == path)
    }

    /// The last `GET` of `path`.
    pub fn last_get(&self, path: &str) -> Option<&Recorded> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.path == path && r.method == "GET")
    }

    /// The last `POST` to `path`.
    pub fn last_post(&self, path: &str) -> Option<&Recorded> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.path == path && r.method == "POST")
    }

    /// Sets a check's status and failure count, as if it had run. Does
    /// nothing if the plan has no such check.
    pub fn set_check(&mut self, name: &str, status: &str, failures: u64) {
        if let Some(check) = self.checks.get_mut(name) {
            check.status = status.to_owned();
            check.failures = failures;
        }
    }

    /// Adds or replaces a file of the in-memory file system, owned by root
    /// with 644. Its parent directories are not made: add them to
    /// [`files`](Self::files) first if they do not exist.
    pub fn add_file(&mut self, path: &str, data: &[u8]) {
        self.files.insert(
            path.to_owned(),
            Node::File {
                data: data.to_vec(),
                permissions: 0o644,
                user: "root".to_owned(),
                group: "root".to_owned(),
                modified: SystemTime::now(),
            },
        );
    }

    /// The content of the file at `path`; `None` if there is no file there
    /// (nothing, or a directory).
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        match self.files.get(path) {
            Some(Node::File { data, .. }) => Some(data),
            _ => None,
        }
    }

    /// A new task, ready now if `status` is a ready one.
    pub(crate) fn new_task(&mut self, kind: &str, summary: String, status: &str) -> TaskState {
        let id = self.next_task.to_string();
        self.next_task += 1;
        TaskState {
            id,
            kind: kind.to_owned(),
            summary,
            status: status.to_owned(),
            log: Vec::new(),
            data: Map::new(),
            spawn_time: SystemTime::now(),
            ready_time: is_ready(status).then(SystemTime::now),
        }
    }

    /// Adds a change of `tasks`, with a `change-update` notice; returns its ID.
    pub(crate) fn add_change(
        &mut self,
        kind: &str,
        summary: String,
        tasks: Vec<TaskState>,
        services: Vec<String>,
    ) -> String {
        let id = self.next_change;
        self.next_change += 1;
        let mut change = ChangeState {
            id: id.to_string(),
            kind: kind.to_owned(),
            summary,
            status: "Do".to_owned(),
            tasks,
            err: None,
            spawn_time: SystemTime::now(),
            ready_time: None,
            services,
        };
        settle(&mut change);
        self.changes.insert(id, change);
        self.change_notice(id);
        id.to_string()
    }

    /// Records a `change-update` notice for change `id`.
    pub(crate) fn change_notice(&mut self, id: u64) {
        if let Some(change) = self.changes.get(&id) {
            let data = BTreeMap::from([("kind".to_owned(), change.kind.clone())]);
            let key = change.id.clone();
            self.record_notice(None, "change-update", &key, data, None);
        }
    }

    /// Records an occurrence of a custom notice with `key`, as `pebble notify
    /// KEY` run by root in the workload would, and returns the notice's ID
    /// (the same ID when the key was seen before).
    pub fn add_custom_notice(&mut self, key: &str) -> String {
        self.record_notice(Some(0), "custom", key, BTreeMap::new(), None)
    }

    /// Records an occurrence of a notice, new or repeated; returns its ID.
    pub(crate) fn record_notice(
        &mut self,
        user_id: Option<u32>,
        notice_type: &str,
        key: &str,
        data: BTreeMap<String, String>,
        repeat_after: Option<Duration>,
    ) -> String {
        let now = SystemTime::now();
        if let Some(notice) = self
            .notices
            .iter_mut()
            .find(|n| n.user_id == user_id && n.notice_type == notice_type && n.key == key)
        {
            notice.occurrences += 1;
            notice.last_occurred = now;
            notice.last_data = data;
            let window = notice.repeat_after.unwrap_or_default();
            if now.duration_since(notice.last_repeated).unwrap_or_default() >= window {
                notice.last_repeated = now;
            }
            // Replaced on each add (pebble-api.md section 10, observed).
            notice.repeat_after = repeat_after;
            return notice.id.clone();
        }
        let id = self.next_notice.to_string();
        self.next_notice += 1;
        self.notices.push(NoticeState {
            id: id.clone(),
            user_id,
            notice_type: notice_type.to_owned(),
            key: key.to_owned(),
            first_occurred: now,
            last_occurred: now,
            last_repeated: now,
            occurrences: 1,
            last_data: data,
            repeat_after,
        });
        id
    }

    /// Recomputes the plan from the layers and syncs checks with it.
    pub(crate) fn replan_layers(&mut self) -> Result<(), String> {
        let plan =
            Plan::from_layers(self.layers.iter().map(|(_, l)| l)).map_err(|e| e.to_string())?;
        for (name, check) in &plan.checks {
            let startup = check
                .startup
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_else(|| "enabled".to_owned());
            let entry = self
                .checks
                .entry(name.clone())
                .or_insert_with(|| CheckState {
                    level: None,
                    status: if startup == "disabled" {
                        "inactive"
                    } else {
                        "up"
                    }
                    .to_owned(),
                    startup: startup.clone(),
                    successes: 0,
                    failures: 0,
                    threshold: 3,
                });
            entry.level = check.level.as_ref().map(|l| l.to_string());
            entry.startup = startup;
            entry.threshold = check.threshold.map_or(3, u64::from);
        }
        self.checks.retain(|name, _| plan.checks.contains_key(name));
        self.plan = plan;
        Ok(())
    }
}

/// Sets a change's status from its tasks': Doing while any task runs, Error
/// if one failed, Done when all are done.
pub(crate) fn settle(change: &mut ChangeState) {
    let statuses: Vec<&str> = change.tasks.iter().map(|t| t.status.as_str()).collect();
    let status = if statuses.iter().any(|s| !is_ready(s)) {
        if statuses.contains(&"Abort") {
            "Abort"
        } else {
            "Doing"
        }
    } else if statuses.contains(&"Error") {
        "Error"
    } else if statuses.contains(&"Undone") {
        "Undone"
    } else {
        "Done"
    };
    change.status = status.to_owned();
    if change.ready() && change.ready_time.is_none() {
        change.ready_time = Some(SystemTime::now());
    }
    let failed: Vec<String> = change
        .tasks
        .iter()
        .filter(|t| t.status == "Error")
        .map(|t| {
            let reason = t
                .log
                .last()
                .map(|l| l.splitn(3, ' ').nth(2).unwrap_or(l).to_owned())
                .unwrap_or_default();
            format!("- {} ({reason})", t.summary)
        })
        .collect();
    if change.ready() && !failed.is_empty() {
        change.err = Some(format!(
            "cannot perform the following tasks:\n{}",
            failed.join("\n")
        ));
    }
}

/// `time` in Pebble's timestamp format.
pub(crate) fn ts(time: SystemTime) -> String {
    Timestamp::from(time).to_string()
}

/// A directory node modified now.
pub(crate) fn dir_node(permissions: u32, user: &str, group: &str) -> Node {
    Node::Dir {
        permissions,
        user: user.to_owned(),
        group: group.to_owned(),
        modified: SystemTime::now(),
    }
}

/// The state and the notification that wakes long-polls when it changes,
/// shared by the [`Server`](crate::Server) and its connections.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Notified after every [`update`](Self::update).
    pub(crate) changed: Notify,
}

impl Shared {
    pub(crate) fn new(mode: Mode) -> Self {
        Shared {
            state: Mutex::new(State::new(mode)),
            changed: Notify::new(),
        }
    }

    /// Locks the state. A panic while it was locked leaves it usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `f` to the state and wakes long-polls.
    pub(crate) fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = f(&mut self.lock());
        self.changed.notify_waiters();
        result
    }
}
