//! Every kind of error, with its exact message.

use std::fs;
use std::path::PathBuf;

use ops_metadata::{CharmMetadata, Location, MetadataError, SourceKind};

/// Parses `yaml` as charmcraft.yaml and returns the error's message.
fn error(yaml: &str) -> String {
    match CharmMetadata::from_yaml_str("charmcraft.yaml", yaml) {
        Ok(charm) => panic!("expected an error, got {charm:#?}"),
        Err(error) => error.to_string(),
    }
}

/// A fresh directory under Cargo's scratch space for integration tests.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ops-metadata-errors")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

#[test]
fn wrong_type_of_a_known_key() {
    assert_eq!(
        error("name: x\nrequires: 5\n"),
        "charmcraft.yaml:2:1: `requires` must be a mapping, not the integer `5`; write the \
         entries of `requires` as indented `key: value` lines below it"
    );
    assert_eq!(
        error("name: x\nsubordinate: \"yes\"\n"),
        "charmcraft.yaml:2:1: `subordinate` must be `true` or `false`, not the string `yes`; \
         write `true` or `false` without quotes"
    );
    assert_eq!(
        error("name: x\nrequires:\n  db:\n    interface: mysql\n    limit: one\n"),
        "charmcraft.yaml:5:5: `requires.db.limit` must be a whole number of 0 or more, not the \
         string `one`; write a number such as `1`, without quotes"
    );
    assert_eq!(
        error("name: x\nrequires:\n  db: [mysql]\n"),
        "charmcraft.yaml:3:3: relation endpoint `requires.db` must be a mapping with an \
         `interface`, or the interface name, not a list; write `db: {interface: <interface-name>}`"
    );
}

#[test]
fn relation_without_interface_points_at_the_relation() {
    let yaml =
        "name: x\nprovides:\n  website:\n    interface: http\nrequires:\n  db:\n    limit: 1\n";
    let error = CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).unwrap_err();
    assert_eq!(
        error.location(),
        Some(&Location::new("charmcraft.yaml", 6, 3))
    );
    assert_eq!(error.key_path(), Some("requires.db"));
    assert_eq!(
        error.to_string(),
        "charmcraft.yaml:6:3: relation endpoint `requires.db` has no `interface`; add \
         `interface: <interface-name>` under `requires.db`"
    );
    // A key with no value at all is no better.
    assert_eq!(
        self::error("name: x\npeers:\n  cluster:\n"),
        "charmcraft.yaml:3:3: relation endpoint `peers.cluster` has no `interface`; add \
         `interface: <interface-name>` under `peers.cluster`"
    );
}

#[test]
fn invalid_keywords_suggest_or_list() {
    assert_eq!(
        error("name: x\nrequires:\n  db:\n    interface: mysql\n    scope: contianer\n"),
        "charmcraft.yaml:5:5: `requires.db.scope` is an unknown scope `contianer`; did you mean \
         `container`?"
    );
    assert_eq!(
        error("name: x\nstorage:\n  data:\n    type: disk\n"),
        "charmcraft.yaml:4:5: `storage.data.type` is an unknown storage type `disk`; use one of \
         `filesystem` or `block`"
    );
    assert_eq!(
        error("name: x\ncharm-user: nonroot\n"),
        "charmcraft.yaml:2:1: `charm-user` is an unknown charm user `nonroot`; did you mean \
         `non-root`?"
    );
}

#[test]
fn config_option_type_errors() {
    assert_eq!(
        error("name: x\nconfig:\n  options:\n    port:\n      default: 80\n"),
        "charmcraft.yaml:4:5: config option `config.options.port` has no `type`; add `type: \
         string` under `config.options.port` (or `int`, `float`, `boolean`, `secret`)"
    );
    assert_eq!(
        error("name: x\nconfig:\n  options:\n    port:\n      type: integer\n"),
        "charmcraft.yaml:5:7: `config.options.port.type` is an unknown config option type \
         `integer`; did you mean `int`?"
    );
    assert_eq!(
        error("name: x\nconfig:\n  options:\n    port:\n      type: number\n"),
        "charmcraft.yaml:5:7: `config.options.port.type` is an unknown config option type \
         `number`; use one of `string`, `int`, `float`, `boolean` or `secret`"
    );
}

#[test]
fn config_defaults_must_fit_their_type() {
    assert_eq!(
        error("name: x\nconfig:\n  options:\n    port:\n      type: int\n      default: \"80\"\n"),
        "charmcraft.yaml:6:7: `config.options.port.default` is the string `80`, which does not \
         fit the option's type `int`; write a whole number such as `0`, or remove the default"
    );
    assert_eq!(
        error("name: x\nconfig:\n  options:\n    ratio:\n      type: int\n      default: 0.5\n"),
        "charmcraft.yaml:6:7: `config.options.ratio.default` is the float `0.5`, which does not \
         fit the option's type `int`; write a whole number such as `0`, or remove the default"
    );
    assert_eq!(
        error(
            "name: x\nconfig:\n  options:\n    debug:\n      type: boolean\n      \
             default: \"true\"\n"
        ),
        "charmcraft.yaml:6:7: `config.options.debug.default` is the string `true`, which does \
         not fit the option's type `boolean`; write `true` or `false` without quotes, or remove \
         the default"
    );
    assert_eq!(
        error("name: x\nconfig:\n  options:\n    name:\n      type: string\n      default: [a]\n"),
        "charmcraft.yaml:6:7: `config.options.name.default` is a list, which does not fit the \
         option's type `string`; write a string in quotes, or remove the default"
    );
}

#[test]
fn invalid_yaml() {
    let error = CharmMetadata::from_yaml_str(
        "charmcraft.yaml",
        "name: x\nrequires:\n  db:\n interface: mysql\n",
    )
    .unwrap_err();
    assert!(matches!(error, MetadataError::Yaml { .. }));
    assert_eq!(
        error.to_string(),
        "charmcraft.yaml:4:2: invalid YAML: did not find expected key, while parsing a block \
         mapping; fix the YAML syntax there"
    );
    assert_eq!(
        self::error("name: x\nsummary: [a,\n"),
        "charmcraft.yaml:3:1: invalid YAML: did not find expected node content, while parsing a \
         flow node; fix the YAML syntax there"
    );
}

#[test]
fn yaml_duplicates_and_documents_point_at_the_culprit() {
    assert_eq!(
        error("name: x\nrequires:\n  db: mysql\n  web: http\n  db: pgsql\n"),
        "charmcraft.yaml:5:3: invalid YAML: the key `requires.db` is written twice; remove one of \
         the two"
    );
    assert_eq!(
        error("name: x\n---\nname: y\n"),
        "charmcraft.yaml:2:1: invalid YAML: the file holds more than one YAML document; remove \
         this `---` line and merge the documents into one"
    );
}

#[test]
fn root_must_be_a_mapping() {
    assert_eq!(
        error("# a list\n- name: x\n"),
        "charmcraft.yaml:2:1: the top level of `charmcraft.yaml` is a list, not a mapping; write \
         the metadata as `key: value` lines, starting with `name: <charm-name>`"
    );
    assert_eq!(
        error("charmcraft-22.04.yaml\n"),
        "charmcraft.yaml:1:1: the top level of `charmcraft.yaml` is the string \
         `charmcraft-22.04.yaml`, not a mapping; write the metadata as `key: value` lines, \
         starting with `name: <charm-name>`"
    );
}

#[test]
fn name_is_required() {
    assert_eq!(
        error("summary: nameless\n"),
        "charmcraft.yaml:1:1: the charm has no `name`; add `name: <charm-name>` at the top level \
         of charmcraft.yaml"
    );
    let error = CharmMetadata::from_sources(&[]).unwrap_err();
    assert_eq!(
        error.location(),
        Some(&Location::new("charmcraft.yaml", 1, 1))
    );
}

#[test]
fn a_key_in_two_files() {
    let error = CharmMetadata::from_sources(&[
        (
            SourceKind::Charmcraft,
            "charmcraft.yaml",
            "name: x\nsummary: s\n",
        ),
        (SourceKind::Metadata, "metadata.yaml", "# legacy\nname: x\n"),
    ])
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "metadata.yaml:2:1: `name` is defined in both `charmcraft.yaml` and `metadata.yaml`; \
         keep `name` in one file only (charmcraft refuses duplicates)"
    );
    let error = CharmMetadata::from_sources(&[
        (
            SourceKind::Charmcraft,
            "charmcraft.yaml",
            "name: x\nconfig:\n  options: {}\n",
        ),
        (SourceKind::Config, "config.yaml", "options: {}\n"),
    ])
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "config.yaml:1:1: `config` is defined in both `charmcraft.yaml` and `config.yaml`; keep \
         `config` in one file only (charmcraft refuses duplicates)"
    );
}

#[test]
fn references_between_sections() {
    let yaml = "name: x\ncontainers:\n  app:\n    resource: app-imag\n\
                resources:\n  app-image:\n    type: oci-image\n";
    assert_eq!(
        error(yaml),
        "charmcraft.yaml:4:5: container `containers.app` runs resource `app-imag`, which is not \
         declared under `resources`; did you mean `app-image`?"
    );
    let yaml = "name: x\ncontainers:\n  app:\n    mounts:\n      - storage: data\n\
                \x20       location: /data\n";
    assert_eq!(
        error(yaml),
        "charmcraft.yaml:5:9: container `containers.app` mounts storage `data`, which is not \
         declared under `storage`; declare `data` under `storage` with a `type`"
    );
    let yaml = "name: x\nrequires:\n  db: mysql\npeers:\n  db: cluster\n";
    assert_eq!(
        error(yaml),
        "charmcraft.yaml:5:3: endpoint `db` is declared under both `requires` and `peers`; \
         rename one of them: endpoint names are unique across a charm"
    );
}

#[test]
fn other_shape_errors() {
    assert_eq!(
        error("name: x\nresources:\n  snap:\n    type: file\n"),
        "charmcraft.yaml:3:3: file resource `resources.snap` has no `filename`; add `filename: \
         <file-name>` under `resources.snap`"
    );
    assert_eq!(
        error(
            "name: x\nstorage:\n  data:\n    type: filesystem\n    multiple:\n      range: 5-2\n"
        ),
        "charmcraft.yaml:6:7: `storage.data.multiple.range` is not a valid range: `5-2`; write \
         `<n>`, `<n>-<m>`, `<n>-` or `<n>+`, such as `0-1`"
    );
    assert_eq!(
        error("name: x\nassumes:\n  - juju <= 3.1\n"),
        "charmcraft.yaml:3:3: `assumes.0` is not a valid feature expression: `juju <= 3.1`; write \
         a feature such as `k8s-api`, or `juju >= <version>` or `juju < <version>` (the only \
         comparisons Juju supports)"
    );
    assert_eq!(
        error("name: x\nassumes:\n  - any_of: [k8s-api]\n"),
        "charmcraft.yaml:3:5: `assumes.0.any_of` is not an `assumes` group; did you mean `any-of`?"
    );
    assert_eq!(
        error("name: x\nactions:\n  backup:\n    params:\n      target:\n        type: int\n"),
        "charmcraft.yaml:6:9: `actions.backup.params.target.type` is an unknown JSON-Schema type \
         `int`; did you mean `integer`?"
    );
}

#[test]
fn missing_directory_and_unreadable_files() {
    let dir = scratch_dir("empty");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert!(matches!(error, MetadataError::NotFound { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "no charm metadata in `{}`: looked for `charmcraft.yaml` and `metadata.yaml`; run this \
             in the charm's directory or create `charmcraft.yaml` there",
            dir.display()
        )
    );
    assert_eq!(error.location(), None);

    // A directory where a file should be is not read.
    let dir = scratch_dir("directory");
    fs::create_dir(dir.join("charmcraft.yaml")).expect("create a directory");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "`{}` is a directory, not a regular file; metadata must be a plain file: replace it \
             with one",
            dir.join("charmcraft.yaml").display()
        )
    );

    // A file that is not UTF-8 cannot be read.
    let dir = scratch_dir("unreadable");
    fs::write(dir.join("charmcraft.yaml"), b"name: \xff\n").expect("write charmcraft.yaml");
    let error = CharmMetadata::load_dir(&dir).unwrap_err();
    assert!(matches!(&error, MetadataError::Io { path, .. } if path.ends_with("charmcraft.yaml")));
    let message = error.to_string();
    assert!(message.starts_with(&format!(
        "cannot read `{}`: ",
        dir.join("charmcraft.yaml").display()
    )));
    assert!(
        message.ends_with("; check that the file is readable"),
        "{message}"
    );
}
