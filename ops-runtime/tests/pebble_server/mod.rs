//! A wire-level Pebble for the client's tests and benchmark.
//!
//! It speaks HTTP/1.1 on a Unix socket in a temporary directory, following
//! `shared/pebble-api.md` (Pebble v1.32.1): the JSON envelope (sync, async,
//! error), async changes with tasks that the client waits on, multipart in
//! both directions for files, and websockets for exec with the control /
//! stdio / stderr protocol and its end frames. Its state (the plan, services,
//! changes, checks, notices, identities, an in-memory file system, logs) lives
//! behind a mutex that tests read and script.
//!
//! Commands run by exec are not real processes: a few built-in programs
//! (`echo`, `cat`, `printenv`, `pwd`, `whoami`, `seq`, `sleep`, `true`,
//! `false`, `fail CODE [MESSAGE]`, and `stuck`, which ignores its timeout and
//! signals) keep the tests deterministic and independent of the host.
//!
//! Where pebble-api.md does not pin a message down, the text here is a guess
//! marked "unsure"; tests assert on kinds and status codes there, not text.
//!
//! Scenarios for failure tests: [`Mode::NeverAnswer`] (accepts connections,
//! reads, never answers), [`Mode::Close`] (drops every connection: the daemon
//! went away), [`Mode::Garbage`] (a non-JSON answer), [`Mode::BadEnvelope`]
//! (JSON without Pebble's envelope), and [`Server::absent_socket`].

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ops_runtime::pebble::{Layer, Plan, Timestamp};
use serde_json::{Map, Value, json};
use tokio::io::AsyncReadExt;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

type Body = BoxBody<Bytes, std::io::Error>;
type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// How the server treats new connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Serve the API.
    Normal,
    /// Accept and read, never answer.
    NeverAnswer,
    /// Drop each connection once accepted, as a dying daemon does.
    Close,
    /// Answer every request 200 with a plain-text body.
    Garbage,
    /// Answer every request 200 with JSON that is not an envelope.
    BadEnvelope,
}

/// A request the server received, for assertions.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// The JSON body, or the `request` part of a multipart push.
    pub body: Option<Value>,
    pub content_type: Option<String>,
}

impl Recorded {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct TaskState {
    pub id: String,
    pub kind: String,
    pub summary: String,
    pub status: String,
    pub log: Vec<String>,
    pub data: Map<String, Value>,
    pub spawn_time: SystemTime,
    pub ready_time: Option<SystemTime>,
}

#[derive(Debug, Clone)]
pub struct ChangeState {
    pub id: String,
    pub kind: String,
    pub summary: String,
    pub status: String,
    pub tasks: Vec<TaskState>,
    pub err: Option<String>,
    pub spawn_time: SystemTime,
    pub ready_time: Option<SystemTime>,
    /// The services the change affects, for `for=`.
    pub services: Vec<String>,
}

fn is_ready(status: &str) -> bool {
    matches!(status, "Done" | "Error" | "Hold" | "Undone")
}

impl ChangeState {
    pub fn ready(&self) -> bool {
        is_ready(&self.status)
    }

    fn json(&self) -> Value {
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

#[derive(Debug, Clone)]
pub struct ServiceState {
    pub current: String,
    pub since: Option<SystemTime>,
}

#[derive(Debug, Clone)]
pub struct CheckState {
    pub level: Option<String>,
    pub startup: String,
    pub status: String,
    pub successes: u64,
    pub failures: u64,
    pub threshold: u64,
}

#[derive(Debug, Clone)]
pub struct NoticeState {
    pub id: String,
    pub user_id: Option<u32>,
    pub notice_type: String,
    pub key: String,
    pub first_occurred: SystemTime,
    pub last_occurred: SystemTime,
    pub last_repeated: SystemTime,
    pub occurrences: u64,
    pub last_data: BTreeMap<String, String>,
    pub repeat_after: Option<Duration>,
}

impl NoticeState {
    fn json(&self) -> Value {
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

#[derive(Debug, Clone)]
pub enum Node {
    File {
        data: Vec<u8>,
        permissions: u32,
        user: String,
        group: String,
        modified: SystemTime,
    },
    Dir {
        permissions: u32,
        user: String,
        group: String,
        modified: SystemTime,
    },
}

#[derive(Debug, Clone)]
pub struct LogLine {
    pub time: SystemTime,
    pub service: String,
    pub message: String,
}

/// The exec websockets of one task, deposited by the websocket handler.
#[derive(Default)]
struct ExecSockets {
    sockets: HashMap<String, Ws>,
    connected: BTreeSet<String>,
}

/// Everything the daemon knows.
pub struct State {
    pub mode: Mode,
    pub version: String,
    pub layers: Vec<(String, Layer)>,
    /// The layer YAML exactly as clients sent it.
    pub raw_layers: Vec<String>,
    pub plan: Plan,
    pub services: BTreeMap<String, ServiceState>,
    pub changes: BTreeMap<u64, ChangeState>,
    pub checks: BTreeMap<String, CheckState>,
    pub notices: Vec<NoticeState>,
    pub identities: BTreeMap<String, Value>,
    pub files: BTreeMap<String, Node>,
    pub logs: Vec<LogLine>,
    pub signals: Vec<(String, Vec<String>)>,
    pub requests: Vec<Recorded>,
    /// `(task id, websocket id)` of exec websockets the client closed.
    pub closed_sockets: Vec<(String, String)>,
    next_change: u64,
    next_task: u64,
    next_notice: u64,
    exec_sockets: HashMap<String, ExecSockets>,
}

impl State {
    fn new() -> Self {
        let mut files = BTreeMap::new();
        for dir in ["/", "/root", "/tmp"] {
            files.insert(dir.to_owned(), dir_node(0o755, "root", "root"));
        }
        State {
            mode: Mode::Normal,
            version: "v1.32.1".to_owned(),
            layers: Vec::new(),
            raw_layers: Vec::new(),
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

    /// The last GET of `path`.
    pub fn last_get(&self, path: &str) -> Option<&Recorded> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.path == path && r.method == "GET")
    }

    /// The last POST to `path`.
    pub fn last_post(&self, path: &str) -> Option<&Recorded> {
        self.requests
            .iter()
            .rev()
            .find(|r| r.path == path && r.method == "POST")
    }

    /// Sets a check's status, as if it had run.
    pub fn set_check(&mut self, name: &str, status: &str, failures: u64) {
        if let Some(check) = self.checks.get_mut(name) {
            check.status = status.to_owned();
            check.failures = failures;
        }
    }

    /// Adds a file to the in-memory file system (parents must exist).
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

    pub fn file(&self, path: &str) -> Option<&[u8]> {
        match self.files.get(path) {
            Some(Node::File { data, .. }) => Some(data),
            _ => None,
        }
    }

    fn new_task(&mut self, kind: &str, summary: String, status: &str) -> TaskState {
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

    fn add_change(
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

    fn change_notice(&mut self, id: u64) {
        if let Some(change) = self.changes.get(&id) {
            let data = BTreeMap::from([("kind".to_owned(), change.kind.clone())]);
            let key = change.id.clone();
            self.record_notice(None, "change-update", &key, data, None);
        }
    }

    fn record_notice(
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
    fn replan_layers(&mut self) -> Result<(), String> {
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

/// A change's status from its tasks': Doing while any task runs, Error if one
/// failed, Done when all are done.
fn settle(change: &mut ChangeState) {
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

fn ts(time: SystemTime) -> String {
    Timestamp::from(time).to_string()
}

fn dir_node(permissions: u32, user: &str, group: &str) -> Node {
    Node::Dir {
        permissions,
        user: user.to_owned(),
        group: group.to_owned(),
        modified: SystemTime::now(),
    }
}

/// A running test daemon. Dropping it stops the daemon and removes its
/// directory.
pub struct Server {
    dir: PathBuf,
    socket: PathBuf,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    changed: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Applies `f` to the state and wakes long-polls.
    fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let result = f(&mut self.lock());
        self.changed.notify_waiters();
        result
    }
}

/// A client for `socket` with short bounds.
pub fn client_for(socket: &Path) -> ops_runtime::pebble::Client {
    ops_runtime::pebble::Client::builder(socket)
        .timeout(Duration::from_secs(2))
        .wait_timeout(Duration::from_secs(5))
        .exec_timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pebble-test-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create the test directory");
    dir
}

impl Server {
    /// Starts a daemon serving the API.
    pub fn start() -> Self {
        Self::start_with(Mode::Normal)
    }

    /// Starts a daemon in `mode`.
    pub fn start_with(mode: Mode) -> Self {
        let dir = temp_dir();
        let socket = dir.join(".pebble.socket");
        let listener = std::os::unix::net::UnixListener::bind(&socket).expect("bind the socket");
        listener.set_nonblocking(true).expect("non-blocking socket");
        let mut state = State::new();
        state.mode = mode;
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            changed: Notify::new(),
        });
        let (shutdown, stop) = oneshot::channel();
        let thread = std::thread::spawn({
            let shared = Arc::clone(&shared);
            move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("server runtime");
                runtime.block_on(serve(listener, shared, stop));
            }
        });
        Server {
            dir,
            socket,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// A socket path in a fresh directory, with nothing there.
    pub fn absent_socket() -> PathBuf {
        temp_dir().join("absent.socket")
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A client with short bounds, so failure tests finish quickly.
    pub fn client(&self) -> ops_runtime::pebble::Client {
        client_for(&self.socket)
    }

    /// The daemon's state, to inspect or script.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Changes the state and wakes long-polls (notices, change waits, logs).
    pub fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        self.shared.update(f)
    }

    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().mode = mode;
    }

    /// Adds a log line from `service`.
    pub fn add_log(&self, service: &str, message: &str) {
        self.update(|state| {
            state.logs.push(LogLine {
                time: SystemTime::now(),
                service: service.to_owned(),
                message: message.to_owned(),
            })
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn serve(
    listener: std::os::unix::net::UnixListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let listener = tokio::net::UnixListener::from_std(listener).expect("tokio listener");
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let mode = shared.lock().mode;
        match mode {
            Mode::NeverAnswer => {
                tokio::spawn(async move {
                    let mut stream = stream;
                    let mut buffer = [0u8; 4096];
                    while let Ok(n) = stream.read(&mut buffer).await {
                        if n == 0 {
                            break;
                        }
                    }
                });
            }
            Mode::Close => drop(stream),
            _ => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { Ok::<_, Infallible>(handle(shared, request).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        }
    }
}

// ---- responses -------------------------------------------------------------

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

fn json_response(status: StatusCode, body: Value) -> Response<Body> {
    let mut response = Response::new(full(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn envelope(status: StatusCode, kind: &str, result: Value) -> Value {
    let mut body = json!({
        "type": kind,
        "status-code": status.as_u16(),
        "status": status.canonical_reason().unwrap_or(""),
    });
    // `result` is omitted when null (pebble-api.md section 2).
    if !result.is_null() {
        body["result"] = result;
    }
    body
}

fn sync(result: Value) -> Response<Body> {
    json_response(StatusCode::OK, envelope(StatusCode::OK, "sync", result))
}

fn async_response(change: &str, result: Value) -> Response<Body> {
    let mut body = envelope(StatusCode::ACCEPTED, "async", result);
    body["change"] = json!(change);
    json_response(StatusCode::ACCEPTED, body)
}

fn error(status: StatusCode, message: impl Into<String>, kind: Option<&str>) -> Response<Body> {
    let mut result = json!({"message": message.into()});
    if let Some(kind) = kind {
        result["kind"] = json!(kind);
    }
    json_response(status, envelope(status, "error", result))
}

fn bad_request(message: impl Into<String>) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, message, None)
}

fn not_found(message: impl Into<String>) -> Response<Body> {
    error(StatusCode::NOT_FOUND, message, None)
}

// ---- routing ---------------------------------------------------------------

struct Req {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    headers: hyper::HeaderMap,
}

impl Req {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A list parameter: repeated, comma-separated, or both.
    fn list(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    fn hex(byte: u8) -> Option<u8> {
        char::from(byte)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Response<Body> {
    let mode = shared.lock().mode;
    match mode {
        Mode::Garbage => {
            let mut response = Response::new(full("hello, not pebble"));
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            return response;
        }
        Mode::BadEnvelope => return json_response(StatusCode::OK, json!({"hello": "world"})),
        _ => {}
    }
    let req = Req {
        method: request.method().clone(),
        path: request.uri().path().to_owned(),
        query: parse_query(request.uri().query()),
        content_type: request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        headers: request.headers().clone(),
    };
    let segments: Vec<String> = req
        .path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();

    // Websocket upgrades carry no body.
    if let ["v1", "tasks", task, "websocket", id] = segments[..] {
        record(&shared, &req, None);
        return websocket(shared, request, task.to_owned(), id.to_owned());
    }
    let is_multipart = req
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if req.method == Method::POST && req.path == "/v1/files" && is_multipart {
        return push(shared, req, request.into_body()).await;
    }
    let body = match request.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return bad_request("cannot read request body"),
    };
    let json_body: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => Some(value),
            Err(e) => {
                record(&shared, &req, None);
                return bad_request(format!("cannot decode request body: {e}"));
            }
        }
    };
    record(&shared, &req, json_body.clone());
    let body = json_body.unwrap_or(Value::Null);

    let allowed = |methods: &[Method]| methods.contains(&req.method);
    let not_allowed = || {
        error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {:?} not allowed", req.method.as_str()),
            None,
        )
    };
    match segments[..] {
        ["v1", "system-info"] if allowed(&[Method::GET]) => {
            let version = shared.lock().version.clone();
            sync(json!({"boot-id": "0b0b0b0b-test-boot-id", "version": version}))
        }
        ["v1", "health"] if allowed(&[Method::GET]) => health(&shared, &req),
        ["v1", "changes"] if allowed(&[Method::GET]) => list_changes(&shared, &req),
        ["v1", "changes", id] if allowed(&[Method::GET]) => get_change(&shared, id),
        ["v1", "changes", id] if allowed(&[Method::POST]) => abort_change(&shared, id, &body),
        ["v1", "changes", id, "wait"] if allowed(&[Method::GET]) => {
            wait_change(&shared, id, &req).await
        }
        ["v1", "services"] if allowed(&[Method::GET]) => get_services(&shared, &req),
        ["v1", "services"] if allowed(&[Method::POST]) => post_services(&shared, &body),
        ["v1", "plan"] if allowed(&[Method::GET]) => get_plan(&shared, &req),
        ["v1", "layers"] if allowed(&[Method::POST]) => post_layers(&shared, &body),
        ["v1", "signals"] if allowed(&[Method::POST]) => post_signals(&shared, &body),
        ["v1", "checks"] if allowed(&[Method::GET]) => get_checks(&shared, &req),
        ["v1", "checks"] if allowed(&[Method::POST]) => post_checks(&shared, &body),
        ["v1", "checks", "refresh"] if allowed(&[Method::POST]) => refresh_check(&shared, &body),
        ["v1", "notices"] if allowed(&[Method::GET]) => get_notices(&shared, &req).await,
        ["v1", "notices"] if allowed(&[Method::POST]) => post_notice(&shared, &body),
        ["v1", "notices", id] if allowed(&[Method::GET]) => get_notice(&shared, id),
        ["v1", "identities"] if allowed(&[Method::GET]) => get_identities(&shared),
        ["v1", "identities"] if allowed(&[Method::POST]) => post_identities(&shared, &body),
        ["v1", "files"] if allowed(&[Method::GET]) => get_files(&shared, &req),
        ["v1", "files"] if allowed(&[Method::POST]) => post_files(&shared, &body),
        ["v1", "logs"] if allowed(&[Method::GET]) => logs(&shared, &req),
        ["v1", "exec"] if allowed(&[Method::POST]) => post_exec(&shared, &body),
        [
            "v1",
            "system-info" | "health" | "changes" | "services" | "plan" | "layers" | "signals"
            | "checks" | "notices" | "identities" | "files" | "logs" | "exec",
            ..,
        ] => not_allowed(),
        _ => not_found("invalid API endpoint requested"),
    }
}

fn record(shared: &Shared, req: &Req, body: Option<Value>) {
    shared.lock().requests.push(Recorded {
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.query.clone(),
        body,
        content_type: req.content_type.clone(),
    });
}

/// A Go duration, read independently of the client's formatter: a sequence
/// of decimal numbers with units.
fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Some(Duration::from_secs_f64(total))
}

// ---- system, health, changes ------------------------------------------------

fn health(shared: &Shared, req: &Req) -> Response<Body> {
    let level = req.param("level").unwrap_or("");
    if !matches!(level, "" | "alive" | "ready") {
        return bad_request(r#"level must be "alive" or "ready""#);
    }
    let names = req.list("names");
    let state = shared.lock();
    let healthy = !state.checks.iter().any(|(name, check)| {
        let level_matches = match level {
            "" => true,
            // `ready` also considers `alive` checks (pebble-api.md section 9).
            "ready" => matches!(check.level.as_deref(), Some("ready" | "alive") | None),
            other => check.level.as_deref() == Some(other),
        };
        level_matches && (names.is_empty() || names.contains(name)) && check.status == "down"
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    json_response(
        status,
        envelope(status, "sync", json!({"healthy": healthy})),
    )
}

fn list_changes(shared: &Shared, req: &Req) -> Response<Body> {
    let select = req.param("select").unwrap_or("in-progress");
    if !matches!(select, "in-progress" | "ready" | "all") {
        return bad_request("select should be one of: all,in-progress,ready");
    }
    let service = req.param("for");
    let state = shared.lock();
    let changes: Vec<Value> = state
        .changes
        .values()
        .filter(|c| match select {
            "in-progress" => !c.ready(),
            "ready" => c.ready(),
            _ => true,
        })
        .filter(|c| service.is_none_or(|s| c.services.iter().any(|x| x == s)))
        .map(ChangeState::json)
        .collect();
    sync(json!(changes))
}

fn change_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

fn get_change(shared: &Shared, id: &str) -> Response<Body> {
    let state = shared.lock();
    match change_id(id).and_then(|n| state.changes.get(&n)) {
        Some(change) => sync(change.json()),
        None => not_found(format!("cannot find change with id {id:?}")),
    }
}

fn abort_change(shared: &Shared, id: &str, body: &Value) -> Response<Body> {
    if body["action"] != "abort" {
        return bad_request(format!("change action {:?} is unsupported", body["action"]));
    }
    let Some(n) = change_id(id) else {
        return not_found(format!("cannot find change with id {id:?}"));
    };
    let result = shared.update(|state| {
        let change = state.changes.get_mut(&n)?;
        if change.ready() {
            return Some(Err(format!(
                "cannot abort change {id} with nothing pending"
            )));
        }
        for task in change.tasks.iter_mut().filter(|t| !is_ready(&t.status)) {
            task.status = "Abort".to_owned();
        }
        settle(change);
        let json = change.json();
        // The abort completes shortly after, as Pebble's task runner notices it.
        for task in change.tasks.iter_mut().filter(|t| t.status == "Abort") {
            task.status = "Undone".to_owned();
            task.ready_time = Some(SystemTime::now());
        }
        settle(change);
        Some(Ok(json))
    });
    match result {
        None => not_found(format!("cannot find change with id {id:?}")),
        Some(Err(message)) => bad_request(message),
        Some(Ok(json)) => sync(json),
    }
}

async fn wait_change(shared: &Shared, id: &str, req: &Req) -> Response<Body> {
    let timeout = match req.param("timeout") {
        None => None,
        Some(text) => match parse_go_duration(text) {
            Some(timeout) => Some(timeout),
            None => return bad_request(format!("invalid timeout {text:?}")),
        },
    };
    let deadline = timeout.map(|t| Instant::now() + t);
    let Some(n) = change_id(id) else {
        return not_found(format!("cannot find change with id {id:?}"));
    };
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match shared.lock().changes.get(&n) {
            None => return not_found(format!("cannot find change with id {id:?}")),
            Some(change) if change.ready() => return sync(change.json()),
            Some(_) => {}
        }
        match deadline {
            Some(deadline) => {
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    return error(
                        StatusCode::GATEWAY_TIMEOUT,
                        format!(
                            "timed out waiting for change after {}",
                            req.param("timeout").unwrap_or("")
                        ),
                        None,
                    );
                }
            }
            None => notified.await,
        }
    }
}

// ---- services ---------------------------------------------------------------

fn get_services(shared: &Shared, req: &Req) -> Response<Body> {
    let names = req.list("names");
    let state = shared.lock();
    let services: Vec<Value> = state
        .plan
        .services
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, service)| {
            let current = state.services.get(name);
            let startup = match service.startup.as_ref().map(|s| s.to_string()).as_deref() {
                Some("enabled") => "enabled",
                // An unset startup is reported as disabled (observed).
                _ => "disabled",
            };
            let mut info = json!({
                "name": name,
                "startup": startup,
                "current": current.map_or("inactive", |s| s.current.as_str()),
            });
            if let Some(since) = current.and_then(|s| s.since) {
                info["current-since"] = json!(ts(since));
            }
            info
        })
        .collect();
    sync(json!(services))
}

fn post_services(shared: &Arc<Shared>, body: &Value) -> Response<Body> {
    let action = body["action"].as_str().unwrap_or("");
    let names: Vec<String> = body["services"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut state = shared.lock();
    match action {
        "start" | "stop" | "restart" if names.is_empty() => {
            return bad_request(format!("must specify services for {action}"));
        }
        "replan" | "autostart" if !names.is_empty() => {
            // Unsure of Pebble's exact text.
            return bad_request(format!("{action} accepts no service names"));
        }
        "start" | "stop" | "restart" | "replan" | "autostart" => {}
        other => return bad_request(format!("action {other:?} is unsupported")),
    }
    if let Some(unknown) = names.iter().find(|n| !state.plan.services.contains_key(*n)) {
        // Unsure of Pebble's exact text.
        return bad_request(format!("service {unknown:?} does not exist"));
    }
    let enabled: Vec<String> = state
        .plan
        .services
        .iter()
        .filter(|(_, s)| {
            s.startup
                .as_ref()
                .is_some_and(|s| s.to_string() == "enabled")
        })
        .map(|(name, _)| name.clone())
        .collect();
    let (stop, start): (Vec<String>, Vec<String>) = match action {
        "start" => (Vec::new(), with_requirements(&state.plan, &names)),
        "stop" => (names.clone(), Vec::new()),
        "restart" => (
            names
                .iter()
                .filter(|n| {
                    state
                        .services
                        .get(*n)
                        .is_some_and(|s| s.current == "active")
                })
                .cloned()
                .collect(),
            with_requirements(&state.plan, &names),
        ),
        "autostart" => {
            if enabled.is_empty() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "no default services",
                    Some("no-default-services"),
                );
            }
            (Vec::new(), with_requirements(&state.plan, &enabled))
        }
        _ => (Vec::new(), with_requirements(&state.plan, &enabled)),
    };
    let start: Vec<String> = if action == "restart" || action == "start" {
        start
    } else {
        // autostart and replan start only what is not running.
        start
            .into_iter()
            .filter(|n| state.services.get(n).is_none_or(|s| s.current != "active"))
            .collect()
    };
    if action == "replan" && stop.is_empty() && start.is_empty() {
        let id = state.add_change(
            "replan",
            "Replan - no services".to_owned(),
            Vec::new(),
            Vec::new(),
        );
        drop(state);
        shared.changed.notify_waiters();
        return async_response(&id, Value::Null);
    }

    let mut tasks = Vec::new();
    let mut slow = Vec::new();
    for name in &stop {
        let mut task = state.new_task("stop", format!("Stop service {name:?}"), "Done");
        task.log.push(format!(
            "{} INFO Service {name:?} stopped",
            ts(SystemTime::now())
        ));
        tasks.push(task);
        state.services.insert(
            name.clone(),
            ServiceState {
                current: "inactive".to_owned(),
                since: Some(SystemTime::now()),
            },
        );
    }
    for name in &start {
        let command = state.plan.services[name]
            .command
            .clone()
            .unwrap_or_default();
        let summary = format!("Start service {name:?}");
        let mut task = if command.contains("fail") {
            let mut task = state.new_task("start", summary, "Error");
            task.log.push(format!(
                "{} ERROR cannot start service: exited quickly with code 1",
                ts(SystemTime::now())
            ));
            state.services.insert(
                name.clone(),
                ServiceState {
                    current: "backoff".to_owned(),
                    since: Some(SystemTime::now()),
                },
            );
            task
        } else if command.contains("hang") {
            state.new_task("start", summary, "Doing")
        } else if command.contains("slow") {
            let task = state.new_task("start", summary, "Doing");
            slow.push((task.id.clone(), name.clone()));
            task
        } else {
            state.services.insert(
                name.clone(),
                ServiceState {
                    current: "active".to_owned(),
                    since: Some(SystemTime::now()),
                },
            );
            state.new_task("start", summary, "Done")
        };
        task.data.insert("service".to_owned(), json!(name));
        tasks.push(task);
    }
    let affected: Vec<String> = stop.iter().chain(&start).cloned().collect();
    let summary = match affected.len() {
        0 => format!("{} - no services", capitalise(action)),
        1 => format!("{} service {:?}", capitalise(action), affected[0]),
        n => format!(
            "{} service {:?} and {} more",
            capitalise(action),
            affected[0],
            n - 1
        ),
    };
    let id = state.add_change(action, summary, tasks, affected);
    drop(state);
    shared.changed.notify_waiters();
    if !slow.is_empty() {
        let shared = Arc::clone(shared);
        let change = id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            shared.update(|state| {
                let n: u64 = change.parse().unwrap_or_default();
                for (_, service) in &slow {
                    state.services.insert(
                        service.clone(),
                        ServiceState {
                            current: "active".to_owned(),
                            since: Some(SystemTime::now()),
                        },
                    );
                }
                if let Some(change) = state.changes.get_mut(&n) {
                    for task in &mut change.tasks {
                        if slow.iter().any(|(id, _)| *id == task.id) {
                            task.status = "Done".to_owned();
                            task.ready_time = Some(SystemTime::now());
                        }
                    }
                    settle(change);
                }
                state.change_notice(n);
            });
        });
    }
    async_response(&id, Value::Null)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `names` plus the services they require, requirements first.
fn with_requirements(plan: &Plan, names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn visit(plan: &Plan, name: &str, out: &mut Vec<String>) {
        if out.iter().any(|n| n == name) {
            return;
        }
        if let Some(service) = plan.services.get(name) {
            for required in &service.requires {
                visit(plan, required, out);
            }
        }
        out.push(name.to_owned());
    }
    for name in names {
        visit(plan, name, &mut out);
    }
    out
}

fn post_signals(shared: &Shared, body: &Value) -> Response<Body> {
    let signal = body["signal"].as_str().unwrap_or("");
    if !signal.starts_with("SIG") || signal.to_uppercase() != signal {
        // Unsure of Pebble's exact text.
        return bad_request(format!("invalid signal name {signal:?}"));
    }
    let names: Vec<String> = body["services"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut state = shared.lock();
    if let Some(stopped) = names
        .iter()
        .find(|n| state.services.get(*n).is_none_or(|s| s.current != "active"))
    {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot send signal to {stopped:?}: service is not running"),
            None,
        );
    }
    state.signals.push((signal.to_owned(), names));
    sync(json!(true))
}

// ---- layers and plan ------------------------------------------------------------

fn get_plan(shared: &Shared, req: &Req) -> Response<Body> {
    if req.param("format") != Some("yaml") {
        return bad_request(format!(
            "invalid format {:?}",
            req.param("format").unwrap_or("")
        ));
    }
    let state = shared.lock();
    match state.plan.to_yaml() {
        Ok(yaml) => sync(json!(yaml)),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None),
    }
}

fn post_layers(shared: &Shared, body: &Value) -> Response<Body> {
    if body["action"] != "add" {
        return bad_request(format!("invalid action {:?}", body["action"]));
    }
    if body["format"] != "yaml" {
        return bad_request(format!("invalid format {:?}", body["format"]));
    }
    let label = body["label"].as_str().unwrap_or("");
    if label.is_empty() {
        return bad_request("label must be set");
    }
    if label.starts_with("pebble-") {
        return bad_request(format!("label {label:?} uses reserved prefix \"pebble-\""));
    }
    let inner = body["inner"].as_bool().unwrap_or(false);
    if label.contains('/') && !inner {
        // Unsure of Pebble's exact text; sub-directory labels need `inner`.
        return bad_request(format!(
            "cannot use label {label:?} with \"/\" unless inner is true"
        ));
    }
    let yaml = body["layer"].as_str().unwrap_or("");
    let layer = match Layer::from_yaml(yaml) {
        Ok(layer) => layer,
        Err(e) => return bad_request(e.to_string()),
    };
    let combine = body["combine"].as_bool().unwrap_or(false);
    shared.update(|state| {
        state.raw_layers.push(yaml.to_owned());
        let previous = state.layers.clone();
        match state.layers.iter_mut().find(|(l, _)| l == label) {
            Some((_, existing)) if combine => {
                if let Err(e) = existing.combine(&layer) {
                    return bad_request(e.to_string());
                }
            }
            Some(_) => return bad_request(format!("layer {label:?} already exists")),
            None => state.layers.push((label.to_owned(), layer)),
        }
        if let Err(message) = state.replan_layers() {
            state.layers = previous;
            return bad_request(message);
        }
        sync(json!(true))
    })
}

// ---- checks -------------------------------------------------------------------

fn check_json(name: &str, check: &CheckState) -> Value {
    let mut info = json!({
        "name": name, "startup": check.startup, "status": check.status,
        "successes": check.successes, "threshold": check.threshold,
    });
    if let Some(level) = &check.level {
        info["level"] = json!(level);
    }
    if check.failures > 0 {
        info["failures"] = json!(check.failures);
    }
    info
}

fn get_checks(shared: &Shared, req: &Req) -> Response<Body> {
    let level = req.param("level");
    let names = req.list("names");
    let state = shared.lock();
    let checks: Vec<Value> = state
        .checks
        .iter()
        // Unsure whether `ready` includes `alive` here as it does for health.
        .filter(|(_, c)| level.is_none_or(|l| c.level.as_deref() == Some(l)))
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, check)| check_json(name, check))
        .collect();
    sync(json!(checks))
}

fn post_checks(shared: &Shared, body: &Value) -> Response<Body> {
    let action = body["action"].as_str().unwrap_or("");
    if !matches!(action, "start" | "stop") {
        return bad_request(format!("invalid action {action:?}"));
    }
    let names: Vec<String> = body["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        return bad_request("must specify checks");
    }
    shared.update(|state| {
        if let Some(unknown) = names.iter().find(|n| !state.checks.contains_key(*n)) {
            return bad_request(format!("cannot find checks: {unknown}"));
        }
        let mut changed = Vec::new();
        for name in &names {
            if let Some(check) = state.checks.get_mut(name) {
                let running = check.status != "inactive";
                if action == "start" && !running {
                    check.status = "up".to_owned();
                    changed.push(name.clone());
                } else if action == "stop" && running {
                    check.status = "inactive".to_owned();
                    check.failures = 0;
                    changed.push(name.clone());
                }
            }
        }
        changed.sort();
        sync(json!({"changed": changed}))
    })
}

fn refresh_check(shared: &Shared, body: &Value) -> Response<Body> {
    let name = body["name"].as_str().unwrap_or("");
    let state = shared.lock();
    match state.checks.get(name) {
        None => not_found(format!("cannot find check {name:?}")),
        Some(check) => {
            let mut result = json!({"info": check_json(name, check)});
            if check.status == "down" {
                result["error"] = json!("non-zero exit code 1");
            }
            sync(result)
        }
    }
}

// ---- notices -------------------------------------------------------------------

/// The caller's UID: the test runs as the daemon's user, so it is admin.
const CALLER_UID: u32 = 0;

fn valid_notice_key(key: &str) -> bool {
    // `example.com/path`: a lower-case domain with at least one dot, then a path.
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    key.len() <= 256
        && !path.is_empty()
        && domain.contains('.')
        && domain.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn post_notice(shared: &Shared, body: &Value) -> Response<Body> {
    if body["action"] != "add" {
        return bad_request(format!("invalid action {:?}", body["action"]));
    }
    if body["type"] != "custom" {
        return bad_request(format!(
            r#"invalid type {:?} (can only add "custom" notices)"#,
            body["type"]
        ));
    }
    let key = body["key"].as_str().unwrap_or("");
    if !valid_notice_key(key) {
        return bad_request(format!(
            r#"invalid key {key:?} (must be in "example.com/path" format)"#
        ));
    }
    if body["data"].to_string().len() > 4096 {
        return bad_request("total size of data must be 4096 bytes or less");
    }
    let data: BTreeMap<String, String> = match body.get("data") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(data) => match serde_json::from_value(data.clone()) {
            Ok(data) => data,
            Err(e) => return bad_request(format!("invalid data: {e}")),
        },
    };
    let repeat_after = match body.get("repeat-after").and_then(Value::as_str) {
        None => None,
        Some(text) => match parse_go_duration(text) {
            Some(d) => Some(d),
            None => return bad_request(format!("invalid repeat-after {text:?}")),
        },
    };
    let id = shared
        .update(|state| state.record_notice(Some(CALLER_UID), "custom", key, data, repeat_after));
    sync(json!({"id": id}))
}

fn get_notice(shared: &Shared, id: &str) -> Response<Body> {
    let state = shared.lock();
    match state.notices.iter().find(|n| n.id == id) {
        Some(notice) => sync(notice.json()),
        None => not_found(format!("cannot find notice with ID {id:?}")),
    }
}

async fn get_notices(shared: &Shared, req: &Req) -> Response<Body> {
    if req.param("users").is_some() && req.param("user-id").is_some() {
        return bad_request(r#"cannot use both "users" and "user-id" parameters"#);
    }
    let user_filter: Option<u32> = match req.param("user-id") {
        Some(text) => match text.parse() {
            Ok(uid) => Some(uid),
            Err(_) => return bad_request(format!("invalid user-id {text:?}")),
        },
        None => None,
    };
    let all_users = req.param("users") == Some("all");
    let types = req.list("types");
    let keys = req.list("keys");
    let after = match req.param("after") {
        Some(text) => match text.parse::<Timestamp>() {
            Ok(t) => Some(SystemTime::from(t)),
            Err(_) => return bad_request(format!("invalid after timestamp {text:?}")),
        },
        None => None,
    };
    let timeout = match req.param("timeout") {
        Some(text) => match parse_go_duration(text) {
            Some(d) => Some(d),
            None => return bad_request(format!("invalid timeout {text:?}")),
        },
        None => None,
    };
    let deadline = Instant::now() + timeout.unwrap_or_default();
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let matching: Vec<Value> = {
            let state = shared.lock();
            let mut notices: Vec<&NoticeState> = state
                .notices
                .iter()
                .filter(|n| match (all_users, user_filter) {
                    (true, _) => true,
                    (false, Some(uid)) => n.user_id == Some(uid) || n.user_id.is_none(),
                    (false, None) => n.user_id == Some(CALLER_UID) || n.user_id.is_none(),
                })
                // Unknown types are ignored; if all are unknown, nothing matches.
                .filter(|n| types.is_empty() || types.contains(&n.notice_type))
                .filter(|n| keys.is_empty() || keys.contains(&n.key))
                .filter(|n| after.is_none_or(|after| n.last_repeated > after))
                .collect();
            notices.sort_by_key(|n| n.last_repeated);
            notices.into_iter().map(NoticeState::json).collect()
        };
        if !matching.is_empty() || timeout.is_none() {
            return sync(json!(matching));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return sync(json!([]));
        }
    }
}

// ---- identities ------------------------------------------------------------------

fn get_identities(shared: &Shared) -> Response<Body> {
    let state = shared.lock();
    let masked: Map<String, Value> = state
        .identities
        .iter()
        .map(|(name, identity)| {
            let mut identity = identity.clone();
            if identity["basic"].is_object() {
                identity["basic"]["password"] = json!("*****");
            }
            if identity["cert"].is_object() {
                identity["cert"]["pem"] = json!("*****");
            }
            (name.clone(), identity)
        })
        .collect();
    sync(Value::Object(masked))
}

fn post_identities(shared: &Shared, body: &Value) -> Response<Body> {
    let action = body["action"].as_str().unwrap_or("");
    let Some(identities) = body["identities"].as_object() else {
        return bad_request("must specify identities");
    };
    shared.update(|state| {
        for (name, identity) in identities {
            let exists = state.identities.contains_key(name);
            let problem = match (action, identity.is_null()) {
                ("add" | "update", true) => Some(format!(
                    "identity {name:?} value must not be null for {action}"
                )),
                ("add", false) if exists => Some(format!("identity {name:?} already exists")),
                ("update", false) if !exists => Some(format!("identity {name:?} does not exist")),
                ("remove", false) => {
                    Some(format!("identity {name:?} value must be null for remove"))
                }
                ("remove", true) if !exists => Some(format!("identity {name:?} does not exist")),
                ("add" | "update" | "replace" | "remove", _) => None,
                _ => Some(format!("invalid action {action:?}")),
            };
            if let Some(problem) = problem {
                return bad_request(problem);
            }
            if !identity.is_null() && !identity["access"].is_string() {
                return bad_request(format!("identity {name:?} must have an access level"));
            }
        }
        for (name, identity) in identities {
            if identity.is_null() {
                state.identities.remove(name);
            } else {
                state.identities.insert(name.clone(), identity.clone());
            }
        }
        // POST returns an envelope without `result` (observed).
        sync(Value::Null)
    })
}

// ---- files ---------------------------------------------------------------------

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "",
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `filepath.Match`, enough for `*`, `?` and literals.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob(&pattern[1..], &name[1..]),
        _ => false,
    }
}

fn file_info(path: &str, node: &Node) -> Value {
    let uid = |user: &str| if user == "root" { 0 } else { 1000 };
    match node {
        Node::File {
            data,
            permissions,
            user,
            group,
            modified,
        } => json!({
            "path": path, "name": base_name(path), "type": "file", "size": data.len(),
            "permissions": format!("{permissions:03o}"),
            "last-modified": ts(*modified),
            "user-id": uid(user), "user": user, "group-id": uid(group), "group": group,
        }),
        Node::Dir {
            permissions,
            user,
            group,
            modified,
        } => json!({
            "path": path, "name": if path == "/" { "/" } else { base_name(path) }, "type": "directory",
            "permissions": format!("{permissions:03o}"),
            "last-modified": ts(*modified),
            "user-id": uid(user), "user": user, "group-id": uid(group), "group": group,
        }),
    }
}

fn path_error(path: &str, kind: &str, message: String) -> Value {
    json!({"path": path, "error": {"kind": kind, "message": message}})
}

fn get_files(shared: &Shared, req: &Req) -> Response<Body> {
    match req.param("action") {
        Some("read") => read_files(shared, req),
        Some("list") => list_files(shared, req),
        other => bad_request(format!("invalid action {:?}", other.unwrap_or(""))),
    }
}

fn list_files(shared: &Shared, req: &Req) -> Response<Body> {
    let path = req.param("path").unwrap_or("");
    if !path.starts_with('/') {
        return bad_request(format!("path must be absolute, got {path:?}"));
    }
    let path = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let pattern = req.param("pattern");
    let itself = req.param("itself") == Some("true");
    let state = shared.lock();
    let Some(node) = state.files.get(path) else {
        return error(
            StatusCode::NOT_FOUND,
            format!("stat {path}: no such file or directory"),
            Some("not-found"),
        );
    };
    let entries: Vec<Value> = match node {
        Node::Dir { .. } if !itself => state
            .files
            .iter()
            .filter(|(p, _)| p.as_str() != "/" && parent(p) == path)
            .filter(|(p, _)| {
                pattern.is_none_or(|pat| glob(pat.as_bytes(), base_name(p).as_bytes()))
            })
            .map(|(p, n)| file_info(p, n))
            .collect(),
        _ => vec![file_info(path, node)],
    };
    sync(json!(entries))
}

fn read_files(shared: &Shared, req: &Req) -> Response<Body> {
    let accepts = req
        .headers
        .get(hyper::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("multipart/form-data"));
    if !accepts {
        return bad_request(r#"must accept multipart/form-data"#);
    }
    let paths = req
        .query
        .iter()
        .filter(|(k, _)| k == "path")
        .map(|(_, v)| v.clone())
        .collect::<Vec<_>>();
    let boundary = "pebble-test-boundary-0123456789abcdef";
    let mut body = Vec::new();
    let mut results = Vec::new();
    let state = shared.lock();
    for path in &paths {
        match state.files.get(path.as_str()) {
            Some(Node::File { data, .. }) => {
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(data);
                body.extend_from_slice(b"\r\n");
                results.push(json!({"path": path}));
            }
            Some(Node::Dir { .. }) => results.push(path_error(
                path,
                "generic-file-error",
                format!("can only read a regular file: {path:?}"),
            )),
            None if !path.starts_with('/') => results.push(path_error(
                path,
                "generic-file-error",
                format!("paths must be absolute, got {path:?}"),
            )),
            None => results.push(path_error(
                path,
                "not-found",
                format!("open {path}: no such file or directory"),
            )),
        }
    }
    drop(state);
    let envelope = envelope(StatusCode::OK, "sync", json!(results));
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"response\"\r\n\
             Content-Type: application/json\r\n\r\n{envelope}\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    let mut response = Response::new(full(body));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
            .expect("header"),
    );
    response
}

struct Owner {
    user: String,
    group: String,
}

/// The owner a request asks for: a user alone means its primary group; a group
/// alone is an error (pebble-api.md section 7).
fn owner(spec: &Value) -> Result<Owner, String> {
    let name = |name_key: &str, id_key: &str| -> Option<String> {
        spec[name_key].as_str().map(str::to_owned).or_else(|| {
            spec[id_key].as_u64().map(|id| {
                if id == 0 {
                    "root".to_owned()
                } else {
                    format!("user{id}")
                }
            })
        })
    };
    let user = name("user", "user-id");
    let group = name("group", "group-id");
    match (user, group) {
        (None, Some(_)) => Err("must specify user, not just group".to_owned()),
        (Some(user), group) => Ok(Owner {
            group: group.unwrap_or_else(|| user.clone()),
            user,
        }),
        (None, None) => Ok(Owner {
            user: "root".to_owned(),
            group: "root".to_owned(),
        }),
    }
}

fn permissions(spec: &Value, default: u32) -> Result<u32, String> {
    match spec["permissions"].as_str() {
        None => Ok(default),
        Some(text) if text.len() == 3 => {
            u32::from_str_radix(text, 8).map_err(|_| format!("invalid permissions {text:?}"))
        }
        Some(text) => Err(format!(
            "permissions must be a 3-digit octal string, got {text:?}"
        )),
    }
}

/// Creates `path`'s missing ancestors as directories with 755.
fn make_parents(state: &mut State, path: &str, owner: &Owner) -> Result<(), String> {
    let mut ancestors = Vec::new();
    let mut current = parent(path);
    while !current.is_empty() && !state.files.contains_key(current) {
        ancestors.push(current.to_owned());
        current = parent(current);
    }
    if let Some(Node::File { .. }) = state.files.get(current) {
        return Err(format!("mkdir {current}: not a directory"));
    }
    for dir in ancestors.into_iter().rev() {
        state
            .files
            .insert(dir, dir_node(0o755, &owner.user, &owner.group));
    }
    Ok(())
}

async fn push(shared: Arc<Shared>, req: Req, body: Incoming) -> Response<Body> {
    let content_type = req.content_type.clone().unwrap_or_default();
    let Ok(boundary) = multer::parse_boundary(&content_type) else {
        record(&shared, &req, None);
        return bad_request("invalid multipart boundary");
    };
    if boundary.len() < 32 {
        record(&shared, &req, None);
        return bad_request(format!("boundary too short: {} characters", boundary.len()));
    }
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    let metadata: Value = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("request") => match field.bytes().await {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(value) => value,
                Err(e) => return bad_request(format!("cannot decode request metadata: {e}")),
            },
            Err(e) => return bad_request(format!("cannot read request metadata: {e}")),
        },
        _ => return bad_request(r#"first multipart part must be "request""#),
    };
    record(&shared, &req, Some(metadata.clone()));
    if metadata["action"] != "write" {
        return bad_request(format!("invalid action {:?}", metadata["action"]));
    }
    let specs: Vec<Value> = metadata["files"].as_array().cloned().unwrap_or_default();
    let mut contents: HashMap<String, Vec<u8>> = HashMap::new();
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) => {
                if field.name() != Some("files") {
                    return bad_request(format!("unexpected multipart part {:?}", field.name()));
                }
                let name = field.file_name().unwrap_or_default().to_owned();
                let mut data = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => data.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => return bad_request(format!("cannot read file content: {e}")),
                    }
                }
                contents.insert(name, data);
            }
            Ok(None) => break,
            Err(e) => return bad_request(format!("invalid multipart body: {e}")),
        }
    }
    let results: Vec<Value> = shared.update(|state| {
        specs
            .iter()
            .map(|spec| {
                let path = spec["path"].as_str().unwrap_or("");
                let Some(data) = contents.remove(path) else {
                    return path_error(
                        path,
                        "generic-file-error",
                        format!("no file content for path {path:?}"),
                    );
                };
                if !path.starts_with('/') {
                    return path_error(
                        path,
                        "generic-file-error",
                        format!("paths must be absolute, got {path:?}"),
                    );
                }
                let owner = match owner(spec) {
                    Ok(owner) => owner,
                    Err(message) => return path_error(path, "generic-file-error", message),
                };
                let permissions = match permissions(spec, 0o644) {
                    Ok(p) => p,
                    Err(message) => return path_error(path, "generic-file-error", message),
                };
                if spec["make-dirs"].as_bool().unwrap_or(false)
                    && let Err(message) = make_parents(state, path, &owner)
                {
                    return path_error(path, "generic-file-error", message);
                }
                match state.files.get(parent(path)) {
                    Some(Node::Dir { .. }) => {}
                    Some(Node::File { .. }) => {
                        return path_error(
                            path,
                            "generic-file-error",
                            format!("open {path}: not a directory"),
                        );
                    }
                    None => {
                        return path_error(
                            path,
                            "not-found",
                            format!("open {path}: no such file or directory"),
                        );
                    }
                }
                if let Some(Node::Dir { .. }) = state.files.get(path) {
                    return path_error(
                        path,
                        "generic-file-error",
                        format!("open {path}: is a directory"),
                    );
                }
                state.files.insert(
                    path.to_owned(),
                    Node::File {
                        data,
                        permissions,
                        user: owner.user,
                        group: owner.group,
                        modified: SystemTime::now(),
                    },
                );
                json!({"path": path})
            })
            .collect()
    });
    sync(json!(results))
}

fn post_files(shared: &Shared, body: &Value) -> Response<Body> {
    match body["action"].as_str() {
        Some("make-dirs") => {
            let dirs = body["dirs"].as_array().cloned().unwrap_or_default();
            let results: Vec<Value> = shared.update(|state| {
                dirs.iter()
                    .map(|spec| {
                        let path = spec["path"].as_str().unwrap_or("");
                        if !path.starts_with('/') {
                            return path_error(
                                path,
                                "generic-file-error",
                                format!("paths must be absolute, got {path:?}"),
                            );
                        }
                        let owner = match owner(spec) {
                            Ok(owner) => owner,
                            Err(message) => return path_error(path, "generic-file-error", message),
                        };
                        let permissions = match permissions(spec, 0o755) {
                            Ok(p) => p,
                            Err(message) => return path_error(path, "generic-file-error", message),
                        };
                        let make = spec["make-parents"].as_bool().unwrap_or(false);
                        if state.files.contains_key(path) {
                            if make && matches!(state.files.get(path), Some(Node::Dir { .. })) {
                                return json!({"path": path});
                            }
                            return path_error(
                                path,
                                "generic-file-error",
                                format!("mkdir {path}: file exists"),
                            );
                        }
                        if make {
                            if let Err(message) = make_parents(state, path, &owner) {
                                return path_error(path, "generic-file-error", message);
                            }
                        } else if !state.files.contains_key(parent(path)) {
                            return path_error(
                                path,
                                "not-found",
                                format!("mkdir {path}: no such file or directory"),
                            );
                        }
                        state.files.insert(
                            path.to_owned(),
                            dir_node(permissions, &owner.user, &owner.group),
                        );
                        json!({"path": path})
                    })
                    .collect()
            });
            sync(json!(results))
        }
        Some("remove") => {
            let paths = body["paths"].as_array().cloned().unwrap_or_default();
            let results: Vec<Value> = shared.update(|state| {
                paths
                    .iter()
                    .map(|spec| {
                        let path = spec["path"].as_str().unwrap_or("");
                        let recursive = spec["recursive"].as_bool().unwrap_or(false);
                        if !state.files.contains_key(path) {
                            // A missing path is not-found even with recursive (observed).
                            return path_error(
                                path,
                                "not-found",
                                format!("remove {path}: no such file or directory"),
                            );
                        }
                        let prefix = format!("{}/", path.trim_end_matches('/'));
                        let has_children = state.files.keys().any(|p| p.starts_with(&prefix));
                        if has_children && !recursive {
                            return path_error(
                                path,
                                "generic-file-error",
                                format!("remove {path}: directory not empty"),
                            );
                        }
                        state
                            .files
                            .retain(|p, _| p != path && !p.starts_with(&prefix));
                        json!({"path": path})
                    })
                    .collect()
            });
            sync(json!(results))
        }
        other => bad_request(format!("invalid action {:?}", other.unwrap_or(""))),
    }
}

// ---- logs -------------------------------------------------------------------------

fn log_line(line: &LogLine) -> Bytes {
    let mut text = json!({"time": ts(line.time), "service": line.service, "message": line.message})
        .to_string();
    text.push('\n');
    Bytes::from(text)
}

fn logs(shared: &Arc<Shared>, req: &Req) -> Response<Body> {
    let follow = match req.param("follow") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return bad_request(format!("follow must be true or false, got {other:?}")),
    };
    let n: i64 = match req.param("n") {
        None => {
            if follow {
                0
            } else {
                30
            }
        }
        Some(text) => match text.parse() {
            Ok(n) if n >= -1 => n,
            _ => return bad_request("n must be -1, 0, or a positive integer"),
        },
    };
    let services = req.list("services");
    let wanted = move |line: &LogLine| services.is_empty() || services.contains(&line.service);
    let (sender, receiver) = mpsc::unbounded_channel::<Bytes>();
    let mut seen = {
        let state = shared.lock();
        let matching: Vec<&LogLine> = state.logs.iter().filter(|l| wanted(l)).collect();
        let skip = if n < 0 {
            0
        } else {
            matching.len().saturating_sub(n as usize)
        };
        for line in &matching[skip..] {
            let _ = sender.send(log_line(line));
        }
        state.logs.len()
    };
    if follow {
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            loop {
                let notified = shared.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let new: Vec<Bytes> = {
                    let state = shared.lock();
                    let new = state.logs[seen..]
                        .iter()
                        .filter(|l| wanted(l))
                        .map(log_line)
                        .collect();
                    seen = state.logs.len();
                    new
                };
                for line in new {
                    if sender.send(line).is_err() {
                        return;
                    }
                }
                tokio::select! {
                    _ = notified => {}
                    _ = sender.closed() => return,
                }
            }
        });
    } else {
        drop(sender);
    }
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|bytes| (Ok::<_, std::io::Error>(Frame::data(bytes)), receiver))
    });
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(stream)));
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    response
}

// ---- exec -------------------------------------------------------------------------

const PROGRAMS: &[&str] = &[
    "echo", "cat", "printenv", "pwd", "whoami", "seq", "sleep", "true", "false", "fail", "stuck",
];

fn post_exec(shared: &Arc<Shared>, body: &Value) -> Response<Body> {
    let command: Vec<String> = body["command"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(program) = command.first() else {
        return bad_request("must specify command");
    };
    if !PROGRAMS.contains(&program.as_str()) {
        return bad_request(format!("cannot find executable {program:?}"));
    }
    if body["interactive"].as_bool() == Some(true) && body["terminal"].as_bool() != Some(true) {
        return bad_request("must use a terminal when interactive");
    }
    let timeout = match body.get("timeout").and_then(Value::as_str) {
        None | Some("") => None,
        Some(text) => match parse_go_duration(text) {
            Some(d) => Some(d),
            None => return bad_request(format!("invalid timeout {text:?}")),
        },
    };
    let owner = match owner(body) {
        Ok(owner) => owner,
        Err(message) => return bad_request(message),
    };
    // The daemon's environment, then the request's (pebble-api.md section 8).
    let home = if owner.user == "root" {
        "/root".to_owned()
    } else {
        format!("/home/{}", owner.user)
    };
    let mut environment = BTreeMap::from([
        (
            "PATH".to_owned(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_owned(),
        ),
        ("HOME".to_owned(), home.clone()),
        ("USER".to_owned(), owner.user.clone()),
        ("LANG".to_owned(), "C.UTF-8".to_owned()),
    ]);
    if let Some(env) = body["environment"].as_object() {
        for (k, v) in env {
            environment.insert(k.clone(), v.as_str().unwrap_or_default().to_owned());
        }
    }
    let working_dir = body["working-dir"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or(home);
    let split_stderr = body["split-stderr"].as_bool().unwrap_or(false);
    let (change_id, task_id) = shared.update(|state| {
        let task = state.new_task("exec", format!("Execute command {program:?}"), "Doing");
        let task_id = task.id.clone();
        state
            .exec_sockets
            .insert(task_id.clone(), ExecSockets::default());
        let change = state.add_change(
            "exec",
            format!("Execute command {program:?}"),
            vec![task],
            Vec::new(),
        );
        (change, task_id)
    });
    let run = ExecRun {
        shared: Arc::clone(shared),
        change_id: change_id.clone(),
        task_id: task_id.clone(),
        command,
        environment: environment.clone(),
        working_dir: working_dir.clone(),
        user: owner.user,
        split_stderr,
        timeout,
    };
    tokio::spawn(run.run());
    async_response(
        &change_id,
        json!({"task-id": task_id, "environment": environment, "working-dir": working_dir}),
    )
}

fn websocket(
    shared: Arc<Shared>,
    mut request: Request<Incoming>,
    task: String,
    id: String,
) -> Response<Body> {
    if !matches!(id.as_str(), "control" | "stdio" | "stderr") {
        return not_found(format!("websocket {id:?} not found"));
    }
    {
        let mut state = shared.lock();
        let Some(sockets) = state.exec_sockets.get_mut(&task) else {
            return not_found(format!("cannot find task with id {task:?}"));
        };
        if !sockets.connected.insert(id.clone()) {
            return bad_request(format!("websocket {id:?} already connected"));
        }
    }
    let Some(key) = request.headers().get("sec-websocket-key").cloned() else {
        return bad_request("not a websocket upgrade");
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let upgrade = hyper::upgrade::on(&mut request);
    tokio::spawn(async move {
        if let Ok(upgraded) = upgrade.await {
            let socket =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            shared.update(|state| {
                if let Some(sockets) = state.exec_sockets.get_mut(&task) {
                    sockets.sockets.insert(id, socket);
                }
            });
        }
    });
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::CONNECTION,
        HeaderValue::from_static("Upgrade"),
    );
    headers.insert(
        hyper::header::UPGRADE,
        HeaderValue::from_static("websocket"),
    );
    headers.insert(
        "sec-websocket-accept",
        HeaderValue::from_str(&accept).expect("accept header"),
    );
    response
}

struct ExecRun {
    shared: Arc<Shared>,
    change_id: String,
    task_id: String,
    command: Vec<String>,
    environment: BTreeMap<String, String>,
    working_dir: String,
    user: String,
    split_stderr: bool,
    timeout: Option<Duration>,
}

enum Outcome {
    Exit(i64),
    TimedOut,
    Failed(String),
}

struct Io {
    stdin: SplitStream<Ws>,
    stdout: SplitSink<Ws, Message>,
    stderr: Option<Ws>,
    stdin_done: bool,
}

impl Io {
    async fn out(&mut self, data: impl Into<Bytes>) {
        let _ = self.stdout.send(Message::Binary(data.into())).await;
    }

    async fn err(&mut self, data: impl Into<Bytes>) {
        match &mut self.stderr {
            Some(socket) => {
                let _ = socket.send(Message::Binary(data.into())).await;
            }
            None => self.out(data).await,
        }
    }

    /// The next chunk of stdin; `None` at its end command or close.
    async fn read(&mut self) -> Option<Bytes> {
        if self.stdin_done {
            return None;
        }
        loop {
            match self.stdin.next().await {
                Some(Ok(Message::Binary(data))) => return Some(data),
                Some(Ok(Message::Text(text))) if text.contains(r#""end""#) => break,
                Some(Ok(
                    Message::Text(_) | Message::Ping(_) | Message::Pong(_) | Message::Frame(_),
                )) => {}
                Some(Ok(Message::Close(_)) | Err(_)) | None => break,
            }
        }
        self.stdin_done = true;
        None
    }
}

const END: &str = r#"{"command":"end"}"#;

fn signal_number(name: &str) -> Option<i64> {
    Some(match name {
        "SIGHUP" => 1,
        "SIGINT" => 2,
        "SIGQUIT" => 3,
        "SIGKILL" => 9,
        "SIGUSR1" => 10,
        "SIGUSR2" => 12,
        "SIGTERM" => 15,
        _ => return None,
    })
}

impl ExecRun {
    fn mark_closed(&self, id: &str) {
        self.shared.update(|state| {
            state
                .closed_sockets
                .push((self.task_id.clone(), id.to_owned()))
        });
    }

    /// Waits up to 5 s for the I/O websockets (pebble-api.md section 8).
    async fn sockets(&self) -> Option<(Option<Ws>, Ws, Option<Ws>)> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut state = self.shared.lock();
                let sockets = state.exec_sockets.get_mut(&self.task_id)?;
                let ready = sockets.sockets.contains_key("stdio")
                    && (!self.split_stderr || sockets.sockets.contains_key("stderr"));
                if ready {
                    let control = sockets.sockets.remove("control");
                    let stdio = sockets.sockets.remove("stdio")?;
                    let stderr = if self.split_stderr {
                        sockets.sockets.remove("stderr")
                    } else {
                        None
                    };
                    return Some((control, stdio, stderr));
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// The control socket, which may connect after the I/O ones.
    async fn late_control(&self) -> Option<Ws> {
        loop {
            let notified = self.shared.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(socket) = self
                .shared
                .lock()
                .exec_sockets
                .get_mut(&self.task_id)
                .and_then(|s| s.sockets.remove("control"))
            {
                return Some(socket);
            }
            notified.await;
        }
    }

    async fn run(self) {
        let Some((control, stdio, stderr)) = self.sockets().await else {
            self.finish(Outcome::Failed(
                "timeout waiting for websocket connections".to_owned(),
            ));
            return;
        };
        let (stdout, stdin) = stdio.split();
        let mut io = Io {
            stdin,
            stdout,
            stderr,
            stdin_done: false,
        };
        let (signal_tx, mut signals) = mpsc::unbounded_channel::<i64>();
        let (exited_tx, exited) = tokio::sync::watch::channel(false);
        // Control: read signals until the process exits, then close.
        let control_task = {
            let task = self.task_id.clone();
            let shared = Arc::clone(&self.shared);
            let late = self.clone_light();
            tokio::spawn(async move {
                let mut exited = exited;
                let control = match control {
                    Some(control) => Some(control),
                    None => tokio::select! {
                        control = late.late_control() => control,
                        _ = exited.changed() => None,
                    },
                };
                let Some(mut control) = control else { return };
                loop {
                    tokio::select! {
                        message = control.next() => match message {
                            Some(Ok(Message::Text(text))) => {
                                let value: Value = serde_json::from_str(&text).unwrap_or_default();
                                if value["command"] == "signal"
                                    && let Some(n) = value["signal"]["name"].as_str().and_then(signal_number)
                                {
                                    let _ = signal_tx.send(n);
                                }
                                // Unknown commands are logged and ignored.
                            }
                            Some(Ok(_)) => {}
                            Some(Err(_)) | None => {
                                shared.update(|state| state.closed_sockets.push((task.clone(), "control".to_owned())));
                                // Keep waiting for the exit without a control socket.
                                let _ = exited.changed().await;
                                return;
                            }
                        },
                        _ = exited.changed() => {
                            // The server closes control when the process exits.
                            let _ = control.close(None).await;
                            return;
                        }
                    }
                }
            })
        };

        let deadline = self.timeout.map(|t| Instant::now() + t);
        let program = self.program(&mut io);
        let outcome = if self.command[0] == "stuck" {
            // Ignores signals and its timeout: only the client's bound ends the wait.
            program.await
        } else {
            tokio::select! {
                outcome = program => outcome,
                Some(signal) = signals.recv() => Outcome::Exit(128 + signal),
                _ = async {
                    match deadline {
                        Some(deadline) => tokio::time::sleep_until(deadline).await,
                        None => std::future::pending().await,
                    }
                } => Outcome::TimedOut,
            }
        };
        // The output streams end, then the process exits (observed order).
        let _ = io.stdout.send(Message::text(END)).await;
        let _ = io.stdout.send(Message::Close(None)).await;
        if let Some(stderr) = &mut io.stderr {
            let _ = stderr.send(Message::text(END)).await;
            let _ = stderr.send(Message::Close(None)).await;
        }
        let _ = exited_tx.send(true);
        let _ = control_task.await;
        self.finish(outcome);
    }

    fn clone_light(&self) -> ExecRun {
        ExecRun {
            shared: Arc::clone(&self.shared),
            change_id: self.change_id.clone(),
            task_id: self.task_id.clone(),
            command: self.command.clone(),
            environment: self.environment.clone(),
            working_dir: self.working_dir.clone(),
            user: self.user.clone(),
            split_stderr: self.split_stderr,
            timeout: self.timeout,
        }
    }

    async fn program(&self, io: &mut Io) -> Outcome {
        let args = &self.command[1..];
        match self.command[0].as_str() {
            "echo" => {
                io.out(format!("{}\n", args.join(" "))).await;
                Outcome::Exit(0)
            }
            "cat" => {
                while let Some(chunk) = io.read().await {
                    io.out(chunk).await;
                }
                Outcome::Exit(0)
            }
            "printenv" => {
                let text: String = if args.is_empty() {
                    self.environment
                        .iter()
                        .map(|(k, v)| format!("{k}={v}\n"))
                        .collect()
                } else {
                    args.iter()
                        .filter_map(|k| self.environment.get(k))
                        .map(|v| format!("{v}\n"))
                        .collect()
                };
                io.out(text).await;
                Outcome::Exit(0)
            }
            "pwd" => {
                io.out(format!("{}\n", self.working_dir)).await;
                Outcome::Exit(0)
            }
            "whoami" => {
                io.out(format!("{}\n", self.user)).await;
                Outcome::Exit(0)
            }
            "seq" => {
                let n: u64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(0);
                let mut text = String::new();
                for i in 1..=n {
                    text.push_str(&format!("{i}\n"));
                    if text.len() > 16 * 1024 {
                        io.out(std::mem::take(&mut text)).await;
                    }
                }
                io.out(text).await;
                Outcome::Exit(0)
            }
            "sleep" => {
                let secs: f64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(0.0);
                tokio::time::sleep(Duration::from_secs_f64(secs)).await;
                Outcome::Exit(0)
            }
            "true" => Outcome::Exit(0),
            "false" => Outcome::Exit(1),
            "fail" => {
                let code: i64 = args.first().and_then(|a| a.parse().ok()).unwrap_or(1);
                if args.len() > 1 {
                    io.err(format!("{}\n", args[1..].join(" "))).await;
                }
                Outcome::Exit(code)
            }
            "stuck" => {
                // Reads stdin until the client goes away, and never exits.
                while io.read().await.is_some() {}
                self.mark_closed("stdio");
                std::future::pending().await
            }
            _ => Outcome::Failed("unknown program".to_owned()),
        }
    }

    fn finish(&self, outcome: Outcome) {
        let n: u64 = self.change_id.parse().unwrap_or_default();
        self.shared.update(|state| {
            if let Some(change) = state.changes.get_mut(&n) {
                if let Some(task) = change.tasks.first_mut() {
                    let now = SystemTime::now();
                    task.ready_time = Some(now);
                    match outcome {
                        Outcome::Exit(code) => {
                            task.status = "Done".to_owned();
                            task.data.insert("exit-code".to_owned(), json!(code));
                        }
                        Outcome::TimedOut => {
                            task.status = "Error".to_owned();
                            task.data.insert("exit-code".to_owned(), json!(-1));
                            let after = self
                                .timeout
                                .map(|t| format!("{}ms", t.as_millis()))
                                .unwrap_or_default();
                            task.log.push(format!(
                                "{} ERROR timed out after {after}: context deadline exceeded",
                                ts(now)
                            ));
                        }
                        Outcome::Failed(message) => {
                            task.status = "Error".to_owned();
                            task.log.push(format!("{} ERROR {message}", ts(now)));
                        }
                    }
                }
                settle(change);
            }
            state.change_notice(n);
        });
    }
}
