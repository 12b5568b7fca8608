//! The Juju context of one dispatch, read from the `JUJU_*` environment variables.
//!
//! Juju starts the charm once per event and describes the event in the process
//! environment. [`JujuContext`] is that description, parsed and validated: a
//! missing or malformed variable becomes an [`EnvError`] that names it, never a
//! panic.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Not Juju's: the directory holding the workload containers' Pebble sockets
/// (`<dir>/<container>/pebble.socket`), for a simulator that serves emulated
/// containers. Under Juju it is unset and the sockets are at
/// `/charm/containers`.
pub const CONTAINERS_DIR_VAR: &str = "OPS_RUNTIME_CONTAINERS_DIR";

/// The value of [`CONTAINERS_DIR_VAR`], if set and not empty.
pub(crate) fn containers_dir_from_env() -> Option<PathBuf> {
    #[allow(clippy::disallowed_methods)]
    std::env::var_os(CONTAINERS_DIR_VAR)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// Every variable this crate reads, in one place (the testing harness writes the
/// same names).
pub(crate) mod vars {
    pub(crate) const DISPATCH_PATH: &str = "JUJU_DISPATCH_PATH";
    pub(crate) const HOOK_NAME: &str = "JUJU_HOOK_NAME";
    pub(crate) const UNIT_NAME: &str = "JUJU_UNIT_NAME";
    pub(crate) const MODEL_NAME: &str = "JUJU_MODEL_NAME";
    pub(crate) const MODEL_UUID: &str = "JUJU_MODEL_UUID";
    pub(crate) const VERSION: &str = "JUJU_VERSION";
    pub(crate) const CHARM_DIR: &str = "JUJU_CHARM_DIR";
    pub(crate) const AVAILABILITY_ZONE: &str = "JUJU_AVAILABILITY_ZONE";
    pub(crate) const MACHINE_ID: &str = "JUJU_MACHINE_ID";
    pub(crate) const PRINCIPAL_UNIT: &str = "JUJU_PRINCIPAL_UNIT";
    pub(crate) const DEBUG: &str = "JUJU_DEBUG";
    pub(crate) const DEBUG_AT: &str = "JUJU_DEBUG_AT";
    pub(crate) const ACTION_NAME: &str = "JUJU_ACTION_NAME";
    pub(crate) const ACTION_UUID: &str = "JUJU_ACTION_UUID";
    pub(crate) const RELATION: &str = "JUJU_RELATION";
    pub(crate) const RELATION_ID: &str = "JUJU_RELATION_ID";
    pub(crate) const REMOTE_APP: &str = "JUJU_REMOTE_APP";
    pub(crate) const REMOTE_UNIT: &str = "JUJU_REMOTE_UNIT";
    pub(crate) const DEPARTING_UNIT: &str = "JUJU_DEPARTING_UNIT";
    pub(crate) const WORKLOAD_NAME: &str = "JUJU_WORKLOAD_NAME";
    pub(crate) const NOTICE_ID: &str = "JUJU_NOTICE_ID";
    pub(crate) const NOTICE_TYPE: &str = "JUJU_NOTICE_TYPE";
    pub(crate) const NOTICE_KEY: &str = "JUJU_NOTICE_KEY";
    pub(crate) const PEBBLE_CHECK_NAME: &str = "JUJU_PEBBLE_CHECK_NAME";
    pub(crate) const SECRET_ID: &str = "JUJU_SECRET_ID";
    pub(crate) const SECRET_LABEL: &str = "JUJU_SECRET_LABEL";
    pub(crate) const SECRET_REVISION: &str = "JUJU_SECRET_REVISION";
    pub(crate) const STORAGE_ID: &str = "JUJU_STORAGE_ID";
}

/// A `JUJU_*` variable that is missing or cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A variable this dispatch needs is not set (or is empty).
    #[error("`{var}` is not set; {hint}")]
    Missing {
        /// The variable's name.
        var: &'static str,
        /// Why it is needed and what to do.
        hint: &'static str,
    },
    /// A variable is set but its value has the wrong shape.
    #[error("`{var}` has an invalid value `{value}`: {reason}")]
    Invalid {
        /// The variable's name.
        var: &'static str,
        /// The value found.
        value: String,
        /// What shape was expected.
        reason: String,
    },
}

/// A Juju agent version such as `3.6.4` or `3.7-beta1.2`, comparable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct JujuVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// Patch number, or the number after a tag such as `beta`.
    pub patch: u32,
    /// Whether the version carries a pre-release tag (`3.7-beta1`), which sorts before the release.
    pub prerelease: bool,
    /// Build number (`3.6.4.1`), 0 when absent.
    pub build: u32,
}

impl JujuVersion {
    /// A release version `major.minor.patch`.
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
            prerelease: false,
            build: 0,
        }
    }

    /// Whether this Juju supports secrets (3.0.3 and later).
    pub fn has_secrets(&self) -> bool {
        *self >= Self::new(3, 0, 3)
    }

    /// Whether relations have application databags (2.7 and later).
    pub fn has_app_data(&self) -> bool {
        *self >= Self::new(2, 7, 0)
    }

    /// Whether Juju runs the charm through `dispatch` (2.8 and later).
    pub fn is_dispatch_aware(&self) -> bool {
        *self >= Self::new(2, 8, 0)
    }

    /// Whether controller storage (`state-get`/`state-set`) exists (2.8 and later).
    pub fn has_controller_storage(&self) -> bool {
        *self >= Self::new(2, 8, 0)
    }

    /// Whether `open-port` works on Kubernetes (3.0.3 and later).
    pub fn supports_open_port_on_k8s(&self) -> bool {
        *self >= Self::new(3, 0, 3)
    }

    /// Whether Pebble exec supports a service context (3.1.6 and later, but not 3.2.0).
    pub fn supports_exec_service_context(&self) -> bool {
        *self >= Self::new(3, 1, 6) && *self != Self::new(3, 2, 0)
    }

    /// Whether Pebble forwards logs (3.4 and later).
    pub fn supports_pebble_log_forwarding(&self) -> bool {
        *self >= Self::new(3, 4, 0)
    }

    /// Whether Pebble identities exist (3.6.4 and later).
    pub fn supports_pebble_identities(&self) -> bool {
        *self >= Self::new(3, 6, 4)
    }

    /// Whether Pebble serves metrics (3.6.4 and later).
    pub fn supports_pebble_metrics(&self) -> bool {
        *self >= Self::new(3, 6, 4)
    }
}

impl JujuVersion {
    fn sort_key(&self) -> (u32, u32, bool, u32, u32) {
        // A tagged version precedes the release of the same minor version.
        (
            self.major,
            self.minor,
            !self.prerelease,
            self.patch,
            self.build,
        )
    }
}

impl PartialOrd for JujuVersion {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JujuVersion {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl FromStr for JujuVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("expected `MAJOR.MINOR[.PATCH|-TAG PATCH][.BUILD]`, got `{s}`");
        let num = |part: &str| part.parse::<u32>().map_err(|_| bad());
        let (major, rest) = s.split_once('.').ok_or_else(bad)?;
        let major = num(major)?;
        // `3.7-beta1.2`: minor `7`, tag `beta`, patch `1`, build `2`.
        if let Some((minor, tagged)) = rest.split_once('-') {
            let digits_at = tagged.find(|c: char| c.is_ascii_digit()).ok_or_else(bad)?;
            if digits_at == 0 || !tagged[..digits_at].chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(bad());
            }
            let (patch, build) = match tagged[digits_at..].split_once('.') {
                Some((p, b)) => (num(p)?, num(b)?),
                None => (num(&tagged[digits_at..])?, 0),
            };
            return Ok(Self {
                major,
                minor: num(minor)?,
                patch,
                prerelease: true,
                build,
            });
        }
        let mut parts = rest.split('.');
        let minor = num(parts.next().ok_or_else(bad)?)?;
        let patch = parts.next().map(num).transpose()?.unwrap_or(0);
        let build = parts.next().map(num).transpose()?.unwrap_or(0);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Self {
            major,
            minor,
            patch,
            prerelease: false,
            build,
        })
    }
}

impl fmt::Display for JujuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prerelease {
            write!(f, "{}.{}-pre{}", self.major, self.minor, self.patch)?;
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        }
        if self.build != 0 {
            write!(f, ".{}", self.build)?;
        }
        Ok(())
    }
}

/// The context Juju gives one dispatch, from the `JUJU_*` environment variables.
///
/// Empty values count as unset, as in Juju's own tools. Variables that only some
/// events carry are `None` elsewhere; [`crate::Event::from_context`] checks that the
/// ones an event needs are present.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JujuContext {
    /// `JUJU_DISPATCH_PATH`: `hooks/<hook>` or `actions/<action>`.
    pub dispatch_path: String,
    /// `JUJU_HOOK_NAME`: the hook's name, empty for actions.
    pub hook_name: Option<String>,
    /// `JUJU_UNIT_NAME`: this unit, e.g. `tinyproxy/0`.
    pub unit_name: String,
    /// The application name: the unit name before the `/`.
    pub app_name: String,
    /// `JUJU_MODEL_NAME`.
    pub model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// `JUJU_VERSION`, `0.0.0` when unset (Juju omits it in `meter-status-changed`).
    pub version: JujuVersion,
    /// `JUJU_CHARM_DIR`: the unpacked charm.
    pub charm_dir: PathBuf,
    /// `JUJU_AVAILABILITY_ZONE`.
    pub availability_zone: Option<String>,
    /// `JUJU_MACHINE_ID` (machine charms).
    pub machine_id: Option<String>,
    /// `JUJU_PRINCIPAL_UNIT` (subordinate charms).
    pub principal_unit: Option<String>,
    /// `JUJU_DEBUG` is set: logs also go to stderr.
    pub debug: bool,
    /// `JUJU_DEBUG_AT`: comma-separated breakpoint names.
    pub debug_at: Vec<String>,
    /// `JUJU_ACTION_NAME`.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID`.
    pub action_uuid: Option<String>,
    /// `JUJU_RELATION`: the relation endpoint.
    pub relation_name: Option<String>,
    /// The number after the last `:` of `JUJU_RELATION_ID` (`db:7` gives 7).
    pub relation_id: Option<u64>,
    /// `JUJU_REMOTE_APP`.
    pub remote_app: Option<String>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<String>,
    /// `JUJU_WORKLOAD_NAME`: the container of a Pebble event.
    pub workload_name: Option<String>,
    /// `JUJU_NOTICE_ID`.
    pub notice_id: Option<String>,
    /// `JUJU_NOTICE_TYPE`.
    pub notice_type: Option<String>,
    /// `JUJU_NOTICE_KEY`.
    pub notice_key: Option<String>,
    /// `JUJU_PEBBLE_CHECK_NAME`.
    pub pebble_check_name: Option<String>,
    /// `JUJU_SECRET_ID`.
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL`.
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION`.
    pub secret_revision: Option<u64>,
    /// `JUJU_STORAGE_ID` split into name and index (`data/3`).
    pub storage_id: Option<(String, u32)>,
}

impl JujuContext {
    /// Reads the context from this process's environment: the one place the crate
    /// reads it (`clippy.toml` forbids the others).
    pub fn from_env() -> Result<Self, EnvError> {
        #[allow(clippy::disallowed_methods)]
        let all: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("JUJU_"))
            .collect();
        Self::from_vars(&all)
    }

    /// Reads the context from a map of variables, as the testing harness does.
    pub fn from_vars(vars: &BTreeMap<String, String>) -> Result<Self, EnvError> {
        let get = |var: &str| vars.get(var).filter(|v| !v.is_empty()).cloned();
        let required =
            |var: &'static str, hint: &'static str| get(var).ok_or(EnvError::Missing { var, hint });
        let unit_name = required(
            vars::UNIT_NAME,
            "Juju sets it for every hook; run the charm through Juju or set it to `app/N`",
        )?;
        let app_name = match unit_name.split_once('/') {
            Some((app, n)) if !app.is_empty() && n.parse::<u32>().is_ok() => app.to_owned(),
            _ => {
                return Err(EnvError::Invalid {
                    var: vars::UNIT_NAME,
                    value: unit_name,
                    reason: "expected `<application>/<number>`".into(),
                });
            }
        };
        let version = match get(vars::VERSION) {
            None => JujuVersion::default(),
            Some(v) => v.parse().map_err(|reason| EnvError::Invalid {
                var: vars::VERSION,
                value: v,
                reason,
            })?,
        };
        let relation_id = get(vars::RELATION_ID)
            .map(|v| {
                v.rsplit(':')
                    .next()
                    .and_then(|n| n.parse::<u64>().ok())
                    .ok_or_else(|| EnvError::Invalid {
                        var: vars::RELATION_ID,
                        value: v.clone(),
                        reason: "expected `<endpoint>:<number>` or a number".into(),
                    })
            })
            .transpose()?;
        let secret_revision = get(vars::SECRET_REVISION)
            .map(|v| {
                v.parse::<u64>().map_err(|_| EnvError::Invalid {
                    var: vars::SECRET_REVISION,
                    value: v.clone(),
                    reason: "expected a revision number".into(),
                })
            })
            .transpose()?;
        let storage_id = get(vars::STORAGE_ID)
            .map(|v| {
                v.rsplit_once('/')
                    .and_then(|(name, n)| Some((name.to_owned(), n.parse::<u32>().ok()?)))
                    .filter(|(name, _)| !name.is_empty())
                    .ok_or_else(|| EnvError::Invalid {
                        var: vars::STORAGE_ID,
                        value: v.clone(),
                        reason: "expected `<storage>/<number>`".into(),
                    })
            })
            .transpose()?;
        Ok(Self {
            dispatch_path: required(
                vars::DISPATCH_PATH,
                "Juju 2.8+ sets it to `hooks/<hook>` or `actions/<action>`; run the charm as its `dispatch`",
            )?,
            hook_name: get(vars::HOOK_NAME),
            unit_name,
            app_name,
            model_name: get(vars::MODEL_NAME).unwrap_or_default(),
            model_uuid: get(vars::MODEL_UUID).unwrap_or_default(),
            version,
            charm_dir: get(vars::CHARM_DIR).map(PathBuf::from).unwrap_or_default(),
            availability_zone: get(vars::AVAILABILITY_ZONE),
            machine_id: get(vars::MACHINE_ID),
            principal_unit: get(vars::PRINCIPAL_UNIT),
            debug: vars.contains_key(vars::DEBUG),
            debug_at: get(vars::DEBUG_AT)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            action_name: get(vars::ACTION_NAME),
            action_uuid: get(vars::ACTION_UUID),
            relation_name: get(vars::RELATION),
            relation_id,
            remote_app: get(vars::REMOTE_APP),
            remote_unit: get(vars::REMOTE_UNIT),
            departing_unit: get(vars::DEPARTING_UNIT),
            workload_name: get(vars::WORKLOAD_NAME),
            notice_id: get(vars::NOTICE_ID),
            notice_type: get(vars::NOTICE_TYPE),
            notice_key: get(vars::NOTICE_KEY),
            pebble_check_name: get(vars::PEBBLE_CHECK_NAME),
            secret_id: get(vars::SECRET_ID),
            secret_label: get(vars::SECRET_LABEL),
            secret_revision,
            storage_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> BTreeMap<String, String> {
        [
            ("JUJU_DISPATCH_PATH", "hooks/install"),
            ("JUJU_UNIT_NAME", "demo/3"),
            ("JUJU_MODEL_NAME", "m"),
            ("JUJU_VERSION", "3.6.4"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn parses_core_variables() {
        let ctx = JujuContext::from_vars(&base()).unwrap();
        assert_eq!(ctx.unit_name, "demo/3");
        assert_eq!(ctx.app_name, "demo");
        assert_eq!(ctx.version, JujuVersion::new(3, 6, 4));
        assert_eq!(ctx.relation_id, None);
    }

    #[test]
    fn missing_unit_name_is_an_error() {
        let mut vars = base();
        vars.insert("JUJU_UNIT_NAME".into(), String::new());
        let err = JujuContext::from_vars(&vars).unwrap_err();
        assert!(
            matches!(
                err,
                EnvError::Missing {
                    var: "JUJU_UNIT_NAME",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().starts_with("`JUJU_UNIT_NAME` is not set"));
    }

    #[test]
    fn malformed_values_are_errors() {
        for (var, value) in [
            ("JUJU_UNIT_NAME", "no-slash"),
            ("JUJU_RELATION_ID", "db:seven"),
            ("JUJU_SECRET_REVISION", "-1"),
            ("JUJU_STORAGE_ID", "data"),
            ("JUJU_VERSION", "three"),
        ] {
            let mut vars = base();
            vars.insert(var.into(), value.into());
            let err = JujuContext::from_vars(&vars).unwrap_err();
            assert!(
                matches!(&err, EnvError::Invalid { var: v, value: got, .. } if *v == var && got == value),
                "{var}: {err}"
            );
        }
    }

    #[test]
    fn relation_and_storage_ids() {
        let mut vars = base();
        vars.insert("JUJU_RELATION_ID".into(), "db:12".into());
        vars.insert("JUJU_STORAGE_ID".into(), "data-dir/4".into());
        let ctx = JujuContext::from_vars(&vars).unwrap();
        assert_eq!(ctx.relation_id, Some(12));
        assert_eq!(ctx.storage_id, Some(("data-dir".into(), 4)));
    }

    #[test]
    fn versions_compare() {
        let v = |s: &str| s.parse::<JujuVersion>().unwrap();
        assert!(v("3.6.4") > v("3.6"));
        assert!(v("3.7-beta1") < v("3.7.0"));
        assert!(v("3.1.7.2") > v("3.1.7"));
        assert_eq!(v("3.7-beta1.2").build, 2);
        assert!("3".parse::<JujuVersion>().is_err());
        assert!("3.1.2.3.4".parse::<JujuVersion>().is_err());
        assert!("3.7-1".parse::<JujuVersion>().is_err());
        assert!(v("3.1.6").supports_exec_service_context());
        assert!(!v("3.2.0").supports_exec_service_context());
        assert!(v("3.6.4").supports_pebble_identities() && !v("3.6.3").supports_pebble_metrics());
        assert!(v("2.8.0").is_dispatch_aware() && !v("2.6.9").has_app_data());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Every variable the reader looks at.
        const VARS: &[&str] = &[
            vars::DISPATCH_PATH,
            vars::HOOK_NAME,
            vars::UNIT_NAME,
            vars::MODEL_NAME,
            vars::MODEL_UUID,
            vars::VERSION,
            vars::CHARM_DIR,
            vars::AVAILABILITY_ZONE,
            vars::MACHINE_ID,
            vars::PRINCIPAL_UNIT,
            vars::DEBUG,
            vars::DEBUG_AT,
            vars::ACTION_NAME,
            vars::ACTION_UUID,
            vars::RELATION,
            vars::RELATION_ID,
            vars::REMOTE_APP,
            vars::REMOTE_UNIT,
            vars::DEPARTING_UNIT,
            vars::WORKLOAD_NAME,
            vars::NOTICE_ID,
            vars::NOTICE_TYPE,
            vars::NOTICE_KEY,
            vars::PEBBLE_CHECK_NAME,
            vars::SECRET_ID,
            vars::SECRET_LABEL,
            vars::SECRET_REVISION,
            vars::STORAGE_ID,
        ];

        /// Values close to Juju's (unit names, relation and storage ids, versions,
        /// revisions), and anything else: any text, empty, huge.
        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z][a-z0-9-]{0,10}/[0-9]{1,4}",
                "[a-z-]{0,8}:[0-9+-]{0,22}",
                "[0-9]{1,10}(\\.[0-9]{0,10}){0,4}(-[a-z]{0,6}[0-9]{0,4}(\\.[0-9]{1,3})?)?",
                "[0-9-]{0,22}",
                "[a-z/.-]{0,24}",
                any::<String>(),
                Just(String::new()),
                (1..100_000usize).prop_map(|n| "9".repeat(n)),
                (1..100_000usize).prop_map(|n| "a/".repeat(n)),
            ]
        }

        fn environment() -> impl Strategy<Value = BTreeMap<String, String>> {
            (
                any::<bool>(),
                prop::collection::btree_map(
                    prop_oneof![
                        4 => prop::sample::select(VARS).prop_map(str::to_owned),
                        1 => "JUJU_[A-Z_]{0,12}",
                    ],
                    value(),
                    0..12,
                ),
            )
                .prop_map(|(from_base, changes)| {
                    let mut vars = if from_base { base() } else { BTreeMap::new() };
                    vars.extend(changes);
                    vars
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

            /// Any environment gives a context or an error naming a variable Juju
            /// sets, never a panic; a context keeps the unit's application.
            #[test]
            fn any_environment_is_a_context_or_a_typed_error(vars in environment()) {
                match JujuContext::from_vars(&vars) {
                    Ok(context) => {
                        prop_assert!(!context.dispatch_path.is_empty());
                        prop_assert_eq!(
                            context.unit_name.split_once('/').map(|(app, _)| app),
                            Some(context.app_name.as_str())
                        );
                    }
                    Err(EnvError::Missing { var, .. } | EnvError::Invalid { var, .. }) => {
                        prop_assert!(VARS.contains(&var), "{var}");
                    }
                }
            }

            /// Any text is a version or an error.
            #[test]
            fn any_text_is_a_version_or_an_error(text in any::<String>()) {
                let _ = text.parse::<JujuVersion>();
            }

            /// Versions read back as they print, and compare as their numbers.
            #[test]
            fn versions_round_trip_and_order(
                a in (0..50u32, 0..50u32, 0..50u32, 0..5u32),
                b in (0..50u32, 0..50u32, 0..50u32, 0..5u32),
            ) {
                let version = |(major, minor, patch, build): (u32, u32, u32, u32)| JujuVersion {
                    build,
                    ..JujuVersion::new(major, minor, patch)
                };
                let (va, vb) = (version(a), version(b));
                prop_assert_eq!(va.to_string().parse::<JujuVersion>(), Ok(va));
                prop_assert_eq!(va.cmp(&vb), a.cmp(&b));
            }
        }
    }
}
