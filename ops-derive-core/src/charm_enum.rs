//! `#[derive(CharmEnum)]`: an enum of unit variants whose values are a param's
//! or option's `enum` list. It reads no metadata: the `CharmAction` and
//! `CharmConfig` derives compare its `VALUES` with the schema (see
//! [`enum_check`]).

use darling::{FromDeriveInput, FromVariant};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::diag::Errors;

/// The enum, as darling reads it.
#[derive(FromDeriveInput)]
#[darling(attributes(value), supports(enum_any))]
struct EnumInput {
    ident: syn::Ident,
    generics: syn::Generics,
    data: darling::ast::Data<VariantInput, ()>,
    /// `#[value(rename_all = "snake_case")]`; default: kebab-case.
    rename_all: Option<syn::LitStr>,
    /// `#[value(crate = path)]`
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

/// One variant, as darling reads it.
#[derive(FromVariant)]
#[darling(attributes(value))]
struct VariantInput {
    ident: syn::Ident,
    fields: darling::ast::Fields<syn::Type>,
    /// `#[value(name = "...")]`
    name: Option<syn::LitStr>,
}

/// The case conventions `rename_all` accepts, as serde and clap spell them.
const CASES: &[&str] = &[
    "kebab-case",
    "snake_case",
    "lowercase",
    "UPPERCASE",
    "SCREAMING_SNAKE_CASE",
    "SCREAMING-KEBAB-CASE",
    "camelCase",
    "PascalCase",
];

/// `ReadOnly` in a case convention of [`CASES`].
fn rename(ident: &str, case: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for c in ident.trim_start_matches("r#").chars() {
        if c.is_uppercase() || words.is_empty() || c == '_' {
            words.push(String::new());
        }
        if c != '_'
            && let Some(word) = words.last_mut()
        {
            word.push(c);
        }
    }
    words.retain(|w| !w.is_empty());
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
    let capitalized = || {
        lower.iter().map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
    };
    match case {
        "snake_case" => lower.join("_"),
        "lowercase" => lower.concat(),
        "UPPERCASE" => upper.concat(),
        "SCREAMING_SNAKE_CASE" => upper.join("_"),
        "SCREAMING-KEBAB-CASE" => upper.join("-"),
        "camelCase" => {
            let mut out = lower.first().cloned().unwrap_or_default();
            out.extend(capitalized().skip(1));
            out
        }
        "PascalCase" => capitalized().collect(),
        _ => lower.join("-"),
    }
}

/// Expands `#[derive(CharmEnum)]`.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let derive: syn::DeriveInput = match syn::parse2(input) {
        Ok(d) => d,
        Err(e) => return e.to_compile_error(),
    };
    if !matches!(derive.data, syn::Data::Enum(_)) {
        return syn::Error::new(
            derive.ident.span(),
            "`#[derive(CharmEnum)]` goes on an enum of unit variants, one per value of the schema's `enum`; for free text use `String`",
        )
        .to_compile_error();
    }
    let parsed = match EnumInput::from_derive_input(&derive) {
        Ok(p) => p,
        Err(e) => return e.write_errors(),
    };
    let mut errors = Errors::default();
    if !parsed.generics.params.is_empty() {
        errors.spanned(
            &parsed.generics,
            "`#[derive(CharmEnum)]` does not support generic enums",
        );
    }
    let case = match &parsed.rename_all {
        Some(lit) if !CASES.contains(&lit.value().as_str()) => {
            errors.error(
                lit.span(),
                format!(
                    "unknown case `{}`{}",
                    lit.value(),
                    crate::diag::suggestion(
                        &lit.value(),
                        &CASES.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()
                    )
                ),
            );
            "kebab-case".to_owned()
        }
        Some(lit) => lit.value(),
        None => "kebab-case".to_owned(),
    };
    let variants: Vec<&VariantInput> = match &parsed.data {
        darling::ast::Data::Enum(v) => v.iter().collect(),
        darling::ast::Data::Struct(_) => Vec::new(),
    };
    let ident = &parsed.ident;
    if variants.is_empty() {
        errors.error(
            ident.span(),
            "`#[derive(CharmEnum)]` needs at least one variant, one per value of the schema's `enum`",
        );
    }
    let mut values: Vec<(String, &syn::Ident)> = Vec::new();
    for variant in &variants {
        if !variant.fields.is_empty() {
            errors.error(
                variant.ident.span(),
                format!(
                    "variant `{}` holds data, but a value of the schema's `enum` is a plain string: make it a unit variant",
                    variant.ident
                ),
            );
            continue;
        }
        let value = match &variant.name {
            Some(lit) => lit.value(),
            None => rename(&variant.ident.to_string(), &case),
        };
        if let Some((_, first)) = values.iter().find(|(v, _)| *v == value) {
            let span = variant
                .name
                .as_ref()
                .map_or_else(|| variant.ident.span(), syn::LitStr::span);
            errors.error(
                span,
                format!(
                    "variant `{}` has the value `{value}` of variant `{first}`; give one of them another with `#[value(name = \"...\")]`",
                    variant.ident
                ),
            );
            continue;
        }
        values.push((value, &variant.ident));
    }
    let krate = parsed
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::ops_runtime));
    let e = quote!(#krate::__private::enums);
    if !errors.is_empty() {
        let errors = errors.to_compile_errors();
        return quote! {
            #errors
            impl #e::CharmEnum for #ident {
                const VALUES: &'static [&'static str] = &[];
                fn from_value(_: &str) -> ::core::option::Option<Self> {
                    ::core::unreachable!("`#[derive(CharmEnum)]` reported errors at compile time")
                }
                fn value(&self) -> &'static str {
                    ::core::unreachable!("`#[derive(CharmEnum)]` reported errors at compile time")
                }
            }
        };
    }
    let names: Vec<&String> = values.iter().map(|(v, _)| v).collect();
    let idents: Vec<&syn::Ident> = values.iter().map(|(_, i)| *i).collect();
    quote! {
        impl #e::CharmEnum for #ident {
            const VALUES: &'static [&'static str] = &[#(#names),*];
            fn from_value(__value: &str) -> ::core::option::Option<Self> {
                match __value {
                    #(#names => ::core::option::Option::Some(Self::#idents),)*
                    _ => ::core::option::Option::None,
                }
            }
            fn value(&self) -> &'static str {
                match self {
                    #(Self::#idents => #names,)*
                }
            }
        }
        impl ::core::str::FromStr for #ident {
            type Err = #e::UnknownValue;
            fn from_str(__s: &str) -> ::core::result::Result<Self, #e::UnknownValue> {
                #e::from_str(__s)
            }
        }
        impl<'de> #e::serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #e::serde::Deserializer<'de>>(
                __d: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                #e::deserialize(__d)
            }
        }
        impl #e::serde::Serialize for #ident {
            fn serialize<__S: #e::serde::Serializer>(
                &self,
                __s: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                #e::serialize(self, __s)
            }
        }
    }
}

/// Where a field's schema lists its values: the field, its type, and the
/// values, with the words the messages use.
pub(crate) struct EnumSchema<'a> {
    /// The field's ident.
    pub(crate) field: &'a syn::Ident,
    /// The field's type without `Option<...>`.
    pub(crate) ty: &'a syn::Type,
    /// "parameter `level`" or "option `log-level`".
    pub(crate) what: String,
    /// The YAML path of the list: `actions.backup.params.level.enum`.
    pub(crate) path: String,
    /// The listed strings.
    pub(crate) values: Vec<String>,
}

/// The compile-time comparison of a field's `CharmEnum` type with its schema's
/// `enum`, in both directions, as two constant assertions spanned at the field's
/// type. A type that is not a `CharmEnum` fails there too, with the trait's
/// message.
pub(crate) fn enum_check(schema: &EnumSchema<'_>, krate: &syn::Path) -> TokenStream {
    let e = quote!(#krate::__private::enums);
    let EnumSchema {
        field,
        ty,
        what,
        path,
        values,
    } = schema;
    let ty_name = crate::types::display(ty);
    let field = field.to_string();
    let field = field.trim_start_matches("r#");
    let extra_prefix = format!("field `{field}`: `{ty_name}` has a variant with the value ");
    let extra_suffix = format!(
        ", which {what} does not list under `enum`; remove the variant, or add the value to `{path}` in charmcraft.yaml"
    );
    let absent_prefix = format!("field `{field}`: {what} lists ");
    let absent_suffix = format!(
        " under `enum`, which no variant of `{ty_name}` takes; add a variant per value (`#[value(name = \"...\")]` sets a variant's value), or remove the value from `{path}` in charmcraft.yaml"
    );
    let span = ty.span();
    quote_spanned! {span=>
        const _: () = {
            const __MESSAGE: #e::ConstMessage = #e::missing(
                <#ty as #e::CharmEnum>::VALUES, &[#(#values),*], #extra_prefix, #extra_suffix,
            );
            if !__MESSAGE.is_empty() {
                ::core::panic!("{}", __MESSAGE.as_str());
            }
        };
        const _: () = {
            const __MESSAGE: #e::ConstMessage = #e::missing(
                &[#(#values),*], <#ty as #e::CharmEnum>::VALUES, #absent_prefix, #absent_suffix,
            );
            if !__MESSAGE.is_empty() {
                ::core::panic!("{}", __MESSAGE.as_str());
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_conventions() {
        assert_eq!(rename("ReadOnly", "kebab-case"), "read-only");
        assert_eq!(rename("ReadOnly", "snake_case"), "read_only");
        assert_eq!(rename("ReadOnly", "lowercase"), "readonly");
        assert_eq!(rename("ReadOnly", "SCREAMING_SNAKE_CASE"), "READ_ONLY");
        assert_eq!(rename("ReadOnly", "camelCase"), "readOnly");
        assert_eq!(rename("readOnly", "PascalCase"), "ReadOnly");
        assert_eq!(rename("Info", "kebab-case"), "info");
        assert_eq!(rename("ES256", "kebab-case"), "e-s256");
    }
}
