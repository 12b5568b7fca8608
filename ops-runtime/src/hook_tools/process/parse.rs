//! Reading what each hook tool prints: one function per tool, from its standard
//! output to typed values, with no process in the way, so that unit and property
//! tests can feed each parser Juju's real outputs and anything else.
//!
//! Each accepts what every supported Juju version prints (see `juju_output.rs` for
//! the shapes and their sources); anything else is a [`HookToolError::BadOutput`]
//! naming the tool, which for tools whose output may hold secrets never quotes it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::{SecretInfoJson, parse_json, unreadable};
use crate::hook_tools::{ConfigMap, Databag, HookToolError, StatusTarget};
use crate::model::{CloudSpec, GoalState, Network, Port, StorageInfo};
use crate::secret::{RotatePolicy, SecretContent, SecretInfo};
use crate::status::{StatusInfo, StatusKind};

/// `status-get --include-data --format=json`: `{"status", "message", "status-data"}`
/// for the unit, `{"application-status": {..., "units": {...}}}` for the
/// application, or the bare status name where the context has no status support
/// (Juju writes `"unknown"` then).
pub(super) fn status_get(target: StatusTarget, out: &str) -> Result<StatusInfo, HookToolError> {
    const TOOL: &str = "status-get";
    #[derive(serde::Deserialize)]
    struct Details {
        status: String,
        #[serde(default)]
        message: String,
    }
    #[derive(serde::Deserialize)]
    struct AppDetails {
        #[serde(rename = "application-status")]
        application_status: Details,
    }
    let value: Value = parse_json(TOOL, out)?;
    let details = match (target, value) {
        (_, Value::String(status)) => Details {
            status,
            message: String::new(),
        },
        (StatusTarget::Unit, value) => from_value::<Details>(TOOL, value, out)?,
        (StatusTarget::App, value) => {
            from_value::<AppDetails>(TOOL, value, out)?.application_status
        }
    };
    let kind = StatusKind::from_name(&details.status).ok_or_else(|| {
        unreadable(
            TOOL,
            "unknown status name; expected active, blocked, maintenance, waiting, error or unknown"
                .into(),
            &details.status,
        )
    })?;
    Ok(StatusInfo {
        kind,
        message: details.message,
    })
}

/// Converts an already parsed document of `tool`'s output to `T`.
fn from_value<T: serde::de::DeserializeOwned>(
    tool: &'static str,
    value: Value,
    out: &str,
) -> Result<T, HookToolError> {
    serde_json::from_value(value).map_err(|e| {
        let reason = if crate::redact::is_sensitive_tool(tool) {
            crate::redact::conversion_problem(&e.to_string())
        } else {
            format!("JSON of another shape: {e}")
        };
        unreadable(tool, reason, out)
    })
}

/// `is-leader --format=json`: `true` or `false`.
pub(super) fn is_leader(out: &str) -> Result<bool, HookToolError> {
    parse_json("is-leader", out)
}

/// `config-get --format=json`: the options set or defaulted; `null` when there are
/// none.
pub(super) fn config_get(out: &str) -> Result<ConfigMap, HookToolError> {
    let map: Option<ConfigMap> = parse_json("config-get", out)?;
    Ok(map.unwrap_or_default())
}

/// `action-get --format=json`: the parameters (dotted names nested); `null` when
/// there are none.
pub(super) fn action_get(out: &str) -> Result<serde_json::Map<String, Value>, HookToolError> {
    let map: Option<serde_json::Map<String, Value>> = parse_json("action-get", out)?;
    Ok(map.unwrap_or_default())
}

/// `relation-ids --format=json`: `["db:1", ...]`, read as the numbers.
pub(super) fn relation_ids(out: &str) -> Result<Vec<u64>, HookToolError> {
    const TOOL: &str = "relation-ids";
    let ids: Option<Vec<String>> = parse_json(TOOL, out)?;
    ids.unwrap_or_default()
        .iter()
        .map(|id| {
            id.rsplit(':')
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| unreadable(TOOL, "expected relation ids like `db:1`".into(), id))
        })
        .collect()
}

/// `relation-list --format=json`: the remote units.
pub(super) fn relation_list(out: &str) -> Result<Vec<String>, HookToolError> {
    let units: Option<Vec<String>> = parse_json("relation-list", out)?;
    Ok(units.unwrap_or_default())
}

/// `relation-list --format=json --app`: the remote application, empty when unknown.
pub(super) fn relation_remote_app(out: &str) -> Result<Option<String>, HookToolError> {
    let app: Option<String> = parse_json("relation-list", out)?;
    Ok(app.filter(|a| !a.is_empty()))
}

/// `relation-get --format=json - MEMBER`: the databag.
pub(super) fn relation_get(out: &str) -> Result<Databag, HookToolError> {
    let bag: Option<Databag> = parse_json("relation-get", out)?;
    Ok(bag.unwrap_or_default())
}

/// `relation-model-get --format=json`: `{"uuid": ...}`.
pub(super) fn relation_model_get(out: &str) -> Result<String, HookToolError> {
    #[derive(serde::Deserialize)]
    struct RemoteModel {
        uuid: String,
    }
    let model: RemoteModel = parse_json("relation-model-get", out)?;
    Ok(model.uuid)
}

/// `secret-add`: the new secret's URI and a newline.
pub(super) fn secret_add(out: &str) -> Result<String, HookToolError> {
    let id = out.trim();
    if id.is_empty() {
        return Err(unreadable(
            "secret-add",
            "expected the new secret's id".into(),
            out,
        ));
    }
    Ok(id.to_owned())
}

/// `secret-get --format=json`: the content, key to value.
pub(super) fn secret_get(out: &str) -> Result<SecretContent, HookToolError> {
    let map: BTreeMap<String, String> = parse_json("secret-get", out)?;
    Ok(map.into())
}

/// `secret-info-get --format=json`: `{<id>: {revision, label, owner, ...}}`. Juju
/// always writes `label`, empty when the secret has none.
pub(super) fn secret_info_get(out: &str) -> Result<SecretInfo, HookToolError> {
    const TOOL: &str = "secret-info-get";
    let map: BTreeMap<String, SecretInfoJson> = parse_json(TOOL, out)?;
    let Some((id, info)) = map.into_iter().next() else {
        return Err(unreadable(TOOL, "expected one secret".into(), out));
    };
    let given = |text: Option<String>| text.filter(|t| !t.is_empty());
    Ok(SecretInfo {
        id,
        label: given(info.label),
        revision: info.revision,
        expires: given(info.expiry),
        rotation: info.rotation.as_deref().and_then(RotatePolicy::from_name),
        rotates: given(info.rotates),
        description: given(info.description),
    })
}

/// `secret-ids --format=json`: the ids; `null` when there are none.
pub(super) fn secret_ids(out: &str) -> Result<Vec<String>, HookToolError> {
    let ids: Option<Vec<String>> = parse_json("secret-ids", out)?;
    Ok(ids.unwrap_or_default())
}

/// `storage-list --format=json`: storage ids such as `data/0`.
pub(super) fn storage_list(out: &str) -> Result<Vec<String>, HookToolError> {
    let ids: Option<Vec<String>> = parse_json("storage-list", out)?;
    Ok(ids.unwrap_or_default())
}

/// `storage-get --format=json`: `{kind, location}`.
pub(super) fn storage_get(out: &str) -> Result<StorageInfo, HookToolError> {
    parse_json("storage-get", out)
}

/// `resource-get NAME`: the path, which Juju prints without a newline (one is
/// tolerated).
pub(super) fn resource_get(out: &str) -> Result<PathBuf, HookToolError> {
    let path = out.trim_end_matches(['\n', '\r']);
    if path.trim().is_empty() {
        return Err(unreadable(
            "resource-get",
            "expected the resource's path".into(),
            out,
        ));
    }
    Ok(path.into())
}

/// `network-get --format=json`: the binding's interfaces and addresses, in any of
/// Juju's spellings.
pub(super) fn network_get(out: &str) -> Result<Network, HookToolError> {
    parse_json("network-get", out)
}

/// `opened-ports --format=json`: `80/tcp`, `8000-8999/udp`, `icmp`, ...
pub(super) fn opened_ports(out: &str) -> Result<Vec<Port>, HookToolError> {
    const TOOL: &str = "opened-ports";
    let ports: Option<Vec<String>> = parse_json(TOOL, out)?;
    ports
        .unwrap_or_default()
        .iter()
        .map(|p| p.parse().map_err(|reason| unreadable(TOOL, reason, p)))
        .collect()
}

/// `goal-state --format=json`.
pub(super) fn goal_state(out: &str) -> Result<GoalState, HookToolError> {
    parse_json("goal-state", out)
}

/// `credential-get --format=json`: the cloud spec.
pub(super) fn credential_get(out: &str) -> Result<CloudSpec, HookToolError> {
    parse_json("credential-get", out)
}

/// `unit-get --format=json KEY`: the address.
pub(super) fn unit_get(out: &str) -> Result<String, HookToolError> {
    parse_json("unit-get", out)
}

/// `state-get --format=json KEY`: the value; a key never set prints `""` (Juju 3)
/// or `null` (Juju 4), both `None`.
pub(super) fn state_get(out: &str) -> Result<Option<String>, HookToolError> {
    let value: Option<String> = parse_json("state-get", out)?;
    Ok(value.filter(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::super::juju_output as juju;
    use super::*;
    use crate::model::Protocol;

    #[test]
    fn network_get_reads_every_spelling_juju_prints() {
        for out in [juju::NETWORK_GET, juju::NETWORK_GET_BOTH_SPELLINGS] {
            let network = network_get(out).unwrap();
            assert_eq!(network.bind_address(), Some("10.33.1.8"), "{out}");
            assert_eq!(network.ingress_address(), Some("100.1.2.3"));
            assert_eq!(network.egress_subnets, ["192.168.1.0/8", "10.0.0.0/8"]);
            let interface = &network.bind_addresses[0];
            assert_eq!(interface.mac_address, "00:11:22:33:44:33");
            assert_eq!(interface.interface_name, "eth3");
            assert_eq!(interface.addresses[0].cidr, "10.33.1.8/24");
        }
        let legacy = network_get(juju::NETWORK_GET_LEGACY).unwrap();
        assert_eq!(legacy.bind_address(), Some("10.10.0.23"));
        assert_eq!(legacy.bind_addresses[0].addresses[1].value, "192.168.1.111");
        assert_eq!(legacy.ingress_address(), None);
        assert!(legacy.egress_subnets.is_empty());
        let bare = network_get(juju::NETWORK_GET_NO_ADDRESSES).unwrap();
        assert!(bare.bind_addresses[0].addresses.is_empty());
        assert_eq!(bare.bind_address(), None);
        assert_eq!(bare.ingress_address(), Some("10.152.183.7"));
    }

    #[test]
    fn network_get_prefers_value_and_takes_legacy_interface_names() {
        let out = r#"{"bind-addresses":[{"macaddress":"aa","interfacename":"eth9",
            "addresses":[{"value":"10.0.0.1","address":"10.9.9.9"},{"value":"","address":"10.0.0.2"},{}]}]}"#;
        let network = network_get(out).unwrap();
        let interface = &network.bind_addresses[0];
        assert_eq!(
            (
                interface.mac_address.as_str(),
                interface.interface_name.as_str()
            ),
            ("aa", "eth9")
        );
        let values: Vec<&str> = interface
            .addresses
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(values, ["10.0.0.1", "10.0.0.2", ""]);
    }

    #[test]
    fn status_get_reads_details_and_the_bare_name() {
        let unit = status_get(StatusTarget::Unit, juju::STATUS_GET_UNIT).unwrap();
        assert_eq!(
            (unit.kind, unit.message.as_str()),
            (StatusKind::Active, "ready")
        );
        let app = status_get(StatusTarget::App, juju::STATUS_GET_APP).unwrap();
        assert_eq!(
            (app.kind, app.message.as_str()),
            (StatusKind::Waiting, "2 units")
        );
        for target in [StatusTarget::Unit, StatusTarget::App] {
            let status = status_get(target, juju::STATUS_GET_NOT_IMPLEMENTED).unwrap();
            assert_eq!(
                (status.kind, status.message.as_str()),
                (StatusKind::Unknown, "")
            );
        }
        let error = status_get(StatusTarget::Unit, "\"sleepy\"\n").unwrap_err();
        assert!(error.to_string().contains("unknown status name"), "{error}");
    }

    #[test]
    fn config_action_and_leadership() {
        let config = config_get(juju::CONFIG_GET).unwrap();
        assert_eq!(config["port"], 8080);
        assert_eq!(config["ratio"], 0.5);
        assert!(config_get(juju::CONFIG_GET_NONE).unwrap().is_empty());
        let params = action_get(juju::ACTION_GET).unwrap();
        assert_eq!(params["proxy"]["slug"], "x");
        assert!(is_leader(juju::IS_LEADER).unwrap());
    }

    #[test]
    fn relation_tools() {
        assert_eq!(relation_ids(juju::RELATION_IDS).unwrap(), [1, 4]);
        assert!(relation_ids(juju::RELATION_IDS_NONE).unwrap().is_empty());
        assert_eq!(
            relation_list(juju::RELATION_LIST).unwrap(),
            ["pg/0", "pg/1"]
        );
        assert_eq!(
            relation_remote_app(juju::RELATION_LIST_APP)
                .unwrap()
                .as_deref(),
            Some("pg")
        );
        assert_eq!(relation_remote_app("\"\"\n").unwrap(), None);
        assert_eq!(
            relation_get(juju::RELATION_GET_UNIT).unwrap()["ingress-address"],
            "10.0.0.9"
        );
        assert_eq!(
            relation_get(juju::RELATION_GET_APP).unwrap()["port"],
            "5432"
        );
        assert_eq!(
            relation_model_get(juju::RELATION_MODEL_GET).unwrap(),
            "0b7e2c4d-aaaa-4bbb-8ccc-123456789abc"
        );
    }

    #[test]
    fn secret_tools() {
        assert_eq!(
            secret_add(juju::SECRET_ADD).unwrap(),
            "secret:9m4e2mr0ui3e8a215n4g"
        );
        assert!(
            secret_add(juju::SECRET_ADD_WITH_MODEL)
                .unwrap()
                .starts_with("secret://")
        );
        assert!(secret_add("\n").is_err());
        assert_eq!(
            secret_get(juju::SECRET_GET).unwrap().get("password"),
            Some("old")
        );
        let info = secret_info_get(juju::SECRET_INFO_GET).unwrap();
        assert_eq!(info.id, "9m4e2mr0ui3e8a215n4g");
        assert_eq!(info.revision, 666);
        assert_eq!(info.label.as_deref(), Some("label"));
        assert_eq!(info.description.as_deref(), Some("description"));
        assert_eq!(info.rotation, Some(RotatePolicy::Hourly));
        assert_eq!((info.expires, info.rotates), (None, None));
        // Juju writes `"label": ""` for a secret without one.
        let full = secret_info_get(juju::SECRET_INFO_GET_FULL).unwrap();
        assert_eq!(full.label, None);
        assert_eq!(full.description, None);
        assert_eq!(
            full.expires.as_deref(),
            Some("2026-11-18T11:06:40.123456789Z")
        );
        assert!(
            full.expires
                .as_deref()
                .and_then(crate::secret::parse_rfc3339)
                .is_some()
        );
        assert_eq!(full.rotates.as_deref(), Some("2026-11-25T11:06:40Z"));
        assert!(secret_info_get("{}").is_err());
        assert_eq!(
            secret_ids(juju::SECRET_IDS).unwrap(),
            ["9m4e2mr0ui3e8a215n4g"]
        );
        assert!(secret_ids(juju::SECRET_IDS_NONE).unwrap().is_empty());
    }

    #[test]
    fn storage_resources_ports_goal_state_credentials_addresses_and_state() {
        assert_eq!(
            storage_list(juju::STORAGE_LIST).unwrap(),
            ["data/0", "data/3"]
        );
        assert!(storage_list(juju::STORAGE_LIST_NONE).unwrap().is_empty());
        let storage = storage_get(juju::STORAGE_GET).unwrap();
        assert_eq!(
            (storage.kind.as_str(), storage.location.to_str()),
            ("filesystem", Some("/srv/data/0"))
        );
        assert_eq!(storage_get(juju::STORAGE_GET_BLOCK).unwrap().kind, "block");
        // Juju prints the path without a newline.
        assert_eq!(
            resource_get(juju::RESOURCE_GET).unwrap().to_str(),
            Some(juju::RESOURCE_GET)
        );
        assert_eq!(
            resource_get(&format!("{}\n", juju::RESOURCE_GET))
                .unwrap()
                .to_str(),
            Some(juju::RESOURCE_GET)
        );
        assert!(resource_get("").is_err());
        assert_eq!(
            opened_ports(juju::OPENED_PORTS).unwrap(),
            [Port::tcp(22), Port::tcp(80), Port::icmp()]
        );
        assert_eq!(
            opened_ports(juju::OPENED_PORTS_ENDPOINTS).unwrap(),
            [Port::tcp(80), Port::range(Protocol::Udp, 8000, 8999)]
        );
        let goal = goal_state(juju::GOAL_STATE).unwrap();
        assert_eq!(
            goal.units["mysql/0"].since.as_deref(),
            Some("2200-11-05 15:29:12Z")
        );
        assert_eq!(goal.relations["server"]["wordpress/0"].status, "active");
        let scaling = goal_state(juju::GOAL_STATE_SCALING).unwrap();
        assert_eq!(scaling.units["probe/1"].since, None);
        assert_eq!(scaling.relations["db"]["pg"].status, "joined");
        let spec = credential_get(juju::CREDENTIAL_GET).unwrap();
        assert_eq!(
            (spec.kind.as_str(), spec.region.as_deref()),
            ("openstack", Some("r1"))
        );
        assert!(
            spec.is_controller_cloud && !spec.skip_tls_verify && spec.ca_certificates.is_empty()
        );
        let lxd = credential_get(juju::CREDENTIAL_GET_LXD).unwrap();
        let credential = lxd.credential.unwrap();
        assert!(credential.attrs.is_empty());
        assert_eq!(credential.redacted, ["client-key"]);
        assert!(lxd.skip_tls_verify && lxd.is_controller_cloud);
        assert_eq!(unit_get(juju::UNIT_GET).unwrap(), "203.0.113.7");
        assert_eq!(
            state_get(juju::STATE_GET).unwrap().as_deref(),
            Some("{\"n\": 1}")
        );
        assert_eq!(state_get(juju::STATE_GET_MISSING).unwrap(), None);
        assert_eq!(state_get(juju::STATE_GET_NULL).unwrap(), None);
    }

    #[test]
    fn every_fixture_reads() {
        for (tool, out) in juju::JSON_OUTPUTS {
            let read = match *tool {
                "network-get" => network_get(out).map(drop),
                "status-get" => status_get(StatusTarget::App, out)
                    .or_else(|_| status_get(StatusTarget::Unit, out))
                    .map(drop),
                "is-leader" => is_leader(out).map(drop),
                "config-get" => config_get(out).map(drop),
                "action-get" => action_get(out).map(drop),
                "relation-ids" => relation_ids(out).map(drop),
                "relation-list" => relation_list(out)
                    .map(drop)
                    .or_else(|_| relation_remote_app(out).map(drop)),
                "relation-get" => relation_get(out).map(drop),
                "relation-model-get" => relation_model_get(out).map(drop),
                "secret-get" => secret_get(out).map(drop),
                "secret-info-get" => secret_info_get(out).map(drop),
                "secret-ids" => secret_ids(out).map(drop),
                "storage-list" => storage_list(out).map(drop),
                "storage-get" => storage_get(out).map(drop),
                "opened-ports" => opened_ports(out).map(drop),
                "goal-state" => goal_state(out).map(drop),
                "credential-get" => credential_get(out).map(drop),
                "unit-get" => unit_get(out).map(drop),
                "state-get" => state_get(out).map(drop),
                other => panic!("no parser for {other}"),
            };
            assert!(read.is_ok(), "{tool}: {read:?}\n{out}");
        }
    }
}
