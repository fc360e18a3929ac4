//! `llmmon announce`: placeholder until built.

use clap::Args;

use crate::context::Context;
use crate::exit::{CmdResult, Exit};

#[derive(Debug, Args)]
pub struct AnnounceArgs {
    /// The announcement text.
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,
}

pub async fn run(_args: AnnounceArgs, _ctx: &Context) -> CmdResult {
    Err((Exit::Failure, "llmmon announce is not built yet".into()))
}
