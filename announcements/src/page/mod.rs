//! The public status page for end users: `GET /` (and `/status`) and one page per
//! announcement (`/announcements/{id}`), rendered on the server with maud (which escapes
//! every value), no script, links under the path of `LLMMON_ANNOUNCEMENTS_PUBLIC_URL` so it
//! works behind a reverse proxy with a prefix. Answers carry `ETag` / `Last-Modified` and
//! answer conditional requests with 304; a Content-Security-Policy forbids any script.
//!
//! One file per part: `data` works out what is shown, `layout` is the document, `services`,
//! `catalog`, `notices` and `subscribe` are the sections, `fmt` writes times.

mod catalog;
pub mod data;
mod fmt;
mod layout;
mod notices;
mod services;
mod subscribe;

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use maud::{html, Markup};

use self::data::Page;
use self::layout::{document, SITE};
use crate::uptime::Uptime;
use crate::App;

/// Where the stylesheet is served (under the prefix).
pub const CSS_PATH: &str = "/assets/status.css";

const CSS: &str = include_str!("style.css");

/// No script, no frames, nothing from elsewhere: the page needs only its stylesheet.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How long browsers and proxies may reuse a page without asking (statuses are derived
/// every 60 s).
const MAX_AGE: &str = "public, max-age=30";

/// Links on the page: under the path of the public URL (a reverse proxy's prefix), or
/// absolute where they leave the page (feeds in `<link rel="alternate">`).
#[derive(Debug, Clone)]
pub struct Links {
    prefix: String,
    base: String,
}

impl Links {
    /// From `LLMMON_ANNOUNCEMENTS_PUBLIC_URL` (validated as http(s) by the config).
    pub fn new(public_url: &str) -> Self {
        let base = public_url.trim_end_matches('/').to_owned();
        let prefix = url::Url::parse(&base)
            .map(|u| u.path().trim_end_matches('/').to_owned())
            .unwrap_or_default();
        Self { prefix, base }
    }

    /// `path` (starting with `/`) under the prefix.
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.prefix)
    }

    /// `path` under the public URL.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// When each page's current content was first served: its `Last-Modified`.
#[derive(Debug, Default)]
pub struct Versions(Mutex<HashMap<String, (u64, DateTime<Utc>)>>);

/// Pages remembered at most (announcement pages are one each).
const MAX_VERSIONS: usize = 10_000;

impl Versions {
    /// When the content hashed `hash` was first served at `path`.
    fn first_served(&self, path: &str, hash: u64, now: DateTime<Utc>) -> DateTime<Utc> {
        let Ok(mut seen) = self.0.lock() else {
            return now;
        };
        if let Some((h, t)) = seen.get(path) {
            if *h == hash {
                return *t;
            }
        }
        if seen.len() >= MAX_VERSIONS {
            seen.clear();
        }
        seen.insert(path.to_owned(), (hash, now));
        now
    }
}

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(home))
        .route("/status", get(home))
        .route("/announcements/{id}", get(announcement))
        .route(CSS_PATH, get(css))
}

async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let links = Links::new(&app.cfg.public_url);
    let state = match app.state().await {
        Ok(s) => s,
        Err(e) => return unavailable(&e, &links),
    };
    let now = Utc::now();
    let statuses = crate::derive::merge(&state.statuses, &app.derived().0);
    let page = Page::new(&state, &statuses, &app.models(), now);
    let html = home_html(&page, &app.uptime(), app.cfg.models_url.as_deref(), &links);
    answer(&app.pages, "/", &headers, html.into_string(), now)
}

/// The status page.
pub fn home_html(
    page: &Page<'_>,
    uptime: &Uptime,
    models_url: Option<&str>,
    links: &Links,
) -> Markup {
    let body = html! {
        h1 { (SITE) }
        (notices::banner(&page.banner, page.now, links))
        (services::overall(page.overall))
        nav.toc aria-label="On this page" {
            ul {
                li { a href="#services" { "Services" } }
                li { a href="#models" { "Models" } }
                li { a href="#maintenance" { "Maintenance" } }
                li { a href="#deprecations" { "Deprecations" } }
                li { a href="#recent" { "Recent changes" } }
                li { a href="#subscribe" { "Subscribe" } }
            }
        }
        (services::services(&page.services, uptime))
        (catalog::catalog(&page.models, models_url, links))
        (notices::maintenance(&page.maintenance, page.now, links))
        (notices::deprecations(&page.deprecations, page.now, links))
        (notices::recent(&page.recent, links))
        (subscribe::subscribe(links))
    };
    document(SITE, links, body)
}

async fn announcement(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let links = Links::new(&app.cfg.public_url);
    let state = match app.state().await {
        Ok(s) => s,
        Err(e) => return unavailable(&e, &links),
    };
    let Some(a) = id.parse().ok().and_then(|id| state.announcements.get(&id)) else {
        return not_found(&links);
    };
    let now = Utc::now();
    let html = document(&a.title, &links, notices::one(a, now, &links));
    answer(
        &app.pages,
        &format!("/announcements/{}", a.id),
        &headers,
        html.into_string(),
        now,
    )
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

fn not_found(links: &Links) -> Response {
    let body = html! {
        h1 { "No such announcement" }
        p { a href=(links.href("/")) { "Back to the status page" } }
    };
    let html = document("Not found", links, body).into_string();
    with_page_headers(StatusCode::NOT_FOUND, html, "no-cache")
}

fn unavailable(e: &crate::store::StoreError, links: &Links) -> Response {
    tracing::error!(error = %e, "announcements store");
    let body = html! {
        h1 { "Status unavailable" }
        p { "The status page cannot be shown right now. Please try again in a minute." }
    };
    let html = document("Unavailable", links, body).into_string();
    let mut r = with_page_headers(StatusCode::SERVICE_UNAVAILABLE, html, "no-store");
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
    r
}

fn with_page_headers(status: StatusCode, html: String, cache: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "same-origin"),
            (header::CACHE_CONTROL, cache),
        ],
        html,
    )
        .into_response()
}

/// The page `html` with its validators, or 304 when the request already has this version.
fn answer(
    versions: &Versions,
    path: &str,
    req: &HeaderMap,
    html: String,
    now: DateTime<Utc>,
) -> Response {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    html.hash(&mut hasher);
    let hash = hasher.finish();
    let etag = format!("\"{hash:016x}\"");
    let modified = versions.first_served(path, hash, now);
    let fresh = not_modified(req, &etag, modified);
    let mut r = if fresh {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(MAX_AGE));
        r
    } else {
        with_page_headers(StatusCode::OK, html, MAX_AGE)
    };
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(modified)) {
        h.insert(header::LAST_MODIFIED, v);
    }
    r
}

/// RFC 9110's rules: `If-None-Match` decides when present, else `If-Modified-Since`.
fn not_modified(req: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    req.get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

/// An HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::at;

    #[test]
    fn links_keep_the_public_urls_path_as_their_prefix() {
        let l = Links::new("https://llm.example.org/status-page/");
        assert_eq!(l.href("/feed.rss"), "/status-page/feed.rss");
        assert_eq!(l.href("/"), "/status-page/");
        assert_eq!(
            l.absolute("/feed.rss"),
            "https://llm.example.org/status-page/feed.rss"
        );
        assert_eq!(Links::new("http://localhost:23004").href("/"), "/");
    }

    #[test]
    fn a_page_keeps_its_first_served_time_until_its_content_changes() {
        let v = Versions::default();
        let t0 = at("2026-11-25T12:00:00Z");
        let t1 = at("2026-11-25T12:05:00Z");
        assert_eq!(v.first_served("/", 1, t0), t0);
        assert_eq!(v.first_served("/", 1, t1), t0);
        assert_eq!(v.first_served("/", 2, t1), t1);
        assert_eq!(v.first_served("/x", 2, t1), t1);
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let modified = at("2026-11-25T12:00:00Z");
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_MODIFIED_SINCE,
            HeaderValue::from_static("Wed, 25 Nov 2026 12:00:00 GMT"),
        );
        assert!(not_modified(&h, "\"a\"", modified));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"b\", W/\"c\""),
        );
        assert!(!not_modified(&h, "\"a\"", modified));
        assert!(not_modified(&h, "\"c\"", modified));
        assert_eq!(http_date(modified), "Wed, 25 Nov 2026 12:00:00 GMT");
    }
}
