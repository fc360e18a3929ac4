//! The announcements service's `/metrics`: announcements in force or upcoming, service
//! status, model lifecycle dates — what the announcements, home and catalog dashboards and
//! the deprecated-model alert read.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::model::{Kind, Phase, ServiceStatus};
use super::store::State;
use super::text::plain;
use llmmon_core::exposition::{self, MetricSet};
use llmmon_core::schema;

/// The exposition for `state` at `now`, with the statuses in effect (manual over derived)
/// and the health of the store and of the Prometheus derivation.
pub fn render(
    state: &State,
    statuses: &[ServiceStatus],
    now: DateTime<Utc>,
    sources: &[(&str, bool)],
) -> String {
    let mut set = MetricSet::new();
    for a in state.announcements.values() {
        let value = match a.phase(now) {
            Phase::Ended => continue,
            Phase::Upcoming => 0.0,
            Phase::Active => 1.0,
        };
        let id = a.id.to_string();
        let title = plain(&a.title);
        set.gauge(
            &schema::ANNOUNCEMENT_ACTIVE,
            &[&id, &title, a.kind.as_str(), a.priority.as_str()],
            value,
        );
        set.gauge(
            &schema::ANNOUNCEMENT_START,
            &[&id],
            a.effective_start().timestamp() as f64,
        );
        if let Some(end) = a.ends_at {
            set.gauge(&schema::ANNOUNCEMENT_END, &[&id], end.timestamp() as f64);
        }
    }
    for s in statuses {
        set.gauge(
            &schema::SERVICE_STATUS,
            &[&s.service, s.status.as_str(), &s.source],
            1.0,
        );
    }
    for ((model, event), t) in lifecycle(state) {
        set.gauge(
            &schema::MODEL_LIFECYCLE,
            &[&model, event],
            t.timestamp() as f64,
        );
    }
    for (reason, bytes) in [
        ("torn", state.torn_bytes),
        ("unparseable", state.unparseable_bytes),
    ] {
        set.counter(&schema::ANNOUNCEMENT_STORE_DROPPED, &[reason], bytes as f64);
    }
    for (source, up) in sources {
        set.gauge(&schema::SOURCE_UP, &[source], if *up { 1.0 } else { 0.0 });
    }
    set.gauge(
        &schema::BUILD_INFO,
        &[env!("CARGO_PKG_VERSION"), "announcements", "real"],
        1.0,
    );
    exposition::render(&set)
}

/// Model lifecycle dates from new-model and deprecation announcements (not those expired by
/// hand, which are withdrawn); a later announcement about the same model and event wins.
pub fn lifecycle(state: &State) -> BTreeMap<(String, &'static str), DateTime<Utc>> {
    let mut out = BTreeMap::new();
    for a in state
        .announcements
        .values()
        .filter(|a| a.expired_at.is_none())
    {
        let events: Vec<(&'static str, Option<DateTime<Utc>>)> = match a.kind {
            Kind::NewModel => vec![("available", Some(a.effective_start()))],
            Kind::Deprecation => vec![
                ("deprecated", Some(a.effective_start())),
                ("retired", a.ends_at),
            ],
            _ => continue,
        };
        for model in &a.models {
            for (event, t) in &events {
                if let Some(t) = t {
                    out.insert((model.clone(), *event), *t);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{at, Draft, Priority};
    use crate::store::Event;

    #[test]
    fn active_upcoming_and_ended_announcements_and_lifecycle_dates() {
        let now = at("2026-11-25T12:00:00Z");
        let mut state = State::default();
        let drafts = [
            Draft {
                title: Some("<b>Outage</b> on gpu 3".into()),
                priority: Some(Priority::Critical),
                kind: Some(Kind::Maintenance),
                starts_at: Some(at("2026-11-25T11:00:00Z")),
                ends_at: Some(at("2026-11-25T13:00:00Z")),
                ..Draft::default()
            },
            Draft {
                title: Some("Llama 2 retires".into()),
                kind: Some(Kind::Deprecation),
                models: Some(vec!["llama-2-70b".into()]),
                starts_at: Some(at("2026-12-01T00:00:00Z")),
                ends_at: Some(at("2026-12-15T00:00:00Z")),
                ..Draft::default()
            },
            Draft {
                title: Some("Old".into()),
                ends_at: Some(at("2026-11-01T00:00:00Z")),
                starts_at: Some(at("2026-10-01T00:00:00Z")),
                ..Draft::default()
            },
        ];
        for (i, d) in drafts.into_iter().enumerate() {
            let a = d.create(i as u64 + 1, now, "ops").expect("valid");
            state.apply(Event::Put { announcement: a });
        }
        let text = render(&state, &[], now, &[("store", true)]);
        assert!(text.contains(
            "llm_monitor_announcement_active{id=\"1\",title=\"Outage on gpu 3\",kind=\"maintenance\",severity=\"critical\"} 1.0"
        ), "{text}");
        assert!(text.contains("llm_monitor_announcement_active{id=\"2\",title=\"Llama 2 retires\",kind=\"deprecation\",severity=\"info\"} 0.0"), "{text}");
        assert!(
            !text.contains("id=\"3\""),
            "ended announcements are not exported: {text}"
        );
        assert!(text.contains("llm_monitor_model_lifecycle_timestamp_seconds{model=\"llama-2-70b\",event=\"retired\"} 1797292800.0"), "{text}");
        assert!(
            text.contains("llm_monitor_exporter_source_up{source=\"store\"} 1.0"),
            "{text}"
        );
    }
}
