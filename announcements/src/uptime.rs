//! 90 days of each service's published status from Prometheus, one value per UTC day: the
//! share of that day's samples of `llm_monitor_service_status` (this service's own metric,
//! scraped by the stack's Prometheus) that said `operational`. For the status page's
//! uptime bars; no Prometheus, or one that fails, gives no history, never an error page.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use llmmon_core::schema;

/// Days in the history.
pub const DAYS: usize = 90;

/// How long the page waits for Prometheus.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The range query: per service and day, the share of samples that were `operational` (0
/// where there were samples but none operational; absent where there were none).
pub fn query() -> String {
    let st = schema::SERVICE_STATUS.name;
    let samples = format!("sum by (service) (count_over_time({st}[1d]))");
    format!(
        "(sum by (service) (sum_over_time({st}{{status=\"operational\"}}[1d])) or {samples} * 0) \
         / {samples}"
    )
}

/// Per service, the share of each day it was operational, oldest day first; `None` for a
/// day without samples.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    /// The last day of the history (today, UTC).
    pub last_day: NaiveDate,
    pub services: BTreeMap<String, Vec<Option<f64>>>,
}

impl History {
    /// The dates of the history, oldest first.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        (0..DAYS)
            .rev()
            .map(|back| self.last_day - Duration::days(back as i64))
    }
}

/// What the page knows of the past.
#[derive(Debug, Clone, PartialEq)]
pub enum Uptime {
    /// No Prometheus is configured.
    NotConfigured,
    /// Prometheus did not answer (yet): the page says so.
    Unavailable,
    Known(History),
}

/// The evaluation times of the query: the end of each of the last [`DAYS`] UTC days (the
/// last one is the end of today, so today counts the samples so far).
pub fn range(now: DateTime<Utc>) -> (i64, i64) {
    let today_end = now
        .date_naive()
        .succ_opt()
        .unwrap_or(now.date_naive())
        .and_hms_opt(0, 0, 0)
        .map_or(now.timestamp(), |t| t.and_utc().timestamp());
    let start = today_end - (DAYS as i64 - 1) * 86_400;
    (start, today_end)
}

/// The history in a `query_range` answer's `data.result` (a matrix), ending `now`'s day.
pub fn parse(matrix: &[serde_json::Value], now: DateTime<Utc>) -> History {
    let (start, _) = range(now);
    let mut services = BTreeMap::new();
    for series in matrix {
        let Some(service) = series["metric"]["service"].as_str() else {
            continue;
        };
        let mut days = vec![None; DAYS];
        for point in series["values"].as_array().into_iter().flatten() {
            let (Some(t), Some(v)) = (
                point[0].as_f64(),
                point[1].as_str().and_then(|v| v.parse::<f64>().ok()),
            ) else {
                continue;
            };
            let day = ((t as i64 - start) as f64 / 86_400.0).round();
            if (0.0..DAYS as f64).contains(&day) && v.is_finite() {
                days[day as usize] = Some(v.clamp(0.0, 1.0));
            }
        }
        services.insert(service.to_owned(), days);
    }
    History {
        last_day: now.date_naive(),
        services,
    }
}

pub use crate::prometheus::FetchError;

/// The history from `prometheus` at `now`, or why not.
pub async fn fetch(
    client: &reqwest::Client,
    prometheus: &str,
    now: DateTime<Utc>,
) -> Result<History, FetchError> {
    let (start, end) = range(now);
    let params = [
        ("query", query()),
        ("start", start.to_string()),
        ("end", end.to_string()),
        ("step", "86400".to_owned()),
    ];
    let rows = crate::prometheus::get(
        client,
        prometheus,
        "/api/v1/query_range",
        &params,
        "matrix",
        TIMEOUT,
    )
    .await?;
    Ok(parse(&rows, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::at;
    use serde_json::json;

    #[test]
    fn the_range_ends_at_the_end_of_today_and_spans_ninety_days() {
        let (start, end) = range(at("2026-11-25T13:45:00Z"));
        assert_eq!(end, at("2026-11-26T00:00:00Z").timestamp());
        assert_eq!((end - start) / 86_400, DAYS as i64 - 1);
    }

    #[test]
    fn points_land_on_their_day_and_days_without_samples_stay_unknown() {
        let now = at("2026-11-25T13:45:00Z");
        let (start, end) = range(now);
        let matrix = [json!({
            "metric": {"service": "litellm"},
            "values": [[start, "1"], [end - 86_400, "0.5"], [end, "0.25"]]
        })];
        let h = parse(&matrix, now);
        let days = &h.services["litellm"];
        assert_eq!(days.len(), DAYS);
        assert_eq!(days[0], Some(1.0));
        assert_eq!(days[DAYS - 2], Some(0.5));
        assert_eq!(days[DAYS - 1], Some(0.25));
        assert_eq!(days.iter().filter(|d| d.is_none()).count(), DAYS - 3);
        assert_eq!(h.days().last(), Some(now.date_naive()));
        assert_eq!(
            h.days().next(),
            Some(at("2026-08-28T00:00:00Z").date_naive())
        );
    }

    #[test]
    fn a_day_with_samples_but_none_operational_counts_as_zero() {
        let q = query();
        assert!(q.contains("status=\"operational\""), "{q}");
        assert!(q.contains(" * 0) / "), "{q}");
    }
}
