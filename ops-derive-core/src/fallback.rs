//! What the macros emit when checks failed: the errors, plus stubs that keep the
//! rest of the user's crate compiling, so that the only errors the user sees are
//! the macro's own (thiserror's `fallback.rs`, clap's `dummies.rs`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::ast::CharmImpl;
use crate::diag::Errors;

/// `#[charm]`'s stub: the impl block without its `#[on]` attributes and an
/// empty `Charm` impl (none for a trait impl or a generic block, which the
/// errors are about).
pub(crate) fn charm(charm: &CharmImpl, krate: &syn::Path) -> TokenStream {
    let item = &charm.original;
    let self_ty = &item.self_ty;
    let p = quote!(#krate::__private);
    if item.trait_.is_some() || !item.generics.params.is_empty() {
        return quote!(#item);
    }
    quote! {
        #item

        impl #p::Charm for #self_ty {
            const META: #p::CharmMeta = #p::CharmMeta::EMPTY;
            const HANDLERS: &'static [#p::Handler<Self>] = &[];
            fn metadata_sources() -> &'static [#p::MetadataSource] {
                &[]
            }
        }
    }
}

/// The trait a derive implements.
#[derive(Clone, Copy)]
pub(crate) enum Stub<'a> {
    /// `#[derive(CharmConfig)]`
    Config,
    /// `#[derive(CharmAction)]`, for the action of this name.
    Action {
        /// The action's name, for `CharmAction::NAME`.
        name: &'a str,
    },
}

/// A derive's errors, and an impl of its trait whose methods are never called
/// (the crate does not build).
pub(crate) fn derive(
    stub: Stub<'_>,
    ident: &syn::Ident,
    krate: &syn::Path,
    errors: &Errors,
) -> TokenStream {
    let errors = errors.to_compile_errors();
    let p = quote!(#krate::__private);
    let stub = match stub {
        Stub::Config => quote! {
            impl #p::config::CharmConfig for #ident {
                fn from_config(
                    _: &#p::config::ConfigData,
                ) -> ::core::result::Result<Self, #p::config::ConfigError> {
                    ::core::unreachable!("`#[derive(CharmConfig)]` reported errors at compile time")
                }
            }
        },
        Stub::Action { name } => quote! {
            impl #p::action::CharmAction for #ident {
                const NAME: &'static str = #name;
                fn from_params(
                    _: &#p::action::Map<::std::string::String, #p::action::Value>,
                ) -> ::core::result::Result<Self, #p::action::ParamsError> {
                    ::core::unreachable!("`#[derive(CharmAction)]` reported errors at compile time")
                }
            }
        },
    };
    quote! {
        #errors
        #stub
    }
}
