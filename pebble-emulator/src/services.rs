//! Health, changes, services, signals, layers and the plan, and checks.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::{Response, StatusCode};
use ops_runtime::pebble::{Layer, Plan};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::http::{
    Body, Req, async_response, bad_request, envelope, error, json_response, not_found,
    parse_go_duration, strings, sync,
};
use crate::state::{ChangeState, CheckState, ServiceState, Shared, is_ready, settle, ts};

// ---- health and changes -----------------------------------------------------

pub(crate) fn health(shared: &Shared, req: &Req) -> Response<Body> {
    let level = req.param("level").unwrap_or("");
    if !matches!(level, "" | "alive" | "ready") {
        return bad_request(r#"level must be "alive" or "ready""#);
    }
    let names = req.list("names");
    let state = shared.lock();
    let healthy = !state.checks.iter().any(|(name, check)| {
        let level_matches = match level {
            "" => true,
            // `ready` also considers `alive` checks (pebble-api.md section 9).
            "ready" => matches!(check.level.as_deref(), Some("ready" | "alive") | None),
            other => check.level.as_deref() == Some(other),
        };
        level_matches && (names.is_empty() || names.contains(name)) && check.status == "down"
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::BAD_GATEWAY
    };
    json_response(
        status,
        envelope(status, "sync", json!({"healthy": healthy})),
    )
}

pub(crate) fn list_changes(shared: &Shared, req: &Req) -> Response<Body> {
    let select = req.param("select").unwrap_or("in-progress");
    if !matches!(select, "in-progress" | "ready" | "all") {
        return bad_request("select should be one of: all,in-progress,ready");
    }
    let service = req.param("for");
    let state = shared.lock();
    let changes: Vec<Value> = state
        .changes
        .values()
        .filter(|c| match select {
            "in-progress" => !c.ready(),
            "ready" => c.ready(),
            _ => true,
        })
        .filter(|c| service.is_none_or(|s| c.services.iter().any(|x| x == s)))
        .map(ChangeState::json)
        .collect();
    sync(json!(changes))
}

fn change_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

pub(crate) fn get_change(shared: &Shared, id: &str) -> Response<Body> {
    let state = shared.lock();
    match change_id(id).and_then(|n| state.changes.get(&n)) {
        Some(change) => sync(change.json()),
        None => not_found(format!("cannot find change with id {id:?}")),
    }
}

pub(crate) fn abort_change(shared: &Shared, id: &str, body: &Value) -> Response<Body> {
    if body["action"] != "abort" {
        return bad_request(format!("change action {:?} is unsupported", body["action"]));
    }
    let Some(n) = change_id(id) else {
        return not_found(format!("cannot find change with id {id:?}"));
    };
    let result = shared.update(|state| {
        let change = state.changes.get_mut(&n)?;
        if change.ready() {
            return Some(Err(format!(
                "cannot abort change {id} with nothing pending"
            )));
        }
        for task in change.tasks.iter_mut().filter(|t| !is_ready(&t.status)) {
            task.status = "Abort".to_owned();
        }
        settle(change);
        let json = change.json();
        // The abort completes shortly after, as Pebble's task runner notices it.
        for task in change.tasks.iter_mut().filter(|t| t.status == "Abort") {
            task.status = "Undone".to_owned();
            task.ready_time = Some(SystemTime::now());
        }
        settle(change);
        Some(Ok(json))
    });
    match result {
        None => not_found(format!("cannot find change with id {id:?}")),
        Some(Err(message)) => bad_request(message),
        Some(Ok(json)) => sync(json),
    }
}

pub(crate) async fn wait_change(shared: &Shared, id: &str, req: &Req) -> Response<Body> {
    let timeout = match req.param("timeout") {
        None => None,
        Some(text) => match parse_go_duration(text) {
            Some(timeout) => Some(timeout),
            None => return bad_request(format!("invalid timeout {text:?}")),
        },
    };
    let deadline = timeout.map(|t| Instant::now() + t);
    let Some(n) = change_id(id) else {
        return not_found(format!("cannot find change with id {id:?}"));
    };
    loop {
        let notified = shared.changed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        match shared.lock().changes.get(&n) {
            None => return not_found(format!("cannot find change with id {id:?}")),
            Some(change) if change.ready() => return sync(change.json()),
            Some(_) => {}
        }
        match deadline {
            Some(deadline) => {
                if tokio::time::timeout_at(deadline, notified).await.is_err() {
                    return error(
                        StatusCode::GATEWAY_TIMEOUT,
                        format!(
                            "timed out waiting for change after {}",
                            req.param("timeout").unwrap_or("")
                        ),
                        None,
                    );
                }
            }
            None => notified.await,
        }
    }
}

// ---- services ---------------------------------------------------------------

pub(crate) fn get_services(shared: &Shared, req: &Req) -> Response<Body> {
    let names = req.list("names");
    let state = shared.lock();
    let services: Vec<Value> = state
        .plan
        .services
        .iter()
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, service)| {
            let current = state.services.get(name);
            let startup = match service.startup.as_ref().map(|s| s.to_string()).as_deref() {
                Some("enabled") => "enabled",
                // An unset startup is reported as disabled (observed).
                _ => "disabled",
            };
            let mut info = json!({
                "name": name,
                "startup": startup,
                "current": current.map_or("inactive", |s| s.current.as_str()),
            });
            if let Some(since) = current.and_then(|s| s.since) {
                info["current-since"] = json!(ts(since));
            }
            info
        })
        .collect();
    sync(json!(services))
}

pub(crate) fn post_services(shared: &Arc<Shared>, body: &Value) -> Response<Body> {
    let action = body["action"].as_str().unwrap_or("");
    let names = strings(&body["services"]);
    let mut state = shared.lock();
    match action {
        "start" | "stop" | "restart" if names.is_empty() => {
            return bad_request(format!("must specify services for {action}"));
        }
        "replan" | "autostart" if !names.is_empty() => {
            // Unsure of Pebble's exact text.
            return bad_request(format!("{action} accepts no service names"));
        }
        "start" | "stop" | "restart" | "replan" | "autostart" => {}
        other => return bad_request(format!("action {other:?} is unsupported")),
    }
    if let Some(unknown) = names.iter().find(|n| !state.plan.services.contains_key(*n)) {
        // Unsure of Pebble's exact text.
        return bad_request(format!("service {unknown:?} does not exist"));
    }
    let enabled: Vec<String> = state
        .plan
        .services
        .iter()
        .filter(|(_, s)| {
            s.startup
                .as_ref()
                .is_some_and(|s| s.to_string() == "enabled")
        })
        .map(|(name, _)| name.clone())
        .collect();
    let (stop, start): (Vec<String>, Vec<String>) = match action {
        "start" => (Vec::new(), with_requirements(&state.plan, &names)),
        "stop" => (names.clone(), Vec::new()),
        "restart" => (
            names
                .iter()
                .filter(|n| {
                    state
                        .services
                        .get(*n)
                        .is_some_and(|s| s.current == "active")
                })
                .cloned()
                .collect(),
            with_requirements(&state.plan, &names),
        ),
        "autostart" => {
            if enabled.is_empty() {
                return error(
                    StatusCode::BAD_REQUEST,
                    "no default services",
                    Some("no-default-services"),
                );
            }
            (Vec::new(), with_requirements(&state.plan, &enabled))
        }
        _ => (Vec::new(), with_requirements(&state.plan, &enabled)),
    };
    let start: Vec<String> = if action == "restart" || action == "start" {
        start
    } else {
        // autostart and replan start only what is not running.
        start
            .into_iter()
            .filter(|n| state.services.get(n).is_none_or(|s| s.current != "active"))
            .collect()
    };
    if action == "replan" && stop.is_empty() && start.is_empty() {
        let id = state.add_change(
            "replan",
            "Replan - no services".to_owned(),
            Vec::new(),
            Vec::new(),
        );
        drop(state);
        shared.changed.notify_waiters();
        return async_response(&id, Value::Null);
    }

    let mut tasks = Vec::new();
    let mut slow = Vec::new();
    for name in &stop {
        let mut task = state.new_task("stop", format!("Stop service {name:?}"), "Done");
        task.log.push(format!(
            "{} INFO Service {name:?} stopped",
            ts(SystemTime::now())
        ));
        tasks.push(task);
        state.services.insert(
            name.clone(),
            ServiceState {
                current: "inactive".to_owned(),
                since: Some(SystemTime::now()),
            },
        );
    }
    for name in &start {
        let command = state
            .plan
            .services
            .get(name)
            .and_then(|service| service.command.clone())
            .unwrap_or_default();
        let summary = format!("Start service {name:?}");
        let mut task = if command.contains("fail") {
            let mut task = state.new_task("start", summary, "Error");
            task.log.push(format!(
                "{} ERROR cannot start service: exited quickly with code 1",
                ts(SystemTime::now())
            ));
            state.services.insert(
                name.clone(),
                ServiceState {
                    current: "backoff".to_owned(),
                    since: Some(SystemTime::now()),
                },
            );
            task
        } else if command.contains("hang") {
            state.new_task("start", summary, "Doing")
        } else if command.contains("slow") {
            let task = state.new_task("start", summary, "Doing");
            slow.push((task.id.clone(), name.clone()));
            task
        } else {
            state.services.insert(
                name.clone(),
                ServiceState {
                    current: "active".to_owned(),
                    since: Some(SystemTime::now()),
                },
            );
            state.new_task("start", summary, "Done")
        };
        task.data.insert("service".to_owned(), json!(name));
        tasks.push(task);
    }
    let affected: Vec<String> = stop.iter().chain(&start).cloned().collect();
    let summary = match affected.len() {
        0 => format!("{} - no services", capitalise(action)),
        1 => format!("{} service {:?}", capitalise(action), affected[0]),
        n => format!(
            "{} service {:?} and {} more",
            capitalise(action),
            affected[0],
            n - 1
        ),
    };
    let id = state.add_change(action, summary, tasks, affected);
    drop(state);
    shared.changed.notify_waiters();
    if !slow.is_empty() {
        let shared = Arc::clone(shared);
        let change = id.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(150)).await;
            shared.update(|state| {
                let n: u64 = change.parse().unwrap_or_default();
                for (_, service) in &slow {
                    state.services.insert(
                        service.clone(),
                        ServiceState {
                            current: "active".to_owned(),
                            since: Some(SystemTime::now()),
                        },
                    );
                }
                if let Some(change) = state.changes.get_mut(&n) {
                    for task in &mut change.tasks {
                        if slow.iter().any(|(id, _)| *id == task.id) {
                            task.status = "Done".to_owned();
                            task.ready_time = Some(SystemTime::now());
                        }
                    }
                    settle(change);
                }
                state.change_notice(n);
            });
        });
    }
    async_response(&id, Value::Null)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `names` plus the services they require, requirements first. A required
/// service the plan lacks is left out (the emulator does not validate the
/// plan as Pebble does), and a cycle of requirements is cut where it closes.
fn with_requirements(plan: &Plan, names: &[String]) -> Vec<String> {
    fn visit(plan: &Plan, name: &str, seen: &mut BTreeSet<String>, out: &mut Vec<String>) {
        let Some(service) = plan.services.get(name) else {
            return;
        };
        if !seen.insert(name.to_owned()) {
            return;
        }
        for required in &service.requires {
            visit(plan, required, seen, out);
        }
        out.push(name.to_owned());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for name in names {
        visit(plan, name, &mut seen, &mut out);
    }
    out
}

pub(crate) fn post_signals(shared: &Shared, body: &Value) -> Response<Body> {
    let signal = body["signal"].as_str().unwrap_or("");
    if !signal.starts_with("SIG") || signal.to_uppercase() != signal {
        // Unsure of Pebble's exact text.
        return bad_request(format!("invalid signal name {signal:?}"));
    }
    let names = strings(&body["services"]);
    let mut state = shared.lock();
    if let Some(stopped) = names
        .iter()
        .find(|n| state.services.get(*n).is_none_or(|s| s.current != "active"))
    {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot send signal to {stopped:?}: service is not running"),
            None,
        );
    }
    state.signals.push((signal.to_owned(), names));
    sync(json!(true))
}

// ---- layers and plan ------------------------------------------------------------

pub(crate) fn get_plan(shared: &Shared, req: &Req) -> Response<Body> {
    if req.param("format") != Some("yaml") {
        return bad_request(format!(
            "invalid format {:?}",
            req.param("format").unwrap_or("")
        ));
    }
    let state = shared.lock();
    match state.plan.to_yaml() {
        Ok(yaml) => sync(json!(yaml)),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None),
    }
}

pub(crate) fn post_layers(shared: &Shared, body: &Value) -> Response<Body> {
    if body["action"] != "add" {
        return bad_request(format!("invalid action {:?}", body["action"]));
    }
    if body["format"] != "yaml" {
        return bad_request(format!("invalid format {:?}", body["format"]));
    }
    let label = body["label"].as_str().unwrap_or("");
    if label.is_empty() {
        return bad_request("label must be set");
    }
    if label.starts_with("pebble-") {
        return bad_request(format!("label {label:?} uses reserved prefix \"pebble-\""));
    }
    let inner = body["inner"].as_bool().unwrap_or(false);
    if label.contains('/') && !inner {
        // Unsure of Pebble's exact text; sub-directory labels need `inner`.
        return bad_request(format!(
            "cannot use label {label:?} with \"/\" unless inner is true"
        ));
    }
    let yaml = body["layer"].as_str().unwrap_or("");
    let layer = match Layer::from_yaml(yaml) {
        Ok(layer) => layer,
        Err(e) => return bad_request(e.to_string()),
    };
    let combine = body["combine"].as_bool().unwrap_or(false);
    shared.update(|state| {
        let previous = state.layers.clone();
        match state.layers.iter_mut().find(|(l, _)| l == label) {
            Some((_, existing)) if combine => {
                if let Err(e) = existing.combine(&layer) {
                    return bad_request(e.to_string());
                }
            }
            Some(_) => return bad_request(format!("layer {label:?} already exists")),
            None => state.layers.push((label.to_owned(), layer)),
        }
        if let Err(message) = state.replan_layers() {
            state.layers = previous;
            return bad_request(message);
        }
        sync(json!(true))
    })
}

// ---- checks -------------------------------------------------------------------

fn check_json(name: &str, check: &CheckState) -> Value {
    let mut info = json!({
        "name": name, "startup": check.startup, "status": check.status,
        "successes": check.successes, "threshold": check.threshold,
    });
    if let Some(level) = &check.level {
        info["level"] = json!(level);
    }
    if check.failures > 0 {
        info["failures"] = json!(check.failures);
    }
    info
}

pub(crate) fn get_checks(shared: &Shared, req: &Req) -> Response<Body> {
    let level = req.param("level");
    let names = req.list("names");
    let state = shared.lock();
    let checks: Vec<Value> = state
        .checks
        .iter()
        // Unsure whether `ready` includes `alive` here as it does for health.
        .filter(|(_, c)| level.is_none_or(|l| c.level.as_deref() == Some(l)))
        .filter(|(name, _)| names.is_empty() || names.contains(name))
        .map(|(name, check)| check_json(name, check))
        .collect();
    sync(json!(checks))
}

pub(crate) fn post_checks(shared: &Shared, body: &Value) -> Response<Body> {
    let action = body["action"].as_str().unwrap_or("");
    if !matches!(action, "start" | "stop") {
        return bad_request(format!("invalid action {action:?}"));
    }
    let names = strings(&body["checks"]);
    if names.is_empty() {
        return bad_request("must specify checks");
    }
    shared.update(|state| {
        if let Some(unknown) = names.iter().find(|n| !state.checks.contains_key(*n)) {
            return bad_request(format!("cannot find checks: {unknown}"));
        }
        let mut changed = Vec::new();
        for name in &names {
            if let Some(check) = state.checks.get_mut(name) {
                let running = check.status != "inactive";
                if action == "start" && !running {
                    check.status = "up".to_owned();
                    changed.push(name.clone());
                } else if action == "stop" && running {
                    check.status = "inactive".to_owned();
                    check.failures = 0;
                    changed.push(name.clone());
                }
            }
        }
        changed.sort();
        sync(json!({"changed": changed}))
    })
}

pub(crate) fn refresh_check(shared: &Shared, body: &Value) -> Response<Body> {
    let name = body["name"].as_str().unwrap_or("");
    let state = shared.lock();
    match state.checks.get(name) {
        None => not_found(format!("cannot find check {name:?}")),
        Some(check) => {
            let mut result = json!({"info": check_json(name, check)});
            if check.status == "down" {
                result["error"] = json!("non-zero exit code 1");
            }
            sync(result)
        }
    }
}
