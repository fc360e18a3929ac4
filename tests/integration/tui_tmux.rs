//! `llmmon top --demo` in a real terminal (tmux): the GPU grid and the logs appear, `q`
//! exits with status 0, and the terminal is left clean (the alternate screen is gone); `Esc`
//! closes the help box and never quits; the container list scrolls with the selection; a
//! `gpu_xid` fault marks its GPUs.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::require;

struct Tmux {
    socket: String,
}

impl Tmux {
    fn cmd(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.cmd(&["capture-pane", "-p", "-t", "top"])
    }

    fn wait_for(&self, what: &str, limit: Duration) -> String {
        self.wait_until(limit, |s| s.contains(what))
    }

    /// The screen once `done` holds of it, or as it is when `limit` has passed.
    fn wait_until(&self, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if done(&s) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.cmd(&["send-keys", "-t", "top", k]);
        }
    }

    /// Starts `llmmon top --demo` in a `w`×`h` terminal; the shell prints its exit status.
    fn start(w: u16, h: u16) -> Self {
        Self::start_with(w, h, "")
    }

    /// As [`Tmux::start`], with more arguments to `llmmon top --demo`.
    fn start_with(w: u16, h: u16, args: &str) -> Self {
        require("tmux", "tmux");
        let tmux = Tmux {
            socket: format!("llmmon-test-{}-{w}x{h}{}", std::process::id(), args.len()),
        };
        let bin = env!("CARGO_BIN_EXE_llmmon");
        tmux.cmd(&[
            "new-session",
            "-d",
            "-s",
            "top",
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            &format!("{bin} top --demo {args}; echo __EXIT_$?__; sleep 30"),
        ]);
        tmux
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn top_demo_runs_in_a_real_terminal_and_quits_cleanly() {
    let tmux = Tmux::start(120, 40);
    let screen = tmux.wait_for("GPU 7", Duration::from_secs(30));
    assert!(
        screen.contains("GPU 0") && screen.contains("GPU 7"),
        "GPU grid:\n{screen}"
    );
    assert!(screen.contains("Logs: "), "log pane:\n{screen}");
    assert!(screen.contains("vllm-"), "containers:\n{screen}");
    tmux.cmd(&["send-keys", "-t", "top", "q"]);
    let after = tmux.wait_for("__EXIT_0__", Duration::from_secs(10));
    assert!(
        after.contains("__EXIT_0__"),
        "q exits with status 0:\n{after}"
    );
    assert!(
        !after.contains("GPU 0"),
        "the alternate screen is gone:\n{after}"
    );
}

#[test]
fn a_gpu_xid_fault_marks_its_gpus_and_names_them_in_a_real_terminal() {
    let tmux = Tmux::start_with(120, 40, "--fault gpu_xid");
    let screen = tmux.wait_for("GPU 5 ✖ critical", Duration::from_secs(30));
    assert!(
        screen.contains("GPU 5 ✖ critical") && screen.contains("GPU 2 ✖ critical"),
        "the GPU off the bus and the one with double-bit errors:\n{screen}"
    );
    assert!(
        screen.contains("XID 48"),
        "the problems line names it:\n{screen}"
    );
    tmux.keys(&["q"]);
    let after = tmux.wait_for("__EXIT_0__", Duration::from_secs(10));
    assert!(
        after.contains("__EXIT_0__"),
        "q exits with status 0:\n{after}"
    );
}

#[test]
fn a_simulated_fleet_lists_its_servers_and_opens_one_and_comes_back() {
    let tmux = Tmux::start_with(80, 24, "--hosts 4 --fault gpu_xid --fault-host 3");
    let screen = tmux.wait_until(Duration::from_secs(60), |s| {
        (1..=4).all(|n| s.contains(&format!("llm-h200-0{n}")))
    });
    for n in 1..=4 {
        assert!(
            screen.contains(&format!("llm-h200-0{n}")),
            "server {n}:\n{screen}"
        );
    }
    let first = screen
        .lines()
        .find(|l| l.contains("llm-h200-"))
        .unwrap_or_default();
    assert!(
        first.contains("llm-h200-03"),
        "the faulty server first:\n{screen}"
    );
    tmux.keys(&["Enter"]);
    let server = tmux.wait_for("✖ critical", Duration::from_secs(30));
    assert!(
        server.contains("GPU 5 ✖ critical"),
        "its full view:\n{server}"
    );
    tmux.keys(&["q"]);
    let back = tmux.wait_for("fleet of 4 servers", Duration::from_secs(30));
    assert!(
        back.contains("fleet of 4 servers"),
        "back to the fleet:\n{back}"
    );
    tmux.keys(&["q"]);
    let after = tmux.wait_for("__EXIT_0__", Duration::from_secs(10));
    assert!(
        after.contains("__EXIT_0__"),
        "q quits with status 0:\n{after}"
    );
}

/// Rows of the containers table (inside its border) that start with `prefix`.
fn table_rows<'a>(screen: &'a str, prefix: &str) -> Vec<&'a str> {
    screen
        .lines()
        .filter(|l| l.starts_with(&format!("│{prefix}")))
        .collect()
}

#[test]
fn esc_never_quits_and_the_container_list_scrolls_in_a_real_terminal() {
    let tmux = Tmux::start(80, 24);
    let screen = tmux.wait_for("│vllm-", Duration::from_secs(30));
    assert!(!table_rows(&screen, "vllm-").is_empty(), "{screen}");

    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_secs(1));
    tmux.keys(&["?"]);
    let help = tmux.wait_for("ctrl-c", Duration::from_secs(5));
    assert!(help.contains("ctrl-c"), "the help box opens:\n{help}");
    tmux.keys(&["Escape"]);
    let closed = tmux.wait_until(Duration::from_secs(5), |s| !s.contains("ctrl-c"));
    assert!(
        !closed.contains("ctrl-c"),
        "esc closes the help box:\n{closed}"
    );
    assert!(
        !closed.contains("__EXIT_") && closed.contains("GPU 0"),
        "esc does not quit:\n{closed}"
    );

    // Down past the bottom of the pane: the list follows into the non-GPU group.
    for _ in 0..30 {
        tmux.keys(&["j"]);
    }
    let scrolled = tmux.wait_until(Duration::from_secs(5), |s| {
        table_rows(s, "vllm-").is_empty()
    });
    assert!(
        table_rows(&scrolled, "vllm-").is_empty() && scrolled.contains("── non-GPU"),
        "the list scrolled to the selection, under its group's heading:\n{scrolled}"
    );
    // With its escape sequences: a table row drawn in reverse video (SGR 7) is on screen.
    let styled = tmux.cmd(&["capture-pane", "-p", "-e", "-t", "top"]);
    let reverse = regex::Regex::new(r"│\x1b\[(?:[0-9]*;)*7m").expect("regex");
    assert!(
        styled.lines().any(|l| reverse.is_match(l)),
        "the selected row is on screen, reversed:\n{styled}"
    );

    tmux.keys(&["Home"]);
    let top = tmux.wait_until(Duration::from_secs(5), |s| {
        !table_rows(s, "vllm-").is_empty()
    });
    assert!(top.contains("── GPU"), "home goes back to the top:\n{top}");

    tmux.keys(&["End"]);
    let end = tmux.wait_until(Duration::from_secs(5), |s| {
        table_rows(s, "vllm-").is_empty()
    });
    assert!(
        end.contains("── non-GPU"),
        "end goes to the last row:\n{end}"
    );

    tmux.keys(&["q"]);
    let after = tmux.wait_for("__EXIT_0__", Duration::from_secs(10));
    assert!(after.contains("__EXIT_0__"), "q still quits:\n{after}");
}
