//! The charm project's own files that go into the charm beside the binary and the
//! metadata: what `pack` zips, and what `sim` lays out in its charm directory, so that
//! what the simulator runs is what Juju unpacks.
//!
//! Three kinds, each kept at its path relative to the charm's directory:
//!
//! - the optional files charmcraft also ships ([`EXTRA_FILES`]: `LICENSE`,
//!   `README.md`, `icon.svg`, `lxd-profile.yaml`, `version`);
//! - the data directories ops-interfaces' components read from the charm's directory
//!   by default ([`DATA_DIRS`]: `src/grafana_dashboards`, `src/prometheus_alert_rules`,
//!   `src/loki_alert_rules`), whole, when the project has them; Python charms ship
//!   them inside their packed `src/`;
//! - whatever the charm's Cargo.toml lists, as cargo's own `package.include` does:
//!
//!   ```toml
//!   [package.metadata.charm]
//!   include = ["src/templates", "files/*.conf"]
//!   ```
//!
//!   Each entry is a path relative to the charm's directory (a directory goes whole)
//!   or a pattern: `*` and `?` match within one name, `**` any number of directories.
//!   As in a shell, a wildcard does not match a name starting with `.` unless the
//!   pattern's name starts with `.` too. An entry that matches nothing is an error
//!   naming it.
//!
//! Bounded: a symbolic link is followed only if it resolves inside the charm's
//! directory (the file it points at is shipped, as charmcraft dereferences links),
//! at most [`MAX_FILES`] files and [`MAX_TOTAL_BYTES`] bytes in all, and never a
//! name `pack` writes itself ([`GENERATED`]). FIFOs, sockets and devices are left out
//! with a warning.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use ops_interfaces::{grafana_dashboard, loki_push_api, prometheus_scrape};
use serde_json::Value;

use crate::archive::{EXECUTABLE, NewEntry, REGULAR};
use crate::pack::build::{self, BuildError, human_size};
use crate::progress;

/// Files a charm project may have that go into the charm as they are.
pub(crate) const EXTRA_FILES: &[&str] = &[
    "LICENSE",
    "README.md",
    "icon.svg",
    "lxd-profile.yaml",
    "version",
];

/// The directories, relative to the charm's directory, that ops-interfaces'
/// components read at run time unless told otherwise.
pub(crate) const DATA_DIRS: &[&str] = &[
    grafana_dashboard::DEFAULT_DASHBOARDS_DIR,
    prometheus_scrape::DEFAULT_ALERT_RULES_DIR,
    loki_push_api::DEFAULT_ALERT_RULES_DIR,
];

/// Entries `pack` writes itself, which no project file may replace.
pub(crate) const GENERATED: &[&str] = &[
    "actions.yaml",
    "config.yaml",
    "dispatch",
    "manifest.yaml",
    "metadata.yaml",
];

/// The most bytes of project files a charm ships: Juju downloads and unpacks the charm
/// on every unit. Large data belongs in a resource.
pub(crate) const MAX_TOTAL_BYTES: u64 = 64_000_000;

/// The most project files a charm ships.
pub(crate) const MAX_FILES: usize = 10_000;

/// How deep directories are walked (links to directories can make cycles).
const MAX_DEPTH: usize = 64;

/// The keys of `[package.metadata.charm]`.
const METADATA_KEYS: &[&str] = &["include"];

/// Where in Cargo.toml the explicit list is.
const INCLUDE_KEY: &str = "[package.metadata.charm] include";

/// Why the project's files could not be listed, read or copied.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FilesError {
    /// `[package.metadata.charm]` is not what cargo-charm reads.
    #[error("Cargo.toml: {0}")]
    Metadata(String),
    /// An explicit include is not a plain relative path or pattern.
    #[error(
        "Cargo.toml: `{INCLUDE_KEY}` lists `{pattern}`, which {why}; list paths relative to \
         the charm's directory, with `/` between names"
    )]
    Pattern {
        /// The entry as written.
        pattern: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// An explicit include names a path that does not exist.
    #[error(
        "Cargo.toml: `{INCLUDE_KEY}` lists `{pattern}`, but `{}` does not exist; create it or \
         remove it from the list",
        path.display()
    )]
    Missing {
        /// The entry as written.
        pattern: String,
        /// The path it names.
        path: PathBuf,
    },
    /// An explicit include's pattern matches no file.
    #[error(
        "Cargo.toml: `{INCLUDE_KEY}` lists `{pattern}`, which matches nothing in `{}`; fix the \
         pattern or remove it from the list",
        dir.display()
    )]
    NoMatch {
        /// The entry as written.
        pattern: String,
        /// The charm's directory.
        dir: PathBuf,
    },
    /// A file to ship is a symbolic link that leads out of the charm's directory.
    #[error(
        "`{}` leads out of the charm's directory `{}` (it resolves to `{}`); `cargo charm \
         pack` packs only files inside it: copy the file in instead of linking to it",
        path.display(),
        dir.display(),
        target.display()
    )]
    Outside {
        /// The file in the charm's directory.
        path: PathBuf,
        /// Where it resolves to.
        target: PathBuf,
        /// The charm's directory.
        dir: PathBuf,
    },
    /// A file's name cannot be a zip entry Juju unpacks.
    #[error(
        "`{}` has a name Juju cannot unpack (not UTF-8, or with a `\\`); rename it or leave \
         it out",
        .0.display()
    )]
    Name(PathBuf),
    /// A project file would replace an entry `pack` writes.
    #[error(
        "`{}` would go into the charm as `{name}`, which `cargo charm pack` writes itself \
         (from charmcraft.yaml or the binary); remove it from `{INCLUDE_KEY}`",
        path.display()
    )]
    Generated {
        /// The entry name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// Too many bytes to ship.
    #[error(
        "the charm's files pass {} with `{}` ({} so far); ship large data as a resource \
         (`resources:` in charmcraft.yaml) or list less in `{INCLUDE_KEY}`",
        human_size(MAX_TOTAL_BYTES),
        path.display(),
        human_size(*total)
    )]
    TooLarge {
        /// The file that crossed the limit.
        path: PathBuf,
        /// The bytes counted with it.
        total: u64,
    },
    /// Too many files to ship.
    #[error(
        "the charm's files pass {MAX_FILES} files with `{}`; list less in `{INCLUDE_KEY}`",
        .0.display()
    )]
    TooMany(PathBuf),
    /// Directories nest deeper than [`MAX_DEPTH`] (a link making a cycle, usually).
    #[error(
        "`{}` is more than {MAX_DEPTH} directories deep (a symbolic link making a cycle?); \
         remove the link or leave the directory out",
        .0.display()
    )]
    TooDeep(PathBuf),
    /// A file could not be read or written.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// `cargo metadata` failed (sim only: pack reads the package itself).
    #[error(transparent)]
    Cargo(#[from] BuildError),
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> FilesError + use<> {
    let path = path.to_path_buf();
    move |source| FilesError::Io {
        action,
        path,
        source,
    }
}

/// One file the charm ships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProjectFile {
    /// Its path in the charm, with `/` separators.
    pub(crate) name: String,
    /// Where it is read from.
    pub(crate) source: PathBuf,
    /// Its permission bits in the charm: 0755 if the file is executable, else 0644.
    pub(crate) mode: u32,
    /// Its size when listed.
    pub(crate) size: u64,
}

/// The files of one source (a data directory, an include entry, the extra files),
/// for the status lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Group {
    /// What is shown: the path or pattern.
    pub(crate) label: String,
    /// How many files it matched.
    pub(crate) files: usize,
    /// Their bytes.
    pub(crate) bytes: u64,
}

/// The project's files that go into the charm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProjectFiles {
    /// Each file once, by its name in the charm.
    pub(crate) files: BTreeMap<String, ProjectFile>,
    /// Where they came from, in the order listed.
    pub(crate) groups: Vec<Group>,
    /// Paths that are neither files nor directories (FIFOs, sockets, devices).
    pub(crate) skipped: Vec<PathBuf>,
    total: u64,
}

/// The explicit list, `include` under `[package.metadata.charm]`, from the `metadata`
/// of the package as `cargo metadata` gives it (`null` when there is none).
pub(crate) fn include_list(package_metadata: &Value) -> Result<Vec<String>, FilesError> {
    let charm = match package_metadata {
        Value::Null => return Ok(Vec::new()),
        Value::Object(fields) => match fields.get("charm") {
            None => return Ok(Vec::new()),
            Some(Value::Object(charm)) => charm,
            Some(_) => {
                return Err(FilesError::Metadata(
                    "`package.metadata.charm` must be a table, as `[package.metadata.charm]`"
                        .into(),
                ));
            }
        },
        _ => return Ok(Vec::new()),
    };
    if let Some(key) = charm
        .keys()
        .find(|key| !METADATA_KEYS.contains(&key.as_str()))
    {
        return Err(FilesError::Metadata(format!(
            "`[package.metadata.charm]` has no key `{key}`; cargo-charm reads {}",
            METADATA_KEYS
                .iter()
                .map(|key| format!("`{key}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let Some(include) = charm.get("include") else {
        return Ok(Vec::new());
    };
    let not_a_list = || {
        FilesError::Metadata(format!(
            "`{INCLUDE_KEY}` must be a list of paths, as `include = [\"src/templates\"]`"
        ))
    };
    include
        .as_array()
        .ok_or_else(not_a_list)?
        .iter()
        .map(|entry| entry.as_str().map(str::to_owned).ok_or_else(not_a_list))
        .collect()
}

/// The files the charm in `dir` ships for sim: as for `pack`, with the explicit list
/// read from the charm's Cargo.toml (none without one, as for a `--prebuilt` charm).
pub(crate) fn for_project(dir: &Path) -> Result<ProjectFiles, FilesError> {
    let manifest = dir.join("Cargo.toml");
    let include = if manifest.is_file() {
        let manifest = fs::canonicalize(&manifest).map_err(io_error("resolve", &manifest))?;
        include_list(&build::package(&manifest)?.metadata)?
    } else {
        Vec::new()
    };
    collect(dir, &include)
}

/// Lists the files the charm in `dir` ships: [`EXTRA_FILES`] and [`DATA_DIRS`] that
/// exist, then every entry of `include`.
pub(crate) fn collect(dir: &Path, include: &[String]) -> Result<ProjectFiles, FilesError> {
    let root = fs::canonicalize(dir).map_err(io_error("resolve", dir))?;
    let mut walker = Walker {
        dir,
        root: &root,
        found: ProjectFiles::default(),
        group_files: 0,
        group_bytes: 0,
    };
    let mut extras = Vec::new();
    for name in EXTRA_FILES {
        let path = dir.join(name);
        if path.is_file() {
            extras.push(*name);
            walker.add(name, &path, 0)?;
        }
    }
    walker.close_group(extras.join(", "));
    for data_dir in DATA_DIRS {
        let path = dir.join(data_dir);
        // `symlink_metadata`: a dangling link is there, and an error below.
        if fs::symlink_metadata(&path).is_ok() {
            walker.add(data_dir, &path, 0)?;
            walker.close_group(format!("{data_dir}/"));
        }
    }
    for pattern in include {
        let components = pattern_components(pattern)?;
        if components.iter().any(|component| is_pattern(component)) {
            let mut matches = BTreeMap::new();
            expand(dir, &components, "", 0, &mut matches)?;
            if matches.is_empty() {
                return Err(FilesError::NoMatch {
                    pattern: pattern.clone(),
                    dir: dir.to_path_buf(),
                });
            }
            for (name, path) in matches {
                walker.add(&name, &path, 0)?;
            }
        } else {
            let name = components.join("/");
            let path = dir.join(&name);
            if fs::symlink_metadata(&path).is_err() {
                return Err(FilesError::Missing {
                    pattern: pattern.clone(),
                    path,
                });
            }
            walker.add(&name, &path, 0)?;
        }
        walker.close_group(pattern.clone());
    }
    Ok(walker.found)
}

impl ProjectFiles {
    /// Prints an `Including` status line per source, and a warning per path left out.
    pub(crate) fn report(&self) {
        for group in &self.groups {
            let files = if group.files == 1 { "file" } else { "files" };
            progress::status(
                "Including",
                &format!(
                    "{} ({} {files}, {})",
                    group.label,
                    group.files,
                    human_size(group.bytes)
                ),
            );
        }
        for path in &self.skipped {
            progress::warning(&format!(
                "`{}` is not a regular file or directory (a FIFO, socket or device); it is \
                 left out of the charm",
                path.display()
            ));
        }
    }

    /// The files as zip entries, read whole (each at most the size it was listed with,
    /// so the total stays within [`MAX_TOTAL_BYTES`]).
    pub(crate) fn entries(&self) -> Result<Vec<NewEntry>, FilesError> {
        self.files
            .values()
            .map(|file| {
                let mut data = Vec::new();
                File::open(&file.source)
                    .and_then(|opened| opened.take(file.size).read_to_end(&mut data))
                    .map_err(io_error("read", &file.source))?;
                Ok(NewEntry {
                    name: file.name.clone(),
                    mode: file.mode,
                    data,
                })
            })
            .collect()
    }

    /// Copies the files into the charm directory `charm_dir`, at their names, with
    /// their modes.
    pub(crate) fn copy_into(&self, charm_dir: &Path) -> Result<(), FilesError> {
        for file in self.files.values() {
            let target = charm_dir.join(&file.name);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io_error("create", parent))?;
            }
            fs::copy(&file.source, &target).map_err(io_error("copy", &file.source))?;
            fs::set_permissions(&target, fs::Permissions::from_mode(file.mode))
                .map_err(io_error("set the permissions of", &target))?;
        }
        Ok(())
    }
}

/// Lists the project's files in the charm `charm_dir` as `pack` ships them: what
/// `sim` calls once its charm directory holds `dispatch` and the metadata.
pub(crate) fn lay_out(dir: &Path, charm_dir: &Path) -> Result<(), FilesError> {
    let files = for_project(dir)?;
    files.report();
    files.copy_into(charm_dir)
}

/// Adds files under the charm's directory, bounded.
struct Walker<'a> {
    /// The charm's directory, as given.
    dir: &'a Path,
    /// The same, resolved.
    root: &'a Path,
    found: ProjectFiles,
    /// Files and bytes the current group matched so far.
    group_files: usize,
    group_bytes: u64,
}

impl Walker<'_> {
    /// Ends the current group: a status line, if it matched anything.
    fn close_group(&mut self, label: String) {
        if self.group_files > 0 {
            self.found.groups.push(Group {
                label,
                files: self.group_files,
                bytes: self.group_bytes,
            });
        }
        self.group_files = 0;
        self.group_bytes = 0;
    }

    /// Adds `path` as `name` in the charm: a file, or a directory's files under it.
    fn add(&mut self, name: &str, path: &Path, depth: usize) -> Result<(), FilesError> {
        if depth > MAX_DEPTH {
            return Err(FilesError::TooDeep(path.to_path_buf()));
        }
        // Through any link, in the path's last name or before it.
        let target = fs::canonicalize(path).map_err(io_error("resolve", path))?;
        if !target.starts_with(self.root) {
            return Err(FilesError::Outside {
                path: path.to_path_buf(),
                target,
                dir: self.dir.to_path_buf(),
            });
        }
        let metadata = fs::metadata(path).map_err(io_error("read", path))?;
        if metadata.is_dir() {
            let mut children = Vec::new();
            for entry in fs::read_dir(path).map_err(io_error("read", path))? {
                let entry = entry.map_err(io_error("read", path))?;
                let child = entry.path();
                let child_name = entry
                    .file_name()
                    .into_string()
                    .map_err(|_| FilesError::Name(child.clone()))?;
                children.push((format!("{name}/{child_name}"), child));
            }
            children.sort();
            for (child_name, child) in children {
                self.add(&child_name, &child, depth + 1)?;
            }
        } else if metadata.is_file() {
            self.add_file(name, path, &metadata)?;
        } else {
            self.found.skipped.push(path.to_path_buf());
        }
        Ok(())
    }

    fn add_file(
        &mut self,
        name: &str,
        path: &Path,
        metadata: &fs::Metadata,
    ) -> Result<(), FilesError> {
        if name.contains('\\') {
            return Err(FilesError::Name(path.to_path_buf()));
        }
        if GENERATED.contains(&name) {
            return Err(FilesError::Generated {
                name: name.to_owned(),
                path: path.to_path_buf(),
            });
        }
        let size = metadata.len();
        self.group_files += 1;
        self.group_bytes = self.group_bytes.saturating_add(size);
        if self.found.files.contains_key(name) {
            return Ok(());
        }
        if self.found.files.len() >= MAX_FILES {
            return Err(FilesError::TooMany(path.to_path_buf()));
        }
        self.found.total = self.found.total.saturating_add(size);
        if self.found.total > MAX_TOTAL_BYTES {
            return Err(FilesError::TooLarge {
                path: path.to_path_buf(),
                total: self.found.total,
            });
        }
        let mode = if metadata.permissions().mode() & 0o111 != 0 {
            EXECUTABLE
        } else {
            REGULAR
        };
        self.found.files.insert(
            name.to_owned(),
            ProjectFile {
                name: name.to_owned(),
                source: path.to_path_buf(),
                mode,
                size,
            },
        );
        Ok(())
    }
}

/// The paths under `dir` (named `prefix` in the charm) that `components` match, by
/// their names in the charm. `**` does not follow links to directories.
fn expand(
    dir: &Path,
    components: &[&str],
    prefix: &str,
    depth: usize,
    out: &mut BTreeMap<String, PathBuf>,
) -> Result<(), FilesError> {
    let Some((first, rest)) = components.split_first() else {
        out.insert(prefix.to_owned(), dir.to_path_buf());
        return Ok(());
    };
    if depth > MAX_DEPTH {
        return Err(FilesError::TooDeep(dir.to_path_buf()));
    }
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}/{name}")
        }
    };
    if !is_pattern(first) {
        let child = dir.join(first);
        if fs::symlink_metadata(&child).is_ok() {
            expand(&child, rest, &join(first), depth + 1, out)?;
        }
        return Ok(());
    }
    if *first == "**" {
        expand(dir, rest, prefix, depth + 1, out)?;
    }
    if !fs::metadata(dir).is_ok_and(|metadata| metadata.is_dir()) {
        return Ok(());
    }
    let mut children = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_error("read", dir))? {
        let entry = entry.map_err(io_error("read", dir))?;
        let child = entry.path();
        // A name that cannot be an entry name matches nothing; listed whole under a
        // directory, it is an error.
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        children.push((name, child));
    }
    children.sort();
    for (name, child) in children {
        if *first == "**" {
            let real_dir = fs::symlink_metadata(&child).is_ok_and(|metadata| metadata.is_dir());
            if real_dir && !name.starts_with('.') {
                expand(&child, components, &join(&name), depth + 1, out)?;
            }
        } else if name_matches(first, &name) {
            expand(&child, rest, &join(&name), depth + 1, out)?;
        }
    }
    Ok(())
}

/// Whether `name` matches the shell pattern `pattern` (`*` any run of characters, `?`
/// one); a leading `.` must be matched by a leading `.`.
fn name_matches(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Greedy with one backtrack point, the last `*`: linear in practice.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some('?') => {
                p += 1;
                n += 1;
            }
            Some(&c) if c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// The `/`-separated names of an include entry, refused if it is not relative, climbs
/// out with `..`, or is empty.
fn pattern_components(pattern: &str) -> Result<Vec<&str>, FilesError> {
    let refuse = |why| FilesError::Pattern {
        pattern: pattern.to_owned(),
        why,
    };
    if pattern.starts_with('/') {
        return Err(refuse("is absolute"));
    }
    if pattern.contains('\\') {
        return Err(refuse("holds a `\\`"));
    }
    let components: Vec<&str> = pattern
        .split('/')
        .filter(|component| !component.is_empty() && *component != ".")
        .collect();
    if components.contains(&"..") {
        return Err(refuse("climbs out of the charm's directory with `..`"));
    }
    if components.is_empty() {
        return Err(refuse("names the whole charm directory"));
    }
    Ok(components)
}

fn is_pattern(component: &str) -> bool {
    component.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty directory of its own for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir()
            .join(format!("cargo-charm-files-{}", std::process::id()))
            .join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn names(files: &ProjectFiles) -> Vec<&str> {
        files.files.keys().map(String::as_str).collect()
    }

    fn include(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|entry| (*entry).to_owned()).collect()
    }

    #[test]
    fn the_data_directories_are_those_ops_interfaces_reads() {
        assert_eq!(
            DATA_DIRS,
            [
                "src/grafana_dashboards",
                "src/prometheus_alert_rules",
                "src/loki_alert_rules"
            ]
        );
    }

    #[test]
    fn names_match_as_in_a_shell() {
        for (pattern, name) in [
            ("*.conf", "a.conf"),
            ("*", "a"),
            ("a?c", "abc"),
            ("*.json*", "x.json.tmpl"),
            ("a*b*c", "aXbYbZc"),
            (".*", ".hidden"),
            ("plain", "plain"),
        ] {
            assert!(name_matches(pattern, name), "{pattern} {name}");
        }
        for (pattern, name) in [
            ("*.conf", "a.confx"),
            ("*", ".hidden"),
            ("a?c", "ac"),
            ("a*b*c", "aXbY"),
            ("plain", "plainer"),
        ] {
            assert!(!name_matches(pattern, name), "{pattern} {name}");
        }
    }

    #[test]
    fn include_entries_must_stay_in_the_charm() {
        assert_eq!(
            pattern_components("./files//a.conf").unwrap(),
            ["files", "a.conf"]
        );
        for (pattern, why) in [
            ("/etc/passwd", "is absolute"),
            ("../secrets", "climbs out"),
            ("files/../../x", "climbs out"),
            ("a\\b", "holds a `\\`"),
            ("", "names the whole charm directory"),
            (".", "names the whole charm directory"),
        ] {
            let error = pattern_components(pattern).unwrap_err().to_string();
            assert!(
                error.contains(why) && error.contains(&format!("`{pattern}`")),
                "{pattern}: {error}"
            );
        }
    }

    #[test]
    fn the_include_list_is_read_from_package_metadata() {
        assert_eq!(include_list(&Value::Null).unwrap(), Vec::<String>::new());
        let metadata = serde_json::json!({"docs": {"rs": true}});
        assert_eq!(include_list(&metadata).unwrap(), Vec::<String>::new());
        let metadata = serde_json::json!({"charm": {"include": ["src/templates", "*.conf"]}});
        assert_eq!(
            include_list(&metadata).unwrap(),
            ["src/templates", "*.conf"]
        );
        let error = include_list(&serde_json::json!({"charm": {"includes": []}}))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "Cargo.toml: `[package.metadata.charm]` has no key `includes`; cargo-charm reads \
             `include`"
        );
        let error = include_list(&serde_json::json!({"charm": {"include": "src"}}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("must be a list of paths"), "{error}");
        let error = include_list(&serde_json::json!({"charm": {"include": [1]}}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("must be a list of paths"), "{error}");
    }

    #[test]
    fn collects_extras_data_directories_and_includes() {
        let dir = scratch("collect");
        write(&dir, "LICENSE", "MIT\n");
        write(&dir, "src/main.rs", "fn main() {}\n");
        write(&dir, "src/grafana_dashboards/a.json", "{}");
        write(&dir, "src/grafana_dashboards/nested/b.json.tmpl", "{}");
        write(&dir, "src/loki_alert_rules/errors.rule", "groups: []\n");
        write(&dir, "src/templates/page.html", "<p>\n");
        write(&dir, "files/a.conf", "a\n");
        write(&dir, "files/b.conf", "b\n");
        write(&dir, "files/.hidden.conf", "h\n");
        write(&dir, "files/notes.txt", "n\n");
        write(&dir, "deep/one/two/x.sh", "#!/bin/sh\n");
        fs::set_permissions(
            dir.join("deep/one/two/x.sh"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let files = collect(
            &dir,
            &include(&["src/templates", "files/*.conf", "deep/**/*.sh", "LICENSE"]),
        )
        .unwrap();
        assert_eq!(
            names(&files),
            [
                "LICENSE",
                "deep/one/two/x.sh",
                "files/a.conf",
                "files/b.conf",
                "src/grafana_dashboards/a.json",
                "src/grafana_dashboards/nested/b.json.tmpl",
                "src/loki_alert_rules/errors.rule",
                "src/templates/page.html",
            ]
        );
        assert_eq!(files.files["deep/one/two/x.sh"].mode, EXECUTABLE);
        assert_eq!(files.files["files/a.conf"].mode, REGULAR);
        let groups: Vec<(&str, usize, u64)> = files
            .groups
            .iter()
            .map(|group| (group.label.as_str(), group.files, group.bytes))
            .collect();
        assert_eq!(
            groups,
            [
                ("LICENSE", 1, 4),
                ("src/grafana_dashboards/", 2, 4),
                ("src/loki_alert_rules/", 1, 11),
                ("src/templates", 1, 4),
                ("files/*.conf", 2, 4),
                ("deep/**/*.sh", 1, 10),
                ("LICENSE", 1, 4),
            ]
        );
        let entries = files.entries().unwrap();
        assert_eq!(entries[0].name, "LICENSE");
        assert_eq!(entries[0].data, b"MIT\n");

        let charm_dir = dir.join("out");
        files.copy_into(&charm_dir).unwrap();
        assert_eq!(
            fs::read_to_string(charm_dir.join("src/templates/page.html")).unwrap(),
            "<p>\n"
        );
        let mode = fs::metadata(charm_dir.join("deep/one/two/x.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    #[test]
    fn a_project_without_data_ships_nothing() {
        let dir = scratch("nothing");
        write(&dir, "src/main.rs", "fn main() {}\n");
        let files = collect(&dir, &[]).unwrap();
        assert!(files.files.is_empty() && files.groups.is_empty());
    }

    #[test]
    fn includes_that_match_nothing_are_errors_naming_them() {
        let dir = scratch("missing");
        write(&dir, "files/a.txt", "a\n");
        let error = collect(&dir, &include(&["src/templates"]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "Cargo.toml: `[package.metadata.charm] include` lists `src/templates`, but `{}` \
                 does not exist; create it or remove it from the list",
                dir.join("src/templates").display()
            )
        );
        let error = collect(&dir, &include(&["files/*.conf"]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("lists `files/*.conf`, which matches nothing"),
            "{error}"
        );
    }

    #[test]
    fn links_out_of_the_charm_are_refused_and_links_inside_followed() {
        let root = scratch("links");
        let dir = root.join("charm");
        write(&root, "private/key", "secret\n");
        write(&dir, "shared/dash.json", "{}");
        fs::create_dir_all(dir.join("src/grafana_dashboards")).unwrap();
        std::os::unix::fs::symlink(
            dir.join("shared/dash.json"),
            dir.join("src/grafana_dashboards/dash.json"),
        )
        .unwrap();
        let files = collect(&dir, &[]).unwrap();
        assert_eq!(names(&files), ["src/grafana_dashboards/dash.json"]);

        std::os::unix::fs::symlink(root.join("private"), dir.join("files")).unwrap();
        let error = collect(&dir, &include(&["files"])).unwrap_err();
        assert!(
            matches!(&error, FilesError::Outside { path, .. } if *path == dir.join("files")),
            "{error}"
        );
        // Through a pattern too.
        let error = collect(&dir, &include(&["files/*"])).unwrap_err();
        assert!(matches!(error, FilesError::Outside { .. }), "{error}");

        // A link making a cycle ends in an error, not a hang.
        let cycle = root.join("cycle");
        fs::create_dir_all(cycle.join("src/prometheus_alert_rules")).unwrap();
        std::os::unix::fs::symlink("..", cycle.join("src/prometheus_alert_rules/up")).unwrap();
        let error = collect(&cycle, &[]).unwrap_err();
        assert!(matches!(error, FilesError::TooDeep(_)), "{error}");
    }

    #[test]
    fn generated_names_and_too_much_data_are_refused() {
        let dir = scratch("limits");
        write(&dir, "metadata.yaml", "name: x\n");
        let error = collect(&dir, &include(&["metadata.yaml"])).unwrap_err();
        assert!(
            matches!(&error, FilesError::Generated { name, .. } if name == "metadata.yaml"),
            "{error}"
        );

        // Sparse: the size counts, not the disk.
        let big = dir.join("data/big.bin");
        fs::create_dir_all(big.parent().unwrap()).unwrap();
        File::create(&big)
            .unwrap()
            .set_len(MAX_TOTAL_BYTES + 1)
            .unwrap();
        let error = collect(&dir, &include(&["data"])).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!(
                "the charm's files pass 64.0 MB with `{}` (64.0 MB so far); ship large data as \
                 a resource",
                big.display()
            )),
            "{error}"
        );
    }
}
