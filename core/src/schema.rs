//! The one list of every metric family llmmon emits: name, type, help and label names.
//!
//! Exporter, TUI, dashboards and rules all refer to these constants, so a rename happens in
//! one place. Our own families follow `llm_monitor_<subsystem>_<metric>_<unit>`; the families
//! our simulated node_exporter, cAdvisor and dcgm-exporter roles emit keep those exporters'
//! real names, types and labels (checked by the fidelity tests).

/// Prometheus metric type of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetricKind {
    Gauge,
    /// Exposed with a `_total` suffix; `name` below includes it.
    Counter,
    Histogram,
}

impl MetricKind {
    /// The word Prometheus uses in `# TYPE` lines.
    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Gauge => "gauge",
            MetricKind::Counter => "counter",
            MetricKind::Histogram => "histogram",
        }
    }
}

/// One metric family: what a scrape shows under `# HELP` / `# TYPE`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MetricDef {
    /// Name as queried in PromQL (counters end in `_total`, histograms are the base name).
    pub name: &'static str,
    pub kind: MetricKind,
    pub help: &'static str,
    /// Label names, in the order samples give their values.
    pub labels: &'static [&'static str],
}

impl MetricDef {
    /// Name without the `_total` suffix, as the text encoder wants it for counters.
    pub fn base_name(&self) -> &'static str {
        match self.kind {
            MetricKind::Counter => self.name.strip_suffix("_total").unwrap_or(self.name),
            _ => self.name,
        }
    }

    /// Whether the name follows llmmon's own naming scheme.
    pub fn is_own(&self) -> bool {
        self.name.starts_with("llm_monitor_")
    }
}

macro_rules! families {
    ($( $(#[$doc:meta])* $id:ident = $kind:ident $name:literal [$($label:literal),*] $help:literal; )*) => {
        $( $(#[$doc])* pub const $id: MetricDef = MetricDef {
            name: $name,
            kind: MetricKind::$kind,
            help: $help,
            labels: &[$($label),*],
        }; )*
    };
}

// ---------------------------------------------------------------- exporter self-monitoring
families! {
    SOURCE_UP = Gauge "llm_monitor_exporter_source_up" ["source"]
        "1 when the last collection from this source succeeded, 0 when it failed or timed out";
    COLLECT_DURATION = Gauge "llm_monitor_exporter_collect_duration_seconds" ["source"]
        "Duration of the last collection from this source";
    LAST_SUCCESS = Gauge "llm_monitor_exporter_last_success_timestamp_seconds" ["source"]
        "Unix time of the last successful collection from this source";
    COLLECT_FAILURES = Counter "llm_monitor_exporter_collect_failures_total" ["source"]
        "Collections from this source that failed or timed out";
    SCRAPE_DROPPED = Counter "llm_monitor_exporter_scrape_dropped_total" ["source", "reason"]
        "Upstream expositions dropped whole, before parsing, for going over a cap (reason = series, labels, label_value, families; LLMMON_SCRAPE_MAX_*); the instance reads as an error naming the cap";
    ENDPOINT_UP = Gauge "llm_monitor_exporter_endpoint_up" ["source", "endpoint"]
        "1 when this upstream endpoint answered at the last collection, 0 when it failed or the upstream does not offer it (the kind is in llm_monitor_exporter_endpoint_error)";
    ENDPOINT_ERROR = Gauge "llm_monitor_exporter_endpoint_error" ["source", "endpoint", "kind"]
        "1 for the kind of the last failure of an upstream endpoint (unavailable, malformed, unauthorized, timeout, unsupported); absent while it answers";
    BUILD_INFO = Gauge "llm_monitor_exporter_build_info" ["version", "role", "mode"]
        "Exporter build and mode (real or sim); always 1";
    SIM_SCENARIO = Gauge "llm_monitor_sim_scenario_info" ["scenario"]
        "Scenario the fleet simulator is running; always 1 (sim mode only)";
    SIM_FAULT_ACTIVE = Gauge "llm_monitor_sim_fault_active" ["fault"]
        "1 when this simulator fault switch is on (sim mode only)";
}

// ---------------------------------------------------------------- gpu role (NVML)
families! {
    GPU_INFO = Gauge "llm_monitor_gpu_info" ["gpu", "uuid", "name", "pci_bus_id"]
        "GPU identity; always 1";
    GPU_DRIVER_INFO = Gauge "llm_monitor_gpu_driver_info" ["driver_version", "cuda_driver_version"]
        "NVIDIA driver and CUDA driver version; always 1";
    GPU_UTILIZATION = Gauge "llm_monitor_gpu_utilization_ratio" ["gpu"]
        "Fraction of the last sample period a kernel was running (0-1)";
    GPU_MEMORY_UTILIZATION = Gauge "llm_monitor_gpu_memory_utilization_ratio" ["gpu"]
        "Fraction of the last sample period device memory was read or written (0-1)";
    GPU_MEMORY_USED = Gauge "llm_monitor_gpu_memory_used_bytes" ["gpu"]
        "Device memory in use";
    GPU_MEMORY_FREE = Gauge "llm_monitor_gpu_memory_free_bytes" ["gpu"]
        "Device memory free";
    GPU_MEMORY_TOTAL = Gauge "llm_monitor_gpu_memory_total_bytes" ["gpu"]
        "Device memory installed, as NVML reports it";
    GPU_TEMPERATURE = Gauge "llm_monitor_gpu_temperature_celsius" ["gpu"]
        "GPU core temperature";
    GPU_MEMORY_TEMPERATURE = Gauge "llm_monitor_gpu_memory_temperature_celsius" ["gpu"]
        "HBM temperature, where the GPU reports it";
    GPU_POWER_USAGE = Gauge "llm_monitor_gpu_power_usage_watts" ["gpu"]
        "Power draw";
    GPU_POWER_LIMIT = Gauge "llm_monitor_gpu_power_limit_watts" ["gpu"]
        "Enforced power limit";
    GPU_ENERGY = Counter "llm_monitor_gpu_energy_joules_total" ["gpu"]
        "Energy consumed since the driver was loaded";
    GPU_CLOCK = Gauge "llm_monitor_gpu_clock_hertz" ["gpu", "clock"]
        "Current clock (clock = graphics, sm, memory)";
    GPU_CLOCK_MAX = Gauge "llm_monitor_gpu_clock_max_hertz" ["gpu", "clock"]
        "Maximum clock (clock = graphics, sm, memory)";
    GPU_CLOCK_EVENT = Gauge "llm_monitor_gpu_clock_event_active" ["gpu", "reason"]
        "1 while this clock-event (throttle) reason holds clocks down";
    GPU_ECC_ERRORS = Counter "llm_monitor_gpu_ecc_errors_total" ["gpu", "error_type"]
        "ECC errors since the driver was loaded (error_type = corrected, uncorrected)";
    GPU_PCIE_THROUGHPUT = Gauge "llm_monitor_gpu_pcie_throughput_bytes_per_second" ["gpu", "direction"]
        "PCIe throughput over the last 20 ms (direction = rx, tx)";
    GPU_RETIRED_PAGES = Gauge "llm_monitor_gpu_retired_pages" ["gpu", "cause"]
        "Retired device memory pages (cause = single_bit_ecc, double_bit_ecc)";
    GPU_PROCESSES = Gauge "llm_monitor_gpu_processes" ["gpu"]
        "Compute processes running on the GPU";
    GPU_CONTAINER_MEMORY = Gauge "llm_monitor_gpu_container_memory_used_bytes" ["gpu", "container"]
        "GPU memory held by the processes of one container (container = \"host\" outside Docker)";
    GPU_CONTAINER_UTILIZATION = Gauge "llm_monitor_gpu_container_utilization_ratio" ["gpu", "container"]
        "SM utilization by the processes of one container (0-1)";
    GPU_XID_ERRORS = Counter "llm_monitor_gpu_xid_errors_total" ["gpu", "xid"]
        "Critical XID error events NVML delivered since the exporter started, per XID code";
    GPU_XID_LAST = Gauge "llm_monitor_gpu_xid_last_timestamp_seconds" ["gpu", "xid"]
        "When NVML last delivered this XID (Unix time)";
    GPU_NVLINK_UP = Gauge "llm_monitor_gpu_nvlink_up" ["gpu", "link"]
        "1 while the NVLink is active";
    GPU_NVLINK_ERRORS = Counter "llm_monitor_gpu_nvlink_errors_total" ["gpu", "link", "error_type"]
        "NVLink data-link errors since the driver loaded (error_type = replay, recovery, crc_flit, crc_data)";
    GPU_REMAPPED_ROWS = Gauge "llm_monitor_gpu_remapped_rows" ["gpu", "cause"]
        "HBM rows remapped (cause = correctable, uncorrectable)";
    GPU_ROW_REMAP_PENDING = Gauge "llm_monitor_gpu_row_remap_pending" ["gpu"]
        "1 while a row remapping waits for a GPU reset";
    GPU_ROW_REMAP_FAILED = Gauge "llm_monitor_gpu_row_remap_failed" ["gpu"]
        "1 once a row remapping failed (no spare rows left)";
    GPU_PCIE_REPLAYS = Counter "llm_monitor_gpu_pcie_replays_total" ["gpu"]
        "PCIe link-level replays since the driver loaded";
    GPU_HEALTH = Gauge "llm_monitor_gpu_health" ["gpu", "verdict"]
        "1 for the GPU's health verdict (verdict = ok, warning, critical), 0 for the others";
    GPU_HEALTH_PROBLEM = Gauge "llm_monitor_gpu_health_problem_info" ["gpu", "severity", "problem", "action"]
        "One series per problem behind a GPU's verdict, with what to do; always 1";
    COST_GPU_HOUR = Gauge "llm_monitor_cost_gpu_hour_usd" []
        "Configured price of one GPU for an hour, held or not (cost.gpu_hour_usd)";
    COST_KWH = Gauge "llm_monitor_cost_kwh_usd" []
        "Configured price of a kilowatt-hour of electricity (cost.kwh_usd)";
}

// ---------------------------------------------------------------- containers role (Docker)
families! {
    CONTAINER_INFO = Gauge "llm_monitor_container_info"
        ["container", "compose_project", "compose_service", "image", "image_version", "class",
         "cuda_version", "restart_policy", "network_mode"]
        "Container identity; class = gpu or non-gpu; always 1";
    CONTAINER_STATE = Gauge "llm_monitor_container_state" ["container", "state"]
        "1 for the container's current Docker state (created, running, paused, restarting, removing, exited, dead)";
    CONTAINER_HEALTH = Gauge "llm_monitor_container_health_status" ["container", "status"]
        "1 for the container's current health (healthy, unhealthy, starting, none)";
    CONTAINER_RESTARTS = Gauge "llm_monitor_container_restarts" ["container"]
        "Docker's restart count for the container (resets when it is recreated)";
    CONTAINER_EXIT_CODE = Gauge "llm_monitor_container_exit_code" ["container"]
        "Exit code of the container's last run";
    CONTAINER_START_TIME = Gauge "llm_monitor_container_start_time_seconds" ["container"]
        "Unix time the container last started";
    CONTAINER_MEMORY_LIMIT = Gauge "llm_monitor_container_memory_limit_bytes" ["container"]
        "Memory limit; absent when unlimited";
    CONTAINER_CPU_LIMIT = Gauge "llm_monitor_container_cpu_limit_cores" ["container"]
        "CPU limit in cores; absent when unlimited";
    CONTAINER_MOUNT_PRESENT = Gauge "llm_monitor_container_mount_source_present" ["container", "destination", "type"]
        "1 when a mount's source exists on the host, 0 when it is missing";
    CONTAINER_GPU = Gauge "llm_monitor_container_gpu_assigned" ["container", "gpu"]
        "1 for each GPU index assigned to the container";
    CONTAINER_CRASH_LOOP = Gauge "llm_monitor_container_crash_looping" ["container"]
        "1 when the container restarted repeatedly within the crash-loop window";
    CONTAINER_SERVED_PORT = Gauge "llm_monitor_container_served_port" ["container"]
        "Port an inference server in the container listens on";
}

// ---------------------------------------------------------------- vllm role
families! {
    VLLM_INFO = Gauge "llm_monitor_vllm_info" ["container", "model", "vllm_version", "engine"]
        "One vLLM instance: served model name, version, engine generation (v0, v1); always 1";
    VLLM_STATE = Gauge "llm_monitor_vllm_state" ["container", "model", "state"]
        "1 for the instance's current state (loading, ready, unhealthy, stopped)";
    VLLM_RUNNING = Gauge "llm_monitor_vllm_requests_running" ["container", "model", "vllm_version"]
        "Requests being processed (the running batch)";
    VLLM_WAITING = Gauge "llm_monitor_vllm_requests_waiting" ["container", "model", "vllm_version"]
        "Requests queued, waiting to be scheduled";
    VLLM_SWAPPED = Gauge "llm_monitor_vllm_requests_swapped" ["container", "model", "vllm_version"]
        "Requests swapped to CPU (V0 engine only)";
    VLLM_KV_CACHE = Gauge "llm_monitor_vllm_kv_cache_usage_ratio" ["container", "model", "vllm_version"]
        "Fraction of GPU KV-cache blocks in use (0-1)";
    VLLM_CPU_CACHE = Gauge "llm_monitor_vllm_cpu_cache_usage_ratio" ["container", "model", "vllm_version"]
        "Fraction of CPU KV-cache blocks in use (V0 engine only)";
    VLLM_PREFIX_QUERIES = Counter "llm_monitor_vllm_prefix_cache_queries_total" ["container", "model", "vllm_version"]
        "Tokens looked up in the prefix cache";
    VLLM_PREFIX_HITS = Counter "llm_monitor_vllm_prefix_cache_hits_total" ["container", "model", "vllm_version"]
        "Tokens found in the prefix cache";
    VLLM_PROMPT_TOKENS = Counter "llm_monitor_vllm_prompt_tokens_total" ["container", "model", "vllm_version"]
        "Prefill tokens processed";
    VLLM_GENERATION_TOKENS = Counter "llm_monitor_vllm_generation_tokens_total" ["container", "model", "vllm_version"]
        "Tokens generated";
    VLLM_REQUEST_SUCCESS = Counter "llm_monitor_vllm_request_success_total" ["container", "model", "vllm_version", "finished_reason"]
        "Requests finished (finished_reason = stop, length, abort)";
    VLLM_REQUEST_ERRORS = Counter "llm_monitor_vllm_request_errors_total" ["container", "model", "vllm_version"]
        "Requests answered with an HTTP 4xx/5xx error";
    VLLM_PREEMPTIONS = Counter "llm_monitor_vllm_preemptions_total" ["container", "model", "vllm_version"]
        "Requests preempted by the scheduler";
    VLLM_TTFT = Histogram "llm_monitor_vllm_time_to_first_token_seconds" ["container", "model", "vllm_version"]
        "Time to first token";
    VLLM_ITL = Histogram "llm_monitor_vllm_inter_token_latency_seconds" ["container", "model", "vllm_version"]
        "Time between output tokens (time per output token)";
    VLLM_E2E = Histogram "llm_monitor_vllm_e2e_request_latency_seconds" ["container", "model", "vllm_version"]
        "End-to-end request latency";
    VLLM_QUEUE_TIME = Histogram "llm_monitor_vllm_request_queue_time_seconds" ["container", "model", "vllm_version"]
        "Time a request waited in the queue";
    VLLM_PREFILL_TIME = Histogram "llm_monitor_vllm_request_prefill_time_seconds" ["container", "model", "vllm_version"]
        "Time a request spent in prefill";
    VLLM_DECODE_TIME = Histogram "llm_monitor_vllm_request_decode_time_seconds" ["container", "model", "vllm_version"]
        "Time a request spent in decode";
    VLLM_RENDER_TIME = Histogram "llm_monitor_vllm_request_render_duration_seconds" ["container", "model", "vllm_version"]
        "Time the API server spent rendering a request (chat template, tokenization) before it reached the engine's queue; vLLM 0.34 and later";
    MODEL_INFO = Gauge "llm_monitor_model_info" ["model", "hf_id", "type", "quantization", "dtype", "context_length"]
        "Served model metadata; type = llm, embedding, reranker; always 1";
    MODEL_PARAMETERS = Gauge "llm_monitor_model_parameters" ["model"]
        "Parameter count of the model, where derivable";
}

// ---------------------------------------------------------------- litellm role (admin API)
families! {
    LITELLM_INFO = Gauge "llm_monitor_litellm_info" ["version"]
        "LiteLLM proxy version; always 1";
    LITELLM_READY = Gauge "llm_monitor_litellm_ready" []
        "1 when the proxy's /health/readiness answers healthy";
    LITELLM_MODEL_INFO = Gauge "llm_monitor_litellm_model_info" ["model", "litellm_model", "api_base", "mode", "type"]
        "One route of the catalog: public name, upstream model, api_base, LiteLLM mode, llmmon type; always 1";
    LITELLM_MODEL_MAX_TOKENS = Gauge "llm_monitor_litellm_model_max_tokens" ["model"]
        "Context window the catalog declares for the model";
    LITELLM_MODEL_COST = Gauge "llm_monitor_litellm_model_cost_per_token_usd" ["model", "direction"]
        "Price per token (direction = input, output)";
    LITELLM_DEPLOYMENT_HEALTHY = Gauge "llm_monitor_litellm_deployment_healthy" ["model", "api_base"]
        "1 when LiteLLM's last health check of the deployment passed";
    LITELLM_DAILY_REQUESTS = Gauge "llm_monitor_litellm_daily_requests" ["model", "result"]
        "Requests today (UTC) per model (result = success, failure)";
    LITELLM_DAILY_TOKENS = Gauge "llm_monitor_litellm_daily_tokens" ["model", "direction"]
        "Tokens today (UTC) per model (direction = prompt, completion)";
    LITELLM_DAILY_SPEND = Gauge "llm_monitor_litellm_daily_spend_usd" ["model"]
        "Spend today (UTC) per model";
    LITELLM_KEY_SPEND = Gauge "llm_monitor_litellm_key_spend_usd" ["key_alias"]
        "Spend of a virtual key (top-N keys, the rest summed as other)";
    LITELLM_KEY_BUDGET = Gauge "llm_monitor_litellm_key_max_budget_usd" ["key_alias"]
        "Budget of a virtual key; absent when unlimited";
    LITELLM_KEY_RPM_LIMIT = Gauge "llm_monitor_litellm_key_rpm_limit" ["key_alias"]
        "Requests-per-minute limit of a virtual key; absent when unlimited";
    LITELLM_KEY_TPM_LIMIT = Gauge "llm_monitor_litellm_key_tpm_limit" ["key_alias"]
        "Tokens-per-minute limit of a virtual key; absent when unlimited";
}

// ---------------------------------------------------------------- langfuse role
families! {
    LANGFUSE_INFO = Gauge "llm_monitor_langfuse_info" ["version"]
        "Langfuse server version; always 1";
    LANGFUSE_DAILY_TRACES = Gauge "llm_monitor_langfuse_daily_traces" []
        "Traces today (UTC)";
    LANGFUSE_DAILY_OBSERVATIONS = Gauge "llm_monitor_langfuse_daily_observations" ["model"]
        "Generations today (UTC) per model";
    LANGFUSE_DAILY_TOKENS = Gauge "llm_monitor_langfuse_daily_tokens" ["model", "direction"]
        "Tokens today (UTC) per model (direction = input, output)";
    LANGFUSE_DAILY_COST = Gauge "llm_monitor_langfuse_daily_cost_usd" ["model"]
        "Cost today (UTC) per model";
    LANGFUSE_DAILY_ERRORS = Gauge "llm_monitor_langfuse_daily_error_observations" ["model"]
        "Observations at level ERROR today (UTC) per model";
    LANGFUSE_USER_COST = Gauge "llm_monitor_langfuse_user_daily_cost_usd" ["user"]
        "Cost today per user (top-N users, the rest summed as other)";
    LANGFUSE_USER_TRACES = Gauge "llm_monitor_langfuse_user_daily_traces" ["user"]
        "Traces today per user (top-N users, the rest summed as other)";
    LANGFUSE_ACTIVE_USERS = Gauge "llm_monitor_langfuse_daily_active_users" []
        "Distinct users with a trace today";
    LANGFUSE_LATENCY = Gauge "llm_monitor_langfuse_latency_seconds" ["model", "percentile"]
        "Generation latency percentile (p50, p95, p99) over the recent observation sample";
    LANGFUSE_TTFT = Gauge "llm_monitor_langfuse_time_to_first_token_seconds" ["model", "percentile"]
        "Time to first token percentile (p50, p95, p99) over the recent observation sample";
    LANGFUSE_SCORE = Gauge "llm_monitor_langfuse_score" ["name", "percentile"]
        "Percentile (p50, p95, p99) of a quality score over the recent sample";
    LANGFUSE_SCORE_COUNT = Gauge "llm_monitor_langfuse_score_samples" ["name"]
        "Scores of this name in the recent sample";
}

// ---------------------------------------------------------------- node_exporter (real names)
families! {
    NODE_CPU_SECONDS = Counter "node_cpu_seconds_total" ["cpu", "mode"]
        "Seconds the CPUs spent in each mode.";
    NODE_LOAD1 = Gauge "node_load1" [] "1m load average.";
    NODE_LOAD5 = Gauge "node_load5" [] "5m load average.";
    NODE_LOAD15 = Gauge "node_load15" [] "15m load average.";
    NODE_MEM_TOTAL = Gauge "node_memory_MemTotal_bytes" [] "Memory information field MemTotal_bytes.";
    NODE_MEM_FREE = Gauge "node_memory_MemFree_bytes" [] "Memory information field MemFree_bytes.";
    NODE_MEM_AVAILABLE = Gauge "node_memory_MemAvailable_bytes" [] "Memory information field MemAvailable_bytes.";
    NODE_MEM_CACHED = Gauge "node_memory_Cached_bytes" [] "Memory information field Cached_bytes.";
    NODE_MEM_BUFFERS = Gauge "node_memory_Buffers_bytes" [] "Memory information field Buffers_bytes.";
    NODE_MEM_SWAP_TOTAL = Gauge "node_memory_SwapTotal_bytes" [] "Memory information field SwapTotal_bytes.";
    NODE_MEM_SWAP_FREE = Gauge "node_memory_SwapFree_bytes" [] "Memory information field SwapFree_bytes.";
    NODE_FS_SIZE = Gauge "node_filesystem_size_bytes" ["device", "fstype", "mountpoint"]
        "Filesystem size in bytes.";
    NODE_FS_AVAIL = Gauge "node_filesystem_avail_bytes" ["device", "fstype", "mountpoint"]
        "Filesystem space available to non-root users in bytes.";
    NODE_FS_FREE = Gauge "node_filesystem_free_bytes" ["device", "fstype", "mountpoint"]
        "Filesystem free space in bytes.";
    NODE_DISK_READ_BYTES = Counter "node_disk_read_bytes_total" ["device"]
        "The total number of bytes read successfully.";
    NODE_DISK_WRITTEN_BYTES = Counter "node_disk_written_bytes_total" ["device"]
        "The total number of bytes written successfully.";
    NODE_DISK_READS = Counter "node_disk_reads_completed_total" ["device"]
        "The total number of reads completed successfully.";
    NODE_DISK_WRITES = Counter "node_disk_writes_completed_total" ["device"]
        "The total number of writes completed successfully.";
    NODE_DISK_IO_TIME = Counter "node_disk_io_time_seconds_total" ["device"]
        "Total seconds spent doing I/Os.";
    NODE_NET_RX = Counter "node_network_receive_bytes_total" ["device"]
        "Network device statistic receive_bytes.";
    NODE_NET_TX = Counter "node_network_transmit_bytes_total" ["device"]
        "Network device statistic transmit_bytes.";
    NODE_BOOT_TIME = Gauge "node_boot_time_seconds" [] "Node boot time, in unixtime.";
    NODE_TIME = Gauge "node_time_seconds" [] "System time in seconds since epoch (1970).";
    NODE_PROCS_RUNNING = Gauge "node_procs_running" [] "Number of processes in runnable state.";
    NODE_PROCS_BLOCKED = Gauge "node_procs_blocked" [] "Number of processes blocked waiting for I/O to complete.";
    NODE_PROCESSES_STATE = Gauge "node_processes_state" ["state"]
        "Number of processes in each state.";
    NODE_CONTEXT_SWITCHES = Counter "node_context_switches_total" [] "Total number of context switches.";
    NODE_HWMON_TEMP = Gauge "node_hwmon_temp_celsius" ["chip", "sensor"]
        "Hardware monitor for temperature (input)";
    NODE_UNAME = Gauge "node_uname_info" ["domainname", "machine", "nodename", "release", "sysname", "version"]
        "Labeled system information as provided by the uname system call.";
}

// ---------------------------------------------------------------- cAdvisor (real names)
families! {
    CADVISOR_CPU = Counter "container_cpu_usage_seconds_total" ["cpu", "id", "image", "name"]
        "Cumulative cpu time consumed in seconds.";
    CADVISOR_MEM_USAGE = Gauge "container_memory_usage_bytes" ["id", "image", "name"]
        "Current memory usage in bytes, including all memory regardless of when it was accessed";
    CADVISOR_MEM_WORKING_SET = Gauge "container_memory_working_set_bytes" ["id", "image", "name"]
        "Current working set in bytes.";
    CADVISOR_MEM_RSS = Gauge "container_memory_rss" ["id", "image", "name"]
        "Size of RSS in bytes.";
    CADVISOR_NET_RX = Counter "container_network_receive_bytes_total" ["id", "image", "interface", "name"]
        "Cumulative count of bytes received";
    CADVISOR_NET_TX = Counter "container_network_transmit_bytes_total" ["id", "image", "interface", "name"]
        "Cumulative count of bytes transmitted";
    CADVISOR_SPEC_MEM_LIMIT = Gauge "container_spec_memory_limit_bytes" ["id", "image", "name"]
        "Memory limit for the container.";
    CADVISOR_SPEC_CPU_QUOTA = Gauge "container_spec_cpu_quota" ["id", "image", "name"]
        "CPU quota of the container.";
    CADVISOR_SPEC_CPU_PERIOD = Gauge "container_spec_cpu_period" ["id", "image", "name"]
        "CPU period of the container.";
    CADVISOR_START_TIME = Gauge "container_start_time_seconds" ["id", "image", "name"]
        "Start time of the container since unix epoch in seconds.";
    CADVISOR_LAST_SEEN = Gauge "container_last_seen" ["id", "image", "name"]
        "Last time a container was seen by the exporter";
}

// ---------------------------------------------------------------- LiteLLM's own /metrics (real names, ≥ 1.80)
families! {
    LITELLM_PROXY_REQUESTS = Counter "litellm_proxy_total_requests_metric_total"
        ["api_key_alias", "end_user", "hashed_api_key", "requested_model", "route", "status_code", "team", "team_alias", "user", "user_email"]
        "Total number of requests made to the proxy server - track number of client side requests";
    LITELLM_PROXY_FAILED = Counter "litellm_proxy_failed_requests_metric_total"
        ["api_key_alias", "end_user", "exception_class", "exception_status", "hashed_api_key", "requested_model", "route", "team", "team_alias", "user", "user_email"]
        "Total number of failed responses from proxy - the client did not get a success response from litellm proxy";
    LITELLM_REQUEST_LATENCY = Histogram "litellm_request_total_latency_metric"
        ["api_key_alias", "end_user", "hashed_api_key", "model", "requested_model", "team", "team_alias", "user"]
        "Total latency (seconds) for a request to LiteLLM";
    LITELLM_TTFT = Histogram "litellm_llm_api_time_to_first_token_metric"
        ["api_key_alias", "hashed_api_key", "model", "team", "team_alias"]
        "Time to first token for a models LLM API call";
    LITELLM_TOTAL_TOKENS = Counter "litellm_total_tokens_metric_total"
        ["api_key_alias", "end_user", "hashed_api_key", "model", "requested_model", "team", "team_alias", "user", "user_email"]
        "Total number of input + output tokens from LLM requests";
    LITELLM_INPUT_TOKENS = Counter "litellm_input_tokens_metric_total"
        ["api_key_alias", "end_user", "hashed_api_key", "model", "requested_model", "team", "team_alias", "user", "user_email"]
        "Total number of input tokens from LLM requests";
    LITELLM_OUTPUT_TOKENS = Counter "litellm_output_tokens_metric_total"
        ["api_key_alias", "end_user", "hashed_api_key", "model", "requested_model", "team", "team_alias", "user", "user_email"]
        "Total number of output tokens from LLM requests";
    LITELLM_SPEND = Counter "litellm_spend_metric_total"
        ["api_key_alias", "end_user", "hashed_api_key", "model", "team", "team_alias", "user", "user_email"]
        "Total spend on LLM requests";
    LITELLM_DEPLOYMENT_STATE = Gauge "litellm_deployment_state" ["api_base", "api_provider", "litellm_model_name", "model_id"]
        "LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage";
    LITELLM_KEY_BUDGET_REMAINING = Gauge "litellm_remaining_api_key_budget_metric" ["api_key_alias", "hashed_api_key"]
        "Remaining budget for api key";
}

// ---------------------------------------------------------------- dcgm-exporter (real names)
families! {
    DCGM_GPU_UTIL = Gauge "DCGM_FI_DEV_GPU_UTIL" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "GPU utilization (in %).";
    DCGM_MEM_COPY_UTIL = Gauge "DCGM_FI_DEV_MEM_COPY_UTIL" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Memory utilization (in %).";
    DCGM_FB_USED = Gauge "DCGM_FI_DEV_FB_USED" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Framebuffer memory used (in MiB).";
    DCGM_FB_FREE = Gauge "DCGM_FI_DEV_FB_FREE" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Framebuffer memory free (in MiB).";
    DCGM_GPU_TEMP = Gauge "DCGM_FI_DEV_GPU_TEMP" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "GPU temperature (in C).";
    DCGM_MEMORY_TEMP = Gauge "DCGM_FI_DEV_MEMORY_TEMP" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Memory temperature (in C).";
    DCGM_POWER_USAGE = Gauge "DCGM_FI_DEV_POWER_USAGE" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Power draw (in W).";
    DCGM_SM_CLOCK = Gauge "DCGM_FI_DEV_SM_CLOCK" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "SM clock frequency (in MHz).";
    DCGM_MEM_CLOCK = Gauge "DCGM_FI_DEV_MEM_CLOCK" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Memory clock frequency (in MHz).";
    DCGM_GR_ENGINE_ACTIVE = Gauge "DCGM_FI_PROF_GR_ENGINE_ACTIVE" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Ratio of time the graphics engine is active.";
    DCGM_SM_ACTIVE = Gauge "DCGM_FI_PROF_SM_ACTIVE" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "The ratio of cycles an SM has at least 1 warp assigned.";
    DCGM_SM_OCCUPANCY = Gauge "DCGM_FI_PROF_SM_OCCUPANCY" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "The ratio of number of warps resident on an SM.";
    DCGM_TENSOR_ACTIVE = Gauge "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Ratio of cycles the tensor (HMMA) pipe is active.";
    DCGM_DRAM_ACTIVE = Gauge "DCGM_FI_PROF_DRAM_ACTIVE" ["Hostname", "UUID", "device", "gpu", "modelName", "pci_bus_id"]
        "Ratio of cycles the device memory interface is active sending or receiving data.";
}

// ---------------------------------------------------------------- announcements service
families! {
    ANNOUNCEMENT_ACTIVE = Gauge "llm_monitor_announcement_active" ["id", "title", "kind", "severity"]
        "1 while an announcement is in force, 0 while it is upcoming (severity = its priority: critical, warning, info)";
    ANNOUNCEMENT_START = Gauge "llm_monitor_announcement_start_timestamp_seconds" ["id"]
        "Unix time an upcoming or current announcement takes effect";
    ANNOUNCEMENT_END = Gauge "llm_monitor_announcement_end_timestamp_seconds" ["id"]
        "Unix time an upcoming or current announcement ends, when it has an end";
    SERVICE_STATUS = Gauge "llm_monitor_service_status" ["service", "status", "source"]
        "1 for a service's current published status (operational, degraded, down, maintenance; source = manual or derived)";
    MODEL_LIFECYCLE = Gauge "llm_monitor_model_lifecycle_timestamp_seconds" ["model", "event"]
        "Unix time of a model lifecycle event announced (event = available, deprecated, retired)";
    ANNOUNCEMENT_STORE_DROPPED = Counter "llm_monitor_announcement_store_dropped_bytes_total" ["reason"]
        "Bytes of the announcements store this process left out of its state: reason=torn a record cut short at the end of the file (a writer killed mid-write, never acknowledged; cut off and copied to announcements.jsonl.dropped), reason=unparseable a line that does not parse (skipped, left in the file)";
}

/// Families every role emits about itself.
pub const EXPORTER_FAMILIES: &[&MetricDef] = &[
    &SOURCE_UP,
    &COLLECT_DURATION,
    &LAST_SUCCESS,
    &COLLECT_FAILURES,
    &BUILD_INFO,
];

/// Families of the roles that read several endpoints of one service (vLLM, LiteLLM,
/// Langfuse); `…_endpoint_error` only while an endpoint fails.
pub const ENDPOINT_FAMILIES: &[&MetricDef] = &[&ENDPOINT_UP, &ENDPOINT_ERROR];

/// Families a role emits only when its source is the simulator.
pub const SIM_FAMILIES: &[&MetricDef] = &[&SIM_SCENARIO, &SIM_FAULT_ACTIVE];

pub const GPU_FAMILIES: &[&MetricDef] = &[
    &GPU_INFO,
    &GPU_DRIVER_INFO,
    &GPU_UTILIZATION,
    &GPU_MEMORY_UTILIZATION,
    &GPU_MEMORY_USED,
    &GPU_MEMORY_FREE,
    &GPU_MEMORY_TOTAL,
    &GPU_TEMPERATURE,
    &GPU_MEMORY_TEMPERATURE,
    &GPU_POWER_USAGE,
    &GPU_POWER_LIMIT,
    &GPU_ENERGY,
    &GPU_CLOCK,
    &GPU_CLOCK_MAX,
    &GPU_CLOCK_EVENT,
    &GPU_ECC_ERRORS,
    &GPU_PCIE_THROUGHPUT,
    &GPU_RETIRED_PAGES,
    &GPU_PROCESSES,
    &GPU_CONTAINER_MEMORY,
    &GPU_CONTAINER_UTILIZATION,
    &GPU_XID_ERRORS,
    &GPU_XID_LAST,
    &GPU_NVLINK_UP,
    &GPU_NVLINK_ERRORS,
    &GPU_REMAPPED_ROWS,
    &GPU_ROW_REMAP_PENDING,
    &GPU_ROW_REMAP_FAILED,
    &GPU_PCIE_REPLAYS,
    &GPU_HEALTH,
    &GPU_HEALTH_PROBLEM,
    &COST_GPU_HOUR,
    &COST_KWH,
];

pub const CONTAINER_FAMILIES: &[&MetricDef] = &[
    &CONTAINER_INFO,
    &CONTAINER_STATE,
    &CONTAINER_HEALTH,
    &CONTAINER_RESTARTS,
    &CONTAINER_EXIT_CODE,
    &CONTAINER_START_TIME,
    &CONTAINER_MEMORY_LIMIT,
    &CONTAINER_CPU_LIMIT,
    &CONTAINER_MOUNT_PRESENT,
    &CONTAINER_GPU,
    &CONTAINER_CRASH_LOOP,
    &CONTAINER_SERVED_PORT,
];

pub const VLLM_FAMILIES: &[&MetricDef] = &[
    &VLLM_INFO,
    &VLLM_STATE,
    &VLLM_RUNNING,
    &VLLM_WAITING,
    &VLLM_SWAPPED,
    &VLLM_KV_CACHE,
    &VLLM_CPU_CACHE,
    &VLLM_PREFIX_QUERIES,
    &VLLM_PREFIX_HITS,
    &VLLM_PROMPT_TOKENS,
    &VLLM_GENERATION_TOKENS,
    &VLLM_REQUEST_SUCCESS,
    &VLLM_REQUEST_ERRORS,
    &VLLM_PREEMPTIONS,
    &VLLM_TTFT,
    &VLLM_ITL,
    &VLLM_E2E,
    &VLLM_QUEUE_TIME,
    &VLLM_PREFILL_TIME,
    &VLLM_DECODE_TIME,
    &VLLM_RENDER_TIME,
    &MODEL_INFO,
    &MODEL_PARAMETERS,
];

pub const LITELLM_FAMILIES: &[&MetricDef] = &[
    &LITELLM_INFO,
    &LITELLM_READY,
    &LITELLM_MODEL_INFO,
    &LITELLM_MODEL_MAX_TOKENS,
    &LITELLM_MODEL_COST,
    &LITELLM_DEPLOYMENT_HEALTHY,
    &LITELLM_DAILY_REQUESTS,
    &LITELLM_DAILY_TOKENS,
    &LITELLM_DAILY_SPEND,
    &LITELLM_KEY_SPEND,
    &LITELLM_KEY_BUDGET,
    &LITELLM_KEY_RPM_LIMIT,
    &LITELLM_KEY_TPM_LIMIT,
];

pub const LANGFUSE_FAMILIES: &[&MetricDef] = &[
    &LANGFUSE_INFO,
    &LANGFUSE_DAILY_TRACES,
    &LANGFUSE_DAILY_OBSERVATIONS,
    &LANGFUSE_DAILY_TOKENS,
    &LANGFUSE_DAILY_COST,
    &LANGFUSE_DAILY_ERRORS,
    &LANGFUSE_USER_COST,
    &LANGFUSE_USER_TRACES,
    &LANGFUSE_ACTIVE_USERS,
    &LANGFUSE_LATENCY,
    &LANGFUSE_TTFT,
    &LANGFUSE_SCORE,
    &LANGFUSE_SCORE_COUNT,
];

pub const NODE_FAMILIES: &[&MetricDef] = &[
    &NODE_CPU_SECONDS,
    &NODE_LOAD1,
    &NODE_LOAD5,
    &NODE_LOAD15,
    &NODE_MEM_TOTAL,
    &NODE_MEM_FREE,
    &NODE_MEM_AVAILABLE,
    &NODE_MEM_CACHED,
    &NODE_MEM_BUFFERS,
    &NODE_MEM_SWAP_TOTAL,
    &NODE_MEM_SWAP_FREE,
    &NODE_FS_SIZE,
    &NODE_FS_AVAIL,
    &NODE_FS_FREE,
    &NODE_DISK_READ_BYTES,
    &NODE_DISK_WRITTEN_BYTES,
    &NODE_DISK_READS,
    &NODE_DISK_WRITES,
    &NODE_DISK_IO_TIME,
    &NODE_NET_RX,
    &NODE_NET_TX,
    &NODE_BOOT_TIME,
    &NODE_TIME,
    &NODE_PROCS_RUNNING,
    &NODE_PROCS_BLOCKED,
    &NODE_PROCESSES_STATE,
    &NODE_CONTEXT_SWITCHES,
    &NODE_HWMON_TEMP,
    &NODE_UNAME,
];

pub const CADVISOR_FAMILIES: &[&MetricDef] = &[
    &CADVISOR_CPU,
    &CADVISOR_MEM_USAGE,
    &CADVISOR_MEM_WORKING_SET,
    &CADVISOR_MEM_RSS,
    &CADVISOR_NET_RX,
    &CADVISOR_NET_TX,
    &CADVISOR_SPEC_MEM_LIMIT,
    &CADVISOR_SPEC_CPU_QUOTA,
    &CADVISOR_SPEC_CPU_PERIOD,
    &CADVISOR_START_TIME,
    &CADVISOR_LAST_SEEN,
];

/// LiteLLM's own exposition (what Prometheus scrapes from the proxy; the simulator serves it
/// in mock mode).
pub const LITELLM_PROXY_FAMILIES: &[&MetricDef] = &[
    &LITELLM_PROXY_REQUESTS,
    &LITELLM_PROXY_FAILED,
    &LITELLM_REQUEST_LATENCY,
    &LITELLM_TTFT,
    &LITELLM_TOTAL_TOKENS,
    &LITELLM_INPUT_TOKENS,
    &LITELLM_OUTPUT_TOKENS,
    &LITELLM_SPEND,
    &LITELLM_DEPLOYMENT_STATE,
    &LITELLM_KEY_BUDGET_REMAINING,
];

pub const DCGM_FAMILIES: &[&MetricDef] = &[
    &DCGM_GPU_UTIL,
    &DCGM_MEM_COPY_UTIL,
    &DCGM_FB_USED,
    &DCGM_FB_FREE,
    &DCGM_GPU_TEMP,
    &DCGM_MEMORY_TEMP,
    &DCGM_POWER_USAGE,
    &DCGM_SM_CLOCK,
    &DCGM_MEM_CLOCK,
    &DCGM_GR_ENGINE_ACTIVE,
    &DCGM_SM_ACTIVE,
    &DCGM_SM_OCCUPANCY,
    &DCGM_TENSOR_ACTIVE,
    &DCGM_DRAM_ACTIVE,
];

/// The announcements service's families.
pub const ANNOUNCEMENT_FAMILIES: &[&MetricDef] = &[
    &ANNOUNCEMENT_ACTIVE,
    &ANNOUNCEMENT_START,
    &ANNOUNCEMENT_END,
    &SERVICE_STATUS,
    &MODEL_LIFECYCLE,
    &ANNOUNCEMENT_STORE_DROPPED,
];

/// Every family of every role, for checks that a dashboard or rule names a real metric.
pub fn all_families() -> impl Iterator<Item = &'static MetricDef> {
    [
        EXPORTER_FAMILIES,
        ENDPOINT_FAMILIES,
        SIM_FAMILIES,
        GPU_FAMILIES,
        CONTAINER_FAMILIES,
        VLLM_FAMILIES,
        LITELLM_FAMILIES,
        LANGFUSE_FAMILIES,
        NODE_FAMILIES,
        CADVISOR_FAMILIES,
        DCGM_FAMILIES,
        LITELLM_PROXY_FAMILIES,
        ANNOUNCEMENT_FAMILIES,
    ]
    .into_iter()
    .flatten()
    .copied()
}

/// The family a PromQL series name belongs to (histogram `_bucket` / `_sum` / `_count` too).
pub fn family_of(series: &str) -> Option<&'static MetricDef> {
    all_families().find(|def| {
        series == def.name
            || (def.kind == MetricKind::Histogram
                && ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| series.strip_suffix(s) == Some(def.name)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_name_is_unique() {
        let mut seen = HashSet::new();
        for def in all_families() {
            assert!(seen.insert(def.name), "{} listed twice", def.name);
        }
    }

    #[test]
    fn own_families_follow_the_naming_scheme() {
        for def in all_families().filter(|d| d.is_own()) {
            let parts: Vec<&str> = def.name.split('_').collect();
            assert!(parts.len() >= 4, "{} lacks subsystem or metric", def.name);
            match def.kind {
                MetricKind::Counter => assert!(def.name.ends_with("_total"), "{}", def.name),
                _ => assert!(!def.name.ends_with("_total"), "{}", def.name),
            }
            assert!(!def.help.is_empty(), "{} has no help", def.name);
        }
    }

    #[test]
    fn no_family_carries_an_unbounded_label() {
        let unbounded = ["pid", "request_id", "trace_id", "user_id", "api_key", "key"];
        for def in all_families() {
            for label in def.labels {
                assert!(
                    !unbounded.contains(label),
                    "{} has label {}",
                    def.name,
                    label
                );
            }
        }
    }

    #[test]
    fn histogram_series_map_back_to_their_family() {
        let def = family_of("llm_monitor_vllm_time_to_first_token_seconds_bucket");
        assert_eq!(def.map(|d| d.name), Some(VLLM_TTFT.name));
        assert!(family_of("llm_monitor_gpu_utilization_ratio_bucket").is_none());
    }
}
