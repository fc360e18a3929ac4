//! Times on the `announce` command line: RFC 3339, `2026-12-01 22:00` or `2026-12-01`
//! (UTC), `now`, or `+2h` / `in 2h` from now (the ages of `llmmon logs`, forward).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use crate::logs::time::parse_age;

/// A time on the command line that is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a time: use RFC 3339 (2026-12-01T22:00:00Z), '2026-12-01 22:00' (UTC), a \
     date, 'now' or '+2h'"
)]
pub struct NotATime(pub String);

pub fn parse(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, NotATime> {
    let s = s.trim();
    if s == "now" {
        return Ok(now);
    }
    let ahead = s.strip_prefix('+').or_else(|| s.strip_prefix("in "));
    if let Some(age) = ahead.and_then(|a| parse_age(a.trim())) {
        return Ok(now + chrono::Duration::nanoseconds(age));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    if let Some(t) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(t.and_utc());
    }
    Err(NotATime(s.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let at = |s| parse(s, now).map(|t| t.to_rfc3339());
        assert_eq!(at("now"), Ok(now.to_rfc3339()));
        assert_eq!(at("+1h30m"), Ok("2026-11-25T13:30:00+00:00".into()));
        assert_eq!(at("in 2d"), Ok("2026-11-27T12:00:00+00:00".into()));
        assert_eq!(
            at("2026-12-01 22:00"),
            Ok("2026-12-01T22:00:00+00:00".into())
        );
        assert_eq!(at("2026-12-01"), Ok("2026-12-01T00:00:00+00:00".into()));
        assert_eq!(
            at("2026-12-01T22:00:00+02:00"),
            Ok("2026-12-01T20:00:00+00:00".into())
        );
        assert!(at("tomorrow")
            .expect_err("bad")
            .to_string()
            .contains("RFC 3339"));
    }
}
