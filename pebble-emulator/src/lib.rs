//! A Pebble emulator: a daemon on a Unix socket that speaks the wire protocol
//! of [Pebble](https://github.com/canonical/pebble) v1.32.1's HTTP API, with
//! its state in memory.
//!
//! It serves the tests of [`ops_runtime::pebble`]'s client, and
//! `cargo charm sim`, which serves each workload container's socket with one
//! so that a charm's Pebble calls work without Kubernetes.
//!
//! It speaks HTTP/1.1 on a Unix socket: Pebble's JSON envelope (sync, async,
//! error), async changes with tasks that clients wait on, multipart in both
//! directions for files, and websockets for exec with the control, stdio and
//! stderr protocol and its end frames. It serves system info, health,
//! changes (get, list, wait, abort), services (list, start, stop, restart,
//! replan, autostart), signals, layers and the plan, checks, notices,
//! identities, files (pull, push, list, make directories, remove), logs
//! (whole or followed) and exec. Its [`State`] (the plan, services, changes,
//! checks, notices, identities, an in-memory file system, logs and every
//! request received) lives behind a mutex: read it with [`Server::state`],
//! script it with [`Server::update`].
//!
//! Nothing runs and nothing on the host is touched but the socket:
//!
//! - **Services** do not run. Starting one makes it `active` at once, unless
//!   its command contains `fail` (the start task fails and the service goes to
//!   `backoff`), `hang` (the start never finishes) or `slow` (it becomes
//!   `active` after 150 ms).
//! - **Checks** run no probes: they stay `up` until [`State::set_check`] says
//!   otherwise.
//! - **Exec** runs built-in programs instead of processes, which keeps the
//!   results deterministic and independent of the host:
//!   - `echo ARGS...` writes its arguments and a newline;
//!   - `cat` copies stdin to stdout;
//!   - `printenv [NAMES...]` writes the environment, or the named values;
//!   - `pwd` and `whoami` write the working directory and the user;
//!   - `seq N` writes 1 to N, a line each;
//!   - `sleep SECONDS` waits;
//!   - `true` and `false` exit 0 and 1;
//!   - `fail CODE [MESSAGE...]` writes the message to stderr and exits with
//!     `CODE`;
//!   - `stuck` reads stdin until the client goes away and never exits,
//!     ignoring its timeout and signals.
//!
//!   Any other command is refused, as Pebble refuses a command it cannot find
//!   (`400`, `cannot find executable`). A signal sent over the control
//!   websocket ends the program with exit code 128 + the signal's number, and
//!   a timeout fails the task, as in Pebble.
//!
//! Where Pebble's messages were not observed, the text here is a guess
//! (marked "unsure" in the source); rely on the error kinds and status codes
//! there, not the text.
//!
//! # Failure modes
//!
//! To test how a client copes with a broken daemon, start the server in (or
//! switch it to) a [`Mode`] other than [`Mode::Normal`]:
//! [`Mode::NeverAnswer`] accepts connections and reads them but never
//! answers, [`Mode::Close`] drops every connection (the daemon went away),
//! [`Mode::Garbage`] answers with a body that is not JSON, and
//! [`Mode::BadEnvelope`] with JSON that is not Pebble's envelope.
//! [`Server::absent_socket`] gives a path with no daemon behind it.
//!
//! # Example
//!
//! ```
//! use ops_pebble_emulator::Server;
//! use ops_runtime::pebble::{AddLayerOptions, Layer, blocking};
//!
//! let server = Server::start()?;
//! let client = blocking::Client::new(server.socket())?;
//! assert_eq!(client.system_info()?.version, "v1.32.1");
//!
//! let layer = Layer::from_yaml(
//!     "services:\n  web: {override: replace, command: /bin/web, startup: enabled}\n",
//! )?;
//! client.add_layer("base", &layer, &AddLayerOptions::new())?;
//! client.autostart_services()?;
//!
//! let state = server.state();
//! assert_eq!(state.plan.services["web"].command.as_deref(), Some("/bin/web"));
//! assert_eq!(state.services["web"].current, "active");
//! assert_eq!(state.last_post("/v1/layers").unwrap().body.as_ref().unwrap()["label"], "base");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod exec;
mod files;
mod http;
mod logs;
mod notices;
mod services;
mod state;

use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::oneshot;

pub use state::{
    ChangeState, CheckState, LogLine, Mode, Node, NoticeState, Recorded, ServiceState, State,
    TaskState,
};

use state::Shared;

/// A running Pebble emulator: a thread serving the API on a Unix socket.
///
/// Dropping it stops the thread, closing every connection, and removes the
/// socket: with the temporary directory it made, for [`start`](Self::start)
/// and [`start_with`](Self::start_with); only the socket file, for
/// [`bind`](Self::bind).
pub struct Server {
    socket: PathBuf,
    cleanup: Cleanup,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What dropping a [`Server`] removes.
enum Cleanup {
    /// The temporary directory the server made for its socket.
    Dir(PathBuf),
    /// The socket file, if it is still the one the server bound (by device
    /// and inode), so a socket bound there since is left alone.
    Socket { dev: u64, ino: u64 },
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

/// An async client for the daemon at `socket`, with short bounds so that
/// failure tests finish quickly: 2 s per request, 5 s for a change or a
/// command.
///
/// # Panics
///
/// If the HTTP client cannot be built. `reqwest` fails to build only when it
/// cannot set up TLS or its DNS resolver, and `ops-runtime` builds it with
/// neither; the socket path is not looked at until the first call.
pub fn client_for(socket: &Path) -> ops_runtime::pebble::Client {
    ops_runtime::pebble::Client::builder(socket)
        .timeout(Duration::from_secs(2))
        .wait_timeout(Duration::from_secs(5))
        .exec_timeout(Duration::from_secs(5))
        .build()
        .expect("the Pebble client builds without TLS or a resolver")
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A path under the temporary directory unique to this process and call.
fn unique_temp_path() -> PathBuf {
    std::env::temp_dir().join(format!(
        "pebble-emulator-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Makes a new, empty temporary directory.
fn fresh_temp_dir() -> io::Result<PathBuf> {
    loop {
        let dir = unique_temp_path();
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            // Left behind by an earlier process with the same ID.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(with_path(e, "cannot make the directory", &dir));
            }
        }
    }
}

/// `error` with what was being done to `path`.
fn with_path(error: io::Error, doing: &str, path: &Path) -> io::Error {
    io::Error::new(error.kind(), format!("{doing} {}: {error}", path.display()))
}

/// Removes the socket a dead server left at `socket`. Fails if something
/// that is not a socket is there, or if a server still listens on it.
fn remove_stale_socket(socket: &Path) -> io::Result<()> {
    let metadata = match std::fs::symlink_metadata(socket) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(with_path(e, "cannot inspect", socket)),
    };
    if !metadata.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "cannot bind {}: something that is not a socket is there",
                socket.display()
            ),
        ));
    }
    if UnixStream::connect(socket).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!(
                "cannot bind {}: a server is listening there",
                socket.display()
            ),
        ));
    }
    std::fs::remove_file(socket).map_err(|e| with_path(e, "cannot remove the stale socket", socket))
}

impl Server {
    /// Starts a daemon serving the API on `.pebble.socket` in a new
    /// temporary directory.
    ///
    /// # Errors
    ///
    /// If the directory cannot be made, the socket bound, or the thread or
    /// its runtime started.
    pub fn start() -> io::Result<Self> {
        Self::start_with(Mode::Normal)
    }

    /// Starts a daemon in `mode` on `.pebble.socket` in a new temporary
    /// directory.
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub fn start_with(mode: Mode) -> io::Result<Self> {
        let dir = fresh_temp_dir()?;
        let socket = dir.join(".pebble.socket");
        // Made first, so that a failure below removes the directory.
        let mut server = Server::new(socket, Cleanup::Dir(dir), mode);
        let listener = UnixListener::bind(&server.socket)
            .map_err(|e| with_path(e, "cannot bind", &server.socket))?;
        server.launch(listener)?;
        Ok(server)
    }

    /// Starts a daemon serving the API at exactly `socket`, as Pebble serves
    /// `$PEBBLE_SOCKET`. Makes the missing parent directories, and removes a
    /// socket a dead server left there. Dropping the server removes the socket
    /// but leaves the directories.
    ///
    /// # Errors
    ///
    /// If the directories cannot be made; if something other than a socket is
    /// at `socket`, or a server still listens there; if the socket cannot be
    /// bound (a path longer than about 100 bytes cannot); or if the thread or
    /// its runtime cannot be started.
    pub fn bind(socket: &Path) -> io::Result<Self> {
        if let Some(parent) = socket.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| with_path(e, "cannot make the directory", parent))?;
        }
        remove_stale_socket(socket)?;
        let listener =
            UnixListener::bind(socket).map_err(|e| with_path(e, "cannot bind", socket))?;
        let metadata = match std::fs::symlink_metadata(socket) {
            Ok(metadata) => metadata,
            Err(e) => {
                let _ = std::fs::remove_file(socket);
                return Err(with_path(e, "cannot inspect", socket));
            }
        };
        let cleanup = Cleanup::Socket {
            dev: metadata.dev(),
            ino: metadata.ino(),
        };
        let mut server = Server::new(socket.to_owned(), cleanup, Mode::Normal);
        server.launch(listener)?;
        Ok(server)
    }

    /// A server not yet serving: dropping it cleans up.
    fn new(socket: PathBuf, cleanup: Cleanup, mode: Mode) -> Self {
        Server {
            socket,
            cleanup,
            shared: Arc::new(Shared::new(mode)),
            shutdown: None,
            thread: None,
        }
    }

    /// Serves `listener` on a new thread with its own runtime.
    fn launch(&mut self, listener: UnixListener) -> io::Result<()> {
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::UnixListener::from_std(listener)?
        };
        let (shutdown, stop) = oneshot::channel();
        let shared = Arc::clone(&self.shared);
        let thread = std::thread::Builder::new()
            .name("pebble-emulator".to_owned())
            .spawn(move || runtime.block_on(http::serve(listener, shared, stop)))?;
        self.shutdown = Some(shutdown);
        self.thread = Some(thread);
        Ok(())
    }

    /// A socket path, unique to the call, in a directory that does not exist:
    /// connecting to it fails as when a container's Pebble is not up. Nothing
    /// is made on disk.
    pub fn absent_socket() -> PathBuf {
        unique_temp_path().join("absent.socket")
    }

    /// The socket the daemon listens on.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A client with short bounds, so that failure tests finish quickly (see
    /// [`client_for`]).
    ///
    /// # Panics
    ///
    /// As [`client_for`].
    pub fn client(&self) -> ops_runtime::pebble::Client {
        client_for(&self.socket)
    }

    /// The daemon's state, to inspect or script. The daemon waits while the
    /// guard is held; to change the state, prefer [`update`](Self::update),
    /// which also wakes the requests waiting for a change.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Changes the state with `f` and wakes the requests waiting on it
    /// (notices, change waits, followed logs); returns what `f` returns.
    pub fn update<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        self.shared.update(f)
    }

    /// Switches how the daemon treats new connections and requests.
    pub fn set_mode(&self, mode: Mode) {
        self.shared.lock().mode = mode;
    }

    /// Adds a log line from `service`, as if it had written `message`.
    pub fn add_log(&self, service: &str, message: &str) {
        self.update(|state| {
            state.logs.push(LogLine {
                time: SystemTime::now(),
                service: service.to_owned(),
                message: message.to_owned(),
            })
        });
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Socket { dev, ino } => {
                let ours = std::fs::symlink_metadata(&self.socket)
                    .is_ok_and(|m| m.dev() == *dev && m.ino() == *ino);
                if ours {
                    let _ = std::fs::remove_file(&self.socket);
                }
            }
        }
    }
}
