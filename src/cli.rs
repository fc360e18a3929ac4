//! The command line, defined once with clap derive: completions and man pages are generated
//! from it.

use clap::{Args, Parser, Subcommand};
use llmmon_exporter::cli::{fault_names, scenario_names};

pub use crate::context::GlobalArgs;
use crate::{announce, logs, stack};

/// Monitoring for a self-hosted LLM server: GPUs, containers, vLLM, LiteLLM, Langfuse.
#[derive(Debug, Parser)]
#[command(
    name = "llmmon",
    version,
    about,
    propagate_version = true,
    after_long_help = "Exit status: 0 success; 1 failure (one-line reason on stderr); \
                       2 bad arguments or configuration; 3 `status` found critical problems."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// One-shot summary of the server: GPUs, containers, models, traffic, problems.
    ///
    /// Exits 0 when nothing is critical, 3 when something is, 1 when no exporter answers.
    Status(StatusArgs),
    /// Live terminal UI: GPU grid, containers (GPU / non-GPU), LLM traffic, logs, problems.
    ///
    /// Keys: tab to change pane, ↑↓/jk to move, enter to follow a container's logs, / to
    /// filter, s to sort, p to pause, ? for help, q to quit.
    Top(TopArgs),
    /// Container logs: live from Docker, history from Loki; follow, filter by text and level.
    Logs(logs::LogsArgs),
    /// Run and look after the monitoring stack (Docker Compose): up, down, status, backup.
    Stack(stack::StackArgs),
    /// Publish and manage announcements for end users (maintenance, deprecations, status).
    Announce(announce::AnnounceArgs),
    /// Show the configuration in effect and where it came from.
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration (file, then environment) as TOML.
    Show,
    /// Print the path of the configuration file llmmon reads.
    Path,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Seconds between refreshes.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub interval: f64,
    /// Prometheus for history (sparklines, 5-minute rates and percentiles); by default the
    /// stack's on the exporters' host (port 23001), none with --demo.
    #[arg(long, value_name = "URL")]
    pub prometheus: Option<String>,
    #[command(flatten)]
    pub demo: DemoArgs,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub demo: DemoArgs,
    #[command(flatten)]
    pub endpoints: EndpointArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// More than one server: `top` and `status` read a whole fleet.
#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// A fleet: one line per server, the worst first (comma-separated host names, each
    /// server's exporters on their default ports). With --demo, how many simulated servers.
    #[arg(long, value_name = "HOST,…|N", conflicts_with_all = ["host", "exporters"])]
    pub hosts: Option<String>,
    /// A fleet read from its central store's query API (e.g. VictoriaMetrics, or vmauth with
    /// `https://user:password@…`): the series under `host` and the firing alerts (vmalert's
    /// ALERTS); in `top`, `enter` opens a server's exporters by its host name.
    #[arg(long, value_name = "URL", conflicts_with_all = ["host", "exporters", "hosts", "demo"])]
    pub fleet: Option<String>,
    /// With --demo --hosts N: put the --fault faults on server N only (1 is the first).
    #[arg(long, value_name = "N", requires = "hosts")]
    pub fault_host: Option<usize>,
}

/// Running against the embedded fleet simulator instead of a real server.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Start the exporter roles in-process on a simulated 8-GPU server and read those.
    #[arg(long)]
    pub demo: bool,
    /// Simulator scenario: normal, high_load, degraded, maintenance.
    #[arg(long, requires = "demo", value_name = "NAME", value_parser = scenario_names())]
    pub scenario: Option<String>,
    /// Simulator fault to switch on (repeatable): gpu_overheat, container_crash_loop,
    /// model_load_failure, upstream_down, error_burst, gpu_xid.
    #[arg(long = "fault", requires = "demo", value_name = "NAME", value_parser = fault_names())]
    pub faults: Vec<String>,
}

/// Where the exporters are.
#[derive(Debug, Clone, Args)]
pub struct EndpointArgs {
    /// Host the exporter roles (and the stack) run on, each on its default port [default:
    /// `host` in the config, LLMMON_HOST, else 127.0.0.1].
    #[arg(long)]
    pub host: Option<String>,
    /// Override one role's base URL, e.g. `--exporter gpu=http://10.0.0.5:9445` (repeatable).
    #[arg(long = "exporter", value_name = "ROLE=URL")]
    pub exporters: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn scenario_requires_demo() {
        let err = Cli::try_parse_from(["llmmon", "status", "--scenario", "high_load"]).unwrap_err();
        assert!(err.to_string().contains("--demo"), "{err}");
    }
}
