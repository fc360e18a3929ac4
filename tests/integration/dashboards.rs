//! The generated Grafana dashboards: committed files match the generator (regenerate with
//! `LLMMON_UPDATE_GOLDEN=1 cargo test --test integration dashboards::`), their structure is
//! sound, every metric they name exists, every PromQL query returns data with its legend's
//! labels from real Prometheus scraping the simulator, and every LogQL query parses and selects
//! on labels Alloy attaches.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use llmmon::dashboards::{self, docs, Dashboard, Datasource, Variable};
use llmmon::rules::{self, Config};
use llmmon_core::{schema, Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring;
use llmmon_sim::{Conditions, Fault, Scenario};
use serde_json::Value;

use crate::logql;
use crate::support::announcements::Announcements;
use crate::support::{self, local_prometheus_config, promql, wait_for, Prometheus};

mod fleet;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every generated file: its path and content.
fn generated() -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = dashboards::all()
        .iter()
        .map(|d| (root().join(d.path()), dashboards::render(&d.to_json())))
        .collect();
    out.push((root().join("docs/dashboards.md"), docs::markdown()));
    out
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dashboards/").flatten() {
        let p = entry.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

#[test]
fn committed_dashboards_and_docs_match_the_generator() {
    let update = std::env::var_os("LLMMON_UPDATE_GOLDEN").is_some();
    let files = generated();
    let mut drifted = Vec::new();
    for (path, content) in &files {
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, content).expect("write");
        } else if std::fs::read_to_string(path).ok().as_deref() != Some(content.as_str()) {
            drifted.push(path.display().to_string());
        }
    }
    let mut on_disk = Vec::new();
    json_files(&root().join("dashboards"), &mut on_disk);
    for p in on_disk {
        if !files.iter().any(|(g, _)| *g == p) {
            drifted.push(format!("{} (not generated; delete it)", p.display()));
        }
    }
    assert!(
        drifted.is_empty(),
        "out of date (regenerate with LLMMON_UPDATE_GOLDEN=1 cargo test --test integration \
         dashboards::): {drifted:?}"
    );
}

/// Datasource uids and folder paths of the Grafana provisioning.
fn provisioning() -> (BTreeSet<String>, BTreeSet<String>) {
    let dir = root().join("compose/config/grafana/provisioning");
    let read = |p: &str| -> serde_yaml_ng::Value {
        serde_yaml_ng::from_str(&std::fs::read_to_string(dir.join(p)).expect("read provisioning"))
            .expect("YAML")
    };
    let ds = read("datasources/datasources.yml")["datasources"]
        .as_sequence()
        .expect("datasources")
        .iter()
        .map(|d| d["uid"].as_str().expect("uid").to_owned())
        .collect();
    let folders = read("dashboards/dashboards.yml")["providers"]
        .as_sequence()
        .expect("providers")
        .iter()
        .map(|p| {
            let path = p["options"]["path"].as_str().expect("path");
            path.trim_start_matches("/etc/grafana/dashboards/")
                .to_owned()
        })
        .collect();
    (ds, folders)
}

fn overlap(a: &Value, b: &Value) -> bool {
    let g = |v: &Value, k: &str| v["gridPos"][k].as_u64().expect("gridPos");
    let (ax, ay, aw, ah) = (g(a, "x"), g(a, "y"), g(a, "w"), g(a, "h"));
    let (bx, by, bw, bh) = (g(b, "x"), g(b, "y"), g(b, "w"), g(b, "h"));
    ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah
}

#[test]
fn every_dashboard_is_structurally_sound() {
    let (datasources, folders) = provisioning();
    let all = dashboards::all();
    let uids: BTreeSet<&str> = all.iter().map(|d| d.uid).collect();
    assert_eq!(uids.len(), all.len(), "dashboard uids are unique");
    assert_eq!(
        all.len(),
        11,
        "the ten dashboards of issue 6 and the fleet overview of issue 13"
    );
    let alerts: BTreeSet<&str> = rules::alerts::groups(&Config::default())
        .into_iter()
        .flat_map(|g| g.rules.into_iter().map(|a| a.name))
        .collect();
    let builtin = [dashboards::GRAFANA_UID];
    for d in &all {
        let folder = d.folder.dir();
        assert!(
            folder.is_empty() || folders.contains(folder),
            "{}: folder {folder} is not provisioned",
            d.uid
        );
        let j = d.to_json();
        assert!(!j["uid"].as_str().unwrap_or("").is_empty());
        assert!(
            !j["tags"].as_array().expect("tags").is_empty(),
            "{} tags",
            d.uid
        );
        assert!(
            !j["links"].as_array().expect("links").is_empty(),
            "{} links",
            d.uid
        );
        assert!(!d.purpose.is_empty(), "{} has a purpose", d.uid);
        let panels = j["panels"].as_array().expect("panels");
        let mut ids = BTreeSet::new();
        for (i, p) in panels.iter().enumerate() {
            let title = p["title"].as_str().unwrap_or("");
            let at = format!("{} / {title}", d.uid);
            assert!(
                ids.insert(p["id"].as_u64().expect("id")),
                "{at}: duplicate id"
            );
            assert!(!title.is_empty(), "{}: panel {i} has no title", d.uid);
            assert!(
                p["gridPos"]["x"].as_u64().expect("x") + p["gridPos"]["w"].as_u64().expect("w")
                    <= 24,
                "{at}: wider than the grid"
            );
            for q in &panels[..i] {
                assert!(!overlap(p, q), "{at} overlaps {}", q["title"]);
            }
            if p["type"] == "row" {
                continue;
            }
            assert!(
                !p["description"].as_str().unwrap_or("").is_empty(),
                "{at}: no description"
            );
            assert!(
                !p["fieldConfig"]["defaults"]["unit"]
                    .as_str()
                    .unwrap_or("")
                    .is_empty(),
                "{at}: no unit"
            );
            let uid = p["datasource"]["uid"].as_str().unwrap_or("");
            assert!(
                datasources.contains(uid) || builtin.contains(&uid),
                "{at}: datasource uid {uid:?} is not provisioned"
            );
            for t in p["targets"].as_array().expect("targets") {
                assert_eq!(
                    t["datasource"]["uid"], p["datasource"]["uid"],
                    "{at}: mixed"
                );
            }
            for l in p["links"].as_array().expect("links") {
                let url = l["url"].as_str().expect("url");
                let target = url.strip_prefix("/d/").unwrap_or(dashboards::uid::HOME);
                assert!(uids.contains(target), "{at}: link to unknown {url}");
            }
        }
        for p in d.panels() {
            for a in &p.alerts {
                assert!(alerts.contains(a), "{} / {}: no alert {a}", d.uid, p.title);
            }
            if p.kind != dashboards::panel::Kind::Text
                && p.kind != dashboards::panel::Kind::DashList
                && p.kind != dashboards::panel::Kind::AlertList
            {
                assert!(!p.queries.is_empty(), "{} / {}: no query", d.uid, p.title);
            }
        }
    }
}

/// Every PromQL expression of a dashboard: panels, variables and annotations.
pub(crate) fn promql(d: &Dashboard) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for p in d.panels() {
        for q in p
            .queries
            .iter()
            .filter(|q| q.datasource == Datasource::Prometheus)
        {
            out.push((p.title.clone(), q.expr.clone(), q.legend_labels()));
        }
    }
    for v in &d.variables {
        if let Some((q, label)) = v.probe() {
            out.push((format!("variable ${}", v.name()), q, vec![label.to_owned()]));
        }
    }
    for (name, expr) in d.annotation_queries() {
        out.push((format!("annotation {name}"), expr, Vec::new()));
    }
    out
}

#[test]
fn every_metric_a_dashboard_names_is_in_the_schema_or_a_recording_rule() {
    let recorded: BTreeSet<String> = rules::recording::groups(&Config::default())
        .into_iter()
        .flat_map(|g| g.rules.into_iter().map(|r| r.record))
        .collect();
    let mut unknown = Vec::new();
    let mut seen = 0;
    for d in dashboards::all() {
        let values = parseable_values(&d);
        for (title, expr, _) in promql(&d) {
            let expr = substitute(&expr, &values);
            let names = promql::metric_names(&expr)
                .unwrap_or_else(|e| panic!("{} / {title}: {expr}: {e}", d.uid));
            seen += names.len();
            for name in names {
                let known = schema::family_of(&name).is_some()
                    || recorded.contains(&name)
                    || name == "ALERTS";
                if !known {
                    unknown.push(format!("{} / {title}: {name}", d.uid));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "unknown metrics: {unknown:#?}");
    assert!(
        seen > 100,
        "the parser found the dashboards' metrics: {seen}"
    );
}

/// A value for every variable, so that each query is plain PromQL: label queries match
/// anything (they only ever stand inside a matcher's string).
pub(super) fn parseable_values(d: &Dashboard) -> BTreeMap<String, String> {
    let mut values = static_values(d);
    for v in &d.variables {
        values
            .entry(v.name().to_owned())
            .or_insert_with(|| ".+".to_owned());
    }
    values
}

#[test]
fn the_metric_names_are_read_from_the_parsed_query() {
    let names = promql::metric_names(
        "sum by (model, le) (rate(a_bucket{x=\"b{c}\"}[5m])) * on (container) group_left (model) max by (container) (b:c:rate5m offset 1w) / 2 or vector(0)",
    )
    .expect("parses");
    assert_eq!(names, vec!["a_bucket", "b:c:rate5m"]);
    assert_eq!(
        promql::metric_names("label_replace(x, \"name\", \"$1\", \"container\", \"(.*)\")"),
        Ok(vec!["x".to_owned()])
    );
    assert_eq!(
        promql::metric_names("{__name__=\"up\", job=\"a\"}"),
        Ok(vec!["up".to_owned()])
    );
    assert!(promql::metric_names("sum by (model) (rate(x[5m])").is_err());
}

/// Labels Alloy attaches to every log stream (compose/config/alloy/config.alloy).
fn alloy_labels() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("compose/config/alloy/config.alloy"))
        .expect("alloy config");
    let mut labels: BTreeSet<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("target_label"))
        .filter_map(|rest| rest.split('"').nth(1))
        .map(str::to_owned)
        .collect();
    // `stage.labels { values = { level = "" } }` promotes the parsed level.
    for l in text.lines().filter(|l| l.trim().starts_with("values = {")) {
        let inner = l.split('{').nth(1).unwrap_or("");
        for pair in inner.split(',') {
            if let Some(name) = pair.split('=').next() {
                let name = name.trim();
                if !name.is_empty() && !name.contains('}') {
                    labels.insert(name.to_owned());
                }
            }
        }
    }
    labels
}

/// `$var` and `${var}` replaced; Grafana's interval variables by fixed durations.
pub(crate) fn substitute(expr: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = expr
        .replace("$__rate_interval", "1m")
        .replace("$__interval", "1m")
        .replace("$__range", "1h");
    // Longest names first, so `$model` does not eat `$model_x`.
    let mut names: Vec<&String> = values.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for name in names {
        out = out
            .replace(&format!("${{{name}}}"), &values[name])
            .replace(&format!("${name}"), &values[name]);
    }
    out
}

/// Values of the variables that are not label queries (interval, text, fixed lists).
pub(crate) fn static_values(d: &Dashboard) -> BTreeMap<String, String> {
    d.variables
        .iter()
        .filter_map(|v| {
            let value = match v {
                Variable::Interval { default, .. } => (*default).to_owned(),
                Variable::Textbox { .. } => String::new(),
                Variable::Custom { .. } | Variable::LokiLabel { .. } => ".+".to_owned(),
                Variable::Constant { value, .. } => (*value).to_owned(),
                // All: the Prometheus these tests run has no host label, as a single
                // server's own has none; `.*` matches the absent label.
                Variable::Host => ".*".to_owned(),
                Variable::PromLabel { .. } => return None,
            };
            Some((v.name().to_owned(), value))
        })
        .collect()
}

#[test]
fn the_alloy_labels_are_read_from_its_config() {
    let labels = alloy_labels();
    for l in ["container", "compose_service", "stream", "level"] {
        assert!(labels.contains(l), "{labels:?}");
    }
}

/// The queries of `tests/fixtures/logql/{name}`, without comments and blank lines.
fn logql_fixtures(name: &str) -> Vec<String> {
    let path = root().join("tests/fixtures/logql").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_logql_checker_accepts_lokis_documented_queries_and_refuses_invalid_ones() {
    let valid = logql_fixtures("valid.txt");
    let invalid = logql_fixtures("invalid.txt");
    assert!(valid.len() >= 15 && invalid.len() >= 5, "fixtures read");
    let refused: Vec<String> = valid
        .iter()
        .filter_map(|q| logql::parse(q).err().map(|e| format!("{q}: {e}")))
        .collect();
    assert!(refused.is_empty(), "valid queries refused: {refused:#?}");
    let accepted: Vec<&String> = invalid.iter().filter(|q| logql::parse(q).is_ok()).collect();
    assert!(
        accepted.is_empty(),
        "invalid queries accepted: {accepted:#?}"
    );
}

#[test]
fn every_logql_query_parses_and_selects_on_alloy_labels() {
    let allowed = alloy_labels();
    let mut count = 0;
    for d in dashboards::all() {
        let values = static_values(&d);
        for p in d.panels() {
            for q in p
                .queries
                .iter()
                .filter(|q| q.datasource == Datasource::Loki)
            {
                count += 1;
                let expr = substitute(&q.expr, &values);
                let parsed = logql::parse(&expr)
                    .unwrap_or_else(|e| panic!("{} / {}: {expr}: {e}", d.uid, p.title));
                for sel in parsed.selectors() {
                    for m in sel {
                        assert!(
                            allowed.contains(&m.label),
                            "{} / {}: Alloy attaches no label {}",
                            d.uid,
                            p.title,
                            m.label
                        );
                    }
                }
                if !parsed.has_parser() {
                    for l in parsed.grouping_labels() {
                        assert!(
                            allowed.contains(l),
                            "{} / {}: groups by {l}",
                            d.uid,
                            p.title
                        );
                    }
                }
                for l in q.legend_labels() {
                    assert!(
                        parsed.grouping_labels().contains(&l.as_str()),
                        "{} / {}: legend label {l} is not grouped on",
                        d.uid,
                        p.title
                    );
                }
            }
        }
    }
    assert!(count >= 5, "the logs dashboard has its LogQL queries");
}

/// What [`prometheus_on_the_simulator`] returns: Prometheus, what it scrapes, its rules.
pub(super) type OnTheSimulator = (
    Prometheus,
    (wiring::Started, Announcements),
    tempfile::TempDir,
);

/// Prometheus scraping every simulator role, the simulated LiteLLM proxy and a seeded
/// announcements service, with the generated rules loaded.
async fn prometheus_on_the_simulator(conditions: Conditions) -> OnTheSimulator {
    prometheus_on_the_simulator_as(conditions, &[]).await
}

/// The same, with every target scraped once per host of `hosts` under that `host` label, as
/// a fleet's central store holds them (none: a single server's own Prometheus).
pub(super) async fn prometheus_on_the_simulator_as(
    conditions: Conditions,
    hosts: &[&str],
) -> OnTheSimulator {
    let mut settings = Settings::demo(Duration::from_secs(1));
    settings.conditions = conditions;
    let running = wiring::start(&settings, &Role::ALL, SourceMode::Sim)
        .await
        .expect("start roles");
    let simulator = running.simulator.clone().expect("sim mode has a simulator");
    let models: Vec<String> = simulator
        .fleet()
        .vllm
        .iter()
        .map(|v| v.model.clone())
        .collect();
    let models: Vec<&str> = models.iter().map(String::as_str).collect();
    let announcements = Announcements::seeded(&models).await;
    let rules_dir = tempfile::tempdir().expect("temp dir");
    let cfg = Config::default();
    std::fs::write(
        rules_dir.path().join("recording.yml"),
        rules::recording_yaml(&cfg),
    )
    .expect("write");
    std::fs::write(
        rules_dir.path().join("alerts.yml"),
        rules::alerts_yaml(&cfg),
    )
    .expect("write");
    let addrs: Vec<_> = running.bound.iter().map(|b| (b.role, b.addr)).collect();
    let mut doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&local_prometheus_config(&addrs, "1s")).expect("YAML");
    doc["rule_files"] = vec![format!("{}/*.yml", rules_dir.path().display())].into();
    support::add_litellm_proxy(&mut doc, simulator).await;
    let announcements_job: serde_yaml_ng::Value = serde_yaml_ng::from_str(&format!(
        "job_name: announcements\nstatic_configs:\n  - targets: [\"{}\"]\n",
        announcements.service.addr
    ))
    .expect("job");
    doc["scrape_configs"]
        .as_sequence_mut()
        .expect("jobs")
        .push(announcements_job);
    for job in doc["scrape_configs"].as_sequence_mut().expect("jobs") {
        as_hosts(job, hosts);
    }
    let targets = (Role::ALL.len() + 2) * hosts.len().max(1);
    let prom = Prometheus::start(&serde_yaml_ng::to_string(&doc).expect("YAML")).await;
    let ready = wait_for(Duration::from_secs(60), || {
        let prom = &prom;
        let rule = rules::recording::request_error_ratio(&cfg);
        async move {
            let up = prom.query("up == 1").await.len();
            let rec = prom.query(&rule).await.len();
            (up == targets && rec > 0).then_some(())
        }
    })
    .await;
    assert!(
        ready.is_some(),
        "every target up and the recording rules evaluated"
    );
    // A few more scrapes, so every rate has its points.
    tokio::time::sleep(Duration::from_secs(5)).await;
    (prom, (running, announcements), rules_dir)
}

/// A scrape job's targets once per host, each with the `host` label (unchanged without hosts).
fn as_hosts(job: &mut serde_yaml_ng::Value, hosts: &[&str]) {
    if hosts.is_empty() {
        return;
    }
    let configs = job["static_configs"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let per_host: Vec<serde_yaml_ng::Value> = hosts
        .iter()
        .flat_map(|h| {
            configs.iter().map(move |c| {
                let mut c = c.clone();
                c["labels"][rules::HOST] = (*h).into();
                c
            })
        })
        .collect();
    job["static_configs"] = per_host.into();
}

/// Variable settings to run a dashboard's queries with: first every label variable at
/// Grafana's "All" (`.*`, the default), then the first label variable at each of its
/// values (the others at All).
async fn variable_settings(prom: &Prometheus, d: &Dashboard) -> Vec<BTreeMap<String, String>> {
    let mut all = static_values(d);
    for v in &d.variables {
        if v.probe().is_some() {
            all.insert(v.name().to_owned(), ".*".to_owned());
        }
    }
    let mut out = vec![all.clone()];
    if let Some(v) = d.variables.iter().find(|v| v.probe().is_some()) {
        let (q, label) = v.probe().expect("probe");
        let rows = prom.query(&substitute(&q, &all)).await;
        let mut values: Vec<&str> = rows
            .iter()
            .filter_map(|r| r["metric"][label].as_str())
            .collect();
        values.sort_unstable();
        assert!(
            !values.is_empty(),
            "{}: variable ${} has no values",
            d.uid,
            v.name()
        );
        for value in values {
            let mut one = all.clone();
            one.insert(v.name().to_owned(), regex_escape(value));
            out.push(one);
        }
    }
    out
}

/// A label value as Grafana puts it into a regex matcher.
fn regex_escape(v: &str) -> String {
    v.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$".contains(c);
            special
                .then_some('\\')
                .into_iter()
                .chain(std::iter::once(c))
        })
        .collect()
}

/// Problems of one query's result: no series, or series without a legend label.
fn check(rows: &[Value], legend: &[String]) -> Option<String> {
    if rows.is_empty() {
        return Some("no data".to_owned());
    }
    legend.iter().find_map(|l| {
        rows.iter()
            .find(|r| r["metric"][l.as_str()].is_null())
            .map(|r| format!("series without legend label {l}: {}", r["metric"]))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_promql_query_returns_data_with_its_legend_labels() {
    let (prom, (running, _announcements), _rules) =
        prometheus_on_the_simulator(Conditions::default()).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for d in dashboards::all() {
        let settings = variable_settings(&prom, &d).await;
        for (title, expr, legend) in promql(&d) {
            let skip = title.starts_with("annotation");
            // With All, the query must return data; with one value selected, it must for
            // at least one value (a GPU panel is empty for a non-GPU container).
            let mut with_all = None;
            let mut with_one = settings.len() == 1;
            for (i, values) in settings.iter().enumerate() {
                if i > 0 && with_one {
                    break;
                }
                let q = substitute(&expr, values);
                let rows = prom.query(&q).await;
                checked += 1;
                let problem = check(&rows, &legend);
                if i == 0 {
                    with_all = problem.map(|p| format!("{} / {title}: {q}: {p}", d.uid));
                } else if problem.is_none() {
                    with_one = true;
                }
            }
            if skip {
                continue;
            }
            failures.extend(with_all);
            if !with_one {
                failures.push(format!(
                    "{} / {title}: {expr}: no data for any single value",
                    d.uid
                ));
            }
        }
    }
    running.stop.cancel();
    assert!(checked > 100, "queries checked: {checked}");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The largest value of a panel's first query, with every variable at All.
async fn panel_max(prom: &Prometheus, uid: &str, title: &str) -> f64 {
    let d = dashboards::all()
        .into_iter()
        .find(|d| d.uid == uid)
        .expect("dashboard");
    let settings = variable_settings(prom, &d).await;
    let p = d.panels().find(|p| p.title == title).expect("panel");
    let q = substitute(&p.queries[0].expr, &settings[0]);
    prom.query(&q)
        .await
        .iter()
        .filter_map(support::sample_value)
        .fold(f64::NEG_INFINITY, f64::max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panels_show_the_faults_the_simulator_injects() {
    let conditions = Conditions {
        scenario: Scenario::Normal,
        faults: [Fault::GpuOverheat, Fault::ModelLoadFailure].into(),
    };
    let (prom, (running, _announcements), _rules) = prometheus_on_the_simulator(conditions).await;
    let hottest = panel_max(&prom, dashboards::uid::HOME, "Hottest GPU").await;
    assert!(
        hottest > llmmon_core::thresholds::GPU_TEMP_CRITICAL_C,
        "overheating GPU: {hottest}"
    );
    let state = panel_max(&prom, dashboards::uid::VLLM, "Model state").await;
    assert!(
        state >= 2.0,
        "a model stuck loading shows code 2 or worse: {state}"
    );
    running.stop.cancel();
    // And in normal conditions the same panels stay quiet.
    let (prom, (running, _announcements), _rules) =
        prometheus_on_the_simulator(Conditions::default()).await;
    let hottest = panel_max(&prom, dashboards::uid::HOME, "Hottest GPU").await;
    assert!(
        hottest < llmmon_core::thresholds::GPU_TEMP_WARNING_C,
        "{hottest}"
    );
    let state = panel_max(&prom, dashboards::uid::VLLM, "Model state").await;
    assert_eq!(state, 1.0, "every model ready");
    running.stop.cancel();
}
