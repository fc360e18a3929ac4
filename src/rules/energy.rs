//! Energy and cost per container and model on our own GPUs, as recording rules.
//!
//! The method, in four steps (documented in the README's "Energy and cost"):
//!
//! 1. **Each container's share of a GPU**: its share of the GPU's SM utilisation (NVML's
//!    process samples, summed per container); on a GPU that does no work, its share of the
//!    GPU's memory, so the idle energy of a GPU one model holds is charged to that model.
//! 2. **Power**: each GPU's energy counter (NVML's total energy consumption) as a rate, in
//!    watts, split by those shares and summed per container and per model.
//! 3. **GPUs held**: each container's share of a GPU's memory, summed per model: the
//!    GPU-hours a model is charged whether it serves or not.
//! 4. **Cost**: GPUs held × `cost.gpu_hour_usd` + power × `cost.kwh_usd`, per hour; over
//!    the model's token rate (prompt and generated), per million tokens. Without a price
//!    there is no cost series (absent, not $0).

use llmmon_core::schema as s;

use super::recording::{generation_tokens_rate, prompt_tokens_rate, rule};
use super::{Config, Group, Recording, HOST};

/// Each container's share of the work of each GPU it runs on (0-1).
pub fn container_gpu_share() -> String {
    "gpu_container:llm_monitor_gpu_work_share:ratio".to_owned()
}

/// Each container's share of each GPU's memory (0-1).
pub fn container_gpu_memory_share() -> String {
    "gpu_container:llm_monitor_gpu_memory_share:ratio".to_owned()
}

/// Power per GPU from its energy counter, in watts.
pub fn gpu_power(cfg: &Config) -> String {
    format!("gpu:{}:rate{}", s::GPU_ENERGY.base_name(), cfg.rate_window)
}

/// Power per container, in watts.
pub fn container_power(cfg: &Config) -> String {
    format!(
        "container:{}:rate{}",
        s::GPU_ENERGY.base_name(),
        cfg.rate_window
    )
}

/// Power per model, in watts.
pub fn model_power(cfg: &Config) -> String {
    format!(
        "model:{}:rate{}",
        s::GPU_ENERGY.base_name(),
        cfg.rate_window
    )
}

/// GPUs held per model (a fraction where models share a GPU).
pub fn model_gpus_held() -> String {
    "model:llm_monitor_gpu_held:sum".to_owned()
}

/// Tokens per second per model, prompt and generated together.
pub fn model_tokens_rate(cfg: &Config) -> String {
    format!("model:llm_monitor_vllm_tokens:rate{}", cfg.rate_window)
}

/// Energy per token per model, in joules.
pub fn model_joules_per_token(cfg: &Config) -> String {
    format!(
        "model:{}:per_token_rate{}",
        s::GPU_ENERGY.base_name(),
        cfg.rate_window
    )
}

/// Cost per hour per model, in US dollars.
pub fn model_cost_per_hour() -> String {
    "model:llm_monitor_cost_usd:per_hour".to_owned()
}

/// Cost per million tokens per model, in US dollars.
pub fn model_cost_per_million_tokens() -> String {
    "model:llm_monitor_cost_usd:per_million_tokens".to_owned()
}

/// Cost per hour of the models that hold GPUs but serve nothing, all together (per server),
/// in US dollars: 0 while every model serves, absent without a price.
pub fn idle_cost_per_hour() -> String {
    "all:llm_monitor_cost_idle_usd:per_hour".to_owned()
}

/// `family` of one container over the same family summed per GPU (of one server).
fn share_of_gpu(family: &str) -> String {
    format!(
        "{family}\n/ on ({HOST}, instance, gpu) group_left ()\nsum by ({HOST}, instance, gpu) ({family})"
    )
}

/// Joins a per-container vector to the model its vLLM instance serves.
fn by_model(per_container: &str) -> String {
    format!(
        "sum by ({HOST}, model) (\n  {per_container}\n  * on ({HOST}, container) group_left (model)\n  max by ({HOST}, container, model) ({})\n)",
        s::VLLM_INFO.name
    )
}

pub fn group(cfg: &Config) -> Group<Recording> {
    let work = share_of_gpu(s::GPU_CONTAINER_UTILIZATION.name);
    let memory = share_of_gpu(s::GPU_CONTAINER_MEMORY.name);
    let split = format!(
        "{} * on ({HOST}, instance, gpu) group_left () {}",
        container_gpu_share(),
        gpu_power(cfg)
    );
    // A price is one series per server (its exporter's configuration).
    let price =
        |def: &s::MetricDef| format!("on ({HOST}) group_left () max by ({HOST}) ({})", def.name);
    let cost = format!(
        "(\n  {held} * {gpu_hour}\n  or {held} * 0\n)\n+ on ({HOST}, model) (\n  {power} / 1000 * {kwh}\n  or {power} * 0\n)\nand on ({HOST}) (count by ({HOST}) ({g}) or count by ({HOST}) ({k}))",
        held = model_gpus_held(),
        power = model_power(cfg),
        gpu_hour = price(&s::COST_GPU_HOUR),
        kwh = price(&s::COST_KWH),
        g = s::COST_GPU_HOUR.name,
        k = s::COST_KWH.name,
    );
    Group {
        name: "llmmon-energy.rules",
        rules: vec![
            // A GPU that does no work divides 0 by 0: NaN fails `>= 0` and the memory
            // share takes its place.
            rule(
                container_gpu_share(),
                format!("({work}) >= 0\nor\n{memory}"),
            ),
            rule(container_gpu_memory_share(), memory),
            rule(
                gpu_power(cfg),
                format!("rate({}[{}])", s::GPU_ENERGY.name, cfg.rate_window),
            ),
            rule(
                container_power(cfg),
                format!("sum by ({HOST}, container) (\n  {split}\n)"),
            ),
            rule(model_power(cfg), by_model(&split)),
            rule(model_gpus_held(), by_model(&container_gpu_memory_share())),
            rule(
                model_tokens_rate(cfg),
                format!(
                    "{} + on ({HOST}, model) {}",
                    prompt_tokens_rate(cfg),
                    generation_tokens_rate(cfg)
                ),
            ),
            rule(
                model_joules_per_token(cfg),
                format!(
                    "{} / on ({HOST}, model) ({} > 0)",
                    model_power(cfg),
                    model_tokens_rate(cfg)
                ),
            ),
            rule(model_cost_per_hour(), cost),
            rule(
                model_cost_per_million_tokens(),
                format!(
                    "{} / on ({HOST}, model) ({} * 3600 > 0) * 1e6",
                    model_cost_per_hour(),
                    model_tokens_rate(cfg)
                ),
            ),
            rule(
                idle_cost_per_hour(),
                format!(
                    "sum by ({HOST}) ({cost} unless on ({HOST}, model) ({tokens} > 0))\nor\nsum by ({HOST}) ({cost}) * 0",
                    cost = model_cost_per_hour(),
                    tokens = model_tokens_rate(cfg)
                ),
            ),
        ],
    }
}
