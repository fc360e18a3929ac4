//! The containers pane (GPU and non-GPU containers in two groups) and the LLM traffic pane
//! (per model: state, requests/min, tokens/s, latency percentiles, queue, KV cache, errors).

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

use super::{block, Palette};
use crate::tui::app::{App, Pane};

const DASH: &str = "—";

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or(DASH.to_owned(), f)
}

fn state_style(p: Palette, state: &str, health: &str, looping: bool) -> Style {
    if looping {
        return p.fg(Color::Red).add_modifier(Modifier::BOLD);
    }
    match (state, health) {
        ("running", "unhealthy") => p.fg(Color::Red),
        ("running", "starting") => p.fg(Color::Yellow),
        ("running", _) => p.fg(Color::Green),
        ("restarting", _) => p.fg(Color::Yellow),
        ("exited", _) => p.fg(Color::DarkGray),
        _ => p.fg(Color::Red),
    }
}

pub fn containers(f: &mut Frame<'_>, area: Rect, app: &App, p: Palette) {
    let focused = matches!(app.focus, Pane::Containers | Pane::Gpus);
    let list = app.containers();
    let mut title = format!("Containers ({}) sort:{}", list.len(), app.sort.label());
    if !app.filter.is_empty() && app.focus != Pane::Logs {
        title.push_str(&format!(" filter:{}", app.filter));
    }
    let header = Row::new(["NAME", "STATE", "RST", "CPU", "MEM", "GPU", "VERSION"]).style(p.bold());
    let mut rows = Vec::new();
    let mut last_class = "";
    let models = app.latest().map(|s| &s.status.models);
    for (i, c) in list.iter().enumerate() {
        if c.class != last_class {
            last_class = &c.class;
            // Short enough for the name column of the narrowest layout.
            let count = list.iter().filter(|x| x.class == c.class).count();
            let group = if c.class == "gpu" { "GPU" } else { "non-GPU" };
            rows.push(Row::new([Cell::from(Span::styled(
                format!("── {group} ({count})"),
                p.fg(Color::Cyan),
            ))]));
        }
        let state = if c.crash_looping {
            "CRASHLOOP".to_owned()
        } else if c.health != "none" && c.state == "running" {
            c.health.clone()
        } else {
            c.state.clone()
        };
        let served = models
            .and_then(|m| m.iter().find(|m| m.container == c.name))
            .map_or(c.image_version.clone(), |m| {
                format!("{} {}", m.model, m.vllm_version)
            });
        let style = state_style(p, &c.state, &c.health, c.crash_looping);
        let mut row = Row::new(vec![
            Cell::from(c.name.clone()),
            Cell::from(Span::styled(state, style)),
            Cell::from(opt(c.restarts, |r| format!("{r:.0}"))),
            Cell::from(opt(app.history.cpu_cores(&c.name), |v| format!("{v:.2}"))),
            Cell::from(opt(app.history.memory(&c.name), |b| {
                format!("{:.1}G", b / 1073741824.0)
            })),
            Cell::from(if c.gpus.is_empty() {
                DASH.to_owned()
            } else {
                c.gpus.join(",")
            }),
            Cell::from(served),
        ]);
        if focused && i == app.selected {
            row = row.style(Style::default().add_modifier(Modifier::REVERSED));
        }
        rows.push(row);
    }
    let widths = [
        Constraint::Min(18),
        Constraint::Length(10),
        Constraint::Length(4),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(4),
        Constraint::Min(8),
    ];
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(&title, focused, p)),
        area,
    );
}

pub fn models(f: &mut Frame<'_>, area: Rect, app: &App, p: Palette) {
    let focused = app.focus == Pane::Models;
    let header = Row::new([
        "MODEL",
        "STATE",
        "REQ/M",
        "TOK/S IN",
        "OUT",
        "TTFT p50/95",
        "E2E p95",
        "WAIT",
        "KV",
        "ERR",
    ])
    .style(p.bold());
    let rows: Vec<Row<'_>> = app
        .latest()
        .map(|s| s.status.models.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let r = app.rates(&m.model);
            let state_style = match m.state.as_str() {
                "ready" => p.fg(Color::Green),
                "loading" => p.fg(Color::Yellow),
                "stopped" => p.fg(Color::DarkGray),
                _ => p.fg(Color::Red).add_modifier(Modifier::BOLD),
            };
            let kv_style =
                if m.kv_cache_usage > Some(llmmon_exporter::thresholds::KV_CACHE_WARNING_RATIO) {
                    p.fg(Color::Yellow)
                } else {
                    Style::default()
                };
            let err = r.error_ratio;
            let err_style = if err > Some(llmmon_exporter::thresholds::ERROR_RATIO_CRITICAL) {
                p.fg(Color::Red)
            } else {
                Style::default()
            };
            Row::new(vec![
                Cell::from(m.model.clone()),
                Cell::from(Span::styled(m.state.clone(), state_style)),
                Cell::from(opt(r.requests_per_min, |v| format!("{v:.1}"))),
                Cell::from(opt(r.prompt_tokens_per_s, |v| format!("{v:.0}"))),
                Cell::from(opt(r.generation_tokens_per_s, |v| format!("{v:.0}"))),
                Cell::from(match (r.ttft_p50, r.ttft_p95) {
                    (Some(a), Some(b)) => format!("{:.2}/{:.2}s", a, b),
                    _ => DASH.to_owned(),
                }),
                Cell::from(opt(r.e2e_p95, |v| format!("{v:.1}s"))),
                Cell::from(opt(m.waiting, |v| format!("{v:.0}"))),
                Cell::from(Span::styled(
                    opt(m.kv_cache_usage, |v| format!("{:.0}%", v * 100.0)),
                    kv_style,
                )),
                Cell::from(Span::styled(
                    opt(err, |v| format!("{:.1}%", v * 100.0)),
                    err_style,
                )),
            ])
        })
        .collect();
    let widths = [
        Constraint::Min(14),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(11),
        Constraint::Length(7),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(5),
    ];
    let traffic = app
        .latest()
        .and_then(|s| s.status.traffic.as_ref())
        .map_or(String::new(), |t| {
            format!(" — today {:.0} req, {:.0} failed", t.requests, t.failed)
        });
    let title = format!("LLM traffic{traffic}");
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(&title, focused, p)),
        area,
    );
}
