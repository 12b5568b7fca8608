//! How a saved [`JujuModel`](super::JujuModel) spells what its types do not
//! serialise the way `cargo charm sim` has always saved them.

use serde::{Deserialize, Deserializer};

use crate::testing::Relation;

/// A status as `status-get` writes it: `{status, message}`.
pub(super) mod status {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::status::{StatusInfo, StatusKind};

    #[derive(Serialize, Deserialize)]
    struct Saved {
        status: StatusKind,
        #[serde(default)]
        message: String,
    }

    pub(in super::super) fn serialize<S: Serializer>(
        info: &StatusInfo,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        Saved {
            status: info.kind,
            message: info.message.clone(),
        }
        .serialize(s)
    }

    pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<StatusInfo, D::Error> {
        let Saved { status, message } = Saved::deserialize(d)?;
        Ok(StatusInfo {
            kind: status,
            message,
        })
    }
}

/// Relations, where a saved one that does not say whether it is a peer or a
/// subordinate relation is neither.
pub(super) fn relations<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Relation>, D::Error> {
    Vec::<serde_json::Value>::deserialize(d)?
        .into_iter()
        .map(|mut relation| {
            if let serde_json::Value::Object(fields) = &mut relation {
                for flag in ["peer", "subordinate"] {
                    fields.entry(flag).or_insert(serde_json::Value::Bool(false));
                }
            }
            serde_json::from_value(relation).map_err(serde::de::Error::custom)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::JujuModel;

    /// The saved form names the unit and application, writes statuses as
    /// `status-get` does, and reads a relation that does not say whether it is
    /// a peer's as not one.
    #[test]
    fn the_saved_form_is_sims() {
        let model: JujuModel = serde_json::from_value(serde_json::json!({
            "unit": "demo/0",
            "app": "demo",
            "unit_status": {"status": "active", "message": "ready"},
            "relations": [{
                "id": 0, "endpoint": "db", "remote_app": "pg", "remote_units": {},
                "remote_app_data": {}, "local_unit_data": {}, "local_app_data": {},
            }],
        }))
        .unwrap();
        assert_eq!(
            (model.unit_name.as_str(), model.app_name.as_str()),
            ("demo/0", "demo")
        );
        assert_eq!(model.unit_status.message, "ready");
        assert!(!model.relations[0].peer);
        let saved = serde_json::to_value(&model).unwrap();
        assert_eq!(
            saved["unit_status"],
            serde_json::json!({"status": "active", "message": "ready"})
        );
        assert_eq!(saved["app"], "demo");
        assert!(saved.get("storage").is_none(), "no storage, no key");
    }
}
