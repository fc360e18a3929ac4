//! The state of `llmmon top`, the actions that change it, and the key map. Its fields are
//! private: `update` (keys) and `apply` (collected data) are the only places state
//! changes; drawing reads it through the methods below.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use ratatui::layout::Rect;

use super::data::{History, Snapshot};
use super::layout;
use super::logs::Line as LogLine;
use super::prometheus::PromHistory;
use super::scroll::{self, Entry, Scroll};
use super::Update;
use crate::status::{shown, ContainerStatus};

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

llmmon_core::label_enum! {
    /// How the container list is ordered; `s` steps through them in this order.
    #[derive(Default)]
    pub enum Sort {
        #[default]
        Name => "name",
        State => "state",
        Restarts => "restarts",
    }
}

impl Sort {
    /// The next order after this one, back to the first after the last.
    fn next(self) -> Self {
        let i = Self::ALL.iter().position(|s| *s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

llmmon_core::label_enum! {
    /// What the keys do: move and act on the panes, type the filter, or scroll the help box
    /// over the panes. `Esc` goes back to `Normal` from every other mode.
    #[derive(Default)]
    pub enum Mode {
        #[default]
        Normal => "normal",
        /// Typing the filter: characters go into it.
        Filter => "filter",
        /// The help box is open: moves scroll it.
        Help => "help",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    /// A pane's height of rows up or down.
    PageUp,
    PageDown,
    /// The first or last row (in the logs: the oldest line, or back to following).
    Home,
    End,
    /// Follow the selected container's (or model's container's) logs.
    Open,
    StartFilter,
    FilterChar(char),
    FilterBackspace,
    /// Keeps the filter and stops typing.
    EndFilter,
    /// `Esc`: closes the help box, else cancels or clears the filter, else nothing.
    Back,
    CycleSort,
    TogglePause,
    ToggleHelp,
    /// The terminal's size, so a page is the rows a pane shows.
    Resize(u16, u16),
}

/// Everything the screen shows.
#[derive(Debug, Default)]
pub struct App {
    history: History,
    focus: Pane,
    /// Selection and scroll of the containers table.
    container_scroll: Scroll,
    /// Selection and scroll of the LLM traffic table.
    model_scroll: Scroll,
    /// Log lines scrolled back from the newest (0: following new lines).
    log_back: usize,
    /// Lines the help box is scrolled by, on a screen too small for it.
    help_scroll: usize,
    /// The terminal's columns and rows.
    size: (u16, u16),
    filter: String,
    mode: Mode,
    sort: Sort,
    paused: bool,
    quit: bool,
    /// Container whose logs are shown.
    log_container: Option<String>,
    logs: Vec<LogLine>,
    log_error: Option<String>,
    /// Why the last refresh failed, if it did.
    error: Option<String>,
    colour: bool,
    /// History from Prometheus, when one is configured and answers.
    prom: Option<PromHistory>,
    /// Why Prometheus did not answer, when it is configured.
    prom_error: Option<String>,
    /// Titles of the critical announcements in force.
    announcements: Vec<String>,
}

/// The key map: keyboard first, the same keys as htop-like tools. Only `q` and `ctrl-c`
/// quit; `Esc` closes what is open. While the filter is typed, keys are its characters.
pub fn action_for(key: KeyEvent, mode: Mode) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    let moves = match key.code {
        KeyCode::Up => Some(Action::Up),
        KeyCode::Down => Some(Action::Down),
        KeyCode::PageUp => Some(Action::PageUp),
        KeyCode::PageDown => Some(Action::PageDown),
        KeyCode::Home => Some(Action::Home),
        KeyCode::End => Some(Action::End),
        KeyCode::Esc => Some(Action::Back),
        _ => None,
    };
    if moves.is_some() {
        return moves;
    }
    if mode == Mode::Filter {
        return match key.code {
            KeyCode::Enter => Some(Action::EndFilter),
            KeyCode::Backspace => Some(Action::FilterBackspace),
            KeyCode::Char(c) => Some(Action::FilterChar(c)),
            _ => None,
        };
    }
    Some(match key.code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Tab => Action::FocusNext,
        KeyCode::BackTab => Action::FocusPrev,
        KeyCode::Char('k') => Action::Up,
        KeyCode::Char('j') => Action::Down,
        KeyCode::Char('g') => Action::Home,
        KeyCode::Char('G') => Action::End,
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

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn focus(&self) -> Pane {
        self.focus
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// The filter text, being typed or kept.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    pub fn container_scroll(&self) -> Scroll {
        self.container_scroll
    }

    pub fn model_scroll(&self) -> Scroll {
        self.model_scroll
    }

    /// Log lines scrolled back from the newest (0: following new lines).
    pub fn log_back(&self) -> usize {
        self.log_back
    }

    /// Lines the help box is scrolled by.
    pub fn help_scroll(&self) -> usize {
        self.help_scroll
    }

    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn colour(&self) -> bool {
        self.colour
    }

    /// Container whose logs are followed.
    pub fn log_container(&self) -> Option<&str> {
        self.log_container.as_deref()
    }

    /// The followed container's log lines, oldest first (unfiltered).
    pub fn logs(&self) -> &[LogLine] {
        &self.logs
    }

    /// Why the logs could not be read, if they could not.
    pub fn log_error(&self) -> Option<&str> {
        self.log_error.as_deref()
    }

    /// Why the last refresh failed, if it did.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// History from Prometheus, when one is configured and answers.
    pub fn prom(&self) -> Option<&PromHistory> {
        self.prom.as_ref()
    }

    /// Why Prometheus did not answer, when it is configured.
    pub fn prom_error(&self) -> Option<&str> {
        self.prom_error.as_deref()
    }

    /// Titles of the critical announcements in force.
    pub fn announcements(&self) -> &[String] {
        &self.announcements
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
                // By the state's word, as shown.
                v.sort_by_cached_key(|c| (c.class.clone(), shown(c.state), c.name.clone()))
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

    /// Display rows of the containers table: a heading before each class's group.
    pub fn container_rows(&self) -> Vec<Entry> {
        let classes: Vec<&str> = self.containers().iter().map(|c| c.class.as_str()).collect();
        scroll::grouped(&classes)
    }

    fn models_len(&self) -> usize {
        self.latest().map_or(0, |s| s.status.models.len())
    }

    /// Where each pane is on the terminal as it is now.
    pub fn areas(&self) -> layout::Areas {
        layout::areas(Rect::new(0, 0, self.size.0, self.size.1), self)
    }

    fn selected_container(&self) -> Option<String> {
        let list = self.containers();
        list.get(self.container_scroll.selected)
            .map(|c| c.name.clone())
    }

    /// Selects `name` again after the list changed order or content.
    fn reselect(&mut self, name: Option<String>) {
        let Some(name) = name else { return };
        if let Some(i) = self.containers().iter().position(|c| c.name == name) {
            self.container_scroll.selected = i;
        }
    }

    /// Keeps each table's selection on screen and the log and help scrolls in range.
    fn reveal(&mut self) {
        let areas = self.areas();
        let rows = self.container_rows();
        self.container_scroll
            .reveal(&rows, layout::table_rows(areas.containers));
        let models = scroll::flat(self.models_len());
        self.model_scroll
            .reveal(&models, layout::table_rows(areas.models));
        let back = self
            .visible_logs()
            .len()
            .saturating_sub(layout::log_rows(areas.logs).max(1));
        self.log_back = self.log_back.min(back);
        self.help_scroll = self.help_scroll.min(super::view::help_overflow(self.size));
    }

    /// Data from a collection task arrives.
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Snapshot(s) => self.on_snapshot(*s),
            Update::Logs(container, lines) => self.on_logs(&container, lines),
            Update::LogError(e) => self.log_error = Some(e),
            Update::History(Ok(h)) => {
                self.prom = Some(h);
                self.prom_error = None;
            }
            Update::History(Err(e)) => self.prom_error = Some(e.to_string()),
            Update::Announcements(a) => self.announcements = a,
        }
    }

    /// A new refresh arrives (ignored while paused).
    fn on_snapshot(&mut self, s: Snapshot) {
        if self.paused {
            return;
        }
        self.error = None;
        let selected = self.selected_container();
        self.history.push(s);
        if self.log_container.is_none() {
            // Follow the first GPU container until the user picks one.
            self.log_container = self.containers().first().map(|c| c.name.clone());
        }
        self.reselect(selected);
        self.reveal();
    }

    /// New log lines for the followed container (ignored while paused). Scrolled back, the
    /// view stays on the same lines as new ones arrive.
    fn on_logs(&mut self, container: &str, lines: Vec<LogLine>) {
        if self.paused || self.log_container.as_deref() != Some(container) {
            return;
        }
        self.log_error = None;
        let last = self.logs.last().map_or(f64::MIN, |l| l.ts);
        let before = self.logs.len();
        self.logs.extend(lines.into_iter().filter(|l| l.ts > last));
        if self.log_back > 0 {
            self.log_back += self.logs.len() - before;
        }
        let excess = self.logs.len().saturating_sub(MAX_LOG_LINES);
        self.logs.drain(..excess);
        self.reveal();
    }

    /// The pane that arrow keys move in: the containers table while the GPUs have focus.
    fn moving_pane(&self) -> Pane {
        match self.focus {
            Pane::Gpus => Pane::Containers,
            other => other,
        }
    }

    /// Rows a page moves in the moving pane (at least one).
    fn page(&self) -> usize {
        let areas = self.areas();
        let rows = match self.moving_pane() {
            Pane::Models => layout::table_rows(areas.models),
            Pane::Logs => layout::log_rows(areas.logs),
            _ => layout::table_rows(areas.containers),
        };
        rows.max(1)
    }

    /// Up / down / page / home / end in the help box, a table, or the log tail.
    fn move_by(&mut self, action: &Action) {
        let page = self.page() as isize;
        let delta: isize = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -page,
            Action::PageDown => page,
            Action::Home => isize::MIN / 2,
            _ => isize::MAX / 2,
        };
        if self.mode == Mode::Help {
            self.help_scroll = self.help_scroll.saturating_add_signed(delta);
            return;
        }
        match self.moving_pane() {
            // Up in the logs goes back in time.
            Pane::Logs => self.log_back = self.log_back.saturating_add_signed(-delta),
            Pane::Models => self.model_scroll.step(delta, self.models_len()),
            _ => self.container_scroll.step(delta, self.containers().len()),
        }
    }

    /// Follows the logs of the selected container, or of the selected model's container.
    fn open(&mut self) {
        let name = match self.moving_pane() {
            Pane::Models => self.latest().and_then(|s| {
                s.status
                    .models
                    .get(self.model_scroll.selected)
                    .map(|m| m.container.clone())
            }),
            Pane::Containers => self.selected_container(),
            _ => None,
        };
        let Some(name) = name else { return };
        if self.log_container.as_deref() != Some(&name) {
            self.logs.clear();
            self.log_container = Some(name);
        }
        self.focus = Pane::Logs;
        self.log_back = 0;
        self.filter.clear();
    }

    /// Esc: the innermost thing open closes; with nothing open, nothing happens.
    fn back(&mut self) {
        match self.mode {
            Mode::Help => self.mode = Mode::Normal,
            Mode::Filter => self.clear_filter(),
            Mode::Normal if !self.filter.is_empty() => self.clear_filter(),
            Mode::Normal => {}
        }
    }

    fn clear_filter(&mut self) {
        self.mode = Mode::Normal;
        self.filter.clear();
        self.container_scroll.home();
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
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End => self.move_by(&action),
            Action::Open => self.open(),
            // From the help box too: the box closes, so the filter is seen as it is typed.
            Action::StartFilter => {
                self.mode = Mode::Filter;
                self.filter.clear();
            }
            Action::FilterChar(c) => self.filter.push(c),
            Action::FilterBackspace => {
                self.filter.pop();
            }
            Action::EndFilter => {
                if self.mode == Mode::Filter {
                    self.mode = Mode::Normal;
                }
            }
            Action::Back => self.back(),
            Action::CycleSort => {
                let selected = self.selected_container();
                self.sort = self.sort.next();
                self.reselect(selected);
            }
            Action::TogglePause => self.paused = !self.paused,
            Action::ToggleHelp => {
                self.mode = if self.mode == Mode::Help {
                    Mode::Normal
                } else {
                    Mode::Help
                };
                self.help_scroll = 0;
            }
            Action::Resize(w, h) => self.size = (w, h),
        }
        if matches!(action, Action::FilterChar(_) | Action::FilterBackspace) {
            self.container_scroll.home();
            self.log_back = 0;
        }
        self.reveal();
    }
}
