//! `Container` over the real blocking client, against the Pebble
//! emulator: the `PebbleApi` implementation of `pebble::blocking::Client`.

use std::rc::Rc;

use ops_pebble_emulator::Server;
use ops_runtime::pebble::{Exec, Layer, blocking};
use ops_runtime::{Container, ModelError};

use crate::pebble_support::emulator;

const LAYER: &str = r#"
services:
  web:
    override: replace
    command: /bin/web
    startup: enabled
"#;

fn container(server: &Server) -> Container {
    let client = blocking::Client::from_async(server.client()).unwrap();
    Container::with_api("web", Rc::new(client))
}

#[test]
fn layers_services_files_and_exec_through_the_real_client() {
    let server = emulator();
    let web = container(&server);
    assert!(web.can_connect());
    web.apply_layer("web", &Layer::from_yaml(LAYER).unwrap())
        .unwrap();
    assert_eq!(
        web.plan().unwrap().services["web"].command.as_deref(),
        Some("/bin/web")
    );
    assert!(web.is_running("web").unwrap());
    assert!(web.service("nope").unwrap().is_none());

    web.write_file("/etc/web/web.conf", "listen 80\n").unwrap();
    assert_eq!(web.pull("/etc/web/web.conf").unwrap(), b"listen 80\n");
    assert_eq!(
        server.state().file("/etc/web/web.conf"),
        Some(&b"listen 80\n"[..])
    );

    let out = web.exec(&Exec::new(["echo", "hello"])).unwrap();
    assert_eq!(out.stdout_lossy(), "hello\n");
    let failed = web
        .exec_result(&Exec::new(["fail", "3", "no", "such", "table"]))
        .unwrap();
    assert_eq!(failed.exit_code, 3);
    assert_eq!(failed.stderr, b"no such table\n");
}

#[test]
fn an_absent_socket_cannot_connect() {
    let client = blocking::Client::new(Server::absent_socket()).unwrap();
    let web = Container::with_api("web", Rc::new(client));
    assert!(!web.can_connect());
    match web.plan() {
        Err(ModelError::Pebble { container, source }) => {
            assert_eq!(container, "web");
            assert!(source.is_connection(), "{source}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
}

#[test]
fn trees_signals_and_checks_through_the_real_client() {
    let server = emulator();
    let web = container(&server);
    let layer = "services:\n  web: {override: replace, command: /bin/web, startup: enabled}\n\
                 checks:\n  alive: {override: replace, level: alive, exec: {command: 'true'}}\n";
    web.apply_layer("web", &Layer::from_yaml(layer).unwrap())
        .unwrap();

    let local = std::env::temp_dir().join(format!("pebble-container-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&local);
    std::fs::create_dir_all(local.join("site/css")).unwrap();
    std::fs::write(local.join("site/index.html"), "hi").unwrap();
    std::fs::write(local.join("site/css/main.css"), "h1 {}").unwrap();
    web.push_path(local.join("site"), "/srv").unwrap();
    assert_eq!(
        server.state().file("/srv/site/css/main.css"),
        Some(&b"h1 {}"[..])
    );
    assert!(web.is_dir("/srv/site/css").unwrap());
    assert!(!web.is_dir("/srv/site/index.html").unwrap());
    web.pull_path("/srv/site", local.join("back")).unwrap();
    assert_eq!(
        std::fs::read_to_string(local.join("back/site/index.html")).unwrap(),
        "hi"
    );
    std::fs::remove_dir_all(&local).unwrap();

    web.send_signal("SIGHUP", &["web"]).unwrap();
    assert_eq!(
        server.state().signals,
        [("SIGHUP".to_owned(), vec!["web".to_owned()])]
    );
    assert_eq!(web.stop_checks(&["alive"]).unwrap(), ["alive"]);
    assert_eq!(web.start_checks(&["alive"]).unwrap(), ["alive"]);
}
