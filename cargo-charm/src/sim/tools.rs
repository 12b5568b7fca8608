//! The hook tools of the simulated model: `cargo-charm` run under a tool's name.
//!
//! Each call loads the model from the file named by [`STATE_VAR`], counts and records
//! the call (argv redacted, see [`super::redact`]), acts, and saves the model.
//! Arguments and output follow Juju's tools as the runtime (and ops) call them; errors
//! go to stderr as `ERROR ...` with Juju's exit codes (2 for a bad command line,
//! including an unknown relation, 1 otherwise). Run under a workload command's name,
//! the program is that command's fake instead ([`super::commands`]).
//!
//! Most tools are a thin layer over the runtime's model of Juju's side, the one the
//! testing harness runs on ([`ops_runtime::testing::JujuModel`], see [`juju`]):
//! parse argv, make the typed call, print the answer in Juju's format; a refusal is
//! the model's exit code and stderr, so the harness and `sim` fail alike (the
//! `parity` tests run one script through both). Those are the status, leadership,
//! config, version, action, relation, port, controller-state, storage, network
//! (`network-get`, `unit-get`, `goal-state`), `resource-get`, `credential-get`,
//! `juju-log` and `juju-reboot` tools. Secrets and metrics still keep their own
//! semantics in child modules. `pod-spec-set` is not simulated: it fails and
//! says so.

mod clock;
mod juju;
mod network;
mod other;
#[cfg(test)]
mod parity;
mod secrets;
mod storage;

/// What Juju's tools print, shared with the runtime's parser tests.
#[cfg(test)]
#[path = "../../../ops-runtime/src/hook_tools/process/juju_output.rs"]
mod juju_output;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ops_runtime::HookTools;
use ops_runtime::event::RelationRef;
use ops_runtime::hook_tools::{LogLevel, StatusTarget};
use serde_json::{Map, Value};

use super::commands;
use super::redact;
use super::state::{Call, CallKind, Databag, LogLine, Model, Status};

/// The environment variable naming the model's JSON file.
pub(crate) const STATE_VAR: &str = "OPS_SIM_STATE";

/// Tools `sim` answers that the runtime does not call: the deprecated leader
/// settings, which a charm may still run itself.
const SIM_ONLY_TOOLS: &[&str] = &["leader-get", "leader-set"];

/// Every hook tool the runtime can call ([`ops_runtime::hook_tools::TOOL_NAMES`])
/// and [`SIM_ONLY_TOOLS`]; `sim` links each to this program. (`pod-spec-set` is
/// not simulated: it fails with a clear message.)
pub(crate) const TOOLS: &[&str] = &concat::<
    { ops_runtime::hook_tools::TOOL_NAMES.len() + SIM_ONLY_TOOLS.len() },
>(ops_runtime::hook_tools::TOOL_NAMES, SIM_ONLY_TOOLS);

/// `first` then `second`, as one array of length `N` (their lengths' sum).
const fn concat<const N: usize>(
    first: &[&'static str],
    second: &[&'static str],
) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < first.len() {
        out[i] = first[i];
        i += 1;
    }
    let mut j = 0;
    while j < second.len() {
        out[i + j] = second[j];
        j += 1;
    }
    out
}

/// What this program was run as, when its name (argv\[0\]) is not its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invoked {
    /// A hook tool of [`TOOLS`].
    Tool(&'static str),
    /// A workload command: one of [`commands::COMMANDS`], or one a scenario scripts.
    Command(String),
}

/// The hook tool or workload command this program was run as, if its name
/// (argv\[0\]) is one.
pub(crate) fn invoked_as() -> Option<Invoked> {
    let arg0 = std::env::args_os().next()?;
    let name = Path::new(&arg0).file_name()?.to_str()?;
    if let Some(tool) = TOOLS.iter().copied().find(|tool| *tool == name) {
        return Some(Invoked::Tool(tool));
    }
    if commands::is_faked(name) {
        return Some(Invoked::Command(name.to_owned()));
    }
    // A command only a scenario scripts is known from the script beside the model.
    let state = std::env::var_os(STATE_VAR)?;
    let script = commands::Script::load(Path::new(&state)).ok()?;
    script
        .names()
        .contains(name)
        .then(|| Invoked::Command(name.to_owned()))
}

/// The event being handled, from `JUJU_DISPATCH_PATH`: `install`, `describe-action`.
pub(crate) fn event_from_env() -> String {
    match std::env::var("JUJU_DISPATCH_PATH") {
        Ok(path) => match path.split_once('/') {
            Some(("actions", name)) => format!("{name}-action"),
            Some((_, name)) => name.to_owned(),
            None => path,
        },
        Err(_) => String::new(),
    }
}

/// A failed call: Juju's exit code and message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ToolError {
    code: u8,
    message: String,
}

impl ToolError {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    fn failed(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

/// What the hook's environment says about the context.
#[derive(Debug, Default, Clone)]
pub(crate) struct Context {
    /// `JUJU_RELATION_ID`.
    pub(crate) relation_id: Option<String>,
    /// `JUJU_RELATION`.
    pub(crate) relation: Option<String>,
    /// `JUJU_REMOTE_UNIT`.
    pub(crate) remote_unit: Option<String>,
    /// `JUJU_REMOTE_APP`.
    pub(crate) remote_app: Option<String>,
    /// The event, from `JUJU_DISPATCH_PATH` (`install`, `describe-action`).
    pub(crate) event: String,
    /// `JUJU_STORAGE_ID` (`data/0`).
    pub(crate) storage_id: Option<String>,
    /// The simulation's root: the directory holding the model file.
    pub(crate) root: Option<PathBuf>,
}

impl Context {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let event = event_from_env();
        Self {
            relation_id: var("JUJU_RELATION_ID"),
            relation: var("JUJU_RELATION"),
            remote_unit: var("JUJU_REMOTE_UNIT"),
            remote_app: var("JUJU_REMOTE_APP"),
            event,
            storage_id: var("JUJU_STORAGE_ID"),
            root: std::env::var_os(STATE_VAR)
                .and_then(|path| Path::new(&path).parent().map(Path::to_path_buf)),
        }
    }
}

/// Runs the hook tool or workload command `invoked` with `args` against the model in
/// `$OPS_SIM_STATE`.
pub(crate) fn main(invoked: Invoked, args: impl Iterator<Item = OsString>) -> ExitCode {
    let tool = match invoked {
        Invoked::Tool(tool) => tool,
        Invoked::Command(name) => return commands::main(&name, args),
    };
    let args: Vec<String> = args.map(|arg| arg.to_string_lossy().into_owned()).collect();
    let Some(path) = std::env::var_os(STATE_VAR) else {
        eprintln!(
            "ERROR {tool} is `cargo charm sim`'s simulated hook tool and runs only under it \
             ({STATE_VAR} is not set)"
        );
        return ExitCode::FAILURE;
    };
    let path = Path::new(&path);
    let mut model = match Model::load(path) {
        Ok(model) => model,
        Err(error) => {
            eprintln!(
                "ERROR cannot read the simulated model {}: {error}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
    };
    model.hook_tool_calls += 1;
    let context = Context::from_env();
    let result = run(tool, &args, &mut model, &context, &mut || {
        let mut text = String::new();
        io::stdin().read_to_string(&mut text).map(|_| text)
    });
    let mut argv = vec![tool.to_owned()];
    argv.extend(args.iter().cloned());
    model.calls.push(Call {
        event: context.event.clone(),
        kind: CallKind::HookTool,
        argv: redact::argv(&argv),
        exit_code: result
            .as_ref()
            .map_or_else(|error| i32::from(error.code), |_| 0),
        via: None,
    });
    if let Err(error) = model.save(path) {
        eprintln!(
            "ERROR cannot write the simulated model {}: {error}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    match result {
        Ok(output) => {
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(output.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(error) => {
            eprintln!("ERROR {}", error.message);
            ExitCode::from(error.code)
        }
    }
}

/// Options and positional arguments of one call.
#[derive(Debug, Default)]
struct Parsed {
    options: Vec<(String, Option<String>)>,
    positionals: Vec<String>,
}

impl Parsed {
    /// The last value of any of `names`.
    fn value(&self, names: &[&str]) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(name, _)| names.contains(&name.as_str()))
            .and_then(|(_, value)| value.as_deref())
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(option, _)| option == name)
    }

    /// `--format`: JSON, or Juju's default "smart" format (YAML for maps, which the
    /// sim also prints for `--format=yaml`).
    fn json(&self) -> Result<bool, ToolError> {
        match self.value(&["--format"]) {
            None | Some("smart" | "yaml") => Ok(false),
            Some("json") => Ok(true),
            Some(other) => Err(ToolError::usage(format!(
                "invalid value {other:?} for option --format: unknown format {other:?}"
            ))),
        }
    }
}

/// Splits `args` by the options of a tool: `valued` take a value (`--x v` or `--x=v`),
/// `flags` take none (or an inline `=BOOL`).
fn parse(args: &[String], valued: &[&str], flags: &[&str]) -> Result<Parsed, ToolError> {
    let mut parsed = Parsed::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            parsed.positionals.extend(args.by_ref().cloned());
            break;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            if valued.contains(&name) {
                let value = match inline {
                    Some(value) => value,
                    None => args.next().cloned().ok_or_else(|| {
                        ToolError::usage(format!("flag needs an argument: {name}"))
                    })?,
                };
                parsed.options.push((name.to_owned(), Some(value)));
            } else if flags.contains(&name) {
                parsed.options.push((name.to_owned(), inline));
            } else {
                return Err(ToolError::usage(format!(
                    "option provided but not defined: {name}"
                )));
            }
        } else {
            parsed.positionals.push(arg.clone());
        }
    }
    Ok(parsed)
}

/// A flag that may carry `=true`/`=false` in any case (`--application=True`).
fn bool_flag(parsed: &Parsed, name: &str) -> Result<bool, ToolError> {
    match parsed
        .options
        .iter()
        .rev()
        .find(|(option, _)| option == name)
    {
        None => Ok(false),
        Some((_, None)) => Ok(true),
        Some((_, Some(value))) => match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Ok(true),
            "false" | "0" | "f" => Ok(false),
            _ => Err(ToolError::usage(format!(
                "invalid boolean value {value:?} for {name}"
            ))),
        },
    }
}

fn json_text(value: &impl serde::Serialize) -> Result<String, ToolError> {
    serde_json::to_string(value)
        .map(|text| text + "\n")
        .map_err(|error| ToolError::failed(format!("cannot encode the output: {error}")))
}

fn yaml_text(value: &impl serde::Serialize) -> Result<String, ToolError> {
    yaml_serde::to_string(value)
        .map_err(|error| ToolError::failed(format!("cannot encode the output: {error}")))
}

/// The output of a value in the requested format, as `github.com/juju/cmd` writes it:
/// JSON and a newline; or the smart format, which writes nothing for `null`, a string
/// as it is, a boolean as `True` or `False`, a list one item a line and a map as YAML.
fn output(value: &Value, json: bool) -> Result<String, ToolError> {
    if json {
        return json_text(value);
    }
    match value {
        Value::Null => Ok(String::new()),
        Value::String(text) => Ok(format!("{text}\n")),
        Value::Bool(true) => Ok("True\n".into()),
        Value::Bool(false) => Ok("False\n".into()),
        Value::Number(number) => Ok(format!("{number}\n")),
        Value::Array(items) => Ok(items
            .iter()
            .map(|item| match item {
                Value::String(text) => format!("{text}\n"),
                other => format!("{other}\n"),
            })
            .collect()),
        Value::Object(_) => yaml_text(value),
    }
}

/// Runs one tool call. `stdin` reads standard input when the tool needs it.
pub(crate) fn run(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
    stdin: &mut dyn FnMut() -> io::Result<String>,
) -> Result<String, ToolError> {
    match tool {
        "juju-log" => {
            let parsed = parse(args, &["--log-level", "-l"], &["--debug"])?;
            // Juju logs at INFO a level it does not know (juju-log.go).
            let level = match parsed.value(&["--log-level", "-l"]) {
                Some(level) => match level.to_ascii_uppercase().as_str() {
                    "TRACE" => LogLevel::Trace,
                    "DEBUG" => LogLevel::Debug,
                    "WARNING" | "WARN" => LogLevel::Warning,
                    "ERROR" => LogLevel::Error,
                    "CRITICAL" => LogLevel::Critical,
                    _ => LogLevel::Info,
                },
                None if parsed.flag("--debug") => LogLevel::Debug,
                None => LogLevel::Info,
            };
            if parsed.positionals.is_empty() {
                return Err(ToolError::usage("no message specified"));
            }
            let message = parsed.positionals.join(" ");
            juju::call(model, |tools| tools.juju_log(level, &message))?;
            model.log.push(LogLine {
                event: context.event.clone(),
                level: level.as_str().to_owned(),
                message,
            });
            Ok(String::new())
        }
        "status-set" => {
            let parsed = parse(args, &[], &["--application"])?;
            let application = bool_flag(&parsed, "--application")?;
            let Some((status, message)) = parsed.positionals.split_first() else {
                return Err(ToolError::usage(
                    "invalid args, require <status> [message] [data]",
                ));
            };
            if !["maintenance", "blocked", "waiting", "active"].contains(&status.as_str()) {
                return Err(ToolError::usage(format!(
                    "invalid status {status:?}, expected one of [maintenance blocked waiting active]"
                )));
            }
            let message = message.join(" ");
            let status = match status.as_str() {
                "maintenance" => ops_runtime::Status::maintenance(message),
                "blocked" => ops_runtime::Status::blocked(message),
                "waiting" => ops_runtime::Status::waiting(message),
                _ => ops_runtime::Status::active(message),
            };
            let target = if application {
                StatusTarget::App
            } else {
                StatusTarget::Unit
            };
            juju::call(model, |tools| tools.status_set(target, &status))?;
            Ok(String::new())
        }
        "status-get" => {
            let parsed = parse(args, &["--format"], &["--include-data", "--application"])?;
            let json = parsed.json()?;
            let application = bool_flag(&parsed, "--application")?;
            let include_data = parsed.flag("--include-data");
            // `toDetails` of Juju's status-get.go: a Go map, its keys sorted.
            let details = |status: &Status| {
                if include_data {
                    serde_json::json!({
                        "message": status.message,
                        "status": status.status,
                        "status-data": {},
                    })
                } else {
                    serde_json::json!({ "status": status.status })
                }
            };
            let target = if application {
                StatusTarget::App
            } else {
                StatusTarget::Unit
            };
            let status = juju::status(&juju::call(model, |tools| tools.status_get(target))?);
            if !include_data && !json {
                // The smart format without data: the status name alone.
                return output(&Value::String(status.status.clone()), json);
            }
            if application {
                let unit = juju::status(&juju::call(model, |tools| {
                    tools.status_get(StatusTarget::Unit)
                })?);
                let mut units = Map::new();
                units.insert(model.unit.clone(), details(&unit));
                let mut app = details(&status);
                if let Value::Object(fields) = &mut app {
                    fields.insert("units".into(), Value::Object(units));
                }
                output(&serde_json::json!({ "application-status": app }), json)
            } else {
                output(&details(&status), json)
            }
        }
        "is-leader" => {
            let parsed = parse(args, &["--format"], &[])?;
            let json = parsed.json()?;
            output(
                &Value::Bool(juju::call(model, |tools| tools.is_leader())?),
                json,
            )
        }
        "config-get" => {
            let parsed = parse(args, &["--format"], &["--all", "-a"])?;
            let json = parsed.json()?;
            let config: Map<String, Value> = juju::call(model, |tools| tools.config_get())?
                .into_iter()
                .collect();
            match parsed.positionals.as_slice() {
                [] => output(&Value::Object(config), json),
                [key] => output(config.get(key).unwrap_or(&Value::Null), json),
                _ => Err(ToolError::usage("too many arguments")),
            }
        }
        "application-version-set" => {
            let parsed = parse(args, &[], &[])?;
            match parsed.positionals.as_slice() {
                [version] => {
                    juju::call(model, |tools| tools.application_version_set(version))?;
                    Ok(String::new())
                }
                [] => Err(ToolError::usage("no version specified")),
                _ => Err(ToolError::usage("too many arguments")),
            }
        }
        "action-get" | "action-set" | "action-log" | "action-fail" => {
            action_tool(tool, args, model)
        }
        "relation-ids" => {
            let parsed = parse(args, &["--format"], &[])?;
            let json = parsed.json()?;
            let endpoint = match parsed.positionals.as_slice() {
                [endpoint] => endpoint.clone(),
                [] => context
                    .relation
                    .clone()
                    .ok_or_else(|| ToolError::usage("no endpoint name specified"))?,
                _ => return Err(ToolError::usage("too many arguments")),
            };
            let mut ids: Vec<String> = juju::call(model, |tools| tools.relation_ids(&endpoint))?
                .into_iter()
                .map(|id| format!("{endpoint}:{id}"))
                .collect();
            ids.sort();
            output(&Value::from(ids), json)
        }
        "relation-list" => {
            let parsed = parse(args, &["--format", "-r", "--relation"], &["--app"])?;
            let json = parsed.json()?;
            let relation = relation_ref(model, &parsed, context)?;
            if parsed.flag("--app") {
                let app = juju::call(model, |tools| tools.relation_remote_app(&relation))?;
                output(&app.map_or(Value::Null, Value::String), json)
            } else {
                let units = juju::call(model, |tools| tools.relation_list(&relation))?;
                output(&Value::from(units), json)
            }
        }
        "relation-get" => relation_get(args, model, context),
        "relation-set" => relation_set(args, model, context, stdin),
        "relation-model-get" => {
            let parsed = parse(args, &["--format", "-r", "--relation"], &[])?;
            let json = parsed.json()?;
            let relation = relation_ref(model, &parsed, context)?;
            let uuid = juju::call(model, |tools| tools.relation_model_get(&relation))?;
            output(&serde_json::json!({ "uuid": uuid }), json)
        }
        "opened-ports" => {
            let parsed = parse(args, &["--format"], &["--endpoints"])?;
            let json = parsed.json()?;
            if parsed.flag("--endpoints") {
                return Err(unsupported("opened-ports --endpoints"));
            }
            let ports = juju::call(model, |tools| tools.opened_ports())?;
            let ports: Vec<String> = ports.iter().map(ToString::to_string).collect();
            output(&Value::from(ports), json)
        }
        "open-port" | "close-port" => {
            let parsed = parse(args, &["--endpoints"], &[])?;
            if parsed.value(&["--endpoints"]).is_some() {
                return Err(unsupported(&format!("{tool} --endpoints")));
            }
            let [spec] = parsed.positionals.as_slice() else {
                return Err(ToolError::usage(
                    "expected exactly one PORT[/PROTOCOL] or icmp",
                ));
            };
            let port = normalize_port(spec)?;
            let port: ops_runtime::Port = port
                .parse()
                .map_err(|error: String| ToolError::usage(error))?;
            if tool == "open-port" {
                juju::call(model, |tools| tools.open_port(&port))?;
            } else {
                juju::call(model, |tools| tools.close_port(&port))?;
            }
            Ok(String::new())
        }
        "state-get" => {
            let parsed = parse(args, &["--format"], &[])?;
            let json = parsed.json()?;
            match parsed.positionals.as_slice() {
                [] => output(
                    &serde_json::to_value(&model.controller_state).unwrap_or_default(),
                    json,
                ),
                // A key never set is Go's zero string (Juju 3's state-get.go).
                [key] => output(
                    &Value::String(
                        juju::call(model, |tools| tools.state_get(key))?.unwrap_or_default(),
                    ),
                    json,
                ),
                _ => Err(ToolError::usage("too many arguments")),
            }
        }
        "state-set" => {
            let parsed = parse(args, &["--file"], &[])?;
            let changes = settings(&parsed, stdin)?;
            juju::call(model, |tools| {
                changes
                    .iter()
                    .try_for_each(|(key, value)| tools.state_set(key, value))
            })?;
            Ok(String::new())
        }
        "state-delete" => {
            let parsed = parse(args, &[], &[])?;
            let [key] = parsed.positionals.as_slice() else {
                return Err(ToolError::usage("expected exactly one key"));
            };
            juju::call(model, |tools| tools.state_delete(key))?;
            Ok(String::new())
        }
        "secret-add" | "secret-get" | "secret-info-get" | "secret-set" | "secret-grant"
        | "secret-revoke" | "secret-remove" | "secret-ids" => {
            secrets::run(tool, args, model, context)
        }
        "storage-list" | "storage-get" | "storage-add" => storage::run(tool, args, model, context),
        "network-get" | "unit-get" | "goal-state" => network::run(tool, args, model, context),
        "resource-get" | "credential-get" | "juju-reboot" | "add-metric" | "leader-get"
        | "leader-set" => other::run(tool, args, model, context),
        other => Err(unsupported(other)),
    }
}

fn unsupported(what: &str) -> ToolError {
    ToolError::failed(format!(
        "`{what}` is not simulated by `cargo charm sim` yet"
    ))
}

/// `80` → `80/tcp`; `8000-8999/UDP` → `8000-8999/udp`; `icmp`.
fn normalize_port(spec: &str) -> Result<String, ToolError> {
    if spec.eq_ignore_ascii_case("icmp") {
        return Ok("icmp".into());
    }
    let (range, protocol) = match spec.split_once('/') {
        Some((range, protocol)) => (range, protocol.to_ascii_lowercase()),
        None => (spec, "tcp".to_owned()),
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
    Ok(format!("{range}/{protocol}"))
}

/// The relation `-r` names, or the hook's (`JUJU_RELATION_ID`), for the
/// runtime's model: `-r endpoint:id` goes to it as it is (the model says whether
/// it exists); an id alone, or the hook's, is completed from the saved relations.
fn relation_ref(
    model: &Model,
    parsed: &Parsed,
    context: &Context,
) -> Result<RelationRef, ToolError> {
    if let Some((endpoint, id)) = parsed
        .value(&["-r", "--relation"])
        .and_then(|reference| reference.rsplit_once(':'))
        && let Ok(id) = id.parse::<u64>()
    {
        return Ok(RelationRef::new(endpoint, id));
    }
    let index = relation_index(model, parsed, context)?;
    let relation = &model.relations[index];
    Ok(RelationRef::new(relation.endpoint.clone(), relation.id))
}

fn relation_index(model: &Model, parsed: &Parsed, context: &Context) -> Result<usize, ToolError> {
    let (reference, option) = match parsed.value(&["-r", "--relation"]) {
        Some(reference) => (reference.to_owned(), true),
        None => match &context.relation_id {
            Some(reference) => (reference.clone(), false),
            None => return Err(ToolError::usage("no relation id specified")),
        },
    };
    let (endpoint, id) = match reference.rsplit_once(':') {
        Some((endpoint, id)) => (Some(endpoint), id),
        None => (None, reference.as_str()),
    };
    let found = id.parse::<u64>().ok().and_then(|id| {
        model.relations.iter().position(|relation| {
            relation.id == id && endpoint.is_none_or(|endpoint| endpoint == relation.endpoint)
        })
    });
    found.ok_or_else(|| {
        let place = if option {
            "option -r"
        } else {
            "JUJU_RELATION_ID"
        };
        ToolError::usage(format!(
            "invalid value {reference:?} for {place}: relation not found"
        ))
    })
}

/// `relation-get --format=json [-r ID] [--app] [KEY|-] [MEMBER]`.
fn relation_get(
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format", "-r", "--relation"], &["--app"])?;
    let json = parsed.json()?;
    let relation = relation_ref(model, &parsed, context)?;
    let app = parsed.flag("--app");
    let (key, member) = match parsed.positionals.as_slice() {
        [] => ("-".to_owned(), None),
        [key] => (key.clone(), None),
        [key, member] => (key.clone(), Some(member.clone())),
        _ => return Err(ToolError::usage("too many arguments")),
    };
    let member = match member {
        Some(member) => member,
        None if app => context
            .remote_app
            .clone()
            .ok_or_else(|| ToolError::usage("no unit or application specified"))?,
        None => context
            .remote_unit
            .clone()
            .ok_or_else(|| ToolError::usage("no unit or application specified"))?,
    };
    let bag = juju::call(model, |tools| tools.relation_get(&relation, &member, app))?;
    if key == "-" {
        output(&serde_json::to_value(bag).unwrap_or_default(), json)
    } else {
        output(
            &Value::String(bag.get(&key).cloned().unwrap_or_default()),
            json,
        )
    }
}

/// `relation-set [-r ID] [--app] [--file PATH|-] [KEY=VALUE ...]`.
fn relation_set(
    args: &[String],
    model: &mut Model,
    context: &Context,
    stdin: &mut dyn FnMut() -> io::Result<String>,
) -> Result<String, ToolError> {
    let parsed = parse(
        args,
        &["-r", "--relation", "--file", "--format"],
        &["--app"],
    )?;
    let relation = relation_ref(model, &parsed, context)?;
    let changes: Databag = settings(&parsed, stdin)?.into_iter().collect();
    let app = parsed.flag("--app");
    juju::call(model, |tools| tools.relation_set(&relation, app, &changes))?;
    Ok(String::new())
}

/// The settings of `relation-set`/`state-set`: `--file` (YAML or JSON; `-` is stdin),
/// then `KEY=VALUE` arguments.
fn settings(
    parsed: &Parsed,
    stdin: &mut dyn FnMut() -> io::Result<String>,
) -> Result<Vec<(String, String)>, ToolError> {
    let mut changes = Vec::new();
    if let Some(file) = parsed.value(&["--file"]) {
        let text = if file == "-" {
            stdin().map_err(|error| ToolError::failed(format!("cannot read stdin: {error}")))?
        } else {
            std::fs::read_to_string(file)
                .map_err(|error| ToolError::failed(format!("cannot read {file}: {error}")))?
        };
        if !text.trim().is_empty() {
            let map: std::collections::BTreeMap<String, Option<String>> =
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
    for setting in &parsed.positionals {
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

/// `action-get`, `action-set`, `action-log`, `action-fail`.
fn action_tool(tool: &str, args: &[String], model: &mut Model) -> Result<String, ToolError> {
    match tool {
        "action-get" => {
            let parsed = parse(args, &["--format"], &[])?;
            let json = parsed.json()?;
            let params = Value::Object(juju::call(model, |tools| tools.action_get())?);
            match parsed.positionals.as_slice() {
                [] => output(&params, json),
                [key] => {
                    let mut value = &params;
                    for part in key.split('.') {
                        value = value.get(part).unwrap_or(&Value::Null);
                    }
                    output(value, json)
                }
                _ => Err(ToolError::usage("too many arguments")),
            }
        }
        "action-set" => {
            let parsed = parse(args, &[], &[])?;
            // The keys' shape is the command line's: check it, and that no key
            // nests under a value, on a copy of the results so far.
            let mut results = model
                .running_action
                .as_ref()
                .map(|action| action.results.clone())
                .unwrap_or_default();
            let mut flat = std::collections::BTreeMap::new();
            for setting in &parsed.positionals {
                let Some((key, value)) = setting.split_once('=') else {
                    return Err(ToolError::usage(format!(
                        "argument {setting:?} must be of the form key...=value"
                    )));
                };
                let parts: Vec<&str> = key.split('.').collect();
                if parts.iter().any(|part| part.is_empty()) {
                    return Err(ToolError::usage(format!("key {key:?} is not valid")));
                }
                insert_nested(&mut results, &parts, value)?;
                flat.insert(key.to_owned(), value.to_owned());
            }
            juju::call(model, |tools| tools.action_set(&flat))?;
            Ok(String::new())
        }
        "action-log" => {
            let parsed = parse(args, &[], &[])?;
            if parsed.positionals.is_empty() {
                return Err(ToolError::usage("no message specified"));
            }
            let message = parsed.positionals.join(" ");
            juju::call(model, |tools| tools.action_log(&message))?;
            Ok(String::new())
        }
        _ => {
            let parsed = parse(args, &[], &[])?;
            let message = if parsed.positionals.is_empty() {
                "action failed without reason given".to_owned()
            } else {
                parsed.positionals.join(" ")
            };
            juju::call(model, |tools| tools.action_fail(&message))?;
            Ok(String::new())
        }
    }
}

pub(super) fn insert_nested(
    map: &mut Map<String, Value>,
    parts: &[&str],
    value: &str,
) -> Result<(), ToolError> {
    match parts {
        [] => Ok(()),
        [last] => {
            map.insert((*last).to_owned(), Value::String(value.to_owned()));
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            match entry {
                Value::Object(inner) => insert_nested(inner, rest, value),
                _ => Err(ToolError::usage(format!(
                    "key {first:?} already holds a value, not a map"
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::state::ActionRun;

    fn call(model: &mut Model, context: &Context, argv: &[&str]) -> Result<String, ToolError> {
        call_with_stdin(model, context, argv, "")
    }

    fn call_with_stdin(
        model: &mut Model,
        context: &Context,
        argv: &[&str],
        input: &str,
    ) -> Result<String, ToolError> {
        let (tool, args) = argv.split_first().unwrap();
        let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        run(tool, &args, model, context, &mut || Ok(input.to_owned()))
    }

    #[test]
    fn status_leader_config_and_version() {
        let mut model = Model::new("demo", true);
        model
            .config
            .insert("slug".into(), Value::String("x".into()));
        let cx = Context::default();
        assert_eq!(
            call(&mut model, &cx, &["is-leader", "--format=json"]),
            Ok("true\n".into())
        );
        assert_eq!(
            call(&mut model, &cx, &["config-get", "--format=json"]),
            Ok("{\"slug\":\"x\"}\n".into())
        );
        assert_eq!(
            call(&mut model, &cx, &["config-get", "slug"]),
            Ok("x\n".into())
        );
        call(
            &mut model,
            &cx,
            &[
                "status-set",
                "--application=True",
                "waiting",
                "--",
                "for",
                "peers",
            ],
        )
        .unwrap();
        call(
            &mut model,
            &cx,
            &["status-set", "--application=false", "active", "--", ""],
        )
        .unwrap();
        assert_eq!(model.app_status, Status::new("waiting", "for peers"));
        assert_eq!(model.unit_status, Status::new("active", ""));
        let app: Value = serde_json::from_str(
            &call(
                &mut model,
                &cx,
                &[
                    "status-get",
                    "--include-data",
                    "--format=json",
                    "--application=true",
                ],
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(app["application-status"]["status"], "waiting");
        assert_eq!(
            app["application-status"]["units"]["demo/0"]["status"],
            "active"
        );
        assert!(call(&mut model, &cx, &["status-set", "unknown"]).is_err());
        call(&mut model, &cx, &["application-version-set", "--", "1.2"]).unwrap();
        assert_eq!(model.workload_version, "1.2");
        call(
            &mut model,
            &cx,
            &["juju-log", "--log-level", "WARNING", "--", "hi there"],
        )
        .unwrap();
        assert_eq!(model.log[0].level, "WARNING");
        model.leader = false;
        let error = call(
            &mut model,
            &cx,
            &["status-set", "--application=true", "active"],
        );
        assert_eq!(error.map_err(|error| error.code), Err(1));
    }

    #[test]
    fn relations() {
        let mut model = Model::new("demo", true);
        let index = model.add_relation("db", "pg");
        model.relations[index]
            .remote_units
            .insert("pg/0".into(), Databag::from([("host".into(), "h".into())]));
        let cx = Context {
            relation_id: Some("db:0".into()),
            remote_unit: Some("pg/0".into()),
            ..Context::default()
        };
        assert_eq!(
            call(&mut model, &cx, &["relation-ids", "db", "--format=json"]),
            Ok("[\"db:0\"]\n".into())
        );
        assert_eq!(
            call(
                &mut model,
                &cx,
                &["relation-list", "--format=json", "-r", "db:0"]
            ),
            Ok("[\"pg/0\"]\n".into())
        );
        assert_eq!(
            call(
                &mut model,
                &cx,
                &["relation-list", "--format=json", "--app", "-r", "db:0"]
            ),
            Ok("\"pg\"\n".into())
        );
        assert_eq!(
            call(
                &mut model,
                &cx,
                &["relation-get", "--format=json", "-r", "db:0", "-", "pg/0"]
            ),
            Ok("{\"host\":\"h\"}\n".into())
        );
        call_with_stdin(
            &mut model,
            &cx,
            &["relation-set", "-r", "db:0", "--app", "--file", "-"],
            r#"{"a":"1","b":""}"#,
        )
        .unwrap();
        assert_eq!(
            model.relations[0].local_app_data,
            Databag::from([("a".into(), "1".into())])
        );
        let error = call(
            &mut model,
            &cx,
            &["relation-get", "--format=json", "-r", "db:9", "-", "demo/0"],
        )
        .unwrap_err();
        assert_eq!(error.code, 2);
        assert_eq!(
            error.message,
            "invalid value \"db:9\" for option -r: relation not found"
        );
    }

    #[test]
    fn actions_ports_and_state() {
        let mut model = Model::new("demo", true);
        let cx = Context::default();
        assert!(call(&mut model, &cx, &["action-get", "--format=json"]).is_err());
        model.running_action = Some(ActionRun {
            name: "describe".into(),
            id: "1".into(),
            params: serde_json::json!({"include-config": false}),
            results: Map::new(),
            log: Vec::new(),
            status: "running".into(),
            message: None,
        });
        assert_eq!(
            call(&mut model, &cx, &["action-get", "--format=json"]),
            Ok("{\"include-config\":false}\n".into())
        );
        call(
            &mut model,
            &cx,
            &["action-set", "proxy.slug=x", "proxy.port=80", "ok=yes"],
        )
        .unwrap();
        call(&mut model, &cx, &["action-log", "--", "working"]).unwrap();
        let action = model.running_action.clone().unwrap();
        assert_eq!(
            Value::Object(action.results),
            serde_json::json!({"proxy": {"slug": "x", "port": "80"}, "ok": "yes"})
        );
        assert_eq!(action.log, ["working"]);
        call(&mut model, &cx, &["open-port", "8000"]).unwrap();
        call(&mut model, &cx, &["open-port", "9000-9010/UDP"]).unwrap();
        call(&mut model, &cx, &["close-port", "8000/tcp"]).unwrap();
        assert_eq!(
            call(&mut model, &cx, &["opened-ports", "--format=json"]),
            Ok("[\"9000-9010/udp\"]\n".into())
        );
        call_with_stdin(
            &mut model,
            &cx,
            &["state-set", "--file", "-"],
            r#"{"k":"{\"n\": 1}"}"#,
        )
        .unwrap();
        assert_eq!(
            call(&mut model, &cx, &["state-get", "--format=json", "k"]),
            Ok("\"{\\\"n\\\": 1}\"\n".into())
        );
        call(&mut model, &cx, &["state-delete", "k"]).unwrap();
        assert_eq!(
            call(&mut model, &cx, &["state-get", "--format=json", "k"]),
            Ok("\"\"\n".into())
        );
        let error = call(&mut model, &cx, &["pod-spec-set", "--file", "/y"]).unwrap_err();
        assert!(error.message.contains("not simulated"), "{}", error.message);
    }

    /// A scratch directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cargo-charm-tools-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn error_of(result: Result<String, ToolError>) -> (u8, String) {
        let error = result.unwrap_err();
        (error.code, error.message)
    }

    #[test]
    fn secrets_the_charm_owns() {
        let dir = scratch("owned");
        let value = dir.join("value-0");
        std::fs::write(&value, "hunter2").unwrap();
        let content = format!("password#file={}", value.display());
        let mut model = Model::new("demo", true);
        model.add_relation("db", "pg");
        let cx = Context::default();
        let uri = call(
            &mut model,
            &cx,
            &[
                "secret-add",
                "--label",
                "db",
                "--owner",
                "application",
                &content,
            ],
        )
        .unwrap();
        let uri = uri.trim_end().to_owned();
        let id = uri.strip_prefix("secret:").unwrap().to_owned();
        assert_eq!(id.len(), 20, "{uri}");
        assert_eq!(model.secrets[0].owner, "demo");
        for lookup in [
            vec!["secret-get", "--format=json", uri.as_str()],
            vec!["secret-get", "--format=json", "--label", "db"],
            vec!["secret-get", "--format=json", id.as_str()],
        ] {
            assert_eq!(
                call(&mut model, &cx, &lookup),
                Ok("{\"password\":\"hunter2\"}\n".into()),
                "{lookup:?}"
            );
        }
        assert_eq!(
            call(&mut model, &cx, &["secret-get", &uri, "password"]),
            Ok("hunter2\n".into())
        );
        // A new revision; the owner reads the latest. Equal content makes none.
        std::fs::write(&value, "s3cret").unwrap();
        call(
            &mut model,
            &cx,
            &[
                "secret-set",
                &uri,
                "--owner",
                "application",
                "--rotate",
                "daily",
                &content,
            ],
        )
        .unwrap();
        call(&mut model, &cx, &["secret-set", &uri, &content]).unwrap();
        assert_eq!(model.secrets[0].last_revision, 2);
        assert_eq!(
            call(&mut model, &cx, &["secret-get", "--format=json", &uri]),
            Ok("{\"password\":\"s3cret\"}\n".into())
        );
        let info: Value = serde_json::from_str(
            &call(&mut model, &cx, &["secret-info-get", "--format=json", &uri]).unwrap(),
        )
        .unwrap();
        assert_eq!(info[&id]["revision"], 2);
        assert_eq!(info[&id]["label"], "db");
        assert_eq!(info[&id]["owner"], "application");
        assert_eq!(info[&id]["rotation"], "daily");
        assert!(info[&id]["rotates"].is_string());
        assert_eq!(
            call(&mut model, &cx, &["secret-ids", "--format=json"]),
            Ok(format!("[\"{id}\"]\n"))
        );
        call(&mut model, &cx, &["secret-grant", "--relation", "0", &uri]).unwrap();
        call(
            &mut model,
            &cx,
            &["secret-grant", "-r", "db:0", "--unit", "pg/0", &uri],
        )
        .unwrap();
        assert_eq!(
            model.secrets[0].grants.len(),
            1,
            "the app grant covers pg/0"
        );
        assert_eq!(
            error_of(call(
                &mut model,
                &cx,
                &["secret-grant", "-r", "0", "--unit", "mysql/0", &uri]
            ))
            .0,
            2
        );
        call(&mut model, &cx, &["secret-revoke", "--relation", "0", &uri]).unwrap();
        assert!(model.secrets[0].grants.is_empty());
        call(&mut model, &cx, &["secret-remove", &uri, "--revision", "1"]).unwrap();
        assert_eq!(model.secrets[0].revisions.keys().collect::<Vec<_>>(), [&2]);
        // Errors, with Juju's messages; none shows the content.
        let (code, message) = error_of(call(
            &mut model,
            &cx,
            &["secret-info-get", "--label", "nope"],
        ));
        assert_eq!((code, message.as_str()), (1, "secret \"nope\" not found"));
        assert_eq!(
            error_of(call(&mut model, &cx, &["secret-get", "secret:nope"])),
            (2, "secret URI \"secret:nope\" not valid".into())
        );
        let (code, message) = error_of(call(&mut model, &cx, &["secret-add", "Bad=hunter2"]));
        assert_eq!(code, 2);
        assert!(!message.contains("hunter2"), "{message}");
        model.leader = false;
        for argv in [
            vec!["secret-add", "token=x"],
            vec!["secret-set", uri.as_str(), "token=x"],
            vec!["secret-remove", uri.as_str()],
        ] {
            assert_eq!(
                error_of(call(&mut model, &cx, &argv)),
                (1, "this unit is not the leader".into()),
                "{argv:?}"
            );
        }
        // A non-leader still reads its application's secrets, but does not list them.
        assert!(call(&mut model, &cx, &["secret-get", &uri]).is_ok());
        assert_eq!(
            call(&mut model, &cx, &["secret-ids", "--format=json"]),
            Ok("null\n".into())
        );
        call(
            &mut model,
            &cx,
            &["secret-add", "--owner", "unit", "token=x"],
        )
        .unwrap();
        model.leader = true;
        call(&mut model, &cx, &["secret-remove", &uri]).unwrap();
        assert_eq!(model.secrets.len(), 1);
        assert_eq!(model.secrets[0].owner, "demo/0");
        let missing = format!("secret \"{id}\" not found");
        assert_eq!(
            error_of(call(&mut model, &cx, &["secret-get", &uri])),
            (1, missing)
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn secrets_the_charm_observes() {
        let mut model = Model::new("demo", true);
        let id = model.new_secret_id();
        let mut secret = crate::sim::state::Secret::new(id.clone(), "vault".into());
        secret.label = Some("token".into());
        secret.tracked = Some(1);
        secret.add_revision(Databag::from([("token".into(), "t1".into())]));
        secret.add_revision(Databag::from([("token".into(), "t2".into())]));
        model.secrets.push(secret);
        let cx = Context::default();
        let get = |model: &mut Model, flags: &[&str]| {
            let mut argv = vec!["secret-get", "--format=json", "--label", "token"];
            argv.extend(flags);
            call(model, &cx, &argv)
        };
        assert_eq!(get(&mut model, &[]), Ok("{\"token\":\"t1\"}\n".into()));
        assert_eq!(
            get(&mut model, &["--peek"]),
            Ok("{\"token\":\"t2\"}\n".into())
        );
        assert_eq!(get(&mut model, &[]), Ok("{\"token\":\"t1\"}\n".into()));
        assert_eq!(
            get(&mut model, &["--refresh"]),
            Ok("{\"token\":\"t2\"}\n".into())
        );
        assert_eq!(get(&mut model, &[]), Ok("{\"token\":\"t2\"}\n".into()));
        assert_eq!(error_of(get(&mut model, &["--peek", "--refresh"])).0, 2);
        // Relabelled by reading with id and label.
        let uri = format!("secret:{id}");
        call(
            &mut model,
            &cx,
            &["secret-get", &uri, "--label", "vault-token"],
        )
        .unwrap();
        assert_eq!(model.secrets[0].label.as_deref(), Some("vault-token"));
        assert_eq!(
            error_of(call(&mut model, &cx, &["secret-get", "--label", "token"])),
            (1, "consumer label \"token\" not found".into())
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["secret-set", &uri, "token=mine"])),
            (1, "permission denied".into())
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["secret-info-get", &uri])).0,
            1,
            "only owners get the info"
        );
        model.add_relation("db", "pg");
        assert_eq!(
            error_of(call(&mut model, &cx, &["secret-grant", "-r", "0", &uri])),
            (1, format!("secret \"{id}\" not found"))
        );
    }

    #[test]
    fn storage() {
        let mut model = Model::new("demo", true);
        model.charm_storage.insert(
            "data".into(),
            crate::sim::state::StorageSpec {
                kind: "filesystem".into(),
                max: Some(2),
                next_index: 0,
            },
        );
        model.attach_storage("data", PathBuf::from("/sim/storage/data/0"));
        let cx = Context {
            storage_id: Some("data/0".into()),
            ..Context::default()
        };
        assert_eq!(
            call(&mut model, &cx, &["storage-list", "--format=json"]),
            Ok("[\"data/0\"]\n".into())
        );
        assert_eq!(
            call(&mut model, &cx, &["storage-list", "--format=json", "logs"]),
            Ok("[]\n".into())
        );
        let info: ops_runtime::StorageInfo = serde_json::from_str(
            &call(
                &mut model,
                &cx,
                &["storage-get", "--format=json", "-s", "data/0"],
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(info.kind, "filesystem");
        assert_eq!(info.location, Path::new("/sim/storage/data/0"));
        assert_eq!(
            call(&mut model, &cx, &["storage-get", "location"]),
            Ok("/sim/storage/data/0\n".into())
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["storage-get", "-s", "data/7"])).0,
            2
        );
        assert_eq!(
            error_of(call(&mut model, &Context::default(), &["storage-get"])),
            (2, "no storage instance specified".into())
        );
        call(&mut model, &cx, &["storage-add", "data=1"]).unwrap();
        assert_eq!(model.storage_requested["data"], 1);
        assert_eq!(
            error_of(call(&mut model, &cx, &["storage-add", "data"])).0,
            1
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["storage-add", "logs=1"])),
            (1, "charm storage \"logs\" not found".into())
        );
        model.attach_storage("data", PathBuf::from("/sim/storage/data/1"));
        assert!(model.storage_requested.is_empty());
    }

    #[test]
    fn network_unit_and_goal_state() {
        let mut model = Model::new("demo", true);
        model.bindings = vec!["db".into(), "metrics".into()];
        model.add_relation("db", "pg");
        model.relations[0]
            .remote_units
            .insert("pg/0".into(), Databag::new());
        let cx = Context::default();
        let text = call(
            &mut model,
            &cx,
            &["network-get", "--format=json", "-r", "0", "db"],
        )
        .unwrap();
        assert_eq!(
            text,
            "{\"bind-addresses\":[{\"mac-address\":\"00:16:3e:00:00:0a\",\"interface-name\":\
             \"eth0\",\"addresses\":[{\"hostname\":\"\",\"value\":\"10.0.0.10\",\"cidr\":\
             \"10.0.0.0/24\"}]}],\"egress-subnets\":[\"10.0.0.10/32\"],\
             \"ingress-addresses\":[\"10.0.0.10\"]}\n"
        );
        let network: ops_runtime::Network = serde_json::from_str(&text).unwrap();
        assert_eq!(network.bind_address(), Some("10.0.0.10"));
        assert_eq!(
            call(
                &mut model,
                &cx,
                &["network-get", "metrics", "--bind-address"]
            ),
            Ok("10.0.0.10\n".into())
        );
        assert_eq!(
            call(
                &mut model,
                &cx,
                &[
                    "network-get",
                    "db",
                    "--format=json",
                    "--ingress-address",
                    "--egress-subnets"
                ]
            ),
            Ok(
                "{\"egress-subnets\":[\"10.0.0.10/32\"],\"ingress-address\":\"10.0.0.10\"}\n"
                    .into()
            )
        );
        assert_eq!(
            error_of(call(
                &mut model,
                &cx,
                &["network-get", "--format=json", "nope"]
            )),
            (1, "no network config found for binding \"nope\"".into())
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["network-get", "-r", "db:9", "db"])).0,
            2
        );
        assert_eq!(
            call(
                &mut model,
                &cx,
                &["unit-get", "--format=json", "private-address"]
            ),
            Ok("\"10.0.0.10\"\n".into())
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["unit-get", "address"])).0,
            2
        );
        let goal: ops_runtime::GoalState =
            serde_json::from_str(&call(&mut model, &cx, &["goal-state", "--format=json"]).unwrap())
                .unwrap();
        assert_eq!(goal.units["demo/0"].status, "active");
        assert_eq!(goal.relations["db"]["pg"].status, "joined");
        assert_eq!(goal.relations["db"]["pg/0"].status, "active");
    }

    #[test]
    fn resources_credentials_reboot_metrics_and_leader_settings() {
        let dir = scratch("other");
        let mut model = Model::new("demo", true);
        let cx = Context {
            root: Some(dir.clone()),
            ..Context::default()
        };
        let (code, message) = error_of(call(&mut model, &cx, &["resource-get", "image"]));
        assert_eq!(code, 1);
        assert!(
            message.contains("resource#demo/image not found"),
            "{message}"
        );
        std::fs::create_dir_all(dir.join("resources")).unwrap();
        std::fs::write(dir.join("resources/image"), "x").unwrap();
        assert_eq!(
            call(&mut model, &cx, &["resource-get", "image"]),
            Ok(dir.join("resources/image").display().to_string())
        );
        assert_eq!(
            error_of(call(&mut model, &cx, &["credential-get", "--format=json"])),
            (
                1,
                "cannot access cloud credentials: permission denied".into()
            )
        );
        model.trusted = true;
        let spec: ops_runtime::CloudSpec = serde_json::from_str(
            &call(&mut model, &cx, &["credential-get", "--format=json"]).unwrap(),
        )
        .unwrap();
        assert_eq!(spec.kind, "lxd");
        call(&mut model, &cx, &["juju-reboot", "--now"]).unwrap();
        assert_eq!(model.reboot.as_deref(), Some("now"));
        assert_eq!(
            error_of(call(&mut model, &cx, &["add-metric", "users=3"])),
            (
                1,
                "cannot record metric: metrics not allowed in this context".into()
            )
        );
        let metrics = Context {
            event: "collect-metrics".into(),
            ..Context::default()
        };
        call(
            &mut model,
            &metrics,
            &["add-metric", "--labels", "a=b", "users=3"],
        )
        .unwrap();
        assert_eq!(model.metrics[0].labels["a"], "b");
        call(&mut model, &cx, &["leader-set", "a=1", "b=2"]).unwrap();
        call(&mut model, &cx, &["leader-set", "b="]).unwrap();
        assert_eq!(
            call(&mut model, &cx, &["leader-get", "--format=json"]),
            Ok("{\"a\":\"1\"}\n".into())
        );
        assert_eq!(
            call(&mut model, &cx, &["leader-get", "a"]),
            Ok("1\n".into())
        );
        assert_eq!(
            call(&mut model, &cx, &["leader-get", "--format=json", "b"]),
            Ok("null\n".into())
        );
        model.leader = false;
        assert_eq!(
            error_of(call(&mut model, &cx, &["leader-set", "a=2"])),
            (
                1,
                "cannot write leadership settings: cannot write settings: not the leader".into()
            )
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Where `sim` differs in shape from `juju`, what Juju prints: a key Juju does
    /// not print, a value of another JSON type, or a key of `required` missing.
    /// Maps at the paths of `keyed_by_data` (their keys are names, not fields) have
    /// each value compared with Juju's first; list items with Juju's first item.
    fn shape_difference(
        sim: &Value,
        juju: &Value,
        path: &str,
        keyed_by_data: &[&str],
        required: &[&str],
    ) -> Option<String> {
        let kind = |value: &Value| match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a map",
        };
        match (sim, juju) {
            (Value::Object(sim), Value::Object(juju)) if keyed_by_data.contains(&path) => {
                let model = juju.values().next()?;
                sim.values().find_map(|value| {
                    shape_difference(value, model, &format!("{path}/*"), keyed_by_data, required)
                })
            }
            (Value::Object(sim), Value::Object(juju)) => {
                for key in required {
                    let (parent, field) = key.rsplit_once('/').unwrap_or(("", key));
                    if parent == path && !sim.contains_key(field) {
                        return Some(format!("{path}: no `{field}`"));
                    }
                }
                sim.iter().find_map(|(key, value)| match juju.get(key) {
                    None => Some(format!("{path}: `{key}`, which Juju does not print")),
                    Some(juju) => shape_difference(
                        value,
                        juju,
                        &format!("{path}/{key}"),
                        keyed_by_data,
                        required,
                    ),
                })
            }
            (Value::Array(sim), Value::Array(juju)) => {
                let model = juju.first()?;
                sim.iter().find_map(|item| {
                    shape_difference(item, model, &format!("{path}/*"), keyed_by_data, required)
                })
            }
            (sim, juju) if kind(sim) == kind(juju) => None,
            (sim, juju) => Some(format!(
                "{path}: {} where Juju prints {}",
                kind(sim),
                kind(juju)
            )),
        }
    }

    /// A fuller model than `Model::new` gives: a relation, a secret, storage.
    fn busy_model(dir: &Path) -> (Model, Context) {
        let mut model = Model::new("demo", true);
        model.bindings = vec!["db".into()];
        let index = model.add_relation("db", "pg");
        model.relations[index].remote_units.insert(
            "pg/0".into(),
            Databag::from([("ingress-address".into(), "10.0.0.9".into())]),
        );
        model.config.insert("port".into(), Value::from(8080));
        model.charm_storage.insert(
            "data".into(),
            crate::sim::state::StorageSpec {
                kind: "filesystem".into(),
                max: None,
                next_index: 0,
            },
        );
        model.attach_storage("data", dir.join("storage/data/0"));
        model.opened_ports.push("80/tcp".into());
        model.controller_state.insert("k".into(), "v".into());
        model.trusted = true;
        let cx = Context {
            root: Some(dir.to_path_buf()),
            ..Context::default()
        };
        (model, cx)
    }

    #[test]
    fn tools_print_what_juju_prints() {
        use juju_output as juju;
        let dir = scratch("shapes");
        let value = dir.join("value");
        std::fs::write(&value, "hunter2").unwrap();
        let (mut model, cx) = busy_model(&dir);
        call(&mut model, &cx, &["status-set", "active", "--", "ready"]).unwrap();
        let uri = call(
            &mut model,
            &cx,
            &[
                "secret-add",
                "--rotate",
                "hourly",
                &format!("password#file={}", value.display()),
            ],
        )
        .unwrap();
        let uri = uri.trim_end();
        // (argv, Juju's output, maps keyed by names, keys Juju always prints)
        type Case<'a> = (&'a [&'a str], &'a str, &'a [&'a str], &'a [&'a str]);
        let cases: &[Case<'_>] = &[
            (
                &["network-get", "--format=json", "db"],
                juju::NETWORK_GET,
                &[],
                &[
                    "/bind-addresses",
                    "/bind-addresses/*/mac-address",
                    "/bind-addresses/*/interface-name",
                    "/bind-addresses/*/addresses",
                    "/bind-addresses/*/addresses/*/value",
                    "/bind-addresses/*/addresses/*/hostname",
                    "/bind-addresses/*/addresses/*/cidr",
                ],
            ),
            (
                &[
                    "status-get",
                    "--include-data",
                    "--format=json",
                    "--application=false",
                ],
                juju::STATUS_GET_UNIT,
                &[],
                &["/status", "/message", "/status-data"],
            ),
            (
                &[
                    "status-get",
                    "--include-data",
                    "--format=json",
                    "--application=true",
                ],
                juju::STATUS_GET_APP,
                &["/application-status/units"],
                &["/application-status", "/application-status/units"],
            ),
            (&["is-leader", "--format=json"], juju::IS_LEADER, &[], &[]),
            (
                &["relation-ids", "db", "--format=json"],
                juju::RELATION_IDS,
                &[],
                &[],
            ),
            (
                &["relation-list", "--format=json", "-r", "db:0"],
                juju::RELATION_LIST,
                &[],
                &[],
            ),
            (
                &["relation-list", "--format=json", "--app", "-r", "db:0"],
                juju::RELATION_LIST_APP,
                &[],
                &[],
            ),
            (
                &["relation-get", "--format=json", "-r", "db:0", "-", "pg/0"],
                juju::RELATION_GET_UNIT,
                &[""],
                &[],
            ),
            (
                &["relation-model-get", "--format=json", "-r", "db:0"],
                juju::RELATION_MODEL_GET,
                &[],
                &["/uuid"],
            ),
            (
                &["secret-get", "--format=json", uri],
                juju::SECRET_GET,
                &[""],
                &[],
            ),
            (
                &["secret-info-get", "--format=json", uri],
                juju::SECRET_INFO_GET_FULL,
                &[""],
                &["/*/revision", "/*/label", "/*/owner"],
            ),
            (&["secret-ids", "--format=json"], juju::SECRET_IDS, &[], &[]),
            (
                &["storage-list", "--format=json"],
                juju::STORAGE_LIST,
                &[],
                &[],
            ),
            (
                &["storage-get", "--format=json", "-s", "data/0"],
                juju::STORAGE_GET,
                &[],
                &["/kind", "/location"],
            ),
            (
                &["opened-ports", "--format=json"],
                juju::OPENED_PORTS,
                &[],
                &[],
            ),
            (
                &["goal-state", "--format=json"],
                juju::GOAL_STATE,
                &["/units", "/relations", "/relations/*"],
                &["/units", "/relations"],
            ),
            (
                &["credential-get", "--format=json"],
                juju::CREDENTIAL_GET_LXD,
                &[],
                &["/type", "/name", "/credential/auth-type"],
            ),
            (
                &["unit-get", "--format=json", "public-address"],
                juju::UNIT_GET,
                &[],
                &[],
            ),
            (
                &["state-get", "--format=json", "k"],
                juju::STATE_GET,
                &[],
                &[],
            ),
            (
                &["state-get", "--format=json", "unset"],
                juju::STATE_GET_MISSING,
                &[],
                &[],
            ),
        ];
        for (argv, juju_output, keyed_by_data, required) in cases {
            let printed = call(&mut model, &cx, argv).unwrap();
            assert!(printed.ends_with('\n'), "{argv:?}: {printed:?}");
            let sim: Value = serde_json::from_str(&printed).unwrap();
            let juju: Value = serde_json::from_str(juju_output).unwrap();
            assert_eq!(
                shape_difference(&sim, &juju, "", keyed_by_data, required),
                None,
                "{argv:?}\nsim:  {printed}juju: {juju_output}"
            );
        }
        // Config values are of the options' types: a map is all Juju promises.
        let config = call(&mut model, &cx, &["config-get", "--format=json"]).unwrap();
        assert!(
            serde_json::from_str::<Map<String, Value>>(&config).is_ok(),
            "{config}"
        );
        // goal-state's times are `common.FormatTime(t, true)`: a space, not a `T`.
        let goal: Value =
            serde_json::from_str(&call(&mut model, &cx, &["goal-state", "--format=json"]).unwrap())
                .unwrap();
        let since = goal["units"]["demo/0"]["since"].as_str().unwrap();
        assert_eq!(
            (since.len(), &since[10..11], &since[19..]),
            (20, " ", "Z"),
            "{since}"
        );
        // resource-get prints the path alone, as Juju does.
        std::fs::create_dir_all(dir.join("resources")).unwrap();
        std::fs::write(dir.join("resources/image"), "x").unwrap();
        let path = call(&mut model, &cx, &["resource-get", "image"]).unwrap();
        assert!(
            !path.ends_with('\n') && path.ends_with("resources/image"),
            "{path:?}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn network_get_smart_output_is_juju_yaml_with_both_spellings() {
        let mut model = Model::new("demo", true);
        model.bindings = vec!["db".into()];
        let printed = call(&mut model, &Context::default(), &["network-get", "db"]).unwrap();
        let sim: Value = yaml_serde::from_str(&printed).unwrap();
        let juju: Value = yaml_serde::from_str(juju_output::NETWORK_GET_YAML).unwrap();
        let required = [
            "/bind-addresses/*/mac-address",
            "/bind-addresses/*/macaddress",
            "/bind-addresses/*/interface-name",
            "/bind-addresses/*/interfacename",
            "/bind-addresses/*/addresses/*/value",
            "/bind-addresses/*/addresses/*/address",
        ];
        assert_eq!(
            shape_difference(&sim, &juju, "", &[], &required),
            None,
            "sim:\n{printed}"
        );
        // The runtime reads it, both spellings at once.
        let network: ops_runtime::Network = yaml_serde::from_str(&printed).unwrap();
        assert_eq!(network.bind_address(), Some("10.0.0.10"));
        assert_eq!(network.bind_addresses[0].interface_name, "eth0");
    }

    #[test]
    fn the_smart_format_is_juju_s() {
        let dir = scratch("smart");
        let (mut model, cx) = busy_model(&dir);
        assert_eq!(call(&mut model, &cx, &["is-leader"]), Ok("True\n".into()));
        assert_eq!(
            call(&mut model, &cx, &["relation-ids", "db"]),
            Ok("db:0\n".into())
        );
        call(&mut model, &cx, &["status-set", "active", "--", "ready"]).unwrap();
        assert_eq!(
            call(&mut model, &cx, &["status-get"]),
            Ok("active\n".into())
        );
        let status: Value = yaml_serde::from_str(
            &call(&mut model, &cx, &["status-get", "--include-data"]).unwrap(),
        )
        .unwrap();
        assert_eq!(status["status"], "active");
        assert_eq!(status["message"], "ready");
        assert_eq!(
            call(&mut model, &cx, &["status-get", "--format=json"]),
            Ok("{\"status\":\"active\"}\n".into())
        );
        let config: Value =
            yaml_serde::from_str(&call(&mut model, &cx, &["config-get"]).unwrap()).unwrap();
        assert_eq!(config["port"], 8080);
        assert_eq!(
            call(&mut model, &cx, &["config-get", "nope"]),
            Ok(String::new())
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
