//! The stack's `.env`: reading values, blanking secrets for a backup, and merging a backed-up
//! file into the current one without ever replacing a secret by a blank.

use std::path::Path;

use super::files::{FileError, Op};

/// Words that make a variable a secret (case-insensitive substring of its name). Webhook
/// URLs carry their credential in the URL, so they count too.
const SECRET_WORDS: [&str; 5] = ["PASSWORD", "SECRET", "KEY", "TOKEN", "WEBHOOK"];

/// Marks the comment a backup writes above a blanked secret; dropped again on restore.
const BLANKED: &str = "# llmmon backup: secret left out";

/// Whether a variable holds a secret.
pub fn is_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// A parsed `.env`: its lines in order, each a variable or anything else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Var { name: String, value: String },
    Other(String),
}

impl EnvFile {
    pub fn parse(text: &str) -> Self {
        let lines = text
            .lines()
            .map(|raw| {
                let body = raw.trim_start();
                let body = body.strip_prefix("export ").unwrap_or(body);
                match body.split_once('=') {
                    Some((name, value))
                        if !body.starts_with('#')
                            && !name.trim().is_empty()
                            && !name.trim().contains(char::is_whitespace) =>
                    {
                        Line::Var {
                            name: name.trim().to_owned(),
                            value: value.to_owned(),
                        }
                    }
                    _ => Line::Other(raw.to_owned()),
                }
            })
            .collect();
        Self { lines }
    }

    /// Reads `path`; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<Self>, FileError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Some(Self::parse(&text))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(FileError::of(Op::Read, path)(e)),
        }
    }

    /// A variable's value, unquoted (the last assignment wins, as in Compose).
    pub fn get(&self, name: &str) -> Option<String> {
        self.vars()
            .filter(|(n, _)| *n == name)
            .last()
            .map(|(_, v)| unquote(v))
    }

    fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.iter().filter_map(|l| match l {
            Line::Var { name, value } => Some((name.as_str(), value.as_str())),
            Line::Other(_) => None,
        })
    }

    /// The file with every non-empty secret written as `NAME=` under a comment.
    pub fn redacted(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Var { name, value } if is_secret(name) && !unquote(value).is_empty() => {
                    out.push_str(&format!(
                        "{BLANKED} (llmmon stack backup --include-secrets keeps it)\n{name}=\n"
                    ));
                }
                other => {
                    out.push_str(&render(other));
                    out.push('\n');
                }
            }
        }
        out
    }

    /// The backed-up file `self` put over `current`: the backup's lines and values, except
    /// that a value blank in the backup keeps the current one, and variables only the
    /// current file has are kept at the end.
    pub fn restored_over(&self, current: &EnvFile) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Other(text) if text.starts_with(BLANKED) => {}
                Line::Var { name, value } if unquote(value).is_empty() => {
                    let kept = current
                        .vars()
                        .filter(|(n, _)| n == name)
                        .last()
                        .map_or("", |(_, v)| v);
                    out.push_str(&format!("{name}={kept}\n"));
                }
                other => {
                    out.push_str(&render(other));
                    out.push('\n');
                }
            }
        }
        let only_current: Vec<_> = current
            .vars()
            .filter(|(n, _)| !self.vars().any(|(m, _)| m == *n))
            .collect();
        if !only_current.is_empty() {
            out.push_str("# kept from the .env in place before `llmmon stack restore`\n");
            for (name, value) in only_current {
                out.push_str(&format!("{name}={value}\n"));
            }
        }
        out
    }

    /// Secrets that are blank (to fill in before starting the stack).
    pub fn blank_secrets(&self) -> Vec<String> {
        self.vars()
            .filter(|(n, v)| is_secret(n) && unquote(v).is_empty())
            .map(|(n, _)| n.to_owned())
            .collect()
    }
}

fn render(line: &Line) -> String {
    match line {
        Line::Var { name, value } => format!("{name}={value}"),
        Line::Other(text) => text.clone(),
    }
}

/// A value without its surrounding quotes or a trailing comment, as Compose reads it: a
/// quoted value ends at its closing quote (a `#` inside is kept, a ` # note` after it is
/// dropped); an unquoted one ends before whitespace followed by `#`.
fn unquote(v: &str) -> String {
    let v = v.trim();
    for q in ['"', '\''] {
        let Some(rest) = v.strip_prefix(q) else {
            continue;
        };
        // The first quote that only a comment (or nothing) follows closes the value.
        let close = rest.match_indices(q).map(|(i, _)| i).find(|&i| {
            let after = rest[i + 1..].trim_start();
            after.is_empty() || after.starts_with('#')
        });
        if let Some(i) = close {
            return rest[..i].to_owned();
        }
    }
    strip_comment(v).to_owned()
}

/// An unquoted value without a comment that follows whitespace (`a # note` is `a`; `a#b` stays).
fn strip_comment(v: &str) -> &str {
    let cut = v
        .char_indices()
        .find(|&(i, c)| c == '#' && v[..i].ends_with(char::is_whitespace))
        .map_or(v.len(), |(i, _)| i);
    v[..cut].trim_end()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: &str = "# settings\nLLMMON_BIND_ADDRESS=127.0.0.1\nGRAFANA_ADMIN_PASSWORD=\"s3cret pass\"\n\
                       LITELLM_MASTER_KEY=sk-123\nLANGFUSE_SECRET_KEY=\nALERT_SLACK_WEBHOOK_URL=https://hooks/x\n\
                       export GRAFANA_PORT=23000 # grafana\n";

    #[test]
    fn values_are_unquoted() {
        let env = EnvFile::parse(ENV);
        assert_eq!(
            env.get("GRAFANA_ADMIN_PASSWORD").as_deref(),
            Some("s3cret pass")
        );
        assert_eq!(env.get("GRAFANA_PORT").as_deref(), Some("23000"));
        assert_eq!(env.get("NOPE"), None);
    }

    #[test]
    fn a_comment_after_a_value_is_dropped_and_a_hash_inside_quotes_is_kept() {
        let env = EnvFile::parse(
            "A=\"a b\" # note\nB='x y'\t# note\nC=plain # note\nD=\"in # quotes\"\nE=x#y\nF=\"a\"b\nG=\"a b\" # it's \"x\"\n",
        );
        assert_eq!(env.get("A").as_deref(), Some("a b"));
        assert_eq!(env.get("B").as_deref(), Some("x y"));
        assert_eq!(env.get("C").as_deref(), Some("plain"));
        assert_eq!(env.get("D").as_deref(), Some("in # quotes"));
        assert_eq!(env.get("E").as_deref(), Some("x#y"));
        assert_eq!(env.get("F").as_deref(), Some("\"a\"b"));
        assert_eq!(env.get("G").as_deref(), Some("a b"));
    }

    #[test]
    fn secrets_are_blanked_with_a_comment_and_nothing_else_changes() {
        let red = EnvFile::parse(ENV).redacted();
        for secret in ["s3cret", "sk-123", "hooks/x"] {
            assert!(!red.contains(secret), "{red}");
        }
        assert!(red.contains("\nGRAFANA_ADMIN_PASSWORD=\n"), "{red}");
        assert!(red.contains("LLMMON_BIND_ADDRESS=127.0.0.1\n"), "{red}");
        assert!(red.contains("LANGFUSE_SECRET_KEY=\n"), "{red}");
        assert_eq!(red.matches(BLANKED).count(), 3, "{red}");
        assert!(is_secret("vllm_api_key") && !is_secret("GRAFANA_ADMIN_USER"));
    }

    #[test]
    fn restoring_never_blanks_a_secret() {
        let backup = EnvFile::parse(&EnvFile::parse(ENV).redacted());
        let current = EnvFile::parse(
            "GRAFANA_ADMIN_PASSWORD=newpass\nLLMMON_BIND_ADDRESS=10.0.0.5\nEXTRA=1\n",
        );
        let merged = EnvFile::parse(&backup.restored_over(&current));
        assert_eq!(
            merged.get("GRAFANA_ADMIN_PASSWORD").as_deref(),
            Some("newpass")
        );
        assert_eq!(
            merged.get("LLMMON_BIND_ADDRESS").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(merged.get("EXTRA").as_deref(), Some("1"));
        assert_eq!(merged.get("LITELLM_MASTER_KEY").as_deref(), Some(""));
        assert!(!backup.restored_over(&current).contains(BLANKED));
        assert_eq!(
            merged.blank_secrets(),
            [
                "LITELLM_MASTER_KEY",
                "LANGFUSE_SECRET_KEY",
                "ALERT_SLACK_WEBHOOK_URL"
            ]
        );
    }
}
