//! Langfuse: today's traces, generations, cost, latency and scores from its public API,
//! and the source trait.

use async_trait::async_trait;

use llmmon_core::source::{Endpoints, SourceError};

/// Quantiles reported for latency and score distributions, with their `percentile` label
/// (not `quantile`: that label belongs to summaries).
pub const QUANTILES: [(f64, &str); 3] = [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")];

/// Today's figures for one model, plus its latency over the recent sample.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelDay {
    pub model: String,
    pub observations: f64,
    pub input_tokens: f64,
    pub output_tokens: f64,
    pub cost_usd: f64,
    pub error_observations: f64,
    /// Latency at each of [`QUANTILES`]; None where Langfuse gave none (no generation in
    /// the sample, a percentile it did not compute): absent, never 0.
    pub latency_s: [Option<f64>; 3],
    pub ttft_s: [Option<f64>; 3],
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserDay {
    pub user: String,
    pub cost_usd: f64,
    pub traces: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScoreDistribution {
    pub name: String,
    pub quantiles: [f64; 3],
    pub samples: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LangfuseReading {
    pub version: Option<String>,
    /// Traces today; None when the metrics API did not answer.
    pub daily_traces: Option<f64>,
    pub models: Vec<ModelDay>,
    pub users: Vec<UserDay>,
    pub scores: Vec<ScoreDistribution>,
    /// How each API beside health answered.
    pub endpoints: Endpoints,
}

#[async_trait]
pub trait LangfuseSource: Send + Sync {
    async fn read(&self) -> Result<LangfuseReading, SourceError>;
}
