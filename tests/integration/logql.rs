//! A parser for the subset of LogQL the dashboards use, after Loki's documented grammar
//! (<https://grafana.com/docs/loki/latest/query/>): stream selectors with label matchers,
//! line filters (`|=`, `!=`, `|~`, `!~`), the `json` and `logfmt` parsers, label filters,
//! the range functions `count_over_time`, `rate`, `bytes_over_time`, `bytes_rate` and the
//! aggregations `sum`, `count`, `min`, `max`, `avg` with `by` / `without`. Grafana is not
//! available to run the queries, so the tests parse every one with this and check the
//! labels it selects on are those Alloy attaches. Template variables must be substituted
//! before parsing. A test oracle, used by `dashboards.rs`; its own tests (below) parse queries
//! from Loki's documentation (`tests/fixtures/logql/`). A module of its own rather than in
//! `support/`: the benches include `support/mod.rs` by path, and a bench (no test harness)
//! cannot build those tests.

use std::fmt;

/// A label matcher of a stream selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    pub label: String,
    pub op: String,
    pub value: String,
}

/// One stage after the stream selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    LineFilter {
        op: String,
        pattern: String,
    },
    Parser(String),
    LabelFilter {
        label: String,
        op: String,
        value: String,
    },
}

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Log {
        selector: Vec<Matcher>,
        stages: Vec<Stage>,
    },
    Range {
        func: String,
        inner: Box<Expr>,
        range: String,
    },
    Aggregate {
        op: String,
        grouping: Option<(String, Vec<String>)>,
        inner: Box<Expr>,
    },
}

impl Expr {
    /// Every stream selector of the query.
    pub fn selectors(&self) -> Vec<&[Matcher]> {
        match self {
            Expr::Log { selector, .. } => vec![selector.as_slice()],
            Expr::Range { inner, .. } | Expr::Aggregate { inner, .. } => inner.selectors(),
        }
    }

    /// Labels the aggregations group by.
    pub fn grouping_labels(&self) -> Vec<&str> {
        match self {
            Expr::Log { .. } => Vec::new(),
            Expr::Range { inner, .. } => inner.grouping_labels(),
            Expr::Aggregate {
                grouping, inner, ..
            } => {
                let mut out: Vec<&str> = grouping
                    .iter()
                    .flat_map(|(_, l)| l.iter().map(String::as_str))
                    .collect();
                out.extend(inner.grouping_labels());
                out
            }
        }
    }

    /// Labels that parser stages extract (so they may be grouped on).
    pub fn has_parser(&self) -> bool {
        match self {
            Expr::Log { stages, .. } => stages.iter().any(|s| matches!(s, Stage::Parser(_))),
            Expr::Range { inner, .. } | Expr::Aggregate { inner, .. } => inner.has_parser(),
        }
    }
}

/// Why a query does not parse, with the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub at: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {}: {}", self.at, self.message)
    }
}

impl std::error::Error for ParseError {}

const RANGE_FUNCS: &[&str] = &["count_over_time", "rate", "bytes_over_time", "bytes_rate"];
const AGG_OPS: &[&str] = &["sum", "count", "min", "max", "avg"];
const PARSERS: &[&str] = &["json", "logfmt"];

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

type Res<T> = Result<T, ParseError>;

/// Parses one LogQL query of the supported subset.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser { src, pos: 0 };
    let e = p.expr()?;
    p.ws();
    if p.pos != src.len() {
        return p.fail("unexpected trailing input");
    }
    Ok(e)
}

impl<'a> Parser<'a> {
    fn fail<T>(&self, message: &str) -> Res<T> {
        Err(ParseError {
            at: self.pos,
            message: format!(
                "{message} near {:?}",
                self.rest().chars().take(20).collect::<String>()
            ),
        })
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.src.len() - trimmed.len();
    }

    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.rest().starts_with(tok) {
            self.pos += tok.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: &str) -> Res<()> {
        if self.eat(tok) {
            Ok(())
        } else {
            self.fail(&format!("expected `{tok}`"))
        }
    }

    fn ident(&mut self) -> Res<String> {
        self.ws();
        let len = self
            .rest()
            .char_indices()
            .take_while(|(i, c)| {
                c.is_ascii_alphabetic() || *c == '_' || (*i > 0 && c.is_ascii_digit())
            })
            .count();
        if len == 0 {
            return self.fail("expected an identifier");
        }
        let id = self.rest()[..len].to_owned();
        self.pos += len;
        Ok(id)
    }

    fn peek_ident(&mut self) -> Option<String> {
        let save = self.pos;
        let id = self.ident().ok();
        self.pos = save;
        id
    }

    fn string(&mut self) -> Res<String> {
        self.ws();
        let mut chars = self.rest().char_indices();
        match chars.next() {
            Some((_, '`')) => match self.rest()[1..].find('`') {
                Some(end) => {
                    let s = self.rest()[1..=end].to_owned();
                    self.pos += end + 2;
                    Ok(s)
                }
                None => self.fail("unterminated raw string"),
            },
            Some((_, '"')) => {
                let mut out = String::new();
                let mut escaped = false;
                for (i, c) in chars {
                    if escaped {
                        out.push(c);
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        self.pos += i + 1;
                        return Ok(out);
                    } else {
                        out.push(c);
                    }
                }
                self.fail("unterminated string")
            }
            _ => self.fail("expected a string"),
        }
    }

    fn op(&mut self, ops: &[&str]) -> Res<String> {
        self.ws();
        for op in ops {
            if self.rest().starts_with(op) {
                self.pos += op.len();
                return Ok((*op).to_owned());
            }
        }
        self.fail(&format!("expected one of {ops:?}"))
    }

    fn expr(&mut self) -> Res<Expr> {
        self.ws();
        if self.rest().starts_with('{') {
            return self.log_query();
        }
        let name = self.ident()?;
        if AGG_OPS.contains(&name.as_str()) {
            let mut grouping = self.grouping()?;
            self.expect("(")?;
            let inner = self.expr()?;
            if matches!(inner, Expr::Log { .. }) {
                return self.fail("an aggregation needs a metric query, not a log query");
            }
            self.expect(")")?;
            if grouping.is_none() {
                grouping = self.grouping()?;
            }
            return Ok(Expr::Aggregate {
                op: name,
                grouping,
                inner: Box::new(inner),
            });
        }
        if RANGE_FUNCS.contains(&name.as_str()) {
            self.expect("(")?;
            let inner = self.log_query()?;
            let range = self.range()?;
            self.expect(")")?;
            return Ok(Expr::Range {
                func: name,
                inner: Box::new(inner),
                range,
            });
        }
        self.fail(&format!("unknown function `{name}`"))
    }

    fn grouping(&mut self) -> Res<Option<(String, Vec<String>)>> {
        let kind = match self.peek_ident().as_deref() {
            Some(k @ ("by" | "without")) => k.to_owned(),
            _ => return Ok(None),
        };
        self.ident()?;
        self.expect("(")?;
        let mut labels = vec![self.ident()?];
        while self.eat(",") {
            labels.push(self.ident()?);
        }
        self.expect(")")?;
        Ok(Some((kind, labels)))
    }

    fn range(&mut self) -> Res<String> {
        self.expect("[")?;
        self.ws();
        let len = self.rest().find(']').unwrap_or(0);
        let d = self.rest()[..len].trim().to_owned();
        let digits = d.chars().take_while(char::is_ascii_digit).count();
        let unit = &d[digits..];
        if digits == 0 || !["ms", "s", "m", "h", "d", "w", "y"].contains(&unit) {
            return self.fail("expected a duration like 5m");
        }
        self.pos += len;
        self.expect("]")?;
        Ok(d)
    }

    fn log_query(&mut self) -> Res<Expr> {
        self.expect("{")?;
        let mut selector = vec![self.matcher()?];
        while self.eat(",") {
            selector.push(self.matcher()?);
        }
        self.expect("}")?;
        if !selector
            .iter()
            .any(|m| (m.op == "=" && !m.value.is_empty()) || m.op == "=~" && !m.value.is_empty())
        {
            return self.fail("a stream selector needs one matcher that selects something");
        }
        let mut stages = Vec::new();
        loop {
            self.ws();
            if let Ok(op) = self.op(&["|=", "!=", "|~", "!~"]) {
                stages.push(Stage::LineFilter {
                    op,
                    pattern: self.string()?,
                });
            } else if self.eat("|") {
                let name = self.ident()?;
                if PARSERS.contains(&name.as_str()) {
                    stages.push(Stage::Parser(name));
                } else {
                    let op = self.op(&["==", "=~", "!~", "!=", ">=", "<=", "=", ">", "<"])?;
                    self.ws();
                    let value = if self.rest().starts_with(['"', '`']) {
                        self.string()?
                    } else {
                        let n = self
                            .rest()
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '.')
                            .count();
                        if n == 0 {
                            return self.fail("expected a string or number");
                        }
                        let v = self.rest()[..n].to_owned();
                        self.pos += n;
                        v
                    };
                    stages.push(Stage::LabelFilter {
                        label: name,
                        op,
                        value,
                    });
                }
            } else {
                break;
            }
        }
        Ok(Expr::Log { selector, stages })
    }

    fn matcher(&mut self) -> Res<Matcher> {
        let label = self.ident()?;
        let op = self.op(&["=~", "!~", "!=", "="])?;
        let value = self.string()?;
        Ok(Matcher { label, op, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_selector_with_filters_parses() {
        let e = parse(
            r#"{container=~"vllm-.*", level="error"} |= "CUDA" != `GET /metrics` |~ "(?i)oom""#,
        )
        .unwrap();
        let Expr::Log { selector, stages } = e else {
            panic!("log query")
        };
        assert_eq!(selector.len(), 2);
        assert_eq!(selector[0].op, "=~");
        assert_eq!(stages.len(), 3);
        assert_eq!(
            stages[1],
            Stage::LineFilter {
                op: "!=".into(),
                pattern: "GET /metrics".into()
            }
        );
    }

    #[test]
    fn metric_queries_with_parsers_and_grouping_parse() {
        let e = parse(
            r#"sum by (container) (count_over_time({stream="stdout"} | logfmt | status=~"5.." [5m]))"#,
        )
        .unwrap();
        assert_eq!(e.grouping_labels(), vec!["container"]);
        assert!(e.has_parser());
        let e =
            parse(r#"sum(rate({container="a"} | json | duration > 2.5 [1m])) by (level)"#).unwrap();
        assert_eq!(e.grouping_labels(), vec!["level"]);
        assert_eq!(e.selectors()[0][0].label, "container");
    }

    #[test]
    fn escaped_quotes_stay_inside_the_string() {
        let e = parse(r#"{container="a"} |= "say \"hi\"""#).unwrap();
        let Expr::Log { stages, .. } = e else {
            panic!()
        };
        assert_eq!(
            stages[0],
            Stage::LineFilter {
                op: "|=".into(),
                pattern: "say \"hi\"".into()
            }
        );
    }

    #[test]
    fn invalid_queries_are_refused() {
        for bad in [
            "",
            "{}",
            r#"{container=""}"#,
            r#"{container="a""#,
            r#"{container:"a"}"#,
            r#"{container="a"} |= unquoted"#,
            r#"count_over_time({container="a"})"#,
            r#"count_over_time({container="a"} [5 minutes])"#,
            r#"sum by (container) ({container="a"})"#,
            r#"frobnicate({container="a"} [5m])"#,
            r#"{container="a"} | json | status"#,
            r#"{container="a"} extra"#,
            r#"sum by container (rate({container="a"} [1m]))"#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
