//! A local directory mounted into a harness container (ops.testing's
//! `Container(mounts=)`): what the test puts in it is in the container, and
//! what the charm changes there lands in it.

use std::fs;
use std::path::PathBuf;

use ops_runtime::pebble::MakeDirOptions;
use ops_runtime::testing::{Container, Context, RunError, State};
use ops_runtime::*;

#[derive(Default)]
struct Mounted;

#[charm(metadata_source = r#"
name: mounted
containers:
  db:
    resource: db-image
    mounts:
      - storage: data
        location: /var/lib/db
resources:
  db-image:
    type: oci-image
storage:
  data:
    type: filesystem
"#)]
impl Mounted {
    #[on(db_pebble_ready)]
    fn ready(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        let db = cx.container(Self::CONTAINER_DB);
        let seed = db.pull("/var/lib/db/seed.txt")?;
        let listed = db
            .list_files("/var/lib/db/conf", &Default::default())?
            .into_iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(",");
        db.write_file(
            "/var/lib/db/out/result.txt",
            String::from_utf8_lossy(&seed).to_uppercase(),
        )?;
        db.make_dir("/var/lib/db/logs", &MakeDirOptions::default())?;
        db.remove_path("/var/lib/db/stale.txt", false)?;
        db.remove_path("/var/lib/db/cache", true)?;
        // Outside the mount: in the container only.
        db.write_file("/etc/db.conf", "port 5432\n")?;
        cx.set_workload_version(&listed)?;
        Ok(())
    }
}

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ops-mount-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_mounted_directory_is_the_containers_and_takes_the_charms_changes() {
    let dir = scratch("changes");
    fs::write(dir.join("seed.txt"), "hello").unwrap();
    fs::write(dir.join("stale.txt"), "old").unwrap();
    fs::create_dir_all(dir.join("conf")).unwrap();
    fs::write(dir.join("conf/a.conf"), "").unwrap();
    fs::write(dir.join("conf/b.conf"), "").unwrap();
    fs::create_dir_all(dir.join("cache/deep")).unwrap();
    fs::write(dir.join("cache/deep/x"), "x").unwrap();

    let db = Container::new("db").with_mount("/var/lib/db", &dir);
    let event = db.pebble_ready_event();
    let mut ctx = Context::<Mounted>::new();
    let out = ctx.run(event, State::new().with_container(db)).unwrap();

    // The charm read what the test put in the directory.
    assert_eq!(out.workload_version.as_deref(), Some("a.conf,b.conf"));
    // Its changes under the mount are in the directory...
    assert_eq!(
        fs::read_to_string(dir.join("out/result.txt")).unwrap(),
        "HELLO"
    );
    assert!(dir.join("logs").is_dir());
    assert!(!dir.join("stale.txt").exists());
    assert!(!dir.join("cache").exists());
    assert_eq!(fs::read_to_string(dir.join("seed.txt")).unwrap(), "hello");
    // ...and in the output container, with what is outside the mount.
    let after = out.container("db").unwrap();
    assert_eq!(
        after.file("/var/lib/db/out/result.txt"),
        Some(&b"HELLO"[..])
    );
    assert_eq!(after.file("/etc/db.conf"), Some(&b"port 5432\n"[..]));
    assert!(!dir.join("etc").exists());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_mount_whose_source_is_not_a_directory_is_inconsistent() {
    let dir = scratch("missing");
    let file = dir.join("not-a-dir");
    fs::write(&file, "").unwrap();
    let db = Container::new("db")
        .with_mount("/var/lib/db", dir.join("absent"))
        .with_mount("/srv", &file);
    let event = db.pebble_ready_event();
    let mut ctx = Context::<Mounted>::new();
    let Err(RunError::Inconsistent(problems)) = ctx.run(event, State::new().with_container(db))
    else {
        panic!("a mount of a missing directory should be refused before the run");
    };
    let text = problems.join("\n");
    assert!(
        text.contains("mounts") && text.contains("/var/lib/db"),
        "{text}"
    );
    assert!(
        text.contains("/srv") && text.contains("not a directory"),
        "{text}"
    );
    fs::remove_dir_all(&dir).unwrap();
}
