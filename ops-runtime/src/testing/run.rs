//! Running one event: the in-memory model and Pebbles built from the input
//! [`State`], the real dispatch code run against them, and the output state
//! read back.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::memory::{JujuModel, MemoryHookTools};
use super::{Action, ActionOutput, Context, Emitted, Relation, RunError, State};
use crate::context::HookContext;
use crate::dispatch::{BeforeCommit, Charm, DispatchError, Outcome, Probe};
use crate::env::JujuContext;
use crate::event::Event;
use crate::hook_tools::{ConfigMap, HookTools};
use crate::status::StatusInfo;

/// The harness's state store: the snapshot built from the input state.
struct MemoryStore(std::cell::RefCell<crate::state::Snapshot>);

impl crate::state::StateStore for MemoryStore {
    fn load(&self) -> Result<crate::state::Snapshot, crate::state::StateError> {
        Ok(self.0.borrow().clone())
    }

    fn save(&self, snapshot: &crate::state::Snapshot) -> Result<(), crate::state::StateError> {
        *self.0.borrow_mut() = snapshot.clone();
        Ok(())
    }
}

impl<C: Charm> Context<C> {
    /// Runs one event and returns the state after it.
    ///
    /// The event can be a custom one, a component's or the charm's own
    /// (`Event::Custom`; see [`Context::run_custom`]): it runs as if emitted
    /// in a hook, deferred events first and collect-status after.
    pub fn run(&mut self, event: Event, state: State) -> Result<State, RunError> {
        self.run_probed(event, state, None)
    }

    /// Runs one event, then calls `inspect` with the charm as the event left
    /// it and the hook's live context, before the state is committed (as
    /// ops.testing's `with ctx(event, state) as mgr` does after `mgr.run()`):
    /// what `inspect` returns comes back with the output state, and what it
    /// does through the context (statuses, relation data, stored state) is
    /// in that state. `inspect` is not called when the hook fails.
    ///
    /// ```
    /// use ops_runtime::testing::{Context, State};
    /// use ops_runtime::{charm, Event, HookContext, ModelError, Status};
    ///
    /// #[derive(Default)]
    /// struct Counter {
    ///     seen: u32,
    /// }
    ///
    /// impl Counter {
    ///     fn report(&self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         cx.set_unit_status(Status::active(format!("{} events", self.seen)))
    ///     }
    /// }
    ///
    /// #[charm(metadata_source = "name: counter")]
    /// impl Counter {
    ///     #[on(install)]
    ///     fn install(&mut self) {
    ///         self.seen += 1;
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Counter>::new();
    /// let (out, seen) = ctx
    ///     .run_with(Event::Install, State::new(), |charm, cx| {
    ///         charm.report(cx).map(|()| charm.seen)
    ///     })
    ///     .unwrap();
    /// assert_eq!(seen.unwrap(), 1);
    /// assert_eq!(out.unit_status, Status::active("1 events"));
    /// assert_eq!(ctx.charm().map(|c| c.seen), Some(1));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Context::run`]; [`RunError::Inconsistent`] when the charm did not
    /// run at all (a restricted hook such as `collect-metrics` of a charm whose
    /// state Juju's controller keeps).
    pub fn run_with<R>(
        &mut self,
        event: Event,
        state: State,
        inspect: impl FnOnce(&mut C, &mut HookContext) -> R,
    ) -> Result<(State, R), RunError> {
        let hook = event.hook_name();
        let mut inspect = Some(inspect);
        let mut result = None;
        let mut before_commit = |charm: &mut C, cx: &mut HookContext| {
            if let Some(inspect) = inspect.take() {
                result = Some(inspect(charm, cx));
            }
        };
        let state = self.run_probed(event, state, Some(&mut before_commit))?;
        match result {
            Some(result) => Ok((state, result)),
            None => Err(RunError::Inconsistent(vec![format!(
                "the charm did not run for `{hook}` (a restricted hook of a charm whose state \
                 Juju's controller keeps), so there is nothing to inspect"
            )])),
        }
    }

    fn run_probed(
        &mut self,
        event: Event,
        state: State,
        before_commit: Option<BeforeCommit<'_, C>>,
    ) -> Result<State, RunError> {
        if let Event::Action(action) = &event {
            return Err(RunError::Inconsistent(vec![format!(
                "run the action `{}` with `Context::run_action`, which also returns its results",
                action.name
            )]));
        }
        self.warnings = self.warnings_for(&event, &state);
        let mut problems = self.check_state(&state);
        problems.extend(self.check_event(&event, &state));
        if !problems.is_empty() {
            return Err(RunError::Inconsistent(problems));
        }
        let (outcome, state) = self.execute(&event, state, None, before_commit);
        match outcome {
            Outcome::Failed(error) => Err(RunError::Failed {
                error,
                state: Box::new(state),
            }),
            _ => Ok(state),
        }
    }

    /// Runs a custom event as if `component` emitted it: a component field's
    /// name, or `self` for the charm's own events (`#[charm(events(...))]`).
    /// The charm's components observe it and its `#[on(component::name)]`
    /// handlers run, then collect-status, as when it is emitted in a hook.
    ///
    /// ```
    /// use ops_runtime::testing::{Context, State};
    /// use ops_runtime::{charm, Custom, CustomEvent, Status};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct RestartNeeded {
    ///     reason: String,
    /// }
    ///
    /// impl CustomEvent for RestartNeeded {
    ///     const NAME: &'static str = "restart_needed";
    /// }
    ///
    /// #[derive(Default)]
    /// struct Server {
    ///     restarted_for: Option<String>,
    /// }
    ///
    /// #[charm(events(RestartNeeded), metadata_source = "name: server")]
    /// impl Server {
    ///     #[on(self::restart_needed)]
    ///     fn restart(&mut self, event: Custom<RestartNeeded>) {
    ///         self.restarted_for = Some(event.into_inner().reason);
    ///     }
    /// }
    ///
    /// let mut ctx = Context::<Server>::new();
    /// let event = RestartNeeded { reason: "new certificate".into() };
    /// ctx.run_custom("self", &event, State::new()).unwrap();
    /// let charm = ctx.charm().unwrap();
    /// assert_eq!(charm.restarted_for.as_deref(), Some("new certificate"));
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Context::run`]; [`RunError::Inconsistent`] when the payload does
    /// not serialize, `component` is neither `self` nor a component of the
    /// charm, or the charm does not declare the event.
    pub fn run_custom<E: crate::CustomEvent>(
        &mut self,
        component: &str,
        event: &E,
        state: State,
    ) -> Result<State, RunError> {
        let payload = serde_json::to_value(event).map_err(|e| {
            RunError::Inconsistent(vec![format!(
                "the payload of `{component}::{}` does not serialize: {e}",
                E::NAME
            )])
        })?;
        let event = Event::Custom(crate::event::CustomEventData {
            qualified: format!("{component}::{}", E::NAME),
            name: E::NAME.to_owned(),
            payload,
        });
        self.run(event, state)
    }

    /// Runs an action and returns its results, logs and the state after it.
    pub fn run_action(&mut self, action: Action, state: State) -> Result<ActionOutput, RunError> {
        self.warnings.clear();
        let mut problems = self.check_state(&state);
        problems.extend(self.check_action(&action));
        if !problems.is_empty() {
            return Err(RunError::Inconsistent(problems));
        }
        let event = Event::Action(crate::event::ActionEvent {
            name: action.name.clone(),
            id: action.id.clone(),
        });
        // Juju hands the charm the declared defaults of parameters not given.
        let mut params = action.params;
        if let Some(meta) = self.meta.actions.get(&action.name) {
            for (name, param) in &meta.params {
                if let Some(default) = &param.default {
                    params
                        .entry(name.clone())
                        .or_insert_with(|| default.clone());
                }
            }
        }
        let (outcome, state) = self.execute(&event, state, Some(params), None);
        let output = ActionOutput {
            state,
            results: self.last.action_results_tree(),
            logs: self.last.action_logs.clone(),
        };
        match (outcome, self.last.action_failure.clone()) {
            (Outcome::Failed(error), _) => Err(RunError::Failed {
                error,
                state: Box::new(output.state),
            }),
            (Outcome::ActionFailed { message }, _) | (_, Some(message)) => {
                Err(RunError::ActionFailed {
                    message,
                    output: Box::new(output),
                })
            }
            _ => Ok(output),
        }
    }

    fn execute(
        &mut self,
        event: &Event,
        state: State,
        action_params: Option<serde_json::Map<String, serde_json::Value>>,
        before_commit: Option<BeforeCommit<'_, C>>,
    ) -> (Outcome, State) {
        self.emitted.clear();
        self.emitted_all.clear();
        self.charm = None;
        let mut model = JujuModel {
            unit_name: format!("{}/{}", self.app_name, self.unit_id),
            app_name: self.app_name.clone(),
            model_uuid: self.model_uuid.clone(),
            relations: state
                .relations
                .iter()
                .map(|r| {
                    let mut r = r.with_juju_addresses(&local_network(&state, &r.endpoint));
                    if r.peer {
                        r.remote_app.clone_from(&self.app_name);
                    }
                    r
                })
                .collect(),
            secrets: state.secrets.clone(),
            storages: state.storages.clone(),
            resources: state.resources.clone(),
            networks: state.networks.clone(),
            opened_ports: state.opened_ports.clone(),
            planned_units: state.planned_units.unwrap_or(1),
            // Juju answers credential-get for trusted applications only.
            cloud_spec: state.cloud_spec.clone().filter(|_| state.app_trusted),
            leader: state.leader,
            config: self.config_map(&state),
            unit_status: state.unit_status.clone(),
            app_status: state.app_status.clone(),
            workload_version: state.workload_version.clone(),
            action_params,
            departed: match event {
                Event::RelationDeparted(e) => Some((e.relation.id, e.unit.clone())),
                _ => None,
            },
            hook: Some(event.hook_name()),
            ..JujuModel::default()
        };
        // What Juju knows from the charm: its bindings and declared storage.
        model.declare_charm(&self.meta);
        let tools = Rc::new(MemoryHookTools {
            model: std::cell::RefCell::new(model),
            pebbles: Rc::new(std::cell::RefCell::new(super::pebble::Pebbles {
                containers: state
                    .containers
                    .iter()
                    .map(|c| {
                        let mut c = c.clone();
                        c.prepare();
                        (c.name.clone(), c)
                    })
                    .collect(),
                exec_history: BTreeMap::new(),
            })),
        });
        let mut vars = self.env_for(event);
        if self.meta.subordinate
            && let Some(principal) = state
                .relations
                .iter()
                .filter(|relation| relation.subordinate)
                .find_map(|relation| relation.remote_units.keys().next())
        {
            vars.insert("JUJU_PRINCIPAL_UNIT".to_owned(), principal.clone());
        }
        let status = |info: &StatusInfo| {
            info.to_status()
                .map(|s| (s.kind().as_str().to_owned(), s.message().to_owned()))
        };
        let store = MemoryStore(std::cell::RefCell::new(crate::state::Snapshot {
            stored: state.stored.clone(),
            deferred: state.deferred.clone(),
            unit_status: status(&state.unit_status),
            app_status: status(&state.app_status),
        }));
        let outcome = match JujuContext::from_vars(&vars) {
            Ok(juju) => {
                let mut charm = (self.make)();
                let dyn_tools: Rc<dyn HookTools> = tools.clone();
                // A custom event has no hook to come from: hand it over as is.
                let mut probe = Probe {
                    event: matches!(event, Event::Custom(_)).then(|| event.clone()),
                    before_commit,
                    ..Probe::default()
                };
                let trace = crate::telemetry::Session::start();
                let (outcome, emitted) =
                    crate::dispatch::run_inner(&mut charm, juju, dyn_tools, &store, &mut probe);
                self.record_trace(trace.finish());
                self.record_emitted(&probe, &emitted);
                self.emitted = emitted;
                self.charm = Some(charm);
                outcome
            }
            Err(e) => Outcome::Failed(DispatchError::Env(e)),
        };
        let committed = store.0.into_inner();
        self.last = tools.model.borrow().clone();
        let pebbles = std::mem::take(&mut *tools.pebbles.borrow_mut());
        self.exec_history = pebbles.exec_history;
        let containers = state
            .containers
            .iter()
            .map(|before| {
                pebbles
                    .containers
                    .get(&before.name)
                    .cloned()
                    .unwrap_or_else(|| before.clone())
            })
            .collect();
        let relations = state
            .relations
            .iter()
            .map(|before| {
                let after = self.last.relations.iter().find(|r| r.id == before.id);
                after.map_or_else(
                    || before.clone(),
                    |after| Relation {
                        local_unit_data: before.local_unit_data_without_juju_addresses(
                            &after.local_unit_data,
                            self.last.unit_keys_written.get(&before.id),
                        ),
                        local_app_data: after.local_app_data.clone(),
                        ..before.clone()
                    },
                )
            })
            .collect();
        let out = State {
            stored: committed.stored,
            deferred: committed.deferred,
            relations,
            secrets: self.last.secrets.clone(),
            opened_ports: self.last.opened_ports.clone(),
            unit_status: self.last.unit_status.clone(),
            app_status: self.last.app_status.clone(),
            workload_version: self.last.workload_version.clone(),
            containers,
            ..state
        };
        (outcome, out)
    }

    /// The events of the run besides its own, in the order they ran: the
    /// deferred events re-run first, then the custom events, then
    /// collect-status, each kind as the context captures it.
    fn record_emitted(&mut self, probe: &Probe<'_, C>, custom: &[Event]) {
        if self.capture_deferred {
            self.emitted_all
                .extend(probe.reemitted.iter().map(|notice| Emitted::Deferred {
                    handler: notice.handler.clone(),
                    event: notice.event.clone(),
                }));
        }
        self.emitted_all
            .extend(custom.iter().cloned().map(Emitted::Custom));
        if self.capture_framework {
            self.emitted_all
                .extend(probe.collected.iter().filter_map(|kind| match kind {
                    crate::event::EventKind::CollectAppStatus => Some(Emitted::CollectAppStatus),
                    crate::event::EventKind::CollectUnitStatus => Some(Emitted::CollectUnitStatus),
                    _ => None,
                }));
        }
    }

    /// `config-get`'s view: metadata defaults under the state's values.
    fn config_map(&self, state: &State) -> ConfigMap {
        let mut map: ConfigMap = self
            .meta
            .config
            .values()
            .filter_map(|o| Some((o.name.clone(), meta_value_json(o.default.as_ref()?))))
            .collect();
        map.extend(state.config.iter().map(|(k, v)| (k.clone(), v.to_json())));
        map
    }
}

/// This unit's network on `endpoint`: the state's, or Juju's default.
fn local_network(state: &State, endpoint: &str) -> crate::model::Network {
    state
        .networks
        .get(endpoint)
        .cloned()
        .unwrap_or_else(super::default_network)
}

fn meta_value_json(value: &ops_metadata::ConfigValue) -> serde_json::Value {
    match value {
        ops_metadata::ConfigValue::String(s) => serde_json::Value::String(s.clone()),
        ops_metadata::ConfigValue::Int(i) => serde_json::Value::from(*i),
        ops_metadata::ConfigValue::Float(f) => serde_json::Value::from(*f),
        ops_metadata::ConfigValue::Boolean(b) => serde_json::Value::Bool(*b),
    }
}
