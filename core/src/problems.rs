//! Every problem found in one input (a configuration file, the environment, a set of flags),
//! reported at once: [`Problems`] shows them on one line, joined by `; `, so one run names
//! everything to fix.

use std::fmt;

/// The problems found in one input, in the order found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems<P>(pub Vec<P>);

impl<P> Default for Problems<P> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<P> Problems<P> {
    pub fn push(&mut self, problem: P) {
        self.0.push(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, P> {
        self.0.iter()
    }

    /// Ok when nothing was found, else every problem.
    pub fn check(self) -> Result<(), Self> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl<P: fmt::Display> fmt::Display for Problems<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            p.fmt(f)?;
        }
        Ok(())
    }
}

impl<P: fmt::Debug + fmt::Display> std::error::Error for Problems<P> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_one_line_in_the_order_found() {
        let mut p = Problems::default();
        assert_eq!(p.clone().check(), Ok(()));
        p.push("a is bad");
        p.push("b is missing");
        assert_eq!(p.to_string(), "a is bad; b is missing");
        assert!(p.check().is_err());
    }
}
