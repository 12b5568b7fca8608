//! `cargo charm check` on hand-made charms, each broken in one of the ways Juju
//! refuses and `charmcraft analyse` lets through.

use std::fs;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

use zip::write::SimpleFileOptions;
use zip::{System, ZipWriter};

const METADATA: &str = "name: demo\nsummary: A demo.\ndescription: A demo charm.\n";
const MANIFEST: &str = "bases:\n- name: ubuntu\n  channel: '24.04'\n  architectures:\n  - amd64\n";
const SCRIPT: &str = "#!/bin/sh\nexec ./bin/demo\n";

/// The start of an x86-64 ELF executable: enough for the architecture check.
fn elf_amd64() -> Vec<u8> {
    let mut header = vec![0_u8; 64];
    header[..4].copy_from_slice(b"\x7fELF");
    header[4] = 2; // 64-bit
    header[5] = 1; // little-endian
    header[18] = 62; // EM_X86_64
    header
}

/// One zip entry: name, content, Unix permissions, and the system it claims to be made on.
struct Entry {
    name: &'static str,
    data: Vec<u8>,
    mode: u32,
    system: System,
}

fn file(name: &'static str, data: impl Into<Vec<u8>>) -> Entry {
    Entry {
        name,
        data: data.into(),
        mode: 0o644,
        system: System::Unix,
    }
}

fn executable(name: &'static str, data: impl Into<Vec<u8>>) -> Entry {
    Entry {
        mode: 0o755,
        ..file(name, data)
    }
}

/// A charm with a script dispatch running `bin/demo`, valid in every respect.
fn valid() -> Vec<Entry> {
    vec![
        file("metadata.yaml", METADATA),
        file("manifest.yaml", MANIFEST),
        file(
            "config.yaml",
            "options:\n  port:\n    type: int\n    default: 80\n",
        ),
        executable("dispatch", SCRIPT),
        executable("bin/demo", elf_amd64()),
    ]
}

fn replace(mut entries: Vec<Entry>, new: Entry) -> Vec<Entry> {
    entries.retain(|entry| entry.name != new.name);
    entries.push(new);
    entries
}

fn without(mut entries: Vec<Entry>, name: &str) -> Vec<Entry> {
    entries.retain(|entry| entry.name != name);
    entries
}

fn write_charm(name: &str, entries: &[Entry]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-charm-check");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.charm"));
    let mut zip = ZipWriter::new(fs::File::create(&path).unwrap());
    for entry in entries {
        let options = SimpleFileOptions::default()
            .unix_permissions(entry.mode)
            .system(entry.system);
        zip.start_file(entry.name, options).unwrap();
        zip.write_all(&entry.data).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn check(name: &str, entries: &[Entry]) -> Output {
    let path = write_charm(name, entries);
    Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(["charm", "check"])
        .arg(&path)
        .output()
        .unwrap()
}

/// Runs the check and returns its stderr, asserting it failed.
fn errors(name: &str, entries: &[Entry]) -> String {
    let output = check(name, entries);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
    stderr
}

fn assert_error(stderr: &str, expected: &str) {
    assert!(
        stderr
            .lines()
            .any(|line| line.starts_with("error: ") && line.contains(expected)),
        "expected an error containing {expected:?} in:\n{stderr}"
    );
}

#[test]
fn a_valid_charm_passes() {
    let output = check("valid", &valid());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("Checked") && stderr.contains("5 entries; dispatch runs `./bin/demo`"),
        "{stderr}"
    );
    assert!(!stderr.contains("warning"), "{stderr}");

    let binary_dispatch = replace(
        without(valid(), "bin/demo"),
        executable("dispatch", elf_amd64()),
    );
    let output = check("binary-dispatch", &binary_dispatch);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("dispatch is the charm's amd64 binary"),
        "{stderr}"
    );
}

#[test]
fn a_dispatch_juju_cannot_execute() {
    let stderr = errors("dispatch-0644", &replace(valid(), file("dispatch", SCRIPT)));
    assert_error(
        &stderr,
        "dispatch: is not executable (mode 0644); Juju runs `dispatch` only when it is \
         executable",
    );

    // Unix permissions on an entry marked as made on MS-DOS: Juju ignores them.
    let dos = Entry {
        system: System::Dos,
        ..executable("dispatch", SCRIPT)
    };
    let stderr = errors("dispatch-dos", &replace(valid(), dos));
    assert_error(
        &stderr,
        "dispatch: is marked as made on MS-DOS, so Juju takes no Unix permissions from it",
    );
}

#[test]
fn a_dispatch_that_does_not_reach_the_binary() {
    let stderr = errors("no-binary", &without(valid(), "bin/demo"));
    assert_error(
        &stderr,
        "dispatch: runs `./bin/demo`, which is not in the charm",
    );

    let stderr = errors(
        "binary-0644",
        &replace(valid(), file("bin/demo", elf_amd64())),
    );
    assert_error(&stderr, "bin/demo: is not executable (mode 0644)");

    let stderr = errors(
        "dollar-at",
        &replace(
            valid(),
            executable("dispatch", "#!/bin/sh\nexec ./bin/demo \"$@\"\n"),
        ),
    );
    assert_error(
        &stderr,
        "dispatch: ends with `$@`, not with the program it runs",
    );

    let stderr = errors(
        "not-a-program",
        &replace(valid(), executable("dispatch", "just text\n")),
    );
    assert_error(&stderr, "dispatch: is neither a script");

    let stderr = errors("nothing-to-run", &without(valid(), "dispatch"));
    assert_error(
        &stderr,
        "dispatch: is missing, and there is no `hooks/` either",
    );
}

#[test]
fn a_binary_for_another_architecture() {
    let arm64 = MANIFEST.replace("amd64", "arm64");
    let stderr = errors(
        "wrong-arch",
        &replace(valid(), file("manifest.yaml", arm64)),
    );
    assert_error(
        &stderr,
        "bin/demo: is an amd64 binary, but manifest.yaml declares arm64",
    );
}

#[test]
fn a_missing_or_invalid_manifest() {
    let stderr = errors("no-manifest", &without(valid(), "manifest.yaml"));
    assert_error(&stderr, "manifest.yaml: is missing; Juju 4 refuses a charm");

    let float_channel = MANIFEST.replace("'24.04'", "24.04");
    let stderr = errors(
        "float-channel",
        &replace(valid(), file("manifest.yaml", float_channel)),
    );
    assert_error(
        &stderr,
        "has the channel 24.04 as a number, which Juju's schema refuses; quote it: '24.04'",
    );

    let stderr = errors(
        "no-bases",
        &replace(
            valid(),
            file("manifest.yaml", "charmcraft-version: 4.5.0\n"),
        ),
    );
    assert_error(&stderr, "manifest.yaml: has no `bases`");

    let centos = MANIFEST
        .replace("ubuntu", "centos")
        .replace("amd64", "i386");
    let stderr = errors("centos", &replace(valid(), file("manifest.yaml", centos)));
    assert_error(&stderr, "names `centos`; Juju 4 accepts only `ubuntu`");
    assert_error(
        &stderr,
        "lists the architecture `i386`, which Juju does not know",
    );
}

#[test]
fn a_missing_or_invalid_metadata_yaml() {
    let stderr = errors("no-metadata", &without(valid(), "metadata.yaml"));
    assert_error(
        &stderr,
        "metadata.yaml: is missing; Juju refuses a charm without it",
    );

    let stderr = errors(
        "bad-metadata",
        &replace(valid(), file("metadata.yaml", "name: [unclosed\n")),
    );
    assert_error(&stderr, ".charm: metadata.yaml:2:1: invalid YAML");

    let stderr = errors(
        "no-summary",
        &replace(
            valid(),
            file("metadata.yaml", "name: demo\ndescription: d\n"),
        ),
    );
    assert_error(
        &stderr,
        "metadata.yaml: has no `summary`; Juju refuses a charm without one",
    );

    let stderr = errors(
        "bad-name",
        &replace(
            valid(),
            file(
                "metadata.yaml",
                METADATA.replace("name: demo", "name: Demo_1"),
            ),
        ),
    );
    assert_error(&stderr, "`Demo_1` is not a valid charm name");

    let stderr = errors(
        "bad-config",
        &replace(
            valid(),
            file("config.yaml", "options:\n  port:\n    default: 80\n"),
        ),
    );
    assert_error(
        &stderr,
        ".charm: config.yaml:2:3: config option `config.options.port` has no `type`",
    );
}

#[test]
fn not_a_charm() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-charm-check");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("text.charm");
    fs::write(&path, "not a zip").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: cannot read `"), "{stderr}");
    assert!(stderr.contains("as a zip"), "{stderr}");
}

#[test]
fn hostile_yaml_costs_little() {
    // 40 KB of nesting compress to a few hundred bytes; the parser took seconds on it.
    let nested = format!(
        "name: demo\nsummary: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let stderr = errors("nested", &replace(valid(), file("metadata.yaml", nested)));
    assert_error(
        &stderr,
        ".charm: metadata.yaml:2:73: lists and mappings nest more than 64 levels deep here",
    );

    // A zip bomb: 16 MiB of spaces inflate from about 16 KB.
    let bomb = vec![b' '; 16 << 20];
    let stderr = errors("bomb", &replace(valid(), file("manifest.yaml", bomb)));
    assert_error(
        &stderr,
        "manifest.yaml: inflates to more than 1048576 bytes, the most a charm's YAML file may \
         hold",
    );

    // manifest.yaml is read within the same limits.
    let nested = format!("bases: {}\n", "[".repeat(1000));
    let stderr = errors(
        "nested-manifest",
        &replace(valid(), file("manifest.yaml", nested)),
    );
    assert_error(
        &stderr,
        ".charm: manifest.yaml:1:71: lists and mappings nest more than 64 levels deep here",
    );
}

#[test]
fn keys_written_twice_are_warnings_as_juju_keeps_the_last() {
    let actions = "backup:\n  description: first\nbackup:\n  description: second\n";
    let output = check(
        "duplicate-action",
        &replace(valid(), file("actions.yaml", actions)),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.lines().any(|line| line.starts_with("warning: ")
            && line.ends_with(
                ".charm: actions.yaml:3:1: the key `backup` is written twice; the last one is \
                 used, as Juju does: remove the other"
            )),
        "{stderr}"
    );
}

#[test]
fn a_fifo_is_not_opened() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-charm-check");
    fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("fifo.charm");
    let _ = fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Opening the FIFO would wait for a writer forever.
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-charm"))
        .args(["charm", "check"])
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "error: `{}` is not a regular file; give the path of a `.charm` file\n",
            fifo.display()
        )
    );
}
