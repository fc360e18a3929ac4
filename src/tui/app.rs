//! The state of `llmmon top`, the actions that change it, and the key map. `update` is the
//! only place state changes; drawing reads it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::data::{History, Snapshot};
use super::logs::Line as LogLine;
use crate::status::ContainerStatus;

/// Log lines kept for the selected container.
pub const MAX_LOG_LINES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    Gpus,
    #[default]
    Containers,
    Models,
    Logs,
}

impl Pane {
    const ORDER: [Pane; 4] = [Pane::Gpus, Pane::Containers, Pane::Models, Pane::Logs];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Gpus => "GPUs",
            Pane::Containers => "Containers",
            Pane::Models => "LLM traffic",
            Pane::Logs => "Logs",
        }
    }
}

/// How the container list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Name,
    State,
    Restarts,
}

impl Sort {
    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::State => "state",
            Sort::Restarts => "restarts",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    /// Follow the selected container's logs.
    Open,
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    EndFilter,
    CycleSort,
    TogglePause,
    ToggleHelp,
}

/// Everything the screen shows.
#[derive(Debug, Default)]
pub struct App {
    pub history: History,
    pub focus: Pane,
    pub selected: usize,
    pub filter: String,
    pub filtering: bool,
    pub sort: Sort,
    pub paused: bool,
    pub help: bool,
    pub quit: bool,
    /// Container whose logs are shown.
    pub log_container: Option<String>,
    pub logs: Vec<LogLine>,
    pub log_error: Option<String>,
    /// Why the last refresh failed, if it did.
    pub error: Option<String>,
    pub colour: bool,
    pub host_label: String,
    /// History from Prometheus, when one is configured and answers.
    pub prom: Option<super::prometheus::PromHistory>,
    /// Why Prometheus did not answer, when it is configured.
    pub prom_error: Option<String>,
    /// Titles of the critical announcements in force.
    pub announcements: Vec<String>,
}

/// The key map: keyboard first, the same keys as htop-like tools.
pub fn action_for(key: KeyEvent, filtering: bool) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    if filtering {
        return match key.code {
            KeyCode::Enter | KeyCode::Esc => Some(Action::EndFilter),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) => Some(Action::FilterChar(c)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') | KeyCode::Esc => Action::Quit,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Enter => Action::Open,
        KeyCode::Char('/') => Action::StartFilter,
        KeyCode::Char('s') => Action::CycleSort,
        KeyCode::Char('p') => Action::TogglePause,
        KeyCode::Char('?') | KeyCode::Char('h') => Action::ToggleHelp,
        _ => return None,
    })
}

impl App {
    pub fn new(colour: bool) -> Self {
        Self {
            colour,
            ..Self::default()
        }
    }

    pub fn latest(&self) -> Option<&Snapshot> {
        self.history.latest()
    }

    /// Containers as listed: filtered by the filter text, in the chosen order.
    pub fn containers(&self) -> Vec<&ContainerStatus> {
        let Some(s) = self.latest() else {
            return Vec::new();
        };
        let needle = self.filter.to_lowercase();
        let mut v: Vec<&ContainerStatus> = s
            .status
            .containers
            .iter()
            .filter(|c| needle.is_empty() || c.name.to_lowercase().contains(&needle))
            .collect();
        match self.sort {
            Sort::Name => v.sort_by(|a, b| (&a.class, &a.name).cmp(&(&b.class, &b.name))),
            Sort::State => {
                v.sort_by(|a, b| (&a.class, &a.state, &a.name).cmp(&(&b.class, &b.state, &b.name)))
            }
            Sort::Restarts => v.sort_by(|a, b| {
                a.class
                    .cmp(&b.class)
                    .then(
                        b.restarts
                            .unwrap_or(0.0)
                            .total_cmp(&a.restarts.unwrap_or(0.0)),
                    )
                    .then(a.name.cmp(&b.name))
            }),
        }
        v
    }

    /// A model's rates: Prometheus' 5-minute figures where it has them, else what the TUI
    /// derived from the exporters over its own window.
    pub fn rates(&self, model: &str) -> super::data::ModelRates {
        let local = self.history.rates(model);
        let Some(p) = self.prom.as_ref().and_then(|p| p.models.get(model)) else {
            return local;
        };
        super::data::ModelRates {
            requests_per_min: p.requests_per_min.or(local.requests_per_min),
            error_ratio: local.error_ratio,
            prompt_tokens_per_s: p.prompt_tokens_per_s.or(local.prompt_tokens_per_s),
            generation_tokens_per_s: p.generation_tokens_per_s.or(local.generation_tokens_per_s),
            ttft_p50: p.ttft_p50.or(local.ttft_p50),
            ttft_p95: p.ttft_p95.or(local.ttft_p95),
            e2e_p95: p.e2e_p95.or(local.e2e_p95),
        }
    }

    /// Utilisation history of a GPU: the TUI's own once it has some, Prometheus' before.
    pub fn gpu_spark(&self, gpu: &str) -> Vec<u64> {
        let local: Vec<u64> = self
            .history
            .gpu_util
            .get(gpu)
            .map(|h| h.iter().copied().collect())
            .unwrap_or_default();
        match self.prom.as_ref().and_then(|p| p.gpu_util.get(gpu)) {
            Some(p) if p.len() > local.len() => p.clone(),
            _ => local,
        }
    }

    /// Log lines as shown: filtered when the logs pane has the filter.
    pub fn visible_logs(&self) -> Vec<&LogLine> {
        let needle = self.filter.to_lowercase();
        self.logs
            .iter()
            .filter(|l| {
                self.focus != Pane::Logs
                    || needle.is_empty()
                    || l.line.to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// A new refresh arrives (ignored while paused).
    pub fn on_snapshot(&mut self, s: Snapshot) {
        if self.paused {
            return;
        }
        self.error = None;
        self.history.push(s);
        if self.log_container.is_none() {
            // Follow the first GPU container until the user picks one.
            self.log_container = self.containers().first().map(|c| c.name.clone());
        }
        let n = self.containers().len();
        self.selected = self.selected.min(n.saturating_sub(1));
    }

    /// New log lines for the followed container (ignored while paused).
    pub fn on_logs(&mut self, container: &str, lines: Vec<LogLine>) {
        if self.paused || self.log_container.as_deref() != Some(container) {
            return;
        }
        self.log_error = None;
        let last = self.logs.last().map_or(f64::MIN, |l| l.ts);
        self.logs.extend(lines.into_iter().filter(|l| l.ts > last));
        let excess = self.logs.len().saturating_sub(MAX_LOG_LINES);
        self.logs.drain(..excess);
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::FocusNext | Action::FocusPrev => {
                let i = Pane::ORDER
                    .iter()
                    .position(|p| *p == self.focus)
                    .unwrap_or(0);
                let n = Pane::ORDER.len();
                let j = if action == Action::FocusNext {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.focus = Pane::ORDER[j];
            }
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => {
                let n = self.containers().len();
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
            }
            Action::Open => {
                if let Some(c) = self.containers().get(self.selected) {
                    let name = c.name.clone();
                    if self.log_container.as_deref() != Some(&name) {
                        self.logs.clear();
                        self.log_container = Some(name);
                    }
                    self.focus = Pane::Logs;
                    self.filter.clear();
                }
            }
            Action::StartFilter => {
                self.filtering = true;
                self.filter.clear();
            }
            Action::FilterChar(c) => self.filter.push(c),
            Action::FilterBackspace => {
                self.filter.pop();
            }
            Action::EndFilter => self.filtering = false,
            Action::CycleSort => {
                self.sort = match self.sort {
                    Sort::Name => Sort::State,
                    Sort::State => Sort::Restarts,
                    Sort::Restarts => Sort::Name,
                }
            }
            Action::TogglePause => self.paused = !self.paused,
            Action::ToggleHelp => self.help = !self.help,
        }
        if matches!(action, Action::FilterChar(_) | Action::FilterBackspace) {
            self.selected = 0;
        }
    }
}
