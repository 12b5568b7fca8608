//! Parsing, checking and code generation behind `ops-derive`'s macros, as a plain
//! library that can be unit-tested with `proc_macro2` token streams.
//!
//! Each expansion runs three phases, kept apart as in `serde_derive`: parse the
//! Rust item ([`ast`](crate)), check it against the charm's metadata (read with
//! `ops-metadata`, the same parser the runtime's testing harness uses), and
//! generate code, which cannot fail. Every error is collected and reported at
//! once, each on the narrowest span available.

#![forbid(unsafe_code)]

mod action;
mod ast;
mod attr;
mod charm_enum;
mod check;
mod component;
mod config;
mod diag;
mod expand;
mod expand_meta;
mod fallback;
mod metadata;
mod symbol;
mod types;

use proc_macro2::TokenStream;
use quote::quote;

use crate::diag::Errors;

/// Expands `#[charm(args)] impl MyCharm { ... }`.
pub fn expand_charm(args: TokenStream, item: TokenStream) -> TokenStream {
    let item: syn::ItemImpl = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => {
            return syn::Error::new(
                e.span(),
                "`#[charm]` goes on the charm's `impl` block: `#[charm] impl MyCharm { ... }`",
            )
            .to_compile_error();
        }
    };
    let mut errors = Errors::default();
    let args = attr::CharmArgs::parse(args, &mut errors);
    let krate = args.krate();
    let args_ok = errors.is_empty();
    let charm = ast::CharmImpl::from_syn(item, &mut errors);
    if !args_ok {
        // A misspelt argument would otherwise be followed by an error about
        // metadata the user did not mean to point at. When the metadata was
        // named and loads, its constants are still generated (no handler is
        // dispatched), so their uses are not errors too.
        let named = args.metadata.is_some() || args.metadata_source.is_some();
        let loaded = named.then(|| metadata::load(&args).ok()).flatten();
        let errors = errors.to_compile_errors();
        let Some(loaded) = loaded else {
            let fallback = fallback::charm(&charm, &krate);
            return quote!(#fallback #errors);
        };
        let none: Vec<Option<Vec<check::ResolvedEvent>>> = vec![None; charm.handlers.len()];
        let expanded = expand::charm(&charm, &none, &loaded.meta, &loaded.sources, &args);
        return quote!(#expanded #errors);
    }
    let loaded = match metadata::load(&args) {
        Ok(loaded) => loaded,
        Err(e) => {
            errors.push(e);
            let fallback = fallback::charm(&charm, &krate);
            let errors = errors.to_compile_errors();
            return quote!(#fallback #errors);
        }
    };
    let resolved = check::check_events(&charm, &loaded.meta, &args, &mut errors);
    component::check_endpoints(&args, &loaded.meta, &mut errors);
    if charm.original.trait_.is_some() || !charm.original.generics.params.is_empty() {
        let fallback = fallback::charm(&charm, &krate);
        let errors = errors.to_compile_errors();
        return quote!(#fallback #errors);
    }
    // With errors, the handlers that have none are still dispatched and the
    // metadata's constants still generated (as serde_derive and clap_derive emit
    // their impls on error), so the only errors the user sees are their own, not
    // a missing `RELATION_DB` wherever the constants are used.
    let expanded = expand::charm(&charm, &resolved, &loaded.meta, &loaded.sources, &args);
    let errors = errors.to_compile_errors();
    quote!(#expanded #errors)
}

/// Expands a stray `#[on(...)]`: one that `#[charm]` did not consume because it
/// is not inside a `#[charm]` impl block.
pub fn expand_on(_args: TokenStream, item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[on]` is only valid on a method inside a `#[charm]` impl block; add `#[charm]` to the enclosing `impl`",
    )
    .to_compile_error();
    quote!(#error #item)
}

/// Expands `#[derive(CharmConfig)]`.
pub fn expand_config_derive(input: TokenStream) -> TokenStream {
    config::expand(input)
}

/// Expands `#[derive(CharmAction)]`.
pub fn expand_action_derive(input: TokenStream) -> TokenStream {
    action::expand(input)
}

/// Expands `#[derive(CharmEnum)]`.
pub fn expand_enum_derive(input: TokenStream) -> TokenStream {
    charm_enum::expand(input)
}
