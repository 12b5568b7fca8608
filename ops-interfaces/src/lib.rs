//! Relation interfaces for Rust charms: each side of a Juju relation interface
//! as a typed [component](ops_runtime::Component), declared against one endpoint
//! of the charm and checked against its metadata at compile time.
//!
//! Each interface is behind a feature of its own, so a charm compiles only the
//! interfaces it speaks:
//!
//! | Feature     | Interface(s)                                              |
//! |-------------|-----------------------------------------------------------|
//! | `database`  | `postgresql_client`, `mysql_client`, `mongodb_client`     |
//! | `ingress`   | `ingress` (v2 per application; v1 recognised on read)     |
//! | `http`      | `http`                                                    |
//! | `juju-info` | `juju-info`                                               |
//! | `testing`   | helpers that play the remote side in `ops_runtime::testing` |
//!
//! The databag keys, encodings and handshakes follow the published interface
//! specifications and the Python charm libraries that speak them, so a Rust
//! charm relates to the charms already deployed.

#[cfg(feature = "ingress")]
#[cfg_attr(docsrs, doc(cfg(feature = "ingress")))]
pub mod ingress;

#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;

#[cfg(feature = "juju-info")]
#[cfg_attr(docsrs, doc(cfg(feature = "juju-info")))]
pub mod juju_info;

#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
