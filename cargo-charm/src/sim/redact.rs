//! What `sim` hides when it records or prints a call's argv (`-v`, `--json`).
//!
//! - `secret-add` and `secret-set`: every `KEY=VALUE` (also `KEY#base64=` and
//!   `KEY#file=`) becomes `KEY=<redacted>`: that is the secret's content.
//! - `relation-set`, `action-set`, `leader-set`, `state-set`: a value whose key names a
//!   credential (contains `password`, `passwd`, `secret`, `token`, `credential`,
//!   `private-key` or `api-key`) is redacted. Other relation data and action results
//!   are shown: Juju shows them too (`juju show-unit`, `juju run`), and content that must
//!   stay hidden belongs in a secret.
//! - `useradd` and `usermod`: the value of `-p`/`--password`.
//!
//! Nothing else is on argv that could be secret: `secret-get` and `action-get` name keys
//! only, and their answers (secret content, action parameters) are never recorded. The
//! charm's own `juju-log` lines are shown as it wrote them.

/// What stands for a hidden value.
pub(crate) const REDACTED: &str = "<redacted>";

/// Words in a key that mark its value as a credential.
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "credential",
    "private-key",
    "private_key",
    "api-key",
    "api_key",
];

/// `argv` (the command's name first) with its secret values replaced by
/// [`REDACTED`].
pub(crate) fn argv(argv: &[String]) -> Vec<String> {
    let Some((name, args)) = argv.split_first() else {
        return Vec::new();
    };
    let mut redacted = vec![name.clone()];
    let mut hide_next = false;
    for arg in args {
        if hide_next {
            redacted.push(REDACTED.to_owned());
            hide_next = false;
            continue;
        }
        let hidden = match name.as_str() {
            "secret-add" | "secret-set" => setting(arg, |_| true),
            "relation-set" | "action-set" | "leader-set" | "state-set" => {
                setting(arg, is_credential)
            }
            "useradd" | "usermod" => {
                if arg == "-p" || arg == "--password" {
                    hide_next = true;
                    None
                } else {
                    arg.strip_prefix("--password=")
                        .map(|_| format!("--password={REDACTED}"))
                }
            }
            _ => None,
        };
        redacted.push(hidden.unwrap_or_else(|| arg.clone()));
    }
    redacted
}

/// `KEY=<redacted>` for a `KEY=VALUE` argument whose key `hides`.
fn setting(arg: &str, hides: impl Fn(&str) -> bool) -> Option<String> {
    if arg.starts_with('-') {
        return None;
    }
    let (key, _) = arg.split_once('=')?;
    hides(key).then(|| format!("{key}={REDACTED}"))
}

/// Whether `key` names a credential.
fn is_credential(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|word| key.contains(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(words: &[&str]) -> Vec<String> {
        argv(
            &words
                .iter()
                .map(|word| (*word).to_owned())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn secret_content_and_credentials_are_hidden() {
        assert_eq!(
            redact(&[
                "secret-add",
                "--label",
                "db",
                "password=hunter2",
                "cert#file=/tmp/x"
            ]),
            [
                "secret-add",
                "--label",
                "db",
                "password=<redacted>",
                "cert#file=<redacted>"
            ]
        );
        assert_eq!(
            redact(&["secret-set", "secret:abc", "token=t0"]),
            ["secret-set", "secret:abc", "token=<redacted>"]
        );
        assert_eq!(
            redact(&[
                "relation-set",
                "-r",
                "db:1",
                "host=10.0.0.1",
                "db-password=x"
            ]),
            [
                "relation-set",
                "-r",
                "db:1",
                "host=10.0.0.1",
                "db-password=<redacted>"
            ]
        );
        assert_eq!(
            redact(&["useradd", "-p", "$6$hash", "bob"]),
            ["useradd", "-p", "<redacted>", "bob"]
        );
        assert_eq!(
            redact(&["apt-get", "install", "x=1"]),
            ["apt-get", "install", "x=1"]
        );
    }
}
