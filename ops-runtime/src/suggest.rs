//! "Did you mean" for names given at run time, with the rule the macros use at
//! compile time (`ops_metadata::suggest`): Jaro-Winkler of at least 0.8 after
//! lower-casing and dropping `-` and `_`.

/// The declared name closest to `given`, if close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(given: &str, declared: &[&'a str]) -> Option<&'a str> {
    let given = normalize(given);
    declared
        .iter()
        .map(|name| (strsim::jaro_winkler(&given, &normalize(name)), *name))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|(a, _), (b, _)| a.total_cmp(b))
        .map(|(_, name)| name)
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What to say after "no <kind> `given`": the nearest declared name with the
/// typed way to write it (`typed` with `{}` for the generated constant's
/// suffix), or the declared names when there are few, or that there are none.
pub(crate) fn hint(given: &str, declared: &[&str], kind: &str, typed: &str) -> String {
    if let Some(best) = did_you_mean(given, declared) {
        let constant = best.to_uppercase().replace('-', "_");
        let typed = typed.replace("{}", &constant);
        return format!("; did you mean `{best}`? (`{typed}` is checked at compile time)");
    }
    match declared {
        [] => format!("; it declares no {kind}s"),
        [one] => format!("; it declares only `{one}`"),
        names if names.len() <= 8 => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("; it declares {}", quoted.join(", "))
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_or_lists() {
        let typed = "cx.container(Self::CONTAINER_{})";
        assert_eq!(
            hint("worklaod", &["my-workload", "sidecar"], "container", typed),
            "; did you mean `my-workload`? (`cx.container(Self::CONTAINER_MY_WORKLOAD)` is \
             checked at compile time)"
        );
        assert_eq!(
            hint("zzz", &["workload", "sidecar"], "container", typed),
            "; it declares `workload`, `sidecar`"
        );
        assert_eq!(
            hint("zzz", &[], "container", typed),
            "; it declares no containers"
        );
    }
}
