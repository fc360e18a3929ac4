//! `--grep` and `--level`: which lines are shown. Loki gets the same filter as LogQL (see
//! `loki::logql`); it is applied again here so both sources show the same lines.

use regex::{Regex, RegexBuilder};

use super::entry::Entry;
use super::level::Level;

/// A `--grep` that is not a regular expression, with the last line of the regex crate's
/// account of why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--grep '{pattern}' is not a regular expression: {why}")]
pub struct BadPattern {
    pub pattern: String,
    pub why: String,
}

/// The line filter of one `llmmon logs` run.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `--grep` as given, for LogQL.
    pub pattern: Option<String>,
    /// `-i`: the pattern ignores case.
    pub ignore_case: bool,
    /// `--level`: this level or more severe.
    pub level: Option<Level>,
    regex: Option<Regex>,
}

impl Filter {
    /// A filter; a pattern that is not a valid regular expression is a one-line error.
    pub fn new(
        pattern: Option<&str>,
        ignore_case: bool,
        level: Option<Level>,
    ) -> Result<Self, BadPattern> {
        let regex = pattern
            .map(|p| {
                RegexBuilder::new(p)
                    .case_insensitive(ignore_case)
                    .build()
                    .map_err(|e| {
                        let why = e.to_string();
                        BadPattern {
                            pattern: p.to_owned(),
                            why: why.lines().last().unwrap_or_default().trim().to_owned(),
                        }
                    })
            })
            .transpose()?;
        Ok(Self {
            pattern: pattern.map(str::to_owned),
            ignore_case,
            level,
            regex,
        })
    }

    /// Whether every line passes (no `--grep`, no `--level`).
    pub fn passes_all(&self) -> bool {
        self.regex.is_none() && self.level.is_none()
    }

    /// Whether `e` is shown.
    pub fn matches(&self, e: &Entry) -> bool {
        self.level.is_none_or(|min| e.level >= min)
            && self.regex.as_ref().is_none_or(|r| r.is_match(&e.line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::entry::entry;

    #[test]
    fn grep_and_level_both_apply() {
        let f = Filter::new(Some("kv cache"), true, Some(Level::Warn)).expect("valid");
        assert!(f.matches(&entry(1, "c", "WARNING KV cache at 95%")));
        assert!(!f.matches(&entry(1, "c", "INFO KV cache at 5%")));
        assert!(!f.matches(&entry(1, "c", "ERROR engine died")));
        let exact = Filter::new(Some("KV"), false, None).expect("valid");
        assert!(!exact.matches(&entry(1, "c", "kv cache")));
        assert!(Filter::default().passes_all() && !exact.passes_all());
    }

    #[test]
    fn a_bad_pattern_is_one_line() {
        let err = Filter::new(Some("(unclosed"), false, None)
            .expect_err("bad regex")
            .to_string();
        assert!(err.starts_with("--grep '(unclosed'"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}
