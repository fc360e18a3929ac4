//! The Compose stack as files: every compose file parses; merged as Compose merges them,
//! every service has a healthcheck and a pinned image (or a build), ports are DESIGN.md's,
//! every Prometheus job points at a service that exists, the mock overlay needs no GPU, no
//! Docker socket and no LLM service; `.env.example` documents every variable; the Loki,
//! Alloy, Grafana, systemd and Dockerfile pieces have their documented shape; and the image's
//! healthcheck script answers against a real exporter role.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use llmmon_core::{Role, SourceMode};
use llmmon_exporter::config::Settings;
use llmmon_exporter::wiring;
use serde_yaml_ng::{Mapping, Value};

use crate::support::compose_env::interpolate_value;
use crate::support::{self, require};

fn compose_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("compose")
}

const FILES: [&str; 5] = [
    "docker-compose.yml",
    "docker-compose.mock.yml",
    "docker-compose.dev.yml",
    "docker-compose.prod.yml",
    "docker-compose.fleet.yml",
];

/// Services that run the llmmon-exporter image, and their role.
const ROLES: [(&str, &str); 5] = [
    ("gpu-exporter", "gpu"),
    ("containers-exporter", "containers"),
    ("vllm-exporter", "vllm"),
    ("litellm-exporter", "litellm"),
    ("langfuse-exporter", "langfuse"),
];

/// Stand-ins the mock overlay puts in place of the standard exporters.
const STAND_INS: [(&str, &str); 3] = [
    ("node-exporter", "node"),
    ("cadvisor", "cadvisor"),
    ("dcgm-exporter", "dcgm"),
];

/// Services only the mock overlay adds: the simulator's upstream face, standing in for the
/// LLM services outside the stack that Prometheus scrapes directly.
const MOCK_ONLY: [&str; 1] = ["sim-upstreams"];

/// Jobs that scrape a program outside the stack (on the host in production).
const EXTERNAL_JOBS: [&str; 1] = ["litellm-proxy"];

/// DESIGN.md's ports: service, host port (default of its .env variable), container port.
const PORTS: [(&str, u16, u16); 14] = [
    ("grafana", 23000, 3000),
    ("prometheus", 23001, 9090),
    ("loki", 23002, 3100),
    ("alertmanager", 23003, 9093),
    ("node-exporter", 9100, 9100),
    ("cadvisor", 8080, 8080),
    ("gpu-exporter", 9445, 9445),
    ("litellm-exporter", 9901, 9901),
    ("vllm-exporter", 9902, 9902),
    ("langfuse-exporter", 9903, 9903),
    ("containers-exporter", 9904, 9904),
    ("dcgm-exporter", 9400, 9400),
    ("announcements", 23004, 23004),
    // Alloy publishes nothing.
    ("alloy", 0, 0),
];

fn read(name: &str) -> String {
    let path = compose_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str) -> Value {
    serde_yaml_ng::from_str(&read(name)).unwrap_or_else(|e| panic!("{name} does not parse: {e}"))
}

/// Variables `${NAME…}` used in a text (`$$` is a literal dollar).
fn variables(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text.replace("$$", "");
    while let Some(i) = rest.find("${") {
        rest = rest[i + 2..].to_owned();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.insert(name);
    }
    out
}

/// `.env.example` as NAME → value.
fn env_example() -> BTreeMap<String, String> {
    read(".env.example")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn tag_of(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => Some(t.tag.to_string().trim_start_matches('!').to_owned()),
        _ => None,
    }
}

/// Keys whose sequences an overlay replaces (Compose's merge rules); other sequences are
/// appended to (ports, volumes …).
const REPLACED: [&str; 4] = ["command", "entrypoint", "test", "profiles"];

/// Merges `over` into `base` as `docker compose -f base -f over` does for the keys used
/// here: mappings merge key by key, listed sequences are replaced, others appended without
/// duplicates, scalars replaced, `!reset` removes the key and `!override` replaces it.
fn merge(base: &mut Mapping, over: &Mapping) {
    for (k, v) in over {
        let key = k.as_str().unwrap_or_default();
        match tag_of(v).as_deref() {
            Some("reset") => {
                base.remove(k);
                continue;
            }
            Some("override") => {
                if let Value::Tagged(t) = v {
                    base.insert(k.clone(), t.value.clone());
                }
                continue;
            }
            _ => {}
        }
        match (base.get_mut(k), v) {
            (Some(Value::Mapping(b)), Value::Mapping(o)) => merge(b, o),
            // Compose merges volumes by their path in the container.
            (Some(Value::Sequence(b)), Value::Sequence(o)) if key == "volumes" => {
                for x in o {
                    let target = mount_target(x);
                    b.retain(|y| target.is_none() || mount_target(y) != target);
                    b.push(x.clone());
                }
            }
            (Some(Value::Sequence(b)), Value::Sequence(o)) if !REPLACED.contains(&key) => {
                for x in o {
                    if !b.contains(x) {
                        b.push(x.clone());
                    }
                }
            }
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The path in the container of a short-syntax volume (`source:target[:mode]`).
fn mount_target(v: &Value) -> Option<String> {
    let parts: Vec<&str> = v.as_str()?.split(':').collect();
    parts.get(1).map(|t| (*t).to_owned())
}

/// The production secrets docker-compose.prod.yml requires (`:?`, set and not empty).
const PROD_SECRETS: [&str; 4] = [
    "LITELLM_MASTER_KEY",
    "LANGFUSE_PUBLIC_KEY",
    "LANGFUSE_SECRET_KEY",
    "LLMMON_ANNOUNCEMENTS_TOKEN",
];

/// `.env.example` filled in as an operator fills it: a Grafana password and the secrets.
fn filled_env() -> BTreeMap<String, String> {
    let mut env = env_example();
    env.insert("GRAFANA_ADMIN_PASSWORD".into(), "test-only-password".into());
    for s in PROD_SECRETS {
        env.insert(s.into(), format!("test-only-{}", s.to_lowercase()));
    }
    env
}

/// The effective services of base + overlays, interpolated with `.env.example` filled in
/// (`filled_env`).
fn merged(overlays: &[&str]) -> Mapping {
    let env = filled_env();
    let mut doc = parse("docker-compose.yml")
        .as_mapping()
        .expect("mapping")
        .clone();
    for o in overlays {
        merge(&mut doc, parse(o).as_mapping().expect("mapping"));
    }
    let doc = interpolate_value(&Value::Mapping(doc), &env).expect("interpolates");
    doc["services"].as_mapping().expect("services").clone()
}

fn services(m: &Mapping) -> Vec<(String, Value)> {
    m.iter()
        .map(|(k, v)| (k.as_str().expect("name").to_owned(), v.clone()))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence()
        .map(|s| {
            s.iter()
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => serde_yaml_ng::to_string(other).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

const VARIANTS: [&[&str]; 4] = [
    &[],
    &["docker-compose.mock.yml"],
    &["docker-compose.prod.yml"],
    &["docker-compose.mock.yml", "docker-compose.dev.yml"],
];

#[test]
fn every_compose_file_parses_and_overlays_only_touch_base_services() {
    let base = parse("docker-compose.yml");
    let names: BTreeSet<&str> = base["services"]
        .as_mapping()
        .expect("services")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    for file in &FILES[1..] {
        let doc = parse(file);
        for name in doc["services"].as_mapping().expect("services").keys() {
            let name = name.as_str().expect("name");
            let mock_only = *file == "docker-compose.mock.yml" && MOCK_ONLY.contains(&name);
            assert!(
                names.contains(name) || mock_only,
                "{file}: {name} is not a base service"
            );
        }
    }
    for name in MOCK_ONLY {
        assert!(!names.contains(name), "{name} is mock-only");
    }
}

#[test]
fn env_example_documents_every_variable_and_no_stale_one() {
    let documented = env_example();
    let mut used = BTreeSet::new();
    for f in FILES {
        used.extend(variables(&read(f)));
        // Secrets Compose reads from a variable (`environment: NAME`).
        let doc = parse(f);
        for secret in doc["secrets"]
            .as_mapping()
            .into_iter()
            .flat_map(|m| m.values())
        {
            if let Some(name) = secret["environment"].as_str() {
                used.insert(name.to_owned());
            }
        }
    }
    let missing: Vec<_> = used
        .iter()
        .filter(|v| !documented.contains_key(*v))
        .collect();
    assert!(missing.is_empty(), "not in .env.example: {missing:?}");
    let stale: Vec<_> = documented.keys().filter(|v| !used.contains(*v)).collect();
    assert!(stale.is_empty(), "in .env.example but unused: {stale:?}");
    // Every variable has a comment saying what it is for, somewhere above it.
    let text = read(".env.example");
    assert!(text.lines().filter(|l| l.starts_with('#')).count() > used.len() / 2);
}

#[test]
fn grafana_has_no_default_password_and_the_stack_refuses_to_start_without_one() {
    let base = read("docker-compose.yml");
    assert!(
        base.contains("GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?"),
        "the Grafana password must be required"
    );
    assert_eq!(env_example()["GRAFANA_ADMIN_PASSWORD"], "");
    let env = env_example();
    let err = interpolate_value(&parse("docker-compose.yml"), &env).expect_err("refused");
    assert!(err.contains("GRAFANA_ADMIN_PASSWORD"), "{err}");
}

#[test]
fn production_stops_on_each_missing_secret_and_the_mock_stack_needs_none() {
    // Compose interpolates each file before merging them, so each file is checked alone.
    let prod = parse("docker-compose.prod.yml");
    assert!(interpolate_value(&prod, &filled_env()).is_ok());
    for secret in PROD_SECRETS {
        let mut env = filled_env();
        env.insert(secret.into(), String::new());
        let err = interpolate_value(&prod, &env).expect_err(secret);
        assert!(
            err.contains(&format!("required variable {secret}")),
            "{err}"
        );
        assert!(err.contains("compose/.env"), "says where: {err}");
    }
    // VLLM_API_KEY may be empty (vLLM without --api-key), not absent.
    let mut env = filled_env();
    env.insert("VLLM_API_KEY".into(), String::new());
    assert!(interpolate_value(&prod, &env).is_ok());
    env.remove("VLLM_API_KEY");
    let err = interpolate_value(&prod, &env).expect_err("VLLM_API_KEY absent");
    assert!(err.contains("required variable VLLM_API_KEY"), "{err}");
    // The production environment does carry them to the roles.
    let svcs = merged(&["docker-compose.prod.yml"]);
    assert_eq!(
        svcs["litellm-exporter"]["environment"]["LLMMON_LITELLM_MASTER_KEY"].as_str(),
        Some("test-only-litellm_master_key")
    );
    // The base file and the mock overlay need none: `.env.example` as it is, plus the
    // Grafana password, interpolates.
    let mut env = env_example();
    env.insert("GRAFANA_ADMIN_PASSWORD".into(), "pw".into());
    for file in [
        "docker-compose.yml",
        "docker-compose.mock.yml",
        "docker-compose.dev.yml",
    ] {
        assert!(interpolate_value(&parse(file), &env).is_ok(), "{file}");
    }
}

#[test]
fn every_service_has_a_healthcheck_a_restart_policy_and_a_pinned_image_or_a_build() {
    for overlays in VARIANTS {
        for (name, svc) in services(&merged(overlays)) {
            let what = format!("{name} (overlays {overlays:?})");
            let test = strings(&svc["healthcheck"]["test"]);
            assert!(
                test.len() >= 2 && ["CMD", "CMD-SHELL"].contains(&test[0].as_str()),
                "{what}: healthcheck {test:?}"
            );
            assert_eq!(svc["restart"].as_str(), Some("unless-stopped"), "{what}");
            let image = svc["image"].as_str().unwrap_or_default();
            let built = svc["build"].is_mapping();
            let tag = image.rsplit_once(':');
            let pinned = matches!(tag, Some((repo, t)) if !t.is_empty() && t != "latest" && !t.contains('/') && !repo.is_empty());
            assert!(pinned || built, "{what}: image {image:?} is not pinned");
        }
    }
}

#[test]
fn published_ports_are_design_md_ports_bound_to_the_configured_address() {
    for (name, svc) in services(&merged(&[])) {
        let expected = PORTS.iter().find(|(s, _, _)| *s == name);
        let ports = strings(&svc["ports"]);
        match expected {
            Some((_, 0, 0)) => assert!(ports.is_empty(), "{name} publishes {ports:?}"),
            Some((_, host, container)) => {
                assert_eq!(
                    ports,
                    vec![format!("127.0.0.1:{host}:{container}")],
                    "{name}"
                );
            }
            None => assert!(ports.is_empty(), "{name} is not in DESIGN.md's port list"),
        }
    }
    // The raw file binds every port to the configurable address.
    for line in read("docker-compose.yml")
        .lines()
        .filter(|l| l.trim_start().starts_with("- ${LLMMON_BIND_ADDRESS"))
    {
        assert!(
            line.contains("${LLMMON_BIND_ADDRESS:-127.0.0.1}:"),
            "{line}"
        );
    }
    let names: BTreeSet<String> = services(&merged(&[])).into_iter().map(|s| s.0).collect();
    for (svc, _, _) in PORTS {
        assert!(names.contains(svc), "{svc} missing from the stack");
    }
}

fn prometheus_config(file: &str) -> Value {
    let text = std::fs::read_to_string(compose_dir().join("config/prometheus").join(file))
        .expect("prometheus config");
    serde_yaml_ng::from_str(&text).expect("YAML")
}

/// The host directory Prometheus sees at `/etc/prometheus/targets` in a merged stack.
fn targets_dir(svcs: &Mapping) -> PathBuf {
    let mount = strings(&svcs["prometheus"]["volumes"])
        .into_iter()
        .find(|v| v.split(':').nth(1) == Some("/etc/prometheus/targets"))
        .expect("target files mounted");
    let source = mount.split(':').next().expect("source");
    compose_dir().join(source)
}

/// Prometheus job → targets (`host:port`), static, DNS-discovered or from target files
/// (read from `target_files`, the directory mounted at /etc/prometheus/targets).
fn prometheus_jobs(file: &str, target_files: &Path) -> BTreeMap<String, Vec<String>> {
    let doc = prometheus_config(file);
    let mut out = BTreeMap::new();
    for job in doc["scrape_configs"].as_sequence().expect("scrape_configs") {
        let name = job["job_name"].as_str().expect("job_name").to_owned();
        let mut targets = Vec::new();
        for sc in job["static_configs"].as_sequence().into_iter().flatten() {
            targets.extend(strings(&sc["targets"]));
        }
        for fsd in job["file_sd_configs"].as_sequence().into_iter().flatten() {
            for f in strings(&fsd["files"]) {
                let name = f
                    .strip_prefix("/etc/prometheus/targets/")
                    .unwrap_or_else(|| panic!("{f} outside the mounted target directory"));
                let path = target_files.join(name);
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let groups: Value = serde_yaml_ng::from_str(&text).expect("file_sd YAML");
                for g in groups.as_sequence().expect("target groups") {
                    targets.extend(strings(&g["targets"]));
                }
            }
        }
        for dns in job["dns_sd_configs"].as_sequence().into_iter().flatten() {
            let port = dns["port"].as_u64().expect("port");
            for n in strings(&dns["names"]) {
                targets.push(format!("{n}:{port}"));
            }
        }
        out.insert(name, targets);
    }
    out
}

/// Ports a service's container listens on: published and exposed container ports, plus the
/// well-known ports of services that publish none.
fn container_ports(name: &str, svc: &Value) -> BTreeSet<u16> {
    let mut out: BTreeSet<u16> = strings(&svc["ports"])
        .into_iter()
        .chain(strings(&svc["expose"]))
        .filter_map(|p| p.rsplit(':').next()?.parse().ok())
        .collect();
    if name == "alloy" {
        out.insert(12345);
    }
    out
}

#[test]
fn every_prometheus_job_targets_a_service_of_the_stack_on_a_port_it_listens_on() {
    for overlays in [&[][..], &["docker-compose.mock.yml"][..]] {
        let svcs = merged(overlays);
        let jobs = prometheus_jobs("prometheus.yml", &targets_dir(&svcs));
        for (job, targets) in &jobs {
            assert!(!targets.is_empty(), "job {job} has no target");
            for t in targets {
                let (host, port) = t.rsplit_once(':').expect("host:port");
                let port: u16 = port.parse().expect("port");
                if host == "localhost" {
                    assert_eq!(job, "prometheus", "only Prometheus scrapes itself");
                    continue;
                }
                if host == "host.docker.internal" {
                    assert!(overlays.is_empty(), "{job}: the mock needs no host service");
                    assert!(
                        EXTERNAL_JOBS.contains(&job.as_str()),
                        "{job} leaves the stack"
                    );
                    assert!(
                        strings(&svcs["prometheus"]["extra_hosts"])
                            .contains(&"host.docker.internal:host-gateway".to_owned()),
                        "Prometheus cannot resolve the host"
                    );
                    continue;
                }
                let svc = svcs
                    .get(host)
                    .unwrap_or_else(|| panic!("job {job}: no service {host} ({overlays:?})"));
                assert!(
                    container_ports(host, svc).contains(&port),
                    "job {job}: {host} does not listen on {port}"
                );
            }
        }
    }
    // The local config has the same exporter jobs, one per role.
    let jobs = prometheus_jobs("prometheus.yml", &targets_dir(&merged(&[])));
    let local = prometheus_jobs("prometheus.local.yml", Path::new("/nonexistent"));
    for role in Role::ALL {
        assert!(local.contains_key(role.as_str()), "local: no job {role}");
        assert!(jobs.contains_key(role.as_str()), "compose: no job {role}");
    }
    for job in EXTERNAL_JOBS {
        assert!(local.contains_key(job) && jobs.contains_key(job), "{job}");
    }
}

#[test]
fn litellm_proxy_is_scraped_on_its_metrics_path_with_the_master_key_from_a_secret() {
    let doc = prometheus_config("prometheus.yml");
    let job = doc["scrape_configs"]
        .as_sequence()
        .expect("jobs")
        .iter()
        .find(|j| j["job_name"] == "litellm-proxy")
        .expect("litellm-proxy job");
    // LiteLLM mounts its metrics app at /metrics/; /metrics answers 307 (LiteLLM #30079).
    assert_eq!(job["metrics_path"].as_str(), Some("/metrics/"));
    assert_eq!(job["authorization"]["type"].as_str(), Some("Bearer"));
    assert_eq!(
        job["authorization"]["credentials_file"].as_str(),
        Some("/run/secrets/litellm_master_key")
    );
    assert!(
        job["authorization"]["credentials"].is_null(),
        "no key in the config"
    );
    let compose = parse("docker-compose.yml");
    assert_eq!(
        compose["secrets"]["litellm_master_key"]["environment"].as_str(),
        Some("LITELLM_MASTER_KEY")
    );
    let base = merged(&[]);
    assert!(strings(&base["prometheus"]["secrets"]).contains(&"litellm_master_key".to_owned()));
    // The mock points the job at the simulator's LiteLLM, on the path its router serves.
    let mock = merged(&["docker-compose.mock.yml"]);
    let text = std::fs::read_to_string(targets_dir(&mock).join("litellm-proxy.yml"))
        .expect("mock target file");
    let groups: Value = serde_yaml_ng::from_str(&text).expect("YAML");
    assert_eq!(
        groups[0]["labels"]["__metrics_path__"].as_str(),
        Some("/litellm/metrics")
    );
    assert_eq!(
        strings(&mock["sim-upstreams"]["command"]),
        ["sim-upstreams"]
    );
    assert_eq!(
        mock["sim-upstreams"]["image"],
        mock["gpu-exporter"]["image"]
    );
}

#[test]
fn the_mock_overlay_needs_no_gpu_no_docker_socket_and_no_llm_service() {
    let svcs = merged(&["docker-compose.mock.yml"]);
    for (name, svc) in services(&svcs) {
        assert!(svc["runtime"].is_null(), "{name}: runtime in mock");
        assert!(
            svc["deploy"]["resources"]["reservations"]["devices"].is_null(),
            "{name}: device reservation in mock"
        );
        assert!(svc["pid"].is_null(), "{name}: host PID namespace in mock");
        assert!(svc["privileged"].is_null(), "{name}: privileged in mock");
        assert!(
            svc["profiles"].is_null(),
            "{name}: behind a profile in mock"
        );
        // Alloy keeps shipping the stack's own container logs from the Docker socket (the
        // log pipeline is the same in both modes); every exporter runs on the simulator.
        let exporter = ROLES
            .iter()
            .chain(STAND_INS.iter())
            .any(|(s, _)| *s == name);
        for v in strings(&svc["volumes"]).into_iter().filter(|_| exporter) {
            assert!(
                !v.contains("docker.sock") && !v.starts_with("/:"),
                "{name}: mounts {v} in mock"
            );
        }
        assert!(
            !strings(&svc["command"]).contains(&"real".to_owned()),
            "{name}: a real source in mock"
        );
    }
    let base = merged(&[]);
    for (name, role) in ROLES.iter().chain(STAND_INS.iter()) {
        let svc = &svcs[*name];
        assert_eq!(
            strings(&svc["command"]),
            vec![role.to_string(), "--source".into(), "sim".into()],
            "{name}"
        );
        assert_eq!(svc["image"], base["gpu-exporter"]["image"], "{name} image");
    }
    // Production really asks for the hardware the mock leaves out.
    assert_eq!(base["gpu-exporter"]["runtime"].as_str(), Some("nvidia"));
    assert_eq!(base["gpu-exporter"]["pid"].as_str(), Some("host"));
    assert_eq!(base["gpu-exporter"]["cgroup"].as_str(), Some("host"));
    assert_eq!(base["dcgm-exporter"]["runtime"].as_str(), Some("nvidia"));
    assert_eq!(strings(&base["dcgm-exporter"]["profiles"]), ["dcgm"]);
    assert!(strings(&base["dcgm-exporter"]["cap_add"]).contains(&"SYS_ADMIN".to_owned()));
    for (name, role) in ROLES {
        let cmd = strings(&base[name]["command"]);
        assert_eq!(cmd[..3], [role, "--source", "real"], "{name}");
    }
    let containers = &base["containers-exporter"];
    assert!(strings(&containers["volumes"]).contains(&"/:/host:ro".to_owned()));
    assert_eq!(
        containers["environment"]["LLMMON_DOCKER__HOST_ROOT"].as_str(),
        Some("/host")
    );
}

#[test]
fn every_service_on_the_exporter_image_builds_it_from_the_repository_dockerfile() {
    // Nothing publishes the image: a fresh server builds it, so each service that runs it
    // (whichever overlay) carries `build:` beside the tag the build produces.
    let exporter_image = merged(&[])["gpu-exporter"]["image"].clone();
    assert_eq!(
        exporter_image.as_str(),
        Some("ghcr.io/llmmon/llmmon-exporter:0.1.0")
    );
    for overlays in &VARIANTS[..3] {
        let svcs = merged(overlays);
        let on_image: Vec<&str> = svcs
            .iter()
            .filter(|(_, s)| s["image"] == exporter_image)
            .filter_map(|(k, _)| k.as_str())
            .collect();
        let want = if overlays.is_empty() || overlays[0] != "docker-compose.mock.yml" {
            6
        } else {
            // The node / cAdvisor / dcgm stand-ins and sim-upstreams too.
            10
        };
        assert_eq!(on_image.len(), want, "{overlays:?}: {on_image:?}");
        for name in on_image {
            let build = &svcs[name]["build"];
            assert_eq!(build["context"].as_str(), Some(".."), "{name} {overlays:?}");
            let dockerfile = compose_dir()
                .join("..")
                .join(build["dockerfile"].as_str().expect("dockerfile"));
            assert!(dockerfile.is_file(), "{name}: {}", dockerfile.display());
        }
    }
    // The Dockerfile builds the binary those services run.
    let dockerfile = std::fs::read_to_string(compose_dir().join("../Dockerfile")).expect("read");
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/llmmon-exporter\"]"));
}

#[test]
fn the_guides_never_pull_the_image_that_is_built() {
    // `docker compose pull` fails on an image no registry has; --ignore-buildable skips it.
    let root = compose_dir().join("..");
    for doc in ["README.md", "docs/operations.md"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("read");
        for line in text
            .lines()
            .filter(|l| l.contains("docker compose") && l.contains(" pull"))
        {
            assert!(line.contains("--ignore-buildable"), "{doc}: {line}");
        }
    }
}

#[test]
fn the_dev_overlay_builds_every_exporter_role_from_this_checkout() {
    let svcs = merged(&["docker-compose.dev.yml"]);
    for (name, _) in ROLES {
        let build = &svcs[name]["build"];
        assert_eq!(build["context"].as_str(), Some(".."), "{name}");
        let dockerfile = compose_dir()
            .join("..")
            .join(build["dockerfile"].as_str().expect("dockerfile"));
        assert!(dockerfile.is_file(), "{}", dockerfile.display());
    }
}

#[test]
fn prometheus_keeps_30_days_with_the_admin_api_and_state_lives_in_named_volumes() {
    let base = merged(&[]);
    let cmd = strings(&base["prometheus"]["command"]);
    assert!(cmd.contains(&"--storage.tsdb.retention.time=30d".to_owned()));
    assert!(cmd.contains(&"--web.enable-admin-api".to_owned()));
    let doc = parse("docker-compose.yml");
    let volumes: BTreeSet<&str> = doc["volumes"]
        .as_mapping()
        .expect("volumes")
        .keys()
        .filter_map(Value::as_str)
        .collect();
    for (name, svc) in services(&base) {
        for v in strings(&svc["volumes"]) {
            let source = v.split(':').next().unwrap_or_default();
            let named = !source.starts_with('.') && !source.starts_with('/');
            if named {
                assert!(
                    volumes.contains(source),
                    "{name}: volume {source} undeclared"
                );
            } else if source.starts_with("./config") {
                assert!(v.ends_with(":ro"), "{name}: config {v} must be read-only");
                let path = compose_dir().join(source);
                assert!(path.exists(), "{name}: {} missing", path.display());
            }
        }
        assert_eq!(strings(&svc["networks"]), ["monitoring"], "{name}");
    }
    for v in [
        "prometheus-data",
        "loki-data",
        "grafana-data",
        "alertmanager-data",
    ] {
        assert!(volumes.contains(v), "{v}");
    }
}

#[test]
fn cadvisor_runs_with_low_housekeeping_cost() {
    let base = merged(&[]);
    let cmd = strings(&base["cadvisor"]["command"]);
    assert!(cmd.contains(&"--docker_only=true".to_owned()));
    assert!(cmd.contains(&"--housekeeping_interval=10s".to_owned()));
    assert!(cmd.iter().any(|a| a.starts_with("--disable_metrics=")));
    let image = base["cadvisor"]["image"].as_str().expect("image");
    assert!(image.starts_with("ghcr.io/google/cadvisor:"), "{image}");
    let version = image
        .rsplit(':')
        .next()
        .expect("tag")
        .trim_start_matches('v');
    let minor: u32 = version
        .split('.')
        .nth(1)
        .expect("minor")
        .parse()
        .expect("n");
    assert!(
        minor >= 54,
        "cAdvisor {version} loses container names on new engines"
    );
}

#[test]
fn loki_keeps_30_days_with_tsdb_schema_v13_and_compactor_retention() {
    let doc: Value = serde_yaml_ng::from_str(&read("config/loki/loki.yml")).expect("YAML");
    let schema = &doc["schema_config"]["configs"][0];
    assert_eq!(schema["store"].as_str(), Some("tsdb"));
    assert_eq!(schema["schema"].as_str(), Some("v13"));
    assert_eq!(schema["index"]["period"].as_str(), Some("24h"));
    let compactor = &doc["compactor"];
    assert_eq!(compactor["retention_enabled"].as_bool(), Some(true));
    assert_eq!(
        compactor["delete_request_store"].as_str(),
        schema["object_store"].as_str()
    );
    assert_eq!(
        doc["limits_config"]["retention_period"].as_str(),
        Some("720h")
    );
    assert_eq!(doc["server"]["http_listen_port"].as_u64(), Some(3100));
}

#[test]
fn alloy_ships_docker_logs_to_loki_with_the_four_labels() {
    let text = read("config/alloy/config.alloy");
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let (open, close) = (code.matches('{').count(), code.matches('}').count());
    assert_eq!(open, close, "unbalanced braces");
    for needle in [
        "discovery.docker \"containers\"",
        "loki.source.docker \"containers\"",
        "loki.write \"default\"",
        "unix:///var/run/docker.sock",
        "target_label  = \"container\"",
        "target_label  = \"compose_service\"",
        "target_label  = \"stream\"",
        "values = { level = \"\" }",
        "sys.env(\"LOKI_PUSH_URL\")",
    ] {
        assert!(code.contains(needle), "config.alloy lacks {needle}");
    }
    let base = merged(&[]);
    let alloy = &base["alloy"];
    assert_eq!(
        alloy["environment"]["LOKI_PUSH_URL"].as_str(),
        Some("http://loki:3100/loki/api/v1/push")
    );
    assert!(strings(&alloy["volumes"])
        .iter()
        .any(|v| v.starts_with("/var/run/docker.sock:") && v.ends_with(":ro")));
}

#[test]
fn grafana_provisions_three_datasources_with_fixed_uids_and_three_folders() {
    let dir = "config/grafana/provisioning";
    let ds: Value = serde_yaml_ng::from_str(&read(&format!("{dir}/datasources/datasources.yml")))
        .expect("YAML");
    let uids: BTreeMap<String, String> = ds["datasources"]
        .as_sequence()
        .expect("datasources")
        .iter()
        .map(|d| {
            (
                d["uid"].as_str().expect("uid").to_owned(),
                d["url"].as_str().expect("url").to_owned(),
            )
        })
        .collect();
    assert_eq!(uids["prometheus"], "http://prometheus:9090");
    assert_eq!(uids["loki"], "http://loki:3100");
    assert_eq!(uids["alertmanager"], "http://alertmanager:9093");
    let dash: Value =
        serde_yaml_ng::from_str(&read(&format!("{dir}/dashboards/dashboards.yml"))).expect("YAML");
    let folders: Vec<&str> = dash["providers"]
        .as_sequence()
        .expect("providers")
        .iter()
        .filter_map(|p| p["folder"].as_str())
        .collect();
    assert_eq!(folders, ["Infrastructure", "LLM services", "End users"]);
    let env = &merged(&[])["grafana"]["environment"];
    assert_eq!(env["GF_AUTH_ANONYMOUS_ENABLED"].as_str(), Some("false"));
    assert_eq!(env["GF_AUTH_ANONYMOUS_ORG_ROLE"].as_str(), Some("Viewer"));
}

#[test]
fn the_systemd_unit_starts_the_production_stack_after_docker() {
    let unit = read("llmmon-stack.service");
    for needle in [
        "Requires=docker.service",
        "After=docker.service",
        "WantedBy=multi-user.target",
        "ExecStart=/usr/bin/docker compose up -d --wait",
        "ExecStop=/usr/bin/docker compose down",
    ] {
        assert!(unit.contains(needle), "unit lacks {needle}");
    }
    let files = unit
        .lines()
        .find_map(|l| l.strip_prefix("Environment=COMPOSE_FILE="))
        .expect("COMPOSE_FILE");
    for f in files.split(':') {
        assert!(compose_dir().join(f).is_file(), "{f}");
    }
    let analyze = support::require("systemd-analyze", "systemd");
    let dir = tempfile::tempdir().expect("tmp");
    let copy = dir.path().join("llmmon-stack.service");
    std::fs::copy(compose_dir().join("llmmon-stack.service"), &copy).expect("copy");
    let out = Command::new(analyze)
        .args(["verify", "--man=no"])
        .arg(&copy)
        .output()
        .expect("systemd-analyze");
    let text = String::from_utf8_lossy(&out.stderr);
    // Only the unit's own syntax counts; docker.service may be absent on a test box.
    assert!(
        !text.contains("Unknown key") && !text.contains("Unknown section"),
        "{text}"
    );
}

#[test]
fn the_dockerfile_is_multi_stage_and_ships_the_healthcheck() {
    let root = compose_dir().join("..");
    let text = std::fs::read_to_string(root.join("Dockerfile")).expect("Dockerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "{froms:?}");
    assert!(froms.iter().all(|f| !f.contains(":latest")), "{froms:?}");
    assert!(text.contains("cargo build --release --locked -p llmmon-exporter"));
    assert!(text.contains("COPY compose/llmmon-healthcheck.sh /usr/local/bin/llmmon-healthcheck"));
    assert!(text.contains("ENTRYPOINT [\"/usr/local/bin/llmmon-exporter\"]"));
    let ignore = std::fs::read_to_string(root.join(".dockerignore")).expect(".dockerignore");
    assert!(ignore.lines().any(|l| l.trim() == "target/"));
}

fn healthcheck(port: u16) -> bool {
    let bash = require("bash", "bash");
    Command::new(bash)
        .arg(compose_dir().join("llmmon-healthcheck.sh"))
        .arg(port.to_string())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run the healthcheck")
        .success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_healthcheck_passes_against_a_serving_role_and_fails_without_one() {
    let running = wiring::start(
        &Settings::demo(Duration::from_secs(1)),
        &[Role::Litellm],
        SourceMode::Sim,
    )
    .await
    .expect("start role");
    let port = running.addr(Role::Litellm).expect("bound").port();
    assert!(
        tokio::task::spawn_blocking(move || healthcheck(port))
            .await
            .expect("join"),
        "healthcheck failed against a serving role"
    );
    running.stop.cancel();
    drop(running);
    let closed = support::free_port();
    assert!(
        !tokio::task::spawn_blocking(move || healthcheck(closed))
            .await
            .expect("join"),
        "healthcheck passed with nothing listening"
    );
}

#[test]
fn the_alertmanager_service_renders_its_config_into_a_tmpfs() {
    let base = merged(&[]);
    let am = &base["alertmanager"];
    let entry = strings(&am["entrypoint"]);
    assert_eq!(entry[1], "/etc/alertmanager/render-config.sh");
    let out = &entry[3];
    assert!(strings(&am["command"]).contains(&format!("--config.file={out}")));
    assert!(strings(&am["command"]).contains(&"--cluster.listen-address=".to_owned()));
    let tmpfs = strings(&am["tmpfs"]);
    let dir = Path::new(out)
        .parent()
        .expect("dir")
        .to_string_lossy()
        .into_owned();
    assert!(tmpfs.iter().any(|t| t.starts_with(&dir)), "{tmpfs:?}");
    let template: String = read("config/alertmanager/alertmanager.yml")
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') || l.trim_start().starts_with("#@"))
        .collect::<Vec<_>>()
        .join("\n");
    for var in variables(&template) {
        assert!(
            am["environment"].get(var.as_str()).is_some(),
            "alertmanager.yml uses {var}, which the service does not pass"
        );
    }
}
