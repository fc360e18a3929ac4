//! Panels and their queries: the kinds of panel the dashboards use, a builder per kind, and
//! the one place panel defaults (legend, tooltip, colours, thresholds) are applied.

use serde_json::{json, Map, Value};

use super::Datasource;

/// A query of a panel: PromQL for Prometheus, LogQL for Loki.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub datasource: Datasource,
    pub expr: String,
    /// Grafana's legend format (`{{model}}`); the labels it names must be on the result.
    pub legend: String,
    /// One value per series (tables, stats, pies) instead of a range.
    pub instant: bool,
    pub format: Format,
}

/// How Grafana shapes a query's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    TimeSeries,
    Table,
    Heatmap,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::TimeSeries => "time_series",
            Format::Table => "table",
            Format::Heatmap => "heatmap",
        }
    }
}

/// A PromQL range query with a legend, scoped to the servers of `$host`
/// ([`super::scope::with_host`]: a host matcher on every selector, `host` in every `by` and
/// `on`). Legends name no host: on one server's Prometheus there is none.
pub fn prom(expr: impl Into<String>, legend: &str) -> Query {
    Query {
        datasource: Datasource::Prometheus,
        expr: super::scope::with_host(&expr.into()),
        legend: legend.to_owned(),
        instant: false,
        format: Format::TimeSeries,
    }
}

/// A PromQL instant query shown as a table (one row per series, labels as columns).
pub fn table(expr: impl Into<String>, legend: &str) -> Query {
    Query {
        instant: true,
        format: Format::Table,
        ..prom(expr, legend)
    }
}

/// A PromQL instant query (stats, gauges, pies, bar gauges).
pub fn instant(expr: impl Into<String>, legend: &str) -> Query {
    Query {
        instant: true,
        ..prom(expr, legend)
    }
}

/// A LogQL query (log lines or a metric query over logs).
pub fn loki(expr: impl Into<String>, legend: &str) -> Query {
    Query {
        datasource: Datasource::Loki,
        expr: expr.into(),
        legend: legend.to_owned(),
        instant: false,
        format: Format::TimeSeries,
    }
}

impl Query {
    /// Label names the legend refers to (`{{gpu}} {{model}}` → gpu, model).
    pub fn legend_labels(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.legend.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else { break };
            out.push(after[..end].trim().to_owned());
            rest = &after[end + 2..];
        }
        out
    }

    fn to_json(&self, ref_id: &str, interval: Option<&str>) -> Value {
        let mut t = json!({
            "datasource": self.datasource.to_json(),
            "expr": self.expr,
            "refId": ref_id,
        });
        if !self.legend.is_empty() {
            t["legendFormat"] = json!(self.legend);
        }
        if self.datasource == Datasource::Prometheus {
            t["format"] = json!(self.format.as_str());
            t["instant"] = json!(self.instant);
            t["range"] = json!(!self.instant);
            if let Some(i) = interval {
                t["interval"] = json!(i);
            }
        } else {
            t["queryType"] = json!(if self.instant { "instant" } else { "range" });
        }
        t
    }
}

/// Grafana panel types used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    TimeSeries,
    Stat,
    Gauge,
    BarGauge,
    Table,
    Heatmap,
    PieChart,
    StateTimeline,
    Logs,
    Text,
    AlertList,
    DashList,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::TimeSeries => "timeseries",
            Kind::Stat => "stat",
            Kind::Gauge => "gauge",
            Kind::BarGauge => "bargauge",
            Kind::Table => "table",
            Kind::Heatmap => "heatmap",
            Kind::PieChart => "piechart",
            Kind::StateTimeline => "state-timeline",
            Kind::Logs => "logs",
            Kind::Text => "text",
            Kind::AlertList => "alertlist",
            Kind::DashList => "dashlist",
        }
    }
}

/// One threshold step: from `value` on (None = the base step), the colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub value: Option<f64>,
    pub color: &'static str,
}

/// Green below `warning`, orange from it, red from `critical` (the alert rules' numbers).
pub fn warn_crit(warning: f64, critical: f64) -> Vec<Step> {
    vec![
        Step {
            value: None,
            color: "green",
        },
        Step {
            value: Some(warning),
            color: "orange",
        },
        Step {
            value: Some(critical),
            color: "red",
        },
    ]
}

/// Green below `critical`, red from it (alerts without a warning twin).
pub fn crit(critical: f64) -> Vec<Step> {
    vec![
        Step {
            value: None,
            color: "green",
        },
        Step {
            value: Some(critical),
            color: "red",
        },
    ]
}

/// Red below `low`, green from it (free space, availability: low is bad).
pub fn low_is_bad(low: f64) -> Vec<Step> {
    vec![
        Step {
            value: None,
            color: "red",
        },
        Step {
            value: Some(low),
            color: "green",
        },
    ]
}

/// A link from a panel to another dashboard or a runbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// A panel before layout: what it shows and how large it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub kind: Kind,
    pub title: String,
    pub description: String,
    pub unit: &'static str,
    pub queries: Vec<Query>,
    pub width: u32,
    pub height: u32,
    pub thresholds: Vec<Step>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub stacked: bool,
    /// Value → text mappings (state codes, 0/1 flags).
    pub mappings: Vec<(f64, &'static str, &'static str)>,
    pub links: Vec<Link>,
    /// Links of every value (tables): Grafana fills `${__data.fields.<name>}` from the row.
    pub data_links: Vec<Link>,
    /// Field overrides: the field's name as shown, and Grafana's properties for it.
    pub overrides: Vec<(String, Vec<Value>)>,
    /// Alert rules this panel shows the input of (names of `src/rules` alerts).
    pub alerts: Vec<&'static str>,
    /// Grafana's minimum interval of the queries (`$agg` for the aggregation selector).
    pub interval: Option<String>,
    /// Options of the panel kind that differ from the defaults in [`Panel::options`].
    pub extra_options: Map<String, Value>,
    pub transformations: Vec<Value>,
}

impl Panel {
    pub fn new(kind: Kind, title: &str, unit: &'static str) -> Self {
        let (width, height) = match kind {
            Kind::Stat | Kind::Gauge => (4, 4),
            Kind::Logs => (24, 14),
            Kind::Text | Kind::DashList | Kind::AlertList => (8, 8),
            _ => (12, 8),
        };
        Self {
            kind,
            title: title.to_owned(),
            description: String::new(),
            unit,
            queries: Vec::new(),
            width,
            height,
            thresholds: Vec::new(),
            min: None,
            max: None,
            stacked: false,
            mappings: Vec::new(),
            links: Vec::new(),
            data_links: Vec::new(),
            overrides: Vec::new(),
            alerts: Vec::new(),
            interval: None,
            extra_options: Map::new(),
            transformations: Vec::new(),
        }
    }

    pub fn desc(mut self, d: &str) -> Self {
        self.description = d.to_owned();
        self
    }
    pub fn q(mut self, q: Query) -> Self {
        self.queries.push(q);
        self
    }
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }
    pub fn thresholds(mut self, steps: Vec<Step>) -> Self {
        self.thresholds = steps;
        self
    }
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.min = Some(min);
        self.max = Some(max);
        self
    }
    pub fn min(mut self, min: f64) -> Self {
        self.min = Some(min);
        self
    }
    pub fn stacked(mut self) -> Self {
        self.stacked = true;
        self
    }
    pub fn map(mut self, value: f64, text: &'static str, color: &'static str) -> Self {
        self.mappings.push((value, text, color));
        self
    }
    pub fn link(mut self, title: &str, url: &str) -> Self {
        self.links.push(Link {
            title: title.to_owned(),
            url: url.to_owned(),
        });
        self
    }
    pub fn data_link(mut self, title: &str, url: &str) -> Self {
        self.data_links.push(Link {
            title: title.to_owned(),
            url: url.to_owned(),
        });
        self
    }
    /// Overrides the field `name` (as shown, after transformations) with `properties`.
    pub fn field(mut self, name: &str, properties: Vec<Value>) -> Self {
        self.overrides.push((name.to_owned(), properties));
        self
    }
    pub fn alert(mut self, name: &'static str) -> Self {
        self.alerts.push(name);
        self
    }
    pub fn interval(mut self, i: &str) -> Self {
        self.interval = Some(i.to_owned());
        self
    }
    pub fn option(mut self, key: &str, value: Value) -> Self {
        self.extra_options.insert(key.to_owned(), value);
        self
    }
    pub fn transform(mut self, t: Value) -> Self {
        self.transformations.push(t);
        self
    }

    /// The datasource of the panel: that of its queries, Grafana's own for panels without.
    pub fn datasource(&self) -> Datasource {
        self.queries
            .first()
            .map(|q| q.datasource)
            .unwrap_or(match self.kind {
                Kind::AlertList => Datasource::Prometheus,
                _ => Datasource::Grafana,
            })
    }

    /// Panel options: defaults per kind, then the panel's own.
    fn options(&self) -> Value {
        let legend = json!({"displayMode": "table", "placement": "right", "showLegend": true, "calcs": ["lastNotNull", "max"]});
        let reduce = json!({"calcs": ["lastNotNull"], "fields": "", "values": false});
        let mut o = match self.kind {
            Kind::TimeSeries => {
                json!({"legend": legend, "tooltip": {"mode": "multi", "sort": "desc"}})
            }
            Kind::Stat => {
                json!({"reduceOptions": reduce, "colorMode": "background", "graphMode": "area", "textMode": "auto", "justifyMode": "auto", "orientation": "auto"})
            }
            Kind::Gauge => {
                json!({"reduceOptions": reduce, "showThresholdMarkers": true, "showThresholdLabels": false})
            }
            Kind::BarGauge => {
                json!({"reduceOptions": reduce, "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": true})
            }
            // No footer: Grafana 12.2 moved it into the field config, and none is the default.
            Kind::Table => {
                json!({"showHeader": true, "cellHeight": "sm"})
            }
            Kind::Heatmap => {
                json!({"calculate": false, "yAxis": {"axisPlacement": "left"}, "color": {"mode": "scheme", "scheme": "Oranges"}, "cellGap": 1, "tooltip": {"mode": "single", "yHistogram": false}, "legend": {"show": true}})
            }
            Kind::PieChart => {
                json!({"reduceOptions": reduce, "pieType": "donut", "legend": {"displayMode": "table", "placement": "right", "showLegend": true, "values": ["value", "percent"]}, "tooltip": {"mode": "single"}})
            }
            Kind::StateTimeline => {
                json!({"showValue": "auto", "mergeValues": true, "rowHeight": 0.8, "legend": {"displayMode": "list", "placement": "bottom", "showLegend": true}})
            }
            Kind::Logs => {
                json!({"showTime": true, "wrapLogMessage": true, "sortOrder": "Descending", "enableLogDetails": true, "dedupStrategy": "none", "prettifyLogMessage": false, "showLabels": false, "showCommonLabels": false})
            }
            Kind::Text => json!({"mode": "markdown", "content": ""}),
            Kind::AlertList => {
                json!({"viewMode": "list", "groupMode": "default", "maxItems": 20, "sortOrder": 1, "stateFilter": {"firing": true, "pending": true, "noData": false, "normal": false, "error": true}, "alertInstanceLabelFilter": "", "datasource": "Prometheus", "showInstances": true})
            }
            Kind::DashList => {
                json!({"showHeadings": false, "showSearch": true, "showStarred": false, "showRecentlyViewed": false, "tags": ["llmmon"], "maxItems": 20, "query": ""})
            }
        };
        for (k, v) in &self.extra_options {
            o[k] = v.clone();
        }
        o
    }

    fn field_defaults(&self) -> Value {
        let steps: Vec<Value> = if self.thresholds.is_empty() {
            vec![json!({"color": "green", "value": null})]
        } else {
            self.thresholds
                .iter()
                .map(|s| json!({"color": s.color, "value": s.value}))
                .collect()
        };
        // (A heatmap colours its cells by options.color; "scheme" is no field colour mode.)
        let color = match self.kind {
            Kind::TimeSeries | Kind::PieChart => json!({"mode": "palette-classic"}),
            _ if self.thresholds.is_empty() && self.mappings.is_empty() => {
                json!({"mode": "fixed", "fixedColor": "blue"})
            }
            _ => json!({"mode": "thresholds"}),
        };
        let mut d = json!({
            "unit": self.unit,
            "color": color,
            "thresholds": {"mode": "absolute", "steps": steps},
        });
        if let Some(m) = self.min {
            d["min"] = json!(m);
        }
        if let Some(m) = self.max {
            d["max"] = json!(m);
        }
        if !self.data_links.is_empty() {
            d["links"] = links_json(&self.data_links);
        }
        if !self.mappings.is_empty() {
            let mut options = Map::new();
            for (v, text, color) in &self.mappings {
                options.insert(
                    format!("{v}"),
                    json!({"text": text, "color": color, "index": options.len()}),
                );
            }
            d["mappings"] = json!([{"type": "value", "options": options}]);
        }
        match self.kind {
            Kind::TimeSeries => {
                d["custom"] = json!({
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": if self.stacked { 40 } else { 10 },
                    "showPoints": "never",
                    "spanNulls": false,
                    "stacking": {"mode": if self.stacked { "normal" } else { "none" }, "group": "A"},
                    "thresholdsStyle": {"mode": if self.thresholds.is_empty() { "off" } else { "dashed" }},
                });
            }
            Kind::Table => {
                d["custom"] = json!({"align": "auto", "cellOptions": {"type": if self.thresholds.is_empty() && self.mappings.is_empty() { "auto" } else { "color-background" }}, "filterable": true});
            }
            Kind::StateTimeline => {
                d["custom"] = json!({"fillOpacity": 80, "lineWidth": 0});
            }
            _ => {}
        }
        d
    }

    /// The panel as Grafana's JSON, at `pos` with `id`.
    pub(super) fn to_json(&self, id: u32, x: u32, y: u32) -> Value {
        let refs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let targets: Vec<Value> = self
            .queries
            .iter()
            .enumerate()
            .map(|(i, q)| q.to_json(&refs[i..=i], self.interval.as_deref()))
            .collect();
        let mut description = self.description.clone();
        if !self.alerts.is_empty() {
            description.push_str(&format!(" Alert rules: {}.", self.alerts.join(", ")));
        }
        let mut p = json!({
            "id": id,
            "type": self.kind.as_str(),
            "title": self.title,
            "description": description.trim(),
            "datasource": self.datasource().to_json(),
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": targets,
            "options": self.options(),
            "fieldConfig": {"defaults": self.field_defaults(), "overrides": self.overrides_json()},
            "links": links_json(&self.links),
            "transparent": false,
        });
        if !self.transformations.is_empty() {
            p["transformations"] = json!(self.transformations);
        }
        if let Some(i) = &self.interval {
            p["interval"] = json!(i);
        }
        p
    }
}

impl Panel {
    fn overrides_json(&self) -> Value {
        self.overrides
            .iter()
            .map(|(name, properties)| {
                json!({"matcher": {"id": "byName", "options": name}, "properties": properties})
            })
            .collect()
    }
}

fn links_json(links: &[Link]) -> Value {
    links
        .iter()
        .map(|l| json!({"title": l.title, "url": l.url}))
        .collect()
}

/// Shorthands per kind.
pub fn timeseries(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::TimeSeries, title, unit)
}
pub fn stat(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::Stat, title, unit)
}
pub fn gauge(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::Gauge, title, unit)
}
pub fn bargauge(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::BarGauge, title, unit)
}
pub fn tablep(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::Table, title, unit)
        .transform(json!({"id": "organize", "options": {"excludeByName": {"Time": true, "__name__": true, "job": true, "instance": true}}}))
}
/// Each endpoint a role reads from its service, and whether it answers (`answers`) or why not
/// (the kind of `…_endpoint_error`: unsupported, unauthorized, unavailable, timeout,
/// malformed), for the exporter job `job`.
pub fn endpoints(job: &str, desc: &str) -> Panel {
    use llmmon_core::schema as s;
    let expr = format!(
        "label_replace({up}{{job=\"{job}\"}} == 1, \"kind\", \"answers\", \"\", \"\")\nor on (source, endpoint) ({err}{{job=\"{job}\"}} == 1)",
        up = s::ENDPOINT_UP.name,
        err = s::ENDPOINT_ERROR.name
    );
    tablep("API endpoints", "none")
        .desc(desc)
        .q(table(expr, "{{source}} {{endpoint}} {{kind}}"))
        .transform(json!({"id": "organize", "options": {"excludeByName": {"Value": true}}}))
}
pub fn heatmap(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::Heatmap, title, unit)
}
pub fn pie(title: &str, unit: &'static str) -> Panel {
    Panel::new(Kind::PieChart, title, unit)
}
pub fn states(title: &str) -> Panel {
    Panel::new(Kind::StateTimeline, title, "none")
}
pub fn logs(title: &str) -> Panel {
    Panel::new(Kind::Logs, title, "none")
}
pub fn text(title: &str, markdown: &str) -> Panel {
    Panel::new(Kind::Text, title, "none").option("content", json!(markdown))
}
pub fn alert_list(title: &str, name_filter: &str) -> Panel {
    Panel::new(Kind::AlertList, title, "none").option("alertName", json!(name_filter))
}
pub fn dash_list(title: &str) -> Panel {
    Panel::new(Kind::DashList, title, "none")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_labels_are_the_names_between_braces() {
        let q = prom("x", "GPU {{gpu}} – {{ model }}");
        assert_eq!(q.legend_labels(), vec!["gpu", "model"]);
        assert!(prom("x", "used").legend_labels().is_empty());
    }
}
