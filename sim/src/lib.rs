//! llmmon-sim, the fleet simulator: one deterministic function of (seed, scenario timeline,
//! time) that describes a whole LLM server. Every simulated source is a view of the same
//! fleet, so GPU load, vLLM queues, LiteLLM usage, Langfuse traces and logs agree with each
//! other.
//!
//! It produces readings (`llmmon-readings`), upstream HTTP routers and the expositions of
//! programs that cannot run here; it builds no collector and no source of the exporter,
//! which depends on it (its `wiring` module), never the other way.

pub mod control;
pub mod fleet;
pub mod scenario;
pub mod signal;
pub mod traffic;

mod cadvisor;
mod containers;
mod dcgm;
mod gpus;
mod host;
pub(crate) mod llm;
mod logs;
pub mod upstreams;

use std::sync::{Arc, RwLock, RwLockReadGuard};

pub use containers::SimContainerSource;
pub use fleet::Fleet;
pub use gpus::SimGpuSource;
pub use logs::{LogLine, LogStream};
pub use scenario::{Conditions, Fault, Scenario, Timeline};
use traffic::Traffic;

use llmmon_core::exposition::MetricSet;
use llmmon_core::role::Role;
use llmmon_core::schema::{SIM_FAULT_ACTIVE, SIM_SCENARIO};

/// Suffix that marks the copies of the reference block in a larger fleet (`-b2`, `-b3` …).
const BLOCK_MARK: &str = "-b";

/// A name without the block suffix a larger fleet adds.
pub fn fleet_base_name(name: &str) -> &str {
    match name.rfind(BLOCK_MARK) {
        Some(i)
            if name[i + BLOCK_MARK.len()..]
                .chars()
                .all(|c| c.is_ascii_digit())
                && i + BLOCK_MARK.len() < name.len() =>
        {
            &name[..i]
        }
        _ => name,
    }
}

/// The simulated server.
#[derive(Debug)]
pub struct Simulator {
    seed: u64,
    fleet: Fleet,
    timeline: RwLock<Timeline>,
}

impl Simulator {
    /// A simulator of `scale` reference blocks, under `initial` conditions; faults already
    /// on count from `anchor` (normally the start time).
    pub fn new(seed: u64, scale: u32, initial: Conditions, anchor: f64) -> Arc<Self> {
        Self::on_host(seed, scale, initial, anchor, fleet::FIRST_HOST)
    }

    /// A server named `hostname` (a fleet's servers differ by name and seed).
    pub fn on_host(
        seed: u64,
        scale: u32,
        initial: Conditions,
        anchor: f64,
        hostname: &str,
    ) -> Arc<Self> {
        Arc::new(Self {
            seed,
            fleet: Fleet::build_host(seed, scale, hostname),
            timeline: RwLock::new(Timeline::new(initial, anchor)),
        })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    fn timeline(&self) -> RwLockReadGuard<'_, Timeline> {
        // A poisoned lock only means a panic elsewhere; the timeline itself is still valid.
        self.timeline.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Conditions in force now.
    pub fn conditions(&self) -> Conditions {
        self.timeline().current().conditions.clone()
    }

    /// Switches conditions from time `at` on (run-time scenario switching).
    pub fn set_conditions(&self, at: f64, conditions: Conditions) {
        let mut tl = self.timeline.write().unwrap_or_else(|e| e.into_inner());
        tl.switch(at, conditions);
    }

    fn with_traffic<R>(&self, f: impl FnOnce(&Traffic<'_>) -> R) -> R {
        let tl = self.timeline();
        f(&Traffic {
            seed: self.seed,
            fleet: &self.fleet,
            timeline: &tl,
        })
    }

    /// What the simulated standard exporter `role` (node_exporter, cAdvisor, dcgm-exporter)
    /// serves at time t; None for the roles of our own exporter.
    pub fn standard_exporter_metrics(&self, role: Role, t: f64) -> Option<MetricSet> {
        match role {
            Role::Node => Some(self.node_metrics(t)),
            Role::Cadvisor => Some(self.cadvisor_metrics(t)),
            Role::Dcgm => Some(self.dcgm_metrics(t)),
            Role::Gpu | Role::Containers | Role::Vllm | Role::Litellm | Role::Langfuse => None,
        }
    }

    /// `llm_monitor_sim_*` families: which scenario and faults are active at time t.
    pub fn status_metrics(&self, t: f64) -> MetricSet {
        let tl = self.timeline();
        let c = &tl.at(t).conditions;
        let mut m = MetricSet::new();
        m.gauge(&SIM_SCENARIO, &[c.scenario.as_str()], 1.0);
        for f in Fault::ALL {
            m.gauge(
                &SIM_FAULT_ACTIVE,
                &[f.as_str()],
                f64::from(u8::from(c.has(f))),
            );
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names_drop_only_the_block_suffix() {
        assert_eq!(fleet_base_name("phi-4"), "phi-4");
        assert_eq!(fleet_base_name("phi-4-b2"), "phi-4");
        assert_eq!(fleet_base_name("bge-m3-b10"), "bge-m3");
        assert_eq!(fleet_base_name("web-b"), "web-b");
    }
}
