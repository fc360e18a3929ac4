//! Simulated container logs in the style of each real program (vLLM, LiteLLM, Postgres …),
//! with errors in proportion to the scenario and the lines a fault would really print.
//! Lines are a pure function of (seed, container, second), so any window can be replayed.

use crate::scenario::Effects;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::fleet::{LogStyle, ServiceSpec, VllmSpec};
use super::scenario::{Conditions, Fault};
use super::signal::unit;
use super::traffic::{self, InstanceState, Traffic};
use super::Simulator;

/// Seconds of history one call looks back at most (bounds the work of a huge window).
const MAX_SCAN_S: f64 = 3.0 * 86_400.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One log line as Docker would hand it over, with the level Alloy would extract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogLine {
    /// Unix time with sub-second precision.
    pub ts: f64,
    pub container: String,
    pub stream: LogStream,
    /// debug, info, warning, error
    pub level: &'static str,
    pub line: String,
}

impl Simulator {
    /// Names of all simulated containers.
    pub fn container_names(&self) -> Vec<String> {
        self.fleet
            .vllm
            .iter()
            .map(|v| v.container.clone())
            .chain(self.fleet.services.iter().map(|s| s.container.clone()))
            .collect()
    }

    /// The last `limit` lines a container printed in (from, to]; None for an unknown name.
    pub fn logs(&self, container: &str, from: f64, to: f64, limit: usize) -> Option<Vec<LogLine>> {
        let vllm = self.fleet.vllm_spec(container);
        let service = self
            .fleet
            .services
            .iter()
            .find(|s| s.container == container);
        if vllm.is_none() && service.is_none() {
            return None;
        }
        let mut out = Vec::new();
        self.with_traffic(|tr| {
            let mut s = to.floor();
            let stop = from.max(to - MAX_SCAN_S);
            while s > stop && out.len() < limit {
                let mut lines = match (vllm, service) {
                    (Some(v), _) => vllm_second(tr, v, s),
                    (_, Some(svc)) => service_second(tr, svc, s),
                    _ => Vec::new(),
                };
                lines.retain(|(ts, ..)| *ts > from && *ts <= to);
                for (ts, stream, level, line) in lines.into_iter().rev() {
                    out.push(LogLine {
                        ts,
                        container: container.to_owned(),
                        stream,
                        level,
                        line,
                    });
                }
                s -= 1.0;
            }
        });
        out.truncate(limit);
        out.reverse();
        Some(out)
    }
}

type Raw = (f64, LogStream, &'static str, String);

fn stamp(t: f64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis((t * 1000.0) as i64).unwrap_or_default()
}

/// Events in second `s` at `rate` per second: floor(rate + u) has expectation `rate`.
fn events(seed: u64, key: &str, s: f64, rate: f64) -> usize {
    (rate + unit(seed, key, s as u64)).floor() as usize
}

fn vllm_prefix(spec: &VllmSpec, t: f64, level: &str, file: &str) -> String {
    let ts = stamp(t).format("%m-%d %H:%M:%S");
    if spec.engine() == "v0" {
        format!("{level} {ts} {file}]")
    } else {
        format!("{level} {ts} [{file}]")
    }
}

fn vllm_second(tr: &Traffic<'_>, spec: &VllmSpec, s: f64) -> Vec<Raw> {
    let seed = tr.seed;
    let c = &tr.timeline.at(s).conditions;
    let key = &spec.container;
    let mut out = Vec::new();
    match tr.state(spec, s) {
        InstanceState::Stopped => {}
        InstanceState::Loading => loading_lines(tr, spec, c, s, &mut out),
        InstanceState::Unhealthy => {
            if (s as u64).is_multiple_of(5) {
                out.push((
                    s,
                    LogStream::Stderr,
                    "error",
                    format!(
                        "{} AsyncLLM output_handler failed.",
                        vllm_prefix(spec, s, "ERROR", "async_llm.py:420")
                    ),
                ));
                out.push((s + 0.001, LogStream::Stderr, "error",
                    "vllm.v1.engine.exceptions.EngineDeadError: EngineCore encountered an issue. See stack trace (above) for the root cause.".to_owned()));
            }
        }
        InstanceState::Ready => {
            if (s as u64).is_multiple_of(10) {
                if let Some(i) = tr.instant(spec, s) {
                    let rate = tr.rate(spec, s);
                    let stats = if spec.engine() == "v0" {
                        format!("{} Avg prompt throughput: {:.1} tokens/s, Avg generation throughput: {:.1} tokens/s, Running: {} reqs, Swapped: 0 reqs, Pending: {} reqs, GPU KV cache usage: {:.1}%, CPU KV cache usage: 0.0%.",
                            vllm_prefix(spec, s, "INFO", "metrics.py:455"), rate * spec.prompt_tokens, rate * spec.generation_tokens, i.running, i.waiting, i.kv_cache * 100.0)
                    } else {
                        format!("{} Engine 000: Avg prompt throughput: {:.1} tokens/s, Avg generation throughput: {:.1} tokens/s, Running: {} reqs, Waiting: {} reqs, GPU KV cache usage: {:.1}%, Prefix cache hit rate: 35.0%",
                            vllm_prefix(spec, s, "INFO", "loggers.py:123"), rate * spec.prompt_tokens, rate * spec.generation_tokens, i.running, i.waiting, i.kv_cache * 100.0)
                    };
                    out.push((s, LogStream::Stdout, "info", stats));
                }
            }
            let route = match spec.model_type.litellm_mode() {
                "embedding" => "/v1/embeddings",
                "rerank" => "/v1/rerank",
                _ => "/v1/chat/completions",
            };
            for k in 0..events(seed, key, s, tr.rate(spec, s)) {
                let t = s + 0.1 + 0.8 * unit(seed, key, s as u64 * 16 + k as u64);
                let port = 40_000 + (unit(seed, "port", t as u64) * 20_000.0) as u32;
                if unit(seed, &format!("{key}/err"), (t * 1000.0) as u64) < c.error_ratio() {
                    out.push((
                        t,
                        LogStream::Stderr,
                        "error",
                        format!(
                            "{} Error in chat completion stream generator.",
                            vllm_prefix(spec, t, "ERROR", "serving_chat.py:1084")
                        ),
                    ));
                    out.push((t + 0.001, LogStream::Stdout, "error", format!(
                        "INFO:     172.18.0.5:{port} - \"POST {route} HTTP/1.1\" 500 Internal Server Error")));
                } else {
                    out.push((
                        t,
                        LogStream::Stdout,
                        "info",
                        format!("INFO:     172.18.0.5:{port} - \"POST {route} HTTP/1.1\" 200 OK"),
                    ));
                }
            }
        }
    }
    out
}

fn loading_lines(tr: &Traffic<'_>, spec: &VllmSpec, c: &Conditions, s: f64, out: &mut Vec<Raw>) {
    let phase = (s - tr.started_at(spec, s)).round() as i64;
    let crash =
        c.has(Fault::ContainerCrashLoop) && traffic::base_model(spec) == traffic::CRASH_LOOP_MODEL;
    let info = |file: &str, msg: String| {
        (
            s,
            LogStream::Stdout,
            "info",
            format!("{} {msg}", vllm_prefix(spec, s, "INFO", file)),
        )
    };
    match phase {
        0 => out.push(info(
            "__init__.py:239",
            "Automatically detected platform cuda.".to_owned(),
        )),
        2 => out.push(info(
            "api_server.py:1090",
            format!("vLLM API server version {}", spec.vllm_version),
        )),
        5 => out.push(info(
            "model_runner.py:1110",
            format!("Starting to load model {}...", spec.hf_id),
        )),
        24 if crash => {
            out.push((
                s,
                LogStream::Stderr,
                "error",
                format!(
                    "{} CUDA error: an illegal memory access was encountered",
                    vllm_prefix(spec, s, "ERROR", "engine.py:400")
                ),
            ));
            out.push((
                s + 0.001,
                LogStream::Stderr,
                "error",
                "RuntimeError: CUDA error: an illegal memory access was encountered".to_owned(),
            ));
        }
        p if !crash && p > 20 && p % 30 == 0 => {
            out.push((
                s,
                LogStream::Stderr,
                "error",
                format!(
                    "{} EngineCore failed to start.",
                    vllm_prefix(spec, s, "ERROR", "core.py:700")
                ),
            ));
            out.push((s + 0.001, LogStream::Stderr, "error", format!(
                "ValueError: To serve at least one request with the models's max seq len ({}), (5.00 GiB KV cache is needed, which is larger than the available KV cache memory (1.25 GiB). Based on the available memory, the estimated maximum model length is 10240. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
                spec.context_length)));
        }
        _ => {}
    }
}

/// Lines per second a service prints on its own, before traffic.
fn base_rate(style: LogStyle) -> f64 {
    match style {
        LogStyle::Postgres => 0.02,
        LogStyle::Redis => 0.005,
        LogStyle::ClickHouse => 0.05,
        LogStyle::Node => 0.03,
        LogStyle::Go => 0.01,
        LogStyle::Python => 0.01,
        LogStyle::Litellm | LogStyle::Nginx | LogStyle::Vllm => 0.0,
    }
}

fn service_second(tr: &Traffic<'_>, svc: &ServiceSpec, s: f64) -> Vec<Raw> {
    if svc.exited_with.is_some() {
        return Vec::new();
    }
    let seed = tr.seed;
    let c = &tr.timeline.at(s).conditions;
    let key = &svc.container;
    let request_rate = tr.total_rate().at(s) * c.traffic_factor();
    let rate = base_rate(svc.log_style)
        + match svc.log_style {
            LogStyle::Litellm | LogStyle::Nginx => request_rate,
            _ => 0.0,
        };
    let mut out = Vec::new();
    for k in 0..events(seed, key, s, rate) {
        let t = s + 0.05 + 0.9 * unit(seed, key, s as u64 * 16 + k as u64);
        let pick = unit(seed, &format!("{key}/pick"), (t * 1000.0) as u64);
        let error =
            unit(seed, &format!("{key}/err"), (t * 1000.0) as u64) < service_error_ratio(svc, c);
        out.push(service_line(svc, t, pick, error));
    }
    out
}

fn service_error_ratio(svc: &ServiceSpec, c: &Conditions) -> f64 {
    let sick = (c.has(Fault::UpstreamDown) && svc.compose_service == "langfuse-web")
        || (c.scenario == super::Scenario::Degraded && svc.compose_service == "langfuse-worker");
    if sick {
        0.9
    } else if matches!(svc.log_style, LogStyle::Litellm | LogStyle::Nginx) {
        c.error_ratio()
    } else {
        c.error_ratio() / 4.0
    }
}

fn service_line(svc: &ServiceSpec, t: f64, pick: f64, error: bool) -> Raw {
    let ts = stamp(t);
    let port = 30_000 + (pick * 30_000.0) as u32;
    let (stream, level) = if error {
        (LogStream::Stderr, "error")
    } else {
        (LogStream::Stdout, "info")
    };
    let line = match (svc.log_style, error) {
        (LogStyle::Litellm, false) => format!("INFO:     172.18.0.1:{port} - \"POST /chat/completions HTTP/1.1\" 200 OK"),
        (LogStyle::Litellm, true) => format!(
            "{} - LiteLLM Proxy:ERROR: proxy_server.py:3950 - litellm.proxy.proxy_server.chat_completion(): Exception occured - litellm.APIConnectionError: Hosted_vllmException - Connection error.",
            ts.format("%H:%M:%S")),
        (LogStyle::Postgres, false) => format!("{} UTC [{}] LOG:  checkpoint complete: wrote {} buffers ({:.1}%); 0 WAL file(s) added, 0 removed, 1 recycled",
            ts.format("%Y-%m-%d %H:%M:%S%.3f"), 100 + port % 900, port % 400, pick * 2.0),
        (LogStyle::Postgres, true) => format!("{} UTC [{}] ERROR:  duplicate key value violates unique constraint \"LiteLLM_SpendLogs_pkey\"",
            ts.format("%Y-%m-%d %H:%M:%S%.3f"), 100 + port % 900),
        (LogStyle::Redis, false) => format!("1:M {} * Background saving started by pid {}", ts.format("%d %b %Y %H:%M:%S%.3f"), port % 5000),
        (LogStyle::Redis, true) => format!("1:M {} # Error trying to save the DB, can't exit.", ts.format("%d %b %Y %H:%M:%S%.3f")),
        (LogStyle::ClickHouse, false) => format!("{} [ {} ] {{}} <Information> MergeTreeBackgroundExecutor: Merged 6 parts into all_1_6_1", ts.format("%Y.%m.%d %H:%M:%S%.6f"), port % 400),
        (LogStyle::ClickHouse, true) => format!("{} [ {} ] {{}} <Error> TCPHandler: Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)", ts.format("%Y.%m.%d %H:%M:%S%.6f"), port % 400),
        (LogStyle::Node, false) => format!("{{\"level\":\"info\",\"timestamp\":\"{}\",\"message\":\"Processed ingestion event batch\",\"events\":{}}}", ts.format("%Y-%m-%dT%H:%M:%S%.3fZ"), 1 + port % 20),
        (LogStyle::Node, true) => format!("{{\"level\":\"error\",\"timestamp\":\"{}\",\"message\":\"Failed to process trace upsert: connect ECONNREFUSED 172.18.0.9:8123\"}}", ts.format("%Y-%m-%dT%H:%M:%S%.3fZ")),
        (LogStyle::Go, false) => format!("ts={} level=info component={} msg=\"Completed maintenance cycle\" duration={}ms", ts.format("%Y-%m-%dT%H:%M:%S%.3fZ"), svc.compose_service, port % 300),
        (LogStyle::Go, true) => format!("ts={} level=error component={} msg=\"request failed\" err=\"context deadline exceeded\"", ts.format("%Y-%m-%dT%H:%M:%S%.3fZ"), svc.compose_service),
        (LogStyle::Nginx, e) => format!("172.18.0.1 - - [{}] \"POST /v1/chat/completions HTTP/1.1\" {} {} \"-\" \"python-requests/2.32.3\"",
            ts.format("%d/%b/%Y:%H:%M:%S +0000"), if e { 502 } else { 200 }, 200 + port % 4000),
        (LogStyle::Python | LogStyle::Vllm, false) => format!("{} - INFO - heartbeat ok", ts.format("%Y-%m-%d %H:%M:%S,%3f")),
        (LogStyle::Python | LogStyle::Vllm, true) => format!("{} - ERROR - upstream request failed: ReadTimeout", ts.format("%Y-%m-%d %H:%M:%S,%3f")),
    };
    (t, stream, level, line)
}
