//! Unit and application statuses.
//!
//! [`Status`] holds only the statuses a charm may set, so setting `error` or
//! `unknown` cannot be written. What Juju reports back is a [`StatusInfo`], whose
//! [`StatusKind`] includes the read-only ones.

use std::fmt;

/// A status a charm can set on its unit or application.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// The charm is ready and the workload is serving.
    Active(String),
    /// The charm needs a human to act (bad config, missing relation).
    Blocked(String),
    /// The charm is doing work that will finish on its own.
    Maintenance(String),
    /// The charm waits on something outside itself (another application, a resource).
    Waiting(String),
}

impl Status {
    /// `active` with a message.
    pub fn active(message: impl Into<String>) -> Self {
        Status::Active(message.into())
    }

    /// `blocked` with a message.
    pub fn blocked(message: impl Into<String>) -> Self {
        Status::Blocked(message.into())
    }

    /// `maintenance` with a message.
    pub fn maintenance(message: impl Into<String>) -> Self {
        Status::Maintenance(message.into())
    }

    /// `waiting` with a message.
    pub fn waiting(message: impl Into<String>) -> Self {
        Status::Waiting(message.into())
    }

    /// The status's kind.
    pub fn kind(&self) -> StatusKind {
        match self {
            Status::Active(_) => StatusKind::Active,
            Status::Blocked(_) => StatusKind::Blocked,
            Status::Maintenance(_) => StatusKind::Maintenance,
            Status::Waiting(_) => StatusKind::Waiting,
        }
    }

    /// The status's message.
    pub fn message(&self) -> &str {
        match self {
            Status::Active(m)
            | Status::Blocked(m)
            | Status::Maintenance(m)
            | Status::Waiting(m) => m,
        }
    }

    /// This status as Juju would report it back.
    pub fn info(&self) -> StatusInfo {
        StatusInfo {
            kind: self.kind(),
            message: self.message().to_owned(),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.info().fmt(f)
    }
}

/// Every status name Juju knows, including those only Juju sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "testing", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "testing", serde(rename_all = "lowercase"))]
pub enum StatusKind {
    /// `active`
    Active,
    /// `blocked`
    Blocked,
    /// `maintenance`
    Maintenance,
    /// `waiting`
    Waiting,
    /// `error`: a hook failed (set by Juju only).
    Error,
    /// `unknown`: nothing was set yet (set by Juju only).
    #[default]
    Unknown,
}

impl StatusKind {
    /// Juju's name for the status.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusKind::Active => "active",
            StatusKind::Blocked => "blocked",
            StatusKind::Maintenance => "maintenance",
            StatusKind::Waiting => "waiting",
            StatusKind::Error => "error",
            StatusKind::Unknown => "unknown",
        }
    }

    /// Parses Juju's name; `None` for a name Juju does not use.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "active" => StatusKind::Active,
            "blocked" => StatusKind::Blocked,
            "maintenance" => StatusKind::Maintenance,
            "waiting" => StatusKind::Waiting,
            "error" => StatusKind::Error,
            "unknown" => StatusKind::Unknown,
            _ => return None,
        })
    }

    /// The priority collect-status uses: error > blocked > maintenance > waiting >
    /// active > unknown.
    pub fn priority(self) -> u8 {
        match self {
            StatusKind::Error => 5,
            StatusKind::Blocked => 4,
            StatusKind::Maintenance => 3,
            StatusKind::Waiting => 2,
            StatusKind::Active => 1,
            StatusKind::Unknown => 0,
        }
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status as Juju reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "testing", derive(serde::Serialize, serde::Deserialize))]
pub struct StatusInfo {
    /// The status name.
    pub kind: StatusKind,
    /// The message, possibly empty.
    pub message: String,
}

impl StatusInfo {
    /// The settable [`Status`] this is, `None` for `error` and `unknown`.
    pub fn to_status(&self) -> Option<Status> {
        let m = self.message.clone();
        Some(match self.kind {
            StatusKind::Active => Status::Active(m),
            StatusKind::Blocked => Status::Blocked(m),
            StatusKind::Maintenance => Status::Maintenance(m),
            StatusKind::Waiting => Status::Waiting(m),
            StatusKind::Error | StatusKind::Unknown => return None,
        })
    }
}

impl From<Status> for StatusInfo {
    fn from(status: Status) -> Self {
        status.info()
    }
}

impl PartialEq<Status> for StatusInfo {
    fn eq(&self, other: &Status) -> bool {
        self.kind == other.kind() && self.message == other.message()
    }
}

impl fmt::Display for StatusInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.message)
        }
    }
}

/// The statuses added during collect-status, of which the highest priority wins
/// (the first added among equals).
pub(crate) fn highest(statuses: &[Status]) -> Option<&Status> {
    statuses.iter().rev().max_by_key(|s| s.kind().priority())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_priority_first_added_wins_ties() {
        let statuses = [
            Status::active("a"),
            Status::waiting("w1"),
            Status::blocked("b1"),
            Status::maintenance("m"),
            Status::blocked("b2"),
        ];
        assert_eq!(highest(&statuses), Some(&Status::blocked("b1")));
        assert_eq!(highest(&statuses[..2]), Some(&Status::waiting("w1")));
        assert_eq!(highest(&[]), None);
    }

    #[test]
    fn names_round_trip() {
        for kind in [
            StatusKind::Active,
            StatusKind::Blocked,
            StatusKind::Maintenance,
            StatusKind::Waiting,
            StatusKind::Error,
            StatusKind::Unknown,
        ] {
            assert_eq!(StatusKind::from_name(kind.as_str()), Some(kind));
        }
        assert_eq!(StatusKind::from_name("terminated"), None);
    }
}
