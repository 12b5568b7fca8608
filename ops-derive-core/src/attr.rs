//! Parsing of `#[charm(...)]` arguments and `#[on(...)]` attributes.

use proc_macro2::{Span, TokenStream};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

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
    /// `state = "local" | "controller"`: where stored state is kept.
    pub(crate) state: Option<LitStr>,
    /// `components(field: Type, field: Type = "endpoint", ...)`: fields of the
    /// charm that are components, interface components bound to an endpoint.
    pub(crate) components: Vec<ComponentDecl>,
    /// `events(Type, ...)`: the charm's own custom events.
    pub(crate) events: Vec<syn::Type>,
    /// `debug_log_events`: write ops's debug lines about events to `juju-log`
    /// (`Charm::DEBUG_LOG_EVENTS`).
    pub(crate) debug_log_events: bool,
}

/// `field: Type` or `field: Type = "endpoint"` inside `components(...)`.
pub(crate) struct ComponentDecl {
    /// The charm's field holding the component.
    pub(crate) field: syn::Ident,
    /// The component's type.
    pub(crate) ty: syn::Type,
    /// The relation endpoint an interface component is bound to.
    pub(crate) endpoint: Option<LitStr>,
}

impl syn::parse::Parse for ComponentDecl {
    fn parse(input: syn::parse::ParseStream<'_>) -> syn::Result<Self> {
        let field = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty = input.parse()?;
        let endpoint = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            let lookahead = input.lookahead1();
            if !lookahead.peek(LitStr) {
                return Err(syn::Error::new(
                    input.span(),
                    "expected the endpoint's name as a string, as in `db: DatabaseRequirer = \"database\"`",
                ));
            }
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Self {
            field,
            ty,
            endpoint,
        })
    }
}

impl CharmArgs {
    /// The arguments a derive takes (`metadata`, `metadata_source`, `crate`).
    pub(crate) fn for_derive(
        metadata: Option<LitStr>,
        metadata_source: Option<LitStr>,
        krate: Option<syn::Path>,
    ) -> Self {
        Self {
            metadata,
            metadata_source,
            krate,
            ..Self::default()
        }
    }

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
            } else if meta.path.is_ident(symbol::STATE) {
                set_once(out.state.is_some(), symbol::STATE)?;
                let lit: LitStr = meta.value()?.parse()?;
                if !matches!(lit.value().as_str(), "local" | "controller") {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!(
                            "unknown state store `{}`; expected `local` (a file in the charm directory) or `controller` (Juju's controller, for Kubernetes charms)",
                            lit.value()
                        ),
                    ));
                }
                out.state = Some(lit);
            } else if meta.path.is_ident(symbol::COMPONENTS) {
                let content;
                syn::parenthesized!(content in meta.input);
                let decls = Punctuated::<ComponentDecl, Token![,]>::parse_terminated(&content)?;
                for decl in decls {
                    if out.components.iter().any(|c| c.field == decl.field) {
                        return Err(syn::Error::new(
                            decl.field.span(),
                            format!("component `{}` is declared twice", decl.field),
                        ));
                    }
                    out.components.push(decl);
                }
            } else if meta.path.is_ident(symbol::EVENTS) {
                set_once(!out.events.is_empty(), symbol::EVENTS)?;
                let content;
                syn::parenthesized!(content in meta.input);
                let types = Punctuated::<syn::Type, Token![,]>::parse_terminated(&content)?;
                out.events.extend(types);
            } else if meta.path.is_ident(symbol::DEBUG_LOG_EVENTS) {
                set_once(out.debug_log_events, symbol::DEBUG_LOG_EVENTS)?;
                if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                    return Err(meta.error(
                        "`debug_log_events` takes no value; write `#[charm(debug_log_events)]` to turn it on and leave it out to keep it off",
                    ));
                }
                out.debug_log_events = true;
            } else if meta.path.is_ident(symbol::CRATE) {
                set_once(out.krate.is_some(), symbol::CRATE)?;
                out.krate = Some(meta.value()?.call(syn::Path::parse_mod_style)?);
            } else {
                let name = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let known: Vec<String> = symbol::CHARM_ARGS
                    .iter()
                    .map(|arg| (*arg).to_owned())
                    .collect();
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
    /// For `reconcile(except(...))`: the events it does not run for.
    pub(crate) except: Vec<EventName>,
}

fn plain(ident: &syn::Ident) -> EventName {
    EventName {
        name: ident.to_string().trim_start_matches("r#").to_owned(),
        span: ident.span(),
        except: Vec::new(),
    }
}

/// `reconcile(except(a, b))`.
fn reconcile(list: &syn::MetaList, errors: &mut Errors) -> Option<EventName> {
    let mut except = Vec::new();
    let parsed = list.parse_nested_meta(|meta| {
        if !meta.path.is_ident("except") {
            return Err(meta.error("expected `except(event, ...)`"));
        }
        meta.parse_nested_meta(|inner| {
            match inner.path.get_ident() {
                Some(ident) => except.push(plain(ident)),
                None => return Err(inner.error("expected an event name")),
            }
            Ok(())
        })
    });
    if let Err(e) = parsed {
        errors.push(e);
        return None;
    }
    let ident = list.path.get_ident()?;
    Some(EventName {
        except,
        ..plain(ident)
    })
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
    match list.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated) {
        Ok(names) if names.is_empty() => {
            errors.spanned(
                attr,
                "`#[on]` needs the event to handle, e.g. `#[on(config_changed)]`",
            );
            Vec::new()
        }
        Ok(names) => names
            .iter()
            .filter_map(|meta| match meta {
                syn::Meta::Path(path) => match path.get_ident() {
                    Some(ident) => Some(plain(ident)),
                    None if path.segments.len() == 2 && path.leading_colon.is_none() => {
                        // `component::event`
                        let name = path
                            .segments
                            .iter()
                            .map(|s| s.ident.to_string())
                            .collect::<Vec<_>>()
                            .join("::");
                        let span = path.segments.last().map_or_else(Span::call_site, |s| s.ident.span());
                        Some(EventName {
                            name,
                            span,
                            except: Vec::new(),
                        })
                    }
                    None => {
                        errors.spanned(path, "expected an event name in snake_case, e.g. `config_changed`");
                        None
                    }
                },
                syn::Meta::List(list) if list.path.is_ident("reconcile") => reconcile(list, errors),
                other => {
                    errors.spanned(
                        other,
                        "expected event names in snake_case, e.g. `#[on(config_changed)]`, or `reconcile(except(...))`",
                    );
                    None
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages `CharmArgs::parse` reports for `args`.
    fn errors_for(args: TokenStream) -> Vec<String> {
        let mut errors = Errors::default();
        CharmArgs::parse(args, &mut errors);
        errors.messages()
    }

    #[test]
    fn every_listed_argument_is_accepted() {
        for arg in symbol::CHARM_ARGS {
            let ident = syn::Ident::new(arg, Span::call_site());
            // Some want a value: the error, if any, is not about the name.
            for message in errors_for(quote::quote!(#ident)) {
                assert!(
                    !message.starts_with("unknown `#[charm]` argument"),
                    "{arg}: {message}"
                );
            }
        }
    }

    #[test]
    fn a_misspelt_argument_is_matched_against_every_argument() {
        for (given, meant) in [
            ("stat", "state"),
            ("component", "components"),
            ("event", "events"),
            ("debug_log_event", "debug_log_events"),
            ("metdata", "metadata"),
        ] {
            let ident = syn::Ident::new(given, Span::call_site());
            assert_eq!(
                errors_for(quote::quote!(#ident = "x")),
                [format!(
                    "unknown `#[charm]` argument `{given}`; did you mean `{meant}`?"
                )]
            );
        }
    }
}
