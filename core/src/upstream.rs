//! How the LLM-service collectors reach their upstreams (vLLM, LiteLLM, Langfuse): over
//! HTTP with a timeout and a bounded body, or in-process through the simulator's upstream
//! router (`--source sim`), so mock mode runs the very same collectors and parsers.
//!
//! Credentials travel only in request headers: they never appear in errors, logs or metrics.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use bytes::{Bytes, BytesMut};
use tower::ServiceExt;

use crate::source::SourceError;

/// Status the simulator's upstream router uses for "nobody listens here"; the in-process
/// transport turns it into a connection-refused error, as a real socket would give.
pub const CONNECTION_REFUSED_STATUS: u16 = 599;

/// Largest body read from an upstream (a vLLM exposition is ~50 KB per model).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A secret value whose Debug and Display never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Credentials for one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Auth {
    #[default]
    None,
    Bearer(Secret),
    /// Basic auth (Langfuse: public key as user, secret key as password).
    Basic {
        user: Secret,
        password: Secret,
    },
}

impl Auth {
    fn header(&self) -> Option<String> {
        use base64::Engine as _;
        let encode = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        match self {
            Auth::None => None,
            Auth::Bearer(t) => Some(format!("Bearer {}", t.expose())),
            Auth::Basic { user, password } => Some(format!(
                "Basic {}",
                encode(&format!("{}:{}", user.expose(), password.expose()))
            )),
        }
    }
}

/// What an upstream answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    /// Seconds from a `Retry-After` header, when given.
    pub retry_after: Option<f64>,
    pub body: Bytes,
}

impl Response {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str, SourceError> {
        std::str::from_utf8(&self.body)
            .map_err(|_| SourceError::Malformed("body is not UTF-8".into()))
    }

    /// Fails on non-2xx with a reason that names the status, never the body (which may echo
    /// credentials back).
    pub fn ok(self, what: &str) -> Result<Self, SourceError> {
        match self.status {
            200..=299 => Ok(self),
            401 | 403 => Err(SourceError::Unauthorized(format!(
                "{what}: HTTP {}",
                self.status
            ))),
            s => Err(SourceError::Unavailable(format!("{what}: HTTP {s}"))),
        }
    }
}

/// Performs GET requests.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn get(&self, url: &str, auth: &Auth, timeout: Duration)
        -> Result<Response, SourceError>;
}

/// Real HTTP with reqwest.
pub struct HttpTransport {
    client: reqwest::Client,
    max_body: usize,
}

impl HttpTransport {
    pub fn new(max_body: usize) -> Self {
        Self {
            client: reqwest::Client::new(),
            max_body,
        }
    }
}

impl Default for HttpTransport {
    fn default() -> Self {
        Self::new(MAX_BODY_BYTES)
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn get(
        &self,
        url: &str,
        auth: &Auth,
        timeout: Duration,
    ) -> Result<Response, SourceError> {
        let what = crate::redact::url(url);
        let mut req = self.client.get(url).timeout(timeout);
        if let Some(h) = auth.header() {
            req = req.header(header::AUTHORIZATION, h);
        }
        let fail = |e: reqwest::Error| {
            if e.is_timeout() {
                SourceError::Timeout(timeout.as_secs_f64())
            } else {
                SourceError::Unavailable(format!(
                    "{what}: {}",
                    crate::scrape::HttpFailure::from(&e)
                ))
            }
        };
        let mut resp = req.send().await.map_err(fail)?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        let too_big =
            || SourceError::Malformed(format!("{what}: body larger than {} bytes", self.max_body));
        // A declared length over the cap is refused before a byte of the body is read; an
        // undeclared one is read chunk by chunk and refused at the cap, so no more than
        // `max_body` is ever held. Chunks are kept as they come (no buffer doubling past the
        // cap, no big block left to the allocator after a refusal) and joined once, exactly
        // sized, when the whole body is in.
        let declared = resp.content_length().map(|n| n as usize);
        if declared.is_some_and(|n| n > self.max_body) {
            return Err(too_big());
        }
        if let Some(n) = declared {
            let mut body = BytesMut::with_capacity(n);
            while let Some(chunk) = resp.chunk().await.map_err(fail)? {
                if body.len() + chunk.len() > self.max_body {
                    return Err(too_big());
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Response {
                status,
                retry_after,
                body: body.freeze(),
            });
        }
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut len = 0usize;
        while let Some(chunk) = resp.chunk().await.map_err(fail)? {
            len += chunk.len();
            if len > self.max_body {
                return Err(too_big());
            }
            chunks.push(chunk);
        }
        let body = match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.pop().unwrap_or_default(),
            _ => {
                let mut joined = BytesMut::with_capacity(len);
                for c in chunks.drain(..) {
                    joined.extend_from_slice(&c);
                }
                joined.freeze()
            }
        };
        Ok(Response {
            status,
            retry_after,
            body,
        })
    }
}

/// In-process requests to an axum router (the simulator's upstreams): the URL's path and
/// query are served by `router`, the scheme and host are ignored.
#[derive(Clone)]
pub struct RouterTransport {
    router: Router,
}

impl RouterTransport {
    pub fn new(router: Router) -> Self {
        Self { router }
    }
}

#[async_trait]
impl Transport for RouterTransport {
    async fn get(
        &self,
        url: &str,
        auth: &Auth,
        timeout: Duration,
    ) -> Result<Response, SourceError> {
        let path = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
        let mut req = Request::get(path);
        if let Some(h) = auth.header() {
            req = req.header(header::AUTHORIZATION, h);
        }
        let req = req
            .body(Body::empty())
            .map_err(|e| SourceError::Unavailable(format!("bad request: {e}")))?;
        let call = self.router.clone().oneshot(req);
        let resp = tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| SourceError::Timeout(timeout.as_secs_f64()))?
            .map_err(|e| SourceError::Unavailable(e.to_string()))?;
        let status = resp.status().as_u16();
        if status == CONNECTION_REFUSED_STATUS {
            return Err(SourceError::Unavailable(format!(
                "{}: connection refused",
                crate::redact::url(url)
            )));
        }
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let body = axum::body::to_bytes(resp.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|e| SourceError::Malformed(e.to_string()))?;
        Ok(Response {
            status,
            retry_after,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let basic = Auth::Basic {
            user: Secret::new("pk-lf-1"),
            password: Secret::new("sk-lf-2"),
        };
        assert_eq!(
            basic.header().as_deref(),
            Some("Basic cGstbGYtMTpzay1sZi0y")
        );
        let a = Auth::Bearer(Secret::new("sk-1234"));
        assert!(!format!("{a:?}").contains("sk-1234"));
    }
}
