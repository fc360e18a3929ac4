//! The simulated Docker containers: the vLLM containers (GPU class) follow their instances'
//! states; the service containers (non-GPU) run, with faults and scenarios bending a few.

use std::sync::Arc;

use async_trait::async_trait;

use super::fleet::{container_id, ServiceSpec, VllmSpec, FLEET_EPOCH};
use super::scenario::{Conditions, Fault, Scenario};
use super::signal::hash;
use super::traffic::{self, InstanceState, Traffic};
use super::{fleet_base_name, Simulator};
use llmmon_core::clock::{self, Clock};
use llmmon_core::source::SourceError;
use llmmon_readings::containers::{
    ContainerHealth, ContainerReading, ContainerSource, ContainerState, Mount,
};

/// Service that turns unhealthy in the degraded scenario.
pub const DEGRADED_SERVICE: &str = "langfuse-worker";
/// Service whose API dies under `upstream_down`.
pub const UPSTREAM_DOWN_SERVICE: &str = "langfuse-web";
/// Seconds a failing healthcheck stays "starting" before Docker calls it unhealthy.
const HEALTH_START_PERIOD_S: f64 = 120.0;
/// Restarts within the crash-loop window that count as a crash loop.
pub const CRASH_LOOP_RESTARTS: u64 = 3;

impl Simulator {
    /// Every container at time t, running or not.
    pub fn container_readings(&self, t: f64) -> Vec<ContainerReading> {
        self.with_traffic(|tr| {
            let c = tr.timeline.at(t).conditions.clone();
            let mut out: Vec<ContainerReading> = tr
                .fleet
                .vllm
                .iter()
                .map(|s| vllm_container(tr, s, t))
                .collect();
            out.extend(
                tr.fleet
                    .services
                    .iter()
                    .map(|s| service_container(tr, s, &c)),
            );
            out
        })
    }
}

/// CUDA version baked into the vLLM image of a version.
pub fn cuda_of(vllm_version: &str) -> &'static str {
    if vllm_version.starts_with("0.6") || vllm_version.starts_with("0.7") {
        "12.4.1"
    } else {
        "12.8.1"
    }
}

fn vllm_container(tr: &Traffic<'_>, spec: &VllmSpec, t: f64) -> ContainerReading {
    let state = tr.state(spec, t);
    let c = &tr.timeline.at(t).conditions;
    let crash =
        c.has(Fault::ContainerCrashLoop) && traffic::base_model(spec) == traffic::CRASH_LOOP_MODEL;
    // Docker's count keeps the crash loop's restarts after the fault ends (it only resets
    // when the container is recreated, which the simulator never does).
    let restarts = if traffic::base_model(spec) == traffic::CRASH_LOOP_MODEL {
        tr.crash_restarts_total(t)
    } else {
        0
    } + hash(tr.seed, &spec.container, 1) % 3;
    let (docker_state, exit_code) = match state {
        InstanceState::Stopped if crash => (ContainerState::Restarting, 1),
        InstanceState::Stopped => (ContainerState::Exited, 0),
        _ => (ContainerState::Running, 0),
    };
    let health = match state {
        InstanceState::Ready => ContainerHealth::Healthy,
        InstanceState::Unhealthy => ContainerHealth::Unhealthy,
        InstanceState::Loading => {
            let loading_for = t - tr.started_at(spec, t);
            if loading_for > HEALTH_START_PERIOD_S {
                ContainerHealth::Unhealthy
            } else {
                ContainerHealth::Starting
            }
        }
        InstanceState::Stopped => ContainerHealth::NoHealthcheck,
    };
    ContainerReading {
        name: spec.container.clone(),
        id: container_id(tr.seed, &spec.container),
        compose_project: Some("llm-serving".to_owned()),
        compose_service: Some(fleet_base_name(&spec.container).to_owned()),
        image: "vllm/vllm-openai".to_owned(),
        image_version: format!("v{}", spec.vllm_version),
        state: Some(docker_state),
        health,
        restart_count: restarts,
        exit_code: Some(exit_code),
        started_at: Some(tr.started_at(spec, t)),
        restart_policy: "unless-stopped".to_owned(),
        network_mode: "llm-serving_default".to_owned(),
        memory_limit_bytes: None,
        cpu_limit_cores: None,
        mounts: vec![Mount {
            destination: "/root/.cache/huggingface".to_owned(),
            kind: "bind".to_owned(),
            source_exists: true,
        }],
        gpus: spec.gpus.clone(),
        uses_gpu: true,
        cuda_version: Some(cuda_of(spec.vllm_version).to_owned()),
        served_port: Some(spec.host_port),
        served_model: Some(spec.model.clone()),
        crash_looping: crash && tr.crash_restarts(t) >= CRASH_LOOP_RESTARTS,
    }
}

fn service_health(s: &ServiceSpec, c: &Conditions) -> ContainerHealth {
    if !s.has_healthcheck || s.exited_with.is_some() {
        return ContainerHealth::NoHealthcheck;
    }
    let base = fleet_base_name(&s.container);
    let sick = (c.scenario == Scenario::Degraded && base == DEGRADED_SERVICE)
        || (c.has(Fault::UpstreamDown) && base == UPSTREAM_DOWN_SERVICE);
    if sick {
        ContainerHealth::Unhealthy
    } else {
        ContainerHealth::Healthy
    }
}

fn service_mounts(s: &ServiceSpec, c: &Conditions) -> Vec<Mount> {
    let mount = |destination: &str, kind: &str, source_exists: bool| Mount {
        destination: destination.to_owned(),
        kind: kind.to_owned(),
        source_exists,
    };
    match s.compose_service {
        "nginx" => vec![
            mount("/etc/nginx/conf.d", "bind", true),
            // The degraded scenario loses the certificate directory (a typo'd host path).
            mount("/etc/nginx/certs", "bind", c.scenario != Scenario::Degraded),
        ],
        name if name.contains("postgres") || s.image == "postgres" => {
            vec![mount("/var/lib/postgresql/data", "volume", true)]
        }
        "portainer" => vec![mount("/var/run/docker.sock", "bind", true)],
        _ => vec![mount("/data", "volume", true)],
    }
}

fn service_container(tr: &Traffic<'_>, s: &ServiceSpec, c: &Conditions) -> ContainerReading {
    let started = FLEET_EPOCH + 3600.0 * (hash(tr.seed, &s.container, 2) % (24 * 25)) as f64;
    ContainerReading {
        name: s.container.clone(),
        id: container_id(tr.seed, &s.container),
        compose_project: Some(s.compose_project.to_owned()),
        compose_service: Some(s.compose_service.to_owned()),
        image: s.image.to_owned(),
        image_version: s.version.to_owned(),
        state: Some(if s.exited_with.is_some() {
            ContainerState::Exited
        } else {
            ContainerState::Running
        }),
        health: service_health(s, c),
        restart_count: hash(tr.seed, &s.container, 3) % 2,
        exit_code: Some(s.exited_with.unwrap_or(0)),
        started_at: Some(started),
        restart_policy: if s.exited_with.is_some() {
            "no"
        } else {
            "unless-stopped"
        }
        .to_owned(),
        network_mode: format!("{}_default", s.compose_project),
        memory_limit_bytes: s.memory_limit_bytes,
        cpu_limit_cores: s.cpu_limit_cores,
        mounts: service_mounts(s, c),
        gpus: Vec::new(),
        uses_gpu: false,
        cuda_version: None,
        served_port: None,
        served_model: None,
        crash_looping: false,
    }
}

/// The simulator as the `containers` role's source.
pub struct SimContainerSource {
    pub sim: Arc<Simulator>,
    pub clock: Clock,
}

impl SimContainerSource {
    pub fn new(sim: Arc<Simulator>) -> Self {
        Self {
            sim,
            clock: clock::wall_clock(),
        }
    }
}

#[async_trait]
impl ContainerSource for SimContainerSource {
    async fn list(&self) -> Result<Vec<ContainerReading>, SourceError> {
        Ok(self.sim.container_readings((self.clock)()))
    }
}
