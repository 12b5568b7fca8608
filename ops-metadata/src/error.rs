//! Errors, warnings and source locations.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

/// A position in a metadata file: the file's display name and a 1-based line and column.
///
/// Displays as `file:line:column`, the form editors and terminals turn into links.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file as it was named to the loader: a path for [`load_dir`] and [`load_file`],
    /// the given name for [`from_yaml_str`] and [`from_sources`].
    ///
    /// [`load_dir`]: crate::CharmMetadata::load_dir
    /// [`load_file`]: crate::CharmMetadata::load_file
    /// [`from_yaml_str`]: crate::CharmMetadata::from_yaml_str
    /// [`from_sources`]: crate::CharmMetadata::from_sources
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// A location in `file` at `line` and `column` (both 1-based).
    pub fn new(file: impl Into<String>, line: usize, column: usize) -> Self {
        Self {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Something odd but not fatal in the metadata, such as an unknown key.
///
/// Displays as `file:line:column: message` (or just the message when there is no location).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// Where the problem was written, when known.
    pub location: Option<Location>,
    /// What is odd and what to do about it.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why charm metadata could not be loaded.
///
/// Every message starts lowercase, names the file, line and column when the problem is in
/// a file, and ends with what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// The directory holds neither `charmcraft.yaml` nor `metadata.yaml`.
    #[error(
        "no charm metadata in `{}`: looked for {}; run this in the charm's directory or \
         create `charmcraft.yaml` there",
        dir.display(),
        looked_for.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(" and ")
    )]
    NotFound {
        /// The directory that was searched.
        dir: PathBuf,
        /// The file names that were looked for, in order.
        looked_for: Vec<&'static str>,
    },

    /// A metadata file exists but could not be read.
    #[error("cannot read `{}`: {error}; check that the file is readable", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// What the operating system reported. Its text is part of this error's message,
        /// so it is not also returned by [`source`](std::error::Error::source).
        error: std::io::Error,
    },

    /// A file is not valid YAML.
    #[error("{location}: invalid YAML: {message}; {hint}")]
    Yaml {
        /// Where the YAML parser stopped.
        location: Location,
        /// The parser's description of the problem.
        message: String,
        /// What to do about it.
        hint: String,
    },

    /// A metadata file is a FIFO, a device, a socket or a directory: reading it could
    /// block forever or never end.
    #[error(
        "`{}` is {what}, not a regular file; metadata must be a plain file: replace it with \
         one",
        path.display()
    )]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead: "a FIFO", "a directory", ...
        what: &'static str,
    },

    /// A metadata file holds only a path, the way a symbolic link checked out as a plain
    /// file does, and the path leads out of the charm's directory. Such links are followed
    /// only to files inside it.
    #[error(
        "`{}` holds only the path `{target}`, as a symbolic link checked out as a plain file \
         does, but that path leads out of the charm's directory `{}`; links are followed only \
         to files inside it: replace `{}` with the file it names",
        path.display(),
        dir.display(),
        path.display()
    )]
    LinkOutside {
        /// The file holding the path.
        path: PathBuf,
        /// The path it holds.
        target: String,
        /// The charm's directory.
        dir: PathBuf,
    },

    /// A file is beyond one of the [limits](crate::limits) that keep loading fast on
    /// hostile input: too large, nested too deeply, with too long a key, or expanding
    /// too much through aliases.
    #[error("{location}: {message}; {hint}")]
    Limit {
        /// The file, and where in it the limit was met (line 1, column 1 for the file
        /// size).
        location: Location,
        /// Which limit.
        limit: crate::limits::Limit,
        /// What goes past the limit.
        message: String,
        /// What to do about it.
        hint: String,
    },

    /// A known key has a value of the wrong type or shape, a required key is missing, or
    /// the files contradict each other.
    #[error("{location}: {message}; {hint}")]
    Invalid {
        /// Where the offending key was written (its nearest enclosing key when the key
        /// itself is missing or inside a flow collection).
        location: Location,
        /// The key path in the merged model, such as `requires.db.interface`; empty for
        /// the document root.
        key_path: String,
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: String,
    },
}

impl MetadataError {
    /// The error for a file beyond `limit`, met at `location`.
    pub(crate) fn limit(location: Location, limit: crate::limits::Limit) -> Self {
        Self::Limit {
            message: limit.message(&location.file),
            hint: limit.hint().to_owned(),
            location,
            limit,
        }
    }

    /// Where in which file the problem was found, if it is in a file.
    pub fn location(&self) -> Option<&Location> {
        match self {
            Self::Yaml { location, .. }
            | Self::Invalid { location, .. }
            | Self::Limit { location, .. } => Some(location),
            Self::NotFound { .. }
            | Self::Io { .. }
            | Self::NotAFile { .. }
            | Self::LinkOutside { .. } => None,
        }
    }

    /// The key path in the merged model that the error is about, if any.
    pub fn key_path(&self) -> Option<&str> {
        match self {
            Self::Invalid { key_path, .. } => Some(key_path),
            Self::NotFound { .. }
            | Self::Io { .. }
            | Self::Yaml { .. }
            | Self::NotAFile { .. }
            | Self::LinkOutside { .. }
            | Self::Limit { .. } => None,
        }
    }
}
