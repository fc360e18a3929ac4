//! `stack restore`: verify the archive against its manifest, then put `.env` (never a secret
//! replaced by a blank), the volumes (their services stopped, then started again) and
//! Grafana's folders, datasources and dashboards back.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use clap::Args;

use super::archive;
use super::backup::write_private;
use super::compose::{ComposeFile, Docker};
use super::envfile::EnvFile;
use super::grafana::Grafana;
use super::volumes::{Volumes, DATA_VOLUMES};
use crate::context::Context;
use crate::exit::{CliError, CmdResult, Exit};

/// How long a restarted Grafana gets to answer before the API import.
const GRAFANA_READY: Duration = Duration::from_secs(120);

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// An archive written by `llmmon stack backup`.
    pub archive: PathBuf,
    /// Do not ask before replacing the stack's data.
    #[arg(long)]
    pub yes: bool,
    /// Start restored services with the mock overlay [default: the overlay the stack runs
    /// with now, else production].
    #[arg(long)]
    pub mock: bool,
}

pub async fn run(args: &RestoreArgs, docker: &Docker, ctx: &Context) -> CmdResult {
    let dir = docker.dir();
    let compose = ComposeFile::load(dir).map_err(CliError::usage)?;
    let parent = args
        .archive
        .parent()
        .filter(|p| p.is_dir())
        .map_or_else(std::env::temp_dir, Path::to_path_buf);
    let staging = tempfile::Builder::new()
        .prefix(".llmmon-restore-")
        .tempdir_in(&parent)
        .or_else(|_| tempfile::tempdir())
        .context("cannot create a temporary directory")?;
    let stage = staging
        .path()
        .canonicalize()
        .with_context(|| format!("cannot read {}", staging.path().display()))?;
    let manifest = archive::unpack_and_verify(&args.archive, &stage)?;

    let volume_files: Vec<&str> = DATA_VOLUMES
        .into_iter()
        .filter(|v| stage.join(format!("volumes/{v}.tar")).is_file())
        .collect();
    if let Some(missing) = volume_files.iter().find(|v| !compose.declares_volume(v)) {
        return Err(CliError::failure(anyhow!(
            "the archive holds volume {missing}, which {} does not declare; restore with the \
             compose files it was taken with",
            compose.path.display()
        )));
    }
    let mut services: Vec<String> = volume_files
        .iter()
        .flat_map(|v| compose.volume_users(v))
        .collect();
    services.sort();
    services.dedup();
    confirm(args, &manifest, dir, &services)?;

    let env_path = dir.join(".env");
    if let Some(backed_up) = EnvFile::read(&stage.join("env/.env"))? {
        let current = EnvFile::read(&env_path)?.unwrap_or_default();
        let merged = backed_up.restored_over(&current);
        write_private(&env_path, &merged)?;
        println!("restored {}", env_path.display());
        let blank = EnvFile::parse(&merged).blank_secrets();
        if !blank.is_empty() {
            println!("  blank in .env (fill in if used): {}", blank.join(", "));
        }
    }

    if !volume_files.is_empty() {
        let project = docker.project(args.mock.then_some(true)).await;
        let names: Vec<&str> = services.iter().map(String::as_str).collect();
        docker
            .compose(&project, &[&["stop"], names.as_slice()].concat())
            .await?;
        let volumes = Volumes::new(docker, &compose);
        let from = stage.join("volumes");
        for v in &volume_files {
            volumes.import(v, &from, &format!("{v}.tar")).await?;
            println!("restored volume {v}");
        }
        docker
            .compose(&project, &[&["up", "-d"], names.as_slice()].concat())
            .await?;
        println!("started {}", services.join(", "));
    }

    if stage.join("grafana").is_dir() {
        let env = EnvFile::read(&env_path)?;
        let grafana = Grafana::new(&ctx.config.grafana_url(), env.as_ref())?;
        grafana.wait_ready(GRAFANA_READY).await?;
        let counts = grafana.import(&stage.join("grafana")).await?;
        println!(
            "Grafana: {} dashboards, {} datasources, {} folders re-imported ({} provisioned left \
             to provisioning)",
            counts.dashboards, counts.datasources, counts.folders, counts.provisioned
        );
    }
    println!(
        "restored {} (taken {} on {})",
        args.archive.display(),
        manifest.created,
        manifest.host
    );
    Ok(Exit::Success)
}

/// Asks on a terminal; without one, `--yes` is required.
fn confirm(
    args: &RestoreArgs,
    manifest: &archive::Manifest,
    dir: &Path,
    services: &[String],
) -> Result<(), CliError> {
    if args.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(anyhow!(
            "restore replaces the stack's data; pass --yes to confirm"
        )));
    }
    print!(
        "Restore the backup of {} taken {} into {}? {} will be stopped and their data \
         replaced. [y/N] ",
        manifest.host,
        manifest.created,
        dir.display(),
        if services.is_empty() {
            "No service".to_owned()
        } else {
            services.join(", ")
        }
    );
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CliError::failure(anyhow!(
            "restore cancelled; nothing was changed"
        )))
    }
}
