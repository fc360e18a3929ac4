//! Writes rule groups as Prometheus rule-file YAML: deterministic, expressions as literal
//! blocks, every other string double-quoted (JSON escaping is valid YAML), labels sorted.

use std::fmt::Write;

use super::{runbook_url, Alert, Config, Group, Recording};

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\""))
}

/// `expr:` as a literal block, indented under a rule at `indent` spaces.
fn expr_block(out: &mut String, indent: usize, expr: &str) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}expr: |-");
    for line in expr.trim().lines() {
        let _ = writeln!(out, "{pad}  {}", line.trim_end());
    }
}

pub fn recording_groups(groups: &[Group<Recording>]) -> String {
    let mut out = String::from("groups:\n");
    for g in groups {
        let _ = writeln!(out, "  - name: {}\n    rules:", g.name);
        for r in &g.rules {
            let _ = writeln!(out, "      - record: {}", r.record);
            expr_block(&mut out, 8, &r.expr);
        }
    }
    out
}

pub fn alert_groups(cfg: &Config, groups: &[Group<Alert>]) -> String {
    let mut out = String::from("groups:\n");
    for g in groups {
        let _ = writeln!(out, "  - name: {}\n    rules:", g.name);
        for a in &g.rules {
            let _ = writeln!(out, "      - alert: {}", a.name);
            expr_block(&mut out, 8, &a.expr);
            if !a.for_.is_empty() {
                let _ = writeln!(out, "        for: {}", a.for_);
            }
            let _ = writeln!(out, "        labels:");
            let _ = writeln!(out, "          alert_family: {}", quoted(a.family));
            let _ = writeln!(out, "          severity: {}", quoted(a.severity.as_str()));
            let _ = writeln!(out, "        annotations:");
            let _ = writeln!(out, "          description: {}", quoted(&a.description));
            let _ = writeln!(
                out,
                "          runbook_url: {}",
                quoted(&runbook_url(cfg, a.name))
            );
            let _ = writeln!(out, "          summary: {}", quoted(&a.summary));
        }
    }
    out
}
