//! Actions (`actions` in charmcraft.yaml, or actions.yaml).

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::Location;
use crate::keyword::keyword_enum;

/// An action a user can run with `juju run`.
///
/// An action is a JSON-Schema object whose `params` are its `properties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Action {
    /// The action name (the key).
    #[serde(skip)]
    pub name: String,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `params`: the parameters, by name.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, ActionParam>,
    /// `required`: names of params that must be given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// `additionalProperties`: whether params not declared are accepted (Juju's default
    /// is `true`).
    #[serde(
        rename = "additionalProperties",
        skip_serializing_if = "Option::is_none"
    )]
    pub additional_properties: Option<bool>,
    /// `execution-group`: actions in the same group run one at a time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_group: Option<String>,
    /// `parallel`: whether the action may run while others run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<bool>,
    /// Other keys, as written: JSON-Schema annotations such as `title`, and unknown keys
    /// (which also produced a [`Warning`](crate::Warning)).
    #[serde(flatten)]
    pub extra: IndexMap<String, Value>,
    /// Where the action's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

impl Action {
    /// The JSON Schema that Juju checks the action's arguments against: an object with
    /// the params as `properties`, plus `required` and `additionalProperties`.
    pub fn json_schema(&self) -> Value {
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        if let Some(description) = &self.description {
            schema.insert("description".into(), description.as_str().into());
        }
        let properties = self
            .params
            .iter()
            .map(|(name, param)| (name.clone(), param.schema.clone()))
            .collect::<Map<_, _>>();
        schema.insert("properties".into(), Value::Object(properties));
        if !self.required.is_empty() {
            schema.insert("required".into(), self.required.clone().into());
        }
        if let Some(additional) = self.additional_properties {
            schema.insert("additionalProperties".into(), additional.into());
        }
        Value::Object(schema)
    }
}

keyword_enum! {
    /// A JSON-Schema `type` of an action param.
    pub enum ParamType {
        /// `string`.
        String => "string",
        /// `integer`.
        Integer => "integer",
        /// `number`: an integer or a float.
        Number => "number",
        /// `boolean`.
        Boolean => "boolean",
        /// `array`.
        Array => "array",
        /// `object`.
        Object => "object",
        /// `null` (only useful in a list of types, to make a param nullable).
        Null => "null",
    }
}

/// A parameter of an action: a JSON-Schema fragment.
///
/// [`schema`](Self::schema) keeps the param exactly as written; the other fields are typed
/// views of its common keywords. It serializes as its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionParam {
    /// The param name (the key), as written (often kebab-case; `type` also occurs).
    pub name: String,
    /// `type`, when it names exactly one type.
    pub kind: Option<ParamType>,
    /// Every type named by `type`: empty when absent, several when `type` is a list such
    /// as `[string, "null"]`.
    pub types: Vec<ParamType>,
    /// `description`.
    pub description: Option<String>,
    /// `default`.
    pub default: Option<Value>,
    /// `enum`: the allowed values.
    pub enum_values: Option<Vec<Value>>,
    /// The whole param as written, converted to JSON (always an object).
    pub schema: Value,
    /// Where the param's name was written.
    pub location: Option<Location>,
}

impl Serialize for ActionParam {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.schema.serialize(serializer)
    }
}
