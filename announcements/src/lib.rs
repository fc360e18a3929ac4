//! llmmon-announcements: the announcements service (served by `llmmon-exporter announcements`, port 23004): what
//! maintainers tell end users — maintenance windows, deprecations, new models, endpoint
//! changes, advisories — and each service's status, kept in a durable store, served over an
//! HTTP API, as JSON Feed / RSS / Atom, as Prometheus metrics for the dashboards, and as a
//! public status page for end users (`page`).

pub mod api;
pub mod derive;
pub mod feeds;
pub mod metrics;
pub mod model;
pub mod notify;
pub mod page;
pub mod prometheus;
pub mod store;
pub mod text;
pub mod uptime;
pub mod view;

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::Utc;

use self::derive::{Derived, ModelFacts};
use self::model::ServiceStatus;
use self::store::{CommitError, Event, State, Store, StoreError};
use self::uptime::Uptime;
use llmmon_core::problems::Problems;
use llmmon_core::upstream::Secret;

/// Default port (DESIGN.md).
pub const PORT: u16 = 23004;

/// The service's settings, from the environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LLMMON_DATA_DIR`: where the store lives.
    pub data_dir: PathBuf,
    /// `LLMMON_ANNOUNCEMENTS_TOKEN`: bearer token for writes; none disables writes.
    pub token: Option<Secret>,
    /// `LLMMON_ANNOUNCEMENTS_PUBLIC_URL`: base URL in feeds and links; its path is the
    /// prefix of every link on the status page (behind a reverse proxy).
    pub public_url: String,
    /// `LLMMON_ANNOUNCEMENTS_MODELS_URL`: the OpenAI-compatible base URL users call the
    /// models at (LiteLLM's), shown in the status page's catalog.
    pub models_url: Option<String>,
    /// `LLMMON_ANNOUNCEMENTS_WEBHOOKS`: comma-separated URLs told of every publication.
    pub webhooks: Vec<String>,
    /// `LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL`: derive service status from this Prometheus.
    pub prometheus: Option<String>,
    /// `LLMMON_GRAFANA_URL` + `LLMMON_GRAFANA_TOKEN`: push announcements as annotations.
    pub grafana: Option<notify::Grafana>,
    /// How often derived statuses are refreshed.
    pub derive_every: Duration,
    /// How often the status page's uptime history is read again.
    pub uptime_every: Duration,
}

/// What is wrong with the service's environment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    #[error("{0}: not an http(s) URL")]
    NotHttpUrl(&'static str),
    #[error("LLMMON_GRAFANA_URL is set but LLMMON_GRAFANA_TOKEN is not")]
    GrafanaTokenMissing,
    #[error("LLMMON_ANNOUNCEMENTS_TOKEN: use at least 16 characters")]
    TokenTooShort,
}

/// Every problem of the environment, on one line.
pub type ConfigError = Problems<ConfigProblem>;

fn http_url(name: &'static str, v: &str) -> Result<String, ConfigProblem> {
    match url::Url::parse(v) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(v.trim_end_matches('/').to_owned()),
        _ => Err(ConfigProblem::NotHttpUrl(name)),
    }
}

impl Config {
    /// From environment variables (`get` looks one up); every problem in one line.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let mut problems = Problems::default();
        let mut url = |name: &'static str| {
            get(name).and_then(|v| match http_url(name, &v) {
                Ok(u) => Some(u),
                Err(e) => {
                    problems.push(e);
                    None
                }
            })
        };
        let public_url = url("LLMMON_ANNOUNCEMENTS_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://localhost:{PORT}"));
        let prometheus = url("LLMMON_ANNOUNCEMENTS_PROMETHEUS_URL");
        let models_url = url("LLMMON_ANNOUNCEMENTS_MODELS_URL");
        let grafana_url = url("LLMMON_GRAFANA_URL");
        let mut webhooks = Vec::new();
        for w in get("LLMMON_ANNOUNCEMENTS_WEBHOOKS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            match http_url("LLMMON_ANNOUNCEMENTS_WEBHOOKS", w) {
                Ok(u) => webhooks.push(u),
                Err(e) => problems.push(e),
            }
        }
        let grafana = match (grafana_url, get("LLMMON_GRAFANA_TOKEN")) {
            (Some(url), Some(t)) => Some(notify::Grafana {
                url,
                token: Secret::new(t),
            }),
            (Some(_), None) => {
                problems.push(ConfigProblem::GrafanaTokenMissing);
                None
            }
            _ => None,
        };
        let token = get("LLMMON_ANNOUNCEMENTS_TOKEN").map(Secret::new);
        if token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            problems.push(ConfigProblem::TokenTooShort);
        }
        problems.check()?;
        Ok(Self {
            data_dir: get("LLMMON_DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/var/lib/llmmon")),
            token,
            public_url,
            models_url,
            webhooks,
            prometheus,
            grafana,
            derive_every: Duration::from_secs(60),
            uptime_every: Duration::from_secs(15 * 60),
        })
    }
}

/// The running service: store, settings, HTTP client, what Prometheus last said.
pub struct App {
    store: Arc<Store>,
    cfg: Config,
    client: reqwest::Client,
    /// The last derivation and whether the last attempt worked.
    derived: RwLock<(Derived, bool)>,
    /// The status page's uptime history.
    uptime: RwLock<Uptime>,
    /// When each page's current content was first served (`Last-Modified`).
    pages: page::Versions,
}

impl App {
    /// Opens the store; fails when the data directory cannot be used.
    pub fn open(cfg: Config) -> Result<Arc<Self>, StoreError> {
        let store = Arc::new(Store::open(&cfg.data_dir)?);
        Ok(Arc::new(Self {
            store,
            uptime: RwLock::new(if cfg.prometheus.is_some() {
                Uptime::Unavailable
            } else {
                Uptime::NotConfigured
            }),
            cfg,
            client: reqwest::Client::new(),
            derived: RwLock::new((Derived::default(), false)),
            pages: page::Versions::default(),
        }))
    }

    /// The store's state, read off the async threads.
    pub async fn state(&self) -> Result<State, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.state())
            .await
            .unwrap_or_else(|e| {
                Err(StoreError::Io {
                    path: String::new(),
                    source: std::io::Error::other(e),
                })
            })
    }

    /// [`Store::commit`] off the async threads.
    pub async fn commit<T, E>(
        &self,
        decide: impl FnOnce(&State) -> Result<(Vec<Event>, T), E> + Send + 'static,
    ) -> Result<T, CommitError<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.commit(decide))
            .await
            .unwrap_or_else(|e| {
                Err(CommitError::Store(StoreError::Io {
                    path: String::new(),
                    source: std::io::Error::other(e),
                }))
            })
    }

    /// The service's settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Derived statuses and whether the last derivation worked.
    pub fn derived(&self) -> (Vec<ServiceStatus>, bool) {
        self.derived
            .read()
            .map(|d| (d.0.statuses.clone(), d.1))
            .unwrap_or_default()
    }

    /// Every model vLLM serves, with what its exporter knows of it (last derivation).
    pub fn models(&self) -> std::collections::BTreeMap<String, ModelFacts> {
        self.derived
            .read()
            .map(|d| d.0.models.clone())
            .unwrap_or_default()
    }

    /// The uptime history the status page shows.
    pub fn uptime(&self) -> Uptime {
        self.uptime
            .read()
            .map(|u| u.clone())
            .unwrap_or(Uptime::Unavailable)
    }

    /// Every service's status in effect: set by hand, else derived.
    pub async fn statuses(&self) -> Result<Vec<ServiceStatus>, StoreError> {
        let state = self.state().await?;
        Ok(derive::merge(&state.statuses, &self.derived().0))
    }

    /// Refreshes derived statuses (and, less often, the uptime history) from Prometheus
    /// until `stop`.
    pub async fn derive_loop(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        let Some(prom) = self.cfg.prometheus.clone() else {
            return;
        };
        let mut uptime_read: Option<std::time::Instant> = None;
        loop {
            match derive::fetch(&self.client, &prom, Utc::now()).await {
                Ok(derived) => {
                    if let Ok(mut d) = self.derived.write() {
                        *d = (derived, true);
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "deriving service status");
                    // Keep the last statuses; report the source down.
                    if let Ok(mut d) = self.derived.write() {
                        d.1 = false;
                    }
                }
            }
            if uptime_read.is_none_or(|t| t.elapsed() >= self.cfg.uptime_every) {
                self.refresh_uptime(&prom).await;
                uptime_read = Some(std::time::Instant::now());
            }
            tokio::select! {
                () = stop.cancelled() => return,
                () = tokio::time::sleep(self.cfg.derive_every) => {}
            }
        }
    }
}

impl App {
    /// Reads the uptime history again; on failure keeps the last one it had, if any.
    async fn refresh_uptime(&self, prom: &str) {
        let got = uptime::fetch(&self.client, prom, Utc::now()).await;
        let Ok(mut u) = self.uptime.write() else {
            return;
        };
        match got {
            Ok(h) => *u = Uptime::Known(h),
            Err(e) => {
                tracing::warn!(error = %e, "reading uptime history");
                if !matches!(*u, Uptime::Known(_)) {
                    *u = Uptime::Unavailable;
                }
            }
        }
    }
}

/// Why [`Local::start`] did not start the service.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Open(StoreError),
    #[error("announcements: cannot listen on loopback: {0}")]
    Listen(std::io::Error),
}

/// The service on a free loopback port, serving until dropped (the demo, tests).
pub struct Local {
    pub addr: std::net::SocketAddr,
    pub app: Arc<App>,
    stop: tokio_util::sync::CancellationToken,
}

impl Local {
    /// Opens the store `cfg` names and serves it on 127.0.0.1.
    pub async fn start(cfg: Config) -> Result<Self, StartError> {
        let app = App::open(cfg).map_err(StartError::Open)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(StartError::Listen)?;
        let addr = listener.local_addr().map_err(StartError::Listen)?;
        let stop = tokio_util::sync::CancellationToken::new();
        tokio::spawn(serve(app.clone(), listener, stop.clone()));
        Ok(Self { addr, app, stop })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Serves the API on `listener` until `stop`.
pub async fn serve(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    stop: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    tokio::spawn(app.clone().derive_loop(stop.clone()));
    axum::serve(listener, api::router(app))
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
}
