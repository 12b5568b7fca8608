//! The integration tests of `cargo-charm`, one module per area, in one test binary:
//! each separate `tests/*.rs` would be another link of the whole dependency graph.

mod check;
mod cli;
mod init;
mod pack;
mod sim;
mod sim_tools;
