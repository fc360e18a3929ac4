//! Fleet overview: every server of the central store on one screen — one table row per
//! host with its GPUs, models, traffic and firing alerts, each row linking to that host's
//! dashboards — and the same figures over time, one line per server.
//!
//! Every figure is grouped `by (host)`; on a single server's own Prometheus, where no
//! series has a host, the table has one row and the lines one series, for that server.
//! Legends and columns therefore name no host label (Grafana shows the series' labels).

use llmmon_core::schema as s;
use llmmon_core::thresholds as t;
use serde_json::{json, Value};

use super::panel::{crit, instant, prom, stat, table, tablep, timeseries, Panel, Step};
use super::{row, uid, Dashboard, Folder, Row};
use crate::rules::{num, recording as rec, Config, HOST};

/// The dashboards a server's row links to, with the server selected.
const PER_HOST: &[(&str, &str)] = &[
    ("LLM server", uid::HOME),
    ("Server health", uid::HOST),
    ("GPUs", uid::GPUS),
    ("Containers", uid::CONTAINERS),
    ("vLLM", uid::VLLM),
    ("LiteLLM", uid::LITELLM),
];

/// The URL of a dashboard showing the server of the table row clicked.
pub fn host_url(dashboard: &str) -> String {
    format!("/d/{dashboard}?var-{HOST}=${{__data.fields.{HOST}}}&${{__url_time_range}}")
}

/// One per-server figure: a table column and, for some, a line per server over time.
struct Figure {
    name: &'static str,
    unit: &'static str,
    thresholds: Vec<Step>,
    /// PromQL grouped by host.
    expr: String,
    /// The alert rules it shows the input of.
    alerts: &'static [&'static str],
}

fn figure(name: &'static str, unit: &'static str, thresholds: Vec<Step>, expr: String) -> Figure {
    Figure {
        name,
        unit,
        thresholds,
        expr,
        alerts: &[],
    }
}

/// The per-server figures, in column order. A count that can be none falls back to 0 for
/// each server that reports the family counted.
fn figures(cfg: &Config) -> Vec<Figure> {
    let zero_per = |def: &s::MetricDef| format!("count by ({HOST}) ({}) * 0", def.name);
    let state = s::VLLM_STATE.name;
    let per_host = |rule: String| format!("sum by ({HOST}) ({rule})");
    let hot = format!(
        "{} > {}",
        s::GPU_TEMPERATURE.name,
        num(t::GPU_TEMP_WARNING_C)
    );
    vec![
        figure(
            "GPUs",
            "short",
            Vec::new(),
            format!("count by ({HOST}) ({})", s::GPU_INFO.name),
        ),
        figure(
            "GPUs busy",
            "percentunit",
            Vec::new(),
            format!("avg by ({HOST}) ({})", s::GPU_UTILIZATION.name),
        ),
        Figure {
            alerts: &["GPUTemperatureHigh", "GPUTemperatureCritical"],
            ..figure(
                "GPUs hot",
                "short",
                crit(1.0),
                format!("count by ({HOST}) ({hot}) or {}", zero_per(&s::GPU_INFO)),
            )
        },
        Figure {
            alerts: &["GPUMemoryCritical"],
            ..figure(
                "GPU memory used",
                "percentunit",
                crit(t::GPU_MEMORY_CRITICAL_RATIO),
                format!("avg by ({HOST}) ({})", rec::gpu_memory_used_ratio()),
            )
        },
        figure(
            "Models up",
            "short",
            Vec::new(),
            format!(
                "count by ({HOST}) ({state}{{state=\"ready\"}} == 1) or {}",
                zero_per(&s::VLLM_INFO)
            ),
        ),
        Figure {
            alerts: &["ModelUnhealthy", "ModelLoadFailure"],
            ..figure(
                "Models down",
                "short",
                crit(1.0),
                format!(
                    "count by ({HOST}) ({state}{{state!=\"ready\"}} == 1) or {}",
                    zero_per(&s::VLLM_INFO)
                ),
            )
        },
        figure(
            "Requests a minute",
            "short",
            Vec::new(),
            format!("{} * 60", per_host(rec::request_success_rate(cfg))),
        ),
        Figure {
            alerts: &["RequestErrorRateCritical"],
            ..figure(
                "Error ratio",
                "percentunit",
                crit(t::ERROR_RATIO_CRITICAL),
                format!(
                    "{err} / ({err} + {ok})",
                    err = per_host(rec::request_errors_rate(cfg)),
                    ok = per_host(rec::request_success_rate(cfg))
                ),
            )
        },
        figure(
            "Firing alerts",
            "short",
            crit(1.0),
            format!(
                "count by ({HOST}) (ALERTS{{alertstate=\"firing\"}}) or {}",
                zero_per(&s::SOURCE_UP)
            ),
        ),
    ]
}

/// Grafana's properties of one column: its unit, and its thresholds as cell colours.
fn column(unit: &str, steps: &[Step]) -> Vec<Value> {
    let mut props = vec![json!({"id": "unit", "value": unit})];
    if !steps.is_empty() {
        let steps: Vec<Value> = steps
            .iter()
            .map(|s| json!({"color": s.color, "value": s.value}))
            .collect();
        props.push(json!({"id": "thresholds", "value": {"mode": "absolute", "steps": steps}}));
        props.push(json!({"id": "color", "value": {"mode": "thresholds"}}));
        props.push(json!({"id": "custom.cellOptions", "value": {"type": "color-background"}}));
    }
    props
}

/// One row per server: the figures as columns (merged on `host`), each row linking to
/// that server's dashboards.
fn servers_table(cfg: &Config) -> Panel {
    let refs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rename = serde_json::Map::new();
    let mut p = tablep("Servers", "none").size(24, 10).desc(
        "One row per server (host): GPUs, their mean utilisation, how many run above the \
         warning temperature, their mean memory use; vLLM models ready and not ready \
         (loading, unhealthy or stopped); finished requests a minute and the failed share \
         over 15 minutes (recording rules); alerts firing. Click a row for that server's \
         dashboards.",
    );
    for (i, f) in figures(cfg).into_iter().enumerate() {
        rename.insert(format!("Value #{}", &refs[i..=i]), json!(f.name));
        p = p
            .q(table(f.expr, ""))
            .field(f.name, column(f.unit, &f.thresholds));
        p.alerts.extend(f.alerts);
    }
    p = p
        .transform(json!({"id": "merge", "options": {}}))
        .transform(json!({"id": "organize", "options": {"renameByName": rename}}))
        .option("sortBy", json!([{"displayName": HOST, "desc": false}]));
    PER_HOST
        .iter()
        .fold(p, |p, (title, u)| p.data_link(title, &host_url(u)))
}

/// Totals over the selected servers.
fn totals(cfg: &Config) -> Row {
    let state = s::VLLM_STATE.name;
    row(
        "Fleet",
        vec![
            stat("Servers reporting", "short")
                .desc("Servers reporting (hosts of every exporter's source_up).")
                .q(instant(
                    format!("count(count by ({HOST}) ({}))", s::SOURCE_UP.name),
                    "",
                )),
            stat("GPUs", "short")
                .desc("GPUs NVML reports, all selected servers.")
                .q(instant(format!("count({})", s::GPU_INFO.name), "")),
            stat("GPUs hot", "short")
                .desc("GPUs above the warning temperature, all selected servers.")
                .q(instant(
                    format!(
                        "count({} > {}) or vector(0)",
                        s::GPU_TEMPERATURE.name,
                        num(t::GPU_TEMP_WARNING_C)
                    ),
                    "",
                ))
                .thresholds(crit(1.0))
                .alert("GPUTemperatureHigh"),
            stat("Models down", "short")
                .desc("vLLM instances not ready (loading, unhealthy or stopped), all selected servers.")
                .q(instant(
                    format!("count({state}{{state!=\"ready\"}} == 1) or vector(0)"),
                    "",
                ))
                .thresholds(crit(1.0))
                .alert("ModelUnhealthy"),
            stat("Requests a minute", "short")
                .desc("Finished requests a minute over 15 minutes, all selected servers (recording rule).")
                .q(instant(
                    format!("sum({}) * 60", rec::request_success_rate(cfg)),
                    "",
                )),
            stat("Firing alerts", "short")
                .desc("Alerts firing now, all severities, all selected servers.")
                .q(instant(
                    "count(ALERTS{alertstate=\"firing\"}) or vector(0)",
                    "",
                ))
                .thresholds(crit(1.0)),
        ],
    )
}

/// Figures drawn over time, one line per server: (figure, title, description).
const TRENDS: &[(&str, &str, &str)] = &[
    (
        "Requests a minute",
        "Requests a minute per server",
        "Finished requests a minute per server over 15 minutes (recording rule).",
    ),
    (
        "Error ratio",
        "Error ratio per server",
        "Failed share of the requests per server over 15 minutes (recording rules).",
    ),
    (
        "GPUs busy",
        "GPU utilisation per server",
        "Mean kernel activity of each server's GPUs.",
    ),
    (
        "Firing alerts",
        "Firing alerts per server",
        "Alerts firing per server, all severities.",
    ),
];

/// The [`TRENDS`]: one time series panel each, legends left to Grafana (the host label,
/// where there is one).
fn trends(cfg: &Config) -> Vec<Panel> {
    let figures = figures(cfg);
    TRENDS
        .iter()
        .filter_map(|(name, title, desc)| {
            let f = figures.iter().find(|f| f.name == *name)?;
            let mut p = timeseries(title, f.unit)
                .size(12, 8)
                .min(0.0)
                .desc(desc)
                .q(prom(f.expr.clone(), ""))
                .thresholds(f.thresholds.clone());
            p.alerts.extend(f.alerts);
            Some(p)
        })
        .collect()
}

pub fn dashboard() -> Dashboard {
    let cfg = Config::default();
    let mut d = Dashboard::new(
        uid::FLEET,
        "Fleet overview",
        "fleet",
        Folder::Infrastructure,
    );
    d.purpose = "Every server of the fleet (the central store's host label) on one screen: GPUs, models, traffic, errors and firing alerts per server, each linking to that server's dashboards.";
    d.tags.push("infrastructure");
    d.tags.push("fleet");
    d.rows = vec![
        totals(&cfg),
        row("Servers", vec![servers_table(&cfg)]),
        row("Per server over time", trends(&cfg)),
    ];
    d
}
