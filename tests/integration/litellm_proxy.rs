//! The real LiteLLM proxy (PyPI `litellm[proxy]` 1.108.7, the newest that installs here),
//! run without a database in front of a fake OpenAI backend this test owns, read by the
//! `litellm` role and scraped by Prometheus' `litellm-proxy` job as shipped in
//! `prometheus.local.yml`. The real program is the judge of what the collector expects.
//!
//! What the real run covers: readiness and its details (version), `/model/info` (catalog,
//! api_base, mode, costs), LiteLLM's own `/metrics/` behind the master key (request, token,
//! latency and failure families, `litellm_deployment_state` as the deployment health), and what
//! a proxy without a database answers on `/health/latest`, `/user/daily/activity` and
//! `/key/list` (500: reported as unsupported). What only fixtures cover (a database needs
//! Prisma's engines, which cannot be downloaded here): the bodies of those three endpoints with
//! a database — `tests/fixtures/upstream/litellm`, read by
//! `exporter/tests/integration/litellm_http.rs`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use llmmon::rules::{recording as rec, Config};
use llmmon_core::schema::{self as s, LITELLM_PROXY_FAMILIES};
use llmmon_core::upstream::{Auth, HttpTransport, Secret};
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::litellm::http_source::{LitellmHttpSource, NO_DATABASE};
use llmmon_exporter::litellm::LitellmCollector;
use llmmon_exporter::service::{http::app, RoleService};
use serde_json::json;
use tokio::sync::Notify;

use crate::support::litellm::{Litellm, INPUT_COST, OUTPUT_COST, VERSION};
use crate::support::openai_backend::{self, COMPLETION_TOKENS, PROMPT_TOKENS};
use crate::support::{self, Prometheus};

/// Requests sent through the proxy: chats that succeed (some streamed), embeddings, chats
/// to the broken backend.
const CHATS_OK: u64 = 10;
const STREAMED: u64 = 3;
const EMBEDDINGS: u64 = 3;
const CHATS_BROKEN: u64 = 4;

/// The role, collecting from the proxy, served on a loopback port.
struct RoleUnderTest {
    svc: Arc<RoleService>,
    addr: SocketAddr,
}

async fn litellm_role(proxy: &Litellm) -> RoleUnderTest {
    let source = LitellmHttpSource::new(
        &proxy.url,
        Auth::Bearer(Secret::new(&proxy.master_key)),
        Arc::new(HttpTransport::default()),
        Duration::from_secs(10),
    );
    let svc = RoleService::with_collectors(
        Role::Litellm,
        SourceMode::Real,
        None,
        vec![Arc::new(LitellmCollector {
            source: Arc::new(source),
        })],
        Arc::new(Notify::new()),
    );
    let addr = support::serve(app(svc.clone())).await;
    RoleUnderTest { svc, addr }
}

async fn chat(proxy: &Litellm, model: &str, stream: bool) -> u16 {
    let mut body = json!({"model": model, "messages": [{"role": "user", "content": "Say hello"}]});
    if stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    proxy.send("/v1/chat/completions", body).await
}

/// Sends `n` of each kind of request (the first batch creates LiteLLM's series, the second
/// makes them grow, so rates are not zero).
async fn traffic(proxy: &Litellm, ok: u64, streamed: u64, embeddings: u64, broken: u64) {
    for i in 0..ok {
        assert_eq!(
            chat(proxy, "chat-ok", i < streamed).await,
            200,
            "chat-ok #{i}"
        );
    }
    for i in 0..embeddings {
        let status = proxy
            .send(
                "/v1/embeddings",
                json!({"model": "embed-ok", "input": ["one text"]}),
            )
            .await;
        assert_eq!(status, 200, "embedding #{i}");
    }
    for i in 0..broken {
        let status = chat(proxy, "chat-broken", false).await;
        assert!(status >= 400, "chat-broken #{i} answered {status}");
    }
}

async fn text(url: &str) -> String {
    reqwest::get(url)
        .await
        .expect("GET")
        .text()
        .await
        .expect("body")
}

/// The value of `sum(<query>)` in Prometheus, once it has one.
async fn sum(prom: &Prometheus, query: &str) -> Option<f64> {
    prom.query(&format!("sum({query})"))
        .await
        .first()
        .and_then(support::sample_value)
}

/// The shipped local Prometheus config: the `litellm` job on the role, and the shipped
/// `litellm-proxy` job (path, bearer key from a file) moved to the proxy, its key file in
/// `dir`; the recording rules from the repository.
fn prometheus_config(role: SocketAddr, proxy: &Litellm, dir: &std::path::Path) -> String {
    let shipped =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compose/config/prometheus");
    let text =
        std::fs::read_to_string(shipped.join("prometheus.local.yml")).expect("shipped config");
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
    let mut job = doc["scrape_configs"]
        .as_sequence()
        .expect("scrape_configs")
        .iter()
        .find(|j| j["job_name"] == "litellm-proxy")
        .expect("the shipped litellm-proxy job")
        .clone();
    assert_eq!(
        job["metrics_path"], "/metrics/",
        "LiteLLM redirects /metrics"
    );
    let key = dir.join("litellm_master_key");
    std::fs::write(&key, &proxy.master_key).expect("key file");
    job["authorization"]["credentials_file"] = key.display().to_string().into();
    job["static_configs"][0]["targets"] = vec![format!("127.0.0.1:{}", proxy.port)].into();
    let mut config: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &support::local_prometheus_config(&[(Role::Litellm, role)], "1s"),
    )
    .expect("YAML");
    config["scrape_configs"]
        .as_sequence_mut()
        .expect("scrape_configs")
        .push(job);
    config["rule_files"] = vec![shipped
        .join("rules/llmmon-recording.yml")
        .display()
        .to_string()]
    .into();
    serde_yaml_ng::to_string(&config).expect("YAML")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_litellm_proxy_without_a_database_is_read_by_the_role_and_scraped_by_prometheus() {
    let (ok, broken, backend) = openai_backend::start().await;
    let proxy = Litellm::start(ok, broken).await;
    let role = litellm_role(&proxy).await;
    let dir = tempfile::tempdir().expect("tmp");
    let prom = Prometheus::start(&prometheus_config(role.addr, &proxy, dir.path())).await;

    // A first request of each kind creates LiteLLM's series; once Prometheus has them, the
    // rest make them grow (so rates and the recorded percentiles are not zero).
    traffic(&proxy, 1, 1, 1, 1).await;
    let latency_count = format!("{}_count", s::LITELLM_REQUEST_LATENCY.name);
    let seen = support::wait_for(Duration::from_secs(30), || async {
        sum(&prom, &latency_count).await.filter(|n| *n >= 2.0)
    })
    .await;
    assert!(
        seen.is_some(),
        "Prometheus never saw LiteLLM's first requests"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    traffic(
        &proxy,
        CHATS_OK - 1,
        STREAMED - 1,
        EMBEDDINGS - 1,
        CHATS_BROKEN - 1,
    )
    .await;
    assert_eq!(openai_backend::Counts::get(&backend.chats) as u64, CHATS_OK);
    assert_eq!(
        openai_backend::Counts::get(&backend.embeddings) as u64,
        EMBEDDINGS
    );
    assert!(openai_backend::Counts::get(&backend.failed) as u64 >= CHATS_BROKEN);

    role.svc.collect_once(0, Duration::from_secs(30)).await;
    the_role_reports_the_proxy_up_with_catalog_and_deployment_state(&role, &proxy).await;
    the_role_names_what_a_proxy_without_a_database_cannot_give(&role, &proxy).await;
    prometheus_scrapes_litellms_own_families_with_the_master_key(&prom, &proxy).await;
}

async fn the_role_reports_the_proxy_up_with_catalog_and_deployment_state(
    role: &RoleUnderTest,
    proxy: &Litellm,
) {
    let metrics = text(&format!("http://{}/metrics", role.addr)).await;
    let scrape = llmmon_core::scrape::parse(&metrics).expect("valid exposition");
    let value = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .series(name)
            .iter()
            .find(|x| labels.iter().all(|(k, v)| x.label(k) == *v))
            .and_then(|x| x.value.number())
    };
    let log = || proxy.log_tail();
    assert_eq!(
        value(s::SOURCE_UP.name, &[("source", "litellm")]),
        Some(1.0),
        "{metrics}\n{}",
        log()
    );
    assert_eq!(value(s::LITELLM_READY.name, &[]), Some(1.0));
    assert_eq!(
        value(s::LITELLM_INFO.name, &[("version", VERSION)]),
        Some(1.0),
        "{metrics}"
    );
    for (name, litellm_model, mode) in support::litellm::MODELS {
        let info = scrape
            .series(s::LITELLM_MODEL_INFO.name)
            .iter()
            .find(|x| x.label("model") == name)
            .unwrap_or_else(|| panic!("{name} in the catalog: {metrics}"));
        assert_eq!(info.label("litellm_model"), litellm_model);
        assert_eq!(info.label("mode"), mode);
        assert!(
            info.label("api_base").starts_with("http://127.0.0.1:"),
            "{name}: {}",
            info.label("api_base")
        );
    }
    let types: Vec<&str> = scrape
        .series(s::LITELLM_MODEL_INFO.name)
        .iter()
        .map(|x| x.label("type"))
        .collect();
    assert!(
        types.contains(&"llm") && types.contains(&"embedding"),
        "{types:?}"
    );
    assert_eq!(
        value(
            s::LITELLM_MODEL_COST.name,
            &[("model", "chat-ok"), ("direction", "input")]
        ),
        Some(INPUT_COST)
    );
    assert_eq!(
        value(
            s::LITELLM_MODEL_COST.name,
            &[("model", "chat-ok"), ("direction", "output")]
        ),
        Some(OUTPUT_COST)
    );
    // Without a database there are no cached health checks: LiteLLM's own deployment
    // state says which deployment works.
    assert_eq!(
        value(s::LITELLM_DEPLOYMENT_HEALTHY.name, &[("model", "chat-ok")]),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        value(
            s::LITELLM_DEPLOYMENT_HEALTHY.name,
            &[("model", "chat-broken")]
        ),
        Some(0.0),
        "{metrics}"
    );
    assert!(
        !metrics.contains(&proxy.master_key),
        "the key never reaches metrics"
    );
}

async fn the_role_names_what_a_proxy_without_a_database_cannot_give(
    role: &RoleUnderTest,
    proxy: &Litellm,
) {
    let metrics = text(&format!("http://{}/metrics", role.addr)).await;
    for endpoint in ["health_latest", "daily_activity", "key_list"] {
        let up = format!(
            "{}{{source=\"litellm\",endpoint=\"{endpoint}\"}} 0",
            s::ENDPOINT_UP.name
        );
        assert!(metrics.contains(&up), "{up}: {metrics}");
        let kind = format!(
            "{}{{source=\"litellm\",endpoint=\"{endpoint}\",kind=\"unsupported\"}} 1",
            s::ENDPOINT_ERROR.name
        );
        assert!(metrics.contains(&kind), "{kind}: {metrics}");
    }
    for endpoint in ["model_info", "readiness_details", "metrics"] {
        let up = format!(
            "{}{{source=\"litellm\",endpoint=\"{endpoint}\"}} 1",
            s::ENDPOINT_UP.name
        );
        assert!(metrics.contains(&up), "{up}: {metrics}");
    }
    assert!(
        !metrics.contains(s::LITELLM_KEY_SPEND.name),
        "no keys without a database"
    );
    let ready = text(&format!("http://{}/ready", role.addr)).await;
    assert!(ready.contains(NO_DATABASE), "{ready}");
    assert!(!ready.contains(&proxy.master_key));
}

async fn prometheus_scrapes_litellms_own_families_with_the_master_key(
    prom: &Prometheus,
    proxy: &Litellm,
) {
    let limit = Duration::from_secs(30);
    let latency_count = format!("{}_count", s::LITELLM_REQUEST_LATENCY.name);
    // LiteLLM counts in callbacks after the answer: each counter settles on its own.
    let counters = [
        (
            s::LITELLM_PROXY_REQUESTS.name,
            "requested_model=\"chat-ok\"",
            CHATS_OK,
        ),
        (
            s::LITELLM_PROXY_FAILED.name,
            "requested_model=\"chat-broken\"",
            CHATS_BROKEN,
        ),
        (
            s::LITELLM_INPUT_TOKENS.name,
            "model=\"fake-chat\"",
            CHATS_OK * PROMPT_TOKENS,
        ),
        (
            s::LITELLM_OUTPUT_TOKENS.name,
            "model=\"fake-chat\"",
            CHATS_OK * COMPLETION_TOKENS,
        ),
        (&latency_count, "requested_model=\"chat-ok\"", CHATS_OK),
    ];
    for (name, selector, expected) in counters {
        let query = format!("{name}{{{selector}}}");
        let _ = support::wait_for(limit, || async {
            sum(prom, &query).await.filter(|v| *v >= expected as f64)
        })
        .await;
        assert_eq!(
            sum(prom, &query).await,
            Some(expected as f64),
            "{query}; proxy log:\n{}",
            proxy.log_tail()
        );
    }
    assert_eq!(
        sum(prom, "up{job=\"litellm-proxy\"}").await,
        Some(1.0),
        "scraped with the key"
    );
    assert_eq!(
        sum(
            prom,
            &format!("{}{{route=\"/metrics/\"}}", s::LITELLM_PROXY_FAILED.name)
        )
        .await,
        None,
        "scrapes with the key are no failed requests"
    );
    let ttft = format!("{}_count", s::LITELLM_TTFT.name);
    assert!(
        sum(prom, &ttft).await.is_some_and(|n| n >= 1.0),
        "streamed chats give a first token"
    );
    let states = prom.query(s::LITELLM_DEPLOYMENT_STATE.name).await;
    assert!(!states.is_empty(), "litellm_deployment_state is exported");
    let missing: Vec<&str> = {
        let mut out = Vec::new();
        for def in LITELLM_PROXY_FAMILIES {
            let q = match def.kind {
                s::MetricKind::Histogram => format!("{}_count", def.name),
                _ => def.name.to_owned(),
            };
            if prom.query(&format!("count({q})")).await.is_empty() {
                out.push(def.name);
            }
        }
        out
    };
    assert_eq!(
        missing,
        Vec::<&str>::new(),
        "schema families the real proxy does not export"
    );
    let cfg = Config::default();
    let p95 = rec::litellm_request_latency(&cfg).quantile(rec::P95);
    let recorded = support::wait_for(limit, || async {
        prom.query(&format!("{p95}{{requested_model=\"chat-ok\"}}"))
            .await
            .first()
            .and_then(support::sample_value)
            .filter(|v| v.is_finite())
    })
    .await;
    assert!(
        recorded.is_some_and(|v| v > 0.0),
        "{p95} from the real proxy's histogram: {:?}",
        prom.query(&p95).await
    );
}
