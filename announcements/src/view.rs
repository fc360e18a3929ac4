//! The HTTP API's JSON as one set of types: what the service serialises and what clients
//! (the CLI, the TUI) read back, instead of indexing loose JSON on either side.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Announcement, Phase, ServiceStatus};
use crate::text::markdown_html;

/// An announcement as the API shows it: its stored fields, its phase at the time of the
/// answer, and the body as safe HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementView {
    #[serde(flatten)]
    pub announcement: Announcement,
    pub phase: Phase,
    pub body_html: String,
}

impl AnnouncementView {
    /// `a` as seen at `now`.
    pub fn new(a: &Announcement, now: DateTime<Utc>) -> Self {
        Self {
            announcement: a.clone(),
            phase: a.phase(now),
            body_html: markdown_html(&a.body),
        }
    }
}

/// `GET /api/announcements`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnouncementList {
    pub announcements: Vec<AnnouncementView>,
}

/// `GET /api/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusList {
    pub services: Vec<ServiceStatus>,
}

/// A time as the API writes it (chrono's serde form: RFC 3339, `Z`, fractions if any).
pub fn api_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{at, Draft, Priority};

    fn announcement() -> Announcement {
        let draft: Draft = serde_json::from_value(serde_json::json!({
            "title": "Maintenance",
            "body": "**now** <b>x</b>",
            "kind": "maintenance",
            "priority": "critical",
            "starts_at": "2030-01-01T00:00:00Z",
        }))
        .expect("draft");
        draft
            .create(7, at("2029-12-31T12:00:00.250Z"), "api")
            .expect("valid")
    }

    #[test]
    fn a_view_serialises_as_the_announcement_plus_phase_and_body_html() {
        let a = announcement();
        let view = AnnouncementView::new(&a, at("2029-12-31T13:00:00Z"));
        let mut old = serde_json::to_value(&a).expect("value");
        old["phase"] = serde_json::json!("upcoming");
        old["body_html"] = serde_json::json!(markdown_html(&a.body));
        assert_eq!(serde_json::to_value(&view).expect("value"), old);
        assert_eq!(view.announcement.priority, Priority::Critical);
    }

    #[test]
    fn a_view_reads_back_what_it_wrote() {
        let view = AnnouncementView::new(&announcement(), at("2030-01-02T00:00:00Z"));
        let list = AnnouncementList {
            announcements: vec![view],
        };
        let text = serde_json::to_string(&list).expect("json");
        let back: AnnouncementList = serde_json::from_str(&text).expect("parse");
        assert_eq!(back, list);
    }

    #[test]
    fn api_time_is_what_serde_writes() {
        let t = at("2029-12-31T12:00:00.250Z");
        assert_eq!(
            serde_json::to_value(t).expect("value"),
            serde_json::json!(api_time(t))
        );
    }
}
