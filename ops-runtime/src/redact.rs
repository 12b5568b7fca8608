//! Saying what is wrong with data that may be secret, without its content.
//!
//! Secret content, action parameters and databag values (credentials travel in the
//! databags of many interfaces) reach errors when they do not parse or convert, and
//! errors reach `juju-log`, stderr and `action-fail`. Serde's messages quote the
//! offending value (`invalid type: string "hunter2", expected u16`), so errors about
//! such data are built from what is here instead: the value's kind and size, and what
//! the conversion expected.

use serde_json::Value;

/// The hook tools whose output may hold secrets or credentials: their output never
/// appears in an error.
const SENSITIVE_TOOLS: &[&str] = &[
    "action-get",
    "config-get",
    "credential-get",
    "leader-get",
    "relation-get",
    "secret-get",
    "state-get",
];

/// Whether `tool`'s output may hold secrets, so that errors must not quote it.
pub(crate) fn is_sensitive_tool(tool: &str) -> bool {
    SENSITIVE_TOOLS.contains(&tool)
}

/// What `value` is, without its text: `a string of 7 characters`, `an array of 2
/// items`, `an object of 3 keys`, `null`, or a boolean or number as it is (neither
/// can carry a password worth the name, and both help the reader).
pub(crate) fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => describe_text(s),
        Value::Array(items) => plural(items.len(), "an array of", "item"),
        Value::Object(map) => plural(map.len(), "an object of", "key"),
    }
}

/// A string's description, as [`describe_value`] gives it.
pub(crate) fn describe_text(text: &str) -> String {
    plural(text.chars().count(), "a string of", "character")
}

/// `text` cut to `max` characters, with `...` after the cut: how much of outside text
/// that may be quoted (it holds no secrets) reaches an error.
pub(crate) fn excerpt(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}...", &text[..at]).into(),
        None => text.into(),
    }
}

fn plural(n: usize, prefix: &str, noun: &str) -> String {
    if n == 1 {
        format!("{prefix} 1 {noun}")
    } else {
        format!("{prefix} {n} {noun}s")
    }
}

/// What a failed conversion expected, from serde's `message`, when the message is
/// one of serde's own shapes, whose expectation comes from the Rust type and follows
/// the quoted data (`invalid type: string "...", expected u16`; `unknown variant
/// `...`, expected one of `a`, `b``). A custom message from a `Deserialize` impl
/// may quote anything, so it gives `None`.
pub(crate) fn expectation(message: &str) -> Option<&str> {
    const SERDE_SHAPES: &[&str] = &[
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
    ];
    if message.starts_with("missing field `") && !message.contains(", expected") {
        // Names a field of the Rust type, nothing of the data.
        return Some(message);
    }
    if !SERDE_SHAPES.iter().any(|shape| message.starts_with(shape)) {
        return None;
    }
    // The data comes before serde's own ", expected ...", so the last one is serde's.
    let (_, expected) = message.rsplit_once(", expected ")?;
    Some(expected)
}

/// Why converting a value failed, without the value: `expected u16` when serde's
/// message says so, else that it does not convert.
pub(crate) fn conversion_problem(message: &str) -> String {
    match expectation(message) {
        Some(missing) if missing.starts_with("missing field") => missing.to_owned(),
        Some(expected) => format!("expected {expected}"),
        None => "it does not convert to the field's type".to_owned(),
    }
}

/// Why `text` is not the JSON that was expected, without quoting it: the kind of
/// failure, what was expected when serde says, and where.
pub(crate) fn json_problem(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let place = format!("line {}, column {}", error.line(), error.column());
    match error.classify() {
        Category::Syntax => format!("not valid JSON (at {place})"),
        Category::Eof => format!("JSON that ends too soon (at {place})"),
        Category::Io => "unreadable".to_owned(),
        Category::Data => {
            let message = error.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(head, _)| head);
            format!(
                "JSON of another shape: {} (at {place})",
                conversion_problem(message)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "hunter2-canary";

    #[test]
    fn values_are_described_by_kind_and_size() {
        assert_eq!(
            describe_value(&Value::from(CANARY)),
            "a string of 14 characters"
        );
        assert_eq!(describe_value(&Value::from("x")), "a string of 1 character");
        assert_eq!(
            describe_value(&serde_json::json!([CANARY])),
            "an array of 1 item"
        );
        assert_eq!(
            describe_value(&serde_json::json!({"a": CANARY, "b": 1})),
            "an object of 2 keys"
        );
        assert_eq!(describe_value(&Value::from(70000)), "70000");
        assert_eq!(describe_value(&Value::Bool(true)), "true");
    }

    #[test]
    fn serde_messages_keep_only_the_expectation() {
        let error = serde_json::from_value::<u16>(Value::from(CANARY)).unwrap_err();
        assert!(error.to_string().contains(CANARY), "serde quotes the data");
        assert_eq!(conversion_problem(&error.to_string()), "expected u16");

        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Mode {
            Fast,
            Safe,
        }
        let error = serde_json::from_value::<Mode>(Value::from(CANARY)).unwrap_err();
        assert_eq!(
            conversion_problem(&error.to_string()),
            "expected `fast` or `safe`"
        );
        let tricky = format!("{CANARY}, expected nothing");
        let error = serde_json::from_value::<u8>(Value::from(tricky)).unwrap_err();
        assert_eq!(conversion_problem(&error.to_string()), "expected u8");
    }

    #[test]
    fn custom_messages_are_not_trusted() {
        let problem = conversion_problem(&format!("{CANARY} is not a port, expected 1..=65535"));
        assert!(!problem.contains(CANARY), "{problem}");
        assert_eq!(problem, "it does not convert to the field's type");
    }

    #[test]
    fn json_problems_say_where_not_what() {
        for text in [
            format!("{{\"password\": \"{CANARY}"),
            format!("{{\"password\": {CANARY}}}"),
            format!("[\"{CANARY}\"]"),
        ] {
            let error = serde_json::from_str::<std::collections::BTreeMap<String, String>>(&text)
                .unwrap_err();
            let problem = json_problem(&error);
            assert!(!problem.contains(CANARY), "{problem}");
            assert!(problem.contains("line 1"), "{problem}");
        }
    }
}
