//! Prometheus recording and alerting rules, generated from one [`Config`] and the metric
//! schema, and written as the YAML files Prometheus loads
//! (`compose/config/prometheus/rules/llmmon-{recording,alerts}.yml`, committed and
//! drift-checked by `tests/integration/rules.rs`).
//!
//! Metric names are never typed here: expressions take them from
//! `llmmon_core::schema`, so a rename there changes the rules, and the test that every
//! name in the YAML is a schema family or a recording rule catches the rest.
//!
//! Every aggregation and join keeps [`HOST`], so that evaluated on the central store of a
//! fleet (vmalert over VictoriaMetrics, where every series has one) figures of different
//! servers are never added or matched together; on a server's own Prometheus, where the
//! label is absent, `by (host, model)` gives exactly what `by (model)` gives.
//!
//! Severities mean:
//! - `critical`: something users notice now or soon (a model down, GPUs overheating, errors);
//!   act at once, it pages.
//! - `warning`: degraded or heading for trouble; look today, it goes to chat.
//! - `info`: for the record; it is only logged (no alert uses it yet).

pub mod alerts;
pub mod config;
pub mod energy;
pub mod gpu_health;
pub mod recording;
mod yaml;

pub use config::Config;

/// The label naming the server a series comes from. A server's Prometheus adds it only in
/// `remote_write`'s external labels, so locally no series has it and centrally every one
/// does. Rules and dashboards write it from here, never as a literal.
pub const HOST: &str = "host";

/// How urgent an alert (or a problem `llmmon status` reports) is; routed by Alertmanager
/// on the `severity` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A recording rule: `level:metric:operations`, with the window in the operations.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub record: String,
    pub expr: String,
}

/// An alerting rule before the runbook link is added.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub name: &'static str,
    pub expr: String,
    /// `for` window; empty fires at the first evaluation.
    pub for_: &'static str,
    pub severity: Severity,
    /// Alerts of one family are twins at different severities (`GPUTemperatureHigh`,
    /// `GPUTemperatureCritical`); Alertmanager lets the critical one inhibit the warning.
    /// An alert without a twin is its own family.
    pub family: &'static str,
    /// One line with the labels that say what is affected.
    pub summary: String,
    /// What is wrong, with the value (`{{ $value }}`, formatted) and the threshold.
    pub description: String,
}

/// A named group of rules, evaluated together.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<R> {
    pub name: &'static str,
    pub rules: Vec<R>,
}

/// The runbook of an alert: `docs/runbooks/<Alert>.md` under the configured base. The one
/// place a `runbook_url` is made.
pub fn runbook_url(cfg: &Config, alert: &str) -> String {
    format!("{}{alert}.md", cfg.runbook_base_url)
}

/// Header of every generated file.
fn header(what: &str) -> String {
    format!(
        "# {what} of llmmon, generated from src/rules (config: src/rules/config.rs).\n\
         # Do not edit: change the generator, then run\n\
         #   LLMMON_UPDATE_GOLDEN=1 cargo test --test integration rules::\n"
    )
}

/// `llmmon-recording.yml`.
pub fn recording_yaml(cfg: &Config) -> String {
    let groups = recording::groups(cfg);
    let mut out = header("Recording rules");
    out.push_str(&yaml::recording_groups(&groups));
    out
}

/// `llmmon-alerts.yml`.
pub fn alerts_yaml(cfg: &Config) -> String {
    let groups = alerts::groups(cfg);
    let mut out = header("Alerting rules");
    out.push_str(&yaml::alert_groups(cfg, &groups));
    out
}

/// Formats a number as PromQL and Go templates read it: `85`, `0.95`.
pub fn num(x: f64) -> String {
    format!("{x}")
}

/// A ratio as a percentage for prose: `0.95` → `95 %`.
pub fn percent(x: f64) -> String {
    format!("{} %", num((x * 1000.0).round() / 10.0))
}

/// `expr` with every recording rule named in `recorded` (name → expression) replaced by its
/// definition, recursively, outside quoted strings: the expression evaluated over raw
/// history, where recording rules never ran (backfills).
pub fn inline_recorded(
    expr: &str,
    recorded: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let flush = |word: &mut String, out: &mut String| {
        match recorded.get(word.as_str()) {
            Some(def) => out.push_str(&format!("({})", inline_recorded(def, recorded))),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in expr.chars() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out);
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
        out.push(c);
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlining_replaces_recording_rules_by_their_definitions_outside_strings() {
        let recorded = [
            ("a:b:rate5m".to_owned(), "sum(rate(b[5m]))".to_owned()),
            ("a:c:ratio".to_owned(), "a:b:rate5m / 2".to_owned()),
        ]
        .into();
        assert_eq!(
            inline_recorded(r#"a:c:ratio > 1 and on (m) x{s="a:b:rate5m"}"#, &recorded),
            r#"((sum(rate(b[5m]))) / 2) > 1 and on (m) x{s="a:b:rate5m"}"#
        );
        assert_eq!(
            inline_recorded("x{s='a:b:rate5m'} + a:b:rate5m", &recorded),
            "x{s='a:b:rate5m'} + (sum(rate(b[5m])))"
        );
    }

    #[test]
    fn runbook_links_follow_the_alert_name() {
        let cfg = Config::default();
        assert_eq!(
            runbook_url(&cfg, "GPUTemperatureHigh"),
            "https://github.com/llmmon/llmmon/blob/main/docs/runbooks/GPUTemperatureHigh.md"
        );
    }

    #[test]
    fn numbers_print_as_promql_reads_them() {
        assert_eq!(num(85.0), "85");
        assert_eq!(num(0.95), "0.95");
        assert_eq!(percent(0.95), "95 %");
        assert_eq!(percent(0.055), "5.5 %");
    }
}
