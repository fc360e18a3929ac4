//! The log pane: the tail of the followed container, level-coloured, filterable, following
//! the newest line unless paused or scrolled back (↑ / PgUp; End follows again).

use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::{block, Palette};
use crate::tui::app::{App, Pane};

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App, p: Palette) {
    let focused = app.focus() == Pane::Logs;
    let who = app.log_container().unwrap_or("no container");
    let mut title = format!("Logs: {who}");
    if focused && !app.filter().is_empty() {
        title.push_str(&format!(" filter:{}", app.filter()));
    }
    if app.paused() {
        title.push_str(" (paused)");
    }
    if app.log_back() > 0 {
        title.push_str(&format!(" ↑{} lines back, End follows", app.log_back()));
    }
    let b = block(&title, focused, p);
    let height = b.inner(area).height as usize;
    let lines: Vec<Line<'_>> = match app.log_error() {
        Some(e) => vec![Line::from(Span::styled(
            format!("logs unavailable: {e}"),
            p.fg(Color::Red),
        ))],
        None => {
            let visible = app.visible_logs();
            let end = visible.len().saturating_sub(app.log_back());
            let skip = end.saturating_sub(height);
            visible
                .into_iter()
                .take(end)
                .skip(skip)
                .map(|l| {
                    let style = match l.level.as_str() {
                        "error" => p.fg(Color::Red),
                        "warning" => p.fg(Color::Yellow),
                        "debug" => p.fg(Color::DarkGray),
                        _ => ratatui::style::Style::default(),
                    };
                    Line::from(Span::styled(l.line.clone(), style))
                })
                .collect()
        }
    };
    f.render_widget(Paragraph::new(lines).block(b), area);
}
