//! `cargo charm metadata [DIR]`.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use ops_metadata::CharmMetadata;

/// Loads the charm in `dir`, prints its warnings on stderr and its merged metadata as
/// pretty JSON on stdout.
pub(crate) fn run(dir: &Path) -> ExitCode {
    let metadata = match CharmMetadata::load_dir(dir) {
        Ok(metadata) => metadata,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    for warning in &metadata.warnings {
        eprintln!("warning: {warning}");
    }
    match write_json(&metadata) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`cargo charm metadata | head`): not our failure.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: cannot write the metadata to stdout: {error}");
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
