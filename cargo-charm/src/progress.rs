//! Progress and warning lines on stderr, in cargo's style.

/// Prints `verb message` with the verb right-aligned, as cargo prints `Compiling ...`.
pub(crate) fn status(verb: &str, message: &str) {
    eprintln!("{verb:>12} {message}");
}

/// Prints `warning: message`.
pub(crate) fn warning(message: &str) {
    eprintln!("warning: {message}");
}

/// Prints `note: message`.
pub(crate) fn note(message: &str) {
    eprintln!("note: {message}");
}
