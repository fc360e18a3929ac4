//! What every collector shares: the error a source reports, and the trait the service runs.

use async_trait::async_trait;

use crate::exposition::MetricSet;

/// Why a source gave no reading. The message is shown to operators: it never carries a
/// secret (no keys, no passwords, no URLs with credentials).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The upstream could not be reached or refused (socket gone, connection refused, 5xx).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The upstream answered with something we cannot read.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The upstream rejected our credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The collection ran past its timeout.
    #[error("timed out after {0:.1} s")]
    Timeout(f64),
}

/// Outcome of one target of a multi-target collector (vLLM instances, for example).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetStatus {
    pub target: String,
    pub result: Result<(), String>,
}

/// What one collection produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collection {
    pub metrics: MetricSet,
    /// Per-target outcomes, reported as `source_up{source="<collector>/<target>"}`.
    pub targets: Vec<TargetStatus>,
}

impl From<MetricSet> for Collection {
    fn from(metrics: MetricSet) -> Self {
        Self {
            metrics,
            targets: Vec::new(),
        }
    }
}

/// A source of metrics, run on its own task by the service.
#[async_trait]
pub trait Collector: Send + Sync {
    /// Name used as the `source` label.
    fn name(&self) -> &str;
    async fn collect(&self) -> Result<Collection, SourceError>;
}
