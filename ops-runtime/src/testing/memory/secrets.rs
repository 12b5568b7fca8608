//! The secret tools on [`JujuModel`], failing as Juju's do.
//!
//! Ownership follows Juju: a unit manages the secrets it owns, and its
//! application's only while it leads; a secret another application granted
//! can only be read. Owners and observers alike read the revision they track
//! (Juju 3.1.7 and later), `--refresh` moves it to the latest and `--peek`
//! reads the latest without moving it. Labels are unique among the secrets
//! this charm owns and among those it observes. Revision numbers are never
//! reused. Changes apply at once, where Juju applies them when the hook ends
//! (and reports their errors then). No error message shows a secret's
//! content.

use super::{JujuModel, MemoryHookTools};
use crate::hook_tools::HookToolError;
use crate::secret::{
    Revision, SecretContent, SecretInfo, SecretLookup, SecretOptions, SecretOwner,
};
use crate::testing::secret::{Secret, unique};

/// Juju's answer for a secret it cannot find: named by its unique part, or
/// by the label asked for.
fn not_found(tool: &'static str, what: &str) -> HookToolError {
    MemoryHookTools::juju_error(tool, 1, &format!("secret {what:?} not found"))
}

/// A refusal of the command line (exit code 2).
fn usage(tool: &'static str, message: &str) -> HookToolError {
    MemoryHookTools::juju_error(tool, 2, message)
}

/// `secs` from now as RFC 3339 in UTC.
fn from_now(secs: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    crate::hook_tools::time::rfc3339(now.saturating_add(secs))
}

/// How long a rotation policy waits, in seconds; `None` for `never`.
fn rotate_interval(policy: crate::RotatePolicy) -> Option<i64> {
    use crate::RotatePolicy as P;
    const DAY: i64 = 86_400;
    match policy {
        P::Never => None,
        P::Hourly => Some(3600),
        P::Daily => Some(DAY),
        P::Weekly => Some(7 * DAY),
        P::Monthly => Some(30 * DAY),
        P::Quarterly => Some(90 * DAY),
        P::Yearly => Some(365 * DAY),
    }
}

/// `bytes` in lowercase base32hex without padding.
fn base32hex(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut text = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in bytes {
        buffer = (buffer << 8) | u32::from(*byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            text.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        text.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    text
}

impl JujuModel {
    /// A new secret id (`secret:` and 20 lowercase base32hex characters, an
    /// `xid` as Juju makes them), derived from [`Self::secrets_made`] so that
    /// runs repeat, and unlike every id the model holds.
    pub fn new_secret_id(&mut self) -> String {
        loop {
            self.secrets_made += 1;
            let count = self.secrets_made.to_be_bytes();
            // A fixed "time, machine, process" prefix, then a 3-byte counter.
            let mut bytes = [0x66, 0x50, 0x53, 0x1c, b's', b'i', b'm', 0, 0, 0, 0, 0];
            bytes[9..].copy_from_slice(&count[5..]);
            let id = format!("secret:{}", base32hex(&bytes));
            if !self.secrets.iter().any(|secret| secret.has_id(&id)) {
                return id;
            }
        }
    }

    /// Whether this unit manages `secret` (and `secret-ids` and
    /// `secret-info-get` show it): its own, and its application's while it
    /// leads.
    fn manages(&self, secret: &Secret) -> bool {
        match secret.owner {
            Some(SecretOwner::Unit) => true,
            Some(SecretOwner::App) => self.leader,
            None => false,
        }
    }

    /// The index of the secret with `id`.
    fn secret_index(&self, tool: &'static str, id: &str) -> Result<usize, HookToolError> {
        self.secrets
            .iter()
            .position(|secret| secret.has_id(id))
            .ok_or_else(|| not_found(tool, unique(id)))
    }

    /// The index of the secret with `id`, which this unit may change: an
    /// application's needs its leader, another application's is read-only.
    fn managed_index(&self, tool: &'static str, id: &str) -> Result<usize, HookToolError> {
        let index = self.secret_index(tool, id)?;
        match self.secrets[index].owner {
            Some(SecretOwner::Unit) => Ok(index),
            Some(SecretOwner::App) if self.leader => Ok(index),
            Some(SecretOwner::App) => Err(MemoryHookTools::juju_error(
                tool,
                1,
                "this unit is not the leader",
            )),
            None => Err(MemoryHookTools::juju_error(tool, 1, "permission denied")),
        }
    }

    /// Refuses `label` when another secret on the same side (owned by this
    /// charm, or observed) has it; `index` is the secret being labelled.
    fn check_label(
        &self,
        tool: &'static str,
        index: Option<usize>,
        owned: bool,
        label: &str,
    ) -> Result<(), HookToolError> {
        let clash = self.secrets.iter().enumerate().any(|(at, other)| {
            Some(at) != index
                && other.label.as_deref() == Some(label)
                && other.owner.is_some() == owned
        });
        if clash {
            return Err(MemoryHookTools::juju_error(
                tool,
                1,
                &format!("secret with label {label:?} already exists"),
            ));
        }
        Ok(())
    }

    /// The number the next revision of the secret at `index` gets: past every
    /// revision it has or had.
    fn next_revision(&self, index: usize) -> u64 {
        let secret = &self.secrets[index];
        let removed = self
            .removed_secret_revisions
            .iter()
            .filter(|(id, _)| secret.has_id(id))
            .map(|(_, revision)| *revision);
        removed.fold(secret.latest_revision(), u64::max) + 1
    }

    /// Sets the metadata `options` gives on the secret at `index`.
    fn apply_options(&mut self, index: usize, options: &SecretOptions) {
        let secret = &mut self.secrets[index];
        if options.label.is_some() {
            secret.label.clone_from(&options.label);
        }
        if options.description.is_some() {
            secret.description.clone_from(&options.description);
        }
        if let Some(expire) = options.expire {
            secret.expire = Some(expire.to_rfc3339());
        }
        if let Some(rotate) = options.rotate {
            secret.rotate = Some(rotate);
            secret.rotates = rotate_interval(rotate).map(from_now);
        }
    }

    /// `secret-add`: a new secret with `content` as revision 1.
    pub(super) fn secret_add(
        &mut self,
        content: &SecretContent,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, HookToolError> {
        const TOOL: &str = "secret-add";
        if owner == SecretOwner::App && !self.leader {
            return Err(MemoryHookTools::juju_error(
                TOOL,
                1,
                "this unit is not the leader",
            ));
        }
        if content.is_empty() {
            return Err(MemoryHookTools::juju_error(
                TOOL,
                1,
                "empty secret value not valid",
            ));
        }
        if let Some(label) = &options.label {
            self.check_label(TOOL, None, true, label)?;
        }
        let id = self.new_secret_id();
        let secret = Secret::new(content.clone())
            .with_id(id.clone())
            .owned_by(owner);
        self.secrets.push(secret);
        self.apply_options(self.secrets.len() - 1, options);
        Ok(id)
    }

    /// The index of the secret `lookup` names, relabelling it when named by
    /// both id and label (where this unit may: an observer always, an owner
    /// only where it manages the secret). By label alone, the charm's own
    /// labels come first, then the ones it gave observed secrets.
    fn look_up(&mut self, lookup: &SecretLookup<'_>) -> Result<usize, HookToolError> {
        const TOOL: &str = "secret-get";
        match (lookup.id, lookup.label) {
            (Some(id), label) => {
                let index = self.secret_index(TOOL, id)?;
                let secret = &self.secrets[index];
                if let Some(label) = label
                    && (secret.owner.is_none() || self.manages(secret))
                {
                    self.check_label(TOOL, Some(index), secret.owner.is_some(), label)?;
                    self.secrets[index].label = Some(label.to_owned());
                }
                Ok(index)
            }
            (None, Some(label)) => {
                let find = |owned: bool| {
                    self.secrets.iter().position(|secret| {
                        secret.label.as_deref() == Some(label) && secret.owner.is_some() == owned
                    })
                };
                find(true).or_else(|| find(false)).ok_or_else(|| {
                    MemoryHookTools::juju_error(
                        TOOL,
                        1,
                        &format!("consumer label {label:?} not found"),
                    )
                })
            }
            (None, None) => Err(usage(TOOL, "require either a secret URI or label")),
        }
    }

    /// `secret-get`: the tracked revision's content, or the latest's (and
    /// track it with [`Revision::Refresh`]).
    pub(super) fn secret_get(
        &mut self,
        lookup: &SecretLookup<'_>,
        revision: Revision,
    ) -> Result<SecretContent, HookToolError> {
        let index = self.look_up(lookup)?;
        let secret = &mut self.secrets[index];
        let latest = secret.latest_revision();
        let wanted = match revision {
            Revision::Tracked => secret.tracked_revision,
            Revision::Refresh => {
                secret.tracked_revision = latest;
                latest
            }
            Revision::Peek => latest,
        };
        secret
            .revisions
            .get(&wanted)
            .cloned()
            .ok_or_else(|| not_found("secret-get", &format!("{}/{wanted}", unique(&secret.id))))
    }

    /// `secret-info-get`: about a secret this unit manages; any other is not
    /// found.
    pub(super) fn secret_info_get(
        &self,
        lookup: &SecretLookup<'_>,
    ) -> Result<SecretInfo, HookToolError> {
        const TOOL: &str = "secret-info-get";
        let (found, wanted) = match (lookup.id, lookup.label) {
            (Some(id), _) => (
                self.secrets.iter().find(|secret| secret.has_id(id)),
                unique(id),
            ),
            (None, Some(label)) => (
                self.secrets
                    .iter()
                    .find(|secret| secret.label.as_deref() == Some(label) && self.manages(secret)),
                label,
            ),
            (None, None) => return Err(usage(TOOL, "require either a secret URI or label")),
        };
        let secret = found
            .filter(|secret| self.manages(secret))
            .ok_or_else(|| not_found(TOOL, wanted))?;
        Ok(SecretInfo {
            id: secret.id.clone(),
            label: secret.label.clone(),
            revision: secret.latest_revision(),
            expires: secret.expire.clone(),
            rotation: secret.rotate,
            rotates: secret.rotates.clone(),
            description: secret.description.clone(),
        })
    }

    /// `secret-set`: new content is a new revision, unless it equals the
    /// latest's and [`JujuModel::same_content_keeps_revision`]; the options
    /// change the metadata.
    pub(super) fn secret_set(
        &mut self,
        id: &str,
        content: Option<&SecretContent>,
        options: &SecretOptions,
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "secret-set";
        let index = self.managed_index(TOOL, id)?;
        if let Some(label) = &options.label {
            self.check_label(TOOL, Some(index), true, label)?;
        }
        if let Some(content) = content.filter(|content| !content.is_empty()) {
            let secret = &self.secrets[index];
            let same = secret.latest_content() == Some(content);
            if !(same && self.same_content_keeps_revision) {
                let next = self.next_revision(index);
                self.secrets[index].revisions.insert(next, content.clone());
            }
        }
        self.apply_options(index, options);
        Ok(())
    }

    /// `secret-grant` and `secret-revoke` (`tool`): access for the remote
    /// application of relation `relation_id`, or one of its units.
    ///
    /// A grant to the application covers its units; granting it while unit
    /// grants stand is refused, as Juju does. Juju checks the relation and the
    /// unit as it reads the command line (exit code 2), then looks the secret
    /// up among those this unit manages.
    pub(super) fn secret_access(
        &mut self,
        tool: &'static str,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), HookToolError> {
        let Some(relation) = self.relations.iter().find(|r| r.id == relation_id) else {
            return Err(usage(
                tool,
                &format!(
                    "invalid value \"{relation_id}\" for option --relation: relation not found"
                ),
            ));
        };
        let remote_app = relation.remote_app.clone();
        if let Some(unit) = unit {
            let (app, number) = unit.split_once('/').unwrap_or((unit, ""));
            if app.is_empty() || number.parse::<u64>().is_err() {
                return Err(usage(tool, &format!("unit {unit:?} not valid")));
            }
            if app != remote_app {
                return Err(usage(
                    tool,
                    &format!(
                        "cannot specify unit {unit:?} in relation to application {remote_app:?}"
                    ),
                ));
            }
        }
        let index = self.secret_index(tool, id)?;
        if tool == "secret-grant" && !self.manages(&self.secrets[index]) {
            return Err(not_found(tool, unique(id)));
        }
        let index = self.managed_index(tool, id)?;
        let grants = &mut self.secrets[index].grants;
        if tool == "secret-revoke" {
            match unit {
                Some(unit) => {
                    if let Some(grantees) = grants.get_mut(&relation_id) {
                        grantees.remove(unit);
                    }
                }
                None => {
                    grants.remove(&relation_id);
                }
            }
            grants.retain(|_, grantees| !grantees.is_empty());
            return Ok(());
        }
        let grantees = grants.entry(relation_id).or_default();
        if grantees.contains(&remote_app) || unit.is_some_and(|unit| grantees.contains(unit)) {
            // Already granted, to this unit or to the whole application.
            return Ok(());
        }
        match unit {
            Some(unit) => {
                grantees.insert(unit.to_owned());
            }
            None if !grantees.is_empty() => {
                return Err(MemoryHookTools::juju_error(
                    tool,
                    1,
                    "any unit level grants need to be revoked before granting access to the \
                     corresponding application",
                ));
            }
            None => {
                grantees.insert(remote_app);
            }
        }
        Ok(())
    }

    /// `secret-remove`: one revision, or the whole secret; a secret left with
    /// no revision goes too.
    pub(super) fn secret_remove(
        &mut self,
        id: &str,
        revision: Option<u64>,
    ) -> Result<(), HookToolError> {
        const TOOL: &str = "secret-remove";
        let index = self.managed_index(TOOL, id)?;
        let secret = &mut self.secrets[index];
        let secret_id = secret.id.clone();
        match revision {
            Some(revision) => {
                if secret.revisions.remove(&revision).is_none() {
                    return Err(not_found(TOOL, &format!("{}/{revision}", unique(id))));
                }
                self.removed_secret_revisions.push((secret_id, revision));
                if self.secrets[index].revisions.is_empty() {
                    self.secrets.remove(index);
                }
            }
            None => {
                let secret = self.secrets.remove(index);
                let removed = secret.revisions.keys().map(|r| (secret_id.clone(), *r));
                self.removed_secret_revisions.extend(removed);
            }
        }
        Ok(())
    }

    /// `secret-ids`: the secrets this unit manages.
    pub(super) fn secret_ids(&self) -> Vec<String> {
        self.secrets
            .iter()
            .filter(|secret| self.manages(secret))
            .map(|secret| secret.id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::failure as refusal;
    use super::*;
    use crate::hook_tools::HookTools;
    use crate::testing::Relation;

    #[test]
    fn secret_ids_look_like_jujus_and_repeat() {
        let mut model = JujuModel::default();
        let first = model.new_secret_id();
        let second = model.new_secret_id();
        assert_ne!(first, second);
        assert_eq!(unique(&first).len(), 20);
        assert!(first.starts_with("secret:"));
        assert_eq!(JujuModel::default().new_secret_id(), first);
        assert_eq!(base32hex(&[0; 12]), "00000000000000000000");
        assert_eq!(base32hex(&[0xff; 12]), "vvvvvvvvvvvvvvvvvvvg");
        // An id the model already holds is skipped.
        let mut model = JujuModel {
            secrets: vec![
                Secret::new(SecretContent::new().with("abc", "1")).with_id(first.clone()),
            ],
            ..JujuModel::default()
        };
        assert_eq!(model.new_secret_id(), second);
    }

    /// Owners track a revision as observers do; identical content makes no
    /// revision; numbers are not reused; grants to an application cover its
    /// units; a non-leader manages none of its application's secrets.
    #[test]
    fn owners_track_revisions_and_grant_by_application() {
        let tools = MemoryHookTools::new(JujuModel {
            unit_name: "demo/0".into(),
            app_name: "demo".into(),
            leader: true,
            relations: vec![Relation::new("db", 0).with_remote_app("pg")],
            same_content_keeps_revision: true,
            ..JujuModel::default()
        });
        let one = SecretContent::new().with("password", "one");
        let two = SecretContent::new().with("password", "two");
        let options = SecretOptions {
            label: Some("db".into()),
            rotate: Some(crate::RotatePolicy::Daily),
            ..SecretOptions::default()
        };
        let id = tools.secret_add(&one, &options, SecretOwner::App).unwrap();
        assert_eq!(
            refusal(
                tools
                    .secret_add(&one, &options, SecretOwner::App)
                    .unwrap_err()
            ),
            (
                Some(1),
                "ERROR secret with label \"db\" already exists\n".into()
            )
        );
        tools
            .secret_set(&id, Some(&two), &SecretOptions::default())
            .unwrap();
        tools
            .secret_set(&id, Some(&two), &SecretOptions::default())
            .unwrap();
        let by_id = SecretLookup::by_id(&id);
        assert_eq!(tools.secret_get(&by_id, Revision::Tracked).unwrap(), one);
        assert_eq!(tools.secret_get(&by_id, Revision::Peek).unwrap(), two);
        assert_eq!(tools.secret_get(&by_id, Revision::Refresh).unwrap(), two);
        assert_eq!(tools.secret_get(&by_id, Revision::Tracked).unwrap(), two);
        let info = tools.secret_info_get(&by_id).unwrap();
        assert_eq!((info.revision, info.label.as_deref()), (2, Some("db")));
        assert!(info.rotates.is_some());
        tools.secret_remove(&id, Some(2)).unwrap();
        tools
            .secret_set(&id, Some(&two), &SecretOptions::default())
            .unwrap();
        assert_eq!(tools.secret_info_get(&by_id).unwrap().revision, 3);
        tools.secret_grant(&id, 0, None).unwrap();
        tools.secret_grant(&id, 0, Some("pg/1")).unwrap();
        assert_eq!(
            refusal(tools.secret_grant(&id, 0, Some("mysql/0")).unwrap_err()),
            (
                Some(2),
                "ERROR cannot specify unit \"mysql/0\" in relation to application \"pg\"\n".into()
            )
        );
        assert_eq!(
            refusal(tools.secret_grant(&id, 9, None).unwrap_err()),
            (
                Some(2),
                "ERROR invalid value \"9\" for option --relation: relation not found\n".into()
            )
        );
        tools.secret_revoke(&id, 0, None).unwrap();
        tools.secret_grant(&id, 0, Some("pg/1")).unwrap();
        assert_eq!(
            refusal(tools.secret_grant(&id, 0, None).unwrap_err()).1,
            "ERROR any unit level grants need to be revoked before granting access to the \
             corresponding application\n"
        );
        tools.model.borrow_mut().leader = false;
        for error in [
            tools.secret_set(&id, Some(&one), &SecretOptions::default()),
            tools.secret_remove(&id, None),
            tools.secret_revoke(&id, 0, None),
        ] {
            assert_eq!(
                refusal(error.unwrap_err()),
                (Some(1), "ERROR this unit is not the leader\n".into())
            );
        }
        assert_eq!(
            refusal(tools.secret_info_get(&by_id).unwrap_err()).1,
            format!("ERROR secret {:?} not found\n", unique(&id))
        );
        assert!(tools.secret_ids().unwrap().is_empty());
        // A non-leader still reads its application's secrets.
        assert_eq!(tools.secret_get(&by_id, Revision::Peek).unwrap(), two);
    }

    /// An observer reads what it tracks, relabels, and may change nothing.
    #[test]
    fn observers_read_and_relabel_only() {
        let secret = Secret::new(SecretContent::new().with("token", "t1"))
            .with_label("token")
            .with_new_revision(SecretContent::new().with("token", "t2"));
        let id = secret.id.clone();
        let tools = MemoryHookTools::new(JujuModel {
            relations: vec![Relation::new("db", 0)],
            secrets: vec![secret],
            leader: true,
            ..JujuModel::default()
        });
        let both = SecretLookup {
            id: Some(&id),
            label: Some("vault-token"),
        };
        let content = tools.secret_get(&both, Revision::Tracked).unwrap();
        assert_eq!(content.get("token"), Some("t1"));
        let by_label = |label| SecretLookup {
            id: None,
            label: Some(label),
        };
        assert_eq!(
            refusal(
                tools
                    .secret_get(&by_label("token"), Revision::Tracked)
                    .unwrap_err()
            ),
            (Some(1), "ERROR consumer label \"token\" not found\n".into())
        );
        assert!(
            tools
                .secret_get(&by_label("vault-token"), Revision::Peek)
                .is_ok()
        );
        assert_eq!(
            refusal(
                tools
                    .secret_set(&id, None, &SecretOptions::default())
                    .unwrap_err()
            ),
            (Some(1), "ERROR permission denied\n".into())
        );
        assert_eq!(
            refusal(tools.secret_grant(&id, 0, None).unwrap_err()),
            (
                Some(1),
                format!("ERROR secret {:?} not found\n", unique(&id))
            )
        );
    }
}
