//! Thresholds shared by alert rules, dashboards and `llmmon status` / `llmmon top`. Change a
//! value here and every consumer follows.

/// GPU core temperature that warrants a look (°C); sustained load on H200 stays below.
pub const GPU_TEMP_WARNING_C: f64 = 75.0;
/// GPU core temperature at which the GPU throttles soon (°C).
pub const GPU_TEMP_CRITICAL_C: f64 = 85.0;
/// GPU memory use beyond which a new allocation is likely to fail (ratio).
pub const GPU_MEMORY_CRITICAL_RATIO: f64 = 0.95;
/// vLLM KV-cache use beyond which requests start to queue or be preempted (ratio).
pub const KV_CACHE_WARNING_RATIO: f64 = 0.90;
/// Requests waiting in one vLLM instance's queue that count as a backlog.
pub const QUEUE_WARNING_REQUESTS: f64 = 10.0;
/// Share of failed requests that is an incident (ratio).
pub const ERROR_RATIO_CRITICAL: f64 = 0.05;
/// Host CPU busy share that is critical when sustained (ratio).
pub const HOST_CPU_CRITICAL_RATIO: f64 = 0.90;
/// Host memory use that warrants a look (ratio).
pub const HOST_MEMORY_WARNING_RATIO: f64 = 0.80;
/// Free filesystem space below which a disk is critical (ratio).
pub const DISK_FREE_CRITICAL_RATIO: f64 = 0.10;
