//! Crash safety of the announcements store, with the real binary: two service instances
//! on one data directory take a burst of concurrent writes and are killed (`SIGKILL`) in
//! the middle of it, once one and then both; after a restart every acknowledged write is
//! there, no id is handed out twice and the file folds cleanly. A torn last record (half a
//! record, or garbage) does not stop the service from starting: it keeps every complete
//! record, says what it dropped (log line, `/metrics`, the dropped bytes kept aside), and a
//! write after it survives another restart; a plain restart after a hard kill keeps every
//! announcement and the statuses set by hand. Figures are printed (`--nocapture`) and
//! recorded in docs/reliability.md.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use llmmon_announcements::store::{Store, DROPPED_FILE_NAME, FILE_NAME};
use serde_json::{json, Value};

use crate::support;

const TOKEN: &str = "crash-test-token-0123456789";
/// Concurrent writers in the burst.
const WORKERS: usize = 8;
/// Most writes one writer tries.
const PER_WORKER: usize = 150;
/// Rounds of killing one instance and starting it again, before both are killed.
const ROUNDS: usize = 4;
/// No wait in this file lasts longer.
const PATIENCE: Duration = Duration::from_secs(10);

/// One instance of the real service: its port and the file its log (stderr) goes to.
struct Instance {
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Instance {
    fn new(port: u16, log: PathBuf) -> Self {
        Self {
            port,
            log,
            child: None,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the binary on the instance's port over `data`, its log appended to the file.
    fn spawn(&mut self, data: &Path) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_llmmon-exporter"))
            .args([
                "announcements",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
            ])
            .env("LLMMON_DATA_DIR", data)
            .env("LLMMON_ANNOUNCEMENTS_TOKEN", TOKEN)
            .env("LLMMON_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start llmmon-exporter announcements");
        self.child = Some(child);
    }

    /// `SIGKILL` (what `Child::kill` sends on Unix): no shutdown code runs.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().expect("kill");
            let _ = c.wait();
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

async fn wait_up(url: &str) {
    let c = client();
    let start = Instant::now();
    while start.elapsed() < PATIENCE {
        if c.get(format!("{url}/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not become ready");
}

/// Every announcement the service lists, id → title; panics on a duplicate id.
async fn listed(url: &str) -> BTreeMap<u64, String> {
    let r = client()
        .get(format!("{url}/api/announcements?state=all"))
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    let mut out = BTreeMap::new();
    for a in v["announcements"].as_array().expect("list") {
        let id = a["id"].as_u64().expect("id");
        let title = a["title"].as_str().expect("title").to_owned();
        assert!(out.insert(id, title).is_none(), "id {id} listed twice");
    }
    out
}

/// POSTs an announcement; its id when the service acknowledged it (201).
async fn create(c: &reqwest::Client, url: &str, title: &str) -> Result<u64, String> {
    let r = c
        .post(format!("{url}/api/announcements"))
        .bearer_auth(TOKEN)
        .json(&json!({ "title": title, "kind": "changelog" }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    match (status, v["id"].as_u64()) {
        (201, Some(id)) => Ok(id),
        _ => Err(format!("{status}: {v}")),
    }
}

/// The value of one sample of `/metrics`.
async fn sample(url: &str, series: &str) -> f64 {
    let text = client()
        .get(format!("{url}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let line = text
        .lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no {series} in {text}"));
    line[series.len()..].trim().parse().expect("a number")
}

/// Waits (bounded) until `done`; `start` dates the failure message.
async fn wait_for(what: &str, start: Instant, done: impl Fn() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(
            t.elapsed() < PATIENCE,
            "{what}: not reached after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What the burst saw.
#[derive(Default)]
struct Burst {
    /// Acknowledged writes: (id, title, instance).
    acked: Mutex<Vec<(u64, String, usize)>>,
    /// Every title sent.
    sent: Mutex<HashSet<String>>,
    failed: AtomicU64,
    in_flight: AtomicI64,
    stop: AtomicBool,
}

impl Burst {
    fn acked(&self) -> usize {
        self.acked.lock().expect("lock").len()
    }

    fn acked_by(&self, instance: usize) -> usize {
        let acked = self.acked.lock().expect("lock");
        acked.iter().filter(|(_, _, i)| *i == instance).count()
    }
}

/// Two instances on one data directory after a burst of concurrent writes during which one
/// instance was killed and started again [`ROUNDS`] times (A, B, A, B), then both at once,
/// writes in flight on each; both started again. Each test of the burst runs its own.
struct KilledBurst {
    data: tempfile::TempDir,
    _logs: tempfile::TempDir,
    inst: [Instance; 2],
    /// What each instance lists after the restart, id → title.
    after: [BTreeMap<u64, String>; 2],
    /// Acknowledged writes: (id, title, instance).
    acked: Vec<(u64, String, usize)>,
    /// Every title sent.
    sent: HashSet<String>,
    /// Writes in flight at each kill.
    in_flight_at_kills: Vec<i64>,
}

impl KilledBurst {
    /// Runs the burst and the kills, and checks that the kills landed in the middle of it
    /// (some write failed, every kill had writes in flight): without that the tests of the
    /// outcome would prove nothing.
    async fn run() -> Self {
        let data = tempfile::tempdir().expect("tmp");
        let logs = tempfile::tempdir().expect("tmp");
        let mut inst = [
            Instance::new(support::closed_port(), logs.path().join("a.log")),
            Instance::new(support::closed_port(), logs.path().join("b.log")),
        ];
        for i in &mut inst {
            i.spawn(data.path());
        }
        for i in &inst {
            wait_up(&i.url()).await;
        }
        let urls = [inst[0].url(), inst[1].url()];
        let start = Instant::now();
        let burst = Arc::new(Burst::default());
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                let burst = burst.clone();
                let urls = urls.clone();
                tokio::spawn(async move {
                    let c = client();
                    for n in 0..PER_WORKER {
                        if burst.stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let target = (w + n) % 2;
                        let title = format!("w{w}-{n}");
                        burst.sent.lock().expect("lock").insert(title.clone());
                        burst.in_flight.fetch_add(1, Ordering::SeqCst);
                        let r = create(&c, &urls[target], &title).await;
                        burst.in_flight.fetch_sub(1, Ordering::SeqCst);
                        match r {
                            Ok(id) => burst.acked.lock().expect("lock").push((id, title, target)),
                            Err(_) => {
                                burst.failed.fetch_add(1, Ordering::SeqCst);
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                })
            })
            .collect();

        // Kill one instance under load, the other goes on taking writes alone, the killed
        // one comes back on the same data while the burst goes on; A, B, A, B.
        let mut in_flight_at_kills = Vec::new();
        wait_for("40 writes acknowledged", start, || burst.acked() >= 40).await;
        for round in 0..ROUNDS {
            let victim = round % 2;
            in_flight_at_kills.push(burst.in_flight.load(Ordering::SeqCst));
            inst[victim].kill();
            let at_kill = burst.acked();
            let victim_before = burst.acked_by(victim);
            wait_for("40 more on the survivor alone", start, || {
                burst.acked() >= at_kill + 40
            })
            .await;
            inst[victim].spawn(data.path());
            wait_for("the restarted one acknowledges again", start, || {
                burst.acked_by(victim) >= victim_before + 10
            })
            .await;
        }
        // Then both die at once, writes in flight on each.
        in_flight_at_kills.push(burst.in_flight.load(Ordering::SeqCst));
        inst[0].kill();
        inst[1].kill();
        let burst_time = start.elapsed();
        burst.stop.store(true, Ordering::SeqCst);
        for w in workers {
            w.await.expect("writer");
        }

        for i in &mut inst {
            i.spawn(data.path());
        }
        for i in &inst {
            wait_up(&i.url()).await;
        }
        let after = [listed(&urls[0]).await, listed(&urls[1]).await];
        let recovery_time = start.elapsed() - burst_time;

        let acked = burst.acked.lock().expect("lock").clone();
        let sent = burst.sent.lock().expect("lock").clone();
        let failed = burst.failed.load(Ordering::SeqCst);
        // The kills landed in the middle of the burst.
        assert!(failed > 0, "no write failed: the kills missed the burst");
        assert!(
            in_flight_at_kills.iter().all(|n| *n > 0),
            "a kill with nothing in flight: {in_flight_at_kills:?}"
        );
        let torn_cut: usize = inst
            .iter()
            .map(|i| i.log_text().matches("dropped a torn last record").count())
            .sum();
        println!(
            "crash burst: {WORKERS} writers, {} writes sent, {} acknowledged, {failed} failed, \
             in flight at the {} kills {in_flight_at_kills:?}, {} present after restart \
             ({} unacknowledged kept), 0 lost, 0 duplicate ids, torn records cut on restart \
             {torn_cut}; burst {:.2} s, restart + check {:.2} s",
            sent.len(),
            acked.len(),
            in_flight_at_kills.len(),
            after[0].len(),
            after[0].len().saturating_sub(acked.len()),
            burst_time.as_secs_f64(),
            recovery_time.as_secs_f64(),
        );
        Self {
            data,
            _logs: logs,
            inst,
            after,
            acked,
            sent,
            in_flight_at_kills,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kills_in_a_burst_every_acknowledged_write_is_there_under_its_id() {
    let b = KilledBurst::run().await;
    let [after_a, after_b] = &b.after;
    assert_eq!(after_a, after_b, "both instances fold the same store");
    let mut acked_ids = HashSet::new();
    for (id, title, _) in &b.acked {
        assert!(acked_ids.insert(*id), "id {id} acknowledged twice");
        assert_eq!(
            after_a.get(id),
            Some(title),
            "acknowledged write {id} ({title}) after the restart"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kills_in_a_burst_no_id_is_reused_or_skipped_and_no_write_is_stored_twice() {
    let b = KilledBurst::run().await;
    let after_a = &b.after[0];
    let ids: Vec<u64> = after_a.keys().copied().collect();
    assert_eq!(ids, (1..=after_a.len() as u64).collect::<Vec<_>>());
    let titles: HashSet<&String> = after_a.values().collect();
    assert_eq!(titles.len(), after_a.len(), "a write stored twice");
    assert!(titles.iter().all(|t| b.sent.contains(*t)), "{after_a:?}");
    // Present but not acknowledged: only writes in flight when their instance died (each
    // writer has one in flight at a time).
    let extra = after_a.len() - b.acked.len();
    assert!(
        extra <= WORKERS * b.in_flight_at_kills.len(),
        "{extra} unacknowledged writes kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kills_in_a_burst_the_store_folds_cleanly_one_valid_line_per_write() {
    let mut b = KilledBurst::run().await;
    for i in &mut b.inst {
        i.kill();
    }
    let st = Store::open(b.data.path())
        .and_then(|s| s.state())
        .expect("the store loads");
    let stored = b.after[0].len();
    assert_eq!(st.announcements.len(), stored);
    assert_eq!((st.bad_lines, st.torn_bytes), (0, 0));
    let text = std::fs::read_to_string(b.data.path().join(FILE_NAME)).expect("read");
    assert_eq!(text.lines().count(), stored);
}

/// Appends `bytes` to the store file; its length before.
fn append(data: &Path, bytes: &[u8]) -> u64 {
    let path = data.join(FILE_NAME);
    let len = std::fs::metadata(&path).expect("store").len();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(bytes))
        .expect("append");
    len
}

/// `n` bytes of deterministic noise, no newline among them.
fn noise(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            match (x >> 24) as u8 {
                b'\n' => b'?',
                b => b,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_last_record_is_dropped_reported_and_the_service_goes_on() {
    let start = Instant::now();
    let data = tempfile::tempdir().expect("tmp");
    let logs = tempfile::tempdir().expect("tmp");
    let mut svc = Instance::new(support::closed_port(), logs.path().join("svc.log"));
    let url = svc.url();
    let c = client();
    svc.spawn(data.path());
    wait_up(&url).await;
    for i in 1..=3 {
        assert_eq!(create(&c, &url, &format!("kept {i}")).await, Ok(i));
    }
    svc.kill();
    let before = listed_after_restart(&mut svc, data.path()).await;
    svc.kill();
    assert_eq!(before.len(), 3);

    // Half of a real record at the end, as a writer killed mid-write leaves it.
    let store = data.path().join(FILE_NAME);
    let text = std::fs::read(&store).expect("read");
    let last = text[..text.len() - 1]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let half = text[last..last + (text.len() - last) / 2].to_vec();
    assert!(!half.is_empty() && !half.contains(&b'\n'));
    let whole = append(data.path(), &half);
    let log_before = svc.log_text().len();
    assert_eq!(listed_after_restart(&mut svc, data.path()).await, before);
    let log = svc.log_text()[log_before..].to_owned();
    let said = log
        .lines()
        .find(|l| l.contains("dropped a torn last record"))
        .unwrap_or_else(|| panic!("no warning about the torn record in {log:?}"));
    assert!(said.contains("WARN"), "{said}");
    assert!(said.contains(&format!("offset={whole}")), "{said}");
    assert!(said.contains(&format!("bytes={}", half.len())), "{said}");
    let series = "llm_monitor_announcement_store_dropped_bytes_total";
    assert_eq!(
        sample(&url, &format!("{series}{{reason=\"torn\"}}")).await,
        half.len() as f64
    );
    assert_eq!(
        sample(&url, "llm_monitor_exporter_source_up{source=\"store\"}").await,
        1.0
    );
    assert_eq!(std::fs::metadata(&store).expect("len").len(), whole, "cut");
    let saved = std::fs::read(data.path().join(DROPPED_FILE_NAME)).expect("kept aside");
    assert!(saved.windows(half.len()).any(|w| w == half), "saved bytes");
    // A write after it is acknowledged and survives a hard restart.
    assert_eq!(create(&c, &url, "after the tear").await, Ok(4));
    svc.kill();
    let after = listed_after_restart(&mut svc, data.path()).await;
    assert_eq!(after.len(), 4);
    assert_eq!(after.get(&4).map(String::as_str), Some("after the tear"));
    svc.kill();

    // Garbage: a line that is not a record, then noise with no newline.
    let line = b"\x00\xff\xfe not a record at all\n".to_vec();
    let tail = noise(300);
    let at = append(data.path(), &[line.clone(), tail.clone()].concat());
    let log_before = svc.log_text().len();
    assert_eq!(listed_after_restart(&mut svc, data.path()).await, after);
    let log = svc.log_text()[log_before..].to_owned();
    assert!(
        log.lines().any(|l| l.contains("does not parse")
            && l.contains(&format!("offset={at}"))
            && l.contains(&format!("bytes={}", line.len()))),
        "{log}"
    );
    let torn_at = at + line.len() as u64;
    assert!(
        log.lines().any(|l| l.contains("dropped a torn last record")
            && l.contains(&format!("offset={torn_at}"))
            && l.contains(&format!("bytes={}", tail.len()))),
        "{log}"
    );
    assert_eq!(
        sample(&url, &format!("{series}{{reason=\"torn\"}}")).await,
        tail.len() as f64
    );
    assert_eq!(
        sample(&url, &format!("{series}{{reason=\"unparseable\"}}")).await,
        line.len() as f64
    );
    assert_eq!(create(&c, &url, "after the garbage").await, Ok(5));
    svc.kill();
    let last = listed_after_restart(&mut svc, data.path()).await;
    svc.kill();
    assert_eq!(last.keys().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    assert_eq!(last.get(&5).map(String::as_str), Some("after the garbage"));
    let st = Store::open(data.path())
        .and_then(|s| s.state())
        .expect("the store loads");
    assert_eq!(st.announcements.len(), 5);
    assert_eq!((st.bad_lines, st.torn_bytes), (1, 0));
    println!(
        "torn write: half a record ({} bytes at offset {whole}) and 300 bytes of noise after \
         a bad line of {} bytes dropped and reported; 3 + 2 complete records kept, a write after \
         each tear survives a restart; {:.2} s",
        half.len(),
        line.len(),
        start.elapsed().as_secs_f64()
    );
}

/// Starts the service again on `data`; what it lists once ready.
async fn listed_after_restart(svc: &mut Instance, data: &Path) -> BTreeMap<u64, String> {
    svc.spawn(data);
    wait_up(&svc.url()).await;
    listed(&svc.url()).await
}

/// The whole list (`state=all`) as the service serves it.
async fn listed_json(url: &str) -> Value {
    let r = client()
        .get(format!("{url}/api/announcements?state=all"))
        .send()
        .await
        .expect("list");
    r.json().await.expect("json")
}

/// The list without `phase`, which moves with the clock.
fn without_phase(v: &Value) -> Vec<Value> {
    v["announcements"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a["phase"] = Value::Null;
            a
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_survive_a_restart_of_the_service() {
    let data = tempfile::tempdir().expect("tmp");
    let logs = tempfile::tempdir().expect("tmp");
    let mut svc = Instance::new(support::closed_port(), logs.path().join("svc.log"));
    let url = svc.url();
    svc.spawn(data.path());
    wait_up(&url).await;
    let c = client();
    for i in 0..5 {
        create(&c, &url, &format!("kept {i}"))
            .await
            .expect("created");
    }
    let r = c
        .put(format!("{url}/api/status/litellm"))
        .bearer_auth(TOKEN)
        .json(&json!({"status": "degraded", "note": "slow upstream"}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let before = listed_json(&url).await;
    // A hard kill: nothing acknowledged may depend on a clean shutdown.
    svc.kill();
    svc.spawn(data.path());
    wait_up(&url).await;
    let after = listed_json(&url).await;
    assert_eq!(before["announcements"].as_array().map(Vec::len), Some(5));
    assert_eq!(without_phase(&before), without_phase(&after));
    let status: Value = c
        .get(format!("{url}/api/status"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(status["services"][0]["status"], "degraded");
}
