//! Where `llmmon top` tails logs from: the simulator's `/sim/logs` in the demo, the Docker
//! API on a real server. Each source returns the lines after a given time.

use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde::Deserialize;

/// One log line as the TUI shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Line {
    /// Unix time with sub-second precision.
    pub ts: f64,
    /// debug, info, warning, error
    pub level: String,
    pub line: String,
}

/// Lines of one container printed after `since` (at most `limit`, the newest).
#[async_trait]
pub trait LogSource: Send + Sync {
    async fn tail(&self, container: &str, since: f64, limit: usize) -> Result<Vec<Line>, String>;
}

/// The simulator's logs, served by the in-process demo's containers role.
pub struct SimLogs {
    pub base_url: String,
    pub client: reqwest::Client,
}

#[async_trait]
impl LogSource for SimLogs {
    async fn tail(&self, container: &str, since: f64, limit: usize) -> Result<Vec<Line>, String> {
        let resp = self
            .client
            .get(format!("{}/sim/logs", self.base_url))
            .query(&[
                ("container", container),
                ("since", &since.to_string()),
                ("limit", &limit.to_string()),
            ])
            .timeout(Duration::from_secs(3))
            .send()
            .await
            .map_err(|e| crate::scrape::describe(&e))?;
        if !resp.status().is_success() {
            return Err(format!("logs: HTTP {}", resp.status()));
        }
        resp.json().await.map_err(|e| crate::scrape::describe(&e))
    }
}

/// A real server's logs through the Docker API.
pub struct DockerLogs {
    pub client: llmmon_exporter::docker::DockerClient,
}

/// The level a log line states, the way Alloy's pipeline extracts it.
pub fn level_of(line: &str) -> &'static str {
    let l = line.to_ascii_lowercase();
    if l.contains("error") || l.contains("fatal") || l.contains("panic") || l.contains("traceback")
    {
        "error"
    } else if l.contains("warn") {
        "warning"
    } else if l.contains("debug") {
        "debug"
    } else {
        "info"
    }
}

#[async_trait]
impl LogSource for DockerLogs {
    async fn tail(&self, container: &str, since: f64, limit: usize) -> Result<Vec<Line>, String> {
        use bollard::query_parameters::LogsOptions;
        let docker = self.client.get().await.map_err(|e| e.to_string())?;
        let mut stream = docker.logs(
            container,
            Some(LogsOptions {
                stdout: true,
                stderr: true,
                timestamps: true,
                since: since.max(0.0) as i32,
                tail: limit.to_string(),
                ..Default::default()
            }),
        );
        let mut out = Vec::new();
        while let Some(item) = stream.next().await {
            let text = item
                .map_err(|e| self.client.unavailable(&e).to_string())?
                .to_string();
            for raw in text.lines() {
                let (stamp, line) = raw.split_once(' ').unwrap_or(("", raw));
                let ts = chrono::DateTime::parse_from_rfc3339(stamp)
                    .map(|t| t.timestamp_micros() as f64 / 1e6)
                    .unwrap_or(since);
                out.push(Line {
                    ts,
                    level: level_of(line).to_owned(),
                    line: line.to_owned(),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_read_from_the_line() {
        assert_eq!(
            level_of("ERROR 11-25 12:00:00 [core.py:700] EngineCore failed to start."),
            "error"
        );
        assert_eq!(level_of("ts=… level=warn msg=slow"), "warning");
        assert_eq!(
            level_of("INFO:     172.18.0.5:4000 - \"POST /v1/chat/completions HTTP/1.1\" 200 OK"),
            "info"
        );
    }
}
