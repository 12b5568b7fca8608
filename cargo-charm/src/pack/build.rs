//! Building the charm's binary with cargo.

use std::ffi::OsString;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::progress;

/// Why the binary could not be built.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    /// A tool could not be started.
    #[error("cannot run `{program}`: {source}; is the Rust toolchain installed and on PATH?")]
    Spawn {
        /// The program.
        program: String,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// A tool ran but failed.
    #[error("`{command}` failed{}", if detail.is_empty() { String::new() } else { format!(": {detail}") })]
    Failed {
        /// The command line.
        command: String,
        /// Its error output, trimmed.
        detail: String,
    },
    /// A tool's output was not what it documents.
    #[error("cannot understand the output of `{command}`: {detail}")]
    Output {
        /// The command line.
        command: String,
        /// What was wrong.
        detail: String,
    },
    /// The manifest has no package (a virtual workspace manifest).
    #[error(
        "`{}` is not a package's manifest; run `cargo charm pack` on the charm's own \
         directory",
        .0.display()
    )]
    NotAPackage(PathBuf),
    /// The package has no binary, or several and none was chosen.
    #[error("{0}")]
    Binary(String),
    /// The target's architecture is not one Juju knows.
    #[error(
        "the target `{0}` is for an architecture Juju does not run charms on; build for \
         x86_64, aarch64, powerpc64le, s390x or riscv64"
    )]
    UnknownArchitecture(String),
    /// cargo finished without reporting the binary.
    #[error("cargo built `{0}` but did not report where the binary is")]
    NoArtifact(String),
}

/// What to build for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// The target triple.
    pub(crate) triple: String,
    /// Its Juju architecture.
    pub(crate) arch: &'static str,
    /// Whether `--target` must be passed (false: the host, built as cargo does by default).
    pub(crate) pass_to_cargo: bool,
    /// Whether the target links musl statically (no glibc needed).
    pub(crate) musl: bool,
}

fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn rustc() -> OsString {
    std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())
}

/// Runs `program args` in `dir` and returns its stdout.
fn output(program: &OsString, args: &[&str], dir: &Path) -> Result<String, BuildError> {
    let command_line = format!("{} {}", program.to_string_lossy(), args.join(" "));
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|source| BuildError::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        })?;
    if !output.status.success() {
        return Err(BuildError::Failed {
            command: command_line,
            detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    String::from_utf8(output.stdout).map_err(|_| BuildError::Output {
        command: command_line,
        detail: "it is not UTF-8".into(),
    })
}

/// The Juju architecture of a target triple.
pub(crate) fn juju_arch(triple: &str) -> Option<&'static str> {
    match triple.split('-').next()? {
        "x86_64" => Some("amd64"),
        "aarch64" => Some("arm64"),
        "powerpc64le" => Some("ppc64el"),
        "s390x" => Some("s390x"),
        "riscv64gc" | "riscv64" => Some("riscv64"),
        _ => None,
    }
}

/// The target to build for: `requested`, else the host's musl target when its
/// standard library is installed, else the host. Tools run in `dir`, so that the
/// charm's `rust-toolchain.toml` applies.
pub(crate) fn choose_target(dir: &Path, requested: Option<&str>) -> Result<Target, BuildError> {
    let rustc = rustc();
    let (triple, pass_to_cargo) = match requested {
        Some(triple) => (triple.to_owned(), true),
        None => {
            let version = output(&rustc, &["-vV"], dir)?;
            let host = version
                .lines()
                .find_map(|line| line.strip_prefix("host: "))
                .ok_or_else(|| BuildError::Output {
                    command: format!("{} -vV", rustc.to_string_lossy()),
                    detail: "no `host:` line".into(),
                })?
                .trim()
                .to_owned();
            match host.strip_suffix("-linux-gnu") {
                Some(prefix) => {
                    let musl = format!("{prefix}-linux-musl");
                    let sysroot = output(&rustc, &["--print", "sysroot"], dir)?;
                    let installed = Path::new(sysroot.trim())
                        .join("lib/rustlib")
                        .join(&musl)
                        .join("lib")
                        .is_dir();
                    if installed {
                        (musl, true)
                    } else {
                        progress::note(&format!(
                            "building for {host}, so the binary links glibc dynamically; `rustup \
                             target add {musl}` makes `cargo charm pack` build a static binary \
                             that runs on any base"
                        ));
                        (host, false)
                    }
                }
                None => (host, false),
            }
        }
    };
    let arch = juju_arch(&triple).ok_or_else(|| BuildError::UnknownArchitecture(triple.clone()))?;
    let musl = triple.contains("-musl");
    Ok(Target {
        triple,
        arch,
        pass_to_cargo,
        musl,
    })
}

/// The package a charm's Cargo.toml describes, as `cargo metadata` reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Package {
    /// The package's name.
    pub(crate) name: String,
    /// Its binary targets.
    pub(crate) bins: Vec<String>,
    /// Its `[package.metadata]` table as JSON (`null` when there is none).
    pub(crate) metadata: Value,
}

/// Reads the package whose manifest is `manifest` with `cargo metadata --no-deps`.
pub(crate) fn package(manifest: &Path) -> Result<Package, BuildError> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let manifest_arg = manifest.to_string_lossy();
    let args = [
        "metadata",
        "--no-deps",
        "--format-version",
        "1",
        "--manifest-path",
        &manifest_arg,
    ];
    let command = format!("cargo {}", args.join(" "));
    let text = output(&cargo(), &args, dir)?;
    let json: Value = serde_json::from_str(&text).map_err(|error| BuildError::Output {
        command: command.clone(),
        detail: error.to_string(),
    })?;
    let wanted = std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let package = json["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|package| {
            package["manifest_path"]
                .as_str()
                .map(|path| std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path)))
                == Some(wanted.clone())
        })
        .ok_or_else(|| BuildError::NotAPackage(manifest.to_path_buf()))?;
    let bins = package["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|target| {
            target["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"))
        })
        .filter_map(|target| target["name"].as_str())
        .map(str::to_owned)
        .collect();
    Ok(Package {
        name: package["name"].as_str().unwrap_or_default().to_owned(),
        bins,
        metadata: package["metadata"].clone(),
    })
}

/// The binary target to build: `requested`, or the package's only binary, or the
/// one named like the package or the charm.
pub(crate) fn binary_name(
    manifest: &Path,
    requested: Option<&str>,
    charm: &str,
) -> Result<String, BuildError> {
    package(manifest)?.binary(requested, charm)
}

impl Package {
    /// The binary target to build: `requested`, or the package's only binary, or the
    /// one named like the package or the charm.
    pub(crate) fn binary(
        &self,
        requested: Option<&str>,
        charm: &str,
    ) -> Result<String, BuildError> {
        let package_name = &self.name;
        let bins: Vec<&str> = self.bins.iter().map(String::as_str).collect();
        if let Some(requested) = requested {
            return if bins.contains(&requested) {
                Ok(requested.to_owned())
            } else {
                Err(BuildError::Binary(format!(
                    "package `{package_name}` has no binary `{requested}`; its binaries: {}",
                    list(&bins)
                )))
            };
        }
        match bins.as_slice() {
            [] => Err(BuildError::Binary(format!(
                "package `{package_name}` has no binary; add `src/main.rs` with \
                 `fn main() -> std::process::ExitCode {{ ops_runtime::main::<YourCharm>() }}`"
            ))),
            [only] => Ok((*only).to_owned()),
            several => several
                .iter()
                .find(|bin| **bin == package_name || **bin == charm)
                .map(|bin| (*bin).to_owned())
                .ok_or_else(|| {
                    BuildError::Binary(format!(
                        "package `{package_name}` has several binaries ({}); choose one with \
                         `--bin`",
                        list(several)
                    ))
                }),
        }
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Builds `bin` of the package at `manifest` and returns the binary's path. cargo's
/// progress bar, `Compiling` lines and diagnostics go to stderr as usual, coloured as
/// ours are (`--color`) and silenced by `-q` (`--quiet`). A status line then gives the
/// binary's size and path (cargo's own `Finished` line has just said how long it took).
pub(crate) fn build(
    manifest: &Path,
    bin: &str,
    target: &Target,
    profile: &str,
) -> Result<PathBuf, BuildError> {
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let manifest_arg = manifest.to_string_lossy().into_owned();
    let mut args = vec![
        "build",
        "--manifest-path",
        &manifest_arg,
        "--bin",
        bin,
        "--profile",
        profile,
        "--message-format=json-render-diagnostics",
    ];
    if target.pass_to_cargo {
        args.extend(["--target", &target.triple]);
    }
    let settings = progress::settings();
    args.extend(["--color", if settings.color { "always" } else { "never" }]);
    if settings.quiet {
        args.push("--quiet");
    }
    let command_line = format!("cargo {}", args.join(" "));
    let program = cargo();
    let mut child = Command::new(&program)
        .args(&args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|source| BuildError::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        })?;
    let mut executable = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|error| BuildError::Output {
                command: command_line.clone(),
                detail: error.to_string(),
            })?;
            let Ok(message) = serde_json::from_str::<Value>(&line) else {
                continue;
            };
            let is_our_bin = message["reason"] == "compiler-artifact"
                && message["target"]["name"] == bin
                && message["target"]["kind"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"));
            if is_our_bin && let Some(path) = message["executable"].as_str() {
                executable = Some(PathBuf::from(path));
            }
        }
    }
    let status = child.wait().map_err(|source| BuildError::Spawn {
        program: program.to_string_lossy().into_owned(),
        source,
    })?;
    if !status.success() {
        return Err(BuildError::Failed {
            command: command_line,
            detail: String::new(),
        });
    }
    let executable = executable.ok_or_else(|| BuildError::NoArtifact(bin.to_owned()))?;
    let size = std::fs::metadata(&executable).map_or(String::new(), |metadata| {
        format!(", {}", human_size(metadata.len()))
    });
    progress::status(
        "Built",
        &format!("binary `{bin}`{size}: {}", executable.display()),
    );
    Ok(executable)
}

/// `bytes` in B, or kB or MB (powers of 1000) with one decimal, as a status line shows
/// it.
pub(crate) fn human_size(bytes: u64) -> String {
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    // Exact below 2^53 bytes, far more than any binary.
    let bytes = bytes as f64;
    if bytes >= 1e6 {
        format!("{:.1} MB", bytes / 1e6)
    } else {
        format!("{:.1} kB", bytes / 1e3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn architectures_of_triples() {
        assert_eq!(juju_arch("x86_64-unknown-linux-musl"), Some("amd64"));
        assert_eq!(juju_arch("aarch64-unknown-linux-gnu"), Some("arm64"));
        assert_eq!(juju_arch("powerpc64le-unknown-linux-gnu"), Some("ppc64el"));
        assert_eq!(juju_arch("s390x-unknown-linux-gnu"), Some("s390x"));
        assert_eq!(juju_arch("riscv64gc-unknown-linux-gnu"), Some("riscv64"));
        assert_eq!(juju_arch("i686-unknown-linux-gnu"), None);
    }

    #[test]
    fn sizes_in_status_lines() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1_500), "1.5 kB");
        assert_eq!(human_size(4_321_000), "4.3 MB");
    }
}
