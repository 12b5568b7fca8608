//! Records of the `log` crate, and events of the `tracing` crate, reach `juju-log`.
//!
//! The logger is process-wide (the `log` crate allows one), but the backend it
//! writes to belongs to the dispatch running on the current thread, so the
//! testing harness can run many charms in parallel test threads, each recording
//! its own lines. `tracing` events take the same way through the runtime's
//! `tracing` subscriber ([`crate::telemetry`]), which [`route_to`] installs:
//! an event's message comes first, its other fields after it as `key=value`.
//!
//! Records (and events) from the crates the runtime itself uses to reach Pebble (reqwest,
//! hyper, tungstenite, tokio, ...) pass only from `WARN` up: at `DEBUG` and
//! `TRACE` they describe every connection and would cost a `juju-log` call
//! each, on every hook that talks to Pebble. Everything else, the charm's own
//! records and its libraries', passes at every level.

use std::cell::RefCell;
use std::rc::Rc;

use crate::event::Event;
use crate::hook_tools::{HookTools, LogLevel};

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

struct Sink {
    tools: Rc<dyn HookTools>,
    /// Also write to stderr (`JUJU_DEBUG`).
    stderr: bool,
    /// `<model uuid>-<unit>`: who security events are about.
    appid: String,
}

/// Whether a dispatch on this thread takes `juju-log` lines now (a line
/// written while one is being written, by a hook tool's own logging, is not).
pub(crate) fn sink_ready() -> bool {
    SINK.with(|sink| sink.try_borrow().is_ok_and(|sink| sink.is_some()))
}

/// Writes `message` at `level` to the dispatch's `juju-log` (and stderr with
/// `JUJU_DEBUG`); nothing when no dispatch runs on this thread. A line
/// written while a line is being written (a hook tool's own logging) is
/// dropped rather than recursing.
pub(crate) fn write(level: LogLevel, message: &str) {
    SINK.with(|sink| {
        let Ok(sink) = sink.try_borrow() else { return };
        let Some(sink) = sink.as_ref() else { return };
        if sink.stderr {
            eprintln!("{level} {message}");
        }
        // Nowhere to report a failing juju-log: the charm goes on.
        let _ = sink.tools.juju_log(level, message);
    });
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
    wanted_target(metadata.target(), metadata.level() <= log::Level::Warn)
}

/// Whether a record (or a `tracing` event or span) of `target` goes to
/// `juju-log` (or into the trace): from `WARN` up always, below it unless
/// `target` is in one of the [`QUIET_CRATES`].
pub(crate) fn wanted_target(target: &str, warn_or_above: bool) -> bool {
    if warn_or_above {
        return true;
    }
    let krate = target.split_once("::").map_or(target, |(krate, _)| krate);
    !QUIET_CRATES.contains(&krate)
}

impl log::Log for JujuLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        wanted(metadata) && SINK.with(|sink| sink.borrow().is_some())
    }

    fn log(&self, record: &log::Record<'_>) {
        if !wanted(record.metadata()) || !sink_ready() {
            return;
        }
        write(LogLevel::from(record.level()), &record.args().to_string());
    }

    fn flush(&self) {}
}

/// Routes `log` records and `tracing` events on this thread to `tools` until
/// the guard drops (the runtime's `tracing` subscriber is the process's
/// default from the first dispatch on); security events name `appid`
/// (`<model uuid>-<unit>`).
pub(crate) fn route_to(tools: Rc<dyn HookTools>, stderr: bool, appid: String) -> LogGuard {
    // Installing twice (a second dispatch in the same process) is harmless.
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Trace);
    }
    let previous = SINK.with(|sink| {
        sink.borrow_mut().replace(Sink {
            tools,
            stderr,
            appid,
        })
    });
    LogGuard {
        previous,
        _tracing: crate::telemetry::install(),
    }
}

/// The level of a security event, in OWASP's vocabulary (not a log level:
/// every security event goes to `juju-log` at `TRACE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecurityLevel {
    /// `WARN`: crashes, restarts, monitoring switched off.
    Warn,
    /// `CRITICAL`: an authorisation failure.
    Critical,
}

/// Sends a structured security event (OWASP's logging vocabulary, the shape
/// ops uses) to `juju-log` at `TRACE`: one JSON object with `datetime`,
/// `level`, `type: security`, `appid`, `event` (`<kind>:<detail>`, such as
/// `authz_fail:web/0,relation-set`) and `description`. Nothing is sent when no
/// dispatch runs on this thread.
pub(crate) fn security_event(level: SecurityLevel, event: &str, description: &str) {
    SINK.with(|sink| {
        let Ok(sink) = sink.try_borrow() else { return };
        let Some(sink) = sink.as_ref() else { return };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let line = serde_json::json!({
            "datetime": crate::secret::rfc3339(now),
            "level": match level {
                SecurityLevel::Warn => "WARN",
                SecurityLevel::Critical => "CRITICAL",
            },
            "type": "security",
            "appid": sink.appid,
            "event": event,
            "description": description,
        })
        .to_string();
        if sink.stderr {
            eprintln!("{} {line}", LogLevel::Trace);
        }
        let _ = sink.tools.juju_log(LogLevel::Trace, &line);
    });
}

/// The name ops gives `event` on `charm.on`, as in `Emitting Juju event <name>.`:
/// the hook's name in snake case (`db_relation_changed`), `<action>_action`
/// for an action, the event's own name for a custom event.
pub(crate) fn ops_event_kind(event: &Event) -> String {
    match event {
        Event::Action(action) => format!("{}_action", action.name.replace('-', "_")),
        Event::Custom(custom) => custom.name.replace('-', "_"),
        _ => event.hook_name().replace('-', "_"),
    }
}

/// How ops prints an event (`EventBase.__repr__`), for the debug lines about
/// deferral: `<RelationChangedEvent via MyCharm/on/db_relation_changed[42]>`,
/// where `MyCharm` is the charm's type and a custom event is under its
/// component (`MyCharm/db/on/ready[7]`). The number is ops's event counter
/// there; here, a hash of the event and its payload, so the hook that defers an
/// event and the one that re-runs it print the same one.
pub(crate) fn ops_event_repr<C>(event: &Event) -> String {
    let charm = std::any::type_name::<C>();
    let charm = charm.split('<').next().unwrap_or(charm);
    let charm = charm.rsplit("::").next().unwrap_or(charm);
    let owner = match event {
        Event::Custom(custom) => match custom.qualified.split_once("::") {
            Some((component, _)) => format!("{charm}/{component}"),
            None => charm.to_owned(),
        },
        _ => charm.to_owned(),
    };
    format!(
        "<{} via {owner}/on/{}[{}]>",
        ops_event_class(event),
        ops_event_kind(event),
        event_key(event)
    )
}

/// The ops class of `event` (`InstallEvent`, `RelationChangedEvent`, ...); a
/// custom event's name in camel case with `Event` after it.
fn ops_event_class(event: &Event) -> String {
    let class = match event {
        Event::Install => "InstallEvent",
        Event::Start => "StartEvent",
        Event::Stop => "StopEvent",
        Event::Remove => "RemoveEvent",
        Event::ConfigChanged => "ConfigChangedEvent",
        Event::UpdateStatus => "UpdateStatusEvent",
        Event::UpgradeCharm => "UpgradeCharmEvent",
        Event::PreSeriesUpgrade => "PreSeriesUpgradeEvent",
        Event::PostSeriesUpgrade => "PostSeriesUpgradeEvent",
        Event::LeaderElected => "LeaderElectedEvent",
        Event::LeaderSettingsChanged => "LeaderSettingsChangedEvent",
        Event::CollectMetrics => "CollectMetricsEvent",
        Event::RelationCreated(_) => "RelationCreatedEvent",
        Event::RelationJoined(_) => "RelationJoinedEvent",
        Event::RelationChanged(_) => "RelationChangedEvent",
        Event::RelationDeparted(_) => "RelationDepartedEvent",
        Event::RelationBroken(_) => "RelationBrokenEvent",
        Event::StorageAttached(_) => "StorageAttachedEvent",
        Event::StorageDetaching(_) => "StorageDetachingEvent",
        Event::PebbleReady(_) => "PebbleReadyEvent",
        Event::PebbleCustomNotice(_) => "PebbleCustomNoticeEvent",
        Event::PebbleCheckFailed(_) => "PebbleCheckFailedEvent",
        Event::PebbleCheckRecovered(_) => "PebbleCheckRecoveredEvent",
        Event::SecretChanged(_) => "SecretChangedEvent",
        Event::SecretRotate(_) => "SecretRotateEvent",
        Event::SecretRemove(_) => "SecretRemoveEvent",
        Event::SecretExpired(_) => "SecretExpiredEvent",
        Event::Action(_) => "ActionEvent",
        Event::Custom(custom) => return format!("{}Event", camel_case(&custom.name)),
        Event::Unknown(name) => return format!("{}Event", camel_case(name)),
    };
    class.to_owned()
}

/// `database_created` or `database-created` as `DatabaseCreated`.
fn camel_case(name: &str) -> String {
    name.split(['_', '-'])
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .into_iter()
                .flat_map(char::to_uppercase)
                .chain(chars)
        })
        .collect()
}

/// A number for `event` that is the same in every process (FNV-1a over its
/// JSON form): the event's key in [`ops_event_repr`].
fn event_key(event: &Event) -> u32 {
    let json = serde_json::to_string(event).unwrap_or_default();
    json.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Restores the previous route (and `tracing` subscriber, if it was made this
/// thread's) when dropped.
pub(crate) struct LogGuard {
    previous: Option<Sink>,
    _tracing: Option<tracing::dispatcher::DefaultGuard>,
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
    fn refusals_for_lack_of_rights_are_authorisation_failures() {
        use crate::hook_tools::HookToolError;
        let tools = Rc::new(crate::testing::MemoryHookTools::default());
        let _route = route_to(tools.clone(), false, "uuid-web/0".into());
        let refusal = |stderr: &str| HookToolError::Failed {
            tool: "relation-set",
            exit_code: Some(1),
            stderr: stderr.into(),
        };
        let _ = crate::ModelError::from(refusal("ERROR permission denied\n"));
        let _ = crate::ModelError::from(refusal("ERROR relation 7 not found\n"));
        let lines = tools.juju_log_lines();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].level, LogLevel::Trace);
        let event: serde_json::Value = serde_json::from_str(&lines[0].message).unwrap();
        assert_eq!(event["event"], "authz_fail:relation-set");
        assert_eq!(event["level"], "CRITICAL");
        assert_eq!(event["appid"], "uuid-web/0");
        assert_eq!(
            event["description"],
            "Juju refused `relation-set`: ERROR permission denied"
        );
    }

    #[test]
    fn events_print_as_ops_prints_them() {
        use crate::event::{PebbleReadyEvent, StorageEvent, StorageRef};
        /// A generic charm type: the path and the parameters are left out.
        struct Generic<T>(T);
        let ready = Event::PebbleReady(PebbleReadyEvent {
            container: "web-server".into(),
        });
        assert_eq!(ops_event_kind(&ready), "web_server_pebble_ready");
        let repr = ops_event_repr::<Generic<u8>>(&ready);
        let key = repr
            .strip_prefix("<PebbleReadyEvent via Generic/on/web_server_pebble_ready[")
            .and_then(|rest| rest.strip_suffix("]>"));
        assert!(key.is_some_and(|key| key.parse::<u32>().is_ok()), "{repr}");
        // The same event prints the same key; another event, another one.
        assert_eq!(repr, ops_event_repr::<Generic<u8>>(&ready.clone()));
        let other = Event::PebbleReady(PebbleReadyEvent {
            container: "db".into(),
        });
        assert_ne!(event_key(&ready), event_key(&other));
        let attached = Event::StorageAttached(StorageEvent {
            storage: StorageRef {
                name: "data".into(),
                index: 0,
            },
        });
        assert_eq!(ops_event_kind(&attached), "data_storage_attached");
        assert_eq!(ops_event_class(&attached), "StorageAttachedEvent");
        assert_eq!(camel_case("database-created_now"), "DatabaseCreatedNow");
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
