//! `stack up`: preflight, `docker compose up -d`, wait until healthy, print the URLs.

use anyhow::anyhow;
use std::time::Duration;

use clap::Args;

use super::backfill;
use super::compose::{
    compose_args, docker_line, interpolate, shell_line, ComposeFile, Docker, Overlay, Project,
};
use super::envfile::EnvFile;
use super::fleet;
use super::health;
use super::preflight::{self, Plan};
use crate::context::Context;
use crate::exit::{CliError, CmdResult, Exit};
use llmmon_exporter::history;

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Run every source on the fleet simulator (docker-compose.mock.yml): no GPU needed.
    #[arg(long)]
    pub mock: bool,
    /// With --mock: fill Prometheus with this much simulated history (e.g. 30d) once the
    /// stack is up, so the dashboards are full at the first look. The last 6 h are written
    /// at the 30 s scrape interval, the rest at --backfill-step; recording rules too.
    #[arg(long, requires = "mock", value_name = "DURATION", value_parser = history::parse_duration)]
    pub backfill: Option<f64>,
    /// Step of the backfill older than its last 6 h (30 days at 5m: about 13 GB of
    /// OpenMetrics written and turned into blocks a day at a time, 15-20 minutes on 2 cores).
    #[arg(long, value_name = "DURATION", default_value = backfill::DEFAULT_STEP, value_parser = history::parse_duration)]
    pub backfill_step: f64,
    /// Enable a Compose profile, e.g. `dcgm` for NVIDIA's dcgm-exporter (repeatable).
    #[arg(long, value_name = "NAME")]
    pub profile: Vec<String>,
    /// Build the exporter image even when it is present (after `git pull`: an existing
    /// tag is never rebuilt otherwise).
    #[arg(long)]
    pub build: bool,
    /// Print the commands that would run, and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for every service to become healthy.
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub timeout: u64,
    /// Free space required on Docker's data root, in GiB (30 days of the default fleet).
    #[arg(long, default_value_t = preflight::MIN_FREE_GIB, value_name = "GIB")]
    pub min_free_gib: u64,
    /// A server of a fleet: also remote-write every sample to this central store's write
    /// URL (docker-compose.fleet.yml), labelled with this machine's hostname (FLEET_HOST in
    /// .env wins). Saved in .env as FLEET_REMOTE_WRITE_URL; preflight checks it answers.
    #[arg(long, value_name = "URL")]
    pub fleet: Option<String>,
}

/// The user-facing services and their URLs, in the order printed.
const URLS: [(&str, &str); 5] = [
    ("grafana", "Grafana"),
    ("prometheus", "Prometheus"),
    ("loki", "Loki"),
    ("alertmanager", "Alertmanager"),
    ("announcements", "Announcements"),
];

pub async fn run(args: &UpArgs, docker: &Docker, ctx: &Context) -> CmdResult {
    let project =
        Project::new(Overlay::from_mock(args.mock), &args.profile).in_fleet(args.fleet.is_some());
    let up = compose_args(&project, &["up", "-d", "--remove-orphans"]);
    let backfill = |end: f64| {
        args.backfill
            .map(|span| backfill_plan(docker, ctx, span, args.backfill_step, end))
    };
    if args.dry_run {
        print!(
            "{}",
            dry_run(docker, &project, &up, args.timeout, args.build)
        );
        if let Some(plan) = backfill(llmmon_core::clock::now()) {
            let scratch = backfill::scratch_placeholder(docker.dir());
            println!("{}", plan.dry_run(&scratch, &project).join("\n"));
        }
        return Ok(Exit::Success);
    }
    let plan = Plan {
        project: project.clone(),
        mock: args.mock,
        min_free_gib: args.min_free_gib,
        // The last 6 h at 30 s are the largest file: 1.1 GB.
        scratch_gib: if args.backfill.is_some() { 2 } else { 0 },
    };
    let mut report = preflight::check(docker, &plan).await;
    if let Some(url) = &args.fleet {
        match fleet::join(docker.dir(), url).await {
            Ok(line) => println!("preflight: {line}"),
            Err(why) => report.failures.push(why),
        }
    }
    let failures = &report.failures;
    if !failures.is_empty() {
        for f in failures {
            eprintln!("preflight: {f}");
        }
        return Err(CliError::failure(anyhow!(
            "{} preflight check{} failed (above); fix and run `llmmon stack up` again",
            failures.len(),
            if failures.len() == 1 { "" } else { "s" }
        )));
    }
    for image in &report.images {
        println!("preflight: {}", image.line());
    }
    for image in report.images.iter().filter(|i| !i.present || args.build) {
        docker
            .run_visible(&compose_args(&project, &["build", &image.service]))
            .await
            .map_err(|e| CliError::failure(anyhow!("building {}: {e}", image.image)))?;
        println!("built {}", image.image);
    }
    let expected = docker.services(&project).await?;
    println!(
        "starting the stack ({}) in {}",
        project.overlay.file(),
        docker.dir().display()
    );
    // The backfill ends here: the live scrapes start after it.
    let started = llmmon_core::clock::now();
    docker.docker(&up).await?;
    health::wait(
        docker,
        &project,
        &expected,
        Duration::from_secs(args.timeout),
    )
    .await?;
    if let Some(plan) = backfill((started / backfill::SCRAPE_S).floor() * backfill::SCRAPE_S) {
        let done = backfill::run(docker, &project, &plan).await?;
        println!(
            "backfill done: {} files, {:.1} GB of OpenMetrics written in {:.0} s, blocks in {:.0} s, rules in {:.0} s",
            done.files,
            done.bytes as f64 / 1e9,
            done.write_s,
            done.blocks_s,
            done.rules_s
        );
    }
    let compose = ComposeFile::load(docker.dir()).map_err(CliError::usage)?;
    let env = EnvFile::read(&docker.dir().join(".env"))?;
    println!("every service is healthy:");
    for (service, label) in URLS {
        if let (true, Some(port)) = (
            compose.has_service(service),
            preflight::port(env.as_ref(), service),
        ) {
            println!("  {label:<14} http://{}:{port}", public_host(env.as_ref()));
        }
    }
    Ok(Exit::Success)
}

/// The backfill of the mock stack: its scenario (`LLMMON_SIM_SCENARIO`, as Compose reads
/// it), its Prometheus image, and Prometheus's URL as `stack status` reaches it.
fn backfill_plan(docker: &Docker, ctx: &Context, span: f64, step: f64, end: f64) -> backfill::Plan {
    let env = EnvFile::read(&docker.dir().join(".env")).ok().flatten();
    let lookup = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| env.as_ref().and_then(|e| e.get(name)))
    };
    let scenario = lookup("LLMMON_SIM_SCENARIO")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "normal".to_owned());
    let image = ComposeFile::load(docker.dir())
        .ok()
        .and_then(|f| f.image("prometheus"))
        .map(|i| interpolate(&i, &lookup))
        .unwrap_or_else(|| "prom/prometheus:v3.5.0".to_owned());
    backfill::Plan {
        span,
        step,
        end,
        scenario,
        image,
        prometheus: ctx.config.prometheus_url(),
    }
}

/// The host name the URLs use: the bind address, or the public name when it binds to all.
fn public_host(env: Option<&EnvFile>) -> String {
    let addr = preflight::bind_address(env);
    if addr == "0.0.0.0" || addr == "::" {
        env.and_then(|e| e.get("LLMMON_PUBLIC_HOST"))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned())
    } else {
        addr
    }
}

/// What `up --dry-run` prints: every command, in order, runnable in a shell.
fn dry_run(
    docker: &Docker,
    project: &Project,
    up: &[String],
    timeout: u64,
    args_build: bool,
) -> String {
    let line = |args: &[String]| shell_line(&docker_line(args));
    let compose = |args: &[&str]| line(&compose_args(project, args));
    let mut lines = vec![
        format!("cd {}", shell_line(&[docker.dir().display().to_string()])),
        "# preflight: engine, NVIDIA runtime, Compose v2, ports, .env, free space".to_owned(),
        line(&["info", "--format", "{{json .}}"].map(String::from)),
        line(&["compose", "version", "--short"].map(String::from)),
    ];
    if project.fleet {
        lines.push(
            "# fleet: the central store answers the write URL with .env's credential; \
             FLEET_REMOTE_WRITE_URL and FLEET_HOST saved in .env"
                .to_owned(),
        );
    }
    lines.extend(image_lines(docker, project, args_build));
    lines.extend([
        compose(&["config", "--services"]),
        line(up),
        format!("# every 2 s until every service is healthy ({timeout} s at most):"),
        compose(&["ps", "--all", "--format", "json"]),
    ]);
    lines.join("\n") + "\n"
}

/// The image check and build of `--dry-run`: the image as `.env` (or the environment)
/// names it in the base file, built when `docker image inspect` does not find it.
fn image_lines(docker: &Docker, project: &Project, always: bool) -> Vec<String> {
    let line = |args: &[String]| shell_line(&docker_line(args));
    let compose = |args: &[&str]| line(&compose_args(project, args));
    let Ok(file) = ComposeFile::load(docker.dir()) else {
        return Vec::new();
    };
    let env = EnvFile::read(&docker.dir().join(".env")).ok().flatten();
    let lookup = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| env.as_ref().and_then(|e| e.get(name)))
    };
    let Some(service) = file.services().into_iter().find(|s| file.builds(s)) else {
        return Vec::new();
    };
    let image = file
        .image(&service)
        .map(|i| interpolate(&i, &lookup))
        .unwrap_or_default();
    vec![
        "# the exporter image: built from the repository's Dockerfile when it is not present"
            .to_owned(),
        compose(&["config", "--format", "json"]),
        line(&["image", "inspect", "--format", "{{.Id}}", &image].map(String::from)),
        if always {
            compose(&["build", &service])
        } else {
            format!("{}  # only when not present", compose(&["build", &service]))
        },
    ]
}
