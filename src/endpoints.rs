//! Where llmmon finds the exporter roles: defaults on one host, overrides per role, or the
//! in-process demo on loopback ports.

use std::time::Duration;

use llmmon_core::label::UnknownName;
use llmmon_core::problems::Problems;
use llmmon_core::scenario::{Conditions, Fault, Scenario};
use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring::{self, Started};

use crate::cli::{DemoArgs, EndpointArgs};

/// Roles `status` and `top` read (DCGM only feeds dashboards; cAdvisor gives `top` the
/// containers' CPU and memory).
pub const READ_ROLES: [Role; 7] = [
    Role::Gpu,
    Role::Containers,
    Role::Node,
    Role::Cadvisor,
    Role::Vllm,
    Role::Litellm,
    Role::Langfuse,
];

/// Base URL per role.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoints {
    pub roles: Vec<(Role, String)>,
}

impl Endpoints {
    /// Defaults on `--host` (else `default_host`), then each `ROLE=URL` override; every bad
    /// entry in one error.
    /// A server's exporters on their default ports on `host` (a fleet's server by name).
    pub fn on_host(host: &str) -> Result<Self, EndpointsError> {
        let args = EndpointArgs {
            host: Some(host.to_owned()),
            exporters: Vec::new(),
        };
        Self::from_args(&args, host)
    }

    pub fn from_args(args: &EndpointArgs, default_host: &str) -> Result<Self, EndpointsError> {
        let host = args.host.as_deref().unwrap_or(default_host);
        let mut roles: Vec<(Role, String)> = READ_ROLES
            .iter()
            .map(|r| (*r, format!("http://{host}:{}", r.default_port())))
            .collect();
        let mut problems = Problems::default();
        for entry in &args.exporters {
            let Some((name, url)) = entry.split_once('=') else {
                problems.push(ExporterProblem::NotRoleUrl(entry.clone()));
                continue;
            };
            match name.parse::<Role>() {
                Ok(role) if is_http_url(url) => {
                    let url = url.trim_end_matches('/').to_owned();
                    match roles.iter_mut().find(|(r, _)| *r == role) {
                        Some(slot) => slot.1 = url,
                        None => roles.push((role, url)),
                    }
                }
                Ok(_) => problems.push(ExporterProblem::NotHttp {
                    role: name.to_owned(),
                    url: llmmon_core::redact::url(url),
                }),
                Err(e) => problems.push(ExporterProblem::Role(e)),
            }
        }
        problems.check()?;
        Ok(Self { roles })
    }

    pub fn url(&self, role: Role) -> Option<&str> {
        self.roles
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, u)| u.as_str())
    }
}

/// What is wrong with one `--exporter ROLE=URL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExporterProblem {
    #[error("--exporter '{0}' is not ROLE=URL")]
    NotRoleUrl(String),
    #[error("--exporter {role}={url}: not an http:// or https:// URL")]
    NotHttp { role: String, url: String },
    #[error("--exporter: {0}")]
    Role(UnknownName),
}

/// Every bad `--exporter`, on one line.
pub type EndpointsError = Problems<ExporterProblem>;

/// Whether `url` parses as an http(s) URL with a host.
fn is_http_url(url: &str) -> bool {
    url::Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The exporter roles running in-process on the simulator, and where they listen.
pub struct Demo {
    pub running: Started,
    pub endpoints: Endpoints,
}

/// The demo's announcements service; stops and deletes its store when dropped.
pub struct DemoAnnouncements {
    pub service: llmmon_announcements::Local,
    _dir: tempfile::TempDir,
}

/// Starts the announcements service for `top --demo`. In the maintenance scenario it holds
/// the critical maintenance announcement such a night would have.
pub async fn start_demo_announcements(args: &DemoArgs) -> Result<DemoAnnouncements, DemoError> {
    let maintenance = args
        .scenario
        .as_deref()
        .map(str::parse::<Scenario>)
        .transpose()?
        == Some(Scenario::Maintenance);
    use llmmon_announcements::model::{Draft, FieldError, Kind, Priority};
    use llmmon_announcements::store::Event;
    use llmmon_announcements::{Config, Local};

    let dir = tempfile::tempdir().map_err(DemoError::Store)?;
    let data = dir.path().display().to_string();
    let cfg = Config::from_env(|k| (k == "LLMMON_DATA_DIR").then(|| data.clone()))
        .map_err(DemoError::AnnouncementsConfig)?;
    let service = Local::start(cfg)
        .await
        .map_err(DemoError::AnnouncementsStart)?;
    if maintenance {
        let now = chrono::Utc::now();
        let draft = Draft {
            title: Some("Planned maintenance: GPU driver update, models restart".into()),
            priority: Some(Priority::Critical),
            kind: Some(Kind::Maintenance),
            starts_at: Some(now - chrono::Duration::minutes(10)),
            ends_at: Some(now + chrono::Duration::hours(2)),
            ..Draft::default()
        };
        service
            .app
            .commit(move |s| {
                let a = draft.create(s.next_announcement_id(), now, "demo")?;
                Ok::<_, Vec<FieldError>>((vec![Event::Put { announcement: a }], ()))
            })
            .await
            .map_err(|_| DemoError::DemoAnnouncement)?;
    }
    Ok(DemoAnnouncements { service, _dir: dir })
}

/// Why the demo did not start: the scenario or a fault is unknown (bad arguments), or the
/// in-process exporters or announcements service could not start.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    BadArgs(#[from] UnknownName),
    /// The in-process exporters did not start.
    #[error("{0:#}")]
    Start(anyhow::Error),
    #[error("the simulated exporters did not finish a first collection in 10 s")]
    NotCollected,
    #[error("demo announcements store: {0}")]
    Store(std::io::Error),
    #[error("{0}")]
    AnnouncementsConfig(llmmon_announcements::ConfigError),
    #[error("{0}")]
    AnnouncementsStart(llmmon_announcements::StartError),
    #[error("cannot write the demo announcement")]
    DemoAnnouncement,
}

impl DemoArgs {
    /// The simulator conditions these flags ask for.
    pub fn conditions(&self) -> Result<Conditions, DemoError> {
        let mut c = Conditions::default();
        if let Some(s) = &self.scenario {
            c.scenario = s.parse()?;
        }
        for f in &self.faults {
            c.faults.insert(f.parse::<Fault>()?);
        }
        Ok(c)
    }
}

/// Starts every role on the simulator on loopback ephemeral ports, collecting every
/// `interval`, and waits until each has finished a first collection (a source that a fault
/// took down counts: the demo shows it down).
pub async fn start_demo(args: &DemoArgs, interval: Duration) -> Result<Demo, DemoError> {
    start_demo_server(args, interval, 1, true).await
}

/// Server `n` (from 1) of a simulated fleet: its own host name and seed; the faults of
/// `args` only where `faulty`.
pub async fn start_demo_server(
    args: &DemoArgs,
    interval: Duration,
    n: usize,
    faulty: bool,
) -> Result<Demo, DemoError> {
    let mut settings = Settings::demo(interval);
    settings.conditions = args.conditions()?;
    if !faulty {
        settings.conditions.faults.clear();
    }
    settings.seed = llmmon_core::scenario::host_seed(settings.seed, n);
    settings.hostname = llmmon_core::scenario::host_name(n);
    // A fault asked for has held since 00:00 UTC: what a one-shot `status` sees on a server
    // where it is real (restarts counted, today's error ratio up), not a fault one second old.
    let now = llmmon_core::clock::now();
    settings.faults_since = Some(now - now.rem_euclid(86_400.0));
    let running = wiring::start(&settings, &Role::ALL, SourceMode::Sim)
        .await
        .map_err(DemoError::Start)?;
    if !running.wait_collected(Duration::from_secs(10)).await {
        return Err(DemoError::NotCollected);
    }
    let roles = running
        .bound
        .iter()
        .filter(|b| READ_ROLES.contains(&b.role))
        .map(|b| (b.role, format!("http://{}", b.addr)))
        .collect();
    Ok(Demo {
        running,
        endpoints: Endpoints { roles },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(exporters: &[&str]) -> EndpointArgs {
        EndpointArgs {
            host: Some("10.1.2.3".into()),
            exporters: exporters.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn defaults_use_the_design_ports_on_the_host() {
        let e = Endpoints::from_args(&args(&[]), "127.0.0.1").expect("valid");
        assert_eq!(e.url(Role::Gpu), Some("http://10.1.2.3:9445"));
        assert_eq!(e.url(Role::Node), Some("http://10.1.2.3:9100"));
    }

    #[test]
    fn overrides_replace_one_role_and_bad_entries_are_all_reported() {
        let e = Endpoints::from_args(&args(&["vllm=http://x:1/"]), "127.0.0.1").expect("valid");
        assert_eq!(e.url(Role::Vllm), Some("http://x:1"));
        let err = Endpoints::from_args(
            &args(&["nope", "gpux=http://a", "gpu=ftp://b"]),
            "127.0.0.1",
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 3, "{err}");
        let err = err.to_string();
        assert!(
            err.contains("'nope'") && err.contains("gpux") && err.contains("ftp"),
            "{err}"
        );
    }
}
