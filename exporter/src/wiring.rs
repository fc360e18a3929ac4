//! The wiring: the collectors a role runs for a source mode (real sources built from the
//! settings, or the simulator's readings and upstreams in mock mode), and starting roles
//! in this process with the simulator behind them in mock mode.

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use llmmon_core::exposition::MetricSet;
use tokio::sync::Notify;

use crate::config::Prices;
use crate::config::Settings;
use crate::containers::docker_source::DockerContainerSource;
use crate::containers::ContainerCollector;
use crate::cost::CostCollector;
use crate::gpu::source::NvmlGpuSource;
use crate::gpu::GpuCollector;
use crate::langfuse::http_source::LangfuseHttpSource;
use crate::langfuse::LangfuseCollector;
use crate::litellm::http_source::LitellmHttpSource;
use crate::litellm::LitellmCollector;
use crate::service::{self, Mock, RoleService, Running};
use crate::vllm::discovery::{Address, ContainerDiscovery, Discovery, StaticTargets};
use crate::vllm::hf::{HfCacheDir, HfFiles, HfOverTransport};
use crate::vllm::http_source::VllmHttpSource;
use crate::vllm::VllmCollector;
use llmmon_core::clock::{self, Clock};
use llmmon_core::docker::DockerClient;
use llmmon_core::role::{Role, SourceMode};
use llmmon_core::source::{Collection, Collector, SourceError};
use llmmon_core::upstream::{Auth, HttpTransport, RouterTransport, Secret, Transport};
use llmmon_sim::{self as sim, upstreams, Simulator};

/// Why a role's collectors could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WiringError {
    #[error("sim mode needs a simulator")]
    NoSimulator,
    #[error(
        "role '{0}' only simulates a standard exporter; in production run the real one \
         (see compose/docker-compose.yml) or use --source sim"
    )]
    SimulatedOnly(Role),
    /// A credential the role cannot run without is not set.
    #[error("set {vars} for the {role} role")]
    MissingSecret { role: Role, vars: &'static str },
    /// A secret variable still holds an example file's placeholder.
    #[error("{0} still holds a placeholder value; set the real secret in .env")]
    Placeholder(&'static str),
}

/// Roles running in this process, and in mock mode the simulator they share.
pub struct Started {
    running: Running,
    pub simulator: Option<Arc<Simulator>>,
}

impl Deref for Started {
    type Target = Running;
    fn deref(&self) -> &Running {
        &self.running
    }
}

/// Starts `roles` in this process: in sim mode all of them share one simulator.
pub async fn start(
    settings: &Settings,
    roles: &[Role],
    mode: SourceMode,
) -> anyhow::Result<Started> {
    let simulator = (mode == SourceMode::Sim).then(|| {
        Simulator::on_host(
            settings.seed,
            settings.scale,
            settings.conditions.clone(),
            settings.faults_since.unwrap_or_else(clock::now),
            &settings.hostname,
        )
    });
    let wake = Arc::new(Notify::new());
    let services = roles
        .iter()
        .map(|&role| role_service(role, mode, simulator.as_ref(), settings, wake.clone()))
        .collect::<Result<Vec<_>, WiringError>>()?;
    let running = service::serve(settings, services).await?;
    Ok(Started { running, simulator })
}

/// One role's service: its collectors, and in sim mode the simulator's status families and
/// control routes.
pub fn role_service(
    role: Role,
    mode: SourceMode,
    simulator: Option<&Arc<Simulator>>,
    settings: &Settings,
    wake: Arc<Notify>,
) -> Result<Arc<RoleService>, WiringError> {
    let collectors = collectors(role, mode, simulator, settings)?;
    let mock = simulator
        .filter(|_| mode == SourceMode::Sim)
        .map(|sim| Arc::new(SimMock(sim.clone())) as Arc<dyn Mock>);
    Ok(RoleService::with_collectors(
        role, mode, mock, collectors, wake,
    ))
}

/// The simulator as mock mode shows it in every role.
struct SimMock(Arc<Simulator>);

impl Mock for SimMock {
    fn status_metrics(&self, t: f64) -> MetricSet {
        self.0.status_metrics(t)
    }

    fn routes(&self, wake: Arc<Notify>) -> Router {
        sim::control::routes(self.0.clone(), wake)
    }
}

/// The collectors `role` runs: the `gpu` role's reading and, when a price is configured
/// (always on the simulator: the demo's prices unless configured), the prices beside it.
pub fn collectors(
    role: Role,
    mode: SourceMode,
    simulator: Option<&Arc<Simulator>>,
    settings: &Settings,
) -> Result<Vec<Arc<dyn Collector>>, WiringError> {
    let mut all = match (mode, simulator) {
        (SourceMode::Sim, Some(s)) => vec![sim_collector(
            role,
            s.clone(),
            clock::wall_clock(),
            settings.timeout,
        )],
        (SourceMode::Sim, None) => return Err(WiringError::NoSimulator),
        (SourceMode::Real, _) => real_collectors(role, settings)?,
    };
    // The simulator prices its GPUs as the demo does unless a price is configured.
    let prices = match mode {
        SourceMode::Sim if settings.cost == Prices::default() => Prices::DEMO,
        _ => settings.cost,
    };
    if role == Role::Gpu && prices != Prices::default() {
        all.push(Arc::new(CostCollector { prices }));
    }
    Ok(all)
}

fn real_collectors(
    role: Role,
    settings: &Settings,
) -> Result<Vec<Arc<dyn Collector>>, WiringError> {
    let collector: Arc<dyn Collector> = match role {
        Role::Gpu => {
            let docker = Arc::new(DockerClient::new(&settings.docker.socket));
            Arc::new(GpuCollector {
                source: Arc::new(NvmlGpuSource::real(
                    settings.proc_root.clone(),
                    Some(docker),
                )),
            })
        }
        Role::Containers => Arc::new(ContainerCollector {
            source: Arc::new(DockerContainerSource::new(&settings.docker)),
        }),
        Role::Node | Role::Cadvisor | Role::Dcgm => return Err(WiringError::SimulatedOnly(role)),
        Role::Vllm => Arc::new(VllmCollector {
            source: Arc::new(real_vllm_source(settings)?),
        }),
        Role::Litellm => {
            let key = secret_from_env("LLMMON_LITELLM_MASTER_KEY")?.ok_or(
                WiringError::MissingSecret {
                    role,
                    vars: "LLMMON_LITELLM_MASTER_KEY (LiteLLM's master key)",
                },
            )?;
            Arc::new(LitellmCollector {
                source: Arc::new(LitellmHttpSource::new(
                    &settings.litellm.url,
                    Auth::Bearer(key),
                    Arc::new(HttpTransport::default()),
                    settings.litellm.timeout,
                )),
            })
        }
        Role::Langfuse => {
            let need = || WiringError::MissingSecret {
                role,
                vars: "LLMMON_LANGFUSE_PUBLIC_KEY and LLMMON_LANGFUSE_SECRET_KEY",
            };
            let user = secret_from_env("LLMMON_LANGFUSE_PUBLIC_KEY")?.ok_or_else(need)?;
            let password = secret_from_env("LLMMON_LANGFUSE_SECRET_KEY")?.ok_or_else(need)?;
            Arc::new(LangfuseCollector {
                source: Arc::new(LangfuseHttpSource::new(
                    &settings.langfuse.url,
                    Auth::Basic { user, password },
                    Arc::new(HttpTransport::default()),
                    settings.langfuse.timeout,
                )),
            })
        }
    };
    Ok(vec![collector])
}

/// The vLLM source of production: static targets plus (optionally) Docker discovery.
fn real_vllm_source(settings: &Settings) -> Result<VllmHttpSource, WiringError> {
    let v = &settings.vllm;
    let mut discovery: Vec<Arc<dyn Discovery>> = vec![Arc::new(StaticTargets(v.targets.clone()))];
    if v.discover {
        discovery.push(Arc::new(ContainerDiscovery {
            containers: Arc::new(DockerContainerSource::new(&settings.docker)),
            address: v.address.clone(),
        }));
    }
    let auth = secret_from_env("LLMMON_VLLM_API_KEY")?
        .map(Auth::Bearer)
        .unwrap_or_default();
    let hf = v
        .hf_cache
        .clone()
        .map(|p| Arc::new(HfCacheDir(p)) as Arc<dyn HfFiles>);
    Ok(VllmHttpSource::new(
        discovery,
        Arc::new(HttpTransport::default()),
        auth,
        hf,
        v.timeout,
    ))
}

/// A secret from the environment; a placeholder left from an example file is refused.
pub fn secret_from_env(name: &'static str) -> Result<Option<Secret>, WiringError> {
    match std::env::var(name) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) if is_placeholder(&v) => Err(WiringError::Placeholder(name)),
        Ok(v) => Ok(Some(Secret::new(v))),
        Err(_) => Ok(None),
    }
}

/// Values that example files ship and nobody should run with.
pub fn is_placeholder(v: &str) -> bool {
    let v = v.trim().to_ascii_lowercase();
    [
        "changeme",
        "change-me",
        "change_me",
        "sk-1234",
        "your-key",
        "your_key",
        "secret",
        "password",
    ]
    .contains(&v.as_str())
        || v.starts_with('<')
        || v.contains("replace")
}

/// How long the in-process simulated upstreams may take (they answer at once).
const SIM_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);

/// The collector `role` runs in mock mode: the real collector over the simulator's readings,
/// or over its upstream APIs in-process (the same HTTP source, parser and normalisation as
/// in production), answering at the time `clock` gives.
fn sim_collector(
    role: Role,
    sim: Arc<Simulator>,
    clock: Clock,
    timeout: Duration,
) -> Arc<dyn Collector> {
    match role {
        Role::Gpu => Arc::new(GpuCollector {
            source: Arc::new(sim::SimGpuSource { sim, clock }),
        }),
        Role::Containers => Arc::new(ContainerCollector {
            source: Arc::new(sim::SimContainerSource { sim, clock }),
        }),
        Role::Vllm => Arc::new(VllmCollector {
            source: Arc::new(sim_vllm_source(sim, clock, timeout)),
        }),
        Role::Litellm => {
            let auth = Auth::Bearer(Secret::new("sk-llmmon-simulated-master-key"));
            let url = format!("{}/litellm", upstreams::BASE_URL);
            let source = LitellmHttpSource::new(&url, auth, sim_transport(sim, &clock), timeout);
            Arc::new(LitellmCollector {
                source: Arc::new(source.with_clock(clock)),
            })
        }
        Role::Langfuse => {
            let auth = Auth::Basic {
                user: Secret::new("pk-lf-simulated"),
                password: Secret::new("sk-lf-simulated"),
            };
            let url = format!("{}/langfuse", upstreams::BASE_URL);
            let source = LangfuseHttpSource::new(&url, auth, sim_transport(sim, &clock), timeout);
            Arc::new(LangfuseCollector {
                source: Arc::new(source.with_clock(clock)),
            })
        }
        Role::Node | Role::Cadvisor | Role::Dcgm => Arc::new(SimStandard { role, sim }),
    }
}

/// The simulator's upstream router as a transport, answering at the time `clock` gives.
fn sim_transport(sim: Arc<Simulator>, clock: &Clock) -> Arc<dyn Transport> {
    Arc::new(RouterTransport::new(upstreams::router(sim, clock.clone())))
}

/// The vLLM source over the simulator: discovery over the simulated containers, then the
/// simulated vLLM servers and Hugging Face files in-process.
fn sim_vllm_source(sim: Arc<Simulator>, clock: Clock, timeout: Duration) -> VllmHttpSource {
    let transport = sim_transport(sim.clone(), &clock);
    let discovery = ContainerDiscovery {
        containers: Arc::new(sim::SimContainerSource { sim, clock }),
        address: Address::Path(format!("{}/vllm", upstreams::BASE_URL)),
    };
    let hf = HfOverTransport {
        transport: transport.clone(),
        base: format!("{}/hf", upstreams::BASE_URL),
    };
    VllmHttpSource::new(
        vec![Arc::new(discovery)],
        transport,
        Auth::None,
        Some(Arc::new(hf)),
        timeout,
    )
}

/// Everything `role` reports at time `t` over the simulator, rendered as its collector
/// renders it: for golden files, backfills and the simulated standard exporters.
pub async fn sim_role_metrics(
    sim: &Arc<Simulator>,
    role: Role,
    t: f64,
) -> Result<MetricSet, SourceError> {
    if let Some(m) = sim.standard_exporter_metrics(role, t) {
        return Ok(m);
    }
    Ok(match role {
        Role::Gpu => {
            let mut m = crate::gpu::render(&sim.gpu_inventory(t));
            m.extend(crate::cost::render(&Prices::DEMO));
            m
        }
        Role::Containers => crate::containers::render(&sim.container_readings(t)),
        _ => {
            let collector = sim_collector(
                role,
                sim.clone(),
                clock::fixed_clock(t),
                SIM_UPSTREAM_TIMEOUT,
            );
            collector.collect().await?.metrics
        }
    })
}

/// A simulated third-party exporter: the simulator renders its families directly.
struct SimStandard {
    role: Role,
    sim: Arc<Simulator>,
}

#[async_trait]
impl Collector for SimStandard {
    fn name(&self) -> &str {
        self.role.as_str()
    }

    async fn collect(&self) -> Result<Collection, SourceError> {
        Ok(sim_role_metrics(&self.sim, self.role, clock::now())
            .await?
            .into())
    }
}
