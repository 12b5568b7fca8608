//! `storage-list`, `storage-get` and `storage-add`: argv and Juju's output
//! format; what they answer and refuse is the runtime's model's ([`super::juju`]).
//!
//! `sim` attaches the storage the charm declares when it starts, each instance a
//! directory under the simulation's root; `storage-add` records a request, which a
//! scenario's `storage-attached` step fulfils (Juju attaches storage after the hook).

use ops_runtime::HookTools;
use ops_runtime::testing::MemoryHookTools;
use serde_json::Value;

use super::{Context, ToolError, juju, output, parse};
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
fn list(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    let name = match parsed.positionals.as_slice() {
        [] => None,
        [name] => Some(name.as_str()),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    let ids = juju::call(model, |tools| tools.storage_list(name))?;
    output(&Value::from(ids), json)
}

/// `storage-get [-s ID] [--format=json] [KEY]`: `{kind, location}` of the instance
/// (the hook's, without `-s`), or one of them.
fn get(args: &[String], model: &mut Model, context: &Context) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format", "-s"], &[])?;
    let json = parsed.json()?;
    let id = parsed
        .value(&["-s"])
        .or(context.storage_id.as_deref())
        .ok_or_else(|| ToolError::usage("no storage instance specified"))?;
    let key = match parsed.positionals.as_slice() {
        [] => None,
        [key] => Some(key.as_str()),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    let info = juju::call(model, |tools| tools.storage_get(id))?;
    let location = info.location.display().to_string();
    match key {
        None => output(
            &serde_json::json!({
                "kind": info.kind,
                "location": location,
            }),
            json,
        ),
        Some("kind") => output(&Value::String(info.kind), json),
        Some("location") => output(&Value::String(location), json),
        Some(key) => Err(ToolError::failed(format!(
            "invalid storage attribute {key:?}"
        ))),
    }
}

/// `storage-add NAME[=COUNT] ...`: all the directives are granted, or none.
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
    juju::call(model, |tools| {
        // Try every directive on a copy first, so a refused one adds nothing.
        let trial = MemoryHookTools::new(tools.model());
        for (name, count) in &requests {
            trial.storage_add(name, *count)?;
        }
        for (name, count) in &requests {
            tools.storage_add(name, *count)?;
        }
        Ok(())
    })?;
    Ok(String::new())
}
