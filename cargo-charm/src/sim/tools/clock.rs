//! Times as the tools take and print them: RFC 3339 in UTC, and Go durations.

use std::time::{SystemTime, UNIX_EPOCH};

use ops_runtime::hook_tools::time::days_from_civil;

/// Seconds since the Unix epoch, now.
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

/// `secs` since the epoch as RFC 3339 in UTC: `2026-01-31T04:05:06Z`.
pub(super) fn rfc3339(secs: i64) -> String {
    ops_runtime::hook_tools::time::rfc3339(secs)
}

/// `--expire` as `secret-add` takes it: RFC 3339, the same without a zone (UTC), or a
/// positive Go duration from now (`24h`, `1h30m`). Seconds since the epoch.
pub(super) fn parse_expire(spec: &str) -> Option<i64> {
    parse_time(spec).or_else(|| {
        let secs = parse_duration(spec)?;
        (secs > 0.0).then(|| now() + secs.ceil() as i64)
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.frac][Z|±HH:MM]`, as seconds since the epoch.
fn parse_time(text: &str) -> Option<i64> {
    let number = |part: &str, len: usize| -> Option<i64> {
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (date, time) = text.split_once('T')?;
    let mut date = date.split('-');
    let (year, month, day) = (
        number(date.next()?, 4)?,
        number(date.next()?, 2)?,
        number(date.next()?, 2)?,
    );
    if date.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let clock = time.get(..8)?;
    let mut rest = time.get(8..)?;
    let mut parts = clock.split(':');
    let (hour, minute, second) = (
        number(parts.next()?, 2)?,
        number(parts.next()?, 2)?,
        number(parts.next()?, 2)?,
    );
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (hours, minutes) = rest.get(1..)?.split_once(':')?;
            sign * (number(hours, 2)? * 3600 + number(minutes, 2)? * 60)
        }
    };
    Some(
        days_from_civil(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?) * 86_400
            + hour * 3600
            + minute * 60
            + second
            - offset,
    )
}

/// A Go duration (`300ms`, `1.5h`, `2h45m`) in seconds.
fn parse_duration(text: &str) -> Option<f64> {
    let (sign, mut rest) = match text.as_bytes().first()? {
        b'-' => (-1.0, &text[1..]),
        b'+' => (1.0, &text[1..]),
        _ => (1.0, text),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(at, _)| at);
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * scale;
    }
    Some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let secs = parse_time("2026-11-25T04:00:00Z").unwrap();
        assert_eq!(rfc3339(secs), "2026-11-25T04:00:00Z");
        assert_eq!(parse_time("2026-11-25T06:00:00.5+02:00"), Some(secs));
        assert_eq!(parse_time("2026-11-25T04:00:00"), Some(secs));
        assert_eq!(
            parse_time("2024-02-29T00:00:00Z").map(rfc3339).as_deref(),
            Some("2024-02-29T00:00:00Z")
        );
        assert_eq!(parse_time("tomorrow"), None);
    }

    #[test]
    fn durations_are_gos() {
        assert_eq!(parse_duration("1h30m"), Some(5400.0));
        assert_eq!(parse_duration("1.5h"), Some(5400.0));
        assert_eq!(parse_duration("300ms"), Some(0.3));
        assert_eq!(parse_duration("10"), None);
        assert_eq!(parse_duration("5d"), None);
        assert!(parse_expire("-1h").is_none());
        assert!(parse_expire("24h").is_some_and(|at| at > now()));
    }
}
