//! The announcements on the page: critical ones as a banner, the maintenance timeline,
//! deprecations and retirements, recent changes, and the page of one announcement with its
//! body (the safe Markdown rendering of `text`, the only markup not escaped here).

use chrono::{DateTime, Utc};
use maud::{html, Markup, PreEscaped};

use super::fmt::{date, time};
use super::Links;
use crate::model::{Announcement, Kind, Phase};
use crate::text::markdown_html;

/// Critical announcements in force or upcoming, as one alert region.
pub fn banner(items: &[&Announcement], now: DateTime<Utc>, links: &Links) -> Markup {
    html! {
        @if !items.is_empty() {
            section.banner role="alert" aria-labelledby="banner" {
                h2 #banner { "Important" }
                ul {
                    @for a in items {
                        li data-announcement=(a.id) {
                            a href=(link(links, a)) { (a.title) }
                            " — " (when(a, now))
                        }
                    }
                }
            }
        }
    }
}

/// Maintenance in force, then upcoming, soonest first.
pub fn maintenance(items: &[&Announcement], now: DateTime<Utc>, links: &Links) -> Markup {
    html! {
        section aria-labelledby="maintenance" {
            h2 #maintenance { "Maintenance" }
            @if items.is_empty() {
                p { "No maintenance is planned." }
            } @else {
                ol.timeline {
                    @for a in items {
                        li data-announcement=(a.id) data-phase=(phase_word(a.phase(now))) {
                            p.when { (when(a, now)) }
                            p { a href=(link(links, a)) { (a.title) } }
                            (affects(a))
                        }
                    }
                }
            }
        }
    }
}

/// Deprecations with their dates and replacements, retirements lately passed included.
pub fn deprecations(items: &[&Announcement], now: DateTime<Utc>, links: &Links) -> Markup {
    html! {
        section aria-labelledby="deprecations" {
            h2 #deprecations { "Deprecations and retirements" }
            @if items.is_empty() {
                p { "No model is being retired." }
            } @else {
                ul.deprecations {
                    @for a in items {
                        li data-announcement=(a.id) {
                            p { a href=(link(links, a)) { (a.title) } }
                            p.facts {
                                (models(&a.models))
                                " · deprecated from " (date(a.effective_start()))
                                @if let Some(end) = a.ends_at {
                                    @if end <= now { " · retired on " } @else { " · retires on " }
                                    (date(end))
                                }
                                @if let Some(r) = &a.replacement {
                                    " · use " code { (r) } " instead"
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The latest announcements of any kind, newest first.
pub fn recent(items: &[&Announcement], links: &Links) -> Markup {
    html! {
        section aria-labelledby="recent" {
            h2 #recent { "Recent changes" }
            @if items.is_empty() {
                p { "Nothing has been announced yet." }
            } @else {
                ul.recent {
                    @for a in items {
                        li data-announcement=(a.id) {
                            (date(a.created_at)) " "
                            span.kind { (kind_word(a.kind)) } " "
                            a href=(link(links, a)) { (a.title) }
                        }
                    }
                }
            }
        }
    }
}

/// The page of one announcement.
pub fn one(a: &Announcement, now: DateTime<Utc>, links: &Links) -> Markup {
    html! {
        article.announcement data-announcement=(a.id) {
            h1 { (a.title) }
            p.facts {
                span.kind { (kind_word(a.kind)) } " · " (a.priority.as_str()) " · " (when(a, now))
            }
            @if let Some(t) = a.expired_at {
                p.withdrawn { "Withdrawn on " (time(t)) "." }
            }
            (affects(a))
            @if let Some(r) = &a.replacement {
                p { "Use " code { (r) } " instead." }
            }
            div.body { (PreEscaped(markdown_html(&a.body))) }
            p { a href=(links.href("/")) { "Back to the status page" } }
        }
    }
}

/// The services and models an announcement names.
fn affects(a: &Announcement) -> Markup {
    html! {
        @if !a.services.is_empty() || !a.models.is_empty() {
            p.affects {
                @if !a.services.is_empty() {
                    "Services: " (a.services.join(", "))
                }
                @if !a.services.is_empty() && !a.models.is_empty() { " · " }
                @if !a.models.is_empty() { (models(&a.models)) }
            }
        }
    }
}

fn models(m: &[String]) -> Markup {
    html! {
        "Models: "
        @for (i, id) in m.iter().enumerate() {
            @if i > 0 { ", " }
            code { (id) }
        }
    }
}

/// Where it stands: in progress until …, from … to …, ended.
fn when(a: &Announcement, now: DateTime<Utc>) -> Markup {
    let start = a.effective_start();
    html! {
        @match (a.phase(now), a.ends_at) {
            (Phase::Active, Some(end)) => { "in progress until " (time(end)) },
            (Phase::Active, None) => { "since " (time(start)) },
            (Phase::Upcoming, Some(end)) => { "from " (time(start)) " to " (time(end)) },
            (Phase::Upcoming, None) => { "from " (time(start)) },
            (Phase::Ended, Some(end)) => { "ended " (time(end)) },
            (Phase::Ended, None) => { "ended" },
        }
    }
}

fn link(links: &Links, a: &Announcement) -> String {
    links.href(&format!("/announcements/{}", a.id))
}

fn phase_word(p: Phase) -> &'static str {
    match p {
        Phase::Upcoming => "upcoming",
        Phase::Active => "active",
        Phase::Ended => "ended",
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Maintenance => "Maintenance",
        Kind::Deprecation => "Deprecation",
        Kind::NewModel => "New model",
        Kind::EndpointChange => "Endpoint change",
        Kind::Advisory => "Advisory",
        Kind::Changelog => "Change",
        Kind::MigrationGuide => "Migration guide",
    }
}
