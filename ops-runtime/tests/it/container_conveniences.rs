//! The Pebble conveniences on `Container` beyond the plain API calls:
//! `restart` on a Pebble too old to know it, signals by number, and notices
//! (get, list, wait, notify), changes (list, get, wait) and identities through
//! the harness's in-memory Pebble.

use std::time::Duration;

use std::collections::BTreeMap;

use ops_runtime::pebble::{
    Change, ChangeId, ChangeKind, ChangeSelect, ChangeStatus, Identity, IdentityAccess, Layer,
    NoticeId, NoticeType, NoticesQuery, NotifyOptions, ServiceStatus, Timestamp,
};
use ops_runtime::testing::{Container, Context, State};
use ops_runtime::*;

#[derive(Default)]
struct Conveniences;

const LAYER: &str = r#"
services:
  web:
    override: replace
    command: /bin/web
  worker:
    override: replace
    command: /bin/worker
"#;

#[charm(metadata_source = r#"
name: conveniences
containers:
  web:
    resource: web-image
resources:
  web-image:
    type: oci-image
config:
  options:
    mode:
      type: string
      default: ""
    dir:
      type: string
      default: ""
"#)]
impl Conveniences {
    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let mode = cx.config()?.get_str("mode").unwrap_or_default().to_owned();
        let web = cx.container(Self::CONTAINER_WEB);
        let report = match mode.as_str() {
            "restart" => {
                web.restart(&["web", "worker"])?;
                String::new()
            }
            "restart-unknown" => web
                .restart(&["web", "nope"])
                .map_err(|e| e.to_string())
                .err()
                .unwrap_or_default(),
            "signals" => {
                web.send_signal_number(1, &["web"])?;
                web.send_signal_number(15, &["web"])?;
                let refused: Vec<String> = [0, 32, -1]
                    .iter()
                    .filter_map(|n| web.send_signal_number(*n, &["web"]).err())
                    .map(|e| e.to_string())
                    .collect();
                refused.join("\n")
            }
            "notices" => {
                let custom = web.notices(&NoticesQuery::new().notice_type(NoticeType::Custom))?;
                let keyed = web.notices(&NoticesQuery::new().key("example.com/b"))?;
                let one = web.notice(&NoticeId::new("1"))?;
                let missing = web.notice(&NoticeId::new("99")).err();
                let waited = web.notices(
                    &NoticesQuery::new()
                        .key("example.com/none")
                        .timeout(Duration::from_secs(30)),
                )?;
                format!(
                    "{} {} {} {} {}",
                    custom.len(),
                    keyed
                        .iter()
                        .map(|n| n.id.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                    one.key,
                    missing.is_some_and(|e| e.to_string().contains("cannot find notice")),
                    waited.len(),
                )
            }
            "notify" => {
                let first = web.notify("example.com/backup", &NotifyOptions::new())?;
                let data = NotifyOptions::new()
                    .data("path", "/srv")
                    .repeat_after(Duration::from_secs(3600));
                let again = web.notify("example.com/backup", &data)?;
                let other = web.notify("example.com/other", &NotifyOptions::new())?;
                format!("{first} {again} {other}")
            }
            "changes" => {
                web.replan()?;
                web.restart(&["worker"])?;
                let all = web.changes(ChangeSelect::All, None)?;
                let worker = web.changes(ChangeSelect::All, Some("worker"))?;
                let running = web.changes(ChangeSelect::InProgress, None)?;
                let waited = web.wait_change(&all[1].id, Duration::from_secs(5))?;
                let stuck = web
                    .wait_change(&ChangeId::new("100"), Duration::from_secs(5))
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                let missing = web.change(&ChangeId::new("99")).is_err();
                let summaries: Vec<&str> = all.iter().map(|c| c.summary.as_str()).collect();
                format!(
                    "{} | {} {} {} {} | {stuck}",
                    summaries.join(", "),
                    worker.len(),
                    running.len(),
                    waited.summary,
                    missing
                )
            }
            "identities" => {
                let alice = Identity::basic(IdentityAccess::Read, "$6$hash");
                web.replace_identities(&BTreeMap::from([
                    ("alice".to_owned(), Some(alice)),
                    ("bob".to_owned(), None),
                ]))?;
                let seen = web.identities()?;
                let refused = web.remove_identities(&["carol", "nobody"]).is_err();
                web.remove_identities(&["carol"])?;
                let names: Vec<&str> = seen.keys().map(String::as_str).collect();
                format!(
                    "{} {} {refused}",
                    names.join(","),
                    seen["alice"]
                        .basic
                        .as_ref()
                        .map_or("", |b| b.password.as_str()),
                )
            }
            "push" => {
                let dir = std::path::PathBuf::from(cx.config()?.get_str("dir").unwrap_or_default());
                let error = web
                    .push_paths(
                        [
                            dir.join("*.conf"),
                            dir.join("sub"),
                            dir.join("missing"),
                            dir.join("none*"),
                        ],
                        "/etc/app",
                    )
                    .err()
                    .map(|e| (e.to_string(), e.failures.len()));
                // A `?` carries the error into the handler's `CharmError`.
                let ok: Result<(), CharmError> = web
                    .push_paths([dir.join("a.conf")], "/etc/copy")
                    .map_err(Into::into);
                ok?;
                format!("{error:?}")
            }
            "pull" => {
                let dir = std::path::PathBuf::from(cx.config()?.get_str("dir").unwrap_or_default());
                web.pull_paths(
                    ["/etc/app/*.conf", "/srv/data", "/nope", "/etc/app/*.none"],
                    &dir,
                )
                .err()
                .map(|e| format!("{} {}", e.failures.len(), e))
                .unwrap_or_default()
            }
            _ => String::new(),
        };
        cx.set_workload_version(&report)?;
        Ok(())
    }
}

fn run(mode: &str, web: Container) -> Result<State, testing::RunError> {
    Context::<Conveniences>::new().run(
        Event::ConfigChanged,
        State::new().with_config("mode", mode).with_container(web),
    )
}

fn version(state: &State) -> &str {
    state.workload_version.as_deref().unwrap_or_default()
}

fn web_with_layer() -> Container {
    Container::new("web").with_layer("web", Layer::from_yaml(LAYER).unwrap())
}

#[test]
fn restart_stops_and_starts_on_a_pebble_that_refuses_restart() {
    let old = web_with_layer()
        .with_service_status("web", ServiceStatus::Active)
        .with_restart_unsupported(true);
    let out = run("restart", old).unwrap();
    let web = out.container("web").unwrap();
    assert_eq!(web.service_status("web"), ServiceStatus::Active);
    assert_eq!(web.service_status("worker"), ServiceStatus::Active);
}

#[test]
fn restart_restarts_on_a_current_pebble() {
    let out = run("restart", web_with_layer()).unwrap();
    let web = out.container("web").unwrap();
    assert_eq!(web.service_status("web"), ServiceStatus::Active);
    assert_eq!(web.service_status("worker"), ServiceStatus::Active);
}

#[test]
fn restart_fallback_still_reports_an_unknown_service() {
    let old = web_with_layer()
        .with_service_status("web", ServiceStatus::Active)
        .with_restart_unsupported(true);
    let out = run("restart-unknown", old).unwrap();
    assert!(version(&out).contains("nope"), "{}", version(&out));
    // Nothing was stopped on the way to the error.
    let web = out.container("web").unwrap();
    assert_eq!(web.service_status("web"), ServiceStatus::Active);
}

#[test]
fn restart_fallback_is_not_taken_for_other_errors() {
    let unreachable = web_with_layer()
        .with_restart_unsupported(true)
        .with_can_connect(false);
    let error = run("restart", unreachable).unwrap_err();
    assert!(error.to_string().contains("can_connect"), "{error}");
}

#[test]
fn signals_by_number_reach_pebble_by_name() {
    let web = web_with_layer().with_service_status("web", ServiceStatus::Active);
    let out = run("signals", web).unwrap();
    let signals = &out.container("web").unwrap().signals;
    let web = vec!["web".to_owned()];
    assert_eq!(
        signals,
        &[
            ("SIGHUP".to_owned(), web.clone()),
            ("SIGTERM".to_owned(), web)
        ]
    );
    let refused: Vec<&str> = version(&out).lines().collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    for (line, number) in refused.iter().zip(["0", "32", "-1"]) {
        assert!(
            line.contains(&format!("cannot send signal {number}:")),
            "{line}"
        );
    }
}

#[test]
fn notices_can_be_listed_got_and_waited_for() {
    let web = Container::new("web")
        .with_custom_notice("example.com/a")
        .with_custom_notice("example.com/b");
    let out = run("notices", web).unwrap();
    // A wait with nothing matching answers an empty list, as Pebble does
    // when its timeout passes; the in-memory Pebble does not sleep.
    assert_eq!(version(&out), "2 2 example.com/a true 0");
}

#[test]
fn notify_records_one_notice_per_key_and_counts_occurrences() {
    let web = Container::new("web").with_custom_notice("example.com/a");
    let out = run("notify", web).unwrap();
    // IDs follow the notice already there; a second occurrence keeps its ID.
    assert_eq!(version(&out), "2 2 3");
    let notices = &out.container("web").unwrap().notices;
    let backup = notices
        .iter()
        .find(|n| n.key == "example.com/backup")
        .unwrap();
    assert_eq!(backup.notice_type, NoticeType::Custom);
    assert_eq!(backup.occurrences, 2);
    assert_eq!(backup.last_data["path"], "/srv");
    assert_eq!(backup.repeat_after, Some(Duration::from_secs(3600)));
}

#[test]
fn notify_fails_when_pebble_is_down() {
    let out = run("notify", Container::new("web").with_can_connect(false));
    assert!(out.is_err());
}

#[test]
fn service_operations_are_changes_the_charm_can_list_and_wait_for() {
    let now = Timestamp::now();
    let stuck = Change {
        id: ChangeId::new("100"),
        kind: ChangeKind::Start,
        summary: "Start service \"web\"".to_owned(),
        status: ChangeStatus::Doing,
        tasks: Vec::new(),
        ready: false,
        err: None,
        spawn_time: now,
        ready_time: None,
        data: Default::default(),
    };
    let enabled = Layer::from_yaml(
        "services:\n  web: {override: replace, command: /bin/web, startup: enabled}\n  worker: {override: replace, command: /bin/worker, startup: enabled}\n",
    )
    .unwrap();
    let web = Container::new("web")
        .with_layer("web", enabled)
        .with_change(stuck);
    let out = run("changes", web).unwrap();
    // The change the test put there, then the charm's replan and restart, in
    // Pebble's words; one affected `worker`; one is in progress; waiting on
    // the replan returns it; the stuck one times out; an unknown ID is an error.
    let report = version(&out);
    assert!(
        report.starts_with(
            "Start service \"web\", Replan service \"web\" and 1 more, Restart service \"worker\" | 2 1 Replan service \"web\" and 1 more true | "
        ),
        "{report}"
    );
    assert!(report.contains("waiting for change 100"), "{report}");
    let changes = &out.container("web").unwrap().changes;
    assert_eq!(changes.len(), 3);
    assert!(
        changes[1..]
            .iter()
            .all(|c| c.ready && c.status == ChangeStatus::Done)
    );
}

#[test]
fn identities_are_replaced_read_masked_and_removed_all_or_nothing() {
    let web = Container::new("web")
        .with_identity("bob", Identity::local(IdentityAccess::Admin, 1000))
        .with_identity("carol", Identity::local(IdentityAccess::Read, 1001));
    let out = run("identities", web).unwrap();
    // bob removed by `None`, alice added, her password masked when read back;
    // removing an unknown name fails and removes nothing, then carol goes.
    assert_eq!(version(&out), "alice,carol ***** true");
    let identities = &out.container("web").unwrap().identities;
    assert_eq!(identities.keys().collect::<Vec<_>>(), ["alice"]);
    // The state keeps what the charm wrote.
    assert_eq!(
        identities["alice"].basic.as_ref().unwrap().password,
        "$6$hash"
    );
}

/// A fresh local directory for one test, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ops-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run_in(mode: &str, dir: &Scratch, web: Container) -> State {
    Context::<Conveniences>::new()
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", mode)
                .with_config("dir", dir.0.to_string_lossy().into_owned())
                .with_container(web),
        )
        .unwrap()
}

#[test]
fn push_paths_copies_every_source_and_glob_and_lists_every_failure() {
    let local = Scratch::new("push-paths");
    for (path, data) in [
        ("a.conf", "a"),
        ("b.conf", "b"),
        ("c.txt", "c"),
        ("sub/d.conf", "d"),
    ] {
        let path = local.0.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    let out = run_in("push", &local, Container::new("web"));
    let report = version(&out);
    assert!(
        report.contains("cannot push 2 paths to container `web`"),
        "{report}"
    );
    assert!(report.contains("missing`"), "{report}");
    assert!(report.contains("none*`: "), "{report}");
    assert!(report.ends_with(", 2))"), "{report}");
    let web = out.container("web").unwrap();
    assert_eq!(web.file("/etc/app/a.conf"), Some(&b"a"[..]));
    assert_eq!(web.file("/etc/app/b.conf"), Some(&b"b"[..]));
    assert_eq!(web.file("/etc/app/c.txt"), None);
    assert_eq!(web.file("/etc/app/sub/d.conf"), Some(&b"d"[..]));
    assert_eq!(web.file("/etc/copy/a.conf"), Some(&b"a"[..]));
}

#[test]
fn pull_paths_copies_every_source_and_glob_and_lists_every_failure() {
    let local = Scratch::new("pull-paths");
    let web = Container::new("web")
        .with_file("/etc/app/a.conf", "a")
        .with_file("/etc/app/b.conf", "b")
        .with_file("/etc/app/c.txt", "c")
        .with_file("/srv/data/sub/y", "y");
    let out = run_in("pull", &local, web);
    let report = version(&out);
    assert!(
        report.starts_with("2 cannot pull 2 paths from container `web`"),
        "{report}"
    );
    assert!(report.contains("`/nope`"), "{report}");
    assert!(report.contains("`/etc/app/*.none`: "), "{report}");
    let read = |path: &str| std::fs::read_to_string(local.0.join(path)).ok();
    assert_eq!(read("a.conf").as_deref(), Some("a"));
    assert_eq!(read("b.conf").as_deref(), Some("b"));
    assert_eq!(read("c.txt"), None);
    assert_eq!(read("data/sub/y").as_deref(), Some("y"));
}
