//! Code generation of the charm's typed metadata at run time
//! (`ops_runtime::metadata::Metadata`), from the model `#[charm]` loaded.
//!
//! The output is one constant expression compiled into every charm, so it
//! stays small: one `use` of the runtime's metadata module and of `Some` and
//! `None`, then struct literals with short paths. Nothing here can fail.

use ops_metadata::{
    Action, CharmMetadata, ConfigOption, ConfigType, ConfigValue, Container, ParamType, Relation,
    RelationRole, RelationScope, Resource, ResourceKind, Storage, StorageKind,
};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// `&Metadata { ... }`: a `&'static ops_runtime::metadata::Metadata` in a
/// constant context. `p` is the path of the runtime's `__private` module.
pub(crate) fn metadata(meta: &CharmMetadata, p: &TokenStream) -> TokenStream {
    let name = &meta.name;
    let title = opt(meta.title.as_ref().or(meta.display_name.as_ref()));
    let summary = opt(meta.summary.as_ref());
    let subordinate = meta.subordinate;
    let assumes = meta.assumes.iter().map(ToString::to_string);
    let relations = meta.relations().map(relation);
    let extra_bindings = meta.extra_bindings.keys();
    let storage = meta.storage.values().map(storage);
    let containers = meta.containers.values().map(container);
    let resources = meta.resources.values().map(resource);
    let actions = meta.actions.values().map(action);
    let config = meta.config.values().map(config_option);
    // The names brought in are only used by the tokens below: the block holds
    // nothing of the user's.
    quote! {
        &{
            use #p::metadata::*;
            use ::core::option::Option::{None, Some};
            Metadata {
                name: #name,
                title: #title,
                summary: #summary,
                subordinate: #subordinate,
                assumes: &[#(#assumes),*],
                relations: &[#(#relations),*],
                extra_bindings: &[#(#extra_bindings),*],
                storage: &[#(#storage),*],
                containers: &[#(#containers),*],
                resources: &[#(#resources),*],
                actions: &[#(#actions),*],
                config: &[#(#config),*],
            }
        }
    }
}

/// `Some(value)` or `None`.
fn opt<T: ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote!(Some(#value)),
        None => quote!(None),
    }
}

fn relation(r: &Relation) -> TokenStream {
    let name = &r.name;
    let role = match r.role {
        RelationRole::Requires => quote!(Requires),
        RelationRole::Provides => quote!(Provides),
        RelationRole::Peer => quote!(Peer),
    };
    let interface = &r.interface;
    let limit = opt(r.limit);
    let optional = r.optional;
    let scope = match r.scope {
        RelationScope::Global => quote!(Global),
        RelationScope::Container => quote!(Container),
    };
    quote! {
        RelationMeta {
            name: #name,
            role: RelationRole::#role,
            interface: #interface,
            limit: #limit,
            optional: #optional,
            scope: RelationScope::#scope,
        }
    }
}

fn storage(s: &Storage) -> TokenStream {
    let name = &s.name;
    let kind = match s.kind {
        StorageKind::Filesystem => quote!(Filesystem),
        StorageKind::Block => quote!(Block),
    };
    let location = opt(s.mount_location.as_ref());
    let multiple = opt(s.multiple.map(|range| {
        let min = range.min;
        let max = opt(range.max);
        quote!(StorageRange { min: #min, max: #max })
    }));
    let read_only = s.read_only;
    let shared = s.shared;
    let minimum_size = opt(s.minimum_size.as_ref());
    quote! {
        StorageMeta {
            name: #name,
            kind: StorageType::#kind,
            location: #location,
            multiple: #multiple,
            read_only: #read_only,
            shared: #shared,
            minimum_size: #minimum_size,
        }
    }
}

fn container(c: &Container) -> TokenStream {
    let name = &c.name;
    let resource = opt(c.resource.as_ref());
    let mounts = c.mounts.iter().map(|m| {
        let storage = &m.storage;
        let location = opt(m.mount_location.as_ref());
        quote!(MountMeta { storage: #storage, location: #location })
    });
    let uid = opt(c.uid);
    let gid = opt(c.gid);
    quote! {
        ContainerMeta {
            name: #name,
            resource: #resource,
            mounts: &[#(#mounts),*],
            uid: #uid,
            gid: #gid,
        }
    }
}

fn resource(r: &Resource) -> TokenStream {
    let name = &r.name;
    let kind = match r.kind {
        ResourceKind::File => quote!(File),
        ResourceKind::OciImage => quote!(OciImage),
    };
    let filename = opt(r.filename.as_ref());
    quote! {
        ResourceMeta { name: #name, kind: ResourceType::#kind, filename: #filename }
    }
}

fn action(a: &Action) -> TokenStream {
    let name = &a.name;
    let description = opt(a.description.as_ref());
    let params = a.params.values().map(|param| {
        let name = &param.name;
        let types = param.types.iter().map(|t| match t {
            ParamType::String => quote!(ParamType::String),
            ParamType::Integer => quote!(ParamType::Integer),
            ParamType::Number => quote!(ParamType::Number),
            ParamType::Boolean => quote!(ParamType::Boolean),
            ParamType::Array => quote!(ParamType::Array),
            ParamType::Object => quote!(ParamType::Object),
            ParamType::Null => quote!(ParamType::Null),
        });
        let required = a.required.contains(&param.name);
        quote!(ParamMeta { name: #name, types: &[#(#types),*], required: #required })
    });
    quote! {
        ActionMeta { name: #name, description: #description, params: &[#(#params),*] }
    }
}

fn config_option(o: &ConfigOption) -> TokenStream {
    let name = &o.name;
    let kind = match o.kind {
        ConfigType::String => quote!(String),
        ConfigType::Int => quote!(Int),
        ConfigType::Float => quote!(Float),
        ConfigType::Boolean => quote!(Boolean),
        ConfigType::Secret => quote!(Secret),
    };
    let default = opt(o.default.as_ref().map(|value| match value {
        ConfigValue::String(s) => quote!(ConfigDefault::String(#s)),
        ConfigValue::Int(i) => quote!(ConfigDefault::Int(#i)),
        ConfigValue::Float(x) => {
            let x = float(*x);
            quote!(ConfigDefault::Float(#x))
        }
        ConfigValue::Boolean(b) => quote!(ConfigDefault::Bool(#b)),
    }));
    quote! {
        ConfigOptionMeta { name: #name, kind: ConfigType::#kind, default: #default }
    }
}

/// An `f64` expression; YAML's `.inf` and `.nan` have no literal.
fn float(x: f64) -> TokenStream {
    if x.is_nan() {
        quote!(::core::primitive::f64::NAN)
    } else if x == f64::INFINITY {
        quote!(::core::primitive::f64::INFINITY)
    } else if x == f64::NEG_INFINITY {
        quote!(::core::primitive::f64::NEG_INFINITY)
    } else {
        let literal = proc_macro2::Literal::f64_suffixed(x);
        quote!(#literal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(yaml: &str) -> String {
        let meta = ops_metadata::CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).unwrap();
        metadata(&meta, &quote!(::ops_runtime::__private)).to_string()
    }

    #[test]
    fn names_no_generated_item_and_writes_each_field() {
        let out = expand(
            "name: demo\nrequires:\n  db: {interface: pgsql, limit: 1, scope: container}\n\
             config:\n  options:\n    ratio: {type: float, default: .inf}\n    n: {type: int, default: -3}\n",
        );
        assert!(out.starts_with("& { use :: ops_runtime :: __private :: metadata :: * ;"));
        assert!(out.contains("interface : \"pgsql\" , limit : Some (1u32)"));
        assert!(out.contains("scope : RelationScope :: Container"));
        assert!(out.contains("ConfigDefault :: Float (:: core :: primitive :: f64 :: INFINITY)"));
        assert!(out.contains("ConfigDefault :: Int (- 3i64)"), "{out}");
    }

    #[test]
    fn the_title_falls_back_to_metadata_yaml_s_display_name() {
        let meta = ops_metadata::CharmMetadata::from_sources(&[(
            ops_metadata::SourceKind::Metadata,
            "metadata.yaml",
            "name: demo\ndisplay-name: Demo Charm\n",
        )])
        .unwrap();
        let out = metadata(&meta, &quote!(p)).to_string();
        assert!(out.contains("title : Some (\"Demo Charm\")"), "{out}");
        assert!(out.contains("summary : None"), "{out}");
    }

    #[test]
    fn floats_without_a_literal_are_constants() {
        assert_eq!(
            float(f64::NAN).to_string(),
            ":: core :: primitive :: f64 :: NAN"
        );
        assert_eq!(
            float(f64::NEG_INFINITY).to_string(),
            ":: core :: primitive :: f64 :: NEG_INFINITY"
        );
        assert_eq!(float(0.5).to_string(), "0.5f64");
    }
}
