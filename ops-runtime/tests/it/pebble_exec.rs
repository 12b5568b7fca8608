//! Pebble exec against the Pebble emulator: the exec request, the
//! control/stdio/stderr websockets with their end frames, exit codes,
//! signals, timeouts, and the teardown of the websockets on every path.

use std::io::Cursor;
use std::time::Duration;

use ops_pebble_emulator::Server;
use ops_runtime::pebble::{ChangeStatus, Client, Error, Exec, blocking};

use crate::pebble_support::{emulator, exit_code};

#[tokio::test]
async fn echo_output() {
    let server = emulator();
    let client = server.client();
    let process = client
        .exec(&Exec::new(["echo", "hello", "world"]))
        .await
        .unwrap();
    let output = process.wait_output().await.unwrap();
    assert_eq!(output.stdout, b"hello world\n");
    assert!(output.stderr.is_empty());

    let sent = server
        .state()
        .last_request("/v1/exec")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        sent["command"],
        serde_json::json!(["echo", "hello", "world"])
    );
    assert_eq!(sent["split-stderr"], true);
    // A timeout is always sent: the client's default when the Exec sets none.
    assert_eq!(sent["timeout"], "5s");
    // The client connected control, stdio and stderr.
    let paths: Vec<String> = server
        .state()
        .requests
        .iter()
        .filter(|r| r.path.contains("/websocket/"))
        .map(|r| r.path.rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["control", "stdio", "stderr"]);
}

#[tokio::test]
async fn stdin_from_bytes() {
    let server = emulator();
    let output = server
        .client()
        .exec(&Exec::new(["cat"]).stdin("line one\nline two\n"))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap();
    assert_eq!(output.stdout_lossy(), "line one\nline two\n");
}

#[tokio::test]
async fn environment_working_dir_and_user() {
    let server = emulator();
    let client = server.client();
    let exec = Exec::new(["printenv", "GREETING", "LANG"])
        .env("GREETING", "hi")
        .working_dir("/srv")
        .user("web")
        .group("www")
        .timeout(Duration::from_millis(1500));
    let process = client.exec(&exec).await.unwrap();
    assert_eq!(process.environment()["GREETING"], "hi");
    assert_eq!(process.working_dir(), "/srv");
    assert!(!format!("{process:?}").contains("\"hi\""));
    let output = process.wait_output().await.unwrap();
    assert_eq!(output.stdout_lossy(), "hi\nC.UTF-8\n");
    let sent = server
        .state()
        .last_request("/v1/exec")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(sent["environment"], serde_json::json!({"GREETING": "hi"}));
    assert_eq!(sent["working-dir"], "/srv");
    assert_eq!(sent["user"], "web");
    assert_eq!(sent["group"], "www");
    assert_eq!(sent["timeout"], "1.5s");

    let whoami = client
        .exec(&Exec::new(["whoami"]).user_id(0).group_id(0))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap();
    assert_eq!(whoami.stdout, b"root\n");
    let pwd = client
        .exec(&Exec::new(["pwd"]).service_context("web"))
        .await
        .unwrap();
    assert_eq!(pwd.wait_output().await.unwrap().stdout, b"/root\n");
    let sent = server
        .state()
        .last_request("/v1/exec")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(sent["service-context"], "web");
}

#[tokio::test]
async fn non_zero_exit_carries_code_and_output() {
    let server = emulator();
    let client = server.client();
    let error = client
        .exec(&Exec::new(["fail", "3", "no", "such", "table"]))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap_err();
    let Error::Exec(exec) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(exec.exit_code, 3);
    assert_eq!(exec.stderr.as_deref(), Some(&b"no such table\n"[..]));
    assert_eq!(exec.stdout.as_deref(), Some(&b""[..]));
    assert_eq!(
        error.to_string(),
        "`fail 3 no such table` exited with code 3: no such table"
    );

    // `wait` discards the output, so the error has none.
    let error = client
        .exec(&Exec::new(["false"]))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap_err();
    let Error::Exec(exec) = &error else {
        panic!("{error:?}")
    };
    assert_eq!((exec.exit_code, exec.stderr.is_none()), (1, true));
    client
        .exec(&Exec::new(["true"]))
        .await
        .unwrap()
        .wait()
        .await
        .unwrap();
}

#[tokio::test]
async fn combined_stderr_goes_to_stdout() {
    let server = emulator();
    let output = server
        .client()
        .exec(&Exec::new(["fail", "0", "to", "stderr"]).combine_stderr(true))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap();
    assert_eq!(output.stdout, b"to stderr\n");
    assert!(output.stderr.is_empty());
    let sent = server
        .state()
        .last_request("/v1/exec")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(sent["split-stderr"], false);
    let sockets = server
        .state()
        .requests
        .iter()
        .filter(|r| r.path.ends_with("/websocket/stderr"))
        .count();
    assert_eq!(sockets, 0);
}

#[tokio::test]
async fn streaming_io() {
    let server = emulator();
    let client = server.client();
    // A reader for stdin, after the request's own bytes.
    let input: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    client
        .exec(&Exec::new(["cat"]).stdin("head:"))
        .await
        .unwrap()
        .wait_with(Cursor::new(input.clone()), &mut stdout, &mut stderr)
        .await
        .unwrap();
    assert_eq!(&stdout[..5], b"head:");
    assert!(stdout[5..] == input[..]);

    // Large output arrives in many frames.
    let mut stdout = Vec::new();
    client
        .exec(&Exec::new(["seq", "50000"]))
        .await
        .unwrap()
        .wait_with(tokio::io::empty(), &mut stdout, &mut tokio::io::sink())
        .await
        .unwrap();
    let text = String::from_utf8(stdout).unwrap();
    assert_eq!(text.lines().count(), 50_000);
    assert_eq!(text.lines().last(), Some("50000"));
}

#[tokio::test]
async fn signals_go_over_the_control_websocket() {
    let server = emulator();
    let mut process = server
        .client()
        .exec(&Exec::new(["sleep", "30"]))
        .await
        .unwrap();
    process.send_signal("SIGTERM").await.unwrap();
    let error = process.wait().await.unwrap_err();
    // Killed by a signal: 128 + 15.
    assert_eq!(exit_code(&error), Some(143), "{error:?}");
}

#[tokio::test]
async fn pebble_side_timeout_is_a_change_error() {
    let server = emulator();
    let error = server
        .client()
        .exec(&Exec::new(["sleep", "30"]).timeout(Duration::from_millis(200)))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap_err();
    let Error::Change(change) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(change.change.status, ChangeStatus::Error);
    assert!(error.to_string().contains("timed out after"), "{error}");
    assert_eq!(change.change.tasks[0].data["exit-code"], -1);
}

#[tokio::test]
async fn unknown_executable_is_an_api_error() {
    let server = emulator();
    let error = server
        .client()
        .exec(&Exec::new(["no-such-program"]))
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 400);
    assert!(api.message.contains("cannot find executable"), "{error}");
}

/// Waits (bounded) until the server has seen the client close `ids` of the
/// only exec task.
async fn closed_sockets(server: &Server, ids: &[&str]) -> Vec<String> {
    for _ in 0..100 {
        let closed: Vec<String> = server
            .state()
            .closed_sockets
            .iter()
            .map(|(_, id)| id.clone())
            .collect();
        if ids.iter().all(|id| closed.iter().any(|c| c == id)) {
            return closed;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server
        .state()
        .closed_sockets
        .iter()
        .map(|(_, id)| id.clone())
        .collect()
}

#[tokio::test]
async fn a_client_side_timeout_tears_the_websockets_down() {
    let server = emulator();
    // Pebble would kill the command at 100ms; this one ignores that, so only
    // the client's own bound (timeout + grace + request bound) ends the wait.
    let client = Client::builder(server.socket())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let error = client
        .exec(&Exec::new(["stuck"]).timeout(Duration::from_millis(100)))
        .await
        .unwrap()
        .wait_output()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.to_string().contains("running `stuck`"), "{error}");
    // The hook is not held up: the server saw both sockets close.
    let closed = closed_sockets(&server, &["stdio", "control"]).await;
    assert!(closed.contains(&"stdio".to_owned()), "{closed:?}");
    assert!(closed.contains(&"control".to_owned()), "{closed:?}");
}

#[tokio::test]
async fn dropping_a_process_closes_its_websockets() {
    let server = emulator();
    let process = server.client().exec(&Exec::new(["stuck"])).await.unwrap();
    drop(process);
    let closed = closed_sockets(&server, &["stdio", "control"]).await;
    assert!(closed.contains(&"stdio".to_owned()), "{closed:?}");
    assert!(closed.contains(&"control".to_owned()), "{closed:?}");
}

#[test]
fn blocking_exec() {
    let server = emulator();
    let client = blocking::Client::from_async(server.client()).unwrap();
    let output = client
        .exec(&Exec::new(["echo", "sync"]))
        .unwrap()
        .wait_output()
        .unwrap();
    assert_eq!(output.stdout, b"sync\n");

    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    client
        .exec(&Exec::new(["cat"]))
        .unwrap()
        .wait_with(&b"from std::io::Read"[..], &mut stdout, &mut stderr)
        .unwrap();
    assert_eq!(stdout, b"from std::io::Read");

    let mut process = client.exec(&Exec::new(["sleep", "30"])).unwrap();
    process.send_signal("SIGKILL").unwrap();
    let error = process.wait().unwrap_err();
    assert_eq!(exit_code(&error), Some(137), "{error:?}");
}
