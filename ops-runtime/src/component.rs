//! Components and custom events: the Rust form of an ops charm library.
//!
//! A [`Component`] is a field of the charm that observes every Juju event on the
//! charm's behalf (the requirer side of an interface, say), keeps its own stored
//! state with [`HookContext::stored`], and emits typed [`CustomEvent`]s. The
//! charm declares it with `#[charm(components(db: DatabaseRequirer))]` and
//! handles its events like any other: `#[on(db::database_created)]`, taking the
//! payload as a [`Custom<T>`] argument. A name the component does not emit is a
//! compile error. Emitted events are handled in the same hook, right after the
//! component observed the event that caused them, and can be deferred.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::context::HookContext;
use crate::event::{CustomEventData, Event};
use crate::handler::CharmError;

/// A typed custom event.
pub trait CustomEvent: Serialize + DeserializeOwned + 'static {
    /// Its name, as charms write it after the component's: `db::<NAME>`.
    const NAME: &'static str;
}

/// A reusable part of a charm that observes Juju events and emits custom ones.
pub trait Component {
    /// The names of the custom events it emits; `#[charm]` checks handlers
    /// against them at compile time.
    const EVENTS: &'static [&'static str];

    /// Observes one event of the hook (Juju's event, or a deferred one being
    /// re-run), before the charm's own handlers; emits custom events with `emit`.
    fn observe(
        &mut self,
        cx: &mut HookContext,
        event: &Event,
        emit: &mut Emitter,
    ) -> Result<(), CharmError>;
}

/// Where a component emits its custom events.
#[derive(Debug)]
pub struct Emitter {
    component: &'static str,
    allowed: &'static [&'static str],
    events: Vec<CustomEventData>,
}

/// A component emitted an event it does not declare in [`Component::EVENTS`].
#[derive(Debug, thiserror::Error)]
#[error("component `{component}` emitted `{event}`, which is not among its declared events ({})", declared.join(", "))]
pub struct UndeclaredEvent {
    component: &'static str,
    event: &'static str,
    declared: &'static [&'static str],
}

impl Emitter {
    /// An emitter for the component field `component`.
    pub fn new(component: &'static str, allowed: &'static [&'static str]) -> Self {
        Self {
            component,
            allowed,
            events: Vec::new(),
        }
    }

    /// Emits `event`; the charm's handlers for it run once the component's
    /// `observe` returns.
    pub fn emit<E: CustomEvent>(&mut self, event: &E) -> Result<(), CharmError> {
        if !self.allowed.contains(&E::NAME) {
            return Err(UndeclaredEvent {
                component: self.component,
                event: E::NAME,
                declared: self.allowed,
            }
            .into());
        }
        let payload = serde_json::to_value(event)?;
        self.events.push(CustomEventData {
            qualified: format!("{}::{}", self.component, E::NAME),
            name: E::NAME.to_owned(),
            payload,
        });
        Ok(())
    }

    /// The events emitted, in order.
    pub fn into_events(self) -> Vec<CustomEventData> {
        self.events
    }
}

/// A custom event's payload as a handler argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Custom<T>(pub T);

impl<T> std::ops::Deref for Custom<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Custom<T> {
    /// The payload.
    pub fn into_inner(self) -> T {
        self.0
    }
}
