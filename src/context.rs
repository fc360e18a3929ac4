//! What every command gets besides its own arguments: the loaded configuration and the
//! global flags.

use crate::cli::GlobalArgs;
use crate::config::{Config, Origin};

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
    pub fn load(global: &GlobalArgs) -> Result<Self, String> {
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
