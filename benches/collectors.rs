//! Collection cost of the real host collectors: the `containers` role against a real Docker
//! engine with 50 containers (collection time and scrape latency), and NVML reading per GPU
//! over the fake NVML (the real GPU is measured when a device is lent: docs/gpu-validation.md).
//!
//! Run: `cargo bench --bench collectors` (needs docker.io and busybox-static, as root).
//! The Markdown report goes to stdout and to target/bench-collectors.md.

#[path = "../tests/integration/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::containers::docker_source::{DockerContainerSource, DockerSourceConfig};
use llmmon_exporter::containers::ContainerSource;
use llmmon_exporter::gpu::fake::{h200, FakeNvml};
use llmmon_exporter::gpu::nvml::read_inventory;
use llmmon_exporter::wiring;
use support::docker::Dockerd;

const CONTAINERS: usize = 50;
const COLLECTIONS: usize = 30;
const SCRAPES: usize = 1000;
const NVML_READS: usize = 1000;

fn pct(sorted: &[f64], q: f64) -> f64 {
    sorted[(((sorted.len() - 1) as f64) * q).round() as usize]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let d = Dockerd::start();
    d.import_busybox("busybox:1.35", &["CUDA_VERSION=12.4.1"]);
    for i in 0..CONTAINERS {
        let name = format!("bench-{i}");
        d.ok(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            "host",
            "--health-cmd",
            "true",
            "busybox:1.35",
            "sleep",
            "3600",
        ]);
    }
    let cfg = DockerSourceConfig {
        socket: d.url(),
        host_root: "/".into(),
        crash_window_s: 600.0,
        crash_restarts: 3,
    };
    let src = DockerContainerSource::new(&cfg);
    let mut collect = Vec::new();
    for _ in 0..COLLECTIONS {
        let t = Instant::now();
        let n = src.list().await.expect("docker answers").len();
        collect.push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(n, CONTAINERS);
    }
    let collect = sorted(collect);

    let mut settings = Settings::demo(Duration::from_secs(30));
    settings.docker = cfg;
    let running = wiring::start(&settings, &[Role::Containers], SourceMode::Real)
        .await
        .expect("start role");
    assert!(
        running.wait_ready(Duration::from_secs(20)).await,
        "containers role ready"
    );
    let url = format!(
        "http://{}/metrics",
        running.addr(Role::Containers).expect("bound")
    );
    let client = reqwest::Client::new();
    let mut scrape = Vec::new();
    let mut bytes = 0;
    for _ in 0..SCRAPES {
        let t = Instant::now();
        bytes = client
            .get(&url)
            .send()
            .await
            .expect("scrape")
            .bytes()
            .await
            .expect("body")
            .len();
        scrape.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let scrape = sorted(scrape);

    let lib = FakeNvml::new(
        (0..8)
            .map(|_| h200(vec![(100, Some(1 << 30)), (200, Some(2 << 30))]))
            .collect(),
    );
    let none = |_: u32| None;
    let t = Instant::now();
    for _ in 0..NVML_READS {
        std::hint::black_box(read_inventory(&lib, &none).expect("reads"));
    }
    let per_gpu_us = t.elapsed().as_secs_f64() * 1e6 / (NVML_READS * 8) as f64;

    let report = format!(
        "| measurement | p50 | p99 | max |\n|---|---:|---:|---:|\n\
         | containers collection, {CONTAINERS} real containers ({COLLECTIONS} runs) | {:.1} ms | {:.1} ms | {:.1} ms |\n\
         | containers role scrape ({bytes} bytes, {SCRAPES} scrapes) | {:.3} ms | {:.3} ms | {:.3} ms |\n\
         | NVML read per GPU, fake NVML (8 GPUs × {NVML_READS}) | {per_gpu_us:.2} µs | — | — |\n",
        pct(&collect, 0.5), pct(&collect, 0.99), pct(&collect, 1.0),
        pct(&scrape, 0.5), pct(&scrape, 0.99), pct(&scrape, 1.0),
    );
    println!("{report}");
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-collectors.md"),
        &report,
    );
    running.stop.cancel();
}
