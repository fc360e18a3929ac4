//! The metric names a PromQL expression selects, read from `promql-parser`'s AST: the
//! expression must parse, and functions, labels, keywords and strings are never mistaken
//! for metrics. Used by the tests that check dashboards, rules and runbooks.

use promql_parser::label::{MatchOp, METRIC_NAME};
use promql_parser::parser::{self, Expr, VectorSelector};
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
