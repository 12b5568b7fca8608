//! `cargo charm init NAME`: writes a new charm project from the templates in
//! `templates/`.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::args::{CharmKind, InitArgs};
use crate::names;
use crate::progress;

/// Why `init` failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InitError {
    /// The name breaks the charm name rules.
    #[error("{0}")]
    InvalidName(String),
    /// The target directory has files in it.
    #[error(
        "`{}` already exists and is not empty; pick another `--path`, or remove it first",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// The target exists but is a file.
    #[error("`{}` exists and is not a directory; pick another `--path`", .0.display())]
    NotADirectory(PathBuf),
    /// `--ops-path` does not hold a crate.
    #[error(
        "`--ops-path {}` has no Cargo.toml; pass the directory of the ops-runtime crate",
        .0.display()
    )]
    NoOpsCrate(PathBuf),
    /// A file could not be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done: `create`, `write`, ...
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The failure.
        source: io::Error,
    },
}

impl InitError {
    fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Self + 'a {
        move |source| Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

const CARGO_TOML: &str = include_str!("../templates/common/Cargo.toml.tmpl");
const MAIN_RS: &str = include_str!("../templates/common/main.rs.tmpl");
const README: &str = include_str!("../templates/common/README.md.tmpl");
const GITIGNORE: &str = include_str!("../templates/common/gitignore.tmpl");
const MACHINE_CHARMCRAFT: &str = include_str!("../templates/machine/charmcraft.yaml.tmpl");
const MACHINE_LIB: &str = include_str!("../templates/machine/lib.rs.tmpl");
const MACHINE_TESTS: &str = include_str!("../templates/machine/tests.rs.tmpl");
const K8S_CHARMCRAFT: &str = include_str!("../templates/kubernetes/charmcraft.yaml.tmpl");
const K8S_LIB: &str = include_str!("../templates/kubernetes/lib.rs.tmpl");
const K8S_TESTS: &str = include_str!("../templates/kubernetes/tests.rs.tmpl");

/// Where the generated project gets ops-runtime from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum OpsSource {
    /// crates.io, at this version requirement.
    Version(String),
    /// A local directory, as written in Cargo.toml.
    Path(String),
}

impl OpsSource {
    /// A `ops-runtime = ...` dependency line, with `extra` fields (such as
    /// `, features = ["testing"]`) after the source.
    fn dependency(&self, extra: &str) -> String {
        match self {
            Self::Version(version) if extra.is_empty() => {
                format!("ops-runtime = {}", toml_string(version))
            }
            Self::Version(version) => {
                format!(
                    "ops-runtime = {{ version = {}{extra} }}",
                    toml_string(version)
                )
            }
            Self::Path(path) => format!("ops-runtime = {{ path = {}{extra} }}", toml_string(path)),
        }
    }
}

/// Writes the project and prints what it did on stderr.
pub(crate) fn run(args: &InitArgs) -> Result<(), InitError> {
    if let Some(problem) =
        names::charm_name_problem(&args.name).or_else(|| names::crate_name_problem(&args.name))
    {
        return Err(InitError::InvalidName(problem));
    }
    let dir = args
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    prepare_dir(&dir)?;
    let (source, install) = match (&args.ops_path, checkout()) {
        (Some(ops_path), _) => (
            OpsSource::Path(ops_path_from(&dir, ops_path)?),
            INSTALL_PUBLISHED.to_owned(),
        ),
        (None, Some(checkout)) => {
            let ops_path = checkout.join("ops-runtime");
            progress::note(&format!(
                "the project depends on the ops-runtime of this cargo-charm's checkout, `{}` \
                 (the crates are not on crates.io yet); `--ops-path` picks another",
                ops_path.display()
            ));
            let install = format!(
                "cargo install --path {}",
                checkout.join("cargo-charm").display()
            );
            (OpsSource::Path(ops_path_from(&dir, &ops_path)?), install)
        }
        (None, None) => (
            OpsSource::Version(ops_version()),
            INSTALL_PUBLISHED.to_owned(),
        ),
    };
    let files = render(&args.name, args.kind, &source, &install);
    for (relative, text) in &files {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(InitError::io("create", parent))?;
        }
        fs::write(&path, text).map_err(InitError::io("write", &path))?;
    }
    format_sources(&dir, &files);
    let kind = match args.kind {
        CharmKind::Machine => "machine",
        CharmKind::Kubernetes => "Kubernetes",
    };
    progress::status(
        "Created",
        &format!("{kind} charm `{}` in {}", args.name, dir.display()),
    );
    Ok(())
}

/// Runs `rustfmt` on the project's Rust files. The templates are formatted already;
/// this settles what depends on the charm's name (the order of imports, the width of
/// lines holding its type). Without rustfmt the project still builds, so a missing or
/// failing rustfmt is a note, not an error.
fn format_sources(dir: &Path, files: &[(&'static str, String)]) {
    let sources: Vec<PathBuf> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".rs"))
        .map(|(path, _)| dir.join(path))
        .collect();
    let rustfmt = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let result = std::process::Command::new(&rustfmt)
        .args(["--edition", "2024"])
        .args(&sources)
        .stdin(std::process::Stdio::null())
        .output();
    match result {
        Ok(output) if output.status.success() => {}
        Ok(output) => progress::note(&format!(
            "`rustfmt` failed on the new project, which may not pass `cargo fmt --check`: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) => progress::note(&format!(
            "cannot run `rustfmt` ({error}): the new project may not pass `cargo fmt --check` \
             (`rustup component add rustfmt` installs it)"
        )),
    }
}

/// Creates `dir`, or accepts it if it exists and is empty.
fn prepare_dir(dir: &Path) -> Result<(), InitError> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(InitError::NotEmpty(dir.to_path_buf()));
            }
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(InitError::io("create", dir))
        }
        Err(_) if dir.exists() && !dir.is_dir() => Err(InitError::NotADirectory(dir.to_path_buf())),
        Err(error) => Err(InitError::io("read", dir)(error)),
    }
}

/// How the generated README installs cargo-charm when it comes from crates.io.
const INSTALL_PUBLISHED: &str = "cargo install cargo-charm";

/// The checkout this program was built from, when it is still there: the workspace
/// directory holding `ops-runtime/Cargo.toml` beside this crate. A cargo-charm built
/// from crates.io has none (its neighbours are registry crates, named with versions).
fn checkout() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    if !workspace.join("ops-runtime/Cargo.toml").is_file() {
        return None;
    }
    fs::canonicalize(workspace).ok()
}

/// The version requirement on ops-runtime: this tool's `major.minor`.
fn ops_version() -> String {
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => version.to_owned(),
    }
}

/// `ops_path` as the generated Cargo.toml in `project` should write it: relative to
/// the project when both share more than the filesystem root, absolute otherwise.
fn ops_path_from(project: &Path, ops_path: &Path) -> Result<String, InitError> {
    if !ops_path.join("Cargo.toml").is_file() {
        return Err(InitError::NoOpsCrate(ops_path.to_path_buf()));
    }
    let ops = fs::canonicalize(ops_path).map_err(InitError::io("resolve", ops_path))?;
    let project = fs::canonicalize(project).map_err(InitError::io("resolve", project))?;
    let path = relative_path(&project, &ops).unwrap_or(ops);
    Ok(path.to_string_lossy().into_owned())
}

/// The path from directory `from` to `to` (both absolute), or `None` when they share
/// nothing below the root.
fn relative_path(from: &Path, to: &Path) -> Option<PathBuf> {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let shares_a_directory = to[..common]
        .iter()
        .any(|component| matches!(component, Component::Normal(_)));
    if !shares_a_directory {
        return None;
    }
    let mut path = PathBuf::new();
    for _ in &from[common..] {
        path.push("..");
    }
    for component in &to[common..] {
        path.push(component);
    }
    if path.as_os_str().is_empty() {
        path.push(".");
    }
    Some(path)
}

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// The project's files, by path relative to its directory.
fn render(
    name: &str,
    kind: CharmKind,
    source: &OpsSource,
    install: &str,
) -> Vec<(&'static str, String)> {
    let (charmcraft, lib, tests) = match kind {
        CharmKind::Machine => (MACHINE_CHARMCRAFT, MACHINE_LIB, MACHINE_TESTS),
        CharmKind::Kubernetes => (K8S_CHARMCRAFT, K8S_LIB, K8S_TESTS),
    };
    let (dependency, dev_dependency, dependency_comment) = match kind {
        // A machine charm has no Pebble to talk to: leaving out the default `pebble`
        // feature keeps the HTTP client out of its binary.
        CharmKind::Machine => (
            source.dependency(", default-features = false, features = [\"macros\"]"),
            source.dependency(", default-features = false, features = [\"macros\", \"testing\"]"),
            "# Without the default `pebble` feature: a machine charm has no Pebble to talk to.\n",
        ),
        CharmKind::Kubernetes => (
            source.dependency(""),
            source.dependency(", features = [\"testing\"]"),
            "",
        ),
    };
    let (kind_text, metadata_text, deploy_command) = match kind {
        CharmKind::Machine => ("machine", "", format!("juju deploy ./{name}_amd64.charm")),
        CharmKind::Kubernetes => (
            "Kubernetes",
            "the workload container and its image, ",
            format!("juju deploy ./{name}_amd64.charm --resource workload-image=python:3.13-slim"),
        ),
    };
    let title: Vec<String> = name.split('-').map(names::camel_case).collect();
    let substitutions = [
        ("{{name}}", name.to_owned()),
        ("{{crate}}", names::crate_ident(name)),
        ("{{Camel}}", names::camel_case(name)),
        ("{{title}}", title.join(" ")),
        ("{{ops_dependency}}", dependency),
        ("{{ops_dev_dependency}}", dev_dependency),
        ("{{ops_dependency_comment}}", dependency_comment.to_owned()),
        ("{{kind_text}}", kind_text.to_owned()),
        ("{{metadata_text}}", metadata_text.to_owned()),
        ("{{deploy_command}}", deploy_command),
        ("{{install_cargo_charm}}", install.to_owned()),
    ];
    let fill = |template: &str| {
        substitutions
            .iter()
            .fold(template.to_owned(), |text, (placeholder, value)| {
                text.replace(placeholder, value)
            })
    };
    vec![
        ("Cargo.toml", fill(CARGO_TOML)),
        ("charmcraft.yaml", fill(charmcraft)),
        ("src/main.rs", fill(MAIN_RS)),
        ("src/lib.rs", fill(lib)),
        ("tests/charm.rs", fill(tests)),
        ("README.md", fill(README)),
        (".gitignore", fill(GITIGNORE)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled() {
        for kind in [CharmKind::Machine, CharmKind::Kubernetes] {
            for source in [
                OpsSource::Version("0.1".into()),
                OpsSource::Path("../ops-runtime".into()),
            ] {
                for (path, text) in render("my-app", kind, &source, INSTALL_PUBLISHED) {
                    assert!(!text.contains("{{"), "{path} ({kind:?}): {text}");
                }
            }
        }
    }

    #[test]
    fn dependency_lines() {
        let version = OpsSource::Version("0.1".into());
        assert_eq!(version.dependency(""), r#"ops-runtime = "0.1""#);
        assert_eq!(
            version.dependency(r#", features = ["testing"]"#),
            r#"ops-runtime = { version = "0.1", features = ["testing"] }"#
        );
        let path = OpsSource::Path(r#"C:\ops "rt""#.into());
        assert_eq!(
            path.dependency(""),
            r#"ops-runtime = { path = "C:\\ops \"rt\"" }"#
        );
    }

    #[test]
    fn generated_names() {
        let files = render(
            "my-app",
            CharmKind::Kubernetes,
            &OpsSource::Version("0.1".into()),
            INSTALL_PUBLISHED,
        );
        let text = |wanted: &str| {
            files
                .iter()
                .find(|(path, _)| *path == wanted)
                .map(|(_, text)| text.as_str())
                .unwrap_or_default()
        };
        assert!(text("Cargo.toml").contains("name = \"my-app\""));
        assert!(text("src/main.rs").contains("ops_runtime::main::<my_app::MyAppCharm>()"));
        assert!(text("charmcraft.yaml").contains("title: My App\n"));
        assert!(text("src/lib.rs").contains("#[on(workload_pebble_ready)]"));
    }

    #[test]
    fn relative_paths() {
        let rel = |from: &str, to: &str| relative_path(Path::new(from), Path::new(to));
        assert_eq!(
            rel("/work/main/target/x/demo", "/work/main/ops-runtime"),
            Some(PathBuf::from("../../../ops-runtime"))
        );
        assert_eq!(rel("/a/b", "/a/b"), Some(PathBuf::from(".")));
        assert_eq!(rel("/a/b", "/a/b/c"), Some(PathBuf::from("c")));
        assert_eq!(rel("/tmp/demo", "/work/ops-runtime"), None);
    }

    #[test]
    fn a_checkout_build_knows_its_checkout() {
        // This test runs from the workspace, so the checkout is there.
        let checkout = checkout().expect("the checkout of this build");
        assert!(checkout.join("ops-runtime/Cargo.toml").is_file());
        assert!(checkout.join("cargo-charm/Cargo.toml").is_file());
    }

    #[test]
    fn ops_version_is_major_minor() {
        assert_eq!(ops_version().matches('.').count(), 1);
    }
}
