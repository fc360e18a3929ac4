//! "Current status" and "Services": the overall state, then each service's state with its
//! note and a 90-day uptime bar (or a plain "no history").

use maud::{html, Markup};

use super::data::{Overall, ServiceRow};
use super::fmt::percent;
use crate::model::Health;
use crate::uptime::{History, Uptime};

/// The overall state as a headline.
pub fn overall(o: Overall) -> Markup {
    html! {
        section.overall aria-labelledby="current-status" data-state=(o.as_str()) {
            h2 #current-status { "Current status" }
            p.headline.(state_class(o.as_str())) { (o.headline()) }
        }
    }
}

/// Each service, or a note that none has a status yet.
pub fn services(rows: &[ServiceRow], uptime: &Uptime) -> Markup {
    html! {
        section aria-labelledby="services" {
            h2 #services { "Services" }
            (history_note(uptime))
            @if rows.is_empty() {
                p { "No service has a published status yet." }
            } @else {
                ul.services {
                    @for r in rows { (service(r, uptime)) }
                }
            }
        }
    }
}

/// What the bars below stand for, or why there are none.
fn history_note(uptime: &Uptime) -> Markup {
    html! {
        @match uptime {
            Uptime::Known(_) => p.hint {
                "Bars: the share of each of the last 90 days (UTC) each service was operational, oldest on the left."
            },
            Uptime::NotConfigured => p.hint.no-history {
                "No history: this server keeps no uptime history for this page."
            },
            Uptime::Unavailable => p.hint.no-history {
                "No history: the uptime history cannot be read right now."
            },
        }
    }
}

fn service(r: &ServiceRow, uptime: &Uptime) -> Markup {
    html! {
        li.service data-service=(r.name) data-state=(r.health.as_str()) {
            div.service-head {
                span.name { (r.name) }
                span.badge.(state_class(r.health.as_str())) { (health_word(r.health)) }
            }
            // A derived status's note says how it was derived: for maintainers, not users.
            @if !r.note.is_empty() && r.source != "derived" {
                p.note { (r.note) }
            }
            @if let Uptime::Known(h) = uptime {
                (bar(&r.name, h))
            }
        }
    }
}

/// The 90-day bar of `name`: one cell per day, each with its date and share as a tooltip,
/// and the whole as one image description for screen readers.
fn bar(name: &str, h: &History) -> Markup {
    let Some(days) = h.services.get(name) else {
        return html! { p.no-history { "No history for this service." } };
    };
    let known: Vec<f64> = days.iter().flatten().copied().collect();
    let summary = if known.is_empty() {
        "no history".to_owned()
    } else {
        format!(
            "{} operational",
            percent(known.iter().sum::<f64>() / known.len() as f64)
        )
    };
    html! {
        div.uptime {
            div.bar role="img" aria-label=(format!("{name}: {summary} over the last 90 days")) {
                @for (day, v) in h.days().zip(days) {
                    span.day.(day_class(*v)) title=(day_title(day, *v)) {}
                }
            }
            p.bar-legend aria-hidden="true" {
                span { "90 days ago" } span { (summary) } span { "today" }
            }
        }
    }
}

fn day_title(day: chrono::NaiveDate, v: Option<f64>) -> String {
    match v {
        Some(v) => format!("{day}: {} operational", percent(v)),
        None => format!("{day}: no data"),
    }
}

fn day_class(v: Option<f64>) -> &'static str {
    match v {
        None => "none",
        Some(v) if v >= 0.999 => "full",
        Some(v) if v >= 0.95 => "most",
        Some(_) => "poor",
    }
}

/// The word a person reads for a state.
pub fn health_word(h: Health) -> &'static str {
    match h {
        Health::Operational => "Operational",
        Health::Degraded => "Degraded",
        Health::Down => "Down",
        Health::Maintenance => "Maintenance",
    }
}

/// The CSS class that colours a state word.
pub fn state_class(word: &str) -> &'static str {
    match word {
        "operational" | "up" => "st-ok",
        "degraded" | "loading" => "st-warn",
        "down" => "st-bad",
        "maintenance" | "coming" => "st-info",
        _ => "st-none",
    }
}
