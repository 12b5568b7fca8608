//! Actions and their params.

use indexmap::IndexMap;
use serde_json::Value as Json;
use yaml_serde::Value;

use super::{Decoder, KeyPath, Result, describe, to_json, untag};
use crate::action::{Action, ActionParam, ParamType};
use crate::suggest;

const ACTION_KEYS: &[&str] = &[
    "description",
    "params",
    "required",
    "additionalProperties",
    "execution-group",
    "parallel",
];
/// JSON-Schema annotations allowed on an action, kept in `extra` without a warning.
const ACTION_ANNOTATIONS: &[&str] = &["title", "$comment", "examples", "deprecated"];
/// JSON-Schema keywords (draft 4 to 7) that a param may use. `$ref` and `$schema` are
/// left out: Juju does not support them.
const PARAM_KEYWORDS: &[&str] = &[
    "type",
    "description",
    "default",
    "enum",
    "const",
    "title",
    "examples",
    "$comment",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "additionalItems",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "minProperties",
    "maxProperties",
    "dependencies",
    "propertyNames",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "contentEncoding",
    "contentMediaType",
    "readOnly",
    "writeOnly",
    "deprecated",
];

impl Decoder<'_> {
    pub(super) fn action(&mut self, name: String, value: &Value, path: &KeyPath) -> Result<Action> {
        let mut action = Action {
            description: None,
            params: IndexMap::new(),
            required: Vec::new(),
            additional_properties: None,
            execution_group: None,
            parallel: None,
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(action);
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "description" => action.description = self.string(value, key_path)?,
                "params" => action.params = self.named(value, key_path, Self::action_param)?,
                "required" => action.required = self.strings(value, key_path)?,
                "additionalProperties" => {
                    action.additional_properties = self.boolean(value, key_path)?
                }
                "execution-group" => action.execution_group = self.string(value, key_path)?,
                "parallel" => action.parallel = self.boolean(value, key_path)?,
                key if ACTION_ANNOTATIONS.contains(&key) => {
                    action.extra.insert(key.to_owned(), to_json(value));
                }
                _ => self.unknown(key_path, &key, value, ACTION_KEYS, &mut action.extra),
            }
        }
        for required in &action.required {
            if !action.params.contains_key(required) {
                let hint =
                    match suggest::did_you_mean(required, action.params.keys().map(String::as_str))
                    {
                        Some(param) => format!("did you mean `{param}`?"),
                        None => "declare it under `params` or remove it from `required`".to_owned(),
                    };
                self.warn(
                    &path.child("required"),
                    format!("`{path}.required` names `{required}`, which is not a param; {hint}"),
                );
            }
        }
        Ok(action)
    }

    fn action_param(&mut self, name: String, value: &Value, path: &KeyPath) -> Result<ActionParam> {
        let mut param = ActionParam {
            kind: None,
            types: Vec::new(),
            description: None,
            default: None,
            enum_values: None,
            schema: Json::Object(serde_json::Map::new()),
            location: self.locate(path),
            name,
        };
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(param);
        };
        param.schema = to_json(value);
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "type" => param.types = self.param_types(value, key_path)?,
                "description" => param.description = self.string(value, key_path)?,
                "default" => param.default = Some(to_json(value)),
                "enum" => match to_json(value) {
                    Json::Array(values) => param.enum_values = Some(values),
                    _ => {
                        return Err(self.invalid(
                            key_path,
                            format!(
                                "`{key_path}` must be a list of allowed values, not {}",
                                describe(value)
                            ),
                            "write the allowed values as a list, such as `[a, b]`",
                        ));
                    }
                },
                key if PARAM_KEYWORDS.contains(&key) => {}
                _ => {
                    let hint = match suggest::did_you_mean(&key, PARAM_KEYWORDS.iter().copied()) {
                        Some(keyword) => format!("did you mean `{keyword}`?"),
                        None => "check its spelling or remove it".to_owned(),
                    };
                    let message =
                        format!("unknown JSON-Schema keyword `{key_path}` is ignored; {hint}");
                    self.warn(key_path, message);
                }
            }
        }
        if let [kind] = param.types[..] {
            param.kind = Some(kind);
            if let Some(default) = param
                .default
                .as_ref()
                .filter(|default| !fits(kind, default))
            {
                self.warn(
                    &path.child("default"),
                    format!(
                        "`{path}.default` is {default}, which is not of the param's type `{kind}`"
                    ),
                );
            }
        }
        Ok(param)
    }

    /// A param's `type`: one type name or a list of them.
    fn param_types(&mut self, value: &Value, path: &KeyPath) -> Result<Vec<ParamType>> {
        match untag(value) {
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .filter_map(|(at, item)| {
                    self.keyword(item, &path.child(at), "JSON-Schema type")
                        .transpose()
                })
                .collect(),
            _ => Ok(self
                .keyword(value, path, "JSON-Schema type")?
                .into_iter()
                .collect()),
        }
    }
}

/// Whether a JSON value is of a JSON-Schema type.
fn fits(kind: ParamType, value: &Json) -> bool {
    match kind {
        ParamType::String => value.is_string(),
        ParamType::Integer => value.is_i64() || value.is_u64(),
        ParamType::Number => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        ParamType::Array => value.is_array(),
        ParamType::Object => value.is_object(),
        ParamType::Null => value.is_null(),
    }
}
