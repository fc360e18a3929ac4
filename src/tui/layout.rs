//! Where each part of `llmmon top` goes on a screen of a given size: the header and problems
//! lines, the GPU grid (balanced rows of tiles), and the panes below it. Both drawing and
//! the key handling read it, so a page (PgUp / PgDn) is exactly the rows a pane shows.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::{App, Pane};

/// Narrowest a GPU tile gets.
pub const TILE_W: u16 = 20;
/// Rows of a GPU tile: its border and four lines.
pub const TILE_H: u16 = 6;
/// Rows the panes under the grid keep however many GPUs there are.
const MIN_PANES: u16 = 8;
/// From this size containers, traffic and logs are shown together.
const WIDE: (u16, u16) = (120, 20);

/// How the GPU tiles are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub cols: usize,
    pub rows: usize,
    /// GPUs with a tile of their own; when some do not fit, the last tile counts the rest.
    pub shown: usize,
}

impl Grid {
    /// Screen rows the grid takes (a message box when there are no GPUs).
    pub fn height(self) -> u16 {
        if self.rows == 0 {
            3
        } else {
            self.rows as u16 * TILE_H
        }
    }
}

/// Tiles for `n` GPUs on a `width`×`height` screen: as few rows as fit the width, and the
/// GPUs spread evenly over them (8 at 120 columns: 4 + 4, not 6 + 2). When the rows do not
/// fit above the panes, as many as do are shown and the last tile stands for the rest.
pub fn grid(n: usize, width: u16, height: u16) -> Grid {
    if n == 0 {
        return Grid {
            cols: 0,
            rows: 0,
            shown: 0,
        };
    }
    let fit = usize::from((width / TILE_W).max(1));
    let rows = n.div_ceil(fit);
    let max_rows = usize::from((height.saturating_sub(2 + MIN_PANES) / TILE_H).max(1));
    if rows <= max_rows {
        return Grid {
            cols: n.div_ceil(rows),
            rows,
            shown: n,
        };
    }
    Grid {
        cols: fit,
        rows: max_rows,
        shown: fit * max_rows - 1,
    }
}

/// The parts of the screen; a pane that is not shown has no area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub problems: Rect,
    pub grid: Rect,
    pub grid_shape: Grid,
    pub containers: Option<Rect>,
    pub models: Option<Rect>,
    pub logs: Option<Rect>,
}

/// Lays out `area` for what `app` holds now.
pub fn areas(area: Rect, app: &App) -> Areas {
    let n = app.latest().map_or(0, |s| s.status.gpus.len());
    let shape = grid(n, area.width, area.height);
    let [header, problems, grid, rest] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(shape.height()),
        Constraint::Min(3),
    ])
    .areas(area);
    let mut out = Areas {
        header,
        problems,
        grid,
        grid_shape: shape,
        containers: None,
        models: None,
        logs: None,
    };
    if rest.width >= WIDE.0 && rest.height >= WIDE.1 {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest);
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
        out.containers = Some(left);
        out.models = Some(right);
        out.logs = Some(bottom);
    } else {
        match app.focus() {
            Pane::Models => out.models = Some(rest),
            Pane::Logs => out.logs = Some(rest),
            Pane::Gpus | Pane::Containers => out.containers = Some(rest),
        }
    }
    out
}

/// Rows of items a table pane shows (inside its border, under its column headings).
pub fn table_rows(area: Option<Rect>) -> usize {
    area.map_or(0, |r| usize::from(r.height.saturating_sub(3)))
}

/// Lines the log pane shows (inside its border).
pub fn log_rows(area: Option<Rect>) -> usize {
    area.map_or(0, |r| usize::from(r.height.saturating_sub(2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_gpus_make_two_even_rows_at_80_and_120_columns_and_one_at_160() {
        assert_eq!(
            grid(8, 80, 24),
            Grid {
                cols: 4,
                rows: 2,
                shown: 8
            }
        );
        assert_eq!(
            grid(8, 120, 40),
            Grid {
                cols: 4,
                rows: 2,
                shown: 8
            }
        );
        assert_eq!(
            grid(8, 160, 48),
            Grid {
                cols: 8,
                rows: 1,
                shown: 8
            }
        );
        assert_eq!(
            grid(8, 200, 60),
            Grid {
                cols: 8,
                rows: 1,
                shown: 8
            }
        );
    }

    #[test]
    fn any_count_spreads_evenly_and_fits_the_width() {
        for n in 1..=32 {
            for width in [40, 80, 100, 120, 160, 200, 300] {
                let g = grid(n, width, 200);
                assert_eq!(g.shown, n);
                assert!(g.cols * g.rows >= n, "{n} at {width}: {g:?}");
                assert!(
                    g.cols * (g.rows - 1) < n,
                    "no empty row: {n} at {width}: {g:?}"
                );
                assert!(
                    g.cols == 1 || g.cols as u16 * TILE_W <= width,
                    "{n} at {width}: {g:?}"
                );
                // Balanced: the last row lacks fewer tiles than there are rows.
                let last = n - g.cols * (g.rows - 1);
                assert!(
                    g.rows == 1 || last + g.rows > g.cols,
                    "{n} at {width}: {g:?}"
                );
            }
        }
    }

    #[test]
    fn gpus_beyond_the_screen_are_counted_in_the_last_tile() {
        let g = grid(32, 80, 24);
        assert_eq!(
            g,
            Grid {
                cols: 4,
                rows: 2,
                shown: 7
            }
        );
        assert!(g.height() <= 24 - 2 - MIN_PANES);
    }
}
