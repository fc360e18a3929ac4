//! The announcements API over HTTP, with errors as one line that says what to do. Answers
//! are read as the service's own API types (`llmmon_announcements::view`, `model`).

use anyhow::anyhow;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::config::TOKEN_ENV;
use crate::exit::CliError;

pub struct Client {
    base: String,
    http: reqwest::Client,
}

type Answer<T = Value> = Result<T, CliError>;

impl Client {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
        }
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Answer<T> {
        self.typed(self.call(Method::GET, path, query, None).await?)
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Answer<T> {
        self.typed(self.call(Method::POST, path, &[], Some(body)).await?)
    }

    pub async fn put<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Answer<T> {
        self.typed(self.call(Method::PUT, path, &[], Some(body)).await?)
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, &[], None).await
    }

    /// A successful answer as the API type `T`.
    fn typed<T: DeserializeOwned>(&self, v: Value) -> Answer<T> {
        serde_json::from_value(v).map_err(|e| {
            CliError::failure(anyhow!(
                "{} answered with JSON this llmmon does not read: {e}",
                self.base
            ))
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Answer {
        let write = method != Method::GET;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .query(query);
        if write {
            let token = std::env::var(TOKEN_ENV)
                .ok()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    CliError::failure(anyhow!(
                        "{TOKEN_ENV} is not set; export the value from the stack's .env"
                    ))
                })?;
            req = req.bearer_auth(token);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| {
            CliError::failure(anyhow!(
                "cannot reach the announcements service at {}: {} (is the stack up? see \
                     `llmmon stack status`, or set `announcements` in the config)",
                self.base,
                e.without_url()
            ))
        })?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        let v: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|_| {
                CliError::failure(anyhow!(
                    "{} answered {status} with something other than JSON",
                    self.base
                ))
            })?
        };
        if status.is_success() {
            return Ok(v);
        }
        let reason = v["error"].as_str().unwrap_or("no reason given").to_owned();
        let hint = match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                format!(" (check {TOKEN_ENV} against the stack's .env)")
            }
            _ => String::new(),
        };
        Err(CliError::failure(anyhow!("{status}: {reason}{hint}")))
    }
}
