//! The header line (host, demo scenario, a mark per exporter, Prometheus, pause, staleness)
//! and the problems line under it. The header gives way by priority: on a narrow screen
//! the title, uptime, load and memory go before any exporter's mark.

use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Palette;
use crate::status::Severity;
use crate::tui::app::App;

/// Priorities of the header's parts: 0 is kept longest.
mod keep {
    pub const MARK: u8 = 0;
    pub const PROMETHEUS: u8 = 1;
    pub const DEMO: u8 = 2;
    pub const HOST: u8 = 3;
    pub const MEMORY: u8 = 4;
    pub const LOAD: u8 = 5;
    pub const UPTIME: u8 = 6;
    pub const TITLE: u8 = 7;
    pub const DETAIL: u8 = 8;
}

fn fmt_duration(s: f64) -> String {
    let s = s.max(0.0) as u64;
    match s {
        0..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// The parts in order, left out from the least important until they fit `width`.
fn fit(parts: Vec<(Span<'static>, u8)>, width: u16) -> Line<'static> {
    let mut on = vec![true; parts.len()];
    let total = |on: &[bool]| -> usize {
        parts
            .iter()
            .zip(on)
            .filter(|(_, o)| **o)
            .map(|(p, _)| p.0.width())
            .sum()
    };
    while total(&on) > usize::from(width) {
        let Some(drop) = (0..parts.len())
            .filter(|i| on[*i] && parts[*i].1 > keep::MARK)
            .max_by_key(|i| (parts[*i].1, *i))
        else {
            break;
        };
        on[drop] = false;
    }
    Line::from(
        parts
            .into_iter()
            .zip(on)
            .filter_map(|(p, o)| o.then_some(p.0))
            .collect::<Vec<_>>(),
    )
}

pub fn header_line(app: &App, p: Palette, width: u16) -> Paragraph<'static> {
    let mut parts = vec![(Span::styled("llmmon top ", p.bold()), keep::TITLE)];
    let Some(s) = app.latest() else {
        parts.push((Span::raw("— waiting for the first data…"), keep::MARK));
        if let Some(e) = app.error() {
            parts.push((
                Span::styled(format!(" ({e})"), p.fg(Color::Red)),
                keep::DETAIL,
            ));
        }
        return Paragraph::new(fit(parts, width));
    };
    let st = &s.status;
    if let Some(h) = &st.host {
        parts.push((Span::raw(format!("{}  ", h.hostname)), keep::HOST));
        let up = h.uptime_seconds.map_or("—".into(), fmt_duration);
        parts.push((Span::raw(format!("up {up}  ")), keep::UPTIME));
        let load = h.load1.map_or("—".into(), |l| format!("{l:.1}"));
        parts.push((Span::raw(format!("load {load}  ")), keep::LOAD));
        parts.push((
            Span::raw(format!(
                "mem {:.0}/{:.0} GiB  ",
                h.memory_used_bytes.unwrap_or(0.0) / 1073741824.0,
                h.memory_total_bytes.unwrap_or(0.0) / 1073741824.0,
            )),
            keep::MEMORY,
        ));
    }
    if let Some(sc) = &st.scenario {
        parts.push((
            Span::styled(format!("[demo: {sc}] "), p.fg(Color::Magenta)),
            keep::DEMO,
        ));
    }
    for src in &st.sources {
        let (mark, colour) = if !src.reachable {
            ("✗", Color::Red)
        } else if src.failing.is_empty() {
            ("✓", Color::Green)
        } else {
            ("!", Color::Yellow)
        };
        parts.push((
            Span::styled(format!("{}{mark} ", src.role), p.fg(colour)),
            keep::MARK,
        ));
    }
    if let Some(e) = app.prom_error() {
        parts.push((
            Span::styled("prometheus✗ ", p.fg(Color::Yellow)),
            keep::PROMETHEUS,
        ));
        parts.push((
            Span::styled(format!("({e}) "), p.fg(Color::Yellow)),
            keep::DETAIL,
        ));
    } else if app.prom().is_some() {
        parts.push((
            Span::styled("prometheus✓ ", p.fg(Color::Green)),
            keep::PROMETHEUS,
        ));
    }
    if app.paused() {
        parts.push((
            Span::styled("PAUSED ", p.fg(Color::Yellow).add_modifier(Modifier::BOLD)),
            keep::MARK,
        ));
    }
    if let Some(e) = app.error() {
        parts.push((Span::styled("stale ", p.fg(Color::Red)), keep::MARK));
        parts.push((
            Span::styled(format!("({e})"), p.fg(Color::Red)),
            keep::DETAIL,
        ));
    }
    Paragraph::new(fit(parts, width))
}

/// Critical announcements first, then what is wrong: problems the exporters show and,
/// with Prometheus, the alerts firing there.
pub fn problems_line(app: &App, p: Palette) -> Paragraph<'static> {
    let Some(s) = app.latest() else {
        return Paragraph::new("");
    };
    let mut spans = Vec::new();
    if !app.announcements().is_empty() {
        spans.push(Span::styled(
            format!("⚑ {} ", app.announcements().join(" · ")),
            p.fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
    }
    let firing = app.prom().map(|h| h.firing.as_slice()).unwrap_or_default();
    let tail = (!firing.is_empty()).then(|| {
        Span::styled(
            format!(" · firing: {}", firing.join(", ")),
            p.fg(Color::Red),
        )
    });
    let problems = &s.status.problems;
    if problems.is_empty() {
        spans.push(Span::styled("✓ no problems", p.fg(Color::Green)));
        spans.extend(tail);
        return Paragraph::new(Line::from(spans));
    }
    let critical = problems
        .iter()
        .filter(|x| x.severity == Severity::Critical)
        .count();
    let colour = if critical > 0 {
        Color::Red
    } else {
        Color::Yellow
    };
    let text = problems
        .iter()
        .map(|x| x.message.clone())
        .collect::<Vec<_>>()
        .join(" · ");
    spans.push(Span::styled(
        format!(
            "✖ {critical} critical, {} warning: ",
            problems.len() - critical
        ),
        p.fg(colour).add_modifier(Modifier::BOLD),
    ));
    spans.push(Span::styled(text, p.fg(colour)));
    spans.extend(tail);
    Paragraph::new(Line::from(spans))
}
