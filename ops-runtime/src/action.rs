//! Typed action parameters and results.

use std::fmt;

use serde::de::DeserializeOwned;

/// One parameter that is missing or does not convert.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parameter `{param}` {problem}")]
pub struct InvalidParam {
    /// The parameter's name.
    pub param: String,
    /// What is wrong with it.
    pub problem: String,
}

/// The action's parameters cannot be loaded into their typed form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// Some parameters are missing or do not convert; each is listed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<InvalidParam>),
    /// The params type belongs to another action.
    #[error("the params type is for action `{expected}`, but `{running}` is running")]
    WrongAction {
        /// The action the type describes.
        expected: &'static str,
        /// The action running.
        running: String,
    },
}

/// The parameters of one action as a typed struct, implemented with
/// `#[derive(CharmAction)]`, which checks every field against the action's params
/// in charmcraft.yaml at compile time.
///
/// Handlers take it as [`Params<T>`]; it can also be loaded with
/// [`HookContext::load_params`](crate::HookContext::load_params).
pub trait CharmAction: Sized {
    /// The action's name, as in the metadata.
    const NAME: &'static str;
    /// Converts the parameters `action-get` reported; the error lists every bad one.
    fn from_params(
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, ParamsError>;
}

/// The running action's parameters as a typed struct: a handler argument, only
/// valid in the handler of the action `T` belongs to (a compile-time check).
///
/// When the parameters do not convert, the action fails with `action-fail
/// "Error in action parameters: ..."` and the handler does not run, as ops's
/// `load_params(errors='fail')` does.
#[derive(Debug, Clone, PartialEq)]
pub struct Params<T>(pub T);

impl<T> std::ops::Deref for Params<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Params<T> {
    /// The typed parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// Reads one parameter for a generated `from_params`: `Ok(None)` when absent.
#[doc(hidden)]
pub fn param<T: DeserializeOwned>(
    params: &serde_json::Map<String, serde_json::Value>,
    name: &str,
    allowed: Option<&[&str]>,
) -> Result<Option<T>, InvalidParam> {
    let Some(value) = params.get(name) else {
        return Ok(None);
    };
    if let (Some(allowed), serde_json::Value::String(s)) = (allowed, value)
        && !allowed.contains(&s.as_str())
    {
        // Parameters often hold passwords: errors describe the value, never quote it.
        return Err(InvalidParam {
            param: name.to_owned(),
            problem: format!(
                "is {}, not one of the allowed values: {}",
                crate::redact::describe_value(value),
                allowed.join(", ")
            ),
        });
    }
    serde_json::from_value(value.clone())
        .map(Some)
        .map_err(|e| InvalidParam {
            param: name.to_owned(),
            problem: format!(
                "has an invalid value ({}): {}",
                crate::redact::describe_value(value),
                crate::redact::conversion_problem(&e.to_string())
            ),
        })
}

/// A required parameter that is absent.
#[doc(hidden)]
pub fn missing(name: &str) -> InvalidParam {
    InvalidParam {
        param: name.to_owned(),
        problem: "is required but was not given".to_owned(),
    }
}

/// Something an action handler can return: `()` or a `Result` whose value is
/// `()` or anything that serializes to a map, sent with `action-set`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by an action handler",
    label = "action handlers return `()` or `Result<T, E>` with `T: Serialize` (a struct or map: the action's results)",
    note = "an action cannot be deferred: it runs once, when the user runs it, so `Flow` is no action result"
)]
pub trait IntoActionOutcome {
    /// The results to send (a JSON object or `null` for none), or the error that
    /// fails the action.
    fn into_results(self) -> Result<serde_json::Value, crate::CharmError>;
}

impl IntoActionOutcome for () {
    fn into_results(self) -> Result<serde_json::Value, crate::CharmError> {
        Ok(serde_json::Value::Null)
    }
}

impl<T: serde::Serialize, E: Into<crate::CharmError>> IntoActionOutcome for Result<T, E> {
    fn into_results(self) -> Result<serde_json::Value, crate::CharmError> {
        let value = self.map_err(Into::into)?;
        serde_json::to_value(value)
            .map_err(|e| crate::CharmError::msg(ResultsNotSerializable(e.to_string())))
    }
}

/// An action's results could not be serialized.
#[derive(Debug)]
struct ResultsNotSerializable(String);

impl fmt::Display for ResultsNotSerializable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot serialize the action's results: {}", self.0)
    }
}
