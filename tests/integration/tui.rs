//! `llmmon top` drawn with ratatui's TestBackend at 80×24 and 160×48 (the normal scenario
//! also at 120×40 and 200×60) for the normal, high_load and degraded scenarios, a dead
//! exporter, one GPU and eight, snapshot-tested with insta; cell colours checked where
//! colour means something; key handling, scrolling and the help box tested on the app
//! state and the drawn screen.

use std::collections::BTreeMap;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use llmmon::status::energy::per_million_tokens;
use llmmon::status::RoleScrape;
use llmmon::tui::app::{action_for, Action, App, Mode, Pane, Sort};
use llmmon::tui::data::{self, Snapshot};
use llmmon::tui::logs::Line;
use llmmon::tui::view;
use llmmon::tui::Update;
use llmmon_core::exposition::render;
use llmmon_core::scrape;
use llmmon_core::Role;
use llmmon_sim::{Conditions, Fault, Scenario, Simulator};
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
                let refused = scrape::FetchError::Http(scrape::HttpFailure::Connect);
                return (*role, url, Err(refused.into()));
            }
            let text = rt
                .block_on(llmmon_exporter::wiring::sim_role_metrics(sim, *role, t))
                .map(|m| render(&m))
                .expect("the simulator renders every role");
            (
                *role,
                url,
                scrape::parse(&text)
                    .map(Arc::new)
                    .map_err(|e| scrape::FetchError::from(e).into()),
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
        let mut s = data::snapshot(scrapes(&sim, t, dead), "demo", t);
        // The demo's exporters label the scenario (`llm_monitor_sim_scenario_info`); the
        // header shows it.
        s.status.scenario = Some(scenario.as_str().to_owned());
        refresh(&mut app, s);
    }
    let container = app
        .log_container()
        .map(str::to_owned)
        .expect("a container to follow");
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
    app.apply(Update::Logs(container, lines));
    app
}

/// A refresh reaching the app as the UI loop hands it one.
fn refresh(app: &mut App, s: Snapshot) {
    app.apply(Update::Snapshot(Box::new(s)));
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

/// The sizes every state is drawn at.
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snapshot_at(name: &str, app: &App, sizes: &[(u16, u16)]) {
    for &(w, h) in sizes {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text(&draw(app, w, h)));
    }
}

fn snapshot(name: &str, app: &App) {
    snapshot_at(name, app, &SIZES);
}

#[test]
fn normal_scenario() {
    // The normal fleet also at the sizes where the layout changes: 120×40 is the smallest
    // that shows the three panes together, 200×60 a large terminal.
    snapshot_at(
        "normal",
        &app_for(Scenario::Normal, &[], None, false),
        &[(80, 24), (120, 40), (160, 48), (200, 60)],
    );
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
fn a_gpu_off_the_bus_and_one_with_double_bit_errors_are_marked_and_named_first() {
    let app = app_for(Scenario::Normal, &[Fault::GpuXid], None, false);
    snapshot("gpu_xid", &app);
    let screen = text(&draw(&app, 160, 48));
    assert!(screen.contains("GPU 5 ✖ critical"), "{screen}");
    assert!(screen.contains("GPU 2 ✖ critical"), "{screen}");
    assert!(!screen.contains("GPU 0 ✖"), "{screen}");
    let problems = screen
        .lines()
        .find(|l| l.contains("XID"))
        .unwrap_or_default();
    assert!(
        problems.contains("GPU 2 critical: XID 48") || problems.contains("GPU 5 critical"),
        "the problems line names a GPU with its XID: {problems}"
    );
    let sim = Simulator::new(
        42,
        1,
        Conditions {
            scenario: Scenario::Normal,
            faults: [Fault::GpuXid].into(),
        },
        T - 3600.0,
    );
    let status = data::snapshot(scrapes(&sim, T, None), "demo", T).status;
    let named: Vec<&str> = status.problems.iter().map(|p| p.message.as_str()).collect();
    assert!(
        named.contains(&"GPU 5 critical: XID 79: GPU has fallen off the bus")
            && named.contains(&"GPU 2 critical: XID 48: double-bit ECC error"),
        "{named:?}"
    );
}

#[test]
fn a_million_tokens_cost_less_when_traffic_rises_on_the_same_gpus() {
    let cost_per_million = |scenario| -> BTreeMap<String, f64> {
        let app = app_for(scenario, &[], None, false);
        let energy = app
            .latest()
            .and_then(|s| s.status.energy.clone())
            .expect("the gpu role reports power and the demo's prices");
        energy
            .models
            .iter()
            .filter_map(|m| {
                let r = app.rates(&m.model);
                let tokens = r.prompt_tokens_per_s? + r.generation_tokens_per_s?;
                let cost = per_million_tokens(m.cost_usd_per_hour?, tokens)?;
                Some((m.model.clone(), cost))
            })
            .collect()
    };
    let normal = cost_per_million(Scenario::Normal);
    let high = cost_per_million(Scenario::HighLoad);
    assert!(normal.len() >= 5, "models priced: {normal:?}");
    let compared: Vec<&String> = normal.keys().filter(|m| high.contains_key(*m)).collect();
    assert!(compared.len() >= 5, "{normal:?} {high:?}");
    for model in compared {
        assert!(
            high[model] < normal[model],
            "{model}: {} $/Mtok at high load, {} in normal",
            high[model],
            normal[model]
        );
    }
}

#[test]
fn one_gpu_server() {
    let mut app = App::new(false);
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let mut s: Snapshot = data::snapshot(scrapes(&sim, T, None), "demo", T);
    s.status.gpus.truncate(1);
    refresh(&mut app, s);
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
        action_for(key(KeyCode::Char('q')), Mode::Normal),
        Some(Action::Quit)
    );
    assert_eq!(
        action_for(
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Mode::Filter
        ),
        Some(Action::Quit)
    );
    assert_eq!(
        action_for(key(KeyCode::Char('j')), Mode::Normal),
        Some(Action::Down)
    );
    assert_eq!(
        action_for(key(KeyCode::Char('q')), Mode::Filter),
        Some(Action::FilterChar('q')),
        "q is text while filtering"
    );
    assert_eq!(
        action_for(key(KeyCode::Enter), Mode::Filter),
        Some(Action::EndFilter)
    );
    assert_eq!(
        action_for(key(KeyCode::Esc), Mode::Filter),
        Some(Action::Back)
    );
    assert_eq!(
        action_for(key(KeyCode::Esc), Mode::Normal),
        Some(Action::Back),
        "esc never quits"
    );
}

#[test]
fn focus_cycles_and_enter_follows_the_selected_containers_logs() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    assert_eq!(app.focus(), Pane::Containers);
    app.update(Action::FocusNext);
    assert_eq!(app.focus(), Pane::Models);
    app.update(Action::FocusPrev);
    app.update(Action::FocusPrev);
    assert_eq!(app.focus(), Pane::Gpus);
    app.update(Action::FocusNext);
    app.update(Action::Down);
    app.update(Action::Down);
    let chosen = app.containers()[2].name.clone();
    app.update(Action::Open);
    assert_eq!(app.log_container(), Some(chosen.as_str()));
    assert_eq!(app.focus(), Pane::Logs);
    assert!(
        app.logs().is_empty(),
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
    assert_eq!(app.sort(), Sort::Name);
    app.update(Action::CycleSort);
    assert_eq!(app.sort(), Sort::State);
    app.update(Action::CycleSort);
    assert_eq!(app.sort(), Sort::Restarts);
}

#[test]
fn pause_freezes_the_data() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    let before = app.latest().map(|s| s.at);
    app.update(Action::TogglePause);
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    refresh(
        &mut app,
        data::snapshot(scrapes(&sim, T + 5.0, None), "demo", T + 5.0),
    );
    assert_eq!(app.latest().map(|s| s.at), before);
    app.update(Action::TogglePause);
    refresh(
        &mut app,
        data::snapshot(scrapes(&sim, T + 6.0, None), "demo", T + 6.0),
    );
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
    app.apply(Update::Announcements(vec![
        "GPU 3 driver update 22:00".into()
    ]));
    app.apply(Update::History(Ok(llmmon::tui::prometheus::PromHistory {
        firing: vec!["GPUTemperatureCritical (GPU 3)".into()],
        ..Default::default()
    })));
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

// ── Issue 18: scrolling, Esc, the help box, column widths, the grid, tiles ──────────────

/// Presses a key as the UI loop does: through the key map into `update`.
fn press(app: &mut App, code: KeyCode) {
    if let Some(a) = action_for(key(code), app.mode()) {
        app.update(a);
    }
}

/// Whether a row holding `needle` is drawn reversed there (the selection).
fn is_selected_row(term: &Terminal<TestBackend>, needle: &str) -> bool {
    text(term).lines().enumerate().any(|(y, line)| {
        line.find(needle).is_some_and(|i| {
            let x = line[..i].chars().count() as u16;
            term.backend().buffer()[(x, y as u16)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        })
    })
}

/// A container's name as the narrowest name column shows it (its first 10 characters).
fn shown_name(name: &str) -> String {
    name.chars().take(10).collect()
}

#[test]
fn the_selection_stays_on_screen_after_moving_past_the_bottom_at_80x24() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    draw(&app, 80, 24);
    for _ in 0..30 {
        press(&mut app, KeyCode::Down);
    }
    let selected = app.containers()[30].name.clone();
    let term = draw(&app, 80, 24);
    assert!(
        is_selected_row(&term, &shown_name(&selected)),
        "{selected} is selected and on screen:\n{}",
        text(&term)
    );
}

#[test]
fn esc_closes_the_help_box_then_the_filter_and_never_quits() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.mode(), Mode::Help);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.mode(), Mode::Normal, "esc closes the help box");
    assert!(!app.should_quit(), "esc does not quit from the help box");
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('l'));
    press(&mut app, KeyCode::Esc);
    assert!(
        app.mode() == Mode::Normal && app.filter().is_empty(),
        "esc cancels the filter"
    );
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.filter(), "x", "enter keeps the filter");
    press(&mut app, KeyCode::Esc);
    assert!(app.filter().is_empty(), "esc clears a kept filter");
    press(&mut app, KeyCode::Esc);
    assert!(!app.should_quit(), "esc with nothing to close does nothing");
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit(), "q quits");
}

#[test]
fn the_help_box_shows_its_last_line_at_80x24() {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    press(&mut app, KeyCode::Char('?'));
    let screen = text(&draw(&app, 80, 24));
    let last = screen
        .lines()
        .find(|l| l.contains("ctrl-c"))
        .unwrap_or_else(|| panic!("the quit line is shown:\n{screen}"));
    assert!(last.contains("quit"), "{last}");
}

#[test]
fn state_words_and_numbers_are_whole_at_120x40() {
    let app = app_for(
        Scenario::Degraded,
        &[Fault::ContainerCrashLoop],
        None,
        false,
    );
    let screen = text(&draw(&app, 120, 40));
    assert!(screen.contains(" healthy "), "{screen}");
    assert!(screen.contains("CRASHLOOP"), "{screen}");
    for stub in [" heal ", " CRAS ", " unhe ", " runn "] {
        assert!(!screen.contains(stub), "{stub:?} is a cut word:\n{screen}");
    }
    let cut = regex::Regex::new(r"\d\.[ │]").expect("regex");
    assert!(
        !cut.is_match(&screen),
        "a number ends in a dot ({:?}):\n{screen}",
        cut.find(&screen).map(|m| m.as_str())
    );
}

#[test]
fn the_header_shows_every_exporters_mark_at_120x40() {
    let app = app_for(Scenario::Normal, &[], None, false);
    let screen = text(&draw(&app, 120, 40));
    let header = screen.lines().next().expect("header");
    for role in ROLES {
        assert!(header.contains(&format!("{role}✓")), "{role}: {header}");
    }
}

#[test]
fn eight_gpus_at_120_columns_lay_out_four_by_two() {
    let app = app_for(Scenario::Normal, &[], None, false);
    let screen = text(&draw(&app, 120, 40));
    let rows: Vec<&str> = screen.lines().collect();
    let first = rows
        .iter()
        .position(|l| l.contains("GPU 0"))
        .expect("GPU 0");
    let top = rows[first];
    let bottom = rows[first + 6];
    for i in 0..4 {
        assert!(top.contains(&format!("GPU {i} ")), "{screen}");
        assert!(bottom.contains(&format!("GPU {} ", i + 4)), "{screen}");
    }
    assert!(!top.contains("GPU 4 "), "four in the first row:\n{screen}");
}

/// The lines of the tile titled `GPU {index}` (inside its border).
fn tile(screen: &str, index: usize) -> Vec<String> {
    let rows: Vec<&str> = screen.lines().collect();
    let title = format!("┌ GPU {index} ");
    let y = rows
        .iter()
        .position(|l| l.contains(&title))
        .expect("tile on screen");
    let chars: Vec<char> = rows[y].chars().collect();
    let x = rows[y][..rows[y].find(&title).unwrap_or(0)].chars().count();
    let w = chars[x + 1..].iter().position(|c| *c == '┐').unwrap_or(0);
    rows[y + 1..y + 5]
        .iter()
        .map(|l| l.chars().skip(x + 1).take(w).collect::<String>())
        .collect()
}

#[test]
fn a_tile_says_how_many_more_containers_hold_memory_on_its_gpu() {
    let app = app_for(Scenario::Normal, &[], None, false);
    let gpus = &app.latest().expect("data").status.gpus;
    let (i, g) = gpus
        .iter()
        .enumerate()
        .max_by_key(|(_, g)| g.containers.len())
        .expect("a GPU");
    assert!(g.containers.len() >= 3, "a GPU shared by several: {g:?}");
    for (w, h) in [(80, 24), (120, 40), (160, 48)] {
        let screen = text(&draw(&app, w, h));
        let who = tile(&screen, i).last().cloned().unwrap_or_default();
        let who = who.trim_end();
        let (names, more) = who.rsplit_once(" +").unwrap_or((who, "0"));
        let more: usize = more.parse().unwrap_or_else(|_| panic!("{who:?}"));
        let shown = names.split(',').count();
        assert!(
            more > 0 && shown + more == g.containers.len(),
            "{w}×{h}: {who:?} for {:?}",
            g.containers
        );
    }
}

/// The normal fleet on a terminal of `w`×`h`, as the UI loop tells the app its size.
fn sized(w: u16, h: u16) -> App {
    let mut app = app_for(Scenario::Normal, &[], None, false);
    app.update(Action::Resize(w, h));
    app
}

fn selected_name(app: &App) -> String {
    app.containers()[app.container_scroll().selected]
        .name
        .clone()
}

#[test]
fn page_down_end_home_and_page_up_keep_the_selection_on_screen() {
    let mut app = sized(80, 24);
    let n = app.containers().len();
    // 80×24: 10 rows under the grid, 7 of them for containers.
    press(&mut app, KeyCode::PageDown);
    assert_eq!(
        app.container_scroll().selected,
        7,
        "a page is the rows shown"
    );
    let term = draw(&app, 80, 24);
    assert!(
        is_selected_row(&term, &shown_name(&selected_name(&app))),
        "{}",
        text(&term)
    );

    press(&mut app, KeyCode::End);
    assert_eq!(app.container_scroll().selected, n - 1);
    let term = draw(&app, 80, 24);
    let screen = text(&term);
    assert!(
        is_selected_row(&term, &shown_name(&selected_name(&app))),
        "{screen}"
    );
    assert!(
        screen.contains("── non-GPU ("),
        "the group's heading stays pinned above its rows:\n{screen}"
    );

    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.container_scroll().selected, n - 1 - 7);
    let term = draw(&app, 80, 24);
    assert!(
        is_selected_row(&term, &shown_name(&selected_name(&app))),
        "{}",
        text(&term)
    );

    press(&mut app, KeyCode::Home);
    assert_eq!(app.container_scroll(), Default::default());
    let screen = text(&draw(&app, 80, 24));
    assert!(screen.contains("── GPU ("), "{screen}");
}

#[test]
fn moving_up_inside_the_window_does_not_scroll() {
    let mut app = sized(80, 24);
    press(&mut app, KeyCode::End);
    let offset = app.container_scroll().offset;
    for _ in 0..3 {
        press(&mut app, KeyCode::Up);
    }
    assert_eq!(app.container_scroll().offset, offset, "the view stays put");
    let term = draw(&app, 80, 24);
    assert!(
        is_selected_row(&term, &shown_name(&selected_name(&app))),
        "{}",
        text(&term)
    );
}

#[test]
fn enter_follows_the_row_that_is_selected_on_screen() {
    let mut app = sized(80, 24);
    for _ in 0..30 {
        press(&mut app, KeyCode::Char('j'));
    }
    let name = selected_name(&app);
    assert!(is_selected_row(&draw(&app, 80, 24), &shown_name(&name)));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.log_container(), Some(name.as_str()));
    assert_eq!(app.focus(), Pane::Logs);
}

#[test]
fn the_selection_survives_a_refresh_that_reorders_the_list() {
    let mut app = sized(80, 24);
    press(&mut app, KeyCode::End);
    let name = selected_name(&app);
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(
        selected_name(&app),
        name,
        "sorting keeps the selected container"
    );
}

#[test]
fn the_traffic_table_scrolls_with_its_selection() {
    let mut app = sized(80, 24);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus(), Pane::Models);
    let models: Vec<String> = app
        .latest()
        .expect("data")
        .status
        .models
        .iter()
        .map(|m| m.model.clone())
        .collect();
    assert!(models.len() > 7, "more models than rows at 80×24");
    press(&mut app, KeyCode::End);
    let last = models.last().expect("a model");
    let term = draw(&app, 80, 24);
    assert!(is_selected_row(&term, last), "{}", text(&term));
    let first_row = |screen: &str| {
        screen
            .lines()
            .any(|l| l.starts_with(&format!("│{} ", models[0])) && l.contains("ready"))
    };
    assert!(!first_row(&text(&term)), "scrolled:\n{}", text(&term));
    press(&mut app, KeyCode::Home);
    let term = draw(&app, 80, 24);
    assert!(first_row(&text(&term)), "{}", text(&term));
}

#[test]
fn the_logs_scroll_back_and_end_follows_again() {
    let mut app = sized(80, 24);
    while app.focus() != Pane::Logs {
        app.update(Action::FocusNext);
    }
    let newest = app.logs().last().expect("log lines").line.clone();
    let newest: String = newest.chars().take(40).collect();
    assert!(text(&draw(&app, 80, 24)).contains(&newest));
    press(&mut app, KeyCode::PageUp);
    let screen = text(&draw(&app, 80, 24));
    assert!(
        app.log_back() > 0 && screen.contains("lines back"),
        "{screen}"
    );
    assert!(
        !screen.contains(&newest),
        "the newest line is out of view:\n{screen}"
    );
    press(&mut app, KeyCode::End);
    assert_eq!(app.log_back(), 0);
    assert!(text(&draw(&app, 80, 24)).contains(&newest));
}

#[test]
fn the_help_box_lists_every_key_and_scrolls_on_a_tiny_screen() {
    let mut app = sized(80, 24);
    press(&mut app, KeyCode::Char('?'));
    let screen = text(&draw(&app, 80, 24));
    for k in [
        "tab / shift-tab",
        "PgUp / PgDn",
        "Home / End",
        "esc",
        "q  or  ctrl-c",
    ] {
        assert!(screen.contains(k), "{k}:\n{screen}");
    }
    assert!(!screen.contains("more "), "fits at 80×24:\n{screen}");

    app.update(Action::Resize(60, 10));
    let screen = text(&draw(&app, 60, 10));
    assert!(
        screen.contains("↓ more") && !screen.contains("ctrl-c"),
        "{screen}"
    );
    press(&mut app, KeyCode::End);
    let screen = text(&draw(&app, 60, 10));
    assert!(
        screen.contains("ctrl-c") && screen.contains("↑ more"),
        "{screen}"
    );
}

#[test]
fn many_gpus_on_a_small_screen_end_in_a_tile_that_counts_the_rest() {
    let mut app = App::new(false);
    let sim = Simulator::new(42, 1, Conditions::default(), T);
    let mut s: Snapshot = data::snapshot(scrapes(&sim, T, None), "demo", T);
    let eight = s.status.gpus.clone();
    for k in 1..4 {
        s.status.gpus.extend(eight.iter().cloned().map(|mut g| {
            g.index = format!("{}", g.index.parse::<usize>().unwrap_or(0) + 8 * k);
            g
        }));
    }
    refresh(&mut app, s);
    let screen = text(&draw(&app, 80, 24));
    assert!(
        screen.contains("+25 GPUs") && screen.contains("GPU 7–31"),
        "{screen}"
    );
    assert!(
        screen.contains("Containers"),
        "the panes keep their room:\n{screen}"
    );
}
