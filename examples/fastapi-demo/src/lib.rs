//! The workload of ops's Kubernetes tutorial charm (`fastapi-demo`), shared by
//! the five tutorial stages in `examples/k8s-*`: what a charm needs to know about
//! the demo server, apart from any charm, as the Python tutorial keeps it in its
//! `fastapi_demo` module.
//!
//! The server runs in the `demo-server` container from the
//! `ghcr.io/canonical/api_demo_server/api-demo-server` rock, whose own Pebble
//! layer ([`rock_layer`]) defines the `fastapi` service. It answers
//! `GET /version` with `{"version": "..."}`; [`get_version`] asks it. It
//! serves its Prometheus metrics on `/metrics`, on the same port (stage 5
//! has Prometheus scrape them), and what it prints goes to Pebble's service
//! logs (stage 5 forwards them to Loki).
//!
//! What the stages' handlers do alike is here too, as functions they call
//! ([`replan_with`], [`DatabaseAnswer`], [`collect_status`], ...), and, under
//! the `testing` feature, the fixtures and assertions their tests share
//! (`fastapi_demo::testing`).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use ops_runtime::pebble::{Layer, Override, Service, ServiceAction, ServiceStartup};

mod handlers;
#[cfg(feature = "testing")]
pub mod testing;

pub use handlers::{
    DATABASE, DatabaseAnswer, DbInfo, Replan, app_environment, collect_status, database_status,
    invalid_config_reason, replan_with,
};

/// The Pebble service that runs the server, in the rock's layer and the charms'.
pub const SERVICE: &str = "fastapi";

/// The workload container, as each stage's `charmcraft.yaml` names it.
pub const CONTAINER: &str = "demo-server";

/// The port the server listens on when nothing configures another.
pub const DEFAULT_PORT: u16 = 8000;

/// The command that runs the server on `port`.
pub fn command(port: u16) -> String {
    format!("/bin/uvicorn api_demo_server.app:app --host 0.0.0.0 --port {port}")
}

/// The Pebble layer the rock brings (from its `rockcraft.yaml`): the `fastapi`
/// service on port 8000, started with the container. Tests put it in the
/// container before the charm runs, as the image would.
pub fn rock_layer() -> Layer {
    let service = Service {
        override_: Some(Override::Replace),
        summary: Some("FastAPI demo server".to_owned()),
        command: Some(command(DEFAULT_PORT)),
        startup: Some(ServiceStartup::Enabled),
        environment: [(
            "DEMO_SERVER_LOGFILE".to_owned(),
            "/tmp/demo_server.log".to_owned(),
        )]
        .into_iter()
        .collect(),
        on_success: Some(ServiceAction::Shutdown),
        on_failure: Some(ServiceAction::Shutdown),
        ..Service::default()
    };
    Layer {
        services: [(SERVICE.to_owned(), service)].into_iter().collect(),
        ..Layer::default()
    }
}

/// The label of the charms' own layer in the Pebble plan (stages 2 to 5).
pub const LAYER: &str = "fastapi_demo";

/// The charms' layer (stages 2 to 5): the rock's `fastapi` service, merged,
/// listening on `port`, with `environment` added to the rock's.
pub fn charm_layer(port: u16, environment: BTreeMap<String, String>) -> Layer {
    let service = Service {
        override_: Some(Override::Merge),
        command: Some(command(port)),
        environment: environment.into(),
        ..Service::default()
    };
    Layer {
        summary: Some("FastAPI demo service".to_owned()),
        description: Some("pebble config layer for FastAPI demo server".to_owned()),
        services: [(SERVICE.to_owned(), service)].into_iter().collect(),
        ..Layer::default()
    }
}

/// The `server-port` rule of stages 2 to 5: 22 is SSH's.
///
/// ```
/// assert!(fastapi_demo::check_port(&8000).is_ok());
/// assert_eq!(
///     fastapi_demo::check_port(&22),
///     Err("Invalid port number, 22 is reserved for SSH")
/// );
/// ```
pub fn check_port(port: &u16) -> Result<(), &'static str> {
    match port {
        22 => Err("Invalid port number, 22 is reserved for SSH"),
        _ => Ok(()),
    }
}

/// The host and port of the first of a database's `endpoints` (`host:port`,
/// split at the last colon), as the tutorial reads them; `None` when there is
/// no endpoint, or the first has no port.
///
/// ```
/// let endpoints = ["db-0.svc:5432".to_owned(), "db-1.svc:5432".to_owned()];
/// assert_eq!(fastapi_demo::first_host_port(&endpoints), Some(("db-0.svc", "5432")));
/// assert_eq!(fastapi_demo::first_host_port(&["db-0.svc".to_owned()]), None);
/// assert_eq!(fastapi_demo::first_host_port(&[]), None);
/// ```
pub fn first_host_port(endpoints: &[String]) -> Option<(&str, &str)> {
    endpoints.first().and_then(|e| e.rsplit_once(':'))
}

/// The server's database settings (stages 3 to 5): host and port of the
/// first of `endpoints` ([`first_host_port`]), and the user, in the variables
/// the server reads. Nothing when there is no endpoint.
pub fn database_environment(
    endpoints: &[String],
    credentials: &ops_interfaces::database::Credentials,
) -> BTreeMap<String, String> {
    let Some((host, port)) = first_host_port(endpoints) else {
        return BTreeMap::new();
    };
    [
        ("DEMO_SERVER_DB_HOST", host),
        ("DEMO_SERVER_DB_PORT", port),
        ("DEMO_SERVER_DB_USER", credentials.username.as_str()),
        ("DEMO_SERVER_DB_PASSWORD", credentials.password.expose()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// How long [`get_version`] waits to connect, and then for the whole answer.
pub const VERSION_TIMEOUT: Duration = Duration::from_secs(2);

/// The most of the server's answer [`get_version`] reads.
pub const MAX_VERSION_RESPONSE: u64 = 64 * 1024;

/// Why the server's version could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    /// The server could not be reached, or stopped answering.
    #[error("cannot reach the demo server on port {port}: {source}")]
    Io {
        /// The port asked.
        port: u16,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The answer was not `200 OK` with `{"version": "..."}`.
    #[error("the demo server on port {port} gave no version: {reason}")]
    BadAnswer {
        /// The port asked.
        port: u16,
        /// What was wrong with the answer (never its content).
        reason: &'static str,
    },
}

/// Where a charm reads the server's version: [`get_version`] in production; a
/// function returning a fixed version in unit tests, which have no server.
pub type VersionSource = fn(u16) -> Result<String, VersionError>;

/// Asks the server on `localhost:port` for its version (`GET /version`), with
/// [`VERSION_TIMEOUT`] and at most [`MAX_VERSION_RESPONSE`] bytes read.
pub fn get_version(port: u16) -> Result<String, VersionError> {
    let io = |source| VersionError::Io { port, source };
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, VERSION_TIMEOUT).map_err(io)?;
    stream.set_read_timeout(Some(VERSION_TIMEOUT)).map_err(io)?;
    stream
        .set_write_timeout(Some(VERSION_TIMEOUT))
        .map_err(io)?;
    let request = format!(
        "GET /version HTTP/1.0\r\nHost: localhost:{port}\r\nAccept: application/json\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).map_err(io)?;
    let mut answer = Vec::new();
    stream
        .take(MAX_VERSION_RESPONSE)
        .read_to_end(&mut answer)
        .map_err(io)?;
    parse_version_answer(&answer).map_err(|reason| VersionError::BadAnswer { port, reason })
}

/// The version in an HTTP answer to `GET /version`.
fn parse_version_answer(answer: &[u8]) -> Result<String, &'static str> {
    let text = std::str::from_utf8(answer).map_err(|_| "the answer is not UTF-8")?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or("the answer has no body")?;
    let status = head.lines().next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err("the answer's status is not 200");
    }
    #[derive(serde::Deserialize)]
    struct Version {
        version: String,
    }
    serde_json::from_str::<Version>(body)
        .map(|v| v.version)
        .map_err(|_| "the body is not {\"version\": \"...\"}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_from_a_200_answer() {
        let answer =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\"version\":\"2.1.0\"}";
        assert_eq!(parse_version_answer(answer).as_deref(), Ok("2.1.0"));
    }

    #[test]
    fn refuses_other_answers() {
        for answer in [
            &b"HTTP/1.1 404 Not Found\r\n\r\n{\"version\":\"1\"}"[..],
            b"HTTP/1.1 200 OK\r\n\r\nnot json",
            b"HTTP/1.1 200 OK",
            b"\xff\xfe",
        ] {
            assert!(parse_version_answer(answer).is_err());
        }
    }

    #[test]
    fn asks_a_server_on_localhost() {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let n = conn.read(&mut request).unwrap();
            assert!(request[..n].starts_with(b"GET /version HTTP/1.0\r\n"));
            conn.write_all(b"HTTP/1.0 200 OK\r\n\r\n{\"version\": \"0.0.1\"}")
                .unwrap();
        });
        assert_eq!(get_version(port).unwrap(), "0.0.1");
        server.join().unwrap();
    }

    #[test]
    fn a_closed_port_is_an_io_error() {
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        assert!(matches!(get_version(port), Err(VersionError::Io { .. })));
    }
}
