//! Text output of `llmmon announce`: tables of announcements and statuses. Titles come back
//! as plain text (tags removed) so nothing from the API can drive the terminal.

use llmmon_announcements::text::plain;
use serde_json::Value;

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

pub fn title(v: &Value) -> String {
    plain(s(v, "title"))
}

pub fn json(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

fn window(v: &Value) -> String {
    let short = |k: &str| s(v, k).replace(":00Z", "Z").replace('T', " ");
    match (s(v, "starts_at"), s(v, "ends_at")) {
        ("", "") => String::new(),
        (_, "") => format!("from {}", short("starts_at")),
        ("", _) => format!("until {}", short("ends_at")),
        _ => format!("{} → {}", short("starts_at"), short("ends_at")),
    }
}

pub fn list(items: &Value) -> String {
    let rows = items.as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return "no announcements\n".into();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(["ID", "PRIORITY", "KIND", "PHASE", "WHEN", "TITLE"]);
    for a in &rows {
        table.add_row([
            a["id"].to_string(),
            s(a, "priority").to_owned(),
            s(a, "kind").to_owned(),
            s(a, "phase").to_owned(),
            window(a),
            title(a),
        ]);
    }
    format!("{table}\n")
}

pub fn one(a: &Value) -> String {
    let names = |k: &str| {
        a[k].as_array()
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let mut out = format!(
        "#{} [{} {}] {}\n",
        a["id"],
        s(a, "priority"),
        s(a, "kind"),
        title(a)
    );
    for (label, value) in [
        ("phase", s(a, "phase").to_owned()),
        ("when", window(a)),
        ("services", names("services")),
        ("models", names("models")),
        ("by", plain(s(a, "created_by"))),
    ] {
        if !value.is_empty() {
            out.push_str(&format!("{label:>9}: {value}\n"));
        }
    }
    if !s(a, "body").is_empty() {
        out.push('\n');
        let body: Vec<String> = s(a, "body").lines().map(plain).collect();
        out.push_str(&body.join("\n"));
        out.push('\n');
    }
    out
}

pub fn statuses(list: &Value) -> String {
    let rows = list.as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        return "no service status known\n".into();
    }
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::NOTHING);
    table.set_header(["SERVICE", "STATUS", "SOURCE", "NOTE"]);
    for r in &rows {
        table.add_row([
            plain(s(r, "service")),
            s(r, "status").to_owned(),
            s(r, "source").to_owned(),
            plain(s(r, "note")),
        ]);
    }
    format!("{table}\n")
}
