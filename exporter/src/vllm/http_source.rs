//! The vLLM source over HTTP: for every discovered or configured instance, concurrently and
//! each within its own timeout, `/health`, `/metrics`, `/version` and `/v1/models`, then the
//! version-independent reading ([`super::normalize`]) and model metadata ([`super::hf`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::discovery::{Discovery, Target};
use super::hf::{parse_meta, HfFiles};
use super::{normalize, VllmInstance, VllmSource};
use crate::source::SourceError;
use crate::upstream::{Auth, Transport};

pub struct VllmHttpSource {
    pub discovery: Vec<Arc<dyn Discovery>>,
    pub transport: Arc<dyn Transport>,
    /// vLLM's `--api-key`: needed for `/v1/models`, not for `/metrics` or `/health`.
    pub api_auth: Auth,
    pub hf: Option<Arc<dyn HfFiles>>,
    /// Per-target timeout: a slow instance cannot delay the others.
    pub timeout: Duration,
    /// Last model and version seen per instance, to name a stopped one.
    known: Mutex<HashMap<String, (String, String)>>,
}

impl VllmHttpSource {
    pub fn new(
        discovery: Vec<Arc<dyn Discovery>>,
        transport: Arc<dyn Transport>,
        api_auth: Auth,
        hf: Option<Arc<dyn HfFiles>>,
        timeout: Duration,
    ) -> Self {
        Self {
            discovery,
            transport,
            api_auth,
            hf,
            timeout,
            known: Mutex::new(HashMap::new()),
        }
    }

    fn remembered(&self, name: &str) -> (String, String) {
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    fn without_engine(&self, t: &Target, state: &str) -> VllmInstance {
        let (mut model, version) = self.remembered(&t.name);
        if model.is_empty() {
            model = t.model_hint.clone().unwrap_or_default();
        }
        VllmInstance {
            container: t.name.clone(),
            model,
            vllm_version: version,
            engine: String::new(),
            state: state.to_owned(),
            stats: None,
            meta: None,
        }
    }

    async fn read(&self, t: &Target) -> Result<VllmInstance, SourceError> {
        if !t.running {
            return Ok(self.without_engine(t, "stopped"));
        }
        let get = |path: &str, auth: &Auth| {
            let url = format!("{}{path}", t.base_url);
            let auth = auth.clone();
            async move { self.transport.get(&url, &auth, self.timeout).await }
        };
        // The four requests go out together: a target costs one round trip, not four.
        let (health, metrics, version, models) = tokio::join!(
            get("/health", &Auth::None),
            get("/metrics", &Auth::None),
            get("/version", &Auth::None),
            get("/v1/models", &self.api_auth),
        );
        let health = match health {
            Ok(r) => r,
            // A container that runs but does not listen yet is loading its model.
            Err(SourceError::Unavailable(_) | SourceError::Timeout(_)) if t.discovered => {
                return Ok(self.without_engine(t, "loading"));
            }
            Err(e) => return Err(e),
        };
        let metrics = metrics?.ok("GET /metrics")?;
        let scrape = crate::scrape::parse(metrics.text()?).map_err(SourceError::Malformed)?;
        let version = match version {
            Ok(r) if r.is_success() => serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v["version"].as_str().map(str::to_owned)),
            _ => None,
        };
        let card = match &models {
            Ok(r) if r.status == 401 || r.status == 403 => {
                return Err(SourceError::Unauthorized(format!(
                    "GET /v1/models: HTTP {} (set the vLLM API key)",
                    r.status
                )))
            }
            Ok(r) if r.is_success() => serde_json::from_slice::<serde_json::Value>(&r.body)
                .ok()
                .and_then(|v| v["data"].get(0).cloned()),
            _ => None,
        };
        let state = match (health.status, &card) {
            (200..=299, Some(_)) => "ready",
            (200..=299, None) => "loading",
            _ => "unhealthy",
        };
        let names = normalize::models(&scrape);
        let model = card
            .as_ref()
            .and_then(|c| c["id"].as_str().map(str::to_owned))
            .or_else(|| names.first().cloned())
            .unwrap_or_default();
        // Metrics carry the served name too; fall back to the only one they show.
        let metrics_model = if names.contains(&model) {
            model.clone()
        } else {
            names.first().cloned().unwrap_or_default()
        };
        let meta = match card.as_ref().and_then(|c| c["root"].as_str()) {
            Some(root) => {
                let (config, index) = match &self.hf {
                    Some(hf) => (
                        hf.read(root, "config.json").await,
                        hf.read(root, "model.safetensors.index.json").await,
                    ),
                    None => (None, None),
                };
                let mut meta = parse_meta(root, config.as_deref(), index.as_deref());
                if let Some(len) = card.as_ref().and_then(|c| c["max_model_len"].as_u64()) {
                    meta.context_length = u32::try_from(len).ok();
                }
                Some(meta)
            }
            None => None,
        };
        let vllm_version = version.unwrap_or_else(|| "unknown".to_owned());
        self.known
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(t.name.clone(), (model.clone(), vllm_version.clone()));
        Ok(VllmInstance {
            container: t.name.clone(),
            engine: if normalize::is_v0(&scrape) {
                "v0"
            } else {
                "v1"
            }
            .to_owned(),
            stats: Some(normalize::engine_stats(&scrape, &metrics_model)),
            model,
            vllm_version,
            state: state.to_owned(),
            meta,
        })
    }
}

#[async_trait]
impl VllmSource for VllmHttpSource {
    async fn instances(
        &self,
    ) -> Result<Vec<Result<VllmInstance, (String, SourceError)>>, SourceError> {
        let mut targets: Vec<Target> = Vec::new();
        let mut failures = Vec::new();
        for d in &self.discovery {
            match d.targets().await {
                Ok(ts) => targets.extend(ts),
                Err(e) => failures.push(e),
            }
        }
        if targets.is_empty() {
            if let Some(e) = failures.into_iter().next() {
                return Err(e);
            }
        }
        targets.sort_by(|a, b| a.name.cmp(&b.name));
        targets.dedup_by(|a, b| a.base_url == b.base_url);
        let reads = targets
            .iter()
            .map(|t| async move { self.read(t).await.map_err(|e| (t.name.clone(), e)) });
        Ok(futures_util::future::join_all(reads).await)
    }
}
