//! What in a status deserves a look, with the same thresholds as the alert rules.

use llmmon_core::thresholds::*;
use llmmon_core::xid::Health;
use serde::Serialize;

use super::ServerStatus;
use llmmon_exporter::containers::{ContainerHealth, ContainerState};
use llmmon_exporter::vllm::VllmState;

/// The alert rules' severities: a problem is as urgent as the alert on the same condition.
pub use crate::rules::Severity;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub message: String,
}

/// Requests a model must have served today before its error ratio means anything.
const MIN_REQUESTS_FOR_RATIO: f64 = 20.0;

pub fn find(s: &ServerStatus) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut push = |severity, message: String| out.push(Problem { severity, message });
    for src in &s.sources {
        if let Some(e) = &src.error {
            push(
                Severity::Critical,
                format!("exporter {} unreachable at {}: {e}", src.role, src.url),
            );
        }
        for f in &src.failing {
            push(
                Severity::Warning,
                format!("exporter {}: source {f} failing", src.role),
            );
        }
    }
    for g in &s.gpus {
        // The exporter's verdict: its worst problem names the GPU (hardware slowdowns are
        // left to the temperature below, which says more).
        if let Some((health, problem, _)) = g.health_problems.first() {
            let severity = match health {
                Health::Critical => Some(Severity::Critical),
                Health::Warning if !problem.starts_with("hardware slowdown") => {
                    Some(Severity::Warning)
                }
                _ => None,
            };
            if let Some(severity) = severity {
                push(severity, format!("GPU {} {health}: {problem}", g.index));
            }
        }
        match g.temperature_celsius {
            Some(t) if t > GPU_TEMP_CRITICAL_C => push(
                Severity::Critical,
                format!(
                    "GPU {} at {t:.0} °C (critical above {GPU_TEMP_CRITICAL_C:.0} °C)",
                    g.index
                ),
            ),
            Some(t) if t > GPU_TEMP_WARNING_C => push(
                Severity::Warning,
                format!(
                    "GPU {} at {t:.0} °C (warning above {GPU_TEMP_WARNING_C:.0} °C)",
                    g.index
                ),
            ),
            _ => {}
        }
        if let (Some(used), Some(total)) = (g.memory_used_bytes, g.memory_total_bytes) {
            if total > 0.0 && used / total > GPU_MEMORY_CRITICAL_RATIO {
                push(
                    Severity::Critical,
                    format!("GPU {} memory {:.0} % full", g.index, 100.0 * used / total),
                );
            }
        }
    }
    for c in &s.containers {
        if c.crash_looping {
            push(
                Severity::Critical,
                format!(
                    "container {} is crash-looping ({} restarts)",
                    c.name,
                    c.restarts.unwrap_or(0.0)
                ),
            );
        } else if c.state == Some(ContainerState::Restarting) {
            push(
                Severity::Warning,
                format!("container {} is restarting", c.name),
            );
        }
        if c.health == Some(ContainerHealth::Unhealthy) {
            push(
                Severity::Warning,
                format!("container {} is unhealthy", c.name),
            );
        }
    }
    for m in &s.models {
        match m.state {
            Some(VllmState::Unhealthy) => push(
                Severity::Critical,
                format!("model {} is unhealthy ({})", m.model, m.container),
            ),
            Some(VllmState::Loading) => push(
                Severity::Warning,
                format!("model {} is loading ({})", m.model, m.container),
            ),
            Some(VllmState::Stopped) => push(
                Severity::Warning,
                format!("model {} is stopped ({})", m.model, m.container),
            ),
            _ => {}
        }
        if let Some(kv) = m.kv_cache_usage.filter(|kv| *kv > KV_CACHE_WARNING_RATIO) {
            push(
                Severity::Warning,
                format!("model {} KV cache {:.0} % full", m.model, kv * 100.0),
            );
        }
        if let Some(w) = m.waiting.filter(|w| *w > QUEUE_WARNING_REQUESTS) {
            push(
                Severity::Warning,
                format!("model {} has {w:.0} requests waiting", m.model),
            );
        }
        // A stopped model's failed requests are its being stopped, reported above (and
        // planned in maintenance, like the alert rules have it); a crash-looping one's are
        // its crash loop, reported with its container.
        let crash_looping = s
            .containers
            .iter()
            .any(|c| c.name == m.container && c.crash_looping);
        if let (Some(total), Some(failed), false) = (
            m.requests_today,
            m.failed_today,
            m.state == Some(VllmState::Stopped) || crash_looping,
        ) {
            if total >= MIN_REQUESTS_FOR_RATIO && failed / total > ERROR_RATIO_CRITICAL {
                push(
                    Severity::Critical,
                    format!(
                        "model {} failed {:.1} % of requests today",
                        m.model,
                        100.0 * failed / total
                    ),
                );
            }
        }
    }
    out.sort_by_key(|p| p.severity);
    out
}
