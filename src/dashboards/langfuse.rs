//! Langfuse analytics: traces and observations, tokens, cost by model and user, latency,
//! errors, user activity, quality scores and a model comparison.

use llmmon_core::schema as s;
use serde_json::json;

use super::panel::{
    bargauge, endpoints, heatmap, instant, pie, prom, stat, table, tablep, timeseries,
};
use super::variable::prom_label;
use super::{row, uid, Dashboard, Folder};

const MODEL: &str = "model=~\"$model\"";

pub fn dashboard() -> Dashboard {
    let mut d = Dashboard::new(
        uid::LANGFUSE,
        "Langfuse analytics",
        "langfuse",
        Folder::LlmServices,
    );
    d.purpose = "What the models are used for, from Langfuse's traces: volume, tokens, cost by model and user, latency, errors and quality scores. Daily counters reset at 00:00 UTC.";
    d.tags.push("llm");
    d.tags.push("langfuse");
    d.variables.extend([prom_label(
        "model",
        "Model",
        &s::LANGFUSE_DAILY_OBSERVATIONS,
        "model",
    )]);
    d.time_from = "now-7d";
    let obs = s::LANGFUSE_DAILY_OBSERVATIONS.name;
    d.rows = vec![
        row("Today", vec![
            stat("Traces today", "short").size(6, 4).desc("Traces since 00:00 UTC.")
                .q(instant(s::LANGFUSE_DAILY_TRACES.name, "")),
            stat("Observations today", "short").size(6, 4).desc("Generations since 00:00 UTC, all models.")
                .q(instant(format!("sum({obs})"), "")),
            stat("Active users today", "short").size(6, 4).desc("Distinct users with a trace today.")
                .q(instant(s::LANGFUSE_ACTIVE_USERS.name, "")),
            stat("Cost today", "currencyUSD").size(6, 4).desc("Cost of today's generations, all models.")
                .q(instant(format!("sum({})", s::LANGFUSE_DAILY_COST.name), "")),
            endpoints("langfuse", "Each Langfuse API the exporter reads and whether it answers: metrics (today's totals), traces, latency, users, scores. One that fails leaves the others' panels filled; unauthorized: check the API keys; unsupported: this Langfuse version has no such API. Langfuse counts as up while /api/public/health answers.")
                .size(24, 5),
        ]),
        row("Usage trends", vec![
            timeseries("Traces and observations", "short")
                .desc("Running daily counts; each day climbs from zero at 00:00 UTC.")
                .q(prom(s::LANGFUSE_DAILY_TRACES.name, "traces"))
                .q(prom(format!("sum by (model) ({obs}{{{MODEL}}})"), "{{model}} observations")),
            timeseries("Token trend", "short")
                .desc("Input and output tokens per model today (running count).")
                .q(prom(format!("sum by (model, direction) ({}{{{MODEL}}})", s::LANGFUSE_DAILY_TOKENS.name), "{{model}} {{direction}}")),
        ]),
        row("Cost", vec![
            pie("Cost by model today", "currencyUSD").size(8, 8)
                .desc("Share of today's cost per model.")
                .q(instant(format!("{}{{{MODEL}}}", s::LANGFUSE_DAILY_COST.name), "{{model}}")),
            bargauge("Cost by user today", "currencyUSD").size(8, 8)
                .desc("Top users by cost (the rest summed as other).")
                .q(instant(s::LANGFUSE_USER_COST.name, "{{user}}")),
            timeseries("Cost trend by model", "currencyUSD").size(8, 8).stacked()
                .desc("Today's cost per model, running.")
                .q(prom(format!("{}{{{MODEL}}}", s::LANGFUSE_DAILY_COST.name), "{{model}}")),
        ]),
        row("Latency and errors", vec![
            timeseries("Generation latency", "s").size(8, 8)
                .desc("p50 / p95 / p99 latency of recent generations per model.")
                .q(prom(format!("{}{{{MODEL}}}", s::LANGFUSE_LATENCY.name), "{{model}} {{percentile}}")),
            timeseries("Time to first token", "s").size(8, 8)
                .desc("p50 / p95 / p99 time to first token of recent generations per model.")
                .q(prom(format!("{}{{{MODEL}}}", s::LANGFUSE_TTFT.name), "{{model}} {{percentile}}")),
            timeseries("Errors", "short").size(8, 8)
                .desc("Observations at level ERROR today per model.")
                .q(prom(format!("{}{{{MODEL}}}", s::LANGFUSE_DAILY_ERRORS.name), "{{model}}")),
        ]),
        row("Users and quality", vec![
            heatmap("User activity", "short").size(12, 8)
                .desc("One row per top user; colour is the traces they started today (running count).")
                .q(prom(s::LANGFUSE_USER_TRACES.name, "{{user}}")),
            timeseries("Quality scores", "short").size(12, 8)
                .desc("Distribution (p50 / p95 / p99) of each score name over the recent sample.")
                .q(prom(s::LANGFUSE_SCORE.name, "{{name}} {{percentile}}"))
                .q(prom(s::LANGFUSE_SCORE_COUNT.name, "{{name}} samples")),
        ]),
        row("Model comparison", vec![
            tablep("Model comparison", "short").size(24, 8)
                .desc("Per model today: generations, cost per generation, error share, p95 latency.")
                .q(table(format!("{obs}{{{MODEL}}}"), "{{model}}"))
                .q(table(format!("{} / {obs}", s::LANGFUSE_DAILY_COST.name), "{{model}}"))
                .q(table(format!("{} / {obs}", s::LANGFUSE_DAILY_ERRORS.name), "{{model}}"))
                .q(table(format!("{}{{percentile=\"p95\", {MODEL}}}", s::LANGFUSE_LATENCY.name), "{{model}}"))
                .transform(json!({"id": "merge", "options": {}})),
        ]),
    ];
    d
}
