//! Langfuse: traces, generations, cost, latency and scores from its public API, the source
//! trait, and the `langfuse` role's collector.

pub mod http_source;

use std::sync::Arc;

use async_trait::async_trait;

use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_core::source::{Collection, Collector, SourceError};
use llmmon_core::topn::top_n_with_other;

/// Users shown by name; the rest are summed as `other`.
pub const TOP_USERS: usize = 10;
pub use llmmon_readings::langfuse::*;

pub fn render(r: &LangfuseReading) -> MetricSet {
    let mut m = MetricSet::new();
    if let Some(v) = &r.version {
        m.gauge(&LANGFUSE_INFO, &[v], 1.0);
    }
    m.gauge_opt(&LANGFUSE_DAILY_TRACES, &[], r.daily_traces);
    for d in &r.models {
        let model = [d.model.as_str()];
        m.gauge(&LANGFUSE_DAILY_OBSERVATIONS, &model, d.observations);
        m.gauge(&LANGFUSE_DAILY_TOKENS, &[&d.model, "input"], d.input_tokens);
        m.gauge(
            &LANGFUSE_DAILY_TOKENS,
            &[&d.model, "output"],
            d.output_tokens,
        );
        m.gauge(&LANGFUSE_DAILY_COST, &model, d.cost_usd);
        m.gauge(&LANGFUSE_DAILY_ERRORS, &model, d.error_observations);
        for (def, values) in [(&LANGFUSE_LATENCY, d.latency_s), (&LANGFUSE_TTFT, d.ttft_s)] {
            for ((_, q), v) in QUANTILES.iter().zip(values) {
                m.gauge_opt(def, &[&d.model, q], v);
            }
        }
    }
    let active = r.users.iter().filter(|u| u.traces >= 1.0).count();
    m.gauge(&LANGFUSE_ACTIVE_USERS, &[], active as f64);
    let users = r
        .users
        .iter()
        .map(|u| (u.user.clone(), [u.cost_usd, u.traces]))
        .collect();
    for (user, [cost, traces]) in top_n_with_other(users, TOP_USERS) {
        m.gauge(&LANGFUSE_USER_COST, &[&user], cost);
        m.gauge(&LANGFUSE_USER_TRACES, &[&user], traces);
    }
    for s in &r.scores {
        for ((_, q), v) in QUANTILES.iter().zip(s.quantiles) {
            m.gauge(&LANGFUSE_SCORE, &[&s.name, q], v);
        }
        m.gauge(&LANGFUSE_SCORE_COUNT, &[&s.name], s.samples);
    }
    m
}

pub struct LangfuseCollector {
    pub source: Arc<dyn LangfuseSource>,
}

#[async_trait]
impl Collector for LangfuseCollector {
    fn name(&self) -> &str {
        "langfuse"
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
    fn users_are_capped_and_active_users_counted_before_capping() {
        let users = (0..25)
            .map(|i| UserDay {
                user: format!("u{i}"),
                cost_usd: 1.0,
                traces: 2.0,
            })
            .collect();
        let m = render(&LangfuseReading {
            users,
            ..LangfuseReading::default()
        });
        assert_eq!(m.samples(&LANGFUSE_USER_COST).len(), TOP_USERS + 1);
        assert_eq!(
            m.value(&LANGFUSE_ACTIVE_USERS, &[]),
            Some(&Value::Gauge(25.0))
        );
        assert_eq!(
            m.value(&LANGFUSE_USER_TRACES, &["other"]),
            Some(&Value::Gauge(30.0))
        );
    }
}
