//! From the names on the command line to what is read: Docker containers (by name, id or
//! Compose service), else Loki streams (by the `container` or `compose_service` label) for
//! containers that are gone; an unknown name is a one-line error listing close names.

use super::docker::{Container, Inventory};
use super::loki::{Loki, LokiError, Selector};
use super::time::{self, Nanos};

/// Why a name on the command line names nothing to read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Neither Docker nor Loki (which answered) knows the name.
    #[error("no container or Compose service '{wanted}' in {searched}; {hint}")]
    Unknown {
        wanted: String,
        /// Where it was looked for.
        searched: String,
        /// Close names, or how to list the containers.
        hint: String,
    },
    /// Docker does not know the name and Loki could not be asked.
    #[error(
        "no container or Compose service '{wanted}' in Docker ({hint}), and Loki could not be \
         asked: {loki}"
    )]
    UnknownToDocker {
        wanted: String,
        hint: String,
        loki: LokiError,
    },
    /// Only Loki was to be asked (`--loki`), and it did not answer.
    #[error(transparent)]
    Loki(LokiError),
}

/// What one container (or gone service) is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Docker(Container),
    Loki(Selector),
}

impl Target {
    /// The name shown for it.
    pub fn name(&self) -> &str {
        match self {
            Self::Docker(c) => &c.name,
            Self::Loki(s) => s.name(),
        }
    }

    /// Whether it may stand for several containers.
    pub fn is_group(&self) -> bool {
        matches!(self, Self::Loki(Selector::Service(_)))
    }
}

/// The `container` and `compose_service` label values Loki has in a time range.
struct LokiNames {
    containers: Vec<String>,
    services: Vec<String>,
}

impl LokiNames {
    async fn fetch(loki: &Loki, start: Nanos, end: Nanos) -> Result<Self, LokiError> {
        let (containers, services) = futures::try_join!(
            loki.label_values("container", start, end),
            loki.label_values("compose_service", start, end)
        )?;
        Ok(Self {
            containers,
            services,
        })
    }

    fn selector(&self, wanted: &str) -> Option<Selector> {
        if self.containers.iter().any(|c| c == wanted) {
            Some(Selector::Container(wanted.to_owned()))
        } else if self.services.iter().any(|s| s == wanted) {
            Some(Selector::Service(wanted.to_owned()))
        } else {
            None
        }
    }

    fn names(&self) -> impl Iterator<Item = &String> {
        self.containers.iter().chain(&self.services)
    }
}

/// The targets for `wanted`, in order and without repeats. With `docker` (its inventory),
/// Docker is asked first and Loki only for names Docker does not know; without it, Loki
/// alone (`--loki`). Loki is asked about the range `start..end`.
pub async fn targets(
    wanted: &[String],
    docker: Option<&Inventory>,
    loki: &Loki,
    start: Nanos,
    end: Nanos,
) -> Result<Vec<Target>, ResolveError> {
    let mut out: Vec<Target> = Vec::new();
    let mut loki_names: Option<Result<LokiNames, LokiError>> = None;
    for w in wanted {
        let found = docker.map(|inv| inv.find(w)).unwrap_or_default();
        let resolved = if found.is_empty() {
            let names = match &mut loki_names {
                Some(n) => n,
                None => loki_names.insert(LokiNames::fetch(loki, start, end).await),
            };
            let sel = names.as_ref().ok().and_then(|n| n.selector(w));
            match sel {
                Some(sel) => vec![Target::Loki(sel)],
                None => return Err(unknown(w, docker, names, loki, start, end)),
            }
        } else {
            found.into_iter().map(Target::Docker).collect()
        };
        for t in resolved {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// The one-line error for a name neither Docker nor Loki knows.
fn unknown(
    wanted: &str,
    docker: Option<&Inventory>,
    loki_names: &Result<LokiNames, LokiError>,
    loki: &Loki,
    start: Nanos,
    end: Nanos,
) -> ResolveError {
    let mut candidates: Vec<String> = docker.map(Inventory::names).unwrap_or_default();
    if let Ok(n) = loki_names {
        candidates.extend(n.names().cloned());
    }
    let close = close_names(wanted, &candidates);
    let hint = if close.is_empty() {
        "`docker ps -a` lists the containers".to_owned()
    } else {
        format!("close names: {}", close.join(", "))
    };
    let window = format!(
        "Loki at {} ({} to {})",
        loki.shown(),
        time::rfc3339_seconds(start),
        time::rfc3339_seconds(end)
    );
    let wanted = wanted.to_owned();
    match (docker, loki_names) {
        (Some(_), Ok(_)) => ResolveError::Unknown {
            wanted,
            searched: format!("Docker or in {window}"),
            hint,
        },
        (None, Ok(_)) => ResolveError::Unknown {
            wanted,
            searched: window,
            hint,
        },
        (None, Err(why)) => ResolveError::Loki(why.clone()),
        (Some(_), Err(why)) => ResolveError::UnknownToDocker {
            wanted,
            hint,
            loki: why.clone(),
        },
    }
}

/// Up to five of `candidates` that look like `wanted` (a small edit away, or one containing
/// the other), closest first.
pub fn close_names(wanted: &str, candidates: &[String]) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &String)> = candidates
        .iter()
        .filter_map(|c| {
            let l = c.to_lowercase();
            let d = edit_distance(&w, &l);
            let near = d <= (w.chars().count() / 3).max(2);
            let contains = w.len() >= 3 && (l.contains(&w) || w.contains(&l));
            (near || contains).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, c)| c.clone()).collect()
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn close_names_are_near_or_containing() {
        let all = names(&["vllm-qwen", "vllm-llama", "litellm", "postgres", "grafana"]);
        assert_eq!(close_names("vllm-qwn", &all), ["vllm-qwen"]);
        assert_eq!(close_names("qwen", &all), ["vllm-qwen"]);
        assert_eq!(close_names("litelm", &all), ["litellm"]);
        assert!(close_names("zzzzzz", &all).is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn targets_are_named_and_grouped() {
        let svc = Target::Loki(Selector::Service("qwen".into()));
        assert!(svc.is_group());
        assert_eq!(svc.name(), "qwen");
        assert!(!Target::Loki(Selector::Container("x".into())).is_group());
    }
}
