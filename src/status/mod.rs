//! `llmmon status`: one read of every exporter role, summarised as GPUs, containers, models,
//! today's traffic and the problems worth a look.

pub mod energy;
pub mod fleet;
pub mod fleet_store;
mod problems;
mod render;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use llmmon_core::schema::*;
use llmmon_core::xid::Health;
use llmmon_core::Role;
use serde::Serialize;

use crate::endpoints::Endpoints;
use llmmon_core::scrape::{self, Scrape};
use llmmon_exporter::containers::{ContainerHealth, ContainerState};
use llmmon_exporter::vllm::VllmState;
pub use problems::{Problem, Severity};
pub use render::render_text;

/// Time one exporter may take to answer.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceStatus {
    pub role: String,
    pub url: String,
    pub reachable: bool,
    pub error: Option<String>,
    /// Sources inside the exporter whose last collection failed.
    pub failing: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostStatus {
    pub hostname: String,
    pub uptime_seconds: Option<f64>,
    pub cpus: usize,
    pub load1: Option<f64>,
    pub memory_used_bytes: Option<f64>,
    pub memory_total_bytes: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GpuStatus {
    pub index: String,
    pub name: String,
    pub utilization: Option<f64>,
    pub memory_used_bytes: Option<f64>,
    pub memory_total_bytes: Option<f64>,
    pub temperature_celsius: Option<f64>,
    pub power_watts: Option<f64>,
    pub power_limit_watts: Option<f64>,
    pub containers: Vec<String>,
    /// The exporter's verdict; None where it gives none (an older exporter).
    pub health: Option<Health>,
    /// The problems behind the verdict, worst first: (severity, problem, action).
    pub health_problems: Vec<(Health, String, String)>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ContainerStatus {
    pub name: String,
    pub class: String,
    pub image_version: String,
    /// None (`unknown`) where no state is reported.
    #[serde(serialize_with = "serialize_shown")]
    pub state: Option<ContainerState>,
    #[serde(serialize_with = "serialize_shown")]
    pub health: Option<ContainerHealth>,
    pub restarts: Option<f64>,
    pub crash_looping: bool,
    pub gpus: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelStatus {
    pub model: String,
    pub container: String,
    pub vllm_version: String,
    /// None (`unknown`) where no state is reported.
    #[serde(serialize_with = "serialize_shown")]
    pub state: Option<VllmState>,
    pub running: Option<f64>,
    pub waiting: Option<f64>,
    pub kv_cache_usage: Option<f64>,
    pub requests_today: Option<f64>,
    pub failed_today: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrafficToday {
    pub requests: f64,
    pub failed: f64,
    pub prompt_tokens: f64,
    pub completion_tokens: f64,
    pub spend_usd: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ServerStatus {
    /// "demo" on the embedded simulator, "live" otherwise.
    pub mode: String,
    pub scenario: Option<String>,
    pub sources: Vec<SourceStatus>,
    pub host: Option<HostStatus>,
    pub gpus: Vec<GpuStatus>,
    pub containers: Vec<ContainerStatus>,
    pub models: Vec<ModelStatus>,
    pub traffic: Option<TrafficToday>,
    /// What the GPUs draw and cost now, per model.
    pub energy: Option<energy::EnergyNow>,
    pub problems: Vec<Problem>,
}

impl ServerStatus {
    pub fn has_critical(&self) -> bool {
        self.problems
            .iter()
            .any(|p| p.severity == Severity::Critical)
    }

    pub fn any_reachable(&self) -> bool {
        self.sources.iter().any(|s| s.reachable)
    }
}

/// Scrapes every role concurrently.
pub async fn gather(endpoints: &Endpoints, mode: &str) -> ServerStatus {
    // A fresh cache has seen nothing, so the first round always reports every role.
    let results = scrape_all_cached(
        &reqwest::Client::new(),
        endpoints,
        &mut ParseCache::default(),
        |_| true,
    )
    .await
    .unwrap_or_default();
    summarise(results, mode)
}

/// One scrape of a role: where, and what came back (or why nothing did). The scrape is
/// shared with the parse cache, not copied: `llmmon top` hands over every role each refresh.
pub type RoleScrape = (Role, String, Result<Arc<Scrape>, ScrapeError>);

/// Why a role has no scrape to show.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScrapeError {
    #[error(transparent)]
    Fetch(#[from] scrape::FetchError),
    /// The role was not due and had never been fetched (a caller's bug).
    #[error("not fetched yet")]
    NotFetched,
}

/// Parses each exposition once: exporters render a new one per collection (every 30 s by
/// default), so a 1 s refresh mostly fetches bytes it has already parsed.
#[derive(Debug, Default)]
pub struct ParseCache {
    last: BTreeMap<Role, (String, Arc<Scrape>)>,
}

/// Scrapes the roles `due` says are due, concurrently. Returns None when nothing changed
/// since the last call (same bytes everywhere, no error); else every role's latest scrape,
/// parsing only the expositions that changed.
pub async fn scrape_all_cached(
    client: &reqwest::Client,
    endpoints: &Endpoints,
    cache: &mut ParseCache,
    due: impl Fn(Role) -> bool,
) -> Option<Vec<RoleScrape>> {
    let wanted = endpoints
        .roles
        .iter()
        .filter(|(role, _)| due(*role) || !cache.last.contains_key(role));
    let fetches = wanted.map(|(role, url)| {
        let client = client.clone();
        let metrics = format!("{url}/metrics");
        async move {
            (
                *role,
                scrape::fetch_text(&client, &metrics, FETCH_TIMEOUT).await,
            )
        }
    });
    let mut errors: BTreeMap<Role, scrape::FetchError> = BTreeMap::new();
    let mut changed = false;
    for (role, text) in futures::future::join_all(fetches).await {
        match text {
            Err(e) => {
                errors.insert(role, e);
                changed = true;
            }
            Ok(t) if cache.last.get(&role).is_some_and(|(old, _)| *old == t) => {}
            Ok(t) => {
                changed = true;
                match llmmon_core::scrape::parse(&t) {
                    Ok(parsed) => {
                        cache.last.insert(role, (t, Arc::new(parsed)));
                    }
                    Err(e) => {
                        errors.insert(role, e.into());
                    }
                }
            }
        }
    }
    if !changed {
        return None;
    }
    Some(
        endpoints
            .roles
            .iter()
            .map(|(role, url)| {
                let result = match errors.remove(role) {
                    Some(e) => Err(e.into()),
                    None => cache
                        .last
                        .get(role)
                        .map(|(_, s)| Arc::clone(s))
                        .ok_or(ScrapeError::NotFetched),
                };
                (*role, url.clone(), result)
            })
            .collect(),
    )
}

/// Builds the summary from each role's scrape (or the reason it failed).
pub fn summarise(results: Vec<RoleScrape>, mode: &str) -> ServerStatus {
    let mut sources = Vec::new();
    let mut scrapes: BTreeMap<Role, Arc<Scrape>> = BTreeMap::new();
    for (role, url, result) in results {
        match result {
            Ok(s) => {
                let failing = s
                    .series(SOURCE_UP.name)
                    .iter()
                    .filter(|x| x.value.number() == Some(0.0))
                    .map(|x| x.label("source").to_owned())
                    .collect();
                sources.push(SourceStatus {
                    role: role.to_string(),
                    url,
                    reachable: true,
                    error: None,
                    failing,
                });
                scrapes.insert(role, s);
            }
            Err(e) => sources.push(SourceStatus {
                role: role.to_string(),
                url,
                reachable: false,
                error: Some(e.to_string()),
                failing: Vec::new(),
            }),
        }
    }
    let empty = Scrape::default();
    let get = |r: Role| scrapes.get(&r).map_or(&empty, |s| &**s);
    let scenario = scrapes
        .values()
        .flat_map(|s| s.series(SIM_SCENARIO.name))
        .next()
        .map(|s| s.label("scenario").to_owned());
    let mut status = ServerStatus {
        mode: mode.to_owned(),
        scenario,
        sources,
        host: scrapes.get(&Role::Node).map(|s| host(s)),
        gpus: gpus(get(Role::Gpu)),
        containers: containers(get(Role::Containers)),
        models: models(get(Role::Vllm), get(Role::Litellm)),
        traffic: scrapes.get(&Role::Litellm).map(|s| traffic(s)),
        energy: energy::now(get(Role::Gpu), get(Role::Vllm)),
        problems: Vec::new(),
    };
    status.problems = problems::find(&status);
    status
}

fn host(s: &Scrape) -> HostStatus {
    let cpus: std::collections::BTreeSet<&str> = s
        .series(NODE_CPU_SECONDS.name)
        .iter()
        .map(|x| x.label("cpu"))
        .collect();
    let total = s.value(NODE_MEM_TOTAL.name, &[]);
    let avail = s.value(NODE_MEM_AVAILABLE.name, &[]);
    HostStatus {
        hostname: s
            .series(NODE_UNAME.name)
            .first()
            .map(|x| x.label("nodename").to_owned())
            .unwrap_or_default(),
        uptime_seconds: s
            .value(NODE_TIME.name, &[])
            .zip(s.value(NODE_BOOT_TIME.name, &[]))
            .map(|(now, boot)| now - boot),
        cpus: cpus.len(),
        load1: s.value(NODE_LOAD1.name, &[]),
        memory_used_bytes: total.zip(avail).map(|(t, a)| t - a),
        memory_total_bytes: total,
    }
}

fn gpus(s: &Scrape) -> Vec<GpuStatus> {
    let mut out: Vec<GpuStatus> = s
        .series(GPU_INFO.name)
        .iter()
        .map(|info| {
            let idx = info.label("gpu");
            let (health, health_problems) = gpu_health(s, idx);
            let v = |def: &MetricDef| s.value(def.name, &[("gpu", idx)]);
            let mut containers: Vec<String> = s
                .series(GPU_CONTAINER_MEMORY.name)
                .iter()
                .filter(|x| x.label("gpu") == idx)
                .map(|x| x.label("container").to_owned())
                .collect();
            containers.sort();
            GpuStatus {
                index: idx.to_owned(),
                name: info.label("name").to_owned(),
                utilization: v(&GPU_UTILIZATION),
                memory_used_bytes: v(&GPU_MEMORY_USED),
                memory_total_bytes: v(&GPU_MEMORY_TOTAL),
                temperature_celsius: v(&GPU_TEMPERATURE),
                power_watts: v(&GPU_POWER_USAGE),
                power_limit_watts: v(&GPU_POWER_LIMIT),
                containers,
                health,
                health_problems,
            }
        })
        .collect();
    // A GPU that cannot be read has a verdict but no reading: it is shown, lost.
    for series in s.series(GPU_HEALTH.name) {
        let idx = series.label("gpu");
        if out.iter().any(|g| g.index == idx) {
            continue;
        }
        let (health, health_problems) = gpu_health(s, idx);
        out.push(GpuStatus {
            index: idx.to_owned(),
            name: "unreadable".to_owned(),
            utilization: None,
            memory_used_bytes: None,
            memory_total_bytes: None,
            temperature_celsius: None,
            power_watts: None,
            power_limit_watts: None,
            containers: Vec::new(),
            health,
            health_problems,
        });
    }
    out.sort_by_key(|g| g.index.parse::<u32>().unwrap_or(u32::MAX));
    out
}

/// A GPU's verdict and its problems, worst first.
fn gpu_health(s: &Scrape, idx: &str) -> (Option<Health>, Vec<(Health, String, String)>) {
    let health = active_state(s, &GPU_HEALTH, ("gpu", idx), "verdict");
    let mut problems: Vec<(Health, String, String)> = s
        .series(GPU_HEALTH_PROBLEM.name)
        .iter()
        .filter(|x| x.label("gpu") == idx)
        .filter_map(|x| {
            let severity = x.label("severity").parse().ok()?;
            Some((
                severity,
                x.label("problem").to_owned(),
                x.label("action").to_owned(),
            ))
        })
        .collect();
    problems.sort_by_key(|p| std::cmp::Reverse(p.0));
    (health, problems)
}

/// The label value of the one series of an enum-style family that is 1.
fn active(s: &Scrape, def: &MetricDef, key: (&str, &str), label: &str) -> String {
    s.series(def.name)
        .iter()
        .find(|x| x.label(key.0) == key.1 && x.value.number() == Some(1.0))
        .map(|x| x.label(label).to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The active state of a state set, parsed; None where none is active or its label value
/// names no state.
fn active_state<T: std::str::FromStr>(
    s: &Scrape,
    def: &MetricDef,
    key: (&str, &str),
    label: &str,
) -> Option<T> {
    active(s, def, key, label).parse().ok()
}

/// What is shown for a state read back: its label value, `unknown` where there is none.
pub fn shown<T: std::fmt::Display>(state: Option<T>) -> String {
    state.map_or_else(|| "unknown".to_owned(), |s| s.to_string())
}

fn serialize_shown<S: serde::Serializer, T: std::fmt::Display + Copy>(
    state: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&shown(*state))
}

fn containers(s: &Scrape) -> Vec<ContainerStatus> {
    let mut out: Vec<ContainerStatus> = s
        .series(CONTAINER_INFO.name)
        .iter()
        .map(|info| {
            let name = info.label("container");
            let key = ("container", name);
            let mut gpus: Vec<String> = s
                .series(CONTAINER_GPU.name)
                .iter()
                .filter(|x| x.label("container") == name)
                .map(|x| x.label("gpu").to_owned())
                .collect();
            gpus.sort_by_key(|g| g.parse::<u32>().unwrap_or(u32::MAX));
            ContainerStatus {
                name: name.to_owned(),
                class: info.label("class").to_owned(),
                image_version: info.label("image_version").to_owned(),
                state: active_state(s, &CONTAINER_STATE, key, "state"),
                health: active_state(s, &CONTAINER_HEALTH, key, "status"),
                restarts: s.value(CONTAINER_RESTARTS.name, &[key]),
                crash_looping: s.value(CONTAINER_CRASH_LOOP.name, &[key]) == Some(1.0),
                gpus,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.class, &a.name).cmp(&(&b.class, &b.name)));
    out
}

fn models(vllm: &Scrape, litellm: &Scrape) -> Vec<ModelStatus> {
    vllm.series(VLLM_INFO.name)
        .iter()
        .map(|info| {
            let container = info.label("container");
            let model = info.label("model");
            let key = [("container", container)];
            let daily = |result: &str| {
                litellm.value(
                    LITELLM_DAILY_REQUESTS.name,
                    &[("model", model), ("result", result)],
                )
            };
            ModelStatus {
                model: model.to_owned(),
                container: container.to_owned(),
                vllm_version: info.label("vllm_version").to_owned(),
                state: active_state(vllm, &VLLM_STATE, key[0], "state"),
                running: vllm.value(VLLM_RUNNING.name, &key),
                waiting: vllm.value(VLLM_WAITING.name, &key),
                kv_cache_usage: vllm.value(VLLM_KV_CACHE.name, &key),
                requests_today: daily("success").zip(daily("failure")).map(|(a, b)| a + b),
                failed_today: daily("failure"),
            }
        })
        .collect()
}

fn traffic(s: &Scrape) -> TrafficToday {
    let sum = |name: &str, label: (&str, &str)| -> f64 {
        s.series(name)
            .iter()
            .filter(|x| label.0.is_empty() || x.label(label.0) == label.1)
            .filter_map(|x| x.value.number())
            .sum()
    };
    TrafficToday {
        requests: sum(LITELLM_DAILY_REQUESTS.name, ("", "")),
        failed: sum(LITELLM_DAILY_REQUESTS.name, ("result", "failure")),
        prompt_tokens: sum(LITELLM_DAILY_TOKENS.name, ("direction", "prompt")),
        completion_tokens: sum(LITELLM_DAILY_TOKENS.name, ("direction", "completion")),
        spend_usd: sum(LITELLM_DAILY_SPEND.name, ("", "")),
    }
}
