//! The charm's metadata at run time: what `charmcraft.yaml` (or `metadata.yaml`,
//! `config.yaml` and `actions.yaml`) declares, typed, compiled in by `#[charm]`.
//!
//! `#[charm]` reads the metadata at compile time and writes it into the charm
//! as a constant [`Metadata`], so no YAML is parsed at hook time. A handler
//! reaches it with [`HookContext::metadata`](crate::HookContext::metadata), and
//! code that knows the charm's type with `MyCharm::META.metadata` (the
//! [`Charm`](crate::Charm) trait's [`CharmMeta`](crate::CharmMeta)). Libraries
//! and components read what only names did not give them: an endpoint's
//! interface and limit, a container's mounts, a storage's location, a
//! resource's type, an option's default.
//!
//! Every lookup is a `const fn`, so a component can also check the metadata in
//! a constant.
//!
//! ```
//! use ops_runtime::metadata::{ResourceType, StorageType};
//! use ops_runtime::{Charm, RelationRole, charm};
//!
//! #[derive(Default)]
//! struct Demo;
//!
//! #[charm(metadata_source = r#"
//! name: demo
//! requires:
//!   db:
//!     interface: postgresql_client
//!     limit: 1
//! containers:
//!   web:
//!     resource: web-image
//!     mounts:
//!       - storage: data
//!         location: /var/lib/web
//! storage:
//!   data:
//!     type: filesystem
//! resources:
//!   web-image:
//!     type: oci-image
//! "#)]
//! impl Demo {}
//!
//! let meta = Demo::META.metadata;
//! let db = meta.relation("db").unwrap();
//! assert_eq!((db.role, db.interface, db.limit), (RelationRole::Requires, "postgresql_client", Some(1)));
//! let web = meta.container("web").unwrap();
//! assert_eq!(web.mounts[0].location, Some("/var/lib/web"));
//! assert_eq!(meta.storage(web.mounts[0].storage).unwrap().kind, StorageType::Filesystem);
//! assert_eq!(meta.resource("web-image").unwrap().kind, ResourceType::OciImage);
//!
//! // In a constant: the build fails if the endpoint is not there.
//! const DB_LIMIT: Option<u32> = match Demo::META.metadata.relation("db") {
//!     Some(db) => db.limit,
//!     None => panic!("no `db` endpoint"),
//! };
//! assert_eq!(DB_LIMIT, Some(1));
//! ```
//!
//! The model keeps what a charm's code acts on; descriptions (other than an
//! action's), links, bases, platforms and build instructions stay out of the
//! binary. `ops-metadata`'s `CharmMetadata` is the whole model, for tools.

use std::fmt;

pub use crate::component::RelationRole;
use crate::config::ConfigValue;

/// `a == b` in a `const fn`.
const fn eq(a: &str, b: &str) -> bool {
    crate::__private::str_eq(a, b)
}

/// Finds the entry named `$name` in the slice `$items` in a `const fn` (a
/// macro, because a `const fn` cannot take a closure).
macro_rules! find {
    ($items:expr, $name:expr) => {{
        let items = $items;
        let mut i = 0;
        while i < items.len() {
            if eq(items[i].name, $name) {
                return Some(&items[i]);
            }
            i += 1;
        }
        None
    }};
}

/// A charm's metadata, compiled in by `#[charm]`: everything a charm's code
/// acts on, as `'static` data.
///
/// Reach it with [`HookContext::metadata`](crate::HookContext::metadata) in a
/// handler, or `MyCharm::META.metadata` (see the [module docs](self)).
/// Entries keep the order of the metadata; relations list `requires`, then
/// `provides`, then `peers`.
///
/// ```
/// use ops_runtime::testing::{Context, State};
/// use ops_runtime::{Event, HookContext, ModelError, Status, charm};
///
/// #[derive(Default)]
/// struct Demo;
///
/// #[charm(metadata_source = r#"
/// name: demo
/// summary: A demo.
/// provides:
///   website:
///     interface: http
/// "#)]
/// impl Demo {
///     #[on(install)]
///     fn install(&mut self, cx: &mut HookContext) -> Result<(), ModelError> {
///         let meta = cx.metadata();
///         let endpoints: Vec<String> = meta
///             .provides()
///             .map(|r| format!("{} ({})", r.name, r.interface))
///             .collect();
///         cx.set_unit_status(Status::active(endpoints.join(", ")))
///     }
/// }
///
/// let out = Context::<Demo>::new().run(Event::Install, State::new()).unwrap();
/// assert_eq!(out.unit_status, Status::active("website (http)"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metadata {
    /// `name`: the charm's name.
    pub name: &'static str,
    /// `title` (charmcraft.yaml), or `display-name` (metadata.yaml).
    pub title: Option<&'static str>,
    /// `summary`.
    pub summary: Option<&'static str>,
    /// `subordinate`: whether the charm is deployed alongside a principal charm.
    pub subordinate: bool,
    /// `assumes`: the features the charm needs from Juju, one entry each, as
    /// text: `juju >= 3.1`, `k8s-api`, `any-of(juju >= 3.4, k8s-api)`.
    pub assumes: &'static [&'static str],
    /// The relation endpoints: `requires`, then `provides`, then `peers`.
    pub relations: &'static [RelationMeta],
    /// `extra-bindings`: network bindings that are not relation endpoints.
    pub extra_bindings: &'static [&'static str],
    /// `storage`.
    pub storage: &'static [StorageMeta],
    /// `containers`: the workload containers of a Kubernetes charm.
    pub containers: &'static [ContainerMeta],
    /// `resources`.
    pub resources: &'static [ResourceMeta],
    /// `actions`.
    pub actions: &'static [ActionMeta],
    /// `config.options`.
    pub config: &'static [ConfigOptionMeta],
}

impl Metadata {
    /// No metadata: the metadata of a context not built for a charm.
    ///
    /// ```
    /// assert!(ops_runtime::Metadata::EMPTY.relations.is_empty());
    /// ```
    pub const EMPTY: Metadata = Metadata {
        name: "",
        title: None,
        summary: None,
        subordinate: false,
        assumes: &[],
        relations: &[],
        extra_bindings: &[],
        storage: &[],
        containers: &[],
        resources: &[],
        actions: &[],
        config: &[],
    };

    /// The relation endpoint `name`, whichever section declares it.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\npeers:\n  cluster: {interface: demo-peers}\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// let cluster = Demo::META.metadata.relation("cluster").unwrap();
    /// assert_eq!(cluster.role, ops_runtime::RelationRole::Peer);
    /// assert!(Demo::META.metadata.relation("db").is_none());
    /// ```
    pub const fn relation(&self, name: &str) -> Option<&'static RelationMeta> {
        find!(self.relations, name)
    }

    /// The endpoints under `requires`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nrequires:\n  db: pgsql\n  cache: redis\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// let names: Vec<&str> = Demo::META.metadata.requires().map(|r| r.name).collect();
    /// assert_eq!(names, ["db", "cache"]);
    /// ```
    pub fn requires(&self) -> impl Iterator<Item = &'static RelationMeta> + use<> {
        self.with_role(RelationRole::Requires)
    }

    /// The endpoints under `provides`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nprovides:\n  website: http\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// assert_eq!(Demo::META.metadata.provides().count(), 1);
    /// ```
    pub fn provides(&self) -> impl Iterator<Item = &'static RelationMeta> + use<> {
        self.with_role(RelationRole::Provides)
    }

    /// The endpoints under `peers`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\npeers:\n  cluster: demo-peers\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// assert_eq!(Demo::META.metadata.peers().next().unwrap().interface, "demo-peers");
    /// ```
    pub fn peers(&self) -> impl Iterator<Item = &'static RelationMeta> + use<> {
        self.with_role(RelationRole::Peer)
    }

    fn with_role(&self, role: RelationRole) -> impl Iterator<Item = &'static RelationMeta> + use<> {
        let relations: &'static [RelationMeta] = self.relations;
        relations.iter().filter(move |r| r.role == role)
    }

    /// The storage `name`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nstorage:\n  data: {type: filesystem, location: /srv}\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// assert_eq!(Demo::META.metadata.storage("data").unwrap().location, Some("/srv"));
    /// ```
    pub const fn storage(&self, name: &str) -> Option<&'static StorageMeta> {
        find!(self.storage, name)
    }

    /// The workload container `name`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\ncontainers:\n  web: {resource: web-image}\nresources:\n  web-image: {type: oci-image}\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// assert_eq!(Demo::META.metadata.container("web").unwrap().resource, Some("web-image"));
    /// ```
    pub const fn container(&self, name: &str) -> Option<&'static ContainerMeta> {
        find!(self.containers, name)
    }

    /// The resource `name`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nresources:\n  tool: {type: file, filename: tool.tar}\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// assert_eq!(Demo::META.metadata.resource("tool").unwrap().filename, Some("tool.tar"));
    /// ```
    pub const fn resource(&self, name: &str) -> Option<&'static ResourceMeta> {
        find!(self.resources, name)
    }

    /// The action `name`.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nactions:\n  backup: {description: Back up.}\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// assert_eq!(Demo::META.metadata.action("backup").unwrap().description, Some("Back up."));
    /// ```
    pub const fn action(&self, name: &str) -> Option<&'static ActionMeta> {
        find!(self.actions, name)
    }

    /// The config option `name`, as written in the metadata (kebab-case and
    /// snake_case are not the same name).
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nconfig:\n  options:\n    port: {type: int, default: 80}\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// use ops_runtime::metadata::ConfigDefault;
    /// assert_eq!(Demo::META.metadata.config_option("port").unwrap().default, Some(ConfigDefault::Int(80)));
    /// ```
    pub const fn config_option(&self, name: &str) -> Option<&'static ConfigOptionMeta> {
        find!(self.config, name)
    }

    /// Whether `name` is a network binding: a relation endpoint or an extra
    /// binding.
    ///
    /// ```
    /// # #[derive(Default)] struct Demo;
    /// #[ops_runtime::charm(metadata_source = "name: demo\nprovides:\n  website: http\nextra-bindings:\n  public:\n")]
    /// impl Demo {}
    /// # use ops_runtime::Charm;
    /// let meta = Demo::META.metadata;
    /// assert!(meta.is_binding("website") && meta.is_binding("public") && !meta.is_binding("admin"));
    /// ```
    pub const fn is_binding(&self, name: &str) -> bool {
        self.relation(name).is_some() || crate::__private::contains(self.extra_bindings, name)
    }
}

/// A relation endpoint under `requires`, `provides` or `peers`.
///
/// ```
/// # #[derive(Default)] struct Demo;
/// #[ops_runtime::charm(metadata_source = r#"
/// name: demo
/// subordinate: true
/// requires:
///   juju-info:
///     interface: juju-info
///     scope: container
///     optional: true
/// "#)]
/// impl Demo {}
/// # use ops_runtime::Charm;
/// use ops_runtime::metadata::RelationScope;
/// let info = Demo::META.metadata.relation("juju-info").unwrap();
/// assert_eq!((info.scope, info.optional, info.limit), (RelationScope::Container, true, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationMeta {
    /// The endpoint name.
    pub name: &'static str,
    /// Which section declares it.
    pub role: RelationRole,
    /// `interface`: the relation interface name.
    pub interface: &'static str,
    /// `limit`: the most relations this endpoint may take part in; `None`
    /// when unlimited.
    pub limit: Option<u32>,
    /// `optional`: informational only.
    pub optional: bool,
    /// `scope`.
    pub scope: RelationScope,
}

/// `scope` of a relation endpoint.
///
/// ```
/// assert_eq!(ops_runtime::metadata::RelationScope::Container.as_str(), "container");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RelationScope {
    /// `global` (the default): the relation spans the whole model.
    Global,
    /// `container`: the relation joins units on the same machine (subordinates).
    Container,
}

impl RelationScope {
    /// The name in the metadata: `global` or `container`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Container => "container",
        }
    }
}

/// A storage under `storage`.
///
/// ```
/// # #[derive(Default)] struct Demo;
/// #[ops_runtime::charm(metadata_source = r#"
/// name: demo
/// storage:
///   disks:
///     type: block
///     multiple: {range: 1-3}
///     minimum-size: 10G
/// "#)]
/// impl Demo {}
/// # use ops_runtime::Charm;
/// use ops_runtime::metadata::{StorageRange, StorageType};
/// let disks = Demo::META.metadata.storage("disks").unwrap();
/// assert_eq!(disks.kind, StorageType::Block);
/// assert_eq!(disks.multiple, Some(StorageRange { min: 1, max: Some(3) }));
/// assert_eq!(disks.minimum_size, Some("10G"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageMeta {
    /// The storage name.
    pub name: &'static str,
    /// `type`.
    pub kind: StorageType,
    /// `location`: where the storage is mounted on the machine.
    pub location: Option<&'static str>,
    /// `multiple.range`: how many instances the charm may have; `None` means
    /// exactly one.
    pub multiple: Option<StorageRange>,
    /// `read-only`.
    pub read_only: bool,
    /// `shared`: whether units share one instance.
    pub shared: bool,
    /// `minimum-size`, as written (`10G`, `1GB`, `5M`; a bare number means
    /// megabytes).
    pub minimum_size: Option<&'static str>,
}

/// `type` of a storage.
///
/// ```
/// assert_eq!(ops_runtime::metadata::StorageType::Block.as_str(), "block");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// `filesystem`: a mounted directory.
    Filesystem,
    /// `block`: a raw block device.
    Block,
}

impl StorageType {
    /// The name in the metadata: `filesystem` or `block`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Filesystem => "filesystem",
            Self::Block => "block",
        }
    }
}

/// The range of a storage's `multiple`: `n`, `n-m`, `n-` or `n+`.
///
/// ```
/// use ops_runtime::metadata::StorageRange;
/// assert_eq!(StorageRange { min: 1, max: None }.to_string(), "1+");
/// assert_eq!(StorageRange { min: 2, max: Some(4) }.to_string(), "2-4");
/// assert!(StorageRange { min: 2, max: Some(4) }.contains(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StorageRange {
    /// The fewest instances.
    pub min: u32,
    /// The most instances; `None` means no upper bound.
    pub max: Option<u32>,
}

impl StorageRange {
    /// Whether `count` instances are within the range.
    pub const fn contains(self, count: u32) -> bool {
        count >= self.min
            && match self.max {
                Some(max) => count <= max,
                None => true,
            }
    }
}

impl fmt::Display for StorageRange {
    /// Writes the range as in the metadata: `2`, `1-3` or `1+`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}-{max}", self.min),
            None => write!(f, "{}+", self.min),
        }
    }
}

/// A workload container under `containers`.
///
/// ```
/// # #[derive(Default)] struct Demo;
/// #[ops_runtime::charm(metadata_source = r#"
/// name: demo
/// containers:
///   web:
///     resource: web-image
///     mounts: [{storage: data, location: /srv}]
///     uid: 584792
/// resources:
///   web-image: {type: oci-image}
/// storage:
///   data: {type: filesystem}
/// "#)]
/// impl Demo {}
/// # use ops_runtime::Charm;
/// let web = Demo::META.metadata.container("web").unwrap();
/// assert_eq!(web.mount("data").unwrap().location, Some("/srv"));
/// assert_eq!((web.uid, web.gid), (Some(584792), None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerMeta {
    /// The container name.
    pub name: &'static str,
    /// `resource`: the `oci-image` resource the container runs (`None` when
    /// the container names `bases` instead).
    pub resource: Option<&'static str>,
    /// `mounts`: storage mounted into the container.
    pub mounts: &'static [MountMeta],
    /// `uid`: the user the workload runs as.
    pub uid: Option<u32>,
    /// `gid`: the group the workload runs as.
    pub gid: Option<u32>,
}

impl ContainerMeta {
    /// The mount of the storage `storage`.
    pub const fn mount(&self, storage: &str) -> Option<&'static MountMeta> {
        let mounts = self.mounts;
        let mut i = 0;
        while i < mounts.len() {
            if eq(mounts[i].storage, storage) {
                return Some(&mounts[i]);
            }
            i += 1;
        }
        None
    }
}

/// An entry of a container's `mounts`: see [`ContainerMeta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MountMeta {
    /// `storage`: the name of a storage under `storage`.
    pub storage: &'static str,
    /// `location`: where it is mounted in the container.
    pub location: Option<&'static str>,
}

/// A resource under `resources`.
///
/// ```
/// # #[derive(Default)] struct Demo;
/// #[ops_runtime::charm(metadata_source = "name: demo\nresources:\n  tool: {type: file, filename: tool.tar}\n")]
/// impl Demo {}
/// # use ops_runtime::Charm;
/// use ops_runtime::metadata::ResourceType;
/// assert_eq!(Demo::META.metadata.resource("tool").unwrap().kind, ResourceType::File);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceMeta {
    /// The resource name.
    pub name: &'static str,
    /// `type`.
    pub kind: ResourceType,
    /// `filename`: the file name a `file` resource is stored under.
    pub filename: Option<&'static str>,
}

/// `type` of a resource.
///
/// ```
/// assert_eq!(ops_runtime::metadata::ResourceType::OciImage.as_str(), "oci-image");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    /// `file`: a file attached to the application.
    File,
    /// `oci-image`: a container image.
    OciImage,
}

impl ResourceType {
    /// The name in the metadata: `file` or `oci-image`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::OciImage => "oci-image",
        }
    }
}

/// An action under `actions`.
///
/// ```
/// # #[derive(Default)] struct Demo;
/// #[ops_runtime::charm(metadata_source = r#"
/// name: demo
/// actions:
///   backup:
///     description: Back up the database.
///     params:
///       target: {type: string}
///       compress: {type: [boolean, "null"]}
///     required: [target]
/// "#)]
/// impl Demo {}
/// # use ops_runtime::Charm;
/// use ops_runtime::metadata::ParamType;
/// let backup = Demo::META.metadata.action("backup").unwrap();
/// assert_eq!(backup.description, Some("Back up the database."));
/// let target = backup.param("target").unwrap();
/// assert!(target.required && target.types == [ParamType::String]);
/// assert_eq!(backup.param("compress").unwrap().types, [ParamType::Boolean, ParamType::Null]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionMeta {
    /// The action name.
    pub name: &'static str,
    /// `description`.
    pub description: Option<&'static str>,
    /// `params`, in the order written.
    pub params: &'static [ParamMeta],
}

impl ActionMeta {
    /// The parameter `name`.
    pub const fn param(&self, name: &str) -> Option<&'static ParamMeta> {
        find!(self.params, name)
    }
}

/// A parameter of an action: see [`ActionMeta`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamMeta {
    /// The parameter name, as written.
    pub name: &'static str,
    /// Every type its `type` names: empty when absent, several when `type`
    /// is a list such as `[string, "null"]`.
    pub types: &'static [ParamType],
    /// Whether the action's `required` lists it.
    pub required: bool,
}

/// A JSON-Schema `type` of an action parameter.
///
/// ```
/// assert_eq!(ops_runtime::metadata::ParamType::Integer.as_str(), "integer");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`: an integer or a float.
    Number,
    /// `boolean`.
    Boolean,
    /// `array`.
    Array,
    /// `object`.
    Object,
    /// `null`.
    Null,
}

impl ParamType {
    /// The JSON-Schema name: `string`, `integer`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Array => "array",
            Self::Object => "object",
            Self::Null => "null",
        }
    }
}

/// A config option under `config.options`.
///
/// ```
/// # #[derive(Default)] struct Demo;
/// #[ops_runtime::charm(metadata_source = r#"
/// name: demo
/// config:
///   options:
///     log-level: {type: string, default: info}
///     ratio: {type: float}
/// "#)]
/// impl Demo {}
/// # use ops_runtime::Charm;
/// use ops_runtime::ConfigValue;
/// use ops_runtime::metadata::{ConfigDefault, ConfigType};
/// let level = Demo::META.metadata.config_option("log-level").unwrap();
/// assert_eq!(level.kind, ConfigType::String);
/// assert_eq!(level.default.map(ConfigDefault::to_value), Some(ConfigValue::from("info")));
/// assert_eq!(Demo::META.metadata.config_option("ratio").unwrap().default, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfigOptionMeta {
    /// The option name, as written.
    pub name: &'static str,
    /// `type`.
    pub kind: ConfigType,
    /// `default`, of the option's type; `None` when there is none (or it is
    /// `null`).
    pub default: Option<ConfigDefault>,
}

/// `type` of a config option.
///
/// ```
/// assert_eq!(ops_runtime::metadata::ConfigType::Boolean.as_str(), "boolean");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigType {
    /// `string`.
    String,
    /// `int`: a 64-bit signed integer.
    Int,
    /// `float`: a 64-bit float.
    Float,
    /// `boolean`.
    Boolean,
    /// `secret`: the URI of a Juju user secret.
    Secret,
}

impl ConfigType {
    /// The name in the metadata: `string`, `int`, `float`, `boolean` or `secret`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Int => "int",
            Self::Float => "float",
            Self::Boolean => "boolean",
            Self::Secret => "secret",
        }
    }
}

/// A config option's default: [`ConfigValue`] as `'static` data.
///
/// ```
/// use ops_runtime::ConfigValue;
/// use ops_runtime::metadata::ConfigDefault;
/// assert_eq!(ConfigDefault::Int(80).to_value(), ConfigValue::Int(80));
/// assert_eq!(ConfigDefault::String("info").to_string(), "info");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConfigDefault {
    /// A `string` (or `secret`) default.
    String(&'static str),
    /// An `int` default.
    Int(i64),
    /// A `float` default (an `int` written for a `float` option becomes one).
    Float(f64),
    /// A `boolean` default.
    Bool(bool),
}

impl ConfigDefault {
    /// The default as the value `config-get` would report.
    pub fn to_value(self) -> ConfigValue {
        match self {
            Self::String(s) => ConfigValue::String(s.to_owned()),
            Self::Int(i) => ConfigValue::Int(i),
            Self::Float(x) => ConfigValue::Float(x),
            Self::Bool(b) => ConfigValue::Bool(b),
        }
    }
}

impl fmt::Display for ConfigDefault {
    /// Writes the default as [`ConfigValue`] does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_value(), f)
    }
}
