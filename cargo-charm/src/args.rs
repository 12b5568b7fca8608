//! The command line, parsed with clap's derive API and following cargo's conventions
//! for subcommands: run as `cargo charm <COMMAND>` (cargo passes `charm` first) or as
//! `cargo-charm <COMMAND>`; `-q`, `-v` and `--color` (with `CARGO_TERM_COLOR`) are
//! accepted anywhere; `--manifest-path` names the charm instead of DIR; a mistake in the
//! command line is reported by clap, with a suggestion when an option is misspelt, and
//! exit code 2.
//!
//! The shapes the commands take (`InitArgs`, `PackArgs`, `SimArgs`) derive clap's `Args`
//! themselves; the fields that come from elsewhere (DIR or `--manifest-path`, the global
//! `-v`) are `#[arg(skip)]` and filled in by [`parse`].

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::styling::{AnsiColor, Styles};
use clap::builder::{PathBufValueParser, TypedValueParser};
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// No command: print the general help.
    Help,
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

/// A parsed command line: the command and how to report on it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// The command to run.
    pub(crate) command: Command,
    /// When to colour the output (`--color`, else `CARGO_TERM_COLOR`).
    pub(crate) color: ColorWhen,
    /// `-q`: no status lines.
    pub(crate) quiet: bool,
    /// `-v` (any number of times).
    pub(crate) verbose: bool,
}

/// When to colour the output, as cargo's `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is not set
    #[default]
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

impl From<ColorWhen> for clap::ColorChoice {
    fn from(when: ColorWhen) -> Self {
        match when {
            ColorWhen::Auto => Self::Auto,
            ColorWhen::Always => Self::Always,
            ColorWhen::Never => Self::Never,
        }
    }
}

/// The arguments of `sim`.
#[derive(Debug, PartialEq, Eq, Default, Args)]
pub(crate) struct SimArgs {
    /// The charm's directory: DIR, or the directory of `--manifest-path`.
    #[arg(skip)]
    pub(crate) dir: PathBuf,
    /// Build with the release profile
    #[arg(long)]
    pub(crate) release: bool,
    /// The binary to run, when the package has several
    #[arg(long, value_name = "NAME")]
    pub(crate) bin: Option<String>,
    /// The unit is not the leader
    #[arg(long)]
    pub(crate) no_leader: bool,
    /// Set a config option (typed by the option's type); repeatable
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = key_value)]
    pub(crate) config: Vec<(String, String)>,
    /// Run the steps in FILE instead of the default lifecycle
    #[arg(long, value_name = "FILE")]
    pub(crate) scenario: Option<PathBuf>,
    /// Print the final model state as JSON on stdout
    #[arg(long)]
    pub(crate) json: bool,
    /// Put DIR on the hooks' PATH before the system's; repeatable
    #[arg(long = "extra-path", value_name = "DIR")]
    pub(crate) extra_path: Vec<PathBuf>,
    /// Keep the temporary charm directory and say where it is
    #[arg(long)]
    pub(crate) keep: bool,
    /// Run this dispatch file or charm tree instead of building DIR
    #[arg(long, value_name = "PATH")]
    pub(crate) prebuilt: Option<PathBuf>,
    /// Run each event as `PROGRAM ./dispatch`
    #[arg(long, value_name = "PROGRAM")]
    pub(crate) wrap: Option<PathBuf>,
    /// Give the charm file PATH as resource NAME (resource-get); repeatable
    #[arg(long = "resource", value_name = "NAME=PATH", value_parser = name_path)]
    pub(crate) resources: Vec<(String, PathBuf)>,
    /// The application is trusted (credential-get answers)
    #[arg(long)]
    pub(crate) trust: bool,
    /// The global `-v`: print each hook's hook-tool calls, workload commands and
    /// juju-log lines.
    #[arg(skip)]
    pub(crate) verbose: bool,
    /// Run workload commands (apt-get, snap, ...) on this machine, not fakes
    #[arg(long, long_help = ON_HOST_HELP)]
    pub(crate) on_host: bool,
}

/// The kind of charm `init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CharmKind {
    /// A machine charm: installs and runs its workload on the machine.
    #[default]
    Machine,
    /// A Kubernetes sidecar charm: runs its workload in a container through Pebble.
    Kubernetes,
}

/// The arguments of `init`.
#[derive(Debug, PartialEq, Eq, Args)]
pub(crate) struct InitArgs {
    /// The charm's name: lowercase letters, digits and hyphens, starting with a letter
    #[arg(value_name = "NAME")]
    pub(crate) name: String,
    /// Machine or Kubernetes, from `--machine` and `--kubernetes`.
    #[arg(skip)]
    pub(crate) kind: CharmKind,
    /// Where to write the project [default: ./NAME]
    #[arg(long, value_name = "DIR")]
    pub(crate) path: Option<PathBuf>,
    /// Use the ops-runtime crate at PATH [default: cargo-charm's own checkout]
    #[arg(long, value_name = "PATH", long_help = OPS_PATH_HELP)]
    pub(crate) ops_path: Option<PathBuf>,
}

/// How the packed charm's `dispatch` reaches the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum DispatchKind {
    /// The binary is `dispatch`
    #[default]
    Binary,
    /// `dispatch` is a shell script that execs `bin/<name>`
    Script,
}

/// The arguments of `pack`.
#[derive(Debug, PartialEq, Eq, Default, Args)]
pub(crate) struct PackArgs {
    /// The charm's directory: DIR, or the directory of `--manifest-path`.
    #[arg(skip)]
    pub(crate) dir: PathBuf,
    /// Where to write the .charm files
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) out: PathBuf,
    /// The binary to pack, when the package has several
    #[arg(long, value_name = "NAME")]
    pub(crate) bin: Option<String>,
    /// Build for TRIPLE instead of the host's musl or host target
    #[arg(long, value_name = "TRIPLE")]
    pub(crate) target: Option<String>,
    /// Build with this cargo profile [default: release]
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The shape of `dispatch`
    #[arg(long, value_name = "KIND", value_enum, default_value_t)]
    pub(crate) dispatch: DispatchKind,
}

/// cargo's colours for help and errors: green headings, cyan literals.
const STYLES: Styles = Styles::styled()
    .header(AnsiColor::Green.on_default().bold())
    .usage(AnsiColor::Green.on_default().bold())
    .literal(AnsiColor::Cyan.on_default().bold())
    .placeholder(AnsiColor::Cyan.on_default())
    .error(AnsiColor::Red.on_default().bold())
    .valid(AnsiColor::Cyan.on_default().bold())
    .invalid(AnsiColor::Yellow.on_default().bold());

/// The command line as clap sees it.
#[derive(Debug, Parser)]
#[command(
    name = "cargo-charm",
    bin_name = "cargo charm",
    version,
    about = "Tools for Juju charms written in Rust",
    long_about = ABOUT,
    styles = STYLES
)]
struct Cli {
    /// The options every command takes.
    #[command(flatten)]
    global: GlobalArgs,
    /// The command; none prints the help.
    #[command(subcommand)]
    command: Option<CliCommand>,
}

/// The options every command takes, before or after the command, as cargo's.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// Do not print status lines (Building, Packing, ...)
    #[arg(short, long, global = true, display_order = 100)]
    quiet: bool,
    /// Verbose output: `sim` prints each hook's calls and logs
    #[arg(short, long, global = true, action = ArgAction::Count, display_order = 101)]
    verbose: u8,
    /// When to colour: auto, always, never
    #[arg(
        long,
        value_name = "WHEN",
        global = true,
        env = "CARGO_TERM_COLOR",
        value_enum,
        default_value_t,
        hide_possible_values = true,
        hide_default_value = true,
        hide_env_values = true,
        long_help = COLOR_HELP,
        display_order = 102
    )]
    color: ColorWhen,
}

/// The commands, as clap sees them.
#[derive(Debug, Subcommand)]
enum CliCommand {
    /// Create a new charm project
    #[command(long_about = INIT_ABOUT)]
    Init(InitCli),
    /// Build the charm and pack it into a .charm file
    #[command(long_about = PACK_ABOUT)]
    Pack(PackCli),
    /// Check a packed .charm for what keeps Juju from running it
    #[command(long_about = CHECK_ABOUT)]
    Check(CheckCli),
    /// Print the charm's merged metadata as JSON
    #[command(long_about = METADATA_ABOUT)]
    Metadata(MetadataCli),
    /// Build the charm and run it through a simulated Juju
    #[command(long_about = SIM_ABOUT, after_long_help = SIM_AFTER)]
    Sim(SimCli),
}

/// Where the charm is: DIR, or the directory of `--manifest-path`, as cargo's commands
/// take `--manifest-path`.
#[derive(Debug, Args)]
struct CharmDir {
    /// The charm's directory, with charmcraft.yaml (and Cargo.toml, to build it)
    #[arg(
        value_name = "DIR",
        default_value = ".",
        conflicts_with = "manifest_path"
    )]
    dir: PathBuf,
    /// Path to the charm's Cargo.toml, instead of DIR
    #[arg(
        long,
        value_name = "PATH",
        help_heading = "Manifest Options",
        value_parser = PathBufValueParser::new().try_map(cargo_toml)
    )]
    manifest_path: Option<PathBuf>,
}

impl CharmDir {
    /// The charm's directory.
    fn resolve(self) -> PathBuf {
        match self.manifest_path {
            Some(manifest) => match manifest.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            },
            None => self.dir,
        }
    }
}

/// Accepts a `--manifest-path` that names a `Cargo.toml`, as cargo does.
fn cargo_toml(path: PathBuf) -> Result<PathBuf, &'static str> {
    if path.file_name().is_some_and(|name| name == "Cargo.toml") {
        Ok(path)
    } else {
        Err("the manifest path must be a path to a Cargo.toml file")
    }
}

/// `init`'s command line.
#[derive(Debug, Args)]
struct InitCli {
    /// `--machine` or `--kubernetes`.
    #[command(flatten)]
    kind: KindFlags,
    /// The rest.
    #[command(flatten)]
    args: InitArgs,
}

/// `--machine` or `--kubernetes`, at most one.
#[derive(Debug, Args)]
#[group(multiple = false)]
struct KindFlags {
    /// A machine charm (the default)
    #[arg(long)]
    machine: bool,
    /// A Kubernetes charm, with a workload container run by Pebble
    #[arg(long, alias = "k8s")]
    kubernetes: bool,
}

/// `pack`'s command line.
#[derive(Debug, Args)]
struct PackCli {
    /// DIR or `--manifest-path`.
    #[command(flatten)]
    charm: CharmDir,
    /// The rest.
    #[command(flatten)]
    args: PackArgs,
}

/// `check`'s command line.
#[derive(Debug, Args)]
struct CheckCli {
    /// The .charm file
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

/// `metadata`'s command line.
#[derive(Debug, Args)]
struct MetadataCli {
    /// DIR or `--manifest-path`.
    #[command(flatten)]
    charm: CharmDir,
}

/// `sim`'s command line.
#[derive(Debug, Args)]
struct SimCli {
    /// DIR or `--manifest-path`.
    #[command(flatten)]
    charm: CharmDir,
    /// The rest.
    #[command(flatten)]
    args: SimArgs,
}

/// `--config KEY=VALUE`; the value may itself hold `=`.
fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err("expected KEY=VALUE".to_owned()),
    }
}

/// `--resource NAME=PATH`.
fn name_path(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_owned(), PathBuf::from(path)))
        }
        _ => Err("expected NAME=PATH".to_owned()),
    }
}

/// Parses the whole command line, program name first. When run as `cargo charm ...`,
/// cargo passes `charm` after the program name; it is skipped. The error is clap's: its
/// `print` shows it (help and version on stdout, mistakes on stderr) and `exit_code` is
/// 0 for help and version, 2 for a mistake.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation, clap::Error> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|arg| arg == "charm") {
        args.remove(1);
    }
    let mut command = Cli::command().color(color_hint(&args).into());
    let matches = command.try_get_matches_from_mut(args)?;
    let cli = Cli::from_arg_matches(&matches).map_err(|error| error.format(&mut command))?;
    let verbose = cli.global.verbose > 0;
    // Checked here: clap checks conflicts between global options only within one level
    // (`-q sim -v` would pass).
    if cli.global.quiet && verbose {
        return Err(command.error(
            clap::error::ErrorKind::ArgumentConflict,
            "cannot set both --verbose and --quiet",
        ));
    }
    let command = match cli.command {
        None => Command::Help,
        Some(CliCommand::Init(InitCli { kind, mut args })) => {
            args.kind = if kind.kubernetes {
                CharmKind::Kubernetes
            } else {
                CharmKind::Machine
            };
            Command::Init(args)
        }
        Some(CliCommand::Pack(PackCli { charm, mut args })) => {
            args.dir = charm.resolve();
            Command::Pack(args)
        }
        Some(CliCommand::Check(CheckCli { file })) => Command::Check { file },
        Some(CliCommand::Metadata(MetadataCli { charm })) => Command::Metadata {
            dir: charm.resolve(),
        },
        Some(CliCommand::Sim(SimCli { charm, mut args })) => {
            args.dir = charm.resolve();
            args.verbose = verbose;
            Command::Sim(args)
        }
    };
    Ok(Invocation {
        command,
        color: cli.global.color,
        quiet: cli.global.quiet,
        verbose,
    })
}

/// Prints the general help on stdout, as `cargo charm --help` does.
pub(crate) fn print_help(color: ColorWhen) -> std::io::Result<()> {
    Cli::command().color(color.into()).print_help()
}

/// The colour choice for clap's own help and errors, which it writes while parsing:
/// the last `--color WHEN` before `--`, else `CARGO_TERM_COLOR`, else `auto`. A value
/// that is not a choice is left for the parser to report.
fn color_hint(args: &[OsString]) -> ColorWhen {
    let mut found = None;
    let mut words = args.iter().skip(1).map(|arg| arg.to_str());
    while let Some(word) = words.next() {
        let value = match word {
            Some("--") => break,
            Some("--color") => words.next().flatten(),
            Some(word) => word.strip_prefix("--color="),
            None => None,
        };
        if let Some(when) = value.and_then(|value| ColorWhen::from_str(value, false).ok()) {
            found = Some(when);
        }
    }
    found
        .or_else(|| {
            let value = std::env::var("CARGO_TERM_COLOR").ok()?;
            ColorWhen::from_str(&value, false).ok()
        })
        .unwrap_or_default()
}

/// The general long help, after the usage line.
const ABOUT: &str = "\
Tools for Juju charms written in Rust

Run as `cargo charm <COMMAND>` (cargo finds `cargo-charm` on the PATH) or as
`cargo-charm <COMMAND>`. Status lines and diagnostics go to stderr. Exit codes: 0 on
success, 1 when the command fails, 2 for a mistake in the command line.";

const METADATA_ABOUT: &str = "\
Print the charm's merged metadata as JSON

Reads whichever of charmcraft.yaml, metadata.yaml, config.yaml and actions.yaml exist in
DIR, merges them the way charmcraft does, and prints the result on stdout. Warnings (such
as unknown keys) go to stderr. Exits with 1 if the metadata is invalid.";

const INIT_ABOUT: &str = "\
Create a new charm project

Writes a Cargo project for the charm NAME: charmcraft.yaml, src/lib.rs with the charm's
handlers, src/main.rs, tests run against an in-memory Juju, and a README. The project
is its own Cargo workspace. Refuses to write into a directory that is not empty.";

/// `--ops-path`'s long help.
const OPS_PATH_HELP: &str = "\
Depend on the ops-runtime crate at PATH (relative to the current directory)
[default: the ops-runtime of the checkout cargo-charm was built from]

When that checkout no longer exists, the project depends on the crates.io release.";

/// `--on-host`'s long help.
const ON_HOST_HELP: &str = "\
Run the charm's workload commands (apt-get, snap, systemctl, ...) on this machine
instead of recording fakes. They run as the user running `cargo charm sim`, and
change this machine as they would the charm's.";

/// `--color`'s long help.
const COLOR_HELP: &str = "\
When to colour the output: auto, always or never [default: auto]

`auto` colours when writing to a terminal, unless NO_COLOR is set. The cargo build
inside `pack` and `sim` is given the same choice.";

const PACK_ABOUT: &str = "\
Build the charm and pack it into a .charm file

Builds the charm's binary with `cargo build --release` (for the host's musl target when
it is installed, so that the binary needs no glibc), warns when the binary needs a newer
glibc than a base the charm declares, and writes one `<name>_<platform>.charm` per
platform of charmcraft.yaml that the binary's architecture serves: metadata.yaml,
config.yaml and actions.yaml split out of charmcraft.yaml as charmcraft splits them, a
manifest.yaml, and the binary as `dispatch`. The output is reproducible: packing twice
gives the same bytes. The packed charm is then checked as `cargo charm check` does.
Prints the paths of the .charm files on stdout.

Files of the project go in too, at the same paths, each named in an `Including` line:
LICENSE, README.md, icon.svg, lxd-profile.yaml and version; the directories that
ops-interfaces reads from the charm's directory at run time (src/grafana_dashboards,
src/prometheus_alert_rules, src/loki_alert_rules), whole; and what Cargo.toml lists:

  [package.metadata.charm]
  include = [\"src/templates\", \"files/*.conf\"]

Each entry is a path (a directory goes whole) or a pattern (`*` and `?` within a name,
`**` for any directories); one that matches nothing is an error. Symbolic links that
lead out of the charm's directory are refused, and the files may add up to 64 MB.
`cargo charm sim` puts the same files in its charm directory.";

const CHECK_ABOUT: &str = "\
Check a packed .charm for what keeps Juju from running it

Checks what `charmcraft analyse` does not: that every entry carries Unix permissions
(Juju takes file modes from them), that `dispatch` exists, is executable and reaches an
executable program (or is one, for the charm's architecture), that manifest.yaml exists
and has valid bases, and that metadata.yaml, config.yaml and actions.yaml parse. Errors
and warnings go to stderr. Exits with 1 if there is an error.";

const SIM_ABOUT: &str = "\
Build the charm and run it through a simulated Juju

Builds the charm's binary (`cargo build`, dev profile unless --release), puts it as
`dispatch` in a temporary charm directory, and runs it the way Juju does: one process
per event, the `JUJU_*` environment, the charm directory as working directory, and hook
tools on PATH. The hook tools are this program itself, under the tools' names; they read
and write the simulated model (unit `NAME/0`, its application, leadership, config,
relations, statuses, ports, actions, secrets, storage) in a JSON file named by
OPS_SIM_STATE.

The charm's workload commands (apt-get, apt, snap, systemctl, service, useradd, ...) find
recording fakes first on the hooks' PATH, which succeed without touching this machine;
-v shows each call and --json records them. With --on-host they run on this machine
instead.

Without --scenario, runs the lifecycle of a new unit: <storage>-storage-attached for
each initial storage instance, install, <peer>-relation-created for each peer
relation, leader-elected, config-changed, start, <container>-pebble-ready for each
workload container, update-status. After each event prints the event, exit code,
duration, unit and application status, and the number of hook-tool calls (with -v,
the calls themselves and the charm's log); a failing event also shows the charm's log.";

/// `sim --help`'s text after the options: the scenario format and what is simulated.
const SIM_AFTER: &str = "\
Scenarios:
  A scenario (--scenario FILE) is a YAML list of steps:
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

  Interface steps play the other side of a relation, with the bags its charms write
  (`endpoint` and `app` default to the interface's usual names):
  - database-provider: {endpoint: database, app: postgresql, database: names_db,
                        endpoints: '10.1.2.3:5432'}   # the user in a secret
  - ingress-provider: {endpoint: ingress, url: 'http://example.com/model-app'}
  - http-provider: {endpoint: website, units: ['10.0.0.7:80']}  # each unit joins
  - prometheus-requirer: {endpoint: metrics-endpoint}   # prometheus/0 joins
  - loki-provider: {endpoint: logging, urls: ['http://loki-0:3100/loki/api/v1/push']}
  - grafana-requirer: {endpoint: grafana-dashboard}     # grafana/0 joins

Hook tools:
  Hook tools cover relations, config, statuses, actions, ports, controller state,
  secrets, storage (attached under the simulation's directory), a fixed network
  (10.0.0.10), goal state, leader settings, juju-reboot and metrics; pod-spec-set is
  not simulated.

Kubernetes charms:
  Each workload container gets an emulated Pebble (the wire protocol, with an in-memory
  plan, services, checks, notices and file system; exec runs a few built-in programs
  such as echo and cat) on a socket under the simulation's directory, started just
  before its pebble-ready event. The charm finds the sockets through
  OPS_RUNTIME_CONTAINERS_DIR instead of /charm/containers. The final JSON shows each
  container's plan, service statuses and files.

Prebuilt charms:
  With --prebuilt, nothing is built: the given executable becomes `dispatch`, or the
  given directory (which must hold `dispatch`) is copied into the charm directory. DIR
  then only needs charmcraft.yaml, so charms written with other frameworks (Python ops
  among them) run through the same simulator. With --wrap, each event runs as
  `PROGRAM ./dispatch` (with the same environment), for profilers and timers.";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Invocation, clap::Error> {
        parse(
            std::iter::once("cargo-charm")
                .chain(args.iter().copied())
                .map(OsString::from),
        )
    }

    fn command(args: &[&str]) -> Command {
        match parse_strs(args) {
            Ok(invocation) => invocation.command,
            Err(error) => panic!("{args:?}: {error}"),
        }
    }

    fn error(args: &[&str]) -> clap::Error {
        match parse_strs(args) {
            Ok(invocation) => panic!("{args:?} parsed: {invocation:?}"),
            Err(error) => error,
        }
    }

    fn sim(args: &[&str]) -> SimArgs {
        match command(args) {
            Command::Sim(args) => args,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cargo_and_direct_invocations() {
        let expected = Command::Metadata {
            dir: PathBuf::from("charm"),
        };
        assert_eq!(command(&["charm", "metadata", "charm"]), expected);
        assert_eq!(command(&["metadata", "charm"]), expected);
        assert_eq!(
            command(&["metadata"]),
            Command::Metadata {
                dir: PathBuf::from(".")
            }
        );
        assert_eq!(
            command(&["metadata", "--", "-odd"]),
            Command::Metadata {
                dir: PathBuf::from("-odd")
            }
        );
        assert_eq!(command(&[]), Command::Help);
        assert_eq!(command(&["charm"]), Command::Help);
    }

    #[test]
    fn manifest_path_names_the_charm() {
        assert_eq!(
            command(&["metadata", "--manifest-path", "charms/demo/Cargo.toml"]),
            Command::Metadata {
                dir: PathBuf::from("charms/demo")
            }
        );
        assert_eq!(
            command(&["metadata", "--manifest-path=Cargo.toml"]),
            Command::Metadata {
                dir: PathBuf::from(".")
            }
        );
        let Command::Pack(args) = command(&["pack", "--manifest-path", "/c/Cargo.toml"]) else {
            panic!("pack");
        };
        assert_eq!(args.dir, PathBuf::from("/c"));
        assert_eq!(
            sim(&["sim", "--manifest-path", "x/Cargo.toml"]).dir,
            PathBuf::from("x")
        );
        let mistake = error(&["pack", "--manifest-path", "charms/demo"]);
        assert_eq!(mistake.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(
            mistake
                .to_string()
                .contains("must be a path to a Cargo.toml"),
            "{mistake}"
        );
        let both = error(&["pack", "dir", "--manifest-path", "x/Cargo.toml"]);
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn global_options_before_or_after_the_command() {
        for args in [
            &["-q", "metadata"][..],
            &["charm", "--quiet", "metadata"],
            &["metadata", "-q"],
        ] {
            let invocation = parse_strs(args).expect("parses");
            assert!(invocation.quiet, "{args:?}");
            assert!(!invocation.verbose, "{args:?}");
        }
        let invocation = parse_strs(&["-v", "sim"]).expect("parses");
        assert!(invocation.verbose);
        assert!(sim(&["-v", "sim"]).verbose);
        assert!(sim(&["sim", "--verbose"]).verbose);
        assert!(sim(&["sim", "-vv"]).verbose);
        assert!(!sim(&["sim"]).verbose);
        for args in [
            &["-q", "sim", "-v"][..],
            &["-q", "-v", "sim"],
            &["sim", "-qv"],
        ] {
            assert_eq!(
                error(args).kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{args:?}"
            );
        }
        for (args, when) in [
            (&["--color", "never", "metadata"][..], ColorWhen::Never),
            (&["metadata", "--color=always"], ColorWhen::Always),
        ] {
            assert_eq!(parse_strs(args).expect("parses").color, when, "{args:?}");
        }
        assert_eq!(
            error(&["--color", "sometimes", "metadata"]).kind(),
            clap::error::ErrorKind::InvalidValue
        );
    }

    #[test]
    fn color_hint_reads_the_flag_before_parsing() {
        let words = |args: &[&str]| -> Vec<OsString> {
            std::iter::once("cargo-charm")
                .chain(args.iter().copied())
                .map(OsString::from)
                .collect()
        };
        assert_eq!(
            color_hint(&words(&["--color", "always", "pack"])),
            ColorWhen::Always
        );
        assert_eq!(
            color_hint(&words(&["pack", "--color=never", "--color", "always"])),
            ColorWhen::Always
        );
        assert_eq!(
            color_hint(&words(&["pack", "--color=never"])),
            ColorWhen::Never
        );
    }

    #[test]
    fn help_and_version_are_clap_s() {
        for args in [
            &["--help"][..],
            &["charm", "-h"],
            &["help", "sim"],
            &["sim", "--help"],
            &["init", "x", "--help"],
        ] {
            let shown = error(args);
            assert_eq!(
                shown.kind(),
                clap::error::ErrorKind::DisplayHelp,
                "{args:?}"
            );
            assert_eq!(shown.exit_code(), 0);
        }
        let version = error(&["-V"]);
        assert_eq!(version.kind(), clap::error::ErrorKind::DisplayVersion);
        assert_eq!(
            version.to_string(),
            format!("cargo-charm {}\n", env!("CARGO_PKG_VERSION"))
        );
    }

    #[test]
    fn init() {
        assert_eq!(
            command(&["charm", "init", "demo"]),
            Command::Init(InitArgs {
                name: "demo".into(),
                kind: CharmKind::Machine,
                path: None,
                ops_path: None,
            })
        );
        assert_eq!(
            command(&[
                "init",
                "--kubernetes",
                "demo-k8s",
                "--path=out/demo",
                "--ops-path",
                "../ops-runtime"
            ]),
            Command::Init(InitArgs {
                name: "demo-k8s".into(),
                kind: CharmKind::Kubernetes,
                path: Some(PathBuf::from("out/demo")),
                ops_path: Some(PathBuf::from("../ops-runtime")),
            })
        );
        let Command::Init(args) = command(&["init", "--k8s", "x"]) else {
            panic!("init");
        };
        assert_eq!(args.kind, CharmKind::Kubernetes);
        let both = error(&["init", "--machine", "--kubernetes", "x"]);
        assert_eq!(both.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert_eq!(
            error(&["init"]).kind(),
            clap::error::ErrorKind::MissingRequiredArgument
        );
        assert_eq!(
            error(&["init", "x", "--path"]).kind(),
            clap::error::ErrorKind::InvalidValue
        );
        assert!(parse_strs(&["init", "--machine=yes", "x"]).is_err());
        assert!(parse_strs(&["init", "a", "b"]).is_err());
    }

    #[test]
    fn pack() {
        assert_eq!(
            command(&["pack"]),
            Command::Pack(PackArgs {
                dir: PathBuf::from("."),
                out: PathBuf::from("."),
                ..PackArgs::default()
            })
        );
        assert_eq!(
            command(&[
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
            Command::Pack(PackArgs {
                dir: PathBuf::from("charms/demo"),
                out: PathBuf::from("dist"),
                bin: Some("demo".into()),
                target: Some("x86_64-unknown-linux-musl".into()),
                profile: Some("dev".into()),
                dispatch: DispatchKind::Script,
            })
        );
        let mistake = error(&["pack", "--dispatch", "exe"]);
        assert_eq!(mistake.kind(), clap::error::ErrorKind::InvalidValue);
        assert!(
            mistake
                .to_string()
                .contains("[possible values: binary, script]"),
            "{mistake}"
        );
        assert_eq!(
            error(&["pack", "--frobnicate"]).kind(),
            clap::error::ErrorKind::UnknownArgument
        );
    }

    #[test]
    fn check() {
        assert_eq!(
            command(&["check", "a.charm"]),
            Command::Check {
                file: PathBuf::from("a.charm")
            }
        );
        assert!(parse_strs(&["check"]).is_err());
        assert!(parse_strs(&["check", "a", "b"]).is_err());
    }

    #[test]
    fn sim_options() {
        assert_eq!(
            sim(&["sim"]),
            SimArgs {
                dir: PathBuf::from("."),
                ..SimArgs::default()
            }
        );
        assert_eq!(
            sim(&[
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
                "-v",
                "--on-host",
            ]),
            SimArgs {
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
                verbose: true,
                on_host: true,
            }
        );
        assert!(parse_strs(&["sim", "--resource", "nopath"]).is_err());
        let mistake = error(&["sim", "--config", "novalue"]);
        assert_eq!(mistake.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(
            mistake.to_string().contains("expected KEY=VALUE"),
            "{mistake}"
        );
        assert!(parse_strs(&["sim", "--json=yes"]).is_err());
    }

    #[test]
    fn mistakes_get_suggestions() {
        let mistake = error(&["init", "x", "--kubernets"]);
        assert_eq!(mistake.kind(), clap::error::ErrorKind::UnknownArgument);
        assert_eq!(mistake.exit_code(), 2);
        assert!(mistake.to_string().contains("--kubernetes"), "{mistake}");
        let mistake = error(&["publish"]);
        assert_eq!(mistake.kind(), clap::error::ErrorKind::InvalidSubcommand);
        let mistake = error(&["metdata"]);
        assert!(mistake.to_string().contains("metadata"), "{mistake}");
        assert_eq!(
            error(&["metadata", "a", "b"]).kind(),
            clap::error::ErrorKind::UnknownArgument
        );
        assert!(parse_strs(&["metadata", "--json"]).is_err());
    }
}
