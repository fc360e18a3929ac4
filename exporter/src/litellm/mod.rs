//! LiteLLM proxy: what its admin API tells beyond its own `/metrics` (catalog, deployment
//! health, daily usage, key budgets), the source trait, and the `litellm` role's collector.

pub mod http_source;

use std::sync::Arc;

use async_trait::async_trait;

use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_core::source::{Collection, Collector, SourceError};
use llmmon_core::topn::top_n_with_other;

/// Keys shown by name; the rest are summed as `other`.
pub const TOP_KEYS: usize = 10;

pub use llmmon_readings::litellm::*;

pub fn render(r: &LitellmReading) -> MetricSet {
    let mut m = MetricSet::new();
    if let Some(v) = &r.version {
        m.gauge(&LITELLM_INFO, &[v], 1.0);
    }
    m.gauge(&LITELLM_READY, &[], f64::from(u8::from(r.ready)));
    for e in &r.catalog {
        let model = [e.model_name.as_str()];
        m.gauge(
            &LITELLM_MODEL_INFO,
            &[
                &e.model_name,
                &e.litellm_model,
                &e.api_base,
                &e.mode,
                e.model_type(),
            ],
            1.0,
        );
        m.gauge_opt(
            &LITELLM_MODEL_MAX_TOKENS,
            &model,
            e.max_tokens.map(f64::from),
        );
        m.gauge_opt(
            &LITELLM_MODEL_COST,
            &[&e.model_name, "input"],
            e.input_cost_per_token,
        );
        m.gauge_opt(
            &LITELLM_MODEL_COST,
            &[&e.model_name, "output"],
            e.output_cost_per_token,
        );
        m.gauge_opt(
            &LITELLM_DEPLOYMENT_HEALTHY,
            &[&e.model_name, &e.api_base],
            e.healthy.map(|h| f64::from(u8::from(h))),
        );
    }
    for d in &r.daily {
        m.gauge(
            &LITELLM_DAILY_REQUESTS,
            &[&d.model, "success"],
            d.requests_ok,
        );
        m.gauge(
            &LITELLM_DAILY_REQUESTS,
            &[&d.model, "failure"],
            d.requests_failed,
        );
        m.gauge(
            &LITELLM_DAILY_TOKENS,
            &[&d.model, "prompt"],
            d.prompt_tokens,
        );
        m.gauge(
            &LITELLM_DAILY_TOKENS,
            &[&d.model, "completion"],
            d.completion_tokens,
        );
        m.gauge(&LITELLM_DAILY_SPEND, &[&d.model], d.spend_usd);
    }
    render_keys(&mut m, &r.keys);
    m
}

fn render_keys(m: &mut MetricSet, keys: &[KeyUsage]) {
    let spend: Vec<(String, [f64; 1])> = keys
        .iter()
        .map(|k| (k.alias.clone(), [k.spend_usd]))
        .collect();
    for (alias, [s]) in top_n_with_other(spend, TOP_KEYS) {
        m.gauge(&LITELLM_KEY_SPEND, &[&alias], s);
        // Limits are per key; the `other` bucket has none.
        if let Some(k) = keys.iter().find(|k| k.alias == alias) {
            m.gauge_opt(&LITELLM_KEY_BUDGET, &[&alias], k.max_budget_usd);
            m.gauge_opt(&LITELLM_KEY_RPM_LIMIT, &[&alias], k.rpm_limit);
            m.gauge_opt(&LITELLM_KEY_TPM_LIMIT, &[&alias], k.tpm_limit);
        }
    }
}

pub struct LitellmCollector {
    pub source: Arc<dyn LitellmSource>,
}

#[async_trait]
impl Collector for LitellmCollector {
    fn name(&self) -> &str {
        "litellm"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        let mut reading = self.source.read().await?;
        let endpoints = std::mem::take(&mut reading.endpoints);
        Ok(Collection::with_endpoints(render(&reading), endpoints))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::Value;

    #[test]
    fn modes_map_to_model_types() {
        let e = |mode: &str| CatalogEntry {
            mode: mode.into(),
            ..CatalogEntry::default()
        };
        assert_eq!(e("chat").model_type(), "llm");
        assert_eq!(e("completion").model_type(), "llm");
        assert_eq!(e("embedding").model_type(), "embedding");
        assert_eq!(e("rerank").model_type(), "reranker");
    }

    #[test]
    fn keys_past_the_top_n_are_summed_without_limits() {
        let keys: Vec<KeyUsage> = (0..TOP_KEYS + 3)
            .map(|i| KeyUsage {
                alias: format!("k{i}"),
                spend_usd: 100.0 - i as f64,
                max_budget_usd: Some(500.0),
                ..KeyUsage::default()
            })
            .collect();
        let m = render(&LitellmReading {
            keys,
            ..LitellmReading::default()
        });
        assert_eq!(m.samples(&LITELLM_KEY_SPEND).len(), TOP_KEYS + 1);
        let other = 100.0 * 3.0 - (10.0 + 11.0 + 12.0);
        assert_eq!(
            m.value(&LITELLM_KEY_SPEND, &["other"]),
            Some(&Value::Gauge(other))
        );
        assert!(m.value(&LITELLM_KEY_BUDGET, &["other"]).is_none());
    }
}
