//! The GPU grid: a tile per GPU with utilisation and its sparkline, memory on the GPU's
//! real scale, temperature coloured at 75 / 85 °C, power against its limit, and the
//! containers holding memory on it.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame;

use super::{block, Palette};
use crate::tui::app::{App, Pane};

const TILE_W: u16 = 20;
const TILE_H: u16 = 6;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

fn columns(n: usize, width: u16) -> usize {
    let fit = (width / TILE_W).max(1) as usize;
    fit.min(n.max(1)).min(8)
}

/// Rows of the screen the grid takes.
pub fn rows_needed(app: &App, width: u16) -> u16 {
    let n = app.latest().map_or(0, |s| s.status.gpus.len());
    if n == 0 {
        return 3;
    }
    let cols = columns(n, width);
    n.div_ceil(cols) as u16 * TILE_H
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App, p: Palette) {
    let Some(s) = app.latest() else {
        f.render_widget(
            Paragraph::new("no GPU data yet").block(block("GPUs", false, p)),
            area,
        );
        return;
    };
    let gpus = &s.status.gpus;
    if gpus.is_empty() {
        let why = if s
            .status
            .sources
            .iter()
            .any(|x| x.role == "gpu" && !x.reachable)
        {
            "gpu exporter unreachable"
        } else {
            "no GPU reported"
        };
        f.render_widget(
            Paragraph::new(why)
                .style(p.fg(Color::Red))
                .block(block("GPUs", false, p)),
            area,
        );
        return;
    }
    let cols = columns(gpus.len(), area.width);
    let rows = gpus.len().div_ceil(cols);
    let row_areas = Layout::vertical(vec![Constraint::Length(TILE_H); rows]).split(area);
    for (r, row_area) in row_areas.iter().enumerate() {
        let tiles =
            Layout::horizontal(vec![Constraint::Ratio(1, cols as u32); cols]).split(*row_area);
        for (c, tile) in tiles.iter().enumerate() {
            if let Some(g) = gpus.get(r * cols + c) {
                draw_tile(f, *tile, app, g, p);
            }
        }
    }
}

fn draw_tile(f: &mut Frame<'_>, area: Rect, app: &App, g: &crate::status::GpuStatus, p: Palette) {
    let title = format!("GPU {}", g.index);
    let b = block(&title, app.focus == Pane::Gpus, p);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    let [util_row, rest] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let [pct, spark] =
        Layout::horizontal([Constraint::Length(5), Constraint::Min(1)]).areas(util_row);
    f.render_widget(
        Paragraph::new(
            g.utilization
                .map_or("  —".into(), |u| format!("{:>3.0}%", u * 100.0)),
        ),
        pct,
    );
    let history: Vec<u64> = app
        .history
        .gpu_util
        .get(&g.index)
        .map(|h| {
            h.iter()
                .rev()
                .take(spark.width as usize)
                .rev()
                .copied()
                .collect()
        })
        .unwrap_or_default();
    f.render_widget(
        Sparkline::default()
            .data(&history)
            .max(100)
            .style(p.fg(Color::Cyan)),
        spark,
    );
    let mem = match (g.memory_used_bytes, g.memory_total_bytes) {
        (Some(u), Some(t)) => format!("{:.0}/{:.0} GiB", u / GIB, t / GIB),
        _ => "mem —".into(),
    };
    let temp = g
        .temperature_celsius
        .map_or("—".into(), |t| format!("{t:.0}°C"));
    let power = match (g.power_watts, g.power_limit_watts) {
        (Some(w), Some(l)) => format!("{w:.0}/{l:.0}W"),
        (Some(w), None) => format!("{w:.0}W"),
        _ => "—".into(),
    };
    let who = if g.containers.is_empty() {
        "idle".to_owned()
    } else {
        g.containers
            .iter()
            .map(|c| c.trim_start_matches("vllm-"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let lines = vec![
        Line::from(mem),
        Line::from(vec![
            Span::styled(temp, p.temperature(g.temperature_celsius)),
            Span::raw(" "),
            Span::raw(power),
        ]),
        Line::from(Span::styled(who, p.fg(Color::Gray))),
    ];
    f.render_widget(Paragraph::new(lines), rest);
}
