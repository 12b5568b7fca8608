//! `resource-get`, `credential-get`, `juju-reboot`, `add-metric`, and the deprecated
//! `leader-get` and `leader-set`.

use ops_runtime::HookTools;
use serde_json::Value;

use super::{Context, ToolError, json_text, output, parse};
use crate::sim::state::{Metric, Model};

/// Runs one of these tools.
pub(super) fn run(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
    match tool {
        "resource-get" => resource_get(args, model, context),
        "credential-get" => credential_get(args, model),
        "juju-reboot" => juju_reboot(args, model),
        "add-metric" => add_metric(args, model, context),
        "leader-get" => leader_get(args, model),
        _ => leader_set(args, model),
    }
}

/// `resource-get NAME`: the path of `<sim root>/resources/NAME` when that file
/// exists; otherwise the error Juju gives for a resource the controller lacks.
fn resource_get(args: &[String], model: &Model, context: &Context) -> Result<String, ToolError> {
    let parsed = parse(args, &[], &[])?;
    let name = match parsed.positionals.as_slice() {
        [] => return Err(ToolError::usage("missing required resource name")),
        [name] => name,
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(ToolError::usage(format!(
            "resource name {name:?} not valid"
        )));
    }
    if let Some(root) = &context.root {
        let path = root.join("resources").join(name);
        if path.is_file() {
            // Juju prints the path without a newline (resource-get.go).
            return Ok(path.display().to_string());
        }
    }
    Err(ToolError::failed(format!(
        "could not download resource: HTTP request failed: Get \
         https://10.0.0.1:17070/model/{}/units/unit-{}/resources/{name}: resource#{}/{name} \
         not found",
        model.model_uuid,
        model.unit.replace('/', "-"),
        model.app
    )))
}

/// `credential-get --format=json`: Juju's error unless the application is trusted,
/// then a fake LXD cloud, as `params.CloudSpec` prints it (empty `omitempty` fields
/// left out).
fn credential_get(args: &[String], model: &Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
    }
    if !model.trusted {
        return Err(ToolError::failed(
            "cannot access cloud credentials: permission denied",
        ));
    }
    output(
        &serde_json::json!({
            "type": "lxd",
            "name": "localhost",
            "region": "default",
            "endpoint": "https://10.0.0.1:8443",
            "credential": {"auth-type": "certificate"},
            "is-controller-cloud": true,
        }),
        json,
    )
}

/// `juju-reboot [--now]`: records the request; the charm goes on (Juju would kill it
/// with `--now`).
fn juju_reboot(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &[], &["--now"])?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
    }
    let now = parsed.flag("--now");
    super::juju::call(model, |tools| tools.juju_reboot(now))?;
    Ok(String::new())
}

/// `KEY=VALUE` arguments, in order.
fn key_values<'a>(
    items: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> Result<Vec<(String, String)>, ToolError> {
    items
        .into_iter()
        .map(|item| match item.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
            _ => Err(ToolError::usage(format!(
                "invalid {what}: expected \"key=value\", got {item:?}"
            ))),
        })
        .collect()
}

/// `add-metric [--labels K=V,...] KEY=VALUE ...`: only in `collect-metrics`.
fn add_metric(args: &[String], model: &mut Model, context: &Context) -> Result<String, ToolError> {
    let parsed = parse(args, &["-l", "--labels"], &[])?;
    if parsed.positionals.is_empty() {
        return Err(ToolError::usage("no metrics specified"));
    }
    let metrics = key_values(parsed.positionals.iter().map(String::as_str), "metrics")?;
    let labels = match parsed.value(&["-l", "--labels"]) {
        None | Some("") => Vec::new(),
        Some(labels) => key_values(labels.split(','), "labels")?,
    };
    if context.event != "collect-metrics" {
        return Err(ToolError::failed(
            "cannot record metric: metrics not allowed in this context",
        ));
    }
    for (key, value) in metrics {
        if key.starts_with("juju") {
            return Err(ToolError::failed(format!("{key} uses a reserved prefix")));
        }
        model.metrics.push(Metric {
            key,
            value,
            labels: labels.iter().cloned().collect(),
        });
    }
    Ok(String::new())
}

/// `leader-get [--format=json] [KEY|-]`.
fn leader_get(args: &[String], model: &Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    match parsed.positionals.as_slice() {
        [] => output(&settings(model), json),
        [key] if key == "-" => output(&settings(model), json),
        [key] if key.contains('=') => Err(ToolError::usage(format!("invalid key {key:?}"))),
        [key] => match model.leader_settings.get(key) {
            Some(value) => output(&Value::String(value.clone()), json),
            None if json => json_text(&Value::Null),
            None => Ok(String::new()),
        },
        [_, extra, ..] => Err(ToolError::usage(format!("unrecognized args: [{extra:?}]"))),
    }
}

/// The leader settings as one value.
fn settings(model: &Model) -> Value {
    serde_json::to_value(&model.leader_settings).unwrap_or_default()
}

/// `leader-set KEY=VALUE ...`: the leader only; an empty value deletes the key.
fn leader_set(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &[], &[])?;
    let settings = key_values(parsed.positionals.iter().map(String::as_str), "settings")?;
    if !model.leader {
        return Err(ToolError::failed(
            "cannot write leadership settings: cannot write settings: not the leader",
        ));
    }
    for (key, value) in settings {
        if value.is_empty() {
            model.leader_settings.remove(&key);
        } else {
            model.leader_settings.insert(key, value);
        }
    }
    Ok(String::new())
}
