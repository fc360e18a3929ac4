//! Alerting end to end: the shipped Alertmanager config renders and passes amtool, routes by
//! severity; and real Prometheus (our rules, 1 s scrape and evaluation) scraping the
//! simulator's roles, with real Alertmanager, raises no alert in `normal` and the alerts
//! each scenario or fault names once it is switched on at run time (their expressions hold:
//! the alert is pending or firing). Copies of the GPU temperature alerts without `for`
//! travel all the way to Alertmanager, where the critical one inhibits the warning. Alerts
//! that need minutes of traffic (the error ratio) are checked on an hour of simulated
//! history, backfilled into real Prometheus at the production scrape interval.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use llmmon::rules;
use llmmon_core::exposition::render as render_exposition;
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring;
use llmmon_sim::{Conditions, Fault, Scenario, Simulator};
use serde_json::{json, Value as Json};
use serde_yaml_ng::Value;

use crate::support::alertmanager::Alertmanager;
use crate::support::{self, local_prometheus_config, require, wait_for, Prometheus};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn am_dir() -> PathBuf {
    root().join("compose/config/alertmanager")
}

/// Renders the shipped template with `env` through render-config.sh, under `shell`.
fn render(shell: &[&str], env: &[(&str, &str)], path_prefix: Option<&Path>) -> String {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("alertmanager.yml");
    let mut cmd = Command::new(shell[0]);
    cmd.args(&shell[1..])
        .arg(am_dir().join("render-config.sh"))
        .arg(am_dir().join("alertmanager.yml"))
        .arg(&out)
        .env_clear()
        .env(
            "PATH",
            match path_prefix {
                Some(p) => format!("{}:/usr/bin:/bin", p.display()),
                None => "/usr/bin:/bin".into(),
            },
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("run render-config.sh");
    assert!(
        o.status.success(),
        "render-config.sh failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(&out).expect("rendered config")
}

/// Runs amtool; returns its standard output (warnings go to standard error).
fn amtool(args: &[&str]) -> String {
    let bin = require("amtool", "prometheus-alertmanager");
    let o = Command::new(bin).args(args).output().expect("run amtool");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "amtool {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

const ALL_RECEIVERS: [(&str, &str); 8] = [
    (
        "ALERT_WEBHOOK_URL",
        "http://127.0.0.1:9/hook?team=llm&x=\"q\"",
    ),
    (
        "ALERT_SLACK_WEBHOOK_URL",
        "https://hooks.slack.com/services/T0/B0/XYZ",
    ),
    ("ALERT_SLACK_CHANNEL", "#llm-alerts"),
    ("ALERT_EMAIL_TO", "oncall@example.org"),
    ("ALERT_SMTP_SMARTHOST", "smtp.example.org:587"),
    ("ALERT_EMAIL_FROM", "llmmon@example.org"),
    ("ALERT_SMTP_USERNAME", "llmmon"),
    ("ALERT_SMTP_PASSWORD", "p&ss\"wo\\rd"),
];

#[test]
fn the_alertmanager_config_renders_from_env_passes_amtool_and_routes_by_severity() {
    let dir = tempfile::tempdir().expect("tmp");
    // The template itself is the log-only configuration.
    let template = am_dir().join("alertmanager.yml");
    amtool(&["check-config", template.to_str().expect("utf-8")]);

    // Busybox is what the prom/alertmanager image has; link its awk first in PATH.
    let busybox = require("busybox", "busybox-static");
    let bb_dir = dir.path().join("busybox");
    std::fs::create_dir_all(&bb_dir).expect("mkdir");
    std::os::unix::fs::symlink(&busybox, bb_dir.join("awk")).expect("symlink awk");
    let busybox = busybox.to_str().expect("utf-8").to_owned();
    let shells: [(&[&str], Option<&Path>); 2] = [
        (&["sh"], None),
        (&[busybox.as_str(), "sh"], Some(bb_dir.as_path())),
    ];
    let cases: [(&str, &[(&str, &str)]); 3] = [
        ("none", &[]),
        ("webhook", &ALL_RECEIVERS[..1]),
        ("all", &ALL_RECEIVERS),
    ];
    for (shell, prefix) in shells {
        for (case, env) in cases {
            let text = render(shell, env, prefix);
            let path = dir.path().join(format!("{case}.yml"));
            std::fs::write(&path, &text).expect("write");
            let p = path.to_str().expect("utf-8");
            amtool(&["check-config", p]);
            let doc: Value = serde_yaml_ng::from_str(&text).expect("rendered YAML");
            let receivers = doc["receivers"].as_sequence().expect("receivers");
            let critical = receivers
                .iter()
                .find(|r| r["name"] == "critical")
                .expect("critical receiver");
            let kinds: BTreeSet<&str> = critical
                .as_mapping()
                .expect("mapping")
                .keys()
                .filter_map(Value::as_str)
                .filter(|k| *k != "name")
                .collect();
            let expected: BTreeSet<&str> = match case {
                "none" => BTreeSet::new(),
                "webhook" => ["webhook_configs"].into(),
                _ => ["webhook_configs", "slack_configs", "email_configs"].into(),
            };
            assert_eq!(kinds, expected, "{case} under {shell:?}");
            if case == "all" {
                // Values are escaped, not interpreted: quotes, backslashes and & survive.
                assert_eq!(
                    critical["webhook_configs"][0]["url"].as_str(),
                    Some(ALL_RECEIVERS[0].1)
                );
                assert_eq!(
                    doc["global"]["smtp_auth_password"].as_str(),
                    Some(ALL_RECEIVERS[7].1)
                );
            }
            for (labels, receiver) in [
                (&["severity=critical", "alertname=X"][..], "critical"),
                (&["severity=warning", "alertname=X"][..], "warning"),
                (&["severity=info", "alertname=X"][..], "log-only"),
                (&["alertname=X"][..], "log-only"),
            ] {
                let mut args = vec!["config", "routes", "test", "--config.file", p];
                args.extend_from_slice(labels);
                let out = amtool(&args);
                assert_eq!(out.trim(), receiver, "{labels:?} in {case}");
            }
        }
    }
    // A channel set without its companion variable is refused at start, with its name.
    let o = Command::new("sh")
        .arg(am_dir().join("render-config.sh"))
        .arg(am_dir().join("alertmanager.yml"))
        .arg(dir.path().join("bad.yml"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("ALERT_SMTP_SMARTHOST", "smtp.example.org:587")
        .output()
        .expect("run");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("ALERT_EMAIL_FROM"));
}

/// The generated alerting rules named `names`, without `for` and with a label that marks
/// them as the test's copies: they fire at the first evaluation, so they reach
/// Alertmanager within seconds while the real rules wait out their `for`.
fn fast_copies(names: &[&str]) -> String {
    let path = root().join("compose/config/prometheus/rules/llmmon-alerts.yml");
    let doc: Value =
        serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("rules")).expect("YAML");
    let mut rules = Vec::new();
    for g in doc["groups"].as_sequence().expect("groups") {
        for r in g["rules"].as_sequence().expect("rules") {
            if names.contains(&r["alert"].as_str().unwrap_or_default()) {
                let mut r = r.clone();
                let m = r.as_mapping_mut().expect("rule");
                m.remove("for");
                m["labels"]
                    .as_mapping_mut()
                    .expect("labels")
                    .insert("llmmon_test".into(), "fast-copy".into());
                rules.push(r);
            }
        }
    }
    assert_eq!(rules.len(), names.len());
    let doc = json!({"groups": [{"name": "llmmon-e2e-fast-copies", "rules": rules}]});
    serde_yaml_ng::to_string(&doc).expect("YAML")
}

async fn get(url: &str) -> Json {
    let resp: Json = reqwest::Client::new()
        .get(url)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON");
    assert_eq!(resp["status"], "success", "{url}: {resp}");
    resp["data"].clone()
}

/// Alerts Prometheus holds (pending or firing), as (alertname, labels).
async fn active_alerts(prom: &Prometheus) -> Vec<Json> {
    get(&format!("{}/api/v1/alerts", prom.url)).await["alerts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn describe(alerts: &[Json]) -> String {
    alerts
        .iter()
        .map(|a| format!("{} {}", a["state"], a["labels"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until an alert `name` whose label `key` is `value` is pending or firing.
async fn expect_alert(prom: &Prometheus, name: &str, key: &str, value: &str, limit: Duration) {
    let found = wait_for(limit, || async {
        active_alerts(prom).await.into_iter().find(|a| {
            a["labels"]["alertname"] == name
                && a["labels"][key] == value
                && a["labels"]["llmmon_test"].is_null()
                && ["pending", "firing"].contains(&a["state"].as_str().unwrap_or_default())
        })
    })
    .await;
    assert!(
        found.is_some(),
        "{name}{{{key}=\"{value}\"}} did not become active; active now:\n{}",
        describe(&active_alerts(prom).await)
    );
}

async fn switch(addr: std::net::SocketAddr, scenario: &str, faults: &[&str]) {
    let resp = reqwest::Client::new()
        .put(format!("http://{addr}/sim"))
        .json(&json!({"scenario": scenario, "faults": faults}))
        .send()
        .await
        .expect("PUT /sim");
    assert!(resp.status().is_success(), "PUT /sim: {}", resp.status());
}

/// Every role on the simulator (dcgm apart, so that a test can stop it: a target going
/// down), collecting twice per scrape so that no two scrapes see the same snapshot (a rate
/// of 0 between them would read as a CPU with no idle time in the first seconds); a real
/// Alertmanager that only logs; a real Prometheus with the shipped rules and the fast
/// copies of the GPU temperature alerts ([`fast_copies`]) scraping them every second and
/// LiteLLM's own /metrics, once every target is up and every rule evaluated without error.
struct Live {
    started: Instant,
    running: wiring::Started,
    dcgm: Option<wiring::Started>,
    am: Alertmanager,
    prom: Prometheus,
    shipped: PathBuf,
    _rules_dir: tempfile::TempDir,
}

impl Live {
    async fn start() -> Self {
        let started = Instant::now();
        let settings = Settings::demo(Duration::from_millis(500));
        let main_roles: Vec<Role> = Role::ALL.into_iter().filter(|r| *r != Role::Dcgm).collect();
        let running = wiring::start(&settings, &main_roles, SourceMode::Sim)
            .await
            .expect("start roles");
        let dcgm = wiring::start(&settings, &[Role::Dcgm], SourceMode::Sim)
            .await
            .expect("start dcgm");
        let mut addrs: Vec<_> = running.bound.iter().map(|b| (b.role, b.addr)).collect();
        addrs.extend(dcgm.bound.iter().map(|b| (b.role, b.addr)));

        let log_only = render(&["sh"], &[], None);
        let am = Alertmanager::start(&log_only).await;

        let rules_dir = tempfile::tempdir().expect("tmp");
        let fast = rules_dir.path().join("fast-copies.yml");
        std::fs::write(
            &fast,
            fast_copies(&["GPUTemperatureCritical", "GPUTemperatureHigh"]),
        )
        .expect("write fast copies");
        let mut config: Value =
            serde_yaml_ng::from_str(&local_prometheus_config(&addrs, "1s")).expect("config");
        let shipped = root().join("compose/config/prometheus/rules");
        config["rule_files"] = serde_yaml_ng::to_value(vec![
            shipped.join("llmmon-recording.yml"),
            shipped.join("llmmon-alerts.yml"),
            fast.clone(),
        ])
        .expect("paths");
        config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] =
            serde_yaml_ng::to_value(vec![format!("127.0.0.1:{}", am.port)]).expect("target");
        let simulator = running.simulator.clone().expect("sim mode has a simulator");
        support::add_litellm_proxy(&mut config, simulator).await;
        let prom = Prometheus::start(&serde_yaml_ng::to_string(&config).expect("YAML")).await;
        let live = Self {
            started,
            running,
            dcgm: Some(dcgm),
            am,
            prom,
            shipped,
            _rules_dir: rules_dir,
        };

        // Every target up (the roles and LiteLLM's own /metrics) and every rule evaluated,
        // without an error.
        let prom = &live.prom;
        let up = wait_for(Duration::from_secs(20), || async {
            (prom.query("up == 1").await.len() == Role::ALL.len() + 1).then_some(())
        })
        .await;
        assert!(up.is_some(), "targets: {:?}", prom.query("up").await);
        let evaluated = wait_for(Duration::from_secs(10), || async {
            let (n, bad) = live.rule_health().await;
            (n > 30 && bad.is_empty()).then_some(n)
        })
        .await;
        assert!(
            evaluated.is_some(),
            "rules not all healthy: {:?}",
            live.rule_health().await
        );
        live
    }

    /// How many rules Prometheus has, and those whose health is not ok (with the error).
    async fn rule_health(&self) -> (usize, Vec<String>) {
        let groups = get(&format!("{}/api/v1/rules", self.prom.url)).await["groups"].clone();
        let rules: Vec<Json> = groups
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["rules"].as_array().cloned().unwrap_or_default())
            .collect();
        let bad: Vec<String> = rules
            .iter()
            .filter(|r| r["health"] != "ok")
            .map(|r| format!("{} {} {}", r["name"], r["health"], r["lastError"]))
            .collect();
        (rules.len(), bad)
    }

    /// Switches the simulator (through any role's `/sim`) to `scenario` with `faults`.
    async fn switch(&self, scenario: &str, faults: &[&str]) {
        let any = self.running.addr(Role::Gpu).expect("gpu role");
        switch(any, scenario, faults).await;
    }
}

/// How long an alert may take to become pending after its fault is switched on.
const ALERT_LIMIT: Duration = Duration::from_secs(12);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normal_raises_no_alert_and_every_recording_rule_has_series() {
    let live = Live::start().await;
    let prom = &live.prom;
    // normal: after 5 s of history, watch 8 s (8 evaluations): no alert, not even pending.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let quiet_until = Instant::now() + Duration::from_secs(8);
    while Instant::now() < quiet_until {
        let alerts = active_alerts(prom).await;
        assert!(
            alerts.is_empty(),
            "false positive in normal:\n{}",
            describe(&alerts)
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Every recording rule gives series on live data (its labels line up with the schema).
    let recorded: Vec<String> = {
        let path = live.shipped.join("llmmon-recording.yml");
        let doc: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(path).expect("read")).expect("YAML");
        doc["groups"]
            .as_sequence()
            .expect("groups")
            .iter()
            .flat_map(|g| g["rules"].as_sequence().cloned().unwrap_or_default())
            .map(|r| r["record"].as_str().expect("record").to_owned())
            .collect()
    };
    for record in &recorded {
        assert!(
            !prom.query(record).await.is_empty(),
            "recording rule {record} has no series on the simulator"
        );
    }
    println!("normal quiet: {:?}", live.started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_and_scenario_raises_the_alerts_its_name_implies() {
    let mut live = Live::start().await;
    let prom = &live.prom;
    let limit = ALERT_LIMIT;
    // As in normal operation, 5 s of history before the first fault.
    tokio::time::sleep(Duration::from_secs(5)).await;

    // gpu_overheat: GPU 3 at ~90 °C.
    live.switch("normal", &["gpu_overheat"]).await;
    expect_alert(prom, "GPUTemperatureCritical", "gpu", "3", limit).await;
    expect_alert(prom, "GPUTemperatureHigh", "gpu", "3", limit).await;
    let others: Vec<Json> = active_alerts(prom)
        .await
        .into_iter()
        .filter(|a| {
            !a["labels"]["alertname"]
                .as_str()
                .unwrap_or_default()
                .starts_with("GPUTemperature")
        })
        .collect();
    assert!(
        others.is_empty(),
        "overheat raised others:\n{}",
        describe(&others)
    );

    // container_crash_loop: the simulator's clock is wall time and a loop needs three
    // restarts a minute apart, so the fault is switched on 4 minutes in the past (the
    // simulator rewrites its history from then on, as a fault that began then).
    let simulator = live.running.simulator.as_ref().expect("sim mode");
    simulator.set_conditions(
        llmmon_core::clock::now() - 240.0,
        Conditions {
            scenario: Scenario::Normal,
            faults: [Fault::ContainerCrashLoop].into(),
        },
    );
    live.running.services[0].wake.notify_waiters();
    expect_alert(
        prom,
        "ContainerRestartLoop",
        "container",
        "vllm-llama-3-1-8b",
        limit,
    )
    .await;

    // model_load_failure: qwen3-32b stays in "loading".
    live.switch("normal", &["model_load_failure"]).await;
    expect_alert(prom, "ModelLoadFailure", "model", "qwen3-32b", limit).await;

    // upstream_down: the Langfuse API and mistral's engine are down.
    live.switch("normal", &["upstream_down"]).await;
    expect_alert(prom, "ExporterSourceDown", "source", "langfuse", limit).await;
    expect_alert(
        prom,
        "ModelUnhealthy",
        "model",
        "mistral-small-3.1-24b",
        limit,
    )
    .await;

    // gpu_xid: GPU 5 falls off the bus (XID 79), GPU 2 has double-bit ECC errors (XID 48)
    // with a row remapping pending; each alert names its own GPU and no other.
    live.switch("normal", &["gpu_xid"]).await;
    expect_alert(prom, "GPULost", "gpu", "5", limit).await;
    expect_alert(prom, "GPUXidCritical", "gpu", "2", limit).await;
    expect_alert(prom, "GPURowRemapPending", "gpu", "2", limit).await;
    let gpus_of = |alerts: &[Json], name: &str| -> Vec<String> {
        alerts
            .iter()
            .filter(|a| a["labels"]["alertname"] == name)
            .map(|a| a["labels"]["gpu"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let firing = active_alerts(prom).await;
    assert_eq!(gpus_of(&firing, "GPULost"), ["5"], "{}", describe(&firing));
    assert_eq!(
        gpus_of(&firing, "GPUXidCritical"),
        ["2"],
        "{}",
        describe(&firing)
    );

    // degraded: gemma's engine unhealthy, langfuse-worker unhealthy, nginx lost a mount.
    live.switch("degraded", &[]).await;
    expect_alert(prom, "ModelUnhealthy", "model", "gemma-3-12b", limit).await;
    expect_alert(
        prom,
        "ContainerUnhealthy",
        "container",
        "langfuse-worker",
        limit,
    )
    .await;
    expect_alert(
        prom,
        "ContainerMountMissing",
        "destination",
        "/etc/nginx/certs",
        limit,
    )
    .await;

    // high_load: four times the traffic queues requests at the largest model.
    live.switch("high_load", &[]).await;
    expect_alert(prom, "QueueDepthHigh", "model", "llama-3.3-70b", limit).await;

    // maintenance: stopped models are planned; they raise no model or container alert.
    live.switch("maintenance", &[]).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let unplanned: Vec<Json> = active_alerts(prom)
        .await
        .into_iter()
        .filter(|a| {
            [
                "ModelLoadFailure",
                "ModelUnhealthy",
                "ContainerUnhealthy",
                "ContainerMountMissing",
                "ExporterSourceDown",
            ]
            .contains(&a["labels"]["alertname"].as_str().unwrap_or_default())
        })
        .collect();
    assert!(
        unplanned.is_empty(),
        "maintenance raised:\n{}",
        describe(&unplanned)
    );

    // A target that stops answering.
    let dcgm = live.dcgm.take().expect("dcgm running");
    dcgm.stop.cancel();
    drop(dcgm);
    expect_alert(&live.prom, "ScrapeTargetDown", "job", "dcgm", limit).await;

    let (_, bad) = live.rule_health().await;
    assert!(bad.is_empty(), "rule evaluation errors: {bad:?}");
    live.running.stop.cancel();
    println!("all scenarios: {:?}", live.started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_critical_alert_reaches_alertmanager_rendered_and_inhibits_its_warning_twin() {
    let live = Live::start().await;
    // gpu_overheat: GPU 3 at ~90 °C; the fast copies reach Alertmanager, and the critical
    // one inhibits its warning twin.
    live.switch("normal", &["gpu_overheat"]).await;
    let am = &live.am;
    let inhibited = wait_for(Duration::from_secs(15), || async {
        let alerts = am.alerts().await;
        let find = |name: &str| {
            alerts
                .iter()
                .find(|a| a["labels"]["alertname"] == name && a["labels"]["gpu"] == "3")
                .cloned()
        };
        let (crit, warn) = (find("GPUTemperatureCritical")?, find("GPUTemperatureHigh")?);
        (crit["status"]["state"] == "active"
            && warn["status"]["state"] == "suppressed"
            && !warn["status"]["inhibitedBy"]
                .as_array()
                .is_none_or(|v| v.is_empty()))
        .then_some((crit, warn))
    })
    .await;
    let last = am.alerts().await;
    let (crit, _) = inhibited.unwrap_or_else(|| {
        panic!("Alertmanager did not get the critical alert with its warning inhibited: {last:#?}")
    });
    assert_eq!(crit["labels"]["severity"], "critical");
    let description = crit["annotations"]["description"]
        .as_str()
        .unwrap_or_default();
    let celsius: f64 = description
        .strip_prefix("GPU 3 is at ")
        .and_then(|d| d.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("description not rendered: {description}"));
    assert!((87.0..=93.0).contains(&celsius), "{description}");
    assert!(crit["annotations"]["runbook_url"]
        .as_str()
        .unwrap_or_default()
        .ends_with("/docs/runbooks/GPUTemperatureCritical.md"));
    println!("overheat to Alertmanager: {:?}", live.started.elapsed());
}

/// The simulator's history of `roles` from `from` to `to` every `step` seconds, as
/// OpenMetrics for `promtool tsdb create-blocks-from openmetrics`, each series with the
/// job and instance labels a scrape would add.
async fn history(
    sim: &std::sync::Arc<Simulator>,
    roles: &[Role],
    from: f64,
    to: f64,
    step: f64,
) -> String {
    let mut out = String::new();
    let mut t = from;
    while t <= to {
        for &role in roles {
            let text = render_exposition(
                &llmmon_exporter::wiring::sim_role_metrics(sim, role, t)
                    .await
                    .expect("sim answers"),
            );
            let target = format!("job=\"{role}\",instance=\"backfill:1\"");
            for line in text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
            {
                let (series, value) = line.rsplit_once(' ').expect("sample line");
                let series = match series.split_once('{') {
                    Some((name, labels)) => format!("{name}{{{target},{labels}"),
                    None => format!("{series}{{{target}}}"),
                };
                out.push_str(&format!("{series} {value} {t}\n"));
            }
        }
        t += step;
    }
    out.push_str("# EOF\n");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hour_of_history_holds_the_error_alert_in_an_error_burst_and_no_alert_in_normal() {
    let started = Instant::now();
    let step = 30.0;
    let now = (llmmon_core::clock::now() / step).floor() * step;
    let (from, burst) = (now - 3600.0, now - 1200.0);
    let simulator = Simulator::new(42, 1, Conditions::default(), from);
    simulator.set_conditions(
        burst,
        Conditions {
            scenario: Scenario::Normal,
            faults: [Fault::ErrorBurst].into(),
        },
    );
    let roles = [
        Role::Vllm,
        Role::Node,
        Role::Gpu,
        Role::Containers,
        Role::Litellm,
    ];
    let text = history(&simulator, &roles, from, now, step).await;

    let dir = tempfile::tempdir().expect("tmp");
    let input = dir.path().join("history.om");
    std::fs::write(&input, text).expect("write history");
    let data = dir.path().join("data");
    let promtool = require("promtool", "prometheus");
    let o = Command::new(promtool)
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(&data)
        .output()
        .expect("run promtool");
    assert!(
        o.status.success(),
        "backfill failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let prom = Prometheus::on_data(&data, &[], Duration::from_secs(30)).await;
    let url = prom.url.clone();
    let client = reqwest::Client::new();

    let rules_dir = root().join("compose/config/prometheus/rules");
    let load = |file: &str| -> Vec<Value> {
        let doc: Value =
            serde_yaml_ng::from_str(&std::fs::read_to_string(rules_dir.join(file)).expect("rules"))
                .expect("YAML");
        doc["groups"]
            .as_sequence()
            .expect("groups")
            .iter()
            .flat_map(|g| g["rules"].as_sequence().cloned().unwrap_or_default())
            .collect()
    };
    let recorded: std::collections::BTreeMap<String, String> = load("llmmon-recording.yml")
        .iter()
        .map(|r| {
            (
                r["record"].as_str().expect("record").to_owned(),
                r["expr"].as_str().expect("expr").to_owned(),
            )
        })
        .collect();
    // The latency alert compares with a week ago (an offset on a recording rule, which has
    // no inline form); promtool's tests cover it.
    let alerts: Vec<(String, String)> = load("llmmon-alerts.yml")
        .iter()
        .map(|r| {
            (
                r["alert"].as_str().expect("alert").to_owned(),
                rules::inline_recorded(r["expr"].as_str().expect("expr"), &recorded),
            )
        })
        .filter(|(_, e)| !e.contains(" offset "))
        .collect();
    assert!(alerts.len() >= 17, "{}", alerts.len());
    let holding = |t: f64| {
        let (client, url, alerts) = (client.clone(), url.clone(), alerts.clone());
        async move {
            let mut out = Vec::new();
            for (name, expr) in &alerts {
                let resp: Json = client
                    .get(format!("{url}/api/v1/query"))
                    .query(&[("query", expr.as_str()), ("time", &t.to_string())])
                    .send()
                    .await
                    .expect("query")
                    .json()
                    .await
                    .expect("JSON");
                assert_eq!(resp["status"], "success", "{name}: {resp}");
                for r in resp["data"]["result"].as_array().into_iter().flatten() {
                    out.push(format!("{name} {}", r["metric"]));
                }
            }
            out
        }
    };
    // Normal, once the 15-minute windows are full: nothing holds, every 5 minutes.
    let mut t = from + 1200.0;
    while t < burst {
        let held = holding(t).await;
        assert!(held.is_empty(), "normal history at {t}: {held:#?}");
        t += 300.0;
    }
    // Twenty minutes into a burst of 15 % failed requests: the error alert, and only it.
    let held = holding(now).await;
    assert!(
        held.iter()
            .any(|h| h.starts_with("RequestErrorRateCritical ")),
        "the error burst raised no error alert: {held:#?}"
    );
    assert!(
        held.iter()
            .all(|h| h.starts_with("RequestErrorRateCritical ")),
        "the error burst raised other alerts: {held:#?}"
    );
    println!("backfill: {:?}, models: {held:?}", started.elapsed());
}
