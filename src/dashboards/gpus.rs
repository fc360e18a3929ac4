//! GPUs: the 8-GPU grid, each GPU's health (verdict, XID errors, row remapping, NVLinks,
//! PCIe replays), trends, clocks and activity, and which container and model holds each
//! GPU's memory.

use llmmon_core::schema as s;
use llmmon_core::thresholds as t;

use super::panel::{
    bargauge, crit, heatmap, instant, pie, prom, stat, table, tablep, timeseries, warn_crit,
};
use super::variable::prom_label;
use super::{row, uid, Dashboard, Folder, Panel, Row};
use crate::rules::recording as rec;

/// The selector of the `$gpu` variable.
const GPU: &str = "gpu=~\"$gpu\"";

pub fn dashboard() -> Dashboard {
    let temps = || warn_crit(t::GPU_TEMP_WARNING_C, t::GPU_TEMP_CRITICAL_C);
    let per_container_model = format!(
        "{}{{{GPU}}} * on (container) group_left (model, vllm_version) max by (container, model, vllm_version) ({})",
        s::GPU_CONTAINER_MEMORY.name,
        s::VLLM_INFO.name
    );
    let mut d = Dashboard::new(uid::GPUS, "GPUs", "gpus", Folder::Infrastructure);
    d.purpose = "The eight GPUs: load, memory on each GPU's installed scale, temperature against the alert thresholds, power against the enforced limit, and who uses them.";
    d.tags.push("infrastructure");
    d.tags.push("gpu");
    d.alert_groups = vec!["llmmon-gpu", "llmmon-gpu-health"];
    d.variables
        .extend([prom_label("gpu", "GPU", &s::GPU_INFO, "gpu")]);
    d.rows = vec![
        row("GPU grid", vec![
            bargauge("Utilisation", "percentunit").size(6, 9).range(0.0, 1.0)
                .desc("Share of the last sample period a kernel ran, per GPU.")
                .q(instant(format!("{}{{{GPU}}}", s::GPU_UTILIZATION.name), "GPU {{gpu}}")),
            bargauge("Memory used (of installed)", "percentunit").size(6, 9).range(0.0, 1.0)
                .desc("Used over installed device memory as NVML reports it (141 GB on an H200); vLLM preallocates, so 90 % is normal.")
                .q(instant(format!("{}{{{GPU}}}", rec::gpu_memory_used_ratio()), "GPU {{gpu}}"))
                .thresholds(crit(t::GPU_MEMORY_CRITICAL_RATIO)).alert("GPUMemoryCritical"),
            bargauge("Temperature", "celsius").size(6, 9).range(0.0, 100.0)
                .desc("GPU core temperature; orange from the warning, red from the critical alert threshold.")
                .q(instant(format!("{}{{{GPU}}}", s::GPU_TEMPERATURE.name), "GPU {{gpu}}"))
                .thresholds(temps()).alert("GPUTemperatureHigh").alert("GPUTemperatureCritical"),
            bargauge("Power (of enforced limit)", "percentunit").size(6, 9).range(0.0, 1.0)
                .desc("Power draw over the enforced power limit (700 W on an H200 SXM unless capped).")
                .q(instant(format!("{}{{{GPU}}} / {}", s::GPU_POWER_USAGE.name, s::GPU_POWER_LIMIT.name), "GPU {{gpu}}"))
                .thresholds(warn_crit(0.9, 0.98)),
        ]),
        health_row(),
        row("Trends", vec![
            timeseries("Utilisation", "percentunit").range(0.0, 1.0)
                .desc("Kernel activity per GPU.")
                .q(prom(format!("{}{{{GPU}}}", s::GPU_UTILIZATION.name), "GPU {{gpu}}")),
            timeseries("Power", "watt").min(0.0)
                .desc("Power draw per GPU, with each GPU's enforced limit.")
                .q(prom(format!("{}{{{GPU}}}", s::GPU_POWER_USAGE.name), "GPU {{gpu}}"))
                .q(prom(format!("max({}{{{GPU}}})", s::GPU_POWER_LIMIT.name), "limit")),
            heatmap("Temperature heatmap", "celsius")
                .desc("One row per GPU over time; the colour scale is the temperature, thresholds as in the alerts.")
                .q(prom(format!("{}{{{GPU}}}", s::GPU_TEMPERATURE.name), "GPU {{gpu}}"))
                .thresholds(temps()).alert("GPUTemperatureHigh").alert("GPUTemperatureCritical"),
            timeseries("Temperature", "celsius")
                .desc("Core and memory (HBM) temperature per GPU.")
                .q(prom(format!("{}{{{GPU}}}", s::GPU_TEMPERATURE.name), "GPU {{gpu}} core"))
                .q(prom(format!("{}{{{GPU}}}", s::GPU_MEMORY_TEMPERATURE.name), "GPU {{gpu}} memory"))
                .thresholds(temps()),
            timeseries("Memory by container", "bytes").stacked()
                .desc("GPU memory held by each container's processes, stacked over the selected GPUs; the top is the memory in use.")
                .q(prom(format!("sum by (container) ({}{{{GPU}}})", s::GPU_CONTAINER_MEMORY.name), "{{container}}"))
                .q(prom(format!("sum({}{{{GPU}}})", s::GPU_MEMORY_TOTAL.name), "installed")),
            pie("Process memory by container", "bytes")
                .desc("Share of GPU memory per container right now.")
                .q(instant(format!("sum by (container) ({}{{{GPU}}})", s::GPU_CONTAINER_MEMORY.name), "{{container}}")),
        ]),
        row("Clocks and activity", vec![
            timeseries("Clocks", "hertz").size(8, 8)
                .desc("Graphics, SM and memory clocks; a drop under load with a throttle reason means heat or power capping.")
                .q(prom(format!("{}{{{GPU}}}", s::GPU_CLOCK.name), "GPU {{gpu}} {{clock}}")),
            timeseries("Throttle reasons active", "short").size(8, 8)
                .desc("Clock-event reasons holding clocks down, per GPU and reason.")
                .q(prom(format!("sum by (gpu, reason) ({}{{{GPU}}})", s::GPU_CLOCK_EVENT.name), "GPU {{gpu}} {{reason}}")),
            timeseries("PCIe throughput", "Bps").size(8, 8)
                .desc("Host ↔ GPU traffic; high while a model loads.")
                .q(prom(format!("{}{{{GPU}}}", s::GPU_PCIE_THROUGHPUT.name), "GPU {{gpu}} {{direction}}")),
            timeseries("SM activity (DCGM)", "percentunit").size(8, 8).range(0.0, 1.0)
                .desc("Share of cycles an SM had a warp (CUDA core activity); needs the dcgm profile.")
                .q(prom(format!("{}{{{GPU}}}", s::DCGM_SM_ACTIVE.name), "GPU {{gpu}}")),
            timeseries("Tensor core activity (DCGM)", "percentunit").size(8, 8).range(0.0, 1.0)
                .desc("Share of cycles the tensor pipe was busy; the work LLM inference is made of. Needs the dcgm profile.")
                .q(prom(format!("{}{{{GPU}}}", s::DCGM_TENSOR_ACTIVE.name), "GPU {{gpu}}")),
            timeseries("ECC errors", "short").size(8, 8)
                .desc("Corrected and uncorrected ECC errors in the last hour; uncorrected ones retire pages.")
                .q(prom(format!("sum by (gpu, error_type) (increase({}{{{GPU}}}[1h]))", s::GPU_ECC_ERRORS.name), "GPU {{gpu}} {{error_type}}")),
        ]),
        row("Identity and mapping", vec![
            tablep("GPU → container → model", "bytes").size(12, 9)
                .desc("Which container's processes hold memory on which GPU, and the model that container serves.")
                .q(table(per_container_model, "{{gpu}} {{container}} {{model}}")),
            tablep("GPUs", "none").size(12, 9)
                .desc("Index, UUID, product name and PCI bus of each GPU.")
                .q(table(format!("{}{{{GPU}}}", s::GPU_INFO.name), "{{gpu}} {{uuid}} {{name}} {{pci_bus_id}}")),
            stat("Installed memory per GPU", "bytes").size(8, 4)
                .desc("As NVML reports it; every scale on this dashboard follows it.")
                .q(instant(format!("max({}{{{GPU}}})", s::GPU_MEMORY_TOTAL.name), "")),
            stat("Compute processes", "short").size(8, 4)
                .desc("Processes with a CUDA context, all selected GPUs.")
                .q(instant(format!("sum({}{{{GPU}}})", s::GPU_PROCESSES.name), "")),
            tablep("Driver", "none").size(8, 4)
                .desc("NVIDIA driver and the CUDA version it supports.")
                .q(table(s::GPU_DRIVER_INFO.name, "{{driver_version}} {{cuda_driver_version}}")),
        ]),
    ];
    d
}

/// The verdict of each GPU and the signals behind it: XID errors, row remapping, NVLinks,
/// PCIe replays (exporter `gpu` role, `exporter/src/gpu/health.rs`).
fn health_row() -> Row {
    let verdict = format!(
        "max by (gpu) ({h}{{{GPU}, verdict=\"warning\"}} + ignoring (verdict) 2 * {h}{{{GPU}, verdict=\"critical\"}})",
        h = s::GPU_HEALTH.name
    );
    let problems = format!(
        "{p}{{{GPU}}} or on (gpu) label_replace({h}{{{GPU}, verdict=\"ok\"}} == 1, \"problem\", \"no problem\", \"\", \"\")",
        p = s::GPU_HEALTH_PROBLEM.name,
        h = s::GPU_HEALTH.name
    );
    let per_gpu_zero = format!("sum by (gpu) (0 * {}{{{GPU}}})", s::GPU_INFO.name);
    let xids = format!(
        "sum by (gpu) (increase({}{{{GPU}}}[1h])) or {per_gpu_zero}",
        s::GPU_XID_ERRORS.name
    );
    let verdict_panel: Panel = stat("Health verdict", "none").size(8, 6).range(0.0, 2.0)
        .desc("Each GPU's verdict from its XID errors, row remapping, NVLinks and hardware slowdowns: ok, warning or critical.")
        .q(instant(verdict, "GPU {{gpu}}"))
        .thresholds(warn_crit(1.0, 2.0))
        .map(0.0, "ok", "green").map(1.0, "warning", "orange").map(2.0, "critical", "red")
        .alert("GPUXidCritical").alert("GPULost").alert("GPURowRemapFailed");
    row("Health", vec![
        verdict_panel,
        tablep("Problems and what to do", "none").size(16, 6)
            .desc("The problems behind each verdict, worst first, with the operator's action from NVIDIA's XID catalog.")
            .q(table(problems, "{{gpu}} {{problem}}")),
        timeseries("XID errors (last hour)", "short").size(8, 8).min(0.0)
            .desc("Critical XID errors NVML delivered per GPU over the last hour; the code and its meaning are in the problems table.")
            .q(prom(xids, "GPU {{gpu}}"))
            .alert("GPUXidCritical").alert("GPUXidWarning"),
            timeseries("NVLink errors", "short").size(8, 8).min(0.0)
            .desc("Replay, recovery and data CRC errors a minute over all NVLinks of each GPU; a healthy link sees a few a day.")
            .q(prom(format!("sum by (gpu) (rate({}{{{GPU}, error_type=~\"replay|recovery|crc_data\"}}[5m])) * 60", s::GPU_NVLINK_ERRORS.name), "GPU {{gpu}}"))
            .thresholds(crit(1.0)).alert("GPUNVLinkErrorsRising"),
        bargauge("NVLinks down", "short").size(8, 8).min(0.0)
            .desc("Links of each GPU that are not active; an H200 SXM has 18, all active.")
            .q(instant(format!("sum by (gpu) (1 - {}{{{GPU}}})", s::GPU_NVLINK_UP.name), "GPU {{gpu}}"))
            .thresholds(crit(1.0)),
        bargauge("Remapped rows", "short").size(8, 6).min(0.0)
            .desc("HBM rows remapped for correctable and uncorrectable errors since the GPU was made.")
            .q(instant(format!("{}{{{GPU}}}", s::GPU_REMAPPED_ROWS.name), "GPU {{gpu}} {{cause}}")),
        bargauge("Row remapping pending", "short").size(8, 6).range(0.0, 1.0)
            .desc("1 while a remapping waits for a GPU reset.")
            .q(instant(format!("{}{{{GPU}}}", s::GPU_ROW_REMAP_PENDING.name), "GPU {{gpu}}"))
            .thresholds(warn_crit(1.0, 2.0)).alert("GPURowRemapPending"),
        timeseries("PCIe replays (last hour)", "short").size(8, 6).min(0.0)
            .desc("PCIe link-level replays per GPU over the last hour; a rising count precedes a GPU falling off the bus.")
            .q(prom(format!("sum by (gpu) (increase({}{{{GPU}}}[1h]))", s::GPU_PCIE_REPLAYS.name), "GPU {{gpu}}")),
    ])
}
