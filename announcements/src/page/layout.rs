//! The document around every page: language, title, viewport, the stylesheet, the feeds
//! as `<link rel="alternate">`, a skip link, the header and the footer. No script.

use maud::{html, Markup, DOCTYPE};

use super::Links;

/// The site's name: page titles and the header.
pub const SITE: &str = "LLM service status";

/// `body` as a whole HTML document titled `title` (the page's own part first).
pub fn document(title: &str, links: &Links, body: Markup) -> Markup {
    let full = if title == SITE {
        SITE.to_owned()
    } else {
        format!("{title} — {SITE}")
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (full) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(links.href(super::CSS_PATH));
                link rel="alternate" type="application/feed+json"
                    title="Announcements (JSON Feed)" href=(links.absolute("/feed.json"));
                link rel="alternate" type="application/rss+xml"
                    title="Announcements (RSS)" href=(links.absolute("/feed.rss"));
                link rel="alternate" type="application/atom+xml"
                    title="Announcements (Atom)" href=(links.absolute("/feed.atom"));
            }
            body {
                a.skip href="#main" { "Skip to content" }
                // The home page's own heading is the site's name: no header above it.
                @if title != SITE {
                    header.site {
                        p.site-name { a href=(links.href("/")) { (SITE) } }
                    }
                }
                main #main { (body) }
                footer.site {
                    p {
                        "Times are UTC. "
                        a href=(links.href("/#subscribe")) { "Subscribe to announcements" }
                        " · "
                        a href=(links.href("/api/status")) { "Status as JSON" }
                    }
                }
            }
        }
    }
}
