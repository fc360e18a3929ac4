//! Times of `llmmon logs`: Unix nanoseconds throughout, parsed from `--since` / `--until`
//! (RFC 3339, Unix seconds or an age such as `10m`), from Docker's line stamps and from
//! Loki's nanosecond strings, and written back as RFC 3339.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch.
pub type Nanos = i64;

/// Nanoseconds in one second.
pub const SECOND: Nanos = 1_000_000_000;

/// The current time.
pub fn now() -> Nanos {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| Nanos::try_from(d.as_nanos()).unwrap_or(Nanos::MAX))
}

/// A `--since` / `--until` that names no time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("'{0}' is out of range")]
    OutOfRange(String),
    #[error(
        "'{0}' is not a time: use RFC 3339 (2024-05-01T12:00:00Z), Unix seconds, or an age \
         such as 90s, 10m, 2h, 3d"
    )]
    NotATime(String),
}

/// `--since` / `--until` as clap parses them (ages count back from now).
pub fn parse_arg(s: &str) -> Result<Nanos, TimeError> {
    parse(s, now())
}

/// An RFC 3339 time, Unix seconds, or an age (`90s`, `10m`, `2h`, `3d`, `1w`, `1h30m`)
/// before `now`.
pub fn parse(s: &str, now: Nanos) -> Result<Nanos, TimeError> {
    let s = s.trim();
    if let Some(age) = parse_age(s) {
        return Ok(now.saturating_sub(age));
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return t
            .timestamp_nanos_opt()
            .ok_or_else(|| TimeError::OutOfRange(s.to_owned()));
    }
    if let Ok(secs) = s.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Ok((secs * SECOND as f64) as Nanos);
        }
    }
    Err(TimeError::NotATime(s.to_owned()))
}

/// An age made of number-unit pairs (`1h30m`), in nanoseconds.
pub fn parse_age(s: &str) -> Option<Nanos> {
    if s.is_empty() || !s.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&i| i > 0)?;
        let value: f64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let seconds = match unit {
            's' => 1.0,
            'm' => 60.0,
            'h' => 3600.0,
            'd' => 86_400.0,
            'w' => 604_800.0,
            _ => return None,
        };
        total += value * seconds;
        rest = &rest[digits + unit.len_utf8()..];
    }
    Some((total * SECOND as f64) as Nanos)
}

/// The time at the start of a Docker log line (`2024-05-01T12:00:00.123456789Z text`) and
/// the text after it.
pub fn split_docker_stamp(raw: &str) -> (Option<Nanos>, &str) {
    match raw.split_once(' ') {
        Some((stamp, text)) => match chrono::DateTime::parse_from_rfc3339(stamp) {
            Ok(t) => (t.timestamp_nanos_opt(), text),
            Err(_) => (None, raw),
        },
        None => match chrono::DateTime::parse_from_rfc3339(raw) {
            Ok(t) => (t.timestamp_nanos_opt(), ""),
            Err(_) => (None, raw),
        },
    }
}

/// `t` as RFC 3339 in UTC with nanoseconds (`2024-05-01T12:00:00.000000001Z`).
pub fn rfc3339(t: Nanos) -> String {
    chrono::DateTime::from_timestamp_nanos(t).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// `t` as RFC 3339 in UTC to the second, for messages.
pub fn rfc3339_seconds(t: Nanos) -> String {
    chrono::DateTime::from_timestamp_nanos(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Whole seconds at or before `t` (Docker's `since` / `until` take seconds).
pub fn floor_seconds(t: Nanos) -> i64 {
    t.div_euclid(SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Nanos = 1_714_564_800 * SECOND; // 2024-05-01T12:00:00Z

    #[test]
    fn ages_count_back_from_now() {
        assert_eq!(parse("10m", NOW), Ok(NOW - 600 * SECOND));
        assert_eq!(parse("2h", NOW), Ok(NOW - 7200 * SECOND));
        assert_eq!(parse("3d", NOW), Ok(NOW - 3 * 86_400 * SECOND));
        assert_eq!(parse("1h30m", NOW), Ok(NOW - 5400 * SECOND));
        assert_eq!(parse("1.5s", NOW), Ok(NOW - 1_500_000_000));
    }

    #[test]
    fn absolute_times_and_bad_input() {
        assert_eq!(parse("2024-05-01T12:00:00Z", 0), Ok(NOW));
        assert_eq!(
            parse("2024-05-01T14:00:00.5+02:00", 0),
            Ok(NOW + SECOND / 2)
        );
        assert_eq!(parse("1714564800", 0), Ok(NOW));
        for bad in [
            "",
            "10x",
            "m10",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "1h-3m",
        ] {
            let err = parse(bad, NOW).expect_err(bad).to_string();
            assert!(err.contains("RFC 3339") && err.contains("10m"), "{err}");
        }
    }

    #[test]
    fn docker_stamps_and_rfc3339_round_trip() {
        let (t, text) = split_docker_stamp("2024-05-01T12:00:00.000000007Z hello world");
        assert_eq!((t, text), (Some(NOW + 7), "hello world"));
        assert_eq!(split_docker_stamp("no stamp here"), (None, "no stamp here"));
        assert_eq!(split_docker_stamp("2024-05-01T12:00:00Z"), (Some(NOW), ""));
        assert_eq!(rfc3339(NOW + 7), "2024-05-01T12:00:00.000000007Z");
        assert_eq!(floor_seconds(NOW + SECOND - 1), NOW / SECOND);
    }
}
