//! Secrets in the harness's [`State`](super::State).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::secret::{RotatePolicy, SecretContent, SecretOwner};

/// A secret as the harness models it: its revisions, which one this unit
/// tracks, its metadata and grants. The output state carries every change the
/// charm made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Secret {
    /// The id (`secret:<20 characters>`).
    pub id: String,
    /// The label this unit knows it by.
    pub label: Option<String>,
    /// Who owns it, `None` when this unit only observes it.
    pub owner: Option<SecretOwner>,
    /// Every live revision's content.
    pub revisions: BTreeMap<u64, SecretContent>,
    /// The revision this unit tracks.
    pub tracked_revision: u64,
    /// The description.
    pub description: Option<String>,
    /// When the latest revision expires (RFC 3339).
    pub expire: Option<String>,
    /// The rotation policy.
    pub rotate: Option<RotatePolicy>,
    /// When it next rotates (RFC 3339), as Juju sets it with the policy.
    #[serde(default)]
    pub rotates: Option<String>,
    /// Grants, by relation id: the units or applications that may read it.
    pub grants: BTreeMap<u64, BTreeSet<String>>,
}

/// A fresh id of the shape Juju uses.
pub(crate) fn new_secret_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "secret:d0ul4e7mp25c7v{:06}",
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

impl Secret {
    /// A secret this unit observes, at revision 1 with `content`.
    pub fn new(content: SecretContent) -> Self {
        Self {
            id: new_secret_id(),
            label: None,
            owner: None,
            revisions: [(1, content)].into_iter().collect(),
            tracked_revision: 1,
            description: None,
            expire: None,
            rotate: None,
            rotates: None,
            grants: BTreeMap::new(),
        }
    }

    /// Sets the id.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Makes this charm its owner.
    #[must_use]
    pub fn owned_by(mut self, owner: SecretOwner) -> Self {
        self.owner = Some(owner);
        self
    }

    /// Adds a newer revision, which this unit does not track yet.
    #[must_use]
    pub fn with_new_revision(mut self, content: SecretContent) -> Self {
        let next = self.latest_revision() + 1;
        self.revisions.insert(next, content);
        self
    }

    /// The latest revision.
    pub fn latest_revision(&self) -> u64 {
        self.revisions.keys().next_back().copied().unwrap_or(0)
    }

    /// The latest revision's content.
    pub fn latest_content(&self) -> Option<&SecretContent> {
        self.revisions.values().next_back()
    }

    /// The tracked revision's content.
    pub fn tracked_content(&self) -> Option<&SecretContent> {
        self.revisions.get(&self.tracked_revision)
    }

    fn reference(&self) -> crate::event::SecretRef {
        crate::event::SecretRef {
            id: self.id.clone(),
            label: self.label.clone(),
        }
    }

    /// `secret-changed` for this (observed) secret.
    pub fn changed_event(&self) -> crate::Event {
        crate::Event::SecretChanged(crate::SecretChangedEvent {
            secret: self.reference(),
        })
    }

    /// `secret-rotate` for this (owned) secret.
    pub fn rotate_event(&self) -> crate::Event {
        crate::Event::SecretRotate(crate::SecretRotateEvent {
            secret: self.reference(),
        })
    }

    /// `secret-remove` for `revision` of this (owned) secret.
    pub fn remove_event(&self, revision: u64) -> crate::Event {
        crate::Event::SecretRemove(crate::SecretRemoveEvent {
            secret: self.reference(),
            revision,
        })
    }

    /// `secret-expired` for `revision` of this (owned) secret.
    pub fn expired_event(&self, revision: u64) -> crate::Event {
        crate::Event::SecretExpired(crate::SecretExpiredEvent {
            secret: self.reference(),
            revision,
        })
    }

    /// Whether `id` (in any of Juju's spellings) names this secret.
    pub(crate) fn has_id(&self, id: &str) -> bool {
        unique(id) == unique(&self.id)
    }
}

/// The part of a secret id after the model.
pub(crate) fn unique(id: &str) -> &str {
    id.rsplit_once('/')
        .map(|(_, u)| u)
        .or_else(|| id.strip_prefix("secret:"))
        .unwrap_or(id)
}
