//! The async client: transport, the response envelope, and the JSON endpoints.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;

use super::duration;
use super::error::{ApiError, BoxError, Error, ErrorKind};
use super::layer::{Layer, Plan};
use super::limits::{DEFAULT_BODY_LIMIT, DEFAULT_CAPTURE_LIMIT, Limit};
use super::options::{AddLayerOptions, LogCount, LogsQuery, NoticesQuery, NotifyOptions};
use super::types::{
    Change, ChangeId, ChangeSelect, CheckInfo, CheckLevel, CheckRefresh, Identity, LogEntry,
    Notice, NoticeId, NoticesUsers, ServiceInfo, SystemInfo,
};

/// Where Juju mounts a workload container's Pebble socket in the charm
/// container: `/charm/containers/<name>/pebble.socket`.
pub fn container_socket(container: &str) -> PathBuf {
    container_socket_in(Path::new("/charm/containers"), container)
}

/// Container `container`'s Pebble socket under `dir`: `<dir>/<container>/pebble.socket`.
pub(crate) fn container_socket_in(dir: &Path, container: &str) -> PathBuf {
    dir.join(container).join("pebble.socket")
}

/// The default bound on one request: ops's socket timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The default bound on waiting for services to start, stop or restart: ops's.
const DEFAULT_WAIT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default timeout given to a command that sets none.
const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(60);
/// How often `wait_change` polls a Pebble too old for `/v1/changes/{id}/wait`.
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Configures a [`Client`]: the socket and the bounds on every call.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    socket: PathBuf,
    timeout: Duration,
    wait_timeout: Duration,
    exec_timeout: Duration,
    body_limit: usize,
    capture_limit: u64,
}

impl ClientBuilder {
    /// The longest one request may take, and the longest a streaming transfer
    /// (a push, a pull, a log stream) may go without progress. Long-polling
    /// requests get this on top of the time they ask Pebble to wait. Default:
    /// 5 seconds, as in ops.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long [`Client::start_services`] and the other service calls wait
    /// for their change to finish. Default: 30 seconds, as in ops.
    pub fn wait_timeout(mut self, wait_timeout: Duration) -> Self {
        self.wait_timeout = wait_timeout;
        self
    }

    /// The timeout sent with a command that sets none (ops sends none and may
    /// wait forever; a hook must not). Pebble kills the command when it passes.
    /// Default: 60 seconds.
    pub fn exec_timeout(mut self, exec_timeout: Duration) -> Self {
        self.exec_timeout = exec_timeout;
        self
    }

    /// The most the client reads of one JSON answer (an error answer's body
    /// too), one log line, one websocket message of a command's output, and
    /// the multipart framing and JSON part of a file pull. A call that gets
    /// more fails with [`Error::TooLarge`] without reading the rest. Default:
    /// [`DEFAULT_BODY_LIMIT`], 4 MiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The most one call gathers in memory: the file [`Client::pull`]
    /// returns, each stream [`ExecProcess::wait_output`](super::ExecProcess::wait_output)
    /// captures, the lines [`Client::logs`] returns. A call that would gather
    /// more fails with [`Error::TooLarge`]; what streams to a destination
    /// ([`Client::pull_to`], [`ExecProcess::wait_with`](super::ExecProcess::wait_with),
    /// [`Client::follow_logs`]) has no such limit. Default:
    /// [`DEFAULT_CAPTURE_LIMIT`], 64 MiB.
    pub fn capture_limit(mut self, bytes: u64) -> Self {
        self.capture_limit = bytes;
        self
    }

    /// Makes the client. Nothing is connected until the first call.
    pub fn build(self) -> Result<Client, Error> {
        let http = reqwest::Client::builder()
            .unix_socket(self.socket.as_path())
            .http1_only()
            .build()
            .map_err(|source| Error::Connection {
                socket: self.socket.clone(),
                reason: "cannot set up the HTTP client".to_owned(),
                source: Box::new(source),
            })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                socket: self.socket,
                timeout: self.timeout,
                wait_timeout: self.wait_timeout,
                exec_timeout: self.exec_timeout,
                body_limit: self.body_limit,
                capture_limit: self.capture_limit,
            }),
        })
    }
}

/// An async client for the Pebble API over its Unix socket.
///
/// Every call is bounded: a request by [`ClientBuilder::timeout`], a wait by
/// the timeout it is given or [`ClientBuilder::wait_timeout`], a command by its
/// own timeout; a call that runs out of time fails with [`Error::Timeout`]
/// rather than hanging the hook. Cloning is cheap and shares the connection
/// pool. Use [`blocking::Client`](super::blocking::Client) from a synchronous
/// handler.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) socket: PathBuf,
    pub(crate) timeout: Duration,
    pub(crate) wait_timeout: Duration,
    pub(crate) exec_timeout: Duration,
    pub(crate) body_limit: usize,
    pub(crate) capture_limit: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("socket", &self.inner.socket)
            .field("timeout", &self.inner.timeout)
            .field("wait_timeout", &self.inner.wait_timeout)
            .field("exec_timeout", &self.inner.exec_timeout)
            .field("body_limit", &self.inner.body_limit)
            .field("capture_limit", &self.inner.capture_limit)
            .finish()
    }
}

/// The `action` of `POST /v1/services`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServiceOperation {
    /// Start the named services and what they require.
    Start,
    /// Stop the named services.
    Stop,
    /// Stop the named services that run, then start them all.
    Restart,
    /// Stop services whose configuration changed, start every enabled service.
    Replan,
    /// Start every `startup: enabled` service.
    Autostart,
}

impl ServiceOperation {
    /// The action's name in the request.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
            Self::Replan => "replan",
            Self::Autostart => "autostart",
        }
    }
}

/// A parsed response envelope.
pub(crate) struct Envelope {
    pub(crate) result: Value,
    pub(crate) change: Option<ChangeId>,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    change: Option<String>,
}

/// A query string under construction.
pub(crate) type Query = Vec<(&'static str, String)>;

impl Client {
    /// A client for the Pebble listening on `socket`, with default bounds.
    ///
    /// Nothing is connected until the first call.
    pub fn new(socket: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::builder(socket).build()
    }

    /// A client for the workload container `container`'s Pebble, at the socket
    /// Juju mounts in the charm container.
    pub fn for_container(container: &str) -> Result<Self, Error> {
        Self::new(container_socket(container))
    }

    /// Configures a client for the Pebble listening on `socket`.
    pub fn builder(socket: impl Into<PathBuf>) -> ClientBuilder {
        ClientBuilder {
            socket: socket.into(),
            timeout: DEFAULT_TIMEOUT,
            wait_timeout: DEFAULT_WAIT_TIMEOUT,
            exec_timeout: DEFAULT_EXEC_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            capture_limit: DEFAULT_CAPTURE_LIMIT,
        }
    }

    /// The socket this client talks to.
    pub fn socket_path(&self) -> &Path {
        &self.inner.socket
    }

    /// The bound on one request ([`ClientBuilder::timeout`]).
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The bound on waiting for service changes ([`ClientBuilder::wait_timeout`]).
    pub fn wait_timeout(&self) -> Duration {
        self.inner.wait_timeout
    }

    // ---- transport ------------------------------------------------------

    pub(crate) fn url(&self, path: &str, query: &Query) -> Result<Url, Error> {
        let mut url = Url::parse("http://localhost/")
            .and_then(|base| base.join(path))
            .map_err(|e| Error::protocol(path, format!("invalid request path: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query.iter());
        }
        Ok(url)
    }

    /// An error reaching Pebble, with a reason a person can act on.
    pub(crate) fn connection_error(&self, source: BoxError) -> Error {
        let mut reason = source.to_string();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&*source);
        while let Some(error) = cause {
            if let Some(io) = error.downcast_ref::<std::io::Error>() {
                reason = match io.kind() {
                    std::io::ErrorKind::NotFound => {
                        "the socket does not exist (is the container up, or has it restarted?)"
                            .to_owned()
                    }
                    std::io::ErrorKind::ConnectionRefused => {
                        "nothing is listening on the socket (is Pebble running?)".to_owned()
                    }
                    _ => io.to_string(),
                };
                break;
            }
            reason = error.to_string();
            cause = error.source();
        }
        Error::Connection {
            socket: self.inner.socket.clone(),
            reason,
            source,
        }
    }

    /// Reads a whole response body of at most
    /// [`body_limit`](ClientBuilder::body_limit) bytes, or fails with
    /// [`Error::TooLarge`] as soon as it is clear there is more: at once when
    /// the `Content-Length` says so, otherwise at the chunk that passes it.
    pub(crate) async fn read_body(
        &self,
        mut response: reqwest::Response,
        operation: &str,
    ) -> Result<bytes::Bytes, Error> {
        let limit = self.inner.body_limit;
        let too_large =
            || Error::too_large(operation, "the response body", limit as u64, Limit::Body);
        if response
            .content_length()
            .is_some_and(|length| length > limit as u64)
        {
            return Err(too_large());
        }
        // The usual answer comes in one chunk: keep it without a copy.
        let mut first: Option<bytes::Bytes> = None;
        let mut joined: Vec<u8> = Vec::new();
        let mut length = 0usize;
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.connection_error(Box::new(e)))?
        {
            length = length.saturating_add(chunk.len());
            if length > limit {
                return Err(too_large());
            }
            match first.take() {
                None if joined.is_empty() => first = Some(chunk),
                None => joined.extend_from_slice(&chunk),
                Some(head) => {
                    joined.reserve(length);
                    joined.extend_from_slice(&head);
                    joined.extend_from_slice(&chunk);
                }
            }
        }
        Ok(first.unwrap_or_else(|| bytes::Bytes::from(joined)))
    }

    /// Sends a request and reads its whole body (up to the body limit),
    /// within `bound`.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
        operation: &str,
        bound: Duration,
    ) -> Result<(StatusCode, Option<String>, bytes::Bytes), Error> {
        let exchange = async {
            let response = request
                .send()
                .await
                .map_err(|e| self.connection_error(Box::new(e)))?;
            let status = response.status();
            let content_type = content_type(response.headers().get(CONTENT_TYPE));
            let body = self.read_body(response, operation).await?;
            Ok((status, content_type, body))
        };
        bounded(operation, bound, exchange).await
    }

    /// Sends a JSON request (or none) and parses the envelope of the answer.
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&(impl Serialize + ?Sized)>,
        bound: Duration,
    ) -> Result<Envelope, Error> {
        self.request_parsed(method, path, query, body, bound, parse_envelope)
            .await
    }

    /// Sends a JSON request (or none) and decodes the result of a sync answer
    /// as a `T`.
    async fn request_result<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&(impl Serialize + ?Sized)>,
        bound: Duration,
    ) -> Result<T, Error> {
        self.request_parsed(method, path, query, body, bound, parse_result)
            .await
    }

    /// Sends a JSON request (or none) and reads the answer with `parse`.
    async fn request_parsed<R>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&(impl Serialize + ?Sized)>,
        bound: Duration,
        parse: impl FnOnce(&str, StatusCode, Option<&str>, &[u8]) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let (operation, status, content_type, body) =
            self.exchange(method, path, query, body, bound).await?;
        parse(&operation, status, content_type.as_deref(), &body)
    }

    /// Sends a JSON request (or none) and reads the whole answer: the
    /// operation's name, the status, the content type and the body.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: Option<&(impl Serialize + ?Sized)>,
        bound: Duration,
    ) -> Result<(String, StatusCode, Option<String>, bytes::Bytes), Error> {
        let operation = format!("{method} {path}");
        let mut request = self.inner.http.request(method, self.url(path, query)?);
        if let Some(body) = body {
            let json = serde_json::to_vec(body).map_err(|e| {
                Error::protocol(&operation, format!("cannot encode the request: {e}"))
            })?;
            request = request
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(json);
        }
        let span = crate::telemetry::pebble_span(method_name(&operation), path, self.socket_path());
        let (status, content_type, body) =
            tracing::Instrument::instrument(self.send(request, &operation, bound), span).await?;
        Ok((operation, status, content_type, body))
    }

    /// A GET whose sync result is a `T`.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Query,
    ) -> Result<T, Error> {
        self.get_within(path, query, self.inner.timeout).await
    }

    async fn get_within<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Query,
        bound: Duration,
    ) -> Result<T, Error> {
        self.request_result(Method::GET, path, query, None::<&()>, bound)
            .await
    }

    /// A POST whose sync result is a `T`.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T, Error> {
        self.request_result(
            Method::POST,
            path,
            &Query::new(),
            Some(body),
            self.inner.timeout,
        )
        .await
    }

    /// A POST answered with an async envelope: the change's ID and the result.
    pub(crate) async fn post_async(
        &self,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<(ChangeId, Value), Error> {
        let envelope = self
            .request(
                Method::POST,
                path,
                &Query::new(),
                Some(body),
                self.inner.timeout,
            )
            .await?;
        match envelope.change {
            Some(change) => Ok((change, envelope.result)),
            None => Err(Error::protocol(
                format!("POST {path}"),
                "expected an async answer with a change ID",
            )),
        }
    }

    // ---- system ---------------------------------------------------------

    /// `GET /v1/system-info`: the daemon's version and boot ID.
    pub async fn system_info(&self) -> Result<SystemInfo, Error> {
        self.get("/v1/system-info", &Query::new()).await
    }

    /// `GET /v1/health`: whether the checks at `level` (all checks when
    /// `None`; `ready` includes `alive`) named in `names` (all when empty) are
    /// up. Not in ops.
    pub async fn health(&self, level: Option<CheckLevel>, names: &[&str]) -> Result<bool, Error> {
        #[derive(Deserialize)]
        struct Health {
            healthy: bool,
        }
        let mut query = Query::new();
        if let Some(level) = level {
            query.push(("level", level.to_string()));
        }
        push_list(&mut query, "names", names);
        // Pebble answers 502 with a sync envelope when unhealthy.
        let envelope = self
            .request(
                Method::GET,
                "/v1/health",
                &query,
                None::<&()>,
                self.inner.timeout,
            )
            .await?;
        let health: Health = decode_result("GET /v1/health", envelope.result)?;
        Ok(health.healthy)
    }

    // ---- changes --------------------------------------------------------

    /// `GET /v1/changes`: the changes `select` picks, only those affecting
    /// `service` if given.
    pub async fn changes(
        &self,
        select: ChangeSelect,
        service: Option<&str>,
    ) -> Result<Vec<Change>, Error> {
        let mut query = vec![("select", select.as_str().to_owned())];
        if let Some(service) = service {
            query.push(("for", service.to_owned()));
        }
        let changes: Option<Vec<Change>> = self.get("/v1/changes", &query).await?;
        Ok(changes.unwrap_or_default())
    }

    /// `GET /v1/changes/{id}`: one change.
    pub async fn change(&self, id: &ChangeId) -> Result<Change, Error> {
        self.get(
            &format!("/v1/changes/{}", segment(id.as_str())),
            &Query::new(),
        )
        .await
    }

    /// `POST /v1/changes/{id}` `{action: abort}`: aborts a change that is not
    /// finished.
    pub async fn abort_change(&self, id: &ChangeId) -> Result<Change, Error> {
        self.post(
            &format!("/v1/changes/{}", segment(id.as_str())),
            &serde_json::json!({"action": "abort"}),
        )
        .await
    }

    /// Waits up to `timeout` for a change to finish, and returns it, failed or
    /// not ([`Change::into_result`] turns a failure into an error).
    ///
    /// Uses `GET /v1/changes/{id}/wait` (one long-polling request), falling
    /// back to polling `GET /v1/changes/{id}` on a Pebble that lacks it.
    pub async fn wait_change(&self, id: &ChangeId, timeout: Duration) -> Result<Change, Error> {
        let deadline = Instant::now() + timeout;
        let path = format!("/v1/changes/{}/wait", segment(id.as_str()));
        let timed_out = || Error::timeout(format!("waiting for change {id}"), timeout);
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(timed_out());
            }
            let query = vec![("timeout", duration::format(remaining))];
            match self
                .get_within::<Change>(&path, &query, remaining + self.inner.timeout)
                .await
            {
                Ok(change) if change.ready => return Ok(change),
                // Not ready yet (a Pebble that returned early): ask again.
                Ok(_) => tokio::time::sleep(POLL_INTERVAL.min(remaining)).await,
                Err(Error::Api(api)) if api.status == 504 => return Err(timed_out()),
                // A Pebble without the wait endpoint (or an unknown change,
                // which polling reports).
                Err(Error::Api(api)) if api.status == 404 => {
                    return self.poll_change(id, deadline, timeout).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// `wait_change` for a Pebble without the wait endpoint.
    async fn poll_change(
        &self,
        id: &ChangeId,
        deadline: Instant,
        timeout: Duration,
    ) -> Result<Change, Error> {
        loop {
            let change = self.change(id).await?;
            if change.ready {
                return Ok(change);
            }
            if Instant::now() + POLL_INTERVAL > deadline {
                return Err(Error::timeout(format!("waiting for change {id}"), timeout));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    // ---- services -------------------------------------------------------

    /// `GET /v1/services`: the services named (all when `names` is empty).
    pub async fn services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>, Error> {
        let mut query = Query::new();
        push_list(&mut query, "names", names);
        let services: Option<Vec<ServiceInfo>> = self.get("/v1/services", &query).await?;
        Ok(services.unwrap_or_default())
    }

    /// `POST /v1/services`: asks for `operation` on `names` and returns the
    /// change without waiting for it (ops's `timeout=0`).
    pub async fn service_operation(
        &self,
        operation: ServiceOperation,
        names: &[&str],
    ) -> Result<ChangeId, Error> {
        let body = serde_json::json!({"action": operation.as_str(), "services": names});
        let (change, _) = self.post_async("/v1/services", &body).await?;
        Ok(change)
    }

    async fn run_services(
        &self,
        operation: ServiceOperation,
        names: &[&str],
    ) -> Result<Change, Error> {
        let id = self.service_operation(operation, names).await?;
        self.wait_change(&id, self.inner.wait_timeout)
            .await?
            .into_result()
    }

    /// Starts `names` and the services they require, and waits for them;
    /// fails with [`Error::Change`] if one does not start.
    pub async fn start_services(&self, names: &[&str]) -> Result<Change, Error> {
        self.run_services(ServiceOperation::Start, names).await
    }

    /// Stops `names` and waits for them.
    pub async fn stop_services(&self, names: &[&str]) -> Result<Change, Error> {
        self.run_services(ServiceOperation::Stop, names).await
    }

    /// Restarts `names` (stopping those that run) and waits for them.
    pub async fn restart_services(&self, names: &[&str]) -> Result<Change, Error> {
        self.run_services(ServiceOperation::Restart, names).await
    }

    /// Brings the services in line with the plan: restarts those whose
    /// configuration changed and starts every enabled one; waits for them.
    pub async fn replan_services(&self) -> Result<Change, Error> {
        self.run_services(ServiceOperation::Replan, &[]).await
    }

    /// Starts every `startup: enabled` service and waits for them.
    pub async fn autostart_services(&self) -> Result<Change, Error> {
        self.run_services(ServiceOperation::Autostart, &[]).await
    }

    /// `POST /v1/signals`: sends `signal` (such as `SIGHUP`) to the running
    /// services `names`.
    pub async fn send_signal(&self, signal: &str, names: &[&str]) -> Result<(), Error> {
        let body = serde_json::json!({"signal": signal, "services": names});
        let _: Value = self.post("/v1/signals", &body).await?;
        Ok(())
    }

    // ---- layers and the plan --------------------------------------------

    /// `POST /v1/layers`: adds `layer` under `label`.
    pub async fn add_layer(
        &self,
        label: &str,
        layer: &Layer,
        options: &AddLayerOptions,
    ) -> Result<(), Error> {
        #[derive(Serialize)]
        struct Body<'a> {
            action: &'static str,
            label: &'a str,
            format: &'static str,
            layer: String,
            combine: bool,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            inner: bool,
        }
        let body = Body {
            action: "add",
            label,
            format: "yaml",
            layer: layer.to_yaml()?,
            combine: options.combine,
            inner: options.inner,
        };
        let _: Value = self.post("/v1/layers", &body).await?;
        Ok(())
    }

    /// `GET /v1/plan?format=yaml`: the combined plan.
    pub async fn plan(&self) -> Result<Plan, Error> {
        let query = vec![("format", "yaml".to_owned())];
        let yaml: Option<String> = self.get("/v1/plan", &query).await?;
        Plan::from_yaml(yaml.as_deref().unwrap_or_default())
            .map_err(|e| Error::protocol("GET /v1/plan", e.to_string()))
    }

    // ---- checks ---------------------------------------------------------

    /// `GET /v1/checks`: the checks at `level` (all when `None`) named in
    /// `names` (all when empty).
    pub async fn checks(
        &self,
        level: Option<CheckLevel>,
        names: &[&str],
    ) -> Result<Vec<CheckInfo>, Error> {
        let mut query = Query::new();
        if let Some(level) = level {
            query.push(("level", level.to_string()));
        }
        push_list(&mut query, "names", names);
        let checks: Option<Vec<CheckInfo>> = self.get("/v1/checks", &query).await?;
        Ok(checks.unwrap_or_default())
    }

    async fn check_action(&self, action: &str, names: &[&str]) -> Result<Vec<String>, Error> {
        #[derive(Deserialize)]
        struct Changed {
            #[serde(default)]
            changed: Option<Vec<String>>,
        }
        let body = serde_json::json!({"action": action, "checks": names});
        let changed: Changed = self.post("/v1/checks", &body).await?;
        Ok(changed.changed.unwrap_or_default())
    }

    /// `POST /v1/checks` `{action: start}`: starts the checks `names`
    /// (Pebble 1.19+); returns those that were not running.
    pub async fn start_checks(&self, names: &[&str]) -> Result<Vec<String>, Error> {
        self.check_action("start", names).await
    }

    /// `POST /v1/checks` `{action: stop}`: stops the checks `names`
    /// (Pebble 1.19+); returns those that were running.
    pub async fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>, Error> {
        self.check_action("stop", names).await
    }

    /// `POST /v1/checks/refresh`: runs the check `name` now (Pebble 1.20+;
    /// not in ops).
    pub async fn refresh_check(&self, name: &str) -> Result<CheckRefresh, Error> {
        self.post("/v1/checks/refresh", &serde_json::json!({"name": name}))
            .await
    }

    // ---- notices --------------------------------------------------------

    /// `GET /v1/notices`: the notices `query` selects. With
    /// [`NoticesQuery::timeout`], waits that long for one to match.
    pub async fn notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>, Error> {
        let mut params = Query::new();
        if let Some(NoticesUsers::All) = query.users {
            params.push(("users", "all".to_owned()));
        }
        if let Some(user_id) = query.user_id {
            params.push(("user-id", user_id.to_string()));
        }
        let types: Vec<&str> = query.types.iter().map(|t| t.as_str()).collect();
        push_list(&mut params, "types", &types);
        let keys: Vec<&str> = query.keys.iter().map(String::as_str).collect();
        push_list(&mut params, "keys", &keys);
        if let Some(after) = query.after {
            params.push(("after", after.to_string()));
        }
        let mut bound = self.inner.timeout;
        if let Some(timeout) = query.timeout {
            params.push(("timeout", duration::format(timeout)));
            bound += timeout;
        }
        let notices: Option<Vec<Notice>> = self.get_within("/v1/notices", &params, bound).await?;
        Ok(notices.unwrap_or_default())
    }

    /// `GET /v1/notices/{id}`: one notice.
    pub async fn notice(&self, id: &NoticeId) -> Result<Notice, Error> {
        self.get(
            &format!("/v1/notices/{}", segment(id.as_str())),
            &Query::new(),
        )
        .await
    }

    /// `POST /v1/notices`: records an occurrence of the custom notice `key`
    /// (`example.com/path`), and returns its ID.
    pub async fn notify(&self, key: &str, options: &NotifyOptions) -> Result<NoticeId, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "kebab-case")]
        struct Body<'a> {
            action: &'static str,
            #[serde(rename = "type")]
            notice_type: &'static str,
            key: &'a str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            data: &'a BTreeMap<String, String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            repeat_after: Option<String>,
        }
        #[derive(Deserialize)]
        struct Added {
            id: NoticeId,
        }
        let body = Body {
            action: "add",
            notice_type: "custom",
            key,
            data: &options.data,
            repeat_after: options.repeat_after.map(duration::format),
        };
        let added: Added = self.post("/v1/notices", &body).await?;
        Ok(added.id)
    }

    // ---- identities -----------------------------------------------------

    /// `GET /v1/identities`: the named identities (Pebble 1.15+), secrets
    /// masked as `*****`.
    pub async fn identities(&self) -> Result<BTreeMap<String, Identity>, Error> {
        let identities: Option<BTreeMap<String, Identity>> =
            self.get("/v1/identities", &Query::new()).await?;
        Ok(identities.unwrap_or_default())
    }

    async fn identities_action<T: Serialize>(
        &self,
        action: &str,
        identities: &BTreeMap<String, T>,
    ) -> Result<(), Error> {
        let body = serde_json::json!({"action": action, "identities": identities});
        let _: Value = self.post("/v1/identities", &body).await?;
        Ok(())
    }

    /// Adds identities; fails if one exists. Not in ops.
    pub async fn add_identities(
        &self,
        identities: &BTreeMap<String, Identity>,
    ) -> Result<(), Error> {
        self.identities_action("add", identities).await
    }

    /// Updates existing identities; fails if one does not exist. Not in ops.
    pub async fn update_identities(
        &self,
        identities: &BTreeMap<String, Identity>,
    ) -> Result<(), Error> {
        self.identities_action("update", identities).await
    }

    /// Adds or replaces identities; `None` removes that identity.
    pub async fn replace_identities(
        &self,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<(), Error> {
        self.identities_action("replace", identities).await
    }

    /// Removes identities; fails if one does not exist.
    pub async fn remove_identities(&self, names: &[&str]) -> Result<(), Error> {
        let identities: BTreeMap<&str, Option<()>> =
            names.iter().map(|name| (*name, None)).collect();
        let body = serde_json::json!({"action": "remove", "identities": identities});
        let _: Value = self.post("/v1/identities", &body).await?;
        Ok(())
    }

    // ---- logs -----------------------------------------------------------

    fn logs_request(
        &self,
        query: &LogsQuery,
        follow: bool,
    ) -> Result<reqwest::RequestBuilder, Error> {
        let mut params = Query::new();
        let services: Vec<&str> = query.services.iter().map(String::as_str).collect();
        push_list(&mut params, "services", &services);
        match query.count {
            LogCount::Default => {}
            LogCount::Last(n) => params.push(("n", n.to_string())),
            LogCount::All => params.push(("n", "-1".to_owned())),
        }
        if follow {
            params.push(("follow", "true".to_owned()));
        }
        Ok(self.inner.http.get(self.url("/v1/logs", &params)?))
    }

    /// `GET /v1/logs`: the buffered lines of the services `query` names. Not in
    /// ops.
    ///
    /// Fails with [`Error::TooLarge`] when the lines pass the
    /// [`capture_limit`](ClientBuilder::capture_limit), or one line the
    /// [`body_limit`](ClientBuilder::body_limit).
    pub async fn logs(&self, query: &LogsQuery) -> Result<Vec<LogEntry>, Error> {
        let mut stream = self.open_logs(query, None).await?;
        stream.capture = Some(self.inner.capture_limit);
        let mut entries = Vec::new();
        while let Some(entry) = stream.next_entry().await {
            entries.push(entry?);
        }
        Ok(entries)
    }

    /// `GET /v1/logs?follow=true`: the buffered lines, then new lines as
    /// services write them, for `duration`; the stream ends then. Not in ops.
    pub async fn follow_logs(
        &self,
        query: &LogsQuery,
        duration: Duration,
    ) -> Result<LogStream, Error> {
        self.open_logs(query, Some(Instant::now() + duration)).await
    }

    async fn open_logs(
        &self,
        query: &LogsQuery,
        until: Option<Instant>,
    ) -> Result<LogStream, Error> {
        const OPERATION: &str = "GET /v1/logs";
        let request = self.logs_request(query, until.is_some())?;
        let span = crate::telemetry::pebble_span("GET", "/v1/logs", self.socket_path());
        let response = bounded(
            OPERATION,
            self.inner.timeout,
            tracing::Instrument::instrument(
                async {
                    request
                        .send()
                        .await
                        .map_err(|e| self.connection_error(Box::new(e)))
                },
                span,
            ),
        )
        .await?;
        let content_type = content_type(response.headers().get(CONTENT_TYPE));
        if content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json"))
        {
            // An error envelope.
            let status = response.status();
            let body = bounded(
                OPERATION,
                self.inner.timeout,
                self.read_body(response, OPERATION),
            )
            .await?;
            parse_envelope(OPERATION, status, content_type.as_deref(), &body)?;
            return Err(Error::protocol(
                OPERATION,
                "expected JSON lines, got a JSON envelope",
            ));
        }
        if !response.status().is_success() {
            return Err(Error::protocol(
                OPERATION,
                format!(
                    "HTTP {} with content type {content_type:?}",
                    response.status()
                ),
            ));
        }
        Ok(LogStream {
            client: self.clone(),
            response,
            buffer: Vec::new(),
            start: 0,
            searched: 0,
            until,
            done: false,
            received: 0,
            capture: None,
        })
    }
}

/// Log lines as Pebble sends them, from [`Client::follow_logs`].
///
/// A line longer than the client's [`body_limit`](ClientBuilder::body_limit)
/// ends the stream with [`Error::TooLarge`]; the stream as a whole has no size
/// limit.
#[derive(Debug)]
pub struct LogStream {
    client: Client,
    response: reqwest::Response,
    buffer: Vec<u8>,
    /// Where the next line starts in `buffer`.
    start: usize,
    /// How many bytes after `start` are known to hold no newline.
    searched: usize,
    until: Option<Instant>,
    done: bool,
    /// The bytes received so far.
    received: u64,
    /// The most [`Client::logs`] gathers; `None` for a stream.
    capture: Option<u64>,
}

impl LogStream {
    /// The next line; `None` at the end of the buffered lines, or when the
    /// follow duration has passed.
    pub async fn next_entry(&mut self) -> Option<Result<LogEntry, Error>> {
        const OPERATION: &str = "GET /v1/logs";
        fn parse(line: &[u8]) -> Option<Result<LogEntry, Error>> {
            if line.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
            Some(
                serde_json::from_slice(line)
                    .map_err(|e| Error::protocol(OPERATION, format!("invalid log line: {e}"))),
            )
        }
        loop {
            let unsearched = self.start + self.searched;
            if let Some(offset) = self.buffer[unsearched..].iter().position(|b| *b == b'\n') {
                let end = unsearched + offset;
                let entry = parse(&self.buffer[self.start..end]);
                self.start = end + 1;
                self.searched = 0;
                match entry {
                    Some(entry) => return Some(entry),
                    None => continue,
                }
            }
            self.searched = self.buffer.len() - self.start;
            if self.done {
                let entry = parse(&self.buffer[self.start..]);
                self.clear();
                return entry;
            }
            let limit = self.client.inner.body_limit;
            if self.searched > limit {
                self.done = true;
                self.clear();
                return Some(Err(Error::too_large(
                    OPERATION,
                    "a log line",
                    limit as u64,
                    Limit::Body,
                )));
            }
            // Keep only the line being read.
            self.buffer.drain(..self.start);
            self.start = 0;
            let chunk = self.response.chunk();
            let chunk = match self.until {
                // Following: quiet periods are normal; stop at the deadline.
                Some(until) => match tokio::time::timeout_at(until, chunk).await {
                    Ok(chunk) => chunk,
                    Err(_) => {
                        self.done = true;
                        self.clear();
                        return None;
                    }
                },
                None => match tokio::time::timeout(self.client.inner.timeout, chunk).await {
                    Ok(chunk) => chunk,
                    Err(_) => {
                        self.done = true;
                        return Some(Err(Error::timeout(OPERATION, self.client.inner.timeout)));
                    }
                },
            };
            match chunk {
                Ok(Some(bytes)) => {
                    self.received = self.received.saturating_add(bytes.len() as u64);
                    if let Some(capture) = self.capture
                        && self.received > capture
                    {
                        self.done = true;
                        self.clear();
                        return Some(Err(Error::too_large(
                            OPERATION,
                            "the log lines",
                            capture,
                            Limit::Capture,
                        )));
                    }
                    self.buffer.extend_from_slice(&bytes);
                }
                Ok(None) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(self.client.connection_error(Box::new(e))));
                }
            }
        }
    }

    /// Drops whatever is buffered.
    fn clear(&mut self) {
        self.buffer.clear();
        self.start = 0;
        self.searched = 0;
    }
}

/// Runs `future` within `bound`, or fails with [`Error::Timeout`].
/// The method of an operation named `METHOD /path`.
fn method_name(operation: &str) -> &str {
    operation
        .split_once(' ')
        .map_or(operation, |(method, _)| method)
}

pub(crate) async fn bounded<T>(
    operation: &str,
    bound: Duration,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match tokio::time::timeout(bound, future).await {
        Ok(result) => result,
        Err(_) => Err(Error::timeout(operation, bound)),
    }
}

/// Progress made by a transfer, for [`idle_bounded`].
#[derive(Debug, Default)]
pub(crate) struct Progress(AtomicU64);

impl Progress {
    pub(crate) fn tick(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `future` until it finishes, failing with [`Error::Timeout`] only if
/// `progress` does not move for `idle`: a transfer of any size is allowed as
/// long as it keeps moving.
pub(crate) async fn idle_bounded<T>(
    operation: &str,
    idle: Duration,
    progress: &Progress,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let mut future = std::pin::pin!(future);
    loop {
        let before = progress.get();
        match tokio::time::timeout(idle, future.as_mut()).await {
            Ok(result) => return result,
            Err(_) if progress.get() == before => return Err(Error::timeout(operation, idle)),
            Err(_) => {}
        }
    }
}

pub(crate) fn content_type(value: Option<&HeaderValue>) -> Option<String> {
    value
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
}

/// Parses a response envelope; an error envelope, or an HTTP error status
/// without a sync envelope, becomes [`Error::Api`].
pub(crate) fn parse_envelope(
    operation: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<Envelope, Error> {
    let is_json = content_type.is_some_and(|t| t.starts_with("application/json"));
    if !is_json {
        if !status.is_success() {
            // Not Pebble's envelope, but still an error answer.
            return Err(Error::Api(Box::new(ApiError {
                operation: operation.to_owned(),
                status: status.as_u16(),
                kind: None,
                message: excerpt(body),
                value: None,
            })));
        }
        return Err(Error::protocol(
            operation,
            format!(
                "expected content type application/json, got {}",
                content_type.unwrap_or("none")
            ),
        ));
    }
    let raw: RawEnvelope = serde_json::from_slice(body)
        .map_err(|e| Error::protocol(operation, format!("invalid response envelope: {e}")))?;
    match raw.kind.as_str() {
        "error" => Err(api_error(operation, status, raw.result)),
        _ if !status.is_success() && raw.kind != "sync" => {
            Err(api_error(operation, status, raw.result))
        }
        "sync" | "async" => Ok(Envelope {
            result: raw.result,
            change: raw.change.map(ChangeId::from),
        }),
        other => Err(Error::protocol(
            operation,
            format!("unknown response type `{other}`"),
        )),
    }
}

/// Parses the answer to a request whose sync (or async) result is a `T`:
/// [`parse_envelope`], then [`decode_result`], with the same outcome.
///
/// A successful answer is decoded in one pass, straight into `T`, without the
/// envelope's result as a [`Value`] in between; anything else (an error, a
/// result that is not a `T`, a malformed envelope) takes the two-step path
/// that explains it.
pub(crate) fn parse_result<T: DeserializeOwned>(
    operation: &str,
    status: StatusCode,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, Error> {
    let is_json = content_type.is_some_and(|t| t.starts_with("application/json"));
    if is_json
        && status.is_success()
        && let Ok(TypedEnvelope(result)) = serde_json::from_slice(body)
    {
        return Ok(result);
    }
    let envelope = parse_envelope(operation, status, content_type, body)?;
    decode_result(operation, envelope.result)
}

/// The result of a `sync` or `async` envelope, decoded as a `T`. Fails on any
/// other envelope, for [`parse_result`] to explain.
struct TypedEnvelope<T>(T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for TypedEnvelope<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TypedEnvelopeVisitor(std::marker::PhantomData))
    }
}

struct TypedEnvelopeVisitor<T>(std::marker::PhantomData<T>);

/// A result read before the envelope's type was known, or as a `T`.
enum Decoded<T> {
    Typed(T),
    Value(Value),
}

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for TypedEnvelopeVisitor<T> {
    type Value = TypedEnvelope<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a response envelope")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::{Error as _, IgnoredAny};
        // Whether `type` said sync or async: `None` until it is read.
        let mut success: Option<bool> = None;
        let mut result: Option<Decoded<T>> = None;
        let mut change = false;
        while let Some(field) = map.next_key::<EnvelopeField>()? {
            // Fails where `RawEnvelope` would: a repeated or mistyped field.
            match field {
                EnvelopeField::Type if success.is_none() => {
                    success = Some(map.next_value::<IsSuccess>()?.0);
                }
                EnvelopeField::Result if result.is_none() && success == Some(true) => {
                    result = Some(Decoded::Typed(map.next_value()?));
                }
                EnvelopeField::Result if result.is_none() => {
                    result = Some(Decoded::Value(map.next_value()?));
                }
                EnvelopeField::Change if !change => {
                    change = true;
                    map.next_value::<Option<AnyString>>()?;
                }
                EnvelopeField::Type | EnvelopeField::Result | EnvelopeField::Change => {
                    return Err(A::Error::custom("duplicate field"));
                }
                EnvelopeField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if success != Some(true) {
            return Err(A::Error::custom("not a sync or async envelope"));
        }
        let result = match result {
            Some(Decoded::Typed(result)) => result,
            Some(Decoded::Value(value)) => T::deserialize(value).map_err(A::Error::custom)?,
            None => T::deserialize(Value::Null).map_err(A::Error::custom)?,
        };
        Ok(TypedEnvelope(result))
    }
}

/// A key of the envelope, read without copying it.
enum EnvelopeField {
    Type,
    Result,
    Change,
    Other,
}

impl<'de> Deserialize<'de> for EnvelopeField {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::types::from_str_with(deserializer, |key| {
            Ok(match key {
                "type" => Self::Type,
                "result" => Self::Result,
                "change" => Self::Change,
                _ => Self::Other,
            })
        })
    }
}

/// Whether an envelope's `type` is `sync` or `async`.
struct IsSuccess(bool);

impl<'de> Deserialize<'de> for IsSuccess {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::types::from_str_with(deserializer, |kind| {
            Ok(Self(matches!(kind, "sync" | "async")))
        })
    }
}

/// Any string, not kept.
struct AnyString;

impl<'de> Deserialize<'de> for AnyString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::types::from_str_with(deserializer, |_| Ok(Self))
    }
}

/// The start of a body that is not Pebble's, for an error message: at most
/// [`EXCERPT`] characters, then `...` if there was more.
fn excerpt(body: &[u8]) -> String {
    const EXCERPT: usize = 500;
    // A UTF-8 character is at most 4 bytes.
    let head = &body[..body.len().min(EXCERPT * 4)];
    let text = String::from_utf8_lossy(head);
    let text = text.trim();
    match crate::redact::excerpt(text, EXCERPT) {
        std::borrow::Cow::Borrowed(whole) if head.len() < body.len() => format!("{whole}..."),
        cut => cut.into_owned(),
    }
}

fn api_error(operation: &str, status: StatusCode, result: Value) -> Error {
    #[derive(Deserialize, Default)]
    struct ErrorResult {
        #[serde(default)]
        message: Option<String>,
        #[serde(default, deserialize_with = "super::types::non_empty")]
        kind: Option<ErrorKind>,
        #[serde(default)]
        value: Option<Value>,
    }
    let parsed: ErrorResult = serde_json::from_value(result).unwrap_or_default();
    Error::Api(Box::new(ApiError {
        operation: operation.to_owned(),
        status: status.as_u16(),
        kind: parsed.kind,
        message: parsed
            .message
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned()),
        value: parsed.value.filter(|v| !v.is_null()),
    }))
}

/// Deserializes an envelope's result.
pub(crate) fn decode_result<T: DeserializeOwned>(
    operation: &str,
    result: Value,
) -> Result<T, Error> {
    serde_json::from_value(result)
        .map_err(|e| Error::protocol(operation, format!("unexpected result: {e}")))
}

/// Adds a comma-separated list parameter, unless the list is empty.
pub(crate) fn push_list(query: &mut Query, name: &'static str, values: &[&str]) {
    if !values.is_empty() {
        query.push((name, values.join(",")));
    }
}

/// Percent-encodes an ID for use as one path segment.
pub(crate) fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
