//! The limits that keep loading fast and small, whatever the input.
//!
//! Metadata is read at compile time from the charm's own files, but `cargo charm check`
//! also reads it out of `.charm` files from anywhere, so the loader must stay fast on
//! hostile input. The YAML parser slows down with the square of the nesting of flow
//! collections (`[[[[...]]]]`: 40 KB of them took 16 s), and aliases (`*name`) can make a
//! small file expand into a huge value. So, before parsing, each file is checked against
//! [`MAX_FILE_SIZE`] and [`MAX_DEPTH`] by a linear scan; while parsing, keys are checked
//! against [`MAX_KEY_LENGTH`] and the expanded document against [`MAX_EXPANDED_SIZE`].
//! A file beyond a limit is refused with [`MetadataError::Limit`], which names the file,
//! the position and the limit.
//!
//! Real metadata is far from every limit: across 32 real charms, the largest file is
//! 30 KB, the deepest nesting 6 levels and the longest key 44 characters.
//!
//! [`MetadataError::Limit`]: crate::MetadataError::Limit

use std::fmt;

use serde::Serialize;

/// The largest metadata file, in bytes: 1 MiB.
pub const MAX_FILE_SIZE: usize = 1 << 20;

/// How deeply lists and mappings may nest in one file: 64 levels.
///
/// The top-level mapping is the first level, so `requires: {db: {interface: x}}` nests
/// three levels deep.
pub const MAX_DEPTH: usize = 64;

/// The longest mapping key, in bytes: 1 KiB.
pub const MAX_KEY_LENGTH: usize = 1 << 10;

/// The largest a file may expand to once parsed: each value (scalar, list or mapping)
/// counts 1 and each string its length in bytes, and a value reached through an alias
/// (`*name`) counts again each time. 4 Mi.
///
/// A file without aliases stays under 2 per byte, well within this for a file within
/// [`MAX_FILE_SIZE`], so only a file whose aliases repeat large anchors meets it.
pub const MAX_EXPANDED_SIZE: usize = 4 << 20;

/// One of the limits of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Limit {
    /// [`MAX_FILE_SIZE`].
    FileSize,
    /// [`MAX_DEPTH`].
    Depth,
    /// [`MAX_KEY_LENGTH`].
    KeyLength,
    /// [`MAX_EXPANDED_SIZE`].
    ExpandedSize,
}

impl Limit {
    /// The limit's value.
    pub fn max(self) -> usize {
        match self {
            Self::FileSize => MAX_FILE_SIZE,
            Self::Depth => MAX_DEPTH,
            Self::KeyLength => MAX_KEY_LENGTH,
            Self::ExpandedSize => MAX_EXPANDED_SIZE,
        }
    }

    /// What goes past the limit, for messages.
    pub(crate) fn message(self, file: &str) -> String {
        match self {
            Self::FileSize => format!(
                "`{file}` is larger than {} bytes, the most a metadata file may hold",
                MAX_FILE_SIZE
            ),
            Self::Depth => format!(
                "lists and mappings nest more than {MAX_DEPTH} levels deep here, the most a \
                 metadata file may nest"
            ),
            Self::KeyLength => format!(
                "a key here is longer than {MAX_KEY_LENGTH} bytes, the longest a metadata key \
                 may be"
            ),
            Self::ExpandedSize => format!(
                "`{file}` expands to more than {MAX_EXPANDED_SIZE} values and bytes of text once \
                 its aliases (`*name`) are repeated, the most a metadata file may hold"
            ),
        }
    }

    /// What to do about it.
    pub(crate) fn hint(self) -> &'static str {
        match self {
            Self::FileSize => {
                "real metadata files are far smaller: check that this is the right file"
            }
            Self::Depth => "flatten the value (no real metadata nests this deep)",
            Self::KeyLength => "shorten the key",
            Self::ExpandedSize => "write the values out instead of repeating large aliases",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::FileSize => "file size",
            Self::Depth => "nesting depth",
            Self::KeyLength => "key length",
            Self::ExpandedSize => "expanded size",
        };
        write!(f, "{name} limit of {}", self.max())
    }
}

/// Where a scan found nesting deeper than [`MAX_DEPTH`]: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Checks, in one linear pass, that `text` nests no deeper than `max_depth`.
///
/// The pass follows the YAML scanner's own rules (those of libyaml, which `yaml_serde`
/// uses) for what starts a token, so that it sees every `[` and `{` that opens a flow
/// collection and skips those inside comments, quoted, plain and block scalars. Block
/// collections are counted as the scanner counts indentation levels. Where the text is
/// not valid YAML, the scan may count more than the parser would reach (the parser stops
/// at the first error), never less.
pub(crate) fn check_depth(text: &str, max_depth: usize) -> Result<(), TooDeep> {
    Scanner::new(text, max_depth).run()
}

/// A position in the text, as the YAML scanner counts it (0-based).
#[derive(Debug, Clone, Copy)]
struct Mark {
    index: usize,
    line: usize,
    column: usize,
}

/// A linear re-enactment of libyaml's scanner, keeping only what decides where tokens
/// start: the flow level, the block indentation stack and the simple key of the block
/// context.
struct Scanner {
    chars: Vec<char>,
    mark: Mark,
    max_depth: usize,
    flow_level: usize,
    /// The current block indentation column (-1 at the top level).
    indent: isize,
    /// The enclosing indentation columns.
    indents: Vec<isize>,
    simple_key_allowed: bool,
    /// A possible simple key of the block context: where it started.
    block_key: Option<Mark>,
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

impl Scanner {
    fn new(text: &str, max_depth: usize) -> Self {
        Self {
            chars: text.chars().collect(),
            mark: Mark {
                index: 0,
                line: 0,
                column: 0,
            },
            max_depth,
            flow_level: 0,
            indent: -1,
            indents: Vec::new(),
            simple_key_allowed: true,
            block_key: None,
        }
    }

    /// The character `ahead` places after the current one; `'\0'` past the end (libyaml
    /// reads the end, and a NUL, as `Z`).
    fn peek(&self, ahead: usize) -> char {
        self.chars
            .get(self.mark.index + ahead)
            .copied()
            .unwrap_or('\0')
    }

    fn at_end(&self) -> bool {
        self.peek(0) == '\0'
    }

    fn is_blankz_at(&self, ahead: usize) -> bool {
        let c = self.peek(ahead);
        is_blank(c) || is_break(c) || c == '\0'
    }

    /// Moves over one character that is not a line break.
    fn skip(&mut self) {
        self.mark.index += 1;
        self.mark.column += 1;
    }

    /// Moves over one line break (`\r\n` counts as one).
    fn skip_line(&mut self) {
        if self.peek(0) == '\r' && self.peek(1) == '\n' {
            self.mark.index += 2;
        } else {
            self.mark.index += 1;
        }
        self.mark.line += 1;
        self.mark.column = 0;
    }

    fn too_deep(&self) -> TooDeep {
        TooDeep {
            line: self.mark.line + 1,
            column: self.mark.column + 1,
        }
    }

    fn depth(&self) -> usize {
        self.flow_level + self.indents.len()
    }

    fn run(mut self) -> Result<(), TooDeep> {
        loop {
            self.skip_to_next_token();
            // Stale simple keys: a key must end on its line, within 1024 characters.
            if let Some(key) = self.block_key
                && (key.line < self.mark.line || key.index + 1024 < self.mark.index)
            {
                self.block_key = None;
            }
            self.unroll_indent(self.mark.column as isize);
            if self.at_end() {
                return Ok(());
            }
            self.token()?;
        }
    }

    /// Skips blanks, comments and line breaks up to the next token.
    fn skip_to_next_token(&mut self) {
        loop {
            if self.mark.column == 0 && self.peek(0) == '\u{feff}' {
                self.skip();
            }
            // libyaml refuses a tab here in some contexts; skipping it anyway can only
            // make this scan see more tokens than the parser reaches.
            while is_blank(self.peek(0)) {
                self.skip();
            }
            if self.peek(0) == '#' {
                while !is_break(self.peek(0)) && !self.at_end() {
                    self.skip();
                }
            }
            if !is_break(self.peek(0)) {
                return;
            }
            self.skip_line();
            if self.flow_level == 0 {
                self.simple_key_allowed = true;
            }
        }
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.flow_level != 0 {
            return;
        }
        while self.indent > column {
            self.indent = self.indents.pop().unwrap_or(-1);
        }
    }

    fn roll_indent(&mut self, column: usize) -> Result<(), TooDeep> {
        if self.flow_level != 0 {
            return Ok(());
        }
        let column = column as isize;
        if self.indent < column {
            self.indents.push(self.indent);
            self.indent = column;
            if self.depth() > self.max_depth {
                return Err(self.too_deep());
            }
        }
        Ok(())
    }

    fn save_simple_key(&mut self) {
        if self.simple_key_allowed && self.flow_level == 0 {
            self.block_key = Some(self.mark);
        }
    }

    fn remove_simple_key(&mut self) {
        if self.flow_level == 0 {
            self.block_key = None;
        }
    }

    /// Reads the token at the current position.
    fn token(&mut self) -> Result<(), TooDeep> {
        let c = self.peek(0);
        let column = self.mark.column;
        if column == 0 && c == '%' {
            // A directive fills its line, or the parser stops there.
            while !is_break(self.peek(0)) && !self.at_end() {
                self.skip();
            }
            return Ok(());
        }
        if column == 0
            && (c == '-' || c == '.')
            && self.peek(1) == c
            && self.peek(2) == c
            && self.is_blankz_at(3)
        {
            self.unroll_indent(-1);
            self.remove_simple_key();
            self.simple_key_allowed = false;
            for _ in 0..3 {
                self.skip();
            }
            return Ok(());
        }
        match c {
            '[' | '{' => {
                self.save_simple_key();
                self.flow_level += 1;
                if self.depth() > self.max_depth {
                    return Err(self.too_deep());
                }
                self.simple_key_allowed = true;
                self.skip();
            }
            ']' | '}' => {
                self.remove_simple_key();
                self.flow_level = self.flow_level.saturating_sub(1);
                self.simple_key_allowed = false;
                self.skip();
            }
            ',' => {
                self.remove_simple_key();
                self.simple_key_allowed = true;
                self.skip();
            }
            '-' if self.is_blankz_at(1) => {
                self.roll_indent(column)?;
                self.remove_simple_key();
                self.simple_key_allowed = true;
                self.skip();
            }
            '?' if self.flow_level != 0 || self.is_blankz_at(1) => {
                self.roll_indent(column)?;
                self.remove_simple_key();
                self.simple_key_allowed = self.flow_level == 0;
                self.skip();
            }
            ':' if self.flow_level != 0 || self.is_blankz_at(1) => {
                if self.flow_level != 0 {
                    // Keys inside flow collections roll no indentation.
                    self.simple_key_allowed = false;
                } else if let Some(key) = self.block_key.take() {
                    self.roll_indent(key.column)?;
                    self.simple_key_allowed = false;
                } else {
                    self.roll_indent(column)?;
                    self.simple_key_allowed = true;
                }
                self.skip();
            }
            '*' | '&' => {
                self.save_simple_key();
                self.simple_key_allowed = false;
                self.skip();
                while self.peek(0).is_ascii_alphanumeric() || matches!(self.peek(0), '_' | '-') {
                    self.skip();
                }
            }
            '!' => {
                self.save_simple_key();
                self.simple_key_allowed = false;
                self.tag();
            }
            '|' | '>' if self.flow_level == 0 => {
                self.remove_simple_key();
                self.simple_key_allowed = true;
                self.block_scalar();
            }
            '\'' | '"' => {
                self.save_simple_key();
                self.simple_key_allowed = false;
                self.quoted(c);
            }
            _ => {
                self.save_simple_key();
                self.simple_key_allowed = false;
                self.plain();
            }
        }
        Ok(())
    }

    /// A tag: `!<verbatim>` or `!handle!suffix`. Stops before any flow indicator, which
    /// the scan then reads as a token (libyaml either takes it into the tag or stops with
    /// an error there).
    fn tag(&mut self) {
        self.skip();
        if self.peek(0) == '<' {
            while self.peek(0) != '>' && !self.is_blankz_at(0) {
                self.skip();
            }
            if self.peek(0) == '>' {
                self.skip();
            }
            return;
        }
        while !self.is_blankz_at(0) && !matches!(self.peek(0), '[' | ']' | '{' | '}' | ',') {
            self.skip();
        }
    }

    /// A single- or double-quoted scalar, which may span lines.
    fn quoted(&mut self, quote: char) {
        self.skip();
        loop {
            let c = self.peek(0);
            if self.at_end() {
                return;
            }
            if self.mark.column == 0
                && (c == '-' || c == '.')
                && self.peek(1) == c
                && self.peek(2) == c
                && self.is_blankz_at(3)
            {
                // libyaml stops: a document marker inside a quoted scalar is an error.
                self.mark.index = self.chars.len();
                return;
            }
            if is_break(c) {
                self.skip_line();
            } else if quote == '\'' && c == '\'' {
                if self.peek(1) == '\'' {
                    self.skip();
                    self.skip();
                } else {
                    self.skip();
                    return;
                }
            } else if quote == '"' && c == '\\' {
                self.skip();
                if is_break(self.peek(0)) {
                    self.skip_line();
                } else if !self.at_end() {
                    self.skip();
                }
            } else if quote == '"' && c == '"' {
                self.skip();
                return;
            } else {
                self.skip();
            }
        }
    }

    /// A plain scalar: up to `: `, ` #` or (in flow context) a flow indicator, and in
    /// block context over following lines indented more than the block.
    fn plain(&mut self) {
        let indent = self.indent + 1;
        let mut leading_blanks = false;
        loop {
            if self.mark.column == 0 {
                let c = self.peek(0);
                if (c == '-' || c == '.')
                    && self.peek(1) == c
                    && self.peek(2) == c
                    && self.is_blankz_at(3)
                {
                    break;
                }
            }
            if self.peek(0) == '#' {
                break;
            }
            while !self.is_blankz_at(0) {
                let c = self.peek(0);
                if self.flow_level != 0
                    && c == ':'
                    && matches!(self.peek(1), ',' | '?' | '[' | ']' | '{' | '}')
                {
                    // libyaml stops with "found unexpected ':'".
                    self.mark.index = self.chars.len();
                    return;
                }
                if (c == ':' && self.is_blankz_at(1))
                    || (self.flow_level != 0 && matches!(c, ',' | '[' | ']' | '{' | '}'))
                {
                    break;
                }
                self.skip();
            }
            let c = self.peek(0);
            if !(is_blank(c) || is_break(c)) {
                break;
            }
            while is_blank(self.peek(0)) || is_break(self.peek(0)) {
                if is_blank(self.peek(0)) {
                    self.skip();
                } else {
                    self.skip_line();
                    leading_blanks = true;
                }
            }
            if self.flow_level == 0 && (self.mark.column as isize) < indent {
                break;
            }
        }
        if leading_blanks {
            self.simple_key_allowed = true;
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar, header and content.
    fn block_scalar(&mut self) {
        self.skip();
        let mut increment = 0;
        for _ in 0..2 {
            let c = self.peek(0);
            if c == '+' || c == '-' {
                self.skip();
            } else if let Some(digit) = c.to_digit(10).filter(|d| *d > 0) {
                increment = digit as isize;
                self.skip();
            }
        }
        // The rest of the header line: blanks and a comment, or the parser stops.
        while !is_break(self.peek(0)) && !self.at_end() {
            self.skip();
        }
        let mut indent = if increment > 0 {
            if self.indent >= 0 {
                self.indent + increment
            } else {
                increment
            }
        } else {
            0
        };
        if !self.block_scalar_breaks(&mut indent) {
            return;
        }
        while self.mark.column as isize == indent && !self.at_end() {
            while !is_break(self.peek(0)) && !self.at_end() {
                self.skip();
            }
            if self.at_end() {
                return;
            }
            if !self.block_scalar_breaks(&mut indent) {
                return;
            }
        }
    }

    /// Skips the line break ending the current line, then lines that are empty or hold
    /// only indentation, and fixes `indent` if it is still 0 (auto-detected). Returns
    /// false where libyaml stops with an error (a tab as indentation).
    fn block_scalar_breaks(&mut self, indent: &mut isize) -> bool {
        let mut max_indent = 0;
        if is_break(self.peek(0)) {
            self.skip_line();
        }
        loop {
            while (*indent == 0 || (self.mark.column as isize) < *indent) && self.peek(0) == ' ' {
                self.skip();
            }
            max_indent = max_indent.max(self.mark.column as isize);
            if (*indent == 0 || (self.mark.column as isize) < *indent) && self.peek(0) == '\t' {
                self.mark.index = self.chars.len();
                return false;
            }
            if !is_break(self.peek(0)) {
                break;
            }
            self.skip_line();
        }
        if *indent == 0 {
            *indent = max_indent.max(self.indent + 1).max(1);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str, max: usize) -> bool {
        check_depth(text, max).is_ok()
    }

    #[test]
    fn flow_nesting_is_counted() {
        assert!(depth_ok("a: [[[1]]]\n", 4));
        assert!(!depth_ok("a: [[[1]]]\n", 3));
        let deep = format!("a: {}{}\n", "[".repeat(100), "]".repeat(100));
        assert_eq!(
            check_depth(&deep, 64),
            Err(TooDeep {
                line: 1,
                column: 4 + 63
            })
        );
    }

    #[test]
    fn brackets_in_scalars_and_comments_are_not_counted() {
        let text = "\
a: text [with [brackets [in [it
b: 'quoted [[[[' # comment [[[[
c: \"double [[[[ \\\" [[[[\"
d: |
  block [[[[[[
  more [[[[[[
e: >-
    folded [[[[[
f: plain
  continued [[[[[
";
        assert!(depth_ok(text, 2), "{:?}", check_depth(text, 2));
    }

    #[test]
    fn a_block_scalar_ends_where_indentation_does() {
        // The line after the header is not indented past the mapping: the scalar is
        // empty and the brackets are tokens.
        let text = format!("- key: |\n  {}\n", "[".repeat(10));
        assert!(!depth_ok(&text, 5));
        let text = format!("key: |\n{}\n", "[".repeat(10));
        assert!(!depth_ok(&text, 5));
        let text = format!("key: |\n {}\n", "[".repeat(10));
        assert!(depth_ok(&text, 5));
    }

    #[test]
    fn block_nesting_is_counted() {
        let text = "- - - - - x\n";
        assert!(depth_ok(text, 5));
        assert!(!depth_ok(text, 4));
        let text = "a:\n b:\n  c:\n   d: 1\n";
        assert!(depth_ok(text, 4));
        assert!(!depth_ok(text, 3));
    }

    /// The property tests: documents rendered from generated trees, in every YAML style,
    /// with scalars full of brackets, quotes and comment signs.
    mod properties {
        use proptest::prelude::*;

        use super::super::check_depth;

        /// A YAML value to render.
        #[derive(Debug, Clone)]
        enum Node {
            Scalar(String),
            Seq(Vec<Node>),
            Map(Vec<Node>),
        }

        impl Node {
            /// How many collections nest on its deepest path.
            fn depth(&self) -> usize {
                match self {
                    Self::Scalar(_) => 0,
                    Self::Seq(items) | Self::Map(items) => {
                        1 + items.iter().map(Node::depth).max().unwrap_or(0)
                    }
                }
            }
        }

        /// How a collection or scalar is written.
        #[derive(Debug, Clone, Copy)]
        enum Style {
            Block,
            Flow,
        }

        fn node() -> impl Strategy<Value = Node> {
            let scalar = "[a-z\\[\\]{}#'\" ,:|>&*!-]{0,12}".prop_map(Node::Scalar);
            scalar.prop_recursive(8, 64, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 1..4).prop_map(Node::Seq),
                    prop::collection::vec(inner, 1..4).prop_map(Node::Map),
                ]
            })
        }

        /// Renders scalars in one of four ways: plain when safe, single-quoted,
        /// double-quoted, or (in block context) a literal block scalar.
        struct Renderer {
            styles: Vec<bool>,
            next: usize,
        }

        impl Renderer {
            /// The next style choice.
            fn coin(&mut self) -> bool {
                let choice = self.styles.get(self.next).copied().unwrap_or(false);
                self.next += 1;
                choice
            }

            fn flow_scalar(&mut self, text: &str) -> String {
                if self.coin() {
                    format!("'{}'", text.replace('\'', "''"))
                } else {
                    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
                }
            }

            fn flow(&mut self, node: &Node) -> String {
                match node {
                    Node::Scalar(text) => self.flow_scalar(text),
                    Node::Seq(items) => {
                        let items: Vec<String> = items.iter().map(|i| self.flow(i)).collect();
                        format!("[{}]", items.join(", "))
                    }
                    Node::Map(items) => {
                        let items: Vec<String> = items
                            .iter()
                            .enumerate()
                            .map(|(at, item)| format!("k{at}: {}", self.flow(item)))
                            .collect();
                        format!("{{{}}}", items.join(", "))
                    }
                }
            }

            /// `node` as the value after `key: ` or `- ` whose owner is at `indent`.
            fn value(&mut self, node: &Node, indent: usize, out: &mut String) {
                let style = if self.coin() {
                    Style::Flow
                } else {
                    Style::Block
                };
                match (node, style) {
                    (Node::Scalar(text), Style::Block) if self.coin() => {
                        out.push_str("|\n");
                        for line in [text.as_str(), "[[ { #", text.as_str()] {
                            out.push_str(&" ".repeat(indent + 2));
                            out.push_str(&format!("x{line}\n"));
                        }
                    }
                    (Node::Scalar(text), Style::Block) if self.coin() => {
                        // A plain scalar: in block context, brackets inside are text.
                        let plain: String = text
                            .chars()
                            .filter(|c| c.is_ascii_lowercase() || "[]{} ".contains(*c))
                            .collect();
                        out.push_str(&format!("p{}\n", plain.trim_end()));
                    }
                    (Node::Scalar(_), _) | (_, Style::Flow) => {
                        let text = self.flow(node);
                        out.push_str(&text);
                        if self.coin() {
                            out.push_str(" # [[[ {{{");
                        }
                        out.push('\n');
                    }
                    (_, Style::Block) => {
                        out.push('\n');
                        self.block(node, indent + 2, out);
                    }
                }
            }

            /// A block collection at `indent`.
            fn block(&mut self, node: &Node, indent: usize, out: &mut String) {
                match node {
                    Node::Scalar(_) => self.value(node, indent, out),
                    Node::Seq(items) => {
                        for item in items {
                            out.push_str(&" ".repeat(indent));
                            out.push_str("- ");
                            self.value(item, indent, out);
                        }
                    }
                    Node::Map(items) => {
                        for (at, item) in items.iter().enumerate() {
                            out.push_str(&" ".repeat(indent));
                            out.push_str(&format!("k{at}: "));
                            self.value(item, indent, out);
                        }
                    }
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// For valid YAML the scan counts exactly the nesting the parser builds:
            /// nothing in a scalar or comment counts, and no collection is missed.
            #[test]
            fn the_scan_counts_what_the_parser_nests(
                items in prop::collection::vec(node(), 1..4),
                styles in prop::collection::vec(any::<bool>(), 256),
            ) {
                let root = Node::Map(items);
                let mut renderer = Renderer { styles, next: 0 };
                let mut text = String::new();
                renderer.block(&root, 0, &mut text);
                let parsed = yaml_serde::from_str::<yaml_serde::Value>(&text);
                prop_assert!(parsed.is_ok(), "{text}\n{parsed:?}");
                let depth = root.depth();
                prop_assert!(check_depth(&text, depth).is_ok(), "{depth}: {text}");
                prop_assert!(check_depth(&text, depth - 1).is_err(), "{depth}: {text}");
            }

            /// On any text, the scan ends (it is linear) and never panics.
            #[test]
            fn the_scan_takes_any_text(text in "[\\[\\]{}#'\"|>:?,&*!%@` \t\n\r\\\\a-c0-]{0,400}") {
                let _ = check_depth(&text, 8);
            }
        }
    }
}
