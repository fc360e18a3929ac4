//! Recording rules: every expensive or repeated query of the alerts and dashboards, named
//! `level:metric:operations` with the window in the operations. The name functions here
//! are what alerts and dashboards use, so a name is spelled once.
//!
//! Dashboards read these over 30 days, where a query's cost grows with the number of
//! series it reads: so latency panels read recorded percentiles (one series per model)
//! rather than histogram buckets (one per container, bucket and LiteLLM key).

use llmmon_core::schema::{self as s, MetricDef};

use super::{Config, Group, Recording, HOST};

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

/// Busy share of each core over the rate window (the per-core heatmap).
pub fn host_cpu_core_utilisation(cfg: &Config) -> String {
    format!(
        "instance_cpu:{}_utilisation:rate{}",
        stem(&s::NODE_CPU_SECONDS, "_seconds"),
        cfg.rate_window
    )
}

/// Share of all CPU time spent in each mode over the rate window (all modes sum to 1).
pub fn host_cpu_mode_ratio(cfg: &Config) -> String {
    format!(
        "instance_mode:{}:ratio_rate{}",
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

/// A percentile recorded for a latency histogram: `p95` in the rule name, 0.95 in
/// `histogram_quantile`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantile {
    pub name: &'static str,
    pub q: f64,
}

pub const P50: Quantile = Quantile {
    name: "p50",
    q: 0.5,
};
pub const P95: Quantile = Quantile {
    name: "p95",
    q: 0.95,
};
pub const P99: Quantile = Quantile {
    name: "p99",
    q: 0.99,
};
/// The percentiles a latency panel draws.
pub const PERCENTILES: &[Quantile] = &[P50, P95, P99];

/// A latency histogram whose bucket rates and percentiles are recorded per `by` label over
/// `window`: `<by>_le:<family>_bucket:rate<window>` and `<by>:<family>:<pNN>_rate<window>`.
/// A dashboard reads the percentiles (one series per model) and, for heatmaps, the bucket
/// rates, never the raw buckets, whose series carry every container, key and team.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    pub def: &'static MetricDef,
    /// The one label the rates are summed by (`model`, `requested_model`), beside the host.
    pub by: &'static str,
    pub window: &'static str,
    /// The percentiles recorded.
    pub quantiles: &'static [Quantile],
}

impl Latency {
    /// Bucket rates per `by` and `le`.
    pub fn buckets_rate(&self) -> String {
        format!(
            "{}_le:{}_bucket:rate{}",
            self.by, self.def.name, self.window
        )
    }

    /// One recorded percentile per `by`.
    pub fn quantile(&self, q: Quantile) -> String {
        format!(
            "{}:{}:{}_rate{}",
            self.by, self.def.name, q.name, self.window
        )
    }

    /// The bucket-rate rule, then one rule per percentile reading it.
    fn rules(&self) -> Vec<Recording> {
        let mut out = vec![rule(
            self.buckets_rate(),
            format!(
                "sum by ({HOST}, {}, le) (rate({}_bucket[{}]))",
                self.by, self.def.name, self.window
            ),
        )];
        out.extend(self.quantiles.iter().map(|q| {
            rule(
                self.quantile(*q),
                format!("histogram_quantile({}, {})", q.q, self.buckets_rate()),
            )
        }));
        out
    }
}

/// vLLM time to first token per model, over the rate window.
pub fn vllm_ttft(cfg: &Config) -> Latency {
    vllm_latency(&s::VLLM_TTFT, cfg.rate_window)
}

/// vLLM time between generated tokens per model, over the rate window.
pub fn vllm_inter_token(cfg: &Config) -> Latency {
    vllm_latency(&s::VLLM_ITL, cfg.rate_window)
}

/// vLLM end-to-end request latency per model, over the latency alert's window.
pub fn vllm_e2e(cfg: &Config) -> Latency {
    vllm_latency(&s::VLLM_E2E, cfg.latency_window)
}

/// vLLM time in the scheduler's queue per model, over the rate window.
pub fn vllm_queue_time(cfg: &Config) -> Latency {
    vllm_latency(&s::VLLM_QUEUE_TIME, cfg.rate_window)
}

/// vLLM's render time (chat templating and tokenization, before the engine; 0.34 on) per
/// model, over the rate window.
pub fn vllm_render_time(cfg: &Config) -> Latency {
    vllm_latency(&s::VLLM_RENDER_TIME, cfg.rate_window)
}

fn vllm_latency(def: &'static MetricDef, window: &'static str) -> Latency {
    Latency {
        def,
        by: "model",
        window,
        quantiles: PERCENTILES,
    }
}

/// LiteLLM's total request latency per public model name (`requested_model`); the p95 is
/// what its dashboard draws.
pub fn litellm_request_latency(cfg: &Config) -> Latency {
    Latency {
        def: &s::LITELLM_REQUEST_LATENCY,
        by: "requested_model",
        window: cfg.rate_window,
        quantiles: &[P95],
    }
}

/// LiteLLM's time to first token per upstream model (LiteLLM labels it with nothing else).
pub fn litellm_ttft(cfg: &Config) -> Latency {
    Latency {
        def: &s::LITELLM_TTFT,
        by: "model",
        window: cfg.rate_window,
        quantiles: &[P95],
    }
}

/// p95 end-to-end request latency per model over the latency window (the alert's).
pub fn e2e_p95(cfg: &Config) -> String {
    vllm_e2e(cfg).quantile(P95)
}

/// Successful requests per model within the latency window (the traffic guard).
pub fn e2e_count_increase(cfg: &Config) -> String {
    format!(
        "model:{}_count:increase{}",
        s::VLLM_E2E.name,
        cfg.latency_window
    )
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

pub(super) fn rule(record: String, expr: String) -> Recording {
    Recording { record, expr }
}

/// The rules of several latency histograms, one after the other.
fn latency_rules(families: &[Latency]) -> Vec<Recording> {
    families.iter().flat_map(Latency::rules).collect()
}

/// CPU busy share summed `without (...)` those labels: a ratio of two rates over the same
/// window, right even while the window is only partly filled (Prometheus divides a rate by
/// the whole window, so `1 - rate(idle)` would read a CPU that has just started being
/// scraped as fully busy).
fn cpu_busy_share(cfg: &Config, without: &str) -> String {
    format!(
        "1 - (\n  sum without ({without}) (rate({cpu}{{mode=~\"{idle}\"}}[{w}]))\n/\n  sum without ({without}) (rate({cpu}[{w}]))\n)",
        cpu = s::NODE_CPU_SECONDS.name,
        idle = cfg.cpu_idle_modes,
        w = cfg.rate_window,
    )
}

/// Every recording rule, grouped by what it is about.
pub fn groups(cfg: &Config) -> Vec<Group<Recording>> {
    let w = cfg.rate_window;
    let lw = cfg.latency_window;
    vec![
        Group {
            name: "llmmon-host.rules",
            rules: vec![
                rule(host_cpu_utilisation(cfg), cpu_busy_share(cfg, "cpu, mode")),
                rule(host_cpu_core_utilisation(cfg), cpu_busy_share(cfg, "mode")),
                rule(
                    host_cpu_mode_ratio(cfg),
                    format!(
                        "sum without (cpu) (rate({cpu}[{w}]))\n/ ignoring (mode) group_left ()\nsum without (cpu, mode) (rate({cpu}[{w}]))",
                        cpu = s::NODE_CPU_SECONDS.name
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
                        "sum by ({HOST}, name) (rate({}{{name!=\"\"}}[{w}]))",
                        s::CADVISOR_CPU.name
                    ),
                ),
            ],
        },
        Group {
            name: "llmmon-vllm.rules",
            rules: [
                vec![
                rule(
                    request_success_rate(cfg),
                    format!(
                        "sum by ({HOST}, model) (rate({}[{}]))",
                        s::VLLM_REQUEST_SUCCESS.name,
                        cfg.error_window
                    ),
                ),
                rule(
                    request_errors_rate(cfg),
                    format!(
                        "sum by ({HOST}, model) (rate({}[{}]))",
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
                    e2e_count_increase(cfg),
                    format!("sum by ({HOST}, model) (increase({}_count[{lw}]))", s::VLLM_E2E.name),
                ),
                rule(
                    generation_tokens_rate(cfg),
                    format!(
                        "sum by ({HOST}, model) (rate({}[{w}]))",
                        s::VLLM_GENERATION_TOKENS.name
                    ),
                ),
                rule(
                    prompt_tokens_rate(cfg),
                    format!(
                        "sum by ({HOST}, model) (rate({}[{w}]))",
                        s::VLLM_PROMPT_TOKENS.name
                    ),
                ),
                ],
                latency_rules(&[
                    vllm_ttft(cfg),
                    vllm_inter_token(cfg),
                    vllm_e2e(cfg),
                    vllm_queue_time(cfg),
                    vllm_render_time(cfg),
                ]),
            ]
            .concat(),
        },
        Group {
            name: "llmmon-litellm.rules",
            rules: [
                vec![rule(
                    key_budget_ratio(),
                    format!(
                        "{} / {}",
                        s::LITELLM_KEY_SPEND.name,
                        s::LITELLM_KEY_BUDGET.name
                    ),
                )],
                latency_rules(&[litellm_request_latency(cfg), litellm_ttft(cfg)]),
            ]
            .concat(),
        },
        super::energy::group(cfg),
    ]
}
