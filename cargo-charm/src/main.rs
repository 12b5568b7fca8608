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
//! The command line follows cargo's conventions (see [`args`]): `-q`, `-v` and
//! `--color` anywhere, `--manifest-path` instead of DIR. Status lines (`Building`,
//! `Packing`, in cargo's style, see [`progress`]) and diagnostics go to stderr; `pack`
//! prints the paths of the files it wrote on stdout. Exit codes: 0 on success, 1 when the
//! command fails (such as invalid metadata or a charm that fails the check), 2 for a
//! mistake in the command line.

#![forbid(unsafe_code)]

mod archive;
mod args;
mod charm_files;
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

/// The exit code for a mistake in the command line, as clap and most Unix tools use.
const USAGE_ERROR: u8 = 2;

/// Runs the hook tool this program was invoked as, or the command on its command line.
fn main() -> ExitCode {
    if let Some(tool) = sim::tools::invoked_as() {
        return sim::tools::main(tool, std::env::args_os().skip(1));
    }
    let invocation = match args::parse(std::env::args_os()) {
        Ok(invocation) => invocation,
        // Help and version (exit code 0) or a mistake (2, with a suggestion when clap
        // has one); a closed pipe is nobody's concern.
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(USAGE_ERROR));
        }
    };
    progress::init(invocation.color, invocation.quiet);
    match invocation.command {
        Command::Help => match args::print_help(invocation.color) {
            Err(error) if error.kind() != io::ErrorKind::BrokenPipe => fail(&error),
            _ => ExitCode::SUCCESS,
        },
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

/// Prints `error: ...` on stderr and returns exit code 1.
fn fail(error: &dyn std::error::Error) -> ExitCode {
    progress::error(&error.to_string());
    ExitCode::FAILURE
}

/// Writes `text` to stdout. A closed pipe (`cargo charm --help | head -1`) is not an error.
fn print(text: &str) -> ExitCode {
    match io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            progress::error(&format!("cannot write to stdout: {error}"));
            ExitCode::FAILURE
        }
    }
}
