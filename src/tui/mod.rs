//! `llmmon top`: the live terminal UI. Collection runs on its own tasks and sends whole
//! snapshots; the UI loop owns the state, turns keys into actions, and redraws. The
//! terminal is restored on every exit path (normal exit, error, panic, Ctrl-C).

pub mod app;
pub mod data;
pub mod fleet;
pub mod layout;
pub mod logs;
pub mod prometheus;
pub mod scroll;
pub mod view;

use std::io::{self, Stdout};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use futures::StreamExt;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use tokio::sync::mpsc;

use app::{action_for, App};
use logs::LogSource;

use crate::endpoints::Endpoints;
use llmmon_core::Role;

/// Refreshes between two reads of the large roles (host, vLLM, containers, cAdvisor,
/// LiteLLM, Langfuse): their figures change slower than GPU load. The host's exposition is
/// mostly per-core CPU counters (64 cores × 8 modes) the header does not show; its load and
/// memory move slowly enough for a 5 s refresh.
const SLOW_ROLES_EVERY: u64 = 5;

/// Lines fetched per log refresh.
const LOG_TAIL: usize = 200;

/// Refreshes between two tries of a log source that failed (Docker absent or down): the
/// error stays on screen, and the logs come back within this many refreshes of it healing.
const LOG_RETRY_EVERY: u32 = 10;

/// Messages from the collection tasks to the UI loop, which hands them to [`App::apply`].
pub enum Update {
    Snapshot(Box<data::Snapshot>),
    Logs(String, Vec<logs::Line>),
    LogError(String),
    History(Result<prometheus::PromHistory, prometheus::PromError>),
    /// Titles of the critical announcements in force.
    Announcements(Vec<String>),
}

/// Reads the critical announcements in force now and then (as often as Prometheus).
fn spawn_announcements(url: String, tx: mpsc::Sender<Update>) {
    tokio::spawn(async move {
        let client = crate::announce::client::Client::new(&url);
        let mut tick = tokio::time::interval(PROMETHEUS_EVERY);
        loop {
            tick.tick().await;
            // Unreachable or not deployed: nothing to show, which is not an error here.
            let titles = critical_announcements(&client).await.unwrap_or_default();
            if tx.send(Update::Announcements(titles)).await.is_err() {
                break;
            }
        }
    });
}

async fn critical_announcements(client: &crate::announce::client::Client) -> Option<Vec<String>> {
    let query = [
        ("state", "active".to_owned()),
        ("priority", "critical".to_owned()),
    ];
    let list: llmmon_announcements::view::AnnouncementList =
        client.get("/api/announcements", &query).await.ok()?;
    Some(
        list.announcements
            .iter()
            .map(crate::announce::render::title)
            .collect(),
    )
}

/// Seconds between Prometheus queries: never faster than it scrapes (30 s in the stack).
const PROMETHEUS_EVERY: Duration = Duration::from_secs(30);

/// Reads history from Prometheus now and then.
fn spawn_prometheus(client: prometheus::PromClient, tx: mpsc::Sender<Update>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PROMETHEUS_EVERY);
        loop {
            tick.tick().await;
            let h = client.read(llmmon_core::clock::now()).await;
            if tx.send(Update::History(h)).await.is_err() {
                break;
            }
        }
    });
}

/// Puts the terminal back whatever happens.
struct TerminalGuard;

impl TerminalGuard {
    /// Raw mode and the alternate screen, restored when dropped or on a panic (the hook is
    /// installed once, however many screens a session opens: the fleet's and a server's).
    fn enter() -> io::Result<Self> {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(install_panic_hook);
        terminal::enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
        Ok(Self)
    }
}

fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restores the terminal before the default panic message is printed.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Fetches every role each `interval` and sends snapshots.
fn spawn_collector(
    endpoints: Endpoints,
    mode: &'static str,
    interval: Duration,
    tx: mpsc::Sender<Update>,
) {
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        let mut cache = crate::status::ParseCache::default();
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut n: u64 = 0;
        loop {
            tick.tick().await;
            // GPUs every refresh; the large, slower roles every few.
            let slow_due = n.is_multiple_of(SLOW_ROLES_EVERY);
            n += 1;
            let due = |role: Role| role == Role::Gpu || slow_due;
            // Exporters render once per collection: an unchanged round changes nothing on
            // screen, so it is not sent (nor summarised, nor drawn).
            let Some(results) =
                crate::status::scrape_all_cached(&client, &endpoints, &mut cache, due).await
            else {
                continue;
            };
            let snap = data::snapshot(results, mode, llmmon_core::clock::now());
            if tx.send(Update::Snapshot(Box::new(snap))).await.is_err() {
                break;
            }
        }
    });
}

/// Tails the followed container's logs each `interval`; nothing while no container is
/// followed, and only every `LOG_RETRY_EVERY`th interval while the source keeps failing.
fn spawn_logs(
    source: Arc<dyn LogSource>,
    interval: Duration,
    follow: tokio::sync::watch::Receiver<Option<String>>,
    tx: mpsc::Sender<Update>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut since = llmmon_core::clock::now() - 300.0;
        let mut current: Option<String> = None;
        let mut last_error: Option<logs::TailError> = None;
        // Intervals left before the next try of a failing source.
        let mut backoff: u32 = 0;
        loop {
            tick.tick().await;
            let want = follow.borrow().clone();
            if want != current {
                current = want.clone();
                since = llmmon_core::clock::now() - 300.0;
                backoff = 0;
            }
            let Some(name) = want else { continue };
            if backoff > 0 {
                backoff -= 1;
                continue;
            }
            let result = source.tail(&name, since, LOG_TAIL).await;
            if result.is_err() {
                backoff = LOG_RETRY_EVERY - 1;
            }
            let update = match result {
                // Nothing new: nothing to draw.
                Ok(lines) if lines.is_empty() && last_error.is_none() => continue,
                Ok(lines) => {
                    last_error = None;
                    if let Some(last) = lines.last() {
                        since = last.ts;
                    }
                    Update::Logs(name, lines)
                }
                Err(e) if last_error.as_ref() == Some(&e) => continue,
                Err(e) => {
                    let shown = e.to_string();
                    last_error = Some(e);
                    Update::LogError(shown)
                }
            };
            if tx.send(update).await.is_err() {
                break;
            }
        }
    });
}

/// Runs the UI until the user quits.
pub async fn run(
    endpoints: Endpoints,
    logs: Arc<dyn LogSource>,
    prometheus_url: Option<String>,
    announcements_url: Option<String>,
    mode: &'static str,
    interval: Duration,
) -> io::Result<()> {
    let colour = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let (tx, mut rx) = mpsc::channel(16);
    spawn_collector(endpoints, mode, interval, tx.clone());
    let (follow_tx, follow_rx) = tokio::sync::watch::channel(None);
    if let Some(url) = prometheus_url {
        spawn_prometheus(
            prometheus::PromClient {
                base_url: url,
                client: reqwest::Client::new(),
            },
            tx.clone(),
        );
    }
    if let Some(url) = announcements_url {
        spawn_announcements(url, tx.clone());
    }
    spawn_logs(logs, interval, follow_rx, tx);

    let _guard = TerminalGuard::enter()?;
    let mut terminal: Terminal<CrosstermBackend<Stdout>> =
        Terminal::new(CrosstermBackend::new(io::stdout()))?;
    // A fresh alternate screen is blank: no clear(), which would ask the terminal where
    // its cursor is (an answer a previous screen's event reader may take).
    terminal.hide_cursor()?;
    let mut app = App::new(colour);
    let size = terminal.size()?;
    app.update(app::Action::Resize(size.width, size.height));
    let mut events = EventStream::new();
    terminal.draw(|f| view::draw(f, &app))?;
    loop {
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    if let Some(a) = action_for(k, app.mode()) {
                        app.update(a);
                    }
                }
                Some(Ok(Event::Resize(w, h))) => {
                    terminal.autoresize()?;
                    app.update(app::Action::Resize(w, h));
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => break,
            },
            msg = rx.recv() => match msg {
                Some(u) => app.apply(u),
                None => break,
            },
        }
        if app.should_quit() {
            break;
        }
        if follow_tx.borrow().as_deref() != app.log_container() {
            let _ = follow_tx.send(app.log_container().map(str::to_owned));
        }
        terminal.draw(|f| view::draw(f, &app))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_trait::async_trait;
    use llmmon_core::source::SourceError;

    use super::*;

    /// A log source that counts its calls and fails or answers one line each time.
    struct Counting {
        calls: AtomicUsize,
        fail: bool,
    }

    #[async_trait]
    impl LogSource for Counting {
        async fn tail(&self, _: &str, since: f64, _: usize) -> logs::Tail {
            self.calls.fetch_add(1, Ordering::SeqCst);
            if self.fail {
                return Err(logs::TailError::Docker(SourceError::Unavailable(
                    "Docker socket /var/run/docker.sock does not exist".to_owned(),
                )));
            }
            Ok(vec![logs::Line {
                ts: since + 1.0,
                level: "info".to_owned(),
                line: "ready".to_owned(),
            }])
        }
    }

    const TICK: Duration = Duration::from_secs(1);

    /// Runs the log task on paused time for `ticks` intervals (plus half of one, so no tick
    /// falls on the end) following `follow`; returns the calls made and the updates sent.
    async fn run_logs(fail: bool, follow: Option<&str>, ticks: u32) -> (usize, Vec<Update>) {
        let source = Arc::new(Counting {
            calls: AtomicUsize::new(0),
            fail,
        });
        let (_follow_tx, follow_rx) = tokio::sync::watch::channel(follow.map(str::to_owned));
        let (tx, mut rx) = mpsc::channel(1024);
        spawn_logs(source.clone(), TICK, follow_rx, tx);
        tokio::time::sleep(TICK * ticks + TICK / 2).await;
        let mut updates = Vec::new();
        while let Ok(u) = rx.try_recv() {
            updates.push(u);
        }
        (source.calls.load(Ordering::SeqCst), updates)
    }

    #[tokio::test(start_paused = true)]
    async fn no_log_reads_while_no_container_is_followed() {
        let (calls, updates) = run_logs(false, None, 20).await;
        assert_eq!(calls, 0);
        assert!(updates.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_followed_container_is_read_every_interval() {
        let (calls, updates) = run_logs(false, Some("vllm-llama"), 20).await;
        // The first tick is at once: t = 0, 1, … 20.
        assert_eq!(calls, 21, "reads in 20 intervals");
        assert_eq!(updates.len(), 21);
        assert!(updates
            .iter()
            .all(|u| matches!(u, Update::Logs(c, _) if c == "vllm-llama")));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_source_is_retried_every_tenth_interval_and_reported_once() {
        let (calls, updates) = run_logs(true, Some("vllm-llama"), 25).await;
        // Tries at t = 0, 10 and 20.
        assert_eq!(calls, 3, "reads in 25 intervals of a failing source");
        assert_eq!(updates.len(), 1, "the same error is sent once");
        assert!(matches!(&updates[0], Update::LogError(e) if e.contains("docker.sock")));
    }
}
