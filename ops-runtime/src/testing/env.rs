//! The `JUJU_*` environment Juju sets for an event, as the harness encodes it.

use std::collections::BTreeMap;

use super::Context;
use crate::dispatch::Charm;
use crate::event::Event;

impl<C: Charm> Context<C> {
    /// The `JUJU_*` variables Juju would set for `event`.
    pub(super) fn env_for(&self, event: &Event) -> BTreeMap<String, String> {
        let mut vars: BTreeMap<String, String> = BTreeMap::new();
        let mut set = |k: &str, v: &str| {
            vars.insert(k.to_owned(), v.to_owned());
        };
        let hook_name = match event {
            Event::Action(_) => String::new(),
            _ => event.hook_name(),
        };
        set("JUJU_DISPATCH_PATH", &event.dispatch_path());
        set("JUJU_HOOK_NAME", &hook_name);
        set(
            "JUJU_UNIT_NAME",
            &format!("{}/{}", self.app_name, self.unit_id),
        );
        set("JUJU_MODEL_NAME", &self.model_name);
        set("JUJU_MODEL_UUID", &self.model_uuid);
        set("JUJU_VERSION", &self.juju_version.to_string());
        if let Some(root) = &self.charm_root {
            set("JUJU_CHARM_DIR", &root.display().to_string());
        }
        if let Some(machine) = &self.machine_id {
            set("JUJU_MACHINE_ID", machine);
        }
        if let Some(zone) = &self.availability_zone {
            set("JUJU_AVAILABILITY_ZONE", zone);
        }
        let relation = |set: &mut dyn FnMut(&str, &str),
                        r: &crate::event::RelationRef,
                        app: Option<&str>,
                        unit: Option<&str>| {
            set("JUJU_RELATION", &r.endpoint);
            set("JUJU_RELATION_ID", &r.to_string());
            set("JUJU_REMOTE_APP", app.unwrap_or_default());
            set("JUJU_REMOTE_UNIT", unit.unwrap_or_default());
        };
        match event {
            Event::RelationCreated(e) => relation(&mut set, &e.relation, Some(&e.app), None),
            Event::RelationJoined(e) => {
                relation(&mut set, &e.relation, Some(&e.app), Some(&e.unit))
            }
            Event::RelationChanged(e) => {
                relation(&mut set, &e.relation, Some(&e.app), e.unit.as_deref())
            }
            Event::RelationDeparted(e) => {
                relation(&mut set, &e.relation, Some(&e.app), Some(&e.unit));
                set(
                    "JUJU_DEPARTING_UNIT",
                    e.departing_unit.as_deref().unwrap_or_default(),
                );
            }
            Event::RelationBroken(e) => relation(&mut set, &e.relation, e.app.as_deref(), None),
            Event::StorageAttached(e) | Event::StorageDetaching(e) => {
                set("JUJU_STORAGE_ID", &e.storage.to_string());
            }
            Event::PebbleReady(e) => set("JUJU_WORKLOAD_NAME", &e.container),
            Event::PebbleCustomNotice(e) => {
                set("JUJU_WORKLOAD_NAME", &e.container);
                set("JUJU_NOTICE_ID", &e.notice.id);
                set("JUJU_NOTICE_TYPE", &e.notice.kind);
                set("JUJU_NOTICE_KEY", &e.notice.key);
            }
            Event::PebbleCheckFailed(e) => {
                set("JUJU_WORKLOAD_NAME", &e.container);
                set("JUJU_PEBBLE_CHECK_NAME", &e.check);
            }
            Event::PebbleCheckRecovered(e) => {
                set("JUJU_WORKLOAD_NAME", &e.container);
                set("JUJU_PEBBLE_CHECK_NAME", &e.check);
            }
            Event::SecretChanged(e) => secret(&mut set, &e.secret, None),
            Event::SecretRotate(e) => secret(&mut set, &e.secret, None),
            Event::SecretRemove(e) => secret(&mut set, &e.secret, Some(e.revision)),
            Event::SecretExpired(e) => secret(&mut set, &e.secret, Some(e.revision)),
            Event::Action(e) => {
                set("JUJU_ACTION_NAME", &e.name);
                set("JUJU_ACTION_UUID", &e.id);
            }
            _ => {}
        }
        vars
    }
}

fn secret(
    set: &mut dyn FnMut(&str, &str),
    secret: &crate::event::SecretRef,
    revision: Option<u64>,
) {
    set("JUJU_SECRET_ID", &secret.id);
    set(
        "JUJU_SECRET_LABEL",
        secret.label.as_deref().unwrap_or_default(),
    );
    if let Some(revision) = revision {
        set("JUJU_SECRET_REVISION", &revision.to_string());
    }
}
