//! llmmon-core: the layer every other llmmon crate builds on. The metric schema (the one
//! source of truth for metric names), exposition rendering and scrape parsing, the clock,
//! the upstream HTTP transport and secrets, the Docker client, alert thresholds and the
//! bare exporter roles. It depends on no other llmmon crate.

pub mod clock;
pub mod docker;
pub mod exposition;
pub mod label;
pub mod payload;
pub mod problems;
pub mod redact;
pub mod role;
pub mod scenario;
pub mod schema;
pub mod scrape;
pub mod source;
pub mod thresholds;
pub mod topn;
pub mod upstream;
pub mod xid;

pub use role::{Role, SourceMode};
