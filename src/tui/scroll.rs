//! Scrolling a list with a selection: which item is selected, which display row is at the
//! top, and how the two move together so the selection is always on screen. A list may be
//! split into groups under heading rows; when a group's heading has scrolled off the top,
//! it is pinned to the first row so the rows below always say which group they are in.

/// One row of a list as drawn: a group's heading or an item (its index in the list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Heading(usize),
    Item(usize),
}

/// The rows of a list whose items are grouped by `group(i)`: a heading before each run of
/// items with the same group (the heading carries the index of the run's first item).
pub fn grouped<G: PartialEq>(groups: &[G]) -> Vec<Entry> {
    let mut out = Vec::with_capacity(groups.len() + 2);
    for (i, g) in groups.iter().enumerate() {
        if i == 0 || groups[i - 1] != *g {
            out.push(Entry::Heading(i));
        }
        out.push(Entry::Item(i));
    }
    out
}

/// The rows of a list without groups.
pub fn flat(len: usize) -> Vec<Entry> {
    (0..len).map(Entry::Item).collect()
}

/// A selection and the first display row shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    /// Index of the selected item (not of its display row).
    pub selected: usize,
    /// Display row at the top of the pane.
    pub offset: usize,
}

/// What a pane of `height` rows shows from `rows` at `offset`: the heading pinned to the
/// top, if any, then the rows from the offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub pinned: Option<Entry>,
    pub rows: std::ops::Range<usize>,
}

/// The heading above `rows[offset]` when that row is an item whose heading is off screen
/// (only in panes of three rows or more, where a pinned heading leaves room for items).
fn pinned(rows: &[Entry], offset: usize, height: usize) -> Option<Entry> {
    if offset == 0 || height < 3 {
        return None;
    }
    match rows.get(offset) {
        Some(Entry::Item(_)) => rows[..offset]
            .iter()
            .rev()
            .find(|e| matches!(e, Entry::Heading(_)))
            .copied(),
        _ => None,
    }
}

/// Display rows left for the list under a pinned heading.
fn capacity(rows: &[Entry], offset: usize, height: usize) -> usize {
    height - usize::from(pinned(rows, offset, height).is_some())
}

impl Scroll {
    /// Moves the selection by `delta` items, within `0..len`.
    pub fn step(&mut self, delta: isize, len: usize) {
        let last = len.saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn home(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }

    pub fn end(&mut self, len: usize) {
        self.selected = len.saturating_sub(1);
    }

    /// Keeps the selection within the list and its row within a pane of `height` rows,
    /// moving the view as little as possible. A pane of no rows keeps the offset as it is.
    pub fn reveal(&mut self, rows: &[Entry], height: usize) {
        let items = rows.iter().filter(|e| matches!(e, Entry::Item(_))).count();
        self.selected = self.selected.min(items.saturating_sub(1));
        if height == 0 {
            return;
        }
        // No blank rows at the bottom when the list got shorter.
        self.offset = self.offset.min(rows.len());
        while self.offset > 0 && rows.len() - self.offset < capacity(rows, self.offset, height) {
            self.offset -= 1;
        }
        let Some(at) = rows.iter().position(|e| *e == Entry::Item(self.selected)) else {
            self.offset = 0;
            return;
        };
        if at < self.offset {
            self.offset = at;
            // The first item of a group brings its heading with it.
            if at > 0 && matches!(rows[at - 1], Entry::Heading(_)) {
                self.offset = at - 1;
            }
        }
        while at >= self.offset + capacity(rows, self.offset, height) {
            self.offset += 1;
        }
    }

    /// What a pane of `height` rows shows, with the selection revealed (drawing works on a
    /// copy, so a view that was never told its size still shows the selection).
    pub fn window(mut self, rows: &[Entry], height: usize) -> Window {
        self.reveal(rows, height);
        let pin = pinned(rows, self.offset, height);
        let room = height - usize::from(pin.is_some());
        let end = (self.offset + room).min(rows.len());
        Window {
            pinned: pin,
            rows: self.offset.min(end)..end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two groups: three GPU containers, then twenty others.
    fn two_groups() -> Vec<Entry> {
        let groups: Vec<&str> = (0..23)
            .map(|i| if i < 3 { "gpu" } else { "other" })
            .collect();
        grouped(&groups)
    }

    #[test]
    fn headings_precede_each_group() {
        let rows = grouped(&["a", "a", "b"]);
        assert_eq!(
            rows,
            vec![
                Entry::Heading(0),
                Entry::Item(0),
                Entry::Item(1),
                Entry::Heading(2),
                Entry::Item(2),
            ]
        );
    }

    #[test]
    fn moving_down_past_the_bottom_scrolls_one_row_at_a_time() {
        let rows = flat(20);
        let mut s = Scroll::default();
        for _ in 0..7 {
            s.step(1, 20);
            s.reveal(&rows, 5);
        }
        assert_eq!((s.selected, s.offset), (7, 3));
        // Back up inside the window: the view stays put.
        s.step(-2, 20);
        s.reveal(&rows, 5);
        assert_eq!((s.selected, s.offset), (5, 3));
        s.step(-3, 20);
        s.reveal(&rows, 5);
        assert_eq!((s.selected, s.offset), (2, 2));
    }

    #[test]
    fn the_selection_is_always_inside_the_window() {
        let rows = two_groups();
        for height in 1..12 {
            let mut s = Scroll::default();
            for i in 0..23 {
                s.selected = i;
                s.reveal(&rows, height);
                let w = s.window(&rows, height);
                let at = rows.iter().position(|e| *e == Entry::Item(i));
                assert!(
                    at.is_some_and(|at| w.rows.contains(&at)),
                    "item {i} in {w:?} at height {height}"
                );
                assert!(w.rows.len() + usize::from(w.pinned.is_some()) <= height);
            }
        }
    }

    #[test]
    fn a_scrolled_off_heading_is_pinned_to_the_top() {
        let rows = two_groups();
        let mut s = Scroll {
            selected: 15,
            offset: 0,
        };
        let w = s.window(&rows, 6);
        assert_eq!(w.pinned, Some(Entry::Heading(3)), "{w:?}");
        s.reveal(&rows, 6);
        // Back to the first item of the group: its own heading is shown, not pinned.
        s.selected = 3;
        let w = s.window(&rows, 6);
        assert_eq!(w.pinned, None);
        assert_eq!(rows[w.rows.start], Entry::Heading(3));
    }

    #[test]
    fn a_shorter_list_leaves_no_blank_rows_and_keeps_the_selection_in_range() {
        let mut s = Scroll {
            selected: 19,
            offset: 15,
        };
        s.reveal(&flat(8), 5);
        assert_eq!((s.selected, s.offset), (7, 3));
        s.reveal(&flat(0), 5);
        assert_eq!((s.selected, s.offset), (0, 0));
    }
}
