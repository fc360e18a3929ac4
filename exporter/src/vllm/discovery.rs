//! Finding vLLM instances: containers that look like vLLM (image name contains `vllm`, or
//! label `llmmon.vllm=true`) through a container source (the Docker API, or the simulator's
//! container view), plus static targets from the configuration.

use std::sync::Arc;

use async_trait::async_trait;

use crate::containers::{ContainerSource, ContainerState};
use llmmon_core::source::SourceError;

/// One place a vLLM server may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Container name, or `host:port` for a static target.
    pub name: String,
    /// Base URL; `/metrics`, `/health` … are appended.
    pub base_url: String,
    /// False when discovery knows the container is not running.
    pub running: bool,
    /// Whether a container engine vouches for it (a refused connection then means "still
    /// loading", not "gone").
    pub discovered: bool,
    /// The model its container says it serves (command line), for when it does not answer.
    pub model_hint: Option<String>,
}

#[async_trait]
pub trait Discovery: Send + Sync {
    async fn targets(&self) -> Result<Vec<Target>, SourceError>;
}

/// Targets given in the configuration (`--target http://host:port`).
pub struct StaticTargets(pub Vec<String>);

#[async_trait]
impl Discovery for StaticTargets {
    async fn targets(&self) -> Result<Vec<Target>, SourceError> {
        Ok(self
            .0
            .iter()
            .map(|url| {
                let url = url.trim_end_matches('/').to_owned();
                let shown = llmmon_core::redact::url(&url);
                let name = shown
                    .split_once("://")
                    .map_or(shown.clone(), |(_, rest)| rest.to_owned());
                Target {
                    name,
                    base_url: url,
                    running: true,
                    discovered: false,
                    model_hint: None,
                }
            })
            .collect())
    }
}

/// How a discovered container is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// By container name on a shared Docker network: `http://<name>:<port>`.
    ContainerName,
    /// By a host address and the published port: `http://<host>:<port>`.
    Host(String),
    /// Under a path of one server: `<base>/<name>` (the simulator's upstreams).
    Path(String),
}

/// vLLM containers found by a container source.
pub struct ContainerDiscovery {
    pub containers: Arc<dyn ContainerSource>,
    pub address: Address,
}

#[async_trait]
impl Discovery for ContainerDiscovery {
    async fn targets(&self) -> Result<Vec<Target>, SourceError> {
        let list = self.containers.list().await?;
        Ok(list
            .into_iter()
            .filter_map(|c| {
                let port = c.served_port?;
                let base_url = match &self.address {
                    Address::ContainerName => format!("http://{}:{port}", c.name),
                    Address::Host(h) => format!("http://{h}:{port}"),
                    Address::Path(base) => format!("{}/{}", base.trim_end_matches('/'), c.name),
                };
                Some(Target {
                    running: c.state == Some(ContainerState::Running),
                    name: c.name,
                    base_url,
                    discovered: true,
                    model_hint: c.served_model,
                })
            })
            .collect())
    }
}
