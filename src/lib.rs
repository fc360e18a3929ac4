//! llmmon: the command-line tool of the llmmon monitoring stack (status, and later the
//! TUI and ops commands), reading the exporter roles over HTTP.

pub mod cli;
pub mod dashboards;
pub mod endpoints;
pub mod exit;
pub mod rules;
pub mod status;
pub mod tui;

/// Exposition parsing lives with the exporter, which reads vLLM's; the CLI reads ours with it.
pub use llmmon_exporter::scrape;
