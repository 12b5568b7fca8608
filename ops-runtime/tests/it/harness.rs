//! The testing harness: outcomes, records, actions and consistency checks.

use ops_runtime::testing::{Action, Context, RunError, State};
use ops_runtime::*;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
#[error("cannot reach the database")]
struct Outer(#[source] std::io::Error);

#[derive(Default)]
struct Demo;

#[charm(metadata_source = r#"
name: demo
config:
  options:
    mode:
      type: string
      default: safe
    workers:
      type: int
      default: 2
    ratio:
      type: float
    debug:
      type: boolean
      default: false
actions:
  backup:
    params:
      target:
        type: string
      compress:
        type: boolean
    required: [target]
    additionalProperties: false
  explode: {}
"#)]
impl Demo {
    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let config = cx.config()?;
        match config.get_str("mode") {
            Some("fail") => Err(Outer(std::io::Error::other("connection refused")).into()),
            Some("panic") => panic!("mode says panic"),
            Some(mode) => {
                let workers = config.get_int("workers").unwrap_or_default();
                log::warn!("mode {mode} with {workers} workers");
                cx.set_workload_version("2.1")?;
                Ok(())
            }
            None => Err(CharmError::msg("no mode")),
        }
    }

    #[on(leader_elected)]
    fn lead(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.set_app_status(Status::maintenance("leading"))
    }

    #[on(backup_action)]
    fn backup(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let params = cx.action_params()?;
        let target = params
            .get("target")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_owned();
        cx.action_log(&format!("backing up to {target}"))?;
        if target == "nowhere" {
            return Err(CharmError::msg("nowhere is not a place"));
        }
        cx.action_set(&json!({"backup": {"target": target, "size": 42}, "done": true}))?;
        Ok(())
    }

    #[on(explode_action)]
    fn explode(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
        cx.action_fail("it blew up")
    }

    #[on(collect_unit_status)]
    fn unit_status(
        &mut self,
        cx: &mut HookContext,
        status: CollectStatus,
    ) -> Result<(), CharmError> {
        if cx.config()?.get_bool("debug") == Some(true) {
            status.add(Status::maintenance("debugging"));
        }
        status.add(Status::active("ready"));
        Ok(())
    }

    #[on(collect_app_status)]
    fn app_status(&mut self, status: CollectStatus) {
        status.add(Status::waiting("app settling"));
        status.add(Status::blocked("app blocked"));
    }
}

#[test]
fn defaults_and_state_reach_the_handler() {
    let mut ctx = Context::<Demo>::new();
    let out = ctx
        .run(Event::ConfigChanged, State::new().with_config("workers", 8))
        .unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("2.1"));
    assert_eq!(out.unit_status, Status::active("ready"));
    let log = &ctx.juju_log()[0];
    assert_eq!(
        (log.level, log.message.as_str()),
        (LogLevel::Warning, "mode safe with 8 workers")
    );
}

#[test]
fn highest_priority_status_wins_and_app_status_needs_leadership() {
    let mut ctx = Context::<Demo>::new();
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_config("debug", true))
        .unwrap();
    assert_eq!(out.unit_status, Status::maintenance("debugging"));
    assert_eq!(out.app_status.kind, StatusKind::Unknown);
    let out = ctx
        .run(Event::UpdateStatus, State::new().with_leader(true))
        .unwrap();
    assert_eq!(out.app_status, Status::blocked("app blocked"));
    assert_eq!(out.unit_status, Status::active("ready"));
}

#[test]
fn handler_errors_fail_the_hook_with_their_whole_chain() {
    let mut ctx = Context::<Demo>::new();
    let err = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "fail"),
        )
        .unwrap_err();
    let RunError::Failed { error, state } = err else {
        panic!("expected a failure")
    };
    assert!(matches!(
        error,
        DispatchError::Handler {
            handler: "configure",
            ..
        }
    ));
    // The error, then the security event (TRACE) that records the crash.
    let log = ctx.juju_log();
    let logged = &log[log.len() - 2];
    assert_eq!(logged.level, LogLevel::Error);
    assert_eq!(
        logged.message,
        "handler `configure` failed on `config-changed`: cannot reach the database: connection refused"
    );
    assert_eq!(log[log.len() - 1].level, LogLevel::Trace);
    assert!(
        log[log.len() - 1]
            .message
            .contains("\"sys_crash:handler_error\"")
    );
    // Collect-status did not run after the failure.
    assert_eq!(state.unit_status.kind, StatusKind::Unknown);
}

#[test]
fn panics_fail_the_hook() {
    let mut ctx = Context::<Demo>::new();
    let err = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("mode", "panic"),
        )
        .unwrap_err();
    assert!(
        matches!(&err, RunError::Failed { error: DispatchError::Panic { message, .. }, .. } if message == "mode says panic"),
        "{err}"
    );
}

#[test]
fn only_the_leader_sets_the_app_status() {
    let mut ctx = Context::<Demo>::new();
    let err = ctx.run(Event::LeaderElected, State::new()).unwrap_err();
    assert!(
        err.to_string()
            .contains("only the leader may set the application status"),
        "{err}"
    );
    let out = ctx
        .run(
            Event::LeaderElected,
            State::new()
                .with_leader(true)
                .with_app_status(Status::active("old")),
        )
        .unwrap();
    // collect-status runs after the handler and wins.
    assert_eq!(out.app_status, Status::blocked("app blocked"));
    assert_eq!(
        ctx.app_status_history(),
        [
            Status::active("old").info(),
            Status::maintenance("leading").info()
        ]
    );
}

#[test]
fn actions_return_nested_results_and_logs() {
    let mut ctx = Context::<Demo>::new();
    let out = ctx
        .run_action(
            Action::new("backup").with_param("target", "s3"),
            State::new(),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"backup": {"target": "s3", "size": "42"}, "done": "true"})
    );
    assert_eq!(out.logs, ["backing up to s3"]);
}

#[test]
fn action_errors_fail_the_action_not_the_hook() {
    let mut ctx = Context::<Demo>::new();
    let err = ctx
        .run_action(
            Action::new("backup").with_param("target", "nowhere"),
            State::new(),
        )
        .unwrap_err();
    let RunError::ActionFailed { message, output } = err else {
        panic!("expected a failed action")
    };
    assert_eq!(message, "nowhere is not a place");
    assert_eq!(output.logs, ["backing up to nowhere"]);
    let err = ctx
        .run_action(Action::new("explode"), State::new())
        .unwrap_err();
    assert!(matches!(err, RunError::ActionFailed { message, .. } if message == "it blew up"));
}

#[test]
fn inconsistent_setups_are_refused_with_every_problem() {
    let mut ctx = Context::<Demo>::new();
    let err = ctx
        .run_action(
            Action::new("backup")
                .with_param("compress", "yes")
                .with_param("level", 3),
            State::new().with_config("ratio", "high"),
        )
        .unwrap_err();
    let RunError::Inconsistent(problems) = err else {
        panic!("expected inconsistency")
    };
    assert_eq!(
        problems,
        [
            "config option `ratio` is of type `float`, but the state gives it the string `high`",
            "action parameter `backup.compress` is of type `boolean`, but is given `\"yes\"`",
            "action `backup` declares no parameter `level`",
            "action `backup` requires the parameter `target`",
        ]
    );
    let err = ctx
        .run(
            Event::PebbleReady(PebbleReadyEvent {
                container: "web".into(),
            }),
            State::new(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("names `web`, which the charm's metadata does not declare"),
        "{err}"
    );
    let err = ctx
        .run_action(Action::new("restore"), State::new())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the charm declares no action `restore` (declared: backup, explode)"),
        "{err}"
    );
}

#[test]
fn action_tools_outside_an_action_are_refused() {
    #[derive(Default)]
    struct Misuse;
    #[charm(metadata_source = "name: misuse")]
    impl Misuse {
        #[on(install)]
        fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
            cx.action_log("hello")
        }
    }
    let err = Context::<Misuse>::new()
        .run(Event::Install, State::new())
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "`action_log` is only available while running an action, and this is `install`"
        ),
        "{err}"
    );
}

/// Reads a file shipped in the charm directory and reports where it runs.
#[derive(Default)]
struct Shipped;

#[charm(metadata_source = "name: shipped\n")]
impl Shipped {
    #[on(install)]
    fn install(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let template = std::fs::read_to_string(cx.juju().charm_dir.join("templates/motd"))?;
        let juju = cx.juju();
        let report = format!(
            "{} {} {} {:?} {:?}",
            template.trim(),
            cx.model_name(),
            cx.model_uuid(),
            juju.machine_id,
            juju.availability_zone
        );
        cx.set_workload_version(&report)?;
        Ok(())
    }
}

#[test]
fn the_context_sets_the_charm_root_model_and_machine() {
    let root = std::env::temp_dir().join(format!("harness-root-{}", std::process::id()));
    std::fs::create_dir_all(root.join("templates")).unwrap();
    std::fs::write(root.join("templates/motd"), "hello\n").unwrap();
    let mut ctx = Context::<Shipped>::new()
        .with_charm_root(&root)
        .with_model("prod", "0f3c9a4e-1111-4222-8333-444455556666")
        .with_machine("7", Some("zone-b"));
    let out = ctx.run(Event::Install, State::new()).unwrap();
    assert_eq!(
        out.workload_version.as_deref(),
        Some(r#"hello prod 0f3c9a4e-1111-4222-8333-444455556666 Some("7") Some("zone-b")"#)
    );
    std::fs::remove_dir_all(root).unwrap();
}

/// Reads its action's parameters raw, without a typed struct.
#[derive(Default)]
struct Raw;

#[charm(metadata_source = r#"
name: raw
actions:
  backup:
    params:
      target:
        type: string
        default: /srv/backup
      compress:
        type: boolean
"#)]
impl Raw {
    #[on(backup_action)]
    fn backup(&mut self, cx: &mut HookContext) -> Result<serde_json::Value, CharmError> {
        Ok(serde_json::Value::Object(cx.action_params()?))
    }
}

#[test]
fn action_get_gives_the_declared_defaults_of_params_not_given() {
    let mut ctx = Context::<Raw>::new();
    let out = ctx
        .run_action(
            Action::new("backup").with_param("compress", true),
            State::new(),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"target": "/srv/backup", "compress": "true"})
    );
    let out = ctx
        .run_action(
            Action::new("backup").with_param("target", "/mnt"),
            State::new(),
        )
        .unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"target": "/mnt"})
    );
}
