//! The `gpu` role's real source over the fake NVML (`gpu::fake`: an H200, a T4 and a GPU
//! that fell off the bus, answering as NVML does on each). Processes map to containers
//! through cgroup files in a fake /proc.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use llmmon_core::exposition::{render, Value};
use llmmon_core::schema::*;
use llmmon_core::source::Collector;
use llmmon_exporter::gpu::fake::{h200, lost, raise_xid, t4, FakeNvml};
use llmmon_exporter::gpu::nvml::{LoadError, NvmlLibrary, XidEvent};
use llmmon_exporter::gpu::source::{NvmlGpuSource, NvmlLoader};
use llmmon_exporter::gpu::{self, GpuCollector, GpuSource};

const VLLM_ID: &str = "1f0c6f1e2b3a4d5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5";

fn fleet() -> Vec<llmmon_exporter::gpu::fake::FakeGpu> {
    vec![
        h200(vec![
            (4242, Some(80 << 30)),
            (5151, Some(1 << 30)),
            (999, None),
        ]),
        t4(),
        lost(),
    ]
}

/// A fake /proc: pid 4242 and 5151 in the same Docker container, 999 on the host.
fn fake_proc() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |pid: u32, content: String| {
        std::fs::create_dir_all(dir.path().join(pid.to_string())).expect("mkdir");
        std::fs::write(dir.path().join(pid.to_string()).join("cgroup"), content).expect("write");
    };
    write(4242, format!("0::/system.slice/docker-{VLLM_ID}.scope\n"));
    write(5151, format!("0::/system.slice/docker-{VLLM_ID}.scope\n"));
    write(
        999,
        "0::/user.slice/user-1000.slice/session-2.scope\n".to_owned(),
    );
    dir
}

fn source_with(proc_root: &Path, loader: NvmlLoader) -> NvmlGpuSource {
    NvmlGpuSource::new(loader, proc_root.to_path_buf(), None)
}

fn fake_loader(driver_gone: Arc<AtomicBool>) -> NvmlLoader {
    xid_loader(driver_gone, Arc::default())
}

/// A loader whose every library delivers the XID events queued on `xids`.
fn xid_loader(driver_gone: Arc<AtomicBool>, xids: Arc<Mutex<Vec<XidEvent>>>) -> NvmlLoader {
    Box::new(move || {
        Ok(Arc::new(FakeNvml {
            driver_gone: driver_gone.clone(),
            xids: xids.clone(),
            ..FakeNvml::new(fleet())
        }) as Arc<dyn NvmlLibrary>)
    })
}

#[tokio::test]
async fn supported_fields_are_read_in_base_units_and_unsupported_ones_left_out() {
    let proc_root = fake_proc();
    let src = source_with(proc_root.path(), fake_loader(Arc::default()));
    let inv = src.read().await.expect("reads");
    assert_eq!(inv.driver_version.as_deref(), Some("580.95.05"));
    assert_eq!(inv.cuda_driver_version.as_deref(), Some("13.0"));
    let h = &inv.gpus[0];
    assert_eq!(
        h.memory_total_bytes,
        Some(143_771 * 1024 * 1024),
        "total read from NVML"
    );
    assert_eq!(h.utilization, Some(0.87));
    assert_eq!(h.power_watts, Some(512.345));
    assert_eq!(h.power_limit_watts, Some(700.0));
    assert_eq!(h.clocks[1], (Some(1980e6), Some(1980e6)));
    assert_eq!(h.memory_temperature_c, Some(71.0));
    assert_eq!(h.retired_pages, None, "Hopper: NotSupported");
    assert_eq!(
        h.clock_events.as_deref(),
        Some(&["hw_thermal_slowdown"][..])
    );
    assert_eq!(
        h.pcie_bytes_per_second,
        Some((20.0 * 1024.0, 10.0 * 1024.0))
    );
    let t4 = &inv.gpus[1];
    assert_eq!(t4.memory_temperature_c, None);
    assert_eq!(t4.retired_pages, Some((1, 1)));

    let m = render(&gpu::render(&inv));
    assert!(m.contains(r#"llm_monitor_gpu_memory_temperature_celsius{gpu="0"} 71"#));
    assert!(
        !m.contains(r#"llm_monitor_gpu_memory_temperature_celsius{gpu="1"}"#),
        "absent, not 0"
    );
    assert!(!m.contains(r#"llm_monitor_gpu_retired_pages{gpu="0""#));
    assert!(m.contains(r#"llm_monitor_gpu_retired_pages{gpu="1",cause="double_bit_ecc"} 1"#));
}

#[tokio::test]
async fn processes_are_mapped_to_their_container_and_summed_without_pids() {
    let proc_root = fake_proc();
    let src = source_with(proc_root.path(), fake_loader(Arc::default()));
    let inv = src.read().await.expect("reads");
    let names: Vec<Option<&str>> = inv.gpus[0]
        .processes
        .iter()
        .map(|p| p.container.as_deref())
        .collect();
    // Docker is not reachable in this test, so the container shows as its short id.
    assert_eq!(
        names,
        vec![Some(&VLLM_ID[..12]), Some(&VLLM_ID[..12]), None]
    );
    let m = gpu::render(&inv);
    assert_eq!(
        m.value(&GPU_CONTAINER_MEMORY, &["0", &VLLM_ID[..12]]),
        Some(&Value::Gauge(81.0 * (1u64 << 30) as f64))
    );
    assert_eq!(
        m.value(&GPU_CONTAINER_UTILIZATION, &["0", &VLLM_ID[..12]]),
        Some(&Value::Gauge(0.8))
    );
    assert!(
        m.value(&GPU_CONTAINER_MEMORY, &["0", "host"]).is_none(),
        "host process memory unknown"
    );
    assert_eq!(
        m.value(&GPU_CONTAINER_UTILIZATION, &["0", "host"]),
        Some(&Value::Gauge(0.4))
    );
    assert!(GPU_CONTAINER_MEMORY.labels.iter().all(|l| *l != "pid"));
}

#[tokio::test]
async fn a_gpu_that_fell_off_the_bus_is_a_failed_target_and_the_others_still_report() {
    let proc_root = fake_proc();
    let collector = GpuCollector {
        source: Arc::new(source_with(proc_root.path(), fake_loader(Arc::default()))),
    };
    let c = collector.collect().await.expect("the role still collects");
    assert_eq!(c.metrics.samples(&GPU_INFO).len(), 2);
    let lost = c
        .targets
        .iter()
        .find(|t| t.target == "2")
        .expect("GPU 2 target");
    assert!(
        lost.result
            .as_ref()
            .is_err_and(|e| e.to_string().contains("lost")),
        "{lost:?}"
    );
    assert!(c.targets.iter().filter(|t| t.result.is_ok()).count() == 2);
}

#[tokio::test]
async fn a_missing_library_is_source_down_with_the_reason_and_recovers_without_restart() {
    let proc_root = fake_proc();
    let installed = Arc::new(AtomicBool::new(false));
    let flag = installed.clone();
    let loader: NvmlLoader = Box::new(move || {
        if flag.load(Ordering::SeqCst) {
            Ok(Arc::new(FakeNvml::new(vec![h200(vec![])])) as Arc<dyn NvmlLibrary>)
        } else {
            Err(LoadError::LibraryMissing)
        }
    });
    let src = source_with(proc_root.path(), loader);
    let err = src.read().await.expect_err("no library yet");
    assert!(err.to_string().contains("libnvidia-ml.so.1"), "{err}");
    installed.store(true, Ordering::SeqCst);
    let inv = src.read().await.expect("loaded on the next collection");
    assert_eq!(inv.gpus.len(), 1);
}

#[tokio::test]
async fn a_driver_that_goes_away_fails_the_collection_and_is_loaded_again_after() {
    let proc_root = fake_proc();
    let gone = Arc::new(AtomicBool::new(false));
    let src = source_with(proc_root.path(), fake_loader(gone.clone()));
    assert!(src.read().await.is_ok());
    gone.store(true, Ordering::SeqCst);
    let err = src.read().await.expect_err("driver gone");
    assert!(err.to_string().contains("Driver Not Loaded"), "{err}");
    gone.store(false, Ordering::SeqCst);
    assert!(src.read().await.is_ok(), "recovers");
}

#[tokio::test]
async fn row_remapping_nvlinks_and_pcie_replays_are_read_where_the_gpu_has_them() {
    let proc_root = fake_proc();
    let src = source_with(proc_root.path(), fake_loader(Arc::default()));
    let inv = src.read().await.expect("reads");
    let (h, t4) = (&inv.gpus[0], &inv.gpus[1]);
    assert_eq!(h.nvlinks.len(), 18, "Hopper: 18 NVLinks");
    assert!(h.nvlinks.iter().all(|l| l.active));
    assert_eq!(h.nvlinks[5].errors, [Some(0), Some(0), Some(5), Some(5)]);
    assert_eq!(h.remapped_rows.map(|r| r.pending), Some(false));
    assert_eq!(h.pcie_replays, Some(3));
    assert!(t4.nvlinks.is_empty(), "a PCIe-only GPU has no NVLink");
    assert_eq!(t4.remapped_rows, None, "the T4 retires pages instead");

    let m = gpu::render(&inv);
    assert_eq!(
        m.value(&GPU_NVLINK_ERRORS, &["0", "5", "crc_flit"]),
        Some(&Value::Counter(5.0))
    );
    assert_eq!(
        m.value(&GPU_NVLINK_UP, &["0", "17"]),
        Some(&Value::Gauge(1.0))
    );
    assert!(
        m.value(&GPU_NVLINK_UP, &["1", "0"]).is_none(),
        "absent, not 0"
    );
    assert!(
        m.value(&GPU_ROW_REMAP_PENDING, &["1"]).is_none(),
        "absent, not 0"
    );
    assert_eq!(
        m.value(&GPU_ROW_REMAP_PENDING, &["0"]),
        Some(&Value::Gauge(0.0))
    );
}

#[tokio::test]
async fn xid_events_are_counted_per_gpu_and_code_and_weigh_on_each_gpus_verdict() {
    let proc_root = fake_proc();
    let xids = Arc::new(Mutex::new(Vec::new()));
    let src = source_with(proc_root.path(), xid_loader(Arc::default(), xids.clone()));
    let now = llmmon_core::clock::now();
    raise_xid(&xids, 0, 48, now - 5.0);
    raise_xid(&xids, 0, 48, now - 1.0);
    raise_xid(&xids, 2, 79, now - 3.0);
    let first = src.read().await.expect("reads");
    raise_xid(&xids, 1, 13, now);
    let inv = src.read().await.expect("reads");
    let count = |gpu: u32, xid: u64| {
        inv.xid_errors
            .iter()
            .find(|x| x.gpu == gpu && x.xid == xid)
            .map(|x| x.count)
    };
    assert_eq!(first.xid_errors.len(), 2);
    assert_eq!(
        (count(0, 48), count(2, 79), count(1, 13)),
        (Some(2), Some(1), Some(1))
    );

    let m = gpu::render(&inv);
    assert_eq!(
        m.value(&GPU_XID_ERRORS, &["0", "48"]),
        Some(&Value::Counter(2.0))
    );
    assert_eq!(
        m.value(&GPU_XID_LAST, &["0", "48"]),
        Some(&Value::Gauge(now - 1.0))
    );
    let verdict = |gpu: &str, v: &str| m.value(&GPU_HEALTH, &[gpu, v]).cloned();
    assert_eq!(verdict("0", "critical"), Some(Value::Gauge(1.0)), "XID 48");
    assert_eq!(verdict("0", "ok"), Some(Value::Gauge(0.0)));
    assert_eq!(verdict("1", "warning"), Some(Value::Gauge(1.0)), "XID 13");
    assert_eq!(
        verdict("2", "critical"),
        Some(Value::Gauge(1.0)),
        "lost, XID 79"
    );
    let problems: Vec<String> = m
        .samples(&GPU_HEALTH_PROBLEM)
        .iter()
        .filter(|s| s.labels[0] == "2")
        .map(|s| s.labels[2].clone())
        .collect();
    assert!(
        problems.contains(&"XID 79: GPU has fallen off the bus".to_owned()),
        "{problems:?}"
    );
    let text = render(&m);
    assert!(
        text.contains("reboot"),
        "the action is on the problem series"
    );
}
