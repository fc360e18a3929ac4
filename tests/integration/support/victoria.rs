//! The central side of a fleet, real: VictoriaMetrics single-node, vmauth with the shipped
//! `compose/central/vmauth.yml` and vmalert with the project's rules, from Debian's
//! `victoria-metrics` package, on loopback ports; and one server's Prometheus configured by
//! the shipped `render-fleet.sh`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{free_port, require, wait_ok, Proc};

/// The Debian package that has the VictoriaMetrics programs.
const PACKAGE: &str = "victoria-metrics";

fn spawn(bin: &Path, args: &[String], envs: &[(&str, String)]) -> Proc {
    let child = Command::new(bin)
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    Proc(child)
}

/// VictoriaMetrics single-node on a fixed port and data directory (so a test can stop it
/// and start it again where it was).
pub struct Victoria {
    pub url: String,
    port: u16,
    data: PathBuf,
    proc: Option<Proc>,
}

impl Victoria {
    pub async fn start(data: &Path) -> Self {
        let mut v = Self {
            port: free_port(),
            url: String::new(),
            data: data.to_owned(),
            proc: None,
        };
        v.url = format!("http://127.0.0.1:{}", v.port);
        v.resume().await;
        v
    }

    /// Stops the store as its service manager would (SIGINT: it flushes what it holds in
    /// memory first); its data stays.
    pub fn stop(&mut self) {
        if let Some(mut proc) = self.proc.take() {
            let pid = proc.0.id().to_string();
            let _ = Command::new("kill").args(["-INT", &pid]).status();
            let _ = proc.0.wait();
        }
    }

    /// Starts it again on the same port and data.
    pub async fn resume(&mut self) {
        let bin = require("victoria-metrics", PACKAGE);
        let args = vec![
            format!("-httpListenAddr=127.0.0.1:{}", self.port),
            format!("-storageDataPath={}", self.data.display()),
            "-retentionPeriod=1d".to_owned(),
            // Queries see samples a second old (30 s by default, for clock skew).
            "-search.latencyOffset=1s".to_owned(),
        ];
        self.proc = Some(spawn(&bin, &args, &[]));
        let ready = wait_ok(&format!("{}/health", self.url), Duration::from_secs(30)).await;
        assert!(ready, "victoria-metrics did not answer /health within 30 s");
    }

    /// `data.result` of an instant query at `time` (now when None).
    pub async fn query_at(&self, q: &str, time: Option<f64>) -> Vec<serde_json::Value> {
        query(&self.url, q, time).await
    }
}

/// `data.result` of an instant query of a Prometheus-compatible API (Prometheus or
/// VictoriaMetrics) at `time` (now when None), or the error it answered.
pub async fn try_query_at(
    base: &str,
    q: &str,
    time: Option<f64>,
) -> Result<Vec<serde_json::Value>, String> {
    let mut params = vec![("query", q.to_owned())];
    if let Some(t) = time {
        params.push(("time", format!("{t:.3}")));
    }
    let resp: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/query"))
        .query(&params)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if resp["status"] != "success" {
        return Err(format!("{resp}"));
    }
    Ok(resp["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// As [`try_query_at`] now.
pub async fn try_query(base: &str, q: &str) -> Result<Vec<serde_json::Value>, String> {
    try_query_at(base, q, None).await
}

/// `data.result` of an instant query; a refused query fails the test.
pub async fn query(base: &str, q: &str, time: Option<f64>) -> Vec<serde_json::Value> {
    try_query_at(base, q, time)
        .await
        .unwrap_or_else(|e| panic!("query {q} failed: {e}"))
}

/// The shipped compose/central file `name`.
pub fn central(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("compose/central")
        .join(name)
}

/// vmauth with the shipped config in front of `store`; the credentials it accepts.
pub struct Vmauth {
    pub url: String,
    pub writer: (String, String),
    _proc: Proc,
}

impl Vmauth {
    pub async fn start(store: &str) -> Self {
        let bin = require("vmauth", PACKAGE);
        let port = free_port();
        let writer = ("llm-h200-fleet".to_owned(), "write-secret-test".to_owned());
        let envs = [
            ("CENTRAL_STORE_URL", store.to_owned()),
            ("CENTRAL_WRITE_USER", writer.0.clone()),
            ("CENTRAL_WRITE_PASSWORD", writer.1.clone()),
            ("CENTRAL_READ_USER", "grafana".to_owned()),
            ("CENTRAL_READ_PASSWORD", "read-secret-test".to_owned()),
        ];
        let args = vec![
            format!("-auth.config={}", central("vmauth.yml").display()),
            format!("-httpListenAddr=127.0.0.1:{port}"),
        ];
        let proc = spawn(&bin, &args, &envs);
        let url = format!("http://127.0.0.1:{port}");
        let ready = wait_ok(&format!("{url}/health"), Duration::from_secs(30)).await;
        assert!(ready, "vmauth did not answer /health within 30 s");
        Self {
            url,
            writer,
            _proc: proc,
        }
    }
}

/// vmalert evaluating the project's rules (compose/config/prometheus/rules) against
/// `store` every second, notifying `notifier`.
pub struct Vmalert {
    pub url: String,
    _proc: Proc,
}

impl Vmalert {
    pub async fn start(store: &str, notifier: &str) -> Self {
        let bin = require("vmalert", PACKAGE);
        let port = free_port();
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose/config/prometheus/rules");
        let args = vec![
            format!("-rule={}/*.yml", rules.display()),
            format!("-datasource.url={store}"),
            format!("-remoteWrite.url={store}"),
            format!("-notifier.url={notifier}"),
            "-evaluationInterval=1s".to_owned(),
            format!("-httpListenAddr=127.0.0.1:{port}"),
        ];
        let proc = spawn(&bin, &args, &[]);
        let url = format!("http://127.0.0.1:{port}");
        let ready = wait_ok(&format!("{url}/health"), Duration::from_secs(30)).await;
        assert!(
            ready,
            "vmalert did not answer /health within 30 s (do the rules load?)"
        );
        Self { url, _proc: proc }
    }

    /// The alerts vmalert has firing or pending, as its API lists them.
    pub async fn alerts(&self) -> Vec<serde_json::Value> {
        let resp: serde_json::Value = reqwest::get(format!("{}/api/v1/alerts", self.url))
            .await
            .expect("vmalert alerts")
            .json()
            .await
            .expect("JSON");
        resp["data"]["alerts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// One server's Prometheus config: `local` (the shipped local config, retargeted) run
/// through the shipped render-fleet.sh with `envs`, written under `dir`.
pub fn fleet_config(local: &str, dir: &Path, envs: &[(&str, &str)]) -> String {
    let prom_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose/config/prometheus");
    let base = dir.join("local.yml");
    std::fs::write(&base, local).expect("write the local config");
    let out = dir.join("prometheus.yml");
    let status = Command::new("sh")
        .arg(prom_dir.join("render-fleet.sh"))
        .env("FLEET_BASE_CONFIG", &base)
        .env("FLEET_TEMPLATE", prom_dir.join("remote-write.yml"))
        .env("FLEET_CONFIG_OUT", &out)
        .env("FLEET_SECRETS_DIR", dir)
        .envs(envs.iter().copied())
        .status()
        .expect("run render-fleet.sh");
    assert!(status.success(), "render-fleet.sh failed: {status}");
    std::fs::read_to_string(out).expect("the rendered config")
}
