//! Alerts on GPU health: XID errors by what NVIDIA's catalog says they need (a reset, or a
//! container restart), a GPU gone from the bus, row remapping pending or failed, and NVLink
//! errors rising. The XID lists come from `llmmon_core::xid::CATALOG`, so the alerts, the
//! exporter's verdict and the runbooks share one table.

use llmmon_core::schema as s;
use llmmon_core::xid::{self, Health};

use super::alerts::{alert, VALUE_DURATION};
use super::{num, Alert, Config, Group, Severity, HOST};

/// `a|b|c` of the catalog's codes of one severity, XID 79 left to `GPULost`.
fn xids_of(severity: Health) -> String {
    xid::CATALOG
        .iter()
        .filter(|x| x.severity == severity && x.code != 79)
        .map(|x| x.code.to_string())
        .collect::<Vec<_>>()
        .join("|")
}

/// Seconds since the last XID of the given severity, while it is within the window.
fn recent_xid(severity: Health) -> String {
    format!(
        "time() - {}{{xid=~\"{}\"}} < {}",
        s::GPU_XID_LAST.name,
        xids_of(severity),
        num(xid::WINDOW_SECONDS)
    )
}

fn xid_alerts() -> [Alert; 2] {
    let window = format!("{:.0} minutes", xid::WINDOW_SECONDS / 60.0);
    [
        alert(
            "GPUXidCritical",
            Severity::Critical,
            "GPUXid",
            "0m",
            recent_xid(Health::Critical),
            "GPU {{ $labels.gpu }} on {{ $labels.instance }} had XID {{ $labels.xid }}: it needs a reset",
            format!(
                "GPU {{{{ $labels.gpu }}}} reported XID {{{{ $labels.xid }}}} {VALUE_DURATION} \
                 ago (the alert holds for {window} after the last one); NVIDIA's catalog says \
                 the GPU needs a reset: drain it, reset it with nvidia-smi -r, start its \
                 containers again."
            ),
        ),
        alert(
            "GPUXidWarning",
            Severity::Warning,
            "GPUXid",
            "0m",
            recent_xid(Health::Warning),
            "GPU {{ $labels.gpu }} on {{ $labels.instance }} had XID {{ $labels.xid }}",
            format!(
                "GPU {{{{ $labels.gpu }}}} reported XID {{{{ $labels.xid }}}} {VALUE_DURATION} \
                 ago (the alert holds for {window} after the last one); usually the \
                 application that used the GPU failed: restart its container, and look up \
                 the code in the runbook if it repeats."
            ),
        ),
    ]
}

fn lost_alert() -> Alert {
    alert(
        "GPULost",
        Severity::Critical,
        "GPULost",
        "0m",
        format!(
            "max by ({HOST}, instance, job, gpu) ({}{{problem=~\"cannot be read.*|XID 79:.*\"}}) == 1",
            s::GPU_HEALTH_PROBLEM.name
        ),
        "GPU {{ $labels.gpu }} on {{ $labels.instance }} is gone from the bus",
        "GPU {{ $labels.gpu }} no longer answers NVML (XID 79: fallen off the bus, or \
         unreadable); its containers have lost it. Drain the server and reboot it, then \
         check the GPU's seating, power and cooling."
            .to_owned(),
    )
}

fn remap_alerts() -> [Alert; 2] {
    [
        alert(
            "GPURowRemapFailed",
            Severity::Critical,
            "GPURowRemap",
            "0m",
            format!("{} == 1", s::GPU_ROW_REMAP_FAILED.name),
            "GPU {{ $labels.gpu }} on {{ $labels.instance }} has run out of spare memory rows",
            "A row remapping failed on GPU {{ $labels.gpu }}: it has no spare HBM rows left \
             and uncorrectable errors can no longer be contained. Drain the GPU and open a \
             support case to replace it."
                .to_owned(),
        ),
        alert(
            "GPURowRemapPending",
            Severity::Warning,
            "GPURowRemap",
            "0m",
            format!("{} == 1", s::GPU_ROW_REMAP_PENDING.name),
            "GPU {{ $labels.gpu }} on {{ $labels.instance }} waits for a reset to remap a memory row",
            "GPU {{ $labels.gpu }} recorded a row remapping that takes effect at the next GPU \
             reset; until then the faulty row stays in use. Reset the GPU at the next \
             maintenance window."
                .to_owned(),
        ),
    ]
}

fn nvlink_alert(cfg: &Config) -> Alert {
    alert(
        "GPUNVLinkErrorsRising",
        Severity::Warning,
        "GPUNVLinkErrorsRising",
        cfg.for_gpu_nvlink,
        format!(
            "sum by ({HOST}, instance, job, gpu) (rate({}{{error_type=~\"replay|recovery|crc_data\"}}[{}])) * 60 > {}",
            s::GPU_NVLINK_ERRORS.name,
            cfg.rate_window,
            num(cfg.nvlink_errors_per_minute)
        ),
        "NVLink errors rise on GPU {{ $labels.gpu }} on {{ $labels.instance }}",
        format!(
            "GPU {{{{ $labels.gpu }}}}'s NVLinks see {{{{ $value | printf \"%.1f\" }}}} replay, \
             recovery or data CRC errors a minute (warning above {}) for {}; tensor-parallel \
             models on it slow down, and an XID 74 may follow.",
            num(cfg.nvlink_errors_per_minute),
            cfg.for_gpu_nvlink
        ),
    )
}

pub fn group(cfg: &Config) -> Group<Alert> {
    let mut rules: Vec<Alert> = xid_alerts().into();
    rules.push(lost_alert());
    rules.extend(remap_alerts());
    rules.push(nvlink_alert(cfg));
    Group {
        name: "llmmon-gpu-health",
        rules,
    }
}
