//! `network-get`, `unit-get` and `goal-state`: argv and Juju's output format
//! (deprecated fields included); what they answer and refuse is the runtime's
//! model's ([`super::juju`]), on a fixed simulated network: the unit is
//! [`UNIT_ADDRESS`] on `eth0`, in [`SUBNET`] ([`sim_network`]).

use ops_runtime::HookTools;
use ops_runtime::{Address, AddressKind, BindAddress, Network};
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Context, ToolError, clock, json_text, juju, output, parse, relation_index, yaml_text};
use crate::sim::state::{Model, SUBNET, UNIT_ADDRESS};

/// The unit's interface.
const INTERFACE: &str = "eth0";

/// The interface's MAC address (an LXD-style one).
const MAC_ADDRESS: &str = "00:16:3e:00:00:0a";

/// Runs one of the network tools.
pub(super) fn run(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
    match tool {
        "network-get" => network_get(args, model, context),
        "unit-get" => unit_get(args, model),
        _ => goal_state(args, model),
    }
}

/// The simulated unit's network, the same for every binding.
pub(super) fn sim_network() -> Network {
    Network {
        bind_addresses: vec![BindAddress {
            mac_address: MAC_ADDRESS.to_owned(),
            interface_name: INTERFACE.to_owned(),
            addresses: vec![Address {
                hostname: String::new(),
                value: UNIT_ADDRESS.to_owned(),
                cidr: SUBNET.to_owned(),
            }],
        }],
        ingress_addresses: vec![UNIT_ADDRESS.to_owned()],
        egress_subnets: vec![format!("{UNIT_ADDRESS}/32")],
    }
}

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
fn network_get(args: &[String], model: &mut Model, context: &Context) -> Result<String, ToolError> {
    const FLAGS: &[&str] = &[
        "--bind-address",
        "--ingress-address",
        "--egress-subnets",
        "--primary-address",
    ];
    let parsed = parse(args, &["--format", "-r", "--relation"], FLAGS)?;
    let json = parsed.json()?;
    let binding = match parsed.positionals.as_slice() {
        [] => return Err(ToolError::usage("no arguments specified")),
        [binding] if binding.is_empty() => {
            return Err(ToolError::usage("no binding name specified"));
        }
        [binding] => binding.clone(),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    // A bare id goes to the model as `ProcessHookTools` sends it; `endpoint:id`
    // is resolved as the relation tools resolve it.
    let relation_id = match parsed.value(&["-r", "--relation"]) {
        None => None,
        Some(reference) => match reference.parse::<u64>() {
            Ok(id) => Some(id),
            Err(_) => Some(model.relations[relation_index(model, &parsed, context)?].id),
        },
    };
    if parsed.flag("--primary-address") && FLAGS[..3].iter().any(|flag| parsed.flag(flag)) {
        return Err(ToolError::failed(
            "--primary-address must be the only flag specified",
        ));
    }
    let network = juju::call(model, |tools| tools.network_get(&binding, relation_id))?;
    let bind_address = network.bind_address().unwrap_or_default().to_owned();
    if parsed.flag("--primary-address") {
        return output(&Value::from(bind_address), json);
    }
    let mut values = Map::new();
    let mut keys = Vec::new();
    for (flag, key) in [
        ("--egress-subnets", "egress-subnets"),
        ("--ingress-address", "ingress-address"),
        ("--bind-address", "bind-address"),
    ] {
        if parsed.flag(flag) {
            let value = match key {
                "egress-subnets" => Value::from(network.egress_subnets.clone()),
                "ingress-address" => Value::from(network.ingress_address().unwrap_or_default()),
                _ => Value::from(bind_address.clone()),
            };
            values.insert(key.to_owned(), value);
            keys.push(key);
        }
    }
    match keys.as_slice() {
        [] if json => json_text(&NetworkJson {
            bind_addresses: network
                .bind_addresses
                .iter()
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
        }),
        [] => yaml_text(&NetworkJson {
            bind_addresses: network
                .bind_addresses
                .iter()
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
        }),
        [key] => output(&values[*key], json),
        _ => output(&Value::Object(values), json),
    }
}

/// `unit-get [--format=json] private-address|public-address`.
fn unit_get(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    let kind = match parsed.positionals.as_slice() {
        [] => return Err(ToolError::usage("no setting specified")),
        [key] if key == "private-address" => AddressKind::Private,
        [key] if key == "public-address" => AddressKind::Public,
        [key] => return Err(ToolError::usage(format!("unknown setting {key:?}"))),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    let address = juju::call(model, |tools| tools.unit_get(kind))?;
    output(&Value::from(address), json)
}

/// One entry of `goal-state`.
#[derive(Serialize)]
struct GoalJson {
    status: String,
    since: String,
}

/// `goal-state [--format=json]`: this unit (`active`), and per endpoint its related
/// applications (`joined`) and their units (`active`); YAML by default.
fn goal_state(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
    }
    let goal = juju::call(model, |tools| tools.goal_state())?;
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
    output(
        &serde_json::json!({
            "units": units,
            "relations": relations,
        }),
        json,
    )
}
