//! Property tests: whatever the files hold, loading gives metadata or a typed error, never
//! a panic, and within the limits of `ops_metadata::limits`. Case counts keep the suite
//! to a few seconds; running time is bounded by the limits, not asserted here.

use proptest::prelude::*;

use ops_metadata::limits::{Limit, MAX_DEPTH};
use ops_metadata::{DuplicateKeys, LoadOptions, MetadataError, SourceKind};

/// A charmcraft.yaml in the shape real ones have, to mutate.
const CHARMCRAFT: &str = r#"# A charm.
type: charm
name: demo
title: Demo
summary: A demo charm.
description: |
  Runs [the demo] {with braces}: and `code`.
    - not: a list
links:
  documentation: https://example.com/docs
  source: [https://example.com/src]
base: ubuntu@24.04
platforms:
  amd64:
  ubuntu@22.04:arm64:
parts:
  charm:
    plugin: nil
    organize: {"*-linux-gnu/libpq.so*": lib/}
assumes:
  - juju >= 3.1
  - any-of: [k8s-api, {all-of: [juju >= 3.4, lxd]}]
requires:
  db: {interface: postgresql_client, limit: 1}
  logs: loki_push_api
provides:
  website:
    interface: http
peers:
  cluster: demo-peers
containers:
  app:
    resource: app-image
    mounts: [{storage: data, location: /data}]
resources:
  app-image: {type: oci-image, upstream-source: 'ghcr.io/demo:1.0'}
storage:
  data: {type: filesystem, minimum-size: 1G, multiple: {range: 1-}}
config:
  options:
    port: {type: int, default: 8080, description: The port.}
    mode:
      type: string
      default: 'on'
      description: >-
        Folded text, with a # that is not a comment.
    ratio: {type: float, default: 0.5}
actions:
  backup:
    description: Back up.
    params:
      target: {type: string, default: /tmp}
      level: {type: integer, minimum: 0}
    required: [target]
"#;

/// The split form: metadata.yaml, config.yaml and actions.yaml.
const METADATA: &str =
    "name: demo\nsummary: s\ndescription: d\nrequires:\n  db:\n    interface: pg\n";
const CONFIG: &str = "options:\n  port:\n    type: int\n    default: 1\n  name: {type: string}\n";
const ACTIONS: &str = "backup:\n  description: b\n  params: {x: {type: boolean}}\nrestore: {}\n";

/// Pieces of YAML syntax, to assemble and to insert.
const FRAGMENTS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ", ",
    ":",
    ": ",
    "- ",
    "? ",
    "# c",
    "'",
    "\"",
    "|",
    ">-",
    "&a ",
    "*a",
    "!!str ",
    "!t ",
    "\n",
    "\n  ",
    "\n    ",
    "  ",
    "\t",
    "key",
    "name: x",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "\\",
    "é",
    "0",
    "-1.5e3",
    "~",
    "<<: *a",
    "type: int",
    "default: ",
    "interface: ",
    "options:",
    "params:",
    "requires:",
    "\u{feff}",
    "\r\n",
    "\0",
    "0x1F",
    "2001-01-01",
    "yes",
    ".inf",
    "!!binary aGk=",
    "\"\\u263A\"",
];

fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(FRAGMENTS)
}

/// Loads `text` as charmcraft.yaml with both rules for duplicate keys, checking that an
/// error displays and a value serializes.
fn load(sources: &[(SourceKind, &str, &str)]) {
    for rule in [DuplicateKeys::Refuse, DuplicateKeys::LastWins] {
        match LoadOptions::new()
            .duplicate_keys(rule)
            .load_sources(sources)
        {
            Ok(charm) => {
                serde_json::to_string(&charm).expect("the model serializes");
            }
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
}

/// One change to a text.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, &'static str),
    Delete(usize, usize),
    Replace(usize, char),
    RepeatLine(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), fragment()).prop_map(|(at, text)| Mutation::Insert(at, text)),
        (any::<usize>(), 1..40_usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<usize>(), any::<char>()).prop_map(|(at, c)| Mutation::Replace(at, c)),
        (any::<usize>(), 1..4_usize).prop_map(|(at, times)| Mutation::RepeatLine(at, times)),
    ]
}

/// The char boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut text = text.to_owned();
    for mutation in mutations {
        match mutation {
            Mutation::Insert(at, fragment) => {
                let at = boundary(&text, *at);
                text.insert_str(at, fragment);
            }
            Mutation::Delete(at, len) => {
                let start = boundary(&text, *at);
                let end = boundary(&text, start + len).max(start);
                let end = if end < start { start } else { end };
                text.replace_range(start..end.min(text.len()), "");
            }
            Mutation::Replace(at, c) => {
                let at = boundary(&text, *at);
                if let Some(old) = text[at..].chars().next() {
                    text.replace_range(at..at + old.len_utf8(), &c.to_string());
                }
            }
            Mutation::RepeatLine(at, times) => {
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let at = at % lines.len();
                    let mut out: Vec<&str> = lines[..=at].to_vec();
                    out.extend(std::iter::repeat_n(lines[at], *times));
                    out.extend(&lines[at + 1..]);
                    text = out.join("\n");
                }
            }
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Real-looking files, mutated: a value or a typed error.
    #[test]
    fn mutated_metadata_loads_or_fails_cleanly(
        mutations in prop::collection::vec(mutation(), 1..8),
    ) {
        let text = mutate(CHARMCRAFT, &mutations);
        load(&[(SourceKind::Charmcraft, "charmcraft.yaml", &text)]);
    }

    /// The split files, each mutated.
    #[test]
    fn mutated_split_files_load_or_fail_cleanly(
        metadata in prop::collection::vec(mutation(), 0..4),
        config in prop::collection::vec(mutation(), 0..4),
        actions in prop::collection::vec(mutation(), 0..4),
    ) {
        let (metadata, config, actions) = (
            mutate(METADATA, &metadata),
            mutate(CONFIG, &config),
            mutate(ACTIONS, &actions),
        );
        load(&[
            (SourceKind::Metadata, "metadata.yaml", &metadata),
            (SourceKind::Config, "config.yaml", &config),
            (SourceKind::Actions, "actions.yaml", &actions),
        ]);
    }

    /// Random YAML syntax.
    #[test]
    fn random_yaml_loads_or_fails_cleanly(
        pieces in prop::collection::vec(fragment(), 0..120),
    ) {
        let text = pieces.concat();
        load(&[(SourceKind::Charmcraft, "charmcraft.yaml", &text)]);
        load(&[
            (SourceKind::Metadata, "metadata.yaml", "name: x\n"),
            (SourceKind::Actions, "actions.yaml", &text),
        ]);
    }

    /// Any text at all.
    #[test]
    fn any_text_loads_or_fails_cleanly(text in any::<String>()) {
        load(&[(SourceKind::Charmcraft, "charmcraft.yaml", &text)]);
    }

    /// Flow nesting loads up to the limit and is refused, as such, past it.
    #[test]
    fn nesting_is_refused_exactly_past_the_limit(
        openers in prop::collection::vec(prop::bool::ANY, 0..3 * MAX_DEPTH),
        spread in any::<bool>(),
    ) {
        let mut open = String::new();
        let mut close = String::new();
        for sequence in &openers {
            let separator = if spread { "\n " } else { "" };
            if *sequence {
                open.push_str(&format!("[{separator}"));
                close.insert(0, ']');
            } else {
                open.push_str(&format!("{{k: {separator}"));
                close.insert(0, '}');
            }
        }
        let text = format!("name: x\nsummary: s\nparts: {open}1{close}\n");
        let result = LoadOptions::new().load_str("charmcraft.yaml", &text);
        // The top-level mapping is one level.
        if openers.len() < MAX_DEPTH {
            prop_assert!(result.is_ok(), "{}", result.err().map(|e| e.to_string()).unwrap_or_default());
        } else {
            prop_assert!(
                matches!(result, Err(MetadataError::Limit { limit: Limit::Depth, .. })),
                "{result:?}"
            );
        }
    }

    /// Long scalars and keys.
    #[test]
    fn long_scalars_load_or_fail_cleanly(
        len in 0..200_000_usize,
        c in any::<char>(),
        quoted in any::<bool>(),
        as_key in any::<bool>(),
    ) {
        let long: String = std::iter::repeat_n(c, len / c.len_utf8().max(1) / 8).collect();
        let long = if quoted { format!("\"{}\"", long.replace(['"', '\\'], "")) } else { long };
        let text = if as_key {
            format!("name: x\nsummary: s\nrequires:\n  ? {long}\n  : {{interface: x}}\n")
        } else {
            format!("name: x\nsummary: {long}\n")
        };
        load(&[(SourceKind::Charmcraft, "charmcraft.yaml", &text)]);
    }
}
