//! A simulated Langfuse v3 public API: `/api/public/health`, the metrics query API at
//! `/api/public/metrics` (answering the queries llmmon makes, in Langfuse's row shape:
//! `<aggregation>_<measure>` keys, counts as strings, latencies in ms), and
//! `/api/public/v2/scores`. Requests without Basic credentials get Langfuse's 401.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{refused, Authorized, Credentials, Upstreams};
use crate::fleet::LANGFUSE_VERSION;
use llmmon_readings::langfuse::{LangfuseReading, QUANTILES};

/// The service's own check: Basic credentials, else its 401.
/// The proxy's credentials check, as the handlers' extractor.
pub struct LangfuseKey;

impl Credentials for LangfuseKey {
    const SCHEME: &'static str = "Basic ";

    fn refusal() -> Value {
        json!({"message": "Invalid credentials. Confirm that you've configured the correct host."})
    }
}

type Auth = Authorized<LangfuseKey>;

fn reading(up: &Upstreams) -> Option<LangfuseReading> {
    up.sim.langfuse_reading((up.clock)()).ok()
}

pub async fn health(State(up): State<Upstreams>) -> Response {
    match reading(&up) {
        Some(_) => Json(json!({"status": "OK", "version": LANGFUSE_VERSION})).into_response(),
        None => refused(),
    }
}

fn dims(q: &Value) -> Vec<String> {
    q["dimensions"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|x| x["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub async fn metrics(
    State(up): State<Upstreams>,
    _: Auth,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(r) = reading(&up) else {
        return refused();
    };
    let Some(q) = params
        .get("query")
        .and_then(|q| serde_json::from_str::<Value>(q).ok())
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"message": "Invalid query", "error": "InvalidRequestError"})),
        )
            .into_response();
    };
    let view = q["view"].as_str().unwrap_or_default();
    let dims = dims(&q);
    let dims: Vec<&str> = dims.iter().map(String::as_str).collect();
    let rows: Vec<Value> = match (view, dims.as_slice()) {
        ("observations", []) => vec![json!({"count_count": (r.models.iter().map(|m| m.observations).sum::<f64>()).to_string()})],
        ("traces", []) => vec![json!({"count_count": r.daily_traces.unwrap_or_default().to_string()})],
        ("observations", ["providedModelName", "level"]) => r
            .models
            .iter()
            .flat_map(|m| {
                let ok = m.observations - m.error_observations;
                [
                    json!({"providedModelName": m.model, "level": "DEFAULT", "count_count": ok.to_string(),
                           "sum_inputTokens": m.input_tokens.to_string(), "sum_outputTokens": m.output_tokens.to_string(),
                           "sum_totalCost": m.cost_usd}),
                    json!({"providedModelName": m.model, "level": "ERROR", "count_count": m.error_observations.to_string(),
                           "sum_inputTokens": "0", "sum_outputTokens": "0", "sum_totalCost": 0}),
                ]
            })
            .collect(),
        ("observations", ["providedModelName"]) => r
            .models
            .iter()
            .filter(|m| m.latency_s.iter().any(Option::is_some))
            .map(|m| {
                let mut row = json!({"providedModelName": m.model});
                let ms = |v: Option<f64>| v.map_or(0.0, |s| s * 1000.0);
                for (i, (_, p)) in QUANTILES.iter().enumerate() {
                    row[format!("{p}_latency")] = json!(ms(m.latency_s[i]));
                    row[format!("{p}_timeToFirstToken")] = json!(ms(m.ttft_s[i]));
                }
                row
            })
            .collect(),
        (_, ["userId"]) => r
            .users
            .iter()
            .map(|u| json!({"userId": u.user, "count_count": u.traces.to_string(), "sum_totalCost": u.cost_usd}))
            .collect(),
        _ => {
            return (StatusCode::BAD_REQUEST, Json(json!({"message": "Unsupported query", "error": "InvalidRequestError"})))
                .into_response()
        }
    };
    Json(json!({ "data": rows })).into_response()
}

/// Samples whose p50 / p95 / p99 are the given quantiles (piecewise-linear in between).
fn samples(quantiles: [f64; 3], n: usize) -> Vec<f64> {
    let [p50, p95, p99] = quantiles;
    let low = (p50 - (p95 - p50)).max(0.0);
    let points = [(0.0, low), (0.5, p50), (0.95, p95), (0.99, p99), (1.0, p99)];
    (0..n)
        .map(|i| {
            let q = i as f64 / (n - 1).max(1) as f64;
            let w = points
                .windows(2)
                .find(|w| q <= w[1].0)
                .unwrap_or(&points[3..5]);
            let f = if w[1].0 > w[0].0 {
                (q - w[0].0) / (w[1].0 - w[0].0)
            } else {
                0.0
            };
            w[0].1 + f * (w[1].1 - w[0].1)
        })
        .collect()
}

pub async fn scores(
    State(up): State<Upstreams>,
    _: Auth,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(r) = reading(&up) else {
        return refused();
    };
    let page: usize = params
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1);
    let limit: usize = params
        .get("limit")
        .and_then(|p| p.parse().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let all: Vec<Value> = r
        .scores
        .iter()
        .flat_map(|s| {
            let n = (s.samples as usize).clamp(2, 60);
            samples(s.quantiles, n).into_iter().enumerate().map(move |(i, v)| {
                json!({"id": format!("{}-{i}", s.name), "name": s.name, "value": v, "dataType": "NUMERIC", "source": "EVAL"})
            })
        })
        .collect();
    let total_pages = all.len().div_ceil(limit);
    let data: Vec<Value> = all
        .iter()
        .skip((page - 1) * limit)
        .take(limit)
        .cloned()
        .collect();
    Json(json!({"data": data, "meta": {"page": page, "limit": limit, "totalItems": all.len(), "totalPages": total_pages}}))
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthesised_samples_keep_their_quantiles() {
        let v = samples([0.8, 0.9, 0.95], 101);
        assert!((v[50] - 0.8).abs() < 1e-9);
        assert!((v[95] - 0.9).abs() < 1e-9);
        assert!((v[99] - 0.95).abs() < 1e-9);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }
}
