//! Real Prometheus scrapes every exporter role running on the simulator, using the shipped
//! local scrape config: every job is up and every schema family is there with exactly its
//! declared labels.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use llmmon_core::schema::{self, MetricDef, MetricKind};
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring;

use crate::support::{self, local_prometheus_config, wait_for, Prometheus};

/// Families that are absent by design on the simulated H200s: Hopper GPUs remap rows
/// instead of retiring pages, so NVML answers NotSupported and the series is left out.
const ABSENT_ON_H200: &[&MetricDef] = &[&schema::GPU_RETIRED_PAGES];
/// Families that exist only once something went wrong (the `normal` scenario has none):
/// the `gpu_xid` fault's tests see them.
const ONLY_WHEN_WRONG: &[&MetricDef] = &[
    &schema::GPU_XID_ERRORS,
    &schema::GPU_XID_LAST,
    &schema::GPU_HEALTH_PROBLEM,
];

/// Label names Prometheus adds or that belong to the series shape, not the family.
const TARGET_LABELS: [&str; 3] = ["job", "instance", "le"];

fn series_name(def: &MetricDef) -> String {
    match def.kind {
        MetricKind::Histogram => format!("{}_bucket", def.name),
        _ => def.name.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_every_role_and_finds_every_family_with_its_labels() {
    let running = wiring::start(
        &Settings::demo(Duration::from_secs(1)),
        &Role::ALL,
        SourceMode::Sim,
    )
    .await
    .expect("start roles");
    let addrs: Vec<_> = running.bound.iter().map(|b| (b.role, b.addr)).collect();
    let prom = Prometheus::start(&local_prometheus_config(&addrs, "1s")).await;

    let all_up = wait_for(Duration::from_secs(30), || {
        let prom = &prom;
        async move {
            let up = prom.query("up == 1").await;
            (up.len() == Role::ALL.len()).then_some(up)
        }
    })
    .await;
    let up = prom.query("up").await;
    assert!(all_up.is_some(), "not every job is up: {up:?}");

    for role in Role::ALL {
        let series = prom.query(&format!("{{job=\"{role}\"}}")).await;
        let mut labels_of: BTreeMap<String, BTreeSet<BTreeSet<String>>> = BTreeMap::new();
        for s in &series {
            let metric = s["metric"].as_object().expect("metric labels");
            let name = metric["__name__"].as_str().expect("name").to_owned();
            let labels: BTreeSet<String> = metric
                .keys()
                .filter(|k| *k != "__name__" && !TARGET_LABELS.contains(&k.as_str()))
                .cloned()
                .collect();
            labels_of.entry(name).or_default().insert(labels);
        }
        // The roles that read several endpoints of a service report each; the error family
        // appears only while one fails.
        let endpoints: &[&MetricDef] = match role {
            Role::Vllm | Role::Litellm | Role::Langfuse => &[&schema::ENDPOINT_UP],
            _ => &[],
        };
        let families = role
            .families()
            .iter()
            .chain(schema::EXPORTER_FAMILIES)
            .chain(schema::SIM_FAMILIES)
            .chain(endpoints);
        for def in families {
            let name = series_name(def);
            if ONLY_WHEN_WRONG.contains(def) {
                continue;
            }
            if ABSENT_ON_H200.contains(def) {
                assert!(
                    !labels_of.contains_key(&name),
                    "{name} should be absent on H200"
                );
                continue;
            }
            let found = labels_of
                .get(&name)
                .unwrap_or_else(|| panic!("job {role}: family {name} missing"));
            let declared: BTreeSet<String> = def.labels.iter().map(|l| (*l).to_owned()).collect();
            // Prometheus drops empty label values, so one series may lack a label; each must
            // stay within the declared set and together they must use all of it.
            let mut union = BTreeSet::new();
            for labels in found {
                assert!(
                    labels.is_subset(&declared),
                    "job {role}: {name} has undeclared labels {labels:?}"
                );
                union.extend(labels.iter().cloned());
            }
            assert_eq!(
                union, declared,
                "job {role}: {name} labels differ from the schema"
            );
        }
    }
    // The labels line up: one PromQL join gives GPU memory per model.
    let per_model = prom
        .query(
            "sum by (model) (llm_monitor_gpu_container_memory_used_bytes \
             * on (container) group_left (model) llm_monitor_vllm_info)",
        )
        .await;
    assert_eq!(
        per_model.len(),
        10,
        "GPU memory for every model: {per_model:?}"
    );
    for row in &per_model {
        let bytes: f64 = support::sample_value(row).expect("value");
        assert!(bytes > 1e9, "{row}");
    }
    running.stop.cancel();
}
