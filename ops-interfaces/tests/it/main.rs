//! Integration tests of ops-interfaces: one module per interface.
mod cos_support;
mod database;
mod grafana_dashboard;
mod http;
mod ingress;
mod juju_info;
mod loki_push_api;
mod prometheus_scrape;
mod tls_certificates;
mod tracing;
