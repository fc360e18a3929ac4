//! Feeds for subscribers: JSON Feed 1.1 (serde), RSS 2.0 (the `rss` crate) and Atom
//! (RFC 4287, the `atom_syndication` crate). Items are the announcements not withdrawn,
//! newest first; the crates escape every text, bodies are the safe Markdown rendering.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use super::model::{rfc3339, Announcement};
use super::store::State;
use super::text::{escape_html, markdown_html, plain};

/// Most items in a feed.
pub const MAX_ITEMS: usize = 50;

const TITLE: &str = "LLM service announcements";

const DESCRIPTION: &str = "Maintenance, deprecations, new models and status of the LLM services";

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

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

/// RSS 2.0, written by the `rss` crate (which escapes text and puts the description in
/// CDATA).
pub fn rss(state: &State, base: &str, now: DateTime<Utc>) -> String {
    let items = items(state)
        .into_iter()
        .map(|a| rss::Item {
            title: Some(item_title(a)),
            link: Some(item_url(base, a)),
            guid: Some(rss::Guid {
                value: item_url(base, a),
                permalink: true,
            }),
            pub_date: Some(a.created_at.to_rfc2822()),
            categories: [a.kind.as_str(), a.priority.as_str()]
                .into_iter()
                .map(|name| rss::Category {
                    name: name.to_owned(),
                    domain: None,
                })
                .collect(),
            description: Some(item_html(a)),
            ..Default::default()
        })
        .collect();
    let channel = rss::Channel {
        title: TITLE.to_owned(),
        link: format!("{base}/api/announcements"),
        description: DESCRIPTION.to_owned(),
        last_build_date: Some(updated(state, now).to_rfc2822()),
        namespaces: [("atom".to_owned(), ATOM_NS.to_owned())].into(),
        extensions: rss_self_link(&format!("{base}/feed.rss")),
        items,
        ..Default::default()
    };
    // Written into memory, which does not fail.
    channel.to_string()
}

/// `<atom:link rel="self">`, the feed's own address. A plain extension element rather than
/// the crate's `atom` feature, which would bring in its builders (derive_builder).
fn rss_self_link(href: &str) -> rss::extension::ExtensionMap {
    let link = rss::extension::Extension {
        name: "atom:link".to_owned(),
        attrs: [
            ("href", href),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        ..Default::default()
    };
    [("atom".to_owned(), [("link".to_owned(), vec![link])].into())].into()
}

/// A time as Atom writes it: RFC 3339, to the second as everywhere else in the feeds.
fn atom_time(t: DateTime<Utc>) -> atom_syndication::FixedDateTime {
    t.trunc_subsecs(0).fixed_offset()
}

fn atom_link(href: String, rel: &str) -> atom_syndication::Link {
    atom_syndication::Link {
        href,
        rel: rel.to_owned(),
        ..Default::default()
    }
}

fn atom_person(name: &str) -> atom_syndication::Person {
    atom_syndication::Person {
        name: name.to_owned(),
        ..Default::default()
    }
}

/// Atom (RFC 4287), written by the `atom_syndication` crate.
pub fn atom(state: &State, base: &str, now: DateTime<Utc>) -> String {
    let entries = items(state)
        .into_iter()
        .map(|a| atom_syndication::Entry {
            id: item_url(base, a),
            title: atom_syndication::Text::plain(item_title(a)),
            updated: atom_time(a.updated_at),
            published: Some(atom_time(a.created_at)),
            links: vec![atom_link(item_url(base, a), "alternate")],
            authors: vec![atom_person(&a.created_by)],
            categories: [a.kind.as_str(), a.priority.as_str()]
                .into_iter()
                .map(|term| atom_syndication::Category {
                    term: term.to_owned(),
                    ..Default::default()
                })
                .collect(),
            content: Some(atom_syndication::Content {
                content_type: Some("html".to_owned()),
                value: Some(item_html(a)),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let feed = atom_syndication::Feed {
        id: format!("{base}/feed.atom"),
        title: atom_syndication::Text::plain(TITLE),
        updated: atom_time(updated(state, now)),
        links: vec![
            atom_link(format!("{base}/feed.atom"), "self"),
            atom_link(format!("{base}/api/announcements"), "alternate"),
        ],
        authors: vec![atom_person("llmmon")],
        entries,
        ..Default::default()
    };
    // Written into memory, which does not fail.
    feed.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{at, Draft};

    const BASE: &str = "https://status.example.org";

    /// Two announcements whose titles and bodies hold markup, `&`, quotes and a CDATA end
    /// (`]]>`), created at times with milliseconds.
    fn state() -> State {
        let mut state = State::default();
        let drafts = [
            (
                r#"<script>alert("x")</script> Tom & Jerry's "quoted" title"#,
                "**b** <script>alert(1)</script> & ]]> [x](javascript:alert(1))",
                "2030-01-01T10:00:00.250Z",
            ),
            (
                "GPU 3 <b>driver</b> update & reboot",
                "Starts at 22:00 & ends ]]> soon",
                "2030-01-02T11:30:00.999Z",
            ),
        ];
        for (id, (title, body, created)) in (1..).zip(drafts) {
            let draft: Draft = serde_json::from_value(json!({
                "title": title,
                "body": body,
                "kind": "advisory",
                "priority": "warning",
            }))
            .expect("draft");
            let a = draft.create(id, at(created), "ops").expect("valid");
            state.announcements.insert(id, a);
        }
        state
    }

    /// The test state and its feed as `render` writes it, which holds no live markup.
    fn written(render: fn(&State, &str, DateTime<Utc>) -> String) -> (State, String) {
        let state = state();
        let raw = render(&state, BASE, at("2030-01-03T00:00:00Z"));
        assert!(!raw.contains("<script") && !raw.contains("<b>"), "{raw}");
        (state, raw)
    }

    #[test]
    fn rss_reads_back_with_the_rss_crate_with_every_title_link_date_and_body() {
        let (state, raw) = written(rss);
        let channel: rss::Channel = raw.parse().expect("RSS reads back");
        assert_eq!(channel.title, TITLE);
        assert_eq!(channel.link, format!("{BASE}/api/announcements"));
        let listed = items(&state);
        assert_eq!(channel.items.len(), listed.len());
        for (item, a) in channel.items.iter().zip(listed) {
            assert_eq!(item.title.as_deref(), Some(item_title(a).as_str()));
            assert_eq!(item.link.as_deref(), Some(item_url(BASE, a).as_str()));
            let date = item.pub_date.as_deref().expect("pubDate");
            let date = DateTime::parse_from_rfc2822(date).expect("RFC 2822");
            assert_eq!(date, a.created_at.trunc_subsecs(0));
            // The description (CDATA) reads back as the HTML written.
            assert_eq!(item.description.as_deref(), Some(item_html(a).as_str()));
        }
    }

    #[test]
    fn atom_reads_back_with_the_atom_crate_with_every_title_link_date_and_body() {
        let (state, raw) = written(atom);
        let feed: atom_syndication::Feed = raw.parse().expect("Atom reads back");
        assert_eq!(feed.title.value, TITLE);
        assert_eq!(feed.id, format!("{BASE}/feed.atom"));
        let listed = items(&state);
        assert_eq!(feed.entries.len(), listed.len());
        for (entry, a) in feed.entries.iter().zip(listed) {
            assert_eq!(entry.title.value, item_title(a));
            assert_eq!(entry.id, item_url(BASE, a));
            let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
            assert_eq!(links, [item_url(BASE, a)]);
            assert_eq!(entry.published, Some(a.created_at.trunc_subsecs(0).into()));
            assert_eq!(entry.updated, a.updated_at.trunc_subsecs(0));
            let content = entry.content.as_ref().and_then(|c| c.value.as_deref());
            assert_eq!(content, Some(item_html(a).as_str()));
        }
    }

    #[test]
    fn atom_dates_are_rfc_3339_to_the_second() {
        let (_, raw) = written(atom);
        assert!(
            raw.contains("<published>2030-01-01T10:00:00+00:00</published>"),
            "{raw}"
        );
    }
}
