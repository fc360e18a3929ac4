//! The `llmmon` crate's integration tests, one binary with a module per area (one link step
//! instead of one per file; nextest still runs each test in its own process). Shared helpers
//! live in `support/`. Run one area with `cargo nextest run -E 'test(/^alerting::/)'` or
//! `cargo test --test integration alerting::`.

mod alerting;
mod announce;
mod cli;
mod cli_reference;
mod compose;
mod config_checks;
mod dashboards;
mod docker_containers;
mod fidelity;
mod fleet;
mod fuzz_cli;
mod golden_exposition;
mod layering;
mod litellm_proxy;
mod logql;
mod logs;
mod mock_e2e;
mod prometheus_scrape;
mod rules;
mod stack;
mod support;
mod tui;
mod tui_prometheus;
mod tui_tmux;
mod vllm_discovery;
