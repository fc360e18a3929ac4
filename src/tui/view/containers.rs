//! The containers pane: GPU and non-GPU containers in two groups under their headings,
//! scrolled so the selection is on screen (a group's heading stays pinned to the top while
//! its rows scroll under it), columns giving way by priority.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::columns::{self, Col};
use super::fmt::{self, opt, DASH};
use super::{block, Palette};
use crate::status::{shown, ContainerStatus};
use crate::tui::app::{App, Mode, Pane};
use crate::tui::layout;
use crate::tui::scroll::Entry;
use llmmon_exporter::containers::{ContainerHealth, ContainerState};

/// The state column is as wide as the longest state word, so none is ever cut.
const STATES: [&str; 3] = ["restarting", "CRASHLOOP", "unhealthy"];

fn state_style(p: Palette, c: &ContainerStatus) -> Style {
    if c.crash_looping {
        return p.fg(Color::Red).add_modifier(Modifier::BOLD);
    }
    match (c.state, c.health) {
        (Some(ContainerState::Running), Some(ContainerHealth::Unhealthy)) => p.fg(Color::Red),
        (Some(ContainerState::Running), Some(ContainerHealth::Starting)) => p.fg(Color::Yellow),
        (Some(ContainerState::Running), _) => p.fg(Color::Green),
        (Some(ContainerState::Restarting), _) => p.fg(Color::Yellow),
        (Some(ContainerState::Exited), _) => p.fg(Color::DarkGray),
        _ => p.fg(Color::Red),
    }
}

/// The word the state column shows: a crash loop, else the health of a running container
/// that has a healthcheck, else Docker's state.
fn state_word(c: &ContainerStatus) -> String {
    if c.crash_looping {
        "CRASHLOOP".to_owned()
    } else if c.health != Some(ContainerHealth::NoHealthcheck)
        && c.state == Some(ContainerState::Running)
    {
        shown(c.health)
    } else {
        shown(c.state)
    }
}

/// The columns; priorities say which give way first on a narrow pane.
fn columns() -> Vec<Col> {
    vec![
        Col::text("NAME", 12, 0),
        Col::fixed("STATE", 1),
        Col::number("RST", 3),
        Col::number("CPU", 4),
        Col::number("MEM", 2),
        Col::fixed("GPU", 5),
        Col::text("VERSION", 10, 6),
    ]
}

/// Each container's cells, in column order.
fn cells(app: &App, c: &ContainerStatus, p: Palette) -> Vec<(String, Style)> {
    let models = app.latest().map(|s| s.status.models.as_slice());
    let served = models
        .and_then(|m| m.iter().find(|m| m.container == c.name))
        .map_or(c.image_version.clone(), |m| {
            format!("{} {}", m.model, m.vllm_version)
        });
    let plain = Style::default();
    vec![
        (c.name.clone(), plain),
        (state_word(c), state_style(p, c)),
        (opt(c.restarts, fmt::whole), plain),
        (opt(app.history().cpu_cores(&c.name), fmt::cores), plain),
        (opt(app.history().memory(&c.name), fmt::bytes), plain),
        (
            if c.gpus.is_empty() {
                DASH.to_owned()
            } else {
                c.gpus.join(",")
            },
            plain,
        ),
        (served, plain),
    ]
}

fn heading(list: &[&ContainerStatus], first: usize, p: Palette) -> Line<'static> {
    let class = &list[first].class;
    let count = list.iter().filter(|x| &x.class == class).count();
    let group = if class == "gpu" { "GPU" } else { "non-GPU" };
    Line::from(Span::styled(
        format!("── {group} ({count})"),
        p.fg(Color::Cyan),
    ))
}

pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App, p: Palette) {
    let focused = matches!(app.focus(), Pane::Containers | Pane::Gpus);
    let list = app.containers();
    let selected = app.container_scroll().selected;
    let mut title = if list.is_empty() {
        "Containers (0)".to_owned()
    } else {
        format!("Containers {}/{}", selected + 1, list.len())
    };
    title.push_str(&format!(" sort:{}", app.sort().as_str()));
    if (app.mode() == Mode::Filter || !app.filter().is_empty()) && app.focus() != Pane::Logs {
        title.push_str(&format!(" filter:{}", app.filter()));
    }
    let b = block(&title, focused, p);
    let inner = b.inner(area);
    f.render_widget(b, area);

    let cells: Vec<Vec<(String, Style)>> = list.iter().map(|c| cells(app, c, p)).collect();
    let mut cols = columns();
    for (i, col) in cols.iter_mut().enumerate() {
        col.want_content(cells.iter().map(|r| r[i].0.as_str()));
    }
    cols[1].want_content(STATES.into_iter());
    let widths = columns::fit(&cols, inner.width);

    let rows = app.container_rows();
    let window = app
        .container_scroll()
        .window(&rows, layout::table_rows(Some(area)));
    let mut lines = vec![columns::header(&cols, &widths, p.bold(), inner.width)];
    let entry_line = |e: Entry| -> Line<'static> {
        match e {
            Entry::Heading(first) => heading(&list, first, p),
            Entry::Item(i) => {
                let style = if focused && i == selected {
                    Style::default().add_modifier(Modifier::REVERSED)
                } else {
                    Style::default()
                };
                columns::line(&cols, &widths, cells[i].clone(), style, inner.width)
            }
        }
    };
    lines.extend(window.pinned.map(entry_line));
    lines.extend(rows[window.rows].iter().map(|e| entry_line(*e)));
    f.render_widget(Paragraph::new(lines), inner);
}
