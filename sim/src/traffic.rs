//! Requests, tokens and latency of each simulated vLLM instance, derived from the daily
//! traffic pattern and the timeline of conditions. Counters are exact integrals of rates, so
//! they rise monotonically however the scenario switches.

use super::fleet::{Fleet, VllmSpec};
use super::scenario::{Conditions, Fault, Scenario, Timeline};
use super::signal::{noise, DailyRate, LogNormal};
use crate::scenario::Effects;

/// Histogram buckets vLLM uses for time to first token (unchanged 0.8.5 → current).
pub const TTFT_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];
/// Buckets for inter-token latency / time per output token.
pub const ITL_BUCKETS: &[f64] = &[
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
    40.0, 80.0,
];
/// Buckets for end-to-end, queue, prefill and decode times.
pub const REQUEST_BUCKETS: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0,
];

/// Buckets of vLLM 0.34's `request_render_duration_seconds` (vllm/renderers/metrics.py).
pub const RENDER_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// Base names of models taken down by the maintenance scenario.
pub const MAINTENANCE_STOPPED: &[&str] = &["qwen2.5-72b", "phi-4"];
/// Base name of the model whose container crash-loops under `container_crash_loop`.
pub const CRASH_LOOP_MODEL: &str = "llama-3.1-8b";
/// Base name of the model that never finishes loading under `model_load_failure`.
pub const LOAD_FAILURE_MODEL: &str = "qwen3-32b";
/// Base name of the model whose engine dies under `upstream_down`.
pub const UPSTREAM_DOWN_MODEL: &str = "mistral-small-3.1-24b";
/// Base name of the model that turns unhealthy in the degraded scenario.
pub const DEGRADED_MODEL: &str = "gemma-3-12b";
/// Length of one crash-loop cycle: the container runs this long, then is restarted.
pub const CRASH_CYCLE_S: f64 = 60.0;
const CRASH_RUN_S: f64 = 25.0;

/// What an instance is doing at one moment: the state its reading carries.
pub use llmmon_readings::vllm::VllmState as InstanceState;

/// The model name without the block suffix a larger fleet adds.
pub fn base_model(spec: &VllmSpec) -> &str {
    super::fleet_base_name(&spec.model)
}

fn is(spec: &VllmSpec, name: &str) -> bool {
    base_model(spec) == name
}

/// Whether the container is stopped on purpose under these conditions.
pub fn stopped_by(spec: &VllmSpec, c: &Conditions) -> bool {
    c.scenario == Scenario::Maintenance && MAINTENANCE_STOPPED.contains(&base_model(spec))
}

use llmmon_readings::vllm::Histogram as Cumulative;

/// The engine at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Instant {
    pub running: f64,
    pub waiting: f64,
    pub kv_cache: f64,
    /// Busy share of the instance's GPUs (0-1).
    pub busy: f64,
}

/// Everything the vLLM metrics say about one instance at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceStats {
    pub instant: Instant,
    pub requests_ok: f64,
    pub requests_failed: f64,
    pub prompt_tokens: f64,
    pub generation_tokens: f64,
    pub preemptions: f64,
    pub ttft: Cumulative,
    pub itl: Cumulative,
    pub e2e: Cumulative,
    pub queue: Cumulative,
    pub prefill: Cumulative,
    pub decode: Cumulative,
    /// API-server rendering (chat template, tokenization) of each served request; only
    /// vLLM 0.34+ exposes it.
    pub render: Cumulative,
}

/// The traffic model over a fleet and a timeline.
pub struct Traffic<'a> {
    pub seed: u64,
    pub fleet: &'a Fleet,
    pub timeline: &'a Timeline,
}

impl Traffic<'_> {
    /// Requests per second reaching the whole server, before scenario factors.
    pub fn total_rate(&self) -> DailyRate {
        DailyRate {
            base: self.fleet.rpm_night / 60.0,
            amplitude: (self.fleet.rpm_peak - self.fleet.rpm_night) / 60.0,
        }
    }

    /// State of the instance at time t.
    pub fn state(&self, spec: &VllmSpec, t: f64) -> InstanceState {
        let c = &self.timeline.at(t).conditions;
        if stopped_by(spec, c) {
            return InstanceState::Stopped;
        }
        if c.has(Fault::ContainerCrashLoop) && is(spec, CRASH_LOOP_MODEL) {
            return if self.crash_phase(t) < CRASH_RUN_S {
                InstanceState::Loading
            } else {
                InstanceState::Stopped
            };
        }
        if c.has(Fault::ModelLoadFailure) && is(spec, LOAD_FAILURE_MODEL) {
            return InstanceState::Loading;
        }
        let dead_engine = (c.has(Fault::UpstreamDown) && is(spec, UPSTREAM_DOWN_MODEL))
            || (c.scenario == Scenario::Degraded && is(spec, DEGRADED_MODEL));
        if dead_engine {
            return InstanceState::Unhealthy;
        }
        InstanceState::Ready
    }

    /// Seconds into the current crash-loop cycle.
    pub fn crash_phase(&self, t: f64) -> f64 {
        let since = self
            .timeline
            .fault_since(Fault::ContainerCrashLoop, t)
            .unwrap_or(t);
        (t - since).rem_euclid(CRASH_CYCLE_S)
    }

    /// Crash-loop restarts so far (0 when the fault is off).
    pub fn crash_restarts(&self, t: f64) -> u64 {
        match self.timeline.fault_since(Fault::ContainerCrashLoop, t) {
            Some(since) => ((t - since) / CRASH_CYCLE_S).floor() as u64,
            None => 0,
        }
    }

    /// When the instance's container was first started: its counters (vLLM's, cAdvisor's)
    /// count from here, and stay where they were while it is stopped.
    pub fn origin(&self, spec: &VllmSpec) -> f64 {
        super::fleet::FLEET_EPOCH
            + 3600.0 * (super::signal::hash(self.seed, &spec.container, 0) % (24 * 20)) as f64
    }

    /// When the instance's container last started.
    pub fn started_at(&self, spec: &VllmSpec, t: f64) -> f64 {
        let c = &self.timeline.at(t).conditions;
        if c.has(Fault::ContainerCrashLoop) && is(spec, CRASH_LOOP_MODEL) {
            return t - self.crash_phase(t);
        }
        if is(spec, LOAD_FAILURE_MODEL) {
            // The container was restarted into the failing load when the fault began.
            if let Some(since) = self.timeline.fault_since(Fault::ModelLoadFailure, t) {
                return since;
            }
        }
        let base = self.origin(spec);
        let up_since = self.timeline.since(t, |c| !stopped_by(spec, c));
        match up_since {
            Some(s) if s.is_finite() => s.max(base),
            _ => base,
        }
    }

    /// Docker's restart count from crash loops: every full cycle of every stretch of
    /// `container_crash_loop` up to time t (it does not fall when the fault ends).
    pub fn crash_restarts_total(&self, t: f64) -> u64 {
        self.timeline
            .stretches(t, |c| c.has(Fault::ContainerCrashLoop))
            .filter(|(a, _)| a.is_finite())
            .map(|(a, b)| ((b - a) / CRASH_CYCLE_S).floor() as u64)
            .sum()
    }

    /// Requests per second routed to the instance at time t.
    pub fn rate(&self, spec: &VllmSpec, t: f64) -> f64 {
        let c = &self.timeline.at(t).conditions;
        self.total_rate().at(t) * spec.traffic_share * c.traffic_factor()
    }

    /// End-to-end latency distribution under conditions c.
    pub fn e2e_dist(spec: &VllmSpec, c: &Conditions) -> LogNormal {
        let f = c.latency_factor();
        LogNormal {
            median: (spec.ttft_median_s + spec.generation_tokens * spec.itl_median_s) * f,
            sigma: 0.6,
        }
    }

    /// The engine's instant view (batch, queue, KV cache, GPU busy share), or None while it
    /// serves nothing. Little's law gives the batch; beyond capacity the queue saturates.
    pub fn instant(&self, spec: &VllmSpec, t: f64) -> Option<Instant> {
        let state = self.state(spec, t);
        if matches!(state, InstanceState::Stopped | InstanceState::Loading) {
            return None;
        }
        let c = &self.timeline.at(t).conditions;
        let key = &spec.container;
        let lambda = self.rate(spec, t);
        let demand = lambda * Self::e2e_dist(spec, c).mean();
        let cap = 2.0 * spec.capacity;
        let rho = (demand / cap).min(0.98);
        let jitter = 1.0 + 0.3 * noise(self.seed, key, t, 20.0);
        let busy = if state == InstanceState::Ready {
            (0.05 + 0.9 * rho + 0.04 * noise(self.seed, &format!("{key}/busy"), t, 15.0))
                .clamp(0.0, 1.0)
        } else {
            0.0
        };
        Some(Instant {
            running: (demand.min(cap) * jitter).round().max(0.0),
            waiting: (3.0 * rho.powi(3) / (1.0 - rho) * jitter).min(60.0).round(),
            kv_cache: (0.02 + 0.9 * rho + 0.02 * noise(self.seed, &format!("{key}/kv"), t, 30.0))
                .clamp(0.0, 0.99),
            busy,
        })
    }

    /// Instant and cumulative statistics, or None while the engine serves nothing. The
    /// counters integrate, piece by piece of the timeline, what the engine handled since its
    /// container first started: nothing while it is stopped, loading or crash-looping.
    pub fn stats(&self, spec: &VllmSpec, t: f64) -> Option<InstanceStats> {
        let instant = self.instant(spec, t)?;
        let mut acc = Accumulator::default();
        for (ok, failed, cond) in self.request_pieces(spec, self.origin(spec), t) {
            if serves(spec, cond) {
                acc.add(spec, cond, ok, failed);
            }
        }
        Some(acc.finish(instant))
    }

    /// Requests routed to the instance in each piece of [a, b] of the timeline: (served,
    /// failed, conditions). While the instance is down every request routed to it fails.
    pub fn request_pieces<'s>(
        &'s self,
        spec: &'s VllmSpec,
        a: f64,
        b: f64,
    ) -> impl Iterator<Item = (f64, f64, &'s Conditions)> + 's {
        self.timeline.pieces(a, b).map(move |(lo, hi, cond)| {
            let n = self.total_rate().integral(lo, hi) * spec.traffic_share * cond.traffic_factor();
            let err = if !serves(spec, cond) || dead_under(spec, cond) {
                1.0
            } else {
                cond.error_ratio()
            };
            (n * (1.0 - err), n * err, cond)
        })
    }

    /// Requests served and failed by the instance in [a, b] (for daily usage views).
    pub fn requests_between(&self, spec: &VllmSpec, a: f64, b: f64) -> (f64, f64) {
        self.request_pieces(spec, a, b)
            .fold((0.0, 0.0), |(ok, failed), (o, f, _)| (ok + o, failed + f))
    }

    /// Latency distributions (e2e, ttft) under the conditions at time t.
    pub fn latency(&self, spec: &VllmSpec, t: f64) -> (LogNormal, LogNormal) {
        let c = &self.timeline.at(t).conditions;
        (Self::e2e_dist(spec, c), ttft_dist(spec, c))
    }
}

/// Whether the engine takes requests under conditions c (it may still fail them all when its
/// engine is dead): not while stopped, crash-looping or stuck loading its model.
pub fn serves(spec: &VllmSpec, c: &Conditions) -> bool {
    let crash_looping = c.has(Fault::ContainerCrashLoop) && is(spec, CRASH_LOOP_MODEL);
    let stuck_loading = c.has(Fault::ModelLoadFailure) && is(spec, LOAD_FAILURE_MODEL);
    !(stopped_by(spec, c) || crash_looping || stuck_loading)
}

/// Share of the time under conditions c that the container runs: none while stopped, the
/// running part of each cycle while it crash-loops, all of it otherwise.
pub fn up_share(spec: &VllmSpec, c: &Conditions) -> f64 {
    if stopped_by(spec, c) {
        0.0
    } else if c.has(Fault::ContainerCrashLoop) && is(spec, CRASH_LOOP_MODEL) {
        CRASH_RUN_S / CRASH_CYCLE_S
    } else {
        1.0
    }
}

/// Whether the engine is dead (every request fails) under conditions c.
pub fn dead_under(spec: &VllmSpec, c: &Conditions) -> bool {
    (c.has(Fault::UpstreamDown) && is(spec, UPSTREAM_DOWN_MODEL))
        || (c.scenario == Scenario::Degraded && is(spec, DEGRADED_MODEL))
}

/// Time-to-first-token distribution under conditions c.
pub fn ttft_dist(spec: &VllmSpec, c: &Conditions) -> LogNormal {
    LogNormal {
        median: spec.ttft_median_s * c.latency_factor(),
        sigma: 0.5,
    }
}

/// Rendering time distribution under conditions c: a fixed part (request parsing, chat
/// template) plus the tokenizer's per-token part, slowed a little by a busy API server.
pub fn render_dist(spec: &VllmSpec, c: &Conditions) -> LogNormal {
    LogNormal {
        median: (0.001 + 0.9e-6 * spec.prompt_tokens) * c.latency_factor().sqrt(),
        sigma: 0.35,
    }
}

/// Sums request counts and histogram mass over stretches of time.
#[derive(Default)]
struct Accumulator {
    ok: f64,
    failed: f64,
    prompt: f64,
    generated: f64,
    preempted: f64,
    hists: [HistAcc; 7],
}

/// Histogram mass integrated over stretches of time: per bucket *interval* (between two
/// bounds, the last one up to +Inf), the requests that fell into it. Each interval only
/// grows, so the published counts (whole requests per interval, summed up to each bound) are
/// cumulative in every scrape, and from one scrape to a later one no bucket grows more than
/// a higher one; `+Inf` is the sum of all intervals, so it equals the count.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HistAcc {
    mass: Vec<f64>,
    sum: f64,
}

impl HistAcc {
    /// Adds `n` observations drawn from `dist`.
    pub fn add(&mut self, bounds: &[f64], dist: LogNormal, n: f64) {
        if n <= 0.0 {
            return;
        }
        if self.mass.is_empty() {
            self.mass = vec![0.0; bounds.len() + 1];
        }
        // A running maximum keeps every interval's share non-negative even where the CDF's
        // approximation wobbles.
        let mut below = 0.0_f64;
        for (m, le) in self.mass.iter_mut().zip(bounds) {
            let upto = dist.cdf(*le).clamp(below, 1.0);
            *m += n * (upto - below);
            below = upto;
        }
        if let Some(last) = self.mass.last_mut() {
            *last += n * (1.0 - below);
        }
        self.sum += n * dist.mean();
    }

    pub fn finish(&self, bounds: &[f64]) -> Cumulative {
        let whole = |k: usize| self.mass.get(k).map_or(0, |m| m.floor() as u64);
        let mut upto = 0;
        let buckets = bounds
            .iter()
            .enumerate()
            .map(|(k, le)| {
                upto += whole(k);
                (*le, upto)
            })
            .collect();
        Cumulative {
            buckets,
            sum: self.sum,
            count: upto + whole(bounds.len()),
        }
    }
}

impl Accumulator {
    fn add(&mut self, spec: &VllmSpec, c: &Conditions, ok: f64, failed: f64) {
        let f = c.latency_factor();
        self.ok += ok;
        self.failed += failed;
        self.prompt += ok * spec.prompt_tokens;
        let tokens = ok * spec.generation_tokens;
        self.generated += tokens;
        if c.scenario == Scenario::HighLoad {
            self.preempted += 0.02 * ok;
        }
        let queue = LogNormal {
            median: 0.02 * f.powi(3),
            sigma: 1.0,
        };
        let itl = LogNormal {
            median: spec.itl_median_s.max(1e-4) * f,
            sigma: 0.3,
        };
        let decode = LogNormal {
            median: (spec.generation_tokens * spec.itl_median_s * f).max(1e-3),
            sigma: 0.6,
        };
        let prefill = ttft_dist(spec, c).scaled(0.8);
        let e2e = Traffic::e2e_dist(spec, c);
        let dists = [
            (TTFT_BUCKETS, ttft_dist(spec, c), ok),
            (ITL_BUCKETS, itl, tokens),
            (REQUEST_BUCKETS, e2e, ok),
            (REQUEST_BUCKETS, queue, ok),
            (REQUEST_BUCKETS, prefill, ok),
            (REQUEST_BUCKETS, decode, ok),
            (RENDER_BUCKETS, render_dist(spec, c), ok),
        ];
        for (h, (bounds, dist, n)) in self.hists.iter_mut().zip(dists) {
            h.add(bounds, dist, n);
        }
    }

    fn finish(self, instant: Instant) -> InstanceStats {
        let bounds = [
            TTFT_BUCKETS,
            ITL_BUCKETS,
            REQUEST_BUCKETS,
            REQUEST_BUCKETS,
            REQUEST_BUCKETS,
            REQUEST_BUCKETS,
            RENDER_BUCKETS,
        ];
        let [ttft, itl, e2e, queue, prefill, decode, render] =
            std::array::from_fn(|i| self.hists[i].finish(bounds[i]));
        InstanceStats {
            instant,
            requests_ok: self.ok.floor(),
            requests_failed: self.failed.floor(),
            prompt_tokens: self.prompt.floor(),
            generation_tokens: self.generated.floor(),
            preemptions: self.preempted.floor(),
            ttft,
            itl,
            e2e,
            queue,
            prefill,
            decode,
            render,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_intervals_keep_buckets_cumulative_and_growing_in_step() {
        let bounds = [0.5, 1.0, 2.0];
        let dist = LogNormal {
            median: 0.9,
            sigma: 0.6,
        };
        let mut acc = HistAcc::default();
        let mut last: Option<Cumulative> = None;
        for _ in 0..400 {
            acc.add(&bounds, dist, 0.37);
            let h = acc.finish(&bounds);
            let counts: Vec<u64> = h.buckets.iter().map(|b| b.1).chain([h.count]).collect();
            assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
            if let Some(prev) = &last {
                let before: Vec<u64> = prev
                    .buckets
                    .iter()
                    .map(|b| b.1)
                    .chain([prev.count])
                    .collect();
                let grew: Vec<u64> = counts.iter().zip(&before).map(|(a, b)| a - b).collect();
                assert!(
                    grew.windows(2).all(|w| w[0] <= w[1]),
                    "{before:?} -> {counts:?}"
                );
                assert!(h.sum >= prev.sum);
            }
            last = Some(h);
        }
        // Whole requests lag the mass by less than one per interval.
        let h = last.expect("filled");
        let n = 400.0 * 0.37;
        assert!(
            h.count as f64 <= n && h.count as f64 > n - 4.0,
            "{}",
            h.count
        );
        assert!((h.sum - n * dist.mean()).abs() < 1e-6);
    }
}
