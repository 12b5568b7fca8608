//! Which glibc a binary needs, against what the charm's Ubuntu bases ship.
//!
//! A binary linked against glibc records, for each glibc symbol it uses, the
//! version that symbol first appeared in (`GLIBC_2.34`, ...), and the loader refuses
//! to start it on an older glibc. The newest such version string in the file is what
//! the binary needs; scanning the bytes for them is a good enough reading of the
//! dynamic symbol versions.

use std::fmt;

/// A glibc version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(pub(crate) u32, pub(crate) u32, pub(crate) u32);

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.2 {
            0 => write!(f, "{}.{}", self.0, self.1),
            patch => write!(f, "{}.{}.{patch}", self.0, self.1),
        }
    }
}

/// The newest `GLIBC_x.y[.z]` version the binary refers to; `None` for a binary that
/// does not link glibc (such as a static musl build).
pub(crate) fn required(binary: &[u8]) -> Option<Version> {
    const MARKER: &[u8] = b"GLIBC_";
    let mut newest = None;
    let mut rest = binary;
    while let Some(at) = find(rest, MARKER) {
        rest = &rest[at + MARKER.len()..];
        if let Some(version) = parse_version(rest) {
            newest = newest.max(Some(version));
        }
    }
    newest
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `2.34` or `2.3.4`, ended by a byte that cannot continue a version.
fn parse_version(bytes: &[u8]) -> Option<Version> {
    let end = bytes
        .iter()
        .position(|b| !(b.is_ascii_digit() || *b == b'.'))
        .unwrap_or(bytes.len());
    if bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let text = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut numbers = text.split('.').map(str::parse::<u32>);
    let major = numbers.next()?.ok()?;
    let minor = numbers.next()?.ok()?;
    let patch = match numbers.next() {
        None => 0,
        Some(patch) => patch.ok()?,
    };
    if numbers.next().is_some() {
        return None;
    }
    Some(Version(major, minor, patch))
}

/// The glibc an Ubuntu release ships, for the releases this tool knows.
pub(crate) fn ubuntu(channel: &str) -> Option<Version> {
    // `22.04/stable` and the like name the same release.
    let release = channel.split('/').next().unwrap_or(channel);
    let (major, minor) = match release {
        "18.04" => (2, 27),
        "20.04" => (2, 31),
        "22.04" => (2, 35),
        "23.04" => (2, 37),
        "23.10" => (2, 38),
        "24.04" => (2, 39),
        "24.10" => (2, 40),
        "25.04" => (2, 41),
        "25.10" => (2, 42),
        _ => return None,
    };
    Some(Version(major, minor, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_version_in_the_bytes() {
        let binary = b"\0GLIBC_2.2.5\0GLIBC_2.34\0GLIBC_PRIVATE\0GLIBC_2.3.4\0GLIBC_2.33\0";
        assert_eq!(required(binary), Some(Version(2, 34, 0)));
        assert_eq!(required(b"no glibc here"), None);
        assert_eq!(required(b"GLIBC_2.x GLIBC_"), None);
        assert_eq!(Version(2, 34, 0).to_string(), "2.34");
        assert_eq!(Version(2, 2, 5).to_string(), "2.2.5");
    }

    #[test]
    fn ubuntu_releases() {
        assert_eq!(ubuntu("22.04"), Some(Version(2, 35, 0)));
        assert_eq!(ubuntu("20.04/stable"), Some(Version(2, 31, 0)));
        assert_eq!(ubuntu("24.04"), Some(Version(2, 39, 0)));
        assert_eq!(ubuntu("99.04"), None);
        assert!(Version(2, 34, 0) < Version(2, 35, 0));
        assert!(Version(2, 3, 4) < Version(2, 34, 0));
    }
}
