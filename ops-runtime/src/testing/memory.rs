//! The in-memory hook tools behind the testing harness.

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::hook_tools::{ConfigMap, HookToolError, HookTools, LogLevel, StatusTarget};
use crate::status::{Status, StatusInfo};

/// One line the charm sent to `juju-log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JujuLogLine {
    /// The level.
    pub level: LogLevel,
    /// The message.
    pub message: String,
}

/// The model the in-memory hook tools read and write.
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    pub(crate) leader: bool,
    pub(crate) config: ConfigMap,
    pub(crate) unit_status: StatusInfo,
    pub(crate) app_status: StatusInfo,
    pub(crate) workload_version: Option<String>,
    /// `Some` while running an action: its parameters.
    pub(crate) action_params: Option<serde_json::Map<String, serde_json::Value>>,
    pub(crate) action_results: BTreeMap<String, String>,
    pub(crate) action_logs: Vec<String>,
    pub(crate) action_failure: Option<String>,
    pub(crate) juju_log: Vec<JujuLogLine>,
    pub(crate) unit_status_history: Vec<StatusInfo>,
    pub(crate) app_status_history: Vec<StatusInfo>,
    pub(crate) workload_version_history: Vec<String>,
    pub(crate) calls: Vec<&'static str>,
}

/// Hook tools that act on an in-memory model, refusing what Juju refuses.
///
/// The harness builds one per run from the input [`State`](super::State); it is
/// public for tests that drive [`crate::run`] directly.
#[derive(Debug, Default)]
pub struct MemoryHookTools {
    pub(crate) model: RefCell<Model>,
}

impl MemoryHookTools {
    fn call(&self, tool: &'static str) -> std::cell::RefMut<'_, Model> {
        let mut model = self.model.borrow_mut();
        model.calls.push(tool);
        model
    }

    fn action(&self, tool: &'static str) -> Result<std::cell::RefMut<'_, Model>, HookToolError> {
        let model = self.call(tool);
        if model.action_params.is_none() {
            return Err(HookToolError::Refused {
                tool,
                message: "not running an action".into(),
            });
        }
        Ok(model)
    }

    /// The names of the hook tools called so far, in order.
    pub fn calls(&self) -> Vec<&'static str> {
        self.model.borrow().calls.clone()
    }

    /// The `juju-log` lines so far.
    pub fn juju_log_lines(&self) -> Vec<JujuLogLine> {
        self.model.borrow().juju_log.clone()
    }
}

impl HookTools for MemoryHookTools {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), HookToolError> {
        self.call("juju-log").juju_log.push(JujuLogLine {
            level,
            message: message.to_owned(),
        });
        Ok(())
    }

    fn status_set(&self, target: StatusTarget, status: &Status) -> Result<(), HookToolError> {
        let mut model = self.call("status-set");
        match target {
            StatusTarget::Unit => {
                let previous = std::mem::replace(&mut model.unit_status, status.info());
                model.unit_status_history.push(previous);
            }
            StatusTarget::App => {
                if !model.leader {
                    return Err(HookToolError::Refused {
                        tool: "status-set",
                        message: "this unit is not the leader".into(),
                    });
                }
                let previous = std::mem::replace(&mut model.app_status, status.info());
                model.app_status_history.push(previous);
            }
        }
        Ok(())
    }

    fn status_get(&self, target: StatusTarget) -> Result<StatusInfo, HookToolError> {
        let model = self.call("status-get");
        match target {
            StatusTarget::Unit => Ok(model.unit_status.clone()),
            StatusTarget::App if model.leader => Ok(model.app_status.clone()),
            StatusTarget::App => Err(HookToolError::Refused {
                tool: "status-get",
                message: "this unit is not the leader".into(),
            }),
        }
    }

    fn is_leader(&self) -> Result<bool, HookToolError> {
        Ok(self.call("is-leader").leader)
    }

    fn config_get(&self) -> Result<ConfigMap, HookToolError> {
        Ok(self.call("config-get").config.clone())
    }

    fn application_version_set(&self, version: &str) -> Result<(), HookToolError> {
        let mut model = self.call("application-version-set");
        if let Some(previous) = model.workload_version.replace(version.to_owned()) {
            model.workload_version_history.push(previous);
        }
        Ok(())
    }

    fn action_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, HookToolError> {
        let model = self.action("action-get")?;
        Ok(model.action_params.clone().unwrap_or_default())
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), HookToolError> {
        let mut model = self.action("action-set")?;
        model
            .action_results
            .extend(results.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    fn action_log(&self, message: &str) -> Result<(), HookToolError> {
        self.action("action-log")?
            .action_logs
            .push(message.to_owned());
        Ok(())
    }

    fn action_fail(&self, message: &str) -> Result<(), HookToolError> {
        self.action("action-fail")?.action_failure = Some(message.to_owned());
        Ok(())
    }
}
