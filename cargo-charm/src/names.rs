//! Charm names, and the Rust names derived from them.

/// The longest name charmcraft accepts.
const MAX_LEN: usize = 40;

/// Words a charm cannot be called, because its crate would then be unusable: Rust's
/// keywords (a crate named `fn` cannot be written in a path) and the crates every
/// program already has (Cargo refuses them as package names).
const RESERVED: &[&str] = &[
    "abstract", "alloc", "as", "async", "await", "become", "box", "break", "const", "continue",
    "core", "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen",
    "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "pub", "ref", "return", "self", "static", "std", "struct", "super", "test", "trait", "true",
    "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Why `name` is not a valid charm name, or `None` if it is.
///
/// The rules are charmcraft's: lowercase ASCII letters, digits and hyphens, at most 40
/// characters, no leading, trailing or doubled hyphen; and, as Juju's own charm URLs
/// require, a letter first.
pub(crate) fn charm_name_problem(name: &str) -> Option<String> {
    let problem = if name.is_empty() {
        "it is empty".to_owned()
    } else if name.len() > MAX_LEN {
        format!(
            "it has {} characters; the most is {MAX_LEN}",
            name.chars().count()
        )
    } else if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        format!("`{bad}` is not a lowercase letter, a digit or `-`")
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        "it does not start with a lowercase letter".to_owned()
    } else if name.ends_with('-') {
        "it ends with `-`".to_owned()
    } else if name.contains("--") {
        "it has `--`".to_owned()
    } else {
        return None;
    };
    Some(format!(
        "`{name}` is not a valid charm name: {problem}; use lowercase letters, digits and \
         single hyphens, starting with a letter"
    ))
}

/// Why `name` cannot name a generated Rust project, or `None` if it can.
pub(crate) fn crate_name_problem(name: &str) -> Option<String> {
    RESERVED.contains(&name).then(|| {
        format!(
            "`{name}` cannot name a charm project: Rust reserves it; pick another name, such \
             as `{name}-charm`"
        )
    })
}

/// The crate's name in Rust code: `my-app` is `my_app`.
pub(crate) fn crate_ident(name: &str) -> String {
    name.replace('-', "_")
}

/// The name's UpperCamelCase form, for type names: `my-app` is `MyApp`.
pub(crate) fn camel_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        for name in ["a", "tinyproxy", "my-app", "app2", "a-1-b", &"a".repeat(40)] {
            assert_eq!(charm_name_problem(name), None, "{name}");
        }
    }

    #[test]
    fn invalid_names() {
        let cases = [
            ("", "it is empty"),
            ("My-app", "`M` is not a lowercase letter, a digit or `-`"),
            ("my_app", "`_` is not a lowercase letter, a digit or `-`"),
            ("2app", "it does not start with a lowercase letter"),
            ("-app", "it does not start with a lowercase letter"),
            ("app-", "it ends with `-`"),
            ("my--app", "it has `--`"),
        ];
        for (name, problem) in cases {
            let message = charm_name_problem(name).unwrap();
            assert!(message.contains(problem), "{name}: {message}");
        }
        let long = "a".repeat(41);
        assert!(
            charm_name_problem(&long)
                .unwrap()
                .contains("it has 41 characters; the most is 40")
        );
        assert_eq!(
            crate_name_problem("test").unwrap(),
            "`test` cannot name a charm project: Rust reserves it; pick another name, such as \
             `test-charm`"
        );
        assert_eq!(crate_name_problem("tester"), None);
    }

    #[test]
    fn derived_names() {
        assert_eq!(crate_ident("my-app-2"), "my_app_2");
        assert_eq!(camel_case("my-app-2x"), "MyApp2x");
        assert_eq!(camel_case("tinyproxy"), "Tinyproxy");
    }
}
