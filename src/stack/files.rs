//! File operations of the stack commands whose errors name the file: `cannot read
//! /opt/llmmon/compose/.env: permission denied`.

use std::fmt;
use std::path::{Path, PathBuf};

/// What was being done to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Open,
    Write,
    List,
    Delete,
    Create,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Read => "read",
            Op::Open => "open",
            Op::Write => "write",
            Op::List => "list",
            Op::Delete => "delete",
            Op::Create => "create",
        })
    }
}

/// A file operation that failed, with the path and the system's reason.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {}: {why}", .path.display())]
pub struct FileError {
    pub op: Op,
    pub path: PathBuf,
    pub why: std::io::Error,
}

impl FileError {
    /// The error of `op` on `path`, for `map_err`.
    pub fn of(op: Op, path: &Path) -> impl FnOnce(std::io::Error) -> Self + '_ {
        move |why| Self {
            op,
            path: path.to_owned(),
            why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_operation_and_the_file() {
        let e = FileError::of(Op::Write, Path::new("/x/.env"))(std::io::Error::from(
            std::io::ErrorKind::PermissionDenied,
        ));
        assert_eq!(e.to_string(), "cannot write /x/.env: permission denied");
    }
}
