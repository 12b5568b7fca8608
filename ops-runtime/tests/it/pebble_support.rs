//! What the Pebble tests share: starting the emulator and reading the parts of
//! a client error they assert on.

use ops_pebble_emulator::{Mode, Server};
use ops_runtime::pebble::{Error, ErrorKind};

/// A Pebble emulator that answers as Pebble does, on its own socket.
pub(crate) fn emulator() -> Server {
    emulator_with(Mode::Normal)
}

/// A Pebble emulator that misbehaves as `mode` says.
pub(crate) fn emulator_with(mode: Mode) -> Server {
    Server::start_with(mode).expect("start the pebble emulator")
}

/// The HTTP status of an API error.
pub(crate) fn api_status(error: &Error) -> Option<u16> {
    match error {
        Error::Api(api) => Some(api.status),
        _ => None,
    }
}

/// The exit code of a failed exec.
pub(crate) fn exit_code(error: &Error) -> Option<i32> {
    match error {
        Error::Exec(exec) => Some(exec.exit_code),
        _ => None,
    }
}

/// The kind of a per-path file error.
pub(crate) fn path_kind(error: &Error) -> Option<&ErrorKind> {
    match error {
        Error::Path(path) => Some(&path.kind),
        _ => None,
    }
}
