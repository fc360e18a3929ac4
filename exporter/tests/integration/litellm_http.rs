//! The LiteLLM source against a fake LiteLLM proxy on loopback answering with payloads taken
//! from LiteLLM's own source (tests/fixtures/upstream/litellm, provenance in its README):
//! 1.80 (admin API with cached health checks) and 1.79's readiness. Checks the normalised
//! output exactly, that plain `/health` (which calls every model) is never requested, and
//! the faults.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use llmmon_core::clock::fixed_clock;
use llmmon_core::exposition::render;
use llmmon_core::source::SourceError;
use llmmon_core::upstream::{Auth, HttpTransport, Secret};
use llmmon_exporter::litellm::http_source::{LitellmHttpSource, NO_DATABASE};
use llmmon_exporter::litellm::{render as render_litellm, LitellmSource};

use crate::support;

/// 2026-11-25 12:00 UTC, the day of the daily-activity fixture.
const FIXTURE_DAY: f64 = 1_795_608_000.0;
const MASTER_KEY: &str = "sk-master-test-7f3a";

#[derive(Clone)]
struct Fake {
    version: &'static str,
    /// When not 0, every authenticated route answers this (see [`forced_answer`]).
    forced: Arc<AtomicU16>,
    /// One path that answers a forced status while the others answer normally.
    failing: Arc<Mutex<Option<(&'static str, u16)>>>,
    plain_health_calls: Arc<AtomicUsize>,
}

/// A forced answer: 200 garbage, 598 slower than the source's timeout, 597 larger than the
/// transport reads, 400 LiteLLM's bad-request shape, anything else a bare status.
async fn forced_answer(status: u16, f: &Fake) -> Response {
    let json = |body: String| ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    match status {
        200 => "<!doctype html>".into_response(),
        598 => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            json(fixture(f.version, "model_info.json"))
        }
        597 => json(format!("{{\"data\": [{}]}}", "{},".repeat(5_000_000))),
        400 => (
            StatusCode::BAD_REQUEST,
            json(r#"{"error":{"message":"bad request","type":"bad_request_error","param":"None","code":"400"}}"#.into()),
        )
            .into_response(),
        s => StatusCode::from_u16(s)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
    }
}

fn fixture(version: &str, name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/upstream/litellm");
    std::fs::read_to_string(dir.join(version).join(name))
        .or_else(|_| std::fs::read_to_string(dir.join(name)))
        .unwrap_or_else(|_| panic!("fixture {version}/{name}"))
}

async fn handle(State(f): State<Fake>, uri: Uri, headers: HeaderMap) -> Response {
    let json = |body: String| ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    let path = uri.path();
    if path == "/health/readiness" {
        return json(fixture(f.version, "health_readiness.json"));
    }
    if path == "/health" {
        f.plain_health_calls.fetch_add(1, Ordering::SeqCst);
    }
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(&format!("Bearer {MASTER_KEY}"))
    {
        return (StatusCode::UNAUTHORIZED, json(r#"{"error":{"message":"Authentication Error, Invalid proxy server token passed.","type":"auth_error","param":"None","code":"401"}}"#.into())).into_response();
    }
    let failing = *f.failing.lock().expect("lock");
    match (f.forced.load(Ordering::SeqCst), failing) {
        (0, Some((p, status))) if p == path => return forced_answer(status, &f).await,
        (0, _) => {}
        (status, _) => return forced_answer(status, &f).await,
    }
    match (f.version, path) {
        ("latest", "/health/readiness/details") => {
            json(fixture(f.version, "health_readiness_details.json"))
        }
        ("v1.80.0" | "latest", "/model/info") => json(fixture(f.version, "model_info.json")),
        ("v1.80.0" | "latest", "/health/latest") => json(fixture(f.version, "health_latest.json")),
        ("v1.80.0" | "latest", "/user/daily/activity") => {
            json(fixture(f.version, "user_daily_activity.json"))
        }
        ("v1.80.0" | "latest", "/key/list") => json(fixture(f.version, "key_list.json")),
        _ => (
            StatusCode::NOT_FOUND,
            json(r#"{"detail":"Not Found"}"#.into()),
        )
            .into_response(),
    }
}

async fn start(version: &'static str) -> (Fake, String) {
    let fake = Fake {
        version,
        forced: Arc::new(AtomicU16::new(0)),
        failing: Arc::new(Mutex::new(None)),
        plain_health_calls: Arc::new(AtomicUsize::new(0)),
    };
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let base = support::serve(app).await;
    (fake, base)
}

fn source(base: &str, key: &str) -> LitellmHttpSource {
    LitellmHttpSource::new(
        base,
        Auth::Bearer(Secret::new(key)),
        Arc::new(HttpTransport::default()),
        Duration::from_secs(1),
    )
    .with_clock(fixed_clock(FIXTURE_DAY))
}

#[tokio::test]
async fn litellm_1_80_normalises_to_our_families_without_calling_plain_health() {
    let (fake, base) = start("v1.80.0").await;
    let r = source(&base, MASTER_KEY).read().await.expect("reads");
    assert!(r.ready);
    assert_eq!(r.catalog.len(), 6);
    let bge = r
        .catalog
        .iter()
        .find(|e| e.model_name == "bge-m3")
        .expect("bge-m3");
    assert_eq!(bge.model_type(), "embedding");
    assert!(r.catalog.iter().any(|e| e.model_type() == "reranker"));
    assert!(
        r.catalog.iter().any(|e| e.healthy == Some(false)),
        "one deployment is unhealthy in the fixture"
    );
    let qwen = r
        .daily
        .iter()
        .find(|d| d.model == "qwen3-32b")
        .expect("usage under the public name");
    assert_eq!((qwen.requests_ok, qwen.requests_failed), (5004.0, 19.0));
    assert_eq!(r.keys.len(), 5);
    assert_eq!(
        fake.plain_health_calls.load(Ordering::SeqCst),
        0,
        "never hammer /health"
    );
    let text = render(&render_litellm(&r));
    let parsed = llmmon_core::scrape::parse(&text).expect("valid exposition");
    assert!(parsed
        .families
        .contains_key("llm_monitor_litellm_model_max_tokens"));
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/litellm_v1.80.prom");
    if std::env::var_os("LLMMON_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).expect("write golden");
    } else {
        assert_eq!(
            text,
            std::fs::read_to_string(&path).expect("golden (LLMMON_UPDATE_GOLDEN=1)")
        );
    }
}

#[tokio::test]
async fn litellm_1_110_gives_its_version_only_in_the_readiness_details() {
    // Top-level fixtures are 1.110.2: /health/readiness is just {status, db}.
    let (_, base) = start("latest").await;
    let r = source(&base, MASTER_KEY).read().await.expect("reads");
    assert_eq!(r.version.as_deref(), Some("1.110.2"));
    assert!(!r.catalog.is_empty());
}

#[tokio::test]
async fn litellm_1_79_without_the_admin_endpoints_still_reports_the_proxy() {
    let (_, base) = start("v1.79.3").await;
    let r = source(&base, MASTER_KEY).read().await.expect("reads");
    assert!(r.ready);
    assert!(r.catalog.is_empty() && r.daily.is_empty() && r.keys.is_empty());
    for endpoint in ["model_info", "daily_activity", "key_list"] {
        let err = support::failure(&r.endpoints, endpoint).expect("absent in 1.79");
        assert!(
            matches!(err, SourceError::Unsupported(m) if m.contains("not in this LiteLLM version")),
            "{endpoint}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_master_key_is_unauthorized_on_every_admin_endpoint_and_never_echoed() {
    let (_, base) = start("v1.80.0").await;
    let r = source(&base, "sk-wrong-9999")
        .read()
        .await
        .expect("readiness is public: the proxy answers");
    assert!(r.ready);
    for endpoint in ["model_info", "health_latest", "daily_activity", "key_list"] {
        let err = support::failure(&r.endpoints, endpoint).expect("401");
        assert!(
            matches!(err, SourceError::Unauthorized(_)),
            "{endpoint}: {err:?}"
        );
        assert!(!err.to_string().contains("sk-wrong-9999"));
    }
}

#[tokio::test]
async fn server_errors_garbage_and_refusals_are_reported_and_it_recovers() {
    let (fake, base) = start("v1.80.0").await;
    let src = source(&base, MASTER_KEY);
    for support::Fault { status, kind, what } in support::FAULTS {
        fake.forced.store(status, Ordering::SeqCst);
        let r = src.read().await.expect("readiness answers");
        let err = support::failure(&r.endpoints, "model_info").expect(what);
        assert_eq!(err.kind(), kind, "{what}: {err:?}");
    }
    fake.forced.store(0, Ordering::SeqCst);
    let r = src.read().await.expect("recovers");
    assert!(
        r.endpoints.0.iter().all(|e| e.result.is_ok()),
        "{:?}",
        r.endpoints
    );
    let port = support::closed_port();
    assert!(matches!(
        source(&format!("http://127.0.0.1:{port}"), MASTER_KEY)
            .read()
            .await,
        Err(SourceError::Unavailable(_))
    ));
}

#[tokio::test]
async fn one_failing_endpoint_leaves_every_other_endpoints_families_exported() {
    let (fake, base) = start("v1.80.0").await;
    let src = source(&base, MASTER_KEY);
    let whole = src.read().await.expect("reads");
    assert!(!whole.catalog.is_empty() && !whole.daily.is_empty() && !whole.keys.is_empty());
    let paths = [
        ("/model/info", "model_info"),
        ("/health/latest", "health_latest"),
        ("/user/daily/activity", "daily_activity"),
        ("/key/list", "key_list"),
    ];
    for (path, endpoint) in paths {
        for status in [500, 400, 598, 200] {
            *fake.failing.lock().expect("lock") = Some((path, status));
            let r = src.read().await.expect("readiness answers");
            assert!(
                support::failure(&r.endpoints, endpoint).is_some(),
                "{path} {status}"
            );
            for (_, other) in paths.iter().filter(|(p, _)| *p != path) {
                assert_eq!(
                    support::failure(&r.endpoints, other),
                    None,
                    "{other} while {path} answers {status}"
                );
            }
            // What the other endpoints answered is all there.
            if endpoint != "model_info" {
                assert_eq!(r.catalog.len(), whole.catalog.len(), "{path} {status}");
            }
            if endpoint != "key_list" {
                assert_eq!(r.keys, whole.keys, "{path} {status}");
            }
            if endpoint != "daily_activity" && endpoint != "model_info" {
                assert_eq!(r.daily, whole.daily, "{path} {status}");
            }
            let text = render(&render_litellm(&r));
            assert!(
                text.contains("llm_monitor_litellm_ready 1"),
                "{path} {status}"
            );
        }
    }
}

/// A LiteLLM 1.108.7 without a database, answering with what the real proxy answered
/// (`tests/fixtures/upstream/litellm/v1.108.7-nodb`, captured): each path and key state
/// maps to the captured file `<endpoint>_<master_key|wrong_key|no_key>_<status>.json`.
async fn captured_nodb(uri: Uri, headers: HeaderMap) -> Response {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/upstream/litellm/v1.108.7-nodb");
    let key = match headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        None => "no_key",
        Some(v) if v == format!("Bearer {MASTER_KEY}") => "master_key",
        Some(_) => "wrong_key",
    };
    let stem = match uri.path() {
        "/metrics/" if key == "master_key" => {
            let text = std::fs::read_to_string(dir.join("metrics_after_traffic.prom"))
                .expect("captured exposition");
            return text.into_response();
        }
        "/metrics/" => "metrics",
        p => &p.trim_start_matches('/').replace('/', "_"),
    };
    let prefix = format!("{stem}_{key}_");
    let file = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&prefix) && n.ends_with(".json"));
    let Some(file) = file else {
        return (StatusCode::NOT_FOUND, r#"{"detail":"Not Found"}"#).into_response();
    };
    let status: u16 = file[prefix.len()..file.len() - 5]
        .parse()
        .expect("status in name");
    let body = std::fs::read_to_string(dir.join(&file)).expect("fixture");
    (
        StatusCode::from_u16(status).expect("status"),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

#[tokio::test]
async fn litellm_1_108_without_a_database_is_up_with_its_catalog_and_deployment_state() {
    let base = support::serve(Router::new().fallback(captured_nodb)).await;
    let r = source(&base, MASTER_KEY).read().await.expect("reads");
    assert!(r.ready, "readiness answers healthy with db: Not connected");
    assert_eq!(r.version.as_deref(), Some("1.108.7"));
    let health: Vec<(&str, Option<bool>)> = r
        .catalog
        .iter()
        .map(|e| (e.model_name.as_str(), e.healthy))
        .collect();
    assert_eq!(
        health,
        [
            ("chat-ok", Some(true)),
            ("embed-ok", Some(true)),
            ("chat-broken", Some(false))
        ],
        "deployment health from litellm_deployment_state (1 = partial outage is not healthy)"
    );
    for endpoint in ["health_latest", "daily_activity", "key_list"] {
        let err = support::failure(&r.endpoints, endpoint).expect("no database");
        assert_eq!(
            err,
            &SourceError::Unsupported(NO_DATABASE.to_owned()),
            "{endpoint}"
        );
    }
    assert_eq!(support::failure(&r.endpoints, "model_info"), None);
    assert_eq!(support::failure(&r.endpoints, "metrics"), None);
}

#[tokio::test]
async fn litellm_without_a_database_names_a_key_that_is_not_the_master_key() {
    let base = support::serve(Router::new().fallback(captured_nodb)).await;
    let r = source(&base, "sk-virtual-key-1")
        .read()
        .await
        .expect("reads");
    let err = support::failure(&r.endpoints, "model_info").expect("400 no_db_connection");
    assert!(
        matches!(err, SourceError::Unauthorized(m) if m.contains("only its master key")),
        "{err:?}"
    );
    assert!(!err.to_string().contains("sk-virtual-key-1"));
}

#[tokio::test]
async fn a_deployment_state_exposition_over_a_cap_fails_only_that_endpoint_and_is_counted() {
    let bomb: String = (0..50)
        .map(|i| format!("litellm_deployment_state{{api_base=\"b{i}\",litellm_model_name=\"m\",model_id=\"{i}\",api_provider=\"openai\",requested_model=\"m\"}} 0\n"))
        .collect();
    let app = Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
        let bomb = bomb.clone();
        async move {
            if uri.path() == "/metrics/" {
                bomb.into_response()
            } else {
                captured_nodb(uri, headers).await
            }
        }
    });
    let base = support::serve(app).await;
    let mut src = source(&base, MASTER_KEY);
    src.limits.max_series = 40;
    let before = dropped_series("litellm/metrics");
    let r = src.read().await.expect("reads");
    let err = support::failure(&r.endpoints, "metrics").expect("capped");
    assert!(err.to_string().contains("more than 40 series"), "{err}");
    assert_eq!(dropped_series("litellm/metrics"), before + 1);
    assert_eq!(support::failure(&r.endpoints, "model_info"), None);
    assert_eq!(r.catalog.len(), 3, "the catalog is still read");
    assert!(
        r.catalog.iter().all(|e| e.healthy.is_none()),
        "no health without the deployment state"
    );
}

fn dropped_series(source: &str) -> u64 {
    llmmon_core::scrape::dropped()
        .into_iter()
        .filter(|(s, c, _)| s == source && *c == llmmon_core::scrape::Cap::Series)
        .map(|(_, _, n)| n)
        .sum()
}
