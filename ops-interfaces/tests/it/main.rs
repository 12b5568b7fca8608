//! Integration tests of ops-interfaces: one module per interface.
mod http;
mod ingress;
mod juju_info;
