//! The integration tests of `ops-runtime`, one module per area, in one test binary:
//! each separate `tests/*.rs` would be another link of the whole dependency graph.

mod components;
mod container_conveniences;
mod container_ops;
mod containers;
mod debug_log;
mod dispatch;
mod framework;
mod harness;
mod harness_charm;
mod harness_mounts;
mod harness_state;
mod history;
mod metadata;
mod model;
mod pebble_client;
mod pebble_container;
mod pebble_exec;
mod pebble_failures;
mod pebble_fake;
mod pebble_files;
mod pebble_limits;
mod pebble_props;
mod pebble_support;
mod relations;
mod secrets;
mod security;
mod split_layout;
mod status_memory;
mod trace_data;
mod typed;
