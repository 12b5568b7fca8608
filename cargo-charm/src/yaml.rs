//! Writing YAML that every reader of a charm understands the same way.
//!
//! The files in a `.charm` are read by Juju (Go, `gopkg.in/yaml.v2`, YAML 1.1), by
//! charmcraft and Python ops (PyYAML, YAML 1.1) and by Rust tools (YAML 1.2).
//! `yaml_serde` writes YAML 1.2: it leaves `yes`, `on`, `off`, `y`, `n`, `1_000`,
//! `1:30` or `2024-01-01` unquoted, and a YAML 1.1 reader turns those strings into
//! booleans, numbers or dates (a config default `'on'` would come back as `true`).
//! [`to_string`] therefore has `yaml_serde` write everything, except that each such
//! string is swapped for a placeholder that is then replaced by the string in
//! single quotes, which all readers take as a string.

use yaml_serde::{Mapping, Value};

/// The placeholder prefix; one that the document contains is made longer.
const PLACEHOLDER: &str = "__cargo_charm_quoted_";

/// Why a YAML document could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write YAML: {0}")]
pub(crate) struct WriteError(#[from] yaml_serde::Error);

/// `value` as a YAML document whose strings read back as strings in YAML 1.1 and 1.2.
pub(crate) fn to_string(value: &Value) -> Result<String, WriteError> {
    let plain = yaml_serde::to_string(value)?;
    let mut prefix = PLACEHOLDER.to_owned();
    while plain.contains(&prefix) {
        prefix.push('_');
    }
    let mut quoted = Vec::new();
    let swapped = swap_ambiguous(value, &prefix, &mut quoted);
    if quoted.is_empty() {
        return Ok(plain);
    }
    let mut text = yaml_serde::to_string(&swapped)?;
    // Longest placeholders first, so that `..._1` does not match inside `..._12`.
    for (index, original) in quoted.iter().enumerate().rev() {
        let placeholder = format!("{prefix}{index}__");
        text = text.replace(&placeholder, &single_quoted(original));
    }
    Ok(text)
}

/// A copy of `value` in which every string that YAML 1.1 reads as something else is
/// replaced by `<prefix><index>__`; the originals are pushed on `quoted`.
fn swap_ambiguous(value: &Value, prefix: &str, quoted: &mut Vec<String>) -> Value {
    match value {
        Value::String(text) if is_ambiguous(text) => {
            quoted.push(text.clone());
            Value::String(format!("{prefix}{}__", quoted.len() - 1))
        }
        Value::Sequence(items) => Value::Sequence(
            items
                .iter()
                .map(|item| swap_ambiguous(item, prefix, quoted))
                .collect(),
        ),
        Value::Mapping(map) => {
            let mut swapped = Mapping::with_capacity(map.len());
            for (key, item) in map {
                let key = swap_ambiguous(key, prefix, quoted);
                let item = swap_ambiguous(item, prefix, quoted);
                swapped.insert(key, item);
            }
            Value::Mapping(swapped)
        }
        Value::Tagged(tagged) => {
            let mut tagged = tagged.clone();
            tagged.value = swap_ambiguous(&tagged.value, prefix, quoted);
            Value::Tagged(tagged)
        }
        other => other.clone(),
    }
}

/// Whether a YAML 1.1 reader could take the plain scalar `text` for a non-string: a
/// 1.1 boolean word, `~`, `<<` or `=`, or anything number- or date-like. Being
/// generous costs only a pair of quotes.
fn is_ambiguous(text: &str) -> bool {
    const WORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "~", "<<", "=",
    ];
    if WORDS.contains(&text) {
        return true;
    }
    let numberish = text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    numberish
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '+' | '-' | ' '))
}

fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(yaml: &str) -> String {
        let value: Value = yaml_serde::from_str(yaml).unwrap();
        to_string(&value).unwrap()
    }

    #[test]
    fn yaml_1_1_words_and_numbers_stay_strings() {
        let text = round_trip(
            "a: 'on'\nb: 'yes'\nc: 'n'\nd: '1_000'\ne: '1:30'\nf: '2024-01-01'\n'off': x\n\
             g: plain\nh: '22.04'\ni: 1.5\nj: it's\n",
        );
        assert_eq!(
            text,
            "a: 'on'\nb: 'yes'\nc: 'n'\nd: '1_000'\ne: '1:30'\nf: '2024-01-01'\n'off': x\n\
             g: plain\nh: '22.04'\ni: 1.5\nj: it's\n"
        );
    }

    #[test]
    fn nested_and_multiline_values() {
        let text = round_trip(
            "options:\n  mode:\n    default: 'off'\n    description: |\n      one\n      two\n",
        );
        assert_eq!(
            text,
            "options:\n  mode:\n    default: 'off'\n    description: |\n      one\n      two\n"
        );
    }

    #[test]
    fn a_document_holding_the_placeholder_is_still_right() {
        let text = round_trip("a: __cargo_charm_quoted_0__\nb: 'no'\n");
        assert_eq!(text, "a: __cargo_charm_quoted_0__\nb: 'no'\n");
    }

    #[test]
    fn many_placeholders() {
        let yaml: String = (0..12).map(|i| format!("k{i}: 'on'\n")).collect();
        assert_eq!(round_trip(&yaml), yaml);
    }
}
