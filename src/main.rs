//! `llmmon`: parses arguments, runs the command, maps the outcome to an exit code.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use clap::Parser;
use llmmon::cli::{Cli, Command, ConfigCommand, StatusArgs, TopArgs};
use llmmon::config::Origin;
use llmmon::context::Context;
use llmmon::endpoints::{self, Endpoints};
use llmmon::exit::{self, CliError, CmdResult, Exit};
use llmmon::{announce, logs, stack, status};

/// Collection interval of the in-process demo exporters for `status --demo`.
const DEMO_INTERVAL: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    // The TUI owns the terminal: nothing may write to stderr under it.
    if !matches!(cli.command, Command::Top(_)) {
        init_logging(cli.global.verbose);
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("llmmon: cannot start the async runtime: {e}");
            return Exit::Failure.into();
        }
    };
    let result = rt.block_on(run(cli));
    match result {
        Ok(code) => code.into(),
        Err(e) => e.report(),
    }
}

/// Help and version go out as clap prints them; a usage error as one line on stderr, with
/// the possible values where clap lists them, and exit 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.use_stderr() {
            Exit::Usage.into()
        } else {
            Exit::Success.into()
        };
    }
    let text = e.render().to_string();
    let line: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("For more information"))
        .collect();
    eprintln!("llmmon: {}", line.join(" ").trim_start_matches("error: "));
    Exit::Usage.into()
}

/// `-v` shows what llmmon runs and fetches, `-vv` debug detail; `LLMMON_LOG` overrides.
/// Without `-v` the demo's in-process exporters keep quiet about sources a fault took down:
/// the TUI and `status` show them.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn,llmmon_exporter::service=error",
        1 => "llmmon=info,llmmon_exporter=info",
        _ => "llmmon=debug,llmmon_exporter=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LLMMON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(
            std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::env::var_os("NO_COLOR").is_none(),
        )
        .without_time()
        .try_init();
}

async fn run(cli: Cli) -> CmdResult {
    let ctx = Context::load(&cli.global).map_err(CliError::usage)?;
    match cli.command {
        Command::Status(args) => status_cmd(args, &ctx).await,
        Command::Top(args) => top_cmd(args, &ctx).await,
        Command::Logs(args) => logs::run(args, &ctx).await,
        Command::Stack(args) => stack::run(args, &ctx).await,
        Command::Announce(args) => announce::run(args, &ctx).await,
        Command::Config(args) => config_cmd(&args.command, &ctx),
    }
}

fn config_cmd(cmd: &ConfigCommand, ctx: &Context) -> CmdResult {
    let path = match &ctx.origin {
        Origin::File(p) => Some(p.clone()),
        Origin::Defaults { looked_at } => looked_at.clone(),
    };
    let text = match cmd {
        ConfigCommand::Path => match &path {
            Some(p) => format!("{}\n", p.display()),
            None => {
                return Err(CliError::failure(anyhow!(
                    "neither XDG_CONFIG_HOME nor HOME is set; pass --config"
                )))
            }
        },
        ConfigCommand::Show if ctx.json => {
            let mut v = serde_json::to_value(ctx.config.effective())?;
            v["file"] = serde_json::json!(matches!(ctx.origin, Origin::File(_)).then_some(path));
            serde_json::to_string_pretty(&v)? + "\n"
        }
        ConfigCommand::Show => {
            let from = match &ctx.origin {
                Origin::File(p) => format!("# from {}", p.display()),
                Origin::Defaults { looked_at: Some(p) } => {
                    format!("# defaults ({} does not exist)", p.display())
                }
                Origin::Defaults { looked_at: None } => "# defaults".to_owned(),
            };
            let token = if std::env::var_os(llmmon::config::TOKEN_ENV).is_some() {
                "set"
            } else {
                "not set"
            };
            format!(
                "{from}, then the environment ({})\n# {}: {token}\n{}",
                llmmon::config::ENV.map(|(v, _)| v).join(", "),
                llmmon::config::TOKEN_ENV,
                toml::to_string(&ctx.config.effective())?
            )
        }
    };
    exit::print(&text)?;
    Ok(Exit::Success)
}

/// `llmmon top --hosts`: the fleet screen; `enter` runs the full `top` of one server,
/// whose `q` comes back to the fleet.
async fn fleet_top_cmd(
    args: &TopArgs,
    hosts: &str,
    interval: Duration,
    ctx: &Context,
) -> CmdResult {
    use std::sync::Arc;

    use llmmon::tui::fleet::Source;
    use llmmon::tui::logs::{DockerLogs, LogSource, SimLogs};
    let (source, servers, _demos) = match &args.fleet.fleet {
        Some(url) => (
            Source::Store(Arc::new(fleet_store(url)?)),
            Vec::new(),
            Vec::new(),
        ),
        None => {
            let (servers, demos) =
                fleet_servers(&args.demo, hosts, args.fleet.fault_host, interval).await?;
            (Source::Servers(servers.clone()), servers, demos)
        }
    };
    let mode = if args.demo.demo { "demo" } else { "live" };
    let mut selected = None;
    while let Some(host) = llmmon::tui::fleet::run(source.clone(), mode, interval, selected.clone())
        .await
        .context("terminal error")?
    {
        // A server of the store's fleet: its exporters on their default ports by its name.
        let by_name = || Endpoints::on_host(&host).ok();
        let Some(endpoints) = servers
            .iter()
            .find(|(h, _)| *h == host)
            .map(|(_, e)| e.clone())
            .or_else(by_name)
        else {
            break;
        };
        let endpoints = &endpoints;
        let logs: Arc<dyn LogSource> = if args.demo.demo {
            Arc::new(SimLogs {
                base_url: endpoints
                    .url(llmmon_core::Role::Containers)
                    .unwrap_or_default()
                    .to_owned(),
                client: reqwest::Client::new(),
            })
        } else {
            Arc::new(DockerLogs {
                client: llmmon_core::docker::DockerClient::new(&ctx.config.docker_host),
            })
        };
        let prometheus = (!args.demo.demo).then(|| format!("http://{host}:23001"));
        llmmon::tui::run(endpoints.clone(), logs, prometheus, None, mode, interval)
            .await
            .context("terminal error")?;
        selected = Some(host);
    }
    Ok(Exit::Success)
}

async fn top_cmd(args: TopArgs, ctx: &Context) -> CmdResult {
    use std::sync::Arc;

    use llmmon::tui::logs::{DockerLogs, LogSource, SimLogs};
    // `--host` moves the whole stack: Prometheus and announcements too.
    let mut config = ctx.config.clone();
    if let Some(h) = &args.endpoints.host {
        config.host.clone_from(h);
    }
    if !(0.1..=3600.0).contains(&args.interval) {
        return Err(CliError::usage(anyhow!(
            "--interval {} (must be 0.1 to 3600 seconds)",
            args.interval
        )));
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        return Err(CliError::usage(anyhow!(
            "llmmon top needs a terminal; use `llmmon status` in scripts"
        )));
    }
    let interval = Duration::from_secs_f64(args.interval);
    if args.fleet.hosts.is_some() || args.fleet.fleet.is_some() {
        let hosts = args.fleet.hosts.clone().unwrap_or_default();
        return fleet_top_cmd(&args, &hosts, interval, ctx).await;
    }
    let (endpoints, demo, logs, mode): (_, _, Arc<dyn LogSource>, _) = if args.demo.demo {
        let demo = endpoints::start_demo(&args.demo, interval)
            .await
            .map_err(demo_failure)?;
        let announcements = endpoints::start_demo_announcements(&args.demo)
            .await
            .map_err(demo_failure)?;
        let containers = demo
            .endpoints
            .url(llmmon_core::Role::Containers)
            .unwrap_or_default()
            .to_owned();
        let logs = Arc::new(SimLogs {
            base_url: containers,
            client: reqwest::Client::new(),
        });
        (
            demo.endpoints.clone(),
            Some((demo, announcements)),
            logs,
            "demo",
        )
    } else {
        let e = Endpoints::from_args(&args.endpoints, &ctx.config.host).map_err(CliError::usage)?;
        let logs = Arc::new(DockerLogs {
            client: llmmon_core::docker::DockerClient::new(&config.docker_host),
        });
        (e, None, logs, "live")
    };
    let prometheus = match (args.prometheus, args.demo.demo) {
        (Some(url), _) => Some(url.trim_end_matches('/').to_owned()),
        (None, false) => Some(config.prometheus_url()),
        (None, true) => None,
    };
    let announcements = match &demo {
        Some((_, a)) => Some(a.service.url()),
        None => Some(config.announcements_url()),
    };
    llmmon::tui::run(endpoints, logs, prometheus, announcements, mode, interval)
        .await
        .context("terminal error")?;
    Ok(Exit::Success)
}

/// Exit 2 for an unknown scenario or fault, 1 when the in-process exporters fail.
fn demo_failure(e: endpoints::DemoError) -> CliError {
    match e {
        endpoints::DemoError::BadArgs(_) => CliError::usage(e),
        _ => CliError::failure(e),
    }
}

/// Today's energy and cost from the configured Prometheus; without one (or without an
/// answer) only the figures of now.
async fn today_from_prometheus(
    energy: Option<status::energy::EnergyNow>,
    ctx: &Context,
) -> Option<status::energy::EnergyNow> {
    let energy = energy?;
    let client = llmmon::tui::prometheus::PromClient {
        base_url: ctx.config.prometheus_url(),
        client: reqwest::Client::new(),
    };
    let now = llmmon_core::clock::now();
    Some(match client.energy_today(now).await {
        Ok(joules) => energy.with_today(joules, now),
        Err(e) => {
            tracing::debug!("no energy today from Prometheus: {e}");
            energy
        }
    })
}

/// Most simulated servers `--demo --hosts N` starts.
const MAX_DEMO_SERVERS: usize = 50;

/// The servers of `--hosts`: N simulated ones with --demo (the faults on `fault_host`
/// alone when given), else each named host's exporters on their default ports; the demos
/// run until dropped.
async fn fleet_servers(
    demo: &llmmon::cli::DemoArgs,
    hosts: &str,
    fault_host: Option<usize>,
    interval: Duration,
) -> Result<(Vec<(String, Endpoints)>, Vec<endpoints::Demo>), CliError> {
    let mut demos = Vec::new();
    let mut servers = Vec::new();
    if demo.demo {
        let n: usize = hosts
            .parse()
            .ok()
            .filter(|n| (1..=MAX_DEMO_SERVERS).contains(n))
            .ok_or_else(|| {
                CliError::usage(anyhow!(
                    "with --demo, --hosts is how many simulated servers (1 to {MAX_DEMO_SERVERS}), not '{hosts}'"
                ))
            })?;
        for i in 1..=n {
            let faulty = fault_host.is_none_or(|f| f == i);
            let d = endpoints::start_demo_server(demo, interval, i, faulty)
                .await
                .map_err(demo_failure)?;
            servers.push((llmmon_core::scenario::host_name(i), d.endpoints.clone()));
            demos.push(d);
        }
        return Ok((servers, demos));
    }
    for host in hosts.split(',').map(str::trim).filter(|h| !h.is_empty()) {
        let e = Endpoints::on_host(host).map_err(CliError::usage)?;
        servers.push((host.to_owned(), e));
    }
    if servers.is_empty() {
        return Err(CliError::usage(anyhow!("--hosts names no server")));
    }
    Ok((servers, demos))
}

/// `llmmon status --hosts`: every server, one line each; exit 3 when any has a critical
/// problem or none of its exporters answers.
async fn fleet_status_cmd(args: &StatusArgs, hosts: &str, ctx: &Context) -> CmdResult {
    let (servers, demos) =
        fleet_servers(&args.demo, hosts, args.fleet.fault_host, DEMO_INTERVAL).await?;
    let mode = if args.demo.demo { "demo" } else { "live" };
    let fleet = status::fleet::gather(&servers, mode).await;
    if fleet.iter().all(|s| !s.status.any_reachable()) {
        return Err(CliError::failure(anyhow!(
            "no server's exporters answered (tried {}); is each stack up?",
            servers
                .iter()
                .map(|(h, _)| h.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let text = if ctx.json {
        serde_json::to_string_pretty(&fleet)? + "\n"
    } else {
        status::fleet::render_text(&fleet)
    };
    exit::print(&text)?;
    drop(demos);
    Ok(if status::fleet::has_critical(&fleet) {
        Exit::Critical
    } else {
        Exit::Success
    })
}

/// The central store of `--fleet URL`; a URL that does not parse is a usage error (shown
/// without its credentials).
fn fleet_store(url: &str) -> Result<status::fleet_store::Store, CliError> {
    status::fleet_store::Store::new(url)
        .map_err(|e| CliError::usage(anyhow!("--fleet {}: {e}", llmmon_core::redact::url(url))))
}

/// `llmmon status --fleet URL`: the fleet from its central store.
async fn store_status_cmd(url: &str, ctx: &Context) -> CmdResult {
    let lines = fleet_store(url)?.lines().await.map_err(CliError::failure)?;
    let text = if ctx.json {
        serde_json::to_string_pretty(&lines)? + "\n"
    } else {
        status::fleet::render_lines(&lines)
    };
    exit::print(&text)?;
    Ok(if lines.iter().any(|l| l.critical > 0 || !l.reachable) {
        Exit::Critical
    } else {
        Exit::Success
    })
}

async fn status_cmd(args: StatusArgs, ctx: &Context) -> CmdResult {
    if let Some(url) = &args.fleet.fleet {
        return store_status_cmd(url, ctx).await;
    }
    if let Some(hosts) = args.fleet.hosts.clone() {
        return fleet_status_cmd(&args, &hosts, ctx).await;
    }
    let (endpoints, _demo, mode) = if args.demo.demo {
        let demo = endpoints::start_demo(&args.demo, DEMO_INTERVAL)
            .await
            .map_err(demo_failure)?;
        let e = demo.endpoints.clone();
        (e, Some(demo), "demo")
    } else {
        let e = Endpoints::from_args(&args.endpoints, &ctx.config.host).map_err(CliError::usage)?;
        (e, None, "live")
    };
    let mut s = status::gather(&endpoints, mode).await;
    if _demo.is_none() {
        s.energy = today_from_prometheus(s.energy.take(), ctx).await;
    }
    if !s.any_reachable() {
        return Err(CliError::failure(anyhow!(
            "no exporter answered (tried {}); is the stack up? try `llmmon status --demo` for a simulated server",
            endpoints.roles.first().map_or("", |(_, u)| u.as_str())
        )));
    }
    let text = if ctx.json {
        serde_json::to_string_pretty(&s)? + "\n"
    } else {
        status::render_text(&s)
    };
    // A closed pipe (`llmmon status | head`) is not an error: `main` treats it as success.
    exit::print(&text)?;
    Ok(if s.has_critical() {
        Exit::Critical
    } else {
        Exit::Success
    })
}
