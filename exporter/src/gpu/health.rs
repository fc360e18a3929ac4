//! One health verdict per GPU (`ok` / `warning` / `critical`) and the problems behind it,
//! from what the `gpu` role reads: recent XID errors (weighed by NVIDIA's catalog in
//! `llmmon_core::xid`), row remapping, NVLinks down, hardware slowdowns, and GPUs that
//! cannot be read at all.

use llmmon_core::xid::{self, Health};
use llmmon_readings::gpu::{GpuInventory, GpuReading};

pub use llmmon_core::xid::WINDOW_SECONDS as XID_WINDOW_SECONDS;

/// Clock-event reasons that mean the hardware itself slowed the GPU down.
const HARDWARE_SLOWDOWNS: [&str; 3] = [
    "hw_slowdown",
    "hw_thermal_slowdown",
    "hw_power_brake_slowdown",
];

/// One problem: stable texts, since they are label values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Health,
    pub problem: String,
    pub action: &'static str,
}

/// A GPU's verdict: the worst severity of its problems, `ok` without any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub gpu: u32,
    pub health: Health,
    pub problems: Vec<Problem>,
}

/// Every GPU's verdict, read or failed, in index order.
pub fn verdicts(inv: &GpuInventory) -> Vec<Verdict> {
    let mut all: Vec<Verdict> = inv
        .gpus
        .iter()
        .map(|g| verdict(g.index, reading_problems(g), inv))
        .collect();
    for (index, reason) in &inv.failed {
        // A GPU that had an XID 79 is off the bus however long ago it was.
        let off_the_bus = inv
            .xid_errors
            .iter()
            .any(|x| x.gpu == *index && x.xid == 79);
        let lost = Problem {
            severity: Health::Critical,
            problem: if off_the_bus {
                xid_problem(79)
            } else {
                format!("cannot be read: {reason}")
            },
            action: xid::lookup(79).action,
        };
        all.push(verdict(*index, vec![lost], inv));
    }
    all.sort_by_key(|v| v.gpu);
    all
}

/// The problems worst first; of equal severity, the XIDs (the cause) before the rest.
fn verdict(gpu: u32, rest: Vec<Problem>, inv: &GpuInventory) -> Verdict {
    let mut problems = xid_problems(gpu, inv);
    // Stated once where a recent XID and a lost GPU say the same.
    let fresh: Vec<Problem> = rest
        .into_iter()
        .filter(|r| !problems.iter().any(|x| x.problem == r.problem))
        .collect();
    problems.extend(fresh);
    problems.sort_by_key(|p| std::cmp::Reverse(p.severity));
    Verdict {
        gpu,
        health: problems.first().map_or(Health::Ok, |p| p.severity),
        problems,
    }
}

/// The XIDs of the last [`XID_WINDOW_SECONDS`] on this GPU.
fn xid_problems(gpu: u32, inv: &GpuInventory) -> Vec<Problem> {
    inv.xid_errors
        .iter()
        .filter(|x| x.gpu == gpu && inv.read_at - x.last_seen <= XID_WINDOW_SECONDS)
        .map(|x| {
            let entry = xid::lookup(x.xid);
            Problem {
                severity: entry.severity,
                problem: xid_problem(x.xid),
                action: entry.action,
            }
        })
        .collect()
}

/// How an XID is named as a problem: `XID 48: double-bit ECC error`.
fn xid_problem(code: u64) -> String {
    format!("XID {code}: {}", xid::lookup(code).meaning)
}

fn reading_problems(g: &GpuReading) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(rows) = g.remapped_rows {
        if rows.failed {
            problems.push(Problem {
                severity: Health::Critical,
                problem: "row remapping failed".to_owned(),
                action: xid::lookup(64).action,
            });
        } else if rows.pending {
            problems.push(Problem {
                severity: Health::Warning,
                problem: "row remapping pending".to_owned(),
                action: xid::lookup(63).action,
            });
        }
    }
    let down = g.nvlinks.iter().filter(|l| !l.active).count();
    if down > 0 && down < g.nvlinks.len() {
        problems.push(Problem {
            severity: Health::Warning,
            problem: format!("{down} of {} NVLinks down", g.nvlinks.len()),
            action: xid::lookup(74).action,
        });
    }
    let slow = g.clock_events.iter().flatten().copied();
    for reason in slow.filter(|r| HARDWARE_SLOWDOWNS.contains(r)) {
        problems.push(Problem {
            severity: Health::Warning,
            problem: format!("hardware slowdown ({reason})"),
            action: "check the server's cooling and power supply; the GPU runs at reduced \
                     clocks until it clears",
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_readings::gpu::{NvLinkReading, RemappedRows, XidCount};

    const NOW: f64 = 1_800_000_000.0;

    fn inventory(gpus: Vec<GpuReading>, xid_errors: Vec<XidCount>) -> GpuInventory {
        GpuInventory {
            gpus,
            xid_errors,
            read_at: NOW,
            ..GpuInventory::default()
        }
    }

    fn gpu(index: u32) -> GpuReading {
        GpuReading {
            index,
            ..GpuReading::default()
        }
    }

    fn xid(gpu: u32, xid: u64, ago: f64) -> XidCount {
        XidCount {
            gpu,
            xid,
            count: 1,
            last_seen: NOW - ago,
        }
    }

    #[test]
    fn a_healthy_gpu_is_ok_with_no_problem() {
        let v = verdicts(&inventory(vec![gpu(0)], vec![]));
        assert_eq!(v[0].health, Health::Ok);
        assert!(v[0].problems.is_empty());
    }

    #[test]
    fn a_recent_double_bit_error_is_critical_and_an_hour_old_one_no_longer_counts() {
        let v = verdicts(&inventory(
            vec![gpu(0), gpu(1)],
            vec![xid(0, 48, 60.0), xid(1, 48, 2.0 * XID_WINDOW_SECONDS)],
        ));
        assert_eq!(v[0].health, Health::Critical);
        assert_eq!(v[0].problems[0].problem, "XID 48: double-bit ECC error");
        assert!(v[0].problems[0].action.contains("nvidia-smi -r"));
        assert_eq!(v[1].health, Health::Ok);
    }

    #[test]
    fn a_lost_gpu_is_critical_with_its_xids_and_the_worst_problem_first() {
        let mut inv = inventory(vec![gpu(0)], vec![xid(5, 79, 10.0), xid(5, 13, 5.0)]);
        inv.failed
            .push((5, "GPU is lost (fell off the bus?)".into()));
        inv.failed
            .push((6, "GPU is lost (fell off the bus?)".into()));
        let v = verdicts(&inv);
        assert_eq!(v.iter().map(|v| v.gpu).collect::<Vec<_>>(), [0, 5, 6]);
        assert_eq!(v[1].health, Health::Critical);
        let problems: Vec<&str> = v[1].problems.iter().map(|p| p.problem.as_str()).collect();
        assert_eq!(
            problems,
            [
                "XID 79: GPU has fallen off the bus",
                "XID 13: graphics engine exception"
            ]
        );
        assert_eq!(
            v[2].problems[0].problem,
            "cannot be read: GPU is lost (fell off the bus?)"
        );
        // Hours later the XID no longer weighs, but the GPU is still off the bus.
        inv.read_at += 4.0 * XID_WINDOW_SECONDS;
        let later = verdicts(&inv);
        assert_eq!(later[1].problems.len(), 1);
        assert_eq!(
            later[1].problems[0].problem,
            "XID 79: GPU has fallen off the bus"
        );
    }

    #[test]
    fn remapping_links_and_slowdowns_give_warnings_and_a_failed_remap_is_critical() {
        let mut g = gpu(0);
        g.remapped_rows = Some(RemappedRows {
            pending: true,
            ..RemappedRows::default()
        });
        g.nvlinks = (0..18)
            .map(|link| NvLinkReading {
                link,
                active: link != 3,
                ..NvLinkReading::default()
            })
            .collect();
        g.clock_events = Some(vec!["hw_thermal_slowdown", "gpu_idle"]);
        let v = verdicts(&inventory(vec![g.clone()], vec![]));
        let problems: Vec<&str> = v[0].problems.iter().map(|p| p.problem.as_str()).collect();
        assert_eq!(
            problems,
            [
                "row remapping pending",
                "1 of 18 NVLinks down",
                "hardware slowdown (hw_thermal_slowdown)"
            ]
        );
        assert_eq!(v[0].health, Health::Warning);
        g.remapped_rows = Some(RemappedRows {
            failed: true,
            ..RemappedRows::default()
        });
        assert_eq!(
            verdicts(&inventory(vec![g], vec![]))[0].health,
            Health::Critical
        );
    }
}
