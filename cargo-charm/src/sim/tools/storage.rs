//! `storage-list`, `storage-get` and `storage-add`.
//!
//! `sim` attaches the storage the charm declares when it starts, each instance a
//! directory under the simulation's root; `storage-add` records a request, which a
//! scenario's `storage-attached` step fulfils (Juju attaches storage after the hook).

use serde_json::Value;

use super::{Context, ToolError, output, parse};
use crate::sim::state::Model;

/// Runs one of the storage tools.
pub(super) fn run(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
    match tool {
        "storage-list" => list(args, model),
        "storage-get" => get(args, model, context),
        _ => add(args, model),
    }
}

/// `storage-list [--format=json] [NAME]`: the attached instances, `name/N`.
fn list(args: &[String], model: &Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    let name = match parsed.positionals.as_slice() {
        [] => None,
        [name] => Some(name.as_str()),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    let ids: Vec<&str> = model
        .storage
        .iter()
        .filter(|instance| name.is_none_or(|name| instance.name() == name))
        .map(|instance| instance.id.as_str())
        .collect();
    output(&Value::from(ids), json)
}

/// Whether `id` is a storage id, `name/N`.
fn valid_id(id: &str) -> bool {
    id.split_once('/').is_some_and(|(name, index)| {
        !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `storage-get [-s ID] [--format=json] [KEY]`: `{kind, location}` of the instance
/// (the hook's, without `-s`), or one of them.
fn get(args: &[String], model: &Model, context: &Context) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format", "-s"], &[])?;
    let json = parsed.json()?;
    let instance = match parsed.value(&["-s"]) {
        Some(id) => {
            if !valid_id(id) {
                return Err(ToolError::usage(format!(
                    "invalid value {id:?} for option -s: invalid storage ID {id:?}"
                )));
            }
            model
                .storage
                .iter()
                .find(|instance| instance.id == id)
                .ok_or_else(|| {
                    ToolError::usage(format!(
                        "invalid value {id:?} for option -s: storage {id:?} not found"
                    ))
                })?
        }
        None => {
            let id = context
                .storage_id
                .as_deref()
                .ok_or_else(|| ToolError::usage("no storage instance specified"))?;
            model
                .storage
                .iter()
                .find(|instance| instance.id == id)
                .ok_or_else(|| ToolError::failed(format!("storage {id:?} not found")))?
        }
    };
    let location = instance.location.display().to_string();
    match parsed.positionals.as_slice() {
        [] => output(
            &serde_json::json!({
                "kind": instance.kind,
                "location": location,
            }),
            json,
        ),
        [key] => match key.as_str() {
            "kind" => output(&Value::String(instance.kind.clone()), json),
            "location" => output(&Value::String(location), json),
            _ => Err(ToolError::failed(format!(
                "invalid storage attribute {key:?}"
            ))),
        },
        [_, extra, ..] => Err(ToolError::usage(format!("unrecognized args: [{extra:?}]"))),
    }
}

/// `storage-add NAME[=COUNT] ...`.
fn add(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &[], &[])?;
    if parsed.positionals.is_empty() {
        return Err(ToolError::usage("storage add requires a storage directive"));
    }
    let mut requests = Vec::new();
    for directive in &parsed.positionals {
        let (name, count) = match directive.split_once('=') {
            Some((name, count)) => {
                let count = count.parse::<u32>().ok().filter(|count| *count > 0);
                (
                    name,
                    count.ok_or_else(|| {
                        ToolError::usage(format!("only count can be specified for {name:?}"))
                    })?,
                )
            }
            None => (directive.as_str(), 1),
        };
        requests.push((name.to_owned(), count));
    }
    for (name, count) in &requests {
        let Some(spec) = model.charm_storage.get(name) else {
            return Err(ToolError::failed(format!(
                "charm storage {name:?} not found"
            )));
        };
        if let Some(max) = spec.max {
            let attached = model
                .storage
                .iter()
                .filter(|instance| instance.name() == name)
                .count();
            let requested = model.storage_requested.get(name).copied().unwrap_or(0);
            let total = u64::try_from(attached).unwrap_or(u64::MAX)
                + u64::from(requested)
                + u64::from(*count);
            if total > u64::from(max) {
                return Err(ToolError::failed(format!(
                    "cannot add storage {name:?}: the charm allows at most {max} instances, \
                     this would make {total}"
                )));
            }
        }
    }
    for (name, count) in requests {
        *model.storage_requested.entry(name).or_default() += count;
    }
    Ok(String::new())
}
