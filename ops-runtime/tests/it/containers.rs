//! Workload containers through the harness's in-memory Pebble: layers and
//! their merge rules, services and replan, files, exec mocks, checks, notices,
//! and the consistency checks on containers.

use ops_runtime::pebble::{
    Error as PebbleError, ErrorKind, Exec, Layer, ListFilesOptions, MakeDirOptions, NoticeId,
    ServiceStatus,
};
use ops_runtime::testing::{Container, Context, ExecMock, RunError, State, check_info};
use ops_runtime::*;

#[derive(Default)]
struct Workload;

const WEB_LAYER: &str = r#"
summary: web
services:
  web:
    override: replace
    command: /bin/web --port 80
    startup: enabled
    environment:
      MODE: prod
"#;

#[charm(metadata_source = r#"
name: workload
containers:
  web:
    resource: web-image
  sidecar:
    resource: sidecar-image
resources:
  web-image:
    type: oci-image
  sidecar-image:
    type: oci-image
config:
  options:
    mode:
      type: string
      default: ""
"#)]
impl Workload {
    #[on(web_pebble_ready)]
    fn ready(&mut self, cx: &mut HookContext, event: PebbleReadyEvent) -> Result<(), CharmError> {
        let web = cx.container_for(&event);
        if !web.can_connect() {
            cx.set_workload_version("unreachable")?;
            return Ok(());
        }
        web.write_file("/etc/web/web.conf", "listen 80\n")?;
        web.apply_layer("web", &Layer::from_yaml(WEB_LAYER)?)?;
        Ok(())
    }

    #[on(web_pebble_custom_notice)]
    fn notice(
        &mut self,
        cx: &mut HookContext,
        event: PebbleCustomNoticeEvent,
    ) -> Result<(), CharmError> {
        let notice = cx
            .container_for(&event)
            .notice(&NoticeId::new(event.notice.id.clone()))?;
        cx.set_workload_version(&format!("notice {}", notice.key))?;
        Ok(())
    }

    #[on(web_pebble_check_failed)]
    fn check_failed(
        &mut self,
        cx: &mut HookContext,
        event: PebbleCheckFailedEvent,
    ) -> Result<(), CharmError> {
        let checks = cx.container_for(&event).checks(None, &[&event.check])?;
        cx.set_workload_version(&format!("{} {}", checks[0].name, checks[0].failures))?;
        Ok(())
    }

    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let mode = cx.config()?.get_str("mode").unwrap_or_default().to_owned();
        let web = cx.container(Self::CONTAINER_WEB);
        let report = match mode.as_str() {
            "merge" => {
                let layer = Layer::from_yaml(
                    r#"
services:
  web:
    override: merge
    environment:
      DEBUG: "1"
    after: [db]
  db:
    override: replace
    command: /bin/db
"#,
                )?;
                web.add_layer("tweak", &layer, false)?;
                web.replan()?;
                String::new()
            }
            "replan" => {
                let layer = Layer::from_yaml(
                    r#"
services:
  sidecar: {override: merge, command: /bin/sidecar --v2}
  idle: {override: merge, command: /bin/idle --v2}
"#,
                )?;
                web.apply_layer("change", &layer)?;
                String::new()
            }
            "replace-layer" => {
                let layer =
                    Layer::from_yaml("services: {web: {override: replace, command: /bin/other}}")?;
                match web.add_layer("web", &layer, false) {
                    Err(ModelError::Pebble { source, .. }) => source.to_string(),
                    other => format!("{other:?}"),
                }
            }
            "no-override" => {
                let layer = Layer::from_yaml("services: {x: {command: /bin/x}}")?;
                match web.add_layer("x", &layer, false) {
                    Err(e) => e.to_string(),
                    Ok(()) => "added".to_owned(),
                }
            }
            "services" => {
                web.stop(&["web"])?;
                let stopped = web.is_running("web")?;
                web.start(&["web"])?;
                web.restart(&["web"])?;
                let missing = web.start(&["nope"]).is_err();
                let service = web.service("web")?;
                format!(
                    "{stopped} {} {missing} {:?}",
                    web.is_running("web")?,
                    service.map(|s| s.startup)
                )
            }
            "files" => {
                let orphan = match web.write_file("relative", "x") {
                    Err(ModelError::Pebble { source, .. }) => source.kind().cloned(),
                    _ => None,
                };
                let no_parent = match web.push("/no/such/file", "x", &Default::default()) {
                    Err(ModelError::Pebble { source, .. }) => source.kind().cloned(),
                    _ => None,
                };
                web.make_dir("/srv/app", &MakeDirOptions::new().make_parents(true))?;
                web.write_file("/srv/app/a.conf", "a")?;
                web.write_file("/srv/app/b.txt", "b")?;
                web.write_file("/srv/app/sub/c.conf", "c")?;
                let confs: Vec<String> = web
                    .list_files("/srv/app", &ListFilesOptions::new().pattern("*.conf"))?
                    .into_iter()
                    .map(|f| f.path)
                    .collect();
                let pulled = String::from_utf8(web.pull("/srv/app/a.conf")?)?;
                let not_empty = web.remove_path("/srv/app", false).is_err();
                web.remove_path("/srv/app/sub", true)?;
                let gone = !web.exists("/srv/app/sub/c.conf")?;
                let missing = match web.pull("/srv/app/sub/c.conf") {
                    Err(ModelError::Pebble { source, .. }) => source.is_not_found(),
                    _ => false,
                };
                format!("{orphan:?} {no_parent:?} {confs:?} {pulled} {not_empty} {gone} {missing}")
            }
            "exec" => {
                let version = web.exec(
                    &Exec::new(["web", "--version"])
                        .env("LANG", "C")
                        .working_dir("/srv")
                        .stdin("input"),
                )?;
                let failed = web.exec(&Exec::new(["web", "check", "--strict"]));
                let code = web.exec_result(&Exec::new(["web", "check", "--strict"]))?;
                let unmocked = web.exec(&Exec::new(["ls"])).is_err();
                let failed = match failed {
                    Err(ModelError::Pebble { source, .. }) => {
                        matches!(*source, PebbleError::Exec(ref e) if e.exit_code == 2)
                    }
                    _ => false,
                };
                format!(
                    "{} {failed} {} {} {unmocked}",
                    version.stdout_lossy().trim(),
                    code.exit_code,
                    code.stderr_lossy_for_test()
                )
            }
            "unreachable" => {
                let sidecar = cx.container(Self::CONTAINER_SIDECAR);
                let connected = sidecar.can_connect();
                match sidecar.plan() {
                    Err(ModelError::Pebble { source, .. }) => {
                        format!("{connected} {}", source.is_connection())
                    }
                    other => format!("{other:?}"),
                }
            }
            "by-name" => match cx.container_by_name("sidecra") {
                Err(error @ ModelError::UnknownContainer { .. }) => error.to_string(),
                other => format!("{other:?}"),
            },
            _ => return Ok(()),
        };
        cx.set_workload_version(&report)?;
        Ok(())
    }
}

/// A little helper so the report above stays on one line.
trait StderrText {
    fn stderr_lossy_for_test(&self) -> String;
}

impl StderrText for ops_runtime::pebble::ExecResult {
    fn stderr_lossy_for_test(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_owned()
    }
}

fn version(state: &State) -> &str {
    state.workload_version.as_deref().unwrap_or_default()
}

fn web() -> Container {
    Container::new("web")
}

#[test]
fn container_constants_are_generated() {
    assert_eq!(Workload::CONTAINER_WEB.name(), "web");
    assert_eq!(Workload::CONTAINER_SIDECAR.to_string(), "sidecar");
}

#[test]
fn pebble_ready_adds_the_layer_starts_the_service_and_writes_the_config() {
    let mut ctx = Context::<Workload>::new();
    let container = web();
    let out = ctx
        .run(
            container.pebble_ready_event(),
            State::new().with_container(container),
        )
        .unwrap();
    let web = out.container("web").unwrap();
    let plan = web.plan().unwrap();
    assert_eq!(
        plan.services["web"].command.as_deref(),
        Some("/bin/web --port 80")
    );
    assert_eq!(
        web.layer("web"),
        Some(&Layer::from_yaml(WEB_LAYER).unwrap())
    );
    assert_eq!(web.service_status("web"), ServiceStatus::Active);
    assert_eq!(web.file("/etc/web/web.conf"), Some(&b"listen 80\n"[..]));
    assert!(ctx.warnings().is_empty());
}

#[test]
fn layers_merge_with_pebbles_rules_and_replan_starts_enabled_services() {
    let mut ctx = Context::<Workload>::new();
    let container = web()
        .with_layer("web", Layer::from_yaml(WEB_LAYER).unwrap())
        .with_service_status("web", ServiceStatus::Active);
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "merge")
                .with_container(container),
        )
        .unwrap();
    let web = out.container("web").unwrap();
    let labels: Vec<&str> = web.layers.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(labels, ["web", "tweak"]);
    let plan = web.plan().unwrap();
    let service = &plan.services["web"];
    // Merged: the command stays, the environment merges, `after` is appended.
    assert_eq!(service.command.as_deref(), Some("/bin/web --port 80"));
    assert_eq!(service.environment.len(), 2);
    assert_eq!(service.environment["DEBUG"], "1");
    assert_eq!(service.after, ["db"]);
    // The changed, running service was restarted; `db` is not enabled.
    assert_eq!(web.service_status("web"), ServiceStatus::Active);
    assert_eq!(web.service_status("db"), ServiceStatus::Inactive);
}

#[test]
fn replan_restarts_changed_running_services_only() {
    // `sidecar` is disabled and running: when its configuration changes,
    // replan restarts it. `idle` is disabled and stopped: it stays so.
    let base = Layer::from_yaml(
        r#"
services:
  sidecar: {override: replace, command: /bin/sidecar}
  idle: {override: replace, command: /bin/idle}
"#,
    )
    .unwrap();
    let container = web()
        .with_layer("base", base)
        .with_service_status("sidecar", ServiceStatus::Active);
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "replan")
                .with_container(container),
        )
        .unwrap();
    let web = out.container("web").unwrap();
    assert_eq!(
        web.plan().unwrap().services["sidecar"].command.as_deref(),
        Some("/bin/sidecar --v2")
    );
    assert_eq!(web.service_status("sidecar"), ServiceStatus::Active);
    assert_eq!(web.service_status("idle"), ServiceStatus::Inactive);
}

#[test]
fn adding_an_existing_label_without_combine_fails() {
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "replace-layer")
                .with_container(web().with_layer("web", Layer::from_yaml(WEB_LAYER).unwrap())),
        )
        .unwrap();
    assert!(
        version(&out).contains(r#"layer "web" already exists"#),
        "{}",
        version(&out)
    );
}

#[test]
fn a_layer_entry_without_override_is_refused() {
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "no-override")
                .with_container(web()),
        )
        .unwrap();
    assert!(version(&out).contains("override"), "{}", version(&out));
    assert!(out.container("web").unwrap().layers.is_empty());
}

#[test]
fn services_start_stop_and_restart() {
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "services").with_container(
                web()
                    .with_layer("web", Layer::from_yaml(WEB_LAYER).unwrap())
                    .with_service_status("web", ServiceStatus::Active),
            ),
        )
        .unwrap();
    assert_eq!(version(&out), "false true true Some(Enabled)");
}

#[test]
fn the_file_system_follows_pebbles_rules() {
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "files")
                .with_container(web()),
        )
        .unwrap();
    assert_eq!(
        version(&out),
        r#"Some(GenericFileError) Some(NotFound) ["/srv/app/a.conf"] a true true true"#
    );
    let web = out.container("web").unwrap();
    assert_eq!(web.file("/srv/app/b.txt"), Some(&b"b"[..]));
    assert_eq!(web.file("/srv/app/sub/c.conf"), None);
}

#[test]
fn exec_mocks_match_the_longest_prefix_and_are_recorded() {
    let mut ctx = Context::<Workload>::new();
    let container = web()
        .with_exec(ExecMock::new(["web"]).stdout("generic\n"))
        .with_exec(ExecMock::new(["web", "--version"]).stdout("web 1.2\n"))
        .with_exec(
            ExecMock::new(["web", "check"])
                .exit_code(2)
                .stderr("bad config\n"),
        );
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "exec")
                .with_container(container),
        )
        .unwrap();
    assert_eq!(version(&out), "web 1.2 true 2 bad config true");
    let history = &ctx.exec_history()["web"];
    // The unmocked `ls` failed before running, so it is not in the history.
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].command, ["web", "--version"]);
    assert_eq!(history[0].environment["LANG"], "C");
    assert_eq!(history[0].working_dir.as_deref(), Some("/srv"));
    assert_eq!(history[0].stdin.as_deref(), Some(&b"input"[..]));
}

#[test]
fn a_container_that_cannot_connect_fails_every_call() {
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "unreachable")
                .with_container(Container::new("sidecar").with_can_connect(false)),
        )
        .unwrap();
    assert_eq!(version(&out), "false true");

    // A container the state does not have is as unreachable.
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "unreachable"),
        )
        .unwrap();
    assert_eq!(version(&out), "false true");
}

#[test]
fn pebble_ready_with_a_container_that_cannot_connect_warns() {
    let mut ctx = Context::<Workload>::new();
    let container = web().with_can_connect(false);
    let out = ctx
        .run(
            container.pebble_ready_event(),
            State::new().with_container(container),
        )
        .unwrap();
    assert_eq!(version(&out), "unreachable");
    assert!(
        ctx.warnings()[0].contains("can_connect"),
        "{:?}",
        ctx.warnings()
    );
}

#[test]
fn an_unknown_container_name_is_an_error() {
    let mut ctx = Context::<Workload>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "by-name"),
        )
        .unwrap();
    assert_eq!(
        version(&out),
        "the charm's metadata declares no container `sidecra`; did you mean `sidecar`? \
         (`cx.container(Self::CONTAINER_SIDECAR)` is checked at compile time)"
    );
}

#[test]
fn notices_and_checks_reach_the_handlers() {
    let mut ctx = Context::<Workload>::new();
    let container = web().with_custom_notice("example.com/reload");
    let notice = container.notices[0].clone();
    let out = ctx
        .run(
            container.custom_notice_event(&notice),
            State::new().with_container(container),
        )
        .unwrap();
    assert_eq!(version(&out), "notice example.com/reload");

    let mut info = check_info("alive");
    info.failures = 3;
    let container = web()
        .with_layer("checks", alive_check())
        .with_check_info(info);
    let out = ctx
        .run(
            container.check_failed_event("alive"),
            State::new().with_container(container),
        )
        .unwrap();
    assert_eq!(version(&out), "alive 3");
}

/// A layer defining the `alive` check.
fn alive_check() -> Layer {
    Layer::from_yaml(
        "checks:\n  alive:\n    override: replace\n    level: alive\n    \
         http: {url: 'http://localhost:8080/health'}\n",
    )
    .unwrap()
}

fn inconsistent(result: Result<State, RunError>) -> Vec<String> {
    match result {
        Err(RunError::Inconsistent(problems)) => problems,
        other => panic!("expected an inconsistent setup, got {other:?}"),
    }
}

#[test]
fn containers_are_checked_against_the_metadata_and_the_event() {
    let mut ctx = Context::<Workload>::new();
    let problems = inconsistent(ctx.run(
        Event::ConfigChanged,
        State::new().with_container(Container::new("db")),
    ));
    assert!(
        problems[0].contains("container `db` is not declared"),
        "{problems:?}"
    );

    let problems = inconsistent(ctx.run(web().pebble_ready_event(), State::new()));
    assert!(problems[0].contains("not in the state"), "{problems:?}");

    let notice = web().with_custom_notice("k").notices[0].clone();
    let problems = inconsistent(ctx.run(
        web().custom_notice_event(&notice),
        State::new().with_container(web()),
    ));
    assert!(problems[0].contains("notice 1"), "{problems:?}");

    let problems = inconsistent(ctx.run(
        web().check_recovered_event("alive"),
        State::new().with_container(web()),
    ));
    assert!(problems[0].contains("check `alive`"), "{problems:?}");

    let problems = inconsistent(
        ctx.run(
            Event::ConfigChanged,
            State::new().with_container(
                web()
                    .with_exec(ExecMock::new(["ls"]))
                    .with_exec(ExecMock::new(["ls"]).exit_code(1)),
            ),
        ),
    );
    assert!(problems[0].contains("twice"), "{problems:?}");

    // Pebble knows only the checks and services of its plan.
    let problems = inconsistent(
        ctx.run(
            Event::UpdateStatus,
            State::new().with_container(
                web()
                    .with_check_info(check_info("alive"))
                    .with_service_status("ghost", ops_runtime::pebble::ServiceStatus::Active),
            ),
        ),
    );
    assert_eq!(
        problems,
        [
            "container `web` has check info for `alive`, which no layer of its plan defines; \
             add the check to a layer with `with_layer`",
            "container `web` has service `ghost` Active, but no layer of its plan defines it",
        ]
    );
    let state = State::new().with_container(
        web()
            .with_layer("checks", alive_check())
            .with_check_info(check_info("alive")),
    );
    assert!(ctx.run(Event::UpdateStatus, state).is_ok());
}

#[test]
fn pebble_errors_keep_their_kind() {
    let error = ModelError::Pebble {
        container: "web".into(),
        source: Box::new(PebbleError::Path(Box::new(
            ops_runtime::pebble::PathError {
                path: "/x".into(),
                kind: ErrorKind::NotFound,
                message: "no such file or directory".into(),
            },
        ))),
    };
    assert_eq!(
        error.to_string(),
        "container `web`: /x: no such file or directory (not-found)"
    );
}
