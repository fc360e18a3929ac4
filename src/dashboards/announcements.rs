//! Announcements and status: the critical banner, status per service, the maintenance
//! timeline, the model lifecycle calendar, the changelog and priorities, from the
//! announcements service's metrics; the model status row reads what vLLM reports.

use llmmon_core::schema as s;
use serde_json::json;

use super::panel::{bargauge, instant, prom, stat, states, table, tablep};
use super::{row, uid, vllm, Audience, Dashboard, Folder};

/// Each service's published status as a number (1 operational, 2 degraded, 3 down,
/// 4 maintenance), for the value mappings of the status panels.
fn status_code() -> String {
    let st = s::SERVICE_STATUS.name;
    format!(
        "max by (service) ({st}{{status=\"operational\"}} * 1 or {st}{{status=\"degraded\"}} * 2 \
         or {st}{{status=\"down\"}} * 3 or {st}{{status=\"maintenance\"}} * 4)"
    )
}

pub fn dashboard() -> Dashboard {
    let active = s::ANNOUNCEMENT_ACTIVE.name;
    let mut d = Dashboard::new(
        uid::ANNOUNCEMENTS,
        "Announcements and status",
        "announcements",
        Folder::EndUsers,
    );
    d.audience = Audience::Everyone;
    d.purpose = "What users and maintainers should know: critical messages, the status of each service, planned maintenance, model deprecations and what changed.";
    d.tags.push("end-users");
    d.tags.push("announcements");
    d.time_from = "now-7d";
    d.variables.extend(super::catalog::public_urls());
    d.annotations = vec![(
        "Announcements",
        format!("{active}{{kind=~\"maintenance|deprecation|endpoint_change\"}} == 1"),
    )];
    d.rows = vec![
        row("Now", vec![
            stat("Critical announcements", "none").size(24, 4)
                .desc("Every critical announcement in force, by title (red banner).")
                .q(instant(format!("{active}{{severity=\"critical\"}} == 1"), "{{title}}"))
                .thresholds(vec![super::panel::Step { value: None, color: "red" }])
                .option("textMode", json!("name")).option("graphMode", json!("none")),
            stat("Service status", "none").size(12, 5)
                .desc("Published status per service: operational, degraded, down or maintenance.")
                .q(instant(status_code(), "{{service}}"))
                .map(1.0, "operational", "green").map(2.0, "degraded", "orange").map(3.0, "down", "red")
                .map(4.0, "maintenance", "blue")
                .option("graphMode", json!("none")),
            vllm::state_mappings(stat("Model status (measured)", "none").size(12, 5)
                .desc("Each model's state as vLLM reports it, whatever has been announced.")
                .q(instant(vllm::state_code(""), "{{model}}")))
                .option("graphMode", json!("none")),
            bargauge("Active by priority", "short").size(24, 4)
                .desc("Announcements in force per priority (critical / warning / info).")
                .q(instant(format!("count by (severity) ({active} == 1)"), "{{severity}}")),
        ]),
        row("Timeline", vec![
            states("Maintenance timeline").size(24, 8)
                .desc("When each maintenance window is (or was) in force.")
                .q(prom(format!("{active}{{kind=\"maintenance\"}}"), "{{title}}"))
                .map(0.0, "", "transparent").map(1.0, "maintenance", "blue"),
            states("Service status over time").size(24, 6)
                .desc("Published status per service.")
                .q(prom(status_code(), "{{service}}"))
                .map(1.0, "operational", "green").map(2.0, "degraded", "orange").map(3.0, "down", "red")
                .map(4.0, "maintenance", "blue"),
        ]),
        row("Models and changes", vec![
            tablep("Model lifecycle calendar", "dateTimeAsIso").size(12, 8)
                .desc("When each model became available, is deprecated and will be retired.")
                .q(table(s::MODEL_LIFECYCLE.name, "{{model}} {{event}}"))
                .alert("DeprecatedModelInUse"),
            tablep("Scheduled events", "dateTimeAsIso").size(12, 8)
                .desc("Start and end of each announced window, with its kind and priority.")
                .q(table(format!("{} * on (id) group_left (title, kind, severity) {active}", s::ANNOUNCEMENT_START.name), "{{title}} {{kind}} {{severity}}"))
                .q(table(format!("{} * on (id) group_left (title) {active}", s::ANNOUNCEMENT_END.name), "{{title}}"))
                .transform(json!({"id": "merge", "options": {}})),
            tablep("Changelog and advisories", "dateTimeAsIso").size(24, 8)
                .desc("New models, endpoint changes, performance advisories and release notes, newest first.")
                .q(table(format!(
                    "{} * on (id) group_left (title, kind, severity) ({active}{{kind=~\"changelog|new_model|endpoint_change|advisory\"}})",
                    s::ANNOUNCEMENT_START.name
                ), "{{kind}} {{title}} {{severity}}"))
                .option("sortBy", json!([{"displayName": "Value", "desc": true}])),
            super::catalog::feeds_panel().size(8, 6),
            tablep("Models served now", "none").size(16, 6)
                .desc("Served models and their vLLM versions, measured (not announced).")
                .q(table(s::VLLM_INFO.name, "{{model}} {{vllm_version}}")),
        ]),
    ];
    d
}
