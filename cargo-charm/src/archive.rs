//! Writing and reading `.charm` zips.
//!
//! Juju takes each file's permissions from the zip, and only from entries marked as
//! made on Unix (it reads them with Go's `archive/zip`): a `dispatch` without Unix
//! permissions is unpacked non-executable and Juju refuses to run it. So every entry
//! written here carries Unix permissions, and [`Archive`] reports each entry's
//! "made by" system, which the `zip` crate does not expose.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// Permissions of an executable entry.
pub(crate) const EXECUTABLE: u32 = 0o755;
/// Permissions of any other entry.
pub(crate) const REGULAR: u32 = 0o644;

/// An entry read whole, up to a limit on its inflated size: a zip bomb inflates a
/// few hundred bytes into gigabytes, and the sizes a zip declares can lie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Content {
    /// The whole content.
    Whole(Vec<u8>),
    /// The entry inflates to more than the limit; nothing past it was inflated.
    TooLarge,
}

/// A file to write into a charm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewEntry {
    /// Its path in the charm, with `/` separators.
    pub(crate) name: String,
    /// Its permission bits.
    pub(crate) mode: u32,
    /// Its content.
    pub(crate) data: Vec<u8>,
}

impl NewEntry {
    /// A 0644 file.
    pub(crate) fn regular(name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            mode: REGULAR,
            data: data.into(),
        }
    }

    /// A 0755 file.
    pub(crate) fn executable(name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            name: name.into(),
            mode: EXECUTABLE,
            data: data.into(),
        }
    }
}

/// Why a charm could not be written or read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ArchiveError {
    /// The file system failed.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// The path is a FIFO, a device, a directory or a socket: opening it could block
    /// forever, and a zip must be read from a seekable file.
    #[error("`{}` is not a regular file; give the path of a `.charm` file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The zip library failed, or the file is not a zip.
    #[error("cannot {action} `{}` as a zip: {source}", path.display())]
    Zip {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The failure.
        #[source]
        source: zip::result::ZipError,
    },
}

/// Writes `entries` to `path` as a reproducible zip: sorted by name, deflated, with
/// Unix permissions and the 1980-01-01 timestamp zip's epoch gives. The file is
/// written beside `path` and renamed into place, so a failed write leaves no half charm.
pub(crate) fn write(path: &Path, mut entries: Vec<NewEntry>) -> Result<(), ArchiveError> {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let partial = path.with_extension("charm.partial");
    let zip_error = |source| ArchiveError::Zip {
        action: "write",
        path: partial.clone(),
        source,
    };
    let file = File::create(&partial).map_err(|source| ArchiveError::Io {
        action: "create",
        path: partial.clone(),
        source,
    })?;
    let mut zip = ZipWriter::new(io::BufWriter::new(file));
    for entry in &entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .unix_permissions(entry.mode)
            .last_modified_time(DateTime::default())
            .large_file(entry.data.len() >= 0xFFFF_FFFF);
        zip.start_file(entry.name.as_str(), options)
            .map_err(zip_error)?;
        zip.write_all(&entry.data)
            .map_err(|source| ArchiveError::Io {
                action: "write",
                path: partial.clone(),
                source,
            })?;
    }
    let mut writer = zip.finish().map_err(zip_error)?;
    writer.flush().map_err(|source| ArchiveError::Io {
        action: "write",
        path: partial.clone(),
        source,
    })?;
    drop(writer);
    fs::rename(&partial, path).map_err(|source| ArchiveError::Io {
        action: "rename into",
        path: path.to_path_buf(),
        source,
    })
}

/// What a zip entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link (its content is the target).
    Symlink,
}

/// The system a zip entry says it was made on (the high byte of "version made by").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MadeBy(pub(crate) u8);

impl MadeBy {
    /// Whether Go's `archive/zip`, and so Juju, takes Unix permissions from the entry.
    pub(crate) fn keeps_unix_modes(self) -> bool {
        // 3: Unix, 19: OS X (Darwin).
        matches!(self.0, 3 | 19)
    }

    /// The system's name, as the zip specification calls it.
    pub(crate) fn name(self) -> &'static str {
        match self.0 {
            0 => "MS-DOS",
            3 => "Unix",
            10 => "Windows NTFS",
            11 => "MVS",
            14 => "VFAT",
            19 => "OS X",
            _ => "an unknown system",
        }
    }
}

/// One entry of a charm, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EntryInfo {
    /// Its path in the zip.
    pub(crate) name: String,
    /// File, directory or link.
    pub(crate) kind: EntryKind,
    /// Its Unix mode bits (type and permissions), if the entry has any.
    pub(crate) unix_mode: Option<u32>,
    /// The system it was made on, when the central directory could be read.
    pub(crate) made_by: Option<MadeBy>,
    /// Its inflated size.
    pub(crate) size: u64,
}

impl EntryInfo {
    /// The permissions Juju gives the unpacked file: the Unix ones if the entry was
    /// made on Unix, none otherwise (Go reads DOS attributes as 0666 at most).
    pub(crate) fn permissions_for_juju(&self) -> u32 {
        match (self.made_by, self.unix_mode) {
            (Some(made_by), Some(mode)) if made_by.keeps_unix_modes() => mode & 0o7777,
            (None, Some(mode)) => mode & 0o7777,
            _ => 0,
        }
    }

    /// Whether Juju would find the unpacked file executable.
    pub(crate) fn executable_for_juju(&self) -> bool {
        self.permissions_for_juju() & 0o111 != 0
    }
}

/// Anything a zip can be read from: a file, or bytes in memory (in tests).
pub(crate) trait Source: Read + Seek {}

impl<T: Read + Seek> Source for T {}

/// A charm opened for checking.
pub(crate) struct Archive<R: Source = File> {
    path: PathBuf,
    zip: ZipArchive<R>,
    /// Every entry, in central directory order.
    pub(crate) entries: Vec<EntryInfo>,
    /// Index into `entries` by name (the first, when a name repeats).
    by_name: HashMap<String, usize>,
}

impl Archive {
    /// Opens `path` and lists its entries.
    pub(crate) fn open(path: &Path) -> Result<Self, ArchiveError> {
        let io_error = |source| ArchiveError::Io {
            action: "open",
            path: path.to_path_buf(),
            source,
        };
        // Opening a FIFO for reading waits for a writer: look before opening.
        if !fs::metadata(path).map_err(io_error)?.is_file() {
            return Err(ArchiveError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        let file = File::open(path).map_err(io_error)?;
        Self::from_source(path, file)
    }
}

impl<R: Source> Archive<R> {
    /// Lists the entries of the zip in `source`; `path` names it in errors.
    pub(crate) fn from_source(path: &Path, mut source: R) -> Result<Self, ArchiveError> {
        // The raw central directory is only needed for the "made by" system; if it
        // cannot be read, the zip library's error below says why.
        let made_by = central_directory(&mut source).unwrap_or_default();
        let mut zip = ZipArchive::new(source).map_err(|source| ArchiveError::Zip {
            action: "read",
            path: path.to_path_buf(),
            source,
        })?;
        let mut entries = Vec::with_capacity(zip.len());
        for index in 0..zip.len() {
            let entry = zip
                .by_index_raw(index)
                .map_err(|source| ArchiveError::Zip {
                    action: "read",
                    path: path.to_path_buf(),
                    source,
                })?;
            let kind = if entry.is_dir() {
                EntryKind::Directory
            } else if entry.is_symlink() {
                EntryKind::Symlink
            } else {
                EntryKind::File
            };
            entries.push(EntryInfo {
                name: entry.name().to_owned(),
                kind,
                unix_mode: entry.unix_mode(),
                made_by: made_by.get(entry.name()).copied(),
                size: entry.size(),
            });
        }
        let mut by_name = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            by_name.entry(entry.name.clone()).or_insert(index);
        }
        Ok(Self {
            path: path.to_path_buf(),
            zip,
            entries,
            by_name,
        })
    }

    /// The entry called `name`.
    pub(crate) fn entry(&self, name: &str) -> Option<&EntryInfo> {
        self.by_name.get(name).map(|&index| &self.entries[index])
    }

    /// The whole content of `name` if it inflates to at most `limit` bytes, or `None` if
    /// there is no such entry. At most `limit + 1` bytes are ever inflated.
    pub(crate) fn read_whole(
        &mut self,
        name: &str,
        limit: u64,
    ) -> Result<Option<Content>, ArchiveError> {
        let Some(mut data) = self.read_at_most(name, limit.saturating_add(1))? else {
            return Ok(None);
        };
        if data.len() as u64 > limit {
            data.clear();
            return Ok(Some(Content::TooLarge));
        }
        Ok(Some(Content::Whole(data)))
    }

    /// The first `limit` bytes of `name`, or `None` if there is no such entry.
    pub(crate) fn read_at_most(
        &mut self,
        name: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, ArchiveError> {
        let Some(&index) = self.by_name.get(name) else {
            return Ok(None);
        };
        let path = self.path.clone();
        let entry = self
            .zip
            .by_index(index)
            .map_err(|source| ArchiveError::Zip {
                action: "read",
                path: path.clone(),
                source,
            })?;
        let mut data = Vec::new();
        entry
            .take(limit)
            .read_to_end(&mut data)
            .map_err(|source| ArchiveError::Io {
                action: "inflate an entry of",
                path,
                source,
            })?;
        Ok(Some(data))
    }
}

/// The "made by" system of each entry, read from the zip's central directory.
fn central_directory(file: &mut impl Source) -> io::Result<HashMap<String, MadeBy>> {
    const EOCD: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
    const EOCD64_LOCATOR: [u8; 4] = [0x50, 0x4b, 0x06, 0x07];
    const EOCD64: [u8; 4] = [0x50, 0x4b, 0x06, 0x06];
    const ENTRY: [u8; 4] = [0x50, 0x4b, 0x01, 0x02];
    const MAX_DIRECTORY: u64 = 256 << 20;
    let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());

    let len = file.seek(SeekFrom::End(0))?;
    // The end record (22 bytes) ends the file, after at most a 64 KiB comment.
    let tail_len = len.min(22 + 0xFFFF);
    let tail_start = len - tail_len;
    let tail = read_exact_at(file, tail_start, tail_len)?;
    let end = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&at| tail[at..].starts_with(&EOCD))
        .ok_or_else(|| invalid("no end of central directory record"))?;
    let end_at = tail_start + end as u64;
    let mut count = u64::from(le16(&tail, end + 10)?);
    let mut size = u64::from(le32(&tail, end + 12)?);
    let mut directory_end = end_at;
    if count == 0xFFFF || size == 0xFFFF_FFFF || le32(&tail, end + 16)? == 0xFFFF_FFFF {
        // Zip64: a locator right before the end record points at the zip64 end record.
        let locator_at = end_at
            .checked_sub(20)
            .ok_or_else(|| invalid("no zip64 locator"))?;
        let locator = read_exact_at(file, locator_at, 20)?;
        if !locator.starts_with(&EOCD64_LOCATOR) {
            return Err(invalid("no zip64 locator"));
        }
        let record_at = le64(&locator, 8)?;
        let record = read_exact_at(file, record_at, 56)?;
        if !record.starts_with(&EOCD64) {
            return Err(invalid("no zip64 end record"));
        }
        count = le64(&record, 32)?;
        size = le64(&record, 40)?;
        directory_end = record_at;
    }
    if size > MAX_DIRECTORY {
        return Err(invalid("central directory too large"));
    }
    // Measured back from its end, so that data prepended to the zip does not matter.
    let start = directory_end
        .checked_sub(size)
        .ok_or_else(|| invalid("central directory before the start of the file"))?;
    let directory = read_exact_at(file, start, size)?;
    let mut systems = HashMap::new();
    let mut at = 0;
    for _ in 0..count {
        if !directory
            .get(at..)
            .is_some_and(|rest| rest.starts_with(&ENTRY))
        {
            return Err(invalid("bad central directory entry"));
        }
        let system = *directory
            .get(at + 5)
            .ok_or_else(|| invalid("truncated central directory"))?;
        let name_len = usize::from(le16(&directory, at + 28)?);
        let extra_len = usize::from(le16(&directory, at + 30)?);
        let comment_len = usize::from(le16(&directory, at + 32)?);
        let name = directory
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| invalid("truncated central directory"))?;
        systems
            .entry(String::from_utf8_lossy(name).into_owned())
            .or_insert(MadeBy(system));
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(systems)
}

fn read_exact_at(file: &mut impl Source, at: u64, len: u64) -> io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(at))?;
    let mut buffer = Vec::new();
    file.take(len).read_to_end(&mut buffer)?;
    if buffer.len() as u64 != len {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "zip record past the end of the file",
        ));
    }
    Ok(buffer)
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> io::Result<[u8; N]> {
    bytes
        .get(at..at + N)
        .and_then(|slice| <[u8; N]>::try_from(slice).ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "truncated zip record"))
}

fn le16(bytes: &[u8], at: usize) -> io::Result<u16> {
    field(bytes, at).map(u16::from_le_bytes)
}

fn le32(bytes: &[u8], at: usize) -> io::Result<u32> {
    field(bytes, at).map(u32::from_le_bytes)
}

fn le64(bytes: &[u8], at: usize) -> io::Result<u64> {
    field(bytes, at).map(u64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cargo-charm-archive-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn writes_sorted_unix_entries_and_reads_them_back() {
        let path = scratch("round-trip.charm");
        let entries = vec![
            NewEntry::regular("metadata.yaml", "name: x\n"),
            NewEntry::executable("dispatch", "#!/bin/sh\n"),
            NewEntry::regular("config.yaml", "options: {}\n"),
        ];
        write(&path, entries.clone()).unwrap();
        let first = fs::read(&path).unwrap();
        write(&path, entries.into_iter().rev().collect()).unwrap();
        assert_eq!(fs::read(&path).unwrap(), first, "not reproducible");

        let mut archive = Archive::open(&path).unwrap();
        let names: Vec<&str> = archive.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["config.yaml", "dispatch", "metadata.yaml"]);
        let dispatch = archive.entry("dispatch").unwrap().clone();
        assert_eq!(dispatch.made_by, Some(MadeBy(3)));
        assert_eq!(dispatch.permissions_for_juju(), 0o755);
        assert!(dispatch.executable_for_juju());
        assert!(!archive.entry("config.yaml").unwrap().executable_for_juju());
        assert_eq!(
            archive.read_whole("metadata.yaml", 1024).unwrap(),
            Some(Content::Whole(b"name: x\n".to_vec()))
        );
        assert_eq!(
            archive.read_whole("metadata.yaml", 7).unwrap(),
            Some(Content::TooLarge)
        );
        assert_eq!(archive.read_whole("missing", 1024).unwrap(), None);
        fs::remove_file(&path).unwrap();
    }

    #[test]
    fn entries_made_on_dos_are_not_executable_for_juju() {
        let entry = EntryInfo {
            name: "dispatch".into(),
            kind: EntryKind::File,
            unix_mode: Some(0o100_755),
            made_by: Some(MadeBy(0)),
            size: 1,
        };
        assert!(!entry.executable_for_juju());
    }

    /// A zip64 end record that claims 2^40 entries in a file of 98 bytes.
    fn zip64_claiming_entries(count: u64) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&[0x50, 0x4b, 0x06, 0x06]);
        bytes.extend_from_slice(&44_u64.to_le_bytes());
        bytes.extend_from_slice(&[45, 3, 45, 0]);
        bytes.extend_from_slice(&0_u32.to_le_bytes());
        bytes.extend_from_slice(&0_u32.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&46_u64.to_le_bytes());
        bytes.extend_from_slice(&(count * 2).to_le_bytes());
        bytes.extend_from_slice(&[0x50, 0x4b, 0x06, 0x07]);
        bytes.extend_from_slice(&0_u32.to_le_bytes());
        bytes.extend_from_slice(&0_u64.to_le_bytes());
        bytes.extend_from_slice(&1_u32.to_le_bytes());
        bytes.extend_from_slice(&[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
        bytes.extend_from_slice(&[0xff; 12]);
        bytes.extend_from_slice(&[0, 0]);
        bytes
    }

    #[test]
    fn a_directory_claiming_more_entries_than_fit_is_refused() {
        for count in [1 << 40, 1 << 20, 3] {
            let bytes = zip64_claiming_entries(count);
            let result = Archive::from_source(Path::new("x.charm"), io::Cursor::new(bytes));
            assert!(result.is_err(), "{count}");
        }
    }

    #[test]
    fn not_a_zip() {
        let path = scratch("not-a-zip.charm");
        fs::write(&path, "hello").unwrap();
        let error = Archive::open(&path).err().unwrap();
        assert!(error.to_string().contains("as a zip"), "{error}");
        fs::remove_file(&path).unwrap();
    }
}
