//! Feeds for subscribers: JSON Feed 1.1, RSS 2.0 and Atom (RFC 4287). Items are the
//! announcements not withdrawn, newest first; every text is escaped, bodies are the safe
//! Markdown rendering.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::model::{rfc3339, Announcement};
use super::store::State;
use super::text::{escape_html, markdown_html, plain};

/// Most items in a feed.
pub const MAX_ITEMS: usize = 50;

const TITLE: &str = "LLM service announcements";

/// Announcements a feed lists: not withdrawn by hand, newest first.
fn items(state: &State) -> Vec<&Announcement> {
    let mut v: Vec<&Announcement> = state
        .announcements
        .values()
        .filter(|a| a.expired_at.is_none())
        .collect();
    v.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    v.truncate(MAX_ITEMS);
    v
}

fn item_url(base: &str, a: &Announcement) -> String {
    format!("{base}/api/announcements/{}", a.id)
}

/// Readers often treat titles as HTML: they get plain text.
fn item_title(a: &Announcement) -> String {
    format!("[{}] {}", a.priority, plain(&a.title))
}

/// HTML of an item: the body plus when, what and whom it concerns.
fn item_html(a: &Announcement) -> String {
    let mut html = markdown_html(&a.body);
    let mut facts = vec![format!("Kind: {}", a.kind)];
    if let Some(s) = a.starts_at {
        facts.push(format!("Starts: {}", rfc3339(s)));
    }
    if let Some(e) = a.ends_at {
        facts.push(format!("Ends: {}", rfc3339(e)));
    }
    if !a.services.is_empty() {
        facts.push(format!("Services: {}", a.services.join(", ")));
    }
    if !a.models.is_empty() {
        facts.push(format!("Models: {}", a.models.join(", ")));
    }
    html.push_str("<p>");
    html.push_str(
        &facts
            .iter()
            .map(|f| escape_html(f))
            .collect::<Vec<_>>()
            .join("<br>"),
    );
    html.push_str("</p>");
    html
}

fn updated(state: &State, now: DateTime<Utc>) -> DateTime<Utc> {
    items(state)
        .iter()
        .map(|a| a.updated_at)
        .max()
        .unwrap_or(now)
}

/// The three feed formats served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Rss,
    Atom,
}

impl Format {
    /// Where each is served.
    pub const PATHS: [(&'static str, Format); 3] = [
        ("/feed.json", Format::Json),
        ("/feed.rss", Format::Rss),
        ("/feed.atom", Format::Atom),
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/feed+json",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
        }
    }

    /// The feed of `state` in this format (JSON with `<`, `>`, `&` escaped).
    pub fn render(self, state: &State, base: &str, now: DateTime<Utc>) -> String {
        match self {
            Format::Json => super::text::json_safe(json_feed(state, base).to_string()),
            Format::Rss => rss(state, base, now),
            Format::Atom => atom(state, base, now),
        }
    }
}

/// JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
pub fn json_feed(state: &State, base: &str) -> serde_json::Value {
    let items: Vec<serde_json::Value> = items(state)
        .into_iter()
        .map(|a| {
            json!({
                "id": item_url(base, a),
                "url": item_url(base, a),
                "title": item_title(a),
                "content_html": item_html(a),
                "content_text": plain(&a.body),
                "date_published": rfc3339(a.created_at),
                "date_modified": rfc3339(a.updated_at),
                "tags": [a.kind.as_str(), a.priority.as_str()],
                "authors": [{"name": a.created_by}],
            })
        })
        .collect();
    json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": TITLE,
        "home_page_url": format!("{base}/api/announcements"),
        "feed_url": format!("{base}/feed.json"),
        "items": items,
    })
}

/// RSS 2.0.
pub fn rss(state: &State, base: &str, now: DateTime<Utc>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel>");
    out.push_str(&format!(
        "<title>{}</title><link>{}</link><description>{}</description>\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\
         <lastBuildDate>{}</lastBuildDate>",
        escape_html(TITLE),
        escape_html(&format!("{base}/api/announcements")),
        escape_html("Maintenance, deprecations, new models and status of the LLM services"),
        escape_html(&format!("{base}/feed.rss")),
        updated(state, now).to_rfc2822(),
    ));
    for a in items(state) {
        out.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid isPermaLink=\"true\">{}</guid>\
             <pubDate>{}</pubDate><category>{}</category><category>{}</category>\
             <description>{}</description></item>",
            escape_html(&item_title(a)),
            escape_html(&item_url(base, a)),
            escape_html(&item_url(base, a)),
            a.created_at.to_rfc2822(),
            a.kind,
            a.priority,
            escape_html(&item_html(a)),
        ));
    }
    out.push_str("</channel></rss>\n");
    out
}

/// Atom (RFC 4287).
pub fn atom(state: &State, base: &str, now: DateTime<Utc>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">");
    out.push_str(&format!(
        "<id>{}</id><title>{}</title><updated>{}</updated>\
         <link rel=\"self\" href=\"{}\"/><link rel=\"alternate\" href=\"{}\"/>\
         <author><name>llmmon</name></author>",
        escape_html(&format!("{base}/feed.atom")),
        escape_html(TITLE),
        rfc3339(updated(state, now)),
        escape_html(&format!("{base}/feed.atom")),
        escape_html(&format!("{base}/api/announcements")),
    ));
    for a in items(state) {
        out.push_str(&format!(
            "<entry><id>{}</id><title>{}</title><updated>{}</updated><published>{}</published>\
             <link href=\"{}\"/><author><name>{}</name></author>\
             <category term=\"{}\"/><category term=\"{}\"/>\
             <content type=\"html\">{}</content></entry>",
            escape_html(&item_url(base, a)),
            escape_html(&item_title(a)),
            rfc3339(a.updated_at),
            rfc3339(a.created_at),
            escape_html(&item_url(base, a)),
            escape_html(&a.created_by),
            a.kind,
            a.priority,
            escape_html(&item_html(a)),
        ));
    }
    out.push_str("</feed>\n");
    out
}
