//! Stored state and deferred events: what a charm keeps between hooks.
//!
//! Everything lives in one [`Snapshot`], loaded at the start of a dispatch and
//! written back only when the hook succeeds, so a failed hook leaves the stored
//! state and the deferred queue exactly as they were. Two stores keep it: a file
//! in the charm directory ([`LocalStore`], the default, committed atomically) and
//! Juju's controller ([`ControllerStore`], `state-get`/`state-set`, which survives
//! a Kubernetes pod being rescheduled).
//!
//! # The state file, and its limits
//!
//! - **A versioned layout.** Both stores keep one JSON object,
//!   `{"version": 1, "stored": {..}, "deferred": [..], "unit_status": .., "app_status": ..}`
//!   ([`STATE_VERSION`]). A file without `version` is the layout of releases
//!   before versions: it is read as version 1 and gets the version on the next
//!   commit that writes it.
//! - **Never a silent reset.** A store whose content cannot be read (not JSON, not
//!   an object, a key this release does not know, a field of another type, or a
//!   version other than 1) fails the load with a [`StateError`] that names the
//!   file (or the controller's key) and says what to do; the hook fails, Juju
//!   retries it, and the content is left exactly as it was. Rolling a charm back
//!   to a release that reads an older version than the file's is refused the
//!   same way, never read as empty state.
//! - **Bounded size.** The state is at most [`MAX_STATE_BYTES`] (4 MiB) of JSON.
//!   A larger file (or `state-get` answer) is refused before it is parsed
//!   ([`StateError::TooLarge`]); a hook whose state would serialise larger fails
//!   and commits nothing ([`StateError::SnapshotTooLarge`]). Stored state is for
//!   small bookkeeping; Juju's controller also enforces its own quota on
//!   `state-set`.
//! - **One run at a time.** A dispatch holds an exclusive lock (`flock`) on a
//!   file beside the state, `.unit-state.json.lock`, from before it loads the
//!   state until after it commits, so a second run of the charm (one started by
//!   hand, or an earlier hook still running) cannot interleave with it and lose
//!   its updates. The second run waits up to [`LOCK_TIMEOUT`] for the lock, then
//!   fails with [`StateError::LockTimeout`]. A killed process's lock is released
//!   by the kernel. A controller-backed charm takes the same lock in its charm
//!   directory: it serialises the runs within one unit's container, which is
//!   what a lock can reach.
//! - **Atomic commits.** [`LocalStore`] writes a temporary file, syncs it and
//!   renames it over the old one: a process killed at any instant leaves the old
//!   state or the new one, and the next commit removes the temporary files of
//!   killed writers.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::hook_tools::{HookToolError, HookTools};
use crate::redact;

/// The version of the state layout this release writes, and the only one it
/// reads besides the unversioned layout of earlier releases.
pub const STATE_VERSION: u64 = 1;

/// The most JSON a store holds: 4 MiB. A larger file or `state-get` answer is
/// refused unread; a larger snapshot is not committed.
pub const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// How long a dispatch waits for another run of the charm to release the state
/// lock before it fails: 5 minutes.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// The top-level keys of the layout.
const FIELDS: [&str; 5] = ["version", "stored", "deferred", "unit_status", "app_status"];

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
        "the charm's state in {place} is corrupt ({reason}); it was left as it is: inspect or remove it by hand, knowing that stored state and deferred events are then lost"
    )]
    Corrupt {
        /// Where (a file, or Juju's controller).
        place: String,
        /// What does not parse (never the content: stored state may hold secrets).
        reason: String,
    },
    /// The store holds a layout version this release cannot read.
    #[error(
        "the charm's state in {place} has version {found}, and this charm reads version {STATE_VERSION} (or none, the layout before versions); it was left as it is: a newer release of the charm wrote it, so refresh to that release, or remove it by hand, knowing that stored state and deferred events are then lost"
    )]
    UnsupportedVersion {
        /// Where (a file, or Juju's controller).
        place: String,
        /// The version found (a number, or what stands there instead).
        found: String,
    },
    /// The store holds more than [`MAX_STATE_BYTES`]: it was not read.
    #[error(
        "the charm's state in {place} is {size} bytes, over the limit of {limit} bytes, so it was not read; it was left as it is: remove it by hand, knowing that stored state and deferred events are then lost"
    )]
    TooLarge {
        /// Where (a file, or Juju's controller).
        place: String,
        /// Its size in bytes (at least this many, for a file still growing).
        size: u64,
        /// [`MAX_STATE_BYTES`].
        limit: u64,
    },
    /// The state this hook would commit is larger than [`MAX_STATE_BYTES`].
    #[error(
        "the charm's stored state and deferred events come to {size} bytes of JSON, over the limit of {limit} bytes, so nothing was committed; keep less in stored state (bulk data belongs in the workload's own storage)"
    )]
    SnapshotTooLarge {
        /// The serialised snapshot's size in bytes.
        size: u64,
        /// [`MAX_STATE_BYTES`].
        limit: u64,
    },
    /// The lock that keeps two runs of the charm apart cannot be taken.
    #[error(
        "cannot lock `{}`, which keeps two runs of the charm from changing its state at once: {source}; check that the charm directory is writable", path.display()
    )]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// Another process held the lock for longer than the store waits.
    #[error(
        "another process has held `{}` for over {} s (a run of the charm started by hand, or an earlier hook still running), so this hook ran nothing; let that process finish or stop it, and the hook runs again when Juju retries it", path.display(), waited.as_secs()
    )]
    LockTimeout {
        /// The lock file.
        path: PathBuf,
        /// How long this run waited.
        waited: Duration,
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
    /// Reads the snapshot; an absent store is an empty snapshot, one that cannot
    /// be read an error (and is left as it is).
    fn load(&self) -> Result<Snapshot, StateError>;
    /// Replaces the snapshot, atomically.
    fn save(&self, snapshot: &Snapshot) -> Result<(), StateError>;
    /// Takes the lock that keeps other runs of the charm away from the store
    /// until the returned guard is dropped; dispatch holds it from before
    /// [`load`](Self::load) until after the commit. Stores that need none (the
    /// testing harness's) keep this default, which locks nothing.
    fn lock(&self) -> Result<StoreLock, StateError> {
        Ok(StoreLock { file: None })
    }
}

/// The state lock, held until dropped (or until the process ends, however it ends).
#[derive(Debug)]
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct StoreLock {
    file: Option<std::fs::File>,
}

impl StoreLock {
    /// Whether this guard holds a lock file (stores without one lock nothing).
    pub fn is_held(&self) -> bool {
        self.file.is_some()
    }
}

/// Takes an exclusive `flock` on `path` (created if missing), waiting up to
/// `timeout` for another holder to release it.
fn lock_file(path: &Path, timeout: Duration) -> Result<StoreLock, StateError> {
    use std::os::unix::fs::OpenOptionsExt;
    let lock_error = |source| StateError::Lock {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(lock_error)?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(StoreLock { file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(source)) => return Err(lock_error(source)),
        }
        let waited = start.elapsed();
        if waited >= timeout {
            return Err(StateError::LockTimeout {
                path: path.to_owned(),
                waited,
            });
        }
        if !told && waited >= Duration::from_secs(1) {
            told = true;
            log::info!(
                "Waiting for `{}`: another run of this charm holds it.",
                path.display()
            );
        }
        std::thread::sleep(pause.min(timeout - waited));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// The document a store holds: the layout version, then the snapshot.
#[derive(Serialize)]
struct Versioned<'a> {
    version: u64,
    #[serde(flatten)]
    snapshot: &'a Snapshot,
}

/// The JSON a store holds for `snapshot`, at most [`MAX_STATE_BYTES`] of it.
fn encode(snapshot: &Snapshot) -> Result<String, StateError> {
    let text = serde_json::to_string(&Versioned {
        version: STATE_VERSION,
        snapshot,
    })
    .map_err(|e| StateError::Corrupt {
        place: "memory".into(),
        reason: redact::conversion_problem(&e.to_string()),
    })?;
    let size = text.len() as u64;
    if size > MAX_STATE_BYTES {
        return Err(StateError::SnapshotTooLarge {
            size,
            limit: MAX_STATE_BYTES,
        });
    }
    Ok(text)
}

/// Reads a store's document, of version [`STATE_VERSION`] or unversioned;
/// `place` names the store in errors, which never quote the content.
fn decode(bytes: &[u8], place: &str) -> Result<Snapshot, StateError> {
    let size = bytes.len() as u64;
    if size > MAX_STATE_BYTES {
        return Err(StateError::TooLarge {
            place: place.to_owned(),
            size,
            limit: MAX_STATE_BYTES,
        });
    }
    let corrupt = |reason: String| StateError::Corrupt {
        place: place.to_owned(),
        reason,
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(redact::json_problem(&e)))?;
    let serde_json::Value::Object(mut fields) = value else {
        return Err(corrupt(format!(
            "expected a JSON object, found {}",
            redact::describe_value(&value)
        )));
    };
    match fields.remove("version") {
        // Releases before versions wrote the same fields without one.
        None => {}
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(STATE_VERSION) => {}
        Some(other) => {
            return Err(StateError::UnsupportedVersion {
                place: place.to_owned(),
                found: redact::describe_value(&other),
            });
        }
    }
    if let Some(key) = fields.keys().find(|key| !FIELDS.contains(&key.as_str())) {
        return Err(corrupt(format!(
            "unknown key `{}`; expected {}",
            shorten(key),
            FIELDS.map(|f| format!("`{f}`")).join(", ")
        )));
    }
    let mut field = |name: &str| fields.remove(name);
    Ok(Snapshot {
        stored: typed("stored", field("stored")).map_err(corrupt)?,
        deferred: typed("deferred", field("deferred")).map_err(corrupt)?,
        unit_status: typed("unit_status", field("unit_status")).map_err(corrupt)?,
        app_status: typed("app_status", field("app_status")).map_err(corrupt)?,
    })
}

/// Field `name` of a document, typed; absent is the default.
fn typed<T: DeserializeOwned + Default>(
    name: &str,
    value: Option<serde_json::Value>,
) -> Result<T, String> {
    match value {
        None => Ok(T::default()),
        Some(value) => serde_json::from_value(value)
            .map_err(|e| format!("`{name}`: {}", redact::conversion_problem(&e.to_string()))),
    }
}

/// `key`, cut to 40 characters: enough to recognise, never a whole payload.
fn shorten(key: &str) -> String {
    redact::excerpt(key, 40).into_owned()
}

/// The snapshot in a file (`.unit-state.json` in the charm directory, by
/// default). A commit writes a temporary file, syncs it, renames it over the old
/// one and syncs the directory: a process killed at any instant leaves the old or
/// the new state, never a mix or an empty file. See the [module docs](self) for
/// the layout, the size limit and the lock.
#[derive(Debug, Clone)]
pub struct LocalStore {
    path: PathBuf,
    lock_path: PathBuf,
    lock_timeout: Duration,
}

impl LocalStore {
    /// The file name in the charm directory.
    pub const FILE_NAME: &'static str = ".unit-state.json";

    /// A store in `path`, locked through `PATH.lock` beside it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mut lock_name = path.file_name().unwrap_or_default().to_owned();
        lock_name.push(".lock");
        Self {
            lock_path: path.with_file_name(lock_name),
            path,
            lock_timeout: LOCK_TIMEOUT,
        }
    }

    /// The store of the charm in `charm_dir`.
    pub fn in_charm_dir(charm_dir: &Path) -> Self {
        Self::new(charm_dir.join(Self::FILE_NAME))
    }

    /// Waits up to `timeout` for the lock instead of [`LOCK_TIMEOUT`].
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file whose lock [`StateStore::lock`] takes.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
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
        let place = format!("`{}`", self.path.display());
        // Looked at before it is opened: opening a FIFO would block.
        let metadata = match std::fs::metadata(&self.path) {
            Ok(metadata) => metadata,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Snapshot::default()),
            Err(e) => return Err(self.io("read")(e)),
        };
        if !metadata.is_file() {
            return Err(StateError::Corrupt {
                place,
                reason: "it is not a regular file".into(),
            });
        }
        let too_large = |size| StateError::TooLarge {
            place: place.clone(),
            size,
            limit: MAX_STATE_BYTES,
        };
        if metadata.len() > MAX_STATE_BYTES {
            return Err(too_large(metadata.len()));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&self.path)
            .and_then(|file| file.take(MAX_STATE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(self.io("read"))?;
        decode(&bytes, &place)
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), StateError> {
        use std::os::unix::fs::OpenOptionsExt;
        let text = encode(snapshot)?;
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
            file.write_all(text.as_bytes())?;
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

    fn lock(&self) -> Result<StoreLock, StateError> {
        lock_file(&self.lock_path, self.lock_timeout)
    }
}

/// Whether the process `pid` is alive; `None` when `/proc` cannot tell.
pub(crate) fn process_alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    Some(proc.join(pid.to_string()).exists())
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
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if process_alive(pid) == Some(false) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The snapshot in Juju's controller, under one key (`state-get`/`state-set`),
/// in the same layout and within the same size limit as [`LocalStore`]'s file.
pub struct ControllerStore {
    tools: Rc<dyn HookTools>,
    lock_path: Option<PathBuf>,
}

impl ControllerStore {
    /// The key the snapshot is stored under.
    pub const KEY: &'static str = "ops-rs-state";

    /// A store reached through `tools`.
    pub fn new(tools: Rc<dyn HookTools>) -> Self {
        Self {
            tools,
            lock_path: None,
        }
    }

    /// Serialises the runs that use this store through a lock on `path` (dispatch
    /// uses the charm directory's [`LocalStore::lock_path`]); without it,
    /// [`StateStore::lock`] locks nothing.
    pub fn with_lock_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.lock_path = Some(path.into());
        self
    }

    fn place() -> String {
        format!("Juju's controller (key `{}`)", Self::KEY)
    }
}

impl std::fmt::Debug for ControllerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerStore")
            .field("lock_path", &self.lock_path)
            .finish_non_exhaustive()
    }
}

impl StateStore for ControllerStore {
    fn load(&self) -> Result<Snapshot, StateError> {
        match self.tools.state_get(Self::KEY)? {
            None => Ok(Snapshot::default()),
            Some(text) => decode(text.as_bytes(), &Self::place()),
        }
    }

    fn save(&self, snapshot: &Snapshot) -> Result<(), StateError> {
        let text = encode(snapshot)?;
        self.tools.state_set(Self::KEY, &text)?;
        Ok(())
    }

    fn lock(&self) -> Result<StoreLock, StateError> {
        match &self.lock_path {
            Some(path) => lock_file(path, LOCK_TIMEOUT),
            None => Ok(StoreLock { file: None }),
        }
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

    fn sample() -> Snapshot {
        let mut snapshot = Snapshot::default();
        snapshot
            .stored
            .insert("k".into(), serde_json::json!({"n": 1}));
        snapshot.deferred.push(DeferredEvent {
            handler: "on_start".into(),
            event: Event::Start,
        });
        snapshot.unit_status = Some(("active".into(), String::new()));
        snapshot
    }

    #[test]
    fn local_store_round_trips_and_starts_empty() {
        let dir = temp("round-trip");
        let store = LocalStore::in_charm_dir(&dir);
        assert_eq!(store.load().unwrap(), Snapshot::default());
        store.save(&sample()).unwrap();
        assert_eq!(store.load().unwrap(), sample());
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_file_carries_its_layout_version() {
        let dir = temp("version");
        let store = LocalStore::in_charm_dir(&dir);
        store.save(&Snapshot::default()).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(json["version"], STATE_VERSION);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_unversioned_layout_of_earlier_releases_is_read_then_upgraded() {
        let dir = temp("legacy");
        let store = LocalStore::in_charm_dir(&dir);
        let legacy = serde_json::to_vec(&sample()).unwrap();
        assert!(!String::from_utf8_lossy(&legacy).contains("version"));
        std::fs::write(store.path(), &legacy).unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded, sample());
        store.save(&loaded).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(json["version"], STATE_VERSION);
        assert_eq!(store.load().unwrap(), sample());
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Loads `content` from a state file: the error, after checking that it names
    /// the file and that the file is untouched.
    fn refused(name: &str, content: &[u8]) -> StateError {
        let dir = temp(name);
        let store = LocalStore::in_charm_dir(&dir);
        std::fs::write(store.path(), content).unwrap();
        let err = store.load().unwrap_err();
        assert!(
            err.to_string()
                .contains(&store.path().display().to_string()),
            "{err}"
        );
        assert_eq!(
            std::fs::read(store.path()).unwrap(),
            content,
            "left as it is"
        );
        std::fs::remove_dir_all(dir).unwrap();
        err
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let err = refused("corrupt", b"{not json");
        assert!(
            err.to_string().contains(".unit-state.json` is corrupt"),
            "{err}"
        );
    }

    #[test]
    fn a_file_of_another_layout_is_refused_not_read_as_empty() {
        for (name, content) in [
            ("array", &b"[]"[..]),
            ("string", b"\"stored\""),
            ("null", b"null"),
            ("unknown-key", br#"{"stored": {}, "journal": []}"#),
            ("bad-field", br#"{"stored": [1, 2]}"#),
            ("bad-deferred", br#"{"deferred": {"handler": "x"}}"#),
        ] {
            let err = refused(name, content);
            assert!(matches!(err, StateError::Corrupt { .. }), "{name}: {err}");
        }
        let err = refused("unknown-key-named", br#"{"journal": []}"#);
        assert!(err.to_string().contains("unknown key `journal`"), "{err}");
    }

    #[test]
    fn another_version_is_refused_with_what_to_do() {
        for content in [
            &br#"{"version": 2, "stored": {}}"#[..],
            br#"{"version": 2, "entries": {}}"#,
            br#"{"version": "1"}"#,
            br#"{"version": 0}"#,
        ] {
            let err = refused("version-2", content);
            assert!(
                matches!(err, StateError::UnsupportedVersion { .. }),
                "{err}"
            );
            assert!(err.to_string().contains("refresh to that release"), "{err}");
        }
    }

    #[test]
    fn errors_describe_the_content_without_quoting_it() {
        const CANARY: &str = "hunter2-state-canary";
        for content in [
            format!(r#"{{"unit_status": "{CANARY}"}}"#),
            format!(r#"{{"deferred": [{{"handler": 1, "event": "{CANARY}"}}]}}"#),
            format!(r#"{{"version": "{CANARY}"}}"#),
            format!(r#"["{CANARY}"]"#),
            format!(r#"{{"stored": {{"k": "{CANARY}"#),
        ] {
            let err = refused("canary", content.as_bytes());
            for text in [err.to_string(), format!("{err:?}")] {
                assert!(!text.contains(CANARY), "{text}");
            }
        }
    }

    #[test]
    fn a_file_over_the_limit_is_refused_unread() {
        let mut content = br#"{"stored": {"k": ""#.to_vec();
        content.resize(MAX_STATE_BYTES as usize + 10, b'x');
        content.extend(br#""}}"#);
        let err = refused("too-large", &content);
        assert!(matches!(err, StateError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn a_snapshot_over_the_limit_is_not_committed() {
        let dir = temp("snapshot-too-large");
        let store = LocalStore::in_charm_dir(&dir);
        store.save(&sample()).unwrap();
        let mut big = sample();
        big.stored.insert(
            "blob".into(),
            serde_json::Value::String("x".repeat(MAX_STATE_BYTES as usize)),
        );
        let err = store.save(&big).unwrap_err();
        assert!(matches!(err, StateError::SnapshotTooLarge { .. }), "{err}");
        assert_eq!(store.load().unwrap(), sample(), "the old state stays");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_directory_in_the_files_place_is_an_error() {
        let dir = temp("not-a-file");
        let store = LocalStore::in_charm_dir(&dir);
        std::fs::create_dir(store.path()).unwrap();
        let err = store.load().unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_lock_keeps_a_second_holder_out_until_released() {
        let dir = temp("lock");
        let store = LocalStore::in_charm_dir(&dir).with_lock_timeout(Duration::from_millis(50));
        let held = store.lock().unwrap();
        assert!(held.is_held());
        let err = store.lock().unwrap_err();
        assert!(matches!(err, StateError::LockTimeout { .. }), "{err}");
        assert!(err.to_string().contains(".unit-state.json.lock"), "{err}");
        drop(held);
        let again = store.lock().unwrap();
        drop(again);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_controller_store_keeps_the_same_layout_and_refuses_the_same_content() {
        use crate::hook_tools::HookTools as _;
        let tools = Rc::new(crate::testing::MemoryHookTools::default());
        let store = ControllerStore::new(tools.clone());
        store.save(&sample()).unwrap();
        let text = tools.state_get(ControllerStore::KEY).unwrap().unwrap();
        assert!(text.starts_with(r#"{"version":1,"#), "{text}");
        assert_eq!(store.load().unwrap(), sample());
        let huge = format!(
            r#"{{"stored": {{"k": "{}"}}}}"#,
            "x".repeat(MAX_STATE_BYTES as usize)
        );
        for content in ["[]", r#"{"version": 2}"#, "{", &huge] {
            tools.state_set(ControllerStore::KEY, content).unwrap();
            let err = store.load().unwrap_err();
            assert!(err.to_string().contains("`ops-rs-state`"), "{err}");
            assert_eq!(
                tools.state_get(ControllerStore::KEY).unwrap().as_deref(),
                Some(content),
                "left as it is"
            );
        }
    }

    #[test]
    fn a_controller_store_locks_through_its_lock_file() {
        let dir = temp("controller-lock");
        let tools = Rc::new(crate::testing::MemoryHookTools::default());
        let local = LocalStore::in_charm_dir(&dir).with_lock_timeout(Duration::from_millis(20));
        let store = ControllerStore::new(tools.clone()).with_lock_file(local.lock_path());
        let held = store.lock().unwrap();
        assert!(held.is_held());
        assert!(matches!(
            local.lock().unwrap_err(),
            StateError::LockTimeout { .. }
        ));
        drop(held);
        assert!(!ControllerStore::new(tools).lock().unwrap().is_held());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stored_state_of_another_type_is_an_error_that_does_not_quote_it() {
        #[derive(Debug, Default, Serialize, Deserialize)]
        struct Counters {
            restarts: u32,
        }
        impl StoredState for Counters {
            const KEY: &'static str = "counters";
        }
        const CANARY: &str = "hunter2-stored-canary";
        let vars: BTreeMap<String, String> = [
            ("JUJU_DISPATCH_PATH", "hooks/start"),
            ("JUJU_UNIT_NAME", "demo/0"),
            ("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000"),
            ("JUJU_VERSION", "3.6.4"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let juju = crate::env::JujuContext::from_vars(&vars).unwrap();
        let mut snapshot = Snapshot::default();
        snapshot
            .stored
            .insert("counters".into(), serde_json::json!({ "restarts": CANARY }));
        let tools = Rc::new(crate::testing::MemoryHookTools::default());
        let mut cx =
            crate::context::HookContext::new(juju, Event::Start, tools).with_snapshot(snapshot);
        let err = cx.stored::<Counters>().unwrap_err();
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains(CANARY), "{text}");
        }
        let text = err.to_string();
        assert!(
            text.contains("`counters`") && text.contains("expected u32"),
            "{text}"
        );
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
}

/// Generated and mutated state documents through the loader: each loads as a
/// snapshot or fails with a typed error, without a panic, a stack overflow or
/// an unbounded read.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    const PLACE: &str = "`test`";

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            // Decimals of a few digits, which JSON text carries exactly.
            (any::<i32>(), 0i32..4).prop_map(|(m, e)| Value::from(f64::from(m) / 10f64.powi(e))),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{0,8}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    fn status() -> impl Strategy<Value = Option<(String, String)>> {
        prop::option::of(("[a-z]{1,8}", ".{0,16}"))
    }

    fn snapshot() -> impl Strategy<Value = Snapshot> {
        let events = prop::sample::select(vec![
            Event::Start,
            Event::ConfigChanged,
            Event::UpdateStatus,
            Event::Unknown("meter-status-changed".into()),
        ]);
        (
            prop::collection::btree_map(".{0,12}", json(), 0..6),
            prop::collection::vec(("[a-z_]{1,12}", events), 0..4),
            status(),
            status(),
        )
            .prop_map(|(stored, deferred, unit_status, app_status)| Snapshot {
                stored,
                deferred: deferred
                    .into_iter()
                    .map(|(handler, event)| DeferredEvent { handler, event })
                    .collect(),
                unit_status,
                app_status,
            })
    }

    /// A byte-wise change: replace, insert, remove, or cut the rest.
    #[derive(Debug, Clone)]
    enum Mutation {
        Replace(usize, u8),
        Insert(usize, u8),
        Remove(usize),
        Truncate(usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Replace(at, b)),
            (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Insert(at, b)),
            any::<usize>().prop_map(Mutation::Remove),
            any::<usize>().prop_map(Mutation::Truncate),
        ]
    }

    fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
        let len = bytes.len().max(1);
        match *mutation {
            Mutation::Replace(at, b) if !bytes.is_empty() => bytes[at % len] = b,
            Mutation::Insert(at, b) => bytes.insert(at % (bytes.len() + 1), b),
            Mutation::Remove(at) if !bytes.is_empty() => {
                bytes.remove(at % len);
            }
            Mutation::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
            _ => {}
        }
    }

    /// The loader's contract: a snapshot, which then survives a round trip, or
    /// one of the errors that say what is wrong with the content.
    fn check(bytes: &[u8]) {
        match decode(bytes, PLACE) {
            Ok(snapshot) => {
                // What loads commits, and what commits loads again.
                let text = encode(&snapshot).expect("a loaded snapshot encodes");
                if let Err(err) = decode(text.as_bytes(), PLACE) {
                    panic!("a committed snapshot does not load: {err}");
                }
            }
            Err(
                err @ (StateError::Corrupt { .. }
                | StateError::UnsupportedVersion { .. }
                | StateError::TooLarge { .. }),
            ) => assert!(err.to_string().contains(PLACE), "{err}"),
            Err(err) => panic!("an error of another kind: {err}"),
        }
    }

    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    proptest! {
        #![proptest_config(config(256))]

        #[test]
        fn valid_documents_load_as_written(snapshot in snapshot()) {
            let text = encode(&snapshot).unwrap();
            prop_assert_eq!(decode(text.as_bytes(), PLACE).ok(), Some(snapshot.clone()));
            // The unversioned layout of earlier releases too.
            let legacy = serde_json::to_vec(&snapshot).unwrap();
            prop_assert_eq!(decode(&legacy, PLACE).ok(), Some(snapshot));
        }

        #[test]
        fn mutated_documents_load_or_fail_typed(
            snapshot in snapshot(),
            mutations in prop::collection::vec(mutation(), 1..8),
        ) {
            let mut bytes = encode(&snapshot).unwrap().into_bytes();
            for mutation in &mutations {
                mutate(&mut bytes, mutation);
            }
            check(&bytes);
        }

        #[test]
        fn any_json_loads_or_fails_typed(value in json()) {
            check(&serde_json::to_vec(&value).unwrap());
            let wrapped = serde_json::json!({"version": 1, "stored": {"k": value.clone()}, "deferred": value});
            check(&serde_json::to_vec(&wrapped).unwrap());
        }

        #[test]
        fn random_bytes_load_or_fail_typed(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            check(&bytes);
        }
    }

    proptest! {
        #![proptest_config(config(24))]

        #[test]
        fn deep_nesting_fails_typed(
            depth in 1usize..200_000,
            open in prop::sample::select(vec!["[", "{\"k\":", "{\"stored\":{\"k\":"]),
        ) {
            let mut text = "{\"stored\":{\"k\":".to_owned();
            text.push_str(&open.repeat(depth));
            check(text.as_bytes());
        }
    }

    proptest! {
        #![proptest_config(config(8))]

        #[test]
        fn huge_strings_load_within_the_limit_only(
            len in prop::sample::select(vec![
                0usize,
                1 << 20,
                MAX_STATE_BYTES as usize - 64,
                MAX_STATE_BYTES as usize,
                6 << 20,
            ]),
            in_key in any::<bool>(),
        ) {
            let huge = "x".repeat(len);
            let mut stored = serde_json::Map::new();
            if in_key {
                stored.insert(huge, Value::from(1));
            } else {
                stored.insert("k".into(), Value::String(huge));
            }
            let value = serde_json::json!({"stored": stored});
            let bytes = serde_json::to_vec(&value).unwrap();
            let result = decode(&bytes, PLACE);
            if bytes.len() as u64 > MAX_STATE_BYTES {
                let too_large = matches!(result, Err(StateError::TooLarge { .. }));
                prop_assert!(too_large);
            } else {
                prop_assert!(result.is_ok());
            }
        }
    }
}
