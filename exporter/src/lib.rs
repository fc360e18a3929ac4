//! llmmon-exporter: the exporter roles (GPU, containers, vLLM, LiteLLM, Langfuse and the
//! simulated standard exporters), the fleet simulator they run on in mock mode, and the
//! metric schema every other part of llmmon refers to.

pub mod announcements;
pub mod cli;
pub mod config;
pub mod containers;
pub mod docker;
pub mod exposition;
pub mod gpu;
pub mod history;
pub mod langfuse;
pub mod litellm;
pub mod redact;
pub mod role;
pub mod schema;
pub mod scrape;
pub mod service;
pub mod sim;
pub mod source;
pub mod thresholds;
pub mod topn;
pub mod upstream;
pub mod vllm;

pub use role::{Role, SourceMode};
