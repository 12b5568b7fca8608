//! Parsing, merging, warnings, positions and serialization.

use std::fs;
use std::path::PathBuf;

use ops_metadata::{
    Assumption, Base, CharmMetadata, ConfigType, ConfigValue, Location, ParamType, RelationRole,
    RelationScope, SourceFile, SourceKind, StorageRange, Warning,
};
use serde_json::json;

/// Parses `yaml` as charmcraft.yaml; a raw string's first newline is dropped, so line 1
/// is the line after `r#"`.
fn parse(yaml: &str) -> CharmMetadata {
    let yaml = yaml.strip_prefix('\n').unwrap_or(yaml);
    CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).unwrap_or_else(|error| panic!("{error}"))
}

/// A raw string without its first newline.
fn text(yaml: &str) -> &str {
    yaml.strip_prefix('\n').unwrap_or(yaml)
}

fn messages(charm: &CharmMetadata) -> Vec<String> {
    charm.warnings.iter().map(ToString::to_string).collect()
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("ops-metadata-model")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

#[test]
fn relation_string_shorthand() {
    let charm = parse(
        r#"
name: demo
summary: s
description: d
requires:
  db: mysql
  cache:
    interface: redis
    limit:
    optional: True
    scope: container
peers: {cluster: demo-peers}
"#,
    );
    let db = &charm.requires["db"];
    assert_eq!(
        (db.name.as_str(), db.interface.as_str(), db.role),
        ("db", "mysql", RelationRole::Requires)
    );
    assert_eq!(
        (db.limit, db.scope, db.optional),
        (None, RelationScope::Global, false)
    );
    assert_eq!(db.location, Some(Location::new("charmcraft.yaml", 5, 3)));
    let cache = &charm.requires["cache"];
    assert_eq!(
        (cache.limit, cache.scope, cache.optional),
        (None, RelationScope::Container, true)
    );
    let cluster = charm.relation("cluster").expect("a peer endpoint");
    assert_eq!(
        (cluster.interface.as_str(), cluster.role),
        ("demo-peers", RelationRole::Peer)
    );
    // Inside a flow mapping the endpoint takes the position of its section.
    assert_eq!(
        cluster.location,
        Some(Location::new("charmcraft.yaml", 11, 1))
    );
    let names: Vec<&str> = charm.relations().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["db", "cache", "cluster"]);
    assert!(charm.warnings.is_empty(), "{:?}", charm.warnings);
}

#[test]
fn keys_merge_per_key_across_files() {
    let charmcraft = r#"
type: charm
name: demo
summary: from charmcraft
bases:
  - build-on:
      - name: ubuntu
        channel: "22.04"
    run-on:
      - name: ubuntu
        channel: "22.04"
"#;
    let metadata = r#"
description: from metadata
requires:
  db:
    interface: mysql
storage:
  data:
    type: filesystem
"#;
    let config = r#"
options:
  # The log level.
  log-level:
    type: string
    default: info
    description: |
      not-a-key: inside a block scalar
  workers:
    type: float
    default: 4
"#;
    let actions = r#"
backup:
  description: Back up.
  params:
    target:
      type: [string, "null"]
  required: [target]
"#;
    let charm = CharmMetadata::from_sources(&[
        (SourceKind::Charmcraft, "charmcraft.yaml", text(charmcraft)),
        (SourceKind::Metadata, "metadata.yaml", text(metadata)),
        (SourceKind::Config, "config.yaml", text(config)),
        (SourceKind::Actions, "actions.yaml", text(actions)),
    ])
    .unwrap_or_else(|error| panic!("{error}"));

    assert_eq!(charm.name, "demo");
    assert_eq!(charm.kind.as_deref(), Some("charm"));
    assert_eq!(charm.summary.as_deref(), Some("from charmcraft"));
    assert_eq!(charm.description.as_deref(), Some("from metadata"));
    assert_eq!(charm.requires["db"].interface, "mysql");
    assert!(
        matches!(&charm.bases[0], Base::BuildRun { build_on, .. } if build_on[0].channel == "22.04")
    );
    assert_eq!(
        charm.config["log-level"].default,
        Some(ConfigValue::String("info".into()))
    );
    // An int default is fine for a float option.
    assert_eq!(charm.config["workers"].kind, ConfigType::Float);
    assert_eq!(
        charm.config["workers"].default,
        Some(ConfigValue::Float(4.0))
    );
    let target = &charm.actions["backup"].params["target"];
    assert_eq!(target.kind, None);
    assert_eq!(target.types, [ParamType::String, ParamType::Null]);
    assert_eq!(charm.actions["backup"].required, ["target"]);
    let sources: Vec<SourceFile> = charm.sources.clone();
    assert_eq!(
        sources[2],
        SourceFile {
            path: "config.yaml".into(),
            kind: SourceKind::Config
        }
    );

    // Every position names the file the key was written in.
    let at = |path: &str| charm.position(path).map(|l| l.to_string());
    assert_eq!(at("name").as_deref(), Some("charmcraft.yaml:2:1"));
    assert_eq!(
        at("bases.0.run-on.0.channel").as_deref(),
        Some("charmcraft.yaml:10:9")
    );
    assert_eq!(
        at("requires.db.interface").as_deref(),
        Some("metadata.yaml:4:5")
    );
    assert_eq!(at("config").as_deref(), Some("config.yaml:1:1"));
    assert_eq!(
        at("config.options.log-level").as_deref(),
        Some("config.yaml:3:3")
    );
    assert_eq!(
        at("config.options.workers.type").as_deref(),
        Some("config.yaml:9:5")
    );
    assert_eq!(
        at("actions.backup.params.target").as_deref(),
        Some("actions.yaml:4:5")
    );
    assert_eq!(
        charm.config["workers"].location,
        Some(Location::new("config.yaml", 8, 3))
    );
    // A block scalar's content is not read as keys: the lookup falls back to the key.
    assert_eq!(
        at("config.options.log-level.description.not-a-key").as_deref(),
        Some("config.yaml:6:5")
    );
    // Unknown paths fall back to their nearest known ancestor; unknown top-level keys to nothing.
    assert_eq!(
        at("config.options.missing").as_deref(),
        Some("config.yaml:1:1")
    );
    assert_eq!(at("containers.app"), None);
}

#[test]
fn empty_split_files_are_empty_mappings() {
    let charm = CharmMetadata::from_sources(&[
        (
            SourceKind::Metadata,
            "metadata.yaml",
            "name: demo\nsummary: s\ndescription: d\n",
        ),
        (SourceKind::Config, "config.yaml", "# nothing yet\n"),
        (SourceKind::Actions, "actions.yaml", ""),
    ])
    .unwrap_or_else(|error| panic!("{error}"));
    assert!(charm.config.is_empty() && charm.actions.is_empty());
    assert!(charm.warnings.is_empty());
}

#[test]
fn unknown_keys_warn_and_are_kept() {
    let charm = parse(
        r#"
name: demo
summary: s
description: d
peer:
  ha: {interface: cluster}
upstream: somewhere
requires:
  db:
    interface: mysql
    scop: container
resources:
  image:
    type: oci-image
    upstream-source: ghcr.io/x/y:1  # a tag
actions:
  run:
    title: Run it
    params:
      level:
        type: string
        enumerate: [a, b]
"#,
    );
    assert_eq!(
        messages(&charm),
        [
            "charmcraft.yaml:4:1: unknown key `peer`; did you mean `peers`?",
            "charmcraft.yaml:6:1: unknown key `upstream`; check its spelling or remove it",
            "charmcraft.yaml:10:5: unknown key `requires.db.scop`; did you mean `scope`?",
            "charmcraft.yaml:21:9: unknown JSON-Schema keyword \
             `actions.run.params.level.enumerate` is ignored; did you mean `enum`?",
        ]
    );
    assert_eq!(charm.extra["peer"], json!({"ha": {"interface": "cluster"}}));
    assert_eq!(charm.extra["upstream"], "somewhere");
    assert_eq!(charm.requires["db"].extra["scop"], "container");
    assert_eq!(charm.requires["db"].scope, RelationScope::Global);
    assert_eq!(
        charm.resources["image"].upstream_source.as_deref(),
        Some("ghcr.io/x/y:1")
    );
    assert_eq!(charm.actions["run"].extra["title"], "Run it");
    assert_eq!(
        charm.actions["run"].params["level"].schema["enumerate"],
        json!(["a", "b"])
    );
    assert_eq!(charm.actions["run"].params["level"].enum_values, None);
}

#[test]
fn soft_problems_are_warnings() {
    let charm = parse(
        r#"
name: Demo_Charm
config:
  options:
    version:
      type: string
      default: 1.10
bases:
  - name: ubuntu
    channel: 20.10
actions:
  go:
    params:
      n:
        type: integer
        default: fast
    required: [m]
"#,
    );
    assert_eq!(
        messages(&charm),
        [
            "charmcraft.yaml:6:7: `config.options.version.default` is written as the float `1.1`, \
             but the option is a `string`; write it in quotes (`default: \"1.10\"`)",
            "charmcraft.yaml:9:5: write the channel in quotes (`channel: \"20.10\"`); unquoted, \
             YAML reads it as a number",
            "charmcraft.yaml:15:9: `actions.go.params.n.default` is \"fast\", which is not of the \
             param's type `integer`",
            "charmcraft.yaml:16:5: `actions.go.required` names `m`, which is not a param; declare \
             it under `params` or remove it from `required`",
            "charmcraft.yaml:1:1: charm name `Demo_Charm` is not valid for charmcraft; use at most \
             40 lower-case letters, digits and single hyphens",
            "charmcraft.yaml:1:1: the charm has no `summary`; charmcraft requires one",
            "charmcraft.yaml:1:1: the charm has no `description`; charmcraft requires one",
        ]
    );
    // The value is taken as written, not as YAML's number.
    assert_eq!(
        charm.config["version"].default,
        Some(ConfigValue::String("1.10".into()))
    );
    assert!(matches!(&charm.bases[0], Base::Run(spec) if spec.channel == "20.10"));
}

#[test]
fn typed_sections() {
    let charm = parse(
        r#"
name: demo
summary: s
description: d
title: |
  Demo
maintainers: "Jo <jo@example.com>"
links:
  documentation: https://docs
  website:
  - https://a
  - https://b
docs: https://legacy-docs
source: https://src
assumes:
  - k8s-api
  - any-of:
      - juju >= 3.4
      - all-of: [juju >= 2.9.44, juju < 3]
containers:
  app:
    resource: app-image
    mounts:
      - storage: data
        location: /data
storage:
  data:
    type: filesystem
    multiple:
      range: 2+
  scratch:
    type: block
    multiple: {range: 3}
resources:
  app-image:
    type: oci-image
extra-bindings:
  public:
platforms:
  amd64:
  custom:
    build-on: [ubuntu@22.04:amd64]
    build-for: ubuntu@22.04:amd64
charm-user: non-root
"#,
    );
    assert_eq!(charm.title.as_deref(), Some("Demo"));
    assert_eq!(charm.maintainers, ["Jo <jo@example.com>"]);
    assert_eq!(charm.links.documentation.as_deref(), Some("https://docs"));
    assert_eq!(charm.links.website, ["https://a", "https://b"]);
    assert_eq!(charm.links.source, ["https://src"]);
    let rendered: Vec<String> = charm.assumes.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "k8s-api",
            "any-of(juju >= 3.4, all-of(juju >= 2.9.44, juju < 3))"
        ]
    );
    assert!(matches!(&charm.assumes[1], Assumption::AnyOf(items) if items.len() == 2));
    let app = &charm.containers["app"];
    assert_eq!(app.mounts[0].storage, "data");
    assert_eq!(
        app.mounts[0].location,
        Some(Location::new("charmcraft.yaml", 23, 7))
    );
    assert_eq!(
        charm.storage["data"].multiple,
        Some(StorageRange { min: 2, max: None })
    );
    assert_eq!(
        charm.storage["scratch"].multiple,
        Some(StorageRange {
            min: 3,
            max: Some(3)
        })
    );
    assert_eq!(
        charm.extra_bindings["public"].location,
        Some(Location::new("charmcraft.yaml", 37, 3))
    );
    assert!(charm.platforms["amd64"].build_on.is_empty());
    assert_eq!(charm.platforms["custom"].build_for, ["ubuntu@22.04:amd64"]);
    assert!(charm.warnings.is_empty(), "{:?}", charm.warnings);
}

#[test]
fn serializes_to_the_charmcraft_shape() {
    let charm = parse(
        r#"
name: demo
summary: s
description: d
requires:
  db: mysql
storage:
  data:
    type: filesystem
    location: /srv
    multiple:
      range: 0-
config:
  options:
    port:
      type: int
      default: 8080
actions:
  go:
    params:
      n: {type: integer, minimum: 1}
    additionalProperties: false
assumes:
  - all-of: [k8s-api]
parts:
  charm:
    plugin: charm
future-key: 1
"#,
    );
    let json = serde_json::to_value(&charm).expect("serializes");
    assert_eq!(
        json,
        json!({
            "name": "demo",
            "summary": "s",
            "description": "d",
            "subordinate": false,
            "assumes": [{"all-of": ["k8s-api"]}],
            "requires": {"db": {"interface": "mysql", "scope": "global", "optional": false}},
            "storage": {"data": {
                "type": "filesystem",
                "location": "/srv",
                "shared": false,
                "read-only": false,
                "multiple": {"range": "0+"},
            }},
            "config": {"options": {"port": {"type": "int", "default": 8080}}},
            "actions": {"go": {
                "params": {"n": {"type": "integer", "minimum": 1}},
                "additionalProperties": false,
            }},
            "parts": {"charm": {"plugin": "charm"}},
            "future-key": 1,
        })
    );
    assert_eq!(
        charm.actions["go"].json_schema(),
        json!({
            "type": "object",
            "properties": {"n": {"type": "integer", "minimum": 1}},
            "additionalProperties": false,
        })
    );
}

#[test]
fn load_dir_reads_the_split_layout() {
    let dir = scratch_dir("split");
    fs::write(dir.join("charmcraft.yaml"), "type: charm\nname: demo\n").expect("write");
    fs::write(dir.join("metadata.yaml"), "summary: s\ndescription: d\n").expect("write");
    fs::write(
        dir.join("config.yaml"),
        "options:\n  port:\n    type: int\n",
    )
    .expect("write");
    let charm = CharmMetadata::load_dir(&dir).unwrap_or_else(|error| panic!("{error}"));
    let kinds: Vec<SourceKind> = charm.sources.iter().map(|source| source.kind).collect();
    assert_eq!(
        kinds,
        [
            SourceKind::Charmcraft,
            SourceKind::Metadata,
            SourceKind::Config
        ]
    );
    assert_eq!(charm.sources[2].path, dir.join("config.yaml"));
    let location = charm.config["port"].location.clone().expect("a location");
    assert_eq!(
        location,
        Location::new(dir.join("config.yaml").display().to_string(), 2, 3)
    );

    let single = CharmMetadata::load_file(&dir.join("charmcraft.yaml"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        single.sources,
        [SourceFile {
            path: dir.join("charmcraft.yaml"),
            kind: SourceKind::Charmcraft
        }]
    );
}

#[test]
fn load_dir_follows_a_symlink_stored_as_text() {
    let dir = scratch_dir("link-text");
    fs::write(dir.join("charmcraft.yaml"), "charmcraft-22.04.yaml").expect("write");
    fs::write(
        dir.join("charmcraft-22.04.yaml"),
        "name: demo\nsummary: s\ndescription: d\n",
    )
    .expect("write");
    let charm = CharmMetadata::load_dir(&dir).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(charm.name, "demo");
    assert_eq!(charm.sources[0].path, dir.join("charmcraft-22.04.yaml"));
    assert_eq!(charm.warnings.len(), 1);
    let Warning { location, message } = &charm.warnings[0];
    assert_eq!(location.as_ref().map(|l| l.line), Some(1));
    assert!(
        message.starts_with("`charmcraft.yaml` holds only the file name `charmcraft-22.04.yaml`"),
        "{message}"
    );
}
