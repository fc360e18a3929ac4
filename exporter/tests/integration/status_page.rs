//! The status page from the real binary: `llmmon-exporter announcements` serves it at `/`
//! with every link under the path of `LLMMON_ANNOUNCEMENTS_PUBLIC_URL` (a reverse proxy's
//! prefix), the feeds as `<link rel="alternate">` with the whole public URL, the model
//! endpoint it is given, and its caching validators. The page itself is tested in a
//! browser in `announcements/tests/integration/status_page.rs`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{closed_port as free_port, Proc};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_the_status_page_under_the_public_urls_prefix() {
    let dir = tempfile::tempdir().expect("tmp");
    let port = free_port();
    let _svc = Proc(
        Command::new(env!("CARGO_BIN_EXE_llmmon-exporter"))
            .args(["announcements", "--listen", &format!("127.0.0.1:{port}")])
            .env("LLMMON_DATA_DIR", dir.path())
            .env(
                "LLMMON_ANNOUNCEMENTS_PUBLIC_URL",
                "https://llm.example.org/status",
            )
            .env(
                "LLMMON_ANNOUNCEMENTS_MODELS_URL",
                "https://llm.example.org/v1",
            )
            .env_remove("LLMMON_ANNOUNCEMENTS_TOKEN")
            .env_remove("LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL")
            .env("LLMMON_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start llmmon-exporter announcements"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let page = loop {
        match reqwest::get(format!("{base}/")).await {
            Ok(r) if r.status() == 200 => break r,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("no status page within 10 s: {other:?}"),
        }
    };
    let header = |k: &str| {
        page.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/html; charset=utf-8");
    assert!(!header("etag").is_empty() && !header("last-modified").is_empty());
    let html = page.text().await.expect("page");
    for expected in [
        "<html lang=\"en\">",
        "href=\"/status/assets/status.css\"",
        "href=\"/status/feed.rss\"",
        "type=\"application/rss+xml\" title=\"Announcements (RSS)\" href=\"https://llm.example.org/status/feed.rss\"",
        "<code class=\"endpoint\">https://llm.example.org/v1</code>",
        "No history: this server keeps no uptime history for this page.",
    ] {
        assert!(html.contains(expected), "missing {expected:?} in\n{html}");
    }
    let css = reqwest::get(format!("{base}/assets/status.css"))
        .await
        .expect("stylesheet");
    assert_eq!(
        css.status(),
        200,
        "the prefix is stripped by the proxy, not here"
    );
}
