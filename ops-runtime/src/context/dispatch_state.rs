//! Dispatch's working state for one hook, kept apart from the API a handler
//! uses.
//!
//! [`HookContext`](super::HookContext) is what a handler touches; it wraps one
//! [`DispatchState`], which is what `dispatch.rs` works with between handlers:
//!
//! - the stored state: the [`Snapshot`] loaded at the start of the hook, the
//!   typed values handlers have borrowed with `cx.stored::<T>()`, and the
//!   statuses this charm set last; [`DispatchState::commit_snapshot`] makes the
//!   snapshot dispatch commits when the hook succeeds;
//! - the deferral queue: the loaded notices dispatch re-runs
//!   ([`DispatchState::take_deferred`]) and the queue as it will be committed;
//! - custom events: those emitted (by `cx.emit` or by components) and not yet
//!   handled, and those handled so far in this hook;
//! - collect-status: the statuses handlers add through
//!   [`CollectStatus`](crate::CollectStatus), and the typed-config failures
//!   that leave the unit `Blocked`.
//!
//! Handlers reach some of it only through `HookContext` methods that say what
//! they do (`stored`, `emit`, `set_unit_status`, `emitted_events`); dispatch
//! reaches it through the methods here. No field is visible outside this
//! module.
//!
//! What stays on `HookContext` is decided by who reads it. The per-hook caches
//! of what Juju cannot change within a hook (configuration, leadership for
//! Juju's lease, relation ids, units and databags, tracked secret content, the
//! Pebble connection of each container, the tokio runtime) are read only by the
//! API's own methods (`context.rs`, `relation.rs`, `secret.rs`,
//! `container.rs`): they are the API's implementation, and dispatch never
//! looks at them. The event being handled also stays there, since handlers
//! read it (`cx.event()`); dispatch only swaps it, with
//! `HookContext::replace_event`, while a deferred or custom event runs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::config::ConfigError;
use crate::event::{CustomEventData, Event};
use crate::hook_tools::StatusTarget;
use crate::state::{DeferredEvent, Entry, Snapshot, StateError, StoredState, Typed};
use crate::status::{self, Status};

/// What dispatch keeps for one hook between handlers (see the module docs).
#[derive(Default)]
pub(crate) struct DispatchState {
    /// The state loaded at the start of the hook, updated as the hook goes
    /// (its deferred queue is taken out when dispatch re-runs it).
    snapshot: Snapshot,
    /// Typed stored state loaded in this hook, by key.
    entries: HashMap<&'static str, Box<dyn Entry>>,
    /// The deferred queue as it will be committed.
    deferred_out: Vec<DeferredEvent>,
    /// Custom events emitted and not yet handled, oldest first.
    pending: Vec<CustomEventData>,
    /// Custom events handled in this hook, in order.
    emitted: Vec<Event>,
    /// Typed-config failures of this hook, reported as `Blocked` after
    /// collect-status.
    config_errors: Vec<ConfigError>,
    /// The statuses collect-status handlers add; shared with each
    /// [`CollectStatus`](crate::CollectStatus) handed out.
    statuses: Rc<RefCell<Vec<Status>>>,
}

impl DispatchState {
    // The stored state.

    /// Starts the hook from this stored state.
    pub(crate) fn set_snapshot(&mut self, snapshot: Snapshot) {
        self.snapshot = snapshot;
    }

    /// The charm's stored state of type `T`, loaded from the snapshot on first
    /// use (from `Default` when the snapshot has none).
    pub(crate) fn stored<T: StoredState>(&mut self) -> Result<&mut T, StateError> {
        if !self.entries.contains_key(T::KEY) {
            let value: T = match self.snapshot.stored.get(T::KEY) {
                Some(json) => {
                    // Stored state may hold credentials: say what was expected,
                    // never quote the value.
                    serde_json::from_value(json.clone()).map_err(|e| StateError::Convert {
                        key: T::KEY,
                        reason: crate::redact::conversion_problem(&e.to_string()),
                    })?
                }
                None => T::default(),
            };
            self.entries.insert(T::KEY, Box::new(Typed(value)));
        }
        let entry: Option<&mut Box<dyn Entry>> = self.entries.get_mut(T::KEY);
        entry
            .and_then(|e| e.as_any_mut().downcast_mut::<T>())
            .ok_or_else(|| StateError::Convert {
                key: T::KEY,
                reason: "two stored-state types use this key".into(),
            })
    }

    /// Records `status` as the one this charm set last for `target`; whether
    /// it differs from the one recorded before.
    pub(crate) fn record_status(&mut self, target: StatusTarget, status: &Status) -> bool {
        let as_stored = Some((
            status.kind().as_str().to_owned(),
            status.message().to_owned(),
        ));
        let last = match target {
            StatusTarget::Unit => &mut self.snapshot.unit_status,
            StatusTarget::App => &mut self.snapshot.app_status,
        };
        if *last == as_stored {
            return false;
        }
        *last = as_stored;
        true
    }

    /// The snapshot to commit: the loaded one with this hook's stored state and
    /// deferred queue.
    pub(crate) fn commit_snapshot(&self) -> Result<Snapshot, StateError> {
        let mut snapshot = self.snapshot.clone();
        for (key, entry) in &self.entries {
            snapshot.stored.insert((*key).to_owned(), entry.to_json()?);
        }
        snapshot.deferred.clone_from(&self.deferred_out);
        Ok(snapshot)
    }

    // The deferral queue.

    /// The deferred events loaded with the state, oldest first, for dispatch to
    /// re-run; those deferred again go back with [`Self::keep_deferred`].
    pub(crate) fn take_deferred(&mut self) -> Vec<DeferredEvent> {
        std::mem::take(&mut self.snapshot.deferred)
    }

    /// Keeps a re-run notice in the queue (its handler deferred it again).
    pub(crate) fn keep_deferred(&mut self, notice: DeferredEvent) {
        self.deferred_out.push(notice);
    }

    /// Queues `notice`, unless the same notice is queued already; whether it
    /// was added.
    pub(crate) fn defer(&mut self, notice: DeferredEvent) -> bool {
        if self.deferred_out.contains(&notice) {
            return false;
        }
        self.deferred_out.push(notice);
        true
    }

    /// Whether `handler` has `event` in the queue to commit.
    pub(crate) fn is_deferred(&self, handler: &str, event: &Event) -> bool {
        self.deferred_out
            .iter()
            .any(|notice| notice.handler == handler && notice.event == *event)
    }

    // Custom events.

    /// Queues a custom event, to be handled after the current step.
    pub(crate) fn queue_custom(&mut self, event: CustomEventData) {
        self.pending.push(event);
    }

    /// The oldest custom event not yet handled, taken from the queue.
    pub(crate) fn next_custom(&mut self) -> Option<CustomEventData> {
        (!self.pending.is_empty()).then(|| self.pending.remove(0))
    }

    /// Drops the custom events not yet handled; how many there were.
    pub(crate) fn drop_pending(&mut self) -> usize {
        let dropped = self.pending.len();
        self.pending.clear();
        dropped
    }

    /// Records a custom event as handled in this hook.
    pub(crate) fn record_emitted(&mut self, event: Event) {
        self.emitted.push(event);
    }

    /// The custom events handled so far in this hook.
    pub(crate) fn emitted(&self) -> &[Event] {
        &self.emitted
    }

    /// The custom events handled in this hook, taken out at its end.
    pub(crate) fn take_emitted(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.emitted)
    }

    // Collect-status.

    /// Remembers that a handler was skipped because its `Config<T>` did not
    /// convert (once per distinct error).
    pub(crate) fn record_config_error(&mut self, error: ConfigError) {
        if !self.config_errors.contains(&error) {
            self.config_errors.push(error);
        }
    }

    /// This hook's typed-config failures.
    pub(crate) fn config_errors(&self) -> &[ConfigError] {
        &self.config_errors
    }

    /// The list collect-status handlers add their statuses to.
    pub(crate) fn status_collector(&self) -> Rc<RefCell<Vec<Status>>> {
        Rc::clone(&self.statuses)
    }

    /// Empties the collected statuses, before one collect-status step.
    pub(crate) fn start_collecting(&mut self) {
        self.statuses.borrow_mut().clear();
    }

    /// Adds statuses as if a handler had added them.
    pub(crate) fn add_collected(&self, statuses: impl IntoIterator<Item = Status>) {
        self.statuses.borrow_mut().extend(statuses);
    }

    /// The highest-priority status collected, if any was.
    pub(crate) fn collected_status(&self) -> Option<Status> {
        status::highest(&self.statuses.borrow()).cloned()
    }
}
