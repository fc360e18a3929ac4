//! Server health: CPU, memory, disks, network, load, processes and temperatures of the host
//! (node_exporter's names).

use llmmon_core::schema as s;
use llmmon_core::thresholds as t;

use super::panel::{
    alert_list, bargauge, crit, gauge, heatmap, instant, prom, stat, timeseries, warn_crit,
};
use super::{row, uid, Dashboard, Folder};
use crate::rules::{recording as rec, Config};

pub fn dashboard() -> Dashboard {
    let cfg = Config::default();
    let fs = cfg.fs_selector;
    let fs_used = format!(
        "1 - {}{{{fs}}} / {}{{{fs}}}",
        s::NODE_FS_AVAIL.name,
        s::NODE_FS_SIZE.name
    );
    let disk_warn = 1.0 - cfg.disk_free_warning_ratio;
    let disk_crit = 1.0 - cfg.disk_free_critical_ratio;
    let mut d = Dashboard::new(
        uid::HOST,
        "Server health",
        "server-health",
        Folder::Infrastructure,
    );
    d.purpose =
        "The host under the GPUs: CPU, memory, disks, network, load, processes and temperatures.";
    d.tags.push("infrastructure");
    d.alert_groups = vec!["llmmon-host"];
    d.rows = vec![
        row("Now", vec![
            gauge("CPU busy", "percentunit").range(0.0, 1.0)
                .desc("Share of CPU time not idle, all cores, over the last 5 minutes (recording rule).")
                .q(instant(rec::host_cpu_utilisation(&cfg), ""))
                .thresholds(crit(t::HOST_CPU_CRITICAL_RATIO)).alert("HostCPUCritical"),
            gauge("Memory used", "percentunit").range(0.0, 1.0)
                .desc("1 − MemAvailable / MemTotal: memory the kernel cannot give back.")
                .q(instant(rec::host_memory_utilisation(), ""))
                .thresholds(crit(t::HOST_MEMORY_WARNING_RATIO)).alert("HostMemoryHigh"),
            gauge("Fullest file system", "percentunit").range(0.0, 1.0)
                .desc("Used share of the fullest real file system.")
                .q(instant(format!("max({fs_used})"), ""))
                .thresholds(warn_crit(disk_warn, disk_crit)).alert("DiskSpaceLow").alert("DiskSpaceCritical"),
            stat("Uptime", "s").desc("Time since the host booted.")
                .q(instant(format!("{} - {}", s::NODE_TIME.name, s::NODE_BOOT_TIME.name), "")),
            stat("Processes", "short").desc("Processes on the host, all states.")
                .q(instant(format!("sum({})", s::NODE_PROCESSES_STATE.name), "")),
            stat("Zombie processes", "short").desc("Processes in state Z: exited, never reaped by their parent.")
                .q(instant(format!("sum({}{{state=\"Z\"}}) or vector(0)", s::NODE_PROCESSES_STATE.name), ""))
                .thresholds(crit(1.0)),
        ]),
        row("CPU", vec![
            heatmap("CPU busy per core", "percentunit").size(12, 9)
                .desc("Each row is one core; a hot row is a core a single-threaded process (tokeniser, exporter) pins. 5-minute windows (recording rule).")
                .q(prom(rec::host_cpu_core_utilisation(&cfg), "{{cpu}}")),
            timeseries("CPU time by mode", "percentunit").size(12, 9).stacked().range(0.0, 1.0)
                .desc("Share of all cores per mode; iowait points at the disks, steal at the hypervisor. 5-minute windows (recording rule).")
                .q(prom(format!("sum by (mode) ({}{{mode!=\"idle\"}})", rec::host_cpu_mode_ratio(&cfg)), "{{mode}}"))
                .thresholds(crit(t::HOST_CPU_CRITICAL_RATIO)),
        ]),
        row("Memory", vec![
            timeseries("Memory", "bytes").size(24, 8)
                .desc("Used (total − available), available, page cache and buffers, free.")
                .q(prom(format!("{} - {}", s::NODE_MEM_TOTAL.name, s::NODE_MEM_AVAILABLE.name), "used"))
                .q(prom(s::NODE_MEM_AVAILABLE.name, "available"))
                .q(prom(s::NODE_MEM_CACHED.name, "cached"))
                .q(prom(s::NODE_MEM_BUFFERS.name, "buffers"))
                .q(prom(s::NODE_MEM_FREE.name, "free"))
                .q(prom(format!("{} - {}", s::NODE_MEM_SWAP_TOTAL.name, s::NODE_MEM_SWAP_FREE.name), "swap used")),
        ]),
        row("Disks", vec![
            timeseries("Disk throughput", "Bps").size(8, 8)
                .desc("Bytes read (positive) and written per device.")
                .q(prom(format!("rate({}[$__rate_interval])", s::NODE_DISK_READ_BYTES.name), "{{device}} read"))
                .q(prom(format!("rate({}[$__rate_interval])", s::NODE_DISK_WRITTEN_BYTES.name), "{{device}} write")),
            timeseries("Disk IOPS", "iops").size(8, 8)
                .desc("Reads and writes completed per second per device.")
                .q(prom(format!("rate({}[$__rate_interval])", s::NODE_DISK_READS.name), "{{device}} reads"))
                .q(prom(format!("rate({}[$__rate_interval])", s::NODE_DISK_WRITES.name), "{{device}} writes")),
            timeseries("Disk busy", "percentunit").size(8, 8).range(0.0, 1.0)
                .desc("Share of time each device had I/O in flight; near 100 % it is the bottleneck.")
                .q(prom(format!("rate({}[$__rate_interval])", s::NODE_DISK_IO_TIME.name), "{{device}}")),
            bargauge("File system use", "percentunit").size(24, 6).range(0.0, 1.0)
                .desc("Used share per mount point; model weights and Prometheus' 30 days live here.")
                .q(instant(fs_used.clone(), "{{mountpoint}}"))
                .thresholds(warn_crit(disk_warn, disk_crit)).alert("DiskSpaceLow").alert("DiskSpaceCritical"),
        ]),
        row("Network", vec![
            timeseries("Network traffic", "bps").size(24, 8)
                .desc("Bits per second received and transmitted per interface (loopback left out).")
                .q(prom(format!("rate({}{{device!=\"lo\"}}[$__rate_interval]) * 8", s::NODE_NET_RX.name), "{{device}} in"))
                .q(prom(format!("rate({}{{device!=\"lo\"}}[$__rate_interval]) * 8", s::NODE_NET_TX.name), "{{device}} out")),
        ]),
        row("Load, processes and temperatures", vec![
            timeseries("Load average", "short").size(8, 8)
                .desc("Runnable plus uninterruptible tasks, averaged over 1, 5 and 15 minutes.")
                .q(prom(s::NODE_LOAD1.name, "1m"))
                .q(prom(s::NODE_LOAD5.name, "5m"))
                .q(prom(s::NODE_LOAD15.name, "15m")),
            timeseries("Processes by state", "short").size(8, 8)
                .desc("R running, S sleeping, D waiting on I/O, Z zombie.")
                .q(prom(format!("sum by (state) ({})", s::NODE_PROCESSES_STATE.name), "{{state}}"))
                .q(prom(s::NODE_PROCS_BLOCKED.name, "blocked on I/O")),
            timeseries("Temperatures", "celsius").size(8, 8)
                .desc("Hardware monitor sensors (CPU packages, NVMe, board), where the host exposes them.")
                .q(prom(s::NODE_HWMON_TEMP.name, "{{chip}} {{sensor}}")),
        ]),
        row("Alerts", vec![
            alert_list("Host alerts", "Host|Disk").size(24, 6)
                .desc("Firing and pending host alerts from Prometheus' rules."),
        ]),
    ];
    d
}
