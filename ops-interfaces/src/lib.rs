//! Relation interfaces for Rust charms: each side of a Juju relation interface
//! as a typed [component](ops_runtime::Component), declared against one endpoint
//! of the charm and checked against its metadata at compile time.
//!
//! Each interface is behind a feature of its own, so a charm compiles only the
//! interfaces it speaks:
//!
//! | Feature     | Interface(s)                                              |
//! |-------------|-----------------------------------------------------------|
//! | `database`  | `postgresql_client`, `mysql_client`, `mongodb_client`     |
//! | `ingress`   | `ingress` (v2 per application; v1 recognised on read)     |
//! | `http`      | `http`                                                    |
//! | `juju-info` | `juju-info`                                               |
//! | `prometheus-scrape` | `prometheus_scrape` (v0): scrape jobs and alert rules |
//! | `loki-push-api` | `loki_push_api` (lib v1): push endpoints, log rules, Pebble log forwarding |
//! | `grafana-dashboard` | `grafana_dashboard` (lib v0): dashboards, xz + base64 |
//! | `tracing`   | `tracing` (v2), the requirer: receivers' URLs by protocol |
//! | `tls-certificates` | `tls-certificates` (v1): keys, CSRs, certificates, renewal; signing with a CA |
//! | `testing`   | helpers that play the remote side in `ops_runtime::testing` |
//!
//! The databag keys, encodings and handshakes follow the published interface
//! specifications and the Python charm libraries that speak them, so a Rust
//! charm relates to the charms already deployed.

#[cfg(feature = "database")]
#[cfg_attr(docsrs, doc(cfg(feature = "database")))]
pub mod database;

#[cfg(feature = "ingress")]
#[cfg_attr(docsrs, doc(cfg(feature = "ingress")))]
pub mod ingress;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;

#[cfg(feature = "juju-info")]
#[cfg_attr(docsrs, doc(cfg(feature = "juju-info")))]
pub mod juju_info;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

#[cfg(any(
    feature = "prometheus-scrape",
    feature = "loki-push-api",
    feature = "grafana-dashboard",
    feature = "tracing"
))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(
        feature = "prometheus-scrape",
        feature = "loki-push-api",
        feature = "grafana-dashboard",
        feature = "tracing"
    )))
)]
pub mod cos;

#[cfg(feature = "prometheus-scrape")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus-scrape")))]
pub mod prometheus_scrape;

#[cfg(feature = "loki-push-api")]
#[cfg_attr(docsrs, doc(cfg(feature = "loki-push-api")))]
pub mod loki_push_api;

#[cfg(feature = "grafana-dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "grafana-dashboard")))]
pub mod grafana_dashboard;

#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub mod tracing;

#[cfg(feature = "tls-certificates")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls-certificates")))]
pub mod tls_certificates;
