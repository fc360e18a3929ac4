//! The `llmmon` binary as a user runs it: the demo status, JSON output, bad input, and a
//! server that is not there.

use std::process::{Command, Output};

fn llmmon(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_llmmon"))
        .args(args)
        .env_remove("LLMMON_HOST")
        .output()
        .expect("run llmmon")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn status_demo_shows_eight_gpus_the_containers_and_the_models() {
    let o = llmmon(&["status", "--demo"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("simulated server (demo, scenario normal)"),
        "{out}"
    );
    let gpu_rows = out.lines().filter(|l| l.contains("/140.4 GiB")).count();
    assert_eq!(gpu_rows, 8, "{out}");
    assert!(out.contains("gpu containers: 10"), "{out}");
    assert!(out.contains("non-gpu containers: 28"), "{out}");
    assert!(
        out.contains("llama-3.3-70b") && out.contains("0.6.3.post1"),
        "{out}"
    );
    assert!(out.contains("no problems"), "{out}");
}

#[test]
fn status_json_is_machine_readable_and_complete() {
    let o = llmmon(&["status", "--demo", "--json"]);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["mode"], "demo");
    assert_eq!(v["gpus"].as_array().map(Vec::len), Some(8));
    assert_eq!(v["models"].as_array().map(Vec::len), Some(10));
    assert!(
        v["gpus"][0]["memory_total_bytes"].as_f64() > Some(140e9),
        "read from NVML, not 80 GB"
    );
    assert!(v["traffic"]["requests"].as_f64() > Some(0.0));
}

#[test]
fn critical_problems_exit_3_and_are_listed() {
    let o = llmmon(&[
        "status",
        "--demo",
        "--fault",
        "gpu_overheat",
        "--fault",
        "container_crash_loop",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("critical GPU 3 at"), "{out}");
}

#[test]
fn a_bad_scenario_is_a_one_line_usage_error() {
    let o = llmmon(&["status", "--demo", "--scenario", "chaos"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("unknown scenario 'chaos'") && err.contains("high_load"),
        "{err}"
    );
}

#[test]
fn no_server_exits_1_with_the_reason_and_the_way_out() {
    // 127.0.0.77 is loopback with nothing listening: every connection is refused at once.
    let o = llmmon(&["status", "--host", "127.0.0.77"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("no exporter answered") && err.contains("--demo"),
        "{err}"
    );
}

#[test]
fn a_bad_exporter_override_is_rejected_before_any_request() {
    let o = llmmon(&["status", "--exporter", "gpu=ftp://x", "--exporter", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("ftp") && err.contains("'nope'"), "{err}");
}
