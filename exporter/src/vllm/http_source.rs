//! The vLLM source over HTTP: for every discovered or configured instance, concurrently and
//! each within its own timeout, `/health`, `/metrics`, `/version` and `/v1/models`, then the
//! version-independent reading ([`super::normalize`]) and model metadata ([`super::hf`]).
//!
//! `/health` and `/metrics` are the instance: without them it cannot be read. `/version` and
//! `/v1/models` (behind `--api-key`) are endpoints of their own: one that fails is reported
//! as `…_endpoint_up{source="vllm/<container>", endpoint}` 0 and never hides the metrics.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::discovery::{Discovery, Target};
use super::hf::{parse_meta, HfFiles};
use super::{normalize, VllmInstance, VllmSource, VllmState};
use llmmon_core::source::{Endpoints, SourceError};
use llmmon_core::upstream::{Auth, Response, Transport};

pub struct VllmHttpSource {
    pub discovery: Vec<Arc<dyn Discovery>>,
    pub transport: Arc<dyn Transport>,
    /// vLLM's `--api-key`: needed for `/v1/models`, not for `/metrics` or `/health`.
    pub api_auth: Auth,
    pub hf: Option<Arc<dyn HfFiles>>,
    /// Per-target timeout: a slow instance cannot delay the others.
    pub timeout: Duration,
    /// Caps on each instance's exposition ([`llmmon_core::scrape::Limits::from_env`]).
    pub limits: llmmon_core::scrape::Limits,
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
            limits: llmmon_core::scrape::Limits::from_env(),
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

    fn without_engine(&self, t: &Target, state: VllmState) -> VllmInstance {
        let (mut model, version) = self.remembered(&t.name);
        if model.is_empty() {
            model = t.model_hint.clone().unwrap_or_default();
        }
        VllmInstance {
            container: t.name.clone(),
            model,
            vllm_version: version,
            engine: String::new(),
            state,
            ..VllmInstance::default()
        }
    }

    async fn read(&self, t: &Target) -> Result<VllmInstance, SourceError> {
        if !t.running {
            return Ok(self.without_engine(t, VllmState::Stopped));
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
                return Ok(self.without_engine(t, VllmState::Loading));
            }
            Err(e) => return Err(e),
        };
        let metrics = metrics?.ok("GET /metrics")?;
        // An exposition over a cap makes the instance an error naming the cap (in /ready and
        // `…_source_up`), counted in `llm_monitor_exporter_scrape_dropped_total`: keeping the
        // series up to the cap would hand on sums and histograms silently short of some
        // engines or reasons.
        let scrape = llmmon_core::scrape::parse_bounded(
            &format!("vllm/{}", t.name),
            metrics.text()?,
            &self.limits,
        )
        .map_err(|e| SourceError::Malformed(format!("GET /metrics: {e}")))?;
        drop(metrics);
        let mut endpoints = Endpoints::default();
        let version = endpoints
            .take("version", json_of(version, "/version"))
            .and_then(|v| v["version"].as_str().map(str::to_owned));
        let models = endpoints.take("models", json_of(models, "/v1/models"));
        let card = models.as_ref().and_then(|v| v["data"].get(0).cloned());
        let state = match (health.status, &models, &card) {
            // Models listed nothing yet: the engine is still loading.
            (200..=299, Some(_), None) => VllmState::Loading,
            (200..=299, _, _) => VllmState::Ready,
            _ => VllmState::Unhealthy,
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
            state,
            meta,
            endpoints,
        })
    }
}

/// The JSON of an endpoint's answer, or why there is none.
fn json_of(
    resp: Result<Response, SourceError>,
    path: &str,
) -> Result<serde_json::Value, SourceError> {
    let what = format!("GET {path}");
    let resp = resp?;
    match resp.status {
        404 => {
            return Err(SourceError::Unsupported(format!(
                "{what}: not in this vLLM version (HTTP 404)"
            )))
        }
        401 | 403 => {
            return Err(SourceError::Unauthorized(format!(
                "{what}: HTTP {} (vLLM runs with --api-key: set LLMMON_VLLM_API_KEY)",
                resp.status
            )))
        }
        _ => {}
    }
    let resp = resp.ok(&what)?;
    serde_json::from_slice(&resp.body).map_err(|e| SourceError::Malformed(format!("{what}: {e}")))
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
