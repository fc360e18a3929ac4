//! `llmmon top`'s history reader against real Prometheus scraping the simulated roles:
//! GPU utilisation over time for the sparklines, and per-model rates and percentiles from
//! the schema's names.

use std::time::Duration;

use llmmon::tui::prometheus::{PromClient, PromError};
use llmmon_core::scrape::HttpFailure;
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring;

use crate::support::{local_prometheus_config, wait_for, Prometheus};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_comes_back_for_every_gpu_and_model() {
    let running = wiring::start(
        &Settings::demo(Duration::from_secs(1)),
        &[Role::Gpu, Role::Vllm],
        SourceMode::Sim,
    )
    .await
    .expect("roles");
    let addrs: Vec<_> = running.bound.iter().map(|b| (b.role, b.addr)).collect();
    let prom = Prometheus::start(&local_prometheus_config(&addrs, "1s")).await;
    let client = PromClient {
        base_url: prom.url.clone(),
        client: reqwest::Client::new(),
    };
    let h = wait_for(Duration::from_secs(30), || {
        let client = &client;
        async move {
            let h = client.read(llmmon_core::clock::now()).await.ok()?;
            let ready = h.gpu_util.len() == 8
                && h.gpu_util.values().all(|v| v.len() >= 2)
                && h.models.len() == 10
                && h.models.values().all(|m| m.requests_per_min.is_some());
            ready.then_some(h)
        }
    })
    .await
    .expect("history for 8 GPUs and 10 models within 30 s");
    assert!(h.gpu_util.values().flatten().all(|u| *u <= 100));
    running.stop.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn todays_gpu_energy_comes_from_prometheus_history_and_prices_it() {
    let running = wiring::start(
        &Settings::demo(Duration::from_secs(1)),
        &[Role::Gpu],
        SourceMode::Sim,
    )
    .await
    .expect("roles");
    let addrs: Vec<_> = running.bound.iter().map(|b| (b.role, b.addr)).collect();
    let started = llmmon_core::clock::now();
    let prom = Prometheus::start(&local_prometheus_config(&addrs, "1s")).await;
    let client = PromClient {
        base_url: prom.url.clone(),
        client: reqwest::Client::new(),
    };
    let joules = wait_for(Duration::from_secs(30), || {
        let client = &client;
        async move {
            let j = client.energy_today(llmmon_core::clock::now()).await.ok()?;
            (j > 0.0).then_some(j)
        }
    })
    .await
    .expect("energy within 30 s");
    // At most eight H200s at their 700 W limit for as long as Prometheus has scraped.
    let elapsed = llmmon_core::clock::now() - started + 2.0;
    assert!(joules <= 8.0 * 700.0 * elapsed, "{joules} J in {elapsed} s");
    let gpu = llmmon_core::scrape::fetch(
        &reqwest::Client::new(),
        &format!("http://{}/metrics", addrs[0].1),
        Duration::from_secs(5),
    )
    .await
    .expect("gpu role");
    let now = llmmon::status::energy::now(&gpu, &llmmon_core::scrape::Scrape::default())
        .expect("GPUs")
        .with_today(joules, llmmon_core::clock::now());
    let today = now.today.expect("today");
    assert_eq!(today.joules, joules);
    assert!(
        today.cost_usd.is_some_and(|c| c > 0.0),
        "the demo's prices: {today:?}"
    );
    running.stop.cancel();
}

#[tokio::test]
async fn an_unreachable_prometheus_is_an_error_not_a_hang() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let client = PromClient {
        base_url: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
    };
    let err = client
        .read(llmmon_core::clock::now())
        .await
        .expect_err("nobody there");
    assert_eq!(err, PromError::Http(HttpFailure::Connect));
    assert_eq!(err.to_string(), "connection refused");
}
