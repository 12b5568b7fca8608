// Every event kind with an event type of another event: each is an error at
// the argument's type, naming the type that fits.
use ops_runtime::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Created {}

impl CustomEvent for Created {
    const NAME: &'static str = "created";
}

#[derive(Default)]
struct Requirer;

impl Component for Requirer {
    const EVENTS: &'static [&'static str] = &[Created::NAME];

    fn observe(&mut self, _cx: &mut HookContext, _event: &Event, _emit: &mut Emitter) -> Result<(), CharmError> {
        Ok(())
    }
}

#[derive(Default)]
struct Charm {
    ingress: Requirer,
}

#[charm(components(ingress: Requirer), metadata_source = r#"
name: demo
requires:
  db:
    interface: pgsql
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
  backup: {}
"#)]
impl Charm {
    #[on(install)]
    fn install(&mut self, _event: RelationChangedEvent) {}
    #[on(start)]
    fn start(&mut self, _event: PebbleReadyEvent) {}
    #[on(stop)]
    fn stop(&mut self, _event: StorageEvent) {}
    #[on(remove)]
    fn remove(&mut self, _event: SecretRemoveEvent) {}
    #[on(config_changed)]
    fn config_changed(&mut self, _event: RelationChangedEvent) {}
    #[on(update_status)]
    fn update_status(&mut self, _event: ActionEvent) {}
    #[on(upgrade_charm)]
    fn upgrade_charm(&mut self, _event: RelationJoinedEvent) {}
    #[on(pre_series_upgrade)]
    fn pre_series_upgrade(&mut self, _event: RelationBrokenEvent) {}
    #[on(post_series_upgrade)]
    fn post_series_upgrade(&mut self, _event: RelationCreatedEvent) {}
    #[on(leader_elected)]
    fn leader_elected(&mut self, _event: RelationDepartedEvent) {}
    #[on(leader_settings_changed)]
    fn leader_settings_changed(&mut self, _event: SecretChangedEvent) {}
    #[on(collect_metrics)]
    fn collect_metrics(&mut self, _event: PebbleCheckFailedEvent) {}
    #[on(db_relation_created)]
    fn db_relation_created(&mut self, _event: RelationJoinedEvent) {}
    #[on(db_relation_joined)]
    fn db_relation_joined(&mut self, _event: RelationChangedEvent) {}
    #[on(db_relation_changed)]
    fn db_relation_changed(&mut self, _event: RelationJoinedEvent) {}
    #[on(db_relation_departed)]
    fn db_relation_departed(&mut self, _event: RelationBrokenEvent) {}
    #[on(db_relation_broken)]
    fn db_relation_broken(&mut self, _event: RelationDepartedEvent) {}
    #[on(data_storage_attached)]
    fn data_storage_attached(&mut self, _event: PebbleReadyEvent) {}
    #[on(data_storage_detaching)]
    fn data_storage_detaching(&mut self, _event: RelationBrokenEvent) {}
    #[on(web_pebble_ready)]
    fn web_pebble_ready(&mut self, _event: StorageEvent) {}
    #[on(web_pebble_custom_notice)]
    fn web_pebble_custom_notice(&mut self, _event: PebbleReadyEvent) {}
    #[on(web_pebble_check_failed)]
    fn web_pebble_check_failed(&mut self, _event: PebbleCheckRecoveredEvent) {}
    #[on(web_pebble_check_recovered)]
    fn web_pebble_check_recovered(&mut self, _event: PebbleCheckFailedEvent) {}
    #[on(secret_changed)]
    fn secret_changed(&mut self, _event: SecretRotateEvent) {}
    #[on(secret_rotate)]
    fn secret_rotate(&mut self, _event: SecretExpiredEvent) {}
    #[on(secret_remove)]
    fn secret_remove(&mut self, _event: SecretChangedEvent) {}
    #[on(secret_expired)]
    fn secret_expired(&mut self, _event: SecretRemoveEvent) {}
    #[on(backup_action)]
    fn backup_action(&mut self, _event: RelationChangedEvent) {}
    #[on(collect_unit_status)]
    fn collect_unit_status(&mut self, _event: RelationChangedEvent) {}
    #[on(collect_app_status)]
    fn collect_app_status(&mut self, _event: ActionEvent) {}
    #[on(reconcile)]
    fn reconcile(&mut self, _event: RelationChangedEvent) {}
    #[on(ingress::created)]
    fn ingress_created(&mut self, _event: RelationJoinedEvent) {}
}

fn main() {}
