//! The GPU grid: a tile per GPU with utilisation and its sparkline, memory on the GPU's
//! real scale, temperature coloured at 75 / 85 °C, power against its limit, and the
//! containers holding memory on it (`+N` for those that do not fit). Tiles are laid out
//! by [`crate::tui::layout::grid`].

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Color;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};
use ratatui::Frame;

use llmmon_core::xid::Health;

use super::columns::{clip, width};
use super::{block, Palette};
use crate::tui::app::{App, Pane};
use crate::tui::layout::{Grid, TILE_H};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

pub fn draw(f: &mut Frame<'_>, area: Rect, shape: Grid, app: &App, p: Palette) {
    let Some(s) = app.latest() else {
        f.render_widget(
            Paragraph::new("no GPU data yet").block(block("GPUs", false, p)),
            area,
        );
        return;
    };
    let gpus = &s.status.gpus;
    if gpus.is_empty() || shape.cols == 0 {
        let why = if s
            .status
            .sources
            .iter()
            .any(|x| x.role == "gpu" && !x.reachable)
        {
            "gpu exporter unreachable"
        } else {
            "no GPU reported"
        };
        f.render_widget(
            Paragraph::new(why)
                .style(p.fg(Color::Red))
                .block(block("GPUs", false, p)),
            area,
        );
        return;
    }
    let row_areas = Layout::vertical(vec![Constraint::Length(TILE_H); shape.rows]).split(area);
    for (r, row_area) in row_areas.iter().enumerate() {
        let tiles = Layout::horizontal(vec![Constraint::Ratio(1, shape.cols as u32); shape.cols])
            .split(*row_area);
        for (c, tile) in tiles.iter().enumerate() {
            let i = r * shape.cols + c;
            if i < shape.shown {
                draw_tile(f, *tile, app, &gpus[i], p);
            } else if i == shape.shown && i < gpus.len() {
                draw_rest(f, *tile, &gpus[i..], app, p);
            }
        }
    }
}

/// The containers on a GPU in `w` cells: as many names as fit, then `+N` for the others.
fn who(names: &[&str], w: u16) -> String {
    if names.is_empty() {
        return "idle".to_owned();
    }
    let more = |shown: usize| {
        let rest = names.len() - shown;
        if rest > 0 {
            format!(" +{rest}")
        } else {
            String::new()
        }
    };
    for shown in (1..=names.len()).rev() {
        let s = format!("{}{}", names[..shown].join(","), more(shown));
        if width(&s) <= w {
            return s;
        }
    }
    // Not even the first name fits whole: it is cut, and the count still shown.
    let tail = more(1);
    format!("{}{tail}", clip(names[0], w.saturating_sub(width(&tail))))
}

/// The last tile when the screen has no room for every GPU: how many more, and their
/// hottest and busiest.
fn draw_rest(
    f: &mut Frame<'_>,
    area: Rect,
    rest: &[crate::status::GpuStatus],
    app: &App,
    p: Palette,
) {
    let title = format!("+{} GPUs", rest.len());
    let hottest = rest
        .iter()
        .filter_map(|g| g.temperature_celsius)
        .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))));
    let busiest = rest
        .iter()
        .filter_map(|g| g.utilization)
        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))));
    let first = rest.first().map_or("", |g| g.index.as_str());
    let last = rest.last().map_or("", |g| g.index.as_str());
    let lines = vec![
        Line::from(format!("GPU {first}–{last}")),
        Line::from(Span::styled(
            format!(
                "hottest {}",
                hottest.map_or("—".into(), |t| format!("{t:.0}°C"))
            ),
            p.temperature(hottest),
        )),
        Line::from(format!(
            "busiest {}",
            busiest.map_or("—".into(), |u| format!("{:.0}%", u * 100.0))
        )),
    ];
    f.render_widget(
        Paragraph::new(lines).block(block(&title, app.focus() == Pane::Gpus, p)),
        area,
    );
}

fn draw_tile(f: &mut Frame<'_>, area: Rect, app: &App, g: &crate::status::GpuStatus, p: Palette) {
    let title = match g.health {
        Some(Health::Critical) => format!("GPU {} ✖ critical", g.index),
        Some(Health::Warning) => format!("GPU {} ! warning", g.index),
        _ => format!("GPU {}", g.index),
    };
    let b = block(&title, app.focus() == Pane::Gpus, p);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if inner.height == 0 {
        return;
    }
    let [util_row, rest] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let [pct, spark] =
        Layout::horizontal([Constraint::Length(5), Constraint::Min(1)]).areas(util_row);
    f.render_widget(
        Paragraph::new(
            g.utilization
                .map_or("  —".into(), |u| format!("{:>3.0}%", u * 100.0)),
        ),
        pct,
    );
    let history: Vec<u64> = app
        .history()
        .gpu_util
        .get(&g.index)
        .map(|h| {
            h.iter()
                .rev()
                .take(spark.width as usize)
                .rev()
                .copied()
                .collect()
        })
        .unwrap_or_default();
    f.render_widget(
        Sparkline::default()
            .data(&history)
            .max(100)
            .style(p.fg(Color::Cyan)),
        spark,
    );
    let mem = match (g.memory_used_bytes, g.memory_total_bytes) {
        (Some(u), Some(t)) => format!("{:.0}/{:.0} GiB", u / GIB, t / GIB),
        _ => "mem —".into(),
    };
    let temp = g
        .temperature_celsius
        .map_or("—".into(), |t| format!("{t:.0}°C"));
    let power = match (g.power_watts, g.power_limit_watts) {
        (Some(w), Some(l)) => format!("{w:.0}/{l:.0}W"),
        (Some(w), None) => format!("{w:.0}W"),
        _ => "—".into(),
    };
    let names: Vec<&str> = g
        .containers
        .iter()
        .map(|c| c.trim_start_matches("vllm-"))
        .collect();
    // A critical GPU shows its worst problem where its containers would be.
    let last = match (g.health, g.health_problems.first()) {
        (Some(Health::Critical), Some((_, problem, _))) => {
            Span::styled(problem.clone(), p.fg(Color::Red))
        }
        _ => Span::styled(who(&names, rest.width), p.fg(Color::Gray)),
    };
    let lines = vec![
        Line::from(mem),
        Line::from(vec![
            Span::styled(temp, p.temperature(g.temperature_celsius)),
            Span::raw(" "),
            Span::raw(power),
        ]),
        Line::from(last),
    ];
    f.render_widget(Paragraph::new(lines), rest);
}

#[cfg(test)]
mod tests {
    use super::who;

    #[test]
    fn a_tile_lists_the_names_that_fit_and_counts_the_rest() {
        let names = [
            "bge-m3",
            "bge-reranker-v2-m3",
            "gemma-3-12b",
            "llama-3-1-8b",
        ];
        assert_eq!(who(&names, 18), "bge-m3 +3");
        assert_eq!(who(&names, 28), "bge-m3,bge-reranker-v2-m3 +2");
        assert_eq!(who(&names, 60), names.join(","));
        assert_eq!(who(&names[..1], 18), "bge-m3");
        assert_eq!(who(&["mistral-small-3-1-24b"], 18), "mistral-small-3-1…");
        assert_eq!(who(&["mistral-small-3-1-24b", "phi-4"], 10), "mistra… +1");
        assert_eq!(who(&[], 18), "idle");
    }
}
