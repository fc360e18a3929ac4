//! GPUs: llmmon's own reading of the devices (what NVML or the simulator reports) and the
//! source trait both implement.

use async_trait::async_trait;

use llmmon_core::source::SourceError;

/// Clock domains we report.
pub const CLOCKS: [&str; 3] = ["graphics", "sm", "memory"];

/// Clock-event (throttle) reasons, named after NVML's `nvmlClocksEventReason*` constants.
pub const CLOCK_EVENT_REASONS: [&str; 8] = [
    "gpu_idle",
    "applications_clocks_setting",
    "sw_power_cap",
    "hw_slowdown",
    "sync_boost",
    "sw_thermal_slowdown",
    "hw_thermal_slowdown",
    "hw_power_brake_slowdown",
];

/// Driver-wide facts plus every GPU.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpuInventory {
    pub driver_version: Option<String>,
    pub cuda_driver_version: Option<String>,
    pub gpus: Vec<GpuReading>,
    /// GPUs that could not be read (index, reason), e.g. fallen off the bus.
    pub failed: Vec<(u32, String)>,
    /// Critical XID errors per GPU and code, lost GPUs' included.
    pub xid_errors: Vec<XidCount>,
    /// Unix time of the reading (health verdicts weigh recent XID errors).
    pub read_at: f64,
}

/// One GPU. Every reading is optional: a field the GPU does not support stays `None` and
/// its series is left out, never reported as zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GpuReading {
    pub index: u32,
    pub uuid: String,
    pub name: String,
    pub pci_bus_id: String,
    pub utilization: Option<f64>,
    pub memory_utilization: Option<f64>,
    pub memory_used_bytes: Option<u64>,
    pub memory_free_bytes: Option<u64>,
    pub memory_total_bytes: Option<u64>,
    pub temperature_c: Option<f64>,
    pub memory_temperature_c: Option<f64>,
    pub power_watts: Option<f64>,
    pub power_limit_watts: Option<f64>,
    pub energy_joules: Option<f64>,
    /// Current and maximum clock in Hz, per entry of [`CLOCKS`].
    pub clocks: [(Option<f64>, Option<f64>); 3],
    /// Active reasons out of [`CLOCK_EVENT_REASONS`]; None when unsupported.
    pub clock_events: Option<Vec<&'static str>>,
    /// (corrected, uncorrected) ECC errors since driver load.
    pub ecc_errors: Option<(u64, u64)>,
    /// (rx, tx) PCIe bytes per second.
    pub pcie_bytes_per_second: Option<(f64, f64)>,
    /// (single-bit, double-bit) retired pages; None on GPUs that remap rows instead.
    pub retired_pages: Option<(u64, u64)>,
    /// None on GPUs that retire pages instead.
    pub remapped_rows: Option<RemappedRows>,
    /// PCIe link-level replays since the driver loaded.
    pub pcie_replays: Option<u64>,
    /// Every NVLink the GPU has; empty on a PCIe-only GPU.
    pub nvlinks: Vec<NvLinkReading>,
    pub processes: Vec<GpuProcess>,
}

/// A compute process on a GPU, mapped to its container.
#[derive(Debug, Clone, PartialEq)]
pub struct GpuProcess {
    pub pid: u32,
    /// Docker container name; None for a process outside Docker.
    pub container: Option<String>,
    pub memory_bytes: Option<u64>,
    pub sm_utilization: Option<f64>,
}

/// Where GPU readings come from (NVML on a real host, the fleet simulator in mock mode).
#[async_trait]
pub trait GpuSource: Send + Sync {
    async fn read(&self) -> Result<GpuInventory, SourceError>;
}

/// Critical XID errors NVML delivered for one GPU and code, since the source started.
#[derive(Debug, Clone, PartialEq)]
pub struct XidCount {
    pub gpu: u32,
    /// NVIDIA's XID code (`llmmon_core::xid` says what it means and what to do).
    pub xid: u64,
    pub count: u64,
    /// Unix time the last one arrived.
    pub last_seen: f64,
}

/// One NVLink of a GPU. Error counters NVML answers NotSupported for stay `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NvLinkReading {
    pub link: u32,
    pub active: bool,
    /// Data-link errors since the driver loaded, per entry of [`NVLINK_ERRORS`].
    pub errors: [Option<u64>; 4],
}

/// NVLink data-link error counters, named after NVML's `NVML_NVLINK_ERROR_DL_*`.
pub const NVLINK_ERRORS: [&str; 4] = ["replay", "recovery", "crc_flit", "crc_data"];

/// Row remapping (Ampere and later remap HBM rows instead of retiring pages).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RemappedRows {
    /// Rows remapped for correctable errors.
    pub correctable: u64,
    /// Rows remapped for uncorrectable errors.
    pub uncorrectable: u64,
    /// A remapping waits for the next GPU reset.
    pub pending: bool,
    /// A remapping failed: the GPU has run out of spare rows.
    pub failed: bool,
}
