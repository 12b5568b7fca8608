//! No content that may be secret reaches a log: when a tool whose output may hold
//! secrets (`secret-get`, `action-get`, `relation-get`, `config-get`, `state-get`,
//! `credential-get`) prints something that does not parse, or a value that does not
//! convert, the hook fails (or the action fails) with an error that names the tool and
//! the key, and the canary in that output appears in no `juju-log` line, no
//! `action-fail` message, no other hook-tool argument, and nothing the charm prints.

use crate::hook_tools::Juju;

const CANARY: &str = "hunter2-CANARY-7f3a";

/// Runs `run` on a fresh fake Juju prepared by `prepare`, then checks that the canary
/// leaked nowhere and that some log line or `action-fail` names `tool`.
fn assert_no_leak(
    name: &str,
    tool: &str,
    prepare: impl FnOnce(&Juju),
    run: impl FnOnce(&Juju) -> (i32, Vec<Vec<String>>, String),
) {
    let juju = Juju::new(name);
    prepare(&juju);
    let (code, calls, printed) = run(&juju);
    for call in &calls {
        assert!(
            !call.iter().any(|arg| arg.contains(CANARY)),
            "{name}: the canary reached `{}`: {call:?}",
            call[0]
        );
    }
    assert!(
        !printed.contains(CANARY),
        "{name}: the canary reached the charm's output: {printed}"
    );
    let reported: Vec<&Vec<String>> = calls
        .iter()
        .filter(|call| call[0] == "juju-log" || call[0] == "action-fail")
        .filter(|call| call.iter().any(|arg| arg.contains(tool)))
        .collect();
    let action_failed = calls.iter().any(|call| call[0] == "action-fail");
    assert!(
        code != 0 || action_failed,
        "{name}: the bad output must fail the hook or the action: {calls:?}"
    );
    assert!(
        !reported.is_empty() || printed.contains(tool),
        "{name}: no error names `{tool}`: {calls:?} {printed}"
    );
}

/// Runs config-changed with the probe's `scenario`, keeping `config-get` as set.
fn scenario(juju: &Juju, scenario: &str) -> (i32, Vec<Vec<String>>, String) {
    juju.respond("config-get", &format!(r#"{{"scenario": "{scenario}"}}"#));
    juju.exec(
        "hooks/config-changed",
        &[("JUJU_HOOK_NAME", "config-changed")],
    )
}

/// Runs the `login` action.
fn login(juju: &Juju) -> (i32, Vec<Vec<String>>, String) {
    juju.respond("config-get", r#"{"scenario": "none"}"#);
    juju.exec(
        "actions/login",
        &[("JUJU_ACTION_NAME", "login"), ("JUJU_ACTION_UUID", "42")],
    )
}

/// Output that is not JSON, cut short, or of another shape, each holding the canary.
fn malformed() -> [String; 3] {
    [
        format!(r#"{{"password": "{CANARY}"#),
        format!(r#"{{"password": {CANARY}}}"#),
        format!(r#"["{CANARY}", 1]"#),
    ]
}

#[test]
fn secret_get() {
    for (i, output) in malformed().iter().enumerate() {
        assert_no_leak(
            &format!("leak-secret-get-{i}"),
            "secret-get",
            |juju| {
                juju.respond("secret-get", output);
            },
            |juju| scenario(juju, "secret-read"),
        );
    }
}

#[test]
fn relation_get() {
    for (i, output) in malformed().iter().enumerate() {
        assert_no_leak(
            &format!("leak-relation-get-{i}"),
            "relation-get",
            |juju| {
                juju.respond("relation-ids", r#"["db:1"]"#)
                    .respond("relation-list", r#"["pg/0"]"#)
                    .respond("relation-list-app", r#""pg""#)
                    .respond("relation-get", output);
            },
            |juju| scenario(juju, "relations"),
        );
    }
}

#[test]
fn relation_data_that_does_not_convert() {
    assert_no_leak(
        "leak-relation-typed",
        "port",
        |juju| {
            juju.respond("relation-list-app", r#""pg""#)
                .respond("relation-get-app", &format!(r#"{{"port": "{CANARY}"}}"#));
        },
        |juju| scenario(juju, "relation-typed"),
    );
}

#[test]
fn config_get() {
    for (i, output) in malformed().iter().enumerate() {
        assert_no_leak(
            &format!("leak-config-get-{i}"),
            "config-get",
            |_| {},
            |juju| {
                juju.respond("config-get", output);
                juju.exec(
                    "hooks/config-changed",
                    &[("JUJU_HOOK_NAME", "config-changed")],
                )
            },
        );
    }
}

#[test]
fn state_get() {
    for (i, output) in malformed().iter().enumerate() {
        assert_no_leak(
            &format!("leak-state-get-{i}"),
            "state-get",
            |juju| {
                juju.respond("state-get", output);
            },
            |juju| scenario(juju, "controller-state"),
        );
    }
}

#[test]
fn credential_get() {
    for (i, output) in malformed().iter().enumerate() {
        assert_no_leak(
            &format!("leak-credential-get-{i}"),
            "credential-get",
            |juju| {
                juju.respond("credential-get", output);
            },
            |juju| scenario(juju, "cloud-spec"),
        );
    }
}

#[test]
fn action_get() {
    for (i, output) in malformed().iter().enumerate() {
        assert_no_leak(
            &format!("leak-action-get-{i}"),
            "action-get",
            |juju| {
                juju.respond("action-get", output);
            },
            login,
        );
    }
}

#[test]
fn action_params_that_do_not_convert() {
    assert_no_leak(
        "leak-action-params",
        "level",
        |juju| {
            juju.respond(
                "action-get",
                &format!(r#"{{"password": "{CANARY}", "level": "{CANARY}"}}"#),
            );
        },
        login,
    );
}
