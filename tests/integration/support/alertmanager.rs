//! A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port, with its
//! own storage directory and gossip clustering off, for the alerting tests.

use super::{launch, require, wait_ready, Proc};

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
        let (proc, dir, port) = launch(bin, "alertmanager.yml", config, |cfg, dir, port| {
            vec![
                format!("--config.file={}", cfg.display()),
                format!("--storage.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--cluster.listen-address=".to_owned(),
            ]
        });
        let am = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            _proc: proc,
            _dir: dir,
        };
        wait_ready(&am.url, "alertmanager", std::time::Duration::from_secs(30)).await;
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
