//! The slice of NVML the `gpu` role uses, as a small trait (the real library behind it in
//! `nvml_real.rs`, fakes in tests), and the reading of a whole inventory through it.
//!
//! Every query may answer `NotSupported`: the field is then left out, never zero. A GPU that
//! answers `GpuLost` (fell off the bus) is reported as a failed target; the others still are.

use super::{
    GpuInventory, GpuProcess, GpuReading, NvLinkReading, RemappedRows, CLOCKS, CLOCK_EVENT_REASONS,
    NVLINK_ERRORS,
};

/// Why an NVML query gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NvmlError {
    /// This GPU or driver does not have the field (e.g. retired pages on Hopper).
    NotSupported,
    /// The GPU fell off the bus or stopped answering.
    GpuLost,
    /// Anything else, with NVML's words.
    Other(String),
}

pub type NvmlResult<T> = Result<T, NvmlError>;

/// Why NVML could not be loaded and initialised, in the words an operator acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error(
        "NVML library libnvidia-ml.so.1 not found: is the NVIDIA driver installed and the \
         exporter run with the NVIDIA container runtime?"
    )]
    LibraryMissing,
    #[error("NVIDIA driver not loaded")]
    DriverNotLoaded,
    #[error("no permission to access the GPUs")]
    NoPermission,
    /// Anything else, with NVML's words.
    #[error("NVML init failed: {0}")]
    Init(String),
}

/// A clock domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockDomain {
    Graphics,
    Sm,
    Memory,
}

pub const CLOCK_DOMAINS: [ClockDomain; 3] =
    [ClockDomain::Graphics, ClockDomain::Sm, ClockDomain::Memory];

/// NVML's `NVML_NVLINK_MAX_LINKS`: links are numbered below it (18 on Hopper).
pub const MAX_NVLINKS: u32 = 18;

/// A critical XID error event NVML delivered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct XidEvent {
    pub gpu: u32,
    pub xid: u64,
    /// Unix time it arrived.
    pub at: f64,
}

/// One GPU as NVML shows it. Units are NVML's own (percent, mW, mJ, MHz, KB/s).
pub trait NvmlDevice {
    fn uuid(&self) -> NvmlResult<String>;
    fn name(&self) -> NvmlResult<String>;
    fn pci_bus_id(&self) -> NvmlResult<String>;
    /// (GPU busy %, memory controller busy %) over the last sample period.
    fn utilization(&self) -> NvmlResult<(u32, u32)>;
    /// (used, free, total) bytes.
    fn memory(&self) -> NvmlResult<(u64, u64, u64)>;
    fn temperature_c(&self) -> NvmlResult<u32>;
    /// HBM temperature (NVML field NVML_FI_DEV_MEMORY_TEMP).
    fn memory_temperature_c(&self) -> NvmlResult<u32>;
    fn power_usage_mw(&self) -> NvmlResult<u32>;
    fn power_limit_mw(&self) -> NvmlResult<u32>;
    fn energy_mj(&self) -> NvmlResult<u64>;
    fn clock_mhz(&self, domain: ClockDomain) -> NvmlResult<u32>;
    fn max_clock_mhz(&self, domain: ClockDomain) -> NvmlResult<u32>;
    /// NVML's clock-event (throttle) reason bit mask.
    fn clock_event_reasons(&self) -> NvmlResult<u64>;
    /// Aggregate ECC errors, corrected or uncorrected.
    fn ecc_errors(&self, uncorrected: bool) -> NvmlResult<u64>;
    /// PCIe throughput in KB/s, receive or transmit.
    fn pcie_kb_per_s(&self, transmit: bool) -> NvmlResult<u32>;
    /// Retired pages, single-bit or double-bit cause.
    fn retired_pages(&self, double_bit: bool) -> NvmlResult<u64>;
    /// Compute processes: host pid and GPU memory used (None when NVML cannot say).
    fn compute_processes(&self) -> NvmlResult<Vec<(u32, Option<u64>)>>;
    /// Recent SM utilization % per pid.
    fn process_sm_utilization(&self) -> NvmlResult<Vec<(u32, u32)>>;
    /// Row remapping (NVML fields `NVML_FI_DEV_REMAPPED_*`).
    fn remapped_rows(&self) -> NvmlResult<RemappedRows>;
    /// PCIe replay counter.
    fn pcie_replays(&self) -> NvmlResult<u64>;
    /// Whether NVLink `link` is active; NotSupported (or an error) past the last link.
    fn nvlink_active(&self, link: u32) -> NvmlResult<bool>;
    /// A data-link error counter of `link`, by its index in [`NVLINK_ERRORS`].
    fn nvlink_errors(&self, link: u32, counter: usize) -> NvmlResult<u64>;
}

/// The NVML library after a successful init.
pub trait NvmlLibrary: Send + Sync {
    fn driver_version(&self) -> NvmlResult<String>;
    /// CUDA driver version as NVML encodes it (12040 for 12.4).
    fn cuda_driver_version(&self) -> NvmlResult<i32>;
    fn device_count(&self) -> NvmlResult<u32>;
    /// Runs `f` on device `index` (a callback, because NVML devices borrow the library).
    fn with_device(&self, index: u32, f: &mut dyn FnMut(&dyn NvmlDevice)) -> NvmlResult<()>;
    /// The critical XID events delivered since the last call, oldest first.
    fn xid_events(&self) -> Vec<XidEvent>;
}

/// Keeps a supported value, drops an unsupported one, stops at a lost GPU.
fn opt<T>(r: NvmlResult<T>, lost: &mut Option<String>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(NvmlError::GpuLost) => {
            lost.get_or_insert_with(|| "GPU is lost (fell off the bus?)".to_owned());
            None
        }
        Err(_) => None,
    }
}

/// Formats NVML's CUDA version code (12040 → "12.4").
pub fn cuda_version(code: i32) -> String {
    format!("{}.{}", code / 1000, (code % 1000) / 10)
}

/// Reads every GPU. `container_of` maps a host pid to its container name.
pub fn read_inventory(
    lib: &dyn NvmlLibrary,
    container_of: &dyn Fn(u32) -> Option<String>,
) -> NvmlResult<GpuInventory> {
    let count = lib.device_count()?;
    let mut inv = GpuInventory {
        driver_version: lib.driver_version().ok(),
        cuda_driver_version: lib.cuda_driver_version().ok().map(cuda_version),
        ..GpuInventory::default()
    };
    for index in 0..count {
        let mut reading = None;
        let mut lost = None;
        let outcome = lib.with_device(index, &mut |d| {
            reading = Some(read_device(index, d, container_of, &mut lost));
        });
        match (outcome, lost, reading) {
            (Err(e), _, _) => inv.failed.push((index, describe(&e))),
            (Ok(()), Some(why), _) => inv.failed.push((index, why)),
            (Ok(()), None, Some(r)) => inv.gpus.push(r),
            (Ok(()), None, None) => inv.failed.push((index, "no reading".to_owned())),
        }
    }
    Ok(inv)
}

pub fn describe(e: &NvmlError) -> String {
    match e {
        NvmlError::NotSupported => "not supported".to_owned(),
        NvmlError::GpuLost => "GPU is lost (fell off the bus?)".to_owned(),
        NvmlError::Other(s) => s.clone(),
    }
}

fn read_device(
    index: u32,
    d: &dyn NvmlDevice,
    container_of: &dyn Fn(u32) -> Option<String>,
    lost: &mut Option<String>,
) -> GpuReading {
    let util = opt(d.utilization(), lost);
    let mem = opt(d.memory(), lost);
    let mhz = |v: u32| f64::from(v) * 1e6;
    let clocks = CLOCK_DOMAINS.map(|c| {
        (
            opt(d.clock_mhz(c), lost).map(mhz),
            opt(d.max_clock_mhz(c), lost).map(mhz),
        )
    });
    debug_assert_eq!(clocks.len(), CLOCKS.len());
    let reasons = opt(d.clock_event_reasons(), lost).map(|bits| {
        CLOCK_EVENT_REASONS
            .iter()
            .enumerate()
            .filter(|(bit, _)| bits & (1 << bit) != 0)
            .map(|(_, r)| *r)
            .collect()
    });
    let sm: Vec<(u32, u32)> = opt(d.process_sm_utilization(), lost).unwrap_or_default();
    let processes = opt(d.compute_processes(), lost)
        .unwrap_or_default()
        .into_iter()
        .map(|(pid, memory_bytes)| GpuProcess {
            pid,
            container: container_of(pid),
            memory_bytes,
            sm_utilization: sm
                .iter()
                .find(|(p, _)| *p == pid)
                .map(|(_, u)| f64::from(*u) / 100.0),
        })
        .collect();
    let pair = |a: Option<u64>, b: Option<u64>| a.zip(b);
    GpuReading {
        index,
        uuid: opt(d.uuid(), lost).unwrap_or_default(),
        name: opt(d.name(), lost).unwrap_or_default(),
        pci_bus_id: opt(d.pci_bus_id(), lost).unwrap_or_default(),
        utilization: util.map(|(g, _)| f64::from(g) / 100.0),
        memory_utilization: util.map(|(_, m)| f64::from(m) / 100.0),
        memory_used_bytes: mem.map(|m| m.0),
        memory_free_bytes: mem.map(|m| m.1),
        memory_total_bytes: mem.map(|m| m.2),
        temperature_c: opt(d.temperature_c(), lost).map(f64::from),
        memory_temperature_c: opt(d.memory_temperature_c(), lost).map(f64::from),
        power_watts: opt(d.power_usage_mw(), lost).map(|mw| f64::from(mw) / 1000.0),
        power_limit_watts: opt(d.power_limit_mw(), lost).map(|mw| f64::from(mw) / 1000.0),
        energy_joules: opt(d.energy_mj(), lost).map(|mj| mj as f64 / 1000.0),
        clocks,
        clock_events: reasons,
        ecc_errors: pair(
            opt(d.ecc_errors(false), lost),
            opt(d.ecc_errors(true), lost),
        ),
        pcie_bytes_per_second: opt(d.pcie_kb_per_s(false), lost)
            .zip(opt(d.pcie_kb_per_s(true), lost))
            .map(|(rx, tx)| (f64::from(rx) * 1024.0, f64::from(tx) * 1024.0)),
        retired_pages: pair(
            opt(d.retired_pages(false), lost),
            opt(d.retired_pages(true), lost),
        ),
        remapped_rows: opt(d.remapped_rows(), lost),
        pcie_replays: opt(d.pcie_replays(), lost),
        nvlinks: read_nvlinks(d, lost),
        processes,
    }
}

/// Links from 0 up to the first one NVML does not answer for (none on a PCIe-only GPU).
fn read_nvlinks(d: &dyn NvmlDevice, lost: &mut Option<String>) -> Vec<NvLinkReading> {
    let mut links = Vec::new();
    for link in 0..MAX_NVLINKS {
        let Some(active) = opt(d.nvlink_active(link), lost) else {
            break;
        };
        let mut errors = [None; NVLINK_ERRORS.len()];
        for (counter, slot) in errors.iter_mut().enumerate() {
            *slot = opt(d.nvlink_errors(link, counter), lost);
        }
        links.push(NvLinkReading {
            link,
            active,
            errors,
        });
    }
    links
}
