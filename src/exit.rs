//! Exit codes of `llmmon`, documented in the man page and README.

use std::process::ExitCode;

/// What a command returns: its exit code, or a failure code with a one-line reason (printed
/// as `llmmon: REASON` on stderr).
pub type CmdResult = Result<Exit, (Exit, String)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked (and `status` found nothing critical).
    Success = 0,
    /// The command failed; stderr says why in one line.
    Failure = 1,
    /// Bad arguments or configuration.
    Usage = 2,
    /// `status` worked and found critical problems.
    Critical = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}
