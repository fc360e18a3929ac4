//! The real GPU source: NVML (loaded at run time, re-tried until it loads) plus the
//! process → container mapping through `/proc/<pid>/cgroup` and the Docker API.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::cgroup;
use super::nvml::{self, LoadError, NvmlLibrary, XidEvent};
use super::{GpuInventory, GpuSource, XidCount};
use llmmon_core::docker::DockerClient;
use llmmon_core::source::SourceError;

/// Loads NVML; the error is the operator-facing reason.
pub type NvmlLoader = Box<dyn Fn() -> Result<Arc<dyn NvmlLibrary>, LoadError> + Send + Sync>;

pub struct NvmlGpuSource {
    loader: NvmlLoader,
    library: Mutex<Option<Arc<dyn NvmlLibrary>>>,
    proc_root: PathBuf,
    docker: Option<Arc<DockerClient>>,
    /// XID events counted since the source started, per GPU and code.
    xids: Mutex<Vec<XidCount>>,
}

impl NvmlGpuSource {
    /// `proc_root` is where host processes are visible (`/proc` with `pid: host`);
    /// `docker` names containers (without it, a container shows as its short id).
    pub fn new(loader: NvmlLoader, proc_root: PathBuf, docker: Option<Arc<DockerClient>>) -> Self {
        Self {
            loader,
            library: Mutex::new(None),
            proc_root,
            docker,
            xids: Mutex::new(Vec::new()),
        }
    }

    /// The real NVML library.
    pub fn real(proc_root: PathBuf, docker: Option<Arc<DockerClient>>) -> Self {
        let loader: NvmlLoader =
            Box::new(|| super::nvml_real::load().map(|l| Arc::new(l) as Arc<dyn NvmlLibrary>));
        Self::new(loader, proc_root, docker)
    }

    fn library(&self) -> Result<Arc<dyn NvmlLibrary>, SourceError> {
        let mut slot = self.library.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(lib) = slot.as_ref() {
            return Ok(lib.clone());
        }
        let lib = (self.loader)().map_err(|e| SourceError::Unavailable(e.to_string()))?;
        *slot = Some(lib.clone());
        Ok(lib)
    }

    /// Adds the events NVML delivered since the last read; every count so far.
    fn count_xids(&self, events: Vec<XidEvent>) -> Vec<XidCount> {
        let mut counts = self.xids.lock().unwrap_or_else(|e| e.into_inner());
        for e in events {
            match counts.iter_mut().find(|c| c.gpu == e.gpu && c.xid == e.xid) {
                Some(c) => {
                    c.count += 1;
                    c.last_seen = c.last_seen.max(e.at);
                }
                None => counts.push(XidCount {
                    gpu: e.gpu,
                    xid: e.xid,
                    count: 1,
                    last_seen: e.at,
                }),
            }
        }
        counts.clone()
    }

    fn forget_library(&self) {
        *self.library.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[async_trait]
impl GpuSource for NvmlGpuSource {
    async fn read(&self) -> Result<GpuInventory, SourceError> {
        let lib = self.library()?;
        // Docker being down only costs the names: containers then show as short ids.
        let names: HashMap<String, String> = match &self.docker {
            Some(d) => d.names_by_id().await.unwrap_or_default(),
            None => HashMap::new(),
        };
        let proc_root = self.proc_root.clone();
        let events = lib.xid_events();
        let read = tokio::task::spawn_blocking(move || {
            let container_of = |pid: u32| {
                cgroup::container_of_pid(&proc_root, pid).map(|id| {
                    names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| id[..12].to_owned())
                })
            };
            nvml::read_inventory(lib.as_ref(), &container_of)
        })
        .await
        .map_err(|e| SourceError::Unavailable(format!("NVML reader stopped: {e}")))?;
        let xid_errors = self.count_xids(events);
        let mut inventory = read.map_err(|e| {
            // The driver may have gone away (unloaded, upgraded): initialise again next time.
            self.forget_library();
            SourceError::Unavailable(format!("NVML: {}", nvml::describe(&e)))
        })?;
        inventory.xid_errors = xid_errors;
        inventory.read_at = llmmon_core::clock::now();
        Ok(inventory)
    }
}
