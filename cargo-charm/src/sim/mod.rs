//! `cargo charm sim [DIR]`: builds a charm and runs it through a simulated Juju.
//!
//! The charm's binary becomes `dispatch` in a temporary charm directory, beside the
//! metadata and the project's files `pack` ships ([`crate::charm_files`]); every event is
//! one process, started as Juju starts it (`JUJU_*` environment, the charm directory as
//! working directory). The hook tools on its `PATH` are symlinks to this program, which
//! acts as the tool named by argv\[0\] (see [`tools`]) on the model kept in a JSON file
//! ([`state::Model`]: the runtime's model of Juju's side, the one the testing harness
//! runs on, and `sim`'s own records). A Kubernetes charm's workload containers are each served by an
//! emulated Pebble ([`ops_pebble_emulator::Server`]) in this process, on a socket the
//! charm finds through `OPS_RUNTIME_CONTAINERS_DIR`.
//!
//! Hook tools cover secrets (ids derive from a counter, so runs repeat; owners and
//! observers read the revision they track), storage (the declared storage
//! is attached under the simulation's root), a fixed network (10.0.0.10 on `eth0`,
//! 10.0.0.0/24), goal state, leader settings, `juju-reboot` and metrics.
//! `resource-get` hands out the files given with `--resource NAME=PATH` and fails
//! as Juju does for the others; `credential-get` answers with `--trust` and fails
//! as for an untrusted application without it.
//!
//! Workload commands ([`commands`]): `sim` must not change the machine it runs on, so
//! fakes of the commands a machine charm runs (`apt-get`, `apt`, `apt-cache`, `dpkg`,
//! `dpkg-query`, `snap`, `systemctl`, `service`, `useradd`, `usermod`, `userdel`,
//! `groupadd`, `groupdel`, `getent`, `chown`; the table is [`commands::COMMANDS`]) come
//! first on the hooks' `PATH`, after the hook tools and before `--extra-path` and the
//! system's directories. Each records its call and acts on a simulated machine
//! (packages, systemd units, snaps, users, groups; `machine` in the `--json` output).
//! Files a charm writes itself are not faked: `OPS_SIM_MACHINE_ROOT` names a scratch
//! directory standing for the machine's `/`, which a charm can put its paths under to
//! leave this machine's `/etc` alone (the tinyproxy example does). With `--on-host`,
//! the fakes are off and workload commands run on this machine as the current user.
//!
//! A scenario step scripts workload commands' answers from that step on:
//!
//! ```yaml
//! - commands:
//!     tinyproxy -v: {stdout: "tinyproxy 1.11.0\n"}   # a command name or an argv prefix
//!     apt-get install: {stderr: "E: no network\n", exit: 100}
//!     systemctl is-active: null                      # back to the built-in fake
//! ```
//!
//! The longest matching prefix answers, and the simulated machine stays as it was. A
//! command `sim` does not fake (`tinyproxy` above) is put on `PATH` too; its calls that
//! no key matches run this machine's command.
//!
//! With `-v`, each event's line is followed by its hook-tool calls and workload commands
//! in order, with their arguments, and its `juju-log` lines; secret values are
//! redacted as [`redact`] says. The `--json` output holds every call under `calls`.
//! A failing event always shows the charm's log and output.
//!
//! Not simulated: `pod-spec-set`, secret content given as `key#base64=`, JSON-schema
//! checks of action params beyond required and unknown keys, real processes behind
//! Pebble's exec.

mod commands;
mod interfaces;
mod redact;
mod scenario;
mod state;
mod steps;
pub(crate) mod tools;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ops_metadata::{CharmMetadata, ConfigOption, ConfigType, ConfigValue, MetadataError};
use ops_pebble_emulator::{Node, Server};
use ops_runtime::testing::Relation;
use serde_json::{Map, Value};

use crate::args::SimArgs;
use crate::pack::build::{self, BuildError, Target};
use crate::pack::split::{self, SplitError};
use crate::progress;

use commands::{Answer, Script};
use scenario::Step;
use state::{ActionRun, Call, CallKind, EventRecord, Model, Status, Via};

/// The copy of this program, in the simulation's root, that the hook tools and the
/// workload commands' fakes link to.
const SELF_COPY: &str = "cargo-charm";

/// The variable naming the directory that stands for the machine's `/` in a
/// simulated run.
pub(crate) const MACHINE_ROOT_VAR: &str = "OPS_SIM_MACHINE_ROOT";

/// Why `sim` could not run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SimError {
    /// The metadata is missing or invalid.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// The binary could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The metadata could not be split into the charm's files.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// The project's files that `pack` ships could not be listed or copied.
    #[error(transparent)]
    Files(#[from] crate::charm_files::FilesError),
    /// A file operation failed.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A `--config` value, or a scenario step's config, relation or action, is wrong.
    #[error("{0}")]
    Config(String),
    /// The scenario file is wrong.
    #[error("scenario `{}`: {message}", path.display())]
    Scenario {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The charm's hook failed.
    #[error("the `{0}` hook failed; the unit would now be in error state")]
    HookFailed(String),
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> SimError + use<> {
    let path = path.to_path_buf();
    move |source| SimError::Io {
        action,
        path,
        source,
    }
}

/// What `sim` leaves for stdout, and whether a hook failed.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The final model as JSON (with `--json`), else nothing.
    pub(crate) stdout: String,
    /// The failure that ended the run, if one did.
    pub(crate) failure: Option<SimError>,
}

/// One event to dispatch.
#[derive(Debug, Default)]
struct Dispatch {
    /// `install`, `db-relation-joined`, or the action name.
    name: String,
    /// Whether this is an action.
    action: bool,
    /// `JUJU_*` variables beyond the common ones.
    env: Vec<(&'static str, String)>,
}

impl Dispatch {
    fn hook(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    fn relation(kind: &str, relation: &Relation, remote_unit: Option<&str>) -> Self {
        let mut env = vec![
            ("JUJU_RELATION", relation.endpoint.clone()),
            ("JUJU_RELATION_ID", state::reference(relation)),
            ("JUJU_REMOTE_APP", relation.remote_app.clone()),
        ];
        if let Some(unit) = remote_unit {
            env.push(("JUJU_REMOTE_UNIT", unit.to_owned()));
            if kind == "departed" {
                env.push(("JUJU_DEPARTING_UNIT", unit.to_owned()));
            }
        }
        Self {
            name: format!("{}-relation-{kind}", relation.endpoint),
            action: false,
            env,
        }
    }

    /// A workload event of `container`.
    fn workload(name: &str, container: &str) -> Self {
        Self {
            name: name.to_owned(),
            action: false,
            env: vec![("JUJU_WORKLOAD_NAME", container.to_owned())],
        }
    }

    /// The event's name in output and logs.
    fn label(&self) -> String {
        if self.action {
            format!("{}-action", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// The simulation: the charm directory, the tools and the model file.
struct Sim<'a> {
    root: PathBuf,
    charm_dir: PathBuf,
    state_path: PathBuf,
    path_var: String,
    metadata: &'a CharmMetadata,
    /// Per-event lines go to stderr when stdout is for the JSON.
    lines_to_stderr: bool,
    /// `-v`: print each event's calls and log under its line.
    verbose: bool,
    /// Where the workload commands' fakes are linked.
    commands_dir: PathBuf,
    /// The directory standing for the machine's `/` ([`MACHINE_ROOT_VAR`]).
    machine_root: PathBuf,
    /// The scenario's scripted answers so far, and whether the fakes are off.
    script: Script,
    actions_run: u64,
    /// `--keep`: leave the simulation's directory when done.
    keep: bool,
    /// Runs each event as `WRAP ./dispatch`.
    wrap: Option<PathBuf>,
    /// Where the containers' Pebble sockets are (`<dir>/<name>/pebble.socket`).
    containers_dir: PathBuf,
    /// Each workload container's emulated Pebble, once it is up.
    containers: BTreeMap<String, Option<Server>>,
}

/// Runs `cargo charm sim`.
pub(crate) fn run(args: &SimArgs) -> Result<Outcome, SimError> {
    let metadata = crate::metadata::load_options().load_dir(&args.dir)?;
    for warning in &metadata.warnings {
        progress::warning(&warning.to_string());
    }
    if args.on_host {
        let user = std::env::var("USER")
            .ok()
            .filter(|user| !user.is_empty())
            .map_or_else(|| "the current user".to_owned(), |user| format!("`{user}`"));
        progress::warning(&format!(
            "--on-host: the charm's workload commands (apt-get, snap, systemctl, useradd, \
             ...) run on this machine as {user} and change it as they would a Juju machine"
        ));
    }
    let mut model = Model::new(&metadata.name, !args.no_leader);
    model.juju.config = initial_config(&metadata, &args.config)?
        .into_iter()
        .collect();
    for (name, _) in &metadata.peers {
        let app = model.juju.app_name.clone();
        model.add_relation(name, &app);
    }
    let steps = match &args.scenario {
        Some(path) => {
            let text = fs::read_to_string(path).map_err(io_error("read", path))?;
            let steps = scenario::parse(&text).map_err(|message| SimError::Scenario {
                path: path.clone(),
                message,
            })?;
            Some(steps)
        }
        None => None,
    };

    let charm = match &args.prebuilt {
        Some(path) => {
            let path = fs::canonicalize(path).map_err(io_error("find", path))?;
            if path.is_dir() {
                Prebuilt::Tree(path)
            } else {
                Prebuilt::Binary(path)
            }
        }
        None => Prebuilt::Binary(build_charm(args, &metadata)?),
    };
    let mut sim = Sim::create(args, &metadata, &charm)?;
    // The data directories and includes `pack` ships, where the charm reads them.
    crate::charm_files::lay_out(&args.dir, &sim.charm_dir)?;
    sim.prepare_model(&mut model)?;
    model.juju.cloud_spec = args.trust.then(state::sim_cloud);
    sim.install_resources(&mut model, &args.resources)?;
    model
        .save(&sim.state_path)
        .map_err(io_error("write", &sim.state_path))?;

    let result = match steps {
        Some(steps) => sim.run_steps(&steps),
        None => sim.run_lifecycle(),
    };
    let failure = result.err();
    let model = Model::load(&sim.state_path).map_err(io_error("read", &sim.state_path))?;
    let stdout = if args.json {
        let mut json = model.to_json().map_err(|error| SimError::Io {
            action: "encode",
            path: sim.state_path.clone(),
            source: io::Error::other(error),
        })?;
        if let Value::Object(fields) = &mut json
            && !sim.containers.is_empty()
        {
            fields.insert("containers".into(), Value::Object(sim.containers_json()));
        }
        serde_json::to_string_pretty(&json)
            .map(|text| text + "\n")
            .map_err(|error| SimError::Io {
                action: "encode",
                path: sim.state_path.clone(),
                source: io::Error::other(error),
            })?
    } else {
        String::new()
    };
    if args.keep {
        progress::note(&format!(
            "the simulated charm is in {} (model: {})",
            sim.charm_dir.display(),
            sim.state_path.display()
        ));
    }
    Ok(Outcome { stdout, failure })
}

/// `a, b, c`, or `none` when there is nothing to list: for "did you mean"
/// style messages naming what the charm does declare.
fn listing<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The config defaults, then `--config` overrides, typed by each option's type.
fn initial_config(
    metadata: &CharmMetadata,
    overrides: &[(String, String)],
) -> Result<Map<String, Value>, SimError> {
    let mut config = Map::new();
    for (name, option) in &metadata.config {
        if let Some(default) = &option.default {
            config.insert(name.clone(), config_json(default));
        }
    }
    for (key, text) in overrides {
        let value = typed_config(metadata, key, &Value::String(text.clone()))?;
        config.insert(key.clone(), value);
    }
    Ok(config)
}

fn config_json(value: &ConfigValue) -> Value {
    match value {
        ConfigValue::String(text) => Value::String(text.clone()),
        ConfigValue::Int(number) => Value::from(*number),
        ConfigValue::Float(number) => Value::from(*number),
        ConfigValue::Boolean(flag) => Value::Bool(*flag),
    }
}

/// `value` for option `key`, converted to the option's type (text is parsed).
fn typed_config(metadata: &CharmMetadata, key: &str, value: &Value) -> Result<Value, SimError> {
    let Some(option) = metadata.config.get(key) else {
        let known: Vec<&str> = metadata.config.keys().map(String::as_str).collect();
        return Err(SimError::Config(format!(
            "the charm has no option `{key}`; its options: {}",
            listing(&known)
        )));
    };
    convert(option, value).ok_or_else(|| {
        SimError::Config(format!(
            "`{key}` is a `{}` option; `{value}` is not one",
            option.kind.as_str()
        ))
    })
}

fn convert(option: &ConfigOption, value: &Value) -> Option<Value> {
    match (option.kind, value) {
        (ConfigType::String | ConfigType::Secret, Value::String(_)) => Some(value.clone()),
        (ConfigType::String | ConfigType::Secret, Value::Number(_) | Value::Bool(_)) => {
            Some(Value::String(value.to_string()))
        }
        (ConfigType::Int, Value::Number(number)) => number.as_i64().map(Value::from),
        (ConfigType::Int, Value::String(text)) => text.trim().parse::<i64>().ok().map(Value::from),
        (ConfigType::Float, Value::Number(number)) => number.as_f64().map(Value::from),
        (ConfigType::Float, Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::from),
        (ConfigType::Boolean, Value::Bool(_)) => Some(value.clone()),
        (ConfigType::Boolean, Value::String(text)) => match text.trim() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => None,
    }
}

/// What becomes the charm directory's `dispatch`.
enum Prebuilt {
    /// An executable, copied as `dispatch`.
    Binary(PathBuf),
    /// A directory holding `dispatch`, copied whole.
    Tree(PathBuf),
}

/// Copies the files, directories and symbolic links under `from` into `to`,
/// keeping permissions.
fn copy_tree(from: &Path, to: &Path) -> Result<(), SimError> {
    fs::create_dir_all(to).map_err(io_error("create", to))?;
    for entry in fs::read_dir(from).map_err(io_error("read", from))? {
        let entry = entry.map_err(io_error("read", from))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io_error("read", &source))?;
        if kind.is_dir() {
            copy_tree(&source, &target)?;
        } else if kind.is_symlink() {
            let link = fs::read_link(&source).map_err(io_error("read", &source))?;
            std::os::unix::fs::symlink(&link, &target).map_err(io_error("link", &target))?;
        } else {
            fs::copy(&source, &target).map_err(io_error("copy", &source))?;
        }
    }
    Ok(())
}

/// Builds the charm's binary in the dev (or release) profile, for the host.
fn build_charm(args: &SimArgs, metadata: &CharmMetadata) -> Result<PathBuf, SimError> {
    let manifest = args.dir.join("Cargo.toml");
    let manifest = fs::canonicalize(&manifest).map_err(io_error("find", &manifest))?;
    let bin = build::binary_name(&manifest, args.bin.as_deref(), &metadata.name)?;
    let profile = if args.release { "release" } else { "dev" };
    progress::status(
        "Building",
        &format!("{} (binary `{bin}`, {profile} profile)", metadata.name),
    );
    let host = Target {
        triple: String::new(),
        arch: "",
        pass_to_cargo: false,
        musl: false,
    };
    Ok(build::build(&manifest, &bin, &host, profile)?)
}

/// The simulation's directory goes when the run ends, however it ends, unless
/// `--keep` asked for it (it holds a copy of this program).
impl Drop for Sim<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

impl<'a> Sim<'a> {
    /// Makes the temporary charm directory, the hook tools and the PATH.
    fn create(
        args: &SimArgs,
        metadata: &'a CharmMetadata,
        charm: &Prebuilt,
    ) -> Result<Self, SimError> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.subsec_nanos());
        let root = std::env::temp_dir().join(format!(
            "cargo-charm-sim-{}-{}-{nanos}",
            metadata.name,
            std::process::id()
        ));
        let charm_dir = root.join("charm");
        let tools_dir = root.join("tools");
        let commands_dir = root.join("commands");
        let machine_root = root.join("machine");
        for dir in [&charm_dir, &tools_dir, &commands_dir, &machine_root] {
            fs::create_dir_all(dir).map_err(io_error("create", dir))?;
        }
        let dispatch = charm_dir.join("dispatch");
        match charm {
            Prebuilt::Binary(binary) => {
                fs::copy(binary, &dispatch).map_err(io_error("copy the binary to", &dispatch))?;
                fs::set_permissions(&dispatch, fs::Permissions::from_mode(0o755))
                    .map_err(io_error("make executable", &dispatch))?;
            }
            Prebuilt::Tree(tree) => {
                copy_tree(tree, &charm_dir)?;
                if !dispatch.is_file() {
                    return Err(SimError::Config(format!(
                        "`{}` has no `dispatch` file: a prebuilt charm tree needs the \
                         executable Juju runs at its top",
                        tree.display()
                    )));
                }
            }
        }
        for entry in split::split(metadata)?.entries {
            let path = charm_dir.join(&entry.name);
            fs::write(&path, &entry.data).map_err(io_error("write", &path))?;
        }
        // The tools and fakes link to a copy of this program, so that rebuilding
        // cargo-charm while `sim` runs cannot leave them dangling (and let the
        // machine's own apt-get answer).
        let exe = std::env::current_exe().map_err(io_error("find", Path::new("cargo-charm")))?;
        let me = root.join(SELF_COPY);
        fs::hard_link(&exe, &me)
            .or_else(|_| fs::copy(&exe, &me).map(drop))
            .map_err(io_error("copy", &exe))?;
        for tool in tools::TOOLS {
            let link = tools_dir.join(tool);
            std::os::unix::fs::symlink(&me, &link).map_err(io_error("link", &link))?;
        }
        if !args.on_host {
            for (command, _) in commands::COMMANDS {
                let link = commands_dir.join(command);
                std::os::unix::fs::symlink(&me, &link).map_err(io_error("link", &link))?;
            }
        }
        let mut dirs = vec![tools_dir, commands_dir.clone()];
        for dir in &args.extra_path {
            dirs.push(fs::canonicalize(dir).map_err(io_error("find", dir))?);
        }
        let mut path_var: String = dirs
            .iter()
            .map(|dir| dir.display().to_string())
            .collect::<Vec<_>>()
            .join(":");
        path_var.push_str(":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        let containers_dir = root.join("containers");
        let state_path = root.join("state.json");
        let script = Script {
            on_host: args.on_host,
            answers: BTreeMap::new(),
        };
        script
            .save(&state_path)
            .map_err(io_error("write the commands' script beside", &state_path))?;
        Ok(Self {
            state_path,
            root,
            charm_dir,
            path_var,
            metadata,
            lines_to_stderr: args.json,
            verbose: args.verbose,
            commands_dir,
            machine_root,
            script,
            actions_run: 0,
            keep: args.keep,
            wrap: args.wrap.clone(),
            containers_dir,
            containers: metadata
                .containers
                .keys()
                .map(|name| (name.clone(), None))
                .collect(),
        })
    }

    fn load(&self) -> Result<Model, SimError> {
        Model::load(&self.state_path).map_err(io_error("read", &self.state_path))
    }

    fn save(&self, model: &Model) -> Result<(), SimError> {
        model
            .save(&self.state_path)
            .map_err(io_error("write", &self.state_path))
    }

    /// storage-attached for each initial storage instance, install, peer
    /// relation-created, leader-elected, config-changed, start, pebble-ready for
    /// each container, update-status.
    fn run_lifecycle(&mut self) -> Result<(), SimError> {
        // Juju attaches the initial storage before install.
        for instance in self.load()?.juju.storages {
            self.storage_step(&scenario::StorageStep {
                attached: true,
                storage: format!("{}/{}", instance.name, instance.index),
            })?;
        }
        self.dispatch(&Dispatch::hook("install"))?;
        let model = self.load()?;
        for relation in model
            .juju
            .relations
            .iter()
            .filter(|relation| self.metadata.peers.contains_key(&relation.endpoint))
        {
            self.dispatch(&Dispatch::relation("created", relation, None))?;
        }
        if model.juju.leader {
            self.dispatch(&Dispatch::hook("leader-elected"))?;
        }
        for hook in ["config-changed", "start"] {
            self.dispatch(&Dispatch::hook(hook))?;
        }
        let containers: Vec<String> = self.containers.keys().cloned().collect();
        for container in containers {
            self.pebble_ready(&container)?;
        }
        self.dispatch(&Dispatch::hook("update-status"))
    }

    /// Starts `container`'s Pebble (if it is not up) and dispatches
    /// `<container>-pebble-ready`.
    fn pebble_ready(&mut self, container: &str) -> Result<(), SimError> {
        let Some(slot) = self.containers.get_mut(container) else {
            let known: Vec<&str> = self.containers.keys().map(String::as_str).collect();
            return Err(SimError::Config(format!(
                "the charm has no container `{container}`; its containers: {}",
                listing(&known)
            )));
        };
        if slot.is_none() {
            let socket = self.containers_dir.join(container).join("pebble.socket");
            *slot = Some(Server::bind(&socket).map_err(io_error("serve Pebble at", &socket))?);
        }
        self.dispatch(&Dispatch::workload(
            &format!("{container}-pebble-ready"),
            container,
        ))
    }

    /// A `pebble-*` scenario step: changes the container's Pebble, then
    /// dispatches the event.
    fn workload_step(&mut self, step: &scenario::WorkloadStep) -> Result<(), SimError> {
        use scenario::WorkloadStep;
        let container = match step {
            WorkloadStep::Ready { container } => return self.pebble_ready(container),
            WorkloadStep::CustomNotice { container, .. }
            | WorkloadStep::Check { container, .. } => container,
        };
        let Some(Some(server)) = self.containers.get(container) else {
            return Err(SimError::Config(format!(
                "container `{container}` has no Pebble up: add `- pebble-ready: {container}` \
                 before this step"
            )));
        };
        let event = match step {
            WorkloadStep::Ready { .. } => return Ok(()),
            WorkloadStep::CustomNotice { key, .. } => {
                let id = server.update(|state| state.add_custom_notice(key));
                let mut event =
                    Dispatch::workload(&format!("{container}-pebble-custom-notice"), container);
                event.env.extend([
                    ("JUJU_NOTICE_ID", id),
                    ("JUJU_NOTICE_TYPE", "custom".to_owned()),
                    ("JUJU_NOTICE_KEY", key.clone()),
                ]);
                event
            }
            WorkloadStep::Check { check, failed, .. } => {
                let known = server.update(|state| {
                    let threshold = state.checks.get(check).map(|info| info.threshold)?;
                    if *failed {
                        state.set_check(check, "down", threshold.max(1));
                    } else {
                        state.set_check(check, "up", 0);
                    }
                    Some(())
                });
                if known.is_none() {
                    return Err(SimError::Config(format!(
                        "container `{container}`'s plan has no check `{check}`"
                    )));
                }
                let kind = if *failed { "failed" } else { "recovered" };
                let mut event =
                    Dispatch::workload(&format!("{container}-pebble-check-{kind}"), container);
                event.env.push(("JUJU_PEBBLE_CHECK_NAME", check.clone()));
                event
            }
        };
        self.dispatch(&event)
    }

    /// Copies each `--resource NAME=PATH` file under the simulation's root and
    /// gives `resource-get` its path there, refusing names the charm does not
    /// declare.
    fn install_resources(
        &self,
        model: &mut Model,
        resources: &[(String, PathBuf)],
    ) -> Result<(), SimError> {
        for (name, path) in resources {
            if !self.metadata.resources.contains_key(name) {
                let known: Vec<&str> = self.metadata.resources.keys().map(String::as_str).collect();
                return Err(SimError::Config(format!(
                    "the charm has no resource `{name}`; its resources: {}",
                    listing(&known)
                )));
            }
            let dir = self.root.join("resources");
            fs::create_dir_all(&dir).map_err(io_error("create", &dir))?;
            fs::copy(path, dir.join(name)).map_err(io_error("copy the resource", path))?;
            model.juju.resources.insert(name.clone(), dir.join(name));
        }
        Ok(())
    }

    /// What each container's Pebble holds now, for the final JSON: whether it
    /// is up, its plan, its services' statuses and its files.
    fn containers_json(&self) -> Map<String, Value> {
        self.containers
            .iter()
            .map(|(name, server)| {
                let summary = match server {
                    None => serde_json::json!({"ready": false}),
                    Some(server) => {
                        let state = server.state();
                        // A service of the plan that never started has no entry.
                        let services: Map<String, Value> = state
                            .plan
                            .services
                            .keys()
                            .map(|service| {
                                let current = state
                                    .services
                                    .get(service)
                                    .map_or("inactive", |status| status.current.as_str());
                                (service.clone(), Value::String(current.to_owned()))
                            })
                            .collect();
                        let files: Vec<&String> = state
                            .files
                            .iter()
                            .filter(|(_, node)| matches!(node, Node::File { .. }))
                            .map(|(path, _)| path)
                            .collect();
                        serde_json::json!({
                            "ready": true,
                            "plan": serde_json::to_value(&state.plan).unwrap_or(Value::Null),
                            "services": services,
                            "files": files,
                        })
                    }
                };
                (name.clone(), summary)
            })
            .collect()
    }

    fn run_steps(&mut self, steps: &[Step]) -> Result<(), SimError> {
        for step in steps {
            match step {
                Step::Event { name, config } => {
                    if !config.is_empty() {
                        let mut model = self.load()?;
                        for (key, value) in config {
                            let value = typed_config(self.metadata, key, value)?;
                            model.juju.config.insert(key.clone(), value);
                        }
                        self.save(&model)?;
                    }
                    if name == "leader-elected" {
                        let mut model = self.load()?;
                        model.juju.leader = true;
                        self.save(&model)?;
                    }
                    self.dispatch(&Dispatch::hook(name))?;
                }
                Step::Relation {
                    kind,
                    endpoint,
                    remote_app,
                    remote_unit,
                    data,
                    app_data,
                } => self.relation_step(kind, endpoint, remote_app, remote_unit, data, app_data)?,
                Step::Action { name, params } => self.action(name, params)?,
                Step::Secret(step) => self.secret_step(step)?,
                Step::Storage(step) => self.storage_step(step)?,
                Step::Workload(step) => self.workload_step(step)?,
                Step::Commands(answers) => self.script_commands(answers)?,
            }
        }
        Ok(())
    }

    /// A `commands:` step: merges the answers into the script and puts each scripted
    /// command that has no fake linked on `PATH`.
    fn script_commands(
        &mut self,
        answers: &BTreeMap<String, Option<Answer>>,
    ) -> Result<(), SimError> {
        for (key, answer) in answers {
            match answer {
                Some(answer) => {
                    self.script.answers.insert(key.clone(), answer.clone());
                }
                None => {
                    self.script.answers.remove(key);
                }
            }
        }
        let me = self.root.join(SELF_COPY);
        for name in self.script.names() {
            let link = self.commands_dir.join(name);
            if fs::symlink_metadata(&link).is_err() {
                std::os::unix::fs::symlink(&me, &link).map_err(io_error("link", &link))?;
            }
        }
        self.script.save(&self.state_path).map_err(io_error(
            "write the commands' script beside",
            &self.state_path,
        ))
    }

    fn relation_step(
        &self,
        kind: &str,
        endpoint: &str,
        remote_app: &Option<String>,
        remote_unit: &Option<String>,
        data: &state::Databag,
        app_data: &state::Databag,
    ) -> Result<(), SimError> {
        let scenario_error =
            |message: String| SimError::Config(format!("relation step: {message}"));
        if self.metadata.relation(endpoint).is_none() {
            let known: Vec<String> = self.metadata.relations().map(|r| r.name.clone()).collect();
            return Err(scenario_error(format!(
                "the charm has no endpoint `{endpoint}`; its endpoints: {}",
                listing(&known)
            )));
        }
        let mut model = self.load()?;
        let found = model.juju.relations.iter().position(|relation| {
            relation.endpoint == endpoint
                && remote_app
                    .as_deref()
                    .is_none_or(|app| app == relation.remote_app)
        });
        let peer = self.metadata.peers.contains_key(endpoint);
        let index = match found {
            Some(index) => index,
            None if kind == "joined" => {
                let app = if peer {
                    model.juju.app_name.clone()
                } else {
                    remote_app.clone().unwrap_or_else(|| "remote".into())
                };
                let index = model.add_relation(endpoint, &app);
                self.save(&model)?;
                let relation = model.juju.relations[index].clone();
                self.dispatch(&Dispatch::relation("created", &relation, None))?;
                model = self.load()?;
                index
            }
            None => {
                return Err(scenario_error(format!(
                    "no `{endpoint}` relation{} to send `relation-{kind}` to; start with \
                     `relation-joined`",
                    remote_app
                        .as_deref()
                        .map(|app| format!(" with `{app}`"))
                        .unwrap_or_default()
                )));
            }
        };
        let Some(relation) = model.juju.relations.get_mut(index) else {
            return Err(scenario_error("the relation disappeared".into()));
        };
        relation.remote_app_data.extend(app_data.clone());
        if let Some(unit) = remote_unit {
            if kind == "departed" {
                relation.remote_units.remove(unit);
            } else {
                relation
                    .remote_units
                    .entry(unit.clone())
                    .or_default()
                    .extend(data.clone());
            }
        }
        let relation = relation.clone();
        self.save(&model)?;
        match kind {
            "joined" => {
                self.dispatch(&Dispatch::relation(
                    "joined",
                    &relation,
                    remote_unit.as_deref(),
                ))?;
                self.dispatch(&Dispatch::relation(
                    "changed",
                    &relation,
                    remote_unit.as_deref(),
                ))?;
            }
            "broken" => {
                self.dispatch(&Dispatch::relation("broken", &relation, None))?;
                let mut model = self.load()?;
                model.juju.relations.retain(|other| other.id != relation.id);
                self.save(&model)?;
            }
            _ => self.dispatch(&Dispatch::relation(kind, &relation, remote_unit.as_deref()))?,
        }
        Ok(())
    }

    fn action(&mut self, name: &str, given: &Map<String, Value>) -> Result<(), SimError> {
        let Some(action) = self.metadata.actions.get(name) else {
            let known: Vec<&str> = self.metadata.actions.keys().map(String::as_str).collect();
            return Err(SimError::Config(format!(
                "the charm has no action `{name}`; its actions: {}",
                listing(&known)
            )));
        };
        let mut params = Map::new();
        for (param, spec) in &action.params {
            if let Some(default) = &spec.default {
                params.insert(param.clone(), default.clone());
            }
        }
        for (key, value) in given {
            if action.additional_properties == Some(false) && !action.params.contains_key(key) {
                return Err(SimError::Config(format!(
                    "action `{name}` has no parameter `{key}`"
                )));
            }
            params.insert(key.clone(), value.clone());
        }
        for required in &action.required {
            if !params.contains_key(required) {
                return Err(SimError::Config(format!(
                    "action `{name}` needs the parameter `{required}`"
                )));
            }
        }
        self.actions_run += 1;
        let id = self.actions_run.to_string();
        let mut model = self.load()?;
        model.juju.action_params = Some(params.clone());
        model.running_action = Some(ActionRun {
            name: name.to_owned(),
            id: id.clone(),
            params: Value::Object(params),
            results: Map::new(),
            log: Vec::new(),
            status: "running".into(),
            message: None,
        });
        self.save(&model)?;
        let dispatch = Dispatch {
            name: name.to_owned(),
            action: true,
            env: vec![
                ("JUJU_ACTION_NAME", name.to_owned()),
                ("JUJU_ACTION_UUID", id),
            ],
        };
        let result = self.dispatch(&dispatch);
        let mut model = self.load()?;
        // What the action's hook tools set, from the runtime's model.
        let juju = &mut model.juju;
        juju.action_params = None;
        let results = juju.action_results_tree();
        juju.action_results.clear();
        let log = std::mem::take(&mut juju.action_logs);
        let failure = juju.action_failure.take();
        if let Some(mut run) = model.running_action.take() {
            run.results = results;
            run.log = log;
            if let Some(message) = failure {
                run.status = "failed".into();
                run.message = Some(message);
            }
            if result.is_err() {
                run.status = "failed".into();
                run.message
                    .get_or_insert_with(|| "the action's process failed".into());
            } else if run.status == "running" {
                run.status = "completed".into();
            }
            let line = match &run.message {
                Some(message) => format!("  action {}: {message}", run.status),
                None => format!(
                    "  action {}: {}",
                    run.status,
                    serde_json::to_string(&run.results).unwrap_or_default()
                ),
            };
            self.line(&line);
            model.actions.push(run);
        }
        self.save(&model)?;
        result
    }

    fn line(&self, text: &str) {
        if self.lines_to_stderr {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }

    /// Runs the charm for one event as Juju would, then prints a line about it.
    fn dispatch(&self, event: &Dispatch) -> Result<(), SimError> {
        let before = self.load()?;
        let label = event.label();
        let dispatch_path = if event.action {
            format!("actions/{}", event.name)
        } else {
            format!("hooks/{}", event.name)
        };
        let dispatch = self.charm_dir.join("dispatch");
        let mut command = match &self.wrap {
            Some(wrapper) => {
                let mut command = Command::new(wrapper);
                command.arg(&dispatch);
                command
            }
            None => Command::new(&dispatch),
        };
        command
            .env_clear()
            .current_dir(&self.charm_dir)
            .stdin(Stdio::null())
            .env("PATH", &self.path_var)
            .env(tools::STATE_VAR, &self.state_path)
            .env("JUJU_DISPATCH_PATH", &dispatch_path)
            .env(
                "JUJU_HOOK_NAME",
                if event.action {
                    ""
                } else {
                    event.name.as_str()
                },
            )
            .env("JUJU_UNIT_NAME", &before.juju.unit_name)
            .env("JUJU_MODEL_NAME", &before.model_name)
            .env("JUJU_MODEL_UUID", &before.juju.model_uuid)
            .env("JUJU_VERSION", "3.6.4")
            .env("JUJU_CHARM_DIR", &self.charm_dir)
            .env(
                "JUJU_CONTEXT_ID",
                format!("{}-{label}-{}", before.juju.unit_name, before.history.len()),
            );
        command.env(MACHINE_ROOT_VAR, &self.machine_root);
        if self.containers.is_empty() {
            command.env("JUJU_MACHINE_ID", "0");
        } else {
            command.env(ops_runtime::CONTAINERS_DIR_VAR, &self.containers_dir);
        }
        for name in ["HOME", "LANG", "TMPDIR", "RUST_BACKTRACE", "RUST_LOG"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        for (name, value) in &event.env {
            command.env(name, value);
        }
        let started = Instant::now();
        let output = command
            .output()
            .map_err(io_error("run", &self.charm_dir.join("dispatch")))?;
        let duration = started.elapsed();
        let mut model = self.load()?;
        let exit_code = output.status.code().unwrap_or(-1);
        let record = EventRecord {
            event: label.clone(),
            exit_code,
            duration_ms: (duration.as_secs_f64() * 10_000.0).round() / 10.0,
            unit_status: Status::of(&model.juju.unit_status),
            app_status: Status::of(&model.juju.app_status),
            hook_tool_calls: model.hook_tool_calls - before.hook_tool_calls,
        };
        let calls = model
            .calls
            .get(before.calls.len()..)
            .unwrap_or_default()
            .to_vec();
        let commands = calls
            .iter()
            .filter(|call| call.kind == CallKind::Command)
            .count();
        let commands = match commands {
            0 => String::new(),
            1 => ", 1 workload command".to_owned(),
            n => format!(", {n} workload commands"),
        };
        self.line(&format!(
            "{label:<28} exit {exit_code:<3} {:>8.1} ms  unit {}  app {}  {} hook-tool \
             calls{commands}",
            record.duration_ms,
            record.unit_status.describe(),
            record.app_status.describe(),
            record.hook_tool_calls,
        ));
        let log = model
            .log
            .get(before.log.len()..)
            .unwrap_or_default()
            .to_vec();
        if self.verbose {
            for line in call_lines(&calls, &log) {
                self.line(&line);
            }
        }
        model.history.push(record);
        self.save(&model)?;
        if exit_code == 0 {
            return Ok(());
        }
        let mut report = String::new();
        // With -v the log is already shown, in order with the calls.
        for line in log.iter().filter(|_| !self.verbose) {
            let _ = writeln!(report, "  juju-log {}: {}", line.level, line.message);
        }
        for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            for line in text.lines() {
                let _ = writeln!(report, "  {stream}: {line}");
            }
        }
        if report.is_empty() {
            report.push_str("  (the charm logged nothing)\n");
        }
        eprint!("{report}");
        Err(SimError::HookFailed(label))
    }
}

/// `-v`'s lines for one event: each call, `juju-log` calls as their log line.
fn call_lines(calls: &[Call], log: &[state::LogLine]) -> Vec<String> {
    let mut log = log.iter();
    calls
        .iter()
        .map(|call| {
            let logged = call.kind == CallKind::HookTool
                && call.exit_code == 0
                && call.argv.first().is_some_and(|name| name == "juju-log");
            if logged && let Some(line) = log.next() {
                return format!("  juju-log  {} {}", line.level, line.message);
            }
            let kind = match call.kind {
                CallKind::HookTool => "hook-tool",
                CallKind::Command => "command",
            };
            let mut text = format!("  {kind:<9} {}", shell_words(&call.argv));
            match call.via {
                Some(Via::Script) => text.push_str("  (scripted)"),
                Some(Via::Host) => text.push_str("  (ran on this machine)"),
                Some(Via::Fake) | None => {}
            }
            if call.exit_code != 0 {
                let _ = write!(text, "  -> exit {}", call.exit_code);
            }
            text
        })
        .collect()
}

/// `argv` as a shell would take it: plain words bare, others in single quotes.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%<>".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_lines_show_calls_in_order() {
        let call = |kind, argv: &[&str], exit_code, via| Call {
            event: "install".into(),
            kind,
            argv: argv.iter().map(|arg| (*arg).to_owned()).collect(),
            exit_code,
            via,
        };
        let calls = [
            call(
                CallKind::Command,
                &["apt-get", "install", "-y", "x"],
                0,
                Some(Via::Fake),
            ),
            call(
                CallKind::HookTool,
                &["juju-log", "--log-level", "INFO", "--", "hi"],
                0,
                None,
            ),
            call(
                CallKind::HookTool,
                &["status-set", "active", "it's up"],
                0,
                None,
            ),
            call(
                CallKind::Command,
                &["tinyproxy", "-v"],
                3,
                Some(Via::Script),
            ),
        ];
        let log = [state::LogLine {
            event: "install".into(),
            level: "INFO".into(),
            message: "hi".into(),
        }];
        assert_eq!(
            call_lines(&calls, &log),
            [
                "  command   apt-get install -y x",
                "  juju-log  INFO hi",
                "  hook-tool status-set active 'it'\\''s up'",
                "  command   tinyproxy -v  (scripted)  -> exit 3",
            ]
        );
    }

    #[test]
    fn config_is_typed_by_the_option() {
        let metadata = CharmMetadata::from_yaml_str(
            "charmcraft.yaml",
            "name: demo\nconfig:\n  options:\n    port: {type: int, default: 80}\n    \
             ratio: {type: float}\n    debug: {type: boolean, default: false}\n    \
             name: {type: string}\n",
        )
        .unwrap();
        let config = initial_config(
            &metadata,
            &[
                ("port".into(), "8080".into()),
                ("ratio".into(), "0.5".into()),
                ("debug".into(), "true".into()),
                ("name".into(), "x".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            Value::Object(config),
            serde_json::json!({"port": 8080, "debug": true, "ratio": 0.5, "name": "x"})
        );
        assert!(initial_config(&metadata, &[("port".into(), "eighty".into())]).is_err());
        assert!(initial_config(&metadata, &[("nope".into(), "1".into())]).is_err());
    }
}
