//! `secret-add`, `secret-get`, `secret-info-get`, `secret-set`, `secret-grant`,
//! `secret-revoke`, `secret-remove` and `secret-ids`.
//!
//! Ownership follows Juju: a unit manages the secrets it owns; only the leader manages
//! its application's; a secret another application granted can only be read. Owners
//! read the latest revision; an observer reads the revision it tracks, which it
//! starts tracking on its first read and moves with `--refresh`. Changes apply at once,
//! where Juju applies them when the hook ends (and reports their errors then).
//! No error message shows a secret's content.

use serde::Serialize;
use serde_json::Value;

use super::clock;
use super::{Context, Parsed, ToolError, json_text, output, parse, relation_index, yaml_text};
use crate::sim::state::{Databag, Model, Secret, SecretGrant, secret_id};

/// The options of `secret-add` and `secret-set`.
const UPSERT_OPTIONS: &[&str] = &[
    "--label",
    "--description",
    "--expire",
    "--rotate",
    "--owner",
    "--file",
];

/// Runs one of the secret tools.
pub(super) fn run(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
    match tool {
        "secret-add" => add(args, model),
        "secret-get" => get(args, model),
        "secret-info-get" => info_get(args, model),
        "secret-set" => set(args, model),
        "secret-grant" | "secret-revoke" => grant_or_revoke(tool, args, model, context),
        "secret-remove" => remove(args, model),
        _ => ids(args, model),
    }
}

/// The metadata options of `secret-add` and `secret-set`, checked.
struct Upsert {
    label: Option<String>,
    description: Option<String>,
    /// RFC 3339, UTC.
    expire: Option<String>,
    rotate: Option<String>,
    content: Databag,
}

impl Upsert {
    fn parse(parsed: &Parsed) -> Result<Self, ToolError> {
        let expire = match parsed.value(&["--expire"]) {
            None | Some("") => None,
            Some(spec) => Some(clock::rfc3339(clock::parse_expire(spec).ok_or_else(
                || ToolError::usage(format!("expire time or duration {spec:?} not valid")),
            )?)),
        };
        let rotate = match parsed.value(&["--rotate"]) {
            None | Some("") => None,
            Some(policy) if clock::ROTATE_POLICIES.contains(&policy) => Some(policy.to_owned()),
            Some(policy) => {
                return Err(ToolError::usage(format!(
                    "rotate policy {policy:?} not valid"
                )));
            }
        };
        match parsed.value(&["--owner"]) {
            None | Some("application" | "unit") => {}
            Some(owner) => {
                return Err(ToolError::usage(format!(
                    "secret owner {owner:?} not valid"
                )));
            }
        }
        let text = |name: &str| {
            parsed
                .value(&[name])
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        Ok(Self {
            label: text("--label"),
            description: text("--description"),
            expire,
            rotate,
            content: content(parsed)?,
        })
    }

    /// Sets the metadata on `secret` (the label was checked for clashes already).
    fn apply(self, secret: &mut Secret) {
        if let Some(label) = self.label {
            secret.label = Some(label);
        }
        if let Some(description) = self.description {
            secret.description = Some(description);
        }
        if let Some(expire) = self.expire {
            secret.expire = Some(expire);
        }
        if let Some(rotate) = self.rotate {
            secret.rotates = clock::rotate_interval(&rotate)
                .map(|interval| clock::rfc3339(clock::now() + interval));
            secret.rotate = Some(rotate);
        }
    }
}

/// The content arguments: `key=value`, `key#file=PATH` (the value is the file's
/// text), and the YAML map of `--file`.
fn content(parsed: &Parsed) -> Result<Databag, ToolError> {
    let mut content = Databag::new();
    // Juju reads the arguments first; `--file` values win.
    let args = parsed.positionals.iter().map(String::as_str);
    for arg in args {
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
            Some((_, "base64")) => return Err(super::unsupported("secret content `key#base64=`")),
            Some((_, suffix)) => {
                return Err(ToolError::usage(format!(
                    "key suffix #{suffix} not valid (use #file or #base64)"
                )));
            }
        };
        check_key(key)?;
        content.insert(key.to_owned(), value);
    }
    if let Some(file) = parsed.value(&["--file"]) {
        let text = std::fs::read_to_string(file)
            .map_err(|error| ToolError::usage(format!("cannot read {file}: {error}")))?;
        let map: std::collections::BTreeMap<String, String> =
            yaml_serde::from_str(&text).map_err(|_| {
                ToolError::usage(format!("{file} is not a YAML map of keys to strings"))
            })?;
        for (key, value) in map {
            check_key(&key)?;
            content.insert(key, value);
        }
    }
    Ok(content)
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

/// Whether this unit's charm owns `secret` (the unit, or its application).
fn owned(model: &Model, secret: &Secret) -> bool {
    secret.owner == model.unit || secret.owner == model.app
}

/// Whether this unit may change `secret`: it owns it, or it leads the application
/// that does.
fn check_manage(model: &Model, secret: &Secret) -> Result<(), ToolError> {
    if secret.owner == model.unit || (secret.owner == model.app && model.leader) {
        Ok(())
    } else if secret.owner == model.app {
        Err(ToolError::failed("this unit is not the leader"))
    } else {
        Err(ToolError::failed("permission denied"))
    }
}

/// The index of the secret the `ID` argument names.
fn by_id(model: &Model, uri: &str) -> Result<usize, ToolError> {
    let id =
        secret_id(uri).ok_or_else(|| ToolError::usage(format!("secret URI {uri:?} not valid")))?;
    model
        .secrets
        .iter()
        .position(|secret| secret.id == id)
        .ok_or_else(|| ToolError::failed(format!("secret {id:?} not found")))
}

/// Fails when another secret on the same side as one owned by `owner` (this charm's,
/// or the observed ones) has `label`; `index` is the secret being labelled, if it exists.
fn check_label(
    model: &Model,
    index: Option<usize>,
    owner: &str,
    label: &str,
) -> Result<(), ToolError> {
    let mine = owner == model.unit || owner == model.app;
    let clash = model.secrets.iter().enumerate().any(|(at, other)| {
        Some(at) != index && other.label.as_deref() == Some(label) && owned(model, other) == mine
    });
    if clash {
        return Err(ToolError::failed(format!(
            "secret with label {label:?} already exists"
        )));
    }
    Ok(())
}

/// `secret-add [--owner application|unit] [--label L] [--description D] [--expire T]
/// [--rotate P] [--file YAML] KEY=VALUE|KEY#file=PATH ...`: prints the new URI.
fn add(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, UPSERT_OPTIONS, &[])?;
    if parsed.positionals.is_empty() && parsed.value(&["--file"]).is_none() {
        return Err(ToolError::usage("missing secret value or filename"));
    }
    let mut upsert = Upsert::parse(&parsed)?;
    if upsert.content.is_empty() {
        return Err(ToolError::failed("empty secret value not valid"));
    }
    let owner = match parsed.value(&["--owner"]) {
        Some("unit") => model.unit.clone(),
        _ => {
            if !model.leader {
                return Err(ToolError::failed("this unit is not the leader"));
            }
            model.app.clone()
        }
    };
    if let Some(label) = &upsert.label {
        check_label(model, None, &owner, label)?;
    }
    let mut secret = Secret::new(model.new_secret_id(), owner);
    secret.add_revision(std::mem::take(&mut upsert.content));
    upsert.apply(&mut secret);
    let uri = secret.uri();
    model.secrets.push(secret);
    Ok(format!("{uri}\n"))
}

/// `secret-get [ID] [KEY] [--label L] [--peek|--refresh] [--format=json]`.
fn get(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format", "--label"], &["--peek", "--refresh"])?;
    let json = parsed.json()?;
    let label = parsed.value(&["--label"]).filter(|label| !label.is_empty());
    let (uri, key) = match parsed.positionals.as_slice() {
        [] => (None, None),
        [uri] => (Some(uri.as_str()), None),
        [uri, key] => (Some(uri.as_str()), Some(key.as_str())),
        [_, _, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    if let Some(uri) = uri
        && secret_id(uri).is_none()
    {
        return Err(ToolError::usage(format!("secret URI {uri:?} not valid")));
    }
    let (peek, refresh) = (parsed.flag("--peek"), parsed.flag("--refresh"));
    if peek && refresh {
        return Err(ToolError::usage(
            "specify one of --peek or --refresh but not both",
        ));
    }
    let index = match (uri, label) {
        (Some(uri), label) => {
            let index = by_id(model, uri)?;
            if let Some(label) = label {
                let secret = &model.secrets[index];
                let owner = secret.owner.clone();
                // An owner's label changes only where it may manage the secret.
                if !owned(model, secret) || check_manage(model, secret).is_ok() {
                    check_label(model, Some(index), &owner, label)?;
                    model.secrets[index].label = Some(label.to_owned());
                }
            }
            index
        }
        (None, Some(label)) => {
            // The charm's own labels first, then the ones it gave observed secrets.
            let find = |mine: bool| {
                model.secrets.iter().position(|secret| {
                    secret.label.as_deref() == Some(label) && owned(model, secret) == mine
                })
            };
            find(true)
                .or_else(|| find(false))
                .ok_or_else(|| ToolError::failed(format!("consumer label {label:?} not found")))?
        }
        (None, None) => return Err(ToolError::usage("require either a secret URI or label")),
    };
    let is_owner = owned(model, &model.secrets[index]);
    let secret = &mut model.secrets[index];
    let revision = if is_owner || peek {
        secret.latest()
    } else {
        match secret.tracked {
            Some(tracked) if !refresh => tracked,
            _ => {
                secret.tracked = Some(secret.latest());
                secret.latest()
            }
        }
    };
    if peek && !is_owner && secret.tracked.is_none() {
        // Juju starts tracking on the first read, even a peek.
        secret.tracked = Some(revision);
    }
    let Some(content) = secret.revisions.get(&revision) else {
        return Err(ToolError::failed(format!(
            "secret {:?} revision {revision} not found",
            secret.id
        )));
    };
    match key {
        // secret-get's default format is YAML.
        None => output(&serde_json::to_value(content).unwrap_or_default(), json),
        Some(key) => match content.get(key) {
            Some(value) => output(&Value::String(value.clone()), json),
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

/// Whether `secret-info-get` and `secret-ids` show `secret`: this unit's, and its
/// application's when it leads.
fn listed(model: &Model, secret: &Secret) -> bool {
    secret.owner == model.unit || (secret.owner == model.app && model.leader)
}

/// `secret-info-get (ID | --label L) [--format=json]`: `{ID: {revision, label, owner, ...}}`.
fn info_get(args: &[String], model: &Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format", "--label"], &[])?;
    let json = parsed.json()?;
    let label = parsed.value(&["--label"]).filter(|label| !label.is_empty());
    let uri = match parsed.positionals.as_slice() {
        [] => None,
        [uri] => Some(uri.as_str()),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    let (found, wanted) = match (uri, label) {
        (None, None) => return Err(ToolError::usage("require either a secret URI or label")),
        (Some(_), Some(_)) => {
            return Err(ToolError::usage(
                "specify either a secret URI or label but not both",
            ));
        }
        (Some(uri), None) => {
            let id = secret_id(uri)
                .ok_or_else(|| ToolError::usage(format!("secret URI {uri:?} not valid")))?;
            let found = model
                .secrets
                .iter()
                .find(|secret| secret.id == id && listed(model, secret));
            (found, id)
        }
        (None, Some(label)) => {
            let found = model
                .secrets
                .iter()
                .find(|secret| secret.label.as_deref() == Some(label) && listed(model, secret));
            (found, label)
        }
    };
    let secret = found.ok_or_else(|| ToolError::failed(format!("secret {wanted:?} not found")))?;
    let info = InfoJson {
        revision: secret.latest(),
        label: secret.label.as_deref().unwrap_or_default(),
        owner: if secret.owner == model.unit {
            "unit"
        } else {
            "application"
        },
        description: secret.description.as_deref(),
        rotation: secret.rotate.as_deref(),
        expiry: secret.expire.as_deref(),
        rotates: secret.rotates.as_deref(),
    };
    let document = std::collections::BTreeMap::from([(secret.id.as_str(), info)]);
    if json {
        json_text(&document)
    } else {
        // secret-info-get's default format is YAML.
        yaml_text(&document)
    }
}

/// `secret-ids [--format=json]`: the ids of the secrets `secret-info-get` shows.
fn ids(args: &[String], model: &Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--format"], &[])?;
    let json = parsed.json()?;
    if let Some(extra) = parsed.positionals.first() {
        return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
    }
    let mut ids: Vec<&str> = model
        .secrets
        .iter()
        .filter(|secret| listed(model, secret))
        .map(|secret| secret.id.as_str())
        .collect();
    ids.sort_unstable();
    if ids.is_empty() {
        // Juju's list is a nil slice then: `null` in JSON, nothing in the smart format.
        return output(&Value::Null, json);
    }
    output(&Value::from(ids), json)
}

/// `secret-set ID [--label L] [--description D] [--expire T] [--rotate P]
/// [--owner application|unit] [KEY=VALUE|KEY#file=PATH ...]`. New content makes a
/// new revision, unless it equals the latest (as Juju 3.6 does).
fn set(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let mut parsed = parse(args, UPSERT_OPTIONS, &[])?;
    if parsed.positionals.is_empty() {
        return Err(ToolError::usage("missing secret URI"));
    }
    let uri = parsed.positionals.remove(0);
    let mut upsert = Upsert::parse(&parsed)?;
    let index = by_id(model, &uri)?;
    check_manage(model, &model.secrets[index])?;
    if let Some(label) = &upsert.label {
        let owner = model.secrets[index].owner.clone();
        check_label(model, Some(index), &owner, label)?;
    }
    let secret = &mut model.secrets[index];
    let content = std::mem::take(&mut upsert.content);
    if !content.is_empty() && secret.revisions.get(&secret.latest()) != Some(&content) {
        secret.add_revision(content);
    }
    upsert.apply(secret);
    Ok(String::new())
}

/// `secret-remove ID [--revision N]`: one revision, or the whole secret.
fn remove(args: &[String], model: &mut Model) -> Result<String, ToolError> {
    let parsed = parse(args, &["--revision"], &[])?;
    let [uri] = parsed.positionals.as_slice() else {
        return Err(if parsed.positionals.is_empty() {
            ToolError::usage("missing secret URI")
        } else {
            ToolError::usage(format!("unrecognized args: [{:?}]", parsed.positionals[1]))
        });
    };
    let revision = match parsed.value(&["--revision"]) {
        None => None,
        Some(text) => Some(text.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ToolError::usage(format!("invalid value {text:?} for option --revision"))
        })?),
    };
    let index = by_id(model, uri)?;
    check_manage(model, &model.secrets[index])?;
    let secret = &mut model.secrets[index];
    match revision {
        Some(revision) => {
            if secret.revisions.remove(&revision).is_none() {
                return Err(ToolError::failed(format!(
                    "secret {:?} revision {revision} not found",
                    secret.id
                )));
            }
            if secret.revisions.is_empty() {
                model.secrets.remove(index);
            }
        }
        None => {
            model.secrets.remove(index);
        }
    }
    Ok(String::new())
}

/// `secret-grant -r RELATION [--unit UNIT] ID` and
/// `secret-revoke -r RELATION [--app APP] [--unit UNIT] ID`.
fn grant_or_revoke(
    tool: &str,
    args: &[String],
    model: &mut Model,
    context: &Context,
) -> Result<String, ToolError> {
    let valued: &[&str] = if tool == "secret-grant" {
        &["-r", "--relation", "--unit"]
    } else {
        &["-r", "--relation", "--unit", "--app"]
    };
    let parsed = parse(args, valued, &[])?;
    let uri = match parsed.positionals.as_slice() {
        [uri] => uri.clone(),
        [] => return Err(ToolError::usage("missing secret URI")),
        [_, extra, ..] => {
            return Err(ToolError::usage(format!("unrecognized args: [{extra:?}]")));
        }
    };
    if secret_id(&uri).is_none() {
        return Err(ToolError::usage(format!("secret URI {uri:?} not valid")));
    }
    let relation = &model.relations[relation_index(model, &parsed, context)?];
    let (reference, remote_app) = (relation.reference(), relation.remote_app.clone());
    let unit = parsed.value(&["--unit"]).filter(|unit| !unit.is_empty());
    if let Some(unit) = unit {
        let (app, number) = unit.split_once('/').unwrap_or((unit, ""));
        if app.is_empty() || number.parse::<u64>().is_err() {
            return Err(ToolError::usage(format!("unit {unit:?} not valid")));
        }
        if app != remote_app {
            return Err(ToolError::usage(format!(
                "cannot specify unit {unit:?} in relation to application {remote_app:?}"
            )));
        }
    }
    if let Some(app) = parsed.value(&["--app"])
        && app != remote_app
    {
        return Err(ToolError::usage(format!(
            "cannot specify application {app:?} in relation with application {remote_app:?}"
        )));
    }
    let index = by_id(model, &uri)?;
    let secret = &model.secrets[index];
    if tool == "secret-grant" && !listed(model, secret) {
        // Juju looks the secret up among the ones this unit manages.
        return Err(ToolError::failed(format!(
            "secret {:?} not found",
            secret.id
        )));
    }
    check_manage(model, secret)?;
    let grants = &mut model.secrets[index].grants;
    let unit = unit.map(str::to_owned);
    if tool == "secret-revoke" {
        grants
            .retain(|grant| grant.relation != reference || (unit.is_some() && grant.unit != unit));
        return Ok(String::new());
    }
    let on_relation = |grant: &&SecretGrant| grant.relation == reference;
    if grants
        .iter()
        .filter(on_relation)
        .any(|grant| grant.unit.is_none() || grant.unit == unit)
    {
        // Already granted, to this unit or to the whole application.
        return Ok(String::new());
    }
    if unit.is_none() && grants.iter().any(|grant| on_relation(&grant)) {
        return Err(ToolError::failed(
            "any unit level grants need to be revoked before granting access to the \
             corresponding application",
        ));
    }
    grants.push(SecretGrant {
        relation: reference,
        app: remote_app,
        unit,
    });
    Ok(String::new())
}
