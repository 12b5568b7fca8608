//! Commits generations of stored state to a local store as fast as it can,
//! holding the store's lock, for the fault-injection test that kills it
//! mid-commit. Usage:
//! `state-writer PATH FIRST_GENERATION`.

use std::process::ExitCode;

use ops_runtime::state::{LocalStore, Snapshot, StateStore};

/// The state of generation `n`: a payload large enough that a write takes time,
/// whose every entry names `n`, so a mix of two generations is detectable.
fn snapshot(n: u64) -> Snapshot {
    let mut snapshot = Snapshot::default();
    for i in 0..64 {
        let value =
            serde_json::json!({ "generation": n, "filler": format!("{n}-{i}-").repeat(64) });
        snapshot.stored.insert(format!("key-{i}"), value);
    }
    snapshot
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(first)) = (args.next(), args.next()) else {
        eprintln!("usage: state-writer PATH FIRST_GENERATION");
        return ExitCode::from(2);
    };
    let Ok(first) = first.parse::<u64>() else {
        eprintln!("FIRST_GENERATION must be a number");
        return ExitCode::from(2);
    };
    let store = LocalStore::new(path);
    // Held to the end, as a hook holds it: the kernel releases it when the
    // test kills this process.
    let _lock = match store.lock() {
        Ok(lock) => lock,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    for n in first.. {
        if let Err(e) = store.save(&snapshot(n)) {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
