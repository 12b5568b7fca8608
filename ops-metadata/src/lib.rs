//! The typed model of a Juju charm's metadata, with source positions.
//!
//! A charm describes itself in `charmcraft.yaml`, or in the older split files
//! `metadata.yaml`, `config.yaml` and `actions.yaml`. This crate reads either layout into
//! one [`CharmMetadata`], merging per top-level key the way charmcraft does, and keeps the
//! file, line and column of every relation endpoint, container, storage, resource, extra
//! binding, config option, action and action param, so that tools (such as the
//! `#[charm]` macros and `cargo charm`) can point at the YAML when something is wrong.
//!
//! Real metadata is untidy, and this crate accepts all of it: relation shorthands
//! (`db: mysql`), keys with empty values, legacy keys (`series`, `maintainer`, `docs`),
//! both shapes of `bases`, the four notations of `platforms`. Unknown keys are kept and
//! reported as [`Warning`]s. A value that cannot mean what the schema says — `requires: 5`,
//! a relation without an `interface`, a config option without a valid `type` or with a
//! default of the wrong type — is a [`MetadataError`] that names the file, line, column and
//! key path and says how to fix it.
//!
//! # Example
//!
//! ```
//! use ops_metadata::{CharmMetadata, ConfigType, ConfigValue, RelationRole};
//!
//! let yaml = r#"
//! name: tinyproxy
//! summary: A reverse proxy.
//! description: Runs tinyproxy.
//! requires:
//!   backend:
//!     interface: http
//!     limit: 1
//! peers:
//!   cluster: tinyproxy-peers   # shorthand for `interface: tinyproxy-peers`
//! config:
//!   options:
//!     slug:
//!       type: string
//!       default: example
//!       description: The path to proxy.
//! "#;
//! let charm = CharmMetadata::from_yaml_str("charmcraft.yaml", yaml)?;
//!
//! let backend = charm.relation("backend").expect("declared above");
//! assert_eq!(backend.role, RelationRole::Requires);
//! assert_eq!(backend.interface, "http");
//! assert_eq!(backend.limit, Some(1));
//! assert_eq!(charm.relation("cluster").map(|r| r.interface.as_str()), Some("tinyproxy-peers"));
//!
//! let slug = &charm.config["slug"];
//! assert_eq!(slug.kind, ConfigType::String);
//! assert_eq!(slug.default, Some(ConfigValue::String("example".into())));
//! let location = slug.location.as_ref().expect("options have a location");
//! assert_eq!(location.to_string(), "charmcraft.yaml:13:5");
//! assert_eq!(charm.position("config.options.slug.default").map(|l| l.line), Some(15));
//!
//! // Mistakes are errors that point at the YAML and say what to do.
//! let yaml = "name: x\nrequires:\n  db: {limit: 1}\n";
//! let error = CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "charmcraft.yaml:3:3: relation endpoint `requires.db` has no `interface`; \
//!      add `interface: <interface-name>` under `requires.db`"
//! );
//! # Ok::<(), ops_metadata::MetadataError>(())
//! ```
//!
//! # Files and merging
//!
//! [`CharmMetadata::load_dir`] reads whichever of the four files exist in a charm's
//! directory. [`CharmMetadata::load_file`] and [`CharmMetadata::from_yaml_str`] read one
//! unified file, and [`CharmMetadata::from_sources`] merges any set of in-memory files.
//! Key paths always name the merged model: an option in `config.yaml` is at
//! `config.options.<name>`, a param in `actions.yaml` at `actions.<action>.params.<param>`,
//! and their locations name the file they were written in.
//!
//! # Keys written twice
//!
//! By default a key written twice in one mapping is an error (`the key `summary` is
//! written twice`), as charmcraft has it; the `#[charm]` macros keep this for a charm's
//! own metadata. Juju, though, deploys such charms and keeps the last value, and real
//! charms ship them (most often an `actions.yaml` that defines an action twice). Tools
//! that read other people's charms load them with [`LoadOptions`] and
//! [`DuplicateKeys::LastWins`]: the last value wins, and a [`Warning`] names the key.
//!
//! # Limits
//!
//! The loader is fast and small on any input, including a hostile `.charm` given to
//! `cargo charm check`. Each file is held to the [`limits`]:
//!
//! | limit | value | past it |
//! |---|---|---|
//! | file size | [`MAX_FILE_SIZE`](limits::MAX_FILE_SIZE): 1 MiB | refused before parsing |
//! | nesting of lists and mappings | [`MAX_DEPTH`](limits::MAX_DEPTH): 64 levels | refused before parsing, by a linear scan |
//! | length of a key | [`MAX_KEY_LENGTH`](limits::MAX_KEY_LENGTH): 1 KiB | refused while parsing |
//! | size once aliases are expanded | [`MAX_EXPANDED_SIZE`](limits::MAX_EXPANDED_SIZE): 4 Mi values and bytes | refused while parsing |
//!
//! Past a limit, loading fails with [`MetadataError::Limit`], which names the file, the
//! line and column where the limit was met, and the limit. Real metadata is far below
//! each: across 32 real charms, the largest file is 30 KB, the deepest nesting 6 levels,
//! the longest key 44 bytes. [`LoadOptions::read_yaml`] reads any other YAML document of a
//! charm (such as `manifest.yaml`) within the same limits.
//!
//! `cargo charm check` applies the file size limit to what it decompresses, too: it
//! inflates each YAML entry of a `.charm` only up to [`MAX_FILE_SIZE`](limits::MAX_FILE_SIZE)
//! (an entry that inflates further is an error, whatever size the zip declares), and of
//! `dispatch` and the program it runs only the first 64 KiB, so a zip bomb costs it at most
//! a few MiB.
//!
//! Files are read only if they are regular files (or symbolic links to one): a FIFO or a
//! device named `charmcraft.yaml` is [`MetadataError::NotAFile`], not a hang. A
//! `charmcraft.yaml` holding only a file name (a symbolic link that git checked out as a
//! plain file) is followed only to a file inside the charm's directory.

#![forbid(unsafe_code)]

mod action;
mod config;
mod decode;
mod error;
mod keyword;
pub mod limits;
mod model;
mod position;
mod source;
pub mod suggest;
mod yaml;

pub use action::{Action, ActionParam, ParamType};
pub use config::{ConfigOption, ConfigType, ConfigValue};
pub use error::{Location, MetadataError, Warning};
pub use model::{
    Assumption, Base, BaseSpec, CharmLib, CharmMetadata, CharmUser, Container, Device,
    ExtraBinding, Links, Mount, Platform, Relation, RelationRole, RelationScope, Resource,
    ResourceKind, Storage, StorageKind, StorageRange, VersionConstraint, VersionOp,
};
pub use source::{LoadOptions, SourceFile, SourceKind};
pub use yaml::DuplicateKeys;
