//! A line scanner that records where each block-mapping key of a YAML document was written.
//!
//! `yaml_serde` values carry no positions, so this module reads the source text a second
//! time. It understands just enough YAML for charm metadata: indentation, `- ` sequence
//! items (their index becomes a path segment), quoted and plain keys, comments, document
//! markers, and values that span several lines (block scalars `|`/`>`, multi-line plain
//! or quoted scalars, multi-line flow collections), whose content is never read as keys.
//! Keys inside flow collections (`{a: 1}`) are not recorded; a lookup falls back to the
//! nearest enclosing key that was.
//!
//! Paths join their segments with `.`: `requires.db.interface`, `containers.app.mounts.0`.
//!
//! The scan stays linear on hostile input: it records nothing nested deeper than
//! [`MAX_DEPTH`](crate::limits::MAX_DEPTH) levels and no path longer than [`MAX_PATH`]
//! bytes (lookups then fall back to the nearest ancestor recorded).

use std::collections::HashMap;
use std::collections::hash_map::Entry::{Occupied, Vacant};

/// The longest key path recorded, in bytes; real paths are under 100.
const MAX_PATH: usize = 256;

/// A 1-based line and column (counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// What the scanner recorded for one key or sequence item.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pos: Pos,
    /// The value's source text when it is a plain (unquoted) scalar on the key's line,
    /// without a trailing comment: `20.10` stays `20.10` although YAML reads it as `20.1`.
    raw: Option<String>,
}

/// The positions of the keys of one YAML document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PositionIndex {
    entries: HashMap<String, Entry>,
    /// Keys written a second time in the same mapping, at the second occurrence.
    duplicates: HashMap<String, Pos>,
    /// The line of a second `---` document marker, if any.
    second_document: Option<usize>,
}

impl PositionIndex {
    /// Scans `text`, never failing: lines it does not understand are skipped.
    pub(crate) fn new(text: &str) -> Self {
        let mut scanner = Scanner::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (number, line) in text.lines().enumerate() {
            scanner.line(number + 1, line);
        }
        scanner.index
    }

    /// Where the key or item at exactly `path` was written.
    pub(crate) fn get(&self, path: &str) -> Option<Pos> {
        self.entries.get(path).map(|entry| entry.pos)
    }

    /// Where the key at `path`, or else its nearest recorded ancestor, was written.
    pub(crate) fn nearest(&self, path: &str) -> Option<Pos> {
        let mut path = path;
        loop {
            if let Some(pos) = self.get(path) {
                return Some(pos);
            }
            path = path.rsplit_once('.')?.0;
        }
    }

    /// The source text of the plain scalar written after the key at `path`.
    pub(crate) fn raw(&self, path: &str) -> Option<&str> {
        self.entries.get(path)?.raw.as_deref()
    }

    /// The second occurrence of the key at `path`, if it was written twice in one mapping.
    pub(crate) fn duplicate(&self, path: &str) -> Option<Pos> {
        self.duplicates.get(path).copied()
    }

    /// The line of the second document marker (`---`) if the text holds several documents.
    pub(crate) fn second_document(&self) -> Option<usize> {
        self.second_document
    }
}

/// One open level of nesting.
#[derive(Debug)]
struct Frame {
    /// Column (0-based) of the key or of the `-` indicator.
    indent: usize,
    segment: Segment,
}

#[derive(Debug)]
enum Segment {
    Key(String),
    Item(usize),
}

/// Lines that belong to a multi-line value and must not be scanned for keys.
#[derive(Debug, Default)]
enum Skip {
    #[default]
    Nothing,
    /// Skip non-blank lines indented more than this column.
    DeeperThan(usize),
    /// Skip lines that are indented at least this much (continuation of a plain scalar).
    AtLeast(usize),
    /// Inside a flow collection: skip until the brackets balance.
    Flow(usize),
}

#[derive(Debug, Default)]
struct Scanner {
    stack: Vec<Frame>,
    skip: Skip,
    documents: usize,
    index: PositionIndex,
}

impl Scanner {
    fn line(&mut self, number: usize, line: &str) {
        if let Skip::Flow(depth) = self.skip {
            let depth = flow_depth(line, depth);
            self.skip = if depth == 0 {
                Skip::Nothing
            } else {
                Skip::Flow(depth)
            };
            return;
        }
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        if content.trim().is_empty() {
            return;
        }
        match self.skip {
            Skip::DeeperThan(column) if indent > column => return,
            Skip::AtLeast(column) if indent >= column => return,
            _ => self.skip = Skip::Nothing,
        }
        if content.starts_with('#') {
            return;
        }
        if indent == 0 && (is_marker(content, "---") || is_marker(content, "...")) {
            if is_marker(content, "---") {
                self.documents += 1;
                if self.documents == 2 || (self.documents == 1 && !self.index.entries.is_empty()) {
                    self.index.second_document.get_or_insert(number);
                }
            }
            self.stack.clear();
            return;
        }
        if indent == 0 && content.starts_with('%') {
            return;
        }
        self.content(number, indent, content);
    }

    /// Scans the part of a line after its indentation.
    fn content(&mut self, number: usize, mut column: usize, mut rest: &str) {
        let mut item_column = None;
        // Sequence indicators, possibly several on one line (`- - x`).
        while let Some(after) = strip_indicator(rest) {
            self.stack.retain(|frame| frame.indent <= column);
            let index = match self.stack.last() {
                Some(Frame {
                    indent,
                    segment: Segment::Item(index),
                }) if *indent == column => {
                    let next = index + 1;
                    self.stack.pop();
                    next
                }
                _ => 0,
            };
            self.push(Frame {
                indent: column,
                segment: Segment::Item(index),
            });
            self.record(number, column, None);
            item_column = Some(column);
            let trimmed = after.trim_start_matches([' ', '\t']);
            // Only ASCII blanks were trimmed: bytes are characters.
            column += 1 + after.len() - trimmed.len();
            rest = trimmed;
        }
        if rest.is_empty() || rest.starts_with('#') {
            return;
        }
        if let Some((key, value)) = split_key(rest) {
            self.stack.retain(|frame| frame.indent < column);
            self.push(Frame {
                indent: column,
                segment: Segment::Key(key),
            });
            let value = value.trim_start_matches([' ', '\t']);
            let raw = self.value(value, column);
            self.record(number, column, raw);
        } else if let Some(item) = item_column {
            // A scalar, block scalar or flow collection as a sequence item.
            if let Some(raw) = self.value(rest, item)
                && self.path_len() <= MAX_PATH
            {
                let path = self.path();
                if let Some(entry) = self.index.entries.get_mut(&path) {
                    entry.raw = Some(raw);
                }
            }
        } else {
            // A value written on the line after its key: the start of a multi-line plain
            // or quoted scalar, a flow collection or a block scalar.
            self.value(rest, column);
            if !matches!(self.skip, Skip::Flow(_)) {
                self.skip = Skip::AtLeast(column);
            }
        }
    }

    /// Sets the skip state for a value that starts on this line; returns its source text
    /// when it is a plain scalar. `owner` is the column of the key or item owning it.
    fn value(&mut self, value: &str, owner: usize) -> Option<String> {
        let value = skip_properties(value);
        if value.is_empty() || value.starts_with('#') {
            return None;
        }
        match value.as_bytes()[0] {
            b'|' | b'>' => {
                self.skip = Skip::DeeperThan(owner);
                None
            }
            b'[' | b'{' => {
                let depth = flow_depth(value, 0);
                if depth > 0 {
                    self.skip = Skip::Flow(depth);
                }
                None
            }
            b'"' | b'\'' => {
                self.skip = Skip::DeeperThan(owner);
                None
            }
            _ => {
                self.skip = Skip::DeeperThan(owner);
                Some(strip_comment(value).to_owned())
            }
        }
    }

    fn path(&self) -> String {
        let mut path = String::new();
        for frame in &self.stack {
            if !path.is_empty() {
                path.push('.');
            }
            match &frame.segment {
                Segment::Key(key) => path.push_str(key),
                Segment::Item(index) => path.push_str(&index.to_string()),
            }
        }
        path
    }

    /// Opens a level, unless the stack is already deeper than anything recorded (which
    /// keeps each line's work bounded).
    fn push(&mut self, frame: Frame) {
        if self.stack.len() <= 2 * crate::limits::MAX_DEPTH {
            self.stack.push(frame);
        }
    }

    fn record(&mut self, line: usize, column: usize, raw: Option<String>) {
        if self.stack.len() > crate::limits::MAX_DEPTH || self.path_len() > MAX_PATH {
            return;
        }
        let path = self.path();
        let pos = Pos {
            line,
            column: column + 1,
        };
        match self.index.entries.entry(path) {
            Occupied(entry) => {
                let path = entry.key().clone();
                self.index.duplicates.entry(path).or_insert(pos);
            }
            Vacant(entry) => {
                entry.insert(Entry { pos, raw });
            }
        }
    }

    /// The length of [`path`](Self::path), without building it.
    fn path_len(&self) -> usize {
        let dots = self.stack.len().saturating_sub(1);
        self.stack
            .iter()
            .map(|frame| match &frame.segment {
                Segment::Key(key) => key.len(),
                // An index has at most 20 digits; counting 20 is enough for a bound.
                Segment::Item(_) => 20,
            })
            .sum::<usize>()
            + dots
    }
}

fn is_marker(content: &str, marker: &str) -> bool {
    content
        .strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// `- x` → `Some(" x")`; `-x` (a plain scalar) → `None`.
fn strip_indicator(rest: &str) -> Option<&str> {
    let after = rest.strip_prefix('-')?;
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(after)
}

/// Skips an anchor (`&a`) or tag (`!t`, `!!str`) before a value.
fn skip_properties(mut value: &str) -> &str {
    while value.starts_with(['&', '!']) {
        let end = value.find([' ', '\t']).unwrap_or(value.len());
        value = value[end..].trim_start_matches([' ', '\t']);
    }
    value
}

/// A plain scalar without its trailing ` # comment` and whitespace.
fn strip_comment(value: &str) -> &str {
    let mut previous_blank = false;
    for (at, ch) in value.char_indices() {
        if ch == '#' && previous_blank {
            return value[..at].trim_end();
        }
        previous_blank = ch == ' ' || ch == '\t';
    }
    value.trim_end()
}

/// The bracket depth after scanning `text` from `depth`, ignoring quoted text and comments.
fn flow_depth(text: &str, mut depth: usize) -> usize {
    let mut chars = text.chars().peekable();
    let mut previous_blank = true;
    while let Some(ch) = chars.next() {
        match ch {
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return 0;
                }
            }
            '"' => {
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '\'' if previous_blank || depth > 0 => {
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        if chars.peek() == Some(&'\'') {
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            '#' if previous_blank => return depth,
            _ => {}
        }
        previous_blank = ch == ' ' || ch == '\t' || ch == ',' || ch == '[' || ch == '{';
    }
    depth
}

/// Splits `key: value` into the (unquoted) key and the text after the colon.
fn split_key(text: &str) -> Option<(String, &str)> {
    let after_colon = |rest: &str| -> Option<usize> {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        let skipped = rest.len() - trimmed.len();
        let after = trimmed.strip_prefix(':')?;
        (after.is_empty() || after.starts_with([' ', '\t'])).then_some(skipped + 1)
    };
    match text.as_bytes().first()? {
        b'"' => {
            let mut key = String::new();
            let mut chars = text.char_indices().skip(1);
            while let Some((at, ch)) = chars.next() {
                match ch {
                    '\\' => match chars.next()?.1 {
                        'n' => key.push('\n'),
                        't' => key.push('\t'),
                        other => key.push(other),
                    },
                    '"' => {
                        let rest = &text[at + 1..];
                        let colon = after_colon(rest)?;
                        return Some((key, &rest[colon..]));
                    }
                    other => key.push(other),
                }
            }
            None
        }
        b'\'' => {
            let mut key = String::new();
            let mut chars = text.char_indices().skip(1).peekable();
            while let Some((at, ch)) = chars.next() {
                if ch == '\'' {
                    if chars.peek().is_some_and(|(_, next)| *next == '\'') {
                        chars.next();
                        key.push('\'');
                        continue;
                    }
                    let rest = &text[at + 1..];
                    let colon = after_colon(rest)?;
                    return Some((key, &rest[colon..]));
                }
                key.push(ch);
            }
            None
        }
        b'[' | b'{' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' => None,
        _ => {
            let mut previous_blank = false;
            for (at, ch) in text.char_indices() {
                match ch {
                    '#' if previous_blank => return None,
                    ':' => {
                        let after = &text[at + 1..];
                        if after.is_empty() || after.starts_with([' ', '\t']) {
                            let key = text[..at].trim_end();
                            return (!key.is_empty()).then(|| (key.to_owned(), after));
                        }
                    }
                    _ => {}
                }
                previous_blank = ch == ' ' || ch == '\t';
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Indexes a raw string, without its first newline.
    fn index(text: &str) -> PositionIndex {
        PositionIndex::new(text.strip_prefix('\n').unwrap_or(text))
    }

    fn at(index: &PositionIndex, path: &str) -> Option<(usize, usize)> {
        index.get(path).map(|pos| (pos.line, pos.column))
    }

    #[test]
    fn nested_keys_and_items() {
        let index = index(
            r#"
name: x
requires:
  db:
    interface: mysql
containers:
  app:
    mounts:
      - storage: data
        location: /d
      - storage: logs
"#,
        );
        assert_eq!(at(&index, "name"), Some((1, 1)));
        assert_eq!(at(&index, "requires.db"), Some((3, 3)));
        assert_eq!(at(&index, "requires.db.interface"), Some((4, 5)));
        assert_eq!(at(&index, "containers.app.mounts.0"), Some((8, 7)));
        assert_eq!(at(&index, "containers.app.mounts.0.storage"), Some((8, 9)));
        assert_eq!(at(&index, "containers.app.mounts.0.location"), Some((9, 9)));
        assert_eq!(at(&index, "containers.app.mounts.1.storage"), Some((10, 9)));
    }

    #[test]
    fn block_scalars_are_not_keys() {
        let index = index(
            r#"
config:
  options:
    policy:
      default: |
        kind: Policy
        rules:

          - level: None
      type: string
    other:
      description: >-
        not: a key
      type: int
"#,
        );
        assert_eq!(at(&index, "config.options.policy.default"), Some((4, 7)));
        assert_eq!(at(&index, "config.options.policy.default.kind"), None);
        assert_eq!(at(&index, "config.options.policy.type"), Some((9, 7)));
        assert_eq!(at(&index, "config.options.other.type"), Some((13, 7)));
        assert_eq!(at(&index, "config.options.other.description.not"), None);
    }

    #[test]
    fn multi_line_plain_and_quoted_scalars_are_not_keys() {
        let index = index(
            r#"
a:
  description: Change it.
    Note: this is text
  type: string
b:
  description:
    First line
    Note: still text
  c: "quoted
    x: y"
  d: 1
"#,
        );
        assert_eq!(at(&index, "a.type"), Some((4, 3)));
        assert_eq!(at(&index, "a.description.Note"), None);
        assert_eq!(at(&index, "b.description.Note"), None);
        assert_eq!(at(&index, "b.c.x"), None);
        assert_eq!(at(&index, "b.d"), Some((11, 3)));
    }

    #[test]
    fn flow_collections_fall_back_to_their_key() {
        let index = index(
            r#"
required: [a,
  b: c]
mounts:
  - {storage: data, location: /x}
next: 1
"#,
        );
        assert_eq!(at(&index, "required.b"), None);
        assert_eq!(at(&index, "next"), Some((5, 1)));
        let nearest = index
            .nearest("mounts.0.storage")
            .map(|p| (p.line, p.column));
        assert_eq!(nearest, Some((4, 3)));
    }

    #[test]
    fn quoted_keys_comments_and_raw_values() {
        let index = index(
            r#"
# comment
---
parts:
  libpq:
    organize:
      "*-linux-gnu/libpq.so*": lib/
      'it''s': x
channel: 20.10  # not a float
platforms:
  ubuntu@22.04:amd64:
url: https://example.com/a:b
"#,
        );
        assert_eq!(
            at(&index, "parts.libpq.organize.*-linux-gnu/libpq.so*"),
            Some((6, 7))
        );
        assert_eq!(at(&index, "parts.libpq.organize.it's"), Some((7, 7)));
        assert_eq!(index.raw("channel"), Some("20.10"));
        assert_eq!(at(&index, "platforms.ubuntu@22.04:amd64"), Some((10, 3)));
        assert_eq!(index.raw("url"), Some("https://example.com/a:b"));
    }

    #[test]
    fn sequences_at_the_key_indent() {
        let index = index(
            r#"
tags:
- a
- b
series:
  - - x
    - y
  - z
"#,
        );
        assert_eq!(at(&index, "tags.1"), Some((3, 1)));
        assert_eq!(at(&index, "series"), Some((4, 1)));
        assert_eq!(at(&index, "series.0.1"), Some((6, 5)));
        assert_eq!(at(&index, "series.1"), Some((7, 3)));
        assert_eq!(index.raw("series.1"), Some("z"));
    }

    #[test]
    fn duplicates_and_documents() {
        let index = index(
            r#"
a: 1
b:
  c: 1
  c: 2
---
d: 1
"#,
        );
        assert_eq!(index.duplicate("b.c"), Some(Pos { line: 4, column: 3 }));
        assert_eq!(index.second_document(), Some(5));
    }
}
