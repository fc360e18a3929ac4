//! `llmmon status --hosts`: every server of a fleet read as `llmmon status` reads one
//! (each server's exporters directly), summed up in one line per server with the worst
//! server first: GPUs busy, hot and memory, models up, today's requests and error ratio,
//! and its worst problem.

use serde::Serialize;

use super::render::{num, pct, right, table};
use super::{gather as gather_one, ServerStatus, Severity};
use crate::endpoints::Endpoints;
use llmmon_core::thresholds::GPU_TEMP_WARNING_C;
use llmmon_exporter::vllm::VllmState;

/// One server: its name and its status.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Server {
    pub host: String,
    pub status: ServerStatus,
}

/// The figures of a server's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub host: String,
    pub reachable: bool,
    pub gpus: usize,
    pub busy: Option<f64>,
    pub hot: usize,
    pub memory: Option<f64>,
    pub models_up: usize,
    pub models: usize,
    pub requests_today: Option<f64>,
    pub error_ratio: Option<f64>,
    pub critical: usize,
    pub warnings: usize,
    pub worst: Option<String>,
}

impl Line {
    /// The server's problems in a few words: the counts of critical (✖) and warning (!)
    /// problems and the worst one, or that none of its exporters answers. The table of
    /// `status --hosts` and the fleet screen of `top` both show this.
    pub fn problems(&self) -> String {
        if !self.reachable {
            return "no exporter answers".to_owned();
        }
        let worst = self.worst.as_deref().unwrap_or("none");
        format!("{}✖ {}! {worst}", self.critical, self.warnings)
    }
}

/// Reads every server at once.
pub async fn gather(servers: &[(String, Endpoints)], mode: &str) -> Vec<Server> {
    let reads = servers.iter().map(|(host, endpoints)| async move {
        Server {
            host: host.clone(),
            status: gather_one(endpoints, mode).await,
        }
    });
    futures::future::join_all(reads).await
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = values.collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// A server's line.
pub fn line(s: &Server) -> Line {
    let st = &s.status;
    let count = |severity| {
        st.problems
            .iter()
            .filter(|p| p.severity == severity)
            .count()
    };
    let used: f64 = st.gpus.iter().filter_map(|g| g.memory_used_bytes).sum();
    let total: f64 = st.gpus.iter().filter_map(|g| g.memory_total_bytes).sum();
    Line {
        host: s.host.clone(),
        reachable: st.any_reachable(),
        gpus: st.gpus.len(),
        busy: mean(st.gpus.iter().filter_map(|g| g.utilization)),
        hot: st
            .gpus
            .iter()
            .filter(|g| g.temperature_celsius > Some(GPU_TEMP_WARNING_C))
            .count(),
        memory: (total > 0.0).then(|| used / total),
        models_up: st
            .models
            .iter()
            .filter(|m| m.state == Some(VllmState::Ready))
            .count(),
        models: st.models.len(),
        requests_today: st.traffic.as_ref().map(|t| t.requests),
        error_ratio: st
            .traffic
            .as_ref()
            .filter(|t| t.requests > 0.0)
            .map(|t| t.failed / t.requests),
        critical: count(Severity::Critical),
        warnings: count(Severity::Warning),
        worst: st.problems.first().map(|p| p.message.clone()),
    }
}

/// Every line, the worst server first: unreachable, then by critical and warning problems.
pub fn lines(servers: &[Server]) -> Vec<Line> {
    let mut all: Vec<Line> = servers.iter().map(line).collect();
    sort_worst_first(&mut all);
    all
}

/// Unreachable servers first, then by critical and warning problems, then by name.
pub fn sort_worst_first(all: &mut [Line]) {
    all.sort_by(|a, b| {
        (a.reachable, b.critical, b.warnings, &a.host).cmp(&(
            b.reachable,
            a.critical,
            a.warnings,
            &b.host,
        ))
    });
}

/// Whether any server has a critical problem or does not answer at all.
pub fn has_critical(servers: &[Server]) -> bool {
    servers
        .iter()
        .any(|s| s.status.has_critical() || !s.status.any_reachable())
}

/// The fleet as a table.
pub fn render_text(servers: &[Server]) -> String {
    render_lines(&lines(servers))
}

/// Lines (worst first) as a table.
pub fn render_lines(lines: &[Line]) -> String {
    let mut t = table(&[
        "HOST",
        "GPUS",
        "BUSY",
        "HOT",
        "MEM",
        "MODELS",
        "REQ TODAY",
        "ERR",
        "PROBLEMS",
    ]);
    for l in lines.iter().cloned() {
        let problems = l.problems();
        t.add_row(vec![
            l.host,
            l.gpus.to_string(),
            pct(l.busy),
            l.hot.to_string(),
            pct(l.memory),
            format!("{}/{}", l.models_up, l.models),
            num(l.requests_today),
            pct(l.error_ratio),
            problems,
        ]);
    }
    right(&mut t, &[1, 2, 3, 4, 5, 6, 7]);
    format!("llmmon status — {} servers\n{t}\n", lines.len())
}
