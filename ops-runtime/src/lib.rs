#![doc = include_str!("../../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod action;
mod component;
mod config;
#[cfg(feature = "pebble")]
mod container;
mod context;
mod databag;
mod debug;
mod dispatch;
mod enums;
mod env;
pub mod event;
mod handler;
pub mod hook_tools;
mod logging;
pub mod metadata;
mod model;
/// A client for Pebble, the service manager in a Kubernetes charm's workload containers.
#[cfg(feature = "pebble")]
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
pub mod pebble;
mod redact;
mod relation;
mod secret;
pub mod state;
mod status;
mod suggest;
pub mod telemetry;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;

pub use action::{CharmAction, IntoActionOutcome, InvalidParam, Params, ParamsError};
pub use component::{
    Component, Custom, CustomEvent, Emitter, Interface, RelationRole, UndeclaredCharmEvent,
    UndeclaredEvent,
};
pub use config::{
    CharmConfig, Config, ConfigData, ConfigError, ConfigValue, FromConfigValue, InvalidOption,
    SecretId,
};
#[cfg(feature = "pebble")]
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
pub use container::{Container, PushPullError, WorkloadEvent};
pub use context::{HookContext, LoadConfigError, LoadParamsError, ModelError};
pub use databag::{DatabagError, from_databag, to_databag};
pub use debug::BreakpointNameError;
pub use dispatch::{
    Charm, CharmMeta, DispatchError, Handler, HandlerFn, MetadataSource, Outcome, main, main_with,
    run, run_with_store,
};
pub use enums::{CharmEnum, UnknownValue};
pub use env::{CONTAINERS_DIR_VAR, EnvError, JujuContext, JujuVersion};
pub use event::kinds;
pub use event::{
    ActionEvent, Event, EventKind, PebbleCheckFailedEvent, PebbleCheckRecoveredEvent,
    PebbleCustomNoticeEvent, PebbleReadyEvent, RelationBrokenEvent, RelationChangedEvent,
    RelationCreatedEvent, RelationDepartedEvent, RelationEvent, RelationJoinedEvent,
    SecretChangedEvent, SecretExpiredEvent, SecretRemoveEvent, SecretRotateEvent, StorageEvent,
};
pub use handler::{CharmError, CollectStatus, Flow, FromHookContext, IntoOutcome, Rejection};
#[cfg(feature = "pebble")]
#[cfg_attr(docsrs, doc(cfg(feature = "pebble")))]
pub use hook_tools::PebbleConnection;
pub use hook_tools::{Databag, HookToolError, HookTools, LogLevel};
pub use metadata::Metadata;
pub use model::{
    Address, AddressKind, BindAddress, Binding, CloudCredential, CloudSpec, ContainerName,
    GoalState, GoalStatus, Network, Port, Protocol, ResourceName, StorageInfo, StorageName,
};
pub use relation::{Bag, Endpoint, Member};
pub use secret::{
    Revision, RotatePolicy, Secret, SecretContent, SecretExpiry, SecretInfo, SecretLookup,
    SecretOptions, SecretOwner,
};
pub use state::StoredState;
pub use status::{Status, StatusInfo, StatusKind};
pub use telemetry::TracingDestination;

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ops_derive::charm;

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ops_derive::on;

#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ops_derive::{CharmAction, CharmConfig, CharmEnum};

/// Items used by the code `#[charm]` generates. Not a public API: no
/// compatibility promise is made for anything in here.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::HookContext;
    pub use crate::dispatch::{Charm, CharmMeta, Handler, MetadataSource};
    pub use crate::event::EventKind;
    pub use crate::event::kinds;
    pub use crate::handler::{CharmError, Flow, FromHookContext, IntoOutcome, args};
    pub use crate::metadata;
    pub use crate::model::{Binding, ContainerName, ResourceName, StorageName};
    pub use crate::relation::Endpoint;
    pub use crate::state::StoreKind;
    pub use std::result::Result;

    /// What a handler's return value means: [`IntoOutcome::into_outcome`], as a
    /// function so the generated call can carry the return type's span.
    pub fn into_outcome<T: IntoOutcome>(
        value: T,
        cx: &mut HookContext,
    ) -> Result<Flow, CharmError> {
        value.into_outcome(cx)
    }

    /// What an action handler's return value means: its results go to
    /// `action-set`, its error fails the action.
    pub fn into_action_outcome<T: crate::IntoActionOutcome>(
        value: T,
        cx: &mut HookContext,
    ) -> Result<Flow, CharmError> {
        match value.into_results()? {
            serde_json::Value::Null => Ok(Flow::Done),
            results @ serde_json::Value::Object(_) => {
                cx.action_set(&results)?;
                Ok(Flow::Done)
            }
            other => Err(CharmError::msg(format!(
                "an action's results must be a struct or map, not `{other}`"
            ))),
        }
    }

    pub use crate::component::checks::{EndpointDecl, bound, unbound};
    pub use crate::component::{Component, CustomEvent, Emitter, RelationRole};
    pub use crate::event::{CustomEventData, Event};
    pub use crate::handler::CollectStatus;

    /// Whether `names` contains `name`, usable in the constant checks the macros emit.
    pub const fn contains(names: &[&str], name: &str) -> bool {
        let mut i = 0;
        while i < names.len() {
            if str_eq(names[i], name) {
                return true;
            }
            i += 1;
        }
        false
    }

    /// `a == b`, usable in the constant checks the macros emit.
    pub const fn str_eq(a: &str, b: &str) -> bool {
        let (a, b) = (a.as_bytes(), b.as_bytes());
        if a.len() != b.len() {
            return false;
        }
        let mut i = 0;
        while i < a.len() {
            if a[i] != b[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// Conversions and checks behind `#[derive(CharmEnum)]`, and the comparison
    /// of its values with a schema's `enum`.
    pub mod enums {
        pub use crate::enums::{
            CharmEnum, ConstMessage, UnknownValue, deserialize, from_str, missing, serialize,
        };
        pub use serde;
    }

    /// Conversions behind `#[derive(CharmConfig)]`.
    pub mod config {
        use std::fmt::Display;
        use std::str::FromStr;

        pub use crate::config::{
            CharmConfig, ConfigData, ConfigError, ConfigValue, FromConfigValue, InvalidOption,
        };

        /// A field for an option that always has a value (it has a default).
        pub fn required<T>(
            config: &ConfigData,
            option: &str,
            convert: impl FnOnce(&ConfigValue) -> Result<T, String>,
        ) -> Result<T, InvalidOption> {
            match config.get(option) {
                Some(value) => {
                    convert(value).map_err(|reason| InvalidOption::new(option, Some(value), reason))
                }
                None => Err(InvalidOption::new(
                    option,
                    None,
                    "is not set and has no default",
                )),
            }
        }

        /// An `Option<T>` field: `None` when the option is unset.
        pub fn optional<T>(
            config: &ConfigData,
            option: &str,
            convert: impl FnOnce(&ConfigValue) -> Result<T, String>,
        ) -> Result<Option<T>, InvalidOption> {
            match config.get(option) {
                Some(value) => convert(value)
                    .map(Some)
                    .map_err(|reason| InvalidOption::new(option, Some(value), reason)),
                None => Ok(None),
            }
        }

        /// A field of a type this crate converts ([`FromConfigValue`]).
        pub fn known<T: FromConfigValue>(value: &ConfigValue) -> Result<T, String> {
            T::from_config_value(value)
        }

        /// A `String` field for an option whose `enum` lists its values (a key
        /// Juju does not enforce for config): the value must be one of them.
        pub fn one_of(value: &ConfigValue, allowed: &[&str]) -> Result<String, String> {
            let s: String = known(value)?;
            if allowed.contains(&s.as_str()) {
                Ok(s)
            } else {
                let listed: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                Err(format!(
                    "expected one of {} (the option's `enum`)",
                    listed.join(", ")
                ))
            }
        }

        /// A field of a `FromStr` type, for a `string` option.
        pub fn from_str<T>(value: &ConfigValue) -> Result<T, String>
        where
            T: FromStr,
            T::Err: Display,
        {
            match value {
                ConfigValue::String(s) => s.parse().map_err(|e: T::Err| e.to_string()),
                other => Err(format!("expected a string, got {}", other.type_name())),
            }
        }

        /// A field of a `TryFrom<i64>` type, for an `int` option.
        pub fn try_from_int<T>(value: &ConfigValue) -> Result<T, String>
        where
            T: TryFrom<i64>,
            T::Error: Display,
        {
            let i: i64 = known(value)?;
            T::try_from(i).map_err(|e| e.to_string())
        }

        /// A field of a `TryFrom<f64>` type, for a `float` option.
        pub fn try_from_float<T>(value: &ConfigValue) -> Result<T, String>
        where
            T: TryFrom<f64>,
            T::Error: Display,
        {
            let x: f64 = known(value)?;
            T::try_from(x).map_err(|e| e.to_string())
        }

        /// A field of a `TryFrom<bool>` type, for a `boolean` option.
        pub fn try_from_bool<T>(value: &ConfigValue) -> Result<T, String>
        where
            T: TryFrom<bool>,
            T::Error: Display,
        {
            let b: bool = known(value)?;
            T::try_from(b).map_err(|e| e.to_string())
        }

        /// The error for every failed field.
        pub fn collect(errors: impl IntoIterator<Item = Option<InvalidOption>>) -> ConfigError {
            ConfigError(errors.into_iter().flatten().collect())
        }
    }

    /// Conversions behind `#[derive(CharmAction)]`.
    pub mod action {
        pub use crate::action::{CharmAction, InvalidParam, ParamsError, missing, param};
        pub use serde_json::{Map, Value};

        /// The error for every failed field.
        pub fn collect(errors: impl IntoIterator<Item = Option<InvalidParam>>) -> ParamsError {
            ParamsError::Invalid(errors.into_iter().flatten().collect())
        }

        /// A default written in the metadata, as JSON.
        pub fn default_value<T: serde::de::DeserializeOwned>(
            json: &str,
            name: &str,
        ) -> Result<T, InvalidParam> {
            serde_json::from_str(json).map_err(|e| InvalidParam {
                param: name.to_owned(),
                problem: format!("has a default `{json}` that does not convert: {e}"),
            })
        }
    }
}
