//! The argv table: one row per hook tool `sim` answers, naming its options and
//! turning a parsed call into a typed call on the runtime's model
//! ([`MemoryHookTools`](ops_runtime::testing::MemoryHookTools)) and Juju's output.
//! A row does no more than that: what a tool answers and refuses is the model's.
//! Adding a tool to `sim` is adding its row.

use std::collections::BTreeMap;

use ops_runtime::hook_tools::{LogLevel, StatusTarget};
use ops_runtime::{HookTools, Port, Status, StatusInfo};
use serde_json::{Value, json};

use super::{Call, ToolError, network, other, secrets, storage, unsupported};

/// One hook tool of `sim`.
pub(super) struct Tool {
    /// The tool's name: `status-set`.
    pub(super) name: &'static str,
    /// The options that take a value (`--format json`, `--format=json`).
    pub(super) valued: &'static [&'static str],
    /// The options that take none (or an inline `=BOOL`).
    pub(super) flags: &'static [&'static str],
    /// The call on the model, and the output.
    pub(super) run: fn(&mut Call<'_>) -> Result<String, ToolError>,
}

const NONE: &[&str] = &[];
const FORMAT: &[&str] = &["--format"];
const FORMAT_RELATION: &[&str] = &["--format", "-r", "--relation"];

/// Every tool `sim` answers: [`ops_runtime::hook_tools::TOOL_NAMES`] in the trait's
/// order, then the deprecated leader settings.
pub(super) const TOOLS: &[Tool] = &[
    Tool {
        name: "juju-log",
        valued: &["--log-level", "-l"],
        flags: &["--debug"],
        run: juju_log,
    },
    Tool {
        name: "status-set",
        valued: NONE,
        flags: &["--application"],
        run: status_set,
    },
    Tool {
        name: "status-get",
        valued: FORMAT,
        flags: &["--include-data", "--application"],
        run: status_get,
    },
    Tool {
        name: "is-leader",
        valued: FORMAT,
        flags: NONE,
        run: |c| c.print(c.tools.is_leader()?),
    },
    Tool {
        name: "config-get",
        valued: FORMAT,
        flags: &["--all", "-a"],
        run: |c| {
            let config = c.tools.config_get()?;
            match c.args.positionals.as_slice() {
                [] => c.print(config),
                [key] => c.print(config.get(key)),
                _ => Err(ToolError::usage("too many arguments")),
            }
        },
    },
    Tool {
        name: "application-version-set",
        valued: NONE,
        flags: NONE,
        run: |c| match c.args.positionals.as_slice() {
            [version] => done(c.tools.application_version_set(version)),
            [] => Err(ToolError::usage("no version specified")),
            _ => Err(ToolError::usage("too many arguments")),
        },
    },
    Tool {
        name: "action-get",
        valued: FORMAT,
        flags: NONE,
        run: |c| {
            let params = Value::Object(c.tools.action_get()?);
            match c.args.positionals.as_slice() {
                [] => c.print(params),
                [key] => c.print(
                    key.split('.')
                        .try_fold(&params, |value, part| value.get(part))
                        .unwrap_or(&Value::Null),
                ),
                _ => Err(ToolError::usage("too many arguments")),
            }
        },
    },
    Tool {
        name: "action-set",
        valued: NONE,
        flags: NONE,
        run: action_set,
    },
    Tool {
        name: "action-log",
        valued: NONE,
        flags: NONE,
        run: |c| done(c.tools.action_log(&message(c)?)),
    },
    Tool {
        name: "action-fail",
        valued: NONE,
        flags: NONE,
        run: |c| {
            let message = match c.args.positionals.as_slice() {
                [] => "action failed without reason given".to_owned(),
                words => words.join(" "),
            };
            done(c.tools.action_fail(&message))
        },
    },
    Tool {
        name: "relation-ids",
        valued: FORMAT,
        flags: NONE,
        run: relation_ids,
    },
    Tool {
        name: "relation-list",
        valued: FORMAT_RELATION,
        flags: &["--app"],
        run: |c| {
            let relation = c.relation()?;
            if c.args.flag("--app") {
                c.print(c.tools.relation_remote_app(&relation)?)
            } else {
                c.print(c.tools.relation_list(&relation)?)
            }
        },
    },
    Tool {
        name: "relation-get",
        valued: FORMAT_RELATION,
        flags: &["--app"],
        run: relation_get,
    },
    Tool {
        name: "relation-set",
        valued: &["-r", "--relation", "--file", "--format"],
        flags: &["--app"],
        run: |c| {
            let relation = c.relation()?;
            let changes = settings(c)?.into_iter().collect();
            done(
                c.tools
                    .relation_set(&relation, c.args.flag("--app"), &changes),
            )
        },
    },
    Tool {
        name: "relation-model-get",
        valued: FORMAT_RELATION,
        flags: NONE,
        run: |c| c.print(json!({ "uuid": c.tools.relation_model_get(&c.relation()?)? })),
    },
    Tool {
        name: "secret-add",
        valued: secrets::UPSERT_OPTIONS,
        flags: NONE,
        run: secrets::add,
    },
    Tool {
        name: "secret-get",
        valued: &["--format", "--label"],
        flags: &["--peek", "--refresh"],
        run: secrets::get,
    },
    Tool {
        name: "secret-info-get",
        valued: &["--format", "--label"],
        flags: NONE,
        run: secrets::info_get,
    },
    Tool {
        name: "secret-set",
        valued: secrets::UPSERT_OPTIONS,
        flags: NONE,
        run: secrets::set,
    },
    Tool {
        name: "secret-grant",
        valued: &["-r", "--relation", "--unit"],
        flags: NONE,
        run: secrets::grant,
    },
    Tool {
        name: "secret-revoke",
        valued: &["-r", "--relation", "--unit", "--app"],
        flags: NONE,
        run: secrets::revoke,
    },
    Tool {
        name: "secret-remove",
        valued: &["--revision"],
        flags: NONE,
        run: secrets::remove,
    },
    Tool {
        name: "secret-ids",
        valued: FORMAT,
        flags: NONE,
        run: secrets::ids,
    },
    Tool {
        name: "storage-list",
        valued: FORMAT,
        flags: NONE,
        run: |c| {
            let name = c.at_most(1)?.first().map(String::as_str);
            c.print(c.tools.storage_list(name)?)
        },
    },
    Tool {
        name: "storage-get",
        valued: &["--format", "-s"],
        flags: NONE,
        run: storage::get,
    },
    Tool {
        name: "storage-add",
        valued: NONE,
        flags: NONE,
        run: storage::add,
    },
    Tool {
        name: "resource-get",
        valued: NONE,
        flags: NONE,
        run: other::resource_get,
    },
    Tool {
        name: "network-get",
        valued: FORMAT_RELATION,
        flags: network::FLAGS,
        run: network::network_get,
    },
    Tool {
        name: "open-port",
        valued: &["--endpoints"],
        flags: NONE,
        run: |c| done(c.tools.open_port(&port(c, "open-port")?)),
    },
    Tool {
        name: "close-port",
        valued: &["--endpoints"],
        flags: NONE,
        run: |c| done(c.tools.close_port(&port(c, "close-port")?)),
    },
    Tool {
        name: "opened-ports",
        valued: FORMAT,
        flags: &["--endpoints"],
        run: |c| {
            if c.args.flag("--endpoints") {
                return Err(unsupported("opened-ports --endpoints"));
            }
            let ports: Vec<String> = c
                .tools
                .opened_ports()?
                .iter()
                .map(Port::to_string)
                .collect();
            c.print(ports)
        },
    },
    Tool {
        name: "goal-state",
        valued: FORMAT,
        flags: NONE,
        run: network::goal_state,
    },
    Tool {
        name: "credential-get",
        valued: FORMAT,
        flags: NONE,
        run: other::credential_get,
    },
    Tool {
        name: "juju-reboot",
        valued: NONE,
        flags: &["--now"],
        run: |c| {
            c.at_most(0)?;
            done(c.tools.juju_reboot(c.args.flag("--now")))
        },
    },
    Tool {
        name: "unit-get",
        valued: FORMAT,
        flags: NONE,
        run: network::unit_get,
    },
    Tool {
        name: "state-get",
        valued: FORMAT,
        flags: NONE,
        run: |c| match c.args.positionals.as_slice() {
            [] => c.print(c.tools.inspect(|model| model.controller_state.clone())),
            // A key never set is Go's zero string (Juju 3's state-get.go).
            [key] => c.print(c.tools.state_get(key)?.unwrap_or_default()),
            _ => Err(ToolError::usage("too many arguments")),
        },
    },
    Tool {
        name: "state-set",
        valued: &["--file"],
        flags: NONE,
        run: |c| {
            let changes = settings(c)?;
            for (key, value) in &changes {
                c.tools.state_set(key, value)?;
            }
            Ok(String::new())
        },
    },
    Tool {
        name: "state-delete",
        valued: NONE,
        flags: NONE,
        run: |c| match c.args.positionals.as_slice() {
            [key] => done(c.tools.state_delete(key)),
            _ => Err(ToolError::usage("expected exactly one key")),
        },
    },
    Tool {
        name: "add-metric",
        valued: &["-l", "--labels"],
        flags: NONE,
        run: other::add_metric,
    },
    Tool {
        name: "pod-spec-set",
        valued: &["--file", "--k8s-resources"],
        flags: NONE,
        run: |_| Err(unsupported("pod-spec-set")),
    },
    Tool {
        name: "leader-get",
        valued: FORMAT,
        flags: NONE,
        run: other::leader_get,
    },
    Tool {
        name: "leader-set",
        valued: NONE,
        flags: NONE,
        run: other::leader_set,
    },
];

/// The names of [`TOOLS`], `N` of them.
pub(super) const fn names<const N: usize>() -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = TOOLS[i].name;
        i += 1;
    }
    names
}

/// A call that prints nothing.
fn done(result: Result<(), ops_runtime::HookToolError>) -> Result<String, ToolError> {
    result?;
    Ok(String::new())
}

/// The words of a message (`juju-log`, `action-log`), joined.
fn message(c: &Call<'_>) -> Result<String, ToolError> {
    if c.args.positionals.is_empty() {
        return Err(ToolError::usage("no message specified"));
    }
    Ok(c.args.positionals.join(" "))
}

/// `KEY=VALUE` arguments, in order; `what` names them in the refusal.
pub(super) fn key_values<'a>(
    items: impl IntoIterator<Item = &'a str>,
    what: &str,
) -> Result<Vec<(String, String)>, ToolError> {
    items
        .into_iter()
        .map(|item| match item.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
            _ => Err(ToolError::usage(format!(
                "invalid {what}: expected \"key=value\", got {item:?}"
            ))),
        })
        .collect()
}

/// `juju-log [--log-level LEVEL | --debug] MESSAGE...`; Juju logs a level it does
/// not know at INFO (juju-log.go).
fn juju_log(c: &mut Call<'_>) -> Result<String, ToolError> {
    let level = match c.args.value(&["--log-level", "-l"]) {
        Some(level) => match level.to_ascii_uppercase().as_str() {
            "TRACE" => LogLevel::Trace,
            "DEBUG" => LogLevel::Debug,
            "WARNING" | "WARN" => LogLevel::Warning,
            "ERROR" => LogLevel::Error,
            "CRITICAL" => LogLevel::Critical,
            _ => LogLevel::Info,
        },
        None if c.args.flag("--debug") => LogLevel::Debug,
        None => LogLevel::Info,
    };
    done(c.tools.juju_log(level, &message(c)?))
}

/// `--application[=BOOL]`: the application's status rather than the unit's.
fn status_target(c: &Call<'_>) -> Result<StatusTarget, ToolError> {
    Ok(if c.args.bool_flag("--application")? {
        StatusTarget::App
    } else {
        StatusTarget::Unit
    })
}

/// `status-set [--application] STATUS [MESSAGE...]`.
fn status_set(c: &mut Call<'_>) -> Result<String, ToolError> {
    let target = status_target(c)?;
    let Some((status, message)) = c.args.positionals.split_first() else {
        return Err(ToolError::usage(
            "invalid args, require <status> [message] [data]",
        ));
    };
    let message = message.join(" ");
    let status = match status.as_str() {
        "maintenance" => Status::maintenance(message),
        "blocked" => Status::blocked(message),
        "waiting" => Status::waiting(message),
        "active" => Status::active(message),
        _ => {
            return Err(ToolError::usage(format!(
                "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
            )));
        }
    };
    done(c.tools.status_set(target, &status))
}

/// `status-get [--include-data] [--application] [--format=json]`: `toDetails` of
/// Juju's status-get.go (a Go map, its keys sorted), or the status name alone in the
/// smart format without data.
fn status_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let target = status_target(c)?;
    let include_data = c.args.flag("--include-data");
    let details = |status: &StatusInfo| {
        if include_data {
            json!({
                "message": status.message,
                "status": status.kind.as_str(),
                "status-data": {},
            })
        } else {
            json!({ "status": status.kind.as_str() })
        }
    };
    let status = c.tools.status_get(target)?;
    if !include_data && !c.args.json()? {
        return c.print(status.kind.as_str());
    }
    if target == StatusTarget::Unit {
        return c.print(details(&status));
    }
    let unit = c.tools.status_get(StatusTarget::Unit)?;
    let mut app = details(&status);
    app["units"] = json!({ c.tools.inspect(|model| model.unit_name.clone()): details(&unit) });
    c.print(json!({ "application-status": app }))
}

/// `action-set KEY=VALUE...`, keys dotted to nest.
fn action_set(c: &mut Call<'_>) -> Result<String, ToolError> {
    let mut results = BTreeMap::new();
    for setting in &c.args.positionals {
        let Some((key, value)) = setting.split_once('=') else {
            return Err(ToolError::usage(format!(
                "argument {setting:?} must be of the form key...=value"
            )));
        };
        if key.split('.').any(str::is_empty) {
            return Err(ToolError::usage(format!("key {key:?} is not valid")));
        }
        results.insert(key.to_owned(), value.to_owned());
    }
    done(c.tools.action_set(&results))
}

/// `relation-ids [--format=json] [ENDPOINT]`: the hook's endpoint without one.
fn relation_ids(c: &mut Call<'_>) -> Result<String, ToolError> {
    let endpoint = match c.args.positionals.as_slice() {
        [endpoint] => endpoint.clone(),
        [] => c
            .context
            .relation
            .clone()
            .ok_or_else(|| ToolError::usage("no endpoint name specified"))?,
        _ => return Err(ToolError::usage("too many arguments")),
    };
    let mut ids: Vec<String> = c
        .tools
        .relation_ids(&endpoint)?
        .into_iter()
        .map(|id| format!("{endpoint}:{id}"))
        .collect();
    ids.sort();
    c.print(ids)
}

/// `relation-get [--format=json] [-r ID] [--app] [KEY|-] [MEMBER]`: the hook's
/// remote unit (or application) without a member.
fn relation_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let relation = c.relation()?;
    let app = c.args.flag("--app");
    let (key, member) = match c.args.positionals.as_slice() {
        [] => ("-", None),
        [key] => (key.as_str(), None),
        [key, member] => (key.as_str(), Some(member.clone())),
        _ => return Err(ToolError::usage("too many arguments")),
    };
    let remote = if app {
        &c.context.remote_app
    } else {
        &c.context.remote_unit
    };
    let member = member
        .or_else(|| remote.clone())
        .ok_or_else(|| ToolError::usage("no unit or application specified"))?;
    let bag = c.tools.relation_get(&relation, &member, app)?;
    if key == "-" {
        c.print(bag)
    } else {
        c.print(bag.get(key).cloned().unwrap_or_default())
    }
}

/// The settings of `relation-set` and `state-set`: `--file` (YAML or JSON; `-` is
/// stdin), then `KEY=VALUE` arguments.
fn settings(c: &mut Call<'_>) -> Result<Vec<(String, String)>, ToolError> {
    let mut changes = Vec::new();
    if let Some(file) = c.args.value(&["--file"]).map(str::to_owned) {
        let text = if file == "-" {
            c.stdin()?
        } else {
            std::fs::read_to_string(&file)
                .map_err(|error| ToolError::failed(format!("cannot read {file}: {error}")))?
        };
        if !text.trim().is_empty() {
            let map: BTreeMap<String, Option<String>> =
                yaml_serde::from_str(&text).map_err(|error| {
                    ToolError::failed(format!(
                        "expected a map of strings to strings in --file: {error}"
                    ))
                })?;
            changes.extend(
                map.into_iter()
                    .map(|(key, value)| (key, value.unwrap_or_default())),
            );
        }
    }
    for setting in &c.args.positionals {
        match setting.split_once('=') {
            Some((key, value)) if !key.is_empty() => {
                changes.push((key.to_owned(), value.to_owned()));
            }
            _ => {
                return Err(ToolError::usage(format!(
                    "expected \"key=value\", got {setting:?}"
                )));
            }
        }
    }
    Ok(changes)
}

/// The port of `open-port`/`close-port` (`tool`): `80` is `80/tcp`,
/// `8000-8999/UDP` is `8000-8999/udp`, and `icmp`.
fn port(c: &Call<'_>, tool: &str) -> Result<Port, ToolError> {
    if c.args.value(&["--endpoints"]).is_some() {
        return Err(unsupported(&format!("{tool} --endpoints")));
    }
    let [spec] = c.args.positionals.as_slice() else {
        return Err(ToolError::usage(
            "expected exactly one PORT[/PROTOCOL] or icmp",
        ));
    };
    if spec.eq_ignore_ascii_case("icmp") {
        return Ok(Port::icmp());
    }
    let (range, protocol) = match spec.split_once('/') {
        Some((range, protocol)) => (range, protocol.to_ascii_lowercase()),
        None => (spec.as_str(), "tcp".to_owned()),
    };
    if protocol != "tcp" && protocol != "udp" {
        return Err(ToolError::usage(format!(
            "invalid protocol {protocol:?}, expected \"tcp\", \"udp\", or \"icmp\""
        )));
    }
    let valid = |port: &str| port.parse::<u16>().is_ok_and(|port| port > 0);
    let ok = match range.split_once('-') {
        Some((from, to)) => valid(from) && valid(to),
        None => valid(range),
    };
    if !ok {
        return Err(ToolError::usage(format!("invalid port range {spec:?}")));
    }
    format!("{range}/{protocol}")
        .parse()
        .map_err(|error: String| ToolError::usage(error))
}
