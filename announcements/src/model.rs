//! What an announcement is, what a service status is, and how API input is validated.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use llmmon_core::label::UnknownName;
use serde::{Deserialize, Serialize};

/// How urgent an announcement is (the `severity` label of its metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Critical,
    Warning,
    Info,
}

/// What an announcement is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Maintenance,
    Deprecation,
    NewModel,
    EndpointChange,
    /// Performance advisory.
    Advisory,
    Changelog,
    MigrationGuide,
}

/// Published status of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Operational,
    Degraded,
    Down,
    /// Set by hand (never derived): planned work, the service may not answer.
    Maintenance,
}

macro_rules! words {
    ($ty:ident $what:literal { $($variant:ident = $word:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),* }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = UnknownName;

            fn from_str(s: &str) -> Result<Self, UnknownName> {
                let s = s.trim().to_ascii_lowercase().replace('-', "_");
                $ty::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    UnknownName::new($what, &s, $ty::ALL.iter().map(|v| v.as_str()))
                })
            }
        }
    };
}

words!(Priority "priority" { Critical = "critical", Warning = "warning", Info = "info" });
words!(Kind "kind" {
    Maintenance = "maintenance",
    Deprecation = "deprecation",
    NewModel = "new_model",
    EndpointChange = "endpoint_change",
    Advisory = "advisory",
    Changelog = "changelog",
    MigrationGuide = "migration_guide",
});
words!(Health "health" {
    Operational = "operational",
    Degraded = "degraded",
    Down = "down",
    Maintenance = "maintenance",
});

/// One announcement as stored and served.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Announcement {
    pub id: u64,
    pub title: String,
    /// Plain text or limited Markdown (see `text`); never served as raw HTML.
    pub body: String,
    pub priority: Priority,
    pub kind: Kind,
    pub services: Vec<String>,
    pub models: Vec<String>,
    /// The model to use instead (deprecations); records written before it existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when expired by hand before its end.
    pub expired_at: Option<DateTime<Utc>>,
}

/// Where an announcement stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    Active,
    Ended,
}

impl Announcement {
    /// Ended once expired by hand or past `ends_at`; upcoming before `starts_at`.
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        let end = match (self.expired_at, self.ends_at) {
            (Some(x), Some(e)) => Some(x.min(e)),
            (x, e) => x.or(e),
        };
        if end.is_some_and(|e| e <= now) {
            Phase::Ended
        } else if self.starts_at.is_some_and(|s| s > now) {
            Phase::Upcoming
        } else {
            Phase::Active
        }
    }

    /// When it took or takes effect: its start, else its creation.
    pub fn effective_start(&self) -> DateTime<Utc> {
        self.starts_at.unwrap_or(self.created_at)
    }
}

/// A service's published status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceStatus {
    pub service: String,
    pub status: Health,
    pub note: String,
    /// `manual` (set through the API) or `derived` (from Prometheus).
    pub source: String,
    pub updated_at: DateTime<Utc>,
}

/// API input for create (every required field) and update (only the fields given).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    pub title: Option<String>,
    pub body: Option<String>,
    pub priority: Option<Priority>,
    pub kind: Option<Kind>,
    pub services: Option<Vec<String>>,
    pub models: Option<Vec<String>>,
    /// The model to use instead; an empty string removes it.
    pub replacement: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
}

/// One problem with API input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 20_000;
pub const MAX_NAMES: usize = 50;

/// Whether `s` can name a service or model (`[A-Za-z0-9._:/@-]`, 1 to 200 characters).
pub fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._:/@-".contains(c))
}

fn check_text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    v: &str,
    max: usize,
    multiline: bool,
) {
    if v.chars().count() > max {
        errors.push(FieldError {
            field,
            message: format!("at most {max} characters"),
        });
    }
    if v.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        errors.push(FieldError {
            field,
            message: "control characters are not allowed".into(),
        });
    }
}

impl Draft {
    /// A new announcement from this draft (create), or every problem with it.
    pub fn create(
        self,
        id: u64,
        now: DateTime<Utc>,
        by: &str,
    ) -> Result<Announcement, Vec<FieldError>> {
        let a = Announcement {
            id,
            title: self.title.clone().unwrap_or_default(),
            body: String::new(),
            priority: Priority::Info,
            kind: Kind::Changelog,
            services: Vec::new(),
            models: Vec::new(),
            replacement: None,
            starts_at: None,
            ends_at: None,
            created_by: by.to_owned(),
            created_at: now,
            updated_at: now,
            expired_at: None,
        };
        let mut errors = Vec::new();
        if self.title.is_none() {
            errors.push(FieldError {
                field: "title",
                message: "required".into(),
            });
        }
        match self.apply_to(a, now) {
            Ok(a) if errors.is_empty() => Ok(a),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// `current` with the fields of this draft applied (update), or every problem.
    pub fn apply_to(
        self,
        mut a: Announcement,
        now: DateTime<Utc>,
    ) -> Result<Announcement, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(t) = self.title {
            let t = t.trim().to_owned();
            if t.is_empty() {
                errors.push(FieldError {
                    field: "title",
                    message: "must not be empty".into(),
                });
            }
            check_text(&mut errors, "title", &t, MAX_TITLE, false);
            a.title = t;
        }
        if let Some(b) = self.body {
            check_text(&mut errors, "body", &b, MAX_BODY, true);
            a.body = b;
        }
        if let Some(p) = self.priority {
            a.priority = p;
        }
        if let Some(k) = self.kind {
            a.kind = k;
        }
        for (field, given, slot) in [
            ("services", self.services, &mut a.services),
            ("models", self.models, &mut a.models),
        ] {
            let Some(names) = given else { continue };
            if names.len() > MAX_NAMES {
                errors.push(FieldError {
                    field,
                    message: format!("at most {MAX_NAMES} names"),
                });
            }
            if let Some(bad) = names.iter().find(|n| !valid_name(n)) {
                errors.push(FieldError {
                    field,
                    message: format!(
                        "'{}' is not a name (letters, digits and ._:/@- only)",
                        crate::text::plain(bad)
                    ),
                });
            }
            let mut names = names;
            names.sort();
            names.dedup();
            *slot = names;
        }
        if let Some(r) = self.replacement {
            let r = r.trim();
            if !r.is_empty() && !valid_name(r) {
                errors.push(FieldError {
                    field: "replacement",
                    message: format!(
                        "'{}' is not a name (letters, digits and ._:/@- only)",
                        crate::text::plain(r)
                    ),
                });
            }
            a.replacement = (!r.is_empty()).then(|| r.to_owned());
        }
        if let Some(s) = self.starts_at {
            a.starts_at = Some(s);
        }
        if let Some(e) = self.ends_at {
            a.ends_at = Some(e);
        }
        if let Some(by) = self.created_by {
            check_text(&mut errors, "created_by", &by, 100, false);
            if !by.trim().is_empty() {
                a.created_by = by.trim().to_owned();
            }
        }
        if let (Some(s), Some(e)) = (a.starts_at, a.ends_at) {
            if e <= s {
                errors.push(FieldError {
                    field: "ends_at",
                    message: "must be after starts_at".into(),
                });
            }
        }
        if a.kind == Kind::Maintenance && a.starts_at.is_none() {
            errors.push(FieldError {
                field: "starts_at",
                message: "a maintenance announcement needs a start".into(),
            });
        }
        a.updated_at = now;
        if errors.is_empty() {
            Ok(a)
        } else {
            Err(errors)
        }
    }
}

/// RFC 3339 in UTC, to the second (feeds, CLI).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A UTC time from RFC 3339 (tests).
#[cfg(test)]
pub(crate) fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_leniently_and_list_the_choices_when_wrong() {
        assert_eq!("new-model".parse::<Kind>(), Ok(Kind::NewModel));
        assert_eq!(" Critical".parse::<Priority>(), Ok(Priority::Critical));
        let err = "urgent".parse::<Priority>().expect_err("bad").to_string();
        assert_eq!(
            err,
            "unknown priority 'urgent' (expected one of: critical, warning, info)"
        );
    }

    #[test]
    fn a_draft_lists_every_problem() {
        let d = Draft {
            title: Some("  ".into()),
            models: Some(vec!["llama 3".into()]),
            kind: Some(Kind::Maintenance),
            starts_at: Some(at("2026-12-01T10:00:00Z")),
            ends_at: Some(at("2026-12-01T09:00:00Z")),
            ..Draft::default()
        };
        let errs = d
            .create(1, at("2026-11-25T00:00:00Z"), "ops")
            .expect_err("invalid");
        let fields: Vec<&str> = errs.iter().map(|e| e.field).collect();
        assert!(fields.contains(&"title"), "{errs:?}");
        assert!(fields.contains(&"models"), "{errs:?}");
        assert!(fields.contains(&"ends_at"), "{errs:?}");
    }

    #[test]
    fn a_replacement_must_be_a_name_and_an_empty_one_removes_it() {
        let now = at("2026-11-25T00:00:00Z");
        let d = |r: &str| Draft {
            title: Some("Old model goes".into()),
            kind: Some(Kind::Deprecation),
            replacement: Some(r.into()),
            ..Draft::default()
        };
        let a = d(" qwen3-32b ").create(1, now, "ops").expect("valid");
        assert_eq!(a.replacement.as_deref(), Some("qwen3-32b"));
        let errs = d("<b>x</b>").create(2, now, "ops").expect_err("not a name");
        assert_eq!(errs[0].field, "replacement");
        assert!(!errs[0].message.contains('<'), "{errs:?}");
        let cleared = d("").apply_to(a, now).expect("valid");
        assert_eq!(cleared.replacement, None);
        let old: Announcement = serde_json::from_value(serde_json::json!({
            "id": 1, "title": "t", "body": "", "priority": "info", "kind": "deprecation",
            "services": [], "models": [], "starts_at": null, "ends_at": null,
            "created_by": "ops", "created_at": "2026-11-25T00:00:00Z",
            "updated_at": "2026-11-25T00:00:00Z", "expired_at": null
        }))
        .expect("a record written before replacements existed still reads");
        assert_eq!(old.replacement, None);
    }

    #[test]
    fn phases_follow_start_end_and_expiry() {
        let now = at("2026-11-25T12:00:00Z");
        let mut a = Draft {
            title: Some("Upgrade".into()),
            kind: Some(Kind::Maintenance),
            starts_at: Some(at("2026-11-26T00:00:00Z")),
            ends_at: Some(at("2026-11-26T02:00:00Z")),
            ..Draft::default()
        }
        .create(1, now, "ops")
        .expect("valid");
        assert_eq!(a.phase(now), Phase::Upcoming);
        assert_eq!(a.phase(at("2026-11-26T01:00:00Z")), Phase::Active);
        assert_eq!(a.phase(at("2026-11-26T02:00:00Z")), Phase::Ended);
        a.expired_at = Some(now);
        assert_eq!(a.phase(now), Phase::Ended);
    }
}
