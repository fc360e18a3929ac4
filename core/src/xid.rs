//! NVIDIA's XID errors: what each code means, how bad it is and what the operator should do.
//!
//! Source: NVIDIA's Xid catalog for Ampere and newer GPUs ("Analyzing Xid Errors with the
//! Xid Catalog", <https://docs.nvidia.com/deploy/xid-errors/analyzing-xid-catalog.html>),
//! its *Resolution Bucket (Immediate Action)* column mapped to a severity: `RESET_GPU` and
//! `RESTART_BM` (reboot the machine) are critical, `RESTART_APP` and `CONTACT_SUPPORT`
//! without a reset are warnings. The action text is ours, written for a server running
//! vLLM containers on plain Docker.

use crate::label_enum;

/// How long an XID keeps weighing on a GPU's verdict, and how long its alert fires.
pub const WINDOW_SECONDS: f64 = 3600.0;

label_enum! {
    /// A GPU's health verdict, worst last: the `verdict` of `llm_monitor_gpu_health`.
    #[derive(Default)]
    pub enum Health {
        #[default]
        Ok => "ok",
        Warning => "warning",
        Critical => "critical",
    }
}

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Xid {
    pub code: u64,
    /// NVIDIA's short description.
    pub meaning: &'static str,
    pub severity: Health,
    /// What the operator should do, in one sentence.
    pub action: &'static str,
}

const RESTART_APP: &str = "restart the container that used the GPU; if it repeats, check the \
                           application and the driver version";
const RESET_GPU: &str = "drain the GPU (stop its containers), reset it with nvidia-smi -r -i \
                         <gpu>, then start them again; replace the GPU if it repeats";
const REBOOT: &str = "drain the server and reboot it; check the GPU's seating, power and \
                      cooling, and open a support case if it repeats";

/// The XIDs NVIDIA documents as needing action (and a few that mostly follow them).
pub const CATALOG: &[Xid] = &[
    Xid {
        code: 13,
        meaning: "graphics engine exception",
        severity: Health::Warning,
        action: RESTART_APP,
    },
    Xid {
        code: 31,
        meaning: "GPU memory page fault",
        severity: Health::Warning,
        action: RESTART_APP,
    },
    Xid {
        code: 43,
        meaning: "GPU stopped processing",
        severity: Health::Warning,
        action: RESTART_APP,
    },
    Xid {
        code: 45,
        meaning: "preemptive cleanup after a previous error",
        severity: Health::Warning,
        action: "look for the XID before it; restart the container if it keeps failing",
    },
    Xid {
        code: 48,
        meaning: "double-bit ECC error",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 61,
        meaning: "internal micro-controller breakpoint",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 62,
        meaning: "internal micro-controller halt",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 63,
        meaning: "row remapping (or page retirement) recorded",
        severity: Health::Warning,
        action: "reset the GPU at the next maintenance window to activate the remapping",
    },
    Xid {
        code: 64,
        meaning: "row remapping (or page retirement) failed",
        severity: Health::Critical,
        action: "drain the GPU and reset it; open a support case (the GPU may need replacing)",
    },
    Xid {
        code: 68,
        meaning: "video decoder (NVDEC) exception",
        severity: Health::Warning,
        action: RESTART_APP,
    },
    Xid {
        code: 74,
        meaning: "NVLink error",
        severity: Health::Critical,
        action: "drain the GPU and reset it; check the NVLink error counters of it and its \
                 peers, and open a support case if they keep rising",
    },
    Xid {
        code: 79,
        meaning: "GPU has fallen off the bus",
        severity: Health::Critical,
        action: REBOOT,
    },
    Xid {
        code: 92,
        meaning: "high single-bit ECC error rate",
        severity: Health::Warning,
        action: "watch the ECC counters; plan a reset and open a support case if it goes on",
    },
    Xid {
        code: 94,
        meaning: "contained ECC error",
        severity: Health::Warning,
        action: "restart the container that was hit; reset the GPU at the next maintenance \
                 window",
    },
    Xid {
        code: 95,
        meaning: "uncontained ECC error",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 119,
        meaning: "GSP RPC timeout",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 120,
        meaning: "GSP error",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 140,
        meaning: "unrecovered ECC error",
        severity: Health::Critical,
        action: RESET_GPU,
    },
    Xid {
        code: 154,
        meaning: "GPU recovery action changed (reset or reboot required)",
        severity: Health::Critical,
        action: "do what nvidia-smi -q shows as the GPU's recovery action (reset or reboot)",
    },
];

/// What a code is: its catalog entry, or a warning to look it up for a code not in it.
pub fn lookup(code: u64) -> Xid {
    CATALOG
        .iter()
        .find(|x| x.code == code)
        .copied()
        .unwrap_or(Xid {
            code,
            meaning: "XID not in llmmon's catalog",
            severity: Health::Warning,
            action: "look the code up in NVIDIA's Xid catalog",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_covers_every_xid_nvidia_says_needs_action_once() {
        for code in [
            13, 31, 43, 45, 48, 61, 62, 63, 64, 68, 74, 79, 92, 94, 95, 119, 120,
        ] {
            assert_eq!(lookup(code).code, code);
            assert_ne!(
                lookup(code).meaning,
                lookup(1).meaning,
                "{code} is in the catalog"
            );
        }
        let mut codes: Vec<u64> = CATALOG.iter().map(|x| x.code).collect();
        codes.dedup();
        assert_eq!(codes.len(), CATALOG.len(), "sorted and unique");
    }

    #[test]
    fn a_gpu_off_the_bus_or_with_a_double_bit_error_is_critical_an_app_fault_a_warning() {
        assert_eq!(lookup(79).severity, Health::Critical);
        assert!(lookup(79).action.contains("reboot"));
        assert_eq!(lookup(48).severity, Health::Critical);
        assert!(lookup(48).action.contains("nvidia-smi -r"));
        assert_eq!(lookup(13).severity, Health::Warning);
        assert_eq!(lookup(9999).severity, Health::Warning);
        assert!(Health::Critical > Health::Warning && Health::Warning > Health::Ok);
    }
}
