//! State-transition tests of the tinyproxy charm, ported from ops's
//! machine-tinyproxy unit tests.

use std::cell::RefCell;
use std::rc::Rc;

use ops_runtime::testing::{Action, Context, Relation, RunError, State};
use ops_runtime::{Event, Status, StatusKind};
use tinyproxy::workload::{Workload, WorkloadError};
use tinyproxy::{PORT, TinyproxyCharm};

/// What the fake tinyproxy has been asked to do.
#[derive(Debug, Default, Clone, PartialEq)]
struct Proxy {
    config: Option<(u16, String)>,
    installed: bool,
    running: bool,
    reloaded: bool,
    fail_start: bool,
}

/// A tinyproxy that lives in memory, shared with the test.
#[derive(Clone, Default)]
struct FakeTinyproxy(Rc<RefCell<Proxy>>);

impl Workload for FakeTinyproxy {
    fn is_installed(&self) -> bool {
        self.0.borrow().installed
    }
    fn install(&mut self) -> Result<(), WorkloadError> {
        self.0.borrow_mut().installed = true;
        Ok(())
    }
    fn uninstall(&mut self) -> Result<(), WorkloadError> {
        let mut p = self.0.borrow_mut();
        p.installed = false;
        p.config = None;
        Ok(())
    }
    fn version(&self) -> Result<String, WorkloadError> {
        Ok("1.11.0".to_owned())
    }
    fn current_config(&self) -> Option<String> {
        let p = self.0.borrow();
        p.config
            .as_ref()
            .map(|(port, slug)| format!("Port {port}\nReversePath \"/{slug}/\"\n"))
    }
    fn ensure_config(&mut self, port: u16, slug: &str) -> Result<bool, WorkloadError> {
        let new = Some((port, slug.to_owned()));
        let mut p = self.0.borrow_mut();
        let changed = p.config != new;
        p.config = new;
        Ok(changed)
    }
    fn is_running(&self) -> bool {
        self.0.borrow().running
    }
    fn start(&mut self) -> Result<(), WorkloadError> {
        let mut p = self.0.borrow_mut();
        if p.fail_start {
            return Err(WorkloadError::Timeout("was not running"));
        }
        p.running = true;
        Ok(())
    }
    fn stop(&mut self) -> Result<(), WorkloadError> {
        self.0.borrow_mut().running = false;
        Ok(())
    }
    fn reload_config(&mut self) -> Result<(), WorkloadError> {
        self.0.borrow_mut().reloaded = true;
        Ok(())
    }
}

fn context(proxy: Proxy) -> (Context<TinyproxyCharm>, FakeTinyproxy) {
    let fake = FakeTinyproxy(Rc::new(RefCell::new(proxy)));
    let shared = fake.clone();
    (
        Context::with_charm(move || TinyproxyCharm::new(shared.clone())),
        fake,
    )
}

fn installed() -> Proxy {
    Proxy {
        installed: true,
        ..Proxy::default()
    }
}

fn configured() -> Proxy {
    Proxy {
        config: Some((PORT, "example".to_owned())),
        installed: true,
        running: true,
        ..Proxy::default()
    }
}

const INVALID_SLUGS: [&str; 3] = ["", "foo_bar", "foo/bar"];

#[test]
fn install_installs_and_reports_the_version() {
    let (mut ctx, proxy) = context(Proxy::default());
    let out = ctx.run(Event::Install, State::new()).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("1.11.0"));
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for tinyproxy to start")
    );
    assert!(proxy.is_installed());
}

#[test]
fn start_runs_with_the_default_slug() {
    let (mut ctx, proxy) = context(installed());
    let out = ctx.run(Event::Start, State::new()).unwrap();
    assert_eq!(out.unit_status, Status::active(""));
    assert!(proxy.is_running());
    assert_eq!(proxy.0.borrow().config, Some((PORT, "example".to_owned())));
}

#[test]
fn config_changed_reloads_with_the_new_slug() {
    let (mut ctx, proxy) = context(configured());
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("slug", "foo"),
        )
        .unwrap();
    assert_eq!(out.unit_status, Status::active(""));
    let p = proxy.0.borrow();
    assert!(p.running && p.reloaded);
    assert_eq!(p.config, Some((PORT, "foo".to_owned())));
    assert_eq!(
        ctx.juju_log()
            .iter()
            .map(|l| l.message.as_str())
            .collect::<Vec<_>>(),
        ["Config changed while tinyproxy is running. Updating tinyproxy config"]
    );
}

#[test]
fn unchanged_config_does_not_reload() {
    let (mut ctx, proxy) = context(configured());
    ctx.run(Event::ConfigChanged, State::new()).unwrap();
    assert!(!proxy.0.borrow().reloaded);
}

#[test]
fn start_with_an_invalid_slug_blocks() {
    for slug in INVALID_SLUGS {
        let (mut ctx, proxy) = context(installed());
        let out = ctx
            .run(Event::Start, State::new().with_config("slug", slug))
            .unwrap();
        assert_eq!(
            out.unit_status,
            Status::blocked(format!(
                "Invalid slug: '{slug}'. Slug must match the regex [a-z0-9-]+"
            ))
        );
        assert!(!proxy.is_running());
        assert_eq!(proxy.0.borrow().config, None);
    }
}

#[test]
fn config_changed_with_an_invalid_slug_keeps_the_old_config() {
    for slug in INVALID_SLUGS {
        let (mut ctx, proxy) = context(configured());
        let out = ctx
            .run(Event::ConfigChanged, State::new().with_config("slug", slug))
            .unwrap();
        assert_eq!(out.unit_status.kind, StatusKind::Blocked);
        let p = proxy.0.borrow();
        assert!(p.running && !p.reloaded);
        assert_eq!(p.config, Some((PORT, "example".to_owned())));
    }
}

#[test]
fn stop_stops_tinyproxy() {
    let (mut ctx, proxy) = context(configured());
    let out = ctx.run(Event::Stop, State::new()).unwrap();
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for tinyproxy to start")
    );
    assert!(!proxy.is_running());
}

#[test]
fn remove_uninstalls() {
    let (mut ctx, proxy) = context(installed());
    let out = ctx.run(Event::Remove, State::new()).unwrap();
    assert!(!proxy.is_installed());
    assert_eq!(
        out.unit_status,
        Status::maintenance("Waiting for tinyproxy to be installed")
    );
}

#[test]
fn a_workload_failure_fails_the_hook_and_logs_the_error() {
    let (mut ctx, _proxy) = context(Proxy {
        fail_start: true,
        ..installed()
    });
    let err = ctx.run(Event::Start, State::new()).unwrap_err();
    let RunError::Failed { error, .. } = &err else {
        panic!("expected a failed hook, got {err}")
    };
    assert!(
        error
            .to_string()
            .contains("tinyproxy was not running within the expected time"),
        "{error}"
    );
    let error_line = ctx
        .juju_log()
        .iter()
        .find(|line| line.level == ops_runtime::LogLevel::Error)
        .expect("the error is logged");
    assert!(
        error_line
            .message
            .contains("handler `configure` failed on `start`"),
        "{}",
        error_line.message
    );
}

#[test]
fn config_is_read_once_per_hook() {
    let (mut ctx, _proxy) = context(configured());
    ctx.run(Event::ConfigChanged, State::new()).unwrap();
    let reads = ctx
        .hook_tool_calls()
        .iter()
        .filter(|t| **t == "config-get")
        .count();
    assert_eq!(reads, 1, "{:?}", ctx.hook_tool_calls());
}

#[test]
fn undeclared_config_is_refused() {
    let (mut ctx, _proxy) = context(installed());
    let err = ctx
        .run(
            Event::Start,
            State::new()
                .with_config("slugg", "x")
                .with_config("slug", 3),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("config option `slugg` is not declared"),
        "{text}"
    );
    assert!(
        text.contains(
            "config option `slug` is of type `string`, but the state gives it the int `3`"
        ),
        "{text}"
    );
}

#[test]
fn an_invalid_slug_skips_the_handler_and_logs_why() {
    let (mut ctx, _proxy) = context(configured());
    ctx.run(
        Event::ConfigChanged,
        State::new().with_config("slug", "foo_bar"),
    )
    .unwrap();
    let warning = ctx
        .juju_log()
        .iter()
        .find(|l| l.level == ops_runtime::LogLevel::Warning)
        .unwrap();
    assert_eq!(
        warning.message,
        "skipping handler `configure`: invalid config: option `slug` has an invalid value `foo_bar`: Invalid slug: 'foo_bar'. Slug must match the regex [a-z0-9-]+"
    );
}

#[test]
fn describe_returns_nested_results() {
    let (mut ctx, _proxy) = context(configured());
    let out = ctx
        .run_action(
            Action::new("describe").with_param("include-config", true),
            State::new(),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        serde_json::json!({
            "proxy": {"slug": "example", "port": "8000"},
            "workload": {"running": "true", "version": "1.11.0"},
            "config": "Port 8000\nReversePath \"/example/\"\n",
        })
    );
    assert_eq!(out.logs, ["collecting tinyproxy's state"]);
}

#[test]
fn describe_leaves_the_config_out_by_default() {
    let (mut ctx, _proxy) = context(configured());
    let out = ctx
        .run_action(Action::new("describe"), State::new())
        .unwrap();
    assert!(!out.results.contains_key("config"), "{:?}", out.results);
}

#[test]
fn describe_fails_when_tinyproxy_is_not_installed() {
    let (mut ctx, _proxy) = context(Proxy::default());
    let err = ctx
        .run_action(Action::new("describe"), State::new())
        .unwrap_err();
    assert!(
        matches!(&err, RunError::ActionFailed { message, .. } if message == "tinyproxy is not installed"),
        "{err}"
    );
}

#[test]
fn describe_fails_on_invalid_config() {
    let (mut ctx, _proxy) = context(configured());
    let err = ctx
        .run_action(
            Action::new("describe"),
            State::new().with_config("slug", "a b"),
        )
        .unwrap_err();
    let RunError::ActionFailed { message, .. } = err else {
        panic!("expected a failed action")
    };
    assert!(
        message.starts_with("invalid config: option `slug` has an invalid value `a b`"),
        "{message}"
    );
}

#[test]
fn describe_rejects_mistyped_params() {
    let (mut ctx, _proxy) = context(configured());
    let err = ctx
        .run_action(
            Action::new("describe").with_param("include-config", "yes"),
            State::new(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`describe.include-config` is of type `boolean`"),
        "{err}"
    );
}

#[test]
fn a_website_client_gets_the_address_and_port() {
    let (mut ctx, _proxy) = context(configured());
    let website = Relation::new("website", 1).with_remote_app("frontend");
    let out = ctx
        .run(
            website.joined_event("frontend/0"),
            State::new().with_relation(website),
        )
        .unwrap();
    let bag = &out.relation(1).unwrap().local_unit_data;
    assert_eq!(bag["hostname"], "192.0.2.0");
    assert_eq!(bag["port"], PORT.to_string());
}
