//! Command-line parsing, with nothing but the standard library.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// What the user asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command {
    /// Print the general help, or a command's.
    Help(Option<Topic>),
    /// Print the version.
    Version,
    /// `metadata [DIR]`: print the merged metadata as JSON.
    Metadata {
        /// The charm's directory.
        dir: PathBuf,
    },
}

/// A command that has its own help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Metadata,
}

impl Topic {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "metadata" => Some(Self::Metadata),
            _ => None,
        }
    }

    /// The help text of this command.
    pub(crate) fn help(self) -> &'static str {
        match self {
            Self::Metadata => METADATA_HELP,
        }
    }
}

/// The general help.
pub(crate) const HELP: &str = "\
Tools for Juju charms written in Rust

Usage: cargo charm <COMMAND> [ARGS]

Commands:
  metadata [DIR]   Print the charm's merged metadata as JSON
  help [COMMAND]   Print this help, or a command's

Options:
  -h, --help       Print help
  -V, --version    Print version
";

const METADATA_HELP: &str = "\
Print the charm's merged metadata as JSON

Reads whichever of charmcraft.yaml, metadata.yaml, config.yaml and actions.yaml exist in
DIR, merges them the way charmcraft does, and prints the result on stdout. Warnings (such
as unknown keys) go to stderr. Exits with 1 if the metadata is invalid.

Usage: cargo charm metadata [DIR]

Arguments:
  [DIR]  The charm's directory [default: .]

Options:
  -h, --help  Print help
";

/// A mistake in the command line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UsageError {
    message: String,
    topic: Option<Topic>,
}

impl UsageError {
    fn new(message: String, topic: Option<Topic>) -> Self {
        Self { message, topic }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let help = match self.topic {
            Some(Topic::Metadata) => "cargo charm metadata --help",
            None => "cargo charm --help",
        };
        write!(f, "{}; see `{help}`", self.message)
    }
}

/// Parses the arguments after the program name. When run as `cargo charm ...`, cargo
/// passes `charm` first; it is skipped.
pub(crate) fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter().peekable();
    if args.peek().is_some_and(|arg| arg == "charm") {
        args.next();
    }
    let Some(command) = args.next() else {
        return Ok(Command::Help(None));
    };
    match command.to_str() {
        Some("-h" | "--help") => Ok(Command::Help(None)),
        Some("-V" | "--version") => Ok(Command::Version),
        Some("help") => match args.next() {
            None => Ok(Command::Help(None)),
            Some(name) => match name.to_str().and_then(Topic::from_name) {
                Some(topic) => Ok(Command::Help(Some(topic))),
                None => Err(unknown_command(&name)),
            },
        },
        Some("metadata") => metadata(args),
        _ => Err(unknown_command(&command)),
    }
}

fn unknown_command(name: &OsString) -> UsageError {
    UsageError::new(
        format!("unknown command `{}`", name.to_string_lossy()),
        None,
    )
}

/// `metadata [--] [DIR]`.
fn metadata(args: impl Iterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut dir = None;
    let mut options_done = false;
    for arg in args {
        let text = arg.to_string_lossy();
        if !options_done && text.starts_with('-') && text.len() > 1 {
            match &*text {
                "-h" | "--help" => return Ok(Command::Help(Some(Topic::Metadata))),
                "--" => options_done = true,
                _ => {
                    return Err(UsageError::new(
                        format!("unknown option `{text}` for `metadata`"),
                        Some(Topic::Metadata),
                    ));
                }
            }
            continue;
        }
        if dir.is_some() {
            return Err(UsageError::new(
                format!("unexpected argument `{text}`: `metadata` takes one directory"),
                Some(Topic::Metadata),
            ));
        }
        dir = Some(PathBuf::from(arg));
    }
    Ok(Command::Metadata {
        dir: dir.unwrap_or_else(|| PathBuf::from(".")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn cargo_and_direct_invocations() {
        let expected = Command::Metadata {
            dir: PathBuf::from("charm"),
        };
        assert_eq!(parse_strs(&["charm", "metadata", "charm"]), Ok(expected));
        let expected = Command::Metadata {
            dir: PathBuf::from("charm"),
        };
        assert_eq!(parse_strs(&["metadata", "charm"]), Ok(expected));
        assert_eq!(
            parse_strs(&["metadata"]),
            Ok(Command::Metadata {
                dir: PathBuf::from(".")
            })
        );
        let expected = Command::Metadata {
            dir: PathBuf::from("-odd"),
        };
        assert_eq!(parse_strs(&["metadata", "--", "-odd"]), Ok(expected));
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse_strs(&[]), Ok(Command::Help(None)));
        assert_eq!(parse_strs(&["charm"]), Ok(Command::Help(None)));
        assert_eq!(parse_strs(&["charm", "--help"]), Ok(Command::Help(None)));
        assert_eq!(
            parse_strs(&["help", "metadata"]),
            Ok(Command::Help(Some(Topic::Metadata)))
        );
        assert_eq!(
            parse_strs(&["metadata", "-h"]),
            Ok(Command::Help(Some(Topic::Metadata)))
        );
        assert_eq!(parse_strs(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn usage_errors() {
        let error = parse_strs(&["pack"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown command `pack`; see `cargo charm --help`"
        );
        let error = parse_strs(&["metadata", "a", "b"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unexpected argument `b`: `metadata` takes one directory; see `cargo charm metadata \
             --help`"
        );
        assert!(parse_strs(&["metadata", "--json"]).is_err());
    }
}
