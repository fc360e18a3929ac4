//! The energy and cost row the vLLM and LiteLLM dashboards share: power and energy per
//! token per model, cost per hour and per million tokens on our own GPUs, and what idle
//! GPUs cost (recording rules of `src/rules/energy.rs`; no cost without a configured price).

use super::panel::{bargauge, instant, prom, stat, timeseries};
use super::{row, Row};
use crate::rules::{energy, Config};

/// The row, its per-model panels filtered by `selector` (`model=~"$model"`, or empty).
pub fn row_for(cfg: &Config, selector: &str) -> Row {
    let of = |name: String| format!("{name}{{{selector}}}");
    row(
        "Energy and cost on our GPUs",
        vec![
            timeseries("Power per model", "watt").size(8, 8).min(0.0)
                .desc("Each GPU's power (NVML's energy counter) split by its containers' share of the GPU's work; a GPU doing no work is charged to the model holding its memory.")
                .q(prom(of(energy::model_power(cfg)), "{{model}}")),
            timeseries("Cost per million tokens", "currencyUSD").size(8, 8).min(0.0)
                .desc("GPU-hours held × cost.gpu_hour_usd plus energy × cost.kwh_usd, over the model's prompt and generated tokens. Falls as traffic rises on the same GPUs.")
                .q(prom(of(energy::model_cost_per_million_tokens()), "{{model}}")),
            timeseries("Energy per token", "joule").size(8, 8).min(0.0)
                .desc("Joules per prompt or generated token, per model.")
                .q(prom(of(energy::model_joules_per_token(cfg)), "{{model}}")),
            bargauge("Cost per hour", "currencyUSD").size(12, 6).min(0.0)
                .desc("What each model costs an hour now: the GPUs it holds and the energy it draws.")
                .q(instant(of(energy::model_cost_per_hour()), "{{model}}")),
            stat("Idle GPU cost", "currencyUSD").size(12, 6).min(0.0)
                .desc("Per hour, what the models that hold GPUs but served no token in the last 5 minutes cost.")
                .q(instant(energy::idle_cost_per_hour(), "")),
        ],
    )
}
