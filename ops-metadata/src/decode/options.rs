//! Config options.

use indexmap::IndexMap;
use yaml_serde::Value;

use super::{Decoder, KeyPath, Result, describe, untag};
use crate::config::{ConfigOption, ConfigType, ConfigValue};

const CONFIG_KEYS: &[&str] = &["options"];
const OPTION_KEYS: &[&str] = &["type", "default", "description"];

impl Decoder<'_> {
    pub(super) fn config(
        &mut self,
        value: &Value,
        path: &KeyPath,
    ) -> Result<IndexMap<String, ConfigOption>> {
        let mut options = IndexMap::new();
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(options);
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "options" => options = self.named(value, key_path, Self::config_option)?,
                _ => self.ignored(key_path, &key, CONFIG_KEYS),
            }
        }
        Ok(options)
    }

    fn config_option(
        &mut self,
        name: String,
        value: &Value,
        path: &KeyPath,
    ) -> Result<ConfigOption> {
        let mapping = self.mapping_or_empty(value, path)?;
        let kind = self.required_type(
            mapping,
            path,
            "config option",
            format!("add `type: string` under `{path}` (or `int`, `float`, `boolean`, `secret`)"),
        )?;
        let mut option = ConfigOption {
            kind,
            default: None,
            description: None,
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "type" => {}
                "default" => option.default = self.config_default(kind, value, key_path)?,
                "description" => option.description = self.string(value, key_path)?,
                _ => self.unknown(key_path, &key, value, OPTION_KEYS, &mut option.extra),
            }
        }
        Ok(option)
    }

    /// A config option's default, checked against and converted to its type.
    fn config_default(
        &mut self,
        kind: ConfigType,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Option<ConfigValue>> {
        let value = untag(value);
        let converted = match (kind, value) {
            (_, Value::Null) => return Ok(None),
            (ConfigType::String | ConfigType::Secret, Value::String(text)) => {
                Some(ConfigValue::String(text.clone()))
            }
            (ConfigType::String | ConfigType::Secret, Value::Number(_) | Value::Bool(_)) => {
                let text = self.source_text(value, path);
                self.warn(
                    path,
                    format!(
                        "`{path}` is written as {}, but the option is a `{kind}`; write it in \
                         quotes (`default: \"{text}\"`)",
                        describe(value)
                    ),
                );
                Some(ConfigValue::String(text))
            }
            (ConfigType::Int, Value::Number(number)) => number.as_i64().map(ConfigValue::Int),
            (ConfigType::Float, Value::Number(number)) => number.as_f64().map(ConfigValue::Float),
            (ConfigType::Boolean, Value::Bool(flag)) => Some(ConfigValue::Boolean(*flag)),
            _ => None,
        };
        converted.map(Some).ok_or_else(|| {
            let example = match kind {
                ConfigType::Int => "a whole number such as `0`",
                ConfigType::Float => "a number such as `0.5`",
                ConfigType::Boolean => "`true` or `false` without quotes",
                ConfigType::String | ConfigType::Secret => "a string in quotes",
            };
            self.invalid(
                path,
                format!(
                    "`{path}` is {}, which does not fit the option's type `{kind}`",
                    describe(value)
                ),
                format!("write {example}, or remove the default"),
            )
        })
    }
}
