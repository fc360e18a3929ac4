//! Log history from Loki's HTTP API: `query_range` with the labels our Alloy pipeline sets
//! (`container`, `compose_service`, `stream`, `level`), paged until the range or `--tail` is
//! done, and polled for `--follow`; `label/<name>/values` to find containers that are gone.
//! Error messages name the URL without its credentials.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::StreamExt;
use llmmon_core::scrape::HttpFailure;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::entry::{Entry, Stream};
use super::filter::Filter;
use super::level::Level;
use super::time::{self, Nanos};

/// Entries asked for per `query_range` request (Loki's default `max_entries_limit_per_query`
/// is 5000).
pub const PAGE: usize = 1000;
/// How far back history goes without `--since`: the stack's Loki retention (720h).
pub const LOOKBACK: Nanos = 30 * 86_400 * time::SECOND;
/// Seconds one Loki request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Which streams a query reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selector {
    /// `{container="NAME"}`
    Container(String),
    /// `{compose_service="NAME"}`: every container of the service, gone ones included.
    Service(String),
}

impl Selector {
    /// The name the user gave.
    pub fn name(&self) -> &str {
        match self {
            Self::Container(n) | Self::Service(n) => n,
        }
    }
}

/// The LogQL query for `selector` with `filter`: the level through the `level` label (this
/// level or more severe; Loki's `unknown` counts as info), `--grep` as a regex line filter.
pub fn logql(selector: &Selector, filter: &Filter) -> String {
    let (label, value) = match selector {
        Selector::Container(n) => ("container", n),
        Selector::Service(n) => ("compose_service", n),
    };
    let mut q = format!("{{{label}={}", quote(value));
    if let Some(m) = filter.level.and_then(level_matcher) {
        q.push_str(", ");
        q.push_str(m);
    }
    q.push('}');
    if let Some(p) = &filter.pattern {
        let flags = if filter.ignore_case { "(?i)" } else { "" };
        q.push_str(" |~ ");
        q.push_str(&quote(&format!("{flags}{p}")));
    }
    q
}

/// The `level` label matcher for lines at `min` or above (Alloy's values: trace, debug,
/// info, notice, warn, error, fatal, unknown).
fn level_matcher(min: Level) -> Option<&'static str> {
    match min {
        Level::Debug => None,
        Level::Info => Some(r#"level!~"trace|debug""#),
        Level::Warn => Some(r#"level=~"warn|error|fatal""#),
        Level::Error => Some(r#"level=~"error|fatal""#),
    }
}

/// `s` as a double-quoted LogQL string.
fn quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '\\' => q.push_str(r"\\"),
            '"' => q.push_str("\\\""),
            '\n' => q.push_str(r"\n"),
            '\r' => q.push_str(r"\r"),
            '\t' => q.push_str(r"\t"),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// Which end of the range a query starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Forward => "forward",
            Self::Backward => "backward",
        }
    }
}

/// Why Loki gave no lines. Every message names Loki's URL without its credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LokiError {
    #[error(
        "cannot reach Loki at {url}: {why}; is the stack up? set loki in the config or \
         LLMMON_LOKI_URL, or pass --loki=URL"
    )]
    Unreachable { url: String, why: HttpFailure },
    /// The answer broke off.
    #[error("Loki at {url}: {why}")]
    Body { url: String, why: HttpFailure },
    #[error("Loki at {url} answered HTTP {status}: {reason}")]
    Status {
        url: String,
        status: u16,
        reason: String,
    },
    /// Loki's envelope says the query failed (a LogQL error, a limit).
    #[error("Loki at {url} answered {status}: {reason}")]
    Failed {
        url: String,
        status: String,
        reason: String,
    },
    #[error("Loki at {url} sent a malformed answer to {path}: {why}")]
    Malformed {
        url: String,
        path: String,
        why: String,
    },
}

/// A Loki server.
pub struct Loki {
    base: String,
    shown: String,
    http: reqwest::Client,
}

/// Loki's answer envelope.
#[derive(Deserialize)]
struct Answer<T> {
    status: String,
    data: Option<T>,
    error: Option<String>,
}

/// `data` of a `query_range` answer.
#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: Vec<StreamResult>,
}

/// One stream: its labels and its `[ "<unix ns>", "<line>" ]` values (Loki 3 may add a
/// third element with structured metadata).
#[derive(Deserialize)]
struct StreamResult {
    stream: HashMap<String, String>,
    values: Vec<Vec<serde_json::Value>>,
}

impl Loki {
    /// The Loki at `base` (`http://host:port`).
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            shown: without_credentials(base),
            http: reqwest::Client::new(),
        }
    }

    /// The URL, for messages (no credentials).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// GETs `path` with `params` and reads Loki's envelope.
    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<T, LokiError> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .query(params)
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(|e| LokiError::Unreachable {
                url: self.shown.clone(),
                why: HttpFailure::from(&e),
            })?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| LokiError::Body {
            url: self.shown.clone(),
            why: HttpFailure::from(&e),
        })?;
        if !status.is_success() {
            return Err(LokiError::Status {
                url: self.shown.clone(),
                status: status.as_u16(),
                reason: first_line(&body),
            });
        }
        let answer: Answer<T> =
            serde_json::from_str(&body).map_err(|e| self.malformed(path, &e))?;
        match (answer.status.as_str(), answer.data) {
            ("success", Some(data)) => Ok(data),
            ("success", None) => Err(self.malformed(path, &"no data")),
            (other, _) => Err(LokiError::Failed {
                url: self.shown.clone(),
                status: other.to_owned(),
                reason: first_line(answer.error.as_deref().unwrap_or("no reason given")),
            }),
        }
    }

    fn malformed(&self, path: &str, why: &dyn std::fmt::Display) -> LokiError {
        LokiError::Malformed {
            url: self.shown.clone(),
            path: path.to_owned(),
            why: first_line(&why.to_string()),
        }
    }

    /// The values of `label` on streams with lines between `start` and `end`.
    pub async fn label_values(
        &self,
        label: &str,
        start: Nanos,
        end: Nanos,
    ) -> Result<Vec<String>, LokiError> {
        self.get(
            &format!("/loki/api/v1/label/{label}/values"),
            &[("start", start.to_string()), ("end", end.to_string())],
        )
        .await
    }

    /// One `query_range` request: at most `limit` lines of `query` from `start` (inclusive)
    /// to `end` (exclusive).
    pub async fn query_range(
        &self,
        query: &str,
        start: Nanos,
        end: Nanos,
        limit: usize,
        direction: Direction,
    ) -> Result<Vec<Entry>, LokiError> {
        const PATH: &str = "/loki/api/v1/query_range";
        tracing::debug!(query, start, end, limit, "loki query_range");
        let data: QueryData = self
            .get(
                PATH,
                &[
                    ("query", query.to_owned()),
                    ("start", start.to_string()),
                    ("end", end.to_string()),
                    ("limit", limit.to_string()),
                    ("direction", direction.as_str().to_owned()),
                ],
            )
            .await?;
        if data.result_type != "streams" {
            return Err(self.malformed(
                PATH,
                &format!("resultType is {:?}, not \"streams\"", data.result_type),
            ));
        }
        let mut out = Vec::new();
        for s in data.result {
            for v in &s.values {
                out.push(entry_of(&s.stream, v).ok_or_else(|| {
                    self.malformed(PATH, &"a value is not [\"<unix ns>\", \"<line>\"]")
                })?);
            }
        }
        Ok(out)
    }

    /// Every line of `query` from `start` to `end` (oldest first), or only the last `tail`,
    /// paging through `query_range`.
    pub async fn history(
        &self,
        query: &str,
        start: Nanos,
        end: Nanos,
        tail: Option<usize>,
    ) -> Result<Vec<Entry>, LokiError> {
        let direction = if tail.is_some() {
            Direction::Backward
        } else {
            Direction::Forward
        };
        let mut pager = Pager::new(direction, start, end);
        let mut out = Vec::new();
        while tail.is_none_or(|n| out.len() < n) && pager.lo < pager.hi {
            let page = self
                .query_range(query, pager.lo, pager.hi, PAGE, direction)
                .await?;
            let full = page.len() >= PAGE;
            let fresh = pager.advance(page);
            let progressed = !fresh.is_empty();
            out.extend(fresh);
            if !full || !progressed {
                break;
            }
        }
        if direction == Direction::Backward {
            out.truncate(tail.unwrap_or(usize::MAX));
            out.reverse();
        }
        Ok(out)
    }

    /// New lines of `query` from `from` on, polling every `every` (sooner while a poll fills
    /// a page). Ends after the first error, which it yields.
    pub fn follow(
        self: Arc<Self>,
        query: String,
        from: Nanos,
        every: Duration,
    ) -> BoxStream<'static, Result<Entry, LokiError>> {
        let state = Some((Pager::new(Direction::Forward, from, from), false));
        futures::stream::unfold(state, move |state| {
            let (loki, query) = (Arc::clone(&self), query.clone());
            async move {
                let (mut pager, was_full) = state?;
                if !was_full {
                    tokio::time::sleep(every).await;
                }
                pager.hi = time::now() + 1;
                match loki
                    .query_range(&query, pager.lo, pager.hi, PAGE, Direction::Forward)
                    .await
                {
                    Ok(page) => {
                        let full = page.len() >= PAGE;
                        let fresh = pager.advance(page);
                        let items = fresh.into_iter().map(Ok).collect::<Vec<_>>();
                        Some((items, Some((pager, full))))
                    }
                    Err(e) => Some((vec![Err(e)], None)),
                }
            }
        })
        .flat_map(futures::stream::iter)
        .boxed()
    }
}

/// The entry of one `[ts, line, …]` value of a stream with `labels`.
fn entry_of(labels: &HashMap<String, String>, value: &[serde_json::Value]) -> Option<Entry> {
    let time: Nanos = value.first()?.as_str()?.parse().ok()?;
    let line = value.get(1)?.as_str()?.to_owned();
    let level = labels
        .get("level")
        .and_then(|l| Level::from_word(l))
        .unwrap_or_else(|| Level::detect(&line));
    Some(Entry {
        time,
        container: labels
            .get("container")
            .or_else(|| labels.get("compose_service"))
            .cloned()
            .unwrap_or_default(),
        stream: Stream::from_label(labels.get("stream").map(String::as_str)),
        level,
        line,
    })
}

/// Where the next page starts. Loki's `start` is inclusive and its `end` exclusive, and
/// several lines may share a nanosecond, so each page starts at the last page's final time
/// and the lines already taken at that time are dropped.
#[derive(Debug)]
struct Pager {
    direction: Direction,
    lo: Nanos,
    hi: Nanos,
    at_cursor: Vec<Entry>,
}

impl Pager {
    fn new(direction: Direction, lo: Nanos, hi: Nanos) -> Self {
        Self {
            direction,
            lo,
            hi,
            at_cursor: Vec::new(),
        }
    }

    /// The lines of `page` not taken before, in the query's order, and the cursor moved past
    /// them.
    fn advance(&mut self, mut page: Vec<Entry>) -> Vec<Entry> {
        match self.direction {
            Direction::Forward => page.sort_by_key(|e| e.time),
            Direction::Backward => page.sort_by_key(|e| std::cmp::Reverse(e.time)),
        }
        let Some(cursor) = page.last().map(|e| e.time) else {
            return page;
        };
        let fresh: Vec<Entry> = page
            .iter()
            .filter(|e| !self.at_cursor.contains(e))
            .cloned()
            .collect();
        if fresh.is_empty() {
            return fresh;
        }
        match self.direction {
            Direction::Forward => self.lo = cursor,
            Direction::Backward => self.hi = cursor + 1,
        }
        page.retain(|e| e.time == cursor);
        self.at_cursor = page;
        fresh
    }
}

/// `url` without a user name or password.
fn without_credentials(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string().trim_end_matches('/').to_owned()
        }
        _ => url.trim_end_matches('/').to_owned(),
    }
}

/// The first line of `s`, at most 200 characters.
fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::entry::entry;

    #[test]
    fn logql_uses_the_alloy_labels_and_escapes() {
        let plain = Filter::default();
        assert_eq!(
            logql(&Selector::Container("vllm-qwen".into()), &plain),
            r#"{container="vllm-qwen"}"#
        );
        let f = Filter::new(Some(r#"say "hi" \d+"#), true, Some(Level::Warn)).expect("valid");
        assert_eq!(
            logql(&Selector::Service("qwen".into()), &f),
            r#"{compose_service="qwen", level=~"warn|error|fatal"} |~ "(?i)say \"hi\" \\d+""#
        );
        let info = Filter::new(None, false, Some(Level::Info)).expect("valid");
        assert!(logql(&Selector::Container("a\"b".into()), &info)
            .starts_with(r#"{container="a\"b", level!~"trace|debug"}"#));
    }

    #[test]
    fn values_become_entries_with_labels() {
        let labels: HashMap<String, String> = [
            ("container", "db"),
            ("stream", "stderr"),
            ("level", "unknown"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let e = entry_of(
            &labels,
            &[serde_json::json!("17"), serde_json::json!("FATAL: x")],
        )
        .expect("entry");
        assert_eq!(
            (e.time, e.container.as_str(), e.stream, e.level),
            (17, "db", Stream::Stderr, Level::Error)
        );
        assert!(entry_of(&labels, &[serde_json::json!(17), serde_json::json!("x")]).is_none());
        assert!(entry_of(&labels, &[serde_json::json!("17")]).is_none());
    }

    #[test]
    fn the_pager_drops_lines_seen_at_the_cursor() {
        let mut p = Pager::new(Direction::Forward, 0, 100);
        let first = p.advance(vec![
            entry(2, "c", "b"),
            entry(1, "c", "a"),
            entry(2, "c", "c"),
        ]);
        assert_eq!(first.len(), 3);
        assert_eq!(p.lo, 2);
        let second = p.advance(vec![
            entry(2, "c", "b"),
            entry(2, "c", "c"),
            entry(2, "c", "d"),
        ]);
        assert_eq!(second, vec![entry(2, "c", "d")]);
        assert!(
            p.advance(vec![entry(2, "c", "d")]).is_empty(),
            "no progress"
        );
        let mut back = Pager::new(Direction::Backward, 0, 100);
        let page = back.advance(vec![entry(5, "c", "x"), entry(9, "c", "y")]);
        assert_eq!(page[0].time, 9);
        assert_eq!(back.hi, 6);
    }

    #[test]
    fn credentials_never_show() {
        assert_eq!(
            without_credentials("https://admin:s3cret@logs.example:3100/"),
            "https://logs.example:3100"
        );
        assert_eq!(
            without_credentials("http://127.0.0.1:23002/"),
            "http://127.0.0.1:23002"
        );
        assert_eq!(
            first_line("\n  parse error at line 1\nmore"),
            "parse error at line 1"
        );
    }
}
