//! vLLM: per model, container and vLLM version — state, GPU use per model, latency
//! percentiles, throughput, the scheduler's queue and KV cache, versions.

use llmmon_core::schema::{self as s, MetricDef};
use llmmon_core::thresholds as t;

use super::panel::{
    crit, heatmap, instant, pie, prom, stat, states, table, tablep, timeseries, Panel,
};
use super::variable::{prom_label, Variable};
use super::{row, uid, url, Dashboard, Folder};
use crate::rules::{recording as rec, Config};

const MODEL: &str = "model=~\"$model\"";

/// A model's state as one number for state timelines: the codes of [`state_mappings`].
/// `extra` adds matchers (`, model=~"$model"`).
pub fn state_code(extra: &str) -> String {
    let st = s::VLLM_STATE.name;
    let codes: Vec<String> = ["ready", "loading", "unhealthy", "stopped"]
        .iter()
        .enumerate()
        .map(|(i, state)| format!("{st}{{state=\"{state}\"{extra}}} * {}", i + 1))
        .collect();
    format!("max by (container, model) ({})", codes.join(" or "))
}

/// Text and colour of each state code.
pub fn state_mappings(p: Panel) -> Panel {
    p.map(1.0, "ready", "green")
        .map(2.0, "loading", "blue")
        .map(3.0, "unhealthy", "red")
        .map(4.0, "stopped", "gray")
}

/// A per-model sum over GPU containers joined to the model each container serves.
pub fn per_model(def: &MetricDef) -> String {
    format!(
        "sum by (model) ({} * on (container) group_left (model) max by (container, model) ({}{{{MODEL}}}))",
        def.name,
        s::VLLM_INFO.name
    )
}

/// A latency panel: the percentiles `src/rules/recording.rs` records per model for one
/// histogram, one series per model and percentile (the raw buckets hold one series per
/// container and bucket, too many to read over 30 days).
fn latency(title: &str, l: rec::Latency, what: &str) -> Panel {
    l.quantiles
        .iter()
        .fold(timeseries(title, "s").size(8, 8).desc(what), |p, q| {
            p.q(prom(
                format!("{}{{{MODEL}}}", l.quantile(*q)),
                &format!("{{{{model}}}} {}", q.name),
            ))
        })
}

pub fn dashboard() -> Dashboard {
    let cfg = Config::default();
    let mut d = Dashboard::new(uid::VLLM, "vLLM", "vllm", Folder::LlmServices);
    d.purpose = "Every vLLM instance, whatever its version: is the model up, what GPU it holds, how fast it answers and how full its queue and KV cache are.";
    d.tags.push("llm");
    d.tags.push("vllm");
    d.alert_groups = vec!["llmmon-models"];
    d.variables.extend([
        prom_label("model", "Model", &s::VLLM_INFO, "model"),
        Variable::PromLabel {
            name: "container",
            label: "Container",
            metric: &s::VLLM_INFO,
            label_name: "container",
            selector: MODEL.to_owned(),
        },
        Variable::PromLabel {
            name: "vllm_version",
            label: "vLLM version",
            metric: &s::VLLM_INFO,
            label_name: "vllm_version",
            selector: MODEL.to_owned(),
        },
    ]);
    let inst = "model=~\"$model\", container=~\"$container\", vllm_version=~\"$vllm_version\"";
    d.rows = vec![
        row("State", vec![
            state_mappings(stat("Model state", "none").size(24, 5)
                .desc("Current state of each instance: ready, loading, unhealthy or stopped.")
                .q(instant(state_code(&format!(", {MODEL}")), "{{model}}")))
                .option("colorMode", serde_json::json!("background")).option("graphMode", serde_json::json!("none"))
                .alert("ModelUnhealthy").alert("ModelLoadFailure"),
            state_mappings(states("State over time").size(24, 8)
                .desc("When each instance was loading, ready or down.")
                .q(prom(state_code(&format!(", {MODEL}")), "{{model}}")))
                .alert("ModelUnhealthy").alert("ModelLoadFailure"),
        ]),
        row("GPU per model", vec![
            timeseries("GPU memory per model", "bytes").size(8, 9).stacked()
                .desc("GPU memory held by each model's container(s), stacked.")
                .q(prom(per_model(&s::GPU_CONTAINER_MEMORY), "{{model}}")),
            pie("Memory allocation per model", "bytes").size(8, 9)
                .desc("Share of the GPU memory in use per model, now.")
                .q(instant(per_model(&s::GPU_CONTAINER_MEMORY), "{{model}}")),
            heatmap("GPU utilisation by model", "percentunit").size(8, 9)
                .desc("One row per model over time; colour is the SM utilisation of its processes.")
                .q(prom(per_model(&s::GPU_CONTAINER_UTILIZATION), "{{model}}")),
        ]),
        row("Latency", vec![
            latency("Time to first token", rec::vllm_ttft(&cfg), "Prefill plus queueing, what a user waits before text appears. p50, p95 and p99 over 5-minute windows (recording rules): each point is the 5 minutes before it, so a 30-day view samples the windows rather than averaging them."),
            latency("Inter-token latency", rec::vllm_inter_token(&cfg), "Time between generated tokens (decode speed as users feel it); p50, p95 and p99 over 5-minute windows (recording rules)."),
            latency("End-to-end latency", rec::vllm_e2e(&cfg), "Whole request, queue to last token; p50, p95 and p99 over the alert's 15-minute window (recording rules; the p95 is the one ResponseTimeHigh compares).")
                .alert("ResponseTimeHigh"),
            latency("Queue time", rec::vllm_queue_time(&cfg), "Time requests waited before the scheduler took them; p50, p95 and p99 over 5-minute windows (recording rules)."),
            latency("Render time", rec::vllm_render_time(&cfg), "Chat templating, tokenization and multimodal preprocessing in the API server, before the request reaches the engine (vLLM 0.34 and later; older versions do not measure it, embedding and reranker requests never have it); p50, p95 and p99 over 5-minute windows (recording rules)."),
        ]),
        row("Throughput", vec![
            timeseries("Requests per second", "reqps").size(8, 8)
                .desc("Finished requests per model (5-minute rate, recording rule).")
                .q(prom(format!("{}{{{MODEL}}}", rec::request_success_rate(&cfg)), "{{model}}")),
            timeseries("Tokens per second", "short").size(8, 8)
                .desc("Generated (decode) and prompt (prefill) tokens per second per model.")
                .q(prom(format!("{}{{{MODEL}}}", rec::generation_tokens_rate(&cfg)), "{{model}} generated"))
                .q(prom(format!("{}{{{MODEL}}}", rec::prompt_tokens_rate(&cfg)), "{{model}} prompt")),
            timeseries("Error ratio", "percentunit").size(8, 8)
                .desc("Share of requests answered with an error per model.")
                .q(prom(format!("{}{{{MODEL}}}", rec::request_error_ratio(&cfg)), "{{model}}"))
                .thresholds(crit(t::ERROR_RATIO_CRITICAL)).alert("RequestErrorRateCritical"),
        ]),
        row("Scheduler", vec![
            timeseries("Running requests (batch size)", "short").size(8, 8)
                .desc("Sequences in the running batch per instance.")
                .q(prom(format!("{}{{{inst}}}", s::VLLM_RUNNING.name), "{{model}} ({{container}})")),
            timeseries("Waiting requests (queue depth)", "short").size(8, 8)
                .desc("Requests queued for a slot in the batch.")
                .q(prom(format!("{}{{{inst}}}", s::VLLM_WAITING.name), "{{model}} ({{container}})"))
                .thresholds(crit(t::QUEUE_WARNING_REQUESTS)).alert("QueueDepthHigh"),
            timeseries("KV cache usage", "percentunit").size(8, 8).range(0.0, 1.0)
                .desc("Share of GPU KV-cache blocks in use; when full, requests queue or get preempted.")
                .q(prom(format!("{}{{{inst}}}", s::VLLM_KV_CACHE.name), "{{model}} ({{container}})"))
                .thresholds(crit(t::KV_CACHE_WARNING_RATIO)).alert("KVCacheHigh"),
            timeseries("Preemptions", "short").size(8, 8)
                .desc("Requests preempted per second (KV cache pressure).")
                .q(prom(format!("sum by (model) (rate({}{{{MODEL}}}[$__rate_interval]))", s::VLLM_PREEMPTIONS.name), "{{model}}")),
            timeseries("Prefix cache hit ratio", "percentunit").size(8, 8).range(0.0, 1.0)
                .desc("Share of prompt tokens found in the prefix cache.")
                .q(prom(format!(
                    "sum by (model) (rate({}{{{MODEL}}}[$__rate_interval])) / sum by (model) (rate({}{{{MODEL}}}[$__rate_interval]))",
                    s::VLLM_PREFIX_HITS.name, s::VLLM_PREFIX_QUERIES.name
                ), "{{model}}")),
            timeseries("Finished by reason", "reqps").size(8, 8)
                .desc("stop: the model ended; length: it hit max_tokens; abort: the client went away.")
                .q(prom(format!("sum by (finished_reason) (rate({}{{{MODEL}}}[$__rate_interval]))", s::VLLM_REQUEST_SUCCESS.name), "{{finished_reason}}")),
        ]),
        super::energy::row_for(&cfg, MODEL),
        row("Versions", vec![
            tablep("Instances and versions", "none").size(16, 8)
                .desc("Each instance: served model, vLLM version and engine generation (V0 / V1).")
                .q(table(format!("{}{{{inst}}}", s::VLLM_INFO.name), "{{container}} {{model}} {{vllm_version}} {{engine}}"))
                .link("Containers", &url(uid::CONTAINERS)),
            timeseries("Instances per vLLM version", "short").size(8, 8).stacked()
                .desc("Version tracking: how many instances run each vLLM version.")
                .q(prom(format!("count by (vllm_version) ({})", s::VLLM_INFO.name), "{{vllm_version}}")),
        ]),
    ];
    d
}
