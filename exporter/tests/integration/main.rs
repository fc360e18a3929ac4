//! The `llmmon-exporter` crate's integration tests, one binary with a module per area (one
//! link step instead of one per file; nextest still runs each test in its own process).
//! Shared helpers live in `support/`; the fuzz harness is the root crate's
//! `tests/integration/support/fuzz.rs`, included by path from `fuzz.rs`. Run one area with
//! `cargo nextest run -p llmmon-exporter -E 'test(/^store_crash::/)'` or
//! `cargo test -p llmmon-exporter --test integration store_crash::`.

mod fuzz;
mod gpu_nvml;
mod history;
mod http;
mod langfuse_http;
mod litellm_http;
mod logs;
mod memory_bounds;
mod sim_expositions;
mod sim_monotonic;
mod simulator;
mod status_page;
mod store_crash;
mod support;
mod vllm_fixtures;
mod vllm_http;
