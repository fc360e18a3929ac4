//! A fake OpenAI-compatible backend (the shape vLLM's OpenAI server answers) that a real
//! LiteLLM proxy forwards to: `/v1/models`, `/v1/chat/completions` (plain and SSE
//! streaming, usage in the last chunk), `/v1/embeddings`; and a broken one that answers
//! every request 500 with an OpenAI-style error. Answers are fixed, so the proxy's
//! token counters are known: [`PROMPT_TOKENS`] and [`COMPLETION_TOKENS`] per chat.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const PROMPT_TOKENS: u64 = 12;
pub const COMPLETION_TOKENS: u64 = 7;
/// Tokens an embedding request of one input counts.
pub const EMBEDDING_TOKENS: u64 = 4;
const PIECES: [&str; 6] = ["Hello", " from", " the", " fake", " backend", "."];

/// Requests the backend answered, by kind.
#[derive(Clone, Default)]
pub struct Counts {
    pub chats: Arc<AtomicUsize>,
    pub embeddings: Arc<AtomicUsize>,
    pub failed: Arc<AtomicUsize>,
}

impl Counts {
    pub fn get(c: &AtomicUsize) -> usize {
        c.load(Ordering::SeqCst)
    }
}

fn usage(prompt: u64, completion: u64) -> Value {
    json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion})
}

async fn models() -> Json<Value> {
    Json(json!({"object": "list", "data": [
        {"id": "fake-chat", "object": "model", "created": 1_700_000_000, "owned_by": "fake", "max_model_len": 8192},
        {"id": "fake-embed", "object": "model", "created": 1_700_000_000, "owned_by": "fake", "max_model_len": 512},
    ]}))
}

async fn chat(State(c): State<Counts>, Json(req): Json<Value>) -> Response {
    c.chats.fetch_add(1, Ordering::SeqCst);
    let model = req["model"].as_str().unwrap_or("fake-chat").to_owned();
    if req["stream"].as_bool() != Some(true) {
        return Json(json!({
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": PIECES.concat()}, "finish_reason": "stop"}],
            "usage": usage(PROMPT_TOKENS, COMPLETION_TOKENS),
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Value, usage: Option<Value>| {
        let mut c = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]});
        if let Some(u) = usage {
            c["usage"] = u;
        }
        format!("data: {c}\n\n")
    };
    let mut body = chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
        None,
    );
    for p in PIECES {
        body.push_str(&chunk(json!({"content": p}), Value::Null, None));
    }
    body.push_str(&chunk(json!({}), json!("stop"), None));
    if req["stream_options"]["include_usage"].as_bool() == Some(true) {
        let mut last = json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": model, "choices": []});
        last["usage"] = usage(PROMPT_TOKENS, COMPLETION_TOKENS);
        body.push_str(&format!("data: {last}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    ([(header::CONTENT_TYPE, "text/event-stream")], body).into_response()
}

async fn embeddings(State(c): State<Counts>, Json(req): Json<Value>) -> Json<Value> {
    c.embeddings.fetch_add(1, Ordering::SeqCst);
    let n = req["input"].as_array().map_or(1, Vec::len) as u64;
    let data: Vec<Value> = (0..n)
        .map(|i| json!({"object": "embedding", "index": i, "embedding": [0.125, 0.25, 0.375, 0.5]}))
        .collect();
    Json(
        json!({"object": "list", "model": req["model"], "data": data,
        "usage": {"prompt_tokens": EMBEDDING_TOKENS * n, "total_tokens": EMBEDDING_TOKENS * n}}),
    )
}

async fn broken(State(c): State<Counts>) -> Response {
    c.failed.fetch_add(1, Ordering::SeqCst);
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({"error": {"message": "the backend is broken", "type": "server_error", "code": 500}})),
    )
        .into_response()
}

/// The working backend and the broken one, on loopback ports.
pub async fn start() -> (SocketAddr, SocketAddr, Counts) {
    let counts = Counts::default();
    let ok = Router::new()
        .route("/v1/models", get(models))
        .route("/v1/chat/completions", post(chat))
        .route("/v1/embeddings", post(embeddings))
        .with_state(counts.clone());
    let bad = Router::new().fallback(broken).with_state(counts.clone());
    (super::serve(ok).await, super::serve(bad).await, counts)
}
