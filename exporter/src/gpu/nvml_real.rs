//! The real NVML through nvml-wrapper, behind [`NvmlLibrary`]. The library is loaded at run
//! time (`libnvidia-ml.so.1`), so the exporter builds and runs on machines without a driver
//! and reports `source_up 0` there.
//!
//! Critical XID errors come from NVML's event API: a thread of its own holds an event set
//! registered on every GPU that supports `CRITICAL_XID_ERROR` and waits on it (NVML hands
//! out the last XID of a GPU for every event, so a burst of different codes between two
//! waits is counted under the last one).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};

use nvml_wrapper::bitmasks::event::EventTypes;
use nvml_wrapper::enum_wrappers::nv_link::ErrorCounter;
use nvml_wrapper::enums::event::XidError;

use nvml_wrapper::enum_wrappers::device::{
    Clock, EccCounter, MemoryError, PcieUtilCounter, RetirementCause, TemperatureSensor,
};
use nvml_wrapper::enums::device::{SampleValue, UsedGpuMemory};
use nvml_wrapper::error::NvmlError as WrapperError;
use nvml_wrapper::structs::device::FieldId;
use nvml_wrapper::{Device, Nvml};

use super::nvml::{
    ClockDomain, LoadError, NvmlDevice, NvmlError, NvmlLibrary, NvmlResult, XidEvent,
};
use super::RemappedRows;

/// NVML's field id of the HBM temperature (`NVML_FI_DEV_MEMORY_TEMP`).
const FIELD_MEMORY_TEMP: u32 = 82;
/// `NVML_FI_DEV_REMAPPED_COR`, `_UNC`, `_PENDING`, `_FAILURE`.
const FIELDS_REMAPPED: [u32; 4] = [142, 143, 144, 145];
/// How long the XID thread waits for an event before it looks whether to stop.
const XID_WAIT_MS: u32 = 1000;

fn map(e: WrapperError) -> NvmlError {
    match e {
        WrapperError::NotSupported => NvmlError::NotSupported,
        WrapperError::GpuLost => NvmlError::GpuLost,
        other => NvmlError::Other(other.to_string()),
    }
}

/// Loads and initialises NVML; the error says what an operator should check.
pub fn load() -> Result<RealNvml, LoadError> {
    let nvml = Nvml::init().map_err(|e| match e {
        WrapperError::LibloadingError(_) => LoadError::LibraryMissing,
        WrapperError::DriverNotLoaded => LoadError::DriverNotLoaded,
        WrapperError::NoPermission => LoadError::NoPermission,
        other => LoadError::Init(other.to_string()),
    })?;
    Ok(RealNvml {
        nvml,
        xids: XidListener::start(),
    })
}

pub struct RealNvml {
    nvml: Nvml,
    xids: XidListener,
}

/// The thread that waits on NVML's XID events, and what it has delivered.
struct XidListener {
    events: Mutex<mpsc::Receiver<XidEvent>>,
    stop: Arc<AtomicBool>,
}

impl XidListener {
    fn start() -> Self {
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let spawned = std::thread::Builder::new()
            .name("nvml-xid".into())
            .spawn(move || listen(&tx, &flag));
        if let Err(e) = spawned {
            tracing::warn!("no XID events: the listener thread did not start: {e}");
        }
        Self {
            events: Mutex::new(rx),
            stop,
        }
    }
}

impl Drop for XidListener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs on the listener thread: its own NVML handle (NVML counts initialisations), an event
/// set over every GPU that supports XID events, events sent on until told to stop.
fn listen(tx: &mpsc::Sender<XidEvent>, stop: &AtomicBool) {
    let Ok(nvml) = Nvml::init() else { return };
    let Some(set) = register_xid_events(&nvml) else {
        tracing::warn!("no GPU supports NVML's XID events: XID errors are not counted");
        return;
    };
    while !stop.load(Ordering::Relaxed) {
        match set.wait(XID_WAIT_MS) {
            Ok(data) => {
                let (Some(XidError::Value(xid)), Ok(gpu)) = (data.event_data, data.device.index())
                else {
                    continue;
                };
                let at = llmmon_core::clock::now();
                if tx.send(XidEvent { gpu, xid, at }).is_err() {
                    return;
                }
            }
            Err(WrapperError::Timeout) => {}
            Err(e) => {
                tracing::debug!("NVML event wait: {e}");
                std::thread::sleep(std::time::Duration::from_millis(XID_WAIT_MS.into()));
            }
        }
    }
}

/// An event set registered on every GPU that supports critical XID events. NVML frees a set
/// whose registration fails, so a failure starts a new set with the GPUs registered so far.
fn register_xid_events(nvml: &Nvml) -> Option<nvml_wrapper::EventSet<'_>> {
    let count = nvml.device_count().ok()?;
    let supports = |i: u32| {
        nvml.device_by_index(i)
            .and_then(|d| d.supported_event_types())
            .is_ok_and(|t| t.contains(EventTypes::CRITICAL_XID_ERROR))
    };
    let mut registered: Vec<u32> = Vec::new();
    let mut set = nvml.create_event_set().ok()?;
    for index in (0..count).filter(|i| supports(*i)) {
        let device = nvml.device_by_index(index).ok()?;
        set = match device.register_events(EventTypes::CRITICAL_XID_ERROR, set) {
            Ok(set) => {
                registered.push(index);
                set
            }
            Err(e) => {
                tracing::warn!("GPU {index}: XID events not registered: {}", e.error);
                let mut fresh = nvml.create_event_set().ok()?;
                for i in &registered {
                    let d = nvml.device_by_index(*i).ok()?;
                    fresh = d
                        .register_events(EventTypes::CRITICAL_XID_ERROR, fresh)
                        .ok()?;
                }
                fresh
            }
        };
    }
    (!registered.is_empty()).then_some(set)
}

impl NvmlLibrary for RealNvml {
    fn driver_version(&self) -> NvmlResult<String> {
        self.nvml.sys_driver_version().map_err(map)
    }

    fn cuda_driver_version(&self) -> NvmlResult<i32> {
        self.nvml.sys_cuda_driver_version().map_err(map)
    }

    fn device_count(&self) -> NvmlResult<u32> {
        self.nvml.device_count().map_err(map)
    }

    fn with_device(&self, index: u32, f: &mut dyn FnMut(&dyn NvmlDevice)) -> NvmlResult<()> {
        let device = self.nvml.device_by_index(index).map_err(map)?;
        f(&RealDevice(device));
        Ok(())
    }

    fn xid_events(&self) -> Vec<XidEvent> {
        let events = self.xids.events.lock().unwrap_or_else(|e| e.into_inner());
        events.try_iter().collect()
    }
}

struct RealDevice<'n>(Device<'n>);

impl RealDevice<'_> {
    /// One device-scoped NVML field value, as an integer.
    fn field(&self, id: u32) -> NvmlResult<u64> {
        let samples = self.0.field_values_for(&[FieldId(id)]).map_err(map)?;
        let sample = samples
            .into_iter()
            .next()
            .ok_or(NvmlError::NotSupported)?
            .map_err(map)?;
        match sample.value.map_err(map)? {
            SampleValue::U32(v) => Ok(v.into()),
            SampleValue::U64(v) => Ok(v),
            SampleValue::I64(v) => u64::try_from(v).map_err(|_| NvmlError::NotSupported),
            SampleValue::F64(v) if v >= 0.0 => Ok(v as u64),
            _ => Err(NvmlError::NotSupported),
        }
    }
}

fn clock(domain: ClockDomain) -> Clock {
    match domain {
        ClockDomain::Graphics => Clock::Graphics,
        ClockDomain::Sm => Clock::SM,
        ClockDomain::Memory => Clock::Memory,
    }
}

impl NvmlDevice for RealDevice<'_> {
    fn uuid(&self) -> NvmlResult<String> {
        self.0.uuid().map_err(map)
    }

    fn name(&self) -> NvmlResult<String> {
        self.0.name().map_err(map)
    }

    fn pci_bus_id(&self) -> NvmlResult<String> {
        self.0.pci_info().map(|p| p.bus_id).map_err(map)
    }

    fn utilization(&self) -> NvmlResult<(u32, u32)> {
        self.0
            .utilization_rates()
            .map(|u| (u.gpu, u.memory))
            .map_err(map)
    }

    fn memory(&self) -> NvmlResult<(u64, u64, u64)> {
        self.0
            .memory_info()
            .map(|m| (m.used, m.free, m.total))
            .map_err(map)
    }

    fn temperature_c(&self) -> NvmlResult<u32> {
        self.0.temperature(TemperatureSensor::Gpu).map_err(map)
    }

    fn memory_temperature_c(&self) -> NvmlResult<u32> {
        match self.field(FIELD_MEMORY_TEMP)? {
            // NVML reports 0 for "no sensor" on GPUs without HBM temperature.
            0 => Err(NvmlError::NotSupported),
            v => u32::try_from(v).map_err(|_| NvmlError::NotSupported),
        }
    }

    fn power_usage_mw(&self) -> NvmlResult<u32> {
        self.0.power_usage().map_err(map)
    }

    fn power_limit_mw(&self) -> NvmlResult<u32> {
        self.0.enforced_power_limit().map_err(map)
    }

    fn energy_mj(&self) -> NvmlResult<u64> {
        self.0.total_energy_consumption().map_err(map)
    }

    fn clock_mhz(&self, domain: ClockDomain) -> NvmlResult<u32> {
        self.0.clock_info(clock(domain)).map_err(map)
    }

    fn max_clock_mhz(&self, domain: ClockDomain) -> NvmlResult<u32> {
        self.0.max_clock_info(clock(domain)).map_err(map)
    }

    fn clock_event_reasons(&self) -> NvmlResult<u64> {
        self.0
            .current_throttle_reasons()
            .map(|r| r.bits())
            .map_err(map)
    }

    fn ecc_errors(&self, uncorrected: bool) -> NvmlResult<u64> {
        let kind = if uncorrected {
            MemoryError::Uncorrected
        } else {
            MemoryError::Corrected
        };
        self.0
            .total_ecc_errors(kind, EccCounter::Aggregate)
            .map_err(map)
    }

    fn pcie_kb_per_s(&self, transmit: bool) -> NvmlResult<u32> {
        let counter = if transmit {
            PcieUtilCounter::Send
        } else {
            PcieUtilCounter::Receive
        };
        self.0.pcie_throughput(counter).map_err(map)
    }

    fn retired_pages(&self, double_bit: bool) -> NvmlResult<u64> {
        let cause = if double_bit {
            RetirementCause::DoubleBitEccError
        } else {
            RetirementCause::MultipleSingleBitEccErrors
        };
        self.0
            .retired_pages(cause)
            .map(|p| p.len() as u64)
            .map_err(map)
    }

    fn compute_processes(&self) -> NvmlResult<Vec<(u32, Option<u64>)>> {
        self.0
            .running_compute_processes()
            .map(|ps| {
                ps.into_iter()
                    .map(|p| {
                        let mem = match p.used_gpu_memory {
                            UsedGpuMemory::Used(b) => Some(b),
                            UsedGpuMemory::Unavailable => None,
                        };
                        (p.pid, mem)
                    })
                    .collect()
            })
            .map_err(map)
    }

    fn process_sm_utilization(&self) -> NvmlResult<Vec<(u32, u32)>> {
        match self.0.process_utilization_stats(None) {
            Ok(samples) => {
                // The buffer holds several samples per process: keep each one's latest.
                let mut latest: std::collections::BTreeMap<u32, (u64, u32)> = Default::default();
                for s in samples {
                    let entry = latest.entry(s.pid).or_insert((s.timestamp, s.sm_util));
                    if s.timestamp >= entry.0 {
                        *entry = (s.timestamp, s.sm_util);
                    }
                }
                Ok(latest
                    .into_iter()
                    .map(|(pid, (_, util))| (pid, util))
                    .collect())
            }
            // NVML answers NotFound when no process ran in the sample window.
            Err(WrapperError::NotFound) => Ok(Vec::new()),
            Err(e) => Err(map(e)),
        }
    }

    fn remapped_rows(&self) -> NvmlResult<RemappedRows> {
        let [correctable, uncorrectable, pending, failed] = FIELDS_REMAPPED.map(|f| self.field(f));
        Ok(RemappedRows {
            correctable: correctable?,
            uncorrectable: uncorrectable?,
            pending: pending? != 0,
            failed: failed? != 0,
        })
    }

    fn pcie_replays(&self) -> NvmlResult<u64> {
        self.0.pcie_replay_counter().map(u64::from).map_err(map)
    }

    fn nvlink_active(&self, link: u32) -> NvmlResult<bool> {
        self.0.link_wrapper_for(link).is_active().map_err(map)
    }

    fn nvlink_errors(&self, link: u32, counter: usize) -> NvmlResult<u64> {
        // In the order of NVLINK_ERRORS.
        let counter = match counter {
            0 => ErrorCounter::DlReplay,
            1 => ErrorCounter::DlRecovery,
            2 => ErrorCounter::DlCrcFlit,
            _ => ErrorCounter::DlCrcData,
        };
        self.0
            .link_wrapper_for(link)
            .error_counter(counter)
            .map_err(map)
    }
}
