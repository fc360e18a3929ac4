//! `llmmon stack`: placeholder until built.

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::exit::{CmdResult, Exit};

#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Start the stack.
    Up,
}

pub async fn run(_args: StackArgs, _ctx: &Context) -> CmdResult {
    Err((Exit::Failure, "llmmon stack is not built yet".into()))
}
