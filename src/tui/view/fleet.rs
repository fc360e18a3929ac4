//! The fleet screen: a title with the keys, and one line per server (host, GPUs, mean
//! utilisation, hot GPUs, GPU memory, models ready, today's requests and errors, its
//! problems), the worst first, the selected one reversed. Columns give way on a narrow
//! terminal as the other tables' do; 20 servers fit 80×24.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::columns::{self, Col};
use super::fmt::{self, opt};
use super::{block, Palette};
use crate::status::fleet::Line as ServerLine;
use crate::tui::fleet::FleetView;

fn columns() -> Vec<Col> {
    vec![
        Col::text("HOST", 8, 0),
        Col::number("GPUS", 6),
        Col::number("BUSY", 2),
        Col::number("HOT", 3),
        Col::number("MEM", 5),
        Col::number("MODELS", 1),
        Col::number("REQ", 7),
        Col::number("ERR", 4),
        Col::text("PROBLEMS", 10, 0),
    ]
}

fn cells(l: &ServerLine, p: Palette) -> Vec<(String, Style)> {
    let plain = Style::default();
    // The words of `status --hosts`; the colour says how bad.
    let style = match (l.reachable, l.critical, l.warnings) {
        (false, _, _) | (true, 1.., _) => p.fg(Color::Red),
        (true, 0, 1..) => p.fg(Color::Yellow),
        _ => p.fg(Color::Green),
    };
    let problems = l.problems();
    let hot = if l.hot > 0 { p.fg(Color::Red) } else { plain };
    vec![
        (l.host.clone(), plain),
        (l.gpus.to_string(), plain),
        (opt(l.busy, fmt::pct_whole), plain),
        (l.hot.to_string(), hot),
        (opt(l.memory, fmt::pct_whole), plain),
        (format!("{}/{}", l.models_up, l.models), plain),
        (opt(l.requests_today, fmt::whole), plain),
        (opt(l.error_ratio, fmt::pct), plain),
        (problems, style),
    ]
}

pub fn draw(f: &mut Frame<'_>, v: &FleetView) {
    let p = Palette { colour: v.colour };
    let area: Rect = f.area();
    let title = format!(
        "llmmon top — fleet of {} servers ({}) · ↑↓ select · enter open · q quit",
        v.servers, v.mode
    );
    let b = block(&title, true, p);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let rows: Vec<Vec<(String, Style)>> = v.lines.iter().map(|l| cells(l, p)).collect();
    let mut cols = columns();
    for (i, col) in cols.iter_mut().enumerate() {
        col.want_content(rows.iter().map(|r| r[i].0.as_str()));
    }
    let widths = columns::fit(&cols, inner.width);
    let selected = v.selected_index();
    let mut lines: Vec<Line<'_>> = vec![columns::header(&cols, &widths, p.bold(), inner.width)];
    if let Some(e) = &v.error {
        lines.push(Line::from(Span::styled(e.clone(), p.fg(Color::Red))));
    } else if v.lines.is_empty() {
        lines.push(Line::from(Span::raw("reading the servers…")));
    }
    let room = usize::from(inner.height.saturating_sub(1));
    let first = selected.saturating_sub(room.saturating_sub(1));
    for (i, row) in rows.into_iter().enumerate().skip(first).take(room) {
        let style = if i == selected {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        lines.push(columns::line(&cols, &widths, row, style, inner.width));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
