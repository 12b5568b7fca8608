//! The bridge to the runtime's model of Juju's side
//! ([`ops_runtime::testing::JujuModel`]): the one implementation of the hook
//! tools' semantics, which the testing harness calls directly.
//!
//! A tool the model implements runs as: parse argv (the caller), build the
//! runtime's model from the saved one, make the typed call on
//! [`MemoryHookTools`], copy back what the call may change, and print the
//! answer in Juju's format (the caller). A refusal is the model's: the same
//! exit code and stderr the harness reports.

use std::collections::BTreeMap;
use std::str::FromStr;

use ops_runtime::testing::{
    JujuModel, MemoryHookTools, Relation as JujuRelation, Storage as JujuStorage,
};
use ops_runtime::{HookToolError, Port, StatusInfo, StatusKind};
use serde_json::{Map, Value};

use super::ToolError;
use crate::sim::state::{Model, Status};

/// Runs `call` against the runtime's model of `model`, then saves back what a
/// hook tool may change.
pub(super) fn call<T>(
    model: &mut Model,
    call: impl FnOnce(&MemoryHookTools) -> Result<T, HookToolError>,
) -> Result<T, ToolError> {
    call_with(model, |_| {}, call)
}

/// [`call`], with `prepare` first adding to the runtime's model what the saved
/// model does not hold (the resources on disk).
pub(super) fn call_with<T>(
    model: &mut Model,
    prepare: impl FnOnce(&mut JujuModel),
    call: impl FnOnce(&MemoryHookTools) -> Result<T, HookToolError>,
) -> Result<T, ToolError> {
    let mut juju = to_juju(model);
    prepare(&mut juju);
    let tools = MemoryHookTools::new(juju);
    let result = call(&tools);
    from_juju(model, tools.model());
    result.map_err(tool_error)
}

/// The runtime's model of what the saved model holds.
pub(super) fn to_juju(model: &Model) -> JujuModel {
    let mut juju = JujuModel::default();
    juju.unit_name.clone_from(&model.unit);
    juju.app_name.clone_from(&model.app);
    juju.model_uuid.clone_from(&model.model_uuid);
    juju.leader = model.leader;
    juju.config = model
        .config
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    juju.unit_status = status_info(&model.unit_status);
    juju.app_status = status_info(&model.app_status);
    juju.workload_version =
        (!model.workload_version.is_empty()).then(|| model.workload_version.clone());
    juju.relations = model
        .relations
        .iter()
        .map(|relation| {
            // `sim` relates a peer endpoint to the unit's own application.
            let mut juju = if relation.remote_app == model.app {
                JujuRelation::peer(relation.endpoint.clone(), relation.id)
            } else {
                JujuRelation::new(relation.endpoint.clone(), relation.id)
            };
            juju.remote_app.clone_from(&relation.remote_app);
            juju.remote_units.clone_from(&relation.remote_units);
            juju.remote_app_data.clone_from(&relation.remote_app_data);
            juju.local_unit_data.clone_from(&relation.local_unit_data);
            juju.local_app_data.clone_from(&relation.local_app_data);
            juju
        })
        .collect();
    juju.opened_ports = model
        .opened_ports
        .iter()
        .filter_map(|port| Port::from_str(port).ok())
        .collect();
    juju.controller_state.clone_from(&model.controller_state);
    juju.storages = model
        .storage
        .iter()
        .filter_map(|instance| {
            let (name, index) = instance.id.split_once('/')?;
            let mut storage = JujuStorage::new(name, index.parse().ok()?);
            storage.location.clone_from(&instance.location);
            Some(storage)
        })
        .collect();
    juju.declared_storage = Some(
        model
            .charm_storage
            .iter()
            .map(|(name, spec)| (name.clone(), spec.kind.clone()))
            .collect(),
    );
    juju.storage_max = model
        .charm_storage
        .iter()
        .filter_map(|(name, spec)| Some((name.clone(), spec.max?)))
        .collect();
    juju.requested_storages.clone_from(&model.storage_requested);
    juju.bindings = Some(model.bindings.iter().cloned().collect());
    juju.default_network = Some(super::network::sim_network());
    juju.planned_units = 1;
    juju.cloud_spec = model.trusted.then(super::other::sim_cloud);
    if let Some(action) = &model.running_action {
        juju.action_params = Some(match &action.params {
            Value::Object(params) => params.clone(),
            _ => Map::new(),
        });
        flatten(&action.results, "", &mut juju.action_results);
        juju.action_logs.clone_from(&action.log);
        juju.action_failure = (action.status == "failed")
            .then(|| action.message.clone())
            .flatten();
    }
    juju
}

/// Nested `action-set` results as the runtime's model keeps them: by dotted key.
fn flatten(results: &Map<String, Value>, prefix: &str, flat: &mut BTreeMap<String, String>) {
    for (key, value) in results {
        let key = format!("{prefix}{key}");
        match value {
            Value::Object(inner) => flatten(inner, &format!("{key}."), flat),
            Value::String(text) => {
                flat.insert(key, text.clone());
            }
            other => {
                flat.insert(key, other.to_string());
            }
        }
    }
}

/// Copies back into the saved model what the hook tools the runtime's model
/// answers may have changed.
fn from_juju(model: &mut Model, juju: JujuModel) {
    model.unit_status = status(&juju.unit_status);
    model.app_status = status(&juju.app_status);
    if let Some(version) = juju.workload_version {
        model.workload_version = version;
    }
    for relation in &mut model.relations {
        if let Some(after) = juju.relations.iter().find(|r| r.id == relation.id) {
            relation.local_unit_data.clone_from(&after.local_unit_data);
            relation.local_app_data.clone_from(&after.local_app_data);
        }
    }
    model.opened_ports = juju.opened_ports.iter().map(Port::to_string).collect();
    model.controller_state = juju.controller_state;
    model.storage_requested = juju.requested_storages;
    if let Some(&now) = juju.reboots.last() {
        model.reboot = Some(if now { "now" } else { "after-hook" }.to_owned());
    }
    if let Some(action) = &mut model.running_action {
        let mut results = Map::new();
        for (key, value) in &juju.action_results {
            let parts: Vec<&str> = key.split('.').collect();
            // Keys were checked on the way in; a clash keeps the first value.
            let _ = super::insert_nested(&mut results, &parts, value);
        }
        action.results = results;
        action.log = juju.action_logs;
        if let Some(message) = juju.action_failure {
            action.status = "failed".into();
            action.message = Some(message);
        }
    }
}

/// The runtime's failure as the tool reports it: Juju's exit code and message.
fn tool_error(error: HookToolError) -> ToolError {
    match error {
        HookToolError::Failed {
            exit_code, stderr, ..
        } => {
            let message = stderr.trim_end();
            ToolError {
                code: exit_code
                    .and_then(|code| u8::try_from(code).ok())
                    .unwrap_or(1),
                message: message.strip_prefix("ERROR ").unwrap_or(message).to_owned(),
            }
        }
        other => ToolError::failed(other.to_string()),
    }
}

/// A saved status as the runtime's model holds it.
pub(super) fn status_info(status: &Status) -> StatusInfo {
    StatusInfo {
        kind: StatusKind::from_name(&status.status).unwrap_or(StatusKind::Unknown),
        message: status.message.clone(),
    }
}

/// A status of the runtime's model as the saved model holds it.
pub(super) fn status(info: &StatusInfo) -> Status {
    Status::new(info.kind.as_str(), &info.message)
}
