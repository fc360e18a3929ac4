//! Docker containers: llmmon's reading of each container (from the Docker API or the
//! simulator) and the source trait.

use async_trait::async_trait;

use llmmon_core::source::SourceError;

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
