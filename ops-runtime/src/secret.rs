//! Secrets: content that never appears on a command line, in a log or in
//! `Debug` output, and the calls that add, read, update, share and remove it.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::context::{HookContext, ModelError};
use crate::event::{RelationRef, SecretRef};

/// A secret's content: keys to values. Its `Debug` output shows the keys only.
#[derive(Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "testing", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "testing", serde(transparent))]
pub struct SecretContent(BTreeMap<String, String>);

impl SecretContent {
    /// Empty content (add at least one key before storing it).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces one key.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// One value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Every key and value.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks Juju's rules: at least one key; keys of three or more lowercase
    /// letters and digits, starting with a letter, with single `-` inside.
    pub fn validate(&self) -> Result<(), String> {
        if self.0.is_empty() {
            return Err("secret content must have at least one key".into());
        }
        for key in self.0.keys() {
            let chars: Vec<char> = key.chars().collect();
            let valid = chars.len() >= 3
                && chars[0].is_ascii_lowercase()
                && chars
                    .iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                && !key.ends_with('-')
                && !key.contains("--");
            if !valid {
                return Err(format!(
                    "invalid secret key `{key}`: keys are 3+ lowercase letters and digits, starting with a letter, with single `-` inside"
                ));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for SecretContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretContent")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for SecretContent {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl From<BTreeMap<String, String>> for SecretContent {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

/// Who owns a secret this charm creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "testing", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "testing", serde(rename_all = "lowercase"))]
pub enum SecretOwner {
    /// The application (the leader manages it).
    App,
    /// This unit.
    Unit,
}

impl SecretOwner {
    /// Juju's name: `application` or `unit`.
    pub fn as_str(self) -> &'static str {
        match self {
            SecretOwner::App => "application",
            SecretOwner::Unit => "unit",
        }
    }
}

/// How often Juju asks the owner to rotate a secret (`secret-rotate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "testing", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "testing", serde(rename_all = "lowercase"))]
pub enum RotatePolicy {
    /// Never.
    Never,
    /// Every hour.
    Hourly,
    /// Every day.
    Daily,
    /// Every week.
    Weekly,
    /// Every month.
    Monthly,
    /// Every quarter.
    Quarterly,
    /// Every year.
    Yearly,
}

impl RotatePolicy {
    /// Juju's name for the policy.
    pub fn as_str(self) -> &'static str {
        match self {
            RotatePolicy::Never => "never",
            RotatePolicy::Hourly => "hourly",
            RotatePolicy::Daily => "daily",
            RotatePolicy::Weekly => "weekly",
            RotatePolicy::Monthly => "monthly",
            RotatePolicy::Quarterly => "quarterly",
            RotatePolicy::Yearly => "yearly",
        }
    }

    /// Parses Juju's name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            RotatePolicy::Never,
            RotatePolicy::Hourly,
            RotatePolicy::Daily,
            RotatePolicy::Weekly,
            RotatePolicy::Monthly,
            RotatePolicy::Quarterly,
            RotatePolicy::Yearly,
        ]
        .into_iter()
        .find(|p| p.as_str() == name)
    }
}

/// When a secret revision expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretExpiry {
    /// At this instant.
    At(SystemTime),
    /// This long from now.
    In(Duration),
}

impl SecretExpiry {
    /// The RFC 3339 UTC timestamp Juju takes (`2026-11-25T04:00:00Z`).
    pub fn to_rfc3339(self) -> String {
        let at = match self {
            SecretExpiry::At(t) => t,
            SecretExpiry::In(d) => SystemTime::now() + d,
        };
        let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        rfc3339(secs)
    }
}

/// Whether this Juju merges the `secret-set` calls of one hook (3.6 and later).
fn coalesces_secret_sets(cx: &HookContext) -> bool {
    cx.juju().version >= crate::JujuVersion::new(3, 6, 0)
}

/// Reads an RFC 3339 UTC timestamp as Juju writes them
/// (`2026-11-25T04:00:00Z`, with optional fractional seconds, `Z` or
/// `+00:00`); `None` for anything else.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix("+00:00"))?;
    let (date, time) = text.split_once('T')?;
    let time = time.split_once('.').map_or(time, |(whole, _)| whole);
    let mut date = date.splitn(3, '-').map(str::parse::<i64>);
    let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let mut time = time.splitn(3, ':').map(str::parse::<u64>);
    let (hour, minute, second) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let month = u32::try_from(month).ok()?;
    let day = u32::try_from(day).ok()?;
    let days = u64::try_from(crate::hook_tools::time::days_from_civil(year, month, day)).ok()?;
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Formats seconds since the epoch as an RFC 3339 UTC timestamp.
pub(crate) fn rfc3339(secs: u64) -> String {
    crate::hook_tools::time::rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Metadata of a secret: set when adding it, or changed later without a new revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretOptions {
    /// A label this charm will find it by (unique per owner or observer).
    pub label: Option<String>,
    /// A description for humans.
    pub description: Option<String>,
    /// When the current revision expires (`secret-expired`).
    pub expire: Option<SecretExpiry>,
    /// How often to rotate it (`secret-rotate`).
    pub rotate: Option<RotatePolicy>,
}

impl SecretOptions {
    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        self.label.is_none()
            && self.description.is_none()
            && self.expire.is_none()
            && self.rotate.is_none()
    }
}

/// What `secret-info-get` reports about a secret this charm owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    /// The canonical id.
    pub id: String,
    /// Its label, if any.
    pub label: Option<String>,
    /// The latest revision.
    pub revision: u64,
    /// When the revision expires (RFC 3339), if it does.
    pub expires: Option<String>,
    /// The rotation policy.
    pub rotation: Option<RotatePolicy>,
    /// When it next rotates (RFC 3339).
    pub rotates: Option<String>,
    /// Its description.
    pub description: Option<String>,
}

/// How to read a secret's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Revision {
    /// The revision this unit tracks (cached for the hook).
    #[default]
    Tracked,
    /// The latest revision, and track it from now on (`--refresh`).
    Refresh,
    /// The latest revision without tracking it (`--peek`, never cached).
    Peek,
}

/// How a secret call names the secret: by id, by label, or both (which also
/// sets the label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretLookup<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) label: Option<&'a str>,
}

/// A secret this unit can see, named by id and/or label. Its content is read with
/// [`HookContext::secret_content`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    id: Option<String>,
    label: Option<String>,
}

impl Secret {
    /// The canonical id (`secret://<model-uuid>/<id>`), when known.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The label, when known.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The part of the id after the model: the secret's own identifier.
    pub fn unique_identifier(&self) -> Option<&str> {
        let id = self.id.as_deref()?;
        Some(
            id.rsplit_once('/')
                .map(|(_, u)| u)
                .or_else(|| id.strip_prefix("secret:"))
                .unwrap_or(id),
        )
    }

    fn lookup(&self) -> SecretLookup<'_> {
        SecretLookup {
            id: self.id.as_deref(),
            label: self.label.as_deref(),
        }
    }
}

impl<'a> SecretLookup<'a> {
    /// The secret with this id (`secret:…`, `secret://model/…` or the bare
    /// id), as a [`HookTools`](crate::HookTools) call names it.
    pub fn by_id(id: &'a str) -> Self {
        Self {
            id: Some(id),
            label: None,
        }
    }

    /// The secret with this id and/or label, as `secret-get` names it (both:
    /// by id, and this unit labels it so).
    pub fn new(id: Option<&'a str>, label: Option<&'a str>) -> Self {
        Self { id, label }
    }
}

impl From<&SecretRef> for Secret {
    fn from(secret: &SecretRef) -> Self {
        Secret {
            id: Some(secret.id.clone()),
            label: secret.label.clone(),
        }
    }
}

fn invalid(reason: String) -> ModelError {
    ModelError::InvalidSecret { reason }
}

impl HookContext {
    fn canonical_secret_id(&self, id: &str) -> String {
        SecretRef::new(id, None, self.model_uuid()).id
    }

    /// Creates a secret owned by the application (leader only) or this unit
    /// (`secret-add`; the content goes through files, never the command line).
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, charm};
    /// # use ops_runtime::{SecretContent, SecretOptions, SecretOwner};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(leader_elected)]
    ///     fn leader_elected(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let content = SecretContent::new().with("password", "correct-horse");
    ///         let options = SecretOptions {
    ///             label: Some("admin".into()),
    ///             ..SecretOptions::default()
    ///         };
    ///         cx.add_secret(SecretOwner::App, &content, &options)?;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let state = State::new().with_leader(true);
    /// let out = Context::<Demo>::new().run(Event::LeaderElected, state).unwrap();
    /// let secret = out.secret_by_label("admin").unwrap();
    /// assert_eq!(secret.latest_content().unwrap().get("password"), Some("correct-horse"));
    /// ```
    pub fn add_secret(
        &mut self,
        owner: SecretOwner,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<Secret, ModelError> {
        content.validate().map_err(invalid)?;
        if owner == SecretOwner::App && !self.is_leader()? {
            return Err(ModelError::NotLeader {
                action: "add an application-owned secret",
            });
        }
        let id = self.hook_tools().secret_add(content, options, owner)?;
        let id = self.canonical_secret_id(&id);
        self.secret_cache.insert(id.clone(), content.clone());
        Ok(Secret {
            id: Some(id),
            label: options.label.clone(),
        })
    }

    /// Finds a secret by id, label or both (both also labels it for this unit),
    /// and reads its tracked content at once, as ops does, so a missing secret
    /// is reported here as [`ModelError::SecretNotFound`].
    ///
    /// The content then comes from [`HookContext::secret_content`] without
    /// another hook-tool call.
    ///
    /// ```
    /// # use ops_runtime::testing::{Context, Secret, State};
    /// # use ops_runtime::{Event, HookContext, ModelError, Revision, SecretContent, Status, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(config_changed)]
    ///     fn configure(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
    ///         let secret = cx.get_secret(None, Some("credentials"))?;
    ///         let content = cx.secret_content(&secret, Revision::Tracked)?;
    ///         let user = content.get("username").unwrap_or("admin");
    ///         cx.set_unit_status(Status::active(format!("signed in as {user}")))
    ///     }
    /// }
    ///
    /// let content = SecretContent::new().with("username", "ops").with("password", "s3cret");
    /// let state = State::new().with_secret(Secret::new(content).with_label("credentials"));
    /// let out = Context::<Demo>::new().run(Event::ConfigChanged, state).unwrap();
    /// assert_eq!(out.unit_status, Status::active("signed in as ops"));
    /// ```
    pub fn get_secret(
        &mut self,
        id: Option<&str>,
        label: Option<&str>,
    ) -> Result<Secret, ModelError> {
        if id.is_none() && label.is_none() {
            return Err(invalid("give a secret id, a label, or both".into()));
        }
        let secret = Secret {
            id: id.map(|id| self.canonical_secret_id(id)),
            label: label.map(str::to_owned),
        };
        self.secret_content(&secret, Revision::Tracked)?;
        Ok(secret)
    }

    /// The secret's content at `revision`: the tracked revision is cached for the
    /// hook; `Refresh` reads the latest and tracks it; `Peek` reads the latest
    /// without tracking or caching.
    pub fn secret_content(
        &mut self,
        secret: &Secret,
        revision: Revision,
    ) -> Result<SecretContent, ModelError> {
        let key = secret
            .id
            .clone()
            .or_else(|| secret.label.clone().map(|l| format!("label:{l}")));
        if revision == Revision::Tracked
            && let Some(content) = key.as_ref().and_then(|k| self.secret_cache.get(k))
        {
            return Ok(content.clone());
        }
        let content = self.hook_tools().secret_get(&secret.lookup(), revision)?;
        if revision != Revision::Peek
            && let Some(key) = key
        {
            self.secret_cache.insert(key, content.clone());
        }
        Ok(content)
    }

    /// The secret's id, looked up by its label if needed.
    fn secret_id(&mut self, secret: &Secret) -> Result<String, ModelError> {
        match &secret.id {
            Some(id) => Ok(id.clone()),
            None => Ok(self.secret_info(secret)?.id),
        }
    }

    /// What Juju knows about a secret this charm owns (`secret-info-get`).
    pub fn secret_info(&mut self, secret: &Secret) -> Result<SecretInfo, ModelError> {
        let mut info = self.hook_tools().secret_info_get(&secret.lookup())?;
        info.id = self.canonical_secret_id(&info.id);
        Ok(info)
    }

    /// Stores new content as a new revision (`secret-set`). Owners only.
    ///
    /// ```
    /// # use ops_runtime::testing::{self, Context, State};
    /// # use ops_runtime::{HookContext, ModelError, Secret, SecretContent, SecretOwner};
    /// # use ops_runtime::{SecretRotateEvent, charm};
    /// # #[derive(Default)]
    /// # struct Demo;
    /// #[charm(metadata_source = "name: demo")]
    /// impl Demo {
    ///     #[on(secret_rotate)]
    ///     fn rotate(
    ///         &mut self,
    ///         cx: &mut HookContext,
    ///         event: SecretRotateEvent,
    ///     ) -> Result<(), ModelError> {
    ///         let content = SecretContent::new().with("password", "new-password");
    ///         cx.set_secret_content(&Secret::from(&event.secret), &content)
    ///     }
    /// }
    ///
    /// let admin = testing::Secret::new(SecretContent::new().with("password", "old-password"))
    ///     .owned_by(SecretOwner::App)
    ///     .with_label("admin");
    /// let event = admin.rotate_event();
    /// let state = State::new().with_leader(true).with_secret(admin);
    /// let out = Context::<Demo>::new().run(event, state).unwrap();
    /// let admin = out.secret_by_label("admin").unwrap();
    /// assert_eq!(admin.latest_revision(), 2);
    /// assert_eq!(admin.latest_content().unwrap().get("password"), Some("new-password"));
    /// ```
    pub fn set_secret_content(
        &mut self,
        secret: &Secret,
        content: &SecretContent,
    ) -> Result<(), ModelError> {
        content.validate().map_err(invalid)?;
        let id = self.secret_id(secret)?;
        let options = if coalesces_secret_sets(self) {
            SecretOptions::default()
        } else {
            self.keep_secret_info(&id, &SecretOptions::default())?
        };
        self.hook_tools().secret_set(&id, Some(content), &options)?;
        Ok(())
    }

    /// Before Juju 3.6, the last `secret-set` of a hook replaces the earlier
    /// ones instead of adding to them, so, as ops does, each call repeats
    /// what it does not change: `options`, completed from `secret-info-get`.
    fn keep_secret_info(
        &mut self,
        id: &str,
        options: &SecretOptions,
    ) -> Result<SecretOptions, ModelError> {
        let info = self
            .hook_tools()
            .secret_info_get(&SecretLookup::by_id(id))?;
        Ok(SecretOptions {
            label: options.label.clone().or(info.label),
            description: options.description.clone().or(info.description),
            expire: options.expire.or_else(|| {
                info.expires
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .map(SecretExpiry::At)
            }),
            rotate: options.rotate.or(info.rotation),
        })
    }

    /// Changes a secret's label, description, expiry or rotation without a new
    /// revision (`secret-set`). Owners only; at least one option must be set.
    pub fn set_secret_info(
        &mut self,
        secret: &Secret,
        options: &SecretOptions,
    ) -> Result<(), ModelError> {
        if options.is_empty() {
            return Err(invalid(
                "set at least one of label, description, expire, rotate".into(),
            ));
        }
        let id = self.secret_id(secret)?;
        if coalesces_secret_sets(self) {
            self.hook_tools().secret_set(&id, None, options)?;
        } else {
            // Before 3.6 a later secret-set would drop content set earlier in
            // the hook: send the latest content along, as ops does.
            let options = self.keep_secret_info(&id, options)?;
            let content = self
                .hook_tools()
                .secret_get(&SecretLookup::by_id(&id), Revision::Peek)?;
            self.hook_tools()
                .secret_set(&id, Some(&content), &options)?;
        }
        Ok(())
    }

    /// Lets the other side of `relation` (or only `unit` of it) read the secret.
    pub fn grant_secret(
        &mut self,
        secret: &Secret,
        relation: &RelationRef,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let id = self.secret_id(secret)?;
        self.hook_tools().secret_grant(&id, relation.id, unit)?;
        Ok(())
    }

    /// Takes back a grant to the other side of `relation` (or only `unit` of it).
    pub fn revoke_secret(
        &mut self,
        secret: &Secret,
        relation: &RelationRef,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let id = self.secret_id(secret)?;
        self.hook_tools().secret_revoke(&id, relation.id, unit)?;
        Ok(())
    }

    /// Removes one revision (typically in `secret-remove` or `secret-expired`).
    pub fn remove_secret_revision(
        &mut self,
        secret: &Secret,
        revision: u64,
    ) -> Result<(), ModelError> {
        let id = self.secret_id(secret)?;
        self.hook_tools().secret_remove(&id, Some(revision))?;
        Ok(())
    }

    /// Removes the secret with every revision; for the rest of the hook it is
    /// not found, by id or by label.
    pub fn remove_secret(&mut self, secret: &Secret) -> Result<(), ModelError> {
        let id = self.secret_id(secret)?;
        self.hook_tools().secret_remove(&id, None)?;
        // The content read this hook may be cached under its id or under any
        // label: forget it all rather than answer for a secret that is gone.
        self.secret_cache.clear();
        Ok(())
    }

    /// The ids of the secrets this charm owns (`secret-ids`).
    pub fn secret_ids(&mut self) -> Result<Vec<String>, ModelError> {
        let ids = self.hook_tools().secret_ids()?;
        Ok(ids.iter().map(|id| self.canonical_secret_id(id)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn juju_timestamps_read_back_as_the_same_instant() {
        for secs in [0, 86_399, 951_782_400, 1_795_000_000, 4_102_444_800] {
            let text = rfc3339(secs);
            assert_eq!(
                parse_rfc3339(&text),
                Some(UNIX_EPOCH + Duration::from_secs(secs)),
                "{text}"
            );
        }
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00.123456+00:00"),
            Some(UNIX_EPOCH + Duration::from_secs(951_782_400))
        );
        for bad in [
            "",
            "2026-11-25",
            "2026-13-01T00:00:00Z",
            "2026-11-25T04:00:00+02:00",
            "yesterday",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_rules_and_redacted_debug() {
        let ok = SecretContent::new()
            .with("password", "hunter2")
            .with("api-key", "x");
        assert!(ok.validate().is_ok());
        assert!(!format!("{ok:?}").contains("hunter2"));
        for bad in ["ab", "Password", "1abc", "a--b", "abc-", "a_b_c"] {
            assert!(
                SecretContent::new().with(bad, "v").validate().is_err(),
                "{bad}"
            );
        }
        assert!(SecretContent::new().validate().is_err());
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
