//! Docker containers: llmmon's reading of each container (from the Docker API or the
//! simulator), the source trait, and the collector for the `containers` role.
//!
//! CPU / memory / network *usage* comes from cAdvisor, not from here.

pub mod crash;
pub mod docker_source;

use std::sync::Arc;

use async_trait::async_trait;

use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_core::source::{Collection, Collector, SourceError};

llmmon_core::label_enum! {
    /// Docker's container states: the `state` of `llmmon_container_state`.
    pub enum ContainerState {
        Created => "created",
        Running => "running",
        Paused => "paused",
        Restarting => "restarting",
        Removing => "removing",
        Exited => "exited",
        Dead => "dead",
    }
}

llmmon_core::label_enum! {
    /// A container's health: the `status` of `llmmon_container_health`; `none` when the
    /// container has no healthcheck.
    #[derive(Default)]
    pub enum ContainerHealth {
        Healthy => "healthy",
        Unhealthy => "unhealthy",
        Starting => "starting",
        #[default]
        NoHealthcheck => "none",
    }
}

/// A bind or volume mount.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub destination: String,
    /// bind, volume, tmpfs
    pub kind: String,
    pub source_exists: bool,
}

/// One container as llmmon sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerReading {
    pub name: String,
    pub id: String,
    pub compose_project: Option<String>,
    pub compose_service: Option<String>,
    /// Image name without tag, and the tag (the version).
    pub image: String,
    pub image_version: String,
    /// None where Docker gave no state it names.
    pub state: Option<ContainerState>,
    pub health: ContainerHealth,
    pub restart_count: u64,
    pub exit_code: Option<i64>,
    pub started_at: Option<f64>,
    pub restart_policy: String,
    pub network_mode: String,
    pub memory_limit_bytes: Option<f64>,
    pub cpu_limit_cores: Option<f64>,
    pub mounts: Vec<Mount>,
    /// GPU indices assigned to the container (device requests, NVIDIA_VISIBLE_DEVICES).
    pub gpus: Vec<u32>,
    /// Whether the container can use GPUs at all (even "all" without explicit indices).
    pub uses_gpu: bool,
    pub cuda_version: Option<String>,
    pub served_port: Option<u16>,
    /// The model a vLLM container serves, from its command line (`--served-model-name`,
    /// else `--model` / `vllm serve MODEL`): known even while it is stopped.
    pub served_model: Option<String>,
    pub crash_looping: bool,
}

impl ContainerReading {
    pub fn class(&self) -> &'static str {
        if self.uses_gpu {
            "gpu"
        } else {
            "non-gpu"
        }
    }
}

/// Where container readings come from (Docker API on a real host, the simulator in mock mode).
#[async_trait]
pub trait ContainerSource: Send + Sync {
    async fn list(&self) -> Result<Vec<ContainerReading>, SourceError>;
}

/// Turns readings into the `containers` role's families.
pub fn render(containers: &[ContainerReading]) -> MetricSet {
    let mut m = MetricSet::new();
    for c in containers {
        let name = [c.name.as_str()];
        m.gauge(
            &CONTAINER_INFO,
            &[
                &c.name,
                c.compose_project.as_deref().unwrap_or(""),
                c.compose_service.as_deref().unwrap_or(""),
                &c.image,
                &c.image_version,
                c.class(),
                c.cuda_version.as_deref().unwrap_or(""),
                &c.restart_policy,
                &c.network_mode,
            ],
            1.0,
        );
        m.state_set(
            &CONTAINER_STATE,
            &name,
            ContainerState::LABELS,
            c.state.map_or("", ContainerState::as_str),
        );
        m.state_set(
            &CONTAINER_HEALTH,
            &name,
            ContainerHealth::LABELS,
            c.health.as_str(),
        );
        m.gauge(&CONTAINER_RESTARTS, &name, c.restart_count as f64);
        m.gauge_opt(&CONTAINER_EXIT_CODE, &name, c.exit_code.map(|e| e as f64));
        m.gauge_opt(&CONTAINER_START_TIME, &name, c.started_at);
        m.gauge_opt(&CONTAINER_MEMORY_LIMIT, &name, c.memory_limit_bytes);
        m.gauge_opt(&CONTAINER_CPU_LIMIT, &name, c.cpu_limit_cores);
        for mount in &c.mounts {
            m.gauge(
                &CONTAINER_MOUNT_PRESENT,
                &[&c.name, &mount.destination, &mount.kind],
                f64::from(u8::from(mount.source_exists)),
            );
        }
        for gpu in &c.gpus {
            m.gauge(&CONTAINER_GPU, &[&c.name, &gpu.to_string()], 1.0);
        }
        m.gauge(
            &CONTAINER_CRASH_LOOP,
            &name,
            f64::from(u8::from(c.crash_looping)),
        );
        m.gauge_opt(&CONTAINER_SERVED_PORT, &name, c.served_port.map(f64::from));
    }
    m
}

/// The `containers` role's collector over any [`ContainerSource`].
pub struct ContainerCollector {
    pub source: Arc<dyn ContainerSource>,
}

#[async_trait]
impl Collector for ContainerCollector {
    fn name(&self) -> &str {
        "docker"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        Ok(render(&self.source.list().await?).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::Value;

    #[test]
    fn a_container_without_healthcheck_reports_health_none() {
        let c = ContainerReading {
            name: "x".into(),
            state: Some(ContainerState::Running),
            ..ContainerReading::default()
        };
        let m = render(&[c]);
        assert_eq!(
            m.value(&CONTAINER_HEALTH, &["x", "none"]),
            Some(&Value::Gauge(1.0))
        );
        assert_eq!(
            m.value(&CONTAINER_STATE, &["x", "running"]),
            Some(&Value::Gauge(1.0))
        );
        assert!(
            m.samples(&CONTAINER_MEMORY_LIMIT).is_empty(),
            "unlimited is absent"
        );
    }

    #[test]
    fn gpu_containers_are_classed_and_list_their_gpus() {
        let c = ContainerReading {
            name: "vllm".into(),
            state: Some(ContainerState::Running),
            uses_gpu: true,
            gpus: vec![0, 1],
            ..ContainerReading::default()
        };
        let m = render(&[c]);
        assert_eq!(m.samples(&CONTAINER_GPU).len(), 2);
        assert_eq!(m.samples(&CONTAINER_INFO)[0].labels[5], "gpu");
    }
}
