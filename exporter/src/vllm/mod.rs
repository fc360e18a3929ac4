//! vLLM instances: llmmon's version-independent reading of one instance, the source
//! trait, and the collector for the `vllm` role. Readings carry no vLLM metric names:
//! whatever the version, the same families come out, labelled `container`, `model` and
//! `vllm_version`.

pub mod discovery;
pub mod hf;
pub mod http_source;
pub mod normalize;

use std::sync::Arc;

use async_trait::async_trait;

use llmmon_core::exposition::MetricSet;
use llmmon_core::schema::*;
use llmmon_core::source::{Collection, Collector, Endpoints, SourceError, TargetStatus};

llmmon_core::label_enum! {
    /// What an instance is doing: the `state` of `llmmon_vllm_state`. An instance is
    /// loading until it answers.
    #[derive(Default)]
    pub enum VllmState {
        #[default]
        Loading => "loading",
        Ready => "ready",
        Unhealthy => "unhealthy",
        Stopped => "stopped",
    }
}

/// A cumulative histogram: `(upper bound, count)` pairs without `+Inf`, sum and count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    pub buckets: Vec<(f64, u64)>,
    pub sum: f64,
    pub count: u64,
}

/// Model metadata from `/v1/models` and, when mounted, the model's `config.json`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelMeta {
    pub hf_id: String,
    /// llm, embedding, reranker
    pub model_type: String,
    pub quantization: String,
    pub dtype: String,
    pub context_length: Option<u32>,
    pub parameters: Option<f64>,
}

/// Engine statistics of an instance that serves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EngineStats {
    pub running: Option<f64>,
    pub waiting: Option<f64>,
    /// V0 only.
    pub swapped: Option<f64>,
    pub kv_cache_usage: Option<f64>,
    /// V0 only.
    pub cpu_cache_usage: Option<f64>,
    pub prefix_cache_queries: Option<f64>,
    pub prefix_cache_hits: Option<f64>,
    pub prompt_tokens: Option<f64>,
    pub generation_tokens: Option<f64>,
    /// Finished requests per finished_reason (stop, length, abort).
    pub success: Vec<(String, f64)>,
    pub errors: Option<f64>,
    pub preemptions: Option<f64>,
    pub ttft: Option<Histogram>,
    pub inter_token_latency: Option<Histogram>,
    pub e2e_latency: Option<Histogram>,
    pub queue_time: Option<Histogram>,
    pub prefill_time: Option<Histogram>,
    pub decode_time: Option<Histogram>,
    /// API-server rendering (chat template, tokenization) before the engine sees the
    /// request, every request type together. vLLM 0.34+; absent before.
    pub render_time: Option<Histogram>,
}

/// One vLLM instance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VllmInstance {
    pub container: String,
    /// Served model name (vLLM's `model_name` label).
    pub model: String,
    pub vllm_version: String,
    /// v0 or v1 (which metric generation the instance exposes).
    pub engine: String,
    pub state: VllmState,
    pub stats: Option<EngineStats>,
    pub meta: Option<ModelMeta>,
    /// How the instance's endpoints beside `/health` and `/metrics` answered.
    pub endpoints: Endpoints,
}

/// Where instance readings come from.
#[async_trait]
pub trait VllmSource: Send + Sync {
    /// Every known instance; one that cannot be read is an `Err` naming its container.
    async fn instances(
        &self,
    ) -> Result<Vec<Result<VllmInstance, (String, SourceError)>>, SourceError>;
}

/// Turns instances into the `vllm` role's families.
pub fn render(instances: &[VllmInstance]) -> MetricSet {
    let mut m = MetricSet::new();
    for i in instances {
        m.gauge(
            &VLLM_INFO,
            &[&i.container, &i.model, &i.vllm_version, &i.engine],
            1.0,
        );
        m.state_set(
            &VLLM_STATE,
            &[&i.container, &i.model],
            VllmState::LABELS,
            i.state.as_str(),
        );
        if let Some(meta) = &i.meta {
            let ctx = meta
                .context_length
                .map(|c| c.to_string())
                .unwrap_or_default();
            m.gauge(
                &MODEL_INFO,
                &[
                    &i.model,
                    &meta.hf_id,
                    &meta.model_type,
                    &meta.quantization,
                    &meta.dtype,
                    &ctx,
                ],
                1.0,
            );
            m.gauge_opt(&MODEL_PARAMETERS, &[&i.model], meta.parameters);
        }
        if let Some(s) = &i.stats {
            render_stats(&mut m, [&i.container, &i.model, &i.vllm_version], s);
        }
    }
    m
}

fn render_stats(m: &mut MetricSet, l: [&str; 3], s: &EngineStats) {
    m.gauge_opt(&VLLM_RUNNING, &l, s.running);
    m.gauge_opt(&VLLM_WAITING, &l, s.waiting);
    m.gauge_opt(&VLLM_SWAPPED, &l, s.swapped);
    m.gauge_opt(&VLLM_KV_CACHE, &l, s.kv_cache_usage);
    m.gauge_opt(&VLLM_CPU_CACHE, &l, s.cpu_cache_usage);
    let counters = [
        (&VLLM_PREFIX_QUERIES, s.prefix_cache_queries),
        (&VLLM_PREFIX_HITS, s.prefix_cache_hits),
        (&VLLM_PROMPT_TOKENS, s.prompt_tokens),
        (&VLLM_GENERATION_TOKENS, s.generation_tokens),
        (&VLLM_REQUEST_ERRORS, s.errors),
        (&VLLM_PREEMPTIONS, s.preemptions),
    ];
    for (def, v) in counters {
        if let Some(v) = v {
            m.counter(def, &l, v);
        }
    }
    for (reason, v) in &s.success {
        m.counter(&VLLM_REQUEST_SUCCESS, &[l[0], l[1], l[2], reason], *v);
    }
    let hists = [
        (&VLLM_TTFT, &s.ttft),
        (&VLLM_ITL, &s.inter_token_latency),
        (&VLLM_E2E, &s.e2e_latency),
        (&VLLM_QUEUE_TIME, &s.queue_time),
        (&VLLM_PREFILL_TIME, &s.prefill_time),
        (&VLLM_DECODE_TIME, &s.decode_time),
        (&VLLM_RENDER_TIME, &s.render_time),
    ];
    for (def, h) in hists {
        if let Some(h) = h {
            m.histogram(def, &l, h.buckets.clone(), h.sum, h.count);
        }
    }
}

/// The `vllm` role's collector: one `source_up` per instance beside the overall one.
pub struct VllmCollector {
    pub source: Arc<dyn VllmSource>,
}

#[async_trait]
impl Collector for VllmCollector {
    fn name(&self) -> &str {
        "vllm"
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        let results = self.source.instances().await?;
        let mut ok = Vec::new();
        let mut targets = Vec::new();
        let mut endpoints = Vec::new();
        for r in results {
            match r {
                Ok(mut i) => {
                    endpoints.extend(
                        std::mem::take(&mut i.endpoints)
                            .into_vec()
                            .into_iter()
                            .map(|e| e.of_target(&i.container)),
                    );
                    targets.push(TargetStatus {
                        target: i.container.clone(),
                        result: Ok(()),
                    });
                    ok.push(i);
                }
                Err((container, e)) => targets.push(TargetStatus {
                    target: container,
                    result: Err(e),
                }),
            }
        }
        let mut metrics = render(&ok);
        for (source, cap, n) in llmmon_core::scrape::dropped() {
            metrics.counter(
                &llmmon_core::schema::SCRAPE_DROPPED,
                &[&source, cap.reason()],
                n as f64,
            );
        }
        Ok(Collection {
            metrics,
            targets,
            endpoints,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use llmmon_core::exposition::Value;

    #[test]
    fn a_loading_instance_has_state_but_no_engine_series() {
        let i = VllmInstance {
            container: "c".into(),
            model: "m".into(),
            vllm_version: "0.8.5".into(),
            engine: "v1".into(),
            state: VllmState::Loading,
            ..VllmInstance::default()
        };
        let m = render(&[i]);
        assert_eq!(
            m.value(&VLLM_STATE, &["c", "m", "loading"]),
            Some(&Value::Gauge(1.0))
        );
        assert_eq!(
            m.value(&VLLM_STATE, &["c", "m", "ready"]),
            Some(&Value::Gauge(0.0))
        );
        assert!(m.samples(&VLLM_RUNNING).is_empty());
    }

    #[test]
    fn v1_instances_leave_v0_only_series_out() {
        let i = VllmInstance {
            container: "c".into(),
            model: "m".into(),
            vllm_version: "0.11.0".into(),
            engine: "v1".into(),
            state: VllmState::Ready,
            stats: Some(EngineStats {
                running: Some(2.0),
                kv_cache_usage: Some(0.4),
                ..EngineStats::default()
            }),
            ..VllmInstance::default()
        };
        let m = render(&[i]);
        assert_eq!(
            m.value(&VLLM_RUNNING, &["c", "m", "0.11.0"]),
            Some(&Value::Gauge(2.0))
        );
        assert!(m.samples(&VLLM_SWAPPED).is_empty());
        assert!(m.samples(&VLLM_CPU_CACHE).is_empty());
    }
}
