//! The client's bounds on what it reads, against a fake Pebble that sends
//! too much: endless or oversized JSON answers, error bodies, multipart pulls
//! whose framing never ends, endless log lines, websocket messages past the
//! limit, and files and command output too large to hold in memory. Each
//! fails with `Error::TooLarge` naming the request and the limit, and the
//! fake sees the client hang up long before the end of what it would send.

use std::time::Duration;

use ops_runtime::pebble::{
    Client, DEFAULT_BODY_LIMIT, DEFAULT_CAPTURE_LIMIT, Error, Exec, Limit, LogsQuery, PushOptions,
    blocking,
};

use crate::pebble_fake::{Answer, Fake, frame};

const MIB: u64 = 1024 * 1024;
/// What a fake sends at most: far past every limit under test, and small
/// enough that a client without limits survives it.
const TOTAL: u64 = 96 * MIB;

/// The parts of an [`Error::TooLarge`], or a panic naming the error.
fn too_large(error: &Error) -> (&str, &'static str, Limit, u64) {
    match error {
        Error::TooLarge {
            operation,
            what,
            kind,
            limit,
        } => (operation.as_str(), *what, *kind, *limit),
        other => panic!("expected Error::TooLarge, got {other:?}"),
    }
}

fn body_limit() -> u64 {
    DEFAULT_BODY_LIMIT as u64
}

/// The fake wrote less than all it had: the client hung up.
fn hung_up_early(fake: &Fake) {
    assert!(
        fake.written() < TOTAL / 2,
        "the fake wrote {} bytes",
        fake.written()
    );
}

#[tokio::test]
async fn an_endless_json_answer_stops_at_the_body_limit() {
    let fake = Fake::serve(|_| {
        Answer::endless(
            "application/json",
            r#"{"type":"sync","status-code":200,"result":["#,
            r#"{"id":"1","kind":"exec","summary":"x","status":"Done","ready":true},"#,
            TOTAL,
        )
    });
    let client = fake.client();
    let error = client
        .changes(ops_runtime::pebble::ChangeSelect::All, None)
        .await
        .unwrap_err();
    let (operation, what, kind, limit) = too_large(&error);
    assert_eq!(operation, "GET /v1/changes");
    assert_eq!(what, "the response body");
    assert_eq!(kind, Limit::Body);
    assert_eq!(limit, body_limit());
    assert!(error.is_too_large());
    let message = error.to_string();
    assert!(message.contains("GET /v1/changes"), "{message}");
    assert!(message.contains("4 MiB"), "{message}");
    assert!(message.contains("body_limit"), "{message}");
    hung_up_early(&fake);
}

#[tokio::test]
async fn a_content_length_past_the_limit_is_refused_unread() {
    let fake = Fake::serve(|_| Answer::Endless {
        status: 200,
        content_type: "application/json".to_owned(),
        length: Some(1 << 40),
        prefix: br#"{"type":"sync","result":""#.to_vec(),
        fill: b"x".to_vec(),
        suffix: Vec::new(),
        total: TOTAL,
    });
    let error = fake.client().system_info().await.unwrap_err();
    let (operation, _, kind, _) = too_large(&error);
    assert_eq!(operation, "GET /v1/system-info");
    assert_eq!(kind, Limit::Body);
    hung_up_early(&fake);
}

#[tokio::test]
async fn an_endless_error_body_stops_at_the_body_limit() {
    let fake = Fake::serve(|_| Answer::Endless {
        status: 500,
        content_type: "text/plain".to_owned(),
        length: None,
        prefix: Vec::new(),
        fill: b"internal error ".to_vec(),
        suffix: Vec::new(),
        total: TOTAL,
    });
    let error = fake.client().services(&[]).await.unwrap_err();
    assert_eq!(too_large(&error).0, "GET /v1/services");
    hung_up_early(&fake);
}

#[tokio::test]
async fn a_limit_can_be_lowered_and_a_body_under_it_still_reads() {
    let fake = Fake::serve(|request| match request.path() {
        "/v1/system-info" => Answer::json(
            200,
            r#"{"type":"sync","status-code":200,"result":{"boot-id":"b","version":"v1.32.1"}}"#,
        ),
        _ => Answer::endless(
            "application/json",
            r#"{"type":"sync","result":""#,
            "y",
            64 * 1024,
        ),
    });
    let client = Client::builder(fake.socket())
        .body_limit(1024)
        .build()
        .unwrap();
    assert_eq!(client.system_info().await.unwrap().version, "v1.32.1");
    let error = client.plan().await.unwrap_err();
    let (operation, _, _, limit) = too_large(&error);
    assert_eq!(operation, "GET /v1/plan");
    assert_eq!(limit, 1024);
    assert!(error.to_string().contains("1 KiB"), "{error}");
}

#[tokio::test]
async fn a_push_whose_answer_never_ends_stops_at_the_body_limit() {
    let fake = Fake::serve(|_| {
        Answer::endless(
            "application/json",
            r#"{"type":"sync","result":[{"path":"/x"},"#,
            r#"{"path":"/x"},"#,
            TOTAL,
        )
    });
    let error = fake
        .client()
        .push("/x", "data", &PushOptions::new())
        .await
        .unwrap_err();
    assert_eq!(too_large(&error).0, "POST /v1/files (write)");
    hung_up_early(&fake);
}

const MULTIPART: &str = "multipart/form-data; boundary=01234567890123456789012345678901";
const BOUNDARY: &str = "01234567890123456789012345678901";

fn file_part_head(path: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
}

fn response_part() -> String {
    format!(
        "\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"response\"\r\n\
         Content-Type: application/json\r\n\r\n\
         {{\"type\":\"sync\",\"status-code\":200,\"result\":[{{\"path\":\"/big\"}}]}}\r\n--{BOUNDARY}--\r\n"
    )
}

#[tokio::test]
async fn a_pull_whose_multipart_framing_never_ends_stops_at_the_body_limit() {
    // No boundary ever: multer would buffer it all, looking for one.
    let fake = Fake::serve(|_| Answer::endless(MULTIPART, "", "no boundary here ", TOTAL));
    let mut sink = tokio::io::sink();
    let error = fake.client().pull_to("/big", &mut sink).await.unwrap_err();
    let (operation, what, kind, _) = too_large(&error);
    assert_eq!(operation, "GET /v1/files (read)");
    assert_eq!(kind, Limit::Body);
    assert!(what.contains("multipart"), "{what}");
    hung_up_early(&fake);

    // A part's headers that never end.
    let fake = Fake::serve(|_| {
        Answer::endless(
            MULTIPART,
            format!("--{BOUNDARY}\r\nX-Header: "),
            "and on ",
            TOTAL,
        )
    });
    let error = fake.client().pull("/big").await.unwrap_err();
    assert_eq!(too_large(&error).2, Limit::Body);
    hung_up_early(&fake);
}

#[tokio::test]
async fn a_pull_whose_json_part_never_ends_stops_at_the_body_limit() {
    let fake = Fake::serve(|_| {
        Answer::endless(
            MULTIPART,
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n\
                 {{\"type\":\"sync\",\"result\":[{{\"path\":\""
            ),
            "/big",
            TOTAL,
        )
    });
    let mut sink = tokio::io::sink();
    let error = fake.client().pull_to("/big", &mut sink).await.unwrap_err();
    let (_, what, kind, limit) = too_large(&error);
    assert!(what.contains("response"), "{what}");
    assert_eq!((kind, limit), (Limit::Body, body_limit()));
    hung_up_early(&fake);
}

/// A fake that serves one large file of `size` bytes at `/big`.
fn serving_a_file(size: u64) -> Fake {
    Fake::serve(move |_| Answer::Endless {
        status: 200,
        content_type: MULTIPART.to_owned(),
        length: None,
        prefix: file_part_head("/big").into_bytes(),
        fill: b"0123456789abcdef".to_vec(),
        suffix: response_part().into_bytes(),
        total: size,
    })
}

#[tokio::test]
async fn a_pull_streams_past_every_limit_but_a_pull_into_memory_stops_at_the_capture_limit() {
    let size = 24 * MIB;
    let fake = serving_a_file(size);
    let client = Client::builder(fake.socket())
        .body_limit(64 * 1024)
        .capture_limit(2 * MIB)
        .build()
        .unwrap();
    // Streamed: no limit on the file, and a small body limit is no obstacle.
    let mut sink = tokio::io::sink();
    let written = client.pull_to("/big", &mut sink).await.unwrap();
    assert_eq!(written, size - file_part_head("/big").len() as u64);

    // Into memory: stops at the capture limit.
    let error = client.pull("/big").await.unwrap_err();
    let (operation, what, kind, limit) = too_large(&error);
    assert_eq!(operation, "GET /v1/files (read)");
    assert_eq!(what, "the file");
    assert_eq!((kind, limit), (Limit::Capture, 2 * MIB));
    assert!(error.to_string().contains("pull_to"), "{error}");
}

#[test]
fn a_pull_into_memory_stops_at_the_default_capture_limit() {
    let fake = serving_a_file(DEFAULT_CAPTURE_LIMIT + 8 * MIB);
    let client = blocking::Client::new(fake.socket()).unwrap();
    let error = client.pull("/big").unwrap_err();
    assert_eq!(too_large(&error).3, DEFAULT_CAPTURE_LIMIT);
}

#[tokio::test]
async fn an_endless_log_line_stops_at_the_body_limit() {
    let fake = Fake::serve(|_| {
        Answer::endless(
            "application/x-ndjson",
            r#"{"time":"2026-01-01T00:00:00Z","service":"s","message":""#,
            "more ",
            TOTAL,
        )
    });
    let error = fake.client().logs(&LogsQuery::new()).await.unwrap_err();
    let (operation, what, kind, _) = too_large(&error);
    assert_eq!(operation, "GET /v1/logs");
    assert_eq!(what, "a log line");
    assert_eq!(kind, Limit::Body);
    hung_up_early(&fake);
}

#[tokio::test]
async fn logs_gathered_in_memory_stop_at_the_capture_limit_but_a_follow_streams_on() {
    let line = "{\"time\":\"2026-01-01T00:00:00Z\",\"service\":\"s\",\"message\":\"hello\"}\n";
    let fake = Fake::serve(move |_| Answer::endless("application/x-ndjson", "", line, 4 * MIB));
    let client = Client::builder(fake.socket())
        .capture_limit(MIB)
        .build()
        .unwrap();
    let error = client.logs(&LogsQuery::new()).await.unwrap_err();
    let (_, what, kind, limit) = too_large(&error);
    assert_eq!(what, "the log lines");
    assert_eq!((kind, limit), (Limit::Capture, MIB));

    let mut stream = client
        .follow_logs(&LogsQuery::new(), Duration::from_secs(30))
        .await
        .unwrap();
    let mut count = 0u64;
    while let Some(entry) = stream.next_entry().await {
        entry.unwrap();
        count += 1;
    }
    assert_eq!(count, 4 * MIB / line.len() as u64);
}

/// A fake that runs one command: `stdio` sends `frames`, then the end of
/// output; the command exits 0.
fn serving_a_command(stdio: Vec<Vec<u8>>) -> Fake {
    let end = frame(true, 1, br#"{"command":"end"}"#);
    Fake::serve(move |request| match request.path() {
        "/v1/exec" => Answer::json(
            202,
            r#"{"type":"async","status-code":202,"status":"Accepted","change":"7",
                "result":{"task-id":"T7","environment":{},"working-dir":"/"}}"#,
        ),
        "/v1/tasks/T7/websocket/control" => Answer::WebSocket(Vec::new()),
        "/v1/tasks/T7/websocket/stdio" => {
            let mut frames = stdio.clone();
            frames.push(end.clone());
            Answer::WebSocket(frames)
        }
        "/v1/tasks/T7/websocket/stderr" => Answer::WebSocket(vec![end.clone()]),
        _ => Answer::json(
            200,
            r#"{"type":"sync","status-code":200,"result":{"id":"7","kind":"exec",
                "summary":"","status":"Done","ready":true,"spawn-time":"2026-01-01T00:00:00Z",
                "tasks":[{"id":"T7","kind":"exec","summary":"","status":"Done",
                "spawn-time":"2026-01-01T00:00:00Z","data":{"exit-code":0}}]}}"#,
        ),
    })
}

#[tokio::test]
async fn a_websocket_message_past_the_body_limit_is_too_large() {
    // One message of 5 MiB in frames of 1 MiB: each frame is under any frame
    // limit, the message is not.
    let piece = vec![b'x'; MIB as usize];
    let mut frames = vec![frame(false, 2, &piece)];
    for _ in 0..3 {
        frames.push(frame(false, 0, &piece));
    }
    frames.push(frame(true, 0, &piece));
    let fake = serving_a_command(frames);
    let error = fake
        .client()
        .exec(&Exec::new(["cat"]))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap_err();
    let (operation, what, kind, limit) = too_large(&error);
    assert!(operation.contains("cat"), "{operation}");
    assert!(what.contains("websocket message"), "{what}");
    assert_eq!((kind, limit), (Limit::Body, body_limit()));
}

#[tokio::test]
async fn captured_output_stops_at_the_capture_limit_but_streamed_output_does_not() {
    let piece = vec![b'x'; 64 * 1024];
    let frames: Vec<Vec<u8>> = (0..64).map(|_| frame(true, 2, &piece)).collect();
    let fake = serving_a_command(frames);
    let client = Client::builder(fake.socket())
        .capture_limit(MIB)
        .build()
        .unwrap();
    let error = client
        .exec(&Exec::new(["cat"]))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap_err();
    let (_, what, kind, limit) = too_large(&error);
    assert_eq!(what, "the command's output");
    assert_eq!((kind, limit), (Limit::Capture, MIB));

    let mut counted = Counter(0);
    client
        .exec(&Exec::new(["cat"]))
        .await
        .unwrap()
        .wait_with(tokio::io::empty(), &mut counted, &mut tokio::io::sink())
        .await
        .unwrap();
    assert_eq!(counted.0, 4 * MIB);
}

/// A writer that counts what it is given.
struct Counter(u64);

impl tokio::io::AsyncWrite for Counter {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        data: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.get_mut().0 += data.len() as u64;
        std::task::Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn an_error_body_that_is_not_pebbles_is_quoted_short() {
    let fake = Fake::serve(|_| Answer::Whole {
        status: 502,
        content_type: "text/html".to_owned(),
        body: "<html>bad gateway</html>".repeat(40_000).into_bytes(),
    });
    let error = fake.client().system_info().await.unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 502);
    assert!(api.message.starts_with("<html>bad gateway</html>"));
    assert!(api.message.ends_with("..."), "{}", api.message);
    assert!(api.message.chars().count() <= 503, "{}", api.message.len());
}

#[test]
fn yaml_too_slow_to_parse_is_refused_at_once() {
    use ops_runtime::pebble::{LayerError, MAX_YAML_WORK, Plan};
    // 40,000 nested `[`: minutes of parsing before the limit.
    let deep = format!("services: {}1{}", "[".repeat(40_000), "]".repeat(40_000));
    let error = Plan::from_yaml(&deep).unwrap_err();
    let LayerError::TooComplex { bytes, brackets } = &error else {
        panic!("{error:?}")
    };
    assert_eq!((*bytes, *brackets), (deep.len(), 40_000));
    assert!((*bytes as u64) * (*brackets as u64) > MAX_YAML_WORK);
    assert!(error.to_string().contains("too long to parse"), "{error}");
    // A real plan with brackets in its commands and JSON in its environment
    // parses.
    let json_env: String = (0..200)
        .map(|i| format!("{{\"k{i}\": [1, 2]}}, "))
        .collect();
    let plan = format!(
        "services:\n  web:\n    override: replace\n    command: bash -c '[ -f /x ] && run'\n    \
         environment:\n      CONFIG: '[{json_env}1]'\n"
    );
    assert!(Plan::from_yaml(&plan).is_ok());
}

#[test]
fn the_pebble_api_streams_a_pull_that_is_too_large_for_memory() {
    use ops_runtime::pebble::PebbleApi;
    let fake = serving_a_file(4 * MIB);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::builder(fake.socket())
        .capture_limit(MIB)
        .build()
        .unwrap();
    let client = blocking::Client::with_runtime(client, std::rc::Rc::new(runtime));
    let api: &dyn PebbleApi = &client;
    let error = api.pull("/big").unwrap_err();
    assert_eq!(too_large(&error).2, Limit::Capture);
    let mut file = std::io::Cursor::new(Vec::new());
    let written = api.pull_to("/big", &mut file).unwrap();
    assert_eq!(written, 4 * MIB - file_part_head("/big").len() as u64);
    assert_eq!(file.into_inner().len() as u64, written);
}
