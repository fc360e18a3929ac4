//! What `llmmon top` reads each refresh, and what it derives across refreshes: rates from
//! counters, latency percentiles from histogram deltas, GPU utilisation history.

use std::collections::{BTreeMap, VecDeque};

use llmmon_core::schema::*;
use llmmon_core::Role;

use crate::status::{self, RoleScrape, ServerStatus};
use llmmon_core::scrape::quantile::from_deltas as quantile;
use llmmon_core::scrape::{Scrape, SeriesValue};

/// Seconds of history kept for rates and percentiles.
pub const WINDOW_S: f64 = 60.0;
/// Samples of GPU utilisation kept per GPU for sparklines.
pub const SPARK_LEN: usize = 60;

/// Cumulative counters of one model at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelCounters {
    pub requests: f64,
    pub errors: f64,
    pub prompt_tokens: f64,
    pub generation_tokens: f64,
    /// Cumulative `(upper bound, count)` buckets.
    pub ttft: Vec<(f64, f64)>,
    pub e2e: Vec<(f64, f64)>,
}

/// Per-container usage counters from cAdvisor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerUsage {
    pub cpu_seconds: f64,
    pub memory_bytes: Option<f64>,
}

/// One refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub at: f64,
    pub status: ServerStatus,
    pub models: BTreeMap<String, ModelCounters>,
    pub usage: BTreeMap<String, ContainerUsage>,
}

fn add_hist(acc: &mut Vec<(f64, f64)>, v: &SeriesValue) {
    if let SeriesValue::Histogram { buckets, .. } = v {
        if acc.is_empty() {
            acc.clone_from(buckets);
        } else if acc.len() == buckets.len() {
            for (a, b) in acc.iter_mut().zip(buckets) {
                a.1 += b.1;
            }
        }
    }
}

fn model_counters(vllm: &Scrape) -> BTreeMap<String, ModelCounters> {
    let mut out: BTreeMap<String, ModelCounters> = BTreeMap::new();
    let mut each = |name: &str, f: &mut dyn FnMut(&mut ModelCounters, &SeriesValue)| {
        for s in vllm.series(name) {
            f(
                out.entry(s.label("model").to_owned()).or_default(),
                &s.value,
            );
        }
    };
    let num = |v: &SeriesValue| v.number().unwrap_or(0.0);
    each(VLLM_REQUEST_SUCCESS.name, &mut |m, v| m.requests += num(v));
    each(VLLM_REQUEST_ERRORS.name, &mut |m, v| {
        m.errors += num(v);
        m.requests += num(v);
    });
    each(VLLM_PROMPT_TOKENS.name, &mut |m, v| {
        m.prompt_tokens += num(v)
    });
    each(VLLM_GENERATION_TOKENS.name, &mut |m, v| {
        m.generation_tokens += num(v)
    });
    each(VLLM_TTFT.name, &mut |m, v| add_hist(&mut m.ttft, v));
    each(VLLM_E2E.name, &mut |m, v| add_hist(&mut m.e2e, v));
    out
}

fn container_usage(cadvisor: &Scrape) -> BTreeMap<String, ContainerUsage> {
    let mut out: BTreeMap<String, ContainerUsage> = BTreeMap::new();
    for s in cadvisor.series(CADVISOR_CPU.name) {
        out.entry(s.label("name").to_owned())
            .or_default()
            .cpu_seconds += s.value.number().unwrap_or(0.0);
    }
    for s in cadvisor.series(CADVISOR_MEM_WORKING_SET.name) {
        out.entry(s.label("name").to_owned())
            .or_default()
            .memory_bytes = s.value.number();
    }
    out
}

/// Builds one refresh from the roles' scrapes.
pub fn snapshot(results: Vec<RoleScrape>, mode: &str, at: f64) -> Snapshot {
    let empty = Scrape::default();
    let scrape_of = |role: Role| {
        results
            .iter()
            .find(|(r, _, _)| *r == role)
            .and_then(|(_, _, s)| s.as_deref().ok())
            .unwrap_or(&empty)
    };
    let models = model_counters(scrape_of(Role::Vllm));
    let usage = container_usage(scrape_of(Role::Cadvisor));
    Snapshot {
        at,
        status: status::summarise(results, mode),
        models,
        usage,
    }
}

/// Rates and percentiles of one model over the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelRates {
    pub requests_per_min: Option<f64>,
    pub error_ratio: Option<f64>,
    pub prompt_tokens_per_s: Option<f64>,
    pub generation_tokens_per_s: Option<f64>,
    pub ttft_p50: Option<f64>,
    pub ttft_p95: Option<f64>,
    pub e2e_p95: Option<f64>,
}

/// Snapshots over the window, plus per-GPU utilisation history.
#[derive(Debug, Clone, Default)]
pub struct History {
    snapshots: VecDeque<Snapshot>,
    pub gpu_util: BTreeMap<String, VecDeque<u64>>,
}

impl History {
    pub fn push(&mut self, s: Snapshot) {
        for g in &s.status.gpus {
            let h = self.gpu_util.entry(g.index.clone()).or_default();
            h.push_back(g.utilization.map_or(0, |u| (u * 100.0).round() as u64));
            while h.len() > SPARK_LEN {
                h.pop_front();
            }
        }
        self.snapshots.push_back(s);
        while self
            .snapshots
            .front()
            .zip(self.snapshots.back())
            .is_some_and(|(a, b)| b.at - a.at > WINDOW_S && self.snapshots.len() > 2)
        {
            self.snapshots.pop_front();
        }
    }

    pub fn latest(&self) -> Option<&Snapshot> {
        self.snapshots.back()
    }

    /// Rates of `model` between the oldest and newest snapshot of the window.
    pub fn rates(&self, model: &str) -> ModelRates {
        let (Some(a), Some(b)) = (self.snapshots.front(), self.snapshots.back()) else {
            return ModelRates::default();
        };
        let dt = b.at - a.at;
        let (Some(old), Some(new)) = (a.models.get(model), b.models.get(model)) else {
            return ModelRates::default();
        };
        if dt <= 0.0 {
            return ModelRates::default();
        }
        let per_s = |x: f64, y: f64| ((y - x).max(0.0)) / dt;
        let requests = new.requests - old.requests;
        ModelRates {
            requests_per_min: Some(per_s(old.requests, new.requests) * 60.0),
            error_ratio: (requests > 0.0).then(|| (new.errors - old.errors).max(0.0) / requests),
            prompt_tokens_per_s: Some(per_s(old.prompt_tokens, new.prompt_tokens)),
            generation_tokens_per_s: Some(per_s(old.generation_tokens, new.generation_tokens)),
            ttft_p50: quantile(0.5, &new.ttft, &old.ttft),
            ttft_p95: quantile(0.95, &new.ttft, &old.ttft),
            e2e_p95: quantile(0.95, &new.e2e, &old.e2e),
        }
    }

    /// CPU cores a container used over the window.
    pub fn cpu_cores(&self, container: &str) -> Option<f64> {
        let (a, b) = (self.snapshots.front()?, self.snapshots.back()?);
        let dt = b.at - a.at;
        let (x, y) = (a.usage.get(container)?, b.usage.get(container)?);
        (dt > 0.0).then(|| ((y.cpu_seconds - x.cpu_seconds) / dt).max(0.0))
    }

    pub fn memory(&self, container: &str) -> Option<f64> {
        self.latest()?.usage.get(container)?.memory_bytes
    }
}
