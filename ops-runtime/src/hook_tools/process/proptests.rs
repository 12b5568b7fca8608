//! Property tests of the parsers: Juju's real outputs mutated (values replaced by
//! others of any type, keys dropped or renamed, nodes nested deep, huge strings),
//! random JSON, random text, deep nesting and cut-off documents. Each parser gives a
//! value or a [`HookToolError::BadOutput`] naming its tool, never a panic; errors
//! stay short; and errors about the output of a tool that may print secrets never
//! quote it.

use proptest::prelude::*;
use serde_json::Value;

use super::juju_output as juju;
use super::parse;
use crate::hook_tools::{HookToolError, StatusTarget};

/// Put in generated strings: it must not appear in an error of a sensitive tool.
const CANARY: &str = "hunter2-CANARY";

/// Long enough for any error about any output, short enough to keep a log readable.
const MAX_ERROR: usize = 2_000;

type Parser = fn(&str) -> Result<(), HookToolError>;

fn done<T>(result: Result<T, HookToolError>) -> Result<(), HookToolError> {
    result.map(drop)
}

/// Every parser, with the tool whose output it reads.
fn parsers() -> Vec<(&'static str, Parser)> {
    vec![
        ("status-get", |o| {
            done(parse::status_get(StatusTarget::Unit, o))
        }),
        ("status-get", |o| {
            done(parse::status_get(StatusTarget::App, o))
        }),
        ("is-leader", |o| done(parse::is_leader(o))),
        ("config-get", |o| done(parse::config_get(o))),
        ("action-get", |o| done(parse::action_get(o))),
        ("relation-ids", |o| done(parse::relation_ids(o))),
        ("relation-list", |o| done(parse::relation_list(o))),
        ("relation-list", |o| done(parse::relation_remote_app(o))),
        ("relation-get", |o| done(parse::relation_get(o))),
        ("relation-model-get", |o| done(parse::relation_model_get(o))),
        ("secret-add", |o| done(parse::secret_add(o))),
        ("secret-get", |o| done(parse::secret_get(o))),
        ("secret-info-get", |o| done(parse::secret_info_get(o))),
        ("secret-ids", |o| done(parse::secret_ids(o))),
        ("storage-list", |o| done(parse::storage_list(o))),
        ("storage-get", |o| done(parse::storage_get(o))),
        ("resource-get", |o| done(parse::resource_get(o))),
        ("network-get", |o| done(parse::network_get(o))),
        ("opened-ports", |o| done(parse::opened_ports(o))),
        ("goal-state", |o| done(parse::goal_state(o))),
        ("credential-get", |o| done(parse::credential_get(o))),
        ("unit-get", |o| done(parse::unit_get(o))),
        ("state-get", |o| done(parse::state_get(o))),
    ]
}

/// Feeds `out` to every parser and checks what comes back.
fn check_all(out: &str) -> Result<(), TestCaseError> {
    for (tool, parser) in parsers() {
        match parser(out) {
            Ok(()) => {}
            Err(error @ HookToolError::BadOutput { .. }) => {
                prop_assert_eq!(error.tool(), tool);
                let shown = error.to_string();
                let debug = format!("{error:?}");
                prop_assert!(shown.contains(tool), "{}", shown);
                prop_assert!(shown.len() <= MAX_ERROR, "{tool}: {} bytes", shown.len());
                if crate::redact::is_sensitive_tool(tool) {
                    prop_assert!(!shown.contains(CANARY), "{tool}: {shown}");
                    prop_assert!(!debug.contains(CANARY), "{tool}: {debug}");
                }
            }
            Err(other) => prop_assert!(false, "{tool}: not a BadOutput: {other:?}"),
        }
    }
    Ok(())
}

/// Keys Juju's outputs use, so that generated documents come close to real ones.
const KEYS: &[&str] = &[
    "bind-addresses",
    "addresses",
    "value",
    "address",
    "mac-address",
    "macaddress",
    "interface-name",
    "interfacename",
    "hostname",
    "cidr",
    "ingress-addresses",
    "egress-subnets",
    "status",
    "message",
    "status-data",
    "application-status",
    "units",
    "relations",
    "since",
    "uuid",
    "revision",
    "label",
    "owner",
    "description",
    "rotation",
    "expiry",
    "rotates",
    "kind",
    "location",
    "type",
    "name",
    "region",
    "credential",
    "auth-type",
    "attrs",
    "redacted",
    "cacertificates",
    "skip-tls-verify",
    "is-controller-cloud",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(str::to_owned),
        1 => "[a-z0-9/:-]{0,12}",
        1 => any::<String>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9./:-]{0,16}",
        any::<String>(),
        Just(CANARY.to_owned()),
        Just(String::new()),
        prop::sample::select(&["active", "unknown", "db:1", "80/tcp", "icmp", "data/0"][..])
            .prop_map(str::to_owned),
    ]
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// One change to a real output.
#[derive(Debug, Clone)]
enum Mutation {
    /// The node becomes this value.
    Replace(Value),
    /// The node goes (an object's key, an array's item) or becomes `null`.
    Remove,
    /// The key of the node changes.
    Rename(String),
    /// The node is wrapped in this many arrays.
    Nest(usize),
    /// The node becomes a string of this many bytes holding the canary.
    Huge(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => json().prop_map(Mutation::Replace),
        2 => Just(Mutation::Remove),
        2 => key().prop_map(Mutation::Rename),
        1 => (1..300usize).prop_map(Mutation::Nest),
        1 => (1..200_000usize).prop_map(Mutation::Huge),
    ]
}

/// Applies `change` at the node that `path` leads to (each step picks a child,
/// modulo their number; the walk stops at a leaf).
fn mutate(node: &mut Value, path: &[usize], change: &Mutation) {
    match (node, path) {
        (Value::Object(map), [step, rest @ ..]) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(step % map.len())
                .cloned()
                .unwrap_or_default();
            match (rest, change) {
                ([], Mutation::Remove) => {
                    map.remove(&key);
                }
                ([], Mutation::Rename(new)) => {
                    if let Some(value) = map.remove(&key) {
                        map.insert(new.clone(), value);
                    }
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate(child, rest, change);
                    }
                }
            }
        }
        (Value::Array(items), [step, rest @ ..]) if !items.is_empty() => {
            let at = step % items.len();
            if rest.is_empty() && matches!(change, Mutation::Remove) {
                items.remove(at);
            } else {
                mutate(&mut items[at], rest, change);
            }
        }
        (node, _) => apply(node, change),
    }
}

fn apply(node: &mut Value, change: &Mutation) {
    match change {
        Mutation::Replace(value) => *node = value.clone(),
        Mutation::Remove => *node = Value::Null,
        Mutation::Rename(_) => {}
        Mutation::Nest(depth) => {
            for _ in 0..*depth {
                *node = Value::Array(vec![node.take()]);
            }
        }
        Mutation::Huge(len) => {
            let mut text = CANARY.repeat(len / CANARY.len() + 1);
            text.truncate(*len);
            *node = Value::String(text);
        }
    }
}

/// Every fixture as a parsed document.
fn fixtures() -> Vec<Value> {
    juju::JSON_OUTPUTS
        .iter()
        .map(|(tool, out)| {
            serde_json::from_str(out).unwrap_or_else(|e| panic!("{tool} fixture: {e}"))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Real outputs with one to three changes.
    #[test]
    fn mutated_juju_outputs(
        which in any::<prop::sample::Index>(),
        changes in prop::collection::vec(
            (prop::collection::vec(any::<usize>(), 0..6), mutation()),
            1..4,
        ),
    ) {
        let documents = fixtures();
        let mut document = which.get(&documents).clone();
        for (path, change) in &changes {
            mutate(&mut document, path, change);
        }
        check_all(&document.to_string())?;
    }

    /// Real outputs cut short, or with text put in at some point.
    #[test]
    fn damaged_juju_outputs(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        inserted in prop_oneof![Just(String::new()), any::<String>(), Just(CANARY.to_owned())],
        cut in any::<bool>(),
    ) {
        let (_, out) = which.get(juju::JSON_OUTPUTS);
        let boundaries: Vec<usize> = (0..=out.len()).filter(|i| out.is_char_boundary(*i)).collect();
        let at = *at.get(&boundaries);
        let damaged = if cut {
            format!("{}{inserted}", &out[..at])
        } else {
            format!("{}{inserted}{}", &out[..at], &out[at..])
        };
        check_all(&damaged)?;
    }

    /// Any JSON document at all, compact or pretty.
    #[test]
    fn random_json(document in json(), pretty in any::<bool>()) {
        let out = if pretty {
            serde_json::to_string_pretty(&document).unwrap_or_default()
        } else {
            document.to_string()
        };
        check_all(&out)?;
    }

    /// Any text at all.
    #[test]
    fn random_text(out in any::<String>()) {
        check_all(&out)?;
    }
}

/// Documents nested far deeper than any parser recurses, and huge ones.
#[test]
fn deep_nesting_and_huge_documents_are_typed_errors_or_values() {
    for depth in [200, 10_000, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}"), ("{\"units\":", "}")] {
            let out = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            check_all(&out).unwrap();
            check_all(&open.repeat(depth)).unwrap();
        }
    }
    let huge = CANARY.repeat(200_000);
    for out in [
        format!("\"{huge}\""),
        format!("[\"{huge}\"]"),
        format!("{{\"{huge}\": \"{huge}\"}}"),
        format!("{{\"password\": \"{huge}"),
        huge.clone(),
    ] {
        check_all(&out).unwrap();
    }
}
