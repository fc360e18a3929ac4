//! Properties of the fleet simulator: deterministic for a seed, scenarios and faults move the
//! numbers the way their names promise, values stay physical, counters never go backwards,
//! and the views agree with each other.

use std::collections::BTreeSet;

use llmmon_core::exposition::{render, MetricSet, Value};
use llmmon_core::schema::*;
use llmmon_exporter::containers::{ContainerHealth, ContainerState};
use llmmon_exporter::vllm::{VllmInstance, VllmState};
use llmmon_sim::{Conditions, Fault, Scenario, Simulator};

/// A Tuesday afternoon (UTC) in November 2026.
const T: f64 = 1_795_620_000.0;
const HOUR: f64 = 3600.0;
const DAY: f64 = 86_400.0;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn sim(scenario: Scenario, faults: &[Fault]) -> std::sync::Arc<Simulator> {
    let conditions = Conditions {
        scenario,
        faults: faults.iter().copied().collect(),
    };
    // Faults switch on an hour before T, as if an operator had flipped them then.
    Simulator::new(7, 1, conditions, T - HOUR)
}

fn gauge(m: &MetricSet, def: &MetricDef, labels: &[&str]) -> f64 {
    match m.value(def, labels) {
        Some(Value::Gauge(v)) | Some(Value::Counter(v)) => *v,
        other => panic!("{} {labels:?}: {other:?}", def.name),
    }
}

fn sum(m: &MetricSet, def: &MetricDef) -> f64 {
    m.samples(def)
        .iter()
        .map(|s| match s.value {
            Value::Gauge(v) | Value::Counter(v) => v,
            Value::Histogram { .. } => 0.0,
        })
        .sum()
}

fn mean_gpu_util(s: &Simulator, t: f64) -> f64 {
    let inv = s.gpu_inventory(t);
    inv.gpus.iter().filter_map(|g| g.utilization).sum::<f64>() / inv.gpus.len() as f64
}

fn total_waiting(instances: &[VllmInstance]) -> f64 {
    instances
        .iter()
        .filter_map(|i| i.stats.as_ref()?.waiting)
        .sum()
}

fn requests(instances: &[VllmInstance]) -> (f64, f64) {
    instances
        .iter()
        .filter_map(|i| i.stats.as_ref())
        .fold((0.0, 0.0), |(ok, err), s| {
            let succ: f64 = s.success.iter().map(|(_, v)| v).sum();
            (ok + succ, err + s.errors.unwrap_or(0.0))
        })
}

#[test]
fn the_same_seed_gives_the_same_server_and_another_seed_does_not() {
    let a = sim(Scenario::Normal, &[]);
    let b = sim(Scenario::Normal, &[]);
    let c = Simulator::new(8, 1, Conditions::default(), T - HOUR);
    for t in [T, T + 17.0, T + DAY] {
        assert_eq!(render(&a.node_metrics(t)), render(&b.node_metrics(t)));
        assert_eq!(a.gpu_inventory(t), b.gpu_inventory(t));
        assert_eq!(a.vllm_instances(t), b.vllm_instances(t));
        assert_eq!(
            a.logs("litellm", t - 600.0, t, 100),
            b.logs("litellm", t - 600.0, t, 100)
        );
    }
    assert_ne!(a.gpu_inventory(T), c.gpu_inventory(T));
}

#[test]
fn high_load_raises_gpu_utilization_queue_depth_and_latency() {
    let normal = sim(Scenario::Normal, &[]);
    let high = sim(Scenario::HighLoad, &[]);
    assert!(mean_gpu_util(&high, T) > mean_gpu_util(&normal, T) + 0.2);
    let (wn, wh) = (
        total_waiting(&normal.vllm_instances(T)),
        total_waiting(&high.vllm_instances(T)),
    );
    assert!(wh > wn + 10.0, "waiting normal {wn}, high {wh}");
    let temp = |s: &Simulator| {
        s.gpu_inventory(T)
            .gpus
            .iter()
            .filter_map(|g| g.temperature_c)
            .fold(0.0, f64::max)
    };
    assert!(temp(&high) > temp(&normal));
    // Throughput: requests per minute over the last hour are four times higher.
    let rpm = |s: &Simulator| {
        let (ok1, e1) = requests(&s.vllm_instances(T));
        let (ok0, e0) = requests(&s.vllm_instances(T - HOUR));
        (ok1 + e1 - ok0 - e0) / 60.0
    };
    let (rn, rh) = (rpm(&normal), rpm(&high));
    assert!(rh > 3.0 * rn, "rpm normal {rn}, high {rh}");
}

#[test]
fn degraded_raises_errors_and_latency_and_marks_a_model_unhealthy() {
    let normal = sim(Scenario::Normal, &[]);
    let degraded = sim(Scenario::Degraded, &[]);
    let ratio = |s: &Simulator| {
        let (ok1, e1) = requests(&s.vllm_instances(T));
        let (ok0, e0) = requests(&s.vllm_instances(T - HOUR));
        (e1 - e0) / (ok1 + e1 - ok0 - e0)
    };
    assert!(
        ratio(&normal) < 0.01,
        "normal error ratio {}",
        ratio(&normal)
    );
    assert!(
        ratio(&degraded) > 0.05,
        "degraded error ratio {}",
        ratio(&degraded)
    );
    let (e2e_n, _) = latency(&normal);
    let (e2e_d, _) = latency(&degraded);
    assert!(
        e2e_d > 2.0 * e2e_n,
        "p95 e2e normal {e2e_n}, degraded {e2e_d}"
    );
    assert!(degraded
        .vllm_instances(T)
        .iter()
        .any(|i| i.state == VllmState::Unhealthy));
    assert!(normal
        .vllm_instances(T)
        .iter()
        .all(|i| i.state == VllmState::Ready));
}

/// Langfuse's p95 latency of the first LLM (e2e, ttft).
fn latency(s: &Simulator) -> (f64, f64) {
    let r = s.langfuse_reading(T).expect("langfuse up");
    let m = r
        .models
        .iter()
        .find(|m| m.latency_s[1].is_some())
        .expect("a serving model");
    (
        m.latency_s[1].unwrap_or_default(),
        m.ttft_s[1].unwrap_or_default(),
    )
}

#[test]
fn maintenance_takes_models_down_and_traffic_drops() {
    let s = sim(Scenario::Maintenance, &[]);
    let instances = s.vllm_instances(T);
    let stopped: Vec<_> = instances
        .iter()
        .filter(|i| i.state == VllmState::Stopped)
        .collect();
    assert!(stopped.len() >= 2, "{stopped:?}");
    assert!(
        stopped.iter().all(|i| i.stats.is_none()),
        "stopped instances serve nothing"
    );
    let containers = s.container_readings(T);
    for i in &stopped {
        let c = containers
            .iter()
            .find(|c| c.name == i.container)
            .expect("container");
        assert_eq!(c.state, Some(ContainerState::Exited));
    }
    let litellm = s.litellm_reading(T);
    let unhealthy = litellm
        .catalog
        .iter()
        .filter(|e| e.healthy == Some(false))
        .count();
    assert_eq!(unhealthy, stopped.len());
    let served = |s: &Simulator| {
        let (ok1, e1) = requests(&s.vllm_instances(T));
        let (ok0, e0) = requests(&s.vllm_instances(T - HOUR));
        ok1 + e1 - ok0 - e0
    };
    let normal = sim(Scenario::Normal, &[]);
    assert!(
        served(&s) < 0.5 * served(&normal),
        "traffic drops during maintenance"
    );
}

#[test]
fn gpu_overheat_heats_one_gpu_past_critical_and_throttles_it() {
    let s = sim(Scenario::Normal, &[Fault::GpuOverheat]);
    let inv = s.gpu_inventory(T);
    let hot: Vec<_> = inv
        .gpus
        .iter()
        .filter(|g| g.temperature_c > Some(85.0))
        .collect();
    assert_eq!(hot.len(), 1);
    let events = hot[0].clock_events.clone().unwrap_or_default();
    assert!(events.contains(&"hw_thermal_slowdown"), "{events:?}");
    let normal = sim(Scenario::Normal, &[]);
    assert!(normal
        .gpu_inventory(T)
        .gpus
        .iter()
        .all(|g| g.temperature_c < Some(75.0)));
}

#[test]
fn a_crash_loop_raises_the_restart_count_and_is_flagged() {
    let s = sim(Scenario::Normal, &[Fault::ContainerCrashLoop]);
    let restarts = |t: f64| {
        s.container_readings(t)
            .into_iter()
            .find(|c| c.crash_looping)
            .map(|c| c.restart_count)
    };
    let first = restarts(T).expect("a crash-looping container");
    let later = restarts(T + 600.0).expect("still crash-looping");
    assert!(later >= first + 9, "{first} → {later}");
    let states: BTreeSet<String> = (0..60)
        .map(|i| {
            s.container_readings(T + f64::from(i))
                .into_iter()
                .find(|c| c.crash_looping)
                .and_then(|c| c.state)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default()
        })
        .collect();
    assert!(
        states.contains("running") && states.contains("restarting"),
        "{states:?}"
    );
    let logs = s
        .logs("vllm-llama-3-1-8b", T - 120.0, T, 1000)
        .expect("container exists");
    assert!(
        logs.iter().any(|l| l.line.contains("CUDA error")),
        "the crash is in the log"
    );
}

#[test]
fn a_model_load_failure_keeps_the_instance_loading_and_logs_why() {
    let s = sim(Scenario::Normal, &[Fault::ModelLoadFailure]);
    let loading: Vec<_> = s
        .vllm_instances(T)
        .into_iter()
        .filter(|i| i.state == VllmState::Loading)
        .collect();
    assert_eq!(loading.len(), 1);
    let c = s
        .container_readings(T)
        .into_iter()
        .find(|c| c.name == loading[0].container)
        .expect("container");
    assert_eq!(c.health, ContainerHealth::Unhealthy);
    let logs = s
        .logs(&loading[0].container, T - 300.0, T, 1000)
        .expect("container exists");
    assert!(logs
        .iter()
        .any(|l| l.level == "error" && l.line.contains("KV cache")));
}

#[test]
fn upstream_down_fails_langfuse_and_one_vllm_backend() {
    let s = sim(Scenario::Normal, &[Fault::UpstreamDown]);
    assert!(s.langfuse_reading(T).is_err());
    assert_eq!(
        s.vllm_instances(T)
            .iter()
            .filter(|i| i.state == VllmState::Unhealthy)
            .count(),
        1
    );
    assert!(sim(Scenario::Normal, &[]).langfuse_reading(T).is_ok());
}

#[test]
fn an_error_burst_fails_a_tenth_of_requests_and_fills_logs_with_errors() {
    let s = sim(Scenario::Normal, &[Fault::ErrorBurst]);
    let (ok1, e1) = requests(&s.vllm_instances(T));
    let (ok0, e0) = requests(&s.vllm_instances(T - HOUR / 2.0));
    let ratio = (e1 - e0) / (ok1 + e1 - ok0 - e0);
    assert!(ratio > 0.10, "error ratio {ratio}");
    let error_share = |s: &Simulator| {
        let lines = s.logs("litellm", T - 1800.0, T, 5000).expect("litellm");
        lines.iter().filter(|l| l.level == "error").count() as f64 / lines.len().max(1) as f64
    };
    assert!(error_share(&s) > 5.0 * error_share(&sim(Scenario::Normal, &[])).max(0.005));
}

#[test]
fn readings_stay_within_physical_ranges_in_every_scenario() {
    for scenario in Scenario::ALL {
        let s = sim(scenario, &Fault::ALL);
        for step in 0..24 {
            let t = T + f64::from(step) * HOUR;
            for g in s.gpu_inventory(t).gpus {
                let util = g.utilization.expect("util");
                assert!((0.0..=1.0).contains(&util), "{scenario}: util {util}");
                let temp = g.temperature_c.expect("temp");
                assert!((20.0..=95.0).contains(&temp), "{scenario}: temp {temp}");
                assert!(
                    g.power_watts <= g.power_limit_watts,
                    "{scenario}: power over limit"
                );
                assert!(g.memory_used_bytes <= g.memory_total_bytes);
                assert_eq!(
                    g.memory_total_bytes,
                    Some(143_771 * 1024 * 1024),
                    "H200 as NVML reports it"
                );
            }
            for i in s.vllm_instances(t) {
                if let Some(st) = i.stats {
                    let kv = st.kv_cache_usage.expect("kv");
                    assert!((0.0..=1.0).contains(&kv), "{scenario}: kv {kv}");
                    assert!(st.running >= Some(0.0) && st.waiting >= Some(0.0));
                }
            }
        }
    }
}

#[test]
fn the_host_matches_the_reference_server_in_normal_operation() {
    let s = sim(Scenario::Normal, &[]);
    for step in 0..48 {
        let t = T + f64::from(step) * 1800.0;
        let (a, b) = (s.node_metrics(t - 600.0), s.node_metrics(t));
        let cpus: BTreeSet<&str> = b
            .samples(&NODE_CPU_SECONDS)
            .iter()
            .map(|x| x.labels[0].as_str())
            .collect();
        let idle: f64 = cpus
            .iter()
            .map(|c| {
                gauge(&b, &NODE_CPU_SECONDS, &[c, "idle"])
                    - gauge(&a, &NODE_CPU_SECONDS, &[c, "idle"])
            })
            .sum();
        let busy = 1.0 - idle / (600.0 * cpus.len() as f64);
        assert!(
            (0.19..=0.42).contains(&busy),
            "CPU busy {busy} at step {step}"
        );
        let used = gauge(&b, &NODE_MEM_TOTAL, &[]) - gauge(&b, &NODE_MEM_AVAILABLE, &[]);
        assert!(
            (19.0 * GIB..=41.0 * GIB).contains(&used),
            "memory used {}",
            used / GIB
        );
        let root = ["/dev/nvme0n1p2", "ext4", "/"];
        let disk_used = gauge(&b, &NODE_FS_SIZE, &root) - gauge(&b, &NODE_FS_FREE, &root);
        assert!(
            (200e9..=400e9).contains(&disk_used),
            "root disk used {disk_used}"
        );
    }
}

#[test]
fn traffic_is_ten_to_twenty_requests_a_minute_with_a_daily_pattern() {
    let s = sim(Scenario::Normal, &[]);
    let per_minute = |t: f64| {
        let (ok1, e1) = requests(&s.vllm_instances(t));
        let (ok0, e0) = requests(&s.vllm_instances(t - HOUR));
        (ok1 + e1 - ok0 - e0) / 60.0
    };
    let day_start = (T / DAY).floor() * DAY;
    let night = per_minute(day_start + 3.0 * HOUR);
    let peak = per_minute(day_start + 14.5 * HOUR);
    assert!(
        (9.0..=21.0).contains(&night) && (9.0..=21.0).contains(&peak),
        "{night} {peak}"
    );
    assert!(
        peak > night + 5.0,
        "daily pattern: night {night}, peak {peak}"
    );
}

#[test]
fn counters_never_go_backwards_even_across_a_scenario_switch() {
    let s = sim(Scenario::Normal, &[]);
    let mut prev = s.vllm_instances(T);
    let mut prev_node = s.node_metrics(T);
    for (i, scenario) in [Scenario::HighLoad, Scenario::Degraded, Scenario::Normal]
        .into_iter()
        .enumerate()
    {
        let t = T + 60.0 * (i as f64 + 1.0);
        s.set_conditions(
            t - 30.0,
            Conditions {
                scenario,
                faults: BTreeSet::new(),
            },
        );
        let now = s.vllm_instances(t);
        for (a, b) in prev.iter().zip(&now) {
            let (Some(x), Some(y)) = (&a.stats, &b.stats) else {
                continue;
            };
            assert!(
                y.prompt_tokens >= x.prompt_tokens,
                "{}: tokens went back",
                a.container
            );
            assert!(y.errors >= x.errors);
            let (hx, hy) = (
                x.e2e_latency.as_ref().expect("e2e"),
                y.e2e_latency.as_ref().expect("e2e"),
            );
            assert!(hy.count >= hx.count);
            for (bx, by) in hx.buckets.iter().zip(&hy.buckets) {
                assert!(by.1 >= bx.1, "{}: bucket {} went back", a.container, bx.0);
            }
        }
        let node = s.node_metrics(t);
        assert!(sum(&node, &NODE_CPU_SECONDS) > sum(&prev_node, &NODE_CPU_SECONDS));
        prev = now;
        prev_node = node;
    }
}

#[test]
fn histograms_are_cumulative_and_end_at_the_count() {
    let s = sim(Scenario::HighLoad, &[]);
    for i in s.vllm_instances(T) {
        let Some(st) = i.stats else { continue };
        for h in [
            &st.ttft,
            &st.inter_token_latency,
            &st.e2e_latency,
            &st.queue_time,
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                h.buckets.windows(2).all(|w| w[0].1 <= w[1].1),
                "{}",
                i.container
            );
            assert!(h.buckets.last().map_or(0, |b| b.1) <= h.count);
        }
    }
}

#[test]
fn the_views_agree_gpu_memory_follows_the_vllm_containers_on_each_gpu() {
    let s = sim(Scenario::Normal, &[]);
    let containers = s.container_readings(T);
    for g in s.gpu_inventory(T).gpus {
        let on_gpu: BTreeSet<String> = g
            .processes
            .iter()
            .filter_map(|p| p.container.clone())
            .collect();
        let assigned: BTreeSet<String> = containers
            .iter()
            .filter(|c| c.gpus.contains(&g.index) && c.state == Some(ContainerState::Running))
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(on_gpu, assigned, "GPU {}", g.index);
    }
    let idle = s
        .gpu_inventory(T)
        .gpus
        .iter()
        .filter(|g| g.processes.is_empty())
        .count();
    assert!((1..=2).contains(&idle), "{idle} idle GPUs");
}

#[test]
fn logs_look_like_the_real_programs_and_are_bounded() {
    let s = sim(Scenario::Normal, &[]);
    let vllm = s.logs("vllm-qwen3-32b", T - 120.0, T, 500).expect("exists");
    assert!(vllm
        .iter()
        .any(|l| l.line.contains("Avg prompt throughput")));
    assert!(vllm.iter().all(|l| l.ts > T - 120.0 && l.ts <= T));
    assert!(vllm.windows(2).all(|w| w[0].ts <= w[1].ts), "in time order");
    let pg = s
        .logs("litellm-postgres", T - 3600.0, T, 500)
        .expect("exists");
    assert!(pg.iter().any(|l| l.line.contains("LOG:  checkpoint")));
    assert_eq!(
        s.logs("litellm", T - 30.0 * DAY, T, 50)
            .expect("exists")
            .len(),
        50
    );
    assert!(s.logs("no-such-container", T - 60.0, T, 10).is_none());
}
