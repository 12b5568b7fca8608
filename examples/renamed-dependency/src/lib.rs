//! A charm that reaches `ops-runtime` under another name, to check that the
//! code `#[charm(crate = ...)]` generates names only the given path.

use ops::{CollectStatus, Status};

/// A charm that is always active.
#[derive(Debug, Default)]
pub struct Renamed;

#[ops::charm(crate = ops, metadata_source = "name: renamed")]
impl Renamed {
    /// Reports `active` after every hook.
    #[on(collect_unit_status)]
    fn status(&mut self, status: CollectStatus) {
        status.add(Status::active("renamed"));
    }
}

#[cfg(test)]
mod tests {
    use ops::testing::{Context, State};

    #[test]
    fn runs_under_the_renamed_crate() {
        let out = Context::<super::Renamed>::new()
            .run(ops::Event::Install, State::new())
            .unwrap();
        assert_eq!(out.unit_status, ops::Status::active("renamed"));
    }
}
