//! Every simulated role's exposition through the shared layer's renderers and readers: the
//! text rendering converted to OpenMetrics equals the native encoder's, and the fast
//! exposition reader takes all of it and reads it as the full parser does.

use llmmon_core::clock;
use llmmon_core::exposition::{canonical, render, render_openmetrics, to_openmetrics};
use llmmon_core::scrape::{fast::parse_common, parse, parse_full};
use llmmon_core::Role;
use llmmon_exporter::vllm::normalize;
use llmmon_sim::fleet::ModelType;
use llmmon_sim::upstreams::vllm::{exposition, Generation};
use llmmon_sim::{Conditions, Scenario, Simulator};

#[tokio::test]
async fn every_simulated_role_converts_to_what_the_native_encoder_writes() {
    // As a role serves: the simulator started now, read a minute later.
    let t = clock::now();
    let sim = Simulator::new(42, 1, Conditions::default(), t);
    for role in Role::ALL {
        let mut set = llmmon_exporter::wiring::sim_role_metrics(&sim, role, t + 60.0)
            .await
            .expect("metrics");
        set.extend(sim.status_metrics(t + 60.0));
        let om = to_openmetrics(&render(&set));
        assert_eq!(
            canonical(&om),
            canonical(&render_openmetrics(&set)),
            "{role}"
        );
        let parsed = openmetrics_parser::openmetrics::parse_openmetrics(&om)
            .unwrap_or_else(|e| panic!("{role}: {e:?}"));
        assert_eq!(parsed.families.len(), set.families().count(), "{role}");
    }
}

#[tokio::test]
async fn every_simulated_role_reads_the_same_and_quickly() {
    for scenario in [Scenario::Normal, Scenario::Degraded] {
        let conditions = Conditions {
            scenario,
            ..Conditions::default()
        };
        let sim = Simulator::new(7, 1, conditions, 1_795_611_600.0);
        for role in Role::ALL {
            let Ok(m) =
                llmmon_exporter::wiring::sim_role_metrics(&sim, role, 1_795_615_200.0).await
            else {
                continue;
            };
            let text = render(&m);
            assert!(
                parse_common(&text).is_some(),
                "{role} left to the full parser"
            );
            assert_eq!(parse(&text), parse_full(&text), "{role}");
        }
    }
}

/// 2026-11-25 14:00 UTC, the daily peak.
const PEAK: f64 = 1_795_615_200.0;

/// The exporter's vLLM reader over the simulator's exposition of every version.
#[test]
fn only_0_34_exposes_the_render_stage_and_its_counts_only_grow() {
    let sim = Simulator::new(42, 1, Conditions::default(), PEAK);
    let mut last: Option<(u64, Vec<u64>)> = None;
    for t in [PEAK, PEAK + 600.0, PEAK + 3_600.0] {
        let mut with_render = 0;
        for inst in sim.vllm_instances(t) {
            let spec = sim.fleet().vllm_spec(&inst.container).expect("spec");
            let stats = inst.stats.clone().expect("normal scenario: all serve");
            let text = exposition(spec, &inst, &stats);
            let read = normalize::engine_stats(&parse(&text).expect("parses"), &inst.model);
            let expected = Generation::of(&inst.vllm_version).render_duration
                && spec.model_type == ModelType::Llm;
            assert_eq!(
                read.render_time.is_some(),
                expected,
                "{} {}",
                inst.container,
                inst.vllm_version
            );
            assert_eq!(
                text.contains("vllm:request_render_duration_seconds"),
                expected,
                "{}",
                inst.container
            );
            let Some(h) = read.render_time else { continue };
            with_render += 1;
            assert_eq!(Some(&h), stats.render_time.as_ref(), "read back as served");
            let bounds: Vec<f64> = h.buckets.iter().map(|b| b.0).collect();
            assert_eq!(bounds, llmmon_sim::traffic::RENDER_BUCKETS);
            assert!(h.buckets.windows(2).all(|w| w[0].1 <= w[1].1));
            assert!(h.count > 0 && h.buckets.last().is_some_and(|b| b.1 <= h.count));
            // Mostly milliseconds: the median request renders in under 10 ms.
            let under_10ms = h.buckets.iter().find(|b| b.0 == 0.01).expect("10 ms").1;
            assert!(2 * under_10ms > h.count, "{h:?}");
            let counts: Vec<u64> = h.buckets.iter().map(|b| b.1).collect();
            if let Some((count, buckets)) = &last {
                assert!(h.count >= *count, "count fell: {} < {count}", h.count);
                assert!(counts.iter().zip(buckets).all(|(a, b)| a >= b));
            }
            last = Some((h.count, counts));
        }
        assert_eq!(with_render, 1, "one simulated container runs vLLM 0.34");
    }
}
