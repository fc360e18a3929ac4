//! A fake NVML that answers the way the real one does on the GPUs it imitates, for tests and
//! benchmarks: an H200 (Hopper: HBM temperature yes, retired pages NotSupported since Hopper
//! remaps rows, 18 NVLinks), a T4 (no memory temperature, no row remapping, no NVLink:
//! NotSupported), and a GPU that fell off the bus (NVML_ERROR_GPU_IS_LOST on every call).
//! XID events are queued by the test and delivered like NVML's event set delivers them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::nvml::{ClockDomain, NvmlDevice, NvmlError, NvmlLibrary, NvmlResult, XidEvent};
use super::RemappedRows;

#[derive(Debug, Clone)]
pub struct FakeGpu {
    pub name: &'static str,
    pub lost: bool,
    pub memory_temp: bool,
    pub retired_pages: bool,
    pub memory_total: u64,
    pub processes: Vec<(u32, Option<u64>)>,
    pub reasons: u64,
    /// None: NotSupported (a GPU that retires pages instead).
    pub remapped_rows: Option<RemappedRows>,
    /// NVLinks the GPU has, and which of them are down.
    pub nvlinks: u32,
    pub nvlinks_down: Vec<u32>,
}

impl FakeGpu {
    fn answer<T>(&self, v: T) -> NvmlResult<T> {
        if self.lost {
            Err(NvmlError::GpuLost)
        } else {
            Ok(v)
        }
    }
}

impl NvmlDevice for FakeGpu {
    fn uuid(&self) -> NvmlResult<String> {
        self.answer(format!("GPU-{}", self.name.len()))
    }
    fn name(&self) -> NvmlResult<String> {
        self.answer(self.name.to_owned())
    }
    fn pci_bus_id(&self) -> NvmlResult<String> {
        self.answer("00000000:18:00.0".to_owned())
    }
    fn utilization(&self) -> NvmlResult<(u32, u32)> {
        self.answer((87, 40))
    }
    fn memory(&self) -> NvmlResult<(u64, u64, u64)> {
        self.answer((
            self.memory_total / 2,
            self.memory_total / 2,
            self.memory_total,
        ))
    }
    fn temperature_c(&self) -> NvmlResult<u32> {
        self.answer(63)
    }
    fn memory_temperature_c(&self) -> NvmlResult<u32> {
        if self.memory_temp {
            self.answer(71)
        } else {
            Err(NvmlError::NotSupported)
        }
    }
    fn power_usage_mw(&self) -> NvmlResult<u32> {
        self.answer(512_345)
    }
    fn power_limit_mw(&self) -> NvmlResult<u32> {
        self.answer(700_000)
    }
    fn energy_mj(&self) -> NvmlResult<u64> {
        self.answer(9_000_000)
    }
    fn clock_mhz(&self, d: ClockDomain) -> NvmlResult<u32> {
        self.answer(if d == ClockDomain::Memory { 3201 } else { 1980 })
    }
    fn max_clock_mhz(&self, d: ClockDomain) -> NvmlResult<u32> {
        self.clock_mhz(d)
    }
    fn clock_event_reasons(&self) -> NvmlResult<u64> {
        self.answer(self.reasons)
    }
    fn ecc_errors(&self, uncorrected: bool) -> NvmlResult<u64> {
        self.answer(if uncorrected { 0 } else { 2 })
    }
    fn pcie_kb_per_s(&self, transmit: bool) -> NvmlResult<u32> {
        self.answer(if transmit { 10 } else { 20 })
    }
    fn retired_pages(&self, _double_bit: bool) -> NvmlResult<u64> {
        if self.retired_pages {
            self.answer(1)
        } else {
            Err(NvmlError::NotSupported)
        }
    }
    fn compute_processes(&self) -> NvmlResult<Vec<(u32, Option<u64>)>> {
        self.answer(self.processes.clone())
    }
    fn process_sm_utilization(&self) -> NvmlResult<Vec<(u32, u32)>> {
        self.answer(self.processes.iter().map(|(pid, _)| (*pid, 40)).collect())
    }
    fn remapped_rows(&self) -> NvmlResult<RemappedRows> {
        self.answer(self.remapped_rows)?
            .ok_or(NvmlError::NotSupported)
    }
    fn pcie_replays(&self) -> NvmlResult<u64> {
        self.answer(3)
    }
    fn nvlink_active(&self, link: u32) -> NvmlResult<bool> {
        if link >= self.nvlinks {
            // NVML answers NotSupported past the last link (and for every link of a PCIe GPU).
            return Err(NvmlError::NotSupported);
        }
        self.answer(!self.nvlinks_down.contains(&link))
    }
    fn nvlink_errors(&self, link: u32, counter: usize) -> NvmlResult<u64> {
        self.nvlink_active(link)?;
        // Replays and recoveries never on this fake; CRC errors a few per link.
        self.answer(if counter < 2 { 0 } else { u64::from(link) })
    }
}

pub struct FakeNvml {
    pub gpus: Vec<FakeGpu>,
    /// While set, NVML answers as if the driver had been unloaded.
    pub driver_gone: Arc<AtomicBool>,
    /// XID events waiting to be delivered ([`FakeNvml::raise_xid`]).
    pub xids: Arc<Mutex<Vec<XidEvent>>>,
}

impl FakeNvml {
    pub fn new(gpus: Vec<FakeGpu>) -> Self {
        Self {
            gpus,
            driver_gone: Arc::default(),
            xids: Arc::default(),
        }
    }
}

/// Queues a critical XID event on GPU `gpu`, as NVML's event set would deliver it.
pub fn raise_xid(queue: &Mutex<Vec<XidEvent>>, gpu: u32, xid: u64, at: f64) {
    queue
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(XidEvent { gpu, xid, at });
}

impl NvmlLibrary for FakeNvml {
    fn driver_version(&self) -> NvmlResult<String> {
        Ok("580.95.05".to_owned())
    }
    fn cuda_driver_version(&self) -> NvmlResult<i32> {
        Ok(13000)
    }
    fn device_count(&self) -> NvmlResult<u32> {
        if self.driver_gone.load(Ordering::SeqCst) {
            return Err(NvmlError::Other("Driver Not Loaded".to_owned()));
        }
        Ok(self.gpus.len() as u32)
    }
    fn with_device(&self, index: u32, f: &mut dyn FnMut(&dyn NvmlDevice)) -> NvmlResult<()> {
        let g = self
            .gpus
            .get(index as usize)
            .ok_or(NvmlError::Other("Invalid Argument".into()))?;
        f(g);
        Ok(())
    }
    fn xid_events(&self) -> Vec<XidEvent> {
        std::mem::take(&mut *self.xids.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// An H200 (Hopper): HBM temperature reported, retired pages NotSupported (rows are
/// remapped instead), running the given processes.
pub fn h200(processes: Vec<(u32, Option<u64>)>) -> FakeGpu {
    FakeGpu {
        name: "NVIDIA H200",
        lost: false,
        memory_temp: true,
        retired_pages: false,
        memory_total: 143_771 * 1024 * 1024,
        processes,
        reasons: 0b100_0000, // hw_thermal_slowdown
        remapped_rows: Some(RemappedRows::default()),
        nvlinks: 18,
        nvlinks_down: vec![],
    }
}

/// A T4: no HBM, so NVML has no memory temperature; retires pages instead of remapping.
pub fn t4() -> FakeGpu {
    FakeGpu {
        name: "Tesla T4",
        memory_temp: false,
        retired_pages: true,
        memory_total: 15_360 * 1024 * 1024,
        processes: vec![],
        reasons: 1, // gpu_idle
        remapped_rows: None,
        nvlinks: 0,
        ..h200(vec![])
    }
}

/// A GPU that fell off the bus: every query answers GpuLost.
pub fn lost() -> FakeGpu {
    FakeGpu {
        lost: true,
        ..h200(vec![])
    }
}
