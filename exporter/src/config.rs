//! Settings: built-in defaults, then one TOML file, then `LLMMON_…` environment variables
//! (nested keys joined by `__`, e.g. `LLMMON_SIM__SCENARIO=high_load`), then flags. Every
//! invalid entry is listed in one error. Secrets are read from the environment only and
//! never printed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::containers::docker_source::DockerSourceConfig;
use llmmon_core::label::UnknownName;
use llmmon_core::problems::Problems;
use llmmon_core::role::Role;
use llmmon_core::scenario::{Conditions, Fault, Scenario};

/// The file's sections: `LLMMON_<SECTION>__<KEY>` variables of these set settings; other
/// `LLMMON_` variables (secrets such as `LLMMON_VLLM_API_KEY`, CLI defaults) are not read here.
pub const SECTIONS: [&str; 10] = [
    "collect",
    "sim",
    "listen",
    "docker",
    "gpu",
    "containers",
    "vllm",
    "litellm",
    "langfuse",
    "cost",
];

/// Shortest collection interval accepted (the simulator in `llmmon top --demo` uses 1 s).
pub const MIN_INTERVAL_S: f64 = 1.0;

/// Longest interval or timeout accepted (a day): anything longer is a typo, and `inf` or
/// 1e20 s would not fit a `Duration`.
pub const MAX_SECONDS: f64 = 86_400.0;

/// The file as written, before validation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawSettings {
    pub collect: RawCollect,
    pub sim: RawSim,
    /// Listen address per role name, e.g. `gpu = "0.0.0.0:9445"`.
    pub listen: BTreeMap<String, String>,
    pub docker: RawDocker,
    pub gpu: RawGpu,
    pub containers: RawContainers,
    pub vllm: RawVllm,
    pub litellm: RawService,
    pub langfuse: RawService,
    pub cost: Prices,
}

/// The `vllm` role's targets. The API key comes from `LLMMON_VLLM_API_KEY` only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawVllm {
    /// Static base URLs (e.g. `http://10.0.0.5:8000`), besides the discovered containers.
    pub targets: Vec<String>,
    /// Find vLLM containers through the Docker API.
    pub discover: bool,
    /// How to reach a discovered container: `container` (by name on a shared Docker
    /// network) or `host:<address>` (the published port on that address).
    pub address: String,
    /// Hugging Face cache (`…/hub`) mounted read-only, for model metadata; empty: none.
    pub hf_cache: String,
    /// Seconds one instance may take to answer.
    pub timeout_s: f64,
}

impl Default for RawVllm {
    fn default() -> Self {
        Self {
            targets: Vec::new(),
            discover: true,
            address: "container".to_owned(),
            hf_cache: String::new(),
            timeout_s: 5.0,
        }
    }
}

/// An HTTP service read by one role (LiteLLM, Langfuse). Credentials come from the
/// environment only (`LLMMON_LITELLM_MASTER_KEY`; `LLMMON_LANGFUSE_PUBLIC_KEY` and
/// `LLMMON_LANGFUSE_SECRET_KEY`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawService {
    pub url: String,
    pub timeout_s: f64,
}

impl Default for RawService {
    fn default() -> Self {
        Self {
            url: String::new(),
            timeout_s: 10.0,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawDocker {
    /// Engine socket, `unix:///var/run/docker.sock` by default.
    pub socket: String,
    /// Where the host's root file system is visible, to check mount sources (`/` on the
    /// host; `/host` in a container that mounts `/:/host:ro`).
    pub host_root: String,
}

/// What the GPUs cost (`[cost]`): either price, both, or none (no cost is then reported).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Prices {
    /// What one GPU costs an hour, held or not (rent, or purchase spread over its life).
    pub gpu_hour_usd: Option<f64>,
    /// What a kilowatt-hour of electricity costs.
    pub kwh_usd: Option<f64>,
}

impl Prices {
    /// What `gpu_hours` held and `kwh` drawn cost; None without any price (a price not
    /// configured counts as free beside one that is).
    pub fn cost_of(self, gpu_hours: f64, kwh: f64) -> Option<f64> {
        if self == Self::default() {
            return None;
        }
        Some(gpu_hours * self.gpu_hour_usd.unwrap_or(0.0) + kwh * self.kwh_usd.unwrap_or(0.0))
    }

    /// What `gpus` held and `watts` drawn cost an hour.
    pub fn cost_per_hour(self, gpus: f64, watts: f64) -> Option<f64> {
        self.cost_of(gpus, watts / 1000.0)
    }

    /// Example prices of the demo: an H200 at 2.50 $/h, power at 0.15 $/kWh.
    pub const DEMO: Prices = Prices {
        gpu_hour_usd: Some(2.5),
        kwh_usd: Some(0.15),
    };
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawGpu {
    /// Where host processes are visible (`/proc` when the exporter runs with `pid: host`).
    pub proc_root: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawContainers {
    /// A container restarted `crash_loop_restarts` times within this many seconds is
    /// crash-looping.
    pub crash_loop_window_s: f64,
    pub crash_loop_restarts: u64,
}

impl Default for RawDocker {
    fn default() -> Self {
        Self {
            socket: llmmon_core::docker::DEFAULT_SOCKET.to_owned(),
            host_root: "/".to_owned(),
        }
    }
}

impl Default for RawGpu {
    fn default() -> Self {
        Self {
            proc_root: "/proc".to_owned(),
        }
    }
}

impl Default for RawContainers {
    fn default() -> Self {
        Self {
            crash_loop_window_s: 600.0,
            crash_loop_restarts: 3,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawCollect {
    /// Seconds between collections; keep it no shorter than Prometheus' scrape interval.
    pub interval_s: f64,
    /// Seconds one collection may take before it counts as failed; by default 10 s or 80 %
    /// of the interval, whichever is less.
    pub timeout_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RawSim {
    pub seed: u64,
    /// Copies of the reference fleet (8 GPUs, 10 vLLM instances) on one host.
    pub scale: u32,
    pub scenario: String,
    pub faults: Vec<String>,
    /// The simulated server's host name (a fleet runs one simulator per server).
    pub hostname: String,
}

impl Default for RawCollect {
    fn default() -> Self {
        Self {
            interval_s: 30.0,
            timeout_s: None,
        }
    }
}

impl Default for RawSim {
    fn default() -> Self {
        Self {
            seed: 42,
            scale: 1,
            scenario: Scenario::Normal.as_str().to_owned(),
            faults: Vec::new(),
            hostname: llmmon_core::scenario::FIRST_HOST.to_owned(),
        }
    }
}

impl Default for RawSettings {
    fn default() -> Self {
        Self {
            collect: RawCollect::default(),
            sim: RawSim::default(),
            listen: Role::ALL
                .iter()
                .map(|r| {
                    (
                        r.as_str().to_owned(),
                        format!("0.0.0.0:{}", r.default_port()),
                    )
                })
                .collect(),
            docker: RawDocker::default(),
            gpu: RawGpu::default(),
            cost: Prices::default(),
            containers: RawContainers::default(),
            vllm: RawVllm::default(),
            litellm: RawService {
                url: "http://litellm:4000".to_owned(),
                ..RawService::default()
            },
            langfuse: RawService {
                url: "http://langfuse-web:3000".to_owned(),
                ..RawService::default()
            },
        }
    }
}

/// Where the `vllm` role looks for instances.
#[derive(Debug, Clone, PartialEq)]
pub struct VllmSettings {
    pub targets: Vec<String>,
    pub discover: bool,
    pub address: crate::vllm::discovery::Address,
    pub hf_cache: Option<PathBuf>,
    pub timeout: Duration,
}

/// An HTTP upstream of a role.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSettings {
    pub url: String,
    pub timeout: Duration,
}

/// Validated settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub interval: Duration,
    pub timeout: Duration,
    pub seed: u64,
    pub scale: u32,
    /// The simulated server's host name.
    pub hostname: String,
    pub conditions: Conditions,
    /// Unix time the initial faults began (None: when the roles start). The demo puts it at
    /// 00:00 UTC, so a one-shot look finds a fault already going on, as on a real server.
    pub faults_since: Option<f64>,
    pub listen: BTreeMap<Role, SocketAddr>,
    pub docker: DockerSourceConfig,
    pub proc_root: PathBuf,
    pub vllm: VllmSettings,
    pub litellm: ServiceSettings,
    pub langfuse: ServiceSettings,
    pub cost: Prices,
}

/// One invalid entry of the settings.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingProblem {
    #[error("collect.interval_s = {0} (must be {MIN_INTERVAL_S} to {MAX_SECONDS})")]
    Interval(f64),
    #[error("collect.timeout_s = {0} (must be above 0 and below collect.interval_s)")]
    Timeout(f64),
    #[error("sim.scale = {0} (must be 1 to 100)")]
    Scale(u32),
    #[error("sim.scenario: {0}")]
    Scenario(UnknownName),
    #[error("sim.faults: {0}")]
    Fault(UnknownName),
    #[error(
        "containers.crash_loop_window_s = {window}, crash_loop_restarts = {restarts} (both must \
         be above 0)"
    )]
    CrashLoop { window: f64, restarts: u64 },
    #[error("docker.socket = '{0}' (expected unix:///path/to/docker.sock)")]
    Socket(String),
    #[error("vllm.address = '{0}' (expected \"container\" or \"host:<address>\")")]
    Address(String),
    /// A URL that is not http(s), shown without credentials.
    #[error("{key} = '{url}' (expected an http:// or https:// URL)")]
    NotHttp { key: String, url: String },
    #[error("{key} = {value} (must be above 0, at most {MAX_SECONDS})")]
    Seconds { key: &'static str, value: f64 },
    #[error("{key} = {value} (a price must be 0 or more)")]
    Price { key: &'static str, value: f64 },
    #[error("listen: {0}")]
    Role(UnknownName),
    #[error("listen.{role} = '{addr}' (expected HOST:PORT, e.g. 0.0.0.0:9445)")]
    Listen { role: String, addr: String },
}

/// A configuration that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} does not exist", .0.display())]
    Missing(PathBuf),
    /// The file or the environment does not read as the settings (syntax, unknown key,
    /// wrong type): figment's account, on one line.
    #[error("bad configuration: {}", one_line(&.0.to_string()))]
    Unreadable(Box<figment::Error>),
    /// Every invalid entry.
    #[error("invalid configuration: {0}")]
    Invalid(Problems<SettingProblem>),
}

impl RawSettings {
    /// Layers defaults, the TOML file (if any) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(RawSettings::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Missing(path.to_owned()));
            }
            fig = fig.merge(Toml::file_exact(path));
        }
        fig = fig.merge(Env::prefixed("LLMMON_").split("__").filter(|k| {
            // Only the sections this file defines; other LLMMON_ variables belong to the CLI.
            let k = k.as_str().to_ascii_lowercase();
            SECTIONS
                .iter()
                .any(|s| k.strip_prefix(s).is_some_and(|rest| rest.starts_with('.')))
        }));
        fig.extract()
            .map_err(|e| ConfigError::Unreadable(Box::new(e)))
    }

    /// Checks every entry; all problems come back in one error.
    pub fn validate(&self) -> Result<Settings, ConfigError> {
        use SettingProblem as P;
        let mut problems = Problems::default();
        let c = &self.collect;
        // Written so that NaN fails too.
        if c.interval_s.is_nan() || !(MIN_INTERVAL_S..=MAX_SECONDS).contains(&c.interval_s) {
            problems.push(P::Interval(c.interval_s));
        }
        let timeout = c.timeout_s.unwrap_or((0.8 * c.interval_s).min(10.0));
        if timeout.is_nan() || timeout <= 0.0 || timeout >= c.interval_s.max(MIN_INTERVAL_S) {
            problems.push(P::Timeout(timeout));
        }
        if !(1..=100).contains(&self.sim.scale) {
            problems.push(P::Scale(self.sim.scale));
        }
        let scenario = self.sim.scenario.parse::<Scenario>().map_err(|e| {
            problems.push(P::Scenario(e));
        });
        let mut faults = std::collections::BTreeSet::new();
        for f in &self.sim.faults {
            match f.parse::<Fault>() {
                Ok(f) => {
                    faults.insert(f);
                }
                Err(e) => problems.push(P::Fault(e)),
            }
        }
        let cc = &self.containers;
        if cc.crash_loop_window_s.is_nan()
            || cc.crash_loop_window_s <= 0.0
            || cc.crash_loop_restarts == 0
        {
            problems.push(P::CrashLoop {
                window: cc.crash_loop_window_s,
                restarts: cc.crash_loop_restarts,
            });
        }
        if !self.docker.socket.starts_with("unix://") && !self.docker.socket.starts_with('/') {
            problems.push(P::Socket(self.docker.socket.clone()));
        }
        let address = match self.vllm.address.as_str() {
            "container" => Some(crate::vllm::discovery::Address::ContainerName),
            a => match a.strip_prefix("host:") {
                Some(h) if !h.is_empty() => {
                    Some(crate::vllm::discovery::Address::Host(h.to_owned()))
                }
                _ => {
                    problems.push(P::Address(a.to_owned()));
                    None
                }
            },
        };
        let mut http = |key: String, url: &str| {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                problems.push(P::NotHttp {
                    key,
                    url: llmmon_core::redact::url(url),
                });
            }
        };
        for (i, t) in self.vllm.targets.iter().enumerate() {
            http(format!("vllm.targets[{i}]"), t);
        }
        http("litellm.url".to_owned(), &self.litellm.url);
        http("langfuse.url".to_owned(), &self.langfuse.url);
        for (key, t) in [
            ("vllm.timeout_s", self.vllm.timeout_s),
            ("litellm.timeout_s", self.litellm.timeout_s),
            ("langfuse.timeout_s", self.langfuse.timeout_s),
        ] {
            if t.is_nan() || t <= 0.0 || t > MAX_SECONDS {
                problems.push(P::Seconds { key, value: t });
            }
        }
        for (key, price) in [
            ("cost.gpu_hour_usd", self.cost.gpu_hour_usd),
            ("cost.kwh_usd", self.cost.kwh_usd),
        ] {
            if let Some(value) = price.filter(|p| !(p.is_finite() && *p >= 0.0)) {
                problems.push(P::Price { key, value });
            }
        }
        let mut listen = BTreeMap::new();
        for (name, addr) in &self.listen {
            match (name.parse::<Role>(), addr.parse::<SocketAddr>()) {
                (Ok(role), Ok(a)) => {
                    listen.insert(role, a);
                }
                (Err(e), _) => problems.push(P::Role(e)),
                (_, Err(_)) => problems.push(P::Listen {
                    role: name.clone(),
                    addr: addr.clone(),
                }),
            }
        }
        problems.check().map_err(ConfigError::Invalid)?;
        Ok(Settings {
            interval: Duration::from_secs_f64(c.interval_s),
            timeout: Duration::from_secs_f64(timeout.max(0.001)),
            seed: self.sim.seed,
            scale: self.sim.scale,
            hostname: self.sim.hostname.clone(),
            conditions: Conditions {
                scenario: scenario.unwrap_or(Scenario::Normal),
                faults,
            },
            faults_since: None,
            listen,
            docker: DockerSourceConfig {
                socket: self.docker.socket.clone(),
                host_root: PathBuf::from(&self.docker.host_root),
                crash_window_s: cc.crash_loop_window_s,
                crash_restarts: cc.crash_loop_restarts,
            },
            proc_root: PathBuf::from(&self.gpu.proc_root),
            vllm: VllmSettings {
                targets: self.vllm.targets.clone(),
                discover: self.vllm.discover,
                address: address.unwrap_or(crate::vllm::discovery::Address::ContainerName),
                hf_cache: (!self.vllm.hf_cache.is_empty())
                    .then(|| PathBuf::from(&self.vllm.hf_cache)),
                timeout: Duration::from_secs_f64(self.vllm.timeout_s.max(0.001)),
            },
            litellm: ServiceSettings {
                url: self.litellm.url.trim_end_matches('/').to_owned(),
                timeout: Duration::from_secs_f64(self.litellm.timeout_s.max(0.001)),
            },
            langfuse: ServiceSettings {
                url: self.langfuse.url.trim_end_matches('/').to_owned(),
                timeout: Duration::from_secs_f64(self.langfuse.timeout_s.max(0.001)),
            },
            cost: self.cost,
        })
    }
}

impl Settings {
    /// Settings for in-process demos and tests: simulator defaults, `interval` between
    /// collections, loopback ephemeral ports.
    pub fn demo(interval: Duration) -> Self {
        let defaults = RawSettings::default();
        let validated = defaults.validate().ok();
        let service = |pick: fn(&Settings) -> ServiceSettings, url: &str| {
            validated.as_ref().map(pick).unwrap_or(ServiceSettings {
                url: url.to_owned(),
                timeout: Duration::from_secs(10),
            })
        };
        Self {
            interval,
            timeout: interval.mul_f64(0.8),
            seed: 42,
            scale: 1,
            hostname: llmmon_core::scenario::FIRST_HOST.to_owned(),
            conditions: Conditions::default(),
            faults_since: None,
            listen: Role::ALL
                .iter()
                .map(|r| (*r, SocketAddr::from(([127, 0, 0, 1], 0))))
                .collect(),
            docker: DockerSourceConfig {
                socket: defaults.docker.socket,
                host_root: PathBuf::from(defaults.docker.host_root),
                crash_window_s: defaults.containers.crash_loop_window_s,
                crash_restarts: defaults.containers.crash_loop_restarts,
            },
            proc_root: PathBuf::from(defaults.gpu.proc_root),
            vllm: VllmSettings {
                targets: Vec::new(),
                discover: true,
                address: crate::vllm::discovery::Address::ContainerName,
                hf_cache: None,
                timeout: interval.mul_f64(0.8),
            },
            litellm: service(|s| s.litellm.clone(), "http://litellm:4000"),
            langfuse: service(|s| s.langfuse.clone(), "http://langfuse-web:3000"),
            cost: Prices::DEMO,
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[allow(
    clippy::result_large_err,
    reason = "figment::Jail fixes its closure's error type"
)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_use_the_design_ports() {
        let s = RawSettings::default().validate().expect("defaults valid");
        assert_eq!(s.listen[&Role::Gpu].port(), 9445);
        assert_eq!(s.listen[&Role::Vllm].port(), 9902);
        assert_eq!(s.interval, Duration::from_secs(30));
    }

    #[test]
    fn every_problem_is_listed_in_one_error() {
        let mut raw = RawSettings::default();
        raw.collect.interval_s = 0.1;
        raw.collect.timeout_s = Some(-1.0);
        raw.sim.scenario = "busy".into();
        raw.sim.faults = vec!["gpu_overheat".into(), "meltdown".into()];
        raw.listen.insert("gpu".into(), "nowhere".into());
        let err = raw.validate().unwrap_err();
        assert!(
            matches!(&err, ConfigError::Invalid(p) if p.0.len() == 5),
            "{err}"
        );
        let err = err.to_string();
        for needle in ["interval_s", "busy", "meltdown", "listen.gpu", "timeout_s"] {
            assert!(err.contains(needle), "{needle} missing from: {err}");
        }
        assert!(!err.contains('\n'), "one line: {err}");
    }

    #[test]
    fn the_file_then_the_environment_override_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("llmmon.toml", "[sim]\nscale = 3\nscenario = \"degraded\"\n")?;
            jail.set_env("LLMMON_SIM__SCENARIO", "high_load");
            jail.set_env("LLMMON_COLLECT__INTERVAL_S", "5");
            jail.set_env("LLMMON_DOCKER__SOCKET", "unix:///run/user/1000/docker.sock");
            jail.set_env("LLMMON_HOST", "ignored: not a section of this file");
            let s = RawSettings::load(Some(Path::new("llmmon.toml")))
                .map_err(|e| e.to_string())?
                .validate()
                .map_err(|e| e.to_string())?;
            assert_eq!(s.scale, 3);
            assert_eq!(s.conditions.scenario, Scenario::HighLoad);
            assert_eq!(s.interval, Duration::from_secs(5));
            assert_eq!(s.docker.socket, "unix:///run/user/1000/docker.sock");
            Ok(())
        });
    }

    #[test]
    fn every_section_of_the_file_can_be_set_from_the_environment() {
        let v = serde_json::to_value(RawSettings::default()).expect("serialises");
        let keys: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), SECTIONS.len(), "{keys:?}");
        for k in keys {
            assert!(SECTIONS.contains(&k), "section {k} missing from SECTIONS");
        }
        figment::Jail::expect_with(|jail| {
            jail.set_env("LLMMON_VLLM__TIMEOUT_S", "2.5");
            jail.set_env("LLMMON_LITELLM__URL", "http://gateway:4000");
            jail.set_env(
                "LLMMON_VLLM_API_KEY",
                "not a setting: read by the role only",
            );
            let s = RawSettings::load(None)
                .map_err(|e| e.to_string())?
                .validate()
                .map_err(|e| e.to_string())?;
            assert_eq!(s.vllm.timeout, Duration::from_secs_f64(2.5));
            assert_eq!(s.litellm.url, "http://gateway:4000");
            Ok(())
        });
    }

    #[test]
    fn a_malformed_file_is_one_line_naming_the_problem() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "[sim]\nscale = \"many\"\n[nonsense]\n")?;
            let err = RawSettings::load(Some(Path::new("bad.toml")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("bad configuration"), "{err}");
            assert!(!err.contains('\n'), "{err}");
            Ok(())
        });
    }

    #[test]
    fn a_missing_file_is_named() {
        let err = RawSettings::load(Some(Path::new("/nonexistent/llmmon.toml"))).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/llmmon.toml"));
    }
}
