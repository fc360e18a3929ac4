//! Drawing `llmmon top`: a pure function of [`App`] onto a frame. No I/O, no waiting.
//!
//! Layout ([`crate::tui::layout`]): a header line, a problems line, the GPU grid, then the
//! panes. On a large window containers and LLM traffic sit side by side above the logs; on
//! a small one (80×24) the focused pane takes the space below the grid.

mod columns;
mod containers;
pub mod fleet;
mod fmt;
mod gpus;
mod header;
mod help;
mod logs;
mod traffic;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

use super::app::{App, Mode};
use super::layout;

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
        use llmmon_core::thresholds::{GPU_TEMP_CRITICAL_C, GPU_TEMP_WARNING_C};
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

/// Lines of the help box that do not fit a screen of this size (what it scrolls by).
pub fn help_overflow(screen: (u16, u16)) -> usize {
    help::overflow(screen)
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame<'_>, app: &App) {
    let p = Palette {
        colour: app.colour(),
    };
    let area = f.area();
    let a = layout::areas(area, app);
    f.render_widget(header::header_line(app, p, a.header.width), a.header);
    f.render_widget(header::problems_line(app, p), a.problems);
    gpus::draw(f, a.grid, a.grid_shape, app, p);
    if let Some(r) = a.containers {
        containers::draw(f, r, app, p);
    }
    if let Some(r) = a.models {
        traffic::draw(f, r, app, p);
    }
    if let Some(r) = a.logs {
        logs::draw(f, r, app, p);
    }
    if app.mode() == Mode::Help {
        help::draw(f, area, app.help_scroll(), p);
    }
}
