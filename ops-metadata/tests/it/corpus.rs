//! Loads every charm of the shared corpus of real charm metadata and checks facts about it.
//!
//! The corpus (the metadata of 32 real charms) lives outside this repository, so these
//! tests are opt-in: `OPS_CHARM_CORPUS=DIR cargo test -p ops-metadata -- --ignored` runs
//! them against DIR, and fails if it is missing. `.ci/run` runs them on
//! `../shared/charm-corpus`.

use std::path::PathBuf;

use ops_metadata::{
    Assumption, Base, CharmMetadata, CharmUser, ConfigType, ConfigValue, ParamType, RelationRole,
    RelationScope, ResourceKind, SourceKind, StorageKind, StorageRange, VersionConstraint,
    VersionOp,
};

/// The corpus directory named by `OPS_CHARM_CORPUS`.
fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("OPS_CHARM_CORPUS")
        .map(PathBuf::from)
        .expect("OPS_CHARM_CORPUS names the directory of the real-charm corpus");
    assert!(
        dir.is_dir(),
        "OPS_CHARM_CORPUS: no directory at {}",
        dir.display()
    );
    dir
}

/// The corpus's charm directories, sorted by name.
fn charm_dirs() -> Vec<PathBuf> {
    let corpus = corpus_dir();
    let entries = std::fs::read_dir(&corpus).unwrap_or_else(|error| {
        panic!(
            "the charm corpus must exist at {}: {error}",
            corpus.display()
        )
    });
    let mut dirs: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable corpus entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn load(charm: &str) -> CharmMetadata {
    let dir = corpus_dir().join(charm);
    CharmMetadata::load_dir(&dir).unwrap_or_else(|error| panic!("{charm}: {error}"))
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn every_corpus_charm_loads() {
    let dirs = charm_dirs();
    assert_eq!(dirs.len(), 32, "the corpus has 32 charms");
    let mut failures = Vec::new();
    let (mut options, mut actions, mut params, mut endpoints) = (0, 0, 0, 0);
    for dir in &dirs {
        match CharmMetadata::load_dir(dir) {
            Ok(charm) => {
                options += charm.config.len();
                actions += charm.actions.len();
                params += charm
                    .actions
                    .values()
                    .map(|action| action.params.len())
                    .sum::<usize>();
                endpoints += charm.relations().count();
                let json = serde_json::to_value(&charm).expect("the model serializes");
                assert_eq!(json["name"], charm.name.as_str());
            }
            Err(error) => failures.push(format!("{}: {error}", dir.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "charms that failed to load:\n{}",
        failures.join("\n")
    );
    // The totals counted by the field survey (charm-metadata-schema.md).
    assert_eq!((options, actions, params, endpoints), (415, 90, 121, 211));
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn only_real_oddities_warn() {
    let mut warnings = Vec::new();
    for dir in charm_dirs() {
        let charm = CharmMetadata::load_dir(&dir).expect("corpus charms load");
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        warnings.extend(
            charm
                .warnings
                .iter()
                .map(|w| format!("{name}: {}", w.message)),
        );
    }
    assert_eq!(
        warnings,
        [
            "hydra: unknown JSON-Schema keyword `actions.rotate-key.params.algorithm.enumerate` \
             is ignored; did you mean `enum`?",
            "juju-all-charm-data: container `containers.snappass` has both `resource` and \
             `bases`; keep only one",
            "juju-all-charm-data: unknown key `peer`; did you mean `peers`?",
            "juju-yaml-config: unknown key `minjujuversion`; did you mean `min-juju-version`?",
            "ops-test-main: container `containers.test` has neither `resource` nor `bases`; add \
             `resource: <oci-image resource>`",
        ]
    );
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn postgresql_split_files() {
    let charm = load("postgresql");
    assert_eq!(charm.name, "postgresql");
    let kinds: Vec<SourceKind> = charm.sources.iter().map(|source| source.kind).collect();
    assert_eq!(kinds, SourceKind::ALL);
    assert_eq!(charm.config.len(), 173);
    assert_eq!(charm.actions.len(), 10);

    let database = charm.relation("database").expect("endpoint `database`");
    assert_eq!(
        (database.role, database.interface.as_str()),
        (RelationRole::Provides, "postgresql_client")
    );
    let certificates = &charm.requires["peer-certificates"];
    assert_eq!((certificates.limit, certificates.optional), (Some(1), true));
    let location = certificates.location.as_ref().expect("a location");
    assert!(location.file.ends_with("metadata.yaml"));
    assert_eq!((location.line, location.column), (61, 3));

    let param = &charm.actions["create-backup"].params["type"];
    assert_eq!(param.kind, Some(ParamType::String));
    let location = charm
        .position("actions.create-backup.params.type")
        .expect("a position");
    assert!(location.file.ends_with("actions.yaml"));
    assert_eq!((location.line, location.column), (7, 5));

    let data = &charm.storage["data"];
    assert_eq!(data.kind, StorageKind::Filesystem);
    assert_eq!(
        data.mount_location.as_deref(),
        Some("/var/snap/charmed-postgresql/common/var/lib/postgresql")
    );

    let floats = charm
        .config
        .values()
        .filter(|option| option.kind == ConfigType::Float)
        .count();
    assert_eq!(floats, 17);
    let cost = &charm.config["optimizer_cpu_operator_cost"];
    assert_eq!(cost.default, Some(ConfigValue::Float(0.0025)));
    assert!(
        charm
            .position("config.options.optimizer_cpu_operator_cost")
            .is_some_and(|l| l.file.ends_with("config.yaml"))
    );

    assert_eq!(charm.assumes.len(), 2);
    assert_eq!(
        charm.assumes[0],
        Assumption::Feature {
            name: "juju".into(),
            version: None
        }
    );
    assert_eq!(
        charm.links.contact,
        ["https://matrix.to/#/#charmhub-data-platform:ubuntu.com"]
    );
    assert_eq!(
        charm.platforms.keys().collect::<Vec<_>>(),
        ["ubuntu@24.04:amd64", "ubuntu@24.04:arm64"]
    );
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn vault_k8s_containers_and_storage() {
    let charm = load("vault-k8s");
    let vault = &charm.containers["vault"];
    assert_eq!(vault.resource.as_deref(), Some("vault-image"));
    let mounts: Vec<(&str, Option<&str>)> = vault
        .mounts
        .iter()
        .map(|m| (m.storage.as_str(), m.mount_location.as_deref()))
        .collect();
    assert_eq!(mounts[0], ("vault-raft", Some("/vault/raft")));
    assert_eq!(mounts.len(), 4);
    assert_eq!(charm.resources["vault-image"].kind, ResourceKind::OciImage);
    assert_eq!(
        charm.resources["vault-image"].upstream_source.as_deref(),
        Some("ghcr.io/canonical/vault:1.16.3")
    );
    assert_eq!(
        charm.storage["vault-raft"].minimum_size.as_deref(),
        Some("10G")
    );
    assert_eq!(charm.actions["authorize-charm"].required, ["secret-id"]);
    let location = vault.location.as_ref().expect("a location");
    assert_eq!((location.line, location.column), (27, 3));
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn metadata_split_between_charmcraft_and_metadata_yaml() {
    let charm = load("juju-dummy-storage");
    assert_eq!(charm.name, "dummy-storage");
    assert!(
        charm
            .position("name")
            .is_some_and(|l| l.file.ends_with("charmcraft.yaml"))
    );
    assert!(
        charm
            .position("storage.single-blk")
            .is_some_and(|l| l.file.ends_with("metadata.yaml") && l.line == 26)
    );
    let single = &charm.storage["single-blk"];
    assert_eq!(single.kind, StorageKind::Block);
    assert_eq!(
        single.multiple,
        Some(StorageRange {
            min: 0,
            max: Some(1)
        })
    );
    assert_eq!(charm.maintainers.len(), 2);
    assert_eq!(charm.base.as_deref(), Some("ubuntu@24.04"));
    assert!(charm.extra.contains_key("categories"));

    let sudoer = load("juju-sidecar-sudoer");
    assert_eq!(sudoer.charm_user, Some(CharmUser::Sudoer));
    assert_eq!(sudoer.containers["rootless"].uid, Some(10000));
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn legacy_metadata_shapes() {
    let wordpress = load("juju-wordpress-extra-bindings");
    assert_eq!(wordpress.peers["cluster"].interface, "wp-cluster");
    assert_eq!(wordpress.provides["url"].limit, None);
    assert_eq!(
        wordpress.provides["logging-dir"].scope,
        RelationScope::Container
    );
    assert_eq!(
        wordpress.extra_bindings.keys().collect::<Vec<_>>(),
        ["db-client", "admin-api", "foo-bar"]
    );

    let config = load("juju-yaml-config");
    assert_eq!(
        config.config["nonoctal"].default,
        Some(ConfigValue::String("01182252".into()))
    );
    assert_eq!(
        config.config["hexstring"].default,
        Some(ConfigValue::String("0xD06F00D".into()))
    );
    assert_eq!(config.extra["minjujuversion"], "1.0.0");

    let main = load("ops-test-main");
    assert_eq!(main.bases.len(), 1);
    assert!(matches!(&main.bases[0], Base::Run(spec) if spec.channel == "focal"));
    assert_eq!(
        main.storage["disks"].multiple,
        Some(StorageRange { min: 0, max: None })
    );
    assert!(main.containers["test"].resource.is_none());

    let pgbouncer = load("pgbouncer");
    assert_eq!(
        pgbouncer.display_name.as_deref(),
        Some("PgBouncer Machine Operator")
    );
    assert_eq!(
        pgbouncer.maintainers,
        ["Will Fitch <will.fitch@canonical.com>"]
    );
    assert_eq!(pgbouncer.links.website, ["https://www.pgbouncer.org/"]);

    let kcp = load("kubernetes-control-plane");
    assert_eq!(kcp.name, "kubernetes-master");
    assert_eq!(
        kcp.resources["kubectl"].filename.as_deref(),
        Some("kubectl.snap")
    );
    assert!(
        kcp.config["audit-policy"]
            .default
            .as_ref()
            .and_then(ConfigValue::as_str)
            .is_some_and(|p| p.contains("kind: Policy"))
    );
}

#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn unified_charmcraft_yaml() {
    let hydra = load("hydra");
    let timeout = &hydra.actions["run-migration"].params["timeout"];
    assert_eq!(timeout.kind, Some(ParamType::Number));
    assert_eq!(timeout.default, Some(serde_json::json!(120)));
    let grants = &hydra.actions["create-oauth-client"].params["grant-types"];
    assert_eq!(grants.kind, Some(ParamType::Array));
    assert_eq!(
        grants.default,
        Some(serde_json::json!(["authorization_code"]))
    );
    assert_eq!(
        hydra.actions["rotate-key"].params["algorithm"].schema["enumerate"][0],
        "RS256"
    );
    assert_eq!(
        hydra.config["jwt_access_tokens"].default,
        Some(ConfigValue::Boolean(true))
    );
    assert_eq!(
        hydra.assumes[0],
        Assumption::Feature {
            name: "juju".into(),
            version: Some(VersionConstraint {
                op: VersionOp::AtLeast,
                version: "3.0.2".into()
            })
        }
    );

    let agent = load("grafana-agent");
    assert!(agent.subordinate);
    assert_eq!(agent.requires["juju-info"].scope, RelationScope::Container);
    assert_eq!(agent.bases.len(), 4);
    assert_eq!(agent.bases[0].run_on()[0].architectures, ["arm64"]);
    assert_eq!(
        agent
            .summary
            .as_deref()
            .map(|s| s.ends_with("Grafana Agent.")),
        Some(true)
    );

    let flask = load("paas-flask-k8s");
    assert_eq!(flask.config["flask-secret-key-id"].kind, ConfigType::Secret);
    assert_eq!(flask.charm_libs[2].version, "0.35");

    let k8s = load("k8s");
    assert_eq!(
        k8s.platforms["ubuntu-22.04-arm64"].build_for,
        ["ubuntu@22.04:arm64"]
    );
    assert_eq!(
        k8s.links.issues,
        ["https://github.com/canonical/k8s-operator/issues"]
    );

    let e2e = load("kubernetes-e2e");
    assert_eq!(e2e.title, None);
    assert_eq!(
        e2e.actions["test"].params["focus"].default,
        Some(serde_json::json!("\\[Conformance\\]"))
    );

    let secrets = load("ops-test-secrets");
    assert!(secrets.actions["add-secret"].params.is_empty());

    let mysql = load("mysql-k8s");
    let Assumption::AnyOf(groups) = &mysql.assumes[1] else {
        panic!("an any-of group")
    };
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[1].to_string(), "all-of(juju >= 3.1.5, juju < 4)");
    assert_eq!(
        mysql.config["thing"].default,
        Some(ConfigValue::String("🎁".into()))
    );
}

/// Damaged metadata must produce errors, never panics: every corpus file is parsed cut
/// off after a line, and with a line's first character removed (for up to 40
/// lines per file).
#[test]
#[ignore = "needs the real-charm corpus: set OPS_CHARM_CORPUS and pass --ignored"]
fn mangled_corpus_files_never_panic() {
    let mut parsed = 0;
    for dir in charm_dirs() {
        for kind in SourceKind::ALL {
            let Ok(text) = std::fs::read_to_string(dir.join(kind.file_name())) else {
                continue;
            };
            let lines: Vec<&str> = text.lines().collect();
            let step = lines.len().div_ceil(40).max(1);
            for cut in (0..lines.len()).step_by(step) {
                let truncated = lines[..cut].join("\n");
                let shortened: String = lines[cut].chars().skip(1).collect();
                let mut damaged = lines.clone();
                damaged[cut] = &shortened;
                for variant in [truncated, damaged.join("\n")] {
                    parse_damaged(kind, &variant, lines.len());
                    parsed += 1;
                }
            }
        }
    }
    assert!(parsed > 1000, "only {parsed} variants were parsed");
}

fn parse_damaged(kind: SourceKind, text: &str, lines: usize) {
    let file = (kind, kind.file_name(), text);
    // config.yaml and actions.yaml get a name from a metadata.yaml, to be decoded in full.
    let sources = match kind {
        SourceKind::Config | SourceKind::Actions => {
            vec![(SourceKind::Metadata, "metadata.yaml", "name: x\n"), file]
        }
        SourceKind::Charmcraft | SourceKind::Metadata => vec![file],
    };
    if let Err(error) = CharmMetadata::from_sources(&sources) {
        let location = error.location().expect("errors in files have a location");
        assert!(location.line <= lines + 1, "{error}");
    }
}
