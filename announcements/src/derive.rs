//! Service status derived from Prometheus, for services nobody has set by hand: each model
//! from vLLM's state (ready → operational, loading → degraded, otherwise down), LiteLLM and
//! Langfuse from whether their exporter reaches them (the role-level `source_up`, not every
//! admin endpoint: a LiteLLM without a database is operational, its note says which data is
//! unavailable). Alongside, what the vLLM exporter knows of each served model (type and
//! context length, from `/v1/models` and the model's config), for the status page's catalog.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::model::{Health, ServiceStatus};
use llmmon_core::schema;

/// The services whose status comes from their exporter (job and collector share the name).
const SERVICES: &str = "litellm|langfuse";

/// The instant queries behind derivation: vLLM state, whether each service answers, the
/// endpoints of each that do not, and each served model's metadata.
pub fn queries() -> [String; 4] {
    [
        format!("{} == 1", schema::VLLM_STATE.name),
        format!(
            "min by (job) ({}{{job=~\"{SERVICES}\", source=~\"{SERVICES}\"}})",
            schema::SOURCE_UP.name
        ),
        format!(
            "{}{{job=~\"{SERVICES}\"}} == 1",
            schema::ENDPOINT_ERROR.name
        ),
        format!(
            "max by (model, type, context_length) ({})",
            schema::MODEL_INFO.name
        ),
    ]
}

/// What the vLLM exporter says of one served model; each part absent when unknown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelFacts {
    /// `llm`, `embedding` or `reranker` (the exporter's `type` label).
    pub model_type: Option<String>,
    /// Longest context in tokens (`max_model_len`).
    pub context_length: Option<u64>,
}

/// Everything one derivation found: statuses, and every model vLLM serves with its facts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Derived {
    pub statuses: Vec<ServiceStatus>,
    pub models: BTreeMap<String, ModelFacts>,
}

/// Each model named by the vLLM state or model info answers, with the facts the latter
/// gives (a model served by several containers with different facts keeps the first).
pub fn models(
    states: &[serde_json::Value],
    info: &[serde_json::Value],
) -> BTreeMap<String, ModelFacts> {
    let mut out: BTreeMap<String, ModelFacts> = BTreeMap::new();
    for row in states {
        if let Some(m) = row["metric"]["model"].as_str() {
            out.entry(m.to_owned()).or_default();
        }
    }
    for row in info {
        let Some(m) = row["metric"]["model"].as_str() else {
            continue;
        };
        let label = |k: &str| {
            row["metric"][k]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let facts = out.entry(m.to_owned()).or_default();
        facts.model_type = facts.model_type.take().or_else(|| label("type"));
        facts.context_length = facts
            .context_length
            .or_else(|| label("context_length").and_then(|c| c.parse().ok()));
    }
    out
}

/// The note of a service that answers: which of its data is unavailable, and why.
fn service_note(job: &str, failing: &[serde_json::Value]) -> String {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for row in failing
        .iter()
        .filter(|r| r["metric"]["job"].as_str() == Some(job))
    {
        if let (Some(endpoint), Some(kind)) = (
            row["metric"]["endpoint"].as_str(),
            row["metric"]["kind"].as_str(),
        ) {
            by_kind.entry(kind).or_default().push(endpoint);
        }
    }
    if by_kind.is_empty() {
        return "from its exporter".to_owned();
    }
    let parts: Vec<String> = by_kind
        .into_iter()
        .map(|(kind, mut endpoints)| {
            endpoints.sort_unstable();
            endpoints.dedup();
            format!("{} ({kind})", endpoints.join(", "))
        })
        .collect();
    format!("from its exporter; usage unavailable: {}", parts.join("; "))
}

/// Statuses from the answers (`data.result` of each query, in [`queries`] order).
pub fn statuses(
    models: &[serde_json::Value],
    services: &[serde_json::Value],
    failing: &[serde_json::Value],
    now: DateTime<Utc>,
) -> Vec<ServiceStatus> {
    let mut by_model: BTreeMap<String, Health> = BTreeMap::new();
    for row in models {
        let (Some(model), Some(state)) = (
            row["metric"]["model"].as_str(),
            row["metric"]["state"].as_str(),
        ) else {
            continue;
        };
        let h = match state {
            "ready" => Health::Operational,
            "loading" => Health::Degraded,
            _ => Health::Down,
        };
        // Several containers may serve one model: the best of them counts.
        let e = by_model.entry(model.to_owned()).or_insert(h);
        *e = (*e).min(h);
    }
    let mut out: Vec<ServiceStatus> = by_model
        .into_iter()
        .map(|(service, status)| derived(service, status, "from vLLM state", now))
        .collect();
    for row in services {
        let (Some(job), Some(v)) = (
            row["metric"]["job"].as_str(),
            row["value"][1].as_str().and_then(|v| v.parse::<f64>().ok()),
        ) else {
            continue;
        };
        let (status, note) = if v >= 1.0 {
            (Health::Operational, service_note(job, failing))
        } else {
            (Health::Down, "from its exporter".to_owned())
        };
        out.push(derived(job.to_owned(), status, &note, now));
    }
    out
}

fn derived(service: String, status: Health, note: &str, now: DateTime<Utc>) -> ServiceStatus {
    ServiceStatus {
        service,
        status,
        note: note.to_owned(),
        source: "derived".into(),
        updated_at: now,
    }
}

/// Manual statuses over derived ones, sorted by service.
pub fn merge(
    manual: &BTreeMap<String, ServiceStatus>,
    derived: &[ServiceStatus],
) -> Vec<ServiceStatus> {
    let mut all: BTreeMap<String, ServiceStatus> = derived
        .iter()
        .map(|s| (s.service.clone(), s.clone()))
        .collect();
    for (k, v) in manual {
        all.insert(k.clone(), v.clone());
    }
    all.into_values().collect()
}

pub use crate::prometheus::FetchError;

/// Runs the queries against `prometheus`; what they say, or why not.
pub async fn fetch(
    client: &reqwest::Client,
    prometheus: &str,
    now: DateTime<Utc>,
) -> Result<Derived, FetchError> {
    let mut answers = Vec::new();
    for q in queries() {
        let params = [("query", q)];
        let rows = crate::prometheus::get(
            client,
            prometheus,
            "/api/v1/query",
            &params,
            "vector",
            std::time::Duration::from_secs(10),
        )
        .await?;
        answers.push(rows);
    }
    Ok(Derived {
        statuses: statuses(&answers[0], &answers[1], &answers[2], now),
        models: models(&answers[0], &answers[3]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_best_container_of_a_model_counts_and_exporters_give_service_health() {
        let now = Utc::now();
        let models = [
            json!({"metric": {"model": "a", "state": "unhealthy"}, "value": [0, "1"]}),
            json!({"metric": {"model": "a", "state": "ready"}, "value": [0, "1"]}),
            json!({"metric": {"model": "b", "state": "loading"}, "value": [0, "1"]}),
            json!({"metric": {"model": "c", "state": "stopped"}, "value": [0, "1"]}),
        ];
        let services = [
            json!({"metric": {"job": "litellm"}, "value": [0, "1"]}),
            json!({"metric": {"job": "langfuse"}, "value": [0, "0"]}),
        ];
        let got: Vec<(String, Health)> = statuses(&models, &services, &[], now)
            .into_iter()
            .map(|s| (s.service, s.status))
            .collect();
        assert_eq!(
            got,
            [
                ("a".to_owned(), Health::Operational),
                ("b".to_owned(), Health::Degraded),
                ("c".to_owned(), Health::Down),
                ("litellm".to_owned(), Health::Operational),
                ("langfuse".to_owned(), Health::Down),
            ]
        );
    }

    #[test]
    fn a_service_whose_admin_endpoints_fail_is_operational_and_says_what_is_unavailable() {
        let services = [json!({"metric": {"job": "litellm"}, "value": [0, "1"]})];
        let failing = [
            json!({"metric": {"job": "litellm", "endpoint": "key_list", "kind": "unsupported"}, "value": [0, "1"]}),
            json!({"metric": {"job": "litellm", "endpoint": "daily_activity", "kind": "unsupported"}, "value": [0, "1"]}),
            json!({"metric": {"job": "langfuse", "endpoint": "scores", "kind": "unavailable"}, "value": [0, "1"]}),
        ];
        let got = statuses(&[], &services, &failing, Utc::now());
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].status, Health::Operational);
        assert_eq!(
            got[0].note,
            "from its exporter; usage unavailable: daily_activity, key_list (unsupported)"
        );
    }

    #[test]
    fn every_served_model_is_listed_with_the_facts_the_exporter_knows() {
        let states = [
            json!({"metric": {"model": "llama", "state": "ready"}, "value": [0, "1"]}),
            json!({"metric": {"model": "bare", "state": "loading"}, "value": [0, "1"]}),
        ];
        let info = [
            json!({"metric": {"model": "llama", "type": "llm", "context_length": "131072"}, "value": [0, "1"]}),
            json!({"metric": {"model": "bge", "type": "embedding", "context_length": ""}, "value": [0, "1"]}),
        ];
        let got = models(&states, &info);
        assert_eq!(
            got.keys().map(String::as_str).collect::<Vec<_>>(),
            ["bare", "bge", "llama"]
        );
        assert_eq!(
            got["llama"],
            ModelFacts {
                model_type: Some("llm".into()),
                context_length: Some(131_072)
            }
        );
        assert_eq!(got["bge"].context_length, None, "an empty label is unknown");
        assert_eq!(got["bare"], ModelFacts::default());
    }

    #[test]
    fn derivation_reads_the_service_level_signal_not_every_endpoint() {
        let [_, services, failing, _] = queries();
        assert!(
            services.contains("source=~\"litellm|langfuse\""),
            "{services}"
        );
        assert!(
            failing.starts_with(schema::ENDPOINT_ERROR.name),
            "{failing}"
        );
    }
}
