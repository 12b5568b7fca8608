//! `#[derive(CharmAction)]`: a struct whose fields are one action's params,
//! checked against `actions.<name>.params` in the charm's metadata.
//!
//! The three stages of `#[charm]`, kept apart: [`parse`] reads the struct and
//! the action's name (syntax only, no metadata), [`check`] resolves the action
//! and each field's param (everything that can fail), and [`generate`] writes
//! `from_params`, which cannot fail.

use darling::{FromDeriveInput, FromField};
use ops_metadata::{Action, ActionParam, CharmMetadata, ParamType};
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
#[darling(attributes(action), supports(struct_named, struct_unit))]
struct ActionInput {
    ident: syn::Ident,
    generics: syn::Generics,
    data: darling::ast::Data<(), ParamFieldInput>,
    /// `#[action(name = "do-backup")]`; default: the struct's name without a
    /// `Params`/`Action` suffix, in kebab-case.
    name: Option<syn::LitStr>,
    /// `#[action(metadata = "path")]`
    metadata: Option<syn::LitStr>,
    /// `#[action(metadata_source = "yaml")]`
    metadata_source: Option<syn::LitStr>,
    /// `#[action(crate = path)]`
    #[darling(rename = "crate")]
    krate: Option<syn::Path>,
}

/// One field, as darling reads it.
#[derive(FromField)]
#[darling(attributes(param))]
struct ParamFieldInput {
    ident: Option<syn::Ident>,
    ty: syn::Type,
    /// `#[param(name = "param-name")]`
    name: Option<syn::LitStr>,
}

/// The struct, parsed: what the later stages read.
struct ActionStruct {
    ident: syn::Ident,
    /// Where the metadata is and what `ops_runtime` is called.
    args: CharmArgs,
    /// The action's name, from `#[action(name)]` or the struct's name.
    name: String,
    /// Where the name is written: the literal, or the struct's name.
    name_span: proc_macro2::Span,
    /// Whether the name comes from the struct's name.
    name_derived: bool,
    fields: Vec<ParamFieldInput>,
}

/// The struct checked against its action.
struct Checked<'a> {
    action: &'a Action,
    fields: Vec<Field<'a>>,
}

/// A field checked against its param.
struct Field<'a> {
    input: &'a ParamFieldInput,
    ident: &'a syn::Ident,
    param: &'a ActionParam,
    optional: bool,
    value_ty: &'a syn::Type,
}

/// `BackupParams` and `BackupAction` name the action `backup`; `GetDbInfo`,
/// `get-db-info`.
fn default_action_name(ident: &syn::Ident) -> String {
    let name = ident.to_string();
    let stem = ["Params", "Parameters", "Action"]
        .iter()
        .find_map(|suffix| name.strip_suffix(suffix).filter(|s| !s.is_empty()))
        .unwrap_or(&name);
    let mut out = String::new();
    for (i, c) in stem.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Expands `#[derive(CharmAction)]`: parse, check, generate. On an error after
/// parsing, the errors and a stub impl, so the rest of the crate still compiles.
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = match parse(input, &mut errors) {
        Ok(parsed) => parsed,
        Err(tokens) => return tokens,
    };
    let krate = parsed.args.krate();
    let stub = Stub::Action { name: &parsed.name };
    let loaded = match metadata::load(&parsed.args) {
        Ok(loaded) => loaded,
        Err(e) => {
            errors.push(e);
            return fallback::derive(stub, &parsed.ident, &krate, &errors);
        }
    };
    match check(&parsed, &loaded.meta, &mut errors) {
        Some(checked) if errors.is_empty() => {
            generate(&parsed, &checked, &loaded.tracking(), &krate)
        }
        _ => fallback::derive(stub, &parsed.ident, &krate, &errors),
    }
}

/// Reads the struct, its attributes and the action's name; records a generic
/// struct. `Err` is the error output when the input is no struct the derive can
/// read at all.
fn parse(input: TokenStream, errors: &mut Errors) -> Result<ActionStruct, TokenStream> {
    let derive: syn::DeriveInput = syn::parse2(input).map_err(|e| e.to_compile_error())?;
    let parsed = ActionInput::from_derive_input(&derive).map_err(|e| e.write_errors())?;
    if !parsed.generics.params.is_empty() {
        errors.spanned(
            &parsed.generics,
            "`#[derive(CharmAction)]` does not support generic structs",
        );
    }
    let (name, name_span) = match &parsed.name {
        Some(lit) => (lit.value(), lit.span()),
        None => (default_action_name(&parsed.ident), parsed.ident.span()),
    };
    let fields = match parsed.data {
        darling::ast::Data::Struct(s) => s.fields,
        darling::ast::Data::Enum(_) => Vec::new(),
    };
    Ok(ActionStruct {
        args: CharmArgs::for_derive(parsed.metadata, parsed.metadata_source, parsed.krate),
        ident: parsed.ident,
        name,
        name_span,
        name_derived: parsed.name.is_none(),
        fields,
    })
}

/// Checks the action and every field against the metadata, recording what is
/// wrong. `None` when the action is not declared.
fn check<'a>(
    parsed: &'a ActionStruct,
    meta: &'a CharmMetadata,
    errors: &mut Errors,
) -> Option<Checked<'a>> {
    let Some(action) = meta.actions.get(&parsed.name) else {
        errors.error(
            parsed.name_span,
            unknown_action(&parsed.name, parsed.name_derived, meta),
        );
        return None;
    };
    let fields: Vec<Field<'a>> = parsed
        .fields
        .iter()
        .filter_map(|f| check_field(f, action, errors))
        .collect();
    for (i, field) in fields.iter().enumerate() {
        if let Some(first) = fields[..i]
            .iter()
            .find(|f| f.param.name == field.param.name)
        {
            errors.error(
                field.ident.span(),
                format!(
                    "parameter `{}` is already read by field `{}`",
                    field.param.name, first.ident
                ),
            );
        }
    }
    if errors.is_empty() {
        check_closed_schema(&fields, action, &parsed.ident, errors);
    }
    Some(Checked { action, fields })
}

/// The impl of `CharmAction` for a checked struct, with the items that make
/// Cargo track the metadata, warn of needless `Option`s and check enum types.
fn generate(
    parsed: &ActionStruct,
    checked: &Checked<'_>,
    tracking: &TokenStream,
    krate: &syn::Path,
) -> TokenStream {
    let Checked { action, fields } = checked;
    let ident = &parsed.ident;
    let name = &parsed.name;
    let warnings: TokenStream = fields
        .iter()
        .filter_map(|f| lint_needless_option(f, action))
        .collect();
    let enum_checks: TokenStream = fields
        .iter()
        .filter_map(|f| enum_schema(f, action))
        .map(|schema| crate::charm_enum::enum_check(&schema, krate))
        .collect();
    let body = from_params(fields, action, krate);
    let a = quote!(#krate::__private::action);
    quote! {
        impl #a::CharmAction for #ident {
            const NAME: &'static str = #name;
            fn from_params(
                __params: &#a::Map<::std::string::String, #a::Value>,
            ) -> ::core::result::Result<Self, #a::ParamsError> {
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

/// The `enum` a field of a type other than `String` is checked against: a
/// `string` param's list of strings.
fn enum_schema<'a>(field: &Field<'a>, action: &Action) -> Option<EnumSchema<'a>> {
    if field.param.kind != Some(ParamType::String) || Shape::of(field.value_ty) != Shape::Other {
        return None;
    }
    let values = field
        .param
        .enum_values
        .as_ref()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<Vec<String>>>()?;
    Some(EnumSchema {
        field: field.ident,
        ty: field.value_ty,
        what: format!("parameter `{}`", field.param.name),
        path: format!("actions.{}.params.{}.enum", action.name, field.param.name),
        values,
    })
}

/// With `additionalProperties: false` the struct describes the whole action, so a
/// required param that no field reads is a mistake: the user must pass it and the
/// handler never sees it.
fn check_closed_schema(
    fields: &[Field<'_>],
    action: &Action,
    ident: &syn::Ident,
    errors: &mut Errors,
) {
    if action.additional_properties != Some(false) {
        return;
    }
    for required in &action.required {
        if fields.iter().any(|f| &f.param.name == required) {
            continue;
        }
        let ty = action
            .params
            .get(required)
            .and_then(|p| p.kind)
            .map_or("T", |kind| match kind {
                ParamType::String => "String",
                ParamType::Integer => "i64",
                ParamType::Number => "f64",
                ParamType::Boolean => "bool",
                ParamType::Array => "Vec<T>",
                ParamType::Object | ParamType::Null => "T",
            });
        let field = field_for(required);
        errors.error(
            ident.span(),
            format!(
                "`{ident}` has no field for parameter `{required}`, which action `{}` requires (and it allows no other params): add a field `{field}: {ty}`, or remove `{required}` from `actions.{}.required`",
                action.name, action.name
            ),
        );
    }
}

/// How a field reading `param` is written: `log-level` as `log_level`, `type` as
/// `r#type`, a name that is no identifier with `#[param(name)]`.
fn field_for(param: &str) -> String {
    let snake = param.replace('-', "_");
    if syn::parse_str::<syn::Ident>(&snake).is_ok() {
        snake
    } else if syn::parse_str::<syn::Ident>(&format!("r#{snake}")).is_ok() {
        format!("r#{snake}")
    } else {
        format!("#[param(name = \"{param}\")] field")
    }
}

/// A warning (through a deprecated item, the one warning a derive can raise on
/// stable Rust) for an `Option<T>` field whose param is required: Juju refuses
/// to run the action without it, so the field is never `None`.
fn lint_needless_option(field: &Field<'_>, action: &Action) -> Option<TokenStream> {
    if !field.optional || !action.required.contains(&field.param.name) {
        return None;
    }
    let note = format!(
        "parameter `{}` is required, so Juju never runs the action without it: make the field `{}`, not an `Option`",
        field.param.name,
        types::display(field.value_ty)
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

fn unknown_action(name: &str, derived: bool, meta: &CharmMetadata) -> String {
    let names: Vec<String> = meta.actions.keys().cloned().collect();
    let how = if derived {
        " (named after the struct; set it with `#[action(name = \"...\")]`)"
    } else {
        ""
    };
    if names.is_empty() {
        return format!(
            "unknown action `{name}`{how}: the charm declares no actions; add `{name}` under `actions` in charmcraft.yaml"
        );
    }
    let hint = diag::suggestion(name, &names);
    let hint = if hint.is_empty() {
        "; add it under `actions` in charmcraft.yaml".to_owned()
    } else {
        hint
    };
    format!("unknown action `{name}`{how}{hint}")
}

/// Checks one field against its param; records what is wrong.
fn check_field<'a>(
    input: &'a ParamFieldInput,
    action: &'a Action,
    errors: &mut Errors,
) -> Option<Field<'a>> {
    let ident = input.ident.as_ref()?;
    let (plain, kebab) = types::field_names(ident);
    let (wanted, span) = match &input.name {
        Some(name) => (vec![name.value()], name.span()),
        None => (vec![plain, kebab], ident.span()),
    };
    let Some(param) = wanted.iter().find_map(|w| action.params.get(w)) else {
        let names: Vec<String> = action.params.keys().cloned().collect();
        let given = &wanted[0];
        let message = if names.is_empty() {
            format!(
                "unknown parameter `{given}`: action `{}` declares no params; add it under `actions.{}.params` in charmcraft.yaml",
                action.name, action.name
            )
        } else {
            let hint = diag::suggestion(given, &names);
            let hint = if hint.is_empty() {
                format!(
                    "; add it under `actions.{}.params` in charmcraft.yaml",
                    action.name
                )
            } else {
                hint
            };
            format!(
                "unknown parameter `{given}` of action `{}`{hint}",
                action.name
            )
        };
        errors.error(span, message);
        return None;
    };
    let (value_ty, optional) = match types::option_inner(&input.ty) {
        Some(inner) => (inner, true),
        None => (&input.ty, false),
    };
    if let Err(message) = check_type(param, Shape::of(value_ty), value_ty) {
        errors.spanned(value_ty, message);
        return None;
    }
    let required = action.required.contains(&param.name);
    if !optional && !required && param.default.is_none() {
        errors.spanned(
            &input.ty,
            format!(
                "parameter `{}` is optional and has no default, so it can be absent: make the field `Option<{}>`, list it under `actions.{}.required`, or give it a `default`",
                param.name,
                types::display(value_ty),
                action.name
            ),
        );
        return None;
    }
    Some(Field {
        input,
        ident,
        param,
        optional,
        value_ty,
    })
}

fn check_type(param: &ActionParam, shape: Shape, ty: &syn::Type) -> Result<(), String> {
    let Some(kind) = param.kind else {
        return Ok(());
    };
    let found = shape.describe(ty);
    let name = &param.name;
    let ok = match (kind, shape) {
        (_, Shape::Other) => true,
        (_, Shape::Reference) => {
            return Err(format!(
                "action params are owned values: use `String` (or another owned type) instead of {found}"
            ));
        }
        (ParamType::String, Shape::Str) => true,
        (ParamType::Integer, Shape::Int(..) | Shape::Float(_)) => true,
        (ParamType::Number, Shape::Float(_)) => true,
        (ParamType::Boolean, Shape::Bool) => true,
        (ParamType::Array, Shape::Vec) => true,
        (ParamType::Null, _) => true,
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let fix = match kind {
        ParamType::String => "use `String`, or an enum or newtype implementing `Deserialize`",
        ParamType::Integer => "use an integer type such as `i64`",
        ParamType::Number => "use `f64` (a `number` may be fractional)",
        ParamType::Boolean => "use `bool`",
        ParamType::Array => "use a `Vec<_>`",
        ParamType::Object => "use a struct or map implementing `Deserialize`",
        ParamType::Null => "use `()`",
    };
    Err(format!(
        "parameter `{name}` is of type `{kind}`, which {found} cannot hold; {fix}"
    ))
}

/// The body of `from_params`.
fn from_params(fields: &[Field<'_>], action: &Action, krate: &syn::Path) -> TokenStream {
    let a = quote!(#krate::__private::action);
    if fields.is_empty() {
        return quote!(::core::result::Result::Ok(Self {}));
    }
    let vars: Vec<syn::Ident> = (0..fields.len())
        .map(|i| format_ident!("__f{}", i))
        .collect();
    let reads = fields.iter().zip(&vars).map(|(f, var)| {
        let name = &f.param.name;
        let ty = f.value_ty;
        let allowed = match (&f.param.enum_values, Shape::of(ty)) {
            (Some(values), Shape::Str) => {
                let values = values.iter().filter_map(|v| v.as_str());
                quote!(::core::option::Option::Some(&[#(#values),*]))
            }
            _ => quote!(::core::option::Option::None),
        };
        let read = quote_spanned!(ty.span()=> #a::param::<#ty>(__params, #name, #allowed));
        let absent = match (&f.param.default, f.optional, action.required.contains(&f.param.name)) {
            (_, true, _) => quote!(::core::result::Result::Ok(::core::option::Option::None)),
            (Some(default), false, _) => {
                let json = default.to_string();
                quote!(#a::default_value::<#ty>(#json, #name).map(::core::option::Option::Some))
            }
            (None, false, _) => quote!(::core::result::Result::Err(#a::missing(#name))),
        };
        let finish = if f.optional {
            quote!(::core::result::Result::Ok(__v))
        } else {
            quote! {
                match __v {
                    ::core::option::Option::Some(__v) => ::core::result::Result::Ok(__v),
                    ::core::option::Option::None => ::core::result::Result::Err(#a::missing(#name)),
                }
            }
        };
        quote! {
            let #var = match #read {
                ::core::result::Result::Ok(::core::option::Option::Some(__v)) => ::core::result::Result::Ok(::core::option::Option::Some(__v)),
                ::core::result::Result::Ok(::core::option::Option::None) => #absent,
                ::core::result::Result::Err(__e) => ::core::result::Result::Err(__e),
            }
            .and_then(|__v| #finish);
        }
    });
    let idents: Vec<&syn::Ident> = fields.iter().map(|f| f.ident).collect();
    let assembled = types::assemble(&vars, &idents, &quote!(#a::collect));
    quote! {
        #(#reads)*
        #assembled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_from_struct_names() {
        let name =
            |s: &str| default_action_name(&syn::Ident::new(s, proc_macro2::Span::call_site()));
        assert_eq!(name("BackupParams"), "backup");
        assert_eq!(name("GetDbInfoAction"), "get-db-info");
        assert_eq!(name("Restore"), "restore");
        assert_eq!(name("Params"), "params");
    }

    #[test]
    fn an_undeclared_action_gets_the_stub_under_its_name() {
        let out = expand(quote! {
            #[action(metadata_source = "name: demo\nactions:\n  backup: {}\n")]
            struct RestoreParams {}
        })
        .to_string();
        assert!(out.contains("unknown action `restore`"), "{out}");
        assert!(out.contains("= \"restore\""), "{out}");
        assert!(out.contains("reported errors at compile time"), "{out}");
    }

    #[test]
    fn checked_params_generate_from_params() {
        let out = expand(quote! {
            #[action(metadata_source = "name: demo\nactions:\n  backup:\n    params:\n      target: {type: string}\n    required: [target]\n")]
            struct BackupParams {
                target: String,
            }
        })
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("fn from_params"), "{out}");
        assert!(out.contains("= \"backup\""), "{out}");
    }
}
