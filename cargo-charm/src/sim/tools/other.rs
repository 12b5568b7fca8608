//! `resource-get`, `credential-get`, `juju-reboot`, `add-metric`, and the deprecated
//! `leader-get` and `leader-set`.

use ops_runtime::{CloudCredential, CloudSpec, HookTools};
use serde_json::{Map, Value};

use super::{Context, ToolError, json_text, juju, output, parse};
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
/// exists; otherwise the runtime's model's refusal for a resource the controller
/// lacks.
fn resource_get(
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
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
    let on_disk = context
        .root
        .as_ref()
        .map(|root| root.join("resources").join(name))
        .filter(|path| path.is_file());
    let path = juju::call_with(
        model,
        |juju| {
            juju.resources
                .extend(on_disk.map(|path| (name.clone(), path)))
        },
        |tools| tools.resource_get(name),
    )?;
    // Juju prints the path without a newline (resource-get.go).
    Ok(path.display().to_string())
}

/// The cloud a trusted application's `credential-get` reports: a fake LXD cloud.
pub(super) fn sim_cloud() -> CloudSpec {
    CloudSpec {
        kind: "lxd".into(),
        name: "localhost".into(),
        region: Some("default".into()),
        endpoint: Some("https://10.0.0.1:8443".into()),
        identity_endpoint: None,
        storage_endpoint: None,
        credential: Some(CloudCredential {
            auth_type: "certificate".into(),
            attrs: std::collections::BTreeMap::new(),
            redacted: Vec::new(),
        }),
        ca_certificates: Vec::new(),
        skip_tls_verify: false,
        is_controller_cloud: true,
    }
}

/// `credential-get --format=json`: the runtime's model's refusal unless the
/// application is trusted, then its cloud as `params.CloudSpec` prints it (empty
/// `omitempty` fields left out).
fn credential_get(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
    }
    let spec = juju::call(model, |tools| tools.credential_get())?;
    let mut out = Map::new();
    out.insert("type".into(), Value::from(spec.kind));
    out.insert("name".into(), Value::from(spec.name));
    for (key, value) in [
        ("region", spec.region),
        ("endpoint", spec.endpoint),
        ("identity-endpoint", spec.identity_endpoint),
        ("storage-endpoint", spec.storage_endpoint),
    ] {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            out.insert(key.into(), Value::from(value));
        }
    }
    if let Some(credential) = spec.credential {
        let mut cred = Map::new();
        cred.insert("auth-type".into(), Value::from(credential.auth_type));
        if !credential.attrs.is_empty() {
            cred.insert("attrs".into(), serde_json::json!(credential.attrs));
        }
        if !credential.redacted.is_empty() {
            cred.insert("redacted".into(), serde_json::json!(credential.redacted));
        }
        out.insert("credential".into(), Value::Object(cred));
    }
    if !spec.ca_certificates.is_empty() {
        out.insert(
            "cacertificates".into(),
            serde_json::json!(spec.ca_certificates),
        );
    }
    if spec.skip_tls_verify {
        out.insert("skip-tls-verify".into(), Value::Bool(true));
    }
    if spec.is_controller_cloud {
        out.insert("is-controller-cloud".into(), Value::Bool(true));
    }
    output(&Value::Object(out), json)
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
