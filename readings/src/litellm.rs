//! LiteLLM proxy: what its admin API tells beyond its own `/metrics` (catalog, deployment
//! health, daily usage, key budgets) and the source trait.

use async_trait::async_trait;

use llmmon_core::source::{Endpoints, SourceError};

/// One route of LiteLLM's model catalog (`/model/info`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogEntry {
    pub model_name: String,
    /// `model_info.id`: the deployment id health checks are keyed by.
    pub id: String,
    /// `litellm_params.model`, e.g. `hosted_vllm/meta-llama/Llama-3.3-70B-Instruct`.
    pub litellm_model: String,
    /// Where the route sends requests: the join key to a vLLM container.
    pub api_base: String,
    /// `model_info.mode`: chat, embedding, rerank, completion …
    pub mode: String,
    pub max_tokens: Option<u32>,
    pub input_cost_per_token: Option<f64>,
    pub output_cost_per_token: Option<f64>,
    /// Last cached health check; None when LiteLLM has none.
    pub healthy: Option<bool>,
}

impl CatalogEntry {
    /// llmmon's model type from LiteLLM's mode.
    pub fn model_type(&self) -> &'static str {
        match self.mode.as_str() {
            "embedding" => "embedding",
            "rerank" => "reranker",
            _ => "llm",
        }
    }
}

/// Today's usage of one model (`/user/daily/activity`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DailyUsage {
    pub model: String,
    pub requests_ok: f64,
    pub requests_failed: f64,
    pub prompt_tokens: f64,
    pub completion_tokens: f64,
    pub spend_usd: f64,
}

/// A virtual key's spend and limits (`/key/list`, `/key/info`). Never holds the key itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyUsage {
    pub alias: String,
    pub spend_usd: f64,
    pub max_budget_usd: Option<f64>,
    pub rpm_limit: Option<f64>,
    pub tpm_limit: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LitellmReading {
    pub version: Option<String>,
    pub ready: bool,
    pub catalog: Vec<CatalogEntry>,
    pub daily: Vec<DailyUsage>,
    pub keys: Vec<KeyUsage>,
    /// How each admin endpoint beside readiness answered.
    pub endpoints: Endpoints,
}

#[async_trait]
pub trait LitellmSource: Send + Sync {
    async fn read(&self) -> Result<LitellmReading, SourceError>;
}
