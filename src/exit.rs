//! Exit codes of `llmmon`, documented in the man page and README, and the error a command
//! fails with: an exit code and the reason (printed as `llmmon: REASON` on stderr).

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

/// What a command returns: its exit code, or the error it failed with.
pub type CmdResult = Result<Exit, CliError>;

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

/// A failed command: the exit code it ends with and why. Any error converts into one with
/// [`Exit::Failure`]; [`CliError::usage`] marks bad arguments or configuration.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub source: anyhow::Error,
}

impl CliError {
    /// Bad arguments or configuration (exit 2).
    pub fn usage(e: impl Into<anyhow::Error>) -> Self {
        Self {
            exit: Exit::Usage,
            source: e.into(),
        }
    }

    /// The command failed (exit 1).
    pub fn failure(e: impl Into<anyhow::Error>) -> Self {
        Self {
            exit: Exit::Failure,
            source: e.into(),
        }
    }

    /// Whether the command stopped because its reader went away (`llmmon logs x | head`),
    /// which is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        self.source.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        })
    }

    /// What `main` ends with: success for a broken pipe, else the reason on stderr and the
    /// code.
    pub fn report(&self) -> ExitCode {
        if self.is_broken_pipe() {
            return Exit::Success.into();
        }
        eprintln!("llmmon: {self}");
        self.exit.into()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.source)
    }
}

impl<E: Into<anyhow::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        Self::failure(e)
    }
}

/// Writes `text` to stdout; a closed stdout is an error that names it (a broken pipe among
/// them, which `main` then treats as success).
pub fn print(text: &str) -> anyhow::Result<()> {
    use anyhow::Context as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_error_is_a_failure_and_shows_its_causes_on_one_line() {
        let e: CliError = anyhow::anyhow!("disk full")
            .context("cannot write x")
            .into();
        assert_eq!(e.exit, Exit::Failure);
        assert_eq!(e.to_string(), "cannot write x: disk full");
        assert_eq!(CliError::usage(anyhow::anyhow!("bad")).exit, Exit::Usage);
    }

    #[test]
    fn only_a_broken_pipe_counts_as_the_reader_going_away() {
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        let e = CliError::from(anyhow::Error::new(pipe).context("cannot write to stdout"));
        assert!(e.is_broken_pipe());
        let full = std::io::Error::other("no space left");
        assert!(!CliError::from(full).is_broken_pipe());
    }
}
