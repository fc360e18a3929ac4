//! `stack status`: each service's state and health, Prometheus's scrape targets and its
//! firing alerts, as a text report or JSON. Exit 3 when a service is not healthy, a target
//! is down or Prometheus does not answer.

use std::time::Duration;

use serde::Serialize;

use super::compose::Docker;
use anyhow::anyhow;

use super::health;
use crate::context::Context;
use crate::exit::{CmdResult, Exit};

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    services: Vec<ServiceRow>,
    prometheus: String,
    targets: Vec<Target>,
    alerts: Vec<Alert>,
    problems: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ServiceRow {
    service: String,
    container: Option<String>,
    state: String,
    health: String,
    ok: bool,
}

#[derive(Debug, Serialize)]
struct Target {
    job: String,
    instance: String,
    health: String,
    last_error: String,
}

#[derive(Debug, Serialize)]
struct Alert {
    alertname: String,
    severity: String,
    state: String,
    active_at: String,
    summary: String,
}

pub async fn run(docker: &Docker, ctx: &Context) -> CmdResult {
    let project = docker.project(None).await;
    let containers = docker.ps(&project).await?;
    let mut expected = docker.services(&project).await?;
    for c in &containers {
        if !expected.contains(&c.service) {
            expected.push(c.service.clone());
        }
    }
    expected.sort();
    let conditions = health::conditions(&expected, &containers);
    let services: Vec<ServiceRow> = expected
        .iter()
        .map(|s| {
            let c = containers.iter().find(|c| &c.service == s);
            ServiceRow {
                service: s.clone(),
                container: c.map(|c| c.name.clone()),
                state: c.map_or_else(|| "missing".to_owned(), |c| c.state.clone()),
                health: c.map(|c| c.health.clone()).unwrap_or_default(),
                ok: conditions.get(s).is_some_and(|c| c == "healthy"),
            }
        })
        .collect();
    let prometheus = ctx.config.prometheus_url();
    let mut problems: Vec<String> = services
        .iter()
        .filter(|s| !s.ok)
        .map(|s| {
            format!(
                "service {} is {}",
                s.service,
                conditions.get(&s.service).map_or("missing", String::as_str)
            )
        })
        .collect();
    let (targets, alerts) = match prometheus_state(&prometheus).await {
        Ok(state) => state,
        Err(e) => {
            problems.push(format!("{e:#}"));
            (Vec::new(), Vec::new())
        }
    };
    problems.extend(
        targets
            .iter()
            .filter(|t| t.health != "up")
            .map(|t| format!("target {} {} is {}", t.job, t.instance, t.health)),
    );
    let report = Report {
        ok: problems.is_empty(),
        services,
        prometheus,
        targets,
        alerts,
        problems,
    };
    if ctx.json {
        let text = serde_json::to_string_pretty(&report)?;
        println!("{text}");
    } else {
        print!("{}", render(&report));
    }
    Ok(if report.ok {
        Exit::Success
    } else {
        Exit::Critical
    })
}

/// Scrape targets and alerts from Prometheus's API.
async fn prometheus_state(base: &str) -> anyhow::Result<(Vec<Target>, Vec<Alert>)> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let shown = llmmon_core::redact::url(base);
    let get = |path: &'static str| {
        let client = client.clone();
        let url = format!("{base}{path}");
        let shown = &shown;
        async move {
            let resp = client
                .get(&url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| {
                    anyhow!(
                        "Prometheus at {shown} does not answer ({}); is the stack up?",
                        e.without_url()
                    )
                })?;
            let v: serde_json::Value = resp
                .json()
                .await
                .map_err(|e| anyhow!("Prometheus {path}: not JSON: {}", e.without_url()))?;
            anyhow::Ok(v["data"].clone())
        }
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let targets = get("/api/v1/targets?state=active")
        .await?
        .get("activeTargets")
        .and_then(|t| t.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|t| Target {
            job: text(&t["labels"]["job"]),
            instance: text(&t["labels"]["instance"]),
            health: text(&t["health"]),
            last_error: text(&t["lastError"]),
        })
        .collect();
    let alerts = get("/api/v1/alerts")
        .await?
        .get("alerts")
        .and_then(|a| a.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter(|a| a["state"] == "firing")
        .map(|a| Alert {
            alertname: text(&a["labels"]["alertname"]),
            severity: text(&a["labels"]["severity"]),
            state: text(&a["state"]),
            active_at: text(&a["activeAt"]),
            summary: text(&a["annotations"]["summary"]),
        })
        .collect();
    Ok((targets, alerts))
}

fn render(r: &Report) -> String {
    let mut out = format!(
        "{:<22} {:<11} {:<10} CONTAINER\n",
        "SERVICE", "STATE", "HEALTH"
    );
    for s in &r.services {
        out += &format!(
            "{:<22} {:<11} {:<10} {}\n",
            s.service,
            s.state,
            if s.health.is_empty() { "-" } else { &s.health },
            s.container.as_deref().unwrap_or("-")
        );
    }
    let up = r.targets.iter().filter(|t| t.health == "up").count();
    out += &format!(
        "\ntargets ({}): {up} up, {} not up\n",
        r.prometheus,
        r.targets.len() - up
    );
    for t in r.targets.iter().filter(|t| t.health != "up") {
        out += &format!(
            "  {} {} {}: {}\n",
            t.health, t.job, t.instance, t.last_error
        );
    }
    out += &format!("\nalerts firing: {}\n", r.alerts.len());
    for a in &r.alerts {
        out += &format!(
            "  {:<9} {} since {}{}\n",
            a.severity,
            a.alertname,
            a.active_at,
            if a.summary.is_empty() {
                String::new()
            } else {
                format!(": {}", a.summary)
            }
        );
    }
    if r.problems.is_empty() {
        out += "\nno problems\n";
    } else {
        out += &format!("\nproblems ({}):\n", r.problems.len());
        for p in &r.problems {
            out += &format!("  {p}\n");
        }
    }
    out
}
