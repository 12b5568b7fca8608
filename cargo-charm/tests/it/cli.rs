//! Runs the built `cargo-charm` binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/charm-corpus");

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(args)
        .output()
        .expect("run cargo-charm")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-cli")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn corpus_charm(name: &str) -> String {
    let dir = Path::new(CORPUS).join(name);
    assert!(
        dir.is_dir(),
        "the charm corpus must exist at {}",
        dir.display()
    );
    dir.display().to_string()
}

#[test]
fn metadata_prints_the_merged_model_as_json() {
    let dir = corpus_charm("postgresql");
    // As `cargo charm metadata DIR`: cargo passes the subcommand name first.
    let output = run(&["charm", "metadata", &dir]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        text(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(json["name"], "postgresql");
    assert_eq!(
        json["config"]["options"]
            .as_object()
            .map(serde_json::Map::len),
        Some(173)
    );
    assert_eq!(
        json["provides"]["database"]["interface"],
        "postgresql_client"
    );
    assert_eq!(text(&output.stderr), "");

    // Invoked directly, the output is the same.
    let direct = run(&["metadata", &dir]);
    assert_eq!(direct.status.code(), Some(0));
    assert_eq!(direct.stdout, output.stdout);
}

#[test]
fn metadata_prints_warnings_on_stderr() {
    let dir = corpus_charm("juju-yaml-config");
    let output = run(&["metadata", &dir]);
    assert_eq!(output.status.code(), Some(0));
    let metadata = Path::new(&dir).join("metadata.yaml");
    assert_eq!(
        text(&output.stderr),
        format!(
            "warning: {}:5:1: unknown key `minjujuversion`; did you mean `min-juju-version`?\n",
            metadata.display()
        )
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(json["config"]["options"]["nonoctal"]["default"], "01182252");
}

#[test]
fn invalid_metadata_fails_with_a_located_error() {
    let dir = scratch_dir("invalid");
    fs::write(
        dir.join("charmcraft.yaml"),
        "name: broken\nrequires:\n  db:\n    limit: 1\n",
    )
    .expect("write charmcraft.yaml");
    let output = run(&["metadata", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(text(&output.stdout), "");
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: {}:3:3: relation endpoint `requires.db` has no `interface`; add `interface: \
             <interface-name>` under `requires.db`\n",
            dir.join("charmcraft.yaml").display()
        )
    );

    let empty = scratch_dir("empty");
    let output = run(&["metadata", &empty.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).starts_with("error: no charm metadata in "));
}

#[test]
fn usage_errors_exit_with_2() {
    let output = run(&["charm", "publish"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "error: unknown command `publish`; see `cargo charm --help`\n"
    );

    let output = run(&["metadata", "a", "b"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("error: unexpected argument `b`"));
}

#[test]
fn help() {
    for args in [&["--help"][..], &["charm", "--help"], &[], &["help"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let stdout = text(&output.stdout);
        assert!(
            stdout.contains("Usage: cargo charm <COMMAND>"),
            "{args:?}: {stdout}"
        );
        for command in ["init NAME", "pack [DIR]", "check FILE", "metadata [DIR]"] {
            assert!(stdout.contains(command), "{command}: {stdout}");
        }
    }
    let output = run(&["metadata", "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).contains("Usage: cargo charm metadata [DIR]"));
    for (command, usage) in [
        ("init", "Usage: cargo charm init [OPTIONS] NAME"),
        ("pack", "Usage: cargo charm pack [OPTIONS] [DIR]"),
        ("check", "Usage: cargo charm check FILE"),
    ] {
        let output = run(&["help", command]);
        assert_eq!(output.status.code(), Some(0));
        assert!(text(&output.stdout).contains(usage), "{command}");
    }
}
