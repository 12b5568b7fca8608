#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod context;
mod dispatch;
mod env;
pub mod event;
mod handler;
pub mod hook_tools;
mod logging;
mod status;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use config::{ConfigData, ConfigValue};
pub use context::{HookContext, ModelError};
pub use dispatch::{
    Charm, CharmMeta, DispatchError, Handler, HandlerFn, MetadataSource, Outcome, main, main_with,
    run,
};
pub use env::{EnvError, JujuContext, JujuVersion};
pub use event::kinds;
pub use event::{
    ActionEvent, Event, EventKind, PebbleCheckFailedEvent, PebbleCheckRecoveredEvent,
    PebbleCustomNoticeEvent, PebbleReadyEvent, RelationBrokenEvent, RelationChangedEvent,
    RelationCreatedEvent, RelationDepartedEvent, RelationEvent, RelationJoinedEvent,
    SecretChangedEvent, SecretExpiredEvent, SecretRemoveEvent, SecretRotateEvent, StorageEvent,
};
pub use handler::{CharmError, CollectStatus, FromHookContext, IntoOutcome, Rejection};
pub use hook_tools::{HookToolError, HookTools, LogLevel};
pub use status::{Status, StatusInfo, StatusKind};

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ops_derive::charm;

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ops_derive::on;

/// Items used by the code `#[charm]` generates. Not a public API: no
/// compatibility promise is made for anything in here.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::HookContext;
    pub use crate::dispatch::{Charm, CharmMeta, Handler, MetadataSource};
    pub use crate::event::EventKind;
    pub use crate::event::kinds;
    pub use crate::handler::{CharmError, FromHookContext, IntoOutcome};
    pub use std::result::Result;

    /// What a handler's return value means: [`IntoOutcome::into_outcome`], as a
    /// function so the generated call can carry the return type's span.
    pub fn into_outcome<T: IntoOutcome>(value: T, cx: &mut HookContext) -> Result<(), CharmError> {
        value.into_outcome(cx)
    }
}
