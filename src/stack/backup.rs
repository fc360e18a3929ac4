//! `stack backup`: Grafana (API export and its database volume), a Prometheus TSDB snapshot,
//! Loki's, Alertmanager's and the announcements' volumes, and `.env` (secrets blanked unless
//! `--include-secrets`), as one archive; then retention.
//!
//! Archive layout: `manifest.json`, `env/.env`, `grafana/{folders,datasources}.json`,
//! `grafana/dashboards/<uid>.json`, `volumes/<volume>.tar` (`prometheus-data.tar` holds the
//! snapshot, which is a complete TSDB directory).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use super::archive::{self, Manifest};
use super::compose::{ComposeFile, Docker};
use super::envfile::EnvFile;
use super::files::{FileError, Op};
use super::grafana::Grafana;
use super::volumes::{Volumes, DATA_VOLUMES};
use crate::context::Context;
use crate::exit::{CliError, CmdResult, Exit};
use anyhow::{anyhow, Context as _};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Keep the secrets of .env (passwords, keys, tokens, webhook URLs) in the archive.
    #[arg(long)]
    pub include_secrets: bool,
    /// Directory for the archive [default: config `stack.backup_dir`].
    #[arg(long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

pub async fn run(args: &BackupArgs, docker: &Docker, ctx: &Context) -> CmdResult {
    let dir = docker.dir();
    let compose = ComposeFile::load(dir).map_err(CliError::usage)?;
    let env = EnvFile::read(&dir.join(".env"))?;
    let out_dir = args
        .output
        .clone()
        .unwrap_or_else(|| ctx.config.stack.backup_dir.clone());
    std::fs::create_dir_all(&out_dir)
        .and_then(|()| std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o700)))
        .map_err(FileError::of(Op::Create, &out_dir))?;
    let out_dir = out_dir
        .canonicalize()
        .map_err(FileError::of(Op::Read, &out_dir))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let dest = out_dir.join(archive::name_at(now));
    if dest.exists() {
        return Err(CliError::failure(anyhow!(
            "{} already exists; wait a second and run again",
            dest.display()
        )));
    }
    // Staged next to the archive: volume copies can be large.
    let staging = tempfile::Builder::new()
        .prefix(".llmmon-backup-")
        .tempdir_in(&out_dir)
        .with_context(|| format!("cannot stage in {}", out_dir.display()))?;
    let stage = staging.path();

    let mut summary = Vec::new();
    if let Some(env) = &env {
        let text = if args.include_secrets {
            let path = dir.join(".env");
            std::fs::read_to_string(&path).map_err(FileError::of(Op::Read, &path))?
        } else {
            env.redacted()
        };
        write_private(&stage.join("env/.env"), &text)?;
        summary.push(format!(
            ".env ({})",
            if args.include_secrets {
                "with secrets"
            } else {
                "secrets blanked"
            }
        ));
    }

    let grafana = Grafana::new(&ctx.config.grafana_url(), env.as_ref())?;
    let counts = grafana.export(&stage.join("grafana")).await?;
    summary.push(format!(
        "Grafana: {} dashboards, {} datasources, {} folders",
        counts.dashboards, counts.datasources, counts.folders
    ));

    let volumes_dir = stage.join("volumes");
    std::fs::create_dir_all(&volumes_dir).map_err(FileError::of(Op::Create, &volumes_dir))?;
    let volumes = Volumes::new(docker, &compose);
    if compose.declares_volume("prometheus-data") {
        let snapshot = prometheus_snapshot(&ctx.config.prometheus_url()).await?;
        let sub = format!("snapshots/{snapshot}");
        let copied = volumes
            .export("prometheus-data", &sub, &volumes_dir, "prometheus-data.tar")
            .await;
        // The snapshot is hard links inside the volume: drop it either way.
        let _ = volumes.remove("prometheus-data", &sub).await;
        copied?;
        summary.push(format!("Prometheus snapshot {snapshot}"));
    }

    let others: Vec<&str> = DATA_VOLUMES
        .into_iter()
        .filter(|v| *v != "prometheus-data" && compose.declares_volume(v))
        .collect();
    let copied = copy_stopped(docker, &compose, &volumes, &others, &volumes_dir).await;
    copied?;
    summary.push(format!("volumes: {}", others.join(", ")));

    let manifest = Manifest::of_dir(
        stage,
        &archive::rfc3339(now),
        &hostname(ctx),
        args.include_secrets,
    )?;
    archive::write(stage, &manifest, &dest)?;
    drop(staging);
    let size = std::fs::metadata(&dest).map_or(0, |m| m.len());
    println!(
        "wrote {} ({:.1} MiB)",
        dest.display(),
        size as f64 / f64::from(1 << 20)
    );
    for s in summary {
        println!("  {s}");
    }
    let removed = archive::prune(&out_dir, ctx.config.stack.keep_backups)?;
    if !removed.is_empty() {
        println!(
            "removed {} old backup{} (keeping {})",
            removed.len(),
            if removed.len() == 1 { "" } else { "s" },
            ctx.config.stack.keep_backups
        );
    }
    Ok(Exit::Success)
}

/// Copies `volumes` with the services that write them stopped (a consistent copy of
/// Grafana's SQLite database and Loki's index), then starts those services again.
async fn copy_stopped(
    docker: &Docker,
    compose: &ComposeFile,
    volumes: &Volumes<'_>,
    names: &[&str],
    to: &Path,
) -> anyhow::Result<()> {
    let project = docker.project(None).await;
    let running: Vec<String> = docker
        .ps(&project)
        .await?
        .into_iter()
        .filter(|c| c.state == "running")
        .map(|c| c.service)
        .collect();
    let mut writers: Vec<String> = names
        .iter()
        .flat_map(|v| compose.volume_users(v))
        .filter(|s| running.contains(s))
        .collect();
    writers.sort();
    writers.dedup();
    let writers: Vec<&str> = writers.iter().map(String::as_str).collect();
    if !writers.is_empty() {
        docker
            .compose(&project, &[&["stop"], writers.as_slice()].concat())
            .await?;
    }
    let mut result = Ok(());
    for v in names {
        result = volumes.export(v, ".", to, &format!("{v}.tar")).await;
        if result.is_err() {
            break;
        }
    }
    if !writers.is_empty() {
        let started = docker
            .compose(&project, &[&["start"], writers.as_slice()].concat())
            .await;
        result = result.and(started.map(drop).map_err(anyhow::Error::from));
    }
    result
}

/// Asks Prometheus's admin API for a TSDB snapshot; its directory name under `snapshots/`.
pub async fn prometheus_snapshot(base: &str) -> anyhow::Result<String> {
    let url = format!("{base}/api/v1/admin/tsdb/snapshot");
    let base = llmmon_core::redact::url(base);
    let resp = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?
        .post(&url)
        .send()
        .await
        .map_err(|e| {
            anyhow!(
                "Prometheus at {base} does not answer ({}); is the stack up?",
                e.without_url()
            )
        })?;
    let status = resp.status();
    let v: serde_json::Value = resp.json().await.unwrap_or_default();
    match v["data"]["name"].as_str() {
        Some(name) if status.is_success() && !name.contains('/') && !name.is_empty() => {
            Ok(name.to_owned())
        }
        _ if status == reqwest::StatusCode::NOT_FOUND
            || v["error"]
                .as_str()
                .is_some_and(|e| e.contains("admin APIs disabled")) =>
        {
            Err(anyhow!(
                "Prometheus at {base} has its admin API off: start it with \
                 --web.enable-admin-api (docker-compose.yml does)"
            ))
        }
        _ => Err(anyhow!(
            "Prometheus snapshot failed: {status} {}",
            v["error"].as_str().unwrap_or_default()
        )),
    }
}

/// This machine's name (the manifest's `host`), else the configured host.
fn hostname(ctx: &Context) -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| ctx.config.host.clone())
}

/// Writes a file readable by its owner only, creating its directory.
pub fn write_private(path: &Path, text: &str) -> Result<(), FileError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(FileError::of(Op::Create, parent))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .and_then(|()| std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)))
        .map_err(FileError::of(Op::Write, path))
}
