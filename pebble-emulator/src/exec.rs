//! Exec: the built-in programs, run over the control, stdio and stderr
//! websockets.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::files::owner;
use crate::http::{Body, async_response, bad_request, full, not_found, parse_go_duration, strings};
use crate::state::{Shared, settle, ts};

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// The exec websockets of one task, deposited by the websocket handler.
#[derive(Default)]
pub(crate) struct ExecSockets {
    sockets: HashMap<String, Ws>,
    connected: BTreeSet<String>,
}

/// The built-in programs exec runs in place of processes (see the crate docs).
const PROGRAMS: &[&str] = &[
    "echo", "cat", "printenv", "pwd", "whoami", "seq", "sleep", "true", "false", "fail", "stuck",
];

pub(crate) fn post_exec(shared: &Arc<Shared>, body: &Value) -> Response<Body> {
    let command = strings(&body["command"]);
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

pub(crate) fn websocket(
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
        HeaderValue::from_str(&accept).expect("a base64 key is a valid header value"),
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
        let outcome = if self
            .command
            .first()
            .is_some_and(|program| program == "stuck")
        {
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
        let Some((program, args)) = self.command.split_first() else {
            return Outcome::Failed("empty command".to_owned());
        };
        match program.as_str() {
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
                let text = args.first().map_or("0", String::as_str);
                let Some(duration) = text
                    .parse()
                    .ok()
                    .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
                else {
                    io.err(format!("sleep: invalid time interval {text:?}\n"))
                        .await;
                    return Outcome::Exit(1);
                };
                tokio::time::sleep(duration).await;
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
