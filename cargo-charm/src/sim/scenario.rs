//! Scenario files: a YAML list of steps for `cargo charm sim --scenario`.

use std::collections::BTreeMap;

use ops_events::{EventKind, Naming};
use serde_json::{Map, Value};

use super::commands::Answer;
use super::state::Databag;

/// Whether a scenario runs events of `kind` with `event: <hook>`: the unit and
/// application events that need nothing but their name. The others have steps of
/// their own (`relation-joined:`, `secret-changed:`, `storage-attached:`,
/// `pebble-ready:`, `action:`), or the sim does not run them. A `match` over
/// every kind, so that a new kind must be placed here.
fn named_event(kind: EventKind) -> bool {
    use EventKind as K;
    match kind {
        K::Install
        | K::Start
        | K::Stop
        | K::Remove
        | K::ConfigChanged
        | K::UpdateStatus
        | K::UpgradeCharm
        | K::PreSeriesUpgrade
        | K::PostSeriesUpgrade
        | K::LeaderElected
        | K::LeaderSettingsChanged => true,
        K::CollectMetrics
        | K::RelationCreated
        | K::RelationJoined
        | K::RelationChanged
        | K::RelationDeparted
        | K::RelationBroken
        | K::StorageAttached
        | K::StorageDetaching
        | K::PebbleReady
        | K::PebbleCustomNotice
        | K::PebbleCheckFailed
        | K::PebbleCheckRecovered
        | K::SecretChanged
        | K::SecretRotate
        | K::SecretRemove
        | K::SecretExpired
        | K::Action
        | K::CollectAppStatus
        | K::CollectUnitStatus
        | K::Reconcile
        | K::Custom => false,
    }
}

/// The hook names a scenario may give `event:`, in the event table's order.
fn named_events() -> Vec<&'static str> {
    EventKind::ALL
        .iter()
        .filter(|kind| named_event(**kind))
        .filter_map(|kind| match kind.naming() {
            Naming::Hook(name) => Some(name),
            Naming::PerEntity(..) | Naming::Framework(_) | Naming::Custom => None,
        })
        .collect()
}

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
    /// A secret made, changed or due, with its event.
    Secret(SecretStep),
    /// A storage instance attached or detaching, with its event.
    Storage(StorageStep),
    /// A workload container's Pebble event.
    Workload(WorkloadStep),
    /// `commands: {KEY: {stdout, stderr, exit}}`: scripted answers of workload
    /// commands from now on, by command name or argv prefix (words joined by single
    /// spaces); `None` (`null`) drops a key's answer.
    Commands(BTreeMap<String, Option<Answer>>),
}

/// A workload step: `pebble-ready: NAME`, `pebble-custom-notice: {container,
/// key}`, `pebble-check-failed: {container, check}`, `pebble-check-recovered: ...`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WorkloadStep {
    /// Pebble is up (started now if it was not): `<container>-pebble-ready`.
    Ready {
        /// The container.
        container: String,
    },
    /// A custom notice is recorded in the container's Pebble, then
    /// `<container>-pebble-custom-notice`.
    CustomNotice {
        /// The container.
        container: String,
        /// The notice's key, such as `example.com/db-backup-done`.
        key: String,
    },
    /// A check's status changes in the container's Pebble, then
    /// `<container>-pebble-check-failed` or `-recovered`.
    Check {
        /// The container.
        container: String,
        /// The check.
        check: String,
        /// Whether it failed (else recovered).
        failed: bool,
    },
}

/// A secret step. `secret` names a secret by id (`secret:ID`) or label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SecretStep {
    /// `secret: {owner: ..., content: {...}, label: ..., id: ...}`: a secret that
    /// exists from now on, without an event. Owned by another application, it is one
    /// this charm was granted and observes (with `label` as its label for it); owned
    /// by `application` or `unit`, the charm's own.
    Create {
        /// Its id, when given (`secret:` and 20 base32hex characters).
        id: Option<String>,
        /// `application`, `unit`, or another application's name.
        owner: String,
        /// The label.
        label: Option<String>,
        /// The first revision's content.
        content: Databag,
    },
    /// `secret-changed: SECRET` with `content:`: a new revision, then the event.
    Changed {
        /// The secret.
        secret: String,
        /// The new revision's content.
        content: Databag,
    },
    /// `secret-remove: SECRET` with `revision:` (default: the oldest but the latest).
    Remove {
        /// The secret.
        secret: String,
        /// The revision no longer tracked.
        revision: Option<u64>,
    },
    /// `secret-expired: SECRET` with `revision:` (default: the latest).
    Expired {
        /// The secret.
        secret: String,
        /// The revision that expired.
        revision: Option<u64>,
    },
    /// `secret-rotate: SECRET`.
    Rotate {
        /// The secret.
        secret: String,
    },
}

/// A storage step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StorageStep {
    /// Whether the storage is attached (else detaching).
    pub(crate) attached: bool,
    /// `NAME` or `NAME/N`.
    pub(crate) storage: String,
}

/// A `pebble-*` step, if `fields` is one.
fn workload_step(fields: &Map<String, Value>) -> Result<Option<WorkloadStep>, String> {
    if let Some(container) = fields.get("pebble-ready") {
        only(fields, &["pebble-ready"])?;
        let container = container
            .as_str()
            .filter(|name| !name.is_empty())
            .ok_or("`pebble-ready` is a container name")?;
        return Ok(Some(WorkloadStep::Ready {
            container: container.to_owned(),
        }));
    }
    for (key, second) in [
        ("pebble-custom-notice", "key"),
        ("pebble-check-failed", "check"),
        ("pebble-check-recovered", "check"),
    ] {
        let Some(value) = fields.get(key) else {
            continue;
        };
        only(fields, &[key])?;
        let shape = || format!("`{key}` is a map: `{{container: NAME, {second}: ...}}`");
        let Value::Object(map) = value else {
            return Err(shape());
        };
        only(map, &["container", second])?;
        let text = |name: &str| {
            map.get(name)
                .and_then(Value::as_str)
                .filter(|text| !text.is_empty())
                .map(str::to_owned)
                .ok_or_else(shape)
        };
        let container = text("container")?;
        let value = text(second)?;
        return Ok(Some(match key {
            "pebble-custom-notice" => WorkloadStep::CustomNotice {
                container,
                key: value,
            },
            _ => WorkloadStep::Check {
                container,
                check: value,
                failed: key == "pebble-check-failed",
            },
        }));
    }
    Ok(None)
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
    let mut steps = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let at = |error| format!("step {}: {error}", index + 1);
        match item {
            Value::Object(fields) => match super::interfaces::expand(fields).map_err(at)? {
                Some(expanded) => steps.extend(expanded),
                None => steps.push(step(item).map_err(at)?),
            },
            _ => steps.push(step(item).map_err(at)?),
        }
    }
    Ok(steps)
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
        if !EventKind::from_hook_name(&name).is_some_and(|(kind, _)| named_event(kind)) {
            return Err(format!(
                "unknown event `{name}`; use one of {}, or `relation-joined:` and friends, or \
                 `action:`",
                named_events().join(", ")
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
    if let Some(commands) = fields.get("commands") {
        only(fields, &["commands"])?;
        return commands_step(commands).map(Step::Commands);
    }
    if let Some(step) = secret_step(fields)? {
        return Ok(Step::Secret(step));
    }
    if let Some(step) = workload_step(fields)? {
        return Ok(Step::Workload(step));
    }
    for (key, attached) in [("storage-attached", true), ("storage-detaching", false)] {
        let Some(storage) = fields.get(key) else {
            continue;
        };
        only(fields, &[key])?;
        let storage = storage
            .as_str()
            .filter(|storage| !storage.is_empty())
            .ok_or_else(|| format!("`{key}` is a storage name such as `data`, or `data/0`"))?
            .to_owned();
        if !attached && !storage.contains('/') {
            return Err(format!(
                "`{key}` names one instance: `{storage}/0`, not `{storage}`"
            ));
        }
        return Ok(Step::Storage(StorageStep { attached, storage }));
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
    Err(format!(
        "expected `event:`, `action:`, `commands:`, `relation-joined:`, `relation-changed:`, \
         `relation-departed:`, `relation-broken:`, `secret:`, `secret-changed:`, \
         `secret-remove:`, `secret-expired:`, `secret-rotate:`, `storage-attached:`, \
         `storage-detaching:`, or an interface's remote side: {}",
        super::interfaces::step_names()
            .map(|name| format!("`{name}:`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A `commands:` step: a map from a command name or argv prefix to `{stdout, stderr,
/// exit}`, or to `null`.
fn commands_step(value: &Value) -> Result<BTreeMap<String, Option<Answer>>, String> {
    let Value::Object(map) = value else {
        return Err(
            "`commands` maps a command or an argv prefix to `{stdout, stderr, exit}`, \
                    such as `{\"tinyproxy -v\": {stdout: \"tinyproxy 1.11.0\"}}`"
                .into(),
        );
    };
    map.iter()
        .map(|(key, answer)| {
            let words: Vec<&str> = key.split_whitespace().collect();
            let Some(name) = words.first() else {
                return Err("`commands` has an empty key; name a command".to_owned());
            };
            if name.contains('/') {
                return Err(format!(
                    "`commands`: `{key}` names a path; name the command as the charm runs it \
                     from PATH"
                ));
            }
            if super::tools::TOOLS.iter().any(|tool| tool == name) {
                return Err(format!(
                    "`commands`: `{name}` is a hook tool, answered by the simulated model; \
                     script workload commands only"
                ));
            }
            let answer = match answer {
                Value::Null => None,
                Value::Object(fields) => {
                    only(fields, &["stdout", "stderr", "exit"])
                        .map_err(|error| format!("`commands.{key}`: {error}"))?;
                    let text = |name: &str| match fields.get(name) {
                        None | Some(Value::Null) => Ok(String::new()),
                        Some(Value::String(text)) => Ok(text.clone()),
                        Some(Value::Number(_) | Value::Bool(_)) => {
                            Ok(fields.get(name).map(Value::to_string).unwrap_or_default())
                        }
                        Some(_) => Err(format!("`commands.{key}.{name}` is a string")),
                    };
                    let exit = match fields.get("exit") {
                        None | Some(Value::Null) => 0,
                        Some(exit) => exit
                            .as_u64()
                            .and_then(|exit| u8::try_from(exit).ok())
                            .ok_or_else(|| {
                                format!("`commands.{key}.exit` is an exit code from 0 to 255")
                            })?,
                    };
                    Some(Answer {
                        stdout: text("stdout")?,
                        stderr: text("stderr")?,
                        exit,
                    })
                }
                _ => {
                    return Err(format!(
                        "`commands.{key}` is a map `{{stdout, stderr, exit}}`, or null to drop \
                         the answer"
                    ));
                }
            };
            Ok((words.join(" "), answer))
        })
        .collect()
}

/// The secret steps; `None` when `fields` is another kind of step.
fn secret_step(fields: &Map<String, Value>) -> Result<Option<SecretStep>, String> {
    if let Some(secret) = fields.get("secret") {
        only(fields, &["secret"])?;
        let Value::Object(secret) = secret else {
            return Err("`secret` is a map with `owner` and `content`".into());
        };
        only(secret, &["id", "owner", "label", "content"])?;
        let text = |name: &str| -> Result<Option<String>, String> {
            match secret.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(_) => Err(format!("`secret.{name}` is a string")),
            }
        };
        let id = text("id")?;
        if let Some(id) = &id
            && super::state::secret_id(id).is_none()
        {
            return Err(format!(
                "`secret.id` `{id}` is not a secret id: `secret:` and 20 characters of                  0-9 and a-v, such as `secret:cs0k7p7mp25c7f0rcvog`"
            ));
        }
        let owner = text("owner")?.ok_or(
            "a secret needs `owner`: another application's name (a secret it granted to              this one), or `application` or `unit` (one this charm owns)",
        )?;
        return Ok(Some(SecretStep::Create {
            id,
            owner,
            label: text("label")?,
            content: content(secret.get("content"), "secret.content")?,
        }));
    }
    for key in [
        "secret-changed",
        "secret-remove",
        "secret-expired",
        "secret-rotate",
    ] {
        let Some(secret) = fields.get(key) else {
            continue;
        };
        let secret = secret
            .as_str()
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| format!("`{key}` is a secret's id or label"))?
            .to_owned();
        let revision = || -> Result<Option<u64>, String> {
            match fields.get("revision") {
                None | Some(Value::Null) => Ok(None),
                Some(value) => value
                    .as_u64()
                    .filter(|revision| *revision > 0)
                    .map(Some)
                    .ok_or_else(|| "`revision` is a revision number such as 2".to_owned()),
            }
        };
        let step = match key {
            "secret-changed" => {
                only(fields, &[key, "content"])?;
                SecretStep::Changed {
                    secret,
                    content: content(fields.get("content"), "content")?,
                }
            }
            "secret-remove" => {
                only(fields, &[key, "revision"])?;
                SecretStep::Remove {
                    secret,
                    revision: revision()?,
                }
            }
            "secret-expired" => {
                only(fields, &[key, "revision"])?;
                SecretStep::Expired {
                    secret,
                    revision: revision()?,
                }
            }
            _ => {
                only(fields, &[key])?;
                SecretStep::Rotate { secret }
            }
        };
        return Ok(Some(step));
    }
    Ok(None)
}

/// A secret's content: a non-empty map of keys to scalars. Errors never show a value.
fn content(value: Option<&Value>, name: &str) -> Result<Databag, String> {
    let Some(Value::Object(map)) = value else {
        return Err(format!(
            "`{name}` is needed: a map of keys to values, such as `{{password: s3cret}}`"
        ));
    };
    if map.is_empty() {
        return Err(format!("`{name}` needs at least one key"));
    }
    map.iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key.clone(), text.clone())),
            Value::Number(_) | Value::Bool(_) => Ok((key.clone(), value.to_string())),
            _ => Err(format!("`{name}.{key}` is not a string")),
        })
        .collect()
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
    fn commands_steps() {
        let steps = parse(
            "- commands:\n    tinyproxy   -v: {stdout: \"tinyproxy 1.11.0\\n\"}\n    \
             apt-get install: {stderr: offline, exit: 100}\n    systemctl is-active: null\n",
        )
        .unwrap();
        assert_eq!(
            steps,
            [Step::Commands(BTreeMap::from([
                (
                    "tinyproxy -v".to_owned(),
                    Some(Answer {
                        stdout: "tinyproxy 1.11.0\n".into(),
                        ..Answer::default()
                    })
                ),
                (
                    "apt-get install".to_owned(),
                    Some(Answer {
                        stderr: "offline".into(),
                        exit: 100,
                        ..Answer::default()
                    })
                ),
                ("systemctl is-active".to_owned(), None),
            ]))]
        );
        for (bad, message) in [
            (
                "- commands: {apt-get: {exit: 256}}",
                "exit code from 0 to 255",
            ),
            ("- commands: {apt-get: {code: 1}}", "unknown key `code`"),
            ("- commands: {/usr/bin/apt-get: {}}", "names a path"),
            ("- commands: {config-get: {}}", "is a hook tool"),
            ("- commands: [apt-get]", "maps a command"),
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains(message), "{bad}: {error}");
        }
    }

    #[test]
    fn workload_steps() {
        let steps = parse(
            "- pebble-ready: web\n\
             - pebble-custom-notice: {container: web, key: example.com/backup-done}\n\
             - pebble-check-failed: {container: web, check: alive}\n\
             - pebble-check-recovered: {container: web, check: alive}\n",
        )
        .unwrap();
        assert_eq!(
            steps,
            [
                Step::Workload(WorkloadStep::Ready {
                    container: "web".into()
                }),
                Step::Workload(WorkloadStep::CustomNotice {
                    container: "web".into(),
                    key: "example.com/backup-done".into()
                }),
                Step::Workload(WorkloadStep::Check {
                    container: "web".into(),
                    check: "alive".into(),
                    failed: true
                }),
                Step::Workload(WorkloadStep::Check {
                    container: "web".into(),
                    check: "alive".into(),
                    failed: false
                }),
            ]
        );
        for (bad, message) in [
            (
                "- pebble-ready: {container: web}",
                "`pebble-ready` is a container name",
            ),
            (
                "- pebble-check-failed: {container: web}",
                "`pebble-check-failed` is a map: `{container: NAME, check: ...}`",
            ),
            (
                "- pebble-custom-notice: {container: web, key: k, extra: 1}",
                "unknown key `extra`",
            ),
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains(message), "{bad}: {error}");
        }
    }

    #[test]
    fn event_steps_name_the_events_that_need_only_a_name() {
        for name in named_events() {
            let step = parse(&format!("- event: {name}")).unwrap();
            assert!(matches!(&step[..], [Step::Event { name: n, .. }] if n == name));
        }
        assert!(named_events().contains(&"leader-settings-changed"));
        for other in [
            "db-relation-changed",
            "secret-changed",
            "collect-metrics",
            "backup",
        ] {
            let error = parse(&format!("- event: {other}")).unwrap_err();
            assert!(
                error.starts_with(&format!(
                    "step 1: unknown event `{other}`; use one of install, "
                )),
                "{error}"
            );
        }
    }

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

    #[test]
    fn secret_and_storage_steps() {
        let steps = parse(
            "- secret: {owner: vault, label: token, content: {token: t0}}\n\
             - secret-changed: token\n  content: {token: t1}\n\
             - secret-remove: secret:cs0k7p7mp25c7f0rcvog\n  revision: 1\n\
             - secret-expired: mine\n\
             - secret-rotate: mine\n\
             - storage-attached: data\n\
             - storage-detaching: data/0\n",
        )
        .unwrap();
        assert_eq!(
            steps[0],
            Step::Secret(SecretStep::Create {
                id: None,
                owner: "vault".into(),
                label: Some("token".into()),
                content: Databag::from([("token".into(), "t0".into())]),
            })
        );
        assert_eq!(
            steps[1],
            Step::Secret(SecretStep::Changed {
                secret: "token".into(),
                content: Databag::from([("token".into(), "t1".into())]),
            })
        );
        assert_eq!(
            steps[2],
            Step::Secret(SecretStep::Remove {
                secret: "secret:cs0k7p7mp25c7f0rcvog".into(),
                revision: Some(1),
            })
        );
        assert_eq!(
            steps[3],
            Step::Secret(SecretStep::Expired {
                secret: "mine".into(),
                revision: None,
            })
        );
        assert_eq!(
            steps[6],
            Step::Storage(StorageStep {
                attached: false,
                storage: "data/0".into(),
            })
        );
        // A bad content value is named by its key, never shown.
        let error = parse("- secret: {owner: vault, content: {token: [hunter2]}}").unwrap_err();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(parse("- secret-changed: token").is_err());
        assert!(parse("- secret: {owner: vault, id: secret:x, content: {a: b}}").is_err());
        assert!(parse("- storage-detaching: data").is_err());
    }
}
