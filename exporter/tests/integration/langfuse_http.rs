//! The Langfuse source against fake Langfuse servers on loopback that answer with payloads
//! taken from Langfuse's own source (tests/fixtures/upstream/langfuse, provenance in its
//! README): a v3 server (query API at /api/public/metrics), a v4 server (only
//! /api/public/v2/metrics), and a v2 server (only the legacy /api/public/metrics/daily).
//! The normalised output is compared exactly with golden files; faults are checked too.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use llmmon_core::clock::fixed_clock;
use llmmon_core::exposition::render;
use llmmon_core::source::SourceError;
use llmmon_core::upstream::{Auth, HttpTransport, Secret};
use llmmon_exporter::langfuse::http_source::LangfuseHttpSource;
use llmmon_exporter::langfuse::{render as render_langfuse, LangfuseSource};

use crate::support;

/// 2025-06-03 12:00 UTC: the day the v3/v4 fixtures describe.
const FIXTURE_DAY: f64 = 1_748_952_000.0;
/// 2024-11-19 12:00 UTC: the day of the v2 (Postgres era) daily-metrics fixture.
const V2_FIXTURE_DAY: f64 = 1_732_017_600.0;

#[derive(Clone, Copy, PartialEq)]
enum Server {
    V2,
    V3,
    V4,
}

#[derive(Clone)]
struct Fake {
    server: Server,
    /// When not 0, every authenticated route answers this status.
    forced: Arc<AtomicU16>,
    /// When not 0, the scores API answers this status.
    scores_status: Arc<AtomicU16>,
    /// When set, latency percentiles come back null.
    null_latency: Arc<AtomicBool>,
}

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/upstream/langfuse")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|_| panic!("fixture {}", p.display()))
}

fn json(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn handle(State(f): State<Fake>, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api/public/health" {
        return json(fixture("health.json"));
    }
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some("Basic cGstbGYtdDpzay1sZi10")
    {
        return (StatusCode::UNAUTHORIZED, json(fixture("error_401.json"))).into_response();
    }
    match f.forced.load(Ordering::SeqCst) {
        0 => {}
        // Slower than the source's timeout.
        598 => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return json(fixture("metrics_query_v3.json"));
        }
        // Larger than the transport reads.
        597 => return json(format!("{{\"data\": [{}]}}", "{},".repeat(5_000_000))),
        429 => {
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "120")],
                json(fixture("error_429.json")),
            )
                .into_response()
        }
        s => {
            return (
                StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "{ not json",
            )
                .into_response()
        }
    }
    let query = uri.query().unwrap_or_default();
    let scores = f.scores_status.load(Ordering::SeqCst);
    if path == "/api/public/v2/scores" && scores != 0 {
        return (
            StatusCode::from_u16(scores).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            json(r#"{"message":"Internal Server Error"}"#.to_owned()),
        )
            .into_response();
    }
    if f.null_latency.load(Ordering::SeqCst) && query.contains("timeToFirstToken") {
        // A percentile row whose values ClickHouse could not compute.
        return json(r#"{"data":[{"providedModelName":"qwen3-32b","p50_latency":null,"p95_latency":null,"p99_latency":null}]}"#.to_owned());
    }
    match (f.server, path) {
        (Server::V3, "/api/public/metrics") if query.contains("userId") => {
            json(r#"{"data":[]}"#.to_owned())
        }
        (Server::V3, "/api/public/metrics") => json(fixture("metrics_query_v3.json")),
        (Server::V4, "/api/public/v2/metrics") if query.contains("userId") => {
            json(fixture("metrics_v2_v4.json"))
        }
        (Server::V4, "/api/public/v2/metrics") => json(fixture("metrics_query_v3.json")),
        (Server::V2, "/api/public/metrics/daily") => json(fixture("metrics_daily_v2.json")),
        (_, "/api/public/v2/scores") => json(fixture("scores_page.json")),
        _ => (
            StatusCode::NOT_FOUND,
            json(r#"{"message":"Route not found"}"#.to_owned()),
        )
            .into_response(),
    }
}

async fn start(server: Server) -> (Fake, String) {
    let fake = Fake {
        server,
        forced: Arc::new(AtomicU16::new(0)),
        scores_status: Arc::new(AtomicU16::new(0)),
        null_latency: Arc::new(AtomicBool::new(false)),
    };
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let base = support::serve(app).await;
    (fake, base)
}

fn source(base: &str, user: &str) -> LangfuseHttpSource {
    source_on(base, user, FIXTURE_DAY)
}

fn source_on(base: &str, user: &str, day: f64) -> LangfuseHttpSource {
    let auth = Auth::Basic {
        user: Secret::new(user),
        password: Secret::new("sk-lf-t"),
    };
    LangfuseHttpSource::new(
        base,
        auth,
        Arc::new(HttpTransport::default()),
        Duration::from_secs(1),
    )
    .with_clock(fixed_clock(day))
}

fn golden(name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("LLMMON_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, text).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing (LLMMON_UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(text, want, "{name} drifted");
}

#[tokio::test]
async fn each_langfuse_generation_normalises_to_the_same_families() {
    for (server, name) in [
        (Server::V2, "langfuse_v2.prom"),
        (Server::V3, "langfuse_v3.prom"),
        (Server::V4, "langfuse_v4.prom"),
    ] {
        let (_, base) = start(server).await;
        let day = if server == Server::V2 {
            V2_FIXTURE_DAY
        } else {
            FIXTURE_DAY
        };
        let reading = source_on(&base, "pk-lf-t", day)
            .read()
            .await
            .expect("reads");
        assert!(reading.version.is_some());
        assert!(
            reading
                .models
                .iter()
                .any(|m| m.model == "qwen3-32b" && m.observations > 0.0),
            "{name}"
        );
        golden(name, &render(&render_langfuse(&reading)));
    }
}

/// The fixtures' qwen3-32b row.
fn qwen(r: &llmmon_exporter::langfuse::LangfuseReading) -> &llmmon_exporter::langfuse::ModelDay {
    r.models
        .iter()
        .find(|m| m.model == "qwen3-32b")
        .expect("qwen3-32b in the fixtures")
}

#[tokio::test]
async fn v3_rows_give_percentiles_in_seconds_and_v4_gives_users() {
    let (_, base) = start(Server::V3).await;
    let r = source(&base, "pk-lf-t").read().await.expect("reads");
    let q = qwen(&r);
    assert!(q.cost_usd > 0.0);
    let (_, base) = start(Server::V4).await;
    let r = source(&base, "pk-lf-t").read().await.expect("reads");
    let alice = r.users.iter().find(|u| u.user == "alice").expect("alice");
    assert_eq!(alice.traces, 356.0, "counts arrive as strings");
    assert!(r.scores.iter().any(|s| s.name == "helpfulness"));
}

#[tokio::test]
async fn bad_credentials_are_unauthorized_on_every_api_and_never_echoed() {
    let (_, base) = start(Server::V3).await;
    let r = source(&base, "pk-lf-wrong")
        .read()
        .await
        .expect("health answers without credentials: Langfuse is up");
    for endpoint in ["metrics", "scores"] {
        let err = support::failure(&r.endpoints, endpoint).expect("401");
        assert!(matches!(err, SourceError::Unauthorized(_)), "{err:?}");
        assert!(!err.to_string().contains("sk-lf-t"));
    }
}

#[tokio::test]
async fn a_429_is_honoured_until_retry_after_passes() {
    let (fake, base) = start(Server::V3).await;
    let src = source(&base, "pk-lf-t");
    fake.forced.store(429, Ordering::SeqCst);
    let r = src.read().await.expect("health answers");
    let err = support::failure(&r.endpoints, "metrics").expect("rate limited");
    assert!(err.to_string().contains("120"), "{err}");
    fake.forced.store(0, Ordering::SeqCst);
    let r = src.read().await.expect("health answers");
    for endpoint in ["metrics", "scores"] {
        let err = support::failure(&r.endpoints, endpoint)
            .expect("still quiet: no request before Retry-After");
        assert!(err.to_string().contains("rate limited"), "{err}");
    }
}

#[tokio::test]
async fn garbage_and_server_errors_are_reported_per_api_and_refused_connections_fail_the_source() {
    let (fake, base) = start(Server::V3).await;
    let src = source(&base, "pk-lf-t");
    for support::Fault { status, kind, what } in support::FAULTS {
        fake.forced.store(status, Ordering::SeqCst);
        let r = src.read().await.expect("health answers");
        let err = support::failure(&r.endpoints, "metrics").expect(what);
        assert_eq!(err.kind(), kind, "{what}: {err:?}");
        assert!(r.daily_traces.is_none(), "{what}: no traces, not 0 traces");
    }
    fake.forced.store(0, Ordering::SeqCst);
    let r = src.read().await.expect("recovers");
    assert!(
        r.endpoints.0.iter().all(|e| e.result.is_ok()),
        "{:?}",
        r.endpoints
    );
    let port = support::closed_port();
    let gone = source(&format!("http://127.0.0.1:{port}"), "pk-lf-t");
    assert!(matches!(
        gone.read().await,
        Err(SourceError::Unavailable(_))
    ));
}

#[tokio::test]
async fn scores_failing_leave_the_traces_and_latency_exported() {
    let (fake, base) = start(Server::V3).await;
    fake.scores_status.store(500, Ordering::SeqCst);
    let r = source(&base, "pk-lf-t").read().await.expect("reads");
    assert!(matches!(
        support::failure(&r.endpoints, "scores"),
        Some(SourceError::Unavailable(_))
    ));
    assert_eq!(support::failure(&r.endpoints, "metrics"), None);
    assert!(r.daily_traces.is_some_and(|t| t > 0.0));
    assert!(r.models.iter().any(|m| m.latency_s[1].is_some()));
    assert!(r.scores.is_empty());
}

#[tokio::test]
async fn a_missing_latency_quantile_is_absent_not_zero() {
    let (fake, base) = start(Server::V3).await;
    fake.null_latency.store(true, Ordering::SeqCst);
    let r = source(&base, "pk-lf-t").read().await.expect("reads");
    let q = qwen(&r);
    assert_eq!(q.latency_s, [None; 3], "null percentiles are no reading");
    let text = render(&render_langfuse(&r));
    assert!(
        !text.contains("llm_monitor_langfuse_latency_seconds{model=\"qwen3-32b\""),
        "{text}"
    );
}
