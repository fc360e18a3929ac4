//! The exporter's own log as Docker hands it to Loki: without a terminal on stderr it
//! carries no ANSI colour codes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support;

#[test]
fn logs_written_to_a_pipe_have_no_colour_codes() {
    let closed = support::closed_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_llmmon-exporter"))
        .args(["litellm", "--source", "real", "--listen", "127.0.0.1:0"])
        .args(["--url", &format!("http://127.0.0.1:{closed}")])
        .env("LLMMON_LITELLM_MASTER_KEY", "sk-test-logs-4f1c")
        .env_remove("NO_COLOR")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start llmmon-exporter");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) {
        let done = line.contains("WARN");
        lines.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = lines.join("\n");
    assert!(
        text.contains("WARN"),
        "the unreachable proxy is logged: {text}"
    );
    assert!(
        !text.contains('\u{1b}'),
        "escape codes in a piped log: {text:?}"
    );
    assert!(
        !text.contains("sk-test-logs-4f1c"),
        "the key never reaches the log"
    );
}
