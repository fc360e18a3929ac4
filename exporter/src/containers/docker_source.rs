//! The real container source: every container from the Docker API (bollard), inspected for
//! state, health, limits, mounts and GPU assignment, with crash loops tracked over time.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{EventsOptions, ListContainersOptions};
use futures_util::StreamExt;
use tokio::task::JoinHandle;

use super::crash::CrashTracker;
use super::{ContainerReading, ContainerSource, Mount};
use llmmon_core::docker::DockerClient;
use llmmon_core::source::SourceError;

/// Label that marks a container as a vLLM server when its image name does not say so.
pub const VLLM_LABEL: &str = "llmmon.vllm";
/// Label that gives the port a vLLM server answers on.
pub const VLLM_PORT_LABEL: &str = "llmmon.vllm.port";
/// Port vLLM's OpenAI server listens on unless told otherwise.
const VLLM_DEFAULT_PORT: u16 = 8000;

/// Settings of the Docker container source.
#[derive(Debug, Clone, PartialEq)]
pub struct DockerSourceConfig {
    pub socket: String,
    /// Where the host's file system is visible (`/` on the host, `/host` in a container
    /// that mounts it read-only), to check that mount sources exist.
    pub host_root: PathBuf,
    pub crash_window_s: f64,
    pub crash_restarts: u64,
}

pub struct DockerContainerSource {
    client: Arc<DockerClient>,
    host_root: PathBuf,
    crashes: Arc<Mutex<CrashTracker>>,
    events: Mutex<Option<JoinHandle<()>>>,
}

impl DockerContainerSource {
    pub fn new(cfg: &DockerSourceConfig) -> Self {
        Self {
            client: Arc::new(DockerClient::new(&cfg.socket)),
            host_root: cfg.host_root.clone(),
            crashes: Arc::new(Mutex::new(CrashTracker::new(
                cfg.crash_window_s,
                cfg.crash_restarts,
            ))),
            events: Mutex::new(None),
        }
    }

    /// Keeps a task following `die` events; restarted when the stream has ended.
    async fn follow_events(&self) {
        let mut slot = self.events.lock().unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let Some(docker) = self.client.cached() else {
            return;
        };
        let crashes = self.crashes.clone();
        *slot = Some(tokio::spawn(async move {
            let filters = HashMap::from([
                ("type".to_owned(), vec!["container".to_owned()]),
                ("event".to_owned(), vec!["die".to_owned()]),
            ]);
            let mut stream = docker.events(Some(EventsOptions {
                filters: Some(filters),
                ..Default::default()
            }));
            while let Some(Ok(event)) = stream.next().await {
                if let Some(id) = event.actor.and_then(|a| a.id) {
                    let t = event
                        .time_nano
                        .map_or_else(llmmon_core::clock::now, |n| n as f64 / 1e9);
                    crashes
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .observe_death(&id, t);
                }
            }
        }));
    }
}

#[async_trait]
impl ContainerSource for DockerContainerSource {
    async fn list(&self) -> Result<Vec<ContainerReading>, SourceError> {
        let docker = self.client.get().await?;
        self.follow_events().await;
        let fail = |e: bollard::errors::Error| {
            self.client.reset();
            self.client.unavailable(&e)
        };
        let summaries = docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                ..Default::default()
            }))
            .await
            .map_err(fail)?;
        let inspections = futures_util::future::join_all(
            summaries.iter().filter_map(|s| s.id.clone()).map(|id| {
                let docker = docker.clone();
                async move { docker.inspect_container(&id, None).await }
            }),
        )
        .await;
        let now = llmmon_core::clock::now();
        let root = self.host_root.clone();
        let exists = move |p: &Path| root.join(p.strip_prefix("/").unwrap_or(p)).exists();
        let mut readings = Vec::new();
        for inspected in inspections {
            // A container removed between list and inspect is simply gone.
            let Ok(inspect) = inspected else { continue };
            readings.push(reading_from_inspect(&inspect, &exists));
        }
        let mut crashes = self.crashes.lock().unwrap_or_else(|e| e.into_inner());
        let present: HashSet<String> = readings.iter().map(|r| r.id.clone()).collect();
        crashes.retain(&present);
        for r in &mut readings {
            crashes.observe_restarts(&r.id, now, r.restart_count);
            r.crash_looping = crashes.is_looping(&r.id, now);
        }
        readings.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(readings)
    }
}

/// Splits `registry/name:tag` (or `name@sha256:…`) into name and version.
pub fn split_image(image: &str) -> (String, String) {
    if let Some((name, digest)) = image.split_once('@') {
        return (name.to_owned(), digest.chars().take(19).collect());
    }
    let last_slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[last_slash..].rfind(':') {
        Some(i) => (
            image[..last_slash + i].to_owned(),
            image[last_slash + i + 1..].to_owned(),
        ),
        None => (image.to_owned(), "latest".to_owned()),
    }
}

fn env_value<'a>(env: &'a [String], key: &str) -> Option<&'a str> {
    env.iter()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// GPU indices from a list such as `0,1` or `["2","3"]`; UUIDs and `all` give none.
fn indices<'a>(items: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut v: Vec<u32> = items.filter_map(|s| s.trim().parse().ok()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Whether and which GPUs a container gets. Device requests (`--gpus`, Compose
/// `deploy.resources.reservations.devices`) and the `nvidia` runtime grant GPUs; the
/// `NVIDIA_VISIBLE_DEVICES` variable says which. CUDA images set that variable to `all`
/// in their environment, so on its own `all` does not make a container a GPU container,
/// but explicit indices do.
pub fn gpu_assignment(inspect: &ContainerInspectResponse) -> (bool, Vec<u32>) {
    let host = inspect.host_config.as_ref();
    let env: &[String] = inspect
        .config
        .as_ref()
        .and_then(|c| c.env.as_deref())
        .unwrap_or_default();
    let requests: Vec<_> = host
        .and_then(|h| h.device_requests.as_ref())
        .map(|r| {
            r.iter()
                .filter(|d| {
                    d.driver.as_deref() == Some("nvidia")
                        || d.capabilities.as_ref().is_some_and(|caps| {
                            caps.iter().any(|set| set.iter().any(|c| c == "gpu"))
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    let runtime = host.and_then(|h| h.runtime.as_deref()) == Some("nvidia");
    let visible = env_value(env, "NVIDIA_VISIBLE_DEVICES").unwrap_or("");
    let visible_ids = indices(visible.split(','));
    let requested_ids = indices(
        requests
            .iter()
            .flat_map(|d| d.device_ids.iter().flatten())
            .map(String::as_str),
    );
    let uses = !requests.is_empty() || runtime || !visible_ids.is_empty();
    let gpus = if !requested_ids.is_empty() {
        requested_ids
    } else {
        visible_ids
    };
    (uses, gpus)
}

/// The model name vLLM serves under, from its arguments: `--served-model-name` (its first
/// name), else the model given by `--model` or positionally after `serve`.
pub fn served_model(args: &[String]) -> Option<String> {
    let flag = |name: &str| {
        args.windows(2)
            .find(|w| w[0] == name)
            .map(|w| w[1].clone())
            .or_else(|| {
                args.iter()
                    .find_map(|a| a.strip_prefix(&format!("{name}=")).map(str::to_owned))
            })
    };
    let positional = args
        .windows(2)
        .find(|w| w[0] == "serve" && !w[1].starts_with('-'))
        .map(|w| w[1].clone());
    flag("--served-model-name")
        .or_else(|| flag("--model"))
        .or(positional)
        .filter(|m| !m.is_empty())
}

fn served_port(
    inspect: &ContainerInspectResponse,
    labels: &HashMap<String, String>,
    image: &str,
) -> Option<u16> {
    let vllm = image.contains("vllm") || labels.get(VLLM_LABEL).is_some_and(|v| v == "true");
    if !vllm {
        return None;
    }
    if let Some(p) = labels.get(VLLM_PORT_LABEL).and_then(|p| p.parse().ok()) {
        return Some(p);
    }
    let args: &[String] = inspect.args.as_deref().unwrap_or_default();
    let arg_port = args
        .windows(2)
        .find(|w| w[0] == "--port")
        .and_then(|w| w[1].parse().ok())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--port=")?.parse().ok())
        });
    let container_port = arg_port.unwrap_or(VLLM_DEFAULT_PORT);
    let published = inspect
        .network_settings
        .as_ref()
        .and_then(|n| n.ports.as_ref())
        .and_then(|ports| {
            ports
                .get(&format!("{container_port}/tcp"))
                .cloned()
                .flatten()
        })
        .and_then(|bindings| bindings.into_iter().find_map(|b| b.host_port?.parse().ok()));
    published.or(Some(container_port))
}

fn started_at(inspect: &ContainerInspectResponse) -> Option<f64> {
    let s = inspect.state.as_ref()?.started_at.as_deref()?;
    let t = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    // Docker writes 0001-01-01T00:00:00Z for a container that never started.
    (t.timestamp() > 0)
        .then(|| t.timestamp() as f64 + f64::from(t.timestamp_subsec_millis()) / 1000.0)
}

/// llmmon's reading of one inspected container. `exists` tells whether a host path exists.
pub fn reading_from_inspect(
    inspect: &ContainerInspectResponse,
    exists: &dyn Fn(&Path) -> bool,
) -> ContainerReading {
    let config = inspect.config.as_ref();
    let host = inspect.host_config.as_ref();
    let state = inspect.state.as_ref();
    let labels = config.and_then(|c| c.labels.clone()).unwrap_or_default();
    let env: &[String] = config.and_then(|c| c.env.as_deref()).unwrap_or_default();
    let image_ref = config.and_then(|c| c.image.clone()).unwrap_or_default();
    let (image, image_version) = split_image(&image_ref);
    let (uses_gpu, gpus) = gpu_assignment(inspect);
    let memory = host
        .and_then(|h| h.memory)
        .filter(|m| *m > 0)
        .map(|m| m as f64);
    let cpus = host.and_then(|h| {
        h.nano_cpus
            .filter(|n| *n > 0)
            .map(|n| n as f64 / 1e9)
            .or_else(|| {
                let (q, p) = (h.cpu_quota?, h.cpu_period.unwrap_or(100_000));
                (q > 0 && p > 0).then(|| q as f64 / p as f64)
            })
    });
    let mounts = inspect
        .mounts
        .iter()
        .flatten()
        .map(|m| Mount {
            destination: m.destination.clone().unwrap_or_default(),
            kind: m.typ.as_ref().map(|t| t.to_string()).unwrap_or_default(),
            source_exists: m
                .source
                .as_deref()
                .filter(|s| !s.is_empty())
                .is_none_or(|s| exists(Path::new(s))),
        })
        .collect();
    let restart_policy = host
        .and_then(|h| h.restart_policy.as_ref())
        .and_then(|p| p.name)
        .map(|n| n.to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "no".to_owned());
    ContainerReading {
        name: inspect
            .name
            .as_deref()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_owned(),
        id: inspect.id.clone().unwrap_or_default(),
        compose_project: labels.get("com.docker.compose.project").cloned(),
        compose_service: labels.get("com.docker.compose.service").cloned(),
        served_port: served_port(inspect, &labels, &image),
        served_model: (image.contains("vllm")
            || labels.get(VLLM_LABEL).is_some_and(|v| v == "true"))
        .then(|| served_model(inspect.args.as_deref().unwrap_or_default()))
        .flatten(),
        image,
        image_version,
        state: state
            .and_then(|s| s.status)
            .and_then(|s| s.to_string().parse().ok()),
        health: state
            .and_then(|s| s.health.as_ref())
            .and_then(|h| h.status)
            .and_then(|s| s.to_string().parse().ok())
            .unwrap_or_default(),
        restart_count: inspect.restart_count.unwrap_or(0).max(0) as u64,
        exit_code: state.and_then(|s| s.exit_code),
        started_at: started_at(inspect),
        restart_policy,
        network_mode: host
            .and_then(|h| h.network_mode.clone())
            .unwrap_or_default(),
        memory_limit_bytes: memory,
        cpu_limit_cores: cpus,
        mounts,
        gpus,
        uses_gpu,
        cuda_version: env_value(env, "CUDA_VERSION").map(str::to_owned),
        crash_looping: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references_split_into_name_and_version() {
        assert_eq!(
            split_image("vllm/vllm-openai:v0.6.3"),
            ("vllm/vllm-openai".into(), "v0.6.3".into())
        );
        assert_eq!(
            split_image("localhost:5000/x/y:1.2"),
            ("localhost:5000/x/y".into(), "1.2".into())
        );
        assert_eq!(
            split_image("localhost:5000/x/y"),
            ("localhost:5000/x/y".into(), "latest".into())
        );
        assert_eq!(split_image("redis"), ("redis".into(), "latest".into()));
        assert_eq!(
            split_image("nginx@sha256:0123456789abcdef0123"),
            ("nginx".into(), "sha256:0123456789ab".into())
        );
    }

    fn inspect(json: serde_json::Value) -> ContainerInspectResponse {
        serde_json::from_value(json).expect("inspect JSON")
    }

    #[test]
    fn device_requests_grant_gpus_and_name_them() {
        let i = inspect(serde_json::json!({
            "HostConfig": {"DeviceRequests": [{"Driver": "", "Count": 0, "DeviceIDs": ["2", "3"], "Capabilities": [["gpu"]]}]},
            "Config": {"Env": ["NVIDIA_VISIBLE_DEVICES=all"]}
        }));
        assert_eq!(gpu_assignment(&i), (true, vec![2, 3]));
    }

    #[test]
    fn the_nvidia_runtime_with_explicit_devices_grants_those() {
        let i = inspect(serde_json::json!({
            "HostConfig": {"Runtime": "nvidia"},
            "Config": {"Env": ["NVIDIA_VISIBLE_DEVICES=0,1"]}
        }));
        assert_eq!(gpu_assignment(&i), (true, vec![0, 1]));
    }

    #[test]
    fn a_cuda_image_without_gpu_access_is_not_a_gpu_container() {
        let i = inspect(serde_json::json!({
            "HostConfig": {"Runtime": "runc"},
            "Config": {"Env": ["NVIDIA_VISIBLE_DEVICES=all", "CUDA_VERSION=12.4.1"]}
        }));
        assert_eq!(gpu_assignment(&i), (false, vec![]));
    }

    #[test]
    fn vllm_ports_come_from_the_label_then_the_published_port_then_args() {
        let labelled =
            inspect(serde_json::json!({"Config": {"Labels": {"llmmon.vllm.port": "8123"}}}));
        let labels = labelled
            .config
            .as_ref()
            .and_then(|c| c.labels.clone())
            .unwrap_or_default();
        assert_eq!(
            served_port(&labelled, &labels, "vllm/vllm-openai"),
            Some(8123)
        );
        let published = inspect(serde_json::json!({
            "Args": ["--model", "x", "--port", "8001"],
            "NetworkSettings": {"Ports": {"8001/tcp": [{"HostIp": "0.0.0.0", "HostPort": "18001"}]}}
        }));
        assert_eq!(
            served_port(&published, &HashMap::new(), "vllm/vllm-openai"),
            Some(18001)
        );
        let host_net = inspect(serde_json::json!({"Args": ["--port=8005"]}));
        assert_eq!(
            served_port(&host_net, &HashMap::new(), "vllm/vllm-openai"),
            Some(8005)
        );
        assert_eq!(served_port(&host_net, &HashMap::new(), "redis"), None);
    }

    #[test]
    fn the_served_model_comes_from_the_command_line() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            served_model(&args(&[
                "--model",
                "meta-llama/Llama-3.3-70B-Instruct",
                "--served-model-name",
                "llama-3.3-70b",
                "--port",
                "8000"
            ])),
            Some("llama-3.3-70b".into())
        );
        assert_eq!(
            served_model(&args(&[
                "--model=Qwen/Qwen3-32B",
                "--tensor-parallel-size",
                "2"
            ])),
            Some("Qwen/Qwen3-32B".into())
        );
        assert_eq!(
            served_model(&args(&["serve", "google/gemma-3-12b-it", "--port", "8000"])),
            Some("google/gemma-3-12b-it".into())
        );
        assert_eq!(served_model(&args(&["--port", "8000"])), None);
    }
}
