//! Recording rules: every expensive or repeated query of the alerts and dashboards, named
//! `level:metric:operations` with the window in the operations. The name functions here
//! are what alerts and (later) dashboards use, so a name is spelled once.

use llmmon_exporter::schema::{self as s, MetricDef};

use super::{Config, Group, Recording};

/// A family's name without the unit or `_total` suffix a recording rule name drops.
fn stem(def: &MetricDef, suffix: &str) -> String {
    let base = def.base_name();
    base.strip_suffix(suffix).unwrap_or(base).to_owned()
}

/// GPU memory in use as a share of the installed memory, per GPU.
pub fn gpu_memory_used_ratio() -> String {
    format!("gpu:{}:ratio", stem(&s::GPU_MEMORY_USED, "_bytes"))
}

/// Host CPU busy share over the rate window (node-mixin's name; busy over all modes).
pub fn host_cpu_utilisation(cfg: &Config) -> String {
    format!(
        "instance:{}_utilisation:rate{}",
        stem(&s::NODE_CPU_SECONDS, "_seconds"),
        cfg.rate_window
    )
}

/// Host memory in use, 1 − MemAvailable / MemTotal (node-mixin's name and definition).
pub fn host_memory_utilisation() -> String {
    let mem = stem(&s::NODE_MEM_TOTAL, "_MemTotal_bytes");
    format!("instance:{mem}_utilisation:ratio")
}

/// Docker restarts of each container within the restart window (resets of the count,
/// when a container is recreated, are not counted as restarts).
pub fn container_restarts_increase(cfg: &Config) -> String {
    format!(
        "container:{}:increase{}",
        s::CONTAINER_RESTARTS.name,
        cfg.restart_window
    )
}

/// CPU cores used per container, from cAdvisor.
pub fn cadvisor_cpu_rate(cfg: &Config) -> String {
    format!(
        "name:{}:rate{}",
        s::CADVISOR_CPU.base_name(),
        cfg.rate_window
    )
}

/// Successful requests per second per model.
pub fn request_success_rate(cfg: &Config) -> String {
    format!(
        "model:{}:rate{}",
        s::VLLM_REQUEST_SUCCESS.base_name(),
        cfg.error_window
    )
}

/// Failed requests per second per model.
pub fn request_errors_rate(cfg: &Config) -> String {
    format!(
        "model:{}:rate{}",
        s::VLLM_REQUEST_ERRORS.base_name(),
        cfg.error_window
    )
}

/// Failed share of all finished requests per model.
pub fn request_error_ratio(cfg: &Config) -> String {
    format!(
        "model:{}:ratio_rate{}",
        s::VLLM_REQUEST_ERRORS.base_name(),
        cfg.error_window
    )
}

fn e2e_buckets_rate(cfg: &Config) -> String {
    format!(
        "model_le:{}_bucket:rate{}",
        s::VLLM_E2E.name,
        cfg.latency_window
    )
}

/// p95 end-to-end request latency per model over the latency window.
pub fn e2e_p95(cfg: &Config) -> String {
    format!("model:{}:p95_rate{}", s::VLLM_E2E.name, cfg.latency_window)
}

/// Successful requests per model within the latency window (the traffic guard).
pub fn e2e_count_increase(cfg: &Config) -> String {
    format!(
        "model:{}_count:increase{}",
        s::VLLM_E2E.name,
        cfg.latency_window
    )
}

fn ttft_buckets_rate(cfg: &Config) -> String {
    format!(
        "model_le:{}_bucket:rate{}",
        s::VLLM_TTFT.name,
        cfg.rate_window
    )
}

/// p95 time to first token per model.
pub fn ttft_p95(cfg: &Config) -> String {
    format!("model:{}:p95_rate{}", s::VLLM_TTFT.name, cfg.rate_window)
}

/// Generated tokens per second per model.
pub fn generation_tokens_rate(cfg: &Config) -> String {
    format!(
        "model:{}:rate{}",
        s::VLLM_GENERATION_TOKENS.base_name(),
        cfg.rate_window
    )
}

/// Prompt tokens per second per model.
pub fn prompt_tokens_rate(cfg: &Config) -> String {
    format!(
        "model:{}:rate{}",
        s::VLLM_PROMPT_TOKENS.base_name(),
        cfg.rate_window
    )
}

/// Spend of a LiteLLM key as a share of its budget (keys without a budget have none).
pub fn key_budget_ratio() -> String {
    format!("key_alias:{}:ratio", stem(&s::LITELLM_KEY_SPEND, "_usd"))
}

fn rule(record: String, expr: String) -> Recording {
    Recording { record, expr }
}

pub fn groups(cfg: &Config) -> Vec<Group<Recording>> {
    let w = cfg.rate_window;
    let lw = cfg.latency_window;
    vec![
        Group {
            name: "llmmon-host.rules",
            rules: vec![
                // Busy share as a ratio of two rates over the same window: right even
                // while the window is only partly filled (Prometheus divides a rate by
                // the whole window, so `1 - rate(idle)` would read a CPU that has just
                // started being scraped as fully busy).
                rule(
                    host_cpu_utilisation(cfg),
                    format!(
                        "1 - (\n  sum without (cpu, mode) (rate({cpu}{{mode=~\"{idle}\"}}[{w}]))\n/\n  sum without (cpu, mode) (rate({cpu}[{w}]))\n)",
                        cpu = s::NODE_CPU_SECONDS.name,
                        idle = cfg.cpu_idle_modes
                    ),
                ),
                rule(
                    host_memory_utilisation(),
                    format!(
                        "1 - {} / {}",
                        s::NODE_MEM_AVAILABLE.name,
                        s::NODE_MEM_TOTAL.name
                    ),
                ),
            ],
        },
        Group {
            name: "llmmon-gpu.rules",
            rules: vec![rule(
                gpu_memory_used_ratio(),
                format!(
                    "{} / {}",
                    s::GPU_MEMORY_USED.name,
                    s::GPU_MEMORY_TOTAL.name
                ),
            )],
        },
        Group {
            name: "llmmon-containers.rules",
            rules: vec![
                rule(
                    container_restarts_increase(cfg),
                    format!(
                        "increase({}[{}])",
                        s::CONTAINER_RESTARTS.name,
                        cfg.restart_window
                    ),
                ),
                rule(
                    cadvisor_cpu_rate(cfg),
                    format!(
                        "sum by (name) (rate({}{{name!=\"\"}}[{w}]))",
                        s::CADVISOR_CPU.name
                    ),
                ),
            ],
        },
        Group {
            name: "llmmon-vllm.rules",
            rules: vec![
                rule(
                    request_success_rate(cfg),
                    format!(
                        "sum by (model) (rate({}[{}]))",
                        s::VLLM_REQUEST_SUCCESS.name,
                        cfg.error_window
                    ),
                ),
                rule(
                    request_errors_rate(cfg),
                    format!(
                        "sum by (model) (rate({}[{}]))",
                        s::VLLM_REQUEST_ERRORS.name,
                        cfg.error_window
                    ),
                ),
                rule(
                    request_error_ratio(cfg),
                    format!(
                        "{err}\n/\n({err} + {ok})",
                        err = request_errors_rate(cfg),
                        ok = request_success_rate(cfg)
                    ),
                ),
                rule(
                    e2e_buckets_rate(cfg),
                    format!("sum by (model, le) (rate({}_bucket[{lw}]))", s::VLLM_E2E.name),
                ),
                rule(
                    e2e_p95(cfg),
                    format!("histogram_quantile(0.95, {})", e2e_buckets_rate(cfg)),
                ),
                rule(
                    e2e_count_increase(cfg),
                    format!("sum by (model) (increase({}_count[{lw}]))", s::VLLM_E2E.name),
                ),
                rule(
                    ttft_buckets_rate(cfg),
                    format!("sum by (model, le) (rate({}_bucket[{w}]))", s::VLLM_TTFT.name),
                ),
                rule(
                    ttft_p95(cfg),
                    format!("histogram_quantile(0.95, {})", ttft_buckets_rate(cfg)),
                ),
                rule(
                    generation_tokens_rate(cfg),
                    format!(
                        "sum by (model) (rate({}[{w}]))",
                        s::VLLM_GENERATION_TOKENS.name
                    ),
                ),
                rule(
                    prompt_tokens_rate(cfg),
                    format!(
                        "sum by (model) (rate({}[{w}]))",
                        s::VLLM_PROMPT_TOKENS.name
                    ),
                ),
            ],
        },
        Group {
            name: "llmmon-litellm.rules",
            rules: vec![rule(
                key_budget_ratio(),
                format!(
                    "{} / {}",
                    s::LITELLM_KEY_SPEND.name,
                    s::LITELLM_KEY_BUDGET.name
                ),
            )],
        },
    ]
}
