//! Charm configuration as `config-get` reports it.

use std::collections::BTreeMap;
use std::fmt;

/// One configuration value: Juju's option types `string`, `int`, `float`,
/// `boolean` and `secret` (a secret option's value is the secret's id).
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigValue {
    /// A `string` (or `secret`) option.
    String(String),
    /// An `int` option.
    Int(i64),
    /// A `float` option.
    Float(f64),
    /// A `boolean` option.
    Bool(bool),
}

impl ConfigValue {
    /// The JSON form `config-get` prints.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ConfigValue::String(s) => serde_json::Value::String(s.clone()),
            ConfigValue::Int(i) => serde_json::Value::from(*i),
            ConfigValue::Float(f) => serde_json::Value::from(*f),
            ConfigValue::Bool(b) => serde_json::Value::Bool(*b),
        }
    }

    /// Reads a value from `config-get`'s JSON; `None` for null, arrays and objects,
    /// which Juju never reports.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        Some(match value {
            serde_json::Value::String(s) => ConfigValue::String(s.clone()),
            serde_json::Value::Bool(b) => ConfigValue::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => ConfigValue::Int(i),
                None => ConfigValue::Float(n.as_f64()?),
            },
            _ => return None,
        })
    }

    /// The name of the value's type, as in charmcraft.yaml.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConfigValue::String(_) => "string",
            ConfigValue::Int(_) => "int",
            ConfigValue::Float(_) => "float",
            ConfigValue::Bool(_) => "boolean",
        }
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::String(s) => f.write_str(s),
            ConfigValue::Int(i) => write!(f, "{i}"),
            ConfigValue::Float(x) => write!(f, "{x}"),
            ConfigValue::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<&str> for ConfigValue {
    fn from(s: &str) -> Self {
        ConfigValue::String(s.to_owned())
    }
}

impl From<String> for ConfigValue {
    fn from(s: String) -> Self {
        ConfigValue::String(s)
    }
}

impl From<i64> for ConfigValue {
    fn from(i: i64) -> Self {
        ConfigValue::Int(i)
    }
}

impl From<i32> for ConfigValue {
    fn from(i: i32) -> Self {
        ConfigValue::Int(i.into())
    }
}

impl From<f64> for ConfigValue {
    fn from(x: f64) -> Self {
        ConfigValue::Float(x)
    }
}

impl From<bool> for ConfigValue {
    fn from(b: bool) -> Self {
        ConfigValue::Bool(b)
    }
}

/// The charm's configuration for this hook: every option that is set or has a
/// default. Read once per hook and cached by the [`HookContext`](crate::HookContext).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigData {
    values: BTreeMap<String, ConfigValue>,
}

impl ConfigData {
    /// Configuration from the values `config-get` printed; values of a shape Juju
    /// never reports (null, lists, maps) are dropped.
    pub fn from_json(map: &BTreeMap<String, serde_json::Value>) -> Self {
        Self {
            values: map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), ConfigValue::from_json(v)?)))
                .collect(),
        }
    }

    /// The value of `option`, if set or defaulted.
    pub fn get(&self, option: &str) -> Option<&ConfigValue> {
        self.values.get(option)
    }

    /// The value of a `string` (or `secret`) option.
    pub fn get_str(&self, option: &str) -> Option<&str> {
        match self.values.get(option)? {
            ConfigValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of an `int` option.
    pub fn get_int(&self, option: &str) -> Option<i64> {
        match self.values.get(option)? {
            ConfigValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value of a `float` option (an integer value converts).
    pub fn get_float(&self, option: &str) -> Option<f64> {
        match self.values.get(option)? {
            ConfigValue::Float(x) => Some(*x),
            #[allow(clippy::cast_precision_loss)]
            ConfigValue::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The value of a `boolean` option.
    pub fn get_bool(&self, option: &str) -> Option<bool> {
        match self.values.get(option)? {
            ConfigValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Every option with a value, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ConfigValue)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// A secret's id, as a `secret` config option holds it (`secret:<id>` or
/// `secret://<model-uuid>/<id>`).
///
/// A `secret` option is typed as this, never as a plain `String`, so its value is
/// not mistaken for the secret's content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretId(String);

impl SecretId {
    /// The id as Juju wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SecretId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret id serializes as Juju's URI string (`secret:<id>`), as the interfaces
/// that pass secrets through relation data write it (`secret-user`, `secret-tls`).
impl serde::Serialize for SecretId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A secret id deserializes from Juju's URI string, checked as [`str::parse`]
/// checks it; the error never quotes the text, which may be anything a remote
/// charm wrote.
impl<'de> serde::Deserialize<'de> for SecretId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = SecretId;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a secret id (`secret:<id>` or `secret://<model-uuid>/<id>`)")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<SecretId, E> {
                text.parse().map_err(|_| {
                    E::invalid_value(
                        serde::de::Unexpected::Other("a string that is not a secret id"),
                        &self,
                    )
                })
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

impl std::str::FromStr for SecretId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let id = s
            .strip_prefix("secret://")
            .or_else(|| s.strip_prefix("secret:"));
        match id {
            Some(rest) if !rest.is_empty() && !rest.ends_with('/') => Ok(SecretId(s.to_owned())),
            _ => Err(format!("`{s}` is not a secret id (`secret:<id>`)")),
        }
    }
}

/// One option whose value is missing or cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("option `{option}` {problem}")]
pub struct InvalidOption {
    /// The option's name.
    pub option: String,
    /// The value Juju reported, `None` when the option is unset.
    pub value: Option<String>,
    /// Why it cannot be used.
    pub reason: String,
    problem: String,
}

impl InvalidOption {
    /// An option whose `value` cannot be used, and why.
    pub fn new(option: &str, value: Option<&ConfigValue>, reason: impl fmt::Display) -> Self {
        let value = value.map(ToString::to_string);
        let reason = reason.to_string();
        let problem = match &value {
            Some(v) => format!("has an invalid value `{v}`: {reason}"),
            None => reason.clone(),
        };
        Self {
            option: option.to_owned(),
            value,
            reason,
            problem,
        }
    }
}

/// The charm's configuration cannot be loaded into its typed form: every option
/// that failed, with value and reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid config: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ConfigError(pub Vec<InvalidOption>);

impl ConfigError {
    /// The problem with `option`, if it has one.
    pub fn option(&self, option: &str) -> Option<&InvalidOption> {
        self.0.iter().find(|o| o.option == option)
    }
}

/// A typed view of the charm's configuration, implemented with
/// `#[derive(CharmConfig)]`, which checks every field against the options in
/// charmcraft.yaml at compile time.
///
/// Handlers take it as [`Config<T>`]; other code loads it with
/// [`HookContext::load_config`](crate::HookContext::load_config).
pub trait CharmConfig: Sized {
    /// Converts and validates the raw values; the error lists every bad option.
    fn from_config(config: &ConfigData) -> Result<Self, ConfigError>;
}

/// The charm's configuration as a typed struct: a handler argument.
///
/// When the configuration does not convert, a handler taking `Config<T>` is
/// skipped (the error is logged at WARNING) and the unit status is set to
/// `Blocked` with the reason after collect-status, as ops's
/// `load_config(errors='blocked')` does. A handler that wants to deal with the
/// error itself takes `Result<Config<T>, ConfigError>` instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Config<T>(pub T);

impl<T> std::ops::Deref for Config<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Config<T> {
    /// The typed configuration.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Converts one config value into a field of a [`CharmConfig`] struct. Implemented
/// for `String`, `bool`, every integer type (range-checked), `f32`, `f64` and
/// [`SecretId`]; other field types go through `FromStr` or `TryFrom`.
pub trait FromConfigValue: Sized {
    /// Converts `value`, or says why it cannot.
    fn from_config_value(value: &ConfigValue) -> Result<Self, String>;
}

impl FromConfigValue for String {
    fn from_config_value(value: &ConfigValue) -> Result<Self, String> {
        match value {
            ConfigValue::String(s) => Ok(s.clone()),
            other => Err(format!("expected a string, got {}", other.type_name())),
        }
    }
}

impl FromConfigValue for bool {
    fn from_config_value(value: &ConfigValue) -> Result<Self, String> {
        match value {
            ConfigValue::Bool(b) => Ok(*b),
            other => Err(format!("expected a boolean, got {}", other.type_name())),
        }
    }
}

impl FromConfigValue for f64 {
    fn from_config_value(value: &ConfigValue) -> Result<Self, String> {
        match value {
            ConfigValue::Float(x) => Ok(*x),
            #[allow(clippy::cast_precision_loss)]
            ConfigValue::Int(i) => Ok(*i as f64),
            other => Err(format!("expected a number, got {}", other.type_name())),
        }
    }
}

impl FromConfigValue for f32 {
    fn from_config_value(value: &ConfigValue) -> Result<Self, String> {
        let x = f64::from_config_value(value)?;
        #[allow(clippy::cast_possible_truncation)]
        let narrowed = x as f32;
        if x.is_finite() && !narrowed.is_finite() {
            return Err(format!("{x} is out of range for a 32-bit float"));
        }
        Ok(narrowed)
    }
}

impl FromConfigValue for SecretId {
    fn from_config_value(value: &ConfigValue) -> Result<Self, String> {
        match value {
            ConfigValue::String(s) => s.parse(),
            other => Err(format!("expected a secret id, got {}", other.type_name())),
        }
    }
}

macro_rules! int_from_config {
    ($($ty:ty),*) => {$(
        impl FromConfigValue for $ty {
            fn from_config_value(value: &ConfigValue) -> Result<Self, String> {
                match value {
                    ConfigValue::Int(i) => <$ty>::try_from(*i).map_err(|_| {
                        format!("{i} is out of range for `{}` ({}..={})", stringify!($ty), <$ty>::MIN, <$ty>::MAX)
                    }),
                    other => Err(format!("expected an integer, got {}", other.type_name())),
                }
            }
        }
    )*};
}

int_from_config!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);
