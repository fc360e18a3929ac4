//! LiteLLM: the model availability matrix with endpoints, the catalog, requests and tokens
//! per minute / hour / day, latency histograms, errors by type, budgets and limits.

use llmmon_core::schema as s;
use llmmon_core::thresholds as t;
use serde_json::json;

use super::panel::{
    bargauge, crit, endpoints, heatmap, instant, prom, stat, table, tablep, timeseries, warn_crit,
};
use super::variable::{prom_label, Variable};
use super::{row, uid, url, Dashboard, Folder};
use crate::rules::{recording as rec, Config};

const MODEL: &str = "model=~\"$model\"";
const REQUESTED: &str = "requested_model=~\"$model\"";
/// Requests users sent: not Prometheus' own scrapes of `/metrics/` (refused without the key,
/// LiteLLM counts each as a failed request with no model).
const USER_REQUESTS: &str =
    "requested_model=~\"$model\", requested_model!=\"\", route!~\"/metrics/?\"";

pub fn dashboard() -> Dashboard {
    let cfg = Config::default();
    let mut d = Dashboard::new(uid::LITELLM, "LiteLLM", "litellm", Folder::LlmServices);
    d.purpose = "The LiteLLM proxy in front of the models: which routes are healthy and where they point, traffic and tokens per model, latency, errors, budgets and rate limits.";
    d.tags.push("llm");
    d.tags.push("litellm");
    d.alert_groups = vec!["llmmon-litellm"];
    d.variables.extend([
        prom_label("model", "Model", &s::LITELLM_MODEL_INFO, "model"),
        Variable::Interval {
            name: "agg",
            label: "Aggregate per",
            values: &["1m", "1h", "1d"],
            default: "1h",
        },
    ]);
    let requests = s::LITELLM_PROXY_REQUESTS.name;
    let failed = s::LITELLM_PROXY_FAILED.name;
    let latency = rec::litellm_request_latency(&cfg);
    d.rows = vec![
        row("Availability", vec![
            stat("Proxy ready", "none").size(4, 6)
                .desc("LiteLLM's /health/readiness.")
                .q(instant(s::LITELLM_READY.name, ""))
                .map(0.0, "not ready", "red").map(1.0, "ready", "green"),
            tablep("Model availability matrix", "none").size(20, 6)
                .desc("Each deployment (model × api_base) and whether LiteLLM's last health check passed.")
                .q(table(format!("{}{{{MODEL}}}", s::LITELLM_DEPLOYMENT_HEALTHY.name), "{{model}} {{api_base}}"))
                .map(0.0, "down", "red").map(1.0, "healthy", "green"),
            tablep("Deployment state (LiteLLM's own metric)", "none").size(24, 6)
                .desc("LiteLLM's own view: 0 healthy, 1 partial outage, 2 complete outage.")
                .q(table(s::LITELLM_DEPLOYMENT_STATE.name, "{{litellm_model_name}} {{api_base}}"))
                .map(0.0, "healthy", "green").map(1.0, "partial outage", "orange").map(2.0, "outage", "red"),
            endpoints("litellm", "Each LiteLLM admin endpoint the exporter reads and whether it answers. unsupported: the proxy does not offer it (without a database LiteLLM has no usage, keys or cached health checks: deployment health then comes from its own deployment state); unauthorized: check the master key; unavailable, timeout, malformed: a failure (alert ExporterEndpointFailing). The proxy counts as up while /health/readiness answers.")
                .size(24, 6),
        ]),
        row("Catalog", vec![
            tablep("Model catalog", "none").size(24, 8)
                .desc("Every route: type (LLM / embedding / reranker), upstream model, endpoint, context window; Hugging Face id, quantization and size from vLLM.")
                .q(table(format!("{}{{{MODEL}}}", s::LITELLM_MODEL_INFO.name), "{{model}} {{type}} {{litellm_model}} {{api_base}}"))
                .q(table(format!("{}{{{MODEL}}}", s::LITELLM_MODEL_MAX_TOKENS.name), "{{model}}"))
                .q(table(format!("{}{{{MODEL}}}", s::MODEL_INFO.name), "{{model}} {{hf_id}} {{quantization}} {{context_length}}"))
                .q(table(format!("{}{{{MODEL}}}", s::MODEL_PARAMETERS.name), "{{model}}"))
                .transform(json!({"id": "merge", "options": {}})),
            tablep("Price per token", "currencyUSD").size(24, 6)
                .desc("Input and output price the catalog declares.")
                .q(table(format!("{}{{{MODEL}}}", s::LITELLM_MODEL_COST.name), "{{model}} {{direction}}")),
        ]),
        row("Requests and tokens (per $agg)", vec![
            timeseries("Requests per $agg", "short").interval("$agg")
                .desc("Requests the proxy received per model, counted per selected interval.")
                .q(prom(format!("sum by (requested_model) (increase({requests}{{{REQUESTED}}}[$agg]))"), "{{requested_model}}")),
            timeseries("Tokens per $agg", "short").interval("$agg")
                .desc("Input and output tokens per model, per selected interval.")
                .q(prom(format!("sum by (requested_model) (increase({}{{{REQUESTED}}}[$agg]))", s::LITELLM_INPUT_TOKENS.name), "{{requested_model}} input"))
                .q(prom(format!("sum by (requested_model) (increase({}{{{REQUESTED}}}[$agg]))", s::LITELLM_OUTPUT_TOKENS.name), "{{requested_model}} output")),
            bargauge("Requests today", "short")
                .desc("Since 00:00 UTC, from LiteLLM's activity API, by result.")
                .q(instant(format!("sum by (model) ({}{{{MODEL}}})", s::LITELLM_DAILY_REQUESTS.name), "{{model}}")),
            bargauge("Tokens today", "short")
                .desc("Prompt plus completion tokens since 00:00 UTC.")
                .q(instant(format!("sum by (model) ({}{{{MODEL}}})", s::LITELLM_DAILY_TOKENS.name), "{{model}}")),
        ]),
        row("Response times", vec![
            heatmap("Response time histogram", "s").size(12, 8)
                .desc("Requests per second in each latency bucket over time (LiteLLM's total latency histogram, 5-minute rates per model from a recording rule, summed over the selected models).")
                .q(prom(format!("sum by (le) ({}{{{REQUESTED}}})", latency.buckets_rate()), "{{le}}"))
                .option("calculate", json!(false)).option("yAxis", json!({"unit": "s"})),
            timeseries("p95 response time per model", "s").size(12, 8)
                .desc("95th percentile of the proxy's total latency per public model name, and of time to first token per upstream model (LiteLLM labels that one by upstream name only, so the model filter does not apply to it). Over 5-minute windows (recording rules): each point is the 5 minutes before it.")
                .q(prom(format!("{}{{{REQUESTED}}}", latency.quantile(rec::P95)), "{{requested_model}} total"))
                .q(prom(rec::litellm_ttft(&cfg).quantile(rec::P95), "{{model}} first token"))
                .alert("ResponseTimeHigh"),
        ]),
        row("Errors and queue", vec![
            timeseries("Errors by type", "reqps").size(8, 8)
                .desc("Failed requests per second by exception class and HTTP status.")
                .q(prom(format!("sum by (exception_class, exception_status) (rate({failed}{{{USER_REQUESTS}}}[$__rate_interval]))"), "{{exception_class}} {{exception_status}}")),
            timeseries("Error ratio", "percentunit").size(8, 8)
                .desc("Failed over all requests per model.")
                .q(prom(format!(
                    "sum by (requested_model) (rate({failed}{{{USER_REQUESTS}}}[$__rate_interval])) / sum by (requested_model) (rate({requests}{{{USER_REQUESTS}}}[$__rate_interval]))"
                ), "{{requested_model}}"))
                .thresholds(crit(t::ERROR_RATIO_CRITICAL)).alert("RequestErrorRateCritical"),
            timeseries("Queue length (vLLM waiting)", "short").size(8, 8)
                .desc("LiteLLM forwards at once; the queue is the backends' waiting requests.")
                .q(prom(format!("sum by (model) ({}{{{MODEL}}})", s::VLLM_WAITING.name), "{{model}}"))
                .thresholds(crit(t::QUEUE_WARNING_REQUESTS)).link("vLLM", &url(uid::VLLM)),
        ]),
        row("Budgets and limits", vec![
            bargauge("Key spend against budget", "percentunit").size(8, 8).range(0.0, 1.0)
                .desc("Spend over max budget per virtual key (keys without a budget are not shown).")
                .q(instant(rec::key_budget_ratio(), "{{key_alias}}"))
                .thresholds(warn_crit(cfg.budget_warning_ratio, 1.0)).alert("CostOverBudget"),
            tablep("Keys: spend, budget and rate limits", "currencyUSD").size(16, 8)
                .desc("Top keys by spend (the rest summed as other), their budget and RPM / TPM limits.")
                .q(table(s::LITELLM_KEY_SPEND.name, "{{key_alias}}"))
                .q(table(s::LITELLM_KEY_BUDGET.name, "{{key_alias}}"))
                .q(table(s::LITELLM_KEY_RPM_LIMIT.name, "{{key_alias}}"))
                .q(table(s::LITELLM_KEY_TPM_LIMIT.name, "{{key_alias}}"))
                .transform(json!({"id": "merge", "options": {}})),
            timeseries("Spend per model", "currencyUSD").size(12, 8)
                .desc("Spend per hour per upstream model (LiteLLM's spend counter carries only the upstream name, so the model filter does not apply).")
                .q(prom(format!("sum by (model) (increase({}[1h]))", s::LITELLM_SPEND.name), "{{model}}")),
            bargauge("Spend today", "currencyUSD").size(12, 8)
                .desc("Since 00:00 UTC per model.")
                .q(instant(format!("{}{{{MODEL}}}", s::LITELLM_DAILY_SPEND.name), "{{model}}")),
        ]),
        // LiteLLM's $0 for self-hosted routes, replaced by what they cost on our GPUs (every
        // model: the served names are vLLM's, not LiteLLM's aliases).
        super::energy::row_for(&cfg, ""),
    ];
    d
}
