//! The `docker` / `docker compose` invocations of the stack commands, the compose file as
//! data (services, images, volumes), and `docker compose ps --format json` parsed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::DEFAULT_DOCKER_HOST;

/// The Compose project name (`name:` in docker-compose.yml): volumes are `llmmon_<name>`.
pub const PROJECT: &str = "llmmon";
/// The base compose file, in the stack directory.
pub const BASE_FILE: &str = "docker-compose.yml";

/// Which overlay runs with the base file: real sources or the fleet simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Prod,
    Mock,
}

impl Overlay {
    pub fn from_mock(mock: bool) -> Self {
        if mock {
            Self::Mock
        } else {
            Self::Prod
        }
    }

    /// The overlay's file name, in the stack directory.
    pub fn file(self) -> &'static str {
        match self {
            Self::Prod => "docker-compose.prod.yml",
            Self::Mock => "docker-compose.mock.yml",
        }
    }
}

/// The overlay of a server of a fleet: remote write to the central store.
pub const FLEET_FILE: &str = "docker-compose.fleet.yml";

/// The files and profiles of one `docker compose` invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub overlay: Overlay,
    pub profiles: Vec<String>,
    /// A server of a fleet: the fleet overlay too.
    pub fleet: bool,
}

impl Project {
    pub fn new(overlay: Overlay, profiles: &[String]) -> Self {
        Self {
            overlay,
            profiles: profiles.to_vec(),
            fleet: false,
        }
    }

    /// The same with the fleet overlay.
    pub fn in_fleet(mut self, fleet: bool) -> Self {
        self.fleet = fleet;
        self
    }

    /// `-f docker-compose.yml -f <overlay> [-f docker-compose.fleet.yml] [--profile P]...`
    fn args(&self) -> Vec<String> {
        let mut args: Vec<String> = ["-f", BASE_FILE, "-f", self.overlay.file()]
            .map(String::from)
            .to_vec();
        if self.fleet {
            args.extend(["-f".to_owned(), FLEET_FILE.to_owned()]);
        }
        for p in &self.profiles {
            args.extend(["--profile".to_owned(), p.clone()]);
        }
        args
    }
}

/// Why a `docker` command gave no answer; each names the fix where there is one.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error(
        "stack directory {} does not exist; pass --dir or set stack.dir in the config",
        .0.display()
    )]
    NoStackDir(PathBuf),
    #[error(
        "`docker` is not on PATH; install Docker Engine (https://docs.docker.com/engine/install/)"
    )]
    NotInstalled,
    #[error("cannot run docker: {0}")]
    Spawn(std::io::Error),
    #[error("{COMPOSE_MISSING}")]
    ComposeMissing,
    /// The command failed: its first line on stderr (else its exit status).
    #[error("`{command}` failed: {why}")]
    Failed { command: String, why: String },
    /// A command run on the terminal failed (its output is already there).
    #[error("`{command}` failed ({status})")]
    Exited {
        command: String,
        status: std::process::ExitStatus,
    },
    #[error("unexpected `{what}` output: {why}")]
    Unexpected { what: &'static str, why: String },
}

impl DockerError {
    fn spawn(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound {
            Self::NotInstalled
        } else {
            Self::Spawn(e)
        }
    }

    /// Output of `what` that does not read as expected.
    pub fn unexpected(what: &'static str, why: &dyn std::fmt::Display) -> Self {
        Self::Unexpected {
            what,
            why: why.to_string(),
        }
    }
}

/// Runs `docker` in the stack directory, against the configured engine.
#[derive(Debug, Clone)]
pub struct Docker {
    dir: PathBuf,
    /// `DOCKER_HOST` for the child when the configuration names another engine than the
    /// default socket (else Docker's own context applies).
    docker_host: Option<String>,
    /// Log each command (`-v`).
    log: bool,
}

impl Docker {
    pub fn new(dir: &Path, docker_host: &str, log: bool) -> Self {
        Self {
            dir: dir.to_owned(),
            docker_host: (docker_host != DEFAULT_DOCKER_HOST).then(|| docker_host.to_owned()),
            log,
        }
    }

    /// The stack (Compose project) directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `docker ARGS` in the stack directory: its stdout, or one line saying what failed.
    pub async fn docker(&self, args: &[String]) -> Result<String, DockerError> {
        let out = self.output(args).await?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        if args.first().is_some_and(|a| a == "compose") && compose_missing(&out.stderr) {
            return Err(DockerError::ComposeMissing);
        }
        Err(DockerError::Failed {
            command: subcommand(args),
            why: first_line(&out.stderr).unwrap_or_else(|| format!("exit status {}", out.status)),
        })
    }

    /// `docker ARGS` with its raw outcome (exit status and both streams).
    pub async fn output(&self, args: &[String]) -> Result<std::process::Output, DockerError> {
        if self.log {
            tracing::info!("running: {}", shell_line(&docker_line(args)));
        }
        let mut cmd = tokio::process::Command::new("docker");
        cmd.args(args).current_dir(&self.dir).kill_on_drop(true);
        if let Some(host) = &self.docker_host {
            cmd.env("DOCKER_HOST", host);
        }
        if !self.dir.is_dir() {
            return Err(DockerError::NoStackDir(self.dir.clone()));
        }
        cmd.output().await.map_err(DockerError::spawn)
    }

    /// `docker compose -f … ARGS`.
    pub async fn compose(&self, project: &Project, args: &[&str]) -> Result<String, DockerError> {
        self.docker(&compose_args(project, args)).await
    }

    /// The project as it runs now: the overlay its containers were created with (from
    /// `docker compose ls`), else `mock` or production when nothing runs.
    pub async fn project(&self, mock: Option<bool>) -> Project {
        if let Some(m) = mock {
            return Project::new(Overlay::from_mock(m), &[]);
        }
        let args = ["compose", "ls", "--all", "--format", "json"].map(String::from);
        let running = self.docker(&args).await.ok().and_then(|out| {
            let list: Vec<serde_json::Value> = serde_json::from_str(out.trim()).ok()?;
            let ours = list.iter().find(|p| p["Name"] == PROJECT)?;
            Some(ours["ConfigFiles"].as_str()?.contains(Overlay::Mock.file()))
        });
        Project::new(Overlay::from_mock(running.unwrap_or(false)), &[])
    }

    /// The project's containers (`ps --all --format json`).
    pub async fn ps(&self, project: &Project) -> Result<Vec<Container>, DockerError> {
        let out = self
            .compose(project, &["ps", "--all", "--format", "json"])
            .await?;
        parse_ps(&out)
    }

    /// The services of the project that Compose builds (`build:`), with their image as
    /// Compose resolves it (`config --format json`: overlays, profiles, `.env` and the
    /// environment applied), sorted by service.
    pub async fn built(&self, project: &Project) -> Result<Vec<Built>, DockerError> {
        let out = self
            .compose(project, &["config", "--format", "json"])
            .await?;
        parse_built(&out, &self.dir)
    }

    /// Whether the engine has `image` (`docker image inspect`).
    pub async fn has_image(&self, image: &str) -> bool {
        let args = ["image", "inspect", "--format", "{{.Id}}", image].map(String::from);
        self.output(&args)
            .await
            .is_ok_and(|o| o.status.success() && !o.stdout.is_empty())
    }

    /// `docker ARGS` with its output on this terminal (long-running builds show progress);
    /// Ok when it succeeded.
    pub async fn run_visible(&self, args: &[String]) -> Result<(), DockerError> {
        if self.log {
            tracing::info!("running: {}", shell_line(&docker_line(args)));
        }
        let mut cmd = tokio::process::Command::new("docker");
        cmd.args(args)
            .current_dir(&self.dir)
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null());
        if let Some(host) = &self.docker_host {
            cmd.env("DOCKER_HOST", host);
        }
        let status = cmd.status().await.map_err(DockerError::spawn)?;
        if status.success() {
            Ok(())
        } else {
            Err(DockerError::Exited {
                command: subcommand(args),
                status,
            })
        }
    }

    /// The services the project's files and profiles enable (`config --services`).
    pub async fn services(&self, project: &Project) -> Result<Vec<String>, DockerError> {
        let out = self.compose(project, &["config", "--services"]).await?;
        let mut services: Vec<String> = out
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        services.sort();
        Ok(services)
    }
}

/// A service Compose builds from a Dockerfile, as `docker compose config` resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub service: String,
    /// The tag the build produces (`image:`).
    pub image: String,
    /// The Dockerfile, resolved against the build context.
    pub dockerfile: PathBuf,
}

/// The services with `build:` in `docker compose config --format json`, sorted by name.
pub fn parse_built(out: &str, dir: &Path) -> Result<Vec<Built>, DockerError> {
    let doc: serde_json::Value = serde_json::from_str(out.trim())
        .map_err(|e| DockerError::unexpected("docker compose config", &e))?;
    let mut built: Vec<Built> = doc["services"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, svc)| {
            let build = svc.get("build").filter(|b| !b.is_null())?;
            // Short syntax (`build: ../`) is a string; the long one a mapping.
            let context = build
                .as_str()
                .or_else(|| build["context"].as_str())
                .unwrap_or(".");
            let dockerfile = build["dockerfile"].as_str().unwrap_or("Dockerfile");
            let context = dir.join(context);
            Some(Built {
                service: name.clone(),
                image: svc["image"]
                    .as_str()
                    .map(String::from)
                    // Compose names an untagged build <project>-<service>.
                    .unwrap_or_else(|| format!("{PROJECT}-{name}")),
                dockerfile: context.join(dockerfile),
            })
        })
        .collect();
    built.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(built)
}

/// One `${NAME…}` of a compose file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// `:-` / `-` default, `:?` / `?` message, or nothing.
    pub modifier: Modifier,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modifier {
    None,
    /// `${NAME:-default}` (`empty_counts`) or `${NAME-default}`.
    Default {
        value: String,
        empty_counts: bool,
    },
    /// `${NAME:?message}` (unset or empty is an error) or `${NAME?message}` (unset is).
    Required {
        message: String,
        empty_counts: bool,
    },
}

/// Every `${…}` in a compose file's text, in order (`$$` is a literal dollar).
pub fn variables(text: &str) -> Vec<Variable> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("$$") {
            rest = r;
            continue;
        }
        let Some(r) = rest.strip_prefix("${") else {
            rest = &rest[1..];
            continue;
        };
        let Some(end) = r.find('}') else { break };
        let expr = &r[..end];
        rest = &r[end + 1..];
        let name_end = expr
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expr.len());
        let (name, op) = expr.split_at(name_end);
        let (empty_counts, op) = match op.strip_prefix(':') {
            Some(o) => (true, o),
            None => (false, op),
        };
        let modifier = if let Some(v) = op.strip_prefix('-') {
            Modifier::Default {
                value: v.to_owned(),
                empty_counts,
            }
        } else if let Some(m) = op.strip_prefix('?') {
            Modifier::Required {
                message: m.to_owned(),
                empty_counts,
            }
        } else {
            Modifier::None
        };
        out.push(Variable {
            name: name.to_owned(),
            modifier,
        });
    }
    out
}

/// `s` with `${NAME}` / `${NAME:-default}` / `${NAME-default}` resolved by `lookup` (None:
/// unset), as Compose interpolates a value; a required variable that is missing stays as
/// written. For what `--dry-run` shows; the real commands leave interpolation to Compose.
pub fn interpolate(s: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("$$") {
            out.push('$');
            rest = r;
            continue;
        }
        let Some(end) = rest.find('}').filter(|_| rest.starts_with("${")) else {
            out.push('$');
            rest = &rest[1..];
            continue;
        };
        let whole = &rest[..=end];
        let v = variables(whole).pop();
        rest = &rest[end + 1..];
        let Some(v) = v else {
            out.push_str(whole);
            continue;
        };
        let value = lookup(&v.name);
        let resolved = match &v.modifier {
            Modifier::None => value.unwrap_or_default(),
            Modifier::Default {
                value: default,
                empty_counts,
            } => match value {
                Some(x) if !(*empty_counts && x.is_empty()) => x,
                _ => default.clone(),
            },
            Modifier::Required { empty_counts, .. } => match value {
                Some(x) if !(*empty_counts && x.is_empty()) => x,
                _ => whole.to_owned(),
            },
        };
        out.push_str(&resolved);
    }
    out.push_str(rest);
    out
}

/// What to do when the Compose v2 plugin is not installed.
pub const COMPOSE_MISSING: &str = "Docker Compose v2 is missing (`docker compose` is not a \
     docker command here): install the docker-compose-plugin package (`sudo apt-get install \
     docker-compose-plugin`)";

/// Whether `docker compose …` failed because the CLI has no `compose` command: without the
/// plugin, docker reads `compose` as an image-less argument and trips on the first flag.
fn compose_missing(stderr: &[u8]) -> bool {
    let e = String::from_utf8_lossy(stderr);
    e.contains("is not a docker command") || e.contains("unknown shorthand flag")
}

/// The arguments of `docker compose -f … ARGS`.
pub fn compose_args(project: &Project, args: &[&str]) -> Vec<String> {
    let mut all = vec!["compose".to_owned()];
    all.extend(project.args());
    all.extend(args.iter().map(|a| (*a).to_owned()));
    all
}

/// `docker ARGS` as words.
pub fn docker_line(args: &[String]) -> Vec<String> {
    std::iter::once("docker".to_owned())
        .chain(args.iter().cloned())
        .collect()
}

/// Words as a shell command line, quoted where needed (for `--dry-run` and `-v`).
pub fn shell_line(words: &[String]) -> String {
    let mut line = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        let plain = !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c));
        if plain {
            line.push_str(w);
        } else {
            let _ = write!(line, "'{}'", w.replace('\'', r"'\''"));
        }
    }
    line
}

/// `docker compose up`, `docker run`, …: the command without its files and options.
fn subcommand(args: &[String]) -> String {
    let mut words = vec!["docker"];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "compose" => words.push("compose"),
            "-f" | "--profile" => {
                it.next();
            }
            _ => {
                words.push(a);
                break;
            }
        }
    }
    words.join(" ")
}

/// The first non-empty line of a command's stderr.
fn first_line(stderr: &[u8]) -> Option<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(String::from)
}

/// One container of `docker compose ps --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Container {
    pub name: String,
    pub service: String,
    /// `running`, `exited`, `restarting`, `created`, …
    pub state: String,
    /// `healthy`, `unhealthy`, `starting`, or empty without a healthcheck.
    #[serde(default)]
    pub health: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub publishers: Vec<Publisher>,
}

impl Container {
    /// Running, and healthy when it has a healthcheck.
    pub fn is_healthy(&self) -> bool {
        self.state == "running" && (self.health.is_empty() || self.health == "healthy")
    }

    /// `healthy`, `starting`, `exited`, … in one word.
    pub fn condition(&self) -> &str {
        if self.state == "running" && !self.health.is_empty() {
            &self.health
        } else {
            &self.state
        }
    }
}

/// A published port of a container.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Publisher {
    #[serde(default, rename = "URL")]
    pub url: String,
    #[serde(default)]
    pub published_port: u16,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Parses `docker compose ps --format json`: Compose before 2.21 prints one JSON array,
/// later versions one object per line.
pub fn parse_ps(out: &str) -> Result<Vec<Container>, DockerError> {
    let out = out.trim();
    let bad = |e: serde_json::Error| DockerError::unexpected("docker compose ps", &e);
    if out.starts_with('[') {
        return serde_json::from_str(out).map_err(bad);
    }
    out.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).map_err(bad))
        .collect()
}

/// Why docker-compose.yml could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ComposeFileError {
    #[error(
        "cannot read {}: {why}; pass --dir or set stack.dir to the compose/ directory",
        .path.display()
    )]
    Unreadable { path: PathBuf, why: std::io::Error },
    #[error("{} is not valid YAML: {why}", .path.display())]
    NotYaml { path: PathBuf, why: String },
}

/// docker-compose.yml of the stack directory, as data.
#[derive(Debug, Clone)]
pub struct ComposeFile {
    pub path: PathBuf,
    doc: serde_yaml_ng::Value,
}

impl ComposeFile {
    pub fn load(dir: &Path) -> Result<Self, ComposeFileError> {
        let path = dir.join(BASE_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(why) => return Err(ComposeFileError::Unreadable { path, why }),
        };
        match serde_yaml_ng::from_str(&text) {
            Ok(doc) => Ok(Self { path, doc }),
            Err(e) => Err(ComposeFileError::NotYaml {
                path,
                why: e.to_string(),
            }),
        }
    }

    /// Every service name, sorted.
    pub fn services(&self) -> Vec<String> {
        let mut names = keys(&self.doc["services"]);
        names.sort();
        names
    }

    pub fn has_service(&self, name: &str) -> bool {
        self.doc["services"].get(name).is_some()
    }

    /// Whether a service carries `build:` in this file.
    pub fn builds(&self, service: &str) -> bool {
        self.doc["services"][service]
            .get("build")
            .is_some_and(|b| !b.is_null())
    }

    /// A service's image as written (may hold `${VAR:-default}`).
    pub fn image(&self, service: &str) -> Option<String> {
        self.doc["services"][service]["image"]
            .as_str()
            .map(String::from)
    }

    /// Whether the top-level `volumes:` declares `name`.
    pub fn declares_volume(&self, name: &str) -> bool {
        self.doc["volumes"].get(name).is_some()
    }

    /// The services that mount the named volume, sorted.
    pub fn volume_users(&self, volume: &str) -> Vec<String> {
        let mut users: Vec<String> = self
            .services()
            .into_iter()
            .filter(|s| {
                self.doc["services"][s.as_str()]["volumes"]
                    .as_sequence()
                    .is_some_and(|mounts| mounts.iter().any(|m| mount_source(m) == Some(volume)))
            })
            .collect();
        users.sort();
        users
    }
}

/// The source of a volume entry, short (`name:/path:ro`) or long (`source: name`) syntax.
fn mount_source(m: &serde_yaml_ng::Value) -> Option<&str> {
    match m {
        serde_yaml_ng::Value::String(s) => s.split(':').next(),
        other => other["source"].as_str(),
    }
}

fn keys(v: &serde_yaml_ng::Value) -> Vec<String> {
    v.as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_docker_cli_without_the_compose_plugin_is_recognised() {
        // What Debian's docker.io CLI without the plugin prints for `docker compose -f …`.
        assert!(compose_missing(
            b"unknown shorthand flag: 'f' in -f\nSee 'docker --help'."
        ));
        assert!(compose_missing(
            b"docker: 'compose' is not a docker command."
        ));
        assert!(!compose_missing(b"no such service: grafana"));
    }

    use super::*;

    const LINE: &str = r#"{"Command":"\"/bin/prometheus\"","CreatedAt":"2025-01-01","ExitCode":0,"Health":"healthy","ID":"abc","Image":"prom/prometheus:v3.5.0","Labels":"","LocalVolumes":"1","Mounts":"","Name":"llmmon-prometheus-1","Names":"llmmon-prometheus-1","Networks":"llmmon-monitoring","Ports":"127.0.0.1:23001->9090/tcp","Project":"llmmon","Publishers":[{"URL":"127.0.0.1","TargetPort":9090,"PublishedPort":23001,"Protocol":"tcp"}],"RunningFor":"2 hours ago","Service":"prometheus","Size":"0B","State":"running","Status":"Up 2 hours (healthy)"}"#;

    #[test]
    fn ps_output_as_lines_or_as_one_array() {
        let alloy = r#"{"Name":"llmmon-alloy-1","Service":"alloy","State":"running","Health":"starting","Publishers":null,"Status":"Up 3 seconds (health: starting)"}"#;
        let lines = parse_ps(&format!("{LINE}\n{alloy}\n")).expect("lines");
        let array = parse_ps(&format!("[{LINE},{alloy}]")).expect("array");
        assert_eq!(lines, array);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].publishers[0].published_port, 23001);
        assert!(lines[0].is_healthy());
        assert!(!lines[1].is_healthy());
        assert_eq!(lines[1].condition(), "starting");
        assert!(parse_ps("").expect("empty").is_empty());
        assert!(parse_ps("[]").expect("empty array").is_empty());
        assert!(parse_ps("no json").is_err());
    }

    #[test]
    fn compose_arguments_name_the_overlay_and_profiles() {
        let p = Project::new(Overlay::Prod, &["dcgm".to_owned()]);
        assert_eq!(
            shell_line(&docker_line(&compose_args(&p, &["up", "-d"]))),
            "docker compose -f docker-compose.yml -f docker-compose.prod.yml --profile dcgm up -d"
        );
        let m = Project::new(Overlay::Mock, &[]);
        assert_eq!(
            compose_args(&m, &["down"]).join(" "),
            "compose -f docker-compose.yml -f docker-compose.mock.yml down"
        );
        assert_eq!(
            shell_line(&["a b".into(), "it's".into()]),
            r"'a b' 'it'\''s'"
        );
    }

    #[test]
    fn variables_and_their_interpolation_follow_compose() {
        let text = "a: ${A:-x} $${NOT} ${B?need B} ${C:?set C} ${D-y} ${E}";
        let vars = variables(text);
        let names: Vec<&str> = vars.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["A", "B", "C", "D", "E"]);
        assert_eq!(
            vars[1].modifier,
            Modifier::Required {
                message: "need B".into(),
                empty_counts: false
            }
        );
        assert_eq!(
            vars[2].modifier,
            Modifier::Required {
                message: "set C".into(),
                empty_counts: true
            }
        );
        let env = |k: &str| match k {
            "A" | "D" => Some(String::new()),
            "E" => Some("e".to_owned()),
            _ => None,
        };
        assert_eq!(
            interpolate("${A:-x}|${D-y}|${E}|$${E}|${F:-z}|${C:?c}", &env),
            "x||e|${E}|z|${C:?c}"
        );
    }

    #[test]
    fn built_services_come_from_compose_config_json() {
        // The shape of `docker compose config --format json` (context made absolute).
        let out = r#"{"name":"llmmon","services":{
            "prometheus":{"image":"prom/prometheus:v3.5.0"},
            "vllm-exporter":{"build":{"context":"/opt/llmmon","dockerfile":"Dockerfile"},"image":"ghcr.io/llmmon/llmmon-exporter:0.1.0"},
            "gpu-exporter":{"build":{"context":"/opt/llmmon","dockerfile":"Dockerfile"},"image":"ghcr.io/llmmon/llmmon-exporter:0.1.0"},
            "tool":{"build":{"context":"tool"}}}}"#;
        let built = parse_built(out, Path::new("/opt/llmmon/compose")).expect("parses");
        let names: Vec<&str> = built.iter().map(|b| b.service.as_str()).collect();
        assert_eq!(names, ["gpu-exporter", "tool", "vllm-exporter"]);
        assert_eq!(built[0].image, "ghcr.io/llmmon/llmmon-exporter:0.1.0");
        assert_eq!(built[0].dockerfile, Path::new("/opt/llmmon/Dockerfile"));
        assert_eq!(built[1].image, "llmmon-tool");
        assert_eq!(
            built[1].dockerfile,
            Path::new("/opt/llmmon/compose/tool/Dockerfile")
        );
        assert!(parse_built("nope", Path::new("/")).is_err());
    }

    #[test]
    fn the_shipped_compose_file_is_understood() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("compose");
        let f = ComposeFile::load(&dir).expect("shipped compose file");
        assert!(f.has_service("prometheus") && !f.has_service("prometheos"));
        assert_eq!(f.volume_users("prometheus-data"), ["prometheus"]);
        assert_eq!(f.volume_users("grafana-data"), ["grafana"]);
        assert!(f.declares_volume("loki-data"));
        assert!(f
            .image("prometheus")
            .is_some_and(|i| i.starts_with("prom/prometheus:")));
        assert!(f.builds("gpu-exporter") && !f.builds("prometheus"));
    }
}
