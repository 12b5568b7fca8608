//! Parsing of `#[charm(...)]` arguments and `#[on(...)]` attributes.

use proc_macro2::{Span, TokenStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::diag::Errors;
use crate::symbol;

/// The arguments of `#[charm(...)]`.
#[derive(Default)]
pub(crate) struct CharmArgs {
    /// `metadata = "path"`: a metadata file or charm directory, relative to the
    /// crate's manifest directory.
    pub(crate) metadata: Option<LitStr>,
    /// `metadata_source = "yaml"`: inline charmcraft.yaml.
    pub(crate) metadata_source: Option<LitStr>,
    /// `crate = path`: where `ops_runtime` is, when renamed.
    pub(crate) krate: Option<syn::Path>,
}

impl CharmArgs {
    /// The path generated code uses for `ops_runtime`.
    pub(crate) fn krate(&self) -> syn::Path {
        self.krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::ops_runtime))
    }

    /// Parses the attribute's arguments, recording every problem.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Self {
        let mut out = CharmArgs::default();
        let parser = syn::meta::parser(|meta| {
            let set_once = |slot_taken: bool, name: &str| {
                if slot_taken {
                    Err(meta.error(format!("duplicate `{name}` argument")))
                } else {
                    Ok(())
                }
            };
            if meta.path.is_ident(symbol::METADATA) {
                set_once(out.metadata.is_some(), symbol::METADATA)?;
                out.metadata = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident(symbol::METADATA_SOURCE) {
                set_once(out.metadata_source.is_some(), symbol::METADATA_SOURCE)?;
                out.metadata_source = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident(symbol::CRATE) {
                set_once(out.krate.is_some(), symbol::CRATE)?;
                out.krate = Some(meta.value()?.call(syn::Path::parse_mod_style)?);
            } else {
                let name = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let known =
                    [symbol::METADATA, symbol::METADATA_SOURCE, symbol::CRATE].map(String::from);
                return Err(meta.error(format!(
                    "unknown `#[charm]` argument `{name}`{}",
                    crate::diag::suggestion(&name, &known)
                )));
            }
            Ok(())
        });
        if let Err(e) = syn::parse::Parser::parse2(parser, args) {
            errors.push(e);
        }
        if let (Some(_), Some(source)) = (&out.metadata, &out.metadata_source) {
            errors.spanned(
                source,
                "`metadata` and `metadata_source` are exclusive; keep one",
            );
        }
        out
    }
}

/// One event name inside `#[on(...)]`.
pub(crate) struct EventName {
    pub(crate) name: String,
    pub(crate) span: Span,
}

/// Whether `attr` is `#[on(...)]` (or a path ending in `on`).
pub(crate) fn is_on(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == symbol::ON)
}

/// The event names of one `#[on(a, b)]` attribute.
pub(crate) fn parse_on(attr: &syn::Attribute, errors: &mut Errors) -> Vec<EventName> {
    let syn::Meta::List(list) = &attr.meta else {
        errors.spanned(
            attr,
            "`#[on]` needs the event to handle, e.g. `#[on(config_changed)]`",
        );
        return Vec::new();
    };
    match list.parse_args_with(Punctuated::<Ident, Token![,]>::parse_terminated) {
        Ok(names) if names.is_empty() => {
            errors.spanned(
                attr,
                "`#[on]` needs the event to handle, e.g. `#[on(config_changed)]`",
            );
            Vec::new()
        }
        Ok(names) => names
            .into_iter()
            .map(|ident| EventName {
                name: ident.to_string().trim_start_matches("r#").to_owned(),
                span: ident.span(),
            })
            .collect(),
        Err(e) => {
            errors.error(
                e.span(),
                "expected event names in snake_case, e.g. `#[on(config_changed)]` or `#[on(db_relation_changed, db_relation_joined)]`",
            );
            Vec::new()
        }
    }
}
