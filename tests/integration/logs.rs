//! `llmmon logs` as a user runs it: against a real Docker engine (dockerd started by the
//! test) with containers that print known lines on stdout and stderr at several levels, two
//! of them in one Compose service; and against a fake Loki that speaks the `query_range` and
//! `label/<name>/values` APIs with Loki's payload shapes, for containers that are gone, for
//! `--loki`, for paging and for a malformed answer. Everything talks to 127.0.0.1 or to the
//! test engine's unix socket.

use std::collections::BTreeMap;
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support;
use crate::support::docker::Dockerd;

const IMAGE: &str = "busybox:logs";

// ---------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------

/// Where the binary looks for Docker and Loki.
struct Env {
    docker_host: String,
    loki: String,
    _config: tempfile::TempDir,
}

impl Env {
    fn new(docker_host: &str, loki: &str) -> Self {
        Self {
            docker_host: docker_host.to_owned(),
            loki: loki.to_owned(),
            _config: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_llmmon"));
        c.args(args)
            .env("XDG_CONFIG_HOME", self._config.path())
            .env("DOCKER_HOST", &self.docker_host)
            .env("LLMMON_LOKI_URL", &self.loki)
            .env_remove("LLMMON_CONFIG")
            .env_remove("LLMMON_HOST")
            .env_remove("NO_COLOR")
            .stdin(Stdio::null())
            .kill_on_drop(true);
        c
    }

    /// Runs `llmmon ARGS` to the end (20 s at most).
    async fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output();
        tokio::time::timeout(Duration::from_secs(20), out)
            .await
            .unwrap_or_else(|_| panic!("llmmon {args:?} did not end within 20 s"))
            .expect("run llmmon")
    }

    /// Runs `llmmon ARGS`, expects exit 0, and returns the stdout lines.
    async fn lines(&self, args: &[&str]) -> Vec<String> {
        let o = self.run(args).await;
        assert_eq!(
            o.status.code(),
            Some(0),
            "llmmon {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Runs `llmmon ARGS`, expects exit 1 with one line on stderr, and returns it.
    async fn failure(&self, args: &[&str]) -> String {
        let o = self.run(args).await;
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "llmmon {args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.starts_with("llmmon: "), "{err}");
        err
    }
}

/// A running `llmmon logs -f`, read line by line.
struct Following {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Following {
    fn start(env: &Env, args: &[&str]) -> Self {
        let mut child = env
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start llmmon");
        let stdout = child.stdout.take().expect("stdout");
        Self {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next line (10 s at most).
    async fn next(&mut self) -> Option<String> {
        tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("a line within 10 s")
            .expect("read stdout")
    }

    /// Lines until one contains `want` (which is returned).
    async fn until(&mut self, want: &str) -> String {
        loop {
            match self.next().await {
                Some(l) if l.contains(want) => return l,
                Some(_) => {}
                None => panic!("stdout ended before a line with {want:?}"),
            }
        }
    }

    /// Waits (10 s at most) for the exit code.
    async fn exit_code(self) -> Option<i32> {
        exit_code(self.child).await
    }

    /// Closes the read end of stdout, as `| head` does when it has its lines.
    fn close_stdout(self) -> tokio::process::Child {
        drop(self.lines);
        self.child
    }

    fn interrupt(&self) {
        let pid = self.child.id().expect("running").to_string();
        let st = std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill");
        assert!(st.success());
    }
}

/// Waits (10 s at most) for `child`'s exit code.
async fn exit_code(mut child: tokio::process::Child) -> Option<i32> {
    tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("llmmon exits within 10 s")
        .expect("wait")
        .code()
}

fn field(line: &str, key: &str) -> Value {
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    v[key].clone()
}

/// The stable part of each line: the word after the level (`a1`, `b2` …).
fn tags(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.len() == 2 && w.as_bytes()[1].is_ascii_digit())
                .map(str::to_owned)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// A fake Loki
// ---------------------------------------------------------------------------------------

/// One stream of the fake Loki: labels and `(unix ns, line)` values, oldest first.
#[derive(Clone)]
struct FakeStream {
    labels: BTreeMap<String, String>,
    values: Vec<(i64, String)>,
}

#[derive(Default)]
struct FakeState {
    streams: Vec<FakeStream>,
    /// Every `query_range` request's parameters.
    queries: Vec<BTreeMap<String, String>>,
    /// Answer `query_range` with values that are not `["<ns>", "<line>"]`.
    malformed: bool,
}

type Shared = Arc<Mutex<FakeState>>;

/// The label matchers of a LogQL selector the client sends (`{a="x", b=~"y|z", c!~"w"}`):
/// only `=`, `=~` and `!~` with plain alternations, which is what llmmon sends.
fn stream_matches(query: &str, labels: &BTreeMap<String, String>) -> bool {
    let inner = query
        .strip_prefix('{')
        .and_then(|q| q.split_once('}'))
        .map(|(sel, _)| sel)
        .expect("a stream selector");
    inner.split(", ").all(|m| {
        let (name, op, value) = if let Some((n, v)) = m.split_once("!~") {
            (n, "!~", v)
        } else if let Some((n, v)) = m.split_once("=~") {
            (n, "=~", v)
        } else {
            let (n, v) = m.split_once('=').expect("a matcher");
            (n, "=", v)
        };
        let value = value.trim_matches('"');
        let have = labels.get(name).map_or("", String::as_str);
        match op {
            "=" => have == value,
            "=~" => value.split('|').any(|v| v == have),
            _ => !value.split('|').any(|v| v == have),
        }
    })
}

async fn query_range(
    State(state): State<Shared>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Json<Value> {
    let mut st = state.lock().expect("lock");
    st.queries.push(q.clone());
    if st.malformed {
        return Json(json!({
            "status": "success",
            "data": {"resultType": "streams", "result": [
                {"stream": {"container": "old-web"}, "values": [[1714564800, "no string time"]]}
            ]}
        }));
    }
    let num = |k: &str| -> i64 { q[k].parse().expect("a number") };
    let (start, end, limit) = (num("start"), num("end"), num("limit") as usize);
    let forward = q["direction"] == "forward";
    let mut rows: Vec<(i64, usize, String)> = Vec::new();
    for (i, s) in st.streams.iter().enumerate() {
        if stream_matches(&q["query"], &s.labels) {
            rows.extend(
                s.values
                    .iter()
                    .filter(|(t, _)| *t >= start && *t < end)
                    .map(|(t, l)| (*t, i, l.clone())),
            );
        }
    }
    rows.sort_by_key(|r| r.0);
    if !forward {
        rows.reverse();
    }
    rows.truncate(limit);
    let mut by_stream: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (t, i, l) in rows {
        by_stream
            .entry(i)
            .or_default()
            .push(json!([t.to_string(), l]));
    }
    let result: Vec<Value> = by_stream
        .into_iter()
        .map(|(i, values)| json!({"stream": st.streams[i].labels, "values": values}))
        .collect();
    Json(json!({
        "status": "success",
        "data": {
            "resultType": "streams",
            "result": result,
            "stats": {"summary": {"bytesProcessedPerSecond": 1, "totalEntriesReturned": 1}}
        }
    }))
}

async fn label_values(State(state): State<Shared>, Path(name): Path<String>) -> Json<Value> {
    let st = state.lock().expect("lock");
    let mut values: Vec<String> = st
        .streams
        .iter()
        .filter_map(|s| s.labels.get(&name).cloned())
        .collect();
    values.sort();
    values.dedup();
    Json(json!({"status": "success", "data": values}))
}

struct FakeLoki {
    url: String,
    state: Shared,
}

impl FakeLoki {
    async fn start(streams: Vec<FakeStream>) -> Self {
        let state: Shared = Arc::new(Mutex::new(FakeState {
            streams,
            ..FakeState::default()
        }));
        let app = Router::new()
            .route("/loki/api/v1/query_range", get(query_range))
            .route("/loki/api/v1/label/{name}/values", get(label_values))
            .with_state(Arc::clone(&state));
        let url = format!("http://{}", support::serve(app).await);
        Self { url, state }
    }

    fn queries(&self) -> Vec<BTreeMap<String, String>> {
        self.state.lock().expect("lock").queries.clone()
    }

    fn push(&self, stream: usize, t: i64, line: &str) {
        self.state.lock().expect("lock").streams[stream]
            .values
            .push((t, line.to_owned()));
    }
}

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i64)
        .expect("clock after 1970")
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// `old-web`, a container that is gone: 2500 lines an hour ago, stdout lines at level info
/// and every tenth line on stderr at level error; and `qwen-1` of service `qwen`.
fn history() -> (Vec<FakeStream>, i64) {
    let t0 = now_ns() - 3_600 * 1_000_000_000;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    for i in 0..2500_i64 {
        let t = t0 + i * 1_000_000;
        if i % 10 == 0 {
            err.push((t, format!("ERROR line {i:04} failed")));
        } else {
            out.push((t, format!("INFO line {i:04} ok")));
        }
    }
    let web = |stream: &str, level: &str, values| FakeStream {
        labels: labels(&[
            ("container", "old-web"),
            ("compose_service", "web"),
            ("stream", stream),
            ("level", level),
        ]),
        values,
    };
    let qwen = FakeStream {
        labels: labels(&[
            ("container", "qwen-1"),
            ("compose_service", "qwen"),
            ("stream", "stderr"),
            ("level", "error"),
        ]),
        values: vec![(t0, "ERROR CUDA out of memory".to_owned())],
    };
    (
        vec![
            web("stdout", "info", out),
            web("stderr", "error", err),
            qwen,
        ],
        t0,
    )
}

// ---------------------------------------------------------------------------------------
// Docker
// ---------------------------------------------------------------------------------------

/// Runs a detached container of [`IMAGE`] with `/s` mounted from `sync` and `labels`.
fn run_container(d: &Dockerd, name: &str, labels: &[&str], sync: &str, script: &str) {
    let mount = format!("{sync}:/s");
    let mut args = vec![
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "none",
        "-v",
        &mount,
    ];
    for l in labels {
        args.extend(["--label", l]);
    }
    args.extend([IMAGE, "sh", "-c", script]);
    d.ok(&args);
}

/// Prints `line` (on stderr with `err`), then lets Docker's log copier take it.
fn say(line: &str, err: bool) -> String {
    let redirect = if err { " >&2" } else { "" };
    format!("echo '{line}'{redirect}; sleep 0.2; ")
}

/// Waits until `file` exists in the shared directory.
fn wait_for(file: &str) -> String {
    format!("until test -e /s/{file}; do sleep 0.05; done; ")
}

/// A real engine with `web-1` and `web-2` (Compose service `web`) taking turns
/// (a1 < b1 < a2 < b2, a2 on stderr), then `db` (c1 debug, c2 info, c3 error on stderr, then
/// exit); a fake Loki holding `old-web` and `qwen-1` (gone containers, see [`history`]) and a
/// previous run of `db` half an hour ago that Docker no longer has (c0).
struct DockerHistory {
    engine: Dockerd,
    loki: FakeLoki,
    env: Env,
}

impl DockerHistory {
    async fn new() -> Self {
        let d = Dockerd::start();
        d.import_busybox(IMAGE, &[]);
        let sync = d.path("sync").display().to_string();
        let web = |n: &str| {
            [
                "com.docker.compose.project=llm".to_owned(),
                format!("com.docker.compose.service={n}"),
            ]
        };
        let (w1, w2) = (web("web"), web("web"));
        let w1: Vec<&str> = w1.iter().map(String::as_str).collect();
        let w2: Vec<&str> = w2.iter().map(String::as_str).collect();
        // web-1 and web-2 take turns: a1 < b1 < a2 < b2.
        let a = format!(
            "{}touch /s/a1; {}{}touch /s/a2; sleep 600",
            say("INFO a1 web-1 starting", false),
            wait_for("b1"),
            say("ERROR a2 web-1 cannot bind port", true),
        );
        let b = format!(
            "{}{}touch /s/b1; {}{}{}",
            wait_for("a1"),
            say("WARNING b1 web-2 slow start", false),
            wait_for("a2"),
            say("INFO b2 web-2 Ready", false),
            "touch /s/b2; sleep 600",
        );
        run_container(&d, "web-1", &w1, &sync, &a);
        run_container(&d, "web-2", &w2, &sync, &b);
        // db prints after them (and exits): its lines come last.
        let c = format!(
            "{}{}{}{}",
            wait_for("b2"),
            say("DEBUG c1 db tick", false),
            say("INFO c2 db ready", false),
            say("ERROR c3 db Failed to vacuum", true)
        );
        run_container(&d, "db", &[], &sync, &c);
        assert_eq!(d.ok(&["wait", "db"]), "0");

        let (mut streams, _) = history();
        // db's life before Docker's oldest line (a run of a container of the same name, now
        // gone): only Loki has it.
        streams.push(FakeStream {
            labels: labels(&[("container", "db"), ("stream", "stdout"), ("level", "info")]),
            values: vec![(
                now_ns() - 1_800 * 1_000_000_000,
                "INFO c0 db previous run".to_owned(),
            )],
        });
        let loki = FakeLoki::start(streams).await;
        let env = Env::new(&d.url(), &loki.url);
        Self {
            engine: d,
            loki,
            env,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_lines_come_in_time_order_prefixed_per_container_plain_for_one_and_tail_keeps_the_last(
) {
    let h = DockerHistory::new().await;
    // Two containers interleave by time, each line prefixed with its container.
    let both = h.env.lines(&["logs", "web-1", "web-2"]).await;
    assert_eq!(tags(&both), ["a1", "b1", "a2", "b2"], "{both:?}");
    assert_eq!(both[0], "web-1 | INFO a1 web-1 starting");
    assert_eq!(both[1], "web-2 | WARNING b1 web-2 slow start");
    // The Compose service means both of its containers.
    assert_eq!(h.env.lines(&["logs", "web"]).await, both);
    // One container: plain lines, stdout and stderr; --tail.
    let db = h.env.lines(&["logs", "db"]).await;
    assert_eq!(tags(&db), ["c1", "c2", "c3"], "{db:?}");
    assert_eq!(db[2], "ERROR c3 db Failed to vacuum", "stderr is read");
    assert_eq!(
        tags(&h.env.lines(&["logs", "--tail", "2", "db"]).await),
        ["c2", "c3"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_gives_one_object_a_line_with_time_container_stream_level_and_line() {
    let h = DockerHistory::new().await;
    // --json: one object per line with time, container, stream, level, line.
    let json = h.env.lines(&["--json", "logs", "db", "web-1"]).await;
    assert_eq!(json.len(), 5, "{json:?}");
    let c3 = json.iter().find(|l| l.contains("c3")).expect("c3");
    assert_eq!(field(c3, "container"), "db");
    assert_eq!(field(c3, "stream"), "stderr");
    assert_eq!(field(c3, "level"), "error");
    assert_eq!(field(c3, "line"), "ERROR c3 db Failed to vacuum");
    let c1 = json.iter().find(|l| l.contains("c1")).expect("c1");
    assert_eq!(
        (field(c1, "stream"), field(c1, "level")),
        (json!("stdout"), json!("debug"))
    );
    let times: Vec<String> = json
        .iter()
        .map(|l| field(l, "time").as_str().expect("time").to_owned())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "interleaved by time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_and_until_read_docker_alone_and_an_earlier_since_adds_the_older_part_from_loki() {
    let h = DockerHistory::new().await;
    // --since / --until between c1 and c2, and c2 and c3 (RFC 3339 from the JSON times).
    let db_json = h.env.lines(&["--json", "logs", "db"]).await;
    let t = |i: usize| {
        field(&db_json[i], "time")
            .as_str()
            .expect("time")
            .to_owned()
    };
    let only_c2 = h
        .env
        .lines(&["logs", "db", "--since", &t(1), "--until", &t(1)])
        .await;
    assert_eq!(tags(&only_c2), ["c2"], "{only_c2:?}");
    assert_eq!(
        tags(&h.env.lines(&["logs", "db", "--since", &t(2)]).await),
        ["c3"]
    );
    assert!(
        h.loki.queries().is_empty(),
        "Loki is not asked while Docker holds the whole range"
    );
    // --since before Docker's oldest line: the older part comes from Loki, then Docker's.
    assert_eq!(
        tags(&h.env.lines(&["logs", "db", "--since", "1h"]).await),
        ["c0", "c1", "c2", "c3"]
    );
    let older = h.loki.queries();
    assert_eq!(older.len(), 1, "{older:?}");
    assert_eq!(older[0]["query"], r#"{container="db"}"#);
    assert_eq!(
        tags(
            &h.env
                .lines(&["logs", "db", "--since", "1h", "--level", "error"])
                .await
        ),
        ["c3"],
        "the level filter applies to the older part too"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grep_and_level_select_lines_and_tail_counts_the_lines_shown() {
    let h = DockerHistory::new().await;
    // --grep (regex, -i) and --level (this level or more severe).
    assert_eq!(
        tags(&h.env.lines(&["logs", "web", "--grep", "ready"]).await),
        Vec::<String>::new()
    );
    assert_eq!(
        tags(&h.env.lines(&["logs", "web", "--grep", "ready", "-i"]).await),
        ["b2"]
    );
    assert_eq!(
        tags(&h.env.lines(&["logs", "web", "--grep", "a[12] web"]).await),
        ["a1", "a2"]
    );
    assert_eq!(
        tags(&h.env.lines(&["logs", "web", "db", "--level", "warn"]).await),
        ["b1", "a2", "c3"]
    );
    assert_eq!(
        tags(&h.env.lines(&["logs", "db", "--level", "error"]).await),
        ["c3"]
    );
    assert_eq!(
        tags(
            &h.env
                .lines(&["logs", "web", "--level", "info", "--tail", "1"])
                .await
        ),
        ["a2", "b2"],
        "--tail counts shown lines, per container"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_docker_does_not_know_is_read_from_loki_in_pages_or_fails_with_close_names() {
    let h = DockerHistory::new().await;
    // A name Docker does not know but Loki does: history from Loki, paged forward.
    let asked_before = h.loki.queries().len();
    let old = h.env.lines(&["logs", "old-web"]).await;
    assert_eq!(old.len(), 2500);
    assert_eq!(old[0], "ERROR line 0000 failed");
    assert_eq!(old[2499], "INFO line 2499 ok");
    let queries = h.loki.queries().split_off(asked_before);
    assert_eq!(queries.len(), 3, "three pages of 1000");
    assert!(queries
        .iter()
        .all(|q| q["query"] == r#"{container="old-web"}"#
            && q["direction"] == "forward"
            && q["limit"] == "1000"));
    // A Docker container and a gone one together.
    let mixed = h.env.lines(&["logs", "db", "old-web", "--tail", "1"]).await;
    assert_eq!(
        mixed,
        [
            "old-web | INFO line 2499 ok",
            "db      | ERROR c3 db Failed to vacuum"
        ]
    );

    // An unknown name: exit 1, one line with close names.
    let err = h.env.failure(&["logs", "web-3"]).await;
    assert!(
        err.contains("'web-3'") && err.contains("close names: web-1, web-2"),
        "{err}"
    );
    let err = Env::new(&h.engine.url(), "http://127.0.0.1:9")
        .failure(&["logs", "dbb"])
        .await;
    assert!(
        err.contains("close names: db") && err.contains("cannot reach Loki"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_new_lines_until_the_container_stops_or_ctrl_c() {
    let d = Dockerd::start();
    d.import_busybox(IMAGE, &[]);
    let sync = d.path("sync").display().to_string();
    let script = format!(
        "{}{}{}{}{}",
        say("INFO f1 first", false),
        wait_for("go"),
        say("ERROR f2 second", true),
        wait_for("stop"),
        say("INFO f3 last", false)
    );
    run_container(&d, "ticker", &[], &sync, &script);
    run_container(
        &d,
        "sleeper",
        &[],
        &sync,
        &(say("INFO s1 hello", false) + "sleep 600"),
    );
    let env = Env::new(&d.url(), "http://127.0.0.1:9");

    let mut f = Following::start(&env, &["logs", "-f", "ticker", "--level", "info"]);
    assert_eq!(f.until("f1").await, "INFO f1 first");
    std::fs::write(format!("{sync}/go"), "").expect("touch");
    assert_eq!(f.until("f2").await, "ERROR f2 second");
    std::fs::write(format!("{sync}/stop"), "").expect("touch");
    assert_eq!(f.until("f3").await, "INFO f3 last");
    assert_eq!(f.next().await, None, "stdout ends when the container stops");
    assert_eq!(f.exit_code().await, Some(0));

    // Ctrl-C ends following a container that keeps running, cleanly.
    let mut f = Following::start(
        &env,
        &["logs", "--follow", "sleeper", "ticker", "--tail", "1"],
    );
    let first = f.until("s1").await;
    assert!(first.starts_with("sleeper | "), "{first}");
    f.interrupt();
    assert_eq!(f.exit_code().await, Some(0));
}

#[tokio::test]
async fn docker_down_is_one_line_naming_the_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = format!("unix://{}/docker.sock", dir.path().display());
    let env = Env::new(&socket, "http://127.0.0.1:9");
    let err = env.failure(&["logs", "web"]).await;
    assert!(
        err.contains("cannot reach Docker at unix://") && err.contains("DOCKER_HOST"),
        "{err}"
    );
    let o = env.run(&["logs", "web", "--since", "yesterday"]).await;
    assert_eq!(o.status.code(), Some(2), "a bad time is a usage error");
    assert!(String::from_utf8_lossy(&o.stderr).contains("RFC 3339"));
    let o = env.run(&["logs", "web", "--grep", "("]).await;
    assert_eq!(o.status.code(), Some(2), "a bad regex is a usage error");
}

// ---------------------------------------------------------------------------------------
// Loki
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loki_forced_sends_logql_with_level_and_grep_and_pages_backward() {
    let (streams, t0) = history();
    let loki = FakeLoki::start(streams).await;
    // Docker is not there: --loki must not need it.
    let env = Env::new("unix:///nonexistent/docker.sock", "http://127.0.0.1:9");
    let loki_arg = format!("--loki={}", loki.url);

    let lines = env
        .lines(&[
            "logs",
            &loki_arg,
            "qwen",
            "--level",
            "error",
            "--grep",
            "cuda \"oom|out\"",
            "-i",
        ])
        .await;
    assert_eq!(lines, Vec::<String>::new(), "the grep matches nothing");
    let q = loki.queries().pop().expect("a query");
    assert_eq!(
        q["query"],
        r#"{compose_service="qwen", level=~"error|fatal"} |~ "(?i)cuda \"oom|out\"""#
    );
    let lines = env
        .lines(&[
            "logs", &loki_arg, "qwen", "--level", "error", "--grep", "cuda",
        ])
        .await;
    assert!(lines.is_empty(), "case-sensitive grep: {lines:?}");
    let lines = env
        .lines(&[
            "--json", "logs", &loki_arg, "qwen", "--grep", "CUDA", "--since", "2h",
        ])
        .await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(field(&lines[0], "container"), "qwen-1");
    assert_eq!(field(&lines[0], "stream"), "stderr");
    assert_eq!(field(&lines[0], "level"), "error");
    let q = loki.queries().pop().expect("a query");
    let start: i64 = q["start"].parse().expect("ns");
    let end: i64 = q["end"].parse().expect("ns");
    assert!(
        (end - start - 7_200_000_000_000).abs() < 5_000_000_000,
        "--since 2h: {q:?}"
    );
    assert!(start < t0);

    // --tail pages backward from the end, and the lines come out oldest first.
    let before = loki.queries().len();
    let last = env
        .lines(&["logs", "--tail", "1500", &loki_arg, "old-web"])
        .await;
    assert_eq!(last.len(), 1500);
    assert_eq!(last[0], "ERROR line 1000 failed");
    assert_eq!(last[1499], "INFO line 2499 ok");
    let paged = &loki.queries()[before..];
    assert_eq!(paged.len(), 2, "{paged:?}");
    assert!(paged.iter().all(|q| q["direction"] == "backward"));

    // Levels from the label; the Loki URL from the configuration with a bare --loki.
    let env = Env::new("unix:///nonexistent/docker.sock", &loki.url);
    let errors = env
        .lines(&["logs", "--loki", "old-web", "--level", "error", "-n", "2"])
        .await;
    assert_eq!(errors, ["ERROR line 2480 failed", "ERROR line 2490 failed"]);
    let q = loki.queries().pop().expect("a query");
    assert_eq!(q["query"], r#"{container="old-web", level=~"error|fatal"}"#);

    // Not in Loki either: one line with close names.
    let err = env.failure(&["logs", "--loki", "old-wbe"]).await;
    assert!(
        err.contains("'old-wbe'") && err.contains("close names: old-web"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loki_malformed_answers_are_one_line_and_follow_polls() {
    let (streams, _) = history();
    let loki = FakeLoki::start(streams).await;
    let env = Env::new("unix:///nonexistent/docker.sock", &loki.url);

    // Follow polls Loki for new lines, and Ctrl-C ends it cleanly.
    let mut f = Following::start(&env, &["logs", "--loki", "-f", "-n", "1", "old-web"]);
    assert_eq!(f.next().await.as_deref(), Some("INFO line 2499 ok"));
    loki.push(0, now_ns(), "INFO line new");
    assert_eq!(f.until("new").await, "INFO line new");
    f.interrupt();
    assert_eq!(f.exit_code().await, Some(0));

    // A reader that goes away (`| head -1`) ends following quietly, exit 0.
    let mut f = Following::start(&env, &["logs", "--loki", "-f", "-n", "1", "old-web"]);
    assert!(f.next().await.is_some());
    let child = f.close_stdout();
    loki.push(0, now_ns(), "INFO line after the reader left");
    assert_eq!(exit_code(child).await, Some(0));

    loki.state.lock().expect("lock").malformed = true;
    let err = env.failure(&["logs", "--loki", "old-web"]).await;
    assert!(
        err.contains("malformed") && err.contains(&loki.url),
        "{err}"
    );

    let err = Env::new("unix:///nonexistent/docker.sock", "http://127.0.0.1:9")
        .failure(&["logs", "--loki", "old-web"])
        .await;
    assert!(
        err.contains("cannot reach Loki at http://127.0.0.1:9"),
        "{err}"
    );
}
