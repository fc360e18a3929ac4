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
use llmmon_core::source::{Collection, Collector, SourceError, TargetStatus};

pub use llmmon_readings::vllm::*;

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
