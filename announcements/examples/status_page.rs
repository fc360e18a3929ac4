//! The status page on example data — the browser tests' seeded fleet behind their fake
//! Prometheus and a week of plausible announcements, no XSS payloads — to look at or to
//! photograph for the README (`scripts/screenshots.sh`):
//!
//! ```sh
//! cargo run -p llmmon-announcements --example status_page -- serve 31000
//! cargo run -p llmmon-announcements --example status_page -- shots docs/img
//! ```
//!
//! `shots` writes `status-desktop.png` (1280 wide) and `status-phone.png` (390 wide, a
//! phone's touch viewport) with headless Chromium over DevTools.

#[path = "../tests/integration/support/mod.rs"]
#[allow(dead_code, reason = "the example uses part of the tests' support")]
mod support;

use std::path::PathBuf;

use chrono::Utc;

use support::cdp::Browser;
use support::service::{self, TOKEN};
use support::{fake_prometheus, seed};

/// The height of each picture: the top of the page, where its point is.
const DESKTOP: (u32, u32) = (1280, 1500);
const PHONE: (u32, u32) = (390, 1900);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, arg) = match args.as_slice() {
        [m, a] if m == "serve" || m == "shots" => (m.clone(), a.clone()),
        _ => {
            eprintln!("usage: status_page serve PORT | status_page shots DIR");
            std::process::exit(2);
        }
    };
    let port = if mode == "serve" {
        arg.parse::<u16>().unwrap_or_else(|_| {
            eprintln!("status_page: {arg} is not a port");
            std::process::exit(2);
        })
    } else {
        0
    };
    let prom = support::serve(fake_prometheus::router(seed::fleet())).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| {
            eprintln!("status_page: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        });
    let svc = service::start_on(
        listener,
        &[
            ("LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL", prom.as_str()),
            (
                "LLMMON_ANNOUNCEMENTS_MODELS_URL",
                "https://llm.example.org/v1",
            ),
        ],
        |own| own.to_owned(),
    )
    .await;
    seed::publish(&svc.base, TOKEN, &seed::announcements(Utc::now())).await;
    seed::set_status(
        &svc.base,
        TOKEN,
        "langfuse",
        "degraded",
        "slow trace ingestion",
    )
    .await;
    service::wait_derived(&svc).await;
    if mode == "serve" {
        println!("{}/", svc.base);
        let _ = tokio::signal::ctrl_c().await;
        return;
    }
    let dir = PathBuf::from(arg);
    let url = format!("{}/", svc.base);
    tokio::task::spawn_blocking(move || {
        let browser = Browser::start();
        let mut page = browser.page();
        for (name, (w, h), mobile) in [("desktop", DESKTOP, false), ("phone", PHONE, true)] {
            page.screen(w, h, mobile, false);
            let problems = page.open(&url);
            assert!(problems.is_empty(), "{problems:?}");
            let path = dir.join(format!("status-{name}.png"));
            page.screenshot_top(&path, f64::from(h));
            println!("{}", path.display());
        }
    })
    .await
    .expect("screenshots");
}
