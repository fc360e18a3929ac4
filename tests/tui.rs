//! `llmmon top` drawn with ratatui's TestBackend at 80×24 and 160×48 for the normal,
//! high_load and degraded scenarios, a dead exporter, one GPU and eight, snapshot-tested
//! with insta; cell colours checked where colour means something; key handling tested on
//! the app state.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use llmmon::scrape;
use llmmon::status::RoleScrape;
use llmmon::tui::app::{action_for, Action, App, Pane, Sort};
use llmmon::tui::data::{self, Snapshot};
use llmmon::tui::logs::Line;
use llmmon::tui::view;
use llmmon_exporter::exposition::render;
use llmmon_exporter::sim::{Conditions, Fault, Scenario, Simulator};
use llmmon_exporter::Role;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ratatui::Terminal;

/// 2026-11-25 14:00 UTC.
const T: f64 = 1_795_615_200.0;
const ROLES: [Role; 7] = [
    Role::Gpu,
    Role::Containers,
    Role::Node,
    Role::Cadvisor,
    Role::Vllm,
    Role::Litellm,
    Role::Langfuse,
];

fn scrapes(sim: &Arc<Simulator>, t: f64, dead: Option<Role>) -> Vec<RoleScrape> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    ROLES
        .iter()
        .map(|role| {
            let url = format!("http://127.0.0.1:1/{role}");
            if Some(*role) == dead {
                return (*role, url, Err("connection refused".to_owned()));
            }
            let text = rt
                .block_on(sim.role_metrics(*role, t))
                .map(|m| render(&m))
                .map_err(|e| e.to_string());
            (
                *role,
                url,
                text.and_then(|t| scrape::parse(&t)).map(Arc::new),
            )
        })
        .collect()
}

/// An app that has seen the fleet at T−30 s and at T, with the first vLLM container's logs.
fn app_for(scenario: Scenario, faults: &[Fault], dead: Option<Role>, colour: bool) -> App {
    let sim = Simulator::new(
        42,
        1,
        Conditions {
            scenario,
            faults: faults.iter().copied().collect(),
        },
        T - 3600.0,
    );
    let mut app = App::new(colour);
    for t in [T - 30.0, T] {
        app.on_snapshot(data::snapshot(scrapes(&sim, t, dead), "demo", t));
    }
    let container = app.log_container.clone().expect("a container to follow");
    let lines = sim
        .logs(&container, T - 120.0, T, 50)
        .expect("known container")
        .into_iter()
        .map(|l| Line {
            ts: l.ts,
            level: l.level.to_owned(),
            line: l.line,
        })
        .collect();
    app.on_logs(&container, lines);
    app
}

fn draw(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    term.draw(|f| view::draw(f, app)).expect("draw");
    term
}

fn text(term: &Terminal<TestBackend>) -> String {
    let buf = term.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn snapshot(name: &str, app: &App) {
    for (w, h) in [(80, 24), (160, 48)] {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(app, w, h)));
    }
}

#[test]
fn normal_scenario() {
    snapshot("normal", &app_for(Scenario::Normal, &[], None, false));
}

#[test]
fn high_load_scenario() {
    snapshot("high_load", &app_for(Scenario::HighLoad, &[], None, false));
}

#[test]
fn degraded_scenario_with_an_overheating_gpu() {
    snapshot(
        "degraded",
        &app_for(Scenario::Degraded, &[Fault::GpuOverheat], None, false),
    );
}

#[test]
fn a_dead_gpu_exporter_shows_as_such() {
    let app = app_for(Scenario::Normal, &[], Some(Role::Gpu), false);
    snapshot("dead_gpu_exporter", &app);
    let screen = text(&draw(&app, 160, 48));
    assert!(screen.contains("gpu✗"), "{screen}");
    assert!(screen.contains("gpu exporter unreachable"), "{screen}");
}

#[test]
fn one_gpu_server() {
    let mut app = App::new(false);
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let mut s: Snapshot = data::snapshot(scrapes(&sim, T, None), "demo", T);
    s.status.gpus.truncate(1);
    app.on_snapshot(s);
    snapshot("one_gpu", &app);
}

#[test]
fn hot_gpus_are_red_and_warm_ones_yellow() {
    let app = app_for(Scenario::Normal, &[Fault::GpuOverheat], None, true);
    let term = draw(&app, 160, 48);
    let buf = term.backend().buffer();
    let find = |needle: &str| -> Option<Color> {
        for y in 0..buf.area.height {
            let row: String = (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_owned())
                .collect();
            if let Some(i) = row.find(needle) {
                let col = row[..i].chars().count() as u16;
                return Some(buf[(col, y)].fg);
            }
        }
        None
    };
    assert_eq!(
        find("89°C")
            .or_else(|| find("90°C"))
            .or_else(|| find("91°C")),
        Some(Color::Red),
        "GPU 3 overheats"
    );
    assert_eq!(find("40°C").or_else(|| find("38°C")), Some(Color::Green));
    let plain = draw(
        &app_for(Scenario::Normal, &[Fault::GpuOverheat], None, false),
        160,
        48,
    );
    let cells = plain.backend().buffer();
    assert!(
        cells.content().iter().all(|c| c.fg == Color::Reset),
        "NO_COLOR: no colour at all"
    );
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn keys_map_to_actions_and_filter_mode_takes_text() {
    assert_eq!(
        action_for(key(KeyCode::Char('q')), false),
        Some(Action::Quit)
    );
    assert_eq!(
        action_for(
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            true
        ),
        Some(Action::Quit)
    );
    assert_eq!(
        action_for(key(KeyCode::Char('j')), false),
        Some(Action::Down)
    );
    assert_eq!(
        action_for(key(KeyCode::Char('q')), true),
        Some(Action::FilterChar('q')),
        "q is text while filtering"
    );
    assert_eq!(action_for(key(KeyCode::Esc), true), Some(Action::EndFilter));
}

#[test]
fn focus_cycles_and_enter_follows_the_selected_containers_logs() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    assert_eq!(app.focus, Pane::Containers);
    app.update(Action::FocusNext);
    assert_eq!(app.focus, Pane::Models);
    app.update(Action::FocusPrev);
    app.update(Action::FocusPrev);
    assert_eq!(app.focus, Pane::Gpus);
    app.update(Action::FocusNext);
    app.update(Action::Down);
    app.update(Action::Down);
    let chosen = app.containers()[2].name.clone();
    app.update(Action::Open);
    assert_eq!(app.log_container.as_deref(), Some(chosen.as_str()));
    assert_eq!(app.focus, Pane::Logs);
    assert!(
        app.logs.is_empty(),
        "the previous container's lines are dropped"
    );
}

#[test]
fn filter_narrows_the_container_list_and_sort_cycles() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    app.update(Action::StartFilter);
    for c in "lang".chars() {
        app.update(Action::FilterChar(c));
    }
    app.update(Action::EndFilter);
    let names: Vec<String> = app.containers().iter().map(|c| c.name.clone()).collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| n.contains("lang")),
        "{names:?}"
    );
    assert_eq!(app.sort, Sort::Name);
    app.update(Action::CycleSort);
    assert_eq!(app.sort, Sort::State);
    app.update(Action::CycleSort);
    assert_eq!(app.sort, Sort::Restarts);
}

#[test]
fn pause_freezes_the_data() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    let before = app.latest().map(|s| s.at);
    app.update(Action::TogglePause);
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    app.on_snapshot(data::snapshot(
        scrapes(&sim, T + 5.0, None),
        "demo",
        T + 5.0,
    ));
    assert_eq!(app.latest().map(|s| s.at), before);
    app.update(Action::TogglePause);
    app.on_snapshot(data::snapshot(
        scrapes(&sim, T + 6.0, None),
        "demo",
        T + 6.0,
    ));
    assert_eq!(app.latest().map(|s| s.at), Some(T + 6.0));
}

#[test]
fn a_crash_loop_stands_out() {
    let app = app_for(Scenario::Normal, &[Fault::ContainerCrashLoop], None, false);
    let screen = text(&draw(&app, 160, 48));
    assert!(screen.contains("CRASHLOOP"), "{screen}");
}

#[test]
fn critical_announcements_lead_the_problems_line_and_firing_alerts_follow() {
    let mut app = app_for(Scenario::Normal, &[], None, true);
    app.announcements = vec!["GPU 3 driver update 22:00".into()];
    app.prom = Some(llmmon::tui::prometheus::PromHistory {
        firing: vec!["GPUTemperatureCritical (GPU 3)".into()],
        ..Default::default()
    });
    let term = draw(&app, 160, 48);
    let screen = text(&term);
    let line = screen.lines().nth(1).expect("problems line");
    assert!(
        line.starts_with(
            "⚑ GPU 3 driver update 22:00 ✓ no problems · firing: GPUTemperatureCritical (GPU 3)"
        ),
        "{line}"
    );
    let buf = term.backend().buffer();
    assert_eq!(
        buf[(2, 1)].fg,
        Color::Magenta,
        "the announcement stands out"
    );
}
