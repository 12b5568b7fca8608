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
///
/// `T` must serialize as a map: a struct, or a map keyed by strings. Errors name
/// the type, the field and the rule broken (a map inside a field must have keys
/// that serialize as strings, as a JSON object's do), never the values.
pub fn to_databag<T: serde::Serialize>(value: &T) -> Result<Databag, DatabagError> {
    let ty = std::any::type_name::<T>();
    let json = match serde_json::to_value(value) {
        Ok(json) => json,
        // Serialize again, a field at a time, to say which field breaks which rule.
        Err(e) => {
            let why = match value.serialize(top::Top) {
                Err(top::Error(why)) => why,
                Ok(()) => top::rule(&e),
            };
            return Err(DatabagError(format!(
                "cannot write `{ty}` to a databag: {why}"
            )));
        }
    };
    let serde_json::Value::Object(map) = json else {
        return Err(DatabagError(format!(
            "cannot write `{ty}` to a databag: a databag is a map of keys to values, and `{ty}` serializes as {}; write a struct, or a map keyed by strings",
            crate::redact::describe_value(&json)
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

/// The second pass of [`to_databag`] after serialization failed: the top level
/// of the value, a field (or map entry) at a time, to name where the failure is.
mod top {
    use std::fmt;

    use serde::Serialize;
    use serde::ser::{self, Impossible};

    /// Serializes the top level; each field goes through `serde_json`.
    pub(super) struct Top;

    /// Where serialization failed and why, without any value.
    #[derive(Debug)]
    pub(super) struct Error(pub(super) String);

    impl fmt::Display for Error {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for Error {}

    impl ser::Error for Error {
        fn custom<T: fmt::Display>(_: T) -> Self {
            // A message from the type's own `Serialize` impl may quote anything.
            Error("its `Serialize` implementation failed".to_owned())
        }
    }

    /// The rule a `serde_json` serialization error broke, in words that do not
    /// quote the value: `serde_json`'s own messages carry none; others (from a
    /// `Serialize` impl) may, so they are not repeated.
    pub(super) fn rule(error: &serde_json::Error) -> String {
        let message = error.to_string();
        if message.starts_with("key must be a string") {
            "a map's keys must serialize as strings (a databag holds a map as a JSON object); key it by `String` or a string-like type, or hold the entries as a `Vec` of pairs".to_owned()
        } else if message.starts_with("float key must be finite") {
            "a map's float keys must be finite (a databag holds a map as a JSON object, whose keys are strings)".to_owned()
        } else {
            "its `Serialize` implementation failed".to_owned()
        }
    }

    fn field(name: &str, value: &(impl Serialize + ?Sized)) -> Result<(), Error> {
        serde_json::to_value(value)
            .map(drop)
            .map_err(|e| Error(format!("field `{name}`: {}", rule(&e))))
    }

    /// A top level that is not a map; [`super::to_databag`] says so itself,
    /// from the value's description, so nothing here is an error.
    fn not_a_map() -> Result<(), Error> {
        Ok(())
    }

    impl ser::Serializer for Top {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = Impossible<(), Error>;
        type SerializeTuple = Impossible<(), Error>;
        type SerializeTupleStruct = Impossible<(), Error>;
        type SerializeTupleVariant = Impossible<(), Error>;
        type SerializeMap = Entries;
        type SerializeStruct = Fields;
        type SerializeStructVariant = Fields;

        fn serialize_bool(self, _: bool) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_i64(self, _: i64) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_u64(self, _: u64) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_f64(self, _: f64) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_str(self, _: &str) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_none(self) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_unit(self) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_unit_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
        ) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_i8(self, v: i8) -> Result<(), Error> {
            self.serialize_i64(v.into())
        }
        fn serialize_i16(self, v: i16) -> Result<(), Error> {
            self.serialize_i64(v.into())
        }
        fn serialize_i32(self, v: i32) -> Result<(), Error> {
            self.serialize_i64(v.into())
        }
        fn serialize_u8(self, v: u8) -> Result<(), Error> {
            self.serialize_u64(v.into())
        }
        fn serialize_u16(self, v: u16) -> Result<(), Error> {
            self.serialize_u64(v.into())
        }
        fn serialize_u32(self, v: u32) -> Result<(), Error> {
            self.serialize_u64(v.into())
        }
        fn serialize_f32(self, v: f32) -> Result<(), Error> {
            self.serialize_f64(v.into())
        }
        fn serialize_char(self, _: char) -> Result<(), Error> {
            not_a_map()
        }
        fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            variant: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            field(variant, value)
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
            Err(Error("it serializes as a sequence, not a map".to_owned()))
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
            Err(Error("it serializes as a tuple, not a map".to_owned()))
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, Error> {
            Err(Error("it serializes as a tuple, not a map".to_owned()))
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, Error> {
            Err(Error("it serializes as a tuple, not a map".to_owned()))
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Entries, Error> {
            Ok(Entries)
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields, Error> {
            Ok(Fields)
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Fields, Error> {
            Ok(Fields)
        }
    }

    /// A struct's fields, each checked on its own.
    pub(super) struct Fields;

    impl ser::SerializeStruct for Fields {
        type Ok = ();
        type Error = Error;

        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            field(key, value)
        }
        fn end(self) -> Result<(), Error> {
            Ok(())
        }
    }

    impl ser::SerializeStructVariant for Fields {
        type Ok = ();
        type Error = Error;

        fn serialize_field<T: Serialize + ?Sized>(
            &mut self,
            key: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            field(key, value)
        }
        fn end(self) -> Result<(), Error> {
            Ok(())
        }
    }

    /// A top-level map's entries: keys become databag keys, so they must be
    /// strings. Keys are not quoted either: they are data too.
    pub(super) struct Entries;

    impl ser::SerializeMap for Entries {
        type Ok = ();
        type Error = Error;

        fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
            match serde_json::to_value(key) {
                Ok(serde_json::Value::String(_)) => Ok(()),
                _ => Err(Error(
                    "a key does not serialize as a string, and a databag's keys are strings; key the map by `String`".to_owned(),
                )),
            }
        }
        fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
            serde_json::to_value(value)
                .map(drop)
                .map_err(|e| Error(format!("the value of an entry: {}", rule(&e))))
        }
        fn end(self) -> Result<(), Error> {
            Ok(())
        }
    }
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
            .map(|(k, v)| BagValue { key: k, raw: v });
        visitor.visit_map(BagAccess {
            entries,
            value: None,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The bag's entries for a visitor. Every error that reading a value ends in passes
/// through [`BagValue::error`] here, including those raised after the value was
/// buffered (internally tagged and untagged enums, `flatten`), which serde builds
/// from the data and which would quote it.
struct BagAccess<'a, I> {
    entries: I,
    value: Option<BagValue<'a>>,
}

impl<'de, 'a, I: Iterator<Item = BagValue<'a>>> de::MapAccess<'de> for BagAccess<'a, I> {
    type Error = ValueError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        let Some(value) = self.entries.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(value.key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ValueError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <ValueError as de::Error>::custom("a value was read before its key"))?;
        seed.deserialize(value).map_err(|e| value.error(e))
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

    /// Reads the value as JSON, or as text when it is not JSON. Errors come back as
    /// serde gives them: [`BagAccess`] describes them without the value.
    fn forward<'de, V: Visitor<'de>>(
        self,
        visitor: V,
        f: impl FnOnce(serde_json::Value, V) -> Result<V::Value, serde_json::Error>,
    ) -> Result<V::Value, ValueError> {
        match self.json() {
            Some(value) => f(value, visitor).map_err(de::Error::custom),
            None => visitor.visit_str(self.raw),
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
                visitor.visit_enum(text.as_str().into_deserializer())
            }
            Some(value) => value
                .deserialize_enum(name, variants, visitor)
                .map_err(de::Error::custom),
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
    fn a_value_that_cannot_be_a_databag_value_names_the_struct_field_and_rule() {
        #[derive(Serialize)]
        struct Routes {
            name: String,
            by_pair: std::collections::BTreeMap<(u8, u8), String>,
        }
        let routes = Routes {
            name: "hunter2-canary".into(),
            by_pair: [((1, 2), "hunter2-canary".to_owned())].into(),
        };
        let err = to_databag(&routes).unwrap_err().0;
        assert_eq!(
            err,
            "cannot write `ops_runtime::databag::tests::a_value_that_cannot_be_a_databag_value_names_the_struct_field_and_rule::Routes` \
             to a databag: field `by_pair`: a map's keys must serialize as strings (a databag \
             holds a map as a JSON object); key it by `String` or a string-like type, or hold \
             the entries as a `Vec` of pairs"
        );
        let top: std::collections::BTreeMap<(u8, u8), String> = routes.by_pair;
        let err = to_databag(&top).unwrap_err().0;
        assert!(
            err.contains("a key does not serialize as a string"),
            "{err}"
        );
        let err = to_databag(&vec!["hunter2-canary"]).unwrap_err().0;
        assert_eq!(
            err,
            "cannot write `alloc::vec::Vec<&str>` to a databag: a databag is a map of keys to \
             values, and `alloc::vec::Vec<&str>` serializes as an array of 1 item; write a \
             struct, or a map keyed by strings"
        );
        assert!(!err.contains("hunter2"));
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

    #[test]
    fn errors_after_buffering_do_not_quote_the_value_either() {
        // serde reads an internally tagged enum into a buffer first, and its error
        // about a variant's field is raised from that buffer, outside the value.
        #[derive(Debug, Deserialize)]
        #[serde(tag = "kind", rename_all = "lowercase")]
        enum Endpoint {
            Tcp {
                #[allow(dead_code)]
                port: u16,
            },
        }
        #[derive(Debug, Deserialize)]
        struct Bag {
            #[allow(dead_code)]
            endpoint: Endpoint,
        }
        let stored = bag(&[("endpoint", r#"{"kind": "tcp", "port": "hunter2"}"#)]);
        let err = from_databag::<Bag>(&stored).unwrap_err();
        assert!(!err.0.contains("hunter2"), "{}", err.0);
        assert_eq!(
            err.0,
            "key `endpoint` (a string of 34 characters): expected u16"
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use std::collections::BTreeMap;

        const CANARY: &str = "hunter2-CANARY";

        /// A bag of every kind of field a charm declares.
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "kebab-case")]
        struct Wide {
            text: String,
            port: u16,
            ratio: f64,
            count: i64,
            flag: bool,
            list: Vec<String>,
            #[serde(default)]
            maybe: Option<u32>,
            mode: Mode,
            nested: Nested,
            map: BTreeMap<String, u8>,
            tag: Tagged,
            any: serde_json::Value,
        }

        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Nested {
            host: String,
            ports: Vec<u16>,
        }

        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "lowercase")]
        enum Tagged {
            Tcp { port: u16 },
            Unix { path: String },
        }

        /// Stored values close to real ones, of the wrong type, nested deep, huge,
        /// or any text; each may carry the canary.
        fn stored() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                "-?[0-9]{1,25}(\\.[0-9]{0,5})?(e[0-9]{1,4})?",
                prop::sample::select(
                    &[
                        "true",
                        "false",
                        "null",
                        "[]",
                        "{}",
                        "\"\"",
                        "primary",
                        "\"replica\"",
                        "{\"host\":\"h\",\"ports\":[1,2]}",
                        "{\"kind\":\"tcp\",\"port\":80}",
                        "{\"kind\":\"udp\"}",
                        "[\"a\",1]",
                        "{\"a\":300}",
                    ][..]
                )
                .prop_map(str::to_owned),
                Just(CANARY.to_owned()),
                Just(format!("\"{CANARY}\"")),
                Just(format!("[\"{CANARY}\", {{\"p\": \"{CANARY}\"}}]")),
                Just(format!("{{\"kind\":\"tcp\",\"port\":\"{CANARY}\"}}")),
                (1..20_000usize).prop_map(|n| format!("{}1{}", "[".repeat(n), "]".repeat(n))),
                (1..200_000usize).prop_map(|n| CANARY.repeat(n / CANARY.len() + 1)),
            ]
        }

        fn bag() -> impl Strategy<Value = Databag> {
            prop::collection::btree_map(
                prop_oneof![
                    4 => prop::sample::select(&[
                        "text", "port", "ratio", "count", "flag", "list", "maybe", "mode",
                        "nested", "map", "tag", "any", "host", "tls", "replicas", "password",
                    ][..])
                    .prop_map(str::to_owned),
                    1 => "[a-z-]{1,10}",
                ],
                stored(),
                0..14,
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            /// Any bag reads as a value or an error, which never quotes a value.
            #[test]
            fn any_bag_is_a_value_or_an_error_without_its_values(bag in bag()) {
                let errors = [
                    from_databag::<Wide>(&bag).err(),
                    from_databag::<Db>(&bag).err(),
                    from_databag::<BTreeMap<String, u16>>(&bag).err(),
                    from_databag::<BTreeMap<String, serde_json::Value>>(&bag).err(),
                ];
                for error in errors.into_iter().flatten() {
                    prop_assert!(!error.0.contains(CANARY), "{}", error.0);
                    prop_assert!(error.0.len() < 500, "{} bytes", error.0.len());
                }
                // Strings read as they are.
                let as_text = from_databag::<BTreeMap<String, String>>(&bag);
                prop_assert!(as_text.is_ok(), "{:?}", as_text);
            }

            /// What a charm writes, it reads back.
            #[test]
            fn written_bags_read_back(
                host in "[^\"][^\\x00]{0,30}",
                port in any::<u16>(),
                tls in any::<bool>(),
                replicas in prop::collection::vec(any::<String>(), 0..4),
                password in prop::option::of("[^\"][^\\x00]{0,20}"),
                primary in any::<bool>(),
            ) {
                let db = Db {
                    host,
                    port,
                    tls,
                    replicas,
                    password,
                    mode: if primary { Mode::Primary } else { Mode::Replica },
                };
                let stored = to_databag(&db).map_err(|e| TestCaseError::fail(e.0))?;
                prop_assert_eq!(from_databag::<Db>(&stored).map_err(|e| TestCaseError::fail(e.0))?, db);
            }
        }
    }
}
