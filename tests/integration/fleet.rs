//! A fleet on real parts: simulated servers (their exporter roles in process), each with a
//! real Prometheus configured by the shipped `render-fleet.sh`, remote-writing through
//! vmauth (the shipped `compose/central/vmauth.yml`) into one real VictoriaMetrics, and
//! vmalert evaluating the project's rules there. Every series arrives under its server's
//! `host`; a fault on one server fires its alerts with that host only; every dashboard
//! query runs there per host; `llmmon status --fleet` reads the fleet from it; writes need
//! the credential; and a store that goes down and comes back loses nothing the queue held.

use std::time::Duration;

use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring::{self, Started};
use llmmon_sim::fleet::{host_name, host_seed};
use llmmon_sim::{Conditions, Fault, Scenario};
use serde_json::Value;

use crate::support::victoria::{self, fleet_config, Victoria, Vmalert, Vmauth};
use crate::support::{local_prometheus_config, serve, wait_for, Prometheus};

/// The roles each simulated server runs here (the fleet dashboard's and alerts' inputs).
const ROLES: [Role; 2] = [Role::Gpu, Role::Vllm];

/// Server `n` of a fleet seeded 42: its own name and seed, `faults` on it alone.
async fn server(n: usize, faults: &[Fault]) -> Started {
    let mut settings = Settings::demo(Duration::from_secs(1));
    settings.seed = host_seed(42, n);
    settings.hostname = host_name(n);
    settings.conditions = Conditions {
        scenario: Scenario::Normal,
        faults: faults.iter().copied().collect(),
    };
    wiring::start(&settings, &ROLES, SourceMode::Sim)
        .await
        .expect("the server's roles start")
}

/// Its Prometheus, remote-writing to `url` as `host` with `envs` besides.
async fn prometheus_of(
    started: &Started,
    host: &str,
    url: &str,
    envs: &[(&str, &str)],
    dir: &std::path::Path,
) -> Prometheus {
    let addrs: Vec<_> = started.bound.iter().map(|b| (b.role, b.addr)).collect();
    let mut all = vec![
        ("FLEET_REMOTE_WRITE_URL", url),
        ("FLEET_HOST", host),
        ("FLEET_CLUSTER", "test"),
    ];
    all.extend_from_slice(envs);
    Prometheus::start(&fleet_config(
        &local_prometheus_config(&addrs, "1s"),
        dir,
        &all,
    ))
    .await
}

fn label<'a>(row: &'a Value, name: &str) -> &'a str {
    row["metric"][name].as_str().unwrap_or_default()
}

/// Accepts vmalert's notifications (what is firing is read from vmalert's own API).
async fn notifier() -> String {
    let sink = axum::Router::new().route(
        "/api/v2/alerts",
        axum::routing::post(|| async { axum::http::StatusCode::OK }),
    );
    format!("http://{}", serve(sink).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_write_through_vmauth_each_under_its_host_and_a_fault_alerts_on_its_host_only()
{
    let scratch = tempfile::tempdir().expect("temp dir");
    let store = Victoria::start(&scratch.path().join("store")).await;
    let auth = Vmauth::start(&store.url).await;
    let write_url = format!("{}/api/v1/write", auth.url);

    // Without the credential vmauth lets nothing in.
    let anonymous = reqwest::Client::new()
        .post(&write_url)
        .body(Vec::new())
        .send()
        .await
        .expect("vmauth answers");
    assert_eq!(anonymous.status(), 401, "a write without credentials");

    let (a, b) = (host_name(1), host_name(2));
    let first = server(1, &[]).await;
    let second = server(2, &[Fault::GpuXid]).await;
    let mut proms = Vec::new();
    for (n, (started, host)) in [(&first, &a), (&second, &b)].into_iter().enumerate() {
        let dir = scratch.path().join(format!("server{n}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("fleet_remote_write_password"), &auth.writer.1).expect("secret");
        let envs = [("FLEET_REMOTE_WRITE_USER", auth.writer.0.as_str())];
        proms.push(prometheus_of(started, host, &write_url, &envs, &dir).await);
    }

    // Every GPU of both servers that answers arrives, under its own host and the cluster.
    let per_host = wait_for(Duration::from_secs(60), || {
        let store = &store;
        async move {
            let rows = store
                .query_at("count by (host, cluster) (llm_monitor_gpu_info)", None)
                .await;
            // The second server's GPU 5 has fallen off the bus (XID 79): seven answer.
            let gpus = |host: &str| {
                rows.iter()
                    .find(|r| label(r, "host") == host)
                    .map(victoria_value)
            };
            (gpus(&host_name(1)) == Some(8.0) && gpus(&host_name(2)) == Some(7.0)).then_some(rows)
        }
    })
    .await;
    let Some(per_host) = per_host else {
        let seen = store
            .query_at("count by (host, job) ({__name__=~\".+\"})", None)
            .await;
        panic!("both servers' GPUs in VictoriaMetrics within 60 s; it has {seen:?}");
    };
    let mut hosts: Vec<&str> = per_host.iter().map(|r| label(r, "host")).collect();
    hosts.sort();
    assert_eq!(hosts, [a.as_str(), b.as_str()]);
    assert!(per_host.iter().all(|r| label(r, "cluster") == "test"));

    // The servers differ: their GPUs are other GPUs.
    let uuids = |host: String| {
        let store = &store;
        async move {
            let rows = store
                .query_at(&format!("llm_monitor_gpu_info{{host=\"{host}\"}}"), None)
                .await;
            rows.iter()
                .map(|r| label(r, "uuid").to_owned())
                .collect::<std::collections::BTreeSet<_>>()
        }
    };
    let (ua, ub) = (uuids(a.clone()).await, uuids(b.clone()).await);
    assert_eq!(ua.len(), 8);
    assert!(ua.is_disjoint(&ub), "two servers, sixteen GPUs");

    // vmalert runs the project's rules on the central store: the XID fault of the second
    // server fires there with that host's label, the first stays quiet.
    let alerts = Vmalert::start(&store.url, &notifier().await).await;
    let firing = wait_for(Duration::from_secs(60), || {
        let alerts = &alerts;
        async move {
            let all = alerts.alerts().await;
            let xid: Vec<Value> = all
                .into_iter()
                .filter(|x| {
                    x["name"] == "GPUXidCritical" || x["labels"]["alertname"] == "GPUXidCritical"
                })
                .collect();
            (!xid.is_empty()).then_some(xid)
        }
    })
    .await
    .expect("GPUXidCritical from vmalert within 60 s");
    for alert in &firing {
        assert_eq!(alert["labels"]["host"], b.as_str(), "{alert}");
        assert_eq!(alert["labels"]["gpu"], "2", "{alert}");
    }
    // The GPU off the bus: an alert over an aggregation, which keeps the host too.
    let lost = wait_for(Duration::from_secs(60), || {
        let alerts = &alerts;
        async move {
            let all = alerts.alerts().await;
            let lost: Vec<Value> = all.into_iter().filter(|x| x["name"] == "GPULost").collect();
            (!lost.is_empty()).then_some(lost)
        }
    })
    .await
    .expect("GPULost from vmalert within 60 s");
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert_eq!(lost[0]["labels"]["host"], b.as_str());
    assert_eq!(lost[0]["labels"]["gpu"], "5");
    // The recording rules the alerts and dashboards read are written back per host.
    let recorded = wait_for(Duration::from_secs(60), || {
        let store = &store;
        async move {
            let q = "count by (host) (gpu:llm_monitor_gpu_memory_used:ratio)";
            let rows = victoria::query(&store.url, q, None).await;
            (rows.len() == 2).then_some(rows)
        }
    })
    .await;
    assert!(
        recorded.is_some(),
        "vmalert's recording rules per host within 60 s"
    );
    every_dashboard_query_runs_on_the_store_per_host(&store.url, &[&a, &b]).await;
    status_of_the_fleet_reads_the_store(&store.url, &auth.url, &a, &b);
    for s in [first, second] {
        s.stop.cancel();
    }
}

fn victoria_value(row: &Value) -> f64 {
    row["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_central_store_down_and_back_loses_no_sample_the_queue_held() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let mut store = Victoria::start(&scratch.path().join("store")).await;
    let host = host_name(1);
    let started = server(1, &[]).await;
    let prom = prometheus_of(
        &started,
        &host,
        &format!("{}/api/v1/write", store.url),
        &[],
        scratch.path(),
    )
    .await;
    let series = "llm_monitor_gpu_info{gpu=\"0\"}";
    let arrived = wait_for(Duration::from_secs(60), || {
        let store = &store;
        async move { (!store.query_at(series, None).await.is_empty()).then_some(()) }
    })
    .await;
    assert!(arrived.is_some(), "samples reach the store");

    let down_at = llmmon_core::clock::now();
    store.stop();
    tokio::time::sleep(Duration::from_secs(8)).await;
    store.resume().await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    // A window around the outage, ending before now: what Prometheus scraped in it and what
    // the store holds of it must be the same samples once the queue has drained.
    let end = llmmon_core::clock::now() - 2.0;
    let window = (end - down_at + 5.0).ceil();
    let count = format!("count_over_time({series}[{window:.0}s])");
    let local = victoria::query(&prom.url, &count, Some(end)).await;
    let scraped = local
        .first()
        .map(victoria_value)
        .expect("Prometheus has the series");
    assert!(
        scraped >= window - 3.0,
        "one sample a second: {scraped} in {window} s"
    );
    let central = wait_for(Duration::from_secs(60), || {
        let (store, count) = (&store, &count);
        async move {
            let rows = store.query_at(count, Some(end)).await;
            let n = rows.first().map(victoria_value)?;
            (n >= scraped).then_some(n)
        }
    })
    .await;
    let held = store.query_at(&count, Some(end)).await;
    assert_eq!(
        central,
        Some(scraped),
        "every sample scraped during the outage reaches the store once it is back: {held:?}"
    );
    started.stop.cancel();
}

/// Every dashboard's every Prometheus query runs on VictoriaMetrics (MetricsQL is not
/// PromQL in every corner) with `$host` at All and at each server; and every query of the
/// GPUs dashboard, the roles these servers run, returns each selected server's series only.
async fn every_dashboard_query_runs_on_the_store_per_host(store: &str, hosts: &[&str]) {
    let mut errors = Vec::new();
    let mut empty = Vec::new();
    let mut ran = 0;
    for d in llmmon::dashboards::all() {
        let mut values = crate::dashboards::static_values(&d);
        for v in &d.variables {
            values
                .entry(v.name().to_owned())
                .or_insert_with(|| ".*".to_owned());
        }
        for (title, expr, _) in crate::dashboards::promql(&d) {
            for host in std::iter::once(".*").chain(hosts.iter().copied()) {
                values.insert(llmmon::rules::HOST.to_owned(), host.to_owned());
                let q = crate::dashboards::substitute(&expr, &values);
                ran += 1;
                match victoria::try_query(store, &q).await {
                    Err(e) => errors.push(format!("{} / {title}: {q}: {e}", d.uid)),
                    Ok(rows) if d.uid == llmmon::dashboards::uid::GPUS && host != ".*" => {
                        let other = rows
                            .iter()
                            .any(|r| r["metric"]["host"].as_str().is_some_and(|h| h != host));
                        // Annotations (firing alerts) are empty on a healthy server.
                        let may_be_empty =
                            title.contains("DCGM") || title.starts_with("annotation");
                        if rows.is_empty() && !may_be_empty {
                            empty.push(format!("{title} for {host}: {q}"));
                        }
                        assert!(!other, "{title}: another server's series for {host}: {q}");
                    }
                    Ok(_) => {}
                }
            }
        }
    }
    assert!(ran > 300, "queries run: {ran}");
    assert!(
        errors.is_empty(),
        "queries VictoriaMetrics refuses:\n{}",
        errors.join("\n")
    );
    assert!(
        empty.is_empty(),
        "GPUs dashboard panels without data:\n{}",
        empty.join("\n")
    );
}

/// `llmmon status --fleet` on the store (and through vmauth's read credential): one line a
/// server, the faulty one first with its firing alerts, exit 3; a wrong credential is one
/// line without the password, exit 1.
fn status_of_the_fleet_reads_the_store(store: &str, auth: &str, ok: &str, faulty: &str) {
    let llmmon = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_llmmon"))
            .args(args)
            .output()
            .expect("run llmmon")
    };
    let o = llmmon(&["--json", "status", "--fleet", store]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let lines: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let hosts: Vec<&str> = lines
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["host"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(hosts, [faulty, ok], "the faulty server first");
    assert!(lines[0]["critical"].as_u64() >= Some(1), "{lines}");
    assert_eq!(lines[1]["critical"].as_u64(), Some(0), "{lines}");
    assert_eq!(
        lines[0]["gpus"].as_u64(),
        Some(7),
        "GPU 5 is off the bus: {lines}"
    );

    let base = auth.trim_start_matches("http://");
    let reader = format!("http://grafana:read-secret-test@{base}");
    let o = llmmon(&["status", "--fleet", &reader]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "{text}");
    assert!(text.contains(ok) && text.contains(faulty), "{text}");
    let wrong = format!("http://grafana:wrong-secret@{base}");
    let o = llmmon(&["status", "--fleet", &wrong]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !err.contains("wrong-secret"),
        "the password never shows: {err}"
    );
}
