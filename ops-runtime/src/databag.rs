//! Typed relation databags: a struct to and from a bag of string keys and values.
//!
//! Strings are stored as they are; every other value as JSON (`42`, `true`,
//! `["a","b"]`, `{"k":1}`). On load, a string field takes the stored text as is (a
//! JSON-quoted string, as Python's `ops` writes them, is unquoted), and other
//! fields parse it as JSON, so a bag written by either library reads back.

use std::fmt;

use serde::de::value::Error as ValueError;
use serde::de::{self, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use crate::hook_tools::Databag;

/// Why a struct could not be read from or written to a databag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabagError(pub String);

impl fmt::Display for DatabagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DatabagError {}

/// The databag form of `value`: strings as they are, anything else as JSON; a
/// `None` field becomes an empty value, which deletes the key when written.
pub fn to_databag<T: serde::Serialize>(value: &T) -> Result<Databag, DatabagError> {
    let json = serde_json::to_value(value).map_err(|e| DatabagError(e.to_string()))?;
    let serde_json::Value::Object(map) = json else {
        return Err(DatabagError(format!(
            "a databag is a map of keys to values; `{json}` is not one"
        )));
    };
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect())
}

/// Reads `T` from a databag; errors name the offending key.
pub fn from_databag<T: serde::de::DeserializeOwned>(bag: &Databag) -> Result<T, DatabagError> {
    T::deserialize(BagDeserializer { bag }).map_err(|e| DatabagError(e.to_string()))
}

struct BagDeserializer<'a> {
    bag: &'a Databag,
}

impl<'de> Deserializer<'de> for BagDeserializer<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        let entries = self
            .bag
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.as_str(), BagValue { key: k, raw: v }));
        visitor.visit_map(de::value::MapDeserializer::new(entries))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// One stored value, deserialized as text or as JSON depending on what the
/// field asks for.
#[derive(Clone, Copy)]
struct BagValue<'a> {
    key: &'a str,
    raw: &'a str,
}

impl BagValue<'_> {
    fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(self.raw).ok()
    }

    /// The text of a string field: unquoted if stored as a JSON string.
    fn text(&self) -> String {
        match self.json() {
            Some(serde_json::Value::String(s)) if self.raw.starts_with('"') => s,
            _ => self.raw.to_owned(),
        }
    }

    /// The error for this key. Databags carry credentials in many interfaces, so
    /// the message says what was expected and how long the value is, never the
    /// value itself (serde's messages quote it).
    fn error(&self, e: impl fmt::Display) -> ValueError {
        de::Error::custom(format_args!(
            "key `{}` ({}): {}",
            self.key,
            crate::redact::describe_text(self.raw),
            crate::redact::conversion_problem(&e.to_string())
        ))
    }

    fn forward<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        f: impl FnOnce(serde_json::Value, V) -> Result<V::Value, serde_json::Error>,
    ) -> Result<V::Value, ValueError> {
        match self.json() {
            Some(value) => f(value, visitor).map_err(|e| self.error(e)),
            None => visitor
                .visit_str(self.raw)
                .map_err(|e: ValueError| self.error(e)),
        }
    }
}

impl<'de> IntoDeserializer<'de, ValueError> for BagValue<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for BagValue<'_> {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.forward(visitor, |v, visitor| v.deserialize_any(visitor))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.text())
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.text())
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.text())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.text())
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.json() {
            Some(serde_json::Value::String(_)) | None => {
                let text = self.text();
                visitor
                    .visit_enum(text.as_str().into_deserializer())
                    .map_err(|e: ValueError| self.error(e))
            }
            Some(value) => value
                .deserialize_enum(name, variants, visitor)
                .map_err(|e| self.error(e)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Db {
        host: String,
        port: u16,
        tls: bool,
        replicas: Vec<String>,
        #[serde(default)]
        password: Option<String>,
        mode: Mode,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Primary,
        Replica,
    }

    fn bag(pairs: &[(&str, &str)]) -> Databag {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn round_trips_with_plain_strings() {
        let db = Db {
            host: "10.0.0.1".into(),
            port: 5432,
            tls: true,
            replicas: vec!["a".into()],
            password: None,
            mode: Mode::Primary,
        };
        let stored = to_databag(&db).unwrap();
        assert_eq!(
            stored,
            bag(&[
                ("host", "10.0.0.1"),
                ("port", "5432"),
                ("tls", "true"),
                ("replicas", "[\"a\"]"),
                ("password", ""),
                ("mode", "primary"),
            ])
        );
        assert_eq!(from_databag::<Db>(&stored).unwrap(), db);
    }

    #[test]
    fn reads_what_python_ops_writes_and_ignores_other_keys() {
        let stored = bag(&[
            ("host", "\"db.example\""),
            ("port", "5432"),
            ("tls", "false"),
            ("replicas", "[]"),
            ("mode", "\"replica\""),
            ("ingress-address", "10.1.2.3"),
        ]);
        let db: Db = from_databag(&stored).unwrap();
        assert_eq!(db.host, "db.example");
        assert_eq!(db.mode, Mode::Replica);
    }

    #[test]
    fn errors_name_the_key() {
        let stored = bag(&[
            ("host", "h"),
            ("port", "many"),
            ("tls", "true"),
            ("replicas", "[]"),
            ("mode", "primary"),
        ]);
        let err = from_databag::<Db>(&stored).unwrap_err();
        // The value is described, never quoted: databags carry credentials.
        assert_eq!(err.0, "key `port` (a string of 4 characters): expected u16");
        let err = from_databag::<Db>(&bag(&[("host", "h")])).unwrap_err();
        assert_eq!(err.0, "missing field `port`");
    }
}
