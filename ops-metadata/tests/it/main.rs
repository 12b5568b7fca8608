//! The integration tests of `ops-metadata`, one module per area, in one test binary:
//! each separate `tests/*.rs` would be another link of the whole dependency graph.

mod corpus;
mod errors;
mod hostile;
mod model;
mod props;
