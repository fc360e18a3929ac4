//! The level a log line states, read the way Alloy's pipeline labels it in Loki
//! (compose/config/alloy/config.alloy): a JSON `level` / `levelname` / `severity` field, else
//! the first level word (`INFO 11-25 …`, `ERROR:`, `[warn]`, `level=debug`), else a few words
//! anywhere in the line (`Traceback`, `panic`, `error`). Shared with `llmmon top`'s log pane.

use std::sync::LazyLock;

use regex::Regex;

/// How severe a line is, least to most.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    #[value(alias = "warning")]
    Warn,
    Error,
}

/// A level word where Alloy looks for one: after `level=`, in brackets, at the start of the
/// line or after a space, and followed by `]`, `:`, a space or the end.
static LEVEL_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:level=|\[|^|\s)(trace|debug|info|notice|warn|warning|error|err|fatal|critical|panic)(?:\]|:|\s|$)",
    )
    .expect("the level regex is valid")
});

impl Level {
    /// The name used in `--level`, JSON output and Loki's `level` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    /// A level word in any case and spelling (`WARNING`, `err`, `fatal`, `trace` …), or None
    /// for a word that names no level (Loki's `unknown`).
    pub fn from_word(word: &str) -> Option<Self> {
        match word.to_ascii_lowercase().as_str() {
            "trace" | "debug" => Some(Self::Debug),
            "info" | "notice" => Some(Self::Info),
            "warn" | "warning" => Some(Self::Warn),
            "error" | "err" | "fatal" | "critical" | "panic" => Some(Self::Error),
            _ => None,
        }
    }

    /// The level `line` states; `info` when it states none.
    pub fn detect(line: &str) -> Self {
        Self::from_json(line)
            .or_else(|| {
                LEVEL_WORD
                    .captures(line)
                    .and_then(|c| c.get(1))
                    .and_then(|m| Self::from_word(m.as_str()))
            })
            .unwrap_or_else(|| Self::from_words_anywhere(line))
    }

    /// The `level`, `levelname` or `severity` field of a JSON log line.
    fn from_json(line: &str) -> Option<Self> {
        if !line.trim_start().starts_with('{') {
            return None;
        }
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        ["level", "levelname", "severity"]
            .iter()
            .find_map(|k| v.get(k).and_then(|l| l.as_str()).and_then(Self::from_word))
    }

    /// The last resort for lines with no level word in a known place: a stack trace or an
    /// error mentioned anywhere is an error.
    fn from_words_anywhere(line: &str) -> Self {
        let l = line.to_ascii_lowercase();
        if ["error", "fatal", "panic", "traceback"]
            .iter()
            .any(|w| l.contains(w))
        {
            Self::Error
        } else if l.contains("warn") {
            Self::Warn
        } else if l.contains("debug") {
            Self::Debug
        } else {
            Self::Info
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_words_in_known_places_win() {
        let cases = [
            (
                "ERROR 11-25 12:00:00 [core.py:700] EngineCore failed",
                Level::Error,
            ),
            ("INFO 11-25 12:00:00 [metrics.py:1] errors: 0", Level::Info),
            (
                "INFO:     172.18.0.5:4000 - \"POST /v1/chat\" 200 OK",
                Level::Info,
            ),
            ("ts=2024-05-01 level=warn msg=slow", Level::Warn),
            ("2024-05-01 [WARNING] disk at 91%", Level::Warn),
            ("LOG:  checkpoint starting", Level::Info),
            ("FATAL:  role \"x\" does not exist", Level::Error),
            ("level=trace msg=tick", Level::Debug),
            ("DEBUG cache hit", Level::Debug),
        ];
        for (line, want) in cases {
            assert_eq!(Level::detect(line), want, "{line}");
        }
    }

    #[test]
    fn json_fields_and_the_fallback_words() {
        assert_eq!(
            Level::detect(r#"{"levelname":"WARNING","msg":"an error later"}"#),
            Level::Warn
        );
        assert_eq!(
            Level::detect(r#"{"severity":"critical","msg":"x"}"#),
            Level::Error
        );
        assert_eq!(
            Level::detect("Traceback (most recent call last):"),
            Level::Error
        );
        assert_eq!(Level::detect("ValueError: bad input"), Level::Error);
        assert_eq!(Level::detect("GET /health 200"), Level::Info);
    }

    #[test]
    fn words_and_order() {
        assert_eq!(Level::from_word("WARNING"), Some(Level::Warn));
        assert_eq!(Level::from_word("fatal"), Some(Level::Error));
        assert_eq!(Level::from_word("unknown"), None);
        assert!(Level::Debug < Level::Info && Level::Warn < Level::Error);
        assert_eq!(Level::Warn.to_string(), "warn");
    }
}
