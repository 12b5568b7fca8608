//! The Pebble client against the Pebble emulator: system, health,
//! changes, services, signals, layers and the plan, checks, notices,
//! identities and logs.

use std::collections::BTreeMap;
use std::time::Duration;

use ops_pebble_emulator::Server;
use ops_runtime::pebble::{
    AddLayerOptions, ChangeKind, ChangeSelect, ChangeStatus, CheckLevel, CheckStatus, Error,
    ErrorKind, Identity, IdentityAccess, Layer, LogCount, LogsQuery, NoticeId, NoticeType,
    NoticesQuery, NotifyOptions, Override, Service, ServiceOperation, ServiceStartup,
    ServiceStatus,
};

use crate::pebble_support::{api_status, emulator};

const LAYER: &str = r#"
summary: test layer
services:
  web:
    override: replace
    command: /bin/web
    startup: enabled
    requires: [db]
    environment: {MODE: prod}
  db:
    override: replace
    command: /bin/db
  broken:
    override: replace
    command: /bin/fail-at-once
  slow:
    override: replace
    command: /bin/slow-starter
  stuck:
    override: replace
    command: /bin/hang-forever
checks:
  alive:
    override: replace
    level: alive
    http: {url: "http://localhost:8080/health"}
  ready:
    override: replace
    level: ready
    tcp: {port: 8080}
  manual:
    override: replace
    startup: disabled
    exec: {command: /bin/check}
"#;

async fn with_layer(server: &Server) -> ops_runtime::pebble::Client {
    let client = server.client();
    let layer = Layer::from_yaml(LAYER).unwrap();
    client
        .add_layer("base", &layer, &AddLayerOptions::new())
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn system_info() {
    let server = emulator();
    let info = server.client().system_info().await.unwrap();
    assert_eq!(info.version, "v1.32.1");
    assert!(!info.boot_id.is_empty());
    assert_eq!(info.http_address, None);
    assert_eq!(server.state().requests[0].method, "GET");
}

#[tokio::test]
async fn health_follows_checks_and_tolerates_502() {
    let server = emulator();
    let client = with_layer(&server).await;
    assert!(client.health(None, &[]).await.unwrap());
    server.update(|s| s.set_check("alive", "down", 3));
    // Pebble answers 502 with a sync envelope: still a plain `false`.
    assert!(!client.health(None, &[]).await.unwrap());
    assert!(!client.health(Some(CheckLevel::Alive), &[]).await.unwrap());
    // `ready` also considers `alive` checks.
    assert!(!client.health(Some(CheckLevel::Ready), &[]).await.unwrap());
    assert!(client.health(None, &["ready"]).await.unwrap());
    let request = server.state().last_request("/v1/health").cloned().unwrap();
    assert_eq!(request.param("names"), Some("ready"));
}

#[tokio::test]
async fn add_layer_sends_yaml_and_plan_reads_it_back() {
    let server = emulator();
    let client = with_layer(&server).await;
    let body = server
        .state()
        .last_request("/v1/layers")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(body["action"], "add");
    assert_eq!(body["format"], "yaml");
    assert_eq!(body["label"], "base");
    assert_eq!(body["combine"], false);
    // `inner` is sent only when asked for, as ops never sends it.
    assert!(body.get("inner").is_none());
    let yaml = body["layer"].as_str().unwrap();
    assert!(yaml.contains("override: replace"), "{yaml}");

    let plan = client.plan().await.unwrap();
    assert_eq!(plan.services.len(), 5);
    assert_eq!(plan.services["web"].requires, ["db"]);
    assert_eq!(plan.checks["ready"].tcp.as_ref().unwrap().port, Some(8080));
    assert_eq!(
        server
            .state()
            .last_request("/v1/plan")
            .unwrap()
            .param("format"),
        Some("yaml")
    );

    // combine: the `web` entry merges into the existing layer.
    let mut tweak = Layer::default();
    tweak.services.insert(
        "web".into(),
        Service {
            override_: Some(Override::Merge),
            environment: [("DEBUG", "1")].into_iter().collect(),
            ..Service::default()
        },
    );
    client
        .add_layer("base", &tweak, &AddLayerOptions::new().combine(true))
        .await
        .unwrap();
    let plan = client.plan().await.unwrap();
    assert_eq!(plan.services["web"].environment.len(), 2);
    assert_eq!(plan.services["web"].command.as_deref(), Some("/bin/web"));
    assert_eq!(server.state().layers.len(), 1);

    // Without combine, an existing label is refused.
    let error = client
        .add_layer("base", &tweak, &AddLayerOptions::new())
        .await
        .unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");
    assert!(error.to_string().contains("already exists"), "{error}");

    // inner: a sub-directory label.
    client
        .add_layer("dir/extra", &tweak, &AddLayerOptions::new().inner(true))
        .await
        .unwrap();
    let body = server
        .state()
        .last_request("/v1/layers")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(body["inner"], true);
}

#[tokio::test]
async fn add_layer_errors_come_back_typed() {
    let server = emulator();
    let client = server.client();
    let error = client
        .add_layer(
            "pebble-reserved",
            &Layer::default(),
            &AddLayerOptions::new(),
        )
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 400);
    assert_eq!(api.operation, "POST /v1/layers");
    // A layer without `override` is refused by the daemon's merge.
    let bad = Layer::from_yaml("services: {x: {command: /bin/x}}").unwrap();
    let error = client
        .add_layer("bad", &bad, &AddLayerOptions::new())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains(r#"must define "override""#),
        "{error}"
    );
}

#[tokio::test]
async fn services_start_stop_restart() {
    let server = emulator();
    let client = with_layer(&server).await;
    let all = client.services(&[]).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(all.iter().all(|s| s.current == ServiceStatus::Inactive));

    let change = client.start_services(&["web"]).await.unwrap();
    assert_eq!(change.kind, ChangeKind::Start);
    assert_eq!(change.status, ChangeStatus::Done);
    assert!(change.ready);
    let started = server
        .state()
        .last_request("/v1/services")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        started,
        serde_json::json!({"action": "start", "services": ["web"]})
    );

    let services = client.services(&["web", "db"]).await.unwrap();
    assert_eq!(services.len(), 2);
    // `web` requires `db`: both run.
    assert!(services.iter().all(|s| s.is_running()), "{services:?}");
    let web = services.iter().find(|s| s.name == "web").unwrap();
    assert_eq!(web.startup, ServiceStartup::Enabled);
    assert!(web.current_since.is_some());
    assert_eq!(
        server
            .state()
            .last_request("/v1/services")
            .unwrap()
            .param("names"),
        Some("web,db")
    );

    let change = client.restart_services(&["web"]).await.unwrap();
    assert_eq!(change.kind, ChangeKind::Restart);
    assert_eq!(change.tasks[0].kind, "stop");

    client.stop_services(&["web", "db"]).await.unwrap();
    let services = client.services(&["web", "db"]).await.unwrap();
    assert!(services.iter().all(|s| !s.is_running()));
}

#[tokio::test]
async fn replan_and_autostart() {
    let server = emulator();
    let client = with_layer(&server).await;
    let change = client.autostart_services().await.unwrap();
    assert_eq!(change.kind, ChangeKind::Autostart);
    assert!(client.services(&["web"]).await.unwrap()[0].is_running());
    // Everything enabled already runs: Pebble still answers with a change.
    let change = client.replan_services().await.unwrap();
    assert_eq!(change.kind, ChangeKind::Replan);
    assert_eq!(change.summary, "Replan - no services");
    let sent = server
        .state()
        .last_request("/v1/services")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(sent["services"], serde_json::json!([]));

    // autostart without enabled services: kind `no-default-services`.
    let empty = emulator();
    let error = empty.client().autostart_services().await.unwrap_err();
    assert_eq!(error.kind(), Some(&ErrorKind::NoDefaultServices), "{error}");
}

#[tokio::test]
async fn failed_start_is_a_change_error_with_task_logs() {
    let server = emulator();
    let client = with_layer(&server).await;
    let error = client.start_services(&["broken"]).await.unwrap_err();
    let Error::Change(change_error) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(change_error.change.status, ChangeStatus::Error);
    assert!(
        change_error
            .err()
            .starts_with("cannot perform the following tasks:")
    );
    let text = error.to_string();
    assert!(text.contains("exited quickly with code 1"), "{text}");
    assert!(text.contains("----- Logs from task 0 -----"), "{text}");
    assert_eq!(change_error.change.task_logs().count(), 1);
    let status = &client.services(&["broken"]).await.unwrap()[0].current;
    assert_eq!(*status, ServiceStatus::Backoff);
}

#[tokio::test]
async fn start_waits_for_a_slow_change() {
    let server = emulator();
    let client = with_layer(&server).await;
    let change = client.start_services(&["slow"]).await.unwrap();
    assert_eq!(change.status, ChangeStatus::Done);
    assert!(client.services(&["slow"]).await.unwrap()[0].is_running());
    let wait = server
        .state()
        .last_request(&format!("/v1/changes/{}/wait", change.id))
        .cloned();
    let timeout = wait.as_ref().and_then(|w| w.param("timeout")).unwrap();
    // A Go duration, within the 5 s wait bound.
    assert!(timeout.ends_with('s'), "{timeout}");
}

#[tokio::test]
async fn waiting_on_a_change_that_never_finishes_times_out() {
    let server = emulator();
    let client = with_layer(&server).await;
    let id = client
        .service_operation(ServiceOperation::Start, &["stuck"])
        .await
        .unwrap();
    let error = client
        .wait_change(&id, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        error
            .to_string()
            .contains(&format!("waiting for change {id}")),
        "{error}"
    );
}

#[tokio::test]
async fn changes_list_get_and_abort() {
    let server = emulator();
    let client = with_layer(&server).await;
    client.start_services(&["db"]).await.unwrap();
    let id = client
        .service_operation(ServiceOperation::Start, &["stuck"])
        .await
        .unwrap();

    let in_progress = client
        .changes(ChangeSelect::InProgress, None)
        .await
        .unwrap();
    assert_eq!(in_progress.len(), 1);
    assert_eq!(in_progress[0].id, id);
    let ready = client.changes(ChangeSelect::Ready, None).await.unwrap();
    assert_eq!(ready.len(), 1, "db's start");
    let for_db = client.changes(ChangeSelect::All, Some("db")).await.unwrap();
    assert_eq!(for_db.len(), 1);
    let request = server.state().last_request("/v1/changes").cloned().unwrap();
    assert_eq!(request.param("select"), Some("all"));
    assert_eq!(request.param("for"), Some("db"));

    let change = client.change(&id).await.unwrap();
    assert_eq!(change.status, ChangeStatus::Doing);
    assert!(!change.ready);

    let aborted = client.abort_change(&id).await.unwrap();
    assert_eq!(aborted.id, id);
    let finished = client
        .wait_change(&id, Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(finished.status, ChangeStatus::Undone);
    assert_eq!(
        server
            .state()
            .last_request(&format!("/v1/changes/{id}"))
            .unwrap()
            .body,
        Some(serde_json::json!({"action": "abort"}))
    );

    // A finished change cannot be aborted.
    let error = client.abort_change(&id).await.unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");
    // An unknown change.
    let error = client.change(&"999".into()).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    let error = client
        .wait_change(&"999".into(), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test]
async fn signals() {
    let server = emulator();
    let client = with_layer(&server).await;
    client.start_services(&["web"]).await.unwrap();
    client.send_signal("SIGHUP", &["web", "db"]).await.unwrap();
    assert_eq!(
        server.state().signals,
        [("SIGHUP".to_owned(), vec!["web".to_owned(), "db".to_owned()])]
    );
    let error = client.send_signal("SIGHUP", &["broken"]).await.unwrap_err();
    assert_eq!(api_status(&error), Some(500), "{error}");
    let error = client.send_signal("hup", &["web"]).await.unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");
}

#[tokio::test]
async fn checks_get_start_stop_refresh() {
    let server = emulator();
    let client = with_layer(&server).await;
    let checks = client.checks(None, &[]).await.unwrap();
    assert_eq!(checks.len(), 3);
    let manual = checks.iter().find(|c| c.name == "manual").unwrap();
    assert_eq!(manual.status, CheckStatus::Inactive);
    assert_eq!(manual.level, None);
    let alive = client.checks(Some(CheckLevel::Alive), &[]).await.unwrap();
    assert_eq!(alive.len(), 1);
    assert_eq!(alive[0].threshold, 3);
    let named = client.checks(None, &["ready", "manual"]).await.unwrap();
    assert_eq!(named.len(), 2);

    assert_eq!(
        client.start_checks(&["manual", "alive"]).await.unwrap(),
        ["manual"]
    );
    assert_eq!(
        client.stop_checks(&["alive", "ready"]).await.unwrap(),
        ["alive", "ready"]
    );
    assert_eq!(
        client.stop_checks(&["alive"]).await.unwrap(),
        Vec::<String>::new()
    );
    let error = client.start_checks(&["nope"]).await.unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");

    server.update(|s| s.set_check("manual", "down", 4));
    let refreshed = client.refresh_check("manual").await.unwrap();
    assert_eq!(refreshed.info.status, CheckStatus::Down);
    assert_eq!(refreshed.info.failures, 4);
    assert!(refreshed.error.is_some());
    let error = client.refresh_check("nope").await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test]
async fn notices_notify_get_and_filter() {
    let server = emulator();
    let client = server.client();
    let options = NotifyOptions::new()
        .data("version", "2")
        .repeat_after(Duration::from_secs(3600));
    let id = client
        .notify("example.com/upgraded", &options)
        .await
        .unwrap();
    let sent = server
        .state()
        .last_request("/v1/notices")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"action": "add", "type": "custom", "key": "example.com/upgraded",
            "data": {"version": "2"}, "repeat-after": "1h0m0s"})
    );
    // Re-adding the same key is the same notice, one more occurrence.
    let again = client
        .notify("example.com/upgraded", &NotifyOptions::new())
        .await
        .unwrap();
    assert_eq!(again, id);
    let notice = client.notice(&id).await.unwrap();
    assert_eq!(notice.notice_type, NoticeType::Custom);
    assert_eq!(notice.occurrences, 2);
    assert_eq!(notice.repeat_after, None);
    assert_eq!(notice.expire_after, Some(Duration::from_secs(168 * 3600)));
    client
        .notify("example.com/other", &NotifyOptions::new())
        .await
        .unwrap();

    let all = client.notices(&NoticesQuery::new()).await.unwrap();
    assert_eq!(all.len(), 2);
    let by_key = client
        .notices(&NoticesQuery::new().key("example.com/other"))
        .await
        .unwrap();
    assert_eq!(by_key.len(), 1);
    let by_type = client
        .notices(&NoticesQuery::new().notice_type(NoticeType::ChangeUpdate))
        .await
        .unwrap();
    assert!(by_type.is_empty());
    let after = client
        .notices(&NoticesQuery::new().after(all[1].last_repeated))
        .await
        .unwrap();
    assert!(after.is_empty(), "{after:?}");
    let request = server.state().last_request("/v1/notices").cloned().unwrap();
    assert_eq!(
        request.param("after"),
        Some(all[1].last_repeated.to_string().as_str())
    );

    let error = client
        .notify("not-a-key", &NotifyOptions::new())
        .await
        .unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");
    let error = client.notice(&NoticeId::new("999")).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
}

#[tokio::test]
async fn notices_users_and_change_updates() {
    let server = emulator();
    let client = with_layer(&server).await;
    client.start_services(&["db"]).await.unwrap();
    let updates = client
        .notices(
            &NoticesQuery::new()
                .notice_type(NoticeType::ChangeUpdate)
                .all_users(),
        )
        .await
        .unwrap();
    assert!(!updates.is_empty());
    assert_eq!(updates[0].user_id, None);
    assert_eq!(
        server
            .state()
            .last_request("/v1/notices")
            .unwrap()
            .param("users"),
        Some("all")
    );
    client
        .notices(&NoticesQuery::new().user_id(0))
        .await
        .unwrap();
    assert_eq!(
        server
            .state()
            .last_request("/v1/notices")
            .unwrap()
            .param("user-id"),
        Some("0")
    );
}

#[tokio::test]
async fn notices_long_poll() {
    let server = emulator();
    let client = server.client();
    // Nothing arrives: an empty list, not an error.
    let none = client
        .notices(&NoticesQuery::new().timeout(Duration::from_millis(100)))
        .await
        .unwrap();
    assert!(none.is_empty());
    // A notice arriving while the client waits is returned.
    let notifier = server.client();
    let query = NoticesQuery::new()
        .key("example.com/late")
        .timeout(Duration::from_secs(10));
    let (waited, added) = tokio::join!(client.notices(&query), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        notifier
            .notify("example.com/late", &NotifyOptions::new())
            .await
    });
    let waited = waited.unwrap();
    assert_eq!(waited.len(), 1);
    assert_eq!(waited[0].id, added.unwrap());
    let request = server.state().last_get("/v1/notices").cloned().unwrap();
    assert_eq!(request.param("timeout"), Some("10s"));
}

#[tokio::test]
async fn identities() {
    let server = emulator();
    let client = server.client();
    let mut identities = BTreeMap::new();
    identities.insert(
        "alice".to_owned(),
        Some(Identity::local(IdentityAccess::Admin, 1000)),
    );
    identities.insert(
        "bob".to_owned(),
        Some(Identity::basic(IdentityAccess::Read, "$6$salt$hash")),
    );
    client.replace_identities(&identities).await.unwrap();
    let sent = server
        .state()
        .last_request("/v1/identities")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(sent["action"], "replace");
    assert_eq!(
        sent["identities"]["bob"]["basic"]["password"],
        "$6$salt$hash"
    );
    assert_eq!(sent["identities"]["alice"]["local"]["user-id"], 1000);

    let got = client.identities().await.unwrap();
    assert_eq!(got["alice"].access, IdentityAccess::Admin);
    assert_eq!(got["alice"].local.as_ref().unwrap().user_id, 1000);
    assert_eq!(got["bob"].basic.as_ref().unwrap().password, "*****");
    assert!(!format!("{:?}", identities["bob"]).contains("hash"));

    let carol = BTreeMap::from([(
        "carol".to_owned(),
        Identity::local(IdentityAccess::Metrics, 7),
    )]);
    client.add_identities(&carol).await.unwrap();
    let error = client.add_identities(&carol).await.unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");
    let carol = BTreeMap::from([("carol".to_owned(), Identity::local(IdentityAccess::Read, 7))]);
    client.update_identities(&carol).await.unwrap();
    assert_eq!(
        client.identities().await.unwrap()["carol"].access,
        IdentityAccess::Read
    );

    client.remove_identities(&["alice", "carol"]).await.unwrap();
    let sent = server
        .state()
        .last_request("/v1/identities")
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"action": "remove", "identities": {"alice": null, "carol": null}})
    );
    assert_eq!(client.identities().await.unwrap().len(), 1);
    let error = client.remove_identities(&["nobody"]).await.unwrap_err();
    assert_eq!(api_status(&error), Some(400), "{error}");
    // Removing by `replace` with null.
    let remove_bob = BTreeMap::from([("bob".to_owned(), None)]);
    client.replace_identities(&remove_bob).await.unwrap();
    assert!(client.identities().await.unwrap().is_empty());
}

#[tokio::test]
async fn logs_buffered_and_followed() {
    let server = emulator();
    let client = server.client();
    for i in 0..40 {
        server.add_log(if i % 2 == 0 { "web" } else { "db" }, &format!("line {i}"));
    }
    let default = client.logs(&LogsQuery::new()).await.unwrap();
    assert_eq!(default.len(), 30);
    assert_eq!(default.last().unwrap().message, "line 39");
    let web = client
        .logs(&LogsQuery::new().service("web").count(LogCount::Last(5)))
        .await
        .unwrap();
    assert_eq!(web.len(), 5);
    assert!(web.iter().all(|e| e.service == "web"));
    assert_eq!(
        server.state().last_request("/v1/logs").unwrap().param("n"),
        Some("5")
    );
    let all = client
        .logs(&LogsQuery::new().count(LogCount::All))
        .await
        .unwrap();
    assert_eq!(all.len(), 40);

    // Following: new lines arrive until the duration ends the stream.
    let mut stream = client
        .follow_logs(
            &LogsQuery::new().service("web").count(LogCount::Last(1)),
            Duration::from_millis(800),
        )
        .await
        .unwrap();
    assert_eq!(
        stream.next_entry().await.unwrap().unwrap().message,
        "line 38"
    );
    server.add_log("db", "not this");
    server.add_log("web", "fresh");
    assert_eq!(stream.next_entry().await.unwrap().unwrap().message, "fresh");
    assert!(stream.next_entry().await.is_none());
    assert_eq!(
        server
            .state()
            .last_request("/v1/logs")
            .unwrap()
            .param("follow"),
        Some("true")
    );
}
