//! The public status page: in a real browser (Debian's headless Chromium over DevTools) at a
//! phone and a desktop width, light and dark, what a person sees of a seeded service — the
//! banner, every model and announcement, a retired model shown retired, each service's
//! state, links that resolve, directly and behind a reverse proxy with a path prefix, no
//! console error — and that no XSS payload ever runs (a check shown to catch one that does).
//! Over plain HTTP: caching validators and 304s, "no history" without Prometheus or when it
//! fails, a 404 page. Screenshots land in `target/test-artifacts/`.

use std::path::PathBuf;

use chrono::Utc;
use serde_json::{json, Value};

use crate::support::cdp::{Browser, Page};
use crate::support::service::{self, Service, TOKEN};
use crate::support::{fake_prometheus, seed};

const MODELS_URL: &str = "https://llm.example.org/v1";

/// Where screenshots go: `target/test-artifacts/` of the workspace (or of
/// `CARGO_TARGET_DIR`).
fn artefacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("test-artifacts")
}

/// A service with the seeded fleet behind a fake Prometheus, the seeded announcements, the
/// XSS ones, and langfuse set down by hand with a payload in its note; the ids published.
async fn seeded(public: impl FnOnce(&str) -> String) -> (Service, Vec<u64>, Vec<u64>) {
    let prom = crate::support::serve(fake_prometheus::router(seed::fleet())).await;
    let svc = service::start(
        &[
            ("LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL", prom.as_str()),
            ("LLMMON_ANNOUNCEMENTS_MODELS_URL", MODELS_URL),
        ],
        public,
    )
    .await;
    let ids = seed::publish(&svc.base, TOKEN, &seed::announcements(Utc::now())).await;
    let xss = seed::publish(&svc.base, TOKEN, &seed::xss_announcements()).await;
    let note = format!("database migration {}", seed::XSS[2]);
    seed::set_status(&svc.base, TOKEN, "langfuse", "down", &note).await;
    service::wait_derived(&svc).await;
    (svc, ids, xss)
}

/// What the page shows a person, read from the browser after it loaded.
const LOOK: &str = r#"({
    title: document.title,
    lang: document.documentElement.lang,
    text: document.body.innerText,
    xss: typeof window.__xss !== 'undefined',
    scripts: document.querySelectorAll('script').length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    background: getComputedStyle(document.body).backgroundColor,
    links: [...document.querySelectorAll('a[href], link[href]')].map(a => a.href),
    headings: [...document.querySelectorAll('h1, h2')].map(h => h.tagName + ' ' + h.textContent.trim()),
    overall: document.querySelector('.overall') && document.querySelector('.overall').dataset.state,
    models: Object.fromEntries([...document.querySelectorAll('tr[data-model]')].map(e => [e.dataset.model, e.dataset.state])),
    services: Object.fromEntries([...document.querySelectorAll('li[data-service]')].map(e => [e.dataset.service, e.dataset.state])),
    banner: document.querySelector('[role=alert]') ? document.querySelector('[role=alert]').innerText : '',
})"#;

/// Loads `url` and reads it; a load that logged an error fails the test.
fn look(page: &mut Page, url: &str) -> Value {
    let problems = page.open(url);
    assert!(
        problems.is_empty(),
        "{url}: the browser reported {problems:#?}"
    );
    page.eval(LOOK)
}

fn text(v: &Value) -> &str {
    v["text"].as_str().unwrap_or_default()
}

/// What ran that should not have: a payload's flag or title, any script element or `on…`
/// handler on the page (it has none of its own).
fn ran(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if v["xss"] != false {
        out.push("a payload set window.__xss".to_owned());
    }
    if v["title"].as_str().is_none_or(|t| t.contains("PWNED")) {
        out.push(format!("a payload set the title: {}", v["title"]));
    }
    if v["scripts"] != 0 {
        out.push(format!("{} script elements", v["scripts"]));
    }
    if v["handlers"] != 0 {
        out.push(format!("{} elements with on… handlers", v["handlers"]));
    }
    out
}

fn assert_nothing_ran(v: &Value, url: &str) {
    let ran = ran(v);
    assert!(ran.is_empty(), "{url}: {ran:?}");
}

/// Every link on the page (anchors, stylesheet, feeds; at least `min` different ones)
/// answers 200.
async fn assert_links_resolve(v: &Value, min: usize) {
    let links: std::collections::BTreeSet<String> = v["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str())
        .filter(|l| l.starts_with("http"))
        .map(|l| l.split('#').next().unwrap_or(l).to_owned())
        .collect();
    assert!(links.len() >= min, "links: {links:?}");
    for l in links {
        let status = reqwest::get(&l).await.map(|r| r.status().as_u16());
        assert_eq!(status.ok(), Some(200), "link {l}");
    }
}

/// What the seeded service must show: the banner, each model's state and lifecycle, each
/// service's state, every announcement, the payloads as text.
fn assert_shows_the_seeded_server(v: &Value) {
    let t = text(v);
    assert_eq!(v["lang"], "en");
    assert_eq!(v["title"], "LLM service status");
    assert!(
        v["banner"]
            .as_str()
            .is_some_and(|b| b.contains("Driver update on GPUs 4–5: gpt-oss-120b restarts")),
        "banner: {}",
        v["banner"]
    );
    assert_eq!(
        v["models"],
        json!({
            "llama-3.3-70b": "up", "qwen2.5-72b": "up", "gpt-oss-120b": "maintenance",
            "qwen3-32b": "loading", "mistral-small-3.1-24b": "up", "bge-m3": "up",
            "bge-reranker-v2-m3": "up", "llama-2-70b": "retired",
        })
    );
    assert_eq!(
        v["services"],
        json!({
            "litellm": "operational", "langfuse": "down", "gpt-oss-120b": "maintenance",
            "qwen3-32b": "degraded", "llama-3.3-70b": "operational", "qwen2.5-72b": "operational",
            "mistral-small-3.1-24b": "operational", "bge-m3": "operational",
            "bge-reranker-v2-m3": "operational",
        })
    );
    assert_eq!(v["overall"], "down");
    assert!(t.contains("Partial outage"), "{t}");
    for shown in [
        "Retired",
        "retiring on",
        "LiteLLM proxy upgrade",
        "Mistral Small 3.1 is deprecated",
        "Llama 2 70B is retired",
        "Qwen3 32B is available",
        "Longer context for llama-3.3-70b",
        "131,072 tokens",
        "embedding",
        "reranker",
        "POST https://llm.example.org/v1/chat/completions",
        "JSON Feed",
        "RSS",
        "Atom",
    ] {
        assert!(t.contains(shown), "the page does not show {shown:?}:\n{t}");
    }
    for payload in seed::XSS {
        assert!(
            t.contains(payload),
            "the payload {payload:?} is not shown as text:\n{t}"
        );
    }
    let headings: Vec<&str> = v["headings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str())
        .collect();
    assert_eq!(
        headings.first(),
        Some(&"H1 LLM service status"),
        "{headings:?}"
    );
    for h in ["H2 Services", "H2 Models", "H2 Maintenance", "H2 Subscribe"] {
        assert!(headings.contains(&h), "{headings:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_browser_the_page_shows_the_seeded_server_at_phone_and_desktop_width() {
    let (svc, _, xss) = seeded(|own| own.to_owned()).await;
    let url = format!("{}/", svc.base);
    let one = format!("{}/announcements/{}", svc.base, xss[0]);
    let dir = artefacts();
    let (phone, desktop, dark, article) = tokio::task::spawn_blocking(move || {
        let browser = Browser::start();
        let mut page = browser.page();
        page.screen(390, 844, true, false);
        let phone = look(&mut page, &url);
        page.screenshot(&dir.join("status-phone.png"));
        page.screen(1280, 900, false, false);
        let desktop = look(&mut page, &url);
        page.screenshot(&dir.join("status-desktop.png"));
        page.screen(1280, 900, false, true);
        let dark = look(&mut page, &url);
        page.screenshot(&dir.join("status-desktop-dark.png"));
        page.screen(390, 844, true, false);
        let article = look(&mut page, &one);
        page.screenshot(&dir.join("announcement-xss-phone.png"));
        (phone, desktop, dark, article)
    })
    .await
    .expect("browser");

    for (name, v) in [("phone", &phone), ("desktop", &desktop)] {
        assert_nothing_ran(v, name);
        assert_shows_the_seeded_server(v);
        assert!(
            v["scrollWidth"].as_i64() <= v["innerWidth"].as_i64(),
            "{name}: the page is wider than the screen ({} > {})",
            v["scrollWidth"],
            v["innerWidth"]
        );
    }
    assert_eq!(phone["innerWidth"], 390);
    assert_eq!(desktop["background"], "rgb(255, 255, 255)");
    assert_eq!(dark["background"], "rgb(13, 17, 23)", "dark scheme");
    assert_links_resolve(&desktop, 15).await;

    assert_nothing_ran(&article, "announcement");
    assert_eq!(
        article["title"],
        format!("Hi {} — LLM service status", seed::XSS[0])
    );
    for payload in seed::XSS {
        assert!(text(&article).contains(payload), "{}", text(&article));
    }
    assert!(
        !text(&article).contains("javascript:"),
        "a javascript: link is its text only"
    );
    assert_links_resolve(&article, 6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_real_browser_every_link_resolves_behind_a_reverse_proxy_with_a_path_prefix() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let front = format!("http://{}", listener.local_addr().expect("proxy address"));
    let public = format!("{front}/llm-status");
    let (svc, ids, _) = seeded(|_| public.clone()).await;
    tokio::spawn(service::proxy(listener, "/llm-status", svc.base.clone()));
    let url = format!("{public}/");
    let one = format!("{public}/announcements/{}", ids[2]);
    let (home, article) = tokio::task::spawn_blocking(move || {
        let browser = Browser::start();
        let mut page = browser.page();
        page.screen(1280, 900, false, false);
        (look(&mut page, &url), look(&mut page, &one))
    })
    .await
    .expect("browser");
    assert_shows_the_seeded_server(&home);
    for (v, min) in [(&home, 15), (&article, 6)] {
        let links = v["links"].as_array().expect("links");
        assert!(
            links
                .iter()
                .filter_map(|l| l.as_str())
                .all(|l| l.starts_with(&public) || l.starts_with("data:")),
            "a link leaves the prefix: {links:?}"
        );
        assert_links_resolve(v, min).await;
    }
    assert!(
        text(&article).contains("use qwen3-32b instead")
            || text(&article).contains("Use qwen3-32b instead")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_checks_catch_a_payload_that_does_run() {
    // The same checks on a page that pastes the payloads in unescaped: they must fail it.
    let html = format!(
        "<!doctype html><html lang=en><head><title>ok</title></head><body>{}{}</body></html>",
        seed::XSS[1],
        seed::XSS[2]
    );
    let base = crate::support::serve(axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(html) }),
    ))
    .await;
    let (problems, v) = tokio::task::spawn_blocking(move || {
        let browser = Browser::start();
        let mut page = browser.page();
        let problems = page.open(&format!("{base}/"));
        (problems, page.eval(LOOK))
    })
    .await
    .expect("browser");
    assert_eq!(v["xss"], true, "the script payload ran: {v}");
    assert_eq!(v["title"], "PWNED");
    let ran = ran(&v);
    assert!(
        ran.len() >= 3,
        "flag, title and elements are all caught: {ran:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("404")),
        "the image that failed to load is reported: {problems:?}"
    );
}

// ------------------------------------------------------------------------ over HTTP

async fn get(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_carries_validators_and_answers_304_while_nothing_changed() {
    let svc = service::start(&[], |own| own.to_owned()).await;
    seed::publish(&svc.base, TOKEN, &seed::announcements(Utc::now())).await;
    let url = format!("{}/", svc.base);
    let r = get(&url, &[]).await;
    assert_eq!(r.status(), 200);
    let h = |r: &reqwest::Response, k: &str| {
        r.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(h(&r, "content-type"), "text/html; charset=utf-8");
    assert!(h(&r, "content-security-policy").contains("default-src 'none'"));
    let (etag, modified) = (h(&r, "etag"), h(&r, "last-modified"));
    assert!(
        etag.starts_with('"') && modified.ends_with(" GMT"),
        "{etag} {modified}"
    );

    let again = get(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);
    assert_eq!(h(&again, "etag"), etag);
    let since = get(&url, &[("if-modified-since", &modified)]).await;
    assert_eq!(since.status(), 304);
    assert_eq!(
        get(&format!("{}/status", svc.base), &[("if-none-match", &etag)])
            .await
            .status(),
        304
    );

    // A new announcement is a new version: a new ETag, 200 to the old one.
    seed::publish(&svc.base, TOKEN, &[json!({"title": "One more"})]).await;
    let changed = get(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(changed.status(), 200);
    assert_ne!(h(&changed, "etag"), etag);
    assert!(changed.text().await.expect("body").contains("One more"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_prometheus_the_page_says_no_history_and_lists_the_announced_models() {
    let svc = service::start(&[], |own| own.to_owned()).await;
    seed::publish(&svc.base, TOKEN, &seed::announcements(Utc::now())).await;
    seed::set_status(&svc.base, TOKEN, "litellm", "maintenance", "proxy upgrade").await;
    let html = get(&format!("{}/", svc.base), &[])
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains("No history: this server keeps no uptime history for this page."),
        "{html}"
    );
    assert!(!html.contains("class=\"bar\""), "no bar without history");
    assert!(
        html.contains("data-model=\"llama-2-70b\" data-state=\"retired\""),
        "{html}"
    );
    assert!(
        html.contains("data-model=\"mistral-small-3.1-24b\" data-state=\"unknown\""),
        "{html}"
    );
    assert!(html.contains("data-model=\"qwen3-32b\""), "{html}");
    assert!(
        html.contains("data-service=\"litellm\" data-state=\"maintenance\""),
        "{html}"
    );
    assert!(
        html.contains("Use the model id below with the OpenAI-compatible endpoint"),
        "without LLMMON_ANNOUNCEMENTS_MODELS_URL no endpoint is made up"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_prometheus_each_service_has_a_ninety_day_bar() {
    let (svc, _, _) = seeded(|own| own.to_owned()).await;
    let html = get(&format!("{}/", svc.base), &[])
        .await
        .text()
        .await
        .expect("body");
    let litellm = html
        .split("data-service=\"litellm\"")
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .expect("litellm's row");
    assert_eq!(litellm.matches("class=\"day ").count(), 90, "{litellm}");
    assert!(
        litellm.contains("class=\"day poor\""),
        "a 60% day is marked: {litellm}"
    );
    assert!(litellm.contains("aria-label=\"litellm: "), "{litellm}");
    let gpt = html
        .split("data-service=\"gpt-oss-120b\"")
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .expect("gpt-oss-120b's row");
    assert_eq!(gpt.matches("class=\"day none\"").count(), 50, "{gpt}");
    let bge = html
        .split("data-service=\"bge-reranker-v2-m3\"")
        .nth(1)
        .and_then(|s| s.split("</li>").next())
        .expect("the reranker's row");
    assert!(bge.contains("No history for this service."), "{bge}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prometheus_that_fails_gives_no_history_not_an_error_page() {
    let prom = crate::support::serve(fake_prometheus::failing()).await;
    let svc = service::start(
        &[("LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL", prom.as_str())],
        |own| own.to_owned(),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let r = get(&format!("{}/", svc.base), &[]).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("body");
    assert!(
        html.contains("No history: the uptime history cannot be read right now."),
        "{html}"
    );
    assert!(html.contains("No status published"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_raw_html_carries_no_markup_from_input_and_unknown_pages_are_404() {
    let (svc, _, xss) = seeded(|own| own.to_owned()).await;
    for path in [
        "/".to_owned(),
        format!("/announcements/{}", xss[0]),
        format!("/announcements/{}", xss[1]),
    ] {
        let html = get(&format!("{}{path}", svc.base), &[])
            .await
            .text()
            .await
            .expect("body");
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("onerror=\""),
            "{path}: {html}"
        );
        assert!(
            html.contains("&lt;script&gt;"),
            "{path}: escaped, not dropped"
        );
    }
    for path in ["/announcements/999", "/announcements/x"] {
        let r = get(&format!("{}{path}", svc.base), &[]).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r
            .text()
            .await
            .expect("body")
            .contains("No such announcement"));
    }
    let css = get(&format!("{}/assets/status.css", svc.base), &[]).await;
    assert_eq!(
        css.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
    assert!(css
        .text()
        .await
        .expect("css")
        .contains("prefers-color-scheme: dark"));
}
