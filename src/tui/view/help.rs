//! The help box: the keys, sized from its own lines and centred. On a screen too small for
//! it, it keeps its border and scrolls (↑ ↓ while it is open), saying so on its border.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{block, Palette};

/// Keys and what they do, in the order the box lists them.
pub const KEYS: &[(&str, &str)] = &[
    ("tab / shift-tab", "next / previous pane"),
    ("↑ ↓  or  k j", "move the selection (in the logs: scroll)"),
    ("PgUp / PgDn", "a page up / down"),
    (
        "Home / End  g G",
        "first / last row (End in the logs: follow)",
    ),
    ("enter", "follow the selected container's logs"),
    ("/", "filter containers (in the logs pane: lines)"),
    ("esc", "close this help, or clear the filter"),
    ("s", "sort containers: name, state, restarts"),
    ("p", "pause / resume updates"),
    ("?  or  h", "this help"),
    ("q  or  ctrl-c", "quit"),
];

/// Width of the keys' column.
const KEY_W: usize = 17;

fn lines(p: Palette) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled("Keys", p.bold()))];
    out.extend(
        KEYS.iter()
            .map(|(k, what)| Line::from(format!("{k:<KEY_W$} {what}"))),
    );
    out
}

/// The box's outer size on `area`: its content plus border, at most the screen.
fn size(area: Rect) -> (u16, u16) {
    let text = lines(Palette { colour: false });
    let w = text.iter().map(|l| l.width() as u16).max().unwrap_or(0) + 2;
    let h = text.len() as u16 + 2;
    (w.min(area.width), h.min(area.height))
}

/// Lines of the help that do not fit a `width`×`height` screen (what it can scroll by).
pub fn overflow(screen: (u16, u16)) -> usize {
    let area = Rect::new(0, 0, screen.0, screen.1);
    let (_, h) = size(area);
    (KEYS.len() + 1).saturating_sub(usize::from(h.saturating_sub(2)))
}

pub fn draw(f: &mut Frame<'_>, area: Rect, scroll: usize, p: Palette) {
    let (w, h) = size(area);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let more = overflow((area.width, area.height));
    let scroll = scroll.min(more);
    let mut b = block("help", true, p);
    if more > 0 {
        let hint = match scroll {
            0 => " ↓ more ",
            s if s == more => " ↑ more ",
            _ => " ↑↓ more ",
        };
        b = b.title_bottom(Span::styled(hint, p.focus(true)));
    }
    // Lines wider than a very narrow screen are cut at its edge rather than wrapped, so the
    // line count above stays exact.
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines(p)).scroll((scroll as u16, 0)).block(b),
        r,
    );
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::KEYS;
    use crate::tui::app::{action_for, App, Mode};

    /// The key that enters `mode` from `Normal`, and how the help box writes it. The match
    /// has no catch-all, so a new mode does not compile until it is given one.
    fn entered_by(mode: Mode) -> Option<(KeyCode, &'static str)> {
        match mode {
            Mode::Normal => None,
            Mode::Filter => Some((KeyCode::Char('/'), "/")),
            Mode::Help => Some((KeyCode::Char('?'), "?")),
        }
    }

    fn press(app: &mut App, code: KeyCode) {
        if let Some(a) = action_for(KeyEvent::new(code, KeyModifiers::NONE), app.mode()) {
            app.update(a);
        }
    }

    #[test]
    fn every_mode_has_a_help_line_for_its_key_and_esc_goes_back_to_normal() {
        for &mode in Mode::ALL {
            let mut app = App::new(false);
            if let Some((code, shown)) = entered_by(mode) {
                assert!(
                    KEYS.iter()
                        .any(|(k, _)| k.split_whitespace().any(|w| w == shown)),
                    "the help lists {shown}, the key of the {mode} mode"
                );
                press(&mut app, code);
            }
            assert_eq!(app.mode(), mode, "{mode} is entered by its key");
            press(&mut app, KeyCode::Esc);
            assert_eq!(app.mode(), Mode::Normal, "esc leaves {mode}");
        }
    }
}
