//! Where `llmmon top` tails logs from: the simulator's `/sim/logs` in the demo, the Docker
//! API on a real server. Each source returns the lines after a given time.

use std::time::Duration;

use async_trait::async_trait;
use futures::TryStreamExt;
use serde::Deserialize;

use crate::logs::docker::{read, ReadOptions};
use crate::logs::level::Level;
use llmmon_core::scrape::HttpFailure;
use llmmon_core::source::SourceError;

/// One log line as the TUI shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Line {
    /// Unix time with sub-second precision.
    pub ts: f64,
    /// debug, info, warning, error
    pub level: String,
    pub line: String,
}

/// Why a log source gave no lines; the log pane shows it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TailError {
    #[error(transparent)]
    Http(#[from] HttpFailure),
    #[error("logs: HTTP {0}")]
    Status(reqwest::StatusCode),
    #[error(transparent)]
    Docker(#[from] SourceError),
}

/// What a log source answers: the lines, or why none.
pub type Tail = Result<Vec<Line>, TailError>;

/// Lines of one container printed after `since` (at most `limit`, the newest).
#[async_trait]
pub trait LogSource: Send + Sync {
    async fn tail(&self, container: &str, since: f64, limit: usize) -> Tail;
}

/// The simulator's logs, served by the in-process demo's containers role.
pub struct SimLogs {
    pub base_url: String,
    pub client: reqwest::Client,
}

#[async_trait]
impl LogSource for SimLogs {
    async fn tail(&self, container: &str, since: f64, limit: usize) -> Tail {
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
            .map_err(HttpFailure::from)?;
        if !resp.status().is_success() {
            return Err(TailError::Status(resp.status()));
        }
        Ok(resp.json().await.map_err(HttpFailure::from)?)
    }
}

/// A real server's logs through the Docker API.
pub struct DockerLogs {
    pub client: llmmon_core::docker::DockerClient,
}

/// The level a log line states (shared with `llmmon logs`), in the pane's words.
pub fn level_of(line: &str) -> &'static str {
    match Level::detect(line) {
        Level::Warn => "warning",
        other => other.as_str(),
    }
}

#[async_trait]
impl LogSource for DockerLogs {
    async fn tail(&self, container: &str, since: f64, limit: usize) -> Tail {
        let docker = self.client.get().await?;
        let opts = ReadOptions {
            since: Some((since.max(0.0) * 1e9) as i64),
            tail: Some(limit),
            ..ReadOptions::default()
        };
        let lines: Vec<_> = read(&docker, container, &opts)
            .try_collect()
            .await
            .map_err(|e| self.client.unavailable(&e))?;
        Ok(lines
            .into_iter()
            .map(|l| Line {
                ts: l.time as f64 / 1e9,
                level: level_of(&l.text).to_owned(),
                line: l.text,
            })
            .collect())
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
