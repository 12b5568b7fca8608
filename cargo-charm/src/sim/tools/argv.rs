//! A tool's command line as Juju's `gnuflag` reads it, and the formats Juju's
//! `cmd` package writes answers in.

use serde_json::Value;

use super::ToolError;

/// Options and positional arguments of one call.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    options: Vec<(String, Option<String>)>,
    /// The positional arguments, in order.
    pub(super) positionals: Vec<String>,
}

impl Parsed {
    /// The last value of any of `names`.
    pub(super) fn value(&self, names: &[&str]) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(name, _)| names.contains(&name.as_str()))
            .and_then(|(_, value)| value.as_deref())
    }

    /// Whether flag `name` was given.
    pub(super) fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(option, _)| option == name)
    }

    /// A flag that may carry `=true`/`=false` in any case (`--application=True`).
    pub(super) fn bool_flag(&self, name: &str) -> Result<bool, ToolError> {
        match self.options.iter().rev().find(|(option, _)| option == name) {
            None => Ok(false),
            Some((_, None)) => Ok(true),
            Some((_, Some(value))) => match value.to_ascii_lowercase().as_str() {
                "true" | "1" | "t" => Ok(true),
                "false" | "0" | "f" => Ok(false),
                _ => Err(ToolError::usage(format!(
                    "invalid boolean value {value:?} for {name}"
                ))),
            },
        }
    }

    /// `--format`: JSON, or Juju's default "smart" format (YAML for maps, which the
    /// sim also prints for `--format=yaml`).
    pub(super) fn json(&self) -> Result<bool, ToolError> {
        match self.value(&["--format"]) {
            None | Some("smart" | "yaml") => Ok(false),
            Some("json") => Ok(true),
            Some(other) => Err(ToolError::usage(format!(
                "invalid value {other:?} for option --format: unknown format {other:?}"
            ))),
        }
    }
}

/// Splits `args` by the options of a tool: `valued` take a value (`--x v` or `--x=v`),
/// `flags` take none (or an inline `=BOOL`).
pub(super) fn parse(args: &[String], valued: &[&str], flags: &[&str]) -> Result<Parsed, ToolError> {
    let mut parsed = Parsed::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--" {
            parsed.positionals.extend(args.by_ref().cloned());
            break;
        }
        if arg.len() > 1 && arg.starts_with('-') {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            if valued.contains(&name) {
                let value = match inline {
                    Some(value) => value,
                    None => args.next().cloned().ok_or_else(|| {
                        ToolError::usage(format!("flag needs an argument: {name}"))
                    })?,
                };
                parsed.options.push((name.to_owned(), Some(value)));
            } else if flags.contains(&name) {
                parsed.options.push((name.to_owned(), inline));
            } else {
                return Err(ToolError::usage(format!(
                    "option provided but not defined: {name}"
                )));
            }
        } else {
            parsed.positionals.push(arg.clone());
        }
    }
    Ok(parsed)
}

/// `value` as JSON and a newline.
pub(super) fn json_text(value: &impl serde::Serialize) -> Result<String, ToolError> {
    serde_json::to_string(value)
        .map(|text| text + "\n")
        .map_err(|error| ToolError::failed(format!("cannot encode the output: {error}")))
}

/// `value` as YAML.
pub(super) fn yaml_text(value: &impl serde::Serialize) -> Result<String, ToolError> {
    yaml_serde::to_string(value)
        .map_err(|error| ToolError::failed(format!("cannot encode the output: {error}")))
}

/// The output of a value in the requested format, as `github.com/juju/cmd` writes it:
/// JSON and a newline; or the smart format, which writes nothing for `null`, a string
/// as it is, a boolean as `True` or `False`, a list one item a line and a map as YAML.
pub(super) fn output(value: &Value, json: bool) -> Result<String, ToolError> {
    if json {
        return json_text(value);
    }
    match value {
        Value::Null => Ok(String::new()),
        Value::String(text) => Ok(format!("{text}\n")),
        Value::Bool(true) => Ok("True\n".into()),
        Value::Bool(false) => Ok("False\n".into()),
        Value::Number(number) => Ok(format!("{number}\n")),
        Value::Array(items) => Ok(items
            .iter()
            .map(|item| match item {
                Value::String(text) => format!("{text}\n"),
                other => format!("{other}\n"),
            })
            .collect()),
        Value::Object(_) => yaml_text(value),
    }
}
