//! Containers, split into GPU and non-GPU: state, health, restarts, uptime, resources
//! against limits, network, CUDA version, GPU assignment and mounts.

use llmmon_core::schema as s;

use super::panel::{bargauge, crit, instant, pie, prom, stat, table, tablep, timeseries};
use super::variable::prom_label;
use super::{row, uid, url, Dashboard, Folder, Panel};
use crate::rules::{recording as rec, Config};

/// Keeps the series of `expr` (keyed by `container`) whose container is of `class`.
fn of_class(expr: &str, class: &str) -> String {
    format!(
        "{expr} * on (container) group_left () {}{{class=\"{class}\"}}",
        s::CONTAINER_INFO.name
    )
}

/// Keeps the cAdvisor series of `expr` (keyed by `name`) whose container is of `class`.
fn cadvisor_of_class(expr: &str, class: &str) -> String {
    format!(
        "{expr} * on (name) group_left () label_replace({}{{class=\"{class}\"}}, \"name\", \"$1\", \"container\", \"(.*)\")",
        s::CONTAINER_INFO.name
    )
}

/// The same lookup of a container-keyed family under cAdvisor's `name` label.
fn as_name(metric: &str) -> String {
    format!("label_replace({metric}, \"name\", \"$1\", \"container\", \"(.*)\")")
}

/// Status table of one class: state and health per container, coloured.
fn status(class: &str, title: &str) -> Panel {
    let sel = "container=~\"$container\"";
    tablep(title, "none")
        .size(12, 8)
        .desc("Docker state and health check status per container (1 marks the current one).")
        .q(table(
            of_class(
                &format!("({}{{{sel}}} == 1)", s::CONTAINER_STATE.name),
                class,
            ),
            "{{container}} {{state}}",
        ))
        .q(table(
            of_class(
                &format!("({}{{{sel}}} == 1)", s::CONTAINER_HEALTH.name),
                class,
            ),
            "{{container}} {{status}}",
        ))
        .transform(serde_json::json!({"id": "merge", "options": {}}))
        .alert("ContainerUnhealthy")
}

pub fn dashboard() -> Dashboard {
    let cfg = Config::default();
    let sel = "container=~\"$container\"";
    let name_sel = "name=~\"$container\"";
    let cpu = rec::cadvisor_cpu_rate(&cfg);
    let mem = format!("{}{{{name_sel}}}", s::CADVISOR_MEM_WORKING_SET.name);
    let mut d = Dashboard::new(
        uid::CONTAINERS,
        "Containers",
        "containers",
        Folder::Infrastructure,
    );
    d.purpose = "Every Docker container, GPU and non-GPU apart: is it running and healthy, how often it restarts, and what it uses against its limits.";
    d.tags.push("infrastructure");
    d.tags.push("docker");
    d.alert_groups = vec!["llmmon-containers"];
    d.variables.extend([prom_label(
        "container",
        "Container",
        &s::CONTAINER_INFO,
        "container",
    )]);
    d.rows = vec![
        row("Overview", vec![
            stat("Containers by class", "short").size(6, 4)
                .desc("GPU containers (with a GPU assigned) and the rest.")
                .q(instant(format!("count by (class) ({})", s::CONTAINER_INFO.name), "{{class}}")),
            stat("Running", "short").size(6, 4)
                .desc("Containers in state running.")
                .q(instant(format!("sum({}{{state=\"running\"}})", s::CONTAINER_STATE.name), "")),
            stat("Unhealthy", "short").size(6, 4)
                .desc("Containers whose health check fails.")
                .q(instant(format!("sum({}{{status=\"unhealthy\"}})", s::CONTAINER_HEALTH.name), ""))
                .thresholds(crit(1.0)).alert("ContainerUnhealthy"),
            stat("Crash-looping", "short").size(6, 4)
                .desc("Containers that restarted repeatedly within the crash-loop window.")
                .q(instant(format!("sum({})", s::CONTAINER_CRASH_LOOP.name), ""))
                .thresholds(crit(1.0)).alert("ContainerRestartLoop"),
        ]),
        row("GPU containers", vec![
            status("gpu", "GPU containers: status"),
            tablep("GPU containers: CUDA, image and GPUs", "none").size(12, 8)
                .desc("CUDA version inside the image, image version and the GPUs assigned.")
                .q(table(format!("{}{{class=\"gpu\", {sel}}}", s::CONTAINER_INFO.name), "{{container}} {{image}} {{image_version}} {{cuda_version}}"))
                .q(table(format!("{}{{{sel}}}", s::CONTAINER_GPU.name), "{{container}} {{gpu}}")),
            timeseries("GPU memory per container", "bytes").stacked()
                .desc("GPU memory held by each container's processes, all GPUs.")
                .q(prom(format!("sum by (container) ({}{{{sel}}})", s::GPU_CONTAINER_MEMORY.name), "{{container}}"))
                .link("GPUs", &url(uid::GPUS)),
            timeseries("GPU utilisation per container", "percentunit")
                .desc("SM utilisation by each container's processes (summed over its GPUs).")
                .q(prom(format!("sum by (container) ({}{{{sel}}})", s::GPU_CONTAINER_UTILIZATION.name), "{{container}}")),
            tablep("Model loading status", "none").size(24, 6)
                .desc("State of the vLLM instance in each GPU container.")
                .q(table(format!("{}{{{sel}}} == 1", s::VLLM_STATE.name), "{{container}} {{model}} {{state}}"))
                .link("vLLM", &url(uid::VLLM)).alert("ModelLoadFailure"),
        ]),
        row("Non-GPU containers", vec![
            status("non-gpu", "Non-GPU containers: status"),
            bargauge("Restarts (non-GPU)", "short").size(12, 8)
                .desc("Docker's restart count (since the container was created).")
                .q(instant(of_class(&format!("{}{{{sel}}}", s::CONTAINER_RESTARTS.name), "non-gpu"), "{{container}}"))
                .thresholds(crit(cfg.restart_loop_restarts)),
            timeseries("CPU per container (non-GPU)", "short")
                .desc("Cores used per container (cAdvisor, 5-minute rate).")
                .q(prom(cadvisor_of_class(&format!("{cpu}{{{name_sel}}}"), "non-gpu"), "{{name}}")),
            timeseries("Memory per container (non-GPU)", "bytes")
                .desc("Working set per container (what the OOM killer looks at).")
                .q(prom(cadvisor_of_class(&mem, "non-gpu"), "{{name}}")),
            timeseries("Network per container", "Bps").size(24, 8)
                .desc("Bytes received and sent per container, all interfaces.")
                .q(prom(format!("sum by (name) (rate({}{{{name_sel}}}[$__rate_interval]))", s::CADVISOR_NET_RX.name), "{{name}} in"))
                .q(prom(format!("sum by (name) (rate({}{{{name_sel}}}[$__rate_interval]))", s::CADVISOR_NET_TX.name), "{{name}} out")),
        ]),
        row("All containers", vec![
            bargauge("Memory against limit", "percentunit").range(0.0, 1.0)
                .desc("Working set over the memory limit, for containers with a limit.")
                .q(instant(format!("{mem} / on (name) {}", as_name(s::CONTAINER_MEMORY_LIMIT.name)), "{{name}}"))
                .thresholds(crit(0.9)),
            bargauge("CPU against limit", "percentunit").range(0.0, 1.0)
                .desc("Cores used over the CPU limit, for containers with a limit.")
                .q(instant(format!("{cpu}{{{name_sel}}} / on (name) {}", as_name(s::CONTAINER_CPU_LIMIT.name)), "{{name}}"))
                .thresholds(crit(0.9)),
            timeseries("Restarts in the window", "short")
                .desc(&format!("Restarts per container within {} (recording rule); {} or more is a restart loop.", cfg.restart_window, cfg.restart_loop_restarts))
                .q(prom(format!("{}{{{sel}}}", rec::container_restarts_increase(&cfg)), "{{container}}"))
                .thresholds(crit(cfg.restart_loop_restarts)).alert("ContainerRestartLoop"),
            bargauge("Uptime", "s")
                .desc("Time since each container last started.")
                .q(instant(format!("time() - {}{{{sel}}}", s::CONTAINER_START_TIME.name), "{{container}}")),
            pie("Memory allocation", "bytes")
                .desc("Share of container memory (working set) per container.")
                .q(instant(format!("sum by (name) ({mem})"), "{{name}}")),
            pie("CPU allocation", "short")
                .desc("Share of container CPU per container.")
                .q(instant(format!("{cpu}{{{name_sel}}}"), "{{name}}")),
            tablep("Volume mounts", "none").size(24, 8)
                .desc("Each bind mount and whether its source exists on the host (0 = missing: the container sees an empty directory).")
                .q(table(format!("{}{{{sel}}}", s::CONTAINER_MOUNT_PRESENT.name), "{{container}} {{destination}} {{type}}"))
                .map(0.0, "missing", "red").map(1.0, "present", "green").alert("ContainerMountMissing"),
        ]),
    ];
    d
}
