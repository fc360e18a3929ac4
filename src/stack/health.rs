//! Waiting until every service of the stack is healthy, with progress: one rewritten line on
//! a terminal, a line per change otherwise.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use super::compose::{Container, Docker, Project};

/// How often `docker compose ps` is asked.
const POLL: Duration = Duration::from_secs(2);

/// Each expected service's condition: `healthy`, `starting`, `exited`, … or `missing`.
pub fn conditions(expected: &[String], containers: &[Container]) -> BTreeMap<String, String> {
    expected
        .iter()
        .map(|s| {
            let cond = containers
                .iter()
                .filter(|c| &c.service == s)
                .map(|c| {
                    if c.is_healthy() {
                        "healthy".to_owned()
                    } else {
                        c.condition().to_owned()
                    }
                })
                // Several replicas: the worst one counts.
                .min_by_key(|c| c == "healthy")
                .unwrap_or_else(|| "missing".to_owned());
            (s.clone(), cond)
        })
        .collect()
}

/// Polls until every service in `expected` is healthy; on timeout, an error naming the
/// services that are not.
pub async fn wait(
    docker: &Docker,
    project: &Project,
    expected: &[String],
    timeout: Duration,
) -> anyhow::Result<()> {
    let start = Instant::now();
    let tty = std::io::stdout().is_terminal();
    let mut last: BTreeMap<String, String> = BTreeMap::new();
    loop {
        let now = conditions(expected, &docker.ps(project).await?);
        let waiting: Vec<String> = now
            .iter()
            .filter(|(_, c)| *c != "healthy")
            .map(|(s, c)| format!("{s} ({c})"))
            .collect();
        report(tty, &last, &now, &waiting, start.elapsed());
        if waiting.is_empty() {
            return Ok(());
        }
        let left = timeout.saturating_sub(start.elapsed());
        if left.is_zero() {
            return Err(anyhow::anyhow!(
                "not healthy after {} s: {}; see `docker compose logs SERVICE` in {}, or wait \
                 longer with --timeout",
                timeout.as_secs(),
                waiting.join(", "),
                docker.dir().display()
            ));
        }
        last = now;
        tokio::time::sleep(POLL.min(left)).await;
    }
}

fn report(
    tty: bool,
    last: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
    waiting: &[String],
    elapsed: Duration,
) {
    let mut out = std::io::stdout().lock();
    if tty {
        let healthy = now.len() - waiting.len();
        let _ = write!(
            out,
            "\r\x1b[2K{healthy}/{} healthy after {} s{}{}",
            now.len(),
            elapsed.as_secs(),
            if waiting.is_empty() {
                ""
            } else {
                "; waiting for "
            },
            waiting.join(", ")
        );
        if waiting.is_empty() {
            let _ = writeln!(out);
        }
    } else {
        for (service, cond) in now {
            if last.get(service) != Some(cond) {
                let _ = writeln!(out, "{service}: {cond}");
            }
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(service: &str, state: &str, health: &str) -> Container {
        Container {
            name: format!("llmmon-{service}-1"),
            service: service.into(),
            state: state.into(),
            health: health.into(),
            status: String::new(),
            publishers: Vec::new(),
        }
    }

    #[test]
    fn conditions_name_missing_and_unhealthy_services() {
        let expected = ["alloy", "grafana", "loki", "node-exporter"].map(String::from);
        let got = conditions(
            &expected,
            &[
                c("grafana", "running", "starting"),
                c("loki", "exited", ""),
                c("node-exporter", "running", ""),
            ],
        );
        assert_eq!(got["alloy"], "missing");
        assert_eq!(got["grafana"], "starting");
        assert_eq!(got["loki"], "exited");
        assert_eq!(got["node-exporter"], "healthy");
    }
}
