//! Reading one YAML document into a [`Value`] within the [limits](crate::limits), with a
//! choice of what a key written twice means.
//!
//! `yaml_serde`'s own `Value` refuses duplicate keys and expands aliases without bound;
//! this reader builds the same `Value` through a visitor that counts what it builds,
//! tracks its depth and key path, and keeps or refuses duplicates as asked.

use std::collections::HashSet;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use yaml_serde::value::{Tag, TaggedValue};
use yaml_serde::{Mapping, Sequence, Value};

use crate::decode;
use crate::limits::{self, Limit};

/// What to do with a key written twice in the same mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DuplicateKeys {
    /// Refuse the file with [`MetadataError::Yaml`](crate::MetadataError::Yaml) ("the key
    /// `requires.db` is written twice"), as charmcraft does. The default, and what the
    /// `#[charm]` macros use for the charm's own metadata.
    #[default]
    Refuse,
    /// Keep the value written last, as Juju does when it deploys a charm, and add a
    /// [`Warning`](crate::Warning) that names the key. Real charms ship such files (most
    /// often an `actions.yaml` with an action written twice), so tools that read other
    /// people's charms use this.
    LastWins,
}

/// A document read within the limits.
#[derive(Debug)]
pub(crate) struct Parsed {
    /// The document's value.
    pub(crate) value: Value,
    /// The key paths written twice (with [`DuplicateKeys::LastWins`]), in order, each once.
    pub(crate) duplicates: Vec<String>,
}

/// Why a document could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Not valid YAML (or not one document).
    Yaml(yaml_serde::Error),
    /// A limit was reached; the position is where the parser was, when known.
    Limit(Limit, Option<(usize, usize)>),
    /// A key was written twice (with [`DuplicateKeys::Refuse`]).
    Duplicate(String, Option<(usize, usize)>),
}

/// Reads `text` as one YAML document. The caller has checked the file size and the
/// nesting depth (by [`limits::check_depth`]); the depth is checked again here, as the
/// parser sees it.
pub(crate) fn read(text: &str, duplicates: DuplicateKeys) -> Result<Parsed, ReadError> {
    let mut state = State {
        budget: limits::MAX_EXPANDED_SIZE,
        depth: 0,
        path: Vec::new(),
        rule: duplicates,
        duplicates: Vec::new(),
        seen: HashSet::new(),
        stop: None,
    };
    let seed = ValueSeed { state: &mut state };
    match seed.deserialize(yaml_serde::Deserializer::from_str(text)) {
        Ok(value) => Ok(Parsed {
            value,
            duplicates: state.duplicates,
        }),
        Err(error) => {
            let at = error
                .location()
                .map(|location| (location.line(), location.column()));
            let text = error.to_string();
            Err(match state.stop.take() {
                Some(Stop::Limit(limit)) => ReadError::Limit(limit, at),
                Some(Stop::Duplicate(path)) => ReadError::Duplicate(path, at),
                // `yaml_serde`'s own limits, in case they are met before ours.
                None if text.starts_with("recursion limit exceeded") => {
                    ReadError::Limit(Limit::Depth, at)
                }
                None if text.starts_with("repetition limit exceeded") => {
                    ReadError::Limit(Limit::ExpandedSize, at)
                }
                None => ReadError::Yaml(error),
            })
        }
    }
}

/// Why the visitor stopped the parse.
#[derive(Debug)]
enum Stop {
    Limit(Limit),
    Duplicate(String),
}

/// What the visitor tracks while it builds the value.
#[derive(Debug)]
struct State {
    /// What may still be built (see [`limits::MAX_EXPANDED_SIZE`]).
    budget: usize,
    /// How many lists and mappings enclose the current value.
    depth: usize,
    /// The key path of the current value: keys and list indices.
    path: Vec<String>,
    rule: DuplicateKeys,
    /// The paths written twice, in order.
    duplicates: Vec<String>,
    /// The same, to keep each once.
    seen: HashSet<String>,
    stop: Option<Stop>,
}

impl State {
    fn fail<E: de::Error>(&mut self, stop: Stop) -> E {
        let message = match &stop {
            Stop::Limit(limit) => format!("{limit} reached"),
            Stop::Duplicate(path) => format!("duplicate key `{path}`"),
        };
        self.stop = Some(stop);
        E::custom(message)
    }

    fn spend<E: de::Error>(&mut self, cost: usize) -> Result<(), E> {
        match self.budget.checked_sub(cost) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(self.fail(Stop::Limit(Limit::ExpandedSize))),
        }
    }

    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.spend(1)?;
        self.depth += 1;
        if self.depth > limits::MAX_DEPTH {
            return Err(self.fail(Stop::Limit(Limit::Depth)));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// The current path with `last` appended, joined with `.`.
    fn path_to(&self, last: &str) -> String {
        let mut path = self.path.join(".");
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(last);
        path
    }
}

struct ValueSeed<'s> {
    state: &'s mut State,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor { state: self.state })
    }
}

struct ValueVisitor<'s> {
    state: &'s mut State,
}

impl<'de> Visitor<'de> for ValueVisitor<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        self.state.spend(1)?;
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        self.state.spend(1)?;
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        self.state.spend(1)?;
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        self.state.spend(1)?;
        Ok(Value::Number(value.into()))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        self.state.spend(1 + value.len())?;
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        self.state.spend(1 + value.len())?;
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.state.spend(1)?;
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        ValueSeed { state: self.state }.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let state = self.state;
        state.enter()?;
        let mut items = Sequence::new();
        loop {
            state.path.push(items.len().to_string());
            let item = seq.next_element_seed(ValueSeed { state: &mut *state });
            state.path.pop();
            match item? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        state.leave();
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let state = self.state;
        state.enter()?;
        let mut mapping = Mapping::new();
        while let Some(key) = map.next_key_seed(ValueSeed { state: &mut *state })? {
            let name = decode::key_string(&key).unwrap_or_else(|| "?".to_owned());
            if name.len() > limits::MAX_KEY_LENGTH {
                return Err(state.fail(Stop::Limit(Limit::KeyLength)));
            }
            if mapping.contains_key(&key) && state.rule == DuplicateKeys::Refuse {
                let path = state.path_to(&name);
                return Err(state.fail(Stop::Duplicate(path)));
            }
            state.path.push(name);
            let value = map.next_value_seed(ValueSeed { state: &mut *state });
            let name = state.path.pop().unwrap_or_default();
            let value = value?;
            if let Some(_replaced) = mapping.insert(key, value) {
                let path = state.path_to(&name);
                if state.seen.insert(path.clone()) {
                    state.duplicates.push(path);
                }
            }
        }
        state.leave();
        Ok(Value::Mapping(mapping))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        use serde::de::VariantAccess;

        let state = self.state;
        let (tag, contents): (String, _) = data.variant_seed(PhantomData)?;
        state.spend(1 + tag.len())?;
        let value = contents.newtype_variant_seed(ValueSeed { state: &mut *state })?;
        if tag.is_empty() {
            return Ok(value);
        }
        Ok(Value::Tagged(Box::new(TaggedValue {
            tag: Tag::new(tag),
            value,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Value {
        match read(text, DuplicateKeys::Refuse) {
            Ok(parsed) => parsed.value,
            Err(error) => panic!("{error:?}"),
        }
    }

    #[test]
    fn builds_what_yaml_serde_builds() {
        let text = "a: 1\nb: [x, -2, 1.5, true, ~]\nc: {d: !tag e, 'f': \"g\"}\n? [k]\n: v\n\
                    big: 18446744073709551615\n";
        let expected: Value = yaml_serde::from_str(text).unwrap();
        assert_eq!(value(text), expected);
    }

    #[test]
    fn duplicates_are_refused_or_the_last_one_wins() {
        let text = "a:\n  b: 1\n  c: 2\n  b: 3\n";
        match read(text, DuplicateKeys::Refuse) {
            Err(ReadError::Duplicate(path, _)) => assert_eq!(path, "a.b"),
            other => panic!("{other:?}"),
        }
        let parsed = read(text, DuplicateKeys::LastWins).unwrap();
        assert_eq!(parsed.duplicates, ["a.b"]);
        assert_eq!(parsed.value["a"]["b"], Value::from(3));
        let keys: Vec<&str> = parsed.value["a"]
            .as_mapping()
            .unwrap()
            .keys()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(keys, ["b", "c"]);
    }

    #[test]
    fn aliases_count_each_time_they_are_expanded() {
        // A 4 KiB string, repeated 2000 times: 8 MiB once expanded.
        let text = format!(
            "a: &a {}\nb: [{}]\n",
            "x".repeat(4096),
            vec!["*a"; 2000].join(", ")
        );
        match read(&text, DuplicateKeys::Refuse) {
            Err(ReadError::Limit(Limit::ExpandedSize, _)) => {}
            other => panic!("{other:?}"),
        }
        // Nine levels of ten aliases each (10^10 values): `yaml_serde` stops it first.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
        }
        match read(&text, DuplicateKeys::Refuse) {
            Err(ReadError::Limit(Limit::ExpandedSize, _)) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn depth_and_key_length_are_limited() {
        let deep = "- ".repeat(limits::MAX_DEPTH + 1) + "x\n";
        assert!(matches!(
            read(&deep, DuplicateKeys::Refuse),
            Err(ReadError::Limit(Limit::Depth, _))
        ));
        // YAML itself ends a plain key at 1024 characters; an explicit key is not bound.
        let long = format!("? {}\n: x\n", "k".repeat(limits::MAX_KEY_LENGTH + 1));
        assert!(matches!(
            read(&long, DuplicateKeys::Refuse),
            Err(ReadError::Limit(Limit::KeyLength, _))
        ));
    }
}
