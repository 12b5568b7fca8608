//! Structured security events: what ops logs at `TRACE` as OWASP-style JSON
//! (crashes, reboots, authorisation failures), this runtime logs the same way.

use ops_runtime::testing::{Context, State};
use ops_runtime::*;

#[derive(Default)]
struct Guarded;

#[charm(metadata_source = r#"
name: guarded
config:
  options:
    mode:
      type: string
      default: quiet
"#)]
impl Guarded {
    #[on(config_changed)]
    fn configure(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let mode = match cx.config()?.get("mode") {
            Some(ConfigValue::String(mode)) => mode.clone(),
            _ => String::new(),
        };
        match mode.as_str() {
            "fail" => Err(CharmError::msg("the workload refused the new settings")),
            "panic" => panic!("an invariant broke"),
            "app-status" => {
                // A non-leader is refused; the charm carries on.
                let refused = cx.set_app_status(Status::active("")).is_err();
                assert!(refused);
                Ok(())
            }
            "reboot" => Ok(cx.reboot(false)?),
            _ => Ok(()),
        }
    }
}

/// The security events the last run logged, as JSON.
fn security_events(ctx: &Context<Guarded>) -> Vec<serde_json::Value> {
    ctx.juju_log()
        .iter()
        .filter(|line| line.level == LogLevel::Trace)
        .map(|line| serde_json::from_str(&line.message).expect("a security event is JSON"))
        .collect()
}

fn run(mode: &str) -> Vec<serde_json::Value> {
    let mut ctx = Context::<Guarded>::new();
    let _ = ctx.run(Event::ConfigChanged, State::new().with_config("mode", mode));
    security_events(&ctx)
}

#[test]
fn a_failing_or_panicking_handler_is_a_crash_event() {
    for (mode, event) in [
        ("fail", "sys_crash:handler_error"),
        ("panic", "sys_crash:panic"),
    ] {
        let events = run(mode);
        assert_eq!(events.len(), 1, "{mode}: {events:?}");
        let crash = &events[0];
        assert_eq!(crash["type"], "security");
        assert_eq!(crash["level"], "WARN");
        assert_eq!(crash["event"], event);
        let appid = crash["appid"].as_str().unwrap();
        assert!(appid.ends_with("-guarded/0"), "{appid}");
        let description = crash["description"].as_str().unwrap();
        assert!(
            description.starts_with("Uncaught error in charm code: handler `configure`"),
            "{description}"
        );
        let datetime = crash["datetime"].as_str().unwrap();
        assert!(
            datetime.len() == 20 && datetime.ends_with('Z'),
            "{datetime}"
        );
    }
}

#[test]
fn a_non_leader_touching_the_app_status_is_an_authorisation_failure() {
    let events = run("app-status");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["level"], "CRITICAL");
    assert_eq!(
        events[0]["event"],
        "authz_fail:guarded/0,application-status"
    );
    assert_eq!(
        events[0]["description"],
        "A unit that is not the leader tried to set the application status."
    );
}

#[test]
fn a_reboot_is_a_restart_event() {
    let events = run("reboot");
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["level"], "WARN");
    assert_eq!(events[0]["event"], "sys_restart:guarded/0");
}

#[test]
fn a_quiet_hook_logs_no_security_event() {
    assert!(run("quiet").is_empty());
}
