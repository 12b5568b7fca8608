//! Records of the `log` crate reach `juju-log`.
//!
//! The logger is process-wide (the `log` crate allows one), but the backend it
//! writes to belongs to the dispatch running on the current thread, so the
//! testing harness can run many charms in parallel test threads, each recording
//! its own lines.

use std::cell::RefCell;
use std::rc::Rc;

use crate::hook_tools::{HookTools, LogLevel};

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

struct Sink {
    tools: Rc<dyn HookTools>,
    /// Also write to stderr (`JUJU_DEBUG`).
    stderr: bool,
}

struct JujuLogger;

static LOGGER: JujuLogger = JujuLogger;

impl log::Log for JujuLogger {
    fn enabled(&self, _metadata: &log::Metadata<'_>) -> bool {
        SINK.with(|sink| sink.borrow().is_some())
    }

    fn log(&self, record: &log::Record<'_>) {
        SINK.with(|sink| {
            // A record logged while a record is being written (a hook tool's own
            // logging) is dropped rather than recursing.
            let Ok(sink) = sink.try_borrow() else { return };
            let Some(sink) = sink.as_ref() else { return };
            let message = record.args().to_string();
            let level = LogLevel::from(record.level());
            if sink.stderr {
                eprintln!("{level} {message}");
            }
            // Nowhere to report a failing juju-log: the charm goes on.
            let _ = sink.tools.juju_log(level, &message);
        });
    }

    fn flush(&self) {}
}

/// Routes `log` records on this thread to `tools` until the guard drops.
pub(crate) fn route_to(tools: Rc<dyn HookTools>, stderr: bool) -> LogGuard {
    // Installing twice (a second dispatch in the same process) is harmless.
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
    let previous = SINK.with(|sink| sink.borrow_mut().replace(Sink { tools, stderr }));
    LogGuard { previous }
}

/// Restores the previous route when dropped.
pub(crate) struct LogGuard {
    previous: Option<Sink>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        SINK.with(|sink| *sink.borrow_mut() = previous);
    }
}
