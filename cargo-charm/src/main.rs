//! `cargo charm`: command-line tools for Juju charms written in Rust.
//!
//! Run as `cargo charm <COMMAND>` (cargo finds `cargo-charm` on the `PATH`) or directly as
//! `cargo-charm <COMMAND>`. Commands:
//!
//! - `metadata [DIR]`: print the charm's merged metadata (charmcraft.yaml, metadata.yaml,
//!   config.yaml, actions.yaml) as JSON, with warnings on stderr.
//!
//! Exit codes: 0 on success, 1 when the command fails (such as invalid metadata), 2 for a
//! mistake in the command line.

#![forbid(unsafe_code)]

mod args;
mod metadata;

use std::io::{self, Write};
use std::process::ExitCode;

use args::Command;

/// The exit code for a mistake in the command line, as most Unix tools use.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
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
    }
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
