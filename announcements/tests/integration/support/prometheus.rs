//! A real Prometheus (Debian's `prometheus` and `promtool`) on history backfilled from an
//! OpenMetrics text with `promtool tsdb create-blocks-from openmetrics`, on a free loopback
//! port, killed when dropped. A test that needs it fails, naming the package, when it is
//! not installed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../../../tests/shared/require.rs"]
mod required;
pub use required::require;

/// A running Prometheus; killed when dropped.
pub struct Prometheus {
    child: Child,
    pub url: String,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Prometheus in `dir` on the history `openmetrics` (ending `# EOF`), no scrape jobs.
pub async fn backfilled(dir: &Path, openmetrics: &str) -> Prometheus {
    let promtool = require("promtool", "prometheus");
    let bin = require("prometheus", "prometheus");
    let file = dir.join("history.om");
    std::fs::write(&file, openmetrics).expect("write history");
    let data = dir.join("data");
    let out = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&file)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool refused the history: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let cfg = dir.join("prometheus.yml");
    std::fs::write(&cfg, "global:\n  scrape_interval: 30s\n").expect("write config");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(bin)
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg("--storage.tsdb.retention.time=3650d")
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let prom = Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::get(format!("{}/-/ready", prom.url)).await {
            if r.status().is_success() {
                return prom;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("prometheus did not become ready in 60 s");
}
