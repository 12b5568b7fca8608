//! The rows of `resource-get`, `credential-get`, `add-metric`, and the deprecated
//! `leader-get` and `leader-set`: argv and Juju's output format; what they answer
//! and refuse is the runtime's model's.

use ops_runtime::HookTools;
use serde_json::{Map, Value};

use super::table::key_values;
use super::{Call, ToolError};

/// `resource-get NAME`: the path of the file `--resource` gave (the model refuses a
/// resource the controller lacks); Juju prints it without a newline
/// (resource-get.go).
pub(super) fn resource_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let name = c.one("missing required resource name")?;
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(ToolError::usage(format!(
            "resource name {name:?} not valid"
        )));
    }
    Ok(c.tools.resource_get(name)?.display().to_string())
}

/// `credential-get --format=json`: the cloud as `params.CloudSpec` prints it (empty
/// `omitempty` fields left out).
pub(super) fn credential_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    c.at_most(0)?;
    let spec = c.tools.credential_get()?;
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
    c.print(out)
}

/// `add-metric [--labels K=V,...] KEY=VALUE ...`.
pub(super) fn add_metric(c: &mut Call<'_>) -> Result<String, ToolError> {
    if c.args.positionals.is_empty() {
        return Err(ToolError::usage("no metrics specified"));
    }
    let metrics = key_values(c.args.positionals.iter().map(String::as_str), "metrics")?;
    let labels = match c.args.value(&["-l", "--labels"]) {
        None | Some("") => Vec::new(),
        Some(labels) => key_values(labels.split(','), "labels")?,
    };
    c.tools.add_metric(&metrics, &labels)?;
    Ok(String::new())
}

/// `leader-get [--format=json] [KEY|-]`.
pub(super) fn leader_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let settings = c.tools.leader_get();
    match c.at_most(1)?.first().map(String::as_str) {
        None | Some("-") => c.print(settings),
        Some(key) if key.contains('=') => Err(ToolError::usage(format!("invalid key {key:?}"))),
        Some(key) => c.print(settings.get(key)),
    }
}

/// `leader-set KEY=VALUE ...`: an empty value deletes the key.
pub(super) fn leader_set(c: &mut Call<'_>) -> Result<String, ToolError> {
    let settings = key_values(c.args.positionals.iter().map(String::as_str), "settings")?;
    c.tools.leader_set(&settings)?;
    Ok(String::new())
}
