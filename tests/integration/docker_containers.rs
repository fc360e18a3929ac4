//! The `containers` role's real source against a real Docker engine (dockerd started by the
//! test): labels, health checks passing and failing, limits, mounts, GPU assignment through
//! the environment, stopped containers, a crash loop, 50 containers at once, and a socket that
//! is gone and comes back.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use llmmon_exporter::containers::docker_source::{DockerContainerSource, DockerSourceConfig};
use llmmon_exporter::containers::{
    ContainerHealth, ContainerReading, ContainerSource, ContainerState,
};

use crate::support::docker::Dockerd;

const VLLM_IMAGE: &str = "vllm/vllm-openai:v0.6.3";

fn source(socket: &str, window_s: f64) -> DockerContainerSource {
    DockerContainerSource::new(&DockerSourceConfig {
        socket: socket.to_owned(),
        host_root: PathBuf::from("/"),
        crash_window_s: window_s,
        crash_restarts: 3,
    })
}

fn find<'a>(all: &'a [ContainerReading], name: &str) -> &'a ContainerReading {
    all.iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} not listed"))
}

/// Polls the source until `done` holds for the listing (or 40 s pass).
async fn until(
    src: &DockerContainerSource,
    done: impl Fn(&[ContainerReading]) -> bool,
) -> Vec<ContainerReading> {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let all = src.list().await.expect("docker answers");
        if done(&all) || Instant::now() > deadline {
            return all;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A real engine running three containers, as the source lists them once their health
/// checks have settled: `vllm-qwen` (a vLLM image with CUDA, GPUs 2 and 3 in its
/// environment, Compose labels, a passing health check, one mount whose source was removed),
/// `db` (a failing health check, memory and CPU limits) and `one-shot` (exited with 4).
struct Listed {
    _engine: Dockerd,
    all: Vec<ContainerReading>,
}

impl Listed {
    async fn new() -> Self {
        let d = Dockerd::start();
        d.import_busybox(
            VLLM_IMAGE,
            &["CUDA_VERSION=12.4.1", "NVIDIA_VISIBLE_DEVICES=all"],
        );
        d.import_busybox("postgres:16.4", &[]);
        let data = d.path("data");
        let doomed = d.path("doomed");
        d.ok(&[
            "run",
            "-d",
            "--name",
            "vllm-qwen",
            "--network",
            "host",
            "--label",
            "com.docker.compose.project=llm-serving",
            "--label",
            "com.docker.compose.service=qwen",
            "--label",
            "llmmon.vllm.port=8011",
            "-e",
            "NVIDIA_VISIBLE_DEVICES=2,3",
            "--health-cmd",
            "true",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "-v",
            &format!("{}:/data", data.display()),
            "-v",
            &format!("{}:/models", doomed.display()),
            "--restart",
            "unless-stopped",
            VLLM_IMAGE,
            "sleep",
            "600",
        ]);
        d.ok(&[
            "run",
            "-d",
            "--name",
            "db",
            "--network",
            "host",
            "--health-cmd",
            "false",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
            "--memory",
            "64m",
            "--cpus",
            "0.5",
            "postgres:16.4",
            "sleep",
            "600",
        ]);
        let one_shot = d.docker(&[
            "run",
            "--name",
            "one-shot",
            "--network",
            "host",
            "postgres:16.4",
            "sh",
            "-c",
            "exit 4",
        ]);
        assert_eq!(
            one_shot.status.code(),
            Some(4),
            "docker run passes the exit code on"
        );
        std::fs::remove_dir_all(&doomed).expect("remove the mount source");

        let src = source(&d.url(), 600.0);
        let all = until(&src, |all| {
            all.iter()
                .any(|c| c.name == "vllm-qwen" && c.health == ContainerHealth::Healthy)
                && all
                    .iter()
                    .any(|c| c.name == "db" && c.health == ContainerHealth::Unhealthy)
        })
        .await;
        assert_eq!(all.len(), 3);
        Self { _engine: d, all }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vllm_container_is_read_with_its_image_labels_gpus_port_and_mounts() {
    let l = Listed::new().await;
    let v = find(&l.all, "vllm-qwen");
    assert_eq!(v.state, Some(ContainerState::Running));
    assert_eq!(v.health, ContainerHealth::Healthy);
    assert_eq!(v.image, "vllm/vllm-openai");
    assert_eq!(v.image_version, "v0.6.3");
    assert_eq!(v.compose_project.as_deref(), Some("llm-serving"));
    assert_eq!(v.compose_service.as_deref(), Some("qwen"));
    assert_eq!(v.class(), "gpu");
    assert_eq!(v.gpus, vec![2, 3]);
    assert_eq!(v.cuda_version.as_deref(), Some("12.4.1"));
    assert_eq!(v.served_port, Some(8011));
    assert_eq!(v.restart_policy, "unless-stopped");
    assert_eq!(v.network_mode, "host");
    assert!(v.started_at.is_some_and(|t| t > 1.7e9));
    let mount = |dest: &str| {
        v.mounts
            .iter()
            .find(|m| m.destination == dest)
            .expect("mount")
    };
    assert!(mount("/data").source_exists);
    assert!(
        !mount("/models").source_exists,
        "the removed source is reported missing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_failing_its_health_check_is_unhealthy_with_its_limits() {
    let l = Listed::new().await;
    let db = find(&l.all, "db");
    assert_eq!(db.health, ContainerHealth::Unhealthy);
    assert_eq!(db.class(), "non-gpu");
    assert_eq!(db.memory_limit_bytes, Some(64.0 * 1024.0 * 1024.0));
    assert_eq!(db.cpu_limit_cores, Some(0.5));
    assert_eq!(db.served_port, None, "not a vLLM server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exited_container_keeps_its_exit_code_and_has_no_healthcheck() {
    let l = Listed::new().await;
    let done = find(&l.all, "one-shot");
    assert_eq!(done.state, Some(ContainerState::Exited));
    assert_eq!(done.exit_code, Some(4));
    assert_eq!(
        done.health,
        ContainerHealth::NoHealthcheck,
        "no healthcheck"
    );
    assert!(!done.crash_looping);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashing_container_raises_its_restart_count_and_is_flagged_as_looping() {
    let d = Dockerd::start();
    d.import_busybox(VLLM_IMAGE, &[]);
    d.ok(&[
        "run",
        "-d",
        "--name",
        "crashy",
        "--network",
        "host",
        "--restart",
        "always",
        VLLM_IMAGE,
        "sh",
        "-c",
        "sleep 0.2; exit 3",
    ]);
    d.ok(&[
        "run",
        "-d",
        "--name",
        "steady",
        "--network",
        "host",
        VLLM_IMAGE,
        "sleep",
        "600",
    ]);
    let src = source(&d.url(), 600.0);
    let first = src.list().await.expect("docker answers");
    let all = until(&src, |all| {
        all.iter().any(|c| c.name == "crashy" && c.crash_looping)
    })
    .await;
    let crashy = find(&all, "crashy");
    assert!(
        crashy.crash_looping,
        "restart count {}",
        crashy.restart_count
    );
    assert!(
        crashy.restart_count >= 3 || crashy.restart_count > find(&first, "crashy").restart_count
    );
    assert!(!find(&all, "steady").crash_looping);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_containers_are_listed_in_one_collection() {
    let d = Dockerd::start();
    d.import_busybox("busybox:1.35", &[]);
    std::thread::scope(|s| {
        for batch in 0..5 {
            let d = &d;
            s.spawn(move || {
                for i in 0..10 {
                    let name = format!("svc-{batch}-{i}");
                    d.ok(&[
                        "run",
                        "-d",
                        "--name",
                        &name,
                        "--network",
                        "host",
                        "busybox:1.35",
                        "sleep",
                        "600",
                    ]);
                }
            });
        }
    });
    let src = source(&d.url(), 600.0);
    let started = Instant::now();
    let all = src.list().await.expect("docker answers");
    let took = started.elapsed();
    assert_eq!(all.len(), 50);
    assert!(all.iter().all(|c| c.state == Some(ContainerState::Running)));
    // Not a timing test (see docs/benchmarks.md); only a bound that catches a hang.
    assert!(
        took < Duration::from_secs(10),
        "listing 50 containers took {took:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_up_is_0_while_the_socket_is_gone_and_recovers_when_the_engine_starts() {
    let dir = tempfile::Builder::new()
        .prefix("dks")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let socket = dir.path().join("docker.sock");
    let src = source(&format!("unix://{}", socket.display()), 600.0);
    let err = src.list().await.expect_err("no engine yet");
    assert!(err.to_string().contains("does not exist"), "{err}");
    let d = Dockerd::start_at(Some(&socket));
    let all = src.list().await.expect("recovered without a restart");
    assert!(all.is_empty());
    drop(d);
    let err = src.list().await.expect_err("engine gone again");
    assert!(err.to_string().contains("unavailable"), "{err}");
}
