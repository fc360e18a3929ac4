//! The CLI's configuration file: `$XDG_CONFIG_HOME/llmmon/config.toml` (else
//! `~/.config/llmmon/config.toml`), or the file `--config` / `LLMMON_CONFIG` names. Every key
//! is optional; a missing default file is fine, a missing named file or an unknown key is an
//! error naming the file. A few environment variables override the file (see [`ENV`]): the
//! defaults, the file and the environment are layered with figment, and every problem (bad
//! keys, values of the wrong type, URLs the `url` crate refuses) comes back in one error.
//! Secrets never live here: the announcements token comes from its environment variable only.

use std::fmt;
use std::path::{Path, PathBuf};

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use llmmon_core::problems::Problems;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Environment variables that override the file, and the key each sets.
pub const ENV: [(&str, &str); 6] = [
    ("LLMMON_HOST", "host"),
    ("LLMMON_PROMETHEUS_URL", "prometheus"),
    ("LLMMON_LOKI_URL", "loki"),
    ("LLMMON_ANNOUNCEMENTS_URL", "announcements"),
    ("DOCKER_HOST", "docker_host"),
    ("LLMMON_STACK_DIR", "stack.dir"),
];

/// Bearer token for writing announcements (never read from or written to the file).
pub const TOKEN_ENV: &str = "LLMMON_ANNOUNCEMENTS_TOKEN";

/// Default Docker socket.
pub const DEFAULT_DOCKER_HOST: &str = llmmon_core::docker::DEFAULT_SOCKET;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Host the stack and the exporter roles run on.
    pub host: String,
    /// Prometheus base URL; default `http://HOST:23001`.
    pub prometheus: Option<String>,
    /// Loki base URL; default `http://HOST:23002`.
    pub loki: Option<String>,
    /// Grafana base URL; default `http://HOST:23000`.
    pub grafana: Option<String>,
    /// Alertmanager base URL; default `http://HOST:23003`.
    pub alertmanager: Option<String>,
    /// Announcements service base URL; default `http://HOST:23004`.
    pub announcements: Option<String>,
    /// Docker engine: `unix:///path`, `tcp://host:port` or `ssh://[user@]host`.
    pub docker_host: String,
    pub stack: StackConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackConfig {
    /// The Compose project directory (holding docker-compose.yml and .env).
    pub dir: PathBuf,
    /// Where `stack backup` writes archives.
    pub backup_dir: PathBuf,
    /// How many backups to keep (older ones are deleted after a successful backup); 0 keeps
    /// all.
    pub keep_backups: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            prometheus: None,
            loki: None,
            grafana: None,
            alertmanager: None,
            announcements: None,
            docker_host: DEFAULT_DOCKER_HOST.into(),
            stack: StackConfig::default(),
        }
    }
}

impl Default for StackConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("/opt/llmmon/compose"),
            backup_dir: PathBuf::from("/var/backups/llmmon"),
            keep_backups: 14,
        }
    }
}

/// Where the configuration came from, for `config show`.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// No file: defaults (and environment).
    Defaults {
        looked_at: Option<PathBuf>,
    },
    File(PathBuf),
}

/// Every key of the file, `stack.` ones with their table.
pub const KEYS: [&str; 10] = [
    "host",
    "prometheus",
    "loki",
    "grafana",
    "alertmanager",
    "announcements",
    "docker_host",
    "stack.dir",
    "stack.backup_dir",
    "stack.keep_backups",
];

/// Where a setting was read: the file (at a line, when it can be told) or an environment
/// variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File {
        path: PathBuf,
        line: Option<usize>,
    },
    Env(&'static str),
    /// Not set anywhere: the built-in default.
    Defaults,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File { path, line: None } => write!(f, "config file {}", path.display()),
            Source::File {
                path,
                line: Some(l),
            } => write!(f, "config file {} (line {l})", path.display()),
            Source::Env(var) => f.write_str(var),
            Source::Defaults => f.write_str("defaults"),
        }
    }
}

/// One thing wrong with the configuration. URLs are shown without credentials.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigProblem {
    /// The file `--config` or `LLMMON_CONFIG` names is not there.
    #[error("config file {} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("config file {}: {why}", .path.display())]
    Unreadable { path: PathBuf, why: String },
    /// Not TOML.
    #[error("{at}: {why}")]
    Syntax { at: Source, why: String },
    #[error("{at}: unknown key '{key}' (keys: {})", KEYS.join(", "))]
    UnknownKey { at: Source, key: String },
    /// A value of the wrong type (a string for a number, a number for a table …).
    #[error("{at}: {key}: {why}")]
    BadValue {
        at: Source,
        key: &'static str,
        why: String,
    },
    #[error("{at}: {key} = '{url}' is not a URL: {why}")]
    NotUrl {
        at: Source,
        key: &'static str,
        url: String,
        why: url::ParseError,
    },
    #[error("{at}: {key} = '{url}' must start with http:// or https://")]
    NotHttp {
        at: Source,
        key: &'static str,
        url: String,
    },
    #[error("{at}: host '{host}' is not a host name")]
    BadHost { at: Source, host: String },
    #[error(
        "{at}: docker_host = '{value}' (expected unix:///path/to/docker.sock, tcp://HOST:PORT or \
         ssh://[USER@]HOST)"
    )]
    BadDockerHost { at: Source, value: String },
}

/// Everything wrong with the configuration, on one line.
pub type ConfigError = Problems<ConfigProblem>;

impl Config {
    /// Loads the file `explicit` names (it must exist), else the XDG default if present,
    /// then applies the environment.
    pub fn load(explicit: Option<&Path>) -> Result<(Self, Origin), ConfigError> {
        Self::load_with(explicit, &|k| std::env::var(k).ok())
    }

    /// [`Config::load`] with the environment given as a lookup (tests): the defaults, then
    /// the file, then the variables of [`ENV`] (empty ones are ignored). Every problem comes
    /// back at once.
    pub fn load_with(
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Self, Origin), ConfigError> {
        let one = |p| Problems(vec![p]);
        let path = match explicit {
            Some(path) if !path.exists() => return Err(one(ConfigProblem::Missing(path.into()))),
            Some(path) => Some(path.to_owned()),
            None => default_path(env).filter(|p| p.exists()),
        };
        let origin = match &path {
            Some(p) => Origin::File(p.clone()),
            None => Origin::Defaults {
                looked_at: default_path(env),
            },
        };
        let file = path
            .map(|path| {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    one(ConfigProblem::Unreadable {
                        path: path.clone(),
                        why: e.to_string(),
                    })
                })?;
                let table = parse(&path, &text).map_err(one)?;
                Ok(File { path, text, table })
            })
            .transpose()?;
        let set: Vec<(&'static str, &'static str, String)> = ENV
            .iter()
            .filter_map(|&(var, key)| Some((var, key, env(var).filter(|v| !v.is_empty())?)))
            .collect();
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        if let Some(f) = &file {
            fig = fig.merge(Toml::string(&f.text));
        }
        for (_, key, value) in &set {
            fig = fig.merge(Serialized::default(key, value));
        }
        let mut read = Reader {
            fig,
            file: file.as_ref(),
            env: &set,
            problems: Problems::default(),
        };
        read.unknown_keys();
        let cfg = Config {
            host: read.get("host"),
            prometheus: read.get("prometheus"),
            loki: read.get("loki"),
            grafana: read.get("grafana"),
            alertmanager: read.get("alertmanager"),
            announcements: read.get("announcements"),
            docker_host: read.get("docker_host"),
            stack: StackConfig {
                dir: read.get("stack.dir"),
                backup_dir: read.get("stack.backup_dir"),
                keep_backups: read.get("stack.keep_backups"),
            },
        };
        read.validate(&cfg);
        read.problems.check()?;
        Ok((cfg, origin))
    }

    fn on_host(&self, url: &Option<String>, port: u16) -> String {
        url.as_deref()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{}:{port}", self.host))
    }

    pub fn prometheus_url(&self) -> String {
        self.on_host(&self.prometheus, 23001)
    }

    pub fn loki_url(&self) -> String {
        self.on_host(&self.loki, 23002)
    }

    pub fn grafana_url(&self) -> String {
        self.on_host(&self.grafana, 23000)
    }

    pub fn alertmanager_url(&self) -> String {
        self.on_host(&self.alertmanager, 23003)
    }

    pub fn announcements_url(&self) -> String {
        self.on_host(&self.announcements, 23004)
    }

    /// This configuration with every default URL filled in (for `config show`).
    pub fn effective(&self) -> Self {
        let mut shown = self.clone();
        shown.prometheus = Some(self.prometheus_url());
        shown.loki = Some(self.loki_url());
        shown.grafana = Some(self.grafana_url());
        shown.alertmanager = Some(self.alertmanager_url());
        shown.announcements = Some(self.announcements_url());
        shown
    }
}

/// The configuration file as read.
struct File {
    path: PathBuf,
    text: String,
    table: toml::Table,
}

/// The file as TOML; a syntax error names its line (figment's would not).
fn parse(path: &Path, text: &str) -> Result<toml::Table, ConfigProblem> {
    toml::from_str::<toml::Table>(text).map_err(|e| {
        let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
        ConfigProblem::Syntax {
            at: Source::File {
                path: path.to_owned(),
                line,
            },
            why: e.message().to_owned(),
        }
    })
}

/// Reads each key out of the layered configuration, noting every problem.
struct Reader<'a> {
    fig: Figment,
    file: Option<&'a File>,
    /// The variables of [`ENV`] that are set: name, key, value.
    env: &'a [(&'static str, &'static str, String)],
    problems: ConfigError,
}

impl Reader<'_> {
    /// Where `key` was set: the variable that overrides it, else the file.
    fn source(&self, key: &str) -> Source {
        if let Some((var, _, _)) = self.env.iter().find(|(_, k, _)| *k == key) {
            return Source::Env(var);
        }
        match self.file {
            Some(f) => Source::File {
                path: f.path.clone(),
                line: line_of(&f.text, key),
            },
            None => Source::Defaults,
        }
    }

    /// Keys of the file that are not settings (the environment only sets known ones).
    fn unknown_keys(&mut self) {
        let Some(file) = self.file else { return };
        let mut unknown = Vec::new();
        for (k, v) in &file.table {
            match v.as_table() {
                Some(sub) if k == "stack" => unknown.extend(
                    sub.keys()
                        .map(|s| format!("stack.{s}"))
                        .filter(|full| !KEYS.contains(&full.as_str())),
                ),
                None if k == "stack" => {
                    let at = self.source("stack");
                    self.problems.push(ConfigProblem::BadValue {
                        at,
                        key: "stack",
                        why: "must be a table ([stack])".to_owned(),
                    });
                }
                _ if KEYS.contains(&k.as_str()) => {}
                _ => unknown.push(k.clone()),
            }
        }
        for key in unknown {
            let at = self.source(&key);
            self.problems.push(ConfigProblem::UnknownKey { at, key });
        }
    }

    /// The value of `key`, or its type's default after noting why it cannot be read.
    fn get<T: DeserializeOwned + Default>(&mut self, key: &'static str) -> T {
        // Absent: an optional key not set, or under a `stack` that is not a table (noted by
        // `unknown_keys`).
        let Ok(value) = self.fig.find_value(key) else {
            return T::default();
        };
        value.deserialize::<T>().unwrap_or_else(|e| {
            let at = self.source(key);
            let why = e.kind.to_string();
            self.problems.push(ConfigProblem::BadValue { at, key, why });
            T::default()
        })
    }

    /// Checks the values that read: URLs, the host and the Docker engine.
    fn validate(&mut self, cfg: &Config) {
        let urls = [
            ("prometheus", &cfg.prometheus),
            ("loki", &cfg.loki),
            ("grafana", &cfg.grafana),
            ("alertmanager", &cfg.alertmanager),
            ("announcements", &cfg.announcements),
        ];
        for (key, value) in urls {
            let Some(raw) = value else { continue };
            let shown = llmmon_core::redact::url(raw);
            let problem = match url::Url::parse(raw) {
                Err(why) => Some(ConfigProblem::NotUrl {
                    at: self.source(key),
                    key,
                    url: shown,
                    why,
                }),
                Ok(u) if !matches!(u.scheme(), "http" | "https") => Some(ConfigProblem::NotHttp {
                    at: self.source(key),
                    key,
                    url: shown,
                }),
                Ok(_) => None,
            };
            if let Some(p) = problem {
                self.problems.push(p);
            }
        }
        if cfg.host.is_empty() || cfg.host.contains('/') || cfg.host.contains(char::is_whitespace) {
            let at = self.source("host");
            self.problems.push(ConfigProblem::BadHost {
                at,
                host: cfg.host.clone(),
            });
        }
        if !docker_host_ok(&cfg.docker_host) {
            let at = self.source("docker_host");
            self.problems.push(ConfigProblem::BadDockerHost {
                at,
                value: llmmon_core::redact::url(&cfg.docker_host),
            });
        }
    }
}

/// Whether `v` names a Docker engine the way `DOCKER_HOST` does: `unix://` and an absolute
/// path, `tcp://` with a host and port, or `ssh://` with a host.
fn docker_host_ok(v: &str) -> bool {
    match url::Url::parse(v) {
        Ok(u) => match u.scheme() {
            "unix" => u.host_str().is_none_or(str::is_empty) && u.path().len() > 1,
            "tcp" => u.host_str().is_some_and(|h| !h.is_empty()) && u.port().is_some(),
            "ssh" => u.host_str().is_some_and(|h| !h.is_empty()),
            _ => false,
        },
        Err(_) => false,
    }
}

/// The line of the file that sets `key` (`stack.dir` is `dir` under `[stack]`), if one
/// plainly does.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let (table, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = header.trim().to_owned();
            if current == key {
                return Some(i + 1);
            }
            continue;
        }
        let set = line
            .split_once('=')
            .map(|(k, _)| k.trim().trim_matches(['"', '\'']));
        if current == table && set == Some(name) {
            return Some(i + 1);
        }
    }
    None
}

/// `$XDG_CONFIG_HOME/llmmon/config.toml`, else `$HOME/.config/llmmon/config.toml`.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|v| v.starts_with('/'))
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("llmmon").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_when_the_xdg_file_is_absent() {
        let dir = tempfile::tempdir().expect("tmp");
        let xdg = dir.path().to_str().expect("utf-8");
        let (cfg, origin) = Config::load_with(None, &env(&[("XDG_CONFIG_HOME", xdg)])).expect("ok");
        assert_eq!(cfg, Config::default());
        assert_eq!(
            origin,
            Origin::Defaults {
                looked_at: Some(dir.path().join("llmmon/config.toml"))
            }
        );
        assert_eq!(cfg.prometheus_url(), "http://127.0.0.1:23001");
        assert_eq!(cfg.announcements_url(), "http://127.0.0.1:23004");
    }

    #[test]
    fn the_xdg_file_is_read_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("llmmon")).expect("mkdir");
        std::fs::write(
            dir.path().join("llmmon/config.toml"),
            "host = \"10.0.0.5\"\nloki = \"http://logs:3100/\"\n[stack]\nkeep_backups = 3\n",
        )
        .expect("write");
        let xdg = dir.path().to_str().expect("utf-8");
        let (cfg, origin) = Config::load_with(
            None,
            &env(&[
                ("XDG_CONFIG_HOME", xdg),
                ("LLMMON_PROMETHEUS_URL", "http://p:9090"),
            ]),
        )
        .expect("ok");
        assert!(matches!(origin, Origin::File(_)));
        assert_eq!(cfg.loki_url(), "http://logs:3100");
        assert_eq!(cfg.prometheus_url(), "http://p:9090");
        assert_eq!(cfg.grafana_url(), "http://10.0.0.5:23000");
        assert_eq!(cfg.stack.keep_backups, 3);
    }

    #[test]
    fn a_bad_file_is_one_line_naming_the_file_and_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "host = \"h\"\n\nprometeus = \"http://x\"\n").expect("write");
        let err = Config::load_with(Some(&path), &env(&[]))
            .expect_err("unknown key")
            .to_string();
        assert!(
            err.contains("c.toml (line 3)") && err.contains("prometeus"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        let err = Config::load_with(Some(&dir.path().join("none.toml")), &env(&[]))
            .expect_err("missing named file")
            .to_string();
        assert!(
            err.contains("none.toml") && err.contains("does not exist"),
            "{err}"
        );
        std::fs::write(&path, "host = \"h\"\nloki = \"logs:3100\"\n").expect("write");
        let err = Config::load_with(Some(&path), &env(&[]))
            .expect_err("bad URL")
            .to_string();
        assert!(err.contains("loki") && err.contains("http://"), "{err}");
        std::fs::write(&path, "host = \"h\"\n[stack\n").expect("write");
        let err = Config::load_with(Some(&path), &env(&[]))
            .expect_err("not TOML")
            .to_string();
        assert!(err.contains("c.toml (line 2)"), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }

    #[test]
    fn every_problem_of_the_file_and_the_environment_is_listed_at_once() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "host = \"a b\"\nprometeus = \"http://x\"\ngrafana = \"ftp://g\"\n\
             docker_host = \"http://engine\"\n[stack]\nkeep_backups = \"many\"\nkeep = 1\n",
        )
        .expect("write");
        let err = Config::load_with(
            Some(&path),
            &env(&[("LLMMON_PROMETHEUS_URL", "http://:9090")]),
        )
        .expect_err("invalid");
        assert_eq!(err.0.len(), 7, "{err}");
        let text = err.to_string();
        for needle in [
            "c.toml (line 1): host 'a b'",
            "c.toml (line 2): unknown key 'prometeus'",
            "c.toml (line 3): grafana = 'ftp://g' must start with http://",
            "c.toml (line 4): docker_host = 'http://engine'",
            "c.toml (line 6): stack.keep_backups: invalid type",
            "c.toml (line 7): unknown key 'stack.keep'",
            "LLMMON_PROMETHEUS_URL: prometheus = 'http://:9090' is not a URL: empty host",
        ] {
            assert!(text.contains(needle), "{needle} missing from: {text}");
        }
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn a_bad_url_is_named_with_its_key_and_without_its_credentials() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "alertmanager = \"htp://admin:hunter2@am:9093\"\nannouncements = \"not a url\"\n",
        )
        .expect("write");
        let err = Config::load_with(Some(&path), &env(&[]))
            .expect_err("bad URLs")
            .to_string();
        assert!(
            err.contains("alertmanager = 'htp://am:9093' must start with http:// or https://"),
            "{err}"
        );
        assert!(
            err.contains("announcements = 'not a url' is not a URL"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn docker_hosts_take_the_forms_docker_accepts() {
        for ok in [
            "unix:///var/run/docker.sock",
            "tcp://10.0.0.5:2375",
            "ssh://admin@gpu-1",
        ] {
            assert!(docker_host_ok(ok), "{ok}");
        }
        for bad in [
            "/var/run/docker.sock",
            "unix://",
            "tcp://10.0.0.5",
            "http://10.0.0.5:2375",
        ] {
            assert!(!docker_host_ok(bad), "{bad}");
        }
    }

    #[test]
    #[allow(
        clippy::result_large_err,
        reason = "figment::Jail fixes its closure's error type"
    )]
    fn the_environment_overrides_the_file_which_overrides_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "llmmon.toml",
                "host = \"10.0.0.5\"\nloki = \"http://logs:3100\"\n[stack]\ndir = \"/srv/llmmon\"\n",
            )?;
            jail.set_env("LLMMON_LOKI_URL", "http://other-logs:3100");
            jail.set_env("LLMMON_STACK_DIR", "/opt/stack");
            jail.set_env("DOCKER_HOST", "tcp://10.0.0.5:2375");
            jail.set_env("LLMMON_PROMETHEUS_URL", "");
            let (cfg, origin) =
                Config::load(Some(Path::new("llmmon.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(origin, Origin::File(PathBuf::from("llmmon.toml")));
            assert_eq!(cfg.host, "10.0.0.5");
            assert_eq!(cfg.loki_url(), "http://other-logs:3100");
            assert_eq!(
                cfg.prometheus_url(),
                "http://10.0.0.5:23001",
                "empty is unset"
            );
            assert_eq!(cfg.stack.dir, PathBuf::from("/opt/stack"));
            assert_eq!(cfg.docker_host, "tcp://10.0.0.5:2375");
            assert_eq!(cfg.stack.keep_backups, StackConfig::default().keep_backups);
            jail.set_env("LLMMON_LOKI_URL", "logs:3100");
            let err = Config::load(Some(Path::new("llmmon.toml")))
                .expect_err("bad URL from the environment")
                .to_string();
            assert!(
                err.starts_with("LLMMON_LOKI_URL: loki = 'logs:3100'"),
                "{err}"
            );
            Ok(())
        });
    }
}
