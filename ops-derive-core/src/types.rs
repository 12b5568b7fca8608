//! What the macros can tell about a field's Rust type from its syntax alone.

/// The shape of a field's type, as far as syntax shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A primitive integer, with its range.
    Int(&'static str, i128, i128),
    /// `f32` or `f64`.
    Float(&'static str),
    /// `bool`
    Bool,
    /// `String`
    Str,
    /// `SecretId`
    Secret,
    /// `Vec<_>`
    Vec,
    /// A reference (`&str`, `&T`).
    Reference,
    /// Anything else: a newtype, an enum, a map: checked by rustc through a trait.
    Other,
}

impl Shape {
    /// The shape of `ty`.
    pub(crate) fn of(ty: &syn::Type) -> Self {
        match ty {
            syn::Type::Reference(_) => Shape::Reference,
            syn::Type::Paren(p) => Shape::of(&p.elem),
            syn::Type::Group(g) => Shape::of(&g.elem),
            syn::Type::Path(p) if p.qself.is_none() => {
                let Some(last) = p.path.segments.last() else {
                    return Shape::Other;
                };
                let name = last.ident.to_string();
                if name == "Vec" {
                    return Shape::Vec;
                }
                if !last.arguments.is_empty() {
                    return Shape::Other;
                }
                match name.as_str() {
                    "i8" => Shape::Int("i8", i8::MIN.into(), i8::MAX.into()),
                    "i16" => Shape::Int("i16", i16::MIN.into(), i16::MAX.into()),
                    "i32" => Shape::Int("i32", i32::MIN.into(), i32::MAX.into()),
                    "i64" | "isize" => Shape::Int(
                        if name == "i64" { "i64" } else { "isize" },
                        i64::MIN.into(),
                        i64::MAX.into(),
                    ),
                    "i128" => Shape::Int("i128", i128::MIN, i128::MAX),
                    "u8" => Shape::Int("u8", 0, u8::MAX.into()),
                    "u16" => Shape::Int("u16", 0, u16::MAX.into()),
                    "u32" => Shape::Int("u32", 0, u32::MAX.into()),
                    "u64" | "usize" => Shape::Int(
                        if name == "u64" { "u64" } else { "usize" },
                        0,
                        u64::MAX.into(),
                    ),
                    "u128" => Shape::Int("u128", 0, i128::MAX),
                    "f32" => Shape::Float("f32"),
                    "f64" => Shape::Float("f64"),
                    "bool" => Shape::Bool,
                    "String" => Shape::Str,
                    "SecretId" => Shape::Secret,
                    _ => Shape::Other,
                }
            }
            _ => Shape::Other,
        }
    }

    /// How the type is named in messages.
    pub(crate) fn describe(self, ty: &syn::Type) -> String {
        format!("`{}`", display(ty))
    }
}

/// A type as the user would write it (`Option<u16>`, `&'static str`).
pub(crate) fn display(ty: &syn::Type) -> String {
    quote::quote!(#ty)
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& ", "&")
}

/// The end of a generated `from_config`/`from_params`: `Self` when every field
/// converted, otherwise every field's error through `collect`.
pub(crate) fn assemble(
    vars: &[syn::Ident],
    idents: &[&syn::Ident],
    collect: &proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    quote::quote! {
        match (#(#vars,)*) {
            (#(::core::result::Result::Ok(#vars),)*) => ::core::result::Result::Ok(Self { #(#idents: #vars),* }),
            (#(#vars,)*) => ::core::result::Result::Err(#collect([#(#vars.err()),*])),
        }
    }
}

/// `T` when `ty` is `Option<T>`.
pub(crate) fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(syn::GenericArgument::Type(inner)) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

/// The metadata spelling of a field: `log_level` becomes `log-level`; a raw
/// identifier loses its `r#`.
pub(crate) fn field_names(ident: &syn::Ident) -> (String, String) {
    let plain = ident.to_string().trim_start_matches("r#").to_owned();
    let kebab = plain.replace('_', "-");
    (plain, kebab)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(src: &str) -> Shape {
        Shape::of(&syn::parse_str(src).expect("a type"))
    }

    #[test]
    fn shapes() {
        assert_eq!(shape("u8"), Shape::Int("u8", 0, 255));
        assert_eq!(shape("std::string::String"), Shape::Str);
        assert_eq!(shape("f32"), Shape::Float("f32"));
        assert_eq!(shape("&'static str"), Shape::Reference);
        assert_eq!(shape("Vec<String>"), Shape::Vec);
        assert_eq!(shape("Slug"), Shape::Other);
        assert_eq!(shape("ops_runtime::SecretId"), Shape::Secret);
        let ty: syn::Type = syn::parse_str("Option<u16>").expect("a type");
        assert_eq!(display(&ty), "Option<u16>");
        let reference: syn::Type =
            syn::parse_str("&'static std::vec::Vec<(u8, u16)>").expect("a type");
        assert_eq!(display(&reference), "&'static std::vec::Vec<(u8, u16)>");
        assert_eq!(
            option_inner(&ty).map(Shape::of),
            Some(Shape::Int("u16", 0, 65535))
        );
    }
}
