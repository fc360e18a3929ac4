//! `llmmon top --hosts` / `--fleet URL`: the fleet screen. One line per server with the
//! facts of `llmmon status --hosts` (read from each server's exporters, or from the central
//! store), the worst server first, refreshed every interval; `↑`/`↓` select, `enter` opens
//! that server's full `top` (whose `q` comes back here), `q` quits.

use std::io;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::watch;

use std::sync::Arc;

use crate::endpoints::Endpoints;
use crate::status::fleet::{self, Line};
use crate::status::fleet_store::Store;

/// Where the fleet's lines come from.
#[derive(Clone)]
pub enum Source {
    /// Each server's exporters.
    Servers(Vec<(String, Endpoints)>),
    /// The central store's query API.
    Store(Arc<Store>),
}

impl Source {
    /// The lines now, or why there are none.
    pub async fn lines(&self, mode: &str) -> Result<Vec<Line>, String> {
        match self {
            Source::Servers(servers) => Ok(fleet::lines(&fleet::gather(servers, mode).await)),
            Source::Store(store) => store.lines().await.map_err(|e| e.to_string()),
        }
    }
}

/// What the fleet screen shows, and the selected server.
#[derive(Debug, Clone, Default)]
pub struct FleetView {
    pub lines: Vec<Line>,
    /// The selected server's host (kept when the order changes).
    pub selected: Option<String>,
    pub servers: usize,
    pub mode: &'static str,
    pub colour: bool,
    /// Why the last read gave nothing (the store did not answer).
    pub error: Option<String>,
}

/// What a key does on the fleet screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetAction {
    Up,
    Down,
    Open,
    Quit,
}

pub fn action_for(k: KeyEvent) -> Option<FleetAction> {
    match k.code {
        KeyCode::Up | KeyCode::Char('k') => Some(FleetAction::Up),
        KeyCode::Down | KeyCode::Char('j') => Some(FleetAction::Down),
        KeyCode::Enter => Some(FleetAction::Open),
        KeyCode::Char('q') => Some(FleetAction::Quit),
        KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            Some(FleetAction::Quit)
        }
        _ => None,
    }
}

impl FleetView {
    /// Index of the selected line.
    pub fn selected_index(&self) -> usize {
        self.selected
            .as_ref()
            .and_then(|h| self.lines.iter().position(|l| &l.host == h))
            .unwrap_or(0)
    }

    /// New lines; the selection stays on its server (the worst one at first).
    pub fn refresh(&mut self, lines: Vec<Line>) {
        if self.selected.is_none() {
            self.selected = lines.first().map(|l| l.host.clone());
        }
        self.lines = lines;
    }

    fn step(&mut self, by: isize) {
        let i = self.selected_index() as isize + by;
        let last = self.lines.len().saturating_sub(1) as isize;
        if let Some(l) = self.lines.get(i.clamp(0, last.max(0)) as usize) {
            self.selected = Some(l.host.clone());
        }
    }

    /// Applies a key; the host to open for `Open`.
    pub fn apply(&mut self, a: FleetAction) -> Option<String> {
        match a {
            FleetAction::Up => self.step(-1),
            FleetAction::Down => self.step(1),
            FleetAction::Open => return self.selected.clone(),
            FleetAction::Quit => {}
        }
        None
    }
}

/// Reads the fleet every `interval` into `tx` until the receiver goes away.
fn spawn_collector(
    source: Source,
    mode: &'static str,
    interval: Duration,
    tx: watch::Sender<Result<Vec<Line>, String>>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        loop {
            tick.tick().await;
            if tx.send(source.lines(mode).await).is_err() {
                break;
            }
        }
    });
}

/// Runs the fleet screen until the user quits (None) or opens a server (its host).
pub async fn run(
    source: Source,
    mode: &'static str,
    interval: Duration,
    selected: Option<String>,
) -> io::Result<Option<String>> {
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut view = FleetView {
        servers: match &source {
            Source::Servers(s) => s.len(),
            Source::Store(_) => 0,
        },
        mode,
        colour,
        selected,
        ..FleetView::default()
    };
    let (tx, mut rx) = watch::channel(Ok(Vec::new()));
    spawn_collector(source, mode, interval, tx);
    let _guard = super::TerminalGuard::enter()?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    // A fresh alternate screen is blank: no clear(), which would ask the terminal where
    // its cursor is (an answer a previous screen's event reader may take).
    terminal.hide_cursor()?;
    let mut events = EventStream::new();
    terminal.draw(|f| super::view::fleet::draw(f, &view))?;
    loop {
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    match action_for(k) {
                        Some(FleetAction::Quit) => return Ok(None),
                        Some(a) => {
                            if let Some(host) = view.apply(a) {
                                return Ok(Some(host));
                            }
                        }
                        None => {}
                    }
                }
                Some(Ok(Event::Resize(_, _))) => terminal.autoresize()?,
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(None),
            },
            changed = rx.changed() => {
                if changed.is_err() {
                    return Ok(None);
                }
                match rx.borrow_and_update().clone() {
                    Ok(lines) => {
                        view.error = None;
                        view.servers = view.servers.max(lines.len());
                        view.refresh(lines);
                    }
                    Err(e) => view.error = Some(e),
                }
            }
        }
        terminal.draw(|f| super::view::fleet::draw(f, &view))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;

    fn line(n: usize, critical: usize) -> Line {
        Line {
            host: llmmon_core::scenario::host_name(n),
            reachable: true,
            gpus: 8,
            busy: Some(0.42),
            hot: 0,
            memory: Some(0.8),
            models_up: 10,
            models: 10,
            requests_today: Some(18_000.0),
            error_ratio: Some(0.001),
            critical,
            warnings: 0,
            worst: (critical > 0).then(|| "GPU 2 critical: XID 48: double-bit ECC error".into()),
        }
    }

    #[test]
    fn twenty_servers_fit_80_by_24_with_the_worst_named_first() {
        let mut view = FleetView {
            servers: 20,
            mode: "demo",
            ..FleetView::default()
        };
        let mut lines: Vec<Line> = (1..=20).map(|n| line(n, usize::from(n == 7))).collect();
        lines.rotate_left(6);
        view.refresh(lines);
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
        terminal
            .draw(|f| crate::tui::view::fleet::draw(f, &view))
            .expect("draw");
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .chunks(80)
            .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect();
        for n in 1..=20 {
            let host = llmmon_core::scenario::host_name(n);
            assert!(screen.contains(&host), "{host} on screen:\n{screen}");
        }
        let first_row = screen.lines().nth(2).unwrap_or_default();
        assert!(
            first_row.contains("llm-h200-07") && first_row.contains("XID 48"),
            "{screen}"
        );
    }

    #[test]
    fn the_selection_moves_stays_on_its_server_and_enter_opens_it() {
        let mut view = FleetView::default();
        view.refresh(vec![line(1, 0), line(2, 0), line(3, 0)]);
        assert_eq!(view.apply(FleetAction::Up), None);
        assert_eq!(view.selected_index(), 0, "the top stays the top");
        view.apply(FleetAction::Down);
        view.apply(FleetAction::Down);
        view.apply(FleetAction::Down);
        assert_eq!(view.selected.as_deref(), Some("llm-h200-03"));
        // llm-h200-03 becomes the worst and moves to the top: still selected.
        view.refresh(vec![line(3, 1), line(1, 0), line(2, 0)]);
        assert_eq!(view.selected_index(), 0);
        assert_eq!(
            view.apply(FleetAction::Open).as_deref(),
            Some("llm-h200-03")
        );
        let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(action_for(q), Some(FleetAction::Quit));
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(action_for(esc), None, "Esc never quits");
    }
}
