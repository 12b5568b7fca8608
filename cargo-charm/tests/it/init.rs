//! `cargo charm init`: the generated projects build, pass their tests, `cargo fmt
//! --check` and `cargo clippy -- -D warnings`, with no flag.
//!
//! Each project depends on this workspace's ops-runtime (by default, as a cargo-charm
//! built from a checkout does, or with `--ops-path`) and is checked in a target
//! directory shared by both kinds, under this workspace's `target/`, so that
//! ops-runtime and its dependencies compile once and are reused by later runs.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn workspace() -> PathBuf {
    Path::new(WORKSPACE)
        .canonicalize()
        .expect("the workspace directory")
}

fn cargo_charm(args: &[&str]) -> Output {
    crate::cargo_charm_command()
        .args(args)
        .output()
        .expect("run cargo-charm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An empty scratch directory for `name`; the project goes in its `name` subdirectory.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-init")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// Generates a project with `cargo charm init NAME KIND --path DIR [EXTRA...]` and
/// returns its directory.
fn generate(name: &str, kind: &str, extra: &[&str]) -> PathBuf {
    let project = scratch(name).join(name);
    let path = project.display().to_string();
    let mut args = vec!["charm", "init", name, kind, "--path", &path];
    args.extend(extra);
    let output = cargo_charm(&args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "cargo charm init failed: {}",
        text(&output.stderr)
    );
    // The workspace's lock file pins the dependencies to the versions already
    // downloaded and compiled here; cargo drops the entries the project does not use.
    fs::copy(workspace().join("Cargo.lock"), project.join("Cargo.lock")).expect("copy Cargo.lock");
    project
}

/// Runs `cargo ARGS` in `project` and asserts that it passes; returns its stdout.
fn cargo(project: &Path, args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let output = Command::new(cargo)
        .args(args)
        .current_dir(project)
        .env("CARGO_TARGET_DIR", workspace().join("target/init-tests"))
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("CARGO_TERM_COLOR")
        .output()
        .unwrap_or_else(|error| panic!("run cargo {args:?}: {error}"));
    let stdout = text(&output.stdout);
    assert!(
        output.status.success(),
        "cargo {args:?} failed in {}:\n{stdout}\n{}",
        project.display(),
        text(&output.stderr)
    );
    stdout
}

/// Checks `project` as a charm author's CI would: formatting, lints, tests; returns
/// the tests' output.
fn check_project(project: &Path) -> String {
    cargo(project, &["fmt", "--check"]);
    cargo(
        project,
        &["clippy", "--all-targets", "--", "-D", "warnings"],
    );
    cargo(project, &["test"])
}

/// Runs `cargo charm sim --json` on `project` (offline, in the tests' target
/// directory) and returns the final model.
fn sim(project: &Path) -> serde_json::Value {
    let output = crate::cargo_charm_command()
        .args(["sim", "--json"])
        .arg(project)
        .env("CARGO_TARGET_DIR", workspace().join("target/init-tests"))
        .env("CARGO_NET_OFFLINE", "true")
        .output()
        .expect("run cargo charm sim");
    assert!(
        output.status.success(),
        "cargo charm sim failed in {}:\n{}",
        project.display(),
        text(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("--json prints the model")
}

/// The events of a sim run with their exit codes.
fn events(state: &serde_json::Value) -> Vec<(String, i64)> {
    state["history"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|record| {
            (
                record["event"].as_str().unwrap_or_default().to_owned(),
                record["exit_code"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

fn read(project: &Path, file: &str) -> String {
    fs::read_to_string(project.join(file)).unwrap_or_else(|error| panic!("read {file}: {error}"))
}

#[test]
fn machine_project_builds_and_its_tests_pass() {
    // No flag: a cargo-charm built from a checkout uses that checkout's ops-runtime.
    let project = generate("demo-machine", "--machine", &[]);
    let manifest = read(&project, "Cargo.toml");
    assert!(manifest.contains("name = \"demo-machine\""), "{manifest}");
    assert!(manifest.contains("\n[workspace]\n"), "{manifest}");
    // A path relative to the project, and no Pebble client in a machine charm.
    assert!(
        manifest.contains("\nops-runtime = { path = \"../../../../../ops-runtime\", default-features = false, features = [\"macros\"] }\n"),
        "{manifest}"
    );
    let charmcraft = read(&project, "charmcraft.yaml");
    assert!(charmcraft.contains("name: demo-machine\n"), "{charmcraft}");
    assert!(charmcraft.contains("base: ubuntu@24.04\n"), "{charmcraft}");
    assert!(
        read(&project, "src/main.rs")
            .contains("ops_runtime::main::<demo_machine::DemoMachineCharm>()")
    );
    for file in ["src/lib.rs", "tests/charm.rs", "README.md", ".gitignore"] {
        assert!(project.join(file).is_file(), "{file}");
    }

    let readme = read(&project, "README.md");
    let install = format!(
        "cargo install --path {}",
        workspace().join("cargo-charm").display()
    );
    assert!(readme.contains(&install), "{readme}");

    let stdout = check_project(&project);
    assert!(stdout.contains("test result: ok. 4 passed"), "{stdout}");

    // And it runs through a new unit's lifecycle as Juju would.
    let state = sim(&project);
    assert!(
        events(&state).iter().all(|(_, code)| *code == 0),
        "{:?}",
        events(&state)
    );
    assert_eq!(events(&state).len(), 5, "{:?}", events(&state));
}

#[test]
fn kubernetes_project_builds_and_its_tests_pass() {
    // No flag either; a name whose imports sort after ops-runtime's and after the
    // charm's constants, unlike the templates' order: the generated code is formatted
    // all the same.
    let project = generate("web-k8s", "--kubernetes", &[]);
    let charmcraft = read(&project, "charmcraft.yaml");
    for expected in [
        "assumes:\n  - k8s-api\n",
        "containers:\n  workload:\n    resource: workload-image\n",
        "    type: oci-image\n",
    ] {
        assert!(charmcraft.contains(expected), "{expected}: {charmcraft}");
    }
    assert!(read(&project, "src/lib.rs").contains("#[on(workload_pebble_ready)]"));

    let stdout = check_project(&project);
    assert!(stdout.contains("test result: ok. 4 passed"), "{stdout}");

    // And it runs through a new unit's lifecycle, its layer reaching the
    // emulated Pebble at pebble-ready.
    let state = sim(&project);
    let names: Vec<String> = events(&state).into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "install",
            "leader-elected",
            "config-changed",
            "start",
            "workload-pebble-ready",
            "update-status"
        ]
    );
    assert!(
        events(&state).iter().all(|(_, code)| *code == 0),
        "{:?}",
        events(&state)
    );
    assert_eq!(
        state["unit_status"]["status"], "active",
        "{}",
        state["unit_status"]
    );
    assert_eq!(state["containers"]["workload"]["ready"], true);
    let services = state["containers"]["workload"]["services"]
        .as_object()
        .expect("the workload's services");
    assert!(
        !services.is_empty() && services.values().all(|status| status == "active"),
        "{services:?}"
    );
}

#[test]
fn generated_metadata_is_valid() {
    for kind in ["--machine", "--kubernetes"] {
        let name = format!("meta{kind}");
        let project = scratch(&name).join("charm");
        let output = cargo_charm(&[
            "init",
            "valid-name",
            kind,
            "--path",
            &project.display().to_string(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let manifest = read(&project, "Cargo.toml");
        // The checkout's ops-runtime, from a project outside the checkout or inside it.
        let dependency = format!(
            "ops-runtime = {{ path = \"{}",
            workspace().join("ops-runtime").display()
        );
        assert!(
            manifest.contains(&dependency) || manifest.contains("path = \"../"),
            "{manifest}"
        );
        assert!(
            text(&output.stderr)
                .contains("depends on the ops-runtime of this cargo-charm's checkout"),
            "{}",
            text(&output.stderr)
        );
        let output = cargo_charm(&["metadata", &project.display().to_string()]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        assert_eq!(text(&output.stderr), "", "{kind}: warnings");
    }
}

#[test]
fn ops_path_picks_another_ops_runtime() {
    let project = scratch("ops-path").join("charm");
    let ops_path = workspace().join("ops-runtime");
    let output = cargo_charm(&[
        "init",
        "elsewhere",
        "--path",
        &project.display().to_string(),
        "--ops-path",
        &ops_path.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        !text(&output.stderr).contains("checkout"),
        "{}",
        text(&output.stderr)
    );
    let manifest = read(&project, "Cargo.toml");
    assert!(
        manifest.contains("ops-runtime = { path = \"../../../../../ops-runtime\""),
        "{manifest}"
    );
    // With --ops-path, cargo-charm's own checkout is not assumed.
    assert!(read(&project, "README.md").contains("`cargo install cargo-charm`"));
}

#[test]
fn refuses_bad_names_and_non_empty_directories() {
    let dir = scratch("refusals");
    let path = dir.join("x").display().to_string();
    let output = cargo_charm(&["init", "My_Charm", "--path", &path]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: `My_Charm` is not a valid charm name: `M` is not a lowercase letter, a digit or \
         `-`; use lowercase letters, digits and single hyphens, starting with a letter\n"
    );
    assert!(!dir.join("x").exists());

    let output = cargo_charm(&["init", "fn", "--path", &path]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("Rust reserves it"));

    fs::create_dir_all(dir.join("x")).unwrap();
    fs::write(dir.join("x/keep.txt"), "mine").unwrap();
    let output = cargo_charm(&["init", "demo", "--path", &path]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: `{path}` already exists and is not empty; pick another `--path`, or remove \
             it first\n"
        )
    );
    assert_eq!(fs::read_to_string(dir.join("x/keep.txt")).unwrap(), "mine");
    assert!(!dir.join("x/Cargo.toml").exists());

    let output = cargo_charm(&["init", "demo", "--path", &path, "--ops-path", &path]);
    assert_eq!(output.status.code(), Some(1));
}
