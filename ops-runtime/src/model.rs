//! The rest of the Juju model: storage, resources, networks, ports, goal state,
//! the cloud spec, reboots and unit addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::context::{HookContext, ModelError};
use crate::event::{RelationRef, StorageRef};

/// A storage of this charm. `#[charm]` generates one constant per storage in the
/// metadata (`MyCharm::STORAGE_DATA`), so a misspelt name is a compile error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StorageName(&'static str);

/// A workload container of this charm. `#[charm]` generates one constant per
/// container (`MyCharm::CONTAINER_WEB`), to pass to
#[cfg_attr(
    feature = "pebble",
    doc = "[`HookContext::container`](crate::HookContext::container)."
)]
#[cfg_attr(
    not(feature = "pebble"),
    doc = "`HookContext::container` (feature `pebble`)."
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContainerName(&'static str);

/// A resource of this charm. `#[charm]` generates one constant per resource
/// (`MyCharm::RESOURCE_WEB_IMAGE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceName(&'static str);

/// A network binding: an endpoint or an extra binding. `#[charm]` generates one
/// constant per binding (`MyCharm::BINDING_DB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Binding(&'static str);

macro_rules! name_type {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// A name, unchecked: prefer the constants `#[charm]` generates.
            pub const fn new_unchecked(name: &'static str) -> Self {
                Self(name)
            }

            /// The name, as in the metadata.
            pub const fn name(self) -> &'static str {
                self.0
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
    )*};
}

name_type!(StorageName, ResourceName, Binding, ContainerName);

/// What `storage-get` reports about a storage instance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StorageInfo {
    /// `filesystem` or `block`.
    pub kind: String,
    /// Where it is mounted (filesystem) or its device path (block).
    pub location: PathBuf,
}

/// A transport protocol for ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// TCP
    Tcp,
    /// UDP
    Udp,
    /// ICMP (no port numbers)
    Icmp,
}

/// A port or port range to open, as `open-port` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    /// The protocol.
    pub protocol: Protocol,
    /// The first port (0 for ICMP).
    pub from: u16,
    /// The last port, equal to `from` for a single port.
    pub to: u16,
}

impl Port {
    /// One TCP port.
    pub const fn tcp(port: u16) -> Self {
        Self {
            protocol: Protocol::Tcp,
            from: port,
            to: port,
        }
    }

    /// One UDP port.
    pub const fn udp(port: u16) -> Self {
        Self {
            protocol: Protocol::Udp,
            from: port,
            to: port,
        }
    }

    /// A range of ports.
    pub const fn range(protocol: Protocol, from: u16, to: u16) -> Self {
        Self { protocol, from, to }
    }

    /// ICMP.
    pub const fn icmp() -> Self {
        Self {
            protocol: Protocol::Icmp,
            from: 0,
            to: 0,
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = match self.protocol {
            Protocol::Icmp => return f.write_str("icmp"),
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        };
        if self.from == self.to {
            write!(f, "{}/{proto}", self.from)
        } else {
            write!(f, "{}-{}/{proto}", self.from, self.to)
        }
    }
}

impl FromStr for Port {
    type Err = String;

    /// Parses `opened-ports` output: `80/tcp`, `8000-8999/udp`, `icmp`, or a bare
    /// `80` (TCP); a trailing `(endpoints)` list is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.split_once('(').map_or(s, |(p, _)| p).trim();
        if s.eq_ignore_ascii_case("icmp") {
            return Ok(Port::icmp());
        }
        let (ports, protocol) = match s.split_once('/') {
            Some((ports, proto)) => (
                ports,
                match proto.to_ascii_lowercase().as_str() {
                    "tcp" => Protocol::Tcp,
                    "udp" => Protocol::Udp,
                    other => return Err(format!("unknown protocol `{other}` in `{s}`")),
                },
            ),
            None => (s, Protocol::Tcp),
        };
        let number = |p: &str| {
            p.parse::<u16>()
                .map_err(|_| format!("`{s}` is not a port or port range"))
        };
        let (from, to) = match ports.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(ports)?, number(ports)?),
        };
        if from == 0 || to < from {
            return Err(format!("`{s}` is not a port or port range"));
        }
        Ok(Port { protocol, from, to })
    }
}

/// One address of a network interface.
///
/// `network-get --format=json` names the IP address `value`; Juju before 2.9 named
/// it `address`, and Juju's YAML output carries both. Either or both are read, and
/// `value` wins when both are set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(from = "AddressSpellings")]
pub struct Address {
    /// The hostname, when Juju knows one.
    pub hostname: String,
    /// The IP address; empty when Juju gives none.
    pub value: String,
    /// The subnet in CIDR notation; empty when Juju gives none.
    pub cidr: String,
}

/// [`Address`] as Juju writes it, under every spelling.
#[derive(serde::Deserialize)]
struct AddressSpellings {
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    cidr: Option<String>,
}

impl From<AddressSpellings> for Address {
    fn from(wire: AddressSpellings) -> Self {
        Self {
            hostname: wire.hostname.unwrap_or_default(),
            value: either(wire.value, wire.address),
            cidr: wire.cidr.unwrap_or_default(),
        }
    }
}

/// The current spelling's value when set, else the legacy one's.
fn either(current: Option<String>, legacy: Option<String>) -> String {
    current
        .filter(|v| !v.is_empty())
        .or(legacy)
        .unwrap_or_default()
}

/// A network interface bound to a binding.
///
/// `network-get --format=json` writes `mac-address` and `interface-name`; Juju's
/// YAML output adds `macaddress` and `interfacename`, its older spellings. Either
/// or both are read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(from = "BindAddressSpellings")]
pub struct BindAddress {
    /// The MAC address.
    #[serde(rename = "mac-address")]
    pub mac_address: String,
    /// The interface name.
    #[serde(rename = "interface-name")]
    pub interface_name: String,
    /// Its addresses.
    pub addresses: Vec<Address>,
}

/// [`BindAddress`] as Juju writes it, under every spelling.
#[derive(serde::Deserialize)]
struct BindAddressSpellings {
    #[serde(rename = "mac-address", default)]
    mac_address: Option<String>,
    #[serde(default)]
    macaddress: Option<String>,
    #[serde(rename = "interface-name", default)]
    interface_name: Option<String>,
    #[serde(default)]
    interfacename: Option<String>,
    #[serde(default)]
    addresses: Option<Vec<Address>>,
}

impl From<BindAddressSpellings> for BindAddress {
    fn from(wire: BindAddressSpellings) -> Self {
        Self {
            mac_address: either(wire.mac_address, wire.macaddress),
            interface_name: either(wire.interface_name, wire.interfacename),
            addresses: wire.addresses.unwrap_or_default(),
        }
    }
}

/// What `network-get` reports for a binding.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
pub struct Network {
    /// The interfaces the binding is on.
    #[serde(rename = "bind-addresses", default)]
    pub bind_addresses: Vec<BindAddress>,
    /// Addresses other units reach this one on.
    #[serde(rename = "ingress-addresses", default)]
    pub ingress_addresses: Vec<String>,
    /// Subnets traffic from this unit comes from.
    #[serde(rename = "egress-subnets", default)]
    pub egress_subnets: Vec<String>,
}

impl Network {
    /// The first address of the interfaces, skipping any Juju left empty.
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .iter()
            .flat_map(|b| &b.addresses)
            .map(|a| a.value.as_str())
            .find(|value| !value.is_empty())
    }

    /// The first ingress address.
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses.first().map(String::as_str)
    }
}

/// One unit or relation as `goal-state` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct GoalStatus {
    /// `active`, `waiting`, `dying`, ...
    pub status: String,
    /// Since when, as Juju formats it.
    #[serde(default)]
    pub since: Option<String>,
}

/// What `goal-state` reports: the units and relations Juju is heading for.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
pub struct GoalState {
    /// This application's units.
    #[serde(default)]
    pub units: BTreeMap<String, GoalStatus>,
    /// Per endpoint, the related applications and units.
    #[serde(default)]
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

/// The credential of a cloud spec. Its `Debug` output hides the attributes,
/// which hold secrets.
#[derive(Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
pub struct CloudCredential {
    /// The authentication type, e.g. `userpass` or `certificate`.
    #[serde(rename = "auth-type", default)]
    pub auth_type: String,
    /// The credential's attributes (secret).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
    /// Attributes Juju redacted.
    #[serde(default)]
    pub redacted: Vec<String>,
}

impl fmt::Debug for CloudCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudCredential")
            .field("auth_type", &self.auth_type)
            .field("attrs", &self.attrs.keys().collect::<Vec<_>>())
            .field("redacted", &self.redacted)
            .finish()
    }
}

/// What `credential-get` reports: the cloud the model runs on (needs `juju trust`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
pub struct CloudSpec {
    /// The cloud type, e.g. `lxd`, `kubernetes`, `openstack`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The cloud's name.
    #[serde(default)]
    pub name: String,
    /// The region.
    #[serde(default)]
    pub region: Option<String>,
    /// The API endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The identity endpoint.
    #[serde(rename = "identity-endpoint", default)]
    pub identity_endpoint: Option<String>,
    /// The storage endpoint.
    #[serde(rename = "storage-endpoint", default)]
    pub storage_endpoint: Option<String>,
    /// The credential.
    #[serde(default)]
    pub credential: Option<CloudCredential>,
    /// CA certificates.
    #[serde(rename = "cacertificates", default)]
    pub ca_certificates: Vec<String>,
    /// Whether TLS verification is skipped.
    #[serde(rename = "skip-tls-verify", default)]
    pub skip_tls_verify: bool,
    /// Whether this is the controller's cloud.
    #[serde(rename = "is-controller-cloud", default)]
    pub is_controller_cloud: bool,
}

/// Which of this unit's addresses `unit-get` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// `private-address`
    Private,
    /// `public-address`
    Public,
}

impl AddressKind {
    /// The key `unit-get` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::Private => "private-address",
            AddressKind::Public => "public-address",
        }
    }
}

impl HookContext {
    /// The instances of `storage` attached to this unit (`storage-list`).
    pub fn storages(&mut self, storage: StorageName) -> Result<Vec<StorageRef>, ModelError> {
        let ids = self.hook_tools().storage_list(Some(storage.0))?;
        Ok(ids
            .iter()
            .filter_map(|id| {
                let (name, index) = id.rsplit_once('/')?;
                Some(StorageRef {
                    name: name.to_owned(),
                    index: index.parse().ok()?,
                })
            })
            .collect())
    }

    /// Kind and location of a storage instance (`storage-get -s NAME/N`).
    pub fn storage_info(&mut self, storage: &StorageRef) -> Result<StorageInfo, ModelError> {
        Ok(self.hook_tools().storage_get(&storage.to_string())?)
    }

    /// Asks Juju for `count` more instances of `storage` (`storage-add`).
    pub fn request_storage(&mut self, storage: StorageName, count: u32) -> Result<(), ModelError> {
        Ok(self.hook_tools().storage_add(storage.0, count)?)
    }

    /// The local path of a resource, fetching it if needed (`resource-get`).
    pub fn resource(&mut self, resource: ResourceName) -> Result<PathBuf, ModelError> {
        Ok(self.hook_tools().resource_get(resource.0)?)
    }

    /// The network of a binding (`network-get`); with a relation, the addresses
    /// for that relation, falling back to the binding's when Juju no longer knows
    /// the relation.
    pub fn network(
        &mut self,
        binding: Binding,
        relation: Option<&RelationRef>,
    ) -> Result<Network, ModelError> {
        match self
            .hook_tools()
            .network_get(binding.0, relation.map(|r| r.id))
        {
            Ok(network) => Ok(network),
            Err(e) if relation.is_some() => match ModelError::from(e) {
                ModelError::RelationNotFound { .. } => {
                    Ok(self.hook_tools().network_get(binding.0, None)?)
                }
                other => Err(other),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Opens a port or range (`open-port`).
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Port, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(start)]
    ///     fn start(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         cx.open_port(Port::tcp(80))
    ///     }
    /// }
    ///
    /// let out = Context::<Demo>::new().run(Event::Start, State::new()).unwrap();
    /// assert!(out.opened_ports.contains(&Port::tcp(80)));
    /// ```
    pub fn open_port(&mut self, port: Port) -> Result<(), ModelError> {
        Ok(self.hook_tools().open_port(&port)?)
    }

    /// Closes a port or range (`close-port`).
    pub fn close_port(&mut self, port: Port) -> Result<(), ModelError> {
        Ok(self.hook_tools().close_port(&port)?)
    }

    /// The ports this unit has open (`opened-ports`).
    pub fn opened_ports(&mut self) -> Result<Vec<Port>, ModelError> {
        Ok(self.hook_tools().opened_ports()?)
    }

    /// Makes exactly `ports` open: closes the others, opens the missing ones.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Port, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = r#"
    /// name: demo
    /// config:
    ///   options:
    ///     port:
    ///       type: int
    ///       default: 8080
    /// "#)]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let port = cx.config()?.get_int("port").and_then(|p| u16::try_from(p).ok());
    ///         cx.set_ports(&[Port::tcp(port.unwrap_or(8080))])
    ///     }
    /// }
    ///
    /// // The port moves: 8080 is closed, 9090 opened.
    /// let state = State::new().with_config("port", 9090).with_opened_port(Port::tcp(8080));
    /// let out = Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// assert_eq!(out.opened_ports.iter().collect::<Vec<_>>(), [&Port::tcp(9090)]);
    /// ```
    pub fn set_ports(&mut self, ports: &[Port]) -> Result<(), ModelError> {
        let open = self.opened_ports()?;
        for port in open.iter().filter(|p| !ports.contains(p)) {
            self.close_port(*port)?;
        }
        for port in ports.iter().filter(|p| !open.contains(p)) {
            self.open_port(*port)?;
        }
        Ok(())
    }

    /// What Juju is heading for (`goal-state`).
    pub fn goal_state(&mut self) -> Result<GoalState, ModelError> {
        Ok(self.hook_tools().goal_state()?)
    }

    /// How many units this application is meant to have: the goal state's units
    /// that are not dying.
    pub fn planned_units(&mut self) -> Result<usize, ModelError> {
        Ok(self
            .goal_state()?
            .units
            .values()
            .filter(|u| u.status != "dying")
            .count())
    }

    /// The cloud the model runs on (`credential-get`; needs `juju trust`).
    pub fn cloud_spec(&mut self) -> Result<CloudSpec, ModelError> {
        Ok(self.hook_tools().credential_get()?)
    }

    /// Asks Juju to reboot the machine: after this hook, or with `now` at once.
    /// With `now`, the charm process exits (status 0) as soon as Juju has the
    /// request, as ops does, since Juju kills it anyway: nothing after the call
    /// runs and the hook's state is not committed; Juju runs the hook again
    /// after the reboot. The testing harness records the request (its
    /// `Context::reboots`) and lets the handler go on. Juju refuses a reboot during actions.
    pub fn reboot(&mut self, now: bool) -> Result<(), ModelError> {
        crate::logging::security_event(
            crate::logging::SecurityLevel::Warn,
            &format!("sys_restart:{}", self.juju().unit_name),
            &format!(
                "Rebooting the machine of unit {}{}.",
                self.juju().unit_name,
                if now { " now" } else { " after this hook" }
            ),
        );
        Ok(self.hook_tools().juju_reboot(now)?)
    }

    /// Records metrics (`add-metric`): only in `collect-metrics`, which Juju
    /// removed in 3.6.11. Keys start with a letter and hold letters, digits, `_`
    /// and `-`; values are finite and non-negative; label values are non-empty
    /// and hold neither `,` nor `=`.
    pub fn add_metrics(
        &mut self,
        metrics: &[(&str, f64)],
        labels: &[(&str, &str)],
    ) -> Result<(), ModelError> {
        if !matches!(self.event(), crate::Event::CollectMetrics) {
            return Err(ModelError::InvalidMetric {
                reason: "metrics can only be added in `collect-metrics`".into(),
            });
        }
        let key_ok = |k: &str| {
            k.starts_with(|c: char| c.is_ascii_alphabetic())
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        let mut checked = Vec::new();
        for (key, value) in metrics {
            if !key_ok(key) {
                return Err(ModelError::InvalidMetric {
                    reason: format!("invalid metric key `{key}`"),
                });
            }
            if !value.is_finite() || *value < 0.0 {
                return Err(ModelError::InvalidMetric {
                    reason: format!("metric `{key}` must be finite and non-negative, not {value}"),
                });
            }
            checked.push(((*key).to_owned(), value.to_string()));
        }
        let mut checked_labels = Vec::new();
        for (key, value) in labels {
            if !key_ok(key) || value.is_empty() || value.contains([',', '=']) {
                return Err(ModelError::InvalidMetric {
                    reason: format!("invalid label `{key}={value}`"),
                });
            }
            checked_labels.push(((*key).to_owned(), (*value).to_owned()));
        }
        Ok(self.hook_tools().add_metric(&checked, &checked_labels)?)
    }

    /// Sets the pod spec of a podspec charm (`pod-spec-set`; leader only;
    /// deprecated by Juju in favour of sidecar charms).
    pub fn set_pod_spec(
        &mut self,
        spec: &serde_json::Value,
        k8s_resources: Option<&serde_json::Value>,
    ) -> Result<(), ModelError> {
        if !self.is_leader()? {
            return Err(ModelError::NotLeader {
                action: "set the pod spec",
            });
        }
        Ok(self.hook_tools().pod_spec_set(spec, k8s_resources)?)
    }

    /// One of this unit's addresses (`unit-get`).
    pub fn unit_address(&mut self, kind: AddressKind) -> Result<String, ModelError> {
        Ok(self.hook_tools().unit_get(kind)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_and_print() {
        for (text, port) in [
            ("80/tcp", Port::tcp(80)),
            ("53/udp", Port::udp(53)),
            ("8000-8999/udp", Port::range(Protocol::Udp, 8000, 8999)),
            ("icmp", Port::icmp()),
        ] {
            assert_eq!(text.parse::<Port>(), Ok(port));
            assert_eq!(port.to_string(), text);
        }
        assert_eq!("443".parse::<Port>(), Ok(Port::tcp(443)));
        assert_eq!("80/tcp (db,web)".parse::<Port>(), Ok(Port::tcp(80)));
        for bad in ["0/tcp", "80/sctp", "9-1/tcp", "http"] {
            assert!(bad.parse::<Port>().is_err(), "{bad}");
        }
    }

    #[test]
    fn addresses_in_both_spellings_prefer_value() {
        // Juju's YAML output carries both spellings of each field; serde's `alias`
        // took this for a duplicate field.
        let json = r#"{"mac-address": "aa", "interface-name": "eth0", "macaddress": "aa",
            "interfacename": "eth0", "addresses": [{"hostname": "", "value": "10.0.0.2",
            "cidr": "10.0.0.0/24", "address": "10.0.0.2"}]}"#;
        let interface: BindAddress = serde_json::from_str(json).unwrap();
        assert_eq!(interface.addresses[0].value, "10.0.0.2");
        assert_eq!(interface.interface_name, "eth0");
        let address: Address =
            serde_json::from_str(r#"{"address": "10.9.9.9", "value": "10.0.0.1"}"#).unwrap();
        assert_eq!(address.value, "10.0.0.1");
        let legacy: BindAddress =
            serde_json::from_str(r#"{"macaddress": "bb", "interfacename": "ens3"}"#).unwrap();
        assert_eq!(
            (legacy.mac_address.as_str(), legacy.interface_name.as_str()),
            ("bb", "ens3")
        );
        assert!(legacy.addresses.is_empty());
    }

    #[test]
    fn network_json_and_credentials_debug() {
        let json = r#"{"bind-addresses": [{"mac-address": "aa", "interface-name": "eth0",
            "addresses": [{"hostname": "", "address": "10.0.0.2", "cidr": "10.0.0.0/24"}]}],
            "ingress-addresses": ["10.0.0.2"], "egress-subnets": ["10.0.0.0/24"]}"#;
        let network: Network = serde_json::from_str(json).unwrap();
        assert_eq!(network.bind_address(), Some("10.0.0.2"));
        assert_eq!(network.ingress_address(), Some("10.0.0.2"));
        let credential = CloudCredential {
            auth_type: "userpass".into(),
            attrs: [("password".to_owned(), "hunter2".to_owned())]
                .into_iter()
                .collect(),
            redacted: vec![],
        };
        assert!(!format!("{credential:?}").contains("hunter2"));
    }
}
