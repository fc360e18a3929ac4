//! The simulated dcgm-exporter: the same GPUs as the `gpu` role under DCGM's field names,
//! units (%, MiB, MHz, W) and labels, plus the profiling fields (SM / tensor activity) that
//! only DCGM reads.

use super::Simulator;
use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;

const MIB: f64 = 1024.0 * 1024.0;

impl Simulator {
    /// dcgm-exporter's view of the GPUs at time t.
    pub fn dcgm_metrics(&self, t: f64) -> MetricSet {
        let inv = self.gpu_inventory(t);
        let host = self.fleet.host.hostname.clone();
        let mut m = MetricSet::new();
        for g in &inv.gpus {
            let gpu = g.index.to_string();
            let device = format!("nvidia{}", g.index);
            let labels = [
                host.as_str(),
                g.uuid.as_str(),
                device.as_str(),
                gpu.as_str(),
                g.name.as_str(),
                g.pci_bus_id.as_str(),
            ];
            let util = g.utilization.unwrap_or(0.0);
            let mib = |b: Option<u64>| b.map(|b| (b as f64 / MIB).floor());
            m.gauge(&DCGM_GPU_UTIL, &labels, (util * 100.0).round());
            m.gauge_opt(
                &DCGM_MEM_COPY_UTIL,
                &labels,
                g.memory_utilization.map(|u| (u * 100.0).round()),
            );
            m.gauge_opt(&DCGM_FB_USED, &labels, mib(g.memory_used_bytes));
            m.gauge_opt(&DCGM_FB_FREE, &labels, mib(g.memory_free_bytes));
            m.gauge_opt(&DCGM_GPU_TEMP, &labels, g.temperature_c);
            m.gauge_opt(&DCGM_MEMORY_TEMP, &labels, g.memory_temperature_c);
            m.gauge_opt(&DCGM_POWER_USAGE, &labels, g.power_watts);
            m.gauge_opt(&DCGM_SM_CLOCK, &labels, g.clocks[1].0.map(|hz| hz / 1e6));
            m.gauge_opt(&DCGM_MEM_CLOCK, &labels, g.clocks[2].0.map(|hz| hz / 1e6));
            m.gauge(&DCGM_GR_ENGINE_ACTIVE, &labels, util);
            m.gauge(&DCGM_SM_ACTIVE, &labels, util * 0.85);
            m.gauge(&DCGM_SM_OCCUPANCY, &labels, util * 0.4);
            m.gauge(&DCGM_TENSOR_ACTIVE, &labels, util * 0.55);
            m.gauge(&DCGM_DRAM_ACTIVE, &labels, util * 0.6);
        }
        m
    }
}
