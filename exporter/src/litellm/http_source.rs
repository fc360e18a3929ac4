//! The LiteLLM source over its admin API (bearer master key). `/health/readiness` says
//! whether the proxy answers (the role's `source_up`); every other endpoint is read on its
//! own and reported as `…_endpoint_up{source="litellm", endpoint}`, so one that fails never
//! hides what the others answered: `/health/readiness/details` (version from 1.84),
//! `/model/info` (catalog), the cached deployment health (`/health/latest`; never plain
//! `/health`, which calls every model) or, where that is absent, LiteLLM's own
//! `litellm_deployment_state` from its `/metrics/`, `/user/daily/activity` (today's usage
//! per model) and `/key/list` (spend and limits per key, bounded pages).
//!
//! A proxy without a database answers the database-backed endpoints with 500 (or 400
//! `no_db_connection`): that is reported as *unsupported* with the reason, not as a failure.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{CatalogEntry, DailyUsage, KeyUsage, LitellmReading, LitellmSource};
use llmmon_core::payload::{self, entries, items, lenient, number, record};
use llmmon_core::schema::LITELLM_DEPLOYMENT_STATE;
use llmmon_core::source::{Endpoints, SourceError};
use llmmon_core::upstream::{Auth, Response, Transport};

/// Most pages of daily activity read per collection.
pub const MAX_DAILY_PAGES: u32 = 10;
/// Most pages of keys read per collection.
pub const MAX_KEY_PAGES: u32 = 5;
const KEY_PAGE_SIZE: u32 = 100;

/// What operators are told when the proxy runs without a database.
pub const NO_DATABASE: &str =
    "LiteLLM has no database: usage, keys and health checks are not available";

/// One admin endpoint: the name it is reported under, its path, and whether LiteLLM needs
/// its database to answer it.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    name: &'static str,
    path: &'static str,
    needs_db: bool,
}

const fn endpoint(name: &'static str, path: &'static str, needs_db: bool) -> Endpoint {
    Endpoint {
        name,
        path,
        needs_db,
    }
}

const READINESS: Endpoint = endpoint("readiness", "/health/readiness", false);
const READINESS_DETAILS: Endpoint =
    endpoint("readiness_details", "/health/readiness/details", false);
const MODEL_INFO: Endpoint = endpoint("model_info", "/model/info", false);
const HEALTH_LATEST: Endpoint = endpoint("health_latest", "/health/latest", true);
/// From 1.84 `/metrics` redirects here and needs the key.
const PROXY_METRICS: Endpoint = endpoint("metrics", "/metrics/", false);
const DAILY_ACTIVITY: Endpoint = endpoint("daily_activity", "/user/daily/activity", true);
const KEY_LIST: Endpoint = endpoint("key_list", "/key/list", true);

/// Whether an error body is LiteLLM saying it has no database (`Database not initialized`,
/// `DB not connected`, `no_db_connection`, `Database not connected`).
fn says_no_database(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
    [
        "database not initialized",
        "db not connected",
        "no_db_connection",
        "database not connected",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// Whether an error body is an authentication failure, whatever its status code.
fn says_unauthorized(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_ascii_lowercase();
    [
        "authentication error",
        "auth_error",
        "invalid proxy server token",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// What a non-2xx answer of `ep` means. Reasons name the status and LiteLLM's condition,
/// never the body (which may echo credentials).
fn refusal(ep: Endpoint, resp: &Response) -> SourceError {
    let what = format!("GET {}", ep.path);
    if resp.status == 404 {
        return SourceError::Unsupported(format!("{what}: not in this LiteLLM version (HTTP 404)"));
    }
    if says_no_database(&resp.body) {
        return if ep.needs_db {
            SourceError::Unsupported(NO_DATABASE.to_owned())
        } else {
            // Without a database only the master key is accepted: any other key gets
            // `no_db_connection` even where no database is needed.
            SourceError::Unauthorized(format!(
                "{what}: HTTP {} (LiteLLM has no database, so only its master key is accepted: check LLMMON_LITELLM_MASTER_KEY)",
                resp.status
            ))
        };
    }
    if matches!(resp.status, 401 | 403) || says_unauthorized(&resp.body) {
        return SourceError::Unauthorized(format!(
            "{what}: HTTP {} (check LLMMON_LITELLM_MASTER_KEY)",
            resp.status
        ));
    }
    SourceError::Unavailable(format!("{what}: HTTP {}", resp.status))
}

pub struct LitellmHttpSource {
    pub base_url: String,
    pub auth: Auth,
    pub transport: Arc<dyn Transport>,
    pub timeout: Duration,
    /// Where "today" comes from (fixed in tests).
    pub clock: llmmon_core::clock::Clock,
    /// Caps on the proxy's own `/metrics/` exposition
    /// ([`llmmon_core::scrape::Limits::from_env`]).
    pub limits: llmmon_core::scrape::Limits,
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
            clock: llmmon_core::clock::wall_clock(),
            limits: llmmon_core::scrape::Limits::from_env(),
        }
    }

    /// The same source reading "today" from `clock`.
    pub fn with_clock(mut self, clock: llmmon_core::clock::Clock) -> Self {
        self.clock = clock;
        self
    }

    /// GET `ep` (with `query` appended), failing on anything but a 2xx.
    async fn get(&self, ep: Endpoint, query: &str) -> Result<Response, SourceError> {
        let url = format!("{}{}{query}", self.base_url, ep.path);
        let resp = self.transport.get(&url, &self.auth, self.timeout).await?;
        if resp.is_success() {
            Ok(resp)
        } else {
            Err(refusal(ep, &resp))
        }
    }

    /// GET `ep` and read its JSON payload.
    async fn json<T: DeserializeOwned + Default>(
        &self,
        ep: Endpoint,
        query: &str,
    ) -> Result<T, SourceError> {
        let resp = self.get(ep, query).await?;
        payload::parse(&resp.body)
            .map_err(|e| SourceError::Malformed(format!("GET {}: {e}", ep.path)))
    }

    /// Today's usage, every page (the endpoint pages over database rows, not days).
    async fn daily_pages(&self, today: &str) -> Result<Vec<ActivityDay>, SourceError> {
        let mut results = Vec::new();
        for page in 1..=MAX_DAILY_PAGES {
            let q = format!("?start_date={today}&end_date={today}&page={page}&page_size=100");
            let v: ActivityPage = self.json(DAILY_ACTIVITY, &q).await?;
            results.extend(v.results);
            if !v.metadata.has_more.unwrap_or(false) {
                break;
            }
        }
        Ok(results)
    }

    /// Every key, bounded pages.
    async fn key_pages(&self) -> Result<Vec<KeyUsage>, SourceError> {
        let mut keys = Vec::new();
        for page in 1..=MAX_KEY_PAGES {
            let q = format!("?return_full_object=true&page={page}&size={KEY_PAGE_SIZE}");
            let v: KeyPage = self.json(KEY_LIST, &q).await?;
            keys.extend(parse_keys(&v));
            if v.total_pages.unwrap_or_default() <= f64::from(page) {
                break;
            }
        }
        Ok(keys)
    }

    /// Deployment health: LiteLLM's cached checks, else its own `litellm_deployment_state`
    /// (every version from 1.80 exports it, with or without a database).
    async fn health(&self, endpoints: &mut Endpoints) -> BTreeMap<String, bool> {
        let latest = self.json(HEALTH_LATEST, "").await.map(|v| parse_health(&v));
        if let Some(h) = endpoints.take(HEALTH_LATEST.name, latest) {
            if !h.is_empty() {
                return h;
            }
        }
        let states = match self.get(PROXY_METRICS, "").await {
            Ok(resp) => resp.text().and_then(|t| {
                llmmon_core::scrape::parse_bounded("litellm/metrics", t, &self.limits)
                    .map(|s| parse_deployment_state(&s))
                    .map_err(|e| SourceError::Malformed(format!("GET /metrics/: {e}")))
            }),
            Err(e) => Err(e),
        };
        endpoints
            .take(PROXY_METRICS.name, states)
            .unwrap_or_default()
    }
}

/// `/health/readiness` and `/health/readiness/details`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Readiness {
    #[serde(deserialize_with = "lenient")]
    status: Option<String>,
    #[serde(deserialize_with = "lenient")]
    litellm_version: Option<String>,
}

/// `/model/info`: one entry per deployment.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModelInfo {
    #[serde(deserialize_with = "items")]
    pub data: Vec<Deployment>,
}

/// One deployment of `/model/info`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Deployment {
    #[serde(deserialize_with = "lenient")]
    pub model_name: Option<String>,
    #[serde(deserialize_with = "record")]
    pub litellm_params: DeploymentParams,
    #[serde(deserialize_with = "record")]
    pub model_info: DeploymentInfo,
}

/// The parts of a deployment's `litellm_params` read (never its `api_key`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentParams {
    #[serde(deserialize_with = "lenient")]
    pub model: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub api_base: Option<String>,
}

/// A deployment's `model_info`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentInfo {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub mode: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub max_input_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub max_tokens: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub input_cost_per_token: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub output_cost_per_token: Option<f64>,
}

/// The catalog from `/model/info` (`data[]` with `model_name`, `litellm_params`,
/// `model_info`). LiteLLM hides `api_key` in `litellm_params`; nothing secret is read.
pub fn parse_catalog(v: &ModelInfo) -> Vec<CatalogEntry> {
    v.data.iter().filter_map(catalog_entry).collect()
}

fn catalog_entry(d: &Deployment) -> Option<CatalogEntry> {
    let info = &d.model_info;
    let params = &d.litellm_params;
    Some(CatalogEntry {
        model_name: d.model_name.clone()?,
        id: info.id.clone().unwrap_or_default(),
        litellm_model: params.model.clone().unwrap_or_default(),
        api_base: params
            .api_base
            .as_deref()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_owned(),
        mode: info.mode.clone().unwrap_or_else(|| "chat".to_owned()),
        max_tokens: info
            .max_input_tokens
            .or(info.max_tokens)
            .and_then(|t| u32::try_from(t).ok()),
        input_cost_per_token: info.input_cost_per_token,
        output_cost_per_token: info.output_cost_per_token,
        healthy: None,
    })
}

/// `/health/latest` or a `/health` report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HealthReport {
    #[serde(deserialize_with = "entries")]
    pub latest_health_checks: BTreeMap<String, HealthCheck>,
    #[serde(deserialize_with = "items")]
    pub healthy_endpoints: Vec<HealthEndpoint>,
    #[serde(deserialize_with = "items")]
    pub unhealthy_endpoints: Vec<HealthEndpoint>,
}

/// One cached check of `/health/latest`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HealthCheck {
    #[serde(deserialize_with = "lenient")]
    pub status: Option<String>,
}

/// One endpoint of a `/health` report.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HealthEndpoint {
    #[serde(deserialize_with = "lenient")]
    pub api_base: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub model: Option<String>,
}

/// Deployment health by deployment id, api_base or model, from either shape LiteLLM gives:
/// `/health/latest` (`latest_health_checks`: deployment id → `{model_name, status}`), or a
/// `/health` report (`healthy_endpoints` / `unhealthy_endpoints` of `{model, api_base}`).
pub fn parse_health(v: &HealthReport) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for (id, check) in &v.latest_health_checks {
        out.insert(id.clone(), check.status.as_deref() == Some("healthy"));
    }
    for (endpoints, healthy) in [
        (&v.healthy_endpoints, true),
        (&v.unhealthy_endpoints, false),
    ] {
        for e in endpoints {
            if let Some(base) = &e.api_base {
                out.insert(base.trim_end_matches('/').to_owned(), healthy);
            }
            if let Some(model) = &e.model {
                out.entry(model.clone()).or_insert(healthy);
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

/// One page of `/user/daily/activity`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityPage {
    #[serde(deserialize_with = "items")]
    pub results: Vec<ActivityDay>,
    #[serde(deserialize_with = "record")]
    pub metadata: ActivityMetadata,
}

/// A page's `metadata`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityMetadata {
    #[serde(deserialize_with = "lenient")]
    pub has_more: Option<bool>,
}

/// One day of `/user/daily/activity`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityDay {
    #[serde(deserialize_with = "lenient")]
    pub date: Option<String>,
    #[serde(deserialize_with = "record")]
    pub breakdown: ActivityBreakdown,
}

/// A day's `breakdown` (only `models` is read).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityBreakdown {
    #[serde(deserialize_with = "entries")]
    pub models: BTreeMap<String, ModelActivity>,
}

/// One model of a day's breakdown.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModelActivity {
    #[serde(deserialize_with = "record")]
    pub metrics: ActivityMetrics,
}

/// A model's figures for the day; absent ones count as none.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityMetrics {
    #[serde(deserialize_with = "number")]
    pub successful_requests: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub failed_requests: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub prompt_tokens: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub completion_tokens: Option<f64>,
    #[serde(deserialize_with = "number")]
    pub spend: Option<f64>,
}

/// Today's usage per model from `/user/daily/activity` (`results[].breakdown.models`),
/// under the catalog's public names.
pub fn parse_daily(days: &[ActivityDay], today: &str, catalog: &[CatalogEntry]) -> Vec<DailyUsage> {
    let mut per: BTreeMap<String, DailyUsage> = BTreeMap::new();
    for day in days {
        if day.date.as_deref().is_some_and(|d| !d.starts_with(today)) {
            continue;
        }
        for (model, entry) in &day.breakdown.models {
            let m = &entry.metrics;
            let name = public_name(catalog, model);
            let u = per.entry(name.clone()).or_insert_with(|| DailyUsage {
                model: name,
                ..DailyUsage::default()
            });
            u.requests_ok += m.successful_requests.unwrap_or_default();
            u.requests_failed += m.failed_requests.unwrap_or_default();
            u.prompt_tokens += m.prompt_tokens.unwrap_or_default();
            u.completion_tokens += m.completion_tokens.unwrap_or_default();
            u.spend_usd += m.spend.unwrap_or_default();
        }
    }
    per.into_values().collect()
}

/// One page of `/key/list?return_full_object=true`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct KeyPage {
    #[serde(deserialize_with = "items")]
    pub keys: Vec<Key>,
    #[serde(deserialize_with = "number")]
    pub total_pages: Option<f64>,
}

/// One key of `/key/list` (its hashed `token`, never the key itself).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Key {
    #[serde(deserialize_with = "lenient")]
    pub key_alias: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub token: Option<String>,
    #[serde(deserialize_with = "number")]
    pub spend: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub max_budget: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub rpm_limit: Option<f64>,
    #[serde(deserialize_with = "lenient")]
    pub tpm_limit: Option<f64>,
}

/// Keys from `/key/list?return_full_object=true` (`keys[]` objects). Keys without an alias
/// are named by their hashed token's first characters, never by the key itself.
pub fn parse_keys(v: &KeyPage) -> Vec<KeyUsage> {
    v.keys
        .iter()
        .filter_map(|k| {
            let alias = k.key_alias.clone().filter(|a| !a.is_empty()).or_else(|| {
                k.token
                    .as_deref()
                    .map(|t| format!("key-{}", &t[..t.len().min(8)]))
            })?;
            Some(KeyUsage {
                alias,
                spend_usd: k.spend.unwrap_or_default(),
                max_budget_usd: k.max_budget,
                rpm_limit: k.rpm_limit,
                tpm_limit: k.tpm_limit,
            })
        })
        .collect()
}

/// Deployment health from LiteLLM's own `litellm_deployment_state` (0 healthy, 1 partial
/// outage, 2 complete outage), keyed by deployment id and by api_base; a partial outage
/// counts as not healthy.
pub fn parse_deployment_state(s: &llmmon_core::scrape::Scrape) -> BTreeMap<String, bool> {
    let mut out = BTreeMap::new();
    for series in s.series(LITELLM_DEPLOYMENT_STATE.name) {
        let Some(v) = series.value.number() else {
            continue;
        };
        let healthy = v == 0.0;
        for key in [series.label("model_id"), series.label("api_base")] {
            if !key.is_empty() {
                out.insert(key.trim_end_matches('/').to_owned(), healthy);
            }
        }
    }
    out
}

#[async_trait]
impl LitellmSource for LitellmHttpSource {
    async fn read(&self) -> Result<LitellmReading, SourceError> {
        // The proxy answers: the one request whose failure fails the source.
        let readiness: Readiness = self.json(READINESS, "").await?;
        let ready = matches!(readiness.status.as_deref(), Some("healthy" | "connected"));
        let mut endpoints = Endpoints::default();
        let mut version = readiness.litellm_version;
        if version.is_none() {
            // From 1.84 the version moved to /health/readiness/details (behind the key).
            let details = self.json::<Readiness>(READINESS_DETAILS, "").await;
            version = endpoints
                .take(READINESS_DETAILS.name, details)
                .and_then(|d| d.litellm_version);
        }
        let info = self.json(MODEL_INFO, "").await;
        let mut catalog = endpoints
            .take(MODEL_INFO.name, info)
            .map(|v: ModelInfo| parse_catalog(&v))
            .unwrap_or_default();
        let health = self.health(&mut endpoints).await;
        for e in &mut catalog {
            e.healthy = health
                .get(&e.id)
                .or_else(|| health.get(&e.api_base))
                .or_else(|| health.get(&e.litellm_model))
                .copied();
        }
        let today = chrono::DateTime::from_timestamp((self.clock)() as i64, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string();
        let daily = endpoints
            .take(DAILY_ACTIVITY.name, self.daily_pages(&today).await)
            .map(|v| parse_daily(&v, &today, &catalog))
            .unwrap_or_default();
        let keys = endpoints
            .take(KEY_LIST.name, self.key_pages().await)
            .unwrap_or_default();
        Ok(LitellmReading {
            version,
            ready,
            catalog,
            daily,
            keys,
            endpoints,
        })
    }
}
