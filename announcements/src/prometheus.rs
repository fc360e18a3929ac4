//! The service's reads of Prometheus' HTTP API (derived statuses in `derive.rs`, uptime
//! history in `uptime.rs`): one GET, its JSON, `data.result`, or why not.

use std::time::Duration;

use serde_json::Value;

/// Why Prometheus gave no result.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("Prometheus query failed: {0}")]
    Query(reqwest::Error),
    #[error("Prometheus answered something other than JSON: {0}")]
    NotJson(reqwest::Error),
    #[error("Prometheus answer without data.result of type {0}")]
    NoResult(&'static str),
}

/// `data.result` of `GET <prometheus><path>?<params>`, which must be of `result_type`
/// (`vector`, `matrix`); the URL never shows in an error (it may hold credentials).
pub async fn get(
    client: &reqwest::Client,
    prometheus: &str,
    path: &str,
    params: &[(&str, String)],
    result_type: &'static str,
    timeout: Duration,
) -> Result<Vec<Value>, FetchError> {
    let v: Value = client
        .get(format!("{}{path}", prometheus.trim_end_matches('/')))
        .query(params)
        .timeout(timeout)
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| FetchError::Query(e.without_url()))?
        .json()
        .await
        .map_err(|e| FetchError::NotJson(e.without_url()))?;
    if v["data"]["resultType"] != result_type {
        return Err(FetchError::NoResult(result_type));
    }
    v["data"]["result"]
        .as_array()
        .cloned()
        .ok_or(FetchError::NoResult(result_type))
}
