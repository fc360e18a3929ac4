//! Mock mode end to end: the simulator's upstreams served over HTTP (what
//! `llmmon-exporter sim-upstreams` runs), the vllm, litellm and langfuse roles in *real*
//! mode reading them like production servers, and real Prometheus scraping the roles. The
//! per-model series Prometheus stores agree with the simulator's ground truth.

use std::time::Duration;

use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring;
use llmmon_sim::{self as sim, Conditions, Simulator};

use crate::support::{self, local_prometheus_config, wait_for, Prometheus};

fn within(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * b.abs().max(1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_collectors_on_simulated_upstreams_agree_with_the_ground_truth() {
    let simulator = Simulator::new(42, 1, Conditions::default(), llmmon_core::clock::now());
    let app = sim::upstreams::router(simulator.clone(), llmmon_core::clock::wall_clock());
    let upstreams = format!("http://{}", support::serve(app).await);

    // Credentials as a deployment would set them in .env (the simulator checks their form).
    std::env::set_var("LLMMON_LITELLM_MASTER_KEY", "sk-e2e-master-4242");
    std::env::set_var("LLMMON_LANGFUSE_PUBLIC_KEY", "pk-lf-e2e");
    std::env::set_var("LLMMON_LANGFUSE_SECRET_KEY", "sk-lf-e2e");
    let mut settings = Settings::demo(Duration::from_secs(1));
    settings.vllm.discover = false;
    settings.vllm.targets = simulator
        .fleet()
        .vllm
        .iter()
        .map(|v| format!("{upstreams}/vllm/{}", v.container))
        .collect();
    settings.litellm.url = format!("{upstreams}/litellm");
    settings.langfuse.url = format!("{upstreams}/langfuse");
    let roles = [Role::Vllm, Role::Litellm, Role::Langfuse];
    let running = wiring::start(&settings, &roles, SourceMode::Real)
        .await
        .expect("roles start");
    assert!(
        running.wait_ready(Duration::from_secs(20)).await,
        "roles collected"
    );
    let addrs: Vec<_> = running.bound.iter().map(|b| (b.role, b.addr)).collect();
    let prom = Prometheus::start(&local_prometheus_config(&addrs, "1s")).await;
    let up = wait_for(Duration::from_secs(30), || {
        let prom = &prom;
        async move {
            let r = prom
                .query("sum(llm_monitor_exporter_source_up) and on() count(up == 1) == 3")
                .await;
            (!r.is_empty()).then_some(())
        }
    })
    .await;
    assert!(up.is_some(), "all three jobs up with every source up");

    // vLLM: finished requests per model, at the scrape's own timestamp.
    let rows = prom
        .query("sum by (model) (llm_monitor_vllm_request_success_total)")
        .await;
    let ts_rows = prom
        .query("max by (model) (timestamp(llm_monitor_vllm_request_success_total))")
        .await;
    assert_eq!(rows.len(), 10, "every model present");
    for row in &rows {
        let model = row["metric"]["model"].as_str().expect("model label");
        let value: f64 = support::sample_value(row).expect("value");
        let ts: f64 = ts_rows
            .iter()
            .find(|r| r["metric"]["model"] == model)
            .and_then(support::sample_value)
            .expect("timestamp");
        let truth: f64 = simulator
            .vllm_instances(ts)
            .iter()
            .filter(|i| i.model == model)
            .filter_map(|i| i.stats.as_ref())
            .flat_map(|s| s.success.iter().map(|(_, v)| *v))
            .sum();
        assert!(
            within(value, truth, 0.05),
            "{model}: Prometheus {value}, simulator {truth}"
        );
    }

    // LiteLLM: today's requests per model.
    let rows = prom
        .query("sum by (model) (llm_monitor_litellm_daily_requests)")
        .await;
    assert_eq!(rows.len(), 10);
    let truth = simulator.litellm_reading(llmmon_core::clock::now());
    for row in &rows {
        let model = row["metric"]["model"].as_str().expect("model");
        let value: f64 = support::sample_value(row).expect("value");
        let d = truth
            .daily
            .iter()
            .find(|d| d.model == model)
            .expect("model in ground truth");
        assert!(
            within(value, d.requests_ok + d.requests_failed, 0.05),
            "{model}: {value} vs {d:?}"
        );
    }

    // Langfuse: today's generations per model.
    let rows = prom.query("llm_monitor_langfuse_daily_observations").await;
    let truth = simulator
        .langfuse_reading(llmmon_core::clock::now())
        .expect("langfuse up");
    assert_eq!(rows.len(), truth.models.len());
    for row in &rows {
        let model = row["metric"]["model"].as_str().expect("model");
        let value: f64 = support::sample_value(row).expect("value");
        let m = truth
            .models
            .iter()
            .find(|m| m.model == model)
            .expect("model");
        assert!(
            within(value, m.observations, 0.05),
            "{model}: {value} vs {}",
            m.observations
        );
    }
    running.stop.cancel();
}

/// The stack's `litellm-proxy` job as shipped (path, bearer key from a file, target file),
/// pointed at the mock overlay's target file: real Prometheus scrapes LiteLLM's own
/// /metrics from the simulator with the master key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_litellm_proxy_job_scrapes_litellm_metrics_with_the_master_key() {
    use std::sync::{Arc, Mutex};

    let simulator = Simulator::new(42, 1, Conditions::default(), llmmon_core::clock::now());
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let record = seen.clone();
    let app = sim::upstreams::router(simulator, llmmon_core::clock::wall_clock()).layer(
        axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let record = record.clone();
                async move {
                    let auth = req
                        .headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    if let Ok(mut seen) = record.lock() {
                        seen.push((req.uri().path().to_owned(), auth));
                    }
                    next.run(req).await
                }
            },
        ),
    );
    let addr = support::serve(app).await;

    let compose =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compose/config/prometheus");
    let dir = tempfile::tempdir().expect("temp dir");
    // The secret as Compose writes it from .env (a trailing newline is trimmed).
    let key_file = dir.path().join("litellm_master_key");
    std::fs::write(&key_file, "sk-e2e-master-4242\n").expect("key file");
    let targets: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(compose.join("targets-mock/litellm-proxy.yml")).expect("targets"),
    )
    .expect("YAML");
    let mut targets = targets;
    targets[0]["targets"] = vec![addr.to_string()].into();
    let targets_file = dir.path().join("litellm-proxy.yml");
    std::fs::write(
        &targets_file,
        serde_yaml_ng::to_string(&targets).expect("YAML"),
    )
    .expect("write");

    let mut doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(compose.join("prometheus.yml")).expect("prometheus.yml"),
    )
    .expect("YAML");
    doc["global"]["scrape_interval"] = "1s".into();
    doc["global"]["scrape_timeout"] = "1s".into();
    doc["rule_files"] = serde_yaml_ng::Value::Null;
    doc["alerting"] = serde_yaml_ng::Value::Null;
    let jobs = doc["scrape_configs"].as_sequence_mut().expect("jobs");
    jobs.retain(|j| j["job_name"] == "litellm-proxy");
    assert_eq!(jobs.len(), 1, "the stack has a litellm-proxy job");
    jobs[0]["authorization"]["credentials_file"] = key_file.display().to_string().into();
    jobs[0]["file_sd_configs"][0]["files"] = vec![targets_file.display().to_string()].into();
    let prom = Prometheus::start(&serde_yaml_ng::to_string(&doc).expect("YAML")).await;

    let scraped = wait_for(Duration::from_secs(30), || {
        let prom = &prom;
        async move {
            let r = prom
                .query(r#"sum by (job, service) (litellm_proxy_total_requests_metric_total{job="litellm-proxy"})"#)
                .await;
            r.into_iter().next()
        }
    })
    .await
    .expect("LiteLLM's request counter reached Prometheus");
    assert_eq!(scraped["metric"]["service"], "litellm");
    assert!(support::sample_value(&scraped).expect("value") > 0.0);
    let up = prom.query(r#"up{job="litellm-proxy"} == 1"#).await;
    assert_eq!(up.len(), 1, "one LiteLLM target, up");
    let seen = seen.lock().expect("lock").clone();
    assert!(
        seen.iter()
            .any(|(p, a)| p == "/litellm/metrics" && a == "Bearer sk-e2e-master-4242"),
        "Prometheus sent the key from the secret file on the mock's path: {seen:?}"
    );
    // The key is never shown by Prometheus's config API.
    let config: serde_json::Value = reqwest::get(format!("{}/api/v1/status/config", prom.url))
        .await
        .expect("config")
        .json()
        .await
        .expect("JSON");
    assert!(!config.to_string().contains("sk-e2e-master-4242"));
}
