//! A server as the status page sees it: a fleet for the fake Prometheus (the simulator's
//! models) and announcements published through the API — a critical maintenance window in
//! force, one upcoming, a deprecation with a replacement, a model already retired, a new
//! model, a changelog entry. [`XSS`] holds the payloads the API tests use and two that
//! would announce themselves if they ever ran (`window.__xss`, the title `PWNED`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::fake_prometheus::{Fleet, Model};

/// Script and HTML that must only ever show as text.
pub const XSS: [&str; 3] = [
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "<img src=x onerror=\"window.__xss=1;document.title='PWNED'\">",
    "<script>window.__xss=1;document.title='PWNED'</script>",
];

/// The models vLLM serves (names, types and context lengths of the simulator's fleet).
pub fn fleet() -> Fleet {
    let m = |name, state, model_type, context_length| Model {
        name,
        state,
        model_type,
        context_length,
    };
    let models = vec![
        m("llama-3.3-70b", "ready", "llm", 131_072),
        m("qwen2.5-72b", "ready", "llm", 32_768),
        m("gpt-oss-120b", "ready", "llm", 131_072),
        m("qwen3-32b", "loading", "llm", 40_960),
        m("mistral-small-3.1-24b", "ready", "llm", 32_768),
        m("bge-m3", "ready", "embedding", 8_192),
        m("bge-reranker-v2-m3", "ready", "reranker", 8_192),
    ];
    let mut history = BTreeMap::new();
    let day = |i: usize| match i % 29 {
        3 => Some(0.97),
        17 => Some(0.6),
        _ => Some(1.0),
    };
    for s in [
        "litellm",
        "langfuse",
        "llama-3.3-70b",
        "qwen2.5-72b",
        "mistral-small-3.1-24b",
        "bge-m3",
    ] {
        history.insert(s.to_owned(), (0..90).map(day).collect::<Vec<_>>());
    }
    // A model served for 40 days only: the days before show "no data".
    history.insert(
        "gpt-oss-120b".to_owned(),
        (0..40).map(|i| day(i + 5)).collect(),
    );
    // Served for two days; the reranker has no history at all.
    history.insert("qwen3-32b".to_owned(), vec![Some(0.9), Some(1.0)]);
    Fleet {
        models,
        services: vec![("litellm", true), ("langfuse", true)],
        history,
    }
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The announcements of a plausible week, as API bodies.
pub fn announcements(now: DateTime<Utc>) -> Vec<Value> {
    let h = Duration::hours;
    let d = Duration::days;
    vec![
        json!({"title": "Driver update on GPUs 4–5: gpt-oss-120b restarts",
               "body": "The NVIDIA driver is updated.\n\n- **gpt-oss-120b** is unavailable for about 30 minutes\n- requests are retried by the proxy",
               "kind": "maintenance", "priority": "critical", "models": ["gpt-oss-120b"],
               "starts_at": at(now - h(1)), "ends_at": at(now + h(2))}),
        json!({"title": "LiteLLM proxy upgrade",
               "body": "Short interruptions of the API while the proxy restarts.",
               "kind": "maintenance", "priority": "warning", "services": ["litellm"],
               "starts_at": at(now + d(3)), "ends_at": at(now + d(3) + h(1))}),
        json!({"title": "Mistral Small 3.1 is deprecated",
               "body": "Move to **qwen3-32b**: same API, a longer context.",
               "kind": "deprecation", "priority": "warning", "models": ["mistral-small-3.1-24b"],
               "replacement": "qwen3-32b",
               "starts_at": at(now - d(5)), "ends_at": at(now + d(10))}),
        json!({"title": "Llama 2 70B is retired",
               "body": "Use llama-3.3-70b instead.",
               "kind": "deprecation", "priority": "info", "models": ["llama-2-70b"],
               "replacement": "llama-3.3-70b",
               "starts_at": at(now - d(40)), "ends_at": at(now - d(3))}),
        json!({"title": "Qwen3 32B is available",
               "body": "A 40k context, FP8. Model id `qwen3-32b`.",
               "kind": "new_model", "priority": "info", "models": ["qwen3-32b"],
               "starts_at": at(now - d(2))}),
        json!({"title": "Longer context for llama-3.3-70b",
               "body": "Requests up to 128k tokens are accepted.",
               "kind": "changelog", "priority": "info", "models": ["llama-3.3-70b"]}),
    ]
}

/// Announcements and a status note carrying every [`XSS`] payload.
pub fn xss_announcements() -> Vec<Value> {
    vec![
        json!({"title": format!("Hi {}", XSS[0]), "kind": "advisory", "priority": "critical",
               "body": format!("**b** {} & [x](javascript:alert(1))\n\n{}\n\n{}", XSS[0], XSS[1], XSS[2])}),
        json!({"title": format!("T {}", XSS[2]), "kind": "changelog", "body": XSS[1]}),
        json!({"title": format!("I {}", XSS[1]), "kind": "maintenance", "services": ["langfuse"],
               "starts_at": "2020-01-01T00:00:00Z", "body": "x"}),
    ]
}

/// Publishes `bodies` at `base` with `token`; their ids.
pub async fn publish(base: &str, token: &str, bodies: &[Value]) -> Vec<u64> {
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for b in bodies {
        let r = client
            .post(format!("{base}/api/announcements"))
            .bearer_auth(token)
            .json(b)
            .send()
            .await
            .expect("publish");
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 201, "publishing {b}: {v}");
        ids.push(v["id"].as_u64().expect("id"));
    }
    ids
}

/// Sets `service`'s status by hand.
pub async fn set_status(base: &str, token: &str, service: &str, status: &str, note: &str) {
    let r = reqwest::Client::new()
        .put(format!("{base}/api/status/{service}"))
        .bearer_auth(token)
        .json(&json!({"status": status, "note": note}))
        .send()
        .await
        .expect("set status");
    assert_eq!(r.status(), 200, "status of {service}");
}
