//! The macros' compile errors, one case per distinct mistake.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p
//! ui-tests` and review the diff. The messages depend on the compiler, which
//! `rust-toolchain.toml` pins.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
    t.compile_fail("tests/fail/*/*.rs");
}
