//! A stand-in for Prometheus' HTTP API as the announcements service reads it. It answers
//! as Prometheus 2.x does: `{"status": "success", "data": {"resultType": "vector" | "matrix",
//! "result": [...]}}` with each sample `[seconds, "value"]`, the instant queries of status
//! derivation (`/api/v1/query`: vLLM state, exporters' `source_up`, endpoint errors, model
//! info) from a fleet description, and the uptime range query (`/api/v1/query_range`, at the
//! `start` / `end` / `step` asked) from a history per service. [`failing`] answers every call
//! with Prometheus' error shape (`{"status": "error", "errorType": ..., "error": ...}`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

/// One model a vLLM container serves.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: &'static str,
    /// vLLM state: ready, loading, unhealthy, stopped.
    pub state: &'static str,
    /// llm, embedding, reranker.
    pub model_type: &'static str,
    pub context_length: u64,
}

/// What the fake Prometheus knows.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    pub models: Vec<Model>,
    /// Services whose exporter reaches them (`source_up` 1) or not.
    pub services: Vec<(&'static str, bool)>,
    /// Per service, the share of each day it was operational, the last entry today's;
    /// `None` for a day without samples. Older days than listed have none.
    pub history: BTreeMap<String, Vec<Option<f64>>>,
}

type Params = Query<HashMap<String, String>>;

/// The fake, answering `fleet`.
pub fn router(fleet: Fleet) -> Router {
    let fleet = Arc::new(fleet);
    let instant = fleet.clone();
    Router::new()
        .route(
            "/api/v1/query",
            get(move |q: Params| {
                let fleet = instant.clone();
                async move { Json(vector(&fleet, q.get("query").map_or("", |s| s.as_str()))) }
            }),
        )
        .route(
            "/api/v1/query_range",
            get(move |q: Params| {
                let fleet = fleet.clone();
                async move { range(&fleet, &q) }
            }),
        )
}

/// A Prometheus that answers every query with an error, as it does when overloaded.
pub fn failing() -> Router {
    let answer = || async {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({"status": "error", "errorType": "unavailable", "error": "too many queries"}),
            ),
        )
    };
    Router::new()
        .route("/api/v1/query", get(answer))
        .route("/api/v1/query_range", get(answer))
}

fn success(result_type: &str, result: Vec<Value>) -> Value {
    json!({"status": "success", "data": {"resultType": result_type, "result": result}})
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The answer to one of the derivation queries, by the metric it reads.
fn vector(fleet: &Fleet, query: &str) -> Value {
    let t = now();
    let sample = |metric: Value, v: &str| json!({"metric": metric, "value": [t, v]});
    let rows: Vec<Value> = if query.contains("llm_monitor_vllm_state") {
        fleet
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| {
                sample(
                    json!({"__name__": "llm_monitor_vllm_state", "container": format!("vllm-{i}"),
                           "instance": "vllm-exporter:9902", "job": "vllm",
                           "model": m.name, "state": m.state}),
                    "1",
                )
            })
            .collect()
    } else if query.contains("llm_monitor_model_info") {
        fleet
            .models
            .iter()
            .map(|m| {
                sample(
                    json!({"model": m.name, "type": m.model_type,
                           "context_length": m.context_length.to_string()}),
                    "1",
                )
            })
            .collect()
    } else if query.contains("llm_monitor_exporter_source_up") {
        fleet
            .services
            .iter()
            .map(|(job, up)| sample(json!({"job": job}), if *up { "1" } else { "0" }))
            .collect()
    } else {
        Vec::new()
    };
    success("vector", rows)
}

/// The uptime history at the times asked, or Prometheus' 400 for bad parameters.
fn range(fleet: &Fleet, q: &Params) -> (StatusCode, Json<Value>) {
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<f64>().ok());
    let (Some(start), Some(end), Some(step)) = (num("start"), num("end"), num("step")) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "error", "errorType": "bad_data", "error": "invalid parameter"})),
        );
    };
    let points = ((end - start) / step).floor() as usize + 1;
    let result = fleet
        .history
        .iter()
        .map(|(service, days)| {
            let values: Vec<Value> = (0..points)
                .filter_map(|k| {
                    // The last point is the last day listed; earlier points walk back.
                    let back = points - 1 - k;
                    let v = days.len().checked_sub(back + 1).and_then(|i| days[i])?;
                    Some(json!([start + k as f64 * step, v.to_string()]))
                })
                .collect();
            json!({"metric": {"service": service}, "values": values})
        })
        .filter(|s| s["values"].as_array().is_some_and(|v| !v.is_empty()))
        .collect();
    (StatusCode::OK, Json(success("matrix", result)))
}
