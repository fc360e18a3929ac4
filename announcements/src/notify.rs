//! What happens when an announcement is published: a POST to every webhook (subscriptions
//! made through the API and those configured), and optionally a Grafana annotation so the
//! announcement shows on every dashboard's timeline. Delivery runs in the background with
//! retries; a failing receiver is logged (URL without credentials), never fatal.

use std::time::Duration;

use serde_json::json;

use super::model::Announcement;
use super::text::plain;
use llmmon_core::upstream::Secret;

/// Tries per delivery, and the first pause between tries (doubled each time).
pub const TRIES: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const TIMEOUT: Duration = Duration::from_secs(5);

/// Grafana's HTTP API with a service-account token (Editor), for annotations.
#[derive(Debug, Clone)]
pub struct Grafana {
    pub url: String,
    pub token: Secret,
}

/// The webhook body for a published announcement.
pub fn webhook_payload(a: &Announcement, public: &serde_json::Value) -> serde_json::Value {
    json!({
        "event": "announcement.published",
        "id": a.id,
        "priority": a.priority,
        "kind": a.kind,
        "title": plain(&a.title),
        "announcement": public,
    })
}

/// The Grafana annotation for an announcement: its window (or instant), tags, plain text.
pub fn grafana_annotation(a: &Announcement) -> serde_json::Value {
    let start = a.effective_start().timestamp_millis();
    let mut v = json!({
        "time": start,
        "tags": ["llmmon", "announcement", a.kind.as_str(), a.priority.as_str()],
        "text": plain(&format!("{}: {}", a.title, a.body)),
    });
    if let Some(end) = a.ends_at {
        v["timeEnd"] = json!(end.timestamp_millis());
    }
    v
}

/// POSTs `body` to `url`, retrying; whether it was accepted (2xx).
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    bearer: Option<&Secret>,
    body: &serde_json::Value,
) -> bool {
    let mut pause = FIRST_BACKOFF;
    for attempt in 1..=TRIES {
        let mut req = client
            .post(url)
            .timeout(TIMEOUT)
            .header("x-llmmon-event", "announcement.published")
            .json(body);
        if let Some(t) = bearer {
            req = req.bearer_auth(t.expose());
        }
        match req.send().await {
            Ok(r) if r.status().is_success() => return true,
            Ok(r) => {
                tracing::warn!(url = %llmmon_core::redact::url(url), status = %r.status(), attempt, "delivery refused")
            }
            Err(e) => {
                tracing::warn!(url = %llmmon_core::redact::url(url), error = %e.without_url(), attempt, "delivery failed")
            }
        }
        if attempt < TRIES {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }
    false
}

/// Delivers a published announcement to `webhooks` and Grafana, in the background.
pub fn publish(
    client: reqwest::Client,
    webhooks: Vec<String>,
    grafana: Option<Grafana>,
    a: Announcement,
    public: serde_json::Value,
) {
    tokio::spawn(async move {
        let payload = webhook_payload(&a, &public);
        let deliveries = webhooks
            .iter()
            .map(|url| deliver(&client, url, None, &payload));
        futures_util::future::join_all(deliveries).await;
        if let Some(g) = grafana {
            let url = format!("{}/api/annotations", g.url.trim_end_matches('/'));
            deliver(&client, &url, Some(&g.token), &grafana_annotation(&a)).await;
        }
    });
}
