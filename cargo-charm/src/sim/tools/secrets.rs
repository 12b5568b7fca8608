//! The rows of `secret-add`, `secret-get`, `secret-info-get`, `secret-set`,
//! `secret-grant`, `secret-revoke`, `secret-remove` and `secret-ids`: their command
//! lines (content as `key=value`, `key#file=PATH` or a `--file` YAML map; `--expire`
//! as a time or a Go duration) and Juju's output. Ownership, tracked revisions,
//! labels and grants are the runtime's model's. No error message shows a secret's
//! content.

use std::time::{Duration, UNIX_EPOCH};

use ops_runtime::{
    HookTools, Revision, RotatePolicy, SecretContent, SecretExpiry, SecretLookup, SecretOptions,
    SecretOwner,
};
use serde::Serialize;
use serde_json::Value;

use super::argv::{json_text, yaml_text};
use super::{Call, ToolError, clock, unsupported};
use crate::sim::state::{Databag, secret_id};

/// The options of `secret-add` and `secret-set`.
pub(super) const UPSERT_OPTIONS: &[&str] = &[
    "--label",
    "--description",
    "--expire",
    "--rotate",
    "--owner",
    "--file",
];

/// The metadata options of `secret-add` and `secret-set`, and the content (the
/// positional arguments past the first `skip`), checked.
fn upsert(c: &Call<'_>, skip: usize) -> Result<(SecretOptions, SecretContent), ToolError> {
    let args = &c.args;
    let expire = match args.value(&["--expire"]) {
        None | Some("") => None,
        Some(spec) => {
            let secs = clock::parse_expire(spec).ok_or_else(|| {
                ToolError::usage(format!("expire time or duration {spec:?} not valid"))
            })?;
            let secs = u64::try_from(secs).unwrap_or_default();
            Some(SecretExpiry::At(UNIX_EPOCH + Duration::from_secs(secs)))
        }
    };
    let rotate = match args.value(&["--rotate"]) {
        None | Some("") => None,
        Some(policy) => Some(
            RotatePolicy::from_name(policy)
                .ok_or_else(|| ToolError::usage(format!("rotate policy {policy:?} not valid")))?,
        ),
    };
    match args.value(&["--owner"]) {
        None | Some("application" | "unit") => {}
        Some(owner) => {
            return Err(ToolError::usage(format!(
                "secret owner {owner:?} not valid"
            )));
        }
    }
    let text = |name: &str| {
        args.value(&[name])
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let options = SecretOptions {
        label: text("--label"),
        description: text("--description"),
        expire,
        rotate,
    };
    Ok((options, content(c, skip)?))
}

/// The content: the positional arguments past the first `skip` (`key=value`,
/// `key#file=PATH`, whose value is the file's text), then the YAML map of `--file`.
fn content(c: &Call<'_>, skip: usize) -> Result<SecretContent, ToolError> {
    let mut content = Databag::new();
    // Juju reads the arguments first; `--file` values win.
    for arg in c.args.positionals.iter().skip(skip) {
        let Some((key, value)) = arg.split_once('=') else {
            // Unlike Juju, do not echo the argument: it may be a value.
            return Err(ToolError::usage(
                "expected \"key=value\", got an argument without `=`",
            ));
        };
        let (key, value) = match key.split_once('#') {
            None => (key, value.to_owned()),
            Some((key, "file")) => (
                key,
                std::fs::read_to_string(value).map_err(|error| {
                    ToolError::usage(format!(
                        "cannot read the content of secret key {key:?} from {value}: {error}"
                    ))
                })?,
            ),
            Some((_, "base64")) => return Err(unsupported("secret content `key#base64=`")),
            Some((_, suffix)) => {
                return Err(ToolError::usage(format!(
                    "key suffix #{suffix} not valid (use #file or #base64)"
                )));
            }
        };
        check_key(key)?;
        content.insert(key.to_owned(), value);
    }
    if let Some(file) = c.args.value(&["--file"]) {
        let text = std::fs::read_to_string(file)
            .map_err(|error| ToolError::usage(format!("cannot read {file}: {error}")))?;
        let map: Databag = yaml_serde::from_str(&text).map_err(|_| {
            ToolError::usage(format!("{file} is not a YAML map of keys to strings"))
        })?;
        for (key, value) in map {
            check_key(&key)?;
            content.insert(key, value);
        }
    }
    Ok(content.into())
}

/// Juju's rule: `^[a-z](?:-?[a-z0-9]){2,}$`.
fn check_key(key: &str) -> Result<(), ToolError> {
    let bytes = key.as_bytes();
    let valid = bytes.len() >= 3
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && !key.ends_with('-')
        && !key.contains("--");
    if valid {
        Ok(())
    } else {
        Err(ToolError::usage(format!("key {key:?} not valid")))
    }
}

/// `uri` checked as a secret URI (`secret:ID`, `secret://MODEL/ID` or `ID`).
fn check_uri(uri: &str) -> Result<&str, ToolError> {
    secret_id(uri)
        .map(|_| uri)
        .ok_or_else(|| ToolError::usage(format!("secret URI {uri:?} not valid")))
}

/// The secret's URI, the first positional argument, checked.
fn uri_arg<'a>(c: &'a Call<'_>) -> Result<&'a str, ToolError> {
    let uri = c
        .args
        .positionals
        .first()
        .ok_or_else(|| ToolError::usage("missing secret URI"))?;
    check_uri(uri)
}

/// `secret-add [--owner application|unit] [--label L] [--description D] [--expire T]
/// [--rotate P] [--file YAML] KEY=VALUE|KEY#file=PATH ...`: prints the new URI.
pub(super) fn add(c: &mut Call<'_>) -> Result<String, ToolError> {
    if c.args.positionals.is_empty() && c.args.value(&["--file"]).is_none() {
        return Err(ToolError::usage("missing secret value or filename"));
    }
    let (options, content) = upsert(c, 0)?;
    let owner = match c.args.value(&["--owner"]) {
        Some("unit") => SecretOwner::Unit,
        _ => SecretOwner::App,
    };
    let id = c.tools.secret_add(&content, &options, owner)?;
    Ok(format!("secret:{}\n", secret_id(&id).unwrap_or(&id)))
}

/// `secret-get [ID] [KEY] [--label L] [--peek|--refresh] [--format=json]`.
pub(super) fn get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let label = c.args.value(&["--label"]).filter(|label| !label.is_empty());
    let args = c.at_most(2)?;
    let uri = args.first().map(|uri| check_uri(uri)).transpose()?;
    let key = args.get(1).map(String::as_str);
    let revision = match (c.args.flag("--peek"), c.args.flag("--refresh")) {
        (true, true) => {
            return Err(ToolError::usage(
                "specify one of --peek or --refresh but not both",
            ));
        }
        (true, false) => Revision::Peek,
        (false, true) => Revision::Refresh,
        (false, false) => Revision::Tracked,
    };
    if uri.is_none() && label.is_none() {
        return Err(ToolError::usage("require either a secret URI or label"));
    }
    let lookup = SecretLookup::new(uri, label);
    let content = c.tools.secret_get(&lookup, revision)?;
    match key {
        // secret-get's default format is YAML.
        None => c.print(&content),
        Some(key) => match content.get(key) {
            Some(value) => c.print(value),
            None => Err(ToolError::failed(format!("secret key {key:?} not found"))),
        },
    }
}

/// One entry of `secret-info-get`, in Juju's field order.
#[derive(Serialize)]
struct InfoJson<'a> {
    revision: u64,
    label: &'a str,
    owner: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiry: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotates: Option<&'a str>,
}

/// `secret-info-get (ID | --label L) [--format=json]`: `{ID: {revision, label,
/// owner, ...}}`, YAML by default.
pub(super) fn info_get(c: &mut Call<'_>) -> Result<String, ToolError> {
    let label = c.args.value(&["--label"]).filter(|label| !label.is_empty());
    let uri = c.at_most(1)?.first().map(String::as_str);
    let uri = match (uri, label) {
        (None, None) => return Err(ToolError::usage("require either a secret URI or label")),
        (Some(_), Some(_)) => {
            return Err(ToolError::usage(
                "specify either a secret URI or label but not both",
            ));
        }
        (Some(uri), None) => Some(check_uri(uri)?),
        (None, Some(_)) => None,
    };
    let info = c.tools.secret_info_get(&SecretLookup::new(uri, label))?;
    let owner = c.tools.inspect(|model| {
        let secret = model.secrets.iter().find(|secret| secret.id == info.id);
        match secret.and_then(|secret| secret.owner) {
            Some(SecretOwner::Unit) => "unit",
            _ => "application",
        }
    });
    let id = secret_id(&info.id).unwrap_or(&info.id);
    let document = std::collections::BTreeMap::from([(
        id,
        InfoJson {
            revision: info.revision,
            label: info.label.as_deref().unwrap_or_default(),
            owner,
            description: info.description.as_deref(),
            rotation: info.rotation.map(RotatePolicy::as_str),
            expiry: info.expires.as_deref(),
            rotates: info.rotates.as_deref(),
        },
    )]);
    if c.args.json()? {
        json_text(&document)
    } else {
        // secret-info-get's default format is YAML.
        yaml_text(&document)
    }
}

/// `secret-ids [--format=json]`: the ids of the secrets `secret-info-get` shows,
/// bare and sorted.
pub(super) fn ids(c: &mut Call<'_>) -> Result<String, ToolError> {
    c.at_most(0)?;
    let mut ids: Vec<String> = c
        .tools
        .secret_ids()?
        .iter()
        .map(|id| secret_id(id).unwrap_or(id).to_owned())
        .collect();
    ids.sort_unstable();
    if ids.is_empty() {
        // Juju's list is a nil slice then: `null` in JSON, nothing in the smart format.
        return c.print(Value::Null);
    }
    c.print(ids)
}

/// `secret-set ID [--label L] [--description D] [--expire T] [--rotate P]
/// [--owner application|unit] [KEY=VALUE|KEY#file=PATH ...]`.
pub(super) fn set(c: &mut Call<'_>) -> Result<String, ToolError> {
    let uri = uri_arg(c)?;
    let (options, content) = upsert(c, 1)?;
    let content = (!content.is_empty()).then_some(&content);
    c.tools.secret_set(uri, content, &options)?;
    Ok(String::new())
}

/// `secret-remove ID [--revision N]`: one revision, or the whole secret.
pub(super) fn remove(c: &mut Call<'_>) -> Result<String, ToolError> {
    c.at_most(1)?;
    let uri = uri_arg(c)?;
    let revision = match c.args.value(&["--revision"]) {
        None => None,
        Some(text) => Some(text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ToolError::usage(format!("invalid value {text:?} for option --revision"))
        })?),
    };
    c.tools.secret_remove(uri, revision)?;
    Ok(String::new())
}

/// What `secret-grant` and `secret-revoke` take: the secret's URI, `-r`'s relation
/// and `--unit`.
fn access<'a>(c: &'a Call<'_>) -> Result<(&'a str, u64, Option<&'a str>), ToolError> {
    c.at_most(1)?;
    let uri = uri_arg(c)?;
    let relation = c.relation_id()?;
    let unit = c.args.value(&["--unit"]).filter(|unit| !unit.is_empty());
    Ok((uri, relation, unit))
}

/// `secret-grant -r RELATION [--unit UNIT] ID`.
pub(super) fn grant(c: &mut Call<'_>) -> Result<String, ToolError> {
    let (uri, relation, unit) = access(c)?;
    c.tools.secret_grant(uri, relation, unit)?;
    Ok(String::new())
}

/// `secret-revoke -r RELATION [--app APP] [--unit UNIT] ID`: `--app` must name the
/// relation's remote application.
pub(super) fn revoke(c: &mut Call<'_>) -> Result<String, ToolError> {
    let (uri, relation, unit) = access(c)?;
    if let Some(app) = c.args.value(&["--app"]) {
        let remote = c.tools.inspect(|model| {
            model
                .relations
                .iter()
                .find(|r| r.id == relation)
                .map(|r| r.remote_app.clone())
        });
        if let Some(remote) = remote
            && app != remote
        {
            return Err(ToolError::usage(format!(
                "cannot specify application {app:?} in relation with application {remote:?}"
            )));
        }
    }
    c.tools.secret_revoke(uri, relation, unit)?;
    Ok(String::new())
}
