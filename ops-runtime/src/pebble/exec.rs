//! Running commands in the workload container: `POST /v1/exec`, then the
//! task's websockets for control and I/O.
//!
//! The wire protocol (pebble-api.md section 8): the exec request creates a
//! change with one task; the client connects the task's `control`, `stdio`
//! and (unless stderr is combined) `stderr` websockets; data goes both ways
//! in BINARY frames; a TEXT frame `{"command":"end"}` ends a stream (the
//! client sends it on `stdio` when its stdin is exhausted, Pebble when the
//! process's output closes); signals go as TEXT frames on `control`; the
//! exit code is in the finished change's first task's `exit-code`.
//!
//! Everything here is owned by the [`ExecProcess`] and driven by the future
//! that waits on it: no background task or thread survives a call, so every
//! websocket closes when the call returns or its future is dropped, whatever
//! the path (the hang of ops issue #2556 cannot happen).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::{Either, select, try_join};
use futures_util::{SinkExt, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};

use super::client::{Client, bounded, decode_result, parse_envelope, segment};
use super::duration;
use super::error::{ChangeError, Error, ExecError};
use super::layer::Environment;
use super::limits::{Capture, Limit, write_error};
use super::options::Ownership;
use super::types::{Change, ChangeId};

type WebSocket = WebSocketStream<UnixStream>;

/// How long after a command's own timeout the client still waits for Pebble
/// to report it (ops adds the same second).
const GRACE: Duration = Duration::from_secs(1);
/// The size of the BINARY frames stdin is sent in.
const CHUNK: usize = 32 * 1024;
const END: &str = r#"{"command":"end"}"#;

/// A command to run in the container, for [`Client::exec`].
///
/// ```
/// use std::time::Duration;
/// use ops_runtime::pebble::Exec;
///
/// let exec = Exec::new(["psql", "-c", "select 1"])
///     .env("PGPASSWORD", "hunter2")
///     .working_dir("/var/lib/postgresql")
///     .user("postgres")
///     .timeout(Duration::from_secs(10));
/// // Environment values and stdin may be secret: Debug output hides them.
/// assert!(!format!("{exec:?}").contains("hunter2"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exec {
    /// The program and its arguments; Pebble looks the program up in `PATH`.
    pub command: Vec<String>,
    /// A service whose environment, user, group and working directory the
    /// command takes (the fields below override them).
    pub service_context: Option<String>,
    /// Environment variables, on top of the daemon's own.
    pub environment: Environment,
    /// The working directory (the user's home, or `/`, by default).
    pub working_dir: Option<String>,
    /// How long the command may run before Pebble kills it. When `None`, the
    /// client's [`exec_timeout`](super::ClientBuilder::exec_timeout) is sent:
    /// a hook must not wait forever.
    pub timeout: Option<Duration>,
    /// The user and group to run as.
    pub ownership: Ownership,
    /// Send the command's stderr to stdout, as one stream.
    pub combine_stderr: bool,
    /// Bytes for the command's standard input.
    pub stdin: Option<Vec<u8>>,
}

impl fmt::Debug for Exec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exec")
            .field("command", &self.command)
            .field("service_context", &self.service_context)
            .field("environment", &self.environment)
            .field("working_dir", &self.working_dir)
            .field("timeout", &self.timeout)
            .field("ownership", &self.ownership)
            .field("combine_stderr", &self.combine_stderr)
            .field(
                "stdin",
                &self.stdin.as_ref().map(|s| format!("<{} bytes>", s.len())),
            )
            .finish()
    }
}

impl Exec {
    /// Runs `command` (the program, then its arguments).
    pub fn new<I, S>(command: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            command: command.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Takes environment, user, group and working directory from `service`.
    pub fn service_context(mut self, service: impl Into<String>) -> Self {
        self.service_context = Some(service.into());
        self
    }

    /// Sets one environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Sets environment variables.
    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.environment.extend(vars);
        self
    }

    /// Sets the working directory.
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Sets how long the command may run.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs as the user with this ID.
    pub fn user_id(mut self, user_id: u32) -> Self {
        self.ownership.user_id = Some(user_id);
        self
    }

    /// Runs as this user.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.ownership.user = Some(user.into());
        self
    }

    /// Runs with this group ID.
    pub fn group_id(mut self, group_id: u32) -> Self {
        self.ownership.group_id = Some(group_id);
        self
    }

    /// Runs with this group.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.ownership.group = Some(group.into());
        self
    }

    /// Sets [`combine_stderr`](Self::combine_stderr).
    pub fn combine_stderr(mut self, combine: bool) -> Self {
        self.combine_stderr = combine;
        self
    }

    /// Sets the bytes for standard input.
    pub fn stdin(mut self, stdin: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(stdin.into());
        self
    }
}

/// What a command that exited with code 0 wrote.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExecOutput {
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error (empty when combined into stdout).
    pub stderr: Vec<u8>,
}

impl ExecOutput {
    /// The standard output as text, invalid UTF-8 replaced.
    pub fn stdout_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }

    /// The standard error as text, invalid UTF-8 replaced.
    pub fn stderr_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }
}

impl fmt::Debug for ExecOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecOutput")
            .field("stdout", &self.stdout_lossy())
            .field("stderr", &self.stderr_lossy())
            .finish()
    }
}

/// A running command, from [`Client::exec`].
///
/// Wait for it with [`wait`](Self::wait), [`wait_output`](Self::wait_output)
/// or [`wait_with`](Self::wait_with); each is bounded by the command's timeout
/// plus a grace period. Dropping the process closes its websockets; Pebble
/// then lets the command run until it exits or its timeout.
pub struct ExecProcess {
    client: Client,
    change_id: ChangeId,
    task_id: String,
    command: Vec<String>,
    input: Vec<u8>,
    environment: Environment,
    working_dir: String,
    control: WebSocket,
    stdio: WebSocket,
    stderr: Option<WebSocket>,
    deadline: Instant,
    bound: Duration,
}

impl fmt::Debug for ExecProcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecProcess")
            .field("change_id", &self.change_id)
            .field("task_id", &self.task_id)
            .field("command", &self.command)
            .field("environment", &self.environment)
            .field("working_dir", &self.working_dir)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ExecBody<'a> {
    command: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    service_context: Option<&'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    environment: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    working_dir: Option<&'a str>,
    timeout: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<&'a str>,
    split_stderr: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ExecResult {
    task_id: String,
    #[serde(default)]
    environment: Environment,
    #[serde(default)]
    working_dir: String,
}

impl Client {
    /// Starts a command: `POST /v1/exec`, then connects its websockets.
    ///
    /// ```no_run
    /// # async fn demo(client: ops_runtime::pebble::Client) -> Result<(), ops_runtime::pebble::Error> {
    /// use ops_runtime::pebble::Exec;
    ///
    /// let output = client.exec(&Exec::new(["cat"]).stdin("hello")).await?.wait_output().await?;
    /// assert_eq!(output.stdout, b"hello");
    /// # Ok(()) }
    /// ```
    pub async fn exec(&self, exec: &Exec) -> Result<ExecProcess, Error> {
        let timeout = exec.timeout.unwrap_or(self.inner.exec_timeout);
        let body = ExecBody {
            command: &exec.command,
            service_context: exec.service_context.as_deref(),
            environment: &exec.environment,
            working_dir: exec.working_dir.as_deref(),
            timeout: duration::format(timeout),
            user_id: exec.ownership.user_id,
            user: exec.ownership.user.as_deref(),
            group_id: exec.ownership.group_id,
            group: exec.ownership.group.as_deref(),
            split_stderr: !exec.combine_stderr,
        };
        let (change_id, result) = self.post_async("/v1/exec", &body).await?;
        let result: ExecResult = decode_result("POST /v1/exec", result)?;
        let task = result.task_id.as_str();
        let connected = async {
            let control = self.websocket(task, "control").await?;
            let stdio = self.websocket(task, "stdio").await?;
            let stderr = match exec.combine_stderr {
                true => None,
                false => Some(self.websocket(task, "stderr").await?),
            };
            Ok::<_, Error>((control, stdio, stderr))
        };
        let (control, stdio, stderr) = match connected.await {
            Ok(sockets) => sockets,
            Err(error) => {
                // As ops does: the change may say why (the task gave up
                // waiting for the websockets, or failed at once).
                return match self.wait_change(&change_id, self.inner.timeout).await {
                    Ok(change) if change.err.is_some() => {
                        Err(Error::Change(Box::new(ChangeError::new(change))))
                    }
                    _ => Err(error),
                };
            }
        };
        let bound = timeout + GRACE + self.inner.timeout;
        Ok(ExecProcess {
            client: self.clone(),
            change_id,
            task_id: result.task_id,
            command: exec.command.clone(),
            input: exec.stdin.clone().unwrap_or_default(),
            environment: result.environment,
            working_dir: result.working_dir,
            control,
            stdio,
            stderr,
            deadline: Instant::now() + bound,
            bound,
        })
    }

    /// Connects to one of an exec task's websockets.
    async fn websocket(&self, task_id: &str, id: &str) -> Result<WebSocket, Error> {
        let path = format!("/v1/tasks/{}/websocket/{id}", segment(task_id));
        let operation = format!("GET {path}");
        bounded(&operation, self.inner.timeout, async {
            let stream = UnixStream::connect(&self.inner.socket)
                .await
                .map_err(|e| self.connection_error(Box::new(e)))?;
            // One message of output is bounded like any answer (tungstenite's
            // own defaults are 64 MiB a message, 16 MiB a frame).
            let limit = Some(self.inner.body_limit);
            let config = WebSocketConfig::default()
                .max_message_size(limit)
                .max_frame_size(limit);
            let url = format!("ws://localhost{path}");
            match tokio_tungstenite::client_async_with_config(url, stream, Some(config)).await {
                Ok((socket, _)) => Ok(socket),
                Err(tungstenite::Error::Http(response)) => {
                    // Refused: the body is an error envelope.
                    let content_type = super::client::content_type(
                        response.headers().get(reqwest::header::CONTENT_TYPE),
                    );
                    let body = response.body().as_deref().unwrap_or_default();
                    parse_envelope(&operation, response.status(), content_type.as_deref(), body)?;
                    Err(Error::protocol(
                        &operation,
                        format!("websocket upgrade refused with HTTP {}", response.status()),
                    ))
                }
                Err(error) => Err(self.websocket_error(&operation, error)),
            }
        })
        .await
    }

    fn websocket_error(&self, operation: &str, error: tungstenite::Error) -> Error {
        match error {
            tungstenite::Error::Io(io) => self.connection_error(Box::new(io)),
            tungstenite::Error::Capacity(tungstenite::error::CapacityError::MessageTooLong {
                ..
            }) => Error::too_large(
                operation,
                "a websocket message",
                self.inner.body_limit as u64,
                Limit::Body,
            ),
            tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
                Error::protocol(operation, "the websocket is closed")
            }
            other => Error::protocol(operation, format!("websocket error: {other}")),
        }
    }
}

impl ExecProcess {
    /// The change that runs the command.
    pub fn change_id(&self) -> &ChangeId {
        &self.change_id
    }

    /// The task that runs the command.
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The command's environment as Pebble resolved it.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The command's working directory as Pebble resolved it.
    pub fn working_dir(&self) -> &str {
        &self.working_dir
    }

    /// Sends `signal` (such as `SIGTERM`) to the command.
    pub async fn send_signal(&mut self, signal: &str) -> Result<(), Error> {
        let operation = format!("signalling `{}`", self.command.join(" "));
        let message = serde_json::json!({"command": "signal", "signal": {"name": signal}});
        let client = &self.client;
        let control = &mut self.control;
        bounded(&operation, client.inner.timeout, async {
            control
                .send(Message::text(message.to_string()))
                .await
                .map_err(|e| client.websocket_error(&operation, e))
        })
        .await
    }

    /// Waits for the command to finish, with [`Exec::stdin`] as its input and
    /// its output discarded. Fails with [`Error::Exec`] on a non-zero exit code
    /// and [`Error::Change`] if Pebble could not run it (or it timed out).
    pub async fn wait(self) -> Result<(), Error> {
        let command = self.command.clone();
        let exit_code = self
            .run(
                tokio::io::empty(),
                &mut tokio::io::sink(),
                &mut tokio::io::sink(),
            )
            .await?;
        check_exit(command, exit_code, None)
    }

    /// Waits for the command to finish, with [`Exec::stdin`] as its input, and
    /// returns what it wrote. On a non-zero exit code, the [`Error::Exec`]
    /// carries the code and the captured output.
    ///
    /// Each stream is captured up to the client's
    /// [`capture_limit`](super::ClientBuilder::capture_limit) (64 MiB by
    /// default), past which this fails with [`Error::TooLarge`]: stream output
    /// that may be larger with [`wait_with`](Self::wait_with).
    pub async fn wait_output(self) -> Result<ExecOutput, Error> {
        let command = self.command.clone();
        let limit = self.client.inner.capture_limit;
        let mut output = ExecOutput::default();
        let exit_code = self
            .run(
                tokio::io::empty(),
                &mut Capture::new(&mut output.stdout, limit),
                &mut Capture::new(&mut output.stderr, limit),
            )
            .await?;
        check_exit(command, exit_code, Some(&mut output))?;
        Ok(output)
    }

    /// Waits for the command to finish, streaming: its input is [`Exec::stdin`]
    /// then everything `stdin` yields; its output goes to `stdout` and
    /// `stderr` as it arrives. Fails like [`wait`](Self::wait).
    pub async fn wait_with<R, O, E>(
        self,
        stdin: R,
        stdout: &mut O,
        stderr: &mut E,
    ) -> Result<(), Error>
    where
        R: AsyncRead + Unpin,
        O: AsyncWrite + Unpin + ?Sized,
        E: AsyncWrite + Unpin + ?Sized,
    {
        let command = self.command.clone();
        let exit_code = self.run(stdin, stdout, stderr).await?;
        check_exit(command, exit_code, None)
    }

    /// Pumps the I/O, waits for the change, and returns the exit code. The
    /// websockets are owned by this future and close when it ends.
    async fn run<R, O, E>(self, stdin: R, stdout: &mut O, stderr: &mut E) -> Result<i32, Error>
    where
        R: AsyncRead + Unpin,
        O: AsyncWrite + Unpin + ?Sized,
        E: AsyncWrite + Unpin + ?Sized,
    {
        let ExecProcess {
            client,
            change_id,
            command,
            input,
            mut control,
            stdio,
            stderr: stderr_socket,
            deadline,
            bound,
            ..
        } = self;
        let operation = format!("running `{}`", command.join(" "));
        let work = async {
            let stdin = AsyncReadExt::chain(&input[..], stdin);
            pump(
                &client,
                &operation,
                stdio,
                stderr_socket,
                stdin,
                stdout,
                stderr,
            )
            .await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let change = client.wait_change(&change_id, remaining).await?;
            exit_code(&operation, change)
        };
        match tokio::time::timeout_at(deadline, work).await {
            Ok(result) => result,
            Err(_) => {
                // Pebble kills a command at its timeout; make sure, briefly.
                let kill = serde_json::json!({"command": "signal", "signal": {"name": "SIGKILL"}});
                let _ = tokio::time::timeout(
                    Duration::from_millis(200),
                    control.send(Message::text(kill.to_string())),
                )
                .await;
                Err(Error::timeout(operation, bound))
            }
        }
    }
}

fn check_exit(
    command: Vec<String>,
    exit_code: i32,
    output: Option<&mut ExecOutput>,
) -> Result<(), Error> {
    if exit_code == 0 {
        return Ok(());
    }
    let (stdout, stderr) = match output {
        Some(output) => (
            Some(std::mem::take(&mut output.stdout)),
            Some(std::mem::take(&mut output.stderr)),
        ),
        None => (None, None),
    };
    Err(Error::Exec(Box::new(ExecError {
        command,
        exit_code,
        stdout,
        stderr,
    })))
}

/// The exit code of a finished exec change, or its error.
fn exit_code(operation: &str, change: Change) -> Result<i32, Error> {
    if change.err.is_some() {
        return Err(Error::Change(Box::new(ChangeError::new(change))));
    }
    let code = change
        .tasks
        .first()
        .and_then(|task| task.data.get("exit-code"))
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| Error::protocol(operation, "the exec task has no exit code"))?;
    i32::try_from(code)
        .map_err(|_| Error::protocol(operation, format!("exit code {code} out of range")))
}

/// Sends stdin and receives stdout and stderr until the output streams end.
async fn pump<R, O, E>(
    client: &Client,
    operation: &str,
    stdio: WebSocket,
    stderr_socket: Option<WebSocket>,
    mut stdin: R,
    stdout: &mut O,
    stderr: &mut E,
) -> Result<(), Error>
where
    R: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + ?Sized,
    E: AsyncWrite + Unpin + ?Sized,
{
    let (mut sink, mut source) = stdio.split();
    let send = pin!(send_input(&mut sink, &mut stdin));
    let receive = pin!(try_join(
        receive_output(client, operation, &mut source, stdout),
        async {
            match stderr_socket {
                Some(mut socket) => receive_output(client, operation, &mut socket, stderr).await,
                None => Ok(()),
            }
        },
    ));
    match select(send, receive).await {
        Either::Left((sent, receive)) => {
            sent?;
            receive.await?;
        }
        // The output ended (the process exited): stop sending input.
        Either::Right((received, _)) => {
            received?;
        }
    }
    Ok(())
}

/// Sends `stdin` on `stdio` in BINARY frames, then the end command. A failure
/// to send is not an error (the process may exit without reading its input);
/// a failure to read `stdin` is.
async fn send_input<S, R>(sink: &mut S, stdin: &mut R) -> Result<(), Error>
where
    S: futures_util::Sink<Message, Error = tungstenite::Error> + Unpin,
    R: AsyncRead + Unpin,
{
    let mut buffer = vec![0; CHUNK];
    loop {
        let n = stdin.read(&mut buffer).await.map_err(|source| Error::Io {
            context: "cannot read the command's input".to_owned(),
            source,
        })?;
        if n == 0 {
            break;
        }
        if sink
            .send(Message::Binary(Bytes::copy_from_slice(&buffer[..n])))
            .await
            .is_err()
        {
            return Ok(());
        }
    }
    let _ = sink.send(Message::text(END)).await;
    Ok(())
}

/// Writes BINARY frames from `source` to `writer` until the end command or
/// the websocket closes.
async fn receive_output<S, W>(
    client: &Client,
    operation: &str,
    source: &mut S,
    writer: &mut W,
) -> Result<(), Error>
where
    S: Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
    W: AsyncWrite + Unpin + ?Sized,
{
    #[derive(Deserialize)]
    struct Command {
        command: String,
    }
    let write_failed = |source| {
        write_error(
            operation,
            "the command's output",
            || "cannot write the command's output".to_owned(),
            source,
        )
    };
    while let Some(message) = source.next().await {
        match message {
            Ok(Message::Binary(data)) => writer.write_all(&data).await.map_err(write_failed)?,
            Ok(Message::Text(text)) => {
                if serde_json::from_str::<Command>(&text).is_ok_and(|c| c.command == "end") {
                    break;
                }
            }
            Ok(Message::Close(_)) => break,
            Ok(_) => {}
            // Closed without the closing handshake: the stream has ended all the same.
            Err(
                tungstenite::Error::ConnectionClosed
                | tungstenite::Error::AlreadyClosed
                | tungstenite::Error::Protocol(
                    tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
                ),
            ) => break,
            Err(error) => return Err(client.websocket_error(operation, error)),
        }
    }
    writer.flush().await.map_err(write_failed)
}
