//! Serving connections, routing requests, and Pebble's response envelope.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;
use tokio::net::UnixListener;
use tokio::sync::oneshot;

use crate::state::{Mode, Recorded, Shared};
use crate::{exec, files, logs, notices, services};

/// A response body: whole, or streamed for logs.
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Accepts connections on `listener` until `stop` fires or its sender drops.
pub(crate) async fn serve(
    listener: UnixListener,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
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
            Mode::Normal | Mode::Garbage | Mode::BadEnvelope => {
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

/// A whole body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A response of `body` as JSON.
pub(crate) fn json_response(status: StatusCode, body: Value) -> Response<Body> {
    let mut response = Response::new(full(body.to_string()));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// Pebble's envelope of `result`.
pub(crate) fn envelope(status: StatusCode, kind: &str, result: Value) -> Value {
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

/// A sync response with `result`.
pub(crate) fn sync(result: Value) -> Response<Body> {
    json_response(StatusCode::OK, envelope(StatusCode::OK, "sync", result))
}

/// An async response for `change`.
pub(crate) fn async_response(change: &str, result: Value) -> Response<Body> {
    let mut body = envelope(StatusCode::ACCEPTED, "async", result);
    body["change"] = json!(change);
    json_response(StatusCode::ACCEPTED, body)
}

/// An error response, with an error kind if given.
pub(crate) fn error(
    status: StatusCode,
    message: impl Into<String>,
    kind: Option<&str>,
) -> Response<Body> {
    let mut result = json!({"message": message.into()});
    if let Some(kind) = kind {
        result["kind"] = json!(kind);
    }
    json_response(status, envelope(status, "error", result))
}

/// A 400 error.
pub(crate) fn bad_request(message: impl Into<String>) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, message, None)
}

/// A 404 error.
pub(crate) fn not_found(message: impl Into<String>) -> Response<Body> {
    error(StatusCode::NOT_FOUND, message, None)
}

// ---- routing ---------------------------------------------------------------

/// A request's head, for the handlers.
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) content_type: Option<String>,
    pub(crate) headers: hyper::HeaderMap,
}

impl Req {
    /// The first value of the query parameter `name`.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A list parameter: repeated, comma-separated, or both.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
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
        Mode::Normal | Mode::NeverAnswer | Mode::Close => {}
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
        return exec::websocket(shared, request, task.to_owned(), id.to_owned());
    }
    let is_multipart = req
        .content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if req.method == Method::POST && req.path == "/v1/files" && is_multipart {
        return files::push(shared, req, request.into_body()).await;
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
        ["v1", "health"] if allowed(&[Method::GET]) => services::health(&shared, &req),
        ["v1", "changes"] if allowed(&[Method::GET]) => services::list_changes(&shared, &req),
        ["v1", "changes", id] if allowed(&[Method::GET]) => services::get_change(&shared, id),
        ["v1", "changes", id] if allowed(&[Method::POST]) => {
            services::abort_change(&shared, id, &body)
        }
        ["v1", "changes", id, "wait"] if allowed(&[Method::GET]) => {
            services::wait_change(&shared, id, &req).await
        }
        ["v1", "services"] if allowed(&[Method::GET]) => services::get_services(&shared, &req),
        ["v1", "services"] if allowed(&[Method::POST]) => services::post_services(&shared, &body),
        ["v1", "plan"] if allowed(&[Method::GET]) => services::get_plan(&shared, &req),
        ["v1", "layers"] if allowed(&[Method::POST]) => services::post_layers(&shared, &body),
        ["v1", "signals"] if allowed(&[Method::POST]) => services::post_signals(&shared, &body),
        ["v1", "checks"] if allowed(&[Method::GET]) => services::get_checks(&shared, &req),
        ["v1", "checks"] if allowed(&[Method::POST]) => services::post_checks(&shared, &body),
        ["v1", "checks", "refresh"] if allowed(&[Method::POST]) => {
            services::refresh_check(&shared, &body)
        }
        ["v1", "notices"] if allowed(&[Method::GET]) => notices::get_notices(&shared, &req).await,
        ["v1", "notices"] if allowed(&[Method::POST]) => notices::post_notice(&shared, &body),
        ["v1", "notices", id] if allowed(&[Method::GET]) => notices::get_notice(&shared, id),
        ["v1", "identities"] if allowed(&[Method::GET]) => notices::get_identities(&shared),
        ["v1", "identities"] if allowed(&[Method::POST]) => {
            notices::post_identities(&shared, &body)
        }
        ["v1", "files"] if allowed(&[Method::GET]) => files::get_files(&shared, &req),
        ["v1", "files"] if allowed(&[Method::POST]) => files::post_files(&shared, &body),
        ["v1", "logs"] if allowed(&[Method::GET]) => logs::logs(&shared, &req),
        ["v1", "exec"] if allowed(&[Method::POST]) => exec::post_exec(&shared, &body),
        [
            "v1",
            "system-info" | "health" | "changes" | "services" | "plan" | "layers" | "signals"
            | "checks" | "notices" | "identities" | "files" | "logs" | "exec",
            ..,
        ] => not_allowed(),
        _ => not_found("invalid API endpoint requested"),
    }
}

/// How many requests [`State::requests`](crate::State::requests) keeps: a
/// long simulation must not grow without bound.
pub(crate) const KEPT_REQUESTS: usize = 10_000;

/// Records a request in [`State::requests`](crate::State::requests),
/// forgetting the oldest beyond [`KEPT_REQUESTS`].
pub(crate) fn record(shared: &Shared, req: &Req, body: Option<Value>) {
    let mut state = shared.lock();
    if state.requests.len() >= KEPT_REQUESTS {
        let excess = state.requests.len() + 1 - KEPT_REQUESTS;
        state.requests.drain(..excess);
    }
    state.requests.push(Recorded {
        method: req.method.to_string(),
        path: req.path.clone(),
        query: req.query.clone(),
        body,
        content_type: req.content_type.clone(),
    });
}

/// A Go duration, read independently of the client's formatter: a sequence
/// of decimal numbers with units. Like Go, refuses one longer than about 292
/// years, so a deadline this far off cannot overflow an `Instant`.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
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
    // Go's `time.Duration` is an i64 of nanoseconds.
    const MAX_SECONDS: f64 = i64::MAX as f64 / 1e9;
    if total > MAX_SECONDS {
        return None;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// The strings of a JSON array (other items skipped); empty when `value` is
/// not an array.
pub(crate) fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("10"), None);
        assert_eq!(parse_go_duration("1x"), None);
        assert_eq!(parse_go_duration("99999999999999999999h"), None);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%2Fb+c"), "a/b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
