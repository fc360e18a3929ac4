//! Scopes the dashboards' PromQL to the servers picked in the `$host` variable, in one
//! place: every selector gains `host=~"$host"`, and every `by (…)` and `on (…)` list gains
//! `host`, so that on a fleet's central store a panel never adds up or matches the series
//! of two servers (`sum by (model)` draws one line per server and model). Aggregations
//! without grouping (`sum(x)` in a stat) stay totals over the selected servers.
//!
//! On a server's own Prometheus no series has a `host` label (remote_write adds it), and
//! nothing changes: the variable's All is `.*`, which matches the absent label, and
//! grouping by an absent label gives the same series as not grouping by it.
//!
//! The queries are written in the dashboard modules without the label; [`with_host`] is
//! applied to each when it is built (`panel::prom`, the variables, the annotations). It
//! reads PromQL as tokens: strings, durations in brackets, numbers, `$variables`, label
//! lists and matchers are copied as they are; a name that is not a keyword, a function or
//! an aggregation is a metric. `tests/integration/dashboards.rs` checks the result with
//! a real PromQL parser.

use crate::rules::HOST;

/// Words that are never metric names.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "inf",
    "nan",
];

/// Words followed by a list of label names.
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

/// Label lists that must hold the host: what an aggregation keeps, what a join matches on.
const HOST_LISTS: &[&str] = &["by", "on"];

/// The matcher every selector gets.
pub fn matcher() -> String {
    format!("{HOST}=~\"${HOST}\"")
}

/// `expr` scoped to the selected servers (see the module's documentation).
pub fn with_host(expr: &str) -> String {
    let chars: Vec<char> = expr.chars().collect();
    let mut s = Scoper {
        chars: &chars,
        out: String::with_capacity(expr.len() + 64),
        i: 0,
    };
    while s.i < chars.len() {
        s.step();
    }
    s.out
}

/// A pass over one expression: reads `chars` from `i`, writes `out`.
struct Scoper<'a> {
    chars: &'a [char],
    out: String,
    i: usize,
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == ':'
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == ':'
}

impl Scoper<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    /// Copies the input up to (not including) `end`.
    fn copy_to(&mut self, end: usize) {
        let end = end.min(self.chars.len());
        self.out.extend(&self.chars[self.i..end]);
        self.i = end;
    }

    /// The first index from `i` on that is not white space.
    fn skip_ws(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(char::is_whitespace) {
            i += 1;
        }
        i
    }

    /// The index after the string literal opening at `i`.
    fn string_end(&self, i: usize) -> usize {
        let quote = self.chars[i];
        let mut j = i + 1;
        while let Some(c) = self.at(j) {
            if c == '\\' && quote != '`' {
                j += 2;
                continue;
            }
            j += 1;
            if c == quote {
                break;
            }
        }
        j
    }

    /// The index after the `close` that ends the group opening at `i`, strings skipped.
    fn group_end(&self, i: usize, close: char) -> usize {
        let mut j = i + 1;
        while let Some(c) = self.at(j) {
            match c {
                '"' | '\'' | '`' => j = self.string_end(j),
                c if c == close => return j + 1,
                _ => j += 1,
            }
        }
        j
    }

    /// The index after the word starting at `i` (a name, a number or a duration).
    fn word_end(&self, i: usize) -> usize {
        let mut j = i + 1;
        while let Some(c) = self.at(j) {
            let exponent_sign = (c == '+' || c == '-')
                && self.chars[i].is_ascii_digit()
                && matches!(self.chars[j - 1], 'e' | 'E');
            if !(is_word(c) || c == '.' || exponent_sign) {
                break;
            }
            j += 1;
        }
        j
    }

    fn word_at(&self, i: usize) -> Option<String> {
        self.at(i)
            .filter(|c| is_word_start(*c))
            .map(|_| self.chars[i..self.word_end(i)].iter().collect())
    }

    fn step(&mut self) {
        let c = self.chars[self.i];
        match c {
            '"' | '\'' | '`' => self.copy_to(self.string_end(self.i)),
            // Ranges and subqueries hold durations and variables only.
            '[' => self.copy_to(self.group_end(self.i, ']')),
            // A selector without a name (`{__name__="up"}`).
            '{' => self.selector_braces(),
            '$' => {
                let end = if self.at(self.i + 1) == Some('{') {
                    self.group_end(self.i + 1, '}')
                } else {
                    self.word_end(self.i)
                };
                self.copy_to(end);
            }
            c if c.is_ascii_digit() || c == '.' => self.copy_to(self.word_end(self.i)),
            c if is_word_start(c) => self.word(),
            _ => self.copy_to(self.i + 1),
        }
    }

    /// A name: a keyword (with its label list), a function, an aggregation or a metric.
    fn word(&mut self) {
        let end = self.word_end(self.i);
        let word: String = self.chars[self.i..end].iter().collect();
        self.copy_to(end);
        let next = self.skip_ws(self.i);
        let lower = word.to_ascii_lowercase();
        if LABEL_LISTS.contains(&lower.as_str()) {
            if self.at(next) == Some('(') {
                self.label_list(next, HOST_LISTS.contains(&lower.as_str()));
            }
            return;
        }
        let aggregation = matches!(self.word_at(next).as_deref(), Some("by" | "without"));
        if KEYWORDS.contains(&lower.as_str()) || self.at(next) == Some('(') || aggregation {
            return;
        }
        if self.at(next) == Some('{') {
            self.copy_to(next);
            self.selector_braces();
        } else {
            self.out.push_str(&format!("{{{}}}", matcher()));
        }
    }

    /// The matchers of a selector, at its `{`: the host matcher first, then the rest as is.
    fn selector_braces(&mut self) {
        let end = self.group_end(self.i, '}');
        let inner: String = self.chars[self.i + 1..end.saturating_sub(1)]
            .iter()
            .collect();
        let sep = if inner.trim().is_empty() { "" } else { ", " };
        self.out.push_str(&format!("{{{}{sep}", matcher()));
        self.i += 1;
        self.copy_to(end);
    }

    /// A label list opening at `open`: copied, with the host first where it must be kept.
    fn label_list(&mut self, open: usize, needs_host: bool) {
        let end = self.group_end(open, ')');
        let inner: String = self.chars[open + 1..end.saturating_sub(1)].iter().collect();
        let has_host = inner.split(',').any(|l| l.trim() == HOST);
        self.copy_to(open + 1);
        if needs_host && !has_host {
            let sep = if inner.trim().is_empty() { "" } else { ", " };
            self.out.push_str(&format!("{HOST}{sep}"));
        }
        self.copy_to(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_metric_gains_the_host_matcher() {
        assert_eq!(
            with_host("llm_monitor_gpu_info"),
            r#"llm_monitor_gpu_info{host=~"$host"}"#
        );
        assert_eq!(
            with_host("a:b:rate5m offset 1w"),
            r#"a:b:rate5m{host=~"$host"} offset 1w"#
        );
    }

    #[test]
    fn a_selector_with_matchers_gets_the_host_matcher_first() {
        assert_eq!(
            with_host(r#"x{gpu=~"$gpu", y="a{b}"}[5m]"#),
            r#"x{host=~"$host", gpu=~"$gpu", y="a{b}"}[5m]"#
        );
        assert_eq!(with_host("x{}"), r#"x{host=~"$host"}"#);
        assert_eq!(
            with_host(r#"{__name__="up"}"#),
            r#"{host=~"$host", __name__="up"}"#
        );
    }

    #[test]
    fn functions_aggregations_keywords_numbers_and_strings_are_left_alone() {
        assert_eq!(
            with_host(
                r#"label_replace(vector(1e-3), "name", "$1", "container", "(.*)") > bool 0.5"#
            ),
            r#"label_replace(vector(1e-3), "name", "$1", "container", "(.*)") > bool 0.5"#
        );
        assert_eq!(
            with_host("rate(x[$__rate_interval]) or time() - y"),
            r#"rate(x{host=~"$host"}[$__rate_interval]) or time() - y{host=~"$host"}"#
        );
    }

    #[test]
    fn by_and_on_lists_keep_the_host_and_other_lists_stay_as_written() {
        assert_eq!(
            with_host("sum by (model) (a) * on (container) group_left (model) max by (container, model) (b)"),
            r#"sum by (host, model) (a{host=~"$host"}) * on (host, container) group_left (model) max by (host, container, model) (b{host=~"$host"})"#
        );
        assert_eq!(
            with_host("sum without (cpu) (a) / ignoring (mode) b and on () c"),
            r#"sum without (cpu) (a{host=~"$host"}) / ignoring (mode) b{host=~"$host"} and on (host) c{host=~"$host"}"#
        );
        assert_eq!(
            with_host("count by (host) (x)"),
            r#"count by (host) (x{host=~"$host"})"#
        );
    }

    #[test]
    fn an_aggregation_without_grouping_stays_a_total() {
        assert_eq!(
            with_host("count(x) or vector(0)"),
            r#"count(x{host=~"$host"}) or vector(0)"#
        );
    }
}
