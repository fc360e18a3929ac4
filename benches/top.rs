//! `llmmon top` in a real terminal against btop, htop and bottom as yardsticks: in tmux at
//! 120×40, 1 s refresh, 60 s of steady state after the first frame. Measures CPU % of one
//! core (from /proc/<pid>/stat), RSS, bytes written to the terminal per second (tmux
//! pipe-pane), and time to the first frame.
//!
//! Run: `cargo bench --bench top` (needs tmux, htop, btop; bottom's `btm` when installed:
//! `cargo install bottom`). Set LLMMON_BENCH_SECONDS to shorten the steady state. Report on
//! stdout and in target/bench-top.md.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux(String);

impl Tmux {
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.0)
            .args(args)
            .output()
            .expect("tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.0, "kill-server"])
            .output();
    }
}

fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

struct Result {
    name: String,
    first_frame_ms: f64,
    cpu_pct: f64,
    rss_mb: f64,
    bytes_per_s: f64,
}

fn measure(name: &str, command: &str, marker: &str, seconds: u64) -> Option<Result> {
    if let Ok(only) = std::env::var("LLMMON_BENCH_ONLY") {
        if !name.contains(&only) {
            return None;
        }
    }
    eprintln!("measuring {name} ({command})");
    let tmux = Tmux(format!("llmmon-bench-{}", std::process::id()));
    let file: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let log: PathBuf = std::env::temp_dir().join(format!("llmmon-bench-{file}.out"));
    let _ = std::fs::remove_file(&log);
    let started = Instant::now();
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "b",
        "-x",
        "120",
        "-y",
        "40",
        &format!("exec {command}"),
    ]);
    tmux.run(&[
        "pipe-pane",
        "-o",
        "-t",
        "b",
        &format!("cat >> {}", log.display()),
    ]);
    let pid: u32 = tmux
        .run(&["display", "-p", "-t", "b", "#{pane_pid}"])
        .trim()
        .parse()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let first = loop {
        if tmux
            .run(&["capture-pane", "-p", "-t", "b"])
            .contains(marker)
        {
            break started.elapsed();
        }
        if Instant::now() > deadline {
            eprintln!("{name}: no first frame with {marker:?} in 30 s");
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Let start-up settle, then measure the steady state.
    std::thread::sleep(Duration::from_secs(3));
    let bytes0 = std::fs::metadata(&log).map_or(0, |m| m.len());
    let Some(ticks0) = cpu_ticks(pid) else {
        eprintln!("{name}: process {pid} gone before the steady state");
        return None;
    };
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(seconds));
    let Some(ticks1) = cpu_ticks(pid) else {
        eprintln!("{name}: process {pid} gone during the steady state");
        return None;
    };
    let elapsed = t0.elapsed().as_secs_f64();
    let bytes1 = std::fs::metadata(&log).map_or(0, |m| m.len());
    let clk = 100.0; // USER_HZ on Linux
    Some(Result {
        name: name.to_owned(),
        first_frame_ms: first.as_secs_f64() * 1000.0,
        cpu_pct: (ticks1 - ticks0) as f64 / clk / elapsed * 100.0,
        rss_mb: rss_mb(pid),
        bytes_per_s: (bytes1 - bytes0) as f64 / elapsed,
    })
}

/// `llmmon top` against a separate `llmmon-exporter all` collecting every `interval_s`.
fn tui_only(
    llmmon: &str,
    exporter: &std::path::Path,
    interval_s: u32,
    seconds: u64,
) -> Option<Result> {
    let name =
        format!("llmmon top (TUI only, exporters separate, collecting every {interval_s} s)");
    if std::env::var("LLMMON_BENCH_ONLY").is_ok_and(|only| !name.contains(&only)) {
        return None;
    }
    let roles = [
        "gpu",
        "containers",
        "node",
        "cadvisor",
        "dcgm",
        "vllm",
        "litellm",
        "langfuse",
    ];
    let ports: Vec<u16> = roles
        .iter()
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .unwrap_or(0)
        })
        .collect();
    let mut cmd = Command::new(exporter);
    cmd.args(["all", "--interval", &interval_s.to_string()])
        .env("LLMMON_LOG", "warn")
        .stderr(std::process::Stdio::null());
    for (role, port) in roles.iter().zip(&ports) {
        cmd.env(
            format!("LLMMON_LISTEN__{}", role.to_uppercase()),
            format!("127.0.0.1:{port}"),
        );
    }
    let mut child = cmd.spawn().ok()?;
    std::thread::sleep(Duration::from_secs(2));
    let args: String = roles
        .iter()
        .zip(&ports)
        .filter(|(r, _)| **r != "dcgm")
        .map(|(r, p)| format!("--exporter {r}=http://127.0.0.1:{p} "))
        .collect();
    let row = measure(&name, &format!("{llmmon} top {args}"), "GPU 7", seconds);
    let _ = child.kill();
    let _ = child.wait();
    row
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let seconds: u64 = std::env::var("LLMMON_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let llmmon = env!("CARGO_BIN_EXE_llmmon");
    let exporter = PathBuf::from(llmmon).with_file_name("llmmon-exporter");
    let mut rows = Vec::new();
    rows.extend(measure(
        "llmmon top --demo (exporters in-process)",
        &format!("{llmmon} top --demo"),
        "GPU 7",
        seconds,
    ));
    // The deployed shape: exporters in their own process, the TUI reading them over HTTP.
    // Collecting every second (the worst case: every refresh brings new figures to parse)
    // and at the exporters' default 30 s (most refreshes bring bytes already parsed).
    for interval_s in [1, 30] {
        rows.extend(tui_only(llmmon, &exporter, interval_s, seconds));
    }
    // btop at the same 1 s refresh (its default is 2 s), from a config of its own;
    // `--utf-force` because tmux panes started here may have no UTF-8 locale set.
    let btop_home = std::env::temp_dir().join(format!("llmmon-bench-btop-{}", std::process::id()));
    let btop_conf = btop_home.join("btop");
    if std::fs::create_dir_all(&btop_conf)
        .and_then(|()| std::fs::write(btop_conf.join("btop.conf"), "update_ms = 1000\n"))
        .is_ok()
    {
        rows.extend(measure(
            "btop (update_ms = 1000)",
            &format!(
                "env XDG_CONFIG_HOME={} btop --utf-force",
                btop_home.display()
            ),
            "cpu",
            seconds,
        ));
    }
    let _ = std::fs::remove_dir_all(&btop_home);
    rows.extend(measure(
        "htop (-d 10 = 1 s)",
        "htop -d 10",
        "Tasks",
        seconds,
    ));
    let home = std::env::var("HOME").unwrap_or_default();
    let btm = format!("{home}/.cargo/bin/btm");
    if std::path::Path::new(&btm).exists() {
        rows.extend(measure(
            "bottom (btm -r 1000)",
            &format!("{btm} -r 1000"),
            "CPU",
            seconds,
        ));
    } else {
        eprintln!("bottom not installed: cargo install bottom");
    }
    let mut report = String::from(
        "| program | first frame (ms) | CPU % of a core | RSS (MB) | bytes/s to terminal |\n|---|---:|---:|---:|---:|\n",
    );
    for r in &rows {
        report.push_str(&format!(
            "| {} | {:.0} | {:.2} | {:.1} | {:.0} |\n",
            r.name, r.first_frame_ms, r.cpu_pct, r.rss_mb, r.bytes_per_s
        ));
    }
    report.push_str(&format!("\n(steady state {seconds} s, tmux 120×40)\n"));
    println!("{report}");
    let _ = std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench-top.md"),
        &report,
    );
}
