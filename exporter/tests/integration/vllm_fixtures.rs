//! Normalisation across vLLM versions, on real expositions of vLLM 0.6.3 (V0), 0.8.5 (early
//! V1), 0.10.1 (after the KV-cache rename, old name still there), 0.33.0 (`current`) and
//! 0.34.0 (adds the API-server render histogram) (tests/fixtures/upstream/vllm, provenance in
//! each file's `# llmmon-fixture:` lines). Every version gives the same core families; the
//! normalised output is compared with golden files.

use std::path::PathBuf;

use llmmon_core::exposition::render;
use llmmon_core::scrape;
use llmmon_exporter::vllm::{
    normalize, render as render_vllm, EngineStats, VllmInstance, VllmState,
};

const FIXTURES: [(&str, &str); 5] = [
    ("v0.6.3.prom", "0.6.3"),
    ("v0.8.5.prom", "0.8.5"),
    ("v0.10.1.prom", "0.10.1"),
    ("current.prom", "current"),
    ("v0.34.0.prom", "0.34.0"),
];

fn fixture(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/upstream/vllm")
        .join(file);
    std::fs::read_to_string(&path).expect("fixture")
}

fn read(file: &str) -> (EngineStats, bool, String) {
    read_text(file, &fixture(file))
}

fn read_text(file: &str, text: &str) -> (EngineStats, bool, String) {
    let s = scrape::parse(text).expect("a real vLLM exposition parses (colon names, histograms)");
    let models = normalize::models(&s);
    assert_eq!(models.len(), 1, "{file}: {models:?}");
    (
        normalize::engine_stats(&s, &models[0]),
        normalize::is_v0(&s),
        models[0].clone(),
    )
}

#[test]
fn every_version_yields_the_core_families() {
    for (file, _) in FIXTURES {
        let (s, _, _) = read(file);
        assert!(
            s.running.is_some() && s.waiting.is_some(),
            "{file}: batch and queue"
        );
        assert!(
            s.kv_cache_usage.is_some_and(|k| (0.0..=1.0).contains(&k)),
            "{file}: KV cache 0-1"
        );
        assert!(
            s.prompt_tokens.is_some() && s.generation_tokens.is_some(),
            "{file}: tokens"
        );
        assert!(!s.success.is_empty(), "{file}: finished requests by reason");
        for (name, h) in [
            ("ttft", &s.ttft),
            ("itl", &s.inter_token_latency),
            ("e2e", &s.e2e_latency),
        ] {
            let h = h
                .as_ref()
                .unwrap_or_else(|| panic!("{file}: {name} histogram"));
            assert!(
                h.buckets
                    .windows(2)
                    .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
                "{file}: {name} cumulative"
            );
            assert!(
                h.buckets.last().is_some_and(|b| b.1 <= h.count),
                "{file}: {name} <= count"
            );
        }
        // vLLM 0.6's multiprocess registry holds only vllm:* families: no HTTP counters, so
        // its error count is absent (not zero).
        assert_eq!(
            s.errors.is_some(),
            !file.starts_with("v0.6"),
            "{file}: HTTP error count"
        );
    }
}

#[test]
fn v0_only_series_exist_only_for_v0_and_prefix_counters_only_for_v1() {
    for (file, _) in FIXTURES {
        let (s, v0, _) = read(file);
        assert_eq!(v0, file.starts_with("v0.6"), "{file}: engine generation");
        assert_eq!(s.swapped.is_some(), v0, "{file}: num_requests_swapped");
        assert_eq!(
            s.cpu_cache_usage.is_some(),
            v0,
            "{file}: cpu_cache_usage_perc"
        );
        assert_eq!(
            s.prefix_cache_queries.is_some(),
            !v0,
            "{file}: prefix cache counters"
        );
    }
}

#[test]
fn only_0_34_has_the_render_stage_and_older_versions_leave_it_absent() {
    for (file, _) in FIXTURES {
        let (s, _, _) = read(file);
        assert_eq!(
            s.render_time.is_some(),
            file == "v0.34.0.prom",
            "{file}: render histogram present only where vLLM exposes it"
        );
    }
    let (s, _, _) = read("v0.34.0.prom");
    let render = s.render_time.expect("0.34 render histogram");
    // vllm/renderers/metrics.py's own buckets, 0.1 ms to 10 s (+Inf dropped).
    let bounds: Vec<f64> = render.buckets.iter().map(|b| b.0).collect();
    assert_eq!(
        bounds,
        [
            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            2.5, 5.0, 10.0
        ]
    );
    assert_eq!(render.count, 3583);
    assert!(
        (render.sum - 14.345322304987624).abs() < 1e-9,
        "{}",
        render.sum
    );
    // Rendering happens before the engine sees a request: every rendered request counts,
    // finished or still in flight, so there are more renders than finished requests.
    let e2e = s.e2e_latency.expect("e2e").count;
    assert_eq!(e2e, 3536);
    assert!(render.count > e2e);
}

#[test]
fn render_time_adds_up_the_request_types() {
    // The fixture serves only chat; a server that also answers /v1/completions has a second
    // child (same buckets, no engine label). Normalised, the two are one histogram.
    let text = fixture("v0.34.0.prom");
    let completion: String = text
        .lines()
        .filter(|l| l.starts_with("vllm:request_render_duration_seconds_"))
        .filter(|l| !l.contains("_created"))
        .map(|l| {
            format!(
                "{}\n",
                l.replace("request_type=\"chat\"", "request_type=\"completion\"")
            )
        })
        .collect();
    assert!(!completion.is_empty());
    let both = text.replacen(
        "# HELP vllm:request_render_duration_seconds_created",
        &format!("{completion}# HELP vllm:request_render_duration_seconds_created"),
        1,
    );
    let (one, _, _) = read("v0.34.0.prom");
    let (two, _, _) = read_text("v0.34.0.prom + completion", &both);
    let (one, two) = (
        one.render_time.expect("chat"),
        two.render_time.expect("both"),
    );
    assert_eq!(two.count, 2 * one.count);
    assert!((two.sum - 2.0 * one.sum).abs() < 1e-9);
    for (a, b) in one.buckets.iter().zip(&two.buckets) {
        assert_eq!((a.0, 2 * a.1), *b);
    }
}

#[test]
fn the_renamed_kv_cache_metric_wins_over_its_deprecated_twin() {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/upstream/vllm/v0.10.1.prom"),
    )
    .expect("fixture");
    let s = scrape::parse(&text).expect("parses");
    let new = s
        .value("vllm:kv_cache_usage_perc", &[])
        .expect("new name present");
    let (stats, _, _) = read("v0.10.1.prom");
    assert_eq!(stats.kv_cache_usage, Some(new));
}

#[test]
fn normalised_output_matches_golden_files() {
    for (file, version) in FIXTURES {
        let (stats, v0, model) = read(file);
        let inst = VllmInstance {
            container: "vllm-fixture".into(),
            model,
            vllm_version: version.into(),
            engine: if v0 { "v0" } else { "v1" }.into(),
            state: VllmState::Ready,
            stats: Some(stats),
            ..VllmInstance::default()
        };
        let text = render(&render_vllm(&[inst]));
        let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/golden/vllm_{version}.prom"));
        if std::env::var_os("LLMMON_UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &text).expect("write golden");
            continue;
        }
        let want = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} (LLMMON_UPDATE_GOLDEN=1)", golden.display()));
        assert_eq!(text, want, "{file} normalises differently than before");
    }
}
