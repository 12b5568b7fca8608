//! Turning the merged YAML values into the typed model, collecting warnings on the way.
//!
//! Each `Decoder` method reads one kind of value at a key path and either returns the
//! typed value or a [`MetadataError::Invalid`] located at that path. Unknown keys are
//! warned about and, where the model has an `extra` map, kept.

mod actions;
mod entities;
mod options;

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use indexmap::IndexMap;
use serde_json::Value as Json;
use yaml_serde::{Mapping, Value};

use crate::error::{Location, MetadataError, Warning};
use crate::keyword::Keyword;
use crate::model::{CharmMetadata, Links, RelationRole, ResourceKind};
use crate::source::Positions;
use crate::suggest;

type Result<T, E = MetadataError> = std::result::Result<T, E>;

/// Top-level keys the model types.
const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "type",
    "title",
    "display-name",
    "summary",
    "description",
    "links",
    "docs",
    "issues",
    "source",
    "website",
    "contact",
    "maintainer",
    "maintainers",
    "subordinate",
    "charm-user",
    "assumes",
    "requires",
    "provides",
    "peers",
    "extra-bindings",
    "containers",
    "storage",
    "resources",
    "devices",
    "config",
    "actions",
    "base",
    "build-base",
    "bases",
    "platforms",
    "parts",
    "charm-libs",
    "extensions",
    "series",
    "tags",
    "terms",
    "min-juju-version",
];

/// Documented top-level keys the model keeps as written in `extra`, without a warning.
const OPAQUE_TOP_LEVEL_KEYS: &[&str] = &["analysis", "charmhub", "categories", "payloads"];

/// A dot-separated key path in the merged model, such as `requires.db.interface`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyPath(String);

impl KeyPath {
    fn top(key: &str) -> Self {
        Self(key.to_owned())
    }

    fn child(&self, segment: impl fmt::Display) -> Self {
        Self(format!("{}.{segment}", self.0))
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Decodes merged metadata, collecting warnings.
pub(crate) struct Decoder<'p> {
    positions: &'p Positions,
    warnings: Vec<Warning>,
}

impl<'p> Decoder<'p> {
    pub(crate) fn new(positions: &'p Positions) -> Self {
        Self {
            positions,
            warnings: Vec::new(),
        }
    }

    /// Decodes the merged top-level keys. The result's `sources` and `positions` are left
    /// empty for the caller to fill in.
    pub(crate) fn charm(mut self, merged: IndexMap<String, Value>) -> Result<CharmMetadata> {
        let mut charm = CharmMetadata::empty();
        let mut name = None;
        let mut legacy = Links::default();
        for (key, value) in &merged {
            let path = &KeyPath::top(key);
            match key.as_str() {
                "name" => name = self.string(value, path)?,
                "type" => charm.kind = self.string(value, path)?,
                "title" => charm.title = self.trimmed(value, path)?,
                "display-name" => charm.display_name = self.trimmed(value, path)?,
                "summary" => charm.summary = self.trimmed(value, path)?,
                "description" => charm.description = self.string(value, path)?,
                "links" => charm.links = self.links(value, path)?,
                "docs" => legacy.documentation = self.trimmed(value, path)?,
                "issues" => legacy.issues = self.strings(value, path)?,
                "source" => legacy.source = self.strings(value, path)?,
                "website" => legacy.website = self.strings(value, path)?,
                "contact" => legacy.contact = self.strings(value, path)?,
                "maintainer" | "maintainers" => {
                    charm.maintainers.extend(self.strings(value, path)?);
                }
                "subordinate" => charm.subordinate = self.boolean(value, path)?.unwrap_or(false),
                "charm-user" => charm.charm_user = self.keyword(value, path, "charm user")?,
                "assumes" => charm.assumes = self.assumes(value, path)?,
                "requires" => {
                    charm.requires = self.relations(value, path, RelationRole::Requires)?
                }
                "provides" => {
                    charm.provides = self.relations(value, path, RelationRole::Provides)?
                }
                "peers" => charm.peers = self.relations(value, path, RelationRole::Peer)?,
                "extra-bindings" => charm.extra_bindings = self.extra_bindings(value, path)?,
                "containers" => charm.containers = self.named(value, path, Self::container)?,
                "storage" => charm.storage = self.named(value, path, Self::storage)?,
                "resources" => charm.resources = self.named(value, path, Self::resource)?,
                "devices" => charm.devices = self.named(value, path, Self::device)?,
                "config" => charm.config = self.config(value, path)?,
                "actions" => charm.actions = self.named(value, path, Self::action)?,
                "base" => charm.base = self.string(value, path)?,
                "build-base" => charm.build_base = self.string(value, path)?,
                "bases" => charm.bases = self.bases(value, path)?,
                "platforms" => charm.platforms = self.named(value, path, Self::platform)?,
                "parts" => charm.parts = (!untag(value).is_null()).then(|| to_json(value)),
                "charm-libs" => charm.charm_libs = self.charm_libs(value, path)?,
                "extensions" => charm.extensions = self.strings(value, path)?,
                "series" => charm.series = self.strings(value, path)?,
                "tags" => charm.tags = self.strings(value, path)?,
                "terms" => charm.terms = self.strings(value, path)?,
                "min-juju-version" => charm.min_juju_version = self.string(value, path)?,
                key if OPAQUE_TOP_LEVEL_KEYS.contains(&key) => {
                    charm.extra.insert(key.to_owned(), to_json(value));
                }
                _ => self.unknown(path, key, value, TOP_LEVEL_KEYS, &mut charm.extra),
            }
        }
        charm.name = match name {
            Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
            _ => {
                let location = self
                    .positions
                    .locate("name")
                    .unwrap_or_else(|| self.positions.start());
                return Err(MetadataError::Invalid {
                    location,
                    key_path: "name".to_owned(),
                    message: "the charm has no `name`".to_owned(),
                    hint: format!(
                        "add `name: <charm-name>` at the top level of {}",
                        self.positions.first_kind().file_name()
                    ),
                });
            }
        };
        self.check_name(&charm.name);
        merge_links(&mut charm.links, legacy);
        for key in ["summary", "description"] {
            if !merged.contains_key(key) {
                self.warnings.push(Warning {
                    location: Some(self.positions.start()),
                    message: format!("the charm has no `{key}`; charmcraft requires one"),
                });
            }
        }
        self.check_endpoints(&charm)?;
        self.check_containers(&charm)?;
        charm.warnings = self.warnings;
        Ok(charm)
    }

    // Positions, errors and warnings.

    fn locate(&self, path: &KeyPath) -> Option<Location> {
        self.positions.locate(path.as_str())
    }

    fn invalid(&self, path: &KeyPath, message: String, hint: impl Into<String>) -> MetadataError {
        MetadataError::Invalid {
            location: self.locate(path).unwrap_or_else(|| self.positions.start()),
            key_path: path.to_string(),
            message,
            hint: hint.into(),
        }
    }

    fn warn(&mut self, path: &KeyPath, message: String) {
        let location = self.locate(path);
        self.warnings.push(Warning { location, message });
    }

    /// The known key `key` is likely a typo of. A key far longer than any known one is no
    /// typo, and comparing it would cost time in proportion to its length times theirs;
    /// past a thousand warnings the file is not a typo away from right either, and
    /// suggestions stop, so that a file of nothing but unknown keys loads in linear time
    /// with a small factor.
    fn suggestion<'k>(&self, key: &str, known: &[&'k str]) -> Option<&'k str> {
        const LONGEST_TYPO: usize = 64;
        const MOST_WARNINGS: usize = 1000;
        if key.len() > LONGEST_TYPO || self.warnings.len() >= MOST_WARNINGS {
            return None;
        }
        suggest::did_you_mean(key, known.iter().copied())
    }

    /// Warns about the unknown key at `path` and keeps its value in `extra`.
    fn unknown(
        &mut self,
        path: &KeyPath,
        key: &str,
        value: &Value,
        known: &[&str],
        extra: &mut IndexMap<String, Json>,
    ) {
        let message = match self.suggestion(key, known) {
            Some(suggestion) => format!("unknown key `{path}`; did you mean `{suggestion}`?"),
            None => format!("unknown key `{path}`; check its spelling or remove it"),
        };
        self.warn(path, message);
        extra.insert(key.to_owned(), to_json(value));
    }

    /// Warns about the unknown key at `path`, which is dropped.
    fn ignored(&mut self, path: &KeyPath, key: &str, known: &[&str]) {
        let message = match self.suggestion(key, known) {
            Some(suggestion) => {
                format!("unknown key `{path}` is ignored; did you mean `{suggestion}`?")
            }
            None => format!(
                "unknown key `{path}` is ignored; use {}",
                suggest::one_of(known.iter().copied())
            ),
        };
        self.warn(path, message);
    }

    // Generic values.

    /// The mapping at `path`; `None` when the value is null (`key:` with nothing after).
    fn mapping<'v>(&self, value: &'v Value, path: &KeyPath) -> Result<Option<&'v Mapping>> {
        match untag(value) {
            Value::Null => Ok(None),
            Value::Mapping(mapping) => Ok(Some(mapping)),
            other => Err(self.invalid(
                path,
                format!("`{path}` must be a mapping, not {}", describe(other)),
                format!("write the entries of `{path}` as indented `key: value` lines below it"),
            )),
        }
    }

    /// The mapping at `path`, or an empty one when the value is null.
    fn mapping_or_empty<'v>(&self, value: &'v Value, path: &KeyPath) -> Result<&'v Mapping> {
        static EMPTY: LazyLock<Mapping> = LazyLock::new(Mapping::new);
        Ok(self.mapping(value, path)?.unwrap_or(&EMPTY))
    }

    /// The entries of a mapping, with their keys as strings.
    fn entries<'v>(
        &self,
        mapping: &'v Mapping,
        path: &KeyPath,
    ) -> Result<Vec<(String, &'v Value)>> {
        mapping
            .iter()
            .map(|(key, value)| match key_string(key) {
                Some(key) => Ok((key, value)),
                None => Err(self.invalid(
                    path,
                    format!("a key under `{path}` is {}, not a name", describe(key)),
                    "write keys as plain names such as `my-name`",
                )),
            })
            .collect()
    }

    /// A mapping of names to entities, each decoded by `decode`.
    fn named<T>(
        &mut self,
        value: &Value,
        path: &KeyPath,
        mut decode: impl FnMut(&mut Self, String, &Value, &KeyPath) -> Result<T>,
    ) -> Result<IndexMap<String, T>> {
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(IndexMap::new());
        };
        let mut decoded = IndexMap::new();
        for (name, value) in self.entries(mapping, path)? {
            let entity = decode(self, name.clone(), value, &path.child(&name))?;
            decoded.insert(name, entity);
        }
        Ok(decoded)
    }

    /// A string; numbers and booleans are taken as written in the source.
    fn string(&self, value: &Value, path: &KeyPath) -> Result<Option<String>> {
        match untag(value) {
            Value::Null => Ok(None),
            Value::String(text) => Ok(Some(text.clone())),
            scalar @ (Value::Number(_) | Value::Bool(_)) => {
                Ok(Some(self.source_text(scalar, path)))
            }
            other => Err(self.invalid(
                path,
                format!("`{path}` must be a string, not {}", describe(other)),
                "write a single value, in quotes if it contains special characters",
            )),
        }
    }

    /// A string with surrounding whitespace (such as a block scalar's newline) removed.
    fn trimmed(&self, value: &Value, path: &KeyPath) -> Result<Option<String>> {
        Ok(self.string(value, path)?.map(|text| text.trim().to_owned()))
    }

    /// The `type` of an entity, which must be there: `entity` names the entity in
    /// messages (`storage`), `hint` says what to add when it is missing.
    fn required_type<K: Keyword>(
        &self,
        mapping: &Mapping,
        owner: &KeyPath,
        entity: &str,
        hint: String,
    ) -> Result<K> {
        let value = mapping.get("type").unwrap_or(&Value::Null);
        match self.keyword(value, &owner.child("type"), &format!("{entity} type"))? {
            Some(kind) => Ok(kind),
            None => Err(self.invalid(owner, format!("{entity} `{owner}` has no `type`"), hint)),
        }
    }

    /// A string that must be there.
    fn required_string(
        &self,
        mapping: &Mapping,
        owner: &KeyPath,
        key: &str,
        what: &str,
        example: &str,
    ) -> Result<String> {
        let value = mapping.get(key).unwrap_or(&Value::Null);
        match self.string(value, &owner.child(key))? {
            Some(text) if !text.trim().is_empty() => Ok(text),
            _ => Err(self.invalid(
                owner,
                format!("{what} `{owner}` has no `{key}`"),
                format!("add `{key}: {example}` under `{owner}`"),
            )),
        }
    }

    /// How a scalar was written: its source text when known, else its YAML value.
    fn source_text(&self, scalar: &Value, path: &KeyPath) -> String {
        match self.positions.raw(path.as_str()) {
            Some(raw) => raw.to_owned(),
            None => match scalar {
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                Value::String(text) => text.clone(),
                _ => String::new(),
            },
        }
    }

    /// A string or a list of strings, as a list.
    fn strings(&self, value: &Value, path: &KeyPath) -> Result<Vec<String>> {
        match untag(value) {
            Value::Sequence(items) => {
                let mut strings = Vec::with_capacity(items.len());
                for (at, item) in items.iter().enumerate() {
                    let item_path = path.child(at);
                    if let Value::Sequence(_) | Value::Mapping(_) = untag(item) {
                        return Err(self.invalid(
                            &item_path,
                            format!("`{item_path}` must be a string, not {}", describe(item)),
                            format!("write `{path}` as a list of strings"),
                        ));
                    }
                    strings.extend(self.string(item, &item_path)?.map(|s| s.trim().to_owned()));
                }
                Ok(strings)
            }
            Value::Mapping(_) => Err(self.invalid(
                path,
                format!("`{path}` must be a string or a list of strings, not a mapping"),
                format!("write `{path}` as a list of strings"),
            )),
            _ => Ok(self.trimmed(value, path)?.into_iter().collect()),
        }
    }

    fn boolean(&self, value: &Value, path: &KeyPath) -> Result<Option<bool>> {
        match untag(value) {
            Value::Null => Ok(None),
            Value::Bool(flag) => Ok(Some(*flag)),
            other => Err(self.invalid(
                path,
                format!(
                    "`{path}` must be `true` or `false`, not {}",
                    describe(other)
                ),
                "write `true` or `false` without quotes",
            )),
        }
    }

    fn unsigned<T: TryFrom<u64>>(&self, value: &Value, path: &KeyPath) -> Result<Option<T>> {
        let invalid = |found: String| {
            self.invalid(
                path,
                format!("`{path}` must be a whole number of 0 or more, not {found}"),
                "write a number such as `1`, without quotes",
            )
        };
        match untag(value) {
            Value::Null => Ok(None),
            Value::Number(number) => match number.as_u64().map(T::try_from) {
                Some(Ok(number)) => Ok(Some(number)),
                Some(Err(_)) => Err(self.invalid(
                    path,
                    format!("`{path}` is too large"),
                    "write a smaller number",
                )),
                None => Err(invalid(describe(value))),
            },
            other => Err(invalid(describe(other))),
        }
    }

    /// One of a closed set of keywords.
    fn keyword<K: Keyword>(&self, value: &Value, path: &KeyPath, what: &str) -> Result<Option<K>> {
        let Some(text) = self.string(value, path)? else {
            return Ok(None);
        };
        match K::from_keyword(text.trim()) {
            Some(keyword) => Ok(Some(keyword)),
            None => Err(self.invalid(
                path,
                format!("`{path}` is an unknown {what} `{text}`"),
                suggest::hint_for(&text, K::KEYWORDS),
            )),
        }
    }

    /// A list whose items are decoded by `decode`; null is an empty list.
    fn list<T>(
        &mut self,
        value: &Value,
        path: &KeyPath,
        mut decode: impl FnMut(&mut Self, &Value, &KeyPath) -> Result<T>,
    ) -> Result<Vec<T>> {
        match untag(value) {
            Value::Null => Ok(Vec::new()),
            Value::Sequence(items) => items
                .iter()
                .enumerate()
                .map(|(at, item)| decode(self, item, &path.child(at)))
                .collect(),
            other => Err(self.invalid(
                path,
                format!("`{path}` must be a list, not {}", describe(other)),
                format!("write each entry of `{path}` on its own line starting with `- `"),
            )),
        }
    }

    // Checks that involve several keys.

    fn check_name(&mut self, name: &str) {
        let valid = name.len() <= 40
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && name.contains(|c: char| c.is_ascii_lowercase())
            && !name.starts_with('-')
            && !name.ends_with('-')
            && !name.contains("--");
        if !valid {
            self.warn(
                &KeyPath::top("name"),
                format!(
                    "charm name `{name}` is not valid for charmcraft; use at most 40 lower-case \
                     letters, digits and single hyphens"
                ),
            );
        }
    }

    /// Endpoint names are unique across `requires`, `provides` and `peers`.
    fn check_endpoints(&self, charm: &CharmMetadata) -> Result<()> {
        let sections = [
            (RelationRole::Requires, &charm.requires),
            (RelationRole::Provides, &charm.provides),
            (RelationRole::Peer, &charm.peers),
        ];
        for (at, (role, relations)) in sections.iter().enumerate() {
            for (earlier, earlier_relations) in sections.iter().take(at) {
                let duplicate = relations
                    .keys()
                    .find(|name| earlier_relations.contains_key(*name));
                if let Some(name) = duplicate {
                    return Err(self.invalid(
                        &KeyPath::top(role.as_str()).child(name),
                        format!(
                            "endpoint `{name}` is declared under both `{earlier}` and `{role}`"
                        ),
                        "rename one of them: endpoint names are unique across a charm",
                    ));
                }
            }
        }
        Ok(())
    }

    /// A container runs a declared `oci-image` resource and mounts declared storage.
    fn check_containers(&self, charm: &CharmMetadata) -> Result<()> {
        for (name, container) in &charm.containers {
            let path = KeyPath::top("containers").child(name);
            if let Some(resource) = &container.resource {
                let problem = match charm.resources.get(resource) {
                    Some(declared) if declared.kind == ResourceKind::OciImage => None,
                    Some(_) => Some((
                        "is not an `oci-image`",
                        format!("set `type: oci-image` on `resources.{resource}`"),
                    )),
                    None => Some((
                        "is not declared under `resources`",
                        undeclared_hint(resource, charm.resources.keys(), "resources"),
                    )),
                };
                if let Some((problem, hint)) = problem {
                    return Err(self.invalid(
                        &path.child("resource"),
                        format!("container `{path}` runs resource `{resource}`, which {problem}"),
                        hint,
                    ));
                }
            }
            for (at, mount) in container.mounts.iter().enumerate() {
                let storage = &mount.storage;
                if !charm.storage.contains_key(storage) {
                    return Err(self.invalid(
                        &path.child("mounts").child(at).child("storage"),
                        format!(
                            "container `{path}` mounts storage `{storage}`, which is not declared \
                             under `storage`"
                        ),
                        undeclared_hint(storage, charm.storage.keys(), "storage"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// "Did you mean" for a reference to an undeclared name, else where to declare it.
fn undeclared_hint<'a>(
    name: &str,
    declared: impl Iterator<Item = &'a String>,
    section: &str,
) -> String {
    match suggest::did_you_mean(name, declared.map(String::as_str)) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None if section == "resources" => {
            format!("declare `{name}` under `resources` with `type: oci-image`")
        }
        None => format!("declare `{name}` under `{section}` with a `type`"),
    }
}

/// Folds the legacy top-level link keys into `links`; `links` wins for `documentation`.
fn merge_links(links: &mut Links, legacy: Links) {
    if links.documentation.is_none() {
        links.documentation = legacy.documentation;
    }
    for (target, extra) in [
        (&mut links.issues, legacy.issues),
        (&mut links.source, legacy.source),
        (&mut links.contact, legacy.contact),
        (&mut links.website, legacy.website),
    ] {
        // A set, not `Vec::contains`: a hostile list of 100 000 links would take minutes.
        let mut seen: HashSet<String> = target.iter().cloned().collect();
        for link in extra {
            if seen.insert(link.clone()) {
                target.push(link);
            }
        }
    }
}

/// The value inside any tags (`!tag value`).
pub(crate) fn untag(mut value: &Value) -> &Value {
    while let Value::Tagged(tagged) = value {
        value = &tagged.value;
    }
    value
}

/// The value inside any tags, by value.
pub(crate) fn into_untagged(mut value: Value) -> Value {
    while let Value::Tagged(tagged) = value {
        value = tagged.value;
    }
    value
}

/// A mapping key as a string: strings as they are, numbers and booleans as YAML writes them.
pub(crate) fn key_string(key: &Value) -> Option<String> {
    match untag(key) {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// What a value is, for messages: "a list", "the string `yes`", …
pub(crate) fn describe(value: &Value) -> String {
    match untag(value) {
        Value::Null => "empty".to_owned(),
        Value::Bool(flag) => format!("the boolean `{flag}`"),
        Value::Number(number) if number.is_f64() => format!("the float `{number}`"),
        Value::Number(number) => format!("the integer `{number}`"),
        Value::String(text) if text.chars().count() <= 40 && !text.contains('\n') => {
            format!("the string `{text}`")
        }
        Value::String(_) => "a string".to_owned(),
        Value::Sequence(_) => "a list".to_owned(),
        Value::Mapping(_) => "a mapping".to_owned(),
        Value::Tagged(_) => "a tagged value".to_owned(),
    }
}

/// Converts YAML to JSON. Non-string keys become their YAML text; infinities and NaN,
/// which JSON lacks, become strings.
pub(crate) fn to_json(value: &Value) -> Json {
    match untag(value) {
        Value::Null | Value::Tagged(_) => Json::Null,
        Value::Bool(flag) => Json::Bool(*flag),
        Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                Json::from(int)
            } else if let Some(int) = number.as_u64() {
                Json::from(int)
            } else {
                number
                    .as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Json::String(number.to_string()), Json::Number)
            }
        }
        Value::String(text) => Json::String(text.clone()),
        Value::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Mapping(mapping) => Json::Object(
            mapping
                .iter()
                .map(|(key, value)| {
                    let key = key_string(key).unwrap_or_else(|| to_json(key).to_string());
                    (key, to_json(value))
                })
                .collect(),
        ),
    }
}
