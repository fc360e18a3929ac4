//! The `llmmon` binary as a user runs it: the demo status, JSON output, bad input, and a
//! server that is not there.

use std::process::{Command, Output};
use std::time::Duration;

use llmmon_exporter::config::Settings;
use llmmon_sim::Fleet;

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
    // The demo's fleet: the simulator's reference block.
    let fleet = Fleet::build(Settings::demo(Duration::from_secs(1)).seed, 1);
    let gpu_rows = out.lines().filter(|l| l.contains("/140.4 GiB")).count();
    assert_eq!(gpu_rows, fleet.gpus.len(), "{out}");
    let gpu = format!("gpu containers: {}", fleet.vllm.len());
    let non_gpu = format!("non-gpu containers: {}", fleet.services.len());
    assert!(out.contains(&gpu) && out.contains(&non_gpu), "{out}");
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
    let fleet = Fleet::build(Settings::demo(Duration::from_secs(1)).seed, 1);
    assert_eq!(v["gpus"].as_array().map(Vec::len), Some(fleet.gpus.len()));
    assert_eq!(v["models"].as_array().map(Vec::len), Some(fleet.vllm.len()));
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
fn a_simulated_fleet_lists_every_server_the_faulty_one_first_and_exits_3() {
    let o = llmmon(&[
        "status",
        "--demo",
        "--hosts",
        "3",
        "--fault",
        "gpu_xid",
        "--fault-host",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with("llm-h200-"))
        .collect();
    assert_eq!(rows.len(), 3, "{out}");
    assert!(
        rows[0].contains("llm-h200-02") && rows[0].contains("XID 48"),
        "worst first: {out}"
    );
    assert!(
        rows[1..].iter().all(|r| r.contains("0✖ 0! none")),
        "the others are fine: {out}"
    );

    let json = llmmon(&["--json", "status", "--demo", "--hosts", "2"]);
    assert_eq!(json.status.code(), Some(0), "{}", stdout(&json));
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    let hosts: Vec<&str> = v
        .as_array()
        .expect("one entry a server")
        .iter()
        .map(|s| s["host"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(hosts, ["llm-h200-01", "llm-h200-02"]);
    assert_eq!(v[1]["status"]["gpus"].as_array().map(Vec::len), Some(8));
}

#[test]
fn a_fleet_of_unreachable_servers_or_a_bad_count_is_refused_with_the_reason() {
    let o = llmmon(&["status", "--demo", "--hosts", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("how many simulated servers"),
        "{}",
        stderr(&o)
    );
    let o = llmmon(&["status", "--hosts", "127.0.0.2,127.0.0.3"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("127.0.0.2, 127.0.0.3"), "{err}");
}

#[test]
fn a_one_shot_status_sees_a_crash_loop_and_an_error_burst() {
    let o = llmmon(&["status", "--demo", "--fault", "container_crash_loop"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("critical container vllm-llama-3-1-8b is crash-looping"),
        "{out}"
    );
    assert!(
        !out.contains("llama-3.1-8b failed"),
        "one problem, not two: {out}"
    );
    let o = llmmon(&["status", "--demo", "--fault", "error_burst"]);
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("failed 15.0 % of requests today"), "{out}");
}

#[test]
fn a_bad_scenario_is_a_one_line_usage_error() {
    let o = llmmon(&["status", "--demo", "--scenario", "chaos"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("'chaos'") && err.contains("--scenario") && err.contains("high_load"),
        "{err}"
    );
}

#[test]
fn a_bad_fault_is_a_one_line_usage_error_naming_the_faults() {
    let o = llmmon(&["status", "--demo", "--fault", "meteor"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("'meteor'") && err.contains("upstream_down"),
        "{err}"
    );
}

#[test]
fn a_documented_fault_is_shown_not_a_start_up_failure() {
    let started = std::time::Instant::now();
    let o = llmmon(&["status", "--demo", "--fault", "upstream_down"]);
    let out = stdout(&o);
    // Langfuse is down and one vLLM engine is dead: critical, not "bad arguments".
    assert_eq!(
        o.status.code(),
        Some(3),
        "stdout: {out}\nstderr: {}",
        stderr(&o)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(out.contains("langfuse"), "{out}");
    assert!(
        !stderr(&o).contains("WARN") && !stderr(&o).contains('\u{1b}'),
        "no log lines or colour codes: {}",
        stderr(&o)
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

fn with_xdg(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_llmmon"))
        .args(args)
        .env("XDG_CONFIG_HOME", dir)
        .env_remove("LLMMON_CONFIG")
        .env_remove("LLMMON_HOST")
        .env_remove("LLMMON_PROMETHEUS_URL")
        .env("LLMMON_ANNOUNCEMENTS_TOKEN", "super-secret-token-value")
        .output()
        .expect("run llmmon")
}

#[test]
fn config_show_reads_the_xdg_file_and_never_prints_the_token() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("llmmon")).expect("mkdir");
    let file = dir.path().join("llmmon/config.toml");
    std::fs::write(&file, "host = \"10.0.0.5\"\n[stack]\nkeep_backups = 3\n").expect("write");

    let o = with_xdg(dir.path(), &["config", "show"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("# from {}", file.display())),
        "{out}"
    );
    assert!(
        out.contains("prometheus = \"http://10.0.0.5:23001\""),
        "{out}"
    );
    assert!(out.contains("keep_backups = 3"), "{out}");
    assert!(out.contains("LLMMON_ANNOUNCEMENTS_TOKEN: set"), "{out}");
    assert!(!out.contains("super-secret"), "{out}");

    let o = with_xdg(dir.path(), &["--json", "config", "show"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["announcements"], "http://10.0.0.5:23004");
    assert_eq!(v["file"], file.display().to_string());

    let o = with_xdg(dir.path(), &["config", "path"]);
    assert_eq!(stdout(&o), format!("{}\n", file.display()));
}

#[test]
fn a_bad_config_file_is_one_line_and_exit_2_for_every_command() {
    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "host = \"h\"\nprometeus = \"http://p\"\n").expect("write");
    for args in [
        &["status"][..],
        &["logs", "x"],
        &["announce", "list"],
        &["config", "show"],
    ] {
        let mut all = vec!["--config", bad.to_str().expect("utf-8")];
        all.extend_from_slice(args);
        let o = with_xdg(dir.path(), &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(
            e.contains("bad.toml (line 2)") && e.contains("prometeus"),
            "{e}"
        );
    }
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_llmmon"))
        .args(["config", "show"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(writer)
        .output()
        .expect("run llmmon");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

#[test]
fn any_other_write_error_exits_1_with_the_reason() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let o = Command::new(env!("CARGO_BIN_EXE_llmmon"))
        .args(["config", "show"])
        .env("XDG_CONFIG_HOME", "/nonexistent")
        .stdout(full)
        .output()
        .expect("run llmmon");
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).starts_with("llmmon: cannot write to stdout: "),
        "{}",
        stderr(&o)
    );
}
