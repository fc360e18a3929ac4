//! Property-based fuzzing of `llmmon logs --since` / `--until` time parsing (RFC 3339, Unix
//! seconds, ages such as `1h30m`): no panic on any text, ages count back from now and never
//! past it, and every time we write (RFC 3339 with nanoseconds) reads back exactly.
//! `PROPTEST_CASES` sets the inputs per target (small by default); `scripts/fuzz.sh` runs
//! a million.

use llmmon::logs::time::{parse, parse_age, rfc3339, Nanos, SECOND};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::fuzz::fuzz;

const NOW: Nanos = 1_714_564_800 * SECOND; // 2024-05-01T12:00:00Z

/// Text that looks like a time more often than not.
fn time_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9.smhdwTZ:+ -]{0,24}",
        "\\PC{0,16}",
        "[0-9]{1,30}(\\.[0-9]{0,12})?[smhdw]?([0-9]{1,6}[smhdwy])?",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
        any::<f64>().prop_map(|v| v.to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
    ]
}

#[test]
fn since_parsing_takes_any_text() {
    fuzz("since_text", 3_000, time_text(), |s| {
        if let Some(age) = parse_age(s.trim()) {
            prop_assert!(age >= 0, "negative age {age}");
            prop_assert_eq!(parse(&s, NOW), Ok(NOW.saturating_sub(age)));
        }
        if let Ok(t) = parse(&s, NOW) {
            // Whatever was read can be shown and read back.
            let shown = rfc3339(t);
            prop_assert_eq!(parse(&shown, NOW), Ok(t), "{}", shown);
        }
        Ok(())
    });
}

#[test]
fn ages_count_back_exactly() {
    let units = vec![
        ('s', 1i64),
        ('m', 60),
        ('h', 3600),
        ('d', 86_400),
        ('w', 604_800),
    ];
    let age = (0u32..10_000, prop::sample::select(units));
    fuzz("since_age", 3_000, age, |(n, (unit, secs))| {
        let t =
            parse(&format!("{n}{unit}"), NOW).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Ages are added up in f64 nanoseconds: exact below 2^53 ns (104 days), within a
        // microsecond up to the 190 years asked here.
        let expected = NOW - i64::from(n) * secs * SECOND;
        prop_assert!((t - expected).abs() <= 1_000, "{} vs {}", t, expected);
        Ok(())
    });
}

#[test]
fn written_times_read_back() {
    fuzz("since_rfc3339", 3_000, any::<i64>(), |t| {
        let shown = rfc3339(t);
        prop_assert_eq!(parse(&shown, NOW), Ok(t), "{}", shown);
        Ok(())
    });
}
