//! `stack up --mock --backfill 30d`: the simulated past put into the mock stack's
//! Prometheus, so that its dashboards are full at the first look.
//!
//! How: `llmmon` writes the history itself (the generator of `llmmon-exporter history`,
//! with the stack's seed and scenario, ending when the stack started, so the live scrapes
//! continue it) into a scratch directory next to the compose files, one OpenMetrics file
//! per UTC day; the Prometheus image's own `promtool tsdb create-blocks-from openmetrics`
//! turns each file into blocks in the `prometheus-data` volume (`docker run` with the
//! scratch directory mounted read-only), and the file is deleted before the next is
//! written. Prometheus is restarted to load the blocks; then every recording rule is
//! evaluated over the same span through Prometheus's query API (as the rules would have
//! run: each expression with the rules it uses inlined) and written the same way, so the
//! panels that read recorded series are full too; a last restart loads those blocks.
//!
//! The last 6 hours (what most dashboards open on) are written at the stack's 30 s scrape
//! interval, the older part at `--backfill-step` (5 m by default: 30 days at 30 s would be
//! about 130 GB of OpenMetrics and an hour of writing, at 5 m 13 GB, one day of it on disk
//! at a time). Rate windows shorter than two steps are widened to two steps where the rules
//! are evaluated over the coarser part, or they would hold one sample and be empty.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};
use llmmon_exporter::config::RawSettings;
use llmmon_exporter::history::{self, History};

use super::compose::{compose_args, docker_line, shell_line, Docker, Project, PROJECT};
use super::files::{FileError, Op};

/// The stack's scrape and rule-evaluation interval (compose/config/prometheus).
pub const SCRAPE_S: f64 = 30.0;
/// The most recent stretch written at the scrape interval: what the dashboards open on.
pub const FINE_S: f64 = 6.0 * 3600.0;
/// The default step of the older part.
pub const DEFAULT_STEP: &str = "5m";
/// Where the scratch directory appears in the promtool container.
const SCRATCH_IN_CONTAINER: &str = "/backfill";
/// Prometheus's data directory in its container (`--storage.tsdb.path`).
const DATA_IN_CONTAINER: &str = "/prometheus";
/// The named volume Prometheus keeps its data in.
const DATA_VOLUME: &str = "prometheus-data";

/// What to backfill, and where.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Seconds of history.
    pub span: f64,
    /// Step of the part older than [`FINE_S`].
    pub step: f64,
    /// End of the history (exclusive): when the stack started.
    pub end: f64,
    /// The simulator scenario of the stack (`LLMMON_SIM_SCENARIO`).
    pub scenario: String,
    /// The stack's Prometheus image (its promtool cuts the blocks).
    pub image: String,
    /// Prometheus's API as `llmmon` reaches it.
    pub prometheus: String,
}

/// One file of the backfill: instants in `[from, to)` at `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Piece {
    pub from: f64,
    pub to: f64,
    pub step: f64,
}

impl Piece {
    /// `<what>-YYYY-MM-DD-<step>s.om`.
    pub fn file(&self, what: &str) -> String {
        let day = history::day_file_name(self.from);
        let date = day.trim_start_matches("history-").trim_end_matches(".om");
        format!("{what}-{date}-{}s.om", self.step)
    }

    /// The instants of the piece.
    pub fn instants(&self) -> impl Iterator<Item = f64> {
        history::instants(self.from, self.to, self.step)
    }
}

impl Plan {
    /// The files, oldest first: the part older than [`FINE_S`] at `step`, the rest at the
    /// scrape interval, each cut at UTC midnight.
    pub fn pieces(&self) -> Vec<Piece> {
        let start = self.end - self.span;
        let fine_from = (self.end - FINE_S).max(start);
        let mut out = Vec::new();
        let mut cut = |from: f64, to: f64, step: f64| {
            for (from, to) in history::days(from, to, step) {
                out.push(Piece { from, to, step });
            }
        };
        if fine_from > start {
            cut(start, fine_from, self.step.max(SCRAPE_S));
        }
        cut(fine_from, self.end, SCRAPE_S);
        out
    }

    /// `docker run … promtool tsdb create-blocks-from openmetrics … /prometheus` for one
    /// file of `scratch`.
    pub fn promtool(&self, scratch: &Path, file: &str) -> Vec<String> {
        let mut args: Vec<String> = [
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            &format!("{}:{SCRATCH_IN_CONTAINER}:ro", scratch.display()),
            "-v",
            &format!("{PROJECT}_{DATA_VOLUME}:{DATA_IN_CONTAINER}"),
            "--entrypoint",
            "promtool",
            &self.image,
        ]
        .map(String::from)
        .to_vec();
        args.extend(history::promtool_args(
            &format!("{SCRATCH_IN_CONTAINER}/{file}"),
            DATA_IN_CONTAINER,
        ));
        args
    }

    /// What `--dry-run` prints for the backfill, after `up` and the wait.
    pub fn dry_run(&self, scratch: &Path, project: &Project) -> Vec<String> {
        let docker = |args: &[String]| shell_line(&docker_line(args));
        let restart = docker(&compose_args(project, &["restart", "prometheus"]));
        let pieces = self.pieces();
        let mut lines = vec![format!(
            "# backfill: {} of simulated history (scenario {}) ending when the stack starts, \
             the last {} at {SCRAPE_S} s and the older part at {} s; llmmon writes each UTC \
             day to {} and the Prometheus image's promtool makes it blocks in the \
             {PROJECT}_{DATA_VOLUME} volume ({} files):",
            span_text(self.span),
            self.scenario,
            span_text(FINE_S.min(self.span)),
            self.step.max(SCRAPE_S),
            scratch.display(),
            pieces.len()
        )];
        for p in &pieces {
            lines.push(docker(&self.promtool(scratch, &p.file("history"))));
        }
        lines.push(restart.clone());
        lines.push(format!(
            "# then the {} recording rules, evaluated over the same span through {}/api/v1/query_range \
             and written the same way:",
            recorded().len(),
            self.prometheus
        ));
        for p in &pieces {
            lines.push(docker(&self.promtool(scratch, &p.file("rules"))));
        }
        lines.push(restart);
        lines
    }
}

/// `30d`, `6h`, `90m`, `45s`: a span as the flags write it.
pub fn span_text(s: f64) -> String {
    for (unit, secs) in [("d", 86_400.0), ("h", 3600.0), ("m", 60.0)] {
        if s >= secs && (s / secs).fract() == 0.0 {
            return format!("{}{unit}", s / secs);
        }
    }
    format!("{s}s")
}

/// Every recording rule the stack loads: name → expression.
pub fn recorded() -> BTreeMap<String, String> {
    crate::rules::recording::groups(&crate::rules::Config::default())
        .into_iter()
        .flat_map(|g| g.rules.into_iter().map(|r| (r.record, r.expr)))
        .collect()
}

/// `expr` with every range window shorter than two steps widened to two steps, so each
/// holds two samples over history written at `step` (a 5 m rate over 5-minute history
/// would be empty).
pub fn widen(expr: &str, step: f64) -> String {
    let min = 2.0 * step;
    let re = regex::Regex::new(r"\[(\d+)([smhd])\]").expect("valid regex");
    re.replace_all(expr, |c: &regex::Captures| {
        let n: f64 = c[1].parse().unwrap_or(0.0);
        let secs = n * match &c[2] {
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => 1.0,
        };
        if secs < min {
            format!("[{min}s]")
        } else {
            c[0].to_owned()
        }
    })
    .into_owned()
}

/// How a backfill went.
#[derive(Debug, Clone, Default)]
pub struct Done {
    pub files: usize,
    pub bytes: u64,
    pub samples: u64,
    pub rule_samples: u64,
    pub write_s: f64,
    pub blocks_s: f64,
    pub rules_s: f64,
}

/// Runs the backfill of `plan` into the running stack.
pub async fn run(docker: &Docker, project: &Project, plan: &Plan) -> anyhow::Result<Done> {
    let scratch = Scratch::new(docker.dir())?;
    let mut done = Done::default();
    let mut raw = RawSettings::default();
    raw.sim.scenario = plan.scenario.clone();
    let settings = raw.validate().context("backfill settings")?;
    let start = plan.end - plan.span;
    let gen = History::simulated(&settings, start);
    let pieces = plan.pieces();
    println!(
        "backfill: {} of history in {} files (the last {} at {SCRAPE_S} s, the rest at {} s)",
        span_text(plan.span),
        pieces.len(),
        span_text(FINE_S.min(plan.span)),
        plan.step.max(SCRAPE_S)
    );
    for p in &pieces {
        let file = p.file("history");
        let path = scratch.path.join(&file);
        let began = Instant::now();
        let samples = {
            let write = || FileError::of(Op::Write, &path);
            let f = std::fs::File::create(&path).map_err(write())?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
            gen.write_range(p.from, p.to, p.step, &mut out)
                .await
                .and_then(|n| out.flush().map(|()| n))
                .map_err(write())?
        };
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let wrote = began.elapsed().as_secs_f64();
        let began = Instant::now();
        docker
            .docker(&plan.promtool(&scratch.path, &file))
            .await
            .with_context(|| format!("backfill of {file}"))?;
        let blocks = began.elapsed().as_secs_f64();
        let _ = std::fs::remove_file(&path);
        println!(
            "backfill: {file}: {} scrapes, {samples} samples, {:.0} MB in {wrote:.1} s; blocks in {blocks:.1} s",
            p.instants().count(),
            bytes as f64 / 1e6
        );
        done.files += 1;
        done.bytes += bytes;
        done.samples += samples;
        done.write_s += wrote;
        done.blocks_s += blocks;
    }
    restart(docker, project, plan).await?;

    let began = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let rules = recorded();
    for p in &pieces {
        let file = p.file("rules");
        let path = scratch.path.join(&file);
        let text = rule_history(&client, &plan.prometheus, &rules, p).await?;
        done.rule_samples += text.lines().filter(|l| !l.starts_with('#')).count() as u64;
        std::fs::write(&path, text).map_err(FileError::of(Op::Write, &path))?;
        docker
            .docker(&plan.promtool(&scratch.path, &file))
            .await
            .with_context(|| format!("backfill of {file}"))?;
        let _ = std::fs::remove_file(&path);
    }
    done.rules_s = began.elapsed().as_secs_f64();
    println!(
        "backfill: {} recording rules over the same span, {} samples, in {:.0} s",
        rules.len(),
        done.rule_samples,
        done.rules_s
    );
    restart(docker, project, plan).await?;
    Ok(done)
}

/// Restarts Prometheus so it loads the new blocks, and waits until it answers with the
/// last backfilled instant.
async fn restart(docker: &Docker, project: &Project, plan: &Plan) -> anyhow::Result<()> {
    docker
        .compose(project, &["restart", "prometheus"])
        .await
        .context("backfill")?;
    let last = plan
        .pieces()
        .last()
        .and_then(|p| p.instants().last())
        .unwrap_or(plan.end);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let answer = client
            .get(format!("{}/api/v1/query", plan.prometheus))
            .query(&[
                ("query", "count(up)".to_owned()),
                ("time", last.to_string()),
            ])
            .send()
            .await;
        if let Ok(r) = answer {
            if let Ok(v) = r.json::<serde_json::Value>().await {
                if v["data"]["result"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
                {
                    return Ok(());
                }
            }
        }
        if Instant::now() > deadline {
            return Err(anyhow!(
                "backfill: Prometheus at {} does not show the backfilled data 180 s after its \
                 restart; check `docker compose logs prometheus`",
                llmmon_core::redact::url(&plan.prometheus)
            ));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Every recording rule's series over one piece, as OpenMetrics.
pub async fn rule_history(
    client: &reqwest::Client,
    prometheus: &str,
    rules: &BTreeMap<String, String>,
    piece: &Piece,
) -> anyhow::Result<String> {
    let shown = llmmon_core::redact::url(prometheus);
    let unanswered =
        |e: reqwest::Error| anyhow!("backfill: Prometheus at {shown}: {}", e.without_url());
    let mut out = String::new();
    let (Some(first), Some(last)) = (piece.instants().next(), piece.instants().last()) else {
        out.push_str("# EOF\n");
        return Ok(out);
    };
    for (name, expr) in rules {
        let q = widen(&crate::rules::inline_recorded(expr, rules), piece.step);
        let body: serde_json::Value = client
            .get(format!("{prometheus}/api/v1/query_range"))
            .query(&[
                ("query", q.as_str()),
                ("start", &first.to_string()),
                ("end", &last.to_string()),
                ("step", &piece.step.to_string()),
            ])
            .send()
            .await
            .map_err(unanswered)?
            .json()
            .await
            .map_err(unanswered)?;
        if body["status"] != "success" {
            return Err(anyhow!("backfill: rule {name}: {}", body["error"]));
        }
        for series in body["data"]["result"].as_array().into_iter().flatten() {
            let labels: Vec<String> = series["metric"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| *k != "__name__")
                .map(|(k, v)| {
                    let v = v
                        .as_str()
                        .unwrap_or("")
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n");
                    format!("{k}=\"{v}\"")
                })
                .collect();
            for point in series["values"].as_array().into_iter().flatten() {
                let (t, v) = (&point[0], point[1].as_str().unwrap_or("NaN"));
                let _ = writeln!(out, "{name}{{{}}} {v} {t}", labels.join(","));
            }
        }
    }
    out.push_str("# EOF\n");
    Ok(out)
}

/// The scratch directory: next to the compose files (on disk, where the stack is), readable
/// by the promtool container's user (nobody), removed when done.
struct Scratch {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Scratch {
    fn new(dir: &Path) -> anyhow::Result<Self> {
        let tmp = tempfile::Builder::new()
            .prefix(".llmmon-backfill-")
            .tempdir_in(dir)
            .with_context(|| format!("cannot make a scratch directory in {}", dir.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot open {} to the container", tmp.path().display()))?;
        let path = tmp
            .path()
            .canonicalize()
            .map_err(FileError::of(Op::Read, tmp.path()))?;
        Ok(Self { path, _dir: tmp })
    }
}

/// Where `--dry-run` says the scratch directory goes.
pub fn scratch_placeholder(dir: &Path) -> PathBuf {
    dir.join(".llmmon-backfill-XXXXXX")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(span: f64, end: f64) -> Plan {
        Plan {
            span,
            step: 300.0,
            end,
            scenario: "normal".into(),
            image: "prom/prometheus:v3.5.0".into(),
            prometheus: "http://127.0.0.1:23001".into(),
        }
    }

    #[test]
    fn the_last_six_hours_are_at_the_scrape_interval_the_rest_at_the_step() {
        let day = 86_400.0;
        // Ends 10:00 UTC: 30 days back, cut at midnights and at 04:00.
        let p = plan(30.0 * day, 100.0 * day + 10.0 * 3600.0).pieces();
        assert_eq!(p.len(), 32, "{p:?}");
        assert_eq!(p[0].from, 70.0 * day + 10.0 * 3600.0);
        assert!(p[..31].iter().all(|x| x.step == 300.0));
        assert_eq!(p[30].to, 100.0 * day + 4.0 * 3600.0);
        assert_eq!(
            p[31],
            Piece {
                from: 100.0 * day + 4.0 * 3600.0,
                to: 100.0 * day + 10.0 * 3600.0,
                step: 30.0
            }
        );
        let scrapes: usize = p.iter().map(|x| x.instants().count()).sum();
        assert_eq!(scrapes, (30 * 288 - 72) + 720);
        assert_eq!(p[31].file("history"), "history-1970-04-11-30s.om");
        // Shorter than 6 h: all of it at 30 s.
        let p = plan(3600.0, 100.0 * day + 1800.0).pieces();
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|x| x.step == 30.0));
        assert_eq!(p.iter().map(|x| x.instants().count()).sum::<usize>(), 120);
    }

    #[test]
    fn promtool_runs_in_the_prometheus_image_on_the_data_volume() {
        let p = plan(3600.0, 7200.0);
        let line = shell_line(&docker_line(&p.promtool(Path::new("/s"), "history-x.om")));
        assert_eq!(
            line,
            "docker run --rm --network none -v /s:/backfill:ro -v llmmon_prometheus-data:/prometheus \
             --entrypoint promtool prom/prometheus:v3.5.0 tsdb create-blocks-from openmetrics \
             --max-block-duration=24h /backfill/history-x.om /prometheus"
        );
    }

    #[test]
    fn short_windows_are_widened_to_two_steps() {
        assert_eq!(
            widen("rate(a[5m]) + rate(b[15m]) + c[1h] + d[30s]", 300.0),
            "rate(a[600s]) + rate(b[15m]) + c[1h] + d[600s]"
        );
        assert_eq!(widen("rate(a[5m])", 30.0), "rate(a[5m])");
        assert_eq!(span_text(30.0 * 86_400.0), "30d");
        assert_eq!(span_text(6.0 * 3600.0), "6h");
        assert_eq!(span_text(90.0), "90s");
        assert!(recorded().len() > 20);
    }
}
