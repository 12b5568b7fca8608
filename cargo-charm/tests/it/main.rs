//! The integration tests of `cargo-charm`, one module per area, in one test binary:
//! each separate `tests/*.rs` would be another link of the whole dependency graph.

mod charm_files;
mod check;
mod cli;
mod init;
mod pack;
mod sim;
mod sim_tools;

/// `cargo-charm`, as built for these tests, run without the colour settings of the
/// environment (CI systems often export `CARGO_TERM_COLOR=always`), so that the tests
/// that read its stderr see plain text; `cli` tests colour on purpose.
pub(crate) fn cargo_charm_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-charm"));
    command
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("NO_COLOR");
    command
}
