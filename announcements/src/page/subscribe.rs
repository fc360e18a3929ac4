//! "Subscribe": the feeds (also in the head as `<link rel="alternate">`), the JSON API for
//! scripts, and how webhooks work. Subscriber URLs are never shown: they may carry secrets.

use maud::{html, Markup};

use super::Links;

pub fn subscribe(links: &Links) -> Markup {
    html! {
        section aria-labelledby="subscribe" {
            h2 #subscribe { "Subscribe" }
            p { "Maintenance windows, deprecations, new models and changes, in your feed reader:" }
            ul.feeds {
                li { a href=(links.href("/feed.json")) type="application/feed+json" { "JSON Feed" } }
                li { a href=(links.href("/feed.rss")) type="application/rss+xml" { "RSS" } }
                li { a href=(links.href("/feed.atom")) type="application/atom+xml" { "Atom" } }
            }
            p {
                "For scripts: "
                a href=(links.href("/api/announcements")) { code { "/api/announcements" } }
                " (current announcements) and "
                a href=(links.href("/api/status")) { code { "/api/status" } }
                " (each service's status), as JSON."
            }
            p {
                "Webhooks: the server's maintainers can register a URL ("
                code { "POST " (links.absolute("/api/subscriptions")) }
                " with " code { "{\"url\": \"https://…\"}" }
                "); every publication is then sent to it as JSON ("
                code { "\"event\": \"announcement.published\"" } ")."
            }
        }
    }
}
