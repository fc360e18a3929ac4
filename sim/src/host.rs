//! The simulated host, under node_exporter's own metric names: CPU per core with a daily
//! pattern (20–40 % busy), 20–40 GB of memory in use, 200–400 GB of a 1 TB root disk, disks,
//! network, load, temperatures and processes.

use super::fleet::FLEET_EPOCH;
use super::scenario::{Conditions, Scenario};
use super::signal::{daily, noise, unit, DailyRate};
use super::Simulator;
use crate::scenario::Effects;
use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// How the busy time of a CPU splits over modes (the rest of the time is idle).
const BUSY_MODES: [(&str, f64); 6] = [
    ("user", 0.70),
    ("system", 0.20),
    ("iowait", 0.04),
    ("irq", 0.01),
    ("softirq", 0.03),
    ("nice", 0.02),
];
const ROOT_SIZE: f64 = 1.0e12;
const DATA_SIZE: f64 = 7.68e12;
const DISK_CYCLE_S: f64 = 30.0 * 86_400.0;

/// Extra busy share the scenario puts on every CPU.
fn cpu_extra(c: &Conditions) -> f64 {
    match c.scenario {
        Scenario::HighLoad => 0.25,
        Scenario::Degraded => 0.08,
        Scenario::Normal | Scenario::Maintenance => 0.0,
    }
}

impl Simulator {
    /// node_exporter's view of the host at time t.
    pub fn node_metrics(&self, t: f64) -> MetricSet {
        let tl = self.timeline();
        let c = tl.at(t).conditions.clone();
        let host = &self.fleet.host;
        let seed = self.seed;
        let mut m = MetricSet::new();
        let boot = host.boot_time;

        let mut busy_now = 0.0;
        for cpu in 0..host.cpus {
            let offset = 0.04 * unit(seed, "cpu-offset", u64::from(cpu));
            let rate = |extra: f64| DailyRate {
                base: 0.20 + offset + extra,
                amplitude: 0.18,
            };
            let busy: f64 = tl
                .pieces(boot, t)
                .map(|(a, b, cond)| rate(cpu_extra(cond)).integral(a, b))
                .sum();
            busy_now += rate(cpu_extra(&c)).at(t);
            let label = cpu.to_string();
            for (mode, share) in BUSY_MODES {
                m.counter(&NODE_CPU_SECONDS, &[&label, mode], busy * share);
            }
            m.counter(&NODE_CPU_SECONDS, &[&label, "steal"], 0.0);
            m.counter(&NODE_CPU_SECONDS, &[&label, "idle"], (t - boot) - busy);
        }
        let busy_share = busy_now / f64::from(host.cpus);
        let cpus = f64::from(host.cpus);
        m.gauge(
            &NODE_LOAD1,
            &[],
            cpus * busy_share * (1.0 + 0.15 * noise(seed, "l1", t, 30.0)),
        );
        m.gauge(
            &NODE_LOAD5,
            &[],
            cpus * busy_share * (1.0 + 0.07 * noise(seed, "l5", t, 150.0)),
        );
        m.gauge(
            &NODE_LOAD15,
            &[],
            cpus * busy_share * (1.0 + 0.03 * noise(seed, "l15", t, 450.0)),
        );

        let extra_mem = if c.scenario == Scenario::HighLoad {
            8.0
        } else {
            0.0
        };
        let used = (20.0 + 18.0 * daily(t) + extra_mem + noise(seed, "mem", t, 120.0)) * GIB;
        let cached = 80.0 * GIB;
        let buffers = 2.0 * GIB;
        let total = host.memory_bytes;
        m.gauge(&NODE_MEM_TOTAL, &[], total);
        m.gauge(&NODE_MEM_FREE, &[], total - used - cached - buffers);
        m.gauge(&NODE_MEM_AVAILABLE, &[], total - used);
        m.gauge(&NODE_MEM_CACHED, &[], cached);
        m.gauge(&NODE_MEM_BUFFERS, &[], buffers);
        m.gauge(&NODE_MEM_SWAP_TOTAL, &[], 8.0 * GIB);
        m.gauge(&NODE_MEM_SWAP_FREE, &[], 8.0 * GIB);

        // The root disk fills from 200 to 400 GB over 30 days, then logs are pruned.
        let cycle = ((t - FLEET_EPOCH) / DISK_CYCLE_S).rem_euclid(1.0);
        let root_used = 200e9 + 200e9 * cycle;
        let data_used = 4.1e12 + 0.2e12 * unit(seed, "data", 0);
        for (dev, fs, mount, size, used) in [
            ("/dev/nvme0n1p2", "ext4", "/", ROOT_SIZE, root_used),
            ("/dev/nvme1n1", "xfs", "/data", DATA_SIZE, data_used),
            ("/dev/nvme0n1p1", "vfat", "/boot/efi", 1.1e9, 6.2e6),
        ] {
            let labels = [dev, fs, mount];
            m.gauge(&NODE_FS_SIZE, &labels, size);
            m.gauge(&NODE_FS_FREE, &labels, size - used);
            // ext4 keeps 5 % for root.
            let reserved = if fs == "ext4" { 0.05 * size } else { 0.0 };
            m.gauge(&NODE_FS_AVAIL, &labels, (size - used - reserved).max(0.0));
        }

        for (dev, read_bps, write_bps) in [("nvme0n1", 2.0e6, 6.0e6), ("nvme1n1", 9.0e6, 1.5e6)] {
            let read = DailyRate {
                base: read_bps,
                amplitude: read_bps,
            }
            .integral(boot, t);
            let written = DailyRate {
                base: write_bps,
                amplitude: write_bps,
            }
            .integral(boot, t);
            m.counter(&NODE_DISK_READ_BYTES, &[dev], read.floor());
            m.counter(&NODE_DISK_WRITTEN_BYTES, &[dev], written.floor());
            m.counter(&NODE_DISK_READS, &[dev], (read / 65_536.0).floor());
            m.counter(&NODE_DISK_WRITES, &[dev], (written / 16_384.0).floor());
            m.counter(&NODE_DISK_IO_TIME, &[dev], (t - boot) * 0.02);
        }
        for (dev, rx_bps, tx_bps) in [
            ("eno1", 2.5e6, 1.2e6),
            ("docker0", 0.8e6, 0.8e6),
            ("lo", 0.4e6, 0.4e6),
        ] {
            // Each piece of the timeline at its own traffic factor, so a quieter scenario
            // slows the counters down instead of winding them back.
            let bytes = |bps: f64| -> f64 {
                tl.pieces(boot, t)
                    .map(|(a, b, cond)| {
                        DailyRate {
                            base: bps,
                            amplitude: bps,
                        }
                        .integral(a, b)
                            * cond.traffic_factor()
                    })
                    .sum()
            };
            let (rx, tx) = (bytes(rx_bps), bytes(tx_bps));
            m.counter(&NODE_NET_RX, &[dev], rx.floor());
            m.counter(&NODE_NET_TX, &[dev], tx.floor());
        }

        m.gauge(&NODE_BOOT_TIME, &[], boot.floor());
        m.gauge(&NODE_TIME, &[], t);
        let running =
            (2.0 + cpus * busy_share * 0.1 * (1.0 + noise(seed, "procs", t, 15.0))).round();
        let blocked = (unit(seed, "blocked", (t / 15.0) as u64) * 1.6).floor();
        let zombies = if c.scenario == Scenario::Degraded {
            3.0
        } else {
            0.0
        };
        m.gauge(&NODE_PROCS_RUNNING, &[], running);
        m.gauge(&NODE_PROCS_BLOCKED, &[], blocked);
        for (state, n) in [
            ("R", running),
            ("S", 910.0),
            ("D", blocked),
            ("I", 310.0),
            ("Z", zombies),
        ] {
            m.gauge(&NODE_PROCESSES_STATE, &[state], n);
        }
        m.counter(
            &NODE_CONTEXT_SWITCHES,
            &[],
            DailyRate {
                base: 40_000.0,
                amplitude: 60_000.0,
            }
            .integral(boot, t)
            .floor(),
        );
        for pkg in 0..2u64 {
            let chip = format!("platform_coretemp_{pkg}");
            let temp = 38.0 + 30.0 * busy_share + 2.0 * noise(seed, &chip, t, 60.0);
            m.gauge(&NODE_HWMON_TEMP, &[&chip, "temp1"], temp.round());
        }
        m.gauge(
            &NODE_UNAME,
            &[
                "(none)",
                "x86_64",
                &host.hostname,
                "6.8.0-88-generic",
                "Linux",
                "#89-Ubuntu SMP PREEMPT_DYNAMIC Sat Oct 11 01:02:46 UTC 2025",
            ],
            1.0,
        );
        m
    }
}
