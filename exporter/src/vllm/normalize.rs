//! One family set whatever the vLLM version: maps the names each vLLM generation uses onto
//! [`EngineStats`]. Where a metric was renamed, every known name is tried, newest first.
//!
//! Renames handled (vLLM's own `vllm/engine/metrics.py` for V0, `vllm/v1/metrics/loggers.py`
//! for V1):
//! - `gpu_cache_usage_perc` → `kv_cache_usage_perc` (renamed 0.9.2; the old name was removed
//!   later). Despite "perc", both are a 0–1 fraction.
//! - `gpu_prefix_cache_{queries,hits}` → `prefix_cache_{queries,hits}` (V1 counters; V0 had
//!   only the `gpu_prefix_cache_hit_rate` gauge, which is not a counter and is not mapped).
//! - `time_per_output_token_seconds` → `inter_token_latency_seconds`.
//! - V0's `time_in_queue_requests` → `request_queue_time_seconds`.
//! - V0-only `num_requests_swapped`, `cpu_cache_usage_perc` (absent in V1: left absent).
//! - `avg_{prompt,generation}_throughput_toks_per_s` (V0 gauges, removed early 2025) are
//!   not mapped: throughput comes from the token counters.
//! - `request_render_duration_seconds` (new in 0.34.0, API-server side): labelled
//!   `model_name` and `request_type` (chat, completion) but no `engine`, and registered only
//!   at the first rendered request; the request types are added up. Older versions do not
//!   have it, nor does 0.34 before its first request: left absent, never 0.
//!
//! vLLM carries no error counter of its own; errors are the 4xx/5xx answers counted by the
//! HTTP instrumentation (`http_requests_total{handler,status}`) on the OpenAI routes.

use std::collections::BTreeMap;

use super::{EngineStats, Histogram};
use llmmon_core::scrape::{Scrape, Series, SeriesValue};

/// Label vLLM puts the served model name in.
pub const MODEL_LABEL: &str = "model_name";

fn first_family<'a>(s: &'a Scrape, names: &[&str]) -> &'a [Series] {
    names
        .iter()
        .map(|n| s.series(n))
        .find(|v| !v.is_empty())
        .unwrap_or_default()
}

/// Sum of the numeric series of the first present name for `model`.
fn number(s: &Scrape, names: &[&str], model: &str) -> Option<f64> {
    let series: Vec<f64> = first_family(s, names)
        .iter()
        .filter(|x| x.label(MODEL_LABEL) == model)
        .filter_map(|x| x.value.number())
        .collect();
    (!series.is_empty()).then(|| series.iter().sum())
}

fn histogram(s: &Scrape, names: &[&str], model: &str) -> Option<Histogram> {
    let mut merged: Option<Histogram> = None;
    for x in first_family(s, names)
        .iter()
        .filter(|x| x.label(MODEL_LABEL) == model)
    {
        let SeriesValue::Histogram {
            buckets,
            sum,
            count,
        } = &x.value
        else {
            continue;
        };
        let finite: Vec<(f64, u64)> = buckets
            .iter()
            .filter(|(le, _)| le.is_finite())
            .map(|(le, c)| (*le, *c as u64))
            .collect();
        match merged.as_mut() {
            // Several engines (data parallel) for one model: add them up bucket by bucket.
            Some(h) if h.buckets.len() == finite.len() => {
                for (a, b) in h.buckets.iter_mut().zip(&finite) {
                    a.1 += b.1;
                }
                h.sum += sum;
                h.count += *count as u64;
            }
            Some(_) => {}
            None => {
                merged = Some(Histogram {
                    buckets: finite,
                    sum: *sum,
                    count: *count as u64,
                })
            }
        }
    }
    merged
}

/// Served model names found in an exposition, with how many series name each.
pub fn models(s: &Scrape) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for fam in s.families.values().filter(|f| f.name.starts_with("vllm:")) {
        for x in &fam.series {
            let m = x.label(MODEL_LABEL);
            if !m.is_empty() {
                *seen.entry(m.to_owned()).or_default() += 1;
            }
        }
    }
    seen.into_keys().collect()
}

/// Whether the exposition comes from the V0 engine (it has V0-only families).
pub fn is_v0(s: &Scrape) -> bool {
    [
        "vllm:num_requests_swapped",
        "vllm:cpu_cache_usage_perc",
        "vllm:avg_prompt_throughput_toks_per_s",
    ]
    .iter()
    .any(|n| s.families.contains_key(*n))
}

/// The engine statistics of `model` in one vLLM exposition.
pub fn engine_stats(s: &Scrape, model: &str) -> EngineStats {
    let mut success: BTreeMap<String, f64> = BTreeMap::new();
    for x in s
        .series("vllm:request_success_total")
        .iter()
        .filter(|x| x.label(MODEL_LABEL) == model)
    {
        *success
            .entry(x.label("finished_reason").to_owned())
            .or_default() += x.value.number().unwrap_or(0.0);
    }
    let errors: Vec<f64> = s
        .series("http_requests_total")
        .iter()
        .filter(|x| {
            x.label("handler").starts_with("/v1/") && matches!(x.label("status"), "4xx" | "5xx")
        })
        .filter_map(|x| x.value.number())
        .collect();
    let has_http = !s.series("http_requests_total").is_empty();
    EngineStats {
        running: number(s, &["vllm:num_requests_running"], model),
        waiting: number(s, &["vllm:num_requests_waiting"], model),
        swapped: number(s, &["vllm:num_requests_swapped"], model),
        kv_cache_usage: number(
            s,
            &["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
            model,
        ),
        cpu_cache_usage: number(s, &["vllm:cpu_cache_usage_perc"], model),
        prefix_cache_queries: number(
            s,
            &[
                "vllm:prefix_cache_queries_total",
                "vllm:gpu_prefix_cache_queries_total",
            ],
            model,
        ),
        prefix_cache_hits: number(
            s,
            &[
                "vllm:prefix_cache_hits_total",
                "vllm:gpu_prefix_cache_hits_total",
            ],
            model,
        ),
        prompt_tokens: number(s, &["vllm:prompt_tokens_total"], model),
        generation_tokens: number(s, &["vllm:generation_tokens_total"], model),
        success: success.into_iter().collect(),
        // The HTTP counters carry no model label: one vLLM serves one model.
        errors: has_http.then(|| errors.iter().sum()),
        preemptions: number(s, &["vllm:num_preemptions_total"], model),
        ttft: histogram(s, &["vllm:time_to_first_token_seconds"], model),
        inter_token_latency: histogram(
            s,
            &[
                "vllm:inter_token_latency_seconds",
                "vllm:time_per_output_token_seconds",
            ],
            model,
        ),
        e2e_latency: histogram(s, &["vllm:e2e_request_latency_seconds"], model),
        queue_time: histogram(
            s,
            &[
                "vllm:request_queue_time_seconds",
                "vllm:time_in_queue_requests",
            ],
            model,
        ),
        prefill_time: histogram(s, &["vllm:request_prefill_time_seconds"], model),
        decode_time: histogram(s, &["vllm:request_decode_time_seconds"], model),
        render_time: histogram(s, &["vllm:request_render_duration_seconds"], model),
    }
}
