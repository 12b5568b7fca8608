//! Code generation for `#[charm]`. Cannot fail: it generates the dispatch of
//! every handler the checks passed, and everything else the metadata allows, so
//! that when some handler has an error the user sees that error only.

use ops_events::EventKind;
use ops_metadata::CharmMetadata;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{Arg, CharmImpl, Handler};
use crate::check::ResolvedEvent;
use crate::metadata::{Source, SourceText};

/// Everything `#[charm]` emits once the metadata is loaded. A handler whose
/// events are `None` had an error and gets no dispatch entry.
pub(crate) fn charm(
    charm: &CharmImpl,
    resolved: &[Option<Vec<ResolvedEvent>>],
    meta: &CharmMetadata,
    sources: &[Source],
    args: &crate::attr::CharmArgs,
) -> TokenStream {
    let krate = &args.krate();
    let store = match args.state.as_ref().map(syn::LitStr::value).as_deref() {
        Some("controller") => format_ident!("Controller"),
        _ => format_ident!("Local"),
    };
    let item = &charm.original;
    let self_ty = &item.self_ty;
    let p = quote!(#krate::__private);
    let mut entries = Vec::new();
    let mut shims = Vec::new();
    let mut checks = Vec::new();
    for (handler, events) in charm.handlers.iter().zip(resolved) {
        let Some(events) = events else { continue };
        for (n, event) in events.iter().enumerate() {
            let shim = format_ident!("__ops_{}_{}", handler.ident, n);
            let kind = format_ident!("{}", event.kind.name());
            let entity = match &event.entity {
                Some(e) => quote!(::core::option::Option::Some(#e)),
                None => quote!(::core::option::Option::None),
            };
            let name = handler.ident.to_string();
            let except = event.except.iter().map(|e| {
                let kind = format_ident!("{}", e.kind.name());
                match &e.entity {
                    Some(entity) => {
                        quote!((#p::EventKind::#kind, ::core::option::Option::Some(#entity)))
                    }
                    None => quote!((#p::EventKind::#kind, ::core::option::Option::None)),
                }
            });
            entries.push(quote! {
                #p::Handler {
                    kind: #p::EventKind::#kind,
                    entity: #entity,
                    name: #name,
                    except: &[#(#except),*],
                    call: Self::#shim,
                }
            });
            shims.push(shim_fn(
                handler,
                &shim,
                event,
                &p,
                self_ty,
                &args.components,
                &mut checks,
            ));
        }
    }
    let observe = crate::component::charm_items(args, &p);
    checks.extend(crate::component::binding_checks(args, meta, &p));
    let charm_events = crate::component::charm_event_names(args, &p);
    let relations: Vec<&str> = meta.relations().map(|r| r.name.as_str()).collect();
    let peers = meta.peers.keys();
    let constant = |prefix: &str, name: &str, ty: &str, doc: String| {
        let ident = format_ident!("{}_{}", prefix, name.replace('-', "_").to_uppercase());
        let ty = format_ident!("{}", ty);
        quote! {
            #[doc = #doc]
            pub const #ident: #p::#ty = #p::#ty::new_unchecked(#name);
        }
    };
    let mut bindings: Vec<&str> = meta.relations().map(|r| r.name.as_str()).collect();
    bindings.extend(meta.extra_bindings.keys().map(String::as_str));
    bindings.sort_unstable();
    bindings.dedup();
    let other_consts: Vec<TokenStream> = meta
        .storage
        .keys()
        .map(|n| constant("STORAGE", n, "StorageName", format!("The `{n}` storage.")))
        .chain(meta.resources.keys().map(|n| {
            constant(
                "RESOURCE",
                n,
                "ResourceName",
                format!("The `{n}` resource."),
            )
        }))
        .chain(meta.containers.keys().map(|n| {
            constant(
                "CONTAINER",
                n,
                "ContainerName",
                format!("The `{n}` workload container."),
            )
        }))
        .chain(bindings.iter().map(|n| {
            constant(
                "BINDING",
                n,
                "Binding",
                format!("The `{n}` network binding."),
            )
        }))
        .collect();
    let endpoint_consts = meta.relations().map(|r| {
        let name = &r.name;
        let ident = format_ident!("RELATION_{}", r.name.replace('-', "_").to_uppercase());
        let doc = format!(
            "The `{name}` relation endpoint ({}, interface `{}`).",
            r.role.as_str(),
            r.interface
        );
        quote! {
            #[doc = #doc]
            pub const #ident: #p::Endpoint = #p::Endpoint::new_unchecked(#name);
        }
    });
    let storages = meta.storage.keys();
    let containers = meta.containers.keys();
    let actions = meta.actions.keys();
    let name = &meta.name;
    let sources = sources.iter().map(|s| {
        let kind = s.kind;
        let file = &s.name;
        let text = match &s.text {
            SourceText::File(path) => {
                let path = path.to_string_lossy();
                quote!(::core::include_str!(#path))
            }
            SourceText::Inline(text) => quote!(#text),
        };
        quote!(#p::MetadataSource { kind: #kind, name: #file, text: #text })
    });
    let metadata = crate::expand_meta::metadata(meta, &p);
    let debug_log_events = args.debug_log_events.then(|| {
        quote!(
            const DEBUG_LOG_EVENTS: bool = true;
        )
    });
    quote! {
        #item

        impl #p::Charm for #self_ty {
            const META: #p::CharmMeta = #p::CharmMeta {
                name: #name,
                relations: &[#(#relations),*],
                peers: &[#(#peers),*],
                storages: &[#(#storages),*],
                containers: &[#(#containers),*],
                actions: &[#(#actions),*],
                store: #p::StoreKind::#store,
                events: #charm_events,
                metadata: #metadata,
            };
            const HANDLERS: &'static [#p::Handler<Self>] = &[#(#entries),*];
            fn metadata_sources() -> &'static [#p::MetadataSource] {
                &[#(#sources),*]
            }
            #debug_log_events
            #observe
        }

        #[doc(hidden)]
        #[allow(non_snake_case, clippy::used_underscore_binding)]
        impl #self_ty {
            #(#shims)*
        }

        /// Names from the charm's metadata, checked at compile time.
        #[allow(dead_code)]
        impl #self_ty {
            #(#endpoint_consts)*
            #(#other_consts)*
        }

        #(#checks)*
    }
}

/// The function a dispatch entry calls: builds each extracted argument for the
/// event kind, calls the method, interprets its return value. The constant
/// checks that tie a type to the event go to `checks`, outside any generated
/// item, so that a failed one names no generated item.
fn shim_fn(
    handler: &Handler,
    shim: &syn::Ident,
    event: &ResolvedEvent,
    p: &TokenStream,
    self_ty: &syn::Type,
    components: &[crate::attr::ComponentDecl],
    checks: &mut Vec<TokenStream>,
) -> TokenStream {
    let arg_trait = format_ident!("{}Arg", event.kind.name());
    let mut lets = Vec::new();
    // `component::event`: the component must emit `event`; `self::event`: the
    // charm must declare it.
    let custom_name = event
        .entity
        .as_deref()
        .filter(|_| event.kind == EventKind::Custom)
        .and_then(|e| e.split_once("::"));
    let custom_span = |name: &str| {
        handler
            .events
            .iter()
            .find(|e| e.name.ends_with(&format!("::{name}")))
            .map_or_else(proc_macro2::Span::call_site, |e| e.span)
    };
    if let Some(("self", name)) = custom_name {
        checks.push(crate::component::charm_event_check(
            self_ty,
            name,
            custom_span(name),
            p,
        ));
    }
    let custom = custom_name.and_then(|(field, name)| {
        let decl = components.iter().find(|c| c.field == field)?;
        Some((&decl.field, &decl.ty, name))
    });
    if let Some((ident, ty, name)) = custom {
        let span = custom_span(name);
        let message = format!(
            "component `{ident}` (`{}`) emits no event `{name}`; see its `Component::EVENTS`",
            quote!(#ty).to_string().replace(' ', "")
        );
        checks.push(quote_spanned! {span=>
            const _: () = ::core::assert!(
                #p::contains(<#ty as #p::Component>::EVENTS, #name),
                #message
            );
        });
    }
    let payload_of = custom_name.map(|(_, name)| name);
    let action = event
        .entity
        .as_deref()
        .filter(|_| event.kind == EventKind::Action);
    let method = &handler.ident;
    let mut call_args = Vec::new();
    for (i, arg) in handler.args.iter().enumerate() {
        match arg {
            Arg::Context => call_args.push(quote!(__cx)),
            Arg::Extract(ty) => {
                let var = format_ident!("__arg{}", i);
                // Spanned at the argument's type: a type that does not fit the
                // event is reported there, by the event's own trait, which names
                // the event and the arguments that fit it.
                lets.push(quote_spanned! {ty.span()=>
                    let #var = <#ty as #p::args::#arg_trait>::extract(__cx)?;
                });
                if let (Some(name), Some(payload)) = (payload_of, wrapped_type(ty, "Custom")) {
                    // `Custom<T>` must be the payload of this handler's event.
                    let message = format!(
                        "`{}` is the payload of another custom event, not of `{name}`",
                        quote!(#payload).to_string().replace(' ', "")
                    );
                    checks.push(quote_spanned! {payload.span()=>
                        const _: () = ::core::assert!(
                            #p::str_eq(<#payload as #p::CustomEvent>::NAME, #name),
                            #message
                        );
                    });
                }
                if let (Some(action), Some(params)) = (action, params_type(ty)) {
                    // `Params<T>` must be the params of this handler's action.
                    let message = format!(
                        "`{}` holds the params of another action, not of `{action}`; use the params type derived for `{action}`",
                        quote!(#params).to_string().replace(' ', "")
                    );
                    checks.push(quote_spanned! {params.span()=>
                        const _: () = ::core::assert!(
                            #p::str_eq(<#params as #p::action::CharmAction>::NAME, #action),
                            #message
                        );
                    });
                }
                call_args.push(quote!(#var));
            }
        }
    }
    let call = if handler.is_async {
        quote! {
            let __rt = __cx.runtime()?;
            let __out = __rt.block_on(__charm.#method(#(#call_args),*));
        }
    } else {
        quote!(let __out = __charm.#method(#(#call_args),*);)
    };
    // Spanned at the return type: a type that is no outcome is reported there.
    let outcome = if action.is_some() {
        quote_spanned! {handler.output_span=> __ops_into_action_outcome(__out, __cx)}
    } else {
        quote_spanned! {handler.output_span=> __ops_into_outcome(__out, __cx)}
    };
    quote! {
        fn #shim(
            __charm: &mut Self,
            __cx: &mut #p::HookContext,
        ) -> #p::Result<#p::Flow, #p::CharmError> {
            #[allow(unused_imports)]
            use #p::{into_action_outcome as __ops_into_action_outcome, into_outcome as __ops_into_outcome};
            #(#lets)*
            #call
            #outcome
        }
    }
}

/// `T` when `ty` is `Params<T>`.
fn params_type(ty: &syn::Type) -> Option<&syn::Type> {
    wrapped_type(ty, "Params")
}

/// `T` when `ty` is `<wrapper><T>`.
fn wrapped_type<'a>(ty: &'a syn::Type, wrapper: &str) -> Option<&'a syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) => Some(inner),
        _ => None,
    }
}
