//! Relations, containers, storage, resources, devices, `assumes`, links and build keys.

use indexmap::IndexMap;
use yaml_serde::{Mapping, Value};

use super::{Decoder, KeyPath, Result, describe, untag};
use crate::model::{
    Assumption, Base, BaseSpec, CharmLib, Container, Device, ExtraBinding, Links, Mount, Platform,
    Relation, RelationRole, RelationScope, Resource, ResourceKind, Storage, StorageRange,
    VersionConstraint, VersionOp,
};
use crate::suggest;

const RELATION_KEYS: &[&str] = &["interface", "limit", "scope", "optional", "description"];
const CONTAINER_KEYS: &[&str] = &["resource", "bases", "mounts", "uid", "gid"];
const MOUNT_KEYS: &[&str] = &["storage", "location"];
const STORAGE_KEYS: &[&str] = &[
    "type",
    "description",
    "location",
    "shared",
    "read-only",
    "minimum-size",
    "multiple",
    "properties",
];
const RESOURCE_KEYS: &[&str] = &["type", "filename", "description", "upstream-source"];
const DEVICE_KEYS: &[&str] = &["type", "description", "countmin", "countmax"];
const DEVICE_TYPES: &[&str] = &["gpu", "nvidia.com/gpu", "amd.com/gpu"];
const LINK_KEYS: &[&str] = &["documentation", "issues", "source", "contact", "website"];
const BASE_KEYS: &[&str] = &["name", "channel", "architectures"];
const BASE_MATRIX_KEYS: &[&str] = &["build-on", "run-on"];
const PLATFORM_KEYS: &[&str] = &["build-on", "build-for"];
const CHARM_LIB_KEYS: &[&str] = &["lib", "version"];

impl Decoder<'_> {
    pub(super) fn relations(
        &mut self,
        value: &Value,
        path: &KeyPath,
        role: RelationRole,
    ) -> Result<IndexMap<String, Relation>> {
        self.named(value, path, |decoder, name, value, path| {
            decoder.relation(name, value, path, role)
        })
    }

    fn relation(
        &mut self,
        name: String,
        value: &Value,
        path: &KeyPath,
        role: RelationRole,
    ) -> Result<Relation> {
        let mut relation = Relation {
            interface: String::new(),
            role,
            limit: None,
            scope: RelationScope::Global,
            optional: false,
            description: None,
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        let mapping = match untag(value) {
            Value::String(interface) if !interface.trim().is_empty() => {
                relation.interface = interface.trim().to_owned();
                return Ok(relation);
            }
            Value::Mapping(mapping) => mapping,
            Value::Null | Value::String(_) => &Mapping::new(),
            other => {
                return Err(self.invalid(
                    path,
                    format!(
                        "relation endpoint `{path}` must be a mapping with an `interface`, or the \
                         interface name, not {}",
                        describe(other)
                    ),
                    format!("write `{}: {{interface: <interface-name>}}`", relation.name),
                ));
            }
        };
        relation.interface = self.required_string(
            mapping,
            path,
            "interface",
            "relation endpoint",
            "<interface-name>",
        )?;
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "interface" => {}
                "limit" => relation.limit = self.unsigned(value, key_path)?,
                "scope" => {
                    relation.scope = self
                        .keyword(value, key_path, "scope")?
                        .unwrap_or(RelationScope::Global);
                }
                "optional" => relation.optional = self.boolean(value, key_path)?.unwrap_or(false),
                "description" => relation.description = self.string(value, key_path)?,
                _ => self.unknown(key_path, &key, value, RELATION_KEYS, &mut relation.extra),
            }
        }
        Ok(relation)
    }

    pub(super) fn extra_bindings(
        &mut self,
        value: &Value,
        path: &KeyPath,
    ) -> Result<IndexMap<String, ExtraBinding>> {
        self.named(value, path, |decoder, name, value, path| {
            if !untag(value).is_null() {
                decoder.warn(
                    path,
                    format!(
                        "the value of extra binding `{path}` is ignored; leave it empty (`{name}:`)"
                    ),
                );
            }
            Ok(ExtraBinding {
                name,
                location: decoder.locate(path),
            })
        })
    }

    pub(super) fn container(
        &mut self,
        name: String,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Container> {
        let mut container = Container {
            resource: None,
            bases: Vec::new(),
            mounts: Vec::new(),
            uid: None,
            gid: None,
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        if let Some(mapping) = self.mapping(value, path)? {
            for (key, value) in self.entries(mapping, path)? {
                let key_path = &path.child(&key);
                match key.as_str() {
                    "resource" => container.resource = self.string(value, key_path)?,
                    "bases" => {
                        container.bases =
                            self.list(value, key_path, |decoder, item, item_path| {
                                decoder.base_spec(item, item_path)
                            })?;
                    }
                    "mounts" => container.mounts = self.list(value, key_path, Self::mount)?,
                    "uid" => container.uid = self.container_id(value, key_path)?,
                    "gid" => container.gid = self.container_id(value, key_path)?,
                    _ => self.unknown(key_path, &key, value, CONTAINER_KEYS, &mut container.extra),
                }
            }
        }
        match (&container.resource, container.bases.is_empty()) {
            (None, true) => self.warn(
                path,
                format!(
                    "container `{path}` has neither `resource` nor `bases`; add `resource: \
                     <oci-image resource>`"
                ),
            ),
            (Some(_), false) => self.warn(
                path,
                format!("container `{path}` has both `resource` and `bases`; keep only one"),
            ),
            _ => {}
        }
        Ok(container)
    }

    /// A `uid` or `gid`: Juju reserves 1000 to 9999.
    fn container_id(&mut self, value: &Value, path: &KeyPath) -> Result<Option<u32>> {
        let id = self.unsigned::<u32>(value, path)?;
        if let Some(id @ 1000..=9999) = id {
            self.warn(
                path,
                format!(
                    "`{path}` is {id}, in the range 1000-9999 that Juju reserves; use a value \
                     below 1000 or from 10000"
                ),
            );
        }
        Ok(id)
    }

    fn mount(&mut self, value: &Value, path: &KeyPath) -> Result<Mount> {
        let mapping = self.mapping_or_empty(value, path)?;
        let storage = self.required_string(mapping, path, "storage", "mount", "<storage-name>")?;
        let mut mount = Mount {
            storage,
            mount_location: None,
            location: self.locate(path),
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "storage" => {}
                "location" => mount.mount_location = self.string(value, key_path)?,
                _ => self.ignored(key_path, &key, MOUNT_KEYS),
            }
        }
        Ok(mount)
    }

    pub(super) fn storage(
        &mut self,
        name: String,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Storage> {
        let mapping = self.mapping_or_empty(value, path)?;
        let kind = self.required_type(
            mapping,
            path,
            "storage",
            format!("add `type: filesystem` or `type: block` under `{path}`"),
        )?;
        let mut storage = Storage {
            kind,
            description: None,
            mount_location: None,
            shared: false,
            read_only: false,
            minimum_size: None,
            multiple: None,
            properties: Vec::new(),
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "type" => {}
                "description" => storage.description = self.string(value, key_path)?,
                "location" => storage.mount_location = self.string(value, key_path)?,
                "shared" => storage.shared = self.boolean(value, key_path)?.unwrap_or(false),
                "read-only" => storage.read_only = self.boolean(value, key_path)?.unwrap_or(false),
                "minimum-size" => storage.minimum_size = self.string(value, key_path)?,
                "multiple" => storage.multiple = self.multiple(value, key_path)?,
                "properties" => {
                    storage.properties = self.strings(value, key_path)?;
                    for property in &storage.properties {
                        if property != "transient" {
                            self.warn(
                                key_path,
                                format!(
                                    "unknown storage property `{property}` in `{key_path}`; the \
                                     only property is `transient`"
                                ),
                            );
                        }
                    }
                }
                _ => self.unknown(key_path, &key, value, STORAGE_KEYS, &mut storage.extra),
            }
        }
        Ok(storage)
    }

    /// `multiple: {range: ...}`.
    fn multiple(&mut self, value: &Value, path: &KeyPath) -> Result<Option<StorageRange>> {
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(None);
        };
        let mut range = None;
        for (key, value) in self.entries(mapping, path)? {
            let key_path = path.child(&key);
            if key != "range" {
                self.ignored(&key_path, &key, &["range"]);
                continue;
            }
            let text = self.string(value, &key_path)?.unwrap_or_default();
            range = Some(parse_range(&text).ok_or_else(|| {
                self.invalid(
                    &key_path,
                    format!("`{key_path}` is not a valid range: `{text}`"),
                    "write `<n>`, `<n>-<m>`, `<n>-` or `<n>+`, such as `0-1`",
                )
            })?);
        }
        match range {
            Some(range) => Ok(Some(range)),
            None => Err(self.invalid(
                path,
                format!("`{path}` has no `range`"),
                format!("add `range: <n>-<m>` under `{path}`, such as `range: 0-1`"),
            )),
        }
    }

    pub(super) fn resource(
        &mut self,
        name: String,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Resource> {
        let mapping = self.mapping_or_empty(value, path)?;
        let kind = self.required_type(
            mapping,
            path,
            "resource",
            format!("add `type: oci-image` or `type: file` under `{path}`"),
        )?;
        let mut resource = Resource {
            kind,
            filename: None,
            description: None,
            upstream_source: None,
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "type" => {}
                "filename" => resource.filename = self.string(value, key_path)?,
                "description" => resource.description = self.string(value, key_path)?,
                "upstream-source" => resource.upstream_source = self.string(value, key_path)?,
                _ => self.unknown(key_path, &key, value, RESOURCE_KEYS, &mut resource.extra),
            }
        }
        if kind == ResourceKind::File && resource.filename.is_none() {
            return Err(self.invalid(
                path,
                format!("file resource `{path}` has no `filename`"),
                format!("add `filename: <file-name>` under `{path}`"),
            ));
        }
        Ok(resource)
    }

    pub(super) fn device(&mut self, name: String, value: &Value, path: &KeyPath) -> Result<Device> {
        let mapping = self.mapping_or_empty(value, path)?;
        let kind = self.required_string(mapping, path, "type", "device", "gpu")?;
        if !DEVICE_TYPES.contains(&kind.as_str()) {
            self.warn(
                &path.child("type"),
                format!(
                    "device `{path}` has type `{kind}`, which Juju does not know; use {}",
                    suggest::one_of(DEVICE_TYPES.iter().copied())
                ),
            );
        }
        let mut device = Device {
            kind,
            description: None,
            count_min: None,
            count_max: None,
            extra: IndexMap::new(),
            location: self.locate(path),
            name,
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "type" => {}
                "description" => device.description = self.string(value, key_path)?,
                "countmin" => device.count_min = self.unsigned(value, key_path)?,
                "countmax" => device.count_max = self.unsigned(value, key_path)?,
                _ => self.unknown(key_path, &key, value, DEVICE_KEYS, &mut device.extra),
            }
        }
        Ok(device)
    }

    pub(super) fn assumes(&mut self, value: &Value, path: &KeyPath) -> Result<Vec<Assumption>> {
        self.list(value, path, Self::assumption)
    }

    fn assumption(&mut self, value: &Value, path: &KeyPath) -> Result<Assumption> {
        match untag(value) {
            Value::String(text) => self.feature(text, path),
            Value::Mapping(mapping) if mapping.len() == 1 => {
                let entries = self.entries(mapping, path)?;
                let Some((key, items)) = entries.into_iter().next() else {
                    return Ok(Assumption::AllOf(Vec::new()));
                };
                let group_path = path.child(&key);
                let group = match key.as_str() {
                    "all-of" => Assumption::AllOf,
                    "any-of" => Assumption::AnyOf,
                    _ => {
                        return Err(self.invalid(
                            &group_path,
                            format!("`{group_path}` is not an `assumes` group"),
                            suggest::hint_for(&key, &["all-of", "any-of"]),
                        ));
                    }
                };
                Ok(group(self.list(items, &group_path, Self::assumption)?))
            }
            other => Err(self.invalid(
                path,
                format!(
                    "`{path}` must be a feature such as `k8s-api` or `juju >= 3.1`, or a one-key \
                     `all-of`/`any-of` mapping, not {}",
                    describe(other)
                ),
                "write one feature expression or group per list item",
            )),
        }
    }

    /// `name` or `name >= version` or `name < version`.
    fn feature(&self, text: &str, path: &KeyPath) -> Result<Assumption> {
        let text = text.trim();
        let (name, version) = match text.split_once(">=") {
            Some((name, version)) => (name, Some((VersionOp::AtLeast, version))),
            None => match text.split_once('<') {
                Some((name, version)) => (name, Some((VersionOp::Below, version))),
                None => (text, None),
            },
        };
        let name = name.trim();
        let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        let version = version.map(|(op, version)| (op, version.trim()));
        let valid_version = version.is_none_or(|(_, version)| {
            version
                .split('.')
                .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
        });
        if !valid_name || !valid_version {
            return Err(self.invalid(
                path,
                format!("`{path}` is not a valid feature expression: `{text}`"),
                "write a feature such as `k8s-api`, or `juju >= <version>` or `juju < <version>` \
                 (the only comparisons Juju supports)",
            ));
        }
        Ok(Assumption::Feature {
            name: name.to_owned(),
            version: version.map(|(op, version)| VersionConstraint {
                op,
                version: version.to_owned(),
            }),
        })
    }

    pub(super) fn links(&mut self, value: &Value, path: &KeyPath) -> Result<Links> {
        let mut links = Links::default();
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(links);
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "documentation" => links.documentation = self.trimmed(value, key_path)?,
                "issues" => links.issues = self.strings(value, key_path)?,
                "source" => links.source = self.strings(value, key_path)?,
                "contact" => links.contact = self.strings(value, key_path)?,
                "website" => links.website = self.strings(value, key_path)?,
                _ => self.ignored(key_path, &key, LINK_KEYS),
            }
        }
        Ok(links)
    }

    pub(super) fn bases(&mut self, value: &Value, path: &KeyPath) -> Result<Vec<Base>> {
        self.list(value, path, |decoder, item, item_path| {
            let is_matrix = match untag(item) {
                Value::Mapping(mapping) => BASE_MATRIX_KEYS
                    .iter()
                    .any(|key| mapping.contains_key(*key)),
                _ => false,
            };
            if !is_matrix {
                return Ok(Base::Run(decoder.base_spec(item, item_path)?));
            }
            let mapping = decoder.mapping_or_empty(item, item_path)?;
            let (mut build_on, mut run_on) = (Vec::new(), Vec::new());
            for (key, value) in decoder.entries(mapping, item_path)? {
                let key_path = &item_path.child(&key);
                let specs = |decoder: &mut Self| {
                    decoder.list(value, key_path, |decoder, spec, spec_path| {
                        decoder.base_spec(spec, spec_path)
                    })
                };
                match key.as_str() {
                    "build-on" => build_on = specs(decoder)?,
                    "run-on" => run_on = specs(decoder)?,
                    _ => decoder.ignored(key_path, &key, BASE_MATRIX_KEYS),
                }
            }
            Ok(Base::BuildRun { build_on, run_on })
        })
    }

    /// `{name, channel, architectures}`.
    fn base_spec(&mut self, value: &Value, path: &KeyPath) -> Result<BaseSpec> {
        let mapping = self.mapping_or_empty(value, path)?;
        let name = self.required_string(mapping, path, "name", "base", "ubuntu")?;
        let channel = self.required_string(mapping, path, "channel", "base", "\"22.04\"")?;
        if let Some(Value::Number(_)) = mapping.get("channel").map(untag) {
            self.warn(
                &path.child("channel"),
                format!(
                    "write the channel in quotes (`channel: \"{channel}\"`); unquoted, YAML \
                     reads it as a number"
                ),
            );
        }
        let mut spec = BaseSpec {
            name,
            channel,
            architectures: Vec::new(),
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "name" | "channel" => {}
                "architectures" => spec.architectures = self.strings(value, key_path)?,
                _ => self.ignored(key_path, &key, BASE_KEYS),
            }
        }
        Ok(spec)
    }

    pub(super) fn platform(
        &mut self,
        _name: String,
        value: &Value,
        path: &KeyPath,
    ) -> Result<Platform> {
        let mut platform = Platform::default();
        let Some(mapping) = self.mapping(value, path)? else {
            return Ok(platform);
        };
        for (key, value) in self.entries(mapping, path)? {
            let key_path = &path.child(&key);
            match key.as_str() {
                "build-on" => platform.build_on = self.strings(value, key_path)?,
                "build-for" => platform.build_for = self.strings(value, key_path)?,
                _ => self.ignored(key_path, &key, PLATFORM_KEYS),
            }
        }
        Ok(platform)
    }

    pub(super) fn charm_libs(&mut self, value: &Value, path: &KeyPath) -> Result<Vec<CharmLib>> {
        self.list(value, path, |decoder, item, item_path| {
            let mapping = decoder.mapping_or_empty(item, item_path)?;
            let lib = decoder.required_string(
                mapping,
                item_path,
                "lib",
                "charm library",
                "<charm>.<library>",
            )?;
            let version =
                decoder.required_string(mapping, item_path, "version", "charm library", "\"0\"")?;
            for (key, _) in decoder.entries(mapping, item_path)? {
                if !CHARM_LIB_KEYS.contains(&key.as_str()) {
                    decoder.ignored(&item_path.child(&key), &key, CHARM_LIB_KEYS);
                }
            }
            Ok(CharmLib { lib, version })
        })
    }
}

/// Parses `n`, `n-m`, `n-` or `n+`.
fn parse_range(text: &str) -> Option<StorageRange> {
    let text = text.trim();
    let number = |text: &str| text.trim().parse::<u32>().ok();
    if let Some(min) = text.strip_suffix('+').or_else(|| text.strip_suffix('-')) {
        return Some(StorageRange {
            min: number(min)?,
            max: None,
        });
    }
    match text.split_once('-') {
        Some((min, max)) => {
            let (min, max) = (number(min)?, number(max)?);
            (min <= max).then_some(StorageRange {
                min,
                max: Some(max),
            })
        }
        None => number(text).map(|n| StorageRange {
            min: n,
            max: Some(n),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        let range = |min, max| Some(StorageRange { min, max });
        assert_eq!(parse_range("1-10"), range(1, Some(10)));
        assert_eq!(parse_range("0-"), range(0, None));
        assert_eq!(parse_range("5+"), range(5, None));
        assert_eq!(parse_range("3"), range(3, Some(3)));
        assert_eq!(parse_range("3-1"), None);
        assert_eq!(parse_range("a-b"), None);
        assert_eq!(parse_range(""), None);
    }
}
