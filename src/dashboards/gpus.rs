//! GPUs: the 8-GPU grid, trends, clocks and activity, and which container and model holds
//! each GPU's memory.

use llmmon_core::schema as s;
use llmmon_core::thresholds as t;

use super::panel::{
    bargauge, crit, heatmap, instant, pie, prom, stat, table, tablep, timeseries, warn_crit,
};
use super::variable::prom_label;
use super::{row, uid, Dashboard, Folder};
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
    d.alert_groups = vec!["llmmon-gpu"];
    d.variables = vec![prom_label("gpu", "GPU", &s::GPU_INFO, "gpu")];
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
