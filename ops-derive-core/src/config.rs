//! `#[derive(CharmConfig)]`: a struct whose fields are config options, checked
//! against `config.options` in the charm's metadata.
//!
//! The three stages of `#[charm]`, kept apart: [`parse`] reads the struct (syntax
//! only, no metadata), [`check`] resolves each field against its option and
//! settles how it converts (everything that can fail), and [`generate`] writes
//! `from_config`, which cannot fail.

use darling::{FromDeriveInput, FromField};
use ops_metadata::{CharmMetadata, ConfigOption, ConfigType, ConfigValue};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::attr::CharmArgs;
use crate::charm_enum::EnumSchema;
use crate::diag::{self, Errors};
use crate::fallback::{self, Stub};
use crate::metadata;
use crate::types::{self, Shape};

/// The struct, as darling reads it.
#[derive(FromDeriveInput)]
#[darling(attributes(config), supports(struct_named))]
struct ConfigInput {
    ident: syn::Ident,
    generics: syn::Generics,
    data: darling::ast::Data<(), ConfigFieldInput>,
    /// `#[config(metadata = "path")]`
    metadata: Option<syn::LitStr>,
    /// `#[config(metadata_source = "yaml")]`
    metadata_source: Option<syn::LitStr>,
    /// `#[config(crate = path)]`
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

/// One field, as darling reads it.
#[derive(FromField)]
#[darling(attributes(config))]
struct ConfigFieldInput {
    ident: Option<syn::Ident>,
    ty: syn::Type,
    /// `#[config(name = "option-name")]`
    name: Option<syn::LitStr>,
    /// `#[config(validate = path::to::fn)]`
    validate: Option<syn::Path>,
}

/// How a checked field converts its option's value.
enum Conversion {
    /// `FromConfigValue`, implemented by the runtime for this type.
    Known,
    /// `FromStr`
    FromStr,
    /// `TryFrom<i64>`
    TryFromInt,
    /// `TryFrom<f64>`
    TryFromFloat,
    /// `TryFrom<bool>`
    TryFromBool,
}

/// The struct, parsed: what the later stages read.
struct ConfigStruct {
    ident: syn::Ident,
    /// Where the metadata is and what `ops_runtime` is called.
    args: CharmArgs,
    fields: Vec<ConfigFieldInput>,
}

/// A field checked against its option.
struct Field<'a> {
    input: &'a ConfigFieldInput,
    ident: &'a syn::Ident,
    option: &'a ConfigOption,
    optional: bool,
    /// The field's type without `Option<...>`.
    value_ty: &'a syn::Type,
    conversion: Conversion,
}

/// Expands `#[derive(CharmConfig)]`: parse, check, generate. On an error after
/// parsing, the errors and a stub impl, so the rest of the crate still compiles.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = match parse(input, &mut errors) {
        Ok(parsed) => parsed,
        Err(tokens) => return tokens,
    };
    let krate = parsed.args.krate();
    let loaded = match metadata::load(&parsed.args) {
        Ok(loaded) => loaded,
        Err(e) => {
            errors.push(e);
            return fallback::derive(Stub::Config, &parsed.ident, &krate, &errors);
        }
    };
    let fields = check(&parsed, &loaded.meta, &mut errors);
    if !errors.is_empty() {
        return fallback::derive(Stub::Config, &parsed.ident, &krate, &errors);
    }
    generate(&parsed.ident, &fields, &loaded.tracking(), &krate)
}

/// Reads the struct and its attributes; records a generic struct. `Err` is the
/// error output when the input is no struct the derive can read at all.
fn parse(input: TokenStream, errors: &mut Errors) -> Result<ConfigStruct, TokenStream> {
    let derive: syn::DeriveInput = syn::parse2(input).map_err(|e| e.to_compile_error())?;
    let parsed = ConfigInput::from_derive_input(&derive).map_err(|e| e.write_errors())?;
    if !parsed.generics.params.is_empty() {
        errors.spanned(
            &parsed.generics,
            "`#[derive(CharmConfig)]` does not support generic structs",
        );
    }
    let fields = match parsed.data {
        darling::ast::Data::Struct(s) => s.fields,
        darling::ast::Data::Enum(_) => Vec::new(),
    };
    Ok(ConfigStruct {
        args: CharmArgs::for_derive(parsed.metadata, parsed.metadata_source, parsed.krate),
        ident: parsed.ident,
        fields,
    })
}

/// Checks every field against the metadata, recording what is wrong; the
/// fields that passed.
fn check<'a>(
    parsed: &'a ConfigStruct,
    meta: &'a CharmMetadata,
    errors: &mut Errors,
) -> Vec<Field<'a>> {
    let checked: Vec<Field<'a>> = parsed
        .fields
        .iter()
        .filter_map(|f| check_field(f, meta, errors))
        .collect();
    check_duplicates(&checked, errors);
    checked
}

/// The impl of `CharmConfig` for checked fields, with the items that make Cargo
/// track the metadata, warn of needless `Option`s and check enum types.
fn generate(
    ident: &syn::Ident,
    fields: &[Field<'_>],
    tracking: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let warnings: TokenStream = fields.iter().filter_map(lint_needless_option).collect();
    let enum_checks: TokenStream = fields
        .iter()
        .filter_map(enum_schema)
        .map(|schema| crate::charm_enum::enum_check(&schema, krate))
        .collect();
    let body = from_config(fields, krate);
    quote! {
        impl #krate::__private::config::CharmConfig for #ident {
            fn from_config(
                __config: &#krate::__private::config::ConfigData,
            ) -> ::core::result::Result<Self, #krate::__private::config::ConfigError> {
                #body
            }
        }
        const _: () = {
            #tracking
            #warnings
            #enum_checks
        };
    }
}

/// Checks one field against the metadata; records what is wrong.
fn check_field<'a>(
    input: &'a ConfigFieldInput,
    meta: &'a CharmMetadata,
    errors: &mut Errors,
) -> Option<Field<'a>> {
    let ident = input.ident.as_ref()?;
    let option = find_option(input, ident, meta, errors)?;
    let (value_ty, optional) = match types::option_inner(&input.ty) {
        Some(inner) => (inner, true),
        None => (&input.ty, false),
    };
    let shape = Shape::of(value_ty);
    let conversion = match check_type(option, shape, value_ty) {
        Ok(c) => c,
        Err(message) => {
            errors.spanned(value_ty, message);
            return None;
        }
    };
    if option.default.is_none() && !optional {
        errors.spanned(
            &input.ty,
            format!(
                "option `{}` has no default, so it can be unset: make the field `Option<{}>`, or give the option a `default`",
                option.name,
                types::display(value_ty)
            ),
        );
        return None;
    }
    if let (Some(default), Shape::Int(name, min, max)) = (&option.default, shape)
        && let Some(value) = default.as_i64()
        && !(min..=max).contains(&i128::from(value))
    {
        errors.spanned(
            value_ty,
            format!(
                "the default `{value}` of option `{}` does not fit in `{name}` ({min}..={max}); use a wider integer type",
                option.name
            ),
        );
        return None;
    }
    if let (Some(ConfigValue::Float(x)), Shape::Float("f32")) = (&option.default, shape)
        && x.is_finite()
        && x.abs() > f64::from(f32::MAX)
    {
        errors.spanned(
            value_ty,
            format!(
                "the default `{x}` of option `{}` does not fit in `f32`; use `f64`",
                option.name
            ),
        );
        return None;
    }
    Some(Field {
        input,
        ident,
        option,
        optional,
        value_ty,
        conversion,
    })
}

/// The option a field names: `#[config(name)]`, or the field's name with `_` or `-`.
fn find_option<'m>(
    input: &ConfigFieldInput,
    ident: &syn::Ident,
    meta: &'m CharmMetadata,
    errors: &mut Errors,
) -> Option<&'m ConfigOption> {
    let (plain, kebab) = types::field_names(ident);
    let (wanted, span): (Vec<String>, proc_macro2::Span) = match &input.name {
        Some(name) => (vec![name.value()], name.span()),
        None => (vec![plain.clone(), kebab], ident.span()),
    };
    if let Some(option) = wanted.iter().find_map(|w| meta.config.get(w)) {
        return Some(option);
    }
    let given = &wanted[0];
    let names: Vec<String> = meta.config.keys().cloned().collect();
    let message = if names.is_empty() {
        format!(
            "unknown config option `{given}`: the charm declares no config options; add `{}` under `config.options` in charmcraft.yaml",
            given.replace('_', "-")
        )
    } else {
        let hint = diag::suggestion(given, &names);
        let hint = if hint.is_empty() {
            "; add it under `config.options` in charmcraft.yaml, or name the option with `#[config(name = \"...\")]`".to_owned()
        } else {
            hint
        };
        format!("unknown config option `{given}`{hint}")
    };
    errors.error(span, message);
    None
}

/// Whether a field of `shape` can hold the option's values, and how to convert.
fn check_type(option: &ConfigOption, shape: Shape, ty: &syn::Type) -> Result<Conversion, String> {
    let name = &option.name;
    let kind = option.kind.as_str();
    let found = shape.describe(ty);
    match (option.kind, shape) {
        (_, Shape::Reference) => Err(format!(
            "config fields own their values: use `String` (or another owned type) instead of {found}"
        )),
        (ConfigType::String, Shape::Str) => Ok(Conversion::Known),
        (ConfigType::String, Shape::Other) => Ok(Conversion::FromStr),
        (ConfigType::Int, Shape::Int(..)) => Ok(Conversion::Known),
        (ConfigType::Int, Shape::Other) => Ok(Conversion::TryFromInt),
        (ConfigType::Float, Shape::Float(_)) => Ok(Conversion::Known),
        (ConfigType::Float, Shape::Other) => Ok(Conversion::TryFromFloat),
        (ConfigType::Boolean, Shape::Bool) => Ok(Conversion::Known),
        (ConfigType::Boolean, Shape::Other) => Ok(Conversion::TryFromBool),
        (ConfigType::Secret, Shape::Secret) => Ok(Conversion::Known),
        (ConfigType::Secret, Shape::Str) => Err(format!(
            "option `{name}` is a `secret`: its value is a secret id, so type the field `SecretId`, not `String`"
        )),
        (ConfigType::String, _) => Err(format!(
            "option `{name}` is a `string`, which {found} cannot hold; use `String` or a type implementing `FromStr`, or declare the option with the type you mean"
        )),
        (ConfigType::Int, _) => Err(format!(
            "option `{name}` is an `int`, which {found} cannot hold; use an integer type such as `i64`, or a type implementing `TryFrom<i64>`"
        )),
        (ConfigType::Float, _) => Err(format!(
            "option `{name}` is a `float`, which {found} cannot hold; use `f64`, or a type implementing `TryFrom<f64>`"
        )),
        (ConfigType::Boolean, _) => Err(format!(
            "option `{name}` is a `boolean`, which {found} cannot hold; use `bool`"
        )),
        (ConfigType::Secret, _) => Err(format!(
            "option `{name}` is a `{kind}`, which {found} cannot hold; use `SecretId`"
        )),
    }
}

fn check_duplicates(fields: &[Field<'_>], errors: &mut Errors) {
    for (i, field) in fields.iter().enumerate() {
        if let Some(first) = fields[..i]
            .iter()
            .find(|f| f.option.name == field.option.name)
        {
            errors.error(
                field.ident.span(),
                format!(
                    "option `{}` is already read by field `{}`",
                    field.option.name, first.ident
                ),
            );
        }
    }
}

/// The `enum` a field of a type other than `String` is checked against: a
/// `string` option's `enum` list of strings (a key Juju itself ignores, which
/// documents the values the charm accepts).
fn enum_schema<'a>(field: &Field<'a>) -> Option<EnumSchema<'a>> {
    let option = field.option;
    if option.kind != ConfigType::String || Shape::of(field.value_ty) != Shape::Other {
        return None;
    }
    let values = string_enum(option)?;
    Some(EnumSchema {
        field: field.ident,
        ty: field.value_ty,
        what: format!("option `{}`", option.name),
        path: format!("config.options.{}.enum", option.name),
        values,
    })
}

/// A `string` option's `enum` list, when it is a list of strings.
fn string_enum(option: &ConfigOption) -> Option<Vec<String>> {
    if option.kind != ConfigType::String {
        return None;
    }
    option
        .extra
        .get("enum")?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// A warning (through a deprecated item, the one warning a derive can raise on
/// stable Rust) for an `Option<T>` field whose option always has a value.
fn lint_needless_option(field: &Field<'_>) -> Option<TokenStream> {
    if !field.optional || field.option.default.is_none() {
        return None;
    }
    let note = format!(
        "option `{}` has a default, so it always has a value: the field need not be an `Option`",
        field.option.name
    );
    // Named after the field, as the warning names this constant.
    let name = field.ident;
    let ty = &field.input.ty;
    Some(quote_spanned! {ty.span()=>
        #[deprecated(note = #note)]
        #[allow(non_upper_case_globals)]
        const #name: () = ();
        let _ = #name;
    })
}

/// The body of `from_config`.
fn from_config(fields: &[Field<'_>], krate: &syn::Path) -> TokenStream {
    let c = quote!(#krate::__private::config);
    if fields.is_empty() {
        return quote!(::core::result::Result::Ok(Self {}));
    }
    let vars: Vec<syn::Ident> = (0..fields.len())
        .map(|i| format_ident!("__f{}", i))
        .collect();
    let reads = fields.iter().zip(&vars).map(|(f, var)| {
        let option = &f.option.name;
        let ty = f.value_ty;
        let allowed = (Shape::of(ty) == Shape::Str)
            .then(|| string_enum(f.option))
            .flatten();
        let convert = match (&f.conversion, allowed) {
            (Conversion::Known, Some(values)) => {
                quote!(|__v| #c::one_of(__v, &[#(#values),*]))
            }
            (Conversion::Known, None) => quote!(#c::known::<#ty>),
            // Spanned at the field's type, through a local name, so a missing
            // `FromStr`/`TryFrom` impl is reported on the field.
            (Conversion::FromStr, _) => quote_spanned!(ty.span()=> __ops_from_str::<#ty>),
            (Conversion::TryFromInt, _) => quote_spanned!(ty.span()=> __ops_try_from_int::<#ty>),
            (Conversion::TryFromFloat, _) => {
                quote_spanned!(ty.span()=> __ops_try_from_float::<#ty>)
            }
            (Conversion::TryFromBool, _) => quote_spanned!(ty.span()=> __ops_try_from_bool::<#ty>),
        };
        let convert = match &f.input.validate {
            // Called directly, so deref coercion applies (`fn(&str)` checks a `String`).
            Some(check) => quote! {
                |__v| #convert(__v).and_then(|__x| match #check(&__x) {
                    ::core::result::Result::Ok(()) => ::core::result::Result::Ok(__x),
                    ::core::result::Result::Err(__e) => ::core::result::Result::Err(::std::string::ToString::to_string(&__e)),
                })
            },
            None => quote!(#convert),
        };
        let read = if f.optional {
            quote_spanned!(ty.span()=> __ops_optional)
        } else {
            quote_spanned!(ty.span()=> __ops_required)
        };
        quote_spanned!(ty.span()=> let #var = #read(__config, #option, #convert);)
    });
    let idents: Vec<&syn::Ident> = fields.iter().map(|f| f.ident).collect();
    let assembled = types::assemble(&vars, &idents, &quote!(#c::collect));
    quote! {
        #[allow(unused_imports)]
        use #c::{
            from_str as __ops_from_str, optional as __ops_optional, required as __ops_required,
            try_from_bool as __ops_try_from_bool, try_from_float as __ops_try_from_float,
            try_from_int as __ops_try_from_int,
        };
        #(#reads)*
        #assembled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_checked_and_errors_get_the_stub() {
        let out = expand(quote! {
            #[config(metadata_source = "name: demo\nconfig:\n  options:\n    port: {type: int, default: 80}\n")]
            struct Settings {
                prot: i64,
                port: String,
            }
        })
        .to_string();
        let first = out.find("unknown config option `prot`; did you mean `port`?");
        let second = out.find("option `port` is an `int`, which `String` cannot hold");
        assert!(
            first.is_some() && second.is_some() && first < second,
            "{out}"
        );
        assert!(out.contains("reported errors at compile time"), "{out}");
        assert!(!out.contains("__ops_required"), "{out}");
    }

    #[test]
    fn checked_fields_generate_from_config() {
        let out = expand(quote! {
            #[config(metadata_source = "name: demo\nconfig:\n  options:\n    port: {type: int, default: 80}\n")]
            struct Settings {
                port: u16,
            }
        })
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("__ops_required (__config , \"port\""), "{out}");
    }
}
