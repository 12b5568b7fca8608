//! "Did you mean" suggestions and lists of valid names, shared by this crate's errors
//! and the `#[charm]` macros' so both suggest alike.

/// The candidate closest to `input`, if one is close enough to be a likely typo.
///
/// Names are compared after lower-casing and dropping `-` and `_`, so `log_level` matches
/// `log-level` exactly.
pub fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let input = normalize(input);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::jaro_winkler(&input, &normalize(candidate)),
                candidate,
            )
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|(a, _), (b, _)| a.total_cmp(b))
        .map(|(_, candidate)| candidate)
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// `` `a`, `b` or `c` ``.
pub fn one_of<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// The hint for a value outside a closed set: a suggestion if one is close, else the list.
pub fn hint_for(input: &str, valid: &[&str]) -> String {
    match did_you_mean(input, valid.iter().copied()) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => format!("use one of {}", one_of(valid.iter().copied())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        assert_eq!(
            did_you_mean("peer", ["peers", "provides", "requires"]),
            Some("peers")
        );
        assert_eq!(
            did_you_mean("minjujuversion", ["min-juju-version", "name"]),
            Some("min-juju-version")
        );
        assert_eq!(
            did_you_mean("enumerate", ["enum", "default", "type"]),
            Some("enum")
        );
        assert_eq!(
            did_you_mean("integer", ["string", "int", "float"]),
            Some("int")
        );
        assert_eq!(did_you_mean("zzz", ["string", "int"]), None);
    }

    #[test]
    fn lists_names() {
        assert_eq!(one_of(["a"]), "`a`");
        assert_eq!(one_of(["a", "b", "c"]), "`a`, `b` or `c`");
    }
}
