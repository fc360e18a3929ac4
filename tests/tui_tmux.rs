//! `llmmon top --demo` in a real terminal (tmux): the GPU grid and the logs appear, `q`
//! exits with status 0, and the terminal is left clean (the alternate screen is gone).

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::require;

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
        let deadline = Instant::now() + limit;
        loop {
            let s = self.screen();
            if s.contains(what) || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
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
    require("tmux", "tmux");
    let tmux = Tmux {
        socket: format!("llmmon-test-{}", std::process::id()),
    };
    let bin = env!("CARGO_BIN_EXE_llmmon");
    tmux.cmd(&[
        "new-session",
        "-d",
        "-s",
        "top",
        "-x",
        "120",
        "-y",
        "40",
        &format!("{bin} top --demo; echo __EXIT_$?__; sleep 30"),
    ]);
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
