//! The blocking face of the Pebble client, for synchronous (`fn`) handlers.
//!
//! [`Client`] wraps the async [`pebble::Client`](super::Client) and runs each
//! call to completion on a tokio runtime: its own current-thread runtime, or
//! one the caller already has, such as the hook context's
//! ([`HookContext::runtime`](crate::HookContext::runtime)). Every method has the
//! same name, arguments and bounds as its async counterpart.
//!
//! ```no_run
//! use ops_runtime::pebble::{blocking, Exec};
//!
//! let pebble = blocking::Client::new("/charm/containers/web/pebble.socket")?;
//! println!("Pebble {}", pebble.system_info()?.version);
//! let output = pebble.exec(&Exec::new(["nginx", "-t"]))?.wait_output()?;
//! println!("{}", output.stderr_lossy());
//! # Ok::<(), ops_runtime::pebble::Error>(())
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

use super::error::Error;
use super::exec::{Exec, ExecOutput};
use super::files::PushSource;
use super::layer::{Environment, Layer, Plan};
use super::options::{
    AddLayerOptions, ListFilesOptions, LogsQuery, MakeDirOptions, NoticesQuery, NotifyOptions,
    PushOptions,
};
use super::types::{
    Change, ChangeId, ChangeSelect, CheckInfo, CheckLevel, CheckRefresh, FileInfo, Identity,
    LogEntry, Notice, NoticeId, ServiceInfo, SystemInfo,
};
use super::{LogStream, ServiceOperation};

/// What runs the async calls.
#[derive(Debug, Clone)]
enum Driver {
    Runtime(Rc<Runtime>),
    Handle(Handle),
}

impl Driver {
    fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        // Blocking inside a runtime would panic (or deadlock a current-thread one).
        if Handle::try_current().is_ok() {
            return Err(Error::Blocking(
                "cannot be used inside an async runtime; use `pebble::Client` there",
            ));
        }
        let future = spin_then_park(future);
        Ok(match self {
            Driver::Runtime(runtime) => runtime.block_on(future),
            Driver::Handle(handle) => handle.block_on(future),
        })
    }
}

/// How long a blocking call polls for an answer before the thread sleeps.
///
/// Pebble answers most requests within tens of microseconds, and putting the
/// thread to sleep for that long costs about as much again on a virtual
/// machine, where waking an idle CPU goes through the hypervisor. So each
/// wait first polls the socket (a non-blocking turn of the runtime's I/O
/// driver) for up to this long, then sleeps until woken as usual.
const SPIN: Duration = Duration::from_micros(100);

/// Runs `future`, polling it without sleeping for up to [`SPIN`] each time it
/// waits, then waiting as usual until it is woken.
async fn spin_then_park<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    loop {
        let start = std::time::Instant::now();
        loop {
            let poll = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
            if let Poll::Ready(output) = poll {
                return output;
            }
            if start.elapsed() >= SPIN {
                break;
            }
            // Let a thread waiting for this CPU (Pebble itself, say) run
            // first; then, on the runtime's thread, turn the I/O driver
            // without blocking before polling again.
            std::thread::yield_now();
            tokio::task::yield_now().await;
        }
        // Sleep until the future's own waker fires, then spin again.
        let mut parked = false;
        std::future::poll_fn(|_| {
            if parked {
                Poll::Ready(())
            } else {
                parked = true;
                Poll::Pending
            }
        })
        .await;
    }
}

/// A blocking Pebble client. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Client {
    client: super::Client,
    driver: Driver,
}

/// Declares blocking methods that forward to the async client's.
macro_rules! forward {
    ($( fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )*) => {
        $(
            #[doc = concat!(
                "Blocking [`Client::", stringify!($name), "`](super::Client::",
                stringify!($name), ")."
            )]
            pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret, Error> {
                self.driver.block_on(self.client.$name($($arg),*))?
            }
        )*
    };
}

impl Client {
    /// A client for the Pebble listening on `socket`, with default bounds and
    /// its own current-thread runtime.
    pub fn new(socket: impl Into<PathBuf>) -> Result<Self, Error> {
        Self::from_async(super::Client::new(socket)?)
    }

    /// Wraps `client`, with its own current-thread runtime.
    pub fn from_async(client: super::Client) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| Error::Io {
                context: "cannot start a tokio runtime".to_owned(),
                source,
            })?;
        Ok(Self::with_runtime(client, Rc::new(runtime)))
    }

    /// Wraps `client`, running its calls on `runtime`, such as the one
    /// [`HookContext::runtime`](crate::HookContext::runtime) returns. The
    /// runtime must have its I/O and time drivers enabled
    /// ([`enable_all`](tokio::runtime::Builder::enable_all)).
    pub fn with_runtime(client: super::Client, runtime: Rc<Runtime>) -> Self {
        Self {
            client,
            driver: Driver::Runtime(runtime),
        }
    }

    /// Wraps `client`, running its calls through `handle`. The handle must be
    /// of a multi-thread runtime: a current-thread runtime's handle cannot
    /// drive I/O from outside its `block_on`, so it is refused (pass the
    /// runtime itself to [`with_runtime`](Self::with_runtime) instead).
    pub fn with_handle(client: super::Client, handle: Handle) -> Result<Self, Error> {
        if handle.runtime_flavor() == RuntimeFlavor::CurrentThread {
            return Err(Error::Blocking(
                "needs a multi-thread runtime's handle; pass a current-thread runtime itself",
            ));
        }
        Ok(Self {
            client,
            driver: Driver::Handle(handle),
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &super::Client {
        &self.client
    }

    forward! {
        fn system_info(&self) -> SystemInfo;
        fn health(&self, level: Option<CheckLevel>, names: &[&str]) -> bool;
        fn changes(&self, select: ChangeSelect, service: Option<&str>) -> Vec<Change>;
        fn change(&self, id: &ChangeId) -> Change;
        fn abort_change(&self, id: &ChangeId) -> Change;
        fn wait_change(&self, id: &ChangeId, timeout: Duration) -> Change;
        fn services(&self, names: &[&str]) -> Vec<ServiceInfo>;
        fn service_operation(&self, operation: ServiceOperation, names: &[&str]) -> ChangeId;
        fn start_services(&self, names: &[&str]) -> Change;
        fn stop_services(&self, names: &[&str]) -> Change;
        fn restart_services(&self, names: &[&str]) -> Change;
        fn replan_services(&self) -> Change;
        fn autostart_services(&self) -> Change;
        fn send_signal(&self, signal: &str, names: &[&str]) -> ();
        fn add_layer(&self, label: &str, layer: &Layer, options: &AddLayerOptions) -> ();
        fn plan(&self) -> Plan;
        fn checks(&self, level: Option<CheckLevel>, names: &[&str]) -> Vec<CheckInfo>;
        fn start_checks(&self, names: &[&str]) -> Vec<String>;
        fn stop_checks(&self, names: &[&str]) -> Vec<String>;
        fn refresh_check(&self, name: &str) -> CheckRefresh;
        fn notices(&self, query: &NoticesQuery) -> Vec<Notice>;
        fn notice(&self, id: &NoticeId) -> Notice;
        fn notify(&self, key: &str, options: &NotifyOptions) -> NoticeId;
        fn identities(&self) -> BTreeMap<String, Identity>;
        fn add_identities(&self, identities: &BTreeMap<String, Identity>) -> ();
        fn update_identities(&self, identities: &BTreeMap<String, Identity>) -> ();
        fn replace_identities(&self, identities: &BTreeMap<String, Option<Identity>>) -> ();
        fn remove_identities(&self, names: &[&str]) -> ();
        fn logs(&self, query: &LogsQuery) -> Vec<LogEntry>;
        fn pull(&self, path: &str) -> Vec<u8>;
        fn list_files(&self, path: &str, options: &ListFilesOptions) -> Vec<FileInfo>;
        fn make_dir(&self, path: &str, options: &MakeDirOptions) -> ();
        fn remove_path(&self, path: &str, recursive: bool) -> ();
    }

    /// Blocking [`Client::push`](super::Client::push). To stream from a
    /// [`std::io::Read`], pass [`reader`].
    pub fn push(
        &self,
        path: &str,
        source: impl Into<PushSource>,
        options: &PushOptions,
    ) -> Result<(), Error> {
        self.driver
            .block_on(self.client.push(path, source, options))?
    }

    /// Blocking [`Client::pull_to`](super::Client::pull_to), into a
    /// [`std::io::Write`].
    pub fn pull_to<W: Write>(&self, path: &str, writer: &mut W) -> Result<u64, Error> {
        let mut writer = SyncWriter(writer);
        self.driver
            .block_on(self.client.pull_to(path, &mut writer))?
    }

    /// Blocking [`Client::follow_logs`](super::Client::follow_logs): an
    /// iterator over log lines that ends after `duration`.
    pub fn follow_logs(&self, query: &LogsQuery, duration: Duration) -> Result<LogIter, Error> {
        let stream = self
            .driver
            .block_on(self.client.follow_logs(query, duration))??;
        Ok(LogIter {
            stream,
            driver: self.driver.clone(),
        })
    }

    /// Blocking [`Client::exec`](super::Client::exec).
    pub fn exec(&self, exec: &Exec) -> Result<ExecProcess, Error> {
        let process = self.driver.block_on(self.client.exec(exec))??;
        Ok(ExecProcess {
            process,
            driver: self.driver.clone(),
        })
    }
}

/// A running command, from [`Client::exec`]; the blocking face of
/// [`pebble::ExecProcess`](super::ExecProcess).
#[derive(Debug)]
pub struct ExecProcess {
    process: super::ExecProcess,
    driver: Driver,
}

impl ExecProcess {
    /// The change that runs the command.
    pub fn change_id(&self) -> &ChangeId {
        self.process.change_id()
    }

    /// The task that runs the command.
    pub fn task_id(&self) -> &str {
        self.process.task_id()
    }

    /// The command's environment as Pebble resolved it.
    pub fn environment(&self) -> &Environment {
        self.process.environment()
    }

    /// The command's working directory as Pebble resolved it.
    pub fn working_dir(&self) -> &str {
        self.process.working_dir()
    }

    /// Blocking [`ExecProcess::send_signal`](super::ExecProcess::send_signal).
    pub fn send_signal(&mut self, signal: &str) -> Result<(), Error> {
        let process = &mut self.process;
        self.driver.block_on(process.send_signal(signal))?
    }

    /// Blocking [`ExecProcess::wait`](super::ExecProcess::wait).
    pub fn wait(self) -> Result<(), Error> {
        self.driver.block_on(self.process.wait())?
    }

    /// Blocking [`ExecProcess::wait_output`](super::ExecProcess::wait_output).
    pub fn wait_output(self) -> Result<ExecOutput, Error> {
        self.driver.block_on(self.process.wait_output())?
    }

    /// Blocking [`ExecProcess::wait_with`](super::ExecProcess::wait_with), with
    /// standard I/O types. `stdin` is read on this thread between websocket
    /// reads: a file or a buffer, not something that blocks for long.
    pub fn wait_with<R, O, E>(self, stdin: R, stdout: &mut O, stderr: &mut E) -> Result<(), Error>
    where
        R: Read + Unpin,
        O: Write,
        E: Write,
    {
        let (mut stdout, mut stderr) = (SyncWriter(stdout), SyncWriter(stderr));
        self.driver.block_on(
            self.process
                .wait_with(SyncReader(stdin), &mut stdout, &mut stderr),
        )?
    }
}

/// Log lines, from [`Client::follow_logs`].
#[derive(Debug)]
pub struct LogIter {
    stream: LogStream,
    driver: Driver,
}

impl Iterator for LogIter {
    type Item = Result<LogEntry, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let stream = &mut self.stream;
        match self.driver.block_on(stream.next_entry()) {
            Ok(entry) => entry,
            Err(error) => Some(Err(error)),
        }
    }
}

/// A push source that streams a [`std::io::Read`], read on the runtime's
/// thread (fine for files and buffers, not for pipes that block for long).
pub fn reader(reader: impl Read + Send + Unpin + 'static) -> PushSource {
    PushSource::reader(SyncReader(reader))
}

/// A [`std::io::Read`] as an [`AsyncRead`] that reads in place.
struct SyncReader<R>(R);

impl<R: Read + Unpin> AsyncRead for SyncReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let reader = &mut self.get_mut().0;
        let n = reader.read(buf.initialize_unfilled())?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// A [`std::io::Write`] as an [`AsyncWrite`] that writes in place.
struct SyncWriter<W>(W);

impl<W: Write + Unpin> AsyncWrite for SyncWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.get_mut().0.write(data))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().0.flush())
    }
}
