//! History from Prometheus for `llmmon top`: GPU utilisation over the last minutes (for the
//! sparklines from the first frame) and per-model rates and latency percentiles over 5
//! minutes. Asked no faster than Prometheus scrapes; when Prometheus is unreachable the TUI
//! falls back to what it derives from the exporters itself.

use std::collections::BTreeMap;
use std::time::Duration;

use llmmon_core::schema::*;
use llmmon_core::scrape::HttpFailure;
use serde_json::Value;

use super::data::{ModelRates, SPARK_LEN};

/// What Prometheus knows that one scrape cannot tell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromHistory {
    /// Utilisation in percent per GPU index, oldest first.
    pub gpu_util: BTreeMap<String, Vec<u64>>,
    pub models: BTreeMap<String, ModelRates>,
    /// Alerts firing now, as `Alert (subject)`, critical first.
    pub firing: Vec<String>,
}

/// What a firing alert is about, from its labels.
fn alert_subject(labels: &Value) -> Option<String> {
    ["model", "gpu", "container", "mountpoint", "instance"]
        .iter()
        .find_map(|k| {
            labels[*k].as_str().map(|v| match *k {
                "gpu" => format!("GPU {v}"),
                _ => v.to_owned(),
            })
        })
}

/// Why Prometheus gave no history; the header shows it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromError {
    #[error(transparent)]
    Http(#[from] HttpFailure),
    /// Prometheus answered with an error (its words).
    #[error("prometheus: {0}")]
    Query(String),
}

pub struct PromClient {
    pub base_url: String,
    pub client: reqwest::Client,
}

/// The PromQL behind each figure (names from the schema).
pub fn queries() -> [(&'static str, String); 6] {
    let rate = |name: &str| format!("sum by (model) (rate({name}[5m]))");
    let quantile = |q: f64, h: &MetricDef| {
        format!(
            "histogram_quantile({q}, sum by (model, le) (rate({}_bucket[5m])))",
            h.name
        )
    };
    [
        (
            "requests_per_min",
            format!("60 * {}", rate(VLLM_REQUEST_SUCCESS.name)),
        ),
        ("prompt_tokens_per_s", rate(VLLM_PROMPT_TOKENS.name)),
        ("generation_tokens_per_s", rate(VLLM_GENERATION_TOKENS.name)),
        ("ttft_p50", quantile(0.5, &VLLM_TTFT)),
        ("ttft_p95", quantile(0.95, &VLLM_TTFT)),
        ("e2e_p95", quantile(0.95, &VLLM_E2E)),
    ]
}

impl PromClient {
    async fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Value, PromError> {
        let resp = self
            .client
            .get(format!("{}{path}", self.base_url))
            .query(params)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(HttpFailure::from)?;
        let v: Value = resp.json().await.map_err(HttpFailure::from)?;
        if v["status"] != "success" {
            return Err(PromError::Query(
                v["error"].as_str().unwrap_or("query failed").to_owned(),
            ));
        }
        Ok(v["data"]["result"].clone())
    }

    /// The GPUs' energy in joules since 00:00 UTC at `now`.
    pub async fn energy_today(&self, now: f64) -> Result<f64, PromError> {
        let since = crate::status::energy::since_midnight(now);
        let rows = self
            .get(
                "/api/v1/query",
                &[
                    ("query", crate::status::energy::energy_query(since)),
                    ("time", format!("{now}")),
                ],
            )
            .await?;
        rows.get(0)
            .and_then(|r| r["value"][1].as_str()?.parse::<f64>().ok())
            .ok_or_else(|| PromError::Query("no GPU energy recorded today".to_owned()))
    }

    /// One read of everything the TUI wants from history, ending at `now`.
    pub async fn read(&self, now: f64) -> Result<PromHistory, PromError> {
        let mut h = PromHistory::default();
        let span = SPARK_LEN as f64 * 10.0;
        let util = self
            .get(
                "/api/v1/query_range",
                &[
                    ("query", GPU_UTILIZATION.name.to_owned()),
                    ("start", format!("{}", now - span)),
                    ("end", format!("{now}")),
                    ("step", "10".to_owned()),
                ],
            )
            .await?;
        for series in util.as_array().into_iter().flatten() {
            let gpu = series["metric"]["gpu"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let values = series["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p[1].as_str()?.parse::<f64>().ok())
                .map(|u| (u * 100.0).round() as u64)
                .collect();
            h.gpu_util.insert(gpu, values);
        }
        for (field, q) in queries() {
            for row in self
                .get("/api/v1/query", &[("query", q)])
                .await?
                .as_array()
                .into_iter()
                .flatten()
            {
                let model = row["metric"]["model"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let Some(v) = row["value"][1]
                    .as_str()
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| v.is_finite())
                else {
                    continue;
                };
                let r = h.models.entry(model).or_default();
                match field {
                    "requests_per_min" => r.requests_per_min = Some(v),
                    "prompt_tokens_per_s" => r.prompt_tokens_per_s = Some(v),
                    "generation_tokens_per_s" => r.generation_tokens_per_s = Some(v),
                    "ttft_p50" => r.ttft_p50 = Some(v),
                    "ttft_p95" => r.ttft_p95 = Some(v),
                    _ => r.e2e_p95 = Some(v),
                }
            }
        }
        let mut firing: Vec<(bool, String)> = self
            .get(
                "/api/v1/query",
                &[("query", r#"ALERTS{alertstate="firing"}"#.to_owned())],
            )
            .await?
            .as_array()
            .into_iter()
            .flatten()
            .map(|row| {
                let l = &row["metric"];
                let name = l["alertname"].as_str().unwrap_or("alert");
                let text = match alert_subject(l) {
                    Some(s) => format!("{name} ({s})"),
                    None => name.to_owned(),
                };
                (l["severity"] != "critical", text)
            })
            .collect();
        firing.sort();
        firing.dedup();
        h.firing = firing.into_iter().map(|(_, t)| t).collect();
        Ok(h)
    }
}
