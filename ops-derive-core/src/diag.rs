//! Error collection and name suggestions.

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

    /// The errors as `compile_error!` invocations.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }
}

/// Normalises a name for comparison: kebab-case YAML keys and snake_case Rust
/// identifiers compare equal.
pub(crate) fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// The candidate closest to `given`, if any is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let given = normalize(given);
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&given, &normalize(c)), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Formats a closed set of names for a message: `` `a`, `b` and `c` ``.
pub(crate) fn list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("`{one}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|n| format!("`{n}`")).collect();
            format!("{} and `{last}`", init.join(", "))
        }
    }
}

/// "; did you mean `x`?" or, for a small set, "; expected one of ..." or "".
pub(crate) fn suggestion(given: &str, candidates: &[String]) -> String {
    if let Some(best) = closest(given, candidates.iter().map(String::as_str)) {
        return format!("; did you mean `{best}`?");
    }
    if !candidates.is_empty() && candidates.len() <= 8 {
        return format!("; expected {}", list(candidates));
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_across_case_styles() {
        let names = ["log-level", "port", "slug"];
        assert_eq!(closest("log_levle", names), Some("log-level"));
        assert_eq!(closest("xyz", names), None);
    }

    #[test]
    fn lists_small_sets() {
        let names = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(suggestion("zzzz", &names), "; expected `a` and `b`");
        assert_eq!(suggestion("zzzz", &[]), "");
    }
}
