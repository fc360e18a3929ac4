//! Table columns that give way by priority. Each column has the width its content wants,
//! a minimum below which it is left out, and a priority; on a narrow pane the least
//! important columns go first, and only text columns shrink (cut with `…`, never into a
//! misleading stub). Numbers and state words always get their full width.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// Spaces between two columns.
const GAP: u16 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Col {
    pub head: &'static str,
    /// Narrowest it may get; below that it is left out.
    pub min: u16,
    /// What its heading and content need (set by [`Col::want_content`]).
    pub want: u16,
    /// 0 is kept longest.
    pub priority: u8,
    /// Right-aligned (numbers).
    pub right: bool,
}

impl Col {
    /// A column shown whole or not at all: numbers, states.
    pub fn fixed(head: &'static str, priority: u8) -> Self {
        Self {
            head,
            min: width(head),
            want: width(head),
            priority,
            right: false,
        }
    }

    pub fn number(head: &'static str, priority: u8) -> Self {
        Self {
            right: true,
            ..Self::fixed(head, priority)
        }
    }

    /// A text column that may shrink to `min` (names, versions), cut with `…`.
    pub fn text(head: &'static str, min: u16, priority: u8) -> Self {
        Self {
            min,
            ..Self::fixed(head, priority)
        }
    }

    /// Widens the column to fit `cells` (a fixed column's minimum grows with it).
    pub fn want_content<'a>(&mut self, cells: impl Iterator<Item = &'a str>) {
        let fixed = self.min == self.want;
        self.want = cells.map(width).fold(self.want, u16::max);
        if fixed {
            self.min = self.want;
        }
    }
}

pub fn width(s: &str) -> u16 {
    Span::raw(s).width() as u16
}

/// Widths of the columns in `width` cells, `None` for those left out. Columns are dropped
/// from the least important until the rest fit at their minimum; the room left goes to
/// the most important first, up to what each wants (what remains stays blank on the right).
pub fn fit(cols: &[Col], width: u16) -> Vec<Option<u16>> {
    let mut on: Vec<bool> = vec![true; cols.len()];
    let need = |on: &[bool]| -> u16 {
        let n = on.iter().filter(|x| **x).count() as u16;
        let mins: u16 = cols
            .iter()
            .zip(on)
            .filter(|(_, o)| **o)
            .map(|(c, _)| c.min)
            .sum();
        mins + GAP * n.saturating_sub(1)
    };
    while need(&on) > width && on.iter().filter(|x| **x).count() > 1 {
        let drop = (0..cols.len())
            .filter(|i| on[*i])
            .max_by_key(|i| (cols[*i].priority, *i))
            .unwrap_or(0);
        on[drop] = false;
    }
    let mut widths: Vec<Option<u16>> = cols
        .iter()
        .zip(&on)
        .map(|(c, o)| o.then_some(c.min.min(width)))
        .collect();
    let mut left = width.saturating_sub(need(&on));
    let mut order: Vec<usize> = (0..cols.len()).filter(|i| on[*i]).collect();
    order.sort_by_key(|i| (cols[*i].priority, *i));
    for &i in &order {
        let grow = left.min(cols[i].want.saturating_sub(cols[i].min));
        widths[i] = widths[i].map(|w| w + grow);
        left -= grow;
    }
    widths
}

/// `s` in `w` cells: cut with `…` when longer.
pub fn clip(s: &str, w: u16) -> String {
    if width(s) <= w {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + width(&c.to_string()) + 1 > w {
            break;
        }
        out.push(c);
    }
    if w > 0 {
        out.push('…');
    }
    out
}

/// One table line, `total` cells wide: each shown cell clipped and padded to its column's
/// width.
pub fn line<'a>(
    cols: &[Col],
    widths: &[Option<u16>],
    cells: Vec<(String, Style)>,
    style: Style,
    total: u16,
) -> Line<'a> {
    let mut spans = Vec::new();
    let shown = cols
        .iter()
        .zip(widths)
        .zip(cells)
        .filter_map(|((c, w), cell)| Some((c, (*w)?, cell)));
    for (n, (col, w, (text, st))) in shown.enumerate() {
        if n > 0 {
            spans.push(Span::raw(" ".repeat(usize::from(GAP))));
        }
        let text = clip(&text, w);
        let pad = " ".repeat(usize::from(w - width(&text)));
        spans.push(Span::styled(
            if col.right {
                format!("{pad}{text}")
            } else {
                format!("{text}{pad}")
            },
            st,
        ));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    spans.push(Span::raw(
        " ".repeat(usize::from(total).saturating_sub(used)),
    ));
    Line::from(spans).style(style)
}

/// The headings line.
pub fn header<'a>(cols: &[Col], widths: &[Option<u16>], style: Style, total: u16) -> Line<'a> {
    let cells = cols.iter().map(|c| (c.head.to_owned(), style)).collect();
    line(cols, widths, cells, Style::default(), total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols() -> Vec<Col> {
        let mut name = Col::text("NAME", 8, 0);
        name.want = 20;
        let mut version = Col::text("VERSION", 6, 5);
        version.want = 16;
        vec![
            name,
            Col::fixed("STATE", 1),
            Col::number("CPU", 3),
            version,
            Col::number("RESTARTS", 4),
        ]
    }

    #[test]
    fn everything_fits_when_there_is_room() {
        let w = fit(&cols(), 80);
        assert_eq!(w, vec![Some(20), Some(5), Some(3), Some(16), Some(8)]);
    }

    #[test]
    fn the_least_important_columns_give_way_first() {
        // Minimums: 8 + 5 + 3 + 6 + 8 and 4 gaps = 34.
        assert_eq!(fit(&cols(), 34).iter().filter(|w| w.is_some()).count(), 5);
        let w = fit(&cols(), 33);
        assert_eq!(w[3], None, "VERSION goes first: {w:?}");
        let w = fit(&cols(), 20);
        assert_eq!(w, vec![Some(10), Some(5), Some(3), None, None], "{w:?}");
        // Room left grows the name before the version.
        let w = fit(&cols(), 40);
        assert_eq!(w[0], Some(14));
        assert_eq!(w[3], Some(6));
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis_and_fits() {
        assert_eq!(clip("vllm-bge-reranker-v2-m3", 12), "vllm-bge-re…");
        assert_eq!(clip("healthy", 7), "healthy");
        assert_eq!(width(&clip("mistral-small-3.1", 5)), 5);
    }
}
