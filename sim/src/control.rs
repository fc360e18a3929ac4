//! The simulator's control routes, served by every role in mock mode: `/sim` reads or
//! switches the scenario and faults at run time, `/sim/logs` returns simulated container
//! logs.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use llmmon_core::scenario::{Conditions, Fault, Scenario};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::Simulator;

/// Most log lines one `/sim/logs` call returns.
const MAX_LOG_LINES: usize = 5_000;

#[derive(Clone)]
struct Control {
    sim: Arc<Simulator>,
    /// Wakes every collector for an immediate collection after a switch.
    wake: Arc<Notify>,
}

/// `/sim` and `/sim/logs` over `sim`; a switch wakes `wake`.
pub fn routes(sim: Arc<Simulator>, wake: Arc<Notify>) -> Router {
    Router::new()
        .route("/sim", get(sim_get).put(sim_put).post(sim_put))
        .route("/sim/logs", get(sim_logs))
        .with_state(Control { sim, wake })
}

/// Body of `PUT /sim`: the conditions to switch to.
#[derive(Debug, Serialize, Deserialize)]
pub struct SimRequest {
    pub scenario: Scenario,
    #[serde(default)]
    pub faults: BTreeSet<Fault>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SimStatus {
    pub seed: u64,
    pub scenario: Scenario,
    pub faults: BTreeSet<Fault>,
}

async fn sim_get(State(ctl): State<Control>) -> Response {
    let sim = &ctl.sim;
    let c = sim.conditions();
    Json(SimStatus {
        seed: sim.seed(),
        scenario: c.scenario,
        faults: c.faults,
    })
    .into_response()
}

async fn sim_put(
    State(ctl): State<Control>,
    body: Result<Json<SimRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let sim = &ctl.sim;
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("{}\n", e.body_text())).into_response(),
    };
    sim.set_conditions(
        llmmon_core::clock::now(),
        Conditions {
            scenario: req.scenario,
            faults: req.faults,
        },
    );
    ctl.wake.notify_waiters();
    sim_get(State(ctl)).await
}

#[derive(Debug, Deserialize)]
struct LogQuery {
    container: String,
    /// Unix seconds; default 5 minutes ago.
    since: Option<f64>,
    until: Option<f64>,
    limit: Option<usize>,
}

async fn sim_logs(State(ctl): State<Control>, Query(q): Query<LogQuery>) -> Response {
    let sim = &ctl.sim;
    let until = q.until.unwrap_or_else(llmmon_core::clock::now);
    let since = q.since.unwrap_or(until - 300.0);
    let limit = q.limit.unwrap_or(1_000).min(MAX_LOG_LINES);
    match sim.logs(&q.container, since, until, limit) {
        Some(lines) => Json(lines).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            format!("no container named '{}'\n", q.container),
        )
            .into_response(),
    }
}
