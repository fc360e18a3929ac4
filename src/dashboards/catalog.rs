//! The end users' model catalog: which models exist, how to call them, are they up, their
//! context length, prices and quotas, and deprecations — nothing internal (no hosts,
//! containers or GPUs).

use llmmon_core::schema as s;
use serde_json::json;

use super::panel::{bargauge, instant, stat, table, tablep, text};
use super::variable::Variable;
use super::{row, uid, url, Audience, Dashboard, Folder};

/// The public endpoint shown to users; set per deployment in the dashboard variable
/// (Grafana: Dashboard settings → Variables → endpoint).
pub const DEFAULT_ENDPOINT: &str = "http://llm-server:4000/v1";

/// The announcements service as users reach it (variable `announcements`, set likewise).
pub const DEFAULT_ANNOUNCEMENTS: &str = "http://llm-server:23004";

/// The subscription panel: the feeds of the announcements service.
pub fn feeds_panel() -> super::panel::Panel {
    text(
        "Subscribe to announcements",
        "Maintenance windows, deprecations, new models and status changes as a feed:\n\n\
         - [JSON Feed](${announcements}/feed.json)\n\
         - [RSS](${announcements}/feed.rss)\n\
         - [Atom](${announcements}/feed.atom)\n\n\
         As JSON for scripts: `${announcements}/api/announcements` (current), \
         `${announcements}/api/status` (status per service).",
    )
    .desc("Feeds of the announcements service, for feed readers and chat integrations.")
}

/// The dashboard variables that say where users reach the services.
pub fn public_urls() -> Vec<Variable> {
    vec![
        Variable::Constant {
            name: "endpoint",
            value: DEFAULT_ENDPOINT,
        },
        Variable::Constant {
            name: "announcements",
            value: DEFAULT_ANNOUNCEMENTS,
        },
    ]
}

pub fn dashboard() -> Dashboard {
    let healthy = s::LITELLM_DEPLOYMENT_HEALTHY.name;
    let mut d = Dashboard::new(
        uid::CATALOG,
        "Model catalog",
        "model-catalog",
        Folder::EndUsers,
    );
    d.audience = Audience::EndUsers;
    d.purpose = "For the server's users: the models you can call, at which endpoint, whether they are up, their context length, quotas and deprecations.";
    d.tags.push("end-users");
    d.tags.push("catalog");
    d.variables.extend(public_urls());
    d.rows = vec![
        row("Models", vec![
            text("How to call a model", "OpenAI-compatible endpoint: **${endpoint}**\n\nUse the model name from the table below, with your key:\n\n```\ncurl ${endpoint}/chat/completions -H \"Authorization: Bearer $KEY\" \\\n  -d '{\"model\": \"<model>\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}'\n```")
                .size(12, 8).desc("Endpoint and an example request."),
            stat("Models up", "short").size(6, 8)
                .desc("Models with at least one healthy deployment.")
                .q(instant(format!("count(max by (model) ({healthy}) == 1) or vector(0)"), "")),
            stat("Models down", "short").size(6, 8)
                .desc("Models whose every deployment failed its health check.")
                .q(instant(format!("count(max by (model) ({healthy}) == 0) or vector(0)"), ""))
                .thresholds(super::panel::crit(1.0)),
            tablep("Available models", "none").size(24, 10)
                .desc("Name to use in requests, type (LLM / embedding / reranker), up or not, context window in tokens.")
                .q(table(format!("max by (model, type) ({})", s::LITELLM_MODEL_INFO.name), "{{model}} {{type}}"))
                .q(table(format!("max by (model) ({healthy})"), "{{model}}"))
                .q(table(s::LITELLM_MODEL_MAX_TOKENS.name, "{{model}}"))
                .transform(json!({"id": "merge", "options": {}}))
                .map(0.0, "down", "red").map(1.0, "up", "green"),
        ]),
        row("Prices and quotas", vec![
            tablep("Price per token", "currencyUSD").size(12, 8)
                .desc("What a token costs, input and output, per model.")
                .q(table(s::LITELLM_MODEL_COST.name, "{{model}} {{direction}}")),
            tablep("Key quotas", "short").size(12, 8)
                .desc("Requests and tokens per minute each key may use (keys without a limit are not listed).")
                .q(table(s::LITELLM_KEY_RPM_LIMIT.name, "{{key_alias}}"))
                .q(table(s::LITELLM_KEY_TPM_LIMIT.name, "{{key_alias}}"))
                .transform(json!({"id": "merge", "options": {}})),
            bargauge("Most used today", "short").size(24, 8)
                .desc("Requests per model since 00:00 UTC.")
                .q(instant(format!("sum by (model) ({})", s::LITELLM_DAILY_REQUESTS.name), "{{model}}")),
        ]),
        row("Deprecations", vec![
            tablep("Deprecations and retirements", "dateTimeAsIso").size(16, 8)
                .desc("Models being deprecated, with the date they stop being served (announcements service).")
                .q(table(format!("{}{{event=~\"deprecated|retired\"}}", s::MODEL_LIFECYCLE.name), "{{model}} {{event}}"))
                .link("Announcements", &url(uid::ANNOUNCEMENTS)),
            feeds_panel().size(8, 8),
        ]),
    ];
    d
}
