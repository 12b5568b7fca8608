//! Config options (`config.options` in charmcraft.yaml, `options` in config.yaml).

use std::fmt;

use indexmap::IndexMap;
use serde::Serialize;

use crate::error::Location;
use crate::keyword::keyword_enum;

keyword_enum! {
    /// `type` of a config option.
    pub enum ConfigType {
        /// `string`.
        String => "string",
        /// `int`: a 64-bit signed integer.
        Int => "int",
        /// `float`: a 64-bit float.
        Float => "float",
        /// `boolean`.
        Boolean => "boolean",
        /// `secret`: the URI of a Juju user secret.
        Secret => "secret",
    }
}

/// A config option.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfigOption {
    /// The option name (the key), as written: kebab-case and snake_case both occur.
    #[serde(skip)]
    pub name: String,
    /// `type`.
    #[serde(rename = "type")]
    pub kind: ConfigType,
    /// `default`, converted to the option's type. An omitted or null default is `None`;
    /// an empty string is `Some(ConfigValue::String(""))`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<ConfigValue>,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keys this model does not know, as written (each also produced a
    /// [`Warning`](crate::Warning)).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Where the option's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// A config value: an option's default, already checked against the option's type.
///
/// A `secret` option's value (rare as a default) is a [`String`](Self::String); an `int`
/// default given to a `float` option becomes a [`Float`](Self::Float).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ConfigValue {
    /// A `string` or `secret` value.
    String(String),
    /// An `int` value.
    Int(i64),
    /// A `float` value.
    Float(f64),
    /// A `boolean` value.
    Boolean(bool),
}

impl ConfigValue {
    /// The string, if this is a string (or secret) value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(value) => Some(value),
            _ => None,
        }
    }

    /// The integer, if this is an `int` value.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(value) => Some(*value),
            _ => None,
        }
    }

    /// The number, if this is a `float` or `int` value.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Float(value) => Some(*value),
            #[allow(clippy::cast_precision_loss, reason = "as JSON and Juju do")]
            Self::Int(value) => Some(*value as f64),
            _ => None,
        }
    }

    /// The boolean, if this is a `boolean` value.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Self::Boolean(value) => Some(*value),
            _ => None,
        }
    }
}

impl fmt::Display for ConfigValue {
    /// Writes the value as `juju config` shows it: strings unquoted, floats with a `.`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::String(value) => f.write_str(value),
            Self::Int(value) => write!(f, "{value}"),
            Self::Float(value) => write!(f, "{value:?}"),
            Self::Boolean(value) => write!(f, "{value}"),
        }
    }
}
