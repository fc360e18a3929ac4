//! What every command gets besides its own arguments: the loaded configuration and the
//! global flags.

use std::path::PathBuf;

use clap::Args;

use crate::config::{Config, Origin};

/// Flags every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: $XDG_CONFIG_HOME/llmmon/config.toml].
    #[arg(long, global = true, env = "LLMMON_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print JSON instead of text (commands with a report).
    #[arg(long, global = true)]
    pub json: bool,
    /// More detail on stderr (-v: what is run and fetched; -vv: debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Clone)]
pub struct Context {
    pub config: Config,
    pub origin: Origin,
    /// `--json`: machine-readable output.
    pub json: bool,
    /// `-v` count.
    pub verbose: u8,
}

impl Context {
    /// Loads the configuration the global flags name; a bad file is a one-line error.
    pub fn load(global: &GlobalArgs) -> Result<Self, crate::config::ConfigError> {
        let (config, origin) = crate::config::Config::load(global.config.as_deref())?;
        Ok(Self {
            config,
            origin,
            json: global.json,
            verbose: global.verbose,
        })
    }

    /// A context on defaults (tests).
    pub fn defaults() -> Self {
        Self {
            config: Config::default(),
            origin: Origin::Defaults { looked_at: None },
            json: false,
            verbose: 0,
        }
    }
}
