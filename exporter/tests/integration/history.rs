//! `llmmon-exporter history` end to end, and the OpenMetrics face of `/metrics`: a day of
//! history at 300 s written by the real binary is accepted by the real
//! `promtool tsdb create-blocks-from openmetrics`, and a real Prometheus on those blocks
//! answers with every point of every target, the simulator's values at their instants and
//! histogram bounds as Prometheus 3 stores them; a real Prometheus scraping every role
//! negotiates OpenMetrics (its own Accept header) and ingests it whole.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llmmon_core::exposition::{Value, OPENMETRICS_CONTENT_TYPE};
use llmmon_core::schema::GPU_UTILIZATION;
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::history::{prometheus_float, TARGETS};
use llmmon_exporter::wiring;
use llmmon_sim::{Conditions, Simulator};

use crate::support::{self, closed_port as free_port, require, Proc};

/// A real Prometheus on a loopback port: `config`, its TSDB in `data`.
async fn prometheus(dir: &Path, data: &Path, config: &str) -> (Proc, String) {
    let bin = require("prometheus", "prometheus");
    let port = free_port();
    let cfg = dir.join("prometheus.yml");
    std::fs::write(&cfg, config).expect("write config");
    let child = Proc(
        Command::new(bin)
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=3650d")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{url}/-/ready")).await {
            if r.status().is_success() {
                return (child, url);
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("prometheus did not become ready");
}

/// An API call's `data`.
async fn api(url: &str, path: &str, query: &[(&str, String)]) -> serde_json::Value {
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!("{url}{path}"))
        .query(query)
        .send()
        .await
        .expect("prometheus answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(body["status"], "success", "{path} {query:?}: {body}");
    body["data"].clone()
}

/// The single value of an instant query at `time`, None when the result is empty.
async fn scalar(url: &str, q: &str, time: f64) -> Option<f64> {
    let data = api(
        url,
        "/api/v1/query",
        &[("query", q.to_owned()), ("time", time.to_string())],
    )
    .await;
    let rows = data["result"].as_array().cloned().unwrap_or_default();
    assert!(rows.len() <= 1, "{q}: {rows:?}");
    rows.first()
        .and_then(|r| r["value"][1].as_str())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_history_loads_with_promtool_and_prometheus_has_every_point() {
    let promtool = require("promtool", "prometheus");
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("history");
    // The last whole UTC day: one file, one day, 288 scrapes at 300 s.
    let end = (llmmon_core::clock::now() / 86_400.0).floor() * 86_400.0;
    let start = end - 86_400.0;
    let began = Instant::now();
    let run = Command::new(env!("CARGO_BIN_EXE_llmmon-exporter"))
        .args(["history", "--days", "1", "--step", "300s", "--end"])
        .arg(end.to_string())
        .arg("--out")
        .arg(&out)
        .env_remove("LLMMON_CONFIG")
        .output()
        .expect("run llmmon-exporter history");
    let generated_s = began.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let files: Vec<PathBuf> = std::fs::read_dir(&out)
        .expect("out dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = &files[0];
    let day = chrono_day(start);
    assert_eq!(
        file.file_name().and_then(|n| n.to_str()),
        Some(format!("history-{day}.om").as_str())
    );
    let text = std::fs::read_to_string(file).expect("read history");
    assert!(text.ends_with("\n# EOF\n"), "ends with # EOF");
    assert_eq!(text.matches("# EOF").count(), 1);
    assert_eq!(
        text.lines().next(),
        Some(format!("up{{job=\"gpu\",instance=\"gpu-exporter:9445\"}} 1 {start}").as_str())
    );
    let samples: u64 = text.lines().filter(|l| !l.starts_with('#')).count() as u64;
    assert!(
        stdout.contains(&format!("wrote 1 file ({samples} samples,")),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "do promtool tsdb create-blocks-from openmetrics --max-block-duration=24h \"$f\" DATA_DIR"
        ),
        "{stdout}"
    );
    let size_mb = text.len() as f64 / 1e6;
    drop(text);

    // The real promtool turns it into blocks, as the printed command says.
    let data = tmp.path().join("data");
    let began = Instant::now();
    let blocks = Command::new(&promtool)
        .args([
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=24h",
        ])
        .arg(file)
        .arg(&data)
        .output()
        .expect("run promtool");
    let ingest_s = began.elapsed().as_secs_f64();
    assert!(
        blocks.status.success(),
        "promtool refused the history: {}{}",
        String::from_utf8_lossy(&blocks.stdout),
        String::from_utf8_lossy(&blocks.stderr)
    );
    eprintln!(
        "history: 1 day at 300 s, {samples} samples, {size_mb:.0} MB, written in {generated_s:.1} s \
         (debug build); promtool ingest {ingest_s:.1} s"
    );

    // A real Prometheus on the blocks has every scrape of every target.
    let (_prom, url) = prometheus(tmp.path(), &data, "global:\n  scrape_interval: 30s\n").await;
    let at = end - 1.0;
    for t in TARGETS {
        let q = format!(
            "count_over_time(up{{job=\"{}\",instance=\"{}\"}}[1d])",
            t.job, t.instance
        );
        assert_eq!(scalar(&url, &q, at).await, Some(288.0), "{q}");
        let q = format!("min_over_time(up{{job=\"{}\"}}[1d])", t.job);
        assert_eq!(scalar(&url, &q, at).await, Some(1.0), "{q}");
    }
    // Every sample of the file is stored (counted per metric name: count_over_time drops
    // the name, and series of two names would collide).
    let names = api(&url, "/api/v1/label/__name__/values", &[]).await;
    let names: Vec<String> = serde_json::from_value(names).expect("strings");
    let mut stored = 0.0;
    for name in &names {
        let q = format!("sum(count_over_time({{__name__=\"{name}\"}}[1d]))");
        stored += scalar(&url, &q, at).await.unwrap_or(0.0);
    }
    assert_eq!(stored, samples as f64, "every sample of the file is stored");
    let q = "count(count by (__name__) ({job=\"litellm-proxy\",service=\"litellm\"}))";
    assert!(scalar(&url, q, at).await.is_some_and(|n| n > 5.0), "{q}");

    // Each instant holds what the simulator says at that instant.
    let sim = Simulator::new(42, 1, Conditions::default(), start);
    for k in [0.0, 100.0, 287.0] {
        let t = start + k * 300.0;
        let set = llmmon_exporter::wiring::sim_role_metrics(&sim, Role::Gpu, t)
            .await
            .expect("gpu metrics");
        let Some(Value::Gauge(want)) = set.value(&GPU_UTILIZATION, &["0"]).cloned() else {
            panic!("no utilisation of GPU 0 at {t}");
        };
        let q = "llm_monitor_gpu_utilization_ratio{job=\"gpu\",gpu=\"0\"}";
        assert_eq!(scalar(&url, q, t).await, Some(want), "{q} at {t}");
    }

    // Histogram bounds as Prometheus 3 stores a scraped bucket (`le="1.0"`, not `"1"`).
    let les = api(&url, "/api/v1/label/le/values", &[]).await;
    let les: Vec<String> = serde_json::from_value(les).expect("strings");
    assert!(les.len() > 5, "{les:?}");
    for le in &les {
        let n: f64 = le.parse().unwrap_or_else(|_| panic!("le {le}"));
        assert_eq!(le, &prometheus_float(n), "le {le}");
    }
}

/// `YYYY-MM-DD` of a Unix time (UTC).
fn chrono_day(t: f64) -> String {
    chrono::DateTime::from_timestamp(t as i64, 0)
        .expect("a valid time")
        .format("%Y-%m-%d")
        .to_string()
}

/// What a proxy saw of one scrape: the request's Accept and the answer's Content-Type.
type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// A loopback proxy in front of `target` that records what passes.
async fn recording_proxy(target: SocketAddr, seen: Seen) -> String {
    use axum::extract::State;
    use axum::http::{header, HeaderMap};
    use axum::response::IntoResponse;
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(
                |State((target, seen)): State<(SocketAddr, Seen)>, headers: HeaderMap| async move {
                    let accept = headers
                        .get(header::ACCEPT)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let resp = reqwest::Client::new()
                        .get(format!("http://{target}/metrics"))
                        .header(header::ACCEPT, &accept)
                        .send()
                        .await
                        .expect("role answers");
                    let ct = resp
                        .headers()
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    let body = resp.bytes().await.expect("body");
                    seen.lock().expect("lock").push((accept, ct.clone()));
                    ([(header::CONTENT_TYPE, ct)], body).into_response()
                },
            ),
        )
        .with_state((target, seen));
    support::serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_every_role_as_openmetrics_and_ingests_it_whole() {
    let settings = Settings::demo(Duration::from_secs(1));
    let running = wiring::start(&settings, &Role::ALL, SourceMode::Sim)
        .await
        .expect("roles start");
    assert!(running.wait_ready(Duration::from_secs(30)).await);
    let mut seen: BTreeMap<Role, Seen> = BTreeMap::new();
    let mut jobs = String::new();
    for role in Role::ALL {
        let addr = running.addr(role).expect("bound");
        let log: Seen = Arc::default();
        let proxy = recording_proxy(addr, log.clone()).await;
        seen.insert(role, log);
        let host = proxy.trim_start_matches("http://");
        jobs.push_str(&format!(
            "  - job_name: {role}\n    static_configs:\n      - targets: [\"{host}\"]\n"
        ));
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let config =
        format!("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n{jobs}");
    let (_prom, url) = prometheus(tmp.path(), &tmp.path().join("data"), &config).await;

    // Every role scraped successfully, more than once.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut scraped = false;
    while Instant::now() < deadline && !scraped {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = llmmon_core::clock::now();
        let up = scalar(&url, "count(up == 1)", now).await;
        let many = seen.values().all(|s| s.lock().expect("lock").len() >= 3);
        scraped = up == Some(Role::ALL.len() as f64) && many;
    }
    assert!(scraped, "every role up, scraped three times");

    let client = reqwest::Client::new();
    for role in Role::ALL {
        let log = seen[&role].lock().expect("lock").clone();
        for (accept, ct) in &log {
            // Prometheus asks for OpenMetrics first, and gets it.
            assert!(
                accept.starts_with("application/openmetrics-text"),
                "{role}: {accept}"
            );
            assert_eq!(ct, OPENMETRICS_CONTENT_TYPE, "{role}");
        }
        // The role's own counter family arrives as an OpenMetrics counter: Prometheus names
        // its metadata after the family (without _total), which only OpenMetrics gives.
        let meta = api(
            &url,
            "/api/v1/targets/metadata",
            &[
                ("match_target", format!("{{job=\"{role}\"}}")),
                ("metric", "llm_monitor_exporter_collect_failures".to_owned()),
            ],
        )
        .await;
        assert_eq!(meta[0]["type"], "counter", "{role}: {meta}");
        // Whole: Prometheus stored as many samples as the exposition has (text, now).
        let text = client
            .get(format!(
                "http://{}/metrics",
                running.addr(role).expect("bound")
            ))
            .send()
            .await
            .expect("scrape")
            .text()
            .await
            .expect("text");
        let in_text = text.lines().filter(|l| !l.starts_with('#')).count() as f64;
        let q = format!("scrape_samples_scraped{{job=\"{role}\"}}");
        let stored = scalar(&url, &q, llmmon_core::clock::now())
            .await
            .expect("scrape_samples_scraped");
        assert!(
            (stored - in_text).abs() <= in_text * 0.02,
            "{role}: Prometheus took {stored} samples, the exposition has {in_text}"
        );
    }
    let q = "count(llm_monitor_vllm_time_to_first_token_seconds_bucket{job=\"vllm\"})";
    assert!(
        scalar(&url, q, llmmon_core::clock::now())
            .await
            .is_some_and(|n| n > 10.0),
        "{q}"
    );

    // Without asking, a client still gets the text format.
    let plain = client
        .get(format!(
            "http://{}/metrics",
            running.addr(Role::Gpu).expect("bound")
        ))
        .send()
        .await
        .expect("scrape");
    assert_eq!(
        plain.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    running.stop.cancel();
}
