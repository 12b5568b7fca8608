// Every event kind with an argument the runtime cannot supply: each error
// names the event and the arguments that fit it.
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
    fn install(&mut self, _arg: String) {}
    #[on(start)]
    fn start(&mut self, _arg: String) {}
    #[on(stop)]
    fn stop(&mut self, _arg: String) {}
    #[on(remove)]
    fn remove(&mut self, _arg: String) {}
    #[on(config_changed)]
    fn config_changed(&mut self, _arg: String) {}
    #[on(update_status)]
    fn update_status(&mut self, _arg: String) {}
    #[on(upgrade_charm)]
    fn upgrade_charm(&mut self, _arg: String) {}
    #[on(pre_series_upgrade)]
    fn pre_series_upgrade(&mut self, _arg: String) {}
    #[on(post_series_upgrade)]
    fn post_series_upgrade(&mut self, _arg: String) {}
    #[on(leader_elected)]
    fn leader_elected(&mut self, _arg: String) {}
    #[on(leader_settings_changed)]
    fn leader_settings_changed(&mut self, _arg: String) {}
    #[on(collect_metrics)]
    fn collect_metrics(&mut self, _arg: String) {}
    #[on(db_relation_created)]
    fn db_relation_created(&mut self, _arg: String) {}
    #[on(db_relation_joined)]
    fn db_relation_joined(&mut self, _arg: String) {}
    #[on(db_relation_changed)]
    fn db_relation_changed(&mut self, _arg: String) {}
    #[on(db_relation_departed)]
    fn db_relation_departed(&mut self, _arg: String) {}
    #[on(db_relation_broken)]
    fn db_relation_broken(&mut self, _arg: String) {}
    #[on(data_storage_attached)]
    fn data_storage_attached(&mut self, _arg: String) {}
    #[on(data_storage_detaching)]
    fn data_storage_detaching(&mut self, _arg: String) {}
    #[on(web_pebble_ready)]
    fn web_pebble_ready(&mut self, _arg: String) {}
    #[on(web_pebble_custom_notice)]
    fn web_pebble_custom_notice(&mut self, _arg: String) {}
    #[on(web_pebble_check_failed)]
    fn web_pebble_check_failed(&mut self, _arg: String) {}
    #[on(web_pebble_check_recovered)]
    fn web_pebble_check_recovered(&mut self, _arg: String) {}
    #[on(secret_changed)]
    fn secret_changed(&mut self, _arg: String) {}
    #[on(secret_rotate)]
    fn secret_rotate(&mut self, _arg: String) {}
    #[on(secret_remove)]
    fn secret_remove(&mut self, _arg: String) {}
    #[on(secret_expired)]
    fn secret_expired(&mut self, _arg: String) {}
    #[on(backup_action)]
    fn backup_action(&mut self, _arg: String) {}
    #[on(collect_unit_status)]
    fn collect_unit_status(&mut self, _arg: String) {}
    #[on(collect_app_status)]
    fn collect_app_status(&mut self, _arg: String) {}
    #[on(reconcile)]
    fn reconcile(&mut self, _arg: String) {}
    #[on(ingress::created)]
    fn ingress_created(&mut self, _arg: String) {}
}

fn main() {}
