//! The user's `impl` block, read into the macro's model. Reads syntax only; the
//! metadata is not consulted here.

use proc_macro2::Span;
use syn::spanned::Spanned;

use crate::attr::{self, EventName};
use crate::diag::Errors;
use crate::symbol;

/// A `#[charm]` impl block.
pub(crate) struct CharmImpl {
    /// The block as written, `#[on]` attributes removed.
    pub(crate) original: syn::ItemImpl,
    /// Its handlers, in declaration order.
    pub(crate) handlers: Vec<Handler>,
}

/// A method with `#[on(...)]`.
pub(crate) struct Handler {
    /// The method's name.
    pub(crate) ident: syn::Ident,
    /// The events it handles.
    pub(crate) events: Vec<EventName>,
    /// Its arguments after the receiver.
    pub(crate) args: Vec<Arg>,
    /// Whether it is an `async fn`.
    pub(crate) is_async: bool,
    /// Where its return type is written (the name when it returns `()`), for
    /// errors about what it returns.
    pub(crate) output_span: Span,
    /// Its return type, when it has one.
    pub(crate) output: Option<syn::Type>,
}

/// One handler argument.
pub(crate) enum Arg {
    /// `&mut HookContext`
    Context,
    /// Anything else: built by `FromHookContext`.
    Extract(Box<syn::Type>),
}

impl CharmImpl {
    /// Reads the block, recording every problem found in the syntax.
    pub(crate) fn from_syn(mut item: syn::ItemImpl, errors: &mut Errors) -> Self {
        if let Some((path, _)) = &item.trait_ {
            errors.spanned(
                path,
                "`#[charm]` goes on the charm's own `impl` block (`impl MyCharm { ... }`), not on a trait impl",
            );
        }
        if !item.generics.params.is_empty() {
            errors.spanned(
                &item.generics,
                "`#[charm]` does not support generic impl blocks; implement the charm on a concrete type",
            );
        }
        let mut handlers = Vec::new();
        for impl_item in &mut item.items {
            let attrs = match impl_item {
                syn::ImplItem::Fn(f) => {
                    let ons: Vec<syn::Attribute> = take_on_attrs(&mut f.attrs);
                    if ons.is_empty() {
                        continue;
                    }
                    let events: Vec<EventName> =
                        ons.iter().flat_map(|a| attr::parse_on(a, errors)).collect();
                    if let Some(handler) = Handler::from_fn(f, events, errors) {
                        handlers.push(handler);
                    }
                    continue;
                }
                syn::ImplItem::Const(c) => &mut c.attrs,
                syn::ImplItem::Type(t) => &mut t.attrs,
                _ => continue,
            };
            for on in take_on_attrs(attrs) {
                errors.spanned(on, "`#[on]` goes on a method of the `#[charm]` impl block");
            }
        }
        CharmImpl {
            original: item,
            handlers,
        }
    }
}

fn take_on_attrs(attrs: &mut Vec<syn::Attribute>) -> Vec<syn::Attribute> {
    let (ons, rest): (Vec<_>, Vec<_>) = std::mem::take(attrs).into_iter().partition(attr::is_on);
    *attrs = rest;
    ons
}

impl Handler {
    fn from_fn(f: &syn::ImplItemFn, events: Vec<EventName>, errors: &mut Errors) -> Option<Self> {
        let sig = &f.sig;
        let before = errors.len();
        if !sig.generics.params.is_empty() {
            errors.spanned(
                &sig.generics,
                "a handler cannot be generic; the runtime supplies concrete arguments",
            );
        }
        if let Some(c) = &sig.constness {
            errors.error(c.span(), "a handler cannot be a `const fn`");
        }
        if let syn::Safety::Unsafe(u) = &sig.safety {
            errors.error(u.span(), "a handler cannot be an `unsafe fn`");
        }
        let mut inputs = sig.inputs.iter();
        match inputs.next() {
            Some(syn::FnArg::Receiver(r)) if matches!(r.kind, syn::ReceiverKind::Reference(..)) => {
            }
            Some(syn::FnArg::Receiver(r)) => errors.spanned(
                r,
                "a handler takes `&mut self` (or `&self`), not `self` by value",
            ),
            _ => errors.error(
                sig.ident.span(),
                "a handler is a method: its first argument is `&mut self`",
            ),
        }
        let mut args = Vec::new();
        let mut context_seen = false;
        for input in inputs {
            let syn::FnArg::Typed(pat_type) = input else {
                continue;
            };
            match classify(&pat_type.ty) {
                Classified::Context => {
                    if context_seen {
                        errors.spanned(&pat_type.ty, "the hook context can be taken only once");
                    }
                    context_seen = true;
                    args.push(Arg::Context);
                }
                Classified::ContextNotMut => {
                    errors.spanned(&pat_type.ty, "take the hook context as `&mut HookContext`");
                }
                Classified::Reference => errors.spanned(
                    &pat_type.ty,
                    "handler arguments other than `&mut HookContext` are taken by value, e.g. `event: RelationChangedEvent`",
                ),
                Classified::Other => args.push(Arg::Extract(pat_type.ty.clone())),
            }
        }
        if errors.len() != before {
            return None;
        }
        Some(Handler {
            ident: sig.ident.clone(),
            events,
            args,
            is_async: sig.asyncness.is_some(),
            output_span: match &sig.output {
                syn::ReturnType::Default => sig.ident.span(),
                syn::ReturnType::Type(_, ty) => ty.span(),
            },
            output: match &sig.output {
                syn::ReturnType::Default => None,
                syn::ReturnType::Type(_, ty) => Some((**ty).clone()),
            },
        })
    }
}

enum Classified {
    Context,
    ContextNotMut,
    Reference,
    Other,
}

fn is_context_path(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == symbol::HOOK_CONTEXT),
        syn::Type::Paren(p) => is_context_path(&p.elem),
        _ => false,
    }
}

fn classify(ty: &syn::Type) -> Classified {
    match ty {
        syn::Type::Reference(r) if is_context_path(&r.elem) => {
            if r.mutability.is_some() {
                Classified::Context
            } else {
                Classified::ContextNotMut
            }
        }
        ty if is_context_path(ty) => Classified::ContextNotMut,
        syn::Type::Reference(_) => Classified::Reference,
        _ => Classified::Other,
    }
}
