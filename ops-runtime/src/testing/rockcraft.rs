//! A base layer as a rock brings it: the `services` and `checks` of a
//! `rockcraft.yaml` (ops.testing's `layer_from_rockcraft`).

use crate::pebble::{Layer, LayerError};

/// The largest `rockcraft.yaml` [`layer_from_rockcraft`] reads.
pub const MAX_ROCKCRAFT_BYTES: usize = 1 << 20;

/// Why a `rockcraft.yaml` gives no layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RockcraftError {
    /// The file is larger than [`MAX_ROCKCRAFT_BYTES`].
    #[error("rockcraft.yaml is {len} bytes, more than the {max} read")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The file is not YAML, or not a mapping at the top.
    #[error("rockcraft.yaml does not parse: {0}")]
    Yaml(#[source] yaml_serde::Error),
    /// `services` or `checks` is not a mapping of names to entries.
    #[error("rockcraft.yaml's `{0}` is not a mapping of names to entries")]
    NotAMapping(&'static str),
    /// The services or checks are not valid Pebble ones.
    #[error("rockcraft.yaml's services and checks do not make a Pebble layer: {0}")]
    Layer(#[source] LayerError),
}

/// The layer a rock's Pebble starts with: the `services` and `checks` of its
/// `rockcraft.yaml` (the rest of the file is ignored), each entry with
/// `override: replace` unless it says otherwise. Give it to a
/// [`Container`](super::Container) with `with_layer`.
///
/// ```
/// use ops_runtime::testing::{Container, layer_from_rockcraft};
///
/// let rockcraft = r#"
/// name: web
/// base: ubuntu@24.04
/// services:
///   web:
///     command: /bin/web --port 8080
///     startup: enabled
/// checks:
///   up:
///     level: ready
///     http: {url: "http://localhost:8080/"}
/// "#;
/// let layer = layer_from_rockcraft(rockcraft).unwrap();
/// let web = Container::new("web").with_layer("rock", layer);
/// let plan = web.plan().unwrap();
/// assert!(plan.services.contains_key("web"));
/// assert!(plan.checks.contains_key("up"));
/// ```
///
/// # Errors
///
/// The text is larger than [`MAX_ROCKCRAFT_BYTES`], is not a YAML mapping,
/// or its services or checks are not valid Pebble ones.
pub fn layer_from_rockcraft(yaml: &str) -> Result<Layer, RockcraftError> {
    use yaml_serde::{Mapping, Value};
    if yaml.len() > MAX_ROCKCRAFT_BYTES {
        return Err(RockcraftError::TooLarge {
            len: yaml.len(),
            max: MAX_ROCKCRAFT_BYTES,
        });
    }
    let doc: Mapping = yaml_serde::from_str(yaml).map_err(RockcraftError::Yaml)?;
    let mut layer = Mapping::new();
    for key in ["services", "checks"] {
        let Some(entries) = doc.get(key) else {
            continue;
        };
        if entries.is_null() {
            continue;
        }
        let Value::Mapping(entries) = entries else {
            return Err(RockcraftError::NotAMapping(key));
        };
        let mut out = Mapping::new();
        for (name, entry) in entries {
            let Value::Mapping(entry) = entry else {
                return Err(RockcraftError::NotAMapping(key));
            };
            let mut entry = entry.clone();
            let override_key = Value::String("override".to_owned());
            if !entry.contains_key(&override_key) {
                entry.insert(override_key, Value::String("replace".to_owned()));
            }
            out.insert(name.clone(), Value::Mapping(entry));
        }
        layer.insert(Value::String(key.to_owned()), Value::Mapping(out));
    }
    let text = yaml_serde::to_string(&layer).map_err(RockcraftError::Yaml)?;
    Layer::from_yaml(&text).map_err(RockcraftError::Layer)
}
