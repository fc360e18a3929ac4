//! `llmmon-exporter <role>`: serves one exporter role (or `all`) until SIGINT / SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::cli::{Args, Cli, Command, HistoryArgs, Serve, SourceArg};
use llmmon_exporter::config::RawSettings;
use llmmon_exporter::history::{self, History};
use llmmon_exporter::wiring;

/// glibc's malloc raises its mmap threshold to the largest block it has freed (up to 32 MiB),
/// so after one large upstream body (up to the 8 MB cap) every later body comes from the
/// heap and its pages are kept: a role's memory stayed at its peak after a hostile upstream
/// recovered. `MALLOC_MMAP_THRESHOLD_` fixes the threshold, and then large bodies are mapped
/// and unmapped again; glibc reads it only at start, so the process starts itself again
/// with it set (same pid and arguments) unless it is already set. Measured in
/// docs/reliability.md ("Memory under hostile upstreams").
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fixed_mmap_threshold() {
    use std::os::unix::process::CommandExt;
    const VAR: &str = "MALLOC_MMAP_THRESHOLD_";
    if std::env::var_os(VAR).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    let err = std::process::Command::new(&exe)
        .arg0(arg0)
        .args(args)
        .env(VAR, "131072")
        .exec();
    // Not restarted: go on with glibc's defaults.
    eprintln!("llmmon-exporter: could not restart with {VAR} set ({err}); memory freed after a large upstream body may not be given back");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fixed_mmap_threshold() {}

fn main() -> ExitCode {
    fixed_mmap_threshold();
    // Colour only on a terminal: logs that reach Loki through Docker carry no escape codes.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LLMMON_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::History(h)) => run_history(h),
        None => run(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("llmmon-exporter: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let Some(role) = args.role else {
        anyhow::bail!("name a role to serve (see --help)");
    };
    let mut raw = RawSettings::load(args.config.as_deref())?;
    if let Some(s) = args.scenario {
        raw.sim.scenario = s;
    }
    raw.sim.faults.extend(args.faults);
    if let Some(i) = args.interval {
        raw.collect.interval_s = i;
    }
    raw.vllm.targets.extend(args.targets);
    if let Some(url) = args.url {
        match role {
            Serve::One(Role::Litellm) => raw.litellm.url = url,
            Serve::One(Role::Langfuse) => raw.langfuse.url = url,
            _ => anyhow::bail!("--url is for the litellm and langfuse roles"),
        }
    }
    if role == Serve::Announcements {
        let addr = args
            .listen
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], llmmon_announcements::PORT)));
        return serve_announcements(addr);
    }
    let mut settings = raw.validate()?;
    let roles: Vec<Role> = match role {
        Serve::SimUpstreams => {
            let addr = args
                .listen
                .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], SIM_UPSTREAMS_PORT)));
            return serve_upstreams(&settings, addr);
        }
        Serve::Announcements => unreachable!("handled above"),
        Serve::All => Role::ALL.to_vec(),
        Serve::One(role) => {
            if let Some(addr) = args.listen {
                settings.listen.insert(role, addr);
            }
            vec![role]
        }
    };
    let mode = match args.source {
        SourceArg::Real => SourceMode::Real,
        SourceArg::Sim => SourceMode::Sim,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let running = wiring::start(&settings, &roles, mode).await?;
        for b in &running.bound {
            tracing::info!(role = %b.role, addr = %b.addr, source = mode.as_str(), "serving");
        }
        shutdown_signal().await;
        tracing::info!("shutting down");
        running.stop.cancel();
        Ok(())
    })
}

/// `llmmon-exporter history`: the simulator's past, one OpenMetrics file per UTC day.
fn run_history(args: HistoryArgs) -> anyhow::Result<()> {
    if !(args.days.is_finite() && args.days > 0.0) {
        anyhow::bail!("--days must be a positive number of days");
    }
    let mut raw = RawSettings::load(args.config.as_deref())?;
    if let Some(seed) = args.seed {
        raw.sim.seed = seed;
    }
    if let Some(s) = args.scenario {
        raw.sim.scenario = s;
    }
    raw.sim.faults.extend(args.faults);
    let settings = raw.validate()?;
    let step = args.step;
    let end = args
        .end
        .unwrap_or_else(|| (llmmon_core::clock::now() / step).floor() * step);
    let start = end - args.days * history::DAY_S;
    let steps = history::instants(start, end, step).count();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let gen = History::simulated(&settings, start);
    // The size, from one scrape of every target, before committing the disk to it.
    let mut first = Vec::new();
    if let Some(t) = history::instants(start, end, step).next() {
        rt.block_on(gen.write_at(t, &mut first))?;
    }
    eprintln!(
        "llmmon-exporter: writing {} days of history ({steps} scrapes of {} targets, {step} s apart, seed {}, {}) to {}: about {}",
        args.days,
        history::TARGETS.len(),
        settings.seed,
        settings.conditions.scenario,
        args.out.display(),
        size_text((first.len() * steps) as u64)
    );
    let began = std::time::Instant::now();
    let files = rt.block_on(gen.write_days(start, end, step, &args.out))?;
    let bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let samples: u64 = files.iter().map(|f| f.samples).sum();
    println!(
        "wrote {} file{} ({samples} samples, {}) in {:.1} s to {}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        size_text(bytes),
        began.elapsed().as_secs_f64(),
        args.out.display()
    );
    let pattern = args.out.join("history-*.om");
    let load = history::promtool_args("\"$f\"", "DATA_DIR").join(" ");
    println!(
        "load them into Prometheus's data directory DATA_DIR (running or stopped; a running \
         Prometheus picks the blocks up within a minute):\n  for f in {}; do promtool {load} || break; done",
        pattern.display()
    );
    Ok(())
}

/// `3.1 MB`, `13.3 GB`.
fn size_text(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// Default port of `llmmon-exporter sim-upstreams`.
const SIM_UPSTREAMS_PORT: u16 = 9910;

fn serve_upstreams(
    settings: &llmmon_exporter::config::Settings,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let sim = llmmon_sim::Simulator::new(
            settings.seed,
            settings.scale,
            settings.conditions.clone(),
            llmmon_core::clock::now(),
        );
        let app = llmmon_sim::upstreams::router(sim, llmmon_core::clock::wall_clock())
            .route("/health", axum::routing::get(|| async { "ok\n" }))
            .route("/ready", axum::routing::get(|| async { "ready\n" }));
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for sim-upstreams: {e}"))?;
        tracing::info!(%addr, "serving simulated upstreams");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        Ok(())
    })
}

fn serve_announcements(addr: SocketAddr) -> anyhow::Result<()> {
    let cfg = llmmon_announcements::Config::from_env(|k| std::env::var(k).ok())
        .map_err(|e| anyhow::anyhow!("announcements: {e}"))?;
    if cfg.token.is_none() {
        tracing::warn!("LLMMON_ANNOUNCEMENTS_TOKEN is not set: the API is read-only");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let app = llmmon_announcements::App::open(cfg)?;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for announcements: {e}"))?;
        tracing::info!(%addr, "serving announcements");
        let stop = tokio_util::sync::CancellationToken::new();
        let on_signal = stop.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            on_signal.cancel();
        });
        llmmon_announcements::serve(app, listener, stop).await?;
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
