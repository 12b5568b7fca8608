//! Reading the metadata files, merging them per key, and mapping key paths to positions.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;
use yaml_serde::{Mapping, Value};

use crate::decode::{self, Decoder};
use crate::error::{Location, MetadataError, Warning};
use crate::model::CharmMetadata;
use crate::position::PositionIndex;

/// Which metadata file a source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `charmcraft.yaml`: the unified file (any top-level key).
    Charmcraft,
    /// `metadata.yaml`: the older file for everything but config, actions and the build.
    Metadata,
    /// `config.yaml`: its content is the `config` key.
    Config,
    /// `actions.yaml`: its content is the `actions` key.
    Actions,
}

impl SourceKind {
    /// Every kind, in the order charmcraft merges them.
    pub const ALL: [Self; 4] = [
        Self::Charmcraft,
        Self::Metadata,
        Self::Config,
        Self::Actions,
    ];

    /// The conventional file name: `charmcraft.yaml`, `metadata.yaml`, `config.yaml` or
    /// `actions.yaml`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Charmcraft => "charmcraft.yaml",
            Self::Metadata => "metadata.yaml",
            Self::Config => "config.yaml",
            Self::Actions => "actions.yaml",
        }
    }

    /// The top-level key this file's whole content becomes, for `config.yaml` and
    /// `actions.yaml`.
    fn wrapping_key(self) -> Option<&'static str> {
        match self {
            Self::Config => Some("config"),
            Self::Actions => Some("actions"),
            Self::Charmcraft | Self::Metadata => None,
        }
    }
}

/// A file that was read to build a [`CharmMetadata`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFile {
    /// The file's path (for in-memory sources, the name they were given).
    pub path: PathBuf,
    /// Which metadata file it is.
    pub kind: SourceKind,
}

/// The position index of one source file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IndexedFile {
    name: String,
    kind: SourceKind,
    index: PositionIndex,
}

/// Maps key paths of the merged model to positions in the files they came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Positions {
    files: Vec<IndexedFile>,
    /// Top-level key of the merged model → index into `files`.
    owners: HashMap<String, usize>,
}

impl Positions {
    /// The file holding `key_path` and the path within that file.
    fn resolve<'p>(&self, key_path: &'p str) -> Option<(&IndexedFile, &'p str)> {
        let top = key_path.split_once('.').map_or(key_path, |(top, _)| top);
        let file = self.files.get(*self.owners.get(top)?)?;
        let local = match file.kind.wrapping_key() {
            Some(_) => key_path[top.len()..].trim_start_matches('.'),
            None => key_path,
        };
        Some((file, local))
    }

    /// Where `key_path` (or its nearest recorded ancestor) was written.
    pub(crate) fn locate(&self, key_path: &str) -> Option<Location> {
        let (file, local) = self.resolve(key_path)?;
        let (line, column) = match file.index.nearest(local) {
            Some(pos) if !local.is_empty() => (pos.line, pos.column),
            _ => (1, 1),
        };
        Some(Location::new(&file.name, line, column))
    }

    /// The source text of the plain scalar written at exactly `key_path`.
    pub(crate) fn raw(&self, key_path: &str) -> Option<&str> {
        let (file, local) = self.resolve(key_path)?;
        file.index.raw(local)
    }

    /// The kind of the first file (charmcraft.yaml when there is none).
    pub(crate) fn first_kind(&self) -> SourceKind {
        self.files
            .first()
            .map_or(SourceKind::Charmcraft, |file| file.kind)
    }

    /// The start of the first file, for problems that belong to no key. With no file at
    /// all, the start of the `charmcraft.yaml` that should exist.
    pub(crate) fn start(&self) -> Location {
        let name = self
            .files
            .first()
            .map_or(SourceKind::Charmcraft.file_name(), |f| &f.name);
        Location::new(name, 1, 1)
    }
}

impl CharmMetadata {
    /// Loads the metadata of the charm in `dir` from whichever of `charmcraft.yaml`,
    /// `metadata.yaml`, `config.yaml` and `actions.yaml` exist there.
    ///
    /// Locations name each file by its path under `dir`.
    ///
    /// # Errors
    ///
    /// [`MetadataError::NotFound`] if neither `charmcraft.yaml` nor `metadata.yaml` exists,
    /// [`MetadataError::Io`] if a file exists but cannot be read, and the errors of
    /// [`from_sources`](Self::from_sources).
    pub fn load_dir(dir: &Path) -> Result<Self, MetadataError> {
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        for kind in SourceKind::ALL {
            let path = dir.join(kind.file_name());
            let Some(text) = read_if_exists(&path)? else {
                continue;
            };
            let (path, text) = match (kind, link_target(dir, &text)) {
                (SourceKind::Charmcraft, Some(target)) => {
                    warnings.push(Warning {
                        location: Some(Location::new(path.display().to_string(), 1, 1)),
                        message: format!(
                            "`{file}` holds only the file name `{target}`, so `{target}` was \
                             read instead; if `{file}` is a symbolic link checked out as a plain \
                             file, enable symbolic links in git (`core.symlinks`)",
                            file = kind.file_name(),
                            target = text.trim()
                        ),
                    });
                    let text = read_if_exists(&target)?.unwrap_or_default();
                    (target, text)
                }
                _ => (path, text),
            };
            files.push((kind, path, text));
        }
        if !files
            .iter()
            .any(|(kind, ..)| matches!(kind, SourceKind::Charmcraft | SourceKind::Metadata))
        {
            return Err(MetadataError::NotFound {
                dir: dir.to_path_buf(),
                looked_for: vec![
                    SourceKind::Charmcraft.file_name(),
                    SourceKind::Metadata.file_name(),
                ],
            });
        }
        let names: Vec<String> = files
            .iter()
            .map(|(_, path, _)| path.display().to_string())
            .collect();
        let sources: Vec<(SourceKind, &str, &str)> = files
            .iter()
            .zip(&names)
            .map(|((kind, _, text), name)| (*kind, name.as_str(), text.as_str()))
            .collect();
        let mut metadata = Self::from_sources(&sources)?;
        metadata.sources = files
            .into_iter()
            .map(|(kind, path, _)| SourceFile { path, kind })
            .collect();
        warnings.append(&mut metadata.warnings);
        metadata.warnings = warnings;
        Ok(metadata)
    }

    /// Loads a single unified metadata file: a `charmcraft.yaml`, or a `metadata.yaml`
    /// (whatever its name, the file is read as holding any top-level key).
    ///
    /// # Errors
    ///
    /// [`MetadataError::Io`] if the file cannot be read, and the errors of
    /// [`from_sources`](Self::from_sources).
    pub fn load_file(path: &Path) -> Result<Self, MetadataError> {
        let text = fs::read_to_string(path).map_err(|error| MetadataError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let kind = if path
            .file_name()
            .is_some_and(|name| name == SourceKind::Metadata.file_name())
        {
            SourceKind::Metadata
        } else {
            SourceKind::Charmcraft
        };
        let name = path.display().to_string();
        let mut metadata = Self::from_sources(&[(kind, &name, &text)])?;
        metadata.sources = vec![SourceFile {
            path: path.to_path_buf(),
            kind,
        }];
        Ok(metadata)
    }

    /// Parses unified metadata (the shape of `charmcraft.yaml`) held in memory; `name` is
    /// used as the file name in locations.
    ///
    /// # Errors
    ///
    /// As [`from_sources`](Self::from_sources).
    pub fn from_yaml_str(name: &str, text: &str) -> Result<Self, MetadataError> {
        Self::from_sources(&[(SourceKind::Charmcraft, name, text)])
    }

    /// Parses and merges metadata files held in memory, given as `(kind, display name,
    /// text)` in merge order (normally charmcraft, metadata, config, actions).
    ///
    /// The top-level keys of `Charmcraft` and `Metadata` sources are merged; a `Config`
    /// source becomes the `config` key and an `Actions` source the `actions` key. An
    /// empty file counts as an empty mapping.
    ///
    /// # Errors
    ///
    /// [`MetadataError::Yaml`] if a text is not valid YAML, and
    /// [`MetadataError::Invalid`] if a file's top level is not a mapping, a top-level key
    /// is defined by two files, or a value does not fit the schema (with the location and
    /// key path of the offending value).
    pub fn from_sources(sources: &[(SourceKind, &str, &str)]) -> Result<Self, MetadataError> {
        let mut positions = Positions::default();
        let mut merged: IndexMap<String, Value> = IndexMap::new();
        for (file_index, &(kind, name, text)) in sources.iter().enumerate() {
            let index = PositionIndex::new(text);
            let root = parse_root(name, text, &index)?;
            positions.files.push(IndexedFile {
                name: name.to_owned(),
                kind,
                index,
            });
            let entries = match kind.wrapping_key() {
                Some(key) => vec![(key.to_owned(), Value::Mapping(root))],
                None => root
                    .into_iter()
                    .map(|(key, value)| Ok((top_level_key(&positions, file_index, key)?, value)))
                    .collect::<Result<_, MetadataError>>()?,
            };
            for (key, value) in entries {
                if let Some(&first) = positions.owners.get(&key) {
                    return Err(duplicate_key(&positions, first, file_index, &key));
                }
                positions.owners.insert(key.clone(), file_index);
                merged.insert(key, value);
            }
        }
        let mut metadata = Decoder::new(&positions).charm(merged)?;
        metadata.sources = sources
            .iter()
            .map(|&(kind, name, _)| SourceFile {
                path: PathBuf::from(name),
                kind,
            })
            .collect();
        metadata.positions = positions;
        Ok(metadata)
    }
}

/// Reads `path`, or returns `None` if it does not exist.
fn read_if_exists(path: &Path) -> Result<Option<String>, MetadataError> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(MetadataError::Io {
            path: path.to_path_buf(),
            error,
        }),
    }
}

/// If `text` is just the name of another YAML file in `dir` (a symbolic link stored as a
/// plain file, as git does without `core.symlinks`), that file's path.
fn link_target(dir: &Path, text: &str) -> Option<PathBuf> {
    let name = text.trim();
    let plausible = !name.is_empty()
        && !name.contains(['\n', ':', ' ', '#'])
        && (name.ends_with(".yaml") || name.ends_with(".yml"));
    let target = dir.join(name);
    (plausible && target.is_file()).then_some(target)
}

/// Parses one file into its top-level mapping.
fn parse_root(name: &str, text: &str, index: &PositionIndex) -> Result<Mapping, MetadataError> {
    let value: Value =
        yaml_serde::from_str(text).map_err(|error| yaml_error(name, index, &error))?;
    match decode::into_untagged(value) {
        Value::Null => Ok(Mapping::new()),
        Value::Mapping(mapping) => Ok(mapping),
        other => Err(MetadataError::Invalid {
            location: first_content(name, text),
            key_path: String::new(),
            message: format!(
                "the top level of `{name}` is {}, not a mapping",
                decode::describe(&other)
            ),
            hint: "write the metadata as `key: value` lines, starting with `name: <charm-name>`"
                .to_owned(),
        }),
    }
}

/// The location of the first line that is not blank or a comment.
fn first_content(name: &str, text: &str) -> Location {
    let line = text
        .lines()
        .position(|line| {
            let line = line.trim();
            !line.is_empty() && !line.starts_with('#') && line != "---"
        })
        .map_or(1, |at| at + 1);
    Location::new(name, line, 1)
}

/// Turns a `yaml_serde` error into [`MetadataError::Yaml`] with the best position known.
fn yaml_error(name: &str, index: &PositionIndex, error: &yaml_serde::Error) -> MetadataError {
    let mut text = error.to_string();
    let mut location = Location::new(name, 1, 1);
    if let Some(at) = error.location() {
        text = text.replacen(
            &format!(" at line {} column {}", at.line(), at.column()),
            "",
            1,
        );
        location = Location::new(name, at.line(), at.column());
    }
    // `path: duplicate entry with key "db"`, where the path is like `requires` or `a[0].b`.
    if let Some((before, key)) = text.split_once("duplicate entry with key ") {
        let key = key.trim().trim_matches('"');
        let parent = before
            .trim_end()
            .trim_end_matches(':')
            .replace('[', ".")
            .replace(']', "");
        let parent = parent.trim_matches('.');
        let path = if parent.is_empty() {
            key.to_owned()
        } else {
            format!("{parent}.{key}")
        };
        if let Some(pos) = index.duplicate(&path) {
            location = Location::new(name, pos.line, pos.column);
        }
        return MetadataError::Yaml {
            location,
            message: format!("the key `{path}` is written twice"),
            hint: "remove one of the two".to_owned(),
        };
    }
    if text.contains("more than one document") {
        return MetadataError::Yaml {
            location: Location::new(name, index.second_document().unwrap_or(1), 1),
            message: "the file holds more than one YAML document".to_owned(),
            hint: "remove this `---` line and merge the documents into one".to_owned(),
        };
    }
    MetadataError::Yaml {
        location,
        message: text,
        hint: "fix the YAML syntax there".to_owned(),
    }
}

/// A top-level key as a string (YAML allows numbers and booleans as keys too).
fn top_level_key(positions: &Positions, file: usize, key: Value) -> Result<String, MetadataError> {
    match decode::key_string(&key) {
        Some(key) => Ok(key),
        None => Err(MetadataError::Invalid {
            location: positions
                .files
                .get(file)
                .map_or_else(|| positions.start(), |f| Location::new(&f.name, 1, 1)),
            key_path: String::new(),
            message: format!(
                "a top-level key is {}, not a string",
                decode::describe(&key)
            ),
            hint: "write top-level keys as plain names such as `name`".to_owned(),
        }),
    }
}

fn duplicate_key(positions: &Positions, first: usize, second: usize, key: &str) -> MetadataError {
    let name = |at: usize| {
        positions
            .files
            .get(at)
            .map_or("", |file| file.name.as_str())
    };
    let location = positions.files.get(second).map_or_else(
        || positions.start(),
        |file| {
            let pos = file
                .kind
                .wrapping_key()
                .is_none()
                .then(|| file.index.get(key))
                .flatten();
            Location::new(
                &file.name,
                pos.map_or(1, |p| p.line),
                pos.map_or(1, |p| p.column),
            )
        },
    );
    MetadataError::Invalid {
        location,
        key_path: key.to_owned(),
        message: format!(
            "`{key}` is defined in both `{}` and `{}`",
            name(first),
            name(second)
        ),
        hint: format!("keep `{key}` in one file only (charmcraft refuses duplicates)"),
    }
}
