//! `cargo charm`: command-line tools for Juju charms written in Rust.
//!
//! Run as `cargo charm <COMMAND>` (cargo finds `cargo-charm` on the `PATH`) or directly as
//! `cargo-charm <COMMAND>`. Commands:
//!
//! - `init NAME [--machine | --kubernetes] [--path DIR] [--ops-path PATH]`: write a new
//!   charm project (charmcraft.yaml, handlers, tests, README).
//! - `pack [DIR] [--out DIR]`: build the charm's binary and write its `.charm` files,
//!   reproducibly, then check them.
//! - `check FILE`: check a packed `.charm` for what keeps Juju from running it, which
//!   `charmcraft analyse` does not look at.
//! - `metadata [DIR]`: print the charm's merged metadata (charmcraft.yaml, metadata.yaml,
//!   config.yaml, actions.yaml) as JSON, with warnings on stderr.
//! - `sim [DIR]`: build the charm and run it through a simulated Juju, one process per
//!   event, with this program as its hook tools (see [`sim`]).
//!
//! Run under a hook tool's name (`config-get`, `status-set`, ...; `sim` makes such
//! symlinks), the program is that hook tool of the simulated model.
//!
//! Progress and diagnostics go to stderr; `pack` prints the paths of the files it wrote
//! on stdout. Exit codes: 0 on success, 1 when the command fails (such as invalid
//! metadata or a charm that fails the check), 2 for a mistake in the command line.

#![forbid(unsafe_code)]

mod archive;
mod args;
mod check;
mod init;
mod metadata;
mod names;
mod pack;
mod progress;
mod sim;
mod yaml;

use std::io::{self, Write};
use std::process::ExitCode;

use args::Command;

/// The exit code for a mistake in the command line, as most Unix tools use.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    if let Some(tool) = sim::tools::invoked_as() {
        return sim::tools::main(tool, std::env::args_os().skip(1));
    }
    let command = match args::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(USAGE_ERROR);
        }
    };
    match command {
        Command::Help(topic) => print(topic.map_or(args::HELP, args::Topic::help)),
        Command::Version => print(&format!("cargo-charm {}\n", env!("CARGO_PKG_VERSION"))),
        Command::Metadata { dir } => metadata::run(&dir),
        Command::Init(args) => finish(init::run(&args)),
        Command::Pack(args) => match pack::run(&args) {
            Ok(files) => {
                let text: String = files
                    .iter()
                    .map(|file| format!("{}\n", file.display()))
                    .collect();
                print(&text)
            }
            Err(error) => fail(&error),
        },
        Command::Sim(args) => match sim::run(&args) {
            Ok(outcome) => {
                let printed = print(&outcome.stdout);
                match outcome.failure {
                    Some(error) => fail(&error),
                    None => printed,
                }
            }
            Err(error) => fail(&error),
        },
        Command::Check { file } => match check::run(&file) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(error) => fail(&error),
        },
    }
}

/// Success, or the error printed on stderr and exit code 1.
fn finish<E: std::error::Error>(result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn fail(error: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {error}");
    ExitCode::FAILURE
}

/// Writes `text` to stdout. A closed pipe (`cargo charm --help | head -1`) is not an error.
fn print(text: &str) -> ExitCode {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write to stdout: {error}");
            ExitCode::FAILURE
        }
    }
}
