//! Records of the `log` crate reach `juju-log`.
//!
//! The logger is process-wide (the `log` crate allows one), but the backend it
//! writes to belongs to the dispatch running on the current thread, so the
//! testing harness can run many charms in parallel test threads, each recording
//! its own lines.
//!
//! Records from the crates the runtime itself uses to reach Pebble (reqwest,
//! hyper, tungstenite, tokio, ...) pass only from `WARN` up: at `DEBUG` and
//! `TRACE` they describe every connection and would cost a `juju-log` call
//! each, on every hook that talks to Pebble. Everything else, the charm's own
//! records and its libraries', passes at every level.

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

/// The crates (log targets are module paths) whose records below `WARN` are
/// transport noise, not the charm's.
const QUIET_CRATES: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "mio",
    "multer",
    "reqwest",
    "tokio",
    "tokio_tungstenite",
    "tower",
    "tungstenite",
    "want",
];

/// Whether a record of this target and level goes to `juju-log`.
fn wanted(metadata: &log::Metadata<'_>) -> bool {
    if metadata.level() <= log::Level::Warn {
        return true;
    }
    let krate = metadata
        .target()
        .split_once("::")
        .map_or(metadata.target(), |(krate, _)| krate);
    !QUIET_CRATES.contains(&krate)
}

impl log::Log for JujuLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        wanted(metadata) && SINK.with(|sink| sink.borrow().is_some())
    }

    fn log(&self, record: &log::Record<'_>) {
        if !wanted(record.metadata()) {
            return;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(target: &str, level: log::Level) -> log::Metadata<'_> {
        log::Metadata::builder().target(target).level(level).build()
    }

    #[test]
    fn transport_crates_pass_only_from_warn_up() {
        for target in [
            "reqwest::connect",
            "hyper_util::client::legacy::pool",
            "tungstenite",
        ] {
            assert!(!wanted(&metadata(target, log::Level::Debug)), "{target}");
            assert!(!wanted(&metadata(target, log::Level::Trace)), "{target}");
            assert!(wanted(&metadata(target, log::Level::Warn)), "{target}");
        }
        for target in [
            "httpbin",
            "my_charm::workload",
            "reqwestish",
            "ops_runtime::dispatch",
        ] {
            assert!(wanted(&metadata(target, log::Level::Trace)), "{target}");
        }
    }
}
