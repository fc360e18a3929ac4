//! llmmon: the command-line tool of the llmmon monitoring stack (status, top, logs, stack,
//! announce), reading the exporter roles over HTTP.

pub mod announce;
pub mod cli;
pub mod config;
pub mod context;
pub mod dashboards;
pub mod endpoints;
pub mod exit;
pub mod logs;
pub mod rules;
pub mod stack;
pub mod status;
pub mod tui;
