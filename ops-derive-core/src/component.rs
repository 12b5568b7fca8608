//! Components in `#[charm(components(...))]`: the check of each bound
//! endpoint against the metadata, and the code that binds, runs and checks
//! them.
//!
//! The macro sees the endpoint's interface and role in charmcraft.yaml but not
//! what a component type speaks (its `Component::INTERFACE`, a constant of a
//! type defined anywhere), so that half of the check is a constant the
//! compiler evaluates, spanned at the user's declaration: it builds the whole
//! message, naming the endpoint, its interface and role, what the component
//! speaks and the endpoint to bind instead.

use ops_metadata::{CharmMetadata, RelationRole};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::{CharmArgs, ComponentDecl};
use crate::diag::{self, Errors};

/// Checks that each bound endpoint is one of the metadata's relation
/// endpoints, reporting an unknown one at its string with the nearest name.
pub(crate) fn check_endpoints(args: &CharmArgs, meta: &CharmMetadata, errors: &mut Errors) {
    let names: Vec<String> = meta.relations().map(|r| r.name.clone()).collect();
    for decl in &args.components {
        let Some(endpoint) = &decl.endpoint else {
            continue;
        };
        let given = endpoint.value();
        if names.contains(&given) {
            continue;
        }
        let message = if names.is_empty() {
            format!(
                "unknown relation endpoint `{given}` for component `{}`: the charm declares no \
                 relation endpoint; add `{given}` under `requires`, `provides` or `peers` in \
                 charmcraft.yaml",
                decl.field
            )
        } else {
            let hint = diag::suggestion(&given, &names);
            let hint = if hint.is_empty() {
                format!(
                    "; declare `{given}` under `requires`, `provides` or `peers` in charmcraft.yaml"
                )
            } else {
                hint
            };
            format!(
                "unknown relation endpoint `{given}` for component `{}`{hint}",
                decl.field
            )
        };
        errors.spanned(endpoint, message);
    }
}

/// The `Charm` items for the components: `COMPONENTS`, `bind_components`,
/// `observe_components` and `collect_components_status`; empty without
/// components.
pub(crate) fn charm_items(args: &CharmArgs, p: &TokenStream) -> TokenStream {
    if args.components.is_empty() {
        return quote!();
    }
    let fields = args.components.iter().map(|c| c.field.to_string());
    let binds = args.components.iter().filter_map(|c| {
        let ComponentDecl {
            field,
            ty,
            endpoint,
            ..
        } = c;
        let endpoint = endpoint.as_ref()?;
        Some(quote! {
            <#ty as #p::Component>::bind(
                &mut self.#field,
                #p::Endpoint::new_unchecked(#endpoint),
            );
        })
    });
    let observes = args.components.iter().map(|c| {
        let ComponentDecl { field, ty, .. } = c;
        let name = field.to_string();
        quote! {
            let mut __emit = #p::Emitter::new(#name, <#ty as #p::Component>::EVENTS);
            <#ty as #p::Component>::observe(&mut self.#field, __cx, __event, &mut __emit)?;
            __emitted.extend(__emit.into_events());
        }
    });
    let collects = args.components.iter().map(|c| {
        let ComponentDecl { field, ty, .. } = c;
        quote! {
            if __app {
                <#ty as #p::Component>::collect_app_status(&mut self.#field, __cx, __status)?;
            } else {
                <#ty as #p::Component>::collect_unit_status(&mut self.#field, __cx, __status)?;
            }
        }
    });
    quote! {
        const COMPONENTS: &'static [&'static str] = &[#(#fields),*];

        fn bind_components(&mut self) {
            #(#binds)*
        }

        fn observe_components(
            &mut self,
            __cx: &mut #p::HookContext,
            __event: &#p::Event,
        ) -> #p::Result<::std::vec::Vec<#p::CustomEventData>, #p::CharmError> {
            let mut __emitted = ::std::vec::Vec::new();
            #(#observes)*
            ::core::result::Result::Ok(__emitted)
        }

        fn collect_components_status(
            &mut self,
            __cx: &mut #p::HookContext,
            __app: bool,
            __status: &#p::CollectStatus,
        ) -> #p::Result<(), #p::CharmError> {
            #(#collects)*
            ::core::result::Result::Ok(())
        }
    }
}

/// The constant checks of each component's binding against what its type
/// speaks: a bound one against its endpoint's interface and role (spanned at
/// the endpoint), an unbound one that it needs no endpoint (spanned at the
/// type). An endpoint missing from the metadata was reported by
/// [`check_endpoints`] and gets no check.
pub(crate) fn binding_checks(
    args: &CharmArgs,
    meta: &CharmMetadata,
    p: &TokenStream,
) -> Vec<TokenStream> {
    let role = |role: RelationRole| {
        let variant = format_ident!(
            "{}",
            match role {
                RelationRole::Requires => "Requires",
                RelationRole::Provides => "Provides",
                RelationRole::Peer => "Peer",
            }
        );
        quote!(#p::RelationRole::#variant)
    };
    let endpoints: Vec<TokenStream> = meta
        .relations()
        .map(|r| {
            let (name, interface, role) = (&r.name, &r.interface, role(r.role));
            quote!((#name, #interface, #role))
        })
        .collect();
    args.components
        .iter()
        .filter_map(|c| {
            let ComponentDecl {
                field,
                ty,
                endpoint,
                ..
            } = c;
            let field = field.to_string();
            let ty_name = quote!(#ty).to_string().replace(' ', "");
            let (span, message) = match endpoint {
                Some(endpoint) => {
                    let relation = meta.relations().find(|r| r.name == endpoint.value())?;
                    let (interface, role) = (&relation.interface, role(relation.role));
                    (
                        endpoint.span(),
                        quote! {
                            #p::bound(
                                <#ty as #p::Component>::INTERFACE,
                                #field, #ty_name, #endpoint, #interface, #role,
                                &[#(#endpoints),*],
                            )
                        },
                    )
                }
                None => (
                    ty.span(),
                    quote! {
                        #p::unbound(
                            <#ty as #p::Component>::INTERFACE,
                            #field, #ty_name,
                            &[#(#endpoints),*],
                        )
                    },
                ),
            };
            Some(quote_spanned! {span=>
                const _: () = {
                    let __message = #message;
                    if !__message.is_empty() {
                        ::core::panic!("{}", __message.as_str());
                    }
                };
            })
        })
        .collect()
}

/// The check that the charm declares its own event `name`
/// (`#[on(self::name)]`), spanned at `span`.
pub(crate) fn charm_event_check(
    self_ty: &syn::Type,
    name: &str,
    span: proc_macro2::Span,
    p: &TokenStream,
) -> TokenStream {
    let message = format!(
        "the charm emits no event `{name}`; add the event's type to `#[charm(events(...))]`"
    );
    quote_spanned! {span=>
        const _: () = ::core::assert!(
            #p::contains(<#self_ty as #p::Charm>::META.events, #name),
            #message
        );
    }
}

/// The names of the charm's own events, for `CharmMeta::events`.
pub(crate) fn charm_event_names(args: &CharmArgs, p: &TokenStream) -> TokenStream {
    let names = args.events.iter().map(|ty| {
        quote_spanned! {ty.span()=> <#ty as #p::CustomEvent>::NAME}
    });
    quote!(&[#(#names),*])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tokens: TokenStream) -> CharmArgs {
        let mut errors = Errors::default();
        let args = CharmArgs::parse(tokens, &mut errors);
        assert!(errors.is_empty());
        args
    }

    fn messages(tokens: TokenStream, yaml: &str) -> Vec<String> {
        let meta = CharmMetadata::from_yaml_str("charmcraft.yaml", yaml).expect("valid metadata");
        let mut errors = Errors::default();
        check_endpoints(&args(tokens), &meta, &mut errors);
        errors.messages()
    }

    #[test]
    fn an_unknown_endpoint_gets_the_nearest_name_or_the_way_to_declare_it() {
        let yaml = "name: demo\nrequires:\n  database:\n    interface: pg\n  cache:\n    interface: redis\n";
        assert_eq!(
            messages(quote!(components(db: Requirer = "databse")), yaml),
            ["unknown relation endpoint `databse` for component `db`; did you mean `database`?"]
        );
        assert_eq!(
            messages(quote!(components(db: Requirer = "zzzzzzzz")), yaml),
            [
                "unknown relation endpoint `zzzzzzzz` for component `db`; expected `database` or `cache`"
            ]
        );
        assert_eq!(
            messages(quote!(components(db: Requirer = "db")), "name: demo\n"),
            [
                "unknown relation endpoint `db` for component `db`: the charm declares no relation \
                 endpoint; add `db` under `requires`, `provides` or `peers` in charmcraft.yaml"
            ]
        );
        assert!(messages(quote!(components(db: Requirer = "cache", x: Plain)), yaml).is_empty());
    }

    #[test]
    fn the_binding_check_lists_every_endpoint_with_its_interface_and_role() {
        let meta = CharmMetadata::from_yaml_str(
            "charmcraft.yaml",
            "name: demo\nrequires:\n  database:\n    interface: pg\nprovides:\n  api:\n    interface: http\n",
        )
        .expect("valid metadata");
        let p = quote!(::ops_runtime::__private);
        let checks = binding_checks(
            &args(quote!(components(db: Requirer = "database"))),
            &meta,
            &p,
        );
        let text = checks.iter().map(ToString::to_string).collect::<String>();
        assert!(
            text.contains(
                "\"database\" , \"pg\" , :: ops_runtime :: __private :: RelationRole :: Requires"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "\"api\" , \"http\" , :: ops_runtime :: __private :: RelationRole :: Provides"
            ),
            "{text}"
        );
        // An endpoint missing from the metadata was reported already: no check.
        let none = binding_checks(&args(quote!(components(db: Requirer = "nope"))), &meta, &p);
        assert!(none.is_empty());
    }
}
