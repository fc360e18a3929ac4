//! "Models": how to call them (the OpenAI-compatible base URL and each model's id), their
//! type, context length and state, with deprecation, retirement and replacement.

use maud::{html, Markup};

use super::data::{ModelRow, ModelState};
use super::fmt::date;
use super::services::state_class;
use super::Links;

/// The catalog section.
pub fn catalog(rows: &[ModelRow], models_url: Option<&str>, links: &Links) -> Markup {
    html! {
        section aria-labelledby="models" {
            h2 #models { "Models" }
            @match models_url {
                Some(base) => p {
                    "Call the models at the OpenAI-compatible endpoint "
                    code.endpoint { (base) }
                    " with the model id below and your API key."
                },
                None => p {
                    "Use the model id below with the OpenAI-compatible endpoint your maintainers gave you."
                },
            }
            @if rows.is_empty() {
                p { "No model is known to this page yet." }
            } @else {
                table.catalog {
                    caption.visually-hidden { "Models, their type, context length and state" }
                    thead {
                        tr {
                            th scope="col" { "Model id" }
                            th scope="col" { "Type" }
                            th scope="col" { "Context" }
                            th scope="col" { "State" }
                        }
                    }
                    tbody {
                        @for r in rows { (row(r, models_url, links)) }
                    }
                }
            }
        }
    }
}

fn row(r: &ModelRow, models_url: Option<&str>, links: &Links) -> Markup {
    let kind = r.facts.model_type.as_deref();
    html! {
        tr data-model=(r.id) data-state=(r.state.as_str()) {
            th scope="row" data-label="Model id" {
                code { (r.id) }
                @if let (Some(base), Some(path)) = (models_url, api_path(kind)) {
                    @if r.state != ModelState::Retired {
                        span.call { "POST " (base) (path) }
                    }
                }
            }
            td data-label="Type" { (type_word(kind)) }
            td data-label="Context" { (context(r.facts.context_length)) }
            td data-label="State" { (state(r, links)) }
        }
    }
}

/// The state, then the lifecycle: deprecated (retiring when, use what instead), retired.
fn state(r: &ModelRow, links: &Links) -> Markup {
    html! {
        span.badge.(state_class(r.state.as_str())) { (state_word(r.state)) }
        @if r.state == ModelState::Coming {
            @if let Some(t) = r.available_from {
                " from " (date(t))
            }
        }
        @if let Some(d) = &r.deprecation {
            span.lifecycle {
                @if r.state == ModelState::Retired {
                    "Retired"
                    @if let Some(t) = d.retires { " on " (date(t)) }
                } @else {
                    "Deprecated"
                    @if let Some(t) = d.retires { ", retiring on " (date(t)) }
                }
                @if let Some(new) = &d.replacement {
                    "; use " code { (new) } " instead"
                }
                " ("
                a href=(links.href(&format!("/announcements/{}", d.announcement))) { "details" }
                ")"
            }
        }
    }
}

fn state_word(s: ModelState) -> &'static str {
    match s {
        ModelState::Up => "Up",
        ModelState::Loading => "Loading",
        ModelState::Degraded => "Degraded",
        ModelState::Down => "Down",
        ModelState::Maintenance => "Maintenance",
        ModelState::Coming => "Coming",
        ModelState::Retired => "Retired",
        ModelState::Unknown => "Unknown",
    }
}

/// The exporter's type (`llm`, `embedding`, `reranker`) as users know it.
fn type_word(kind: Option<&str>) -> &str {
    match kind {
        Some("llm") => "chat",
        Some(other) => other,
        None => "—",
    }
}

/// Where requests of each type go, under the base URL.
fn api_path(kind: Option<&str>) -> Option<&'static str> {
    match kind {
        Some("llm") => Some("/chat/completions"),
        Some("embedding") => Some("/embeddings"),
        Some("reranker") => Some("/rerank"),
        _ => None,
    }
}

/// `131,072 tokens`.
fn context(n: Option<u64>) -> String {
    let Some(n) = n else {
        return "—".to_owned();
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} tokens")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_lengths_are_grouped_by_thousands_and_unknown_is_a_dash() {
        assert_eq!(context(Some(131_072)), "131,072 tokens");
        assert_eq!(context(Some(512)), "512 tokens");
        assert_eq!(context(Some(1_000_000)), "1,000,000 tokens");
        assert_eq!(context(None), "—");
    }

    #[test]
    fn vllm_model_types_read_as_users_know_them() {
        assert_eq!(type_word(Some("llm")), "chat");
        assert_eq!(type_word(Some("reranker")), "reranker");
        assert_eq!(api_path(Some("embedding")), Some("/embeddings"));
        assert_eq!(api_path(None), None);
    }
}
