//! Helpers shared by the observability interfaces' tests.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ops_interfaces::cos::JujuTopology;
use ops_runtime::Databag;

/// A databag from pairs.
pub(crate) fn bag(pairs: &[(&str, &str)]) -> Databag {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The topology of the tests: `zinc/0` of charm `zinc-k8s` in model `cos`.
pub(crate) fn topology() -> JujuTopology {
    JujuTopology::new(
        "cos",
        "2f7dd1c5-3a6b-4d3e-9c6a-0e1b2c3d4e5f",
        "zinc",
        "zinc/0",
        "zinc-k8s",
    )
}

/// A fresh, empty directory under the system's temporary directory.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir =
        std::env::temp_dir().join(format!("ops-interfaces-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
