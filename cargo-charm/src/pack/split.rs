//! metadata.yaml, config.yaml and actions.yaml for the packed charm, split out of
//! charmcraft.yaml the way charmcraft splits it.
//!
//! The typed model of `ops-metadata` validates the files and decides which exist,
//! but the YAML written is the original files' own values, re-serialised: whatever
//! the model does not type (comments aside) reaches Juju unchanged. A project's own
//! metadata.yaml, config.yaml or actions.yaml is copied byte for byte, as charmcraft
//! copies it.

use std::fs;
use std::path::{Path, PathBuf};

use ops_metadata::{CharmMetadata, SourceKind};
use yaml_serde::{Mapping, Value};

use crate::archive::NewEntry;
use crate::metadata::load_options;
use crate::yaml;

/// Keys charmcraft.yaml shares with metadata.yaml, copied as they are. Besides
/// charmcraft's own, these are the legacy metadata.yaml keys that Juju still reads.
const METADATA_KEYS: &[&str] = &[
    "assumes",
    "categories",
    "charm-user",
    "containers",
    "description",
    "devices",
    "display-name",
    "docs",
    "extra-bindings",
    "issues",
    "maintainer",
    "maintainers",
    "min-juju-version",
    "name",
    "payloads",
    "peers",
    "provides",
    "requires",
    "resources",
    "series",
    "source",
    "storage",
    "subordinate",
    "summary",
    "tags",
    "terms",
    "website",
];

/// Keys only the build reads; none of them reaches the charm.
const BUILD_KEYS: &[&str] = &[
    "actions",
    "analysis",
    "base",
    "bases",
    "build-base",
    "charm-libs",
    "config",
    "parts",
    "platforms",
    "type",
];

/// Why the files could not be split out.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SplitError {
    /// A source file could not be read again.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// A source file that parsed for the model did not parse here.
    #[error(transparent)]
    Yaml(#[from] ops_metadata::MetadataError),
    /// A source file that was UTF-8 for the model is not any more.
    #[error("`{}` is not UTF-8", .0.display())]
    NotUtf8(PathBuf),
    /// The charm uses a charmcraft extension, which only charmcraft can expand.
    #[error(
        "charmcraft.yaml uses `extensions`, which only charmcraft expands; pack this charm \
         with charmcraft, or write out what the extension adds"
    )]
    Extensions,
    /// Writing YAML failed.
    #[error(transparent)]
    Write(#[from] yaml::WriteError),
}

/// The split files, and the keys left out (for warnings).
#[derive(Debug, Default)]
pub(crate) struct Split {
    /// metadata.yaml, config.yaml and actions.yaml (the last two when the charm has them).
    pub(crate) entries: Vec<NewEntry>,
    /// Warnings about what was left out.
    pub(crate) warnings: Vec<String>,
}

/// Splits the metadata of the charm in `dir`, already loaded as `metadata`.
pub(crate) fn split(metadata: &CharmMetadata) -> Result<Split, SplitError> {
    if !metadata.extensions.is_empty() {
        return Err(SplitError::Extensions);
    }
    let mut split = Split::default();
    let mut charmcraft = Mapping::new();
    let mut copied = Vec::new();
    for source in &metadata.sources {
        match source.kind {
            SourceKind::Charmcraft => charmcraft = read_mapping(&source.path)?,
            kind => copied.push((kind, source.path.as_path())),
        }
    }
    let own_file = |wanted: SourceKind| {
        copied
            .iter()
            .find(|(kind, _)| *kind == wanted)
            .map(|(_, path)| *path)
    };

    match own_file(SourceKind::Metadata) {
        Some(path) => {
            split
                .entries
                .push(NewEntry::regular("metadata.yaml", read(path)?));
            let ignored: Vec<String> = charmcraft
                .keys()
                .filter_map(Value::as_str)
                .filter(|key| metadata_key(key))
                .map(|key| format!("`{key}`"))
                .collect();
            if !ignored.is_empty() {
                split.warnings.push(format!(
                    "the project has its own metadata.yaml, which is packed as it is; \
                     {} in charmcraft.yaml left out of it",
                    ignored.join(", ")
                ));
            }
        }
        None => {
            let generated = metadata_yaml(&charmcraft, &mut split.warnings);
            split.entries.push(NewEntry::regular(
                "metadata.yaml",
                yaml::to_string(&Value::Mapping(generated))?,
            ));
        }
    }
    for (kind, file, key) in [
        (SourceKind::Config, "config.yaml", "config"),
        (SourceKind::Actions, "actions.yaml", "actions"),
    ] {
        if let Some(path) = own_file(kind) {
            split.entries.push(NewEntry::regular(file, read(path)?));
        } else if let Some(value) = charmcraft.get(key).filter(|value| !value.is_null()) {
            split
                .entries
                .push(NewEntry::regular(file, yaml::to_string(value)?));
        }
    }
    Ok(split)
}

fn metadata_key(key: &str) -> bool {
    METADATA_KEYS.contains(&key) || matches!(key, "title" | "links")
}

/// metadata.yaml from charmcraft.yaml's keys: `title` becomes `display-name`, `links`
/// becomes `docs`, `issues`, `source`, `website` and `maintainers`, build keys are
/// dropped, and the keys are sorted, as charmcraft writes them.
fn metadata_yaml(charmcraft: &Mapping, warnings: &mut Vec<String>) -> Mapping {
    let mut keys: Vec<(String, Value)> = Vec::new();
    let mut left_out = Vec::new();
    for (key, value) in charmcraft {
        let Some(key) = key.as_str() else {
            left_out.push(format!("`{}`", inline(key)));
            continue;
        };
        match key {
            "title" => keys.push(("display-name".into(), value.clone())),
            "links" => links(value, &mut keys, warnings),
            key if METADATA_KEYS.contains(&key) => keys.push((key.into(), value.clone())),
            key if BUILD_KEYS.contains(&key) => {}
            key => left_out.push(format!("`{key}`")),
        }
    }
    if !left_out.is_empty() {
        warnings.push(format!(
            "{} in charmcraft.yaml {} not charm metadata; left out of metadata.yaml",
            left_out.join(", "),
            if left_out.len() == 1 { "is" } else { "are" }
        ));
    }
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    let mut mapping = Mapping::with_capacity(keys.len());
    for (key, value) in keys {
        if mapping.contains_key(key.as_str()) {
            warnings.push(format!(
                "charmcraft.yaml gives `{key}` twice (directly and through `title` or \
                 `links`); metadata.yaml keeps the first"
            ));
            continue;
        }
        mapping.insert(Value::String(key), value);
    }
    mapping
}

/// The metadata.yaml keys of charmcraft.yaml's `links`.
fn links(value: &Value, keys: &mut Vec<(String, Value)>, warnings: &mut Vec<String>) {
    let Some(links) = value.as_mapping() else {
        return;
    };
    for (key, value) in links {
        match key.as_str() {
            Some("documentation") => keys.push(("docs".into(), value.clone())),
            Some("contact") => {
                let maintainers = match value {
                    Value::Sequence(_) => value.clone(),
                    single => Value::Sequence(vec![single.clone()]),
                };
                keys.push(("maintainers".into(), maintainers));
            }
            Some(key @ ("issues" | "source" | "website")) => {
                keys.push((key.into(), value.clone()));
            }
            _ => warnings.push(format!(
                "`links.{}` in charmcraft.yaml has no place in metadata.yaml; left out",
                inline(key)
            )),
        }
    }
}

fn inline(value: &Value) -> String {
    yaml_serde::to_string(value)
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

fn read(path: &Path) -> Result<Vec<u8>, SplitError> {
    fs::read(path).map_err(|source| SplitError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads charmcraft.yaml again as plain YAML, with the same limits and the same rule for
/// keys written twice (the last wins) as the model.
fn read_mapping(path: &Path) -> Result<Mapping, SplitError> {
    let bytes = read(path)?;
    let text = String::from_utf8(bytes).map_err(|_| SplitError::NotUtf8(path.to_path_buf()))?;
    // The model's load already warned about keys written twice.
    let (value, _warnings) = load_options().read_yaml(&path.display().to_string(), &text)?;
    Ok(match value {
        Value::Mapping(mapping) => mapping,
        // The model accepted it, so it is empty.
        _ => Mapping::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(yaml: &str) -> (String, Vec<String>) {
        let charmcraft: Mapping = yaml_serde::from_str(yaml).unwrap();
        let mut warnings = Vec::new();
        let mapping = metadata_yaml(&charmcraft, &mut warnings);
        (yaml::to_string(&Value::Mapping(mapping)).unwrap(), warnings)
    }

    #[test]
    fn metadata_keys_are_renamed_sorted_and_build_keys_dropped() {
        let (text, warnings) = generated(
            "type: charm\nname: demo\ntitle: Demo\nsummary: s\ndescription: |\n  d\n\
             base: ubuntu@22.04\nplatforms:\n  amd64:\nparts:\n  charm:\n    plugin: nil\n\
             links:\n  documentation: https://docs\n  contact: me@example.com\n  \
             source: [https://src]\nrequires:\n  db:\n    interface: pg\n    limit: 1\n\
             config:\n  options: {}\nactions:\n  go: {}\n",
        );
        assert_eq!(
            text,
            "description: |\n  d\ndisplay-name: Demo\ndocs: https://docs\nmaintainers:\n- \
             me@example.com\nname: demo\nrequires:\n  db:\n    interface: pg\n    limit: 1\n\
             source:\n- https://src\nsummary: s\n"
        );
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn unknown_keys_are_left_out_with_a_warning() {
        let (text, warnings) = generated("name: demo\nsummary: s\nflavour: mint\n");
        assert_eq!(text, "name: demo\nsummary: s\n");
        assert_eq!(
            warnings,
            ["`flavour` in charmcraft.yaml is not charm metadata; left out of metadata.yaml"]
        );
    }
}
