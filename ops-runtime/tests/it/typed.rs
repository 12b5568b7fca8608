//! Typed configuration and action parameters, end to end through the harness.

use ops_runtime::testing::{Action, Context, RunError, State};
use ops_runtime::*;
use serde_json::json;

/// A port that must not be 22.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Port(u16);

impl TryFrom<i64> for Port {
    type Error = String;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        match u16::try_from(value) {
            Ok(22) => Err("port 22 is reserved for SSH".into()),
            Ok(port) => Ok(Port(port)),
            Err(_) => Err(format!("{value} is not a port number")),
        }
    }
}

fn not_shouting(motd: &str) -> Result<(), &'static str> {
    if motd.chars().any(char::is_lowercase) {
        Ok(())
    } else {
        Err("the message of the day must not shout")
    }
}

#[derive(Debug, Clone, PartialEq, CharmConfig)]
#[config(metadata = "tests/fixtures/typed.yaml")]
struct TypedConfig {
    r#type: String,
    port: Port,
    ratio: f32,
    #[config(name = "debug")]
    verbose: bool,
    admin_password: Option<SecretId>,
    #[config(validate = not_shouting)]
    motd: Option<String>,
}

#[derive(Debug, Clone, PartialEq, CharmEnum)]
enum Compression {
    Gzip,
    Zstd,
}

#[derive(Debug, Clone, PartialEq, CharmAction)]
#[action(metadata = "tests/fixtures/typed.yaml")]
struct BackupParams {
    target: String,
    compression: Compression,
    level: Option<u8>,
    tags: Option<Vec<String>>,
}

#[derive(serde::Serialize)]
struct BackupResult {
    target: String,
    settings: Settings,
}

#[derive(serde::Serialize)]
struct Settings {
    compression: String,
    level: u8,
}

#[derive(Default)]
struct Typed {
    seen: Option<TypedConfig>,
}

#[charm(metadata = "tests/fixtures/typed.yaml")]
impl Typed {
    #[on(config_changed)]
    fn configure(
        &mut self,
        cx: &mut HookContext,
        config: Config<TypedConfig>,
    ) -> Result<(), ModelError> {
        cx.set_workload_version(&format!("{}:{}", config.r#type, config.port.0))?;
        self.seen = Some(config.into_inner());
        Ok(())
    }

    #[on(backup_action)]
    fn backup(
        &mut self,
        cx: &mut HookContext,
        params: Params<BackupParams>,
    ) -> Result<BackupResult, CharmError> {
        if params.target == "nowhere" {
            return Err(CharmError::msg("cannot back up to nowhere"));
        }
        cx.action_log(&format!("tags: {:?}", params.tags))?;
        Ok(BackupResult {
            target: params.target.clone(),
            settings: Settings {
                compression: format!("{:?}", params.compression).to_lowercase(),
                level: params.level.unwrap_or(6),
            },
        })
    }

    #[on(restore_action)]
    fn restore(&mut self, cx: &mut HookContext) -> Result<(), LoadParamsError> {
        // The wrong params type for this action, loaded by hand.
        cx.load_params::<BackupParams>().map(drop)
    }

    #[on(collect_unit_status)]
    fn status(&mut self, status: CollectStatus) {
        status.add(Status::active(""));
    }
}

#[test]
fn valid_config_reaches_the_handler_typed() {
    let mut ctx = Context::<Typed>::new();
    let state = State::new()
        .with_config("port", 9000)
        .with_config("admin-password", "secret:d0ul4e7mp25c7vclbqtg")
        .with_config("motd", "Hello");
    let out = ctx.run(Event::ConfigChanged, state).unwrap();
    assert_eq!(out.workload_version.as_deref(), Some("web:9000"));
    assert_eq!(out.unit_status, Status::active(""));
}

#[test]
fn invalid_config_skips_the_handler_and_blocks_with_every_reason() {
    let mut ctx = Context::<Typed>::new();
    let state = State::new()
        .with_config("port", 22)
        .with_config("motd", "HELLO");
    let out = ctx.run(Event::ConfigChanged, state).unwrap();
    assert_eq!(out.workload_version, None, "the handler must not run");
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "Invalid config: option `port` has an invalid value `22`: port 22 is reserved for SSH; \
             option `motd` has an invalid value `HELLO`: the message of the day must not shout"
        )
    );
    let warning = &ctx.juju_log()[0];
    assert_eq!(warning.level, LogLevel::Warning);
    assert!(
        warning
            .message
            .starts_with("skipping handler `configure`: invalid config: option `port`"),
        "{}",
        warning.message
    );
}

#[test]
fn out_of_range_values_are_reported() {
    let mut ctx = Context::<Typed>::new();
    let out = ctx
        .run(
            Event::ConfigChanged,
            State::new().with_config("port", 70000),
        )
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "Invalid config: option `port` has an invalid value `70000`: 70000 is not a port number"
        )
    );
}

#[test]
fn typed_config_loads_outside_handlers_too() {
    let data = ConfigData::from_json(
        &[
            ("type".to_owned(), json!("api")),
            ("port".to_owned(), json!(1)),
            ("ratio".to_owned(), json!(2)),
            ("debug".to_owned(), json!(true)),
        ]
        .into_iter()
        .collect(),
    );
    let config = TypedConfig::from_config(&data).unwrap();
    assert_eq!(config.r#type, "api");
    assert_eq!(config.ratio, 2.0);
    assert!(config.verbose);
    assert_eq!((config.admin_password, config.motd), (None, None));
    let err = TypedConfig::from_config(&ConfigData::default()).unwrap_err();
    let options: Vec<&str> = err.0.iter().map(|e| e.option.as_str()).collect();
    assert_eq!(options, ["type", "port", "ratio", "debug"]);
    assert_eq!(
        err.0[0].to_string(),
        "option `type` is not set and has no default"
    );
}

#[test]
fn action_params_and_nested_results() {
    let mut ctx = Context::<Typed>::new();
    let action = Action::new("backup")
        .with_param("target", "s3")
        .with_param("tags", json!(["a"]))
        .with_param("level", 9);
    let out = ctx.run_action(action, State::new()).unwrap();
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"target": "s3", "settings": {"compression": "gzip", "level": "9"}})
    );
    assert_eq!(out.logs, ["tags: Some([\"a\"])"]);
}

#[test]
fn invalid_params_fail_the_action_with_every_problem() {
    let mut ctx = Context::<Typed>::new();
    let action = Action::new("backup")
        .with_param("target", "s3")
        .with_param("compression", "lz4")
        .with_param("level", 900);
    let err = ctx.run_action(action, State::new()).unwrap_err();
    let RunError::ActionFailed { message, .. } = err else {
        panic!("expected a failed action")
    };
    assert_eq!(
        message,
        // Parameters often hold passwords: a string is described, never quoted.
        "Error in action parameters: parameter `compression` has an invalid value (a string of \
         3 characters): expected one of `gzip`, `zstd`; parameter `level` has an invalid value \
         (900): expected u8"
    );
}

#[test]
fn handler_errors_fail_the_action() {
    let mut ctx = Context::<Typed>::new();
    let err = ctx
        .run_action(
            Action::new("backup").with_param("target", "nowhere"),
            State::new(),
        )
        .unwrap_err();
    assert!(
        matches!(err, RunError::ActionFailed { message, .. } if message == "cannot back up to nowhere")
    );
}

#[test]
fn params_of_another_action_are_refused_at_run_time() {
    let mut ctx = Context::<Typed>::new();
    let err = ctx
        .run_action(Action::new("restore"), State::new())
        .unwrap_err();
    assert!(
        matches!(&err, RunError::ActionFailed { message, .. } if message == "the params type is for action `backup`, but `restore` is running"),
        "{err}"
    );
}

#[test]
fn secret_options_hold_secret_ids_from_juju_3_4() {
    // Juju refuses anything but a secret id for a `secret` option, and the
    // type itself before 3.4: a state that breaks either is not a test of the
    // charm.
    let mut ctx = Context::<Typed>::new();
    let problems = match ctx.run(
        Event::ConfigChanged,
        State::new().with_config("admin-password", "hunter2"),
    ) {
        Err(RunError::Inconsistent(problems)) => problems,
        other => panic!("expected an inconsistent setup, got {other:?}"),
    };
    assert_eq!(
        problems,
        [
            "config option `admin-password` is of type `secret`, so its value is a secret id such \
          as `secret:cs0k7p7mp25c7f0rcvog` (`secret:` and 20 lowercase letters and digits), not \
          `hunter2`"
        ]
    );
    let mut old = Context::<Typed>::new().with_juju_version(JujuVersion::new(3, 1, 7));
    let problems = match old.run(
        Event::ConfigChanged,
        State::new().with_config("admin-password", "secret:d0ul4e7mp25c7vclbqtg"),
    ) {
        Err(RunError::Inconsistent(problems)) => problems,
        other => panic!("expected an inconsistent setup, got {other:?}"),
    };
    assert_eq!(
        problems,
        [
            "config option `admin-password` is of type `secret`, which needs Juju 3.4 or later, \
          and the context runs Juju 3.1.7"
        ]
    );
}
