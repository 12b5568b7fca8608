//! `cargo charm pack` on the tinyproxy example: the built-in check passes, packing
//! twice gives the same bytes, and the layout is the one charmcraft.md describes.
//!
//! The release build of tinyproxy goes to `target/pack-tests` under the workspace, so
//! that it is compiled once and reused by later runs.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_serde::{Mapping, Value};
use zip::{DateTime, ZipArchive};

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const TINYPROXY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/tinyproxy");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-pack")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn cargo_charm(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(args)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(WORKSPACE).join("target/pack-tests"),
        )
        .output()
        .expect("run cargo-charm")
}

/// Packs `dir` into `out` and returns the path of the one `.charm` written.
fn pack(dir: &str, out: &Path, extra: &[&str]) -> (PathBuf, String) {
    let out_arg = out.display().to_string();
    let mut args = vec!["charm", "pack", dir, "--out", &out_arg];
    args.extend(extra);
    let output = cargo_charm(&args);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "pack failed:\n{stderr}");
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one charm expected: {stdout}");
    (PathBuf::from(lines[0]), stderr)
}

/// The Juju name of the architecture these tests run on.
fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        other => panic!("no Juju architecture for {other}"),
    }
}

/// Each entry's name, permission bits, "made by" system, timestamp and content.
struct Entry {
    name: String,
    mode: Option<u32>,
    modified: Option<DateTime>,
    data: Vec<u8>,
}

fn entries(path: &Path) -> Vec<Entry> {
    let mut zip = ZipArchive::new(fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|index| {
            let mut file = zip.by_index(index).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            Entry {
                name: file.name().to_owned(),
                mode: file.unix_mode(),
                modified: file.last_modified(),
                data,
            }
        })
        .collect()
}

/// The "made by" system byte of every central directory entry.
fn made_by_systems(bytes: &[u8]) -> Vec<u8> {
    let end = bytes
        .windows(4)
        .rposition(|window| window == b"PK\x05\x06")
        .expect("end of central directory");
    let count = u16::from_le_bytes([bytes[end + 10], bytes[end + 11]]);
    let mut at = u32::from_le_bytes(bytes[end + 16..end + 20].try_into().unwrap()) as usize;
    let mut systems = Vec::new();
    for _ in 0..count {
        assert_eq!(&bytes[at..at + 4], b"PK\x01\x02");
        systems.push(bytes[at + 5]);
        let len = |offset: usize| {
            usize::from(u16::from_le_bytes([
                bytes[at + offset],
                bytes[at + offset + 1],
            ]))
        };
        at += 46 + len(28) + len(30) + len(32);
    }
    systems
}

fn yaml(data: &[u8]) -> Value {
    yaml_serde::from_slice(data).expect("valid YAML")
}

fn charmcraft() -> Mapping {
    let text = fs::read_to_string(Path::new(TINYPROXY).join("charmcraft.yaml")).unwrap();
    yaml_serde::from_str(&text).unwrap()
}

#[test]
fn tinyproxy_packs_reproducibly_in_charmcraft_layout() {
    let first_dir = scratch("first");
    let (first, stderr) = pack(TINYPROXY, &first_dir, &[]);
    assert_eq!(
        first,
        first_dir.join(format!("tinyproxy_{}.charm", host_arch()))
    );
    for progress in ["Building tinyproxy", "Packing", "Checked"] {
        assert!(stderr.contains(progress), "{progress}: {stderr}");
    }
    assert!(
        stderr.contains("dispatch is the charm's")
            && !stderr.lines().any(|line| line.starts_with("error")),
        "{stderr}"
    );

    // Packing again gives the same bytes.
    let second_dir = scratch("second");
    let (second, _) = pack(TINYPROXY, &second_dir, &[]);
    let bytes = fs::read(&first).unwrap();
    assert!(
        bytes == fs::read(&second).unwrap(),
        "packing twice gave different bytes"
    );

    // The built-in check passes on its own too.
    let output = cargo_charm(&["check", &first.display().to_string()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    // Files only, sorted, Unix-made, 0644 or 0755, with the 1980 timestamp.
    let entries = entries(&first);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "actions.yaml",
            "config.yaml",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    for entry in &entries {
        let expected = if entry.name == "dispatch" {
            0o100_755
        } else {
            0o100_644
        };
        assert_eq!(entry.mode, Some(expected), "{}", entry.name);
        assert_eq!(entry.modified, Some(DateTime::default()), "{}", entry.name);
    }
    assert_eq!(made_by_systems(&bytes), [3; 5], "every entry made on Unix");
    let entry = |name: &str| &entries.iter().find(|e| e.name == name).unwrap().data;

    // The binary itself is dispatch.
    assert!(entry("dispatch").starts_with(b"\x7fELF"));

    // metadata.yaml: charmcraft.yaml's metadata keys, `title` as `display-name`,
    // sorted; no build keys.
    let source = charmcraft();
    let metadata_text = text(entry("metadata.yaml"));
    let metadata = yaml(entry("metadata.yaml"));
    let keys: Vec<&str> = metadata
        .as_mapping()
        .unwrap()
        .keys()
        .map(|key| key.as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        ["description", "display-name", "name", "provides", "summary"],
        "{metadata_text}"
    );
    assert_eq!(
        metadata["provides"]["website"]["interface"], "http",
        "{metadata_text}"
    );
    assert_eq!(metadata["display-name"], source["title"]);
    for key in ["name", "summary", "description"] {
        assert_eq!(metadata[key], source[key], "{key}");
    }

    // config.yaml and actions.yaml: the `config` and `actions` keys.
    assert_eq!(yaml(entry("config.yaml")), source["config"]);
    assert_eq!(yaml(entry("actions.yaml")), source["actions"]);

    // manifest.yaml: the bases from `base` and `platforms`, with a string channel,
    // and charmcraft's analysis attributes.
    let manifest_text = text(entry("manifest.yaml"));
    let manifest = yaml(entry("manifest.yaml"));
    let channel = source["base"]
        .as_str()
        .and_then(|base| base.strip_prefix("ubuntu@"))
        .unwrap();
    let bases = manifest["bases"].as_sequence().unwrap();
    assert_eq!(bases.len(), 1, "{manifest_text}");
    assert_eq!(bases[0]["name"], "ubuntu");
    assert_eq!(
        bases[0]["channel"],
        Value::String(channel.to_owned()),
        "{manifest_text}"
    );
    assert_eq!(
        bases[0]["architectures"],
        Value::Sequence(vec![host_arch().into()])
    );
    assert!(
        manifest_text.contains(&format!("channel: '{channel}'")),
        "{manifest_text}"
    );
    let attributes = &manifest["analysis"]["attributes"];
    assert_eq!(attributes[0]["name"], "language");
    assert_eq!(attributes[0]["result"], "unknown");
    assert_eq!(attributes[1]["name"], "framework");
}

#[test]
fn script_dispatch_runs_the_binary_in_bin() {
    let out = scratch("script");
    // Run from the charm's directory, with the default `.`.
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(["charm", "pack", "--dispatch", "script", "--out"])
        .arg(&out)
        .current_dir(TINYPROXY)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(WORKSPACE).join("target/pack-tests"),
        )
        .output()
        .expect("run cargo-charm");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "pack failed:\n{stderr}");
    let charm = PathBuf::from(text(&output.stdout).trim());
    assert_eq!(charm, out.join(format!("tinyproxy_{}.charm", host_arch())));
    assert!(
        stderr.contains("dispatch runs `./bin/tinyproxy`"),
        "{stderr}"
    );
    let entries = entries(&charm);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "actions.yaml",
            "bin/tinyproxy",
            "config.yaml",
            "dispatch",
            "manifest.yaml",
            "metadata.yaml"
        ]
    );
    let dispatch = entries.iter().find(|e| e.name == "dispatch").unwrap();
    assert_eq!(dispatch.data, b"#!/bin/sh\nexec ./bin/tinyproxy\n");
    assert_eq!(dispatch.mode, Some(0o100_755));
    let binary = entries.iter().find(|e| e.name == "bin/tinyproxy").unwrap();
    assert_eq!(binary.mode, Some(0o100_755));
    assert!(binary.data.starts_with(b"\x7fELF"));
}

#[test]
fn refuses_what_it_cannot_pack() {
    // A charm that is not a Rust project.
    let dir = scratch("no-cargo");
    fs::write(
        dir.join("charmcraft.yaml"),
        "name: demo\nsummary: s\ndescription: d\nbase: ubuntu@24.04\nplatforms:\n  amd64:\n",
    )
    .unwrap();
    let output = cargo_charm(&[
        "pack",
        &dir.display().to_string(),
        "--out",
        &dir.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("has no Cargo.toml"),
        "{}",
        text(&output.stderr)
    );

    // No summary: Juju would refuse the charm.
    fs::write(dir.join("charmcraft.yaml"), "name: demo\ndescription: d\n").unwrap();
    let output = cargo_charm(&["pack", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: charmcraft.yaml has no `summary`; Juju refuses a charm without one: add \
         `summary: ...` to it\n"
    );

    // No directory at all.
    let output = cargo_charm(&["pack", &dir.join("missing").display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).starts_with("error: no charm metadata in "));
}

/// A package in `dir` with a binary that does nothing, in a workspace of its own: what
/// `cargo metadata` needs before `pack` looks at the project's files. Nothing is built.
fn rust_package(dir: &Path) {
    fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("src/main.rs"), "fn main() {}\n").unwrap();
}

#[test]
fn refuses_names_and_links_that_leave_their_directories() {
    let metadata = |name: &str| {
        format!(
            "name: {name}\nsummary: s\ndescription: d\nbase: ubuntu@24.04\nplatforms:\n  {}:\n",
            host_arch()
        )
    };
    // A name that would put the `.charm` two directories above `--out`.
    let dir = scratch("bad-name");
    let out = dir.join("out");
    fs::write(dir.join("charmcraft.yaml"), metadata("../../x")).unwrap();
    fs::write(dir.join("Cargo.toml"), "").unwrap();
    let output = cargo_charm(&[
        "pack",
        &dir.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        "error: charmcraft.yaml: `../../x` is not a valid charm name: `.` is not a lowercase \
         letter, a digit or `-`; use lowercase letters, digits and single hyphens, starting with \
         a letter\n"
    );
    assert!(!dir.join("x_amd64.charm").exists() && !out.exists());

    // A LICENSE that is a symbolic link to a file outside the charm's directory.
    let root = scratch("link-out");
    let dir = root.join("charm");
    fs::create_dir_all(&dir).unwrap();
    fs::write(root.join("private"), "not for the charm").unwrap();
    fs::write(dir.join("charmcraft.yaml"), metadata("demo")).unwrap();
    rust_package(&dir);
    std::os::unix::fs::symlink(root.join("private"), dir.join("LICENSE")).unwrap();
    let output = cargo_charm(&["pack", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        text(&output.stderr),
        format!(
            "error: `{}` leads out of the charm's directory `{}` (it resolves to `{}`); `cargo \
             charm pack` packs only files inside it: copy the file in instead of linking to it\n",
            dir.join("LICENSE").display(),
            dir.display(),
            fs::canonicalize(root.join("private")).unwrap().display()
        )
    );

    // A platform name that would put the `.charm` outside `--out`.
    let dir = scratch("platform-out");
    fs::write(
        dir.join("charmcraft.yaml"),
        format!(
            "name: demo\nsummary: s\ndescription: d\nplatforms:\n  ../../x:\n    build-on: \
             [ubuntu@24.04:{arch}]\n    build-for: [ubuntu@24.04:{arch}]\n",
            arch = host_arch()
        ),
    )
    .unwrap();
    rust_package(&dir);
    let output = cargo_charm(&["pack", &dir.display().to_string()]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains(
            "error: the charm would be written as `demo_../../x.charm`, which is not a plain \
             file name"
        ),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn keys_written_twice_are_a_warning_as_in_juju() {
    let dir = scratch("duplicates");
    fs::write(
        dir.join("charmcraft.yaml"),
        "name: demo\nsummary: first\ndescription: d\nsummary: second\n",
    )
    .unwrap();
    // No Cargo.toml: pack stops after reading the metadata.
    let output = cargo_charm(&["pack", &dir.display().to_string()]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.starts_with(&format!(
            "warning: {}:4:1: the key `summary` is written twice; the last one is used, as Juju \
             does: remove the other\n",
            dir.join("charmcraft.yaml").display()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("has no Cargo.toml"), "{stderr}");
}
