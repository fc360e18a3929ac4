//! Our simulated standard exporters must look like the real ones: every node_* family the
//! simulated node role emits exists in real node_exporter 1.5 output (run here) with the same
//! type and label names; the cAdvisor and DCGM families match reference lists taken from
//! those projects' sources (tests/fixtures/reference/, with provenance in their headers).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::Duration;

use llmmon_core::exposition::render;
use llmmon_core::schema::{MetricDef, CADVISOR_FAMILIES, DCGM_FAMILIES, NODE_FAMILIES};
use llmmon_core::scrape::{self, Scrape};
use llmmon_sim::{Conditions, Simulator};

use crate::support::{free_port, require, wait_for, Proc};

const T: f64 = 1_795_000_000.0;

fn labels(def: &MetricDef) -> BTreeSet<String> {
    def.labels.iter().map(|l| (*l).to_owned()).collect()
}

/// A sysfs with one coretemp hwmon chip: this machine has no /sys/class/hwmon, and the real
/// exporter only emits node_hwmon_* when it finds one.
fn fake_sysfs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let chip = dir.path().join("class/hwmon/hwmon0");
    std::fs::create_dir_all(&chip).expect("mkdir");
    for (file, content) in [
        ("name", "coretemp\n"),
        ("temp1_input", "45000\n"),
        ("temp1_label", "Package id 0\n"),
    ] {
        std::fs::write(chip.join(file), content).expect("write sysfs file");
    }
    dir
}

async fn real_node_exporter() -> Scrape {
    let bin = require("prometheus-node-exporter", "prometheus-node-exporter");
    let sysfs = fake_sysfs();
    let port = free_port();
    let _proc = Proc(
        Command::new(bin)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!("--path.sysfs={}", sysfs.path().display()))
            .arg("--collector.processes")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node_exporter"),
    );
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/metrics");
    wait_for(Duration::from_secs(20), || {
        let (c, u) = (client.clone(), url.clone());
        async move { scrape::fetch(&c, &u, Duration::from_secs(5)).await.ok() }
    })
    .await
    .expect("node_exporter answered within 20 s")
}

#[tokio::test]
async fn simulated_node_families_exist_in_real_node_exporter_with_same_type_and_labels() {
    let real = real_node_exporter().await;
    let sim = Simulator::new(1, 1, Conditions::default(), T);
    let ours = scrape::parse(&render(&sim.node_metrics(T))).expect("our exposition parses");
    for def in NODE_FAMILIES {
        let mine = ours
            .families
            .get(def.name)
            .unwrap_or_else(|| panic!("we do not emit {}", def.name));
        let theirs = real
            .families
            .get(def.name)
            .unwrap_or_else(|| panic!("real node_exporter 1.5 has no {}", def.name));
        assert_eq!(mine.kind, theirs.kind, "{}: type differs", def.name);
        let real_labels: BTreeSet<String> = theirs.label_names.iter().cloned().collect();
        assert_eq!(
            labels(def),
            real_labels,
            "{}: labels differ from node_exporter",
            def.name
        );
        assert!(!mine.series.is_empty());
    }
}

/// Reads a reference list: `name<TAB>type<TAB>label,label`, `#` comments, one header line.
fn reference(file: &str) -> BTreeMap<String, (String, BTreeSet<String>)> {
    let path = format!(
        "{}/tests/fixtures/reference/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("reference list");
    text.lines()
        .skip(1)
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let name = cols.next().unwrap_or_default().to_owned();
            let kind = cols.next().unwrap_or_default().to_owned();
            let labels = cols
                .next()
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            (name, (kind, labels))
        })
        .collect()
}

fn assert_matches_reference(families: &[&MetricDef], file: &str, exposition: &str) {
    let refs = reference(file);
    let ours = scrape::parse(exposition).expect("our exposition parses");
    for def in families {
        let (kind, labels_ref) = refs
            .get(def.name)
            .unwrap_or_else(|| panic!("{} is not in {file}", def.name));
        assert_eq!(
            def.kind.as_str(),
            kind,
            "{}: type differs from {file}",
            def.name
        );
        assert_eq!(
            &labels(def),
            labels_ref,
            "{}: labels differ from {file}",
            def.name
        );
        let emitted = ours
            .families
            .get(def.name)
            .unwrap_or_else(|| panic!("we do not emit {}", def.name));
        assert_eq!(&emitted.kind, kind, "{}: emitted type", def.name);
    }
}

#[test]
fn simulated_cadvisor_families_match_cadvisor_names_types_and_labels() {
    let sim = Simulator::new(1, 1, Conditions::default(), T);
    assert_matches_reference(
        CADVISOR_FAMILIES,
        "cadvisor_metrics.tsv",
        &render(&sim.cadvisor_metrics(T)),
    );
}

#[test]
fn simulated_dcgm_families_match_dcgm_exporter_names_types_and_labels() {
    let sim = Simulator::new(1, 1, Conditions::default(), T);
    assert_matches_reference(
        DCGM_FAMILIES,
        "dcgm_metrics.tsv",
        &render(&sim.dcgm_metrics(T)),
    );
}

/// LiteLLM's own /metrics as the simulator serves it (mock mode) matches a real LiteLLM
/// 1.80 exposition (tests/fixtures/upstream/litellm/v1.80.0, captured from the released
/// proxy): same names, types and label names.
#[tokio::test]
async fn simulated_litellm_metrics_match_a_real_litellm_1_80_exposition() {
    use llmmon_core::schema::LITELLM_PROXY_FAMILIES;
    use llmmon_core::upstream::{Auth, RouterTransport, Transport};
    let fixture = std::fs::read_to_string(format!(
        "{}/tests/fixtures/upstream/litellm/metrics_1.80.prom",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture");
    let real = scrape::parse(&fixture).expect("real LiteLLM exposition parses");
    let sim = Simulator::new(1, 1, Conditions::default(), T);
    let router = llmmon_sim::upstreams::router(sim, llmmon_core::clock::fixed_clock(T));
    let body = RouterTransport::new(router)
        .get(
            "http://sim/litellm/metrics",
            &Auth::None,
            Duration::from_secs(5),
        )
        .await
        .expect("served");
    let ours = scrape::parse(body.text().expect("utf-8")).expect("our LiteLLM exposition parses");
    for def in LITELLM_PROXY_FAMILIES {
        let theirs = real
            .families
            .get(def.name)
            .unwrap_or_else(|| panic!("real LiteLLM has no {}", def.name));
        let mine = ours
            .families
            .get(def.name)
            .unwrap_or_else(|| panic!("simulator serves no {}", def.name));
        assert_eq!(mine.kind, theirs.kind, "{}: type", def.name);
        assert_eq!(def.kind.as_str(), theirs.kind, "{}: schema type", def.name);
        let label_set = |f: &scrape::Family| -> BTreeSet<String> {
            f.series
                .iter()
                .flat_map(|s| s.labels.keys().cloned())
                .filter(|k| k != "le")
                .collect()
        };
        assert_eq!(label_set(mine), label_set(theirs), "{}: labels", def.name);
        assert_eq!(
            labels(def),
            label_set(theirs),
            "{}: schema labels",
            def.name
        );
    }
}
