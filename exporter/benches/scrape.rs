//! Scrape latency and memory of each exporter role on the reference fleet and on a 10×
//! fleet, with the real node_exporter scraped the same way as the yardstick.
//!
//! Run: `cargo bench -p llmmon-exporter --bench scrape` (needs `prometheus-node-exporter`).
//! Each role runs as its own release process (`llmmon-exporter <role> --source sim`), so
//! its RSS is its own; a scrape is a keep-alive HTTP GET of /metrics, timed at the client.
//! The Markdown report goes to stdout and to target/bench-scrape.md.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SCRAPES: usize = 1000;
const WARMUP: usize = 50;
const ROLES: [&str; 8] = [
    "gpu",
    "containers",
    "node",
    "cadvisor",
    "dcgm",
    "vllm",
    "litellm",
    "langfuse",
];

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Row {
    what: String,
    fleet: String,
    series: usize,
    bytes: usize,
    p50_ms: f64,
    p99_ms: f64,
    rss_mb: f64,
    collect_ms: Option<f64>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn measure(client: &reqwest::Client, url: &str) -> (Vec<f64>, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    // Our roles say on /ready when the first collection is in; node_exporter has no /ready.
    let ready = url.replace("/metrics", "/ready");
    while Instant::now() < deadline {
        match client.get(&ready).send().await {
            Ok(r) if r.status().is_success() || r.status() == reqwest::StatusCode::NOT_FOUND => {
                break
            }
            _ => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    let body = client
        .get(url)
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .unwrap_or_default();
    for _ in 0..WARMUP {
        let _ = client.get(url).send().await.expect("scrape").bytes().await;
    }
    let mut times = Vec::with_capacity(SCRAPES);
    for _ in 0..SCRAPES {
        let start = Instant::now();
        let bytes = client
            .get(url)
            .send()
            .await
            .expect("scrape")
            .bytes()
            .await
            .expect("body");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(bytes);
    }
    times.sort_by(f64::total_cmp);
    (times, body)
}

fn series_count(body: &str) -> usize {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .count()
}

fn collect_ms(body: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with("llm_monitor_exporter_collect_duration_seconds{"))
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|s| s * 1000.0)
}

async fn bench_role(client: &reqwest::Client, role: &str, scale: u32) -> Row {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_llmmon-exporter"))
        .args([
            role,
            "--source",
            "sim",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("LLMMON_SIM__SCALE", scale.to_string())
        .env("LLMMON_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start llmmon-exporter");
    let proc_ = Killed(child);
    let (times, body) = measure(client, &format!("http://127.0.0.1:{port}/metrics")).await;
    Row {
        what: role.to_owned(),
        fleet: format!("{scale}×"),
        series: series_count(&body),
        bytes: body.len(),
        p50_ms: percentile(&times, 0.5),
        p99_ms: percentile(&times, 0.99),
        rss_mb: rss_mb(proc_.0.id()),
        collect_ms: collect_ms(&body),
    }
}

async fn bench_node_exporter(client: &reqwest::Client) -> Option<Row> {
    let port = free_port();
    let child = Command::new("prometheus-node-exporter")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let proc_ = Killed(child);
    let (times, body) = measure(client, &format!("http://127.0.0.1:{port}/metrics")).await;
    Some(Row {
        what: "node_exporter 1.5 (real, yardstick)".to_owned(),
        fleet: "this host".to_owned(),
        series: series_count(&body),
        bytes: body.len(),
        p50_ms: percentile(&times, 0.5),
        p99_ms: percentile(&times, 0.99),
        rss_mb: rss_mb(proc_.0.id()),
        collect_ms: None,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` probes benches; nothing to list here.
    }
    let client = reqwest::Client::new();
    let mut rows = Vec::new();
    match bench_node_exporter(&client).await {
        Some(r) => rows.push(r),
        None => eprintln!(
            "prometheus-node-exporter not found: apt-get install -y prometheus-node-exporter"
        ),
    }
    for scale in [1, 10] {
        for role in ROLES {
            rows.push(bench_role(&client, role, scale).await);
        }
    }
    let mut report = String::from(
        "| role | fleet | series | bytes | scrape p50 (ms) | scrape p99 (ms) | RSS (MB) | collection (ms) |\n|---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        report.push_str(&format!(
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.1} | {} |\n",
            r.what,
            r.fleet,
            r.series,
            r.bytes,
            r.p50_ms,
            r.p99_ms,
            r.rss_mb,
            r.collect_ms.map_or("—".to_owned(), |c| format!("{c:.2}")),
        ));
    }
    println!("{report}");
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-scrape.md"),
        &report,
    );
}
