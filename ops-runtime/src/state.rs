//! Stored state and deferred events: what a charm keeps between hooks.
//!
//! Everything lives in one [`Snapshot`], loaded at the start of a dispatch and
//! written back only when the hook succeeds, so a failed hook leaves the stored
//! state and the deferred queue exactly as they were. Two stores keep it: a file
//! in the charm directory ([`LocalStore`], the default, committed atomically) and
//! Juju's controller ([`ControllerStore`], `state-get`/`state-set`, which survives
//! a Kubernetes pod being rescheduled).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::hook_tools::{HookToolError, HookTools};

/// A typed piece of state a charm (or a component of it) keeps between hooks.
///
/// ```
/// use ops_runtime::StoredState;
///
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// struct Counters {
///     restarts: u32,
/// }
///
/// impl StoredState for Counters {
///     const KEY: &'static str = "counters";
/// }
/// ```
pub trait StoredState: Serialize + DeserializeOwned + Default + 'static {
    /// The key the state is stored under: unique per charm, stable across
    /// upgrades (renaming it starts from `Default`).
    const KEY: &'static str;
}

/// An event a handler deferred, waiting to be re-run at the start of a later hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredEvent {
    /// The handler that deferred it.
    pub handler: String,
    /// The event, with its payload.
    pub event: Event,
}

/// Everything persisted between hooks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Stored state by key, as JSON.
    #[serde(default)]
    pub stored: BTreeMap<String, serde_json::Value>,
    /// Deferred events, oldest first.
    #[serde(default)]
    pub deferred: Vec<DeferredEvent>,
    /// The unit status collect-status last set (`status`, `message`), so an
    /// unchanged status is not set again.
    #[serde(default)]
    pub unit_status: Option<(String, String)>,
    /// The application status collect-status last set.
    #[serde(default)]
    pub app_status: Option<(String, String)>,
}

/// The stored state cannot be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The store's file cannot be read or written.
    #[error("cannot {action} the charm's state file `{}`: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The store holds something that is not a snapshot: never silently reset.
    #[error(
        "the charm's state in {place} is corrupt ({reason}); inspect or remove it by hand, knowing that stored state and deferred events are then lost"
    )]
    Corrupt {
        /// Where (a file, or Juju's controller).
        place: String,
        /// What does not parse.
        reason: String,
    },
    /// `state-get`/`state-set` failed.
    #[error(transparent)]
    HookTool(#[from] HookToolError),
    /// A stored value does not convert to or from its type.
    #[error("stored state `{key}` does not convert: {reason}")]
    Convert {
        /// The state's key.
        key: &'static str,
        /// Why.
        reason: String,
    },
}

/// Where the snapshot lives.
pub trait StateStore {
    /// Reads the snapshot; an absent store is an empty snapshot, a corrupt one an error.
    fn load(&self) -> Result<Snapshot, StateError>;
    /// Replaces the snapshot, atomically.
    fn save(&self, snapshot: &Snapshot) -> Result<(), StateError>;
}

/// The snapshot in a file (`.unit-state.json` in the charm directory, by
/// default). A commit writes a temporary file, syncs it, renames it over the old
/// one and syncs the directory: a process killed at any instant leaves the old or
/// the new state, never a mix or an empty file.
#[derive(Debug, Clone)]
pub struct LocalStore {
    path: PathBuf,
}

impl LocalStore {
    /// The file name in the charm directory.
    pub const FILE_NAME: &'static str = ".unit-state.json";

    /// A store in `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The store of the charm in `charm_dir`.
    pub fn in_charm_dir(charm_dir: &Path) -> Self {
        Self::new(charm_dir.join(Self::FILE_NAME))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> StateError + '_ {
        move |source| StateError::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }
}

impl StateStore for LocalStore {
    fn load(&self) -> Result<Snapshot, StateError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Snapshot::default()),
            Err(e) => return Err(self.io("read")(e)),
        };
        serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
            place: format!("`{}`", self.path.display()),
            reason: e.to_string(),
        })
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), StateError> {
        use std::os::unix::fs::OpenOptionsExt;
        let bytes = serde_json::to_vec(snapshot).map_err(|e| StateError::Corrupt {
            place: "memory".into(),
            reason: e.to_string(),
        })?;
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            std::fs::File::open(dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            self.io("write")(e)
        })?;
        remove_stale_temporaries(dir, &file_name);
        Ok(())
    }
}

/// Removes the temporary files `.<file_name>.<pid>.tmp` that writers killed
/// mid-commit left behind (the process whose id they carry is gone). A file of
/// a live process is left alone: it may be committing right now.
fn remove_stale_temporaries(dir: &Path, file_name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{file_name}.");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .filter(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The snapshot in Juju's controller, under one key (`state-get`/`state-set`).
pub struct ControllerStore {
    tools: Rc<dyn HookTools>,
}

impl ControllerStore {
    /// The key the snapshot is stored under.
    pub const KEY: &'static str = "ops-rs-state";

    /// A store reached through `tools`.
    pub fn new(tools: Rc<dyn HookTools>) -> Self {
        Self { tools }
    }
}

impl std::fmt::Debug for ControllerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerStore").finish_non_exhaustive()
    }
}

impl StateStore for ControllerStore {
    fn load(&self) -> Result<Snapshot, StateError> {
        match self.tools.state_get(Self::KEY)? {
            None => Ok(Snapshot::default()),
            Some(text) => serde_json::from_str(&text).map_err(|e| StateError::Corrupt {
                place: format!("Juju's controller (key `{}`)", Self::KEY),
                reason: e.to_string(),
            }),
        }
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), StateError> {
        let text = serde_json::to_string(snapshot).map_err(|e| StateError::Corrupt {
            place: "memory".into(),
            reason: e.to_string(),
        })?;
        self.tools.state_set(Self::KEY, &text)?;
        Ok(())
    }
}

/// Which store a charm keeps its state in (`#[charm(state = "...")]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreKind {
    /// A file in the charm directory (`state = "local"`, the default).
    #[default]
    Local,
    /// Juju's controller (`state = "controller"`).
    Controller,
}

/// One typed value loaded for this hook.
pub(crate) trait Entry {
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
    fn to_json(&self) -> Result<serde_json::Value, StateError>;
}

pub(crate) struct Typed<T: StoredState>(pub(crate) T);

impl<T: StoredState> Entry for Typed<T> {
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        &mut self.0
    }

    fn to_json(&self) -> Result<serde_json::Value, StateError> {
        serde_json::to_value(&self.0).map_err(|e| StateError::Convert {
            key: T::KEY,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ops-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn local_store_round_trips_and_starts_empty() {
        let dir = temp("round-trip");
        let store = LocalStore::in_charm_dir(&dir);
        assert_eq!(store.load().unwrap(), Snapshot::default());
        let mut snapshot = Snapshot::default();
        snapshot
            .stored
            .insert("k".into(), serde_json::json!({"n": 1}));
        store.save(&snapshot).unwrap();
        assert_eq!(store.load().unwrap(), snapshot);
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_commit_clears_the_leftovers_of_killed_writers_only() {
        let dir = temp("leftovers");
        // No process has this id (above any pid_max Linux allows).
        let dead = dir.join("..unit-state.json.4294967295.tmp");
        // The test runner is alive: its file may be a commit in progress.
        let live = dir.join(format!(
            "..unit-state.json.{}.tmp",
            std::os::unix::process::parent_id()
        ));
        let unrelated = dir.join("..unit-state.json.notapid.tmp");
        for file in [&dead, &live, &unrelated] {
            std::fs::write(file, "{\"stored\":").unwrap();
        }
        LocalStore::in_charm_dir(&dir)
            .save(&Snapshot::default())
            .unwrap();
        assert!(!dead.exists(), "a dead writer's file is removed");
        assert!(live.exists(), "a live writer's file stays");
        assert!(unrelated.exists(), "files that are not ours stay");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = temp("corrupt");
        let store = LocalStore::in_charm_dir(&dir);
        std::fs::write(store.path(), b"{not json").unwrap();
        let err = store.load().unwrap_err();
        assert!(
            err.to_string().contains(".unit-state.json` is corrupt"),
            "{err}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
