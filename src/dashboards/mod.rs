//! Grafana dashboards generated from code and written to `dashboards/` (committed; the test
//! `tests/integration/dashboards.rs` fails on drift — regenerate with
//! `LLMMON_UPDATE_GOLDEN=1 cargo test --test integration dashboards::`).
//!
//! Each dashboard module has a short `dashboard()` that lists rows and panels in reading
//! order; panel kinds and their defaults live in [`panel`], template variables in
//! [`variable`], layout and JSON rendering here. Metric names come from
//! `llmmon_core::schema`, thresholds from `llmmon_core::thresholds`, expensive
//! expressions from the recording rules of [`crate::rules::recording`].
//!
//! Every dashboard with PromQL starts with the `$host` variable (the servers of a fleet's
//! central store; All on a single server), and every query is scoped to it by [`scope`].

pub mod docs;
pub mod panel;
pub mod scope;
pub mod variable;

mod announcements;
mod catalog;
mod containers;
mod energy;
mod fleet;
mod gpus;
mod home;
mod host;
mod langfuse;
mod litellm;
mod logs;
mod vllm;

use serde_json::{json, Value};

use crate::rules::{self, Config};
pub use panel::{Panel, Query};
pub use variable::Variable;

/// Datasource uids of the Grafana provisioning
/// (`compose/config/grafana/provisioning/datasources/datasources.yml`). Change them only
/// together with that file.
pub const PROMETHEUS_UID: &str = "prometheus";
pub const LOKI_UID: &str = "loki";
pub const ALERTMANAGER_UID: &str = "alertmanager";
/// Grafana's built-in datasource (text and dashboard-list panels).
pub const GRAFANA_UID: &str = "grafana";

/// Dashboard uids: stable, so links and bookmarks survive a regeneration. Change one only
/// with a redirect in mind; every link is made from these.
pub mod uid {
    pub const HOME: &str = "llmmon-home";
    pub const FLEET: &str = "llmmon-fleet";
    pub const HOST: &str = "llmmon-host";
    pub const GPUS: &str = "llmmon-gpus";
    pub const CONTAINERS: &str = "llmmon-containers";
    pub const LOGS: &str = "llmmon-logs";
    pub const VLLM: &str = "llmmon-vllm";
    pub const LITELLM: &str = "llmmon-litellm";
    pub const LANGFUSE: &str = "llmmon-langfuse";
    pub const ANNOUNCEMENTS: &str = "llmmon-announcements";
    pub const CATALOG: &str = "llmmon-catalog";
}

/// Tag every dashboard carries; the dashboard links menu lists dashboards by it.
pub const TAG: &str = "llmmon";

/// Where a panel's data comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datasource {
    Prometheus,
    Loki,
    Alertmanager,
    Grafana,
}

impl Datasource {
    pub fn uid(self) -> &'static str {
        match self {
            Datasource::Prometheus => PROMETHEUS_UID,
            Datasource::Loki => LOKI_UID,
            Datasource::Alertmanager => ALERTMANAGER_UID,
            Datasource::Grafana => GRAFANA_UID,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Datasource::Prometheus => "prometheus",
            Datasource::Loki => "loki",
            Datasource::Alertmanager => "alertmanager",
            Datasource::Grafana => "datasource",
        }
    }

    pub fn to_json(self) -> Value {
        json!({"type": self.kind(), "uid": self.uid()})
    }
}

/// Grafana folder of a dashboard: a subdirectory of `dashboards/`, one provisioning
/// provider each (`compose/config/grafana/provisioning/dashboards/dashboards.yml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// The home dashboard: `dashboards/home.json`, Grafana's default home page.
    Root,
    Infrastructure,
    LlmServices,
    EndUsers,
}

impl Folder {
    pub fn dir(self) -> &'static str {
        match self {
            Folder::Root => "",
            Folder::Infrastructure => "infrastructure",
            Folder::LlmServices => "llm-services",
            Folder::EndUsers => "end-users",
        }
    }
}

/// Who a dashboard is for (docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Maintainers,
    EndUsers,
    Everyone,
}

/// A titled row of panels.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub title: &'static str,
    pub panels: Vec<Panel>,
}

pub fn row(title: &'static str, panels: Vec<Panel>) -> Row {
    Row { title, panels }
}

/// A dashboard before layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    pub uid: &'static str,
    pub title: &'static str,
    /// File name under the folder, without `.json`.
    pub file: &'static str,
    pub folder: Folder,
    pub audience: Audience,
    /// One sentence: what the dashboard is for (description and docs).
    pub purpose: &'static str,
    pub tags: Vec<&'static str>,
    pub variables: Vec<Variable>,
    pub rows: Vec<Row>,
    /// Alert groups of `src/rules` whose firing alerts are annotated on time series.
    pub alert_groups: Vec<&'static str>,
    /// Extra annotation queries (PromQL), e.g. announcements.
    pub annotations: Vec<(&'static str, String)>,
    pub time_from: &'static str,
}

impl Dashboard {
    pub fn new(uid: &'static str, title: &'static str, file: &'static str, folder: Folder) -> Self {
        Self {
            uid,
            title,
            file,
            folder,
            audience: Audience::Maintainers,
            purpose: "",
            tags: vec![TAG],
            variables: vec![Variable::Host],
            rows: Vec::new(),
            alert_groups: Vec::new(),
            annotations: Vec::new(),
            time_from: "now-6h",
        }
    }

    /// Path relative to the repository root.
    pub fn path(&self) -> String {
        match self.folder {
            Folder::Root => format!("dashboards/{}.json", self.file),
            f => format!("dashboards/{}/{}.json", f.dir(), self.file),
        }
    }

    /// Every panel, in reading order.
    pub fn panels(&self) -> impl Iterator<Item = &Panel> {
        self.rows.iter().flat_map(|r| r.panels.iter())
    }

    /// The annotation queries: firing alerts of this dashboard's alert groups, then extras;
    /// scoped to `$host`.
    pub fn annotation_queries(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let names = alert_names(&self.alert_groups);
        if !names.is_empty() {
            out.push((
                "Firing alerts".to_owned(),
                scope::with_host(&format!(
                    "ALERTS{{alertstate=\"firing\", alertname=~\"{}\"}}",
                    names.join("|")
                )),
            ));
        }
        for (name, expr) in &self.annotations {
            out.push(((*name).to_owned(), scope::with_host(expr)));
        }
        out
    }

    /// The dashboard as Grafana's JSON: panels laid out row by row, 24 columns wide.
    pub fn to_json(&self) -> Value {
        let mut panels = Vec::new();
        let mut id = 1;
        let mut y = 0;
        for r in &self.rows {
            panels.push(json!({
                "id": id, "type": "row", "title": r.title, "collapsed": false,
                "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": [],
            }));
            id += 1;
            y += 1;
            let (mut x, mut line_h) = (0, 0);
            for p in &r.panels {
                if x + p.width > 24 {
                    y += line_h;
                    x = 0;
                    line_h = 0;
                }
                panels.push(p.to_json(id, x, y));
                id += 1;
                x += p.width;
                line_h = line_h.max(p.height);
            }
            y += line_h;
        }
        let mut annotations = vec![json!({
            "builtIn": 1, "datasource": Datasource::Grafana.to_json(), "enable": true,
            "hide": true, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
            "type": "dashboard",
        })];
        for (name, expr) in self.annotation_queries() {
            annotations.push(json!({
                "datasource": Datasource::Prometheus.to_json(), "enable": true, "hide": false,
                "iconColor": "red", "name": name, "expr": expr, "step": "60s",
                "titleFormat": if name == "Firing alerts" { "{{alertname}}" } else { "{{title}}" },
                "textFormat": if name == "Firing alerts" { "{{severity}}: {{host}} {{instance}} {{gpu}}{{model}}{{container}}{{mountpoint}}" } else { "{{severity}} {{kind}}" },
                "tagKeys": "severity,kind", "useValueForTime": false,
            }));
        }
        let mut links = vec![json!({
            "type": "dashboards", "tags": [TAG], "asDropdown": true, "title": "llmmon",
            "includeVars": false, "keepTime": true, "targetBlank": false,
        })];
        if self.uid != uid::HOME {
            links.insert(
                0,
                json!({"type": "link", "title": "Home", "url": "/", "icon": "dashboard", "keepTime": true, "targetBlank": false, "tags": [], "asDropdown": false, "includeVars": false}),
            );
        }
        json!({
            "uid": self.uid,
            "title": self.title,
            "description": self.purpose,
            "tags": self.tags,
            "editable": false,
            "graphTooltip": 1,
            "refresh": "30s",
            "schemaVersion": 39,
            "version": 1,
            "timezone": "browser",
            "time": {"from": self.time_from, "to": "now"},
            "timepicker": {},
            "fiscalYearStartMonth": 0,
            "liveNow": false,
            "weekStart": "",
            "templating": {"list": self.variables.iter().map(Variable::to_json).collect::<Vec<_>>()},
            "annotations": {"list": annotations},
            "links": links,
            "panels": panels,
        })
    }
}

/// Alert names of the given groups of the shipped rules.
pub fn alert_names(groups: &[&str]) -> Vec<&'static str> {
    rules::alerts::groups(&Config::default())
        .into_iter()
        .filter(|g| groups.contains(&g.name))
        .flat_map(|g| g.rules.into_iter().map(|a| a.name))
        .collect()
}

/// The URL of a dashboard (for links between them).
pub fn url(uid: &str) -> String {
    if uid == uid::HOME {
        "/".to_owned()
    } else {
        format!("/d/{uid}")
    }
}

/// Every dashboard, home first.
pub fn all() -> Vec<Dashboard> {
    vec![
        home::dashboard(),
        fleet::dashboard(),
        host::dashboard(),
        gpus::dashboard(),
        containers::dashboard(),
        logs::dashboard(),
        vllm::dashboard(),
        litellm::dashboard(),
        langfuse::dashboard(),
        announcements::dashboard(),
        catalog::dashboard(),
    ]
}

/// Deterministic JSON: keys sorted, two-space indent, newline at the end.
pub fn render(value: &Value) -> String {
    let mut out = String::new();
    write_sorted(value, 0, &mut out);
    out.push('\n');
    out
}

fn write_sorted(v: &Value, depth: usize, out: &mut String) {
    let pad = |d: usize| "  ".repeat(d);
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push_str(": ");
                write_sorted(&map[k.as_str()], depth + 1, out);
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_sorted(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_sorts_keys_and_indents_two_spaces() {
        let v = json!({"b": 1, "a": {"d": [1, 2], "c": {}}});
        assert_eq!(
            render(&v),
            "{\n  \"a\": {\n    \"c\": {},\n    \"d\": [\n      1,\n      2\n    ]\n  },\n  \"b\": 1\n}\n"
        );
    }
}
