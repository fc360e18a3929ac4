//! `llmmon logs`: placeholder until built.

use clap::Args;

use crate::context::Context;
use crate::exit::{CmdResult, Exit};

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Containers or Compose services.
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

pub async fn run(_args: LogsArgs, _ctx: &Context) -> CmdResult {
    Err((Exit::Failure, "llmmon logs is not built yet".into()))
}
