//! `--fleet URL`: a fleet's lines read from its central store (VictoriaMetrics, or any
//! Prometheus-compatible API holding every server's series under `host`), the same facts
//! as `--hosts` gives from each server's exporters: one PromQL query per fact, grouped by
//! host, and the firing alerts (vmalert's `ALERTS`) as the problems.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::fleet::Line;
use llmmon_core::schema::*;
use llmmon_core::thresholds::GPU_TEMP_WARNING_C;

/// How long a server may be silent before it counts as not answering.
const SILENT_S: f64 = 120.0;

/// Why the store gave no fleet.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store did not answer (URL shown without its credentials).
    #[error("the central store at {url} does not answer: {why}")]
    Unreachable { url: String, why: String },
    #[error("the central store at {url} refused a query: {why}")]
    Refused { url: String, why: String },
    #[error("the central store at {0} holds no server (no series with a host label)")]
    Empty(String),
}

/// A central store's query API; `url` may carry `user:password@` for vmauth.
pub struct Store {
    base: url::Url,
    client: reqwest::Client,
}

impl Store {
    pub fn new(url: &str) -> Result<Self, url::ParseError> {
        let base = url::Url::parse(url.trim_end_matches('/'))?;
        Ok(Self {
            base,
            client: reqwest::Client::new(),
        })
    }

    fn shown(&self) -> String {
        llmmon_core::redact::url(self.base.as_str())
    }

    /// `data.result` of an instant query.
    async fn query(&self, q: &str) -> Result<Vec<Value>, StoreError> {
        let mut plain = self.base.clone();
        let _ = plain.set_username("");
        let _ = plain.set_password(None);
        let mut req = self
            .client
            .get(format!(
                "{}/api/v1/query",
                plain.as_str().trim_end_matches('/')
            ))
            .query(&[("query", q)])
            .timeout(Duration::from_secs(10));
        if !self.base.username().is_empty() {
            req = req.basic_auth(self.base.username(), self.base.password());
        }
        let unreachable = |why: String| StoreError::Unreachable {
            url: self.shown(),
            why,
        };
        let resp = req
            .send()
            .await
            .map_err(|e| unreachable(e.without_url().to_string()))?;
        let status = resp.status();
        let v: Value = resp
            .json()
            .await
            .map_err(|_| unreachable(format!("HTTP {status}, not a query API")))?;
        if v["status"] != "success" {
            return Err(StoreError::Refused {
                url: self.shown(),
                why: v["error"].as_str().unwrap_or("no reason").to_owned(),
            });
        }
        Ok(v["data"]["result"].as_array().cloned().unwrap_or_default())
    }

    /// `query`'s value per host.
    async fn per_host(&self, q: &str) -> Result<BTreeMap<String, f64>, StoreError> {
        Ok(self
            .query(q)
            .await?
            .iter()
            .filter_map(|r| {
                let host = r["metric"]["host"].as_str()?.to_owned();
                let v = r["value"][1].as_str()?.parse::<f64>().ok()?;
                Some((host, v))
            })
            .collect())
    }

    /// Every server's line, the worst first.
    pub async fn lines(&self) -> Result<Vec<Line>, StoreError> {
        let last = self.per_host("max by (host) (timestamp(up))").await?;
        if last.is_empty() {
            return Err(StoreError::Empty(self.shown()));
        }
        let now = llmmon_core::clock::now();
        let gpus = self
            .per_host(&format!("count by (host) ({})", GPU_INFO.name))
            .await?;
        let busy = self
            .per_host(&format!("avg by (host) ({})", GPU_UTILIZATION.name))
            .await?;
        let hot = self
            .per_host(&format!(
                "count by (host) ({} > {GPU_TEMP_WARNING_C})",
                GPU_TEMPERATURE.name
            ))
            .await?;
        let memory = self
            .per_host(&format!(
                "sum by (host) ({}) / sum by (host) ({})",
                GPU_MEMORY_USED.name, GPU_MEMORY_TOTAL.name
            ))
            .await?;
        let up = self
            .per_host(&format!(
                "count by (host) ({}{{state=\"ready\"}} == 1)",
                VLLM_STATE.name
            ))
            .await?;
        let models = self
            .per_host(&format!("count by (host) ({})", VLLM_INFO.name))
            .await?;
        let requests = self
            .per_host(&format!("sum by (host) ({})", LITELLM_DAILY_REQUESTS.name))
            .await?;
        let failed = self
            .per_host(&format!(
                "sum by (host) ({}{{result=\"failure\"}})",
                LITELLM_DAILY_REQUESTS.name
            ))
            .await?;
        let firing = self
            .query("count by (host, severity, alertname) (ALERTS{alertstate=\"firing\"})")
            .await?;
        let mut lines: Vec<Line> = last
            .iter()
            .map(|(host, seen)| {
                let alerts = |sev: &str| {
                    firing
                        .iter()
                        .filter(|r| r["metric"]["host"] == host.as_str())
                        .filter(|r| r["metric"]["severity"] == sev)
                        .filter_map(|r| r["metric"]["alertname"].as_str())
                        .collect::<Vec<_>>()
                };
                let (critical, warnings) = (alerts("critical"), alerts("warning"));
                let count =
                    |m: &BTreeMap<String, f64>| m.get(host).copied().unwrap_or(0.0) as usize;
                let total = requests.get(host).copied();
                Line {
                    host: host.clone(),
                    reachable: now - seen <= SILENT_S,
                    gpus: count(&gpus),
                    busy: busy.get(host).copied(),
                    hot: count(&hot),
                    memory: memory.get(host).copied(),
                    models_up: count(&up),
                    models: count(&models),
                    requests_today: total,
                    error_ratio: total
                        .filter(|t| *t > 0.0)
                        .map(|t| failed.get(host).copied().unwrap_or(0.0) / t),
                    worst: critical
                        .first()
                        .or(warnings.first())
                        .map(|a| format!("alert {a}")),
                    critical: critical.len(),
                    warnings: warnings.len(),
                }
            })
            .collect();
        super::fleet::sort_worst_first(&mut lines);
        Ok(lines)
    }
}
