//! The announcements service over HTTP on loopback: the API with its auth and validation,
//! 50 concurrent writes (and two services on one store), feeds that parse as what they
//! claim, webhook and Grafana delivery, status set by hand or derived from a Prometheus,
//! and no HTML or script coming back unescaped. Restarts of the real binary are in the
//! exporter's `tests/integration/store_crash.rs`.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use llmmon_announcements::{Config, Local};
use serde_json::{json, Value};

const TOKEN: &str = "test-token-0123456789";
const EVIL: &str = "<script>alert('x')</script><img src=x onerror=alert(1)>";

fn config(dir: &Path, env: &[(&str, &str)]) -> Config {
    let data = dir.display().to_string();
    let mut vars: Vec<(String, String)> = vec![
        ("LLMMON_DATA_DIR".into(), data),
        ("LLMMON_ANNOUNCEMENTS_TOKEN".into(), TOKEN.into()),
        (
            "LLMMON_ANNOUNCEMENTS_PUBLIC_URL".into(),
            "https://status.example.org".into(),
        ),
    ];
    for (k, v) in env {
        vars.retain(|(n, _)| n != k);
        vars.push(((*k).into(), (*v).into()));
    }
    Config::from_env(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .expect("valid config")
}

async fn start(cfg: Config) -> Local {
    Local::start(cfg).await.expect("the service starts")
}

/// A local HTTP receiver recording (path, authorization, body) of each POST.
async fn receiver() -> (String, Arc<Mutex<Vec<(String, String, Value)>>>) {
    let seen: Arc<Mutex<Vec<(String, String, Value)>>> = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(post(
        move |uri: axum::http::Uri, headers: axum::http::HeaderMap, body: String| {
            let record = record.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                record
                    .lock()
                    .expect("lock")
                    .push((uri.path().to_owned(), auth, v));
                "ok"
            }
        },
    ));
    let url = crate::support::serve(app).await;
    (url, seen)
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post_json(url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client().post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get_text(url: &str) -> String {
    client()
        .get(url)
        .send()
        .await
        .expect("request")
        .text()
        .await
        .expect("text")
}

async fn get_json(url: &str) -> (u16, Value) {
    let r = client().get(url).send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn maintenance() -> Value {
    json!({
        "title": "GPU 3 driver update",
        "body": "The **llama** endpoint restarts.\n\n- expect 10 minutes\n- retries are safe",
        "priority": "critical",
        "kind": "maintenance",
        "services": ["vllm-llama-3-70b"],
        "models": ["meta-llama/Llama-3.3-70B-Instruct"],
        "starts_at": "2020-01-01T00:00:00Z",
        "ends_at": "2099-01-01T00:00:00Z",
        "created_by": "ops"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_list_update_and_expire() {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = start(config(dir.path(), &[])).await;
    let api = format!("{}/api/announcements", svc.url());

    let r = client()
        .post(&api)
        .bearer_auth(TOKEN)
        .json(&maintenance())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/api/announcements/1")
    );
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["id"], 1);
    assert_eq!(created["phase"], "active");
    assert!(created["body_html"]
        .as_str()
        .expect("html")
        .contains("<li>expect 10 minutes</li>"));

    let (s, one) = get_json(&format!("{api}/1")).await;
    assert_eq!(
        (s, one["title"].as_str()),
        (200, Some("GPU 3 driver update"))
    );

    let (s, _) = post_json(
        &api,
        Some(TOKEN),
        &json!({"title": "Qwen 3 is available", "kind": "new_model", "models": ["qwen3"]}),
    )
    .await;
    assert_eq!(s, 201);
    let (_, list) = get_json(&format!("{api}?priority=critical")).await;
    let ids: Vec<u64> = list["announcements"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["id"].as_u64())
        .collect();
    assert_eq!(ids, [1]);

    let r = client()
        .patch(format!("{api}/2"))
        .bearer_auth(TOKEN)
        .json(&json!({"priority": "warning"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    let (_, two) = get_json(&format!("{api}/2")).await;
    assert_eq!(two["priority"], "warning");
    assert_eq!(two["title"], "Qwen 3 is available", "untouched fields stay");

    let (_, planned) = get_json(&format!("{api}/1")).await;
    let (s, expired) = post_json(&format!("{api}/1/expire"), Some(TOKEN), &json!({})).await;
    assert_eq!((s, expired["phase"].as_str()), (200, Some("ended")));
    let ends = |v: &Value| {
        v["ends_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .expect("ends_at")
    };
    assert!(
        ends(&expired) < ends(&planned) && ends(&expired) <= chrono::Utc::now(),
        "an expired announcement ends when it was expired: {} (planned {})",
        expired["ends_at"],
        planned["ends_at"]
    );
    let (_, current) = get_json(&api).await;
    assert_eq!(current["announcements"].as_array().map(Vec::len), Some(1));
    let (_, all) = get_json(&format!("{api}?state=all")).await;
    assert_eq!(all["announcements"].as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_the_token_and_bad_input_gets_a_clear_4xx() {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = start(config(dir.path(), &[])).await;
    let api = format!("{}/api/announcements", svc.url());

    let r = client()
        .post(&api)
        .json(&maintenance())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let (s, body) = post_json(&api, Some("wrong-token-wrong-token"), &maintenance()).await;
    assert_eq!(s, 403);
    assert!(
        !body.to_string().contains(TOKEN),
        "the token is never echoed"
    );
    let (s, _) = post_json(
        &format!("{}/api/status/litellm", svc.url()),
        None,
        &json!({}),
    )
    .await;
    assert_eq!(s, 405, "status is set with PUT");
    let r = client()
        .put(format!("{}/api/status/litellm", svc.url()))
        .json(&json!({"status": "down"}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 401);

    let r = client()
        .post(&api)
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    let (s, body) = post_json(&api, Some(TOKEN), &json!({"title": "x", "colour": "red"})).await;
    assert_eq!(s, 400);
    assert!(
        body["error"].as_str().expect("error").contains("colour"),
        "{body}"
    );
    let (s, body) = post_json(
        &api,
        Some(TOKEN),
        &json!({"title": "", "priority": "urgent"}),
    )
    .await;
    assert_eq!(s, 400, "an unknown priority is a parse error: {body}");
    assert!(body["error"].as_str().expect("error").contains("urgent"));
    let (s, body) = post_json(
        &api,
        Some(TOKEN),
        &json!({"title": " ", "kind": "maintenance", "models": ["bad name"]}),
    )
    .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(fields, ["title", "models", "starts_at"], "{body}");
    let (s, _) = post_json(&api, Some(TOKEN), &json!({"title": "x".repeat(100_000)})).await;
    assert_eq!(s, 413);
    let (s, _) = get_json(&format!("{api}/99")).await;
    assert_eq!(s, 404);
    let (s, _) = get_json(&format!("{api}?state=soon")).await;
    assert_eq!(s, 400);
    // Nothing was stored by any refused call.
    let (_, all) = get_json(&format!("{api}?state=all")).await;
    assert_eq!(all["announcements"], json!([]));

    // Without a configured token the API is read-only.
    let ro_dir = tempfile::tempdir().expect("tmp");
    let ro = start(config(ro_dir.path(), &[("LLMMON_ANNOUNCEMENTS_TOKEN", "")])).await;
    let (s, body) = post_json(
        &format!("{}/api/announcements", ro.url()),
        Some(TOKEN),
        &maintenance(),
    )
    .await;
    assert_eq!(s, 403);
    assert!(body["error"]
        .as_str()
        .expect("error")
        .contains("LLMMON_ANNOUNCEMENTS_TOKEN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_writes_over_two_services_on_one_store_are_all_kept() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = start(config(dir.path(), &[])).await;
    let b = start(config(dir.path(), &[])).await;
    let posts = (0..50).map(|i| {
        let url = format!(
            "{}/api/announcements",
            if i % 2 == 0 { a.url() } else { b.url() }
        );
        async move {
            post_json(&url, Some(TOKEN), &json!({"title": format!("note {i}")}))
                .await
                .0
        }
    });
    let codes = futures_util::future::join_all(posts).await;
    assert!(codes.iter().all(|c| *c == 201), "{codes:?}");
    for svc in [&a, &b] {
        let (_, all) = get_json(&format!("{}/api/announcements?state=all", svc.url())).await;
        let list = all["announcements"].as_array().expect("list");
        let mut ids: Vec<u64> = list.iter().filter_map(|x| x["id"].as_u64()).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            (1..=50).collect::<Vec<u64>>(),
            "distinct ids, none lost"
        );
        let mut titles: Vec<String> = list
            .iter()
            .filter_map(|x| x["title"].as_str().map(str::to_owned))
            .collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), 50);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_parse_as_json_feed_rss_and_atom_and_escape_everything() {
    let dir = tempfile::tempdir().expect("tmp");
    let svc = start(config(dir.path(), &[])).await;
    let api = format!("{}/api/announcements", svc.url());
    let (s, _) = post_json(&api, Some(TOKEN), &maintenance()).await;
    assert_eq!(s, 201);
    let (s, _) = post_json(
        &api,
        Some(TOKEN),
        &json!({"title": format!("Hi {EVIL}"), "body": format!("**b** {EVIL} & [x](javascript:alert(1))"), "kind": "advisory"}),
    )
    .await;
    assert_eq!(s, 201);

    let r = client()
        .get(format!("{}/feed.json", svc.url()))
        .send()
        .await
        .expect("feed");
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/feed+json")
    );
    let raw = r.text().await.expect("text");
    assert!(!raw.contains('<'), "JSON escapes markup: {raw}");
    let feed: Value = serde_json::from_str(&raw).expect("JSON");
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["feed_url"], "https://status.example.org/feed.json");
    let items = feed["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    for item in items {
        assert!(item["id"].is_string() && item["date_published"].is_string());
        let html = item["content_html"].as_str().expect("html");
        assert!(
            !html.contains("<script")
                && !html.contains("<img")
                && !html.contains("javascript:alert(1)\""),
            "{html}"
        );
    }

    let rss = get_text(&format!("{}/feed.rss", svc.url())).await;
    let doc = roxmltree::Document::parse(&rss).expect("RSS is well-formed XML");
    let root = doc.root_element();
    assert_eq!(
        (root.tag_name().name(), root.attribute("version")),
        ("rss", Some("2.0"))
    );
    let channel = root.first_element_child().expect("channel");
    for required in ["title", "link", "description"] {
        assert!(
            channel.children().any(|c| c.has_tag_name(required)),
            "channel {required}"
        );
    }
    let items: Vec<_> = channel
        .children()
        .filter(|c| c.has_tag_name("item"))
        .collect();
    assert_eq!(items.len(), 2);
    for item in &items {
        let text = |t: &str| {
            item.children()
                .find(|c| c.has_tag_name(t))
                .and_then(|c| c.text())
                .expect("element")
                .to_owned()
        };
        chrono::DateTime::parse_from_rfc2822(&text("pubDate")).expect("RFC 822 date");
        // The description is escaped HTML: once unescaped by the XML parser it holds no
        // script element, only the escaped text of one.
        assert!(
            !text("description").contains("<script"),
            "{}",
            text("description")
        );
        assert!(!text("title").contains('<'), "{}", text("title"));
    }

    let atom = get_text(&format!("{}/feed.atom", svc.url())).await;
    let doc = roxmltree::Document::parse(&atom).expect("Atom is well-formed XML");
    let feed = doc.root_element();
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    for required in ["id", "title", "updated"] {
        assert!(
            feed.children().any(|c| c.has_tag_name(required)),
            "feed {required}"
        );
    }
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 2);
    for e in entries {
        for required in ["id", "title", "updated"] {
            assert!(
                e.children().any(|c| c.has_tag_name(required)),
                "entry {required}"
            );
        }
        let content = e
            .children()
            .find(|c| c.has_tag_name("content"))
            .and_then(|c| c.text())
            .expect("content");
        assert!(!content.contains("<script"), "{content}");
    }

    // Every read path, raw: no live markup from the input.
    for path in [
        "/api/announcements",
        "/api/announcements/2",
        "/api/announcements?state=all",
    ] {
        let raw = get_text(&format!("{}{path}", svc.url())).await;
        assert!(
            !raw.contains("<script") && !raw.contains("<img"),
            "{path}: {raw}"
        );
    }
    let metrics = get_text(&format!("{}/metrics", svc.url())).await;
    assert!(!metrics.contains('<'), "{metrics}");
    assert!(metrics.contains("title=\"Hi alert('x')\""), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_reaches_webhooks_and_grafana_and_nothing_else_does() {
    let (hooks, seen) = receiver().await;
    let (grafana, annotations) = receiver().await;
    let dir = tempfile::tempdir().expect("tmp");
    let configured = format!("{hooks}/configured");
    let svc = start(config(
        dir.path(),
        &[
            ("LLMMON_ANNOUNCEMENTS_WEBHOOKS", configured.as_str()),
            ("LLMMON_GRAFANA_URL", grafana.as_str()),
            ("LLMMON_GRAFANA_TOKEN", "glsa_grafana_token"),
        ],
    ))
    .await;
    let (s, sub) = post_json(
        &format!("{}/api/subscriptions", svc.url()),
        Some(TOKEN),
        &json!({"url": format!("{hooks}/subscribed")}),
    )
    .await;
    assert_eq!((s, sub["id"].as_u64()), (201, Some(1)));
    let (s, bad) = post_json(
        &format!("{}/api/subscriptions", svc.url()),
        Some(TOKEN),
        &json!({"url": "file:///etc/passwd"}),
    )
    .await;
    assert_eq!(s, 422, "{bad}");
    let (s, _) = get_json(&format!("{}/api/subscriptions", svc.url())).await;
    assert_eq!(s, 401, "subscriber URLs are not public");

    let (s, _) = post_json(
        &format!("{}/api/announcements", svc.url()),
        Some(TOKEN),
        &maintenance(),
    )
    .await;
    assert_eq!(s, 201);
    let mut got = Vec::new();
    for _ in 0..50 {
        got = seen.lock().expect("lock").clone();
        if got.len() >= 2 && !annotations.lock().expect("lock").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut paths: Vec<&str> = got.iter().map(|(p, _, _)| p.as_str()).collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/configured", "/subscribed"]);
    for (_, auth, body) in &got {
        assert_eq!(body["event"], "announcement.published");
        assert_eq!(body["announcement"]["title"], "GPU 3 driver update");
        assert!(auth.is_empty(), "webhooks get no credentials");
    }
    let ann = annotations.lock().expect("lock").clone();
    assert_eq!(ann.len(), 1);
    let (path, auth, body) = &ann[0];
    assert_eq!(path, "/api/annotations");
    assert_eq!(auth, "Bearer glsa_grafana_token");
    assert_eq!(body["time"], 1_577_836_800_000_i64);
    assert_eq!(body["timeEnd"], 4_070_908_800_000_i64);
    assert!(body["tags"]
        .as_array()
        .expect("tags")
        .contains(&json!("maintenance")));
    // An update is not a publication.
    let r = client()
        .patch(format!("{}/api/announcements/1", svc.url()))
        .bearer_auth(TOKEN)
        .json(&json!({"body": "later"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(r.status(), 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(seen.lock().expect("lock").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_is_derived_from_prometheus_unless_set_by_hand() {
    // A Prometheus stand-in answering the two derivation queries.
    let prom = Router::new().route(
        "/api/v1/query",
        get(|q: axum::extract::Query<std::collections::HashMap<String, String>>| async move {
            let query = q.get("query").cloned().unwrap_or_default();
            let result = if query.contains("llm_monitor_vllm_state") {
                json!([
                    {"metric": {"model": "llama", "state": "ready", "container": "a"}, "value": [1, "1"]},
                    {"metric": {"model": "qwen", "state": "loading", "container": "b"}, "value": [1, "1"]}
                ])
            } else {
                json!([{"metric": {"job": "litellm"}, "value": [1, "1"]}])
            };
            axum::Json(json!({"status": "success", "data": {"resultType": "vector", "result": result}}))
        }),
    );
    let prom_url = crate::support::serve(prom).await;
    let dir = tempfile::tempdir().expect("tmp");
    let svc = start(config(
        dir.path(),
        &[("LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL", prom_url.as_str())],
    ))
    .await;
    let mut services = Value::Null;
    for _ in 0..50 {
        services = get_json(&format!("{}/api/status", svc.url())).await.1["services"].clone();
        if services.as_array().is_some_and(|s| s.len() == 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let by = |v: &Value| -> Vec<(String, String, String)> {
        v.as_array()
            .expect("services")
            .iter()
            .map(|s| {
                (
                    s["service"].as_str().unwrap_or_default().to_owned(),
                    s["status"].as_str().unwrap_or_default().to_owned(),
                    s["source"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let own = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        by(&services),
        [
            own("litellm", "operational", "derived"),
            own("llama", "operational", "derived"),
            own("qwen", "degraded", "derived"),
        ]
    );
    let r = client()
        .put(format!("{}/api/status/llama", svc.url()))
        .bearer_auth(TOKEN)
        .json(&json!({"status": "down", "note": "pulled for a security fix"}))
        .send()
        .await
        .expect("put");
    assert_eq!(r.status(), 200);
    let (_, st) = get_json(&format!("{}/api/status", svc.url())).await;
    assert!(by(&st["services"]).contains(&own("llama", "down", "manual")));
    let metrics = get_text(&format!("{}/metrics", svc.url())).await;
    assert!(
        metrics.contains(
            "llm_monitor_service_status{service=\"llama\",status=\"down\",source=\"manual\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("llm_monitor_exporter_source_up{source=\"prometheus\"} 1"),
        "{metrics}"
    );
    let r = client()
        .delete(format!("{}/api/status/llama", svc.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 204);
    let (_, st) = get_json(&format!("{}/api/status", svc.url())).await;
    assert!(by(&st["services"]).contains(&own("llama", "operational", "derived")));
}
