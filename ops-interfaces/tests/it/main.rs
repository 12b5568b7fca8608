//! Integration tests of ops-interfaces: one module per interface.
