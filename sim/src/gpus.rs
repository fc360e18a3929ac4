//! The simulated GPUs: load follows the vLLM instances placed on each GPU, temperature and
//! power follow load, memory is what the instances preallocate.

use crate::scenario::Effects;
use std::sync::Arc;

use async_trait::async_trait;

use super::fleet::{GpuSpec, VllmSpec, FLEET_EPOCH};
use super::scenario::Fault;
use super::signal::{hash, noise};
use super::traffic::{dead_under, serves, up_share, InstanceState, Traffic};
use super::Simulator;
use llmmon_core::clock::Clock;
use llmmon_core::source::SourceError;
use llmmon_readings::gpu::{
    GpuInventory, GpuProcess, GpuReading, GpuSource, NvLinkReading, RemappedRows, XidCount,
};

/// GPU (index within a block of eight) that the `gpu_overheat` fault heats.
pub const OVERHEAT_GPU: u32 = 3;
/// GPUs (index within a block of eight) of the `gpu_xid` fault: one falls off the bus, one
/// has double-bit ECC errors every [`XID_48_EVERY`] seconds while the fault lasts.
pub const XID_79_GPU: u32 = 5;
pub const XID_48_GPU: u32 = 2;
const XID_48_EVERY: f64 = 600.0;
const NVLINKS: u32 = 18;
const LOST: &str = "GPU is lost (fell off the bus?)";
const DRIVER_VERSION: &str = "580.95.05";
const CUDA_DRIVER_VERSION: &str = "13.0";
/// Memory NVML shows as used on a GPU with no process (driver reservation).
const RESERVED_BYTES: u64 = 512 * 1024 * 1024;
const IDLE_WATTS: f64 = 70.0;
const LOAD_WATTS: f64 = 600.0;
const MAX_SM_CLOCK_HZ: f64 = 1980e6;
const IDLE_SM_CLOCK_HZ: f64 = 345e6;
const THROTTLED_SM_CLOCK_HZ: f64 = 1350e6;
const MEMORY_CLOCK_HZ: f64 = 3201e6;

impl Simulator {
    /// Every GPU at time t.
    pub fn gpu_inventory(&self, t: f64) -> GpuInventory {
        self.with_traffic(|tr| {
            let lost = tr.timeline.at(t).conditions.has(Fault::GpuXid);
            let (gone, read): (Vec<&GpuSpec>, Vec<&GpuSpec>) = tr
                .fleet
                .gpus
                .iter()
                .partition(|g| lost && g.index % 8 == XID_79_GPU);
            GpuInventory {
                driver_version: Some(DRIVER_VERSION.to_owned()),
                cuda_driver_version: Some(CUDA_DRIVER_VERSION.to_owned()),
                gpus: read.iter().map(|g| gpu_reading(tr, g, t)).collect(),
                failed: gone.iter().map(|g| (g.index, LOST.to_owned())).collect(),
                xid_errors: xid_errors(tr, t),
                read_at: t,
            }
        })
    }
}

/// The `gpu_xid` fault's XIDs up to t: XID 79 once per time it was switched on, XID 48 at
/// its start and every ten minutes while it lasts (from boot at the earliest).
fn xid_errors(tr: &Traffic<'_>, t: f64) -> Vec<XidCount> {
    let boot = tr.fleet.host.boot_time;
    let episodes: Vec<(f64, f64)> = tr
        .timeline
        .stretches(t, |c| c.has(Fault::GpuXid))
        .map(|(a, b)| (a.max(boot), b))
        .filter(|(a, b)| a <= b)
        .collect();
    let Some(&(last_start, last_end)) = episodes.last() else {
        return Vec::new();
    };
    let repeats = |(a, b): (f64, f64)| ((b - a) / XID_48_EVERY).floor() as u64 + 1;
    let mut out = Vec::new();
    for g in tr.fleet.gpus.iter().map(|g| g.index) {
        let count = match g % 8 {
            XID_79_GPU => episodes.len() as u64,
            XID_48_GPU => episodes.iter().copied().map(repeats).sum(),
            _ => continue,
        };
        let last_seen = match g % 8 {
            XID_48_GPU => last_start + (repeats((last_start, last_end)) - 1) as f64 * XID_48_EVERY,
            _ => last_start,
        };
        let xid = if g % 8 == XID_79_GPU { 79 } else { 48 };
        out.push(XidCount {
            gpu: g,
            xid,
            count,
            last_seen,
        });
    }
    out
}

/// Row remapping: one uncorrectable row per XID 48, pending while the fault lasts (the
/// GPU is reset when it is switched off).
fn remapped_rows(tr: &Traffic<'_>, g: &GpuSpec, t: f64) -> RemappedRows {
    let xid_48 = g.index % 8 == XID_48_GPU;
    let on = xid_48 && tr.timeline.at(t).conditions.has(Fault::GpuXid);
    let uncorrectable = if xid_48 {
        tr.timeline.stretches(t, |c| c.has(Fault::GpuXid)).count() as u64
    } else {
        0
    };
    RemappedRows {
        correctable: hash(tr.seed, &g.uuid, 11) % 3,
        uncorrectable,
        pending: on,
        failed: false,
    }
}

/// 18 active NVLinks with a few CRC errors a day each (counters from boot: they only grow).
fn nvlinks(tr: &Traffic<'_>, g: &GpuSpec, t: f64) -> Vec<NvLinkReading> {
    let days = ((t - tr.fleet.host.boot_time) / 86_400.0).max(0.0);
    (0..NVLINKS)
        .map(|link| {
            let per_day = (hash(tr.seed, &g.uuid, u64::from(link)) % 4) as f64;
            NvLinkReading {
                link,
                active: true,
                errors: [
                    Some((days * per_day / 4.0).floor() as u64),
                    Some(0),
                    Some((days * per_day).floor() as u64),
                    Some(0),
                ],
            }
        })
        .collect()
}

/// Seconds of full load an instance put on each of its GPUs over [a, b]: 5 % while its
/// container runs, plus 90 % of the busy time of the requests it served (Little's law over
/// its batch capacity).
fn instance_work(tr: &Traffic<'_>, spec: &VllmSpec, a: f64, b: f64) -> f64 {
    tr.timeline
        .pieces(a, b)
        .map(|(lo, hi, cond)| {
            let mut work = 0.05 * up_share(spec, cond) * (hi - lo);
            if serves(spec, cond) && !dead_under(spec, cond) {
                let n =
                    tr.total_rate().integral(lo, hi) * spec.traffic_share * cond.traffic_factor();
                let service = Traffic::e2e_dist(spec, cond).mean() / (2.0 * spec.capacity);
                work += 0.9 * n * service;
            }
            work
        })
        .sum()
}

fn gpu_reading(tr: &Traffic<'_>, g: &GpuSpec, t: f64) -> GpuReading {
    let c = &tr.timeline.at(t).conditions;
    let overheat = c.has(Fault::GpuOverheat) && g.index % 8 == OVERHEAT_GPU;
    let total = g.memory_total_bytes;
    let mut processes = Vec::new();
    let mut busy_sum = 0.0;
    let boot = tr.fleet.host.boot_time;
    let mut energy = IDLE_WATTS * (t - boot).max(0.0);
    for spec in tr.fleet.vllm_on_gpu(g.index) {
        let state = tr.state(spec, t);
        if state == InstanceState::Stopped {
            continue;
        }
        let busy = tr.instant(spec, t).map_or(0.02, |i| i.busy);
        busy_sum += busy;
        let share = if state == InstanceState::Loading {
            0.6
        } else {
            1.0
        };
        processes.push(GpuProcess {
            pid: 1000 + (hash(tr.seed, &spec.container, u64::from(g.index)) % 60_000) as u32,
            container: Some(spec.container.clone()),
            memory_bytes: Some((total as f64 * spec.gpu_memory_fraction * share) as u64),
            sm_utilization: Some(busy),
        });
    }
    // Energy integrates power over the timeline, piece by piece, so it only grows: idle power
    // since boot, plus for each instance placed on the GPU a little while its container runs
    // and the work of the requests its engine served, each at the latency of its own time.
    for spec in tr.fleet.vllm_on_gpu(g.index) {
        energy += LOAD_WATTS * instance_work(tr, spec, tr.origin(spec).max(boot), t);
    }
    let util = busy_sum.min(1.0);
    let used = RESERVED_BYTES + processes.iter().filter_map(|p| p.memory_bytes).sum::<u64>();
    let key = format!("gpu{}", g.index);
    let mut temp = 30.0 + 42.0 * util + 1.5 * noise(tr.seed, &key, t, 45.0);
    let mut power = (IDLE_WATTS + LOAD_WATTS * util + 8.0 * noise(tr.seed, &key, t, 10.0))
        .min(g.power_limit_watts);
    let mut events = Vec::new();
    let mut sm_clock = if util > 0.02 {
        MAX_SM_CLOCK_HZ
    } else {
        events.push("gpu_idle");
        IDLE_SM_CLOCK_HZ
    };
    if overheat {
        temp = 90.0 + 2.0 * noise(tr.seed, &key, t, 20.0);
        power = 640.0;
        sm_clock = THROTTLED_SM_CLOCK_HZ;
        events.retain(|e| *e != "gpu_idle");
        events.extend(["sw_thermal_slowdown", "hw_thermal_slowdown"]);
    }
    if power > 0.97 * g.power_limit_watts {
        events.push("sw_power_cap");
    }
    let months = ((t - FLEET_EPOCH) / (86_400.0 * 40.0)).max(0.0).floor() as u64;
    GpuReading {
        index: g.index,
        uuid: g.uuid.clone(),
        name: g.name.to_owned(),
        pci_bus_id: g.pci_bus_id.clone(),
        utilization: Some(util),
        memory_utilization: Some(0.6 * util),
        memory_used_bytes: Some(used.min(total)),
        memory_free_bytes: Some(total.saturating_sub(used)),
        memory_total_bytes: Some(total),
        temperature_c: Some(temp.round()),
        memory_temperature_c: Some((temp + 5.0).round()),
        power_watts: Some(power),
        power_limit_watts: Some(g.power_limit_watts),
        energy_joules: Some(energy),
        clocks: [
            (Some(sm_clock), Some(MAX_SM_CLOCK_HZ)),
            (Some(sm_clock), Some(MAX_SM_CLOCK_HZ)),
            (Some(MEMORY_CLOCK_HZ), Some(MEMORY_CLOCK_HZ)),
        ],
        clock_events: Some(events),
        ecc_errors: Some((months * (hash(tr.seed, &key, 7) % 2), 0)),
        pcie_bytes_per_second: Some((2e6 + 40e6 * util, 1e6 + 10e6 * util)),
        // Hopper remaps rows instead of retiring pages: NVML answers NotSupported.
        retired_pages: None,
        remapped_rows: Some(remapped_rows(tr, g, t)),
        pcie_replays: Some(months * (hash(tr.seed, &key, 9) % 3)),
        nvlinks: nvlinks(tr, g, t),
        processes,
    }
}

/// The simulator as the `gpu` role's source, read at the time `clock` gives.
pub struct SimGpuSource {
    pub sim: Arc<Simulator>,
    pub clock: Clock,
}

#[async_trait]
impl GpuSource for SimGpuSource {
    async fn read(&self) -> Result<GpuInventory, SourceError> {
        Ok(self.sim.gpu_inventory((self.clock)()))
    }
}
