//! Logs of every container from Loki (shipped by Alloy with the labels container,
//! compose_service, compose_project, stream and level): volume, errors, the NVIDIA driver's
//! XID lines from the kernel log (container="kernel", with an xid label) and the lines.

use super::panel::{logs, loki, text, timeseries};
use super::variable::Variable;
use super::{row, uid, Dashboard, Folder};

/// Levels Alloy normalises to (compose/config/alloy/config.alloy).
pub const LEVELS: &[&str] = &[
    "trace", "debug", "info", "notice", "warn", "error", "fatal", "unknown",
];

/// The stream selector of the dashboard's variables.
const STREAM: &str = "{container=~\"$container\", level=~\"$level\"}";

pub fn dashboard() -> Dashboard {
    let mut d = Dashboard::new(uid::LOGS, "Logs", "logs", Folder::Infrastructure);
    d.purpose = "Container logs from Loki: pick containers and levels, search, read, live-tail in Explore, download from the panel menu.";
    d.tags.push("infrastructure");
    d.tags.push("logs");
    d.time_from = "now-1h";
    // No `$host`: Loki's streams carry no host label (yet), so it would filter nothing.
    d.variables = vec![
        Variable::LokiLabel {
            name: "container",
            label: "Container",
            label_name: "container",
        },
        Variable::Custom {
            name: "level",
            label: "Level",
            values: LEVELS,
        },
        Variable::Textbox {
            name: "search",
            label: "Search (regex)",
        },
    ];
    let search = format!("{STREAM} |~ \"(?i)$search\"");
    d.rows = vec![
        row("Volume", vec![
            timeseries("Log lines by container", "short").stacked()
                .desc("Lines per interval per container matching the filters; a spike is worth a look.")
                .q(loki(format!("sum by (container) (count_over_time({search} [$__interval]))"), "{{container}}")),
            timeseries("Log lines by level", "short").stacked()
                .desc("Lines per interval per level (Alloy parses it from JSON, logfmt or the text).")
                .q(loki(format!("sum by (level) (count_over_time({search} [$__interval]))"), "{{level}}")),
            timeseries("Errors per second", "short")
                .desc("error and fatal lines per second per container, whatever the level filter.")
                .q(loki("sum by (container) (rate({container=~\"$container\", level=~\"error|fatal\"} [$__interval]))", "{{container}}")),
            timeseries("HTTP 5xx in access logs", "short")
                .desc("Lines of logfmt or JSON access logs with a 5xx status, per container.")
                .q(loki("sum by (container) (count_over_time({container=~\"$container\", stream=\"stdout\"} | logfmt | status=~\"5..\" [$__interval]))", "{{container}} logfmt"))
                .q(loki("sum by (container) (count_over_time({container=~\"$container\", stream=\"stdout\"} | json | status=~\"5..\" [$__interval]))", "{{container}} json")),
        ]),
        row("GPU driver (kernel log)", vec![
            timeseries("XID errors in the kernel log", "short").size(12, 8)
                .desc("The NVIDIA driver's XID lines (NVRM: Xid) per interval and code, from the host's journal; the GPUs dashboard's Health row says what each code needs.")
                .q(loki("sum by (xid) (count_over_time({container=\"kernel\", xid=~\".+\"} [$__interval]))", "XID {{xid}}"))
                .link("GPUs", &super::url(uid::GPUS)),
            logs("NVIDIA driver messages").size(12, 8)
                .desc("Kernel lines of the NVIDIA driver (NVRM), XIDs among them, newest first.")
                .q(loki("{container=\"kernel\"} |= \"NVRM\"", "")),
        ]),
        row("Lines", vec![
            logs("Logs").size(24, 16)
                .desc("Newest first. Expand a line for its labels; the panel menu → Inspect → Data downloads them.")
                .q(loki(search.clone(), "")),
            logs("stderr only").size(24, 10)
                .desc("What containers wrote to stderr (tracebacks, CUDA errors).")
                .q(loki("{container=~\"$container\", stream=\"stderr\"} |~ \"(?i)$search\" != \"GET /metrics\"", "")),
            text("Live tail", "Live tail: open **Explore** (compass icon), choose the *Loki* datasource, enter `{container=\"<name>\"}` and press **Live**. From a shell on the host: `docker logs -f <container>`.").size(24, 3)
                .desc("How to follow logs live."),
        ]),
    ];
    d
}
