//! The HTTP face of a role, driven with `oneshot` (no port): readiness, health, content type,
//! run-time scenario switching, and a source that fails or hangs never breaking a scrape.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::GPU_UTILIZATION;
use llmmon_core::source::{Collection, Collector, SourceError};
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::service::{http::app, RoleService};
use llmmon_exporter::wiring;
use llmmon_sim::{Conditions, Simulator};
use tokio::sync::Notify;
use tower::ServiceExt;

async fn get(svc: &Arc<RoleService>, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    send(
        svc,
        Request::get(path).body(Body::empty()).expect("request"),
    )
    .await
}

async fn send(
    svc: &Arc<RoleService>,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let resp = app(svc.clone()).oneshot(req).await.expect("response");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn sim_role(role: Role) -> Arc<RoleService> {
    let sim = Simulator::new(3, 1, Conditions::default(), llmmon_core::clock::now());
    let settings = Settings::demo(Duration::from_secs(1));
    wiring::role_service(
        role,
        SourceMode::Sim,
        Some(&sim),
        &settings,
        Arc::new(Notify::new()),
    )
    .expect("role")
}

/// A source that answers with one GPU reading, or fails, or hangs, as the test says.
struct Scripted {
    fail: AtomicBool,
    hang: AtomicBool,
}

#[async_trait]
impl Collector for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        if self.hang.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        if self.fail.load(Ordering::SeqCst) {
            // Imitates what NVML says when the driver is gone.
            return Err(SourceError::Unavailable("NVML: driver not loaded".into()));
        }
        let mut m = MetricSet::new();
        m.gauge(&GPU_UTILIZATION, &["0"], 0.25);
        Ok(m.into())
    }
}

fn scripted() -> (Arc<Scripted>, Arc<RoleService>) {
    let source = Arc::new(Scripted {
        fail: AtomicBool::new(false),
        hang: AtomicBool::new(false),
    });
    let svc = RoleService::with_collectors(
        Role::Gpu,
        SourceMode::Real,
        None,
        vec![source.clone() as Arc<dyn Collector>],
        Arc::new(Notify::new()),
    );
    (source, svc)
}

#[tokio::test]
async fn ready_is_503_with_retry_after_until_the_first_collection() {
    let svc = sim_role(Role::Gpu);
    let (status, headers, body) = get(&svc, "/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert!(body.contains("\"ready\":false"), "{body}");
    assert_eq!(
        get(&svc, "/health").await.0,
        StatusCode::OK,
        "alive before ready"
    );
    svc.collect_once(0, Duration::from_secs(5)).await;
    let (status, _, body) = get(&svc, "/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn metrics_carry_the_text_format_content_type() {
    let svc = sim_role(Role::Vllm);
    svc.collect_once(0, Duration::from_secs(5)).await;
    let (status, headers, body) = get(&svc, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(
        body.contains("llm_monitor_vllm_requests_running{"),
        "{}",
        &body[..200]
    );
}

#[tokio::test]
async fn the_scenario_switches_at_run_time_over_http() {
    let svc = sim_role(Role::Gpu);
    let put = Request::put("/sim")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"scenario":"high_load","faults":["gpu_overheat"]}"#,
        ))
        .expect("request");
    let (status, _, body) = send(&svc, put).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("high_load") && body.contains("gpu_overheat"),
        "{body}"
    );
    svc.collect_once(0, Duration::from_secs(5)).await;
    let (_, _, metrics) = get(&svc, "/metrics").await;
    assert!(metrics.contains(r#"llm_monitor_sim_scenario_info{scenario="high_load"} 1"#));
    assert!(metrics.contains(r#"llm_monitor_sim_fault_active{fault="gpu_overheat"} 1"#));
    assert!(
        metrics.contains(r#"reason="hw_thermal_slowdown"} 1"#),
        "the hot GPU throttles"
    );
}

#[tokio::test]
async fn a_bad_scenario_request_is_a_400_that_names_the_problem() {
    let svc = sim_role(Role::Gpu);
    let put = Request::put("/sim")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"scenario":"apocalypse"}"#))
        .expect("request");
    let (status, _, body) = send(&svc, put).await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        body.contains("apocalypse") || body.contains("unknown variant"),
        "{body}"
    );
    let (_, _, sim) = get(&svc, "/sim").await;
    assert!(sim.contains("\"normal\""), "conditions unchanged: {sim}");
}

#[tokio::test]
async fn source_up_is_0_when_the_source_fails_and_recovers_without_restart() {
    let (source, svc) = scripted();
    svc.collect_once(0, Duration::from_secs(1)).await;
    let (_, _, body) = get(&svc, "/metrics").await;
    assert!(body.contains(r#"llm_monitor_exporter_source_up{source="scripted"} 1"#));
    assert!(body.contains("llm_monitor_gpu_utilization_ratio"));

    source.fail.store(true, Ordering::SeqCst);
    svc.collect_once(0, Duration::from_secs(1)).await;
    let (status, _, body) = get(&svc, "/metrics").await;
    assert_eq!(status, StatusCode::OK, "a failing source is never a 500");
    assert!(body.contains(r#"llm_monitor_exporter_source_up{source="scripted"} 0"#));
    assert!(body.contains(r#"llm_monitor_exporter_collect_failures_total{source="scripted"} 1"#));
    assert!(
        !body.contains("llm_monitor_gpu_utilization_ratio"),
        "stale values are dropped"
    );
    let (_, _, ready) = get(&svc, "/ready").await;
    assert!(
        ready.contains("driver not loaded"),
        "the reason is in /ready: {ready}"
    );

    source.fail.store(false, Ordering::SeqCst);
    svc.collect_once(0, Duration::from_secs(1)).await;
    let (_, _, body) = get(&svc, "/metrics").await;
    assert!(body.contains(r#"llm_monitor_exporter_source_up{source="scripted"} 1"#));
}

#[tokio::test]
async fn a_hanging_source_times_out_and_scrapes_do_not_wait_for_it() {
    let (source, svc) = scripted();
    source.hang.store(true, Ordering::SeqCst);
    let collecting = {
        let svc = svc.clone();
        tokio::spawn(async move { svc.collect_once(0, Duration::from_millis(300)).await })
    };
    let started = Instant::now();
    let (status, _, _) = get(&svc, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "scrape waited on the source"
    );
    collecting.await.expect("collection task");
    let (_, _, body) = get(&svc, "/metrics").await;
    assert!(body.contains(r#"llm_monitor_exporter_source_up{source="scripted"} 0"#));
    let (_, _, ready) = get(&svc, "/ready").await;
    assert!(ready.contains("timed out"), "{ready}");
}

#[tokio::test]
async fn real_mode_of_a_simulated_standard_exporter_is_refused_with_a_reason() {
    let settings = Settings::demo(Duration::from_secs(1));
    let err = wiring::role_service(
        Role::Node,
        SourceMode::Real,
        None,
        &settings,
        Arc::new(Notify::new()),
    )
    .err()
    .expect("refused")
    .to_string();
    assert!(
        err.contains("node_exporter") || err.contains("real one"),
        "{err}"
    );
}

#[tokio::test]
async fn sim_logs_are_served_and_unknown_containers_are_404() {
    let svc = sim_role(Role::Containers);
    let (status, _, body) = get(&svc, "/sim/logs?container=litellm&limit=5").await;
    assert_eq!(status, StatusCode::OK);
    let lines: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert!(
        lines
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.len() <= 5),
        "{body}"
    );
    let (status, _, _) = get(&svc, "/sim/logs?container=nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
