//! `stack up`: preflight, `docker compose up -d`, wait until healthy, print the URLs.

use std::time::Duration;

use clap::Args;

use super::compose::{
    compose_args, docker_line, interpolate, shell_line, ComposeFile, Docker, Overlay, Project,
};
use super::envfile::EnvFile;
use super::preflight::{self, Plan};
use super::{fail, health, usage};
use crate::exit::{CmdResult, Exit};

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Run every source on the fleet simulator (docker-compose.mock.yml): no GPU needed.
    #[arg(long)]
    pub mock: bool,
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
}

/// The user-facing services and their URLs, in the order printed.
const URLS: [(&str, &str); 5] = [
    ("grafana", "Grafana"),
    ("prometheus", "Prometheus"),
    ("loki", "Loki"),
    ("alertmanager", "Alertmanager"),
    ("announcements", "Announcements"),
];

pub async fn run(args: &UpArgs, docker: &Docker) -> CmdResult {
    let project = Project::new(Overlay::from_mock(args.mock), &args.profile);
    let up = compose_args(&project, &["up", "-d", "--remove-orphans"]);
    if args.dry_run {
        print!(
            "{}",
            dry_run(docker, &project, &up, args.timeout, args.build)
        );
        return Ok(Exit::Success);
    }
    let plan = Plan {
        project: project.clone(),
        mock: args.mock,
        min_free_gib: args.min_free_gib,
    };
    let report = preflight::check(docker, &plan).await;
    let failures = &report.failures;
    if !failures.is_empty() {
        for f in failures {
            eprintln!("preflight: {f}");
        }
        return Err((
            Exit::Failure,
            format!(
                "{} preflight check{} failed (above); fix and run `llmmon stack up` again",
                failures.len(),
                if failures.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    for image in &report.images {
        println!("preflight: {}", image.line());
    }
    for image in report.images.iter().filter(|i| !i.present || args.build) {
        docker
            .run_visible(&compose_args(&project, &["build", &image.service]))
            .await
            .map_err(|e| (Exit::Failure, format!("building {}: {e}", image.image)))?;
        println!("built {}", image.image);
    }
    let expected = docker.services(&project).await.map_err(fail)?;
    println!(
        "starting the stack ({}) in {}",
        project.overlay.file(),
        docker.dir().display()
    );
    docker.docker(&up).await.map_err(fail)?;
    health::wait(
        docker,
        &project,
        &expected,
        Duration::from_secs(args.timeout),
    )
    .await
    .map_err(fail)?;
    let compose = ComposeFile::load(docker.dir()).map_err(usage)?;
    let env = EnvFile::read(&docker.dir().join(".env")).map_err(fail)?;
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
