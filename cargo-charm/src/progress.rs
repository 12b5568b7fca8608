//! Status, warning and error lines on stderr, in cargo's style: a right-aligned bold
//! green verb (`   Packing ...`), `warning:` in bold yellow, `error:` in bold red.
//!
//! [`init`] fixes once, at start-up, whether to colour (from `--color`, which clap fills
//! from `CARGO_TERM_COLOR` when not given, then `NO_COLOR` and whether stderr is a
//! terminal) and whether `-q` silences the status lines. Warnings, notes and errors are
//! never silenced. Before `init` (as a hook tool, or in unit tests) nothing is coloured.

use std::io::{self, IsTerminal, Write};
use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};

use crate::args::ColorWhen;

/// How the lines look, fixed for the whole process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Settings {
    /// Colour the labels.
    pub(crate) color: bool,
    /// Leave out the status lines (`-q`).
    pub(crate) quiet: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Fixes the settings from the command line and the environment. Only the first call
/// counts.
pub(crate) fn init(when: ColorWhen, quiet: bool) {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let color = color_enabled(when, no_color, io::stderr().is_terminal());
    let _ = SETTINGS.set(Settings { color, quiet });
}

/// The settings [`init`] fixed, or the plain defaults before it.
pub(crate) fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Whether to colour: `--color always` and `never` decide; `auto` colours a terminal
/// unless `NO_COLOR` is set (to anything but the empty string, as no-color.org says).
fn color_enabled(when: ColorWhen, no_color: bool, terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && !no_color,
    }
}

/// cargo's `Compiling`, `Finished`.
const STATUS: Style = AnsiColor::Green.on_default().bold();
/// cargo's `warning`.
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
/// cargo's `error`.
const ERROR: Style = AnsiColor::Red.on_default().bold();
/// cargo's `note`.
const NOTE: Style = AnsiColor::Cyan.on_default().bold();
/// The colon after a label.
const BOLD: Style = Style::new().bold();

/// `verb` right-aligned in 12 columns, then the message, as cargo prints `Compiling`.
fn status_line(verb: &str, message: &str, color: bool) -> String {
    if color {
        format!("{STATUS}{verb:>12}{STATUS:#} {message}\n")
    } else {
        format!("{verb:>12} {message}\n")
    }
}

/// `label: message`, the label in `style` and the colon in bold, as cargo prints them.
fn labelled_line(label: &str, style: Style, message: &str, color: bool) -> String {
    if color {
        format!("{style}{label}{style:#}{BOLD}:{BOLD:#} {message}\n")
    } else {
        format!("{label}: {message}\n")
    }
}

/// Writes `line` to stderr in one piece. A stderr that cannot be written to has nobody
/// to tell.
fn emit(line: &str) {
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Prints `verb message` with the verb right-aligned and green, as cargo prints
/// `Compiling ...`; nothing under `-q`.
pub(crate) fn status(verb: &str, message: &str) {
    let settings = settings();
    if !settings.quiet {
        emit(&status_line(verb, message, settings.color));
    }
}

/// Prints `warning: message`.
pub(crate) fn warning(message: &str) {
    emit(&labelled_line(
        "warning",
        WARNING,
        message,
        settings().color,
    ));
}

/// Prints `note: message`.
pub(crate) fn note(message: &str) {
    emit(&labelled_line("note", NOTE, message, settings().color));
}

/// Prints `error: message`.
pub(crate) fn error(message: &str) {
    emit(&labelled_line("error", ERROR, message, settings().color));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_no_color_then_the_terminal() {
        assert!(color_enabled(ColorWhen::Always, true, false));
        assert!(!color_enabled(ColorWhen::Never, false, true));
        assert!(color_enabled(ColorWhen::Auto, false, true));
        assert!(!color_enabled(ColorWhen::Auto, true, true));
        assert!(!color_enabled(ColorWhen::Auto, false, false));
    }

    #[test]
    fn lines_look_like_cargo_s() {
        assert_eq!(
            status_line("Packing", "demo_amd64.charm", false),
            "     Packing demo_amd64.charm\n"
        );
        assert_eq!(
            status_line("Packing", "demo_amd64.charm", true),
            "\x1b[1m\x1b[32m     Packing\x1b[0m demo_amd64.charm\n"
        );
        assert_eq!(
            labelled_line("warning", WARNING, "careful", false),
            "warning: careful\n"
        );
        assert_eq!(
            labelled_line("error", ERROR, "broken", true),
            "\x1b[1m\x1b[31merror\x1b[0m\x1b[1m:\x1b[0m broken\n"
        );
    }
}
