//! The integration tests of `tinyproxy`, one module per area, in one test binary:
//! each separate `tests/*.rs` would be another link of the whole dependency graph.

mod charm;
mod process;
