//! The project's files a charm ships besides its binary and metadata: the data
//! directories ops-interfaces reads from the charm's directory, and what
//! `[package.metadata.charm] include` lists. `pack` zips them at their paths and
//! `sim` lays them out in its charm directory.
//!
//! The charm here is a package whose binary does nothing: `pack` only needs a binary
//! to build, and `sim` runs a shell script (`--prebuilt`) that reads the files. The
//! release build goes to `target/pack-tests`, as the other pack tests' does.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use zip::ZipArchive;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cargo-charm-files")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create a directory");
    fs::write(path, content).expect("write a file");
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

/// A charm project in `dir`: charmcraft.yaml, a package (its own workspace) whose
/// Cargo.toml ends with `metadata`, a dashboard and the files `metadata` may list.
fn project(dir: &Path, metadata: &str) {
    write(
        dir,
        "charmcraft.yaml",
        &format!(
            "name: datacharm\nsummary: s\ndescription: d\nbase: ubuntu@24.04\nplatforms:\n  \
             {}:\n",
            host_arch()
        ),
    );
    write(
        dir,
        "Cargo.toml",
        &format!(
            "[package]\nname = \"datacharm\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\
             publish = false\n\n[workspace]\n\n{metadata}"
        ),
    );
    write(dir, "src/main.rs", "fn main() {}\n");
    write(
        dir,
        "src/grafana_dashboards/demo.json",
        "{\"title\": \"Demo\"}\n",
    );
    write(dir, "src/templates/page.html.j2", "<p>{{ name }}</p>\n");
    write(dir, "files/app.conf", "port = 80\n");
    write(dir, "files/notes.txt", "not shipped\n");
    write(dir, "files/reload.sh", "#!/bin/sh\n");
    fs::set_permissions(
        dir.join("files/reload.sh"),
        fs::Permissions::from_mode(0o755),
    )
    .expect("make reload.sh executable");
}

const INCLUDE: &str =
    "[package.metadata.charm]\ninclude = [\"src/templates\", \"files/*.conf\", \"files/*.sh\"]\n";

fn pack(dir: &Path, out: &Path) -> Output {
    crate::cargo_charm_command()
        .args(["charm", "pack"])
        .arg(dir)
        .arg("--out")
        .arg(out)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(WORKSPACE).join("target/pack-tests"),
        )
        .output()
        .expect("run cargo-charm")
}

/// Each entry's name, Unix mode and content.
fn entries(path: &Path) -> Vec<(String, Option<u32>, Vec<u8>)> {
    let mut zip = ZipArchive::new(fs::File::open(path).expect("open the charm")).expect("a zip");
    (0..zip.len())
        .map(|index| {
            let mut file = zip.by_index(index).expect("an entry");
            let mut data = Vec::new();
            file.read_to_end(&mut data).expect("inflate an entry");
            (file.name().to_owned(), file.unix_mode(), data)
        })
        .collect()
}

#[test]
fn pack_ships_the_dashboards_and_the_listed_files_at_their_paths() {
    let dir = scratch("pack");
    project(&dir, INCLUDE);
    let out = dir.join("out");
    let output = pack(&dir, &out);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "pack failed:\n{stderr}");
    let charm = PathBuf::from(text(&output.stdout).trim());
    assert_eq!(charm, out.join(format!("datacharm_{}.charm", host_arch())));

    for line in [
        "   Including src/grafana_dashboards/ (1 file, 18 B)\n",
        "   Including src/templates (1 file, 18 B)\n",
        "   Including files/*.conf (1 file, 10 B)\n",
        "   Including files/*.sh (1 file, 10 B)\n",
    ] {
        assert!(stderr.contains(line), "{line:?} in:\n{stderr}");
    }

    let entries = entries(&charm);
    let names: Vec<&str> = entries.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dispatch",
            "files/app.conf",
            "files/reload.sh",
            "manifest.yaml",
            "metadata.yaml",
            "src/grafana_dashboards/demo.json",
            "src/templates/page.html.j2",
        ]
    );
    let entry = |wanted: &str| {
        entries
            .iter()
            .find(|(name, ..)| name == wanted)
            .expect("the entry")
    };
    assert_eq!(
        entry("src/grafana_dashboards/demo.json").2,
        b"{\"title\": \"Demo\"}\n"
    );
    assert_eq!(
        entry("src/templates/page.html.j2").2,
        b"<p>{{ name }}</p>\n"
    );
    assert_eq!(entry("files/app.conf").1, Some(0o100_644));
    assert_eq!(entry("files/reload.sh").1, Some(0o100_755));

    // `cargo charm check` passes the charm with its data files.
    let output = crate::cargo_charm_command()
        .args(["charm", "check"])
        .arg(&charm)
        .output()
        .expect("run cargo-charm");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("7 entries"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_missing_include_fails_before_building_and_names_it() {
    let dir = scratch("missing");
    project(
        &dir,
        "[package.metadata.charm]\ninclude = [\"src/templates\", \"src/static\"]\n",
    );
    let out = dir.join("out");
    let output = pack(&dir, &out);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            "error: Cargo.toml: `[package.metadata.charm] include` lists `src/static`, but `{}` \
             does not exist; create it or remove it from the list\n",
            dir.join("src/static").display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("Building"), "{stderr}");
    assert!(!out.exists());

    // A typo in the table's key is an error too, not a silently empty list.
    let dir = scratch("typo");
    project(
        &dir,
        "[package.metadata.charm]\nincludes = [\"src/templates\"]\n",
    );
    let output = pack(&dir, &dir.join("out"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains(
            "error: Cargo.toml: `[package.metadata.charm]` has no key `includes`; cargo-charm \
             reads `include`"
        ),
        "{}",
        text(&output.stderr)
    );
}

/// Logs the dashboard and the listed template from the charm directory on install.
const READER: &str = r#"#!/bin/sh
if [ "$JUJU_DISPATCH_PATH" = hooks/install ]; then
  juju-log "dashboard $(cat "$JUJU_CHARM_DIR/src/grafana_dashboards/demo.json")"
  juju-log "template $(cat "$JUJU_CHARM_DIR/src/templates/page.html.j2")"
  juju-log "conf $(cat "$JUJU_CHARM_DIR/files/app.conf")"
  [ -e "$JUJU_CHARM_DIR/files/notes.txt" ] && juju-log "notes shipped"
fi
exit 0
"#;

#[test]
fn sim_lays_out_the_same_files_in_its_charm_directory() {
    let dir = scratch("sim");
    let charm = dir.join("charm");
    project(&charm, INCLUDE);
    let script = dir.join("dispatch");
    fs::write(&script, READER).expect("write the script charm");
    let output = crate::cargo_charm_command()
        .arg("sim")
        .arg(&charm)
        .arg("--prebuilt")
        .arg(&script)
        .arg("-v")
        .output()
        .expect("run cargo charm sim");
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for line in [
        "  juju-log  INFO dashboard {\"title\": \"Demo\"}\n",
        "  juju-log  INFO template <p>{{ name }}</p>\n",
        "  juju-log  INFO conf port = 80\n",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("notes shipped"), "{stdout}");
    assert!(
        stderr.contains("   Including src/grafana_dashboards/ (1 file, 18 B)\n"),
        "{stderr}"
    );
}
