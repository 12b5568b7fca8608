//! Stopping for a debugger: `JUJU_DEBUG_AT`, set by `juju debug-code --at=...`,
//! names where a hook waits until a debugger attaches. Dispatch stops before
//! handlers (`all`, `hook` or a handler's name); [`HookContext::breakpoint`]
//! stops where the charm calls it (`all` or the breakpoint's name), as ops's
//! `Framework.breakpoint` does.

use crate::context::HookContext;

/// Where a hook stops for a debugger.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stop<'a> {
    /// Before a handler runs for an event.
    Handler {
        /// The handler's method name.
        handler: &'a str,
        /// The event's hook name.
        event: &'a str,
    },
    /// At [`HookContext::breakpoint`], named or not.
    Breakpoint {
        /// The breakpoint's name, if it has one.
        name: Option<&'a str>,
    },
}

/// A breakpoint name ops would refuse: names are lowercase letters, digits,
/// `-` and `.`, starting and ending with a letter or digit, as
/// `juju debug-code --at` takes them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "breakpoint name `{0}` is not valid: use lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit (`db-ready`)"
)]
pub struct BreakpointNameError(String);

/// Whether `name` is a breakpoint name `juju debug-code --at` can give.
fn valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let inner = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            inner(first)
                && inner(last)
                && bytes.iter().all(|b| inner(b) || *b == b'-' || *b == b'.')
        }
        _ => false,
    }
}

/// Whether `JUJU_DEBUG_AT` asks to stop at the breakpoint `name`: `all` stops
/// at every breakpoint, a name at the breakpoints of that name; `hook` stops
/// before handlers only.
fn breakpoint_wanted(debug_at: &[String], name: Option<&str>) -> bool {
    debug_at
        .iter()
        .any(|at| at == "all" || Some(at.as_str()) == name)
}

impl HookContext {
    /// Stops here until a debugger attaches, when `juju debug-code --at`
    /// asked for this breakpoint (`--at=all`, or `--at=<name>` for a named
    /// one); does nothing otherwise, and so costs nothing in production. The
    /// hook says in `juju-log` and on stderr (which `juju debug-code` shows)
    /// how to attach `gdb` or `lldb` to the process, and goes on once one has.
    ///
    /// `--at=hook` stops before each handler instead; a handler's method name
    /// stops before that handler.
    ///
    /// ```
    /// # use ops_runtime::{HookContext, CharmError};
    /// fn migrate(cx: &mut HookContext) -> Result<(), CharmError> {
    ///     cx.breakpoint(Some("migrate"))?;
    ///     // ... the part to step through ...
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// A `name` that `juju debug-code --at` could not give: lowercase letters,
    /// digits, `-` and `.`, starting and ending with a letter or digit.
    pub fn breakpoint(&self, name: Option<&str>) -> Result<(), BreakpointNameError> {
        if let Some(name) = name
            && !valid_name(name)
        {
            return Err(BreakpointNameError(name.to_owned()));
        }
        if breakpoint_wanted(&self.juju().debug_at, name) {
            wait_for_debugger(&Stop::Breakpoint { name });
        }
        Ok(())
    }
}

/// How often [`wait_for_debugger`] looks for a debugger.
const DEBUGGER_POLL: std::time::Duration = if cfg!(test) {
    std::time::Duration::from_millis(1)
} else {
    std::time::Duration::from_millis(200)
};

/// Stops the hook until a debugger is attached to this process, after saying
/// in `juju-log` and on stderr (which `juju debug-code` shows) how to attach
/// one. As ops's pdb does, it waits as long as it takes: `juju debug-code`
/// ends the hook when its session does. Once a debugger is attached (the
/// process has a tracer), it returns at once, without a word.
pub(crate) fn wait_for_debugger(stop: &Stop<'_>) {
    if debugger_attached() {
        return;
    }
    let pid = std::process::id();
    let message = match stop {
        Stop::Handler { handler, event } => format!(
            "JUJU_DEBUG_AT: waiting for a debugger before handler `{handler}` of `{event}` \
             (process {pid}). Attach one with `gdb -p {pid}` or `lldb -p {pid}`, set a \
             breakpoint on the handler (gdb: `rbreak ::{handler}$`; lldb: `breakpoint set \
             --func-regex '::{handler}$'`) and continue: the hook goes on once a debugger \
             is attached."
        ),
        Stop::Breakpoint { name } => {
            let at = name.map_or_else(
                || "a breakpoint".to_owned(),
                |n| format!("breakpoint `{n}`"),
            );
            format!(
                "JUJU_DEBUG_AT: waiting for a debugger at {at} (process {pid}). Attach one \
                 with `gdb -p {pid}` or `lldb -p {pid}`: the hook goes on once a debugger is \
                 attached, from inside `HookContext::breakpoint` (`finish` returns to the charm)."
            )
        }
    };
    eprintln!("{message}");
    log::warn!("{message}");
    while !debugger_attached() {
        std::thread::sleep(DEBUGGER_POLL);
    }
    log::debug!("JUJU_DEBUG_AT: a debugger is attached; going on.");
}

#[cfg(test)]
thread_local! {
    /// Stands in for a debugger in the tests: answers whether one is attached.
    pub(crate) static FAKE_DEBUGGER: std::cell::RefCell<Option<Box<dyn FnMut() -> bool>>> =
        const { std::cell::RefCell::new(None) };
}

/// Whether a debugger traces this process (`TracerPid` in
/// `/proc/self/status`). Where that cannot be read (not Linux), the answer is
/// yes, so that the hook does not wait for ever.
fn debugger_attached() -> bool {
    #[cfg(test)]
    if let Some(answer) = FAKE_DEBUGGER.with(|fake| fake.borrow_mut().as_mut().map(|f| f())) {
        return answer;
    }
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("TracerPid:"))
                .map(|pid| pid.trim() != "0")
        })
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::*;

    fn at(list: &str) -> Vec<String> {
        list.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn all_and_the_name_stop_at_a_breakpoint_hook_does_not() {
        assert!(breakpoint_wanted(&at("all"), None));
        assert!(breakpoint_wanted(&at("all"), Some("db")));
        assert!(breakpoint_wanted(&at("install,db"), Some("db")));
        assert!(!breakpoint_wanted(&at("install,db"), None));
        assert!(!breakpoint_wanted(&at("hook"), Some("db")));
        assert!(!breakpoint_wanted(&at("hook"), None));
        assert!(!breakpoint_wanted(&[], Some("db")));
    }

    #[test]
    fn names_are_checked_as_juju_debug_code_gives_them() {
        for good in ["db", "db-ready", "v1.2", "a", "0"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "-db", "db-", "Db", "db_ready", "db ready", ".x", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_breakpoint_waits_until_a_debugger_attaches() {
        let asked = Rc::new(Cell::new(0));
        let counter = Rc::clone(&asked);
        FAKE_DEBUGGER.with(|fake| {
            *fake.borrow_mut() = Some(Box::new(move || {
                counter.set(counter.get() + 1);
                counter.get() > 2
            }));
        });
        wait_for_debugger(&Stop::Breakpoint { name: Some("db") });
        FAKE_DEBUGGER.with(|fake| fake.borrow_mut().take());
        // Asked once before saying how to attach, then until it attaches.
        assert_eq!(asked.get(), 3);
    }
}
