//! What a simulated vLLM instance answers: `/metrics` under the metric names of *its* vLLM
//! version (V0 names before 0.8, the V1 renames after), `/health`, `/version`, `/v1/models`,
//! and the model's Hugging Face `config.json`.

use super::pytext::PyText;
use crate::fleet::{ModelType, VllmSpec, FLEET_EPOCH};
use llmmon_readings::vllm::{EngineStats, VllmInstance};

/// Which metric names a vLLM version uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub v0: bool,
    /// V0 before 0.7: the `avg_*_throughput_toks_per_s` gauges.
    pub avg_throughput: bool,
    /// 0.9.2 to 0.10.x export the deprecated old names beside the new ones.
    pub deprecated_twins: bool,
    /// `kv_cache_usage_perc` (0.9.2 on) instead of `gpu_cache_usage_perc`.
    pub kv_cache_rename: bool,
    /// `prefix_cache_*` (0.9.2 on) instead of `gpu_prefix_cache_*` counters.
    pub prefix_rename: bool,
    /// `inter_token_latency_seconds` (0.11 on) instead of `time_per_output_token_seconds`.
    pub itl_rename: bool,
    /// `request_render_duration_seconds` (0.34 on): the API server's rendering stage.
    pub render_duration: bool,
}

fn minor_patch(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').skip(1).map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    });
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

impl Generation {
    pub fn of(version: &str) -> Self {
        let (minor, patch) = minor_patch(version);
        let at_least = |m: u32, p: u32| (minor, patch) >= (m, p);
        Self {
            v0: minor < 8,
            avg_throughput: minor < 7,
            deprecated_twins: at_least(9, 2) && !at_least(11, 0),
            kv_cache_rename: at_least(9, 2),
            prefix_rename: at_least(9, 2),
            // inter_token_latency_seconds arrived in 0.10.2 (fixtures README).
            itl_rename: at_least(10, 2),
            render_duration: at_least(34, 0),
        }
    }
}

/// The `/metrics` body of an instance that serves.
pub fn exposition(spec: &VllmSpec, inst: &VllmInstance, stats: &EngineStats) -> String {
    let g = Generation::of(&inst.vllm_version);
    let mut p = PyText::new(FLEET_EPOCH);
    let model = inst.model.as_str();
    let l: Vec<(&str, &str)> = if g.v0 {
        vec![("model_name", model)]
    } else {
        vec![("engine", "0"), ("model_name", model)]
    };
    let l = l.as_slice();
    let one = |v: Option<f64>| v.map(|v| vec![(l, v)]).unwrap_or_default();
    p.gauge(
        "vllm:num_requests_running",
        "Number of requests in model execution batches.",
        &one(stats.running),
    );
    if g.v0 {
        p.gauge(
            "vllm:num_requests_swapped",
            "Number of requests swapped to CPU.",
            &one(stats.swapped),
        );
    }
    p.gauge(
        "vllm:num_requests_waiting",
        "Number of requests waiting to be processed.",
        &one(stats.waiting),
    );
    let kv = if g.kv_cache_rename {
        "vllm:kv_cache_usage_perc"
    } else {
        "vllm:gpu_cache_usage_perc"
    };
    p.gauge(
        kv,
        "KV-cache usage. 1 means 100 percent usage.",
        &one(stats.kv_cache_usage),
    );
    if g.v0 {
        p.gauge(
            "vllm:cpu_cache_usage_perc",
            "CPU KV-cache usage. 1 means 100 percent usage.",
            &one(stats.cpu_cache_usage),
        );
        let hit_rate = match (stats.prefix_cache_hits, stats.prefix_cache_queries) {
            (Some(h), Some(q)) if q > 0.0 => Some(h / q),
            _ => Some(0.0),
        };
        p.gauge(
            "vllm:gpu_prefix_cache_hit_rate",
            "GPU prefix cache block hit rate.",
            &one(hit_rate),
        );
        p.gauge(
            "vllm:avg_prompt_throughput_toks_per_s",
            "Average prefill throughput in tokens/s.",
            &one(Some(0.0)),
        );
        p.gauge(
            "vllm:avg_generation_throughput_toks_per_s",
            "Average generation throughput in tokens/s.",
            &one(Some(0.0)),
        );
    } else {
        let (q, h) = if g.prefix_rename {
            ("vllm:prefix_cache_queries", "vllm:prefix_cache_hits")
        } else {
            (
                "vllm:gpu_prefix_cache_queries",
                "vllm:gpu_prefix_cache_hits",
            )
        };
        p.counter(
            q,
            "Prefix cache queries, in terms of number of queried tokens.",
            &one(stats.prefix_cache_queries),
        );
        p.counter(
            h,
            "Prefix cache hits, in terms of number of cached tokens.",
            &one(stats.prefix_cache_hits),
        );
    }
    p.counter(
        "vllm:num_preemptions",
        "Cumulative number of preemption from the engine.",
        &one(stats.preemptions),
    );
    p.counter(
        "vllm:prompt_tokens",
        "Number of prefill tokens processed.",
        &one(stats.prompt_tokens),
    );
    p.counter(
        "vllm:generation_tokens",
        "Number of generation tokens processed.",
        &one(stats.generation_tokens),
    );
    let reasons: Vec<Vec<(&str, &str)>> = stats
        .success
        .iter()
        .map(|(r, _)| {
            let mut v = l.to_vec();
            v.push(("finished_reason", r.as_str()));
            v
        })
        .collect();
    let success: Vec<(&[(&str, &str)], f64)> = reasons
        .iter()
        .zip(&stats.success)
        .map(|(lab, (_, v))| (lab.as_slice(), *v))
        .collect();
    p.counter(
        "vllm:request_success",
        "Count of successfully processed requests.",
        &success,
    );
    let hist =
        |p: &mut PyText, name: &str, help: &str, h: &Option<llmmon_readings::vllm::Histogram>| {
            if let Some(h) = h {
                p.histogram(name, help, &[(l, h)]);
            }
        };
    hist(
        &mut p,
        "vllm:time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        &stats.ttft,
    );
    let itl = if g.itl_rename {
        "vllm:inter_token_latency_seconds"
    } else {
        "vllm:time_per_output_token_seconds"
    };
    hist(
        &mut p,
        itl,
        "Histogram of time per output token in seconds.",
        &stats.inter_token_latency,
    );
    hist(
        &mut p,
        "vllm:e2e_request_latency_seconds",
        "Histogram of end to end request latency in seconds.",
        &stats.e2e_latency,
    );
    hist(
        &mut p,
        "vllm:request_queue_time_seconds",
        "Histogram of time spent in WAITING phase for request.",
        &stats.queue_time,
    );
    hist(
        &mut p,
        "vllm:request_prefill_time_seconds",
        "Histogram of time spent in PREFILL phase for request.",
        &stats.prefill_time,
    );
    hist(
        &mut p,
        "vllm:request_decode_time_seconds",
        "Histogram of time spent in DECODE phase for request.",
        &stats.decode_time,
    );
    // The HTTP instrumentation every vLLM OpenAI server carries (no model label).
    let route = match spec.model_type {
        ModelType::Llm => "/v1/chat/completions",
        ModelType::Embedding => "/v1/embeddings",
        ModelType::Reranker => "/v1/rerank",
    };
    let ok: f64 = stats.success.iter().map(|(_, v)| v).sum();
    let errors = stats.errors.unwrap_or(0.0);
    p.counter(
        "http_requests",
        "Total number of requests by method, status and handler.",
        &[
            (
                &[("handler", route), ("method", "POST"), ("status", "2xx")],
                ok,
            ),
            (
                &[("handler", route), ("method", "POST"), ("status", "5xx")],
                errors,
            ),
            (
                &[
                    ("handler", "/metrics"),
                    ("method", "GET"),
                    ("status", "2xx"),
                ],
                1.0,
            ),
        ],
    );
    // 0.34+: registered by the first rendered request, so after the HTTP families; labelled
    // by request type, without `engine` (vllm/renderers/metrics.py).
    if let (true, Some(h)) = (g.render_duration, &stats.render_time) {
        p.histogram(
            "vllm:request_render_duration_seconds",
            "Time spent rendering a request, including chat templating, tokenization, and multimodal preprocessing.",
            &[(&[("model_name", model), ("request_type", "chat")], h)],
        );
    }
    p.finish()
}

/// `/v1/models` as vLLM's OpenAI server answers it.
pub fn models_json(spec: &VllmSpec, inst: &VllmInstance) -> serde_json::Value {
    serde_json::json!({
        "object": "list",
        "data": [{
            "id": inst.model,
            "object": "model",
            "created": FLEET_EPOCH as i64,
            "owned_by": "vllm",
            "root": spec.hf_id,
            "parent": null,
            "max_model_len": spec.context_length,
            "permission": [{
                "id": format!("modelperm-{}", inst.container),
                "object": "model_permission",
                "created": FLEET_EPOCH as i64,
                "allow_create_engine": false,
                "allow_sampling": true,
                "allow_logprobs": true,
                "allow_search_indices": false,
                "allow_view": true,
                "allow_fine_tuning": false,
                "organization": "*",
                "group": null,
                "is_blocking": false
            }]
        }]
    })
}

/// The model's `config.json` as the Hugging Face cache holds it.
pub fn hf_config_json(spec: &VllmSpec) -> serde_json::Value {
    let architecture = match spec.model_type {
        ModelType::Llm => "LlamaForCausalLM",
        ModelType::Embedding => "XLMRobertaModel",
        ModelType::Reranker => "XLMRobertaForSequenceClassification",
    };
    let mut cfg = serde_json::json!({
        "architectures": [architecture],
        "max_position_embeddings": spec.context_length,
        "torch_dtype": spec.dtype,
        "model_type": if spec.model_type == ModelType::Llm { "llama" } else { "xlm-roberta" },
    });
    if spec.quantization != "none" {
        cfg["quantization_config"] = serde_json::json!({ "quant_method": spec.quantization });
    }
    cfg
}

/// `model.safetensors.index.json`: its `metadata.total_size` (bytes of weights) gives the
/// parameter count once divided by the bytes per parameter of the dtype.
pub fn hf_index_json(spec: &VllmSpec) -> serde_json::Value {
    let bytes_per_param = llmmon_readings::vllm::bytes_per_parameter(spec.dtype, spec.quantization);
    serde_json::json!({ "metadata": { "total_size": (spec.parameters * bytes_per_param) as u64 }, "weight_map": {} })
}
