//! What the metadata tells the model at the start (bindings, storage), and the
//! scenario steps for secrets and storage.

use std::fs;
use std::path::PathBuf;

use ops_metadata::StorageKind;
use ops_runtime::SecretOwner;
use ops_runtime::testing::Secret;

use super::scenario::{SecretStep, StorageStep};
use super::state::{Model, secret_id};
use super::{Dispatch, Sim, SimError, io_error, listing};

fn secret_error(message: String) -> SimError {
    SimError::Config(format!("secret step: {message}"))
}

fn storage_error(message: String) -> SimError {
    SimError::Config(format!("storage step: {message}"))
}

impl Sim<'_> {
    /// Records in `model` what the hook tools need from the metadata: the network
    /// bindings (relation endpoints and `extra-bindings`) and the declared storage,
    /// and attaches each storage's first instances (`multiple.range`'s minimum, at
    /// least one), each at `<root>/storage/NAME/N`: a directory, or an empty file for
    /// block storage.
    pub(super) fn prepare_model(&self, model: &mut Model) -> Result<(), SimError> {
        model.juju.declare_charm(self.metadata);
        for (name, storage) in &self.metadata.storage {
            // One instance, unless `multiple` says otherwise.
            if let Some(max) = storage.multiple.map_or(Some(1), |range| range.max) {
                model.juju.storage_max.insert(name.clone(), max);
            }
            let count = storage.multiple.map_or(1, |range| range.min.max(1));
            for _ in 0..count {
                self.attach_storage(model, name)?;
            }
        }
        Ok(())
    }

    /// Makes the next instance of storage `name` on disk and attaches it in `model`.
    fn attach_storage(&self, model: &mut Model, name: &str) -> Result<String, SimError> {
        let id = model.next_storage_id(name);
        let location: PathBuf = self.root.join("storage").join(&id);
        let block = self
            .metadata
            .storage
            .get(name)
            .is_some_and(|storage| storage.kind == StorageKind::Block);
        if block {
            if let Some(parent) = location.parent() {
                fs::create_dir_all(parent).map_err(io_error("create", parent))?;
            }
            fs::write(&location, b"").map_err(io_error("create", &location))?;
        } else {
            fs::create_dir_all(&location).map_err(io_error("create", &location))?;
        }
        Ok(model.attach_storage(name, location))
    }

    /// Runs a secret step.
    pub(super) fn secret_step(&self, step: &SecretStep) -> Result<(), SimError> {
        let mut model = self.load()?;
        let (event, index, revision) = match step {
            SecretStep::Create {
                id,
                owner,
                label,
                content,
            } => {
                let id = match id.as_deref().and_then(secret_id) {
                    Some(id) => format!("secret:{id}"),
                    None => model.juju.new_secret_id(),
                };
                if model.find_secret(&id).is_some() {
                    return Err(secret_error(format!("there is already a secret `{id}`")));
                }
                if let Some(label) = label
                    && model.find_secret(label).is_some()
                {
                    return Err(secret_error(format!(
                        "there is already a secret labelled `{label}`"
                    )));
                }
                // A label means the charm read it before and labelled it: it tracks
                // this first revision, as it does any secret's first revision.
                let mut secret = Secret::new(content.clone().into()).with_id(id.clone());
                secret.label.clone_from(label);
                match owner.as_str() {
                    "application" => secret = secret.owned_by(SecretOwner::App),
                    "unit" => secret = secret.owned_by(SecretOwner::Unit),
                    other if other == model.juju.app_name => {
                        secret = secret.owned_by(SecretOwner::App);
                    }
                    other if other == model.juju.unit_name => {
                        secret = secret.owned_by(SecretOwner::Unit);
                    }
                    other => {
                        model.secret_owners.insert(id, other.to_owned());
                    }
                }
                model.juju.secrets.push(secret);
                return self.save(&model);
            }
            SecretStep::Changed { secret, content } => {
                let index = find(&model, secret)?;
                let found = &mut model.juju.secrets[index];
                let next = found.latest_revision() + 1;
                found.revisions.insert(next, content.clone().into());
                ("secret-changed", index, None)
            }
            SecretStep::Remove { secret, revision } => {
                let index = owned(&model, secret, "secret-remove")?;
                let found = &model.juju.secrets[index];
                let latest = found.latest_revision();
                let revision = match revision {
                    Some(revision) => *revision,
                    None => found
                        .revisions
                        .keys()
                        .copied()
                        .find(|revision| *revision != latest)
                        .ok_or_else(|| {
                            secret_error(format!(
                                "`{secret}` has only revision {latest}; `secret-remove` is \
                                 for a revision nobody tracks any more: give `revision:`"
                            ))
                        })?,
                };
                ("secret-remove", index, Some(revision))
            }
            SecretStep::Expired { secret, revision } => {
                let index = owned(&model, secret, "secret-expired")?;
                let revision =
                    revision.unwrap_or_else(|| model.juju.secrets[index].latest_revision());
                ("secret-expired", index, Some(revision))
            }
            SecretStep::Rotate { secret } => {
                let index = owned(&model, secret, "secret-rotate")?;
                ("secret-rotate", index, None)
            }
        };
        let secret = &model.juju.secrets[index];
        let uri = uri(&secret.id);
        if let Some(revision) = revision
            && !secret.revisions.contains_key(&revision)
        {
            return Err(secret_error(format!(
                "secret `{uri}` has no revision {revision} (it has {})",
                secret
                    .revisions
                    .keys()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut env = vec![
            ("JUJU_SECRET_ID", uri),
            (
                "JUJU_SECRET_LABEL",
                secret.label.clone().unwrap_or_default(),
            ),
        ];
        if let Some(revision) = revision {
            env.push(("JUJU_SECRET_REVISION", revision.to_string()));
        }
        self.save(&model)?;
        self.dispatch(&Dispatch {
            name: event.to_owned(),
            action: false,
            env,
        })
    }

    /// Runs a storage step.
    pub(super) fn storage_step(&self, step: &StorageStep) -> Result<(), SimError> {
        let (name, index) = match step.storage.split_once('/') {
            Some((name, index)) => (name, Some(index)),
            None => (step.storage.as_str(), None),
        };
        if !self.metadata.storage.contains_key(name) {
            let known: Vec<&str> = self.metadata.storage.keys().map(String::as_str).collect();
            return Err(storage_error(format!(
                "the charm has no storage `{name}`; its storage: {}",
                listing(&known)
            )));
        }
        let mut model = self.load()?;
        let found = model.juju.storages.iter().position(|instance| match index {
            Some(_) => format!("{}/{}", instance.name, instance.index) == step.storage,
            None => {
                instance.name == name
                    && !model
                        .storage_attached
                        .contains(&format!("{}/{}", instance.name, instance.index))
            }
        });
        let position = match (found, step.attached) {
            (Some(position), _) => position,
            (None, false) => {
                return Err(storage_error(format!(
                    "`{}` is not attached, so it cannot detach",
                    step.storage
                )));
            }
            (None, true) => {
                let next = model.next_storage_id(name);
                if index.is_some() && next != step.storage {
                    return Err(storage_error(format!(
                        "`{}` is not attached, and the next instance of `{name}` is `{next}`",
                        step.storage
                    )));
                }
                self.attach_storage(&mut model, name)?;
                model.juju.storages.len() - 1
            }
        };
        let instance = model.juju.storages[position].clone();
        let id = format!("{}/{}", instance.name, instance.index);
        if step.attached {
            model.storage_attached.insert(id.clone());
        }
        let storage_kind = model.storage_kind(name).to_owned();
        self.save(&model)?;
        let kind = if step.attached {
            "attached"
        } else {
            "detaching"
        };
        self.dispatch(&Dispatch {
            name: format!("{name}-storage-{kind}"),
            action: false,
            env: vec![
                ("JUJU_STORAGE_ID", id.clone()),
                (
                    "JUJU_STORAGE_LOCATION",
                    instance.location.display().to_string(),
                ),
                ("JUJU_STORAGE_KIND", storage_kind),
            ],
        })?;
        if !step.attached {
            let mut model = self.load()?;
            model
                .juju
                .storages
                .retain(|other| !(other.name == instance.name && other.index == instance.index));
            model.storage_attached.remove(&id);
            self.save(&model)?;
        }
        Ok(())
    }
}

/// `secret:<unique id>`, as `JUJU_SECRET_ID` names a secret.
fn uri(id: &str) -> String {
    format!("secret:{}", secret_id(id).unwrap_or(id))
}

/// The index of the secret `reference` names (id or label).
fn find(model: &Model, reference: &str) -> Result<usize, SimError> {
    model.find_secret(reference).ok_or_else(|| {
        let known: Vec<String> = model
            .juju
            .secrets
            .iter()
            .map(|secret| match &secret.label {
                Some(label) => format!("{} ({label})", uri(&secret.id)),
                None => uri(&secret.id),
            })
            .collect();
        secret_error(format!(
            "no secret `{reference}`; make one first with a `secret:` step (secrets now: {})",
            listing(&known)
        ))
    })
}

/// The index of the secret `reference` names, which Juju tells about `event` only if
/// the charm owns it (its application's only to the leader).
fn owned(model: &Model, reference: &str, event: &str) -> Result<usize, SimError> {
    let index = find(model, reference)?;
    match model.juju.secrets[index].owner {
        Some(SecretOwner::App) if !model.juju.leader => Err(secret_error(format!(
            "`{reference}` is owned by the application, and Juju sends `{event}` only to \
             its leader, which this unit is not"
        ))),
        Some(_) => Ok(index),
        None => Err(secret_error(format!(
            "Juju sends `{event}` to a secret's owner, and `{reference}` is owned by `{}`",
            model.secret_owner(index).unwrap_or("another application")
        ))),
    }
}
