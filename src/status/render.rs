//! The human form of a status: a few compact tables that fit 100 columns.

use comfy_table::presets::NOTHING;
use comfy_table::{Cell, CellAlignment, Table};

use super::ServerStatus;
use llmmon_exporter::containers::{ContainerHealth, ContainerState};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
const DASH: &str = "—";

pub(super) fn pct(v: Option<f64>) -> String {
    v.map_or(DASH.to_owned(), |v| format!("{:.0}%", v * 100.0))
}

pub(super) fn num(v: Option<f64>) -> String {
    v.map_or(DASH.to_owned(), |v| format!("{v:.0}"))
}

fn gib(used: Option<f64>, total: Option<f64>) -> String {
    match (used, total) {
        (Some(u), Some(t)) => format!("{:.1}/{:.1} GiB", u / GIB, t / GIB),
        (Some(u), None) => format!("{:.1} GiB", u / GIB),
        _ => DASH.to_owned(),
    }
}

fn duration(s: f64) -> String {
    let s = s.max(0.0) as u64;
    match s {
        0..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

pub(super) fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(NOTHING);
    t.set_header(header.iter().map(Cell::new));
    t
}

pub(super) fn right(t: &mut Table, columns: &[usize]) {
    for &c in columns {
        if let Some(col) = t.column_mut(c) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Renders the status as text.
pub fn render_text(s: &ServerStatus) -> String {
    let mut out = String::new();
    let host = s.host.as_ref();
    let title = match (&s.mode[..], &s.scenario) {
        ("demo", Some(sc)) => format!("simulated server (demo, scenario {sc})"),
        _ => host.map_or("server".to_owned(), |h| h.hostname.clone()),
    };
    out.push_str(&format!("llmmon status — {title}\n"));
    if let Some(h) = host {
        out.push_str(&format!(
            "host {}  up {}  {} CPUs  load {}  memory {}\n",
            h.hostname,
            h.uptime_seconds.map_or(DASH.to_owned(), duration),
            h.cpus,
            h.load1.map_or(DASH.to_owned(), |l| format!("{l:.1}")),
            gib(h.memory_used_bytes, h.memory_total_bytes),
        ));
    }
    let sources: Vec<String> = s
        .sources
        .iter()
        .map(|src| {
            let mark = if !src.reachable {
                "down"
            } else if src.failing.is_empty() {
                "ok"
            } else {
                "degraded"
            };
            format!("{} {mark}", src.role)
        })
        .collect();
    out.push_str(&format!("exporters: {}\n\n", sources.join(", ")));

    let mut t = table(&["GPU", "UTIL", "MEMORY", "TEMP", "POWER", "CONTAINERS"]);
    for g in &s.gpus {
        t.add_row(vec![
            g.index.clone(),
            pct(g.utilization),
            gib(g.memory_used_bytes, g.memory_total_bytes),
            g.temperature_celsius
                .map_or(DASH.to_owned(), |c| format!("{c:.0}°C")),
            match (g.power_watts, g.power_limit_watts) {
                (Some(p), Some(l)) => format!("{p:.0}/{l:.0} W"),
                (Some(p), None) => format!("{p:.0} W"),
                _ => DASH.to_owned(),
            },
            if g.containers.is_empty() {
                "idle".to_owned()
            } else {
                g.containers.join(", ")
            },
        ]);
    }
    right(&mut t, &[1, 2, 3, 4]);
    out.push_str(&format!("{t}\n\n"));

    let count = |class: &str, pred: &dyn Fn(&super::ContainerStatus) -> bool| {
        s.containers
            .iter()
            .filter(|c| c.class == class && pred(c))
            .count()
    };
    for class in ["gpu", "non-gpu"] {
        out.push_str(&format!(
            "{class} containers: {} ({} running, {} unhealthy, {} stopped)\n",
            count(class, &|_| true),
            count(class, &|c| c.state == Some(ContainerState::Running)),
            count(class, &|c| c.health == Some(ContainerHealth::Unhealthy)),
            count(class, &|c| c.state != Some(ContainerState::Running)),
        ));
    }
    out.push('\n');

    let mut t = table(&[
        "MODEL",
        "STATE",
        "VLLM",
        "RUN",
        "WAIT",
        "KV",
        "REQ TODAY",
        "FAILED",
    ]);
    for m in &s.models {
        t.add_row(vec![
            m.model.clone(),
            super::shown(m.state),
            m.vllm_version.clone(),
            num(m.running),
            num(m.waiting),
            pct(m.kv_cache_usage),
            num(m.requests_today),
            num(m.failed_today),
        ]);
    }
    right(&mut t, &[3, 4, 5, 6, 7]);
    out.push_str(&format!("{t}\n\n"));

    if let Some(tr) = &s.traffic {
        out.push_str(&format!(
            "traffic today: {:.0} requests ({:.0} failed), {:.0} prompt / {:.0} completion tokens, ${:.2}\n\n",
            tr.requests, tr.failed, tr.prompt_tokens, tr.completion_tokens, tr.spend_usd
        ));
    }
    if let Some(e) = &s.energy {
        out.push_str(&energy_text(e));
    }
    if s.problems.is_empty() {
        out.push_str("no problems\n");
    } else {
        out.push_str("problems:\n");
        for p in &s.problems {
            out.push_str(&format!("  {:<8} {}\n", p.severity.as_str(), p.message));
        }
    }
    out
}

/// The GPUs' power and cost now, and the three models that cost the most.
fn energy_text(e: &crate::status::energy::EnergyNow) -> String {
    let cost = e.cost_usd_per_hour.map_or_else(
        || "no price configured ([cost] in the exporter's config)".to_owned(),
        |c| format!("${c:.2} an hour"),
    );
    let mut models: Vec<_> = e
        .models
        .iter()
        .filter(|m| m.cost_usd_per_hour.is_some())
        .collect();
    models.sort_by(|a, b| {
        b.cost_usd_per_hour
            .partial_cmp(&a.cost_usd_per_hour)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let top: Vec<String> = models
        .iter()
        .take(3)
        .map(|m| {
            format!(
                "{} ${:.2}/h ({:.0} W)",
                m.model,
                m.cost_usd_per_hour.unwrap_or(0.0),
                m.power_watts
            )
        })
        .collect();
    let top = if top.is_empty() {
        String::new()
    } else {
        format!("; most: {}", top.join(", "))
    };
    let today = match e.today {
        Some(t) => {
            let cost = t.cost_usd.map_or(String::new(), |c| format!(", ${c:.2}"));
            format!(
                "\nenergy today (since 00:00 UTC): {:.1} kWh{cost}",
                t.joules / 3.6e6
            )
        }
        None => {
            "\nenergy today: needs Prometheus (`prometheus` in the config or LLMMON_PROMETHEUS_URL)"
                .to_owned()
        }
    };
    format!(
        "energy now: {} GPUs draw {:.0} W, {cost}{top}{today}\n\n",
        e.gpus, e.power_watts
    )
}
