//! What the GPUs draw and cost now, per model: the method of the recording rules
//! (`src/rules/energy.rs`) on one scrape of the `gpu` and `vllm` roles, for `llmmon status`
//! and `llmmon top`, which read the exporters directly. Each GPU's power is split by its
//! containers' share of its work (SM utilisation), or of its memory where it does no work;
//! the GPU-hours of a GPU go to the containers holding its memory.

use std::collections::BTreeMap;

use serde::Serialize;

use llmmon_core::schema::*;
use llmmon_core::scrape::Scrape;
use llmmon_exporter::config::Prices;

/// One model's share of the GPUs.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelEnergy {
    pub model: String,
    pub power_watts: f64,
    /// GPUs held (a fraction where models share one).
    pub gpus_held: f64,
    /// None without a configured price.
    pub cost_usd_per_hour: Option<f64>,
}

/// The whole server's GPUs now, and since 00:00 UTC where Prometheus says.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EnergyNow {
    pub power_watts: f64,
    pub gpus: usize,
    /// Every GPU's hour and the power they draw; None without a configured price.
    pub cost_usd_per_hour: Option<f64>,
    pub models: Vec<ModelEnergy>,
    pub prices: Prices,
    /// Since 00:00 UTC, from Prometheus' history; None without one.
    pub today: Option<EnergyToday>,
}

/// Energy and cost since 00:00 UTC.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct EnergyToday {
    pub joules: f64,
    /// The GPUs' hours since midnight and the energy; None without a configured price.
    pub cost_usd: Option<f64>,
}

/// Seconds since 00:00 UTC at `now`.
pub fn since_midnight(now: f64) -> f64 {
    now.rem_euclid(86_400.0)
}

/// The PromQL of the GPUs' energy over the last `seconds`.
pub fn energy_query(seconds: f64) -> String {
    format!(
        "sum(increase({}[{:.0}s]))",
        GPU_ENERGY.name,
        seconds.max(60.0)
    )
}

impl EnergyNow {
    /// Today's figures from the `joules` Prometheus gives since midnight at `now`: the
    /// GPUs' hours are today's hours so far for every GPU.
    pub fn with_today(mut self, joules: f64, now: f64) -> Self {
        let hours = since_midnight(now) / 3600.0;
        self.today = Some(EnergyToday {
            joules,
            cost_usd: self
                .prices
                .cost_of(self.gpus as f64 * hours, joules / 3.6e6),
        });
        self
    }
}

/// Share of `family`'s value per container on GPU `gpu`; empty where they sum to 0.
fn shares(gpu_scrape: &Scrape, family: &MetricDef, gpu: &str) -> Vec<(String, f64)> {
    let values: Vec<(String, f64)> = gpu_scrape
        .series(family.name)
        .iter()
        .filter(|s| s.label("gpu") == gpu)
        .filter_map(|s| Some((s.label("container").to_owned(), s.value.number()?)))
        .collect();
    let total: f64 = values.iter().map(|(_, v)| v).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    values.into_iter().map(|(c, v)| (c, v / total)).collect()
}

/// The energy picture of one scrape of the `gpu` and `vllm` roles; None without GPUs.
pub fn now(gpu: &Scrape, vllm: &Scrape) -> Option<EnergyNow> {
    // The configured prices, as the `gpu` role exports them.
    let prices = Prices {
        gpu_hour_usd: gpu.value(COST_GPU_HOUR.name, &[]),
        kwh_usd: gpu.value(COST_KWH.name, &[]),
    };
    let model_of: BTreeMap<&str, &str> = vllm
        .series(VLLM_INFO.name)
        .iter()
        .map(|s| (s.label("container"), s.label("model")))
        .collect();
    let mut per_model: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let (mut watts, mut gpus) = (0.0, 0);
    for power in gpu.series(GPU_POWER_USAGE.name) {
        let (index, Some(w)) = (power.label("gpu"), power.value.number()) else {
            continue;
        };
        watts += w;
        gpus += 1;
        let memory = shares(gpu, &GPU_CONTAINER_MEMORY, index);
        let mut work = shares(gpu, &GPU_CONTAINER_UTILIZATION, index);
        if work.is_empty() {
            work = memory.clone();
        }
        for (container, share) in work {
            if let Some(model) = model_of.get(container.as_str()) {
                per_model.entry((*model).to_owned()).or_default().0 += share * w;
            }
        }
        for (container, share) in memory {
            if let Some(model) = model_of.get(container.as_str()) {
                per_model.entry((*model).to_owned()).or_default().1 += share;
            }
        }
    }
    if gpus == 0 {
        return None;
    }
    Some(EnergyNow {
        power_watts: watts,
        gpus,
        prices,
        today: None,
        cost_usd_per_hour: prices.cost_per_hour(gpus as f64, watts),
        models: per_model
            .into_iter()
            .map(|(model, (power_watts, gpus_held))| ModelEnergy {
                cost_usd_per_hour: prices.cost_per_hour(gpus_held, power_watts),
                model,
                power_watts,
                gpus_held,
            })
            .collect(),
    })
}

/// Dollars per million tokens at `tokens_per_s`; None when it serves nothing.
pub fn per_million_tokens(cost_usd_per_hour: f64, tokens_per_s: f64) -> Option<f64> {
    (tokens_per_s > 0.0).then(|| cost_usd_per_hour / (tokens_per_s * 3600.0) * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::{render, MetricSet};

    /// The promtool test's fleet (compose/config/prometheus/tests/energy.yml), as scrapes,
    /// with or without the prices.
    fn scrapes(priced: bool) -> (Scrape, Scrape) {
        let mut gpu = MetricSet::new();
        gpu.gauge(&GPU_POWER_USAGE, &["0"], 400.0);
        gpu.gauge(&GPU_POWER_USAGE, &["1"], 100.0);
        for (g, c, util, mem) in [
            ("0", "vllm-a", 0.75, 4e10),
            ("0", "vllm-b", 0.25, 4e10),
            ("1", "vllm-c", 0.0, 8e10),
        ] {
            gpu.gauge(&GPU_CONTAINER_UTILIZATION, &[g, c], util);
            gpu.gauge(&GPU_CONTAINER_MEMORY, &[g, c], mem);
        }
        if priced {
            gpu.gauge(&COST_GPU_HOUR, &[], 2.5);
            gpu.gauge(&COST_KWH, &[], 0.15);
        }
        let mut vllm = MetricSet::new();
        for (c, m) in [("vllm-a", "llama"), ("vllm-b", "bge"), ("vllm-c", "qwen")] {
            vllm.gauge(&VLLM_INFO, &[c, m, "0.8.5", "v1"], 1.0);
        }
        let parse = |m: &MetricSet| llmmon_core::scrape::parse(&render(m)).expect("parses");
        (parse(&gpu), parse(&vllm))
    }

    #[test]
    fn power_follows_work_idle_gpus_their_holders_and_cost_adds_gpu_hours_and_energy() {
        let (gpu, vllm) = scrapes(true);
        let e = now(&gpu, &vllm).expect("GPUs");
        assert_eq!((e.power_watts, e.gpus), (500.0, 2));
        let m = |name: &str| e.models.iter().find(|m| m.model == name).expect("model");
        assert_eq!((m("llama").power_watts, m("llama").gpus_held), (300.0, 0.5));
        assert_eq!((m("qwen").power_watts, m("qwen").gpus_held), (100.0, 1.0));
        let cost = m("llama").cost_usd_per_hour.expect("priced");
        assert!((cost - 1.295).abs() < 1e-9, "{cost}");
        let total = e.cost_usd_per_hour.expect("priced");
        assert!((total - (5.0 + 0.075)).abs() < 1e-9, "{total}");
        let per_mtok = per_million_tokens(cost, 1500.0).expect("serves");
        assert!((per_mtok - 0.239_814_814_8).abs() < 1e-9, "{per_mtok}");
        assert_eq!(per_million_tokens(cost, 0.0), None);
        // 6 a.m. UTC, 10.8 MJ since midnight: 2 GPUs × 6 h × 2.50 + 3 kWh × 0.15.
        let today = e.with_today(
            10.8e6,
            1_800_000_000.0 - 1_800_000_000.0 % 86_400.0 + 21_600.0,
        );
        let cost = today.today.and_then(|t| t.cost_usd).expect("priced");
        assert!((cost - 30.45).abs() < 1e-9, "{cost}");
    }

    #[test]
    fn without_a_price_there_is_energy_but_no_cost() {
        let (gpu, vllm) = scrapes(false);
        let e = now(&gpu, &vllm).expect("GPUs");
        assert_eq!(e.cost_usd_per_hour, None);
        assert!(e.models.iter().all(|m| m.cost_usd_per_hour.is_none()));
        assert_eq!(e.power_watts, 500.0);
    }
}
