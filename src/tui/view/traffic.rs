//! The LLM traffic pane: per model its state, requests a minute, tokens a second in and
//! out, TTFT p50 / p95, end-to-end p95, waiting requests, KV cache, errors and what a
//! million tokens cost on our GPUs. Scrolls with its selection; on a narrow pane the least
//! telling columns give way first.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use llmmon_core::thresholds::{ERROR_RATIO_CRITICAL, KV_CACHE_WARNING_RATIO};

use super::columns::{self, Col};
use super::fmt::{self, opt, DASH};
use super::{block, Palette};
use crate::status::{shown, ModelStatus};
use crate::tui::app::{App, Pane};
use crate::tui::layout;
use crate::tui::scroll;
use llmmon_exporter::vllm::VllmState;

/// The state column fits the longest state word.
const STATES: [&str; 4] = ["ready", "loading", "stopped", "unhealthy"];

fn columns() -> Vec<Col> {
    vec![
        Col::text("MODEL", 12, 0),
        Col::fixed("STATE", 1),
        Col::number("REQ/M", 3),
        Col::number("IN t/s", 8),
        Col::number("OUT t/s", 7),
        Col::number("TTFT p50/95", 5),
        Col::number("E2E p95", 4),
        Col::number("WAIT", 9),
        Col::number("KV", 6),
        Col::number("ERR", 2),
        Col::number("$/MTOK", 10),
    ]
}

/// What a million of `model`'s tokens cost at the window's token rate; None without a
/// price or without tokens.
fn cost_per_million(app: &App, model: &str, r: &crate::tui::data::ModelRates) -> Option<f64> {
    let cost = app
        .latest()?
        .status
        .energy
        .as_ref()?
        .models
        .iter()
        .find(|m| m.model == model)?
        .cost_usd_per_hour?;
    let tokens = r.prompt_tokens_per_s? + r.generation_tokens_per_s?;
    crate::status::energy::per_million_tokens(cost, tokens)
}

fn cells(app: &App, m: &ModelStatus, p: Palette) -> Vec<(String, Style)> {
    let r = app.rates(&m.model);
    let state_style = match m.state {
        Some(VllmState::Ready) => p.fg(Color::Green),
        Some(VllmState::Loading) => p.fg(Color::Yellow),
        Some(VllmState::Stopped) => p.fg(Color::DarkGray),
        _ => p.fg(Color::Red).add_modifier(Modifier::BOLD),
    };
    let plain = Style::default();
    let kv_style = if m.kv_cache_usage > Some(KV_CACHE_WARNING_RATIO) {
        p.fg(Color::Yellow)
    } else {
        plain
    };
    let err_style = if r.error_ratio > Some(ERROR_RATIO_CRITICAL) {
        p.fg(Color::Red)
    } else {
        plain
    };
    let ttft = match (r.ttft_p50, r.ttft_p95) {
        (Some(a), Some(b)) => format!("{}/{}", fmt::secs(a), fmt::secs(b)),
        _ => DASH.to_owned(),
    };
    vec![
        (m.model.clone(), plain),
        (shown(m.state), state_style),
        (opt(r.requests_per_min, fmt::rate), plain),
        (opt(r.prompt_tokens_per_s, fmt::whole), plain),
        (opt(r.generation_tokens_per_s, fmt::whole), plain),
        (ttft, plain),
        (opt(r.e2e_p95, fmt::secs), plain),
        (opt(m.waiting, fmt::whole), plain),
        (opt(m.kv_cache_usage, fmt::pct_whole), kv_style),
        (opt(r.error_ratio, fmt::pct), err_style),
        (opt(cost_per_million(app, &m.model, &r), fmt::usd), plain),
    ]
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App, p: Palette) {
    let focused = app.focus() == Pane::Models;
    let models = app
        .latest()
        .map(|s| s.status.models.as_slice())
        .unwrap_or_default();
    let traffic = app
        .latest()
        .and_then(|s| s.status.traffic.as_ref())
        .map_or(String::new(), |t| {
            format!(" — today {:.0} req, {:.0} failed", t.requests, t.failed)
        });
    let title = format!("LLM traffic{traffic}");
    let b = block(&title, focused, p);
    let inner = b.inner(area);
    f.render_widget(b, area);

    let cells: Vec<Vec<(String, Style)>> = models.iter().map(|m| cells(app, m, p)).collect();
    let mut cols = columns();
    for (i, col) in cols.iter_mut().enumerate() {
        col.want_content(cells.iter().map(|r| r[i].0.as_str()));
    }
    cols[1].want_content(STATES.into_iter());
    let widths = columns::fit(&cols, inner.width);

    let rows = scroll::flat(models.len());
    let window = app
        .model_scroll()
        .window(&rows, layout::table_rows(Some(area)));
    let selected = app.model_scroll().selected;
    let mut lines: Vec<Line<'_>> = vec![columns::header(&cols, &widths, p.bold(), inner.width)];
    lines.extend(window.rows.map(|i| {
        let style = if focused && i == selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        columns::line(&cols, &widths, cells[i].clone(), style, inner.width)
    }));
    f.render_widget(Paragraph::new(lines), inner);
}
