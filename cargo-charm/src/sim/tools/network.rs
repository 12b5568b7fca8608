//! `network-get`, `unit-get` and `goal-state` on a fixed simulated network: the unit
//! is [`UNIT_ADDRESS`] on `eth0`, in [`SUBNET`].

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Context, ToolError, clock, json_text, output, parse, relation_index, yaml_text};
use crate::sim::state::{Model, SUBNET, UNIT_ADDRESS};

/// The unit's interface.
const INTERFACE: &str = "eth0";

/// The interface's MAC address (an LXD-style one).
const MAC_ADDRESS: &str = "00:16:3e:00:00:0a";

/// Runs one of the network tools.
pub(super) fn run(
    tool: &str,
    args: &[String],
    model: &Model,
    context: &Context,
) -> Result<String, ToolError> {
    match tool {
        "network-get" => network_get(args, model, context),
        "unit-get" => unit_get(args),
        _ => goal_state(args, model),
    }
}

/// One address of `network-get`'s output, in Juju's field order.
#[derive(Serialize)]
struct AddressJson {
    hostname: &'static str,
    value: &'static str,
    cidr: &'static str,
}

/// One interface of `network-get`'s output.
#[derive(Serialize)]
struct InterfaceJson {
    #[serde(rename = "mac-address")]
    mac_address: &'static str,
    #[serde(rename = "interface-name")]
    interface_name: &'static str,
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
    ingress_addresses: Vec<&'static str>,
}

/// One address of `network-get`'s YAML (and smart) output, whose YAML tags repeat
/// the value under its legacy name `address`.
#[derive(Serialize)]
struct AddressYaml {
    hostname: &'static str,
    value: &'static str,
    cidr: &'static str,
    address: &'static str,
}

/// One interface of `network-get`'s YAML output, with the legacy `macaddress` and
/// `interfacename` after the current spellings.
#[derive(Serialize)]
struct InterfaceYaml {
    #[serde(rename = "mac-address")]
    mac_address: &'static str,
    #[serde(rename = "interface-name")]
    interface_name: &'static str,
    addresses: Vec<AddressYaml>,
    macaddress: &'static str,
    interfacename: &'static str,
}

/// `network-get BINDING [-r RELATION] [--format=json] [--bind-address]
/// [--ingress-address] [--egress-subnets]`: the whole network, or with one flag its
/// value, with several a map of them.
fn network_get(args: &[String], model: &Model, context: &Context) -> Result<String, ToolError> {
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
        [binding] => binding,
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    if parsed.value(&["-r", "--relation"]).is_some() {
        relation_index(model, &parsed, context)?;
    }
    let known = model.bindings.contains(binding)
        || model
            .relations
            .iter()
            .any(|relation| relation.endpoint == *binding);
    if !known {
        return Err(ToolError::failed(format!(
            "no network config found for binding {binding:?}"
        )));
    }
    let egress = || Value::from(vec![format!("{UNIT_ADDRESS}/32")]);
    if parsed.flag("--primary-address") {
        if FLAGS[..3].iter().any(|flag| parsed.flag(flag)) {
            return Err(ToolError::failed(
                "--primary-address must be the only flag specified",
            ));
        }
        return output(&Value::from(UNIT_ADDRESS), json);
    }
    let mut values = Map::new();
    let mut keys = Vec::new();
    for (flag, key) in [
        ("--egress-subnets", "egress-subnets"),
        ("--ingress-address", "ingress-address"),
        ("--bind-address", "bind-address"),
    ] {
        if parsed.flag(flag) {
            let value = if key == "egress-subnets" {
                egress()
            } else {
                Value::from(UNIT_ADDRESS)
            };
            values.insert(key.to_owned(), value);
            keys.push(key);
        }
    }
    match keys.as_slice() {
        [] if json => json_text(&NetworkJson {
            bind_addresses: vec![InterfaceJson {
                mac_address: MAC_ADDRESS,
                interface_name: INTERFACE,
                addresses: vec![AddressJson {
                    hostname: "",
                    value: UNIT_ADDRESS,
                    cidr: SUBNET,
                }],
            }],
            egress_subnets: vec![format!("{UNIT_ADDRESS}/32")],
            ingress_addresses: vec![UNIT_ADDRESS],
        }),
        [] => yaml_text(&NetworkJson {
            bind_addresses: vec![InterfaceYaml {
                mac_address: MAC_ADDRESS,
                interface_name: INTERFACE,
                addresses: vec![AddressYaml {
                    hostname: "",
                    value: UNIT_ADDRESS,
                    cidr: SUBNET,
                    address: UNIT_ADDRESS,
                }],
                macaddress: MAC_ADDRESS,
                interfacename: INTERFACE,
            }],
            egress_subnets: vec![format!("{UNIT_ADDRESS}/32")],
            ingress_addresses: vec![UNIT_ADDRESS],
        }),
        [key] => output(&values[*key], json),
        _ => output(&Value::Object(values), json),
    }
}

/// `unit-get [--format=json] private-address|public-address`.
fn unit_get(args: &[String]) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    match parsed.positionals.as_slice() {
        [] => Err(ToolError::usage("no setting specified")),
        [key] if key == "private-address" || key == "public-address" => {
            output(&Value::from(UNIT_ADDRESS), json)
        }
        [key] => Err(ToolError::usage(format!("unknown setting {key:?}"))),
        [_, extra, ..] => Err(ToolError::usage(format!("unrecognized args: [{extra:?}]"))),
    }
}

/// One entry of `goal-state`.
#[derive(Serialize)]
struct GoalJson {
    status: &'static str,
    since: String,
}

/// `goal-state [--format=json]`: this unit (`active`), and per endpoint its related
/// applications (`joined`) and their units (`active`); YAML by default.
fn goal_state(args: &[String], model: &Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
    }
    // `common.FormatTime(t, true)`: UTC, a space between date and time.
    let since = clock::rfc3339(clock::now()).replacen('T', " ", 1);
    let entry = |status| GoalJson {
        status,
        since: since.clone(),
    };
    let units = std::collections::BTreeMap::from([(model.unit.clone(), entry("active"))]);
    let mut relations: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, GoalJson>,
    > = std::collections::BTreeMap::new();
    for relation in &model.relations {
        let related = relations.entry(relation.endpoint.clone()).or_default();
        related.insert(relation.remote_app.clone(), entry("joined"));
        for unit in relation.remote_units.keys() {
            related.insert(unit.clone(), entry("active"));
        }
    }
    output(
        &serde_json::json!({
            "units": units,
            "relations": relations,
        }),
        json,
    )
}
