//! Hostile and odd input: the limits, files that are not files, links out of the charm's
//! directory, and keys written twice.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use ops_metadata::limits::{self, Limit};
use ops_metadata::{CharmMetadata, DuplicateKeys, LoadOptions, MetadataError, SourceKind};

/// A fresh directory under Cargo's scratch space for integration tests.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ops-metadata-hostile")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn limit_of(error: &MetadataError) -> Option<Limit> {
    match error {
        MetadataError::Limit { limit, .. } => Some(*limit),
        _ => None,
    }
}

#[test]
fn deep_flow_nesting_is_refused_before_parsing() {
    // 40 KB of nesting took the parser 16 s.
    let yaml = format!(
        "name: x\nsummary: {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::Depth));
    assert_eq!(
        error.to_string(),
        "charmcraft.yaml:2:73: lists and mappings nest more than 64 levels deep here, the most \
         a metadata file may nest; flatten the value (no real metadata nests this deep)"
    );
    // Flow mappings, and nesting spread over lines, too.
    let yaml = format!("name: x\nsummary:\n{}\n", "  {a:\n".repeat(100));
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::Depth), "{error}");
}

#[test]
fn deep_block_nesting_is_refused() {
    let yaml = format!("name: x\nsummary:\n{}x\n", "- ".repeat(100));
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::Depth), "{error}");
    let mut yaml = String::from("name: x\n");
    for level in 0..100 {
        yaml.push_str(&format!("{}k{level}:\n", " ".repeat(level)));
    }
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::Depth), "{error}");
}

#[test]
fn nesting_up_to_the_limit_loads() {
    let depth = limits::MAX_DEPTH - 2;
    let yaml = format!(
        "name: x\nsummary: s\nparts:\n  p: {}1{}\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let charm = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml)
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(charm.parts.is_some());
}

#[test]
fn large_files_are_refused() {
    let yaml = format!(
        "name: x\ndescription: {}\n",
        "a".repeat(limits::MAX_FILE_SIZE)
    );
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::FileSize));
    assert_eq!(
        error.to_string(),
        "charmcraft.yaml:1:1: `charmcraft.yaml` is larger than 1048576 bytes, the most a \
         metadata file may hold; real metadata files are far smaller: check that this is the \
         right file"
    );
    // On disk, the file is not read past the limit.
    let dir = scratch_dir("large");
    fs::write(dir.join("charmcraft.yaml"), &yaml).expect("write charmcraft.yaml");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::FileSize));
    let location = error.location().expect("a location");
    assert_eq!(
        location.file,
        dir.join("charmcraft.yaml").display().to_string()
    );
}

#[test]
fn aliases_may_not_expand_without_bound() {
    let yaml = format!(
        "name: x\nsummary: &s {}\ndescription: [{}]\n",
        "s".repeat(10_000),
        vec!["*s"; 1000].join(", ")
    );
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::ExpandedSize), "{error}");
    assert!(
        error.to_string().contains(
            "`charmcraft.yaml` expands to more than 4194304 values and bytes of text once its \
             aliases (`*name`) are repeated"
        ),
        "{error}"
    );
    // A few aliases are fine.
    let yaml = "name: x\nsummary: &s text\ndescription: *s\n";
    let charm = CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).unwrap();
    assert_eq!(charm.description.as_deref(), Some("text"));
}

#[test]
fn long_keys_are_refused() {
    let yaml = format!(
        "name: x\nsummary: s\nrequires:\n  ? {}\n  : {{interface: x}}\n",
        "k".repeat(limits::MAX_KEY_LENGTH + 1)
    );
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::KeyLength), "{error}");
}

#[test]
fn a_fifo_or_a_device_is_not_read() {
    let dir = scratch_dir("fifo");
    let fifo = dir.join("charmcraft.yaml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success());
    // Reading the FIFO would block this test forever.
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is a FIFO, not a regular file; metadata must be a plain file: replace it with \
             one",
            fifo.display()
        )
    );
    let error = CharmMetadata::load_file(&fifo).unwrap_err();
    assert!(matches!(
        error,
        MetadataError::NotAFile { what: "a FIFO", .. }
    ));

    // A symbolic link to a device that never ends.
    let dir = scratch_dir("device");
    std::os::unix::fs::symlink("/dev/zero", dir.join("metadata.yaml")).expect("symlink");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert!(
        matches!(
            error,
            MetadataError::NotAFile {
                what: "a device",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn link_files_are_followed_only_inside_the_directory() {
    let root = scratch_dir("links");
    let dir = root.join("charm");
    fs::create_dir_all(dir.join("sub")).expect("create the charm directory");
    let metadata = "name: demo\nsummary: s\ndescription: d\n";
    fs::write(root.join("outside.yaml"), metadata).expect("write outside.yaml");
    fs::write(dir.join("sub/inside.yaml"), metadata).expect("write sub/inside.yaml");
    let outside = root.join("outside.yaml").display().to_string();
    for target in [
        "../outside.yaml",
        outside.as_str(),
        "sub/../../outside.yaml",
    ] {
        fs::write(dir.join("charmcraft.yaml"), target).expect("write the link");
        let error = CharmMetadata::load_dir(&dir).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "`{link}` holds only the path `{target}`, as a symbolic link checked out as a \
                 plain file does, but that path leads out of the charm's directory `{dir}`; \
                 links are followed only to files inside it: replace `{link}` with the file it \
                 names",
                link = dir.join("charmcraft.yaml").display(),
                dir = dir.display()
            )
        );
    }
    // A name inside the directory that is itself a symbolic link out.
    std::os::unix::fs::symlink(root.join("outside.yaml"), dir.join("escape.yaml"))
        .expect("symlink");
    fs::write(dir.join("charmcraft.yaml"), "escape.yaml").expect("write the link");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert!(
        matches!(error, MetadataError::LinkOutside { .. }),
        "{error}"
    );
    // Inside, even in a subdirectory, the link is followed.
    fs::write(dir.join("charmcraft.yaml"), "sub/inside.yaml\n").expect("write the link");
    let charm = CharmMetadata::load_dir(&dir).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(charm.name, "demo");
}

#[test]
fn duplicate_keys_are_an_error_by_default_and_a_warning_on_request() {
    let dir = scratch_dir("duplicates");
    fs::write(
        dir.join("metadata.yaml"),
        "name: demo\nsummary: s\ndescription: d\n",
    )
    .expect("write metadata.yaml");
    // As real charms ship it: an action written twice.
    fs::write(
        dir.join("actions.yaml"),
        "backup:\n  description: first\nrestore: {}\nbackup:\n  description: second\n",
    )
    .expect("write actions.yaml");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "{}:4:1: invalid YAML: the key `backup` is written twice; remove one of the two",
            dir.join("actions.yaml").display()
        )
    );

    let charm = LoadOptions::new()
        .duplicate_keys(DuplicateKeys::LastWins)
        .load_dir(&dir)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        charm.actions["backup"].description.as_deref(),
        Some("second")
    );
    let keys: Vec<&str> = charm.actions.keys().map(String::as_str).collect();
    assert_eq!(keys, ["backup", "restore"]);
    let warnings: Vec<String> = charm.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [format!(
            "{}:4:1: the key `backup` is written twice; the last one is used, as Juju does: \
             remove the other",
            dir.join("actions.yaml").display()
        )]
    );

    // Nested, and in memory.
    let charm = LoadOptions::new()
        .duplicate_keys(DuplicateKeys::LastWins)
        .load_sources(&[(
            SourceKind::Charmcraft,
            "charmcraft.yaml",
            "name: x\nsummary: s\ndescription: d\nrequires:\n  db: {interface: a}\n  db: \
             {interface: b}\n",
        )])
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(charm.requires["db"].interface, "b");
    assert_eq!(
        charm.warnings[0].to_string(),
        "charmcraft.yaml:6:3: the key `requires.db` is written twice; the last one is used, as \
         Juju does: remove the other"
    );
}

#[test]
fn read_yaml_reads_any_document_within_the_limits() {
    let options = LoadOptions::new().duplicate_keys(DuplicateKeys::LastWins);
    let (value, warnings) = options
        .read_yaml("manifest.yaml", "bases: [a]\nbases: [b]\n")
        .unwrap();
    assert_eq!(value["bases"][0].as_str(), Some("b"));
    assert_eq!(warnings.len(), 1);
    let deep = "[".repeat(100);
    let error = options.read_yaml("manifest.yaml", &deep).unwrap_err();
    assert_eq!(limit_of(&error), Some(Limit::Depth));
    let error = LoadOptions::new()
        .read_yaml("manifest.yaml", "a: 1\na: 2\n")
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "manifest.yaml:2:1: invalid YAML: the key `a` is written twice; remove one of the two"
    );
}

#[test]
fn long_lists_load_in_linear_time() {
    // Legacy link keys are merged into `links` without repeats; with a linear search per
    // link, 100 000 of them took minutes.
    let links: Vec<String> = (0..100_000).map(|at| format!("l{at}")).collect();
    let yaml = format!(
        "name: x\nsummary: s\nissues: [{}]\nlinks:\n  issues: [l0]\n",
        links.join(", ")
    );
    let charm = CharmMetadata::from_yaml_str("charmcraft.yaml", &yaml)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(charm.links.issues.len(), 100_000);
    assert_eq!(charm.links.issues[..2], ["l0", "l1"]);
}
