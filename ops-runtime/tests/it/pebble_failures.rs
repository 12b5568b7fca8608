//! How the Pebble client fails: an absent socket, a daemon that goes away, one
//! that never answers, answers that do not follow the API, and misuse of the
//! blocking client. Each failure is a typed error, and no call outlives its
//! bound (the tests assert the error, never a duration).

use std::rc::Rc;
use std::time::Duration;

use ops_pebble_emulator::{Mode, Server, client_for};
use ops_runtime::pebble::{
    AddLayerOptions, ChangeId, Error, Exec, Layer, LayerError, ListFilesOptions, LogsQuery,
    NoticesQuery, PushOptions, PushSource, blocking,
};

use crate::pebble_support::{emulator, emulator_with};

#[tokio::test]
async fn an_absent_socket_is_a_connection_error() {
    let socket = Server::absent_socket();
    let client = client_for(&socket);
    let error = client.system_info().await.unwrap_err();
    let Error::Connection {
        socket: reported,
        reason,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(reported, &socket);
    assert!(reason.contains("does not exist"), "{reason}");
    assert!(error.is_connection());
    assert!(
        error.to_string().contains(&socket.display().to_string()),
        "{error}"
    );
    // Every kind of call reports it the same way.
    assert!(client.pull("/etc/hosts").await.unwrap_err().is_connection());
    assert!(
        client
            .push("/tmp/x", "x", &PushOptions::new())
            .await
            .unwrap_err()
            .is_connection()
    );
    assert!(
        client
            .exec(&Exec::new(["true"]))
            .await
            .unwrap_err()
            .is_connection()
    );
    assert!(
        client
            .logs(&LogsQuery::new())
            .await
            .unwrap_err()
            .is_connection()
    );
}

#[tokio::test]
async fn a_daemon_that_drops_connections_is_a_connection_error() {
    let server = emulator_with(Mode::Close);
    let client = server.client();
    let error = client.system_info().await.unwrap_err();
    assert!(error.is_connection(), "{error:?}");
    let error = client
        .list_files("/", &ListFilesOptions::new())
        .await
        .unwrap_err();
    assert!(error.is_connection(), "{error:?}");
}

#[tokio::test]
async fn a_daemon_that_never_answers_times_out() {
    let server = emulator_with(Mode::NeverAnswer);
    let client = client_for(server.socket());
    let client = ops_runtime::pebble::Client::builder(client.socket_path())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client.system_info().await.unwrap_err();
    let Error::Timeout { operation, after } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(operation, "GET /v1/system-info");
    assert_eq!(*after, Duration::from_millis(300));

    assert!(client.pull("/etc/hosts").await.unwrap_err().is_timeout());
    assert!(
        client
            .push("/tmp/x", "x", &PushOptions::new())
            .await
            .unwrap_err()
            .is_timeout()
    );
    let big = PushSource::reader(std::io::Cursor::new(vec![7u8; 4 * 1024 * 1024]));
    assert!(
        client
            .push("/tmp/big", big, &PushOptions::new())
            .await
            .unwrap_err()
            .is_timeout()
    );
    assert!(
        client
            .exec(&Exec::new(["true"]))
            .await
            .unwrap_err()
            .is_timeout()
    );
    assert!(
        client
            .logs(&LogsQuery::new())
            .await
            .unwrap_err()
            .is_timeout()
    );
    let error = client
        .wait_change(&ChangeId::new("1"), Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let error = client
        .notices(&NoticesQuery::new().timeout(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    let error = client
        .add_layer("l", &Layer::default(), &AddLayerOptions::new())
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn a_service_change_that_never_finishes_times_out() {
    let server = emulator();
    let client = ops_runtime::pebble::Client::builder(server.socket())
        .wait_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let layer = Layer::from_yaml("services: {x: {override: replace, command: /bin/hang}}").unwrap();
    client
        .add_layer("l", &layer, &AddLayerOptions::new())
        .await
        .unwrap();
    let error = client.start_services(&["x"]).await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn answers_that_are_not_pebble_are_protocol_errors() {
    let server = emulator_with(Mode::Garbage);
    let client = server.client();
    let error = client.system_info().await.unwrap_err();
    let Error::Protocol { operation, message } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(operation, "GET /v1/system-info");
    assert!(message.contains("text/plain"), "{message}");
    let error = client.pull("/etc/hosts").await.unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");

    server.set_mode(Mode::BadEnvelope);
    let error = client.system_info().await.unwrap_err();
    let Error::Protocol { message, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(message.contains("envelope"), "{message}");
    let error = client.logs(&LogsQuery::new()).await.unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
}

#[tokio::test]
async fn api_errors_carry_status_kind_and_message() {
    let server = emulator();
    let error = server
        .client()
        .list_files("/nowhere", &ListFilesOptions::new())
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.operation, "GET /v1/files");
    assert_eq!(api.message, "stat /nowhere: no such file or directory");
    assert_eq!(
        error.to_string(),
        "Pebble refused GET /v1/files (404 not-found): stat /nowhere: no such file or directory"
    );
}

#[test]
fn layer_errors_convert_into_the_client_error() {
    let error: Error = Layer::from_yaml("services: [unclosed").unwrap_err().into();
    let Error::Layer(layer) = &error else {
        panic!("{error:?}")
    };
    assert!(matches!(layer, LayerError::Yaml(_)), "{layer:?}");
    assert!(
        error.to_string().starts_with("cannot parse layer YAML"),
        "{error}"
    );
}

#[test]
fn the_blocking_client_runs_on_its_own_or_a_given_runtime() {
    let server = emulator();
    let own = blocking::Client::new(server.socket()).unwrap();
    assert_eq!(own.system_info().unwrap().version, "v1.32.1");

    // A runtime the caller already has, as the hook context does.
    let runtime = Rc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    );
    let shared = blocking::Client::with_runtime(server.client(), Rc::clone(&runtime));
    assert!(shared.health(None, &[]).unwrap());
    // The same runtime still serves async code between blocking calls.
    let info = runtime.block_on(shared.as_async().system_info()).unwrap();
    assert_eq!(info.version, "v1.32.1");

    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handled = blocking::Client::with_handle(server.client(), multi.handle().clone()).unwrap();
    assert!(handled.services(&[]).unwrap().is_empty());

    // A current-thread runtime's handle cannot drive I/O from outside.
    let error =
        blocking::Client::with_handle(server.client(), runtime.handle().clone()).unwrap_err();
    assert!(matches!(error, Error::Blocking(_)), "{error:?}");

    let logs = own
        .follow_logs(&LogsQuery::new(), Duration::from_millis(200))
        .unwrap();
    assert_eq!(logs.count(), 0);
}

#[test]
fn the_blocking_client_refuses_to_block_inside_a_runtime() {
    let server = emulator();
    let runtime = Rc::new(
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
    );
    let client = blocking::Client::with_runtime(server.client(), Rc::clone(&runtime));
    // Called from async code on the same runtime: an error, not a panic or a
    // deadlock.
    let error = runtime
        .block_on(async { client.system_info() })
        .unwrap_err();
    assert!(matches!(error, Error::Blocking(_)), "{error:?}");
    assert!(error.to_string().contains("async runtime"), "{error}");
}
