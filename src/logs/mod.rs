//! `llmmon logs CONTAINER...`: container logs, live from the Docker API and history from
//! Loki (automatically for containers that are gone and for the part of `--since` older
//! than what Docker still holds, or with `--loki`). Several containers
//! (or a Compose service's containers) are interleaved by time; `--follow` keeps printing
//! until the containers stop or Ctrl-C. Lines can be filtered by regex and level, and
//! printed as JSON.

use anyhow::{anyhow, Context as _};
pub mod docker;
pub mod entry;
pub mod filter;
pub mod level;
pub mod loki;
pub mod read;
pub mod render;
pub mod resolve;
pub mod time;

use std::sync::Arc;

use clap::Args;
use futures::StreamExt;

use crate::context::Context;
use crate::exit::{CliError, CmdResult, Exit};
use docker::Engine;
use filter::Filter;
use level::Level;
use loki::Loki;
use read::{ReadError, Reader};
use render::{Printer, Style};
use resolve::Target;
use time::Nanos;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Containers (name or id) or Compose services (all their containers).
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
    /// Keep printing new lines until the containers stop (Loki: until Ctrl-C).
    #[arg(short, long)]
    pub follow: bool,
    /// Lines from this time: RFC 3339 (2024-05-01T12:00:00Z), Unix seconds, or an age (10m,
    /// 2h, 3d). What Docker no longer holds comes from Loki.
    #[arg(long, value_name = "TIME", value_parser = time::parse_arg)]
    pub since: Option<Nanos>,
    /// Lines up to this time (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = time::parse_arg, conflicts_with = "follow")]
    pub until: Option<Nanos>,
    /// Only the last N lines of each container (after --grep and --level).
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<usize>,
    /// Only lines matching this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// --grep ignores case.
    #[arg(short = 'i', long, requires = "grep")]
    pub ignore_case: bool,
    /// Only lines at this level or more severe.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub level: Option<Level>,
    /// Read the history from Loki instead of Docker [default URL: the configured loki].
    #[arg(long, value_name = "URL", num_args = 0..=1, require_equals = true)]
    pub loki: Option<Option<String>>,
    /// Print each line's time (RFC 3339) before it.
    #[arg(short, long)]
    pub timestamps: bool,
}

/// Runs `llmmon logs`. With `--follow`, Ctrl-C (SIGINT) ends it cleanly at any point.
pub async fn run(args: LogsArgs, ctx: &Context) -> CmdResult {
    let reader = reader(&args, ctx).map_err(CliError::usage)?;
    if !args.follow {
        return Ok(show(&args, ctx, &reader).await?);
    }
    // Registered now, not on first poll, so an early Ctrl-C is not a kill.
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("cannot watch for Ctrl-C")?;
    tokio::select! {
        r = show(&args, ctx, &reader) => Ok(r?),
        _ = interrupt.recv() => Ok(Exit::Success),
    }
}

/// Resolves the containers, prints their history, then follows them with `--follow`.
async fn show(args: &LogsArgs, ctx: &Context, reader: &Reader) -> anyhow::Result<Exit> {
    let inventory = match &reader.docker {
        Some(engine) => Some(engine.inventory().await?),
        None => None,
    };
    let targets = resolve::targets(
        &args.containers,
        inventory.as_ref(),
        &reader.loki,
        reader.loki_start(),
        reader.end,
    )
    .await?;
    let names: Vec<&str> = targets.iter().map(Target::name).collect();
    let style = Style {
        json: ctx.json,
        colour: Style::colour_on_stdout(),
        timestamps: args.timestamps,
        prefix: targets.len() > 1 || targets.iter().any(Target::is_group),
    };
    let mut out = Printer::stdout(style, &names);
    let histories =
        futures::future::try_join_all(targets.iter().map(|t| reader.history(t))).await?;
    let newest: Vec<Option<Nanos>> = histories.iter().map(|h| h.newest).collect();
    let lines = entry::merge(histories.into_iter().map(|h| h.entries).collect());
    if lines.iter().all(|e| out.print(e)) && out.flush() && args.follow {
        follow(reader, &targets, &newest, &mut out).await?;
    }
    closed_ok(&out)
}

/// Success, unless stdout failed for another reason than its reader going away
/// (`llmmon logs x | head` is fine, a full disk is not).
fn closed_ok<W: std::io::Write>(out: &Printer<W>) -> anyhow::Result<Exit> {
    match out.error() {
        Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow!("cannot write to stdout: {e}"))
        }
        _ => Ok(Exit::Success),
    }
}

/// The reader the arguments and configuration describe.
fn reader(args: &LogsArgs, ctx: &Context) -> anyhow::Result<Reader> {
    let filter = Filter::new(args.grep.as_deref(), args.ignore_case, args.level)?;
    let end = args.until.unwrap_or_else(time::now);
    if let Some(since) = args.since.filter(|&s| s > end) {
        return Err(anyhow!(
            "--since {} is after {}",
            time::rfc3339_seconds(since),
            if args.until.is_some() {
                "--until"
            } else {
                "now"
            }
        ));
    }
    let loki_url = match &args.loki {
        Some(Some(url)) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            return Err(anyhow!(
                "--loki={} must start with http:// or https://",
                llmmon_core::redact::url(url)
            ))
        }
        Some(Some(url)) => url.clone(),
        _ => ctx.config.loki_url(),
    };
    let docker = match args.loki {
        Some(_) => None,
        None => Some(Engine::new(&ctx.config.docker_host)?),
    };
    Ok(Reader {
        docker,
        loki: Arc::new(Loki::new(&loki_url)),
        filter,
        since: args.since,
        end,
        until_given: args.until.is_some(),
        tail: args.tail,
    })
}

/// Prints new lines of every target as they come, until all streams end (the containers
/// stopped) or stdout closes.
async fn follow<W: std::io::Write>(
    reader: &Reader,
    targets: &[Target],
    newest: &[Option<Nanos>],
    out: &mut Printer<W>,
) -> Result<(), ReadError> {
    let streams = futures::future::try_join_all(
        targets
            .iter()
            .zip(newest)
            .map(|(t, n)| reader.follow(t, *n)),
    )
    .await?;
    let mut merged = futures::stream::select_all(streams);
    while let Some(item) = merged.next().await {
        if !(out.print(&item?) && out.flush()) {
            break;
        }
    }
    Ok(())
}
