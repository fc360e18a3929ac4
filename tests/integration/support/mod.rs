//! Shared helpers of the integration tests: finding real binaries (failing loudly with the
//! install command when one is missing), free loopback ports, and a real Prometheus.

#![allow(
    dead_code,
    reason = "the benches include this module by path and use a few of the helpers"
)]

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use llmmon_core::Role;

#[path = "../../shared/require.rs"]
mod required;
pub use required::require;

/// A port nothing listens on right now (bound and released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// A child process killed when dropped.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls `f` until it returns Some or `limit` passes.
pub async fn wait_for<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// The shipped local Prometheus config with each job's target moved to `addrs` and the
/// scrape interval shortened for the test.
pub fn local_prometheus_config(addrs: &[(Role, SocketAddr)], interval: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compose/config/prometheus/prometheus.local.yml");
    let text = std::fs::read_to_string(&path).expect("shipped prometheus.local.yml");
    let mut doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
    doc["global"]["scrape_interval"] = interval.into();
    doc["global"]["scrape_timeout"] = interval.into();
    doc["global"]["evaluation_interval"] = interval.into();
    let jobs = doc["scrape_configs"]
        .as_sequence_mut()
        .expect("scrape_configs");
    jobs.retain(|job| {
        let name = job["job_name"].as_str().unwrap_or_default();
        addrs.iter().any(|(r, _)| r.as_str() == name)
    });
    for job in jobs.iter_mut() {
        let name = job["job_name"].as_str().unwrap_or_default().to_owned();
        let addr = addrs
            .iter()
            .find(|(r, _)| r.as_str() == name)
            .map(|(_, a)| a)
            .expect("job has a role");
        job["static_configs"][0]["targets"] = vec![addr.to_string()].into();
    }
    serde_yaml_ng::to_string(&doc).expect("serialise YAML")
}

/// Adds the stack's `litellm-proxy` job to a Prometheus config, scraping LiteLLM's own
/// `/metrics` as `simulator`'s upstreams serve it (started here on a loopback port).
pub async fn add_litellm_proxy(
    config: &mut serde_yaml_ng::Value,
    simulator: std::sync::Arc<llmmon_sim::Simulator>,
) {
    use llmmon_sim as sim;
    let upstreams = serve(sim::upstreams::router(
        simulator,
        llmmon_core::clock::wall_clock(),
    ))
    .await;
    let job: serde_yaml_ng::Value = serde_yaml_ng::from_str(&format!(
        "job_name: litellm-proxy\nmetrics_path: /litellm/metrics\nstatic_configs:\n  - targets: [\"{upstreams}\"]\n"
    ))
    .expect("job");
    config["scrape_configs"]
        .as_sequence_mut()
        .expect("scrape_configs")
        .push(job);
}

/// Serves `app` on a free loopback port for the rest of the test; its address.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// The value of one instant-vector sample of a Prometheus API answer.
pub fn sample_value(row: &serde_json::Value) -> Option<f64> {
    row["value"][1].as_str()?.parse().ok()
}

/// A real Prometheus server on a free loopback port, with its own data directory.
pub struct Prometheus {
    pub url: String,
    _proc: Proc,
    _dir: tempfile::TempDir,
}

/// Starts `bin` with `config` written to `config_name` in a fresh temp dir, on a free
/// loopback port; `args` gets the config path, the temp dir and the port.
pub fn launch(
    bin: PathBuf,
    config_name: &str,
    config: &str,
    args: impl FnOnce(&Path, &Path, u16) -> Vec<String>,
) -> (Proc, tempfile::TempDir, u16) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join(config_name);
    std::fs::write(&cfg, config).expect("write config");
    let port = free_port();
    let child = Command::new(&bin)
        .args(args(&cfg, dir.path(), port))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    (Proc(child), dir, port)
}

/// Waits (`limit` at most) until `<base>/-/ready` answers 2xx, as Prometheus and
/// Alertmanager do once started.
pub async fn wait_ready(base: &str, what: &str, limit: Duration) {
    let ready = wait_ok(&format!("{base}/-/ready"), limit).await;
    assert!(ready, "{what} did not become ready in {limit:?}");
}

/// Whether `url` answered 2xx within `limit`.
pub async fn wait_ok(url: &str, limit: Duration) -> bool {
    let client = reqwest::Client::new();
    wait_for(limit, || {
        let c = client.clone();
        async move {
            c.get(url)
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success())
        }
    })
    .await
    .is_some()
}

impl Prometheus {
    pub async fn start(config: &str) -> Self {
        let bin = require("prometheus", "prometheus");
        let (proc, dir, port) = launch(bin, "prometheus.yml", config, |cfg, dir, port| {
            vec![
                format!("--config.file={}", cfg.display()),
                format!("--storage.tsdb.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ]
        });
        let prom = Self {
            url: format!("http://127.0.0.1:{port}"),
            _proc: proc,
            _dir: dir,
        };
        wait_ready(&prom.url, "prometheus", Duration::from_secs(30)).await;
        prom
    }

    /// Prometheus over an existing TSDB (a backfill), scraping nothing, with `extra` flags;
    /// a large backfill may need a long `ready_within`.
    pub async fn on_data(data: &Path, extra: &[&str], ready_within: Duration) -> Self {
        let bin = require("prometheus", "prometheus");
        let config = "global:\n  scrape_interval: 30s\n";
        let (proc, dir, port) = launch(bin, "prometheus.yml", config, |cfg, _, port| {
            let mut args = vec![
                format!("--config.file={}", cfg.display()),
                format!("--storage.tsdb.path={}", data.display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ];
            args.extend(extra.iter().map(|a| (*a).to_owned()));
            args
        });
        let prom = Self {
            url: format!("http://127.0.0.1:{port}"),
            _proc: proc,
            _dir: dir,
        };
        wait_ready(&prom.url, "prometheus on the backfilled data", ready_within).await;
        prom
    }

    /// Runs an instant query and returns `data.result`.
    pub async fn query(&self, q: &str) -> Vec<serde_json::Value> {
        victoria::query(&self.url, q, None).await
    }
}
pub mod alertmanager;
pub mod announcements;
pub mod compose_env;
pub mod docker;
pub mod fuzz;
pub mod litellm;
pub mod openai_backend;
pub mod promql;
pub mod victoria;
