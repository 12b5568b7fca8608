//! Kills a process with SIGKILL at many points while it commits stored state to
//! a local store, and checks the store is always readable as one whole
//! generation: the old state or the new one, never a mix, a truncation or
//! nothing.

use std::process::Command;
use std::time::Duration;

use ops_runtime::state::{LocalStore, StateStore};

/// The generation every entry of the stored snapshot names; panics (failing the
/// test) on a mix.
fn generation(store: &LocalStore) -> Option<u64> {
    let snapshot = store.load().expect("the store must always be readable");
    if snapshot.stored.is_empty() {
        return None;
    }
    assert_eq!(snapshot.stored.len(), 64, "a snapshot is stored whole");
    let generations: Vec<u64> = snapshot
        .stored
        .values()
        .map(|v| {
            v["generation"]
                .as_u64()
                .expect("each entry names its generation")
        })
        .collect();
    assert!(
        generations.iter().all(|g| *g == generations[0]),
        "one generation, not a mix: {generations:?}"
    );
    Some(generations[0])
}

#[test]
fn a_killed_commit_leaves_the_old_or_the_new_state() {
    let dir = std::env::temp_dir().join(format!("ops-state-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = LocalStore::in_charm_dir(&dir);
    let mut next = 1;
    let mut seen = Vec::new();
    for round in 0..40u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_state-writer"))
            .arg(store.path())
            .arg(next.to_string())
            .spawn()
            .unwrap();
        // Kill at a different instant each round: some before the first commit,
        // most in the middle of one.
        std::thread::sleep(Duration::from_micros(500 + round * 379 % 7_000));
        child.kill().unwrap();
        child.wait().unwrap();
        let current = generation(&store);
        if let Some(g) = current {
            assert!(
                g >= next - 1,
                "never older than what was committed before: {g} < {}",
                next - 1
            );
            next = g + 1;
        }
        seen.push(current);
    }
    assert!(
        seen.iter().flatten().count() > 20,
        "most rounds committed something: {seen:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
