//! Container operations beyond the basics: signals, starting and stopping
//! checks (a security event when monitoring stops), directories, and copying
//! whole trees between the charm's machine and the container.

use std::path::PathBuf;

use ops_runtime::pebble::{CheckStatus, Layer, ServiceStatus};
use ops_runtime::testing::{Container, Context, State, check_info};
use ops_runtime::*;

#[derive(Default)]
struct Ops;

#[charm(metadata_source = r#"
name: ops
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
    local:
      type: string
      default: ""
"#)]
impl Ops {
    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let mode = cx.config()?.get_str("mode").unwrap_or_default().to_owned();
        let local = PathBuf::from(cx.config()?.get_str("local").unwrap_or_default());
        let web = cx.container(Self::CONTAINER_WEB);
        let report = match mode.as_str() {
            "signal" => {
                web.send_signal("SIGHUP", &["web"])?;
                let refused = web.send_signal("SIGHUP", &["idle"]).is_err();
                format!("refused {refused}")
            }
            "checks" => {
                let stopped = web.stop_checks(&["alive"])?;
                let again = web.stop_checks(&["alive"])?;
                let unknown = web.stop_checks(&["nope"]).is_err();
                format!("{stopped:?} {again:?} {unknown}")
            }
            "start-checks" => format!("{:?}", web.start_checks(&["alive"])?),
            "trees" => {
                web.push_path(local.join("site"), "/srv")?;
                let dirs = format!(
                    "{} {} {}",
                    web.is_dir("/srv/site")?,
                    web.is_dir("/srv/site/index.html")?,
                    web.is_dir("/nope")?
                );
                web.pull_path("/srv/site", local.join("back"))?;
                dirs
            }
            _ => String::new(),
        };
        cx.set_workload_version(&report)?;
        Ok(())
    }
}

const LAYER: &str = r#"
services:
  web: {override: replace, command: /bin/web, startup: enabled}
  idle: {override: replace, command: /bin/idle}
checks:
  alive: {override: replace, level: alive, http: {url: "http://localhost/"}}
"#;

fn web() -> Container {
    Container::new("web")
        .with_layer("base", Layer::from_yaml(LAYER).unwrap())
        .with_service_status("web", ServiceStatus::Active)
        .with_check_info(check_info("alive"))
}

fn run(mode: &str, local: &str) -> (Context<Ops>, State) {
    let mut ctx = Context::<Ops>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", mode)
                .with_config("local", local)
                .with_container(web()),
        )
        .unwrap();
    (ctx, out)
}

#[test]
fn signals_reach_running_services_only() {
    let (_, out) = run("signal", "");
    assert_eq!(out.workload_version.as_deref(), Some("refused true"));
    let web = out.container("web").unwrap();
    assert_eq!(web.signals, [("SIGHUP".to_owned(), vec!["web".to_owned()])]);
}

#[test]
fn stopping_checks_is_logged_as_monitoring_disabled() {
    let (ctx, out) = run("checks", "");
    assert_eq!(
        out.workload_version.as_deref(),
        Some(r#"["alive"] [] true"#)
    );
    let web = out.container("web").unwrap();
    assert_eq!(web.check_infos[0].status, CheckStatus::Inactive);
    let events: Vec<serde_json::Value> = ctx
        .juju_log()
        .iter()
        .filter(|line| line.level == LogLevel::Trace)
        .map(|line| serde_json::from_str(&line.message).unwrap())
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "sys_monitor_disabled:web,alive");
    assert_eq!(events[0]["level"], "WARN");
}

#[test]
fn starting_a_stopped_check_reports_it() {
    let mut ctx = Context::<Ops>::new();
    let mut stopped = check_info("alive");
    stopped.status = CheckStatus::Inactive;
    let container = Container::new("web")
        .with_layer("base", Layer::from_yaml(LAYER).unwrap())
        .with_check_info(stopped);
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new()
                .with_config("mode", "start-checks")
                .with_container(container),
        )
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some(r#"["alive"]"#));
    assert_eq!(
        out.container("web").unwrap().check_infos[0].status,
        CheckStatus::Up
    );
}

#[test]
fn trees_are_copied_both_ways() {
    use std::os::unix::fs::PermissionsExt;
    let local = std::env::temp_dir().join(format!("container-ops-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&local);
    std::fs::create_dir_all(local.join("site/css")).unwrap();
    std::fs::write(local.join("site/index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(local.join("site/css/main.css"), "h1 {}").unwrap();
    std::fs::set_permissions(
        local.join("site/index.html"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();

    let (_, out) = run("trees", &local.display().to_string());
    assert_eq!(out.workload_version.as_deref(), Some("true false false"));
    let web = out.container("web").unwrap();
    assert_eq!(web.file("/srv/site/index.html"), Some(&b"<h1>hi</h1>"[..]));
    assert_eq!(web.file("/srv/site/css/main.css"), Some(&b"h1 {}"[..]));
    assert_eq!(
        std::fs::read_to_string(local.join("back/site/css/main.css")).unwrap(),
        "h1 {}"
    );
    assert_eq!(
        std::fs::read_to_string(local.join("back/site/index.html")).unwrap(),
        "<h1>hi</h1>"
    );
    std::fs::remove_dir_all(local).unwrap();
}
