//! The simulator's upstream face: the same HTTP endpoints and payload shapes as the real
//! vLLM, LiteLLM and Langfuse, generated from the fleet. The real collectors read it, over
//! HTTP (`llmmon-exporter sim-upstreams`) or in-process (`--source sim`, wired by
//! `wiring`): the simulator answers requests and builds no collector or source of its own.
//!
//! Routes: `/vllm/<container>/{metrics,health,version,v1/models}`,
//! `/hf/<org>/<name>/{config.json,model.safetensors.index.json}`.

pub mod langfuse;
pub mod litellm;
pub mod pytext;
pub mod vllm;

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use super::Simulator;
use llmmon_core::clock::Clock;
use llmmon_core::upstream::CONNECTION_REFUSED_STATUS;
use llmmon_readings::vllm::VllmState;

/// What a real server that is not listening does to a client: refuse the connection. The
/// in-process transport turns this status into exactly that error.
pub(crate) fn refused() -> Response {
    StatusCode::from_u16(CONNECTION_REFUSED_STATUS)
        .unwrap_or(StatusCode::SERVICE_UNAVAILABLE)
        .into_response()
}

/// The 401 a real service gives (with `refusal` as body) when a request's `Authorization`
/// header does not use `scheme`; None lets the request through.
/// How a simulated service checks credentials: the `Authorization` prefix it wants, and
/// the body of its 401.
pub trait Credentials {
    const SCHEME: &'static str;
    fn refusal() -> serde_json::Value;
}

/// A request carrying credentials of the form `C` wants (extractor; the service's own 401
/// otherwise). Only the form is checked, as the tests set their own keys.
pub struct Authorized<C>(std::marker::PhantomData<C>);

impl<C: Credentials> axum::extract::FromRequestParts<Upstreams> for Authorized<C> {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &Upstreams,
    ) -> Result<Self, Response> {
        let ok = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with(C::SCHEME));
        if ok {
            Ok(Self(std::marker::PhantomData))
        } else {
            Err((StatusCode::UNAUTHORIZED, Json(C::refusal())).into_response())
        }
    }
}

/// State of the upstream handlers: the simulator and the clock they answer at.
#[derive(Clone)]
pub struct Upstreams {
    sim: Arc<Simulator>,
    clock: Clock,
}

/// Base URL the in-process transport gives the upstreams (its host is ignored).
pub const BASE_URL: &str = "http://sim-upstreams";

/// The router of every simulated upstream, answering at the time `clock` gives.
pub fn router(sim: Arc<Simulator>, clock: Clock) -> Router {
    Router::new()
        .route("/vllm/{container}/metrics", get(vllm_metrics))
        .route("/vllm/{container}/health", get(vllm_health))
        .route("/vllm/{container}/version", get(vllm_version))
        .route("/vllm/{container}/v1/models", get(vllm_models))
        .route("/litellm/health/readiness", get(litellm::readiness))
        .route("/litellm/model/info", get(litellm::model_info))
        .route("/litellm/health/latest", get(litellm::health_latest))
        .route("/litellm/user/daily/activity", get(litellm::daily_activity))
        .route("/litellm/key/list", get(litellm::key_list))
        .route("/litellm/metrics", get(litellm::metrics))
        .route("/langfuse/api/public/health", get(langfuse::health))
        .route("/langfuse/api/public/metrics", get(langfuse::metrics))
        .route("/langfuse/api/public/v2/scores", get(langfuse::scores))
        .route("/hf/{org}/{name}/config.json", get(hf_config))
        .route(
            "/hf/{org}/{name}/model.safetensors.index.json",
            get(hf_index),
        )
        .with_state(Upstreams { sim, clock })
}

/// The instance and its spec, if it is listening at time t.
fn listening(
    up: &Upstreams,
    container: &str,
) -> Option<(crate::fleet::VllmSpec, llmmon_readings::vllm::VllmInstance)> {
    let (sim, t) = (&up.sim, (up.clock)());
    let spec = sim.fleet().vllm_spec(container)?.clone();
    let inst = sim.vllm_instance(container, t)?;
    // Loading or stopped: the API server does not listen yet (or any more).
    matches!(inst.state, VllmState::Ready | VllmState::Unhealthy).then_some((spec, inst))
}

async fn vllm_metrics(State(up): State<Upstreams>, Path(container): Path<String>) -> Response {
    match listening(&up, &container) {
        Some((spec, inst)) => {
            let stats = inst.stats.clone().unwrap_or_default();
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                vllm::exposition(&spec, &inst, &stats),
            )
                .into_response()
        }
        None => refused(),
    }
}

async fn vllm_health(State(up): State<Upstreams>, Path(container): Path<String>) -> Response {
    match listening(&up, &container) {
        // vLLM answers 503 when its engine has died.
        Some((_, inst)) if inst.state == VllmState::Unhealthy => {
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        Some(_) => StatusCode::OK.into_response(),
        None => refused(),
    }
}

async fn vllm_version(State(up): State<Upstreams>, Path(container): Path<String>) -> Response {
    match listening(&up, &container) {
        Some((_, inst)) => {
            Json(serde_json::json!({ "version": inst.vllm_version })).into_response()
        }
        None => refused(),
    }
}

async fn vllm_models(State(up): State<Upstreams>, Path(container): Path<String>) -> Response {
    match listening(&up, &container) {
        Some((spec, inst)) => Json(vllm::models_json(&spec, &inst)).into_response(),
        None => refused(),
    }
}

fn spec_by_hf<'a>(sim: &'a Simulator, org: &str, name: &str) -> Option<&'a crate::fleet::VllmSpec> {
    let id = format!("{org}/{name}");
    sim.fleet().vllm.iter().find(|v| v.hf_id == id)
}

async fn hf_config(
    State(up): State<Upstreams>,
    Path((org, name)): Path<(String, String)>,
) -> Response {
    match spec_by_hf(&up.sim, &org, &name) {
        Some(spec) => Json(vllm::hf_config_json(spec)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn hf_index(
    State(up): State<Upstreams>,
    Path((org, name)): Path<(String, String)>,
) -> Response {
    match spec_by_hf(&up.sim, &org, &name) {
        Some(spec) => Json(vllm::hf_index_json(spec)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn status(path: &str, auth: Option<&str>) -> (StatusCode, String) {
        let sim = Simulator::new(
            1,
            1,
            crate::Conditions::default(),
            llmmon_core::clock::now(),
        );
        let mut req = Request::get(path);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = router(sim, llmmon_core::clock::wall_clock())
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn the_admin_apis_want_credentials_of_their_own_form() {
        let (s, body) = status("/litellm/model/info", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(body.contains("auth_error"), "{body}");
        assert_eq!(
            status("/litellm/model/info", Some("Basic abc")).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            status("/litellm/model/info", Some("Bearer sk-test"))
                .await
                .0,
            StatusCode::OK
        );
        let (s, body) = status("/langfuse/api/public/v2/scores", Some("Bearer sk-x")).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(body.contains("Invalid credentials"), "{body}");
        assert_eq!(
            status("/langfuse/api/public/v2/scores", Some("Basic cGs6c2s="))
                .await
                .0,
            StatusCode::OK
        );
        // Health needs no credentials.
        assert_eq!(
            status("/langfuse/api/public/health", None).await.0,
            StatusCode::OK
        );
    }
}
