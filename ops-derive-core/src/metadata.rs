//! Locating, reading, caching and tracking the charm's metadata.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use ops_metadata::{CharmMetadata, SourceKind};
use proc_macro2::Span;

use crate::attr::CharmArgs;

/// The files a charm directory may hold, in the order charmcraft merges them.
const CANDIDATES: [&str; 4] = [
    "charmcraft.yaml",
    "metadata.yaml",
    "config.yaml",
    "actions.yaml",
];

/// Metadata read for one expansion.
pub(crate) struct Loaded {
    pub(crate) meta: Arc<CharmMetadata>,
    pub(crate) sources: Vec<Source>,
}

impl Loaded {
    /// Items that make Cargo rebuild the crate when a metadata file changes.
    pub(crate) fn tracking(&self) -> proc_macro2::TokenStream {
        self.sources
            .iter()
            .filter_map(|s| match &s.text {
                SourceText::File(path) => {
                    let path = path.to_string_lossy();
                    Some(quote::quote!(
                        const _: &str = ::core::include_str!(#path);
                    ))
                }
                SourceText::Inline(_) => None,
            })
            .collect()
    }
}

/// One metadata file, for the generated `metadata_sources()`.
pub(crate) struct Source {
    pub(crate) kind: &'static str,
    pub(crate) name: String,
    pub(crate) text: SourceText,
}

/// Where a source's text comes from in the generated code.
pub(crate) enum SourceText {
    /// `include_str!` of this absolute path, which also makes Cargo rebuild the
    /// charm when the file changes.
    File(PathBuf),
    /// The `metadata_source` literal.
    Inline(String),
}

/// Reads one environment variable: the only place the macros do.
#[allow(clippy::disallowed_methods)]
fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

fn kind_name(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Charmcraft => "charmcraft",
        SourceKind::Metadata => "metadata",
        SourceKind::Config => "config",
        SourceKind::Actions => "actions",
    }
}

/// Finds and reads the metadata `args` point at.
pub(crate) fn load(args: &CharmArgs) -> Result<Loaded, syn::Error> {
    if let Some(source) = &args.metadata_source {
        let text = source.value();
        let meta = CharmMetadata::from_yaml_str("metadata_source", &text).map_err(|e| {
            syn::Error::new(source.span(), format!("invalid `metadata_source`: {e}"))
        })?;
        return Ok(Loaded {
            meta: Arc::new(meta),
            sources: vec![Source {
                kind: "charmcraft",
                name: "metadata_source".to_owned(),
                text: SourceText::Inline(text),
            }],
        });
    }
    let manifest_dir = env("CARGO_MANIFEST_DIR").map(PathBuf::from).ok_or_else(|| {
        syn::Error::new(
            Span::call_site(),
            "`CARGO_MANIFEST_DIR` is not set; build the charm with Cargo, or pass `metadata_source`",
        )
    })?;
    let (path, span, given) = match &args.metadata {
        Some(lit) => {
            let given = lit.value();
            if Path::new(&given).is_absolute() {
                return Err(syn::Error::new(
                    lit.span(),
                    format!(
                        "`metadata` must be relative to the crate's directory, not absolute (`{given}`); the crate must build on other machines"
                    ),
                ));
            }
            (manifest_dir.join(&given), lit.span(), Some(given))
        }
        None => (manifest_dir, Span::call_site(), None),
    };
    let meta = cached(&path).map_err(|e| {
        let message = match (&e, &given) {
            (ops_metadata::MetadataError::NotFound { dir, .. }, None) => format!(
                "no `charmcraft.yaml` or `metadata.yaml` beside `Cargo.toml` (in `{}`); put the charm's metadata there, or point at it with `#[charm(metadata = \"path/to/charmcraft.yaml\")]`",
                dir.display()
            ),
            (_, Some(given)) => format!("cannot use `metadata = \"{given}\"`: {e}"),
            _ => e.to_string(),
        };
        syn::Error::new(span, message)
    })?;
    let sources = meta
        .sources
        .iter()
        .map(|s| Source {
            kind: kind_name(s.kind),
            name: s
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            text: SourceText::File(s.path.clone()),
        })
        .collect();
    Ok(Loaded { meta, sources })
}

/// One cache entry: the files' modification times when read, and the model.
type Entry = (Vec<Option<SystemTime>>, Arc<CharmMetadata>);

/// Parsed metadata shared by every expansion of one build, keyed by path and
/// invalidated when a file's modification time changes.
fn cached(path: &Path) -> Result<Arc<CharmMetadata>, ops_metadata::MetadataError> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Entry>>> = OnceLock::new();
    let is_dir = path.is_dir();
    let stamp: Vec<Option<SystemTime>> = if is_dir {
        CANDIDATES.iter().map(|f| mtime(&path.join(f))).collect()
    } else {
        vec![mtime(path)]
    };
    let cache = CACHE.get_or_init(Mutex::default);
    if let Ok(map) = cache.lock()
        && let Some((seen, meta)) = map.get(path)
        && *seen == stamp
    {
        return Ok(Arc::clone(meta));
    }
    let meta = if is_dir {
        CharmMetadata::load_dir(path)
    } else {
        CharmMetadata::load_file(path)
    }?;
    let meta = Arc::new(meta);
    if let Ok(mut map) = cache.lock() {
        map.insert(path.to_owned(), (stamp, Arc::clone(&meta)));
    }
    Ok(meta)
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
