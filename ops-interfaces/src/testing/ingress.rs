//! The other side of `ingress` in the harness: a proxy that answered (or not
//! yet) for a requirer charm's tests, a requirer application for a proxy
//! charm's tests, and readers of the bags the charm wrote.
//!
//! ```
//! use ops_interfaces::ingress::{IngressRequirer, Ready};
//! use ops_interfaces::testing::ingress;
//! use ops_runtime::testing::{Context, State};
//! use ops_runtime::*;
//!
//! struct Web {
//!     ingress: IngressRequirer,
//! }
//!
//! impl Default for Web {
//!     fn default() -> Self {
//!         Self { ingress: IngressRequirer::default().with_port(8080) }
//!     }
//! }
//!
//! #[charm(
//!     components(ingress: IngressRequirer = "ingress"),
//!     metadata_source = "name: web\nrequires:\n  ingress:\n    interface: ingress\n"
//! )]
//! impl Web {
//!     #[on(ingress::ready)]
//!     fn ready(&mut self, cx: &mut HookContext, event: Custom<Ready>) -> Result<(), ModelError> {
//!         cx.set_unit_status(Status::active(event.url.clone()))
//!     }
//! }
//!
//! let traefik = ingress::provider_answered("ingress", 3, "https://foo.example/model-web");
//! let state = State::new().with_leader(true).with_relation(traefik.clone());
//! let out = Context::<Web>::new().run(traefik.changed_event(None), state).unwrap();
//! assert_eq!(out.unit_status, Status::active("https://foo.example/model-web"));
//! assert_eq!(ingress::requested(out.relation(3).unwrap()).unwrap().port, 8080);
//! ```

use ops_runtime::Databag;
use ops_runtime::testing::Relation;

use crate::ingress::{DataError, ProviderAppData, RequirerAppData, RequirerUnitData, Scheme};

/// The application the proxy helpers play.
pub const PROXY_APP: &str = "traefik";

/// The bag Juju writes for a unit at `address`.
fn juju_keys(address: &str) -> Databag {
    Databag::from([
        ("private-address".to_owned(), address.to_owned()),
        ("ingress-address".to_owned(), address.to_owned()),
        ("egress-subnets".to_owned(), format!("{address}/32")),
    ])
}

/// A relation on `endpoint` to a proxy (`traefik`, one unit) that has not
/// answered yet.
///
/// ```
/// let traefik = ops_interfaces::testing::ingress::provider_pending("ingress", 1);
/// assert!(traefik.remote_app_data.is_empty());
/// ```
pub fn provider_pending(endpoint: &str, id: u64) -> Relation {
    Relation::new(endpoint, id)
        .with_remote_app(PROXY_APP)
        .without_remote_units()
        .with_remote_unit(format!("{PROXY_APP}/0"), juju_keys("10.1.0.1"))
}

/// A relation on `endpoint` to a proxy that published `url` for the
/// application, as ingress v2 writes it.
///
/// ```
/// let traefik = ops_interfaces::testing::ingress::provider_answered("ingress", 3, "http://x/m-a");
/// assert_eq!(traefik.remote_app_data["ingress"], r#"{"url": "http://x/m-a"}"#);
/// ```
pub fn provider_answered(endpoint: &str, id: u64, url: &str) -> Relation {
    provider_pending(endpoint, id).with_remote_app_data(ProviderAppData::new(url).to_databag())
}

/// A relation on `endpoint` to a proxy that published `url` as ingress v1
/// does, in YAML.
///
/// ```
/// let traefik = ops_interfaces::testing::ingress::provider_answered_v1("ingress", 3, "http://x/m-a");
/// assert_eq!(traefik.remote_app_data["ingress"], "url: http://x/m-a\n");
/// ```
pub fn provider_answered_v1(endpoint: &str, id: u64, url: &str) -> Relation {
    provider_pending(endpoint, id).with_remote_app_data(ProviderAppData::new(url).to_databag_v1())
}

/// A requirer application, for a proxy charm's tests: its request and its
/// units, written into a [`Relation`] as ingress v2 (or v1) writes them.
///
/// ```
/// use ops_interfaces::testing::ingress::RemoteRequirer;
///
/// let web = RemoteRequirer::new("web", 8080).with_units(2).relation("ingress", 4);
/// assert_eq!(web.remote_app_data["port"], "8080");
/// assert_eq!(web.remote_units["web/1"]["host"], r#""web-1.web-endpoints.test-model.svc.cluster.local""#);
/// ```
#[derive(Debug, Clone)]
pub struct RemoteRequirer {
    data: RequirerAppData,
    units: Vec<(String, RequirerUnitData)>,
    v1: bool,
}

impl RemoteRequirer {
    /// Application `app` in model `test-model` asking for `port`, with one
    /// unit at its Kubernetes FQDN.
    pub fn new(app: &str, port: u16) -> Self {
        Self {
            data: RequirerAppData::new("test-model", app, port),
            units: Vec::new(),
            v1: false,
        }
        .with_units(1)
    }

    /// In model `model` (the units' FQDNs follow).
    #[must_use]
    pub fn with_model(mut self, model: &str) -> Self {
        self.data.model = model.to_owned();
        let count = self.units.len();
        self.with_units(count)
    }

    /// With units `<app>/0` to `<app>/<count - 1>`, each at its Kubernetes
    /// FQDN and an address `10.1.1.<n + 1>`.
    #[must_use]
    pub fn with_units(mut self, count: usize) -> Self {
        let (app, model) = (&self.data.name, &self.data.model);
        self.units = (0..count)
            .map(|n| {
                let host = format!("{app}-{n}.{app}-endpoints.{model}.svc.cluster.local");
                let ip = std::net::Ipv4Addr::new(10, 1, 1, u8::try_from(n + 1).unwrap_or(255));
                (
                    format!("{app}/{n}"),
                    RequirerUnitData::new(host).with_ip(ip.into()),
                )
            })
            .collect();
        self
    }

    /// With a unit `unit` at `host` (added, or replacing one of that name).
    #[must_use]
    pub fn with_unit(mut self, unit: &str, host: &str) -> Self {
        self.units.retain(|(name, _)| name != unit);
        self.units
            .push((unit.to_owned(), RequirerUnitData::new(host)));
        self
    }

    /// Asking the proxy to reach the units with `scheme`.
    #[must_use]
    pub fn with_scheme(mut self, scheme: Scheme) -> Self {
        self.data.scheme = scheme;
        self
    }

    /// Asking the proxy to strip the prefix.
    #[must_use]
    pub fn with_strip_prefix(mut self) -> Self {
        self.data.strip_prefix = true;
        self
    }

    /// Asking the proxy to redirect HTTP to HTTPS.
    #[must_use]
    pub fn with_redirect_https(mut self) -> Self {
        self.data.redirect_https = true;
        self
    }

    /// Speaking ingress v1: raw strings in the application bag, the first
    /// unit's host among them, nothing in the unit bags.
    #[must_use]
    pub fn v1(mut self) -> Self {
        self.v1 = true;
        self
    }

    /// The application bag it writes.
    pub fn app_databag(&self) -> Databag {
        if !self.v1 {
            return self.data.to_databag();
        }
        let mut bag = Databag::from([
            ("model".to_owned(), self.data.model.clone()),
            ("name".to_owned(), self.data.name.clone()),
            ("port".to_owned(), self.data.port.to_string()),
        ]);
        if let Some((_, unit)) = self.units.first() {
            bag.insert("host".to_owned(), unit.host.clone());
        }
        for (key, on) in [
            ("strip-prefix", self.data.strip_prefix),
            ("redirect-https", self.data.redirect_https),
        ] {
            if on {
                bag.insert(key.to_owned(), "true".to_owned());
            }
        }
        bag
    }

    /// The relation on `endpoint` with `id` to this application.
    pub fn relation(&self, endpoint: &str, id: u64) -> Relation {
        let mut relation = Relation::new(endpoint, id)
            .with_remote_app(self.data.name.clone())
            .without_remote_units()
            .with_remote_app_data(self.app_databag());
        for (n, (unit, data)) in self.units.iter().enumerate() {
            let address = data
                .ip
                .map_or_else(|| format!("10.1.2.{}", n + 1), |ip| ip.to_string());
            let mut bag = juju_keys(&address);
            if !self.v1 {
                bag.extend(data.to_databag());
            }
            relation = relation.with_remote_unit(unit.clone(), bag);
        }
        relation
    }
}

/// The URL a proxy charm published on `relation` (in the output state), read
/// in either version.
///
/// # Errors
///
/// The charm wrote a bag that does not follow the protocol.
///
/// ```
/// use ops_interfaces::testing::ingress::{RemoteRequirer, published_url};
///
/// let mut web = RemoteRequirer::new("web", 80).relation("ingress", 1);
/// assert_eq!(published_url(&web).unwrap(), None);
/// web.local_app_data.insert("ingress".into(), r#"{"url": "http://p/m-web"}"#.into());
/// assert_eq!(published_url(&web).unwrap().as_deref(), Some("http://p/m-web"));
/// ```
pub fn published_url(relation: &Relation) -> Result<Option<String>, DataError> {
    Ok(ProviderAppData::from_databag(&relation.local_app_data)?.url)
}

/// The request a requirer charm's leader wrote on `relation` (in the output
/// state).
///
/// # Errors
///
/// The bag does not hold a valid version-2 request (the charm does not lead,
/// say: then it is empty and `model` is missing).
///
/// ```
/// use ops_interfaces::testing::ingress::{provider_pending, requested};
///
/// let err = requested(&provider_pending("ingress", 1)).unwrap_err();
/// assert_eq!(err.key, "model");
/// ```
pub fn requested(relation: &Relation) -> Result<RequirerAppData, DataError> {
    RequirerAppData::from_databag(&relation.local_app_data)
}

/// Where a requirer charm's unit said it is reachable on `relation` (in the
/// output state).
///
/// # Errors
///
/// The unit bag does not hold a valid `host` (and `ip`).
///
/// ```
/// use ops_interfaces::testing::ingress::{provider_pending, unit_address};
///
/// assert_eq!(unit_address(&provider_pending("ingress", 1)).unwrap_err().key, "host");
/// ```
pub fn unit_address(relation: &Relation) -> Result<RequirerUnitData, DataError> {
    RequirerUnitData::from_databag(&relation.local_unit_data)
}
