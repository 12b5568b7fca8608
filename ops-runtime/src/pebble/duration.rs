//! Durations as Pebble writes and reads them: Go's `time.Duration` syntax.
//!
//! Pebble parses durations with Go's `time.ParseDuration` (`300ms`, `1.5s`,
//! `2h45m`) and prints them with `Duration.String()` (`500ms`, `1m0s`,
//! `1h0m0s`). [`format()`] prints exactly what Go prints, so a plan read from
//! Pebble and written back is unchanged; [`parse`] reads everything Go reads
//! except negative durations, which no Pebble field accepts.

use std::fmt;
use std::time::Duration;

/// A duration string that [`parse`] rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration `{input}`: {reason}")]
pub struct DurationError {
    input: String,
    reason: &'static str,
}

impl DurationError {
    fn new(input: &str, reason: &'static str) -> Self {
        Self {
            input: input.to_owned(),
            reason,
        }
    }
}

const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Formats `duration` as Go's `Duration.String()` does: `0s`, `1.5µs`,
/// `500ms`, `1.5s`, `1m0s`, `2h45m0s`.
///
/// ```
/// use std::time::Duration;
/// use ops_runtime::pebble::duration;
///
/// assert_eq!(duration::format(Duration::from_millis(500)), "500ms");
/// assert_eq!(duration::format(Duration::from_secs(90)), "1m30s");
/// assert_eq!(duration::format(Duration::from_millis(1500)), "1.5s");
/// ```
pub fn format(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < NANOS_PER_SEC {
        let (unit, precision) = if nanos < 1_000 {
            ("ns", 0)
        } else if nanos < 1_000_000 {
            ("µs", 3)
        } else {
            ("ms", 6)
        };
        return format!("{}{unit}", Fraction { nanos, precision });
    }
    let whole_secs = nanos / NANOS_PER_SEC;
    let seconds = Fraction {
        nanos: (whole_secs % 60) * NANOS_PER_SEC + nanos % NANOS_PER_SEC,
        precision: 9,
    };
    let minutes = whole_secs / 60 % 60;
    let hours = whole_secs / 3600;
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

/// `nanos / 10^precision` with its fractional digits, trailing zeros dropped.
struct Fraction {
    nanos: u128,
    precision: u32,
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = 10u128.pow(self.precision);
        let (int, frac) = (self.nanos / scale, self.nanos % scale);
        if frac == 0 {
            return write!(f, "{int}");
        }
        let digits = format!("{frac:0width$}", width = self.precision as usize);
        write!(f, "{int}.{}", digits.trim_end_matches('0'))
    }
}

/// Parses a Go duration string: a sequence of decimal numbers, each with an
/// optional fraction and a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), such as
/// `300ms`, `1.5h` or `2h45m`. A bare `0` is zero.
///
/// ```
/// use std::time::Duration;
/// use ops_runtime::pebble::duration;
///
/// assert_eq!(duration::parse("2h45m").unwrap(), Duration::from_secs(9900));
/// assert_eq!(duration::parse("4.000s").unwrap(), Duration::from_secs(4));
/// assert!(duration::parse("10").is_err()); // a unit is required
/// ```
pub fn parse(input: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError::new(input, reason);
    let mut rest = input.strip_prefix('+').unwrap_or(input);
    if let Some(negative) = rest.strip_prefix('-') {
        // Go reads `-0` as zero; anything else negative no Pebble field takes.
        return if negative == "0" {
            Ok(Duration::ZERO)
        } else {
            Err(err("negative durations are not allowed"))
        };
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(err("empty duration"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let int_len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (int_digits, after_int) = rest.split_at(int_len);
        let (frac_digits, after_number) = match after_int.strip_prefix('.') {
            Some(after_dot) => {
                let len = after_dot
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(after_dot.len());
                after_dot.split_at(len)
            }
            None => ("", after_int),
        };
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(err("expected a number"));
        }
        let unit_len = after_number
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after_number.len());
        let (unit, after_unit) = after_number.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SEC,
            "m" => 60 * NANOS_PER_SEC,
            "h" => 3600 * NANOS_PER_SEC,
            "" => return Err(err("missing unit")),
            _ => return Err(err("unknown unit")),
        };
        let int: u128 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse().map_err(|_| err("number too large"))?
        };
        let mut value = int
            .checked_mul(unit_nanos)
            .ok_or_else(|| err("number too large"))?;
        // The fraction, scaled by the unit, truncated to whole nanoseconds as Go does.
        let mut scale = unit_nanos;
        for digit in frac_digits.bytes() {
            if scale < 10 {
                break;
            }
            scale /= 10;
            value += u128::from(digit - b'0') * scale;
        }
        total = total
            .checked_add(value)
            .ok_or_else(|| err("number too large"))?;
        rest = after_unit;
    }
    let secs = u64::try_from(total / NANOS_PER_SEC).map_err(|_| err("number too large"))?;
    // The remainder is below 10^9, so it fits.
    let nanos = (total % NANOS_PER_SEC) as u32;
    Ok(Duration::new(secs, nanos))
}

/// Serde for `Option<Duration>` fields written as Go duration strings.
pub(crate) mod option {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer, de};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(duration) => serializer.serialize_str(&super::format(*duration)),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.is_empty() => Ok(None),
            Some(text) => super::parse(&text).map(Some).map_err(de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_micros(1_500), "1.5ms"),
            (Duration::from_secs(1), "1s"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_secs(60), "1m0s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_secs(9900), "2h45m0s"),
            (Duration::new(3723, 500_000_000), "1h2m3.5s"),
            (Duration::from_secs(168 * 3600), "168h0m0s"),
        ];
        for (duration, text) in cases {
            assert_eq!(format(duration), text, "{duration:?}");
            assert_eq!(parse(text), Ok(duration), "{text}");
        }
    }

    #[test]
    fn parses_go_syntax() {
        assert_eq!(parse("1.5h"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("300ms"), Ok(Duration::from_millis(300)));
        assert_eq!(parse("1h1m1s1ms1us1ns"), Ok(Duration::new(3661, 1_001_001)));
        assert_eq!(parse(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("1.s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse("+2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("-0"), Ok(Duration::ZERO));
        assert_eq!(parse("4.000s"), Ok(Duration::from_secs(4)));
        assert_eq!(parse("1.0000000001s"), Ok(Duration::from_secs(1)));
        for bad in [
            "",
            "1",
            "s",
            ".s",
            "1x",
            "-1s",
            "1.2.3s",
            "99999999999999999999999h",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
