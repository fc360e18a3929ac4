//! Drawing `llmmon top`: a pure function of [`App`] onto a frame. No I/O, no waiting.
//!
//! Layout: a header line, a problems line, the GPU grid, then the panes. On a tall window
//! containers and LLM traffic sit side by side above the logs; on a small one (80×24) the
//! focused pane takes the space below the grid.

mod gpus;
mod logs;
mod tables;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Pane};
use crate::status::Severity;

/// Styles that honour NO_COLOR and stay within the 16 basic colours.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    colour: bool,
}

impl Palette {
    pub fn fg(self, c: Color) -> Style {
        if self.colour {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn bold(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// Temperature: warning from 75 °C, critical from 85 °C (the alert thresholds).
    pub fn temperature(self, c: Option<f64>) -> Style {
        use llmmon_exporter::thresholds::{GPU_TEMP_CRITICAL_C, GPU_TEMP_WARNING_C};
        match c {
            Some(t) if t > GPU_TEMP_CRITICAL_C => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Some(t) if t > GPU_TEMP_WARNING_C => self.fg(Color::Yellow),
            _ => self.fg(Color::Green),
        }
    }

    pub fn focus(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }
}

pub fn block(title: &str, focused: bool, p: Palette) -> Block<'_> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(p.focus(focused))
        .title(Span::styled(format!(" {title} "), p.focus(focused)))
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame<'_>, app: &App) {
    let p = Palette { colour: app.colour };
    let area = f.area();
    let gpu_rows = gpus::rows_needed(app, area.width);
    let [header, problems, grid, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(gpu_rows),
        Constraint::Min(3),
    ])
    .areas(area);
    f.render_widget(header_line(app, p), header);
    f.render_widget(problems_line(app, p), problems);
    gpus::draw(f, grid, app, p);
    if rest.height >= 20 && rest.width >= 120 {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
        tables::containers(f, left, app, p);
        tables::models(f, right, app, p);
        logs::draw(f, bottom, app, p);
    } else {
        let pane = match app.focus {
            Pane::Gpus | Pane::Containers => Pane::Containers,
            other => other,
        };
        match pane {
            Pane::Models => tables::models(f, rest, app, p),
            Pane::Logs => logs::draw(f, rest, app, p),
            _ => tables::containers(f, rest, app, p),
        }
    }
    if app.help {
        help(f, area, p);
    }
}

fn fmt_duration(s: f64) -> String {
    let s = s.max(0.0) as u64;
    match s {
        0..=3599 => format!("{}m", s / 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

fn header_line(app: &App, p: Palette) -> Paragraph<'static> {
    let mut spans = vec![Span::styled("llmmon top ", p.bold())];
    match app.latest() {
        None => spans.push(Span::raw("— waiting for the first data…")),
        Some(s) => {
            let st = &s.status;
            if let Some(h) = &st.host {
                spans.push(Span::raw(format!(
                    "{}  up {}  load {}  mem {:.0}/{:.0} GiB  ",
                    h.hostname,
                    h.uptime_seconds.map_or("—".into(), fmt_duration),
                    h.load1.map_or("—".into(), |l| format!("{l:.1}")),
                    h.memory_used_bytes.unwrap_or(0.0) / 1073741824.0,
                    h.memory_total_bytes.unwrap_or(0.0) / 1073741824.0,
                )));
            }
            if let Some(sc) = &st.scenario {
                spans.push(Span::styled(format!("[demo: {sc}] "), p.fg(Color::Magenta)));
            }
            for src in &st.sources {
                let (mark, colour) = if !src.reachable {
                    ("✗", Color::Red)
                } else if src.failing.is_empty() {
                    ("✓", Color::Green)
                } else {
                    ("!", Color::Yellow)
                };
                spans.push(Span::styled(format!("{}{mark} ", src.role), p.fg(colour)));
            }
            if let Some(e) = &app.prom_error {
                spans.push(Span::styled(
                    format!("prometheus✗ ({e}) "),
                    p.fg(Color::Yellow),
                ));
            } else if app.prom.is_some() {
                spans.push(Span::styled("prometheus✓ ", p.fg(Color::Green)));
            }
            if app.paused {
                spans.push(Span::styled(
                    "PAUSED ",
                    p.fg(Color::Yellow).add_modifier(Modifier::BOLD),
                ));
            }
        }
    }
    if let Some(e) = &app.error {
        spans.push(Span::styled(format!("stale: {e}"), p.fg(Color::Red)));
    }
    Paragraph::new(Line::from(spans))
}

/// Critical announcements first, then what is wrong: problems the exporters show and,
/// with Prometheus, the alerts firing there.
fn problems_line(app: &App, p: Palette) -> Paragraph<'static> {
    let Some(s) = app.latest() else {
        return Paragraph::new("");
    };
    let mut spans = Vec::new();
    if !app.announcements.is_empty() {
        spans.push(Span::styled(
            format!("⚑ {} ", app.announcements.join(" · ")),
            p.fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
    }
    let firing = app
        .prom
        .as_ref()
        .map(|h| h.firing.as_slice())
        .unwrap_or_default();
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

fn help(f: &mut Frame<'_>, area: Rect, p: Palette) {
    let text = vec![
        Line::from(Span::styled("Keys", p.bold())),
        Line::from("tab / shift-tab   next / previous pane"),
        Line::from("↑ ↓  or  k j      move in the container list"),
        Line::from("enter             follow the selected container's logs"),
        Line::from("/                 filter (containers, or log lines in the logs pane)"),
        Line::from("s                 sort containers: name, state, restarts"),
        Line::from("p                 pause / resume updates"),
        Line::from("?                 this help"),
        Line::from("q  or  ctrl-c     quit"),
    ];
    let w = 60.min(area.width);
    let h = (text.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text)
            .block(block("help", true, p))
            .wrap(Wrap { trim: false }),
        r,
    );
}
