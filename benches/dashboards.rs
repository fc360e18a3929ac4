//! Query cost of the Grafana dashboards: 30 days of simulator history backfilled into real
//! Prometheus (`promtool tsdb create-blocks-from openmetrics`, then every recording rule
//! evaluated over that history and backfilled the same way), compacted by Prometheus as a
//! server with 30-day retention compacts, and each dashboard's queries timed over the whole
//! 30 days as Grafana would send them (range queries at a 1 h step, instant queries at the
//! end, the queries of one dashboard concurrently, 6 at a time).
//!
//! Run: `cargo bench --bench dashboards` (needs the `prometheus` package). Knobs:
//! `LLMMON_BENCH_DAYS` (30), `LLMMON_BENCH_STEP_S` (history resolution, 300),
//! `LLMMON_BENCH_RUNS` (loads per dashboard, 20), `LLMMON_BENCH_DATA` (a directory that
//! keeps the raw blocks, and the rules' blocks per rule set, for the next run). The Markdown
//! report, with the five slowest queries of each dashboard, goes to stdout and to
//! target/bench-dashboards.md.

#[path = "../tests/integration/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use llmmon::dashboards::{self, Dashboard, Datasource, Variable};
use llmmon::rules::{self, Config};
use llmmon::stack::backfill;
use llmmon_exporter::config::RawSettings;
use llmmon_exporter::history::{self, History};
use llmmon_sim::{Conditions, Simulator};
use support::{require, Prometheus};

fn env_or(name: &str, default: f64) -> f64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Writes the simulator's history from `from` to `to` (exclusive) as OpenMetrics: every
/// mock-stack target as the stack's Prometheus labels it (`llmmon_exporter::history`, what
/// `llmmon-exporter history` writes).
async fn write_history(history: &History, path: &Path, from: f64, to: f64, step: f64) -> usize {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create history"));
    history
        .write_range(from, to, step, &mut out)
        .await
        .expect("write history");
    out.flush().expect("flush history");
    history::instants(from, to, step).count()
}

fn run(cmd: &mut Command) {
    let o = cmd.output().expect("run command");
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Turns a day of OpenMetrics history into day blocks under `into`.
fn blocks(promtool: &Path, history: &Path, into: &Path) {
    run(Command::new(promtool)
        .args([
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=24h",
        ])
        .arg(history)
        .arg(into));
}

/// Hard-links every block directory of `from` into `to` (Prometheus never changes a
/// block's files, it writes new blocks and deletes old ones, so the links stay intact).
fn link_blocks(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("data dir");
    for block in std::fs::read_dir(from).expect("blocks").flatten() {
        let path = block.path();
        if !path.join("meta.json").exists() {
            continue;
        }
        run(Command::new("cp").arg("-al").arg(&path).arg(to));
    }
}

/// A metric of Prometheus' own `/metrics` (it scrapes nothing here, itself included).
async fn self_metric(client: &reqwest::Client, url: &str, name: &str) -> f64 {
    let text = match client.get(format!("{url}/metrics")).send().await {
        Ok(r) => r.text().await.unwrap_or_default(),
        Err(_) => return f64::NAN,
    };
    text.lines()
        .filter_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .next()
        .unwrap_or(f64::NAN)
}

/// Waits until Prometheus has finished compacting the backfilled blocks (its first
/// compaction runs a minute after start; done once it has used under 5 % of a core for
/// 30 s, at most 20 minutes) and says how it went.
async fn settle(url: &str) -> String {
    let client = reqwest::Client::new();
    let began = Instant::now();
    let first = self_metric(&client, url, "prometheus_tsdb_blocks_loaded").await;
    let mut cpu = self_metric(&client, url, "process_cpu_seconds_total").await;
    let mut idle = 0;
    tokio::time::sleep(Duration::from_secs(60)).await;
    while idle < 3 && began.elapsed() < Duration::from_secs(1200) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let now = self_metric(&client, url, "process_cpu_seconds_total").await;
        idle = if now - cpu < 0.5 { idle + 1 } else { 0 };
        cpu = now;
    }
    let last = self_metric(&client, url, "prometheus_tsdb_blocks_loaded").await;
    let compactions = self_metric(&client, url, "prometheus_tsdb_compactions_total").await;
    format!(
        "Prometheus compacted the {first} day blocks to {last} ({compactions} compactions) in {:.0} s before measuring",
        began.elapsed().as_secs_f64()
    )
}

async fn start_prometheus(data: &Path) -> Prometheus {
    Prometheus::on_data(
        data,
        // Keep the backfill (it ends two hours ago, but starts 30 days back), and compact
        // as the shipped 30-day retention does: blocks up to 10 % of it, 3 days.
        &[
            "--storage.tsdb.retention.time=3650d",
            "--storage.tsdb.max-block-duration=3d",
        ],
        Duration::from_secs(120),
    )
    .await
}

/// One query as Grafana sends it over a 30-day range.
#[derive(Debug, Clone)]
struct Timed {
    panel: String,
    expr: String,
    instant: bool,
}

fn queries(d: &Dashboard, days: f64) -> Vec<Timed> {
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    for v in &d.variables {
        let value = match v {
            Variable::Interval { default, .. } => (*default).to_owned(),
            Variable::Textbox { .. } => String::new(),
            Variable::Constant { value, .. } => (*value).to_owned(),
            _ => ".*".to_owned(),
        };
        values.insert(v.name(), value);
    }
    let sub = |e: &str| {
        let mut e = e
            .replace("$__rate_interval", "1h")
            .replace("$__interval", "1h")
            .replace("$__range", &format!("{days}d"));
        for (k, v) in &values {
            e = e.replace(&format!("${k}"), v);
        }
        e
    };
    let mut out = Vec::new();
    for p in d.panels() {
        for q in p
            .queries
            .iter()
            .filter(|q| q.datasource == Datasource::Prometheus)
        {
            out.push(Timed {
                panel: p.title.clone(),
                expr: sub(&q.expr),
                instant: q.instant,
            });
        }
    }
    for v in &d.variables {
        if let Some((q, _)) = v.probe() {
            out.push(Timed {
                panel: format!("${}", v.name()),
                expr: sub(&q),
                instant: true,
            });
        }
    }
    for (name, expr) in d.annotation_queries() {
        out.push(Timed {
            panel: name,
            expr: sub(&expr),
            instant: false,
        });
    }
    out
}

async fn time_query(client: &reqwest::Client, url: &str, q: &Timed, start: f64, end: f64) -> f64 {
    let began = Instant::now();
    let resp = if q.instant {
        client
            .get(format!("{url}/api/v1/query"))
            .query(&[("query", q.expr.as_str()), ("time", &end.to_string())])
            .send()
            .await
    } else {
        client
            .get(format!("{url}/api/v1/query_range"))
            .query(&[
                ("query", q.expr.as_str()),
                ("start", &start.to_string()),
                ("end", &end.to_string()),
                ("step", "3600"),
            ])
            .send()
            .await
    }
    .expect("query prometheus");
    let body: serde_json::Value = resp.json().await.expect("JSON");
    assert_eq!(body["status"], "success", "{} failed: {body}", q.expr);
    began.elapsed().as_secs_f64()
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    sorted[(((sorted.len() - 1) as f64) * q).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let days = env_or("LLMMON_BENCH_DAYS", 30.0);
    let step = env_or("LLMMON_BENCH_STEP_S", 300.0);
    let runs = env_or("LLMMON_BENCH_RUNS", 20.0) as usize;
    let promtool = require("promtool", "prometheus");
    let tmp = tempfile::tempdir().expect("temp dir");
    // LLMMON_BENCH_DATA=DIR keeps the backfill in DIR and reuses it on the next run.
    let kept = std::env::var_os("LLMMON_BENCH_DATA").map(std::path::PathBuf::from);
    let dir = kept.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir).expect("data dir");
    // Whole hours, ending two hours back so every block is complete and out of the head.
    let end = (llmmon_core::clock::now() / 3600.0).floor() * 3600.0 - 7200.0;
    let start = end - days * 86_400.0;

    // The raw history's blocks live in raw/ and the recording rules' blocks in
    // rules-<fingerprint>/, each kept for the next run when LLMMON_BENCH_DATA is set (the
    // rules' blocks are made again whenever the rules change). Prometheus serves data/,
    // hard links to both, so that its compactions never touch the kept blocks.
    let raw = dir.join("raw");
    let mut summary = String::from("reused raw history");
    if !raw.join("done").exists() {
        let _ = std::fs::remove_dir_all(&raw);
        // One day at a time: a day of history is about 400 MB of OpenMetrics.
        let sim = Simulator::new(42, 1, Conditions::default(), start);
        let settings = RawSettings::default().validate().expect("default settings");
        let history = History::new(sim, &settings);
        let file = dir.join("history.om");
        let (mut steps, mut size, mut gen_s, mut blocks_s) = (0, 0, 0.0, 0.0);
        let mut day = start;
        while day < end {
            let began = Instant::now();
            steps += write_history(&history, &file, day, (day + 86_400.0).min(end), step).await;
            size += std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            gen_s += began.elapsed().as_secs_f64();
            let began = Instant::now();
            blocks(&promtool, &file, &raw);
            blocks_s += began.elapsed().as_secs_f64();
            day += 86_400.0;
        }
        let _ = std::fs::remove_file(&file);
        std::fs::write(raw.join("done"), format!("{start} {end} {step}")).expect("mark");
        summary = format!(
            "{steps} points per series, {} MB of OpenMetrics, written in {gen_s:.0} s; raw blocks {blocks_s:.0} s",
            size / 1_000_000
        );
    }
    // The raw history fixes the time range when it is reused.
    let (start, end) = std::fs::read_to_string(raw.join("done"))
        .ok()
        .and_then(|m| {
            let mut it = m.split(' ').filter_map(|x| x.parse::<f64>().ok());
            Some((it.next()?, it.next()?))
        })
        .unwrap_or((start, end));

    let recorded: BTreeMap<String, String> = rules::recording::groups(&Config::default())
        .into_iter()
        .flat_map(|g| g.rules.into_iter().map(|r| (r.record, r.expr)))
        .collect();
    let fingerprint = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&recorded, step.to_bits(), start.to_bits()).hash(&mut h);
        format!("{:016x}", h.finish())
    };
    let rule_blocks = dir.join(format!("rules-{fingerprint}"));
    if !rule_blocks.join("done").exists() {
        // Recording rules over the past: each rule's expression (with the rules it uses
        // inlined) evaluated a day at a time over the raw history, written as OpenMetrics
        // and turned into day blocks like the raw data. (`promtool tsdb create-blocks-from
        // rules` writes a block per rule and 2 h, thousands in all, which made every query
        // over 30 days slow to merge them.)
        let _ = std::fs::remove_dir_all(&rule_blocks);
        let scratch = dir.join("scratch");
        let _ = std::fs::remove_dir_all(&scratch);
        link_blocks(&raw, &scratch);
        let began = Instant::now();
        let prom = start_prometheus(&scratch).await;
        let client = reqwest::Client::new();
        let history = dir.join("rules.om");
        let mut day = start;
        while day < end {
            let to = (day + 86_400.0).min(end);
            // The rules as `stack up --backfill` evaluates them (short windows widened).
            let piece = backfill::Piece {
                from: day,
                to,
                step,
            };
            let text = backfill::rule_history(&client, &prom.url, &recorded, &piece)
                .await
                .expect("rule history");
            std::fs::write(&history, text).expect("write rule history");
            blocks(&promtool, &history, &rule_blocks);
            day = to;
        }
        let _ = std::fs::remove_file(&history);
        drop(prom);
        let _ = std::fs::remove_dir_all(&scratch);
        std::fs::write(rule_blocks.join("done"), "").expect("mark");
        let rules_s = began.elapsed().as_secs_f64();
        eprintln!("recording-rule blocks in {rules_s:.0} s");
        summary.push_str(&format!(
            "; {} recording rules' blocks {rules_s:.0} s",
            recorded.len()
        ));
    }
    let data = dir.join("data");
    let _ = std::fs::remove_dir_all(&data);
    link_blocks(&raw, &data);
    link_blocks(&rule_blocks, &data);
    // Prometheus compacts the day blocks (raw and rules of a day overlap) when it starts,
    // as a server that has run for 30 days has; measure once that is done.
    let prom = start_prometheus(&data).await;
    let settled = settle(&prom.url).await;
    summary.push_str(&format!("; {settled}"));
    let url = prom.url.clone();
    let client = reqwest::Client::new();
    let mut report = format!(
        "History: {days} days at a {step} s step ({summary}).\n\n\
         | dashboard | queries | load p50 (ms) | load p95 (ms) | slowest query (p95, ms) |\n|---|---:|---:|---:|---|\n"
    );
    let mut slow = String::from(
        "\nSlowest queries of each dashboard:\n\n| dashboard | panel | p95 (ms) | query |\n|---|---|---:|---|\n",
    );
    for d in dashboards::all() {
        let qs = queries(&d, days);
        let mut loads = Vec::new();
        let mut per_query: Vec<Vec<f64>> = vec![Vec::new(); qs.len()];
        for _ in 0..runs {
            let began = Instant::now();
            let times: Vec<(usize, f64)> = stream::iter(qs.iter().enumerate())
                .map(|(i, q)| {
                    let client = &client;
                    let url = &url;
                    async move { (i, time_query(client, url, q, start, end).await) }
                })
                .buffer_unordered(6)
                .collect()
                .await;
            loads.push(began.elapsed().as_secs_f64());
            for (i, t) in times {
                per_query[i].push(t);
            }
        }
        loads.sort_by(f64::total_cmp);
        let mut by_p95: Vec<(usize, f64)> = per_query
            .iter_mut()
            .enumerate()
            .map(|(i, v)| {
                v.sort_by(f64::total_cmp);
                (i, pct(v, 0.95))
            })
            .collect();
        by_p95.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (slowest, slowest_p95) = by_p95.first().copied().unwrap_or((0, 0.0));
        for (i, p95) in by_p95.iter().take(5) {
            slow.push_str(&format!(
                "| {} | {} | {:.0} | `{}` |\n",
                d.title,
                qs[*i].panel,
                p95 * 1000.0,
                qs[*i].expr.replace('|', "\\|")
            ));
        }
        report.push_str(&format!(
            "| {} | {} | {:.0} | {:.0} | {} ({:.0}) |\n",
            d.title,
            qs.len(),
            pct(&loads, 0.5) * 1000.0,
            pct(&loads, 0.95) * 1000.0,
            qs.get(slowest).map(|q| q.panel.as_str()).unwrap_or("-"),
            slowest_p95 * 1000.0
        ));
    }
    report.push_str(&slow);
    println!("{report}");
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-dashboards.md");
    let _ = std::fs::write(out, &report);
}
