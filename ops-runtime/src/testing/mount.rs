//! A directory of the test's own machine mounted into a [`Container`]: what
//! the test puts there before a run is in the container's file system, and
//! what the charm pushes, creates or removes under the mount's location
//! happens in that directory too, so the test reads it back with
//! [`std::fs`] after the run (ops.testing's `Mount`).
//!
//! ```
//! use ops_runtime::testing::{Container, Mount};
//!
//! let dir = std::env::temp_dir().join(format!("mount-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("site.conf"), "listen 80\n").unwrap();
//!
//! let web = Container::new("web").with_mount("/etc/web", &dir);
//! assert_eq!(web.mounts, [Mount::new("/etc/web", &dir)]);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! [`Container`]: super::Container

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The deepest directory tree a mount's source is read to: a guard against
/// a symlink loop or a mistaken mount of `/`.
const MAX_DEPTH: usize = 32;

/// The most entries a mount's source is read for, for the same reason.
const MAX_ENTRIES: usize = 10_000;

/// One entry of a mount's source: its path relative to the source, its
/// content (`None` for a directory) and its permission bits.
pub(super) type Entry = (String, Option<Vec<u8>>, u32);

/// A local directory mounted at `location` in a
/// [`Container`](super::Container): see [`Container::with_mount`](super::Container::with_mount).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mount {
    /// Where the directory appears in the container: an absolute path.
    pub location: String,
    /// The directory on the test's machine.
    pub source: PathBuf,
}

impl Mount {
    /// `source` mounted at `location`.
    pub fn new(location: impl Into<String>, source: impl AsRef<Path>) -> Self {
        Self {
            location: location.into(),
            source: source.as_ref().to_path_buf(),
        }
    }

    /// The local path of the container path `path` (canonical), if `path` is
    /// at or under this mount's location.
    pub(super) fn local(&self, path: &str) -> Option<PathBuf> {
        let location = self.location.trim_end_matches('/');
        let rest = if path == location {
            ""
        } else {
            path.strip_prefix(location)?.strip_prefix('/')?
        };
        Some(if rest.is_empty() {
            self.source.clone()
        } else {
            self.source.join(rest)
        })
    }

    /// What is wrong with this mount, for the consistency check: the source
    /// must be a directory the harness can read, within the bounds.
    pub(super) fn problem(&self, container: &str) -> Option<String> {
        if !self.location.starts_with('/') {
            return Some(format!(
                "container `{container}` mounts `{}`, which is not an absolute path",
                self.location
            ));
        }
        match self.read() {
            Ok(_) => None,
            Err(error) => Some(format!(
                "container `{container}` mounts {} at `{}`, which cannot be read: {error}",
                self.source.display(),
                self.location
            )),
        }
    }

    /// Every entry under the source, parents first.
    pub(super) fn read(&self) -> io::Result<Vec<Entry>> {
        if !fs::metadata(&self.source)?.is_dir() {
            return Err(io::Error::other("it is not a directory"));
        }
        let mut entries = Vec::new();
        read_dir(&self.source, "", 0, &mut entries)?;
        Ok(entries)
    }
}

fn read_dir(dir: &Path, prefix: &str, depth: usize, entries: &mut Vec<Entry>) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::other(format!(
            "it is more than {MAX_DEPTH} directories deep"
        )));
    }
    let mut children = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
    children.sort_by_key(fs::DirEntry::file_name);
    for child in children {
        if entries.len() >= MAX_ENTRIES {
            return Err(io::Error::other(format!(
                "it holds more than {MAX_ENTRIES} entries"
            )));
        }
        let Some(name) = child.file_name().to_str().map(str::to_owned) else {
            return Err(io::Error::other(format!(
                "the name {:?} is not UTF-8",
                child.file_name()
            )));
        };
        let path = format!("{prefix}{name}");
        let meta = fs::metadata(child.path())?;
        let permissions = permissions(&meta);
        if meta.is_dir() {
            entries.push((path.clone(), None, permissions));
            read_dir(&child.path(), &format!("{path}/"), depth + 1, entries)?;
        } else {
            entries.push((path, Some(fs::read(child.path())?), permissions));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn permissions(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions(meta: &fs::Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else if meta.permissions().readonly() {
        0o444
    } else {
        0o644
    }
}

/// Writes a file the charm pushed to its local path, with its parents.
pub(super) fn write_file(local: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    if let Some(parent) = local.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(local, data)?;
    set_mode(local, mode)
}

/// Creates a directory the charm made, with its parents.
pub(super) fn make_dir(local: &Path, mode: u32) -> io::Result<()> {
    fs::create_dir_all(local)?;
    set_mode(local, mode)
}

/// Removes what the charm removed (a directory with everything in it).
pub(super) fn remove(local: &Path) -> io::Result<()> {
    match fs::symlink_metadata(local) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(local),
        Ok(_) => fs::remove_file(local),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(unix)]
fn set_mode(local: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(local, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_the_location_map_into_the_source() {
        let mount = Mount::new("/etc/web/", "/tmp/src");
        assert_eq!(mount.local("/etc/web"), Some(PathBuf::from("/tmp/src")));
        assert_eq!(
            mount.local("/etc/web/a/b.conf"),
            Some(PathBuf::from("/tmp/src/a/b.conf"))
        );
        assert_eq!(mount.local("/etc/webber"), None);
        assert_eq!(mount.local("/etc"), None);
    }
}
