//! One log line of one container, from Docker or from Loki, and the merge of several
//! containers' lines into one timeline.

use serde::Serialize;

use super::level::Level;
use super::time::Nanos;

/// The output stream a line was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    /// Loki's `stream` label value (anything but `stderr` is stdout).
    pub fn from_label(label: Option<&str>) -> Self {
        if label == Some("stderr") {
            Self::Stderr
        } else {
            Self::Stdout
        }
    }
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// When the line was written.
    pub time: Nanos,
    /// The container's name.
    pub container: String,
    pub stream: Stream,
    pub level: Level,
    /// The text, without the trailing newline.
    pub line: String,
}

/// The lines of several containers as one timeline, oldest first (lines of equal time keep
/// their containers' order).
pub fn merge(batches: Vec<Vec<Entry>>) -> Vec<Entry> {
    let mut all: Vec<Entry> = batches.into_iter().flatten().collect();
    all.sort_by_key(|e| e.time);
    all
}

/// The last `n` of `entries` (oldest first), or all of them without `n`.
pub fn keep_last(mut entries: Vec<Entry>, n: Option<usize>) -> Vec<Entry> {
    if let Some(n) = n {
        let cut = entries.len().saturating_sub(n);
        entries.drain(..cut);
    }
    entries
}

#[cfg(test)]
pub(crate) fn entry(time: Nanos, container: &str, line: &str) -> Entry {
    Entry {
        time,
        container: container.to_owned(),
        stream: Stream::Stdout,
        level: Level::detect(line),
        line: line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_interleaves_by_time_and_keep_last_cuts_the_front() {
        let a = vec![entry(1, "a", "a1"), entry(5, "a", "a5")];
        let b = vec![
            entry(2, "b", "b2"),
            entry(5, "b", "b5"),
            entry(9, "b", "b9"),
        ];
        let merged = merge(vec![a, b]);
        let lines: Vec<&str> = merged.iter().map(|e| e.line.as_str()).collect();
        assert_eq!(lines, ["a1", "b2", "a5", "b5", "b9"]);
        let last = keep_last(merged, Some(2));
        assert_eq!(last[0].line, "b5");
        assert_eq!(keep_last(last, None).len(), 2);
        assert!(keep_last(vec![entry(1, "a", "x")], Some(0)).is_empty());
    }

    #[test]
    fn stream_labels() {
        assert_eq!(Stream::from_label(Some("stderr")), Stream::Stderr);
        assert_eq!(Stream::from_label(Some("stdout")), Stream::Stdout);
        assert_eq!(Stream::from_label(None), Stream::Stdout);
    }
}
