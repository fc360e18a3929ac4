//! vLLM instances: llmmon's version-independent reading of one instance and the source
//! trait. Readings carry no vLLM metric names: whatever the version, the same reading.

use async_trait::async_trait;

use llmmon_core::source::{Endpoints, SourceError};

llmmon_core::label_enum! {
    /// What an instance is doing: the `state` of `llmmon_vllm_state`. An instance is
    /// loading until it answers.
    #[derive(Default)]
    pub enum VllmState {
        #[default]
        Loading => "loading",
        Ready => "ready",
        Unhealthy => "unhealthy",
        Stopped => "stopped",
    }
}

/// A cumulative histogram: `(upper bound, count)` pairs without `+Inf`, sum and count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

/// Model metadata from `/v1/models` and, when mounted, the model's `config.json`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelMeta {
    pub hf_id: String,
    /// llm, embedding, reranker
    pub model_type: String,
    pub quantization: String,
    pub dtype: String,
    pub context_length: Option<u32>,
    pub parameters: Option<f64>,
}

/// Engine statistics of an instance that serves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineStats {
    pub running: Option<f64>,
    pub waiting: Option<f64>,
    /// V0 only.
    pub swapped: Option<f64>,
    pub kv_cache_usage: Option<f64>,
    /// V0 only.
    pub cpu_cache_usage: Option<f64>,
    pub prefix_cache_queries: Option<f64>,
    pub prefix_cache_hits: Option<f64>,
    pub prompt_tokens: Option<f64>,
    pub generation_tokens: Option<f64>,
    /// Finished requests per finished_reason (stop, length, abort).
    pub success: Vec<(String, f64)>,
    pub errors: Option<f64>,
    pub preemptions: Option<f64>,
    pub ttft: Option<Histogram>,
    pub inter_token_latency: Option<Histogram>,
    pub e2e_latency: Option<Histogram>,
    pub queue_time: Option<Histogram>,
    pub prefill_time: Option<Histogram>,
    pub decode_time: Option<Histogram>,
    /// API-server rendering (chat template, tokenization) before the engine sees the
    /// request, every request type together. vLLM 0.34+; absent before.
    pub render_time: Option<Histogram>,
}

/// One vLLM instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VllmInstance {
    pub container: String,
    /// Served model name (vLLM's `model_name` label).
    pub model: String,
    pub vllm_version: String,
    /// v0 or v1 (which metric generation the instance exposes).
    pub engine: String,
    pub state: VllmState,
    pub stats: Option<EngineStats>,
    pub meta: Option<ModelMeta>,
    /// How the instance's endpoints beside `/health` and `/metrics` answered.
    pub endpoints: Endpoints,
}

/// Where instance readings come from.
#[async_trait]
pub trait VllmSource: Send + Sync {
    /// Every known instance; one that cannot be read is an `Err` naming its container.
    async fn instances(
        &self,
    ) -> Result<Vec<Result<VllmInstance, (String, SourceError)>>, SourceError>;
}

/// Bytes one parameter takes in the checkpoint.
pub fn bytes_per_parameter(dtype: &str, quantization: &str) -> f64 {
    match quantization {
        "awq" | "gptq" | "mxfp4" | "bitsandbytes" => 0.5,
        "fp8" | "compressed-tensors" => 1.0,
        _ => match dtype {
            "float32" => 4.0,
            "float8_e4m3fn" | "int8" => 1.0,
            _ => 2.0,
        },
    }
}
