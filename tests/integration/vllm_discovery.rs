//! vLLM discovery against a real Docker engine: a container from an image named
//! `vllm/vllm-openai:v0.8.5` (made with `docker import`; busybox httpd serves a vLLM 0.8.5
//! `/metrics`, `/health`, `/version` and `/v1/models` on a loopback port) is found through the
//! Docker API and read by the same vLLM source as production.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use llmmon_core::upstream::{Auth, HttpTransport};
use llmmon_exporter::containers::docker_source::{DockerContainerSource, DockerSourceConfig};
use llmmon_exporter::vllm::discovery::{Address, ContainerDiscovery};
use llmmon_exporter::vllm::http_source::VllmHttpSource;
use llmmon_exporter::vllm::{VllmSource, VllmState};
use llmmon_sim::upstreams::vllm::{exposition, models_json};
use llmmon_sim::{Conditions, Simulator};

use crate::support::docker::Dockerd;
use crate::support::free_port;

const T: f64 = 1_795_615_200.0;

/// Writes what a vLLM 0.8.5 instance answers into a directory busybox httpd can serve.
fn vllm_files(dir: &std::path::Path) -> String {
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let inst = sim
        .vllm_instances(T)
        .into_iter()
        .find(|i| i.vllm_version == "0.8.5" && i.stats.is_some())
        .expect("a 0.8.5 instance in the fleet");
    let spec = sim
        .fleet()
        .vllm_spec(&inst.container)
        .expect("spec")
        .clone();
    let stats = inst.stats.clone().expect("stats");
    std::fs::create_dir_all(dir.join("v1")).expect("mkdir");
    std::fs::write(dir.join("metrics"), exposition(&spec, &inst, &stats)).expect("metrics");
    std::fs::write(dir.join("health"), "").expect("health");
    std::fs::write(dir.join("version"), r#"{"version":"0.8.5"}"#).expect("version");
    std::fs::write(dir.join("v1/models"), models_json(&spec, &inst).to_string()).expect("models");
    inst.model
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vllm_container_is_discovered_through_docker_and_scraped() {
    let d = Dockerd::start();
    d.import_busybox("vllm/vllm-openai:v0.8.5", &["CUDA_VERSION=12.8.1"]);
    d.import_busybox("redis:7.4.1", &[]);
    let www: PathBuf = d.path("www");
    let model = vllm_files(&www);
    let port = free_port();
    d.ok(&[
        "run",
        "-d",
        "--name",
        "vllm-qwen",
        "--network",
        "host",
        "--label",
        &format!("llmmon.vllm.port={port}"),
        "-v",
        &format!("{}:/www:ro", www.display()),
        "vllm/vllm-openai:v0.8.5",
        "httpd",
        "-f",
        "-p",
        &format!("127.0.0.1:{port}"),
        "-h",
        "/www",
    ]);
    d.ok(&[
        "run",
        "-d",
        "--name",
        "redis",
        "--network",
        "host",
        "redis:7.4.1",
        "sleep",
        "600",
    ]);
    let containers = DockerContainerSource::new(&DockerSourceConfig {
        socket: d.url(),
        host_root: "/".into(),
        crash_window_s: 600.0,
        crash_restarts: 3,
    });
    let src = VllmHttpSource::new(
        vec![Arc::new(ContainerDiscovery {
            containers: Arc::new(containers),
            address: Address::Host("127.0.0.1".into()),
        })],
        Arc::new(HttpTransport::default()),
        Auth::None,
        None,
        Duration::from_secs(3),
    );
    let mut found = Vec::new();
    for _ in 0..40 {
        found = src.instances().await.expect("discovery answers");
        if found
            .iter()
            .any(|r| r.as_ref().is_ok_and(|i| i.state == VllmState::Ready))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        found.len(),
        1,
        "only the vLLM container is a target: {found:?}"
    );
    let inst = found[0].as_ref().expect("read");
    assert_eq!(inst.container, "vllm-qwen");
    assert_eq!(inst.state, VllmState::Ready);
    assert_eq!(inst.model, model);
    assert_eq!(inst.vllm_version, "0.8.5");
    assert_eq!(inst.engine, "v1");
    let stats = inst.stats.as_ref().expect("engine stats");
    assert!(
        stats.kv_cache_usage.is_some(),
        "0.8.5's gpu_cache_usage_perc is read as KV cache"
    );
    assert!(
        stats.prefix_cache_queries.is_some(),
        "0.8.5's gpu_prefix_cache_queries are read"
    );
    assert!(stats.ttft.as_ref().is_some_and(|h| h.count > 0));
}
