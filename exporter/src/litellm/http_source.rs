//! The LiteLLM source over its admin API (bearer master key): `/health/readiness` (proxy up,
//! version), `/model/info` (catalog), the cached deployment health (`/health/latest`; never
//! plain `/health`, which calls every model), `/user/daily/activity` (today's usage per
//! model) and `/key/list` (spend and limits per key, bounded pages).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;

use super::{CatalogEntry, DailyUsage, KeyUsage, LitellmReading, LitellmSource};
use crate::langfuse::http_source::num;
use crate::sim;
use crate::source::SourceError;
use crate::upstream::{Auth, Transport};

/// Most pages of daily activity read per collection.
pub const MAX_DAILY_PAGES: u32 = 10;
/// Most pages of keys read per collection.
pub const MAX_KEY_PAGES: u32 = 5;
const KEY_PAGE_SIZE: u32 = 100;

pub struct LitellmHttpSource {
    pub base_url: String,
    pub auth: Auth,
    pub transport: Arc<dyn Transport>,
    pub timeout: Duration,
    /// Where "today" comes from (fixed in tests).
    pub clock: sim::Clock,
}

impl LitellmHttpSource {
    pub fn new(
        base_url: &str,
        auth: Auth,
        transport: Arc<dyn Transport>,
        timeout: Duration,
    ) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            transport,
            timeout,
            clock: sim::wall_clock(),
        }
    }

    /// The same source reading "today" from `clock`.
    pub fn with_clock(mut self, clock: sim::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// GET and parse JSON; `Ok(None)` for a 404 (an endpoint this version lacks).
    async fn json(&self, path: &str) -> Result<Option<Value>, SourceError> {
        let url = format!("{}{path}", self.base_url);
        let resp = self.transport.get(&url, &self.auth, self.timeout).await?;
        if resp.status == 404 {
            return Ok(None);
        }
        let what = format!("GET {}", path.split('?').next().unwrap_or(path));
        let resp = resp.ok(&what)?;
        serde_json::from_slice(&resp.body)
            .map(Some)
            .map_err(|e| SourceError::Malformed(format!("{what}: {e}")))
    }
}

/// The catalog from `/model/info` (`data[]` with `model_name`, `litellm_params`,
/// `model_info`). LiteLLM hides `api_key` in `litellm_params`; nothing secret is read.
pub fn parse_catalog(v: &Value) -> Vec<CatalogEntry> {
    v["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let info = &d["model_info"];
            let params = &d["litellm_params"];
            Some(CatalogEntry {
                model_name: d["model_name"].as_str()?.to_owned(),
                id: info["id"].as_str().unwrap_or_default().to_owned(),
                litellm_model: params["model"].as_str().unwrap_or_default().to_owned(),
                api_base: params["api_base"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_end_matches('/')
                    .to_owned(),
                mode: info["mode"].as_str().unwrap_or("chat").to_owned(),
                max_tokens: info["max_input_tokens"]
                    .as_u64()
                    .or_else(|| info["max_tokens"].as_u64())
                    .and_then(|t| u32::try_from(t).ok()),
                input_cost_per_token: info["input_cost_per_token"].as_f64(),
                output_cost_per_token: info["output_cost_per_token"].as_f64(),
                healthy: None,
            })
        })
        .collect()
}

/// Deployment health by deployment id, api_base or model, from either shape LiteLLM gives:
/// `/health/latest` (`latest_health_checks`: deployment id → `{model_name, status}`), or a
/// `/health` report (`healthy_endpoints` / `unhealthy_endpoints` of `{model, api_base}`).
pub fn parse_health(v: &Value) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for (id, check) in v["latest_health_checks"].as_object().into_iter().flatten() {
        out.insert(id.clone(), check["status"].as_str() == Some("healthy"));
    }
    for (key, healthy) in [("healthy_endpoints", true), ("unhealthy_endpoints", false)] {
        for e in v[key].as_array().into_iter().flatten() {
            if let Some(base) = e["api_base"].as_str() {
                out.insert(base.trim_end_matches('/').to_owned(), healthy);
            }
            if let Some(model) = e["model"].as_str() {
                out.entry(model.to_owned()).or_insert(healthy);
            }
        }
    }
    out
}

/// The public model name of a usage key: `/user/daily/activity` keys models by the upstream
/// model (`Qwen/Qwen3-32B`), the catalog by the name users call (`qwen3-32b`).
pub fn public_name(catalog: &[CatalogEntry], key: &str) -> String {
    catalog
        .iter()
        .find(|e| {
            e.model_name == key
                || e.litellm_model == key
                || e.litellm_model
                    .split_once('/')
                    .is_some_and(|(_, m)| m == key)
        })
        .map_or_else(|| key.to_owned(), |e| e.model_name.clone())
}

/// Today's usage per model from `/user/daily/activity` (`results[].breakdown.models`),
/// under the catalog's public names.
pub fn parse_daily(v: &Value, today: &str, catalog: &[CatalogEntry]) -> Vec<DailyUsage> {
    let mut per: BTreeMap<String, DailyUsage> = BTreeMap::new();
    for day in v["results"].as_array().into_iter().flatten() {
        if day["date"].as_str().is_some_and(|d| !d.starts_with(today)) {
            continue;
        }
        for (model, entry) in day["breakdown"]["models"].as_object().into_iter().flatten() {
            let m = &entry["metrics"];
            let name = public_name(catalog, model);
            let u = per.entry(name.clone()).or_insert_with(|| DailyUsage {
                model: name,
                ..DailyUsage::default()
            });
            u.requests_ok += num(&m["successful_requests"]);
            u.requests_failed += num(&m["failed_requests"]);
            u.prompt_tokens += num(&m["prompt_tokens"]);
            u.completion_tokens += num(&m["completion_tokens"]);
            u.spend_usd += num(&m["spend"]);
        }
    }
    per.into_values().collect()
}

/// Keys from `/key/list?return_full_object=true` (`keys[]` objects). Keys without an alias
/// are named by their hashed token's first characters, never by the key itself.
pub fn parse_keys(v: &Value) -> Vec<KeyUsage> {
    v["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| {
            let alias = k["key_alias"]
                .as_str()
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .or_else(|| {
                    k["token"]
                        .as_str()
                        .map(|t| format!("key-{}", &t[..t.len().min(8)]))
                })?;
            Some(KeyUsage {
                alias,
                spend_usd: num(&k["spend"]),
                max_budget_usd: k["max_budget"].as_f64(),
                rpm_limit: k["rpm_limit"].as_f64(),
                tpm_limit: k["tpm_limit"].as_f64(),
            })
        })
        .collect()
}

#[async_trait]
impl LitellmSource for LitellmHttpSource {
    async fn read(&self) -> Result<LitellmReading, SourceError> {
        let readiness = self
            .json("/health/readiness")
            .await?
            .ok_or_else(|| SourceError::Unavailable("GET /health/readiness: HTTP 404".into()))?;
        let ready = matches!(readiness["status"].as_str(), Some("healthy" | "connected"));
        let mut version = readiness["litellm_version"].as_str().map(str::to_owned);
        if version.is_none() {
            // From 1.84 the version moved to /health/readiness/details (behind the key).
            if let Ok(Some(details)) = self.json("/health/readiness/details").await {
                version = details["litellm_version"].as_str().map(str::to_owned);
            }
        }
        let mut catalog = parse_catalog(&self.json("/model/info").await?.unwrap_or_default());
        if let Some(health) = self.json("/health/latest").await? {
            let health = parse_health(&health);
            for e in &mut catalog {
                e.healthy = health
                    .get(&e.id)
                    .or_else(|| health.get(&e.api_base))
                    .or_else(|| health.get(&e.litellm_model))
                    .copied();
            }
        }
        let today = chrono::DateTime::from_timestamp((self.clock)() as i64, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string();
        // The endpoint pages over database rows, not days: one day may span pages.
        let mut daily_pages = Vec::new();
        for page in 1..=MAX_DAILY_PAGES {
            let path = format!("/user/daily/activity?start_date={today}&end_date={today}&page={page}&page_size=100");
            let Some(v) = self.json(&path).await? else {
                break;
            };
            let more = v["metadata"]["has_more"].as_bool().unwrap_or(false);
            daily_pages.push(v);
            if !more {
                break;
            }
        }
        let merged = serde_json::json!({
            "results": daily_pages.iter().flat_map(|v| v["results"].as_array().cloned().unwrap_or_default()).collect::<Vec<_>>()
        });
        let daily = parse_daily(&merged, &today, &catalog);
        let mut keys = Vec::new();
        for page in 1..=MAX_KEY_PAGES {
            let Some(v) = self
                .json(&format!(
                    "/key/list?return_full_object=true&page={page}&size={KEY_PAGE_SIZE}"
                ))
                .await?
            else {
                break;
            };
            keys.extend(parse_keys(&v));
            if num(&v["total_pages"]) <= f64::from(page) {
                break;
            }
        }
        Ok(LitellmReading {
            version,
            ready,
            catalog,
            daily,
            keys,
        })
    }
}
