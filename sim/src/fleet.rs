//! The static shape of the simulated server: GPUs, vLLM instances with their models and
//! versions, the other containers, users and API keys. A reference fleet is one block; a
//! larger fleet repeats the block with shifted GPU indices and suffixed names.

use super::signal::hash;

/// Unix time all simulated counters and uptimes are measured from (2026-01-01T00:00:00Z).
pub const FLEET_EPOCH: f64 = 1_767_225_600.0;
/// H200 memory as NVML reports it (143 771 MiB, sold as "141 GB").
pub const H200_MEMORY_BYTES: u64 = 143_771 * 1024 * 1024;
pub const H200_POWER_LIMIT_WATTS: f64 = 700.0;
pub use llmmon_core::scenario::{host_name, host_seed, FIRST_HOST};
/// The versions of the fleet's LiteLLM proxy and Langfuse.
pub const LITELLM_VERSION: &str = "1.80.5";
pub const LANGFUSE_VERSION: &str = "3.129.0";
const GPUS_PER_BLOCK: u32 = 8;

/// What a served model does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelType {
    Llm,
    Embedding,
    Reranker,
}

impl ModelType {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelType::Llm => "llm",
            ModelType::Embedding => "embedding",
            ModelType::Reranker => "reranker",
        }
    }

    /// LiteLLM's `model_info.mode` for this kind of model.
    pub fn litellm_mode(self) -> &'static str {
        match self {
            ModelType::Llm => "chat",
            ModelType::Embedding => "embedding",
            ModelType::Reranker => "rerank",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GpuSpec {
    pub index: u32,
    pub uuid: String,
    pub name: &'static str,
    pub pci_bus_id: String,
    pub memory_total_bytes: u64,
    pub power_limit_watts: f64,
}

/// One vLLM container and the model it serves.
#[derive(Debug, Clone, PartialEq)]
pub struct VllmSpec {
    pub container: String,
    /// vLLM's `--served-model-name`, the `model_name` label of its metrics.
    pub model: String,
    pub hf_id: &'static str,
    pub model_type: ModelType,
    pub vllm_version: &'static str,
    pub gpus: Vec<u32>,
    /// `--gpu-memory-utilization`: share of each GPU's memory the instance preallocates.
    pub gpu_memory_fraction: f64,
    pub host_port: u16,
    pub parameters: f64,
    pub quantization: &'static str,
    pub dtype: &'static str,
    pub context_length: u32,
    /// Share of all traffic routed to this model.
    pub traffic_share: f64,
    pub ttft_median_s: f64,
    /// Median time per output token; 0 for models that generate no tokens.
    pub itl_median_s: f64,
    pub prompt_tokens: f64,
    pub generation_tokens: f64,
    /// Requests the instance runs at once before it queues.
    pub capacity: f64,
    pub cost_per_input_token: f64,
    pub cost_per_output_token: f64,
}

impl VllmSpec {
    /// V0 engine (old metric names) before vLLM 0.8, V1 from 0.8 on.
    pub fn engine(&self) -> &'static str {
        let minor: u32 = self
            .vllm_version
            .split('.')
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        if minor < 8 {
            "v0"
        } else {
            "v1"
        }
    }

    pub fn image(&self) -> String {
        format!("vllm/vllm-openai:v{}", self.vllm_version)
    }
}

/// How a container's program writes its logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStyle {
    Vllm,
    Litellm,
    Postgres,
    Redis,
    ClickHouse,
    Node,
    Go,
    Nginx,
    Python,
}

/// A container that uses no GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub container: String,
    pub compose_project: &'static str,
    pub compose_service: &'static str,
    pub image: &'static str,
    pub version: &'static str,
    pub cpu_cores: f64,
    pub memory_bytes: f64,
    pub memory_limit_bytes: Option<f64>,
    pub cpu_limit_cores: Option<f64>,
    pub has_healthcheck: bool,
    pub log_style: LogStyle,
    /// Exit code of a one-shot container that has finished; None while it runs.
    pub exited_with: Option<i64>,
    /// Request-driven services scale CPU with traffic.
    pub traffic_driven: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeySpec {
    pub alias: String,
    pub max_budget_usd: Option<f64>,
    pub rpm_limit: Option<u32>,
    pub tpm_limit: Option<u32>,
    pub traffic_share: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostSpec {
    pub hostname: String,
    pub cpus: u32,
    pub memory_bytes: f64,
    pub boot_time: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fleet {
    pub host: HostSpec,
    pub gpus: Vec<GpuSpec>,
    pub vllm: Vec<VllmSpec>,
    pub services: Vec<ServiceSpec>,
    pub users: Vec<String>,
    pub keys: Vec<KeySpec>,
    /// Requests per minute the whole server sees at night and at the daily peak.
    pub rpm_night: f64,
    pub rpm_peak: f64,
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

struct ModelRow {
    name: &'static str,
    hf_id: &'static str,
    model_type: ModelType,
    version: &'static str,
    gpus: &'static [u32],
    fraction: f64,
    parameters: f64,
    quantization: &'static str,
    dtype: &'static str,
    context: u32,
    share: f64,
    ttft: f64,
    itl: f64,
    prompt: f64,
    gen: f64,
    capacity: f64,
}

#[rustfmt::skip]
const MODELS: &[ModelRow] = &[
    ModelRow { name: "llama-3.3-70b", hf_id: "meta-llama/Llama-3.3-70B-Instruct", model_type: ModelType::Llm, version: "0.6.3.post1", gpus: &[0, 1], fraction: 0.90, parameters: 70.6e9, quantization: "none", dtype: "bfloat16", context: 131_072, share: 0.17, ttft: 0.35, itl: 0.035, prompt: 900.0, gen: 350.0, capacity: 2.0 },
    ModelRow { name: "qwen2.5-72b", hf_id: "Qwen/Qwen2.5-72B-Instruct-AWQ", model_type: ModelType::Llm, version: "0.8.5", gpus: &[2, 3], fraction: 0.90, parameters: 72.7e9, quantization: "awq", dtype: "float16", context: 32_768, share: 0.15, ttft: 0.30, itl: 0.030, prompt: 800.0, gen: 300.0, capacity: 2.0 },
    ModelRow { name: "gpt-oss-120b", hf_id: "openai/gpt-oss-120b", model_type: ModelType::Llm, version: "0.11.0", gpus: &[4], fraction: 0.55, parameters: 116.8e9, quantization: "mxfp4", dtype: "bfloat16", context: 131_072, share: 0.14, ttft: 0.25, itl: 0.012, prompt: 1_200.0, gen: 600.0, capacity: 2.0 },
    ModelRow { name: "phi-4", hf_id: "microsoft/phi-4", model_type: ModelType::Llm, version: "0.6.3.post1", gpus: &[4], fraction: 0.35, parameters: 14.7e9, quantization: "none", dtype: "bfloat16", context: 16_384, share: 0.05, ttft: 0.10, itl: 0.012, prompt: 500.0, gen: 250.0, capacity: 1.5 },
    ModelRow { name: "mistral-small-3.1-24b", hf_id: "mistralai/Mistral-Small-3.1-24B-Instruct-2503", model_type: ModelType::Llm, version: "0.9.2", gpus: &[5], fraction: 0.45, parameters: 24.0e9, quantization: "none", dtype: "bfloat16", context: 32_768, share: 0.10, ttft: 0.15, itl: 0.015, prompt: 700.0, gen: 250.0, capacity: 1.5 },
    ModelRow { name: "qwen3-32b", hf_id: "Qwen/Qwen3-32B-FP8", model_type: ModelType::Llm, version: "0.10.1.1", gpus: &[5], fraction: 0.45, parameters: 32.8e9, quantization: "fp8", dtype: "bfloat16", context: 40_960, share: 0.12, ttft: 0.20, itl: 0.018, prompt: 800.0, gen: 500.0, capacity: 1.5 },
    ModelRow { name: "llama-3.1-8b", hf_id: "meta-llama/Llama-3.1-8B-Instruct", model_type: ModelType::Llm, version: "0.7.3", gpus: &[6], fraction: 0.30, parameters: 8.03e9, quantization: "none", dtype: "bfloat16", context: 131_072, share: 0.08, ttft: 0.06, itl: 0.008, prompt: 500.0, gen: 200.0, capacity: 1.5 },
    ModelRow { name: "gemma-3-12b", hf_id: "google/gemma-3-12b-it", model_type: ModelType::Llm, version: "0.34.0", gpus: &[6], fraction: 0.35, parameters: 12.2e9, quantization: "none", dtype: "bfloat16", context: 131_072, share: 0.06, ttft: 0.09, itl: 0.011, prompt: 600.0, gen: 250.0, capacity: 1.5 },
    ModelRow { name: "bge-m3", hf_id: "BAAI/bge-m3", model_type: ModelType::Embedding, version: "0.9.2", gpus: &[6], fraction: 0.12, parameters: 0.568e9, quantization: "none", dtype: "float16", context: 8_192, share: 0.08, ttft: 0.02, itl: 0.0, prompt: 300.0, gen: 0.0, capacity: 4.0 },
    ModelRow { name: "bge-reranker-v2-m3", hf_id: "BAAI/bge-reranker-v2-m3", model_type: ModelType::Reranker, version: "0.8.5", gpus: &[6], fraction: 0.12, parameters: 0.568e9, quantization: "none", dtype: "float16", context: 8_192, share: 0.05, ttft: 0.03, itl: 0.0, prompt: 400.0, gen: 0.0, capacity: 4.0 },
];

struct ServiceRow {
    name: &'static str,
    project: &'static str,
    image: &'static str,
    version: &'static str,
    cpu: f64,
    mem_gib: f64,
    limit_gib: Option<f64>,
    cpu_limit: Option<f64>,
    health: bool,
    style: LogStyle,
    exited: Option<i64>,
    traffic: bool,
}

#[rustfmt::skip]
const SERVICES: &[ServiceRow] = &[
    ServiceRow { name: "litellm", project: "llm-gateway", image: "ghcr.io/berriai/litellm", version: "v1.80.5-stable", cpu: 0.6, mem_gib: 1.8, limit_gib: Some(4.0), cpu_limit: Some(4.0), health: true, style: LogStyle::Litellm, exited: None, traffic: true },
    ServiceRow { name: "litellm-postgres", project: "llm-gateway", image: "postgres", version: "16.4", cpu: 0.10, mem_gib: 0.6, limit_gib: Some(2.0), cpu_limit: None, health: true, style: LogStyle::Postgres, exited: None, traffic: true },
    ServiceRow { name: "litellm-redis", project: "llm-gateway", image: "redis", version: "7.4.1", cpu: 0.05, mem_gib: 0.15, limit_gib: Some(1.0), cpu_limit: None, health: true, style: LogStyle::Redis, exited: None, traffic: true },
    ServiceRow { name: "langfuse-web", project: "langfuse", image: "langfuse/langfuse", version: "3.129.0", cpu: 0.25, mem_gib: 1.1, limit_gib: Some(4.0), cpu_limit: None, health: true, style: LogStyle::Node, exited: None, traffic: true },
    ServiceRow { name: "langfuse-worker", project: "langfuse", image: "langfuse/langfuse-worker", version: "3.129.0", cpu: 0.30, mem_gib: 0.9, limit_gib: Some(4.0), cpu_limit: None, health: true, style: LogStyle::Node, exited: None, traffic: true },
    ServiceRow { name: "langfuse-postgres", project: "langfuse", image: "postgres", version: "17.2", cpu: 0.08, mem_gib: 0.5, limit_gib: Some(2.0), cpu_limit: None, health: true, style: LogStyle::Postgres, exited: None, traffic: true },
    ServiceRow { name: "langfuse-clickhouse", project: "langfuse", image: "clickhouse/clickhouse-server", version: "25.3.2", cpu: 0.35, mem_gib: 2.5, limit_gib: Some(8.0), cpu_limit: None, health: true, style: LogStyle::ClickHouse, exited: None, traffic: true },
    ServiceRow { name: "langfuse-redis", project: "langfuse", image: "redis", version: "7.4.1", cpu: 0.04, mem_gib: 0.1, limit_gib: Some(1.0), cpu_limit: None, health: true, style: LogStyle::Redis, exited: None, traffic: true },
    ServiceRow { name: "langfuse-minio", project: "langfuse", image: "minio/minio", version: "RELEASE.2025-04-22T22-12-26Z", cpu: 0.03, mem_gib: 0.3, limit_gib: None, cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: true },
    ServiceRow { name: "open-webui", project: "chat", image: "ghcr.io/open-webui/open-webui", version: "v0.6.36", cpu: 0.10, mem_gib: 0.8, limit_gib: Some(4.0), cpu_limit: None, health: true, style: LogStyle::Python, exited: None, traffic: true },
    ServiceRow { name: "nginx", project: "edge", image: "nginx", version: "1.27.3", cpu: 0.02, mem_gib: 0.05, limit_gib: Some(0.5), cpu_limit: None, health: true, style: LogStyle::Nginx, exited: None, traffic: true },
    ServiceRow { name: "grafana", project: "llmmon", image: "grafana/grafana", version: "12.2.1", cpu: 0.05, mem_gib: 0.25, limit_gib: Some(1.0), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "prometheus", project: "llmmon", image: "prom/prometheus", version: "v3.5.0", cpu: 0.15, mem_gib: 1.5, limit_gib: Some(8.0), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "loki", project: "llmmon", image: "grafana/loki", version: "3.5.7", cpu: 0.08, mem_gib: 0.4, limit_gib: Some(4.0), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "alloy", project: "llmmon", image: "grafana/alloy", version: "v1.11.3", cpu: 0.05, mem_gib: 0.2, limit_gib: Some(1.0), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "alertmanager", project: "llmmon", image: "prom/alertmanager", version: "v0.28.1", cpu: 0.01, mem_gib: 0.04, limit_gib: Some(0.5), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "node-exporter", project: "llmmon", image: "prom/node-exporter", version: "v1.9.1", cpu: 0.02, mem_gib: 0.03, limit_gib: Some(0.25), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "cadvisor", project: "llmmon", image: "ghcr.io/google/cadvisor", version: "0.54.1", cpu: 0.20, mem_gib: 0.15, limit_gib: Some(0.5), cpu_limit: Some(1.0), health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "llmmon-gpu-exporter", project: "llmmon", image: "ghcr.io/llmmon/llmmon-exporter", version: "0.1.0", cpu: 0.01, mem_gib: 0.012, limit_gib: Some(0.1), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "llmmon-containers-exporter", project: "llmmon", image: "ghcr.io/llmmon/llmmon-exporter", version: "0.1.0", cpu: 0.01, mem_gib: 0.012, limit_gib: Some(0.1), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "llmmon-vllm-exporter", project: "llmmon", image: "ghcr.io/llmmon/llmmon-exporter", version: "0.1.0", cpu: 0.01, mem_gib: 0.012, limit_gib: Some(0.1), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "llmmon-litellm-exporter", project: "llmmon", image: "ghcr.io/llmmon/llmmon-exporter", version: "0.1.0", cpu: 0.01, mem_gib: 0.012, limit_gib: Some(0.1), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "llmmon-langfuse-exporter", project: "llmmon", image: "ghcr.io/llmmon/llmmon-exporter", version: "0.1.0", cpu: 0.01, mem_gib: 0.012, limit_gib: Some(0.1), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "llmmon-announcements", project: "llmmon", image: "ghcr.io/llmmon/llmmon-exporter", version: "0.1.0", cpu: 0.005, mem_gib: 0.010, limit_gib: Some(0.1), cpu_limit: None, health: true, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "portainer", project: "ops", image: "portainer/portainer-ce", version: "2.27.3", cpu: 0.01, mem_gib: 0.06, limit_gib: None, cpu_limit: None, health: false, style: LogStyle::Go, exited: None, traffic: false },
    ServiceRow { name: "uptime-kuma", project: "ops", image: "louislam/uptime-kuma", version: "1.23.16", cpu: 0.02, mem_gib: 0.12, limit_gib: None, cpu_limit: None, health: true, style: LogStyle::Node, exited: None, traffic: false },
    ServiceRow { name: "hf-model-sync", project: "ops", image: "python", version: "3.12-slim", cpu: 0.0, mem_gib: 0.0, limit_gib: None, cpu_limit: None, health: false, style: LogStyle::Python, exited: Some(0), traffic: false },
    ServiceRow { name: "db-backup", project: "ops", image: "postgres", version: "16.4", cpu: 0.0, mem_gib: 0.0, limit_gib: None, cpu_limit: None, health: false, style: LogStyle::Postgres, exited: Some(0), traffic: false },
];

const USERS: &[&str] = &[
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "niaj",
    "olivia",
    "peggy",
    "rupert",
    "sybil",
    "trent",
    "victor",
    "walter",
    "yvonne",
    "zoe",
    "ci-bot",
    "eval-runner",
    "rag-service",
    "notebook-shared",
];

/// (alias, max budget in USD, rpm limit, tpm limit)
type KeyRow = (&'static str, Option<f64>, Option<u32>, Option<u32>);

const KEYS: &[KeyRow] = &[
    ("team-research", Some(500.0), Some(120), Some(400_000)),
    ("team-platform", Some(300.0), Some(60), Some(200_000)),
    ("team-support", Some(150.0), Some(60), Some(100_000)),
    ("rag-service", Some(400.0), Some(300), Some(1_000_000)),
    ("eval-runner", Some(200.0), Some(600), None),
    ("open-webui", None, Some(200), None),
    ("notebooks", Some(100.0), Some(30), Some(60_000)),
    ("ci", Some(50.0), Some(30), Some(50_000)),
    ("intern-projects", Some(25.0), Some(20), Some(20_000)),
    ("partner-demo", Some(60.0), Some(30), Some(50_000)),
    ("grafana-probe", Some(1.0), Some(10), Some(5_000)),
    ("legacy-app", Some(80.0), Some(30), None),
];

impl Fleet {
    /// The vLLM instance running in `container`.
    pub fn vllm_spec(&self, container: &str) -> Option<&VllmSpec> {
        self.vllm.iter().find(|v| v.container == container)
    }

    /// The reference fleet (scale 1) or `scale` copies of it on one host.
    /// The fleet of server `hostname`.
    pub fn build_host(seed: u64, scale: u32, hostname: &str) -> Self {
        let mut fleet = Self::build(seed, scale);
        fleet.host.hostname = hostname.to_owned();
        fleet
    }

    pub fn build(seed: u64, scale: u32) -> Self {
        let scale = scale.max(1);
        let mut gpus = Vec::new();
        let mut vllm = Vec::new();
        let mut services = Vec::new();
        for block in 0..scale {
            let suffix = |name: &str| {
                if block == 0 {
                    name.to_owned()
                } else {
                    format!("{name}-b{}", block + 1)
                }
            };
            for i in 0..GPUS_PER_BLOCK {
                let index = block * GPUS_PER_BLOCK + i;
                gpus.push(GpuSpec {
                    index,
                    uuid: uuid(seed, index),
                    name: "NVIDIA H200",
                    pci_bus_id: format!("00000000:{:02X}:00.0", 0x18 + index * 0x10 % 0xE0),
                    memory_total_bytes: H200_MEMORY_BYTES,
                    power_limit_watts: H200_POWER_LIMIT_WATTS,
                });
            }
            for (i, m) in MODELS.iter().enumerate() {
                vllm.push(VllmSpec {
                    container: suffix(&format!("vllm-{}", m.name.replace('.', "-"))),
                    model: suffix(m.name),
                    hf_id: m.hf_id,
                    model_type: m.model_type,
                    vllm_version: m.version,
                    gpus: m.gpus.iter().map(|g| g + block * GPUS_PER_BLOCK).collect(),
                    gpu_memory_fraction: m.fraction,
                    host_port: 8001 + (block * MODELS.len() as u32 + i as u32) as u16,
                    parameters: m.parameters,
                    quantization: m.quantization,
                    dtype: m.dtype,
                    context_length: m.context,
                    traffic_share: m.share / f64::from(scale),
                    ttft_median_s: m.ttft,
                    itl_median_s: m.itl,
                    prompt_tokens: m.prompt,
                    generation_tokens: m.gen,
                    capacity: m.capacity,
                    cost_per_input_token: m.parameters / 1e9 * 2.0e-9,
                    cost_per_output_token: m.parameters / 1e9 * 8.0e-9,
                });
            }
            for s in SERVICES {
                services.push(ServiceSpec {
                    container: suffix(s.name),
                    compose_project: s.project,
                    compose_service: s.name,
                    image: s.image,
                    version: s.version,
                    cpu_cores: s.cpu,
                    memory_bytes: s.mem_gib * GIB,
                    memory_limit_bytes: s.limit_gib.map(|g| g * GIB),
                    cpu_limit_cores: s.cpu_limit,
                    has_healthcheck: s.health,
                    log_style: s.style,
                    exited_with: s.exited,
                    traffic_driven: s.traffic,
                });
            }
        }
        let scale_f = f64::from(scale);
        Fleet {
            host: HostSpec {
                hostname: FIRST_HOST.to_owned(),
                cpus: 64 * scale,
                memory_bytes: 256.0 * GIB * scale_f,
                boot_time: FLEET_EPOCH - 86_400.0 * (3.0 + (hash(seed, "boot", 0) % 20) as f64),
            },
            gpus,
            vllm,
            services,
            users: USERS.iter().map(|u| (*u).to_owned()).collect(),
            keys: KEYS
                .iter()
                .enumerate()
                .map(|(i, (alias, budget, rpm, tpm))| KeySpec {
                    alias: (*alias).to_owned(),
                    max_budget_usd: *budget,
                    rpm_limit: *rpm,
                    tpm_limit: *tpm,
                    traffic_share: zipf(i, KEYS.len()),
                })
                .collect(),
            rpm_night: 10.0 * scale_f,
            rpm_peak: 20.0 * scale_f,
        }
    }

    pub fn vllm_on_gpu(&self, gpu: u32) -> impl Iterator<Item = &VllmSpec> {
        self.vllm.iter().filter(move |v| v.gpus.contains(&gpu))
    }

    /// Share of traffic of the `i`-th user (Zipf-like: a few heavy users, a long tail).
    pub fn user_share(&self, i: usize) -> f64 {
        zipf(i, self.users.len())
    }
}

/// Weight of rank `i` among `n` under a Zipf law with exponent 1, normalised to sum 1.
fn zipf(i: usize, n: usize) -> f64 {
    let total: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
    1.0 / (i as f64 + 1.0) / total
}

fn uuid(seed: u64, index: u32) -> String {
    let a = hash(seed, "gpu-uuid", u64::from(index));
    let b = hash(seed, "gpu-uuid-2", u64::from(index));
    format!(
        "GPU-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// Docker's 64-hex container id for a container name.
pub fn container_id(seed: u64, name: &str) -> String {
    (0..4)
        .map(|i| format!("{:016x}", hash(seed, name, i)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn reference_fleet_has_the_shape_the_server_has() {
        let f = Fleet::build(1, 1);
        assert_eq!(f.gpus.len(), 8);
        assert_eq!(f.vllm.len(), 10);
        assert!(f.services.len() >= 25, "{}", f.services.len());
        assert_eq!(f.users.len(), 25);
        let versions: HashSet<_> = f.vllm.iter().map(|v| v.vllm_version).collect();
        assert!(versions.len() >= 5, "{versions:?}");
        let engines: HashSet<_> = f.vllm.iter().map(VllmSpec::engine).collect();
        assert_eq!(engines.len(), 2, "both V0 and V1 names must occur");
        assert!(f.vllm.iter().any(|v| v.gpus.len() >= 2), "tensor parallel");
        assert!(f.vllm.iter().any(|v| v.model_type == ModelType::Embedding));
        assert!(f.vllm.iter().any(|v| v.model_type == ModelType::Reranker));
        let idle = f
            .gpus
            .iter()
            .filter(|g| f.vllm_on_gpu(g.index).count() == 0)
            .count();
        assert!((1..=2).contains(&idle), "{idle} idle GPUs");
        let share: f64 = f.vllm.iter().map(|v| v.traffic_share).sum();
        assert!((share - 1.0).abs() < 1e-9);
    }

    #[test]
    fn no_gpu_is_overcommitted() {
        let f = Fleet::build(1, 1);
        for g in &f.gpus {
            let used: f64 = f.vllm_on_gpu(g.index).map(|v| v.gpu_memory_fraction).sum();
            assert!(used <= 0.94, "GPU {} preallocates {used}", g.index);
        }
    }

    #[test]
    fn larger_fleets_repeat_the_block_with_unique_names() {
        let f = Fleet::build(1, 10);
        assert_eq!(f.gpus.len(), 80);
        assert_eq!(f.vllm.len(), 100);
        let names: HashSet<_> = f
            .vllm
            .iter()
            .map(|v| v.container.clone())
            .chain(f.services.iter().map(|s| s.container.clone()))
            .collect();
        assert_eq!(names.len(), f.vllm.len() + f.services.len());
        let uuids: HashSet<_> = f.gpus.iter().map(|g| g.uuid.clone()).collect();
        assert_eq!(uuids.len(), 80);
    }

    #[test]
    fn a_fleets_servers_have_their_own_names_and_seeds_and_the_first_is_todays_server() {
        assert_eq!(host_name(1), FIRST_HOST);
        assert_eq!(host_name(12), "llm-h200-12");
        assert_eq!(host_seed(42, 1), 42);
        assert_ne!(host_seed(42, 2), host_seed(42, 3));
        let second = Fleet::build_host(host_seed(42, 2), 1, &host_name(2));
        assert_eq!(second.host.hostname, "llm-h200-02");
        assert_ne!(second.gpus[0].uuid, Fleet::build(42, 1).gpus[0].uuid);
    }
}
