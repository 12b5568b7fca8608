//! The consistency checks: what the harness refuses (or warns about) in a
//! state, an event or an action before running it, against the charm's
//! metadata, as ops.testing's `_consistency_checker` does.

use ops_metadata::{ConfigType, ParamType};

use super::{Action, Context, ModelType, State};
use crate::config::ConfigValue;
use crate::dispatch::Charm;
use crate::env::JujuVersion;
use crate::event::Event;

impl<C: Charm> Context<C> {
    pub(super) fn check_state(&self, state: &State) -> Vec<String> {
        let mut problems = self.check_relations(state);
        for (i, storage) in state.storages.iter().enumerate() {
            if !self.meta.storage.contains_key(&storage.name) {
                problems.push(format!(
                    "storage `{}` is not declared in the charm's metadata",
                    storage.name
                ));
            }
            if state.storages[..i]
                .iter()
                .any(|s| s.name == storage.name && s.index == storage.index)
            {
                problems.push(format!(
                    "storage `{}/{}` is attached twice",
                    storage.name, storage.index
                ));
            }
        }
        for (i, container) in state.containers.iter().enumerate() {
            if !self.meta.containers.contains_key(&container.name) {
                problems.push(format!(
                    "container `{}` is not declared in the charm's metadata",
                    container.name
                ));
            }
            if state.containers[..i]
                .iter()
                .any(|c| c.name == container.name)
            {
                problems.push(format!(
                    "container `{}` is in the state twice",
                    container.name
                ));
            }
            problems.extend(container.problems());
        }
        problems.extend(self.check_model(state));
        for name in state.resources.keys() {
            if !self.meta.resources.contains_key(name) {
                problems.push(format!(
                    "resource `{name}` is not declared in the charm's metadata"
                ));
            }
        }
        for binding in state.networks.keys() {
            if self.meta.relation(binding).is_none()
                && !self.meta.extra_bindings.contains_key(binding)
                && binding != "juju-info"
            {
                problems.push(format!(
                    "network binding `{binding}` is neither an endpoint nor an extra binding of the charm"
                ));
            }
        }
        for (name, value) in &state.config {
            let Some(option) = self.meta.config.get(name) else {
                let known: Vec<&str> = self.meta.config.keys().map(String::as_str).collect();
                problems.push(format!(
                    "config option `{name}` is not declared in the charm's metadata (declared: {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ));
                continue;
            };
            let fits = matches!(
                (option.kind, value),
                (
                    ConfigType::String | ConfigType::Secret,
                    ConfigValue::String(_)
                ) | (ConfigType::Int, ConfigValue::Int(_))
                    | (
                        ConfigType::Float,
                        ConfigValue::Float(_) | ConfigValue::Int(_)
                    )
                    | (ConfigType::Boolean, ConfigValue::Bool(_))
            );
            if !fits {
                problems.push(format!(
                    "config option `{name}` is of type `{}`, but the state gives it the {} `{value}`",
                    option.kind.as_str(),
                    value.type_name()
                ));
            }
            if option.kind == ConfigType::Secret {
                if self.juju_version < JujuVersion::new(3, 4, 0) {
                    problems.push(format!(
                        "config option `{name}` is of type `secret`, which needs Juju 3.4 or \
                         later, and the context runs Juju {}",
                        self.juju_version
                    ));
                }
                if let ConfigValue::String(text) = value
                    && !is_secret_uri(text)
                {
                    problems.push(format!(
                        "config option `{name}` is of type `secret`, so its value is a secret \
                         id such as `secret:cs0k7p7mp25c7f0rcvog` (`secret:` and 20 lowercase \
                         letters and digits), not `{text}`"
                    ));
                }
            }
        }
        problems
    }

    /// What depends on the kind of model: containers need Kubernetes, and a
    /// Kubernetes model reports its cloud spec from Juju 3.6.10.
    fn check_model(&self, state: &State) -> Vec<String> {
        let mut problems = Vec::new();
        match state.model_type {
            ModelType::Machine if !state.containers.is_empty() => problems.push(format!(
                "the state has containers ({}), but a machine model runs no workload \
                 containers; use `ModelType::Kubernetes`",
                state
                    .containers
                    .iter()
                    .map(|c| format!("`{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            ModelType::Kubernetes
                if state.cloud_spec.is_some() && self.juju_version < K8S_CLOUD_SPEC =>
            {
                problems.push(format!(
                    "a Kubernetes model gives its cloud spec from Juju {K8S_CLOUD_SPEC}, and \
                     the context runs Juju {}; set a newer one with `Context::with_juju_version`",
                    self.juju_version
                ));
            }
            _ => {}
        }
        problems
    }

    fn check_relations(&self, state: &State) -> Vec<String> {
        let mut problems = Vec::new();
        for (i, relation) in state.relations.iter().enumerate() {
            let endpoint = &relation.endpoint;
            match self.meta.relation(endpoint) {
                None => problems.push(format!(
                    "relation {} uses endpoint `{endpoint}`, which the charm's metadata does not declare",
                    relation.id
                )),
                Some(meta) => {
                    let is_peer = meta.role == ops_metadata::RelationRole::Peer;
                    let is_container = meta.scope == ops_metadata::RelationScope::Container;
                    if is_peer && !relation.peer {
                        problems.push(format!(
                            "`{endpoint}` is a peer endpoint: build its relation with `Relation::peer`"
                        ));
                    } else if !is_peer && relation.peer {
                        problems.push(format!(
                            "`{endpoint}` is not a peer endpoint: build its relation with `Relation::new`"
                        ));
                    } else if is_container && !relation.subordinate {
                        problems.push(format!(
                            "`{endpoint}` has `scope: container`: build its relation with \
                             `Relation::subordinate`"
                        ));
                    } else if !is_container && relation.subordinate {
                        problems.push(format!(
                            "`{endpoint}` is not a `scope: container` endpoint: build its \
                             relation with `Relation::new`"
                        ));
                    }
                    if relation.subordinate && relation.remote_units.len() != 1 {
                        problems.push(format!(
                            "subordinate relation {} has {} remote units; a container-scoped \
                             relation joins exactly one unit on each side",
                            relation.id,
                            relation.remote_units.len()
                        ));
                    }
                }
            }
            if state.relations[..i].iter().any(|r| r.id == relation.id) {
                problems.push(format!("relation id {} is used twice", relation.id));
            }
            let unit = format!("{}/{}", self.app_name, self.unit_id);
            if relation.remote_units.contains_key(&unit) {
                problems.push(format!(
                    "relation {} lists this unit (`{unit}`) among its remote units",
                    relation.id
                ));
            }
        }
        problems
    }

    pub(super) fn check_event(&self, event: &Event, state: &State) -> Vec<String> {
        let mut problems = Vec::new();
        let relation = match event {
            Event::RelationCreated(e) => Some((&e.relation, None)),
            Event::RelationJoined(e) => Some((&e.relation, Some(&e.unit))),
            Event::RelationChanged(e) => Some((&e.relation, e.unit.as_ref())),
            Event::RelationDeparted(e) => Some((&e.relation, None)),
            Event::RelationBroken(e) => Some((&e.relation, None)),
            _ => None,
        };
        if let Some((relation, unit)) = relation {
            match state.relations.iter().find(|r| r.id == relation.id) {
                None => problems.push(format!(
                    "the event is about relation {relation}, which is not in the state; add it with `State::with_relation`"
                )),
                Some(r) if r.endpoint != relation.endpoint => problems.push(format!(
                    "the event names relation {relation}, but relation {} in the state is on endpoint `{}`",
                    r.id, r.endpoint
                )),
                Some(r) => {
                    if let Some(unit) = unit
                        && !r.remote_units.contains_key(unit)
                    {
                        problems.push(format!(
                            "the event names remote unit `{unit}`, which relation {relation} in the state does not have"
                        ));
                    }
                }
            }
        }
        let secret = match event {
            Event::SecretChanged(e) => Some((&e.secret, false)),
            Event::SecretRotate(e) => Some((&e.secret, true)),
            Event::SecretRemove(e) => Some((&e.secret, true)),
            Event::SecretExpired(e) => Some((&e.secret, true)),
            _ => None,
        };
        if secret.is_some() && !self.juju_version.has_secrets() {
            problems.push(format!(
                "`{}` needs Juju 3.0.3 or later (secrets), and the context runs Juju {}; \
                 set a newer one with `Context::with_juju_version`",
                event.hook_name(),
                self.juju_version
            ));
        }
        if let Some((secret, must_own)) = secret {
            match state.secret(&secret.id) {
                None => problems.push(format!(
                    "the event is about secret `{}`, which is not in the state; add it with `State::with_secret`",
                    secret.id
                )),
                Some(s) if must_own && s.owner.is_none() => problems.push(format!(
                    "`{}` goes to the secret's owner, but the state has this unit only observe `{}`",
                    event.hook_name(),
                    s.id
                )),
                Some(s) if !must_own && s.owner.is_some() => problems.push(format!(
                    "`secret-changed` goes to observers, but this unit owns `{}`",
                    s.id
                )),
                Some(_) => {}
            }
        }
        if let Event::StorageAttached(e) | Event::StorageDetaching(e) = event
            && !state
                .storages
                .iter()
                .any(|s| s.name == e.storage.name && s.index == e.storage.index)
        {
            problems.push(format!(
                "the event is about storage `{}`, which is not in the state; add it with `State::with_storage`",
                e.storage
            ));
        }
        problems.extend(check_workload_event(event, state));
        problems.extend(self.check_entity(event));
        if let Event::Custom(custom) = event {
            problems.extend(check_custom::<C>(custom));
        }
        problems
    }

    /// What is suspicious but allowed about `event` in `state`.
    pub(super) fn warnings_for(&self, event: &Event, state: &State) -> Vec<String> {
        let mut warnings = Vec::new();
        if state.cloud_spec.is_some() && !state.app_trusted {
            warnings.push(
                "the state has a cloud spec but the application is not trusted: \
                 `credential-get` will be refused (see `State::with_app_trusted`)"
                    .to_owned(),
            );
        }
        if let Some(name) = workload_container(event)
            && state.container(name).is_some_and(|c| !c.can_connect)
        {
            warnings.push(format!(
                "`{}` is about container `{name}`, whose Pebble the state says cannot be reached (`can_connect: false`)",
                event.hook_name()
            ));
        }
        warnings
    }

    fn check_entity(&self, event: &Event) -> Vec<String> {
        let (Some(kind), Some(entity)) = (event.kind(), event.entity()) else {
            return Vec::new();
        };
        let declared = match kind.entity() {
            Some(crate::event::EntityKind::Relation) => self.meta.relation(entity).is_some(),
            Some(crate::event::EntityKind::Storage) => self.meta.storage.contains_key(entity),
            Some(crate::event::EntityKind::Container) => self.meta.containers.contains_key(entity),
            Some(crate::event::EntityKind::Action) => self.meta.actions.contains_key(entity),
            None => true,
        };
        if declared {
            Vec::new()
        } else {
            vec![format!(
                "the event `{}` names `{entity}`, which the charm's metadata does not declare",
                event.hook_name()
            )]
        }
    }

    pub(super) fn check_action(&self, action: &Action) -> Vec<String> {
        let Some(meta) = self.meta.actions.get(&action.name) else {
            let known: Vec<&str> = self.meta.actions.keys().map(String::as_str).collect();
            return vec![format!(
                "the charm declares no action `{}` (declared: {})",
                action.name,
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            )];
        };
        let mut problems = Vec::new();
        for (name, value) in &action.params {
            match meta.params.get(name) {
                None if meta.additional_properties != Some(true) => problems.push(format!(
                    "action `{}` declares no parameter `{name}`",
                    action.name
                )),
                None => {}
                Some(param) => {
                    if let Some(kind) = param.kind
                        && !json_fits(kind, value)
                    {
                        problems.push(format!(
                            "action parameter `{}.{name}` is of type `{kind}`, but is given `{value}`",
                            action.name
                        ));
                    }
                }
            }
        }
        for required in &meta.required {
            if !action.params.contains_key(required) {
                problems.push(format!(
                    "action `{}` requires the parameter `{required}`",
                    action.name
                ));
            }
        }
        problems
    }
}

/// The first Juju version whose Kubernetes models answer `credential-get`.
const K8S_CLOUD_SPEC: JujuVersion = JujuVersion::new(3, 6, 10);

/// A custom event run directly must come from the charm (`self::`, one of
/// its declared events) or from one of its components.
fn check_custom<C: Charm>(custom: &crate::event::CustomEventData) -> Option<String> {
    let component = custom
        .qualified
        .strip_suffix(custom.name.as_str())
        .and_then(|prefix| prefix.strip_suffix("::"));
    match component {
        None => Some(format!(
            "the custom event `{}` is not named `<component>::{}`",
            custom.qualified, custom.name
        )),
        Some("self") if !C::META.events.contains(&custom.name.as_str()) => Some(format!(
            "the charm declares no event `{}` in `#[charm(events(...))]` (declared: {})",
            custom.name,
            none_or_list(C::META.events)
        )),
        Some("self") => None,
        Some(component) if !C::COMPONENTS.contains(&component) => Some(format!(
            "the charm has no component `{component}` to emit `{}` (components: {}; the \
             charm's own events are emitted by `self`)",
            custom.name,
            none_or_list(C::COMPONENTS)
        )),
        Some(_) => None,
    }
}

fn none_or_list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The container a workload event is about.
fn workload_container(event: &Event) -> Option<&str> {
    match event {
        Event::PebbleReady(e) => Some(&e.container),
        Event::PebbleCustomNotice(e) => Some(&e.container),
        Event::PebbleCheckFailed(e) => Some(&e.container),
        Event::PebbleCheckRecovered(e) => Some(&e.container),
        _ => None,
    }
}

/// A workload event must be about a container in the state, and a notice or
/// check event about a notice or check that container has.
fn check_workload_event(event: &Event, state: &State) -> Vec<String> {
    let Some(name) = workload_container(event) else {
        return Vec::new();
    };
    let Some(container) = state.container(name) else {
        return vec![format!(
            "the event is about container `{name}`, which is not in the state; add it with `State::with_container`"
        )];
    };
    match event {
        Event::PebbleCustomNotice(e)
            if !container
                .notices
                .iter()
                .any(|n| n.id.as_str() == e.notice.id) =>
        {
            vec![format!(
                "the event is about notice {} of container `{name}`, which the state does not have; add it with `Container::with_notice`",
                e.notice.id
            )]
        }
        Event::PebbleCheckFailed(crate::event::PebbleCheckFailedEvent { check, .. })
        | Event::PebbleCheckRecovered(crate::event::PebbleCheckRecoveredEvent { check, .. })
            if !container.check_infos.iter().any(|c| &c.name == check)
                && !container
                    .plan()
                    .is_ok_and(|plan| plan.checks.contains_key(check)) =>
        {
            vec![format!(
                "the event is about check `{check}` of container `{name}`, which the state does not have; add it with `Container::with_check_info`"
            )]
        }
        _ => Vec::new(),
    }
}

fn json_fits(kind: ParamType, value: &serde_json::Value) -> bool {
    use serde_json::Value as V;
    match kind {
        ParamType::String => matches!(value, V::String(_)),
        ParamType::Integer => value.as_i64().is_some() || value.as_u64().is_some(),
        ParamType::Number => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        ParamType::Array => value.is_array(),
        ParamType::Object => value.is_object(),
        ParamType::Null => value.is_null(),
    }
}

/// Whether `text` is a secret id as Juju writes them in config:
/// `secret:` and 20 lowercase letters and digits.
fn is_secret_uri(text: &str) -> bool {
    text.strip_prefix("secret:").is_some_and(|id| {
        id.len() == 20
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}
