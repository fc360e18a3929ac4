//! PLANNED metric names of the announcements service (a later issue): the announcements and
//! end-user dashboards are built on them now. Nothing emits them yet, so the test that runs
//! every query against Prometheus skips the queries that use them (`uses_planned`); the
//! structural tests still check those panels. When the service lands, move these into
//! `exporter/src/schema.rs` and delete this file.

/// 1 while an announcement is active; `severity` = critical / warning / info, `kind` =
/// maintenance / deprecation / new_model / endpoint_change / advisory / changelog.
pub const ANNOUNCEMENT_ACTIVE: &str = "llm_monitor_announcement_active";
/// Start and end of an announcement's window (maintenance, deprecation date), Unix time.
pub const ANNOUNCEMENT_START: &str = "llm_monitor_announcement_start_timestamp_seconds";
pub const ANNOUNCEMENT_END: &str = "llm_monitor_announcement_end_timestamp_seconds";
/// 1 for a service's current published status (`status` = operational / degraded / down).
pub const SERVICE_STATUS: &str = "llm_monitor_service_status";
/// Date of a model lifecycle event (`event` = available / deprecated / retired), Unix time.
pub const MODEL_LIFECYCLE: &str = "llm_monitor_model_lifecycle_timestamp_seconds";

/// Every planned name.
pub const ALL: &[&str] = &[
    ANNOUNCEMENT_ACTIVE,
    ANNOUNCEMENT_START,
    ANNOUNCEMENT_END,
    SERVICE_STATUS,
    MODEL_LIFECYCLE,
];

/// Whether an expression reads a planned metric.
pub fn uses_planned(expr: &str) -> bool {
    ALL.iter().any(|n| expr.contains(n))
}
