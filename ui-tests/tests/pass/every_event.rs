//! A handler for every event kind, with every typed event argument.

use ops_runtime::*;

#[derive(Default)]
struct Everything;

#[charm(metadata_source = r#"
name: everything
requires:
  db:
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
impl Everything {
    #[on(install, start, stop, remove, config_changed, update_status, upgrade_charm)]
    fn lifecycle(&mut self, _cx: &mut HookContext, _event: Event) {}

    #[on(pre_series_upgrade, post_series_upgrade, leader_elected, leader_settings_changed, collect_metrics)]
    fn other(&mut self) {}

    #[on(db_relation_created)]
    fn created(&mut self, _e: RelationCreatedEvent) {}
    #[on(db_relation_joined)]
    fn joined(&mut self, _e: RelationJoinedEvent) {}
    #[on(website_relation_changed)]
    fn changed(&mut self, _e: RelationChangedEvent) {}
    #[on(cluster_relation_departed)]
    fn departed(&mut self, _e: RelationDepartedEvent) {}
    #[on(cluster_relation_broken)]
    fn broken(&mut self, _e: RelationBrokenEvent) {}
    #[on(db_relation_created, db_relation_joined, db_relation_changed, db_relation_departed, db_relation_broken)]
    fn any_db(&mut self, _e: RelationEvent) {}

    #[on(data_storage_attached, data_storage_detaching)]
    fn storage(&mut self, _e: StorageEvent) {}

    #[on(web_pebble_ready)]
    fn ready(&mut self, _e: PebbleReadyEvent) {}
    #[on(web_pebble_custom_notice)]
    fn notice(&mut self, _e: PebbleCustomNoticeEvent) {}
    #[on(web_pebble_check_failed)]
    fn failed(&mut self, _e: PebbleCheckFailedEvent) {}
    #[on(web_pebble_check_recovered)]
    fn recovered(&mut self, _e: PebbleCheckRecoveredEvent) {}

    #[on(secret_changed)]
    fn secret_changed(&mut self, _e: SecretChangedEvent) {}
    #[on(secret_rotate)]
    fn secret_rotate(&mut self, _e: SecretRotateEvent) {}
    #[on(secret_remove)]
    fn secret_remove(&mut self, _e: SecretRemoveEvent) {}
    #[on(secret_expired)]
    fn secret_expired(&mut self, _e: SecretExpiredEvent) {}

    #[on(do_backup_action)]
    fn backup(&mut self, cx: &mut HookContext, _e: ActionEvent) -> Result<(), CharmError> {
        cx.action_log("backing up")?;
        Ok(())
    }

    #[on(collect_app_status, collect_unit_status)]
    fn status(&self, status: CollectStatus) {
        status.add(Status::active(""));
    }
}

fn main() -> std::process::ExitCode {
    if std::env::var_os("JUJU_UNIT_NAME").is_some() {
        return ops_runtime::main::<Everything>();
    }
    std::process::ExitCode::SUCCESS
}
