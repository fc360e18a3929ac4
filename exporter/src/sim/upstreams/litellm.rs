//! A simulated LiteLLM proxy admin API: `/health/readiness`, `/model/info`,
//! `/health/latest`, `/user/daily/activity`, `/key/list`, in LiteLLM's shapes. Requests
//! without the bearer master key get LiteLLM's 401.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::Upstreams;
use crate::litellm::LitellmReading;
use crate::sim::signal::hash;

fn authorised(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer sk-"))
}

fn unauthorised() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": {"message": "Authentication Error, No api key passed in.", "type": "auth_error", "param": "None", "code": "401"}})),
    )
        .into_response()
}

fn reading(up: &Upstreams) -> (LitellmReading, f64) {
    let t = (up.clock)();
    (up.sim.litellm_reading(t), t)
}

fn day(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0)
        .unwrap_or_default()
        .format("%Y-%m-%d")
        .to_string()
}

pub async fn readiness(State(up): State<Upstreams>) -> Response {
    let (r, _) = reading(&up);
    Json(json!({
        "status": if r.ready { "healthy" } else { "unhealthy" },
        "db": "connected",
        "cache": null,
        "litellm_version": r.version,
        "success_callbacks": ["langfuse", "prometheus"],
    }))
    .into_response()
}

pub async fn model_info(State(up): State<Upstreams>, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let (r, _) = reading(&up);
    let data: Vec<Value> = r
        .catalog
        .iter()
        .map(|e| {
            json!({
                "model_name": e.model_name,
                "litellm_params": {"model": e.litellm_model, "api_base": e.api_base, "use_in_pass_through": false},
                "model_info": {
                    "id": e.id,
                    "db_model": false,
                    "mode": e.mode,
                    "max_tokens": e.max_tokens,
                    "max_input_tokens": e.max_tokens,
                    "input_cost_per_token": e.input_cost_per_token,
                    "output_cost_per_token": e.output_cost_per_token,
                    "litellm_provider": "hosted_vllm",
                }
            })
        })
        .collect();
    Json(json!({ "data": data })).into_response()
}

pub async fn health_latest(State(up): State<Upstreams>, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let (r, t) = reading(&up);
    let checked = chrono::DateTime::from_timestamp((t - t % 300.0) as i64, 0)
        .unwrap_or_default()
        .to_rfc3339();
    let mut checks = Map::new();
    for e in &r.catalog {
        let healthy = e.healthy == Some(true);
        checks.insert(
            e.id.clone(),
            json!({
                "model_name": e.model_name, "model_id": e.id,
                "status": if healthy { "healthy" } else { "unhealthy" },
                "healthy_count": u8::from(healthy), "unhealthy_count": u8::from(!healthy),
                "error_message": if healthy { Value::Null } else { json!("litellm.APIConnectionError: Hosted_vllmException - Connection error.") },
                "checked_by": "background_health_check", "checked_at": checked,
            }),
        );
    }
    Json(json!({ "latest_health_checks": checks, "total_models": r.catalog.len() })).into_response()
}

pub async fn daily_activity(State(up): State<Upstreams>, headers: HeaderMap) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let (r, t) = reading(&up);
    let metrics = |ok: f64, failed: f64, prompt: f64, completion: f64, spend: f64| {
        json!({
            "spend": spend, "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion, "api_requests": ok + failed,
            "successful_requests": ok, "failed_requests": failed,
            "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0,
        })
    };
    let mut models = Map::new();
    for d in &r.daily {
        // LiteLLM keys usage by the upstream model, not the public name.
        let upstream = r
            .catalog
            .iter()
            .find(|e| e.model_name == d.model)
            .and_then(|e| e.litellm_model.split_once('/').map(|(_, m)| m.to_owned()))
            .unwrap_or_else(|| d.model.clone());
        models.insert(
            upstream,
            json!({"metrics": metrics(d.requests_ok, d.requests_failed, d.prompt_tokens, d.completion_tokens, d.spend_usd), "api_key_breakdown": {}}),
        );
    }
    let sum = |f: fn(&crate::litellm::DailyUsage) -> f64| r.daily.iter().map(f).sum::<f64>();
    let totals = metrics(
        sum(|d| d.requests_ok),
        sum(|d| d.requests_failed),
        sum(|d| d.prompt_tokens),
        sum(|d| d.completion_tokens),
        sum(|d| d.spend_usd),
    );
    Json(json!({
        "results": [{"date": day(t), "metrics": totals, "breakdown": {"models": models, "providers": {}, "api_keys": {}}}],
        "metadata": {"total_spend": sum(|d| d.spend_usd), "total_api_requests": sum(|d| d.requests_ok + d.requests_failed),
                     "page": 1, "total_pages": 1, "has_more": false}
    }))
    .into_response()
}

pub async fn key_list(
    State(up): State<Upstreams>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&headers) {
        return unauthorised();
    }
    let (r, _) = reading(&up);
    let size: usize = params
        .get("size")
        .and_then(|s| s.parse().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let page: usize = params
        .get("page")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let keys: Vec<Value> = r
        .keys
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|k| {
            json!({
                "token": format!("{:016x}{:016x}", hash(1, &k.alias, 0), hash(1, &k.alias, 1)),
                "key_alias": k.alias, "spend": k.spend_usd, "max_budget": k.max_budget_usd,
                "rpm_limit": k.rpm_limit, "tpm_limit": k.tpm_limit, "budget_duration": "30d",
            })
        })
        .collect();
    Json(json!({
        "keys": keys, "total_count": r.keys.len(), "current_page": page,
        "total_pages": r.keys.len().div_ceil(size),
    }))
    .into_response()
}
