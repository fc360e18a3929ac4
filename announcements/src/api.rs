//! The HTTP API: public reads (list, get, status, feeds, metrics, the status page), writes
//! behind the bearer token, JSON errors with the problem spelled out. Every JSON answer escapes `<`, `>` and
//! `&` (see `text::json_safe`).

// Early returns carry the finished answer; its size does not matter on this path.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::model::{Announcement, Draft, FieldError, Health, Kind, Phase, Priority, ServiceStatus};
use super::store::{CommitError, Event, Subscription};
use super::text::json_safe;
use super::view::{AnnouncementList, AnnouncementView, StatusList};
use super::{feeds, metrics, notify, App};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let mut feeds_routes = Router::new();
    for (path, format) in feeds::Format::PATHS {
        feeds_routes = feeds_routes.route(
            path,
            get(move |State(app): State<Arc<App>>| async move { feed(&app, format).await }),
        );
    }
    Router::new()
        .merge(feeds_routes)
        .merge(super::page::routes())
        .route("/api/announcements", get(list).post(create))
        .route(
            "/api/announcements/{id}",
            get(get_one).patch(update).put(update),
        )
        .route("/api/announcements/{id}/expire", post(expire))
        .route("/api/status", get(status_list))
        .route(
            "/api/status/{service}",
            put(status_set).delete(status_clear),
        )
        .route("/api/subscriptions", get(subscriptions).post(subscribe))
        .route(
            "/api/subscriptions/{id}",
            axum::routing::delete(unsubscribe),
        )
        .route("/metrics", get(metrics_page))
        .route("/health", get(|| async { "ok\n" }))
        .route("/ready", get(ready))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

// ------------------------------------------------------------------------ answers

/// `v` as JSON through `serde_json::Value` (whose key order the API has always had).
fn typed_answer(status: StatusCode, v: &impl serde::Serialize) -> Response {
    json_answer(status, &serde_json::to_value(v).unwrap_or_default())
}

fn json_answer(status: StatusCode, v: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json_safe(v.to_string()),
    )
        .into_response()
}

fn error(status: StatusCode, msg: &str) -> Response {
    json_answer(status, &json!({ "error": msg }))
}

fn invalid(fields: &[FieldError]) -> Response {
    let msg = fields
        .iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect::<Vec<_>>()
        .join("; ");
    json_answer(
        StatusCode::UNPROCESSABLE_ENTITY,
        &json!({ "error": msg, "fields": fields }),
    )
}

fn store_failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "announcements store");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "the announcements store cannot be read or written; see the service log",
    )
}

/// An announcement as the API shows it now ([`AnnouncementView`]), as JSON.
pub fn public(a: &Announcement) -> serde_json::Value {
    serde_json::to_value(AnnouncementView::new(a, Utc::now())).unwrap_or_default()
}

// ------------------------------------------------------------------------ auth

/// `Ok` when the request carries the configured token; 401 without credentials, 403 with
/// wrong ones or when writes are disabled (no token configured).
fn authorize(app: &App, headers: &HeaderMap) -> Result<(), Response> {
    let Some(token) = &app.cfg.token else {
        return Err(error(
            StatusCode::FORBIDDEN,
            "writes are disabled: the service has no LLMMON_ANNOUNCEMENTS_TOKEN",
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        None => {
            let mut r = error(
                StatusCode::UNAUTHORIZED,
                "a bearer token is required (Authorization: Bearer …)",
            );
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"llmmon announcements\""),
            );
            Err(r)
        }
        Some(t) if constant_time_eq(t.as_bytes(), token.expose().as_bytes()) => Ok(()),
        Some(_) => Err(error(
            StatusCode::FORBIDDEN,
            "the bearer token is not valid",
        )),
    }
}

/// A request carrying the write token: handlers that take it answer 401 / 403 otherwise.
struct Writer;

impl FromRequestParts<Arc<App>> for Writer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        authorize(app, &parts.headers).map(|()| Writer)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("the body is not valid JSON for this call: {e}"),
        )
    })
}

fn parse_id(id: &str) -> Result<u64, Response> {
    id.parse()
        .map_err(|_| error(StatusCode::NOT_FOUND, &format!("no announcement '{id}'")))
}

// ------------------------------------------------------------------------ announcements

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// current (active and upcoming, the default), active, upcoming, ended, all.
    state: Option<String>,
    priority: Option<Priority>,
    kind: Option<Kind>,
    service: Option<String>,
    model: Option<String>,
}

async fn list(
    State(app): State<Arc<App>>,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return error(
            StatusCode::BAD_REQUEST,
            "unknown filter: use state (current, active, upcoming, ended, all), priority, kind, service, model",
        );
    };
    let state = match app.state().await {
        Ok(s) => s,
        Err(e) => return store_failed(e),
    };
    let now = Utc::now();
    let wanted = q.state.as_deref().unwrap_or("current");
    let phase_ok = |p: Phase| match wanted {
        "current" => p != Phase::Ended,
        "active" => p == Phase::Active,
        "upcoming" => p == Phase::Upcoming,
        "ended" => p == Phase::Ended,
        _ => true,
    };
    if !["current", "active", "upcoming", "ended", "all"].contains(&wanted) {
        return error(
            StatusCode::BAD_REQUEST,
            "state must be current, active, upcoming, ended or all",
        );
    }
    let mut items: Vec<&Announcement> = state
        .announcements
        .values()
        .filter(|a| phase_ok(a.phase(now)))
        .filter(|a| q.priority.is_none_or(|p| a.priority == p))
        .filter(|a| q.kind.is_none_or(|k| a.kind == k))
        .filter(|a| q.service.as_ref().is_none_or(|s| a.services.contains(s)))
        .filter(|a| q.model.as_ref().is_none_or(|m| a.models.contains(m)))
        .collect();
    items.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(b.effective_start().cmp(&a.effective_start()))
    });
    let list = AnnouncementList {
        announcements: items
            .into_iter()
            .map(|a| AnnouncementView::new(a, now))
            .collect(),
    };
    typed_answer(StatusCode::OK, &list)
}

async fn get_one(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match app.state().await {
        Ok(s) => match s.announcements.get(&id) {
            Some(a) => json_answer(StatusCode::OK, &public(a)),
            None => error(StatusCode::NOT_FOUND, &format!("no announcement {id}")),
        },
        Err(e) => store_failed(e),
    }
}

/// Why a write was refused, as an answer.
enum Refusal {
    NotFound(u64),
    Invalid(Vec<FieldError>),
}

/// The answer to a write: `ok` of its result, or why it did not happen.
fn reply<T>(result: Result<T, CommitError<Refusal>>, ok: impl FnOnce(T) -> Response) -> Response {
    match result {
        Ok(v) => ok(v),
        Err(e) => refused(e),
    }
}

fn refused(e: CommitError<Refusal>) -> Response {
    match e {
        CommitError::Refused(Refusal::NotFound(id)) => {
            error(StatusCode::NOT_FOUND, &format!("no announcement {id}"))
        }
        CommitError::Refused(Refusal::Invalid(f)) => invalid(&f),
        CommitError::Store(e) => store_failed(e),
    }
}

async fn create(State(app): State<Arc<App>>, _: Writer, body: Bytes) -> Response {
    let draft: Draft = match parse(&body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let now = Utc::now();
    let result = app
        .commit(move |s| {
            let a = draft
                .create(s.next_announcement_id(), now, "api")
                .map_err(Refusal::Invalid)?;
            let webhooks: Vec<String> = s.subscriptions.values().map(|x| x.url.clone()).collect();
            Ok((
                vec![Event::Put {
                    announcement: a.clone(),
                }],
                (a, webhooks),
            ))
        })
        .await;
    match result {
        Ok((a, mut webhooks)) => {
            tracing::info!(id = a.id, kind = %a.kind, priority = %a.priority, "published");
            let body = public(&a);
            webhooks.extend(app.cfg.webhooks.iter().cloned());
            notify::publish(
                app.client.clone(),
                webhooks,
                app.cfg.grafana.clone(),
                a.clone(),
                body.clone(),
            );
            let mut r = json_answer(StatusCode::CREATED, &body);
            if let Ok(v) = header::HeaderValue::from_str(&format!("/api/announcements/{}", a.id)) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(e) => refused(e),
    }
}

async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    _: Writer,
    body: Bytes,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let draft: Draft = match parse(&body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let now = Utc::now();
    let result = app
        .commit(move |s| {
            let current = s
                .announcements
                .get(&id)
                .cloned()
                .ok_or(Refusal::NotFound(id))?;
            let a = draft.apply_to(current, now).map_err(Refusal::Invalid)?;
            Ok((
                vec![Event::Put {
                    announcement: a.clone(),
                }],
                a,
            ))
        })
        .await;
    reply(result, |a| json_answer(StatusCode::OK, &public(&a)))
}

async fn expire(State(app): State<Arc<App>>, Path(id): Path<String>, _: Writer) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let now = Utc::now();
    let result = app
        .commit(move |s| {
            let mut a = s
                .announcements
                .get(&id)
                .cloned()
                .ok_or(Refusal::NotFound(id))?;
            if a.expired_at.is_none() {
                a.expired_at = Some(now);
                // It ends now: the API, the feeds and `announce list` show when it really
                // ended, not the end it was planned with.
                a.ends_at = Some(a.ends_at.map_or(now, |e| e.min(now)));
                a.updated_at = now;
            }
            Ok((
                vec![Event::Put {
                    announcement: a.clone(),
                }],
                a,
            ))
        })
        .await;
    reply(result, |a| json_answer(StatusCode::OK, &public(&a)))
}

// ------------------------------------------------------------------------ status

async fn status_list(State(app): State<Arc<App>>) -> Response {
    match app.statuses().await {
        Ok(services) => typed_answer(StatusCode::OK, &StatusList { services }),
        Err(e) => store_failed(e),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: Health,
    #[serde(default)]
    note: String,
}

async fn status_set(
    State(app): State<Arc<App>>,
    Path(service): Path<String>,
    _: Writer,
    body: Bytes,
) -> Response {
    if !super::model::valid_name(&service) {
        return invalid(&[FieldError {
            field: "service",
            message: "letters, digits and ._:/@- only".into(),
        }]);
    }
    let b: StatusBody = match parse(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if b.note.chars().count() > 500 || b.note.chars().any(char::is_control) {
        return invalid(&[FieldError {
            field: "note",
            message: "at most 500 characters, one line".into(),
        }]);
    }
    let st = ServiceStatus {
        service,
        status: b.status,
        note: b.note,
        source: "manual".into(),
        updated_at: Utc::now(),
    };
    let result = app
        .commit(move |_| Ok::<_, Refusal>((vec![Event::Status { status: st.clone() }], st)))
        .await;
    reply(result, |st| json_answer(StatusCode::OK, &json!(st)))
}

async fn status_clear(
    State(app): State<Arc<App>>,
    Path(service): Path<String>,
    _: Writer,
) -> Response {
    let result = app
        .commit(move |s| {
            if !s.statuses.contains_key(&service) {
                return Ok((Vec::new(), false));
            }
            Ok::<_, Refusal>((vec![Event::ClearStatus { service }], true))
        })
        .await;
    match result {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            "no status set by hand for that service",
        ),
        Err(e) => refused(e),
    }
}

// ------------------------------------------------------------------------ subscriptions

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeBody {
    url: String,
}

async fn subscriptions(State(app): State<Arc<App>>, _: Writer) -> Response {
    // Webhook URLs may carry credentials: listing them needs the token too.
    match app.state().await {
        Ok(s) => {
            let list: Vec<&Subscription> = s.subscriptions.values().collect();
            json_answer(StatusCode::OK, &json!({ "subscriptions": list }))
        }
        Err(e) => store_failed(e),
    }
}

async fn subscribe(State(app): State<Arc<App>>, _: Writer, body: Bytes) -> Response {
    let b: SubscribeBody = match parse(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ok = url::Url::parse(&b.url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !ok {
        return invalid(&[FieldError {
            field: "url",
            message: "an http:// or https:// URL".into(),
        }]);
    }
    let now = Utc::now();
    let result = app
        .commit(move |s| {
            let sub = Subscription {
                id: s.next_subscription_id(),
                url: b.url,
                created_at: now,
            };
            Ok::<_, Refusal>((
                vec![Event::Subscribe {
                    subscription: sub.clone(),
                }],
                sub,
            ))
        })
        .await;
    reply(result, |sub| json_answer(StatusCode::CREATED, &json!(sub)))
}

async fn unsubscribe(State(app): State<Arc<App>>, Path(id): Path<u64>, _: Writer) -> Response {
    let result = app
        .commit(move |s| {
            if !s.subscriptions.contains_key(&id) {
                return Err(Refusal::NotFound(id));
            }
            Ok((vec![Event::Unsubscribe { id }], ()))
        })
        .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => refused(e),
    }
}

// ------------------------------------------------------------------------ feeds, metrics

async fn feed(app: &App, format: feeds::Format) -> Response {
    match app.state().await {
        Ok(s) => (
            [(header::CONTENT_TYPE, format.content_type())],
            format.render(&s, &app.cfg.public_url, Utc::now()),
        )
            .into_response(),
        Err(e) => store_failed(e),
    }
}

async fn metrics_page(State(app): State<Arc<App>>) -> Response {
    let (state, store_up) = match app.state().await {
        Ok(s) => (s, true),
        Err(e) => {
            tracing::warn!(error = %e, "announcements store");
            (Default::default(), false)
        }
    };
    let (derived, prom_up) = app.derived();
    let statuses = super::derive::merge(&state.statuses, &derived);
    let mut sources = vec![("store", store_up)];
    if app.cfg.prometheus.is_some() {
        sources.push(("prometheus", prom_up));
    }
    let text = metrics::render(&state, &statuses, Utc::now(), &sources);
    (
        [(header::CONTENT_TYPE, llmmon_core::exposition::CONTENT_TYPE)],
        text,
    )
        .into_response()
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    match app.state().await {
        Ok(_) => "ready\n".into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "10")],
            format!("store unavailable: {e}\n"),
        )
            .into_response(),
    }
}
