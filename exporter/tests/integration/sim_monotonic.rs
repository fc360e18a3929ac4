//! The simulator's counters are integrals of non-negative rates over the timeline of
//! conditions, so they never go backwards, whatever scenarios and faults are switched when.
//!
//! A property test drives random sequences of scenario and fault switches at random times and
//! samples every view the simulator serves at random increasing times: each role's exposition
//! (the real collectors reading the simulated upstreams, node_exporter / cAdvisor /
//! dcgm-exporter stand-ins) and the upstream expositions in their own shapes (every vLLM
//! server's `/metrics`, LiteLLM's `/metrics`). Every counter, and every `_bucket`, `_count`
//! and `_sum` of every histogram, must never decrease from one sample to a later one (a series
//! that disappears, e.g. while its server is stopped, must come back no lower); within a
//! scrape the buckets are cumulative and `+Inf` equals the count; across two samples no
//! bucket grows more than a higher one (otherwise `histogram_quantile(rate(…))` is
//! nonsense).
//!
//! A second test reads the E2E p95 off the bucket deltas over one minute, as `llmmon top`
//! does, and wants plausible latencies in every scenario.

use llmmon_core::scrape::quantile::from_deltas;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use tower::ServiceExt;

use llmmon_core::clock::fixed_clock;
use llmmon_core::exposition::{MetricSet, Value};
use llmmon_core::role::Role;
use llmmon_sim::fleet::FLEET_EPOCH;
use llmmon_sim::traffic::{Traffic, REQUEST_BUCKETS};
use llmmon_sim::{upstreams, Conditions, Fault, Scenario, Simulator};

const DAY: f64 = 86_400.0;
/// Docker's restart count is a gauge in our schema but only ever grows while the container
/// is not recreated (the simulator never recreates one).
const RESTARTS: &str = "llm_monitor_container_restarts";

/// One value the checks follow from sample to sample.
#[derive(Debug, Clone, PartialEq)]
enum Obs {
    Counter(f64),
    Histogram {
        buckets: Vec<(f64, f64)>,
        sum: f64,
        count: f64,
    },
}

/// Every counter and histogram of every view at one time, keyed by view, family and labels.
type Observation = BTreeMap<String, Obs>;

/// A role's metrics as its collectors produce them (what the exporter renders).
fn observe_set(into: &mut Observation, view: &str, m: &MetricSet) {
    for (def, samples) in m.families() {
        for s in samples {
            let obs = match &s.value {
                Value::Counter(v) => Obs::Counter(*v),
                Value::Gauge(v) if def.name == RESTARTS => Obs::Counter(*v),
                Value::Gauge(_) => continue,
                Value::Histogram {
                    buckets,
                    sum,
                    count,
                } => Obs::Histogram {
                    // The encoder adds +Inf as the count.
                    buckets: buckets
                        .iter()
                        .map(|(le, n)| (*le, *n as f64))
                        .chain([(f64::INFINITY, *count as f64)])
                        .collect(),
                    sum: *sum,
                    count: *count as f64,
                },
            };
            into.insert(format!("{view} {}{:?}", def.name, s.labels), obs);
        }
    }
}

/// Splits the `le` label off the labels of a bucket line: (le, the other labels).
fn split_le(labels: &str) -> Option<(&str, String)> {
    let at = if labels.starts_with("le=\"") {
        0
    } else {
        labels.find(",le=\"")? + 1
    };
    let value_from = at + "le=\"".len();
    let len = labels[value_from..].find('"')?;
    let le = &labels[value_from..value_from + len];
    let before = labels[..at].trim_end_matches(',');
    let after = labels[value_from + len + 1..].trim_start_matches(',');
    let sep = if before.is_empty() || after.is_empty() {
        ""
    } else {
        ","
    };
    Some((le, format!("{before}{sep}{after}")))
}

/// The counters and histograms of a text exposition in an upstream's own shape, read line
/// by line (on its own, so the checks do not rest on the parser under test elsewhere).
fn observe_text(into: &mut Observation, view: &str, text: &str) -> Result<(), String> {
    type Parts = (Vec<(f64, f64)>, Option<f64>, Option<f64>);
    let mut kinds: BTreeMap<&str, &str> = BTreeMap::new();
    let mut hists: BTreeMap<String, Parts> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').ok_or("bad TYPE line")?;
            kinds.insert(name, kind);
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = || format!("{view}: bad line: {line}");
        let (series, value) = line.rsplit_once(' ').ok_or_else(bad)?;
        let value: f64 = value.parse().map_err(|_| bad())?;
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n, l.strip_suffix('}').ok_or_else(bad)?),
            None => (series, ""),
        };
        let kind = |n: &str| kinds.get(n).copied();
        let hist_part = ["_bucket", "_count", "_sum"]
            .into_iter()
            .find_map(|suffix| {
                let base = name.strip_suffix(suffix)?;
                (kind(base) == Some("histogram")).then_some((base, suffix))
            });
        if let Some((base, suffix)) = hist_part {
            let (le, rest) = match suffix {
                "_bucket" => {
                    let (le, rest) = split_le(labels).ok_or_else(bad)?;
                    (Some(le), rest)
                }
                _ => (None, labels.to_owned()),
            };
            let h = hists.entry(format!("{view} {base}{{{rest}}}")).or_default();
            match (suffix, le) {
                ("_bucket", Some("+Inf")) => h.0.push((f64::INFINITY, value)),
                ("_bucket", Some(le)) => h.0.push((le.parse().map_err(|_| bad())?, value)),
                ("_count", _) => h.2 = Some(value),
                _ => h.1 = Some(value),
            }
        } else if kind(name) == Some("counter")
            || name
                .strip_suffix("_total")
                .is_some_and(|b| kind(b) == Some("counter"))
        {
            into.insert(format!("{view} {name}{{{labels}}}"), Obs::Counter(value));
        }
    }
    for (key, (buckets, sum, count)) in hists {
        let (Some(sum), Some(count)) = (sum, count) else {
            return Err(format!("{key}: histogram without _sum or _count"));
        };
        into.insert(
            key,
            Obs::Histogram {
                buckets,
                sum,
                count,
            },
        );
    }
    Ok(())
}

async fn get(sim: &Arc<Simulator>, t: f64, path: &str) -> Option<String> {
    let req = Request::get(path).body(Body::empty()).expect("request");
    let resp = upstreams::router(sim.clone(), fixed_clock(t))
        .oneshot(req)
        .await
        .expect("response");
    if resp.status() != StatusCode::OK {
        return None;
    }
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .expect("body");
    Some(String::from_utf8_lossy(&body).into_owned())
}

/// Roles whose collectors read the simulated upstreams over the in-process HTTP transport:
/// the costly views, sampled on the `full` samples only (their series are still compared
/// with their previous sample, across every switch in between).
const PIPELINE_ROLES: [Role; 3] = [Role::Vllm, Role::Litellm, Role::Langfuse];

/// What the simulator serves at time t: the roles' metrics as their collectors give them,
/// and the upstream expositions in their own shapes (every vLLM server's `/metrics`; on a
/// `full` sample also LiteLLM's `/metrics` and the roles that read the upstreams).
async fn observation(sim: &Arc<Simulator>, t: f64, full: bool) -> Result<Observation, String> {
    let mut obs = Observation::new();
    for role in Role::ALL {
        if !full && PIPELINE_ROLES.contains(&role) {
            continue;
        }
        // A role whose upstream is down (Langfuse under `upstream_down`) has nothing to say.
        if let Ok(m) = llmmon_exporter::wiring::sim_role_metrics(sim, role, t).await {
            observe_set(&mut obs, &format!("role:{role:?}"), &m);
        }
    }
    for spec in &sim.fleet().vllm {
        let path = format!("/vllm/{}/metrics", spec.container);
        if let Some(text) = get(sim, t, &path).await {
            observe_text(&mut obs, &path, &text)?;
        }
    }
    if full {
        let litellm = get(sim, t, "/litellm/metrics")
            .await
            .ok_or("LiteLLM's /metrics always answers")?;
        observe_text(&mut obs, "/litellm/metrics", &litellm)?;
    }
    Ok(obs)
}

/// Within one scrape: buckets cumulative, `+Inf` equal to the count, nothing negative.
fn check_scrape(key: &str, o: &Obs) -> Result<(), String> {
    match o {
        Obs::Counter(v) if *v < 0.0 || !v.is_finite() => Err(format!("{key}: counter {v}")),
        Obs::Counter(_) => Ok(()),
        Obs::Histogram {
            buckets,
            sum,
            count,
        } => {
            if buckets
                .windows(2)
                .any(|w| w[0].0 >= w[1].0 || w[0].1 > w[1].1)
            {
                return Err(format!("{key}: buckets not cumulative: {buckets:?}"));
            }
            match buckets.last() {
                Some((le, n)) if le.is_infinite() && n == count => {}
                _ => return Err(format!("{key}: +Inf is not the count {count}: {buckets:?}")),
            }
            if *sum < 0.0 || !sum.is_finite() {
                return Err(format!("{key}: sum {sum}"));
            }
            Ok(())
        }
    }
}

/// From an earlier to a later sample of the same series: nothing decreases, and no bucket
/// grows more than a higher bucket.
fn check_step(key: &str, before: &Obs, after: &Obs, when: (f64, f64)) -> Result<(), String> {
    let at = format!("{key} between t={} and t={}", when.0, when.1);
    match (before, after) {
        (Obs::Counter(a), Obs::Counter(b)) => {
            if b < a {
                return Err(format!("{at}: counter went back {a} -> {b}"));
            }
        }
        (
            Obs::Histogram {
                buckets: ba,
                sum: sa,
                count: ca,
            },
            Obs::Histogram {
                buckets: bb,
                sum: sb,
                count: cb,
            },
        ) => {
            if cb < ca {
                return Err(format!("{at}: _count went back {ca} -> {cb}"));
            }
            if sb < sa {
                return Err(format!("{at}: _sum went back {sa} -> {sb}"));
            }
            let bounds = |b: &[(f64, f64)]| b.iter().map(|x| x.0).collect::<Vec<_>>();
            if bounds(ba) != bounds(bb) {
                return Err(format!("{at}: bucket bounds changed"));
            }
            let deltas: Vec<(f64, f64)> =
                ba.iter().zip(bb).map(|(x, y)| (x.0, y.1 - x.1)).collect();
            if let Some((le, d)) = deltas.iter().find(|(_, d)| *d < 0.0) {
                return Err(format!("{at}: bucket le={le} went back by {d}"));
            }
            if let Some(w) = deltas.windows(2).find(|w| w[0].1 > w[1].1) {
                return Err(format!(
                    "{at}: bucket le={} grew by {} but le={} only by {}",
                    w[0].0, w[0].1, w[1].0, w[1].1
                ));
            }
        }
        _ => return Err(format!("{at}: changed type")),
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Event {
    Switch(Conditions),
    /// A sample; `full` ones also read the costly views.
    Sample {
        full: bool,
    },
}

fn conditions() -> impl Strategy<Value = Conditions> {
    (0..Scenario::ALL.len(), 0u32..(1 << Fault::ALL.len())).prop_map(|(s, mask)| Conditions {
        scenario: Scenario::ALL[s],
        faults: Fault::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| mask >> i & 1 == 1)
            .map(|(_, f)| *f)
            .collect(),
    })
}

/// Gaps between events: the same instant, a scrape interval, minutes (crash-loop cycles)
/// or hours (across midnight).
fn gap() -> impl Strategy<Value = f64> {
    prop_oneof![
        1 => Just(0.0),
        3 => 0.001f64..15.0,
        3 => 15.0f64..600.0,
        1 => 600.0f64..DAY,
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        2 => conditions().prop_map(Event::Switch),
        3 => prop::bool::weighted(0.25).prop_map(|full| Event::Sample { full }),
    ]
}

#[derive(Debug, Clone)]
struct Story {
    seed: u64,
    start: f64,
    initial: Conditions,
    events: Vec<(f64, Event)>,
}

fn story() -> impl Strategy<Value = Story> {
    (
        any::<u64>(),
        (10.0 * DAY)..(400.0 * DAY),
        conditions(),
        prop::collection::vec((gap(), event()), 2..9),
    )
        .prop_map(|(seed, offset, initial, events)| Story {
            seed,
            start: FLEET_EPOCH + offset,
            initial,
            events,
        })
}

/// Plays the story; Err with what went wrong first.
async fn play(story: &Story) -> Result<(), String> {
    let sim = Simulator::new(story.seed, 1, story.initial.clone(), story.start);
    let mut t = story.start;
    let mut last: BTreeMap<String, (f64, Obs)> = BTreeMap::new();
    // The last sample, while no switch has happened at its time since.
    let mut latest: Option<(f64, bool, Observation)> = None;
    for (gap, e) in &story.events {
        t += gap;
        match e {
            Event::Switch(c) => {
                sim.set_conditions(t, c.clone());
                latest.take_if(|(at, _, _)| *at >= t);
            }
            Event::Sample { full } => {
                let obs = observation(&sim, t, *full).await?;
                // Some instances serve under any conditions: the checks must see histograms.
                if !obs
                    .keys()
                    .any(|k| k.contains("vllm:e2e_request_latency_seconds"))
                {
                    return Err(format!("no vLLM e2e histogram at t={t}"));
                }
                for (key, o) in &obs {
                    check_scrape(key, o)?;
                    if let Some((when, before)) = last.get(key) {
                        check_step(key, before, o, (*when, t))?;
                    }
                    last.insert(key.clone(), (t, o.clone()));
                }
                latest = Some((t, *full, obs));
            }
        }
    }
    // Determinism: the same seed and timeline give the same values at the same time, however
    // often and in whatever order the simulator was asked before.
    if let Some((at, full, obs)) = latest {
        if observation(&sim, at, full).await? != obs {
            return Err(format!("the values at t={at} changed when asked again"));
        }
    }
    Ok(())
}

#[test]
fn counters_and_histograms_never_go_backwards_over_random_switches() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // A fixed seed keeps CI reproducible; PROPTEST_RNG_SEED explores others.
    let defaults = Config::default();
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x11e_0018),
        fixed => fixed,
    };
    let mut runner = TestRunner::new(Config {
        cases: 64,
        failure_persistence: None,
        rng_seed,
        ..defaults
    });
    let result = runner.run(&story(), |s| {
        rt.block_on(play(&s)).map_err(TestCaseError::fail)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// E2E histograms of every serving instance at time t, by model, `+Inf` included.
fn e2e_by_model(sim: &Simulator, t: f64) -> BTreeMap<String, Vec<(f64, f64)>> {
    sim.vllm_instances(t)
        .into_iter()
        .filter_map(|i| {
            let h = i.stats?.e2e_latency?;
            let mut b: Vec<(f64, f64)> = h.buckets.iter().map(|(l, c)| (*l, *c as f64)).collect();
            b.push((f64::INFINITY, h.count as f64));
            Some((i.model, b))
        })
        .collect()
}

#[test]
fn e2e_p95_over_a_minute_is_plausible_in_every_scenario() {
    /// 2026-11-25 14:00 UTC, the daily peak, and the quiet night 12 hours later.
    const PEAK: f64 = 1_795_615_200.0;
    let mut failures = Vec::new();
    let mut typical_p95 = BTreeMap::new();
    for scenario in Scenario::ALL {
        let conditions = Conditions {
            scenario,
            faults: Default::default(),
        };
        for (when, start) in [("peak", PEAK), ("night", PEAK + 12.0 * 3600.0)] {
            let sim = Simulator::new(7, 1, Conditions::default(), start - 3600.0);
            sim.set_conditions(start, conditions.clone());
            let mut p95s: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            // One-minute windows from five minutes after the switch on, for half an hour.
            for w in 0..30 {
                let t = start + 300.0 + 60.0 * f64::from(w);
                let (older, newer) = (e2e_by_model(&sim, t), e2e_by_model(&sim, t + 60.0));
                for (model, new) in &newer {
                    let Some(old) = older.get(model) else {
                        continue;
                    };
                    if let Some(p) = from_deltas(0.95, new, old) {
                        p95s.entry(model.clone()).or_default().push(p);
                    }
                }
            }
            assert!(p95s.len() >= 6, "{scenario} {when}: {p95s:?}");
            for (model, mut ps) in p95s {
                let spec = sim
                    .fleet()
                    .vllm_spec(&format!("vllm-{}", model.replace('.', "-")));
                let spec = spec.unwrap_or_else(|| panic!("spec of {model}"));
                let dist = Traffic::e2e_dist(spec, &conditions);
                // The bucket bounds around a latency: (the bound below it, the one above).
                let edges = |x: f64| {
                    let mut below = REQUEST_BUCKETS.iter().copied().filter(|le| *le < x);
                    let above = REQUEST_BUCKETS.iter().copied().find(|le| *le >= x);
                    (
                        below.next_back().unwrap_or(0.0),
                        above.unwrap_or(f64::INFINITY),
                    )
                };
                // A window holds a handful of requests, so its p95 is about their slowest:
                // never beyond the bucket of the distribution's 99.99th percentile (bucket
                // counts lagging one another gave p95s of hundreds of seconds).
                let far = dist.quantile(0.9999);
                let worst = ps.iter().copied().fold(0.0, f64::max);
                if worst > edges(far).1 {
                    failures.push(format!(
                        "{scenario} {when} {model}: a one-minute p95 of {worst:.1} s (p99.99 {far:.1} s)"
                    ));
                }
                // The typical window lies between the distribution's median and its 99th
                // percentile, to the resolution of the buckets.
                ps.sort_by(f64::total_cmp);
                let typical = ps[ps.len() / 2];
                let (lo, hi) = (edges(dist.quantile(0.5)).0, edges(dist.quantile(0.99)).1);
                if !(lo..=hi).contains(&typical) {
                    failures.push(format!(
                        "{scenario} {when} {model}: typical one-minute p95 {typical:.2} s, not in \
                         [{lo}, {hi}] s"
                    ));
                }
                // Seconds to tens of seconds for chat models, under a second for the
                // embedding and reranking ones.
                let plausible = if spec.generation_tokens > 0.0 {
                    (1.0..120.0).contains(&typical)
                } else {
                    typical < 1.0
                };
                if !plausible {
                    failures.push(format!(
                        "{scenario} {when} {model}: typical p95 {typical:.2} s"
                    ));
                }
                typical_p95.insert(format!("{scenario} {when} {model}"), typical);
            }
        }
    }
    eprintln!("typical one-minute E2E p95 (s): {typical_p95:?}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
