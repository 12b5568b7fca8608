//! The local state store under faults: a process killed with SIGKILL at many
//! points while it commits leaves the store readable as one whole generation
//! (the old state or the new one, never a mix, a truncation or nothing) and its
//! lock released; charm runs started together lose no update; a state file the
//! charm cannot read fails the hook and stays as it is.

use std::fs;
use std::process::Command;
use std::time::Duration;

use ops_runtime::state::{LocalStore, StateStore};

use crate::killed_hooks::Unit;

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
    // Each writer held the lock, as a hook does: the kernel released it.
    let lock = store
        .clone()
        .with_lock_timeout(Duration::from_secs(5))
        .lock();
    assert!(lock.is_ok(), "a killed writer's lock is released: {lock:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The counter charm (`src/bin/counter-charm.rs`).
const COUNTER: &str = env!("CARGO_BIN_EXE_counter-charm");

/// The count the counter charm's state holds.
fn count(unit: &Unit) -> Option<u64> {
    let snapshot = LocalStore::in_charm_dir(&unit.charm_dir())
        .load()
        .expect("the state loads");
    snapshot.stored.get("count").and_then(|c| c["n"].as_u64())
}

#[test]
fn runs_at_the_same_time_lose_no_update() {
    const RUNS: u64 = 40;
    let unit = Unit::new("state-concurrent");
    let runs: Vec<_> = (0..RUNS)
        .map(|_| unit.command(COUNTER, "update-status").spawn().unwrap())
        .collect();
    for mut run in runs {
        assert!(run.wait().unwrap().success());
    }
    assert_eq!(count(&unit), Some(RUNS), "every run's update is kept");
}

#[test]
fn a_state_file_it_cannot_read_fails_the_hook_and_is_left_as_it_is() {
    let unit = Unit::new("state-refused");
    let path = LocalStore::in_charm_dir(&unit.charm_dir())
        .path()
        .to_owned();
    let mut oversized = br#"{"stored": {"count": {"n": 1}}, "deferred": [], "pad": ""#.to_vec();
    oversized.resize(5 << 20, b' ');
    oversized.extend(br#""}"#);
    let refused: [&[u8]; 5] = [
        b"[]",
        br#"{"version": 2, "stored": {"count": {"n": 7}}, "journal": []}"#,
        br#"{"stored": {"count": {"n": 7}}, "journal": []}"#,
        br#"{"stored": {"count": "#,
        &oversized,
    ];
    for content in refused {
        fs::write(&path, content).unwrap();
        let (code, printed) = unit.run(COUNTER, "update-status");
        assert_ne!(code, 0, "the hook fails: {printed}");
        assert!(
            printed.contains(&path.display().to_string()),
            "the error names the file: {printed}"
        );
        assert!(fs::read(&path).unwrap() == content, "the file is untouched");
    }
}

#[test]
fn an_unversioned_state_file_is_read_and_upgraded() {
    let unit = Unit::new("state-legacy");
    let path = LocalStore::in_charm_dir(&unit.charm_dir())
        .path()
        .to_owned();
    fs::write(&path, r#"{"stored": {"count": {"n": 5}}, "deferred": []}"#).unwrap();
    let (code, printed) = unit.run(COUNTER, "update-status");
    assert_eq!(code, 0, "{printed}");
    assert_eq!(count(&unit), Some(6));
    let json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(json["version"], 1, "written with its version");
}
