//! RFC 3339 timestamps, as Pebble reports and accepts them.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hook_tools::time::{civil_from_days, days_from_civil};

/// A point in time from Pebble (a change's spawn time, a notice's last
/// occurrence, a file's modification time), with nanosecond precision.
///
/// Pebble writes RFC 3339 timestamps (`2026-11-23T19:05:51.180519621Z`); this
/// type parses them, whatever their UTC offset, and prints them in UTC the way
/// Go's `time.RFC3339Nano` does, so a timestamp read from one notice can be
/// sent back as the `after` filter of the next query.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use ops_runtime::pebble::Timestamp;
///
/// let t: Timestamp = "1970-01-01T01:00:01.5+01:00".parse().unwrap();
/// assert_eq!(SystemTime::from(t), SystemTime::UNIX_EPOCH + Duration::from_millis(1500));
/// assert_eq!(t.to_string(), "1970-01-01T00:00:01.5Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(SystemTime);

/// A string that is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid RFC 3339 timestamp `{0}`")]
pub struct TimestampError(String);

impl Timestamp {
    /// The current time.
    pub fn now() -> Self {
        Self(SystemTime::now())
    }

    /// Whole seconds and nanoseconds since the Unix epoch (negative before it).
    fn unix(self) -> (i64, u32) {
        match self.0.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => (after.as_secs() as i64, after.subsec_nanos()),
            Err(before) => {
                let before = before.duration();
                let (secs, nanos) = (before.as_secs() as i64, before.subsec_nanos());
                if nanos == 0 {
                    (-secs, 0)
                } else {
                    (-secs - 1, 1_000_000_000 - nanos)
                }
            }
        }
    }

    fn from_unix(secs: i64, nanos: u32) -> Self {
        let base = if secs >= 0 {
            SystemTime::UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        Self(base + Duration::from_nanos(u64::from(nanos)))
    }
}

impl From<SystemTime> for Timestamp {
    fn from(time: SystemTime) -> Self {
        Self(time)
    }
}

impl From<Timestamp> for SystemTime {
    fn from(timestamp: Timestamp) -> Self {
        timestamp.0
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, nanos) = self.unix();
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let second_of_day = secs.rem_euclid(86_400);
        write!(
            f,
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse(text.as_bytes()).ok_or_else(|| TimestampError(text.to_owned()))
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
fn parse(s: &[u8]) -> Option<Timestamp> {
    fn number(digits: &[u8]) -> Option<u32> {
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits.iter().try_fold(0u32, |n, d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    }
    if s.len() < 20 || s[4] != b'-' || s[7] != b'-' || s[13] != b':' || s[16] != b':' {
        return None;
    }
    if !matches!(s[10], b'T' | b't' | b' ') {
        return None;
    }
    let year = number(&s[0..4])?;
    let month = number(&s[5..7])?;
    let day = number(&s[8..10])?;
    let (hour, minute, second) = (
        number(&s[11..13])?,
        number(&s[14..16])?,
        number(&s[17..19])?,
    );
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, digit) in fraction[..len].iter().enumerate().take(9) {
            nanos += u32::from(digit - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &fraction[len..];
    }
    let offset_secs: i64 = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = i64::from(number(&[*h1, *h2])?);
            let minutes = i64::from(number(&[*m1, *m2])?);
            let offset = hours * 3600 + minutes * 60;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Some(Timestamp::from_unix(secs, nanos))
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::types::from_str_with(deserializer, |text| {
            text.parse()
                .map_err(|e: <Self as std::str::FromStr>::Err| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_pebble_timestamps() {
        for text in [
            "2026-11-23T19:05:51.180519621Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.5Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
        ] {
            let t: Timestamp = text.parse().unwrap();
            assert_eq!(t.to_string(), text);
        }
    }

    #[test]
    fn applies_offsets() {
        let a: Timestamp = "2026-11-23T21:05:51+02:00".parse().unwrap();
        let b: Timestamp = "2026-11-23T19:05:51Z".parse().unwrap();
        assert_eq!(a, b);
        let c: Timestamp = "2026-11-23T14:35:51-04:30".parse().unwrap();
        assert_eq!(c, b);
    }

    #[test]
    fn rejects_garbage() {
        for text in [
            "",
            "2026-11-23",
            "2026-13-01T00:00:00Z",
            "2026-11-23T19:05:51",
            "2026-11-23T19:05:51.Z",
            "x026-11-23T19:05:51Z",
        ] {
            assert!(text.parse::<Timestamp>().is_err(), "{text}");
        }
    }
}
