//! Rust enums for params and options whose schema lists their values under `enum`.

use std::fmt;
use std::marker::PhantomData;

/// A Rust enum whose variants are the values an action param or a config option
/// lists under `enum` in charmcraft.yaml, implemented with
/// `#[derive(CharmEnum)]`.
///
/// `#[derive(CharmAction)]` and `#[derive(CharmConfig)]` compare a field of such
/// a type with the schema's `enum` at compile time, in both directions: a variant
/// the schema does not list, and a listed value that no variant takes, are
/// compile errors on the field. A field of another type (not `String`) for a
/// param or option with `enum` is a compile error too, so the check cannot be
/// skipped by accident.
///
/// The derive also implements `FromStr`, `serde::Deserialize` and
/// `serde::Serialize` with the same values, so what the check compares is what the
/// field converts: do not derive serde's traits for the enum as well.
///
/// ```
/// use ops_runtime::CharmEnum;
///
/// #[derive(CharmEnum, Debug, PartialEq)]
/// enum Mode {
///     Writeback,
///     #[value(name = "readonly")]
///     ReadOnly,
/// }
///
/// assert_eq!(Mode::VALUES, ["writeback", "readonly"]);
/// assert_eq!("readonly".parse::<Mode>().ok(), Some(Mode::ReadOnly));
/// assert_eq!(Mode::Writeback.value(), "writeback");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` reads a param or option that lists its values under `enum`, but it does not implement `CharmEnum`",
    label = "derive `CharmEnum` for this enum, so its variants are checked against the schema's `enum`; or use `String`",
    note = "`#[derive(CharmEnum)]` replaces `#[derive(Deserialize)]` on the enum: it implements `FromStr`, `Deserialize` and `Serialize` with the values it checks"
)]
pub trait CharmEnum: Sized + 'static {
    /// Each variant's value as charmcraft.yaml writes it, in declaration order:
    /// the variant's name in kebab-case, or its `#[value(name = "...")]`.
    const VALUES: &'static [&'static str];

    /// The variant whose value is `value`.
    fn from_value(value: &str) -> Option<Self>;

    /// This variant's value.
    fn value(&self) -> &'static str;
}

/// A string that is none of a [`CharmEnum`]'s values (the error of its
/// `FromStr`). It does not quote the string, which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    expected: &'static [&'static str],
}

impl UnknownValue {
    /// The error for `T`.
    pub fn of<T: CharmEnum>() -> Self {
        Self {
            expected: T::VALUES,
        }
    }

    /// The values that would have been accepted.
    pub fn expected(&self) -> &'static [&'static str] {
        self.expected
    }
}

impl UnknownValue {
    /// "one of `a`, `b`".
    fn one_of(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("one of ")?;
        for (i, value) in self.expected.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{value}`")?;
        }
        Ok(())
    }
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected ")?;
        self.one_of(f)
    }
}

impl std::error::Error for UnknownValue {}

/// `FromStr` for a derived [`CharmEnum`].
#[doc(hidden)]
pub fn from_str<T: CharmEnum>(s: &str) -> Result<T, UnknownValue> {
    T::from_value(s).ok_or_else(UnknownValue::of::<T>)
}

/// `Deserialize` for a derived [`CharmEnum`]: a string that is one of its values.
#[doc(hidden)]
pub fn deserialize<'de, T: CharmEnum, D: serde::Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    struct ValueVisitor<T>(PhantomData<T>);

    impl<T: CharmEnum> serde::de::Visitor<'_> for ValueVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            UnknownValue::of::<T>().one_of(f)
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            // Not `unknown_variant`, which quotes the value: serde's
            // `invalid value: a string, expected one of ...` shape, which the
            // runtime's errors know to hold nothing of the value.
            T::from_value(v)
                .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Other("a string"), &self))
        }
    }

    d.deserialize_str(ValueVisitor(PhantomData))
}

/// `Serialize` for a derived [`CharmEnum`]: its value, as a string.
#[doc(hidden)]
pub fn serialize<T: CharmEnum, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.value())
}

/// A message built in a constant, for the compile-time checks the derives emit.
#[doc(hidden)]
pub struct ConstMessage {
    buf: [u8; 1024],
    len: usize,
}

impl ConstMessage {
    pub(crate) const fn new() -> Self {
        Self {
            buf: [0; 1024],
            len: 0,
        }
    }

    /// Appends `s`, cut at a character boundary when the buffer is full.
    pub(crate) const fn push(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() && self.len < self.buf.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        // Drop a character cut in half.
        while self.len > 0 && core::str::from_utf8(self.buf.split_at(self.len).0).is_err() {
            self.len -= 1;
        }
        self
    }

    /// Whether nothing is wrong.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The message.
    pub const fn as_str(&self) -> &str {
        match core::str::from_utf8(self.buf.split_at(self.len).0) {
            Ok(s) => s,
            Err(_) => "",
        }
    }
}

/// `prefix`, the values of `have` that `want` lacks (`` `a`, `b` ``), then
/// `suffix`; empty when `want` has them all.
#[doc(hidden)]
pub const fn missing(have: &[&str], want: &[&str], prefix: &str, suffix: &str) -> ConstMessage {
    let mut message = ConstMessage::new();
    let mut found = 0;
    let mut i = 0;
    while i < have.len() {
        if !crate::__private::contains(want, have[i]) {
            message = if found == 0 {
                message.push(prefix)
            } else {
                message.push(", ")
            };
            message = message.push("`").push(have[i]).push("`");
            found += 1;
        }
        i += 1;
    }
    if found > 0 {
        message = message.push(suffix);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_what_is_missing() {
        const M: ConstMessage = missing(&["a", "b", "c"], &["b"], "has ", ": fix");
        assert_eq!(M.as_str(), "has `a`, `c`: fix");
        assert!(missing(&["a"], &["a", "b"], "x", "y").is_empty());
    }

    #[test]
    fn cuts_at_a_character_boundary() {
        let long = "é".repeat(600);
        let message = ConstMessage::new().push("x").push(&long);
        assert_eq!(message.as_str().len(), 1023);
    }
}
