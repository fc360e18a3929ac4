//! The Langfuse source over its public API (Basic auth: public key as user, secret key as
//! password). Langfuse v3 answers the metrics query API at `/api/public/metrics`, v4 at
//! `/api/public/v2/metrics` (same query JSON; v4 has no `traces` view). Servers without a
//! query API (v2) give today's totals from the legacy `/api/public/metrics/daily`; their
//! latency, error and user breakdowns are then left out, not zeroed.
//!
//! Query rows name metrics `<aggregation>_<measure>` (`count_count`, `sum_totalCost`,
//! `p95_latency`); 64-bit numbers arrive as JSON strings; latencies are milliseconds.
//! A `429` is honoured: no request goes out before its `Retry-After` has passed.
//!
//! `/api/public/health` says whether Langfuse answers (the role's `source_up`); the metrics
//! API's totals (`metrics`), trace count (`traces`, v3), latency percentiles (`latency`),
//! the per-user breakdown (`users`) and the scores API (`scores`) are each reported as `…_endpoint_up{source="langfuse",
//! endpoint}`: scores or latency failing never zero the traces.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{LangfuseReading, LangfuseSource, ModelDay, ScoreDistribution, UserDay, QUANTILES};
use llmmon_core::payload::{self, items, lenient, number, optional_items, record};
use llmmon_core::source::{Endpoints, SourceError};
use llmmon_core::upstream::{Auth, Response, Transport};

/// Most pages of scores read per collection (100 scores a page).
pub const MAX_SCORE_PAGES: u32 = 3;
/// Users asked for by name; the rest become `other` when rendered.
const USER_ROWS: u32 = 50;

/// Which metrics query API the server has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QueryApi {
    V1,
    V2,
    None,
}

pub struct LangfuseHttpSource {
    pub base_url: String,
    pub auth: Auth,
    pub transport: std::sync::Arc<dyn Transport>,
    pub timeout: Duration,
    /// Where "today" comes from (fixed in tests).
    pub clock: llmmon_core::clock::Clock,
    /// Unix time before which no request may go out (after a 429).
    quiet_until: Mutex<f64>,
}

impl LangfuseHttpSource {
    pub fn new(
        base_url: &str,
        auth: Auth,
        transport: std::sync::Arc<dyn Transport>,
        timeout: Duration,
    ) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            transport,
            timeout,
            clock: llmmon_core::clock::wall_clock(),
            quiet_until: Mutex::new(0.0),
        }
    }

    /// The same source reading "today" from `clock`.
    pub fn with_clock(mut self, clock: llmmon_core::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// GET an API path. After a `429` nothing goes out before its `Retry-After` has passed:
    /// the API answers "rate limited" without a request.
    async fn get(&self, path: &str) -> Result<Response, SourceError> {
        let now = (self.clock)();
        let quiet = *self.quiet_until.lock().unwrap_or_else(|e| e.into_inner());
        if now < quiet {
            return Err(SourceError::Unavailable(format!(
                "rate limited; retrying after {:.0} s",
                quiet - now
            )));
        }
        let url = format!("{}{path}", self.base_url);
        let resp = self.transport.get(&url, &self.auth, self.timeout).await?;
        if resp.status == 429 {
            let wait = resp.retry_after.unwrap_or(60.0);
            *self.quiet_until.lock().unwrap_or_else(|e| e.into_inner()) = now + wait;
            return Err(SourceError::Unavailable(format!(
                "rate limited; retrying after {wait:.0} s"
            )));
        }
        Ok(resp)
    }

    async fn json<T: DeserializeOwned + Default>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, SourceError> {
        let resp = self.get(path).await?.ok(what)?;
        payload::parse(&resp.body).map_err(|e| SourceError::Malformed(format!("{what}: {e}")))
    }

    /// Runs one metrics query; `Ok(None)` when this API does not exist (404).
    async fn query(&self, api: QueryApi, q: &Value) -> Result<Option<Vec<QueryRow>>, SourceError> {
        let path = match api {
            QueryApi::V1 => "/api/public/metrics",
            QueryApi::V2 => "/api/public/v2/metrics",
            QueryApi::None => return Ok(None),
        };
        let encoded: String = url_encode(&q.to_string());
        let resp = self.get(&format!("{path}?query={encoded}")).await?;
        if resp.status == 404 || resp.status == 501 {
            return Ok(None);
        }
        let resp = resp.ok("metrics query")?;
        let v: QueryPage = payload::parse(&resp.body)
            .map_err(|e| SourceError::Malformed(format!("metrics query: {e}")))?;
        v.data
            .map(Some)
            .ok_or_else(|| SourceError::Malformed("metrics query: no data array".into()))
    }

    async fn detect(&self, day: &(String, String)) -> Result<QueryApi, SourceError> {
        let probe = json!({
            "view": "observations", "dimensions": [], "metrics": [{"measure": "count", "aggregation": "count"}],
            "filters": [], "timeDimension": null, "fromTimestamp": day.0, "toTimestamp": day.1, "orderBy": null
        });
        for api in [QueryApi::V1, QueryApi::V2] {
            if self.query(api, &probe).await?.is_some() {
                return Ok(api);
            }
        }
        Ok(QueryApi::None)
    }
}

/// Percent-encodes a query parameter value.
fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Millisecond quantiles (in [`QUANTILES`] order) in seconds; None stays None (absent is not
/// zero).
fn seconds(ms: [Option<f64>; 3]) -> [Option<f64>; 3] {
    ms.map(|v| v.map(|ms| ms / 1000.0))
}

/// `/api/public/health`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Health {
    #[serde(deserialize_with = "lenient")]
    version: Option<String>,
}

/// A metrics query's answer: None where `data` is not an array.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct QueryPage {
    #[serde(deserialize_with = "optional_items")]
    data: Option<Vec<QueryRow>>,
}

/// One row of a metrics query: the dimensions and `<aggregation>_<measure>` metrics asked
/// for; latencies in milliseconds.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct QueryRow {
    #[serde(deserialize_with = "lenient")]
    provided_model_name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    level: Option<String>,
    #[serde(deserialize_with = "lenient")]
    user_id: Option<String>,
    #[serde(rename = "count_count", deserialize_with = "number")]
    count: Option<f64>,
    #[serde(rename = "sum_inputTokens", deserialize_with = "number")]
    input_tokens: Option<f64>,
    #[serde(rename = "sum_outputTokens", deserialize_with = "number")]
    output_tokens: Option<f64>,
    #[serde(rename = "sum_totalCost", deserialize_with = "number")]
    total_cost: Option<f64>,
    #[serde(rename = "p50_latency", deserialize_with = "number")]
    p50_latency_ms: Option<f64>,
    #[serde(rename = "p95_latency", deserialize_with = "number")]
    p95_latency_ms: Option<f64>,
    #[serde(rename = "p99_latency", deserialize_with = "number")]
    p99_latency_ms: Option<f64>,
    #[serde(rename = "p50_timeToFirstToken", deserialize_with = "number")]
    p50_ttft_ms: Option<f64>,
    #[serde(rename = "p95_timeToFirstToken", deserialize_with = "number")]
    p95_ttft_ms: Option<f64>,
    #[serde(rename = "p99_timeToFirstToken", deserialize_with = "number")]
    p99_ttft_ms: Option<f64>,
}

impl QueryRow {
    /// `p50` / `p95` / `p99` of `latency`, milliseconds.
    fn latency_ms(&self) -> [Option<f64>; 3] {
        [
            self.p50_latency_ms,
            self.p95_latency_ms,
            self.p99_latency_ms,
        ]
    }

    /// `p50` / `p95` / `p99` of `timeToFirstToken`, milliseconds.
    fn ttft_ms(&self) -> [Option<f64>; 3] {
        [self.p50_ttft_ms, self.p95_ttft_ms, self.p99_ttft_ms]
    }
}

/// The legacy `/api/public/metrics/daily` (Langfuse v2).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct LegacyDaily {
    #[serde(deserialize_with = "items")]
    data: Vec<LegacyDay>,
}

/// One day of the legacy daily metrics.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct LegacyDay {
    #[serde(deserialize_with = "lenient")]
    date: Option<String>,
    #[serde(deserialize_with = "number")]
    count_traces: Option<f64>,
    #[serde(deserialize_with = "items")]
    usage: Vec<LegacyUsage>,
}

/// One model's usage in a legacy day (v3 may list a model twice).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct LegacyUsage {
    #[serde(deserialize_with = "lenient")]
    model: Option<String>,
    #[serde(deserialize_with = "number")]
    count_observations: Option<f64>,
    #[serde(deserialize_with = "number")]
    input_usage: Option<f64>,
    #[serde(deserialize_with = "number")]
    output_usage: Option<f64>,
    #[serde(deserialize_with = "number")]
    total_cost: Option<f64>,
}

/// One page of `/api/public/v2/scores`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ScorePage {
    #[serde(deserialize_with = "items")]
    data: Vec<Score>,
    #[serde(deserialize_with = "record")]
    meta: ScoreMeta,
}

/// One numeric score (its value a JSON number).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Score {
    #[serde(deserialize_with = "lenient")]
    name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    value: Option<f64>,
}

/// A scores page's `meta`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ScoreMeta {
    #[serde(deserialize_with = "number")]
    total_pages: Option<f64>,
}

fn iso(t: f64) -> String {
    chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

fn query_json(
    view: &str,
    dims: &[&str],
    metrics: &[(&str, &str)],
    filters: Value,
    from: &str,
    to: &str,
) -> Value {
    json!({
        "view": view,
        "dimensions": dims.iter().map(|d| json!({"field": d})).collect::<Vec<_>>(),
        "metrics": metrics.iter().map(|(m, a)| json!({"measure": m, "aggregation": a})).collect::<Vec<_>>(),
        "filters": filters,
        "timeDimension": null,
        "fromTimestamp": from,
        "toTimestamp": to,
        "orderBy": null,
    })
}

#[async_trait]
impl LangfuseSource for LangfuseHttpSource {
    async fn read(&self) -> Result<LangfuseReading, SourceError> {
        let now = (self.clock)();
        // Health is asked even while rate limited: it says whether Langfuse answers.
        let url = format!("{}/api/public/health", self.base_url);
        let health = self
            .transport
            .get(&url, &self.auth, self.timeout)
            .await?
            .ok("GET /api/public/health")?;
        let version = payload::parse::<Health>(&health.body)
            .ok()
            .and_then(|h| h.version);
        let day = (iso((now / 86_400.0).floor() * 86_400.0), iso(now));
        let mut reading = LangfuseReading {
            version,
            ..LangfuseReading::default()
        };
        let mut endpoints = Endpoints::default();
        match self.detect(&day).await {
            Ok(QueryApi::None) => {
                let legacy = self.read_legacy_daily(&mut reading, &day.0).await;
                endpoints.take("metrics", legacy);
            }
            Ok(api) => {
                self.read_queries(api, &mut reading, &day, now, &mut endpoints)
                    .await
            }
            Err(e) => {
                endpoints.take("metrics", Err::<(), _>(e));
            }
        }
        reading.scores = endpoints
            .take("scores", self.read_scores(now - 3600.0).await)
            .unwrap_or_default();
        reading.endpoints = endpoints;
        Ok(reading)
    }
}

impl LangfuseHttpSource {
    /// Today's totals (`metrics`), the last hour's latency (`latency`) and the users
    /// (`users`), each query on its own.
    async fn read_queries(
        &self,
        api: QueryApi,
        r: &mut LangfuseReading,
        day: &(String, String),
        now: f64,
        endpoints: &mut Endpoints,
    ) {
        let generations =
            json!([{ "column": "type", "operator": "=", "value": "GENERATION", "type": "string" }]);
        let totals = query_json(
            "observations",
            &["providedModelName", "level"],
            &[
                ("count", "count"),
                ("inputTokens", "sum"),
                ("outputTokens", "sum"),
                ("totalCost", "sum"),
            ],
            generations.clone(),
            &day.0,
            &day.1,
        );
        let mut models: BTreeMap<String, ModelDay> = BTreeMap::new();
        let totals = endpoints.take("metrics", self.query(api, &totals).await);
        for row in totals.iter().flatten().flatten() {
            let Some(name) = row.provided_model_name.as_deref() else {
                continue;
            };
            let m = models.entry(name.to_owned()).or_insert_with(|| ModelDay {
                model: name.to_owned(),
                ..ModelDay::default()
            });
            let count = row.count.unwrap_or_default();
            m.observations += count;
            m.input_tokens += row.input_tokens.unwrap_or_default();
            m.output_tokens += row.output_tokens.unwrap_or_default();
            m.cost_usd += row.total_cost.unwrap_or_default();
            if row.level.as_deref() == Some("ERROR") {
                m.error_observations += count;
            }
        }
        let hour = (iso(now - 3600.0), day.1.clone());
        let percentiles: Vec<(&str, &str)> = ["latency", "timeToFirstToken"]
            .iter()
            .flat_map(|m| QUANTILES.iter().map(move |(_, p)| (*m, *p)))
            .collect();
        let latency = query_json(
            "observations",
            &["providedModelName"],
            &percentiles,
            generations,
            &hour.0,
            &hour.1,
        );
        let latency = endpoints.take("latency", self.query(api, &latency).await);
        for row in latency.iter().flatten().flatten() {
            let Some(m) = row
                .provided_model_name
                .as_deref()
                .and_then(|n| models.get_mut(n))
            else {
                continue;
            };
            m.latency_s = seconds(row.latency_ms());
            // Embedding and rerank calls have no first token.
            let ttft = seconds(row.ttft_ms());
            if ttft.iter().flatten().any(|v| *v > 0.0) {
                m.ttft_s = ttft;
            }
        }
        r.models = models.into_values().collect();
        // v3 counts traces per user; v4 has no traces view, so generations stand in.
        let view = if api == QueryApi::V1 {
            "traces"
        } else {
            "observations"
        };
        let mut users = query_json(
            view,
            &["userId"],
            &[("count", "count"), ("totalCost", "sum")],
            json!([]),
            &day.0,
            &day.1,
        );
        users["orderBy"] = json!([{ "field": "count_count", "direction": "desc" }]);
        users["config"] = json!({ "row_limit": USER_ROWS });
        let users = endpoints.take("users", self.query(api, &users).await);
        r.users = users
            .iter()
            .flatten()
            .flatten()
            .filter_map(|row| {
                Some(UserDay {
                    user: row.user_id.clone().filter(|u| !u.is_empty())?,
                    cost_usd: row.total_cost.unwrap_or_default(),
                    traces: row.count.unwrap_or_default(),
                })
            })
            .collect();
        r.daily_traces = if api == QueryApi::V1 {
            let traces = query_json(
                "traces",
                &[],
                &[("count", "count")],
                json!([]),
                &day.0,
                &day.1,
            );
            let count = self.query(api, &traces).await.map(|rows| {
                rows.unwrap_or_default()
                    .first()
                    .map_or(0.0, |row| row.count.unwrap_or_default())
            });
            endpoints.take("traces", count)
        } else {
            users.map(|_| r.users.iter().map(|u| u.traces).sum())
        };
    }

    async fn read_legacy_daily(
        &self,
        r: &mut LangfuseReading,
        today: &str,
    ) -> Result<(), SourceError> {
        let v: LegacyDaily = self
            .json(
                &format!(
                    "/api/public/metrics/daily?fromTimestamp={}&limit=1",
                    url_encode(today)
                ),
                "GET /api/public/metrics/daily",
            )
            .await?;
        let Some(day) = v.data.iter().find(|x| x.date.as_deref() == today.get(..10)) else {
            return Ok(());
        };
        r.daily_traces = Some(day.count_traces.unwrap_or_default());
        let mut models: BTreeMap<String, ModelDay> = BTreeMap::new();
        // v3 may list a model twice: sum by model.
        for u in &day.usage {
            let Some(name) = u.model.as_deref() else {
                continue;
            };
            let m = models.entry(name.to_owned()).or_insert_with(|| ModelDay {
                model: name.to_owned(),
                ..ModelDay::default()
            });
            m.observations += u.count_observations.unwrap_or_default();
            m.input_tokens += u.input_usage.unwrap_or_default();
            m.output_tokens += u.output_usage.unwrap_or_default();
            m.cost_usd += u.total_cost.unwrap_or_default();
        }
        r.models = models.into_values().collect();
        Ok(())
    }

    async fn read_scores(&self, since: f64) -> Result<Vec<ScoreDistribution>, SourceError> {
        let mut values: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for page in 1..=MAX_SCORE_PAGES {
            let path = format!(
                "/api/public/v2/scores?fromTimestamp={}&dataType=NUMERIC&limit=100&page={page}",
                url_encode(&iso(since))
            );
            let resp = self.get(&path).await?;
            if resp.status == 404 {
                break;
            }
            let v: ScorePage = payload::parse(&resp.ok("GET /api/public/v2/scores")?.body)
                .map_err(|e| SourceError::Malformed(format!("scores: {e}")))?;
            for s in v.data {
                if let (Some(name), Some(value)) = (s.name, s.value) {
                    values.entry(name).or_default().push(value);
                }
            }
            if v.meta.total_pages.unwrap_or_default() <= f64::from(page) {
                break;
            }
        }
        Ok(values
            .into_iter()
            .map(|(name, mut v)| {
                v.sort_by(f64::total_cmp);
                let at = |q: f64| v[(((v.len() - 1) as f64) * q).round() as usize];
                ScoreDistribution {
                    name,
                    quantiles: QUANTILES.map(|(q, _)| at(q)),
                    samples: v.len() as f64,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_rows_read_the_quantiles_that_are_asked_for() {
        assert_eq!(QUANTILES.map(|(_, p)| p), ["p50", "p95", "p99"]);
        let row: QueryRow = payload::from_object(json!({
            "p50_latency": "1000", "p95_latency": 2000, "p99_timeToFirstToken": 500,
            "count_count": "356"
        }));
        assert_eq!(seconds(row.latency_ms()), [Some(1.0), Some(2.0), None]);
        assert_eq!(seconds(row.ttft_ms()), [None, None, Some(0.5)]);
        assert_eq!(row.count, Some(356.0));
    }

    #[test]
    fn query_parameters_are_percent_encoded() {
        assert_eq!(url_encode(r#"{"a": 1}"#), "%7B%22a%22%3A+1%7D");
    }
}
