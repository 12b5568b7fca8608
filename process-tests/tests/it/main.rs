//! The integration tests of `process-tests`, one module per area, in one test binary:
//! each separate `tests/*.rs` would be another link of the whole dependency graph.

mod charm_tracing;
mod hook_tools;
mod killed_hooks;
mod no_secret_in_logs;
mod state_fault_injection;
