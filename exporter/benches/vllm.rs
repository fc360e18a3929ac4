//! The vLLM collector's costs: one collection over 10 instances that each answer in 200 ms
//! (target: no more than 1.2× the slowest), parsing + normalising one exposition per
//! vLLM generation, and the fast exposition reader against the full parser on one payload.
//!
//! Run: `cargo bench -p llmmon-exporter --bench vllm`. Report on stdout and in
//! target/bench-vllm.md.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use llmmon_core::scrape;
use llmmon_core::upstream::{Auth, HttpTransport};
use llmmon_exporter::vllm::discovery::StaticTargets;
use llmmon_exporter::vllm::http_source::VllmHttpSource;
use llmmon_exporter::vllm::{normalize, VllmSource};
use llmmon_sim::upstreams::vllm::{exposition, models_json};
use llmmon_sim::{Conditions, Simulator};

const T: f64 = 1_795_615_200.0;
const DELAY: Duration = Duration::from_millis(200);
const RUNS: usize = 20;
const PARSES: usize = 500;

type Bodies = Arc<Vec<(String, String, String)>>;

async fn serve(State(b): State<Bodies>, Path((name, rest)): Path<(String, String)>) -> Response {
    tokio::time::sleep(DELAY).await;
    let Some((_, metrics, models)) = b.iter().find(|(n, _, _)| *n == name).cloned() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    match rest.as_str() {
        "metrics" => metrics.into_response(),
        "v1/models" => models.into_response(),
        "version" => r#"{"version":"0.10.1.1"}"#.into_response(),
        _ => "".into_response(),
    }
}

/// Microseconds per parse of `text` by `parse`, over `PARSES` parses.
fn per_parse_us(text: &str, parse: fn(&str) -> Option<scrape::Scrape>) -> f64 {
    let t = Instant::now();
    for _ in 0..PARSES {
        std::hint::black_box(parse(std::hint::black_box(text)).expect("parses"));
    }
    t.elapsed().as_secs_f64() * 1e6 / PARSES as f64
}

/// The fast reader (`scrape::fast`) and the full `openmetrics-parser` parse on one vLLM
/// /metrics payload, which both read (the reader takes the whole of it, no fallback).
fn reader_rows(version: &str, metrics: &str) -> String {
    let fast = per_parse_us(metrics, scrape::fast::parse_common);
    let full = per_parse_us(metrics, |t| scrape::parse_full(t).ok());
    let kb = metrics.len() / 1024;
    format!(
        "| parse one vLLM {version} /metrics ({kb} KB), fast reader `scrape::fast` | {fast:.0} µs |\n\
         | parse the same, full parser `scrape::parse_full` (openmetrics-parser) | {full:.0} µs |\n\
         | ratio full / fast | {:.1}× |\n",
        full / fast
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let bodies: Vec<(String, String, String)> = sim
        .vllm_instances(T)
        .into_iter()
        .filter_map(|i| {
            let spec = sim.fleet().vllm_spec(&i.container)?.clone();
            let stats = i.stats.clone()?;
            Some((
                i.container.clone(),
                exposition(&spec, &i, &stats),
                models_json(&spec, &i).to_string(),
            ))
        })
        .collect();
    let bodies: Bodies = Arc::new(bodies);
    let app = Router::new()
        .route("/{name}/{*rest}", get(serve))
        .with_state(bodies.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let targets: Vec<String> = bodies
        .iter()
        .map(|(n, _, _)| format!("{base}/{n}"))
        .collect();
    let src = VllmHttpSource::new(
        vec![Arc::new(StaticTargets(targets.clone()))],
        Arc::new(HttpTransport::default()),
        Auth::None,
        None,
        Duration::from_secs(5),
    );
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = src.instances().await.expect("answers");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.iter().filter(|x| x.is_ok()).count(), targets.len());
    }
    times.sort_by(f64::total_cmp);
    // A target's four requests (/health, /metrics, /version, /v1/models) go out together,
    // so the slowest target alone takes one 200 ms round trip.
    let slowest_ms = DELAY.as_secs_f64() * 1000.0;
    let mut report = format!(
        "| measurement | value |\n|---|---:|\n\
         | collection, {} targets, every request answered after 200 ms (median of {RUNS}) | {:.0} ms |\n\
         | collection p95 | {:.0} ms |\n\
         | slowest single target alone | {slowest_ms:.0} ms |\n\
         | ratio median / slowest | {:.2} |\n",
        targets.len(),
        times[RUNS / 2],
        times[(RUNS * 95 / 100).min(RUNS - 1)],
        times[RUNS / 2] / slowest_ms,
    );
    let mut seen = std::collections::BTreeSet::new();
    for (name, metrics, _) in bodies.iter() {
        let version = sim
            .vllm_instances(T)
            .into_iter()
            .find(|i| &i.container == name)
            .map(|i| i.vllm_version)
            .unwrap_or_default();
        if !seen.insert(version.clone()) {
            continue;
        }
        let t = Instant::now();
        for _ in 0..PARSES {
            let s = scrape::parse(metrics).expect("parses");
            let model = normalize::models(&s).into_iter().next().unwrap_or_default();
            std::hint::black_box(normalize::engine_stats(&s, &model));
        }
        let per = t.elapsed().as_secs_f64() * 1e6 / PARSES as f64;
        report.push_str(&format!(
            "| parse + normalise one exposition, vLLM {version} ({} KB) | {per:.0} µs |\n",
            metrics.len() / 1024
        ));
    }
    let first = sim
        .vllm_instances(T)
        .into_iter()
        .next()
        .expect("a vLLM instance");
    let body = bodies
        .iter()
        .find(|(n, _, _)| *n == first.container)
        .expect("its body");
    report.push_str(&reader_rows(&first.vllm_version, &body.1));
    println!("{report}");
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench-vllm.md"),
        &report,
    );
}
