//! A program a test needs, found on the PATH, or a failure naming the Debian package that
//! has it: shared by the integration tests of every crate (each includes this file with
//! `#[path]`), so that none skips silently.

use std::path::PathBuf;

/// The path of `bin`, or a panic that says which Debian package to install.
pub fn require(bin: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(bin))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{bin}` is not installed; this test needs it. Install it with: \
             apt-get update && apt-get install -y {package} (or run ./scripts/test.sh, which does)"
        )
    })
}
