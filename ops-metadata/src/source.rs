//! Reading the metadata files, merging them per key, and mapping key paths to positions.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use indexmap::IndexMap;
use serde::Serialize;
use yaml_serde::{Mapping, Value};

use crate::decode::{self, Decoder};
use crate::error::{Location, MetadataError, Warning};
use crate::limits::{self, Limit};
use crate::model::CharmMetadata;
use crate::position::PositionIndex;
use crate::yaml::{self, DuplicateKeys, ReadError};

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
    /// Locations name each file by its path under `dir`. A key written twice is an
    /// error; [`LoadOptions`] can keep the last one instead, as Juju does.
    ///
    /// # Errors
    ///
    /// [`MetadataError::NotFound`] if neither `charmcraft.yaml` nor `metadata.yaml` exists,
    /// [`MetadataError::Io`] if a file exists but cannot be read,
    /// [`MetadataError::NotAFile`] if one is a FIFO, a device or a directory,
    /// [`MetadataError::LinkOutside`] if `charmcraft.yaml` holds only a path that leads out
    /// of `dir`, and the errors of [`from_sources`](Self::from_sources).
    pub fn load_dir(dir: &Path) -> Result<Self, MetadataError> {
        LoadOptions::new().load_dir(dir)
    }

    /// Loads a single unified metadata file: a `charmcraft.yaml`, or a `metadata.yaml`
    /// (whatever its name, the file is read as holding any top-level key).
    ///
    /// # Errors
    ///
    /// [`MetadataError::Io`] if the file cannot be read, [`MetadataError::NotAFile`] if it
    /// is not a regular file, and the errors of [`from_sources`](Self::from_sources).
    pub fn load_file(path: &Path) -> Result<Self, MetadataError> {
        LoadOptions::new().load_file(path)
    }

    /// Parses unified metadata (the shape of `charmcraft.yaml`) held in memory; `name` is
    /// used as the file name in locations.
    ///
    /// # Errors
    ///
    /// As [`from_sources`](Self::from_sources).
    pub fn from_yaml_str(name: &str, text: &str) -> Result<Self, MetadataError> {
        LoadOptions::new().load_str(name, text)
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
    /// [`MetadataError::Limit`] if a text is beyond one of the [limits](crate::limits),
    /// [`MetadataError::Yaml`] if it is not valid YAML or writes a key twice in one
    /// mapping, and [`MetadataError::Invalid`] if a file's top level is not a mapping, a
    /// top-level key is defined by two files, or a value does not fit the schema (with the
    /// location and key path of the offending value).
    pub fn from_sources(sources: &[(SourceKind, &str, &str)]) -> Result<Self, MetadataError> {
        LoadOptions::new().load_sources(sources)
    }
}

/// How to load charm metadata, for callers that want other than the defaults of
/// [`CharmMetadata::load_dir`] and its siblings (which are these options' defaults).
///
/// ```
/// use ops_metadata::{DuplicateKeys, LoadOptions};
///
/// // Juju deploys charms whose files write a key twice, and keeps the last value.
/// let yaml = "name: x\nsummary: first\nsummary: second\n";
/// let charm = LoadOptions::new()
///     .duplicate_keys(DuplicateKeys::LastWins)
///     .load_str("charmcraft.yaml", yaml)?;
/// assert_eq!(charm.summary.as_deref(), Some("second"));
/// assert_eq!(
///     charm.warnings[0].to_string(),
///     "charmcraft.yaml:3:1: the key `summary` is written twice; the last one is used, as \
///      Juju does: remove the other"
/// );
///
/// // By default, as charmcraft does, it is an error.
/// assert!(ops_metadata::CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).is_err());
/// # Ok::<(), ops_metadata::MetadataError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    duplicate_keys: DuplicateKeys,
}

impl LoadOptions {
    /// The defaults: a key written twice is an error.
    pub fn new() -> Self {
        Self::default()
    }

    /// What to do with a key written twice in one mapping.
    #[must_use]
    pub fn duplicate_keys(mut self, rule: DuplicateKeys) -> Self {
        self.duplicate_keys = rule;
        self
    }

    /// [`CharmMetadata::load_dir`] with these options.
    ///
    /// # Errors
    ///
    /// As [`CharmMetadata::load_dir`].
    pub fn load_dir(&self, dir: &Path) -> Result<CharmMetadata, MetadataError> {
        let mut files = Vec::new();
        let mut warnings = Vec::new();
        for kind in SourceKind::ALL {
            let path = dir.join(kind.file_name());
            let Some(text) = read_if_exists(&path)? else {
                continue;
            };
            let (path, text) = match kind {
                SourceKind::Charmcraft => match link_target(dir, &path, &text)? {
                    Some(target) => {
                        warnings.push(Warning {
                            location: Some(Location::new(path.display().to_string(), 1, 1)),
                            message: format!(
                                "`{file}` holds only the file name `{target}`, so `{target}` \
                                 was read instead; if `{file}` is a symbolic link checked out \
                                 as a plain file, enable symbolic links in git \
                                 (`core.symlinks`)",
                                file = kind.file_name(),
                                target = text.trim()
                            ),
                        });
                        let text = read_if_exists(&target)?.unwrap_or_default();
                        (target, text)
                    }
                    None => (path, text),
                },
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
        let mut metadata = self.load_sources(&sources)?;
        metadata.sources = files
            .into_iter()
            .map(|(kind, path, _)| SourceFile { path, kind })
            .collect();
        warnings.append(&mut metadata.warnings);
        metadata.warnings = warnings;
        Ok(metadata)
    }

    /// [`CharmMetadata::load_file`] with these options.
    ///
    /// # Errors
    ///
    /// As [`CharmMetadata::load_file`].
    pub fn load_file(&self, path: &Path) -> Result<CharmMetadata, MetadataError> {
        // A missing file is an error here, with the system's own words for it.
        fs::metadata(path).map_err(|error| MetadataError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let text = read_if_exists(path)?.ok_or_else(|| MetadataError::Io {
            path: path.to_path_buf(),
            error: io::Error::from(io::ErrorKind::NotFound),
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
        let mut metadata = self.load_sources(&[(kind, &name, &text)])?;
        metadata.sources = vec![SourceFile {
            path: path.to_path_buf(),
            kind,
        }];
        Ok(metadata)
    }

    /// [`CharmMetadata::from_yaml_str`] with these options.
    ///
    /// # Errors
    ///
    /// As [`CharmMetadata::from_sources`].
    pub fn load_str(&self, name: &str, text: &str) -> Result<CharmMetadata, MetadataError> {
        self.load_sources(&[(SourceKind::Charmcraft, name, text)])
    }

    /// [`CharmMetadata::from_sources`] with these options.
    ///
    /// # Errors
    ///
    /// As [`CharmMetadata::from_sources`].
    pub fn load_sources(
        &self,
        sources: &[(SourceKind, &str, &str)],
    ) -> Result<CharmMetadata, MetadataError> {
        let mut positions = Positions::default();
        let mut merged: IndexMap<String, Value> = IndexMap::new();
        let mut warnings = Vec::new();
        for (file_index, &(kind, name, text)) in sources.iter().enumerate() {
            let (root, index, duplicates) = self.parse_root(name, text)?;
            warnings.extend(
                duplicates
                    .iter()
                    .map(|path| duplicate_warning(name, &index, path)),
            );
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
        warnings.append(&mut metadata.warnings);
        metadata.warnings = warnings;
        Ok(metadata)
    }

    /// Reads any YAML document (such as a `.charm`'s `manifest.yaml`) within the same
    /// [limits](crate::limits) and with the same rule for duplicate keys as metadata;
    /// `name` names the file in errors and warnings. Returns the value, and a warning for
    /// each key written twice when the rule is [`DuplicateKeys::LastWins`].
    ///
    /// ```
    /// use ops_metadata::LoadOptions;
    ///
    /// let (value, warnings) = LoadOptions::new().read_yaml("manifest.yaml", "bases: []\n")?;
    /// assert!(value["bases"].is_sequence() && warnings.is_empty());
    ///
    /// let deep = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
    /// let error = LoadOptions::new().read_yaml("manifest.yaml", &deep).unwrap_err();
    /// assert!(error.to_string().starts_with(
    ///     "manifest.yaml:1:67: lists and mappings nest more than 64 levels deep here"
    /// ));
    /// # Ok::<(), ops_metadata::MetadataError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`MetadataError::Limit`] past a limit, [`MetadataError::Yaml`] if the text is not
    /// one valid YAML document or writes a key twice (with [`DuplicateKeys::Refuse`]).
    pub fn read_yaml(
        &self,
        name: &str,
        text: &str,
    ) -> Result<(Value, Vec<Warning>), MetadataError> {
        check_size(name, text)?;
        check_depth(name, text)?;
        match yaml::read(text, self.duplicate_keys) {
            Ok(parsed) if parsed.duplicates.is_empty() => Ok((parsed.value, Vec::new())),
            Ok(parsed) => {
                let index = PositionIndex::new(text);
                let warnings = parsed
                    .duplicates
                    .iter()
                    .map(|path| duplicate_warning(name, &index, path))
                    .collect();
                Ok((parsed.value, warnings))
            }
            Err(error) => Err(read_error(name, &PositionIndex::new(text), error)),
        }
    }

    /// Parses one file into its top-level mapping, its position index and the key paths
    /// it writes twice.
    fn parse_root(
        &self,
        name: &str,
        text: &str,
    ) -> Result<(Mapping, PositionIndex, Vec<String>), MetadataError> {
        // The index is built after the checks, which bound its work too.
        check_size(name, text)?;
        check_depth(name, text)?;
        let index = PositionIndex::new(text);
        let parsed = match yaml::read(text, self.duplicate_keys) {
            Ok(parsed) => parsed,
            Err(error) => return Err(read_error(name, &index, error)),
        };
        match decode::into_untagged(parsed.value) {
            Value::Null => Ok((Mapping::new(), index, parsed.duplicates)),
            Value::Mapping(mapping) => Ok((mapping, index, parsed.duplicates)),
            other => Err(MetadataError::Invalid {
                location: first_content(name, text),
                key_path: String::new(),
                message: format!(
                    "the top level of `{name}` is {}, not a mapping",
                    decode::describe(&other)
                ),
                hint: "write the metadata as `key: value` lines, starting with `name: \
                       <charm-name>`"
                    .to_owned(),
            }),
        }
    }
}

/// Refuses a text larger than [`MAX_FILE_SIZE`](limits::MAX_FILE_SIZE).
fn check_size(name: &str, text: &str) -> Result<(), MetadataError> {
    if text.len() > limits::MAX_FILE_SIZE {
        return Err(MetadataError::limit(
            Location::new(name, 1, 1),
            Limit::FileSize,
        ));
    }
    Ok(())
}

/// Refuses a text nested deeper than [`MAX_DEPTH`](limits::MAX_DEPTH), before the parser
/// (which is slow on deep flow collections) sees it.
fn check_depth(name: &str, text: &str) -> Result<(), MetadataError> {
    limits::check_depth(text, limits::MAX_DEPTH)
        .map_err(|at| MetadataError::limit(Location::new(name, at.line, at.column), Limit::Depth))
}

/// Reads `path`, or returns `None` if it does not exist. Only a regular file (or a
/// symbolic link to one) is read, and only up to [`MAX_FILE_SIZE`](limits::MAX_FILE_SIZE):
/// a FIFO would block, and a device could never end.
fn read_if_exists(path: &Path) -> Result<Option<String>, MetadataError> {
    let io_error = |error| MetadataError::Io {
        path: path.to_path_buf(),
        error,
    };
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_error(error)),
    };
    if !metadata.is_file() {
        return Err(MetadataError::NotAFile {
            path: path.to_path_buf(),
            what: file_kind(&metadata.file_type()),
        });
    }
    let too_large = || {
        MetadataError::limit(
            Location::new(path.display().to_string(), 1, 1),
            Limit::FileSize,
        )
    };
    if metadata.len() > limits::MAX_FILE_SIZE as u64 {
        return Err(too_large());
    }
    let mut text = String::new();
    fs::File::open(path)
        .and_then(|file| {
            file.take(limits::MAX_FILE_SIZE as u64 + 1)
                .read_to_string(&mut text)
        })
        .map_err(io_error)?;
    if text.len() > limits::MAX_FILE_SIZE {
        return Err(too_large());
    }
    Ok(Some(text))
}

/// What a file that is not a regular file is, for [`MetadataError::NotAFile`].
fn file_kind(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// If `text` (the content of `file`, in `dir`) is just the name of another YAML file (a
/// symbolic link stored as a plain file, as git does without `core.symlinks`), that
/// file's path. A name that leads out of `dir`, absolute, through `..` or through a
/// symbolic link, is refused.
fn link_target(dir: &Path, file: &Path, text: &str) -> Result<Option<PathBuf>, MetadataError> {
    let name = text.trim();
    let plausible = !name.is_empty()
        && !name.contains(['\n', ':', ' ', '#'])
        && (name.ends_with(".yaml") || name.ends_with(".yml"));
    if !plausible {
        return Ok(None);
    }
    let outside = || MetadataError::LinkOutside {
        path: file.to_path_buf(),
        target: name.to_owned(),
        dir: dir.to_path_buf(),
    };
    let stays_inside = Path::new(name)
        .components()
        .all(|part| matches!(part, Component::Normal(_) | Component::CurDir));
    if !stays_inside {
        return Err(outside());
    }
    let target = dir.join(name);
    if !target.is_file() {
        return Ok(None);
    }
    // The name stays inside; the file it names may still be a symbolic link out.
    let (Ok(real_dir), Ok(real_target)) = (fs::canonicalize(dir), fs::canonicalize(&target)) else {
        return Ok(None);
    };
    if !real_target.starts_with(&real_dir) {
        return Err(outside());
    }
    Ok(Some(target))
}

/// The error for a document [`yaml::read`] could not read.
fn read_error(name: &str, index: &PositionIndex, error: ReadError) -> MetadataError {
    let at = |position: Option<(usize, usize)>| {
        let (line, column) = position.unwrap_or((1, 1));
        Location::new(name, line, column)
    };
    match error {
        ReadError::Yaml(error) => yaml_error(name, index, &error),
        ReadError::Limit(limit, position) => MetadataError::limit(at(position), limit),
        ReadError::Duplicate(path, position) => MetadataError::Yaml {
            location: index.duplicate(&path).map_or_else(
                || at(position),
                |pos| Location::new(name, pos.line, pos.column),
            ),
            message: format!("the key `{path}` is written twice"),
            hint: "remove one of the two".to_owned(),
        },
    }
}

/// The warning for a key written twice, read with [`DuplicateKeys::LastWins`].
fn duplicate_warning(name: &str, index: &PositionIndex, path: &str) -> Warning {
    let (line, column) = index
        .duplicate(path)
        .map_or((1, 1), |pos| (pos.line, pos.column));
    Warning {
        location: Some(Location::new(name, line, column)),
        message: format!(
            "the key `{path}` is written twice; the last one is used, as Juju does: remove the \
             other"
        ),
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
