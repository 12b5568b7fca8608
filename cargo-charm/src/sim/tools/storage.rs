//! The rows of `storage-get` and `storage-add`: argv and Juju's output format; what
//! they answer and refuse is the runtime's model's.
//!
//! `sim` attaches the storage the charm declares when it starts, each instance a
//! directory under the simulation's root; `storage-add` records a request, which a
//! scenario's `storage-attached` step fulfils (Juju attaches storage after the hook).

use ops_runtime::HookTools;
use ops_runtime::testing::MemoryHookTools;

use super::{Call, ToolError};

/// `storage-get [-s ID] [--format=json] [KEY]`: `{kind, location}` of the instance
/// (the hook's, without `-s`), or one of them.
pub(super) fn get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let id = c
        .args
        .value(&["-s"])
        .or(c.context.storage_id.as_deref())
        .ok_or_else(|| ToolError::usage("no storage instance specified"))?;
    let key = c.at_most(1)?.first().map(String::as_str);
    let info = c.tools.storage_get(id)?;
    let location = info.location.display().to_string();
    match key {
        None => c.print(serde_json::json!({
            "kind": info.kind,
            "location": location,
        })),
        Some("kind") => c.print(info.kind),
        Some("location") => c.print(location),
        Some(key) => Err(ToolError::failed(format!(
            "invalid storage attribute {key:?}"
        ))),
    }
}

/// `storage-add NAME[=COUNT] ...`: all the directives are granted, or none.
pub(super) fn add(c: &mut Call<'_>) -> Result<String, ToolError> {
    if c.args.positionals.is_empty() {
        return Err(ToolError::usage("storage add requires a storage directive"));
    }
    let mut requests = Vec::new();
    for directive in &c.args.positionals {
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
        requests.push((name, count));
    }
    // Try every directive on a copy first, so a refused one adds nothing.
    let trial = MemoryHookTools::new(c.tools.model());
    for (name, count) in &requests {
        trial.storage_add(name, *count)?;
    }
    for (name, count) in &requests {
        c.tools.storage_add(name, *count)?;
    }
    Ok(String::new())
}
