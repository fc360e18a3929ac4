//! llmmon-readings: what each source reads, in llmmon's own terms, and the source traits.
//!
//! The boundary between whoever produces readings (the exporter's real sources: NVML, the
//! Docker API, the upstreams' HTTP APIs; the simulator in `llmmon-sim`) and the exporter's
//! renderers, which turn readings into metric families. Types only: no I/O, no metric names.

pub mod containers;
pub mod gpu;
pub mod langfuse;
pub mod litellm;
pub mod vllm;
