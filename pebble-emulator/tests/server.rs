//! The server's life cycle (a temporary directory, or a socket at a given
//! path) and requests that once brought the emulator down.

use std::io::ErrorKind;
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use ops_pebble_emulator::{Node, Server};
use ops_runtime::pebble::{AddLayerOptions, Error, Exec, Layer, MakeDirOptions, blocking};

/// A directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "pebble-emulator-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn client(server: &Server) -> blocking::Client {
    blocking::Client::from_async(server.client()).unwrap()
}

#[test]
fn start_serves_in_a_temporary_directory_it_removes() {
    let server = Server::start().unwrap();
    let dir = server.socket().parent().unwrap().to_owned();
    assert!(server.socket().exists());
    assert_eq!(client(&server).system_info().unwrap().version, "v1.32.1");
    drop(server);
    assert!(!dir.exists());
}

#[test]
fn bind_serves_at_the_path_and_removes_only_the_socket() {
    let scratch = Scratch::new();
    let socket = scratch.0.join("containers/web/pebble.socket");
    let server = Server::bind(&socket).unwrap();
    assert_eq!(server.socket(), socket);
    let client = blocking::Client::new(&socket).unwrap();
    assert_eq!(client.system_info().unwrap().version, "v1.32.1");
    drop(server);
    assert!(!socket.exists());
    assert!(scratch.0.join("containers/web").is_dir());
}

#[test]
fn bind_replaces_a_stale_socket() {
    let scratch = Scratch::new();
    let socket = scratch.0.join("pebble.socket");
    drop(UnixListener::bind(&socket).unwrap());
    assert!(socket.exists());
    let server = Server::bind(&socket).unwrap();
    assert!(client(&server).system_info().is_ok());
}

#[test]
fn bind_leaves_a_live_socket_alone() {
    let scratch = Scratch::new();
    let socket = scratch.0.join("pebble.socket");
    let first = Server::bind(&socket).unwrap();
    let error = Server::bind(&socket).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AddrInUse, "{error}");
    assert!(error.to_string().contains("pebble.socket"), "{error}");
    assert!(client(&first).system_info().is_ok());
}

#[test]
fn bind_leaves_a_file_that_is_not_a_socket_alone() {
    let scratch = Scratch::new();
    let socket = scratch.0.join("pebble.socket");
    std::fs::write(&socket, "data").unwrap();
    let error = Server::bind(&socket).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::AlreadyExists, "{error}");
    assert_eq!(std::fs::read(&socket).unwrap(), b"data");
}

#[test]
fn a_path_too_long_for_a_socket_is_an_error() {
    let scratch = Scratch::new();
    let socket = scratch.0.join("x".repeat(120)).join("pebble.socket");
    assert!(Server::bind(&socket).is_err());
}

#[test]
fn requirements_in_a_cycle_or_missing_start_what_exists() {
    let server = Server::start().unwrap();
    let client = client(&server);
    let layer = Layer::from_yaml(
        "services:
  a: {override: replace, command: /bin/a, startup: enabled, requires: [b, missing]}
  b: {override: replace, command: /bin/b, requires: [a]}
",
    )
    .unwrap();
    client
        .add_layer("base", &layer, &AddLayerOptions::new())
        .unwrap();
    client.autostart_services().unwrap();
    let state = server.state();
    assert_eq!(state.services["a"].current, "active");
    assert_eq!(state.services["b"].current, "active");
    assert!(!state.services.contains_key("missing"));
}

#[test]
fn sleep_with_a_bad_interval_fails() {
    let server = Server::start().unwrap();
    let error = client(&server)
        .exec(&Exec::new(["sleep", "-1"]))
        .and_then(blocking::ExecProcess::wait_output)
        .unwrap_err();
    let Error::Exec(failed) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(failed.exit_code, 1);
}

#[test]
fn the_root_can_be_made_again_after_it_was_removed() {
    let server = Server::start().unwrap();
    let client = client(&server);
    client.remove_path("/", true).unwrap();
    assert!(server.state().files.is_empty());
    client
        .make_dir("/srv/data", &MakeDirOptions::new().make_parents(true))
        .unwrap();
    let state = server.state();
    assert!(matches!(state.files.get("/"), Some(Node::Dir { .. })));
    assert!(matches!(
        state.files.get("/srv/data"),
        Some(Node::Dir { .. })
    ));
}

/// ops sends a push as a chunked body and writes its last chunk after the
/// closing boundary: the emulator must read it all before answering, or the
/// connection closes under the client (a broken pipe in ops's push).
#[test]
fn a_push_is_answered_only_after_its_whole_body_is_read() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::os::unix::net::UnixStream;

    let server = Server::start().unwrap();
    let mut stream = UnixStream::connect(server.socket()).unwrap();
    let boundary = "0123456789abcdef0123456789abcdef";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"request\"\r\n\
         Content-Type: application/json\r\n\r\n\
         {{\"action\": \"write\", \"files\": [{{\"path\": \"/tmp/pushed\"}}]}}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/tmp/pushed\"\r\n\
         Content-Type: application/octet-stream\r\n\r\nhello\r\n--{boundary}--\r\n"
    );
    write!(
        stream,
        "POST /v1/files HTTP/1.1\r\nhost: localhost\r\n\
         content-type: multipart/form-data; boundary={boundary}\r\n\
         transfer-encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    // The last chunk comes a moment later, as from a client still writing.
    std::thread::sleep(std::time::Duration::from_millis(50));
    stream.write_all(b"0\r\n\r\n").unwrap();
    // Then a second request on the same connection.
    stream
        .write_all(b"GET /v1/system-info HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .unwrap();

    let mut reader = BufReader::new(stream);
    for expected in ["\"path\":\"/tmp/pushed\"", "\"version\":\"v1.32.1\""] {
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        let mut length = 0;
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            if header == "\r\n" {
                break;
            }
            if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut answer = vec![0; length];
        reader.read_exact(&mut answer).unwrap();
        let answer = String::from_utf8(answer).unwrap();
        assert!(answer.replace(' ', "").contains(expected), "{answer}");
    }
    assert_eq!(server.state().file("/tmp/pushed"), Some(&b"hello"[..]));
}

#[test]
fn the_request_record_keeps_the_last_ten_thousand() {
    let server = Server::start().unwrap();
    let client = client(&server);
    for _ in 0..10_002 {
        client.system_info().unwrap();
    }
    client.services(&[]).unwrap();
    let state = server.state();
    assert_eq!(state.requests.len(), 10_000);
    assert_eq!(
        state.requests.last().map(|r| r.path.as_str()),
        Some("/v1/services")
    );
}
