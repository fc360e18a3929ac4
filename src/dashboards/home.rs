//! Home: the whole server on one screen — GPU grid, models up or down, traffic, firing
//! alerts, active announcements — and a way to every other dashboard.

use llmmon_core::schema as s;
use llmmon_core::thresholds as t;

use super::panel::{
    alert_list, bargauge, crit, dash_list, instant, prom, stat, text, timeseries, warn_crit,
};
use super::{row, uid, url, vllm, Audience, Dashboard, Folder};
use crate::rules::{recording as rec, Config};

fn links_markdown() -> String {
    let list = [
        ("Fleet overview", uid::FLEET),
        ("Server health", uid::HOST),
        ("GPUs", uid::GPUS),
        ("Containers", uid::CONTAINERS),
        ("Logs", uid::LOGS),
        ("vLLM", uid::VLLM),
        ("LiteLLM", uid::LITELLM),
        ("Langfuse analytics", uid::LANGFUSE),
        ("Announcements and status", uid::ANNOUNCEMENTS),
        ("Model catalog", uid::CATALOG),
    ];
    list.iter()
        .map(|(title, u)| format!("- [{title}]({})", url(u)))
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn dashboard() -> Dashboard {
    let cfg = Config::default();
    let mut d = Dashboard::new(uid::HOME, "LLM server", "home", Folder::Root);
    d.audience = Audience::Everyone;
    d.purpose = "The whole server on one screen: GPUs, models, traffic, alerts and announcements, with a link to every other dashboard.";
    d.tags.push("home");
    d.alert_groups = vec![
        "llmmon-gpu",
        "llmmon-host",
        "llmmon-containers",
        "llmmon-models",
        "llmmon-litellm",
        "llmmon-monitoring",
    ];
    d.rows = vec![
        row(
            "Server",
            vec![
                stat("GPUs", "short")
                    .desc("GPUs NVML reports.")
                    .q(instant(format!("count({})", s::GPU_INFO.name), ""))
                    .link("GPUs", &url(uid::GPUS)),
                stat("Hottest GPU", "celsius")
                    .desc("Highest GPU core temperature now.")
                    .q(instant(format!("max({})", s::GPU_TEMPERATURE.name), ""))
                    .thresholds(warn_crit(t::GPU_TEMP_WARNING_C, t::GPU_TEMP_CRITICAL_C))
                    .alert("GPUTemperatureHigh")
                    .alert("GPUTemperatureCritical")
                    .link("GPUs", &url(uid::GPUS)),
                stat("Host CPU", "percentunit")
                    .desc("Busy share of all cores (5-minute rate).")
                    .q(instant(rec::host_cpu_utilisation(&cfg), ""))
                    .thresholds(crit(t::HOST_CPU_CRITICAL_RATIO))
                    .alert("HostCPUCritical")
                    .link("Server health", &url(uid::HOST)),
                stat("Host memory", "percentunit")
                    .desc("Memory in use (1 − available / total).")
                    .q(instant(rec::host_memory_utilisation(), ""))
                    .thresholds(crit(t::HOST_MEMORY_WARNING_RATIO))
                    .alert("HostMemoryHigh")
                    .link("Server health", &url(uid::HOST)),
                stat("Firing alerts", "short")
                    .desc("Alerts firing now, all severities.")
                    .q(instant(
                        "count(ALERTS{alertstate=\"firing\"}) or vector(0)",
                        "",
                    ))
                    .thresholds(crit(1.0)),
                stat("Active announcements", "short")
                    .desc("Announcements in force now (announcements service).")
                    .q(instant(
                        format!("count({} == 1) or vector(0)", s::ANNOUNCEMENT_ACTIVE.name),
                        "",
                    ))
                    .link("Announcements", &url(uid::ANNOUNCEMENTS)),
            ],
        ),
        row(
            "GPU grid",
            vec![
                bargauge("GPU utilisation", "percentunit")
                    .size(8, 8)
                    .range(0.0, 1.0)
                    .desc("Kernel activity per GPU.")
                    .q(instant(s::GPU_UTILIZATION.name, "GPU {{gpu}}"))
                    .link("GPUs", &url(uid::GPUS)),
                bargauge("GPU memory used", "percentunit")
                    .size(8, 8)
                    .range(0.0, 1.0)
                    .desc("Used over installed memory per GPU.")
                    .q(instant(rec::gpu_memory_used_ratio(), "GPU {{gpu}}"))
                    .thresholds(crit(t::GPU_MEMORY_CRITICAL_RATIO))
                    .alert("GPUMemoryCritical"),
                bargauge("GPU temperature", "celsius")
                    .size(8, 8)
                    .range(0.0, 100.0)
                    .desc("Core temperature per GPU against the alert thresholds.")
                    .q(instant(s::GPU_TEMPERATURE.name, "GPU {{gpu}}"))
                    .thresholds(warn_crit(t::GPU_TEMP_WARNING_C, t::GPU_TEMP_CRITICAL_C)),
            ],
        ),
        row(
            "Models",
            vec![vllm::state_mappings(
                stat("Models", "none")
                    .size(24, 5)
                    .desc("State of every vLLM instance: ready, loading, unhealthy or stopped.")
                    .q(instant(vllm::state_code(""), "{{model}}")),
            )
            .option("graphMode", serde_json::json!("none"))
            .alert("ModelUnhealthy")
            .alert("ModelLoadFailure")
            .link("vLLM", &url(uid::VLLM))],
        ),
        row(
            "Traffic",
            vec![
                timeseries("Requests per second", "reqps")
                    .size(12, 8)
                    .stacked()
                    .desc("Finished requests per model (5-minute rate).")
                    .q(prom(rec::request_success_rate(&cfg), "{{model}}"))
                    .link("LiteLLM", &url(uid::LITELLM)),
                timeseries("Error ratio", "percentunit")
                    .size(12, 8)
                    .desc("Share of failed requests per model.")
                    .q(prom(rec::request_error_ratio(&cfg), "{{model}}"))
                    .thresholds(crit(t::ERROR_RATIO_CRITICAL))
                    .alert("RequestErrorRateCritical"),
            ],
        ),
        row(
            "Alerts and dashboards",
            vec![
                alert_list("Firing alerts", "")
                    .size(12, 9)
                    .desc("Firing and pending alerts from Prometheus' rules."),
                dash_list("Dashboards")
                    .size(6, 9)
                    .desc("Every llmmon dashboard (tag llmmon)."),
                text("Where to look", &links_markdown())
                    .size(6, 9)
                    .desc("One link per dashboard."),
            ],
        ),
    ];
    d
}
