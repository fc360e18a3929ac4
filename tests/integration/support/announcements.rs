//! An announcements service on loopback with what a running deployment would hold: a
//! critical maintenance in force, an upcoming deprecation and a new model (about `models`),
//! a changelog entry and a status set by hand.

use llmmon_announcements::{Config, Local};
use serde_json::json;

pub const TOKEN: &str = "seeded-test-token-0123456789";

/// The service and its store, both gone when dropped.
pub struct Announcements {
    pub service: Local,
    _dir: tempfile::TempDir,
}

impl Announcements {
    pub fn url(&self) -> String {
        self.service.url()
    }

    /// A service with an empty store; writes need [`TOKEN`].
    pub async fn empty() -> Self {
        let dir = tempfile::tempdir().expect("tmp");
        let data = dir.path().display().to_string();
        let cfg = Config::from_env(|k| match k {
            "LLMMON_DATA_DIR" => Some(data.clone()),
            "LLMMON_ANNOUNCEMENTS_TOKEN" => Some(TOKEN.into()),
            _ => None,
        })
        .expect("config");
        let service = Local::start(cfg).await.expect("announcements service");
        Self { service, _dir: dir }
    }

    /// A service holding what a running deployment would (see the module doc).
    pub async fn seeded(models: &[&str]) -> Self {
        let service = Self::empty().await;
        let now = chrono::Utc::now();
        let at = |h: i64| (now + chrono::Duration::hours(h)).to_rfc3339();
        let first = models.first().copied().unwrap_or("model-a");
        let last = models.last().copied().unwrap_or("model-b");
        let client = reqwest::Client::new();
        let base = service.url();
        for body in [
            json!({"title": "GPU 3 driver update", "priority": "critical", "kind": "maintenance",
                   "starts_at": at(-1), "ends_at": at(1), "services": ["vllm"], "models": [first]}),
            json!({"title": format!("{last} retires"), "priority": "warning", "kind": "deprecation",
                   "starts_at": at(-2), "ends_at": at(24 * 5), "models": [last]}),
            json!({"title": format!("{first} is available"), "kind": "new_model",
                   "starts_at": at(-48), "models": [first]}),
            json!({"title": "LiteLLM 1.80 deployed", "kind": "changelog", "starts_at": at(-3)}),
        ] {
            let r = client
                .post(format!("{base}/api/announcements"))
                .bearer_auth(TOKEN)
                .json(&body)
                .send()
                .await
                .expect("post");
            assert_eq!(r.status(), 201, "{}", r.text().await.unwrap_or_default());
        }
        let r = client
            .put(format!("{base}/api/status/litellm"))
            .bearer_auth(TOKEN)
            .json(&json!({"status": "degraded", "note": "slow upstream"}))
            .send()
            .await
            .expect("put");
        assert_eq!(r.status(), 200);
        service
    }
}
