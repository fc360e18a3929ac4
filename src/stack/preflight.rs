//! Checks before `stack up`: each failure is one line with its fix, and all are reported
//! together.

use std::net::{IpAddr, TcpListener};
use std::path::{Path, PathBuf};

use super::compose::{self, Built, ComposeFile, Docker, DockerError, Modifier, Project, BASE_FILE};
use super::envfile::EnvFile;

/// Free space the stack needs on Docker's data root, in GiB. Derived for 30 days of the
/// shipped configuration: Prometheus ~10 k series at 30 s is ~0.9 G samples, ~1.5 GB on disk
/// at ~1.5 B/sample, doubled for the WAL and compaction (3 GB); Loki keeps 30 days of
/// container logs, ~10 GB for ten vLLM servers logging each request at INFO; the images take
/// ~4 GB; Grafana, Alertmanager and the exporters well under 1 GB. About 18 GB: 20 GiB.
pub const MIN_FREE_GIB: u64 = 20;

/// Compose releases the stack needs: `secrets: environment:` (2.23) in the base file,
/// `!reset` (2.24.4) in the mock overlay.
const MIN_COMPOSE: (u32, u32, u32) = (2, 23, 0);
const MIN_COMPOSE_MOCK: (u32, u32, u32) = (2, 24, 4);

/// Grafana passwords that are no password at all.
const DEFAULT_PASSWORDS: [&str; 6] = [
    "admin", "password", "changeme", "grafana", "secret", "llmmon",
];

/// Host ports the stack publishes: service, the `.env` variable that moves it, default.
pub const PORTS: [(&str, &str, u16); 13] = [
    ("grafana", "GRAFANA_PORT", 23000),
    ("prometheus", "PROMETHEUS_PORT", 23001),
    ("loki", "LOKI_PORT", 23002),
    ("alertmanager", "ALERTMANAGER_PORT", 23003),
    ("announcements", "ANNOUNCEMENTS_PORT", 23004),
    ("node-exporter", "NODE_EXPORTER_PORT", 9100),
    ("cadvisor", "CADVISOR_PORT", 8080),
    ("gpu-exporter", "GPU_EXPORTER_PORT", 9445),
    ("litellm-exporter", "LITELLM_EXPORTER_PORT", 9901),
    ("vllm-exporter", "VLLM_EXPORTER_PORT", 9902),
    ("langfuse-exporter", "LANGFUSE_EXPORTER_PORT", 9903),
    ("containers-exporter", "CONTAINERS_EXPORTER_PORT", 9904),
    ("dcgm-exporter", "DCGM_EXPORTER_PORT", 9400),
];

/// What `up` asked for.
#[derive(Debug, Clone)]
pub struct Plan {
    pub project: Project,
    pub mock: bool,
    pub min_free_gib: u64,
    /// GiB the backfill's scratch directory needs next to the compose files (0: none).
    pub scratch_gib: u64,
}

/// A service's host port: the `.env` override or the default.
pub fn port(env: Option<&EnvFile>, service: &str) -> Option<u16> {
    let (_, var, default) = PORTS.iter().find(|(s, _, _)| *s == service)?;
    Some(
        env.and_then(|e| e.get(var))
            .and_then(|v| v.parse().ok())
            .unwrap_or(*default),
    )
}

/// `LLMMON_BIND_ADDRESS` from `.env`, default 127.0.0.1.
pub fn bind_address(env: Option<&EnvFile>) -> String {
    env.and_then(|e| e.get("LLMMON_BIND_ADDRESS"))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "127.0.0.1".to_owned())
}

/// An image the project builds from a Dockerfile (the exporter's), and whether the engine
/// already has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub image: String,
    /// The service whose build makes it (the first by name; the others share the tag).
    pub service: String,
    pub dockerfile: PathBuf,
    pub present: bool,
}

impl Image {
    /// What the preflight says about it.
    pub fn line(&self) -> String {
        if self.present {
            format!("exporter image {} present", self.image)
        } else {
            format!(
                "exporter image {} not present: building it from {} (takes a few minutes)",
                self.image,
                self.dockerfile.display()
            )
        }
    }
}

/// What the preflight found: the failures (each one line naming the fix) and the images
/// `up` has or must build.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub failures: Vec<String>,
    pub images: Vec<Image>,
}

/// One entry per image the project builds, from its services with `build:`.
pub fn images_of(built: &[Built], present: impl Fn(&str) -> bool) -> Vec<Image> {
    let mut images: Vec<Image> = Vec::new();
    for b in built {
        if images.iter().any(|i| i.image == b.image) {
            continue;
        }
        images.push(Image {
            image: b.image.clone(),
            service: b.service.clone(),
            dockerfile: b.dockerfile.clone(),
            present: present(&b.image),
        });
    }
    images
}

/// The images the project builds: present or not, and a failure for each that is missing
/// and cannot be built here. `secrets_missing`: Compose cannot resolve the files yet, and
/// the failures already say why.
async fn images(
    docker: &Docker,
    project: &Project,
    secrets_missing: bool,
) -> (Vec<Image>, Vec<String>) {
    let built = match docker.built(project).await {
        Ok(b) => b,
        Err(_) if secrets_missing => return (Vec::new(), Vec::new()),
        Err(e) => {
            return (
                Vec::new(),
                vec![format!("cannot read the stack's images: {e}")],
            )
        }
    };
    let mut present = Vec::new();
    for b in &built {
        if !present.iter().any(|(i, _): &(String, bool)| *i == b.image) {
            present.push((b.image.clone(), docker.has_image(&b.image).await));
        }
    }
    let images = images_of(&built, |i| present.iter().any(|(p, yes)| p == i && *yes));
    let mut failures = Vec::new();
    for i in images.iter().filter(|i| !i.present) {
        if !i.dockerfile.is_file() {
            failures.push(format!(
                "exporter image {} is not present and cannot be built: no Dockerfile at {}; \
                 run the stack from a checkout of the repository (stack.dir = <checkout>/compose) \
                 or load the image first (`docker load -i llmmon-exporter.tar`)",
                i.image,
                i.dockerfile.display()
            ));
        }
    }
    if images.iter().any(|i| !i.present) && failures.is_empty() {
        let buildx = docker
            .docker(&["buildx", "version"].map(String::from))
            .await;
        if buildx.is_err() {
            failures.push(
                "the exporter image must be built and Docker has no buildx plugin (Compose builds \
                 with it): `sudo apt-get install docker-buildx` (Ubuntu) or \
                 docker-buildx-plugin (Docker's repository)"
                    .to_owned(),
            );
        }
    }
    (images, failures)
}

/// A variable the project's compose files require (`${NAME:?…}`, or `${NAME?…}` where an
/// empty value is fine), with the file and what the file says it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    pub name: String,
    pub file: String,
    pub message: String,
    pub empty_counts: bool,
}

/// Every variable the files of `project` require, once each, in order.
pub fn required(dir: &Path, project: &Project) -> Vec<Required> {
    let mut out: Vec<Required> = Vec::new();
    for file in [BASE_FILE, project.overlay.file()] {
        let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        for v in compose::variables(&text) {
            if let Modifier::Required {
                message,
                empty_counts,
            } = v.modifier
            {
                if !out.iter().any(|r| r.name == v.name) {
                    out.push(Required {
                        name: v.name,
                        file: file.to_owned(),
                        message,
                        empty_counts,
                    });
                }
            }
        }
    }
    out
}

/// A failure for each required variable neither the environment nor `.env` sets (the
/// Grafana password has its own check). Values are never shown.
fn secrets(dir: &Path, project: &Project, env: Option<&EnvFile>) -> Vec<String> {
    let path = dir.join(".env");
    required(dir, project)
        .into_iter()
        .filter(|r| r.name != "GRAFANA_ADMIN_PASSWORD")
        .filter_map(|r| {
            let value = std::env::var(&r.name)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| env.and_then(|e| e.get(&r.name)));
            let state = match value.as_deref() {
                None => "missing from",
                Some("") if r.empty_counts => "empty in",
                Some(_) => return None,
            };
            // The file's own words for what it is, after "set NAME in compose/.env - ".
            let what = r
                .message
                .split_once(" - ")
                .map_or(r.message.as_str(), |(_, w)| w);
            Some(format!(
                "{} is {state} {} ({} requires it): {what}",
                r.name,
                path.display(),
                r.file
            ))
        })
        .collect()
}

/// Runs every check: the failures, each one line naming the fix, and the images to build.
pub async fn check(docker: &Docker, plan: &Plan) -> Report {
    let mut failures = Vec::new();
    let mut built = Vec::new();
    let dir = docker.dir();
    let info = docker
        .docker(&["info", "--format", "{{json .}}"].map(String::from))
        .await
        .and_then(|out| {
            serde_json::from_str::<serde_json::Value>(out.trim())
                .map_err(|e| DockerError::unexpected("docker info", &e))
        });
    let info = match info {
        Ok(v) => Some(v),
        Err(e) => {
            failures.push(format!(
                "Docker engine not reachable ({e}): start it (`sudo systemctl start docker`) or \
                 add your user to the docker group"
            ));
            None
        }
    };
    if let Some(info) = &info {
        if !plan.mock && info["Runtimes"].get("nvidia").is_none() {
            failures.push(
                "no `nvidia` runtime in `docker info`: install the NVIDIA Container Toolkit and \
                 run `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl \
                 restart docker` (or use --mock)"
                    .to_owned(),
            );
        }
    }
    let env = EnvFile::read(&dir.join(".env"));
    let missing = secrets(
        dir,
        &plan.project,
        env.as_ref().ok().and_then(Option::as_ref),
    );
    if info.is_some() {
        match compose_version(docker, plan.mock).await {
            Some(f) => failures.push(f),
            None => {
                let (images, why) = images(docker, &plan.project, !missing.is_empty()).await;
                built = images;
                failures.extend(why);
            }
        }
    }
    let compose = ComposeFile::load(dir);
    if let Err(e) = &compose {
        failures.push(e.to_string());
    }
    let env = match env {
        Ok(env) => env,
        Err(e) => {
            failures.push(e.to_string());
            None
        }
    };
    failures.extend(password(dir, env.as_ref()));
    failures.extend(missing);
    if let Ok(compose) = &compose {
        let ours = published_by_us(docker, plan).await;
        failures.extend(ports(compose, env.as_ref(), plan, &ours));
    }
    let root = info
        .as_ref()
        .and_then(|i| i["DockerRootDir"].as_str())
        .map(PathBuf::from)
        .filter(|p| p.is_dir());
    failures.extend(disk(root.as_deref().unwrap_or(dir), plan.min_free_gib));
    if plan.scratch_gib > 0 {
        failures.extend(scratch(dir, plan.scratch_gib));
    }
    Report {
        failures,
        images: built,
    }
}

async fn compose_version(docker: &Docker, mock: bool) -> Option<String> {
    let out = docker
        .docker(&["compose", "version", "--short"].map(String::from))
        .await;
    let text = match out {
        Ok(t) => t,
        Err(_) => return Some(super::compose::COMPOSE_MISSING.to_owned()),
    };
    let version = text.trim().trim_start_matches('v');
    let need = if mock { MIN_COMPOSE_MOCK } else { MIN_COMPOSE };
    match parse_version(version) {
        Some(v) if v >= need => None,
        _ => Some(format!(
            "Docker Compose {version} is too old: the stack{} needs {}.{}.{} or newer; upgrade \
             the docker-compose-plugin package",
            if mock { "'s mock overlay" } else { "" },
            need.0,
            need.1,
            need.2
        )),
    }
}

fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .map(|p| p.parse::<u32>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

/// `.env` exists and GRAFANA_ADMIN_PASSWORD is set to something that is not a default.
fn password(dir: &Path, env: Option<&EnvFile>) -> Option<String> {
    let path = dir.join(".env");
    let Some(env) = env else {
        return Some(format!(
            "{} is missing: `cp .env.example .env && chmod 600 .env` in {}, then set \
             GRAFANA_ADMIN_PASSWORD",
            path.display(),
            dir.display()
        ));
    };
    let pw = env.get("GRAFANA_ADMIN_PASSWORD").unwrap_or_default();
    if pw.is_empty() {
        return Some(format!(
            "GRAFANA_ADMIN_PASSWORD is empty in {}: set a strong password",
            path.display()
        ));
    }
    let placeholder = EnvFile::read(&dir.join(".env.example"))
        .ok()
        .flatten()
        .and_then(|e| e.get("GRAFANA_ADMIN_PASSWORD"))
        .filter(|p| !p.is_empty());
    let is_default = DEFAULT_PASSWORDS.iter().any(|d| pw.eq_ignore_ascii_case(d))
        || placeholder.is_some_and(|p| p == pw);
    is_default.then(|| {
        format!(
            "GRAFANA_ADMIN_PASSWORD in {} is a default or the .env.example placeholder: set a \
             strong password",
            path.display()
        )
    })
}

/// Host ports the running stack already publishes (they are ours, not a conflict).
async fn published_by_us(docker: &Docker, plan: &Plan) -> Vec<u16> {
    docker
        .ps(&plan.project)
        .await
        .unwrap_or_default()
        .iter()
        .filter(|c| c.state == "running")
        .flat_map(|c| c.publishers.iter().map(|p| p.published_port))
        .collect()
}

/// Every port the plan publishes can be bound on LLMMON_BIND_ADDRESS.
fn ports(compose: &ComposeFile, env: Option<&EnvFile>, plan: &Plan, ours: &[u16]) -> Vec<String> {
    let addr_text = bind_address(env);
    let Ok(addr) = addr_text.parse::<IpAddr>() else {
        return vec![format!(
            "LLMMON_BIND_ADDRESS={addr_text} in .env is not an IP address: set e.g. 127.0.0.1"
        )];
    };
    let profiles_env = env
        .and_then(|e| e.get("COMPOSE_PROFILES"))
        .unwrap_or_default();
    let dcgm = plan.mock
        || plan.project.profiles.iter().any(|p| p == "dcgm")
        || profiles_env.split(',').any(|p| p.trim() == "dcgm");
    let mut failures = Vec::new();
    for (service, var, _) in PORTS {
        if !compose.has_service(service) || (service == "dcgm-exporter" && !dcgm) {
            continue;
        }
        let Some(p) = port(env, service) else {
            continue;
        };
        if ours.contains(&p) {
            continue;
        }
        match TcpListener::bind((addr, p)) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {
                return vec![format!(
                    "LLMMON_BIND_ADDRESS={addr} in .env is not an address of this host: set one \
                     of its addresses (default 127.0.0.1)"
                )];
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => failures.push(format!(
                "port {p} ({service}) on {addr} is in use: stop what listens there (`sudo ss \
                 -ltnp 'sport = :{p}'`) or set {var} in .env"
            )),
            Err(e) => failures.push(format!(
                "cannot bind port {p} ({service}) on {addr}: {e}; set {var} in .env"
            )),
        }
    }
    failures
}

/// Enough free space on `path` for 30 days of data.
fn disk(path: &Path, min_gib: u64) -> Option<String> {
    let st = match rustix::fs::statvfs(path) {
        Ok(st) => st,
        Err(e) => return Some(format!("cannot read free space of {}: {e}", path.display())),
    };
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let gib = free / (1 << 30);
    (gib < min_gib).then(|| {
        format!(
            "only {gib} GiB free on {} (Docker's data): 30 days of metrics and logs need about \
             {min_gib} GiB; free space or move Docker's data-root",
            path.display()
        )
    })
}

/// Room for the backfill's scratch files (one day of OpenMetrics at a time) in `dir`.
fn scratch(dir: &Path, gib: u64) -> Option<String> {
    let free = rustix::fs::statvfs(dir)
        .map(|st| st.f_bavail.saturating_mul(st.f_frsize) / (1 << 30))
        .ok()?;
    (free < gib).then(|| {
        format!(
            "only {free} GiB free on {}: --backfill writes up to {gib} GiB of history there at a \
             time; free space there or backfill less (--backfill-step 15m)",
            dir.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(parse_version("2.29.1"), Some((2, 29, 1)));
        assert_eq!(parse_version("2.24.4-desktop.1"), Some((2, 24, 4)));
        assert_eq!(parse_version("2.3"), Some((2, 3, 0)));
        assert!(parse_version("2.9.0") < Some(MIN_COMPOSE));
        assert_eq!(parse_version("garbage"), None);
    }

    #[test]
    fn passwords_that_are_defaults_are_refused_without_being_shown() {
        let dir = tempfile::tempdir().expect("tmp");
        let env = |pw: &str| EnvFile::parse(&format!("GRAFANA_ADMIN_PASSWORD={pw}\n"));
        assert!(password(dir.path(), None).is_some_and(|m| m.contains("cp .env.example")));
        assert!(password(dir.path(), Some(&env(""))).is_some_and(|m| m.contains("empty")));
        assert!(password(dir.path(), Some(&env("Admin"))).is_some());
        std::fs::write(
            dir.path().join(".env.example"),
            "GRAFANA_ADMIN_PASSWORD=change-me-please\n",
        )
        .expect("write");
        let msg = password(dir.path(), Some(&env("change-me-please"))).expect("placeholder");
        assert!(!msg.contains("change-me-please"), "{msg}");
        assert_eq!(password(dir.path(), Some(&env("x7#Kq9!vLr2"))), None);
    }

    #[test]
    fn ports_come_from_env_with_defaults() {
        let env = EnvFile::parse("GRAFANA_PORT=3300\nLLMMON_BIND_ADDRESS=10.0.0.5\n");
        assert_eq!(port(Some(&env), "grafana"), Some(3300));
        assert_eq!(port(Some(&env), "prometheus"), Some(23001));
        assert_eq!(port(None, "nope"), None);
        assert_eq!(bind_address(Some(&env)), "10.0.0.5");
        assert_eq!(bind_address(None), "127.0.0.1");
    }

    #[test]
    fn each_built_image_is_checked_once_and_named_with_its_dockerfile() {
        let b = |service: &str, image: &str| Built {
            service: service.into(),
            image: image.into(),
            dockerfile: PathBuf::from("/opt/llmmon/Dockerfile"),
        };
        let built = [
            b("announcements", "ex:1"),
            b("gpu-exporter", "ex:1"),
            b("tool", "tool:2"),
        ];
        let images = images_of(&built, |i| i == "tool:2");
        assert_eq!(images.len(), 2);
        assert_eq!(images[0].service, "announcements");
        assert!(!images[0].present && images[1].present);
        assert_eq!(
            images[0].line(),
            "exporter image ex:1 not present: building it from /opt/llmmon/Dockerfile (takes a few minutes)"
        );
        assert_eq!(images[1].line(), "exporter image tool:2 present");
    }

    #[test]
    fn the_shipped_production_overlay_requires_the_secrets_and_the_mock_none() {
        use super::super::compose::Overlay;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose");
        let names = |o| -> Vec<String> {
            required(&dir, &Project::new(o, &[]))
                .into_iter()
                .map(|r| r.name)
                .collect()
        };
        assert_eq!(
            names(Overlay::Prod),
            [
                "GRAFANA_ADMIN_PASSWORD",
                "VLLM_API_KEY",
                "LITELLM_MASTER_KEY",
                "LANGFUSE_PUBLIC_KEY",
                "LANGFUSE_SECRET_KEY",
                "LLMMON_ANNOUNCEMENTS_TOKEN"
            ]
        );
        assert_eq!(names(Overlay::Mock), ["GRAFANA_ADMIN_PASSWORD"]);
        let all = required(&dir, &Project::new(Overlay::Prod, &[]));
        let vllm = all.iter().find(|r| r.name == "VLLM_API_KEY").expect("vllm");
        assert!(!vllm.empty_counts, "an empty vLLM key is fine");
    }

    #[test]
    fn disk_space_below_the_minimum_is_a_failure() {
        assert_eq!(disk(Path::new("/"), 0), None);
        assert!(disk(Path::new("/"), u64::MAX / (1 << 31)).is_some_and(|m| m.contains("GiB free")));
    }
}
