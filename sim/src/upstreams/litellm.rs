//! A simulated LiteLLM proxy admin API: `/health/readiness`, `/model/info`,
//! `/health/latest`, `/user/daily/activity`, `/key/list`, in LiteLLM's shapes. Requests
//! without the bearer master key get LiteLLM's 401.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::pytext::{OwnedLabels, PyText};
use super::{Authorized, Credentials, Upstreams};
use crate::signal::{hash, LogNormal};
use crate::traffic::HistAcc;
use llmmon_readings::litellm::LitellmReading;

/// The service's own check: Bearer sk- credentials, else its 401.
/// The proxy's credentials check, as the handlers' extractor.
pub struct LitellmKey;

impl Credentials for LitellmKey {
    const SCHEME: &'static str = "Bearer sk-";

    fn refusal() -> Value {
        json!({"error": {"message": "Authentication Error, No api key passed in.", "type": "auth_error", "param": "None", "code": "401"}})
    }
}

type Auth = Authorized<LitellmKey>;

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

pub async fn model_info(State(up): State<Upstreams>, _: Auth) -> Response {
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

pub async fn health_latest(State(up): State<Upstreams>, _: Auth) -> Response {
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

pub async fn daily_activity(State(up): State<Upstreams>, _: Auth) -> Response {
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
    let sum =
        |f: fn(&llmmon_readings::litellm::DailyUsage) -> f64| r.daily.iter().map(f).sum::<f64>();
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
    _: Auth,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
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
                "token": hashed_key(&k.alias),
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

/// The stand-in for LiteLLM's hashed token of a key (never the key itself).
fn hashed_key(alias: &str) -> String {
    format!("{:016x}{:016x}", hash(1, alias, 0), hash(1, alias, 1))
}

/// LiteLLM's latency buckets (litellm/types/integrations/prometheus.py, 1.80).
const LATENCY_BUCKETS: [f64; 35] = [
    0.005, 0.00625, 0.0125, 0.025, 0.05, 0.1, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0,
    5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0, 15.0, 20.0, 25.0, 30.0, 60.0, 120.0, 180.0,
    240.0, 300.0,
];
/// Each route's traffic is split over this many of the busiest keys.
const KEYS_PER_ROUTE: usize = 3;

/// One key's share of a route's latency histogram: the answered requests of each piece of
/// the timeline at that piece's latency (`pick` chooses end to end or first token).
fn histogram(
    answered: &[(f64, LogNormal, LogNormal)],
    share: f64,
    pick: fn(&(f64, LogNormal, LogNormal)) -> LogNormal,
) -> llmmon_readings::vllm::Histogram {
    let mut acc = HistAcc::default();
    for piece in answered {
        acc.add(&LATENCY_BUCKETS, pick(piece), piece.0 * share);
    }
    acc.finish(&LATENCY_BUCKETS)
}

/// Labels LiteLLM puts on its per-request families, sorted as it writes them.
fn labels(pairs: &[(&'static str, &str)]) -> OwnedLabels {
    let mut v: OwnedLabels = pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
    v.sort_by(|a, b| a.0.cmp(b.0));
    v
}

/// LiteLLM's own `/metrics` (open since 1.80), in its names and labels. Each route's traffic
/// is split evenly over the busiest keys.
pub async fn metrics(State(up): State<Upstreams>) -> Response {
    let t = (up.clock)();
    let (reading, _) = reading(&up);
    let keys: Vec<(String, String)> = reading
        .keys
        .iter()
        .take(KEYS_PER_ROUTE)
        .map(|k| (k.alias.clone(), hashed_key(&k.alias)))
        .collect();
    let share = 1.0 / keys.len().max(1) as f64;
    let (mut requests, mut failed, mut latency, mut ttft) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut total, mut input, mut output, mut spend) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in up.sim.litellm_proxy_totals(t) {
        for (alias, hashed) in &keys {
            let who: [(&'static str, &str); 5] = [
                ("api_key_alias", alias),
                ("hashed_api_key", hashed),
                ("team", "None"),
                ("team_alias", "None"),
                ("end_user", "None"),
            ];
            let with = |extra: &[(&'static str, &str)], drop_end_user: bool| {
                let mut all: Vec<(&'static str, &str)> = who
                    .iter()
                    .copied()
                    .filter(|(k, _)| !(drop_end_user && *k == "end_user"))
                    .collect();
                all.extend_from_slice(extra);
                labels(&all)
            };
            let user = [("user", "default_user_id"), ("user_email", "None")];
            let route = [("requested_model", r.model.as_str()), ("route", r.route)];
            requests.push((
                with(
                    &[route[0], route[1], ("status_code", "200"), user[0], user[1]],
                    false,
                ),
                ((r.ok + r.failed) * share).floor(),
            ));
            failed.push((
                with(
                    &[
                        ("exception_class", "Openai.APIConnectionError"),
                        ("exception_status", "500"),
                        route[0],
                        route[1],
                        user[0],
                        user[1],
                    ],
                    false,
                ),
                (r.failed * share).floor(),
            ));
            let model = ("model", r.upstream_model.as_str());
            latency.push((
                with(&[model, route[0], user[0]], false),
                histogram(&r.answered, share, |p| p.1),
            ));
            ttft.push((with(&[model], true), histogram(&r.answered, share, |p| p.2)));
            let tokens = with(&[model, route[0], user[0], user[1]], false);
            total.push((
                tokens.clone(),
                ((r.prompt_tokens + r.completion_tokens) * share).floor(),
            ));
            input.push((tokens.clone(), (r.prompt_tokens * share).floor()));
            output.push((tokens, (r.completion_tokens * share).floor()));
            spend.push((with(&[model, user[0], user[1]], false), r.spend * share));
        }
    }
    let mut p = PyText::new(crate::fleet::FLEET_EPOCH);
    p.counter_owned(
        "litellm_proxy_total_requests_metric",
        "Total number of requests made to the proxy server - track number of client side requests",
        &requests,
    );
    p.counter_owned("litellm_proxy_failed_requests_metric", "Total number of failed responses from proxy - the client did not get a success response from litellm proxy", &failed);
    p.histogram_owned(
        "litellm_request_total_latency_metric",
        "Total latency (seconds) for a request to LiteLLM",
        &latency,
    );
    p.histogram_owned(
        "litellm_llm_api_time_to_first_token_metric",
        "Time to first token for a models LLM API call",
        &ttft,
    );
    p.counter_owned(
        "litellm_total_tokens_metric",
        "Total number of input + output tokens from LLM requests",
        &total,
    );
    p.counter_owned(
        "litellm_input_tokens_metric",
        "Total number of input tokens from LLM requests",
        &input,
    );
    p.counter_owned(
        "litellm_output_tokens_metric",
        "Total number of output tokens from LLM requests",
        &output,
    );
    p.counter_owned(
        "litellm_spend_metric",
        "Total spend on LLM requests",
        &spend,
    );
    let states: Vec<(OwnedLabels, f64)> = reading
        .catalog
        .iter()
        .map(|e| {
            let upstream = e
                .litellm_model
                .split_once('/')
                .map_or(e.litellm_model.as_str(), |(_, m)| m);
            let l = labels(&[
                ("api_base", &e.api_base),
                ("api_provider", "hosted_vllm"),
                ("litellm_model_name", upstream),
                ("model_id", &e.id),
            ]);
            (l, if e.healthy == Some(true) { 0.0 } else { 2.0 })
        })
        .collect();
    p.gauge_owned("litellm_deployment_state", "LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage", &states);
    let budgets: Vec<(OwnedLabels, f64)> = reading
        .keys
        .iter()
        .filter_map(|k| {
            Some((
                labels(&[
                    ("api_key_alias", &k.alias),
                    ("hashed_api_key", &hashed_key(&k.alias)),
                ]),
                k.max_budget_usd? - k.spend_usd,
            ))
        })
        .collect();
    p.gauge_owned(
        "litellm_remaining_api_key_budget_metric",
        "Remaining budget for api key",
        &budgets,
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        p.finish(),
    )
        .into_response()
}
