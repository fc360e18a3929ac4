//! The simulated LLM services: vLLM engine statistics, LiteLLM's catalog and usage, and
//! Langfuse analytics, all derived from the same per-instance traffic.

use super::fleet::{ModelType, VllmSpec, FLEET_EPOCH, LANGFUSE_VERSION, LITELLM_VERSION};
use super::scenario::{Fault, Scenario};
use super::signal::{noise, LogNormal};
use super::traffic::{InstanceState, Traffic};
use super::upstreams::vllm::Generation;
use super::Simulator;
use llmmon_core::source::SourceError;
use llmmon_readings::langfuse::{LangfuseReading, ModelDay, ScoreDistribution, UserDay, QUANTILES};
use llmmon_readings::litellm::{CatalogEntry, DailyUsage, KeyUsage, LitellmReading};
use llmmon_readings::vllm::{EngineStats, ModelMeta, VllmInstance};

/// LiteLLM budgets reset every 30 days (`budget_duration: 30d`).
const BUDGET_PERIOD_S: f64 = 30.0 * 86_400.0;

fn day_start(t: f64) -> f64 {
    (t / 86_400.0).floor() * 86_400.0
}

impl Simulator {
    /// Every vLLM instance at time t.
    pub fn vllm_instances(&self, t: f64) -> Vec<VllmInstance> {
        self.with_traffic(|tr| tr.fleet.vllm.iter().map(|s| instance(tr, s, t)).collect())
    }

    /// One vLLM instance at time t, by container name.
    pub fn vllm_instance(&self, container: &str, t: f64) -> Option<VllmInstance> {
        self.with_traffic(|tr| {
            let spec = tr.fleet.vllm.iter().find(|s| s.container == container)?;
            Some(instance(tr, spec, t))
        })
    }

    /// LiteLLM's admin view at time t.
    pub fn litellm_reading(&self, t: f64) -> LitellmReading {
        self.with_traffic(|tr| litellm(tr, t))
    }

    /// Langfuse's analytics at time t; an error while `upstream_down` holds.
    pub fn langfuse_reading(&self, t: f64) -> Result<LangfuseReading, SourceError> {
        self.with_traffic(|tr| {
            if tr.timeline.at(t).conditions.has(Fault::UpstreamDown) {
                return Err(SourceError::Unavailable(
                    "GET /api/public/health: connection refused".to_owned(),
                ));
            }
            Ok(langfuse(tr, t))
        })
    }
}

fn meta(spec: &VllmSpec) -> ModelMeta {
    ModelMeta {
        hf_id: spec.hf_id.to_owned(),
        model_type: spec.model_type.as_str().to_owned(),
        quantization: spec.quantization.to_owned(),
        dtype: spec.dtype.to_owned(),
        context_length: Some(spec.context_length),
        parameters: Some(spec.parameters),
    }
}

fn instance(tr: &Traffic<'_>, spec: &VllmSpec, t: f64) -> VllmInstance {
    let state = tr.state(spec, t);
    let v0 = spec.engine() == "v0";
    // vLLM 0.34+ times rendering, and only for chat/completion requests (the pooling routes
    // of embedding and reranker models never observe it).
    let renders =
        Generation::of(spec.vllm_version).render_duration && spec.model_type == ModelType::Llm;
    let stats = tr.stats(spec, t).map(|s| {
        let i = s.instant;
        let ok = s.requests_ok;
        EngineStats {
            running: Some(i.running),
            waiting: Some(i.waiting),
            swapped: v0.then_some(0.0),
            kv_cache_usage: Some(i.kv_cache),
            cpu_cache_usage: v0.then_some(0.0),
            prefix_cache_queries: (!v0).then_some(s.prompt_tokens),
            prefix_cache_hits: (!v0).then_some((s.prompt_tokens * 0.35).floor()),
            prompt_tokens: Some(s.prompt_tokens),
            generation_tokens: Some(s.generation_tokens),
            success: vec![
                ("stop".to_owned(), (ok * 0.93).floor()),
                ("length".to_owned(), (ok * 0.06).floor()),
                ("abort".to_owned(), (ok * 0.01).floor()),
            ],
            errors: Some(s.requests_failed),
            preemptions: Some(s.preemptions),
            ttft: Some(s.ttft),
            inter_token_latency: Some(s.itl),
            e2e_latency: Some(s.e2e),
            queue_time: Some(s.queue),
            prefill_time: Some(s.prefill),
            decode_time: Some(s.decode),
            render_time: renders.then_some(s.render),
        }
    });
    VllmInstance {
        container: spec.container.clone(),
        model: spec.model.clone(),
        vllm_version: spec.vllm_version.to_owned(),
        engine: spec.engine().to_owned(),
        state,
        stats,
        // /v1/models answers only once the model is loaded.
        meta: matches!(state, InstanceState::Ready | InstanceState::Unhealthy).then(|| meta(spec)),
        ..VllmInstance::default()
    }
}

fn cost(spec: &VllmSpec, requests: f64) -> f64 {
    requests
        * (spec.prompt_tokens * spec.cost_per_input_token
            + spec.generation_tokens * spec.cost_per_output_token)
}

fn litellm(tr: &Traffic<'_>, t: f64) -> LitellmReading {
    let today = day_start(t);
    let catalog = tr
        .fleet
        .vllm
        .iter()
        .map(|s| CatalogEntry {
            model_name: s.model.clone(),
            id: format!(
                "{:016x}{:016x}",
                super::signal::hash(tr.seed, &s.model, 0),
                super::signal::hash(tr.seed, &s.model, 1)
            ),
            litellm_model: format!("hosted_vllm/{}", s.hf_id),
            api_base: format!("http://{}:8000/v1", s.container),
            mode: s.model_type.litellm_mode().to_owned(),
            max_tokens: Some(s.context_length),
            input_cost_per_token: Some(s.cost_per_input_token),
            output_cost_per_token: Some(s.cost_per_output_token),
            healthy: Some(tr.state(s, t) == InstanceState::Ready),
        })
        .collect();
    let daily = tr
        .fleet
        .vllm
        .iter()
        .map(|s| {
            let (ok, failed) = tr.requests_between(s, today, t);
            DailyUsage {
                model: s.model.clone(),
                requests_ok: ok.floor(),
                requests_failed: failed.floor(),
                prompt_tokens: (ok * s.prompt_tokens).floor(),
                completion_tokens: (ok * s.generation_tokens).floor(),
                spend_usd: cost(s, ok),
            }
        })
        .collect();
    let period_start =
        FLEET_EPOCH + ((t - FLEET_EPOCH) / BUDGET_PERIOD_S).floor() * BUDGET_PERIOD_S;
    let period_spend: f64 = tr
        .fleet
        .vllm
        .iter()
        .map(|s| cost(s, tr.requests_between(s, period_start, t).0))
        .sum();
    let keys = tr
        .fleet
        .keys
        .iter()
        .map(|k| KeyUsage {
            alias: k.alias.clone(),
            spend_usd: period_spend * k.traffic_share,
            max_budget_usd: k.max_budget_usd,
            rpm_limit: k.rpm_limit.map(f64::from),
            tpm_limit: k.tpm_limit.map(f64::from),
        })
        .collect();
    LitellmReading {
        version: Some(LITELLM_VERSION.to_owned()),
        ready: true,
        catalog,
        daily,
        keys,
        ..LitellmReading::default()
    }
}

fn quantiles(d: LogNormal) -> [f64; 3] {
    QUANTILES.map(|(q, _)| d.quantile(q))
}

fn langfuse(tr: &Traffic<'_>, t: f64) -> LangfuseReading {
    let today = day_start(t);
    let mut models = Vec::new();
    let mut all_requests = 0.0;
    let mut all_cost = 0.0;
    for s in &tr.fleet.vllm {
        let (ok, failed) = tr.requests_between(s, today, t);
        let (e2e, ttft) = tr.latency(s, t);
        let serving = tr.state(s, t) == InstanceState::Ready;
        all_requests += ok + failed;
        all_cost += cost(s, ok);
        models.push(ModelDay {
            model: s.model.clone(),
            observations: (ok + failed).floor(),
            input_tokens: (ok * s.prompt_tokens).floor(),
            output_tokens: (ok * s.generation_tokens).floor(),
            cost_usd: cost(s, ok),
            error_observations: failed.floor(),
            latency_s: if serving {
                quantiles(e2e).map(Some)
            } else {
                [None; 3]
            },
            ttft_s: if serving && s.generation_tokens > 0.0 {
                quantiles(ttft).map(Some)
            } else {
                [None; 3]
            },
        });
    }
    let traces = (all_requests * 0.85).floor();
    let users = tr
        .fleet
        .users
        .iter()
        .enumerate()
        .map(|(i, u)| UserDay {
            user: u.clone(),
            cost_usd: all_cost * tr.fleet.user_share(i),
            traces: (traces * tr.fleet.user_share(i)).floor(),
        })
        .collect();
    let c = &tr.timeline.at(t).conditions;
    let quality_drop = if c.scenario == Scenario::Degraded || c.has(Fault::ErrorBurst) {
        0.15
    } else {
        0.0
    };
    let score = |name: &str, median: f64, spread: f64| {
        let m = (median + 0.02 * noise(tr.seed, name, t, 600.0)).clamp(0.0, 1.0);
        ScoreDistribution {
            name: name.to_owned(),
            quantiles: [m, (m + spread).min(1.0), (m + 1.5 * spread).min(1.0)],
            samples: (traces * 0.1).floor(),
        }
    };
    LangfuseReading {
        version: Some(LANGFUSE_VERSION.to_owned()),
        daily_traces: Some(traces),
        models,
        users,
        scores: vec![
            score("helpfulness", 0.82 - quality_drop, 0.1),
            score("correctness", 0.78 - quality_drop, 0.12),
            score("toxicity", 0.02, 0.03),
        ],
        ..LangfuseReading::default()
    }
}

/// LiteLLM's start: its own counters count from here.
const LITELLM_STARTED: f64 = FLEET_EPOCH + 5.0 * 86_400.0;

/// What LiteLLM's own `/metrics` counts for one route since the proxy started.
#[derive(Debug, Clone)]
pub struct ProxyTotals {
    pub model: String,
    /// The upstream model LiteLLM labels `model` (the Hugging Face id).
    pub upstream_model: String,
    pub route: &'static str,
    pub api_base: String,
    pub healthy: bool,
    pub ok: f64,
    pub failed: f64,
    pub prompt_tokens: f64,
    pub completion_tokens: f64,
    pub spend: f64,
    /// The requests LiteLLM got an answer for in each piece of the timeline since it
    /// started, with the latency distributions (end to end, first token) of that piece: its
    /// histograms integrate them piece by piece.
    pub answered: Vec<(f64, LogNormal, LogNormal)>,
}

impl Simulator {
    /// LiteLLM proxy counters per route at time t.
    pub fn litellm_proxy_totals(&self, t: f64) -> Vec<ProxyTotals> {
        self.with_traffic(|tr| {
            tr.fleet
                .vllm
                .iter()
                .map(|s| {
                    let (mut ok, mut failed) = (0.0, 0.0);
                    let mut answered = Vec::new();
                    for (o, f, cond) in tr.request_pieces(s, LITELLM_STARTED, t) {
                        ok += o;
                        failed += f;
                        if o > 0.0 {
                            let e2e = Traffic::e2e_dist(s, cond);
                            answered.push((o, e2e, super::traffic::ttft_dist(s, cond)));
                        }
                    }
                    ProxyTotals {
                        model: s.model.clone(),
                        upstream_model: s.hf_id.to_owned(),
                        route: match s.model_type {
                            crate::fleet::ModelType::Llm => "/v1/chat/completions",
                            crate::fleet::ModelType::Embedding => "/v1/embeddings",
                            crate::fleet::ModelType::Reranker => "/v1/rerank",
                        },
                        api_base: format!("http://{}:8000/v1", s.container),
                        healthy: tr.state(s, t) == InstanceState::Ready,
                        ok: ok.floor(),
                        failed: failed.floor(),
                        prompt_tokens: (ok * s.prompt_tokens).floor(),
                        completion_tokens: (ok * s.generation_tokens).floor(),
                        spend: cost(s, ok),
                        answered,
                    }
                })
                .collect()
        })
    }
}
