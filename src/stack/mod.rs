//! `llmmon stack`: runs and looks after the monitoring stack (Docker Compose v2 in
//! `stack.dir`): preflight and `up`, `down`, `restart`, `status`, `backup` / `restore`, and
//! the systemd unit that starts it at boot.
//!
//! Everything goes through the `docker` CLI (found on `PATH`), so what llmmon does is what an
//! operator would type; `-v` logs each command. Exit codes: 0 success; 1 failure (one line
//! with the fix on stderr); 2 bad arguments; 3 `stack status` found an unhealthy or missing
//! service, a scrape target down, or Prometheus unreachable.

use anyhow::anyhow;
mod archive;
pub mod backfill;
mod backup;
mod compose;
mod envfile;
mod files;
mod fleet;
mod grafana;
mod health;
mod preflight;
mod restore;
mod status;
mod systemd;
mod up;
mod volumes;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::exit::{CliError, CmdResult, Exit};

#[derive(Debug, Args)]
pub struct StackArgs {
    /// The Compose project directory (docker-compose.yml, .env) [default: config `stack.dir`].
    #[arg(long, global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Check the host, start the stack, wait until every service is healthy, print the URLs.
    ///
    /// Preflight: Docker engine reachable, Compose v2, NVIDIA runtime (not with --mock),
    /// ports free on LLMMON_BIND_ADDRESS, .env with a real Grafana password, 20 GiB free.
    Up(up::UpArgs),
    /// Stop and remove the stack's containers (volumes, hence data, are kept).
    Down(DownArgs),
    /// Restart one service of the stack.
    Restart {
        /// A service of docker-compose.yml, e.g. prometheus.
        service: String,
    },
    /// Every service's state and health, Prometheus's scrape targets and firing alerts.
    ///
    /// Exits 3 when a service is unhealthy or missing, a target is down, or Prometheus does
    /// not answer; 0 otherwise.
    Status,
    /// One archive of the stack's data: Grafana, Prometheus snapshot, Loki, Alertmanager,
    /// announcements, and .env (secrets blanked unless --include-secrets).
    Backup(backup::BackupArgs),
    /// Put a backup back: verify every checksum, stop the affected services, restore their
    /// volumes, start them, re-import Grafana's dashboards and datasources.
    Restore(restore::RestoreArgs),
    /// Install and start the systemd unit that runs the stack at boot.
    InstallService(systemd::InstallArgs),
    /// Stop, disable and remove the systemd unit.
    UninstallService(systemd::UnitDirArg),
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Print the command that would run, and stop nothing (it still asks `docker compose
    /// ls` which overlay the stack runs with, a read-only query).
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(args: StackArgs, ctx: &Context) -> CmdResult {
    let dir = args.dir.unwrap_or_else(|| ctx.config.stack.dir.clone());
    let docker = compose::Docker::new(&dir, &ctx.config.docker_host, ctx.verbose > 0);
    match args.command {
        StackCommand::Up(a) => up::run(&a, &docker, ctx).await,
        StackCommand::Down(a) => {
            let project = docker.project(None).await;
            let down = compose::compose_args(&project, &["down", "--remove-orphans"]);
            if a.dry_run {
                println!(
                    "cd {}\n{}",
                    compose::shell_line(&[docker.dir().display().to_string()]),
                    compose::shell_line(&compose::docker_line(&down))
                );
                return Ok(Exit::Success);
            }
            docker.docker(&down).await?;
            println!("stack stopped (data volumes kept)");
            Ok(Exit::Success)
        }
        StackCommand::Restart { service } => {
            let file = compose::ComposeFile::load(&dir).map_err(CliError::usage)?;
            if !file.has_service(&service) {
                return Err(CliError::usage(anyhow!(
                    "no service '{service}' in {}; services: {}",
                    file.path.display(),
                    file.services().join(", ")
                )));
            }
            let project = docker.project(None).await;
            docker.compose(&project, &["restart", &service]).await?;
            println!("{service} restarted");
            Ok(Exit::Success)
        }
        StackCommand::Status => status::run(&docker, ctx).await,
        StackCommand::Backup(a) => backup::run(&a, &docker, ctx).await,
        StackCommand::Restore(a) => restore::run(&a, &docker, ctx).await,
        StackCommand::InstallService(a) => systemd::install(&a, &dir).await,
        StackCommand::UninstallService(a) => systemd::uninstall(&a).await,
    }
}
