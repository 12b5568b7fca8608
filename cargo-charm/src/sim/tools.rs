//! The hook tools of the simulated model: `cargo-charm` run under a tool's name.
//!
//! Each call loads the model from the file named by [`STATE_VAR`], counts and records
//! the call (argv redacted, see [`super::redact`]), acts, and saves the model.
//! Arguments and output follow Juju's tools as the runtime (and ops) call them; errors
//! go to stderr as `ERROR ...` with Juju's exit codes (2 for a bad command line,
//! including an unknown relation, 1 otherwise). Run under a workload command's name,
//! the program is that command's fake instead ([`super::commands`]).
//!
//! Every tool is a thin layer over the runtime's model of Juju's side, the one the
//! testing harness runs on ([`ops_runtime::testing::JujuModel`], which is the saved
//! model's core): one row of the argv table ([`table::TOOLS`]) names the tool's
//! options and turns the parsed call into a typed call on
//! [`MemoryHookTools`], then prints the answer in Juju's format. What a tool answers
//! and refuses is the model's (its exit code and stderr), so the harness and `sim`
//! fail alike (the `parity` tests run one script through both). `pod-spec-set` is
//! not simulated: it fails and says so.

mod argv;
mod clock;
mod network;
mod other;
#[cfg(test)]
mod parity;
mod secrets;
mod storage;
mod table;
#[cfg(test)]
mod tests;

/// What Juju's tools print, shared with the runtime's parser tests.
#[cfg(test)]
#[path = "../../../ops-runtime/src/hook_tools/process/juju_output.rs"]
mod juju_output;

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use ops_runtime::HookToolError;
use ops_runtime::event::RelationRef;
use ops_runtime::testing::MemoryHookTools;
use serde::Serialize;

use super::commands;
use super::redact;
use super::state::{Call as CallRecord, CallKind, LogLine, Model};
use argv::Parsed;

/// The environment variable naming the model's JSON file.
pub(crate) const STATE_VAR: &str = "OPS_SIM_STATE";

/// The name of every hook tool `sim` answers, and so links to this program: the
/// rows of the argv table, every tool the runtime can call
/// ([`ops_runtime::hook_tools::TOOL_NAMES`]) and the deprecated leader settings,
/// which a charm may still run itself.
pub(crate) const TOOLS: &[&str] = &table::names::<{ table::TOOLS.len() }>();

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
    /// A bad command line (exit code 2).
    fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// A refused or failed call (exit code 1).
    fn failed(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }

    /// `unrecognized args: ["EXTRA"]`, for an argument past the last a tool takes.
    fn unrecognized(extra: &str) -> Self {
        Self::usage(format!("unrecognized args: [{extra:?}]"))
    }
}

/// The model's failure as the tool reports it: Juju's exit code and message.
impl From<HookToolError> for ToolError {
    fn from(error: HookToolError) -> Self {
        match error {
            HookToolError::Failed {
                exit_code, stderr, ..
            } => {
                let message = stderr.trim_end();
                Self {
                    code: exit_code
                        .and_then(|code| u8::try_from(code).ok())
                        .unwrap_or(1),
                    message: message.strip_prefix("ERROR ").unwrap_or(message).to_owned(),
                }
            }
            other => Self::failed(other.to_string()),
        }
    }
}

/// What `sim` does not simulate.
fn unsupported(what: &str) -> ToolError {
    ToolError::failed(format!(
        "`{what}` is not simulated by `cargo charm sim` yet"
    ))
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
}

impl Context {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        Self {
            relation_id: var("JUJU_RELATION_ID"),
            relation: var("JUJU_RELATION"),
            remote_unit: var("JUJU_REMOTE_UNIT"),
            remote_app: var("JUJU_REMOTE_APP"),
            event: event_from_env(),
            storage_id: var("JUJU_STORAGE_ID"),
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
    model.calls.push(CallRecord {
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

/// Runs one tool call on `model`: parses `args` by the tool's row of the table,
/// makes its call on the runtime's model, and files the `juju-log` lines it wrote
/// under the event. `stdin` reads standard input when the tool needs it.
pub(crate) fn run(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
    stdin: &mut dyn FnMut() -> io::Result<String>,
) -> Result<String, ToolError> {
    let Some(row) = table::TOOLS.iter().find(|row| row.name == tool) else {
        return Err(unsupported(tool));
    };
    let args = argv::parse(args, row.valued, row.flags)?;
    model.juju.hook = Some(context.event.clone());
    let tools = MemoryHookTools::new(std::mem::take(&mut model.juju));
    let result = (row.run)(&mut Call {
        args,
        tools: &tools,
        context,
        stdin,
    });
    model.juju = tools.into_model();
    model.juju.hook = None;
    for line in model.juju.juju_log.drain(..) {
        model.log.push(LogLine {
            event: context.event.clone(),
            level: line.level.as_str().to_owned(),
            message: line.message,
        });
    }
    result
}

/// One call of a tool, parsed: what a row of the table works with.
struct Call<'a> {
    /// The options and positional arguments.
    args: Parsed,
    /// The runtime's model, behind the hook tools.
    tools: &'a MemoryHookTools,
    /// The hook's environment.
    context: &'a Context,
    stdin: &'a mut dyn FnMut() -> io::Result<String>,
}

impl Call<'_> {
    /// `value` in the format `--format` asks for.
    fn print(&self, value: impl Serialize) -> Result<String, ToolError> {
        let value = serde_json::to_value(value)
            .map_err(|error| ToolError::failed(format!("cannot encode the output: {error}")))?;
        argv::output(&value, self.args.json()?)
    }

    /// The positional arguments, refusing more than `most`.
    fn at_most(&self, most: usize) -> Result<&[String], ToolError> {
        match self.args.positionals.get(most) {
            Some(extra) => Err(ToolError::unrecognized(extra)),
            None => Ok(&self.args.positionals),
        }
    }

    /// The one positional argument, `missing` when there is none.
    fn one(&self, missing: &str) -> Result<&str, ToolError> {
        match self.at_most(1)? {
            [arg] => Ok(arg),
            _ => Err(ToolError::usage(missing)),
        }
    }

    /// Standard input, read once.
    fn stdin(&mut self) -> Result<String, ToolError> {
        (self.stdin)().map_err(|error| ToolError::failed(format!("cannot read stdin: {error}")))
    }

    /// `-r`'s value, or the hook's relation (`JUJU_RELATION_ID`) without it, and
    /// which of them it is.
    fn relation_arg(&self) -> Result<(String, &'static str), ToolError> {
        match self.args.value(&["-r", "--relation"]) {
            Some(reference) => Ok((reference.to_owned(), "option -r")),
            None => match &self.context.relation_id {
                Some(reference) => Ok((reference.clone(), "JUJU_RELATION_ID")),
                None => Err(ToolError::usage("no relation id specified")),
            },
        }
    }

    /// The model's relation `reference` names (`endpoint:id`, or an id), refused
    /// as Juju refuses a bad `place` (`option -r`, `JUJU_RELATION_ID`).
    fn find_relation(&self, reference: &str, place: &str) -> Result<RelationRef, ToolError> {
        let (endpoint, id) = match reference.rsplit_once(':') {
            Some((endpoint, id)) => (Some(endpoint), id),
            None => (None, reference),
        };
        let found = id.parse::<u64>().ok().and_then(|id| {
            self.tools.inspect(|model| {
                model
                    .relations
                    .iter()
                    .find(|r| r.id == id && endpoint.is_none_or(|endpoint| endpoint == r.endpoint))
                    .map(|r| RelationRef::new(r.endpoint.clone(), r.id))
            })
        });
        found.ok_or_else(|| {
            ToolError::usage(format!(
                "invalid value {reference:?} for {place}: relation not found"
            ))
        })
    }

    /// The relation `-r` names, or the hook's: `-r endpoint:id` goes to the model as
    /// it is (the model says whether it exists); an id alone, or the hook's, is
    /// completed from the model's relations.
    fn relation(&self) -> Result<RelationRef, ToolError> {
        if let Some((endpoint, id)) = self
            .args
            .value(&["-r", "--relation"])
            .and_then(|reference| reference.rsplit_once(':'))
            && let Ok(id) = id.parse::<u64>()
        {
            return Ok(RelationRef::new(endpoint, id));
        }
        let (reference, place) = self.relation_arg()?;
        self.find_relation(&reference, place)
    }

    /// The relation id of `-r` (or the hook's): an id alone goes to the model as
    /// `ProcessHookTools` sends it; `endpoint:id` must name one of the model's.
    fn relation_id(&self) -> Result<u64, ToolError> {
        let (reference, place) = self.relation_arg()?;
        match reference.parse::<u64>() {
            Ok(id) => Ok(id),
            Err(_) => Ok(self.find_relation(&reference, place)?.id),
        }
    }
}
