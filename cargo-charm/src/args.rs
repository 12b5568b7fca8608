//! Command-line parsing, with nothing but the standard library.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// Print the general help, or a command's.
    Help(Option<Topic>),
    /// Print the version.
    Version,
    /// `metadata [DIR]`: print the merged metadata as JSON.
    Metadata {
        /// The charm's directory.
        dir: PathBuf,
    },
    /// `init NAME ...`: write a new charm project.
    Init(InitArgs),
    /// `pack [DIR] ...`: build the charm and write its `.charm` files.
    Pack(PackArgs),
    /// `check FILE`: check a packed charm.
    Check {
        /// The `.charm` file.
        file: PathBuf,
    },
    /// `sim [DIR] ...`: build the charm and run it through a simulated Juju.
    Sim(SimArgs),
}

/// The arguments of `sim`.
#[derive(Debug, PartialEq, Eq, Default)]
pub(crate) struct SimArgs {
    /// The charm's directory (default: `.`).
    pub(crate) dir: PathBuf,
    /// Build with `--release` instead of the dev profile.
    pub(crate) release: bool,
    /// The binary to build (default: the package's only one).
    pub(crate) bin: Option<String>,
    /// Whether the unit is not the leader.
    pub(crate) no_leader: bool,
    /// `--config KEY=VALUE` overrides of the defaults, in order.
    pub(crate) config: Vec<(String, String)>,
    /// A scenario file to run instead of the default lifecycle.
    pub(crate) scenario: Option<PathBuf>,
    /// Print the final model state as JSON on stdout.
    pub(crate) json: bool,
    /// Directories put on the hooks' PATH after the hook tools, before the system's.
    pub(crate) extra_path: Vec<PathBuf>,
    /// Keep the temporary charm directory and print where it is.
    pub(crate) keep: bool,
    /// Run this prebuilt `dispatch` (a file) or charm tree (a directory with a
    /// `dispatch`) instead of building DIR.
    pub(crate) prebuilt: Option<PathBuf>,
    /// Run each event as `WRAPPER ./dispatch` (a profiler, `strace`, a timer).
    pub(crate) wrap: Option<PathBuf>,
    /// `--resource NAME=PATH`: files `resource-get` hands out.
    pub(crate) resources: Vec<(String, PathBuf)>,
    /// The application is trusted (`juju trust`): `credential-get` answers.
    pub(crate) trust: bool,
}

/// The kind of charm `init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CharmKind {
    /// A machine charm: installs and runs its workload on the machine.
    Machine,
    /// A Kubernetes sidecar charm: runs its workload in a container through Pebble.
    Kubernetes,
}

/// The arguments of `init`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct InitArgs {
    /// The charm's name.
    pub(crate) name: String,
    /// Machine or Kubernetes.
    pub(crate) kind: CharmKind,
    /// Where to write the project (default: `./NAME`).
    pub(crate) path: Option<PathBuf>,
    /// A local ops-runtime to depend on, instead of the crates.io release.
    pub(crate) ops_path: Option<PathBuf>,
}

/// How the packed charm's `dispatch` reaches the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum DispatchKind {
    /// The binary itself is `dispatch`.
    #[default]
    Binary,
    /// `dispatch` is a two-line `sh` script that execs `bin/<name>`.
    Script,
}

/// The arguments of `pack`.
#[derive(Debug, PartialEq, Eq, Default)]
pub(crate) struct PackArgs {
    /// The charm's directory (default: `.`).
    pub(crate) dir: PathBuf,
    /// Where to write the `.charm` files (default: `.`).
    pub(crate) out: PathBuf,
    /// The binary to build (default: the package's only one).
    pub(crate) bin: Option<String>,
    /// The target triple (default: the host's musl target if installed, else the host).
    pub(crate) target: Option<String>,
    /// The cargo profile (default: `release`).
    pub(crate) profile: Option<String>,
    /// The shape of `dispatch`.
    pub(crate) dispatch: DispatchKind,
}

/// A command that has its own help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Metadata,
    Init,
    Pack,
    Check,
    Sim,
}

impl Topic {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "metadata" => Some(Self::Metadata),
            "init" => Some(Self::Init),
            "pack" => Some(Self::Pack),
            "check" => Some(Self::Check),
            "sim" => Some(Self::Sim),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Metadata => "metadata",
            Self::Init => "init",
            Self::Pack => "pack",
            Self::Check => "check",
            Self::Sim => "sim",
        }
    }

    /// The help text of this command.
    pub(crate) fn help(self) -> &'static str {
        match self {
            Self::Metadata => METADATA_HELP,
            Self::Init => INIT_HELP,
            Self::Pack => PACK_HELP,
            Self::Check => CHECK_HELP,
            Self::Sim => SIM_HELP,
        }
    }
}

/// The general help.
pub(crate) const HELP: &str = "\
Tools for Juju charms written in Rust

Usage: cargo charm <COMMAND> [ARGS]

Commands:
  init NAME        Create a new charm project
  pack [DIR]       Build the charm and pack it into a .charm file
  check FILE       Check a packed .charm for what keeps Juju from running it
  metadata [DIR]   Print the charm's merged metadata as JSON
  sim [DIR]        Build the charm and run it through a simulated Juju
  help [COMMAND]   Print this help, or a command's

Options:
  -h, --help       Print help
  -V, --version    Print version
";

const METADATA_HELP: &str = "\
Print the charm's merged metadata as JSON

Reads whichever of charmcraft.yaml, metadata.yaml, config.yaml and actions.yaml exist in
DIR, merges them the way charmcraft does, and prints the result on stdout. Warnings (such
as unknown keys) go to stderr. Exits with 1 if the metadata is invalid.

Usage: cargo charm metadata [DIR]

Arguments:
  [DIR]  The charm's directory [default: .]

Options:
  -h, --help  Print help
";

const INIT_HELP: &str = "\
Create a new charm project

Writes a Cargo project for the charm NAME: charmcraft.yaml, src/lib.rs with the charm's
handlers, src/main.rs, tests run against an in-memory Juju, and a README. The project
is its own Cargo workspace. Refuses to write into a directory that is not empty.

Usage: cargo charm init [OPTIONS] NAME

Arguments:
  NAME  The charm's name: lowercase letters, digits and hyphens, starting with a letter

Options:
      --machine          A machine charm [default]
      --kubernetes       A Kubernetes charm, with a workload container run by Pebble
      --path DIR         Where to write the project [default: ./NAME]
      --ops-path PATH    Depend on the ops-runtime crate at PATH instead of crates.io
  -h, --help             Print help
";

const PACK_HELP: &str = "\
Build the charm and pack it into a .charm file

Builds the charm's binary with `cargo build --release` (for the host's musl target when
it is installed, so that the binary needs no glibc), warns when the binary needs a newer
glibc than a base the charm declares, and writes one `<name>_<platform>.charm` per
platform of charmcraft.yaml that the binary's architecture serves: metadata.yaml,
config.yaml and actions.yaml split out of charmcraft.yaml as charmcraft splits them, a
manifest.yaml, and the binary as `dispatch`. The output is reproducible: packing twice
gives the same bytes. The packed charm is then checked as `cargo charm check` does.

Usage: cargo charm pack [OPTIONS] [DIR]

Arguments:
  [DIR]  The charm's directory, with Cargo.toml and charmcraft.yaml [default: .]

Options:
      --out DIR           Where to write the .charm files [default: .]
      --bin NAME          The binary to pack, when the package has several
      --target TRIPLE     Build for TRIPLE instead of the host's musl or host target
      --profile NAME      Build with this cargo profile [default: release]
      --dispatch KIND     `binary`: the binary is `dispatch` [default];
                          `script`: `dispatch` is a shell script that execs `bin/<name>`
  -h, --help              Print help
";

const CHECK_HELP: &str = "\
Check a packed .charm for what keeps Juju from running it

Checks what `charmcraft analyse` does not: that every entry carries Unix permissions
(Juju takes file modes from them), that `dispatch` exists, is executable and reaches an
executable program (or is one, for the charm's architecture), that manifest.yaml exists
and has valid bases, and that metadata.yaml, config.yaml and actions.yaml parse. Errors
and warnings go to stderr. Exits with 1 if there is an error.

Usage: cargo charm check FILE

Arguments:
  FILE  The .charm file

Options:
  -h, --help  Print help
";

const SIM_HELP: &str = "\
Build the charm and run it through a simulated Juju

Builds the charm's binary (`cargo build`, dev profile unless --release), puts it as
`dispatch` in a temporary charm directory, and runs it the way Juju does: one process
per event, the `JUJU_*` environment, the charm directory as working directory, and hook
tools on PATH. The hook tools are this program itself, under the tools' names; they read
and write the simulated model (unit `NAME/0`, its application, leadership, config,
relations, statuses, ports, actions, secrets, storage) in a JSON file named by
OPS_SIM_STATE.

Without --scenario, runs the lifecycle of a new unit: <storage>-storage-attached for
each initial storage instance, install, <peer>-relation-created for each peer
relation, leader-elected, config-changed, start, <container>-pebble-ready for each
workload container, update-status. After each event prints the event, exit code,
duration, unit and application status, and the number of hook-tool calls; a failing
event also shows the charm's log.

A scenario is a YAML list of steps:
  - event: config-changed          # install, start, stop, remove, update-status, ...
    config: {slug: foo}            # optional: change config before the event
  - relation-joined: {endpoint: db, remote_app: pg, remote_unit: pg/0, data: {k: v},
                      app_data: {k: v}}   # created (if new), joined, changed
  - relation-changed: {endpoint: db, remote_unit: pg/0, data: {k: v}}
  - relation-departed: {endpoint: db, remote_unit: pg/0}
  - relation-broken: {endpoint: db}
  - action: {name: describe, params: {include-config: true}}
  - pebble-ready: web                     # starts the container's Pebble if needed
  - pebble-custom-notice: {container: web, key: example.com/backup-done}
  - pebble-check-failed: {container: web, check: alive}   # or pebble-check-recovered
  - secret: {owner: vault, label: token, content: {token: t0}}  # no event; `owner`
                                   # is application, unit, or a remote app (observed)
  - secret-changed: token          # id or label; a new revision, then the event
    content: {token: t1}
  - secret-rotate: mine            # also secret-remove / secret-expired (revision: N)
  - storage-attached: data         # or data/N; also storage-detaching: data/0

Hook tools cover relations, config, statuses, actions, ports, controller state,
secrets, storage (attached under the simulation's directory), a fixed network
(10.0.0.10), goal state, leader settings, juju-reboot and metrics; pod-spec-set is
not simulated.

Kubernetes charms: each workload container gets an emulated Pebble (the wire protocol,
with an in-memory plan, services, checks, notices and file system; exec runs a few
built-in programs such as echo and cat) on a socket under the simulation's directory,
started just before its pebble-ready event. The charm finds the sockets through
OPS_RUNTIME_CONTAINERS_DIR instead of /charm/containers. The final JSON shows each
container's plan, service statuses and files.

With --prebuilt, nothing is built: the given executable becomes `dispatch`, or the
given directory (which must hold `dispatch`) is copied into the charm directory. DIR
then only needs charmcraft.yaml, so charms written with other frameworks (Python ops
among them) run through the same simulator. With --wrap, each event runs as
`PROGRAM ./dispatch` (with the same environment), for profilers and timers.

Usage: cargo charm sim [OPTIONS] [DIR]

Arguments:
  [DIR]  The charm's directory, with Cargo.toml and charmcraft.yaml [default: .]

Options:
      --release           Build with the release profile
      --bin NAME          The binary to run, when the package has several
      --no-leader         The unit is not the leader
      --config KEY=VALUE  Set a config option (typed by the option's type); repeatable
      --scenario FILE     Run the steps in FILE instead of the default lifecycle
      --json              Print the final model state as JSON on stdout
      --extra-path DIR    Put DIR on the hooks' PATH before the system's; repeatable
      --keep              Keep the temporary charm directory and say where it is
      --prebuilt PATH     Run this dispatch file or charm tree instead of building DIR
      --wrap PROGRAM      Run each event as `PROGRAM ./dispatch`
      --resource NAME=PATH
                          Give the charm file PATH as resource NAME (resource-get);
                          repeatable
      --trust             The application is trusted (credential-get answers)
  -h, --help              Print help
";

/// A mistake in the command line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UsageError {
    message: String,
    topic: Option<Topic>,
}

impl UsageError {
    fn new(message: String, topic: Option<Topic>) -> Self {
        Self { message, topic }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.topic {
            Some(topic) => write!(
                f,
                "{}; see `cargo charm {} --help`",
                self.message,
                topic.name()
            ),
            None => write!(f, "{}; see `cargo charm --help`", self.message),
        }
    }
}

/// Parses the arguments after the program name. When run as `cargo charm ...`, cargo
/// passes `charm` first; it is skipped.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter().peekable();
    if args.peek().is_some_and(|arg| arg == "charm") {
        args.next();
    }
    let Some(command) = args.next() else {
        return Ok(Command::Help(None));
    };
    match command.to_str() {
        Some("-h" | "--help") => Ok(Command::Help(None)),
        Some("-V" | "--version") => Ok(Command::Version),
        Some("help") => match args.next() {
            None => Ok(Command::Help(None)),
            Some(name) => match name.to_str().and_then(Topic::from_name) {
                Some(topic) => Ok(Command::Help(Some(topic))),
                None => Err(unknown_command(&name)),
            },
        },
        Some("metadata") => metadata(Lexer::new(args, Topic::Metadata)),
        Some("init") => init(Lexer::new(args, Topic::Init)),
        Some("pack") => pack(Lexer::new(args, Topic::Pack)),
        Some("check") => check(Lexer::new(args, Topic::Check)),
        Some("sim") => sim(Lexer::new(args, Topic::Sim)),
        _ => Err(unknown_command(&command)),
    }
}

fn unknown_command(name: &OsString) -> UsageError {
    UsageError::new(
        format!("unknown command `{}`", name.to_string_lossy()),
        None,
    )
}

/// One command-line word, classified.
enum Token {
    /// `-h` or `--help`.
    Help,
    /// `--name` or `--name=value`.
    Option { name: String, value: Option<String> },
    /// Anything else, or anything after `--`.
    Positional(OsString),
}

/// Splits a command's arguments into options and positionals.
struct Lexer<I> {
    args: I,
    topic: Topic,
    options_done: bool,
}

impl<I: Iterator<Item = OsString>> Lexer<I> {
    fn new(args: I, topic: Topic) -> Self {
        Self {
            args,
            topic,
            options_done: false,
        }
    }

    fn next_token(&mut self) -> Option<Token> {
        loop {
            let arg = self.args.next()?;
            if self.options_done {
                return Some(Token::Positional(arg));
            }
            let text = arg.to_string_lossy();
            match &*text {
                "--" => self.options_done = true,
                "-h" | "--help" => return Some(Token::Help),
                long if long.starts_with("--") => {
                    let (name, value) = match long.split_once('=') {
                        Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                        None => (long.to_owned(), None),
                    };
                    return Some(Token::Option { name, value });
                }
                short if short.starts_with('-') && short.len() > 1 => {
                    return Some(Token::Option {
                        name: short.to_owned(),
                        value: None,
                    });
                }
                _ => return Some(Token::Positional(arg)),
            }
        }
    }

    /// The value of option `name`: the text after `=`, or the next argument.
    fn value(&mut self, name: &str, inline: Option<String>) -> Result<OsString, UsageError> {
        if let Some(value) = inline {
            return Ok(OsString::from(value));
        }
        self.args
            .next()
            .ok_or_else(|| self.error(format!("option `{name}` needs a value")))
    }

    /// Refuses `--flag=value` for an option that takes none.
    fn no_value(&self, name: &str, inline: Option<String>) -> Result<(), UsageError> {
        match inline {
            None => Ok(()),
            Some(_) => Err(self.error(format!("option `{name}` takes no value"))),
        }
    }

    fn unknown_option(&self, name: &str) -> UsageError {
        self.error(format!(
            "unknown option `{name}` for `{}`",
            self.topic.name()
        ))
    }

    fn unexpected(&self, arg: &OsString, takes: &str) -> UsageError {
        self.error(format!(
            "unexpected argument `{}`: `{}` takes {takes}",
            arg.to_string_lossy(),
            self.topic.name()
        ))
    }

    fn error(&self, message: String) -> UsageError {
        UsageError::new(message, Some(self.topic))
    }
}

/// `metadata [--] [DIR]`.
fn metadata(mut lexer: Lexer<impl Iterator<Item = OsString>>) -> Result<Command, UsageError> {
    let mut dir = None;
    while let Some(token) = lexer.next_token() {
        match token {
            Token::Help => return Ok(Command::Help(Some(Topic::Metadata))),
            Token::Option { name, .. } => return Err(lexer.unknown_option(&name)),
            Token::Positional(arg) if dir.is_some() => {
                return Err(lexer.unexpected(&arg, "one directory"));
            }
            Token::Positional(arg) => dir = Some(PathBuf::from(arg)),
        }
    }
    Ok(Command::Metadata {
        dir: dir.unwrap_or_else(|| PathBuf::from(".")),
    })
}

/// `init [--machine | --kubernetes] [--path DIR] [--ops-path PATH] NAME`.
fn init(mut lexer: Lexer<impl Iterator<Item = OsString>>) -> Result<Command, UsageError> {
    let mut name = None;
    let mut kind = None;
    let mut path = None;
    let mut ops_path = None;
    while let Some(token) = lexer.next_token() {
        match token {
            Token::Help => return Ok(Command::Help(Some(Topic::Init))),
            Token::Option {
                name: option,
                value,
            } => match option.as_str() {
                "--machine" | "--kubernetes" | "--k8s" => {
                    lexer.no_value(&option, value)?;
                    let chosen = if option == "--machine" {
                        CharmKind::Machine
                    } else {
                        CharmKind::Kubernetes
                    };
                    if kind.is_some_and(|kind| kind != chosen) {
                        return Err(
                            lexer.error("`--machine` and `--kubernetes` exclude each other".into())
                        );
                    }
                    kind = Some(chosen);
                }
                "--path" => path = Some(PathBuf::from(lexer.value(&option, value)?)),
                "--ops-path" => ops_path = Some(PathBuf::from(lexer.value(&option, value)?)),
                _ => return Err(lexer.unknown_option(&option)),
            },
            Token::Positional(arg) if name.is_some() => {
                return Err(lexer.unexpected(&arg, "one charm name"));
            }
            Token::Positional(arg) => match arg.into_string() {
                Ok(text) => name = Some(text),
                Err(arg) => {
                    return Err(lexer.error(format!(
                        "the charm name `{}` is not valid UTF-8",
                        arg.to_string_lossy()
                    )));
                }
            },
        }
    }
    let Some(name) = name else {
        return Err(lexer.error("`init` needs the charm's name".into()));
    };
    Ok(Command::Init(InitArgs {
        name,
        kind: kind.unwrap_or(CharmKind::Machine),
        path,
        ops_path,
    }))
}

/// `pack [--out DIR] [--bin NAME] [--target TRIPLE] [--profile NAME] [--dispatch KIND] [DIR]`.
fn pack(mut lexer: Lexer<impl Iterator<Item = OsString>>) -> Result<Command, UsageError> {
    let mut args = PackArgs::default();
    let mut dir = None;
    while let Some(token) = lexer.next_token() {
        match token {
            Token::Help => return Ok(Command::Help(Some(Topic::Pack))),
            Token::Option { name, value } => match name.as_str() {
                "--out" => args.out = PathBuf::from(lexer.value(&name, value)?),
                "--bin" | "--target" | "--profile" => {
                    let text = lexer.value(&name, value)?;
                    let text = utf8(&lexer, &name, text)?;
                    match name.as_str() {
                        "--bin" => args.bin = Some(text),
                        "--target" => args.target = Some(text),
                        _ => args.profile = Some(text),
                    }
                }
                "--dispatch" => {
                    let kind = lexer.value(&name, value)?;
                    args.dispatch = match kind.to_str() {
                        Some("binary") => DispatchKind::Binary,
                        Some("script") => DispatchKind::Script,
                        _ => {
                            return Err(lexer.error(format!(
                                "`--dispatch` is `binary` or `script`, not `{}`",
                                kind.to_string_lossy()
                            )));
                        }
                    };
                }
                _ => return Err(lexer.unknown_option(&name)),
            },
            Token::Positional(arg) if dir.is_some() => {
                return Err(lexer.unexpected(&arg, "one directory"));
            }
            Token::Positional(arg) => dir = Some(PathBuf::from(arg)),
        }
    }
    args.dir = dir.unwrap_or_else(|| PathBuf::from("."));
    if args.out.as_os_str().is_empty() {
        args.out = PathBuf::from(".");
    }
    Ok(Command::Pack(args))
}

/// `check FILE`.
fn check(mut lexer: Lexer<impl Iterator<Item = OsString>>) -> Result<Command, UsageError> {
    let mut file = None;
    while let Some(token) = lexer.next_token() {
        match token {
            Token::Help => return Ok(Command::Help(Some(Topic::Check))),
            Token::Option { name, .. } => return Err(lexer.unknown_option(&name)),
            Token::Positional(arg) if file.is_some() => {
                return Err(lexer.unexpected(&arg, "one file"));
            }
            Token::Positional(arg) => file = Some(PathBuf::from(arg)),
        }
    }
    match file {
        Some(file) => Ok(Command::Check { file }),
        None => Err(lexer.error("`check` needs the .charm file to check".into())),
    }
}

/// `sim [OPTIONS] [DIR]`.
fn sim(mut lexer: Lexer<impl Iterator<Item = OsString>>) -> Result<Command, UsageError> {
    let mut args = SimArgs::default();
    let mut dir = None;
    while let Some(token) = lexer.next_token() {
        match token {
            Token::Help => return Ok(Command::Help(Some(Topic::Sim))),
            Token::Option { name, value } => {
                match name.as_str() {
                    "--release" | "--no-leader" | "--json" | "--keep" | "--trust" => {
                        lexer.no_value(&name, value)?;
                        match name.as_str() {
                            "--release" => args.release = true,
                            "--no-leader" => args.no_leader = true,
                            "--json" => args.json = true,
                            "--trust" => args.trust = true,
                            _ => args.keep = true,
                        }
                    }
                    "--resource" => {
                        let text = lexer.value(&name, value)?;
                        let text = utf8(&lexer, &name, text)?;
                        match text.split_once('=') {
                            Some((resource, path)) if !resource.is_empty() && !path.is_empty() => {
                                args.resources
                                    .push((resource.to_owned(), PathBuf::from(path)));
                            }
                            _ => {
                                return Err(lexer
                                    .error(format!("`--resource` takes NAME=PATH, not `{text}`")));
                            }
                        }
                    }
                    "--bin" => {
                        let text = lexer.value(&name, value)?;
                        args.bin = Some(utf8(&lexer, &name, text)?);
                    }
                    "--config" => {
                        let text = lexer.value(&name, value)?;
                        let text = utf8(&lexer, &name, text)?;
                        match text.split_once('=') {
                            Some((key, value)) if !key.is_empty() => {
                                args.config.push((key.to_owned(), value.to_owned()));
                            }
                            _ => {
                                return Err(lexer
                                    .error(format!("`--config` takes KEY=VALUE, not `{text}`")));
                            }
                        }
                    }
                    "--scenario" => args.scenario = Some(PathBuf::from(lexer.value(&name, value)?)),
                    "--extra-path" => args
                        .extra_path
                        .push(PathBuf::from(lexer.value(&name, value)?)),
                    "--prebuilt" => args.prebuilt = Some(PathBuf::from(lexer.value(&name, value)?)),
                    "--wrap" => args.wrap = Some(PathBuf::from(lexer.value(&name, value)?)),
                    _ => return Err(lexer.unknown_option(&name)),
                }
            }
            Token::Positional(arg) if dir.is_some() => {
                return Err(lexer.unexpected(&arg, "one directory"));
            }
            Token::Positional(arg) => dir = Some(PathBuf::from(arg)),
        }
    }
    args.dir = dir.unwrap_or_else(|| PathBuf::from("."));
    Ok(Command::Sim(args))
}

/// An option value that must be UTF-8 (a binary name, a target, a profile).
fn utf8<I>(lexer: &Lexer<I>, name: &str, value: OsString) -> Result<String, UsageError>
where
    I: Iterator<Item = OsString>,
{
    value.into_string().map_err(|value| {
        lexer.error(format!(
            "the value `{}` of `{name}` is not valid UTF-8",
            value.to_string_lossy()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn cargo_and_direct_invocations() {
        let expected = Command::Metadata {
            dir: PathBuf::from("charm"),
        };
        assert_eq!(parse_strs(&["charm", "metadata", "charm"]), Ok(expected));
        let expected = Command::Metadata {
            dir: PathBuf::from("charm"),
        };
        assert_eq!(parse_strs(&["metadata", "charm"]), Ok(expected));
        assert_eq!(
            parse_strs(&["metadata"]),
            Ok(Command::Metadata {
                dir: PathBuf::from(".")
            })
        );
        let expected = Command::Metadata {
            dir: PathBuf::from("-odd"),
        };
        assert_eq!(parse_strs(&["metadata", "--", "-odd"]), Ok(expected));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse_strs(&[]), Ok(Command::Help(None)));
        assert_eq!(parse_strs(&["charm"]), Ok(Command::Help(None)));
        assert_eq!(parse_strs(&["charm", "--help"]), Ok(Command::Help(None)));
        assert_eq!(
            parse_strs(&["help", "metadata"]),
            Ok(Command::Help(Some(Topic::Metadata)))
        );
        assert_eq!(
            parse_strs(&["metadata", "-h"]),
            Ok(Command::Help(Some(Topic::Metadata)))
        );
        assert_eq!(
            parse_strs(&["help", "pack"]),
            Ok(Command::Help(Some(Topic::Pack)))
        );
        assert_eq!(
            parse_strs(&["init", "x", "--help"]),
            Ok(Command::Help(Some(Topic::Init)))
        );
        assert_eq!(
            parse_strs(&["check", "-h"]),
            Ok(Command::Help(Some(Topic::Check)))
        );
        assert_eq!(parse_strs(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn init() {
        assert_eq!(
            parse_strs(&["charm", "init", "demo"]),
            Ok(Command::Init(InitArgs {
                name: "demo".into(),
                kind: CharmKind::Machine,
                path: None,
                ops_path: None,
            }))
        );
        assert_eq!(
            parse_strs(&[
                "init",
                "--kubernetes",
                "demo-k8s",
                "--path=out/demo",
                "--ops-path",
                "../ops-runtime"
            ]),
            Ok(Command::Init(InitArgs {
                name: "demo-k8s".into(),
                kind: CharmKind::Kubernetes,
                path: Some(PathBuf::from("out/demo")),
                ops_path: Some(PathBuf::from("../ops-runtime")),
            }))
        );
        let error = parse_strs(&["init", "--machine", "--kubernetes", "x"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`--machine` and `--kubernetes` exclude each other; see `cargo charm init --help`"
        );
        let error = parse_strs(&["init"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`init` needs the charm's name; see `cargo charm init --help`"
        );
        let error = parse_strs(&["init", "x", "--path"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "option `--path` needs a value; see `cargo charm init --help`"
        );
        assert!(parse_strs(&["init", "--machine=yes", "x"]).is_err());
        assert!(parse_strs(&["init", "a", "b"]).is_err());
    }

    #[test]
    fn pack() {
        assert_eq!(
            parse_strs(&["pack"]),
            Ok(Command::Pack(PackArgs {
                dir: PathBuf::from("."),
                out: PathBuf::from("."),
                ..PackArgs::default()
            }))
        );
        assert_eq!(
            parse_strs(&[
                "pack",
                "charms/demo",
                "--out",
                "dist",
                "--bin=demo",
                "--target",
                "x86_64-unknown-linux-musl",
                "--profile",
                "dev",
                "--dispatch",
                "script",
            ]),
            Ok(Command::Pack(PackArgs {
                dir: PathBuf::from("charms/demo"),
                out: PathBuf::from("dist"),
                bin: Some("demo".into()),
                target: Some("x86_64-unknown-linux-musl".into()),
                profile: Some("dev".into()),
                dispatch: DispatchKind::Script,
            }))
        );
        let error = parse_strs(&["pack", "--dispatch", "exe"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`--dispatch` is `binary` or `script`, not `exe`; see `cargo charm pack --help`"
        );
        assert!(parse_strs(&["pack", "--frobnicate"]).is_err());
    }

    #[test]
    fn check() {
        assert_eq!(
            parse_strs(&["check", "a.charm"]),
            Ok(Command::Check {
                file: PathBuf::from("a.charm")
            })
        );
        assert!(parse_strs(&["check"]).is_err());
        assert!(parse_strs(&["check", "a", "b"]).is_err());
    }

    #[test]
    fn sim() {
        assert_eq!(
            parse_strs(&["sim"]),
            Ok(Command::Sim(SimArgs {
                dir: PathBuf::from("."),
                ..SimArgs::default()
            }))
        );
        assert_eq!(
            parse_strs(&[
                "charm",
                "sim",
                "charms/demo",
                "--release",
                "--no-leader",
                "--config",
                "slug=a=b",
                "--config=port=80",
                "--scenario",
                "s.yaml",
                "--json",
                "--extra-path",
                "fakes",
                "--bin=demo",
                "--keep",
                "--prebuilt",
                "charm-tree",
                "--wrap=strace",
                "--resource",
                "model-file=m.bin",
                "--trust",
            ]),
            Ok(Command::Sim(SimArgs {
                dir: PathBuf::from("charms/demo"),
                release: true,
                bin: Some("demo".into()),
                no_leader: true,
                config: vec![("slug".into(), "a=b".into()), ("port".into(), "80".into())],
                scenario: Some(PathBuf::from("s.yaml")),
                json: true,
                extra_path: vec![PathBuf::from("fakes")],
                keep: true,
                prebuilt: Some(PathBuf::from("charm-tree")),
                wrap: Some(PathBuf::from("strace")),
                resources: vec![("model-file".into(), PathBuf::from("m.bin"))],
                trust: true,
            }))
        );
        assert!(parse_strs(&["sim", "--resource", "nopath"]).is_err());
        let error = parse_strs(&["sim", "--config", "novalue"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`--config` takes KEY=VALUE, not `novalue`; see `cargo charm sim --help`"
        );
        assert!(parse_strs(&["sim", "--json=yes"]).is_err());
        assert_eq!(
            parse_strs(&["help", "sim"]),
            Ok(Command::Help(Some(Topic::Sim)))
        );
    }

    #[test]
    fn usage_errors() {
        let error = parse_strs(&["publish"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown command `publish`; see `cargo charm --help`"
        );
        let error = parse_strs(&["metadata", "a", "b"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected argument `b`: `metadata` takes one directory; see `cargo charm metadata \
             --help`"
        );
        assert!(parse_strs(&["metadata", "--json"]).is_err());
    }
}
