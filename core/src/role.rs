//! The exporter roles (one service, one port, one Prometheus job each) and where a role's
//! readings come from. Building a role's collectors is the exporter's wiring, not this.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::label::UnknownName;
use crate::schema::{self, MetricDef};

/// One exporter role: one service, one port, one job in Prometheus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Gpu,
    Containers,
    Node,
    Cadvisor,
    Dcgm,
    Vllm,
    Litellm,
    Langfuse,
}

/// Where a role's readings come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceMode {
    Real,
    Sim,
}

impl SourceMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceMode::Real => "real",
            SourceMode::Sim => "sim",
        }
    }
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Gpu,
        Role::Containers,
        Role::Node,
        Role::Cadvisor,
        Role::Dcgm,
        Role::Vllm,
        Role::Litellm,
        Role::Langfuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Gpu => "gpu",
            Role::Containers => "containers",
            Role::Node => "node",
            Role::Cadvisor => "cadvisor",
            Role::Dcgm => "dcgm",
            Role::Vllm => "vllm",
            Role::Litellm => "litellm",
            Role::Langfuse => "langfuse",
        }
    }

    /// Port from DESIGN.md; the simulated standard exporters take their originals' ports.
    pub fn default_port(self) -> u16 {
        match self {
            Role::Gpu => 9445,
            Role::Containers => 9904,
            Role::Node => 9100,
            Role::Cadvisor => 8080,
            Role::Dcgm => 9400,
            Role::Vllm => 9902,
            Role::Litellm => 9901,
            Role::Langfuse => 9903,
        }
    }

    /// Families the role's sources emit (not counting the exporter's own).
    pub fn families(self) -> &'static [&'static MetricDef] {
        match self {
            Role::Gpu => schema::GPU_FAMILIES,
            Role::Containers => schema::CONTAINER_FAMILIES,
            Role::Node => schema::NODE_FAMILIES,
            Role::Cadvisor => schema::CADVISOR_FAMILIES,
            Role::Dcgm => schema::DCGM_FAMILIES,
            Role::Vllm => schema::VLLM_FAMILIES,
            Role::Litellm => schema::LITELLM_FAMILIES,
            Role::Langfuse => schema::LANGFUSE_FAMILIES,
        }
    }

    /// Whether the role stands in for a third-party exporter (sim only: in production the
    /// real node_exporter, cAdvisor or dcgm-exporter runs instead).
    pub fn imitates_standard_exporter(self) -> bool {
        matches!(self, Role::Node | Role::Cadvisor | Role::Dcgm)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownName::new("role", s, Role::ALL.map(Role::as_str)))
    }
}
