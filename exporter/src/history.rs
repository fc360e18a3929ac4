//! The simulator's past as the stack's Prometheus would have scraped it: every mock-stack
//! target (each exporter role and the simulator's LiteLLM `/metrics`) at a fixed step, with
//! the labels a scrape adds (`job`, `instance`, the target file's labels, `up`), written as
//! OpenMetrics for `promtool tsdb create-blocks-from openmetrics`.
//!
//! The simulator is a function of (seed, scenario, time), so the history at time t is what
//! the mock stack's exporters serve at t with the same seed and scenario: backfilled series
//! and live ones join up. `llmmon-exporter history` writes it, one file per UTC day (promtool
//! reads a file once per block it cuts, so a day per file keeps each pass short and each
//! 24 h block whole); `llmmon stack up --mock --backfill` loads it into the stack, and the
//! dashboards bench builds its 30 days from it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Settings;
use llmmon_core::exposition::render;
use llmmon_core::role::{Role, SourceMode};
use llmmon_core::schema::SOURCE_UP;
use llmmon_sim::{self as sim, Simulator};

/// Seconds in a day: history files and promtool's blocks are cut at UTC midnight.
pub const DAY_S: f64 = 86_400.0;

/// Largest block promtool should cut from one history file (`--max-block-duration`).
pub const MAX_BLOCK_DURATION: &str = "24h";

/// What a target's scrape reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scraped {
    /// An exporter role's `/metrics`.
    Role(Role),
    /// The simulator's LiteLLM `/metrics` (`sim-upstreams`, path `/litellm/metrics`).
    LitellmProxy,
}

/// One scrape target of the mock stack, with the labels Prometheus gives its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub job: &'static str,
    /// `host:port` as the target is configured (the Compose service name and its port).
    pub instance: &'static str,
    /// Labels of the target's file_sd entry, besides `job` and `instance`.
    pub labels: &'static [(&'static str, &'static str)],
    pub scraped: Scraped,
}

/// The simulated targets of `compose/config/prometheus/prometheus.yml` with the mock
/// overlay (`targets-mock/litellm-proxy.yml`), as Prometheus labels them. `dcgm` is found
/// by DNS there, so its live `instance` is the container's address; here it is the
/// service name. exporter/tests/integration/history.rs checks this list against the shipped files.
pub const TARGETS: [Target; 9] = [
    role_target("gpu", "gpu-exporter:9445", Role::Gpu),
    role_target("containers", "containers-exporter:9904", Role::Containers),
    role_target("node", "node-exporter:9100", Role::Node),
    role_target("cadvisor", "cadvisor:8080", Role::Cadvisor),
    role_target("dcgm", "dcgm-exporter:9400", Role::Dcgm),
    role_target("vllm", "vllm-exporter:9902", Role::Vllm),
    role_target("litellm", "litellm-exporter:9901", Role::Litellm),
    role_target("langfuse", "langfuse-exporter:9903", Role::Langfuse),
    Target {
        job: "litellm-proxy",
        instance: "sim-upstreams:9910",
        labels: &[("service", "litellm")],
        scraped: Scraped::LitellmProxy,
    },
];

const fn role_target(job: &'static str, instance: &'static str, role: Role) -> Target {
    Target {
        job,
        instance,
        labels: &[],
        scraped: Scraped::Role(role),
    }
}

/// A step or span that [`parse_duration`] cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("'{0}': unit must be s, m, h or d (e.g. 30s, 5m, 30d)")]
    Unit(String),
    #[error("'{0}' is not a positive duration (e.g. 30s, 5m, 30d)")]
    NotPositive(String),
}

/// Parses a step or a span: `30s`, `5m`, `2h`, `30d`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<f64, DurationError> {
    let s = s.trim();
    let (number, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let factor = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => DAY_S,
        _ => return Err(DurationError::Unit(s.to_owned())),
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n * factor),
        _ => Err(DurationError::NotPositive(s.to_owned())),
    }
}

/// Writes the simulated targets' scrapes at given instants.
pub struct History {
    sim: Arc<Simulator>,
    /// Each role's collector names (its `llm_monitor_exporter_source_up{source}` values).
    sources: BTreeMap<Role, Vec<String>>,
}

impl History {
    /// The history of a simulator built from `settings` (seed, scale, conditions) whose
    /// faults count from `start`, the first instant it will be asked for.
    pub fn simulated(settings: &Settings, start: f64) -> Self {
        let sim = Simulator::new(
            settings.seed,
            settings.scale,
            settings.conditions.clone(),
            start,
        );
        Self::new(sim, settings)
    }

    /// The history of `sim`; `settings` only names the roles' collectors.
    pub fn new(sim: Arc<Simulator>, settings: &Settings) -> Self {
        let sources = Role::ALL
            .into_iter()
            .map(|role| {
                let names = crate::wiring::collectors(role, SourceMode::Sim, Some(&sim), settings)
                    .map(|cs| cs.iter().map(|c| c.name().to_owned()).collect())
                    .unwrap_or_default();
                (role, names)
            })
            .collect();
        Self { sim, sources }
    }

    pub fn simulator(&self) -> &Arc<Simulator> {
        &self.sim
    }

    /// One scrape of every target at `t`, appended to `out` (timestamped, no `# EOF`).
    /// Returns the number of samples written.
    pub async fn write_at(&self, t: f64, out: &mut impl Write) -> io::Result<u64> {
        let mut samples = 0;
        let mut buf = String::with_capacity(1 << 20);
        for target in &TARGETS {
            let text = match target.scraped {
                Scraped::Role(role) => {
                    match crate::wiring::sim_role_metrics(&self.sim, role, t).await {
                        Ok(mut set) => {
                            for name in self.sources.get(&role).into_iter().flatten() {
                                set.gauge(&SOURCE_UP, &[name], 1.0);
                            }
                            set.extend(self.sim.status_metrics(t));
                            Some(render(&set))
                        }
                        Err(_) => None,
                    }
                }
                Scraped::LitellmProxy => litellm_proxy(&self.sim, t).await,
            };
            buf.clear();
            let target_labels = target_labels(target);
            let up = if text.is_some() { 1 } else { 0 };
            let _ = writeln!(buf, "up{{{target_labels}}} {up} {}", timestamp(t));
            samples += 1;
            let mut histogram: Option<&str> = None;
            for line in text.iter().flat_map(|text| text.lines()) {
                if let Some(typed) = line.strip_prefix("# TYPE ") {
                    histogram = typed
                        .strip_suffix(" histogram")
                        .filter(|name| !name.contains(' '));
                    continue;
                }
                let bucket = histogram.is_some_and(|h| {
                    line.strip_prefix(h)
                        .is_some_and(|rest| rest.starts_with("_bucket{"))
                });
                if let Some(series) = stamp(line, target, &target_labels, t, bucket) {
                    buf.push_str(&series);
                    buf.push('\n');
                    samples += 1;
                }
            }
            out.write_all(buf.as_bytes())?;
        }
        Ok(samples)
    }

    /// Every step in `[from, to)` (instants at multiples of `step`), then `# EOF`.
    pub async fn write_range(
        &self,
        from: f64,
        to: f64,
        step: f64,
        out: &mut impl Write,
    ) -> io::Result<u64> {
        let mut samples = 0;
        for t in instants(from, to, step) {
            samples += self.write_at(t, out).await?;
        }
        out.write_all(b"# EOF\n")?;
        Ok(samples)
    }

    /// Writes `[start, end)` into `dir`, one OpenMetrics file per UTC day
    /// (`history-YYYY-MM-DD.om`), and says what it wrote.
    pub async fn write_days(
        &self,
        start: f64,
        end: f64,
        step: f64,
        dir: &Path,
    ) -> io::Result<Vec<DayFile>> {
        std::fs::create_dir_all(dir)?;
        let mut files = Vec::new();
        for (from, to) in days(start, end, step) {
            let path = dir.join(day_file_name(from));
            let mut out = io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
            let samples = self.write_range(from, to, step, &mut out).await?;
            out.flush()?;
            drop(out);
            let bytes = std::fs::metadata(&path)?.len();
            files.push(DayFile {
                path,
                from,
                to,
                samples,
                bytes,
            });
        }
        Ok(files)
    }
}

/// One file [`History::write_days`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct DayFile {
    pub path: PathBuf,
    /// First instant in the file.
    pub from: f64,
    /// End of the file's span (exclusive).
    pub to: f64,
    pub samples: u64,
    pub bytes: u64,
}

/// The instants of `[from, to)` on the `step` grid (multiples of `step` since the epoch).
pub fn instants(from: f64, to: f64, step: f64) -> impl Iterator<Item = f64> {
    let first = (from / step).ceil() as i64;
    (first..)
        .map(move |k| k as f64 * step)
        .take_while(move |t| *t < to)
}

/// `[start, end)` cut at UTC midnights into the spans that hold at least one instant.
pub fn days(start: f64, end: f64, step: f64) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut from = start;
    while from < end {
        let to = (((from / DAY_S).floor() + 1.0) * DAY_S).min(end);
        if instants(from, to, step).next().is_some() {
            spans.push((from, to));
        }
        from = to;
    }
    spans
}

/// `history-YYYY-MM-DD.om` for the UTC day holding `t`.
pub fn day_file_name(t: f64) -> String {
    let date = chrono::DateTime::from_timestamp(t.floor() as i64, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| format!("{}", (t / DAY_S).floor()));
    format!("history-{date}.om")
}

/// `promtool tsdb create-blocks-from openmetrics` for one history file into `data_dir`.
pub fn promtool_args(file: &str, data_dir: &str) -> Vec<String> {
    [
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        &format!("--max-block-duration={MAX_BLOCK_DURATION}"),
        file,
        data_dir,
    ]
    .map(String::from)
    .to_vec()
}

/// LiteLLM's own `/metrics` as the simulator serves it at `t`.
async fn litellm_proxy(sim: &Arc<Simulator>, t: f64) -> Option<String> {
    use tower::ServiceExt;
    let app = sim::upstreams::router(sim.clone(), llmmon_core::clock::fixed_clock(t));
    let req = axum::http::Request::get("/litellm/metrics")
        .body(axum::body::Body::empty())
        .ok()?;
    let resp = app.oneshot(req).await.ok()?;
    if !resp.status().is_success() {
        return None;
    }
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// `job="…",instance="…"[,label="…"]` of a target.
fn target_labels(target: &Target) -> String {
    let mut s = format!("job=\"{}\",instance=\"{}\"", target.job, target.instance);
    for (k, v) in target.labels {
        let _ = write!(s, ",{k}=\"{}\"", escape(v));
    }
    s
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A timestamp in seconds, as OpenMetrics writes it.
fn timestamp(t: f64) -> String {
    if t.fract() == 0.0 {
        format!("{}", t as i64)
    } else {
        format!("{t}")
    }
}

/// A histogram bucket bound as Prometheus 3 stores it (`normalizeFloatsInLabelValues`:
/// Go's shortest `%g`, with `.0` added to a whole number), so that backfilled buckets are
/// the series the stack's Prometheus makes of a live scrape (`le="1"` becomes `le="1.0"`).
pub fn prometheus_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    // Shortest digits; Go's %g takes the exponent form below 1e-4 and from 1e6 on.
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if v != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let plain = format!("{v}");
    if plain.contains('.') {
        plain
    } else {
        format!("{plain}.0")
    }
}

/// One sample line of a text exposition with the target's labels and the timestamp, as
/// Prometheus stores a scraped sample: a label of the target that the sample already
/// carries is kept as `exported_<name>` (`honor_labels: false`), and a histogram bucket's
/// `le` (`bucket`) is written as Prometheus 3 stores it. None for comments, blank lines and
/// lines that are not a sample.
fn stamp(line: &str, target: &Target, target_labels: &str, t: f64, bucket: bool) -> Option<String> {
    let line = line.trim_end();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let (name, labels, rest) = split_sample(line)?;
    let value = rest.split_whitespace().next()?;
    let mut out = String::with_capacity(line.len() + target_labels.len() + 16);
    out.push_str(name);
    out.push('{');
    out.push_str(target_labels);
    if let Some(labels) = labels.filter(|l| !l.is_empty()) {
        out.push(',');
        let taken =
            |n: &str| n == "job" || n == "instance" || target.labels.iter().any(|(k, _)| *k == n);
        if bucket || label_names(labels).iter().any(|n| taken(n)) {
            for (i, (n, v)) in label_pairs(labels).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if taken(n) {
                    out.push_str("exported_");
                }
                match v.parse::<f64>() {
                    Ok(le) if bucket && *n == "le" => {
                        let _ = write!(out, "le=\"{}\"", prometheus_float(le));
                    }
                    _ => {
                        let _ = write!(out, "{n}=\"{v}\"");
                    }
                }
            }
        } else {
            out.push_str(labels);
        }
    }
    let _ = write!(out, "}} {value} {}", timestamp(t));
    Some(out)
}

/// `name{labels} rest` → (name, the text between the braces, rest).
fn split_sample(line: &str) -> Option<(&str, Option<&str>, &str)> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let rest = &line[name_end..];
    if let Some(body) = rest.strip_prefix('{') {
        let close = label_section_end(body)?;
        Some((
            name,
            Some(body[..close].trim_end_matches(',')),
            &body[close + 1..],
        ))
    } else {
        Some((name, None, rest))
    }
}

/// Index of the `}` that closes a label section (quotes and escapes respected).
fn label_section_end(body: &str) -> Option<usize> {
    let mut in_value = false;
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        match (in_value, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_value = false,
            (false, _, '"') => in_value = true,
            (false, _, '}') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `(name, escaped value)` of each label in a label section.
fn label_pairs(labels: &str) -> Vec<(&str, &str)> {
    let mut pairs = Vec::new();
    let mut rest = labels;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].trim().trim_start_matches(',').trim();
        let after = rest[eq + 1..].trim_start();
        let Some(body) = after.strip_prefix('"') else {
            break;
        };
        let mut escaped = false;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            break;
        };
        pairs.push((name, &body[..end]));
        rest = &body[end + 1..];
    }
    pairs
}

fn label_names(labels: &str) -> Vec<&str> {
    label_pairs(labels).into_iter().map(|(n, _)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GPU: Target = role_target("gpu", "gpu-exporter:9445", Role::Gpu);
    const PROXY: Target = TARGETS[8];

    #[test]
    fn durations_read_as_prometheus_writes_them() {
        assert_eq!(parse_duration("30s"), Ok(30.0));
        assert_eq!(parse_duration("300"), Ok(300.0));
        assert_eq!(parse_duration("5m"), Ok(300.0));
        assert_eq!(parse_duration("30d"), Ok(30.0 * DAY_S));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("3w").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn a_sample_gains_the_target_labels_and_a_timestamp() {
        let tl = target_labels(&GPU);
        assert_eq!(
            stamp("llm_monitor_gpu_utilization_ratio{gpu=\"0\"} 0.5", &GPU, &tl, 60.0, false).as_deref(),
            Some("llm_monitor_gpu_utilization_ratio{job=\"gpu\",instance=\"gpu-exporter:9445\",gpu=\"0\"} 0.5 60")
        );
        assert_eq!(
            stamp("x 1", &GPU, &tl, 1.5, false).as_deref(),
            Some("x{job=\"gpu\",instance=\"gpu-exporter:9445\"} 1 1.5")
        );
        assert_eq!(
            stamp("x{} 2", &GPU, &tl, 3.0, false).as_deref(),
            Some("x{job=\"gpu\",instance=\"gpu-exporter:9445\"} 2 3")
        );
        assert_eq!(stamp("# HELP x y", &GPU, &tl, 1.0, false), None);
        assert_eq!(stamp("", &GPU, &tl, 1.0, false), None);
    }

    #[test]
    fn a_label_the_target_also_sets_is_exported_as_prometheus_does() {
        let tl = target_labels(&PROXY);
        let line = r#"litellm_requests_total{service="x",model="a}\"b",job="j"} 3"#;
        assert_eq!(
            stamp(line, &PROXY, &tl, 9.0, false).as_deref(),
            Some(
                r#"litellm_requests_total{job="litellm-proxy",instance="sim-upstreams:9910",service="litellm",exported_service="x",model="a}\"b",exported_job="j"} 3 9"#
            )
        );
    }

    #[test]
    fn bucket_bounds_are_written_as_prometheus_3_stores_them() {
        for (v, want) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (2.5, "2.5"),
            (0.0, "0.0"),
            (100000.0, "100000.0"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(prometheus_float(v), want, "{v}");
        }
        let tl = target_labels(&GPU);
        assert_eq!(
            stamp("h_bucket{model=\"m\",le=\"1\"} 4", &GPU, &tl, 5.0, true).as_deref(),
            Some("h_bucket{job=\"gpu\",instance=\"gpu-exporter:9445\",model=\"m\",le=\"1.0\"} 4 5")
        );
    }

    #[test]
    fn instants_lie_on_the_step_grid_and_days_cut_at_utc_midnight() {
        let got: Vec<f64> = instants(10.0, 100.0, 30.0).collect();
        assert_eq!(got, [30.0, 60.0, 90.0]);
        let d = days(DAY_S - 60.0, 2.0 * DAY_S + 60.0, 30.0);
        assert_eq!(
            d,
            [
                (DAY_S - 60.0, DAY_S),
                (DAY_S, 2.0 * DAY_S),
                (2.0 * DAY_S, 2.0 * DAY_S + 60.0)
            ]
        );
        assert_eq!(day_file_name(DAY_S + 5.0), "history-1970-01-02.om");
    }
}
