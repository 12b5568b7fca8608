//! Runs the built `cargo-charm` binary.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The httpbin example charm, in this repository.
const HTTPBIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/httpbin");

/// The tinyproxy example charm, in this repository.
const TINYPROXY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/tinyproxy");
/// This repository's ops-runtime, for `init --ops-path`.
const OPS_RUNTIME: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ops-runtime");

/// Runs `cargo-charm args` with no colour settings from the environment.
fn run(args: &[&str]) -> Output {
    run_with(args, &[])
}

/// Runs `cargo-charm args` with the environment's colour settings replaced by `env`.
fn run_with(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(args)
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("run cargo-charm")
}

/// Whether `bytes` hold an ANSI escape sequence.
fn has_escapes(bytes: &[u8]) -> bool {
    bytes.contains(&0x1b)
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

#[test]
fn metadata_prints_the_merged_model_as_json() {
    let dir = HTTPBIN;
    // As `cargo charm metadata DIR`: cargo passes the subcommand name first.
    let output = run(&["charm", "metadata", dir]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        text(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(json["name"], "httpbin");
    assert_eq!(json["config"]["options"]["log-level"]["default"], "info");
    assert_eq!(json["provides"]["website"]["interface"], "http");
    assert_eq!(json["containers"]["httpbin"]["resource"], "httpbin-image");
    assert_eq!(text(&output.stderr), "");

    // Invoked directly, the output is the same.
    let direct = run(&["metadata", dir]);
    assert_eq!(direct.status.code(), Some(0));
    assert_eq!(direct.stdout, output.stdout);
}

#[test]
fn metadata_prints_warnings_on_stderr() {
    // The legacy split layout, with a misspelt key and a default YAML reads as a number
    // unless told it is a string (as in Juju's own test charm `yaml-config`).
    let dir = scratch_dir("warnings");
    let metadata = dir.join("metadata.yaml");
    fs::write(
        &metadata,
        "name: yaml-config\nsummary: Edge cases of YAML config.\ndescription: |\n  A boring \
         charm.\nminjujuversion: \"1.0.0\"\n",
    )
    .expect("write metadata.yaml");
    fs::write(
        dir.join("config.yaml"),
        "options:\n  nonoctal:\n    default: 01182252\n    type: string\n    description: Not \
         valid octal, so a string.\n",
    )
    .expect("write config.yaml");
    let output = run(&["metadata", &dir.display().to_string()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        text(&output.stderr)
    );
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
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with("error: unrecognized subcommand 'publish'"),
        "{stderr}"
    );
    assert!(stderr.contains("Usage: cargo charm"), "{stderr}");
    assert_eq!(text(&output.stdout), "");

    let output = run(&["metadata", "a", "b"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("error: unexpected argument 'b' found"));

    let output = run(&["sim", "--config", "novalue"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("invalid value 'novalue' for '--config <KEY=VALUE>'"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn misspellings_get_a_suggestion() {
    for (args, wrong, right) in [
        (
            &["charm", "init", "demo", "--kubernets"][..],
            "'--kubernets'",
            "'--kubernetes'",
        ),
        (
            &["pack", "--manifest-pth", "x/Cargo.toml"],
            "'--manifest-pth'",
            "'--manifest-path'",
        ),
        (&["metdata"], "'metdata'", "'metadata'"),
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.starts_with("error: unexpected argument ")
                || stderr.starts_with("error: unrecognized subcommand "),
            "{stderr}"
        );
        assert!(stderr.contains(wrong), "{stderr}");
        assert!(
            stderr.contains("tip: a similar ") && stderr.contains(right),
            "{stderr}"
        );
    }
}

#[test]
fn help() {
    for args in [
        &["--help"][..],
        &["charm", "--help"],
        &["charm", "-h"],
        &[],
        &["charm"],
        &["help"],
    ] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let stdout = text(&output.stdout);
        assert!(
            stdout.starts_with("Tools for Juju charms written in Rust\n"),
            "{args:?}: {stdout}"
        );
        assert!(
            stdout.contains("Usage: cargo charm [OPTIONS] [COMMAND]"),
            "{args:?}: {stdout}"
        );
        for line in [
            "  init      Create a new charm project",
            "  pack      Build the charm and pack it into a .charm file",
            "  check     Check a packed .charm for what keeps Juju from running it",
            "  metadata  Print the charm's merged metadata as JSON",
            "  sim       Build the charm and run it through a simulated Juju",
            "  -q, --quiet",
            "  -v, --verbose",
            "      --color <WHEN>",
            "  -V, --version",
        ] {
            assert!(stdout.contains(line), "{args:?}: {line}: {stdout}");
        }
        assert!(!has_escapes(&output.stdout), "{args:?}");
    }
    // Each command's long help keeps its description; `help COMMAND` is the same.
    for (command, usage, details) in [
        (
            "init",
            "Usage: cargo charm init [OPTIONS] <NAME>",
            &[
                "is its own Cargo workspace",
                "--kubernetes",
                "[default: the ops-runtime of the checkout cargo-charm was built from]",
            ][..],
        ),
        (
            "pack",
            "Usage: cargo charm pack [OPTIONS] [DIR]",
            &[
                "packing twice\ngives the same bytes",
                "--manifest-path <PATH>",
                "- script: `dispatch` is a shell script that execs `bin/<name>`",
                "(src/grafana_dashboards,\nsrc/prometheus_alert_rules, src/loki_alert_rules)",
                "  [package.metadata.charm]\n  include = [\"src/templates\", \"files/*.conf\"]",
            ],
        ),
        (
            "check",
            "Usage: cargo charm check [OPTIONS] <FILE>",
            &["Checks what `charmcraft analyse` does not"],
        ),
        (
            "metadata",
            "Usage: cargo charm metadata [OPTIONS] [DIR]",
            &[
                "merges them the way charmcraft does",
                "--manifest-path <PATH>",
            ],
        ),
        (
            "sim",
            "Usage: cargo charm sim [OPTIONS] [DIR]",
            &[
                "A scenario (--scenario FILE) is a YAML list of steps:",
                "  - relation-joined: {endpoint: db, remote_app: pg, remote_unit: pg/0",
                "  - storage-attached: data         # or data/N",
                "OPS_RUNTIME_CONTAINERS_DIR",
                "With --prebuilt, nothing is built",
                "--on-host",
                "instead of recording fakes",
            ],
        ),
    ] {
        let long = run(&["charm", command, "--help"]);
        assert_eq!(long.status.code(), Some(0), "{command}");
        let stdout = text(&long.stdout);
        assert!(stdout.contains(usage), "{command}: {stdout}");
        for detail in details {
            assert!(stdout.contains(detail), "{command}: {detail}: {stdout}");
        }
        let via_help = run(&["help", command]);
        assert_eq!(via_help.status.code(), Some(0), "{command}");
        assert_eq!(text(&via_help.stdout), stdout, "{command}");

        // `-h` is the summary: the usage and one line per option.
        let short = run(&[command, "-h"]);
        assert_eq!(short.status.code(), Some(0), "{command}");
        let summary = text(&short.stdout);
        assert!(summary.contains(usage), "{command}: {summary}");
        assert!(summary.len() < stdout.len(), "{command}: {summary}");
        assert!(
            summary.lines().all(|line| line.chars().count() <= 100),
            "{command}: lines over 100 columns: {summary}"
        );
    }
}

#[test]
fn version() {
    for args in [&["--version"][..], &["charm", "-V"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert_eq!(
            text(&output.stdout),
            format!("cargo-charm {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn manifest_path_selects_the_charm() {
    let manifest = format!("{TINYPROXY}/Cargo.toml");
    let output = run(&["charm", "metadata", "--manifest-path", &manifest]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(json["name"], "tinyproxy");

    let output = run(&["metadata", "--manifest-path", TINYPROXY]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("must be a path to a Cargo.toml file"),
        "{}",
        text(&output.stderr)
    );
    let output = run(&["metadata", HTTPBIN, "--manifest-path", &manifest]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("cannot be used with"),
        "{}",
        text(&output.stderr)
    );
}

/// `init` into a fresh scratch directory, with `options`; nothing is built.
fn init(name: &str, options: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = scratch_dir(name);
    let path = dir.join("demo").display().to_string();
    let mut args = vec!["charm"];
    args.extend(options);
    args.extend(["init", "demo", "--path", &path, "--ops-path", OPS_RUNTIME]);
    run_with(&args, env)
}

#[test]
fn status_lines_follow_color_and_quiet() {
    // Not a terminal, so no colour unless asked for.
    let plain = init("plain", &[], &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    let stderr = text(&plain.stderr);
    assert!(
        stderr.contains("     Created machine charm `demo`"),
        "{stderr}"
    );
    assert!(!has_escapes(&plain.stderr), "{stderr}");

    for (name, options, env) in [
        ("always", &["--color", "always"][..], &[][..]),
        ("always-env", &[], &[("CARGO_TERM_COLOR", "always")]),
        // The flag wins over the environment; NO_COLOR only tempers `auto`.
        (
            "always-over-env",
            &["--color=always"],
            &[("CARGO_TERM_COLOR", "never"), ("NO_COLOR", "1")],
        ),
    ] {
        let output = init(name, options, env);
        assert_eq!(output.status.code(), Some(0), "{name}");
        assert!(
            text(&output.stderr).contains("\x1b[1m\x1b[32m     Created\x1b[0m machine charm"),
            "{name}: {:?}",
            text(&output.stderr)
        );
    }
    for (name, options, env) in [
        ("never", &["--color", "never"][..], &[][..]),
        ("never-env", &[], &[("CARGO_TERM_COLOR", "never")]),
        ("no-color", &[], &[("NO_COLOR", "1")]),
    ] {
        let output = init(name, options, env);
        assert_eq!(output.status.code(), Some(0), "{name}");
        assert!(!has_escapes(&output.stderr), "{name}");
        assert!(text(&output.stderr).contains("Created"), "{name}");
    }

    // `-q` silences the status lines, before or after the command.
    let quiet = init("quiet", &["-q"], &[]);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert!(
        !text(&quiet.stderr).contains("Created"),
        "{}",
        text(&quiet.stderr)
    );
    let dir = scratch_dir("quiet-after");
    let path = dir.join("demo").display().to_string();
    let quiet = run(&[
        "init",
        "demo",
        "--path",
        &path,
        "--ops-path",
        OPS_RUNTIME,
        "--quiet",
    ]);
    assert_eq!(quiet.status.code(), Some(0), "{}", text(&quiet.stderr));
    assert!(
        !text(&quiet.stderr).contains("Created"),
        "{}",
        text(&quiet.stderr)
    );
}

#[test]
fn errors_follow_color() {
    let output = run(&["--color", "always", "init", "demo", "--kubernets"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).starts_with("\x1b[1m\x1b[31merror:"),
        "{:?}",
        text(&output.stderr)
    );
    let output = run_with(
        &["init", "demo", "--kubernets"],
        &[("CARGO_TERM_COLOR", "always")],
    );
    assert!(has_escapes(&output.stderr), "{:?}", text(&output.stderr));
    let output = run(&["--color", "never", "init", "demo", "--kubernets"]);
    assert!(!has_escapes(&output.stderr));

    // An error of the command itself, after parsing.
    let missing = scratch_dir("missing").join("nothing-here");
    let missing = missing.display().to_string();
    let output = run(&["--color=always", "sim", &missing]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("\x1b[1m\x1b[31merror\x1b[0m\x1b[1m:\x1b[0m "),
        "{:?}",
        text(&output.stderr)
    );
    let output = run_with(&["sim", &missing], &[("NO_COLOR", "1")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).starts_with("error: "),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn metadata_refuses_what_is_not_a_plain_file_in_the_charm() {
    // A FIFO as charmcraft.yaml: reading it would wait for a writer forever.
    let dir = scratch_dir("fifo");
    let fifo = dir.join("charmcraft.yaml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    let output = run(&["metadata", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: `{}` is a FIFO, not a regular file; metadata must be a plain file: replace \
             it with one\n",
            fifo.display()
        )
    );

    // A one-line "link" charmcraft.yaml that leads out of the directory.
    let root = scratch_dir("link-out");
    let dir = root.join("charm");
    fs::create_dir_all(&dir).expect("create the charm directory");
    fs::write(root.join("secret.yaml"), "name: x\n").expect("write secret.yaml");
    for target in [
        "../secret.yaml".to_owned(),
        root.join("secret.yaml").display().to_string(),
    ] {
        fs::write(dir.join("charmcraft.yaml"), &target).expect("write the link");
        let output = run(&["metadata", &dir.display().to_string()]);
        assert_eq!(output.status.code(), Some(1), "{target}");
        assert!(
            text(&output.stderr).starts_with(&format!(
                "error: `{}` holds only the path `{target}`",
                dir.join("charmcraft.yaml").display()
            )),
            "{}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn metadata_keeps_the_last_of_a_key_written_twice_with_a_warning() {
    let dir = scratch_dir("duplicates");
    fs::write(
        dir.join("metadata.yaml"),
        "name: demo\nsummary: s\ndescription: d\n",
    )
    .expect("write metadata.yaml");
    fs::write(
        dir.join("actions.yaml"),
        "backup:\n  description: first\nbackup:\n  description: second\n",
    )
    .expect("write actions.yaml");
    let output = run(&["metadata", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stderr),
        format!(
            "warning: {}:3:1: the key `backup` is written twice; the last one is used, as Juju \
             does: remove the other\n",
            dir.join("actions.yaml").display()
        )
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["actions"]["backup"]["description"], "second");
}

#[test]
fn metadata_refuses_deep_nesting_at_once() {
    let dir = scratch_dir("nested");
    let yaml = format!(
        "name: demo\nsummary: {}{}\n",
        "{a: ".repeat(20_000),
        "}".repeat(20_000)
    );
    fs::write(dir.join("charmcraft.yaml"), yaml).expect("write charmcraft.yaml");
    let output = run(&["metadata", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: {}:2:262: lists and mappings nest more than 64 levels deep here, the most a \
             metadata file may nest; flatten the value (no real metadata nests this deep)\n",
            dir.join("charmcraft.yaml").display()
        )
    );
}
