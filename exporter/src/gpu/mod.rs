//! GPUs: llmmon's own reading of the devices (what NVML or the simulator reports), the
//! source trait both implement, and the collector that turns readings into metrics.

pub mod cgroup;
pub mod fake;
pub mod health;
pub mod nvml;
mod nvml_real;
pub mod source;

use std::sync::Arc;

use async_trait::async_trait;

use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_core::source::{Collection, Collector, SourceError, TargetStatus};
use llmmon_core::xid::Health;

pub use llmmon_readings::gpu::*;

/// Turns an inventory into the `gpu` role's families.
pub fn render(inv: &GpuInventory) -> MetricSet {
    let mut m = MetricSet::new();
    if inv.driver_version.is_some() || inv.cuda_driver_version.is_some() {
        m.gauge(
            &GPU_DRIVER_INFO,
            &[
                inv.driver_version.as_deref().unwrap_or(""),
                inv.cuda_driver_version.as_deref().unwrap_or(""),
            ],
            1.0,
        );
    }
    for g in &inv.gpus {
        let idx = g.index.to_string();
        let gpu = [idx.as_str()];
        m.gauge(&GPU_INFO, &[&idx, &g.uuid, &g.name, &g.pci_bus_id], 1.0);
        m.gauge_opt(&GPU_UTILIZATION, &gpu, g.utilization);
        m.gauge_opt(&GPU_MEMORY_UTILIZATION, &gpu, g.memory_utilization);
        m.gauge_opt(
            &GPU_MEMORY_USED,
            &gpu,
            g.memory_used_bytes.map(|b| b as f64),
        );
        m.gauge_opt(
            &GPU_MEMORY_FREE,
            &gpu,
            g.memory_free_bytes.map(|b| b as f64),
        );
        m.gauge_opt(
            &GPU_MEMORY_TOTAL,
            &gpu,
            g.memory_total_bytes.map(|b| b as f64),
        );
        m.gauge_opt(&GPU_TEMPERATURE, &gpu, g.temperature_c);
        m.gauge_opt(&GPU_MEMORY_TEMPERATURE, &gpu, g.memory_temperature_c);
        m.gauge_opt(&GPU_POWER_USAGE, &gpu, g.power_watts);
        m.gauge_opt(&GPU_POWER_LIMIT, &gpu, g.power_limit_watts);
        if let Some(e) = g.energy_joules {
            m.counter(&GPU_ENERGY, &gpu, e);
        }
        for (clock, (cur, max)) in CLOCKS.iter().zip(g.clocks) {
            m.gauge_opt(&GPU_CLOCK, &[&idx, clock], cur);
            m.gauge_opt(&GPU_CLOCK_MAX, &[&idx, clock], max);
        }
        if let Some(active) = &g.clock_events {
            for reason in CLOCK_EVENT_REASONS {
                let on = f64::from(u8::from(active.contains(&reason)));
                m.gauge(&GPU_CLOCK_EVENT, &[&idx, reason], on);
            }
        }
        if let Some((corrected, uncorrected)) = g.ecc_errors {
            m.counter(&GPU_ECC_ERRORS, &[&idx, "corrected"], corrected as f64);
            m.counter(&GPU_ECC_ERRORS, &[&idx, "uncorrected"], uncorrected as f64);
        }
        if let Some((rx, tx)) = g.pcie_bytes_per_second {
            m.gauge(&GPU_PCIE_THROUGHPUT, &[&idx, "rx"], rx);
            m.gauge(&GPU_PCIE_THROUGHPUT, &[&idx, "tx"], tx);
        }
        if let Some((sbe, dbe)) = g.retired_pages {
            m.gauge(&GPU_RETIRED_PAGES, &[&idx, "single_bit_ecc"], sbe as f64);
            m.gauge(&GPU_RETIRED_PAGES, &[&idx, "double_bit_ecc"], dbe as f64);
        }
        m.gauge(&GPU_PROCESSES, &gpu, g.processes.len() as f64);
        render_containers(&mut m, &idx, &g.processes);
        render_health_signals(&mut m, &idx, g);
    }
    render_xids(&mut m, &inv.xid_errors);
    render_verdicts(&mut m, inv);
    m
}

/// Row remapping, PCIe replays and NVLinks: each only where the GPU answers for it.
fn render_health_signals(m: &mut MetricSet, idx: &str, g: &GpuReading) {
    if let Some(rows) = g.remapped_rows {
        m.gauge(
            &GPU_REMAPPED_ROWS,
            &[idx, "correctable"],
            rows.correctable as f64,
        );
        m.gauge(
            &GPU_REMAPPED_ROWS,
            &[idx, "uncorrectable"],
            rows.uncorrectable as f64,
        );
        m.gauge(
            &GPU_ROW_REMAP_PENDING,
            &[idx],
            f64::from(u8::from(rows.pending)),
        );
        m.gauge(
            &GPU_ROW_REMAP_FAILED,
            &[idx],
            f64::from(u8::from(rows.failed)),
        );
    }
    if let Some(replays) = g.pcie_replays {
        m.counter(&GPU_PCIE_REPLAYS, &[idx], replays as f64);
    }
    for link in &g.nvlinks {
        let name = link.link.to_string();
        m.gauge(
            &GPU_NVLINK_UP,
            &[idx, &name],
            f64::from(u8::from(link.active)),
        );
        for (kind, count) in NVLINK_ERRORS.iter().zip(link.errors) {
            if let Some(count) = count {
                m.counter(&GPU_NVLINK_ERRORS, &[idx, &name, kind], count as f64);
            }
        }
    }
}

fn render_xids(m: &mut MetricSet, xids: &[XidCount]) {
    for x in xids {
        let (gpu, code) = (x.gpu.to_string(), x.xid.to_string());
        m.counter(&GPU_XID_ERRORS, &[&gpu, &code], x.count as f64);
        m.gauge(&GPU_XID_LAST, &[&gpu, &code], x.last_seen);
    }
}

/// Every GPU's verdict as a state set, and one info series per problem behind it.
fn render_verdicts(m: &mut MetricSet, inv: &GpuInventory) {
    for v in health::verdicts(inv) {
        let gpu = v.gpu.to_string();
        m.state_set(&GPU_HEALTH, &[&gpu], Health::LABELS, v.health.as_str());
        for p in &v.problems {
            m.gauge(
                &GPU_HEALTH_PROBLEM,
                &[&gpu, p.severity.as_str(), &p.problem, p.action],
                1.0,
            );
        }
    }
}

/// Sums process readings per container (no pid label: pids are unbounded).
fn render_containers(m: &mut MetricSet, idx: &str, processes: &[GpuProcess]) {
    let mut per: Vec<(&str, Option<f64>, Option<f64>)> = Vec::new();
    for p in processes {
        let name = p.container.as_deref().unwrap_or("host");
        let mem = p.memory_bytes.map(|b| b as f64);
        match per.iter_mut().find(|(n, _, _)| *n == name) {
            Some(entry) => {
                entry.1 = add_opt(entry.1, mem);
                entry.2 = add_opt(entry.2, p.sm_utilization);
            }
            None => per.push((name, mem, p.sm_utilization)),
        }
    }
    for (name, mem, util) in per {
        m.gauge_opt(&GPU_CONTAINER_MEMORY, &[idx, name], mem);
        m.gauge_opt(
            &GPU_CONTAINER_UTILIZATION,
            &[idx, name],
            util.map(|u| u.min(1.0)),
        );
    }
}

fn add_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x + y),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The `gpu` role's collector over any [`GpuSource`].
pub struct GpuCollector {
    pub source: Arc<dyn GpuSource>,
}

#[async_trait]
impl Collector for GpuCollector {
    fn name(&self) -> &str {
        "gpu"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        let inv = self.source.read().await?;
        let mut targets: Vec<TargetStatus> = inv
            .gpus
            .iter()
            .map(|g| TargetStatus {
                target: g.index.to_string(),
                result: Ok(()),
            })
            .collect();
        targets.extend(inv.failed.iter().map(|(i, why)| TargetStatus {
            target: i.to_string(),
            result: Err(SourceError::Unavailable(why.clone())),
        }));
        targets.sort_by_key(|t| t.target.parse::<u32>().unwrap_or(u32::MAX));
        Ok(Collection {
            metrics: render(&inv),
            targets,
            ..Collection::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::Value;

    #[test]
    fn unsupported_fields_are_left_out_not_zero() {
        let inv = GpuInventory {
            gpus: vec![GpuReading {
                index: 0,
                uuid: "GPU-1".into(),
                name: "NVIDIA H200".into(),
                utilization: Some(0.5),
                ..GpuReading::default()
            }],
            ..GpuInventory::default()
        };
        let m = render(&inv);
        assert_eq!(m.value(&GPU_UTILIZATION, &["0"]), Some(&Value::Gauge(0.5)));
        assert!(m.samples(&GPU_MEMORY_TEMPERATURE).is_empty());
        assert!(m.samples(&GPU_RETIRED_PAGES).is_empty());
        assert!(m.samples(&GPU_CLOCK_EVENT).is_empty());
        assert!(m.samples(&GPU_DRIVER_INFO).is_empty());
    }

    #[test]
    fn processes_are_summed_per_container() {
        let proc_ = |pid, c: Option<&str>, mem| GpuProcess {
            pid,
            container: c.map(str::to_owned),
            memory_bytes: Some(mem),
            sm_utilization: Some(0.2),
        };
        let inv = GpuInventory {
            gpus: vec![GpuReading {
                index: 3,
                processes: vec![
                    proc_(1, Some("vllm-a"), 100),
                    proc_(2, Some("vllm-a"), 50),
                    proc_(3, None, 7),
                ],
                ..GpuReading::default()
            }],
            ..GpuInventory::default()
        };
        let m = render(&inv);
        assert_eq!(
            m.value(&GPU_CONTAINER_MEMORY, &["3", "vllm-a"]),
            Some(&Value::Gauge(150.0))
        );
        assert_eq!(
            m.value(&GPU_CONTAINER_MEMORY, &["3", "host"]),
            Some(&Value::Gauge(7.0))
        );
        assert_eq!(m.value(&GPU_PROCESSES, &["3"]), Some(&Value::Gauge(3.0)));
    }
}
