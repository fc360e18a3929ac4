//! Running a role: each collector on its own task with an interval and a timeout, the
//! latest snapshots kept, and the exposition rendered once per collection so a scrape
//! never waits on an upstream.

pub mod http;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::Settings;
use axum::Router;
use llmmon_core::exposition::{render, MetricSet};
use llmmon_core::role::{Role, SourceMode};
use llmmon_core::schema::{
    BUILD_INFO, COLLECT_DURATION, COLLECT_FAILURES, ENDPOINT_ERROR, ENDPOINT_UP, LAST_SUCCESS,
    SOURCE_UP,
};
use llmmon_core::source::{Collector, EndpointStatus, SourceError, TargetStatus};

/// What mock mode adds to a role (the wiring builds it from the simulator): families that
/// every exposition carries, and control routes (`/sim`, `/sim/logs`).
pub trait Mock: Send + Sync {
    /// Families rendered into every exposition published at time `t`.
    fn status_metrics(&self, t: f64) -> MetricSet;
    /// The control routes; `wake` makes every collector collect at once.
    fn routes(&self, wake: Arc<Notify>) -> Router;
}

/// The latest outcome of one collector.
#[derive(Debug, Clone, Default)]
pub struct SourceState {
    pub name: String,
    pub collections: u64,
    pub failures: u64,
    pub up: bool,
    pub duration_s: f64,
    pub last_success: Option<f64>,
    pub error: Option<String>,
    pub targets: Vec<TargetStatus>,
    pub endpoints: Vec<EndpointStatus>,
    metrics: MetricSet,
}

impl SourceState {
    /// The `source` label of an endpoint: this source, or `<source>/<target>`.
    pub fn endpoint_source(&self, e: &EndpointStatus) -> String {
        match &e.target {
            Some(t) => format!("{}/{t}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Default)]
struct Published {
    sources: Vec<SourceState>,
    exposition: Bytes,
}

/// Shared state of one running role.
pub struct RoleService {
    pub role: Role,
    pub mode: SourceMode,
    pub mock: Option<Arc<dyn Mock>>,
    collectors: Vec<Arc<dyn Collector>>,
    /// Source states and the exposition rendered from them, published together so that a
    /// reader never sees a source as collected before its metrics are served.
    published: RwLock<Published>,
    /// Serialises read-modify-publish of `published` between this role's collectors.
    update: std::sync::Mutex<()>,
    /// Wakes every collector for an immediate collection (after a scenario switch).
    pub wake: Arc<Notify>,
}

impl RoleService {
    /// A role running the given collectors (tests inject failing or slow ones here).
    pub fn with_collectors(
        role: Role,
        mode: SourceMode,
        mock: Option<Arc<dyn Mock>>,
        collectors: Vec<Arc<dyn Collector>>,
        wake: Arc<Notify>,
    ) -> Arc<Self> {
        let sources = collectors
            .iter()
            .map(|c| SourceState {
                name: c.name().to_owned(),
                ..SourceState::default()
            })
            .collect();
        let svc = Arc::new(Self {
            role,
            mode,
            mock,
            collectors,
            published: RwLock::new(Published::default()),
            update: std::sync::Mutex::new(()),
            wake,
        });
        svc.publish(sources);
        svc
    }

    /// The bytes a scrape returns.
    pub fn exposition(&self) -> Bytes {
        self.published
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .exposition
            .clone()
    }

    /// Snapshot of every source's status.
    pub fn sources(&self) -> Vec<SourceState> {
        self.published
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .sources
            .clone()
    }

    /// Ready once any source has collected successfully.
    pub fn is_ready(&self) -> bool {
        self.sources().iter().any(|s| s.last_success.is_some())
    }

    /// Whether every source has finished a first collection, successful or not.
    pub fn has_collected(&self) -> bool {
        self.sources().iter().all(|s| s.collections > 0)
    }

    /// Runs one collection of collector `i` and publishes the result.
    pub async fn collect_once(&self, i: usize, timeout: Duration) {
        let collector = &self.collectors[i];
        let started = Instant::now();
        let result = match tokio::time::timeout(timeout, collector.collect()).await {
            Ok(r) => r,
            Err(_) => Err(SourceError::Timeout(timeout.as_secs_f64())),
        };
        let duration = started.elapsed().as_secs_f64();
        let _guard = self.update.lock().unwrap_or_else(|e| e.into_inner());
        let mut sources = self.sources();
        {
            let s = &mut sources[i];
            s.collections += 1;
            s.duration_s = duration;
            match result {
                Ok(c) => {
                    s.up = true;
                    s.error = None;
                    s.last_success = Some(llmmon_core::clock::now());
                    s.metrics = c.metrics;
                    s.targets = c.targets;
                    log_endpoint_changes(self.role, s, &c.endpoints);
                    s.endpoints = c.endpoints;
                }
                Err(e) => {
                    tracing::warn!(role = %self.role, source = %s.name, error = %e, "collection failed");
                    s.up = false;
                    s.failures += 1;
                    s.error = Some(e.to_string());
                    // Stale numbers are worse than none: drop them until the source is back.
                    s.metrics = MetricSet::new();
                    s.targets.clear();
                    s.endpoints.clear();
                }
            }
        }
        self.publish(sources);
    }

    /// Renders the exposition from `sources` and publishes both at once.
    fn publish(&self, sources: Vec<SourceState>) {
        let mut m = MetricSet::new();
        m.gauge(
            &BUILD_INFO,
            &[
                env!("CARGO_PKG_VERSION"),
                self.role.as_str(),
                self.mode.as_str(),
            ],
            1.0,
        );
        for s in &sources {
            let up = |ok: bool| f64::from(u8::from(ok));
            m.gauge(&SOURCE_UP, &[&s.name], up(s.up));
            m.gauge(&COLLECT_DURATION, &[&s.name], s.duration_s);
            m.gauge_opt(&LAST_SUCCESS, &[&s.name], s.last_success);
            m.counter(&COLLECT_FAILURES, &[&s.name], s.failures as f64);
            for t in &s.targets {
                m.gauge(
                    &SOURCE_UP,
                    &[&format!("{}/{}", s.name, t.target)],
                    up(t.result.is_ok()),
                );
            }
            for e in &s.endpoints {
                let source = s.endpoint_source(e);
                m.gauge(&ENDPOINT_UP, &[&source, &e.endpoint], up(e.result.is_ok()));
                if let Err(err) = &e.result {
                    m.gauge(&ENDPOINT_ERROR, &[&source, &e.endpoint, err.kind()], 1.0);
                }
            }
            m.extend(s.metrics.clone());
        }
        if let Some(mock) = &self.mock {
            m.extend(mock.status_metrics(llmmon_core::clock::now()));
        }
        let exposition = Bytes::from(render(&m));
        *self.published.write().unwrap_or_else(|e| e.into_inner()) = Published {
            sources,
            exposition,
        };
    }

    /// Spawns one task per collector: collect now, then every `interval` or when woken.
    pub fn spawn_collectors(self: &Arc<Self>, settings: &Settings, stop: CancellationToken) {
        for i in 0..self.collectors.len() {
            let svc = self.clone();
            let stop = stop.clone();
            let (interval, timeout) = (settings.interval, settings.timeout);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(interval);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tick.tick() => {}
                        _ = svc.wake.notified() => {}
                    }
                    svc.collect_once(i, timeout).await;
                }
            });
        }
    }
}

/// Logs each endpoint whose outcome changed since the last collection (a failing endpoint
/// is named once when it starts failing and once when it is back, not at every collection).
fn log_endpoint_changes(role: Role, s: &SourceState, now: &[EndpointStatus]) {
    for e in now {
        let before = s
            .endpoints
            .iter()
            .find(|b| b.target == e.target && b.endpoint == e.endpoint);
        if before.map(|b| &b.result) == Some(&e.result) {
            continue;
        }
        let source = s.endpoint_source(e);
        match &e.result {
            Err(err) => {
                tracing::warn!(%role, %source, endpoint = %e.endpoint, error = %err, "endpoint failed")
            }
            Ok(()) if before.is_some() => {
                tracing::info!(%role, %source, endpoint = %e.endpoint, "endpoint answers again")
            }
            Ok(()) => {}
        }
    }
}

/// A role serving on a bound address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub role: Role,
    pub addr: SocketAddr,
}

/// Roles running in this process, stopped together.
pub struct Running {
    pub bound: Vec<Bound>,
    pub services: Vec<Arc<RoleService>>,
    pub stop: CancellationToken,
}

impl Running {
    pub fn addr(&self, role: Role) -> Option<SocketAddr> {
        self.bound.iter().find(|b| b.role == role).map(|b| b.addr)
    }

    /// Waits until every role has collected successfully once (or `limit` passes).
    pub async fn wait_ready(&self, limit: Duration) -> bool {
        self.wait_until(limit, RoleService::is_ready).await
    }

    /// Waits until every source of every role has finished a first collection, successful
    /// or not (a fault that takes a source down is something to look at, not a start-up
    /// failure), or `limit` passes.
    pub async fn wait_collected(&self, limit: Duration) -> bool {
        self.wait_until(limit, RoleService::has_collected).await
    }

    async fn wait_until(&self, limit: Duration, done: fn(&RoleService) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.services.iter().all(|s| done(s)) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Serves `services` in this process: binds each to its listen address, serves HTTP and
/// runs the collectors (the wiring builds the services for a role and mode).
pub async fn serve(
    settings: &Settings,
    services: Vec<Arc<RoleService>>,
) -> anyhow::Result<Running> {
    let stop = CancellationToken::new();
    let mut bound = Vec::new();
    for svc in &services {
        let role = svc.role;
        let addr = settings
            .listen
            .get(&role)
            .copied()
            .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], role.default_port())));
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} for role {role}: {e}"))?;
        let local = listener.local_addr()?;
        let app = http::app(svc.clone());
        let stopper = stop.clone();
        tokio::spawn(async move {
            let serve = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stopper.cancelled().await });
            if let Err(e) = serve.await {
                tracing::error!(%role, error = %e, "server stopped");
            }
        });
        svc.spawn_collectors(settings, stop.clone());
        bound.push(Bound { role, addr: local });
    }
    Ok(Running {
        bound,
        services,
        stop,
    })
}
