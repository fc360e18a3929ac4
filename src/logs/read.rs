//! Reading the targets: the history of each (Docker or Loki, filtered, the last `--tail`),
//! then for `--follow` a stream of new lines per target, picking up where its history ended.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::docker::{Engine, EngineError, ReadOptions};
use super::entry::{keep_last, Entry};
use super::filter::Filter;
use super::loki::{self, Loki, LokiError};
use super::resolve::Target;
use super::time::Nanos;

/// How often `--follow` asks Loki for new lines.
pub const LOKI_POLL: Duration = Duration::from_secs(1);

/// How much earlier than Docker's oldest line `--since` must reach before Loki is asked for
/// the older part (Docker rotates logs away; a recreated container starts afresh).
pub const OLDER_THAN_DOCKER: Nanos = 60 * super::time::SECOND;

/// Why a target's lines could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Docker(#[from] EngineError),
    #[error(transparent)]
    Loki(#[from] LokiError),
    /// A bug: targets are only resolved to Docker when Docker is read.
    #[error("internal: a Docker target without Docker")]
    NoDocker,
}

/// What is read and from where.
pub struct Reader {
    /// None with `--loki`.
    pub docker: Option<Engine>,
    pub loki: Arc<Loki>,
    pub filter: Filter,
    /// `--since` (Loki: else [`loki::LOOKBACK`] before `end`).
    pub since: Option<Nanos>,
    /// `--until`, else when the command started.
    pub end: Nanos,
    /// Whether `end` is `--until` (else "now").
    pub until_given: bool,
    /// `--tail`, per target.
    pub tail: Option<usize>,
}

/// One target's history: the lines shown, and the time of the newest line read before
/// filtering (where following picks up).
pub struct History {
    pub entries: Vec<Entry>,
    pub newest: Option<Nanos>,
}

impl Reader {
    /// Where Loki history starts.
    pub fn loki_start(&self) -> Nanos {
        self.since.unwrap_or(self.end - loki::LOOKBACK)
    }

    fn in_range(&self, t: Nanos) -> bool {
        self.since.is_none_or(|s| t >= s) && (!self.until_given || t <= self.end)
    }

    fn docker(&self) -> Result<&Engine, ReadError> {
        self.docker.as_ref().ok_or(ReadError::NoDocker)
    }

    /// The history of `target`.
    pub async fn history(&self, target: &Target) -> Result<History, ReadError> {
        let read = match target {
            Target::Docker(c) => {
                let opts = ReadOptions {
                    since: self.since,
                    until: self.until_given.then_some(self.end),
                    // With a filter, the last N lines shown are not Docker's last N.
                    tail: self.tail.filter(|_| self.filter.passes_all()),
                    follow: false,
                };
                let stream = self.docker()?.entries(c, &opts).await?;
                let recent = stream.try_collect::<Vec<Entry>>().await?;
                let mut older = self.older_than_docker(c, &recent).await;
                older.extend(recent);
                older
            }
            Target::Loki(sel) => {
                let q = loki::logql(sel, &self.filter);
                self.loki
                    .history(&q, self.loki_start(), self.end, self.tail)
                    .await?
            }
        };
        let newest = read.iter().map(|e| e.time).max();
        let shown = read
            .into_iter()
            .filter(|e| self.in_range(e.time) && self.filter.matches(e))
            .collect();
        Ok(History {
            entries: keep_last(shown, self.tail),
            newest,
        })
    }

    /// With `--since` before the oldest line Docker still has (rotated away, or the
    /// container recreated under the same name), that older part from Loki. Loki is optional
    /// here: when it does not answer, Docker's lines are all there is.
    async fn older_than_docker(
        &self,
        c: &super::docker::Container,
        recent: &[Entry],
    ) -> Vec<Entry> {
        let Some(since) = self.since else {
            return Vec::new();
        };
        let oldest = recent.iter().map(|e| e.time).min().unwrap_or(self.end);
        let enough = self.tail.is_some_and(|n| recent.len() >= n) && self.filter.passes_all();
        if enough || oldest - since <= OLDER_THAN_DOCKER {
            return Vec::new();
        }
        let q = loki::logql(&loki::Selector::Container(c.name.clone()), &self.filter);
        match self.loki.history(&q, since, oldest, self.tail).await {
            Ok(lines) => lines.into_iter().filter(|e| e.time < oldest).collect(),
            Err(e) => {
                tracing::info!(container = %c.name, error = %e, "no older lines from Loki");
                Vec::new()
            }
        }
    }

    /// New lines of `target` after its history (`newest`, else `--since`, else `end`).
    pub async fn follow(
        &self,
        target: &Target,
        newest: Option<Nanos>,
    ) -> Result<BoxStream<'static, Result<Entry, ReadError>>, ReadError> {
        let filter = self.filter.clone();
        let since = self.since;
        let stream = match target {
            Target::Docker(c) => {
                let opts = ReadOptions {
                    since: Some(newest.or(since).unwrap_or(self.end)),
                    follow: true,
                    ..ReadOptions::default()
                };
                self.docker()?
                    .entries(c, &opts)
                    .await?
                    .err_into()
                    .try_filter(move |e| {
                        let new =
                            newest.is_none_or(|n| e.time > n) && since.is_none_or(|s| e.time >= s);
                        futures::future::ready(new)
                    })
                    .boxed()
            }
            Target::Loki(sel) => {
                let q = loki::logql(sel, &self.filter);
                Arc::clone(&self.loki)
                    .follow(q, self.end, LOKI_POLL)
                    .err_into()
                    .boxed()
            }
        };
        Ok(stream
            .try_filter(move |e| futures::future::ready(filter.matches(e)))
            .boxed())
    }
}
