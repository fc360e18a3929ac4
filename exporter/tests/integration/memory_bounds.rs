//! The real `llmmon-exporter vllm --source real` binary against a fake vLLM on loopback that
//! turns hostile: a cardinality bomb (100 k distinct label values, 6.5 MB: inside the 8 MB
//! body cap) and a 50 MB body streamed without a length. The role's resident memory
//! (`VmRSS` in `/proc/<pid>/status`) is sampled through each phase: it must stay within
//! twice its normal size (plus one body at the cap, which it has to hold to read it), the
//! bomb must be reported as a dropped exposition naming the cap, and memory must come back
//! to the baseline once the upstream recovers.

#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;

const NORMAL: u8 = 0;
const BOMB: u8 = 1;
const HUGE: u8 = 2;

/// One body at the transport's cap: the role has to hold it to read it at all.
const SLACK_KIB: u64 = 8 * 1024;
fn normal_body() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/upstream/vllm/current.prom"
    );
    std::fs::read_to_string(path)
        .expect("fixture")
        .lines()
        .filter(|l| !l.starts_with("# llmmon-fixture"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn bomb_body() -> String {
    let mut s = String::from("# TYPE vllm:num_requests_running gauge\n");
    for i in 0..100_000 {
        s.push_str(&format!(
            "vllm:num_requests_running{{model_name=\"m\",engine=\"0\",req=\"r{i:08}\"}} 1\n"
        ));
    }
    s
}

struct Fake {
    mode: Arc<AtomicU8>,
    normal: Bytes,
    bomb: Bytes,
}

async fn metrics(State(f): State<Arc<Fake>>) -> Body {
    match f.mode.load(Ordering::SeqCst) {
        NORMAL => Body::from(f.normal.clone()),
        BOMB => Body::from(f.bomb.clone()),
        // 50 MB in 1 MB chunks, no Content-Length: the transport must stop at its cap.
        _ => {
            let chunk = Bytes::from(vec![b'#'; 1 << 20]);
            Body::from_stream(futures_util::stream::iter(
                (0..50).map(move |_| Ok::<_, std::io::Error>(chunk.clone())),
            ))
        }
    }
}

fn serve_fake(mode: Arc<AtomicU8>) -> u16 {
    let fake = Arc::new(Fake {
        mode,
        normal: Bytes::from(normal_body()),
        bomb: Bytes::from(bomb_body()),
    });
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(|| async { "" }))
        .route("/version", get(|| async { r#"{"version":"0.11.0"}"# }))
        .route(
            "/v1/models",
            get(|| async { r#"{"data":[{"id":"Qwen/Qwen3-32B"}]}"# }),
        )
        .with_state(fake);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(l, app).await;
        });
    });
    port
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port()
}

/// A plain HTTP/1.0 GET on loopback: the body, or "" when nobody answers.
fn http_get(port: u16, path: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let _ = write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Samples RSS every 100 ms for `d`; returns (max, last).
fn sample(pid: u32, d: Duration) -> (u64, u64) {
    let end = Instant::now() + d;
    let (mut max, mut last) = (0, 0);
    while Instant::now() < end {
        last = rss_kib(pid);
        max = max.max(last);
        std::thread::sleep(Duration::from_millis(100));
    }
    (max, last)
}

/// Waits (bounded) until `/ready` or `/metrics` of the role says `needle`.
fn wait_for(port: u16, path: &str, needle: &str, within: Duration) -> String {
    let end = Instant::now() + within;
    loop {
        let body = http_get(port, path);
        if body.contains(needle) || Instant::now() > end {
            return body;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Role(Child);

impl Drop for Role {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn rss_stays_bounded_under_a_cardinality_bomb_and_a_50_mb_body() {
    let mode = Arc::new(AtomicU8::new(NORMAL));
    let upstream = serve_fake(mode.clone());
    let listen = free_port();
    let role = Role(
        Command::new(env!("CARGO_BIN_EXE_llmmon-exporter"))
            .args(["vllm", "--source", "real", "--interval", "1"])
            .args(["--listen", &format!("127.0.0.1:{listen}")])
            .args(["--target", &format!("http://127.0.0.1:{upstream}")])
            .env("RUST_LOG", "error")
            // The role sets glibc's mmap threshold itself (it restarts itself with it).
            .env_remove("MALLOC_MMAP_THRESHOLD_")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start llmmon-exporter"),
    );
    let pid = role.0.id();
    let m = wait_for(
        listen,
        "/metrics",
        "llm_monitor_vllm_info",
        Duration::from_secs(10),
    );
    assert!(
        m.contains("llm_monitor_vllm_info"),
        "never read the fake vLLM:\n{m}"
    );
    let environ = std::fs::read(format!("/proc/{pid}/environ")).expect("environ");
    assert!(
        environ
            .split(|b| *b == 0)
            .any(|v| v == b"MALLOC_MMAP_THRESHOLD_=131072"),
        "the role did not restart itself with a fixed mmap threshold"
    );
    let (_, _) = sample(pid, Duration::from_secs(1));
    let (base_max, base) = sample(pid, Duration::from_secs(2));

    mode.store(BOMB, Ordering::SeqCst);
    let ready = wait_for(listen, "/ready", "cap series", Duration::from_secs(5));
    assert!(
        ready.contains("cap series"),
        "bomb not reported in /ready:\n{ready}"
    );
    let (bomb_max, _) = sample(pid, Duration::from_secs(3));
    let m = http_get(listen, "/metrics");
    assert!(
        m.lines().any(
            |l| l.starts_with("llm_monitor_exporter_scrape_dropped_total{")
                && l.contains("reason=\"series\"")
        ),
        "no dropped counter"
    );

    mode.store(HUGE, Ordering::SeqCst);
    let ready = wait_for(listen, "/ready", "body larger than", Duration::from_secs(5));
    assert!(
        ready.contains("body larger than"),
        "50 MB body not refused:\n{ready}"
    );
    let (huge_max, _) = sample(pid, Duration::from_secs(3));

    mode.store(NORMAL, Ordering::SeqCst);
    let end = Instant::now() + Duration::from_secs(5);
    while http_get(listen, "/ready").contains("body larger than") && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    let (_, recovered) = sample(pid, Duration::from_secs(3));
    eprintln!(
        "VmRSS KiB: baseline {base} (max {base_max}), bomb max {bomb_max}, 50 MB body max \
         {huge_max}, recovered {recovered}"
    );
    let bound = 2 * base_max + SLACK_KIB;
    assert!(bomb_max <= bound, "bomb: {bomb_max} KiB > {bound} KiB");
    assert!(
        huge_max <= bound,
        "50 MB body: {huge_max} KiB > {bound} KiB"
    );
    // After recovery the buffers are given back: within a tenth (plus 1 MiB) of the
    // baseline. Before the role fixed glibc's mmap threshold it stayed 8-17 MB above it.
    let back = base_max + base_max / 10 + 1024;
    assert!(
        recovered <= back,
        "after recovery: {recovered} KiB > {back} KiB (baseline {base_max} KiB)"
    );
    let ready = http_get(listen, "/ready");
    assert!(
        !ready.contains("cap series") && !ready.contains("body larger"),
        "{ready}"
    );
}
