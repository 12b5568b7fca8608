//! `cargo charm pack [DIR]`: builds the charm's binary and writes its `.charm` files.
//!
//! A packed charm, as Juju reads it (see `charmcraft.md` in the project's notes):
//!
//! | entry | mode | from |
//! |---|---|---|
//! | `metadata.yaml` | 0644 | charmcraft.yaml's metadata keys (or the project's metadata.yaml) |
//! | `config.yaml` | 0644 | charmcraft.yaml's `config` (or the project's config.yaml), if any |
//! | `actions.yaml` | 0644 | charmcraft.yaml's `actions` (or the project's actions.yaml), if any |
//! | `manifest.yaml` | 0644 | generated: the bases of the platform, and charmcraft's analysis attributes |
//! | `dispatch` | 0755 | the binary itself (or, with `--dispatch script`, a script running `bin/<name>`) |
//! | `lxd-profile.yaml`, `version`, `icon.svg`, `LICENSE`, `README.md` | 0644 | copied from the project, if present |
//! | `src/grafana_dashboards/...`, `src/prometheus_alert_rules/...`, `src/loki_alert_rules/...` | 0644 (0755 if executable) | the project's directories that ops-interfaces reads from the charm's directory, if present |
//! | what `[package.metadata.charm] include` in Cargo.toml lists | 0644 (0755 if executable) | the project, at the same paths |
//!
//! [`charm_files`] lists the project's files, bounded, for `pack`
//! and for `sim`'s charm directory alike.
//!
//! # Why the binary is `dispatch`
//!
//! Juju executes `dispatch` for every event. It can be the charm's binary, or a
//! shell script whose last line is `exec ./bin/<name>` (the form `charmcraft
//! analyse` can follow). Measured on this project's 2-core Debian 12 machine (with
//! other builds running, load about 2.2), with the tinyproxy example's release
//! binary as packed by this command, for an event it has no handler for
//! (`update-status`: dispatch, then collect-status, which calls `config-get` and
//! `status-set`, both fake hook tools written in `sh`): 200 runs of each form,
//! three times, interleaved, each spawned from the unpacked charm directory with a
//! clean environment of `JUJU_*` variables and the fake tools on `PATH`.
//!
//! | `dispatch` | wall time, 200 runs | median | fastest | CPU per run |
//! |---|---|---|---|---|
//! | the binary | 0.82 to 0.90 s | 3.5 to 4.0 ms | 3.04 ms | 3.21 ms |
//! | `#!/bin/sh` + `exec ./bin/tinyproxy` | 0.91 to 0.97 s | 4.0 ms | 3.67 ms | 3.84 ms |
//!
//! The script costs one more `exec`, of `/bin/sh`, per event: about 0.6 ms of CPU,
//! a fifth of this whole hook, hook tools included. It buys nothing Juju needs:
//! Juju sets `JUJU_DISPATCH_PATH` and runs `dispatch` from the charm directory,
//! which is all the runtime reads. So the binary is `dispatch`, the way Go charms
//! (goops) do it, and the charm holds one copy of it; `charmcraft analyse` then
//! reports its entrypoint check as not applicable, which is not a failure.
//! `--dispatch script` writes the script form for those who want it.

pub(crate) mod build;
mod glibc;
mod platforms;
pub(crate) mod split;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use ops_metadata::MetadataError;
use yaml_serde::{Mapping, Value};

use crate::archive::{self, ArchiveError, NewEntry};
use crate::args::{DispatchKind, PackArgs};
use crate::charm_files::{self, FilesError};
use crate::check;
use crate::metadata::load_options;
use crate::names;
use crate::progress;
use crate::yaml;

use build::{BuildError, Target};
use platforms::{PlanError, PlannedCharm, RunBase};
use split::SplitError;

/// Why `pack` failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PackError {
    /// The charm's metadata is missing or invalid.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// Metadata Juju requires is missing.
    #[error("charmcraft.yaml has no `{0}`; Juju refuses a charm without one: add `{0}: ...` to it")]
    Missing(&'static str),
    /// The charm's name is not one Juju and charmcraft accept (and the `.charm` file
    /// and entry names built from it could leave their directories).
    #[error("charmcraft.yaml: {0}")]
    Name(String),
    /// A file name built from the charm's name and a platform is not a plain file name.
    #[error(
        "the charm would be written as `{0}`, which is not a plain file name (it comes from the \
         charm's name and a platform or base in charmcraft.yaml); rename the platform so that \
         it holds no `/`"
    )]
    OutputName(String),
    /// A file to pack is a symbolic link that leads out of the charm's directory.
    #[error(
        "`{}` leads out of the charm's directory `{}` (it resolves to `{}`); `cargo charm \
         pack` packs only files inside it: copy the file in instead of linking to it",
        path.display(),
        dir.display(),
        target.display()
    )]
    Outside {
        /// The file in the charm's directory.
        path: PathBuf,
        /// Where it resolves to.
        target: PathBuf,
        /// The charm's directory.
        dir: PathBuf,
    },
    /// No Cargo.toml beside charmcraft.yaml.
    #[error(
        "`{}` has no Cargo.toml; `cargo charm pack` packs a Rust charm: run it in the directory \
         with the charm's Cargo.toml and charmcraft.yaml",
        .0.display()
    )]
    NoCargoToml(PathBuf),
    /// Which charms to write could not be worked out.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Splitting the metadata failed.
    #[error(transparent)]
    Split(#[from] SplitError),
    /// Building the binary failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A file could not be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// Writing YAML failed.
    #[error(transparent)]
    Yaml(#[from] yaml::WriteError),
    /// Writing or re-reading the zip failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// The project's files to ship could not be listed or read.
    #[error(transparent)]
    Files(#[from] FilesError),
    /// A project file would replace an entry `pack` writes for this charm.
    #[error(
        "`{}` would go into the charm as `{name}`, which `cargo charm pack` writes itself; \
         remove it from `[package.metadata.charm] include` in Cargo.toml",
        path.display()
    )]
    Generated {
        /// The entry name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// The written charm did not pass the check.
    #[error(
        "the packed `{}` fails the check (errors above); this is a bug in cargo-charm or in \
         the project's own metadata files",
        .0.display()
    )]
    CheckFailed(PathBuf),
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> PackError + 'a {
    move |source| PackError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Builds and packs the charm in `args.dir`; returns the `.charm` files written.
pub(crate) fn run(args: &PackArgs) -> Result<Vec<PathBuf>, PackError> {
    let metadata = load_options().load_dir(&args.dir)?;
    // The name becomes file and entry names: it must be valid before anything is built.
    if let Some(problem) = names::charm_name_problem(&metadata.name) {
        return Err(PackError::Name(problem));
    }
    // Before the warnings, which say the same less firmly.
    for (key, value) in [
        ("summary", &metadata.summary),
        ("description", &metadata.description),
    ] {
        if value.as_deref().is_none_or(|text| text.trim().is_empty()) {
            return Err(PackError::Missing(key));
        }
    }
    for warning in &metadata.warnings {
        progress::warning(&warning.to_string());
    }
    if !args.dir.join("Cargo.toml").is_file() {
        return Err(PackError::NoCargoToml(args.dir.clone()));
    }
    // Absolute, because cargo runs in the charm's directory (for its rust-toolchain.toml).
    let manifest_path =
        fs::canonicalize(args.dir.join("Cargo.toml")).map_err(io_error("resolve", &args.dir))?;
    for source in &metadata.sources {
        inside(&args.dir, &source.path)?;
    }
    let package = build::package(&manifest_path)?;
    let include = charm_files::include_list(&package.metadata)?;
    let files = charm_files::collect(&args.dir, &include)?;
    // `dispatch` and the YAML files are refused by `collect`; the script form adds one.
    let script_binary = format!("bin/{}", metadata.name);
    if let (DispatchKind::Script, Some(file)) = (args.dispatch, files.files.get(&script_binary)) {
        return Err(PackError::Generated {
            name: script_binary,
            path: file.source.clone(),
        });
    }

    let target = build::choose_target(&args.dir, args.target.as_deref())?;
    let planned = platforms::plan(&metadata, target.arch, &target.triple)?;
    for charm in &planned {
        if !plain_file_name(&charm.file_name) {
            return Err(PackError::OutputName(charm.file_name.clone()));
        }
    }
    let split = split::split(&metadata)?;
    for warning in &split.warnings {
        progress::warning(warning);
    }

    let bin = package.binary(args.bin.as_deref(), &metadata.name)?;
    let profile = args.profile.as_deref().unwrap_or("release");
    progress::status(
        "Building",
        &format!(
            "{} (binary `{bin}`, {profile} profile, {})",
            metadata.name, target.triple
        ),
    );
    let binary_path = build::build(&manifest_path, &bin, &target, profile)?;
    let binary = fs::read(&binary_path).map_err(io_error("read", &binary_path))?;
    report_glibc(&binary, &target, &planned);
    files.report();
    let extras = files.entries()?;

    fs::create_dir_all(&args.out).map_err(io_error("create", &args.out))?;
    let mut written = Vec::new();
    for charm in &planned {
        let path = args.out.join(&charm.file_name);
        progress::status("Packing", &path.display().to_string());
        let mut entries = split.entries.clone();
        entries.extend(extras.iter().cloned());
        entries.push(NewEntry::regular("manifest.yaml", manifest(&charm.bases)?));
        entries.extend(dispatch_entries(args.dispatch, &metadata.name, &binary));
        archive::write(&path, entries)?;
        let report = check::check_file(&path)?;
        report.print(&path.display().to_string());
        if report.has_errors() {
            return Err(PackError::CheckFailed(path));
        }
        written.push(path);
    }
    Ok(written)
}

/// `dispatch` (and `bin/<name>` for the script form).
fn dispatch_entries(kind: DispatchKind, name: &str, binary: &[u8]) -> Vec<NewEntry> {
    match kind {
        DispatchKind::Binary => vec![NewEntry::executable("dispatch", binary)],
        DispatchKind::Script => vec![
            NewEntry::executable(format!("bin/{name}"), binary),
            // The last line is exactly the program, so `charmcraft analyse` can follow it.
            NewEntry::executable("dispatch", format!("#!/bin/sh\nexec ./bin/{name}\n")),
        ],
    }
}

/// Refuses `path` if it resolves (through symbolic links) to a file outside `dir`.
fn inside(dir: &Path, path: &Path) -> Result<(), PackError> {
    let real_dir = fs::canonicalize(dir).map_err(io_error("resolve", dir))?;
    let target = fs::canonicalize(path).map_err(io_error("resolve", path))?;
    if target.starts_with(&real_dir) {
        Ok(())
    } else {
        Err(PackError::Outside {
            path: path.to_path_buf(),
            target,
            dir: dir.to_path_buf(),
        })
    }
}

/// Whether `name` is one plain file name, which stays in the directory it is joined to.
fn plain_file_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    !name.contains(['/', '\\'])
        && matches!(components.next(), Some(Component::Normal(_)))
        && components.next().is_none()
}

/// manifest.yaml: the bases Juju reads, and the analysis attributes charmcraft
/// records (a compiled charm's language and framework are `unknown` to it). Keys are
/// sorted, and the channel is a string, as Juju's schema requires.
fn manifest(bases: &[RunBase]) -> Result<String, PackError> {
    let attribute = |name: &str| {
        let mut attribute = Mapping::new();
        attribute.insert("name".into(), name.into());
        attribute.insert("result".into(), "unknown".into());
        Value::Mapping(attribute)
    };
    let mut analysis = Mapping::new();
    analysis.insert(
        "attributes".into(),
        Value::Sequence(vec![attribute("language"), attribute("framework")]),
    );
    let bases = bases
        .iter()
        .map(|base| {
            let mut entry = Mapping::new();
            entry.insert(
                "architectures".into(),
                Value::Sequence(
                    base.architectures
                        .iter()
                        .map(|a| a.as_str().into())
                        .collect(),
                ),
            );
            entry.insert("channel".into(), Value::String(base.channel.clone()));
            entry.insert("name".into(), Value::String(base.name.clone()));
            Value::Mapping(entry)
        })
        .collect();
    let mut manifest = Mapping::new();
    manifest.insert("analysis".into(), Value::Mapping(analysis));
    manifest.insert("bases".into(), Value::Sequence(bases));
    Ok(yaml::to_string(&Value::Mapping(manifest))?)
}

/// Says which glibc the binary needs, and warns for each Ubuntu base that ships an
/// older one.
fn report_glibc(binary: &[u8], target: &Target, planned: &[PlannedCharm]) {
    let Some(needed) = glibc::required(binary) else {
        let how = if target.musl {
            "static musl build"
        } else {
            "no glibc symbols"
        };
        progress::status("Checked", &format!("the binary needs no glibc ({how})"));
        return;
    };
    let channels: BTreeSet<&str> = planned
        .iter()
        .flat_map(|charm| &charm.bases)
        .filter(|base| base.name == "ubuntu")
        .map(|base| base.channel.as_str())
        .collect();
    for channel in channels {
        match glibc::ubuntu(channel) {
            Some(shipped) if needed > shipped => progress::warning(&format!(
                "the binary needs glibc {needed} (it uses `GLIBC_{needed}` symbols), but \
                 ubuntu {channel} ships glibc {shipped}: it will not start there. Build on a \
                 system with glibc {shipped} or older, or install the musl target (`rustup \
                 target add {}`), which `cargo charm pack` then uses",
                musl_triple(&target.triple)
            )),
            Some(shipped) => progress::status(
                "Checked",
                &format!("the binary needs glibc {needed}; ubuntu {channel} ships {shipped}"),
            ),
            None => progress::note(&format!(
                "the binary needs glibc {needed}; which glibc ubuntu {channel} ships is not \
                 known to cargo-charm, so check it yourself"
            )),
        }
    }
}

fn musl_triple(triple: &str) -> String {
    match triple.strip_suffix("-linux-gnu") {
        Some(prefix) => format!("{prefix}-linux-musl"),
        None => "<arch>-unknown-linux-musl".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_has_sorted_keys_and_a_string_channel() {
        let text = manifest(&[RunBase {
            name: "ubuntu".into(),
            channel: "22.04".into(),
            architectures: vec!["amd64".into()],
        }])
        .unwrap();
        assert_eq!(
            text,
            "analysis:\n  attributes:\n  - name: language\n    result: unknown\n  - name: \
             framework\n    result: unknown\nbases:\n- architectures:\n  - amd64\n  channel: \
             '22.04'\n  name: ubuntu\n"
        );
    }

    #[test]
    fn output_names_stay_in_their_directory() {
        assert!(plain_file_name("demo_amd64.charm"));
        assert!(plain_file_name("demo_ubuntu-22.04-amd64.charm"));
        for name in [
            "../demo.charm",
            "a/b.charm",
            "/demo.charm",
            "..",
            ".",
            "",
            "a\\b",
        ] {
            assert!(!plain_file_name(name), "{name}");
        }
    }

    #[test]
    fn script_dispatch_ends_with_the_program() {
        let entries = dispatch_entries(DispatchKind::Script, "demo", b"\x7fELF");
        assert_eq!(entries[0].name, "bin/demo");
        assert_eq!(entries[1].data, b"#!/bin/sh\nexec ./bin/demo\n");
        assert!(entries.iter().all(|e| e.mode == archive::EXECUTABLE));
        let entries = dispatch_entries(DispatchKind::Binary, "demo", b"\x7fELF");
        assert_eq!(entries, [NewEntry::executable("dispatch", &b"\x7fELF"[..])]);
    }
}
