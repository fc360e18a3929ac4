//! The connection to the Docker engine (bollard), shared by the `containers` role and the
//! `gpu` role's process → container naming. A lost engine is retried on every collection.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use bollard::query_parameters::ListContainersOptions;
use bollard::{Docker, API_DEFAULT_VERSION};

use crate::source::SourceError;

/// Default engine socket.
pub const DEFAULT_SOCKET: &str = "unix:///var/run/docker.sock";
/// Seconds one Docker API request may take.
const REQUEST_TIMEOUT_S: u64 = 10;

/// A lazily connected, self-healing Docker client.
pub struct DockerClient {
    socket: String,
    cached: Mutex<Option<Docker>>,
}

impl DockerClient {
    pub fn new(socket: &str) -> Self {
        Self {
            socket: socket.to_owned(),
            cached: Mutex::new(None),
        }
    }

    fn path(&self) -> &str {
        self.socket.strip_prefix("unix://").unwrap_or(&self.socket)
    }

    /// A connected client, negotiating the API version with the engine (Docker 20.10 speaks
    /// 1.41, current engines 1.5x).
    pub async fn get(&self) -> Result<Docker, SourceError> {
        if let Some(d) = self
            .cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(d);
        }
        let path = self.path();
        if !Path::new(path).exists() {
            return Err(SourceError::Unavailable(format!(
                "Docker socket {path} does not exist (is the engine running and the socket mounted?)"
            )));
        }
        let docker = Docker::connect_with_unix(path, REQUEST_TIMEOUT_S, API_DEFAULT_VERSION)
            .map_err(|e| self.unavailable(&e))?
            .negotiate_version()
            .await
            .map_err(|e| self.unavailable(&e))?;
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = Some(docker.clone());
        Ok(docker)
    }

    /// The connected client, if a collection has connected one.
    pub fn cached(&self) -> Option<Docker> {
        self.cached
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets the connection after a failure, so the next collection reconnects.
    pub fn reset(&self) {
        *self.cached.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// A one-line reason for a Docker API failure (never carries credentials: the engine
    /// socket holds none).
    pub fn unavailable(&self, e: &bollard::errors::Error) -> SourceError {
        let text = e.to_string();
        let why = if text.contains("Permission denied") {
            format!("permission denied on {} (add the exporter to the docker group or mount the socket)", self.path())
        } else if text.contains("No such file") || text.contains("Connection refused") {
            format!("Docker engine not answering on {}", self.path())
        } else {
            format!(
                "Docker API error: {}",
                text.lines().next().unwrap_or_default()
            )
        };
        SourceError::Unavailable(why)
    }

    /// Every container, running or not, as the engine lists them.
    pub async fn list_all(&self) -> Result<Vec<bollard::models::ContainerSummary>, SourceError> {
        let docker = self.get().await?;
        docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                ..Default::default()
            }))
            .await
            .map_err(|e| {
                self.reset();
                self.unavailable(&e)
            })
    }

    /// Container names by full id, for every container (running or not).
    pub async fn names_by_id(&self) -> Result<HashMap<String, String>, SourceError> {
        Ok(self
            .list_all()
            .await?
            .into_iter()
            .filter_map(|c| {
                let name = c.names?.into_iter().next()?;
                Some((c.id?, name.trim_start_matches('/').to_owned()))
            })
            .collect())
    }
}
