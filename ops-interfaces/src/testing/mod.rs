//! Helpers that play each interface's remote side in
//! [`ops_runtime::testing`]: builders of the [`Relation`] a charm's test puts in
//! its [`State`], and readers of what the charm wrote back.
//!
//! [`Relation`]: ops_runtime::testing::Relation
//! [`State`]: ops_runtime::testing::State

#[cfg(feature = "database")]
#[cfg_attr(docsrs, doc(cfg(feature = "database")))]
pub mod database;
#[cfg(feature = "grafana-dashboard")]
#[cfg_attr(docsrs, doc(cfg(feature = "grafana-dashboard")))]
pub mod grafana_dashboard;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
#[cfg(feature = "ingress")]
#[cfg_attr(docsrs, doc(cfg(feature = "ingress")))]
pub mod ingress;
#[cfg(feature = "juju-info")]
#[cfg_attr(docsrs, doc(cfg(feature = "juju-info")))]
pub mod juju_info;
#[cfg(feature = "loki-push-api")]
#[cfg_attr(docsrs, doc(cfg(feature = "loki-push-api")))]
pub mod loki_push_api;
#[cfg(feature = "prometheus-scrape")]
#[cfg_attr(docsrs, doc(cfg(feature = "prometheus-scrape")))]
pub mod prometheus_scrape;
#[cfg(feature = "tls-certificates")]
#[cfg_attr(docsrs, doc(cfg(feature = "tls-certificates")))]
pub mod tls_certificates;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub mod tracing;
