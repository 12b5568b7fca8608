//! Service logs, whole or followed.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::Response;
use hyper::body::Frame;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use serde_json::json;
use tokio::sync::mpsc;

use crate::http::{Body, Req, bad_request};
use crate::state::{LogLine, Shared, ts};

fn log_line(line: &LogLine) -> Bytes {
    let mut text = json!({"time": ts(line.time), "service": line.service, "message": line.message})
        .to_string();
    text.push('\n');
    Bytes::from(text)
}

pub(crate) fn logs(shared: &Arc<Shared>, req: &Req) -> Response<Body> {
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
                    // Lines a test took away since are not sent again.
                    let new = state
                        .logs
                        .get(seen..)
                        .unwrap_or_default()
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
