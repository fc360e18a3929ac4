//! Text output of `llmmon announce`: tables of announcements and statuses. Titles come back
//! as plain text (tags removed) so nothing from the API can drive the terminal.

use chrono::{DateTime, Utc};
use llmmon_announcements::model::ServiceStatus;
use llmmon_announcements::text::plain;
use llmmon_announcements::view::{api_time, AnnouncementView};
use serde::Serialize;

pub fn title(v: &AnnouncementView) -> String {
    plain(&v.announcement.title)
}

/// `v` as the API wrote it, pretty-printed (keys in the API's order, through JSON values).
pub fn json(v: &impl Serialize) -> String {
    serde_json::to_value(v)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_default()
        + "\n"
}

fn window(v: &AnnouncementView) -> String {
    let short = |t: Option<DateTime<Utc>>| {
        t.map(|t| api_time(t).replace(":00Z", "Z").replace('T', " "))
            .unwrap_or_default()
    };
    let (starts, ends) = (v.announcement.starts_at, v.announcement.ends_at);
    match (short(starts), short(ends)) {
        (s, e) if s.is_empty() && e.is_empty() => String::new(),
        (s, e) if e.is_empty() => format!("from {s}"),
        (s, e) if s.is_empty() => format!("until {e}"),
        (s, e) => format!("{s} → {e}"),
    }
}

/// A word of the API (priority, kind, phase, health) as it is on the wire.
fn word(v: &impl Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn list(rows: &[AnnouncementView]) -> String {
    if rows.is_empty() {
        return "no announcements\n".into();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(["ID", "PRIORITY", "KIND", "PHASE", "WHEN", "TITLE"]);
    for a in rows {
        table.add_row([
            a.announcement.id.to_string(),
            word(&a.announcement.priority),
            word(&a.announcement.kind),
            word(&a.phase),
            window(a),
            title(a),
        ]);
    }
    format!("{table}\n")
}

pub fn one(v: &AnnouncementView) -> String {
    let a = &v.announcement;
    let mut out = format!(
        "#{} [{} {}] {}\n",
        a.id,
        word(&a.priority),
        word(&a.kind),
        title(v)
    );
    for (label, value) in [
        ("phase", word(&v.phase)),
        ("when", window(v)),
        ("services", a.services.join(", ")),
        ("models", a.models.join(", ")),
        ("by", plain(&a.created_by)),
    ] {
        if !value.is_empty() {
            out.push_str(&format!("{label:>9}: {value}\n"));
        }
    }
    if !a.body.is_empty() {
        out.push('\n');
        let body: Vec<String> = a.body.lines().map(plain).collect();
        out.push_str(&body.join("\n"));
        out.push('\n');
    }
    out
}

pub fn statuses(rows: &[ServiceStatus]) -> String {
    if rows.is_empty() {
        return "no service status known\n".into();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(["SERVICE", "STATUS", "SOURCE", "NOTE"]);
    for r in rows {
        table.add_row([
            plain(&r.service),
            word(&r.status),
            r.source.clone(),
            plain(&r.note),
        ]);
    }
    format!("{table}\n")
}
