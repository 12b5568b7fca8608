//! Error collection and name suggestions.

pub(crate) use ops_metadata::suggest::{did_you_mean, one_of};
use proc_macro2::{Span, TokenStream};

/// Collects every error of one expansion, so one bad handler does not hide the
/// others. Reported once, as one `compile_error!` per error.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records an error at `span`.
    pub(crate) fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error spanning all of `tokens` (rustc underlines the whole
    /// node, not just its first token).
    pub(crate) fn spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records a `syn` error.
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub(crate) fn len(&self) -> usize {
        self.errors.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The messages, in order, for unit tests.
    #[cfg(test)]
    pub(crate) fn messages(&self) -> Vec<String> {
        self.errors.iter().map(ToString::to_string).collect()
    }

    /// The errors as `compile_error!` invocations.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}

/// The Rust spelling of a metadata name: `my-db` becomes `my_db`.
pub(crate) fn to_snake(name: &str) -> String {
    name.replace('-', "_")
}

/// "; did you mean `x`?" or, for a small set, "; expected one of ..." or "".
pub(crate) fn suggestion(given: &str, candidates: &[String]) -> String {
    if let Some(best) = did_you_mean(given, candidates.iter().map(String::as_str)) {
        return format!("; did you mean `{best}`?");
    }
    if !candidates.is_empty() && candidates.len() <= 8 {
        return format!(
            "; expected {}",
            one_of(candidates.iter().map(String::as_str))
        );
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_or_lists() {
        let names = vec!["log-level".to_owned(), "port".to_owned()];
        assert_eq!(
            suggestion("log_levle", &names),
            "; did you mean `log-level`?"
        );
        assert_eq!(
            suggestion("zzzz", &names),
            "; expected `log-level` or `port`"
        );
        assert_eq!(suggestion("zzzz", &[]), "");
    }
}
