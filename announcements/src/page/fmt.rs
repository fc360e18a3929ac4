//! How the page writes times and shares: UTC, to the minute, inside `<time>` with the
//! machine-readable form; percentages to one decimal.

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use crate::model::rfc3339;

/// `2026-12-01 22:00 UTC`, as a `<time>`.
pub fn time(t: DateTime<Utc>) -> Markup {
    html! { time datetime=(rfc3339(t)) { (t.format("%Y-%m-%d %H:%M UTC")) } }
}

/// `2026-12-01`, as a `<time>`.
pub fn date(t: DateTime<Utc>) -> Markup {
    html! { time datetime=(rfc3339(t)) { (t.format("%Y-%m-%d")) } }
}

/// `99.9%` (never `100.0%` for a share below one).
pub fn percent(v: f64) -> String {
    let tenths = (v * 1000.0).floor() / 10.0;
    format!("{tenths:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::at;

    #[test]
    fn a_share_just_below_one_is_not_written_as_a_hundred_percent() {
        assert_eq!(percent(1.0), "100.0%");
        assert_eq!(percent(0.9999), "99.9%");
        assert_eq!(percent(0.0), "0.0%");
    }

    #[test]
    fn times_are_utc_to_the_minute_with_the_exact_time_for_machines() {
        let t = at("2026-12-01T22:00:30Z");
        assert_eq!(
            time(t).into_string(),
            "<time datetime=\"2026-12-01T22:00:30Z\">2026-12-01 22:00 UTC</time>"
        );
        assert_eq!(
            date(t).into_string(),
            "<time datetime=\"2026-12-01T22:00:30Z\">2026-12-01</time>"
        );
    }
}
