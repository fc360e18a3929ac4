//! HTTP face of a role: `/metrics`, `/health`, `/ready`, and in mock mode the routes the
//! wiring adds (`/sim`, `/sim/logs`: see `sim::control`); without them those answer 404.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

use super::RoleService;
use llmmon_core::exposition::{negotiate, to_openmetrics, Format};
use llmmon_core::source::SourceError;

/// Seconds a client should wait before asking `/ready` again.
const RETRY_AFTER_S: &str = "5";

/// The router of one role (tests call it with `oneshot`, no port needed).
pub fn app(svc: Arc<RoleService>) -> Router {
    let roles = Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(svc.clone());
    let sim = match &svc.mock {
        Some(mock) => mock.routes(svc.wake.clone()),
        None => Router::new()
            .route("/sim", get(not_sim).put(not_sim).post(not_sim))
            .route("/sim/logs", get(not_sim)),
    };
    roles.merge(sim)
}

async fn index(State(svc): State<Arc<RoleService>>) -> String {
    format!(
        "llmmon-exporter {} — role {} ({} source)\n/metrics  Prometheus exposition\n/health   process alive\n/ready    first collection done\n",
        env!("CARGO_PKG_VERSION"),
        svc.role,
        svc.mode.as_str()
    )
}

/// The latest exposition: Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the scrape's
/// `Accept` prefers it (Prometheus' scrapes do).
async fn metrics(State(svc): State<Arc<RoleService>>, headers: axum::http::HeaderMap) -> Response {
    let format = negotiate(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let body = svc.exposition();
    let body = match format {
        Format::Text => body,
        Format::OpenMetrics { .. } => to_openmetrics(&String::from_utf8_lossy(&body)).into(),
    };
    (
        [
            (header::CONTENT_TYPE, format.content_type()),
            (header::VARY, "Accept"),
        ],
        body,
    )
        .into_response()
}

async fn health() -> &'static str {
    "ok\n"
}

#[derive(Serialize)]
struct SourceReport {
    source: String,
    up: bool,
    collections: u64,
    failures: u64,
    last_success: Option<f64>,
    error: Option<String>,
    /// Targets (vLLM instances, GPUs) and endpoints that failed, each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    parts: Vec<PartReport>,
}

/// One target or endpoint of a source in `/ready`.
#[derive(Serialize)]
struct PartReport {
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: Option<String>,
    up: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl PartReport {
    fn new(source: String, endpoint: Option<String>, result: &Result<(), SourceError>) -> Self {
        let err = result.as_ref().err();
        Self {
            source,
            endpoint,
            up: err.is_none(),
            kind: err.map(SourceError::kind),
            error: err.map(ToString::to_string),
        }
    }
}

fn parts(s: &super::SourceState) -> Vec<PartReport> {
    let targets = s
        .targets
        .iter()
        .map(|t| PartReport::new(format!("{}/{}", s.name, t.target), None, &t.result));
    let endpoints = s
        .endpoints
        .iter()
        .map(|e| PartReport::new(s.endpoint_source(e), Some(e.endpoint.clone()), &e.result));
    targets.chain(endpoints).collect()
}

#[derive(Serialize)]
struct ReadyReport {
    ready: bool,
    role: String,
    sources: Vec<SourceReport>,
}

async fn ready(State(svc): State<Arc<RoleService>>) -> Response {
    let sources: Vec<SourceReport> = svc
        .sources()
        .into_iter()
        .map(|s| SourceReport {
            parts: parts(&s),
            source: s.name,
            up: s.up,
            collections: s.collections,
            failures: s.failures,
            last_success: s.last_success,
            error: s.error,
        })
        .collect();
    let ready = sources.iter().any(|s| s.last_success.is_some());
    let body = Json(ReadyReport {
        ready,
        role: svc.role.as_str().to_owned(),
        sources,
    });
    if ready {
        body.into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, RETRY_AFTER_S)],
            body,
        )
            .into_response()
    }
}

/// `/sim` and `/sim/logs` of a role without a simulator.
async fn not_sim() -> Response {
    (
        StatusCode::NOT_FOUND,
        "this role runs on a real source; /sim exists only with --source sim\n",
    )
        .into_response()
}
