//! The generated Prometheus rules: committed files match the generator (regenerate with
//! `LLMMON_UPDATE_GOLDEN=1 cargo test --test integration rules::`), every metric they name is a
//! schema family or a recording rule, promtool accepts them and the shipped configs, and the
//! promtool unit tests under compose/config/prometheus/tests/ pass and cover every alert with a
//! firing and a quiet case.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use llmmon::rules::{self, Config};
use llmmon_core::schema;

use crate::support::{promql, require};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn prom_dir() -> PathBuf {
    root().join("compose/config/prometheus")
}

fn generated() -> Vec<(PathBuf, String)> {
    let cfg = Config::default();
    let dir = prom_dir().join("rules");
    vec![
        (
            dir.join("llmmon-recording.yml"),
            rules::recording_yaml(&cfg),
        ),
        (dir.join("llmmon-alerts.yml"), rules::alerts_yaml(&cfg)),
    ]
}

fn yaml(path: &Path) -> serde_yaml_ng::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Every rule of a rule file, as (group, rule) YAML mappings.
fn rules_of(path: &Path) -> Vec<serde_yaml_ng::Value> {
    yaml(path)["groups"]
        .as_sequence()
        .expect("groups")
        .iter()
        .flat_map(|g| g["rules"].as_sequence().expect("rules").clone())
        .collect()
}

fn alert_names() -> BTreeSet<String> {
    rules_of(&prom_dir().join("rules/llmmon-alerts.yml"))
        .iter()
        .map(|r| r["alert"].as_str().expect("alert name").to_owned())
        .collect()
}

#[test]
fn committed_rule_files_match_the_generator() {
    let update = std::env::var_os("LLMMON_UPDATE_GOLDEN").is_some();
    let mut drifted = Vec::new();
    for (path, text) in generated() {
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &text).expect("write rule file");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            let first = committed
                .lines()
                .zip(text.lines())
                .find(|(a, b)| a != b)
                .map(|(a, b)| format!("committed: {a}\n generated: {b}"))
                .unwrap_or_else(|| "(one is a prefix of the other)".into());
            drifted.push(format!("{}:\n{first}", path.display()));
        }
    }
    assert!(
        drifted.is_empty(),
        "rule files drifted from src/rules; run LLMMON_UPDATE_GOLDEN=1 cargo test --test \
         integration rules:: and review the diff:\n{}",
        drifted.join("\n")
    );
}

#[test]
fn every_metric_a_rule_uses_is_a_schema_family_or_a_recording_rule() {
    let recorded: BTreeSet<String> = rules_of(&prom_dir().join("rules/llmmon-recording.yml"))
        .iter()
        .map(|r| r["record"].as_str().expect("record").to_owned())
        .collect();
    let mut used = BTreeSet::new();
    for file in ["llmmon-recording.yml", "llmmon-alerts.yml"] {
        for r in rules_of(&prom_dir().join("rules").join(file)) {
            let expr = r["expr"].as_str().expect("expr");
            let names =
                promql::metric_names(expr).unwrap_or_else(|e| panic!("{file}: {expr}: {e}"));
            for id in names {
                let ours = ["llm_monitor_", "node_", "container_", "DCGM_"]
                    .iter()
                    .any(|p| id.starts_with(p));
                if id.contains(':') {
                    assert!(
                        recorded.contains(&id),
                        "{file}: {id} looks like a recording rule but none is named so"
                    );
                    used.insert(id);
                } else if ours {
                    assert!(
                        schema::family_of(&id).is_some(),
                        "{file}: {id} is not a family of exporter/src/schema.rs"
                    );
                    used.insert(id);
                }
            }
        }
    }
    // The parser must actually have seen names, or the check proves nothing.
    assert!(used.contains(schema::GPU_TEMPERATURE.name), "{used:?}");
    assert!(used.contains("llm_monitor_vllm_e2e_request_latency_seconds_bucket"));
    // Every recording rule is used by an alert or stays for dashboards; none is misspelt.
    assert!(recorded.len() >= 10, "{recorded:?}");
}

#[test]
fn every_aggregation_and_join_of_the_rules_keeps_the_host() {
    let mut mixing = Vec::new();
    let mut aggregations = 0;
    for file in ["llmmon-recording.yml", "llmmon-alerts.yml"] {
        for r in rules_of(&prom_dir().join("rules").join(file)) {
            let expr = r["expr"].as_str().expect("expr");
            aggregations += expr.matches(" by (").count();
            let found = promql::dropping(expr, rules::HOST, false)
                .unwrap_or_else(|e| panic!("{file}: {expr}: {e}"));
            let name = r["record"].as_str().or(r["alert"].as_str()).unwrap_or("?");
            mixing.extend(found.into_iter().map(|f| format!("{file} / {name}: {f}")));
        }
    }
    assert!(aggregations > 20, "the rules' aggregations were read");
    assert!(
        mixing.is_empty(),
        "on the central store these add up or match series of different servers:\n{}",
        mixing.join("\n")
    );
}

#[test]
fn the_host_check_finds_aggregations_and_joins_that_drop_the_host() {
    let found = |e: &str| promql::dropping(e, "host", false).expect("parses");
    assert_eq!(found("sum by (model) (x)").len(), 1);
    assert_eq!(found("sum(x)").len(), 1);
    assert_eq!(found("sum without (host) (x)").len(), 1);
    assert_eq!(found("a * on (container) group_left (model) b").len(), 1);
    assert_eq!(found("a / ignoring (host) b").len(), 1);
    assert!(
        found("sum by (host, model) (x) * on (host) group_left () max by (host) (p)").is_empty()
    );
    assert!(found("sum without (cpu) (x) / ignoring (mode) y or z and w > 1").is_empty());
    assert!(promql::dropping("sum(x)", "host", true)
        .expect("parses")
        .is_empty());
}

#[test]
fn every_alert_has_severity_family_summary_description_and_runbook() {
    let cfg = Config::default();
    for r in rules_of(&prom_dir().join("rules/llmmon-alerts.yml")) {
        let name = r["alert"].as_str().expect("alert");
        let sev = r["labels"]["severity"].as_str().expect("severity");
        assert!(
            ["critical", "warning", "info"].contains(&sev),
            "{name}: {sev}"
        );
        assert!(r["labels"]["alert_family"].as_str().is_some(), "{name}");
        for key in ["summary", "description"] {
            assert!(
                !r["annotations"][key]
                    .as_str()
                    .unwrap_or_default()
                    .is_empty(),
                "{name} lacks {key}"
            );
        }
        assert_eq!(
            r["annotations"]["runbook_url"].as_str(),
            Some(rules::runbook_url(&cfg, name).as_str())
        );
        let runbook = root().join(format!("docs/runbooks/{name}.md"));
        assert!(runbook.is_file(), "{} is missing", runbook.display());
    }
}

fn promtool(args: &[&str], cwd: &Path) -> String {
    let bin = require("promtool", "prometheus");
    let out = Command::new(bin)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool {} failed:\n{text}",
        args.join(" ")
    );
    text
}

#[test]
fn promtool_accepts_the_rule_files() {
    let out = promtool(
        &[
            "check",
            "rules",
            "rules/llmmon-recording.yml",
            "rules/llmmon-alerts.yml",
        ],
        &prom_dir(),
    );
    assert!(out.contains("SUCCESS"), "{out}");
}

fn test_files() -> Vec<PathBuf> {
    let dir = prom_dir().join("tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn promtool_unit_tests_pass() {
    let files = test_files();
    assert!(!files.is_empty(), "no promtool test files");
    let mut args = vec!["test", "rules"];
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    args.extend(names.iter().map(String::as_str));
    promtool(&args, &prom_dir().join("tests"));
}

#[test]
fn every_alert_has_a_promtool_case_firing_it_and_one_keeping_it_quiet() {
    let mut fired: BTreeMap<String, usize> = BTreeMap::new();
    let mut quiet: BTreeMap<String, usize> = BTreeMap::new();
    for file in test_files() {
        let doc = yaml(&file);
        for test in doc["tests"].as_sequence().expect("tests") {
            for case in test["alert_rule_test"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
            {
                let name = case["alertname"].as_str().expect("alertname").to_owned();
                let exp = case["exp_alerts"]
                    .as_sequence()
                    .cloned()
                    .unwrap_or_default();
                if exp.is_empty() {
                    *quiet.entry(name).or_default() += 1;
                } else {
                    for a in &exp {
                        assert!(
                            a["exp_labels"]["severity"].as_str().is_some()
                                && a["exp_annotations"]["description"].as_str().is_some()
                                && a["exp_annotations"]["runbook_url"].as_str().is_some(),
                            "{}: {name} expects an alert without full labels and annotations",
                            file.display()
                        );
                    }
                    *fired.entry(name).or_default() += 1;
                }
            }
        }
    }
    let mut missing = Vec::new();
    for name in alert_names() {
        if !fired.contains_key(&name) {
            missing.push(format!("{name}: no firing case"));
        }
        if !quiet.contains_key(&name) {
            missing.push(format!("{name}: no quiet case"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn every_recording_rule_has_an_exact_sample_test() {
    let mut checked = BTreeSet::new();
    for file in test_files() {
        let doc = yaml(&file);
        for test in doc["tests"].as_sequence().expect("tests") {
            for case in test["promql_expr_test"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
            {
                let expr = case["expr"].as_str().expect("expr").trim().to_owned();
                if case["exp_samples"]
                    .as_sequence()
                    .is_none_or(|s| s.is_empty())
                {
                    continue;
                }
                let names = promql::metric_names(&expr)
                    .unwrap_or_else(|e| panic!("{}: {expr}: {e}", file.display()));
                checked.extend(names.into_iter().filter(|i| i.contains(':')));
            }
        }
    }
    let recorded: Vec<String> = rules_of(&prom_dir().join("rules/llmmon-recording.yml"))
        .iter()
        .map(|r| r["record"].as_str().expect("record").to_owned())
        .collect();
    let untested: Vec<&String> = recorded.iter().filter(|r| !checked.contains(*r)).collect();
    assert!(
        untested.is_empty(),
        "recording rules without an exact-sample promql_expr_test: {untested:?}"
    );
}

#[test]
fn runbook_queries_name_only_schema_families_and_recording_rules() {
    let recorded: BTreeSet<String> = rules_of(&prom_dir().join("rules/llmmon-recording.yml"))
        .iter()
        .map(|r| r["record"].as_str().expect("record").to_owned())
        .collect();
    let mut checked = 0;
    for name in alert_names() {
        let path = root().join(format!("docs/runbooks/{name}.md"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut in_promql = false;
        for line in text.lines() {
            let t = line.trim().trim_start_matches("- ");
            if t.starts_with("```") {
                in_promql = t == "```promql";
                continue;
            }
            if !in_promql {
                continue;
            }
            let query = t.split('#').next().unwrap_or_default();
            let names =
                promql::metric_names(query).unwrap_or_else(|e| panic!("{name}.md: {query}: {e}"));
            for id in names {
                let ours = ["llm_monitor_", "node_", "container_", "DCGM_"]
                    .iter()
                    .any(|p| id.starts_with(p));
                if id.contains(':') {
                    assert!(recorded.contains(&id), "{name}.md: no recording rule {id}");
                } else if ours {
                    assert!(
                        schema::family_of(&id).is_some(),
                        "{name}.md: no family {id}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(
        checked > 20,
        "the runbooks' promql blocks were not found ({checked} names)"
    );
}

#[test]
fn the_operations_manual_lists_every_alert_with_its_runbook() {
    let manual = std::fs::read_to_string(root().join("docs/operations.md")).expect("manual");
    for name in alert_names() {
        let row = format!("| {name} |");
        assert!(
            manual.contains(&row),
            "docs/operations.md has no row for {name}"
        );
        assert!(
            manual.contains(&format!("(runbooks/{name}.md)")),
            "docs/operations.md does not link {name}'s runbook"
        );
    }
}
