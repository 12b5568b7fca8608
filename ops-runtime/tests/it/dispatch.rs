//! Dispatch of every event kind: `JUJU_*` variables in, the right handler
//! called with the right typed event.

use std::collections::BTreeMap;
use std::rc::Rc;

use ops_runtime::event::{NoticeRef, RelationRef, SecretRef, StorageRef};
use ops_runtime::testing::MemoryHookTools;
use ops_runtime::*;

/// Records every handler call as `(handler, event)`.
#[derive(Default)]
struct Recorder {
    calls: Vec<(&'static str, String)>,
}

impl Recorder {
    fn record(&mut self, handler: &'static str, event: impl std::fmt::Debug) {
        self.calls.push((handler, format!("{event:?}")));
    }
}

#[charm(metadata_source = r#"
name: recorder
requires:
  my-db:
    interface: pgsql
provides:
  website:
    interface: http
peers:
  cluster:
    interface: cluster
storage:
  data:
    type: filesystem
containers:
  web:
    resource: web-image
resources:
  web-image:
    type: oci-image
actions:
  do-backup: {}
"#)]
impl Recorder {
    #[on(
        install,
        start,
        stop,
        remove,
        config_changed,
        update_status,
        upgrade_charm,
        pre_series_upgrade,
        post_series_upgrade,
        leader_elected,
        leader_settings_changed,
        collect_metrics
    )]
    fn plain(&mut self, event: Event) {
        self.record("plain", event);
    }
    #[on(my_db_relation_created)]
    fn created(&mut self, e: RelationCreatedEvent) {
        self.record("created", e);
    }
    #[on(my_db_relation_joined)]
    fn joined(&mut self, e: RelationJoinedEvent) {
        self.record("joined", e);
    }
    #[on(website_relation_changed)]
    fn changed(&mut self, e: RelationChangedEvent) {
        self.record("changed", e);
    }
    #[on(cluster_relation_departed)]
    fn departed(&mut self, e: RelationDepartedEvent) {
        self.record("departed", e);
    }
    #[on(cluster_relation_broken)]
    fn broken(&mut self, e: RelationBrokenEvent) {
        self.record("broken", e);
    }
    #[on(data_storage_attached, data_storage_detaching)]
    fn storage(&mut self, e: StorageEvent) {
        self.record("storage", e);
    }
    #[on(web_pebble_ready)]
    fn ready(&mut self, e: PebbleReadyEvent) {
        self.record("ready", e);
    }
    #[on(web_pebble_custom_notice)]
    fn notice(&mut self, e: PebbleCustomNoticeEvent) {
        self.record("notice", e);
    }
    #[on(web_pebble_check_failed)]
    fn check_failed(&mut self, e: PebbleCheckFailedEvent) {
        self.record("check_failed", e);
    }
    #[on(web_pebble_check_recovered)]
    fn check_recovered(&mut self, e: PebbleCheckRecoveredEvent) {
        self.record("check_recovered", e);
    }
    #[on(secret_changed)]
    fn secret_changed(&mut self, e: SecretChangedEvent) {
        self.record("secret_changed", e);
    }
    #[on(secret_rotate)]
    fn secret_rotate(&mut self, e: SecretRotateEvent) {
        self.record("secret_rotate", e);
    }
    #[on(secret_remove)]
    fn secret_remove(&mut self, e: SecretRemoveEvent) {
        self.record("secret_remove", e);
    }
    #[on(secret_expired)]
    fn secret_expired(&mut self, e: SecretExpiredEvent) {
        self.record("secret_expired", e);
    }
    #[on(do_backup_action)]
    fn backup(&mut self, e: ActionEvent) {
        self.record("backup", e);
    }
    #[on(collect_unit_status)]
    fn unit_status(&mut self, _status: CollectStatus) {
        self.record("collect_unit_status", ());
    }
    #[on(collect_app_status)]
    fn app_status(&mut self, _status: CollectStatus) {
        self.record("collect_app_status", ());
    }
}

const UUID: &str = "7c2f6b0e-5d4a-4c1e-9f3a-2b8d1e6a0c44";

fn env(dispatch_path: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let hook = dispatch_path.strip_prefix("hooks/").unwrap_or_default();
    // The state file and its lock go to the charm directory: one outside the
    // source tree, shared by this binary's tests.
    let charm_dir = std::env::temp_dir().join(format!("ops-dispatch-tests-{}", std::process::id()));
    std::fs::create_dir_all(&charm_dir).unwrap();
    let charm_dir = charm_dir.display().to_string();
    [
        ("JUJU_DISPATCH_PATH", dispatch_path),
        ("JUJU_HOOK_NAME", hook),
        ("JUJU_UNIT_NAME", "recorder/1"),
        ("JUJU_MODEL_NAME", "m"),
        ("JUJU_MODEL_UUID", UUID),
        ("JUJU_VERSION", "3.6.4"),
        ("JUJU_CHARM_DIR", &charm_dir),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// Runs one dispatch and returns the handler calls, without collect-status.
fn dispatch(dispatch_path: &str, extra: &[(&str, &str)]) -> Vec<(&'static str, String)> {
    let juju = JujuContext::from_vars(&env(dispatch_path, extra)).unwrap();
    let mut charm = Recorder::default();
    let outcome = ops_runtime::run(&mut charm, juju, Rc::new(MemoryHookTools::default()));
    assert!(matches!(outcome, Outcome::Success), "{outcome:?}");
    let calls: Vec<_> = charm
        .calls
        .into_iter()
        .filter(|(h, _)| !h.starts_with("collect"))
        .collect();
    calls
}

fn one(handler: &'static str, event: impl std::fmt::Debug) -> Vec<(&'static str, String)> {
    vec![(handler, format!("{event:?}"))]
}

#[test]
fn fixed_name_hooks() {
    for (hook, event) in [
        ("install", Event::Install),
        ("start", Event::Start),
        ("stop", Event::Stop),
        ("remove", Event::Remove),
        ("config-changed", Event::ConfigChanged),
        ("update-status", Event::UpdateStatus),
        ("upgrade-charm", Event::UpgradeCharm),
        ("pre-series-upgrade", Event::PreSeriesUpgrade),
        ("post-series-upgrade", Event::PostSeriesUpgrade),
        ("leader-elected", Event::LeaderElected),
        ("leader-settings-changed", Event::LeaderSettingsChanged),
        ("collect-metrics", Event::CollectMetrics),
    ] {
        assert_eq!(
            dispatch(&format!("hooks/{hook}"), &[]),
            one("plain", event),
            "{hook}"
        );
    }
}

#[test]
fn relation_hooks() {
    let rel = |endpoint: &str, id| RelationRef::new(endpoint, id);
    let vars = |endpoint: &'static str, id: &'static str| {
        vec![
            ("JUJU_RELATION", endpoint),
            ("JUJU_RELATION_ID", id),
            ("JUJU_REMOTE_APP", "pg"),
        ]
    };
    assert_eq!(
        dispatch("hooks/my-db-relation-created", &vars("my-db", "my-db:3")),
        one(
            "created",
            RelationCreatedEvent {
                relation: rel("my-db", 3),
                app: "pg".into()
            }
        )
    );
    let mut joined = vars("my-db", "my-db:3");
    joined.push(("JUJU_REMOTE_UNIT", "pg/0"));
    assert_eq!(
        dispatch("hooks/my-db-relation-joined", &joined),
        one(
            "joined",
            RelationJoinedEvent {
                relation: rel("my-db", 3),
                app: "pg".into(),
                unit: "pg/0".into()
            }
        )
    );
    // An application-data change has no remote unit.
    assert_eq!(
        dispatch("hooks/website-relation-changed", &vars("website", "7")),
        one(
            "changed",
            RelationChangedEvent {
                relation: rel("website", 7),
                app: "pg".into(),
                unit: None
            }
        )
    );
    let mut departed = vars("cluster", "cluster:1");
    departed.extend([
        ("JUJU_REMOTE_UNIT", "recorder/2"),
        ("JUJU_DEPARTING_UNIT", "recorder/2"),
    ]);
    assert_eq!(
        dispatch("hooks/cluster-relation-departed", &departed),
        one(
            "departed",
            RelationDepartedEvent {
                relation: rel("cluster", 1),
                app: "pg".into(),
                unit: "recorder/2".into(),
                departing_unit: Some("recorder/2".into()),
            }
        )
    );
    assert_eq!(
        dispatch(
            "hooks/cluster-relation-broken",
            &[
                ("JUJU_RELATION", "cluster"),
                ("JUJU_RELATION_ID", "cluster:1")
            ]
        ),
        one(
            "broken",
            RelationBrokenEvent {
                relation: rel("cluster", 1),
                app: None
            }
        )
    );
}

#[test]
fn storage_hooks() {
    let event = StorageEvent {
        storage: StorageRef {
            name: "data".into(),
            index: 2,
        },
    };
    assert_eq!(
        dispatch(
            "hooks/data-storage-attached",
            &[("JUJU_STORAGE_ID", "data/2")]
        ),
        one("storage", &event)
    );
    assert_eq!(
        dispatch(
            "hooks/data-storage-detaching",
            &[("JUJU_STORAGE_ID", "data/2")]
        ),
        one("storage", &event)
    );
}

#[test]
fn workload_hooks() {
    assert_eq!(
        dispatch("hooks/web-pebble-ready", &[("JUJU_WORKLOAD_NAME", "web")]),
        one(
            "ready",
            PebbleReadyEvent {
                container: "web".into()
            }
        )
    );
    assert_eq!(
        dispatch(
            "hooks/web-pebble-custom-notice",
            &[
                ("JUJU_WORKLOAD_NAME", "web"),
                ("JUJU_NOTICE_ID", "42"),
                ("JUJU_NOTICE_TYPE", "custom"),
                ("JUJU_NOTICE_KEY", "example.com/reload"),
            ]
        ),
        one(
            "notice",
            PebbleCustomNoticeEvent {
                container: "web".into(),
                notice: NoticeRef {
                    id: "42".into(),
                    kind: "custom".into(),
                    key: "example.com/reload".into()
                },
            }
        )
    );
    let check = [
        ("JUJU_WORKLOAD_NAME", "web"),
        ("JUJU_PEBBLE_CHECK_NAME", "alive"),
    ];
    assert_eq!(
        dispatch("hooks/web-pebble-check-failed", &check),
        one(
            "check_failed",
            PebbleCheckFailedEvent {
                container: "web".into(),
                check: "alive".into()
            }
        )
    );
    assert_eq!(
        dispatch("hooks/web-pebble-check-recovered", &check),
        one(
            "check_recovered",
            PebbleCheckRecoveredEvent {
                container: "web".into(),
                check: "alive".into()
            }
        )
    );
}

#[test]
fn secret_hooks() {
    let secret = SecretRef {
        id: format!("secret://{UUID}/d0ul4e7mp25c7vclbqtg"),
        label: Some("db-password".into()),
    };
    let vars = [
        ("JUJU_SECRET_ID", "d0ul4e7mp25c7vclbqtg"),
        ("JUJU_SECRET_LABEL", "db-password"),
        ("JUJU_SECRET_REVISION", "4"),
    ];
    assert_eq!(
        dispatch("hooks/secret-changed", &vars),
        one(
            "secret_changed",
            SecretChangedEvent {
                secret: secret.clone()
            }
        )
    );
    assert_eq!(
        dispatch("hooks/secret-rotate", &vars),
        one(
            "secret_rotate",
            SecretRotateEvent {
                secret: secret.clone()
            }
        )
    );
    assert_eq!(
        dispatch("hooks/secret-remove", &vars),
        one(
            "secret_remove",
            SecretRemoveEvent {
                secret: secret.clone(),
                revision: 4
            }
        )
    );
    assert_eq!(
        dispatch("hooks/secret-expired", &vars),
        one(
            "secret_expired",
            SecretExpiredEvent {
                secret: secret.clone(),
                revision: 4
            }
        )
    );
    assert_eq!(secret.unique_identifier(), "d0ul4e7mp25c7vclbqtg");
}

#[test]
fn actions() {
    assert_eq!(
        dispatch(
            "actions/do-backup",
            &[
                ("JUJU_ACTION_NAME", "do-backup"),
                ("JUJU_ACTION_UUID", "17")
            ]
        ),
        one(
            "backup",
            ActionEvent {
                name: "do-backup".into(),
                id: "17".into()
            }
        )
    );
}

#[test]
fn collect_status_runs_after_every_hook_app_only_on_the_leader() {
    let juju = JujuContext::from_vars(&env("hooks/install", &[])).unwrap();
    let mut charm = Recorder::default();
    ops_runtime::run(&mut charm, juju, Rc::new(MemoryHookTools::default()));
    let handlers: Vec<_> = charm.calls.iter().map(|(h, _)| *h).collect();
    // Not the leader (the default in-memory model): no app status.
    assert_eq!(handlers, ["plain", "collect_unit_status"]);
}

#[test]
fn unhandled_and_unknown_hooks_succeed_silently() {
    assert_eq!(
        dispatch(
            "hooks/website-relation-created",
            &[
                ("JUJU_RELATION", "website"),
                ("JUJU_RELATION_ID", "2"),
                ("JUJU_REMOTE_APP", "x")
            ]
        ),
        vec![]
    );
    assert_eq!(dispatch("hooks/meter-status-changed", &[]), vec![]);
}

#[test]
fn restricted_hooks_skip_collect_status() {
    for hook in ["hooks/collect-metrics", "hooks/meter-status-changed"] {
        let juju = JujuContext::from_vars(&env(hook, &[])).unwrap();
        let mut charm = Recorder::default();
        ops_runtime::run(&mut charm, juju, Rc::new(MemoryHookTools::default()));
        assert!(
            charm.calls.iter().all(|(h, _)| !h.starts_with("collect")),
            "{hook}: {:?}",
            charm.calls
        );
    }
}

#[test]
fn missing_event_variables_are_errors() {
    for (path, extra, var) in [
        (
            "hooks/my-db-relation-joined",
            vec![("JUJU_RELATION_ID", "1"), ("JUJU_REMOTE_APP", "pg")],
            "JUJU_REMOTE_UNIT",
        ),
        (
            "hooks/my-db-relation-changed",
            vec![("JUJU_REMOTE_APP", "pg")],
            "JUJU_RELATION_ID",
        ),
        ("hooks/secret-changed", vec![], "JUJU_SECRET_ID"),
        (
            "hooks/secret-expired",
            vec![("JUJU_SECRET_ID", "x")],
            "JUJU_SECRET_REVISION",
        ),
        (
            "hooks/web-pebble-check-failed",
            vec![("JUJU_WORKLOAD_NAME", "web")],
            "JUJU_PEBBLE_CHECK_NAME",
        ),
        (
            "hooks/web-pebble-custom-notice",
            vec![("JUJU_WORKLOAD_NAME", "web")],
            "JUJU_NOTICE_ID",
        ),
        ("actions/do-backup", vec![], "JUJU_ACTION_UUID"),
    ] {
        let juju = JujuContext::from_vars(&env(path, &extra)).unwrap();
        let err = Event::from_context(&juju).unwrap_err();
        assert!(
            matches!(err, EnvError::Missing { var: v, .. } if v == var),
            "{path}: {err}"
        );
        let mut charm = Recorder::default();
        let outcome = ops_runtime::run(&mut charm, juju, Rc::new(MemoryHookTools::default()));
        assert!(
            matches!(outcome, Outcome::Failed(DispatchError::Env(_))),
            "{path}: {outcome:?}"
        );
        assert!(charm.calls.is_empty());
    }
}
