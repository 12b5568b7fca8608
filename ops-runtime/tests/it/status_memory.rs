//! Collect-status skips a `status-set` that would repeat the status this charm
//! set last; a failed hook must not leave that memory stale.

use std::collections::BTreeMap;
use std::rc::Rc;

use ops_runtime::state::LocalStore;
use ops_runtime::testing::MemoryHookTools;
use ops_runtime::*;

#[derive(Default)]
struct Flaky {
    fail: bool,
}

#[charm(metadata_source = "name: flaky\n")]
impl Flaky {
    #[on(update_status)]
    fn update(&mut self, cx: &mut HookContext) -> Result<(), CharmError> {
        if self.fail {
            cx.set_unit_status(Status::maintenance("repairing"))?;
            return Err(CharmError::msg("the repair failed"));
        }
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(&mut self, status: CollectStatus) {
        status.add(Status::active("ok"));
    }
}

fn update_status(charm: &mut Flaky, dir: &std::path::Path) -> (bool, usize) {
    let vars: BTreeMap<String, String> = [
        ("JUJU_DISPATCH_PATH", "hooks/update-status"),
        ("JUJU_HOOK_NAME", "update-status"),
        ("JUJU_UNIT_NAME", "flaky/0"),
        ("JUJU_MODEL_NAME", "m"),
        ("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000"),
        ("JUJU_VERSION", "3.6.4"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain([("JUJU_CHARM_DIR".to_owned(), dir.display().to_string())])
    .collect();
    let juju = JujuContext::from_vars(&vars).unwrap();
    let tools = Rc::new(MemoryHookTools::default());
    let store = LocalStore::in_charm_dir(dir);
    let outcome = run_with_store(charm, juju, tools.clone(), &store);
    let sets = tools.calls().iter().filter(|c| **c == "status-set").count();
    (matches!(outcome, Outcome::Success), sets)
}

#[test]
fn after_a_failed_hook_collect_status_sets_the_status_again() {
    let dir = std::env::temp_dir().join(format!("status-memory-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut charm = Flaky::default();

    assert_eq!(update_status(&mut charm, &dir), (true, 1), "first: set");
    assert_eq!(
        update_status(&mut charm, &dir),
        (true, 0),
        "unchanged: skipped"
    );

    // The failing hook sets maintenance, which Juju keeps even though the hook
    // fails; the next hook must put active back.
    charm.fail = true;
    assert_eq!(update_status(&mut charm, &dir), (false, 1));
    charm.fail = false;
    assert_eq!(
        update_status(&mut charm, &dir),
        (true, 1),
        "after the failure: set"
    );
    assert_eq!(
        update_status(&mut charm, &dir),
        (true, 0),
        "unchanged again: skipped"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
