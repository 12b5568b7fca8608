//! `cargo charm metadata [DIR]`.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use ops_metadata::{CharmMetadata, DuplicateKeys, LoadOptions};

use crate::progress;

/// How `cargo charm` reads a charm's metadata: as Juju does, a key written twice keeps
/// its last value (with a warning), since real charms ship such files.
pub(crate) fn load_options() -> LoadOptions {
    LoadOptions::new().duplicate_keys(DuplicateKeys::LastWins)
}

/// Loads the charm in `dir`, prints its warnings on stderr and its merged metadata as
/// pretty JSON on stdout.
pub(crate) fn run(dir: &Path) -> ExitCode {
    let metadata = match load_options().load_dir(dir) {
        Ok(metadata) => metadata,
        Err(error) => {
            progress::error(&error.to_string());
            return ExitCode::FAILURE;
        }
    };
    for warning in &metadata.warnings {
        progress::warning(&warning.to_string());
    }
    match write_json(&metadata) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`cargo charm metadata | head`): not our failure.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            progress::error(&format!("cannot write the metadata to stdout: {error}"));
            ExitCode::FAILURE
        }
    }
}

fn write_json(metadata: &CharmMetadata) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, metadata)?;
    writeln!(stdout)?;
    stdout.flush()
}
