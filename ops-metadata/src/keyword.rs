//! Closed sets of keywords written in the metadata (`scope: container`, `type: int`, …).

/// A closed set of keywords, parsed from the metadata.
pub(crate) trait Keyword: Sized {
    /// Every keyword, in declaration order.
    const KEYWORDS: &'static [&'static str];

    /// The variant written as `keyword`, if any.
    fn from_keyword(keyword: &str) -> Option<Self>;
}

/// Declares a fieldless enum whose variants are written as fixed keywords, with `ALL`,
/// `as_str`, a [`Keyword`] impl, `Display` and a `Serialize` that writes the keyword.
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident => $keyword:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The keyword as written in charm metadata.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $keyword,)+
                }
            }
        }

        impl $crate::keyword::Keyword for $name {
            const KEYWORDS: &'static [&'static str] = &[$($keyword),+];

            fn from_keyword(keyword: &str) -> Option<Self> {
                match keyword {
                    $($keyword => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

pub(crate) use keyword_enum;
