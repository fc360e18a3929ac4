//! `llmmon stack` end to end. Docker Compose v2 is not available here, so `docker` and
//! `systemctl` are fake executables (shell scripts first on PATH) that log every invocation
//! and answer like the real ones: `docker info`, `compose version|ls|config|ps` with real
//! Compose output, and `docker run … tar/find/rm` carried out on directories standing for
//! the named volumes, so backups really copy data. Prometheus is real (admin API on, for
//! the snapshot and for `stack status`); Grafana is a fake speaking its API's shapes.

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use llmmon_announcements::model::{Draft, Health, Kind, ServiceStatus};
use llmmon_announcements::store::{Event, State, Store};
use serde_json::{json, Value};

use crate::support::{self, free_port, require, wait_for, wait_ready, Proc, Prometheus};

const PASSWORD: &str = "pw-Test-5a7c21e9";
const MASTER_KEY: &str = "sk-master-secret-77";
/// The other secrets docker-compose.prod.yml requires.
const SECRETS: [(&str, &str); 3] = [
    ("LANGFUSE_PUBLIC_KEY", "pk-lf-test-0c1d"),
    ("LANGFUSE_SECRET_KEY", "sk-lf-test-9e8f7a"),
    ("LLMMON_ANNOUNCEMENTS_TOKEN", "tok-3b5e0f3c7a9d2e41b6f8"),
];

/// The fake `docker`: logs its arguments (one invocation per line) to `docker.log`.
const FAKE_DOCKER: &str = r#"#!/bin/bash
F="$(cd "$(dirname "$0")/.." && pwd)"
echo "$*" >> "$F/docker.log"
case "$1" in
info)
  if [ -e "$F/no-engine" ]; then
    echo '{"ServerErrors":["Cannot connect to the Docker daemon"]}'
    echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2
    exit 1
  fi
  rt='{"io.containerd.runc.v2":{"path":"runc"},"nvidia":{"path":"nvidia-container-runtime"},"runc":{"path":"runc"}}'
  [ -e "$F/no-nvidia" ] && rt='{"io.containerd.runc.v2":{"path":"runc"},"runc":{"path":"runc"}}'
  echo "{\"ServerVersion\":\"28.2.2\",\"DockerRootDir\":\"$F\",\"Runtimes\":$rt,\"ServerErrors\":null}"
  exit 0;;
compose)
  if [ -e "$F/no-compose" ]; then
    printf "docker: unknown command: docker compose\n\nRun 'docker --help' for more information\n" >&2
    exit 1
  fi
  shift
  while [ $# -gt 0 ]; do case "$1" in -f|--profile) shift 2;; *) break;; esac; done
  case "$1" in
  version) echo "2.29.1";;
  ls) echo "[{\"Name\":\"llmmon\",\"Status\":\"running(15)\",\"ConfigFiles\":\"$F/docker-compose.yml,$F/docker-compose.prod.yml\"}]";;
  config) if [ "$2" = "--format" ]; then cat "$F/config.json"; else cat "$F/services"; fi;;
  restart)
    # A test's real Prometheus standing in for the service: restarted on the same port.
    if [ "$2" = prometheus ] && [ -x "$F/prometheus.sh" ]; then "$F/prometheus.sh" stop; "$F/prometheus.sh" start; fi;;
  ps)
    n=$(( $(cat "$F/ps-count" 2>/dev/null || echo 0) + 1 )); echo $n > "$F/ps-count"
    if [ -e "$F/ps-$n" ]; then cat "$F/ps-$n"; else cat "$F/ps"; fi;;
  esac
  exit 0;;
image)
  # docker image inspect --format {{.Id}} NAME: present when listed in $F/images.
  img="${@: -1}"
  if grep -qxF "$img" "$F/images" 2>/dev/null; then echo "sha256:0123456789abcdef"; exit 0; fi
  echo "Error response from daemon: No such image: $img" >&2
  exit 1;;
buildx)
  [ -e "$F/no-buildx" ] && { echo "docker: 'buildx' is not a docker command." >&2; exit 1; }
  echo "github.com/docker/buildx 0.20.1 0.20.1"; exit 0;;
run)
  shift; ep=""; maps=()
  while [ $# -gt 0 ]; do
    case "$1" in
    --rm) shift;;
    --user|--network) shift 2;;
    --entrypoint) ep="$2"; shift 2;;
    -v) src="${2%%:*}"; rest="${2#*:}"; dst="${rest%%:*}"; shift 2
        case "$src" in llmmon_*) src="$F/volumes/${src#llmmon_}"; mkdir -p "$src";; esac
        maps+=("$dst=$src");;
    *) break;;
    esac
  done
  shift
  args=()
  for a in "$@"; do
    for m in "${maps[@]}"; do
      d="${m%%=*}"; s="${m#*=}"
      case "$a" in "$d"|"$d"/*) a="$s${a#"$d"}";; esac
    done
    args+=("$a")
  done
  exec "$ep" "${args[@]}";;
esac
echo "fake docker: unsupported: $*" >&2
exit 1
"#;

const FAKE_SYSTEMCTL: &str = r#"#!/bin/bash
F="$(cd "$(dirname "$0")/.." && pwd)"
echo "$*" >> "$F/systemctl.log"
"#;

/// A temp stack directory (the shipped compose files), fake tools and volume directories.
struct Bed {
    _tmp: tempfile::TempDir,
    /// Holds bin/, docker.log, the fake's answers and volumes/.
    fake: PathBuf,
    stack: PathBuf,
    config: PathBuf,
    ports: BTreeMap<String, u16>,
}

impl Bed {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let fake = tmp.path().join("fake");
        let stack = tmp.path().join("stack");
        for d in [fake.join("bin"), fake.join("volumes"), stack.clone()] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        for (name, text) in [("docker", FAKE_DOCKER), ("systemctl", FAKE_SYSTEMCTL)] {
            let path = fake.join("bin").join(name);
            std::fs::write(&path, text).expect("write fake");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose");
        // The stack directory is compose/ of a checkout: the exporter's build context (..)
        // holds the Dockerfile.
        std::fs::copy(shipped.join("../Dockerfile"), tmp.path().join("Dockerfile"))
            .expect("copy Dockerfile");
        for f in [
            "docker-compose.yml",
            "docker-compose.prod.yml",
            "docker-compose.mock.yml",
            ".env.example",
            "llmmon-stack.service",
        ] {
            std::fs::copy(shipped.join(f), stack.join(f)).expect("copy compose file");
        }
        let ports: BTreeMap<String, u16> = [
            "GRAFANA_PORT",
            "PROMETHEUS_PORT",
            "LOKI_PORT",
            "ALERTMANAGER_PORT",
            "ANNOUNCEMENTS_PORT",
            "NODE_EXPORTER_PORT",
            "CADVISOR_PORT",
            "GPU_EXPORTER_PORT",
            "LITELLM_EXPORTER_PORT",
            "VLLM_EXPORTER_PORT",
            "LANGFUSE_EXPORTER_PORT",
            "CONTAINERS_EXPORTER_PORT",
            "DCGM_EXPORTER_PORT",
        ]
        .into_iter()
        .map(|v| (v.to_owned(), free_port()))
        .collect();
        let bed = Self {
            config: tmp.path().join("llmmon.toml"),
            _tmp: tmp,
            fake,
            stack,
            ports,
        };
        bed.write_env(PASSWORD);
        let services = bed.services();
        std::fs::write(bed.fake.join("services"), services.join("\n") + "\n").expect("services");
        std::fs::write(bed.fake.join("config.json"), bed.config_json().to_string())
            .expect("config.json");
        bed.set_ps("ps", &services, &[]);
        bed.configure(
            "http://127.0.0.1:9",
            "http://127.0.0.1:9",
            &bed.fake.join("out"),
            14,
        );
        bed
    }

    /// The shipped base file's services without a profile (what `config --services` says).
    fn services(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.stack.join("docker-compose.yml")).expect("read");
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("yaml");
        let mut names: Vec<String> = doc["services"]
            .as_mapping()
            .expect("services")
            .iter()
            .filter(|(_, s)| s.get("profiles").is_none())
            .filter_map(|(k, _)| k.as_str().map(String::from))
            .collect();
        names.sort();
        names
    }

    /// What `docker compose config --format json` answers for the shipped files (the mock
    /// overlay's services included; the fake answers the same for either overlay): each
    /// service's image with its default, `build:` with the context made absolute as Compose
    /// makes it.
    fn config_json(&self) -> Value {
        let mut services = serde_json::Map::new();
        for file in ["docker-compose.yml", "docker-compose.mock.yml"] {
            let text = std::fs::read_to_string(self.stack.join(file)).expect("read");
            let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("yaml");
            for (name, svc) in doc["services"].as_mapping().expect("services") {
                let name = name.as_str().expect("name").to_owned();
                let entry = services.entry(name).or_insert_with(|| json!({}));
                if let Some(image) = svc["image"].as_str() {
                    // `${VAR:-default}` as Compose resolves it without VAR set.
                    let image = match image.split_once(":-") {
                        Some((_, rest)) => rest.trim_end_matches('}').to_owned(),
                        None => image.to_owned(),
                    };
                    entry["image"] = json!(image);
                }
                if svc["build"].is_mapping() {
                    let context = self
                        .stack
                        .join(svc["build"]["context"].as_str().expect("context"));
                    entry["build"] = json!({
                        "context": context.canonicalize().expect("context exists"),
                        "dockerfile": svc["build"]["dockerfile"],
                    });
                }
            }
        }
        json!({"name": "llmmon", "services": services})
    }

    fn write_env(&self, password: &str) {
        // VLLM_API_KEY empty: vLLM servers without --api-key.
        let mut env = format!(
            "# test stack\nLLMMON_BIND_ADDRESS=127.0.0.1\nGRAFANA_ADMIN_USER=admin\n\
             GRAFANA_ADMIN_PASSWORD={password}\nLITELLM_MASTER_KEY={MASTER_KEY}\nVLLM_API_KEY=\n"
        );
        for (var, value) in SECRETS {
            env += &format!("{var}={value}\n");
        }
        for (var, port) in &self.ports {
            env += &format!("{var}={port}\n");
        }
        std::fs::write(self.stack.join(".env"), env).expect("write .env");
    }

    /// Writes the fake's `ps` answer (file `name`): every service running and healthy,
    /// except those in `not_healthy` (service, state, health). Realistic Compose lines.
    fn set_ps(&self, name: &str, services: &[String], not_healthy: &[(&str, &str, &str)]) {
        let lines: Vec<String> = services
            .iter()
            .map(|s| {
                let (state, health) = not_healthy
                    .iter()
                    .find(|(n, _, _)| n == s)
                    .map_or(("running", "healthy"), |(_, st, h)| (*st, *h));
                json!({
                    "Command": "\"/entrypoint\"", "CreatedAt": "2025-06-01 10:00:00 +0000 UTC",
                    "ExitCode": 0, "Health": health, "ID": format!("{s}0123456789"),
                    "Image": "img", "Labels": "com.docker.compose.project=llmmon",
                    "LocalVolumes": "1", "Mounts": "", "Name": format!("llmmon-{s}-1"),
                    "Names": format!("llmmon-{s}-1"), "Networks": "llmmon-monitoring", "Ports": "",
                    "Project": "llmmon", "Publishers": null, "RunningFor": "2 minutes ago",
                    "Service": s, "Size": "0B", "State": state,
                    "Status": format!("Up 2 minutes ({health})"),
                })
                .to_string()
            })
            .collect();
        std::fs::write(self.fake.join(name), lines.join("\n") + "\n").expect("write ps");
    }

    fn configure(&self, prometheus: &str, grafana: &str, backups: &Path, keep: usize) {
        std::fs::write(
            &self.config,
            format!(
                "prometheus = \"{prometheus}\"\ngrafana = \"{grafana}\"\n[stack]\ndir = \"{}\"\n\
                 backup_dir = \"{}\"\nkeep_backups = {keep}\n",
                self.stack.display(),
                backups.display()
            ),
        )
        .expect("write config");
    }

    fn command(&self, args: &[&str]) -> tokio::process::Command {
        let path = std::env::var("PATH").unwrap_or_default();
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_llmmon"));
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .env(
                "PATH",
                format!("{}:{path}", self.fake.join("bin").display()),
            )
            .env("LLMMON_SYSTEMD_DIR", self.fake.join("units"))
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        for var in [
            "LLMMON_HOST",
            "LLMMON_PROMETHEUS_URL",
            "LLMMON_STACK_DIR",
            "DOCKER_HOST",
            "LLMMON_LOG",
            "LITELLM_MASTER_KEY",
            "LANGFUSE_PUBLIC_KEY",
            "LANGFUSE_SECRET_KEY",
            "LLMMON_ANNOUNCEMENTS_TOKEN",
            "VLLM_API_KEY",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    async fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().await.expect("run llmmon");
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(PASSWORD), "the password leaked: {all}");
        assert!(!all.contains(MASTER_KEY), "a key leaked: {all}");
        for (var, value) in SECRETS {
            assert!(!all.contains(value), "{var} leaked: {all}");
        }
        out
    }

    fn log(&self, tool: &str) -> Vec<String> {
        std::fs::read_to_string(self.fake.join(format!("{tool}.log")))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    fn flag(&self, name: &str) {
        std::fs::write(self.fake.join(name), "").expect("flag");
    }

    fn volume(&self, name: &str) -> PathBuf {
        self.fake.join("volumes").join(name)
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn context(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", text(&o.stdout), text(&o.stderr))
}

#[tokio::test]
async fn up_dry_run_prints_the_commands_and_runs_nothing() {
    let bed = Bed::new();
    let o = bed
        .run(&["stack", "up", "--dry-run", "--profile", "dcgm"])
        .await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines.contains(
            &"docker compose -f docker-compose.yml -f docker-compose.prod.yml --profile dcgm up -d --remove-orphans"
        ),
        "{out}"
    );
    assert!(
        lines.contains(&"docker info --format '{{json .}}'"),
        "{out}"
    );
    assert!(
        lines[0].starts_with("cd ") && lines[0].ends_with("/stack"),
        "{out}"
    );
    // The exporter image: looked up, and built only when absent.
    assert!(
        lines.contains(
            &"docker image inspect --format '{{.Id}}' ghcr.io/llmmon/llmmon-exporter:0.1.0"
        ),
        "{out}"
    );
    assert!(
        lines.contains(
            &"docker compose -f docker-compose.yml -f docker-compose.prod.yml --profile dcgm build announcements  # only when not present"
        ),
        "{out}"
    );
    assert!(bed.log("docker").is_empty(), "dry run ran docker");

    let o = bed.run(&["stack", "up", "--dry-run", "--mock"]).await;
    assert!(
        text(&o.stdout).contains(
            "\ndocker compose -f docker-compose.yml -f docker-compose.mock.yml up -d --remove-orphans\n"
        ),
        "{}",
        context(&o)
    );
    assert!(bed.log("docker").is_empty(), "dry run ran docker");
}

#[tokio::test]
async fn up_checks_starts_waits_for_health_and_prints_the_urls() {
    let bed = Bed::new();
    let services = bed.services();
    bed.set_ps("ps-1", &services, &[]); // preflight: what the stack already publishes
    bed.set_ps(
        "ps-2",
        &services,
        &[("grafana", "running", "starting"), ("loki", "created", "")],
    );
    let o = bed
        .run(&[
            "stack",
            "up",
            "--mock",
            "--min-free-gib",
            "0",
            "--timeout",
            "30",
        ])
        .await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let log = bed.log("docker");
    let up = "compose -f docker-compose.yml -f docker-compose.mock.yml up -d --remove-orphans";
    let at = |l: &str| log.iter().position(|x| x == l);
    assert!(at(up).is_some(), "{log:?}");
    assert!(at("info --format {{json .}}") < at(up), "{log:?}");
    assert!(at("compose version --short") < at(up), "{log:?}");
    let out = text(&o.stdout);
    // Not a terminal: a line per change.
    for line in [
        "grafana: starting",
        "loki: created",
        "grafana: healthy",
        "loki: healthy",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} in {out}");
    }
    assert_eq!(out.matches("prometheus: healthy").count(), 1, "{out}");
    let grafana = format!("http://127.0.0.1:{}", bed.ports["GRAFANA_PORT"]);
    let announcements = format!("http://127.0.0.1:{}", bed.ports["ANNOUNCEMENTS_PORT"]);
    assert!(
        out.contains(&grafana) && out.contains(&announcements),
        "{out}"
    );
}

#[tokio::test]
async fn up_builds_the_exporter_image_when_it_is_absent_and_only_then() {
    let bed = Bed::new();
    let image = "ghcr.io/llmmon/llmmon-exporter:0.1.0";
    let dockerfile = bed
        .stack
        .parent()
        .expect("parent")
        .canonicalize()
        .expect("canonical")
        .join("Dockerfile");
    let up = [
        "stack",
        "up",
        "--mock",
        "--min-free-gib",
        "0",
        "--timeout",
        "30",
    ];
    let o = bed.run(&up).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    let said = format!(
        "preflight: exporter image {image} not present: building it from {} (takes a few minutes)",
        dockerfile.display()
    );
    assert!(out.lines().any(|l| l == said), "{said} in {out}");
    let log = bed.log("docker");
    let compose = "compose -f docker-compose.yml -f docker-compose.mock.yml";
    let at = |l: &str| log.iter().position(|x| x == l);
    let inspect = at(&format!("image inspect --format {{{{.Id}}}} {image}"));
    let build = at(&format!("{compose} build announcements"));
    let started = at(&format!("{compose} up -d --remove-orphans"));
    assert!(inspect.is_some() && build.is_some(), "{log:?}");
    assert!(inspect < build && build < started, "{log:?}");
    assert_eq!(
        log.iter().filter(|l| l.contains(" build ")).count(),
        1,
        "one build for the one image every exporter service shares: {log:?}"
    );

    // Present: said so, and nothing is built.
    std::fs::write(bed.fake.join("images"), format!("{image}\n")).expect("images");
    std::fs::remove_file(bed.fake.join("docker.log")).expect("rm log");
    let o = bed.run(&up).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l == format!("preflight: exporter image {image} present")),
        "{out}"
    );
    assert!(
        !bed.log("docker").iter().any(|l| l.contains(" build ")),
        "{:?}",
        bed.log("docker")
    );
    // --build rebuilds a present image (an upgrade).
    let o = bed.run(&[&up[..], &["--build"]].concat()).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    assert!(
        bed.log("docker")
            .contains(&format!("{compose} build announcements")),
        "{:?}",
        bed.log("docker")
    );

    // Absent and no Dockerfile to build it from, or no buildx: refused before anything starts.
    std::fs::remove_file(bed.fake.join("images")).expect("rm images");
    std::fs::remove_file(&dockerfile).expect("rm Dockerfile");
    std::fs::remove_file(bed.fake.join("docker.log")).expect("rm log");
    let o = bed.run(&up).await;
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!(
            "preflight: exporter image {image} is not present and cannot be built: no Dockerfile at {}",
            dockerfile.display()
        )),
        "{err}"
    );
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile"),
        &dockerfile,
    )
    .expect("copy");
    bed.flag("no-buildx");
    let o = bed.run(&up).await;
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    assert!(
        err.contains("no buildx plugin") && err.contains("apt-get install docker-buildx"),
        "{err}"
    );
    assert!(
        !bed.log("docker")
            .iter()
            .any(|l| l.contains(" up ") || l.contains(" build ")),
        "{:?}",
        bed.log("docker")
    );
}

#[tokio::test]
async fn up_fleet_dry_run_adds_the_fleet_overlay_and_says_what_it_checks() {
    let bed = Bed::new();
    let url = "https://metrics.example.org/api/v1/write";
    let o = bed.run(&["stack", "up", "--dry-run", "--fleet", url]).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    let up = "docker compose -f docker-compose.yml -f docker-compose.prod.yml \
              -f docker-compose.fleet.yml up -d --remove-orphans";
    assert!(out.lines().any(|l| l == up), "{out}");
    assert!(out.contains("# fleet: the central store answers"), "{out}");
}

#[tokio::test]
async fn up_backfill_dry_run_prints_the_plan_and_needs_mock() {
    let bed = Bed::new();
    let o = bed
        .run(&["stack", "up", "--mock", "--backfill", "30d", "--dry-run"])
        .await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    let compose = "docker compose -f docker-compose.yml -f docker-compose.mock.yml";
    let lines: Vec<&str> = out.lines().collect();
    let up = lines
        .iter()
        .position(|l| *l == format!("{compose} up -d --remove-orphans"))
        .expect("up");
    let plan = lines
        .iter()
        .position(|l| l.starts_with("# backfill: 30d of simulated history (scenario normal)"))
        .expect("the backfill plan");
    assert!(up < plan, "{out}");
    assert!(
        lines[plan].contains("the last 6h at 30 s and the older part at 300 s"),
        "{out}"
    );
    let promtool = |what: &str| {
        lines
            .iter()
            .filter(|l| {
                l.starts_with("docker run --rm --network none -v ")
                    && l.contains(":/backfill:ro -v llmmon_prometheus-data:/prometheus --entrypoint promtool prom/prometheus:v3.5.0 tsdb create-blocks-from openmetrics --max-block-duration=24h /backfill/")
                    && l.contains(&format!("/backfill/{what}-"))
                    && l.ends_with(".om /prometheus")
            })
            .count()
    };
    // 30 days cut at UTC midnights and 6 h before the end: 31 or 32 files.
    let files = promtool("history");
    assert!((31..=32).contains(&files), "{files} in {out}");
    assert_eq!(promtool("rules"), files, "{out}");
    assert_eq!(
        lines
            .iter()
            .filter(|l| **l == format!("{compose} restart prometheus"))
            .count(),
        2,
        "{out}"
    );
    assert!(
        out.contains("recording rules, evaluated over the same span through http://127.0.0.1:9/api/v1/query_range"),
        "{out}"
    );
    assert!(bed.log("docker").is_empty(), "dry run ran docker");

    // Simulated history never goes into a production stack.
    let o = bed
        .run(&["stack", "up", "--backfill", "30d", "--dry-run"])
        .await;
    assert_eq!(code(&o), Some(2), "{}", context(&o));
    assert!(text(&o.stderr).contains("--mock"), "{}", context(&o));
}

/// A real Prometheus standing for the stack's: its TSDB is the fake's prometheus-data
/// volume, and the fake docker restarts it for `docker compose restart prometheus`.
struct StackPrometheus {
    script: PathBuf,
    url: String,
}

impl StackPrometheus {
    fn start(bed: &Bed) -> Self {
        let bin = require("prometheus", "prometheus");
        let port = free_port();
        let conf = bed.fake.join("prometheus.yml");
        std::fs::write(
            &conf,
            "global: {scrape_interval: 30s, evaluation_interval: 30s}\n",
        )
        .expect("config");
        let data = bed.volume("prometheus-data");
        std::fs::create_dir_all(&data).expect("mkdir");
        let pid = bed.fake.join("prometheus.pid");
        let script = bed.fake.join("prometheus.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/bash\ncase \"$1\" in\n\
                 start) setsid {bin} --config.file={conf} --storage.tsdb.path={data} \
                 --storage.tsdb.retention.time=3650d --web.listen-address=127.0.0.1:{port} \
                 </dev/null >/dev/null 2>&1 & echo $! > {pid};;\n\
                 stop) p=$(cat {pid}); kill $p; while kill -0 $p 2>/dev/null; do sleep 0.1; done;;\n\
                 esac\n",
                bin = bin.display(),
                conf = conf.display(),
                data = data.display(),
                pid = pid.display(),
            ),
        )
        .expect("script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let started = std::process::Command::new(&script)
            .arg("start")
            .status()
            .expect("start prometheus");
        assert!(started.success());
        Self {
            script,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn query(&self, q: &str, time: f64) -> Vec<Value> {
        let v = api(&format!(
            "{}/api/v1/query?query={}&time={time}",
            self.url,
            urlencode(q)
        ))
        .await;
        assert_eq!(v["status"], "success", "{q}: {v}");
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for StackPrometheus {
    fn drop(&mut self) {
        let _ = std::process::Command::new(&self.script)
            .arg("stop")
            .status();
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_backfill_fills_prometheus_with_history_and_recorded_series() {
    let bed = Bed::new();
    require("promtool", "prometheus");
    let prom = StackPrometheus::start(&bed);
    wait_ready(&prom.url, "prometheus", Duration::from_secs(30)).await;
    bed.configure(&prom.url, "http://127.0.0.1:9", &bed.fake.join("out"), 14);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64();
    let o = bed
        .run(&[
            "stack",
            "up",
            "--mock",
            "--backfill",
            "1h",
            "--min-free-gib",
            "0",
            "--timeout",
            "30",
        ])
        .await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    // An hour ending when the stack started: all at the scrape interval, 120 scrapes.
    let end = (before / 30.0).floor() * 30.0;
    assert!(
        out.contains("backfill: 1h of history in ") && out.contains("backfill done: "),
        "{out}"
    );
    let log = bed.log("docker");
    let promtool: Vec<&String> = log
        .iter()
        .filter(|l| {
            l.contains(
                "--entrypoint promtool prom/prometheus:v3.5.0 tsdb create-blocks-from openmetrics",
            )
        })
        .collect();
    let history = promtool
        .iter()
        .filter(|l| l.contains("/backfill/history-"))
        .count();
    let rules = promtool
        .iter()
        .filter(|l| l.contains("/backfill/rules-"))
        .count();
    assert!((1..=2).contains(&history) && rules == history, "{log:?}");
    let compose = "compose -f docker-compose.yml -f docker-compose.mock.yml";
    let at = |l: &str| log.iter().position(|x| x == l);
    let restart = format!("{compose} restart prometheus");
    assert_eq!(log.iter().filter(|l| **l == restart).count(), 2, "{log:?}");
    assert!(
        at(&format!("{compose} up -d --remove-orphans")) < at(&restart),
        "{log:?}"
    );
    // The scratch directory is gone.
    let left: Vec<_> = std::fs::read_dir(&bed.stack)
        .expect("ls")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".llmmon-backfill-")
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // Prometheus has every scrape of the hour, and the recorded series over it.
    let count = |rows: Vec<Value>| {
        rows.first()
            .and_then(|r| r["value"][1].as_str())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let q = "count_over_time(up{job=\"vllm\",instance=\"vllm-exporter:9902\"}[1h])";
    assert_eq!(count(prom.query(q, end - 1.0).await), Some(120.0), "{q}");
    let q = "count_over_time(up{job=\"litellm-proxy\"}[1h])";
    assert_eq!(count(prom.query(q, end - 1.0).await), Some(120.0), "{q}");
    for rule in [
        "instance:node_cpu_utilisation:rate5m",
        "model:llm_monitor_vllm_time_to_first_token_seconds:p95_rate5m",
        "requested_model:litellm_request_total_latency_metric:p95_rate5m",
    ] {
        let q = format!("max(count_over_time({rule}[1h]))");
        let n = count(prom.query(&q, end - 1.0).await);
        // Every instant but the first few, whose windows reach before the history.
        assert!(
            n.is_some_and(|n| (100.0..=120.0).contains(&n)),
            "{q}: {n:?}"
        );
    }
}

#[tokio::test]
async fn up_times_out_naming_the_unhealthy_services() {
    let bed = Bed::new();
    bed.set_ps(
        "ps",
        &bed.services(),
        &[
            ("loki", "running", "unhealthy"),
            ("alloy", "restarting", ""),
        ],
    );
    let o = bed
        .run(&["stack", "up", "--min-free-gib", "0", "--timeout", "1"])
        .await;
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    assert!(
        err.contains("not healthy after 1 s: alloy (restarting), loki (unhealthy)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[tokio::test]
async fn preflight_reports_every_failure_at_once_and_starts_nothing() {
    let bed = Bed::new();
    bed.flag("no-nvidia");
    bed.write_env("changeme");
    let taken =
        std::net::TcpListener::bind(("127.0.0.1", bed.ports["GRAFANA_PORT"])).expect("bind");
    let o = bed.run(&["stack", "up", "--min-free-gib", "0"]).await;
    drop(taken);
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    let preflight: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("preflight: "))
        .collect();
    assert_eq!(preflight.len(), 3, "{err}");
    assert!(
        preflight[0].contains("no `nvidia` runtime") && preflight[0].contains("nvidia-ctk"),
        "{err}"
    );
    assert!(
        preflight
            .iter()
            .any(|l| l.contains("GRAFANA_ADMIN_PASSWORD") && l.contains("default")),
        "{err}"
    );
    let port = format!(
        "port {} (grafana) on 127.0.0.1 is in use",
        bed.ports["GRAFANA_PORT"]
    );
    assert!(
        preflight
            .iter()
            .any(|l| l.contains(&port) && l.contains("GRAFANA_PORT")),
        "{err}"
    );
    assert!(err.contains("llmmon: 3 preflight checks failed"), "{err}");
    assert!(!err.contains("changeme"), "password shown: {err}");
    assert!(
        !bed.log("docker").iter().any(|l| l.contains(" up ")),
        "started anyway"
    );

    // With --mock the NVIDIA runtime is not needed; a huge free-space demand fails.
    bed.write_env(PASSWORD);
    let o = bed
        .run(&["stack", "up", "--mock", "--min-free-gib", "999999999"])
        .await;
    let err = text(&o.stderr);
    assert_eq!(
        err.lines().filter(|l| l.starts_with("preflight: ")).count(),
        1,
        "{err}"
    );
    assert!(
        err.contains("GiB free") && err.contains("999999999 GiB"),
        "{err}"
    );
}

#[tokio::test]
async fn preflight_names_a_missing_env_compose_v2_and_engine() {
    let bed = Bed::new();
    std::fs::remove_file(bed.stack.join(".env")).expect("rm .env");
    bed.flag("no-compose");
    let o = bed.run(&["stack", "up", "--min-free-gib", "0"]).await;
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    assert!(
        err.contains("Docker Compose v2 is missing") && err.contains("docker-compose-plugin"),
        "{err}"
    );
    assert!(
        err.contains(".env is missing") && err.contains("cp .env.example .env"),
        "{err}"
    );
    bed.flag("no-engine");
    let o = bed
        .run(&["stack", "up", "--mock", "--min-free-gib", "0"])
        .await;
    let err = text(&o.stderr);
    assert!(
        err.contains("preflight: Docker engine not reachable")
            && err.contains("systemctl start docker"),
        "{err}"
    );
    assert!(
        !err.contains("Compose v2"),
        "compose is not asked without an engine: {err}"
    );
}

#[tokio::test]
async fn preflight_names_each_missing_secret_of_production_and_mock_needs_none() {
    let bed = Bed::new();
    let mut env = format!(
        "LLMMON_BIND_ADDRESS=127.0.0.1\nGRAFANA_ADMIN_PASSWORD={PASSWORD}\nLITELLM_MASTER_KEY=\n\
         LANGFUSE_SECRET_KEY={}\n",
        SECRETS[1].1
    );
    for (var, port) in &bed.ports {
        env += &format!("{var}={port}\n");
    }
    std::fs::write(bed.stack.join(".env"), env).expect("write .env");
    let o = bed.run(&["stack", "up", "--min-free-gib", "0"]).await;
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    let preflight: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("preflight: "))
        .collect();
    let env_path = bed.stack.join(".env");
    for (var, state) in [
        ("VLLM_API_KEY", "missing from"),
        ("LITELLM_MASTER_KEY", "empty in"),
        ("LANGFUSE_PUBLIC_KEY", "missing from"),
        ("LLMMON_ANNOUNCEMENTS_TOKEN", "missing from"),
    ] {
        let want = format!(
            "preflight: {var} is {state} {} (docker-compose.prod.yml requires it): ",
            env_path.display()
        );
        assert!(
            preflight.iter().any(|l| l.starts_with(&want)),
            "{want} in {err}"
        );
    }
    assert!(
        preflight
            .iter()
            .any(|l| l.ends_with("LiteLLM's master key (admin API and its /metrics)")),
        "says what it is: {err}"
    );
    assert_eq!(preflight.len(), 4, "LANGFUSE_SECRET_KEY is set: {err}");
    assert!(err.contains("llmmon: 4 preflight checks failed"), "{err}");
    assert!(
        !bed.log("docker").iter().any(|l| l.contains(" up ")),
        "started anyway"
    );

    // One set in the environment instead of .env counts, as it does for Compose.
    let o = bed
        .command(&["stack", "up", "--min-free-gib", "0"])
        .env("LANGFUSE_PUBLIC_KEY", SECRETS[0].1)
        .output()
        .await
        .expect("run");
    let err = text(&o.stderr);
    assert!(!err.contains("LANGFUSE_PUBLIC_KEY"), "{err}");
    assert!(err.contains("llmmon: 3 preflight checks failed"), "{err}");

    // The mock stack reads no secret.
    let o = bed
        .run(&[
            "stack",
            "up",
            "--mock",
            "--min-free-gib",
            "0",
            "--timeout",
            "30",
        ])
        .await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
}

#[tokio::test]
async fn down_dry_run_prints_the_command_and_stops_nothing() {
    let bed = Bed::new();
    let o = bed.run(&["stack", "down", "--dry-run"]).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("cd ") && lines[0].ends_with("/stack"),
        "{out}"
    );
    // The fake's `compose ls` says the stack runs with the production overlay.
    assert_eq!(
        lines[1],
        "docker compose -f docker-compose.yml -f docker-compose.prod.yml down --remove-orphans"
    );
    assert_eq!(
        bed.log("docker"),
        ["compose ls --all --format json"],
        "only the read-only question"
    );
}

#[tokio::test]
async fn restart_validates_the_service_and_down_keeps_volumes() {
    let bed = Bed::new();
    let o = bed.run(&["stack", "restart", "prometheus"]).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let o = bed.run(&["stack", "restart", "prometheos"]).await;
    assert_eq!(code(&o), Some(2), "{}", context(&o));
    assert!(
        text(&o.stderr).contains("no service 'prometheos'"),
        "{}",
        context(&o)
    );
    let o = bed.run(&["stack", "down"]).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let log = bed.log("docker");
    let compose = "compose -f docker-compose.yml -f docker-compose.prod.yml";
    assert!(
        log.contains(&format!("{compose} restart prometheus")),
        "{log:?}"
    );
    assert!(
        log.contains(&format!("{compose} down --remove-orphans")),
        "{log:?}"
    );
    assert!(!log.iter().any(|l| l.contains("prometheos")), "{log:?}");
}

#[tokio::test]
async fn install_service_writes_the_unit_and_enables_it() {
    let bed = Bed::new();
    std::fs::create_dir_all(bed.fake.join("units")).expect("mkdir");
    let o = bed.run(&["stack", "install-service", "--mock"]).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let unit = std::fs::read_to_string(bed.fake.join("units/llmmon-stack.service")).expect("unit");
    let dir = bed.stack.canonicalize().expect("canonical");
    assert!(
        unit.contains(&format!("\nWorkingDirectory={}\n", dir.display())),
        "{unit}"
    );
    assert!(
        unit.contains("\nEnvironment=COMPOSE_FILE=docker-compose.yml:docker-compose.mock.yml\n"),
        "{unit}"
    );
    let docker = bed.fake.join("bin/docker");
    assert!(
        unit.contains(&format!("ExecStart={} compose up -d", docker.display())),
        "{unit}"
    );
    assert_eq!(
        bed.log("systemctl"),
        ["daemon-reload", "enable --now llmmon-stack.service"]
    );

    let o = bed.run(&["stack", "uninstall-service"]).await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    assert!(!bed.fake.join("units/llmmon-stack.service").exists());
    assert_eq!(
        bed.log("systemctl")[2..],
        ["disable --now llmmon-stack.service", "daemon-reload"]
    );
}

// ------------------------------------------------------------------ fake Grafana

#[derive(Default)]
struct GrafanaState {
    folders: Vec<Value>,
    datasources: Vec<Value>,
    /// uid → `/api/dashboards/uid` answer.
    dashboards: BTreeMap<String, Value>,
    posted: Vec<Value>,
}

type Shared = Arc<Mutex<GrafanaState>>;

fn seed_grafana() -> GrafanaState {
    let costs = json!({
        "id": 7, "uid": "team-costs", "title": "Team costs", "version": 3, "schemaVersion": 41,
        "tags": ["cost"], "timezone": "browser",
        "panels": [{"id": 1, "type": "timeseries", "title": "Spend by team",
                    "datasource": {"type": "prometheus", "uid": "prometheus"},
                    "targets": [{"refId": "A", "expr": "sum by (team) (rate(llm_monitor_litellm_spend_usd_total[5m]))"}],
                    "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}}],
        "templating": {"list": []}, "time": {"from": "now-6h", "to": "now"}
    });
    let fleet =
        json!({"id": 1, "uid": "llmmon-fleet", "title": "Fleet", "version": 1, "panels": []});
    let meta = |folder: &str, provisioned: bool| {
        json!({"type": "db", "canSave": true, "canEdit": true, "slug": "x", "url": "/d/x/x",
               "expires": "0001-01-01T00:00:00Z", "created": "2025-06-01T10:00:00Z",
               "updated": "2025-06-01T10:00:00Z", "version": 3, "hasAcl": false,
               "isFolder": false, "folderId": 0, "folderUid": folder, "folderTitle": "Ops",
               "provisioned": provisioned, "provisionedExternalId": ""})
    };
    GrafanaState {
        folders: vec![json!({"id": 4, "uid": "ops", "title": "Ops"})],
        datasources: vec![
            json!({"id": 1, "uid": "prometheus", "orgId": 1, "name": "Prometheus", "type": "prometheus",
                   "typeName": "Prometheus", "typeLogoUrl": "", "access": "proxy",
                   "url": "http://prometheus:9090", "user": "", "database": "", "basicAuth": false,
                   "isDefault": true, "jsonData": {"httpMethod": "POST"}, "readOnly": true}),
            json!({"id": 5, "uid": "team-db", "orgId": 1, "name": "Team DB", "type": "postgres",
                   "typeName": "PostgreSQL", "typeLogoUrl": "", "access": "proxy",
                   "url": "db:5432", "user": "grafana", "database": "teams", "basicAuth": false,
                   "isDefault": false, "jsonData": {"sslmode": "disable"}, "readOnly": false}),
        ],
        dashboards: BTreeMap::from([
            (
                "team-costs".to_owned(),
                json!({"dashboard": costs, "meta": meta("ops", false)}),
            ),
            (
                "llmmon-fleet".to_owned(),
                json!({"dashboard": fleet, "meta": meta("", true)}),
            ),
        ]),
        posted: Vec::new(),
    }
}

async fn start_grafana(state: Shared) -> String {
    use axum::extract::{Path as P, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::{get, post, put};
    use axum::{Json, Router};

    type Reply = (StatusCode, Json<Value>);
    let auth = format!("Basic {}", BASE64.encode(format!("admin:{PASSWORD}")));
    let ok = move |h: &HeaderMap| {
        h.get("authorization").and_then(|v| v.to_str().ok()) == Some(auth.as_str())
    };
    let denied = || {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Invalid username or password"})),
        )
    };
    let guard = {
        let ok = ok.clone();
        move |h: &HeaderMap, f: &dyn Fn() -> Reply| if ok(h) { f() } else { denied() }
    };
    let g = guard.clone();
    let folders = move |State(s): State<Shared>, h: HeaderMap| async move {
        g(&h, &|| {
            (StatusCode::OK, Json(json!(s.lock().expect("lock").folders)))
        })
    };
    let g = guard.clone();
    let new_folder = move |State(s): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
        g(&h, &|| {
            let mut st = s.lock().expect("lock");
            if st.folders.iter().any(|f| f["uid"] == b["uid"]) {
                return (
                    StatusCode::CONFLICT,
                    Json(json!({"message": "a folder with the same uid already exists"})),
                );
            }
            st.folders
                .push(json!({"id": 40, "uid": b["uid"], "title": b["title"]}));
            (
                StatusCode::OK,
                Json(json!({"id": 40, "uid": b["uid"], "title": b["title"]})),
            )
        })
    };
    let g = guard.clone();
    let datasources = move |State(s): State<Shared>, h: HeaderMap| async move {
        g(&h, &|| {
            (
                StatusCode::OK,
                Json(json!(s.lock().expect("lock").datasources)),
            )
        })
    };
    let g = guard.clone();
    let put_ds = move |State(s): State<Shared>,
                       h: HeaderMap,
                       P(uid): P<String>,
                       Json(b): Json<Value>| async move {
        g(&h, &|| {
            let mut st = s.lock().expect("lock");
            match st.datasources.iter_mut().find(|d| d["uid"] == uid.as_str()) {
                Some(d) => {
                    *d = b.clone();
                    (
                        StatusCode::OK,
                        Json(json!({"message": "Datasource updated"})),
                    )
                }
                None => (
                    StatusCode::NOT_FOUND,
                    Json(json!({"message": "Data source not found"})),
                ),
            }
        })
    };
    let g = guard.clone();
    let post_ds = move |State(s): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
        g(&h, &|| {
            s.lock().expect("lock").datasources.push(b.clone());
            (
                StatusCode::OK,
                Json(json!({"message": "Datasource added", "id": 9})),
            )
        })
    };
    let g = guard.clone();
    let search = move |State(s): State<Shared>, h: HeaderMap| async move {
        g(&h, &|| {
            let hits: Vec<Value> = s
                .lock()
                .expect("lock")
                .dashboards
                .values()
                .map(|d| {
                    json!({"id": d["dashboard"]["id"], "uid": d["dashboard"]["uid"],
                                "title": d["dashboard"]["title"], "uri": "db/x", "url": "/d/x",
                                "slug": "", "type": "dash-db", "tags": [], "isStarred": false,
                                "folderUid": d["meta"]["folderUid"], "sortMeta": 0})
                })
                .collect();
            (StatusCode::OK, Json(json!(hits)))
        })
    };
    let g = guard.clone();
    let dashboard = move |State(s): State<Shared>, h: HeaderMap, P(uid): P<String>| async move {
        g(&h, &|| match s.lock().expect("lock").dashboards.get(&uid) {
            Some(d) => (StatusCode::OK, Json(d.clone())),
            None => (
                StatusCode::NOT_FOUND,
                Json(json!({"message": "Dashboard not found"})),
            ),
        })
    };
    let g = guard.clone();
    let save = move |State(s): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
        g(&h, &|| {
            let mut st = s.lock().expect("lock");
            st.posted.push(b.clone());
            let uid = b["dashboard"]["uid"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mut dash = b["dashboard"].clone();
            dash["id"] = json!(70);
            let meta = json!({"folderUid": b["folderUid"].as_str().unwrap_or_default(), "provisioned": false});
            st.dashboards
                .insert(uid.clone(), json!({"dashboard": dash, "meta": meta}));
            (
                StatusCode::OK,
                Json(json!({"id": 70, "uid": uid, "status": "success", "version": 4})),
            )
        })
    };
    let app = Router::new()
        .route(
            "/api/health",
            get(|| async { Json(json!({"database": "ok", "version": "12.2.1"})) }),
        )
        .route("/api/folders", get(folders).post(new_folder))
        .route("/api/datasources", get(datasources).post(post_ds))
        .route("/api/datasources/uid/{uid}", put(put_ds))
        .route("/api/search", get(search))
        .route("/api/dashboards/uid/{uid}", get(dashboard))
        .route("/api/dashboards/db", post(save))
        .with_state(state);
    let url = format!("http://{}", support::serve(app).await);
    url
}

// ------------------------------------------------------------------ real Prometheus

/// Prometheus with the admin API, its TSDB in `data`, scraping itself and a target that is
/// down, with one alert always firing.
async fn start_prometheus(data: &Path, conf: &Path) -> (Proc, String) {
    let bin = require("prometheus", "prometheus");
    let port = free_port();
    std::fs::create_dir_all(conf).expect("mkdir");
    std::fs::write(
        conf.join("rules.yml"),
        "groups:\n  - name: test\n    rules:\n      - alert: AlwaysFiring\n        expr: vector(1)\n\
         \x20       labels: {severity: warning}\n        annotations: {summary: test alert}\n",
    )
    .expect("rules");
    let config = format!(
        "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
         rule_files: [{}]\nscrape_configs:\n\
         \x20 - job_name: prometheus\n    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n\
         \x20 - job_name: gone\n    static_configs: [{{targets: ['127.0.0.1:{}']}}]\n",
        conf.join("rules.yml").display(),
        free_port()
    );
    std::fs::write(conf.join("prometheus.yml"), config).expect("config");
    let child = std::process::Command::new(bin)
        .arg(format!(
            "--config.file={}",
            conf.join("prometheus.yml").display()
        ))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--web.enable-admin-api")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start prometheus");
    let url = format!("http://127.0.0.1:{port}");
    let proc = Proc(child);
    wait_ready(&url, "prometheus", Duration::from_secs(30)).await;
    (proc, url)
}

async fn api(url: &str) -> Value {
    reqwest::get(url)
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

/// Every series' samples between `start` and `end` (1 s steps), sorted.
async fn samples(base: &str, start: f64, end: f64) -> Vec<Value> {
    let v: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/query_range"))
        .query(&[
            ("query", "{__name__=~\".+\"}".to_owned()),
            ("start", format!("{start:.3}")),
            ("end", format!("{end:.3}")),
            ("step", "1".to_owned()),
        ])
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("JSON");
    assert_eq!(v["status"], "success", "{v}");
    let mut rows = v["data"]["result"].as_array().cloned().unwrap_or_default();
    rows.sort_by_key(|r| r["metric"].to_string());
    rows
}

/// The files of an archive: path → content.
fn archive_files(path: &Path) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(path).expect("open archive");
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
    let mut out = BTreeMap::new();
    for entry in tar.entries().expect("entries") {
        let mut entry = entry.expect("entry");
        let name = entry.path().expect("path").to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        out.insert(name, data);
    }
    out
}

fn write_archive(path: &Path, files: &BTreeMap<String, Vec<u8>>) {
    let file = std::fs::File::create(path).expect("create");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::fast(),
    ));
    for (name, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o600);
        header.set_cksum();
        tar.append_data(&mut header, name, data.as_slice())
            .expect("append");
    }
    tar.into_inner().expect("tar").finish().expect("gzip");
}

fn ours(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("ls") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under")
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// Two announcements, a status set by hand and a subscription, written through the
/// announcements service's own store into `dir`; the state they make.
fn announce_into(dir: &std::path::Path) -> State {
    let store = Store::open(dir).expect("store");
    let now = chrono::Utc::now();
    let drafts = [
        Draft {
            title: Some("GPU 3 swap".into()),
            kind: Some(Kind::Maintenance),
            starts_at: Some(now),
            ..Draft::default()
        },
        Draft {
            title: Some("llama-2 goes".into()),
            kind: Some(Kind::Deprecation),
            models: Some(vec!["llama-2-70b".into()]),
            ..Draft::default()
        },
    ];
    for d in drafts {
        store
            .commit(|s| {
                let a = d
                    .create(s.next_announcement_id(), now, "ops")
                    .map_err(|_| ())?;
                Ok::<_, ()>((vec![Event::Put { announcement: a }], ()))
            })
            .map_err(|_| "commit")
            .expect("commit");
    }
    store
        .commit(|_| {
            Ok::<_, ()>((
                vec![Event::Status {
                    status: ServiceStatus {
                        service: "litellm".into(),
                        status: Health::Degraded,
                        note: "slow".into(),
                        source: "manual".into(),
                        updated_at: now,
                    },
                }],
                (),
            ))
        })
        .map_err(|_| "commit")
        .expect("commit");
    let state = store.state().expect("state");
    assert_eq!(state.announcements.len(), 2);
    state
}

/// A stack worth backing up, its backup directory keeping 2 archives: a real Prometheus
/// ([`start_prometheus`]: a down target, an alert always firing) in its volume, the fake
/// Grafana with a hand-made dashboard, folder and datasource ([`seed_grafana`]), the
/// announcements store written by the service's own code ([`announce_into`]), data in every
/// other volume, and in the backup directory two old archives of ours, a manual one and a
/// file that is not ours.
struct Backed {
    bed: Bed,
    /// Dropped for the wipe.
    prom: Option<Proc>,
    prom_url: String,
    prom_data: PathBuf,
    grafana: Shared,
    backups: PathBuf,
    /// The announcements store's state as written.
    announced: State,
    /// The other volumes' files, path → content, as written.
    before: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>,
}

impl Backed {
    async fn new() -> Self {
        let bed = Bed::new();
        let prom_data = bed.volume("prometheus-data");
        let (prom, prom_url) = start_prometheus(&prom_data, &bed.fake.join("prom-conf")).await;
        let grafana: Shared = Arc::new(Mutex::new(seed_grafana()));
        let grafana_url = start_grafana(grafana.clone()).await;
        let backups = bed.fake.join("backups");
        std::fs::create_dir_all(&backups).expect("mkdir");
        bed.configure(&prom_url, &grafana_url, &backups, 2);

        // The announcements store as the service writes it (its real store, in its volume).
        let announced = announce_into(&bed.volume("announcements-data"));
        // The other volumes, with data.
        for (vol, file, data) in [
            (
                "grafana-data",
                "grafana.db",
                (0..=255u8).cycle().take(5000).collect(),
            ),
            ("grafana-data", "plugins/x/plugin.json", b"{}".to_vec()),
            ("loki-data", "chunks/fake/0001", b"chunk".to_vec()),
            ("alertmanager-data", "silences", b"silence".to_vec()),
        ] {
            let path = bed.volume(vol).join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, data).expect("write");
        }
        let before: BTreeMap<&str, _> = [
            "announcements-data",
            "grafana-data",
            "loki-data",
            "alertmanager-data",
        ]
        .into_iter()
        .map(|v| (v, tree(&bed.volume(v))))
        .collect();
        // Old archives of ours, and files that are not ours.
        for name in [
            "llmmon-backup-20200101T000000Z.tar.gz",
            "llmmon-backup-20200102T000000Z.tar.gz",
            "llmmon-backup-manual.tar.gz",
            "notes.tar.gz",
        ] {
            std::fs::write(backups.join(name), b"old").expect("write");
        }
        Self {
            bed,
            prom: Some(prom),
            prom_url,
            prom_data,
            grafana,
            backups,
            announced,
            before,
        }
    }

    /// Waits until Prometheus has scraped both targets and the alert fires, then 2 s more.
    async fn scraped(&self) {
        let ready = wait_for(Duration::from_secs(20), || {
            let url = self.prom_url.clone();
            async move {
                let alerts = api(&format!("{url}/api/v1/alerts")).await;
                let firing = alerts["data"]["alerts"]
                    .as_array()
                    .is_some_and(|a| a.iter().any(|x| x["state"] == "firing"));
                let targets = api(&format!("{url}/api/v1/targets")).await;
                let scraped = targets["data"]["activeTargets"]
                    .as_array()
                    .is_some_and(|t| t.len() == 2 && t.iter().all(|x| x["health"] != "unknown"));
                (firing && scraped).then_some(())
            }
        })
        .await;
        assert!(ready.is_some(), "prometheus scraped and the alert fired");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }

    /// Runs `llmmon stack backup`, expects exit 0; the new archive.
    async fn backup(&self) -> PathBuf {
        let o = self.bed.run(&["stack", "backup"]).await;
        assert_eq!(code(&o), Some(0), "{}", context(&o));
        let left = ours(&self.backups);
        self.backups.join(
            left.iter()
                .find(|n| n.starts_with("llmmon-backup-2") && !n.starts_with("llmmon-backup-2020"))
                .expect("new archive"),
        )
    }

    /// Wipes the stack (Prometheus gone with its data, every volume emptied, Grafana loses
    /// what was made by hand, .env only has the password), then runs `llmmon stack restore
    /// --yes` of `archive` and expects exit 0.
    async fn wipe_and_restore(&mut self, archive: &Path) {
        drop(self.prom.take());
        for v in [
            "prometheus-data",
            "announcements-data",
            "grafana-data",
            "loki-data",
            "alertmanager-data",
        ] {
            std::fs::remove_dir_all(self.bed.volume(v)).expect("wipe");
            std::fs::create_dir_all(self.bed.volume(v)).expect("mkdir");
        }
        {
            let mut g = self.grafana.lock().expect("lock");
            g.folders.clear();
            g.datasources.retain(|d| d["readOnly"] == true);
            g.dashboards.retain(|_, d| d["meta"]["provisioned"] == true);
        }
        std::fs::write(
            self.bed.stack.join(".env"),
            format!("GRAFANA_ADMIN_PASSWORD={PASSWORD}\n"),
        )
        .expect("env");
        let o = self
            .bed
            .run(&["stack", "restore", "--yes", &archive.display().to_string()])
            .await;
        assert_eq!(code(&o), Some(0), "{}", context(&o));
    }
}

/// The Compose files of the production stack, as `stack` passes them.
const PROD_COMPOSE: &str = "compose -f docker-compose.yml -f docker-compose.prod.yml";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_healthy_services_the_down_target_and_the_firing_alert_and_exits_3() {
    let s = Backed::new().await;
    s.scraped().await;
    let bed = &s.bed;
    // stack status: services healthy, target `gone` down (exit 3), the alert listed.
    let o = bed.run(&["--json", "stack", "status"]).await;
    assert_eq!(code(&o), Some(3), "{}", context(&o));
    let status: Value = serde_json::from_slice(&o.stdout).expect("status JSON");
    assert_eq!(status["ok"], false);
    assert_eq!(
        status["services"].as_array().map(Vec::len),
        Some(bed.services().len())
    );
    assert!(
        status["services"]
            .as_array()
            .expect("services")
            .iter()
            .all(|s| s["ok"] == true),
        "{status}"
    );
    let targets = status["targets"].as_array().expect("targets");
    assert!(
        targets
            .iter()
            .any(|t| t["job"] == "gone" && t["health"] == "down"),
        "{status}"
    );
    assert!(
        targets
            .iter()
            .any(|t| t["job"] == "prometheus" && t["health"] == "up"),
        "{status}"
    );
    assert_eq!(status["alerts"][0]["alertname"], "AlwaysFiring", "{status}");
    assert_eq!(status["alerts"][0]["severity"], "warning", "{status}");
    assert_eq!(
        status["problems"].as_array().map(Vec::len),
        Some(1),
        "{status}"
    );
    let o = bed.run(&["stack", "status"]).await;
    let out = text(&o.stdout);
    assert!(
        out.contains("AlwaysFiring") && out.contains("down gone"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_keeps_the_newest_archives_of_its_own_and_leaves_other_files_alone() {
    let s = Backed::new().await;
    s.backup().await;
    let left = ours(&s.backups);
    assert_eq!(left.len(), 4, "{left:?}");
    assert!(
        !left.contains(&"llmmon-backup-20200101T000000Z.tar.gz".to_owned()),
        "{left:?}"
    );
    for kept in [
        "llmmon-backup-20200102T000000Z.tar.gz",
        "llmmon-backup-manual.tar.gz",
        "notes.tar.gz",
    ] {
        assert!(left.contains(&kept.to_owned()), "{kept} in {left:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_is_private_and_its_manifest_lists_every_file_with_size_and_sha256() {
    let s = Backed::new().await;
    let archive = s.backup().await;
    let mode = std::fs::metadata(&archive)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let files = archive_files(&archive);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).expect("manifest");
    assert_eq!(manifest["version"], 1);
    assert!(manifest["host"].as_str().is_some_and(|h| !h.is_empty()));
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    for want in [
        "env/.env",
        "grafana/datasources.json",
        "grafana/folders.json",
        "grafana/dashboards/team-costs.json",
        "grafana/dashboards/llmmon-fleet.json",
        "volumes/prometheus-data.tar",
        "volumes/grafana-data.tar",
        "volumes/loki-data.tar",
        "volumes/alertmanager-data.tar",
        "volumes/announcements-data.tar",
    ] {
        assert!(listed.contains(&want), "{want} in {listed:?}");
    }
    for f in manifest["files"].as_array().expect("files") {
        let path = f["path"].as_str().expect("path");
        assert_eq!(f["size"].as_u64(), Some(files[path].len() as u64), "{path}");
        assert_eq!(f["sha256"].as_str().map(str::len), Some(64), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_blanks_the_secrets_unless_include_secrets_asks_for_them() {
    let s = Backed::new().await;
    let bed = &s.bed;
    let files = archive_files(&s.backup().await);
    let env = text(&files["env/.env"]);
    assert!(
        !env.contains(PASSWORD) && !env.contains(MASTER_KEY),
        "{env}"
    );
    assert!(
        env.contains("\nGRAFANA_ADMIN_PASSWORD=\n") && env.contains("\nLITELLM_MASTER_KEY=\n"),
        "{env}"
    );
    assert!(
        env.contains(&format!("GRAFANA_PORT={}", bed.ports["GRAFANA_PORT"])),
        "{env}"
    );
    for bytes in files.values() {
        let all = String::from_utf8_lossy(bytes);
        assert!(
            !all.contains(PASSWORD) && !all.contains(MASTER_KEY),
            "a secret is in the archive"
        );
    }

    // --include-secrets keeps them (elsewhere: two archives in one second share a name).
    let with_secrets = bed.fake.join("with-secrets");
    let out_arg = with_secrets.display().to_string();
    let o = bed
        .run(&["stack", "backup", "--include-secrets", "--output", &out_arg])
        .await;
    assert_eq!(code(&o), Some(0), "{}", context(&o));
    let secret_archive = with_secrets.join(&ours(&with_secrets)[0]);
    let env = text(&archive_files(&secret_archive)["env/.env"]);
    assert!(
        env.contains(&format!("GRAFANA_ADMIN_PASSWORD={PASSWORD}")),
        "secrets kept"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_stops_the_services_it_copies_starts_them_again_and_removes_its_snapshot() {
    let s = Backed::new().await;
    s.backup().await;
    assert!(
        !s.prom_data
            .join("snapshots")
            .read_dir()
            .expect("ls")
            .any(|_| true),
        "the snapshot was removed from the volume"
    );
    let log = s.bed.log("docker");
    assert!(
        log.contains(&format!(
            "{PROD_COMPOSE} stop alertmanager announcements grafana loki"
        )),
        "{log:?}"
    );
    assert!(
        log.contains(&format!(
            "{PROD_COMPOSE} start alertmanager announcements grafana loki"
        )),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_tampered_or_incomplete_archive_or_no_confirmation_and_runs_nothing() {
    let s = Backed::new().await;
    let bed = &s.bed;
    let archive = s.backup().await;
    let files = archive_files(&archive);
    // A tampered archive, or one missing a file, is refused before anything changes.
    let log_len = bed.log("docker").len();
    let mut tampered = files.clone();
    tampered
        .get_mut("volumes/announcements-data.tar")
        .expect("tar")
        .push(0);
    let bad = bed.fake.join("tampered.tar.gz");
    write_archive(&bad, &tampered);
    let o = bed
        .run(&["stack", "restore", "--yes", &bad.display().to_string()])
        .await;
    assert_eq!(code(&o), Some(1), "{}", context(&o));
    let err = text(&o.stderr);
    assert!(
        err.contains("volumes/announcements-data.tar does not match its SHA-256"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let mut missing = files.clone();
    missing.remove("grafana/folders.json");
    write_archive(&bad, &missing);
    let o = bed
        .run(&["stack", "restore", "--yes", &bad.display().to_string()])
        .await;
    assert!(
        text(&o.stderr).contains("grafana/folders.json is missing"),
        "{}",
        context(&o)
    );
    assert_eq!(
        bed.log("docker").len(),
        log_len,
        "nothing ran for a bad archive"
    );
    // Without --yes and without a terminal: refused.
    let o = bed
        .run(&["stack", "restore", &archive.display().to_string()])
        .await;
    assert_eq!(code(&o), Some(2), "{}", context(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_after_a_wipe_brings_back_every_volume_the_env_and_grafana() {
    let mut s = Backed::new().await;
    let archive = s.backup().await;
    let original = seed_grafana();
    s.wipe_and_restore(&archive).await;
    let bed = &s.bed;
    let log = bed.log("docker");
    let services = "alertmanager announcements grafana loki prometheus";
    assert!(
        log.contains(&format!("{PROD_COMPOSE} stop {services}")),
        "{log:?}"
    );
    assert!(
        log.contains(&format!("{PROD_COMPOSE} up -d {services}")),
        "{log:?}"
    );

    // Volumes byte for byte, and the announcements store reads back the same.
    for (vol, files) in &s.before {
        assert_eq!(&tree(&bed.volume(vol)), files, "volume {vol}");
    }
    let restored = Store::open(&bed.volume("announcements-data"))
        .and_then(|s| s.state())
        .expect("restored store opens");
    assert_eq!(restored, s.announced);
    // .env: values back, the password not blanked, the key still blank.
    let env = std::fs::read_to_string(bed.stack.join(".env")).expect("env");
    assert!(
        env.contains(&format!("\nGRAFANA_ADMIN_PASSWORD={PASSWORD}\n")),
        "{env}"
    );
    assert!(
        env.contains(&format!("GRAFANA_PORT={}", bed.ports["GRAFANA_PORT"])),
        "{env}"
    );
    assert!(env.contains("\nLITELLM_MASTER_KEY=\n"), "{env}");
    // Grafana: the hand-made dashboard re-posted identical, into its folder; the
    // provisioned one left alone; folder and datasource back.
    let g = s.grafana.lock().expect("lock");
    assert_eq!(
        g.posted.len(),
        1,
        "only the non-provisioned dashboard is posted"
    );
    let posted = &g.posted[0];
    assert_eq!(posted["overwrite"], true);
    assert_eq!(posted["folderUid"], "ops");
    let mut want = original.dashboards["team-costs"]["dashboard"].clone();
    want["id"] = Value::Null;
    assert_eq!(posted["dashboard"], want);
    assert_eq!(g.folders.len(), 1);
    assert_eq!(g.folders[0]["uid"], "ops");
    let team_db = g
        .datasources
        .iter()
        .find(|d| d["uid"] == "team-db")
        .expect("datasource back");
    assert_eq!(team_db["database"], "teams");
    assert_eq!(team_db["jsonData"], original.datasources[1]["jsonData"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_after_a_wipe_gives_a_fresh_prometheus_every_sample_it_had() {
    let mut s = Backed::new().await;
    s.scraped().await;
    // What Prometheus holds now, up to a moment before the backup.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
        .floor();
    let (start, end) = (now - 5.0, now - 1.0);
    // Scrapes due before `end` are stored by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let series_before = samples(&s.prom_url, start, end).await;
    assert!(series_before.len() > 50, "prometheus has its own series");
    let archive = s.backup().await;
    s.wipe_and_restore(&archive).await;

    // A fresh Prometheus on the restored volume has the same samples.
    let restored = Prometheus::on_data(&s.prom_data, &[], Duration::from_secs(30)).await;
    let series_after = samples(&restored.url, start, end).await;
    assert_eq!(series_after.len(), series_before.len());
    assert_eq!(series_after, series_before);
}
