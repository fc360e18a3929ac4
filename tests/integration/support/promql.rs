//! The metric names a PromQL expression selects, read from `promql-parser`'s AST: the
//! expression must parse, and functions, labels, keywords and strings are never mistaken
//! for metrics. Used by the tests that check dashboards, rules and runbooks; and which parts
//! of an expression would mix the series of several servers (the fleet's `host` label).

use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::{self, Expr, LabelModifier, VectorSelector};
use promql_parser::util::{walk_expr, ExprVisitor};

/// Collects the name of every vector and matrix selector it visits.
#[derive(Default)]
struct Names(Vec<String>);

impl ExprVisitor for Names {
    type Error = String;

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, String> {
        match expr {
            Expr::VectorSelector(vs) => self.0.extend(selected_name(vs)),
            Expr::MatrixSelector(ms) => self.0.extend(selected_name(&ms.vs)),
            _ => {}
        }
        Ok(true)
    }
}

/// `name{…}`, or `{__name__="name", …}`.
fn selected_name(vs: &VectorSelector) -> Option<String> {
    let by_matcher = || match vs.matchers.find_matchers(METRIC_NAME).as_slice() {
        [m] if m.op == MatchOp::Equal => Some(m.value.clone()),
        _ => None,
    };
    vs.name.clone().or_else(by_matcher)
}

/// The metric names `expr` selects, in the order they appear; an error if it does not parse.
pub fn metric_names(expr: &str) -> Result<Vec<String>, String> {
    let ast = parser::parse(expr)?;
    let mut names = Names::default();
    walk_expr(&mut names, &ast)?;
    Ok(names.0)
}

/// Finds what would add up or match series of different servers: an aggregation whose
/// `by` leaves the label out (or, unless bare ones are allowed, that groups by nothing), a
/// `without` or `ignoring` naming it, an `on` leaving it out.
struct Mixing<'a> {
    label: &'a str,
    bare_ok: bool,
    found: Vec<String>,
}

impl Mixing<'_> {
    fn keeps(&self, m: Option<&LabelModifier>, bare_ok: bool) -> bool {
        match m {
            None => bare_ok,
            Some(LabelModifier::Include(l)) => l.labels.iter().any(|x| x == self.label),
            Some(LabelModifier::Exclude(l)) => !l.labels.iter().any(|x| x == self.label),
        }
    }
}

impl ExprVisitor for Mixing<'_> {
    type Error = String;

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, String> {
        match expr {
            Expr::Aggregate(a) if !self.keeps(a.modifier.as_ref(), self.bare_ok) => {
                self.found.push(a.to_string());
            }
            Expr::Binary(b) => {
                let matching = b.modifier.as_ref().and_then(|m| m.matching.as_ref());
                if !self.keeps(matching, true) {
                    self.found.push(b.to_string());
                }
            }
            _ => {}
        }
        Ok(true)
    }
}

/// The aggregations and joins of `expr` that drop or ignore `label` (see [`Mixing`]);
/// aggregations without any grouping count unless `bare_ok`.
pub fn dropping(expr: &str, label: &str, bare_ok: bool) -> Result<Vec<String>, String> {
    let ast = parser::parse(expr)?;
    let mut m = Mixing {
        label,
        bare_ok,
        found: Vec::new(),
    };
    walk_expr(&mut m, &ast)?;
    Ok(m.found)
}

/// Collects the selectors that lack one regex matcher.
struct Unscoped<'a> {
    label: &'a str,
    value: &'a str,
    found: Vec<String>,
}

impl Unscoped<'_> {
    fn check(&mut self, vs: &VectorSelector) {
        let scoped = vs
            .matchers
            .find_matchers(self.label)
            .iter()
            .any(|m| matches!(m.op, MatchOp::Re(_)) && m.value == self.value);
        if !scoped {
            self.found.push(vs.to_string());
        }
    }
}

impl ExprVisitor for Unscoped<'_> {
    type Error = String;

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, String> {
        match expr {
            Expr::VectorSelector(vs) => self.check(vs),
            Expr::MatrixSelector(ms) => self.check(&ms.vs),
            _ => {}
        }
        Ok(true)
    }
}

/// The selectors of `expr` without the matcher `label=~"value"`.
pub fn unscoped(expr: &str, label: &str, value: &str) -> Result<Vec<String>, String> {
    let ast = parser::parse(expr)?;
    let mut u = Unscoped {
        label,
        value,
        found: Vec::new(),
    };
    walk_expr(&mut u, &ast)?;
    Ok(u.found)
}
