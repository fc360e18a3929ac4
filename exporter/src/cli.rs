//! The command line of `llmmon-exporter`: roles, sources, the `history` subcommand. It lives
//! in the library so that the shell completions and man pages are generated from it (and
//! drift-checked) like `llmmon`'s.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Parser, Subcommand, ValueEnum};

use crate::history;
use llmmon_core::scenario::{Fault, Scenario};
use llmmon_core::Role;

/// The simulator's scenario names, so shells complete them and clap names them on a typo.
pub fn scenario_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Scenario::ALL.map(Scenario::as_str))
}

/// The simulator's fault names.
pub fn fault_names() -> PossibleValuesParser {
    PossibleValuesParser::new(Fault::ALL.map(Fault::as_str))
}

/// What the process serves: one role, every role, or the simulator's upstream APIs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serve {
    One(Role),
    All,
    SimUpstreams,
    Announcements,
}

/// Every role by its name, then `all`, `sim-upstreams` and `announcements`: the role list
/// is `Role::ALL`'s.
const SERVE_VALUES: [Serve; Role::ALL.len() + 3] = {
    let mut values = [Serve::All; Role::ALL.len() + 3];
    let mut i = 0;
    while i < Role::ALL.len() {
        values[i] = Serve::One(Role::ALL[i]);
        i += 1;
    }
    values[Role::ALL.len() + 1] = Serve::SimUpstreams;
    values[Role::ALL.len() + 2] = Serve::Announcements;
    values
};

impl ValueEnum for Serve {
    fn value_variants<'a>() -> &'a [Self] {
        &SERVE_VALUES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            Serve::One(role) => PossibleValue::new(role.as_str()),
            Serve::All => PossibleValue::new("all")
                .help("Every role in one process, each on its own listen address"),
            Serve::SimUpstreams => PossibleValue::new("sim-upstreams").help(
                "The simulator's vLLM / LiteLLM / Langfuse HTTP APIs, for real-mode collectors \
                 to read in mock deployments (default port 9910)",
            ),
            Serve::Announcements => PossibleValue::new("announcements").help(
                "The announcements service: API, feeds, service status and metrics (default \
                 port 23004; store in LLMMON_DATA_DIR, writes need LLMMON_ANNOUNCEMENTS_TOKEN)",
            ),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    Real,
    Sim,
}

/// Prometheus exporter roles of llmmon, on real sources or the fleet simulator.
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: Args,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the simulator's past as OpenMetrics, for backfilling Prometheus.
    ///
    /// Every target of the mock stack (each exporter role and the simulated LiteLLM's own
    /// /metrics), scraped at every step with the labels the stack's Prometheus gives it, one
    /// file per UTC day, each ending in `# EOF`. Load them with
    /// `promtool tsdb create-blocks-from openmetrics --max-block-duration=24h FILE DATA_DIR`
    /// (printed at the end), or let `llmmon stack up --mock --backfill 30d` do it.
    History(HistoryArgs),
}

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Days of history, ending at --end (fractions allowed).
    #[arg(long, default_value_t = 30.0, value_name = "DAYS")]
    pub days: f64,
    /// Directory for the OpenMetrics files (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Time between samples (30s is the stack's scrape interval; 5m makes files a tenth
    /// the size).
    #[arg(long, default_value = "30s", value_name = "DURATION", value_parser = history::parse_duration)]
    pub step: f64,
    /// End of the history, Unix seconds (exclusive) [default: now].
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub end: Option<f64>,
    /// Simulator seed [default: the configuration's, 42].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulator scenario (normal, high_load, degraded, maintenance).
    #[arg(long, value_name = "NAME", value_parser = scenario_names())]
    pub scenario: Option<String>,
    /// Simulator fault to switch on (repeatable).
    #[arg(long = "fault", value_name = "NAME", value_parser = fault_names())]
    pub faults: Vec<String>,
    /// TOML configuration file (its [sim] section: seed, scale, scenario).
    #[arg(long, env = "LLMMON_CONFIG")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which role to serve.
    #[arg(value_enum, required = true)]
    pub role: Option<Serve>,
    /// Where readings come from.
    #[arg(long, value_enum, default_value = "sim", env = "LLMMON_SOURCE")]
    pub source: SourceArg,
    /// Listen address (single role only; `all` takes addresses from the config).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// TOML configuration file.
    #[arg(long, env = "LLMMON_CONFIG")]
    pub config: Option<PathBuf>,
    /// Simulator scenario (normal, high_load, degraded, maintenance).
    #[arg(long, value_name = "NAME", value_parser = scenario_names())]
    pub scenario: Option<String>,
    /// Simulator fault to switch on (repeatable).
    #[arg(long = "fault", value_name = "NAME", value_parser = fault_names())]
    pub faults: Vec<String>,
    /// Seconds between collections.
    #[arg(long)]
    pub interval: Option<f64>,
    /// vLLM base URL to scrape besides discovered containers (vllm role; repeatable).
    #[arg(long = "target", value_name = "URL")]
    pub targets: Vec<String>,
    /// Base URL of the service the role reads (litellm, langfuse roles).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
}
