//! The typed model of a charm's metadata, apart from config options and actions.

use std::fmt;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};

use crate::action::Action;
use crate::config::ConfigOption;
use crate::error::{Location, Warning};
use crate::keyword::keyword_enum;
use crate::source::{Positions, SourceFile};

/// A charm's metadata, merged from `charmcraft.yaml` and the older `metadata.yaml`,
/// `config.yaml` and `actions.yaml`.
///
/// Keys are merged the way charmcraft merges them: the keys of `charmcraft.yaml`, then
/// those of `metadata.yaml`, then `config.yaml` as `config` and `actions.yaml` as
/// `actions`; a key may be written in only one file. Every named entity keeps the
/// [`Location`] where it was written, and [`position`](Self::position) finds any other key.
///
/// It serializes (with `serde`) to the shape of a merged `charmcraft.yaml`, with kebab-case
/// keys and normalised values; locations, warnings and sources are left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct CharmMetadata {
    /// `name`: the charm's name, the only required key.
    pub name: String,
    /// `type`: `charm` in `charmcraft.yaml` (charmcraft also knows `bundle`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `title` (charmcraft.yaml), trimmed; `title:` with no value is `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `display-name` (metadata.yaml), trimmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `summary`, trimmed (a `|` block scalar's final newline is dropped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `description`, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `links`, together with the legacy top-level `docs`, `issues`, `source`, `website`
    /// and `contact` keys of metadata.yaml.
    #[serde(skip_serializing_if = "Links::is_empty")]
    pub links: Links,
    /// `maintainers` and the legacy `maintainer`, each a string or a list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<String>,
    /// `subordinate`: whether the charm is deployed alongside a principal charm.
    pub subordinate: bool,
    /// `charm-user`: the user the charm runs as on Kubernetes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charm_user: Option<CharmUser>,
    /// `assumes`: the features the charm needs from Juju.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumes: Vec<Assumption>,
    /// `requires`: endpoints that consume an interface.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub requires: IndexMap<String, Relation>,
    /// `provides`: endpoints that offer an interface.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub provides: IndexMap<String, Relation>,
    /// `peers`: endpoints between the units of this application.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub peers: IndexMap<String, Relation>,
    /// `extra-bindings`: network bindings that are not relation endpoints.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub extra_bindings: IndexMap<String, ExtraBinding>,
    /// `containers`: workload containers of a Kubernetes sidecar charm.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub containers: IndexMap<String, Container>,
    /// `storage`: storage the charm asks Juju for.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub storage: IndexMap<String, Storage>,
    /// `resources`: files and OCI images the charm is deployed with.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub resources: IndexMap<String, Resource>,
    /// `devices`: devices (such as GPUs) the charm asks for.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub devices: IndexMap<String, Device>,
    /// The options under `config.options` (or `options` in config.yaml).
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "serialize_config"
    )]
    pub config: IndexMap<String, ConfigOption>,
    /// `actions` (or the whole of actions.yaml).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub actions: IndexMap<String, Action>,
    /// `base`, such as `ubuntu@24.04`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// `build-base`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_base: Option<String>,
    /// `bases` (deprecated by charmcraft in favour of `base` and `platforms`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<Base>,
    /// `platforms`, by platform name (`amd64`, `ubuntu@22.04:amd64`, or any name with
    /// `build-on`/`build-for`).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub platforms: IndexMap<String, Platform>,
    /// `parts`: craft-parts build instructions, kept as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<serde_json::Value>,
    /// `charm-libs`: charm libraries fetched by charmcraft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub charm_libs: Vec<CharmLib>,
    /// `extensions`, such as `flask-framework`. An extension adds metadata when the charm
    /// is packed, so this model is then not the charm's full metadata.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<String>,
    /// `series` (legacy metadata.yaml).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<String>,
    /// `tags` (legacy metadata.yaml).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `terms`: terms users must agree to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub terms: Vec<String>,
    /// `min-juju-version` (legacy metadata.yaml).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_juju_version: Option<String>,
    /// Top-level keys that this model does not type, as written. Keys outside charmcraft's
    /// and Juju's documented schema also produce a [`Warning`].
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Unknown keys and other oddities that did not prevent loading.
    #[serde(skip)]
    pub warnings: Vec<Warning>,
    /// The files that were read, in merge order.
    #[serde(skip)]
    pub sources: Vec<SourceFile>,
    #[serde(skip)]
    pub(crate) positions: Positions,
}

impl CharmMetadata {
    /// Metadata with nothing set, to be filled in by the decoder.
    pub(crate) fn empty() -> Self {
        Self {
            name: String::new(),
            kind: None,
            title: None,
            display_name: None,
            summary: None,
            description: None,
            links: Links::default(),
            maintainers: Vec::new(),
            subordinate: false,
            charm_user: None,
            assumes: Vec::new(),
            requires: IndexMap::new(),
            provides: IndexMap::new(),
            peers: IndexMap::new(),
            extra_bindings: IndexMap::new(),
            containers: IndexMap::new(),
            storage: IndexMap::new(),
            resources: IndexMap::new(),
            devices: IndexMap::new(),
            config: IndexMap::new(),
            actions: IndexMap::new(),
            base: None,
            build_base: None,
            bases: Vec::new(),
            platforms: IndexMap::new(),
            parts: None,
            charm_libs: Vec::new(),
            extensions: Vec::new(),
            series: Vec::new(),
            tags: Vec::new(),
            terms: Vec::new(),
            min_juju_version: None,
            extra: IndexMap::new(),
            warnings: Vec::new(),
            sources: Vec::new(),
            positions: Positions::default(),
        }
    }

    /// The relation endpoint called `endpoint`, whichever of `requires`, `provides` and
    /// `peers` declares it.
    pub fn relation(&self, endpoint: &str) -> Option<&Relation> {
        self.requires
            .get(endpoint)
            .or_else(|| self.provides.get(endpoint))
            .or_else(|| self.peers.get(endpoint))
    }

    /// Every relation endpoint: `requires`, then `provides`, then `peers`, each in file order.
    pub fn relations(&self) -> impl Iterator<Item = &Relation> {
        self.requires
            .values()
            .chain(self.provides.values())
            .chain(self.peers.values())
    }

    /// Where the key at `key_path` (dot-separated, as in the merged model) was written.
    ///
    /// Paths into config.yaml and actions.yaml are written as in the merged model
    /// (`config.options.port`, `actions.backup.params.target`); the returned location then
    /// names that file. Sequence items are addressed by index (`assumes.0`). When the key
    /// itself was not recorded — because it does not exist or is written inside a flow
    /// collection such as `{storage: data}` — the location of its nearest enclosing key
    /// is returned. `None` means that no file defines the top-level key.
    pub fn position(&self, key_path: &str) -> Option<Location> {
        self.positions.locate(key_path)
    }
}

/// `links`: where to find out more about the charm.
///
/// The legacy metadata.yaml keys `docs`, `issues`, `source`, `website` and `contact` are
/// folded in here.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Links {
    /// `documentation` (or legacy `docs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    /// `issues`: bug trackers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<String>,
    /// `source`: source repositories.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source: Vec<String>,
    /// `contact`: how to reach the maintainers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    /// `website`: project websites.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub website: Vec<String>,
}

impl Links {
    /// Whether no link is set.
    pub fn is_empty(&self) -> bool {
        self.documentation.is_none()
            && self.issues.is_empty()
            && self.source.is_empty()
            && self.contact.is_empty()
            && self.website.is_empty()
    }
}

keyword_enum! {
    /// Which of `requires`, `provides` and `peers` declares an endpoint.
    pub enum RelationRole {
        /// `requires`.
        Requires => "requires",
        /// `provides`.
        Provides => "provides",
        /// `peers`.
        Peer => "peers",
    }
}

keyword_enum! {
    /// `scope` of a relation endpoint.
    pub enum RelationScope {
        /// `global` (the default): the relation spans the whole model.
        Global => "global",
        /// `container`: the relation is limited to units on the same machine (subordinates).
        Container => "container",
    }
}

/// A relation endpoint under `requires`, `provides` or `peers`.
///
/// The shorthand `db: mysql` means `db: {interface: mysql}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relation {
    /// The endpoint name (the key).
    #[serde(skip)]
    pub name: String,
    /// Which section declares it.
    #[serde(skip)]
    pub role: RelationRole,
    /// `interface`: the relation interface name.
    pub interface: String,
    /// `limit`: the most relations this endpoint may take part in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `scope` (default `global`).
    pub scope: RelationScope,
    /// `optional` (default `false`); informational only.
    pub optional: bool,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keys this model does not know, as written (each also produced a [`Warning`]).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Where the endpoint's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// An entry of `extra-bindings`: a network binding that is not a relation endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraBinding {
    /// The binding name (the key).
    pub name: String,
    /// Where the binding's name was written.
    pub location: Option<Location>,
}

impl Serialize for ExtraBinding {
    /// Extra bindings are keys with empty values, so each serializes as `null`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_none()
    }
}

/// A workload container under `containers`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Container {
    /// The container name (the key).
    #[serde(skip)]
    pub name: String,
    /// `resource`: the `oci-image` resource the container runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// `bases`: the bases the container image may be taken from, instead of a resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bases: Vec<BaseSpec>,
    /// `mounts`: storage mounted into the container.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// `uid`: the user the workload runs as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// `gid`: the group the workload runs as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gid: Option<u32>,
    /// Keys this model does not know, as written (each also produced a [`Warning`]).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Where the container's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// An entry of a container's `mounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    /// `storage`: the name of a storage declared under `storage`.
    pub storage: String,
    /// `location`: where the storage is mounted in the container.
    #[serde(rename = "location", skip_serializing_if = "Option::is_none")]
    pub mount_location: Option<String>,
    /// Where the mount was written (its `-` list item).
    #[serde(skip)]
    pub location: Option<Location>,
}

keyword_enum! {
    /// `type` of a storage.
    pub enum StorageKind {
        /// `filesystem`: a mounted directory.
        Filesystem => "filesystem",
        /// `block`: a raw block device.
        Block => "block",
    }
}

/// A storage under `storage`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Storage {
    /// The storage name (the key).
    #[serde(skip)]
    pub name: String,
    /// `type`.
    #[serde(rename = "type")]
    pub kind: StorageKind,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `location`: where the storage is mounted on the machine.
    #[serde(rename = "location", skip_serializing_if = "Option::is_none")]
    pub mount_location: Option<String>,
    /// `shared`: whether units share one instance.
    pub shared: bool,
    /// `read-only`.
    pub read_only: bool,
    /// `minimum-size`, as written (`10G`, `1GB`, `5M`; a bare number means megabytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_size: Option<String>,
    /// `multiple.range`: how many instances the charm may have; `None` means exactly one.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_multiple"
    )]
    pub multiple: Option<StorageRange>,
    /// `properties`, such as `transient`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<String>,
    /// Keys this model does not know, as written (each also produced a [`Warning`]).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Where the storage's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// The range of a storage's `multiple`: `n`, `n-m`, `n-` or `n+`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StorageRange {
    /// The fewest instances.
    pub min: u32,
    /// The most instances; `None` means no upper bound.
    pub max: Option<u32>,
}

impl fmt::Display for StorageRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}-{max}", self.min),
            None => write!(f, "{}+", self.min),
        }
    }
}

impl Serialize for StorageRange {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

keyword_enum! {
    /// `type` of a resource.
    pub enum ResourceKind {
        /// `file`: a file attached to the application.
        File => "file",
        /// `oci-image`: a container image.
        OciImage => "oci-image",
    }
}

/// A resource under `resources`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Resource {
    /// The resource name (the key).
    #[serde(skip)]
    pub name: String,
    /// `type`.
    #[serde(rename = "type")]
    pub kind: ResourceKind,
    /// `filename`: the file name a `file` resource is stored under.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `upstream-source`: the image the charm's authors test with (not read by Juju).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_source: Option<String>,
    /// Keys this model does not know, as written (each also produced a [`Warning`]).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Where the resource's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// A device under `devices`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    /// The device name (the key).
    #[serde(skip)]
    pub name: String,
    /// `type`: `gpu`, `nvidia.com/gpu` or `amd.com/gpu`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `countmin`.
    #[serde(rename = "countmin", skip_serializing_if = "Option::is_none")]
    pub count_min: Option<u64>,
    /// `countmax`.
    #[serde(rename = "countmax", skip_serializing_if = "Option::is_none")]
    pub count_max: Option<u64>,
    /// Keys this model does not know, as written (each also produced a [`Warning`]).
    #[serde(flatten)]
    pub extra: IndexMap<String, serde_json::Value>,
    /// Where the device's name was written.
    #[serde(skip)]
    pub location: Option<Location>,
}

keyword_enum! {
    /// `charm-user`: the user the charm's code runs as (Kubernetes charms, Juju 3.6+).
    pub enum CharmUser {
        /// `root` (the default).
        Root => "root",
        /// `sudoer`: a non-root user that may use `sudo`.
        Sudoer => "sudoer",
        /// `non-root`.
        NonRoot => "non-root",
    }
}

keyword_enum! {
    /// The comparison in an `assumes` version constraint.
    pub enum VersionOp {
        /// `>=`.
        AtLeast => ">=",
        /// `<`.
        Below => "<",
    }
}

/// A version constraint of an `assumes` feature, such as `>= 3.1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionConstraint {
    /// The comparison.
    pub op: VersionOp,
    /// The version: one to three dot-separated numbers.
    pub version: String,
}

/// An entry of `assumes`: a feature the charm needs, or a group of them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Assumption {
    /// A feature, optionally at some version: `k8s-api`, `juju`, `juju >= 3.1`.
    Feature {
        /// The feature name: `juju`, `k8s-api`, …
        name: String,
        /// The version constraint, if any.
        version: Option<VersionConstraint>,
    },
    /// `all-of`: every entry must hold.
    AllOf(Vec<Assumption>),
    /// `any-of`: at least one entry must hold.
    AnyOf(Vec<Assumption>),
}

impl fmt::Display for Assumption {
    /// Writes a feature as in the metadata (`juju >= 3.1`) and a group as
    /// `all-of(…, …)` / `any-of(…, …)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (keyword, items) = match self {
            Self::Feature {
                name,
                version: None,
            } => return f.write_str(name),
            Self::Feature {
                name,
                version: Some(constraint),
            } => {
                return write!(f, "{name} {} {}", constraint.op, constraint.version);
            }
            Self::AllOf(items) => ("all-of", items),
            Self::AnyOf(items) => ("any-of", items),
        };
        write!(f, "{keyword}(")?;
        for (at, item) in items.iter().enumerate() {
            if at > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{item}")?;
        }
        f.write_str(")")
    }
}

impl Serialize for Assumption {
    /// Serializes to the shape written in the metadata: a string, or a one-key map
    /// `{"all-of": [...]}` / `{"any-of": [...]}`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (keyword, items) = match self {
            Self::Feature { .. } => return serializer.collect_str(self),
            Self::AllOf(items) => ("all-of", items),
            Self::AnyOf(items) => ("any-of", items),
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(keyword, items)?;
        map.end()
    }
}

/// An entry of `bases`, in either of its two shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Base {
    /// charmcraft.yaml's shape: `{build-on: [...], run-on: [...]}`.
    BuildRun {
        /// `build-on`: where the charm may be built.
        #[serde(rename = "build-on")]
        build_on: Vec<BaseSpec>,
        /// `run-on`: where the built charm may run (charmcraft uses `build-on` when empty).
        #[serde(rename = "run-on", skip_serializing_if = "Vec::is_empty")]
        run_on: Vec<BaseSpec>,
    },
    /// metadata.yaml's flat shape: `{name, channel, architectures}`, a base to run on.
    Run(BaseSpec),
}

impl Base {
    /// The bases the charm runs on: `run-on` (or `build-on` when `run-on` is empty) for the
    /// charmcraft shape, the base itself for the flat shape.
    pub fn run_on(&self) -> &[BaseSpec] {
        match self {
            Self::BuildRun { build_on, run_on } if run_on.is_empty() => build_on,
            Self::BuildRun { run_on, .. } => run_on,
            Self::Run(spec) => std::slice::from_ref(spec),
        }
    }
}

/// One base: an OS name, a channel and optional architectures.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct BaseSpec {
    /// `name`: the OS, such as `ubuntu`.
    pub name: String,
    /// `channel`: such as `22.04` (or `20.04/stable` for a container base).
    pub channel: String,
    /// `architectures`: such as `amd64`; empty means the build host's.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<String>,
}

/// An entry of `platforms`.
///
/// In the shorthand forms (`amd64:` with a top-level `base`, or `ubuntu@22.04:amd64:`) the
/// value is empty and both lists are empty.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Platform {
    /// `build-on`: `<base>:<arch>` or `<arch>` entries to build on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub build_on: Vec<String>,
    /// `build-for`: `<base>:<arch>` or `<arch>` entries the build targets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub build_for: Vec<String>,
}

/// An entry of `charm-libs`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CharmLib {
    /// `lib`: `<charm>.<library>`.
    pub lib: String,
    /// `version`: `<major>` or `<major>.<minor>`.
    pub version: String,
}

fn serialize_config<S: Serializer>(
    options: &IndexMap<String, ConfigOption>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry("options", options)?;
    map.end()
}

fn serialize_multiple<S: Serializer>(
    range: &Option<StorageRange>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry("range", range)?;
    map.end()
}
