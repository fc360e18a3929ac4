//! Grafana's HTTP API for backup and restore: folders, datasources and dashboards out as
//! JSON files, and back in with overwrite. Basic auth as GRAFANA_ADMIN_USER /
//! GRAFANA_ADMIN_PASSWORD from `.env`; the password never appears in a message.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::envfile::EnvFile;
use super::files::{FileError, Op};

/// What an export or import moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub folders: usize,
    pub datasources: usize,
    pub dashboards: usize,
    /// Provisioned dashboards and datasources: they come back from config/ and the
    /// dashboards/ directory, and Grafana refuses to overwrite them through the API.
    pub provisioned: usize,
}

/// Why Grafana's API did not do what a backup or restore needs. The password never shows.
#[derive(Debug, thiserror::Error)]
pub enum GrafanaError {
    #[error("GRAFANA_ADMIN_PASSWORD is not set in the stack's .env: Grafana's API needs it")]
    NoPassword,
    #[error("cannot set up an HTTP client: {0}")]
    Client(reqwest::Error),
    #[error("Grafana at {base} does not answer ({why}); is the stack up? (`llmmon stack status`)")]
    Unreachable { base: String, why: reqwest::Error },
    #[error(
        "Grafana at {0} refused GRAFANA_ADMIN_USER / GRAFANA_ADMIN_PASSWORD of .env; a restored \
         Grafana database keeps its own admin password: reset it with `docker compose exec \
         grafana grafana cli admin reset-admin-password <password>`"
    )]
    Refused(String),
    #[error("Grafana at {base} not ready after {limit:?}")]
    NotReady { base: String, limit: Duration },
    /// An API call answered with an error: what was asked, the status and Grafana's message.
    #[error("Grafana {what}: {status} {message}")]
    Api {
        what: String,
        status: StatusCode,
        message: String,
    },
    #[error("Grafana dashboard uid '{0}' has characters a file name cannot hold")]
    BadUid(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{} is not JSON: {why}", .path.display())]
    NotJson {
        path: std::path::PathBuf,
        why: serde_json::Error,
    },
}

impl GrafanaError {
    fn api(what: String, status: StatusCode, v: &Value) -> Self {
        Self::Api {
            what,
            status,
            message: message(v),
        }
    }
}

pub struct Grafana {
    base: String,
    user: String,
    password: String,
    client: reqwest::Client,
}

impl Grafana {
    /// A client for `base` with the admin credentials of `.env`.
    pub fn new(base: &str, env: Option<&EnvFile>) -> Result<Self, GrafanaError> {
        let password = env
            .and_then(|e| e.get("GRAFANA_ADMIN_PASSWORD"))
            .filter(|p| !p.is_empty())
            .ok_or(GrafanaError::NoPassword)?;
        let user = env
            .and_then(|e| e.get("GRAFANA_ADMIN_USER"))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "admin".to_owned());
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(GrafanaError::Client)?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            user,
            password,
            client,
        })
    }

    /// The base URL for messages, without credentials.
    fn shown(&self) -> String {
        llmmon_core::redact::url(&self.base)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, Value), GrafanaError> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .basic_auth(&self.user, Some(&self.password));
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| GrafanaError::Unreachable {
            base: self.shown(),
            why: e.without_url(),
        })?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(GrafanaError::Refused(self.shown()));
        }
        let value = resp.json().await.unwrap_or(Value::Null);
        Ok((status, value))
    }

    async fn get(&self, path: &str) -> Result<Value, GrafanaError> {
        match self.call(Method::GET, path, None).await? {
            (s, v) if s.is_success() => Ok(v),
            (s, v) => Err(GrafanaError::api(format!("GET {path}"), s, &v)),
        }
    }

    /// Waits until `/api/health` answers.
    pub async fn wait_ready(&self, limit: Duration) -> Result<(), GrafanaError> {
        let deadline = Instant::now() + limit;
        loop {
            match self.call(Method::GET, "/api/health", None).await {
                Ok((s, _)) if s.is_success() => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e),
                _ if Instant::now() >= deadline => {
                    return Err(GrafanaError::NotReady {
                        base: self.shown(),
                        limit,
                    })
                }
                _ => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
    }

    /// Writes `folders.json`, `datasources.json` and `dashboards/<uid>.json` (what
    /// `/api/dashboards/uid/<uid>` answers: `dashboard` and `meta`) under `dir`.
    pub async fn export(&self, dir: &Path) -> Result<Counts, GrafanaError> {
        let dashboards_dir = dir.join("dashboards");
        std::fs::create_dir_all(&dashboards_dir)
            .map_err(FileError::of(Op::Create, &dashboards_dir))?;
        let folders = self.get("/api/folders?limit=1000").await?;
        let datasources = self.get("/api/datasources").await?;
        write_json(&dir.join("folders.json"), &folders)?;
        write_json(&dir.join("datasources.json"), &datasources)?;
        let hits = self.get("/api/search?type=dash-db&limit=5000").await?;
        let mut counts = Counts {
            folders: len(&folders),
            datasources: len(&datasources),
            ..Counts::default()
        };
        for uid in hits
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["uid"].as_str())
        {
            if !uid
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(GrafanaError::BadUid(uid.to_owned()));
            }
            let full = self.get(&format!("/api/dashboards/uid/{uid}")).await?;
            write_json(&dashboards_dir.join(format!("{uid}.json")), &full)?;
            counts.dashboards += 1;
        }
        Ok(counts)
    }

    /// Re-creates folders, updates or creates datasources and posts every dashboard with
    /// overwrite, from what [`Grafana::export`] wrote; provisioned ones are left to
    /// provisioning.
    pub async fn import(&self, dir: &Path) -> Result<Counts, GrafanaError> {
        let mut counts = Counts::default();
        for folder in read_array(&dir.join("folders.json"))? {
            let mut body = json!({"uid": folder["uid"], "title": folder["title"]});
            if folder["parentUid"].is_string() {
                body["parentUid"] = folder["parentUid"].clone();
            }
            match self.call(Method::POST, "/api/folders", Some(&body)).await? {
                (s, _) if s.is_success() => counts.folders += 1,
                // Already there (Grafana answers 409 or 412).
                (StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED, _) => {}
                (s, v) => return Err(GrafanaError::api("POST /api/folders".into(), s, &v)),
            }
        }
        for mut ds in read_array(&dir.join("datasources.json"))? {
            if ds["readOnly"] == true {
                counts.provisioned += 1;
                continue;
            }
            let uid = ds["uid"].as_str().unwrap_or_default().to_owned();
            if let Some(obj) = ds.as_object_mut() {
                obj.remove("id");
                obj.remove("version");
            }
            let put = format!("/api/datasources/uid/{uid}");
            let (status, v) = match self.call(Method::PUT, &put, Some(&ds)).await? {
                (StatusCode::NOT_FOUND, _) => {
                    self.call(Method::POST, "/api/datasources", Some(&ds))
                        .await?
                }
                other => other,
            };
            if !status.is_success() {
                let what = format!("restoring datasource {uid}");
                return Err(GrafanaError::api(what, status, &v));
            }
            counts.datasources += 1;
        }
        let dashboards_dir = dir.join("dashboards");
        let mut files: Vec<_> = std::fs::read_dir(&dashboards_dir)
            .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        for path in files {
            let full = read_json(&path)?;
            if full["meta"]["provisioned"] == true {
                counts.provisioned += 1;
                continue;
            }
            let mut dashboard = full["dashboard"].clone();
            dashboard["id"] = Value::Null;
            let mut body = json!({
                "dashboard": dashboard,
                "overwrite": true,
                "message": "llmmon stack restore",
            });
            if let Some(folder) = full["meta"]["folderUid"].as_str().filter(|f| !f.is_empty()) {
                body["folderUid"] = json!(folder);
            }
            match self
                .call(Method::POST, "/api/dashboards/db", Some(&body))
                .await?
            {
                (s, _) if s.is_success() => counts.dashboards += 1,
                (s, v) => {
                    let what = format!("restoring dashboard {}", path.display());
                    return Err(GrafanaError::api(what, s, &v));
                }
            }
        }
        Ok(counts)
    }
}

fn message(v: &Value) -> String {
    v["message"].as_str().unwrap_or_default().to_owned()
}

fn len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

fn write_json(path: &Path, v: &Value) -> Result<(), FileError> {
    let text = serde_json::to_vec_pretty(v).map_err(std::io::Error::from);
    text.and_then(|t| std::fs::write(path, t))
        .map_err(FileError::of(Op::Write, path))
}

fn read_json(path: &Path) -> Result<Value, GrafanaError> {
    let text = std::fs::read(path).map_err(FileError::of(Op::Read, path))?;
    serde_json::from_slice(&text).map_err(|why| GrafanaError::NotJson {
        path: path.to_owned(),
        why,
    })
}

/// A JSON array file; a missing file is an empty array.
fn read_array(path: &Path) -> Result<Vec<Value>, GrafanaError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    Ok(read_json(path)?.as_array().cloned().unwrap_or_default())
}
