//! Reading the targets: the history of each (Docker or Loki, filtered, the last `--tail`),
//! then for `--follow` a stream of new lines per target, picking up where its history ended.

use std::sync::Arc;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::docker::{Engine, ReadOptions};
use super::entry::{keep_last, Entry};
use super::filter::Filter;
use super::loki::{self, Loki};
use super::resolve::Target;
use super::time::Nanos;

/// How often `--follow` asks Loki for new lines.
pub const LOKI_POLL: Duration = Duration::from_secs(1);

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

    fn docker(&self) -> Result<&Engine, String> {
        self.docker
            .as_ref()
            .ok_or_else(|| "internal: a Docker target without Docker".to_owned())
    }

    /// The history of `target`.
    pub async fn history(&self, target: &Target) -> Result<History, String> {
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
                stream.try_collect::<Vec<Entry>>().await?
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

    /// New lines of `target` after its history (`newest`, else `--since`, else `end`).
    pub async fn follow(
        &self,
        target: &Target,
        newest: Option<Nanos>,
    ) -> Result<BoxStream<'static, Result<Entry, String>>, String> {
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
                    .try_filter(move |e| {
                        let new =
                            newest.is_none_or(|n| e.time > n) && since.is_none_or(|s| e.time >= s);
                        futures::future::ready(new)
                    })
                    .boxed()
            }
            Target::Loki(sel) => {
                let q = loki::logql(sel, &self.filter);
                Arc::clone(&self.loki).follow(q, self.end, LOKI_POLL)
            }
        };
        Ok(stream
            .try_filter(move |e| futures::future::ready(filter.matches(e)))
            .boxed())
    }
}
