//! The real NVML through nvml-wrapper, behind [`NvmlLibrary`]. The library is loaded at run
//! time (`libnvidia-ml.so.1`), so the exporter builds and runs on machines without a driver
//! and reports `source_up 0` there.

use nvml_wrapper::enum_wrappers::device::{
    Clock, EccCounter, MemoryError, PcieUtilCounter, RetirementCause, TemperatureSensor,
};
use nvml_wrapper::enums::device::{SampleValue, UsedGpuMemory};
use nvml_wrapper::error::NvmlError as WrapperError;
use nvml_wrapper::structs::device::FieldId;
use nvml_wrapper::{Device, Nvml};

use super::nvml::{ClockDomain, LoadError, NvmlDevice, NvmlError, NvmlLibrary, NvmlResult};

/// NVML's field id of the HBM temperature (`NVML_FI_DEV_MEMORY_TEMP`).
const FIELD_MEMORY_TEMP: u32 = 82;

fn map(e: WrapperError) -> NvmlError {
    match e {
        WrapperError::NotSupported => NvmlError::NotSupported,
        WrapperError::GpuLost => NvmlError::GpuLost,
        other => NvmlError::Other(other.to_string()),
    }
}

/// Loads and initialises NVML; the error says what an operator should check.
pub fn load() -> Result<RealNvml, LoadError> {
    Nvml::init().map(RealNvml).map_err(|e| match e {
        WrapperError::LibloadingError(_) => LoadError::LibraryMissing,
        WrapperError::DriverNotLoaded => LoadError::DriverNotLoaded,
        WrapperError::NoPermission => LoadError::NoPermission,
        other => LoadError::Init(other.to_string()),
    })
}

pub struct RealNvml(Nvml);

impl NvmlLibrary for RealNvml {
    fn driver_version(&self) -> NvmlResult<String> {
        self.0.sys_driver_version().map_err(map)
    }

    fn cuda_driver_version(&self) -> NvmlResult<i32> {
        self.0.sys_cuda_driver_version().map_err(map)
    }

    fn device_count(&self) -> NvmlResult<u32> {
        self.0.device_count().map_err(map)
    }

    fn with_device(&self, index: u32, f: &mut dyn FnMut(&dyn NvmlDevice)) -> NvmlResult<()> {
        let device = self.0.device_by_index(index).map_err(map)?;
        f(&RealDevice(device));
        Ok(())
    }
}

struct RealDevice<'n>(Device<'n>);

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
        let samples = self
            .0
            .field_values_for(&[FieldId(FIELD_MEMORY_TEMP)])
            .map_err(map)?;
        let sample = samples
            .into_iter()
            .next()
            .ok_or(NvmlError::NotSupported)?
            .map_err(map)?;
        match sample.value.map_err(map)? {
            // NVML reports 0 for "no sensor" on GPUs without HBM temperature.
            SampleValue::U32(0) | SampleValue::U64(0) | SampleValue::I64(0) => {
                Err(NvmlError::NotSupported)
            }
            SampleValue::U32(v) => Ok(v),
            SampleValue::U64(v) => u32::try_from(v).map_err(|_| NvmlError::NotSupported),
            SampleValue::I64(v) => u32::try_from(v).map_err(|_| NvmlError::NotSupported),
            SampleValue::F64(v) => Ok(v as u32),
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
}
