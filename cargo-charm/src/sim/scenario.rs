//! Scenario files: a YAML list of steps for `cargo charm sim --scenario`.

use serde_json::{Map, Value};

use super::state::Databag;

/// Events a scenario may name with `event:`.
const EVENTS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "update-status",
    "upgrade-charm",
    "leader-elected",
    "leader-settings-changed",
    "pre-series-upgrade",
    "post-series-upgrade",
];

/// One step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// A unit or application event, after an optional config change.
    Event {
        /// The hook name.
        name: String,
        /// Config to set first.
        config: Map<String, Value>,
    },
    /// `relation-joined`, `-changed`, `-departed`, `-broken`.
    Relation {
        /// `joined`, `changed`, `departed` or `broken`.
        kind: String,
        /// The local endpoint.
        endpoint: String,
        /// The remote application, when given.
        remote_app: Option<String>,
        /// The remote unit, when given.
        remote_unit: Option<String>,
        /// New data of the remote unit.
        data: Databag,
        /// New data of the remote application.
        app_data: Databag,
    },
    /// An action.
    Action {
        /// The action's name.
        name: String,
        /// Its parameters.
        params: Map<String, Value>,
    },
}

/// Parses a scenario file's text.
pub(crate) fn parse(text: &str) -> Result<Vec<Step>, String> {
    let yaml: yaml_serde::Value =
        yaml_serde::from_str(text).map_err(|error| format!("not valid YAML: {error}"))?;
    let json =
        serde_json::to_value(&yaml).map_err(|error| format!("cannot read it as data: {error}"))?;
    let Value::Array(items) = json else {
        return Err("a scenario is a YAML list of steps, such as `- event: install`".into());
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| step(item).map_err(|error| format!("step {}: {error}", index + 1)))
        .collect()
}

fn step(item: &Value) -> Result<Step, String> {
    let Value::Object(fields) = item else {
        return Err("expected a map such as `event: install`".into());
    };
    if let Some(event) = fields.get("event") {
        let name = event
            .as_str()
            .ok_or("`event` is a hook name such as `config-changed`")?
            .to_owned();
        if !EVENTS.contains(&name.as_str()) {
            return Err(format!(
                "unknown event `{name}`; use one of {}, or `relation-joined:` and friends, or \
                 `action:`",
                EVENTS.join(", ")
            ));
        }
        only(fields, &["event", "config"])?;
        let config = match fields.get("config") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(config)) => config.clone(),
            Some(_) => return Err("`config` is a map of option names to values".into()),
        };
        return Ok(Step::Event { name, config });
    }
    if let Some(action) = fields.get("action") {
        only(fields, &["action"])?;
        let (name, params) = match action {
            Value::String(name) => (name.clone(), Map::new()),
            Value::Object(action) => {
                only(action, &["name", "params"])?;
                let name = action
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("an action needs `name`")?
                    .to_owned();
                let params = match action.get("params") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(params)) => params.clone(),
                    Some(_) => return Err("`params` is a map".into()),
                };
                (name, params)
            }
            _ => return Err("`action` is a name or `{name: ..., params: {...}}`".into()),
        };
        return Ok(Step::Action { name, params });
    }
    for kind in ["joined", "changed", "departed", "broken"] {
        let key = format!("relation-{kind}");
        let Some(relation) = fields.get(&key) else {
            continue;
        };
        only(fields, &[key.as_str()])?;
        let Value::Object(relation) = relation else {
            return Err(format!("`{key}` is a map with `endpoint` and more"));
        };
        only(
            relation,
            &["endpoint", "remote_app", "remote_unit", "data", "app_data"],
        )?;
        let text = |name: &str| -> Result<Option<String>, String> {
            match relation.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(format!("`{name}` is a string")),
            }
        };
        let endpoint = text("endpoint")?.ok_or_else(|| format!("`{key}` needs `endpoint`"))?;
        let remote_unit = text("remote_unit")?;
        let remote_app = text("remote_app")?.or_else(|| {
            remote_unit
                .as_deref()
                .and_then(|unit| unit.split_once('/'))
                .map(|(app, _)| app.to_owned())
        });
        if matches!(kind, "joined" | "departed") && remote_unit.is_none() {
            return Err(format!("`{key}` needs `remote_unit`"));
        }
        return Ok(Step::Relation {
            kind: kind.to_owned(),
            endpoint,
            remote_app,
            remote_unit,
            data: databag(relation.get("data"), "data")?,
            app_data: databag(relation.get("app_data"), "app_data")?,
        });
    }
    Err(
        "expected `event:`, `action:`, `relation-joined:`, `relation-changed:`, \
         `relation-departed:` or `relation-broken:`"
            .into(),
    )
}

fn only(fields: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match fields.keys().find(|key| !allowed.contains(&key.as_str())) {
        Some(key) => Err(format!(
            "unknown key `{key}` (expected {})",
            allowed
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => Ok(()),
    }
}

/// A databag from a map of scalars (numbers and booleans become their text).
fn databag(value: Option<&Value>, name: &str) -> Result<Databag, String> {
    let Some(value) = value else {
        return Ok(Databag::new());
    };
    let Value::Object(map) = value else {
        return Err(format!("`{name}` is a map of keys to strings"));
    };
    map.iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key.clone(), text.clone())),
            Value::Number(_) | Value::Bool(_) => Ok((key.clone(), value.to_string())),
            _ => Err(format!("`{name}.{key}` is not a string")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let steps = parse(
            "- event: install\n\
             - event: config-changed\n  config: {slug: Bad}\n\
             - relation-joined: {endpoint: db, remote_unit: pg/0, data: {port: 5432}}\n\
             - action: {name: describe, params: {include-config: true}}\n\
             - action: describe\n",
        )
        .unwrap();
        assert_eq!(steps.len(), 5);
        assert_eq!(
            steps[2],
            Step::Relation {
                kind: "joined".into(),
                endpoint: "db".into(),
                remote_app: Some("pg".into()),
                remote_unit: Some("pg/0".into()),
                data: Databag::from([("port".into(), "5432".into())]),
                app_data: Databag::new(),
            }
        );
        assert!(
            parse("- event: instal")
                .unwrap_err()
                .starts_with("step 1: unknown event")
        );
        assert!(parse("event: install").is_err());
        assert!(parse("- relation-joined: {endpoint: db}").is_err());
    }
}
