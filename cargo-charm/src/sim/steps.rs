//! What the metadata tells the model at the start (bindings, storage), and the
//! scenario steps for secrets and storage.

use std::fs;
use std::path::PathBuf;

use ops_metadata::StorageKind;

use super::scenario::{SecretStep, StorageStep};
use super::state::{Model, Secret, StorageSpec, secret_id};
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
        model.bindings = self
            .metadata
            .relations()
            .map(|relation| relation.name.clone())
            .chain(self.metadata.extra_bindings.keys().cloned())
            .collect();
        for (name, storage) in &self.metadata.storage {
            model.charm_storage.insert(
                name.clone(),
                StorageSpec {
                    kind: storage.kind.as_str().to_owned(),
                    max: storage.multiple.map_or(Some(1), |range| range.max),
                    next_index: 0,
                },
            );
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
                    Some(id) => id.to_owned(),
                    None => model.new_secret_id(),
                };
                if model.secrets.iter().any(|secret| secret.id == id) {
                    return Err(secret_error(format!("there is already a secret `{id}`")));
                }
                let owner = match owner.as_str() {
                    "application" => model.app.clone(),
                    "unit" => model.unit.clone(),
                    other => other.to_owned(),
                };
                let observed = owner != model.app && owner != model.unit;
                if let Some(label) = label
                    && model.find_secret(label).is_some()
                {
                    return Err(secret_error(format!(
                        "there is already a secret labelled `{label}`"
                    )));
                }
                let mut secret = Secret::new(id, owner);
                secret.label = label.clone();
                let revision = secret.add_revision(content.clone());
                // A label means the charm read it before and labelled it: it tracks
                // this first revision.
                if observed && label.is_some() {
                    secret.tracked = Some(revision);
                }
                model.secrets.push(secret);
                return self.save(&model);
            }
            SecretStep::Changed { secret, content } => {
                let index = find(&model, secret)?;
                model.secrets[index].add_revision(content.clone());
                ("secret-changed", index, None)
            }
            SecretStep::Remove { secret, revision } => {
                let index = owned(&model, secret, "secret-remove")?;
                let found = &model.secrets[index];
                let latest = found.latest();
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
                let revision = revision.unwrap_or_else(|| model.secrets[index].latest());
                ("secret-expired", index, Some(revision))
            }
            SecretStep::Rotate { secret } => {
                let index = owned(&model, secret, "secret-rotate")?;
                ("secret-rotate", index, None)
            }
        };
        let secret = &model.secrets[index];
        if let Some(revision) = revision
            && !secret.revisions.contains_key(&revision)
        {
            return Err(secret_error(format!(
                "secret `{}` has no revision {revision} (it has {})",
                secret.uri(),
                secret
                    .revisions
                    .keys()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut env = vec![
            ("JUJU_SECRET_ID", secret.uri()),
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
        let found = model.storage.iter().position(|instance| match index {
            Some(_) => instance.id == step.storage,
            None => instance.name() == name && !instance.attached_event_run,
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
                model.storage.len() - 1
            }
        };
        let instance = &mut model.storage[position];
        if step.attached {
            instance.attached_event_run = true;
        }
        let instance = instance.clone();
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
                ("JUJU_STORAGE_ID", instance.id.clone()),
                (
                    "JUJU_STORAGE_LOCATION",
                    instance.location.display().to_string(),
                ),
                ("JUJU_STORAGE_KIND", instance.kind.clone()),
            ],
        })?;
        if !step.attached {
            let mut model = self.load()?;
            model.storage.retain(|other| other.id != instance.id);
            self.save(&model)?;
        }
        Ok(())
    }
}

/// The index of the secret `reference` names (id or label).
fn find(model: &Model, reference: &str) -> Result<usize, SimError> {
    model.find_secret(reference).ok_or_else(|| {
        let known: Vec<String> = model
            .secrets
            .iter()
            .map(|secret| match &secret.label {
                Some(label) => format!("{} ({label})", secret.uri()),
                None => secret.uri(),
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
    let secret = &model.secrets[index];
    if secret.owner == model.app && !model.leader {
        return Err(secret_error(format!(
            "`{reference}` is owned by the application, and Juju sends `{event}` only to \
             its leader, which this unit is not"
        )));
    }
    if secret.owner != model.app && secret.owner != model.unit {
        return Err(secret_error(format!(
            "Juju sends `{event}` to a secret's owner, and `{reference}` is owned by `{}`",
            secret.owner
        )));
    }
    Ok(index)
}
