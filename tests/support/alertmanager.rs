//! A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port, with its
//! own storage directory and gossip clustering off, for the alerting tests.

use std::process::{Command, Stdio};
use std::time::Duration;

use super::{free_port, require, wait_for, Proc};

pub struct Alertmanager {
    pub url: String,
    pub port: u16,
    _proc: Proc,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// Starts Alertmanager with `config` (YAML) and waits until it is ready.
    pub async fn start(config: &str) -> Self {
        let bin = require("prometheus-alertmanager", "prometheus-alertmanager");
        let dir = tempfile::tempdir().expect("temp dir");
        let cfg = dir.path().join("alertmanager.yml");
        std::fs::write(&cfg, config).expect("write config");
        let port = free_port();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start alertmanager");
        let am = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            _proc: Proc(child),
            _dir: dir,
        };
        let client = reqwest::Client::new();
        let ready = wait_for(Duration::from_secs(30), || {
            let c = client.clone();
            let u = format!("{}/-/ready", am.url);
            async move {
                c.get(u)
                    .send()
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
            }
        })
        .await;
        assert!(ready.is_some(), "alertmanager did not become ready in 30 s");
        am
    }

    /// `GET /api/v2/alerts`: every alert Alertmanager holds, active, suppressed or not.
    pub async fn alerts(&self) -> Vec<serde_json::Value> {
        reqwest::Client::new()
            .get(format!("{}/api/v2/alerts", self.url))
            .send()
            .await
            .expect("query alertmanager")
            .json()
            .await
            .expect("JSON answer")
    }
}
