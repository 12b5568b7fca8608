//! The options of Pebble calls that take more than a name or two.
//!
//! Each is `Default` plus builder methods, and marked `#[non_exhaustive]` so
//! that options Pebble adds later can be added here without breaking callers;
//! their fields are public so that other implementations of the API (an
//! in-memory Pebble for tests) can read them.

use std::collections::BTreeMap;
use std::time::Duration;

use super::timestamp::Timestamp;
use super::types::{NoticeType, NoticesUsers};

/// How [`Client::add_layer`](super::Client::add_layer) adds a layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AddLayerOptions {
    /// Merge into the existing layer with the same label, if there is one,
    /// instead of failing with "layer already exists".
    pub combine: bool,
    /// Let a label like `dir/name` go into an existing sub-directory of layers
    /// (Pebble 1.17+).
    pub inner: bool,
}

impl AddLayerOptions {
    /// Appends a new layer (Pebble's default).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`combine`](Self::combine).
    pub fn combine(mut self, combine: bool) -> Self {
        self.combine = combine;
        self
    }

    /// Sets [`inner`](Self::inner).
    pub fn inner(mut self, inner: bool) -> Self {
        self.inner = inner;
        self
    }
}

/// Who owns a file or directory Pebble creates. Pebble requires a user (by
/// name or ID) whenever a group is given; a user alone means the user's
/// primary group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Ownership {
    /// The owner's user ID.
    pub user_id: Option<u32>,
    /// The owner's user name.
    pub user: Option<String>,
    /// The owning group's ID.
    pub group_id: Option<u32>,
    /// The owning group's name.
    pub group: Option<String>,
}

macro_rules! ownership_setters {
    () => {
        /// Sets the owner's user ID.
        pub fn user_id(mut self, user_id: u32) -> Self {
            self.ownership.user_id = Some(user_id);
            self
        }

        /// Sets the owner's user name.
        pub fn user(mut self, user: impl Into<String>) -> Self {
            self.ownership.user = Some(user.into());
            self
        }

        /// Sets the owning group's ID.
        pub fn group_id(mut self, group_id: u32) -> Self {
            self.ownership.group_id = Some(group_id);
            self
        }

        /// Sets the owning group's name.
        pub fn group(mut self, group: impl Into<String>) -> Self {
            self.ownership.group = Some(group.into());
            self
        }
    };
}

/// How [`Client::push`](super::Client::push) writes a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushOptions {
    /// Create missing parent directories (with permissions 755 and the same
    /// ownership).
    pub make_dirs: bool,
    /// The file's permission bits (Pebble's default is `0o644`).
    pub permissions: Option<u32>,
    /// Who owns the file (Pebble's default is the daemon's user).
    pub ownership: Ownership,
}

impl PushOptions {
    /// Pebble's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`make_dirs`](Self::make_dirs).
    pub fn make_dirs(mut self, make_dirs: bool) -> Self {
        self.make_dirs = make_dirs;
        self
    }

    /// Sets the permission bits, such as `0o600`.
    pub fn permissions(mut self, permissions: u32) -> Self {
        self.permissions = Some(permissions);
        self
    }

    ownership_setters!();
}

/// How [`Client::make_dir`](super::Client::make_dir) creates a directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MakeDirOptions {
    /// Create missing parents, and succeed if the directory exists.
    pub make_parents: bool,
    /// The directory's permission bits (Pebble's default is `0o755`).
    pub permissions: Option<u32>,
    /// Who owns the directory.
    pub ownership: Ownership,
}

impl MakeDirOptions {
    /// Pebble's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`make_parents`](Self::make_parents).
    pub fn make_parents(mut self, make_parents: bool) -> Self {
        self.make_parents = make_parents;
        self
    }

    /// Sets the permission bits, such as `0o700`.
    pub fn permissions(mut self, permissions: u32) -> Self {
        self.permissions = Some(permissions);
        self
    }

    ownership_setters!();
}

/// What [`Client::list_files`](super::Client::list_files) lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilesOptions {
    /// Only names matching this glob (`*.conf`).
    pub pattern: Option<String>,
    /// Describe a directory itself rather than its contents.
    pub itself: bool,
}

impl ListFilesOptions {
    /// A directory's contents.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`pattern`](Self::pattern).
    pub fn pattern(mut self, pattern: impl Into<String>) -> Self {
        self.pattern = Some(pattern.into());
        self
    }

    /// Sets [`itself`](Self::itself).
    pub fn itself(mut self, itself: bool) -> Self {
        self.itself = itself;
        self
    }
}

/// Which notices [`Client::notices`](super::Client::notices) returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NoticesQuery {
    /// Every user's notices (admin only; not with `user_id`).
    pub users: Option<NoticesUsers>,
    /// One user's notices (admin only).
    pub user_id: Option<u32>,
    /// Only these types (all when empty).
    pub types: Vec<NoticeType>,
    /// Only these keys (all when empty).
    pub keys: Vec<String>,
    /// Only notices repeated after this time.
    pub after: Option<Timestamp>,
    /// Wait up to this long for a matching notice if there is none yet
    /// (long polling; not in ops). No notice by then is an empty list.
    pub timeout: Option<Duration>,
}

impl NoticesQuery {
    /// All notices visible to the caller.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks for every user's notices.
    pub fn all_users(mut self) -> Self {
        self.users = Some(NoticesUsers::All);
        self
    }

    /// Asks for one user's notices.
    pub fn user_id(mut self, user_id: u32) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Adds a type to match.
    pub fn notice_type(mut self, notice_type: NoticeType) -> Self {
        self.types.push(notice_type);
        self
    }

    /// Adds a key to match.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.keys.push(key.into());
        self
    }

    /// Sets [`after`](Self::after).
    pub fn after(mut self, after: Timestamp) -> Self {
        self.after = Some(after);
        self
    }

    /// Sets [`timeout`](Self::timeout).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// What [`Client::notify`](super::Client::notify) records with a custom notice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotifyOptions {
    /// Data for this occurrence (at most 4 KiB as JSON).
    pub data: BTreeMap<String, String>,
    /// Occurrences within this long of the last repeat do not count as repeats.
    pub repeat_after: Option<Duration>,
}

impl NotifyOptions {
    /// No data, every occurrence a repeat.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a data entry.
    pub fn data(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// Sets [`repeat_after`](Self::repeat_after).
    pub fn repeat_after(mut self, repeat_after: Duration) -> Self {
        self.repeat_after = Some(repeat_after);
        self
    }
}

/// How many buffered lines [`Client::logs`](super::Client::logs) returns per
/// service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LogCount {
    /// Pebble's default: 30, or none of the past when following.
    #[default]
    Default,
    /// The last `n` lines.
    Last(u32),
    /// Everything buffered.
    All,
}

/// Which logs [`Client::logs`](super::Client::logs) returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogsQuery {
    /// Only these services (all when empty).
    pub services: Vec<String>,
    /// How many buffered lines.
    pub count: LogCount,
}

impl LogsQuery {
    /// Pebble's default lines of every service.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a service.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.services.push(service.into());
        self
    }

    /// Sets [`count`](Self::count).
    pub fn count(mut self, count: LogCount) -> Self {
        self.count = count;
        self
    }
}
