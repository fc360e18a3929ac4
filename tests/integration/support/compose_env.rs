//! Compose's variable interpolation, for tests that check compose files as Compose reads
//! them (with `.env` values, required variables refused).

use std::collections::BTreeMap;

use serde_yaml_ng::{Mapping, Value};

/// The end of a `${…}` expression that starts at `s[0]` (after `${`), nesting counted.
fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Compose interpolation (compose-spec `interpolation.md`): `$$`, `$NAME`, `${NAME}`,
/// `${NAME:-default}`, `${NAME-default}`, `${NAME:?err}`, `${NAME?err}`, `${NAME:+alt}`,
/// `${NAME+alt}`, defaults themselves interpolated.
pub fn interpolate(s: &str, env: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let name_len = |t: &str| {
            t.char_indices()
                .find(|(j, c)| {
                    !(c.is_ascii_alphanumeric() || *c == '_') || (*j == 0 && c.is_ascii_digit())
                })
                .map_or(t.len(), |(j, _)| j)
        };
        if let Some(r) = rest.strip_prefix('{') {
            let end = closing_brace(r).ok_or_else(|| format!("unclosed ${{ in {s:?}"))?;
            let expr = &r[..end];
            rest = &r[end + 1..];
            let n = name_len(expr);
            let (name, op) = expr.split_at(n);
            if name.is_empty() {
                return Err(format!("invalid interpolation ${{{expr}}} in {s:?}"));
            }
            let value = env.get(name);
            let set = value.is_some();
            let non_empty = value.is_some_and(|v| !v.is_empty());
            let own = value.cloned().unwrap_or_default();
            let arg = |p: &str| interpolate(&op[p.len()..], env);
            let v = if op.is_empty() {
                own
            } else if op.starts_with(":-") {
                if non_empty {
                    own
                } else {
                    arg(":-")?
                }
            } else if op.starts_with('-') {
                if set {
                    own
                } else {
                    arg("-")?
                }
            } else if op.starts_with(":?") {
                if non_empty {
                    own
                } else {
                    return Err(format!(
                        "required variable {name} is missing: {}",
                        arg(":?")?
                    ));
                }
            } else if op.starts_with('?') {
                if set {
                    own
                } else {
                    return Err(format!(
                        "required variable {name} is missing: {}",
                        arg("?")?
                    ));
                }
            } else if op.starts_with(":+") {
                if non_empty {
                    arg(":+")?
                } else {
                    String::new()
                }
            } else if op.starts_with('+') {
                if set {
                    arg("+")?
                } else {
                    String::new()
                }
            } else {
                return Err(format!("invalid interpolation ${{{expr}}} in {s:?}"));
            };
            out.push_str(&v);
        } else {
            let n = name_len(rest);
            if n == 0 {
                out.push('$');
            } else {
                out.push_str(env.get(&rest[..n]).map_or("", String::as_str));
                rest = &rest[n..];
            }
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Interpolates every string value (keys are not interpolated, as in Compose).
pub fn interpolate_value(v: &Value, env: &BTreeMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => Value::String(interpolate(s, env)?),
        Value::Sequence(seq) => Value::Sequence(
            seq.iter()
                .map(|x| interpolate_value(x, env))
                .collect::<Result<_, _>>()?,
        ),
        Value::Mapping(m) => {
            let mut out = Mapping::new();
            for (k, x) in m {
                out.insert(k.clone(), interpolate_value(x, env)?);
            }
            Value::Mapping(out)
        }
        Value::Tagged(t) => {
            let mut t = t.clone();
            t.value = interpolate_value(&t.value, env)?;
            Value::Tagged(t)
        }
        other => other.clone(),
    })
}
