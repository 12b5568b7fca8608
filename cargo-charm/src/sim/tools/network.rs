//! The rows of `network-get`, `unit-get` and `goal-state`: argv and Juju's output
//! format (deprecated fields included); what they answer and refuse is the runtime's
//! model's, on `sim`'s fixed network ([`sim_network`](crate::sim::state::sim_network)).

use std::collections::BTreeMap;

use ops_runtime::{AddressKind, HookTools};
use serde::Serialize;
use serde_json::{Map, Value};

use super::argv::{json_text, yaml_text};
use super::{Call, ToolError, clock};

/// `network-get`'s flags, each asking for one value.
pub(super) const FLAGS: &[&str] = &[
    "--bind-address",
    "--ingress-address",
    "--egress-subnets",
    "--primary-address",
];

/// One address of `network-get`'s output, in Juju's field order.
#[derive(Serialize)]
struct AddressJson {
    hostname: String,
    value: String,
    cidr: String,
}

/// One interface of `network-get`'s output.
#[derive(Serialize)]
struct InterfaceJson {
    #[serde(rename = "mac-address")]
    mac_address: String,
    #[serde(rename = "interface-name")]
    interface_name: String,
    addresses: Vec<AddressJson>,
}

/// `network-get`'s output: `params.NetworkInfoResult` of Juju's `rpc/params`.
#[derive(Serialize)]
struct NetworkJson<I> {
    #[serde(rename = "bind-addresses")]
    bind_addresses: Vec<I>,
    #[serde(rename = "egress-subnets")]
    egress_subnets: Vec<String>,
    #[serde(rename = "ingress-addresses")]
    ingress_addresses: Vec<String>,
}

/// One address of `network-get`'s YAML (and smart) output, whose YAML tags repeat
/// the value under its legacy name `address`.
#[derive(Serialize)]
struct AddressYaml {
    hostname: String,
    value: String,
    cidr: String,
    address: String,
}

/// One interface of `network-get`'s YAML output, with the legacy `macaddress` and
/// `interfacename` after the current spellings.
#[derive(Serialize)]
struct InterfaceYaml {
    #[serde(rename = "mac-address")]
    mac_address: String,
    #[serde(rename = "interface-name")]
    interface_name: String,
    addresses: Vec<AddressYaml>,
    macaddress: String,
    interfacename: String,
}

/// `network-get BINDING [-r RELATION] [--format=json] [--bind-address]
/// [--ingress-address] [--egress-subnets]`: the whole network, or with one flag its
/// value, with several a map of them.
pub(super) fn network_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let json = c.args.json()?;
    let binding = match c.at_most(1)?.first() {
        None => return Err(ToolError::usage("no arguments specified")),
        Some(binding) if binding.is_empty() => {
            return Err(ToolError::usage("no binding name specified"));
        }
        Some(binding) => binding.clone(),
    };
    let relation_id = match c.args.value(&["-r", "--relation"]) {
        None => None,
        Some(_) => Some(c.relation_id()?),
    };
    let flag = |name: &str| c.args.flag(name);
    if flag("--primary-address") && FLAGS[..3].iter().any(|name| flag(name)) {
        return Err(ToolError::failed(
            "--primary-address must be the only flag specified",
        ));
    }
    let network = c.tools.network_get(&binding, relation_id)?;
    let bind_address = network.bind_address().unwrap_or_default().to_owned();
    if flag("--primary-address") {
        return c.print(bind_address);
    }
    let mut values = Map::new();
    for (name, key) in [
        ("--egress-subnets", "egress-subnets"),
        ("--ingress-address", "ingress-address"),
        ("--bind-address", "bind-address"),
    ] {
        if flag(name) {
            let value = match key {
                "egress-subnets" => Value::from(network.egress_subnets.clone()),
                "ingress-address" => Value::from(network.ingress_address().unwrap_or_default()),
                _ => Value::from(bind_address.clone()),
            };
            values.insert(key.to_owned(), value);
        }
    }
    if values.len() == 1 {
        return c.print(values.values().next());
    }
    if !values.is_empty() {
        return c.print(values);
    }
    let interfaces = network.bind_addresses.iter();
    if json {
        json_text(&NetworkJson {
            bind_addresses: interfaces
                .map(|interface| InterfaceJson {
                    mac_address: interface.mac_address.clone(),
                    interface_name: interface.interface_name.clone(),
                    addresses: interface
                        .addresses
                        .iter()
                        .map(|address| AddressJson {
                            hostname: address.hostname.clone(),
                            value: address.value.clone(),
                            cidr: address.cidr.clone(),
                        })
                        .collect(),
                })
                .collect(),
            egress_subnets: network.egress_subnets,
            ingress_addresses: network.ingress_addresses,
        })
    } else {
        yaml_text(&NetworkJson {
            bind_addresses: interfaces
                .map(|interface| InterfaceYaml {
                    mac_address: interface.mac_address.clone(),
                    interface_name: interface.interface_name.clone(),
                    addresses: interface
                        .addresses
                        .iter()
                        .map(|address| AddressYaml {
                            hostname: address.hostname.clone(),
                            value: address.value.clone(),
                            cidr: address.cidr.clone(),
                            address: address.value.clone(),
                        })
                        .collect(),
                    macaddress: interface.mac_address.clone(),
                    interfacename: interface.interface_name.clone(),
                })
                .collect(),
            egress_subnets: network.egress_subnets,
            ingress_addresses: network.ingress_addresses,
        })
    }
}

/// `unit-get [--format=json] private-address|public-address`.
pub(super) fn unit_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let kind = match c.one("no setting specified")? {
        "private-address" => AddressKind::Private,
        "public-address" => AddressKind::Public,
        key => return Err(ToolError::usage(format!("unknown setting {key:?}"))),
    };
    c.print(c.tools.unit_get(kind)?)
}

/// One entry of `goal-state`.
#[derive(Serialize)]
struct GoalJson {
    status: String,
    since: String,
}

/// `goal-state [--format=json]`: this unit (`active`), and per endpoint its related
/// applications (`joined`) and their units (`active`); YAML by default.
pub(super) fn goal_state(c: &mut Call<'_>) -> Result<String, ToolError> {
    c.at_most(0)?;
    let goal = c.tools.goal_state()?;
    // `common.FormatTime(t, true)`: UTC, a space between date and time.
    let now = clock::rfc3339(clock::now()).replacen('T', " ", 1);
    let entry = |status: &ops_runtime::GoalStatus| GoalJson {
        status: status.status.clone(),
        since: status.since.clone().unwrap_or_else(|| now.clone()),
    };
    let units: BTreeMap<&String, GoalJson> = goal
        .units
        .iter()
        .map(|(unit, status)| (unit, entry(status)))
        .collect();
    let relations: BTreeMap<&String, BTreeMap<&String, GoalJson>> = goal
        .relations
        .iter()
        .map(|(endpoint, related)| {
            let related = related
                .iter()
                .map(|(name, status)| (name, entry(status)))
                .collect();
            (endpoint, related)
        })
        .collect();
    c.print(serde_json::json!({
        "units": units,
        "relations": relations,
    }))
}
