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
