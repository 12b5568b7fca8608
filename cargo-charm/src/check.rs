//! `cargo charm check FILE`: what keeps Juju from running a packed charm.
//!
//! `charmcraft analyse` checks a charm's YAML files and its dispatch's last line,
//! but passes a charm whose `dispatch` is not executable, whose `manifest.yaml` is
//! missing or invalid, or that has nothing for Juju to run at all; Juju then fails
//! at deploy time or at the first hook. This check covers those gaps (see
//! `charmcraft.md` in the project's shared notes), for any charm, however packed.

use std::fmt;
use std::path::Path;

use ops_metadata::limits::MAX_FILE_SIZE;
use ops_metadata::{CharmMetadata, SourceKind};
use yaml_serde::Value;

use crate::archive::{Archive, ArchiveError, Content, EntryInfo, EntryKind, Source};
use crate::metadata::load_options;
use crate::names;
use crate::progress;

/// The most a dispatch script or the head of a program is read for the check.
const HEAD: u64 = 64 * 1024;

/// The architectures Juju knows, by their Juju names.
pub(crate) const JUJU_ARCHITECTURES: [&str; 5] = ["amd64", "arm64", "ppc64el", "s390x", "riscv64"];

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Severity {
    /// Juju will refuse the charm or fail to run it.
    Error,
    /// Works, but is fragile or unusual.
    Warning,
}

/// One problem found in a charm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// How bad it is.
    pub(crate) severity: Severity,
    /// The entry it is about, if any.
    pub(crate) entry: Option<String>,
    /// What is wrong and what to do.
    pub(crate) message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entry {
            Some(entry) => write!(f, "{entry}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Everything the check found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// The problems, in the order they were found.
    pub(crate) findings: Vec<Finding>,
    /// How many entries the charm has.
    pub(crate) entries: usize,
    /// What `dispatch` is, for the summary line.
    pub(crate) dispatch: Option<String>,
}

impl Report {
    fn error(&mut self, entry: &str, message: impl Into<String>) {
        self.push(Severity::Error, Some(entry), message.into());
    }

    fn warning(&mut self, entry: &str, message: impl Into<String>) {
        self.push(Severity::Warning, Some(entry), message.into());
    }

    fn push(&mut self, severity: Severity, entry: Option<&str>, message: String) {
        self.findings.push(Finding {
            severity,
            entry: entry.map(str::to_owned),
            message,
        });
    }

    /// Whether any finding is an error.
    pub(crate) fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|finding| finding.severity == Severity::Error)
    }

    /// Prints the findings and a summary on stderr; `label` names the charm.
    pub(crate) fn print(&self, label: &str) {
        for finding in &self.findings {
            match finding.severity {
                Severity::Error => progress::error(&format!("{label}: {finding}")),
                Severity::Warning => progress::warning(&format!("{label}: {finding}")),
            }
        }
        let errors = self
            .findings
            .iter()
            .filter(|finding| finding.severity == Severity::Error)
            .count();
        let warnings = self.findings.len() - errors;
        let mut summary = format!("{label}: {} entries", self.entries);
        if let Some(dispatch) = &self.dispatch {
            summary.push_str(&format!("; {dispatch}"));
        }
        if errors > 0 {
            summary.push_str(&format!("; {errors} error(s)"));
        }
        if warnings > 0 {
            summary.push_str(&format!("; {warnings} warning(s)"));
        }
        progress::status("Checked", &summary);
    }
}

/// Runs the check on `file` and prints what it found. `Ok(false)` means the charm has
/// errors.
pub(crate) fn run(file: &Path) -> Result<bool, ArchiveError> {
    let report = check_file(file)?;
    report.print(&file.display().to_string());
    Ok(!report.has_errors())
}

/// Checks the charm in `file`.
pub(crate) fn check_file(file: &Path) -> Result<Report, ArchiveError> {
    check_archive(Archive::open(file)?)
}

/// Checks an opened charm. Reading is bounded: each YAML file is inflated to at most
/// [`MAX_FILE_SIZE`] and parsed within `ops-metadata`'s limits, and of `dispatch` and the
/// program it runs only the first 64 KiB are inflated, so a hostile charm (a zip bomb,
/// deeply nested YAML) costs little time and memory.
pub(crate) fn check_archive<R: Source>(mut archive: Archive<R>) -> Result<Report, ArchiveError> {
    let mut report = Report {
        entries: archive.entries.len(),
        ..Report::default()
    };
    check_entries(&archive, &mut report);
    check_metadata(&mut archive, &mut report)?;
    let architectures = check_manifest(&mut archive, &mut report)?;
    check_dispatch(&mut archive, &architectures, &mut report)?;
    Ok(report)
}

/// Paths, duplicates, links and Unix permissions of every entry.
fn check_entries<R: Source>(archive: &Archive<R>, report: &mut Report) {
    let mut seen = std::collections::HashSet::new();
    let mut without_modes = Vec::new();
    for entry in &archive.entries {
        let name = entry.name.as_str();
        if !seen.insert(name) {
            report.error(
                name,
                "appears twice in the zip; unpacking keeps only one of them",
            );
        }
        if name.starts_with('/') || name.contains('\\') || name.split('/').any(|part| part == "..")
        {
            report.error(
                name,
                "is not a plain relative path; Juju refuses to unpack entries that are absolute \
                 or climb out with `..`",
            );
        }
        if entry.kind == EntryKind::Symlink {
            report.warning(
                name,
                "is a symbolic link; Juju accepts only relative links that stay in the charm, \
                 and plain files are safer",
            );
        }
        if entry.kind == EntryKind::File && entry.permissions_for_juju() == 0 {
            without_modes.push(name);
        }
    }
    if !without_modes.is_empty() {
        let mut list: Vec<String> = without_modes
            .iter()
            .take(5)
            .map(|name| format!("`{name}`"))
            .collect();
        if without_modes.len() > list.len() {
            list.push(format!("{} more", without_modes.len() - list.len()));
        }
        report.push(
            Severity::Warning,
            None,
            format!(
                "no Unix permissions on {}: Juju unpacks such entries non-executable, whatever \
                 else they claim; write the zip with Unix permissions (`cargo charm pack` does)",
                list.join(", ")
            ),
        );
    }
}

/// The content of a YAML file of the charm, or `None` with an error reported if it
/// inflates past [`MAX_FILE_SIZE`].
fn read_yaml_file<R: Source>(
    archive: &mut Archive<R>,
    name: &str,
    report: &mut Report,
) -> Result<Option<Vec<u8>>, ArchiveError> {
    Ok(match archive.read_whole(name, MAX_FILE_SIZE as u64)? {
        None => None,
        Some(Content::Whole(bytes)) => Some(bytes),
        Some(Content::TooLarge) => {
            report.error(
                name,
                format!(
                    "inflates to more than {MAX_FILE_SIZE} bytes, the most a charm's YAML file \
                     may hold (real ones hold a few KB); not read further"
                ),
            );
            None
        }
    })
}

/// metadata.yaml, config.yaml and actions.yaml parse, and metadata has what Juju requires.
fn check_metadata<R: Source>(
    archive: &mut Archive<R>,
    report: &mut Report,
) -> Result<(), ArchiveError> {
    const METADATA: &str = "metadata.yaml";
    if archive.entry(METADATA).is_none() {
        report.error(
            METADATA,
            "is missing; Juju refuses a charm without it (it holds the charm's name, summary \
             and relations)",
        );
    }
    match read_yaml_file(archive, METADATA, report)? {
        None => {}
        Some(bytes) => match parse(SourceKind::Metadata, METADATA, &bytes) {
            // The parser's messages start with the file and position.
            Err(message) => report.push(Severity::Error, None, message),
            Ok(metadata) => {
                for warning in &metadata.warnings {
                    report.push(Severity::Warning, None, warning.to_string());
                }
                if let Some(problem) = names::charm_name_problem(&metadata.name) {
                    report.error(METADATA, problem);
                }
                for (key, value) in [
                    ("summary", &metadata.summary),
                    ("description", &metadata.description),
                ] {
                    if value.as_deref().is_none_or(|text| text.trim().is_empty()) {
                        report.error(
                            METADATA,
                            format!("has no `{key}`; Juju refuses a charm without one"),
                        );
                    }
                }
            }
        },
    }
    for (kind, name) in [
        (SourceKind::Config, "config.yaml"),
        (SourceKind::Actions, "actions.yaml"),
    ] {
        if let Some(bytes) = read_yaml_file(archive, name, report)? {
            match parse(kind, name, &bytes) {
                Err(message) => report.push(Severity::Error, None, message),
                Ok(parsed) => {
                    for warning in &parsed.warnings {
                        report.push(Severity::Warning, None, warning.to_string());
                    }
                }
            }
        }
    }
    Ok(())
}

/// Parses one metadata file with the same parser the macros use, keeping the last of a
/// key written twice as Juju does. A config or actions file is parsed beside a stub
/// metadata.yaml, which the parser needs for the name.
fn parse(kind: SourceKind, name: &str, bytes: &[u8]) -> Result<CharmMetadata, String> {
    let text =
        std::str::from_utf8(bytes).map_err(|error| format!("{name}: is not UTF-8: {error}"))?;
    let options = load_options();
    let result = match kind {
        SourceKind::Metadata | SourceKind::Charmcraft => {
            options.load_sources(&[(kind, name, text)])
        }
        SourceKind::Config | SourceKind::Actions => options.load_sources(&[
            (
                SourceKind::Metadata,
                "(stub)",
                "name: stub\nsummary: stub\ndescription: stub\n",
            ),
            (kind, name, text),
        ]),
    };
    result.map_err(|error| error.to_string())
}

/// manifest.yaml exists and its bases are what Juju accepts. Returns the declared
/// architectures.
fn check_manifest<R: Source>(
    archive: &mut Archive<R>,
    report: &mut Report,
) -> Result<Vec<String>, ArchiveError> {
    const MANIFEST: &str = "manifest.yaml";
    if archive.entry(MANIFEST).is_none() {
        report.error(
            MANIFEST,
            "is missing; Juju 4 refuses a charm without manifest bases, and Juju 3 accepts one \
             only with the deprecated `series` in metadata.yaml",
        );
        return Ok(Vec::new());
    }
    let Some(bytes) = read_yaml_file(archive, MANIFEST, report)? else {
        return Ok(Vec::new());
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        report.error(MANIFEST, "is not UTF-8");
        return Ok(Vec::new());
    };
    let value = match load_options().read_yaml(MANIFEST, text) {
        Ok((value, warnings)) => {
            for warning in warnings {
                report.push(Severity::Warning, None, warning.to_string());
            }
            value
        }
        // The parser's messages start with the file and position.
        Err(error) => {
            report.push(Severity::Error, None, error.to_string());
            return Ok(Vec::new());
        }
    };
    let Some(bases) = value.get("bases") else {
        report.error(
            MANIFEST,
            "has no `bases`; Juju reads the Ubuntu releases and architectures the charm runs on \
             from it",
        );
        return Ok(Vec::new());
    };
    let Some(bases) = bases.as_sequence().filter(|bases| !bases.is_empty()) else {
        report.error(MANIFEST, "`bases` must be a non-empty list");
        return Ok(Vec::new());
    };
    let mut architectures = Vec::new();
    for (index, base) in bases.iter().enumerate() {
        let at = format!("`bases[{index}]`");
        match base.get("name") {
            Some(Value::String(name)) if name == "ubuntu" => {}
            Some(Value::String(name)) => report.error(
                MANIFEST,
                format!("{at} names `{name}`; Juju 4 accepts only `ubuntu`"),
            ),
            _ => report.error(MANIFEST, format!("{at} has no `name` (such as `ubuntu`)")),
        }
        match base.get("channel") {
            Some(Value::String(_)) => {}
            Some(Value::Number(number)) => report.error(
                MANIFEST,
                format!(
                    "{at} has the channel {number} as a number, which Juju's schema refuses; \
                     quote it: '{number}'"
                ),
            ),
            _ => report.error(MANIFEST, format!("{at} has no `channel` (such as '24.04')")),
        }
        match base.get("architectures").map(Value::as_sequence) {
            Some(Some(list)) if !list.is_empty() => {
                for arch in list {
                    match arch.as_str() {
                        Some(arch) if JUJU_ARCHITECTURES.contains(&arch) => {
                            if !architectures.iter().any(|known| known == arch) {
                                architectures.push(arch.to_owned());
                            }
                        }
                        _ => report.error(
                            MANIFEST,
                            format!(
                                "{at} lists the architecture `{}`, which Juju does not know; use \
                                 one of {}",
                                yaml_inline(arch),
                                JUJU_ARCHITECTURES.join(", ")
                            ),
                        ),
                    }
                }
            }
            _ => report.warning(
                MANIFEST,
                format!("{at} lists no `architectures`; Juju then assumes any"),
            ),
        }
    }
    Ok(architectures)
}

fn yaml_inline(value: &Value) -> String {
    yaml_serde::to_string(value)
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

/// What the kernel would make of a file.
enum Executable {
    /// An ELF binary for this Juju architecture (or a description of a foreign one).
    Elf(Result<&'static str, String>),
    /// A `#!` script.
    Script(String),
    /// Neither.
    Unknown,
}

/// Reads enough of `name` to tell what it is.
fn inspect<R: Source>(archive: &mut Archive<R>, name: &str) -> Result<Executable, ArchiveError> {
    let Some(head) = archive.read_at_most(name, HEAD)? else {
        return Ok(Executable::Unknown);
    };
    if head.starts_with(b"\x7fELF") {
        return Ok(Executable::Elf(elf_architecture(&head)));
    }
    if head.starts_with(b"#!") {
        return Ok(Executable::Script(
            String::from_utf8_lossy(&head).into_owned(),
        ));
    }
    Ok(Executable::Unknown)
}

/// The Juju architecture of an ELF header, or a description of what it is instead.
pub(crate) fn elf_architecture(header: &[u8]) -> Result<&'static str, String> {
    let (Some(&data), Some(machine)) = (header.get(5), header.get(18..20)) else {
        return Err("a truncated ELF file".into());
    };
    let machine = match data {
        1 => u16::from_le_bytes([machine[0], machine[1]]),
        2 => u16::from_be_bytes([machine[0], machine[1]]),
        _ => return Err("an ELF file of unknown byte order".into()),
    };
    match (machine, data) {
        (62, 1) => Ok("amd64"),
        (183, 1) => Ok("arm64"),
        (21, 1) => Ok("ppc64el"),
        (22, 2) => Ok("s390x"),
        (243, 1) => Ok("riscv64"),
        (3, _) => Err("a 32-bit x86 binary".into()),
        (40, _) => Err("a 32-bit ARM binary".into()),
        _ => Err(format!("an ELF binary for machine type {machine}")),
    }
}

/// The kernel must be able to run `dispatch` (directly or through what its last line
/// runs), with permissions as Juju unpacks them.
fn check_dispatch<R: Source>(
    archive: &mut Archive<R>,
    architectures: &[String],
    report: &mut Report,
) -> Result<(), ArchiveError> {
    const DISPATCH: &str = "dispatch";
    let Some(entry) = archive.entry(DISPATCH).cloned() else {
        if archive.entries.iter().any(|e| e.name.starts_with("hooks/")) {
            report.warning(
                DISPATCH,
                "is missing; Juju falls back to the files in `hooks/`, the way charms worked \
                 before Juju 2.8",
            );
        } else {
            report.error(
                DISPATCH,
                "is missing, and there is no `hooks/` either: Juju has nothing to run for any \
                 event",
            );
        }
        return Ok(());
    };
    if !runnable(
        &entry,
        DISPATCH,
        "Juju runs `dispatch` only when it is executable, and then does not fall back to `hooks/`",
        report,
    ) {
        return Ok(());
    }
    match inspect(archive, DISPATCH)? {
        Executable::Elf(arch) => {
            check_architecture(DISPATCH, &arch, architectures, report);
            report.dispatch = Some(match arch {
                Ok(arch) => format!("dispatch is the charm's {arch} binary"),
                Err(what) => format!("dispatch is {what}"),
            });
        }
        Executable::Script(text) => {
            let Some(target) = entrypoint(&text, report) else {
                return Ok(());
            };
            report.dispatch = Some(format!("dispatch runs `{target}`"));
            let name = target.trim_start_matches("./").to_owned();
            let Some(program) = archive.entry(&name).cloned() else {
                report.error(
                    DISPATCH,
                    format!("runs `{target}`, which is not in the charm"),
                );
                return Ok(());
            };
            let why = "`dispatch` runs it, and Juju keeps the zip's permissions";
            if runnable(&program, &name, why, report)
                && let Executable::Elf(arch) = inspect(archive, &name)?
            {
                check_architecture(&name, &arch, architectures, report);
            }
        }
        Executable::Unknown => report.error(
            DISPATCH,
            "is neither a script (`#!...`) nor an ELF binary, so the kernel cannot run it",
        ),
    }
    Ok(())
}

/// Whether `entry` is a regular file Juju unpacks as executable; reports why not.
fn runnable(entry: &EntryInfo, name: &str, why: &str, report: &mut Report) -> bool {
    if entry.kind != EntryKind::File {
        let kind = match entry.kind {
            EntryKind::Directory => "a directory",
            EntryKind::Symlink => "a symbolic link",
            EntryKind::File => "a file",
        };
        report.error(name, format!("is {kind}, not a regular file"));
        return false;
    }
    if entry.executable_for_juju() {
        return true;
    }
    let message = match entry.made_by {
        Some(made_by) if !made_by.keeps_unix_modes() => format!(
            "is marked as made on {}, so Juju takes no Unix permissions from it and unpacks it \
             non-executable; {why}",
            made_by.name()
        ),
        _ => format!(
            "is not executable (mode {:04o}); {why}",
            entry.permissions_for_juju()
        ),
    };
    report.error(name, message);
    false
}

fn check_architecture(
    name: &str,
    arch: &Result<&'static str, String>,
    architectures: &[String],
    report: &mut Report,
) {
    match arch {
        Ok(arch) if architectures.is_empty() || architectures.iter().any(|a| a == arch) => {}
        Ok(arch) => report.error(
            name,
            format!(
                "is an {arch} binary, but manifest.yaml declares {}",
                architectures.join(", ")
            ),
        ),
        Err(what) => report.error(
            name,
            format!("is {what}, which runs on no architecture Juju knows"),
        ),
    }
}

/// The program the last line of a dispatch script runs, as `charmcraft analyse` reads
/// it: the last word of the last non-empty line.
fn entrypoint(script: &str, report: &mut Report) -> Option<String> {
    let Some(line) = script
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty() && !line.starts_with('#'))
    else {
        report.error("dispatch", "is a script with no command in it");
        return None;
    };
    let words = shell_words(line);
    let Some(last) = words.last() else {
        report.error("dispatch", "is a script with no command in it");
        return None;
    };
    if last.contains(['$', '`']) {
        report.error(
            "dispatch",
            format!(
                "ends with `{last}`, not with the program it runs; `charmcraft analyse` and this \
                 check take the last word of the last line as the program: end it with, say, \
                 `exec ./bin/<name>`"
            ),
        );
        return None;
    }
    if last.starts_with('/') {
        report.warning(
            "dispatch",
            format!("runs `{last}`, outside the charm; cannot check that it exists"),
        );
        return None;
    }
    Some(last.clone())
}

/// Splits a shell command line into words: whitespace separates, quotes group, a
/// backslash escapes, `#` at a word's start begins a comment.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            '#' if word.is_none() => break,
            '\'' => {
                let text = word.get_or_insert_with(String::new);
                text.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '"' => {
                let text = word.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => text.extend(chars.next()),
                        c => text.push(c),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_split_like_sh() {
        assert_eq!(shell_words("exec ./bin/x"), ["exec", "./bin/x"]);
        assert_eq!(
            shell_words(r#"A="a b" exec './my bin' c\ d # comment"#),
            ["A=a b", "exec", "./my bin", "c d"]
        );
        assert_eq!(
            shell_words("exec ./bin/x \"$@\""),
            ["exec", "./bin/x", "$@"]
        );
        assert!(shell_words("  ").is_empty());
    }

    #[test]
    fn entrypoints() {
        let mut report = Report::default();
        assert_eq!(
            entrypoint("#!/bin/sh\nexec ./bin/x\n\n", &mut report).as_deref(),
            Some("./bin/x")
        );
        assert_eq!(
            entrypoint("#!/bin/sh\nexec ./bin/x \"$@\"\n", &mut report),
            None
        );
        assert!(report.findings[0].message.contains("ends with `$@`"));
        assert_eq!(entrypoint("#!/bin/sh\n", &mut report), None);
    }

    #[test]
    fn elf_architectures() {
        let mut header = vec![0_u8; 20];
        header[..4].copy_from_slice(b"\x7fELF");
        header[5] = 1;
        header[18] = 62;
        assert_eq!(elf_architecture(&header), Ok("amd64"));
        header[18] = 183;
        assert_eq!(elf_architecture(&header), Ok("arm64"));
        header[5] = 2;
        header[18] = 0;
        header[19] = 22;
        assert_eq!(elf_architecture(&header), Ok("s390x"));
        header[5] = 1;
        header[18] = 3;
        header[19] = 0;
        assert_eq!(elf_architecture(&header), Err("a 32-bit x86 binary".into()));
        assert!(elf_architecture(&header[..10]).is_err());
    }

    /// Property tests: a `.charm` from anywhere gives a report or a typed error, never a
    /// panic, whatever its bytes; reading is bounded by the limits, not asserted here.
    mod properties {
        use std::io::{Cursor, Write};
        use std::path::Path;

        use proptest::prelude::*;
        use zip::write::SimpleFileOptions;
        use zip::{CompressionMethod, ZipWriter};

        use super::super::check_archive;
        use crate::archive::Archive;

        /// One entry to zip: name, content, mode, whether deflated.
        type Entry = (String, Vec<u8>, u32, bool);

        fn zip(entries: &[Entry]) -> Vec<u8> {
            let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
            for (name, data, mode, deflated) in entries {
                let method = if *deflated {
                    CompressionMethod::Deflated
                } else {
                    CompressionMethod::Stored
                };
                let options = SimpleFileOptions::default()
                    .compression_method(method)
                    .unix_permissions(*mode);
                // A name the writer refuses (a duplicate) is left out.
                if zip.start_file(name.as_str(), options).is_ok() {
                    zip.write_all(data).expect("write to memory");
                }
            }
            zip.finish().expect("finish in memory").into_inner()
        }

        fn valid() -> Vec<Entry> {
            let elf = {
                let mut header = vec![0_u8; 64];
                header[..4].copy_from_slice(b"\x7fELF");
                header[4] = 2;
                header[5] = 1;
                header[18] = 62;
                header
            };
            vec![
                (
                    "metadata.yaml".into(),
                    b"name: demo\nsummary: s\ndescription: d\n".to_vec(),
                    0o644,
                    true,
                ),
                (
                    "manifest.yaml".into(),
                    b"bases:\n- name: ubuntu\n  channel: '24.04'\n  architectures: [amd64]\n"
                        .to_vec(),
                    0o644,
                    true,
                ),
                (
                    "actions.yaml".into(),
                    b"go: {params: {x: {type: string}}}\n".to_vec(),
                    0o644,
                    false,
                ),
                (
                    "dispatch".into(),
                    b"#!/bin/sh\nexec ./bin/demo\n".to_vec(),
                    0o755,
                    true,
                ),
                ("bin/demo".into(), elf, 0o755, true),
            ]
        }

        /// Checks `bytes` as a charm: a report or an error, never a panic.
        fn check_bytes(bytes: Vec<u8>) {
            if let Ok(archive) = Archive::from_source(Path::new("p.charm"), Cursor::new(bytes))
                && let Ok(report) = check_archive(archive)
            {
                for finding in &report.findings {
                    assert!(!finding.to_string().is_empty());
                }
            }
        }

        const NAMES: &[&str] = &[
            "metadata.yaml",
            "manifest.yaml",
            "config.yaml",
            "actions.yaml",
            "dispatch",
            "bin/demo",
            "hooks/install",
            "../escape",
            "/abs",
            "dir/",
        ];

        const YAML: &[&str] = &[
            "name: demo\n",
            "summary: s\n",
            "description: d\n",
            "bases:\n",
            "- name: ubuntu\n",
            "  channel: '24.04'\n",
            "  architectures: [amd64]\n",
            "options:\n",
            "  a: {type: int}\n",
            "[",
            "{",
            "]",
            "}",
            "&a [x]\n",
            "b: *a\n",
            "go: {}\n",
            "go: {}\n",
            "#!/bin/sh\n",
            "exec ./bin/demo\n",
            "\x7fELF",
            "\0\0\0",
            ": ",
            "- ",
            "'",
            "\"",
        ];

        fn entry() -> impl Strategy<Value = Entry> {
            (
                prop_oneof![
                    prop::sample::select(NAMES).prop_map(str::to_owned),
                    "[a-z/.]{1,12}",
                ],
                prop::collection::vec(prop::sample::select(YAML), 0..12)
                    .prop_map(|pieces| pieces.concat().into_bytes()),
                prop_oneof![Just(0o644_u32), Just(0o755), Just(0o120_777), any::<u32>()],
                any::<bool>(),
            )
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(128))]

            /// Generated charms, with names, contents and modes good and bad.
            #[test]
            fn generated_charms_are_checked(entries in prop::collection::vec(entry(), 0..8)) {
                check_bytes(zip(&entries));
            }

            /// A valid charm's bytes, mutated.
            #[test]
            fn mutated_charms_are_checked(
                changes in prop::collection::vec((any::<usize>(), any::<u8>()), 1..16),
                cut in any::<usize>(),
                truncate in any::<bool>(),
            ) {
                let mut bytes = zip(&valid());
                for (at, byte) in changes {
                    let at = at % bytes.len();
                    bytes[at] = byte;
                }
                if truncate {
                    bytes.truncate(cut % (bytes.len() + 1));
                }
                check_bytes(bytes);
            }

            /// Any bytes at all, and bytes that start like a zip.
            #[test]
            fn any_bytes_are_checked(
                mut bytes in prop::collection::vec(any::<u8>(), 0..2048),
                zip_like in any::<bool>(),
            ) {
                if zip_like {
                    bytes.splice(0..0, *b"PK\x03\x04");
                    bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
                }
                check_bytes(bytes);
            }
        }
    }
}
