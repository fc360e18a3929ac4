//! llmmon-exporter: the exporter roles (GPU, containers, vLLM, LiteLLM, Langfuse and the
//! simulated standard exporters), the fleet simulator they run on in mock mode, and the
//! metric schema every other part of llmmon refers to.

pub mod cli;
pub mod config;
pub mod containers;
pub mod cost;
pub mod gpu;
pub mod history;
pub mod langfuse;
pub mod litellm;
pub mod service;
pub mod vllm;
pub mod wiring;
