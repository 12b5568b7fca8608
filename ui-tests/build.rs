//! Generates `$OUT_DIR/corpus.rs`, which `tests/corpus.rs` includes: for every charm of
//! the real-charm corpus named by `OPS_CHARM_CORPUS` that declares config options or
//! actions, one `#[derive(CharmConfig)]` struct with a field for each of its options,
//! and one `#[derive(CharmAction)]` struct per action with a field for each param, so
//! that compiling the test proves the derives accept every real declaration.
//!
//! Field types follow the metadata: `string` -> `String`, `int` -> `i64`, `float` ->
//! `f64`, `boolean` -> `bool`, `secret` -> `SecretId`; params `string`, `integer`,
//! `number`, `boolean`, `array`, `object`, `null` -> `String`, `i64`, `f64`, `bool`,
//! `Vec<Value>`, `Map<String, Value>`, `()`, and no single type -> `Value`. A field is
//! an `Option` exactly when the value can be absent: an option without a default, a
//! param neither required nor defaulted.
//!
//! A field is named after its option or param and left to the derive's own lookup
//! (`log_level` reads `log-level`, `r#type` reads `type`) whenever that lookup finds
//! it; otherwise (a name that is no identifier, or a lookup that would find another
//! option first) it gets a sanitized name and `#[config(name = "...")]` /
//! `#[param(name = "...")]`.
//!
//! The corpus lives outside this repository, so it is opt-in: without
//! `OPS_CHARM_CORPUS`, the generated table is empty and the corpus tests (ignored by
//! default) say what to set. `cargo:rustc-env=OPS_CHARM_CORPUS_DIR` hands the tests the
//! directory this build read.
//!
//! The generated code relies on items `tests/corpus.rs` defines at its root:
//! `Readback`, `ToJson`, `Fields`, `CorpusCharm`, `ConfigCase`, `ActionCase`,
//! `read_config` and `read_params`.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ops_metadata::{Action, ActionParam, CharmMetadata, ConfigOption, ConfigType, ParamType};

/// The environment variable that names the corpus directory.
const CORPUS_VAR: &str = "OPS_CHARM_CORPUS";

/// Keywords that are identifiers only as raw identifiers (`r#type`).
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keywords that cannot be identifiers at all, not even raw.
const RESERVED: &[&str] = &["crate", "self", "Self", "super", "_"];

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("Cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("Cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={CORPUS_VAR}");
    let Some(corpus) = std::env::var_os(CORPUS_VAR).filter(|dir| !dir.is_empty()) else {
        println!("cargo:rustc-env=OPS_CHARM_CORPUS_DIR=");
        write_table(&out_dir, "", &[]);
        return;
    };
    let corpus = manifest_dir.join(corpus);
    if !corpus.is_dir() {
        panic!(
            "{CORPUS_VAR} names no directory: `{}`; it must hold one directory of \
             charmcraft.yaml / metadata.yaml / config.yaml / actions.yaml per charm",
            corpus.display()
        );
    }
    println!("cargo:rerun-if-changed={}", corpus.display());
    println!("cargo:rustc-env=OPS_CHARM_CORPUS_DIR={}", corpus.display());
    // The derives take `metadata` paths relative to this crate's directory.
    let relative = relative_path(&manifest_dir, &corpus);
    let mut dirs: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap_or_else(|e| panic!("cannot list the corpus `{}`: {e}", corpus.display()))
        .map(|entry| {
            entry.unwrap_or_else(|e| panic!("cannot list the corpus `{}`: {e}", corpus.display()))
        })
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();

    let mut out = String::new();
    let mut modules = Idents::default();
    let mut charms = Vec::new();
    for dir in &dirs {
        let meta = CharmMetadata::load_dir(&corpus.join(dir))
            .unwrap_or_else(|e| panic!("cannot read the metadata of corpus charm `{dir}`: {e}"));
        if meta.config.is_empty() && meta.actions.is_empty() {
            continue;
        }
        let module = modules.claim(&module_name(dir));
        write_charm(&mut out, &relative, dir, &module, &meta);
        charms.push(module);
    }
    write_table(&out_dir, &out, &charms);
}

/// Writes `corpus.rs`: the header, the charms' modules, and the `CORPUS` table.
fn write_table(out_dir: &Path, modules: &str, charms: &[String]) {
    let mut out = String::new();
    out.push_str(
        "// @generated by ui-tests/build.rs from the charm corpus; do not edit.\n\
         //\n\
         // One module per charm that declares config options or actions: a\n\
         // `#[derive(CharmConfig)]` struct with every option, a `#[derive(CharmAction)]`\n\
         // struct per action with every param, and `CHARM`, the table tests/corpus.rs reads.\n\n",
    );
    out.push_str(modules);
    out.push_str(
        "/// Every charm of the corpus that declares config options or actions, by directory.\n",
    );
    out.push_str("pub const CORPUS: &[CorpusCharm] = &[\n");
    for module in charms {
        let _ = writeln!(out, "    {module}::CHARM,");
    }
    out.push_str("];\n");
    let target = out_dir.join("corpus.rs");
    std::fs::write(&target, out)
        .unwrap_or_else(|e| panic!("cannot write `{}`: {e}", target.display()));
}

/// Writes the module of one charm.
fn write_charm(out: &mut String, corpus: &str, dir: &str, module: &str, meta: &CharmMetadata) {
    let path = format!("{corpus}/{dir}");
    let _ = writeln!(out, "/// Charm `{dir}` (`{path}`).");
    let _ = writeln!(out, "pub mod {module} {{");
    let config = if meta.config.is_empty() {
        "None".to_owned()
    } else {
        write_config(out, dir, &path, meta);
        format!(
            "Some(crate::ConfigCase {{\n            rust: {:?},\n            read: crate::read_config::<Config>,\n        }})",
            format!("{module}::Config")
        )
    };
    let mut structs = Idents::default();
    structs.claim("Config");
    let mut actions = Vec::new();
    for action in meta.actions.values() {
        let ident = structs.claim(&format!("{}Action", camel_case(&action.name)));
        write_action(out, dir, &path, action, &ident);
        actions.push(ident);
    }
    let _ = writeln!(out, "    /// What the tests read of charm `{dir}`.");
    let _ = writeln!(
        out,
        "    pub const CHARM: crate::CorpusCharm = crate::CorpusCharm {{"
    );
    let _ = writeln!(out, "        dir: {dir:?},");
    let _ = writeln!(out, "        config: {config},");
    if actions.is_empty() {
        out.push_str("        actions: &[],\n");
    } else {
        out.push_str("        actions: &[\n");
        for ident in &actions {
            let _ = writeln!(out, "            crate::ActionCase {{");
            let _ = writeln!(
                out,
                "                name: <{ident} as ops_runtime::CharmAction>::NAME,"
            );
            let _ = writeln!(
                out,
                "                rust: {:?},",
                format!("{module}::{ident}")
            );
            let _ = writeln!(out, "                read: crate::read_params::<{ident}>,");
            let _ = writeln!(out, "            }},");
        }
        out.push_str("        ],\n");
    }
    out.push_str("    };\n}\n\n");
}

/// `to` as a path relative to `from` (both absolute), with `/` separators: the form
/// the derives' `metadata = "..."` takes.
fn relative_path(from: &Path, to: &Path) -> String {
    let canonical = |path: &Path| {
        path.canonicalize()
            .unwrap_or_else(|e| panic!("cannot resolve `{}`: {e}", path.display()))
    };
    let (from, to) = (canonical(from), canonical(to));
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(
        to[common..]
            .iter()
            .map(|part| part.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// Writes the config struct of one charm, with its `Readback`.
fn write_config(out: &mut String, dir: &str, path: &str, meta: &CharmMetadata) {
    let file = files(meta.config.values().map(|o| o.location.as_ref()));
    let names: Vec<&str> = meta.config.keys().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "    /// Every config option of charm `{dir}` ({file}): {} options.",
        names.len()
    );
    out.push_str("    #[derive(Debug, ops_runtime::CharmConfig)]\n");
    let _ = writeln!(out, "    #[config(metadata = {path:?})]");
    out.push_str("    pub struct Config {\n");
    let mut idents = Idents::default();
    let mut fields = Vec::new();
    for option in meta.config.values() {
        let field = field_for(&option.name, &names, &mut idents);
        let ty = config_type(option);
        let _ = writeln!(out, "        /// {}", describe_option(option));
        if field.explicit {
            let _ = writeln!(out, "        #[config(name = {:?})]", option.name);
        }
        let _ = writeln!(out, "        pub {}: {ty},", field.ident);
        fields.push((field.ident, option.name.clone()));
    }
    out.push_str("    }\n\n");
    write_readback(out, "Config", &fields);
}

/// Writes the struct of one action, with its `Readback`.
fn write_action(out: &mut String, dir: &str, path: &str, action: &Action, ident: &str) {
    let file = files(std::iter::once(action.location.as_ref()));
    let _ = writeln!(
        out,
        "    /// Action `{}` of charm `{dir}` ({file}): {} params.",
        action.name,
        action.params.len()
    );
    out.push_str("    #[derive(Debug, ops_runtime::CharmAction)]\n");
    let _ = writeln!(
        out,
        "    #[action(name = {:?}, metadata = {path:?})]",
        action.name
    );
    let names: Vec<&str> = action.params.keys().map(String::as_str).collect();
    let mut idents = Idents::default();
    let mut fields = Vec::new();
    if action.params.is_empty() {
        let _ = writeln!(out, "    pub struct {ident} {{}}\n");
        write_readback(out, ident, &[]);
        return;
    }
    let _ = writeln!(out, "    pub struct {ident} {{");
    for param in action.params.values() {
        let field = field_for(&param.name, &names, &mut idents);
        let required = action.required.contains(&param.name);
        let ty = param_type(param, required);
        let _ = writeln!(out, "        /// {}", describe_param(param, required));
        if field.explicit {
            let _ = writeln!(out, "        #[param(name = {:?})]", param.name);
        }
        let _ = writeln!(out, "        pub {}: {ty},", field.ident);
        fields.push((field.ident, param.name.clone()));
    }
    out.push_str("    }\n\n");
    write_readback(out, ident, &fields);
}

/// Writes `impl Readback`: every field (an exhaustive pattern, so none is missed),
/// by the name of the option or param it reads.
fn write_readback(out: &mut String, ident: &str, fields: &[(String, String)]) {
    let _ = writeln!(out, "    impl crate::Readback for {ident} {{");
    out.push_str("        fn readback(&self) -> crate::Fields {\n");
    if fields.is_empty() {
        out.push_str("            let Self {} = self;\n");
        out.push_str("            Vec::new()\n");
    } else {
        out.push_str("            use crate::ToJson;\n\n");
        out.push_str("            let Self {\n");
        for (field, _) in fields {
            let _ = writeln!(out, "                {field},");
        }
        out.push_str("            } = self;\n");
        out.push_str("            vec![\n");
        for (field, name) in fields {
            let _ = writeln!(out, "                ({name:?}, {field}.to_json()),");
        }
        out.push_str("            ]\n");
    }
    out.push_str("        }\n    }\n\n");
}

/// The field type for a config option.
fn config_type(option: &ConfigOption) -> String {
    let ty = match option.kind {
        ConfigType::String => "String",
        ConfigType::Int => "i64",
        ConfigType::Float => "f64",
        ConfigType::Boolean => "bool",
        ConfigType::Secret => "ops_runtime::SecretId",
    };
    if option.default.is_some() {
        ty.to_owned()
    } else {
        format!("Option<{ty}>")
    }
}

/// The field type for an action param.
fn param_type(param: &ActionParam, required: bool) -> String {
    let ty = match param.kind {
        Some(ParamType::String) => "String",
        Some(ParamType::Integer) => "i64",
        Some(ParamType::Number) => "f64",
        Some(ParamType::Boolean) => "bool",
        Some(ParamType::Array) => "Vec<serde_json::Value>",
        Some(ParamType::Object) => "serde_json::Map<String, serde_json::Value>",
        Some(ParamType::Null) => "()",
        None => "serde_json::Value",
    };
    if required || param.default.is_some() {
        ty.to_owned()
    } else {
        format!("Option<{ty}>")
    }
}

/// The doc line of an option's field.
fn describe_option(option: &ConfigOption) -> String {
    let default = match &option.default {
        Some(value) => match serde_json::to_string(value) {
            Ok(json) => format!("default {}", short(&json)),
            Err(_) => "a default".to_owned(),
        },
        None => "no default".to_owned(),
    };
    format!("{}: {}, {default}.", quoted(&option.name), option.kind)
}

/// The doc line of a param's field.
fn describe_param(param: &ActionParam, required: bool) -> String {
    let kind = match (param.kind, param.types.as_slice()) {
        (Some(kind), _) => kind.to_string(),
        (None, []) => "no type".to_owned(),
        (None, types) => types
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" or "),
    };
    let default = match &param.default {
        Some(value) => format!("default {}", short(&value.to_string())),
        None => "no default".to_owned(),
    };
    let required = if required { "required" } else { "optional" };
    format!("{}: {kind}, {required}, {default}.", quoted(&param.name))
}

/// A name for a doc line: in backticks, as a string literal if it is empty or holds
/// a backtick.
fn quoted(name: &str) -> String {
    if name.is_empty() || name.contains('`') || name.contains(char::is_control) {
        format!(
            "`{}`",
            serde_json::Value::from(name).to_string().replace('`', "'")
        )
    } else {
        format!("`{name}`")
    }
}

/// A JSON value for a doc line: in backticks when short and plain, else its length.
fn short(json: &str) -> String {
    if json.chars().count() <= 48 && !json.contains('`') {
        format!("`{json}`")
    } else {
        format!("of {} characters", json.chars().count())
    }
}

/// The metadata files named by `locations`, for a doc line.
fn files<'a>(locations: impl Iterator<Item = Option<&'a ops_metadata::Location>>) -> String {
    let names: BTreeSet<String> = locations
        .flatten()
        .map(|l| {
            Path::new(&l.file)
                .file_name()
                .map_or_else(|| l.file.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    if names.is_empty() {
        return "metadata".to_owned();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A field's identifier, and whether it needs the explicit `name = "..."`.
struct FieldIdent {
    ident: String,
    explicit: bool,
}

/// The field for `name` among the item's `names`: the derive's own lookup when it
/// finds `name`, else a sanitized identifier with an explicit name.
fn field_for(name: &str, names: &[&str], idents: &mut Idents) -> FieldIdent {
    let natural = name.replace('-', "_");
    if is_snake_ident(&natural) && !RESERVED.contains(&natural.as_str()) {
        // The derive looks up the field's name, then its kebab-case spelling.
        let kebab = natural.replace('_', "-");
        let found = if names.contains(&natural.as_str()) {
            natural.as_str()
        } else if names.contains(&kebab.as_str()) {
            kebab.as_str()
        } else {
            ""
        };
        let ident = if RAW_KEYWORDS.contains(&natural.as_str()) {
            format!("r#{natural}")
        } else {
            natural.clone()
        };
        if found == name && idents.free(&ident) {
            return FieldIdent {
                ident: idents.claim(&ident),
                explicit: false,
            };
        }
    }
    FieldIdent {
        ident: idents.claim(&sanitize(name)),
        explicit: true,
    }
}

/// Whether `s` is an identifier that rustc's `non_snake_case` lint accepts.
fn is_snake_ident(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || first.is_ascii_lowercase())
        && s.chars()
            .all(|c| c == '_' || c.is_ascii_lowercase() || c.is_ascii_digit())
        && !s.trim_matches('_').contains("__")
        && s != "_"
}

/// A snake-case identifier for any name, never a keyword.
fn sanitize(name: &str) -> String {
    let mut ident = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if c == '_' && (ident.is_empty() || ident.ends_with('_')) {
            continue;
        }
        ident.push(c);
    }
    let mut ident = ident.trim_end_matches('_').to_owned();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert_str(0, "n_");
    }
    if RAW_KEYWORDS.contains(&ident.as_str()) || RESERVED.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// The module of a charm directory.
fn module_name(dir: &str) -> String {
    let natural = dir.replace('-', "_");
    if is_snake_ident(&natural)
        && !natural.starts_with('_')
        && !RAW_KEYWORDS.contains(&natural.as_str())
        && !RESERVED.contains(&natural.as_str())
    {
        natural
    } else {
        format!("charm_{}", sanitize(dir).trim_start_matches("n_"))
    }
}

/// `create-backup` -> `CreateBackup`.
fn camel_case(name: &str) -> String {
    let mut ident = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            ident.push(first.to_ascii_uppercase());
            ident.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, 'N');
    }
    ident
}

/// Identifiers already used in one scope.
#[derive(Default)]
struct Idents(BTreeSet<String>);

impl Idents {
    fn free(&self, ident: &str) -> bool {
        !self.0.contains(ident)
    }

    /// `ident`, or `ident_2`, `ident_3`, ... if taken.
    fn claim(&mut self, ident: &str) -> String {
        let mut candidate = ident.to_owned();
        let mut n = 2;
        while !self.free(&candidate) {
            candidate = if ident.starts_with(|c: char| c.is_ascii_uppercase()) {
                format!("{ident}{n}")
            } else {
                format!("{}_{n}", ident.trim_start_matches("r#"))
            };
            n += 1;
        }
        self.0.insert(candidate.clone());
        candidate
    }
}
