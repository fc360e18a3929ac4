//! The simulator's vocabulary: the scenarios and fault switches it can play, and the
//! conditions (a scenario plus active faults) it is told to play. What each does to the
//! fleet is the simulator's business; the CLI, the exporter's configuration and its
//! control API only name them.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::label::UnknownName;

/// The fleet's overall situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Daytime 10–20 requests/min, everything healthy: no alert may fire.
    Normal,
    /// Four times the traffic: GPUs busy, queues and KV cache fill, latency doubles.
    HighLoad,
    /// Errors and latency up, one inference server unhealthy.
    Degraded,
    /// Planned maintenance: some models stopped, traffic low.
    Maintenance,
}

impl Scenario {
    pub const ALL: [Scenario; 4] = [
        Scenario::Normal,
        Scenario::HighLoad,
        Scenario::Degraded,
        Scenario::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Normal => "normal",
            Scenario::HighLoad => "high_load",
            Scenario::Degraded => "degraded",
            Scenario::Maintenance => "maintenance",
        }
    }
}

/// A fault injected on top of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// One GPU runs at 88–92 °C and thermally throttles.
    GpuOverheat,
    /// One inference container exits shortly after every start and is restarted.
    ContainerCrashLoop,
    /// One vLLM instance never finishes loading its model (out of memory).
    ModelLoadFailure,
    /// The Langfuse API and one vLLM backend stop answering.
    UpstreamDown,
    /// A burst of failed requests (15 %) and ERROR log lines across models.
    ErrorBurst,
    /// Critical XID errors: one GPU falls off the bus (XID 79), another has double-bit ECC
    /// errors (XID 48) with a row remapping pending.
    GpuXid,
}

impl Fault {
    pub const ALL: [Fault; 6] = [
        Fault::GpuOverheat,
        Fault::ContainerCrashLoop,
        Fault::ModelLoadFailure,
        Fault::UpstreamDown,
        Fault::ErrorBurst,
        Fault::GpuXid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::GpuOverheat => "gpu_overheat",
            Fault::ContainerCrashLoop => "container_crash_loop",
            Fault::ModelLoadFailure => "model_load_failure",
            Fault::UpstreamDown => "upstream_down",
            Fault::ErrorBurst => "error_burst",
            Fault::GpuXid => "gpu_xid",
        }
    }
}

macro_rules! parse_by_name {
    ($ty:ty, $what:literal) => {
        impl FromStr for $ty {
            type Err = UnknownName;
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| UnknownName::new($what, s, Self::ALL.map(Self::as_str)))
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
parse_by_name!(Scenario, "scenario");
parse_by_name!(Fault, "fault");

/// Scenario plus active faults: what the simulator is doing during one stretch of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditions {
    pub scenario: Scenario,
    #[serde(default)]
    pub faults: BTreeSet<Fault>,
}

impl Default for Conditions {
    fn default() -> Self {
        Self {
            scenario: Scenario::Normal,
            faults: BTreeSet::new(),
        }
    }
}

impl Conditions {
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }
}

/// The host name of the first simulated server; server n of a fleet is `llm-h200-0n`.
pub const FIRST_HOST: &str = "llm-h200-01";

/// The host name of server `n` (from 1) of a simulated fleet: `llm-h200-01`, `llm-h200-02` …
pub fn host_name(n: usize) -> String {
    format!("llm-h200-{n:02}")
}

/// The seed of server `n` (from 1) of a fleet seeded `seed`: the first keeps `seed`, so a
/// one-server fleet is today's server; the others differ.
pub fn host_seed(seed: u64, n: usize) -> u64 {
    seed.wrapping_add((n as u64).saturating_sub(1).wrapping_mul(7919))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in Scenario::ALL {
            assert_eq!(s.as_str().parse::<Scenario>(), Ok(s));
        }
        for f in Fault::ALL {
            assert_eq!(f.as_str().parse::<Fault>(), Ok(f));
        }
        let err = "busy".parse::<Scenario>().unwrap_err().to_string();
        assert!(err.starts_with("unknown scenario 'busy'"), "{err}");
        assert!(err.contains("high_load"), "{err}");
    }
}
