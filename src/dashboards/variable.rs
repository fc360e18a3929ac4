//! Template variables: the servers of a fleet, label values from Prometheus or Loki,
//! aggregation intervals, fixed lists, free text and constants.

use llmmon_core::schema::{self as s, MetricDef};
use serde_json::{json, Value};

use super::{scope, Datasource};
use crate::rules::HOST;

/// One template variable of a dashboard.
#[derive(Debug, Clone, PartialEq)]
pub enum Variable {
    /// The servers to show (`host` label), multi-select with "All", first on every
    /// dashboard with PromQL. The values are the hosts of every exporter's `source_up`. All
    /// is `.*`, which also matches series without the label: a server's own Prometheus has
    /// none (remote_write adds it), so there the list is empty and All shows everything.
    Host,
    /// `label_values(metric{selector}, label)` from Prometheus, of the selected servers;
    /// multi-select with "All".
    PromLabel {
        name: &'static str,
        label: &'static str,
        metric: &'static MetricDef,
        label_name: &'static str,
        /// Matchers inside the braces, may refer to earlier variables (`model=~"$model"`).
        selector: String,
    },
    /// `label_values(label)` from Loki.
    LokiLabel {
        name: &'static str,
        label: &'static str,
        label_name: &'static str,
    },
    /// A fixed list of values (multi-select with "All").
    Custom {
        name: &'static str,
        label: &'static str,
        values: &'static [&'static str],
    },
    /// An interval picker (aggregation per minute / hour / day).
    Interval {
        name: &'static str,
        label: &'static str,
        values: &'static [&'static str],
        default: &'static str,
    },
    /// A free-text box (log search).
    Textbox {
        name: &'static str,
        label: &'static str,
    },
    /// A hidden value set per deployment (the public endpoint URL).
    Constant {
        name: &'static str,
        value: &'static str,
    },
}

impl Variable {
    pub fn name(&self) -> &'static str {
        match self {
            Variable::Host => HOST,
            Variable::PromLabel { name, .. }
            | Variable::LokiLabel { name, .. }
            | Variable::Custom { name, .. }
            | Variable::Interval { name, .. }
            | Variable::Textbox { name, .. }
            | Variable::Constant { name, .. } => name,
        }
    }

    /// The PromQL that finds this variable's values (for tests: each value is a series of
    /// the result, under `label_name`), with earlier variables still to be substituted.
    /// None for [`Variable::Host`]: a server's own Prometheus has no host to find.
    pub fn probe(&self) -> Option<(String, &'static str)> {
        match self {
            Variable::PromLabel {
                metric,
                label_name,
                selector,
                ..
            } => Some((
                format!(
                    "group by ({label_name}) ({})",
                    scope::with_host(&format!("{}{{{selector}}}", metric.name))
                ),
                label_name,
            )),
            _ => None,
        }
    }

    pub(super) fn to_json(&self) -> Value {
        let all_multi = json!({"selected": true, "text": ["All"], "value": ["$__all"]});
        match self {
            // Unscoped: the list of servers is what scopes the rest.
            Variable::Host => prom_label_json(
                HOST,
                "Server",
                &format!("label_values({}, {HOST})", s::SOURCE_UP.name),
                1,
            ),
            Variable::PromLabel {
                name,
                label,
                metric,
                label_name,
                selector,
            } => {
                let selector = scope::with_host(&format!("{}{{{selector}}}", metric.name));
                let query = format!("label_values({selector}, {label_name})");
                prom_label_json(name, label, &query, 3)
            }
            Variable::LokiLabel {
                name,
                label,
                label_name,
            } => json!({
                "type": "query", "name": name, "label": label,
                "datasource": Datasource::Loki.to_json(),
                "definition": format!("label_values({label_name})"),
                "query": {"label": label_name, "stream": "", "type": 1, "refId": "LokiVariableQueryEditor-VariableQuery"},
                "refresh": 2, "sort": 1, "multi": true, "includeAll": true, "allValue": ".+",
                "current": all_multi, "hide": 0, "regex": "", "options": [],
            }),
            Variable::Custom {
                name,
                label,
                values,
            } => json!({
                "type": "custom", "name": name, "label": label,
                "query": values.join(","),
                "options": values.iter().map(|v| json!({"text": v, "value": v, "selected": false})).collect::<Vec<_>>(),
                "multi": true, "includeAll": true, "allValue": ".+",
                "current": all_multi, "hide": 0,
            }),
            Variable::Interval {
                name,
                label,
                values,
                default,
            } => json!({
                "type": "interval", "name": name, "label": label,
                "query": values.join(","),
                "options": values.iter().map(|v| json!({"text": v, "value": v, "selected": v == default})).collect::<Vec<_>>(),
                "auto": false, "current": {"text": default, "value": default, "selected": true},
                "refresh": 2, "hide": 0,
            }),
            Variable::Textbox { name, label } => json!({
                "type": "textbox", "name": name, "label": label, "query": "",
                "current": {"text": "", "value": ""}, "hide": 0,
            }),
            Variable::Constant { name, value } => json!({
                "type": "constant", "name": name, "query": value, "hide": 2,
                "current": {"text": value, "value": value},
            }),
        }
    }
}

/// A Prometheus `label_values` variable: multi-select, All as `.*` (which matches an absent
/// label too), refreshed when the time range changes; `sort` is Grafana's (1 alphabetical,
/// 3 numerical).
fn prom_label_json(name: &str, label: &str, query: &str, sort: u8) -> Value {
    json!({
        "type": "query", "name": name, "label": label,
        "datasource": Datasource::Prometheus.to_json(),
        "definition": query,
        "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1},
        "refresh": 2, "sort": sort, "multi": true, "includeAll": true, "allValue": ".*",
        "current": {"selected": true, "text": ["All"], "value": ["$__all"]},
        "hide": 0, "regex": "", "options": [],
    })
}

/// A Prometheus label variable without a selector.
pub fn prom_label(
    name: &'static str,
    label: &'static str,
    metric: &'static MetricDef,
    label_name: &'static str,
) -> Variable {
    Variable::PromLabel {
        name,
        label,
        metric,
        label_name,
        selector: String::new(),
    }
}
